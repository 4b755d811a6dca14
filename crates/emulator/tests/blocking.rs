//! The emulator from code without an async runtime.

// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use tencent_im_emulator::{BlockingEmulator, Config, RateLimit};
use tencent_im_protocol::Endpoint;

fn post(emulator: &BlockingEmulator, endpoint: Endpoint, body: &str) -> serde_json::Value {
    let url = emulator.url_for(endpoint).unwrap();
    let path = url.strip_prefix(&emulator.base_url()).unwrap();
    let mut stream = TcpStream::connect(emulator.local_addr()).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

#[test]
fn plain_tests_can_use_the_emulator() {
    let emulator = BlockingEmulator::start(Config::default().rate_limit(RateLimit::Off)).unwrap();
    emulator.seed_accounts(["alice", "bob"]);
    let reply = post(
        &emulator,
        Endpoint::FriendAdd,
        r#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_T"}]}"#,
    );
    assert_eq!(reply["ResultItem"][0]["ResultCode"], 30539, "{reply}");
    assert_eq!(emulator.journal().len(), 1);
    let state = emulator.stop();
    let app = state.app(1_400_000_000).unwrap();
    assert!(app.accounts["bob"].pending_in.contains_key("alice"));
}

#[test]
fn dropping_stops_it() {
    let emulator = BlockingEmulator::start(Config::default()).unwrap();
    let addr = emulator.local_addr();
    assert!(format!("{emulator:?}").starts_with("BlockingEmulator(Emulator"));
    drop(emulator);
    let mut closed = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(closed);
}
