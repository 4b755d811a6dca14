//! The transport: executes a [`Command`] with retries, rate limiting and host failover.

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::pin;
use std::sync::{Arc, Mutex, RwLock};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Body as _;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::http::uri::{Authority, Parts, PathAndQuery, Scheme};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tencent_im_protocol::{Command, EncodeError, Endpoint, ErrorClass, Reply, ReplyError};
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use crate::config::{Limits, TlsOptions};
use crate::connector::{ConnectTimeout, Connector, connector};
use crate::credentials::{Credentials, UserSig};
use crate::error::{
    BoxError, ConfigError, ConfigErrorKind, ErrorKind, StatusBody, TimeoutKind, TransportError,
};
use crate::proxy::{Proxy, ProxyError};
use crate::rate_limit::{RateLimiter, TokenBucket};
use crate::region::{BaseUrl, Target};
use crate::retry::{DefaultRetryPolicy, RetryContext, RetryDecision, RetryPolicy};
use crate::url::{QueryPrefix, redacted_url};

const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A source of `random` query values: a uniform `u32` per call.
pub type RandomSource = Arc<dyn Fn() -> u32 + Send + Sync>;

/// A successful call: the command's decoded [`Reply`] and the call's receipt (its `random`,
/// attempts, latency and the host that answered).
///
/// Named apart from each command's `Response` type (its reply body, `T` here) and from
/// `http::Response`, which code using the transport often imports too.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallReply<T> {
    reply: Reply<T>,
    random: u32,
    attempts: u32,
    latency: Duration,
    host: Arc<str>,
}

impl<T> CallReply<T> {
    /// The reply: envelope and command-specific body.
    pub fn reply(&self) -> &Reply<T> {
        &self.reply
    }

    /// The command-specific body of the reply.
    pub fn body(&self) -> &T {
        &self.reply.body
    }

    /// The reply, dropping the rest.
    pub fn into_reply(self) -> Reply<T> {
        self.reply
    }

    /// The `random` query value of the call, the same on every attempt.
    pub fn random(&self) -> u32 {
        self.random
    }

    /// How many HTTP attempts the call took (1 without retries).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The time from the start of the call to the decoded reply, waits and retries included.
    pub fn latency(&self) -> Duration {
        self.latency
    }

    /// The host (and port, if not the default) that answered.
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// One server: the origin for URLs, the authority for logs and errors, and the scheme,
/// authority and `Host` header built once for every request to it.
///
/// The parsed scheme and authority and the `Host` header are kept for the target "16 calls in
/// flight ≥ 0.8× the bare client's calls/s" (`docs/benchmarks.md`): parsing the whole URI per
/// attempt costs 1 900 instructions a call more (4% of the transport's), leaving the `Host`
/// header to the pooled client 2 800 more (6%).
#[derive(Debug)]
struct Server {
    origin: String,
    authority: Arc<str>,
    uri_scheme: Scheme,
    uri_authority: Authority,
    /// The `Host` header of a plain `http://` server (always HTTP/1.1). Without it the pooled
    /// client formats and validates the header again for every request. Over TLS, ALPN may pick
    /// HTTP/2, which carries the authority as `:authority` instead; there the client adds the
    /// header itself when the connection is HTTP/1.1.
    host_header: Option<HeaderValue>,
}

impl Server {
    fn new(url: &BaseUrl) -> Result<Self, ConfigError> {
        let origin = url.as_str().to_owned();
        let authority: Arc<str> = origin
            .split_once("://")
            .map_or(origin.as_str(), |(_, a)| a)
            .into();
        let parts = origin.parse::<Uri>().ok().map(Uri::into_parts);
        let Some(Parts {
            scheme: Some(uri_scheme),
            authority: Some(uri_authority),
            ..
        }) = parts
        else {
            return Err(ConfigError::new(
                ConfigErrorKind::BaseUrl,
                "the base URL is not a valid URI",
            ));
        };
        let host_header = (uri_scheme == Scheme::HTTP)
            .then(|| host_header(&uri_authority))
            .flatten();
        Ok(Self {
            origin,
            authority,
            uri_scheme,
            uri_authority,
            host_header,
        })
    }

