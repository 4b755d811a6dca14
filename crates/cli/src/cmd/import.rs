//! `tim friend import FILE` and `tim account import FILE`: bulk imports through the facade's
//! bulk streams (`friend_add_all`, `import_accounts_all`), resumable from a journal.
//!
//! The whole file is read and validated before anything is sent (a bad line is reported with
//! its number and field, and nothing is sent). The items the journal holds as settled are
//! skipped; the others are grouped into requests (see [`plan`]), each sent through a bulk stream
//! of its own, `--concurrency` at once; each report is written to the journal as it arrives. The
//! first Ctrl-C stops starting requests and lets those in flight finish; the second stops at
//! once.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{Value, json};
use tencent_im::layers::protocol::Endpoint;
use tencent_im::layers::protocol::im_open_login_svc::MultiaccountImport;
use tencent_im::layers::protocol::sns::{ADD_SOURCE_PREFIX, FriendAdd};
use tencent_im::layers::protocol::validate_user_id;
use tencent_im::stream::Stream;
use tencent_im::{
    AccountCheckOutcome, AccountItem, AddFriendItem, AddOutcome, BulkOptions, CheckOutcome,
    CheckType, Client, DEFAULT_ADD_SOURCE, ErrorClass, ErrorCode, FriendPair, ImportOutcome,
    ItemOutcome as _, Relation, Report, StreamExt as _, ValidationError,
};

use crate::config::GlobalArgs;
use crate::input::{self, Format, LineError, Record, Schema};
use crate::journal::{self, Entry, Journal, Key};
use crate::output::{Exit, Failure, Out, Outcome, report_json};
use crate::progress::Progress;

/// What every import takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct ImportArgs {
    /// The file to import; `-` reads stdin. A gzip-compressed file is read as it is.
    #[arg(value_name = "FILE")]
    file: String,
    /// The file's format.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// Record every settled item in this file (created if missing) and skip the items it holds:
    /// the same command line resumes an import stopped by Ctrl-C, a kill or a crash.
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Write every item that did not end well to this CSV file (line, item, outcome, code, info).
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// Requests in flight at once (one sender's requests still go one after the other).
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    concurrency: u16,
    /// Validate the whole file and print the requests it would send; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// At the end, read every item's state back from the server and report those that do not
    /// match their outcome.
    #[arg(long)]
    verify: bool,
    /// No progress bar on stderr (there is none anyway when stderr is not a terminal).
    #[arg(long)]
    no_progress: bool,
}

/// The arguments of `tim friend import`.
#[derive(Debug, Clone, Args)]
pub(crate) struct FriendImportArgs {
    #[command(flatten)]
    common: ImportArgs,
    /// One-way adds: only FROM's list gets TO; no confirmation is asked.
    #[arg(long)]
    single: bool,
    /// Admin force-add: skip the targets' verification setting.
    #[arg(long)]
    force: bool,
}

/// The arguments of `tim account import`.
#[derive(Debug, Clone, Args)]
pub(crate) struct AccountImportArgs {
    #[command(flatten)]
    common: ImportArgs,
}

/// Runs `tim friend import`.
pub(crate) async fn friend(
    args: FriendImportArgs,
    global: &GlobalArgs,
    out: Out,
) -> Result<Exit, Failure> {
    if args.common.format == Format::Lines {
        return Err(Failure::usage(
            "--format lines is for `tim account import`: a friend import needs the columns from and to",
        ));
    }
    let kind = Friends {
        single: args.single,
        force: args.force,
    };
    import(kind, &args.common, global, out).await
}

/// Runs `tim account import`.
pub(crate) async fn account(
    args: AccountImportArgs,
    global: &GlobalArgs,
    out: Out,
) -> Result<Exit, Failure> {
    import(Accounts, &args.common, global, out).await
}

/// What differs between the imports.
trait Kind {
    /// What one line becomes.
    type Item: Clone + Send + 'static;
    /// The outcome of one item.
    type Outcome: Outcome + Send + 'static;
    /// The command, as the journal's header names it.
    const COMMAND: &'static str;
    /// The items, in messages: `pairs`, `accounts`.
    const NOUN: &'static str;
    /// One item, in messages: `pair`, `account`.
    const ONE: &'static str;
    /// The columns of the file.
    const SCHEMA: Schema;
    /// The columns of the `--report` file that name the item.
    const KEY_COLUMNS: &'static [&'static str];
    /// The outcome labels, in the order the summary lists them.
    const LABELS: &'static [&'static str];
    /// The endpoint: its item cap sizes the requests.
    const ENDPOINT: Endpoint;

    /// The item of a record, validated, and its key; or what is wrong with it.
    fn item(&self, record: Record) -> Result<(Key, Self::Item), LineError>;

    /// The sender whose items share a request (friend pairs), or `None` (accounts).
    fn sender(item: &Self::Item) -> Option<&str>;

    /// The body of the request that would carry `items`, for `--dry-run --json`.
    fn request(&self, items: &[Self::Item]) -> Value;

    /// The facade's bulk stream of `items` (the items of one request, in this command).
    fn bulk<S>(
        &self,
        client: &Client,
        items: S,
        options: BulkOptions,
    ) -> impl Stream<Item = Report<Self::Outcome>> + Send + 'static
    where
        S: Stream<Item = Self::Item> + Send + 'static;

    /// Reads the state of `keys` (with their outcome labels) back from the server.
    fn verify(
        &self,
        client: &Client,
        keys: Vec<(Key, String)>,
        concurrency: usize,
    ) -> impl Future<Output = Vec<Checked>>;
}

