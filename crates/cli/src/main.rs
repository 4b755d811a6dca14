//! `tim`: the command line for admins of a Tencent Cloud Chat (Tencent IM) app.
//!
//! Results go to stdout (tables, or one JSON document with `--json`), errors to stderr with the
//! `random` of the failed request; the exit code says what kind of failure it was (see
//! [`output::Exit`] and `docs/cli.md`).

// A command-line tool talks on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cmd;
mod config;
mod input;
mod journal;
mod output;
mod progress;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::config::GlobalArgs;
use crate::output::{Exit, Failure, Out, print_failure};

/// The command line for admins of a Tencent Cloud Chat (Tencent IM) app.
///
/// Settings come from flags, then TIM_* environment variables, then a profile of the config
/// file (`tim config set`). Exit codes: 0 success; 1 some items failed; 2 usage or validation
/// (nothing sent); 3 configuration or credentials; 4 network, TLS or timeout; 5 rate limited;
/// 6 other API error; 130 interrupted by Ctrl-C (an import resumes with the same command).
#[derive(Debug, Parser)]
#[command(name = "tim", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: add friends and report every account's outcome. Without credentials it
    /// plays every outcome against an emulator started in this process; with TIM_SDKAPPID,
    /// TIM_IDENTIFIER and TIM_SECRET_KEY (or their flags) it adds TO... to FROM in your app.
    Demo {
        /// With credentials: the account friends are added for, then the accounts to add.
        #[arg(value_name = "FROM TO")]
        accounts: Vec<String>,
    },
    /// Add, check, list and delete friends.
    #[command(subcommand)]
    Friend(cmd::friend::FriendCommand),
    /// Check accounts.
    #[command(subcommand)]
    Account(cmd::account::AccountCommand),
    /// Set profile fields.
    #[command(subcommand)]
    Profile(cmd::profile::ProfileCommand),
    /// Add to, remove from and check blocklists.
    #[command(subcommand)]
    Blocklist(cmd::blocklist::BlocklistCommand),
    /// Run a local emulator of Tencent's server.
    #[command(subcommand)]
    Emulator(cmd::emulator::EmulatorCommand),
    /// Read and write the config file's profiles.
    #[command(subcommand)]
    Config(cmd::config::ConfigCommand),
    /// Receive and verify Tencent's callbacks, or sign a callback URL for tests.
    #[command(subcommand)]
    Webhook(cmd::webhook::WebhookCommand),
    /// Generate, verify and decode UserSigs (on this machine: nothing is sent).
    #[command(subcommand)]
    Usersig(cmd::usersig::UsersigCommand),
    /// Read logs of requests and replies.
    #[command(subcommand)]
    Logs(cmd::logs::LogsCommand),
    /// Check the configuration end to end and say what to fix.
    ///
    /// Settings, the admin UserSig (made and verified locally), DNS, TCP and TLS to the
    /// region's server and its standby, the clock, and one harmless call (account_check of the
    /// admin). Each check prints ok, FAIL or skip with a sentence; the exit code is that of the
    /// first failed check.
    Doctor,
    /// Measure throughput, latency and client CPU.
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Print the completion script for a shell.
    ///
    /// E.g. `tim completions bash > ~/.local/share/bash-completion/completions/tim`, or
    /// `tim completions zsh > "${fpath[1]}/_tim"`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print tim's man page.
    ///
    /// Roff on stdout (`tim man | man -l -`), or with --dir one page per command and
    /// subcommand written into a directory.
    Man {
        /// Write tim.1, tim-friend.1, tim-friend-add.1, … into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            print_failure(&Failure::io("cannot start the async runtime", &e));
            return Exit::Config.into();
        }
    };
    let argv: Vec<OsString> = std::env::args_os().collect();
    let result = match cmd::emulator::serve_start(&Cli::command(), &argv) {
        Some(at) => {
            // `tim [FLAGS] emulator [FLAGS] serve`: tim's own flags, if any, are checked (and -v
            // honoured) as for any command; the words after `serve` are the emulator's.
            if at > 3 {
                let cli = Cli::parse_from(&argv[..at]);
                init_tracing(cli.global.verbose);
            }
            runtime.block_on(cmd::emulator::serve(argv[at..].to_vec()))
        }
        None => {
            let cli = Cli::parse_from(&argv);
            init_tracing(cli.global.verbose);
            let out = Out {
                json: cli.global.json,
            };
            runtime.block_on(run(cli, out))
        }
    };
    match result {
        Ok(exit) => exit.into(),
        Err(failure) => {
            print_failure(&failure);
            failure.exit.into()
        }
    }
}

async fn run(cli: Cli, out: Out) -> Result<Exit, Failure> {
    let global = &cli.global;
    match cli.command {
        Command::Demo { accounts } => cmd::demo::run(global, out, accounts).await,
        Command::Friend(c) => c.run(global, out).await,
        Command::Account(c) => c.run(global, out).await,
        Command::Profile(c) => c.run(global, out).await,
        Command::Blocklist(c) => c.run(global, out).await,
        Command::Emulator(cmd::emulator::EmulatorCommand::Serve { args }) => {
            cmd::emulator::serve(args).await
        }
        Command::Config(c) => c.run(global, out),
        Command::Webhook(c) => c.run(global, out).await,
        Command::Usersig(c) => c.run(global, out),
        Command::Logs(c) => c.run(out),
        Command::Doctor => cmd::doctor::run(global, out).await,
        Command::Bench(c) => c.run(global, out).await,
        Command::Completions { shell } => cmd::completions::completions(shell),
        Command::Man { dir } => cmd::completions::man(dir),
    }
}

/// `-v`: one line per call; `-vv`: per attempt. On stderr; the transport never logs secrets.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}
