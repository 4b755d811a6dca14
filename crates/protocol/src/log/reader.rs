//! Splitting input into lines: over a buffer in memory, and over any `BufRead`.

use std::io::{self, BufRead};
use std::str;

use super::error::LogLineError;
use super::record::LogRecord;

/// The default longest line, in bytes without the `\n`: 16 MiB.
pub const DEFAULT_MAX_LINE_LEN: usize = 16 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads the log in `input`, a buffer in memory (e.g. a file read whole or memory-mapped).
///
/// Same as [`LogLines::new`]; see [the module](super) for an example.
pub fn read_log<T: AsRef<[u8]> + ?Sized>(input: &T) -> LogLines<'_> {
    LogLines::new(input.as_ref())
}

/// The records of a log in memory, with the errors of the lines that are not records.
///
/// Records borrow from the input. Blank lines are skipped but counted; `\r\n` line endings and a
/// UTF-8 BOM at the start are accepted; the last line needs no line ending.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LogLines<'a> {
    rest: &'a [u8],
    line: u64,
    max_line_len: usize,
}

impl<'a> LogLines<'a> {
    /// Reads the log in `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self {
            rest: input,
            line: 0,
            max_line_len: DEFAULT_MAX_LINE_LEN,
        }
    }

    /// Sets the longest line, in bytes without the `\n`; a longer line is reported as
    /// [`TooLong`](super::LogErrorKind::TooLong). The default is [`DEFAULT_MAX_LINE_LEN`].
    #[must_use]
    pub fn max_line_len(mut self, max: usize) -> Self {
        self.max_line_len = max;
        self
    }

    /// The number of the last line read (0 before the first).
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl<'a> Iterator for LogLines<'a> {
    type Item = Result<LogRecord<'a>, LogLineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (line, rest, terminated) = match find_newline(self.rest) {
                Some(end) => {
                    let (line, rest) = self.rest.split_at(end);
                    (line, rest, true)
                }
                None => (self.rest, &[][..], false),
            };
            self.rest = rest.get(1..).unwrap_or_default();
            self.line = self.line.saturating_add(1);
            if line.len() > self.max_line_len {
                return Some(Err(LogLineError::too_long(self.line, self.max_line_len)));
            }
            if let Some(item) = parse_line(self.line, line, terminated) {
                return Some(item);
            }
        }
    }
}

/// The records of a log read from `R` one line at a time, in bounded memory.
///
/// The same records and errors as [`LogLines`] for the same bytes, and also
/// [`Io`](super::LogErrorKind::Io) once if reading fails, after which it stops. One buffer is
/// reused for every line, so a record borrows the reader and lives until the next call to
/// [`next_record`](Self::next_record). A line longer than the limit is skipped without being
/// kept in memory.
///
/// ```
/// use std::io::BufReader;
/// use tencent_im_protocol::log::{LogErrorKind, LogReader, RecordKind};
///
/// let log: &[u8] = b"{\"ActionStatus\":\"OK\",\"ErrorCode\":0}\r\n\r\n[1,2]\r\n{\"From_Account\":\"alice\"}";
/// let mut reader = LogReader::new(BufReader::new(log));
/// let mut seen = Vec::new();
/// while let Some(item) = reader.next_record() {
///     match item {
///         Ok(record) => seen.push((record.line(), Ok(record.kind()))),
///         Err(e) => seen.push((e.line(), Err(e.kind()))),
///     }
/// }
/// assert_eq!(
///     seen,
///     [
///         (1, Ok(RecordKind::Response)),
///         (3, Err(LogErrorKind::NotObject)),
///         (4, Ok(RecordKind::Request)),
///     ]
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct LogReader<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    max_line_len: usize,
    done: bool,
}

impl<R: BufRead> LogReader<R> {
    /// Reads the log from `reader`.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            line: 0,
            max_line_len: DEFAULT_MAX_LINE_LEN,
            done: false,
        }
    }

    /// Sets the longest line, in bytes without the `\n`; a longer line is reported as
    /// [`TooLong`](super::LogErrorKind::TooLong) and skipped. The default is
    /// [`DEFAULT_MAX_LINE_LEN`]; the line buffer never grows beyond it.
    #[must_use]
    pub fn max_line_len(mut self, max: usize) -> Self {
        self.max_line_len = max;
        self
    }

    /// The number of the last line read (0 before the first).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next record or bad line; `None` at the end of the input and after an I/O error.
    pub fn next_record(&mut self) -> Option<Result<LogRecord<'_>, LogLineError>> {
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            let read = read_line(&mut self.reader, &mut self.buf, self.max_line_len);
            let line = self.line.saturating_add(1);
            match read {
                Ok(Line::End) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    self.line = line;
                    return Some(Err(LogLineError::io(line, e)));
                }
                Ok(Line::TooLong) => {
                    self.line = line;
                    return Some(Err(LogLineError::too_long(line, self.max_line_len)));
                }
                Ok(Line::Kept { terminated }) => {
                    self.line = line;
                    if !is_blank(line, &self.buf) {
                        return parse_line(line, &self.buf, terminated);
                    }
                }
            }
        }
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

