//! `tim emulator serve`: the emulator's own serve command, embedded.

use clap::{Parser, Subcommand};
use tencent_im_emulator::cli::{self, ServeArgs};

use crate::output::{Exit, Failure, with_causes};

/// Emulator commands.
#[derive(Debug, Subcommand)]
pub(crate) enum EmulatorCommand {
    /// Serve Tencent's REST API locally until Ctrl-C or SIGTERM (first stdout line:
    /// `listening on URL`). Takes the flags of `tencent-im-emulator serve`: see
    /// `tim emulator serve --help`.
    #[command(disable_help_flag = true)]
    Serve {
        /// The flags of `tencent-im-emulator serve` (its --sdkappid, --identifier and
        /// --secret-key are the emulated app's, not tim's settings; give them right after
        /// `tim emulator serve`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// The emulator's serve flags, parsed on their own so that they do not clash with tim's.
#[derive(Debug, Parser)]
#[command(
    name = "tim emulator serve",
    about = "Serve Tencent's REST API locally until Ctrl-C or SIGTERM."
)]
struct Serve {
    #[command(flatten)]
    args: ServeArgs,
}

/// `tim emulator serve ARGS...`, recognized in `main` before tim's own flags are parsed: the
/// emulator's `--sdkappid`, `--identifier` and `--secret-key` are the emulated app's, and would
/// otherwise be taken for tim's settings.
pub(crate) fn serve_args(argv: &[String]) -> Option<Vec<String>> {
    match argv {
        [_, emulator, serve, rest @ ..] if emulator == "emulator" && serve == "serve" => {
            Some(rest.to_vec())
        }
        _ => None,
    }
}

/// Runs the emulator's serve command with `args` (the flags after `tim emulator serve`).
pub(crate) async fn serve(args: Vec<String>) -> Result<Exit, Failure> {
    let name = "tim emulator serve".to_owned();
    let serve = match Serve::try_parse_from(std::iter::once(name).chain(args)) {
        Ok(serve) => serve,
        Err(e) => {
            let _ = e.print();
            return Ok(if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            });
        }
    };
    cli::serve(
        serve.args,
        std::io::stdout(),
        std::io::stderr(),
        cli::shutdown_signal(),
    )
    .await
    .map_err(|e| Failure::config(with_causes(&e)))?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser as _;

    use super::Serve;

    fn parse(args: &[&str]) -> Serve {
        let argv = std::iter::once("tim emulator serve").chain(args.iter().copied());
        match Serve::try_parse_from(argv) {
            Ok(serve) => serve,
            Err(e) => panic!("{args:?}: {e}"),
        }
    }

    #[test]
    fn the_guard_and_the_save_interval_come_through() {
        let serve = parse(&[
            "--state-file",
            "/nonexistent-dir/state.json",
            "--save-interval-ms",
            "250",
            "--header-timeout-ms",
            "1500",
            "--body-timeout-ms",
            "2500",
            "--idle-timeout-ms",
            "3500",
            "--max-buffered-body-mib",
            "3",
        ]);
        let config = match serve.args.config() {
            Ok(config) => config,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(config.save_interval, Duration::from_millis(250));
        assert_eq!(
            config.state_file.as_deref(),
            Some(std::path::Path::new("/nonexistent-dir/state.json"))
        );
        assert_eq!(config.header_timeout, Duration::from_millis(1500));
        assert_eq!(config.body_timeout, Duration::from_millis(2500));
        assert_eq!(config.idle_timeout, Duration::from_millis(3500));
        assert_eq!(config.max_buffered_body_bytes, 3 << 20);
        // A zero timeout is refused by the parser, naming the flag.
        let argv = ["tim emulator serve", "--header-timeout-ms", "0"];
        let Err(e) = Serve::try_parse_from(argv) else {
            panic!("a zero header timeout was accepted");
        };
        assert!(e.to_string().contains("--header-timeout-ms"), "{e}");
    }

    #[test]
    fn an_empty_secret_key_is_refused() {
        let serve = parse(&["--sdkappid", "1600000000", "--secret-key", ""]);
        let Err(e) = serve.args.config() else {
            panic!("an empty key was accepted");
        };
        assert!(e.to_string().contains("secret key"), "{e}");
        assert!(e.to_string().contains("empty"), "{e}");
    }
}
