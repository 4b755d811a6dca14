//! [`CallbackToken`]: the console's callback token, and the `Sign` made from it.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::InvalidToken;

/// The longest callback token the console accepts, in characters.
pub const TOKEN_MAX_CHARS: usize = 128;

/// The callback token set in the Tencent Cloud Chat console (1 to 128 characters).
///
/// `Sign` = lowercase hex of SHA-256(token followed by `RequestTime`), plain SHA-256 (not HMAC).
/// `Debug` prints `CallbackToken(<redacted>)`; there is no `Display` and no way to read the
/// token back.
///
/// ```
/// use tencent_im_webhook::CallbackToken;
///
/// // The example of the "Callback Authentication" page (CN 269/32431).
/// let token = CallbackToken::new("xxxxyyyy")?;
/// assert_eq!(
///     token.sign(1_669_872_112),
///     "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
/// );
/// assert_eq!(format!("{token:?}"), "CallbackToken(<redacted>)");
/// assert!(CallbackToken::new("").is_err());
/// # Ok::<(), tencent_im_webhook::InvalidToken>(())
/// ```
#[derive(Clone)]
pub struct CallbackToken(String);

impl CallbackToken {
    /// Wraps a token of 1 to 128 characters.
    ///
    /// # Errors
    ///
    /// [`InvalidToken`] (with the length, never the token) if it is empty or longer.
    pub fn new(token: impl Into<String>) -> Result<Self, InvalidToken> {
        let token = token.into();
        let chars = token.chars().count();
        if (1..=TOKEN_MAX_CHARS).contains(&chars) {
            Ok(Self(token))
        } else {
            Err(InvalidToken { chars })
        }
    }

    /// `Sign` for `request_time` (Unix seconds): lowercase hex of SHA-256(token followed by the
    /// decimal `request_time`), as Tencent computes it. For senders (e.g. an emulator) and tests.
    #[must_use]
    pub fn sign(&self, request_time: u64) -> String {
        hex(&self.digest(request_time.to_string().as_bytes()))
    }

    /// SHA-256(token followed by `request_time`, the query's text as received).
    pub(crate) fn digest(&self, request_time: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.0.as_bytes());
        hasher.update(request_time);
        hasher.finalize().into()
    }

    /// Whether `sign` (64 hex digits, any case) is `Sign` for `request_time`; the digests are
    /// compared in constant time.
    pub(crate) fn matches(&self, request_time: &[u8], sign: &[u8; 32]) -> bool {
        self.digest(request_time).ct_eq(sign).into()
    }
}

impl fmt::Debug for CallbackToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackToken(<redacted>)")
    }
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Decodes 64 hex digits (either case) into 32 bytes; `None` for anything else. The input is
/// the request's, not a secret, so an early return leaks nothing.
pub(crate) fn decode_sign(text: &[u8]) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_vector() {
        let token = CallbackToken::new("xxxxyyyy").unwrap();
        let sign = token.sign(1_669_872_112);
        assert_eq!(
            sign,
            "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
        );
        let decoded = decode_sign(sign.as_bytes()).unwrap();
        assert!(token.matches(b"1669872112", &decoded));
        assert!(!token.matches(b"1669872113", &decoded));
        let upper = decode_sign(sign.to_uppercase().as_bytes()).unwrap();
        assert_eq!(upper, decoded);
    }

    #[test]
    fn token_length_is_counted_in_characters() {
        assert!(CallbackToken::new("a").is_ok());
        assert!(CallbackToken::new("a".repeat(128)).is_ok());
        assert!(CallbackToken::new("字".repeat(128)).is_ok());
        let err = CallbackToken::new("b".repeat(129)).unwrap_err();
        assert_eq!(err.chars, 129);
        assert!(!err.to_string().contains("bbb"));
        assert!(CallbackToken::new("").is_err());
    }

    #[test]
    fn bad_sign_text_is_refused() {
        assert!(decode_sign(b"").is_none());
        assert!(decode_sign(&[b'0'; 63]).is_none());
        assert!(decode_sign(&[b'0'; 65]).is_none());
        let mut text = [b'0'; 64];
        text[10] = b'g';
        assert!(decode_sign(&text).is_none());
        assert_eq!(decode_sign(&[b'f'; 64]), Some([0xff; 32]));
    }
}
