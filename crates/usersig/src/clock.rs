//! Where "now" comes from: [`Clock`], [`SystemClock`] and [`FixedClock`].

use std::sync::Arc;
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
