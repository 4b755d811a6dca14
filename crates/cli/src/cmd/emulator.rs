//! `tim emulator serve`: the emulator's own serve command, embedded.

use clap::Subcommand;
use tencent_im_emulator::cli::{self, ServeArgs};

use crate::output::{Exit, Failure};

/// Emulator commands.
#[derive(Debug, Subcommand)]
pub(crate) enum EmulatorCommand {
    /// Serve Tencent's REST API locally until Ctrl-C or SIGTERM (first stdout line:
    /// `listening on URL`).
    Serve(Box<ServeArgs>),
}

impl EmulatorCommand {
    pub(crate) async fn run(self) -> Result<Exit, Failure> {
        let Self::Serve(args) = self;
        cli::serve(
            args,
            std::io::stdout(),
            std::io::stderr(),
            cli::shutdown_signal(),
        )
        .await
        .map_err(|e| {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            Failure::config(message)
        })?;
        Ok(Exit::Success)
    }
}
