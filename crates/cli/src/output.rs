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

/// Writes `failure` on stderr: `error: …`, and the `random` of the failed request unless the
/// message already names it.
pub(crate) fn print_failure(failure: &Failure) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "error: {}", failure.message);
    if let Some(random) = failure.random {
        let id = request_id(Some(random), None);
        if !failure.message.contains(&id) {
            let _ = write!(err, " ({id})");
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

impl Outcome for AddOutcome {
    fn label(&self) -> String {
        match self {
            Self::Added => "added",
            Self::Pending => "pending",
            Self::AlreadyFriends => "already_friends",
            _ => "failed",
        }
        .to_owned()
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
            None => "failed".to_owned(),
        }
    }
}

impl Outcome for DeleteOutcome {
    fn label(&self) -> String {
        match self {
            Self::Deleted => "deleted",
            Self::NotFriends => "not_friends",
            _ => "failed",
        }
        .to_owned()
    }
}

impl Outcome for BlockOutcome {
    fn label(&self) -> String {
        match self {
            Self::Blocked => "blocked",
            Self::AlreadyBlocked => "already_blocked",
            _ => "failed",
        }
        .to_owned()
    }
}

impl Outcome for UnblockOutcome {
    fn label(&self) -> String {
        match self {
            Self::Unblocked => "unblocked",
            _ => "failed",
        }
        .to_owned()
    }
}

impl Outcome for BlockCheckOutcome {
    fn label(&self) -> String {
        match self.relation() {
            // `BlackCheckResult_Type_NO`: named as friend check names no relation.
            Some(BlockRelation::No) => "no_relation".to_owned(),
            Some(relation) => snake(relation.as_str(), "BlackCheckResult_Type_"),
            None => "failed".to_owned(),
        }
    }
}

impl Outcome for ImportOutcome {
    fn label(&self) -> String {
        match self {
            Self::Imported => "imported",
            _ => "failed",
        }
        .to_owned()
    }
}

impl Outcome for AccountCheckOutcome {
    fn label(&self) -> String {
        match self {
            Self::Checked(status) => snake(status.as_str(), ""),
            _ => "failed".to_owned(),
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
