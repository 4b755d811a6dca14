//! The `tencent-im-emulator serve` binary: first line, credentials notice, flags, graceful
//! shutdown on SIGTERM and the state file.
#![cfg(unix)]
// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tencent_im_emulator::{AppCredentials, DEV_ADMIN};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const BIN: &str = env!("CARGO_BIN_EXE_tencent-im-emulator");
const SECRET_KEY_VAR: &str = "TIM_EMULATOR_SECRET_KEY";
const CALLBACK_TOKEN_VAR: &str = "TIM_EMULATOR_CALLBACK_TOKEN";

fn temp_path(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("tim-emulator-{}-{n}-{name}", std::process::id()))
}

/// A running binary, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn spawn(args: &[&str]) -> Self {
        Self::spawn_with_key(args, None)
    }

    /// Spawns with `TIM_EMULATOR_SECRET_KEY` set to `key`, or removed.
    fn spawn_with_key(args: &[&str], key: Option<&str>) -> Self {
        Self::spawn_with_env(args, key, None)
    }

    /// Spawns with `TIM_EMULATOR_SECRET_KEY` set to `key` and `TIM_EMULATOR_CALLBACK_TOKEN` to
    /// `callback_token`, or removed.
    fn spawn_with_env(args: &[&str], key: Option<&str>, callback_token: Option<&str>) -> Self {
        let mut command = Command::new(BIN);
        match key {
            Some(key) => command.env(SECRET_KEY_VAR, key),
            None => command.env_remove(SECRET_KEY_VAR),
        };
        match callback_token {
            Some(token) => command.env(CALLBACK_TOKEN_VAR, token),
            None => command.env_remove(CALLBACK_TOKEN_VAR),
        };
        let mut child = command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the binary");
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        let base = first
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        assert!(base.starts_with("http://") || base.starts_with("https://"));
        Self { child, base }
    }

    fn addr(&self) -> String {
        self.base.split_once("://").unwrap().1.to_owned()
    }

    /// SIGTERM, then the exit status and stderr.
    fn terminate(mut self) -> (bool, String) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status.success(), stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(addr: &str, api: &str, creds: &AppCredentials, body: &str) -> serde_json::Value {
    let sig = creds.user_sig(Duration::from_secs(600)).unwrap();
    let request = format!(
        "POST /v4/{api}?sdkappid={}&identifier={}&usersig={}&random=9&contenttype=json HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        creds.sdkappid(),
        creds.admin(),
        sig.expose(),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn serve_prints_the_url_first_and_saves_state_on_sigterm() {
    let state = temp_path("state.json");
    let state_arg = state.to_str().unwrap();
    let server = Server::spawn(&[
        "serve",
        "--port",
        "0",
        "--accounts",
        "3",
        "--default-allow-type",
        "AllowType_Type_AllowAny",
        "--state-file",
        state_arg,
    ]);
    assert!(server.base.starts_with("http://127.0.0.1:"));
    let creds = AppCredentials::development();
    let reply = post(
        &server.addr(),
        "sns/friend_add",
        &creds,
        r#"{"From_Account":"user1","AddFriendItem":[{"To_Account":"user3","AddSource":"AddSource_Type_Cli"}]}"#,
    )
    .await;
    assert_eq!(reply["ResultItem"][0]["ResultCode"], 0, "{reply}");
    let (ok, stderr) = server.terminate();
    assert!(ok, "{stderr}");
    assert!(stderr.contains("development application"), "{stderr}");
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("AddSource_Type_Cli"));

    // Started again from the file, the friendship is still there.
    let server = Server::spawn(&["serve", "--state-file", state_arg]);
    let reply = post(
        &server.addr(),
        "sns/friend_check",
        &creds,
        r#"{"From_Account":"user3","To_Account":["user1"],"CheckType":"CheckResult_Type_Both"}"#,
    )
    .await;
    assert_eq!(
        reply["InfoItem"][0]["Relation"], "CheckResult_Type_BothWay",
        "{reply}"
    );
    let (ok, _) = server.terminate();
    assert!(ok);
    let _ = std::fs::remove_file(&state);
}

#[tokio::test]
async fn serve_with_own_credentials_limits_and_faults() {
    let server = Server::spawn(&[
        "serve",
        "--port",
        "0",
        "--sdkappid",
        "1600000001",
        "--identifier",
        "boss",
        "--secret-key",
        "k3y",
        "--accounts",
        "2",
        "--max-pending",
        "0",
        "--fault",
        "30007=0",
    ]);
    let creds = AppCredentials::new(1_600_000_001, "boss", "k3y");
    let reply = post(
        &server.addr(),
        "sns/friend_add",
        &creds,
        r#"{"From_Account":"user1","AddFriendItem":[{"To_Account":"user2","AddSource":"AddSource_Type_Cli"}]}"#,
    )
    .await;
    assert_eq!(reply["ResultItem"][0]["ResultCode"], 30012, "{reply}");
    // The development credentials do not open this app.
    let reply = post(
        &server.addr(),
        "sns/friend_get",
        &AppCredentials::development(),
        "{}",
    )
    .await;
    assert_eq!(reply["ErrorCode"], 70020);
    let (ok, stderr) = server.terminate();
    assert!(ok);
    assert!(!stderr.contains("development application"), "{stderr}");
    assert!(!stderr.contains("k3y"), "the key is not printed: {stderr}");
}

#[tokio::test]
async fn the_secret_key_can_come_from_the_environment() {
    let server = Server::spawn_with_key(
        &[
            "serve",
            "--port",
            "0",
            "--sdkappid",
            "1600000002",
            "--identifier",
            "boss",
            "--accounts",
            "1",
        ],
        Some("env-k3y"),
    );
    let reply = post(
        &server.addr(),
        "sns/friend_get",
        &AppCredentials::new(1_600_000_002, "boss", "env-k3y"),
        r#"{"From_Account":"user1","StartIndex":0}"#,
    )
    .await;
    assert_eq!(reply["ActionStatus"], "OK", "{reply}");
    // The flag wins over the variable.
    let flagged = Server::spawn_with_key(
        &[
            "serve",
            "--port",
            "0",
            "--sdkappid",
            "1600000002",
            "--secret-key",
            "flag-k3y",
        ],
        Some("env-k3y"),
    );
    let reply = post(
        &flagged.addr(),
        "sns/friend_get",
        &AppCredentials::new(1_600_000_002, DEV_ADMIN, "env-k3y"),
        r#"{"From_Account":"user1","StartIndex":0}"#,
    )
    .await;
    assert_eq!(
        reply["ErrorCode"], 70009,
        "signed with the variable's key: {reply}"
    );
    let (ok, stderr) = server.terminate();
    assert!(ok);
    assert!(
        !stderr.contains("env-k3y"),
        "the key is not printed: {stderr}"
    );
    // Without --sdkappid the variable is refused like the flag, and its value is not echoed.
    let output = Command::new(BIN)
        .args(["serve", "--port", "0"])
        .env(SECRET_KEY_VAR, "env-k3y")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--sdkappid"), "{stderr}");
    assert!(!stderr.contains("env-k3y"), "{stderr}");
}

#[test]
fn bad_flags_are_refused() {
    for args in [
        &["serve", "--sdkappid", "1"][..],
        &["serve", "--fault", "nope=0.1"],
        &["serve", "--fault", "502=2"],
        &["serve", "--default-allow-type", "AllowType_Type_Maybe"],
    ] {
        let output = Command::new(BIN).args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty());
    }
}

