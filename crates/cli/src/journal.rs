//! The journal of an import: an append-only file of JSON lines, one per settled item (its key,
//! its outcome and, for a failure, its code and info), written as the reports arrive, so that
//! an import stopped by Ctrl-C, `kill -9` or a crash resumes where it stood with the same
//! command line.
//!
//! The first line names the command (`{"tim_journal":1,"command":"friend import"}`), so that the
//! journal of one import is not taken for another's. Each report's lines are written with one
//! `write` and flushed to the operating system before the next report is handled (a killed
//! process loses nothing written); they are synced to the disk at most once a second and at the
//! end (a power cut may lose the last second: those items are sent again). A last line cut short
//! by a kill has no newline: it is ignored and cut off before anything is appended.
//!
//! A journal is read as a stream, one entry at a time, and handed to the caller: it is never held
//! in memory whole.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::output::Failure;

/// The journal format's version, in the first line.
const VERSION: u64 = 1;

/// How often appended lines are synced to the disk.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// Which item an entry is for: `from` and `to` of a friendship, or a UserID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    /// The sender (`from`) of a friend pair; `None` for an account.
    pub(crate) from: Option<String>,
    /// The target (`to`) of a friend pair, or the UserID.
    pub(crate) account: String,
}

impl Key {
    /// The key of a friend pair.
    pub(crate) fn pair(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            from: Some(from.into()),
            account: to.into(),
        }
    }

    /// The key of an account.
    pub(crate) fn account(user_id: impl Into<String>) -> Self {
        Self {
            from: None,
            account: user_id.into(),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.from {
            Some(from) => write!(f, "{from} → {}", self.account),
            None => f.write_str(&self.account),
        }
    }
}

/// One settled item: its outcome label (`added`, `failed`, …) and, for a failure, Tencent's
/// code and info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) outcome: String,
    pub(crate) code: Option<i64>,
    pub(crate) info: Option<String>,
}

impl Entry {
    /// The entry, borrowed.
    pub(crate) fn as_ref(&self) -> EntryRef<'_> {
        EntryRef {
            from: self.key.from.as_deref(),
            account: &self.key.account,
            outcome: &self.outcome,
            code: self.code,
            info: self.info.as_deref(),
        }
    }

    /// The entry of a journal line, if it is one.
    fn from_value(value: &Value) -> Option<Self> {
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let key = match (text("from"), text("to"), text("userid")) {
            (Some(from), Some(to), None) => Key::pair(from, to),
            (None, None, Some(user_id)) => Key::account(user_id),
            _ => return None,
        };
        Some(Self {
            key,
            outcome: text("outcome")?,
            code: value.get("code").and_then(Value::as_i64),
            info: text("info"),
        })
    }
}

/// An entry of the journal, borrowed from the line it was read from (or from an [`Entry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryRef<'a> {
    /// The sender of a friend pair; `None` for an account.
    pub(crate) from: Option<&'a str>,
    /// The target of a friend pair, or the UserID.
    pub(crate) account: &'a str,
    pub(crate) outcome: &'a str,
    pub(crate) code: Option<i64>,
    pub(crate) info: Option<&'a str>,
}

impl EntryRef<'_> {
    /// The entry, owned.
    pub(crate) fn to_entry(self) -> Entry {
        Entry {
            key: Key {
                from: self.from.map(str::to_owned),
                account: self.account.to_owned(),
            },
            outcome: self.outcome.to_owned(),
            code: self.code,
            info: self.info.map(str::to_owned),
        }
    }

    /// Appends the entry as a journal line, newline included: an object with its keys in
    /// alphabetical order (`code`, `from`, `info`, `outcome`, `to`; `userid` for an account).
    fn write_line(self, out: &mut Vec<u8>) {
        // Writing JSON strings and integers to a Vec cannot fail.
        let string = |out: &mut Vec<u8>, name: &str, value: &str| {
            out.extend_from_slice(name.as_bytes());
            let _ = serde_json::to_writer(&mut *out, value);
        };
        out.push(b'{');
        if let Some(code) = self.code {
            out.extend_from_slice(format!("\"code\":{code},").as_bytes());
        }
        if let Some(from) = self.from {
            string(out, "\"from\":", from);
            out.push(b',');
        }
        if let Some(info) = self.info {
            string(out, "\"info\":", info);
            out.push(b',');
        }
        string(out, "\"outcome\":", self.outcome);
        match self.from {
            Some(_) => string(out, ",\"to\":", self.account),
            None => string(out, ",\"userid\":", self.account),
        }
        out.extend_from_slice(b"}\n");
    }
}

