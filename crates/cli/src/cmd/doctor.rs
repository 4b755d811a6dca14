//! `tim doctor`: checks the configuration end to end (settings, the admin UserSig, DNS, TCP,
//! TLS, the clock, one harmless call) and says in plain words what to fix.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tencent_im::layers::transport::Scheme;
use tencent_im::{
    AccountCheckOutcome, Clock as _, Error, ErrorCode, ErrorKind, Limits, NoRetry, Region,
    SystemClock, Target,
};
use tencent_im_usersig::{SecretKey, UserSigGenerator};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::cmd::usersig::{human_duration, signer, utc};
use crate::config::{GlobalArgs, Settings};
use crate::output::{Exit, Failure, Out, request_id};

/// How long each network step may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);
/// How far this machine's clock may be from the server's before doctor fails.
const MAX_SKEW_SECS: u64 = 300;
/// 2024-01-01T00:00:00Z: a clock reading earlier than this is certainly wrong.
const SANE_CLOCK: u64 = 1_704_067_200;
/// The lifetime of the admin UserSig doctor generates (the client's default).
const SIG_LIFETIME: Duration = Duration::from_secs(86_400);

/// The result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Fail,
    Skip,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Fail => "FAIL",
            Self::Skip => "skip",
        }
    }
}

/// One check: its name (`standby …` for the standby server's), what it found, and the exit
/// code a failure calls for.
struct Check {
    name: String,
    status: Status,
    message: String,
    exit: Exit,
}

/// The checks so far; printed one line each as they finish (tables), or at the end (JSON).
struct Doctor {
    out: Out,
    checks: Vec<Check>,
}

impl Doctor {
    fn record(&mut self, name: &str, status: Status, exit: Exit, message: impl Into<String>) {
        let check = Check {
            name: name.to_owned(),
            status,
            message: message.into(),
            exit,
        };
        if !self.out.json {
            println!(
                "{:<4}  {:<14} {}",
                check.status.as_str(),
                check.name,
                check.message
            );
        }
        self.checks.push(check);
    }

    fn ok(&mut self, name: &str, message: impl Into<String>) {
        self.record(name, Status::Ok, Exit::Success, message);
    }

    fn fail(&mut self, name: &str, exit: Exit, message: impl Into<String>) {
        self.record(name, Status::Fail, exit, message);
    }

    fn skip(&mut self, name: &str, message: impl Into<String>) {
        self.record(name, Status::Skip, Exit::Success, message);
    }

    /// Prints the summary (or the JSON document) and returns the exit code of the first
    /// failure.
    fn finish(self) -> Exit {
        let failed: Vec<&Check> = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .collect();
        let exit = failed.first().map_or(Exit::Success, |c| c.exit);
        if self.out.json {
            let checks: Vec<Value> = self
                .checks
                .iter()
                .map(|c| {
                    json!({
                        "check": c.name,
                        "status": c.status.as_str().to_ascii_lowercase(),
                        "message": c.message,
                    })
                })
                .collect();
            let document = json!({
                "ok": failed.is_empty(),
                "exit": exit as u8,
                "checks": checks,
            });
            self.out.emit(&document, "");
        } else if failed.is_empty() {
            println!(
                "\nall {} checks passed ({} skipped)",
                self.checks.len(),
                self.checks
                    .iter()
                    .filter(|c| c.status == Status::Skip)
                    .count()
            );
        } else {
            println!(
                "\n{} of {} checks failed; start with the first ({})",
                failed.len(),
                self.checks.len(),
                failed.first().map_or("", |c| c.name.as_str())
            );
        }
        exit
    }
}