    /// The request URI for `path_and_query` on this server.
    fn uri(&self, path_and_query: String) -> Result<Uri, AttemptError> {
        let path_and_query = PathAndQuery::try_from(path_and_query)
            .map_err(|e| AttemptError::new(ErrorKind::Http, e))?;
        let mut parts = Parts::default();
        parts.scheme = Some(self.uri_scheme.clone());
        parts.authority = Some(self.uri_authority.clone());
        parts.path_and_query = Some(path_and_query);
        Uri::from_parts(parts).map_err(|e| AttemptError::new(ErrorKind::Http, e))
    }
}

/// Configures and builds a [`Transport`].
///
/// ```
/// use tencent_im_transport::{Credentials, Limits, Region, Transport, UserSig};
///
/// let transport = Transport::builder(
///     Region::Singapore,
///     Credentials::fixed(1400000000, "administrator", UserSig::new("eJy...")),
/// )
/// .limits(Limits::default())
/// .build()?;
/// # Ok::<(), tencent_im_transport::ConfigError>(())
/// ```
pub struct TransportBuilder {
    target: Target,
    credentials: Credentials,
    limits: Limits,
    tls: TlsOptions,
    proxy: Proxy,
    retry: Arc<dyn RetryPolicy>,
    limiter: Arc<dyn RateLimiter>,
    random: RandomSource,
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("target", &self.target)
            .field("credentials", &self.credentials)
            .field("limits", &self.limits)
            .field("tls", &self.tls)
            .field("proxy", &self.proxy)
            .field("retry", &self.retry)
            .field("limiter", &self.limiter)
            .finish_non_exhaustive()
    }
}

impl TransportBuilder {
    /// Sets the limits (timeouts, body cap, pool).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the trusted certificates.
    #[must_use]
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// Sends calls through an HTTP proxy (default [`Proxy::none`]), e.g.
    /// [`Proxy::from_env`] for `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, or
    /// [`Proxy::url`] for an explicit one.
    #[must_use]
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Replaces the retry policy (default [`DefaultRetryPolicy`]).
    #[must_use]
    pub fn retry_policy(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.retry = policy;
        self
    }

    /// Replaces the rate limiter (default [`TokenBucket`] with the catalogue's rates).
    #[must_use]
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = limiter;
        self
    }

    /// Replaces the source of `random` values (default: `fastrand`, uniform over `u32`).
    #[must_use]
    pub fn random_source(mut self, random: RandomSource) -> Self {
        self.random = random;
        self
    }

    /// Builds the transport. Needs no runtime; calls need a Tokio runtime with time and I/O.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] if no root certificate is trusted, TLS cannot be set up, a base URL
    /// is not a valid URI, or a limit is zero: a connect, attempt or total timeout
    /// ([`Limits`]), the retry policy's attempts or the rate limiter's rate or burst (their
    /// [`check_config`](RetryPolicy::check_config)).
    pub fn build(self) -> Result<Transport, ConfigError> {
        self.limits.check()?;
        self.retry.check_config()?;
        self.limiter.check_config()?;
        let connector = connector(&self.tls, &self.proxy, self.limits.get_connect_timeout())?;
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(self.limits.get_pool_idle_timeout())
            .pool_max_idle_per_host(self.limits.get_pool_max_idle_per_host())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        let primary = Server::new(&self.target.primary())?;
        let standby = self
            .target
            .standby()
            .as_ref()
            .map(Server::new)
            .transpose()?;
        Ok(Transport {
            inner: Arc::new(Inner {
                client,
                target: self.target,
                primary,
                standby,
                standby_until: Mutex::new(None),
                query: RwLock::new(None),
                credentials: self.credentials,
                limits: self.limits,
                retry: self.retry,
                limiter: self.limiter,
                random: self.random,
            }),
        })
    }
}

/// Executes protocol commands against Tencent (or a custom server).
///
/// Cheap to clone: clones share the connection pool, the rate limiter and the failover state.
/// See the crate documentation for the behaviour of a call.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<Connector, Full<Bytes>>,
    target: Target,
    primary: Server,
    standby: Option<Server>,
    /// While set and in the future, requests go to the standby server.
    standby_until: Mutex<Option<Instant>>,
    /// The query prefix for the last UserSig the provider gave (holds that UserSig).
    query: RwLock<Option<QueryPrefix>>,
    credentials: Credentials,
    limits: Limits,
    retry: Arc<dyn RetryPolicy>,
    limiter: Arc<dyn RateLimiter>,
    random: RandomSource,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("target", &self.inner.target)
            .field("credentials", &self.inner.credentials)
            .field("limits", &self.inner.limits)
            .field("retry", &self.inner.retry)
            .field("limiter", &self.inner.limiter)
            .finish_non_exhaustive()
    }
}

