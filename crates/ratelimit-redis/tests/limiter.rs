//! The fleet limiter against real `redis-server`s (one per test) and the emulator, in one
//! process: sharing, pauses, round trips, Redis stopped and restarted, a slow Redis, passwords,
//! TLS, the facade's builder. The multi-process fleet runs are in `fleet.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::proxy::DelayProxy;
use common::redis::RedisServer;
use common::*;
use tencent_im_protocol::{Endpoint, ErrorCode};
use tencent_im_ratelimit_redis::{Backend, ErrorKind, RedisRateLimiter};
use tencent_im_transport::{ErrorKind as CallErrorKind, Rate, RateLimiter};
use tokio::time::Instant;

const APP: u64 = 1_400_000_000;

fn limiter(url: &str) -> RedisRateLimiter {
    RedisRateLimiter::builder(url, APP).build().unwrap()
}

/// `EXISTS key` is 1.
fn exists(server: &RedisServer, key: &str) -> bool {
    server.command(&["EXISTS", key]).trim() == ":1"
}

/// How many commands clients sent (`INFO commandstats` counts the commands a script runs too:
/// those are left out).
fn commands_by_clients(server: &RedisServer) -> u64 {
    let stats = server.command(&["INFO", "commandstats"]);
    stats
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter_map(|l| l.split_once(":calls="))
        .filter(|(name, _)| !["time", "mget", "get", "set"].contains(name))
        .map(|(_, rest)| rest.split(',').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

/// `PTTL key` in ms.
fn pttl(server: &RedisServer, key: &str) -> i64 {
    server
        .command(&["PTTL", key])
        .trim()
        .trim_start_matches(':')
        .parse()
        .unwrap()
}

#[tokio::test]
async fn members_share_the_schedule_of_their_app_and_endpoint() {
    let server = RedisServer::start();
    let one_a_second = |prefix: &str, app: u64| {
        RedisRateLimiter::builder(&server.url(), app)
            // Not a test of the budget: no fallback on a loaded machine.
            .budget(Duration::from_secs(1))
            .key_prefix(prefix)
            .rate(Endpoint::FriendAdd, Rate::per_second(1).burst(1))
            .rate(Endpoint::FriendCheck, Rate::per_second(1).burst(1))
            .build()
            .unwrap()
    };
    let a = one_a_second("tim:rl", APP);
    let b = one_a_second("tim:rl", APP);
    a.check().await.unwrap();
    b.check().await.unwrap();

    let t = Instant::now();
    a.acquire(Endpoint::FriendAdd).await;
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    let key = a.schedule_key(Endpoint::FriendAdd);
    assert_eq!(key, "tim:rl:{1400000000}:sns/friend_add");
    assert!(exists(&server, key));
    // The schedule expires with the reservation: at most one interval (1 s) ahead.
    let ttl = pttl(&server, key);
    assert!((1..=1_000).contains(&ttl), "{ttl}");

    // Another member of the same app waits for the next slot, 1 s after the first (the checks
    // above take a few ms, so most of the second is left).
    let t = Instant::now();
    b.acquire(Endpoint::FriendAdd).await;
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(700), "{waited:?}");
    // Another endpoint, another prefix, another app: their own schedules, no wait.
    for (limiter, endpoint) in [
        (&b, Endpoint::FriendCheck),
        (&one_a_second("staging:rl", APP), Endpoint::FriendAdd),
        (&one_a_second("tim:rl", APP + 1), Endpoint::FriendAdd),
    ] {
        let t = Instant::now();
        limiter.acquire(endpoint).await;
        assert!(
            t.elapsed() < Duration::from_millis(400),
            "{:?}",
            t.elapsed()
        );
    }
    assert_eq!(a.backend(), Backend::Redis);
    assert_eq!(b.backend(), Backend::Redis);
}

#[tokio::test]
async fn a_permit_costs_one_round_trip() {
    let server = RedisServer::start();
    let limiter = RedisRateLimiter::builder(&server.url(), APP)
        .rate(Endpoint::FriendAdd, Rate::per_second(10_000).burst(1_000))
        .budget(Duration::from_secs(1))
        .build()
        .unwrap();
    // The first permit connects and loads the script.
    limiter.acquire(Endpoint::FriendAdd).await;
    let before = commands_by_clients(&server);
    let permits = 2_000u64;
    for _ in 0..permits {
        limiter.acquire(Endpoint::FriendAdd).await;
    }
    let after = commands_by_clients(&server);
    // One INFO between the two counts.
    let round_trips = after - before - 1;
    assert_eq!(round_trips, permits, "one EVALSHA per permit");
    assert_eq!(limiter.backend(), Backend::Redis);
}

#[tokio::test]
async fn the_script_is_loaded_again_after_a_script_flush() {
    let server = RedisServer::start();
    let limiter = limiter(&server.url());
    limiter.check().await.unwrap();
    limiter.acquire(Endpoint::FriendAdd).await;
    assert_eq!(server.command(&["SCRIPT", "FLUSH"]).trim(), "+OK");
    let key = limiter.schedule_key(Endpoint::FriendCheck).to_owned();
    limiter.acquire(Endpoint::FriendCheck).await;
    assert!(exists(&server, &key));
    assert_eq!(limiter.backend(), Backend::Redis);
}

/// The pause of the tests of pauses: long enough that a permit which does not wait for it comes
/// well before its end on a loaded machine.
const PAUSE: Duration = Duration::from_secs(1);

/// A member of a fleet whose pauses last [`PAUSE`]. Its budget is not the test's subject: a
/// Redis round trip over the default 50 ms would fall back to the local limiter, which knows
/// nothing of another member's pause.
fn pausing_member(url: &str) -> RedisRateLimiter {
    RedisRateLimiter::builder(url, APP)
        .pause(PAUSE)
        .budget(Duration::from_secs(1))
        .build()
        .unwrap()
}

/// `GET key`'s raw reply.
fn get(server: &RedisServer, key: &str) -> String {
    server.command(&["GET", key])
}

/// Waits until the pause a member reported after `before` was read (`GET key` then) is in Redis,
/// written in the background: `key` exists and holds another value, so that an earlier pause
/// still there is not taken for it.
async fn await_pause(server: &RedisServer, key: &str, before: &str) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !(exists(server, key) && get(server, key) != before) {
        assert!(Instant::now() < deadline, "the pause never reached Redis");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_60011_pauses_every_endpoint_of_the_app_for_every_member() {
    let server = RedisServer::start();
    let (told, other) = (pausing_member(&server.url()), pausing_member(&server.url()));
    told.check().await.unwrap();
    other.check().await.unwrap();
    let key = "tim:rl:{1400000000}:pause";
    let before = get(&server, key);
    let t = Instant::now();
    told.rate_limited(
        Endpoint::FriendAdd,
        CallErrorKind::Api(ErrorCode::SDKAPPID_RATE_LIMITED),
    );
    // The pause is written to Redis in the background, for the other members.
    await_pause(&server, key, &before).await;
    // The member that was told pauses too: its next permit comes at the end of the pause.
    told.acquire(Endpoint::FriendGet).await;
    assert!(
        t.elapsed() >= PAUSE - Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
    // So does every endpoint of the other member, from the time the pause was reported.
    let before = get(&server, key);
    let t = Instant::now();
    told.rate_limited(
        Endpoint::FriendAdd,
        CallErrorKind::Api(ErrorCode::SDKAPPID_RATE_LIMITED),
    );
    await_pause(&server, key, &before).await;
    other.acquire(Endpoint::FriendCheck).await;
    let waited = t.elapsed();
    assert!(waited >= PAUSE - Duration::from_millis(100), "{waited:?}");
    assert!(waited < PAUSE * 3, "{waited:?}");

    // A 60007 pauses only its endpoint.
    let key = "tim:rl:{1400000000}:sns/friend_add:pause";
    let before = get(&server, key);
    let t = Instant::now();
    told.rate_limited(
        Endpoint::FriendAdd,
        CallErrorKind::Api(ErrorCode::REST_RATE_LIMITED),
    );
    await_pause(&server, key, &before).await;
    // Another endpoint's permit comes at once: while friend_add's pause is still in Redis.
    let asked = Instant::now();
    other.acquire(Endpoint::FriendCheck).await;
    assert!(
        exists(&server, key),
        "friend_check waited {:?}, for friend_add's pause",
        asked.elapsed()
    );
    other.acquire(Endpoint::FriendAdd).await;
    assert!(
        t.elapsed() >= PAUSE - Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn a_gateway_429_pauses_its_endpoint_for_every_member() {
    let server = RedisServer::start();
    let (told, other) = (pausing_member(&server.url()), pausing_member(&server.url()));
    told.check().await.unwrap();
    other.check().await.unwrap();
    let key = "tim:rl:{1400000000}:sns/friend_add:pause";
    let before = get(&server, key);
    let t = Instant::now();
    told.rate_limited(Endpoint::FriendAdd, CallErrorKind::HttpStatus(429));
    await_pause(&server, key, &before).await;
    // Another endpoint is not paused: its permit comes at once, while the pause of the one
    // answered 429 is still in Redis.
    let asked = Instant::now();
    other.acquire(Endpoint::FriendCheck).await;
    assert!(
        exists(&server, key),
        "friend_check waited {:?}, for friend_add's pause",
        asked.elapsed()
    );
    // The one answered 429 is paused, for the other member too: its permit comes at the end of
    // the pause, which began after `t`.
    other.acquire(Endpoint::FriendAdd).await;
    assert!(
        t.elapsed() >= PAUSE - Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_and_restarted_mid_run() {
    let mut server = RedisServer::start();
    let emulator = emulator().await;
    let sig = user_sig(&emulator);
    let sdkappid = emulator.credentials().sdkappid();
    // Two members of a fleet of two: 100/s each on the fallback.
    let members: Vec<RedisRateLimiter> = (0..2)
        .map(|_| {
            RedisRateLimiter::builder(&server.url(), sdkappid)
                .fleet_size(2)
                .probe_interval(Duration::from_millis(250))
                .build()
                .unwrap()
        })
        .collect();
    assert_eq!(
        members[0].local_rate(Endpoint::FriendAdd),
        Rate::per_second(100).burst(10)
    );
    for m in &members {
        m.check().await.unwrap();
    }
    let start = Instant::now();
    let run = Duration::from_secs(7);
    let permits: Arc<std::sync::Mutex<Vec<(usize, Duration, Backend)>>> = Arc::default();
    let errors = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let limiter = Arc::new(Recorder {
            inner: member.clone(),
            member: i,
            start,
            permits: permits.clone(),
        });
        let transport = transport(&emulator.base_url(), sdkappid, &sig, limiter);
        for _ in 0..16 {
            let transport = transport.clone();
            let errors = errors.clone();
            tasks.push(tokio::spawn(async move {
                while start.elapsed() < run {
                    if transport.execute(&friend_add()).await.is_err() {
                        errors.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }));
        }
    }
    let stop_at = Duration::from_secs(2);
    let restart_at = Duration::from_secs(4);
    tokio::time::sleep_until(start + stop_at).await;
    server.stop();
    let mut saw_local = false;
    while start.elapsed() < restart_at {
        tokio::time::sleep(Duration::from_millis(50)).await;
        saw_local |= members.iter().all(|m| m.backend() == Backend::Local);
    }
    server.restart();
    let restarted = start.elapsed();
    for t in tasks {
        t.await.unwrap();
    }

    assert_eq!(
        errors.load(Ordering::SeqCst),
        0,
        "no error reaches a caller"
    );
    assert_eq!(count_code(&emulator, 60007), 0);
    assert!(saw_local, "both members fell back");
    // Back on Redis: the restarted (empty) server holds the schedule again.
    for m in &members {
        assert_eq!(m.backend(), Backend::Redis);
    }
    assert!(exists(
        &server,
        members[0].schedule_key(Endpoint::FriendAdd)
    ));
    let permits = permits.lock().unwrap().clone();
    // While Redis was down: each member at its share, 100/s (burst 10).
    let (from, to) = (stop_at + Duration::from_millis(500), restart_at);
    let secs = (to - from).as_secs_f64();
    for i in 0..2 {
        let n = permits
            .iter()
            .filter(|(m, t, _)| *m == i && *t >= from && *t < to)
            .count();
        let rate = n as f64 / secs;
        assert!(
            (80.0..=100.0 + 11.0 / secs).contains(&rate),
            "member {i}: {rate}/s"
        );
    }
    // Later, on Redis again, permits came from it.
    let after = permits
        .iter()
        .filter(|(_, t, b)| *t > restarted + Duration::from_secs(2) && *b == Backend::Redis)
        .count();
    assert!(after > 100, "{after} permits from Redis after the restart");
    emulator.stop().await;
}

#[tokio::test]
async fn a_slow_redis_falls_back_within_the_budget_and_is_used_again() {
    let server = RedisServer::start_with(&["--requirepass", "s3cret-pw"]);
    let proxy = DelayProxy::start(server.port()).await;
    let url = proxy.url().replace("redis://", "redis://:s3cret-pw@");
    let log = Captured::default();
    let _guard = tracing::subscriber::set_default(log.subscriber());
    // Wide margins for a loaded 2-core machine: a 200 ms budget, Redis 2 s late, and "within
    // the budget" meaning under 1 s, still half of what waiting for Redis would take.
    let budget = Duration::from_millis(200);
    let limiter = RedisRateLimiter::builder(&url, APP)
        .rate(Endpoint::FriendAdd, Rate::per_second(10_000).burst(1_000))
        .budget(budget)
        .probe_interval(Duration::from_millis(200))
        .build()
        .unwrap();
    limiter.check().await.unwrap();
    limiter.acquire(Endpoint::FriendAdd).await;
    assert_eq!(limiter.backend(), Backend::Redis);

    proxy.set_delay(Duration::from_secs(2));
    // Many callers at once: each is served within the budget (plus scheduling slack).
    let mut calls = Vec::new();
    for _ in 0..20 {
        let l = limiter.clone();
        calls.push(tokio::spawn(async move {
            let t = Instant::now();
            l.acquire(Endpoint::FriendAdd).await;
            t.elapsed()
        }));
    }
    for c in calls {
        let took = c.await.unwrap();
        assert!(took < budget + Duration::from_millis(800), "{took:?}");
    }
    assert_eq!(limiter.backend(), Backend::Local);
    // On the fallback, permits do not wait for Redis (but for one probe per interval).
    for _ in 0..50 {
        let t = Instant::now();
        limiter.acquire(Endpoint::FriendAdd).await;
        assert!(t.elapsed() < budget + Duration::from_millis(800));
    }

    proxy.set_delay(Duration::ZERO);
    let t = Instant::now();
    while limiter.backend() == Backend::Local {
        assert!(
            // A probe sent while Redis was 2 s late may still be on its way.
            t.elapsed() < Duration::from_secs(6),
            "still on the fallback"
        );
        limiter.acquire(Endpoint::FriendAdd).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let text = log.text();
    assert_eq!(text.matches("Redis unavailable").count(), 1, "{text}");
    assert_eq!(text.matches("Redis answers again").count(), 1, "{text}");
    assert!(text.contains(":<redacted>@127.0.0.1"), "{text}");
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(!format!("{limiter:?}").contains("s3cret-pw"));
}

#[tokio::test]
async fn no_redis_at_start_means_the_fallback_at_once() {
    // A port on which nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let limiter = RedisRateLimiter::builder(&format!("redis://127.0.0.1:{port}"), APP)
        .fleet_size(4)
        .build()
        .unwrap();
    let err = limiter.check().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    let t = Instant::now();
    for _ in 0..10 {
        limiter.acquire(Endpoint::FriendAdd).await;
    }
    // Ten permits within the fallback's burst (200/s / 4 = 50/s, burst 5, then 20 ms each).
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(limiter.backend(), Backend::Local);
    assert_eq!(
        limiter.local_rate(Endpoint::FriendAdd),
        Rate::per_second(50).burst(5)
    );
}

#[tokio::test]
async fn passwords_stay_out_of_errors_debug_and_logs() {
    let server = RedisServer::start_with(&["--requirepass", "right-pw-0451"]);
    let log = Captured::default();
    let _guard = tracing::subscriber::set_default(log.subscriber());
    let port = server.port();

    let right = RedisRateLimiter::builder(&format!("redis://:right-pw-0451@127.0.0.1:{port}"), APP)
        .build()
        .unwrap();
    right.check().await.unwrap();
    right.acquire(Endpoint::FriendAdd).await;
    assert_eq!(right.backend(), Backend::Redis);
    assert!(!format!("{right:?}").contains("right-pw-0451"));

    let builder = RedisRateLimiter::builder(
        &format!("redis://fleet:wrong-pw-0451@127.0.0.1:{port}"),
        APP,
    )
    .budget(Duration::from_millis(200));
    let debug = format!("{builder:?}");
    assert!(
        debug.contains("redis://fleet:<redacted>@127.0.0.1"),
        "{debug}"
    );
    let wrong = builder.build().unwrap();
    let err = wrong.check().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    let mut texts = vec![err.to_string(), format!("{err:?}"), format!("{wrong:?}")];
    let mut source = std::error::Error::source(&err);
    assert!(source.is_some(), "the redis error is the source");
    while let Some(s) = source {
        texts.push(s.to_string());
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    // A permit still comes, from the fallback.
    let t = Instant::now();
    wrong.acquire(Endpoint::FriendAdd).await;
    assert!(t.elapsed() < Duration::from_millis(400));
    assert_eq!(wrong.backend(), Backend::Local);
    texts.push(log.text());
    assert!(log.text().contains("Redis unavailable"));
    for text in texts {
        assert!(!text.contains("wrong-pw-0451"), "{text}");
        assert!(!text.contains("right-pw-0451"), "{text}");
    }
}

#[test]
fn bad_settings_are_refused_without_repeating_the_url() {
    let cases = [
        (
            RedisRateLimiter::builder("http://:pw-0451@127.0.0.1", APP),
            ErrorKind::Url,
        ),
        (
            RedisRateLimiter::builder("redis://:pw-0451@", APP),
            ErrorKind::Url,
        ),
        (
            RedisRateLimiter::builder("redis://:pw-0451@127.0.0.1", APP).key_prefix("a{b}"),
            ErrorKind::KeyPrefix,
        ),
        (
            RedisRateLimiter::builder("redis://:pw-0451@127.0.0.1", APP).key_prefix(""),
            ErrorKind::KeyPrefix,
        ),
        (
            RedisRateLimiter::builder("redis://:pw-0451@127.0.0.1", APP)
                .root_certificates_pem("not pem"),
            ErrorKind::Tls,
        ),
        (
            RedisRateLimiter::builder("rediss://:pw-0451@127.0.0.1", APP)
                .root_certificates_pem("not pem"),
            ErrorKind::Tls,
        ),
    ];
    for (builder, kind) in cases {
        let debug = format!("{builder:?}");
        assert!(!debug.contains("pw-0451"), "{debug}");
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert!(!err.to_string().contains("pw-0451"));
        assert!(!format!("{err:?}").contains("pw-0451"));
    }
    // Building needs no runtime and does not connect.
    let l = RedisRateLimiter::builder("rediss://:pw-0451@redis.invalid:6380/2", APP)
        .fleet_size(0)
        .build()
        .unwrap();
    assert_eq!(
        l.local_rate(Endpoint::FriendAdd),
        l.rate(Endpoint::FriendAdd)
    );
    assert_eq!(l.rate(Endpoint::AccountCheck).get(), 100);
}

#[tokio::test]
async fn rediss_with_a_private_root_certificate() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let server = RedisServer::start_tls(&ck.cert.pem(), &ck.key_pair.serialize_pem());
    let trusted = RedisRateLimiter::builder(&server.url(), APP)
        .root_certificates_pem(ck.cert.pem())
        .budget(Duration::from_millis(500))
        .build()
        .unwrap();
    trusted.check().await.unwrap();
    trusted.acquire(Endpoint::FriendAdd).await;
    assert_eq!(trusted.backend(), Backend::Redis);

    // Without the root, the bundled webpki roots refuse the certificate: the fallback serves.
    let untrusted = RedisRateLimiter::builder(&server.url(), APP)
        .connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    assert!(untrusted.check().await.is_err());
    untrusted.acquire(Endpoint::FriendAdd).await;
    assert_eq!(untrusted.backend(), Backend::Local);
}

#[tokio::test]
async fn plugs_into_the_facade_client() {
    let server = RedisServer::start();
    let emulator = emulator().await;
    let app = emulator.credentials();
    let limiter = RedisRateLimiter::builder(&server.url(), app.sdkappid())
        .build()
        .unwrap();
    let client = tencent_im::Client::builder(app.sdkappid(), app.admin())
        .secret_key(app.secret_key())
        .endpoint(&emulator.base_url())
        .rate_limiter(Arc::new(limiter.clone()))
        .build()
        .unwrap();
    let report = client.friend_add("alice").to("bob").send().await;
    assert!(report.is_ok(), "{report:?}");
    assert!(exists(&server, limiter.schedule_key(Endpoint::FriendAdd)));
    emulator.stop().await;
}

/// Records when each permit came and from where.
#[derive(Debug)]
struct Recorder {
    inner: RedisRateLimiter,
    member: usize,
    start: Instant,
    permits: Arc<std::sync::Mutex<Vec<(usize, Duration, Backend)>>>,
}

impl RateLimiter for Recorder {
    fn acquire(&self, endpoint: Endpoint) -> tencent_im_transport::BoxFuture<'_, ()> {
        Box::pin(async move {
            self.inner.acquire(endpoint).await;
            let backend = self.inner.backend();
            self.permits
                .lock()
                .unwrap()
                .push((self.member, self.start.elapsed(), backend));
        })
    }

    fn rate_limited(&self, endpoint: Endpoint, answer: CallErrorKind) {
        self.inner.rate_limited(endpoint, answer);
    }
}

#[test]
fn a_zero_rate_or_burst_is_refused_when_the_transport_is_built() {
    use tencent_im_transport::{ConfigErrorKind, Credentials, Region, Transport, UserSig};
    let build = |rate: Rate| {
        // Building the limiter does not connect, so no server is needed.
        let limiter = RedisRateLimiter::builder("redis://127.0.0.1:1", APP)
            .rate(Endpoint::FriendAdd, rate)
            .build()
            .unwrap();
        Transport::builder(
            Region::Singapore,
            Credentials::fixed(APP, "admin", UserSig::new("s")),
        )
        .rate_limiter(Arc::new(limiter))
        .build()
    };
    let err = build(Rate::per_second(0)).unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::Limit);
    assert_eq!(err.option(), Some("Rate::per_second"));
    assert_eq!(
        err.to_string(),
        "the rate of sns/friend_add is 0 per second: give at least 1"
    );
    let err = build(Rate::per_second(10).burst(0)).unwrap_err();
    assert_eq!(err.option(), Some("Rate::burst"));
    assert!(build(Rate::per_second(10)).is_ok());
}
