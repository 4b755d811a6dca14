//! Retry policy: which failures are retried, after how long, and when to renew the
//! UserSig.

use std::fmt;
use std::time::Duration;

use tencent_im_protocol::ErrorClass;

use crate::error::{ConfigError, ErrorKind, TimeoutKind, TransportError};

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Give up and return the error.
    Stop,
    /// Wait this long, then try again (with the same `random`).
    RetryAfter(Duration),
    /// Ask the UserSig provider for a fresh sig, then try again at once.
    RenewUserSig,
}

/// What a [`RetryPolicy`] sees about a failed attempt.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryContext<'a> {
    /// The failure of the attempt.
    pub error: &'a TransportError,
    /// How many attempts were made so far, this one included (from 1).
    pub attempts: u32,
    /// Whether the command is safe to send twice (`Command::RETRY_SAFE`).
    pub retry_safe: bool,
    /// Whether the UserSig was already renewed during this call.
    pub sig_renewed: bool,
    /// Time left before the call's total timeout.
    pub remaining: Duration,
}

/// Decides whether and when a failed attempt is retried. Replaceable: give your own to
/// [`TransportBuilder::retry_policy`](crate::TransportBuilder::retry_policy).
///
/// The transport never sleeps past the call's total timeout: a delay longer than the time left
/// ends the call with the attempt's error.
pub trait RetryPolicy: Send + Sync + fmt::Debug {
    /// The decision after a failed attempt.
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision;

    /// Checks the policy's configuration (e.g. not zero attempts);
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

/// The default policy, following the classes of Tencent Cloud Chat's "Error Codes" page.
///
/// - 70001 (UserSig expired): renew the UserSig once and retry at once.
/// - Rate limited (60007, 60011, 60018, 60019, 30540, HTTP 429) and transient failures (30006,
///   30007, 60008, 60013, 60014, 70169, 70202, 70500, connect errors, timeouts, interrupted
///   connections, HTTP 5xx and 408) and 30008: exponential backoff with jitter, up to
///   `max_attempts` attempts in all. A command that is not retry-safe is only retried when its
///   request cannot have reached the server (connect and TLS-handshake failures).
/// - Everything else, including bodies that are not a reply: no retry.
///
/// ```
/// use std::time::Duration;
/// use tencent_im_transport::DefaultRetryPolicy;
///
/// let p = DefaultRetryPolicy::default().max_attempts(5).base_delay(Duration::from_millis(50));
/// assert_eq!(p.backoff(1, false), Duration::from_millis(50));
/// assert_eq!(p.backoff(3, false), Duration::from_millis(200));
/// ```
#[derive(Debug, Clone)]
pub struct DefaultRetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    rate_limited_delay: Duration,
    max_delay: Duration,
    jitter: bool,
}

impl Default for DefaultRetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            rate_limited_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            jitter: true,
        }
    }
}

impl DefaultRetryPolicy {
    /// Attempts in all, the first included (default 4). 1 disables retries; the UserSig renewal
    /// after a 70001 still happens. 0 is refused when the transport is built.
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// The first delay for transient failures (default 200 ms), doubled after each attempt.
    #[must_use]
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The first delay after a rate-limit answer (default 1 s), doubled after each attempt.
    #[must_use]
    pub fn rate_limited_delay(mut self, d: Duration) -> Self {
        self.rate_limited_delay = d;
        self
    }

    /// The longest delay (default 5 s).
    #[must_use]
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Whether delays are jittered (default true): a delay `d` becomes a uniform value in
    /// `[d/2, d]`, so that many clients do not retry in step.
    #[must_use]
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The delay before attempt `attempts + 1`, before jitter.
    pub fn backoff(&self, attempts: u32, rate_limited: bool) -> Duration {
        let base = if rate_limited {
            self.rate_limited_delay
        } else {
            self.base_delay
        };
        let factor = 1u32 << attempts.saturating_sub(1).min(16);
        base.saturating_mul(factor).min(self.max_delay)
    }

