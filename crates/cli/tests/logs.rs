//! `tim logs stats`, run as a user runs it on log files, gzip-compressed files and stdin: the
//! counts by endpoint, ErrorCode and item ResultCode, bad lines, exit codes and `--json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write as _;
use std::path::PathBuf;

use common::{TempDir, code, json, run_with_stdin, stderr, stdout, tim};

/// Eight lines: two friend_add exchanges (items 0, 30539, 0), a bare request, a rate-limited
/// bare reply, a friend_check reply (InfoItem), an account_check exchange that failed with
/// 70001, a line that is not JSON, and a blank line.
const LOG: &str = concat!(
    r#"{"api":"sns/friend_add","request":{"From_Account":"a","AddFriendItem":[{"To_Account":"b","AddSource":"AddSource_Type_Web"},{"To_Account":"c","AddSource":"AddSource_Type_Web"}]},"response":{"ResultItem":[{"To_Account":"b","ResultCode":0,"ResultInfo":""},{"To_Account":"c","ResultCode":30539,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}}"#,
    "\n",
    r#"{"From_Account":"a","AddFriendItem":[{"To_Account":"d","AddSource":"AddSource_Type_Web"}]}"#,
    "\n",
    r#"{"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"rate limited"}"#,
    "\n",
    "not json at all\n",
    "\n",
    r#"{"api":"v4/sns/friend_check","request":{"From_Account":"a","To_Account":["b"],"CheckType":"CheckResult_Type_Both"},"response":{"InfoItem":[{"To_Account":"b","Relation":"CheckResult_Type_BothWay","ResultCode":0,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}}"#,
    "\n",
    r#"{"api":"im_open_login_svc/account_check","request":{"CheckItem":[{"UserID":"a"}]},"response":{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"expired"}}"#,
    "\n",
    r#"{"api":"sns/friend_add","request":null,"response":{"ResultItem":[{"To_Account":"e","ResultCode":0,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}}"#,
    "\n",
);

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn assert_counts(doc: &serde_json::Value, times: u64) {
    assert_eq!(doc["records"], 6 * times, "{doc}");
    assert_eq!(doc["requests"], times);
    assert_eq!(doc["responses"], times);
    assert_eq!(doc["exchanges"], 4 * times);
    assert_eq!(doc["bad_lines"], times);
    let friend_add = &doc["endpoints"]["sns/friend_add"];
    assert_eq!(friend_add["records"], 3 * times);
    assert_eq!(friend_add["replies"], 2 * times);
    assert_eq!(friend_add["failures"], 0);
    assert_eq!(friend_add["items"], 3 * times);
    assert_eq!(friend_add["item_failures"], times);
    assert_eq!(doc["endpoints"]["sns/friend_check"]["items"], times);
    assert_eq!(
        doc["endpoints"]["im_open_login_svc/account_check"]["failures"],
        times
    );
    assert_eq!(doc["unknown_endpoint"]["failures"], times);
    assert_eq!(doc["error_codes"]["60007"], times);
    assert_eq!(doc["error_codes"]["70001"], times);
    assert_eq!(doc["result_codes"]["0"], 3 * times);
    assert_eq!(doc["result_codes"]["30539"], times);
}

