//! The transport's error types: [`TransportError`] for a call, [`ConfigError`] for building the
//! transport, [`CredentialsError`] for UserSig providers.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use tencent_im_protocol::{
    ApiError, DecodeError, Endpoint, ErrorClass, ErrorCode, ValidationError,
};

/// A boxed error that can cross threads.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Which limit a [`ErrorKind::Timeout`] hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Resolving, connecting and the TLS handshake took longer than the connect timeout.
    Connect,
    /// One attempt (request, response headers and the whole body) took longer than the
    /// per-attempt timeout.
    Attempt,
    /// The whole call, retries, backoff and waits for the rate limiter included, reached its
    /// total timeout.
    Total,
}

impl TimeoutKind {
    /// `"connect"`, `"attempt"` or `"total"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Attempt => "attempt",
            Self::Total => "total",
        }
    }
}

/// What went wrong in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The command broke a documented limit; nothing was sent. The source is the protocol
    /// crate's `ValidationError`.
    Validation,
    /// The command could not be serialized as JSON; nothing was sent. The source is the
    /// protocol crate's `EncodeError`.
    Encode,
    /// The UserSig provider failed.
    Credentials,
    /// The host could not be resolved or connected to.
    Connect,
    /// The TLS handshake failed (e.g. an untrusted certificate); nothing was sent.
    Tls,
    /// A timeout.
    Timeout(TimeoutKind),
    /// The connection failed after the request was sent (closed mid-response, reset).
    Interrupted,
    /// The server answered with a status other than 2xx (e.g. a gateway's 502). The source is
    /// the start of its page, redacted ([`StatusBody`]), when it had text.
    HttpStatus(u16),
    /// The response body was larger than the configured cap.
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The response body was not a reply of the command (not JSON, truncated, wrong shape).
    BadBody,
    /// Tencent answered with a whole-request failure; the source is the protocol crate's
    /// `ApiError`.
    Api(ErrorCode),
    /// Another HTTP-level failure (a protocol error of the connection).
    Http,
    /// The HTTP proxy answered the `CONNECT` with a status other than 200 (e.g. 407 for
    /// missing or wrong credentials, 403 for a destination it does not allow); nothing was
    /// sent to the server. The source names the proxy by host and port, never its
    /// credentials. Not retried: hyper-util reports no status but 407, so a refusal cannot be
    /// told from a passing failure. An unreachable proxy is [`Connect`](Self::Connect).
    Proxy,
}

impl ErrorKind {
    /// The retry class of this kind under the default policy
    /// ([`DefaultRetryPolicy`](crate::DefaultRetryPolicy)).
    pub fn class(self) -> ErrorClass {
        match self {
            Self::Api(code) => code.class(),
            Self::Connect | Self::Timeout(_) | Self::Interrupted => ErrorClass::Transient,
            Self::HttpStatus(s) if s >= 500 || s == 408 => ErrorClass::Transient,
            Self::HttpStatus(429) => ErrorClass::RateLimited,
            _ => ErrorClass::Permanent,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Validation => f.write_str("invalid request"),
            Self::Encode => f.write_str("cannot encode the request"),
            Self::Credentials => f.write_str("no UserSig"),
            Self::Connect => f.write_str("cannot connect"),
            Self::Tls => f.write_str("TLS handshake failed"),
            Self::Timeout(t) => write!(f, "{} timeout", t.as_str()),
            Self::Interrupted => f.write_str("connection interrupted"),
            Self::HttpStatus(s) => write!(f, "HTTP status {s}"),
            Self::BodyTooLarge { limit } => write!(f, "response body over {limit} bytes"),
            Self::BadBody => f.write_str("bad response body"),
            Self::Api(code) => write!(f, "API error {code}"),
            Self::Http => f.write_str("HTTP error"),
            Self::Proxy => f.write_str("the proxy refused the tunnel"),
        }
    }
}

