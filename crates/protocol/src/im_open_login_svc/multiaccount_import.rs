//! `v4/im_open_login_svc/multiaccount_import`: import up to 100 accounts (Tencent Cloud Chat
//! docs: "Importing Multiple Accounts",
//! <https://www.tencentcloud.com/document/product/1047/34954>).

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::command::{Command, ListCommand};
use crate::endpoint::Endpoint;
use crate::error::ValidationError;
use crate::error_code::ErrorClass;
use crate::report::{AccountList, BatchReport, Discrepancy, ItemFailure, ItemReport, item_outcome};
use crate::serde_util::null_as_default;
use crate::validate;

/// The `multiaccount_import` request body, in the current form `AccountList:[{UserID, Nick,
/// FaceUrl}]`.
///
/// The older form `Accounts:["id", ...]` (UserIDs only) is not produced; Tencent documents both
/// and this crate sends the current one. At least one account is required by
/// [`MultiaccountImport::new`].
///
/// ```
/// use tencent_im_protocol::im_open_login_svc::{AccountItem, MultiaccountImport};
/// use tencent_im_protocol::Command;
///
/// let req = MultiaccountImport::new(vec![
///     AccountItem::new("alice").nick("Alice"),
///     AccountItem::new("bob"),
/// ]);
/// assert_eq!(
///     req.encode().unwrap(),
///     br#"{"AccountList":[{"UserID":"alice","Nick":"Alice"},{"UserID":"bob"}]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MultiaccountImport {
    /// `AccountList`: the accounts to import, 1 to 100, each `UserID` once.
    #[serde(rename = "AccountList")]
    pub accounts: Vec<AccountItem>,
}

impl MultiaccountImport {
    /// A request importing `accounts`.
    pub fn new(accounts: Vec<AccountItem>) -> Self {
        Self { accounts }
    }

    /// A request importing these UserIDs without nickname or photo.
    pub fn from_user_ids<I>(user_ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self::new(user_ids.into_iter().map(AccountItem::new).collect())
    }
}

impl Command for MultiaccountImport {
    const ENDPOINT: Endpoint = Endpoint::MultiaccountImport;
    type Response = MultiaccountImportResponse;

    /// Checks 1 to 100 accounts, each `UserID` 1 to 32 bytes and not repeated, `Nick` and
    /// `FaceUrl` at most 500 bytes each.
    fn validate(&self) -> Result<(), ValidationError> {
        self.check(Self::MAX_ITEMS.unwrap_or(usize::MAX))
    }

    fn item_count(&self) -> usize {
        self.accounts.len()
    }
}

impl ListCommand for MultiaccountImport {
    type Item = AccountItem;
    type Outcome = ImportOutcome;

    fn items(&self) -> &[AccountItem] {
        &self.accounts
    }

    fn account(item: &AccountItem) -> &str {
        &item.user_id
    }

    fn with_items(&self, accounts: Vec<AccountItem>) -> Self {
        Self { accounts }
    }

    fn validate_uncapped(&self) -> Result<(), ValidationError> {
        self.check(usize::MAX)
    }

    fn report(response: &MultiaccountImportResponse, request: &Self) -> MultiaccountImportReport {
        response.report(request)
    }
}

impl MultiaccountImport {
    fn check(&self, limit: usize) -> Result<(), ValidationError> {
        validate::items("AccountList", self.accounts.len(), limit)?;
        for (i, account) in self.accounts.iter().enumerate() {
            account.validate(i)?;
        }
        validate::unique_accounts(self.accounts.iter().map(|a| a.user_id.as_str()), |i| {
            format!("AccountList[{i}].UserID")
        })
    }
}

impl From<&str> for AccountItem {
    fn from(user_id: &str) -> Self {
        Self::new(user_id)
    }
}

impl From<String> for AccountItem {
    fn from(user_id: String) -> Self {
        Self::new(user_id)
    }
}

/// One account to import (`AccountList[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountItem {
    /// `UserID`: the account, 1 to 32 bytes.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// `Nick`: the nickname, at most 500 bytes; replaces the nickname of an existing account.
    #[serde(rename = "Nick", default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    /// `FaceUrl`: the profile photo URL, at most 500 bytes; replaces that of an existing account.
    #[serde(rename = "FaceUrl", default, skip_serializing_if = "Option::is_none")]
    pub face_url: Option<String>,
}

impl AccountItem {
    /// An item importing `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            nick: None,
            face_url: None,
        }
    }

    /// Sets `Nick`.
    #[must_use]
    pub fn nick(mut self, nick: impl Into<String>) -> Self {
        self.nick = Some(nick.into());
        self
    }

    /// Sets `FaceUrl`.
    #[must_use]
    pub fn face_url(mut self, face_url: impl Into<String>) -> Self {
        self.face_url = Some(face_url.into());
        self
    }

    /// Checks this item's limits alone (not the uniqueness of `UserID` in a list), naming it
    /// `AccountList[i]` in the error.
    pub fn validate(&self, i: usize) -> Result<(), ValidationError> {
        super::validate_account(
            &self.user_id,
            self.nick.as_deref(),
            self.face_url.as_deref(),
            |field| format!("AccountList[{i}].{field}"),
        )
    }
}

/// The command-specific fields of a `multiaccount_import` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MultiaccountImportResponse {
    /// `FailAccounts`: the accounts that could not be imported. The reply gives no reason and no
    /// per-account result.
    #[serde(
        rename = "FailAccounts",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fail_accounts: Vec<String>,
}

impl MultiaccountImportResponse {
    /// Reports the outcome of every account of `request`, in request order, exactly once: failed
    /// if it is in `FailAccounts`, imported otherwise. A listed account that was not requested is
    /// a [`Discrepancy::ListedButNotRequested`].
    pub fn report(&self, request: &MultiaccountImport) -> MultiaccountImportReport {
        let failed: HashSet<&str> = self.fail_accounts.iter().map(String::as_str).collect();
        let requested: HashSet<&str> = request
            .accounts
            .iter()
            .map(|a| a.user_id.as_str())
            .collect();
        let items = request
            .accounts
            .iter()
            .map(|account| ItemReport {
                account: account.user_id.clone(),
                outcome: if failed.contains(account.user_id.as_str()) {
                    ImportOutcome::Failed(ItemFailure::without_code(
                        "listed in FailAccounts; the reply gives no reason",
                        ErrorClass::Transient,
                    ))
                } else {
                    ImportOutcome::Imported
                },
            })
            .collect();
        let mut reported = HashSet::new();
        let discrepancies = self
            .fail_accounts
            .iter()
            .filter(|a| !requested.contains(a.as_str()) && reported.insert(a.as_str()))
            .map(|a| Discrepancy::ListedButNotRequested {
                account: a.clone(),
                list: AccountList::FailAccounts,
            })
            .collect();
        BatchReport {
            items,
            discrepancies,
        }
    }
}

/// What became of one account to import.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportOutcome {
    /// The account exists in Tencent IM now (imported, or already there and updated).
    Imported,
    /// The account is in `FailAccounts`; the failure has no code, and importing again is safe.
    Failed(ItemFailure),
}

impl ImportOutcome {}

item_outcome!(ImportOutcome);

impl fmt::Display for ImportOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Imported => f.write_str("imported"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's outcome, in request order, and the accounts of `FailAccounts` that were not requested.
pub type MultiaccountImportReport = BatchReport<ImportOutcome>;
