//! Backoff and deadlines with tokio's paused clock: a refused connection fails at once, so the
//! elapsed virtual time is exactly the sum of the delays.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{
    Credentials, DefaultRetryPolicy, ErrorKind, Limits, Target, Transport, Unlimited, UserSig,
};
use tokio::time::Instant;

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn transport(policy: DefaultRetryPolicy, total: Duration) -> Transport {
    Transport::builder(
        Target::custom(&format!("http://127.0.0.1:{}", closed_port())).unwrap(),
        Credentials::fixed(1400000000, "admin", UserSig::new("sig")),
    )
    .retry_policy(Arc::new(policy))
    .rate_limiter(Arc::new(Unlimited))
    .limits(Limits::default().total_timeout(total))
    .build()
    .unwrap()
}

fn command() -> FriendAdd {
    FriendAdd::new(
        "alice",
        vec![AddFriendItem::new("bob", "AddSource_Type_Web")],
    )
}

#[tokio::test(start_paused = true)]
async fn exponential_backoff_without_jitter() {
    let t = transport(
        DefaultRetryPolicy::default().jitter(false),
        Duration::from_secs(30),
    );
    let start = Instant::now();
    let err = t.execute(&command()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert_eq!(err.attempts(), 4);
    // 200 + 400 + 800 ms.
    assert_eq!(start.elapsed(), Duration::from_millis(1400));
}

#[tokio::test(start_paused = true)]
async fn jittered_backoff_stays_within_its_bounds() {
    let t = transport(DefaultRetryPolicy::default(), Duration::from_secs(30));
    let start = Instant::now();
    let err = t.execute(&command()).await.unwrap_err();
    assert_eq!(err.attempts(), 4);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed <= Duration::from_millis(1400),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn no_sleep_past_the_total_timeout() {
    let t = transport(
        DefaultRetryPolicy::default().jitter(false).max_attempts(10),
        Duration::from_millis(1000),
    );
    let start = Instant::now();
    let err = t.execute(&command()).await.unwrap_err();
    // Attempts at 0, 200 and 600 ms; the next delay (800 ms) would pass the deadline.
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert_eq!(start.elapsed(), Duration::from_millis(600));
}

#[tokio::test(start_paused = true)]
async fn the_delay_is_capped() {
    let t = transport(
        DefaultRetryPolicy::default()
            .jitter(false)
            .max_attempts(6)
            .max_delay(Duration::from_millis(500)),
        Duration::from_secs(30),
    );
    let start = Instant::now();
    t.execute(&command()).await.unwrap_err();
    // 200 + 400 + 500 + 500 + 500 ms.
    assert_eq!(start.elapsed(), Duration::from_millis(2100));
}
