//! `v4/sns/friend_check`.

use tencent_im_protocol::sns::{
    CheckInfoItem, CheckType, FriendCheck, FriendCheckResponse, Relation,
};
use tencent_im_protocol::{Command, ErrorCode};

use super::{Context, Deferred, Fail, Request, SNS_DECODE_ERR, Serve, decode_list, sns_not_found};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for FriendCheck {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        decode_list(
            body,
            SNS_DECODE_ERR,
            |r: &Self| r.to_accounts.len(),
            Self::MAX_ITEMS,
            (
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_FriendCheck_Item_Num_Invalid".into(),
            ),
        )
    }
}

impl Request for FriendCheck {
    fn apply(
        &self,
        app: &mut AppState,
        _: &Context<'_>,
        _: &mut Vec<(String, String)>,
    ) -> Deferred {
        friend_check(self, app)
    }
}

fn friend_check(req: &FriendCheck, app: &AppState) -> Deferred {
    let Some(from) = app.accounts.get(&req.from_account) else {
        return Deferred::fail(sns_not_found("Err_SNS_FriendCheck_From_Account_Not_Exist"));
    };
    let mut response = FriendCheckResponse::default();
    for to in &req.to_accounts {
        let Some(target) = app.accounts.get(to) else {
            let mut item = CheckInfoItem::new(to.clone(), Relation::NoRelation);
            item.result_code = ErrorCode::SNS_ACCOUNT_NOT_FOUND;
            item.result_info = "Err_SNS_FriendCheck_Account_Not_Exist".to_owned();
            response.fail_accounts.push(to.clone());
            response.info_items.push(item);
            continue;
        };
        let a_with_b = from.friends.contains_key(to);
        let b_with_a =
            req.check_type == CheckType::Both && target.friends.contains_key(&req.from_account);
        let relation = match (a_with_b, b_with_a) {
            (true, true) => Relation::BothWay,
            (true, false) => Relation::AWithB,
            (false, true) => Relation::BWithA,
            (false, false) => Relation::NoRelation,
        };
        response
            .info_items
            .push(CheckInfoItem::new(to.clone(), relation));
    }
    Deferred::ok(response)
}
