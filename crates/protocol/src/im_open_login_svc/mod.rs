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