/// A writer that hands each write to a channel.
struct ChannelWriter(std::sync::mpsc::Sender<String>);

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.send(String::from_utf8_lossy(buf).into_owned());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Another command line that embeds `serve`.
#[derive(clap::Parser)]
struct Tim {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    Serve(tencent_im_emulator::cli::ServeArgs),
}

/// Waits until what was written to `rx` (gathered in `text`) holds a whole line with `needle`.
async fn wait_for(
    rx: std::sync::mpsc::Receiver<String>,
    mut text: String,
    needle: &'static str,
) -> (std::sync::mpsc::Receiver<String>, String) {
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let whole_line = |text: &str| {
            text.find(needle)
                .is_some_and(|at| text[at..].contains('\n'))
        };
        while !whole_line(&text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(piece) => text.push_str(&piece),
                Err(_) => panic!("never wrote {needle:?}; wrote {text:?}"),
            }
        }
        (rx, text)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn serve_tells_of_a_failing_save_as_it_happens_and_when_it_works_again() {
    use clap::Parser as _;

    // The state file's directory does not exist yet: every periodic save fails.
    let dir = temp_path("missing-dir");
    let state = dir.join("state.json");
    let Sub::Serve(args) = Tim::parse_from([
        "tim",
        "serve",
        "--accounts",
        "2",
        "--save-interval-ms",
        "100",
        "--state-file",
        state.to_str().unwrap(),
    ])
    .command;
    let (err_tx, err_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(tencent_im_emulator::cli::serve(
        args,
        std::io::sink(),
        ChannelWriter(err_tx),
        async move {
            let _ = stop_rx.await;
        },
    ));
    let (err_rx, text) = wait_for(err_rx, String::new(), "warning: cannot save").await;
    assert!(text.contains(state.to_str().unwrap()), "{text}");
    assert!(text.contains("every 100 ms"), "{text}");
    // Told once, not at every failed save.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let text = text + &err_rx.try_iter().collect::<String>();
    assert_eq!(text.matches("warning: cannot save").count(), 1, "{text}");

    std::fs::create_dir_all(&dir).unwrap();
    let (err_rx, _) = wait_for(err_rx, text, "is saved to").await;
    assert!(std::fs::read_to_string(&state).unwrap().contains("user2"));
    stop_tx.send(()).unwrap();
    task.await.unwrap().unwrap();
    let rest: String = err_rx.try_iter().collect();
    assert!(rest.contains("state saved"), "{rest}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn serve_runs_in_process_for_other_command_lines() {
    use clap::Parser as _;

    let state = temp_path("inproc.json");
    let Sub::Serve(args) = Tim::parse_from([
        "tim",
        "serve",
        "--accounts",
        "2",
        "--identifier",
        "ops",
        "--state-file",
        state.to_str().unwrap(),
    ])
    .command;
    let config = args.config().unwrap();
    assert_eq!(config.apps[0].admin(), "ops");
    let (out_tx, out_rx) = std::sync::mpsc::channel();
    let (err_tx, err_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(tencent_im_emulator::cli::serve(
        args,
        ChannelWriter(out_tx),
        ChannelWriter(err_tx),
        async move {
            let _ = stop_rx.await;
        },
    ));
    // `writeln!` may write in pieces: gather the first line.
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        while !line.contains('\n') {
            line.push_str(&out_rx.recv().unwrap());
        }
        line
    })
    .await
    .unwrap();
    let base = first
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap()
        .to_owned();
    let creds = AppCredentials::new(1_400_000_000, "ops", tencent_im_emulator::DEV_SECRET_KEY);
    let reply = post(
        &base,
        "im_open_login_svc/account_check",
        &creds,
        r#"{"CheckItem":[{"UserID":"user2"}]}"#,
    )
    .await;
    assert_eq!(
        reply["ResultItem"][0]["AccountStatus"], "Imported",
        "{reply}"
    );
    stop_tx.send(()).unwrap();
    task.await.unwrap().unwrap();
    let notes: String = err_rx.try_iter().collect();
    assert!(notes.contains("development application"), "{notes}");
    assert!(notes.contains("state saved"), "{notes}");
    assert!(std::fs::read_to_string(&state).unwrap().contains("user2"));
    let _ = std::fs::remove_file(&state);
}

#[tokio::test]
async fn serve_over_tls_from_pem_files() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = temp_path("cert.pem");
    let key_path = temp_path("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let server = Server::spawn(&[
        "serve",
        "--tls-cert",
        cert_path.to_str().unwrap(),
        "--tls-key",
        key_path.to_str().unwrap(),
    ]);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let (ok, _) = server.terminate();
    assert!(ok);
    // A missing key file is an error on stderr and a failure exit, with nothing on stdout.
    let output = Command::new(BIN)
        .args([
            "serve",
            "--tls-cert",
            cert_path.to_str().unwrap(),
            "--tls-key",
            "/nonexistent/key.pem",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("TLS"));
    let _ = std::fs::remove_file(&cert_path);
    let _ = std::fs::remove_file(&key_path);
}

