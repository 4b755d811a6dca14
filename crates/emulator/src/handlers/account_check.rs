//! `v4/im_open_login_svc/account_check`.

use tencent_im_protocol::im_open_login_svc::{
    AccountCheck, AccountCheckResponse, AccountStatus, CheckResultItem,
};
use tencent_im_protocol::{Command, ErrorCode};

use super::{Context, Deferred, Fail, LOGIN_BAD_PARAMETER, Request, Serve, decode_list};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for AccountCheck {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        decode_list(
            body,
            LOGIN_BAD_PARAMETER,
            |r: &Self| r.items.len(),
            Self::MAX_ITEMS,
            (
                ErrorCode::INVALID_BATCH_SIZE,
                "between 1 and 100 accounts per request".into(),
            ),
        )
    }
}

impl Request for AccountCheck {
    fn apply(
        &self,
        app: &mut AppState,
        _: &Context<'_>,
        _: &mut Vec<(String, String)>,
    ) -> Deferred {
        let mut response = AccountCheckResponse::default();
        response.result_items = self
            .items
            .iter()
            .map(|i| {
                let status = if app.accounts.contains_key(&i.user_id) {
                    AccountStatus::Imported
                } else {
                    AccountStatus::NotImported
                };
                CheckResultItem::new(i.user_id.clone(), status)
            })
            .collect();
        Deferred::ok(response)
    }
}