/// The error of [`Transport::execute`](crate::Transport::execute).
///
/// It names the command and carries the `random` of the call (give it to Tencent's support),
/// how many attempts were made and the host of the last one. [`source`](StdError::source) leads
/// to the cause: the protocol crate's `ApiError`, `DecodeError` or `ValidationError`, a
/// [`StatusBody`] (what a gateway said with a non-2xx status), an I/O or TLS error. Neither
/// `Debug` nor `Display` contains the UserSig; the query string shows only as a gateway's page
/// may repeat it, its UserSig redacted.
#[non_exhaustive]
pub struct TransportError {
    kind: ErrorKind,
    endpoint: Endpoint,
    random: u32,
    attempts: u32,
    host: Option<String>,
    elapsed: Duration,
    source: Option<BoxError>,
}

impl TransportError {
    pub(crate) fn new(kind: ErrorKind, endpoint: Endpoint, random: u32) -> Self {
        Self {
            kind,
            endpoint,
            random,
            attempts: 0,
            host: None,
            elapsed: Duration::ZERO,
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub(crate) fn with_host(mut self, host: &str) -> Self {
        self.host = Some(host.to_owned());
        self
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32, elapsed: Duration) {
        self.attempts = attempts;
        self.elapsed = elapsed;
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The endpoint of the command.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The `random` query value of the call, the same on every attempt.
    pub fn random(&self) -> u32 {
        self.random
    }

    /// How many HTTP attempts were made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The host of the last attempt, e.g. `"adminapisgp.im.qcloud.com"`.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The time from the start of the call to this error.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The retry class under the default policy
    /// ([`DefaultRetryPolicy`](crate::DefaultRetryPolicy)).
    pub fn class(&self) -> ErrorClass {
        self.kind.class()
    }

    /// Whether the default policy counts this error as worth retrying. The transport already
    /// retried it as far as its policy and deadline allowed.
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }

    /// Whether Tencent's rate limit was hit (60007, 60011, 60018, 60019, 30540 or HTTP 429).
    pub fn is_rate_limited(&self) -> bool {
        self.class() == ErrorClass::RateLimited
    }

    /// Whether the command failed validation before anything was sent.
    pub fn is_validation(&self) -> bool {
        self.kind == ErrorKind::Validation
    }

    /// Whether the host could not be resolved or connected to.
    pub fn is_connect(&self) -> bool {
        self.kind == ErrorKind::Connect
    }

    /// Whether a timeout (connect, attempt or total) ended the call.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout(_))
    }

    /// Whether the TLS handshake failed.
    pub fn is_tls(&self) -> bool {
        self.kind == ErrorKind::Tls
    }

    /// Whether the body was over the size cap.
    pub fn is_body_too_large(&self) -> bool {
        matches!(self.kind, ErrorKind::BodyTooLarge { .. })
    }

    /// Whether the body was not a reply of the command.
    pub fn is_bad_body(&self) -> bool {
        self.kind == ErrorKind::BadBody
    }

    /// The HTTP status of a non-2xx answer.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            ErrorKind::HttpStatus(s) => Some(s),
            _ => None,
        }
    }

    /// The Tencent error code of a whole-request failure.
    pub fn api_code(&self) -> Option<ErrorCode> {
        match self.kind {
            ErrorKind::Api(code) => Some(code),
            _ => None,
        }
    }

    /// The whole-request failure Tencent sent (code, `ErrorInfo`, the envelope).
    pub fn api_error(&self) -> Option<&ApiError> {
        self.source.as_deref()?.downcast_ref()
    }

    /// The decoding error of a [`ErrorKind::BadBody`].
    pub fn decode_error(&self) -> Option<&DecodeError> {
        self.source.as_deref()?.downcast_ref()
    }

    /// The validation error of a [`ErrorKind::Validation`].
    pub fn validation_error(&self) -> Option<&ValidationError> {
        self.source.as_deref()?.downcast_ref()
    }

    /// What the gateway said with an [`ErrorKind::HttpStatus`]: the start of its page, the
    /// UserSig redacted ([`StatusBody`]); `None` when the page had no text.
    pub fn status_body(&self) -> Option<&StatusBody> {
        self.source.as_deref()?.downcast_ref()
    }
}

