//! Running Cargo and other programs.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// How a child process's output is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// The child writes to this process's stdout and stderr.
    Inherit,
    /// The output is captured, and shown only in the error if the child fails.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the tests keep Cargo's output quiet")
    )]
    Capture,
}

/// The Cargo that runs the xtask (`$CARGO`), or `cargo` from `PATH`.
pub(crate) fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// A `cargo` command with the given arguments, run in `dir`.
pub(crate) fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(cargo_program());
    command.args(args).current_dir(dir);
    command
}

/// The command line of a command, for messages (`cargo fmt --all`).
pub(crate) fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program()).file_stem().map_or_else(
        || command.get_program().to_string_lossy(),
        |stem| stem.to_string_lossy(),
    );
    let mut text = String::new();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            text.push_str(&format!(
                "{}={:?} ",
                key.to_string_lossy(),
                value.to_string_lossy()
            ));
        }
    }
    text.push_str(&program);
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs a command to completion; an error if it cannot start or fails.
pub(crate) fn run(command: &mut Command, output: Output) -> Result<()> {
    let description = describe(command);
    match output {
        Output::Inherit => {
            let status = command
                .stdin(Stdio::null())
                .status()
                .map_err(|err| Error::new(format!("cannot run `{description}`: {err}")))?;
            if !status.success() {
                return Err(Error::new(format!("`{description}` failed ({status})")));
            }
        }
        Output::Capture => {
            let result = command
                .stdin(Stdio::null())
                .output()
                .map_err(|err| Error::new(format!("cannot run `{description}`: {err}")))?;
            if !result.status.success() {
                return Err(Error::new(format!(
                    "`{description}` failed ({})\n{}{}",
                    result.status,
                    String::from_utf8_lossy(&result.stdout),
                    String::from_utf8_lossy(&result.stderr)
                )));
            }
        }
    }
    Ok(())
}
