//! Prints a UserSig.
//!
//! ```sh
//! TIM_SECRET_KEY=... cargo run -p tencent-im-usersig --example generate -- 1400000000 administrator [expire-seconds]
//! ```
//!
//! The SDKAppID and identifier come from the arguments or from `TIM_SDKAPPID` and
//! `TIM_IDENTIFIER`; the key only from `TIM_SECRET_KEY`, so it stays out of the shell history
//! and the process list. The expiry defaults to one day. The token goes to stdout; its decoded
//! fields (never the key) to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use tencent_im_usersig::{SecretKey, UserSigGenerator, inspect};

const USAGE: &str = "usage: TIM_SECRET_KEY=<key> generate <sdkappid> <identifier> [expire-seconds]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let arg_or_env = |arg: Option<String>, var: &str| {
        arg.or_else(|| std::env::var(var).ok())
            .ok_or_else(|| format!("missing {var}"))
    };
    let sdkappid: u64 = arg_or_env(args.next(), "TIM_SDKAPPID")?
        .parse()
        .map_err(|e| format!("sdkappid is not a number: {e}"))?;
    let identifier = arg_or_env(args.next(), "TIM_IDENTIFIER")?;
    let expire = match args.next() {
        Some(secs) => secs
            .parse()
            .map_err(|e| format!("expire is not a number of seconds: {e}"))?,
        None => 86_400,
    };
    let key = std::env::var("TIM_SECRET_KEY").map_err(|_| "missing TIM_SECRET_KEY".to_owned())?;

    let generator = UserSigGenerator::new(sdkappid, SecretKey::new(key));
    let sig = generator
        .generate(&identifier, Duration::from_secs(expire))
        .map_err(|e| e.to_string())?;
    let info = inspect(sig.expose()).map_err(|e| e.to_string())?;
    eprintln!(
        "sdkappid {} identifier {:?} issued at {} expires at {}",
        info.sdkappid,
        info.identifier,
        info.issued_at,
        info.expires_at()
    );
    println!("{}", sig.expose());
    Ok(())
}
