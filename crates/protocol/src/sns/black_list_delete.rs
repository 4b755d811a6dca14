//! `v4/sns/black_list_delete`: remove accounts from one account's blocklist (Tencent Cloud Chat
//! docs: "Deleting Users from Blocklist",
//! <https://www.tencentcloud.com/document/product/1047/34912>, CN 269/3719).
//!
//! Removing a block does not restore a friendship that black_list_add ended.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{BatchRequest, BatchResponse, ResultItem};
use crate::endpoint::Endpoint;
use crate::error_code::ErrorCode;
use crate::report::{BatchReport, ItemFailure, item_outcome};

/// The `black_list_delete` request body: `From_Account` and `To_Account`, both required by
/// [`BlackListDelete::new`].
///
/// ```
/// use tencent_im_protocol::sns::BlackListDelete;
/// use tencent_im_protocol::Command;
///
/// let req = BlackListDelete::new("alice", ["bob", "carol"]);
/// assert_eq!(
///     req.encode().unwrap(),
///     br#"{"From_Account":"alice","To_Account":["bob","carol"]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlackListDelete {
    /// `From_Account`: the account whose blocklist shrinks.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `To_Account`: the accounts to unblock, 1 to 1000, each once.
    #[serde(rename = "To_Account")]
    pub to_accounts: Vec<String>,
}

impl BlackListDelete {
    /// A request removing `to_accounts` from `from_account`'s blocklist.
    pub fn new<I>(from_account: impl Into<String>, to_accounts: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self {
            from_account: from_account.into(),
            to_accounts: to_accounts.into_iter().map(Into::into).collect(),
        }
    }
}

super::account_list_command!(
    BlackListDelete,
    Endpoint::BlackListDelete,
    BlackListDeleteResponse,
    UnblockOutcome
);

/// The command-specific fields of a `black_list_delete` reply: one `ResultItem` per requested
/// account and `Fail_Account` (sent only when an item failed).
pub type BlackListDeleteResponse = BatchResponse;

impl BatchRequest for BlackListDelete {
    type Outcome = UnblockOutcome;
    const NOT_FAILED: &'static [ErrorCode] = &[];

    fn accounts(&self) -> impl ExactSizeIterator<Item = &str> {
        self.to_accounts.iter().map(String::as_str)
    }

    fn outcome(item: &ResultItem) -> UnblockOutcome {
        UnblockOutcome::from_result(item)
    }
}

/// What became of one account to unblock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnblockOutcome {
    /// The account is not in the blocklist any more (code 0). Tencent documents no code for an
    /// account that was not blocked, so a retried removal ends so too.
    Unblocked,
    /// The item failed.
    Failed(ItemFailure),
}

impl UnblockOutcome {
    /// The outcome a `ResultItem` stands for.
    pub fn from_result(item: &ResultItem) -> Self {
        if item.result_code == ErrorCode::OK {
            Self::Unblocked
        } else {
            Self::Failed(ItemFailure::from_result(item))
        }
    }
}

item_outcome!(UnblockOutcome);

impl fmt::Display for UnblockOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unblocked => f.write_str("unblocked"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's outcome, in request order, and the reply's discrepancies.
pub type BlackListDeleteReport = BatchReport<UnblockOutcome>;
