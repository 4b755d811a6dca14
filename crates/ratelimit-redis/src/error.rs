//! [`Error`]: what building or checking the limiter can fail with.

use std::error::Error as StdError;
use std::fmt;

/// A boxed error that can cross threads.
type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The Redis URL is not a `redis://` or `rediss://` URL the client can use.
    Url,
    /// The key prefix is empty or has a character that is not allowed (`{`, `}`, whitespace).
    KeyPrefix,
    /// The TLS settings cannot be used (e.g. root certificates that are not PEM, or root
    /// certificates for a `redis://` URL).
    Tls,
    /// Redis could not be reached (connection refused or lost, TLS handshake, I/O).
    Unavailable,
    /// Redis did not answer in time.
    Timeout,
    /// Redis answered with an error (e.g. a wrong password, a missing permission).
    Server,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Url => "bad Redis URL",
            Self::KeyPrefix => "bad key prefix",
            Self::Tls => "bad TLS settings",
            Self::Unavailable => "Redis unavailable",
            Self::Timeout => "Redis did not answer in time",
            Self::Server => "Redis answered with an error",
        })
    }
}

/// The error of [`RedisRateLimiterBuilder::build`](crate::RedisRateLimiterBuilder::build) and
/// [`RedisRateLimiter::check`](crate::RedisRateLimiter::check).
///
/// Neither `Display` nor `Debug` contains the Redis URL's password; [`source`](StdError::source)
/// leads to the cause (the `redis` crate's error, which names no password either).
#[non_exhaustive]
pub struct Error {
    kind: ErrorKind,
    detail: &'static str,
    source: Option<BoxError>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, detail: &'static str) -> Self {
        Self {
            kind,
            detail,
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("detail", &self.detail)
            .field("source", &self.source.as_ref().map(ToString::to_string))
            .finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The kind of a `redis` crate error: a server's error reply, a timeout, or unavailability.
pub(crate) fn kind_of(e: &redis::RedisError) -> ErrorKind {
    if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
        ErrorKind::Unavailable
    } else if e.kind() == redis::ErrorKind::InvalidClientConfig {
        ErrorKind::Tls
    } else {
        ErrorKind::Server
    }
}
