//! [`RedisRateLimiter`]: the fleet's quota in Redis, a local fallback, fleet-wide pauses.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Script};
use tencent_im_protocol::{Endpoint, ErrorCode};
use tencent_im_transport::ErrorKind as CallErrorKind;
use tencent_im_transport::{BoxFuture, ConfigError, Rate, RateLimiter, TokenBucket};
use tokio::time::Instant;

use crate::error::{Error, ErrorKind, kind_of};
use crate::script::{self, Keys};
use crate::url::RedisUrl;

/// The key prefix unless one is set.
pub const DEFAULT_KEY_PREFIX: &str = "tim:rl";

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where permits come from at the moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Redis: the fleet shares one quota.
    Redis,
    /// The local fallback: this process alone, at the quota divided by the fleet size, because
    /// Redis did not answer within the budget.
    Local,
}

/// Configures and builds a [`RedisRateLimiter`]; see the crate documentation.
///
/// `Debug` shows the URL with `<redacted>` in place of its password.
pub struct RedisRateLimiterBuilder {
    url: Result<RedisUrl, Error>,
    sdkappid: u64,
    key_prefix: String,
    rates: HashMap<Endpoint, Rate>,
    fleet_size: u32,
    budget: Duration,
    pause: Duration,
    probe_interval: Duration,
    connect_timeout: Duration,
    root_certificates: Option<Vec<u8>>,
}

impl fmt::Debug for RedisRateLimiterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiterBuilder")
            .field("url", &redacted_or_invalid(&self.url))
            .field("sdkappid", &self.sdkappid)
            .field("key_prefix", &self.key_prefix)
            .field("rates", &self.rates)
            .field("fleet_size", &self.fleet_size)
            .field("budget", &self.budget)
            .field("pause", &self.pause)
            .field("probe_interval", &self.probe_interval)
            .field("connect_timeout", &self.connect_timeout)
            .field("root_certificates", &self.root_certificates.is_some())
            .finish()
    }
}

/// Whether `pem` holds at least one certificate, and nothing that fails to parse.
fn is_pem_certificates(pem: &[u8]) -> bool {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        if cert.is_err() {
            return false;
        }
        count += 1;
    }
    count > 0
}

fn redacted_or_invalid(url: &Result<RedisUrl, Error>) -> &str {
    match url {
        Ok(url) => &url.redacted,
        Err(_) => "<invalid URL>",
    }
}

impl RedisRateLimiterBuilder {
    /// Sets the prefix of every key (default [`DEFAULT_KEY_PREFIX`], `tim:rl`): keys are
    /// `{prefix}:{<sdkappid>}:<service>/<command>` (an endpoint's schedule), the same with
    /// `:pause` (its pause) and `{prefix}:{<sdkappid>}:pause` (the app's pause). Give each
    /// environment sharing a Redis its own prefix. No braces or whitespace.
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets the quota of `endpoint` for the whole fleet (default: the catalogue's rate,
    /// [`Endpoint::default_rate_per_second`], with a burst of a tenth of a second's worth).
    /// Every member must configure the same quotas.
    #[must_use]
    pub fn rate(mut self, endpoint: Endpoint, rate: Rate) -> Self {
        self.rates.insert(endpoint, rate);
        self
    }

    /// Sets how many processes share the quota (default 1, at least 1). Only the local
    /// fallback uses it: while Redis is unavailable each process takes the quota divided by
    /// the fleet size, so the fleet stays within the quota.
    #[must_use]
    pub fn fleet_size(mut self, members: u32) -> Self {
        self.fleet_size = members.max(1);
        self
    }

    /// Sets how long a permit may wait for Redis (default 50 ms). A Redis that has not
    /// answered by then is deemed unavailable: the caller gets a local permit and the limiter
    /// stays local until Redis answers a probe again.
    #[must_use]
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Sets how long the fleet pauses after a rate-limit answer (default 1 s): the endpoint for
    /// Tencent's 60007, 60018, 60019 and 30540 and for a gateway's HTTP 429, the whole app for
    /// 60011.
    #[must_use]
    pub fn pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// Sets how often a limiter on its local fallback asks Redis again (default 1 s). One
    /// caller per interval asks, within the budget.
    #[must_use]
    pub fn probe_interval(mut self, interval: Duration) -> Self {
        self.probe_interval = interval;
        self
    }

    /// Sets the timeout of one connection attempt to Redis (default 1 s). Connections are made
    /// in the background; callers never wait longer than the budget.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Trusts these root certificates (PEM) for a `rediss://` URL instead of the bundled webpki
    /// roots, e.g. a private CA's.
    #[must_use]
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates = Some(pem.into());
        self
    }