/// What the server says of one item after the import.
#[derive(Debug)]
struct Checked {
    key: Key,
    /// The item's outcome label.
    outcome: String,
    /// The state (`both_way`, `imported`, …), or why it could not be read.
    state: Result<String, String>,
    /// Whether the state matches the item's outcome.
    consistent: bool,
}

/// `tim friend import`: pairs `from,to[,remark,group,source,wording]`.
struct Friends {
    single: bool,
    force: bool,
}

impl Kind for Friends {
    type Item = FriendPair;
    type Outcome = AddOutcome;
    const COMMAND: &'static str = "friend import";
    const NOUN: &'static str = "pairs";
    const ONE: &'static str = "pair";
    const SCHEMA: Schema = Schema {
        columns: &["from", "to", "remark", "group", "source", "wording"],
        required: 2,
    };
    const KEY_COLUMNS: &'static [&'static str] = &["from", "to"];
    const LABELS: &'static [&'static str] = &["added", "pending", "already_friends", "failed"];
    const ENDPOINT: Endpoint = Endpoint::FriendAdd;

    fn item(&self, record: Record) -> Result<(Key, FriendPair), LineError> {
        let line = record.line;
        let mut values = record.values.into_iter();
        let mut next = || values.next().flatten();
        let (from, to) = (next().unwrap_or_default(), next().unwrap_or_default());
        let (remark, group, source, wording) = (next(), next(), next(), next());
        validate_user_id(&from, "from").map_err(|e| LineError::new(line, e.to_string()))?;
        let source = match source {
            Some(s) if s.starts_with(ADD_SOURCE_PREFIX) => s,
            Some(s) => format!("{ADD_SOURCE_PREFIX}{s}"),
            // The client's default, filled in by the facade.
            None => String::new(),
        };
        let mut item = AddFriendItem::new(to, source);
        item.remark = remark;
        item.group_name = group;
        item.add_wording = wording;
        let mut check = item.clone();
        if check.add_source.is_empty() {
            check.add_source = DEFAULT_ADD_SOURCE.to_owned();
        }
        check
            .validate(0)
            .map_err(|e| LineError::new(line, column_error(&e)))?;
        let key = Key::pair(from.clone(), item.to_account.clone());
        let mut pair = FriendPair::with_item(from, item);
        if self.single {
            pair = pair.single();
        }
        if self.force {
            pair = pair.force();
        }
        Ok((key, pair))
    }

    fn sender(item: &FriendPair) -> Option<&str> {
        Some(&item.from)
    }

    fn request(&self, items: &[FriendPair]) -> Value {
        let from = items.first().map(|p| p.from.clone()).unwrap_or_default();
        let list = items
            .iter()
            .map(|p| {
                let mut item = p.item.clone();
                if item.add_source.is_empty() {
                    item.add_source = DEFAULT_ADD_SOURCE.to_owned();
                }
                item
            })
            .collect();
        let mut request = FriendAdd::new(from, list);
        request.add_type = items.first().and_then(|p| p.add_type);
        request.force_add = items.first().and_then(|p| p.force);
        serde_json::to_value(&request).unwrap_or(Value::Null)
    }

    fn bulk<S>(
        &self,
        client: &Client,
        items: S,
        options: BulkOptions,
    ) -> impl Stream<Item = Report<AddOutcome>> + Send + 'static
    where
        S: Stream<Item = FriendPair> + Send + 'static,
    {
        client.friend_add_all(items, options)
    }

    async fn verify(
        &self,
        client: &Client,
        keys: Vec<(Key, String)>,
        concurrency: usize,
    ) -> Vec<Checked> {
        // One friend_check per sender (the facade splits it at 1,000).
        let mut by_sender: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (key, outcome) in keys {
            let from = key.from.unwrap_or_default();
            by_sender
                .entry(from)
                .or_default()
                .push((key.account, outcome));
        }
        let two_way = !self.single;
        let checks = tencent_im::stream::iter(by_sender).map(|(from, targets)| {
            let client = client.clone();
            async move {
                let accounts: Vec<String> = targets.iter().map(|(to, _)| to.clone()).collect();
                let result = client
                    .check_friends(from.clone(), accounts, CheckType::Both)
                    .await;
                (from, targets, result)
            }
        });
        let mut checks = pin!(checks.buffer_unordered(concurrency));
        let mut checked = Vec::new();
        while let Some((from, targets, result)) = checks.next().await {
            let report = match result {
                Ok(report) => report,
                Err(e) => {
                    let reason = Failure::from(e).message;
                    checked.extend(targets.into_iter().map(|(to, outcome)| Checked {
                        key: Key::pair(from.clone(), to),
                        outcome,
                        state: Err(reason.clone()),
                        consistent: false,
                    }));
                    continue;
                }
            };
            for (to, outcome) in targets {
                let (state, consistent) = match report.outcome(&to) {
                    Some(CheckOutcome::Checked(relation)) => (
                        Ok(CheckOutcome::Checked(relation.clone()).label()),
                        pair_consistent(&outcome, relation, two_way),
                    ),
                    // A target that does not exist has no relation: as a failed add says.
                    Some(other) if not_found(other) => {
                        (Ok("account_not_found".to_owned()), outcome == "failed")
                    }
                    Some(other) => (Err(failure_text(other)), false),
                    None => (Err("no result for it".to_owned()), false),
                };
                checked.push(Checked {
                    key: Key::pair(from.clone(), to),
                    outcome,
                    state,
                    consistent,
                });
            }
        }
        checked
    }
}

/// Whether a check failed because the account does not exist.
fn not_found(outcome: &CheckOutcome) -> bool {
    outcome
        .failure()
        .and_then(|f| f.code)
        .is_some_and(|c| c == ErrorCode::SNS_ACCOUNT_NOT_FOUND)
}

