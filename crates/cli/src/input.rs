//! Reading the file of an import: CSV with a header, JSON lines, or one value per line; from a
//! path or stdin (`-`), gzip-compressed or not.
//!
//! The CSV reader is strict on purpose (RFC 4180): a quote inside an unquoted field, text after
//! a closing quote, a quote never closed, a field over [`MAX_FIELD_BYTES`], a record with more or
//! fewer fields than the header and invalid UTF-8 are each reported with their line, so that a
//! damaged export is caught before anything is sent rather than imported wrong. Lenient readers
//! (such as the `csv` crate's) turn `"bo"b` into `bob` and let an unclosed quote swallow the rest
//! of the file.

use std::fmt;
use std::io::Read;

use clap::ValueEnum;

use crate::output::Failure;

/// The longest field the CSV reader takes, in bytes: every field of an import is far shorter
/// (500 bytes at most), so a longer one is almost always a quote left open.
pub(crate) const MAX_FIELD_BYTES: usize = 4096;

/// How many input errors are shown before "… and N more".
pub(crate) const MAX_ERRORS_SHOWN: usize = 20;

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
#[derive(Debug)]
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

/// The input errors as one failure (exit code 2): the first [`MAX_ERRORS_SHOWN`] in line order,
/// then how many more.
pub(crate) fn failure(source: &str, mut errors: Vec<LineError>) -> Failure {
    errors.sort_by_key(|e| e.line);
    let mut message = format!(
        "{source}: {} error{} in the input; nothing was sent",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors.iter().take(MAX_ERRORS_SHOWN) {
        message.push_str("\n  ");
        message.push_str(&e.to_string());
    }
    if errors.len() > MAX_ERRORS_SHOWN {
        message.push_str(&format!(
            "\n  … and {} more",
            errors.len() - MAX_ERRORS_SHOWN
        ));
    }
    Failure::usage(message)
}

/// The bytes of an import file and how to name it in messages.
#[derive(Debug)]
pub(crate) struct Input {
    /// The path as given, or `stdin`.
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

/// Reads `path` (`-` for stdin) whole, gunzipping it if it starts with the gzip magic bytes and
/// dropping a UTF-8 byte order mark.
pub(crate) fn read(path: &str) -> Result<Input, Failure> {
    let name = if path == "-" {
        "stdin".to_owned()
    } else {
        path.to_owned()
    };
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut plain)
            .map_err(|e| Failure::usage(format!("cannot decompress {name} (gzip): {e}")))?;
        bytes = plain;
    }
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    Ok(Input { name, bytes })
}

/// The records of a file that could be read, and the errors of the others.
pub(crate) type Parsed = (Vec<Record>, Vec<LineError>);

/// The records of `input` as `schema` names them, and every error found (when the header is
/// bad, no record).
pub(crate) fn parse(input: &Input, schema: &Schema, format: Format) -> Parsed {
    let format = match format {
        Format::Auto => detect(&input.bytes, schema),
        other => other,
    };
    match format {
        Format::Jsonl => json_lines(&input.bytes, schema),
        Format::Lines => plain_lines(&input.bytes, schema),
        Format::Csv | Format::Auto => csv(&input.bytes, schema),
    }
}

/// JSON lines when the first non-blank byte is `{`; for a schema of one required column, CSV
/// only when the first line is a header of known columns that names it, else one value per line.
fn detect(bytes: &[u8], schema: &Schema) -> Format {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return Format::Jsonl;
    }
    if schema.required > 1 {
        return Format::Csv;
    }
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
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

/// The lines of `bytes` with their numbers, without `\n` or `\r\n`.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut split = body.split(|b| *b == b'\n').peekable();
    if body.is_empty() {
        // An empty input has no line at all.
        split.next();
    }
    split.enumerate().map(|(i, line)| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (i + 1, line)
    })
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

/// One UserID per line.
fn plain_lines(bytes: &[u8], schema: &Schema) -> Parsed {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let name = schema.columns[0];
    for (line, raw) in lines(bytes) {
        if raw.is_empty() {
            continue;
        }
        match utf8(raw.to_vec(), line, name) {
            Ok(value) if value.contains(',') => errors.push(LineError::new(
                line,
                format!(
                    "a comma in {name} {value:?}: for CSV, start the file with the header `{}`",
                    schema.columns.join(",")
                ),
            )),
            Ok(value) => {
                let mut values = vec![None; schema.columns.len()];
                values[0] = Some(value);
                records.push(Record { line, values });
            }
            Err(e) => errors.push(e),
        }
    }
    finish(records, errors)
}

/// The records and errors of a parse.
fn finish(records: Vec<Record>, errors: Vec<LineError>) -> Parsed {
    (records, errors)
}

/// One JSON object per line, the column names as keys and strings (or null) as values.
fn json_lines(bytes: &[u8], schema: &Schema) -> Parsed {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (line, raw) in lines(bytes) {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = match utf8(raw.to_vec(), line, "the line") {
            Ok(text) => text,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let object = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(object)) => object,
            Ok(_) => {
                errors.push(LineError::new(line, "not a JSON object"));
                continue;
            }
            Err(e) => {
                errors.push(LineError::new(line, format!("not valid JSON: {e}")));
                continue;
            }
        };
        let mut values = vec![None; schema.columns.len()];
        let mut ok = true;
        for (key, value) in object {
            let Some(index) = schema.index(&key) else {
                errors.push(LineError::new(
                    line,
                    format!("unknown key {key:?} (expected {})", schema.expected()),
                ));
                ok = false;
                continue;
            };
            match value {
                serde_json::Value::String(s) => values[index] = Some(s).filter(|s| !s.is_empty()),
                serde_json::Value::Null => {}
                other => {
                    errors.push(LineError::new(
                        line,
                        format!("{key} must be a string, not {}", json_type(&other)),
                    ));
                    ok = false;
                }
            }
        }
        if ok {
            match missing(schema, &values) {
                Some(name) => errors.push(LineError::new(line, format!("missing {name}"))),
                None => records.push(Record { line, values }),
            }
        }
    }
    finish(records, errors)
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

