//! [`Report`]: one outcome per submitted item, in the caller's order, with every request made.

use std::fmt;

use tencent_im_protocol::report::Discrepancy;
use tencent_im_protocol::{ItemOutcome, ItemReport};

/// One HTTP request the client made for a call: what to give Tencent's support.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestRecord {
    /// The `random` query value, the same on every attempt of the request; `None` when nothing
    /// was sent (e.g. no UserSig could be had).
    pub random: Option<u32>,
    /// The host that answered (or was tried last), when known.
    pub host: Option<String>,
    /// How many items the request carried.
    pub items: usize,
    /// How many HTTP attempts it took.
    pub attempts: u32,
    /// 0 for a first send; 1, 2, … for resends of items that failed with a retryable code.
    pub round: u32,
    /// The whole-request failure, if the request failed (its items are reported failed),
    /// followed by what a gateway said when it answered with a status other than 2xx (its page's
    /// start, any UserSig redacted).
    pub error: Option<String>,
}

/// The trace of a call that sends one request and has no per-item results (account_import,
/// portrait_set).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// The `random` query value of the request.
    pub random: u32,
    /// The host that answered.
    pub host: String,
    /// How many HTTP attempts it took.
    pub attempts: u32,
}

impl<T> From<&tencent_im_transport::CallReply<T>> for Receipt {
    fn from(response: &tencent_im_transport::CallReply<T>) -> Self {
        Self {
            random: response.random(),
            host: response.host().to_owned(),
            attempts: response.attempts(),
        }
    }
}

/// What became of every item of a call: exactly one outcome per submitted item, in the order
/// the caller gave them, however many requests it took.
///
/// `O` is the command's outcome type, e.g. [`AddOutcome`](crate::AddOutcome) for friend_add:
/// added, pending, already friends, or failed with its code and retry class. `Display` prints
/// one line per item, then one per request with its `random`:
///
/// ```text
/// alice → bob: added
/// alice → carol: pending
/// alice → dave: failed (code 30516: Err_SNS_FriendAdd_Deny_Any) [permanent]
/// request random 2843096412 to 127.0.0.1:40515: 3 items, 1 attempt
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report<O> {
    /// The account the items were for (`From_Account`), for commands that have one.
    pub from: Option<String>,
    /// One entry per submitted item, in submission order.
    pub items: Vec<ItemReport<O>>,
    /// Every request made, in the order they were sent.
    pub requests: Vec<RequestRecord>,
    /// Disagreements within the replies (see [`Discrepancy`]); empty for consistent replies.
    pub discrepancies: Vec<Discrepancy>,
}

impl<O> Default for Report<O> {
    fn default() -> Self {
        Self {
            from: None,
            items: Vec::new(),
            requests: Vec::new(),
            discrepancies: Vec::new(),
        }
    }
}

impl<O: ItemOutcome> Report<O> {
    /// The items that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ItemReport<O>> {
        self.items.iter().filter(|i| !i.outcome.is_success())
    }

    /// How many items failed.
    pub fn failed_count(&self) -> usize {
        self.failed().count()
    }

    /// Whether every item ended well and every reply was consistent.
    pub fn is_complete_success(&self) -> bool {
        self.discrepancies.is_empty() && self.items.iter().all(|i| i.outcome.is_success())
    }

    /// The outcome of `account`, if it was submitted.
    pub fn outcome(&self, account: &str) -> Option<&O> {
        self.items
            .iter()
            .find(|i| i.account == account)
            .map(|i| &i.outcome)
    }
}

impl<O: ItemOutcome + fmt::Display> fmt::Display for Report<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            if let Some(from) = &self.from {
                write!(f, "{from} → ")?;
            }
            write!(f, "{}: {}", item.account, item.outcome)?;
            if let Some(failure) = item.outcome.failure() {
                write!(f, " [{}]", failure.class())?;
            }
            writeln!(f)?;
        }
        for d in &self.discrepancies {
            writeln!(f, "discrepancy: {d}")?;
        }
        for r in &self.requests {
            match r.random {
                Some(random) => write!(f, "request random {random}")?,
                None => f.write_str("request not sent")?,
            }
            if let Some(host) = &r.host {
                write!(f, " to {host}")?;
            }
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            write!(
                f,
                ": {} item{}, {} attempt{}",
                r.items,
                plural(r.items),
                r.attempts,
                plural(r.attempts as usize)
            )?;
            if r.round > 0 {
                write!(f, ", resend {}", r.round)?;
            }
            if let Some(e) = &r.error {
                write!(f, ", failed: {e}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
