//! [`Verifier`]: checks that a request is an authentic, fresh callback of one application and
//! decodes it.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tencent_im_protocol::callback::{CallbackCommand, CallbackEvent, OptPlatform};
use tencent_im_usersig::{Clock, SystemClock};

use crate::error::VerifyError;
use crate::query::{self, CallbackQuery, RawQuery};
use crate::token::{CallbackToken, decode_sign};

/// How far `RequestTime` may be from now, either way, by default: 60 s, as Tencent's page
/// recommends.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// The largest body accepted by default: 1 MiB. A relationship callback is far smaller (a
/// `PairList` of 1000 pairs is about 80 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// A callback that passed every check, with its query values and its decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedCallback {
    /// The query values (`SdkAppid`, `CallbackCommand`, `RequestTime`, `OptPlatform`, ...).
    pub query: CallbackQuery,
    /// The body.
    pub event: CallbackEvent,
}

impl VerifiedCallback {
    /// The `CallbackCommand`.
    pub fn command(&self) -> CallbackCommand {
        self.event.command()
    }
}

/// Checks callbacks of one application: the app, `Sign` (in constant time), the age of
/// `RequestTime`, optionally replays, the body's size and shape.
///
/// Build one per application at start-up and share it (it is `Send + Sync`; wrap it in an
/// `Arc`). [`verify`](Self::verify) takes an [`http::Request`] whose body is already read (any
/// `B: AsRef<[u8]>`: `Bytes`, `Vec<u8>`, `String`); [`verify_parts`](Self::verify_parts) takes
/// the raw query string and the body, for any framework. Checks, in order:
///
/// 1. the method is POST ([`verify`](Self::verify) only);
/// 2. the body is at most [`max_body_bytes`](Self::max_body_bytes) (default 1 MiB; also cap
///    the read itself, with the same number, in the HTTP server);
/// 3. no known query parameter appears twice (keys match in any letter case);
/// 4. `SdkAppid` is this application's;
/// 5. `RequestTime` is a number and `Sign` is SHA-256 of the token followed by `RequestTime`,
///    compared in constant time;
/// 6. `RequestTime` is within the window of now (default 60 s either way);
/// 7. the body is a callback body, and `CallbackCommand` is the same in the query and the body
///    (a command this crate does not type is [`CallbackEvent::Other`], not an error);
/// 8. with a [replay cache](Self::replay_cache), the callback was not seen before.
///
/// ```
/// use tencent_im_webhook::{CallbackToken, FixedClock, Verifier, VerifyError};
/// use tencent_im_webhook::callback::CallbackEvent;
///
/// let token = CallbackToken::new("xxxxyyyy")?;
/// let verifier = Verifier::new(1_400_000_000, token).with_clock(FixedClock::new(1_669_872_130));
///
/// let query = "SdkAppid=1400000000&CallbackCommand=Sns.CallbackFriendDelete&contenttype=json\
///     &ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime=1669872112\
///     &Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";
/// let body = br#"{"CallbackCommand":"Sns.CallbackFriendDelete",
///     "PairList":[{"From_Account":"alice","To_Account":"bob"}]}"#;
/// let callback = verifier.verify_parts(query, body)?;
/// let CallbackEvent::FriendDelete(deleted) = &callback.event else { unreachable!() };
/// assert_eq!(deleted.pairs[0].to_account, "bob");
///
/// // Another token, another app, or 61 s later: refused, saying which check failed.
/// let later = Verifier::new(1_400_000_000, CallbackToken::new("xxxxyyyy")?)
///     .with_clock(FixedClock::new(1_669_872_173));
/// assert!(matches!(later.verify_parts(query, body), Err(VerifyError::Stale { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Verifier<C = SystemClock> {
    sdkappid: u64,
    token: CallbackToken,
    window_secs: u64,
    max_body_bytes: usize,
    clock: C,
    replay: Option<ReplayCache>,
}

