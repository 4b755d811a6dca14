//! The query string and the auth chain of spec §7.7, in its order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use tencent_im_protocol::ErrorCode;
use tencent_im_usersig::{Clock, SecretKey, SigInfo, UserSigGenerator, VerifyError};

use crate::config::AppCredentials;

/// A clock shared by the emulator's parts.
pub(crate) type SharedClock = Arc<dyn Clock + Send + Sync>;

/// The query parameters the REST API reads; the first occurrence of each counts.
#[derive(Debug, Default)]
pub(crate) struct Query<'a> {
    pub(crate) sdkappid: Option<Cow<'a, str>>,
    pub(crate) identifier: Option<Cow<'a, str>>,
    pub(crate) usersig: Option<Cow<'a, str>>,
    pub(crate) random: Option<Cow<'a, str>>,
    pub(crate) contenttype: Option<Cow<'a, str>>,
}

impl<'a> Query<'a> {
    /// Parses a query string. Names are case-sensitive, as Tencent's (spec §1.1).
    pub(crate) fn parse(query: &'a str) -> Self {
        let mut q = Self::default();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match name {
                "sdkappid" => &mut q.sdkappid,
                "identifier" => &mut q.identifier,
                "usersig" => &mut q.usersig,
                "random" => &mut q.random,
                "contenttype" => &mut q.contenttype,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(percent_decode(value));
            }
        }
        q
    }
}

/// Encodes every byte but ASCII letters, digits and `-_.~*` as `%XX`.
pub(crate) fn percent_encode(value: &str) -> Cow<'_, str> {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-_.~*".contains(&b);
    if value.bytes().all(keep) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(out)
}

/// Decodes `%XX` escapes; anything else (including `+` and a `%` without two hex digits) is
/// kept as is. Bytes that do not form UTF-8 are replaced.
fn percent_decode(value: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(value).decode_utf8_lossy()
}

/// One application: its credentials and a verifier reading the emulator's clock.
pub(crate) struct App {
    pub(crate) credentials: AppCredentials,
    verifier: UserSigGenerator<SharedClock>,
}

impl App {
    pub(crate) fn new(credentials: AppCredentials, clock: SharedClock) -> Self {
        let verifier = UserSigGenerator::new(
            credentials.sdkappid(),
            SecretKey::new(credentials.secret_key().to_owned()),
        )
        .with_clock(clock);
        Self {
            credentials,
            verifier,
        }
    }
}

