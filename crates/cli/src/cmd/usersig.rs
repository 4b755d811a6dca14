//! `tim usersig gen | verify | inspect`: UserSigs made, checked and decoded on this machine;
//! nothing is sent.

use std::io::Read as _;
use std::time::Duration;

use base64::Engine as _;
use clap::Subcommand;
use serde_json::{Value, json};
use tencent_im::{Clock as _, SystemClock};
use tencent_im_usersig::{FixedClock, SecretKey, SigInfo, UserSig, UserSigGenerator, VerifyError};

use crate::config::{GlobalArgs, Settings};
use crate::output::{Exit, Failure, Out};

/// What `gen` and `verify` say about the identifier, in their `--help`.
const IDENTIFIER_HELP: &str = "The UserID the UserSig is for is tim's --identifier (TIM_IDENTIFIER, \
or the profile's identifier): by default the app admin, whose UserSig the REST API needs; pass \
--identifier USER for another user's. The SDKAppID and the secret key come from the \
settings as for every command (--sdkappid, TIM_SECRET_KEY, the profile).";

/// UserSig commands.
#[derive(Debug, Subcommand)]
pub(crate) enum UsersigCommand {
    /// Generate a UserSig and print it on stdout (with --json: it and its fields).
    #[command(after_help = IDENTIFIER_HELP)]
    Gen {
        /// How long the UserSig is valid, in seconds from now.
        #[arg(long, value_name = "S", default_value_t = 86_400,
              value_parser = clap::value_parser!(u64).range(1..))]
        expire: u64,
        /// A userbuf to sign into the token (standard base64), as TRTC's PrivateMapKey carries;
        /// IM UserSigs have none.
        #[arg(long, value_name = "B64")]
        userbuf: Option<String>,
    },
    /// Check a UserSig with the app's secret key: exit 0 if valid, 1 if not (the reason on
    /// stderr).
    #[command(after_help = IDENTIFIER_HELP)]
    Verify {
        /// The UserSig, or `-` to read it from stdin (arguments show in the process list).
        #[arg(long, value_name = "SIG", value_parser = parse_sig)]
        sig: SigArg,
        /// Check the expiry at this Unix time instead of now.
        #[arg(long, value_name = "UNIX")]
        now: Option<u64>,
        /// The userbuf the token must carry (standard base64); without it, it must carry none.
        #[arg(long, value_name = "B64")]
        userbuf: Option<String>,
    },
    /// Decode a UserSig without the key: identifier, SDKAppID, issue time and expiry. This does
    /// not prove it authentic (use `verify`); exit 1 if it cannot be decoded.
    Inspect {
        /// The UserSig, or `-` to read it from stdin.
        #[arg(value_name = "SIG", value_parser = parse_sig)]
        sig: SigArg,
        /// Tell whether it has expired at this Unix time instead of now.
        #[arg(long, value_name = "UNIX")]
        now: Option<u64>,
    },
}

/// A UserSig given on the command line, or `-` for stdin. `Debug` never shows the token.
#[derive(Debug, Clone)]
pub(crate) enum SigArg {
    /// Read it from stdin.
    Stdin,
    /// The token itself.
    Given(UserSig),
}

fn parse_sig(text: &str) -> Result<SigArg, String> {
    match text.trim() {
        "-" => Ok(SigArg::Stdin),
        "" => Err("the UserSig is empty".to_owned()),
        token => Ok(SigArg::Given(UserSig::new(token))),
    }
}

impl SigArg {
    /// The token, read from stdin for `-` (surrounding whitespace dropped).
    fn token(self) -> Result<UserSig, Failure> {
        match self {
            Self::Given(sig) => Ok(sig),
            Self::Stdin => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| Failure::io("cannot read the UserSig from stdin", &e))?;
                let token = text.trim();
                if token.is_empty() {
                    return Err(Failure::usage("stdin held no UserSig"));
                }
                Ok(UserSig::new(token))
            }
        }
    }
}

impl UsersigCommand {
    pub(crate) fn run(self, global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
        match self {
            Self::Gen { expire, userbuf } => {
                let settings = global.settings()?;
                let generator = signer(&settings)?;
                let identifier = identifier(&settings)?;
                let userbuf = userbuf.as_deref().map(decode_userbuf).transpose()?;
                let expire = Duration::from_secs(expire);
                let now = SystemClock.now_unix();
                let generator = generator.with_clock(FixedClock::new(now));
                let sig = match &userbuf {
                    Some(buf) => generator.generate_with_userbuf(&identifier, expire, buf),
                    None => generator.generate(&identifier, expire),
                }
                .map_err(|e| Failure::usage(format!("cannot generate the UserSig: {e}")))?;
                let document = json!({
                    "usersig": sig.expose(),
                    "identifier": identifier,
                    "sdkappid": generator.sdkappid(),
                    "issued_at": now,
                    "expire": expire.as_secs(),
                    "expires_at": now.saturating_add(expire.as_secs()),
                });
                out.emit(&document, format!("{}\n", sig.expose()));
                Ok(Exit::Success)
            }
            Self::Verify { sig, now, userbuf } => {
                let settings = global.settings()?;
                let generator = signer(&settings)?;
                let identifier = identifier(&settings)?;
                let userbuf = userbuf.as_deref().map(decode_userbuf).transpose()?;
                let token = sig.token()?;
                let now = now.unwrap_or_else(|| SystemClock.now_unix());
                let generator = generator.with_clock(FixedClock::new(now));
                let verified = match &userbuf {
                    Some(buf) => generator.verify_with_userbuf(token.expose(), &identifier, buf),
                    None => generator.verify(token.expose(), &identifier),
                };
                match verified {
                    Ok(info) => {
                        let mut document = info_json(&info, now);
                        document["valid"] = json!(true);
                        let human = format!(
                            "valid (verified with the secret key)\n{}\n",
                            describe(&info, now)
                        );
                        out.emit(&document, human);
                        Ok(Exit::Success)
                    }
                    Err(e) => {
                        let reason = invalid_reason(&e);
                        if out.json {
                            out.emit(&json!({"valid": false, "reason": reason}), "");
                        }
                        Err(Failure {
                            exit: Exit::Partial,
                            message: format!("invalid UserSig: {reason}"),
                            random: None,
                        })
                    }
                }
            }
            Self::Inspect { sig, now } => {
                let token = sig.token()?;
                let now = now.unwrap_or_else(|| SystemClock.now_unix());
                let info = tencent_im_usersig::inspect(token.expose()).map_err(|e| Failure {
                    exit: Exit::Partial,
                    message: format!("cannot decode the UserSig: {e}"),
                    random: None,
                })?;
                let mut document = info_json(&info, now);
                document["authenticated"] = json!(false);
                let human = format!(
                    "{}\n(decoded without the key: this does not prove it authentic; \
                     `tim usersig verify` does)\n",
                    describe(&info, now)
                );
                out.emit(&document, human);
                Ok(Exit::Success)
            }
        }
    }
}

