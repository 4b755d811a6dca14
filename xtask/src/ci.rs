//! `cargo xtask ci`: the checks CI runs, in order, stopping at the first
//! failure.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::{Result, bail};
use crate::process::{self, Output};

/// One CI step: a Cargo invocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// The name used on the command line (`cargo xtask ci NAME`).
    pub(crate) name: &'static str,
    /// What the step checks, for `--help`.
    pub(crate) summary: &'static str,
    /// The Cargo arguments.
    pub(crate) args: &'static [&'static str],
    /// Whether the step denies rustdoc warnings through `RUSTDOCFLAGS`.
    pub(crate) deny_rustdoc_warnings: bool,
    /// Work done before the Cargo command (e.g. installing test peers); returns environment
    /// variables for the command.
    pub(crate) prepare: Option<Prepare>,
}

/// A step's preparation: given the workspace root, the environment to add to its command.
pub(crate) type Prepare = fn(&Path) -> Result<Vec<(&'static str, OsString)>>;

/// The CI steps, in the order they run.
pub(crate) const STEPS: [Step; 8] = [
    Step {
        name: "fmt",
        summary: "formatting is rustfmt's",
        args: &["fmt", "--all", "--", "--check"],
        deny_rustdoc_warnings: false,
        prepare: None,
    },
    Step {
        name: "clippy",
        summary: "no compiler or clippy warnings, all targets, all features",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        deny_rustdoc_warnings: false,
        prepare: None,
    },
    Step {
        name: "test",
        summary: "unit, integration and doc tests, all features",
        args: &["test", "--workspace", "--all-features", "--locked"],
        deny_rustdoc_warnings: false,
        prepare: None,
    },
    Step {
        name: "example",
        summary: "the README's main job runs against the in-process emulator",
        args: &[
            "run",
            "--package",
            "tencent-im-cli",
            "--locked",
            "--",
            "demo",
        ],
        deny_rustdoc_warnings: false,
        prepare: Some(without_credentials),
    },
    Step {
        name: "interop",
        summary: "UserSigs interoperate with Tencent's Python and Node libraries (installs them)",
        args: &[
            "test",
            "--package",
            "tencent-im-usersig",
            "--test",
            "interop",
            "--locked",
        ],
        deny_rustdoc_warnings: false,
        prepare: Some(install_interop_peers),
    },
    Step {
        name: "standalone",
        summary: "a crate depending on tencent-im-protocol alone reads a log file",
        args: &[
            "run",
            "--quiet",
            "--offline",
            "--manifest-path",
            "target/standalone-log-reader/Cargo.toml",
            "--",
            "crates/protocol/tests/fixtures/log/mixed.jsonl",
        ],
        deny_rustdoc_warnings: false,
        prepare: Some(crate::standalone::prepare),
    },
    Step {
        name: "bench",
        summary: "benchmarks build (they are not run)",
        args: &["build", "--workspace", "--benches", "--locked"],
        deny_rustdoc_warnings: false,
        prepare: None,
    },
    Step {
        name: "doc",
        summary: "API docs build without warnings",
        args: &[
            "doc",
            "--workspace",
            "--all-features",
            "--no-deps",
            "--locked",
        ],
        deny_rustdoc_warnings: true,
        prepare: None,
    },
];

/// The steps named on the command line, in the canonical order; all of
/// them when no name is given.
pub(crate) fn select(names: &[String]) -> Result<Vec<Step>> {
    if names.is_empty() {
        return Ok(STEPS.to_vec());
    }
    for name in names {
        if !STEPS.iter().any(|step| step.name == name) {
            let known: Vec<_> = STEPS.iter().map(|step| step.name).collect();
            bail!(
                "unknown CI step `{name}`; the steps are: {}",
                known.join(", ")
            );
        }
    }
    Ok(STEPS
        .iter()
        .filter(|step| names.iter().any(|name| name == step.name))
        .copied()
        .collect())
}

impl Step {
    /// The command that runs the step in the workspace at `root`.
    pub(crate) fn command(&self, root: &Path) -> Command {
        let mut command = process::cargo(root, self.args);
        if self.deny_rustdoc_warnings {
            let mut flags = std::env::var_os("RUSTDOCFLAGS").unwrap_or_default();
            if !flags.is_empty() {
                flags.push(" ");
            }
            flags.push("-D warnings");
            command.env("RUSTDOCFLAGS", flags);
        }
        command
    }
}

/// How a step went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The step passed.
    Passed,
    /// The step failed, with the reason.
    Failed(String),
    /// The step did not run because an earlier one failed.
    NotRun,
}

