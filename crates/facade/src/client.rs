//! [`Client`] and [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;

use tencent_im_protocol::{Command, ListCommand};
use tencent_im_transport::{
    BaseUrl, CallReply, Credentials, Limits, Proxy, RandomSource, RateLimiter, Region, RetryPolicy,
    Target, TlsOptions, Transport, UserSig, UserSigProvider,
};
use tencent_im_usersig::{SecretKey, SystemClock};

use crate::admin_sig::{AdminSig, SharedClock, SigPolicy};
use crate::batch::{ItemRetry, SenderLocks};
use crate::error::Error;

/// The `AddSource` of friend requests that set none: `AddSource_Type_Server`.
pub const DEFAULT_ADD_SOURCE: &str = "AddSource_Type_Server";

/// The Tencent Cloud Chat server API, as an app admin.
///
/// Cheap to clone: clones share one connection pool, one rate limiter, one admin UserSig cache
/// and the per-sender write locks. `Debug` shows the SDKAppID, the admin and the target, never
/// a UserSig or the key.
///
/// ```no_run
/// use tencent_im::{Client, Region};
///
/// # async fn demo() -> Result<(), tencent_im::Error> {
/// let client = Client::builder(1400000000, "administrator")
///     .secret_key(std::env::var("TIM_SECRET_KEY").unwrap_or_default())
///     .region(Region::Singapore)
///     .build()?;
/// let report = client.friend_add("alice").to("bob").to("carol").await?;
/// println!("{report}");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) admin_sig: Option<Arc<AdminSig>>,
    pub(crate) locks: SenderLocks,
    pub(crate) item_retry: ItemRetry,
    pub(crate) max_items: Option<usize>,
    pub(crate) add_source: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.transport)
            .field("admin_sig", &self.inner.admin_sig)
            .field("item_retry", &self.inner.item_retry)
            .field("max_items", &self.inner.max_items)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for the app `sdkappid` and its admin account `identifier`.
    pub fn builder(sdkappid: u64, identifier: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(sdkappid, identifier)
    }

    /// A client configured from the environment: see [`ClientBuilder::from_env`].
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::Config`](crate::ErrorKind::Config) error naming the variable that is
    /// missing or bad (never its value when it is the key).
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// Sends any protocol command as it is (validated, retried and rate limited by the
    /// transport): the way to reach a command this crate has no method for yet.
    ///
    /// # Errors
    ///
    /// As the transport fails, as an [`Error`].
    pub async fn execute<C: Command>(&self, command: &C) -> Result<CallReply<C::Response>, Error> {
        self.inner
            .transport
            .execute(command)
            .await
            .map_err(Error::transport)
    }

    /// The SDKAppID.
    pub fn sdkappid(&self) -> u64 {
        self.inner.transport.credentials().sdkappid()
    }

    /// The admin identifier requests are sent as.
    pub fn identifier(&self) -> &str {
        self.inner.transport.credentials().identifier()
    }

    /// Where requests go.
    pub fn target(&self) -> &Target {
        self.inner.transport.target()
    }

    /// How many admin UserSigs the client generated so far; `None` when the UserSig is fixed or
    /// comes from the caller's provider.
    pub fn sig_generations(&self) -> Option<u64> {
        self.inner.admin_sig.as_ref().map(|s| s.generations())
    }

    /// The item cap of one request of `C`: the command's, or the client's lower one.
    pub(crate) fn cap<C: ListCommand>(&self) -> usize {
        let command = C::MAX_ITEMS.unwrap_or(usize::MAX);
        self.inner
            .max_items
            .map_or(command, |m| m.min(command))
            .max(1)
    }
}

/// Where the admin UserSig comes from.
enum SigSource {
    Key(SecretKey),
    Fixed(UserSig),
    Provider(Arc<dyn UserSigProvider>),
}

/// Configures and builds a [`Client`].
///
/// It needs the SDKAppID and admin identifier ([`Client::builder`]), one source of the admin
/// UserSig ([`secret_key`](Self::secret_key), [`user_sig`](Self::user_sig) or
/// [`user_sig_provider`](Self::user_sig_provider)) and where to send
/// ([`region`](Self::region) or [`endpoint`](Self::endpoint)); every other option has a default.
///
/// ```
/// use std::time::Duration;
/// use tencent_im::{Client, Limits, Region, SigPolicy};
///
/// let client = Client::builder(1400000000, "administrator")
///     .secret_key("secret key from the console")
///     .region(Region::Frankfurt)
///     .limits(Limits::default().total_timeout(Duration::from_secs(10)))
///     .sig_policy(SigPolicy::default().lifetime(Duration::from_secs(3600)))
///     .build()?;
/// assert!(!format!("{client:?}").contains("secret key"));
/// # Ok::<(), tencent_im::Error>(())
/// ```
pub struct ClientBuilder {
    sdkappid: u64,
    identifier: String,
    sig: Option<SigSource>,
    target: Option<Result<Target, Error>>,
    limits: Limits,
    tls: TlsOptions,
    proxy: Proxy,
    retry: Option<Arc<dyn RetryPolicy>>,
    limiter: Option<Arc<dyn RateLimiter>>,
    random: Option<RandomSource>,
    sig_policy: SigPolicy,
    clock: Option<SharedClock>,
    item_retry: ItemRetry,
    max_items: Option<usize>,
    add_source: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("sdkappid", &self.sdkappid)
            .field("identifier", &self.identifier)
            .field("target", &self.target.as_ref().map(|t| t.as_ref().ok()))
            .field("limits", &self.limits)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    fn new(sdkappid: u64, identifier: impl Into<String>) -> Self {
        Self {
            sdkappid,
            identifier: identifier.into(),
            sig: None,
            target: None,
            limits: Limits::default(),
            tls: TlsOptions::default(),
            proxy: Proxy::none(),
            retry: None,
            limiter: None,
            random: None,
            sig_policy: SigPolicy::default(),
            clock: None,
            item_retry: ItemRetry::default(),
            max_items: None,
            add_source: DEFAULT_ADD_SOURCE.to_owned(),
        }
    }

