//! `v4/sns/black_list_add`.

use tencent_im_protocol::callback::{CallbackBlackListAdd, CallbackEvent};
use tencent_im_protocol::sns::{BlackListAdd, BlackListAddResponse, ResultItem};
use tencent_im_protocol::{Command, ErrorCode};

use super::{
    Context, Deferred, Fail, Request, SNS_DECODE_ERR, Serve, decode_list, pairs, sns_not_found,
};
use crate::config::RelationshipLimits;
use crate::state::AppState;

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
            return Deferred::fail(sns_not_found("Err_SNS_BlackListAdd_From_Account_Not_Exist"));
        }
        let items: Vec<ResultItem> = self
            .to_accounts
            .iter()
            .map(|to| app.block(&self.from_account, to, ctx.limits, written))
            .collect();
        let mut response = BlackListAddResponse::default();
        response.fail_accounts = items
            .iter()
            .filter(|i| !i.result_code.is_ok())
            .map(|i| i.to_account.clone())
            .collect();
        response.result_items = items;
        Deferred::ok(response)
    }

    fn callback(&self, written: &[(String, String)], _: &Context<'_>) -> Option<CallbackEvent> {
        Some(CallbackBlackListAdd::new(pairs(written)).into())
    }
}