/// The failure of one attempt, before it becomes a [`TransportError`].
struct AttemptError {
    kind: ErrorKind,
    source: Option<BoxError>,
}

impl AttemptError {
    fn new(kind: ErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }
}

/// What follows a failed attempt.
enum Next {
    /// The primary host could not be reached: send again at once, to the standby host.
    FailOver,
    /// Wait this long, then send again.
    BackOff(Duration),
    /// Get a fresh UserSig from the provider, then send again at once.
    RenewSig,
    /// The call fails with the attempt's error.
    Fail,
}

/// One call in progress: where it stands between its steps (wait for a permit, get a UserSig,
/// send, decide what follows a failure).
struct Call<'a> {
    transport: &'a Transport,
    endpoint: Endpoint,
    retry_safe: bool,
    random: u32,
    span: &'a tracing::Span,
    start: Instant,
    deadline: Instant,
    /// Attempts sent so far.
    attempts: u32,
    /// Whether the UserSig was renewed (at most once a call).
    sig_renewed: bool,
    /// Whether the call switched to the standby host (at most once a call).
    failed_over: bool,
}

impl<'a> Call<'a> {
    fn new(
        transport: &'a Transport,
        endpoint: Endpoint,
        retry_safe: bool,
        random: u32,
        span: &'a tracing::Span,
    ) -> Self {
        let start = Instant::now();
        Self {
            transport,
            endpoint,
            retry_safe,
            random,
            span,
            start,
            deadline: start + transport.inner.limits.get_total_timeout(),
            attempts: 0,
            sig_renewed: false,
            failed_over: false,
        }
    }

    fn error(&self, kind: ErrorKind) -> TransportError {
        TransportError::new(kind, self.endpoint, self.random)
    }

    /// The error of a command that could not be encoded.
    fn encode_error(&self, e: EncodeError) -> TransportError {
        match e {
            EncodeError::Invalid(v) => self.error(ErrorKind::Validation).with_source(v),
            other => self.error(ErrorKind::Encode).with_source(other),
        }
    }

    /// Waits for a permit of the rate limiter, within the total timeout.
    async fn permit(&self) -> Result<(), TransportError> {
        let inner = &self.transport.inner;
        match within(self.deadline, inner.limiter.acquire(self.endpoint)).await {
            Some(()) => Ok(()),
            None => Err(self.fail(self.error(ErrorKind::Timeout(TimeoutKind::Total)))),
        }
    }

    /// The provider's current UserSig, within the total timeout.
    async fn user_sig(&self) -> Result<UserSig, TransportError> {
        let provider = self.transport.inner.credentials.provider();
        match within(self.deadline, provider.user_sig(false)).await {
            Some(Ok(sig)) => Ok(sig),
            Some(Err(e)) => Err(self.fail(self.error(ErrorKind::Credentials).with_source(e))),
            None => Err(self.fail(self.error(ErrorKind::Timeout(TimeoutKind::Total)))),
        }
    }

    /// A fresh UserSig after `err` (a 70001); if the provider cannot give one in time, the call
    /// fails with `err`.
    async fn renew_sig(&mut self, err: TransportError) -> Result<UserSig, TransportError> {
        self.sig_renewed = true;
        let provider = self.transport.inner.credentials.provider();
        match within(self.deadline, provider.user_sig(true)).await {
            Some(Ok(sig)) => {
                tracing::debug!("UserSig renewed, retrying");
                Ok(sig)
            }
            Some(Err(renew_err)) => {
                tracing::debug!(error = %renew_err, "UserSig renewal failed");
                Err(self.fail(err))
            }
            None => Err(self.fail(err)),
        }
    }

    /// One attempt to `server`, in its own span.
    async fn send<C: Command>(
        &mut self,
        server: &Server,
        sig: UserSig,
        body: Bytes,
    ) -> Result<Reply<C::Response>, TransportError> {
        self.attempts += 1;
        let path_and_query = self
            .transport
            .path_and_query(self.endpoint, &sig, self.random);
        let attempt_span = tracing::debug_span!(
            "tencent_im.attempt",
            host = &*server.authority,
            attempt = self.attempts,
            status = Empty,
            code = Empty,
            latency_us = Empty,
        );
        self.transport
            .attempt::<C>(server, path_and_query, &sig, body, self.deadline)
            .instrument(attempt_span)
            .await
            .map_err(|a| {
                let e = self.error(a.kind).with_host(&server.authority);
                match a.source {
                    Some(source) => e.with_source(source),
                    None => e,
                }
            })
    }

