//! `v4/sns/friend_check`: check the friend relationship between one account and others
//! (Tencent Cloud Chat docs: "Verifying Friends",
//! <https://www.tencentcloud.com/document/product/1047/34907>).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::error_code::{ErrorClass, ErrorCode};
use crate::report::{BatchItem, BatchReport, ItemFailure, item_outcome, reconcile};
use crate::serde_util::{null_as_default, tolerant_enum};

/// The `friend_check` request body: `From_Account`, `To_Account` and `CheckType`, all required
/// by [`FriendCheck::new`].
///
/// ```
/// use tencent_im_protocol::sns::{CheckType, FriendCheck};
/// use tencent_im_protocol::Command;
///
/// let req = FriendCheck::new("alice", ["bob"], CheckType::Both);
/// assert_eq!(
///     req.encode().unwrap(),
///     br#"{"From_Account":"alice","To_Account":["bob"],"CheckType":"CheckResult_Type_Both"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendCheck {
    /// `From_Account`: the account whose relationships are checked.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `To_Account`: the accounts to check, 1 to 1000, each once.
    #[serde(rename = "To_Account")]
    pub to_accounts: Vec<String>,
    /// `CheckType`: whether one list or both lists are looked at.
    #[serde(rename = "CheckType")]
    pub check_type: CheckType,
}

impl FriendCheck {
    /// A request checking `to_accounts` against `from_account` with `check_type`.
    pub fn new<I>(from_account: impl Into<String>, to_accounts: I, check_type: CheckType) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self {
            from_account: from_account.into(),
            to_accounts: to_accounts.into_iter().map(Into::into).collect(),
            check_type,
        }
    }
}

super::account_list_command!(
    FriendCheck,
    Endpoint::FriendCheck,
    FriendCheckResponse,
    CheckOutcome,
    check_type
);

/// `CheckType`: which friend lists a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CheckType {
    /// `CheckResult_Type_Single`: only whether `To_Account` is in `From_Account`'s list; the
    /// result is [`Relation::AWithB`] or [`Relation::NoRelation`].
    #[serde(rename = "CheckResult_Type_Single")]
    Single,
    /// `CheckResult_Type_Both`: both lists; the result is any [`Relation`].
    #[serde(rename = "CheckResult_Type_Both")]
    Both,
}

impl CheckType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "CheckResult_Type_Single",
            Self::Both => "CheckResult_Type_Both",
        }
    }
}

tolerant_enum! {
    /// `Relation`: the relationship found between `From_Account` (A) and `To_Account` (B).
    pub enum Relation {
        /// `CheckResult_Type_BothWay`: each is in the other's friend list.
        BothWay = "CheckResult_Type_BothWay",
        /// `CheckResult_Type_AWithB`: B is in A's list; with [`CheckType::Both`], A is not in
        /// B's.
        AWithB = "CheckResult_Type_AWithB",
        /// `CheckResult_Type_BWithA`: A is in B's list, B is not in A's.
        BWithA = "CheckResult_Type_BWithA",
        /// `CheckResult_Type_NoRelation`: B is not in A's list; with [`CheckType::Both`], A is
        /// not in B's either.
        NoRelation = "CheckResult_Type_NoRelation",
    }
}

/// The command-specific fields of a `friend_check` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendCheckResponse {
    /// `InfoItem`: one result per requested account.
    #[serde(rename = "InfoItem", default, deserialize_with = "null_as_default")]
    pub info_items: Vec<CheckInfoItem>,
    /// `Fail_Account`: the accounts that failed; sent only when one did.
    #[serde(
        rename = "Fail_Account",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fail_accounts: Vec<String>,
}

/// One entry of a `friend_check` reply's `InfoItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckInfoItem {
    /// `To_Account`: the account this result is for.
    #[serde(rename = "To_Account")]
    pub to_account: String,
    /// `Relation`: the relationship found; meaningful only when `ResultCode` is 0 (a failed
    /// entry carries `CheckResult_Type_NoRelation` in Tencent's sample).
    #[serde(rename = "Relation", default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    /// `ResultCode`: 0 on success.
    #[serde(rename = "ResultCode")]
    pub result_code: ErrorCode,
    /// `ResultInfo`: Tencent's text for the item, empty on success.
    #[serde(rename = "ResultInfo", default)]
    pub result_info: String,
}

impl CheckInfoItem {
    /// A successful result: `to_account` has `relation` with `From_Account`.
    pub fn new(to_account: impl Into<String>, relation: Relation) -> Self {
        Self {
            to_account: to_account.into(),
            relation: Some(relation),
            result_code: ErrorCode::OK,
            result_info: String::new(),
        }
    }
}

impl BatchItem for CheckInfoItem {
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

impl FriendCheckResponse {
    /// Reports the outcome of every account of `request`, in request order, exactly once, and
    /// every disagreement between `InfoItem`, `Fail_Account` and the request (a
    /// [`Discrepancy`](crate::report::Discrepancy) names `InfoItem` by the generic name `ResultItem`).
    pub fn report(&self, request: &FriendCheck) -> FriendCheckReport {
        let (found, discrepancies) = reconcile(
            request.to_accounts.iter().map(String::as_str),
            &self.info_items,
            &self.fail_accounts,
            &[],
            &[],
        );
        BatchReport::from_matches(
            request.to_accounts.iter().map(String::as_str),
            found,
            discrepancies,
            CheckOutcome::from_result,
        )
    }
}

/// What became of one account to check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckOutcome {
    /// The relationship was checked.
    Checked(Relation),
    /// The check failed (non-zero `ResultCode`, no result, or a result without `Relation`).
    Failed(ItemFailure),
}

impl CheckOutcome {
    /// The outcome an `InfoItem` entry stands for.
    pub fn from_result(item: &CheckInfoItem) -> Self {
        match (&item.relation, item.result_code.is_ok()) {
            (Some(relation), true) => Self::Checked(relation.clone()),
            (None, true) => Self::Failed(ItemFailure::without_code(
                "the result carries no Relation",
                ErrorClass::Transient,
            )),
            (_, false) => Self::Failed(ItemFailure::from_result(item)),
        }
    }

    /// The relationship, if it was checked.
    pub fn relation(&self) -> Option<&Relation> {
        match self {
            Self::Checked(r) => Some(r),
            Self::Failed(_) => None,
        }
    }
}

item_outcome!(CheckOutcome);

impl fmt::Display for CheckOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Checked(relation) => write!(f, "checked ({relation})"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's relationship, in request order, and the reply's discrepancies.
pub type FriendCheckReport = BatchReport<CheckOutcome>;
