//! `tencent-im-emulator serve`: the emulator as a standalone server.
//!
//! Prints `listening on http://127.0.0.1:PORT` as the first line on stdout, then serves until
//! Ctrl-C or SIGTERM. See `docs/emulator.md`.

// A command-line tool talks on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tencent_im_emulator::cli::{self, ServeArgs};

/// A local server that answers like the Tencent Cloud Chat server REST API.
#[derive(Debug, Parser)]
#[command(name = "tencent-im-emulator", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the REST API until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let Command::Serve(args) = Cli::parse().command;
    let result = cli::serve(
        args,
        std::io::stdout(),
        std::io::stderr(),
        cli::shutdown_signal(),
    )
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let mut message = format!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
