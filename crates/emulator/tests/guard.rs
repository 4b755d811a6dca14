//! The connection guard: header, body and keep-alive idle timeouts, the query checked before the
//! body is read, and the bound on request-body bytes held across connections.

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{config, query, start};
use serde_json::Value;
use tencent_im_emulator::{AppCredentials, Config, Emulator, Error};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Long enough for any of these tests to notice a connection that stays open.
const PATIENCE: Duration = Duration::from_secs(15);

fn guarded(header: Duration, body: Duration, idle: Duration) -> Config {
    config().timeouts(header, body, idle)
}

/// The head of a POST to friend_get with `query`, announcing `len` body bytes.
fn head(query: &str, len: usize) -> String {
    format!("POST /v4/sns/friend_get?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n")
}

/// Reads one response: its status, its header block (lower-cased) and its body.
async fn read_response(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let split = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
            .await
            .expect("a response in time")
            .expect("read");
        assert!(n > 0, "closed before a response: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = buf[split + 4..].to_vec();
    while body.len() < len {
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
            .await
            .expect("the body in time")
            .expect("read");
        assert!(n > 0, "closed mid-body");
        body.extend_from_slice(&chunk[..n]);
    }
    (status, head, body)
}

/// Whether the server closes `stream` (EOF or reset) within [`PATIENCE`].
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(PATIENCE, stream.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

fn error_code(body: &[u8]) -> i64 {
    let reply: Value = serde_json::from_slice(body).unwrap();
    reply["ErrorCode"].as_i64().unwrap()
}

#[tokio::test]
async fn a_client_slow_to_send_its_headers_is_cut() {
    let emulator = start(
        guarded(
            Duration::from_millis(300),
            Duration::from_secs(60),
            Duration::from_secs(60),
        ),
        &[],
    )
    .await;
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    // Part of a request head, and nothing more: the idle timeout (60 s) does not apply any more.
    stream
        .write_all(b"POST /v4/sns/friend_get HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(closed_by_server(&mut stream).await, "cut after 300 ms");
    emulator.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let emulator = start(
        guarded(
            Duration::from_secs(60),
            Duration::from_secs(60),
            Duration::from_millis(300),
        ),
        &["alice"],
    )
    .await;
    let q = query(emulator.credentials());
    let body = r#"{"From_Account":"alice","StartIndex":0}"#;
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(format!("{}{body}", head(&q, body.len())).as_bytes())
        .await
        .unwrap();
    let (status, head_text, reply) = read_response(&mut stream).await;
    assert_eq!((status, error_code(&reply)), (200, 0));
    assert!(!head_text.contains("connection: close"), "{head_text}");
    assert!(
        closed_by_server(&mut stream).await,
        "closed after 300 ms idle"
    );

    // With the default idle timeout (90 s), a connection idle for a second still serves.
    let patient = start(config(), &["alice"]).await;
    let mut stream = TcpStream::connect(patient.local_addr()).await.unwrap();
    for _ in 0..2 {
        stream
            .write_all(format!("{}{body}", head(&q, body.len())).as_bytes())
            .await
            .unwrap();
        let (status, _, reply) = read_response(&mut stream).await;
        assert_eq!((status, error_code(&reply)), (200, 0));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    emulator.stop().await;
    patient.stop().await;
}

#[tokio::test]
async fn a_slow_body_is_answered_60002_and_the_connection_closed() {
    let emulator = start(
        guarded(
            Duration::from_secs(60),
            Duration::from_millis(300),
            Duration::from_secs(60),
        ),
        &["alice"],
    )
    .await;
    let q = query(emulator.credentials());
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(format!("{}{{\"From_Acc", head(&q, 100)).as_bytes())
        .await
        .unwrap();
    let (status, head_text, reply) = read_response(&mut stream).await;
    assert_eq!((status, error_code(&reply)), (200, 60002));
    assert!(
        String::from_utf8_lossy(&reply).contains("did not arrive within 300 ms"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert!(head_text.contains("connection: close"), "{head_text}");
    assert!(closed_by_server(&mut stream).await);
    emulator.stop().await;
}

#[tokio::test]
async fn a_bad_sig_is_refused_before_the_body_is_sent() {
    let emulator = start(config(), &[]).await;
    let creds = emulator.credentials().clone();
    let bad = format!(
        "sdkappid={}&identifier={}&usersig=not-a-sig&random=1&contenttype=json",
        creds.sdkappid(),
        creds.admin()
    );
    // Forty connections announce nearly 8 MiB each and send none of it: each is answered from
    // its URL alone (70003, the sig cannot be decoded) and closed, its body never waited for.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let addr = emulator.local_addr();
        let head = head(&bad, 8_000_000);
        tasks.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            let (status, head_text, reply) = read_response(&mut stream).await;
            assert_eq!((status, error_code(&reply)), (200, 70003));
            assert!(head_text.contains("connection: close"), "{head_text}");
            assert!(closed_by_server(&mut stream).await);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    // The journal has them, with no body.
    let journal = emulator.journal();
    assert_eq!(journal.len(), 40);
    assert!(
        journal
            .iter()
            .all(|e| e.body.is_empty() && e.error_code == Some(70003))
    );

    // A small body after a refusal is read and dropped: the connection keeps serving.
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    for _ in 0..2 {
        stream
            .write_all(format!("{}{{}}", head(&bad, 2)).as_bytes())
            .await
            .unwrap();
        let (status, head_text, reply) = read_response(&mut stream).await;
        assert_eq!((status, error_code(&reply)), (200, 70003));
        assert!(!head_text.contains("connection: close"), "{head_text}");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn bodies_held_across_connections_stay_under_the_bound() {
    let emulator = start(config().max_buffered_body_bytes(1 << 20), &["alice"]).await;
    let q = query(emulator.credentials());
    let addr = emulator.local_addr();
    let big = 700_000;

    // A and B each announce 700 000 bytes and send part of them: together they would go over
    // the 1 MiB bound, so whichever comes second is answered 503 before its body is read, and
    // closed, while the first holds its share.
    let prefix = r#"{"From_Account":"alice","#;
    let mut a = TcpStream::connect(addr).await.unwrap();
    let mut b = TcpStream::connect(addr).await.unwrap();
    for stream in [&mut a, &mut b] {
        stream
            .write_all(format!("{}{prefix}", head(&q, big)).as_bytes())
            .await
            .unwrap();
    }
    let (mut holder, (status, head_text, reply), mut refused) = tokio::select! {
        answer = read_response(&mut a) => (b, answer, a),
        answer = read_response(&mut b) => (a, answer, b),
    };
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&reply));
    assert!(head_text.contains("connection: close"), "{head_text}");
    assert!(head_text.contains("retry-after: 1"), "{head_text}");
    assert!(String::from_utf8_lossy(&reply).contains("too many request bodies"));
    assert!(closed_by_server(&mut refused).await);

    // A chunked body that would go over is refused too, once its chunk comes in.
    let mut c = TcpStream::connect(addr).await.unwrap();
    let chunk = "x".repeat(400_000);
    c.write_all(
        format!(
            "POST /v4/sns/friend_get?{q} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n",
            chunk.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let (status, _, _) = read_response(&mut c).await;
    assert_eq!(status, 503);

    // The holder finishes: it is answered (a trailing comma: not JSON, but answered).
    let rest = format!("{}}}", " ".repeat(big - prefix.len() - 1));
    holder.write_all(rest.as_bytes()).await.unwrap();
    let (status, _, reply) = read_response(&mut holder).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    assert_ne!(error_code(&reply), 0);
    // Its bytes are released: a body as large goes through now.
    let mut d = TcpStream::connect(addr).await.unwrap();
    let json = r#"{"From_Account":"alice","StartIndex":0}"#;
    let body = format!("{json}{}", " ".repeat(big - json.len()));
    d.write_all(format!("{}{body}", head(&q, body.len())).as_bytes())
        .await
        .unwrap();
    let (status, _, reply) = read_response(&mut d).await;
    assert_eq!(
        (status, error_code(&reply)),
        (200, 0),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    // The journal keeps the start of a large body and its length, not the whole of it.
    let last = emulator.journal().pop().unwrap();
    assert!(last.body.starts_with(json), "{}", &last.body[..80]);
    assert!(last.body.ends_with(&format!("… ({big} bytes in all)")));
    assert!(last.body.len() < tencent_im_emulator::JOURNAL_BODY_MAX_BYTES + 64);
    emulator.stop().await;
}

#[tokio::test]
async fn a_body_larger_than_the_whole_bound_is_refused_for_good_not_asked_to_retry() {
    let emulator = start(config().max_buffered_body_bytes(1 << 20), &["alice"]).await;
    let q = query(emulator.credentials());
    // 1.5 MiB announced: under the 8 MiB of one body, over all the emulator may hold.
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(head(&q, 3 << 19).as_bytes())
        .await
        .unwrap();
    let (status, head_text, reply) = read_response(&mut stream).await;
    assert_eq!((status, error_code(&reply)), (200, 60002));
    let text = String::from_utf8_lossy(&reply);
    assert!(text.contains("1048576 bytes"), "{text}");
    assert!(!head_text.contains("retry-after"), "{head_text}");
    assert!(closed_by_server(&mut stream).await);
    emulator.stop().await;
}

#[tokio::test]
async fn an_empty_secret_key_or_a_zero_timeout_is_refused_at_start() {
    let empty = Config::new(AppCredentials::new(1_600_000_000, "admin", ""));
    let error = Emulator::start(empty).await.unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("secret key") && message.contains("empty"),
        "{message}"
    );
    // Another app with an empty key is refused too.
    let second = config().with_app(AppCredentials::new(1_600_000_001, "admin", ""));
    assert!(matches!(
        Emulator::start(second).await,
        Err(Error::Config(m)) if m.contains("1600000001")
    ));
    let zero = config().timeouts(
        Duration::ZERO,
        Duration::from_secs(1),
        Duration::from_secs(1),
    );
    assert!(matches!(
        Emulator::start(zero).await,
        Err(Error::Config(m)) if m.contains("header_timeout")
    ));
}

#[tokio::test]
async fn refused_requests_take_nothing_from_the_body_budget() {
    let emulator = start(config().max_buffered_body_bytes(256 << 10), &["alice"]).await;
    let addr = emulator.local_addr();
    // Eight requests with a bad sig, each announcing 64 KiB (512 KiB in all, twice the bound)
    // and sending none of it: they are refused from the URL and their bodies only drained.
    let bad = "sdkappid=1&identifier=x&usersig=bad&random=1&contenttype=json";
    let mut idle = Vec::new();
    for _ in 0..8 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(head(bad, 64 << 10).as_bytes())
            .await
            .unwrap();
        let (status, _, reply) = read_response(&mut stream).await;
        assert_eq!(status, 200);
        assert_ne!(error_code(&reply), 0);
        idle.push(stream);
    }
    // Meanwhile a signed request with a 200 KB body is served, not answered 503.
    let q = query(emulator.credentials());
    let json = r#"{"From_Account":"alice","StartIndex":0}"#;
    let body = format!("{json}{}", " ".repeat(200_000 - json.len()));
    let mut good = TcpStream::connect(addr).await.unwrap();
    good.write_all(format!("{}{body}", head(&q, body.len())).as_bytes())
        .await
        .unwrap();
    let (status, _, reply) = read_response(&mut good).await;
    assert_eq!(
        (status, error_code(&reply)),
        (200, 0),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    // A refused body that never comes is not waited for long: its connection is closed.
    assert!(closed_by_server(&mut idle[0]).await);
    emulator.stop().await;
}

#[tokio::test]
async fn connections_over_the_bound_are_closed_at_once() {
    let emulator = start(config().max_connections(4), &["alice"]).await;
    let addr = emulator.local_addr();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Let the emulator accept the four.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    assert!(closed_by_server(&mut fifth).await);
    // Once one closes, a new connection is served again.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let q = query(emulator.credentials());
    let json = r#"{"From_Account":"alice","StartIndex":0}"#;
    let mut again = TcpStream::connect(addr).await.unwrap();
    again
        .write_all(format!("{}{json}", head(&q, json.len())).as_bytes())
        .await
        .unwrap();
    let (status, _, reply) = read_response(&mut again).await;
    assert_eq!((status, error_code(&reply)), (200, 0));
    emulator.stop().await;
}
