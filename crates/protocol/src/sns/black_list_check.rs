//! `v4/sns/black_list_check`: check the blocklist relation between one account and others
//! (Tencent Cloud Chat docs: "Verifying Users in Blocklist",
//! <https://www.tencentcloud.com/document/product/1047/34913>, CN 269/3725).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::error_code::{ErrorClass, ErrorCode};
use crate::report::{BatchItem, BatchReport, ItemFailure, item_outcome, reconcile};
use crate::serde_util::{null_as_default, tolerant_enum};

/// The `black_list_check` request body: `From_Account`, `To_Account` and `CheckType`, all
/// required by [`BlackListCheck::new`].
///
/// ```
/// use tencent_im_protocol::sns::{BlackListCheck, BlockCheckType};
/// use tencent_im_protocol::Command;
///
/// let req = BlackListCheck::new("alice", ["bob"], BlockCheckType::Both);
/// assert_eq!(
///     req.encode().unwrap(),
///     br#"{"From_Account":"alice","To_Account":["bob"],"CheckType":"BlackCheckResult_Type_Both"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlackListCheck {
    /// `From_Account`: the account whose blocklist relations are checked (A).
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `To_Account`: the accounts to check (each a B), 1 to 1000, each once.
    #[serde(rename = "To_Account")]
    pub to_accounts: Vec<String>,
    /// `CheckType`: whether one blocklist or both are looked at.
    #[serde(rename = "CheckType")]
    pub check_type: BlockCheckType,
}

impl BlackListCheck {
    /// A request checking `to_accounts` against `from_account`'s blocklist (and, with
    /// [`BlockCheckType::Both`], `from_account` against theirs).
    pub fn new<I>(
        from_account: impl Into<String>,
        to_accounts: I,
        check_type: BlockCheckType,
    ) -> Self
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
    BlackListCheck,
    Endpoint::BlackListCheck,
    BlackListCheckResponse,
    BlockCheckOutcome,
    check_type
);

/// `CheckType` of black_list_check: which blocklists a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlockCheckType {
    /// `BlackCheckResult_Type_Single`: only whether `To_Account` is in `From_Account`'s
    /// blocklist; the result is [`BlockRelation::AWithB`] or [`BlockRelation::No`].
    #[serde(rename = "BlackCheckResult_Type_Single")]
    Single,
    /// `BlackCheckResult_Type_Both`: also whether `From_Account` is in `To_Account`'s
    /// blocklist; the result is any [`BlockRelation`].
    #[serde(rename = "BlackCheckResult_Type_Both")]
    Both,
}

impl BlockCheckType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "BlackCheckResult_Type_Single",
            Self::Both => "BlackCheckResult_Type_Both",
        }
    }
}

tolerant_enum! {
    /// `Relation` of black_list_check: the blocklist relation found between `From_Account` (A)
    /// and `To_Account` (B).
    pub enum BlockRelation {
        /// `BlackCheckResult_Type_BothWay`: each is in the other's blocklist.
        BothWay = "BlackCheckResult_Type_BothWay",
        /// `BlackCheckResult_Type_AWithB`: B is in A's blocklist; with [`BlockCheckType::Both`],
        /// A is not in B's (with [`BlockCheckType::Single`], B's list was not looked at).
        AWithB = "BlackCheckResult_Type_AWithB",
        /// `BlackCheckResult_Type_BWithA`: A is in B's blocklist, B is not in A's.
        BWithA = "BlackCheckResult_Type_BWithA",
        /// `BlackCheckResult_Type_NO` (Tencent's spelling): B is not in A's blocklist; with
        /// [`BlockCheckType::Both`], A is not in B's either.
        No = "BlackCheckResult_Type_NO",
    }
}

impl BlockRelation {
    /// Whether `From_Account` blocks `To_Account` (A's blocklist holds B), when the relation is
    /// a documented one.
    pub fn a_blocks_b(&self) -> Option<bool> {
        match self {
            Self::BothWay | Self::AWithB => Some(true),
            Self::BWithA | Self::No => Some(false),
            Self::Other(_) => None,
        }
    }
}