impl Verifier {
    /// A verifier of callbacks of `sdkappid` signed with `token`, reading the system clock,
    /// with a window of 60 s, a 1 MiB body cap and no replay cache.
    pub fn new(sdkappid: u64, token: CallbackToken) -> Self {
        Self {
            sdkappid,
            token,
            window_secs: DEFAULT_WINDOW.as_secs(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            clock: SystemClock,
            replay: None,
        }
    }
}

impl<C: Clock> Verifier<C> {
    /// Reads "now" from `clock` instead (e.g. a `FixedClock` or `ManualClock` in tests).
    pub fn with_clock<D: Clock>(self, clock: D) -> Verifier<D> {
        Verifier {
            sdkappid: self.sdkappid,
            token: self.token,
            window_secs: self.window_secs,
            max_body_bytes: self.max_body_bytes,
            clock,
            replay: self.replay,
        }
    }

    /// Accepts a `RequestTime` at most `window` from now, either way (whole seconds; default
    /// 60 s).
    #[must_use]
    pub fn window(mut self, window: Duration) -> Self {
        self.window_secs = window.as_secs();
        self
    }

    /// Refuses bodies over `bytes` (default 1 MiB).
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Refuses a callback seen before, remembering up to `capacity` callbacks (the oldest
    /// `RequestTime` is forgotten first; a callback older than the window needs no memory, as
    /// the window refuses it).
    ///
    /// `Sign` depends only on the token and `RequestTime`, so every callback of one second has
    /// the same `Sign`: the cache keys on `RequestTime` and a SHA-256 of the verified query
    /// values (`SdkAppid`, `CallbackCommand`, `contenttype`, `ClientIP`, `OptPlatform`,
    /// `RequestId`) and of the decoded body written back as JSON, so that reordering the
    /// query, adding parameters, changing key case or escapes, or reformatting the JSON does
    /// not make a replay look new. It stops replays of a captured callback; it cannot stop a
    /// captured `Sign` from being reused with another body within the window, because Tencent's
    /// `Sign` does not cover the body: keep the callback URL on HTTPS so `Sign` stays secret.
    /// Two callbacks with the same values and body in the same second (without a `RequestId`
    /// to tell them apart) look like a replay: the second is refused.
    #[must_use]
    pub fn replay_cache(mut self, capacity: usize) -> Self {
        self.replay = Some(ReplayCache::new(capacity));
        self
    }

    /// The SDKAppID callbacks must be for.
    pub fn sdkappid(&self) -> u64 {
        self.sdkappid
    }

    /// The body cap, in bytes: also give it to the HTTP server's body reader (e.g.
    /// `http_body_util::Limited`) so a larger body is never read whole.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// The window, in whole seconds.
    pub fn window_secs(&self) -> u64 {
        self.window_secs
    }

    /// Verifies a request whose body has been read.
    ///
    /// # Errors
    ///
    /// The first failed check, as a [`VerifyError`] (see the list on [`Verifier`]).
    pub fn verify<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<VerifiedCallback, VerifyError> {
        if request.method() != http::Method::POST {
            return Err(VerifyError::Method {
                method: request.method().to_string(),
            });
        }
        self.verify_parts(request.uri().query().unwrap_or(""), request.body().as_ref())
    }

    /// Verifies a callback given its raw query string (without `?`) and its body.
    ///
    /// # Errors
    ///
    /// The first failed check, as a [`VerifyError`] (see the list on [`Verifier`]; there is no
    /// method check here).
    pub fn verify_parts(&self, query: &str, body: &[u8]) -> Result<VerifiedCallback, VerifyError> {
        if body.len() > self.max_body_bytes {
            return Err(VerifyError::BodyTooLarge {
                limit: self.max_body_bytes,
                actual: body.len(),
            });
        }
        let raw = RawQuery::parse(query)?;

        let sdkappid = raw.number(query::SDKAPPID)?;
        if sdkappid != self.sdkappid {
            return Err(VerifyError::WrongApp {
                expected: self.sdkappid,
                found: sdkappid,
            });
        }
        let sign = raw.require(query::SIGN)?;
        let request_time = raw.number(query::REQUEST_TIME)?;
        let time_text = raw.require(query::REQUEST_TIME)?;
        let sign = decode_sign(sign.as_bytes()).ok_or(VerifyError::MalformedSign)?;
        if !self.token.matches(time_text.as_bytes(), &sign) {
            return Err(VerifyError::BadSignature);
        }
        let now = self.clock.now_unix();
        if request_time.abs_diff(now) > self.window_secs {
            return Err(VerifyError::Stale {
                request_time,
                now,
                window_secs: self.window_secs,
            });
        }

        let command = CallbackCommand::from(raw.require(query::CALLBACK_COMMAND)?);
        let event = CallbackEvent::decode(body).map_err(VerifyError::Decode)?;
        let body_command = event.command();
        if body_command != command {
            return Err(VerifyError::CommandMismatch {
                query: command.as_str().to_owned(),
                body: body_command.as_str().to_owned(),
            });
        }
        let owned = |i: usize| raw.get(i).map(str::to_owned);
        let callback = VerifiedCallback {
            query: CallbackQuery {
                sdkappid,
                callback_command: command,
                request_time,
                content_type: owned(query::CONTENT_TYPE),
                client_ip: owned(query::CLIENT_IP),
                opt_platform: raw.get(query::OPT_PLATFORM).map(OptPlatform::from),
                request_id: owned(query::REQUEST_ID),
            },
            event,
        };
        if let Some(cache) = &self.replay {
            let key = replay_key(&raw, &callback.event);
            if !cache.insert(request_time, key, now, self.window_secs) {
                return Err(VerifyError::Replayed { request_time });
            }
        }
        Ok(callback)
    }
}

impl<C> fmt::Debug for Verifier<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("sdkappid", &self.sdkappid)
            .field("token", &self.token)
            .field("window_secs", &self.window_secs)
            .field("max_body_bytes", &self.max_body_bytes)
            .field(
                "replay_cache_capacity",
                &self.replay.as_ref().map(|c| c.capacity),
            )
            .finish_non_exhaustive()
    }
}