/// The start of the body of a response whose status was not 2xx: what a gateway or proxy said
/// (e.g. "403 Forbidden: IP not allowed"). The [`source`](StdError::source) of a
/// [`TransportError`] of kind [`ErrorKind::HttpStatus`] when the body had text
/// ([`TransportError::status_body`]).
///
/// At most [`StatusBody::MAX_BYTES`] are read, for at most a quarter of a second. Some gateways
/// echo the request URL, which holds the UserSig. The sig sent and every `usersig` value
/// (`usersig=…`, `usersig%3D…`, `"usersig":"…"`, any case) are replaced by `<redacted>`, and so
/// is a start of the sig at the end of a page cut short. Then, if any 8 letters or digits in a
/// row of the sig can still be found in the page, even percent-encoded (up to three times),
/// JSON-escaped or wrapped over lines, the whole text is withheld
/// ([`WITHHELD`](StatusBody::WITHHELD)). Runs of whitespace, control and format characters are
/// one space.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusBody {
    text: String,
    cut: bool,
}

impl StatusBody {
    /// How much of the body is read: 512 bytes.
    pub const MAX_BYTES: usize = 512;

    /// The text of a page in which the UserSig could still be found after redaction.
    pub const WITHHELD: &'static str = "(not shown: the page repeats the request's UserSig)";

    /// The page `bytes` (at most [`MAX_BYTES`](Self::MAX_BYTES); `cut` if it did not come
    /// whole: longer, stalled or broken off) with the UserSig `sig` redacted; `None` when it
    /// holds no text.
    pub(crate) fn new(bytes: &[u8], cut: bool, sig: &str) -> Option<Self> {
        const REDACTED: &str = "<redacted>";
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        let encoded = crate::url::encode_component(sig);
        for secret in [sig, encoded.as_str()] {
            if !secret.is_empty() && text.contains(secret) {
                text = text.replace(secret, REDACTED);
            }
        }
        // A page that ends inside the sig: a tail of four characters or more that begins it
        // goes (a shorter one tells nothing).
        let mut tails = (0..text.len().saturating_sub(3)).filter(|&i| text.is_char_boundary(i));
        if let Some(at) = tails.find(|&i| !sig.is_empty() && sig.starts_with(&text[i..])) {
            text.truncate(at);
            text.push_str(REDACTED);
        }
        let text = redact_usersig_values(&text, REDACTED);
        let text = text
            .split(|c: char| c.is_whitespace() || c.is_control() || is_format(c))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if text.is_empty() {
            return None;
        }
        let text = if still_holds(&text, sig) {
            Self::WITHHELD.to_owned()
        } else {
            text
        };
        Some(Self { text, cut })
    }

    /// The text, redacted, with whitespace folded.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the page did not come whole: longer than [`MAX_BYTES`](Self::MAX_BYTES), or
    /// stalled or broken off before its end.
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