/// Whether `relation` (from friend_check, both ways) matches the add's outcome: added and
/// already friends mean TO is in FROM's list (both ways for a two-way add); pending means it is
/// not, or that TO accepted since (both ways); failed means it is not.
fn pair_consistent(outcome: &str, relation: &Relation, two_way: bool) -> bool {
    let in_list = matches!(relation, Relation::BothWay | Relation::AWithB);
    match outcome {
        "added" if two_way => matches!(relation, Relation::BothWay),
        "added" | "already_friends" => in_list,
        "pending" => !matches!(relation, Relation::AWithB),
        _ => !in_list,
    }
}

/// `tim account import`: one UserID per line, or `userid[,nick,faceurl]`.
struct Accounts;

impl Kind for Accounts {
    type Item = AccountItem;
    type Outcome = ImportOutcome;
    const COMMAND: &'static str = "account import";
    const NOUN: &'static str = "accounts";
    const ONE: &'static str = "account";
    const SCHEMA: Schema = Schema {
        columns: &["userid", "nick", "faceurl"],
        required: 1,
    };
    const KEY_COLUMNS: &'static [&'static str] = &["userid"];
    const LABELS: &'static [&'static str] = &["imported", "failed"];
    const ENDPOINT: Endpoint = Endpoint::MultiaccountImport;

    fn item(&self, record: Record) -> Result<(Key, AccountItem), LineError> {
        let line = record.line;
        let mut values = record.values.into_iter();
        let mut next = || values.next().flatten();
        let mut item = AccountItem::new(next().unwrap_or_default());
        item.nick = next();
        item.face_url = next();
        item.validate(0)
            .map_err(|e| LineError::new(line, column_error(&e)))?;
        Ok((Key::account(item.user_id.clone()), item))
    }

    fn sender(_: &AccountItem) -> Option<&str> {
        None
    }

    fn request(&self, items: &[AccountItem]) -> Value {
        serde_json::to_value(MultiaccountImport::new(items.to_vec())).unwrap_or(Value::Null)
    }

    fn bulk<S>(
        &self,
        client: &Client,
        items: S,
        options: BulkOptions,
    ) -> impl Stream<Item = Report<ImportOutcome>> + Send + 'static
    where
        S: Stream<Item = AccountItem> + Send + 'static,
    {
        client.import_accounts_all(items, options)
    }

    async fn verify(
        &self,
        client: &Client,
        keys: Vec<(Key, String)>,
        concurrency: usize,
    ) -> Vec<Checked> {
        let cap = Endpoint::AccountCheck.max_items().unwrap_or(100);
        let chunks: Vec<Vec<(Key, String)>> = keys.chunks(cap).map(<[_]>::to_vec).collect();
        let checks = tencent_im::stream::iter(chunks).map(|chunk| {
            let client = client.clone();
            async move {
                let ids: Vec<&str> = chunk.iter().map(|(k, _)| k.account.as_str()).collect();
                let result = client.check_accounts(ids).await;
                (chunk, result)
            }
        });
        let mut checks = pin!(checks.buffer_unordered(concurrency));
        let mut checked = Vec::new();
        while let Some((chunk, result)) = checks.next().await {
            let report = match result {
                Ok(report) => report,
                Err(e) => {
                    let reason = Failure::from(e).message;
                    checked.extend(chunk.into_iter().map(|(key, outcome)| Checked {
                        key,
                        outcome,
                        state: Err(reason.clone()),
                        consistent: false,
                    }));
                    continue;
                }
            };
            for (key, outcome) in chunk {
                let (state, consistent) = match report.outcome(&key.account) {
                    Some(AccountCheckOutcome::Checked(status)) => {
                        let imported = status.as_str() == "Imported";
                        let state = AccountCheckOutcome::Checked(status.clone()).label();
                        (Ok(state), imported == (outcome == "imported"))
                    }
                    Some(other) => (Err(failure_text(other)), false),
                    None => (Err("no result for it".to_owned()), false),
                };
                checked.push(Checked {
                    key,
                    outcome,
                    state,
                    consistent,
                });
            }
        }
        checked
    }
}

/// `1 pair`, `2 pairs`.
fn items<K: Kind>(n: impl Into<u64>) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { K::ONE } else { K::NOUN })
}

/// `1 request`, `2 requests`.
fn requests(n: impl Into<u64>) -> String {
    let n = n.into();
    format!("{n} request{}", if n == 1 { "" } else { "s" })
}

/// Why a check failed, as Tencent put it.
fn failure_text<O: Outcome>(outcome: &O) -> String {
    match outcome.failure() {
        Some(f) => f.to_string(),
        None => outcome.label(),
    }
}

/// A validation error with its wire path (`AddFriendItem[0].Remark`) renamed to the file's
/// column (`remark`).
fn column_error(error: &ValidationError) -> String {
    let wire = error.field().rsplit('.').next().unwrap_or(error.field());
    let column = match wire {
        "To_Account" => "to",
        "From_Account" => "from",
        "Remark" => "remark",
        "GroupName" => "group",
        "AddSource" => "source",
        "AddWording" => "wording",
        "UserID" => "userid",
        "Nick" => "nick",
        "FaceUrl" => "faceurl",
        _ => return error.to_string(),
    };
    ValidationError::new(column, error.violation().clone()).to_string()
}

/// One line of the file, validated.
#[derive(Debug, Clone)]
struct Row<I> {
    line: usize,
    key: Key,
    item: I,
}

/// The name of the input (its path, or `stdin`) and its rows.
type Rows<I> = (String, Vec<Row<I>>);