// Multi-threaded: the receiver answers while this thread waits for the child process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_with_the_token_from_the_environment() {
    let receiver = common::Receiver::start(common::Answer::Ack).await;
    let url = receiver.url("/cb");
    let token = "env-cb-t0ken";
    let server = Server::spawn_with_env(
        &[
            "serve",
            "--port",
            "0",
            "--accounts",
            "2",
            "--default-allow-type",
            "AllowType_Type_AllowAny",
            "--callback-url",
            &url,
        ],
        None,
        Some(token),
    );
    let reply = post(
        &server.addr(),
        "sns/friend_add",
        &AppCredentials::development(),
        r#"{"From_Account":"user1","AddFriendItem":[{"To_Account":"user2","AddSource":"AddSource_Type_Cli"}]}"#,
    )
    .await;
    assert_eq!(reply["ResultItem"][0]["ResultCode"], 0, "{reply}");
    // SIGTERM sends what is still queued before exiting.
    let (ok, stderr) = server.terminate();
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(&format!("posting callbacks to {url}, signed")),
        "{stderr}"
    );
    assert!(
        !stderr.contains(token),
        "the token is not printed: {stderr}"
    );
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["CallbackCommand"], "Sns.CallbackFriendAdd");
    let time = got[0].param("RequestTime").unwrap();
    let sign: String = <sha2::Sha256 as sha2::Digest>::digest(format!("{token}{time}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(got[0].param("Sign"), Some(sign.as_str()));
    receiver.stop().await;

    // --help names the variable but never shows its value.
    let output = Command::new(BIN)
        .args(["serve", "--help"])
        .env(CALLBACK_TOKEN_VAR, token)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("--callback-url") && help.contains(CALLBACK_TOKEN_VAR),
        "{help}"
    );
    assert!(!help.contains(token), "{help}");
}

