//! What `tim` prints and how it exits: human tables or JSON on stdout, errors on stderr, exit
//! codes by category.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;

use serde_json::{Value, json};
use tencent_im::{
    AccountCheckOutcome, AddOutcome, BlockCheckOutcome, BlockOutcome, BlockRelation, CheckOutcome,
    DeleteOutcome, ErrorClass, ErrorKind, ImportOutcome, ItemOutcome, Receipt, Report,
    UnblockOutcome,
};

/// The exit codes, by category (documented in `docs/cli.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Every item added, pending or already friends (or the command did what it said).
    Success = 0,
    /// Some items failed.
    Partial = 1,
    /// Usage or validation: nothing was sent.
    Usage = 2,
    /// Configuration or credentials, including Tencent's 70001–70020.
    Config = 3,
    /// Network, TLS or timeout.
    Network = 4,
    /// Rate limited.
    RateLimited = 5,
    /// Another API error.
    Api = 6,
    /// Stopped by Ctrl-C (128 + SIGINT) before the end: an import resumes with the same
    /// command line.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// A command that failed: what to print on stderr and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) message: String,
    pub(crate) random: Option<u32>,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Usage,
            message: message.into(),
            random: None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Config,
            message: message.into(),
            random: None,
        }
    }

    pub(crate) fn io(what: &str, error: &std::io::Error) -> Self {
        Self::usage(format!("{what}: {error}"))
    }
}

impl From<tencent_im::Error> for Failure {
    fn from(error: tencent_im::Error) -> Self {
        let exit = match error.kind() {
            ErrorKind::Validation | ErrorKind::Encode => Exit::Usage,
            ErrorKind::Config | ErrorKind::Credentials => Exit::Config,
            ErrorKind::Api(code) if (70001..=70020).contains(&code.get()) => Exit::Config,
            _ if error.is_rate_limited() => Exit::RateLimited,
            ErrorKind::Api(_) => Exit::Api,
            _ => Exit::Network,
        };
        Self {
            exit,
            message: with_causes(&error),
            random: error.random(),
        }
    }
}

/// `error`'s text followed by each of its causes', `: `-separated.
pub(crate) fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A request as every human output of `tim` names it, for Tencent's support: `random 123456789`,
/// then `, host H` when the host is known; `not sent` when the request never left. (JSON output
/// has `random` and `host` fields instead.)
pub(crate) fn request_id(random: Option<u32>, host: Option<&str>) -> String {
    let mut text = match random {
        Some(random) => format!("random {random}"),
        None => "not sent".to_owned(),
    };
    if let Some(host) = host {
        text.push_str(", host ");
        text.push_str(host);
    }
    text
}

