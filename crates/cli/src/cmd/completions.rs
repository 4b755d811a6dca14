//! `tim completions SHELL` and `tim man`: generated from tim's clap definition, so that they
//! always match the commands and flags of this build.

use std::path::PathBuf;

use clap::CommandFactory as _;
use clap_complete::Shell;

use crate::output::{Exit, Failure};

/// Writes the completion script for `shell` on stdout.
pub(crate) fn completions(shell: Shell) -> Result<Exit, Failure> {
    let mut command = crate::Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "tim", &mut out);
    Ok(Exit::Success)
}

/// Writes tim's man page (roff) on stdout, or with `dir` one page per command and subcommand
/// into that directory (`tim.1`, `tim-friend.1`, `tim-friend-add.1`, …).
pub(crate) fn man(dir: Option<PathBuf>) -> Result<Exit, Failure> {
    let command = crate::Cli::command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| {
                Failure::io(
                    &format!("cannot create the directory {}", dir.display()),
                    &e,
                )
            })?;
            clap_mangen::generate_to(command, &dir).map_err(|e| {
                Failure::io(
                    &format!("cannot write the man pages into {}", dir.display()),
                    &e,
                )
            })?;
            Ok(Exit::Success)
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| Failure::io("cannot render the man page", &e))?;
            use std::io::Write as _;
            std::io::stdout()
                .lock()
                .write_all(&page)
                .map_err(|e| Failure::io("cannot write the man page", &e))?;
            Ok(Exit::Success)
        }
    }
}
