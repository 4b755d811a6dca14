//! `cargo xtask ci`: the checks CI runs, in order, stopping at the first failure.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{Result, cargo, describe, exec};

/// The CI steps in the order they run: each step's name and Cargo arguments. Before its Cargo
/// command, `example` empties the `TIM_*` credential variables, `interop` installs Tencent's
/// UserSig libraries, `standalone` writes its crate and `doc` denies rustdoc warnings.
pub(crate) const STEPS: &str = "\
fmt         fmt --all -- --check
clippy      clippy --workspace --all-targets --all-features --locked -- -D warnings
test        test --workspace --all-features --locked
example     run --package tencent-im-cli --locked -- demo
interop     test --package tencent-im-usersig --test interop --locked
standalone  run --quiet --offline --manifest-path target/standalone-log-reader/Cargo.toml \
            -- crates/protocol/tests/fixtures/log/mixed.jsonl
bench       build --workspace --benches --locked
doc         doc --workspace --all-features --no-deps --locked";

/// The steps as (name, Cargo arguments).
pub(crate) fn steps() -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    STEPS.lines().filter_map(|line| {
        let mut words = line.split_whitespace();
        Some((words.next()?, words.collect()))
    })
}

/// Runs the named steps (all when none is named) in order and prints a summary; whether every
/// step passed.
pub(crate) fn main(root: &Path, names: &[String]) -> bool {
    let steps: Vec<_> = steps()
        .filter(|(name, _)| names.is_empty() || names.iter().any(|n| n == name))
        .collect();
    let mut out = std::io::stdout();
    let ran = run_steps(root, &steps, false, &mut out);
    let _ = write!(out, "{}", summary(&steps, &ran));
    ran.len() == steps.len() && ran.iter().all(|(ok, _)| *ok)
}

/// Runs the steps in the workspace at `root`, stopping at the first failure: whether each step
/// that ran passed, and how long it took. Headers go to `out`; with `quiet` the steps' own
/// output is captured (and shown in a failure's message).
fn run_steps(
    root: &Path,
    steps: &[(&str, Vec<&str>)],
    quiet: bool,
    out: &mut dyn Write,
) -> Vec<(bool, Duration)> {
    let mut ran = Vec::new();
    for (index, (name, args)) in steps.iter().enumerate() {
        let header = format!("==> ci [{}/{}] {name}", index + 1, steps.len());
        let started = Instant::now();
        let mut command = cargo(root, args);
        let result = prepare(name, root, &header, out).and_then(|envs| {
            command.envs(envs);
            let _ = writeln!(out, "{header}: {}", describe(&command));
            let _ = out.flush();
            exec(&mut command, quiet)
        });
        ran.push((result.is_ok(), started.elapsed()));
        if let Err(err) = result {
            let _ = writeln!(out, "==> ci: {name} failed: {err}");
            break;
        }
    }
    ran
}

/// The work a step needs before its Cargo command; the environment to add to the command.
fn prepare(
    name: &str,
    root: &Path,
    header: &str,
    out: &mut dyn Write,
) -> Result<Vec<(&'static str, OsString)>> {
    if ["example", "interop", "standalone"].contains(&name) {
        let _ = writeln!(out, "{header}: preparing");
    }
    Ok(match name {
        // The example treats an empty variable as unset, and runs against the emulator.
        "example" => ["TIM_SDKAPPID", "TIM_IDENTIFIER", "TIM_SECRET_KEY"]
            .into_iter()
            .chain(["TIM_REGION", "TIM_ENDPOINT"])
            .map(|name| (name, OsString::new()))
            .collect(),
        "interop" => install_interop_peers(root)?,
        "standalone" => write_standalone_crate(root)?,
        "doc" => {
            let mut flags = std::env::var_os("RUSTDOCFLAGS").unwrap_or_default();
            if !flags.is_empty() {
                flags.push(" ");
            }
            flags.push("-D warnings");
            vec![("RUSTDOCFLAGS", flags)]
        }
        _ => Vec::new(),
    })
}

/// Installs the official UserSig libraries with `crates/usersig/interop/setup.sh` under
/// `target/interop`, and points the interop test at them, requiring it to run.
fn install_interop_peers(root: &Path) -> Result<Vec<(&'static str, OsString)>> {
    let dir = root.join("target").join("interop");
    let mut setup = Command::new("sh");
    setup
        .arg(root.join("crates/usersig/interop/setup.sh"))
        .arg(&dir);
    exec(
        setup.current_dir(root).stdout(std::process::Stdio::null()),
        false,
    )?;
    let node_modules = dir.join("node").join("node_modules");
    Ok(vec![
        ("TIM_REQUIRE_INTEROP", OsString::from("1")),
        ("TIM_INTEROP_PYTHONPATH", dir.join("python").into()),
        ("TIM_INTEROP_NODE_MODULES", node_modules.into()),
    ])
}

