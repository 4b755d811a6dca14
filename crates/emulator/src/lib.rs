#![doc = include_str!("../README.md")]
//!
//! # Behaviour
//!
//! The model and every code it answers follow Tencent Cloud Chat's pages of each command and its
//! "Error Codes" page; the repository's `docs/emulator.md` has the table of codes. In short,
//! each request goes through: injected faults, routing
//! ([`tencent_im_protocol::Endpoint::from_path`]), the auth chain (60012, 70020, 60010, 70002,
//! 70003, 70014, 70013, 70009, 70001, then 60002 for `random` / `contenttype`), the per-endpoint
//! rate limit (60007), body decoding (60003, 60015, the service's "bad request" code) and the
//! command itself. With [`Config::callback`], a command that changed the state then queues its
//! after-callback, which one task POSTs to the callback URL ([`Emulator::callbacks`]).
//!
//! Routing, the auth chain and the rate limit read the URL alone, before a byte of the body is
//! read; each connection has header, body and keep-alive idle timeouts, and the body bytes held
//! across connections are bounded ([`Config::max_buffered_body_bytes`]). With
//! [`Config::state_file`], the state is saved every [`Config::save_interval`] while it changes.

mod auth;
mod blocking;
mod callback;
pub mod cli;
mod config;
mod error;
mod fault;
mod handlers;
mod journal;
mod persist;
mod rate;
mod server;
mod state;
mod tls;

pub use blocking::BlockingEmulator;
pub use callback::CallbackEntry;
pub use config::{
    AppCredentials, CALLBACK_TIMEOUT, CallbackConfig, Config, DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_JOURNAL_MAX_BYTES,
    DEFAULT_MAX_BUFFERED_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_SAVE_INTERVAL, DEV_ADMIN,
    DEV_SDKAPPID, DEV_SECRET_KEY, RateLimit, RelationshipLimits, TlsConfig,
};
pub use error::Error;
pub use fault::{FaultKind, Faults};
pub use journal::{JOURNAL_BODY_MAX_BYTES, JournalEntry, REDACTED, redact_query};
pub use persist::{load_state, save_state};
pub use server::Emulator;
pub use state::{Account, AppState, Friend, Pending, StateSnapshot};

/// The body of the HTTP 502 the [`FaultKind::Http502`] fault sends.
pub const BAD_GATEWAY_HTML: &str = server::BAD_GATEWAY_HTML;
