//! Per-item reports of batch commands: every account a caller submits ends up with exactly one
//! outcome, in request order, and every disagreement between a reply's lists and the request is
//! reported as a [`Discrepancy`].

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::error_code::{ErrorClass, ErrorCode};

/// One per-account entry of a batch reply, whatever its wire name: [`ResultItem`](crate::sns::ResultItem) of
/// the sns service, [`CheckInfoItem`](crate::sns::CheckInfoItem) (`InfoItem[]`) of friend_check,
/// [`BlackListCheckItem`](crate::sns::BlackListCheckItem) (`BlackListCheckItem[]`) of
/// black_list_check, or account_check's
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

/// The outcome of one item of a batch command: every outcome type has a failed case carrying an
/// [`ItemFailure`].
pub trait ItemOutcome: Sized {
    /// The outcome of an item that failed.
    fn from_failure(failure: ItemFailure) -> Self;

    /// The failure, if the item failed.
    fn failure(&self) -> Option<&ItemFailure>;

    /// Whether the item ended well.
    fn is_success(&self) -> bool {
        self.failure().is_none()
    }
}

/// Implements [`ItemOutcome`] for an outcome enum whose failed case is `Failed(ItemFailure)`.
macro_rules! item_outcome {
    ($outcome:ty) => {
        impl $crate::report::ItemOutcome for $outcome {
            fn from_failure(failure: $crate::report::ItemFailure) -> Self {
                Self::Failed(failure)
            }

            fn failure(&self) -> Option<&$crate::report::ItemFailure> {
                match self {
                    Self::Failed(f) => Some(f),
                    _ => None,
                }
            }
        }
    };
}

pub(crate) use item_outcome;

/// One requested account and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemReport<O> {
    /// The requested account (`To_Account` or `UserID`).
    pub account: String,
    /// Its outcome.
    pub outcome: O,
}

impl<O> ItemReport<O> {
    /// `account` with `outcome`.
    pub fn new(account: impl Into<String>, outcome: O) -> Self {
        Self {
            account: account.into(),
            outcome,
        }
    }
}

/// Every requested account's outcome, in request order, and the reply's discrepancies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchReport<O> {
    /// One entry per requested account, in request order.
    pub items: Vec<ItemReport<O>>,
    /// Disagreements between the reply's lists and the request; empty for a consistent reply.
    pub discrepancies: Vec<Discrepancy>,
}

impl<O> Default for BatchReport<O> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            discrepancies: Vec::new(),
        }
    }
}

impl<O: ItemOutcome> BatchReport<O> {
    /// The report of matched results: `found[i]` is the result for the i-th account of
    /// `accounts` (from [`reconcile`] or [`match_results`]); an account without one failed with
    /// no code.
    pub(crate) fn from_matches<'a, R>(
        accounts: impl Iterator<Item = &'a str>,
        found: Vec<Option<&R>>,
        discrepancies: Vec<Discrepancy>,
        outcome: impl Fn(&R) -> O,
    ) -> Self {
        let items = accounts
            .zip(found)
            .map(|(account, result)| ItemReport {
                account: account.to_owned(),
                outcome: result.map_or_else(|| O::from_failure(ItemFailure::missing()), &outcome),
            })
            .collect();
        Self {
            items,
            discrepancies,
        }
    }

    /// The items that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ItemReport<O>> {
        self.items.iter().filter(|i| !i.outcome.is_success())
    }

    /// Whether every item ended well and the reply was consistent.
    pub fn is_complete_success(&self) -> bool {
        self.discrepancies.is_empty() && self.items.iter().all(|i| i.outcome.is_success())
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
    class: ErrorClass,
}

impl ItemFailure {
    /// A failure with Tencent's `code` and `info`; its class is the code's.
    ///
    /// ```
    /// use tencent_im_protocol::{ErrorClass, ErrorCode, ItemFailure};
    ///
    /// let f = ItemFailure::new(ErrorCode::new(30006), "Err_SNS_Internal");
    /// assert_eq!(f.class(), ErrorClass::Transient);
    /// assert_eq!(f.to_string(), "code 30006: Err_SNS_Internal");
    /// ```
    pub fn new(code: ErrorCode, info: impl Into<String>) -> Self {
        Self {
            code: Some(code),
            info: info.into(),
            class: code.class(),
        }
    }

    /// A failure without a per-item code (the whole request failed, the reply had no result for
    /// the item, or the item was never sent), explained by `info`, of retry class `class`.
    pub fn without_code(info: impl Into<String>, class: ErrorClass) -> Self {
        Self {
            code: None,
            info: info.into(),
            class,
        }
    }

    pub(crate) fn from_result<R: BatchItem + ?Sized>(item: &R) -> Self {
        Self::new(item.result_code(), item.result_info())
    }

    /// No result for the item: transient (its cause is unknown, and every command of this
    /// crate is safe to send again).
    pub(crate) fn missing() -> Self {
        Self::without_code(
            "the reply carries no result for this account",
            ErrorClass::Transient,
        )
    }

    /// The retry class: that of the code, or the one given to
    /// [`without_code`](Self::without_code).
    pub fn class(&self) -> ErrorClass {
        self.class
    }

    /// Whether sending the item again may succeed.
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }
}

impl fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.info.is_empty()) {
            (Some(code), true) => write!(f, "code {code}"),
            (Some(code), false) => write!(f, "code {code}: {}", self.info),
            // Without a code, the explanation says it all.
            (None, _) => f.write_str(&self.info),
        }
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