    /// What follows the failed attempt `err`, sent to the standby host if `on_standby`: tells
    /// the limiter of a rate-limit answer, switches hosts when one cannot be reached, and asks
    /// the retry policy otherwise.
    fn next(&mut self, err: &TransportError, on_standby: bool) -> Next {
        let inner = &*self.transport.inner;
        if err.kind().class() == ErrorClass::RateLimited {
            // A fleet limiter slows every process down.
            inner.limiter.rate_limited(self.endpoint, err.kind());
        }
        let unreachable = matches!(
            err.kind(),
            ErrorKind::Connect | ErrorKind::Timeout(TimeoutKind::Connect)
        );
        if unreachable && inner.standby.is_some() {
            // The primary host unreachable: the standby host for the standby period. The standby
            // host unreachable: the primary host again.
            let until = (!on_standby).then(|| Instant::now() + inner.limits.get_standby_period());
            *inner
                .standby_until
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = until;
            if !on_standby && !self.failed_over && Instant::now() < self.deadline {
                tracing::debug!(error = %err, "primary host unreachable, switching to the standby host");
                self.failed_over = true;
                return Next::FailOver;
            }
        }
        let ctx = RetryContext {
            error: err,
            attempts: self.attempts,
            retry_safe: self.retry_safe,
            sig_renewed: self.sig_renewed,
            remaining: self.deadline.saturating_duration_since(Instant::now()),
        };
        match inner.retry.decide(&ctx) {
            RetryDecision::RetryAfter(delay) if Instant::now() + delay < self.deadline => {
                tracing::debug!(error = %err, delay_ms = delay.as_millis() as u64, "retrying");
                Next::BackOff(delay)
            }
            RetryDecision::RenewUserSig => Next::RenewSig,
            _ => Next::Fail,
        }
    }

    /// The successful end of the call.
    fn succeed<T>(&self, reply: Reply<T>, server: &Server) -> CallReply<T> {
        let latency = self.start.elapsed();
        // Recording into a span no subscriber listens to does nothing.
        self.span.record("attempts", self.attempts);
        self.span.record("host", &*server.authority);
        self.span.record("latency_us", micros(latency));
        self.span.record("code", reply.envelope.error_code.get());
        CallReply {
            reply,
            random: self.random,
            attempts: self.attempts,
            latency,
            host: server.authority.clone(),
        }
    }

    /// The end of the call with `e`.
    fn fail(&self, mut e: TransportError) -> TransportError {
        e.set_attempts(self.attempts, self.start.elapsed());
        let span = self.span;
        span.record("attempts", self.attempts);
        if let Some(host) = e.host() {
            span.record("host", host);
        }
        span.record("latency_us", micros(e.elapsed()));
        if let Some(code) = e.api_code() {
            span.record("code", code.get());
        }
        tracing::debug!(error = %e, "call failed");
        e
    }
}

impl Transport {
    /// A builder for `target` (a [`Region`](crate::Region), a [`Target`] or a [`BaseUrl`]) and
    /// `credentials`.
    pub fn builder(target: impl Into<Target>, credentials: Credentials) -> TransportBuilder {
        TransportBuilder {
            target: target.into(),
            credentials,
            limits: Limits::default(),
            tls: TlsOptions::default(),
            proxy: Proxy::none(),
            retry: Arc::new(DefaultRetryPolicy::default()),
            limiter: Arc::new(TokenBucket::new()),
            random: Arc::new(|| fastrand::u32(..)),
        }
    }

