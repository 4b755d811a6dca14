//! `tim emulator serve`: the emulator's own serve command, embedded.

use std::ffi::OsString;

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
        args: Vec<OsString>,
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

/// Where the emulator's flags start in `argv` when it is `tim [FLAGS] emulator [FLAGS] serve
/// ARGS...`, FLAGS being tim's global flags (of `tim`, the clap command): the index of the word
/// after `serve`. `main` recognizes the command this way before clap parses the line, because
/// the emulator's `--sdkappid`, `--identifier` and `--secret-key` are the emulated app's, and
/// clap would take them for tim's global settings. `None` for any other command line, or one
/// clap must judge (an unknown flag, `--help`, a word that is not UTF-8).
pub(crate) fn serve_start(tim: &clap::Command, argv: &[OsString]) -> Option<usize> {
    let mut at = 1;
    for word in ["emulator", "serve"] {
        loop {
            let arg = argv.get(at)?.to_str()?;
            if arg == word {
                at += 1;
                break;
            }
            at += global_flag_words(tim, arg)?;
        }
    }
    Some(at)
}

/// How many words the global flag `arg` of `tim` takes (itself, and its value unless given as
/// `--flag=VALUE`); `None` when `arg` is not one of tim's global flags.
fn global_flag_words(tim: &clap::Command, arg: &str) -> Option<usize> {
    let globals = || tim.get_arguments().filter(|a| a.is_global_set());
    let takes_value = |a: &clap::Arg| a.get_action().takes_values();
    if let Some(long) = arg.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((name, _)) => (name, true),
            None => (long, false),
        };
        let flag = globals().find(|a| a.get_long() == Some(name))?;
        return Some(if takes_value(flag) && !inline { 2 } else { 1 });
    }
    // Short flags, alone or together (`-vv`); the first that takes a value takes the rest of the
    // word, or the next word.
    let shorts = arg.strip_prefix('-').filter(|s| !s.is_empty())?;
    for (i, c) in shorts.char_indices() {
        let flag = globals().find(|a| a.get_short() == Some(c))?;
        if takes_value(flag) {
            return Some(if i + c.len_utf8() == shorts.len() {
                2
            } else {
                1
            });
        }
    }
    Some(1)
}

/// Runs the emulator's serve command with `args` (the flags after `tim emulator serve`).
pub(crate) async fn serve(args: Vec<OsString>) -> Result<Exit, Failure> {
    let name = OsString::from("tim emulator serve");
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
    use std::ffi::OsString;
    use std::time::Duration;

    use clap::{Args, Command, Parser as _};

    use super::{Serve, serve_start};
    use crate::config::GlobalArgs;

    /// Where `serve_start` finds the emulator's flags in `tim ARGS`.
    fn start(args: &[&str]) -> Option<usize> {
        let tim = GlobalArgs::augment_args(Command::new("tim"));
        let argv: Vec<OsString> = std::iter::once("tim")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        serve_start(&tim, &argv).map(|at| at - 1)
    }

    #[test]
    fn tims_global_flags_may_come_before_serve() {
        assert_eq!(start(&["emulator", "serve", "--sdkappid", "1"]), Some(2));
        assert_eq!(start(&["emulator", "serve"]), Some(2));
        assert_eq!(
            start(&["--endpoint", "http://x", "emulator", "serve", "--port", "0"]),
            Some(4)
        );
        assert_eq!(
            start(&["--endpoint=http://x", "-vv", "--json", "emulator", "serve"]),
            Some(5)
        );
        assert_eq!(
            start(&[
                "emulator",
                "--profile",
                "p",
                "-v",
                "serve",
                "--secret-key",
                "k"
            ]),
            Some(5)
        );
        // A flag's value that reads `emulator` is a value.
        assert_eq!(
            start(&["--profile", "emulator", "emulator", "serve"]),
            Some(4)
        );
        // Not the serve command, or not for this function to judge.
        assert_eq!(start(&["--profile", "emulator", "serve"]), None);
        assert_eq!(start(&["friend", "emulator", "serve"]), None);
        assert_eq!(start(&["--help", "emulator", "serve"]), None);
        assert_eq!(start(&["--unknown", "emulator", "serve"]), None);
        assert_eq!(start(&["-x", "emulator", "serve"]), None);
        assert_eq!(start(&["emulator"]), None);
        assert_eq!(start(&["emulator", "help"]), None);
        assert_eq!(start(&[]), None);
    }

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
