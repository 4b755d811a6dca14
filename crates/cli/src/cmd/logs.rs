//! `tim logs stats`: counts of logs in the protocol crate's format (JSON lines of requests,
//! replies and exchanges), by endpoint, whole-request `ErrorCode` and item `ResultCode`.
//!
//! The input is cut into blocks at line ends by one thread and the blocks are read by worker
//! threads with [`LogLines`], so that a large log is read at the speed of several cores; line
//! numbers and counts are exactly those of reading the log from start to end.

use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use clap::Subcommand;
use serde_json::{Map, Value, json};
use tencent_im_protocol::ErrorCode;
use tencent_im_protocol::log::{
    DEFAULT_MAX_LINE_LEN, EndpointStats, LogErrorKind, LogLineError, LogLines, LogStats,
};

use crate::output::{Exit, Failure, Out};

/// Logs commands.
#[derive(Debug, Subcommand)]
pub(crate) enum LogsCommand {
    /// Count a log's records by endpoint, whole-request ErrorCode and item ResultCode.
    ///
    /// Reads JSON-lines logs of request bodies, reply bodies and exchanges
    /// (`{"api":…,"request":…,"response":…}`; the format is in the protocol crate's README),
    /// gzip-compressed or not. Lines that are not records are counted and the first ones named
    /// on stderr (by number, never quoted); they do not stop the count. Exit 0 when every input
    /// was read to its end, 1 when reading one failed partway (the counts cover what was read),
    /// 2 when an input cannot be opened.
    Stats {
        /// Log files (`.gz` or not, recognized by content); `-` for stdin.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Worker threads (default: one per CPU, at most 16). Each holds a 4 MiB piece.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: Option<u16>,
    },
}

impl LogsCommand {
    pub(crate) fn run(self, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::Stats { files, threads } => {
                let threads = threads.map_or_else(
                    || std::thread::available_parallelism().map_or(1, |n| n.get().min(16)),
                    usize::from,
                );
                stats(&files, threads, out)
            }
        }
    }
}

/// How inputs are cut into pieces for the workers.
#[derive(Debug, Clone, Copy)]
struct Cut {
    /// How many bytes the reader thread reads for a piece (more when a line is longer).
    block: usize,
    /// The longest line, without its `\n`; longer ones are bad lines, skipped unread.
    max_line: usize,
}

/// 4 MiB pieces, and the protocol crate's default longest line.
const CUT: Cut = Cut {
    block: 4 << 20,
    max_line: DEFAULT_MAX_LINE_LEN,
};
/// How many bad lines are named on stderr.
const SHOWN_BAD_LINES: usize = 10;
const BOM: &[u8] = b"\xEF\xBB\xBF";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// One input, opened.
struct Input {
    name: String,
    reader: Box<dyn BufRead + Send>,
}