/// A journal line as it is usually written: its strings borrowed when they hold no escape.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    from: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    to: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    userid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    outcome: Option<Cow<'a, str>>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(borrow, default)]
    info: Option<Cow<'a, str>>,
}

impl Line<'_> {
    /// The entry, if the line is one.
    fn entry(&self) -> Option<EntryRef<'_>> {
        let (from, account) = match (&self.from, &self.to, &self.userid) {
            (Some(from), Some(to), None) => (Some(from.as_ref()), to.as_ref()),
            (None, None, Some(user_id)) => (None, user_id.as_ref()),
            _ => return None,
        };
        Some(EntryRef {
            from,
            account,
            outcome: self.outcome.as_deref()?,
            code: self.code,
            info: self.info.as_deref(),
        })
    }
}

/// Where a journal stands, as read: what [`Journal::open`] needs to append to it.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// How many entries it holds (a key settled twice counts twice).
    pub(crate) entries: u64,
    /// The length of the complete lines: a torn last line starts here.
    valid_len: u64,
    /// Whether there is a file with a header.
    has_header: bool,
}

/// Reads the journal at `path` of `command` (`friend import`, `account import`) and hands each
/// entry to `each`, in the order written (of two entries of one key, the last one holds); an
/// absent file holds nothing.
pub(crate) fn load(
    path: &Path,
    command: &str,
    mut each: impl FnMut(EntryRef<'_>),
) -> Result<Loaded, Failure> {
    let cannot = |e: std::io::Error| {
        Failure::usage(format!("cannot read the journal {}: {e}", path.display()))
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(e) => return Err(cannot(e)),
    };
    let mut reader = BufReader::with_capacity(256 << 10, file);
    let damaged = |line: usize, why: &str| {
        Failure::usage(format!(
            "the journal {} is damaged at line {line}: {why} (was it written by another program?)",
            path.display()
        ))
    };
    let mut loaded = Loaded::default();
    let mut bytes = Vec::new();
    let mut line = 0;
    loop {
        bytes.clear();
        let n = reader.read_until(b'\n', &mut bytes).map_err(cannot)?;
        // Only the complete lines count: a last line without its newline was cut short by a
        // kill.
        let Some(raw) = bytes.strip_suffix(b"\n") else {
            break;
        };
        line += 1;
        loaded.valid_len += n as u64;
        if raw.is_empty() {
            continue;
        }
        if line > 1 {
            // The usual line, read without building a JSON value; anything else (a key twice,
            // a value of another type) the slow way, as a value.
            if let Ok(parsed) = serde_json::from_slice::<Line<'_>>(raw) {
                if let Some(entry) = parsed.entry() {
                    loaded.entries += 1;
                    each(entry);
                    continue;
                }
            }
        }
        let value: Value =
            serde_json::from_slice(raw).map_err(|e| damaged(line, &format!("not JSON ({e})")))?;
        if line == 1 {
            let version = value.get("tim_journal").and_then(Value::as_u64);
            let of = value.get("command").and_then(Value::as_str);
            match (version, of) {
                (Some(VERSION), Some(of)) if of == command => {
                    loaded.has_header = true;
                    continue;
                }
                (Some(VERSION), Some(of)) => {
                    return Err(Failure::usage(format!(
                        "{} is the journal of a `tim {of}`, not of a `tim {command}`: give this import a journal of its own",
                        path.display()
                    )));
                }
                (Some(v), _) => {
                    return Err(Failure::usage(format!(
                        "the journal {} has version {v}; this tim reads version {VERSION}",
                        path.display()
                    )));
                }
                _ => {
                    return Err(Failure::usage(format!(
                        "{} is not a tim journal (its first line is not a journal header)",
                        path.display()
                    )));
                }
            }
        }
        let entry = Entry::from_value(&value)
            .ok_or_else(|| damaged(line, "not an entry with its key and outcome"))?;
        loaded.entries += 1;
        each(entry.as_ref());
    }
    Ok(loaded)
}