    /// Where requests go.
    pub fn target(&self) -> &Target {
        &self.inner.target
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The URL the next call to `endpoint` with this `random` would use, with `<redacted>` in
    /// place of the UserSig: the host in use (primary, or standby after a failover), the path
    /// and the query string.
    ///
    /// ```
    /// use tencent_im_protocol::Endpoint;
    /// use tencent_im_transport::{Credentials, Region, Transport, UserSig};
    ///
    /// let t = Transport::builder(Region::China, Credentials::fixed(1400000000, "admin", UserSig::new("eJy")))
    ///     .build()?;
    /// assert_eq!(
    ///     t.redacted_url(Endpoint::FriendAdd, 99),
    ///     "https://console.tim.qq.com/v4/sns/friend_add?sdkappid=1400000000&identifier=admin&usersig=<redacted>&random=99&contenttype=json"
    /// );
    /// # Ok::<(), tencent_im_transport::ConfigError>(())
    /// ```
    pub fn redacted_url(&self, endpoint: Endpoint, random: u32) -> String {
        let (server, _) = self.server();
        redacted_url(&server.origin, endpoint, &self.inner.credentials, random)
    }

    /// Validates `command`, then sends it until it succeeds, fails for good, or the total timeout
    /// is reached.
    ///
    /// One `random` is drawn for the call and sent on every attempt; it is in the
    /// [`CallReply`] and in every [`TransportError`]. Before each attempt the caller waits for a
    /// permit of the rate limiter; after an attempt answered with a rate limit (a rate-limit
    /// code or HTTP 429) the limiter is told ([`RateLimiter::rate_limited`]). A failure to
    /// resolve or connect to the primary host switches to the standby host (if any) for
    /// [`Limits::standby_period`] and retries there at once. Other failures go to the retry
    /// policy. The body of a status other than 2xx is the error's source ([`StatusBody`]).
    ///
    /// # Errors
    ///
    /// A [`TransportError`]; see [`ErrorKind`] for the kinds.
    pub async fn execute<C: Command>(
        &self,
        command: &C,
    ) -> Result<CallReply<C::Response>, TransportError> {
        let random = (self.inner.random)();
        let span = tracing::info_span!(
            "tencent_im.call",
            service = C::SERVICE,
            command = C::COMMAND,
            random,
            host = Empty,
            attempts = Empty,
            code = Empty,
            latency_us = Empty,
        );
        self.run::<C>(command, random, &span)
            .instrument(span.clone())
            .await
    }

    /// The call, inside its span `span` (a no-op handle when no subscriber listens): encode
    /// once, then one attempt after another until a reply or a failure ends it.
    async fn run<C: Command>(
        &self,
        command: &C,
        random: u32,
        span: &tracing::Span,
    ) -> Result<CallReply<C::Response>, TransportError> {
        let mut call = Call::new(self, C::ENDPOINT, C::RETRY_SAFE, random, span);
        // An invalid command, or one that does not serialize, is never sent.
        let body = match command.encode() {
            Ok(body) => Bytes::from(body),
            Err(e) => return Err(call.fail(call.encode_error(e))),
        };
        // The UserSig renewed after a 70001, for the next attempt.
        let mut renewed: Option<UserSig> = None;
        loop {
            call.permit().await?;
            let sig = match renewed.take() {
                Some(sig) => sig,
                None => call.user_sig().await?,
            };
            let (server, on_standby) = self.server();
            let err = match call.send::<C>(server, sig, body.clone()).await {
                Ok(reply) => return Ok(call.succeed(reply, server)),
                Err(err) => err,
            };
            match call.next(&err, on_standby) {
                Next::FailOver => {}
                Next::BackOff(delay) => tokio::time::sleep(delay).await,
                Next::RenewSig => renewed = Some(call.renew_sig(err).await?),
                Next::Fail => return Err(call.fail(err)),
            }
        }
    }

    /// The server for the next attempt, and whether it is the standby one.
    fn server(&self) -> (&Server, bool) {
        match (&self.inner.standby, self.use_standby()) {
            (Some(standby), true) => (standby, true),
            _ => (&self.inner.primary, false),
        }
    }

    /// The path and query string of a request, from the cached prefix when `sig` is the UserSig
    /// it was built with. Contains the UserSig: keep it out of logs and errors.
    fn path_and_query(&self, endpoint: Endpoint, sig: &UserSig, random: u32) -> String {
        let cache = &self.inner.query;
        {
            let cached = cache.read().unwrap_or_else(|e| e.into_inner());
            if let Some(q) = cached.as_ref().filter(|q| q.is_for(sig)) {
                return q.path_and_query(endpoint, random);
            }
        }
        let q = QueryPrefix::new(&self.inner.credentials, sig);
        let path_and_query = q.path_and_query(endpoint, random);
        *cache.write().unwrap_or_else(|e| e.into_inner()) = Some(q);
        path_and_query
    }

    /// Whether requests currently go to the standby server.
    fn use_standby(&self) -> bool {
        if self.inner.standby.is_none() {
            return false;
        }
        let mut until = self
            .inner
            .standby_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match *until {
            Some(t) if Instant::now() < t => true,
            Some(_) => {
                *until = None;
                false
            }
            None => false,
        }
    }

    /// One attempt, bounded by the attempt timeout and the deadline.
    async fn attempt<C: Command>(
        &self,
        server: &Server,
        path_and_query: String,
        sig: &UserSig,
        body: Bytes,
        deadline: Instant,
    ) -> Result<Reply<C::Response>, AttemptError> {
        let started = Instant::now();
        let attempt_deadline = started + self.inner.limits.get_attempt_timeout();
        let (until, which) = if attempt_deadline <= deadline {
            (attempt_deadline, TimeoutKind::Attempt)
        } else {
            (deadline, TimeoutKind::Total)
        };
        let span = tracing::Span::current();
        let result = match tokio::time::timeout_at(
            until,
            self.send(server, path_and_query, sig, body, until),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(AttemptError {
                kind: ErrorKind::Timeout(which),
                source: None,
            }),
        };
        span.record("latency_us", micros(started.elapsed()));
        let (status, bytes) = match result {
            Ok(ok) => ok,
            Err(e) => {
                if let ErrorKind::HttpStatus(s) = e.kind {
                    span.record("status", s);
                }
                tracing::debug!(error = %e.kind, "attempt failed");
                return Err(e);
            }
        };
        span.record("status", status);
        match C::decode_reply(&bytes) {
            Ok(reply) => {
                span.record("code", reply.envelope.error_code.get());
                tracing::debug!("attempt succeeded");
                Ok(reply)
            }
            Err(ReplyError::Api(api)) => {
                span.record("code", api.code().get());
                tracing::debug!(code = api.code().get(), "API error");
                Err(AttemptError::new(ErrorKind::Api(api.code()), api))
            }
            Err(other) => {
                tracing::debug!("bad body");
                let source: BoxError = match other {
                    ReplyError::Decode(d) => Box::new(d),
                    other => Box::new(other),
                };
                Err(AttemptError {
                    kind: ErrorKind::BadBody,
                    source: Some(source),
                })
            }
        }
    }

    /// Sends the request and reads the whole body, within the body cap; of a status other than
    /// 2xx, the start of the body, with `sig` redacted, as long as it comes before `until`.
    async fn send(
        &self,
        server: &Server,
        path_and_query: String,
        sig: &UserSig,
        body: Bytes,
        until: Instant,
    ) -> Result<(u16, Bytes), AttemptError> {
        let max = self.inner.limits.get_max_body_bytes();
        let uri = server.uri(path_and_query)?;
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = uri;
        let headers = req.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
        if let Some(host) = &server.host_header {
            headers.insert(HOST, host.clone());
        }
        let resp = self
            .inner
            .client
            .request(req)
            .await
            .map_err(classify_request_error)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(AttemptError {
                kind: ErrorKind::HttpStatus(status.as_u16()),
                source: status_body(resp.into_body(), sig, until)
                    .await
                    .map(|b| Box::new(b) as BoxError),
            });
        }
        let too_large = ErrorKind::BodyTooLarge { limit: max };
        if resp
            .body()
            .size_hint()
            .exact()
            .is_some_and(|n| n > max as u64)
        {
            return Err(AttemptError {
                kind: too_large,
                source: None,
            });
        }
        match Limited::new(resp.into_body(), max).collect().await {
            Ok(c) => Ok((status.as_u16(), c.to_bytes())),
            Err(e) if e.is::<LengthLimitError>() => Err(AttemptError::new(too_large, e)),
            Err(e) => Err(AttemptError {
                kind: after_connect_kind(&*e),
                source: Some(e),
            }),
        }
    }
}

