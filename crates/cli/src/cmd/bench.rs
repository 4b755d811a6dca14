//! `tim bench friend-add`: friend_add throughput, latency and client CPU, against the
//! configured endpoint or an emulator started in this process.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use tencent_im::{
    AccountItem, AddFriendItem, AddType, AllowType, Client, Error, ForceAddFlags, Rate,
    RateLimiter, Target, TokenBucket, Unlimited,
};
use tencent_im_emulator::{AppCredentials, Config, Emulator, RateLimit};
use tencent_im_protocol::sns::FriendAdd;
use tencent_im_protocol::{Command as _, Endpoint};

use crate::config::{GlobalArgs, Settings};
use crate::output::{Exit, Failure, Out};

/// The name of the in-process emulator's threads, so that their CPU time is not counted as the
/// client's.
const EMULATOR_THREAD: &str = "tim-bench-emu";
/// Clock ticks per second of `/proc/*/stat` times (`getconf CLK_TCK`: 100 on Linux).
const CLK_TCK: u64 = 100;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Send friend_add requests for a while and report requests/s, items/s, p50/p99 latency,
    /// client CPU per request and the replies by ErrorCode.
    ///
    /// Each of C tasks sends one request after another, each adding the same N accounts
    /// (tim-bench-t0 …) to its own account (tim-bench-s0 …), forced and two-way; after the first
    /// round they are already friends, which Tencent reports per item. The accounts are imported
    /// first. Without settings (no SDKAppID, identifier, key, region or endpoint anywhere) the
    /// requests go to an emulator started in this process, with rate limits off; with
    /// settings they go to the configured server, and a Tencent region needs --yes since the
    /// bench writes to the app. Exit 0 if any request succeeded, else the exit code of the
    /// first failure.
    FriendAdd(FriendAddArgs),
}

/// The flags of `tim bench friend-add`.
#[derive(Debug, Args)]
pub(crate) struct FriendAddArgs {
    /// How long to send, in seconds.
    #[arg(long, value_name = "S", default_value_t = 5.0, value_parser = parse_seconds)]
    duration: f64,
    /// Requests in flight at once (one sending account each).
    #[arg(long, value_name = "C", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Accounts added per request (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    items: u16,
    /// At most this many requests per second, 0 for no limit. Default: Tencent's documented
    /// 200/s against a region, no limit against an endpoint or the in-process emulator.
    #[arg(long, value_name = "R")]
    rate: Option<u32>,
    /// Use an emulator started in this process even when settings are configured.
    #[arg(long)]
    emulator: bool,
    /// Bench a Tencent region: the bench imports the accounts tim-bench-* into the app and makes
    /// them friends.
    #[arg(long)]
    yes: bool,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 {
        Ok(seconds)
    } else {
        Err("the duration must be more than 0 and at most 86400 seconds".to_owned())
    }
}

impl BenchCommand {
    pub(crate) async fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::FriendAdd(args) => friend_add(args, global, out).await,
        }
    }
}

/// The accounts a run uses: one sender per task and the shared targets.
fn accounts(concurrency: u16, items: u16) -> (Vec<String>, Vec<String>) {
    let senders = (0..concurrency)
        .map(|i| format!("tim-bench-s{i}"))
        .collect();
    let targets = (0..items).map(|i| format!("tim-bench-t{i}")).collect();
    (senders, targets)
}

fn no_settings(s: &Settings) -> bool {
    s.sdkappid.is_none()
        && s.identifier.is_none()
        && s.secret_key.is_none()
        && s.region.is_none()
        && s.endpoint.is_none()
}