/// SHA-256 (first 128 bits) of the verified query values and the body written back as JSON,
/// each length-prefixed so that no two different inputs run together.
fn replay_key(raw: &RawQuery<'_>, event: &CallbackEvent) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for i in [
        query::SDKAPPID,
        query::CALLBACK_COMMAND,
        query::CONTENT_TYPE,
        query::CLIENT_IP,
        query::OPT_PLATFORM,
        query::REQUEST_ID,
    ] {
        match raw.get(i) {
            Some(value) => {
                hasher.update((value.len() as u64).to_le_bytes());
                hasher.update(value.as_bytes());
            }
            None => hasher.update(u64::MAX.to_le_bytes()),
        }
    }
    hasher.update(event.to_json());
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// The callbacks seen, by `RequestTime` then key; bounded.
struct ReplayCache {
    capacity: usize,
    seen: Mutex<BTreeSet<(u64, [u8; 16])>>,
}

impl ReplayCache {
    fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// Records a callback; `false` if it was seen before.
    fn insert(&self, request_time: u64, key: [u8; 16], now: u64, window_secs: u64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        // Callbacks older than the window are refused by the window: no need to remember them.
        let floor = now.saturating_sub(window_secs);
        if seen.first().is_some_and(|(t, _)| *t < floor) {
            *seen = seen.split_off(&(floor, [0; 16]));
        }
        if !seen.insert((request_time, key)) {
            return false;
        }
        while seen.len() > self.capacity {
            seen.pop_first();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_cache_forgets_what_the_window_refuses_and_stays_bounded() {
        let cache = ReplayCache::new(3);
        assert!(cache.insert(100, [1; 16], 100, 60));
        assert!(!cache.insert(100, [1; 16], 100, 60));
        assert!(cache.insert(100, [2; 16], 100, 60));
        assert!(cache.insert(101, [1; 16], 101, 60));
        assert!(cache.insert(102, [1; 16], 102, 60));
        // Over capacity: the oldest went first.
        assert_eq!(cache.seen.lock().unwrap().len(), 3);
        assert!(cache.insert(100, [1; 16], 102, 60));
        // Later, everything before now - window is forgotten.
        assert!(cache.insert(300, [9; 16], 300, 60));
        assert_eq!(cache.seen.lock().unwrap().len(), 1);
    }
}
