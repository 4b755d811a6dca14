//! Timeouts, the body cap, non-2xx answers and the request on the wire, against small raw
//! servers and the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use tencent_im_emulator::Faults;
use tencent_im_protocol::Endpoint;
use tencent_im_transport::{
    ErrorKind, Limits, NoRetry, Rate, Target, TimeoutKind, TokenBucket, Transport,
};
use tokio::io::AsyncWriteExt;

fn no_retry(server: &RawServer, limits: Limits) -> Transport {
    Transport::builder(
        server.target(),
        raw_transport(server, limits.clone()).credentials().clone(),
    )
    .retry_policy(Arc::new(NoRetry))
    .rate_limiter(Arc::new(tencent_im_transport::Unlimited))
    .limits(limits)
    .build()
    .unwrap()
}

#[tokio::test]
async fn connect_timeout_covers_the_tls_handshake() {
    // Accepts TCP, then says nothing: the handshake never completes.
    let server = RawServer::start(|stream| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(stream);
    })
    .await;
    let transport = Transport::builder(
        Target::custom(&format!("https://{}", server.addr)).unwrap(),
        raw_transport(&server, Limits::default())
            .credentials()
            .clone(),
    )
    .retry_policy(Arc::new(NoRetry))
    .limits(Limits::default().connect_timeout(Duration::from_millis(200)))
    .build()
    .unwrap();
    let start = Instant::now();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Connect));
    assert!(err.is_timeout());
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn attempt_timeout_covers_the_headers() {
    let emu = emulator(config().faults(Faults::none().latency(Duration::from_secs(3)))).await;
    let transport = builder(&emu, Sigs::new(&emu))
        .retry_policy(Arc::new(NoRetry))
        .limits(Limits::default().attempt_timeout(Duration::from_millis(200)))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Attempt));
    assert_eq!(err.attempts(), 1);
    assert!(start.elapsed() < Duration::from_secs(2));
    emu.clear_faults();
    emu.stop().await;
}

#[tokio::test]
async fn attempt_timeout_covers_the_body() {
    // Headers and 10 of 100 promised bytes, then silence.
    let server = RawServer::start(|mut stream| async move {
        if read_head(&mut stream).await {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"Action")
                .await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    })
    .await;
    let transport = no_retry(
        &server,
        Limits::default().attempt_timeout(Duration::from_millis(200)),
    );
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Attempt));
}

#[tokio::test]
async fn total_timeout_bounds_the_call() {
    let emu = emulator(config().faults(Faults::none().latency(Duration::from_secs(3)))).await;
    let transport = builder(&emu, Sigs::new(&emu))
        .limits(Limits::default().total_timeout(Duration::from_millis(300)))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Total));
    assert!(start.elapsed() < Duration::from_secs(2));
    emu.clear_faults();
    emu.stop().await;
}

#[tokio::test]
async fn total_timeout_bounds_the_wait_for_a_permit() {
    let server = RawServer::canned(http_response(
        "200 OK",
        "application/json",
        FRIEND_ADD_REPLY.as_bytes(),
    ))
    .await;
    let transport = Transport::builder(
        server.target(),
        raw_transport(&server, Limits::default())
            .credentials()
            .clone(),
    )
    .rate_limiter(Arc::new(
        TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(1).burst(1)),
    ))
    .limits(Limits::default().total_timeout(Duration::from_millis(200)))
    .build()
    .unwrap();
    transport.execute(&friend_add()).await.unwrap();
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Total));
    assert_eq!(err.attempts(), 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_by_its_length() {
    let mut body = vec![b' '; 9 * 1024 * 1024];
    body[..FRIEND_ADD_REPLY.len()].copy_from_slice(FRIEND_ADD_REPLY.as_bytes());
    let server = RawServer::canned(http_response("200 OK", "application/json", &body)).await;
    let transport = no_retry(&server, Limits::default());
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::BodyTooLarge {
            limit: 8 * 1024 * 1024
        }
    );
    assert!(err.is_body_too_large());
}

