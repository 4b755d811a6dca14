//! `--redis URL`: every command that sends takes its permits from the fleet limiter on a real
//! redis-server started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tencent_im_emulator::{Config, Emulator};

/// A redis-server on 127.0.0.1, killed when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (.ci/run installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    /// How many scripts the server ran (EVAL and EVALSHA): one per permit.
    fn scripts_run(&self) -> u64 {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "INFO", "commandstats"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
            .filter_map(|l| {
                l.split("calls=")
                    .nth(1)?
                    .split(',')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .sum()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_take_their_permits_from_redis() {
    let redis = Redis::start();
    let emulator = Emulator::start(Config::default()).await.unwrap();
    emulator.seed_accounts(["alice", "bob"]);
    let app = emulator.credentials().clone();
    let base = emulator.base_url();
    let port = redis.port;
    let run = move |redis_url: String, args: Vec<&'static str>| {
        let app = app.clone();
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_tim"))
                .env_remove("TIM_REGION")
                .env("TIM_CONFIG", "/nonexistent/tim-test-config.toml")
                .env("TIM_SDKAPPID", app.sdkappid().to_string())
                .env("TIM_IDENTIFIER", app.admin())
                .env("TIM_SECRET_KEY", app.secret_key())
                .env("TIM_ENDPOINT", base)
                .env("TIM_REDIS_URL", redis_url)
                .args(args)
                .output()
                .unwrap()
        })
    };
    let out = run(
        format!("redis://127.0.0.1:{port}"),
        vec!["friend", "add", "--from", "alice", "--to", "bob"],
    )
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One permit for the friend_add (the first request of a limiter also loads the script).
    assert!(redis.scripts_run() >= 1, "no permit came from Redis");
    let before = redis.scripts_run();
    let out = run(
        format!("redis://127.0.0.1:{port}"),
        vec!["account", "check", "alice", "bob"],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        redis.scripts_run() > before,
        "account check took no permit from Redis"
    );

    // A bad URL is a configuration error that never repeats the password.
    let out = run(
        "redis://:hunter2@127.0.0.1:1:2:3".to_owned(),
        vec!["account", "check", "alice"],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--redis"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    emulator.stop().await;
}