/// The rows of the file, or every error in it (exit code 2, nothing sent).
fn rows<K: Kind>(kind: &K, args: &ImportArgs) -> Result<Rows<K::Item>, Failure> {
    let input = input::read(&args.file)?;
    let schema = K::SCHEMA;
    let (records, mut errors) = input::parse(&input, &schema, args.format);
    let mut rows = Vec::with_capacity(records.len());
    let mut seen: HashMap<Key, usize> = HashMap::with_capacity(records.len());
    for record in records {
        let line = record.line;
        match kind.item(record) {
            Ok((key, item)) => {
                if let Some(first) = seen.get(&key) {
                    let what = match &key.from {
                        Some(_) => format!("the pair {key}"),
                        None => format!("userid {key}"),
                    };
                    errors.push(LineError::new(line, format!("{what} repeats line {first}")));
                    continue;
                }
                seen.insert(key.clone(), line);
                rows.push(Row { line, key, item });
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(input::failure(&input.name, errors));
    }
    if rows.is_empty() {
        return Err(Failure::usage(format!(
            "{}: no {} to import",
            input.name,
            K::NOUN
        )));
    }
    Ok((input.name, rows))
}

/// The requests to make, in the order they are sent: the items grouped by sender (in the order
/// senders first appear, each sender's in file order) and cut at the item cap; then taken round
/// by round, each sender's first request, then each one's second, and so on, so that one
/// sender's requests (which go one after the other) do not fill every slot of `--concurrency`.
fn plan<K: Kind>(rows: Vec<Row<K::Item>>, cap: usize) -> Vec<Vec<Row<K::Item>>> {
    let mut groups: Vec<Vec<Vec<Row<K::Item>>>> = Vec::new();
    let mut index: HashMap<Option<String>, usize> = HashMap::new();
    for row in rows {
        let sender = K::sender(&row.item).map(str::to_owned);
        let i = *index.entry(sender).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        let chunks = &mut groups[i];
        match chunks.last_mut() {
            Some(chunk) if chunk.len() < cap => chunk.push(row),
            _ => chunks.push(vec![row]),
        }
    }
    let mut rounds: Vec<std::vec::IntoIter<Vec<Row<K::Item>>>> =
        groups.into_iter().map(Vec::into_iter).collect();
    let mut plan = Vec::new();
    loop {
        let before = plan.len();
        plan.extend(rounds.iter_mut().filter_map(Iterator::next));
        if plan.len() == before {
            return plan;
        }
    }
}

/// An item that did not end well, for the summary and `--report`.
#[derive(Debug, Clone)]
struct Failed {
    line: usize,
    entry: Entry,
}

/// The outcomes of the whole file: from the journal and from this run.
#[derive(Debug, Default)]
struct Tally {
    /// Outcome label → items, over the whole file.
    counts: BTreeMap<String, u64>,
    /// Outcome label → items, this run.
    run: BTreeMap<String, u64>,
    failed: Vec<Failed>,
    /// Every item with an outcome, and its outcome label.
    outcomes: Vec<(Key, String)>,
}

impl Tally {
    /// Counts the outcome of `entry` (at `line` of the file), settled in this run or before.
    fn add(&mut self, line: usize, entry: Entry, this_run: bool) {
        *self.counts.entry(entry.outcome.clone()).or_default() += 1;
        if this_run {
            *self.run.entry(entry.outcome.clone()).or_default() += 1;
        }
        self.outcomes
            .push((entry.key.clone(), entry.outcome.clone()));
        if entry.outcome == "failed" {
            self.failed.push(Failed { line, entry });
        }
    }

    /// `added 3 · pending 1 · failed 2`, this run's, for the progress bar.
    fn run_text(&self, labels: &[&str]) -> String {
        let parts: Vec<String> = labels
            .iter()
            .filter_map(|l| self.run.get(*l).map(|n| format!("{l} {n}")))
            .collect();
        parts.join(" · ")
    }

    /// How many items have an outcome.
    fn settled(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// How the sending ended.
#[derive(Debug)]
enum End {
    /// Every item was fed and reported.
    Done,
    /// The first Ctrl-C: no new items were fed; the requests made finished.
    Interrupted,
    /// The second Ctrl-C: the requests in flight were abandoned.
    Abandoned,
    /// A request failed with a configuration or credentials error: the next would too.
    Config(Failure),
    /// The journal could not be written.
    Journal(Failure),
}

/// What a run sent.
#[derive(Debug)]
struct Sent {
    /// Items reported this run.
    items: u64,
    /// Requests made this run (resends included).
    requests: u64,
    /// From the first request to the last report.
    elapsed: Duration,
    /// Why the sending ended.
    end: End,
}

/// Reads and validates the file, skips what the journal holds, sends the rest, verifies,
/// writes the report and the summary; the exit code.
async fn import<K: Kind>(
    kind: K,
    args: &ImportArgs,
    global: &GlobalArgs,
    out: Out,
) -> Result<Exit, Failure> {
    let (source, rows) = rows(&kind, args)?;
    let total = rows.len();
    let loaded = match &args.journal {
        Some(path) => journal::load(path, K::COMMAND)?,
        None => journal::Loaded::default(),
    };
    let mut tally = Tally::default();
    let mut lines: HashMap<Key, usize> = HashMap::with_capacity(total);
    let mut to_send = Vec::with_capacity(total);
    for row in rows {
        lines.insert(row.key.clone(), row.line);
        match loaded.entries.get(&row.key) {
            Some(entry) => tally.add(row.line, entry.clone(), false),
            None => to_send.push(row),
        }
    }
    let before = tally.settled();
    let stray = (loaded.entries.len() as u64).saturating_sub(before);
    if stray > 0 {
        eprintln!(
            "warning: the journal holds {stray} {} that are not in {source}: is it this import's journal?",
            K::NOUN
        );
    }
    let cap = K::ENDPOINT.max_items().unwrap_or(1);
    let plan = plan::<K>(to_send, cap);
    if args.dry_run {
        dry_run(
            &kind,
            &source,
            total,
            args.journal.as_ref().map(|_| before),
            &plan,
            out,
        );
        return Ok(Exit::Success);
    }

    let client = global.client()?;
    let mut journal = match &args.journal {
        Some(path) => Some(Journal::open(path, K::COMMAND, &loaded)?),
        None => None,
    };
    let to_send: usize = plan.iter().map(Vec::len).sum();
    let progress = Progress::new(to_send as u64, K::NOUN, !args.no_progress);
    let sent = send(
        &kind,
        &client,
        plan,
        args,
        &lines,
        &mut tally,
        journal.as_mut(),
        &progress,
        out,
    )
    .await;
    progress.finish();
    let synced = journal.as_mut().map(Journal::sync).transpose();

    let stopped = !matches!(sent.end, End::Done);
    let mut verify_interrupted = false;
    let verified = if args.verify && !stopped {
        let keys = tally.outcomes.clone();
        // Ctrl-C is this process's own now (see `send`): it stops the verification.
        tokio::select! {
            checked = kind.verify(&client, keys, usize::from(args.concurrency)) => Some(checked),
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted: the verification was stopped");
                verify_interrupted = true;
                None
            }
        }
    } else {
        None
    };
    if let Some(path) = &args.report {
        write_report::<K>(path, &tally.failed)?;
    }
    summary::<K>(
        &source,
        total,
        before,
        &tally,
        &sent,
        &lines,
        verified.as_deref(),
        args,
        out,
    );
    if stopped {
        resume_hint::<K>(args, total as u64, tally.settled(), &sent.end);
    }
    synced?;
    match sent.end {
        End::Config(failure) | End::Journal(failure) => return Err(failure),
        End::Interrupted | End::Abandoned => return Ok(Exit::Interrupted),
        End::Done if verify_interrupted => return Ok(Exit::Interrupted),
        End::Done => {}
    }
    let mismatched = verified
        .as_ref()
        .is_some_and(|v| v.iter().any(|c| !c.consistent));
    if tally.failed.is_empty() && !mismatched {
        Ok(Exit::Success)
    } else {
        Ok(Exit::Partial)
    }
}

/// Feeds the plan to the bulk stream and settles each report as it arrives.
#[allow(clippy::too_many_arguments)]
async fn send<K: Kind>(
    kind: &K,
    client: &Client,
    plan: Vec<Vec<Row<K::Item>>>,
    args: &ImportArgs,
    lines: &HashMap<Key, usize>,
    tally: &mut Tally,
    mut journal: Option<&mut Journal>,
    progress: &Progress,
    out: Out,
) -> Sent {
    let started = Instant::now();
    let mut sent = Sent {
        items: 0,
        requests: 0,
        elapsed: Duration::ZERO,
        end: End::Done,
    };
    // Each request of the plan is a bulk stream of its own (one sender, at most the cap: one
    // request, and its resends), `--concurrency` of them at once. Fed the whole file, the bulk
    // stream would hold up to `max_buffered` items in partly filled requests and send them all
    // once its input ends: a Ctrl-C could not stop it short of them.
    let feeding = Arc::new(AtomicBool::new(true));
    let requests = {
        let feeding = Arc::clone(&feeding);
        tencent_im::stream::iter(plan)
            .take_while(move |_| std::future::ready(feeding.load(Ordering::SeqCst)))
    };
    let reports = requests
        .map(|chunk| {
            let items = chunk.into_iter().map(|row| row.item).collect::<Vec<_>>();
            let reports = kind.bulk(
                client,
                tencent_im::stream::iter(items),
                BulkOptions::default().concurrency(1),
            );
            reports.collect::<Vec<_>>()
        })
        .buffer_unordered(usize::from(args.concurrency));
    let mut reports = pin!(reports.flat_map(tencent_im::stream::iter));
    let mut interrupt = pin!(tokio::signal::ctrl_c());
    let mut signals = true;
    loop {
        tokio::select! {
            next = reports.next() => {
                let Some(report) = next else { break };
                sent.items += report.items.len() as u64;
                sent.requests += report.requests.len() as u64;
                if let Some(stop) = settle::<K>(&report, lines, tally, journal.as_deref_mut(), progress, out) {
                    feeding.store(false, Ordering::SeqCst);
                    if matches!(sent.end, End::Done | End::Interrupted) {
                        sent.end = stop;
                    }
                }
            }
            signal = &mut interrupt, if signals => {
                if signal.is_err() {
                    // No Ctrl-C handler on this system: the default (stop at once) stays.
                    signals = false;
                    continue;
                }
                if matches!(sent.end, End::Interrupted) {
                    sent.end = End::Abandoned;
                    break;
                }
                feeding.store(false, Ordering::SeqCst);
                if matches!(sent.end, End::Done) {
                    sent.end = End::Interrupted;
                }
                progress.suspend(|| {
                    eprintln!(
                        "interrupted: no more {} are sent; waiting for the requests already made (Ctrl-C again to stop at once)",
                        K::NOUN
                    );
                });
                interrupt.set(tokio::signal::ctrl_c());
            }
        }
    }
    sent.elapsed = started.elapsed();
    sent
}

/// Records one report: journal, tally, progress, JSON line. Returns why to stop feeding, if the
/// report says so.
fn settle<K: Kind>(
    report: &Report<K::Outcome>,
    lines: &HashMap<Key, usize>,
    tally: &mut Tally,
    mut journal: Option<&mut Journal>,
    progress: &Progress,
    out: Out,
) -> Option<End> {
    let request_failed = report.requests.iter().any(|r| r.error.is_some());
    let mut config = None;
    for item in &report.items {
        let key = Key {
            from: report.from.clone(),
            account: item.account.clone(),
        };
        let failure = item.outcome.failure();
        let code = failure.and_then(|f| f.code).map(|c| c.get());
        // Settled: an outcome that sending the item again would not change. A failure is
        // settled only when Tencent gave the item a permanent code of its own (not the code of
        // a whole request that failed): a network error, a busy server or a wrong key leaves
        // the item to be sent again on resume.
        let settled = match failure {
            None => true,
            Some(f) => !request_failed && f.code.is_some() && f.class() == ErrorClass::Permanent,
        };
        if request_failed && code.is_some_and(|c| (70001..=70020).contains(&c)) {
            config = Some(code);
        }
        let entry = Entry {
            key,
            outcome: item.outcome.label(),
            code,
            info: failure.map(|f| f.info.clone()),
        };
        if settled {
            if let Some(journal) = journal.as_deref_mut() {
                journal.record(&entry);
            }
        }
        let line = lines.get(&entry.key).copied().unwrap_or(0);
        tally.add(line, entry, true);
    }
    let mut stop = None;
    if let Some(journal) = journal {
        if let Err(e) = journal.flush() {
            stop = Some(End::Journal(e));
        }
    }
    progress.advance(report.items.len() as u64, tally.run_text(K::LABELS));
    if out.json {
        let mut document = report_json(report);
        document["kind"] = json!("report");
        out.emit(&document, "");
    } else {
        for r in report.requests.iter().filter(|r| r.error.is_some()) {
            progress.suspend(|| {
                let request = match r.random {
                    Some(random) => format!("request random {random}"),
                    None => "a request".to_owned(),
                };
                eprintln!(
                    "{request} failed ({}): {}",
                    items::<K>(r.items as u64),
                    r.error.as_deref().unwrap_or_default()
                );
            });
        }
    }
    if let Some(code) = config {
        let random = report.requests.iter().find(|r| r.error.is_some());
        let mut failure = Failure::config(format!(
            "a request failed with code {}: {}; no more {} are sent (check the SDKAppID, identifier and secret key)",
            code.unwrap_or_default(),
            random.and_then(|r| r.error.as_deref()).unwrap_or_default(),
            K::NOUN
        ));
        failure.random = random.and_then(|r| r.random);
        return Some(End::Config(failure));
    }
    stop
}

/// The requests of a plan by sender, each with its number in the order they are sent.
type BySender<'a, I> = Vec<(Option<String>, Vec<(usize, &'a Vec<Row<I>>)>)>;

/// `--dry-run`: the requests the import would make, per sender and per request; `before` is
/// how many items the journal holds, if there is one.
fn dry_run<K: Kind>(
    kind: &K,
    source: &str,
    total: usize,
    before: Option<u64>,
    plan: &[Vec<Row<K::Item>>],
    out: Out,
) {
    let pending: usize = plan.iter().map(Vec::len).sum();
    // Requests numbered in the order they are sent, listed by sender.
    let mut senders: BySender<'_, K::Item> = Vec::new();
    let mut index: HashMap<Option<String>, usize> = HashMap::new();
    for (n, chunk) in plan.iter().enumerate() {
        let sender = chunk
            .first()
            .and_then(|r| K::sender(&r.item))
            .map(str::to_owned);
        let i = *index.entry(sender.clone()).or_insert_with(|| {
            senders.push((sender, Vec::new()));
            senders.len() - 1
        });
        senders[i].1.push((n + 1, chunk));
    }
    if out.json {
        for (sender, requests) in &senders {
            for (n, chunk) in requests {
                let items: Vec<K::Item> = chunk.iter().map(|r| r.item.clone()).collect();
                let lines: Vec<usize> = chunk.iter().map(|r| r.line).collect();
                out.emit(
                    &json!({
                        "kind": "request",
                        "request": n,
                        "from": sender,
                        "items": chunk.len(),
                        "lines": lines,
                        "body": kind.request(&items),
                    }),
                    "",
                );
            }
        }
        out.emit(
            &json!({
                "kind": "summary",
                "command": K::COMMAND,
                "dry_run": true,
                "file": source,
                "total": total,
                "settled_before": before.unwrap_or(0),
                "to_send": pending,
                "requests": plan.len(),
            }),
            "",
        );
        return;
    }
    let settled = match before {
        Some(n) => format!(", {n} settled before (in the journal)"),
        None => String::new(),
    };
    let mut text = format!(
        "dry run of {source}: {}{settled}, {} to send in {}; nothing was sent\n",
        items::<K>(total as u64),
        items::<K>(pending as u64),
        requests(plan.len() as u64),
    );
    for (sender, chunks) in &senders {
        if let Some(sender) = sender {
            let count: usize = chunks.iter().map(|(_, c)| c.len()).sum();
            text.push_str(&format!(
                "{sender}: {}, {}\n",
                items::<K>(count as u64),
                requests(chunks.len() as u64)
            ));
        }
        for (n, chunk) in chunks {
            let accounts: Vec<&str> = chunk.iter().map(|r| r.key.account.as_str()).collect();
            text.push_str(&format!(
                "  request {n} ({}): {}\n",
                items::<K>(chunk.len() as u64),
                accounts.join(", ")
            ));
        }
    }
    out.emit(&Value::Null, text);
}

/// The summary on stdout: counts by outcome over the whole file, this run's rate, the failures
/// (or where they were written) and the verification.
#[allow(clippy::too_many_arguments)]
fn summary<K: Kind>(
    source: &str,
    total: usize,
    before: u64,
    tally: &Tally,
    sent: &Sent,
    lines: &HashMap<Key, usize>,
    verified: Option<&[Checked]>,
    args: &ImportArgs,
    out: Out,
) {
    let seconds = sent.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        sent.items as f64 / seconds
    } else {
        0.0
    };
    let not_sent = (total as u64).saturating_sub(tally.settled());
    let mismatches: Vec<&Checked> = verified
        .unwrap_or_default()
        .iter()
        .filter(|c| !c.consistent)
        .collect();
    let line_of = |key: &Key| lines.get(key).copied().unwrap_or(0);
    if out.json {
        for c in &mismatches {
            let mut document = key_json(&c.key);
            document["kind"] = json!("mismatch");
            document["line"] = json!(line_of(&c.key));
            document["outcome"] = json!(c.outcome);
            match &c.state {
                Ok(state) => document["state"] = json!(state),
                Err(e) => document["error"] = json!(e),
            }
            out.emit(&document, "");
        }
        let outcomes: serde_json::Map<String, Value> = K::LABELS
            .iter()
            .map(|l| {
                (
                    (*l).to_owned(),
                    json!(tally.counts.get(*l).copied().unwrap_or(0)),
                )
            })
            .collect();
        let document = json!({
            "kind": "summary",
            "command": K::COMMAND,
            "file": source,
            "total": total,
            "outcomes": outcomes,
            "not_sent": not_sent,
            "settled_before": before,
            "sent": sent.items,
            "requests": sent.requests,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "per_second": (rate * 10.0).round() / 10.0,
            "interrupted": !matches!(sent.end, End::Done),
            "journal": args.journal.as_ref().map(|p| p.display().to_string()),
            "report": args.report.as_ref().map(|p| p.display().to_string()),
            "verify": verified.map(|v| json!({
                "checked": v.len(),
                "mismatched": v.iter().filter(|c| !c.consistent && c.state.is_ok()).count(),
                "not_checked": v.iter().filter(|c| c.state.is_err()).count(),
            })),
        });
        out.emit(&document, "");
        return;
    }
    let mut text = format!("{} of {source}: {}\n", K::COMMAND, items::<K>(total as u64));
    for label in K::LABELS {
        let n = tally.counts.get(*label).copied().unwrap_or(0);
        text.push_str(&format!("  {label:<16} {n:>8}\n"));
    }
    if not_sent > 0 {
        text.push_str(&format!("  {:<16} {not_sent:>8}\n", "not sent"));
    }
    text.push_str(&format!(
        "this run: {} in {}, {seconds:.1} s, {rate:.1} {}/s",
        items::<K>(sent.items),
        requests(sent.requests),
        K::NOUN
    ));
    if let Some(path) = &args.journal {
        text.push_str(&format!(
            "; {before} settled before (journal {})",
            path.display()
        ));
    }
    text.push('\n');
    if !tally.failed.is_empty() {
        let mut failed = tally.failed.clone();
        failed.sort_by_key(|f| f.line);
        match &args.report {
            Some(path) => text.push_str(&format!(
                "{} failed: written to {}\n",
                items::<K>(failed.len() as u64),
                path.display()
            )),
            None => {
                text.push_str(&format!("{} failed:\n", items::<K>(failed.len() as u64)));
                for f in failed.iter().take(input::MAX_ERRORS_SHOWN) {
                    text.push_str(&format!(
                        "  line {}: {}: {}\n",
                        f.line,
                        f.entry.key,
                        failure_summary(&f.entry)
                    ));
                }
                if failed.len() > input::MAX_ERRORS_SHOWN {
                    text.push_str(&format!(
                        "  … and {} more (--report PATH writes them all)\n",
                        failed.len() - input::MAX_ERRORS_SHOWN
                    ));
                }
            }
        }
    }
    if let Some(verified) = verified {
        let not_checked = verified.iter().filter(|c| c.state.is_err()).count();
        text.push_str(&format!(
            "verify: {} checked, {} mismatched, {not_checked} not checked\n",
            items::<K>(verified.len() as u64),
            mismatches.len() - not_checked,
        ));
        let mut shown = mismatches.clone();
        shown.sort_by_key(|c| line_of(&c.key));
        for c in shown.iter().take(input::MAX_ERRORS_SHOWN) {
            let outcome = &c.outcome;
            match &c.state {
                Ok(state) => text.push_str(&format!(
                    "  line {}: {}: {outcome}, but the server says {state}\n",
                    line_of(&c.key),
                    c.key
                )),
                Err(e) => text.push_str(&format!(
                    "  line {}: {}: {outcome}, not checked: {e}\n",
                    line_of(&c.key),
                    c.key
                )),
            }
        }
        if shown.len() > input::MAX_ERRORS_SHOWN {
            text.push_str(&format!(
                "  … and {} more\n",
                shown.len() - input::MAX_ERRORS_SHOWN
            ));
        }
    }
    out.emit(&Value::Null, text);
}