/// Runs every check it can; a check whose prerequisite failed is skipped.
pub(crate) async fn run(global: &GlobalArgs, out: Out) -> Result<Exit, Failure> {
    let mut doctor = Doctor {
        out,
        checks: Vec::new(),
    };
    let settings = match global.settings() {
        Ok(settings) => settings,
        Err(failure) => {
            doctor.fail("settings", failure.exit, failure.message);
            return Ok(doctor.finish());
        }
    };
    let target = check_settings(&mut doctor, &settings);
    let issued_at = check_usersig(&mut doctor, &settings);
    check_local_clock(&mut doctor);
    let Some(target) = target else {
        return Ok(doctor.finish());
    };

    let primary = target.primary();
    let reachable = check_network(&mut doctor, "", primary.host(), primary.port()).await;
    if let Some(addr) = reachable {
        check_clock(
            &mut doctor,
            primary.scheme(),
            addr,
            primary.host(),
            issued_at,
        )
        .await;
    }
    match reachable {
        Some(_) => {
            check_call(
                &mut doctor,
                global,
                "",
                primary.as_str(),
                &settings,
                issued_at,
            )
            .await;
        }
        None => doctor.skip("api", "not tried: the server cannot be reached (see above)"),
    }

    match target.standby() {
        Some(standby) => {
            let reachable =
                check_network(&mut doctor, "standby ", standby.host(), standby.port()).await;
            if reachable.is_some() {
                check_call(
                    &mut doctor,
                    global,
                    "standby ",
                    standby.as_str(),
                    &settings,
                    issued_at,
                )
                .await;
            }
        }
        None => doctor.skip(
            "standby",
            "no standby server for this target (custom endpoints have none)",
        ),
    }
    Ok(doctor.finish())
}

/// Every setting present and well-formed; returns where requests go.
fn check_settings(doctor: &mut Doctor, settings: &Settings) -> Option<Target> {
    let mut problems = Vec::new();
    let missing =
        |key: &str, what: &str| format!("{what} is not set{}", crate::config::how_to_set(key));
    match settings.sdkappid.as_deref() {
        None => problems.push(missing("sdkappid", "the SDKAppID")),
        Some(id) if id.trim().parse::<u64>().is_err() => problems.push(format!(
            "the SDKAppID {id:?} is not a number: copy it from the console's app list"
        )),
        Some(_) => {}
    }
    if settings.identifier.is_none() {
        problems.push(missing(
            "identifier",
            "the admin identifier (usually \"administrator\")",
        ));
    }
    if settings.secret_key.is_none() {
        problems.push(missing("secret_key", "the secret key"));
    }
    let target = match (&settings.endpoint, &settings.region) {
        (Some(url), _) => match Target::custom(url.trim()) {
            Ok(target) => Some(target),
            Err(e) => {
                problems.push(format!(
                    "the endpoint {url:?} is not a base URL ({e}): write it as https://host[:port]"
                ));
                None
            }
        },
        (None, Some(name)) => match name.trim().parse::<Region>() {
            Ok(region) => Some(Target::from(region)),
            Err(e) => {
                problems.push(format!("the region {name:?}: {e}"));
                None
            }
        },
        (None, None) => {
            problems.push(
                "neither a region nor an endpoint is set: pass --region with the data centre \
                 where the app was created (shown in the console), or --endpoint URL"
                    .to_owned(),
            );
            None
        }
    };
    if problems.is_empty() {
        let where_to = match (&settings.region, &settings.endpoint, &target) {
            (_, Some(_), Some(t)) => format!("endpoint {}", t.primary()),
            (Some(region), None, Some(t)) => match t.standby() {
                Some(standby) => format!(
                    "region {} ({}, standby {standby})",
                    region.trim(),
                    t.primary()
                ),
                None => format!("region {} ({})", region.trim(), t.primary()),
            },
            _ => String::new(),
        };
        doctor.ok(
            "settings",
            format!(
                "SDKAppID {}, admin {:?}, {where_to}; secret key set",
                settings.sdkappid.as_deref().unwrap_or("").trim(),
                settings.identifier.as_deref().unwrap_or("").trim(),
            ),
        );
    } else {
        doctor.fail("settings", Exit::Config, problems.join("; "));
    }
    target
}