/// Whether `text` names the request of `random` already, as the library's errors do (`(random
/// N, host H, attempts A)`): `random N` not followed by another digit.
pub(crate) fn names_request(text: &str, random: u32) -> bool {
    let id = request_id(Some(random), None);
    text.match_indices(&id).any(|(at, _)| {
        !text[at + id.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// Writes `failure` on stderr: `error: …`, and the `random` of the failed request unless the
/// message already names it.
pub(crate) fn print_failure(failure: &Failure) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "error: {}", failure.message);
    if let Some(random) = failure.random {
        if !names_request(&failure.message, random) {
            let _ = write!(err, " ({})", request_id(Some(random), None));
        }
    }
    let _ = writeln!(err);
}

/// Where results go: stdout, as tables or as JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    pub(crate) json: bool,
}

impl Out {
    /// Prints one JSON document, or `human` as it is.
    pub(crate) fn emit(&self, document: &Value, human: impl Display) {
        let mut out = std::io::stdout().lock();
        let _ = if self.json {
            writeln!(out, "{document}")
        } else {
            write!(out, "{human}")
        };
    }

    /// Prints a report: a table of items and the requests' `random`s, or its JSON; returns
    /// the exit code its items call for.
    pub(crate) fn report<O: Outcome>(&self, report: &Report<O>) -> Exit {
        self.emit(&report_json(report), Table(report));
        report_exit(report)
    }

    /// Prints what a single-request command did.
    pub(crate) fn receipt(&self, what: &str, receipt: &Receipt) -> Exit {
        let document = json!({
            "done": what,
            "random": receipt.random,
            "host": receipt.host,
            "attempts": receipt.attempts,
        });
        let human = format!(
            "{what} ({})\n",
            request_id(Some(receipt.random), Some(&receipt.host))
        );
        self.emit(&document, human);
        Exit::Success
    }
}

/// 0 when every item ended well, 1 when some failed.
pub(crate) fn report_exit<O: ItemOutcome>(report: &Report<O>) -> Exit {
    if report.items.iter().all(|i| i.outcome.is_success()) {
        Exit::Success
    } else {
        Exit::Partial
    }
}

/// A per-item outcome as `tim` prints it: a stable label for JSON and tables.
pub(crate) trait Outcome: ItemOutcome {
    /// `added`, `pending`, `already_friends`, `failed`, …
    fn label(&self) -> String;
}

/// The label of an outcome that no arm names (the outcome enums are `#[non_exhaustive]`, so a
/// newer library may bring one): `failed` only when the outcome is a failure, else its `Display`
/// in snake case, so that a success never prints as a failure.
fn other_label<O: ItemOutcome + Display>(outcome: &O) -> String {
    if outcome.failure().is_some() {
        "failed".to_owned()
    } else {
        snake_words(&outcome.to_string())
    }
}

/// `already blocked` → `already_blocked`: lower case, each run of other characters than letters
/// and digits one `_`, none at either end.
fn snake_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    if out.ends_with('_') {
        out.pop();
    }
    out
}

impl Outcome for AddOutcome {
    fn label(&self) -> String {
        match self {
            Self::Added => "added".to_owned(),
            Self::Pending => "pending".to_owned(),
            Self::AlreadyFriends => "already_friends".to_owned(),
            other => other_label(other),
        }
    }
}

/// `CheckResult_Type_BothWay` → `both_way`: the documented value without its prefix, in snake
/// case.
fn snake(wire: &str, prefix: &str) -> String {
    let name = wire.strip_prefix(prefix).unwrap_or(wire);
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Outcome for CheckOutcome {
    fn label(&self) -> String {
        match self.relation() {
            Some(relation) => snake(relation.as_str(), "CheckResult_Type_"),
            None => other_label(self),
        }
    }
}

impl Outcome for DeleteOutcome {
    fn label(&self) -> String {
        match self {
            Self::Deleted => "deleted".to_owned(),
            Self::NotFriends => "not_friends".to_owned(),
            other => other_label(other),
        }
    }
}

impl Outcome for BlockOutcome {
    fn label(&self) -> String {
        match self {
            Self::Blocked => "blocked".to_owned(),
            Self::AlreadyBlocked => "already_blocked".to_owned(),
            other => other_label(other),
        }
    }
}

impl Outcome for UnblockOutcome {
    fn label(&self) -> String {
        match self {
            Self::Unblocked => "unblocked".to_owned(),
            other => other_label(other),
        }
    }
}

impl Outcome for BlockCheckOutcome {
    fn label(&self) -> String {
        match self.relation() {
            // `BlackCheckResult_Type_NO`: named as friend check names no relation.
            Some(BlockRelation::No) => "no_relation".to_owned(),
            Some(relation) => snake(relation.as_str(), "BlackCheckResult_Type_"),
            None => other_label(self),
        }
    }
}

impl Outcome for ImportOutcome {
    fn label(&self) -> String {
        match self {
            Self::Imported => "imported".to_owned(),
            other => other_label(other),
        }
    }
}

impl Outcome for AccountCheckOutcome {
    fn label(&self) -> String {
        match self {
            Self::Checked(status) => snake(status.as_str(), ""),
            other => other_label(other),
        }
    }
}

/// One item as JSON: account, outcome, and for failures code, info and retry class.
pub(crate) fn item_json<O: Outcome>(account: &str, outcome: &O) -> Value {
    let mut item = json!({"account": account, "outcome": outcome.label()});
    if let Some(failure) = outcome.failure() {
        item["code"] = json!(failure.code.map(|c| c.get()));
        item["info"] = json!(failure.info);
        item["retryable"] = json!(failure.is_retryable());
        item["class"] = json!(class_name(failure.class()));
    }
    item
}

fn class_name(class: ErrorClass) -> &'static str {
    class.as_str()
}

