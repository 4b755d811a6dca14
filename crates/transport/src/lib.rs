#![doc = include_str!("../README.md")]

mod client;
mod config;
mod connector;
mod credentials;
mod error;
mod proxy;
mod rate_limit;
mod region;
mod retry;
mod url;

pub use client::{CallReply, RandomSource, Transport, TransportBuilder};
pub use config::{Limits, TlsOptions};
pub use credentials::{BoxFuture, Credentials, FixedUserSig, UserSig, UserSigProvider};
pub use error::{
    ConfigError, ConfigErrorKind, CredentialsError, ErrorKind, StatusBody, TimeoutKind,
    TransportError,
};
pub use proxy::Proxy;
pub use rate_limit::{Rate, RateLimiter, TokenBucket, Unlimited};
pub use region::{BaseUrl, Region, Scheme, Target};
pub use retry::{DefaultRetryPolicy, NoRetry, RetryContext, RetryDecision, RetryPolicy};
