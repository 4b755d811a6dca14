//! Maintenance tasks of the tencent-im-rs workspace, run as `cargo xtask`.
//!
//! - `cargo xtask ci [STEP...]` runs the checks CI runs.
//! - `cargo xtask release <X.Y.Z|patch|minor|major> [--execute]` bumps the lockstep version of
//!   the published crates, rolls `CHANGELOG.md` and checks that every publishable crate packages.
//!
//! See `docs/releasing.md`.

// A command-line tool talks on stdout and stderr; the workspace warns about printing, which is
// meant for the library crates.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod changelog;
mod ci;
mod release;
mod standalone;

use std::path::Path;
use std::process::{Command, ExitCode, Output, Stdio};

use clap::Parser;

/// The result of the xtask commands: the error is a message for the person running them.
pub(crate) type Result<T, E = String> = std::result::Result<T, E>;

/// `cargo xtask`: maintenance tasks of the tencent-im-rs workspace (see docs/releasing.md).
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
enum Cli {
    /// Run the CI checks in order, stopping at the first failure.
    #[command(after_help = format!("Steps and their Cargo arguments:\n{}", ci::STEPS))]
    Ci {
        /// Run only these steps (still in the order below).
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(ci::names()))]
        steps: Vec<String>,
    },
    /// Plan a release of the workspace (dry run) and, with --execute, apply it.
    Release {
        /// The version: X.Y.Z, or patch, minor or major from the current one.
        #[arg(value_parser = release::check_target)]
        version: String,
        /// Edit the manifests and CHANGELOG.md (on a clean `main`), update Cargo.lock, run
        /// `cargo semver-checks` when installed and `cargo publish --workspace --dry-run`.
        #[arg(long)]
        execute: bool,
        /// The date of the changelog heading, YYYY-MM-DD [default: today in UTC].
        #[arg(long, value_parser = release::parse_date)]
        date: Option<time::Date>,
        /// Skip `cargo publish --workspace --dry-run` (it reads the crates.io index).
        #[arg(long)]
        no_publish_check: bool,
    },
}

/// A `cargo` command (`$CARGO`, the one running the xtask, or `cargo`) run in `dir`.
pub(crate) fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(args).current_dir(dir);
    command
}

/// The command line of a command, for messages (`cargo fmt --all`).
pub(crate) fn describe(command: &Command) -> String {
    let envs = command
        .get_envs()
        .filter_map(|(key, value)| Some(format!("{}={:?}", key.to_string_lossy(), value?)));
    let program = Path::new(command.get_program())
        .file_stem()
        .unwrap_or_default();
    let args = std::iter::once(program).chain(command.get_args());
    let words = envs.chain(args.map(|arg| arg.to_string_lossy().into_owned()));
    words.collect::<Vec<_>>().join(" ")
}

/// Runs a command to completion. With `quiet`, its output is captured and returned (and shown
/// in the error if it fails); otherwise it goes to this process's stdout and stderr.
pub(crate) fn exec(command: &mut Command, quiet: bool) -> Result<Output> {
    let what = describe(command);
    let output = match quiet {
        true => command.stdin(Stdio::null()).output(),
        false => command.stdin(Stdio::null()).status().map(|status| Output {
            status,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }),
    };
    let output = output.map_err(|err| format!("cannot run `{what}`: {err}"))?;
    if !output.status.success() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "`{what}` failed ({})\n{stdout}{stderr}",
            output.status
        ));
    }
    Ok(output)
}

fn main() -> ExitCode {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = xtask.parent().unwrap_or(xtask);
    let result = match Cli::parse() {
        Cli::Ci { steps } => Ok(ci::main(root, &steps)),
        Cli::Release {
            version,
            execute,
            date,
            no_publish_check,
        } => {
            let options = release::Options {
                target: version,
                execute,
                date: date.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
                publish_check: !no_publish_check,
                quiet: false,
                semver_checks_env: Vec::new(),
            };
            release::run(root, &options, &mut std::io::stdout()).map(|()| true)
        }
    };
    match result {
        Ok(passed) => ExitCode::from(u8::from(!passed)),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A copy of the fixture workspace (`xtask/fixture`) in a temporary directory, with a
/// `Cargo.lock` and a git repository on `main` with everything committed: `demo-core`;
/// `demo-client`, depending on it through `[workspace.dependencies]` and by path and version in
/// its own tables; an unpublished `xtask` 0.0.0; a `CHANGELOG.md`.
#[cfg(test)]
pub(crate) fn fixture() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let (from, to) = (entry.path(), to.join(entry.file_name()));
            if from.is_dir() {
                copy(&from, &to);
            } else {
                std::fs::copy(from, to).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixture"),
        dir.path(),
    );
    exec(
        &mut cargo(dir.path(), &["generate-lockfile", "--offline"]),
        true,
    )
    .unwrap();
    for args in ["init -q -b main", "add .", "commit -q -m start"] {
        git(dir.path(), args);
    }
    dir
}

/// Runs git in `dir` for a test, with the arguments separated by spaces.
#[cfg(test)]
pub(crate) fn git(dir: &Path, args: &str) {
    let mut command = Command::new("git");
    command.args(["-c", "user.name=t", "-c", "user.email=t@example.com"]);
    exec(command.args(args.split(' ')).current_dir(dir), true).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn parses_the_command_line() {
        Cli::command().debug_assert();
        let parse = |line: &str| Cli::try_parse_from(line.split(' '));
        let Ok(Cli::Ci { steps }) = parse("xtask ci doc fmt") else {
            panic!("not ci")
        };
        assert_eq!(steps, ["doc", "fmt"]);
        let release = parse("xtask release minor --execute --date 2025-03-04").unwrap();
        let Cli::Release {
            version,
            execute,
            date,
            no_publish_check,
        } = release
        else {
            panic!("not release")
        };
        assert!(version == "minor" && execute && !no_publish_check);
        assert_eq!(date.unwrap().to_string(), "2025-03-04");
        for bad in [
            "xtask ci lint",
            "xtask release",
            "xtask release 1.2",
            "xtask release patch minor",
            "xtask release patch --date 2025-02-30",
            "xtask release patch --force",
            "xtask deploy",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
