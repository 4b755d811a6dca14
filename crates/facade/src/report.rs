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
/// one line per item, then one per request, named as `tim` and this crate's errors name it,
/// `random N, host H`:
///
/// ```text
/// alice → bob: added
/// alice → carol: pending
/// alice → dave: failed (code 30516: Err_SNS_FriendAdd_Deny_Any) [permanent]
/// request random 2843096412, host 127.0.0.1:40515: 3 items, 1 attempt
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
                write!(f, ", host {host}")?;
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

#[cfg(test)]
mod tests {
    use tencent_im_protocol::sns::AddOutcome;
    use tencent_im_protocol::{ErrorCode, ItemFailure};

    use super::*;

    fn request(random: Option<u32>, host: Option<&str>) -> RequestRecord {
        RequestRecord {
            random,
            host: host.map(str::to_owned),
            items: 2,
            attempts: 1,
            round: 0,
            error: None,
        }
    }

    #[test]
    fn a_request_is_named_random_n_host_h() {
        let mut failed = request(None, Some("127.0.0.1:9"));
        failed.attempts = 0;
        failed.error = Some("no UserSig".to_owned());
        let mut resent = request(Some(7), None);
        resent.items = 1;
        resent.round = 1;
        let report = Report {
            from: Some("alice".to_owned()),
            items: vec![
                ItemReport::new("bob", AddOutcome::Added),
                ItemReport::new(
                    "dave",
                    AddOutcome::Failed(ItemFailure::new(
                        ErrorCode::new(30516),
                        "Err_SNS_FriendAdd_Deny_Any",
                    )),
                ),
            ],
            requests: vec![
                request(Some(2843096412), Some("127.0.0.1:40515")),
                resent,
                failed,
            ],
            discrepancies: Vec::new(),
        };
        assert_eq!(
            report.to_string(),
            "alice → bob: added\n\
             alice → dave: failed (code 30516: Err_SNS_FriendAdd_Deny_Any) [permanent]\n\
             request random 2843096412, host 127.0.0.1:40515: 2 items, 1 attempt\n\
             request random 7: 1 item, 1 attempt, resend 1\n\
             request not sent, host 127.0.0.1:9: 2 items, 0 attempts, failed: no UserSig\n"
        );
    }
}
