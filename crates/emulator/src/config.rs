//! Start-up configuration: credentials, limits, rate limits, faults and TLS.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tencent_im_protocol::Endpoint;
use tencent_im_protocol::profile::AllowType;
use tencent_im_usersig::{Clock, SecretKey, SystemClock, UserSig, UserSigGenerator};

use crate::error::Error;
use crate::fault::Faults;
use crate::state::StateSnapshot;

/// The SDKAppID of Tencent's official UserSig samples, used when no credentials are given.
pub const DEV_SDKAPPID: u64 = 1_400_000_000;
/// The admin identifier used when no credentials are given.
pub const DEV_ADMIN: &str = "administrator";
/// The secret key of Tencent's official UserSig samples, used when no credentials are given.
/// It is public: never use it for a real application.
pub const DEV_SECRET_KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// One application the emulator serves: its SDKAppID, its admin accounts and its secret key.
///
/// `Debug` never shows the key, and its memory is zeroed when the last copy is dropped. An empty
/// key is refused by [`Emulator::start`](crate::Emulator::start) (see [`AppCredentials::validate`]).
#[derive(Clone, PartialEq, Eq)]
pub struct AppCredentials {
    sdkappid: u64,
    admins: Vec<String>,
    secret_key: Key,
}

/// A secret key: zeroed on drop, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
struct Key(zeroize::Zeroizing<String>);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl AppCredentials {
    /// An application with one admin account.
    pub fn new(sdkappid: u64, admin: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            sdkappid,
            admins: vec![admin.into()],
            secret_key: Key(zeroize::Zeroizing::new(secret_key.into())),
        }
    }

    /// Checks that the application can be served: its secret key is not empty (a UserSig
    /// signed with an empty key would otherwise be accepted).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the SDKAppID if the secret key is empty.
    pub fn validate(&self) -> Result<(), Error> {
        if self.secret_key.0.trim().is_empty() {
            return Err(Error::Config(format!(
                "the secret key of sdkappid {} is empty or blank: give the application's secret key \
                 from the console",
                self.sdkappid
            )));
        }
        Ok(())
    }

    /// The development application of Tencent's samples: [`DEV_SDKAPPID`], [`DEV_ADMIN`],
    /// [`DEV_SECRET_KEY`].
    pub fn development() -> Self {
        Self::new(DEV_SDKAPPID, DEV_ADMIN, DEV_SECRET_KEY)
    }

    /// Adds another admin account.
    #[must_use]
    pub fn with_admin(mut self, admin: impl Into<String>) -> Self {
        self.admins.push(admin.into());
        self
    }

    /// The SDKAppID.
    pub fn sdkappid(&self) -> u64 {
        self.sdkappid
    }

    /// The first admin account: the `identifier` to send.
    pub fn admin(&self) -> &str {
        self.admins.first().map_or("", String::as_str)
    }

    /// Every admin account.
    pub fn admins(&self) -> &[String] {
        &self.admins
    }

    /// The secret key, to give to the client under test. Keep it out of logs.
    pub fn secret_key(&self) -> &str {
        self.secret_key.0.as_str()
    }

    /// Whether these are the public development credentials.
    pub fn is_development(&self) -> bool {
        self.sdkappid == DEV_SDKAPPID && self.secret_key() == DEV_SECRET_KEY
    }

    /// A UserSig generator for this application, reading the system clock.
    pub fn generator(&self) -> UserSigGenerator {
        UserSigGenerator::new(self.sdkappid, SecretKey::new(self.secret_key().to_owned()))
    }

    /// A UserSig for the first admin account, valid for `expire`.
    ///
    /// # Errors
    ///
    /// [`Error::UserSig`] if the admin identifier is empty or `expire` is under a second.
    pub fn user_sig(&self, expire: Duration) -> Result<UserSig, Error> {
        Ok(self.generator().generate(self.admin(), expire)?)
    }
}

