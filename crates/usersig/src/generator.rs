//! [`UserSigGenerator`]: makes and checks tokens with one application's key.

use std::fmt;
use std::time::Duration;

use hmac::Mac as _;
use hmac::digest::{Digest as _, Key, KeyInit};
use sha2::Sha256;

use crate::clock::{Clock, SystemClock};
use crate::codec::{self, Fields, HmacSha256};
use crate::error::{GenerateError, VerifyError};
use crate::info::SigInfo;
use crate::key::{SecretKey, UserSig};

/// Generates and verifies UserSigs for one SDKAppID with its secret key.
///
/// Cheap to share (`&self` everywhere) and to clone. The HMAC key schedule is computed once in
/// [`new`](Self::new), so generating and verifying hash only the token's fields. The clock
/// supplies `TLS.time` when generating and "now" when verifying: [`SystemClock`] unless replaced
/// with [`with_clock`](Self::with_clock).
///
/// ```
/// use std::time::Duration;
/// use tencent_im_usersig::{SecretKey, UserSigGenerator};
///
/// let generator = UserSigGenerator::new(1_400_000_000, SecretKey::new("console secret key"));
/// let sig = generator.generate("administrator", Duration::from_secs(86_400))?;
/// let info = generator.verify(sig.expose(), "administrator")?;
/// assert_eq!(info.sdkappid, 1_400_000_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct UserSigGenerator<C = SystemClock> {
    sdkappid: u64,
    mac: HmacSha256,
    clock: C,
}

impl UserSigGenerator {
    /// A generator for `sdkappid` signing with `key`, reading the system clock.
    #[must_use]
    pub fn new(sdkappid: u64, key: SecretKey) -> Self {
        Self {
            sdkappid,
            mac: keyed_mac(key.as_bytes()),
            clock: SystemClock,
        }
    }
}

impl<C: Clock> UserSigGenerator<C> {
    /// The same generator reading `clock` instead.
    #[must_use]
    pub fn with_clock<D: Clock>(self, clock: D) -> UserSigGenerator<D> {
        UserSigGenerator {
            sdkappid: self.sdkappid,
            mac: self.mac,
            clock,
        }
    }

    /// The SDKAppID this generator signs for.
    #[must_use]
    pub fn sdkappid(&self) -> u64 {
        self.sdkappid
    }

    /// A UserSig for `identifier`, valid for `expire` (whole seconds; a fraction is dropped)
    /// from the clock's current time. This is the token the REST API expects, with the
    /// App admin's identifier.
    ///
    /// # Errors
    ///
    /// [`GenerateError::EmptyIdentifier`] and [`GenerateError::ZeroExpire`] for unusable input.
    pub fn generate(&self, identifier: &str, expire: Duration) -> Result<UserSig, GenerateError> {
        self.sign(identifier, expire, None)
    }

    /// [`generate`](Self::generate), also returning the token's fields, so that a cache knows
    /// when it expires ([`SigInfo::expires_at`]) without decoding it again.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator};
    ///
    /// let generator = UserSigGenerator::new(1_400_000_000, SecretKey::new("key"))
    ///     .with_clock(FixedClock::new(1_700_000_000));
    /// let (sig, info) = generator.generate_with_info("administrator", Duration::from_secs(60))?;
    /// assert_eq!(info.issued_at, 1_700_000_000);
    /// assert_eq!(info.expires_at(), 1_700_000_060);
    /// assert_eq!(generator.verify(sig.expose(), "administrator")?, info);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`generate`](Self::generate).
    pub fn generate_with_info(
        &self,
        identifier: &str,
        expire: Duration,
    ) -> Result<(UserSig, SigInfo), GenerateError> {
        let time = self.clock.now_unix();
        let sig = self.sign_at(identifier, expire, None, time)?;
        let info = SigInfo {
            version: Some("2.0".to_owned()),
            identifier: identifier.to_owned(),
            sdkappid: self.sdkappid,
            issued_at: time,
            expire: Duration::from_secs(expire.as_secs()),
            userbuf: None,
        };
        Ok((sig, info))
    }

    /// A token with a `TLS.userbuf` (standard base64 of `userbuf`, covered by the signature),
    /// as TRTC's PrivateMapKey uses. IM UserSigs have none: use [`generate`](Self::generate).
    /// An empty `userbuf` still adds the field, as the official libraries do.
    ///
    /// # Errors
    ///
    /// As for [`generate`](Self::generate).
    pub fn generate_with_userbuf(
        &self,
        identifier: &str,
        expire: Duration,
        userbuf: &[u8],
    ) -> Result<UserSig, GenerateError> {
        self.sign(identifier, expire, Some(userbuf))
    }

    fn sign(
        &self,
        identifier: &str,
        expire: Duration,
        userbuf: Option<&[u8]>,
    ) -> Result<UserSig, GenerateError> {
        self.sign_at(identifier, expire, userbuf, self.clock.now_unix())
    }

