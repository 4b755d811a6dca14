//! The HTTP server: [`Emulator`], connections, routing, faults and the journal.

use std::collections::HashSet;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tencent_im_protocol::profile::AllowType;
use tencent_im_protocol::{Endpoint, ErrorCode};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, SemaphorePermit, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::auth::{Authenticator, Query, SharedClock};
use crate::callback::{CallbackEntry, CallbackHub};
use crate::config::{AppCredentials, Config, RelationshipLimits};
use crate::error::Error;
use crate::fault::{FaultKind, FaultState, Faults};
use crate::handlers::{self, Answer, Context, Held, Request as Handled};
use crate::journal::{Journal, JournalEntry, redact_query};
use crate::persist;
use crate::rate::RateLimiter;
use crate::state::{AppState, StateSnapshot};

/// The largest request body read; a larger one is answered with 60002.
const MAX_BODY_BYTES: usize = 8 << 20;
/// The largest body read and dropped after a request is refused from its URL alone, to keep the
/// connection open; a larger one is not read and the connection is closed.
const DRAIN_MAX_BYTES: u64 = 64 << 10;
/// How long a refused request's small body may take to arrive before the connection is closed.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);
/// The most a connection buffers of a request's line and headers (hyper's read buffer).
const READ_BUFFER_BYTES: usize = 16 << 10;
/// The body of the HTTP 503 sent when the request bodies held would go over the bound.
const BUSY_TEXT: &str = "the emulator holds too many request bodies at once; retry later\n";
/// How long [`Emulator::stop`] waits for requests in flight before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Everything the connections share.
pub(crate) struct Shared {
    auth: Authenticator,
    apps: Vec<AppCredentials>,
    limits: RelationshipLimits,
    default_allow_type: AllowType,
    sensitive_words: Vec<String>,
    write_latency: Duration,
    clock: SharedClock,
    rate: RateLimiter,
    state: Mutex<StateSnapshot>,
    /// `(SDKAppID, From_Account)` of the friend_add calls writing right now.
    writers: Mutex<HashSet<(u64, String)>>,
    faults: Mutex<FaultState>,
    faults_idle: AtomicBool,
    journal: Mutex<Journal>,
    journal_enabled: bool,
    /// The callback queue and journal, with a callback URL.
    callbacks: Option<Arc<CallbackHub>>,
    /// Bumped after every command and every change through the API: the state file is saved
    /// when it moved.
    generation: AtomicU64,
    /// One permit per request-body byte held, across all connections.
    body_budget: Semaphore,
    /// The largest request body: [`MAX_BODY_BYTES`], or the whole budget when it is smaller
    /// (a larger body could never be held, so a 503 asking to retry would be untrue).
    max_body_bytes: usize,
    header_timeout: Duration,
    /// Connections served at once ([`Config::max_connections`]).
    max_connections: usize,
    body_timeout: Duration,
    idle_timeout: Duration,
    /// Why the last periodic save of the state file failed, while saves fail.
    save_failure: Mutex<Option<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The task that saves the state file, and the signal that makes it save a last time and end.
type SaverTask = (watch::Sender<bool>, JoinHandle<Result<(), Error>>);

/// A running emulator.
///
/// Started with [`Emulator::start`]; stopped with [`Emulator::stop`] or when dropped (a drop
/// closes every connection at once, without waiting for requests in flight).
///
/// ```no_run
/// use tencent_im_emulator::{Config, Emulator};
///
/// # async fn demo() -> Result<(), tencent_im_emulator::Error> {
/// let emulator = Emulator::start(Config::default()).await?;
/// emulator.seed_accounts(["alice", "bob"]);
/// println!("{}", emulator.base_url());
/// emulator.stop().await;
/// # Ok(())
/// # }
/// ```
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls: bool,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    /// The task that sends callbacks, with a callback URL.
    callback_task: Option<JoinHandle<()>>,
    /// The task that saves the state file, and the signal that makes it save a last time and
    /// end, with a state file.
    saver: Option<SaverTask>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .field("apps", &self.shared.apps)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds `config.addr` and starts serving on the current tokio runtime (call it from within
    /// one, e.g. a `#[tokio::test]`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for what [`Config::validate`] refuses (no application, an empty secret
    /// key, a zero timeout or body bound), a callback URL that is not `http://host...` or a
    /// callback token that is not 1 to 128 characters; [`Error::StateFile`] or
    /// [`Error::StateFileCorrupt`] if [`Config::state_file`] exists but cannot be loaded;
    /// [`Error::Bind`] if the address cannot be bound, [`Error::Tls`] if the certificate or key
    /// cannot be loaded.
    pub async fn start(config: Config) -> Result<Self, Error> {
        config.validate()?;
        if let Some(callback) = &config.callback {
            CallbackHub::validate(callback)?;
        }
        let acceptor = match &config.tls {
            Some(tls) => Some(crate::tls::acceptor(tls)?),
            None => None,
        };
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.addr,
            source,
        })?;

