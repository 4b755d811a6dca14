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
    /// The server answered with a status other than 2xx (e.g. a gateway's 502).
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
/// to the cause: the protocol crate's `ApiError`, `DecodeError` or `ValidationError`, an I/O or
/// TLS error. Neither `Debug` nor `Display` contains the UserSig or the query string.
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
}

/// The start of the body of a response whose status was not 2xx: what a gateway or proxy said
/// (e.g. "403 Forbidden: IP not allowed"). The [`source`](StdError::source) of a
/// [`TransportError`] of kind [`ErrorKind::HttpStatus`] when the body was not empty.
///
/// At most [`StatusBody::MAX_BYTES`] are read, for at most a second. Some gateways echo the
/// request URL, which holds the UserSig: every `usersig` value, whole, percent-encoded or cut
/// short at the end, is replaced by `<redacted>`. Runs of whitespace and control characters are
/// one space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBody {
    text: String,
    cut: bool,
}

impl StatusBody {
    /// How much of the body is read: 512 bytes.
    pub const MAX_BYTES: usize = 512;

    /// `bytes` (the first [`MAX_BYTES`](Self::MAX_BYTES) of a body, `cut` if there was more)
    /// with every one of `secrets` and every `usersig` query value replaced by `<redacted>`.
    pub(crate) fn new(bytes: &[u8], cut: bool, secrets: &[&str]) -> Self {
        const REDACTED: &str = "<redacted>";
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            if text.contains(secret) {
                text = text.replace(secret, REDACTED);
            }
        }
        // A cut body may end inside a secret: any tail that begins one goes.
        if cut {
            // Four characters or more: a shorter tail tells nothing of a secret.
            let mut tails = (0..text.len().saturating_sub(3)).filter(|&i| text.is_char_boundary(i));
            if let Some(at) = tails.find(|&i| {
                secrets
                    .iter()
                    .any(|s| !s.is_empty() && s.starts_with(&text[i..]))
            }) {
                text.truncate(at);
                text.push_str(REDACTED);
            }
        }
        let text = redact_usersig_values(&text, REDACTED);
        let text = text.split(|c: char| c.is_whitespace() || c.is_control());
        let text = text.filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
        Self { text, cut }
    }

    /// The text, redacted, with whitespace folded.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the body was longer than what was read.
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

/// `text` with the value of every `usersig=` (any letter case) up to the next `&`, quote,
/// angle bracket or whitespace replaced by `redacted`.
fn redact_usersig_values(text: &str, redacted: &str) -> String {
    const NAME: &str = "usersig=";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = lower[from..].find(NAME) {
        let value = from + found + NAME.len();
        let end = text[value..]
            .find(|c: char| matches!(c, '&' | '"' | '\'' | '<' | '>') || c.is_whitespace())
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

    const SIG: &str = "eJyrVkrxCVYqSc3NzFOyUjI0NjA0MDI1*MzQ3MTFQqgUAkk8K4Q__";
    const ENCODED: &str = "eJyrVkrxCVYqSc3NzFOyUjI0NjA0MDI1%2AMzQ3MTFQqgUAkk8K4Q__";

    fn body(text: &str, cut: bool) -> String {
        StatusBody::new(text.as_bytes(), cut, &[SIG, ENCODED])
            .text()
            .to_owned()
    }

    #[test]
    fn the_sig_is_redacted_whole_encoded_and_cut_short() {
        assert_eq!(
            body(
                &format!("bad sig {SIG} in ?a=1&UserSig={ENCODED}&b=2"),
                false
            ),
            "bad sig <redacted> in ?a=1&UserSig=<redacted>&b=2"
        );
        // A page cut inside the sig, not after a `usersig=`.
        assert_eq!(
            body(&format!("echo: {}", &SIG[..20]), true),
            "echo: <redacted>"
        );
        // A tail of three characters tells nothing, and is kept.
        assert_eq!(body("echo: eJy", true), "echo: eJy");
        // Not cut: a text that merely begins like the sig stays.
        assert_eq!(body("echo: eJyrVkrx", false), "echo: eJyrVkrx");
    }

    #[test]
    fn any_usersig_value_is_redacted_even_one_not_sent() {
        assert_eq!(
            body("<a href='/x?usersig=other*sig'>USERSIG=abc def", false),
            "<a href='/x?usersig=<redacted>'>USERSIG=<redacted> def"
        );
        assert_eq!(body("usersig=&x=1", false), "usersig=&x=1");
    }

    #[test]
    fn whitespace_and_control_characters_fold_into_one_space() {
        let text = "<html>\r\n<head>\t<title>403 Forbidden</title>\u{1b}[0m</head>\n\n";
        let folded = StatusBody::new(text.as_bytes(), true, &[SIG]);
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
            StatusBody::new(&[0xff, b'o', b'k'], false, &[]).text(),
            "\u{fffd}ok"
        );
    }
}
