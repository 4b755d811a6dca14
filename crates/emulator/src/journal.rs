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
    /// The request body (invalid UTF-8 replaced); past [`JOURNAL_BODY_MAX_BYTES`], its start
    /// and how long it was, e.g. `{"From_Account":… (1048576 bytes in all)`.
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

/// How much of a request body the journal keeps: 64 KiB. The journal holds up to
/// `journal_capacity` entries and `journal_max_bytes` of text; whole bodies of up to 8 MiB each
/// would let a client pin gigabytes.
pub const JOURNAL_BODY_MAX_BYTES: usize = 64 << 10;

/// The journal's text of `body`: all of it up to [`JOURNAL_BODY_MAX_BYTES`], else its start and
/// its length.
pub(crate) fn body_text(body: &[u8]) -> String {
    if body.len() <= JOURNAL_BODY_MAX_BYTES {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut text = String::from_utf8_lossy(&body[..JOURNAL_BODY_MAX_BYTES]).into_owned();
    text.push_str(&format!("… ({} bytes in all)", body.len()));
    text
}

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

/// A bounded journal: the oldest entries are dropped past the capacity or the bytes.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<JournalEntry>,
    capacity: usize,
    /// The most text the entries may hold ([`text_len`]); the newest entry is kept whatever
    /// its size.
    max_bytes: usize,
    /// The text the entries hold now.
    bytes: usize,
    next_seq: u64,
}

/// The text an entry holds: what the byte bound counts.
fn text_len(entry: &JournalEntry) -> usize {
    entry.method.len() + entry.path.len() + entry.query.len() + entry.body.len()
}

impl Journal {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            max_bytes,
            bytes: 0,
            next_seq: 1,
        }
    }

    pub(crate) fn push(&mut self, mut entry: JournalEntry) {
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

    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
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
    fn a_long_body_is_kept_in_part_with_its_length() {
        assert_eq!(body_text(b"{}"), "{}");
        let long = vec![b'x'; JOURNAL_BODY_MAX_BYTES + 10];
        let text = body_text(&long);
        assert!(text.starts_with("xxx"));
        assert!(
            text.ends_with(&format!("… ({} bytes in all)", long.len())),
            "{}",
            &text[text.len() - 40..]
        );
        assert!(text.len() < JOURNAL_BODY_MAX_BYTES + 40);
        // A cut in the middle of a character is replaced, not a panic.
        let mut utf8 = vec![b'a'; JOURNAL_BODY_MAX_BYTES - 1];
        utf8.extend_from_slice("é and more".as_bytes());
        assert!(body_text(&utf8).contains('\u{fffd}'));
    }

    #[test]
    fn journal_drops_the_oldest() {
        let mut j = Journal::new(2, usize::MAX);
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

    fn entry(body: &str) -> JournalEntry {
        JournalEntry {
            seq: 0,
            method: "POST".into(),
            path: "/p".into(),
            query: String::new(),
            body: body.into(),
            status: 200,
            error_code: Some(0),
            fault: None,
        }
    }

    #[test]
    fn the_oldest_entries_go_past_the_capacity_or_the_bytes() {
        // Each entry holds 6 bytes of method and path, and its body.
        let mut journal = Journal::new(3, 100);
        for body in ["a", "b", "c", "d"] {
            journal.push(entry(body));
        }
        let bodies = |j: &Journal| j.entries().into_iter().map(|e| e.body).collect::<Vec<_>>();
        assert_eq!(bodies(&journal), ["b", "c", "d"]);
        // 81 + 6 bytes: one entry goes for the capacity, one more to stay within 100 bytes.
        journal.push(entry(&"x".repeat(81)));
        assert_eq!(bodies(&journal), ["d", "x".repeat(81).as_str()]);
        assert_eq!(journal.bytes, 7 + 87);
        // An entry over the whole bound is kept alone: the newest request is always there.
        journal.push(entry(&"y".repeat(200)));
        assert_eq!(bodies(&journal), ["y".repeat(200)]);
        assert_eq!(journal.entries()[0].seq, 6);
        journal.clear();
        assert_eq!(journal.bytes, 0);
    }
}