#[test]
fn counts_a_log_by_endpoint_error_code_and_result_code() {
    let dir = TempDir::new("logs");
    let path = write(&dir, "app.log", LOG.as_bytes());
    let out = tim(None, &dir)
        .args(["--json", "logs", "stats"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_counts(&doc, 1);
    assert_eq!(doc["bytes"], LOG.len());
    // The bad line is named on stderr by file and number, not quoted.
    let err = stderr(&out);
    assert!(err.contains("app.log: line 4: not JSON"), "{err}");
    assert!(!err.contains("not json at all"), "{err}");
}

#[test]
fn tables_name_endpoints_and_codes() {
    let dir = TempDir::new("logs");
    let path = write(&dir, "app.log", LOG.as_bytes());
    let out = tim(None, &dir)
        .args(["logs", "stats"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.starts_with("6 records (1 requests, 1 responses, 4 exchanges), 1 bad lines"),
        "{text}"
    );
    for needle in [
        "sns/friend_add",
        "im_open_login_svc/account_check",
        "(unknown endpoint)",
        "60007",
        "REST API call rate over the limit",
        "70001",
        "30539",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
}

#[test]
fn gzip_files_several_inputs_and_stdin_add_up() {
    let dir = TempDir::new("logs");
    let plain = write(&dir, "a.log", LOG.as_bytes());
    let packed = write(&dir, "b.log.gz", &gzip(LOG.as_bytes()));
    let mut cmd = tim(None, &dir);
    cmd.args(["--json", "logs", "stats", "--threads", "3"])
        .arg(&plain)
        .arg(&packed)
        .arg("-");
    let out = run_with_stdin(cmd, &gzip(LOG.as_bytes()));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_counts(&doc, 3);
    assert_eq!(doc["inputs"].as_array().unwrap().len(), 3);
    let err = stderr(&out);
    // Line numbers restart with each input.
    for name in ["a.log", "b.log.gz", "<stdin>"] {
        assert!(err.contains(&format!("{name}: line 4: not JSON")), "{err}");
    }
}

#[test]
fn a_big_log_read_in_pieces_counts_every_line() {
    let dir = TempDir::new("logs");
    // About 9 MB: more than two of the pieces the reader hands to its workers.
    let copies = 9_000_000 / LOG.len() + 1;
    let text = LOG.repeat(copies);
    let path = write(&dir, "big.log", text.as_bytes());
    let out = tim(None, &dir)
        .args(["--json", "logs", "stats", "--threads", "2"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_counts(&json(&out), copies as u64);
    // The tenth bad line is the 4th line of the 10th copy; only ten are named.
    let err = stderr(&out);
    assert!(
        err.contains(&format!("line {}: not JSON", 9 * 8 + 4)),
        "{err}"
    );
    assert!(
        err.contains(&format!("bad lines: {copies} in all")),
        "{err}"
    );
}

#[test]
fn a_missing_file_exits_2_and_a_truncated_gzip_exits_1() {
    let dir = TempDir::new("logs");
    let missing = tim(None, &dir)
        .args(["logs", "stats"])
        .arg(dir.path().join("nope.log"))
        .output()
        .unwrap();
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("cannot open"),
        "{}",
        stderr(&missing)
    );

    let packed = gzip(LOG.repeat(200).as_bytes());
    let cut = write(&dir, "cut.log.gz", &packed[..packed.len() / 2]);
    let out = tim(None, &dir)
        .args(["--json", "logs", "stats"])
        .arg(&cut)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    assert!(doc["records"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(doc["read_errors"].as_array().unwrap().len(), 1);
    assert!(
        stderr(&out).contains("cut.log.gz: cannot read"),
        "{}",
        stderr(&out)
    );

    let usage = tim(None, &dir).args(["logs", "stats"]).output().unwrap();
    assert_eq!(code(&usage), 2);
}

#[test]
fn an_empty_log_has_no_records() {
    let dir = TempDir::new("logs");
    let path = write(&dir, "empty.log", b"");
    let out = tim(None, &dir)
        .args(["--json", "logs", "stats"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let doc = json(&out);
    assert_eq!(doc["records"], 0);
    assert_eq!(doc["bad_lines"], 0);
}

#[test]
fn a_cut_last_line_is_named_truncated_and_every_item_code_counts() {
    let dir = TempDir::new("logs");
    // A reply with six distinct item codes, a line cut short in the middle of the log, and a
    // last line cut off mid-record (no newline).
    let six = r#"{"ResultItem":[{"ResultCode":0},{"ResultCode":30001},{"ResultCode":30010},{"ResultCode":30014},{"ResultCode":30539},{"ResultCode":30525},{"ResultCode":0}],"ActionStatus":"OK","ErrorCode":0}"#;
    let text = format!(
        "{six}\n{{\"api\":\"sns/friend_add\",\"response\":{{\"ResultItem\":[{{\"ResultCode\":0\n{}",
        &LOG[..40]
    );
    let path = write(&dir, "cut.log", text.as_bytes());
    let out = tim(None, &dir)
        .args(["--json", "logs", "stats"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["records"], 1, "{doc}");
    assert_eq!(doc["bad_lines"], 2);
    let codes = &doc["result_codes"];
    assert_eq!(codes.as_object().unwrap().len(), 6, "{doc}");
    assert_eq!(codes["0"], 2);
    assert_eq!(codes["30525"], 1);
    assert_eq!(doc["unknown_endpoint"]["items"], 7);
    assert_eq!(doc["unknown_endpoint"]["item_failures"], 5);
    let err = stderr(&out);
    assert!(
        err.contains("cut.log: line 2: not JSON (column 65) (truncated)"),
        "{err}"
    );
    assert!(
        err.contains("cut.log: line 3: truncated (column 40)"),
        "{err}"
    );

    let table = tim(None, &dir)
        .args(["logs", "stats"])
        .arg(&path)
        .output()
        .unwrap();
    let table = stdout(&table);
    let unknown = table
        .lines()
        .find(|l| l.starts_with("(unknown endpoint)"))
        .unwrap_or_default();
    let columns: Vec<&str> = unknown.split_whitespace().skip(2).collect();
    // RECORDS REPLIES FAILURES ITEMS ITEM_FAILED
    assert_eq!(columns, ["1", "1", "0", "7", "5"], "{table}");
    assert!(table.contains("30525"), "{table}");
}
