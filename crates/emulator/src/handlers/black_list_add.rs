//! `v4/sns/black_list_add`.

use tencent_im_protocol::callback::{CallbackBlackListAdd, CallbackEvent};
use tencent_im_protocol::sns::{BlackListAdd, BlackListAddResponse, ResultItem};
use tencent_im_protocol::{Command, ErrorCode};

use super::{
    Answer, Context, Deferred, Fail, Held, Request, SNS_DECODE_ERR, Serve, decode_list,
    every_result_item, pairs, sns_not_found,
};
use crate::config::RelationshipLimits;
use crate::state::AppState;

const NOT_FOUND: &str = "Err_SNS_BlackListAdd_From_Account_Not_Exist";

impl Serve for BlackListAdd {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        decode_list(
            body,
            SNS_DECODE_ERR,
            |r: &Self| r.to_accounts.len(),
            Self::MAX_ITEMS,
            (
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_BlackListAdd_Item_Num_Invalid".into(),
            ),
        )
    }
}

impl Request for BlackListAdd {
    fn apply(
        &self,
        app: &mut AppState,
        ctx: &Context<'_>,
        written: &mut Vec<(String, String)>,
    ) -> Deferred {
        if !app.accounts.contains_key(&self.from_account) {
            return Deferred::fail(sns_not_found(NOT_FOUND));
        }
        let items: Vec<ResultItem> = self
            .to_accounts
            .iter()
            .map(|to| app.block(&self.from_account, to, ctx.limits, written))
            .collect();
        Deferred::ok(BlackListAddResponse::from_results(items))
    }

    fn callback(&self, written: &[(String, String)], _: &Context<'_>) -> Option<CallbackEvent> {
        Some(CallbackBlackListAdd::new(pairs(written)).into())
    }

    fn held_sender(&self) -> Option<Held<'_>> {
        Some(Held {
            sender: &self.from_account,
            not_found: sns_not_found(NOT_FOUND),
            conflict_info: "Err_SNS_BlackListAdd_Write_Conflict",
        })
    }

    fn every_item(&self, code: ErrorCode, info: &str) -> Option<Answer> {
        Some(every_result_item(&self.to_accounts, code, info))
    }
}