/// The command-specific fields of a `black_list_check` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlackListCheckResponse {
    /// `BlackListCheckItem`: one result per requested account.
    #[serde(
        rename = "BlackListCheckItem",
        default,
        deserialize_with = "null_as_default"
    )]
    pub check_items: Vec<BlackListCheckItem>,
    /// `Fail_Account`: the accounts that failed; sent only when one did.
    #[serde(
        rename = "Fail_Account",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fail_accounts: Vec<String>,
}

/// One entry of a `black_list_check` reply's `BlackListCheckItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlackListCheckItem {
    /// `To_Account`: the account this result is for.
    #[serde(rename = "To_Account")]
    pub to_account: String,
    /// `Relation`: the relation found; meaningful only when `ResultCode` is 0 (a failed entry
    /// carries `BlackCheckResult_Type_NO` in Tencent's sample).
    #[serde(rename = "Relation", default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<BlockRelation>,
    /// `ResultCode`: 0 on success.
    #[serde(rename = "ResultCode")]
    pub result_code: ErrorCode,
    /// `ResultInfo`: Tencent's text for the item, empty on success.
    #[serde(rename = "ResultInfo", default)]
    pub result_info: String,
}

impl BlackListCheckItem {
    /// A successful result: `to_account` has `relation` with `From_Account`.
    pub fn new(to_account: impl Into<String>, relation: BlockRelation) -> Self {
        Self {
            to_account: to_account.into(),
            relation: Some(relation),
            result_code: ErrorCode::OK,
            result_info: String::new(),
        }
    }

    /// A failed result for `to_account`, with the `Relation` Tencent still sends on one
    /// (`BlackCheckResult_Type_NO`).
    pub fn failed(to_account: impl Into<String>, code: ErrorCode, info: impl Into<String>) -> Self {
        Self {
            to_account: to_account.into(),
            relation: Some(BlockRelation::No),
            result_code: code,
            result_info: info.into(),
        }
    }
}

impl BatchItem for BlackListCheckItem {
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

impl BlackListCheckResponse {
    /// Reports the outcome of every account of `request`, in request order, exactly once, and
    /// every disagreement between `BlackListCheckItem`, `Fail_Account` and the request (a
    /// [`Discrepancy`](crate::report::Discrepancy) names `BlackListCheckItem` by the generic name
    /// `ResultItem`).
    pub fn report(&self, request: &BlackListCheck) -> BlackListCheckReport {
        let (found, discrepancies) = reconcile(
            request.to_accounts.iter().map(String::as_str),
            &self.check_items,
            &self.fail_accounts,
            &[],
            &[],
        );
        BatchReport::from_matches(
            request.to_accounts.iter().map(String::as_str),
            found,
            discrepancies,
            BlockCheckOutcome::from_result,
        )
    }
}

/// What became of one account to check against a blocklist.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockCheckOutcome {
    /// The relation was checked.
    Checked(BlockRelation),
    /// The check failed (non-zero `ResultCode`, whatever its `Relation` says; no result; or a
    /// result without `Relation`).
    Failed(ItemFailure),
}

impl BlockCheckOutcome {
    /// The outcome a `BlackListCheckItem` entry stands for: its `ResultCode` first, then its
    /// `Relation`.
    pub fn from_result(item: &BlackListCheckItem) -> Self {
        match (&item.relation, item.result_code.is_ok()) {
            (_, false) => Self::Failed(ItemFailure::from_result(item)),
            (Some(relation), true) => Self::Checked(relation.clone()),
            (None, true) => Self::Failed(ItemFailure::without_code(
                "the result carries no Relation",
                ErrorClass::Transient,
            )),
        }
    }

    /// The relation, if it was checked.
    pub fn relation(&self) -> Option<&BlockRelation> {
        match self {
            Self::Checked(r) => Some(r),
            Self::Failed(_) => None,
        }
    }
}

item_outcome!(BlockCheckOutcome);

impl fmt::Display for BlockCheckOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Checked(relation) => write!(f, "checked ({relation})"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's blocklist relation, in request order, and the reply's
/// discrepancies.
pub type BlackListCheckReport = BatchReport<BlockCheckOutcome>;
