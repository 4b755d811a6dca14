//! The relationship chain service (`v4/sns/...`): friends and blocklists.
//!
//! Batch replies of this service carry one `ResultItem` per requested account, plus
//! `Fail_Account` (and, in older replies, `Invalid_Account`) listing the accounts that failed.
//! [`reconcile`] matches them against the request so that every requested account gets exactly
//! one result and any disagreement between the lists is reported. The same matching serves the
//! other batch replies of this crate (friend_check's `InfoItem`, account_check's `ResultItem`)
//! through [`BatchItem`]; replies without failure lists use [`match_results`] alone.

mod black_list_add;
mod friend_add;
mod friend_check;
mod friend_delete;
mod friend_get;

pub use friend_add::{
    ADD_SOURCE_KEYWORD_MAX_BYTES, ADD_SOURCE_PREFIX, ADD_WORDING_MAX_BYTES, AddFriendItem,
    AddOutcome, AddType, ForceAddFlags, FriendAdd, FriendAddReport, FriendAddResponse,
    GROUP_NAME_MAX_BYTES, ItemReport, REMARK_MAX_BYTES, is_valid_add_source,
};

pub use black_list_add::{
    BlackListAdd, BlackListAddReport, BlackListAddResponse, BlockItemReport, BlockOutcome,
};
pub use friend_check::{
    CheckInfoItem, CheckItemReport, CheckOutcome, CheckType, FriendCheck, FriendCheckReport,
    FriendCheckResponse, Relation,
};
pub use friend_delete::{
    DeleteItemReport, DeleteOutcome, DeleteType, FriendDelete, FriendDeleteReport,
    FriendDeleteResponse,
};
pub use friend_get::{
    CUSTOM_FRIEND_TAG_PREFIX, FriendGet, FriendGetResponse, TAG_ADD_SOURCE, TAG_ADD_TIME,
    TAG_ADD_WORDING, TAG_GROUP, TAG_REMARK, UserDataItem, ValueItem,
};

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error_code::{ErrorClass, ErrorCode};

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

/// One per-account entry of a batch reply, whatever its wire name: [`ResultItem`] here,
/// [`CheckInfoItem`] (`InfoItem[]`) of friend_check, or account_check's
/// [`CheckResultItem`](crate::im_open_login_svc::CheckResultItem), which names the account
/// `UserID`.
pub trait BatchItem {
    /// The account the entry is for (`To_Account` or `UserID`).
    fn account(&self) -> &str;
    /// `ResultCode`: 0 on success.
    fn result_code(&self) -> ErrorCode;
    /// `ResultInfo`: Tencent's text for the entry, empty on success.
    fn result_info(&self) -> &str;
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

/// Why an item failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemFailure {
    /// Tencent's `ResultCode`; `None` when the reply carried no usable result for the item: none
    /// at all, only a listing in a failure list such as multiaccount_import's `FailAccounts`, or
    /// a result lacking a field it needs.
    pub code: Option<ErrorCode>,
    /// Tencent's `ResultInfo`, or this crate's explanation when `code` is `None`.
    pub info: String,
}

impl ItemFailure {
    pub(crate) fn from_result<R: BatchItem + ?Sized>(item: &R) -> Self {
        Self {
            code: Some(item.result_code()),
            info: item.result_info().to_owned(),
        }
    }

    pub(crate) fn missing() -> Self {
        Self::without_code("the reply carries no result for this account")
    }

    pub(crate) fn without_code(info: impl Into<String>) -> Self {
        Self {
            code: None,
            info: info.into(),
        }
    }

    /// The retry class: that of the code, or [`ErrorClass::Transient`] for an item without a
    /// code (its cause is unknown, and every command of this crate is safe to send again).
    pub fn class(&self) -> ErrorClass {
        self.code.map_or(ErrorClass::Transient, ErrorCode::class)
    }

    /// Whether sending the item again may succeed.
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }
}

impl fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "code {code}")?,
            None => f.write_str("no result")?,
        }
        if !self.info.is_empty() {
            write!(f, ": {}", self.info)?;
        }
        Ok(())
    }
}

/// Which account list of a batch reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountList {
    /// `Fail_Account`.
    FailAccount,
    /// `Invalid_Account`.
    InvalidAccount,
    /// `FailAccounts` (multiaccount_import).
    FailAccounts,
}

impl AccountList {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FailAccount => "Fail_Account",
            Self::InvalidAccount => "Invalid_Account",
            Self::FailAccounts => "FailAccounts",
        }
    }
}