/// CSV with a header line.
fn csv(bytes: &[u8], schema: &Schema) -> Parsed {
    let mut reader = CsvReader::new(bytes);
    let mut errors = Vec::new();
    // The header: the first record, or the first error.
    let (header_line, header) = match reader.next_record() {
        None => {
            return (
                Vec::new(),
                vec![LineError::new(1, "empty input: no header line")],
            );
        }
        Some(Ok(record)) => record,
        Some(Err(e)) => {
            return (
                Vec::new(),
                vec![LineError::new(
                    e.line,
                    format!("in the header line: {}", e.message),
                )],
            );
        }
    };
    let mut columns = Vec::with_capacity(header.len());
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
        return (Vec::new(), errors);
    }
    let slots: Vec<usize> = columns.iter().filter_map(|c| schema.index(c)).collect();
    reader.names = columns.clone();
    let mut records = Vec::new();
    while let Some(next) = reader.next_record() {
        let (line, fields) = match next {
            Ok(record) => record,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
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
            errors.push(LineError::new(line, message));
            continue;
        }
        let mut values = vec![None; schema.columns.len()];
        let mut ok = true;
        for ((field, &slot), name) in fields.into_iter().zip(&slots).zip(&columns) {
            match utf8(field.bytes, field.line, name) {
                Ok(value) => values[slot] = Some(value).filter(|v| !v.is_empty()),
                Err(e) => {
                    errors.push(e);
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        match missing(schema, &values) {
            Some(name) => errors.push(LineError::new(line, format!("{name} is empty"))),
            None => records.push(Record { line, values }),
        }
    }
    finish(records, errors)
}

/// One field of a CSV record: where it starts and its bytes, unquoted.
#[derive(Debug)]
struct Field {
    line: usize,
    bytes: Vec<u8>,
}

/// A strict RFC 4180 reader: `,` between fields, `\n` or `\r\n` between records, a field in
/// double quotes may hold commas, line breaks and doubled quotes. After an error it skips to the
/// next line and goes on, so that every bad line is reported at once.
struct CsvReader<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    /// The header's column names, once read, to name fields in errors.
    names: Vec<String>,
}

impl<'a> CsvReader<'a> {
    /// A reader at the start of `bytes`.
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            line: 1,
            names: Vec::new(),
        }
    }

    /// The byte at the current position.
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Whether a record ends at the current position (`\n`, `\r\n` or the end).
    fn at_end_of_record(&self) -> bool {
        match self.peek() {
            None | Some(b'\n') => true,
            Some(b'\r') => self.bytes.get(self.at + 1) == Some(&b'\n'),
            _ => false,
        }
    }

    /// Steps over the end of a record.
    fn end_record(&mut self) {
        match self.peek() {
            Some(b'\n') => self.at += 1,
            Some(b'\r') => self.at += 2,
            _ => return,
        }
        self.line += 1;
    }

    /// Skips to the start of the next line after an error.
    fn skip_line(&mut self) {
        while let Some(b) = self.peek() {
            self.at += 1;
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

    /// The next record and its line, an error, or `None` at the end. Blank lines are skipped.
    fn next_record(&mut self) -> Option<Result<(usize, Vec<Field>), LineError>> {
        while self.peek().is_some() && self.at_end_of_record() {
            self.end_record();
        }
        self.peek()?;
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
            if self.peek() == Some(b',') {
                self.at += 1;
                continue;
            }
            self.end_record();
            return Some(Ok((record_line, fields)));
        }
    }

    /// The field starting at the current position; leaves the position on the `,` or end of
    /// record after it.
    fn field(&mut self, k: usize) -> Result<Field, LineError> {
        let line = self.line;
        let mut bytes = Vec::new();
        if self.peek() != Some(b'"') {
            while !self.at_end_of_record() {
                match self.peek() {
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
                self.at += 1;
                if bytes.len() > MAX_FIELD_BYTES {
                    return Err(self.too_long(k, line));
                }
            }
            return Ok(Field { line, bytes });
        }
        self.at += 1;
        loop {
            match self.peek() {
                None => {
                    return Err(LineError::new(
                        line,
                        format!("{}: the quote that opens it is never closed", self.name(k)),
                    ));
                }
                Some(b'"') if self.bytes.get(self.at + 1) == Some(&b'"') => {
                    bytes.push(b'"');
                    self.at += 2;
                }
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b) => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    bytes.push(b);
                    self.at += 1;
                }
            }
            if bytes.len() > MAX_FIELD_BYTES {
                return Err(self.too_long(k, line));
            }
        }
        if self.peek() == Some(b',') || self.at_end_of_record() {
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

    fn input(text: &[u8]) -> Input {
        Input {
            name: "test".into(),
            bytes: text.to_vec(),
        }
    }

    fn values(records: &[Record]) -> Vec<(usize, Vec<Option<&str>>)> {
        records
            .iter()
            .map(|r| (r.line, r.values.iter().map(|v| v.as_deref()).collect()))
            .collect()
    }

    fn parsed(text: &[u8], schema: &Schema) -> Result<Vec<Record>, Vec<LineError>> {
        match parse(&input(text), schema, Format::Auto) {
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
}
