//! [`Error`]: everything a call of the client can fail with.

use std::error::Error as StdError;
use std::fmt;

use tencent_im_protocol::{ApiError, ErrorClass, ErrorCode, ValidationError};
use tencent_im_transport::{ConfigError, ErrorKind as TransportKind, StatusBody, TransportError};

/// A boxed error that can cross threads.
type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A request broke a documented limit; nothing was sent. [`Error::validation_error`] names
    /// the field (e.g. `AddFriendItem[1800].To_Account`) and the limit.
    Validation,
    /// The client's configuration (builder or environment) is incomplete or wrong.
    Config,
    /// No admin UserSig could be had (its generation or the caller's provider failed). An
    /// expired UserSig that could not be renewed is [`ErrorKind::Api`] with 70001.
    Credentials,
    /// The host could not be resolved or connected to.
    Connect,
    /// The TLS handshake failed (e.g. an untrusted certificate).
    Tls,
    /// A connect, attempt or total timeout.
    Timeout,
    /// The connection failed after the request was sent.
    Interrupted,
    /// The server answered with a status other than 2xx.
    HttpStatus(u16),
    /// The reply was not a reply of the command (not JSON, truncated, wrong shape, too large).
    BadBody,
    /// Tencent answered with a whole-request failure (`ErrorCode`), e.g. 70001, 60007.
    Api(ErrorCode),
    /// Another HTTP-level failure.
    Http,
    /// The HTTP proxy refused to open a tunnel (e.g. 407 for missing or wrong credentials);
    /// nothing was sent. The source names the proxy by host and port, never its credentials.
    Proxy,
    /// The request could not be encoded as JSON (a command of another crate whose `Serialize`
    /// fails); nothing was sent.
    Encode,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Validation => f.write_str("invalid request"),
            Self::Config => f.write_str("bad configuration"),
            Self::Credentials => f.write_str("no UserSig"),
            Self::Connect => f.write_str("cannot connect"),
            Self::Tls => f.write_str("TLS handshake failed"),
            Self::Timeout => f.write_str("timeout"),
            Self::Interrupted => f.write_str("connection interrupted"),
            Self::HttpStatus(s) => write!(f, "HTTP status {s}"),
            Self::BadBody => f.write_str("bad response body"),
            Self::Api(code) => write!(f, "API error {code}"),
            Self::Http => f.write_str("HTTP error"),
            Self::Proxy => f.write_str("the proxy refused the tunnel"),
            Self::Encode => f.write_str("the request could not be encoded"),
        }
    }
}

/// The error of every call of [`Client`](crate::Client) and of building one.
///
/// Predicates answer what callers decide on ([`is_retryable`](Self::is_retryable),
/// [`is_rate_limited`](Self::is_rate_limited), [`api_code`](Self::api_code)); the `random` of
/// the failed request is kept for Tencent's support. [`source`](StdError::source) leads to the
/// cause. Neither `Debug` nor `Display` contains the UserSig or the secret key.
///
/// ```
/// use tencent_im::{Client, ErrorKind};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let client = Client::builder(1400000000, "administrator")
///     .secret_key("not the real key")
///     .endpoint("http://127.0.0.1:9")
///     .build()
///     .unwrap();
/// // An empty From_Account is caught before anything is sent.
/// let err = client.friend_add("").to("bob").await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Validation);
/// assert_eq!(err.validation_error().map(|v| v.field()), Some("From_Account"));
/// assert_eq!(err.random(), None);
/// # }
/// ```
#[non_exhaustive]
pub struct Error {
    kind: ErrorKind,
    repr: Repr,
}

enum Repr {
    Transport(TransportError),
    Validation(ValidationError),
    Config {
        message: String,
        source: Option<BoxError>,
    },
}

impl Error {
    pub(crate) fn validation(e: ValidationError) -> Self {
        Self {
            kind: ErrorKind::Validation,
            repr: Repr::Validation(e),
        }
    }