/// The `standalone` step's crate, whose `Cargo.toml` names `tencent-im-protocol` alone: services
/// depend on the protocol crate by itself to parse logs, so this is checked outside the
/// workspace, where no sibling crate or dev-dependency can help. Writes it, and checks that the
/// protocol crate's normal dependencies are serde, serde_json and thiserror only.
fn write_standalone_crate(root: &Path) -> Result<Vec<(&'static str, OsString)>> {
    let dir = root.join("target/standalone-log-reader");
    let protocol = root.join("crates").join("protocol");
    let manifest = format!(
        "[package]\nname = \"standalone-log-reader\"\nversion = \"0.0.0\"\n\
         edition = \"2024\"\npublish = false\n\n[dependencies]\n\
         tencent-im-protocol = {{ path = {:?} }}\n\n[workspace]\n",
        protocol.display().to_string()
    );
    std::fs::create_dir_all(dir.join("src"))
        .and_then(|()| std::fs::write(dir.join("Cargo.toml"), manifest))
        .and_then(|()| std::fs::write(dir.join("src").join("main.rs"), STANDALONE_MAIN))
        .and_then(|()| std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map(drop))
        .map_err(|err| format!("cannot write {}: {err}", dir.display()))?;

    let args =
        "tree --package tencent-im-protocol --edges normal --depth 1 --prefix none --offline";
    let mut tree = cargo(root, &args.split(' ').collect::<Vec<_>>());
    let output = String::from_utf8_lossy(&exec(&mut tree, true)?.stdout).into_owned();
    let direct: Vec<&str> = output
        .lines()
        .skip(1)
        .flat_map(|l| l.split(' ').next())
        .collect();
    if direct != ["serde", "serde_json", "thiserror"] {
        let only = "serde, serde_json and thiserror only";
        return Err(format!(
            "tencent-im-protocol must depend on {only}, not {direct:?}"
        ));
    }
    Ok(vec![("CARGO_TARGET_DIR", root.join("target").into())])
}

/// The `standalone` step's program: reads the log given as its argument and fails unless it
/// finds typed friend_add requests and replies and reports bad lines by number without stopping.
const STANDALONE_MAIN: &str = r#"use tencent_im_protocol::log::read_log;
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

/// The summary table: each step, its outcome and duration.
fn summary(steps: &[(&str, Vec<&str>)], ran: &[(bool, Duration)]) -> String {
    let mut text = String::from("==> ci summary\n");
    for (index, (name, _)) in steps.iter().enumerate() {
        let line = match ran.get(index) {
            Some((true, time)) => format!("{name:<10} ok       {:>8}", format_duration(*time)),
            Some((false, time)) => format!("{name:<10} FAILED   {:>8}", format_duration(*time)),
            None => format!("{name:<10} not run"),
        };
        text.push_str(&format!("    {line}\n"));
    }
    let passed = ran.iter().filter(|(ok, _)| *ok).count();
    let total = ran.iter().map(|(_, time)| *time).sum();
    text.push_str(&format!(
        "    {passed} step(s) passed, {} failed, {} not run in {}\n",
        ran.len() - passed,
        steps.len() - ran.len(),
        format_duration(total)
    ));
    text
}

/// `1.2s`, or `2m03.4s` from a minute on.
fn format_duration(duration: Duration) -> String {
    let tenths = duration.as_millis() / 100;
    let (minutes, tenths) = (tenths / 600, tenths % 600);
    if minutes > 0 {
        format!("{minutes}m{:02}.{}s", tenths / 10, tenths % 10)
    } else {
        format!("{}.{}s", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_the_documented_ones_in_order() {
        let names: Vec<_> = steps().map(|(name, _)| name).collect();
        assert_eq!(
            names.join(" "),
            "fmt clippy test example interop standalone bench doc"
        );
        let docs = include_str!("../../docs/releasing.md");
        for (name, args) in steps() {
            let row = format!("| {:<12} | `cargo {}`", format!("`{name}`"), args.join(" "));
            assert!(docs.contains(&row), "docs/releasing.md has no row {row}");
        }
        let envs = |step| prepare(step, Path::new("."), "", &mut Vec::new()).unwrap();
        assert!(envs("doc")[0].1.to_string_lossy().ends_with("-D warnings"));
        let example = envs("example");
        assert!(
            example.len() == 5
                && example
                    .iter()
                    .all(|(k, v)| k.starts_with("TIM_") && v.is_empty())
        );
        assert_eq!(format_duration(Duration::from_millis(1_234)), "1.2s");
        assert_eq!(format_duration(Duration::from_millis(123_456)), "2m03.4s");
    }

    #[test]
    fn runs_steps_on_a_workspace_and_stops_at_the_first_failure() {
        let dir = crate::fixture();
        let steps: Vec<_> = steps()
            .filter(|step| ["fmt", "test"].contains(&step.0))
            .collect();
        let mut log = Vec::new();
        let ran = run_steps(dir.path(), &steps, true, &mut log);
        let log = String::from_utf8(log).unwrap();
        assert!(ran.len() == 2 && ran.iter().all(|(ok, _)| *ok), "{log}");
        assert!(log.contains("==> ci [1/2] fmt: cargo fmt --all -- --check\n"));
        assert!(log.contains("==> ci [2/2] test: cargo test --workspace --all-features --locked"));

        // Break the formatting: fmt fails and test does not run.
        let lib = dir.path().join("crates/core/src/lib.rs");
        let source = std::fs::read_to_string(&lib).unwrap();
        std::fs::write(&lib, source.replace("answer()", "answer( )")).unwrap();
        let ran = run_steps(dir.path(), &steps, true, &mut Vec::new());
        assert!(ran.len() == 1 && !ran[0].0);
        let summary = summary(&steps, &ran);
        assert!(summary.contains("    fmt        FAILED "), "{summary}");
        assert!(summary.contains("    test       not run\n"), "{summary}");
        assert!(summary.contains("0 step(s) passed, 1 failed, 1 not run in "));
    }
}