        let loaded = match (&config.initial_state, &config.state_file) {
            (None, Some(path)) => persist::load_state(path)?,
            _ => None,
        };
        let mut state = loaded
            .or_else(|| config.initial_state.clone())
            .unwrap_or_default();
        for app in &config.apps {
            state.apps.entry(app.sdkappid()).or_default();
        }
        let faults = FaultState::new(config.faults.clone());
        let (callbacks, callback_task) = match &config.callback {
            Some(callback) => {
                let (hub, task) = CallbackHub::start(
                    callback,
                    config.clock.clone(),
                    config.journal_capacity,
                    config.journal_max_bytes,
                )?;
                (Some(hub), Some(task))
            }
            None => (None, None),
        };
        let shared = Arc::new(Shared {
            auth: Authenticator::new(config.apps.clone(), config.clock.clone()),
            apps: config.apps.clone(),
            limits: config.limits.clone(),
            default_allow_type: config.default_allow_type.clone(),
            sensitive_words: config.sensitive_words.clone(),
            write_latency: config.write_latency,
            clock: config.clock.clone(),
            rate: RateLimiter::new(&config),
            state: Mutex::new(state),
            writers: Mutex::new(HashSet::new()),
            faults_idle: AtomicBool::new(faults.is_idle()),
            faults: Mutex::new(faults),
            journal: Mutex::new(Journal::new(
                config.journal_capacity,
                config.journal_max_bytes,
            )),
            journal_enabled: config.journal_capacity > 0,
            callbacks,
            generation: AtomicU64::new(0),
            body_budget: Semaphore::new(config.max_buffered_body_bytes.min(Semaphore::MAX_PERMITS)),
            max_body_bytes: MAX_BODY_BYTES
                .min(config.max_buffered_body_bytes)
                .min(Semaphore::MAX_PERMITS),
            header_timeout: config.header_timeout,
            max_connections: config.max_connections,
            body_timeout: config.body_timeout,
            idle_timeout: config.idle_timeout,
            save_failure: Mutex::new(None),
        });
        let saver = config.state_file.clone().map(|path| {
            persist::remove_stale_temps(&path);
            let (stop, stopped) = watch::channel(false);
            let task = tokio::spawn(save_loop(
                shared.clone(),
                path,
                config.save_interval,
                stopped,
            ));
            (stop, task)
        });
        let (shutdown, signal) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, acceptor, shared.clone(), signal));
        Ok(Self {
            shared,
            addr,
            tls: config.tls.is_some(),
            shutdown,
            task: Some(task),
            callback_task,
            saver,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (`https://` with TLS), without a trailing
    /// slash; requests go to `{base_url}/v4/{service}/{command}?...`.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The full URL of `endpoint` for the first application, with a fresh admin UserSig (valid
    /// for a day) and every query parameter, ready for any HTTP client:
    /// `{base_url}/v4/sns/friend_add?sdkappid=…&identifier=…&usersig=…&random=…&contenttype=json`.
    /// The URL holds a credential: keep it out of logs.
    ///
    /// # Errors
    ///
    /// [`Error::UserSig`] if the admin identifier is empty.
    pub fn url_for(&self, endpoint: Endpoint) -> Result<String, Error> {
        let creds = self.credentials();
        let sig = creds.user_sig(Duration::from_secs(86_400))?;
        let random = self.shared.clock.now_unix() as u32;
        Ok(format!(
            "{}/{}?sdkappid={}&identifier={}&usersig={}&random={random}&contenttype=json",
            self.base_url(),
            endpoint.path(),
            creds.sdkappid(),
            crate::auth::percent_encode(creds.admin()),
            sig.expose(),
        ))
    }

    /// The first application's credentials.
    pub fn credentials(&self) -> &AppCredentials {
        // `start` refuses a configuration without applications.
        &self.shared.apps[0]
    }

    /// Every application's credentials.
    pub fn apps(&self) -> &[AppCredentials] {
        &self.shared.apps
    }

    /// Creates these accounts in the first application (those that exist are left as they are),
    /// with the default `AllowType`.
    pub fn seed_accounts<I>(&self, user_ids: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.seed_accounts_in(self.credentials().sdkappid(), user_ids);
    }

    /// Creates these accounts in the application `sdkappid`.
    pub fn seed_accounts_in<I>(&self, sdkappid: u64, user_ids: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut state = lock(&self.shared.state);
        let app = state.apps.entry(sdkappid).or_default();
        for id in user_ids {
            app.ensure_account(id.as_ref(), &self.shared.default_allow_type);
        }
        self.shared.generation.fetch_add(1, Ordering::Release);
    }

    /// A copy of the whole state.
    pub fn state(&self) -> StateSnapshot {
        lock(&self.shared.state).clone()
    }

    /// A copy of the first application's state.
    pub fn app_state(&self) -> AppState {
        let sdkappid = self.credentials().sdkappid();
        lock(&self.shared.state)
            .apps
            .get(&sdkappid)
            .cloned()
            .unwrap_or_default()
    }

    /// Runs `f` on the live state, under the state lock, e.g. to set up a situation no REST
    /// call can create (such as a pending request the target accepted). Keep `f` short: every
    /// request waits for it.
    ///
    /// ```no_run
    /// # async fn demo(emulator: tencent_im_emulator::Emulator) {
    /// // Let bob accept alice's pending request.
    /// emulator.with_state(|state| {
    ///     let app = state.apps.values_mut().next().unwrap();
    ///     app.accounts.get_mut("bob").unwrap().pending_in.remove("alice");
    /// });
    /// # }
    /// ```
    pub fn with_state<R>(&self, f: impl FnOnce(&mut StateSnapshot) -> R) -> R {
        let result = f(&mut lock(&self.shared.state));
        self.shared.generation.fetch_add(1, Ordering::Release);
        result
    }

    /// Why the last periodic save of the state file failed (the error and its cause), while
    /// saves fail; `None` once a save works again, and without a state file. A failed save is
    /// tried again at the next [`Config::save_interval`]; meanwhile the writes since the last
    /// good save would not survive a crash. `tencent-im-emulator serve` prints it as it happens.
    pub fn save_failure(&self) -> Option<String> {
        lock(&self.shared.save_failure).clone()
    }

    /// How many writes are held by [`Config::write_latency`] right now, one per sender: a test
    /// that wants a second write to meet the first's lock (30008) waits until this is 1 instead
    /// of sleeping a guessed time.
    pub fn held_writes(&self) -> usize {
        lock(&self.shared.writers).len()
    }

    /// The journal: the last requests (up to the configured capacity), oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal).entries()
    }

    /// Empties the journal.
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).clear();
    }

    /// The callback journal: the last callbacks sent (up to the journal's capacity and
    /// [`Config::journal_max_bytes`]), oldest first, each with the reply or the error. Empty without a callback URL
    /// ([`Config::callback`]). A callback is recorded once it is answered or has failed: call
    /// [`flush_callbacks`](Self::flush_callbacks) first to see those of the calls made so far.
    pub fn callbacks(&self) -> Vec<CallbackEntry> {
        self.shared
            .callbacks
            .as_ref()
            .map_or_else(Vec::new, |hub| hub.entries())
    }

    /// Empties the callback journal.
    pub fn clear_callbacks(&self) {
        if let Some(hub) = &self.shared.callbacks {
            hub.clear();
        }
    }

    /// Waits until every callback of the changes made so far has been sent and answered, or
    /// has failed (each takes at most the callback timeout, 2 s by default). Returns at once
    /// without a callback URL.
    pub async fn flush_callbacks(&self) {
        if let Some(hub) = &self.shared.callbacks {
            hub.flush().await;
        }
    }

    /// Replaces the faults in force (the draw restarts from the new seed). Faults queued with
    /// [`inject`](Self::inject) stay queued.
    pub fn set_faults(&self, faults: Faults) {
        let mut state = lock(&self.shared.faults);
        state.set(faults);
        self.shared
            .faults_idle
            .store(state.is_idle(), Ordering::Release);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).faults().clone()
    }

    /// Injects `kind` into each of the next `count` requests, before any drawn fault.
    pub fn inject(&self, kind: FaultKind, count: usize) {
        let mut state = lock(&self.shared.faults);
        state.inject(kind, count);
        self.shared
            .faults_idle
            .store(state.is_idle(), Ordering::Release);
    }

    /// Removes every fault: the shares, the latency and the queue.
    pub fn clear_faults(&self) {
        let mut state = lock(&self.shared.faults);
        state.set(Faults::none());
        state.clear_queue();
        self.shared.faults_idle.store(true, Ordering::Release);
    }

    /// Stops accepting connections, lets requests in flight finish (up to 5 s), sends the
    /// callbacks still queued (up to 5 s), closes every connection, saves the state file (with
    /// [`Config::state_file`]) and returns the final state. Use
    /// [`stop_and_save`](Self::stop_and_save) to learn whether that last save succeeded.
    pub async fn stop(self) -> StateSnapshot {
        let (state, _) = self.finish().await;
        state
    }

    /// Stops as [`stop`](Self::stop) does and returns the final state once the state file (with
    /// [`Config::state_file`]) holds it.
    ///
    /// # Errors
    ///
    /// [`Error::StateFile`] if the last save of the state file failed.
    pub async fn stop_and_save(self) -> Result<StateSnapshot, Error> {
        let (state, saved) = self.finish().await;
        saved.map(|()| state)
    }

    async fn finish(mut self) -> (StateSnapshot, Result<(), Error>) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(task) = self.callback_task.take() {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.flush_callbacks()).await;
            task.abort();
        }
        let saved = match self.saver.take() {
            Some((stop, task)) => {
                let _ = stop.send(true);
                match task.await {
                    Ok(saved) => saved,
                    Err(join) => Err(Error::Config(format!("the state saver failed: {join}"))),
                }
            }
            None => Ok(()),
        };
        (self.state(), saved)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(task) = self.callback_task.take() {
            task.abort();
        }
        // No last save: the periodic ones keep what is older than the save interval.
        if let Some((_, task)) = self.saver.take() {
            task.abort();
        }
    }
}

