//! The `standalone` CI step: a crate whose `Cargo.toml` names `tencent-im-protocol` alone reads
//! a log file. Services depend on the protocol crate by itself to parse logs, so this is checked
//! outside the workspace, where no sibling crate or dev-dependency can help.

use std::ffi::OsString;
use std::path::Path;

use crate::{Result, cargo, exec};

/// Where the crate is written, relative to the workspace root.
const DIR: &str = "target/standalone-log-reader";

/// The crate's manifest: one dependency, on the protocol crate by path.
fn manifest(root: &Path) -> String {
    let protocol = root.join("crates").join("protocol");
    format!(
        "[package]\nname = \"standalone-log-reader\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ntencent-im-protocol = {{ path = {:?} }}\n\n[workspace]\n",
        protocol.display().to_string()
    )
}

/// The program: reads the log given as its argument and fails unless it finds typed friend_add
/// requests and replies and reports bad lines by number without stopping.
const MAIN: &str = r#"use tencent_im_protocol::log::read_log;
use tencent_im_protocol::sns::FriendAdd;
use tencent_im_protocol::Endpoint;

fn main() {
    let path = std::env::args().nth(1).expect("usage: standalone-log-reader LOG");
    let bytes = std::fs::read(&path).expect("cannot read the log");
    let (mut records, mut requests, mut replies, mut bad, mut last_line) = (0, 0, 0, 0, 0);
    for item in read_log(&bytes) {
        match item {
            Ok(record) => {
                records += 1;
                last_line = record.line();
                if record.endpoint() == Some(Endpoint::FriendAdd) {
                    if record.request_as::<FriendAdd>().is_ok() {
                        requests += 1;
                    }
                    if record.reply_as::<FriendAdd>().is_ok() {
                        replies += 1;
                    }
                }
            }
            Err(err) => {
                bad += 1;
                last_line = err.line();
                println!("{err}");
            }
        }
    }
    println!("{records} records, {bad} bad lines, {requests} friend_add requests, {replies} friend_add replies, last line {last_line}");
    assert!(records > 0 && requests > 0 && replies > 0, "no typed friend_add records");
    assert!(bad > 0, "the log's bad lines were not reported");
}
"#;

/// Writes the crate and checks that the protocol crate's normal dependencies are serde,
/// serde_json and thiserror only.
pub(crate) fn prepare(root: &Path) -> Result<Vec<(&'static str, OsString)>> {
    let dir = root.join(DIR);
    std::fs::create_dir_all(dir.join("src"))
        .and_then(|()| std::fs::write(dir.join("Cargo.toml"), manifest(root)))
        .and_then(|()| std::fs::write(dir.join("src").join("main.rs"), MAIN))
        .and_then(|()| std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map(drop))
        .map_err(|err| format!("cannot write {}: {err}", dir.display()))?;

    let args =
        "tree --package tencent-im-protocol --edges normal --depth 1 --prefix none --offline";
    let mut tree = cargo(root, &args.split(' ').collect::<Vec<_>>());
    let output = exec(&mut tree, true)?;
    let output = String::from_utf8_lossy(&output.stdout);
    let direct: Vec<&str> = output
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    if direct != ["serde", "serde_json", "thiserror"] {
        return Err(format!(
            "tencent-im-protocol must depend on serde, serde_json and thiserror only, not {direct:?}"
        ));
    }
    Ok(vec![(
        "CARGO_TARGET_DIR",
        root.join("target").into_os_string(),
    )])
}
