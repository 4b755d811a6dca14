//! `v4/sns/friend_delete`.

use tencent_im_protocol::callback::{CallbackEvent, CallbackFriendDelete};
use tencent_im_protocol::sns::{DeleteType, FriendDelete, FriendDeleteResponse};
use tencent_im_protocol::{Command, ErrorCode};

use super::{
    Context, Deferred, Fail, Request, SNS_DECODE_ERR, Serve, decode_list, pairs, sns_not_found,
};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for FriendDelete {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        decode_list(
            body,
            SNS_DECODE_ERR,
            |r: &Self| r.to_accounts.len(),
            Self::MAX_ITEMS,
            (
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_FriendDelete_Item_Num_Invalid".into(),
            ),
        )
    }
}

impl Request for FriendDelete {
    fn apply(
        &self,
        app: &mut AppState,
        _: &Context<'_>,
        written: &mut Vec<(String, String)>,
    ) -> Deferred {
        if !app.accounts.contains_key(&self.from_account) {
            return Deferred::fail(sns_not_found("Err_SNS_FriendDelete_From_Account_Not_Exist"));
        }
        let both = self.delete_type != Some(DeleteType::Single);
        let mut response = FriendDeleteResponse::default();
        response.result_items = self
            .to_accounts
            .iter()
            .map(|to| app.delete_friend(&self.from_account, to, both, written))
            .collect();
        Deferred::ok(response)
    }

    fn callback(&self, written: &[(String, String)], _: &Context<'_>) -> Option<CallbackEvent> {
        Some(CallbackFriendDelete::new(pairs(written)).into())
    }
}
