//! Why a log line did not yield a record.

use std::error::Error as StdError;
use std::{fmt, io, str};

/// What is wrong with a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogErrorKind {
    /// Reading the input failed; the reader stops after reporting it.
    Io,
    /// The line is not valid UTF-8.
    NotUtf8,
    /// The line is longer than the reader's limit; it was skipped without being kept.
    TooLong,
    /// The line is not JSON. A line in the middle of the log that ends inside a JSON value (its
    /// writer stopped mid-record and another wrote on) is this kind, with
    /// [`LogLineError::is_truncated`].
    NotJson,
    /// The log's last line has no line ending and ends inside a JSON value: the log was cut off
    /// mid-record, or its writer has not finished the line yet.
    Truncated,
    /// The line is JSON, but not an object.
    NotObject,
    /// The line is a JSON object, but not one of the three record shapes.
    NotRecord,
}

impl LogErrorKind {
    /// A short lower-case description, e.g. `"not JSON"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Io => "cannot read the log",
            Self::NotUtf8 => "not UTF-8",
            Self::TooLong => "too long",
            Self::NotJson => "not JSON",
            Self::Truncated => "truncated",
            Self::NotObject => "not a JSON object",
            Self::NotRecord => "not a log record",
        }
    }
}

impl fmt::Display for LogErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A log line that did not yield a record: its number, what is wrong and the underlying error.
///
/// Its `Display` names the line and the problem (`line 17: not JSON`) and never quotes the
/// line's content; the JSON parser's error, with the column, is its [`source`](StdError::source).
#[derive(Debug)]
#[non_exhaustive]
pub struct LogLineError {
    line: u64,
    detail: Detail,
}

#[derive(Debug)]
enum Detail {
    Io(io::Error),
    NotUtf8(str::Utf8Error),
    TooLong {
        limit: usize,
    },
    NotJson {
        source: serde_json::Error,
        /// Whether the line ends inside a JSON value.
        ends_early: bool,
    },
    Truncated(serde_json::Error),
    NotObject,
    NotRecord(&'static str),
}

impl LogLineError {
    pub(crate) fn io(line: u64, source: io::Error) -> Self {
        Self::new(line, Detail::Io(source))
    }

    pub(crate) fn not_utf8(line: u64, source: str::Utf8Error) -> Self {
        Self::new(line, Detail::NotUtf8(source))
    }

    pub(crate) fn too_long(line: u64, limit: usize) -> Self {
        Self::new(line, Detail::TooLong { limit })
    }

    /// The error of `json`, the line's text, which did not parse.
    pub(crate) fn not_json(line: u64, json: &str, source: serde_json::Error) -> Self {
        let ends_early = ends_inside_a_value(json, &source);
        Self::new(line, Detail::NotJson { source, ends_early })
    }

    /// The same error for the last line of the input, without a line ending: a line that ends
    /// inside a JSON value becomes [`LogErrorKind::Truncated`].
    pub(crate) fn at_end_of_input(self) -> Self {
        match self.detail {
            Detail::NotJson {
                source,
                ends_early: true,
            } => Self::new(self.line, Detail::Truncated(source)),
            detail => Self::new(self.line, detail),
        }
    }

    pub(crate) fn not_object(line: u64) -> Self {
        Self::new(line, Detail::NotObject)
    }

    pub(crate) fn not_record(line: u64, reason: &'static str) -> Self {
        Self::new(line, Detail::NotRecord(reason))
    }

    fn new(line: u64, detail: Detail) -> Self {
        Self { line, detail }
    }

    /// The line number, 1-based. Blank lines count; for an I/O error it is the line being read.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// What is wrong with the line.
    pub fn kind(&self) -> LogErrorKind {
        match self.detail {
            Detail::Io(_) => LogErrorKind::Io,
            Detail::NotUtf8(_) => LogErrorKind::NotUtf8,
            Detail::TooLong { .. } => LogErrorKind::TooLong,
            Detail::NotJson { .. } => LogErrorKind::NotJson,
            Detail::Truncated(_) => LogErrorKind::Truncated,
            Detail::NotObject => LogErrorKind::NotObject,
            Detail::NotRecord(_) => LogErrorKind::NotRecord,
        }
    }

    /// Whether the line ends inside a JSON value: every [`LogErrorKind::Truncated`] line (the
    /// last line, cut off), and a [`LogErrorKind::NotJson`] line in the middle of the log that
    /// was cut off before another line was written after it.
    pub fn is_truncated(&self) -> bool {
        matches!(
            self.detail,
            Detail::Truncated(_)
                | Detail::NotJson {
                    ends_early: true,
                    ..
                }
        )
    }

    /// For a line that is not JSON or is truncated, the 1-based column (in bytes, after leading
    /// whitespace and a BOM are removed) at which parsing failed; a truncated line fails at its
    /// end.
    pub fn column(&self) -> Option<usize> {
        match &self.detail {
            Detail::NotJson { source: e, .. } | Detail::Truncated(e) => Some(e.column()),
            _ => None,
        }
    }
}

impl fmt::Display for LogLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.detail {
            Detail::TooLong { limit } => write!(f, "longer than the limit of {limit} bytes"),
            Detail::NotRecord(reason) => write!(f, "not a log record ({reason})"),
            _ => f.write_str(self.kind().as_str()),
        }
    }
}

impl StdError for LogLineError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.detail {
            Detail::Io(e) => Some(e),
            Detail::NotUtf8(e) => Some(e),
            Detail::NotJson { source: e, .. } | Detail::Truncated(e) => Some(e),
            Detail::TooLong { .. } | Detail::NotObject | Detail::NotRecord(_) => None,
        }
    }
}

/// Whether `json` (one line, which failed to parse with `error`) ends inside a JSON value: the
/// parser ran out of input, or failed on the line's last byte where a number lacks its digits
/// (`-`, `1.`, `1e`, `1e+`) and one more digit lets it go on to the end of the input.
fn ends_inside_a_value(json: &str, error: &serde_json::Error) -> bool {
    if error.is_eof() {
        return true;
    }
    if !error.is_syntax() || error.line() != 1 || error.column() != json.len() {
        return false;
    }
    if !json.ends_with(['-', '+', '.', 'e', 'E']) {
        return false;
    }
    let mut completed = String::with_capacity(json.len() + 1);
    completed.push_str(json);
    completed.push('0');
    match serde_json::from_str::<serde::de::IgnoredAny>(&completed) {
        Ok(_) => true,
        Err(e) => e.is_eof(),
    }
}
