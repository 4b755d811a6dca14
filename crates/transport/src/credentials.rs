//! The SDKAppID, the admin identifier and where the UserSig comes from.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use tencent_im_usersig::UserSig;

use crate::error::CredentialsError;

/// A boxed future that can cross threads, as the provider traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Gives the admin UserSig for each request.
///
/// The transport asks with `renew: false` before every attempt, and once with `renew: true`
/// after Tencent answered 70001 (UserSig expired); it then retries once with the sig it got.
/// Caching, renewal before expiry and sharing one renewal between concurrent callers
/// are the provider's job; the facade plugs in a provider built on the usersig crate.
///
/// A plain function or closure `Fn(bool) -> Result<UserSig, CredentialsError>` is a provider:
///
/// ```
/// use tencent_im_transport::{CredentialsError, UserSig, UserSigProvider};
///
/// let provider = |_renew: bool| Ok::<_, CredentialsError>(UserSig::new("eJy..."));
/// fn takes(_: impl UserSigProvider) {}
/// takes(provider);
/// ```
pub trait UserSigProvider: Send + Sync {
    /// The UserSig to send; a fresh one when `renew` is true.
    fn user_sig(&self, renew: bool) -> BoxFuture<'_, Result<UserSig, CredentialsError>>;
}

impl<F> UserSigProvider for F
where
    F: Fn(bool) -> Result<UserSig, CredentialsError> + Send + Sync,
{
    fn user_sig(&self, renew: bool) -> BoxFuture<'_, Result<UserSig, CredentialsError>> {
        let sig = self(renew);
        Box::pin(std::future::ready(sig))
    }
}

/// A UserSig given once, e.g. from configuration. It cannot be renewed: after a 70001 the call
/// fails with that error.
pub struct FixedUserSig(UserSig);

impl FixedUserSig {
    /// Wraps `sig`.
    pub fn new(sig: UserSig) -> Self {
        Self(sig)
    }
}

impl fmt::Debug for FixedUserSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FixedUserSig(<redacted>)")
    }
}

impl UserSigProvider for FixedUserSig {
    fn user_sig(&self, renew: bool) -> BoxFuture<'_, Result<UserSig, CredentialsError>> {
        let sig = if renew {
            Err(CredentialsError::new("a fixed UserSig cannot be renewed"))
        } else {
            Ok(self.0.clone())
        };
        Box::pin(std::future::ready(sig))
    }
}

/// Who calls: the SDKAppID, the App admin identifier and the source of its UserSig.
///
/// `Debug` shows the SDKAppID and identifier, never the UserSig.
///
/// ```
/// use tencent_im_transport::{Credentials, UserSig};
///
/// let creds = Credentials::fixed(1400000000, "administrator", UserSig::new("eJy-secret"));
/// assert_eq!(creds.sdkappid(), 1400000000);
/// assert!(!format!("{creds:?}").contains("eJy-secret"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    sdkappid: u64,
    identifier: String,
    provider: Arc<dyn UserSigProvider>,
}

impl Credentials {
    /// Credentials whose UserSig comes from `provider`.
    pub fn new(
        sdkappid: u64,
        identifier: impl Into<String>,
        provider: Arc<dyn UserSigProvider>,
    ) -> Self {
        Self {
            sdkappid,
            identifier: identifier.into(),
            provider,
        }
    }

    /// Credentials with a fixed UserSig (see [`FixedUserSig`]).
    pub fn fixed(sdkappid: u64, identifier: impl Into<String>, sig: UserSig) -> Self {
        Self::new(sdkappid, identifier, Arc::new(FixedUserSig::new(sig)))
    }

    /// The SDKAppID.
    pub fn sdkappid(&self) -> u64 {
        self.sdkappid
    }

    /// The App admin identifier sent as `identifier`.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The UserSig provider.
    pub fn provider(&self) -> &Arc<dyn UserSigProvider> {
        &self.provider
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("sdkappid", &self.sdkappid)
            .field("identifier", &self.identifier)
            .field("user_sig", &format_args!("<redacted>"))
            .finish()
    }
}
