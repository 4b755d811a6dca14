//! A real `redis-server` on 127.0.0.1, one per test, killed when dropped.
//!
//! Shared by the integration tests, the unit tests of the script (through `#[path]`) and the
//! benchmark. The binary is `redis-server` on `PATH` (`.ci/run` installs it), or `$REDIS_SERVER`.
//! A test that cannot start it fails: it never skips.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How a server listens.
#[derive(Debug, Clone)]
enum Mode {
    Plain,
    /// TLS only, with these certificate and key files.
    Tls {
        cert: PathBuf,
        key: PathBuf,
    },
}

/// A running `redis-server` (no persistence) on a free port of 127.0.0.1.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    mode: Mode,
    extra: Vec<String>,
}

fn binary() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a local address").port()
}

impl RedisServer {
    /// A plain server without a password.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// A plain server with extra arguments, e.g. `["--requirepass", "pw"]`.
    pub fn start_with(extra: &[&str]) -> Self {
        Self::launch(Mode::Plain, extra)
    }

    /// A server that speaks TLS only, with this PEM certificate and key.
    pub fn start_tls(cert_pem: &str, key_pem: &str) -> Self {
        let dir = new_dir();
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, cert_pem).unwrap();
        std::fs::write(&key, key_pem).unwrap();
        let server = Self::launch(Mode::Tls { cert, key }, &[]);
        let _ = std::fs::remove_dir_all(&dir);
        server
    }

    fn launch(mode: Mode, extra: &[&str]) -> Self {
        let dir = new_dir();
        // Certificate files are copied into the server's directory, so that they live as long
        // as the server.
        let mode = match mode {
            Mode::Plain => Mode::Plain,
            Mode::Tls { cert, key } => {
                let c = dir.join("cert.pem");
                let k = dir.join("key.pem");
                std::fs::copy(&cert, &c).unwrap();
                std::fs::copy(&key, &k).unwrap();
                Mode::Tls { cert: c, key: k }
            }
        };
        let mut server = Self {
            child: None,
            port: 0,
            dir,
            mode,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        };
        let mut last = String::new();
        for _ in 0..10 {
            let port = free_port();
            match server.spawn(port) {
                Ok(child) => {
                    server.child = Some(child);
                    server.port = port;
                    return server;
                }
                Err(e) => last = e,
            }
        }
        panic!(
            "cannot start {} (needed by these tests; .ci/run installs it): {last}",
            binary()
        );
    }

    /// Starts the process on `port` and waits until it accepts connections.
    fn spawn(&self, port: u16) -> Result<Child, String> {
        let log = self.dir.join(format!("redis-{port}.log"));
        let _ = std::fs::remove_file(&log);
        let mut cmd = Command::new(binary());
        cmd.arg("--bind")
            .arg("127.0.0.1")
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--daemonize")
            .arg("no")
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(&log);
        match &self.mode {
            Mode::Plain => {
                cmd.arg("--port").arg(port.to_string());
            }
            Mode::Tls { cert, key } => {
                cmd.arg("--port")
                    .arg("0")
                    .arg("--tls-port")
                    .arg(port.to_string())
                    .arg("--tls-cert-file")
                    .arg(cert)
                    .arg("--tls-key-file")
                    .arg(key)
                    .arg("--tls-auth-clients")
                    .arg("no");
            }
        }
        cmd.args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!("exited with {status}: {text}"));
            }
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("Ready to accept connections") && accepts(port) {
                return Ok(child);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("not ready after 10 s: {text}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT` (`rediss://localhost:PORT` for TLS).
    pub fn url(&self) -> String {
        match self.mode {
            Mode::Plain => format!("redis://127.0.0.1:{}", self.port),
            Mode::Tls { .. } => format!("rediss://localhost:{}", self.port),
        }
    }

    /// Kills the server (SIGKILL: as if the machine went away).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        let mut last = String::new();
        for _ in 0..50 {
            match self.spawn(self.port) {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("cannot restart redis-server on port {}: {last}", self.port);
    }

    /// Sends one command in RESP (plain servers only) and returns the raw reply.
    pub fn command(&self, args: &[&str]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(req.as_bytes()).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        // Replies of the commands used here arrive in one piece or a few: read until a
        // complete reply is in (a bulk string's announced length, or one line).
        loop {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            if complete(&out) {
                break;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The value of `field` in `INFO`'s output (e.g. `total_commands_processed`).
    pub fn info_field(&self, section: &str, field: &str) -> Option<String> {
        let info = self.command(&["INFO", section]);
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .map(|v| v.trim().to_owned())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn new_dir() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tim-redis-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn accepts(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Whether `out` holds one whole RESP reply (enough for the commands used here).
fn complete(out: &[u8]) -> bool {
    let Some(end) = out.windows(2).position(|w| w == b"\r\n") else {
        return false;
    };
    match out.first() {
        Some(b'$') => {
            let len: i64 = std::str::from_utf8(&out[1..end])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(-1);
            len < 0 || out.len() >= end + 2 + len as usize + 2
        }
        _ => true,
    }
}
