//! Maintenance tasks of the tencent-im-rs workspace, run as `cargo xtask`.
//!
//! - `cargo xtask ci [STEP...]` runs the checks CI runs: formatting, clippy,
//!   tests, benchmark builds and docs.
//! - `cargo xtask release <X.Y.Z|patch|minor|major> [--execute]` bumps the
//!   lockstep version of the published crates, rolls `CHANGELOG.md` and
//!   checks that every publishable crate packages.
//!
//! See `docs/releasing.md` for the release process.

// A command-line tool talks on stdout and stderr; the workspace warns about
// printing, which is meant for the library crates.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod changelog;
mod ci;
mod clock;
mod error;
mod process;
mod release;
mod standalone;
#[cfg(test)]
mod testutil;
mod version;
mod workspace;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use error::{Error, Result, bail};
use process::Output;
use version::Target;

/// The usage text.
fn usage() -> String {
    let mut text = String::from(
        "Usage:\n  cargo xtask ci [STEP...]\n      \
         Run the CI checks in order, stopping at the first failure:\n",
    );
    for step in &ci::STEPS {
        let command = process::describe(&step.command(Path::new(".")));
        text.push_str(&format!(
            "        {:<7} {}\n                {command}\n",
            step.name, step.summary
        ));
    }
    text.push_str(RELEASE_USAGE);
    text
}

/// The usage text after the CI steps.
const RELEASE_USAGE: &str = "      \
      With STEP names, run only those (in the order above).

  cargo xtask release <X.Y.Z|patch|minor|major> [OPTIONS]
      Plan a release of the workspace (dry run) and, with --execute, apply it.
        --execute           edit the manifests and CHANGELOG.md, update Cargo.lock,
                            then run `cargo publish --dry-run` in publish order
        --date YYYY-MM-DD   date of the changelog heading (default: today, UTC)
        --no-cargo          do not run cargo (no Cargo.lock update, no publish dry run)
        --no-publish-check  do not run `cargo publish --dry-run`

  cargo xtask help
      Show this text.

See docs/releasing.md.";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    /// `ci` with the selected step names.
    Ci(Vec<String>),
    /// `release`.
    Release(ReleaseArgs),
    /// `help`.
    Help,
}

/// The arguments of `release`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReleaseArgs {
    /// The version asked for.
    target: Target,
    /// `--execute`.
    execute: bool,
    /// `--date`, if given (checked when parsing).
    date: Option<clock::Date>,
    /// `--no-cargo`.
    no_cargo: bool,
    /// `--no-publish-check`.
    no_publish_check: bool,
}

/// Parses the arguments after `cargo xtask`.
fn parse_args(args: &[String]) -> Result<Command> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match command.as_str() {
        "help" | "-h" | "--help" => Ok(Command::Help),
        "ci" => {
            if let Some(flag) = rest.iter().find(|arg| arg.starts_with('-')) {
                if flag == "-h" || flag == "--help" {
                    return Ok(Command::Help);
                }
                bail!("unknown option `{flag}` for ci");
            }
            // Check the names now, before anything runs.
            ci::select(rest)?;
            Ok(Command::Ci(rest.to_vec()))
        }
        "release" => parse_release(rest).map(Command::Release),
        other => bail!("unknown command `{other}`"),
    }
}

/// Parses the arguments of `release`.
fn parse_release(args: &[String]) -> Result<ReleaseArgs> {
    let mut target = None;
    let mut execute = false;
    let mut date = None;
    let mut no_cargo = false;
    let mut no_publish_check = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--execute" => execute = true,
            "--no-cargo" => no_cargo = true,
            "--no-publish-check" => no_publish_check = true,
            "--date" => {
                let Some(value) = args.next() else {
                    bail!("--date needs a value (YYYY-MM-DD)")
                };
                date = Some(clock::Date::parse(value)?);
            }
            _ if arg.starts_with("--date=") => {
                date = Some(clock::Date::parse(&arg["--date=".len()..])?);
            }
            _ if arg.starts_with('-') => bail!("unknown option `{arg}` for release"),
            _ if target.is_some() => bail!("unexpected argument `{arg}`: give one version"),
            _ => target = Some(Target::parse(arg)?),
        }
    }
    let Some(target) = target else {
        bail!("release needs a version: X.Y.Z, patch, minor or major");
    };
    Ok(ReleaseArgs {
        target,
        execute,
        date,
        no_cargo,
        no_publish_check,
    })
}

/// The workspace root: the parent of the xtask crate.
fn workspace_root() -> Result<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::new("the xtask crate has no parent directory"))
}

/// Runs a parsed command; the exit code on success.
fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Help => {
            // A closed pipe (`cargo xtask help | head`) is not an error.
            let _ = writeln!(std::io::stdout(), "{}", usage());
            Ok(ExitCode::SUCCESS)
        }
        Command::Ci(names) => {
            let root = workspace_root()?;
            let steps = ci::select(&names)?;
            let mut stdout = std::io::stdout();
            let write_error =
                |err: std::io::Error| Error::new(format!("cannot write the output: {err}"));
            let reports =
                ci::run(&root, &steps, Output::Inherit, &mut stdout).map_err(write_error)?;
            ci::write_summary(&reports, &mut stdout).map_err(write_error)?;
            Ok(if ci::all_passed(&reports) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Release(args) => {
            let date = match args.date {
                Some(date) => date,
                None => clock::today_utc_from_system_clock()?,
            };
            let options = release::Options {
                target: args.target,
                execute: args.execute,
                date,
                update_lockfile: !args.no_cargo,
                publish_check: !args.no_cargo && !args.no_publish_check,
                output: Output::Inherit,
            };
            release::run(&workspace_root()?, &options, &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(command) => command,
        Err(err) => {
            eprintln!("error: {err}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_ci() {
        assert_eq!(parse_args(&args("ci")).unwrap(), Command::Ci(vec![]));
        assert_eq!(
            parse_args(&args("ci fmt doc")).unwrap(),
            Command::Ci(args("fmt doc"))
        );
        assert!(parse_args(&args("ci lint")).is_err());
        assert!(parse_args(&args("ci --fast")).is_err());
        assert_eq!(parse_args(&args("")).unwrap(), Command::Help);
    }

    #[test]
    fn parses_release() {
        let Command::Release(release) =
            parse_args(&args("release minor --execute --date 2025-03-04")).unwrap()
        else {
            panic!("not a release");
        };
        assert_eq!(release.target, Target::parse("minor").unwrap());
        assert!(release.execute);
        assert_eq!(
            release.date,
            Some(clock::Date::parse("2025-03-04").unwrap())
        );
        assert!(!release.no_cargo);

        let Command::Release(release) =
            parse_args(&args("release 1.2.3 --date=2025-01-31 --no-cargo")).unwrap()
        else {
            panic!("not a release");
        };
        assert!(!release.execute);
        assert!(release.no_cargo);

        for bad in [
            "release",
            "release 1.2",
            "release patch minor",
            "release patch --date",
            "release patch --date 2025-02-30",
            "release patch --force",
            "deploy",
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn root_is_the_workspace() {
        assert!(workspace_root().unwrap().join("Cargo.toml").is_file());
    }
}