/// A whole-request failure: the code and `ErrorInfo`.
pub(crate) type Fail = (ErrorCode, Cow<'static, str>);

/// How many verified UserSigs are remembered.
const SIG_CACHE_CAPACITY: usize = 4096;

/// The applications and a cache of verified UserSigs.
///
/// A token that verified once is remembered with its fields, so the next request with it skips
/// the inflate and the HMAC; its expiry is still checked against the clock on every request, and
/// a token used with another SDKAppID or identifier is verified in full again.
pub(crate) struct Authenticator {
    apps: HashMap<u64, App>,
    clock: SharedClock,
    verified: RwLock<HashMap<String, SigInfo>>,
}

impl Authenticator {
    pub(crate) fn new(apps: impl IntoIterator<Item = AppCredentials>, clock: SharedClock) -> Self {
        let apps = apps
            .into_iter()
            .map(|c| (c.sdkappid(), App::new(c, clock.clone())))
            .collect();
        Self {
            apps,
            clock,
            verified: RwLock::new(HashMap::new()),
        }
    }

    /// Checks the query in the order of spec §7.7 and returns the SDKAppID.
    pub(crate) fn authenticate(&self, query: &Query<'_>) -> Result<u64, Fail> {
        let sdkappid = match query.sdkappid.as_deref() {
            None | Some("") => {
                return Err((
                    ErrorCode::SDKAPPID_MISSING,
                    "sdkappid is missing in the URL".into(),
                ));
            }
            Some(s) => s,
        };
        let Some(app) = sdkappid
            .parse::<u64>()
            .ok()
            .and_then(|id| self.apps.get(&id))
        else {
            return Err((
                ErrorCode::SDKAPPID_NOT_FOUND,
                "sdkappid not found, check the app and the data center".into(),
            ));
        };
        let identifier = query.identifier.as_deref().unwrap_or("");
        if !app.credentials.admins().iter().any(|a| a == identifier) {
            return Err((
                ErrorCode::ADMIN_REQUIRED,
                "the identifier is not an app admin".into(),
            ));
        }
        let token = query.usersig.as_deref().unwrap_or("");
        if token.is_empty() {
            return Err((ErrorCode::SIG_EMPTY, "usersig is empty".into()));
        }
        self.verify(app, token, identifier)?;
        let random_ok = query
            .random
            .as_deref()
            .is_some_and(|r| !r.is_empty() && r.parse::<u32>().is_ok());
        if !random_ok {
            return Err((
                ErrorCode::HTTP_PARSE_ERROR,
                "random is missing or not an unsigned 32-bit integer".into(),
            ));
        }
        if query.contenttype.as_deref() != Some("json") {
            return Err((
                ErrorCode::HTTP_PARSE_ERROR,
                "contenttype must be json".into(),
            ));
        }
        Ok(app.credentials.sdkappid())
    }

    fn verify(&self, app: &App, token: &str, identifier: &str) -> Result<(), Fail> {
        let sdkappid = app.credentials.sdkappid();
        let cached = self
            .verified
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .filter(|info| info.sdkappid == sdkappid && info.identifier == identifier)
            .map(SigInfo::expires_at);
        if let Some(expires_at) = cached {
            return if self.clock.now_unix() > expires_at {
                Err(expired())
            } else {
                Ok(())
            };
        }
        match app.verifier.verify(token, identifier) {
            Ok(info) => {
                let mut verified = self
                    .verified
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                if verified.len() >= SIG_CACHE_CAPACITY {
                    verified.clear();
                }
                verified.insert(token.to_owned(), info);
                Ok(())
            }
            Err(VerifyError::Malformed(_)) => Err((
                ErrorCode::SIG_MALFORMED,
                "usersig could not be decoded".into(),
            )),
            Err(VerifyError::SdkAppIdMismatch { .. }) => Err((
                ErrorCode::SIG_SDKAPPID_MISMATCH,
                "the sdkappid of the usersig differs from the URL's".into(),
            )),
            Err(VerifyError::IdentifierMismatch { .. }) => Err((
                ErrorCode::SIG_IDENTIFIER_MISMATCH,
                "the identifier of the usersig differs from the URL's".into(),
            )),
            Err(VerifyError::Expired { .. }) => Err(expired()),
            Err(_) => Err((
                ErrorCode::SIG_VERIFY_FAILED,
                "usersig verification failed, check the secret key".into(),
            )),
        }
    }
}

fn expired() -> Fail {
    (ErrorCode::SIG_EXPIRED, "usersig expired".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_takes_first_values_and_decodes_escapes() {
        let q = Query::parse("sdkappid=1&identifier=a%40b&identifier=x&usersig=ab*-_&other=1");
        assert_eq!(q.sdkappid.as_deref(), Some("1"));
        assert_eq!(q.identifier.as_deref(), Some("a@b"));
        assert_eq!(q.usersig.as_deref(), Some("ab*-_"));
        assert_eq!(q.random, None);
        let q = Query::parse("SDKAppID=1&random");
        assert_eq!(q.sdkappid, None);
        assert_eq!(q.random.as_deref(), Some(""));
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_encode("a b@c"), "a%20b%40c");
        assert_eq!(percent_decode(&percent_encode("ü &=x")), "ü &=x");
        assert_eq!(percent_decode("a%zz%41"), "a%zzA");
    }
}