enum Line {
    /// The input has no more bytes.
    End,
    /// A line is in the buffer, without its `\n`; `terminated` is false for a last line
    /// without one.
    Kept { terminated: bool },
    /// A line longer than the limit was consumed; the buffer holds none of it.
    TooLong,
}

/// Reads one line into `buf`, keeping at most `max` bytes: the rest of a longer line is
/// consumed without being kept.
fn read_line<R: BufRead>(reader: &mut R, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    let mut len = 0usize;
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (any, len > max) {
                (false, _) => Line::End,
                (true, false) => Line::Kept { terminated: false },
                (true, true) => Line::TooLong,
            });
        }
        any = true;
        let (chunk, used, complete) = match find_newline(available) {
            Some(end) => (available.get(..end).unwrap_or_default(), end + 1, true),
            None => (available, available.len(), false),
        };
        len = len.saturating_add(chunk.len());
        if len <= max {
            buf.extend_from_slice(chunk);
        } else {
            buf.clear();
        }
        reader.consume(used);
        if complete {
            return Ok(if len > max {
                Line::TooLong
            } else {
                Line::Kept { terminated: true }
            });
        }
    }
}

/// The index of the first `\n`, found with the standard library's `memchr`.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    let mut rest = bytes;
    let consumed = rest.skip_until(b'\n').ok()?;
    let last = consumed.checked_sub(1)?;
    (bytes.get(last) == Some(&b'\n')).then_some(last)
}

/// The line without a BOM (on line 1) and surrounding JSON whitespace.
fn content(line_no: u64, line: &[u8]) -> &[u8] {
    let line = match line_no {
        1 => line.strip_prefix(BOM).unwrap_or(line),
        _ => line,
    };
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !is_space(b)).unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |last| last + 1);
    line.get(start..end).unwrap_or_default()
}

fn is_blank(line_no: u64, line: &[u8]) -> bool {
    content(line_no, line).is_empty()
}

/// Parses a line; `None` for a blank one. `terminated` is false for the input's last line when
/// it has no line ending: if its JSON ends early there, the line was cut off mid-record.
fn parse_line(
    line_no: u64,
    line: &[u8],
    terminated: bool,
) -> Option<Result<LogRecord<'_>, LogLineError>> {
    let line = content(line_no, line);
    if line.is_empty() {
        return None;
    }
    let parsed = match str::from_utf8(line) {
        Ok(json) => LogRecord::parse(line_no, json),
        Err(e) if terminated => Err(LogLineError::not_utf8(line_no, e)),
        Err(e) => Err(cut_in_a_character(line_no, line, e)),
    };
    Some(match parsed {
        Err(e) if !terminated => Err(e.at_end_of_input()),
        parsed => parsed,
    })
}

/// The error of an unterminated last line that is not UTF-8: when it ends in the middle of a
/// character and the text before that character ends inside a JSON value, the line was cut
/// off mid-record, and this is that text's error; otherwise the line is not UTF-8.
fn cut_in_a_character(line_no: u64, line: &[u8], error: str::Utf8Error) -> LogLineError {
    let cut_short = error.error_len().is_none() && error.valid_up_to() > 0;
    let before = line.get(..error.valid_up_to()).unwrap_or_default();
    if let (true, Ok(json)) = (cut_short, str::from_utf8(before)) {
        if let Err(e) = LogRecord::parse(line_no, json) {
            if e.is_truncated() {
                return e;
            }
        }
    }
    LogLineError::not_utf8(line_no, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Read};

    #[test]
    fn finds_the_first_newline() {
        assert_eq!(find_newline(b""), None);
        assert_eq!(find_newline(b"abc"), None);
        assert_eq!(find_newline(b"\n"), Some(0));
        assert_eq!(find_newline(b"ab\ncd\n"), Some(2));
    }

    #[test]
    fn a_long_line_never_grows_the_buffer_past_the_limit() {
        let long = io::repeat(b'x').take(10 << 20);
        let input = BufReader::with_capacity(8 << 10, long.chain(&b"\n{}\n"[..]));
        let mut reader = LogReader::new(input).max_line_len(1024);
        assert!(matches!(reader.next_record(), Some(Err(_))));
        assert!(reader.buf.capacity() <= 2048, "{}", reader.buf.capacity());
        assert!(matches!(reader.next_record(), Some(Ok(_))));
        assert!(reader.next_record().is_none());
    }

    #[test]
    fn content_strips_the_bom_on_line_one_only_and_json_whitespace() {
        assert_eq!(content(1, b"\xEF\xBB\xBF {} \r"), b"{}");
        assert_eq!(content(2, b"\xEF\xBB\xBF{}"), b"\xEF\xBB\xBF{}");
        assert_eq!(content(3, b"\t\r"), b"");
        assert_eq!(content(3, b"\x0C{}"), b"\x0C{}");
    }
}
