//! How a list call is carried out: split at the item cap, sent one part after the other while
//! holding the sender's write lock, items that failed with a retryable item code resent, and
//! every outcome put back at its index in the caller's list.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use tencent_im_protocol::{ErrorClass, ItemFailure, ItemOutcome, ItemReport, ListCommand};
use tokio::sync::{Mutex as AsyncMutex, MutexGuard};

use crate::client::Client;
use crate::error::Error;
use crate::report::{Report, RequestRecord};

/// How items that failed with a retryable item code (30006, 30007, 30008) are resent: at most
/// `max_rounds` more times, waiting `base_delay × 2^round` (at most `max_delay`) before each.
///
/// ```
/// use std::time::Duration;
/// use tencent_im::ItemRetry;
///
/// let retry = ItemRetry::default().max_rounds(5).delays(Duration::from_millis(50), Duration::from_secs(1));
/// assert_eq!(retry.delay(0), Duration::from_millis(50));
/// assert_eq!(retry.delay(3), Duration::from_millis(400));
/// assert_eq!(retry.delay(10), Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRetry {
    max_rounds: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for ItemRetry {
    fn default() -> Self {
        Self {
            max_rounds: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl ItemRetry {
    /// No resending: items keep their first outcome.
    pub fn never() -> Self {
        Self::default().max_rounds(0)
    }

    /// How many times failed items may be resent (default 3).
    #[must_use]
    pub fn max_rounds(mut self, rounds: u32) -> Self {
        self.max_rounds = rounds;
        self
    }

    /// The wait before the first resend and the longest wait (defaults 100 ms and 2 s).
    #[must_use]
    pub fn delays(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// The wait before resend number `round + 1`.
    pub fn delay(&self, round: u32) -> Duration {
        let factor = 1u32.checked_shl(round.min(31)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    pub(crate) fn get_max_rounds(&self) -> u32 {
        self.max_rounds
    }
}

/// Whether an item that failed so is worth resending: 30006 and 30007 (transient) and 30008
/// (a write conflict), by their code. Whole-request failures were already retried by the
/// transport.
fn resend(failure: &ItemFailure) -> bool {
    failure.code.is_some()
        && matches!(
            failure.class(),
            ErrorClass::Transient | ErrorClass::WriteConflict
        )
}

/// How many write locks a client keeps (see [`SenderLocks`]).
const SENDER_LOCKS: usize = 1024;

/// The write locks that keep one sender's writes from overlapping (30008) while different
/// senders run at once: a fixed set of locks, each `From_Account` always taking the one its
/// keyed hash (SipHash with this client's random keys) picks. Nothing is allocated or swept per
/// sender; two senders that share a lock (1 in 1,024 for a pair) only wait for each other.
/// (For the facade's CPU target in `docs/benchmarks.md`: a table of one lock per sender cost an
/// allocation and two hashes per call.)
#[derive(Debug)]
pub(crate) struct SenderLocks {
    keys: RandomState,
    locks: Box<[AsyncMutex<()>]>,
}

impl Default for SenderLocks {
    fn default() -> Self {
        Self {
            keys: RandomState::new(),
            locks: (0..SENDER_LOCKS).map(|_| AsyncMutex::new(())).collect(),
        }
    }
}

impl SenderLocks {
    pub(crate) async fn lock(&self, from: &str) -> MutexGuard<'_, ()> {
        // The remainder is below SENDER_LOCKS, so the conversion never truncates.
        let index = (self.keys.hash_one(from) % SENDER_LOCKS as u64) as usize;
        self.locks[index].lock().await
    }
}

/// What a list call is: a write of its `From_Account` or not, and whether failed items may be
/// resent.
pub(crate) struct Spec {
    /// Whether the call's writes are serialized with the other writes for its `From_Account`.
    pub(crate) serialize: bool,
    /// Whether items failing with 30006/30007/30008 are resent (retry-safe writes only).
    pub(crate) resend_items: bool,
}

impl Spec {
    /// A write for the call's `From_Account`: serialized with its other writes, items failing
    /// with 30006, 30007 or 30008 resent (the writes of this crate end well when repeated).
    pub(crate) fn write() -> Self {
        Self {
            serialize: true,
            resend_items: true,
        }
    }

    /// A read, or an account command: neither serialized nor resent item by item.
    pub(crate) fn read() -> Self {
        Self {
            serialize: false,
            resend_items: false,
        }
    }
}

/// A finished list call: the report, and the first whole-request failure if no request
/// succeeded (then nothing was applied).
pub(crate) struct Run<O> {
    pub(crate) report: Report<O>,
    pub(crate) failure: Option<Error>,
}

impl<O> Run<O> {
    /// The report, or the error when every request failed.
    pub(crate) fn into_result(self) -> Result<Report<O>, Error> {
        match self.failure {
            Some(e) => Err(e),
            None => Ok(self.report),
        }
    }
}

/// Sends `request` (already validated as a whole) for `from` in parts of at most the client's
/// cap.
pub(crate) async fn run<C>(
    client: &Client,
    request: C,
    from: Option<String>,
    spec: Spec,
) -> Run<C::Outcome>
where
    C: ListCommand + Sync,
{
    let _guard = match from.as_deref().filter(|_| spec.serialize) {
        Some(writer) => Some(client.inner.locks.lock(writer).await),
        None => None,
    };
    let total = request.items().len();
    let mut slots: Vec<Option<ItemReport<C::Outcome>>> = Vec::with_capacity(total);
    slots.resize_with(total, || None);
    let mut report = Report {
        from,
        ..Report::default()
    };
    let mut first_error = None;
    let mut succeeded = 0usize;
    let cap = client.cap::<C>();
    let mut offset = 0;
    // A request within the cap is sent as it is, not copied into a one-part split.
    let split;
    let parts: &[C] = if total > cap {
        split = request.split(cap);
        &split
    } else {
        std::slice::from_ref(&request)
    };
    for part in parts {
        let len = part.items().len();
        let ok = send_part(
            client,
            part,
            &mut slots[offset..offset + len],
            &mut report,
            &spec,
            &mut first_error,
        )
        .await;
        succeeded += usize::from(ok);
        offset += len;
    }
    report.items = slots
        .into_iter()
        .zip(request.items())
        .map(|(slot, item)| {
            slot.unwrap_or_else(|| {
                // Unreachable by construction; reported rather than lost.
                ItemReport::new(
                    C::account(item),
                    C::Outcome::from_failure(ItemFailure::without_code(
                        "not sent",
                        ErrorClass::Transient,
                    )),
                )
            })
        })
        .collect();
    let failure = if succeeded == 0 { first_error } else { None };
    Run { report, failure }
}

/// Sends one part and its resends; fills `slots` (the part's items). Returns whether its first
/// request succeeded.
async fn send_part<C>(
    client: &Client,
    part: &C,
    slots: &mut [Option<ItemReport<C::Outcome>>],
    report: &mut Report<C::Outcome>,
    spec: &Spec,
    first_error: &mut Option<Error>,
) -> bool
where
    C: ListCommand + Sync,
{
    let retry = client.inner.item_retry;
    // Indices (in the part) of the items the current request carries.
    let mut pending: Vec<usize> = (0..slots.len()).collect();
    let mut current: Option<C> = None;
    let mut round = 0u32;
    loop {
        let cmd = current.as_ref().unwrap_or(part);
        match client.inner.transport.execute(cmd).await {
            Ok(response) => {
                report.requests.push(RequestRecord {
                    random: Some(response.random()),
                    host: Some(response.host().to_owned()),
                    items: pending.len(),
                    attempts: response.attempts(),
                    round,
                    error: None,
                });
                let part_report = C::report(response.body(), cmd);
                report.discrepancies.extend(part_report.discrepancies);
                let mut again = Vec::new();
                for (k, item) in part_report.items.into_iter().enumerate() {
                    let Some(&index) = pending.get(k) else { break };
                    if spec.resend_items && item.outcome.failure().is_some_and(resend) {
                        again.push(index);
                    }
                    slots[index] = Some(item);
                }
                if again.is_empty() || round >= retry.get_max_rounds() {
                    return true;
                }
                tracing::debug!(
                    items = again.len(),
                    round,
                    "resending items that failed with a retryable code"
                );
                tokio::time::sleep(retry.delay(round)).await;
                current = Some(part.select(&again));
                pending = again;
                round += 1;
            }
            Err(e) => {
                let e = Error::transport(e);
                report.requests.push(RequestRecord {
                    random: e.random(),
                    host: e.host().map(str::to_owned),
                    items: pending.len(),
                    attempts: e.attempts(),
                    round,
                    error: Some(request_error(&e)),
                });
                let items = cmd.items();
                for (k, &index) in pending.iter().enumerate() {
                    let failure = request_failure(&e);
                    let account = slots[index]
                        .as_ref()
                        .map(|s| s.account.clone())
                        .unwrap_or_else(|| C::account(&items[k]).to_owned());
                    slots[index] =
                        Some(ItemReport::new(account, C::Outcome::from_failure(failure)));
                }
                let first = round == 0;
                if first_error.is_none() {
                    *first_error = Some(e);
                }
                return !first;
            }
        }
    }
}

/// The text of a request that failed with `e`: the error, and what a gateway said.
fn request_error(e: &Error) -> String {
    match e.status_body() {
        Some(said) => format!("{e}: {said}"),
        None => e.to_string(),
    }
}

/// The failure of an item whose whole request failed with `e`.
fn request_failure(e: &Error) -> ItemFailure {
    let info = format!("the request failed: {e}");
    match e.api_code() {
        Some(code) => ItemFailure::new(code, info),
        None => ItemFailure::without_code(info, e.class()),
    }
}

/// Validates `request` as a whole, then [`run`]s it: the report, or the first error when no
/// request succeeded.
pub(crate) async fn call<C>(
    client: &Client,
    request: C,
    from: Option<String>,
    spec: Spec,
) -> Result<Report<C::Outcome>, Error>
where
    C: ListCommand + Sync,
{
    request.validate_uncapped().map_err(Error::validation)?;
    run(client, request, from, spec).await.into_result()
}

/// The accounts of `accounts` as owned strings: lists of `&str`, `String` or `&&str` alike.
pub(crate) fn owned<I>(accounts: I) -> impl Iterator<Item = String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    accounts.into_iter().map(|a| a.as_ref().to_owned())
}
