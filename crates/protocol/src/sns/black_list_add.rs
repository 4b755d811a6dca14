//! `v4/sns/black_list_add`: add accounts to one account's blocklist (Tencent Cloud Chat docs:
//! "Blocklisting Users", <https://www.tencentcloud.com/document/product/1047/34911>).
//!
//! Blocking a friend removes the friendship both ways; while either blocks the other, neither
//! can send a friend request to the other.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{BatchRequest, BatchResponse, ResultItem};
use crate::endpoint::Endpoint;
use crate::error_code::ErrorCode;
use crate::report::{BatchReport, ItemFailure, item_outcome};

/// The `black_list_add` request body: `From_Account` and `To_Account`, both required by
/// [`BlackListAdd::new`].
///
/// ```
/// use tencent_im_protocol::sns::BlackListAdd;
/// use tencent_im_protocol::Command;
///
/// let req = BlackListAdd::new("alice", ["bob", "carol"]);
/// assert_eq!(
///     req.encode().unwrap(),
///     br#"{"From_Account":"alice","To_Account":["bob","carol"]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlackListAdd {
    /// `From_Account`: the account whose blocklist grows.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `To_Account`: the accounts to block, 1 to 1000, each once.
    #[serde(rename = "To_Account")]
    pub to_accounts: Vec<String>,
}

impl BlackListAdd {
    /// A request adding `to_accounts` to `from_account`'s blocklist.
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
    BlackListAdd,
    Endpoint::BlackListAdd,
    BlackListAddResponse,
    BlockOutcome
);

/// The command-specific fields of a `black_list_add` reply: one `ResultItem` per requested
/// account, `Fail_Account` and (in older replies) `Invalid_Account`.
pub type BlackListAddResponse = BatchResponse;

impl BatchRequest for BlackListAdd {
    type Outcome = BlockOutcome;
    const NOT_FAILED: &'static [ErrorCode] = &[];

    fn accounts(&self) -> impl ExactSizeIterator<Item = &str> {
        self.to_accounts.iter().map(String::as_str)
    }

    fn outcome(item: &ResultItem) -> BlockOutcome {
        BlockOutcome::from_result(item)
    }
}

/// What became of one account to block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockOutcome {
    /// The account was added to the blocklist (code 0).
    Blocked,
    /// The account already was in the blocklist (30001 with `ResultInfo`
    /// `Err_SNS_BlackListAdd_Already_Exist`); a retried add ends so.
    AlreadyBlocked,
    /// The item failed.
    Failed(ItemFailure),
}

impl BlockOutcome {
    /// The outcome a `ResultItem` stands for.
    pub fn from_result(item: &ResultItem) -> Self {
        match item.result_code {
            ErrorCode::OK => Self::Blocked,
            ErrorCode::SNS_BAD_REQUEST if item.result_info.contains("Already_Exist") => {
                Self::AlreadyBlocked
            }
            _ => Self::Failed(ItemFailure::from_result(item)),
        }
    }
}

item_outcome!(BlockOutcome);

impl fmt::Display for BlockOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Blocked => f.write_str("blocked"),
            Self::AlreadyBlocked => f.write_str("already blocked"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's outcome, in request order, and the reply's discrepancies.
pub type BlackListAddReport = BatchReport<BlockOutcome>;
