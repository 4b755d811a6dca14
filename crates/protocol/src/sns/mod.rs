//! The relationship chain service (`v4/sns/...`): friends and blocklists.
//!
//! Batch replies of this service carry one `ResultItem` per requested account, plus
//! `Fail_Account` (and, in older replies, `Invalid_Account`) listing the accounts that failed;
//! [`crate::report`] turns them into one outcome per requested account.

mod black_list_add;
mod friend_add;
mod friend_check;
mod friend_delete;
mod friend_get;

pub use friend_add::{
    ADD_SOURCE_KEYWORD_MAX_BYTES, ADD_SOURCE_PREFIX, ADD_WORDING_MAX_BYTES, AddFriendItem,
    AddOutcome, AddType, ForceAddFlags, FriendAdd, FriendAddReport, FriendAddResponse,
    GROUP_NAME_MAX_BYTES, REMARK_MAX_BYTES, is_valid_add_source,
};

pub use black_list_add::{BlackListAdd, BlackListAddReport, BlackListAddResponse, BlockOutcome};
pub use friend_check::{
    CheckInfoItem, CheckOutcome, CheckType, FriendCheck, FriendCheckReport, FriendCheckResponse,
    Relation,
};
pub use friend_delete::{
    DeleteOutcome, DeleteType, FriendDelete, FriendDeleteReport, FriendDeleteResponse,
};
pub use friend_get::{
    CUSTOM_FRIEND_TAG_PREFIX, FriendGet, FriendGetResponse, TAG_ADD_SOURCE, TAG_ADD_TIME,
    TAG_ADD_WORDING, TAG_GROUP, TAG_REMARK, UserDataItem, ValueItem,
};

use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::report::BatchItem;

/// One entry of a batch reply's `ResultItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResultItem {
    /// `To_Account`: the account this result is for.
    #[serde(rename = "To_Account")]
    pub to_account: String,
    /// `ResultCode`: 0 on success.
    #[serde(rename = "ResultCode")]
    pub result_code: ErrorCode,
    /// `ResultInfo`: Tencent's text for the item, empty on success.
    #[serde(rename = "ResultInfo", default)]
    pub result_info: String,
}

impl ResultItem {
    /// A result for `to_account` with `code` and `info`.
    pub fn new(to_account: impl Into<String>, code: ErrorCode, info: impl Into<String>) -> Self {
        Self {
            to_account: to_account.into(),
            result_code: code,
            result_info: info.into(),
        }
    }
}

impl BatchItem for ResultItem {
    fn account(&self) -> &str {
        &self.to_account
    }

    fn result_code(&self) -> ErrorCode {
        self.result_code
    }

    fn result_info(&self) -> &str {
        &self.result_info
    }
}
