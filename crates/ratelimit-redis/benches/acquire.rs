//! The cost of a permit: p50 and p99 of `acquire` for the fleet limiter against a local
//! `redis-server` (started by the bench on a free port of 127.0.0.1, killed at the end) and for
//! the transport's in-process `TokenBucket`, with callers arriving at exactly the quota's rate
//! (200/s, then a quota raised to 10,000/s), so that a permit costs its bookkeeping and not a
//! wait. For Redis it also counts the commands clients sent per permit (`INFO commandstats`,
//! without those the script runs inside Redis): the round trips. A `PING` over the `redis`
//! crate's connection manager, paced the same way, is the reference for one round trip.
//!
//! ```sh
//! cargo bench -p tencent-im-ratelimit-redis --bench acquire            # 5 s per row
//! cargo bench -p tencent-im-ratelimit-redis --bench acquire -- 10      # 10 s per row
//! ```
//!
//! Callers are paced open-loop from one task: every permit due is started as its own task at
//! its time (to the timer's 1 ms resolution, so at 10,000/s about ten start together, within the
//! burst of 1,000), on a two-worker Tokio runtime.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../tests/common/redis.rs"]
mod redis_server;

use std::sync::Arc;
use std::time::Duration;

use redis_server::RedisServer;
use tencent_im_protocol::Endpoint;
use tencent_im_ratelimit_redis::{Backend, RedisRateLimiter};
use tencent_im_transport::{Rate, RateLimiter, TokenBucket};
use tokio::time::Instant;

/// A plain `PING` over the `redis` crate's connection manager: one round trip, for reference.
#[derive(Debug)]
struct Ping(redis::aio::ConnectionManager);

impl RateLimiter for Ping {
    fn acquire(&self, _endpoint: Endpoint) -> tencent_im_transport::BoxFuture<'_, ()> {
        let mut conn = self.0.clone();
        Box::pin(async move {
            let _: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
        })
    }
}

/// Latencies of `acquire` with callers arriving at `rate` per second for `seconds`.
async fn paced(limiter: Arc<dyn RateLimiter>, rate: u32, seconds: u64) -> Vec<Duration> {
    let total = u64::from(rate) * seconds;
    let interval = Duration::from_secs(1) / rate;
    let start = Instant::now() + Duration::from_millis(10);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + interval * i as u32;
        if due > Instant::now() {
            tokio::time::sleep_until(due).await;
        }
        let limiter = limiter.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            limiter.acquire(Endpoint::FriendAdd).await;
            t.elapsed()
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_nanos() as f64 / 1000.0)
}

/// Commands sent by clients so far (the script's own commands left out).
fn client_commands(server: &RedisServer) -> u64 {
    server
        .command(&["INFO", "commandstats"])
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter_map(|l| l.split_once(":calls="))
        .filter(|(name, _)| !["time", "mget", "get", "set"].contains(name))
        .map(|(_, rest)| rest.split(',').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let server = RedisServer::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("| Limiter | Quota | Permits | p50 | p99 | mean | max | commands per permit |");
    println!("|---|---|---|---|---|---|---|---|");
    rt.block_on(async {
        for rate in [200u32, 10_000] {
            let quota = Rate::per_second(rate);
            for kind in [
                "TokenBucket (local)",
                "RedisRateLimiter",
                "PING (reference)",
            ] {
                let (limiter, redis): (Arc<dyn RateLimiter>, Option<RedisRateLimiter>) =
                    if kind.starts_with("PING") {
                        let client = redis::Client::open(server.url()).unwrap();
                        let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
                        (Arc::new(Ping(conn)), None)
                    } else if kind.starts_with("Redis") {
                        let l = RedisRateLimiter::builder(&server.url(), 1_400_000_000)
                            .key_prefix(format!("bench{rate}"))
                            .rate(Endpoint::FriendAdd, quota)
                            .build()
                            .unwrap();
                        l.check().await.unwrap();
                        // The connection and the script are ready: no first-use cost below.
                        l.acquire(Endpoint::FriendAdd).await;
                        (Arc::new(l.clone()), Some(l))
                    } else {
                        let l = TokenBucket::new().with_rate(Endpoint::FriendAdd, quota);
                        (Arc::new(l), None)
                    };
                let before = redis.as_ref().map(|_| client_commands(&server));
                let mut lat = paced(limiter, rate, seconds).await;
                let commands = before.map(|b| client_commands(&server) - b - 1);
                if let Some(r) = &redis {
                    assert_eq!(r.backend(), Backend::Redis, "the run fell back");
                }
                lat.sort();
                let mean = lat.iter().sum::<Duration>() / lat.len() as u32;
                let per_permit = commands.map_or("—".to_owned(), |c| {
                    format!("{:.3}", c as f64 / lat.len() as f64)
                });
                println!(
                    "| {kind} | {rate}/s | {} | {} | {} | {} | {} | {per_permit} |",
                    lat.len(),
                    us(percentile(&lat, 0.5)),
                    us(percentile(&lat, 0.99)),
                    us(mean),
                    us(*lat.last().unwrap()),
                );
            }
        }
    });
    let stats = server.command(&["INFO", "commandstats"]);
    if let Some(line) = stats.lines().find(|l| l.starts_with("cmdstat_evalsha:")) {
        println!("\nRedis's own time per EVALSHA (INFO commandstats): {line}");
    }
}
