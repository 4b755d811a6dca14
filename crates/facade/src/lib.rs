#![doc = include_str!("../README.md")]

mod admin_sig;
mod batch;
mod bulk;
mod client;
mod error;
mod report;

mod account_check;
mod account_import;
mod black_list_add;
mod black_list_check;
mod black_list_delete;
mod friend_add;
mod friend_check;
mod friend_delete;
mod friend_get;
mod multiaccount_import;
mod portrait_set;

pub use admin_sig::{AdminSig, SharedClock, SigPolicy};
pub use batch::ItemRetry;
pub use bulk::{BulkOptions, FriendPair};
pub use client::{Client, ClientBuilder, DEFAULT_ADD_SOURCE};
pub use error::{Error, ErrorKind};
pub use friend_add::FriendAddCall;
pub use report::{Receipt, Report, RequestRecord};

// What the common case needs, so that this crate is the only dependency.
pub use tencent_im_protocol::im_open_login_svc::{
    AccountCheckOutcome, AccountImport, AccountItem, AccountStatus, ImportOutcome,
};
pub use tencent_im_protocol::profile::{AdminForbidType, AllowType, PortraitSet, ProfileItem};
pub use tencent_im_protocol::report::Discrepancy;
pub use tencent_im_protocol::sns::{
    AddFriendItem, AddOutcome, AddType, BlockCheckOutcome, BlockCheckType, BlockOutcome,
    BlockRelation, CheckOutcome, CheckType, DeleteOutcome, DeleteType, ForceAddFlags, Relation,
    UnblockOutcome, UserDataItem,
};
pub use tencent_im_protocol::{
    Command, Endpoint, ErrorClass, ErrorCode, ItemFailure, ItemOutcome, ItemReport,
    ValidationError, Violation,
};
pub use tencent_im_transport::{
    BoxFuture, CallReply, CredentialsError, DefaultRetryPolicy, Limits, NoRetry, Proxy,
    RandomSource, Rate, RateLimiter, Region, RetryPolicy, StatusBody, Target, TlsOptions,
    TokenBucket, Unlimited, UserSig, UserSigProvider,
};
pub use tencent_im_usersig::{Clock, ManualClock, SystemClock};

/// The crates this one is built on, for what the re-exports above leave out.
pub mod layers {
    pub use tencent_im_protocol as protocol;
    pub use tencent_im_transport as transport;
    pub use tencent_im_usersig as usersig;
}

pub use futures_util::StreamExt;
/// Streams: the [`Stream`](stream::Stream) trait the list and bulk calls return, and ways to
/// make one from an iterator ([`stream::iter`]).
pub mod stream {
    pub use futures_util::stream::{Stream, iter};
}

// The Rust snippets of the repository's README and guides, compiled and run as doctests (paths
// are relative to this file). Snippets that need a real Tencent app are `no_run`; the others run
// against an emulator started in-process.

/// The repository README.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct RepositoryReadme;

/// `docs/getting-started.md`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/getting-started.md")]
struct GettingStarted;

/// `docs/errors-and-outcomes.md`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/errors-and-outcomes.md")]
struct ErrorsAndOutcomes;

/// `docs/emulator.md`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/emulator.md")]
struct EmulatorGuide;

/// `docs/commands.md`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/commands.md")]
struct Commands;
