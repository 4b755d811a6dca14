//! The state file under a crash: the real binary, killed with SIGKILL under steady writes,
//! restarts with every write answered more than the save interval before the kill, and never a
//! half-applied one.
#![cfg(unix)]
// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tencent_im_emulator::{AppCredentials, StateSnapshot, load_state};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_tencent-im-emulator");
/// The save interval given to the binary.
const INTERVAL: Duration = Duration::from_millis(300);
/// What a loaded machine may add to the interval: the save itself and scheduling delays.
const MARGIN: Duration = Duration::from_millis(700);
/// How long the writes go on before the kill.
const LOAD: Duration = Duration::from_millis(3000);

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tim-emulator-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Spawns the binary; returns it and its address.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("TIM_EMULATOR_SECRET_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    (child, addr)
}

/// One keep-alive connection sending friend_add calls and reading their replies.
struct Writer {
    stream: TcpStream,
    query: String,
    buf: Vec<u8>,
}

impl Writer {
    async fn connect(addr: &str) -> Self {
        let creds = AppCredentials::development();
        let sig = creds.user_sig(Duration::from_secs(600)).unwrap();
        let query = format!(
            "sdkappid={}&identifier={}&usersig={}&random=7&contenttype=json",
            creds.sdkappid(),
            creds.admin(),
            sig.expose()
        );
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            query,
            buf: Vec::new(),
        }
    }

    /// `from` adds `to`; returns the item's ResultCode once answered.
    async fn friend_add(&mut self, from: &str, to: &str) -> i64 {
        let body = format!(
            r#"{{"From_Account":"{from}","AddFriendItem":[{{"To_Account":"{to}","AddSource":"AddSource_Type_Test"}}]}}"#
        );
        let request = format!(
            "POST /v4/sns/friend_add?{} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            self.query,
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await.unwrap();
        let reply = self.read_reply().await;
        reply["ResultItem"][0]["ResultCode"].as_i64().unwrap()
    }

    async fn read_reply(&mut self) -> serde_json::Value {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(split) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..split]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
                if self.buf.len() >= split + 4 + len {
                    let body = self.buf[split + 4..split + 4 + len].to_vec();
                    self.buf.drain(..split + 4 + len);
                    return serde_json::from_slice(&body).unwrap();
                }
            }
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn friends(state: &StateSnapshot, a: &str, b: &str) -> bool {
    state.apps[&1_400_000_000]
        .accounts
        .get(a)
        .is_some_and(|account| account.friends.contains_key(b))
}

fn load(path: &Path) -> StateSnapshot {
    load_state(path).unwrap().expect("the state file exists")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_under_load_keeps_every_write_older_than_the_save_interval() {
    let dir = temp_dir("durability");
    // `x.tmp`: the name that used to be its own temporary file.
    let state = dir.join("x.tmp");
    let state_arg = state.to_str().unwrap();
    let interval = INTERVAL.as_millis().to_string();
    let (mut child, addr) = spawn(&[
        "serve",
        "--accounts",
        "2000",
        "--default-allow-type",
        "AllowType_Type_AllowAny",
        "--rate-limit",
        "0",
        "--state-file",
        state_arg,
        "--save-interval-ms",
        &interval,
    ]);

    // Distinct pairs: user(1 + i / 1000) adds user(1001 + i % 1000), each answered with 0.
    let pair = |i: usize| {
        (
            format!("user{}", 1 + i / 1000),
            format!("user{}", 1001 + i % 1000),
        )
    };
    let mut writer = Writer::connect(&addr).await;
    let mut acknowledged: Vec<(usize, Instant)> = Vec::new();
    let start = Instant::now();
    let mut i = 0;
    while start.elapsed() < LOAD {
        let (from, to) = pair(i);
        assert_eq!(writer.friend_add(&from, &to).await, 0);
        acknowledged.push((i, Instant::now()));
        i += 1;
        // Steady, not flat out: a write every millisecond or so.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // A request in flight at the kill: sent, never answered.
    let (from, to) = pair(i);
    let body = format!(
        r#"{{"From_Account":"{from}","AddFriendItem":[{{"To_Account":"{to}","AddSource":"AddSource_Type_Test"}}]}}"#
    );
    let _ = writer
        .stream
        .write_all(
            format!(
                "POST /v4/sns/friend_add?{} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
                writer.query,
                body.len()
            )
            .as_bytes(),
        )
        .await;
    child.kill().unwrap(); // SIGKILL
    let killed = Instant::now();
    child.wait().unwrap();

    // The file loads, with every write answered more than interval + margin before the kill.
    let saved = load(&state);
    let old_enough: Vec<usize> = acknowledged
        .iter()
        .filter(|(_, at)| killed.duration_since(*at) > INTERVAL + MARGIN)
        .map(|(i, _)| *i)
        .collect();
    assert!(
        old_enough.len() > 100,
        "{} writes old enough of {}",
        old_enough.len(),
        acknowledged.len()
    );
    for &i in &old_enough {
        let (from, to) = pair(i);
        assert!(
            friends(&saved, &from, &to),
            "write {i} ({from} adds {to}) lost"
        );
    }
    // Never half-applied: every friendship in the file is two-way, as each add made it.
    for (user, account) in &saved.apps[&1_400_000_000].accounts {
        for friend in account.friends.keys() {
            assert!(
                friends(&saved, friend, user),
                "{user} -> {friend} without its pair"
            );
        }
    }
    // The binary starts from it, and removes the temporary file a save cut short by the kill
    // may have left next to it.
    let stale = dir.join(".x.tmp.1.2.tmp");
    std::fs::write(&stale, b"{\"half").unwrap();
    let (mut child, addr) = spawn(&["serve", "--state-file", state_arg]);
    let mut writer = Writer::connect(&addr).await;
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name != "x.tmp")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let (from, to) = pair(old_enough[0]);
    // Already friends: the restarted emulator has the write.
    assert_eq!(writer.friend_add(&from, &to).await, 30001);
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