fn open(path: &PathBuf, stdin_taken: &mut bool) -> Result<Input, Failure> {
    let (name, raw): (String, Box<dyn Read + Send>) = if path.as_os_str() == "-" {
        if std::mem::replace(stdin_taken, true) {
            return Err(Failure::usage("`-` (stdin) is given more than once"));
        }
        ("<stdin>".to_owned(), Box::new(io::stdin()))
    } else {
        let file = File::open(path)
            .map_err(|e| Failure::io(&format!("cannot open {}", path.display()), &e))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(Failure::usage(format!(
                "{} is a directory, not a log",
                path.display()
            )));
        }
        (path.display().to_string(), Box::new(file))
    };
    let mut buffered = BufReader::with_capacity(256 << 10, raw);
    let is_gzip = match buffered.fill_buf() {
        Ok(head) => head.starts_with(GZIP_MAGIC),
        Err(e) => return Err(Failure::io(&format!("cannot read {name}"), &e)),
    };
    let reader: Box<dyn BufRead + Send> = if is_gzip {
        Box::new(BufReader::with_capacity(
            256 << 10,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    Ok(Input { name, reader })
}

/// What the reader thread hands to the workers, numbered in input order.
enum Piece {
    /// Whole lines (the last one of an input may lack its `\n`).
    Lines {
        data: Vec<u8>,
        /// Whether `data` starts at the start of its input (where a BOM is skipped).
        at_start: bool,
    },
    /// A line longer than the limit, skipped without being kept.
    TooLong,
}

/// The counts of one piece, or of everything once merged.
#[derive(Default)]
struct Tally {
    /// Records, failures and item `ResultCode`s, by endpoint.
    stats: LogStats,
    /// Lines the piece spans (blank ones included).
    lines: u64,
    /// The first bad lines: line number within the piece, and what is wrong.
    bad: Vec<(u64, String)>,
}

impl Tally {
    fn bad_line(&mut self, line: u64, error: &LogLineError) {
        self.stats.add_error(error);
        if self.bad.len() < SHOWN_BAD_LINES {
            // "line 17: not a log record (…)" without the line, numbered again by the caller.
            let shown = error.to_string();
            let mut text = shown
                .split_once(": ")
                .map_or_else(|| error.kind().to_string(), |(_, what)| what.to_owned());
            if let Some(column) = error.column() {
                let _ = write!(text, " (column {column})");
            }
            // A truncated last line says so in its kind; a cut line in the middle of the log is
            // "not JSON (…) (truncated)".
            if error.is_truncated() && error.kind() != LogErrorKind::Truncated {
                text.push_str(" (truncated)");
            }
            self.bad.push((line, text));
        }
    }

    /// Counts the lines of `bytes`, which come after the lines counted so far.
    fn scan(&mut self, bytes: &[u8], max_line: usize) {
        let base = self.lines;
        let mut lines = LogLines::new(bytes).max_line_len(max_line);
        for item in lines.by_ref() {
            match item {
                Ok(record) => self.stats.add_record(&record),
                Err(e) => self.bad_line(base + e.line(), &e),
            }
        }
        self.lines = base + lines.line();
    }

    /// Adds the counts of `other` (not its lines or bad-line list).
    fn add_counts(&mut self, other: &Tally) {
        self.stats.merge(&other.stats);
    }
}

/// Counts one piece.
fn count(piece: Piece, max_line: usize) -> Tally {
    let mut tally = Tally::default();
    match piece {
        Piece::TooLong => {
            tally.stats.bad_lines += 1;
            tally
                .bad
                .push((1, format!("longer than the limit of {max_line} bytes")));
            tally.lines = 1;
        }
        Piece::Lines { mut data, at_start } => {
            if !at_start && data.starts_with(BOM) {
                // A BOM is skipped only at the start of an input: behind a blank line the
                // reader treats this line as it would in the middle of the log. (Rare: a
                // piece starting with a BOM in the middle of an input.)
                data.insert(0, b'\n');
                tally.scan(&data, max_line);
                for bad in &mut tally.bad {
                    bad.0 = bad.0.saturating_sub(1);
                }
                tally.lines = tally.lines.saturating_sub(1);
            } else {
                tally.scan(&data, max_line);
            }
        }
    }
    tally
}

/// What the reader thread found wrong with an input it could not read to the end.
struct ReadFailure {
    input: usize,
    error: io::Error,
}

/// Cuts `input` into pieces at line ends and sends them, numbered from `*seq`.
fn split(
    index: usize,
    reader: &mut dyn BufRead,
    cut: Cut,
    seq: &mut u64,
    tx: &SyncSender<(u64, usize, Piece)>,
) -> Result<u64, ReadFailure> {
    let fail = |error| ReadFailure {
        input: index,
        error,
    };
    let mut bytes = 0u64;
    let mut carry: Vec<u8> = Vec::new();
    let mut at_start = true;
    let send = |piece: Piece, seq: &mut u64| {
        // The workers stop only when this sender is dropped, so sending cannot fail; if it
        // did, the counts would simply miss this piece.
        let _ = tx.send((*seq, index, piece));
        *seq += 1;
    };
    loop {
        let mut data = Vec::with_capacity(cut.block.max(carry.len() * 2));
        data.append(&mut carry);
        let searched = data.len();
        let (read, error) = fill(reader, &mut data, cut.block);
        bytes += read as u64;
        if let Some(error) = error {
            // Count the whole lines read before the failure, as a line-by-line reader would.
            if let Some(end) = data.iter().rposition(|&b| b == b'\n') {
                data.truncate(end + 1);
                send(Piece::Lines { data, at_start }, seq);
            }
            return Err(fail(error));
        }
        if read == 0 {
            if !data.is_empty() {
                // What is carried is never longer than the limit.
                send(Piece::Lines { data, at_start }, seq);
            }
            return Ok(bytes);
        }
        match data
            .get(searched..)
            .and_then(|new| new.iter().rposition(|&b| b == b'\n'))
        {
            Some(i) => {
                let end = searched + i + 1;
                carry.extend_from_slice(data.get(end..).unwrap_or_default());
                data.truncate(end);
                if let Some(too_long) = first_line_too_long(&data, cut.max_line) {
                    // The carried line ended in this block but is over the limit.
                    send(Piece::TooLong, seq);
                    data.drain(..too_long);
                    at_start = false;
                }
                if !data.is_empty() {
                    send(Piece::Lines { data, at_start }, seq);
                }
                at_start = false;
            }
            None if data.len() > cut.max_line => {
                // A line longer than the limit: skip to its end without keeping it.
                send(Piece::TooLong, seq);
                at_start = false;
                match skip_line(reader).map_err(fail)? {
                    (skipped, true) => bytes += skipped,
                    (skipped, false) => return Ok(bytes + skipped),
                }
            }
            None => carry = data,
        }
    }
}

/// The length (with its `\n`) of `data`'s first line if it is over the limit.
fn first_line_too_long(data: &[u8], max_line: usize) -> Option<usize> {
    let window = data.get(..max_line.saturating_add(1))?;
    match window.iter().position(|&b| b == b'\n') {
        Some(_) => None,
        None => data
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| i + 1)
            .or(Some(data.len())),
    }
}

/// Appends up to `want` bytes of `reader` to `data`; returns how many (0 at the end), and the
/// error that stopped it early.
fn fill(reader: &mut dyn BufRead, data: &mut Vec<u8>, want: usize) -> (usize, Option<io::Error>) {
    let mut total = 0;
    while total < want {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return (total, Some(e)),
        };
        if available.is_empty() {
            break;
        }
        let n = available.len().min(want - total);
        data.extend_from_slice(available.get(..n).unwrap_or_default());
        reader.consume(n);
        total += n;
    }
    (total, None)
}