/// Up to this many results and requested accounts, lookups scan the lists instead of hashing:
/// the one-item friend_add of the facade's CPU target in `docs/benchmarks.md` builds no map.
const LINEAR_UP_TO: usize = 8;

/// The first result of each account: the reply's list itself when it is short, a map otherwise.
enum Lookup<'r, R> {
    Scan(&'r [R]),
    Map(HashMap<&'r str, &'r R>),
}

impl<'r, R: BatchItem> Lookup<'r, R> {
    fn get(&self, account: &str) -> Option<&'r R> {
        match self {
            Self::Scan(results) => results.iter().find(|r| r.account() == account),
            Self::Map(map) => map.get(account).copied(),
        }
    }
}

/// The matched results, the discrepancies and the first result of each account.
type Indexed<'r, R> = (Vec<Option<&'r R>>, Vec<Discrepancy>, Lookup<'r, R>);

/// [`match_results`], also returning the first result of each account by account.
fn match_indexed<'q, 'r, R: BatchItem>(
    requested: impl ExactSizeIterator<Item = &'q str>,
    results: &'r [R],
) -> Indexed<'r, R> {
    let mut discrepancies = Vec::new();
    let small = results.len() <= LINEAR_UP_TO && requested.len() <= LINEAR_UP_TO;
    let lookup = if small {
        for (i, item) in results.iter().enumerate() {
            if results[..i].iter().any(|r| r.account() == item.account()) {
                discrepancies.push(Discrepancy::DuplicateResult {
                    account: item.account().to_owned(),
                });
            }
        }
        Lookup::Scan(results)
    } else {
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
        Lookup::Map(by_account)
    };

    let mut found = Vec::with_capacity(requested.len());
    let mut requested_list: Vec<&str> = Vec::with_capacity(requested.len());
    for account in requested {
        requested_list.push(account);
        let item = lookup.get(account);
        if item.is_none() {
            discrepancies.push(Discrepancy::MissingResult {
                account: account.to_owned(),
            });
        }
        found.push(item);
    }
    let requested_set: Option<HashSet<&str>> =
        (!small).then(|| requested_list.iter().copied().collect());
    let was_requested = |account: &str| match &requested_set {
        Some(set) => set.contains(account),
        None => requested_list.contains(&account),
    };
    for item in results {
        if !was_requested(item.account()) {
            discrepancies.push(Discrepancy::UnexpectedResult {
                account: item.account().to_owned(),
                code: item.result_code(),
            });
        }
    }
    (found, discrepancies, lookup)
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

    let mut listed: Vec<&str> = Vec::with_capacity(fail_accounts.len() + invalid_accounts.len());
    for (list, accounts) in [
        (AccountList::FailAccount, fail_accounts),
        (AccountList::InvalidAccount, invalid_accounts),
    ] {
        for account in accounts {
            listed.push(account);
            match by_account.get(account) {
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
    let listed_set: Option<HashSet<&str>> =
        (listed.len() > LINEAR_UP_TO).then(|| listed.iter().copied().collect());
    let is_listed = |account: &str| match &listed_set {
        Some(set) => set.contains(account),
        None => listed.contains(&account),
    };
    for item in results {
        let code = item.result_code();
        if !code.is_ok() && !listed_ok.contains(&code) && !is_listed(item.account()) {
            discrepancies.push(Discrepancy::FailedButNotListed {
                account: item.account().to_owned(),
                code,
            });
        }
    }
    (found, discrepancies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sns::ResultItem;

    /// The same odd reply, short enough to be scanned and padded past [`LINEAR_UP_TO`] so that it
    /// is hashed: both paths find the same discrepancies in the same order.
    #[test]
    fn short_and_long_replies_are_reconciled_alike() {
        let run = |padding: usize| {
            let mut requested: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
            let mut results = vec![
                ResultItem::new("a", ErrorCode::OK, ""),
                ResultItem::new("a", ErrorCode::new(30006), ""),
                ResultItem::new("c", ErrorCode::new(30003), ""),
                ResultItem::new("d", ErrorCode::new(30001), "x"),
                ResultItem::new("z", ErrorCode::OK, ""),
            ];
            for i in 0..padding {
                requested.push(format!("p{i}"));
                results.push(ResultItem::new(format!("p{i}"), ErrorCode::OK, ""));
            }
            let fail = ["d", "a", "q"].map(String::from);
            let (found, discrepancies) = reconcile(
                requested.iter().map(String::as_str),
                &results,
                &fail,
                &[],
                &[ErrorCode::SNS_PENDING],
            );
            let found: Vec<Option<ErrorCode>> = found
                .iter()
                .take(4)
                .map(|r| r.map(|r| r.result_code))
                .collect();
            (found, discrepancies)
        };
        let short = run(0);
        let long = run(LINEAR_UP_TO * 2);
        assert_eq!(short, long);
        assert_eq!(
            short.0,
            [
                Some(ErrorCode::OK),
                None,
                Some(ErrorCode::new(30003)),
                Some(ErrorCode::new(30001))
            ]
        );
        let kinds: Vec<String> = short.1.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            kinds,
            [
                "several ResultItems for account \"a\"",
                "no ResultItem for requested account \"b\"",
                "ResultItem for account \"z\" (code 0) that was not requested",
                "account \"a\" is in Fail_Account but its ResultItem reports success",
                "account \"q\" is in Fail_Account but has no ResultItem",
                "account \"c\" failed with code 30003 but is in neither Fail_Account nor Invalid_Account",
            ]
        );
    }
}