/// The admin UserSig: generated with the key, verified with the same key. Returns its issue
/// time.
fn check_usersig(doctor: &mut Doctor, settings: &Settings) -> Option<u64> {
    let admin = settings.identifier.as_deref().map(str::trim).unwrap_or("");
    let (Some(key), false) = (settings.secret_key.as_deref(), admin.is_empty()) else {
        doctor.skip("usersig", "not made: settings are missing (see above)");
        return None;
    };
    let generator = match signer(settings) {
        Ok(generator) => generator,
        Err(_) => {
            doctor.skip("usersig", "not made: the SDKAppID is not valid (see above)");
            return None;
        }
    };
    let (sig, info) = match generator.generate_with_info(admin, SIG_LIFETIME) {
        Ok(made) => made,
        Err(e) => {
            doctor.fail(
                "usersig",
                Exit::Config,
                format!("cannot make the admin UserSig: {e}"),
            );
            return None;
        }
    };
    let checker = UserSigGenerator::new(generator.sdkappid(), SecretKey::new(key.trim()));
    if let Err(e) = checker.verify(sig.expose(), admin) {
        doctor.fail(
            "usersig",
            Exit::Config,
            format!("the admin UserSig does not verify with the key it was made with: {e}"),
        );
        return None;
    }
    let key = key.trim();
    let note = if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        ""
    } else {
        " (note: the key is not 64 hexadecimal characters as the console shows it; check that it \
         was copied whole)"
    };
    doctor.ok(
        "usersig",
        format!(
            "admin UserSig for {admin:?} made (valid {}) and verified locally with the same key{note}",
            human_duration(SIG_LIFETIME.as_secs())
        ),
    );
    Some(info.issued_at)
}

/// This machine's clock reads a plausible time.
fn check_local_clock(doctor: &mut Doctor) {
    let now = SystemClock.now_unix();
    if now < SANE_CLOCK {
        doctor.fail(
            "clock",
            Exit::Config,
            format!(
                "this machine's clock reads {}, which cannot be right: set it (enable NTP); \
                 UserSigs it signs are expired on arrival",
                utc(now)
            ),
        );
    }
}

/// DNS then TCP to `host:port`; returns the address that accepted a connection.
async fn check_network(
    doctor: &mut Doctor,
    prefix: &str,
    host: &str,
    port: u16,
) -> Option<SocketAddr> {
    let dns = format!("{prefix}dns");
    let tcp = format!("{prefix}tcp");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let is_ip = bare.parse::<std::net::IpAddr>().is_ok();
    let addrs: Vec<SocketAddr> = match timeout(STEP_TIMEOUT, tokio::net::lookup_host((bare, port)))
        .await
    {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(e)) => {
            doctor.fail(
                &dns,
                Exit::Network,
                format!(
                    "{host} does not resolve ({e}): check the region or endpoint, and this \
                     machine's DNS (try `nslookup {host}`)"
                ),
            );
            doctor.skip(&tcp, "not tried: no address");
            return None;
        }
        Err(_) => {
            doctor.fail(
                &dns,
                Exit::Network,
                format!(
                    "resolving {host} took more than {} s: this machine's DNS server does not answer",
                    STEP_TIMEOUT.as_secs()
                ),
            );
            doctor.skip(&tcp, "not tried: no address");
            return None;
        }
    };
    if addrs.is_empty() {
        doctor.fail(
            &dns,
            Exit::Network,
            format!("{host} resolves to no address: check the region or endpoint"),
        );
        doctor.skip(&tcp, "not tried: no address");
        return None;
    }
    if is_ip {
        doctor.ok(&dns, format!("{host} is an IP address: nothing to resolve"));
    } else {
        let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
        doctor.ok(&dns, format!("{host} resolves to {}", shown.join(", ")));
    }
    let mut last_error = String::new();
    for addr in &addrs {
        let started = Instant::now();
        match timeout(STEP_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(_stream)) => {
                doctor.ok(
                    &tcp,
                    format!(
                        "connected to {addr} in {} ms",
                        started.elapsed().as_millis()
                    ),
                );
                return Some(*addr);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last_error = format!(
                    "{addr} refused the connection: nothing listens on port {port} there; check \
                     the endpoint's port, or start the server (e.g. `tim emulator serve`)"
                );
            }
            Ok(Err(e)) => {
                last_error = format!(
                    "cannot connect to {addr} ({e}): a firewall or the network blocks port {port}"
                );
            }
            Err(_) => {
                last_error = format!(
                    "{addr} did not answer within {} s: a firewall may drop traffic to port \
                     {port}, or this network needs a proxy",
                    STEP_TIMEOUT.as_secs()
                );
            }
        }
    }
    doctor.fail(&tcp, Exit::Network, last_error);
    None
}

