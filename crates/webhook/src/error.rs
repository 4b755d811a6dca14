//! The errors: which check a callback failed ([`VerifyError`]), a token of the wrong length
//! ([`InvalidToken`]) and a refusal code out of range ([`InvalidRefusalCode`]).
//!
//! No error ever holds or prints the token or the expected `Sign`.

use std::num::ParseIntError;

use tencent_im_protocol::DecodeError;

/// Why a request is not an authentic, fresh, well-formed callback of this application.
///
/// Each variant names the check that failed. [`http_status`](Self::http_status) suggests the
/// status to answer with; [`is_auth_failure`](Self::is_auth_failure) tells a request that may
/// not come from Tencent from a malformed one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The request is not a POST (Tencent always POSTs).
    #[error("a callback is a POST, this request is a {method}")]
    Method {
        /// The request's method.
        method: String,
    },
    /// The body is over the verifier's cap.
    #[error("the callback body is {actual} bytes, over the limit of {limit} bytes")]
    BodyTooLarge {
        /// The cap, in bytes.
        limit: usize,
        /// The body's length, in bytes.
        actual: usize,
    },
    /// A query parameter Tencent always sends is missing (keys match in any letter case).
    #[error("the query has no {name} parameter")]
    MissingParameter {
        /// The parameter, e.g. `Sign`.
        name: &'static str,
    },
    /// A query parameter appears more than once (keys match in any letter case, so `SdkAppid`
    /// and `SdkAppId` are the same parameter).
    #[error("the query has the {name} parameter more than once")]
    DuplicateParameter {
        /// The parameter, e.g. `RequestTime`.
        name: &'static str,
    },
    /// `SdkAppid` or `RequestTime` is not a decimal number.
    #[error("the {name} parameter is not a decimal number")]
    InvalidNumber {
        /// The parameter.
        name: &'static str,
        /// Why it does not parse.
        #[source]
        source: ParseIntError,
    },
    /// `Sign` is not 64 hexadecimal digits.
    #[error("the Sign parameter is not 64 hexadecimal digits")]
    MalformedSign,
    /// The callback is for another application.
    #[error("the callback is for SDKAppID {found}, not {expected}")]
    WrongApp {
        /// This verifier's SDKAppID.
        expected: u64,
        /// The query's `SdkAppid`.
        found: u64,
    },
    /// `Sign` is not SHA-256 of the token and `RequestTime`: the sender does not know the token
    /// (or the token in the console and here differ).
    #[error("the Sign parameter does not match the callback token and RequestTime")]
    BadSignature,
    /// `RequestTime` is further from now than the window allows (a replay, or a clock off).
    #[error(
        "RequestTime {request_time} is {} s {} now ({now}), outside the window of {window_secs} s",
        request_time.abs_diff(*now),
        if request_time < now { "before" } else { "after" }
    )]
    Stale {
        /// The query's `RequestTime`, Unix seconds.
        request_time: u64,
        /// The verifier's clock, Unix seconds.
        now: u64,
        /// The allowed distance, in seconds.
        window_secs: u64,
    },
    /// The replay cache has seen this callback already.
    #[error("this callback (RequestTime {request_time}) was already received: a replay")]
    Replayed {
        /// The query's `RequestTime`.
        request_time: u64,
    },
    /// The body is not a callback body (not JSON, no `CallbackCommand`, or the wrong shape for
    /// its command).
    #[error("the callback body cannot be decoded")]
    Decode(#[source] DecodeError),
    /// The query's `CallbackCommand` and the body's differ.
    #[error("the query's CallbackCommand {query} differs from the body's {body}")]
    CommandMismatch {
        /// The query's value.
        query: String,
        /// The body's value.
        body: String,
    },
}

impl VerifyError {
    /// Whether the request failed authentication (wrong app, bad or malformed `Sign`, stale
    /// `RequestTime`, replay, or a missing or doubled `Sign`, `RequestTime` or `SdkAppid`), as
    /// opposed to a malformed callback.
    pub fn is_auth_failure(&self) -> bool {
        match self {
            Self::WrongApp { .. }
            | Self::BadSignature
            | Self::MalformedSign
            | Self::Stale { .. }
            | Self::Replayed { .. } => true,
            Self::MissingParameter { name } | Self::DuplicateParameter { name } => {
                matches!(*name, "Sign" | "RequestTime" | "SdkAppid")
            }
            Self::InvalidNumber { name, .. } => matches!(*name, "RequestTime" | "SdkAppid"),
            _ => false,
        }
    }

    /// The HTTP status to answer with: 401 for an authentication failure, 405 for a method
    /// other than POST, 413 for a body over the cap, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            _ if self.is_auth_failure() => 401,
            Self::Method { .. } => 405,
            Self::BodyTooLarge { .. } => 413,
            _ => 400,
        }
    }
}

/// A callback token that is empty or longer than 128 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a callback token has 1 to 128 characters, this one has {chars}")]
#[non_exhaustive]
pub struct InvalidToken {
    /// The token's length in characters.
    pub chars: usize,
}

/// A code that cannot refuse an item of `Sns.CallbackPrevFriendAdd` (Tencent takes 38000 to
/// 39000).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a refusal code is between 38000 and 39000, not {code}")]
#[non_exhaustive]
pub struct InvalidRefusalCode {
    /// The code given.
    pub code: i64,
}