#[test]
fn an_empty_secret_key_is_refused_at_start() {
    // The flag, then the variable.
    for (args, key) in [
        (
            &["serve", "--sdkappid", "1600000003", "--secret-key", ""][..],
            None,
        ),
        (&["serve", "--sdkappid", "1600000003"][..], Some("")),
    ] {
        let mut command = Command::new(BIN);
        match key {
            Some(key) => command.env(SECRET_KEY_VAR, key),
            None => command.env_remove(SECRET_KEY_VAR),
        };
        let output = command.args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?} {key:?}");
        assert!(output.stdout.is_empty(), "never listening");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("secret key"), "{args:?} {key:?}: {stderr}");
    }
    // The flag's message says what is wrong, not only that a value is missing.
    let output = Command::new(BIN)
        .env_remove(SECRET_KEY_VAR)
        .args(["serve", "--sdkappid", "1600000003", "--secret-key", ""])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is empty"), "{stderr}");
}

#[tokio::test]
async fn a_state_file_named_like_a_temporary_file_is_saved_whole() {
    let dir = temp_path("tmpdir");
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("x.tmp");
    let state_arg = state.to_str().unwrap();
    let server = Server::spawn(&[
        "serve",
        "--accounts",
        "2",
        "--default-allow-type",
        "AllowType_Type_AllowAny",
        "--state-file",
        state_arg,
    ]);
    let reply = post(
        &server.addr(),
        "sns/friend_add",
        &AppCredentials::development(),
        r#"{"From_Account":"user1","AddFriendItem":[{"To_Account":"user2","AddSource":"AddSource_Type_Tmp"}]}"#,
    )
    .await;
    assert_eq!(reply["ResultItem"][0]["ResultCode"], 0, "{reply}");
    let (ok, stderr) = server.terminate();
    assert!(ok, "{stderr}");
    let saved = tencent_im_emulator::load_state(&state).unwrap().unwrap();
    assert!(
        saved.apps[&1_400_000_000].accounts["user1"]
            .friends
            .contains_key("user2")
    );
    // Only the state file is in the directory: each save wrote a temporary file of its own and
    // renamed it over `x.tmp`.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["x.tmp"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_corrupt_state_file_says_where_without_its_content() {
    let secret = "sk-live-9f8e7d6c5b4a";
    let cases = [
        // A value of the wrong type: serde_json's own message would quote it.
        format!(
            "{{\"apps\":{{\"1400000000\":{{\"accounts\":{{\"alice\":{{\n  \"allow_type\":\"AllowType_Type_AllowAny\",\n  \"admin_forbid_type\":\"AdminForbid_Type_None\",\n  \"standard_sequence\":\"{secret}\"}}}}}}}}}}"
        ),
        // Cut short in the middle of a value.
        format!("{{\"apps\":{{\"1400000000\":{{\"accounts\":{{\"{secret}"),
        // Not JSON at all.
        format!("{secret} = 1"),
    ];
    for (n, text) in cases.iter().enumerate() {
        let path = temp_path(&format!("corrupt-{n}.json"));
        std::fs::write(&path, text).unwrap();
        let error = tencent_im_emulator::load_state(&path).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, tencent_im_emulator::Error::StateFileCorrupt { .. }),
            "{error:?}"
        );
        assert!(
            message.contains("line ") && message.contains("column "),
            "{message}"
        );
        assert!(!message.contains(secret), "{message}");
        assert!(!format!("{error:?}").contains(secret));
        if n == 0 {
            assert!(message.contains("line 4"), "{message}");
            // The field, by the format's names; the account ID `alice` is not shown.
            assert!(
                message.contains("in apps[…].accounts[…].standard_sequence"),
                "{message}"
            );
            assert!(!message.contains("alice"), "{message}");
        }
        // The binary refuses to start with it, and does not echo it either.
        let output = Command::new(BIN)
            .args(["serve", "--state-file", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not a state snapshot"), "{stderr}");
        assert!(!stderr.contains(secret), "{stderr}");
        let _ = std::fs::remove_file(&path);
    }
}
