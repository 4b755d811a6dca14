//! Callbacks: the after-callbacks the emulator POSTs to the app's callback URL when its state
//! changes, signed as Tencent signs them, in order, and the journal of what was sent and answered.
//!
//! Requests put their event on one bounded queue while they hold the state lock (so the queue's
//! order is the order of the state changes); one task sends them one at a time, each within the
//! timeout. Nothing here ever blocks or fails a REST call: a full queue, a refused connection,
//! a timeout or an odd reply is only written to the callback journal.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use tencent_im_protocol::callback::{CallbackEvent, CallbackResponse};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::auth::SharedClock;
use tencent_im_webhook::CallbackToken;

use crate::config::CallbackConfig;
use crate::error::Error;
use crate::error::describe;
use crate::journal::REDACTED;

/// How many callbacks may wait to be sent; past that, new ones are dropped (and journaled).
const QUEUE_CAPACITY: usize = 10_000;
/// The largest reply read from the app.
const MAX_REPLY_BYTES: usize = 64 << 10;

/// One callback as the emulator sent it, and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackEntry {
    /// Position in the callback journal, from 1.
    pub seq: u64,
    /// The `CallbackCommand`, e.g. `Sns.CallbackFriendAdd`.
    pub command: String,
    /// The application whose state changed (`SdkAppid`).
    pub sdkappid: u64,
    /// The URL posted to, with Tencent's query; the `Sign` value is replaced by `<redacted>`.
    pub url: String,
    /// `RequestTime`, Unix seconds from the emulator's clock.
    pub request_time: u64,
    /// `RequestId`, unique per callback.
    pub request_id: String,
    /// The JSON body sent.
    pub body: String,
    /// The HTTP status of the reply; `None` when none came (refused, timed out, dropped).
    pub status: Option<u16>,
    /// The reply body (invalid UTF-8 replaced), when one came.
    pub reply: Option<String>,
    /// Why the callback failed to get a reply (connection error, timeout, full queue).
    pub error: Option<String>,
}

impl CallbackEntry {
    /// The body as a typed event.
    pub fn event(&self) -> Option<CallbackEvent> {
        CallbackEvent::decode(self.body.as_bytes()).ok()
    }

    /// Whether the app acknowledged it: HTTP 200 and `{"ActionStatus":"OK","ErrorCode":0,...}`.
    pub fn is_acknowledged(&self) -> bool {
        self.status == Some(200)
            && self
                .reply
                .as_deref()
                .and_then(|r| CallbackResponse::decode(r.as_bytes()).ok())
                .is_some_and(|r| r.is_ok())
    }
}

/// A callback waiting to be sent.
struct Job {
    sdkappid: u64,
    event: CallbackEvent,
}