/// A journal open for appending.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    buffer: Vec<u8>,
    /// Entries in `buffer`.
    buffered: u64,
    /// Entries written to the file since it was opened.
    written: u64,
    last_sync: Instant,
    dirty: bool,
}

impl Journal {
    /// Opens the journal at `path` to append to what `loaded` read: cuts off a torn last line,
    /// writes the header to a new or empty file.
    pub(crate) fn open(path: &Path, command: &str, loaded: &Loaded) -> Result<Self, Failure> {
        let fail = |e: std::io::Error| {
            Failure::usage(format!("cannot write the journal {}: {e}", path.display()))
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(fail)?;
        let len = file.metadata().map_err(fail)?.len();
        if len > loaded.valid_len {
            // A last line cut short by a kill: appending after it would glue two lines.
            file.set_len(loaded.valid_len).map_err(fail)?;
        }
        let mut journal = Self {
            path: path.to_owned(),
            file,
            buffer: Vec::new(),
            buffered: 0,
            written: 0,
            last_sync: Instant::now(),
            dirty: false,
        };
        if !loaded.has_header {
            if loaded.valid_len > 0 {
                return Err(Failure::usage(format!(
                    "{} is not a tim journal",
                    path.display()
                )));
            }
            journal.buffer =
                format!("{}\n", json!({"tim_journal": VERSION, "command": command})).into_bytes();
            journal.flush()?;
        }
        Ok(journal)
    }

    /// Adds `entry` to what the next [`flush`](Self::flush) writes.
    pub(crate) fn record(&mut self, entry: EntryRef<'_>) {
        entry.write_line(&mut self.buffer);
        self.buffered += 1;
    }

    /// How many entries were written to the file since it was opened (those recorded and not
    /// yet written, e.g. after a write error, are not counted).
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Writes the recorded entries with one `write` (a kill cuts at most the last line) and
    /// syncs them to the disk if the last sync is a second old.
    pub(crate) fn flush(&mut self) -> Result<(), Failure> {
        if !self.buffer.is_empty() {
            self.file
                .write_all(&self.buffer)
                .map_err(|e| self.error(&e))?;
            self.buffer.clear();
            self.written += std::mem::take(&mut self.buffered);
            self.dirty = true;
        }
        if self.dirty && self.last_sync.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(())
    }

    /// Writes what is recorded and syncs it to the disk.
    pub(crate) fn sync(&mut self) -> Result<(), Failure> {
        if !self.buffer.is_empty() {
            self.file
                .write_all(&self.buffer)
                .map_err(|e| self.error(&e))?;
            self.buffer.clear();
            self.written += std::mem::take(&mut self.buffered);
        }
        self.file.sync_data().map_err(|e| self.error(&e))?;
        self.last_sync = Instant::now();
        self.dirty = false;
        Ok(())
    }

    /// A write error, naming the journal.
    fn error(&self, e: &std::io::Error) -> Failure {
        Failure::usage(format!(
            "cannot write the journal {}: {e}",
            self.path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tim-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    /// The journal's state and its entries, the last of each key winning.
    fn read(path: &Path, command: &str) -> Result<(Loaded, HashMap<Key, Entry>), Failure> {
        let mut entries = HashMap::new();
        let loaded = load(path, command, |e| {
            let e = e.to_entry();
            entries.insert(e.key.clone(), e);
        })?;
        Ok((loaded, entries))
    }

    fn entry(from: &str, to: &str, outcome: &str) -> Entry {
        Entry {
            key: Key::pair(from, to),
            outcome: outcome.into(),
            code: (outcome == "failed").then_some(30516),
            info: (outcome == "failed").then(|| "Err_SNS_FriendAdd_Deny_Any".to_owned()),
        }
    }

    #[test]
    fn entries_survive_a_reopen_and_a_torn_line_is_cut() {
        let path = temp("torn");
        let (loaded, entries) = read(&path, "friend import").unwrap();
        assert!(entries.is_empty());
        let mut journal = Journal::open(&path, "friend import", &loaded).unwrap();
        journal.record(entry("alice", "bob", "added").as_ref());
        journal.record(entry("alice", "dave", "failed").as_ref());
        assert_eq!(journal.written(), 0, "recorded, not yet written");
        journal.flush().unwrap();
        assert_eq!(journal.written(), 2);
        drop(journal);
        // A kill in the middle of a write.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"from\":\"alice\",\"to\":\"ca").unwrap();
        drop(file);

        let (loaded, entries) = read(&path, "friend import").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(loaded.entries, 2);
        assert_eq!(
            entries.get(&Key::pair("alice", "dave")),
            Some(&entry("alice", "dave", "failed"))
        );
        let mut journal = Journal::open(&path, "friend import", &loaded).unwrap();
        journal.record(entry("alice", "carol", "pending").as_ref());
        journal.sync().unwrap();
        assert_eq!(journal.written(), 1, "counted from the opening");
        let (_, entries) = read(&path, "friend import").unwrap();
        assert_eq!(entries.len(), 3);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn another_commands_journal_or_damage_is_refused() {
        let path = temp("other");
        let (loaded, _) = read(&path, "account import").unwrap();
        Journal::open(&path, "account import", &loaded).unwrap();
        let err = read(&path, "friend import").unwrap_err();
        assert!(
            err.message.contains("journal of a `tim account import`"),
            "{}",
            err.message
        );

        std::fs::write(
            &path,
            "{\"tim_journal\":1,\"command\":\"friend import\"}\nnot json\n{}\n",
        )
        .unwrap();
        let err = read(&path, "friend import").unwrap_err();
        assert!(err.message.contains("damaged at line 2"), "{}", err.message);
        let _ = std::fs::remove_file(&path);
    }

    /// The lines written are those a JSON object with sorted keys gives (the journal's format
    /// since its first version), and read back the same, escapes included.
    #[test]
    fn lines_are_sorted_json_objects_and_read_back() {
        let entries = [
            entry("alice", "bob", "added"),
            entry("al\"ice", "b\\o\nb", "failed"),
            Entry {
                key: Key::account("u1 é"),
                outcome: "failed".into(),
                code: Some(-7),
                info: Some("tab\there".into()),
            },
            Entry {
                key: Key::account("u2"),
                outcome: "imported".into(),
                code: None,
                info: None,
            },
        ];
        for e in &entries {
            let mut expected = serde_json::Map::new();
            match &e.key.from {
                Some(from) => {
                    expected.insert("from".into(), json!(from));
                    expected.insert("to".into(), json!(e.key.account));
                }
                None => {
                    expected.insert("userid".into(), json!(e.key.account));
                }
            }
            expected.insert("outcome".into(), json!(e.outcome));
            if let Some(code) = e.code {
                expected.insert("code".into(), json!(code));
            }
            if let Some(info) = &e.info {
                expected.insert("info".into(), json!(info));
            }
            let mut line = Vec::new();
            e.as_ref().write_line(&mut line);
            assert_eq!(
                String::from_utf8(line.clone()).unwrap(),
                format!("{}\n", Value::Object(expected))
            );
            let parsed: Line<'_> = serde_json::from_slice(&line).unwrap();
            assert_eq!(parsed.entry().unwrap().to_entry(), *e);
        }
        // A line the fast path does not take (a key twice, a code that is not an integer) is
        // read as a JSON value, as it always was.
        let path = temp("odd");
        std::fs::write(
            &path,
            "{\"tim_journal\":1,\"command\":\"friend import\"}\n{\"from\":\"a\",\"to\":\"b\",\"outcome\":\"added\",\"code\":1.5,\"x\":[1]}\n{\"from\":\"a\",\"to\":\"c\",\"to\":\"d\",\"outcome\":\"added\"}\n",
        )
        .unwrap();
        let (loaded, got) = read(&path, "friend import").unwrap();
        assert_eq!(loaded.entries, 2);
        assert_eq!(got[&Key::pair("a", "b")].code, None);
        assert!(got.contains_key(&Key::pair("a", "d")));
        let _ = std::fs::remove_file(&path);
    }
}
