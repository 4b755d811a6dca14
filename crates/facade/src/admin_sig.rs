//! The admin UserSig lifecycle: generated from the secret key, cached with its
//! expiry, renewed ahead of it by one caller while the others wait, and renewed once more when
//! Tencent answers 70001.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tencent_im_transport::{BoxFuture, CredentialsError, UserSig, UserSigProvider};
use tencent_im_usersig::{Clock, SecretKey, UserSigGenerator};

/// The clock a client reads for UserSig times: Unix seconds.
pub type SharedClock = Arc<dyn Clock + Send + Sync>;

/// When a cached admin UserSig is renewed: how long it lives, and how long before its expiry a
/// new one is made (by default when less than 10% of its life or 5 minutes remain, whichever is
/// larger).
///
/// ```
/// use std::time::Duration;
/// use tencent_im::SigPolicy;
///
/// let policy = SigPolicy::default();
/// assert_eq!(policy.get_lifetime(), Duration::from_secs(86_400));
/// // 10% of a day (2.4 h) is more than 5 minutes.
/// assert_eq!(policy.renew_margin(), Duration::from_secs(8_640));
/// let short = SigPolicy::default().lifetime(Duration::from_secs(600));
/// assert_eq!(short.renew_margin(), Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SigPolicy {
    lifetime: Duration,
    renew_fraction: f64,
    renew_min: Duration,
}

impl Default for SigPolicy {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(86_400),
            renew_fraction: 0.1,
            renew_min: Duration::from_secs(300),
        }
    }
}

impl SigPolicy {
    /// How long each generated UserSig is valid (default 1 day; whole seconds, at least 1).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.max(Duration::from_secs(1));
        self
    }

    /// Renew when less than `fraction` of the lifetime (default 0.1, clamped to 0..=1) or
    /// `min` (default 5 minutes) remains, whichever is larger.
    #[must_use]
    pub fn renew_when_left(mut self, fraction: f64, min: Duration) -> Self {
        self.renew_fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self.renew_min = min;
        self
    }

    /// The lifetime of each UserSig.
    pub fn get_lifetime(&self) -> Duration {
        self.lifetime
    }

    /// How long before expiry a UserSig is renewed, never more than its lifetime.
    pub fn renew_margin(&self) -> Duration {
        let fraction = Duration::from_secs_f64(self.lifetime.as_secs_f64() * self.renew_fraction);
        fraction.max(self.renew_min).min(self.lifetime)
    }
}

/// A generated UserSig and the Unix seconds that bound its use.
struct Cached {
    sig: UserSig,
    issued_at: u64,
    renew_at: u64,
}

/// The admin UserSig provider the client builds from a secret key.
///
/// Every request asks it for the UserSig: a cached one is handed out until its renewal time,
/// then exactly one caller generates the next while concurrent callers wait for it (generation
/// takes about a microsecond). After a 70001 the transport asks once for a renewed sig; callers
/// that saw the same 70001 in the same second share one renewal. `Debug` shows neither the key
/// nor a sig.
pub struct AdminSig {
    generator: UserSigGenerator<SharedClock>,
    clock: SharedClock,
    identifier: String,
    policy: SigPolicy,
    cache: Mutex<Option<Cached>>,
    generations: AtomicU64,
}

impl AdminSig {
    pub(crate) fn new(
        sdkappid: u64,
        identifier: &str,
        key: SecretKey,
        policy: SigPolicy,
        clock: SharedClock,
    ) -> Self {
        Self {
            generator: UserSigGenerator::new(sdkappid, key).with_clock(clock.clone()),
            clock,
            identifier: identifier.to_owned(),
            policy,
            cache: Mutex::new(None),
            generations: AtomicU64::new(0),
        }
    }

    /// How many UserSigs this provider has generated so far.
    pub fn generations(&self) -> u64 {
        self.generations.load(Ordering::Relaxed)
    }

