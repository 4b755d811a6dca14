//! Where "now" comes from: [`Clock`], [`SystemClock`], [`FixedClock`] and [`ManualClock`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in whole Unix seconds.
///
/// [`UserSigGenerator`](crate::UserSigGenerator) reads it for `TLS.time` when generating and for
/// the expiry check when verifying. Implement it to drive those from a test or emulator clock.
pub trait Clock {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;
}

/// The system's wall clock. A time before 1970 reads as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place allowed to read the wall clock (see `clippy.toml`).
    #[allow(clippy::disallowed_methods)]
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs())
    }
}

/// A clock that always reads the same time; for tests and reproducible tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock(u64);

impl FixedClock {
    /// A clock stopped at `unix_secs`.
    #[must_use]
    pub const fn new(unix_secs: u64) -> Self {
        Self(unix_secs)
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.0
    }
}

/// A clock that stands still until told to move; share it (e.g. in an `Arc`) between the code
/// under test and the test.
///
/// ```
/// use std::sync::Arc;
/// use tencent_im_usersig::{Clock, ManualClock};
///
/// let clock = Arc::new(ManualClock::new(1_700_000_000));
/// clock.advance(90);
/// assert_eq!(clock.now_unix(), 1_700_000_090);
/// clock.set(5);
/// assert_eq!(clock.now_unix(), 5);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock reading `unix_secs`.
    #[must_use]
    pub const fn new(unix_secs: u64) -> Self {
        Self(AtomicU64::new(unix_secs))
    }

    /// Moves the clock to `unix_secs`.
    pub fn set(&self, unix_secs: u64) {
        self.0.store(unix_secs, Ordering::SeqCst);
    }

    /// Moves the clock forward by `secs` (saturating).
    pub fn advance(&self, secs: u64) {
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(secs))
            });
    }
}

impl Clock for ManualClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_unix(&self) -> u64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now_unix(&self) -> u64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_unix(&self) -> u64 {
        (**self).now_unix()
    }
}
