//! `v4/sns/black_list_check`.

use tencent_im_protocol::sns::{
    BlackListCheck, BlackListCheckItem, BlackListCheckResponse, BlockCheckType, BlockRelation,
};
use tencent_im_protocol::{Command, ErrorCode};

use super::{
    Answer, Context, Deferred, Fail, Request, SNS_DECODE_ERR, Serve, decode_list, sns_not_found,
};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for BlackListCheck {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        decode_list(
            body,
            SNS_DECODE_ERR,
            |r: &Self| r.to_accounts.len(),
            Self::MAX_ITEMS,
            (
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_BlackListCheck_Item_Num_Invalid".into(),
            ),
        )
    }
}

impl Request for BlackListCheck {
    fn apply(
        &self,
        app: &mut AppState,
        _: &Context<'_>,
        _: &mut Vec<(String, String)>,
    ) -> Deferred {
        black_list_check(self, app)
    }

    fn every_item(&self, code: ErrorCode, info: &str) -> Option<Answer> {
        let mut response = BlackListCheckResponse::default();
        for to in &self.to_accounts {
            response.fail_accounts.push(to.clone());
            response
                .check_items
                .push(BlackListCheckItem::failed(to.clone(), code, info));
        }
        Some(Answer::ok(response))
    }
}

fn black_list_check(req: &BlackListCheck, app: &AppState) -> Deferred {
    let Some(from) = app.accounts.get(&req.from_account) else {
        return Deferred::fail(sns_not_found(
            "Err_SNS_BlackListCheck_From_Account_Not_Exist",
        ));
    };
    let mut response = BlackListCheckResponse::default();
    for to in &req.to_accounts {
        let Some(target) = app.accounts.get(to) else {
            // As Tencent's sample shows a failed entry: `BlackCheckResult_Type_NO` with its code.
            response.fail_accounts.push(to.clone());
            response.check_items.push(BlackListCheckItem::failed(
                to.clone(),
                ErrorCode::SNS_ACCOUNT_NOT_FOUND,
                "Err_SNS_BlackListCheck_Account_Not_Exist",
            ));
            continue;
        };
        // **Decision** (docs/emulator.md): Tencent documents nothing for an account checked
        // against itself, unlike black_list_add and black_list_delete, which answer 30001; no
        // blocklist can hold its owner, so it is answered 0 with `BlackCheckResult_Type_NO`.
        let a_blocks_b = from.blocklist.contains(to);
        let b_blocks_a =
            req.check_type == BlockCheckType::Both && target.blocklist.contains(&req.from_account);
        let relation = match (a_blocks_b, b_blocks_a) {
            (true, true) => BlockRelation::BothWay,
            (true, false) => BlockRelation::AWithB,
            (false, true) => BlockRelation::BWithA,
            (false, false) => BlockRelation::No,
        };
        response
            .check_items
            .push(BlackListCheckItem::new(to.clone(), relation));
    }
    Deferred::ok(response)
}
