//! The `serve` command line: [`ServeArgs`] (clap) and [`serve`], shared by the
//! `tencent-im-emulator` binary and any other command line that embeds the emulator.

use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use tencent_im_protocol::profile::AllowType;

use crate::config::{
    AppCredentials, Config, DEV_ADMIN, DEV_SDKAPPID, DEV_SECRET_KEY, RateLimit, RelationshipLimits,
    TlsConfig,
};
use crate::error::Error;
use crate::fault::{FaultKind, Faults};
pub use crate::persist::{load_state, save_state};
use crate::server::Emulator;

/// How often `serve` looks whether the periodic save of the state file fails.
const SAVE_CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// The flags of `serve`. Embed it in another clap command line with
/// `Serve(ServeArgs)` in a `#[derive(Subcommand)]` enum, as `tencent-im-emulator serve` does.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// TCP port; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// SDKAppID of the application (with --secret-key). Default: the development app 1400000000.
    #[arg(long, requires = "secret_key")]
    sdkappid: Option<u64>,
    /// Admin identifier (repeat for several admins).
    #[arg(long = "identifier")]
    identifiers: Vec<String>,
    /// Secret key of the application (with --sdkappid). Prefer the environment variable for a
    /// real key: a flag is visible to every user of the machine in the process list.
    #[arg(
        long,
        requires = "sdkappid",
        env = "TIM_EMULATOR_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: Option<Secret>,
    /// Create the accounts user1 .. userN at start.
    #[arg(long, default_value_t = 0)]
    accounts: usize,
    /// AllowType of new accounts.
    #[arg(long, default_value = "AllowType_Type_NeedConfirm", value_parser = parse_allow_type)]
    default_allow_type: AllowType,
    /// Friends per user (30010 / 30014).
    #[arg(long)]
    max_friends: Option<usize>,
    /// Pending friend requests per user (30012).
    #[arg(long)]
    max_pending: Option<usize>,
    /// Friend groups per user (30011).
    #[arg(long)]
    max_groups: Option<usize>,
    /// Blocklist entries per user (30013).
    #[arg(long)]
    max_blocklist: Option<usize>,
    /// Items of one friend_add request.
    #[arg(long)]
    max_friend_add_items: Option<usize>,
    /// Friends per friend_get page.
    #[arg(long)]
    page_size: Option<usize>,
    /// Calls per second allowed on every endpoint (60007 beyond); 0 disables the limit.
    /// Default: each endpoint's documented rate (200/s, 100/s for the batch account APIs).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// How long a friend_add, black_list_add or black_list_delete holds its From_Account; another
    /// of them for it meanwhile gets 30008.
    #[arg(long, default_value_t = 0)]
    write_latency_ms: u64,
    /// A word that makes Remark, GroupName or AddWording fail with 30005 (repeatable).
    #[arg(long = "sensitive-word")]
    sensitive_words: Vec<String>,
    /// Latency added to every request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A fault and the share of requests that get it, e.g. `--fault 502=0.1` (repeatable).
    /// Kinds: 30006, 30007, 502, 429, drop-before, drop-mid, truncated, non-json, item-30006,
    /// item-30007.
    #[arg(long = "fault", value_parser = parse_fault)]
    faults: Vec<(FaultKind, f64)>,
    /// Seed of the fault draw.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Load the state from this JSON file at start (if it exists), save it there every
    /// --save-interval-ms while it changes, and on shutdown.
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// How often the state file is saved while the state changes: after a crash (kill -9), the
    /// file has every write answered more than this before it. 0 saves only on shutdown.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    save_interval_ms: u64,
    /// How long a client may take to send a request's headers, from their first byte.
    #[arg(long, default_value_t = 10_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_ms: u64,
    /// How long a client may take to send a request's body, after its headers.
    #[arg(long, default_value_t = 30_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout_ms: u64,
    /// How long a keep-alive connection may stay idle before it is closed.
    #[arg(long, default_value_t = 90_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_ms: u64,
    /// The most request-body bytes held at once across all connections, in MiB (HTTP 503 over
    /// it; under 8, also the largest body).
    #[arg(long, default_value_t = 64, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=65_536))]
    max_buffered_body_mib: u64,
    /// How many requests the journal keeps.
    #[arg(long, default_value_t = 10_000)]
    journal_capacity: usize,
    /// How much text the request journal, and the callback journal, each keep at most, in MiB
    /// (the oldest go first).
    #[arg(long, default_value_t = 64, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=65_536))]
    journal_max_mib: u64,
    /// POST the after-callbacks (Sns.CallbackFriendAdd, Sns.CallbackFriendDelete,
    /// Sns.CallbackBlackListAdd, Sns.CallbackBlackListDelete) to this plain http:// URL when the
    /// state changes, as Tencent does; see docs/webhooks.md.
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// Sign the callbacks with this token (1 to 128 characters; Sign and RequestTime in the
    /// query), as Tencent does once a callback token is set in the console. Prefer the
    /// environment variable: a flag is visible in the process list to every user of the machine.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "TIM_EMULATOR_CALLBACK_TOKEN",
        hide_env_values = true
    )]
    callback_token: Option<Secret>,
}