impl Default for AppCredentials {
    fn default() -> Self {
        Self::development()
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("sdkappid", &self.sdkappid)
            .field("admins", &self.admins)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

/// Per-user limits of the relationship chain (Tencent Cloud Chat docs: "Usage Limits"),
/// configurable down to small numbers so tests can reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelationshipLimits {
    /// Friends per user (30010 for the sender, 30014 for the target). Default 3000.
    pub max_friends: usize,
    /// Pending friend requests per user, sent and received (30012). Default 100.
    pub max_pending: usize,
    /// Friend groups per user (30011). Default 32.
    pub max_groups: usize,
    /// Blocklist entries per user (30013). Default 1000.
    pub max_blocklist: usize,
    /// Items of one friend_add request (more is a whole-request 30001). Default 1000.
    pub max_friend_add_items: usize,
    /// Friends in one friend_get page. Default 100.
    pub friend_get_page_size: usize,
}

impl Default for RelationshipLimits {
    fn default() -> Self {
        Self {
            max_friends: 3000,
            max_pending: 100,
            max_groups: 32,
            max_blocklist: 1000,
            max_friend_add_items: 1000,
            friend_get_page_size: 100,
        }
    }
}

/// How fast each endpoint may be called before the emulator answers 60007.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RateLimit {
    /// No limit.
    Off,
    /// Each endpoint's rate from the catalogue ([`Endpoint::default_rate_per_second`]: 200/s
    /// for most, 100/s for multiaccount_import and account_check).
    #[default]
    Catalogue,
    /// The same number of calls per second for every endpoint.
    PerSecond(u32),
}

/// The emulator's configuration. `Config::default()` is the development application on
/// `127.0.0.1:0` with Tencent's limits.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// Where to listen. Default `127.0.0.1:0` (a free port).
    pub addr: SocketAddr,
    /// The applications served; the first is the one [`Emulator::credentials`] returns.
    ///
    /// [`Emulator::credentials`]: crate::Emulator::credentials
    pub apps: Vec<AppCredentials>,
    /// Relationship-chain limits.
    pub limits: RelationshipLimits,
    /// The `AllowType` of new accounts. Default `AllowType_Type_NeedConfirm`.
    pub default_allow_type: AllowType,
    /// The rate limit of every endpoint. Default [`RateLimit::Catalogue`].
    pub rate_limit: RateLimit,
    /// Per-endpoint rates that override [`Config::rate_limit`]; 0 means unlimited.
    pub rate_overrides: HashMap<Endpoint, u32>,
    /// How long a friend_add, black_list_add or black_list_delete holds its `From_Account` before
    /// writing. Another of them for the same `From_Account` that arrives meanwhile gets 30008 for
    /// every item. Default zero: writes are immediate and never conflict.
    pub write_latency: Duration,
    /// Words that make a `Remark`, `GroupName` or `AddWording` fail with 30005.
    pub sensitive_words: Vec<String>,
    /// Faults to inject from the start; change them later with
    /// [`Emulator::set_faults`](crate::Emulator::set_faults).
    pub faults: Faults,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<TlsConfig>,
    /// How many requests the journal keeps (the oldest are dropped). Default 10 000.
    pub journal_capacity: usize,
    /// How much text each journal keeps at most: the request journal (method, path, query and
    /// body) and the callback journal (command, URL, body, reply and error), each on its own
    /// (the oldest entries are dropped; the newest is always kept). Default
    /// [`DEFAULT_JOURNAL_MAX_BYTES`] (64 MiB).
    pub journal_max_bytes: usize,
    /// The state to start from (e.g. loaded from a state file).
    pub initial_state: Option<StateSnapshot>,
    /// Where "now" comes from, for UserSig expiry, `Tag_SNS_IM_AddTime` and the `RequestTime`
    /// of callbacks.
    pub clock: Arc<dyn Clock + Send + Sync>,
    /// Where to POST the after-callbacks (`Sns.CallbackFriendAdd`, `Sns.CallbackFriendDelete`,
    /// `Sns.CallbackBlackListAdd`, `Sns.CallbackBlackListDelete`) when the state changes.
    /// Default: none.
    pub callback: Option<CallbackConfig>,
    /// A JSON file that keeps the state: loaded at start when it exists and
    /// [`Config::initial_state`] is not set, saved every [`Config::save_interval`] while the
    /// state changes, and on [`Emulator::stop`](crate::Emulator::stop). Default: none.
    pub state_file: Option<PathBuf>,
    /// How often the state file is saved while the state changes: a write answered more than
    /// this (plus the time of one save) before a crash is in the file. Zero saves only on stop.
    /// Default [`DEFAULT_SAVE_INTERVAL`] (1 s).
    pub save_interval: Duration,
    /// How long a client may take to send a request's line and headers, from their first byte,
    /// before the connection is closed. Default [`DEFAULT_HEADER_TIMEOUT`] (10 s).
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body, from the end of its headers, before
    /// it is answered 60002 and the connection is closed. Default [`DEFAULT_BODY_TIMEOUT`] (30 s).
    pub body_timeout: Duration,
    /// How long a keep-alive connection may stay idle between requests before it is closed.
    /// Default [`DEFAULT_IDLE_TIMEOUT`] (90 s, longer than the client's 60 s pool idle timeout so
    /// that the client, not the emulator, closes an idle connection first).
    pub idle_timeout: Duration,
    /// The most request-body bytes held at once across all connections; a request whose body
    /// would go over is answered HTTP 503 with `Connection: close` and its body is not read.
    /// Default [`DEFAULT_MAX_BUFFERED_BODY_BYTES`] (64 MiB). One body is at most 8 MiB, and at
    /// most this bound when it is smaller: a larger one is answered 60002 (it could never be
    /// held, so a 503 asking to retry would be untrue).
    pub max_buffered_body_bytes: usize,
    /// Connections served at once; one more is closed as soon as it is accepted. With the
    /// 16 KiB each connection may buffer of a request's line and headers, it bounds what slow or
    /// idle clients can pin. Default [`DEFAULT_MAX_CONNECTIONS`] (1,024).
    pub max_connections: usize,
}