    /// Builds the limiter. Needs no runtime and does not connect: the first permit connects
    /// (in the background, within the budget). Call [`RedisRateLimiter::check`] to find out at
    /// start-up whether Redis answers.
    ///
    /// # Errors
    ///
    /// An [`Error`] of kind [`ErrorKind::Url`] for a URL that is not `redis://` or
    /// `rediss://`, [`ErrorKind::KeyPrefix`] for a bad prefix, [`ErrorKind::Tls`] for root
    /// certificates that are not PEM or come with a `redis://` URL.
    pub fn build(self) -> Result<RedisRateLimiter, Error> {
        let url = self.url?;
        let prefix = &self.key_prefix;
        if prefix.is_empty()
            || prefix
                .chars()
                .any(|c| c == '{' || c == '}' || c.is_whitespace() || c.is_control())
        {
            return Err(Error::new(
                ErrorKind::KeyPrefix,
                "the key prefix must be non-empty, without braces or whitespace",
            ));
        }
        let client = match &self.root_certificates {
            None => Client::open(url.secret.as_str())
                .map_err(|e| Error::new(ErrorKind::Url, "the URL is not usable").with_source(e))?,
            Some(_) if !url.tls => {
                return Err(Error::new(
                    ErrorKind::Tls,
                    "root certificates need a rediss:// URL",
                ));
            }
            Some(pem) if !is_pem_certificates(pem) => {
                return Err(Error::new(
                    ErrorKind::Tls,
                    "the root certificates are not PEM certificates",
                ));
            }
            Some(pem) => Client::build_with_tls(
                url.secret.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            )
            .map_err(|e| {
                Error::new(ErrorKind::Tls, "the root certificates are not usable").with_source(e)
            })?,
        };
        let keys = Keys::new(prefix, self.sdkappid);
        let fleet = self.fleet_size;
        let mut local = TokenBucket::new();
        let mut plans = HashMap::with_capacity(Endpoint::ALL.len());
        for &endpoint in Endpoint::ALL {
            let rate = self
                .rates
                .get(&endpoint)
                .copied()
                .unwrap_or_else(|| Rate::per_second(endpoint.default_rate_per_second()));
            let share = Rate::per_second((rate.get() / fleet).max(1))
                .burst((rate.get_burst() / fleet).max(1));
            local = local.with_rate(endpoint, share);
            plans.insert(
                endpoint,
                Plan {
                    rate,
                    interval_us: script::interval_us(rate.get()),
                    burst: rate.get_burst(),
                    schedule: keys.schedule(endpoint),
                    pause: keys.endpoint_pause(endpoint),
                },
            );
        }
        Ok(RedisRateLimiter {
            inner: Arc::new(Inner {
                redacted_url: url.redacted,
                sdkappid: self.sdkappid,
                key_prefix: self.key_prefix,
                fleet_size: fleet,
                budget: self.budget,
                pause: self.pause,
                probe_interval: self.probe_interval,
                connect_timeout: self.connect_timeout,
                client,
                script: Arc::new(Script::new(&script::source())),
                app_pause: keys.app_pause(),
                plans,
                local,
                manager: Mutex::new(None),
                degraded: AtomicBool::new(false),
                next_probe: Mutex::new(None),
                pauses: Mutex::new(Pauses::default()),
            }),
        })
    }
}

