//! Client-side rate limiting per endpoint (Tencent Cloud Chat docs: each command's "Maximum call
//! frequency"): callers wait for a permit.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use tencent_im_protocol::Endpoint;
use tokio::time::Instant;

use crate::credentials::BoxFuture;
use crate::error::{ConfigError, ErrorKind};

/// Hands out permits to send. Replaceable: give your own to
/// [`TransportBuilder::rate_limiter`](crate::TransportBuilder::rate_limiter), e.g. one shared by
/// several processes.
///
/// `acquire` resolves when the caller may send; it never fails. The transport bounds the wait
/// by the call's total timeout.
///
/// After an attempt answered with a rate limit (a code of
/// [`ErrorClass::RateLimited`](tencent_im_protocol::ErrorClass::RateLimited): 60007, 60011,
/// 60018, 60019, 30540; or an HTTP 429 from a gateway), the transport calls
/// [`rate_limited`](Self::rate_limited) before its retry policy decides, so that a limiter can
/// slow down (a fleet limiter can slow down every process of the app).
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits for a permit to call `endpoint`.
    fn acquire(&self, endpoint: Endpoint) -> BoxFuture<'_, ()>;

    /// An attempt to call `endpoint` was answered with the rate limit `answer`:
    /// [`ErrorKind::Api`] with one of the codes above (60011 is app-wide, the others concern the
    /// endpoint) or [`ErrorKind::HttpStatus`]`(429)`. Called from the call's task: return at
    /// once, and do any slow work (such as a network write) elsewhere. The default does nothing.
    fn rate_limited(&self, endpoint: Endpoint, answer: ErrorKind) {
        let _ = (endpoint, answer);
    }

    /// Checks the limiter's configuration (e.g. no zero rate);
    /// [`TransportBuilder::build`](crate::TransportBuilder::build) fails with its error. The
    /// default accepts any.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the option that is out of range.
    fn check_config(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

/// A rate: `per_second` permits a second on average, at most `burst` at once.
///
/// A zero rate or burst is refused when the transport is built (see
/// [`RateLimiter::check_config`]); a [`TokenBucket`] used on its own hands out no permit at a
/// zero rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    per_second: u32,
    burst: u32,
}

impl Rate {
    /// `per_second` permits a second with a burst of a tenth of a second's worth (at least 1).
    pub fn per_second(per_second: u32) -> Self {
        Self {
            per_second,
            burst: (per_second / 10).max(1),
        }
    }

    /// The same rate with at most `burst` permits at once.
    #[must_use]
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }

    /// Permits per second.
    pub fn get(self) -> u32 {
        self.per_second
    }

    /// The most permits handed out at once.
    ///
    /// ```
    /// use tencent_im_transport::Rate;
    ///
    /// assert_eq!(Rate::per_second(200).get_burst(), 20);
    /// assert_eq!(Rate::per_second(200).burst(5).get_burst(), 5);
    /// ```
    pub fn get_burst(self) -> u32 {
        self.burst
    }

    /// The error of a zero rate or burst for `endpoint`.
    fn check(self, endpoint: Endpoint) -> Result<(), ConfigError> {
        if self.per_second == 0 {
            return Err(ConfigError::limit(
                "Rate::per_second",
                format!("the rate of {endpoint} is 0 per second: give at least 1"),
            ));
        }
        if self.burst == 0 {
            return Err(ConfigError::limit(
                "Rate::burst",
                format!("the burst of {endpoint} is 0: give at least 1"),
            ));
        }
        Ok(())
    }
}

/// A token bucket per endpoint, as a virtual schedule (GCRA): each caller reserves the next
/// free slot and sleeps until it, so waiting callers are served in order and the rate holds over
/// any window. Default rates come from the endpoint catalogue (200/s for friend_add).
///
/// ```
/// use tencent_im_protocol::Endpoint;
/// use tencent_im_transport::{Rate, TokenBucket};
///
/// let limiter = TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(50));
/// assert_eq!(limiter.rate(Endpoint::FriendAdd), Rate::per_second(50));
/// assert_eq!(limiter.rate(Endpoint::FriendCheck).get(), 200);
/// ```
#[derive(Debug, Default)]
pub struct TokenBucket {
    rates: HashMap<Endpoint, Rate>,
    /// Per endpoint: the theoretical arrival time of the next permit.
    next: Mutex<HashMap<Endpoint, Instant>>,
}

