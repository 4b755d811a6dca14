//! End-to-end calls against the emulator over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use tencent_im_emulator::{AppCredentials, Config, Emulator, FaultKind};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_protocol::{Endpoint, ErrorCode};
use tencent_im_transport::{
    Credentials, ErrorKind, NoRetry, Rate, Target, TokenBucket, Transport, UserSig,
};

#[tokio::test]
async fn friend_add_reaches_the_emulator_and_decodes() {
    let emu = emulator(config()).await;
    let sigs = Sigs::new(&emu);
    let transport = builder(&emu, sigs.clone())
        .random_source(Arc::new(|| 4_000_000_001))
        .build()
        .unwrap();
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.random(), 4_000_000_001);
    assert_eq!(resp.attempts(), 1);
    assert_eq!(resp.body().result_items.len(), 1);
    assert_eq!(resp.host(), emu.local_addr().to_string());
    let journal = emu.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].method, "POST");
    assert_eq!(journal[0].path, "/v4/sns/friend_add");
    assert_eq!(
        journal[0].query,
        format!(
            "sdkappid={}&identifier=administrator&usersig=<redacted>&random=4000000001&contenttype=json",
            emu.credentials().sdkappid()
        )
    );
    assert_eq!(journal[0].error_code, Some(0));
    emu.stop().await;
}

#[tokio::test]
async fn identifiers_with_reserved_and_non_ascii_characters_arrive_intact() {
    let admin = "ad min@x&y=z/张三+%";
    let app = AppCredentials::new(1_400_000_123, admin, "a-secret-key-for-this-test");
    let emu = emulator(Config::new(app).rate_limit(tencent_im_emulator::RateLimit::Off)).await;
    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.reply().envelope.error_code, ErrorCode::OK);
    let q = &emu.journal()[0].query;
    assert!(
        q.contains("identifier=ad%20min%40x%26y%3Dz%2F%E5%BC%A0%E4%B8%89%2B%25&"),
        "{q}"
    );
    emu.stop().await;
}

#[tokio::test]
async fn retries_carry_the_same_random_and_succeed() {
    let emu = emulator(config()).await;
    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    emu.inject(FaultKind::Error30006, 1);
    emu.inject(FaultKind::Http502, 1);
    emu.inject(FaultKind::DropBeforeResponse, 1);
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.attempts(), 4);
    let journal = emu.journal();
    assert_eq!(journal.len(), 4);
    assert_eq!(journal[0].error_code, Some(30006));
    assert_eq!(journal[1].status, 502);
    assert_eq!(journal[2].status, 0);
    assert_eq!(journal[3].error_code, Some(0));
    for entry in &journal {
        assert_eq!(random_of(&entry.query), resp.random());
    }
    emu.stop().await;
}

#[tokio::test]
async fn an_http_502_with_html_is_an_http_status_error_after_the_retries() {
    let emu = emulator(config()).await;
    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    emu.inject(FaultKind::Http502, 10);
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus(502));
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.attempts(), 4);
    assert!(err.is_retryable());
    // What the gateway said is the error's source, its whitespace folded.
    let said = err.status_body().expect("the page is kept");
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref());
    assert_eq!(source, Some(said), "and is the source");
    assert!(
        said.text()
            .starts_with("<html> <head><title>502 Bad Gateway</title></head>"),
        "{said}"
    );
    assert!(
        said.text()
            .ends_with("<center>stgw</center> </body> </html>"),
        "{said}"
    );
    assert!(!said.is_cut());
    let journal = emu.journal();
    assert_eq!(journal.len(), 4);
    assert!(journal.iter().all(|e| random_of(&e.query) == err.random()));
    emu.stop().await;
}

#[tokio::test]
async fn non_json_and_truncated_bodies_are_bad_bodies_and_not_retried() {
    let emu = emulator(config()).await;
    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    for fault in [FaultKind::NonJsonBody, FaultKind::TruncatedBody] {
        emu.clear_journal();
        emu.inject(fault, 1);
        let err = transport.execute(&friend_add()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadBody, "{fault}");
        assert!(err.is_bad_body());
        assert!(err.decode_error().is_some());
        assert_eq!(err.attempts(), 1);
        assert_eq!(emu.journal().len(), 1);
    }
    emu.stop().await;
}

#[tokio::test]
async fn a_connection_dropped_mid_response_is_interrupted_and_retried() {
    let emu = emulator(config()).await;
    let no_retry = builder(&emu, Sigs::new(&emu))
        .retry_policy(Arc::new(NoRetry))
        .build()
        .unwrap();
    emu.inject(FaultKind::DropMidResponse, 1);
    let err = no_retry.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Interrupted);
    assert!(std::error::Error::source(&err).is_some());

    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    emu.inject(FaultKind::DropMidResponse, 1);
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.attempts(), 2);
    emu.stop().await;
}