/// Consumes `reader` up to and including the next `\n`; returns the bytes consumed and whether
/// a `\n` was found before the end.
fn skip_line(reader: &mut dyn BufRead) -> io::Result<(u64, bool)> {
    let mut skipped = 0u64;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((skipped, false));
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok((skipped + i as u64 + 1, true));
            }
            None => {
                let n = available.len();
                reader.consume(n);
                skipped += n as u64;
            }
        }
    }
}

/// What reading every input gave.
struct Totals {
    total: Tally,
    /// The first bad lines: input, line number, what is wrong.
    shown: Vec<(usize, u64, String)>,
    /// Bytes read (after decompression).
    bytes: u64,
    failures: Vec<ReadFailure>,
}

/// Reads `readers` one after the other, cut into pieces counted by `threads` workers, and adds
/// the counts up in input order (line numbers restart with each input).
fn tally_inputs(readers: &mut [Box<dyn BufRead + Send>], threads: usize, cut: Cut) -> Totals {
    let threads = threads.max(1);
    // Pieces wait in a short queue: memory stays at a few pieces per worker.
    let (tx, rx) = sync_channel::<(u64, usize, Piece)>(2);
    let rx: Arc<Mutex<Receiver<(u64, usize, Piece)>>> = Arc::new(Mutex::new(rx));
    let (results_tx, results_rx) = std::sync::mpsc::channel::<(u64, usize, Tally)>();
    let (bytes, failures) = std::thread::scope(|scope| {
        for _ in 0..threads {
            let rx = Arc::clone(&rx);
            let results_tx = results_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((seq, input, piece)) = next else {
                        return;
                    };
                    if results_tx
                        .send((seq, input, count(piece, cut.max_line)))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
        drop(results_tx);
        let mut seq = 0u64;
        let mut bytes = 0u64;
        let mut failures = Vec::new();
        for (index, reader) in readers.iter_mut().enumerate() {
            match split(index, reader, cut, &mut seq, &tx) {
                Ok(n) => bytes += n,
                Err(failure) => failures.push(failure),
            }
        }
        drop(tx);
        (bytes, failures)
    });
    let mut pieces: Vec<(u64, usize, Tally)> = results_rx.into_iter().collect();
    pieces.sort_unstable_by_key(|(seq, ..)| *seq);

    let mut total = Tally::default();
    let mut shown = Vec::new();
    let mut current = None;
    let mut line_base = 0u64;
    for (_, input, tally) in pieces {
        if current != Some(input) {
            current = Some(input);
            line_base = 0;
        }
        for (line, what) in &tally.bad {
            if shown.len() < SHOWN_BAD_LINES {
                shown.push((input, line_base + line, what.clone()));
            }
        }
        line_base += tally.lines;
        total.add_counts(&tally);
    }
    // As the protocol crate's reader does, a failed read counts as a bad line.
    total.stats.bad_lines += failures.len() as u64;
    Totals {
        total,
        shown,
        bytes,
        failures,
    }
}

/// Reads every input with `threads` workers, then prints the counts.
fn stats(files: &[PathBuf], threads: usize, out: Out) -> Result<Exit, Failure> {
    let mut stdin_taken = false;
    let inputs = files
        .iter()
        .map(|path| open(path, &mut stdin_taken))
        .collect::<Result<Vec<_>, _>>()?;
    let (names, mut readers): (Vec<String>, Vec<_>) =
        inputs.into_iter().map(|i| (i.name, i.reader)).unzip();
    let started = Instant::now();
    let Totals {
        total,
        shown,
        bytes,
        failures,
    } = tally_inputs(&mut readers, threads, CUT);
    let seconds = started.elapsed().as_secs_f64();
    let name = |input: usize| names.get(input).map_or("", String::as_str);
    let shown: Vec<String> = shown
        .into_iter()
        .map(|(input, line, what)| format!("{}: line {line}: {what}", name(input)))
        .collect();
    let read_errors: Vec<String> = failures
        .iter()
        .map(|f| format!("{}: cannot read: {}", name(f.input), f.error))
        .collect();

    for line in &shown {
        eprintln!("bad line: {line}");
    }
    let named = shown.len() as u64 + read_errors.len() as u64;
    if total.stats.bad_lines > named {
        eprintln!(
            "bad lines: {} in all (the first {} named above)",
            total.stats.bad_lines,
            shown.len()
        );
    }
    for error in &read_errors {
        eprintln!("error: {error}");
    }
    let document = document(&total, &names, bytes, seconds, &read_errors);
    let human = Human {
        total: &total,
        bytes,
        seconds,
    };
    out.emit(&document, human);
    Ok(if failures.is_empty() {
        Exit::Success
    } else {
        Exit::Partial
    })
}

/// The counts as one JSON document.
fn document(
    total: &Tally,
    names: &[String],
    bytes: u64,
    seconds: f64,
    read_errors: &[String],
) -> Value {
    let s = &total.stats;
    let mut endpoints = Map::new();
    let endpoint_json = |counts: &EndpointStats| {
        json!({
            "records": counts.records,
            "replies": counts.replies,
            "failures": counts.failures,
            "items": counts.items,
            "item_failures": counts.item_failures,
        })
    };
    for (endpoint, counts) in &s.endpoints {
        endpoints.insert(endpoint.to_string(), endpoint_json(counts));
    }
    let codes = |counts: &std::collections::BTreeMap<ErrorCode, u64>| {
        counts
            .iter()
            .map(|(code, n)| (code.get().to_string(), json!(n)))
            .collect::<Map<String, Value>>()
    };
    json!({
        "inputs": names,
        "bytes": bytes,
        "seconds": seconds,
        "records": s.records,
        "requests": s.requests,
        "responses": s.responses,
        "exchanges": s.exchanges,
        "bad_lines": s.bad_lines,
        "endpoints": endpoints,
        "unknown_endpoint": endpoint_json(&s.unknown_endpoint),
        "error_codes": codes(&s.failures),
        "result_codes": codes(&s.result_codes),
        "read_errors": read_errors,
    })
}

/// The counts as tables.
struct Human<'a> {
    total: &'a Tally,
    bytes: u64,
    seconds: f64,
}