/// Unicode format characters (bidirectional overrides, zero-width spaces and joiners, BOM), which
/// would reorder or hide text on a terminal.
fn is_format(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

/// Whether 8 letters or digits in a row of `sig` are in `text` once percent-decoded (up to three
/// times) and stripped of everything but letters and digits (escapes, wraps, punctuation).
fn still_holds(text: &str, sig: &str) -> bool {
    const RUN: usize = 8;
    let alnum = |s: &str| -> Vec<u8> { s.bytes().filter(u8::is_ascii_alphanumeric).collect() };
    let sig = alnum(sig);
    if sig.len() < RUN {
        return false;
    }
    let mut decoded = text.to_owned();
    let mut forms = vec![alnum(&decoded)];
    for _ in 0..3 {
        let next = percent_encoding::percent_decode_str(&decoded)
            .decode_utf8_lossy()
            .into_owned();
        if next == decoded {
            break;
        }
        forms.push(alnum(&next));
        decoded = next;
    }
    sig.windows(RUN)
        .any(|run| forms.iter().any(|form| form.windows(RUN).any(|w| w == run)))
}

/// `text` with the value of every `usersig` (any letter case) followed by `=`, `%3D` or
/// `":"` (with optional spaces and quotes) replaced by `redacted`, up to the next `&`, quote,
/// comma, bracket, angle bracket or whitespace.
fn redact_usersig_values(text: &str, redacted: &str) -> String {
    const NAME: &str = "usersig";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = lower[from..].find(NAME) {
        let mut value = from + found + NAME.len();
        // The separator: quotes, spaces, then `=`, `:` or `%3d` (also `%253d`), then quotes
        // and spaces again.
        let skip = |at: &mut usize, set: &[char]| {
            while lower[*at..].starts_with(set) {
                *at += 1;
            }
        };
        skip(&mut value, &['"', '\'', ' ', '\\']);
        let sep = ["=", ":", "%3d", "%253d"]
            .into_iter()
            .find(|sep| lower[value..].starts_with(sep));
        let Some(sep) = sep else {
            out.push_str(&text[from..value]);
            from = value;
            continue;
        };
        value += sep.len();
        skip(&mut value, &['"', '\'', ' ', '\\']);
        let end = text[value..]
            .find(|c: char| {
                matches!(
                    c,
                    '&' | '"' | '\'' | '<' | '>' | ',' | '}' | ']' | ';' | '\\'
                ) || c.is_whitespace()
            })
            .map_or(text.len(), |n| value + n);
        out.push_str(&text[from..value]);
        if end > value {
            out.push_str(redacted);
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

impl fmt::Display for StatusBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the response body began: {}", self.text)?;
        if self.cut {
            f.write_str(" …")?;
        }
        Ok(())
    }
}

impl StdError for StatusBody {}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `random N, host H` first, as `tim` prints a request everywhere.
        write!(
            f,
            "{} failed: {} (random {}",
            self.endpoint, self.kind, self.random
        )?;
        if let Some(host) = &self.host {
            write!(f, ", host {host}")?;
        }
        write!(f, ", attempts {})", self.attempts)
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("endpoint", &self.endpoint)
            .field("random", &self.random)
            .field("attempts", &self.attempts)
            .field("host", &self.host)
            .field("elapsed", &self.elapsed)
            .field("source", &self.source)
            .finish()
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// What part of the configuration a [`ConfigError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// A base URL that does not parse or is not allowed.
    BaseUrl,
    /// A CA certificate that does not parse, or no trusted root at all.
    Certificates,
    /// The TLS setup (crypto provider, protocol versions).
    Tls,
    /// A zero timeout, rate, burst or number of attempts; [`ConfigError::option`] names it.
    Limit,
    /// A region name that names no region.
    Region,
    /// A proxy URL (given, or from a proxy variable) that is not an `http://` URL with a host.
    Proxy,
}

/// An error building a [`Transport`](crate::Transport) or parsing its configuration.
///
/// ```
/// use std::time::Duration;
/// use tencent_im_transport::{ConfigErrorKind, Credentials, Limits, Region, Transport, UserSig};
///
/// let err = Transport::builder(Region::Singapore, Credentials::fixed(1, "admin", UserSig::new("s")))
///     .limits(Limits::default().total_timeout(Duration::ZERO))
///     .build()
///     .unwrap_err();
/// assert_eq!(err.kind(), ConfigErrorKind::Limit);
/// assert_eq!(err.option(), Some("Limits::total_timeout"));
/// assert_eq!(err.to_string(), "Limits::total_timeout is zero: give a positive duration");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ConfigError {
    kind: ConfigErrorKind,
    option: Option<&'static str>,
    message: Cow<'static, str>,
    source: Option<BoxError>,
}

impl ConfigError {
    pub(crate) fn new(kind: ConfigErrorKind, message: &'static str) -> Self {
        Self {
            kind,
            option: None,
            message: Cow::Borrowed(message),
            source: None,
        }
    }