    /// A builder from the environment: `TIM_SDKAPPID`, `TIM_IDENTIFIER`, `TIM_SECRET_KEY`, and
    /// `TIM_REGION` (a region name: china, singapore, seoul, tokyo, frankfurt, mumbai,
    /// silicon-valley, jakarta) or `TIM_ENDPOINT` (a URL; it wins over `TIM_REGION`). Empty
    /// variables count as unset. It only reads the environment: nothing is sent.
    ///
    /// It also honours the proxy variables ([`Proxy::from_env`]): `HTTPS_PROXY` (every region
    /// is HTTPS; reached through a `CONNECT` tunnel), `HTTP_PROXY` (a plain `http://`
    /// `TIM_ENDPOINT`), `ALL_PROXY` (either, when its own variable is unset), `NO_PROXY` (hosts
    /// reached directly, e.g. `localhost,127.0.0.1` for a local emulator), each also in lower
    /// case. A proxy URL is `http://[user:password@]host:port`. Call
    /// [`proxy`](Self::proxy)`(Proxy::none())` on the builder to connect directly whatever the
    /// environment says.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::Config`](crate::ErrorKind::Config) error naming the variable that is
    /// missing or bad; the key's value and a proxy URL's credentials are never part of it.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables read from `lookup` instead, e.g. a
    /// configuration file's values or a test's map.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use tencent_im::ClientBuilder;
    ///
    /// let mut vars = HashMap::from([("TIM_SDKAPPID", "1400000000"), ("TIM_IDENTIFIER", "administrator")]);
    /// let err = ClientBuilder::from_lookup(|name| vars.get(name).map(|v| v.to_string())).unwrap_err();
    /// assert_eq!(err.to_string(), "TIM_SECRET_KEY is not set");
    ///
    /// vars.extend([
    ///     ("TIM_SECRET_KEY", "key"),
    ///     ("TIM_REGION", "singapore"),
    ///     ("HTTPS_PROXY", "http://build:s3cret@proxy.corp.example:3128"),
    /// ]);
    /// let builder = ClientBuilder::from_lookup(|name| vars.get(name).map(|v| v.to_string()))?;
    /// let debug = format!("{builder:?}");
    /// assert!(debug.contains("proxy.corp.example:3128") && !debug.contains("s3cret"));
    ///
    /// vars.insert("HTTPS_PROXY", "socks5://build:s3cret@proxy.corp.example:1080");
    /// let err = ClientBuilder::from_lookup(|name| vars.get(name).map(|v| v.to_string())).unwrap_err();
    /// assert_eq!(err.to_string(), "HTTPS_PROXY is not a usable proxy URL");
    /// # Ok::<(), tencent_im::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let require =
            |name: &str| get(name).ok_or_else(|| Error::config(format!("{name} is not set")));
        let sdkappid = require("TIM_SDKAPPID")?;
        let sdkappid: u64 = sdkappid
            .trim()
            .parse()
            .map_err(|_| Error::config("TIM_SDKAPPID is not a number (the app's SDKAppID)"))?;
        let identifier = require("TIM_IDENTIFIER")?;
        let key = require("TIM_SECRET_KEY")?;
        let proxy =
            Proxy::from_lookup(&lookup).map_err(|e| Error::config_from(e.to_string(), e))?;
        let builder = Self::new(sdkappid, identifier.trim())
            .secret_key(key.trim())
            .proxy(proxy);
        match (get("TIM_ENDPOINT"), get("TIM_REGION")) {
            (Some(url), _) => {
                let target = BaseUrl::parse(url.trim())
                    .map(Target::from)
                    .map_err(|e| Error::config_from("TIM_ENDPOINT is not a valid base URL", e))?;
                Ok(builder.target(target))
            }
            (None, Some(name)) => {
                let region: Region = name.trim().parse().map_err(|e| {
                    Error::config_from(format!("TIM_REGION {:?} names no region", name.trim()), e)
                })?;
                Ok(builder.region(region))
            }
            (None, None) => Err(Error::config(
                "neither TIM_REGION nor TIM_ENDPOINT is set (the region where the app lives, or a URL)",
            )),
        }
    }

    /// Sign admin UserSigs with the app's secret key: the client generates them, caches them
    /// and renews them ahead of expiry (see [`SigPolicy`]).
    #[must_use]
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.sig = Some(SigSource::Key(SecretKey::new(key)));
        self
    }

    /// Send this UserSig, made elsewhere. It cannot be renewed: once it expires calls fail
    /// with 70001.
    #[must_use]
    pub fn user_sig(mut self, sig: UserSig) -> Self {
        self.sig = Some(SigSource::Fixed(sig));
        self
    }

    /// Ask `provider` for the UserSig of every request (and for a renewed one after 70001).
    #[must_use]
    pub fn user_sig_provider(mut self, provider: Arc<dyn UserSigProvider>) -> Self {
        self.sig = Some(SigSource::Provider(provider));
        self
    }

    /// Send to a Tencent data centre, over HTTPS (the one where the app lives).
    #[must_use]
    pub fn region(mut self, region: Region) -> Self {
        self.target = Some(Ok(Target::from(region)));
        self
    }

    /// Send to a server of your choice (`https://…`, or `http://…` for a local server such as
    /// the emulator); checked when building.
    #[must_use]
    pub fn endpoint(mut self, url: &str) -> Self {
        self.target = Some(Target::custom(url).map_err(|e| {
            Error::config_from(format!("endpoint {url:?} is not a valid base URL"), e)
        }));
        self
    }

    /// Send to `target` (a region, or custom servers with a standby).
    #[must_use]
    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(Ok(target));
        self
    }

    /// Timeouts, body cap and pool (see [`Limits`]).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Trusted certificates (see [`TlsOptions`]).
    #[must_use]
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// Send calls through an HTTP proxy (default: none, but [`from_env`](Self::from_env)
    /// reads the proxy variables); see [`Proxy`].
    #[must_use]
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// The retry policy of whole requests (default: the transport's).
    #[must_use]
    pub fn retry_policy(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The rate limiter (default: a token bucket per endpoint at the catalogue's rates).
    #[must_use]
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The source of `random` query values (default: uniform `u32`).
    #[must_use]
    pub fn random_source(mut self, random: RandomSource) -> Self {
        self.random = Some(random);
        self
    }

    /// The lifetime and renewal margin of generated admin UserSigs.
    #[must_use]
    pub fn sig_policy(mut self, policy: SigPolicy) -> Self {
        self.sig_policy = policy;
        self
    }

    /// The clock UserSigs are issued and renewed by (default: the system clock); tests move a
    /// [`ManualClock`](crate::ManualClock).
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How items that failed with 30006, 30007 or 30008 are resent (default: 3 rounds).
    #[must_use]
    pub fn item_retry(mut self, retry: ItemRetry) -> Self {
        self.item_retry = retry;
        self
    }

    /// At most `n` items per request (at least 1), below each command's documented cap; longer
    /// lists are split.
    #[must_use]
    pub fn max_items_per_request(mut self, n: usize) -> Self {
        self.max_items = Some(n.max(1));
        self
    }

    /// The `AddSource` of friend requests that set none (default
    /// [`DEFAULT_ADD_SOURCE`]); a bare keyword such as `"Web"` gets the `AddSource_Type_`
    /// prefix.
    #[must_use]
    pub fn default_add_source(mut self, source: &str) -> Self {
        self.add_source = crate::friend_add::add_source(source);
        self
    }

    /// Builds the client. Needs no runtime; calls need a Tokio runtime with time and I/O.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::Config`](crate::ErrorKind::Config) error if no UserSig source or no
    /// target was given, the endpoint URL is bad, or TLS cannot be set up.
    pub fn build(self) -> Result<Client, Error> {
        let target = self
            .target
            .ok_or_else(|| Error::config("no region or endpoint: call region() or endpoint()"))??;
        let mut admin_sig = None;
        let provider: Arc<dyn UserSigProvider> = match self.sig {
            Some(SigSource::Key(key)) => {
                let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
                let sig = Arc::new(AdminSig::new(
                    self.sdkappid,
                    &self.identifier,
                    key,
                    self.sig_policy,
                    clock,
                ));
                admin_sig = Some(sig.clone());
                sig
            }
            Some(SigSource::Fixed(sig)) => Arc::new(tencent_im_transport::FixedUserSig::new(sig)),
            Some(SigSource::Provider(p)) => p,
            None => {
                return Err(Error::config(
                    "no admin UserSig source: call secret_key(), user_sig() or user_sig_provider()",
                ));
            }
        };
        if self.identifier.is_empty() {
            return Err(Error::config("the admin identifier is empty"));
        }
        let credentials = Credentials::new(self.sdkappid, self.identifier, provider);
        let mut transport = Transport::builder(target, credentials)
            .limits(self.limits)
            .tls(self.tls)
            .proxy(self.proxy);
        if let Some(retry) = self.retry {
            transport = transport.retry_policy(retry);
        }
        if let Some(limiter) = self.limiter {
            transport = transport.rate_limiter(limiter);
        }
        if let Some(random) = self.random {
            transport = transport.random_source(random);
        }
        let transport = transport
            .build()
            .map_err(|e| Error::config_from("cannot set up the transport", e))?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                admin_sig,
                locks: SenderLocks::default(),
                item_retry: self.item_retry,
                max_items: self.max_items,
                add_source: self.add_source,
            }),
        })
    }
}