/// What the script needs for one endpoint, computed once.
#[derive(Debug)]
struct Plan {
    rate: Rate,
    interval_us: u64,
    burst: u32,
    schedule: String,
    pause: String,
}

/// This process's own record of pauses, in force before Redis has them (and while Redis is
/// unavailable).
#[derive(Debug, Default)]
struct Pauses {
    app: Option<Instant>,
    endpoints: HashMap<Endpoint, Instant>,
}

/// A [`RateLimiter`] whose quota is shared through Redis by every process of an app; see the
/// crate documentation.
///
/// Cheap to clone: clones share the connection, the fallback and the pauses. `Debug` shows the
/// URL with `<redacted>` in place of its password.
#[derive(Clone)]
pub struct RedisRateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    redacted_url: String,
    sdkappid: u64,
    key_prefix: String,
    fleet_size: u32,
    budget: Duration,
    pause: Duration,
    probe_interval: Duration,
    connect_timeout: Duration,
    client: Client,
    script: Arc<Script>,
    app_pause: String,
    plans: HashMap<Endpoint, Plan>,
    local: TokenBucket,
    /// Made on first use, inside the runtime (it spawns its connection tasks).
    manager: Mutex<Option<ConnectionManager>>,
    /// Whether permits come from the local fallback.
    degraded: AtomicBool,
    /// While degraded: when the next caller asks Redis again.
    next_probe: Mutex<Option<Instant>>,
    pauses: Mutex<Pauses>,
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("RedisRateLimiter")
            .field("url", &inner.redacted_url)
            .field("sdkappid", &inner.sdkappid)
            .field("key_prefix", &inner.key_prefix)
            .field("fleet_size", &inner.fleet_size)
            .field("budget", &inner.budget)
            .field("pause", &inner.pause)
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

/// Why Redis was given up for a permit.
enum Failure {
    Redis(RedisError),
    Budget(Duration),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Redis(e) => write!(f, "{}: {e}", kind_of(e)),
            Self::Budget(budget) => write!(f, "no answer within the budget of {budget:?}"),
        }
    }
}

impl RedisRateLimiter {
    /// A builder for the app `sdkappid` on the Redis at `url`: `redis://[user][:password@]host[:port][/db]`,
    /// or `rediss://` for TLS. The URL's password never appears in `Debug`, errors or logs.
    pub fn builder(url: &str, sdkappid: u64) -> RedisRateLimiterBuilder {
        RedisRateLimiterBuilder {
            url: RedisUrl::parse(url),
            sdkappid,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            rates: HashMap::new(),
            fleet_size: 1,
            budget: Duration::from_millis(50),
            pause: Duration::from_secs(1),
            probe_interval: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            root_certificates: None,
        }
    }

    /// Where permits come from at the moment.
    pub fn backend(&self) -> Backend {
        if self.inner.degraded.load(Ordering::Acquire) {
            Backend::Local
        } else {
            Backend::Redis
        }
    }

    /// The fleet's quota for `endpoint`.
    pub fn rate(&self, endpoint: Endpoint) -> Rate {
        self.inner.plan(endpoint).map_or_else(
            || Rate::per_second(endpoint.default_rate_per_second()),
            |plan| plan.rate,
        )
    }

    /// This process's share of the quota for `endpoint` while on the local fallback.
    pub fn local_rate(&self, endpoint: Endpoint) -> Rate {
        self.inner.local.rate(endpoint)
    }

    /// The Redis key of `endpoint`'s schedule, e.g. `tim:rl:{1400000000}:sns/friend_add`.
    pub fn schedule_key(&self, endpoint: Endpoint) -> &str {
        self.inner.plan(endpoint).map_or("", |plan| &plan.schedule)
    }