/// This machine's clock against the server's `Date` header, where it can be read (plain HTTP).
async fn check_clock(
    doctor: &mut Doctor,
    scheme: Scheme,
    addr: SocketAddr,
    host: &str,
    issued_at: Option<u64>,
) {
    if scheme != Scheme::Http {
        let issued = issued_at.map_or_else(String::new, |t| {
            format!(
                "; the admin UserSig was issued at {} by this machine's clock ({}s from the local time)",
                utc(t),
                SystemClock.now_unix().abs_diff(t)
            )
        });
        doctor.skip(
            "clock",
            format!(
                "not compared with the server's: tim reads no Date header over HTTPS (it has no \
                 TLS client of its own){issued}. If Tencent answers 70001 to a fresh UserSig, \
                 this machine's clock is behind"
            ),
        );
        return;
    }
    let host_header = match addr.port() {
        80 => host.to_owned(),
        port => format!("{host}:{port}"),
    };
    match timeout(STEP_TIMEOUT, server_date(addr, &host_header)).await {
        Ok(Ok(Some(server))) => {
            let local = SystemClock.now_unix();
            let skew = local.abs_diff(server);
            let direction = if local < server { "behind" } else { "ahead of" };
            if skew <= 1 {
                doctor.ok(
                    "clock",
                    "this machine's clock agrees with the server's Date header",
                );
            } else if skew <= MAX_SKEW_SECS {
                doctor.ok(
                    "clock",
                    format!(
                        "this machine's clock is {} {direction} the server's: close enough",
                        human_duration(skew)
                    ),
                );
            } else {
                doctor.fail(
                    "clock",
                    Exit::Config,
                    format!(
                        "this machine's clock is {} {direction} the server's (here {}, server {}): \
                         set it right (enable NTP); a UserSig from a clock behind by more than \
                         its lifetime is expired on arrival (70001)",
                        human_duration(skew),
                        utc(local),
                        utc(server)
                    ),
                );
            }
        }
        Ok(Ok(None)) => doctor.skip("clock", "the server sent no Date header to compare with"),
        Ok(Err(e)) => doctor.skip(
            "clock",
            format!("cannot read the server's Date header: {e}"),
        ),
        Err(_) => doctor.skip(
            "clock",
            format!(
                "the server sent no headers within {} s",
                STEP_TIMEOUT.as_secs()
            ),
        ),
    }
}

/// The `Date` of the server's answer to `HEAD /`, in Unix seconds.
async fn server_date(addr: SocketAddr, host: &str) -> std::io::Result<Option<u64>> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "HEAD / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tim-doctor\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&head);
    Ok(text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("date")
            .then(|| parse_http_date(value.trim()))
            .flatten()
    }))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
