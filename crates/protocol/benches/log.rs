//! Log reading throughput over a generated log file of at least 100 MB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tencent_im_protocol::log::{LogReader, LogStats, read_log};

const TARGET_BYTES: u64 = 100 * 1024 * 1024;

/// Writes a log of friend_add traffic: a third each of exchanges, bare requests and bare
/// replies, with 1 to 20 items per call and a failed reply now and then.
fn generate(path: &PathBuf) -> u64 {
    let mut out = BufWriter::new(File::create(path).unwrap());
    let mut written = 0u64;
    let mut n = 0u64;
    while written < TARGET_BYTES {
        let items = 1 + (n % 20);
        let mut request = format!(r#"{{"From_Account":"user_{n:08}","AddFriendItem":["#);
        let mut reply = String::from(r#"{"ResultItem":["#);
        for i in 0..items {
            let sep = if i == 0 { "" } else { "," };
            request.push_str(&format!(
                r#"{sep}{{"To_Account":"peer_{n:08}_{i:02}","Remark":"remark {i}","AddSource":"AddSource_Type_Android","AddWording":"hello from the chess club"}}"#
            ));
            let code = if i % 7 == 3 { 30539 } else { 0 };
            reply.push_str(&format!(
                r#"{sep}{{"To_Account":"peer_{n:08}_{i:02}","ResultCode":{code},"ResultInfo":""}}"#
            ));
        }
        request.push_str(r#"],"AddType":"Add_Type_Both"}"#);
        reply.push_str(r#"],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#);
        if n % 97 == 0 {
            reply = r#"{"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"rate limited","ErrorDisplay":""}"#.to_owned();
        }
        let line = match n % 3 {
            0 => format!(
                r#"{{"ts":"2026-11-26T05:00:00Z","random":{n},"api":"sns/friend_add","request":{request},"response":{reply}}}"#
            ),
            1 => request,
            _ => reply,
        };
        out.write_all(line.as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
        written += line.len() as u64 + 1;
        n += 1;
    }
    out.flush().unwrap();
    written
}

fn bench(c: &mut Criterion) {
    let path =
        std::env::temp_dir().join(format!("tencent-im-log-bench-{}.jsonl", std::process::id()));
    let size = generate(&path);
    let bytes = std::fs::read(&path).unwrap();

    let mut g = c.benchmark_group("log");
    g.throughput(Throughput::Bytes(size));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("read_log_in_memory", |b| {
        b.iter(|| {
            let mut stats = LogStats::default();
            for item in read_log(black_box(&bytes)) {
                stats.add(&item);
            }
            stats
        })
    });
    g.bench_function("log_reader_file", |b| {
        b.iter(|| {
            let file = BufReader::with_capacity(256 * 1024, File::open(&path).unwrap());
            let mut reader = LogReader::new(file);
            let mut stats = LogStats::default();
            while let Some(item) = reader.next_record() {
                stats.add(&item);
            }
            stats
        })
    });
    g.finish();
    drop(bytes);
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, bench);
criterion_main!(benches);