/// `failed (code 30516: Err_SNS_FriendAdd_Deny_Any)`.
fn failure_summary(entry: &Entry) -> String {
    match (entry.code, entry.info.as_deref()) {
        (Some(code), Some(info)) => format!("failed (code {code}: {info})"),
        (Some(code), None) => format!("failed (code {code})"),
        (None, Some(info)) => format!("failed ({info})"),
        (None, None) => "failed".to_owned(),
    }
}

/// `{"from": …, "to": …}` or `{"userid": …}`.
fn key_json(key: &Key) -> Value {
    match &key.from {
        Some(from) => json!({"from": from, "to": key.account}),
        None => json!({"userid": key.account}),
    }
}

/// `--report`: every item that did not end well, in line order, as CSV.
fn write_report<K: Kind>(path: &Path, failed: &[Failed]) -> Result<(), Failure> {
    let mut failed = failed.to_vec();
    failed.sort_by_key(|f| f.line);
    let mut text = String::from("line,");
    text.push_str(&K::KEY_COLUMNS.join(","));
    text.push_str(",outcome,code,info\n");
    for f in &failed {
        let mut fields = vec![f.line.to_string()];
        if let Some(from) = &f.entry.key.from {
            fields.push(csv_field(from));
        }
        fields.push(csv_field(&f.entry.key.account));
        fields.push(csv_field(&f.entry.outcome));
        fields.push(f.entry.code.map(|c| c.to_string()).unwrap_or_default());
        fields.push(csv_field(f.entry.info.as_deref().unwrap_or_default()));
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| Failure::usage(format!("cannot write the report {}: {e}", path.display())))
}