    fn sign_at(
        &self,
        identifier: &str,
        expire: Duration,
        userbuf: Option<&[u8]>,
        time: u64,
    ) -> Result<UserSig, GenerateError> {
        if identifier.is_empty() {
            return Err(GenerateError::EmptyIdentifier);
        }
        let expire = expire.as_secs();
        if expire == 0 {
            return Err(GenerateError::ZeroExpire);
        }
        let userbuf_b64 = userbuf.map(codec::encode_b64);
        let fields = Fields {
            identifier,
            sdkappid: self.sdkappid,
            time,
            expire,
            userbuf_b64: userbuf_b64.as_deref(),
        };
        let mut mac = self.mac.clone();
        fields.sign(&mut mac);
        let sig = mac.finalize().into_bytes();
        codec::encode_token(&fields, &sig)
            .map(UserSig::from)
            .map_err(|error| GenerateError::Encode(error.into()))
    }

    /// Verifies a UserSig (a token without userbuf) for `identifier`, against this generator's
    /// SDKAppID, key and clock; on success returns its fields.
    ///
    /// Checks, in this order: the token decodes; `TLS.sdkappid` and `TLS.identifier` are the
    /// expected ones; `TLS.sig` is the HMAC of the fields (compared in constant time); there is
    /// no userbuf; it has not expired (`now > TLS.time + TLS.expire`; the last second is still
    /// valid). `TLS.ver` is not checked, as by the official verifiers.
    ///
    /// # Errors
    ///
    /// The first failed check as a [`VerifyError`]; a token carrying a userbuf gives
    /// [`VerifyError::UserBufMismatch`].
    pub fn verify(&self, token: &str, identifier: &str) -> Result<SigInfo, VerifyError> {
        self.check(token, identifier, None)
    }

    /// Like [`verify`](Self::verify), but the token must carry exactly `userbuf` in
    /// `TLS.userbuf` (e.g. a TRTC PrivateMapKey).
    ///
    /// # Errors
    ///
    /// As for [`verify`](Self::verify); a token without userbuf, or with another one, gives
    /// [`VerifyError::UserBufMismatch`].
    pub fn verify_with_userbuf(
        &self,
        token: &str,
        identifier: &str,
        userbuf: &[u8],
    ) -> Result<SigInfo, VerifyError> {
        self.check(token, identifier, Some(userbuf))
    }

    fn check(
        &self,
        token: &str,
        identifier: &str,
        userbuf: Option<&[u8]>,
    ) -> Result<SigInfo, VerifyError> {
        let json = codec::inflate_token(token)?;
        let decoded = codec::parse(&json)?;
        if decoded.sdkappid != self.sdkappid {
            return Err(VerifyError::SdkAppIdMismatch {
                expected: self.sdkappid,
                found: decoded.sdkappid,
            });
        }
        if decoded.identifier != identifier {
            return Err(VerifyError::IdentifierMismatch {
                expected: identifier.to_owned(),
                found: decoded.identifier.into_owned(),
            });
        }
        let mut mac = self.mac.clone();
        decoded.fields().sign(&mut mac);
        mac.verify_slice(&decoded.sig)
            .map_err(|_| VerifyError::BadSignature)?;
        if decoded.userbuf.as_deref() != userbuf {
            return Err(VerifyError::UserBufMismatch);
        }
        let info = SigInfo::from(decoded);
        let now = self.clock.now_unix();
        if info.is_expired_at(now) {
            return Err(VerifyError::Expired {
                expired_at: info.expires_at(),
                now,
            });
        }
        Ok(info)
    }
}

impl<C> fmt::Debug for UserSigGenerator<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSigGenerator")
            .field("sdkappid", &self.sdkappid)
            .field("key", &format_args!("<redacted>"))
            .finish_non_exhaustive()
    }
}

/// HMAC-SHA256 keyed with `key` of any length, as RFC 2104 defines it: a key longer than the
/// 64-byte block is hashed first, a shorter one is zero-padded to the block. Building the block
/// ourselves keeps this infallible (`new_from_slice` returns a `Result` it never fails).
fn keyed_mac(key: &[u8]) -> HmacSha256 {
    let mut block = Key::<HmacSha256>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    <HmacSha256 as KeyInit>::new(&block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_mac_matches_new_from_slice_for_every_key_length() {
        for len in [0, 1, 2, 31, 32, 63, 64, 65, 100, 200] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut ours = keyed_mac(&key);
            let mut reference = <HmacSha256 as hmac::Mac>::new_from_slice(&key).unwrap();
            ours.update(b"message");
            reference.update(b"message");
            assert_eq!(
                ours.finalize().into_bytes(),
                reference.finalize().into_bytes(),
                "key length {len}"
            );
        }
    }
}
