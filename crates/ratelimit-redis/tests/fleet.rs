//! A fleet of four processes sharing one app's quota through a real `redis-server`, against the
//! emulator limited to Tencent's 200 friend_add calls a second.
//!
//! Each member is this test binary started again (`fleet_member`, ignored unless a fleet test
//! starts it with `TIM_FLEET_OUT` set): it builds a [`RedisRateLimiter`] for a fleet of four,
//! waits for the common start time, calls friend_add from `TIM_FLEET_CALLERS` tasks until the
//! end of the run, and writes every permit (wall-clock µs), every rate-limit notice and every
//! failed call to the file `TIM_FLEET_OUT`. The members share the machine's clock, so their
//! permits can be merged.
//!
//! The issue asks for 20 s runs; these take 10 s (8.5 s of them measured after the first
//! second), which already holds the rate to within one permit a second.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods,
    clippy::print_stderr
)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::redis::RedisServer;
use common::*;
use tencent_im_protocol::Endpoint;
use tencent_im_ratelimit_redis::{Backend, RedisRateLimiter};
use tencent_im_transport::{BoxFuture, ErrorKind as CallErrorKind, RateLimiter, Unlimited};

const OUT: &str = "TIM_FLEET_OUT";
const REDIS: &str = "TIM_FLEET_REDIS";
const EMULATOR: &str = "TIM_FLEET_EMULATOR";
const SDKAPPID: &str = "TIM_FLEET_SDKAPPID";
const SIG: &str = "TIM_FLEET_SIG";
const START_US: &str = "TIM_FLEET_START_US";
const RUN_MS: &str = "TIM_FLEET_RUN_MS";
const CALLERS: &str = "TIM_FLEET_CALLERS";

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

// ---- The member (child process) ----

/// Logs every permit and notice of the fleet limiter it wraps.
#[derive(Debug)]
struct Recorder {
    inner: RedisRateLimiter,
    log: Mutex<Vec<String>>,
}

impl RateLimiter for Recorder {
    fn acquire(&self, endpoint: Endpoint) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.inner.acquire(endpoint).await;
            let from = match self.inner.backend() {
                Backend::Redis => "redis",
                _ => "local",
            };
            let line = format!("permit {} {from}", now_us());
            self.log.lock().unwrap().push(line);
        })
    }

    fn rate_limited(&self, endpoint: Endpoint, answer: CallErrorKind) {
        let code = match answer {
            CallErrorKind::Api(code) => code.get(),
            _ => -1,
        };
        let line = format!("hook {} {code}", now_us());
        self.log.lock().unwrap().push(line);
        self.inner.rate_limited(endpoint, answer);
    }
}

