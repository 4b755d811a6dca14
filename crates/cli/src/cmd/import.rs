//! `tim friend import FILE` and `tim account import FILE`: bulk imports through the facade's
//! bulk streams (`friend_add_all`, `import_accounts_all`), resumable from a journal.
//!
//! The whole file is read and validated before anything is sent (a bad line is reported with
//! its number and field, and nothing is sent). The items the journal holds as settled are
//! skipped; the others are grouped into requests as the file is read again (see [`Feeder`]),
//! each sent through a bulk stream of its own, `--concurrency` at once; each report is written
//! to the journal as it arrives. The first Ctrl-C stops starting requests and lets those in
//! flight finish; the second stops at once.
//!
//! Memory does not hold the file: the first reading keeps 32 bytes per record (fingerprints of
//! its key and sender, its line: 32 MB for a million pairs), freed once the journal is read; the
//! sending holds two bits per line and the requests in flight or waiting (see [`send`]), the
//! failures and, with `--verify`, every item's outcome.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::hash::{BuildHasher as _, RandomState};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
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
    ItemOutcome as _, Rate, Relation, Report, StreamExt as _, TokenBucket, Unlimited,
    ValidationError,
};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::config::GlobalArgs;
use crate::input::{self, Errors, Format, LineError, Record, Records, Schema, Source};
use crate::journal::{self, Entry, EntryRef, Journal, Key};
use crate::output::{Exit, Failure, Out, Outcome, names_request, report_json, request_id};
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
    /// At most R requests per second to the import's endpoint (friend_add or
    /// multiaccount_import); 0 for no limit on any endpoint (an emulator started with
    /// `--rate-limit 0`). Default: Tencent's documented rates (200/s for friend_add, 100/s for
    /// multiaccount_import), or the fleet's with --redis.
    #[arg(long, value_name = "R")]
    rate: Option<u32>,
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
trait Kind: Copy + Send + Sync + 'static {
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

    /// The item of a record, validated; or what is wrong with it.
    fn item(&self, record: Record) -> Result<Self::Item, LineError>;

    /// The sender whose items share a request (friend pairs), or `None` (accounts).
    fn sender(item: &Self::Item) -> Option<&str>;

    /// The item's target (friend pairs) or UserID (accounts).
    fn account(item: &Self::Item) -> &str;

    /// The item's key in the journal.
    fn key(item: &Self::Item) -> Key {
        Key {
            from: Self::sender(item).map(str::to_owned),
            account: Self::account(item).to_owned(),
        }
    }

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
#[derive(Debug, Clone, Copy)]
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

    fn item(&self, record: Record) -> Result<FriendPair, LineError> {
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
        // Validated as it is sent: with the client's default source when it has none.
        let defaulted = item.add_source.is_empty();
        if defaulted {
            item.add_source = DEFAULT_ADD_SOURCE.to_owned();
        }
        let valid = item.validate(0);
        if defaulted {
            item.add_source = String::new();
        }
        valid.map_err(|e| LineError::new(line, column_error(&e)))?;
        let mut pair = FriendPair::with_item(from, item);
        if self.single {
            pair = pair.single();
        }
        if self.force {
            pair = pair.force();
        }
        Ok(pair)
    }

    fn sender(item: &FriendPair) -> Option<&str> {
        Some(&item.from)
    }

    fn account(item: &FriendPair) -> &str {
        &item.item.to_account
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
#[derive(Debug, Clone, Copy)]
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

    fn item(&self, record: Record) -> Result<AccountItem, LineError> {
        let line = record.line;
        let mut values = record.values.into_iter();
        let mut next = || values.next().flatten();
        let mut item = AccountItem::new(next().unwrap_or_default());
        item.nick = next();
        item.face_url = next();
        item.validate(0)
            .map_err(|e| LineError::new(line, column_error(&e)))?;
        Ok(item)
    }

    fn sender(_: &AccountItem) -> Option<&str> {
        None
    }

    fn account(item: &AccountItem) -> &str {
        &item.user_id
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
                    Some(checked @ AccountCheckOutcome::Checked(_)) => (
                        Ok(checked.label()),
                        checked.is_imported() == (outcome == "imported"),
                    ),
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

/// The stderr line of a request of `size` (`1 pair`) that failed with `error`: `a request of 1
/// pair failed: sns/friend_add failed: API error 70009 (random N, host H, attempts 1)`. The
/// library's error names the request it was sent as, so it is named once; a request never sent
/// (`not sent`), or an error that does not name it, is named before the error.
fn failed_request_line(size: &str, random: Option<u32>, host: Option<&str>, error: &str) -> String {
    match random {
        Some(random) if names_request(error, random) => {
            format!("a request of {size} failed: {error}")
        }
        _ => format!(
            "a request of {size} failed ({}): {error}",
            request_id(random, host)
        ),
    }
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

/// Fingerprints of keys and senders, under keys drawn at random for this run (SipHash): 128
/// bits for an item's key, so that two keys of one file or journal never share one (about 2^-128
/// for a pair of keys, and not steerable without the run's keys), 64 bits for a sender.
#[derive(Debug, Clone)]
struct Fingerprints {
    a: RandomState,
    b: RandomState,
}

impl Fingerprints {
    fn new() -> Self {
        Self {
            a: RandomState::new(),
            b: RandomState::new(),
        }
    }

    /// The fingerprint of the key (`from`, `account`).
    fn key(&self, from: Option<&str>, account: &str) -> [u64; 2] {
        [
            self.a.hash_one((from, account)),
            self.b.hash_one((from, account)),
        ]
    }

    /// The fingerprint of a sender (or of `None`, for accounts).
    fn sender(&self, from: Option<&str>) -> u64 {
        self.a.hash_one(from)
    }

    /// The fingerprint of a target or UserID within one request.
    fn account(&self, account: &str) -> u64 {
        self.b.hash_one(account)
    }
}

/// A valid record of the file, as the first reading keeps it: 32 bytes, whatever its fields.
#[derive(Debug, Clone, Copy)]
struct Seen {
    key: [u64; 2],
    sender: u64,
    line: u32,
    /// Its outcome in the journal: 0 for none, else 1 + its index in the journal's labels.
    settled: u8,
}

/// A set of line numbers.
#[derive(Debug)]
struct Lines(Vec<u64>);

impl Lines {
    /// An empty set for lines up to `max`.
    fn new(max: usize) -> Self {
        Self(vec![0; max / 64 + 1])
    }

    fn insert(&mut self, line: usize) {
        if let Some(word) = self.0.get_mut(line / 64) {
            *word |= 1 << (line % 64);
        }
    }

    fn contains(&self, line: usize) -> bool {
        self.0
            .get(line / 64)
            .is_some_and(|word| word & (1 << (line % 64)) != 0)
    }
}

/// The first reading: validates every record and finds the repeated keys; the fingerprints of
/// the valid records, or every error in the file (exit code 2, nothing sent).
fn scan<K: Kind>(
    kind: &K,
    source: &Source,
    format: Format,
    fingerprints: &Fingerprints,
) -> Result<Vec<Seen>, Failure> {
    let mut errors = Errors::default();
    let mut seen = Vec::new();
    let mut records = source.records(K::SCHEMA, format)?;
    for record in records.by_ref() {
        let item = record.and_then(|record| {
            let line = record.line;
            kind.item(record).map(|item| (line, item))
        });
        match item {
            Ok((line, item)) => {
                let line = u32::try_from(line).map_err(|_| {
                    Failure::usage(format!(
                        "{}: over {} lines; split it",
                        source.name(),
                        u32::MAX
                    ))
                })?;
                let sender = K::sender(&item);
                seen.push(Seen {
                    key: fingerprints.key(sender, K::account(&item)),
                    sender: fingerprints.sender(sender),
                    line,
                    settled: 0,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    records.finish()?;

    // A key repeated: every line after its first is an error.
    seen.sort_unstable_by_key(|s| (s.key, s.line));
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for run in seen.chunk_by(|a, b| a.key == b.key) {
        let first = run[0].line as usize;
        repeats.extend(run[1..].iter().map(|s| (s.line as usize, first)));
    }
    if !repeats.is_empty() {
        // The messages name the keys of those shown: read their lines again.
        repeats.sort_unstable();
        let shown: HashMap<usize, usize> = repeats
            .iter()
            .take(input::MAX_ERRORS_SHOWN)
            .copied()
            .collect();
        let mut keys: HashMap<usize, Key> = HashMap::with_capacity(shown.len());
        let mut records = source.records(K::SCHEMA, format)?;
        for record in records.by_ref().flatten() {
            if shown.contains_key(&record.line) {
                let line = record.line;
                if let Ok(item) = kind.item(record) {
                    keys.insert(line, K::key(&item));
                }
            }
        }
        records.finish()?;
        for (line, first) in repeats {
            let what = match keys.get(&line) {
                Some(key @ Key { from: Some(_), .. }) => format!("the pair {key}"),
                Some(key) => format!("userid {key}"),
                None => format!("the {}", K::ONE),
            };
            errors.push(LineError::new(line, format!("{what} repeats line {first}")));
        }
    }
    if !errors.is_empty() {
        return Err(errors.failure(source.name()));
    }
    if seen.is_empty() {
        return Err(Failure::usage(format!(
            "{}: no {} to import",
            source.name(),
            K::NOUN
        )));
    }
    Ok(seen)
}

/// What the journal holds of the file.
#[derive(Debug, Default)]
struct Settled {
    /// Where the journal stands, to append to it.
    loaded: journal::Loaded,
    /// Items of the file the journal holds as settled.
    before: u64,
    /// Entries of the journal for items that are not in the file.
    stray: u64,
}

/// Reads the journal at `path`: marks the records of `seen` (sorted by key) it holds as
/// settled, and counts their outcomes in `tally`.
fn read_journal<K: Kind>(
    path: &Path,
    seen: &mut [Seen],
    fingerprints: &Fingerprints,
    tally: &mut Tally,
) -> Result<Settled, Failure> {
    let mut labels: Vec<String> = Vec::new();
    // The entries kept whole: failures (for the summary and --report) and, with --verify,
    // every entry; by index in `seen`.
    let mut kept: HashMap<usize, Entry> = HashMap::new();
    let keep_all = tally.outcomes.is_some();
    let mut stray = 0u64;
    let mut too_many_labels = false;
    let loaded = journal::load(path, K::COMMAND, |entry| {
        let key = fingerprints.key(entry.from, entry.account);
        let Ok(i) = seen.binary_search_by_key(&key, |s| s.key) else {
            stray += 1;
            return;
        };
        let label = match labels.iter().position(|l| l == entry.outcome) {
            Some(label) => label,
            None => {
                labels.push(entry.outcome.to_owned());
                labels.len() - 1
            }
        };
        let Ok(label) = u8::try_from(label + 1) else {
            too_many_labels = true;
            return;
        };
        seen[i].settled = label;
        if keep_all || entry.outcome == "failed" {
            kept.insert(i, entry.to_entry());
        } else if !kept.is_empty() {
            // A later entry of the key holds.
            kept.remove(&i);
        }
    })?;
    if too_many_labels {
        return Err(Failure::usage(format!(
            "the journal {} holds over 254 different outcomes: is it a tim journal?",
            path.display()
        )));
    }
    let mut before = 0;
    for (i, s) in seen.iter().enumerate() {
        let Some(label) = usize::from(s.settled).checked_sub(1) else {
            continue;
        };
        before += 1;
        tally.count(&labels[label], false);
        if let Some(entry) = kept.remove(&i) {
            tally.keep(s.line as usize, entry);
        }
    }
    Ok(Settled {
        loaded,
        before,
        stray,
    })
}

/// What the second reading needs to know of each line.
#[derive(Debug)]
struct Marks {
    /// The lines of the items the journal holds as settled: skipped.
    settled: Lines,
    /// The line of each sender's last item to send: its last request goes at that line.
    last: Lines,
    /// Items to send.
    pending: u64,
}

impl Marks {
    fn new(mut seen: Vec<Seen>) -> Self {
        let max = seen.iter().map(|s| s.line as usize).max().unwrap_or(0);
        let mut marks = Self {
            settled: Lines::new(max),
            last: Lines::new(max),
            pending: 0,
        };
        seen.sort_unstable_by_key(|s| (s.sender, s.line));
        for run in seen.chunk_by(|a, b| a.sender == b.sender) {
            let mut last = None;
            for s in run {
                if s.settled == 0 {
                    marks.pending += 1;
                    last = Some(s.line as usize);
                } else {
                    marks.settled.insert(s.line as usize);
                }
            }
            if let Some(line) = last {
                marks.last.insert(line);
            }
        }
        marks
    }
}

/// One request to make: one sender's items (at most the cap) in file order, with their lines.
#[derive(Debug)]
struct Chunk<I> {
    sender: Option<String>,
    items: Vec<I>,
    /// For each item: the fingerprint of its target or UserID, and its line.
    lines: Vec<(u64, u32)>,
}

/// The line of the item whose target or UserID has the fingerprint `account`, among `lines`.
fn line_of(lines: &[(u64, u32)], account: u64) -> usize {
    lines
        .iter()
        .find(|(a, _)| *a == account)
        .map_or(0, |(_, line)| *line as usize)
}

/// The second reading: the items to send, grouped into requests. Each sender's items go in file
/// order into requests of at most the cap; a request is complete when it is full or holds the
/// sender's last item to send, and comes out then.
struct Feeder<'a, K: Kind> {
    kind: K,
    records: Option<Records<'a>>,
    marks: &'a Marks,
    fingerprints: &'a Fingerprints,
    cap: usize,
    /// Requests being filled, by sender.
    open: HashMap<String, Chunk<K::Item>>,
    /// The request being filled of the items without a sender (accounts).
    open_accounts: Option<Chunk<K::Item>>,
    name: &'a str,
}

impl<'a, K: Kind> Feeder<'a, K> {
    fn new(
        kind: K,
        source: &'a Source,
        format: Format,
        marks: &'a Marks,
        fingerprints: &'a Fingerprints,
        cap: usize,
    ) -> Result<Self, Failure> {
        Ok(Self {
            kind,
            records: Some(source.records(K::SCHEMA, format)?),
            marks,
            fingerprints,
            cap: cap.max(1),
            open: HashMap::new(),
            open_accounts: None,
            name: source.name(),
        })
    }

    fn changed(&self, line: usize) -> Failure {
        Failure::usage(format!(
            "{} changed while it was imported (line {line} is not what it was): run the import again",
            self.name
        ))
    }
}

impl<K: Kind> Iterator for Feeder<'_, K> {
    type Item = Result<Chunk<K::Item>, Failure>;

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(records) = self.records.as_mut() {
            let Some(record) = records.next() else {
                let records = self.records.take()?;
                if let Err(e) = records.finish() {
                    return Some(Err(e));
                }
                break;
            };
            let record = match record {
                Ok(record) => record,
                Err(e) => return Some(Err(self.changed(e.line))),
            };
            let line = record.line;
            if self.marks.settled.contains(line) {
                continue;
            }
            let Ok(item) = self.kind.item(record) else {
                return Some(Err(self.changed(line)));
            };
            let account = self.fingerprints.account(K::account(&item));
            let new_chunk = |sender: Option<&str>| Chunk {
                sender: sender.map(str::to_owned),
                items: Vec::new(),
                lines: Vec::new(),
            };
            let (chunk, sender) = match K::sender(&item) {
                Some(sender) => {
                    if !self.open.contains_key(sender) {
                        self.open.insert(sender.to_owned(), new_chunk(Some(sender)));
                    }
                    (self.open.get_mut(sender), Some(sender))
                }
                None => (
                    Some(self.open_accounts.get_or_insert_with(|| new_chunk(None))),
                    None,
                ),
            };
            let Some(chunk) = chunk else { continue };
            chunk.lines.push((account, line as u32));
            if chunk.lines.len() < self.cap && !self.marks.last.contains(line) {
                chunk.items.push(item);
                continue;
            }
            // Complete: it comes out.
            let sender = sender.map(str::to_owned);
            chunk.items.push(item);
            let chunk = match sender {
                Some(sender) => self.open.remove(&sender),
                None => self.open_accounts.take(),
            };
            if let Some(chunk) = chunk {
                return Some(Ok(chunk));
            }
        }
        // Requests left unfinished (none, unless the file changed): they go too.
        if let Some(chunk) = self.open_accounts.take() {
            return Some(Ok(chunk));
        }
        let sender = self.open.keys().next().cloned()?;
        self.open.remove(&sender).map(Ok)
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
    /// With `--verify`: every item with an outcome, its outcome label and its line.
    outcomes: Option<Vec<(Key, String, usize)>>,
}

impl Tally {
    /// A tally that keeps every item's outcome if `verify`.
    fn new(verify: bool) -> Self {
        Self {
            outcomes: verify.then(Vec::new),
            ..Self::default()
        }
    }

    /// Counts an outcome, settled in this run or before.
    fn count(&mut self, outcome: &str, this_run: bool) {
        fn bump(counts: &mut BTreeMap<String, u64>, outcome: &str) {
            match counts.get_mut(outcome) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(outcome.to_owned(), 1);
                }
            }
        }
        bump(&mut self.counts, outcome);
        if this_run {
            bump(&mut self.run, outcome);
        }
    }

    /// Whether [`keep`](Self::keep) wants the entry of an item with `outcome`.
    fn wants(&self, outcome: &str) -> bool {
        outcome == "failed" || self.outcomes.is_some()
    }

    /// Keeps the entry of an item counted (at `line` of the file): a failure, or any with
    /// `--verify`.
    fn keep(&mut self, line: usize, entry: Entry) {
        if let Some(outcomes) = &mut self.outcomes {
            outcomes.push((entry.key.clone(), entry.outcome.clone(), line));
        }
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

    /// How many items have an outcome, settled or to send again.
    fn with_outcome(&self) -> u64 {
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
    /// The file could not be read again, or changed.
    Input(Failure),
}

impl End {
    /// Why the sending stopped before the end of the file, as the JSON summary's `stopped` says
    /// it; `None` when it did not.
    fn stopped(&self) -> Option<&'static str> {
        match self {
            Self::Done => None,
            Self::Interrupted => Some("interrupted"),
            Self::Abandoned => Some("abandoned"),
            Self::Config(_) => Some("config"),
            Self::Journal(_) => Some("journal"),
            Self::Input(_) => Some("input"),
        }
    }
}

/// How many of the file's `total` items the same command line skips as settled: those
/// `recorded` in the journal (before or during this run), none without one. The others it sends
/// again.
fn settled_of(args: &ImportArgs, total: u64, recorded: u64) -> u64 {
    if args.journal.is_some() {
        recorded.min(total)
    } else {
        0
    }
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
///
/// The file is read twice (stdin is held in memory): first to validate it whole, keeping 32
/// bytes per record (fingerprints of its key and sender, its line); then, once the journal is
/// read, to send it, a few requests ahead of those in flight. What is held for the whole run
/// is two bits per line, the failures and, with `--verify`, every item's outcome.
async fn import<K: Kind>(
    kind: K,
    args: &ImportArgs,
    global: &GlobalArgs,
    out: Out,
) -> Result<Exit, Failure> {
    let source = Arc::new(Source::open(&args.file)?);
    let fingerprints = Arc::new(Fingerprints::new());
    let mut seen = scan(&kind, &source, args.format, &fingerprints)?;
    let total = seen.len();
    let mut tally = Tally::new(args.verify);
    let settled = match &args.journal {
        Some(path) => read_journal::<K>(path, &mut seen, &fingerprints, &mut tally)?,
        None => Settled::default(),
    };
    let before = settled.before;
    if settled.stray > 0 {
        eprintln!(
            "warning: the journal holds {} {} that are not in {}: is it this import's journal?",
            settled.stray,
            K::NOUN,
            source.name()
        );
    }
    let marks = Arc::new(Marks::new(seen));
    let cap = K::ENDPOINT.max_items().unwrap_or(1);
    if args.dry_run {
        let chunks = Feeder::new(kind, &source, args.format, &marks, &fingerprints, cap)?
            .collect::<Result<Vec<_>, _>>()?;
        dry_run(
            &kind,
            source.name(),
            total,
            args.journal.as_ref().map(|_| before),
            &chunks,
            out,
        );
        return Ok(Exit::Success);
    }

    let client = client::<K>(global, args.rate)?;
    let mut journal = match &args.journal {
        Some(path) => Some(Journal::open(path, K::COMMAND, &settled.loaded)?),
        None => None,
    };
    let progress = Progress::new(marks.pending, K::NOUN, !args.no_progress);
    let feed = Feed {
        source: Arc::clone(&source),
        format: args.format,
        marks: Arc::clone(&marks),
        fingerprints: Arc::clone(&fingerprints),
        cap,
    };
    let sent = send(
        kind,
        &client,
        feed,
        args,
        &fingerprints,
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
    let verified = match &tally.outcomes {
        Some(outcomes) if !stopped => {
            let keys: Vec<(Key, String)> = outcomes
                .iter()
                .map(|(key, outcome, _)| (key.clone(), outcome.clone()))
                .collect();
            // Ctrl-C is this process's own now (see `send`): it stops the verification.
            tokio::select! {
                checked = kind.verify(&client, keys, usize::from(args.concurrency)) => Some(checked),
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("interrupted: the verification was stopped");
                    verify_interrupted = true;
                    None
                }
            }
        }
        _ => None,
    };
    if let Some(path) = &args.report {
        write_report::<K>(path, &tally.failed)?;
    }
    // Settled: in the journal, from before this run or written during it (an item whose
    // failure sending it again may change, such as those of a request refused for the
    // credentials, is not written).
    let recorded = before + journal.as_ref().map_or(0, Journal::written);
    summary::<K>(
        source.name(),
        total,
        before,
        recorded,
        &tally,
        &sent,
        verified.as_deref(),
        args,
        out,
    );
    if stopped {
        resume_hint::<K>(args, total as u64, recorded, &sent.end);
    }
    synced?;
    match sent.end {
        End::Config(failure) | End::Journal(failure) | End::Input(failure) => return Err(failure),
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

/// The client of an import: the settings' own, its rate limiter replaced when `--rate` is given.
fn client<K: Kind>(global: &GlobalArgs, rate: Option<u32>) -> Result<Client, Failure> {
    let mut builder = global.builder()?;
    match rate {
        None => {}
        Some(0) => builder = builder.rate_limiter(Arc::new(Unlimited)),
        Some(rate) => {
            builder = builder.rate_limiter(Arc::new(
                TokenBucket::new().with_rate(K::ENDPOINT, Rate::per_second(rate)),
            ));
        }
    }
    builder.build().map_err(Failure::from)
}

/// What the thread of the second reading needs.
struct Feed {
    source: Arc<Source>,
    format: Format,
    marks: Arc<Marks>,
    fingerprints: Arc<Fingerprints>,
    cap: usize,
}

impl Feed {
    /// Starts the second reading on a thread of its own; its requests (or the failure that
    /// stopped it) come out of the receiver, `ahead` at most waiting in it. It stops when the
    /// receiver is dropped.
    fn start<K: Kind>(
        self,
        kind: K,
        ahead: usize,
    ) -> mpsc::Receiver<Result<Chunk<K::Item>, Failure>> {
        let (tx, rx) = mpsc::channel(ahead.max(1));
        let spawned = std::thread::Builder::new()
            .name("tim-import-read".to_owned())
            .spawn({
                let tx = tx.clone();
                move || {
                    let feeder = Feeder::new(
                        kind,
                        &self.source,
                        self.format,
                        &self.marks,
                        &self.fingerprints,
                        self.cap,
                    );
                    let feeder = match feeder {
                        Ok(feeder) => feeder,
                        Err(e) => {
                            let _ = tx.blocking_send(Err(e));
                            return;
                        }
                    };
                    for next in feeder {
                        let failed = next.is_err();
                        if tx.blocking_send(next).is_err() || failed {
                            return;
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            let _ = tx.try_send(Err(Failure::io("cannot start a thread", &e)));
        }
        rx
    }
}

/// A request in flight: its sender and the lines of its items.
struct Flight {
    sender: Option<String>,
    lines: Vec<(u64, u32)>,
}

/// Sends the requests of the second reading, `--concurrency` at once, and settles each report as
/// it arrives. Up to twice `--concurrency` requests wait; the next to go is the first of them
/// whose sender has no request in flight (one sender's requests go one after the other: they
/// would only hold slots), so that a sender with many requests does not hold up the others.
#[allow(clippy::too_many_arguments)]
async fn send<K: Kind>(
    kind: K,
    client: &Client,
    feed: Feed,
    args: &ImportArgs,
    fingerprints: &Fingerprints,
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
    let concurrency = usize::from(args.concurrency);
    let window = 2 * concurrency;
    let mut chunks = feed.start(kind, concurrency);
    let mut reading = true;
    let mut feeding = true;
    let mut waiting: VecDeque<Chunk<K::Item>> = VecDeque::new();
    let mut busy: HashMap<String, usize> = HashMap::new();
    // Each request is a bulk stream of its own (one sender, at most the cap: one request, and
    // its resends). Fed the whole file, the bulk stream would hold up to `max_buffered` items
    // in partly filled requests and send them all once its input ends: a Ctrl-C could not stop
    // it short of them.
    let mut flights: JoinSet<(Flight, Vec<Report<K::Outcome>>)> = JoinSet::new();
    let mut interrupt = pin!(tokio::signal::ctrl_c());
    let mut signals = true;
    loop {
        while feeding && flights.len() < concurrency {
            let free = waiting.iter().position(|c| {
                c.sender
                    .as_ref()
                    .is_none_or(|sender| !busy.contains_key(sender))
            });
            let Some(chunk) = free.and_then(|i| waiting.remove(i)) else {
                break;
            };
            if let Some(sender) = &chunk.sender {
                *busy.entry(sender.clone()).or_default() += 1;
            }
            let flight = Flight {
                sender: chunk.sender,
                lines: chunk.lines,
            };
            let reports = kind.bulk(
                client,
                tencent_im::stream::iter(chunk.items),
                BulkOptions::default().concurrency(1),
            );
            flights.spawn(async move { (flight, reports.collect::<Vec<_>>().await) });
        }
        let more = feeding && (reading || !waiting.is_empty());
        if flights.is_empty() && !more {
            break;
        }
        tokio::select! {
            Some(joined) = flights.join_next(), if !flights.is_empty() => {
                let (flight, reports) = match joined {
                    Ok(done) => done,
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Err(_) => continue,
                };
                if let Some(sender) = &flight.sender {
                    if let Some(n) = busy.get_mut(sender) {
                        *n -= 1;
                        if *n == 0 {
                            busy.remove(sender);
                        }
                    }
                }
                for report in &reports {
                    sent.items += report.items.len() as u64;
                    sent.requests += report.requests.len() as u64;
                    let stop = settle::<K>(report, &flight, fingerprints, tally, journal.as_deref_mut(), progress, out);
                    if let Some(stop) = stop {
                        feeding = false;
                        if matches!(sent.end, End::Done | End::Interrupted) {
                            sent.end = stop;
                        }
                    }
                }
            }
            next = chunks.recv(), if reading && feeding && waiting.len() < window => {
                match next {
                    Some(Ok(chunk)) => waiting.push_back(chunk),
                    Some(Err(failure)) => {
                        reading = false;
                        feeding = false;
                        if matches!(sent.end, End::Done | End::Interrupted) {
                            sent.end = End::Input(failure);
                        }
                    }
                    None => reading = false,
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
                feeding = false;
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
    // The requests abandoned by a second Ctrl-C stop here; the reading thread stops at its next
    // request.
    flights.abort_all();
    drop(chunks);
    sent.elapsed = started.elapsed();
    sent
}

/// Records one report: journal, tally, progress, JSON line. Returns why to stop feeding, if the
/// report says so.
fn settle<K: Kind>(
    report: &Report<K::Outcome>,
    flight: &Flight,
    fingerprints: &Fingerprints,
    tally: &mut Tally,
    mut journal: Option<&mut Journal>,
    progress: &Progress,
    out: Out,
) -> Option<End> {
    let request_failed = report.requests.iter().any(|r| r.error.is_some());
    let mut config = None;
    for item in &report.items {
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
        let outcome = item.outcome.label();
        let entry = EntryRef {
            from: report.from.as_deref(),
            account: &item.account,
            outcome: &outcome,
            code,
            info: failure.map(|f| f.info.as_str()),
        };
        if settled {
            if let Some(journal) = journal.as_deref_mut() {
                journal.record(entry);
            }
        }
        tally.count(&outcome, true);
        if tally.wants(&outcome) {
            let line = line_of(&flight.lines, fingerprints.account(&item.account));
            tally.keep(line, entry.to_entry());
        }
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
        for r in report.requests.iter() {
            if let Some(error) = &r.error {
                let line = failed_request_line(
                    &items::<K>(r.items as u64),
                    r.random,
                    r.host.as_deref(),
                    error,
                );
                progress.suspend(|| eprintln!("{line}"));
            }
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

/// The requests of a dry run by sender, each with its number in the order they are sent.
type BySender<'a, I> = Vec<(Option<String>, Vec<(usize, &'a Chunk<I>)>)>;

/// `--dry-run`: the requests the import would make, per sender and per request, numbered in the
/// order they come out of the file; `before` is how many items the journal holds, if there is
/// one.
fn dry_run<K: Kind>(
    kind: &K,
    source: &str,
    total: usize,
    before: Option<u64>,
    plan: &[Chunk<K::Item>],
    out: Out,
) {
    let pending: usize = plan.iter().map(|c| c.items.len()).sum();
    // Requests numbered in the order they are sent, listed by sender.
    let mut senders: BySender<'_, K::Item> = Vec::new();
    let mut index: HashMap<Option<String>, usize> = HashMap::new();
    for (n, chunk) in plan.iter().enumerate() {
        let sender = chunk.sender.clone();
        let i = *index.entry(sender.clone()).or_insert_with(|| {
            senders.push((sender, Vec::new()));
            senders.len() - 1
        });
        senders[i].1.push((n + 1, chunk));
    }
    if out.json {
        for (sender, requests) in &senders {
            for (n, chunk) in requests {
                let lines: Vec<u32> = chunk.lines.iter().map(|(_, line)| *line).collect();
                out.emit(
                    &json!({
                        "kind": "request",
                        "request": n,
                        "from": sender,
                        "items": chunk.items.len(),
                        "lines": lines,
                        "body": kind.request(&chunk.items),
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
            let count: usize = chunks.iter().map(|(_, c)| c.items.len()).sum();
            text.push_str(&format!(
                "{sender}: {}, {}\n",
                items::<K>(count as u64),
                requests(chunks.len() as u64)
            ));
        }
        for (n, chunk) in chunks {
            let accounts: Vec<&str> = chunk.items.iter().map(K::account).collect();
            text.push_str(&format!(
                "  request {n} ({}): {}\n",
                items::<K>(chunk.items.len() as u64),
                accounts.join(", ")
            ));
        }
    }
    out.emit(&Value::Null, text);
}

/// The summary on stdout: counts by outcome over the whole file, this run's rate, the failures
/// (or where they were written) and the verification; with `--json`, also why the sending
/// stopped and, of the `recorded` items (see [`settled_of`]), how many are settled.
#[allow(clippy::too_many_arguments)]
fn summary<K: Kind>(
    source: &str,
    total: usize,
    before: u64,
    recorded: u64,
    tally: &Tally,
    sent: &Sent,
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
    let not_sent = (total as u64).saturating_sub(tally.with_outcome());
    let mismatches: Vec<&Checked> = verified
        .unwrap_or_default()
        .iter()
        .filter(|c| !c.consistent)
        .collect();
    let lines: HashMap<&Key, usize> = match (&tally.outcomes, verified) {
        (Some(outcomes), Some(_)) => outcomes.iter().map(|(k, _, line)| (k, *line)).collect(),
        _ => HashMap::new(),
    };
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
        let settled = settled_of(args, total as u64, recorded);
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
            "stopped": sent.end.stopped(),
            "settled": settled,
            "to_send_again": total as u64 - settled,
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

/// After a stop, on stderr: how many of the file's `total` items are settled (`recorded` in the
/// journal, before or during this run: the same command skips them) and how many it sends
/// again, with the command that resumes; without a journal, that nothing was recorded.
fn resume_hint<K: Kind>(args: &ImportArgs, total: u64, recorded: u64, end: &End) {
    if let Some(text) = resume_text::<K>(args, total, recorded, end, &command_line()) {
        eprintln!("{text}");
    }
}

/// The text of [`resume_hint`], `command` being the command line that resumes; `None` when the
/// import ran to its end.
fn resume_text<K: Kind>(
    args: &ImportArgs,
    total: u64,
    recorded: u64,
    end: &End,
    command: &str,
) -> Option<String> {
    let why = match end {
        End::Done => return None,
        End::Interrupted => "interrupted",
        End::Abandoned => "stopped at once (the requests in flight were abandoned)",
        End::Config(_) => "stopped by a configuration error",
        End::Journal(_) => "stopped: the journal cannot be written",
        End::Input(_) => "stopped: the file cannot be read again",
    };
    let all = items::<K>(total);
    if args.journal.is_none() {
        return Some(format!(
            "{why}: without --journal no {} is recorded as settled, so the same command sends the {all} again (add --journal PATH to make an import resumable)",
            K::ONE
        ));
    }
    let recorded = settled_of(args, total, recorded);
    let again = total - recorded;
    let mut text = format!(
        "{why}: {recorded} of {all} settled (in the journal), {again} to send again; resume with the same command:\n  {command}"
    );
    if args.file == "-" {
        text.push_str("\n(with the same input on stdin)");
    }
    Some(text)
}

/// This process's command line, quoted for a POSIX shell, every secret replaced by the
/// variable that can hold it.
fn command_line() -> String {
    quote_command(std::env::args_os().map(|a| a.to_string_lossy().into_owned()))
}

/// The flags whose values are secrets, and the environment variable that can hold each.
const SECRET_FLAGS: [(&str, &str); 3] = [
    ("--secret-key", "TIM_SECRET_KEY"),
    ("--redis", "TIM_REDIS_URL"),
    ("--token", "TIM_CALLBACK_TOKEN"),
];

/// `args` quoted for a POSIX shell, the value of each secret flag (`--secret-key`, `--redis`,
/// `--token`, as `--flag VALUE` or `--flag=VALUE`) replaced by `"$VARIABLE"`.
fn quote_command(args: impl IntoIterator<Item = String>) -> String {
    let mut words = Vec::new();
    let mut secret_next: Option<&str> = None;
    for arg in args {
        if let Some(var) = secret_next.take() {
            words.push(format!("\"${var}\""));
            continue;
        }
        let secret = SECRET_FLAGS.iter().find_map(|&(flag, var)| {
            if arg == flag {
                Some((flag, var, false))
            } else {
                arg.strip_prefix(flag)
                    .filter(|rest| rest.starts_with('='))
                    .map(|_| (flag, var, true))
            }
        });
        match secret {
            Some((flag, var, true)) => words.push(format!("{flag}=\"${var}\"")),
            Some((flag, var, false)) => {
                secret_next = Some(var);
                words.push(flag.to_owned());
            }
            None => words.push(shell_quote(&arg)),
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

    #[test]
    fn a_failed_request_is_named_once() {
        let error =
            "sns/friend_add failed: API error 70009 (random 42, host h.example, attempts 1)";
        assert_eq!(
            failed_request_line("1 pair", Some(42), Some("h.example"), error),
            format!("a request of 1 pair failed: {error}")
        );
        // Nothing was sent: the error's random never left.
        let error = "sns/friend_add failed: no UserSig (random 42, attempts 0)";
        assert_eq!(
            failed_request_line("2 pairs", None, None, error),
            format!("a request of 2 pairs failed (not sent): {error}")
        );
        // An error that does not name the request.
        assert_eq!(
            failed_request_line("1 account", Some(42), Some("h.example"), "cut short"),
            "a request of 1 account failed (random 42, host h.example): cut short"
        );
    }

    const FRIENDS: Friends = Friends {
        single: false,
        force: false,
    };

    /// The requests of `csv` as the second reading makes them, after a first reading (and the
    /// journal entries `settled`, as pairs): `(from, targets)` each.
    fn requests(csv: &str, settled: &[(&str, &str)], cap: usize) -> Vec<(String, Vec<String>)> {
        let source = Source::memory("test.csv", csv.as_bytes().to_vec());
        let fingerprints = Fingerprints::new();
        let mut seen = scan(&FRIENDS, &source, Format::Auto, &fingerprints).unwrap();
        for (from, to) in settled {
            let key = fingerprints.key(Some(from), to);
            let i = seen.binary_search_by_key(&key, |s| s.key).unwrap();
            seen[i].settled = 1;
        }
        let marks = Marks::new(seen);
        Feeder::new(FRIENDS, &source, Format::Auto, &marks, &fingerprints, cap)
            .unwrap()
            .map(|chunk| {
                let chunk = chunk.unwrap();
                assert_eq!(chunk.items.len(), chunk.lines.len());
                let targets = chunk
                    .items
                    .iter()
                    .map(|p| p.item.to_account.clone())
                    .collect();
                (chunk.sender.unwrap(), targets)
            })
            .collect()
    }

    #[test]
    fn requests_are_cut_at_the_cap_and_go_when_a_senders_last_item_is_read() {
        let mut csv = String::from("from,to\n");
        let mut add = |from: &str, range: std::ops::Range<usize>| {
            for i in range {
                csv.push_str(&format!("{from},t{i}\n"));
            }
        };
        add("a", 0..7);
        add("b", 0..2);
        add("c", 0..4);
        add("a", 7..8);
        let shape = |requests: Vec<(String, Vec<String>)>| -> Vec<(String, usize)> {
            requests.into_iter().map(|(f, t)| (f, t.len())).collect()
        };
        let got = requests(&csv, &[], 3);
        assert_eq!(
            shape(got.clone()),
            [
                ("a".into(), 3),
                ("a".into(), 3),
                ("b".into(), 2),
                ("c".into(), 3),
                ("c".into(), 1),
                ("a".into(), 2),
            ]
        );
        assert_eq!(got[5].1, ["t6", "t7"]);
        // Settled items are skipped: a's last request goes at its last item to send.
        let got = requests(&csv, &[("a", "t7"), ("c", "t3"), ("b", "t0")], 3);
        assert_eq!(
            shape(got.clone()),
            [
                ("a".into(), 3),
                ("a".into(), 3),
                ("a".into(), 1),
                ("b".into(), 1),
                ("c".into(), 3),
            ]
        );
        assert_eq!(got[2].1, ["t6"]);
    }

    #[test]
    fn repeated_pairs_name_their_first_line() {
        let source = Source::memory(
            "test.csv",
            b"from,to\na,b\na,c\nx,\"b\"c\na,b\nb,a\na,c\na,b\n".to_vec(),
        );
        let err = scan(&FRIENDS, &source, Format::Auto, &Fingerprints::new()).unwrap_err();
        assert_eq!(
            err.message,
            "test.csv: 4 errors in the input; nothing was sent\n  line 4: field 2 (to): text after the closing quote (double a quote inside a quoted value)\n  line 5: the pair a → b repeats line 2\n  line 7: the pair a → c repeats line 3\n  line 8: the pair a → b repeats line 2"
        );
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
            "--redis",
            "redis://:hunter2@127.0.0.1/",
            "--redis=rediss://:hunter2@h/",
            "--journal",
            "j",
        ];
        let line = quote_command(args.map(String::from));
        assert_eq!(
            line,
            "tim --secret-key \"$TIM_SECRET_KEY\" friend import 'my pairs.csv' --secret-key=\"$TIM_SECRET_KEY\" --redis \"$TIM_REDIS_URL\" --redis=\"$TIM_REDIS_URL\" --journal j"
        );
        assert!(!line.contains("s3cret") && !line.contains("hunter2"));
    }

    #[test]
    fn the_resume_hint_counts_what_is_in_the_journal() {
        let args = |file: &str, journal: Option<&str>| ImportArgs {
            file: file.to_owned(),
            format: Format::Auto,
            journal: journal.map(PathBuf::from),
            report: None,
            concurrency: 8,
            dry_run: false,
            verify: false,
            no_progress: true,
            rate: None,
        };
        let with_journal = args("pairs.csv", Some("j"));
        let config = End::Config(Failure::config("70009"));
        let text = |args: &ImportArgs, recorded, end: &End| {
            resume_text::<Friends>(args, 10, recorded, end, "tim friend import pairs.csv")
        };
        assert_eq!(text(&with_journal, 3, &End::Done), None);
        assert_eq!(
            text(&with_journal, 0, &config).unwrap(),
            "stopped by a configuration error: 0 of 10 pairs settled (in the journal), 10 to send again; resume with the same command:\n  tim friend import pairs.csv"
        );
        assert_eq!(
            text(&with_journal, 4, &End::Interrupted).unwrap(),
            "interrupted: 4 of 10 pairs settled (in the journal), 6 to send again; resume with the same command:\n  tim friend import pairs.csv"
        );
        assert!(
            text(&args("-", Some("j")), 4, &End::Interrupted)
                .unwrap()
                .ends_with("\n(with the same input on stdin)")
        );
        assert_eq!(
            text(&args("pairs.csv", None), 0, &config).unwrap(),
            "stopped by a configuration error: without --journal no pair is recorded as settled, so the same command sends the 10 pairs again (add --journal PATH to make an import resumable)"
        );
    }

    #[test]
    fn the_json_summary_names_why_the_sending_stopped_and_counts_the_settled() {
        let failure = || Failure::config("70009");
        let stops = [
            (End::Done, None),
            (End::Interrupted, Some("interrupted")),
            (End::Abandoned, Some("abandoned")),
            (End::Config(failure()), Some("config")),
            (End::Journal(failure()), Some("journal")),
            (End::Input(failure()), Some("input")),
        ];
        for (end, stopped) in stops {
            assert_eq!(end.stopped(), stopped);
        }
        let args = |journal: Option<&str>| ImportArgs {
            file: "pairs.csv".to_owned(),
            format: Format::Auto,
            journal: journal.map(PathBuf::from),
            report: None,
            concurrency: 8,
            dry_run: false,
            verify: false,
            no_progress: true,
            rate: None,
        };
        assert_eq!(settled_of(&args(Some("j")), 10, 4), 4);
        assert_eq!(settled_of(&args(Some("j")), 10, 12), 10);
        assert_eq!(settled_of(&args(None), 10, 4), 0);
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
        let pair = kind
            .item(record([
                Some("alice"),
                Some("bob"),
                None,
                None,
                Some("Web"),
                None,
            ]))
            .unwrap();
        assert_eq!(Friends::key(&pair), Key::pair("alice", "bob"));
        assert_eq!(pair.item.add_source, "AddSource_Type_Web");
        // Without a source: the client's default is checked, and left to the client to fill.
        let pair = kind
            .item(record([Some("alice"), Some("bob"), None, None, None, None]))
            .unwrap();
        assert_eq!(pair.item.add_source, "");
    }
}