/// How long the start of a non-2xx body is waited for: a gateway sends its page with the
/// status, so this only bounds one that stalls, and each attempt's error comes at most this late.
const STATUS_BODY_WAIT: Duration = Duration::from_millis(250);
/// How long before the attempt's deadline the wait for a non-2xx body stops.
const STATUS_BODY_MARGIN: Duration = Duration::from_millis(5);

/// The start of a non-2xx response's `body`: at most [`StatusBody::MAX_BYTES`], read for at
/// most [`STATUS_BODY_WAIT`] and until shortly before `until` (so the status is reported, not
/// a timeout), with `sig` redacted; `None` when it had no text.
async fn status_body(
    mut body: hyper::body::Incoming,
    sig: &UserSig,
    until: Instant,
) -> Option<StatusBody> {
    let mut bytes = Vec::new();
    // Whether the page came to its end within the bytes read.
    let mut whole = false;
    let read = async {
        while let Some(frame) = body.frame().await {
            // A page broken off ends here, not whole; trailers are skipped.
            let Ok(frame) = frame else { return };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let room = StatusBody::MAX_BYTES - bytes.len();
            if data.len() > room {
                bytes.extend_from_slice(&data[..room]);
                return;
            }
            bytes.extend_from_slice(&data);
        }
        whole = true;
    };
    let margin = until.checked_sub(STATUS_BODY_MARGIN).unwrap_or(until);
    let stop = (Instant::now() + STATUS_BODY_WAIT).min(margin);
    let _ = tokio::time::timeout_at(stop, read).await;
    StatusBody::new(&bytes, !whole, sig.expose())
}

