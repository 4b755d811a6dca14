//! The HTTP server: [`Emulator`], connections, routing, faults and the journal.

use std::collections::HashSet;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tencent_im_protocol::profile::AllowType;
use tencent_im_protocol::sns::{BatchResponse, FriendAdd, ResultItem};
use tencent_im_protocol::{Endpoint, ErrorCode};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::auth::{Authenticator, Query, SharedClock};
use crate::callback::{CallbackEntry, CallbackHub};
use crate::config::{Config, Credentials, Limits};
use crate::error::Error;
use crate::fault::{FaultKind, FaultState, Faults};
use crate::handlers::{self, Answer, Context, Parsed};
use crate::journal::{Journal, JournalEntry, redact_query};
use crate::rate::RateLimiter;
use crate::state::{AppState, StateSnapshot};

/// The largest request body read; a larger one is answered with 60002.
const MAX_BODY_BYTES: usize = 8 << 20;
/// How long [`Emulator::stop`] waits for requests in flight before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Everything the connections share.
pub(crate) struct Shared {
    auth: Authenticator,
    apps: Vec<Credentials>,
    limits: Limits,
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
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

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
    /// [`Error::Config`] without any application or with a callback URL that is not
    /// `http://host...` or a callback token that is not 1 to 128 characters, [`Error::Bind`]
    /// if the address cannot be bound, [`Error::Tls`] if the certificate or key cannot be
    /// loaded.
    pub async fn start(config: Config) -> Result<Self, Error> {
        if config.apps.is_empty() {
            return Err(Error::Config("no application configured".into()));
        }
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

        let mut state = config.initial_state.clone().unwrap_or_default();
        for app in &config.apps {
            state.apps.entry(app.sdkappid()).or_default();
        }
        let faults = FaultState::new(config.faults.clone());
        let (callbacks, callback_task) = match &config.callback {
            Some(callback) => {
                let (hub, task) =
                    CallbackHub::start(callback, config.clock.clone(), config.journal_capacity)?;
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
            journal: Mutex::new(Journal::new(config.journal_capacity)),
            journal_enabled: config.journal_capacity > 0,
            callbacks,
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
    pub fn credentials(&self) -> &Credentials {
        // `start` refuses a configuration without applications.
        &self.shared.apps[0]
    }

    /// Every application's credentials.
    pub fn apps(&self) -> &[Credentials] {
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
        f(&mut lock(&self.shared.state))
    }

    /// The journal: the last requests (up to the configured capacity), oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal).entries()
    }

    /// Empties the journal.
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).clear();
    }

