//! The facade's cost and throughput (see `bench/run.sh` and docs/benchmarks.md, "Facade").
//!
//! ```sh
//! cargo bench -p tencent-im --bench facade -- transport http://127.0.0.1:18090 16 10
//! cargo bench -p tencent-im --bench facade -- facade http://127.0.0.1:18090 16 10
//! cargo bench -p tencent-im --bench facade -- bulk http://127.0.0.1:18091 10000 100 8
//! cargo bench -p tencent-im --bench facade -- paced http://127.0.0.1:18092 13000 100 8 60
//! ```
//!
//! Modes:
//!
//! - `transport URL IN_FLIGHT SECONDS`: the transport's own `throughput transport` mode, copied
//!   (`Transport::execute(&FriendAdd)` of one pre-built 1-item request, a fixed UserSig, the
//!   `Unlimited` limiter), as the reference measured by the same binary in the same run.
//! - `facade URL IN_FLIGHT SECONDS`: what a user writes, `client.friend_add(sender).to("user2")
//!   .await`, from a client built with a secret key (it generates and caches the admin UserSig)
//!   and the `Unlimited` limiter; the sender changes with every call (10,000 names taken in
//!   turn), the target is `user2`, the account of nginx's fixed reply.
//!
//!   Both print calls/s and the client's CPU (user + system time of the process, from
//!   /proc/self/stat) per call, in the transport bench's format, on one current-thread runtime.
//! - `bulk URL SENDERS TARGETS CONCURRENCY [MAX_BUFFERED]`: `friend_add_all` of SENDERS ×
//!   TARGETS pairs, generated lazily (`userS` adds `userS+1` … `userS+TARGETS`, wrapping at
//!   SENDERS, so that an emulator started with `--accounts SENDERS` knows every account and
//!   every user ends with 2 × TARGETS friends), with the `Unlimited` limiter; prints items/s,
//!   the outcomes, whether every pair was reported exactly once, and the peak RSS (VmHWM).
//! - `paced URL SENDERS TARGETS CONCURRENCY SECONDS`: the same stream with the client's default
//!   rate limiter (200 friend_add requests/s); prints the requests completed per second over
//!   SECONDS seconds after the first one, and every 60007 seen.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tencent_im::layers::protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im::layers::transport::{Credentials, Transport};
use tencent_im::layers::usersig::{SecretKey, UserSigGenerator};
use tencent_im::{
    AddOutcome, BulkOptions, Client, ErrorCode, FriendPair, Limits, Report, StreamExt, Target,
    TlsOptions, Unlimited, UserSig,
};

const SDKAPPID: u64 = 1_400_000_000;
const ADMIN: &str = "administrator";
/// The key of the nginx runs (nginx checks nothing).
const BENCH_KEY: &str = "bench-key";

/// User + system CPU time of this process, from /proc (clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum());
    Duration::from_millis(ticks * 10)
}

/// A field of /proc/self/status in kB (e.g. `VmHWM`, the peak resident set).
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn tls() -> TlsOptions {
    let mut tls = TlsOptions::new();
    if let Ok(path) = std::env::var("TIM_BENCH_CA") {
        tls = tls.add_root_pem(&std::fs::read(path).unwrap()).unwrap();
    }
    tls
}

type Call = Rc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>>;