fn parse_http_date(text: &str) -> Option<u64> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u64 = parts.next()?.parse().ok()?;
    let mut time = parts.next()?.split(':');
    let hour: u64 = time.next()?.parse().ok()?;
    let minute: u64 = time.next()?.parse().ok()?;
    let second: u64 = time.next()?.parse().ok()?;
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`);
/// `None` before 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = y / 400;
    let yoe = y % 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// One harmless call (account_check of the admin) through the client, to `url` only: whether
/// the TLS handshake and the request succeed, and what Tencent answers.
async fn check_call(
    doctor: &mut Doctor,
    global: &GlobalArgs,
    prefix: &str,
    url: &str,
    settings: &Settings,
    issued_at: Option<u64>,
) -> bool {
    let https = url.starts_with("https://");
    let transport_check = format!("{prefix}{}", if https { "tls" } else { "http" });
    let api_check = format!("{prefix}api");
    let mut only_here = global.clone();
    only_here.endpoint = Some(url.to_owned());
    only_here.region = None;
    let client = match only_here.builder().and_then(|b| {
        b.retry_policy(Arc::new(NoRetry))
            .limits(
                Limits::default()
                    .connect_timeout(STEP_TIMEOUT)
                    .attempt_timeout(Duration::from_secs(10))
                    .total_timeout(Duration::from_secs(15)),
            )
            .build()
            .map_err(Failure::from)
    }) {
        Ok(client) => client,
        Err(failure) => {
            doctor.skip(
                &transport_check,
                format!("no request sent: {}", failure.message),
            );
            return false;
        }
    };
    let admin = settings.identifier.as_deref().map(str::trim).unwrap_or("");
    let host = url.split_once("://").map_or(url, |(_, h)| h);
    let (report, error) = match client.check_accounts([admin.to_owned()]).await {
        Ok(report) => (Some(report), None),
        Err(e) => (None, Some(e)),
    };
    let detail = error.as_ref().map_or_else(String::new, chain);
    // Whether the server answered at all (TLS and HTTP worked).
    match error.as_ref().map(Error::kind) {
        None | Some(ErrorKind::Api(_)) => doctor.ok(
            &transport_check,
            if https {
                format!(
                    "TLS handshake with {host} done, certificate trusted; the request was answered"
                )
            } else {
                format!("{host} answered the request (plain HTTP: no TLS)")
            },
        ),
        Some(ErrorKind::Tls) => {
            doctor.fail(
                &transport_check,
                Exit::Network,
                format!(
                    "the TLS handshake with {host} failed ({}): if a proxy or firewall inspects \
                     TLS, pass its CA certificate with --ca-cert FILE; check this machine's date \
                     too (a wrong clock makes certificates look expired)",
                    detail
                ),
            );
            return false;
        }
        Some(ErrorKind::HttpStatus(status)) => {
            doctor.fail(
                &transport_check,
                Exit::Network,
                format!(
                    "{host} answered HTTP {status}, not Tencent's REST API: check the endpoint \
                     (a proxy or another service may be answering)"
                ),
            );
            return false;
        }
        Some(ErrorKind::BadBody) => {
            doctor.fail(
                &transport_check,
                Exit::Network,
                format!(
                    "{host} answered with something other than Tencent's JSON: a proxy, captive \
                     portal or another service may be answering; check the endpoint"
                ),
            );
            return false;
        }
        Some(ErrorKind::Timeout) => {
            doctor.fail(
                &transport_check,
                Exit::Network,
                format!(
                    "{host} accepted the connection but did not answer in time: a firewall may be \
                     inspecting the traffic, or the server is overloaded; try again"
                ),
            );
            return false;
        }
        Some(ErrorKind::Credentials | ErrorKind::Config | ErrorKind::Validation) => {
            let exit = error.map_or(Exit::Config, |e| Failure::from(e).exit);
            doctor.fail(&transport_check, exit, detail);
            return false;
        }
        Some(_) => {
            doctor.fail(
                &transport_check,
                Exit::Network,
                format!("the request to {host} failed: {detail}"),
            );
            return false;
        }
    }
    if !prefix.is_empty() {
        // The standby's answer only proves it reachable; the primary's was explained above.
        return true;
    }
    match (report, error) {
        (Some(report), _) => {
            let status = report.items.first().map(|i| &i.outcome);
            let message = match status {
                Some(checked) if checked.is_imported() => format!(
                    "account_check answered: the admin {admin:?} exists; the SDKAppID, the secret \
                     key and the region match"
                ),
                Some(AccountCheckOutcome::Checked(s)) => format!(
                    "account_check answered: the SDKAppID, the secret key, the admin and the \
                     region match (the admin account itself reads {})",
                    s.as_str()
                ),
                _ => "account_check answered: the SDKAppID, the secret key and the region match"
                    .to_owned(),
            };
            doctor.ok(&api_check, message);
        }
        (None, Some(e)) => {
            let message = explain(&e, settings, issued_at);
            doctor.fail(&api_check, Failure::from(e).exit, message);
        }
        (None, None) => {}
    }
    true
}

/// What Tencent's whole-request error means for this configuration, and what to fix.
fn explain(error: &Error, settings: &Settings, issued_at: Option<u64>) -> String {
    let Some(code) = error.api_code() else {
        return chain(error);
    };
    let what = advice(code, error.is_rate_limited(), settings, issued_at);
    match error.random() {
        Some(random) => format!("{what} (code {code}, {})", request_id(Some(random), None)),
        None => format!("{what} (code {code})"),
    }
}

/// What Tencent's `code` means for these settings, in a sentence saying what to fix.
fn advice(
    code: ErrorCode,
    rate_limited: bool,
    settings: &Settings,
    issued_at: Option<u64>,
) -> String {
    let sdkappid = settings.sdkappid.as_deref().unwrap_or("").trim();
    let admin = settings.identifier.as_deref().unwrap_or("").trim();
    match code.get() {
        70001 => format!(
            "Tencent says the UserSig expired, though tim made it just now: this machine's clock \
             is probably behind (it signed the UserSig as issued at {}); set the clock right \
             (enable NTP)",
            issued_at.map_or_else(|| "an unknown time".to_owned(), utc)
        ),
        70003 => "Tencent could not parse the UserSig: something between tim and Tencent (a \
                  proxy) may be rewriting the URL, or the admin identifier holds characters that \
                  get mangled; tim's UserSig verified locally, so the key is not the cause"
            .to_owned(),
        70009 => format!(
            "the UserSig failed verification: the secret key is not the key of SDKAppID \
             {sdkappid}. Copy the key again from the console (the app's basic configuration) \
             and check that the SDKAppID is that app's"
        ),
        70013 => format!(
            "Tencent saw another identifier in the URL than the UserSig's: check the admin \
             identifier {admin:?} for spaces or characters a proxy may rewrite"
        ),
        70014 => format!(
            "Tencent saw another SDKAppID in the URL than the UserSig's: check that SDKAppID \
             {sdkappid} is written without spaces or leading zeros"
        ),
        70016 => format!(
            "Tencent found no key for SDKAppID {sdkappid} in this data centre: check the region \
             (the console shows where the app was created) and the SDKAppID"
        ),
        70020 => format!(
            "SDKAppID {sdkappid} does not exist in this data centre: check the SDKAppID, and that \
             the region is the one where the app was created (the console shows it)"
        ),
        60021 => "Tencent refuses calls from this machine's IP address: add its public IP \
                  address to the app's IP allowlist in the console (or remove the allowlist)"
            .to_owned(),
        60010 | 30004 | 40004 | 70403 => format!(
            "{admin:?} is not an app admin: set --identifier to the app's admin account \
             (\"administrator\" unless you made another)"
        ),
        60006 | 60016 => {
            format!("SDKAppID {sdkappid} is invalid or disabled: check it in the console")
        }
        60020 => {
            "the app's paid edition expired or is disabled: renew it in the console".to_owned()
        }
        70050 => {
            "too many failed UserSig verifications: wait a minute, fix the key, then try again"
                .to_owned()
        }
        _ if rate_limited => {
            "Tencent rate-limited the call: the configuration works, try again in a second"
                .to_owned()
        }
        _ => format!(
            "Tencent answered {code}: {}",
            code.description().unwrap_or("an error tim does not know")
        ),
    }
}

/// The error and its causes, `: `-separated.
fn chain(error: &Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_http_date("Tue, 14 Nov 2023 22:13:20 PST"), None);
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(1969, 12, 31), None);
    }

    #[test]
    fn every_configuration_code_says_what_to_fix() {
        let settings = Settings {
            sdkappid: Some("1400000000".to_owned()),
            identifier: Some("administrator".to_owned()),
            ..Settings::default()
        };
        let cases = [
            (70001, "clock"),
            (70003, "rewriting the URL"),
            (70009, "secret key is not the key of SDKAppID 1400000000"),
            (70013, "identifier \"administrator\""),
            (70016, "no key for SDKAppID 1400000000"),
            (
                70020,
                "SDKAppID 1400000000 does not exist in this data centre",
            ),
            (60021, "IP allowlist"),
        ];
        for (code, needle) in cases {
            let text = advice(ErrorCode::new(code), false, &settings, Some(1_700_000_000));
            assert!(text.contains(needle), "{code}: {text}");
        }
        let expired = advice(ErrorCode::new(70001), false, &settings, Some(1_700_000_000));
        assert!(expired.contains("2023-11-14T22:13:20Z"), "{expired}");
        let limited = advice(ErrorCode::new(60007), true, &settings, None);
        assert!(limited.contains("rate-limited"), "{limited}");
        let other = advice(ErrorCode::new(99999), false, &settings, None);
        assert!(other.contains("99999"), "{other}");
    }
}