/// The default [`Config::save_interval`]: 1 s.
pub const DEFAULT_SAVE_INTERVAL: Duration = Duration::from_secs(1);
/// The default [`Config::header_timeout`]: 10 s.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Config::body_timeout`]: 30 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`Config::idle_timeout`]: 90 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// The default [`Config::max_buffered_body_bytes`]: 64 MiB.
pub const DEFAULT_MAX_BUFFERED_BODY_BYTES: usize = 64 << 20;
/// The default [`Config::journal_max_bytes`]: 64 MiB.
pub const DEFAULT_JOURNAL_MAX_BYTES: usize = 64 << 20;
/// The default [`Config::max_connections`]: 1,024.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

impl Config {
    /// The default configuration with `credentials` as the only application.
    pub fn new(credentials: AppCredentials) -> Self {
        Self {
            apps: vec![credentials],
            ..Self::default()
        }
    }

    /// Listens on `addr`.
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Serves another application too.
    #[must_use]
    pub fn with_app(mut self, credentials: AppCredentials) -> Self {
        self.apps.push(credentials);
        self
    }

    /// Sets the limits.
    #[must_use]
    pub fn limits(mut self, limits: RelationshipLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the `AllowType` of new accounts.
    #[must_use]
    pub fn default_allow_type(mut self, allow_type: AllowType) -> Self {
        self.default_allow_type = allow_type;
        self
    }

    /// Sets the rate limit of every endpoint.
    #[must_use]
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Sets the rate of one endpoint (0 = unlimited).
    #[must_use]
    pub fn endpoint_rate(mut self, endpoint: Endpoint, per_second: u32) -> Self {
        self.rate_overrides.insert(endpoint, per_second);
        self
    }

    /// Sets the write latency of friend_add, black_list_add and black_list_delete (see
    /// [`Config::write_latency`]).
    #[must_use]
    pub fn write_latency(mut self, latency: Duration) -> Self {
        self.write_latency = latency;
        self
    }

    /// Sets the sensitive words.
    #[must_use]
    pub fn sensitive_words<I>(mut self, words: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.sensitive_words = words.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the faults injected from the start.
    #[must_use]
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Serves HTTPS.
    #[must_use]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Starts from `state`.
    #[must_use]
    pub fn initial_state(mut self, state: StateSnapshot) -> Self {
        self.initial_state = Some(state);
        self
    }

    /// Reads "now" from `clock`.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock + Send + Sync>) -> Self {
        self.clock = clock;
        self
    }

    /// POSTs the after-callbacks to `url` (plain `http://`), signed with `token` (`Sign` and
    /// `RequestTime` in the query) when one is given, as Tencent does once a callback token is
    /// set in the console. See `docs/webhooks.md`.
    #[must_use]
    pub fn callback(mut self, url: impl Into<String>, token: Option<&str>) -> Self {
        self.callback = Some(CallbackConfig::new(url, token));
        self
    }

    /// Keeps the state in `path` (see [`Config::state_file`]).
    #[must_use]
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Saves the state file this often while the state changes (see [`Config::save_interval`]).
    #[must_use]
    pub fn save_interval(mut self, interval: Duration) -> Self {
        self.save_interval = interval;
        self
    }

    /// Sets the header, body and keep-alive idle timeouts (see [`Config::header_timeout`],
    /// [`Config::body_timeout`], [`Config::idle_timeout`]).
    #[must_use]
    pub fn timeouts(mut self, header: Duration, body: Duration, idle: Duration) -> Self {
        self.header_timeout = header;
        self.body_timeout = body;
        self.idle_timeout = idle;
        self
    }

    /// Bounds the request-body bytes held across all connections (see
    /// [`Config::max_buffered_body_bytes`]).
    #[must_use]
    pub fn max_buffered_body_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_body_bytes = bytes;
        self
    }

