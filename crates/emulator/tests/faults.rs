//! Every fault kind, observed by a raw TCP client, set at start or at runtime.

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{config, query, start};
use tencent_im_emulator::{Emulator, FaultKind, Faults};
use tencent_im_protocol::profile::AllowType;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const ADD: &str = r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_A"}]}"#;

/// What a raw client saw: the bytes until the server closed the connection.
struct Raw {
    bytes: Vec<u8>,
}

impl Raw {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn head_and_body(&self) -> (String, Vec<u8>) {
        let split = self
            .bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head");
        (
            String::from_utf8_lossy(&self.bytes[..split]).into_owned(),
            self.bytes[split + 4..].to_vec(),
        )
    }

    fn status(&self) -> u16 {
        let (head, _) = self.head_and_body();
        head.split(' ').nth(1).unwrap().parse().unwrap()
    }

    fn content_length(&self) -> usize {
        let (head, _) = self.head_and_body();
        head.lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .expect("content-length")
            .trim()
            .parse()
            .unwrap()
    }
}

/// One request on a fresh connection (`Connection: close`), reading until the server closes.
async fn raw_post(addr: SocketAddr, path_and_query: &str, body: &str) -> Raw {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => bytes.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server neither answered nor closed"),
        }
    }
    Raw { bytes }
}

async fn add_raw(emulator: &Emulator) -> Raw {
    let path = format!("/v4/sns/friend_add?{}", query(emulator.credentials()));
    raw_post(emulator.local_addr(), &path, ADD).await
}

async fn setup() -> Emulator {
    start(
        config().default_allow_type(AllowType::AllowAny),
        &["alice", "bob"],
    )
    .await
}

fn friends(emulator: &Emulator) -> usize {
    emulator.app_state().accounts["alice"].friends.len()
}

#[tokio::test]
async fn no_fault_is_a_complete_json_reply() {
    let emulator = setup().await;
    let raw = add_raw(&emulator).await;
    assert_eq!(raw.status(), 200);
    let (_, body) = raw.head_and_body();
    assert_eq!(body.len(), raw.content_length());
    let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(reply["ResultItem"][0]["ResultCode"], 0);
    emulator.stop().await;
}

#[tokio::test]
async fn error_30006_and_30007_answer_instead_of_the_request() {
    let emulator = setup().await;
    for (kind, expected) in [
        (FaultKind::Error30006, 30006),
        (FaultKind::Error30007, 30007),
    ] {
        emulator.inject(kind, 1);
        let raw = add_raw(&emulator).await;
        assert_eq!(raw.status(), 200);
        let (_, body) = raw.head_and_body();
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["ActionStatus"], "FAIL");
        assert_eq!(reply["ErrorCode"], expected);
        assert_eq!(friends(&emulator), 0, "the request must not take effect");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn item_faults_fail_every_friend_add_item_and_apply_nothing() {
    let emulator = setup().await;
    for (kind, expected) in [
        (FaultKind::ItemError30006, 30006),
        (FaultKind::ItemError30007, 30007),
    ] {
        emulator.inject(kind, 1);
        let raw = add_raw(&emulator).await;
        assert_eq!(raw.status(), 200);
        let (_, body) = raw.head_and_body();
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["ActionStatus"], "OK");
        assert_eq!(reply["ErrorCode"], 0);
        let items = reply["ResultItem"].as_array().unwrap();
        assert!(!items.is_empty());
        for item in items {
            assert_eq!(item["ResultCode"], expected);
            assert!(
                reply["Fail_Account"]
                    .as_array()
                    .unwrap()
                    .contains(&item["To_Account"])
            );
        }
        assert_eq!(friends(&emulator), 0, "the request must not take effect");
        assert_eq!(emulator.journal().last().unwrap().fault, Some(kind));
    }
    emulator.stop().await;
}

#[tokio::test]
async fn http_502_with_an_html_body() {
    let emulator = setup().await;
    emulator.inject(FaultKind::Http502, 1);
    let raw = add_raw(&emulator).await;
    assert_eq!(raw.status(), 502);
    let (head, body) = raw.head_and_body();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html")
    );
    let body = String::from_utf8(body).unwrap();
    assert!(
        body.starts_with("<html>") && body.contains("502 Bad Gateway"),
        "{body}"
    );
    assert_eq!(friends(&emulator), 0);
    // The next request is served normally.
    assert_eq!(add_raw(&emulator).await.status(), 200);
    assert_eq!(friends(&emulator), 1);
    emulator.stop().await;
}

