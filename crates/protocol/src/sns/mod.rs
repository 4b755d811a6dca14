//! The relationship chain service (`v4/sns/...`): friends and blocklists.
//!
//! Batch replies of this service carry one `ResultItem` per requested account, plus
//! `Fail_Account` (and, in older replies, `Invalid_Account`) listing the accounts that failed;
//! [`crate::report`] turns them into one outcome per requested account.

/// Implements [`ListCommand`](crate::ListCommand) for a command whose list is `to_accounts`
/// (UserIDs) sent for `from_account`, with its other fields (`$field`) kept when the list is
/// split: friend_check, friend_delete, black_list_add, black_list_delete and black_list_check.
/// The validation of `From_Account` and of the list is the same for all of them.
macro_rules! account_list_command {
    ($command:ty, $endpoint:expr, $response:ty, $outcome:ty $(, $field:ident)*) => {
        impl $command {
            fn check(&self, limit: usize) -> Result<(), $crate::ValidationError> {
                $crate::validate::account(&self.from_account, || "From_Account".to_owned())?;
                $crate::validate::account_list("To_Account", &self.to_accounts, limit)
            }
        }

        impl $crate::Command for $command {
            const ENDPOINT: $crate::Endpoint = $endpoint;
            type Response = $response;

            /// Checks `From_Account` (1 to 32 bytes) and `To_Account`: 1 to 1000 UserIDs of 1
            /// to 32 bytes, none repeated.
            fn validate(&self) -> Result<(), $crate::ValidationError> {
                self.check(Self::MAX_ITEMS.unwrap_or(usize::MAX))
            }

            fn item_count(&self) -> usize {
                self.to_accounts.len()
            }
        }

        impl $crate::ListCommand for $command {
            type Item = String;
            type Outcome = $outcome;

            fn items(&self) -> &[String] {
                &self.to_accounts
            }

            fn account(item: &String) -> &str {
                item
            }

            fn with_items(&self, to_accounts: Vec<String>) -> Self {
                Self {
                    from_account: self.from_account.clone(),
                    to_accounts,
                    $($field: self.$field.clone(),)*
                }
            }

            fn validate_uncapped(&self) -> Result<(), $crate::ValidationError> {
                self.check(usize::MAX)
            }

            fn report(
                response: &<Self as $crate::Command>::Response,
                request: &Self,
            ) -> $crate::report::BatchReport<$outcome> {
                response.report(request)
            }
        }
    };
}

use account_list_command;

mod black_list_add;
mod black_list_check;
mod black_list_delete;
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
pub use black_list_check::{
    BlackListCheck, BlackListCheckItem, BlackListCheckReport, BlackListCheckResponse,
    BlockCheckOutcome, BlockCheckType, BlockRelation,
};
pub use black_list_delete::{
    BlackListDelete, BlackListDeleteReport, BlackListDeleteResponse, UnblockOutcome,
};
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
use crate::report::{BatchItem, BatchReport, ItemOutcome, reconcile};
use crate::serde_util::null_as_default;

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

/// The command-specific fields of a batch write reply of this service (friend_add,
/// black_list_add, black_list_delete): one `ResultItem` per requested account, plus the
/// accounts that failed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchResponse {
    /// `ResultItem`: one result per requested account.
    #[serde(rename = "ResultItem", default, deserialize_with = "null_as_default")]
    pub result_items: Vec<ResultItem>,
    /// `Fail_Account`: the accounts that failed; sent only when one did.
    #[serde(
        rename = "Fail_Account",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fail_accounts: Vec<String>,
    /// `Invalid_Account`: accounts of another SDKAppID (older replies only).
    #[serde(
        rename = "Invalid_Account",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub invalid_accounts: Vec<String>,
}

impl BatchResponse {
    /// A response with these results, listing every failed one (all but 0 and 30539) in
    /// `Fail_Account`, as Tencent does.
    pub fn from_results(result_items: Vec<ResultItem>) -> Self {
        let fail_accounts = result_items
            .iter()
            .filter(|r| !r.result_code.is_ok() && r.result_code != ErrorCode::SNS_PENDING)
            .map(|r| r.to_account.clone())
            .collect();
        Self {
            result_items,
            fail_accounts,
            invalid_accounts: Vec::new(),
        }
    }

    /// Reports the outcome of every account of `request`, in request order, exactly once, and
    /// every disagreement between `ResultItem`, `Fail_Account`, `Invalid_Account` and the
    /// request.
    pub fn report<R: BatchRequest>(&self, request: &R) -> BatchReport<R::Outcome> {
        let (found, discrepancies) = reconcile(
            request.accounts(),
            &self.result_items,
            &self.fail_accounts,
            &self.invalid_accounts,
            R::NOT_FAILED,
        );
        BatchReport::from_matches(request.accounts(), found, discrepancies, R::outcome)
    }
}

/// A batch write whose reply is a [`BatchResponse`]: friend_add, black_list_add and
/// black_list_delete.
pub trait BatchRequest {
    /// What became of one account.
    type Outcome: ItemOutcome;
    /// Non-zero codes that are not failures, so that `Fail_Account` may or may not list them
    /// (30539, pending, for friend_add).
    const NOT_FAILED: &'static [ErrorCode];

    /// The requested accounts, in request order.
    fn accounts(&self) -> impl ExactSizeIterator<Item = &str>;

    /// The outcome a `ResultItem` stands for.
    fn outcome(item: &ResultItem) -> Self::Outcome;
}