    /// A configuration error explained by `message` (which must not hold a secret).
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Config,
            repr: Repr::Config {
                message: message.into(),
                source: None,
            },
        }
    }

    pub(crate) fn config_from(message: impl Into<String>, source: ConfigError) -> Self {
        Self {
            kind: ErrorKind::Config,
            repr: Repr::Config {
                message: message.into(),
                source: Some(Box::new(source)),
            },
        }
    }

    pub(crate) fn transport(e: TransportError) -> Self {
        let kind = match e.kind() {
            TransportKind::Validation => ErrorKind::Validation,
            TransportKind::Credentials => ErrorKind::Credentials,
            TransportKind::Connect => ErrorKind::Connect,
            TransportKind::Tls => ErrorKind::Tls,
            TransportKind::Timeout(_) => ErrorKind::Timeout,
            TransportKind::Interrupted => ErrorKind::Interrupted,
            TransportKind::HttpStatus(s) => ErrorKind::HttpStatus(s),
            TransportKind::BodyTooLarge { .. } | TransportKind::BadBody => ErrorKind::BadBody,
            TransportKind::Api(code) => ErrorKind::Api(code),
            TransportKind::Proxy => ErrorKind::Proxy,
            TransportKind::Encode => ErrorKind::Encode,
            _ => ErrorKind::Http,
        };
        Self {
            kind,
            repr: Repr::Transport(e),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    fn transport_error(&self) -> Option<&TransportError> {
        match &self.repr {
            Repr::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The retry class under the default policy ([`ErrorClass`]); validation and configuration
    /// errors are permanent.
    pub fn class(&self) -> ErrorClass {
        self.transport_error()
            .map_or(ErrorClass::Permanent, TransportError::class)
    }

    /// Whether sending the same request later may succeed. The client already retried as far
    /// as its retry policy and deadline allowed. A 70001 (UserSig expired) is not: the client
    /// already renewed the UserSig once, so the cause is elsewhere (a fixed UserSig, a clock
    /// far off).
    pub fn is_retryable(&self) -> bool {
        let class = self.class();
        class.is_retryable() && class != ErrorClass::SigExpired
    }

    /// Whether Tencent's rate limit was hit (60007, 60011, 60018, 60019, 30540 or HTTP 429).
    pub fn is_rate_limited(&self) -> bool {
        self.class() == ErrorClass::RateLimited
    }

    /// Whether a request broke a limit before anything was sent.
    pub fn is_validation(&self) -> bool {
        self.kind == ErrorKind::Validation
    }

    /// Whether the configuration is incomplete or wrong.
    pub fn is_config(&self) -> bool {
        self.kind == ErrorKind::Config
    }

    /// Whether a timeout ended the call.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// Whether the host could not be resolved or connected to.
    pub fn is_connect(&self) -> bool {
        self.kind == ErrorKind::Connect
    }

    /// Whether the TLS handshake failed.
    pub fn is_tls(&self) -> bool {
        self.kind == ErrorKind::Tls
    }

    /// Tencent's whole-request error code, e.g. 70001 or 60007.
    pub fn api_code(&self) -> Option<ErrorCode> {
        match self.kind {
            ErrorKind::Api(code) => Some(code),
            _ => None,
        }
    }

    /// The whole-request failure Tencent sent (code, `ErrorInfo`, envelope).
    pub fn api_error(&self) -> Option<&ApiError> {
        self.transport_error()?.api_error()
    }

    /// The HTTP status of a non-2xx answer.
    pub fn status(&self) -> Option<u16> {
        self.transport_error()?.status()
    }

    /// What the gateway said with a non-2xx answer: the start of its page, the UserSig
    /// redacted; `None` when the page had no text or the error is of another kind.
    pub fn status_body(&self) -> Option<&StatusBody> {
        self.transport_error()?.status_body()
    }

    /// The broken limit of a [`ErrorKind::Validation`]: the field's wire path, the limit and
    /// what was found.
    pub fn validation_error(&self) -> Option<&ValidationError> {
        match &self.repr {
            Repr::Validation(e) => Some(e),
            Repr::Transport(e) => e.validation_error(),
            Repr::Config { .. } => None,
        }
    }

    /// The `random` query value of the failed request (give it to Tencent's support); `None`
    /// when nothing was sent.
    pub fn random(&self) -> Option<u32> {
        self.transport_error()
            .filter(|e| e.attempts() > 0)
            .map(TransportError::random)
    }

    /// How many HTTP attempts the failed request made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.transport_error().map_or(0, TransportError::attempts)
    }

    /// The host of the failed request's last attempt.
    pub fn host(&self) -> Option<&str> {
        self.transport_error()?.host()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Transport(e) => fmt::Display::fmt(e, f),
            Repr::Validation(e) => write!(f, "invalid request: {e}"),
            Repr::Config { message, .. } => f.write_str(message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        match &self.repr {
            Repr::Transport(e) => d.field("transport", e),
            Repr::Validation(e) => d.field("validation", e),
            Repr::Config { message, source } => d.field("message", message).field("source", source),
        };
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.repr {
            // The transport's or the validation's own text is this error's text: go on to its
            // cause, so that printing the chain says nothing twice.
            Repr::Transport(e) => e.source(),
            Repr::Validation(e) => e.source(),
            Repr::Config { source, .. } => {
                source.as_deref().map(|e| e as &(dyn StdError + 'static))
            }
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Self::transport(e)
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Self::validation(e)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::error::Error as _;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use crate::{Client, ErrorKind, Proxy, Region, UserSig};

    /// A proxy on 127.0.0.1 answering every `CONNECT` with 407: the call fails with
    /// `ErrorKind::Proxy`, naming the proxy and not its password.
    #[tokio::test]
    async fn a_refused_tunnel_is_a_proxy_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = tokio::spawn(async move {
            let mut heads = 0;
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                assert!(buf[..n].starts_with(b"CONNECT adminapisgp.im.qcloud.com:443 "));
                heads += 1;
                let _ = stream
                    .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
                    .await;
                if heads == 1 {
                    return heads;
                }
            }
            heads
        });
        let client = Client::builder(1400000000, "administrator")
            .user_sig(UserSig::new("eJy-not-a-real-sig"))
            .region(Region::Singapore)
            .proxy(Proxy::url(&format!("http://build:s3cret@{addr}")).unwrap())
            .build()
            .unwrap();
        let err = client.check_accounts(["alice"]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Proxy, "{err:?}");
        assert!(!err.is_retryable());
        let mut text = format!("{err} {err:?}");
        let mut cur = err.source();
        while let Some(e) = cur {
            text.push_str(&format!(" / {e}"));
            cur = e.source();
        }
        assert!(text.contains(&addr.to_string()), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(proxy.await.unwrap(), 1, "one CONNECT, not retried");
    }
}