    /// The UserSig to send now, generating one if none is cached, the cached one is due for
    /// renewal, or `renew` asks for a new one (unless one was made this very second: it would
    /// be the same token).
    fn get(&self, renew: bool) -> Result<UserSig, CredentialsError> {
        let now = self.clock.now_unix();
        // The lock is held while generating: that is the single flight.
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref() {
            let fresh = now < c.renew_at && now >= c.issued_at;
            let just_made = c.issued_at == now;
            if (fresh && !renew) || (renew && just_made) {
                return Ok(c.sig.clone());
            }
        }
        let (sig, info) = self
            .generator
            .generate_with_info(&self.identifier, self.policy.lifetime)
            .map_err(|e| CredentialsError::with_source("cannot generate the admin UserSig", e))?;
        self.generations.fetch_add(1, Ordering::Relaxed);
        let margin = self.policy.renew_margin().as_secs();
        let renew_at = info
            .expires_at()
            .saturating_sub(margin)
            .max(info.issued_at.saturating_add(1));
        tracing::debug!(
            issued_at = info.issued_at,
            expires_at = info.expires_at(),
            renew_at,
            "admin UserSig generated"
        );
        *cache = Some(Cached {
            sig: sig.clone(),
            issued_at: info.issued_at,
            renew_at,
        });
        Ok(sig)
    }
}

impl UserSigProvider for AdminSig {
    fn user_sig(&self, renew: bool) -> BoxFuture<'_, Result<UserSig, CredentialsError>> {
        Box::pin(std::future::ready(self.get(renew)))
    }
}

impl fmt::Debug for AdminSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminSig")
            .field("identifier", &self.identifier)
            .field("policy", &self.policy)
            .field("generations", &self.generations())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tencent_im_usersig::ManualClock;

    fn provider(clock: &Arc<ManualClock>, policy: SigPolicy) -> AdminSig {
        AdminSig::new(
            1_400_000_000,
            "administrator",
            SecretKey::new("k"),
            policy,
            clock.clone(),
        )
    }

    #[test]
    fn renews_when_the_margin_is_reached_and_not_before() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let p = provider(
            &clock,
            SigPolicy::default().lifetime(Duration::from_secs(1000)),
        );
        // Margin: max(10% of 1000 s, 300 s) = 300 s, so renewal at 1_000_700.
        let first = p.get(false).unwrap();
        clock.set(1_000_699);
        assert_eq!(p.get(false).unwrap().expose(), first.expose());
        assert_eq!(p.generations(), 1);
        clock.set(1_000_700);
        let second = p.get(false).unwrap();
        assert_ne!(second.expose(), first.expose());
        assert_eq!(p.generations(), 2);
    }

    #[test]
    fn a_renewal_request_in_the_same_second_reuses_the_new_sig() {
        let clock = Arc::new(ManualClock::new(2_000_000));
        let p = provider(&clock, SigPolicy::default());
        let first = p.get(false).unwrap();
        clock.advance(10);
        let renewed = p.get(true).unwrap();
        assert_ne!(renewed.expose(), first.expose());
        assert_eq!(p.get(true).unwrap().expose(), renewed.expose());
        assert_eq!(p.generations(), 2);
    }

    #[test]
    fn a_clock_moved_back_renews() {
        let clock = Arc::new(ManualClock::new(3_000_000));
        let p = provider(&clock, SigPolicy::default());
        p.get(false).unwrap();
        clock.set(2_000_000);
        p.get(false).unwrap();
        assert_eq!(p.generations(), 2);
    }

    #[test]
    fn debug_shows_no_secret() {
        let clock = Arc::new(ManualClock::new(3_000_000));
        let p = provider(&clock, SigPolicy::default());
        let sig = p.get(false).unwrap();
        let dbg = format!("{p:?}");
        assert!(!dbg.contains(sig.expose()), "{dbg}");
        assert!(dbg.contains("administrator"));
    }
}
