//! Reading the file of an import: CSV with a header, JSON lines, or one value per line; from a
//! path or stdin (`-`), gzip-compressed or not.
//!
//! A file is read as a stream, one record at a time, as often as the import needs (once to
//! validate it, once to send it): memory does not grow with its size. Stdin cannot be read
//! twice: it is held in memory.
//!
//! The CSV reader is strict on purpose (RFC 4180): a quote inside an unquoted field, text after
//! a closing quote, a quote never closed, a field over [`MAX_FIELD_BYTES`], a record with more or
//! fewer fields than the header and invalid UTF-8 are each reported with their line, so that a
//! damaged export is caught before anything is sent rather than imported wrong. Lenient readers
//! (such as the `csv` crate's) turn `"bo"b` into `bob` and let an unclosed quote swallow the rest
//! of the file.

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use clap::ValueEnum;

use crate::output::Failure;

/// The longest field the CSV reader takes, in bytes: every field of an import is far shorter
/// (500 bytes at most), so a longer one is almost always a quote left open.
pub(crate) const MAX_FIELD_BYTES: usize = 4096;

/// How many input errors are shown before "… and N more".
pub(crate) const MAX_ERRORS_SHOWN: usize = 20;

/// How much of the start of the input format detection looks at, at most.
const HEAD_BYTES: u64 = 64 << 10;

/// The read buffer of a file.
const BUFFER_BYTES: usize = 256 << 10;

const BOM: &[u8] = b"\xef\xbb\xbf";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// The format of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// JSON lines if the first line starts with `{`; otherwise CSV with a header (for accounts:
    /// CSV if the first line is a header naming `userid`, else one UserID per line).
    Auto,
    /// CSV with a header line naming the columns.
    Csv,
    /// One JSON object per line, with the column names as keys.
    Jsonl,
    /// One value per line, no header (accounts only: one UserID per line).
    Lines,
}

/// The columns of one kind of import: the first `required` are required.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schema {
    /// Column names, lower case.
    pub(crate) columns: &'static [&'static str],
    /// How many of the first columns every record must have.
    pub(crate) required: usize,
}

impl Schema {
    /// The position of the column `name`.
    fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| *c == name)
    }

    /// `from, to, remark, …`, for messages.
    fn expected(&self) -> String {
        self.columns.join(", ")
    }
}

/// One record: its line (from 1) and its values, one per column of the schema (`None` when
/// absent or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) line: usize,
    pub(crate) values: Vec<Option<String>>,
}

/// A problem with one line of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl LineError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The errors of an input as they are found: how many, and the first [`MAX_ERRORS_SHOWN`] in
/// line order (those shown), so that a file with an error on every line does not fill memory.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    shown: Vec<LineError>,
    count: usize,
}