/// A CSV field, quoted when it needs to be.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// After a stop: how many items are settled and the command that resumes, on stderr.
fn resume_hint<K: Kind>(args: &ImportArgs, total: u64, settled: u64, end: &End) {
    let why = match end {
        End::Done => return,
        End::Interrupted => "interrupted",
        End::Abandoned => "stopped at once (the requests in flight were abandoned)",
        End::Config(_) => "stopped by a configuration error",
        End::Journal(_) => "stopped: the journal cannot be written",
    };
    let mut text = format!("{why}: {settled} of {} have an outcome", items::<K>(total));
    if args.journal.is_some() {
        text.push_str(&format!(
            "; the journal holds those settled. Resume with the same command:\n  {}",
            command_line()
        ));
        if args.file == "-" {
            text.push_str("\n(with the same input on stdin)");
        }
    } else {
        text.push_str(&format!(
            "; without --journal nothing recorded them: the same command sends every {} again (add --journal PATH to make an import resumable)",
            K::ONE
        ));
    }
    eprintln!("{text}");
}

/// This process's command line, quoted for a POSIX shell, the secret key replaced by the
/// variable that can hold it.
fn command_line() -> String {
    quote_command(std::env::args_os().map(|a| a.to_string_lossy().into_owned()))
}

/// `args` quoted for a POSIX shell, the value of `--secret-key` replaced by
/// `"$TIM_SECRET_KEY"`.
fn quote_command(args: impl IntoIterator<Item = String>) -> String {
    let mut words = Vec::new();
    let mut secret_next = false;
    for arg in args {
        if secret_next {
            words.push("\"$TIM_SECRET_KEY\"".to_owned());
            secret_next = false;
            continue;
        }
        if arg == "--secret-key" {
            secret_next = true;
            words.push(arg);
        } else if arg.starts_with("--secret-key=") {
            words.push("--secret-key=\"$TIM_SECRET_KEY\"".to_owned());
        } else {
            words.push(shell_quote(&arg));
        }
    }
    words.join(" ")
}