/// A step's outcome and duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StepReport {
    /// The step's name.
    pub(crate) name: &'static str,
    /// How it went.
    pub(crate) outcome: Outcome,
    /// How long it took (zero when it did not run).
    pub(crate) duration: Duration,
}

/// Runs the steps in the workspace at `root`, stopping at the first failure.
/// Headers go to `out`; the steps' own output is handled as `output` says.
pub(crate) fn run(
    root: &Path,
    steps: &[Step],
    output: Output,
    out: &mut dyn Write,
) -> std::io::Result<Vec<StepReport>> {
    let mut reports = Vec::new();
    let mut failed = false;
    for (index, step) in steps.iter().enumerate() {
        if failed {
            reports.push(StepReport {
                name: step.name,
                outcome: Outcome::NotRun,
                duration: Duration::ZERO,
            });
            continue;
        }
        let mut command = step.command(root);
        if let Some(prepare) = step.prepare {
            writeln!(
                out,
                "==> ci [{}/{}] {}: preparing",
                index + 1,
                steps.len(),
                step.name
            )?;
            match prepare(root) {
                Ok(envs) => {
                    command.envs(envs);
                }
                Err(err) => {
                    failed = true;
                    writeln!(out, "==> ci: {} failed: {err}", step.name)?;
                    reports.push(StepReport {
                        name: step.name,
                        outcome: Outcome::Failed(err.to_string()),
                        duration: Duration::ZERO,
                    });
                    continue;
                }
            }
        }
        writeln!(
            out,
            "==> ci [{}/{}] {}: {}",
            index + 1,
            steps.len(),
            step.name,
            process::describe(&command)
        )?;
        out.flush()?;
        let started = Instant::now();
        let result = process::run(&mut command, output);
        let duration = started.elapsed();
        let outcome = match result {
            Ok(()) => Outcome::Passed,
            Err(err) => {
                failed = true;
                writeln!(out, "==> ci: {} failed: {err}", step.name)?;
                Outcome::Failed(err.to_string())
            }
        };
        reports.push(StepReport {
            name: step.name,
            outcome,
            duration,
        });
    }
    Ok(reports)
}

/// Empties the credential variables the example reads, so that it runs against the emulator
/// even where real credentials are set (it treats an empty variable as unset).
fn without_credentials(_root: &Path) -> Result<Vec<(&'static str, OsString)>> {
    Ok([
        "TIM_SDKAPPID",
        "TIM_IDENTIFIER",
        "TIM_SECRET_KEY",
        "TIM_REGION",
        "TIM_ENDPOINT",
    ]
    .into_iter()
    .map(|name| (name, OsString::new()))
    .collect())
}

/// Installs the official UserSig libraries with `crates/usersig/interop/setup.sh` under
/// `target/interop`, and points the interop test at them, requiring it to run.
fn install_interop_peers(root: &Path) -> Result<Vec<(&'static str, OsString)>> {
    let dir = root.join("target").join("interop");
    let mut setup = Command::new("sh");
    setup
        .arg(root.join("crates/usersig/interop/setup.sh"))
        .arg(&dir)
        .current_dir(root)
        .stdout(std::process::Stdio::null());
    process::run(&mut setup, Output::Inherit)?;
    Ok(vec![
        ("TIM_REQUIRE_INTEROP", OsString::from("1")),
        (
            "TIM_INTEROP_PYTHONPATH",
            dir.join("python").into_os_string(),
        ),
        (
            "TIM_INTEROP_NODE_MODULES",
            dir.join("node").join("node_modules").into_os_string(),
        ),
    ])
}

/// Whether every step passed.
pub(crate) fn all_passed(reports: &[StepReport]) -> bool {
    reports
        .iter()
        .all(|report| report.outcome == Outcome::Passed)
}