#[tokio::test]
async fn an_oversized_chunked_body_is_cut_at_the_cap() {
    let server = RawServer::start(|mut stream| async move {
        if read_head(&mut stream).await {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("400\r\n{}\r\n", " ".repeat(0x400));
            for _ in 0..4 {
                let _ = stream.write_all(chunk.as_bytes()).await;
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
    })
    .await;
    let transport = no_retry(&server, Limits::default().max_body_bytes(2048));
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BodyTooLarge { limit: 2048 });
}

#[tokio::test]
async fn a_503_with_html_is_retried_then_reported() {
    let server = RawServer::canned(http_response(
        "503 Service Unavailable",
        "text/html",
        b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
    ))
    .await;
    let transport = raw_transport(&server, Limits::default());
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus(503));
    assert_eq!(err.attempts(), 4);
    // Keep-alive: the answers came without a body read error, over one connection.
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let server = RawServer::canned(http_response(
        "404 Not Found",
        "text/html",
        b"<html>no</html>",
    ))
    .await;
    let transport = raw_transport(&server, Limits::default());
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = RawServer::canned(http_response(
        "200 OK",
        "application/json",
        FRIEND_ADD_REPLY.as_bytes(),
    ))
    .await;
    let transport = raw_transport(&server, Limits::default());
    for _ in 0..20 {
        transport.execute(&friend_add()).await.unwrap();
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_request_on_the_wire() {
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = heads.clone();
    let server = RawServer::start(move |mut stream| {
        let seen = seen.clone();
        async move {
            while let Some(request) = read_request(&mut stream).await {
                seen.lock().unwrap().push(request);
                let reply =
                    http_response("200 OK", "application/json", FRIEND_ADD_REPLY.as_bytes());
                if stream.write_all(&reply).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    let transport = raw_transport(&server, Limits::default());
    let command = friend_add();
    for _ in 0..2 {
        transport.execute(&command).await.unwrap();
    }
    let body = tencent_im_protocol::Command::encode(&command).unwrap();
    let requests = heads.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    for request in requests {
        let text = String::from_utf8(request).unwrap();
        let (head, sent) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap();
        assert!(
            request_line.starts_with(
                "POST /v4/sns/friend_add?sdkappid=1400000000&identifier=admin&usersig="
            ) && request_line.ends_with("&contenttype=json HTTP/1.1"),
            "{request_line}"
        );
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (name, value) = l.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        let values = |name: &str| -> Vec<&str> {
            headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        // One Host header with the port of a custom endpoint, as the URL names it.
        assert_eq!(values("host"), [server.addr.to_string().as_str()]);
        assert_eq!(values("content-type"), ["application/json; charset=utf-8"]);
        assert_eq!(values("content-length"), [body.len().to_string().as_str()]);
        assert_eq!(sent.as_bytes(), &body[..]);
    }
}

#[tokio::test]
async fn a_response_that_is_not_http_is_an_http_error() {
    let server = RawServer::canned(b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec()).await;
    let transport = raw_transport(&server, Limits::default());
    let err = transport.execute(&friend_add()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Http);
    assert_eq!(err.attempts(), 1);
}

#[test]
fn zero_and_overlong_limits_rates_bursts_and_attempts_are_refused_at_build() {
    use tencent_im_transport::{
        ConfigErrorKind, Credentials, DefaultRetryPolicy, Region, TransportBuilder, UserSig,
    };
    let builder = || {
        Transport::builder(
            Region::Singapore,
            Credentials::fixed(1, "a", UserSig::new("s")),
        )
    };
    let refused = |b: TransportBuilder, option: &str, message: &str| {
        let err = b.build().unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::Limit);
        assert_eq!(err.option(), Some(option));
        assert_eq!(err.to_string(), message);
    };
    refused(
        builder().limits(Limits::default().connect_timeout(Duration::ZERO)),
        "Limits::connect_timeout",
        "Limits::connect_timeout is zero: give a positive duration",
    );
    refused(
        builder().limits(Limits::default().attempt_timeout(Duration::ZERO)),
        "Limits::attempt_timeout",
        "Limits::attempt_timeout is zero: give a positive duration",
    );
    refused(
        builder().limits(Limits::default().total_timeout(Duration::ZERO)),
        "Limits::total_timeout",
        "Limits::total_timeout is zero: give a positive duration",
    );
    refused(
        builder().limits(Limits::default().max_body_bytes(0)),
        "Limits::max_body_bytes",
        "Limits::max_body_bytes is zero: every reply would be too large",
    );
    // `Duration::MAX` meant as "no limit" would overflow the clock of every call.
    refused(
        builder().limits(Limits::default().total_timeout(Duration::MAX)),
        "Limits::total_timeout",
        &format!(
            "Limits::total_timeout is over a year ({} s): give at most 31536000 s",
            Duration::MAX.as_secs()
        ),
    );
    refused(
        builder().limits(
            Limits::default().standby_period(Limits::MAX_DURATION + Duration::from_secs(1)),
        ),
        "Limits::standby_period",
        "Limits::standby_period is over a year (31536001 s): give at most 31536000 s",
    );
    builder()
        .limits(Limits::default().total_timeout(Limits::MAX_DURATION))
        .build()
        .unwrap();
    refused(
        builder().rate_limiter(Arc::new(
            TokenBucket::new()
                .with_rate(Endpoint::FriendCheck, Rate::per_second(5))
                .with_rate(Endpoint::FriendAdd, Rate::per_second(0)),
        )),
        "Rate::per_second",
        "the rate of sns/friend_add is 0 per second: give at least 1",
    );
    refused(
        builder().rate_limiter(Arc::new(
            TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(5).burst(0)),
        )),
        "Rate::burst",
        "the burst of sns/friend_add is 0: give at least 1",
    );
    refused(
        builder().retry_policy(Arc::new(DefaultRetryPolicy::default().max_attempts(0))),
        "DefaultRetryPolicy::max_attempts",
        "DefaultRetryPolicy::max_attempts is 0: give at least 1 (1 disables retries)",
    );
    // The smallest values that make sense are kept as given, not raised.
    assert_eq!(Rate::per_second(1).get(), 1);
    assert_eq!(Rate::per_second(0).get(), 0);
    assert_eq!(Rate::per_second(50).burst(1).get_burst(), 1);
    builder()
        .limits(
            Limits::default()
                .connect_timeout(Duration::from_millis(1))
                .attempt_timeout(Duration::from_millis(1))
                .total_timeout(Duration::from_millis(1)),
        )
        .rate_limiter(Arc::new(
            TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(1).burst(1)),
        ))
        .retry_policy(Arc::new(DefaultRetryPolicy::default().max_attempts(1)))
        .build()
        .unwrap();
}