    /// The callback journal: the last callbacks sent (up to the journal's capacity), oldest
    /// first, each with the reply or the error. Empty without a callback URL
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
    /// callbacks still queued (up to 5 s), closes every connection and returns the final state.
    pub async fn stop(mut self) -> StateSnapshot {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(task) = self.callback_task.take() {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.flush_callbacks()).await;
            task.abort();
        }
        self.state()
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
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let signal = signal.clone();
                match acceptor.clone() {
                    None => { connections.spawn(serve(stream, shared, signal)); }
                    Some(acceptor) => {
                        connections.spawn(async move {
                            if let Ok(Ok(tls)) = tokio::time::timeout(
                                Duration::from_secs(10),
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

/// Serves one connection: HTTP/1.1 with keep-alive, until it closes or the emulator stops.
async fn serve<S>(stream: S, shared: Arc<Shared>, mut signal: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(shared.clone(), req));
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = signal.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
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
    use http_body_util::BodyExt as _;

    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let body = http_body_util::Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .ok();

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
            body: String::from_utf8_lossy(body).into_owned(),
            status,
            error_code: code.map(ErrorCode::get),
            fault,
        };
        lock(&shared.journal).push(entry);
    };
    let request_body = body.clone().unwrap_or_default();

    // Faults that answer instead of the request.
    match fault {
        Some(FaultKind::DropBeforeResponse) => {
            record(0, None, &request_body);
            return Err(DropConnection);
        }
        Some(FaultKind::Http502) => {
            record(502, None, &request_body);
            return Ok(bad_gateway());
        }
        Some(FaultKind::NonJsonBody) => {
            record(200, None, &request_body);
            return Ok(text(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                "upstream service unavailable\n",
            ));
        }
        Some(
            kind @ (FaultKind::Error30006
            | FaultKind::Error30007
            | FaultKind::ItemError30006
            | FaultKind::ItemError30007),
        ) => {
            let code = if matches!(kind, FaultKind::Error30006 | FaultKind::ItemError30006) {
                ErrorCode::SNS_INTERNAL_ERROR
            } else {
                ErrorCode::SNS_TIMEOUT
            };
            let item_fault = matches!(kind, FaultKind::ItemError30006 | FaultKind::ItemError30007);
            let request = (item_fault && Endpoint::from_path(&path) == Some(Endpoint::FriendAdd))
                .then(|| serde_json::from_slice::<FriendAdd>(&request_body).ok())
                .flatten();
            let answer = match request {
                Some(request) => {
                    let results = request
                        .items
                        .iter()
                        .map(|i| {
                            ResultItem::new(
                                i.to_account.clone(),
                                code,
                                "fault injected by the emulator",
                            )
                        })
                        .collect();
                    Answer::ok(BatchResponse::from_results(results))
                }
                None => Answer::fail((code, "fault injected by the emulator".into())),
            };
            record(200, Some(code), &request_body);
            return Ok(json(answer.body.into(), None));
        }
        _ => {}
    }

    let answer = match body {
        Some(body) => process(&shared, &method, &path, &query, &body).await,
        None => Answer::fail((
            ErrorCode::HTTP_PARSE_ERROR,
            "the request body could not be read or is over 8 MiB".into(),
        )),
    };
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

/// Routing, auth, rate limit, body and state, in this order.
async fn process(shared: &Shared, method: &Method, path: &str, query: &str, body: &[u8]) -> Answer {
    let Some(endpoint) = Endpoint::from_path(path) else {
        return Answer::fail((
            ErrorCode::REQUEST_RESOURCE_ERROR,
            "unknown command, check the URL".into(),
        ));
    };
    if method != Method::POST {
        return Answer::fail((ErrorCode::HTTP_PARSE_ERROR, "only POST is supported".into()));
    }
    let query = Query::parse(query);
    let sdkappid = match shared.auth.authenticate(&query) {
        Ok(sdkappid) => sdkappid,
        Err(fail) => return Answer::fail(fail),
    };
    let admin = query.identifier.as_deref().unwrap_or("");
    if !shared.rate.allow(sdkappid, endpoint) {
        return Answer::fail((
            ErrorCode::REST_RATE_LIMITED,
            "REST API call rate over the limit".into(),
        ));
    }
    let parsed = match handlers::parse(endpoint, body, &shared.limits) {
        Ok(parsed) => parsed,
        Err(fail) => return Answer::fail(fail),
    };
    if let Parsed::FriendAdd(req) = &parsed {
        if !shared.write_latency.is_zero() {
            return friend_add_slow(shared, sdkappid, admin, req, &parsed).await;
        }
    }
    apply(shared, sdkappid, admin, &parsed)
}

fn apply(shared: &Shared, sdkappid: u64, admin: &str, parsed: &Parsed) -> Answer {
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
        let (reply, callback) = handlers::apply(parsed, app, &ctx);
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

/// friend_add with a write latency: the `From_Account` is held for the latency, and a second
/// friend_add for it meanwhile gets 30008 for every item.
async fn friend_add_slow(
    shared: &Shared,
    sdkappid: u64,
    admin: &str,
    req: &FriendAdd,
    parsed: &Parsed,
) -> Answer {
    let exists = lock(&shared.state)
        .apps
        .get(&sdkappid)
        .is_some_and(|app| app.accounts.contains_key(&req.from_account));
    if !exists {
        return Answer::fail(handlers::from_not_found(Endpoint::FriendAdd));
    }
    let key = (sdkappid, req.from_account.clone());
    if !lock(&shared.writers).insert(key.clone()) {
        return handlers::friend_add_all(
            req,
            ErrorCode::SNS_WRITE_CONFLICT,
            "Err_SNS_FriendAdd_Write_Conflict",
        );
    }
    let _guard = WriterGuard {
        writers: &shared.writers,
        key: Some(key),
    };
    tokio::time::sleep(shared.write_latency).await;
    apply(shared, sdkappid, admin, parsed)
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