/// The `Host` header for a plain `http://` authority: the host, and the port unless it is 80
/// (what the pooled client would send).
fn host_header(authority: &Authority) -> Option<HeaderValue> {
    let value = match authority.port_u16() {
        Some(port) if port != 80 => format!("{}:{port}", authority.host()),
        _ => authority.host().to_owned(),
    };
    HeaderValue::from_str(&value).ok()
}

/// `fut`, unless `deadline` passes first (`None`). A future that is ready at once (the
/// default UserSig providers, an idle rate limiter) costs no timer: 440 instructions a call
/// (1%) at 16 calls in flight, kept for that target's margin (`docs/benchmarks.md`).
async fn within<F: Future>(deadline: Instant, fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    if let Poll::Ready(out) = poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await {
        return Some(out);
    }
    tokio::time::timeout_at(deadline, fut).await.ok()
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The first `T` in `err`'s chain, looking inside I/O errors too (whose `source` skips the
/// error they wrap).
fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            if let Some(t) = find::<T>(inner) {
                return Some(t);
            }
        }
        cur = e.source();
    }
    None
}

/// `Http` for a response that is not HTTP (a parse error), `Interrupted` for a connection that
/// failed or closed after connecting.
fn after_connect_kind(err: &(dyn StdError + 'static)) -> ErrorKind {
    match find::<hyper::Error>(err) {
        Some(h) if h.is_parse() || h.is_parse_status() || h.is_user() => ErrorKind::Http,
        Some(_) => ErrorKind::Interrupted,
        None if find::<io::Error>(err).is_some() => ErrorKind::Interrupted,
        None => ErrorKind::Http,
    }
}

fn classify_request_error(e: hyper_util::client::legacy::Error) -> AttemptError {
    let kind = if find::<ConnectTimeout>(&e).is_some() {
        ErrorKind::Timeout(TimeoutKind::Connect)
    } else if find::<rustls::Error>(&e).is_some() {
        ErrorKind::Tls
    } else if find::<ProxyError>(&e).is_some_and(ProxyError::is_refusal) {
        ErrorKind::Proxy
    } else if e.is_connect() {
        ErrorKind::Connect
    } else {
        after_connect_kind(&e)
    };
    AttemptError::new(kind, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Region;

    #[test]
    fn host_header_leaves_out_port_80() {
        let host = |a: &str| host_header(&a.parse().unwrap()).unwrap();
        assert_eq!(host("example.com"), "example.com");
        assert_eq!(host("example.com:80"), "example.com");
        assert_eq!(host("127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(host("[::1]:8080"), "[::1]:8080");
        let https = Transport::builder(
            Region::Singapore,
            Credentials::fixed(1, "a", UserSig::new("s")),
        )
        .build()
        .unwrap();
        assert!(
            https.inner.primary.host_header.is_none(),
            "left to the client over TLS"
        );
    }

    #[test]
    fn a_region_transport_sends_to_its_hosts_and_redacts_the_sig() {
        let creds = Credentials::fixed(1400000000, "admin@x", UserSig::new("eJy*sig_"));
        for region in Region::ALL {
            let t = Transport::builder(region, creds.clone()).build().unwrap();
            assert_eq!(t.inner.primary.origin, region.base_url().as_str());
            assert_eq!(
                t.inner.standby.as_ref().map(|s| s.origin.as_str()),
                region.standby_base_url().as_ref().map(BaseUrl::as_str)
            );
            let shown = t.redacted_url(Endpoint::FriendAdd, 7);
            assert_eq!(shown.matches("<redacted>").count(), 1, "{shown}");
            assert!(!shown.contains("eJy*sig_"), "{shown}");
        }
    }

    #[test]
    fn the_cached_query_follows_the_user_sig() {
        let creds = Credentials::fixed(1, "a@b", UserSig::new("first"));
        let t = Transport::builder(Target::custom("http://127.0.0.1:8080/").unwrap(), creds)
            .build()
            .unwrap();
        let first = UserSig::new("first");
        let second = UserSig::new("sec nd");
        assert_eq!(
            t.path_and_query(Endpoint::FriendAdd, &first, 1),
            "/v4/sns/friend_add?sdkappid=1&identifier=a%40b&usersig=first&random=1&contenttype=json"
        );
        assert_eq!(
            t.path_and_query(Endpoint::AccountCheck, &first, 4_294_967_295),
            "/v4/im_open_login_svc/account_check?sdkappid=1&identifier=a%40b&usersig=first&random=4294967295&contenttype=json"
        );
        assert_eq!(
            t.path_and_query(Endpoint::FriendAdd, &second, 0),
            "/v4/sns/friend_add?sdkappid=1&identifier=a%40b&usersig=sec%20nd&random=0&contenttype=json"
        );
        assert_eq!(
            t.path_and_query(Endpoint::FriendAdd, &first, 22),
            "/v4/sns/friend_add?sdkappid=1&identifier=a%40b&usersig=first&random=22&contenttype=json"
        );
        let uri = t
            .inner
            .primary
            .uri(t.path_and_query(Endpoint::FriendAdd, &first, 5));
        assert_eq!(
            uri.ok().map(|u| u.to_string()).as_deref(),
            Some(
                "http://127.0.0.1:8080/v4/sns/friend_add?sdkappid=1&identifier=a%40b&usersig=first&random=5&contenttype=json"
            )
        );
    }

    #[test]
    fn ipv6_hosts_make_request_uris() {
        let creds = Credentials::fixed(1, "a", UserSig::new("s"));
        let t = Transport::builder(Target::custom("http://[::1]:8080").unwrap(), creds)
            .build()
            .unwrap();
        let uri = t
            .inner
            .primary
            .uri(t.path_and_query(Endpoint::FriendAdd, &UserSig::new("s"), 3));
        assert_eq!(
            uri.ok().map(|u| u.to_string()).as_deref(),
            Some(
                "http://[::1]:8080/v4/sns/friend_add?sdkappid=1&identifier=a&usersig=s&random=3&contenttype=json"
            )
        );
    }

    #[test]
    fn custom_endpoints_keep_scheme_and_port() {
        let creds = Credentials::fixed(1, "a", UserSig::new("s"));
        let t = Transport::builder(Target::custom("http://127.0.0.1:8080/").unwrap(), creds)
            .build()
            .unwrap();
        assert_eq!(
            t.redacted_url(Endpoint::AccountCheck, 0),
            "http://127.0.0.1:8080/v4/im_open_login_svc/account_check?sdkappid=1&identifier=a&usersig=<redacted>&random=0&contenttype=json"
        );
    }

    #[test]
    fn errors_display_without_secrets_and_answer_their_predicates() {
        let e = TransportError::new(ErrorKind::HttpStatus(502), Endpoint::FriendAdd, 42)
            .with_host("adminapisgp.im.qcloud.com");
        assert_eq!(
            e.to_string(),
            "sns/friend_add failed: HTTP status 502 (random 42, host adminapisgp.im.qcloud.com, attempts 0)"
        );
        assert_eq!(e.status(), Some(502));
        assert!(e.is_retryable());
        let e = TransportError::new(ErrorKind::Http, Endpoint::FriendAdd, 1);
        assert_eq!(
            e.to_string(),
            "sns/friend_add failed: HTTP error (random 1, attempts 0)"
        );
        assert!(!e.is_retryable());
        let e = TransportError::new(
            ErrorKind::Api(tencent_im_protocol::ErrorCode::new(60007)),
            Endpoint::FriendCheck,
            1,
        );
        assert!(e.is_rate_limited());
        assert_eq!(e.api_code().map(|c| c.get()), Some(60007));
        assert!(e.api_error().is_none());
    }
}