/// The queue, the journal and the counters the connections and the sender share.
pub(crate) struct CallbackHub {
    queue: mpsc::Sender<Job>,
    journal: Mutex<CallbackJournal>,
    /// Callbacks accepted on the queue.
    queued: AtomicU64,
    /// Callbacks finished (answered, failed or timed out), in queue order.
    done: watch::Sender<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CallbackHub {
    /// Checks the callback URL (plain `http://` with a host) and the token (1 to 128
    /// characters).
    pub(crate) fn validate(config: &CallbackConfig) -> Result<(), Error> {
        let base: Uri = config
            .url
            .parse()
            .map_err(|e| Error::Config(format!("callback URL {:?}: {e}", config.url)))?;
        if base.scheme_str() != Some("http") || base.authority().is_none() {
            return Err(Error::Config(format!(
                "callback URL {:?}: the emulator posts callbacks to plain http://host:port/path URLs",
                config.url
            )));
        }
        if let Some(token) = config.token() {
            CallbackToken::new(token).map_err(|e| Error::Config(e.to_string()))?;
        }
        Ok(())
    }

    /// Starts the sender task (on the current tokio runtime) for a configuration that
    /// [`validate`](Self::validate) accepted: `Emulator::start` checks it before binding.
    /// The journal keeps at most `journal_capacity` callbacks and `journal_max_bytes` of their
    /// text, as the request journal does.
    pub(crate) fn start(
        config: &CallbackConfig,
        clock: SharedClock,
        journal_capacity: usize,
        journal_max_bytes: usize,
    ) -> Result<(Arc<Self>, JoinHandle<()>), Error> {
        let (queue, jobs) = mpsc::channel(QUEUE_CAPACITY);
        let hub = Arc::new(Self {
            queue,
            journal: Mutex::new(CallbackJournal::new(journal_capacity, journal_max_bytes)),
            queued: AtomicU64::new(0),
            done: watch::Sender::new(0),
        });
        let sender = Sender {
            url: config.url.clone(),
            // Checked by `validate`: a token of the wrong length is refused before this.
            token: config.token().and_then(|t| CallbackToken::new(t).ok()),
            timeout: config.timeout,
            clock,
            client: Client::builder(TokioExecutor::new()).build_http(),
            id_prefix: std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish(),
            next_id: 0,
        };
        let task = tokio::spawn(sender.run(hub.clone(), jobs));
        Ok((hub, task))
    }

    /// Queues a callback without waiting. Call it under the state lock, right after the change
    /// it reports, so that callbacks leave in the order of the changes.
    pub(crate) fn enqueue(&self, sdkappid: u64, event: CallbackEvent) {
        match self.queue.try_send(Job { sdkappid, event }) {
            Ok(()) => {
                self.queued.fetch_add(1, Ordering::SeqCst);
            }
            Err(mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job)) => {
                let body = job.event.to_json();
                self.record(CallbackEntry {
                    seq: 0,
                    command: job.event.command().as_str().to_owned(),
                    sdkappid: job.sdkappid,
                    url: String::new(),
                    request_time: 0,
                    request_id: String::new(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                    status: None,
                    reply: None,
                    error: Some(format!(
                        "dropped: {QUEUE_CAPACITY} callbacks are already waiting"
                    )),
                });
            }
        }
    }

    /// Waits until every callback queued so far has been sent and answered, or has failed.
    pub(crate) async fn flush(&self) {
        let target = self.queued.load(Ordering::SeqCst);
        let mut done = self.done.subscribe();
        let _ = done.wait_for(|done| *done >= target).await;
    }

    pub(crate) fn entries(&self) -> Vec<CallbackEntry> {
        lock(&self.journal).entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        lock(&self.journal).clear();
    }

    fn record(&self, entry: CallbackEntry) {
        lock(&self.journal).push(entry);
    }
}

/// A bounded journal of callbacks: the oldest entries are dropped past the capacity or the
/// bytes, as in the request journal. An entry holds a body (about 50 KB for a friend_add of 1,000
/// pairs) and a reply of up to [`MAX_REPLY_BYTES`]: the capacity alone would let 10,000 of them
/// pin a gigabyte.
struct CallbackJournal {
    entries: VecDeque<CallbackEntry>,
    capacity: usize,
    /// The most text the entries may hold ([`text_len`]); the newest entry is kept whatever
    /// its size.
    max_bytes: usize,
    /// The text the entries hold now.
    bytes: usize,
    next_seq: u64,
}

/// The text a callback entry holds: what the byte bound counts.
fn text_len(entry: &CallbackEntry) -> usize {
    let optional = |text: &Option<String>| text.as_ref().map_or(0, String::len);
    entry.command.len()
        + entry.url.len()
        + entry.request_id.len()
        + entry.body.len()
        + optional(&entry.reply)
        + optional(&entry.error)
}

impl CallbackJournal {
    fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            max_bytes,
            bytes: 0,
            next_seq: 1,
        }
    }

    fn push(&mut self, mut entry: CallbackEntry) {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        if self.capacity == 0 {
            return;
        }
        let size = text_len(&entry);
        while self.entries.len() >= self.capacity
            || (!self.entries.is_empty() && self.bytes + size > self.max_bytes)
        {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= text_len(&old);
            }
        }
        self.bytes += size;
        self.entries.push_back(entry);
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

/// The one task that sends callbacks, in queue order.
struct Sender {
    url: String,
    token: Option<CallbackToken>,
    timeout: Duration,
    clock: SharedClock,
    client: Client<HttpConnector, Full<Bytes>>,
    id_prefix: u64,
    next_id: u64,
}

impl Sender {
    async fn run(mut self, hub: Arc<CallbackHub>, mut jobs: mpsc::Receiver<Job>) {
        while let Some(job) = jobs.recv().await {
            let entry = self.send(job).await;
            hub.record(entry);
            hub.done.send_modify(|done| *done += 1);
        }
    }