impl fmt::Display for Human<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.total.stats;
        let mb_per_s = if self.seconds > 0.0 {
            self.bytes as f64 / 1e6 / self.seconds
        } else {
            0.0
        };
        writeln!(
            f,
            "{} records ({} requests, {} responses, {} exchanges), {} bad lines; {} bytes in {:.2} s ({:.0} MB/s)",
            s.records,
            s.requests,
            s.responses,
            s.exchanges,
            s.bad_lines,
            self.bytes,
            self.seconds,
            mb_per_s
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<44} {:>10} {:>10} {:>10} {:>10} {:>12}",
            "ENDPOINT", "RECORDS", "REPLIES", "FAILURES", "ITEMS", "ITEM_FAILED"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, c: &EndpointStats| {
            writeln!(
                f,
                "{name:<44} {:>10} {:>10} {:>10} {:>10} {:>12}",
                c.records, c.replies, c.failures, c.items, c.item_failures
            )
        };
        for (endpoint, c) in &s.endpoints {
            row(f, &endpoint.to_string(), c)?;
        }
        if s.unknown_endpoint.records > 0 {
            row(f, "(unknown endpoint)", &s.unknown_endpoint)?;
        }
        if !s.failures.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "{:<10} {:>10}  WHOLE-REQUEST FAILURE",
                "ERRORCODE", "COUNT"
            )?;
            for (code, n) in &s.failures {
                writeln!(f, "{:<10} {n:>10}  {}", code.get(), describe(*code))?;
            }
        }
        if !s.result_codes.is_empty() {
            writeln!(f)?;
            writeln!(f, "{:<10} {:>10}  ITEM RESULT", "RESULTCODE", "COUNT")?;
            for (code, n) in &s.result_codes {
                let about = if code.is_ok() { "ok" } else { describe(*code) };
                writeln!(f, "{:<10} {n:>10}  {about}", code.get())?;
            }
        }
        Ok(())
    }
}

