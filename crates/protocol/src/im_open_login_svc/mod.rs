//! The account service (`v4/im_open_login_svc/...`): importing app accounts into Tencent IM and
//! checking whether they are imported.
//!
//! An account must exist in Tencent IM (imported, or logged in once) before other APIs can
//! address it; they answer 70107 otherwise. Importing is idempotent: importing an account again
//! creates no second internal ID (multiaccount_import updates `Nick` and `FaceUrl` of an
//! existing account).

mod account_check;
mod account_import;
mod multiaccount_import;

pub use account_check::{
    AccountCheck, AccountCheckOutcome, AccountCheckReport, AccountCheckResponse, AccountStatus,
    CheckItem, CheckResultItem,
};
pub use account_import::{AccountImport, AccountImportResponse};
pub use multiaccount_import::{
    AccountItem, ImportOutcome, MultiaccountImport, MultiaccountImportReport,
    MultiaccountImportResponse,
};

use crate::error::ValidationError;
use crate::profile::{IMAGE_MAX_BYTES, NICK_MAX_BYTES};
use crate::validate;

/// Checks the fields of one account to import, in account_import's body or in an item of
/// multiaccount_import's `AccountList`: `UserID` (1 to 32 bytes), `Nick` and `FaceUrl` (at most
/// 500 bytes each, the limits of the profile fields they are stored in). `path` names a field.
fn validate_account(
    user_id: &str,
    nick: Option<&str>,
    face_url: Option<&str>,
    path: impl Fn(&str) -> String,
) -> Result<(), ValidationError> {
    validate::account(user_id, || path("UserID"))?;
    if let Some(nick) = nick {
        validate::max_bytes(nick, NICK_MAX_BYTES, || path("Nick"))?;
    }
    if let Some(face_url) = face_url {
        validate::max_bytes(face_url, IMAGE_MAX_BYTES, || path("FaceUrl"))?;
    }
    Ok(())
}