async fn friend_add(args: FriendAddArgs, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
    let (senders, targets) = accounts(args.concurrency, args.items);
    let use_emulator = args.emulator || no_settings(&global.settings()?);
    let limiter = |default: Option<Arc<dyn RateLimiter>>| -> Option<Arc<dyn RateLimiter>> {
        match args.rate {
            Some(0) => Some(Arc::new(Unlimited)),
            Some(rate) => Some(Arc::new(
                TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(rate)),
            )),
            None => default,
        }
    };

    let mut emulator = None;
    let (client, target) = if use_emulator {
        let mut all = senders.clone();
        all.extend(targets.iter().cloned());
        let local = LocalEmulator::start(all).await?;
        let app = &local.credentials;
        let mut builder = Client::builder(app.sdkappid(), app.admin())
            .secret_key(app.secret_key())
            .endpoint(&local.base_url);
        if let Some(l) = limiter(Some(Arc::new(Unlimited))) {
            builder = builder.rate_limiter(l);
        }
        let target = format!(
            "{} (emulator in this process, rate limits off)",
            local.base_url
        );
        emulator = Some(local);
        (builder.build()?, target)
    } else {
        let mut builder = global.builder()?;
        let probe = global.client()?;
        let region = matches!(probe.target(), Target::Region(_));
        if region && !args.yes {
            return Err(Failure::usage(format!(
                "this would bench {} with real writes: it imports the accounts tim-bench-* into \
                 app {} and makes them friends. Pass --yes to go ahead, or --emulator to bench \
                 an emulator in this process",
                probe.target().primary(),
                probe.sdkappid()
            )));
        }
        // A fleet limiter given with --redis is kept unless --rate replaces it.
        let default: Option<Arc<dyn RateLimiter>> = if region || global.redis.is_some() {
            None
        } else {
            Some(Arc::new(Unlimited))
        };
        if let Some(l) = limiter(default) {
            builder = builder.rate_limiter(l);
        }
        let client = builder.build()?;
        let target = client.target().primary().to_string();
        let mut all = senders.clone();
        all.extend(targets.iter().cloned());
        let report = client
            .import_accounts(all.into_iter().map(AccountItem::new))
            .await?;
        if let Some(failed) = report.failed().next() {
            return Err(Failure::config(format!(
                "cannot import the bench account {}: {}",
                failed.account, failed.outcome
            )));
        }
        (client, target)
    };

    let result = measure(&client, &args, &senders, &targets).await;
    if let Some(local) = emulator {
        local.stop().await;
    }
    let (run, first_error) = result?;
    let document = run.json(&target, &args);
    out.emit(&document, Human(&run, &target, &args));
    match (run.ok, first_error) {
        (0, Some(error)) => Err(Failure::from(error)),
        _ => Ok(Exit::Success),
    }
}

/// What one run measured.
#[derive(Default)]
struct Run {
    requests: u64,
    /// Requests whose reply was OK.
    ok: u64,
    /// Items of the OK replies.
    items: u64,
    elapsed: Duration,
    /// Latency of every request, in microseconds.
    latencies: Vec<u32>,
    /// Replies by whole-request ErrorCode (0: OK).
    codes: BTreeMap<i64, u64>,
    /// Items by ResultCode.
    item_codes: BTreeMap<i64, u64>,
    /// Requests that got no reply, by what went wrong.
    errors: BTreeMap<String, u64>,
    /// The client's CPU time over the run, in microseconds; `None` where `/proc` is missing.
    cpu_us: Option<u64>,
}

impl Run {
    fn add(&mut self, other: Run) {
        self.requests += other.requests;
        self.ok += other.ok;
        self.items += other.items;
        self.latencies.extend(other.latencies);
        for (code, n) in other.codes {
            *self.codes.entry(code).or_default() += n;
        }
        for (code, n) in other.item_codes {
            *self.item_codes.entry(code).or_default() += n;
        }
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
    }

