//! What the tests share: real Redis servers, a slow proxy, the emulator, clients of it.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod proxy;
pub mod redis;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tencent_im_emulator::{Config, Emulator};
use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
use tencent_im_transport::{Credentials, Limits, NoRetry, RateLimiter, Target, Transport, UserSig};

/// An emulator with friend_add at Tencent's 200/s (the catalogue's rates), a journal large
/// enough for the longest run, and the accounts `alice` and `bob`.
pub async fn emulator() -> Emulator {
    let mut config = Config::default();
    config.journal_capacity = 100_000;
    let emulator = Emulator::start(config).await.unwrap();
    emulator.seed_accounts(["alice", "bob"]);
    emulator
}

/// An admin UserSig of the emulator's app, valid for a day.
pub fn user_sig(emulator: &Emulator) -> String {
    emulator
        .credentials()
        .user_sig(Duration::from_secs(86_400))
        .unwrap()
        .expose()
        .to_owned()
}

/// A transport to `base_url` for the development app, with `limiter` and no retries (so that
/// every rate-limit answer reaches the caller and can be counted).
pub fn transport(
    base_url: &str,
    sdkappid: u64,
    sig: &str,
    limiter: Arc<dyn RateLimiter>,
) -> Transport {
    Transport::builder(
        Target::custom(base_url).unwrap(),
        Credentials::fixed(sdkappid, "administrator", UserSig::new(sig)),
    )
    .rate_limiter(limiter)
    .retry_policy(Arc::new(NoRetry))
    .limits(Limits::default().total_timeout(Duration::from_secs(30)))
    .build()
    .unwrap()
}

/// alice adds bob (the same request every time; the reply is a success either way).
pub fn friend_add() -> FriendAdd {
    FriendAdd::new(
        "alice",
        vec![AddFriendItem::new("bob", "AddSource_Type_Fleet")],
    )
}

/// How many journal entries of the emulator have `code`.
pub fn count_code(emulator: &Emulator, code: i64) -> usize {
    emulator
        .journal()
        .iter()
        .filter(|e| e.error_code == Some(code))
        .count()
}

/// A `tracing` writer into a shared buffer, to read what was logged.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// A subscriber that writes every event (debug and up) here.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