    /// Connects (if need be) and loads the script, within the connect timeout: tells at
    /// start-up whether Redis answers. Permits do not need it. On success the limiter uses
    /// Redis again if it was on its fallback.
    ///
    /// # Errors
    ///
    /// An [`Error`] of kind [`ErrorKind::Unavailable`], [`ErrorKind::Timeout`] or
    /// [`ErrorKind::Server`] (e.g. a wrong password).
    pub async fn check(&self) -> Result<(), Error> {
        let inner = &*self.inner;
        let mut conn = inner
            .connection()
            .map_err(|e| Error::new(kind_of(&e), "cannot set up the connection").with_source(e))?;
        let load = inner.script.load_async(&mut conn);
        match tokio::time::timeout(inner.connect_timeout, load).await {
            Ok(Ok(_)) => {
                inner.healthy();
                Ok(())
            }
            Ok(Err(e)) => {
                inner.forget_connection_after(&e);
                Err(Error::new(kind_of(&e), "cannot load the script").with_source(e))
            }
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                "no answer within the connect timeout",
            )),
        }
    }
}

impl Inner {
    /// What the script needs for `endpoint` (every endpoint of the catalogue has a plan).
    fn plan(&self, endpoint: Endpoint) -> Option<&Plan> {
        self.plans.get(&endpoint)
    }