/// `word` as a POSIX shell reads it back: as it is when it is plain, else in single quotes.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(from: &str, to: usize) -> Row<FriendPair> {
        let to = format!("t{to}");
        Row {
            line: 0,
            key: Key::pair(from, to.clone()),
            item: FriendPair::new(from, to),
        }
    }

    #[test]
    fn plan_cuts_at_the_cap_and_takes_the_senders_in_turn() {
        let mut rows = Vec::new();
        for i in 0..7 {
            rows.push(row("a", i));
        }
        for i in 0..2 {
            rows.push(row("b", i));
        }
        for i in 0..4 {
            rows.push(row("c", i));
        }
        rows.push(row("a", 7));
        let plan = plan::<Friends>(rows, 3);
        let shape: Vec<(String, usize)> = plan
            .iter()
            .map(|c| (c[0].item.from.clone(), c.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("a".into(), 3),
                ("b".into(), 2),
                ("c".into(), 3),
                ("a".into(), 3),
                ("c".into(), 1),
                ("a".into(), 2),
            ]
        );
        let last: Vec<&str> = plan[5].iter().map(|r| r.key.account.as_str()).collect();
        assert_eq!(last, ["t6", "t7"]);
    }

    #[test]
    fn the_resume_command_never_shows_the_key() {
        let args = [
            "tim",
            "--secret-key",
            "s3cret",
            "friend",
            "import",
            "my pairs.csv",
            "--secret-key=s3cret",
            "--journal",
            "j",
        ];
        assert_eq!(
            quote_command(args.map(String::from)),
            "tim --secret-key \"$TIM_SECRET_KEY\" friend import 'my pairs.csv' --secret-key=\"$TIM_SECRET_KEY\" --journal j"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("pairs.csv"), "pairs.csv");
        assert_eq!(shell_quote("my file's.csv"), "'my file'\\''s.csv'");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn validation_errors_name_the_column() {
        let kind = Friends {
            single: false,
            force: false,
        };
        let record = |values: [Option<&str>; 6]| Record {
            line: 7,
            values: values.iter().map(|v| v.map(str::to_owned)).collect(),
        };
        let err = kind
            .item(record([
                Some("alice"),
                Some("bob"),
                Some(&"r".repeat(97)),
                None,
                None,
                None,
            ]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 7: remark is 97 bytes long, over the limit of 96 bytes"
        );
        let err = kind
            .item(record([
                Some("alice"),
                Some("bob"),
                None,
                None,
                Some("Web!"),
                None,
            ]))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("line 7: source must be"),
            "{err}"
        );
        let err = kind
            .item(record([
                Some(&"x".repeat(33)),
                Some("bob"),
                None,
                None,
                None,
                None,
            ]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 7: from is 33 bytes long, over the limit of 32 bytes"
        );
        let (key, pair) = kind
            .item(record([
                Some("alice"),
                Some("bob"),
                None,
                None,
                Some("Web"),
                None,
            ]))
            .unwrap();
        assert_eq!(key, Key::pair("alice", "bob"));
        assert_eq!(pair.item.add_source, "AddSource_Type_Web");
    }
}
