//! Reads a log of Tencent IM REST traffic (JSON lines) and prints how many records each endpoint
//! has, the whole-request failures per error code, and every line that is not a record.
//!
//! ```text
//! cargo run -p tencent-im-protocol --example read_log -- tests/fixtures/log/mixed.jsonl
//! some-service --dump-log | cargo run -p tencent-im-protocol --example read_log
//! ```
//!
//! It depends on `tencent-im-protocol` alone, and reads in bounded memory whatever the size of
//! the log.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::process::ExitCode;

use tencent_im_protocol::log::{LogErrorKind, LogReader, LogStats};

fn main() -> ExitCode {
    let input: Box<dyn BufRead> = match std::env::args_os().nth(1) {
        Some(path) => match File::open(&path) {
            Ok(file) => Box::new(BufReader::with_capacity(256 << 10, file)),
            Err(e) => {
                eprintln!("cannot open {}: {e}", path.to_string_lossy());
                return ExitCode::FAILURE;
            }
        },
        None => Box::new(io::stdin().lock()),
    };

    let mut reader = LogReader::new(input);
    let mut stats = LogStats::default();
    let mut read_failed = false;
    while let Some(item) = reader.next_record() {
        if let Err(e) = &item {
            // The message names the line and the problem, never the line's content.
            match std::error::Error::source(e) {
                Some(source) => eprintln!("{e}: {source}"),
                None => eprintln!("{e}"),
            }
            read_failed |= e.kind() == LogErrorKind::Io;
        }
        stats.add(&item);
    }

    println!(
        "{} records ({} requests, {} responses, {} exchanges), {} bad lines",
        stats.records, stats.requests, stats.responses, stats.exchanges, stats.bad_lines
    );
    println!(
        "{:<44} {:>10} {:>10} {:>10}",
        "endpoint", "records", "replies", "failures"
    );
    for (endpoint, counts) in &stats.endpoints {
        println!(
            "{:<44} {:>10} {:>10} {:>10}",
            endpoint.to_string(),
            counts.records,
            counts.replies,
            counts.failures
        );
    }
    let unknown = stats.unknown_endpoint;
    if unknown.records > 0 {
        println!(
            "{:<44} {:>10} {:>10} {:>10}",
            "(unknown)", unknown.records, unknown.replies, unknown.failures
        );
    }
    if !stats.failures.is_empty() {
        println!("whole-request failures:");
        for (code, count) in &stats.failures {
            let about = code.description().unwrap_or("not a code this crate knows");
            println!("  {code:>6} x{count}: {about}");
        }
    }
    if read_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