/// A secret flag value (the secret key, the callback token): `Debug` never shows it, and its
/// memory is zeroed when dropped.
#[derive(Clone)]
struct Secret(zeroize::Zeroizing<String>);

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(zeroize::Zeroizing::new(s.to_owned())))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

fn parse_allow_type(s: &str) -> Result<AllowType, String> {
    let allow = AllowType::from(s);
    if allow.is_known() {
        Ok(allow)
    } else {
        Err("expected AllowType_Type_NeedConfirm, AllowType_Type_AllowAny or AllowType_Type_DenyAny".into())
    }
}

fn parse_fault(s: &str) -> Result<(FaultKind, f64), String> {
    let (kind, share) = s
        .split_once('=')
        .ok_or_else(|| "expected KIND=SHARE, e.g. 502=0.1".to_owned())?;
    let share: f64 = share
        .parse()
        .map_err(|_| format!("share {share:?} is not a number"))?;
    if !(0.0..=1.0).contains(&share) {
        return Err(format!("share {share} is not between 0 and 1"));
    }
    Ok((kind.parse()?, share))
}

impl ServeArgs {
    /// The configuration these flags describe; reads `--state-file` if it exists.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the secret key is empty, [`Error::StateFile`] or
    /// [`Error::StateFileCorrupt`] if the state file exists but cannot be read or parsed.
    pub fn config(&self) -> Result<Config, Error> {
        let serve = self;
        let credentials = match (serve.sdkappid, &serve.secret_key) {
            (Some(_), Some(key)) if key.0.trim().is_empty() => {
                return Err(Error::Config(
                    "the secret key (--secret-key or TIM_EMULATOR_SECRET_KEY) is empty or blank: give \
                     the application's secret key from the console"
                        .into(),
                ));
            }
            (Some(sdkappid), Some(key)) => {
                let mut admins = serve.identifiers.iter();
                let first = admins.next().map_or(DEV_ADMIN, String::as_str);
                admins.fold(
                    AppCredentials::new(sdkappid, first, key.0.as_str()),
                    |c, a| c.with_admin(a.clone()),
                )
            }
            _ => {
                let mut admins = serve.identifiers.iter();
                match admins.next() {
                    None => AppCredentials::development(),
                    Some(first) => admins.fold(
                        AppCredentials::new(DEV_SDKAPPID, first.clone(), DEV_SECRET_KEY),
                        |c, a| c.with_admin(a.clone()),
                    ),
                }
            }
        };
        let defaults = RelationshipLimits::default();
        let limits = RelationshipLimits {
            max_friends: serve.max_friends.unwrap_or(defaults.max_friends),
            max_pending: serve.max_pending.unwrap_or(defaults.max_pending),
            max_groups: serve.max_groups.unwrap_or(defaults.max_groups),
            max_blocklist: serve.max_blocklist.unwrap_or(defaults.max_blocklist),
            max_friend_add_items: serve
                .max_friend_add_items
                .unwrap_or(defaults.max_friend_add_items),
            friend_get_page_size: serve.page_size.unwrap_or(defaults.friend_get_page_size),
        };

        let mut faults = Faults::none()
            .latency(Duration::from_millis(serve.latency_ms))
            .seed(serve.fault_seed);
        for &(kind, share) in &serve.faults {
            faults = faults.share(kind, share);
        }

        let mut config = Config::new(credentials)
            .addr(SocketAddr::new(serve.bind, serve.port))
            .limits(limits)
            .default_allow_type(serve.default_allow_type.clone())
            .write_latency(Duration::from_millis(serve.write_latency_ms))
            .sensitive_words(serve.sensitive_words.iter().cloned())
            .faults(faults);
        config.rate_limit = match serve.rate_limit {
            None => RateLimit::Catalogue,
            Some(0) => RateLimit::Off,
            Some(rate) => RateLimit::PerSecond(rate),
        };
        config.journal_capacity = serve.journal_capacity;
        config.journal_max_bytes =
            usize::try_from(serve.journal_max_mib << 20).unwrap_or(usize::MAX);
        if let (Some(cert), Some(key)) = (&serve.tls_cert, &serve.tls_key) {
            config = config.tls(TlsConfig::files(cert, key));
        }
        if let Some(path) = &serve.state_file {
            if let Some(state) = load_state(path)? {
                config = config.initial_state(state);
            }
            config = config
                .state_file(path)
                .save_interval(Duration::from_millis(serve.save_interval_ms));
        }
        config = config
            .timeouts(
                Duration::from_millis(serve.header_timeout_ms),
                Duration::from_millis(serve.body_timeout_ms),
                Duration::from_millis(serve.idle_timeout_ms),
            )
            .max_buffered_body_bytes(
                usize::try_from(serve.max_buffered_body_mib << 20).unwrap_or(usize::MAX),
            );
        if let Some(url) = &serve.callback_url {
            let token = serve.callback_token.as_ref().map(|t| t.0.as_str());
            config = config.callback(url.clone(), token);
        }
        Ok(config)
    }
}

