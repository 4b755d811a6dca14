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

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

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
    /// The entry as a journal line, newline included.
    fn to_line(&self) -> String {
        let mut line = Map::new();
        match &self.key.from {
            Some(from) => {
                line.insert("from".into(), json!(from));
                line.insert("to".into(), json!(self.key.account));
            }
            None => {
                line.insert("userid".into(), json!(self.key.account));
            }
        }
        line.insert("outcome".into(), json!(self.outcome));
        if let Some(code) = self.code {
            line.insert("code".into(), json!(code));
        }
        if let Some(info) = &self.info {
            line.insert("info".into(), json!(info));
        }
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        text
    }

    /// The entry of a journal line, if it is one.
    fn from_line(value: &Value) -> Option<Self> {
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

/// What a journal holds: the settled items, the last entry of each key winning.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub(crate) entries: HashMap<Key, Entry>,
    /// The length of the complete lines: a torn last line starts here.
    valid_len: u64,
    /// Whether there is a file with a header.
    has_header: bool,
}

/// Reads the journal at `path` of `command` (`friend import`, `account import`); an absent file
/// holds nothing.
pub(crate) fn load(path: &Path, command: &str) -> Result<Loaded, Failure> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(e) => {
            return Err(Failure::usage(format!(
                "cannot read the journal {}: {e}",
                path.display()
            )));
        }
    };
    let damaged = |line: usize, why: &str| {
        Failure::usage(format!(
            "the journal {} is damaged at line {line}: {why} (was it written by another program?)",
            path.display()
        ))
    };
    // Only the complete lines count: a last line without its newline was cut short by a kill.
    let complete = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(end) => &bytes[..=end],
        None => &[][..],
    };
    let mut loaded = Loaded {
        valid_len: complete.len() as u64,
        ..Loaded::default()
    };
    for (i, raw) in complete.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        if raw.is_empty() {
            continue;
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
        let entry = Entry::from_line(&value)
            .ok_or_else(|| damaged(line, "not an entry with its key and outcome"))?;
        loaded.entries.insert(entry.key.clone(), entry);
    }
    Ok(loaded)
}

/// A journal open for appending.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    buffer: String,
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
            buffer: String::new(),
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
            journal.buffer = format!("{}\n", json!({"tim_journal": VERSION, "command": command}));
            journal.flush()?;
        }
        Ok(journal)
    }

    /// Adds `entry` to what the next [`flush`](Self::flush) writes.
    pub(crate) fn record(&mut self, entry: &Entry) {
        self.buffer.push_str(&entry.to_line());
    }

    /// Writes the recorded entries with one `write` (a kill cuts at most the last line) and
    /// syncs them to the disk if the last sync is a second old.
    pub(crate) fn flush(&mut self) -> Result<(), Failure> {
        if !self.buffer.is_empty() {
            self.file
                .write_all(self.buffer.as_bytes())
                .map_err(|e| self.error(&e))?;
            self.buffer.clear();
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
                .write_all(self.buffer.as_bytes())
                .map_err(|e| self.error(&e))?;
            self.buffer.clear();
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

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tim-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
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
        let loaded = load(&path, "friend import").unwrap();
        assert!(loaded.entries.is_empty());
        let mut journal = Journal::open(&path, "friend import", &loaded).unwrap();
        journal.record(&entry("alice", "bob", "added"));
        journal.record(&entry("alice", "dave", "failed"));
        journal.flush().unwrap();
        drop(journal);
        // A kill in the middle of a write.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"from\":\"alice\",\"to\":\"ca").unwrap();
        drop(file);

        let loaded = load(&path, "friend import").unwrap();
        assert_eq!(loaded.entries.len(), 2);
        assert_eq!(
            loaded.entries.get(&Key::pair("alice", "dave")),
            Some(&entry("alice", "dave", "failed"))
        );
        let mut journal = Journal::open(&path, "friend import", &loaded).unwrap();
        journal.record(&entry("alice", "carol", "pending"));
        journal.sync().unwrap();
        let loaded = load(&path, "friend import").unwrap();
        assert_eq!(loaded.entries.len(), 3);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn another_commands_journal_or_damage_is_refused() {
        let path = temp("other");
        let loaded = load(&path, "account import").unwrap();
        Journal::open(&path, "account import", &loaded).unwrap();
        let err = load(&path, "friend import").unwrap_err();
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
        let err = load(&path, "friend import").unwrap_err();
        assert!(err.message.contains("damaged at line 2"), "{}", err.message);
        let _ = std::fs::remove_file(&path);
    }
}
