//! The two secrets: the console [`SecretKey`] and the [`UserSig`] token made from it.

use std::fmt;

/// The application's secret key from the Tencent Cloud Chat console.
///
/// The key's UTF-8 bytes are the HMAC key, as-is: the string looks like hex but is never
/// hex-decoded. `Debug` prints `SecretKey(<redacted>)`; there is no `Display` and no way to read
/// the value back. Its bytes are overwritten with zeros when it is dropped.
///
/// ```
/// use tencent_im_usersig::SecretKey;
///
/// let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e");
/// assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
/// ```
#[derive(Clone)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps the console secret key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<String> for SecretKey {
    fn from(key: String) -> Self {
        Self(key)
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A UserSig token: the credential sent as the `usersig` query parameter.
///
/// Anyone holding it can call the REST API as its identifier until it expires, so `Debug` prints
/// `UserSig(<redacted>)` and there is no `Display`. [`expose`](Self::expose) gives the token
/// text to the code that builds the request URL.
#[derive(Clone)]
pub struct UserSig(String);

impl UserSig {
    /// Wraps a token made elsewhere, e.g. a fixed UserSig from configuration. Nothing is checked;
    /// use [`inspect`](crate::inspect) or [`UserSigGenerator::verify`](crate::UserSigGenerator::verify)
    /// for that.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token text, to put in a request. Treat it like a password: keep it out of logs,
    /// error messages and URLs that get printed.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for UserSig {
    fn from(token: String) -> Self {
        Self(token)
    }
}

impl fmt::Debug for UserSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserSig(<redacted>)")
    }
}