impl TokenBucket {
    /// A limiter with the catalogue's default rate for every endpoint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the rate of `endpoint`.
    #[must_use]
    pub fn with_rate(mut self, endpoint: Endpoint, rate: Rate) -> Self {
        self.rates.insert(endpoint, rate);
        self
    }

    /// The rate of `endpoint`.
    pub fn rate(&self, endpoint: Endpoint) -> Rate {
        self.rates
            .get(&endpoint)
            .copied()
            .unwrap_or_else(|| Rate::per_second(endpoint.default_rate_per_second()))
    }

    /// Reserves a slot; returns when the caller may go (`None`: now), or `Err` for a zero rate
    /// (never).
    fn reserve(&self, endpoint: Endpoint) -> Result<Option<Instant>, ()> {
        let rate = self.rate(endpoint);
        let interval = Duration::from_secs(1)
            .checked_div(rate.per_second)
            .ok_or(())?;
        let tolerance = interval * rate.burst;
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let tat = next.get(&endpoint).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval;
        next.insert(endpoint, new_tat);
        let go = new_tat.checked_sub(tolerance).unwrap_or(now);
        Ok((go > now).then_some(go))
    }
}

impl RateLimiter for TokenBucket {
    fn acquire(&self, endpoint: Endpoint) -> BoxFuture<'_, ()> {
        match self.reserve(endpoint) {
            Ok(None) => Box::pin(std::future::ready(())),
            Ok(Some(at)) => Box::pin(tokio::time::sleep_until(at)),
            Err(()) => Box::pin(std::future::pending()),
        }
    }

    /// Refuses a zero rate or burst set with [`with_rate`](Self::with_rate).
    fn check_config(&self) -> Result<(), ConfigError> {
        let mut rates: Vec<_> = self.rates.iter().collect();
        rates.sort_by_key(|(endpoint, _)| endpoint.path());
        rates
            .into_iter()
            .try_for_each(|(&endpoint, rate)| rate.check(endpoint))
    }
}

/// A limiter that never waits, e.g. for benchmarks or when the caller limits elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl RateLimiter for Unlimited {
    fn acquire(&self, _endpoint: Endpoint) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn holds_the_rate_over_a_window() {
        let limiter =
            TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(100).burst(5));
        let start = Instant::now();
        let mut in_first_second = 0;
        for _ in 0..305 {
            limiter.acquire(Endpoint::FriendAdd).await;
            if start.elapsed() < Duration::from_secs(1) {
                in_first_second += 1;
            }
        }
        // 5 at once, then one every 10 ms: 305 permits take 3 s.
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        assert!((100..=105).contains(&in_first_second), "{in_first_second}");
        // Another endpoint has its own bucket.
        let t = Instant::now();
        limiter.acquire(Endpoint::FriendCheck).await;
        assert_eq!(t.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_rate_hands_out_no_permit_and_fails_the_check() {
        let limiter = TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(0));
        let waited = tokio::time::timeout(
            Duration::from_secs(3600),
            limiter.acquire(Endpoint::FriendAdd),
        )
        .await;
        assert!(waited.is_err(), "no permit in an hour");
        let err = limiter.check_config().unwrap_err();
        assert_eq!(err.option(), Some("Rate::per_second"));
        assert!(TokenBucket::new().check_config().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_are_spread_out() {
        let limiter = std::sync::Arc::new(
            TokenBucket::new().with_rate(Endpoint::FriendAdd, Rate::per_second(10).burst(1)),
        );
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire(Endpoint::FriendAdd).await;
                start.elapsed()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        assert_eq!(times[0], Duration::ZERO);
        assert_eq!(times[19], Duration::from_millis(1900));
    }
}
