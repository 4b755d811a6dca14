//! `v4/im_open_login_svc/account_import`.

use serde_json::Value;
use tencent_im_protocol::im_open_login_svc::{AccountImport, AccountImportResponse};
use tencent_im_protocol::profile::{TAG_IMAGE, TAG_NICK};

use super::{Context, Deferred, Fail, LOGIN_BAD_PARAMETER, Request, Serve, decode, user_id_ok};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for AccountImport {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        let req: AccountImport = decode(body, LOGIN_BAD_PARAMETER)?;
        if !user_id_ok(&req.user_id) {
            return Err(LOGIN_BAD_PARAMETER);
        }
        Ok(req)
    }
}

impl Request for AccountImport {
    fn apply(
        &self,
        app: &mut AppState,
        ctx: &Context<'_>,
        _: &mut Vec<(String, String)>,
    ) -> Deferred {
        import(app, ctx, &self.user_id, &self.nick, &self.face_url);
        Deferred::ok(AccountImportResponse::default())
    }
}

/// Creates the account if it is new and sets the nickname and photo given.
pub(super) fn import(
    app: &mut AppState,
    ctx: &Context<'_>,
    user_id: &str,
    nick: &Option<String>,
    face_url: &Option<String>,
) {
    app.ensure_account(user_id, ctx.default_allow_type);
    if let Some(account) = app.accounts.get_mut(user_id) {
        for (tag, value) in [(TAG_NICK, nick), (TAG_IMAGE, face_url)] {
            if let Some(value) = value {
                account
                    .profile
                    .insert(tag.to_owned(), Value::String(value.clone()));
            }
        }
    }
}