    /// The connection manager, made on first use.
    fn connection(&self) -> Result<ConnectionManager, RedisError> {
        let mut slot = lock(&self.manager);
        if let Some(manager) = slot.as_ref() {
            return Ok(manager.clone());
        }
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RedisError::from((
                redis::ErrorKind::Client,
                "not inside a Tokio runtime",
            )));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.connect_timeout.max(self.budget)))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        let manager = ConnectionManager::new_lazy_with_config(self.client.clone(), config)?;
        // Connect and load the script in the background: callers wait at most their budget,
        // and a connection must not depend on callers polling it.
        let mut warm = manager.clone();
        let script = self.script.clone();
        tokio::spawn(async move {
            let _ = script.load_async(&mut warm).await;
        });
        *slot = Some(manager.clone());
        Ok(manager)
    }

    /// Drops the connection manager after an error it does not recover from by itself (it
    /// reconnects after I/O errors, not after e.g. a refused password).
    fn forget_connection_after(&self, e: &RedisError) {
        if !(e.is_io_error() || e.is_timeout()) {
            *lock(&self.manager) = None;
        }
    }

    async fn acquire(&self, endpoint: Endpoint) {
        if let Some(until) = self.local_pause(endpoint) {
            tokio::time::sleep_until(until).await;
        }
        if let Some(plan) = self.plan(endpoint).filter(|_| self.redis_turn()) {
            match tokio::time::timeout(self.budget, self.redis_acquire(plan)).await {
                Ok(Ok(wait)) => {
                    self.healthy();
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    return;
                }
                Ok(Err(e)) => {
                    self.forget_connection_after(&e);
                    self.degrade(&Failure::Redis(e));
                }
                Err(_) => self.degrade(&Failure::Budget(self.budget)),
            }
        }
        self.local.acquire(endpoint).await;
    }

    /// One `EVALSHA`: reserves the next permit of `plan` in Redis; how long to wait for it.
    async fn redis_acquire(&self, plan: &Plan) -> Result<Duration, RedisError> {
        let mut conn = self.connection()?;
        let wait_us: i64 = self
            .script
            .key(&plan.schedule)
            .key(&plan.pause)
            .key(&self.app_pause)
            .arg("acquire")
            .arg(plan.interval_us)
            .arg(plan.burst)
            .invoke_async(&mut conn)
            .await?;
        Ok(Duration::from_micros(u64::try_from(wait_us).unwrap_or(0)))
    }

    /// Whether this permit asks Redis: always while healthy; while degraded, one caller per
    /// probe interval.
    fn redis_turn(&self) -> bool {
        if !self.degraded.load(Ordering::Acquire) {
            return true;
        }
        let now = Instant::now();
        let mut next = lock(&self.next_probe);
        match *next {
            Some(at) if now < at => false,
            _ => {
                *next = Some(now + self.probe_interval);
                true
            }
        }
    }

    fn healthy(&self) {
        if self.degraded.load(Ordering::Acquire) && self.degraded.swap(false, Ordering::AcqRel) {
            tracing::info!(
                redis = %self.redacted_url,
                sdkappid = self.sdkappid,
                "Redis answers again: permits come from the fleet's quota"
            );
        }
    }

    fn degrade(&self, failure: &Failure) {
        if !self.degraded.swap(true, Ordering::AcqRel) {
            *lock(&self.next_probe) = Some(Instant::now() + self.probe_interval);
            tracing::warn!(
                redis = %self.redacted_url,
                sdkappid = self.sdkappid,
                error = %failure,
                fleet_size = self.fleet_size,
                "Redis unavailable: permits come from the local fallback at the quota divided by the fleet size"
            );
        }
    }

    /// The end of this process's own pause record for `endpoint`, if it is in the future.
    fn local_pause(&self, endpoint: Endpoint) -> Option<Instant> {
        let pauses = lock(&self.pauses);
        if pauses.app.is_none() && pauses.endpoints.is_empty() {
            return None;
        }
        let until = pauses.app.max(pauses.endpoints.get(&endpoint).copied())?;
        (until > Instant::now()).then_some(until)
    }

    /// Records a pause here and, unless one was recorded lately, in Redis.
    fn rate_limited(&self, endpoint: Endpoint, answer: CallErrorKind) {
        let app_wide = answer == CallErrorKind::Api(ErrorCode::SDKAPPID_RATE_LIMITED);
        let now = Instant::now();
        let until = now + self.pause;
        let fresh = {
            let mut pauses = lock(&self.pauses);
            pauses.endpoints.retain(|_, t| *t > now);
            if pauses.app.is_some_and(|t| t <= now) {
                pauses.app = None;
            }
            let previous = if app_wide {
                pauses.app
            } else {
                pauses.endpoints.get(&endpoint).copied()
            };
            let new = previous.map_or(until, |p| p.max(until));
            if app_wide {
                pauses.app = Some(new);
            } else {
                pauses.endpoints.insert(endpoint, new);
            }
            // A pause recorded within the last half pause is not written again.
            previous.is_none_or(|p| p + self.pause / 2 < until)
        };
        if !fresh {
            return;
        }
        tracing::info!(
            endpoint = endpoint.path(),
            answer = %answer,
            pause_ms = u64::try_from(self.pause.as_millis()).unwrap_or(u64::MAX),
            app_wide,
            "rate limited: pausing the fleet"
        );
        if self.degraded.load(Ordering::Acquire) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(mut conn) = self.connection() else {
            return;
        };
        let key = if app_wide {
            self.app_pause.clone()
        } else {
            match self.plan(endpoint) {
                Some(plan) => plan.pause.clone(),
                None => return,
            }
        };
        let script = self.script.clone();
        let pause_us = u64::try_from(self.pause.as_micros()).unwrap_or(u64::MAX);
        let budget = self.budget.max(self.connect_timeout);
        handle.spawn(async move {
            let mut invocation = script.key(key);
            invocation.arg("pause").arg(pause_us);
            let write = invocation.invoke_async::<i64>(&mut conn);
            if let Ok(Err(e)) = tokio::time::timeout(budget, write).await {
                tracing::debug!(error = %e, "cannot record the pause in Redis");
            }
        });
    }
}

impl RateLimiter for RedisRateLimiter {
    fn acquire(&self, endpoint: Endpoint) -> BoxFuture<'_, ()> {
        Box::pin(self.inner.acquire(endpoint))
    }

    fn rate_limited(&self, endpoint: Endpoint, answer: CallErrorKind) {
        self.inner.rate_limited(endpoint, answer);
    }

    /// A zero rate or burst of the fleet's quota is refused when the client is built, with the
    /// transport's own message naming the endpoint.
    fn check_config(&self) -> Result<(), ConfigError> {
        self.inner
            .plans
            .iter()
            .fold(TokenBucket::new(), |bucket, (&endpoint, plan)| {
                bucket.with_rate(endpoint, plan.rate)
            })
            .check_config()
    }
}