#[test]
#[ignore = "a member of the fleet: the fleet tests start it in a child process"]
fn fleet_member() {
    let Ok(out) = std::env::var(OUT) else {
        return;
    };
    let var = |name: &str| std::env::var(name).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sdkappid: u64 = var(SDKAPPID).parse().unwrap();
        let limiter = RedisRateLimiter::builder(&var(REDIS), sdkappid)
            .fleet_size(4)
            // These runs test the shared quota, not the budget: a loaded CI machine must not
            // send a member to its fallback.
            .budget(Duration::from_millis(250))
            .build()
            .unwrap();
        limiter.check().await.expect("Redis answers");
        let recorder = Arc::new(Recorder {
            inner: limiter,
            log: Mutex::new(Vec::new()),
        });
        let transport = transport(&var(EMULATOR), sdkappid, &var(SIG), recorder.clone());
        let start: i64 = var(START_US).parse().unwrap();
        let end = start + var(RUN_MS).parse::<i64>().unwrap() * 1000;
        let callers: usize = var(CALLERS).parse().unwrap();
        let wait = u64::try_from(start - now_us()).unwrap_or(0);
        tokio::time::sleep(Duration::from_micros(wait)).await;
        let mut tasks = Vec::new();
        for _ in 0..callers {
            let transport = transport.clone();
            let recorder = recorder.clone();
            tasks.push(tokio::spawn(async move {
                while now_us() < end {
                    if let Err(e) = transport.execute(&friend_add()).await {
                        let code = e.api_code().map_or(-1, |c| c.get());
                        let line = format!("error {} {code} {e}", now_us());
                        recorder.log.lock().unwrap().push(line);
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let text = recorder.log.lock().unwrap().join("\n");
        std::fs::write(out, text).unwrap();
    });
}

// ---- The fleet (parent) ----

/// What one member logged.
#[derive(Debug, Default)]
struct MemberLog {
    permits: Vec<i64>,
    /// Permits that came from the local fallback.
    local: usize,
    hooks: Vec<(i64, i64)>,
    errors: Vec<String>,
}

impl MemberLog {
    fn parse(text: &str) -> Self {
        let mut log = Self::default();
        for line in text.lines() {
            let mut words = line.split(' ');
            match words.next() {
                Some("permit") => {
                    log.permits.push(words.next().unwrap().parse().unwrap());
                    if words.next() == Some("local") {
                        log.local += 1;
                    }
                }
                Some("hook") => log.hooks.push((
                    words.next().unwrap().parse().unwrap(),
                    words.next().unwrap().parse().unwrap(),
                )),
                Some("error") => log.errors.push(line.to_owned()),
                _ => {}
            }
        }
        log
    }

    fn permits_in(&self, from: i64, to: i64) -> usize {
        self.permits
            .iter()
            .filter(|&&t| t >= from && t < to)
            .count()
    }
}

/// One member to start: where it sends its calls and from how many tasks (0: idle).
struct Member {
    emulator: String,
    callers: usize,
}

/// Starts the members, all beginning at `start_us` and running `run`; their logs.
async fn run_fleet(
    redis: &RedisServer,
    sdkappid: u64,
    sig: &str,
    members: Vec<Member>,
    start_us: i64,
    run: Duration,
) -> Vec<MemberLog> {
    let exe = std::env::current_exe().unwrap();
    let mut handles = Vec::new();
    for (i, member) in members.into_iter().enumerate() {
        let out: PathBuf = std::env::temp_dir().join(format!(
            "tim-fleet-{}-{start_us}-{i}.log",
            std::process::id()
        ));
        let mut cmd = Command::new(&exe);
        cmd.args(["fleet_member", "--exact", "--ignored", "--nocapture"])
            .env(OUT, &out)
            .env(REDIS, redis.url())
            .env(EMULATOR, &member.emulator)
            .env(SDKAPPID, sdkappid.to_string())
            .env(SIG, sig)
            .env(START_US, start_us.to_string())
            .env(RUN_MS, run.as_millis().to_string())
            .env(CALLERS, member.callers.to_string());
        handles.push(tokio::task::spawn_blocking(move || {
            let output = cmd.output().unwrap();
            let text = std::fs::read_to_string(&out).unwrap_or_default();
            let _ = std::fs::remove_file(&out);
            assert!(
                output.status.success(),
                "member {i} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            MemberLog::parse(&text)
        }));
    }
    let mut logs = Vec::new();
    for h in handles {
        logs.push(h.await.unwrap());
    }
    logs
}

/// Checks that the fleet kept to 190–200 permits a second from one second after the start to
/// half a second before the end, and that nothing failed.
fn assert_quota_held(logs: &[MemberLog], start_us: i64, run: Duration) -> f64 {
    let from = start_us + 1_000_000;
    let to = start_us + run.as_micros() as i64 - 500_000;
    let secs = (to - from) as f64 / 1e6;
    let n: usize = logs.iter().map(|l| l.permits_in(from, to)).sum();
    let rate = n as f64 / secs;
    let shares: Vec<usize> = logs.iter().map(|l| l.permits_in(from, to)).collect();
    // One permit of slack for the window's edges.
    assert!(
        (190.0..=200.0 + 1.0 / secs).contains(&rate),
        "{rate:.1} permits/s, per member {shares:?}"
    );
    for (i, log) in logs.iter().enumerate() {
        assert!(
            log.errors.is_empty(),
            "member {i}: {:?}",
            &log.errors[..log.errors.len().min(5)]
        );
        assert!(log.hooks.is_empty(), "member {i}: {:?}", log.hooks);
        assert_eq!(log.local, 0, "member {i} fell back");
    }
    eprintln!("fleet: {rate:.2} permits/s over {secs:.1} s, per member {shares:?}");
    rate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_busy_members_share_one_quota() {
    let redis = RedisServer::start();
    let emulator = emulator().await;
    let sig = user_sig(&emulator);
    let sdkappid = emulator.credentials().sdkappid();
    let members = (0..4)
        .map(|_| Member {
            emulator: emulator.base_url(),
            callers: 16,
        })
        .collect();
    let start = now_us() + 1_500_000;
    // The 20 s window.
    let run = Duration::from_secs(20);
    let logs = run_fleet(&redis, sdkappid, &sig, members, start, run).await;
    assert_quota_held(&logs, start, run);
    // Every member got a share.
    for (i, log) in logs.iter().enumerate() {
        assert!(log.permits.len() > 100, "member {i}: {}", log.permits.len());
    }
    assert_eq!(
        count_code(&emulator, 60007),
        0,
        "no 60007 from the emulator"
    );
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_busy_member_gets_the_whole_quota() {
    let redis = RedisServer::start();
    let emulator = emulator().await;
    let sig = user_sig(&emulator);
    let sdkappid = emulator.credentials().sdkappid();
    let members = [16, 0, 0, 0]
        .into_iter()
        .map(|callers| Member {
            emulator: emulator.base_url(),
            callers,
        })
        .collect();
    let start = now_us() + 1_500_000;
    // The 20 s window.
    let run = Duration::from_secs(20);
    let logs = run_fleet(&redis, sdkappid, &sig, members, start, run).await;
    assert_quota_held(&logs, start, run);
    for log in &logs[1..] {
        assert!(log.permits.is_empty());
    }
    assert_eq!(
        count_code(&emulator, 60007),
        0,
        "no 60007 from the emulator"
    );
    emulator.stop().await;
}

/// Member 0 calls an emulator whose quota something outside the fleet uses up; members 1–3 call
/// another one. Member 0's 60007 must pause all four.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60007_pauses_all_four_members() {
    let redis = RedisServer::start();
    let drained = emulator().await;
    let other = emulator().await;
    let sig = user_sig(&drained);
    let sdkappid = drained.credentials().sdkappid();
    let members = (0..4)
        .map(|i| Member {
            emulator: if i == 0 {
                drained.base_url()
            } else {
                other.base_url()
            },
            callers: 4,
        })
        .collect();
    let start = now_us() + 1_500_000;
    let run = Duration::from_secs(6);
    let fleet = run_fleet(&redis, sdkappid, &sig, members, start, run);
    // 2.5 s in, a client outside the fleet spends the drained emulator's quota (a second's
    // worth, 200) and more.
    let drain = async {
        let wait = u64::try_from(start + 2_500_000 - now_us()).unwrap_or(0);
        tokio::time::sleep(Duration::from_micros(wait)).await;
        let outsider = transport(&drained.base_url(), sdkappid, &sig, Arc::new(Unlimited));
        let calls: Vec<_> = (0..400)
            .map(|_| {
                let t = outsider.clone();
                tokio::spawn(async move { t.execute(&friend_add()).await.is_ok() })
            })
            .collect();
        for c in calls {
            let _ = c.await;
        }
    };
    let (logs, ()) = tokio::join!(fleet, drain);

    let told = &logs[0];
    assert!(!told.hooks.is_empty(), "member 0 saw no rate-limit answer");
    assert!(
        told.hooks.iter().all(|&(_, code)| code == 60007),
        "{:?}",
        told.hooks
    );
    for log in &logs[1..] {
        assert!(
            log.hooks.is_empty() && log.errors.is_empty(),
            "{:?}",
            log.errors
        );
    }
    let h = told.hooks[0].0;
    for (i, log) in logs.iter().enumerate() {
        // Busy before the 60007, silent during the pause (1 s; permits reserved before it may
        // still go in its first 250 ms), busy again after it.
        assert!(
            log.permits_in(h - 1_000_000, h) > 20,
            "member {i} idle before"
        );
        let during = log.permits_in(h + 250_000, h + 800_000);
        assert_eq!(during, 0, "member {i} sent during the fleet's pause");
        assert!(
            log.permits_in(h + 1_200_000, start + run.as_micros() as i64) > 20,
            "member {i} did not resume"
        );
    }
    assert_eq!(count_code(&other, 60007), 0);
    eprintln!(
        "pause: member 0 told {} times; permits in the second after: {:?}",
        told.hooks.len(),
        logs.iter()
            .map(|l| l.permits_in(h, h + 1_000_000))
            .collect::<Vec<_>>()
    );
    drained.stop().await;
    other.stop().await;
}