impl Errors {
    /// Counts `error`, and keeps it if it is among the first by line.
    pub(crate) fn push(&mut self, error: LineError) {
        self.count += 1;
        if self.shown.len() == MAX_ERRORS_SHOWN
            && self
                .shown
                .last()
                .is_some_and(|last| last.line <= error.line)
        {
            return;
        }
        // After the errors of the same line found before it, as a stable sort would put it.
        let at = self.shown.partition_point(|e| e.line <= error.line);
        self.shown.insert(at, error);
        self.shown.truncate(MAX_ERRORS_SHOWN);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The errors kept, in line order.
    #[cfg(test)]
    pub(crate) fn shown(&self) -> &[LineError] {
        &self.shown
    }

    /// The errors as one failure (exit code 2): the first [`MAX_ERRORS_SHOWN`] in line order,
    /// then how many more.
    pub(crate) fn failure(&self, source: &str) -> Failure {
        let mut message = format!(
            "{source}: {} error{} in the input; nothing was sent",
            self.count,
            if self.count == 1 { "" } else { "s" }
        );
        for e in &self.shown {
            message.push_str("\n  ");
            message.push_str(&e.to_string());
        }
        if self.count > self.shown.len() {
            message.push_str(&format!("\n  … and {} more", self.count - self.shown.len()));
        }
        Failure::usage(message)
    }
}

/// When and how big a file was, to notice that it changed between two readings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(file: &File) -> io::Result<Self> {
        let metadata = file.metadata()?;
        Ok(Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

/// Where the input is.
#[derive(Debug)]
enum Origin {
    /// Stdin, which cannot be read twice: its bytes, decompressed, without a byte order mark.
    Memory(Arc<[u8]>),
    /// A file, read again each time, and how it was when first opened.
    File { path: PathBuf, stamp: Stamp },
}

/// An import file: its name in messages and how to read it, as many times as needed.
#[derive(Debug)]
pub(crate) struct Source {
    /// The path as given, or `stdin`.
    name: String,
    origin: Origin,
}

impl Source {
    /// Opens `path` (`-` for stdin, read whole now, gunzipped if it starts with the gzip magic
    /// bytes); a file is only checked here, and read by [`records`](Self::records).
    pub(crate) fn open(path: &str) -> Result<Self, Failure> {
        if path == "-" {
            let name = "stdin".to_owned();
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
            if bytes.starts_with(GZIP_MAGIC) {
                let mut plain = Vec::new();
                flate2::read::MultiGzDecoder::new(bytes.as_slice())
                    .read_to_end(&mut plain)
                    .map_err(|e| Failure::usage(format!("cannot decompress {name} (gzip): {e}")))?;
                bytes = plain;
            }
            if bytes.starts_with(BOM) {
                bytes.drain(..BOM.len());
            }
            return Ok(Self::memory(name, bytes));
        }
        let name = path.to_owned();
        let file =
            File::open(path).map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
        let stamp =
            Stamp::of(&file).map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(Failure::usage(format!(
                "cannot read {name}: it is a directory"
            )));
        }
        Ok(Self {
            name,
            origin: Origin::File {
                path: PathBuf::from(path),
                stamp,
            },
        })
    }

    /// An input held in memory, as it is.
    pub(crate) fn memory(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            name: name.into(),
            origin: Origin::Memory(bytes.into()),
        }
    }

    /// The path as given, or `stdin`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The records of the input as `schema` names them, one at a time, from its start. A file
    /// that changed since it was opened is an error.
    pub(crate) fn records(&self, schema: Schema, format: Format) -> Result<Records<'_>, Failure> {
        let (mut reader, gzip): (Box<dyn BufRead + '_>, bool) = match &self.origin {
            Origin::Memory(bytes) => (Box::new(&bytes[..]), false),
            Origin::File { path, stamp } => {
                let cannot =
                    |e: io::Error| Failure::usage(format!("cannot read {}: {e}", self.name));
                let file = File::open(path).map_err(cannot)?;
                if Stamp::of(&file).map_err(cannot)? != *stamp {
                    return Err(Failure::usage(format!(
                        "{} changed while it was imported: run the import again",
                        self.name
                    )));
                }
                let mut buffered = BufReader::with_capacity(BUFFER_BYTES, file);
                let gzip = buffered.fill_buf().map_err(cannot)?.starts_with(GZIP_MAGIC);
                if gzip {
                    let decoder = flate2::bufread::MultiGzDecoder::new(buffered);
                    (
                        Box::new(BufReader::with_capacity(BUFFER_BYTES, decoder)),
                        true,
                    )
                } else {
                    (Box::new(buffered), false)
                }
            }
        };
        let read_error = |e: io::Error| self.read_error(gzip, &e);
        // The start of the input, for the format: lines up to the first one that is not blank.
        let mut head = Vec::new();
        loop {
            let before = head.len();
            let n = (&mut reader)
                .take(HEAD_BYTES)
                .read_until(b'\n', &mut head)
                .map_err(read_error)?;
            if n == 0 || head.len() as u64 >= HEAD_BYTES {
                break;
            }
            let line = head.get(before..).unwrap_or_default();
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                break;
            }
        }
        if head.starts_with(BOM) {
            head.drain(..BOM.len());
        }
        let format = match format {
            Format::Auto => detect(&head, &schema),
            other => other,
        };
        let bytes = Bytes::new(Box::new(Cursor::new(head).chain(reader)));
        let parser = match format {
            Format::Jsonl => Parser::Jsonl(bytes),
            Format::Lines => Parser::Lines(bytes),
            Format::Csv | Format::Auto => Parser::Csv(Csv::new(bytes, schema)),
        };
        Ok(Records {
            source: self,
            gzip,
            schema,
            parser,
            line: 0,
            queued: VecDeque::new(),
        })
    }

    /// A read error of this input, as a failure.
    fn read_error(&self, gzip: bool, error: &io::Error) -> Failure {
        if gzip {
            Failure::usage(format!("cannot decompress {} (gzip): {error}", self.name))
        } else {
            Failure::usage(format!("cannot read {}: {error}", self.name))
        }
    }
}