    async fn send(&mut self, job: Job) -> CallbackEntry {
        let command = job.event.command().as_str().to_owned();
        let body = job.event.to_json();
        let request_time = self.clock.now_unix();
        self.next_id += 1;
        let request_id = format!("{:016x}-{}", self.id_prefix, self.next_id);

        let sep = if !self.url.contains('?') {
            "?"
        } else if self.url.ends_with(['?', '&']) {
            ""
        } else {
            "&"
        };
        let mut query = format!(
            "SdkAppid={}&CallbackCommand={command}&contenttype=json&ClientIP=127.0.0.1\
             &OptPlatform=RESTAPI&RequestId={request_id}",
            job.sdkappid
        );
        let mut shown = query.clone();
        if let Some(token) = &self.token {
            let sign = token.sign(request_time);
            query.push_str(&format!("&RequestTime={request_time}&Sign={sign}"));
            shown.push_str(&format!("&RequestTime={request_time}&Sign={REDACTED}"));
        }
        let url = format!("{}{sep}{query}", self.url);

        let mut entry = CallbackEntry {
            seq: 0,
            command,
            sdkappid: job.sdkappid,
            url: format!("{}{sep}{shown}", self.url),
            request_time,
            request_id,
            body: String::from_utf8_lossy(&body).into_owned(),
            status: None,
            reply: None,
            error: None,
        };
        let request = url
            .parse::<Uri>()
            .map_err(|e| describe(&e))
            .and_then(|uri| {
                Request::post(uri)
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(Full::new(Bytes::from(body)))
                    .map_err(|e| describe(&e))
            });
        let request = match request {
            Ok(request) => request,
            Err(error) => {
                entry.error = Some(error);
                return entry;
            }
        };
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| describe(&e))?;
            let status = response.status().as_u16();
            let reply = Limited::new(response.into_body(), MAX_REPLY_BYTES)
                .collect()
                .await
                .map(|c| c.to_bytes());
            Ok::<_, String>((status, reply))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => {
                entry.error = Some(format!("no reply within {} ms", self.timeout.as_millis()));
            }
            Ok(Err(error)) => entry.error = Some(error),
            Ok(Ok((status, reply))) => {
                entry.status = Some(status);
                match reply {
                    Ok(reply) => entry.reply = Some(String::from_utf8_lossy(&reply).into_owned()),
                    Err(e) => {
                        entry.error = Some(format!("reading the reply: {}", describe(&*e)));
                    }
                }
            }
        }
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str, reply: Option<&str>) -> CallbackEntry {
        CallbackEntry {
            seq: 0,
            command: "Sns.X".into(),
            sdkappid: 1,
            url: String::new(),
            request_time: 0,
            request_id: String::new(),
            body: body.into(),
            status: None,
            reply: reply.map(Into::into),
            error: None,
        }
    }

    fn bodies(journal: &CallbackJournal) -> Vec<String> {
        journal.entries.iter().map(|e| e.body.clone()).collect()
    }

    #[test]
    fn journal_drops_the_oldest() {
        let mut journal = CallbackJournal::new(2, usize::MAX);
        for _ in 0..3 {
            journal.push(entry("", None));
        }
        let seqs: Vec<u64> = journal.entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [2, 3]);
    }

    #[test]
    fn the_oldest_entries_go_past_the_capacity_or_the_bytes() {
        // Each entry holds 5 bytes of command, its body and its reply.
        let mut journal = CallbackJournal::new(3, 100);
        for body in ["a", "b", "c", "d"] {
            journal.push(entry(body, None));
        }
        assert_eq!(bodies(&journal), ["b", "c", "d"]);
        // 5 + 1 + 84 bytes with its reply: one entry goes for the capacity, one more to stay
        // within 100 bytes.
        journal.push(entry("x", Some(&"r".repeat(84))));
        assert_eq!(bodies(&journal), ["d", "x"]);
        assert_eq!(journal.bytes, 6 + 90);
        // The error counts too: 10 more bytes, and the oldest goes.
        let mut failed = entry("e", None);
        failed.error = Some("oops".into());
        journal.push(failed);
        assert_eq!(bodies(&journal), ["x", "e"]);
        assert_eq!(journal.bytes, 90 + 10);
        // An entry over the whole bound is kept alone: the newest callback is always there.
        journal.push(entry(&"y".repeat(200), None));
        assert_eq!(bodies(&journal), ["y".repeat(200)]);
        assert_eq!(journal.entries[0].seq, 7);
        journal.clear();
        assert_eq!(journal.bytes, 0);
        assert!(journal.entries.is_empty());
        // Numbering goes on after a clear.
        journal.push(entry("f", None));
        assert_eq!(journal.entries[0].seq, 8);
        assert_eq!(journal.bytes, 6);
    }
}