    fn per_second(&self, n: u64) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    }

    /// The `p`-th percentile latency (nearest rank) in milliseconds; the latencies are sorted.
    fn percentile_ms(&self, p: f64) -> Option<f64> {
        let n = self.latencies.len();
        if n == 0 {
            return None;
        }
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        let index = rank.clamp(1, n) - 1;
        self.latencies.get(index).map(|&us| f64::from(us) / 1000.0)
    }

    fn cpu_us_per_request(&self) -> Option<f64> {
        let cpu = self.cpu_us?;
        (self.requests > 0).then(|| cpu as f64 / self.requests as f64)
    }

    fn json(&self, target: &str, args: &FriendAddArgs) -> Value {
        let counts = |map: &BTreeMap<i64, u64>| {
            map.iter()
                .map(|(code, n)| (code.to_string(), json!(n)))
                .collect::<Map<String, Value>>()
        };
        json!({
            "target": target,
            "duration_s": self.elapsed.as_secs_f64(),
            "concurrency": args.concurrency,
            "items_per_request": args.items,
            "requests": self.requests,
            "items": self.items,
            "requests_per_s": self.per_second(self.requests),
            "items_per_s": self.per_second(self.items),
            "p50_ms": self.percentile_ms(50.0),
            "p99_ms": self.percentile_ms(99.0),
            "cpu_us_per_request": self.cpu_us_per_request(),
            "codes": counts(&self.codes),
            "item_codes": counts(&self.item_codes),
            "errors": self.errors,
        })
    }
}

/// The run as text.
struct Human<'a>(&'a Run, &'a str, &'a FriendAddArgs);

impl fmt::Display for Human<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Human(run, target, args) = *self;
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3} ms"));
        writeln!(
            f,
            "friend_add to {target}: {} in flight, {} items per request, {:.1} s",
            args.concurrency,
            args.items,
            run.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "requests    {:>12}  {:>12.1}/s",
            run.requests,
            run.per_second(run.requests)
        )?;
        writeln!(
            f,
            "items       {:>12}  {:>12.1}/s",
            run.items,
            run.per_second(run.items)
        )?;
        writeln!(
            f,
            "latency     p50 {}, p99 {}",
            ms(run.percentile_ms(50.0)),
            ms(run.percentile_ms(99.0))
        )?;
        match run.cpu_us_per_request() {
            Some(us) => writeln!(f, "client CPU  {us:.0} µs per request")?,
            None => writeln!(f, "client CPU  not measured (no /proc/self/stat)")?,
        }
        writeln!(f, "replies by ErrorCode:")?;
        for (code, n) in &run.codes {
            writeln!(f, "  {code:<8} {n:>12}")?;
        }
        if !run.item_codes.is_empty() {
            writeln!(f, "items by ResultCode:")?;
            for (code, n) in &run.item_codes {
                writeln!(f, "  {code:<8} {n:>12}")?;
            }
        }
        if !run.errors.is_empty() {
            writeln!(f, "requests without a reply:")?;
            for (kind, n) in &run.errors {
                writeln!(f, "  {kind:<24} {n:>8}")?;
            }
        }
        Ok(())
    }
}

/// One request before the clock starts (it checks the settings and opens a connection), then
/// `concurrency` tasks sending until the duration is over.
async fn measure(
    client: &Client,
    args: &FriendAddArgs,
    senders: &[String],
    targets: &[String],
) -> Result<(Run, Option<Error>), Failure> {
    let items: Vec<AddFriendItem> = targets
        .iter()
        .map(|t| AddFriendItem::new(t.clone(), "AddSource_Type_Bench"))
        .collect();
    let request = |sender: &str| {
        FriendAdd::new(sender, items.clone())
            .add_type(AddType::Both)
            .force_add(ForceAddFlags::Force)
    };
    let first = senders.first().map_or("tim-bench-s0", String::as_str);
    let probe = request(first);
    probe
        .validate()
        .map_err(|e| Failure::usage(format!("invalid request: {e}")))?;
    client.execute(&probe).await?;

    let duration = Duration::from_secs_f64(args.duration);
    let cpu_before = cpu_ticks();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for sender in senders {
        let client = client.clone();
        let request = request(sender);
        tasks.spawn(async move {
            let mut run = Run::default();
            let mut first_error = None;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let result = client.execute(&request).await;
                let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                run.latencies.push(micros);
                run.requests += 1;
                match result {
                    Ok(response) => {
                        run.ok += 1;
                        *run.codes.entry(0).or_default() += 1;
                        let results = &response.body().result_items;
                        run.items += results.len() as u64;
                        for item in results {
                            *run.item_codes.entry(item.result_code.get()).or_default() += 1;
                        }
                    }
                    Err(e) => {
                        match e.api_code() {
                            Some(code) => *run.codes.entry(code.get()).or_default() += 1,
                            None => *run.errors.entry(e.kind().to_string()).or_default() += 1,
                        }
                        if first_error.is_none() {
                            first_error = Some(e);
                        }
                    }
                }
            }
            (run, first_error)
        });
    }
    let mut run = Run::default();
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let (part, error) = joined.map_err(|e| Failure {
            exit: Exit::Config,
            message: format!("a bench task failed: {e}"),
            random: None,
        })?;
        run.add(part);
        if first_error.is_none() {
            first_error = error;
        }
    }
    run.elapsed = started.elapsed();
    run.latencies.sort_unstable();
    run.cpu_us = match (cpu_before, cpu_ticks()) {
        (Some(before), Some(after)) => {
            let process = after.process.saturating_sub(before.process);
            let emulator = after.emulator.saturating_sub(before.emulator);
            Some(process.saturating_sub(emulator) * 1_000_000 / CLK_TCK)
        }
        _ => None,
    };
    Ok((run, first_error))
}

