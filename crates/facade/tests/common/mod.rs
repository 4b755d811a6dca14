//! What the facade's tests share: an emulator started in the test, and a client pointed at it.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use tencent_im::{Client, ClientBuilder, ItemRetry, Unlimited};
use tencent_im_emulator::{Config, Emulator, JournalEntry, RateLimit};

/// An emulator without rate limits (the client's limiter is tested on its own).
pub async fn emulator(config: Config) -> Emulator {
    Emulator::start(config.rate_limit(RateLimit::Off))
        .await
        .expect("the emulator starts")
}

/// A builder for a client of `emulator`'s app, with short item-resend delays.
pub fn builder(emulator: &Emulator) -> ClientBuilder {
    let app = emulator.credentials();
    Client::builder(app.sdkappid(), app.admin())
        .secret_key(app.secret_key())
        .endpoint(&emulator.base_url())
        .rate_limiter(Arc::new(Unlimited))
        .item_retry(
            ItemRetry::default().delays(Duration::from_millis(1), Duration::from_millis(10)),
        )
}

/// A client of `emulator`'s app.
pub fn client(emulator: &Emulator) -> Client {
    builder(emulator).build().expect("the client builds")
}

/// The journal's requests to `path`, e.g. `/v4/sns/friend_add`.
pub fn requests_to(emulator: &Emulator, path: &str) -> Vec<JournalEntry> {
    emulator
        .journal()
        .into_iter()
        .filter(|e| e.path == path)
        .collect()
}

/// The `random` query value of a journal entry.
pub fn random_of(entry: &JournalEntry) -> u32 {
    entry
        .query
        .split('&')
        .find_map(|p| p.strip_prefix("random="))
        .and_then(|r| r.parse().ok())
        .expect("every request has a random")
}