#[tokio::test]
async fn an_expired_sig_is_renewed_once() {
    let emu = emulator(config()).await;
    let sigs = Sigs::build(&emu, true, false);
    let transport = builder(&emu, sigs.clone()).build().unwrap();
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.attempts(), 2);
    assert_eq!(sigs.renewals.load(Ordering::SeqCst), 1);
    let journal = emu.journal();
    assert_eq!(journal[0].error_code, Some(70001));
    assert_eq!(journal[1].error_code, Some(0));
    assert_eq!(random_of(&journal[0].query), random_of(&journal[1].query));
    emu.stop().await;
}

#[tokio::test]
async fn a_fixed_expired_sig_fails_with_70001() {
    let emu = emulator(config()).await;
    let creds = emu.credentials();
    let expired = creds
        .generator()
        .with_clock(tencent_im_usersig::FixedClock::new(1_000_000_000))
        .generate(creds.admin(), Duration::from_secs(60))
        .unwrap();
    let transport = Transport::builder(
        Target::custom(&emu.base_url()).unwrap(),
        Credentials::fixed(
            creds.sdkappid(),
            creds.admin(),
            UserSig::new(expired.expose()),
        ),
    )
    .build()
    .unwrap();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::SIG_EXPIRED));
    assert_eq!(err.api_error().unwrap().code(), ErrorCode::SIG_EXPIRED);
    assert_eq!(err.attempts(), 1);
    emu.stop().await;
}

#[tokio::test]
async fn a_permanent_api_error_is_not_retried() {
    let emu = emulator(config()).await;
    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    let unknown_sender = FriendAdd::new(
        "nobody",
        vec![AddFriendItem::new("bob", "AddSource_Type_Web")],
    );
    let err = transport.execute(&unknown_sender).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api(_)));
    assert_eq!(err.attempts(), 1);
    assert!(!err.is_retryable());
    assert_eq!(emu.journal().len(), 1);
    emu.stop().await;
}

#[tokio::test]
async fn an_invalid_command_is_rejected_before_sending() {
    let emu = emulator(config()).await;
    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    let bad = FriendAdd::new("alice", vec![AddFriendItem::new("bob", "nope")]);
    let err = transport.execute(&bad).await.unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.attempts(), 0);
    assert!(err.validation_error().is_some());
    assert!(emu.journal().is_empty());
    emu.stop().await;
}

/// A command whose map has keys that are not strings: it does not serialize as JSON.
#[derive(serde::Serialize)]
struct Unserializable {
    map: std::collections::BTreeMap<(u8, u8), u8>,
}

impl tencent_im_protocol::Command for Unserializable {
    const ENDPOINT: Endpoint = Endpoint::FriendAdd;
    type Response = tencent_im_protocol::sns::FriendAddResponse;

    fn validate(&self) -> Result<(), tencent_im_protocol::ValidationError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_command_that_does_not_serialize_is_an_encode_error_and_nothing_is_sent() {
    let emu = emulator(config()).await;
    let transport = builder(&emu, Sigs::new(&emu)).build().unwrap();
    let bad = Unserializable {
        map: [((1, 2), 3)].into(),
    };
    let err = transport.execute(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Encode);
    assert!(!err.is_validation());
    assert_eq!(err.attempts(), 0);
    let source = std::error::Error::source(&err).unwrap();
    assert!(
        source
            .downcast_ref::<tencent_im_protocol::EncodeError>()
            .is_some(),
        "{source:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "sns/friend_add failed: cannot encode the request (random {}, attempts 0)",
            err.random()
        )
    );
    assert!(emu.journal().is_empty(), "nothing may be sent");
    emu.stop().await;
}

#[tokio::test]
async fn a_failing_provider_is_a_credentials_error() {
    let emu = emulator(config()).await;
    let transport = builder(&emu, Sigs::build(&emu, false, true))
        .build()
        .unwrap();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "the key store is locked"
    );
    assert!(emu.journal().is_empty());
    emu.stop().await;
}