/// Saves the state file every `interval` while the state changes, and once more when `stop`
/// fires; returns the result of that last save.
///
/// **Decision**: periodic snapshots of a changed state rather than an append-only log of
/// writes. A snapshot is taken under the state lock, so it holds every command whole or not at
/// all; it is written as the one file format the emulator already loads; and it needs nothing
/// from the commands, so a new command is durable without a log record of its own. Its cost, a
/// copy and a write of the whole state per interval while writes come in, is small for the
/// states a test builds (see `docs/emulator.md`).
async fn save_loop(
    shared: Arc<Shared>,
    path: PathBuf,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> Result<(), Error> {
    let mut saver = Saver {
        path,
        saved_generation: None,
        last: Vec::new(),
    };
    let mut ticks = (!interval.is_zero()).then(|| {
        let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks
    });
    loop {
        let stopping = match &mut ticks {
            Some(ticks) => tokio::select! {
                _ = ticks.tick() => false,
                _ = stop.changed() => true,
            },
            None => {
                let _ = stop.changed().await;
                true
            }
        };
        let saved = saver.save(&shared).await;
        if stopping {
            return saved;
        }
        // A failed periodic save is tried again at the next tick, and told meanwhile.
        *lock(&shared.save_failure) = saved.err().map(|e| crate::error::describe(&e));
    }
}

/// What the state file holds.
struct Saver {
    path: PathBuf,
    /// The generation of the state last written, `None` before the first save.
    saved_generation: Option<u64>,
    /// The bytes last written (a state changed back is not written again).
    last: Vec<u8>,
}

impl Saver {
    async fn save(&mut self, shared: &Shared) -> Result<(), Error> {
        let generation = shared.generation.load(Ordering::Acquire);
        if self.saved_generation == Some(generation) {
            return Ok(());
        }
        // Copied under the lock: every command is in whole or not at all.
        let snapshot = lock(&shared.state).clone();
        let path = self.path.clone();
        let last = std::mem::take(&mut self.last);
        let written = tokio::task::spawn_blocking(move || {
            let to_error = |e| Error::StateFile {
                path: path.clone(),
                source: io::Error::new(io::ErrorKind::InvalidData, e),
            };
            let bytes = serde_json::to_vec_pretty(&snapshot).map_err(to_error)?;
            if bytes != last {
                persist::write_atomically(&path, &bytes)?;
            }
            Ok(bytes)
        })
        .await;
        match written {
            Ok(Ok(bytes)) => {
                self.last = bytes;
                self.saved_generation = Some(generation);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(join) => Err(Error::StateFile {
                path: self.path.clone(),
                source: io::Error::other(join.to_string()),
            }),
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut signal: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: do not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                if connections.len() >= shared.max_connections {
                    // Dropping the stream closes it.
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let signal = signal.clone();
                match acceptor.clone() {
                    None => { connections.spawn(serve(stream, shared, signal)); }
                    Some(acceptor) => {
                        connections.spawn(async move {
                            if let Ok(Ok(tls)) = tokio::time::timeout(
                                shared.header_timeout,
                                acceptor.accept(stream),
                            )
                            .await
                            {
                                serve(tls, shared, signal).await;
                            }
                        });
                    }
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = signal.changed() => break,
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        connections.abort_all();
    }
}

/// Serves one connection: HTTP/1.1 with keep-alive, until it closes, the emulator stops, or the
/// client is too slow: a request's headers not in within the header timeout of their first
/// byte, or no request within the idle timeout of the last activity.
async fn serve<S>(stream: S, shared: Arc<Shared>, mut signal: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let phase = Arc::new(ConnPhase::new());
    let (header_timeout, idle_timeout) = (shared.header_timeout, shared.idle_timeout);
    let service = {
        let phase = phase.clone();
        service_fn(move |req| {
            let busy = BusyGuard::new(phase.clone());
            let shared = shared.clone();
            async move {
                let response = handle(shared, req).await;
                drop(busy);
                response
            }
        })
    };
    let stream = Watched {
        inner: stream,
        phase: phase.clone(),
    };
    let conn = http1::Builder::new()
        .keep_alive(true)
        .max_buf_size(READ_BUFFER_BYTES)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    loop {
        let deadline = phase.deadline(header_timeout, idle_timeout);
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = signal.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
                return;
            }
            () = tokio::time::sleep_until(deadline) => {
                if phase.expired(header_timeout, idle_timeout) {
                    // Dropping the connection closes it.
                    return;
                }
            }
            // A request's head began: its deadline is sooner than the idle one.
            () = phase.head_started.notified() => {}
        }
    }
}

/// Where a connection is: waiting for a request, reading one's headers, or in the service.
const IDLE: u8 = 0;
const HEAD: u8 = 1;
const BUSY: u8 = 2;

/// A connection's phase and when it started (idle: the last read or write), for the header and
/// idle timeouts. Only the connection's own task touches it.
struct ConnPhase {
    start: Instant,
    phase: AtomicU8,
    /// Milliseconds from `start`.
    since: AtomicU64,
    /// Notified when a request's head begins.
    head_started: tokio::sync::Notify,
}

impl ConnPhase {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            phase: AtomicU8::new(IDLE),
            since: AtomicU64::new(0),
            head_started: tokio::sync::Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Bytes came in: the first ones after an idle time start a request's headers.
    fn on_read(&self) {
        if self.phase.load(Ordering::Relaxed) == IDLE {
            self.since.store(self.now(), Ordering::Relaxed);
            self.phase.store(HEAD, Ordering::Relaxed);
            self.head_started.notify_one();
        }
    }

    /// Bytes went out: a response still being written is activity, not idleness.
    fn on_write(&self) {
        if self.phase.load(Ordering::Relaxed) == IDLE {
            self.since.store(self.now(), Ordering::Relaxed);
        }
    }

    /// When to look again: the end of the header or idle time, or a while from now in the
    /// service (whose body read has its own timeout).
    fn deadline(&self, header: Duration, idle: Duration) -> Instant {
        let since = self.start + Duration::from_millis(self.since.load(Ordering::Relaxed));
        match self.phase.load(Ordering::Relaxed) {
            IDLE => since + idle,
            HEAD => since + header,
            _ => Instant::now() + header.min(idle),
        }
    }

    fn expired(&self, header: Duration, idle: Duration) -> bool {
        self.phase.load(Ordering::Relaxed) != BUSY && Instant::now() >= self.deadline(header, idle)
    }
}

/// Marks the connection busy while the service runs, idle again (from now) once it returns.
struct BusyGuard(Arc<ConnPhase>);

impl BusyGuard {
    fn new(phase: Arc<ConnPhase>) -> Self {
        phase.phase.store(BUSY, Ordering::Relaxed);
        Self(phase)
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.since.store(self.0.now(), Ordering::Relaxed);
        self.0.phase.store(IDLE, Ordering::Relaxed);
    }
}

/// A connection's stream, reporting its reads and writes to its [`ConnPhase`].
struct Watched<S> {
    inner: S,
    phase: Arc<ConnPhase>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.phase.on_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.phase.on_write();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.phase.on_write();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Why a request body was not taken.
enum BodyError {
    /// Over the largest body ([`MAX_BODY_BYTES`] or the whole budget).
    TooLarge,
    /// Not in within the body timeout.
    Timeout,
    /// Holding it would go over the bound of bytes held across connections.
    Busy,
    /// The connection failed or the body was malformed.
    Broken,
}

/// Reads and drops the body of a refused request, keeping nothing and taking nothing from the
/// body budget: whether all of it (at most [`DRAIN_MAX_BYTES`]) came within [`DRAIN_TIMEOUT`].
async fn drain(mut body: Incoming) -> bool {
    use http_body_util::BodyExt as _;

    let read = async {
        let mut seen = 0u64;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Some(data) = frame.data_ref() {
                seen = seen.saturating_add(data.len() as u64);
                if seen > DRAIN_MAX_BYTES {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIMEOUT, read)
        .await
        .unwrap_or(false)
}

/// Reads a request body within the per-request and global bounds and the body timeout. The
/// permits returned hold its bytes against the global bound until dropped.
async fn read_body<'a>(
    shared: &'a Shared,
    mut body: Incoming,
    declared: Option<u64>,
) -> Result<(Bytes, Option<SemaphorePermit<'a>>), BodyError> {
    use http_body_util::BodyExt as _;

    let mut held: Option<SemaphorePermit<'a>> = None;
    let reserve = |held: &mut Option<SemaphorePermit<'a>>, bytes: usize| {
        let have = held.as_ref().map_or(0, SemaphorePermit::num_permits);
        if bytes <= have {
            return Ok(());
        }
        let more = u32::try_from(bytes - have).map_err(|_| BodyError::TooLarge)?;
        let more = shared
            .body_budget
            .try_acquire_many(more)
            .map_err(|_| BodyError::Busy)?;
        match held {
            Some(held) => held.merge(more),
            None => *held = Some(more),
        }
        Ok(())
    };
    if let Some(declared) = declared {
        let declared = usize::try_from(declared).unwrap_or(usize::MAX);
        if declared > shared.max_body_bytes {
            return Err(BodyError::TooLarge);
        }
        if declared > 0 {
            reserve(&mut held, declared)?;
        }
    }
    let deadline = Instant::now() + shared.body_timeout;
    // The whole body in one frame is kept as it is; in several, gathered into one buffer of the
    // announced size.
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(0));
    let mut len = 0usize;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        len += data.len();
        if len > shared.max_body_bytes {
            return Err(BodyError::TooLarge);
        }
        reserve(&mut held, len)?;
        match &first {
            None if rest.is_empty() => first = Some(data),
            _ => {
                if let Some(first) = first.take() {
                    rest.reserve_exact(capacity.max(first.len() + data.len()));
                    rest.extend_from_slice(&first);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    let bytes = first.unwrap_or_else(|| Bytes::from(rest));
    Ok((bytes, held))
}

/// The error a handler returns to make hyper close the connection without a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault: connection dropped")
    }
}

impl std::error::Error for DropConnection {}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body_pending = !req.body().is_end_stream();
    let body = req.into_body();

    let (latency, fault) = if shared.faults_idle.load(Ordering::Acquire) {
        (Duration::ZERO, None)
    } else {
        lock(&shared.faults).next()
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let record = |status: u16, code: Option<ErrorCode>, body: &Bytes| {
        if !shared.journal_enabled {
            return;
        }
        let entry = JournalEntry {
            seq: 0,
            method: method.to_string(),
            path: path.clone(),
            query: redact_query(&query),
            body: crate::journal::body_text(body),
            status,
            error_code: code.map(ErrorCode::get),
            fault,
        };
        lock(&shared.journal).push(entry);
    };

    // Faults that answer instead of the request (they come before routing and auth).
    if let Some(
        kind @ (FaultKind::DropBeforeResponse
        | FaultKind::Http502
        | FaultKind::Http429
        | FaultKind::NonJsonBody
        | FaultKind::Error30006
        | FaultKind::Error30007
        | FaultKind::ItemError30006
        | FaultKind::ItemError30007),
    ) = fault
    {
        let read = read_body(&shared, body, declared).await;
        let request_body = read.as_ref().map(|(b, _)| b.clone()).unwrap_or_default();
        return fault_answer(&shared, kind, &path, &request_body, |status, code| {
            record(status, code, &request_body);
        });
    }

    // Routing and the query's auth and rate limit, before a byte of the body is read.
    let parsed_query = Query::parse(&query);
    let (endpoint, sdkappid) = match admit(&shared, &method, &path, &parsed_query) {
        Ok(admitted) => admitted,
        Err(answer) => {
            record(200, Some(answer.code), &Bytes::new());
            let response = json(Bytes::from(answer.body), None);
            // A small body is read and dropped to keep the connection; a larger one (or one of
            // unknown length) is left unread and the connection closed after the answer.
            let keep = !body_pending
                || (declared.is_some_and(|n| n <= DRAIN_MAX_BYTES) && drain(body).await);
            return Ok(if keep { response } else { close(response) });
        }
    };
    let admin = parsed_query.identifier.as_deref().unwrap_or("");
    let (request_body, _held) = match read_body(&shared, body, declared).await {
        Ok(read) => read,
        Err(error) => {
            let (status, code, response) = body_error(&shared, error);
            record(status, code, &Bytes::new());
            return Ok(close(response));
        }
    };
    let answer = process(&shared, endpoint, sdkappid, admin, &request_body).await;
    shared.generation.fetch_add(1, Ordering::Release);
    record(200, Some(answer.code), &request_body);
    let body = Bytes::from(answer.body);
    Ok(match fault {
        Some(FaultKind::TruncatedBody) => json(body.slice(..body.len() / 2), None),
        Some(FaultKind::DropMidResponse) => {
            let full = body.len();
            json(body.slice(..full / 2), Some(full))
        }
        _ => json(body, None),
    })
}

/// The answer of a fault that replaces the request's, recorded with `record`.
fn fault_answer(
    shared: &Shared,
    kind: FaultKind,
    path: &str,
    request_body: &Bytes,
    record: impl Fn(u16, Option<ErrorCode>),
) -> Result<Response<Body>, DropConnection> {
    Ok(match kind {
        FaultKind::DropBeforeResponse => {
            record(0, None);
            return Err(DropConnection);
        }
        FaultKind::Http502 => {
            record(502, None);
            bad_gateway()
        }
        FaultKind::Http429 => {
            record(429, None);
            text(
                StatusCode::TOO_MANY_REQUESTS,
                "text/plain; charset=utf-8",
                "too many requests\n",
            )
        }
        FaultKind::NonJsonBody => {
            record(200, None);
            text(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                "upstream service unavailable\n",
            )
        }
        _ => {
            let code = if matches!(kind, FaultKind::Error30006 | FaultKind::ItemError30006) {
                ErrorCode::SNS_INTERNAL_ERROR
            } else {
                ErrorCode::SNS_TIMEOUT
            };
            const INFO: &str = "fault injected by the emulator";
            // An item fault answers every item of a command whose reply lists items.
            let every_item = matches!(kind, FaultKind::ItemError30006 | FaultKind::ItemError30007)
                .then(|| Endpoint::from_path(path))
                .flatten()
                .and_then(|endpoint| handlers::parse(endpoint, request_body, &shared.limits).ok())
                .and_then(|request| request.every_item(code, INFO));
            let answer = every_item.unwrap_or_else(|| Answer::fail((code, INFO.into())));
            record(200, Some(code));
            json(answer.body.into(), None)
        }
    })
}

/// The answer to a body that was not taken: the journal's status and code, and the response.
fn body_error(shared: &Shared, error: BodyError) -> (u16, Option<ErrorCode>, Response<Body>) {
    let info = match error {
        BodyError::Busy => {
            let mut response = text(StatusCode::SERVICE_UNAVAILABLE, "text/plain", BUSY_TEXT);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return (503, None, response);
        }
        BodyError::TooLarge if shared.max_body_bytes == MAX_BODY_BYTES => {
            "the request body is over 8 MiB".to_owned()
        }
        BodyError::TooLarge => format!(
            "the request body is over {} bytes, all the emulator may hold (max_buffered_body_bytes)",
            shared.max_body_bytes
        ),
        BodyError::Timeout => format!(
            "the request body did not arrive within {} ms",
            shared.body_timeout.as_millis()
        ),
        BodyError::Broken => "the request body could not be read".to_owned(),
    };
    let answer = Answer::fail((ErrorCode::HTTP_PARSE_ERROR, info.into()));
    (200, Some(answer.code), json(Bytes::from(answer.body), None))
}

/// `response` with `Connection: close`: sent when the request's body is left unread.
fn close(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Routing, method, the auth chain and the rate limit, in this order, from the URL alone:
/// the endpoint and the SDKAppID, or the answer.
fn admit(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &Query<'_>,
) -> Result<(Endpoint, u64), Answer> {
    let Some(endpoint) = Endpoint::from_path(path) else {
        return Err(Answer::fail((
            ErrorCode::REQUEST_RESOURCE_ERROR,
            "unknown command, check the URL".into(),
        )));
    };
    if method != Method::POST {
        return Err(Answer::fail((
            ErrorCode::HTTP_PARSE_ERROR,
            "only POST is supported".into(),
        )));
    }
    let sdkappid = shared.auth.authenticate(query).map_err(Answer::fail)?;
    if !shared.rate.allow(sdkappid, endpoint) {
        return Err(Answer::fail((
            ErrorCode::REST_RATE_LIMITED,
            "REST API call rate over the limit".into(),
        )));
    }
    Ok((endpoint, sdkappid))
}

/// Body and state, once [`admit`] let the request in.
async fn process(
    shared: &Shared,
    endpoint: Endpoint,
    sdkappid: u64,
    admin: &str,
    body: &[u8],
) -> Answer {
    let request = match handlers::parse(endpoint, body, &shared.limits) {
        Ok(request) => request,
        Err(fail) => return Answer::fail(fail),
    };
    if !shared.write_latency.is_zero() {
        if let Some(held) = request.held_sender() {
            return write_held(shared, sdkappid, admin, &*request, held).await;
        }
    }
    apply(shared, sdkappid, admin, &*request)
}

fn apply(shared: &Shared, sdkappid: u64, admin: &str, request: &dyn Handled) -> Answer {
    let ctx = Context {
        limits: &shared.limits,
        sensitive_words: &shared.sensitive_words,
        default_allow_type: &shared.default_allow_type,
        now: shared.clock.now_unix(),
        admin,
    };
    let reply = {
        let mut state = lock(&shared.state);
        let app = state.apps.entry(sdkappid).or_default();
        let (reply, callback) = handlers::apply(request, app, &ctx);
        // Queued under the state lock: callbacks leave in the order of the changes. Never waits.
        if let (Some(hub), Some(event)) = (&shared.callbacks, callback) {
            hub.enqueue(sdkappid, event);
        }
        reply
    };
    reply.encode()
}

/// Releases a `From_Account` write lock when dropped (also when the request is cancelled).
struct WriterGuard<'a> {
    writers: &'a Mutex<HashSet<(u64, String)>>,
    key: Option<(u64, String)>,
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(self.writers).remove(&key);
        }
    }
}

/// A write with a write latency: its `From_Account` is held for the latency, and a second write
/// for it meanwhile gets 30008 for every item.
async fn write_held(
    shared: &Shared,
    sdkappid: u64,
    admin: &str,
    request: &dyn Handled,
    held: Held<'_>,
) -> Answer {
    let exists = lock(&shared.state)
        .apps
        .get(&sdkappid)
        .is_some_and(|app| app.accounts.contains_key(held.sender));
    if !exists {
        return Answer::fail(held.not_found);
    }
    let key = (sdkappid, held.sender.to_owned());
    if !lock(&shared.writers).insert(key.clone()) {
        let (code, info) = (ErrorCode::SNS_WRITE_CONFLICT, held.conflict_info);
        return request
            .every_item(code, info)
            .unwrap_or_else(|| Answer::fail((code, info.into())));
    }
    let _guard = WriterGuard {
        writers: &shared.writers,
        key: Some(key),
    };
    tokio::time::sleep(shared.write_latency).await;
    apply(shared, sdkappid, admin, request)
}

fn json(body: Bytes, promised_len: Option<usize>) -> Response<Body> {
    let len = promised_len.unwrap_or(body.len());
    let body = if promised_len.is_some() {
        Body::cut(body)
    } else {
        Body::full(body)
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    response
}

fn text(status: StatusCode, content_type: &'static str, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::full(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The body a gateway sends with a 502.
pub(crate) const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>stgw</center>\r\n</body>\r\n</html>\r\n";

fn bad_gateway() -> Response<Body> {
    text(StatusCode::BAD_GATEWAY, "text/html", BAD_GATEWAY_HTML)
}

/// A response body: whole, or cut (part of it, then an error that makes hyper close the
/// connection).
pub(crate) struct Body {
    data: Option<Bytes>,
    cut: bool,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Body {
    fn full(data: Bytes) -> Self {
        Self {
            data: Some(data),
            cut: false,
            pause: None,
        }
    }

    fn cut(data: Bytes) -> Self {
        Self {
            data: Some(data),
            cut: true,
            pause: None,
        }
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(data) = this.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if !this.cut {
            return Poll::Ready(None);
        }
        // A short pause, started once the part is handed over, lets hyper flush it before the
        // error closes the connection.
        let pause = this
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(20))));
        match pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(io::Error::other(
                "fault: connection dropped mid-response",
            )))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && !self.cut
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.data, self.cut) {
            (Some(data), false) => SizeHint::with_exact(data.len() as u64),
            (None, false) => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}