/// `transport` and `facade`: calls/s and CPU per call, as the transport's throughput bench.
fn calls(mode: &str, url: &str, in_flight: usize, seconds: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let calls = Rc::new(AtomicU64::new(0));
    let duration = Duration::from_secs(seconds);
    let (elapsed, cpu) = rt.block_on(async {
        let run: Call = match mode {
            "transport" => {
                let sig = UserSigGenerator::new(SDKAPPID, SecretKey::new(BENCH_KEY))
                    .generate(ADMIN, Duration::from_secs(86_400))
                    .unwrap();
                let transport = Transport::builder(
                    Target::custom(url).unwrap(),
                    Credentials::fixed(SDKAPPID, ADMIN, UserSig::new(sig.expose())),
                )
                .rate_limiter(Arc::new(Unlimited))
                .tls(tls())
                .limits(Limits::default())
                .build()
                .unwrap();
                let cmd = Rc::new(FriendAdd::new(
                    "user1",
                    vec![AddFriendItem::new("user2", "AddSource_Type_Bench")],
                ));
                Rc::new(move || {
                    let transport = transport.clone();
                    let cmd = cmd.clone();
                    Box::pin(async move {
                        let resp = transport.execute(&*cmd).await.unwrap();
                        assert_eq!(resp.body().result_items.len(), 1);
                    })
                })
            }
            "facade" => {
                let client = Client::builder(SDKAPPID, ADMIN)
                    .secret_key(BENCH_KEY)
                    .endpoint(url)
                    .rate_limiter(Arc::new(Unlimited))
                    .tls(tls())
                    .limits(Limits::default())
                    .build()
                    .unwrap();
                // Senders taken in turn: no two calls in flight share one (they would wait for
                // each other's write lock), and the client's table of sender locks sees new
                // names all the time, as it would for a user adding friends for many accounts.
                let senders: Rc<Vec<String>> =
                    Rc::new((0..10_000).map(|i| format!("sender{i}")).collect());
                let next = Rc::new(Cell::new(0usize));
                Rc::new(move || {
                    let i = next.get();
                    next.set(i + 1);
                    let call = client
                        .friend_add(senders[i % senders.len()].as_str())
                        .to("user2");
                    Box::pin(async move {
                        let report = call.await.unwrap();
                        assert_eq!(report.items.len(), 1);
                        assert!(matches!(report.items[0].outcome, AddOutcome::Added));
                    })
                })
            }
            _ => unreachable!(),
        };
        // Warm up: open the connections (and generate the facade's admin UserSig).
        for _ in 0..200 {
            run().await;
        }
        let local = tokio::task::LocalSet::new();
        let start = Instant::now();
        let cpu0 = cpu_time();
        for _ in 0..in_flight {
            let run = run.clone();
            let calls = calls.clone();
            local.spawn_local(async move {
                while start.elapsed() < duration {
                    run().await;
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        local.await;
        (start.elapsed(), cpu_time() - cpu0)
    });
    let n = calls.load(Ordering::Relaxed);
    println!(
        "{mode} {url} in_flight={in_flight}: {n} calls in {:.2} s = {:.0} calls/s, client CPU {:.1} µs/call",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / n as f64
    );
}

/// The pairs of `bulk` and `paced`, made as they are pulled: `user{s+1}` adds the `targets`
/// accounts after it, wrapping at `senders`.
fn pairs(senders: usize, targets: usize) -> impl Iterator<Item = FriendPair> + Send + 'static {
    (0..senders).flat_map(move |s| {
        (1..=targets).map(move |t| {
            FriendPair::new(
                format!("user{}", s + 1),
                format!("user{}", (s + t) % senders + 1),
            )
        })
    })
}

/// Which pair a report's item is, as `s * targets + t - 1`.
fn pair_index(from: &str, to: &str, senders: usize, targets: usize) -> Option<usize> {
    let n = |a: &str| {
        a.strip_prefix("user")?
            .parse::<usize>()
            .ok()?
            .checked_sub(1)
    };
    let (s, t) = (n(from)?, n(to)?);
    let t = (t + senders - s) % senders;
    (s < senders && (1..=targets).contains(&t)).then(|| s * targets + t - 1)
}

/// What the reports of a bulk run said.
#[derive(Default)]
struct Tally {
    outcomes: BTreeMap<String, u64>,
    items: u64,
    requests: u64,
    attempts: u64,
    failed_requests: u64,
    code_60007: u64,
    discrepancies: u64,
    seen: Vec<u64>,
    duplicates: u64,
    unknown: u64,
    /// Requests completed in each second since the start.
    per_second: Vec<u64>,
}

impl Tally {
    fn new(pairs: usize) -> Self {
        Self {
            seen: vec![0; pairs.div_ceil(64)],
            ..Self::default()
        }
    }

    fn add(&mut self, report: &Report<AddOutcome>, senders: usize, targets: usize, at: Duration) {
        let rate_limited = ErrorCode::new(60007);
        for r in &report.requests {
            self.requests += 1;
            self.attempts += u64::from(r.attempts);
            if let Some(e) = &r.error {
                self.failed_requests += 1;
                if e.contains("60007") {
                    self.code_60007 += 1;
                }
            }
        }
        let second = usize::try_from(at.as_secs()).unwrap();
        if self.per_second.len() <= second {
            self.per_second.resize(second + 1, 0);
        }
        self.per_second[second] += report.requests.len() as u64;
        self.discrepancies += report.discrepancies.len() as u64;
        let from = report.from.as_deref().unwrap_or("");
        for item in &report.items {
            self.items += 1;
            let key = match &item.outcome {
                AddOutcome::Added => "added".to_owned(),
                AddOutcome::Pending => "pending".to_owned(),
                AddOutcome::AlreadyFriends => "already friends".to_owned(),
                AddOutcome::Failed(f) => {
                    if f.code == Some(rate_limited) {
                        self.code_60007 += 1;
                    }
                    match f.code {
                        Some(code) => format!("failed {}", code.get()),
                        None => format!("failed without code ({})", f.class()),
                    }
                }
                _ => "other".to_owned(),
            };
            *self.outcomes.entry(key).or_default() += 1;
            match pair_index(from, &item.account, senders, targets) {
                Some(i) => {
                    let (word, bit) = (i / 64, 1u64 << (i % 64));
                    if self.seen[word] & bit != 0 {
                        self.duplicates += 1;
                    }
                    self.seen[word] |= bit;
                }
                None => self.unknown += 1,
            }
        }
    }

    fn print(&self, pairs: usize) {
        let reported: u64 = self.seen.iter().map(|w| u64::from(w.count_ones())).sum();
        let missing = pairs as u64 - reported;
        println!(
            "  outcomes: {}",
            self.outcomes
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  pairs: {pairs}, items reported {}, distinct pairs reported {reported}, missing {missing}, reported twice {}, unknown {}: {}",
            self.items,
            self.duplicates,
            self.unknown,
            if missing == 0 && self.duplicates == 0 && self.unknown == 0 {
                "every pair exactly once"
            } else {
                "NOT exactly once"
            }
        );
        println!(
            "  requests {}, HTTP attempts {}, failed requests {}, 60007 seen {}, discrepancies {}",
            self.requests, self.attempts, self.failed_requests, self.code_60007, self.discrepancies
        );
    }
}

/// `bulk` and `paced`: a bulk friend_add against the emulator.
fn bulk(mode: &str, url: &str, senders: usize, targets: usize, options: BulkOptions, seconds: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dev = tencent_im_emulator::AppCredentials::development();
    let mut builder = Client::builder(dev.sdkappid(), dev.admin())
        .secret_key(dev.secret_key())
        .endpoint(url);
    if mode == "bulk" {
        builder = builder.rate_limiter(Arc::new(Unlimited));
    }
    let client = builder.build().unwrap();
    let total = senders * targets;
    let mut tally = Tally::new(total);
    let cpu0 = cpu_time();
    let start = Instant::now();
    rt.block_on(async {
        let stream = tencent_im::stream::iter(pairs(senders, targets));
        let mut reports = std::pin::pin!(client.friend_add_all(stream, options));
        while let Some(report) = reports.next().await {
            tally.add(&report, senders, targets, start.elapsed());
        }
    });
    let elapsed = start.elapsed();
    let cpu = cpu_time() - cpu0;
    println!(
        "{mode} {url} {senders}x{targets} concurrency={}: {total} pairs in {:.2} s = {:.0} items/s, {:.0} requests/s, client CPU {:.2} s, peak RSS (VmHWM) {:.1} MB",
        options.get_concurrency(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        tally.requests as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64(),
        status_kb("VmHWM") as f64 / 1024.0,
    );
    tally.print(total);
    if mode == "paced" {
        // Second 0 holds the limiters' bursts; the window is the SECONDS seconds after it.
        let window: Vec<u64> = tally
            .per_second
            .iter()
            .skip(1)
            .take(usize::try_from(seconds).unwrap())
            .copied()
            .collect();
        let sum: u64 = window.iter().sum();
        println!(
            "  paced: second 0 {} requests; seconds 1..={}: {} requests = {:.1} requests/s (per second: min {}, max {}){}",
            tally.per_second.first().copied().unwrap_or(0),
            window.len(),
            sum,
            sum as f64 / window.len().max(1) as f64,
            window.iter().min().copied().unwrap_or(0),
            window.iter().max().copied().unwrap_or(0),
            if window.len() < usize::try_from(seconds).unwrap() {
                " (SHORT: the stream ended before the window)"
            } else {
                ""
            }
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let num = |i: usize, default: u64| arg(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    let mode = arg(0).unwrap_or("facade").to_owned();
    match mode.as_str() {
        "transport" | "facade" => {
            let url = arg(1).unwrap_or("http://127.0.0.1:18090");
            calls(&mode, url, num(2, 1) as usize, num(3, 10));
        }
        "bulk" | "paced" => {
            let url = arg(1).unwrap_or("http://127.0.0.1:18091");
            let senders = num(2, 10_000) as usize;
            let targets = num(3, 100) as usize;
            let mut options = BulkOptions::default().concurrency(num(4, 8) as usize);
            let seconds = if mode == "paced" { num(5, 60) } else { 0 };
            if mode == "bulk" {
                if let Some(max) = arg(5).and_then(|v| v.parse().ok()) {
                    options = options.max_buffered(max);
                }
            }
            bulk(&mode, url, senders, targets, options, seconds);
        }
        other => panic!("unknown mode {other:?}: transport, facade, bulk or paced"),
    }
}