#[tokio::test]
async fn the_limiter_holds_the_configured_rate() {
    let emu = emulator(config()).await;
    let limiter = TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(40).burst(1));
    let transport = builder(&emu, Sigs::new(&emu))
        .rate_limiter(Arc::new(limiter))
        .build()
        .unwrap();
    let start = Instant::now();
    let calls = (0..21).map(|_| {
        let t = transport.clone();
        tokio::spawn(async move { t.execute(&friend_add()).await.map(|r| r.attempts()) })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    let elapsed = start.elapsed();
    // 21 permits at 40/s with a burst of 1: the last one 500 ms after the first.
    assert!(elapsed >= Duration::from_millis(490), "{elapsed:?}");
    // Not much slower either (generous: the machine may be loaded).
    assert!(elapsed < Duration::from_millis(3000), "{elapsed:?}");
    assert_eq!(emu.journal().len(), 21);
    emu.stop().await;
}

#[tokio::test]
async fn the_emulator_rate_limit_is_retried_with_backoff() {
    let emu = emulator(Config::default().endpoint_rate(Endpoint::FriendAdd, 5)).await;
    let transport = builder(&emu, Sigs::new(&emu))
        .retry_policy(Arc::new(
            tencent_im_transport::DefaultRetryPolicy::default()
                .max_attempts(10)
                .rate_limited_delay(Duration::from_millis(100))
                .max_delay(Duration::from_millis(400)),
        ))
        .build()
        .unwrap();
    for _ in 0..8 {
        transport.execute(&friend_add()).await.unwrap();
    }
    let limited = emu
        .journal()
        .iter()
        .filter(|e| e.error_code == Some(60007))
        .count();
    assert!(limited > 0);
    emu.stop().await;
}

/// A limiter that never waits and records what the transport tells it.
#[derive(Debug, Default)]
struct Recording {
    acquired: std::sync::Mutex<Vec<Endpoint>>,
    rate_limited: std::sync::Mutex<Vec<(Endpoint, ErrorKind)>>,
}

impl tencent_im_transport::RateLimiter for Recording {
    fn acquire(&self, endpoint: Endpoint) -> tencent_im_transport::BoxFuture<'_, ()> {
        self.acquired.lock().unwrap().push(endpoint);
        Box::pin(std::future::ready(()))
    }

    fn rate_limited(&self, endpoint: Endpoint, answer: ErrorKind) {
        self.rate_limited.lock().unwrap().push((endpoint, answer));
    }
}

#[tokio::test]
async fn the_limiter_is_told_of_rate_limit_answers_and_of_nothing_else() {
    // One friend_add a second: the second call in a row gets 60007.
    let emu = emulator(Config::default().endpoint_rate(Endpoint::FriendAdd, 1)).await;
    let limiter = Arc::new(Recording::default());
    let transport = builder(&emu, Sigs::new(&emu))
        .rate_limiter(limiter.clone())
        .build()
        .unwrap();
    // A transient failure, then a success: not rate limits.
    emu.inject(FaultKind::Error30006, 1);
    transport.execute(&friend_add()).await.unwrap();
    assert!(limiter.rate_limited.lock().unwrap().is_empty());
    // Over the emulator's rate: told after every attempt answered with 60007, before the retry
    // policy decides (the call may end either way).
    let result = transport.execute(&friend_add()).await.map(|r| r.attempts());
    let told = limiter.rate_limited.lock().unwrap().clone();
    let limited = emu
        .journal()
        .iter()
        .filter(|e| e.error_code == Some(60007))
        .count();
    assert!(limited >= 1, "{:?}", emu.journal());
    assert_eq!(
        told,
        vec![
            (
                Endpoint::FriendAdd,
                ErrorKind::Api(ErrorCode::REST_RATE_LIMITED)
            );
            limited
        ]
    );
    // Every attempt waited for a permit first.
    assert_eq!(
        limiter.acquired.lock().unwrap().len(),
        emu.journal().len(),
        "{result:?}"
    );
    // A gateway's HTTP 429 is a rate limit too, and a 502 is not.
    limiter.rate_limited.lock().unwrap().clear();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    emu.inject(FaultKind::Http502, 1);
    emu.inject(FaultKind::Http429, 1);
    let result = transport.execute(&friend_add()).await;
    assert_eq!(
        result.map(|r| r.attempts()).ok(),
        Some(3),
        "{:?}",
        emu.journal()
    );
    assert_eq!(
        *limiter.rate_limited.lock().unwrap(),
        vec![(Endpoint::FriendAdd, ErrorKind::HttpStatus(429))]
    );
    emu.stop().await;
}

#[tokio::test]
async fn fails_over_to_the_standby_host_and_comes_back() {
    // A free port on which nothing listens yet: the primary.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let standby = emulator(config()).await;
    let target =
        Target::custom_with_standby(&format!("http://127.0.0.1:{port}"), &standby.base_url())
            .unwrap();
    let transport = builder_for(target, &standby, Sigs::new(&standby))
        .limits(tencent_im_transport::Limits::default().standby_period(Duration::from_millis(1000)))
        .build()
        .unwrap();
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.attempts(), 2);
    assert_eq!(resp.host(), standby.local_addr().to_string());

    // The primary comes up, but the standby period is not over: still the standby.
    let primary = Emulator::start(config().addr(([127, 0, 0, 1], port).into()))
        .await
        .unwrap();
    primary.seed_accounts(["alice", "bob"]);
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.attempts(), 1);
    assert_eq!(resp.host(), standby.local_addr().to_string());
    assert!(primary.journal().is_empty());

    // After the period, back to the primary.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let resp = transport.execute(&friend_add()).await.unwrap();
    assert_eq!(resp.host(), format!("127.0.0.1:{port}"));
    assert_eq!(primary.journal().len(), 1);
    assert_eq!(standby.journal().len(), 2);
    primary.stop().await;
    standby.stop().await;
}