    /// Bounds the connections served at once (see [`Config::max_connections`]).
    #[must_use]
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Checks what [`Emulator::start`](crate::Emulator::start) checks before binding: at least
    /// one application, no empty secret key, timeouts over zero, a body buffer of at least one
    /// byte.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the field and the limit.
    pub fn validate(&self) -> Result<(), Error> {
        if self.apps.is_empty() {
            return Err(Error::Config("no application configured".into()));
        }
        for app in &self.apps {
            app.validate()?;
        }
        for (name, value) in [
            ("header_timeout", self.header_timeout),
            ("body_timeout", self.body_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if value.is_zero() {
                return Err(Error::Config(format!("{name} must be over zero")));
            }
        }
        if self.max_buffered_body_bytes == 0 {
            return Err(Error::Config(
                "max_buffered_body_bytes must be at least 1".into(),
            ));
        }
        if self.max_connections == 0 {
            return Err(Error::Config("max_connections must be at least 1".into()));
        }
        Ok(())
    }

    /// The rate limit of `endpoint` in calls per second, `None` for unlimited.
    pub fn rate_of(&self, endpoint: Endpoint) -> Option<u32> {
        let rate = match self.rate_overrides.get(&endpoint) {
            Some(&rate) => rate,
            None => match self.rate_limit {
                RateLimit::Off => 0,
                RateLimit::Catalogue => endpoint.default_rate_per_second(),
                RateLimit::PerSecond(rate) => rate,
            },
        };
        (rate > 0).then_some(rate)
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            apps: vec![AppCredentials::development()],
            limits: RelationshipLimits::default(),
            default_allow_type: AllowType::NeedConfirm,
            rate_limit: RateLimit::default(),
            rate_overrides: HashMap::new(),
            write_latency: Duration::ZERO,
            sensitive_words: Vec::new(),
            faults: Faults::default(),
            tls: None,
            journal_capacity: 10_000,
            journal_max_bytes: DEFAULT_JOURNAL_MAX_BYTES,
            initial_state: None,
            clock: Arc::new(SystemClock),
            callback: None,
            state_file: None,
            save_interval: DEFAULT_SAVE_INTERVAL,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_buffered_body_bytes: DEFAULT_MAX_BUFFERED_BODY_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("apps", &self.apps)
            .field("limits", &self.limits)
            .field("default_allow_type", &self.default_allow_type)
            .field("rate_limit", &self.rate_limit)
            .field("rate_overrides", &self.rate_overrides)
            .field("write_latency", &self.write_latency)
            .field("sensitive_words", &self.sensitive_words)
            .field("faults", &self.faults)
            .field("tls", &self.tls)
            .field("journal_capacity", &self.journal_capacity)
            .field("journal_max_bytes", &self.journal_max_bytes)
            .field("initial_state", &self.initial_state.is_some())
            .field("callback", &self.callback)
            .field("state_file", &self.state_file)
            .field("save_interval", &self.save_interval)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_buffered_body_bytes", &self.max_buffered_body_bytes)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

/// How long a callback may take (connect, send, read the reply) before the emulator gives it up:
/// 2 s, Tencent's timeout of before-callbacks.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(2);

/// Where the emulator POSTs callbacks, and the token that signs them. `Debug` never shows the
/// token.
///
/// The URL is plain `http://host:port/path`, optionally with a query of its own (Tencent's
/// parameters are appended); HTTPS is not needed for a local loop and not supported.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackConfig {
    /// The callback URL.
    pub url: String,
    token: Option<String>,
    /// How long one callback may take before it is given up (recorded as failed). Default
    /// [`CALLBACK_TIMEOUT`] (2 s).
    pub timeout: Duration,
}

impl CallbackConfig {
    /// Callbacks to `url`, signed with `token` if given (1 to 128 characters, checked by
    /// [`Emulator::start`](crate::Emulator::start)).
    pub fn new(url: impl Into<String>, token: Option<&str>) -> Self {
        Self {
            url: url.into(),
            token: token.map(str::to_owned),
            timeout: CALLBACK_TIMEOUT,
        }
    }

    /// Gives a callback up after `timeout`.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether callbacks are signed (a token is set).
    pub fn is_signed(&self) -> bool {
        self.token.is_some()
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

impl fmt::Debug for CallbackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackConfig")
            .field("url", &self.url)
            .field(
                "token",
                &format_args!(
                    "{}",
                    if self.is_signed() {
                        "<redacted>"
                    } else {
                        "None"
                    }
                ),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Where the TLS certificate chain and private key come from (PEM). `Debug` never shows an
/// in-memory key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsConfig {
    /// PEM files on disk.
    Files {
        /// The certificate chain, leaf first.
        cert: PathBuf,
        /// The private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// PEM text in memory.
    Pem {
        /// The certificate chain, leaf first.
        cert: String,
        /// The private key.
        key: String,
    },
}

impl TlsConfig {
    /// PEM files on disk.
    pub fn files(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Self::Files {
            cert: cert.into(),
            key: key.into(),
        }
    }

    /// PEM text in memory.
    pub fn pem(cert: impl Into<String>, key: impl Into<String>) -> Self {
        Self::Pem {
            cert: cert.into(),
            key: key.into(),
        }
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Files { cert, key } => f
                .debug_struct("Files")
                .field("cert", cert)
                .field("key", key)
                .finish(),
            Self::Pem { .. } => f
                .debug_struct("Pem")
                .field("cert", &format_args!(".."))
                .field("key", &format_args!("<redacted>"))
                .finish(),
        }
    }
}