/// Writes the summary table: each step, its outcome and duration.
pub(crate) fn write_summary(reports: &[StepReport], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "==> ci summary")?;
    let mut total = Duration::ZERO;
    let (mut passed, mut failed, mut not_run) = (0, 0, 0);
    for report in reports {
        total += report.duration;
        let (status, time) = match report.outcome {
            Outcome::Passed => {
                passed += 1;
                ("ok", format_duration(report.duration))
            }
            Outcome::Failed(_) => {
                failed += 1;
                ("FAILED", format_duration(report.duration))
            }
            Outcome::NotRun => {
                not_run += 1;
                ("not run", String::new())
            }
        };
        let line = format!("    {:<10} {status:<8} {time:>8}", report.name);
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "    {passed} step(s) passed, {failed} failed, {not_run} not run in {}",
        format_duration(total)
    )
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
    use crate::testutil::{TempDir, fake_workspace, generate_lockfile};

    /// The `RUSTDOCFLAGS` a command sets.
    fn rustdocflags(command: &Command) -> Option<OsString> {
        command
            .get_envs()
            .find(|(key, _)| *key == "RUSTDOCFLAGS")
            .and_then(|(_, value)| value.map(ToOwned::to_owned))
    }

    #[test]
    fn selects_steps_in_canonical_order() {
        let names = |steps: Vec<Step>| steps.iter().map(|s| s.name).collect::<Vec<_>>();
        assert_eq!(
            names(select(&[]).unwrap()),
            [
                "fmt",
                "clippy",
                "test",
                "example",
                "interop",
                "standalone",
                "bench",
                "doc"
            ]
        );
        let picked = select(&["doc".into(), "fmt".into(), "doc".into()]).unwrap();
        assert_eq!(names(picked), ["fmt", "doc"]);
        let err = select(&["lint".into()]).unwrap_err();
        assert!(err.to_string().contains("unknown CI step `lint`"), "{err}");
    }

    #[test]
    fn commands_are_the_documented_ones() {
        let root = Path::new("/w");
        let describe = |name: &str| {
            let step = STEPS.iter().find(|s| s.name == name).unwrap();
            process::describe(&step.command(root))
        };
        assert_eq!(describe("fmt"), "cargo fmt --all -- --check");
        assert_eq!(
            describe("clippy"),
            "cargo clippy --workspace --all-targets --all-features --locked -- -D warnings"
        );
        assert_eq!(
            describe("test"),
            "cargo test --workspace --all-features --locked"
        );
        assert_eq!(
            describe("bench"),
            "cargo build --workspace --benches --locked"
        );
        assert_eq!(
            describe("example"),
            "cargo run --package tencent-im-cli --locked -- demo"
        );
        assert_eq!(
            describe("interop"),
            "cargo test --package tencent-im-usersig --test interop --locked"
        );
        let doc = STEPS
            .iter()
            .find(|s| s.name == "doc")
            .unwrap()
            .command(root);
        let flags = rustdocflags(&doc).unwrap();
        assert!(flags.to_string_lossy().ends_with("-D warnings"));
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(Duration::from_millis(1_234)), "1.2s");
        assert_eq!(format_duration(Duration::from_millis(123_456)), "2m03.4s");
    }

    #[test]
    fn runs_steps_on_a_workspace_and_stops_at_the_first_failure() {
        let dir = TempDir::new("ci-run");
        fake_workspace(dir.path());
        generate_lockfile(dir.path());
        let steps = select(&["fmt".into(), "test".into()]).unwrap();

        let mut log = Vec::new();
        let reports = run(dir.path(), &steps, Output::Capture, &mut log).unwrap();
        let log = String::from_utf8(log).unwrap();
        assert!(all_passed(&reports), "{reports:?}\n{log}");
        assert!(
            log.contains("==> ci [1/2] fmt: cargo fmt --all -- --check"),
            "{log}"
        );
        assert!(
            log.contains("==> ci [2/2] test: cargo test --workspace --all-features --locked"),
            "{log}"
        );

        // Break the formatting: fmt fails and test does not run.
        let lib = dir.path().join("crates/core/src/lib.rs");
        let source = std::fs::read_to_string(&lib).unwrap();
        std::fs::write(
            &lib,
            source.replace("pub fn answer() -> u32 {", "pub fn answer( ) -> u32 {"),
        )
        .unwrap();
        let mut log = Vec::new();
        let reports = run(dir.path(), &steps, Output::Capture, &mut log).unwrap();
        assert!(!all_passed(&reports));
        assert!(
            matches!(reports[0].outcome, Outcome::Failed(_)),
            "{reports:?}"
        );
        assert_eq!(reports[1].outcome, Outcome::NotRun);

        let mut summary = Vec::new();
        write_summary(&reports, &mut summary).unwrap();
        let summary = String::from_utf8(summary).unwrap();
        assert!(summary.contains("fmt        FAILED"), "{summary}");
        assert!(summary.contains("test       not run"), "{summary}");
        assert!(
            summary.contains("0 step(s) passed, 1 failed, 1 not run"),
            "{summary}"
        );
    }
}