/// Runs `serve`: starts the emulator, writes `listening on <base URL>` as the first line of `out`,
/// notes the credentials in use on `err` (and that they are the public development ones, if so),
/// serves until `shutdown` completes, stops gracefully and saves `--state-file`.
///
/// # Errors
///
/// Any [`Error`] of [`ServeArgs::config`], [`Emulator::start`] or the last save of the state
/// file.
pub async fn serve<O, E, S>(
    args: ServeArgs,
    mut out: O,
    mut err: E,
    shutdown: S,
) -> Result<(), Error>
where
    O: Write,
    E: Write,
    S: Future<Output = ()>,
{
    let serve = args;
    let config = serve.config()?;
    let emulator = Emulator::start(config).await?;
    let accounts: Vec<String> = (1..=serve.accounts).map(|i| format!("user{i}")).collect();
    emulator.seed_accounts(&accounts);

    let _ = writeln!(out, "listening on {}", emulator.base_url());
    let _ = out.flush();
    let creds = emulator.credentials();
    if creds.is_development() {
        let _ = writeln!(
            err,
            "using the development application: sdkappid {}, identifier {}, secret key {} \
             (public sample credentials; pass --sdkappid, --identifier and --secret-key or \
             TIM_EMULATOR_SECRET_KEY for your own)",
            creds.sdkappid(),
            creds.admin(),
            creds.secret_key(),
        );
    } else {
        let _ = writeln!(
            err,
            "serving sdkappid {} for identifier(s) {}",
            creds.sdkappid(),
            creds.admins().join(", ")
        );
    }
    if serve.accounts > 0 {
        let _ = writeln!(err, "created accounts user1 .. user{}", serve.accounts);
    }
    match (&serve.callback_url, &serve.callback_token) {
        (Some(url), Some(_)) => {
            let _ = writeln!(
                err,
                "posting callbacks to {url}, signed with the callback token"
            );
        }
        (Some(url), None) => {
            let _ = writeln!(
                err,
                "posting callbacks to {url}, unsigned (no --callback-token or \
                 TIM_EMULATOR_CALLBACK_TOKEN)"
            );
        }
        (None, Some(_)) => {
            let _ = writeln!(err, "the callback token is not used without --callback-url");
        }
        (None, None) => {}
    }

    match &serve.state_file {
        // A failing periodic save is told as it happens, and once more when saves work again.
        Some(path) => {
            let mut shutdown = std::pin::pin!(shutdown);
            let mut told: Option<String> = None;
            let mut check = tokio::time::interval(SAVE_CHECK_INTERVAL);
            loop {
                tokio::select! {
                    () = &mut shutdown => break,
                    _ = check.tick() => {}
                }
                let failure = emulator.save_failure();
                if failure == told {
                    continue;
                }
                let _ = match &failure {
                    Some(why) => writeln!(
                        err,
                        "warning: cannot save the state (trying again every {} ms; the writes \
                         since the last save would not survive a crash): {why}",
                        serve.save_interval_ms
                    ),
                    None => writeln!(err, "the state is saved to {} again", path.display()),
                };
                told = failure;
            }
        }
        None => shutdown.await,
    }
    let _ = writeln!(err, "shutting down");
    emulator.stop_and_save().await?;
    if let Some(path) = &serve.state_file {
        let _ = writeln!(err, "state saved to {}", path.display());
    }
    Ok(())
}

/// A future that completes on Ctrl-C, or on SIGTERM or SIGINT on Unix.
///
/// On Unix the signal handlers are installed when this is called, not when the future is first
/// polled, so a signal that arrives right after `listening on ...` is printed is not lost. Call it
/// from within a tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            match (term, int) {
                (Some(mut term), Some(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