/// CPU time so far, in clock ticks: the whole process, and the in-process emulator's threads.
#[derive(Debug, Clone, Copy)]
struct CpuTicks {
    process: u64,
    emulator: u64,
}

/// `utime + stime` and the `comm` of a `/proc/…/stat` line.
fn stat_times(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    // Fields after `comm`: state is field 3, utime field 14 and stime field 15.
    let mut fields = stat.get(close + 1..)?.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((comm, utime + stime))
}

fn cpu_ticks() -> Option<CpuTicks> {
    let process = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, process) = stat_times(&process)?;
    let mut emulator = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            if let Some((comm, ticks)) = stat_times(&stat) {
                if comm == EMULATOR_THREAD {
                    emulator += ticks;
                }
            }
        }
    }
    Some(CpuTicks { process, emulator })
}

/// An emulator on a runtime and threads of its own, so that its CPU time can be told apart.
struct LocalEmulator {
    base_url: String,
    credentials: AppCredentials,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl LocalEmulator {
    /// Starts it with `accounts` imported, friend requests accepted from anyone, no rate limit
    /// and no journal.
    async fn start(accounts: Vec<String>) -> Result<Self, Failure> {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<_, String>>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(EMULATOR_THREAD.to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .thread_name(EMULATOR_THREAD)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start its runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let mut config = Config::default()
                        .rate_limit(RateLimit::Off)
                        .default_allow_type(AllowType::AllowAny);
                    config.journal_capacity = 0;
                    match Emulator::start(config).await {
                        Ok(emulator) => {
                            emulator.seed_accounts(accounts);
                            let ready = (emulator.base_url(), emulator.credentials().clone());
                            let _ = ready_tx.send(Ok(ready));
                            let _ = stopped.await;
                            emulator.stop().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.to_string()));
                        }
                    }
                });
            })
            .map_err(|e| Failure::io("cannot start the emulator's thread", &e))?;
        let (base_url, credentials) = match ready_rx.await {
            Ok(Ok(ready)) => ready,
            Ok(Err(message)) => {
                return Err(Failure::config(format!(
                    "cannot start the emulator: {message}"
                )));
            }
            Err(_) => return Err(Failure::config("the emulator's thread ended at start")),
        };
        Ok(Self {
            base_url,
            credentials,
            stop,
            thread,
        })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse() {
        let line = "1234 (tim bench) (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 \
                    3 0 100 1000000 500 18446744073709551615";
        assert_eq!(stat_times(line), Some(("tim bench) (x)", 300)));
        assert_eq!(stat_times("garbage"), None);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let run = Run {
            latencies: (1..=100).map(|ms| ms * 1000).collect(),
            ..Run::default()
        };
        assert_eq!(run.percentile_ms(50.0), Some(50.0));
        assert_eq!(run.percentile_ms(99.0), Some(99.0));
        let one = Run {
            latencies: vec![1500],
            ..Run::default()
        };
        assert_eq!(one.percentile_ms(99.0), Some(1.5));
        assert_eq!(Run::default().percentile_ms(50.0), None);
    }
}
