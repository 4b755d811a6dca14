//! Per-endpoint rate limits (token buckets), answered with 60007.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use tencent_im_protocol::Endpoint;

use crate::config::Config;

/// A bucket holding up to one second of calls, refilled continuously.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The rate limits of every endpoint, per SDKAppID.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rates: HashMap<Endpoint, u32>,
    buckets: Mutex<HashMap<(u64, Endpoint), Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(config: &Config) -> Self {
        let rates = Endpoint::ALL
            .iter()
            .filter_map(|&e| config.rate_of(e).map(|r| (e, r)))
            .collect();
        Self {
            rates,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call of `endpoint` for `sdkappid`; `false` if the rate is exceeded.
    pub(crate) fn allow(&self, sdkappid: u64, endpoint: Endpoint) -> bool {
        let Some(&rate) = self.rates.get(&endpoint) else {
            return true;
        };
        let rate = f64::from(rate);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry((sdkappid, endpoint)).or_insert(Bucket {
            tokens: rate,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RateLimit;

    #[test]
    fn a_burst_over_the_rate_is_refused() {
        let config = Config::default()
            .rate_limit(RateLimit::Off)
            .endpoint_rate(Endpoint::FriendAdd, 5);
        let limiter = RateLimiter::new(&config);
        let allowed = (0..20)
            .filter(|_| limiter.allow(1, Endpoint::FriendAdd))
            .count();
        assert!((5..=6).contains(&allowed), "{allowed}");
        assert!((0..100).all(|_| limiter.allow(1, Endpoint::FriendGet)));
        // Another app has its own bucket.
        assert!(limiter.allow(2, Endpoint::FriendAdd));
    }
}
