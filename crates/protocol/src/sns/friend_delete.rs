//! `v4/sns/friend_delete`: delete friends of one account (Tencent Cloud Chat docs: "Deleting
//! Friends", <https://www.tencentcloud.com/document/product/1047/34905>).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ResultItem;
use crate::endpoint::Endpoint;
use crate::error_code::ErrorCode;
use crate::report::{BatchReport, ItemFailure, item_outcome, match_results};
use crate::serde_util::null_as_default;

/// The `friend_delete` request body.
///
/// `From_Account` and `To_Account` are required by [`FriendDelete::new`]; `DeleteType` is
/// optional and left out of the JSON when not set (the friend_delete page does not state
/// Tencent's default).
///
/// ```
/// use tencent_im_protocol::sns::{DeleteType, FriendDelete};
/// use tencent_im_protocol::Command;
///
/// let req = FriendDelete::new("alice", ["bob"]).delete_type(DeleteType::Both);
/// assert_eq!(
///     req.encode().unwrap(),
///     br#"{"From_Account":"alice","To_Account":["bob"],"DeleteType":"Delete_Type_Both"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendDelete {
    /// `From_Account`: the account whose friends are deleted.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `To_Account`: the friends to delete, 1 to 1000, each once.
    #[serde(rename = "To_Account")]
    pub to_accounts: Vec<String>,
    /// `DeleteType`: one-way or two-way.
    #[serde(
        rename = "DeleteType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_type: Option<DeleteType>,
}

impl FriendDelete {
    /// A request deleting `to_accounts` from `from_account`'s friends.
    pub fn new<I>(from_account: impl Into<String>, to_accounts: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self {
            from_account: from_account.into(),
            to_accounts: to_accounts.into_iter().map(Into::into).collect(),
            delete_type: None,
        }
    }

    /// Sets `DeleteType`.
    #[must_use]
    pub fn delete_type(mut self, delete_type: DeleteType) -> Self {
        self.delete_type = Some(delete_type);
        self
    }
}

super::account_list_command!(
    FriendDelete,
    Endpoint::FriendDelete,
    FriendDeleteResponse,
    DeleteOutcome,
    delete_type
);

/// `DeleteType`: whether the friendship is removed one way or both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeleteType {
    /// `Delete_Type_Single`: `To_Account` leaves `From_Account`'s list only.
    #[serde(rename = "Delete_Type_Single")]
    Single,
    /// `Delete_Type_Both`: each leaves the other's list.
    #[serde(rename = "Delete_Type_Both")]
    Both,
}

impl DeleteType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "Delete_Type_Single",
            Self::Both => "Delete_Type_Both",
        }
    }
}

/// The command-specific fields of a `friend_delete` reply.
///
/// Tencent documents no `Fail_Account` for this command; the outcome of each account is its
/// `ResultItem`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendDeleteResponse {
    /// `ResultItem`: one result per requested account.
    #[serde(rename = "ResultItem", default, deserialize_with = "null_as_default")]
    pub result_items: Vec<ResultItem>,
}

impl FriendDeleteResponse {
    /// Reports the outcome of every account of `request`, in request order, exactly once, and
    /// every disagreement between `ResultItem` and the request.
    pub fn report(&self, request: &FriendDelete) -> FriendDeleteReport {
        let (found, discrepancies) = match_results(
            request.to_accounts.iter().map(String::as_str),
            &self.result_items,
        );
        BatchReport::from_matches(
            request.to_accounts.iter().map(String::as_str),
            found,
            discrepancies,
            DeleteOutcome::from_result,
        )
    }
}

/// What became of one friend to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeleteOutcome {
    /// The friendship was removed (code 0).
    Deleted,
    /// There was no friendship to remove (31704); a retried delete ends so.
    NotFriends,
    /// The item failed.
    Failed(ItemFailure),
}

impl DeleteOutcome {
    /// The outcome a `ResultItem` stands for.
    pub fn from_result(item: &ResultItem) -> Self {
        match item.result_code {
            ErrorCode::OK => Self::Deleted,
            ErrorCode::SNS_NO_RELATION_TO_DELETE => Self::NotFriends,
            _ => Self::Failed(ItemFailure::from_result(item)),
        }
    }
}

item_outcome!(DeleteOutcome);

impl fmt::Display for DeleteOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deleted => f.write_str("deleted"),
            Self::NotFriends => f.write_str("not friends"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's outcome, in request order, and the reply's discrepancies.
pub type FriendDeleteReport = BatchReport<DeleteOutcome>;