fn describe(code: ErrorCode) -> &'static str {
    code.description().unwrap_or("(a code tim does not know)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tencent_im_protocol::Endpoint;
    use tencent_im_protocol::log::LogReader;

    /// The protocol crate's own reader, line by line: the reference.
    fn sequential(bytes: &[u8], max_line: usize) -> (LogStats, Vec<u64>) {
        let mut reader = LogReader::new(bytes).max_line_len(max_line);
        let mut stats = LogStats::default();
        let mut bad = Vec::new();
        while let Some(item) = reader.next_record() {
            if let Err(e) = &item {
                bad.push(e.line());
            }
            stats.add(&item);
        }
        (stats, bad)
    }

    fn parallel(inputs: &[&[u8]], cut: Cut, threads: usize) -> Totals {
        let mut readers: Vec<Box<dyn BufRead + Send>> = inputs
            .iter()
            .map(|b| Box::new(io::Cursor::new(b.to_vec())) as Box<dyn BufRead + Send>)
            .collect();
        tally_inputs(&mut readers, threads, cut)
    }

    /// A log of every kind of line, chosen by a small deterministic generator.
    fn log(seed: u64, lines: usize) -> Vec<u8> {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        let mut out = Vec::new();
        if next() % 3 == 0 {
            out.extend_from_slice(BOM);
        }
        for _ in 0..lines {
            let line: Vec<u8> = match next() % 12 {
                0 => br#"{"api":"sns/friend_add","request":{"From_Account":"a","AddFriendItem":[]},"response":{"ResultItem":[{"To_Account":"b","ResultCode":0},{"To_Account":"c","ResultCode":30539}],"ActionStatus":"OK","ErrorCode":0}}"#.to_vec(),
                1 => br#"{"From_Account":"a","AddFriendItem":[{"To_Account":"b"}]}"#.to_vec(),
                2 => br#"{"InfoItem":[{"To_Account":"b","Relation":"x","ResultCode":0}],"ActionStatus":"OK","ErrorCode":0}"#.to_vec(),
                3 => br#"{"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"x"}"#.to_vec(),
                4 => b"".to_vec(),
                5 => b"  \r".to_vec(),
                6 => b"not json".to_vec(),
                7 => [BOM, &b"{\"ActionStatus\":\"OK\",\"ErrorCode\":0}"[..]].concat(),
                8 => {
                    let mut long = br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""#.to_vec();
                    long.extend(std::iter::repeat_n(b'x', next() % 300));
                    long.extend_from_slice(b"\"}");
                    long
                }
                9 => br#"{"ResultItem":[{"ResultCode":70107},{"ResultCode":"7"},null,3],"ErrorCode":1,"ActionStatus":"FAIL"}"#.to_vec(),
                10 => b"{\"api\":\"sns/friend_add\",\"request\":{\"From_Account\":\"al".to_vec(),
                _ => br#"{"ResultItem":null,"ActionStatus":"OK","ErrorCode":0}"#.to_vec(),
            };
            out.extend_from_slice(&line);
            out.extend_from_slice(if next() % 4 == 0 { b"\r\n" } else { b"\n" });
        }
        if next() % 2 == 0 {
            out.extend_from_slice(br#"{"ActionStatus":"OK","ErrorCode":0}"#);
        }
        out
    }

    #[test]
    fn pieces_count_as_the_sequential_reader_does() {
        for seed in 0..40u64 {
            let bytes = log(seed, 200);
            for max_line in [64usize, 120, 1 << 20] {
                let (expected, bad) = sequential(&bytes, max_line);
                for block in [1usize, 7, 64, 100, 333, 4096] {
                    for threads in [1, 3] {
                        let cut = Cut { block, max_line };
                        let got = parallel(&[&bytes], cut, threads);
                        let context = format!("seed {seed} max_line {max_line} block {block}");
                        assert_eq!(got.total.stats, expected, "{context}");
                        assert_eq!(got.bytes, bytes.len() as u64, "{context}");
                        let lines: Vec<u64> = got.shown.iter().map(|s| s.1).collect();
                        let first: Vec<u64> = bad.iter().copied().take(SHOWN_BAD_LINES).collect();
                        assert_eq!(lines, first, "{context}");
                    }
                }
            }
        }
    }

    #[test]
    fn item_codes_do_not_depend_on_the_cut() {
        let bytes = log(7, 500);
        let reference = parallel(&[&bytes], CUT, 1).total;
        let got = parallel(
            &[&bytes],
            Cut {
                block: 50,
                max_line: 1 << 20,
            },
            2,
        )
        .total;
        assert_eq!(got.stats, reference.stats);
        let codes = &reference.stats.result_codes;
        assert!(codes.get(&ErrorCode::new(30539)).is_some_and(|n| *n > 0));
        assert!(codes.get(&ErrorCode::new(70107)).is_some_and(|n| *n > 0));
        // A string, null or a bare number is not an item with a ResultCode.
        assert!(!codes.contains_key(&ErrorCode::new(7)));
        let friend_add = reference.stats.endpoints[&Endpoint::FriendAdd];
        assert!(friend_add.items > friend_add.item_failures && friend_add.item_failures > 0);
    }

    #[test]
    fn line_numbers_restart_with_each_input() {
        let a = b"{}\nnot json\n".as_slice();
        let b = b"oops\n{}\n".as_slice();
        let got = parallel(
            &[a, b],
            Cut {
                block: 3,
                max_line: 100,
            },
            2,
        );
        let lines: Vec<(usize, u64)> = got.shown.iter().map(|s| (s.0, s.1)).collect();
        assert_eq!(lines, [(0, 2), (1, 1)]);
        assert_eq!(got.total.stats.records, 2);
    }
}