#[tokio::test]
async fn http_429_with_a_plain_text_body() {
    let emulator = setup().await;
    emulator.inject(FaultKind::Http429, 1);
    let raw = add_raw(&emulator).await;
    assert_eq!(raw.status(), 429);
    let (head, body) = raw.head_and_body();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain")
    );
    assert_eq!(String::from_utf8(body).unwrap(), "too many requests\n");
    assert_eq!(friends(&emulator), 0);
    let last = emulator.journal().last().cloned().unwrap();
    assert_eq!((last.status, last.fault), (429, Some(FaultKind::Http429)));
    assert_eq!(add_raw(&emulator).await.status(), 200);
    assert_eq!(friends(&emulator), 1);
    emulator.stop().await;
}

#[tokio::test]
async fn drop_before_response_closes_without_a_byte() {
    let emulator = setup().await;
    emulator.inject(FaultKind::DropBeforeResponse, 1);
    let raw = add_raw(&emulator).await;
    assert!(raw.bytes.is_empty(), "{}", raw.text());
    assert_eq!(friends(&emulator), 0);
    emulator.stop().await;
}

#[tokio::test]
async fn drop_mid_response_sends_part_of_the_body_then_closes() {
    let emulator = setup().await;
    emulator.inject(FaultKind::DropMidResponse, 1);
    let raw = add_raw(&emulator).await;
    assert_eq!(raw.status(), 200);
    let (_, body) = raw.head_and_body();
    let promised = raw.content_length();
    assert!(
        !body.is_empty() && body.len() < promised,
        "{} of {promised}",
        body.len()
    );
    // The request took effect before its reply was lost.
    assert_eq!(friends(&emulator), 1);
    emulator.stop().await;
}

#[tokio::test]
async fn truncated_body_is_a_complete_response_with_broken_json() {
    let emulator = setup().await;
    emulator.inject(FaultKind::TruncatedBody, 1);
    let raw = add_raw(&emulator).await;
    assert_eq!(raw.status(), 200);
    let (_, body) = raw.head_and_body();
    assert_eq!(body.len(), raw.content_length());
    assert!(body.starts_with(b"{"));
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
    assert_eq!(friends(&emulator), 1);
    emulator.stop().await;
}

#[tokio::test]
async fn non_json_body() {
    let emulator = setup().await;
    emulator.inject(FaultKind::NonJsonBody, 1);
    let raw = add_raw(&emulator).await;
    assert_eq!(raw.status(), 200);
    let (head, body) = raw.head_and_body();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain")
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
    assert_eq!(friends(&emulator), 0);
    emulator.stop().await;
}

#[tokio::test]
async fn latency_is_set_and_cleared_at_runtime() {
    let emulator = setup().await;
    // The added latency is far above what a local request takes even on a loaded machine, so
    // both bounds hold without timing the emulator itself.
    emulator.set_faults(Faults::none().latency(Duration::from_millis(1500)));
    let started = Instant::now();
    assert_eq!(add_raw(&emulator).await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(1500));
    emulator.clear_faults();
    let started = Instant::now();
    assert_eq!(add_raw(&emulator).await.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(1500));
    emulator.stop().await;
}

#[tokio::test]
async fn shares_are_drawn_from_a_seed() {
    let emulator = setup().await;
    let faults = Faults::none()
        .share(FaultKind::Http502, 0.3)
        .share(FaultKind::Error30007, 0.3)
        .seed(42);
    let mut runs = Vec::new();
    for _ in 0..2 {
        emulator.set_faults(faults.clone());
        let mut statuses = Vec::new();
        for _ in 0..30 {
            let raw = add_raw(&emulator).await;
            let (_, body) = raw.head_and_body();
            let code = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["ErrorCode"].as_i64());
            statuses.push((raw.status(), code));
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1], "the same seed injects the same faults");
    assert!(runs[0].iter().any(|s| s.0 == 502));
    assert!(runs[0].iter().any(|s| s.1 == Some(30007)));
    assert!(runs[0].iter().any(|s| s.0 == 200 && s.1 != Some(30007)));
    let journal = emulator.journal();
    assert!(
        journal
            .iter()
            .any(|e| e.fault == Some(FaultKind::Http502) && e.status == 502)
    );
    emulator.stop().await;
}

#[tokio::test]
async fn faults_configured_at_start() {
    let config = config()
        .default_allow_type(AllowType::AllowAny)
        .faults(Faults::none().share(FaultKind::Error30006, 1.0));
    let emulator = start(config, &["alice", "bob"]).await;
    for _ in 0..3 {
        let (_, body) = add_raw(&emulator).await.head_and_body();
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["ErrorCode"], 30006);
    }
    assert_eq!(emulator.faults().shares, [(FaultKind::Error30006, 1.0)]);
    emulator.clear_faults();
    assert_eq!(add_raw(&emulator).await.status(), 200);
    assert_eq!(friends(&emulator), 1);
    emulator.stop().await;
}