/// A report as one JSON document.
pub(crate) fn report_json<O: Outcome>(report: &Report<O>) -> Value {
    let items: Vec<Value> = report
        .items
        .iter()
        .map(|i| {
            let mut item = item_json(&i.account, &i.outcome);
            if let Some(from) = &report.from {
                item["from"] = json!(from);
            }
            item
        })
        .collect();
    let requests: Vec<Value> = report
        .requests
        .iter()
        .map(|r| {
            json!({
                "random": r.random,
                "host": r.host,
                "items": r.items,
                "attempts": r.attempts,
                "resend": r.round,
                "error": r.error,
            })
        })
        .collect();
    let discrepancies: Vec<String> = report.discrepancies.iter().map(|d| d.to_string()).collect();
    json!({
        "from": report.from,
        "items": items,
        "requests": requests,
        "discrepancies": discrepancies,
    })
}

/// A report as a table: account, outcome, code, info; then one line per request.
struct Table<'a, O>(&'a Report<O>);

impl<O: Outcome> Display for Table<'_, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let report = self.0;
        let width = report
            .items
            .iter()
            .map(|i| i.account.chars().count())
            .chain([7])
            .max()
            .unwrap_or(7);
        writeln!(
            f,
            "{:<width$}  {:<16}  {:>6}  INFO",
            "ACCOUNT", "OUTCOME", "CODE"
        )?;
        for item in &report.items {
            let (code, info) = match item.outcome.failure() {
                Some(failure) => (
                    failure
                        .code
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    failure.info.clone(),
                ),
                None => (String::new(), String::new()),
            };
            let line = format!(
                "{:<width$}  {:<16}  {:>6}  {}",
                item.account,
                item.outcome.label(),
                code,
                info
            );
            writeln!(f, "{}", line.trim_end())?;
        }
        for d in &report.discrepancies {
            writeln!(f, "discrepancy: {d}")?;
        }
        for r in &report.requests {
            f.write_str(&request_id(r.random, r.host.as_deref()))?;
            if let Some(e) = &r.error {
                write!(f, ": {e}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use tencent_im::{AccountStatus, ErrorCode, ItemFailure, Relation};

    use super::*;

    /// Every failure an item can carry: with Tencent's code, and without one.
    fn failures() -> [ItemFailure; 2] {
        [
            ItemFailure::new(ErrorCode::new(30516), "Err_SNS_FriendAdd_Deny_Any"),
            ItemFailure::without_code(
                "the reply carries no result for this account",
                ErrorClass::Transient,
            ),
        ]
    }

    /// `label()` is `failed` exactly when the outcome is a failure, whichever `outcomes` are.
    fn assert_failed_iff_failure<O: Outcome + fmt::Display>(outcomes: impl IntoIterator<Item = O>) {
        for outcome in outcomes {
            assert_eq!(
                outcome.label() == "failed",
                outcome.failure().is_some(),
                "{outcome} is labelled {}",
                outcome.label()
            );
        }
    }

    #[test]
    fn label_is_failed_exactly_when_the_outcome_is_a_failure() {
        assert_failed_iff_failure(
            [
                AddOutcome::Added,
                AddOutcome::Pending,
                AddOutcome::AlreadyFriends,
            ]
            .into_iter()
            .chain(failures().map(AddOutcome::Failed)),
        );
        assert_failed_iff_failure(
            [
                Relation::BothWay,
                Relation::AWithB,
                Relation::BWithA,
                Relation::NoRelation,
                Relation::from("CheckResult_Type_Undocumented"),
            ]
            .map(CheckOutcome::Checked)
            .into_iter()
            .chain(failures().map(CheckOutcome::Failed)),
        );
        assert_failed_iff_failure(
            [DeleteOutcome::Deleted, DeleteOutcome::NotFriends]
                .into_iter()
                .chain(failures().map(DeleteOutcome::Failed)),
        );
        assert_failed_iff_failure(
            [BlockOutcome::Blocked, BlockOutcome::AlreadyBlocked]
                .into_iter()
                .chain(failures().map(BlockOutcome::Failed)),
        );
        assert_failed_iff_failure(
            [UnblockOutcome::Unblocked]
                .into_iter()
                .chain(failures().map(UnblockOutcome::Failed)),
        );
        assert_failed_iff_failure(
            [
                BlockRelation::BothWay,
                BlockRelation::AWithB,
                BlockRelation::BWithA,
                BlockRelation::No,
                BlockRelation::from("BlackCheckResult_Type_Undocumented"),
            ]
            .map(BlockCheckOutcome::Checked)
            .into_iter()
            .chain(failures().map(BlockCheckOutcome::Failed)),
        );
        assert_failed_iff_failure(
            [ImportOutcome::Imported]
                .into_iter()
                .chain(failures().map(ImportOutcome::Failed)),
        );
        assert_failed_iff_failure(
            [
                AccountStatus::Imported,
                AccountStatus::NotImported,
                AccountStatus::from("Undocumented"),
            ]
            .map(AccountCheckOutcome::Checked)
            .into_iter()
            .chain(failures().map(AccountCheckOutcome::Failed)),
        );
    }

    #[test]
    fn labels_of_the_named_outcomes() {
        assert_eq!(BlockOutcome::AlreadyBlocked.label(), "already_blocked");
        assert_eq!(
            BlockCheckOutcome::Checked(BlockRelation::No).label(),
            "no_relation"
        );
        assert_eq!(
            BlockCheckOutcome::Checked(BlockRelation::from("BlackCheckResult_Type_NewKind"))
                .label(),
            "new_kind"
        );
        assert_eq!(CheckOutcome::Checked(Relation::AWithB).label(), "a_with_b");
        assert_eq!(
            AccountCheckOutcome::Checked(AccountStatus::NotImported).label(),
            "not_imported"
        );
    }

    /// An outcome type as a newer library may bring: one success and one failure that no arm
    /// of `tim` names.
    enum Newer {
        Muted,
        Failed(ItemFailure),
    }

    impl ItemOutcome for Newer {
        fn from_failure(failure: ItemFailure) -> Self {
            Self::Failed(failure)
        }

        fn failure(&self) -> Option<&ItemFailure> {
            match self {
                Self::Failed(f) => Some(f),
                Self::Muted => None,
            }
        }
    }

    impl fmt::Display for Newer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::Muted => f.write_str("muted (for now)"),
                Self::Failed(failure) => write!(f, "failed ({failure})"),
            }
        }
    }

    #[test]
    fn a_text_names_a_request_by_its_whole_random() {
        let error = "sns/friend_add failed: API error 70009 (random 123, host h, attempts 1)";
        assert!(names_request(error, 123));
        assert!(!names_request(error, 12));
        assert!(names_request("… (random 7)", 7));
        assert!(!names_request("random 71", 7));
        assert!(!names_request("no request", 7));
    }

    #[test]
    fn an_unnamed_success_is_its_display_in_snake_case_and_an_unnamed_failure_is_failed() {
        assert_eq!(other_label(&Newer::Muted), "muted_for_now");
        for failure in failures() {
            assert_eq!(other_label(&Newer::Failed(failure)), "failed");
        }
        assert_eq!(snake_words("already blocked"), "already_blocked");
        assert_eq!(snake_words("  Not  Friends! "), "not_friends");
        assert_eq!(snake_words("checked (Über)"), "checked_über");
    }
}
