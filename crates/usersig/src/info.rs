//! Reading a token without the key: [`inspect`] and [`SigInfo`].

use std::time::Duration;

use crate::codec::{self, Decoded};
use crate::error::DecodeError;

/// The fields of a UserSig.
///
/// From [`inspect`] (decoded, not authenticated) or from
/// [`UserSigGenerator::verify`](crate::UserSigGenerator::verify) (authenticated). Instants are
/// Unix seconds, as the token and [`Clock`](crate::Clock) count them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigInfo {
    /// `TLS.ver`, `"2.0"` for every token this crate can verify; `None` if absent (the official
    /// verifiers never look at it).
    pub version: Option<String>,
    /// `TLS.identifier`: the UserID the token speaks for.
    pub identifier: String,
    /// `TLS.sdkappid`.
    pub sdkappid: u64,
    /// `TLS.time`: when the token was issued, Unix seconds (the issuer's clock).
    pub issued_at: u64,
    /// `TLS.expire`: how long the token is valid after `issued_at`.
    pub expire: Duration,
    /// `TLS.userbuf`, base64-decoded; `None` when the token has no userbuf, as every IM
    /// UserSig. (TRTC's PrivateMapKey carries one.)
    pub userbuf: Option<Vec<u8>>,
}

impl SigInfo {
    /// The last second of validity, Unix seconds: `issued_at + expire` (saturating).
    #[must_use]
    pub fn expires_at(&self) -> u64 {
        self.issued_at.saturating_add(self.expire.as_secs())
    }

    /// Whether the token is expired at `now` (Unix seconds): `now > issued_at + expire`, the
    /// rule of the official verifiers. At `now == expires_at()` it is still valid.
    #[must_use]
    pub fn is_expired_at(&self, now: u64) -> bool {
        now > self.expires_at()
    }

    /// Time left at `now` (Unix seconds) until [`expires_at`](Self::expires_at); zero from that
    /// second on.
    #[must_use]
    pub fn remaining(&self, now: u64) -> Duration {
        Duration::from_secs(self.expires_at().saturating_sub(now))
    }
}

impl From<Decoded<'_>> for SigInfo {
    fn from(decoded: Decoded<'_>) -> Self {
        Self {
            version: decoded.ver.map(Into::into),
            identifier: decoded.identifier.into_owned(),
            sdkappid: decoded.sdkappid,
            issued_at: decoded.time,
            expire: Duration::from_secs(decoded.expire),
            userbuf: decoded.userbuf,
        }
    }
}

/// Decodes a token without the key, to look at its identifier, SDKAppID and expiry.
///
/// Nothing here proves the token authentic: anyone can build a token with any fields. Use
/// [`UserSigGenerator::verify`](crate::UserSigGenerator::verify) for that. Tolerates what the
/// official libraries emit: any key order, whitespace, a trailing newline, numbers written as
/// strings, missing base64 padding. Never panics; a payload inflating past 64 KiB is refused.
///
/// # Errors
///
/// A [`DecodeError`] naming the step that failed: base64, zlib, JSON, or a missing or invalid
/// field (`TLS.identifier`, `TLS.sdkappid`, `TLS.time`, `TLS.expire` and `TLS.sig` are required).
///
/// ```
/// # use std::time::Duration;
/// use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator, inspect};
///
/// let generator = UserSigGenerator::new(1_400_000_000, SecretKey::new("key"))
///     .with_clock(FixedClock::new(1_700_000_000));
/// let sig = generator.generate("administrator", Duration::from_secs(86_400))?;
///
/// let info = inspect(sig.expose())?;
/// assert_eq!(info.identifier, "administrator");
/// assert_eq!(info.expires_at(), 1_700_086_400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspect(token: &str) -> Result<SigInfo, DecodeError> {
    let json = codec::inflate_token(token)?;
    codec::parse(&json).map(SigInfo::from)
}