    fn jittered(&self, d: Duration) -> Duration {
        if !self.jitter || d.is_zero() {
            return d;
        }
        let half = d / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Whether the request of a failed attempt cannot have reached the server.
fn never_sent(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Connect | ErrorKind::Tls | ErrorKind::Timeout(TimeoutKind::Connect)
    )
}

impl RetryPolicy for DefaultRetryPolicy {
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
        let kind = ctx.error.kind();
        let class = kind.class();
        if class == ErrorClass::SigExpired {
            return if ctx.sig_renewed {
                RetryDecision::Stop
            } else {
                RetryDecision::RenewUserSig
            };
        }
        if !class.is_retryable() || ctx.attempts >= self.max_attempts {
            return RetryDecision::Stop;
        }
        if !ctx.retry_safe && !never_sent(kind) {
            return RetryDecision::Stop;
        }
        let delay = self.backoff(ctx.attempts, class == ErrorClass::RateLimited);
        RetryDecision::RetryAfter(self.jittered(delay))
    }

    /// Refuses zero attempts.
    fn check_config(&self) -> Result<(), ConfigError> {
        if self.max_attempts == 0 {
            return Err(ConfigError::limit(
                "DefaultRetryPolicy::max_attempts",
                "DefaultRetryPolicy::max_attempts is 0: give at least 1 (1 disables retries)",
            ));
        }
        Ok(())
    }
}

/// A policy that never retries (the UserSig renewal after a 70001 included).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetry;

impl RetryPolicy for NoRetry {
    fn decide(&self, _ctx: &RetryContext<'_>) -> RetryDecision {
        RetryDecision::Stop
    }
}

#[cfg(test)]
mod tests {
    use tencent_im_protocol::{Endpoint, ErrorCode};

    use super::*;

    fn ctx(kind: ErrorKind, attempts: u32, retry_safe: bool, sig_renewed: bool) -> RetryDecision {
        let error = TransportError::new(kind, Endpoint::FriendAdd, 1);
        DefaultRetryPolicy::default()
            .jitter(false)
            .decide(&RetryContext {
                error: &error,
                attempts,
                retry_safe,
                sig_renewed,
                remaining: Duration::from_secs(30),
            })
    }

    #[test]
    fn classes_map_to_decisions() {
        let ms = Duration::from_millis;
        assert_eq!(
            ctx(ErrorKind::Connect, 1, true, false),
            RetryDecision::RetryAfter(ms(200))
        );
        assert_eq!(
            ctx(ErrorKind::HttpStatus(502), 2, true, false),
            RetryDecision::RetryAfter(ms(400))
        );
        assert_eq!(
            ctx(ErrorKind::Api(ErrorCode::new(60007)), 1, true, false),
            RetryDecision::RetryAfter(ms(1000))
        );
        assert_eq!(
            ctx(ErrorKind::Api(ErrorCode::new(30006)), 4, true, false),
            RetryDecision::Stop
        );
        assert_eq!(
            ctx(ErrorKind::Api(ErrorCode::new(70001)), 1, true, false),
            RetryDecision::RenewUserSig
        );
        assert_eq!(
            ctx(ErrorKind::Api(ErrorCode::new(70001)), 2, true, true),
            RetryDecision::Stop
        );
        assert_eq!(
            ctx(ErrorKind::Api(ErrorCode::new(70009)), 1, true, false),
            RetryDecision::Stop
        );
        assert_eq!(ctx(ErrorKind::BadBody, 1, true, false), RetryDecision::Stop);
        assert_eq!(
            ctx(ErrorKind::HttpStatus(404), 1, true, false),
            RetryDecision::Stop
        );
        // Not retry-safe: only failures before anything was sent are retried.
        assert_eq!(
            ctx(ErrorKind::Interrupted, 1, false, false),
            RetryDecision::Stop
        );
        assert_eq!(
            ctx(ErrorKind::Connect, 1, false, false),
            RetryDecision::RetryAfter(ms(200))
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_in_range() {
        let p = DefaultRetryPolicy::default();
        assert_eq!(p.backoff(1, false), Duration::from_millis(200));
        assert_eq!(p.backoff(2, false), Duration::from_millis(400));
        assert_eq!(p.backoff(10, false), Duration::from_secs(5));
        assert_eq!(p.backoff(100, true), Duration::from_secs(5));
        for _ in 0..1000 {
            let d = p.jittered(Duration::from_millis(400));
            assert!(d >= Duration::from_millis(200) && d <= Duration::from_millis(400));
        }
    }
}
