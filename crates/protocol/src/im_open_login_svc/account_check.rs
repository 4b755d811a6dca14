//! `v4/im_open_login_svc/account_check`: query whether accounts are imported
//! (Tencent Cloud Chat docs: "Querying Accounts",
//! <https://www.tencentcloud.com/document/product/1047/34956>).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::command::{Command, ListCommand};
use crate::endpoint::Endpoint;
use crate::error::ValidationError;
use crate::error_code::{ErrorClass, ErrorCode};
use crate::report::{BatchItem, BatchReport, ItemFailure, item_outcome, match_results};
use crate::serde_util::{null_as_default, tolerant_enum};
use crate::validate;

/// The `account_check` request body: `CheckItem:[{UserID}]`, at least one account, required by
/// [`AccountCheck::new`].
///
/// ```
/// use tencent_im_protocol::im_open_login_svc::AccountCheck;
/// use tencent_im_protocol::Command;
///
/// let req = AccountCheck::new(["alice", "bob"]);
/// assert_eq!(
///     req.encode().unwrap(),
///     br#"{"CheckItem":[{"UserID":"alice"},{"UserID":"bob"}]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountCheck {
    /// `CheckItem`: the accounts to check, 1 to 100, each once.
    #[serde(rename = "CheckItem")]
    pub items: Vec<CheckItem>,
}

impl AccountCheck {
    /// A request checking these UserIDs.
    pub fn new<I>(user_ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self {
            items: user_ids.into_iter().map(CheckItem::new).collect(),
        }
    }
}

impl Command for AccountCheck {
    const ENDPOINT: Endpoint = Endpoint::AccountCheck;
    type Response = AccountCheckResponse;

    /// Checks 1 to 100 items, each `UserID` 1 to 32 bytes and not repeated.
    fn validate(&self) -> Result<(), ValidationError> {
        self.check(Self::MAX_ITEMS.unwrap_or(usize::MAX))
    }

    fn item_count(&self) -> usize {
        self.items.len()
    }
}

impl ListCommand for AccountCheck {
    type Item = CheckItem;
    type Outcome = AccountCheckOutcome;

    fn items(&self) -> &[CheckItem] {
        &self.items
    }

    fn account(item: &CheckItem) -> &str {
        &item.user_id
    }

    fn with_items(&self, items: Vec<CheckItem>) -> Self {
        Self { items }
    }

    fn validate_uncapped(&self) -> Result<(), ValidationError> {
        self.check(usize::MAX)
    }

    fn report(response: &AccountCheckResponse, request: &Self) -> AccountCheckReport {
        response.report(request)
    }
}

impl AccountCheck {
    fn check(&self, limit: usize) -> Result<(), ValidationError> {
        validate::items("CheckItem", self.items.len(), limit)?;
        for (i, item) in self.items.iter().enumerate() {
            validate::account(&item.user_id, || format!("CheckItem[{i}].UserID"))?;
        }
        validate::unique_accounts(self.items.iter().map(|i| i.user_id.as_str()), |i| {
            format!("CheckItem[{i}].UserID")
        })
    }
}

/// One account to check (`CheckItem[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckItem {
    /// `UserID`: the account to check.
    #[serde(rename = "UserID")]
    pub user_id: String,
}

impl CheckItem {
    /// An item checking `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
        }
    }
}

tolerant_enum! {
    /// `AccountStatus`: whether an account is imported.
    pub enum AccountStatus {
        /// `Imported`: the account exists in Tencent IM.
        Imported = "Imported",
        /// `NotImported`: the account does not exist in Tencent IM.
        NotImported = "NotImported",
    }
}

/// The command-specific fields of an `account_check` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountCheckResponse {
    /// `ResultItem`: one result per requested account.
    #[serde(rename = "ResultItem", default, deserialize_with = "null_as_default")]
    pub result_items: Vec<CheckResultItem>,
}

/// One entry of an `account_check` reply's `ResultItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckResultItem {
    /// `UserID`: the account this result is for.
    #[serde(rename = "UserID")]
    pub user_id: String,
    /// `ResultCode`: 0 if the account could be checked.
    #[serde(rename = "ResultCode")]
    pub result_code: ErrorCode,
    /// `ResultInfo`: Tencent's text for the item, empty on success.
    #[serde(rename = "ResultInfo", default)]
    pub result_info: String,
    /// `AccountStatus`: the import status; sent with every successful result.
    #[serde(
        rename = "AccountStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub account_status: Option<AccountStatus>,
}

impl CheckResultItem {
    /// A successful result: `user_id` has `status`.
    pub fn new(user_id: impl Into<String>, status: AccountStatus) -> Self {
        Self {
            user_id: user_id.into(),
            result_code: ErrorCode::OK,
            result_info: String::new(),
            account_status: Some(status),
        }
    }
}

impl BatchItem for CheckResultItem {
    fn account(&self) -> &str {
        &self.user_id
    }

    fn result_code(&self) -> ErrorCode {
        self.result_code
    }

    fn result_info(&self) -> &str {
        &self.result_info
    }
}

impl AccountCheckResponse {
    /// Reports the outcome of every account of `request`, in request order, exactly once, and
    /// every disagreement between `ResultItem` and the request (the reply has no failure list).
    pub fn report(&self, request: &AccountCheck) -> AccountCheckReport {
        let (found, discrepancies) = match_results(
            request.items.iter().map(|i| i.user_id.as_str()),
            &self.result_items,
        );
        BatchReport::from_matches(
            request.items.iter().map(|i| i.user_id.as_str()),
            found,
            discrepancies,
            AccountCheckOutcome::from_result,
        )
    }
}

/// What became of one account to check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountCheckOutcome {
    /// The account was checked and has this status.
    Checked(AccountStatus),
    /// The check failed (non-zero `ResultCode`, no result, or a result without `AccountStatus`).
    Failed(ItemFailure),
}

impl AccountCheckOutcome {
    /// The outcome a `ResultItem` entry stands for.
    pub fn from_result(item: &CheckResultItem) -> Self {
        match (&item.account_status, item.result_code.is_ok()) {
            (Some(status), true) => Self::Checked(status.clone()),
            (None, true) => Self::Failed(ItemFailure::without_code(
                "the result carries no AccountStatus",
                ErrorClass::Transient,
            )),
            (_, false) => Self::Failed(ItemFailure::from_result(item)),
        }
    }

    /// Whether the account was checked and is imported.
    pub fn is_imported(&self) -> bool {
        matches!(self, Self::Checked(AccountStatus::Imported))
    }
}

item_outcome!(AccountCheckOutcome);

impl fmt::Display for AccountCheckOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Checked(status) => write!(f, "checked ({status})"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's status, in request order, and the reply's discrepancies.
pub type AccountCheckReport = BatchReport<AccountCheckOutcome>;
