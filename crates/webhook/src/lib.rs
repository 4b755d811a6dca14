#![doc = include_str!("../README.md")]

mod error;
mod query;
mod reply;
mod token;
mod verifier;

pub use error::{InvalidRefusalCode, InvalidToken, VerifyError};
pub use query::CallbackQuery;
pub use reply::{CONTENT_TYPE, CallbackReply, Decision, PrevFriendAddReply, RefusalCode};
pub use token::{CallbackToken, TOKEN_MAX_CHARS};
pub use verifier::{DEFAULT_MAX_BODY_BYTES, DEFAULT_WINDOW, VerifiedCallback, Verifier};

/// The callback wire types (re-exported from `tencent-im-protocol`): [`CallbackEvent`] and one
/// type per command.
///
/// [`CallbackEvent`]: callback::CallbackEvent
pub use tencent_im_protocol::callback;
pub use tencent_im_protocol::callback::CallbackEvent;
/// Where "now" comes from (the same trait as the UserSig crate's and the emulator's).
pub use tencent_im_usersig::{Clock, FixedClock, ManualClock, SystemClock};

// The Rust snippets of the repository's webhook guide, compiled and run as doctests (the path
// is relative to this file).

/// `docs/webhooks.md`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/webhooks.md")]
struct WebhooksGuide;
