//! `v4/im_open_login_svc/multiaccount_import`.

use tencent_im_protocol::im_open_login_svc::{
    AccountItem, MultiaccountImport, MultiaccountImportResponse,
};
use tencent_im_protocol::{Command, ErrorCode};

use super::account_import::import;
use super::{
    Context, Deferred, Fail, LOGIN_BAD_PARAMETER, Request, Serve, count_ok, decode, user_id_ok,
};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for MultiaccountImport {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        /// `AccountList`, or the older `Accounts` list of bare IDs.
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(rename = "AccountList")]
            account_list: Option<Vec<AccountItem>>,
            #[serde(rename = "Accounts")]
            accounts: Option<Vec<String>>,
        }
        let req: Body = decode(body, LOGIN_BAD_PARAMETER)?;
        let items = match (req.account_list, req.accounts) {
            (Some(list), _) => list,
            (None, Some(ids)) => ids.into_iter().map(AccountItem::new).collect(),
            (None, None) => return Err(LOGIN_BAD_PARAMETER),
        };
        if !count_ok(items.len(), Self::MAX_ITEMS.unwrap_or(usize::MAX)) {
            return Err((
                ErrorCode::INVALID_BATCH_SIZE,
                "between 1 and 100 accounts per request".into(),
            ));
        }
        Ok(MultiaccountImport::new(items))
    }
}

impl Request for MultiaccountImport {
    fn apply(
        &self,
        app: &mut AppState,
        ctx: &Context<'_>,
        _: &mut Vec<(String, String)>,
    ) -> Deferred {
        let mut response = MultiaccountImportResponse::default();
        for item in &self.accounts {
            if !user_id_ok(&item.user_id) {
                response.fail_accounts.push(item.user_id.clone());
                continue;
            }
            import(app, ctx, &item.user_id, &item.nick, &item.face_url);
        }
        Deferred::ok(response)
    }
}
