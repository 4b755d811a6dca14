//! Helpers shared by the CLI's test files: `tim` run as a user runs it, with none of the
//! environment's TIM_* settings and no config file of the user's, against emulators started on
//! 127.0.0.1 by the tests. Each test file uses a part of them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tencent_im_emulator::BlockingEmulator;
use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator};

/// The settings of tim that come from the environment; removed so that the machine's own do not
/// leak into a test.
pub(crate) const TIM_VARS: [&str; 8] = [
    "TIM_SDKAPPID",
    "TIM_IDENTIFIER",
    "TIM_SECRET_KEY",
    "TIM_REGION",
    "TIM_ENDPOINT",
    "TIM_PROFILE",
    "TIM_CONFIG",
    "TIM_EMULATOR_SECRET_KEY",
];

/// The proxy variables tim honours, removed so that a test's calls go where it says.
pub(crate) const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// A directory under the system's temporary directory, removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "tim-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The app `tim` is configured for: SDKAppID, admin, key and endpoint.
#[derive(Clone, Debug)]
pub(crate) struct App {
    pub(crate) sdkappid: u64,
    pub(crate) admin: String,
    pub(crate) key: String,
    pub(crate) endpoint: String,
}

impl App {
    /// The app of `emulator`.
    pub(crate) fn of(emulator: &BlockingEmulator) -> Self {
        let app = emulator.credentials();
        Self {
            sdkappid: app.sdkappid(),
            admin: app.admin().to_owned(),
            key: app.secret_key().to_owned(),
            endpoint: emulator.base_url(),
        }
    }

    /// A generator for this app's UserSigs reading the system clock.
    pub(crate) fn generator(&self) -> UserSigGenerator {
        UserSigGenerator::new(self.sdkappid, SecretKey::new(self.key.clone()))
    }

    /// Every admin UserSig tim can have made with this app's key between `from` and `to` (Unix
    /// seconds) for `lifetime`: UserSigs are deterministic, so these are the exact texts to
    /// look for in an output.
    pub(crate) fn admin_sigs(&self, from: u64, to: u64, lifetime: Duration) -> Vec<String> {
        (from.saturating_sub(1)..=to + 1)
            .map(|t| {
                self.generator()
                    .with_clock(FixedClock::new(t))
                    .generate(&self.admin, lifetime)
                    .unwrap()
                    .expose()
                    .to_owned()
            })
            .collect()
    }
}

/// `tim` with no settings but those of `app` (none when `None`) and a config file path that does
/// not exist in `dir`.
pub(crate) fn tim(app: Option<&App>, dir: &TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tim"));
    for var in TIM_VARS.iter().chain(&PROXY_VARS) {
        cmd.env_remove(var);
    }
    cmd.env("TIM_CONFIG", dir.path().join("config.toml"))
        .env("XDG_CONFIG_HOME", dir.path())
        .stdin(Stdio::null());
    if let Some(app) = app {
        cmd.env("TIM_SDKAPPID", app.sdkappid.to_string())
            .env("TIM_IDENTIFIER", &app.admin)
            .env("TIM_SECRET_KEY", &app.key)
            .env("TIM_ENDPOINT", &app.endpoint);
    }
    cmd
}

/// Runs `cmd` with `input` on stdin.
pub(crate) fn run_with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub(crate) fn code(out: &Output) -> i32 {
    out.status.code().expect("tim ended by a signal")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// stdout parsed as one JSON document.
pub(crate) fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

/// Fails if stdout or stderr holds any of `secrets`.
pub(crate) fn assert_no_secret(out: &Output, secrets: &[String]) {
    let all = format!("{}\n{}", stdout(out), stderr(out));
    for secret in secrets {
        assert!(
            !secret.is_empty() && !all.contains(secret.as_str()),
            "a secret ({} chars) appears in the output:\n{all}",
            secret.len()
        );
    }
}

/// The current Unix time.
pub(crate) fn now() -> u64 {
    use tencent_im_usersig::{Clock as _, SystemClock};
    SystemClock.now_unix()
}

/// A 127.0.0.1 port nothing listens on (bound, then released).
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