/// A generator for the settings' SDKAppID and secret key; says which one is missing or bad,
/// never the key.
pub(crate) fn signer(settings: &Settings) -> Result<UserSigGenerator, Failure> {
    let sdkappid = settings.sdkappid()?;
    let key = settings
        .secret_key
        .as_deref()
        .ok_or_else(|| crate::config::not_set("secret_key"))?;
    Ok(UserSigGenerator::new(sdkappid, SecretKey::new(key.trim())))
}

fn identifier(settings: &Settings) -> Result<String, Failure> {
    settings
        .identifier
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Failure::usage(
                "no identifier to sign for: pass --identifier USER (or set TIM_IDENTIFIER, or \
                 the profile's identifier, to use the admin)",
            )
        })
}

fn decode_userbuf(b64: &str) -> Result<Vec<u8>, Failure> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| Failure::usage(format!("--userbuf is not standard base64: {e}")))
}

/// Why a UserSig is not valid, and what usually causes it. Quotes no token.
fn invalid_reason(error: &VerifyError) -> String {
    let hint = match error {
        VerifyError::Malformed(cause) => {
            return format!("{cause} (is it the whole token, copied without cuts?)");
        }
        VerifyError::SdkAppIdMismatch { .. } => "use the settings of the app it was made for",
        VerifyError::IdentifierMismatch { .. } => {
            "pass --identifier with the UserID it was made for"
        }
        VerifyError::BadSignature => {
            "it was made with another secret key, or altered; check the key and the SDKAppID"
        }
        VerifyError::UserBufMismatch => {
            "pass --userbuf with the token's userbuf, or none if it carries none"
        }
        VerifyError::Expired { expired_at, now } => {
            return format!(
                "it expired at {} ({} before {})",
                utc(*expired_at),
                human_duration(now.saturating_sub(*expired_at)),
                utc(*now)
            );
        }
        _ => "",
    };
    if hint.is_empty() {
        error.to_string()
    } else {
        format!("{error}: {hint}")
    }
}

/// A token's fields as JSON.
fn info_json(info: &SigInfo, now: u64) -> Value {
    json!({
        "identifier": info.identifier,
        "sdkappid": info.sdkappid,
        "version": info.version,
        "issued_at": info.issued_at,
        "issued_at_utc": utc(info.issued_at),
        "expire": info.expire.as_secs(),
        "expires_at": info.expires_at(),
        "expires_at_utc": utc(info.expires_at()),
        "expired": info.is_expired_at(now),
        "remaining": info.remaining(now).as_secs(),
        "userbuf": info.userbuf.as_ref().map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
    })
}

/// A token's fields, one per line.
fn describe(info: &SigInfo, now: u64) -> String {
    let status = if info.is_expired_at(now) {
        format!(
            "expired {} ago",
            human_duration(now.saturating_sub(info.expires_at()))
        )
    } else {
        format!(
            "valid for {}",
            human_duration(info.remaining(now).as_secs())
        )
    };
    let userbuf = info.userbuf.as_ref().map_or_else(
        || "none".to_owned(),
        |b| base64::engine::general_purpose::STANDARD.encode(b),
    );
    format!(
        "identifier  {}\nsdkappid    {}\nversion     {}\nissued at   {} ({})\nexpire      {} s ({})\n\
         expires at  {} ({})\nstatus      {status}\nuserbuf     {userbuf}",
        info.identifier,
        info.sdkappid,
        info.version.as_deref().unwrap_or("-"),
        info.issued_at,
        utc(info.issued_at),
        info.expire.as_secs(),
        human_duration(info.expire.as_secs()),
        info.expires_at(),
        utc(info.expires_at()),
    )
}

/// `90061` → `1d 1h 1m 1s`, largest units first, zero units left out.
pub(crate) fn human_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".to_owned();
    }
    let parts = [
        (secs / 86_400, "d"),
        (secs / 3600 % 24, "h"),
        (secs / 60 % 60, "m"),
        (secs % 60, "s"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Unix seconds as `2023-11-14T22:13:20Z`.
pub(crate) fn utc(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 as a proleptic Gregorian date (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(86_400), "1d");
        assert_eq!(human_duration(90_061), "1d 1h 1m 1s");
        assert_eq!(human_duration(59), "59s");
    }
}