/// The records of an input, each with its line, or the error of a line that is not one; once
/// iterated, [`finish`](Self::finish) says whether the input could be read to its end.
pub(crate) struct Records<'a> {
    source: &'a Source,
    gzip: bool,
    schema: Schema,
    parser: Parser<'a>,
    /// The lines read so far, for JSON lines and plain lines.
    line: usize,
    /// Errors to give before reading on: the others of a line with several.
    queued: VecDeque<LineError>,
}

enum Parser<'a> {
    Csv(Csv<'a>),
    Jsonl(Bytes<'a>),
    Lines(Bytes<'a>),
}

impl Records<'_> {
    /// `Ok` if the input was read to its end; the read error that cut it short otherwise (the
    /// errors of the lines after it may be wrong: this one is what to report).
    pub(crate) fn finish(self) -> Result<(), Failure> {
        let bytes = match self.parser {
            Parser::Csv(csv) => csv.bytes,
            Parser::Jsonl(bytes) | Parser::Lines(bytes) => bytes,
        };
        match bytes.error {
            Some(e) => Err(self.source.read_error(self.gzip, &e)),
            None => Ok(()),
        }
    }

    /// The next line of JSON lines or plain lines, without `\n` or `\r\n`, and its number.
    fn next_line(bytes: &mut Bytes<'_>, line: &mut usize) -> Option<(usize, Vec<u8>)> {
        let mut raw = bytes.line()?;
        *line += 1;
        if raw.last() == Some(&b'\n') {
            raw.pop();
        }
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
        Some((*line, raw))
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.queued.pop_front() {
            return Some(Err(e));
        }
        let schema = self.schema;
        let item = match &mut self.parser {
            Parser::Csv(csv) => csv.next_record()?,
            Parser::Jsonl(bytes) => loop {
                let (line, raw) = Self::next_line(bytes, &mut self.line)?;
                if let Some(item) = json_line(line, &raw, &schema) {
                    break item;
                }
            },
            Parser::Lines(bytes) => loop {
                let (line, raw) = Self::next_line(bytes, &mut self.line)?;
                if let Some(item) = plain_line(line, raw, &schema) {
                    break item.map_err(|e| vec![e]);
                }
            },
        };
        Some(item.map_err(|errors| {
            self.queued.extend(errors);
            self.queued
                .pop_front()
                .unwrap_or_else(|| LineError::new(0, "unknown error"))
        }))
    }
}

/// JSON lines when the first non-blank byte is `{`; for a schema of one required column, CSV
/// only when the first line is a header of known columns that names it, else one value per line.
fn detect(head: &[u8], schema: &Schema) -> Format {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return Format::Jsonl;
    }
    if schema.required > 1 {
        return Format::Csv;
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let header_like = std::str::from_utf8(line).is_ok_and(|line| {
        let names: Vec<String> = line.split(',').map(column_name).collect();
        names.iter().all(|n| schema.index(n).is_some())
            && names.iter().any(|n| n == schema.columns[0])
    });
    if header_like {
        Format::Csv
    } else {
        Format::Lines
    }
}

/// A header name as matched: trimmed, lower case.
fn column_name(raw: &str) -> String {
    raw.trim().to_ascii_lowercase()
}

/// `bytes` as UTF-8, or an error naming where the first bad byte is.
fn utf8(bytes: Vec<u8>, line: usize, what: &str) -> Result<String, LineError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        LineError::new(
            line,
            format!("{what} is not valid UTF-8 (bad byte after {at} bytes)"),
        )
    })
}