/// A disagreement between a batch reply and its request, or within the reply.
///
/// None of these should happen; each is reported rather than ignored, and the affected item's
/// outcome is still decided (by its `ResultItem` where there is one).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discrepancy {
    /// A requested account has no `ResultItem`; it is reported failed with no code.
    MissingResult {
        /// The account.
        account: String,
    },
    /// A `ResultItem` for an account that was not requested; it is otherwise ignored.
    UnexpectedResult {
        /// The account.
        account: String,
        /// Its `ResultCode`.
        code: ErrorCode,
    },
    /// Several `ResultItem`s for one account; the first decides the outcome.
    DuplicateResult {
        /// The account.
        account: String,
    },
    /// A `ResultItem` reports a failure, but the account is in neither `Fail_Account` nor
    /// `Invalid_Account`.
    FailedButNotListed {
        /// The account.
        account: String,
        /// Its `ResultCode`.
        code: ErrorCode,
    },
    /// An account is listed as failed, but its `ResultItem` reports success.
    ListedButSucceeded {
        /// The account.
        account: String,
        /// The list it is in.
        list: AccountList,
    },
    /// An account is listed as failed, but there is no `ResultItem` for it.
    ListedWithoutResult {
        /// The account.
        account: String,
        /// The list it is in.
        list: AccountList,
    },
    /// A reply without per-account results (multiaccount_import) lists as failed an account that
    /// was not requested; it is otherwise ignored.
    ListedButNotRequested {
        /// The account.
        account: String,
        /// The list it is in.
        list: AccountList,
    },
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingResult { account } => {
                write!(f, "no ResultItem for requested account {account:?}")
            }
            Self::UnexpectedResult { account, code } => write!(
                f,
                "ResultItem for account {account:?} (code {code}) that was not requested"
            ),
            Self::DuplicateResult { account } => {
                write!(f, "several ResultItems for account {account:?}")
            }
            Self::FailedButNotListed { account, code } => write!(
                f,
                "account {account:?} failed with code {code} but is in neither Fail_Account nor Invalid_Account"
            ),
            Self::ListedButSucceeded { account, list } => write!(
                f,
                "account {account:?} is in {} but its ResultItem reports success",
                list.as_str()
            ),
            Self::ListedWithoutResult { account, list } => write!(
                f,
                "account {account:?} is in {} but has no ResultItem",
                list.as_str()
            ),
            Self::ListedButNotRequested { account, list } => write!(
                f,
                "account {account:?} is in {} but was not requested",
                list.as_str()
            ),
        }
    }
}

/// Matches a batch reply's per-account results to the requested accounts, without looking at
/// any failure list (for replies that have none, such as friend_delete or account_check).
///
/// Returns, for each requested account in request order, its result (or `None` if the reply has
/// none), and every [`Discrepancy`] found: [`Discrepancy::DuplicateResult`],
/// [`Discrepancy::MissingResult`] and [`Discrepancy::UnexpectedResult`]. Requested accounts are
/// expected to be unique (the commands' validation ensures it).
pub fn match_results<'q, 'r, R: BatchItem>(
    requested: impl ExactSizeIterator<Item = &'q str>,
    results: &'r [R],
) -> (Vec<Option<&'r R>>, Vec<Discrepancy>) {
    let (found, discrepancies, _) = match_indexed(requested, results);
    (found, discrepancies)
}

/// The matched results, the discrepancies and the first result of each account.
type Indexed<'r, R> = (
    Vec<Option<&'r R>>,
    Vec<Discrepancy>,
    HashMap<&'r str, &'r R>,
);

/// [`match_results`], also returning the first result of each account by account.
fn match_indexed<'q, 'r, R: BatchItem>(
    requested: impl ExactSizeIterator<Item = &'q str>,
    results: &'r [R],
) -> Indexed<'r, R> {
    let mut discrepancies = Vec::new();
    let mut by_account: HashMap<&str, &R> = HashMap::with_capacity(results.len());
    for item in results {
        match by_account.entry(item.account()) {
            Entry::Vacant(slot) => {
                slot.insert(item);
            }
            Entry::Occupied(_) => discrepancies.push(Discrepancy::DuplicateResult {
                account: item.account().to_owned(),
            }),
        }
    }

    let mut found = Vec::with_capacity(requested.len());
    let mut requested_set: HashSet<&str> = HashSet::with_capacity(requested.len());
    for account in requested {
        requested_set.insert(account);
        let item = by_account.get(account).copied();
        if item.is_none() {
            discrepancies.push(Discrepancy::MissingResult {
                account: account.to_owned(),
            });
        }
        found.push(item);
    }
    for item in results {
        if !requested_set.contains(item.account()) {
            discrepancies.push(Discrepancy::UnexpectedResult {
                account: item.account().to_owned(),
                code: item.result_code(),
            });
        }
    }
    (found, discrepancies, by_account)
}

/// Matches a batch reply's results to the requested accounts.
///
/// Returns, for each requested account in request order, its `ResultItem` (or `None` if the
/// reply has none), and every [`Discrepancy`] found: those of [`match_results`], then the
/// disagreements between the results and `Fail_Account` / `Invalid_Account`. Requested accounts
/// are expected to be unique (the commands' validation ensures it). Codes in `listed_ok` (e.g.
/// 30539, pending) are not required to appear in `Fail_Account`, nor forbidden from it.
pub fn reconcile<'q, 'r, R: BatchItem>(
    requested: impl ExactSizeIterator<Item = &'q str>,
    results: &'r [R],
    fail_accounts: &[String],
    invalid_accounts: &[String],
    listed_ok: &[ErrorCode],
) -> (Vec<Option<&'r R>>, Vec<Discrepancy>) {
    let (found, mut discrepancies, by_account) = match_indexed(requested, results);

    let mut listed: HashMap<&str, AccountList> =
        HashMap::with_capacity(fail_accounts.len() + invalid_accounts.len());
    for (list, accounts) in [
        (AccountList::FailAccount, fail_accounts),
        (AccountList::InvalidAccount, invalid_accounts),
    ] {
        for account in accounts {
            listed.insert(account, list);
            match by_account.get(account.as_str()) {
                None => discrepancies.push(Discrepancy::ListedWithoutResult {
                    account: account.clone(),
                    list,
                }),
                Some(item) if item.result_code().is_ok() => {
                    discrepancies.push(Discrepancy::ListedButSucceeded {
                        account: account.clone(),
                        list,
                    });
                }
                Some(_) => {}
            }
        }
    }
    for item in results {
        let code = item.result_code();
        if !code.is_ok() && !listed_ok.contains(&code) && !listed.contains_key(item.account()) {
            discrepancies.push(Discrepancy::FailedButNotListed {
                account: item.account().to_owned(),
                code,
            });
        }
    }
    (found, discrepancies)
}
