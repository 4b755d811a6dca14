//! The request journal: what each request asked and how it was answered, without its UserSig.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::fault::FaultKind;

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// Position in the journal, from 1.
    pub seq: u64,
    /// The HTTP method.
    pub method: String,
    /// The URL path, e.g. `/v4/sns/friend_add`.
    pub path: String,
    /// The query string with the `usersig` value replaced by `<redacted>`.
    pub query: String,
    /// The request body (invalid UTF-8 replaced).
    pub body: String,
    /// The HTTP status sent; 0 when the connection was dropped before the response.
    pub status: u16,
    /// The `ErrorCode` of the reply, when the reply was a JSON envelope.
    pub error_code: Option<i64>,
    /// The fault injected into this request, if any.
    pub fault: Option<FaultKind>,
}

/// The text that replaces a UserSig in the journal.
pub const REDACTED: &str = "<redacted>";

/// `query` with the value of every `usersig` parameter (any letter case) replaced by
/// `<redacted>`.
///
/// ```
/// use tencent_im_emulator::redact_query;
///
/// assert_eq!(
///     redact_query("sdkappid=1&usersig=eJyrVkrxCVYqSc3NzFOyUjI0NjA0MDI1MzQ3MTFQqgUAkk8K4Q__&random=7"),
///     "sdkappid=1&usersig=<redacted>&random=7"
/// );
/// ```
pub fn redact_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("usersig") => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(pair),
        }
    }
    out
}

/// A bounded journal: the oldest entries are dropped past the capacity.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<JournalEntry>,
    capacity: usize,
    next_seq: u64,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            next_seq: 1,
        }
    }

    pub(crate) fn push(&mut self, mut entry: JournalEntry) {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        if self.capacity == 0 {
            return;
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usersig_is_redacted_in_any_case_and_position() {
        assert_eq!(
            redact_query("usersig=abc&userSig=def&UserSig&x=usersig=1"),
            "usersig=<redacted>&userSig=<redacted>&UserSig&x=usersig=1"
        );
        assert_eq!(redact_query(""), "");
        assert!(!redact_query("a=1&usersig=secret*sig_").contains("secret"));
    }

    #[test]
    fn journal_drops_the_oldest() {
        let mut j = Journal::new(2);
        for _ in 0..3 {
            j.push(JournalEntry {
                seq: 0,
                method: "POST".into(),
                path: "/".into(),
                query: String::new(),
                body: String::new(),
                status: 200,
                error_code: None,
                fault: None,
            });
        }
        let seqs: Vec<u64> = j.entries().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [2, 3]);
    }
}