/// One UserID per line; `None` for a blank line.
fn plain_line(line: usize, raw: Vec<u8>, schema: &Schema) -> Option<Result<Record, LineError>> {
    if raw.is_empty() {
        return None;
    }
    let name = schema.columns[0];
    Some(match utf8(raw, line, name) {
        Ok(value) if value.contains(',') => Err(LineError::new(
            line,
            format!(
                "a comma in {name} {value:?}: for CSV, start the file with the header `{}`",
                schema.columns.join(",")
            ),
        )),
        Ok(value) => {
            let mut values = vec![None; schema.columns.len()];
            values[0] = Some(value);
            Ok(Record { line, values })
        }
        Err(e) => Err(e),
    })
}

/// One JSON object per line, the column names as keys and strings (or null) as values; `None`
/// for a blank line.
fn json_line(line: usize, raw: &[u8], schema: &Schema) -> Option<Result<Record, Vec<LineError>>> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let text = match std::str::from_utf8(raw) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            return Some(Err(vec![LineError::new(
                line,
                format!("the line is not valid UTF-8 (bad byte after {at} bytes)"),
            )]));
        }
    };
    let object = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(_) => return Some(Err(vec![LineError::new(line, "not a JSON object")])),
        Err(e) => {
            return Some(Err(vec![LineError::new(
                line,
                format!("not valid JSON: {e}"),
            )]));
        }
    };
    let mut values = vec![None; schema.columns.len()];
    let mut errors = Vec::new();
    for (key, value) in object {
        let Some(index) = schema.index(&key) else {
            errors.push(LineError::new(
                line,
                format!("unknown key {key:?} (expected {})", schema.expected()),
            ));
            continue;
        };
        match value {
            serde_json::Value::String(s) => values[index] = Some(s).filter(|s| !s.is_empty()),
            serde_json::Value::Null => {}
            other => errors.push(LineError::new(
                line,
                format!("{key} must be a string, not {}", json_type(&other)),
            )),
        }
    }
    if !errors.is_empty() {
        return Some(Err(errors));
    }
    Some(match missing(schema, &values) {
        Some(name) => Err(vec![LineError::new(line, format!("missing {name}"))]),
        None => Ok(Record { line, values }),
    })
}

/// `a number`, `an array`, …, for messages.
fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The first required column without a value.
fn missing(schema: &Schema, values: &[Option<String>]) -> Option<&'static str> {
    (0..schema.required)
        .find(|&i| values[i].is_none())
        .map(|i| schema.columns[i])
}

/// The bytes of an input, read ahead as far as the parser looks.
struct Bytes<'a> {
    reader: Box<dyn BufRead + 'a>,
    buf: Vec<u8>,
    at: usize,
    eof: bool,
    /// The read error that ended the input early.
    error: Option<io::Error>,
}

impl<'a> Bytes<'a> {
    fn new(reader: Box<dyn BufRead + 'a>) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            at: 0,
            eof: false,
            error: None,
        }
    }

    /// The byte `k` bytes after the current position.
    #[inline]
    fn peek_at(&mut self, k: usize) -> Option<u8> {
        match self.buf.get(self.at + k) {
            Some(b) => Some(*b),
            None => self.fill(k),
        }
    }

    /// Reads more until the byte `k` bytes after the current position is in the buffer.
    #[cold]
    fn fill(&mut self, k: usize) -> Option<u8> {
        loop {
            if let Some(b) = self.buf.get(self.at + k) {
                return Some(*b);
            }
            if self.eof {
                return None;
            }
            self.buf.drain(..self.at);
            self.at = 0;
            match self.reader.fill_buf() {
                Ok([]) => self.eof = true,
                Ok(data) => {
                    let n = data.len();
                    self.buf.extend_from_slice(data);
                    self.reader.consume(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    self.eof = true;
                }
            }
        }
    }

    /// Steps over `n` bytes already peeked.
    #[inline]
    fn bump(&mut self, n: usize) {
        self.at += n;
    }

    /// The next line with its `\n` (the last one may have none), or `None` at the end.
    fn line(&mut self) -> Option<Vec<u8>> {
        let mut line = Vec::new();
        loop {
            self.peek_at(0)?;
            let rest = self.buf.get(self.at..).unwrap_or_default();
            match rest.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    line.extend_from_slice(rest.get(..=i).unwrap_or_default());
                    self.at += i + 1;
                    return Some(line);
                }
                None => {
                    line.extend_from_slice(rest);
                    self.at = self.buf.len();
                    if self.peek_at(0).is_none() {
                        return Some(line);
                    }
                }
            }
        }
    }
}

