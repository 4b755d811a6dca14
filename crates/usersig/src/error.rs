//! Error types: [`GenerateError`], [`VerifyError`] and [`DecodeError`].
//!
//! None of them ever holds the secret key or the token: a [`DecodeError`] names what was wrong
//! with a token, not the token itself.

use std::error::Error as StdError;
use std::fmt;

/// Why [`UserSigGenerator::generate`](crate::UserSigGenerator::generate) (or
/// [`generate_with_userbuf`](crate::UserSigGenerator::generate_with_userbuf)) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The identifier is the empty string; Tencent rejects such a UserSig.
    #[error("identifier is empty")]
    EmptyIdentifier,
    /// The validity is shorter than one second (`TLS.expire` counts whole seconds).
    #[error("expire must be at least one second")]
    ZeroExpire,
    /// Serializing the token failed. This writes to memory only and is not expected to happen;
    /// it is reported rather than hidden behind a panic.
    #[error("could not encode the usersig")]
    Encode(#[source] std::io::Error),
}

/// Why verifying a UserSig failed.
///
/// The checks run in this order and the first failing one is reported: decoding
/// ([`Malformed`](Self::Malformed)), SDKAppID, identifier, signature, userbuf, expiry. So a forged
/// token is reported as [`BadSignature`](Self::BadSignature), never as
/// [`Expired`](Self::Expired) or [`UserBufMismatch`](Self::UserBufMismatch).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token could not be decoded; the source says which step failed.
    #[error("malformed usersig")]
    Malformed(#[source] DecodeError),
    /// The token was issued for another SDKAppID (`TLS.sdkappid`).
    #[error("usersig was issued for sdkappid {found}, expected {expected}")]
    SdkAppIdMismatch {
        /// The SDKAppID the verifier was built for.
        expected: u64,
        /// The SDKAppID found in the token.
        found: u64,
    },
    /// The token was issued for another identifier (`TLS.identifier`).
    #[error(
        "usersig was issued for identifier {}, expected {}",
        Shown(found),
        Shown(expected)
    )]
    IdentifierMismatch {
        /// The identifier the caller expected.
        expected: String,
        /// The identifier found in the token.
        found: String,
    },
    /// `TLS.sig` is not the HMAC-SHA256 of the token's fields under this verifier's key: the
    /// token was forged, altered, or signed with another key.
    #[error("usersig signature does not match")]
    BadSignature,
    /// The token carries a userbuf where none was expected, none where one was expected, or
    /// a different one.
    #[error("usersig userbuf does not match the expected one")]
    UserBufMismatch,
    /// The token's validity ended: `now > TLS.time + TLS.expire`.
    #[error("usersig expired at {expired_at} (now {now})")]
    Expired {
        /// End of validity, Unix seconds (`TLS.time + TLS.expire`). The token was still valid
        /// during this second.
        expired_at: u64,
        /// The verifier's clock, Unix seconds.
        now: u64,
    },
}

/// An identifier in a message: quoted and escaped, and cut after 64 characters, since the one
/// from the token is whatever its sender wrote.
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX_CHARS: usize = 64;
        match self.0.char_indices().nth(MAX_CHARS) {
            None => write!(f, "{:?}", self.0),
            Some((cut, _)) => write!(f, "{:?}...", &self.0[..cut]),
        }
    }
}

impl From<DecodeError> for VerifyError {
    fn from(error: DecodeError) -> Self {
        Self::Malformed(error)
    }
}

/// Which step of decoding a token failed; see [`DecodeError::kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The token is longer than any UserSig can be, or inflates to more than the size cap
    /// (64 KiB).
    TooLarge,
    /// The token is not base64 in the UserSig alphabet (`*` `-` `_` for `+` `/` `=`).
    Base64,
    /// The decoded bytes are not a zlib stream.
    Zlib,
    /// The inflated bytes are not a JSON object with at most one of each field.
    Json,
    /// A required field is absent or `null`; holds the JSON key, e.g. `"TLS.sig"`.
    MissingField(&'static str),
    /// A field has the wrong type or an unusable value; holds the JSON key.
    InvalidField(&'static str),
}

/// A token could not be decoded into its fields.
///
/// Returned by [`inspect`](crate::inspect) and wrapped in [`VerifyError::Malformed`]. Use
/// [`kind`](Self::kind) to tell the steps apart; [`source`](StdError::source) gives the
/// underlying base64, zlib or JSON error where there is one.
pub struct DecodeError {
    kind: DecodeErrorKind,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl DecodeError {
    pub(crate) fn new(kind: DecodeErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(
        kind: DecodeErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    /// Which step of decoding failed.
    #[must_use]
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DecodeErrorKind::TooLarge => f.write_str("token is larger than a usersig can be"),
            DecodeErrorKind::Base64 => f.write_str("token is not valid base64"),
            DecodeErrorKind::Zlib => f.write_str("token is not a valid zlib stream"),
            DecodeErrorKind::Json => f.write_str("token payload is not a valid json object"),
            DecodeErrorKind::MissingField(key) => write!(f, "token field {key} is missing"),
            DecodeErrorKind::InvalidField(key) => write!(f, "token field {key} is invalid"),
        }
    }
}

impl StdError for DecodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}