    /// A [`ConfigErrorKind::Limit`] error about `option` (e.g. `"Limits::total_timeout"`).
    pub(crate) fn limit(option: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: ConfigErrorKind::Limit,
            option: Some(option),
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What part of the configuration is wrong.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The option that is out of range, as its setter is written (e.g. `"Rate::per_second"`),
    /// for a [`ConfigErrorKind::Limit`].
    pub fn option(&self) -> Option<&'static str> {
        self.option
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ConfigError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The error a [`UserSigProvider`](crate::UserSigProvider) returns when it cannot give a
/// UserSig. It must not contain the secret key or a UserSig.
#[derive(Debug)]
#[non_exhaustive]
pub struct CredentialsError {
    message: String,
    source: Option<BoxError>,
}

impl CredentialsError {
    /// An error with a message (lower case, no trailing period).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`, e.g. the usersig crate's `GenerateError`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for CredentialsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::StatusBody;

    /// A sig as Tencent's are: base64 with `*`, `-` and `_`.
    const SIG: &str = "eJyrVkrxCVYqSc3NzFOyUjI0NjA0MDI1*MzQ3MTFQqgUAkk8K4Q-_x";

    fn body(text: &str, cut: bool) -> String {
        StatusBody::new(text.as_bytes(), cut, SIG)
            .map(|b| b.text().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn the_sig_and_usersig_values_are_redacted_in_the_shapes_gateways_echo() {
        // Whole, anywhere.
        assert_eq!(
            body(&format!("bad sig {SIG} here"), false),
            "bad sig <redacted> here"
        );
        // A query, any case, any value (even one not sent).
        assert_eq!(
            body("<a href='/x?a=1&UserSig=other*sig&b=2'>", false),
            "<a href='/x?a=1&UserSig=<redacted>&b=2'>"
        );
        // JSON, with the sig percent-encoded.
        let json = format!(r#"{{"usersig": "{}", "code": 1}}"#, SIG.replace('*', "%2A"));
        assert_eq!(
            body(&json, false),
            r#"{"usersig": "<redacted>", "code": 1}"#
        );
        // A URL re-encoded into another one (a login redirect).
        let redirect = format!(
            "Location: /sso?rd=%2Fv4%3Fa%3D1%26usersig%3D{}%26b",
            SIG.replace('*', "%252A")
        );
        assert_eq!(
            body(&redirect, false),
            "Location: /sso?rd=%2Fv4%3Fa%3D1%26usersig%3D<redacted>"
        );
        // A page that ends inside the sig, cut or not.
        for cut in [true, false] {
            assert_eq!(
                body(&format!("echo: {}", &SIG[..20]), cut),
                "echo: <redacted>"
            );
        }
        // A tail of three characters tells nothing, and is kept.
        assert_eq!(body("echo: eJy", true), "echo: eJy");
    }

    #[test]
    fn a_page_still_holding_the_sig_is_withheld_whole() {
        // Wrapped over lines, JSON-escaped, or encoded twice with lower-case hex: no
        // `usersig` name in front, and not the sig as sent.
        let wrapped = format!("token {}\n{}", &SIG[..25], &SIG[25..]);
        let escaped = format!(r#"{{"t":"{}"}}"#, SIG.replace('*', "\\u002a"));
        let twice = format!("t={}", SIG.replace('*', "%252a").replace('-', "%252d"));
        let middle = format!("... {} ...", &SIG[10..30]);
        for page in [wrapped, escaped, twice, middle] {
            assert_eq!(body(&page, false), StatusBody::WITHHELD, "{page}");
        }
        // A page that merely shares a few characters with it is shown.
        assert_eq!(body("eJyrVkr is short", false), "eJyrVkr is short");
    }

    #[test]
    fn whitespace_control_and_format_characters_fold_into_one_space() {
        let text =
            "<html>\r\n<head>\t<title>403\u{200b}Forbidden</title>\u{202e}\u{1b}[0m</head>\n\n";
        let folded = StatusBody::new(text.as_bytes(), true, SIG).unwrap();
        assert_eq!(
            folded.text(),
            "<html> <head> <title>403 Forbidden</title> [0m</head>"
        );
        assert_eq!(
            folded.to_string(),
            "the response body began: <html> <head> <title>403 Forbidden</title> [0m</head> …"
        );
        // Not UTF-8: replaced, never a panic.
        assert_eq!(
            StatusBody::new(&[0xff, b'o', b'k'], false, "")
                .unwrap()
                .text(),
            "\u{fffd}ok"
        );
        // Nothing but spaces and control characters: no text.
        assert_eq!(StatusBody::new(b" \r\n\x07\t", false, SIG), None);
    }
}