/// One field of a CSV record: where it starts and its bytes, unquoted.
#[derive(Debug)]
struct Field {
    line: usize,
    bytes: Vec<u8>,
}

/// CSV with a header line: the header is read first; its errors, if any, are the only items.
struct Csv<'a> {
    bytes: Bytes<'a>,
    line: usize,
    schema: Schema,
    /// The header's column names, once read, to name fields in errors.
    names: Vec<String>,
    /// For each column of the header, its position in the schema.
    slots: Vec<usize>,
    /// Whether the header was read.
    started: bool,
}

impl<'a> Csv<'a> {
    fn new(bytes: Bytes<'a>, schema: Schema) -> Self {
        Self {
            bytes,
            line: 1,
            schema,
            names: Vec::new(),
            slots: Vec::new(),
            started: false,
        }
    }

    /// The next record, the error of the next bad line, or `None` at the end (or after the
    /// errors of a bad header).
    fn next_record(&mut self) -> Option<Result<Record, Vec<LineError>>> {
        if !self.started {
            self.started = true;
            if let Err(errors) = self.header() {
                return Some(Err(errors));
            }
        }
        if self.slots.is_empty() {
            // No header, or a bad one: nothing more.
            return None;
        }
        let (line, fields) = match self.fields()? {
            Ok(record) => record,
            Err(e) => return Some(Err(vec![e])),
        };
        let columns = &self.names;
        if fields.len() != columns.len() {
            let message = if fields.len() < columns.len() {
                let names: Vec<&str> = columns[fields.len()..].iter().map(String::as_str).collect();
                format!(
                    "missing column{} {} ({} fields, the header names {})",
                    if names.len() == 1 { "" } else { "s" },
                    names.join(", "),
                    fields.len(),
                    columns.len()
                )
            } else {
                format!(
                    "{} fields, but the header names {} columns (quote a value that holds a comma)",
                    fields.len(),
                    columns.len()
                )
            };
            return Some(Err(vec![LineError::new(line, message)]));
        }
        let mut values = vec![None; self.schema.columns.len()];
        let mut errors = Vec::new();
        for ((field, &slot), name) in fields.into_iter().zip(&self.slots).zip(columns) {
            match utf8(field.bytes, field.line, name) {
                Ok(value) => values[slot] = Some(value).filter(|v| !v.is_empty()),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Some(Err(errors));
        }
        Some(match missing(&self.schema, &values) {
            Some(name) => Err(vec![LineError::new(line, format!("{name} is empty"))]),
            None => Ok(Record { line, values }),
        })
    }

    /// Reads the header: its columns, or its errors.
    fn header(&mut self) -> Result<(), Vec<LineError>> {
        let schema = self.schema;
        let (header_line, header) = match self.fields() {
            None => return Err(vec![LineError::new(1, "empty input: no header line")]),
            Some(Ok(record)) => record,
            Some(Err(e)) => {
                return Err(vec![LineError::new(
                    e.line,
                    format!("in the header line: {}", e.message),
                )]);
            }
        };
        let mut errors = Vec::new();
        let mut columns: Vec<String> = Vec::with_capacity(header.len());
        for (k, field) in header.into_iter().enumerate() {
            let name = match utf8(field.bytes, header_line, &format!("header field {}", k + 1)) {
                Ok(name) => column_name(&name),
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            match schema.index(&name) {
                Some(_) if columns.contains(&name) => errors.push(LineError::new(
                    header_line,
                    format!("column {name:?} appears twice in the header"),
                )),
                Some(_) => columns.push(name),
                None => errors.push(LineError::new(
                    header_line,
                    format!(
                        "unknown column {name:?} in the header (expected {})",
                        schema.expected()
                    ),
                )),
            }
        }
        for required in &schema.columns[..schema.required] {
            if !columns.iter().any(|c| c == required) {
                errors.push(LineError::new(
                    header_line,
                    format!(
                        "the header has no column {required:?} (expected {})",
                        schema.expected()
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.slots = columns.iter().filter_map(|c| schema.index(c)).collect();
        self.names = columns;
        Ok(())
    }

    /// Whether a record ends at the current position (`\n`, `\r\n` or the end).
    fn at_end_of_record(&mut self) -> bool {
        match self.bytes.peek_at(0) {
            None | Some(b'\n') => true,
            Some(b'\r') => self.bytes.peek_at(1) == Some(b'\n'),
            _ => false,
        }
    }

    /// Steps over the end of a record.
    fn end_record(&mut self) {
        match self.bytes.peek_at(0) {
            Some(b'\n') => self.bytes.bump(1),
            Some(b'\r') => self.bytes.bump(2),
            _ => return,
        }
        self.line += 1;
    }

    /// Skips to the start of the next line after an error.
    fn skip_line(&mut self) {
        while let Some(b) = self.bytes.peek_at(0) {
            self.bytes.bump(1);
            if b == b'\n' {
                self.line += 1;
                return;
            }
        }
    }

    /// `field 3 (remark)`: the `k`-th field (from 0) as messages name it.
    fn name(&self, k: usize) -> String {
        match self.names.get(k) {
            Some(name) => format!("field {} ({name})", k + 1),
            None => format!("field {}", k + 1),
        }
    }

    /// The error of a field over [`MAX_FIELD_BYTES`].
    fn too_long(&self, k: usize, line: usize) -> LineError {
        LineError::new(
            line,
            format!(
                "{} is over {MAX_FIELD_BYTES} bytes long (is a quote left open?)",
                self.name(k)
            ),
        )
    }

    /// The fields of the next record and its line, an error, or `None` at the end. Blank lines
    /// are skipped. After an error it skips to the next line, so that every bad line is
    /// reported.
    fn fields(&mut self) -> Option<Result<(usize, Vec<Field>), LineError>> {
        while self.bytes.peek_at(0).is_some() && self.at_end_of_record() {
            self.end_record();
        }
        self.bytes.peek_at(0)?;
        let record_line = self.line;
        let mut fields = Vec::new();
        loop {
            let k = fields.len();
            match self.field(k) {
                Ok(field) => fields.push(field),
                Err(e) => {
                    self.skip_line();
                    return Some(Err(e));
                }
            }
            if self.bytes.peek_at(0) == Some(b',') {
                self.bytes.bump(1);
                continue;
            }
            self.end_record();
            return Some(Ok((record_line, fields)));
        }
    }

    /// The field starting at the current position (strict RFC 4180: `,` between fields, `\n`
    /// or `\r\n` between records, a field in double quotes may hold commas, line breaks and
    /// doubled quotes); leaves the position on the `,` or end of record after it.
    fn field(&mut self, k: usize) -> Result<Field, LineError> {
        let line = self.line;
        let mut bytes = Vec::new();
        if self.bytes.peek_at(0) != Some(b'"') {
            while !self.at_end_of_record() {
                match self.bytes.peek_at(0) {
                    Some(b',') => break,
                    Some(b'"') => {
                        return Err(LineError::new(
                            line,
                            format!(
                                "{}: a quote inside an unquoted value (quote the whole value and double the quotes in it)",
                                self.name(k)
                            ),
                        ));
                    }
                    Some(b) => bytes.push(b),
                    None => break,
                }
                self.bytes.bump(1);
                if bytes.len() > MAX_FIELD_BYTES {
                    return Err(self.too_long(k, line));
                }
            }
            return Ok(Field { line, bytes });
        }
        self.bytes.bump(1);
        loop {
            match self.bytes.peek_at(0) {
                None => {
                    return Err(LineError::new(
                        line,
                        format!("{}: the quote that opens it is never closed", self.name(k)),
                    ));
                }
                Some(b'"') if self.bytes.peek_at(1) == Some(b'"') => {
                    bytes.push(b'"');
                    self.bytes.bump(2);
                }
                Some(b'"') => {
                    self.bytes.bump(1);
                    break;
                }
                Some(b) => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    bytes.push(b);
                    self.bytes.bump(1);
                }
            }
            if bytes.len() > MAX_FIELD_BYTES {
                return Err(self.too_long(k, line));
            }
        }
        if self.bytes.peek_at(0) == Some(b',') || self.at_end_of_record() {
            Ok(Field { line, bytes })
        } else {
            Err(LineError::new(
                self.line,
                format!(
                    "{}: text after the closing quote (double a quote inside a quoted value)",
                    self.name(k)
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: Schema = Schema {
        columns: &["from", "to", "remark"],
        required: 2,
    };
    const ACCOUNTS: Schema = Schema {
        columns: &["userid", "nick"],
        required: 1,
    };

    /// Every record and error of `source`, read to its end.
    fn read_all(source: &Source, schema: &Schema) -> (Vec<Record>, Vec<LineError>) {
        let mut records = Vec::new();
        let mut errors = Vec::new();
        let mut items = source.records(*schema, Format::Auto).unwrap();
        for item in items.by_ref() {
            match item {
                Ok(record) => records.push(record),
                Err(e) => errors.push(e),
            }
        }
        items.finish().unwrap();
        (records, errors)
    }

    fn parse(text: &[u8], schema: &Schema) -> (Vec<Record>, Vec<LineError>) {
        read_all(&Source::memory("test", text.to_vec()), schema)
    }

    fn values(records: &[Record]) -> Vec<(usize, Vec<Option<&str>>)> {
        records
            .iter()
            .map(|r| (r.line, r.values.iter().map(|v| v.as_deref()).collect()))
            .collect()
    }

    fn parsed(text: &[u8], schema: &Schema) -> Result<Vec<Record>, Vec<LineError>> {
        match parse(text, schema) {
            (records, errors) if errors.is_empty() => Ok(records),
            (_, errors) => Err(errors),
        }
    }

    fn errors(text: &[u8], schema: &Schema) -> Vec<String> {
        match parsed(text, schema) {
            Ok(records) => panic!("parsed: {records:?}"),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn csv_quotes_line_breaks_and_blank_lines() -> Result<(), Vec<LineError>> {
        let text = b"From, TO ,remark\r\nalice,bob,\"hi, \"\"Bob\"\"\"\r\n\r\ncarol,\"da\nve\",\n";
        let records = parsed(text, &PAIRS)?;
        assert_eq!(
            values(&records),
            [
                (2, vec![Some("alice"), Some("bob"), Some("hi, \"Bob\"")]),
                (4, vec![Some("carol"), Some("da\nve"), None]),
            ]
        );
        Ok(())
    }

    #[test]
    fn csv_errors_name_their_lines() {
        let text = b"from,to\nalice,\"bo\"b\nalice\nal\"ice,bob\nalice,bob,x\nok,fine\nx,\"open\n";
        assert_eq!(
            errors(text, &PAIRS),
            [
                "line 2: field 2 (to): text after the closing quote (double a quote inside a quoted value)",
                "line 3: missing column to (1 fields, the header names 2)",
                "line 4: field 1 (from): a quote inside an unquoted value (quote the whole value and double the quotes in it)",
                "line 5: 3 fields, but the header names 2 columns (quote a value that holds a comma)",
                "line 7: field 2 (to): the quote that opens it is never closed",
            ]
        );
    }

    #[test]
    fn csv_invalid_utf8_and_long_fields() {
        let long = "x".repeat(MAX_FIELD_BYTES + 1);
        let text = format!("from,to\nalice,b\u{e9}b\nalice,{long}\n").into_bytes();
        let mut text = text;
        // Replace the é (2 bytes) of line 2 with a lone continuation byte.
        let at = text
            .windows(2)
            .position(|w| w == "é".as_bytes())
            .unwrap_or(0);
        text.splice(at..at + 2, [0x80]);
        assert_eq!(
            errors(&text, &PAIRS),
            [
                "line 2: to is not valid UTF-8 (bad byte after 1 bytes)",
                "line 3: field 2 (to) is over 4096 bytes long (is a quote left open?)",
            ]
        );
    }

    #[test]
    fn csv_header_problems() {
        assert_eq!(
            errors(b"from,too\nalice,bob\n", &PAIRS),
            [
                "line 1: unknown column \"too\" in the header (expected from, to, remark)",
                "line 1: the header has no column \"to\" (expected from, to, remark)",
            ]
        );
        assert_eq!(errors(b"", &PAIRS), ["line 1: empty input: no header line"]);
    }

    #[test]
    fn json_lines() {
        let text = b"{\"from\":\"alice\",\"to\":\"bob\"}\n\n{\"from\":\"a\",\"to\":1}\n{\"from\":\"a\"}\n{\"from\":\"a\",\"to\":\"b\",\"x\":\"y\"}\n[1]\n{oops\n";
        assert_eq!(
            errors(text, &PAIRS),
            [
                "line 3: to must be a string, not a number",
                "line 4: missing to",
                "line 5: unknown key \"x\" (expected from, to, remark)",
                "line 6: not a JSON object",
                "line 7: not valid JSON: key must be a string at line 1 column 2",
            ]
        );
        let records = parsed(
            b"{\"from\":\"alice\",\"to\":\"bob\",\"remark\":null}\n",
            &PAIRS,
        );
        assert_eq!(
            values(&records.unwrap()),
            [(1, vec![Some("alice"), Some("bob"), None])]
        );
    }

    #[test]
    fn accounts_plain_or_csv() -> Result<(), Vec<LineError>> {
        let plain = parsed(b"alice\r\nbob\n\ncarol", &ACCOUNTS)?;
        assert_eq!(
            values(&plain),
            [
                (1, vec![Some("alice"), None]),
                (2, vec![Some("bob"), None]),
                (4, vec![Some("carol"), None]),
            ]
        );
        let csv = parsed(b"UserID,nick\nalice,Alice\n", &ACCOUNTS)?;
        assert_eq!(values(&csv), [(2, vec![Some("alice"), Some("Alice")])]);
        assert_eq!(
            errors(b"alice,Alice\n", &ACCOUNTS),
            [
                "line 1: a comma in userid \"alice,Alice\": for CSV, start the file with the header `userid,nick`"
            ]
        );
        Ok(())
    }

    /// A file is read in pieces, gzip-compressed or not, with a byte order mark or not, as
    /// often as asked, and gives what the same bytes in memory give; a file that changed since
    /// it was opened is refused.
    #[test]
    fn files_read_as_streams_give_what_memory_gives() {
        let dir = std::env::temp_dir().join(format!("tim-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = b"\xef\xbb\xbffrom,to,remark\r\n".to_vec();
        for i in 0..20_000 {
            text.extend_from_slice(format!("u{i},t{i},\"r, \"\"{i}\"\"\"\n").as_bytes());
        }
        text.extend_from_slice(b"\nbad\"line,x,y\nlast,one,\"open\n");
        let expected = parse(&text, &PAIRS);
        assert_eq!(expected.0.len(), 20_000);
        assert_eq!(expected.1.len(), 2);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &text).unwrap();
        let gzip = encoder.finish().unwrap();
        for (name, bytes) in [("plain.csv", &text), ("packed.csv.gz", &gzip)] {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            let source = Source::open(path.to_str().unwrap()).unwrap();
            assert_eq!(read_all(&source, &PAIRS), expected, "{name}");
            assert_eq!(read_all(&source, &PAIRS), expected, "{name}, read again");
            std::fs::write(&path, b"from,to\na,b\n").unwrap();
            let err = source.records(PAIRS, Format::Auto).err().unwrap();
            assert!(
                err.message.contains("changed while it was imported"),
                "{}",
                err.message
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn errors_keep_the_first_lines_and_count_the_rest() {
        let mut errors = Errors::default();
        for line in (1..=100).rev() {
            errors.push(LineError::new(line, "bad"));
        }
        errors.push(LineError::new(3, "worse"));
        let lines: Vec<usize> = errors.shown().iter().map(|e| e.line).collect();
        assert_eq!(lines.len(), MAX_ERRORS_SHOWN);
        assert_eq!(lines[..5], [1, 2, 3, 3, 4]);
        assert_eq!(errors.shown()[3].message, "worse");
        let message = errors.failure("f.csv").message;
        assert!(
            message
                .starts_with("f.csv: 101 errors in the input; nothing was sent\n  line 1: bad\n"),
            "{message}"
        );
        assert!(message.ends_with("\n  … and 81 more"), "{message}");
    }
}
