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

use std::path::Path;
use std::process::{Child, Command, ExitCode, Output, Stdio};

use clap::Parser;

/// The result of the xtask commands: the error is a message for the person running them.
pub(crate) type Result<T, E = String> = std::result::Result<T, E>;

/// `cargo xtask`: maintenance tasks of the tencent-im-rs workspace (see docs/releasing.md).
#[derive(Debug, Parser)]
#[command(bin_name = "cargo xtask")]
enum Cli {
    /// Run the CI checks in order, stopping at the first failure.
    #[command(after_help = format!("Steps and their Cargo arguments:\n{}", ci::STEPS))]
    Ci {
        /// Run only these steps (still in the order below).
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(ci::steps().map(|s| s.0)))]
        steps: Vec<String>,
    },
    /// Plan a release of the workspace (dry run) and, with --execute, apply it.
    Release(release::Options),
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
    command.stdin(Stdio::null());
    // With the output inherited, `wait_with_output` returns it empty.
    let output = match quiet {
        true => command.output(),
        false => command.spawn().and_then(Child::wait_with_output),
    };
    let output = output.map_err(|err| format!("cannot run `{what}`: {err}"))?;
    if !output.status.success() {
        let (status, stdout) = (output.status, String::from_utf8_lossy(&output.stdout));
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("`{what}` failed ({status})\n{stdout}{stderr}"));
    }
    Ok(output)
}

fn main() -> ExitCode {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = xtask.parent().unwrap_or(xtask);
    let result = match Cli::parse() {
        Cli::Ci { steps } => Ok(ci::main(root, &steps)),
        Cli::Release(options) => {
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
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixture/.");
    exec(
        Command::new("cp").arg("-R").arg(fixture).arg(dir.path()),
        true,
    )
    .unwrap();
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
        let ci = parse("xtask ci doc fmt").unwrap();
        assert_eq!(format!("{ci:?}"), r#"Ci { steps: ["doc", "fmt"] }"#);
        let release = parse("xtask release minor --execute --date 2025-03-04").unwrap();
        let expected = r#"target: "minor", execute: true, date: Some(2025-03-04), no_"#;
        assert!(format!("{release:?}").contains(expected), "{release:?}");
        let bad = "ci lint,release,release 1.2,release patch minor,release patch --force,deploy";
        for bad in bad.split(',').chain(["release patch --date 2025-02-30"]) {
            assert!(
                parse(&format!("xtask {bad}")).is_err(),
                "{bad} should be rejected"
            );
        }
    }
}
