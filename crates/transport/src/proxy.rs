//! HTTP proxies: which destinations go through one (hyper-util's proxy `Matcher`, which also
//! reads `NO_PROXY`), and the error of a tunnel that could not be opened.

use std::error::Error as StdError;
use std::fmt;

use hyper::Uri;
use hyper::http::uri::Scheme;
use hyper_util::client::proxy::matcher::Matcher;

use crate::error::{BoxError, ConfigError, ConfigErrorKind};

/// Which calls go through an HTTP proxy, for [`TransportBuilder::proxy`](crate::TransportBuilder::proxy).
///
/// HTTPS destinations (every region) are reached through a `CONNECT` tunnel: the proxy sees the
/// host and port, never the request, its query string (with the UserSig) or the reply. Plain
/// `http://` custom endpoints are tunnelled the same way, so the proxy must allow `CONNECT` to
/// their port. The proxy itself is spoken to in plain HTTP (`http://` proxy URLs only);
/// `http://user:password@host:port` sends `Proxy-Authorization: Basic` with the `CONNECT`
/// (percent-encode reserved characters of the user and password). A proxy URL without a port
/// uses port 80.
///
/// The default is no proxy. `Debug` shows each proxy's host and port and whether it has
/// credentials, never the user or password.
///
/// ```
/// use tencent_im_transport::Proxy;
///
/// let proxy = Proxy::url("http://build:s3cret@proxy.corp.example:3128")?
///     .no_proxy("localhost, 127.0.0.1, .internal.example");
/// assert_eq!(
///     proxy.proxy_for("https://adminapisgp.im.qcloud.com").as_deref(),
///     Some("proxy.corp.example:3128")
/// );
/// assert_eq!(proxy.proxy_for("http://127.0.0.1:8080"), None);
/// assert!(!format!("{proxy:?}").contains("s3cret"));
/// # Ok::<(), tencent_im_transport::ConfigError>(())
/// ```
#[derive(Clone, Default)]
pub struct Proxy {
    http: Option<Setting>,
    https: Option<Setting>,
    no_proxy: String,
}

/// One proxy URL, checked.
#[derive(Clone)]
struct Setting {
    /// The URL as given, credentials included: only handed to hyper-util's matcher.
    url: String,
    /// `host:port`, for `Debug` and errors.
    shown: String,
    credentials: bool,
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyUrl")
            .field("host", &self.shown)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("https", &self.https)
            .field("http", &self.http)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// The variables [`Proxy::from_env`] reads, by destination, in order of precedence.
const HTTPS_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
const HTTP_VARS: [&str; 4] = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];
const NO_PROXY_VARS: [&str; 2] = ["NO_PROXY", "no_proxy"];

impl Proxy {
    /// No proxy: every call connects directly (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// Every call goes through the proxy at `url` (`http://[user:password@]host[:port]`), but
    /// for the hosts of a [`no_proxy`](Self::no_proxy) list.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] of kind [`ConfigErrorKind::Proxy`] if `url` is not an `http://` URL
    /// with a host. Neither the error nor its source contains the URL.
    pub fn url(url: &str) -> Result<Self, ConfigError> {
        let setting = Setting::parse("the proxy URL", url)?;
        Ok(Self {
            http: Some(setting.clone()),
            https: Some(setting),
            no_proxy: String::new(),
        })
    }

    /// The proxies of the process environment, as curl and hyper-util read them:
    /// `HTTPS_PROXY` for HTTPS destinations (every region), `HTTP_PROXY` for plain `http://`
    /// custom endpoints, `ALL_PROXY` for either when its own variable is unset, and `NO_PROXY`
    /// for the hosts that are reached directly; each also in lower case (the upper-case one
    /// wins). Empty variables count as unset.
    ///
    /// `NO_PROXY` is a comma-separated list of host names (each also matching its subdomains;
    /// a leading dot is allowed), IP addresses, networks (`10.0.0.0/8`) and `*` for all.
    /// Loopback addresses are not exempt by themselves: add `localhost,127.0.0.1` to reach a
    /// local emulator directly.
    ///
    /// As in hyper-util and curl, no variable is honoured when `REQUEST_METHOD` is set (a CGI
    /// script, whose `HTTP_PROXY` a client can set through a `Proxy` request header).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] of kind [`ConfigErrorKind::Proxy`] naming the variable whose value is
    /// not an `http://` proxy URL (never the value).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables read from `lookup` instead, e.g. a
    /// configuration file's values or a test's map.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use tencent_im_transport::Proxy;
    ///
    /// let vars = HashMap::from([
    ///     ("https_proxy", "http://10.0.0.1:3128"),
    ///     ("NO_PROXY", "localhost,127.0.0.1"),
    /// ]);
    /// let proxy = Proxy::from_lookup(|name| vars.get(name).map(|v| v.to_string()))?;
    /// assert_eq!(proxy.proxy_for("https://console.tim.qq.com").as_deref(), Some("10.0.0.1:3128"));
    /// assert_eq!(proxy.proxy_for("https://localhost:8443"), None);
    /// // No HTTP_PROXY: plain http:// endpoints are reached directly.
    /// assert_eq!(proxy.proxy_for("http://emulator.test:8080"), None);
    /// # Ok::<(), tencent_im_transport::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let first = |names: &[&'static str]| {
            names.iter().find_map(|&name| {
                lookup(name)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .map(|v| (name, v))
            })
        };
        if lookup("REQUEST_METHOD").is_some() {
            return Ok(Self::none());
        }
        let setting = |names: &[&'static str]| {
            first(names)
                .map(|(name, value)| Setting::parse(name, &value))
                .transpose()
        };
        Ok(Self {
            https: setting(&HTTPS_VARS)?,
            http: setting(&HTTP_VARS)?,
            no_proxy: first(&NO_PROXY_VARS).map(|(_, v)| v).unwrap_or_default(),
        })
    }

    /// Replaces the list of hosts reached directly, in the syntax of `NO_PROXY` (see
    /// [`from_env`](Self::from_env)).
    #[must_use]
    pub fn no_proxy(mut self, list: &str) -> Self {
        list.trim().clone_into(&mut self.no_proxy);
        self
    }

    /// Whether no call goes through a proxy.
    pub fn is_none(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy (`host:port`) a call to `url` would go through; `None` when it connects
    /// directly (or `url` is not a URL).
    pub fn proxy_for(&self, url: &str) -> Option<String> {
        let uri = url.parse::<Uri>().ok()?;
        let intercept = self.matcher()?.intercept(&uri)?;
        shown(intercept.uri())
    }

    /// hyper-util's matcher for these settings; `None` when nothing is proxied.
    pub(crate) fn matcher(&self) -> Option<Matcher> {
        if self.is_none() {
            return None;
        }
        let url = |s: &Option<Setting>| s.as_ref().map_or("", |s| s.url.as_str()).to_owned();
        Some(
            Matcher::builder()
                .http(url(&self.http))
                .https(url(&self.https))
                .no(self.no_proxy.clone())
                .build(),
        )
    }
}

impl Setting {
    /// Checks `value`, the proxy URL of `name` (a variable, or "the proxy URL").
    fn parse(name: &'static str, value: &str) -> Result<Self, ConfigError> {
        let fail = |problem: &'static str| {
            ConfigError::new(ConfigErrorKind::Proxy, unusable(name))
                .with_source(ProxyUrlError { name, problem })
        };
        let value = value.trim();
        let uri = value.parse::<Uri>().map_err(|_| {
            fail("not a URL (percent-encode reserved characters of the user and password)")
        })?;
        match uri.scheme() {
            None => {}
            Some(s) if *s == Scheme::HTTP => {}
            Some(s) if *s == Scheme::HTTPS => {
                return Err(fail(
                    "https:// proxies are not supported: give the proxy's http:// URL (HTTPS calls are still tunnelled with CONNECT)",
                ));
            }
            Some(_) => return Err(fail("only http:// proxies are supported")),
        }
        let Some(authority) = uri.authority() else {
            return Err(fail("no host"));
        };
        if authority.host().is_empty() {
            return Err(fail("no host"));
        }
        // hyper-util splits the user and password off at the first `@`, the URI parser at the
        // last: the two would disagree on the credentials.
        if authority.as_str().matches('@').count() > 1 {
            return Err(fail(
                "more than one '@' (percent-encode reserved characters of the user and password)",
            ));
        }
        // hyper-util parses the value again; it must agree that it is a proxy.
        let probe = Uri::from_static("https://tencent-im.invalid/");
        let intercept = Matcher::builder().all(value).build().intercept(&probe);
        let Some(shown) = intercept.as_ref().and_then(|i| shown(i.uri())) else {
            return Err(fail("not a proxy URL"));
        };
        Ok(Self {
            url: value.to_owned(),
            shown,
            credentials: authority.as_str().contains('@'),
        })
    }
}

/// `host:port` of a proxy URI (credentials are never part of what hyper-util returns; the port
/// defaults to 80 as the connector does).
pub(crate) fn shown(uri: &Uri) -> Option<String> {
    let host = uri.host()?;
    Some(format!("{host}:{}", uri.port_u16().unwrap_or(80)))
}

/// The message of a [`ConfigError`] about the proxy URL of `name`.
fn unusable(name: &str) -> &'static str {
    match name {
        "HTTPS_PROXY" => "HTTPS_PROXY is not a usable proxy URL",
        "https_proxy" => "https_proxy is not a usable proxy URL",
        "HTTP_PROXY" => "HTTP_PROXY is not a usable proxy URL",
        "http_proxy" => "http_proxy is not a usable proxy URL",
        "ALL_PROXY" => "ALL_PROXY is not a usable proxy URL",
        "all_proxy" => "all_proxy is not a usable proxy URL",
        _ => "the proxy URL is not usable",
    }
}

/// What is wrong with a proxy URL (without the URL, which may hold a password).
#[derive(Debug)]
struct ProxyUrlError {
    name: &'static str,
    problem: &'static str,
}

impl fmt::Display for ProxyUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (expected http://[user:password@]host:port)",
            self.name, self.problem
        )
    }
}

impl StdError for ProxyUrlError {}

/// What went wrong opening a tunnel through a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TunnelFailure {
    /// The proxy could not be connected to.
    Unreachable,
    /// The proxy closed the connection or broke the exchange before answering.
    Broken,
    /// The proxy answered 407: it wants (other) credentials.
    AuthRequired,
    /// The proxy answered with another status than 200.
    Refused,
}

/// The source of a [`TransportError`](crate::TransportError) when the tunnel through the proxy
/// could not be opened. Names the proxy by host and port, never its credentials.
#[derive(Debug)]
pub(crate) struct ProxyError {
    proxy: String,
    target: String,
    failure: TunnelFailure,
    source: BoxError,
}

impl ProxyError {
    pub(crate) fn new(
        proxy: String,
        target: String,
        failure: TunnelFailure,
        source: BoxError,
    ) -> Self {
        Self {
            proxy,
            target,
            failure,
            source,
        }
    }

    /// Whether the proxy answered the `CONNECT` and said no (as opposed to being unreachable).
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(
            self.failure,
            TunnelFailure::AuthRequired | TunnelFailure::Refused
        )
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (proxy, target) = (&self.proxy, &self.target);
        match self.failure {
            TunnelFailure::Unreachable => write!(f, "cannot connect to the proxy {proxy}"),
            TunnelFailure::Broken => write!(
                f,
                "the proxy {proxy} closed the connection before opening a tunnel to {target}"
            ),
            TunnelFailure::AuthRequired => write!(
                f,
                "the proxy {proxy} asks for authentication (407) to open a tunnel to {target}: check the user and password of the proxy URL"
            ),
            TunnelFailure::Refused => {
                write!(f, "the proxy {proxy} refused to open a tunnel to {target}")
            }
        }
    }
}

impl StdError for ProxyError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> Result<Proxy, ConfigError> {
        Proxy::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn variables_choose_the_proxy_by_scheme() {
        let p = lookup(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("http_proxy", "plain:8080"),
            ("NO_PROXY", "example.com, 10.0.0.0/8"),
        ])
        .unwrap();
        assert_eq!(
            p.proxy_for("https://console.tim.qq.com").as_deref(),
            Some("secure:3128")
        );
        assert_eq!(
            p.proxy_for("http://127.0.0.1:8080").as_deref(),
            Some("plain:8080")
        );
        assert_eq!(p.proxy_for("https://api.example.com"), None);
        assert_eq!(p.proxy_for("https://example.com"), None);
        assert_eq!(
            p.proxy_for("https://notexample.com").as_deref(),
            Some("secure:3128")
        );
        assert_eq!(p.proxy_for("http://10.1.2.3:80"), None);
    }

    #[test]
    fn upper_case_wins_empty_counts_as_unset_and_all_proxy_fills_in() {
        let p = lookup(&[
            ("HTTPS_PROXY", "  "),
            ("https_proxy", "http://lower:1"),
            ("ALL_PROXY", "http://all:2"),
        ])
        .unwrap();
        assert_eq!(p.proxy_for("https://a.example").as_deref(), Some("lower:1"));
        assert_eq!(p.proxy_for("http://a.example").as_deref(), Some("all:2"));
        let p = lookup(&[
            ("HTTP_PROXY", "http://up:1"),
            ("http_proxy", "http://low:2"),
        ])
        .unwrap();
        assert_eq!(p.proxy_for("http://a.example").as_deref(), Some("up:1"));
        assert_eq!(p.proxy_for("https://a.example"), None);
    }

    #[test]
    fn nothing_is_proxied_in_a_cgi_script_or_without_variables() {
        let p = lookup(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://from-a-header:1"),
        ])
        .unwrap();
        assert!(p.is_none());
        assert!(lookup(&[]).unwrap().is_none());
        assert!(lookup(&[("NO_PROXY", "*")]).unwrap().is_none());
    }

    #[test]
    fn no_proxy_star_reaches_everything_directly() {
        let p = Proxy::url("http://p:1").unwrap().no_proxy("*");
        assert_eq!(p.proxy_for("https://console.tim.qq.com"), None);
    }

    #[test]
    fn bad_urls_name_the_variable_and_never_the_value() {
        for (value, problem) in [
            (
                "https://user:hunter2@p:443",
                "https:// proxies are not supported",
            ),
            ("socks5://user:hunter2@p:1080", "only http:// proxies"),
            ("http://user:hun@ter2@p:1", "more than one '@'"),
            ("http://user:hunter2@:8080", "no host"),
        ] {
            let e = lookup(&[("https_proxy", value)]).unwrap_err();
            assert_eq!(e.kind(), ConfigErrorKind::Proxy);
            let chain = format!("{e} / {} / {e:?}", e.source().unwrap());
            assert!(chain.contains("https_proxy"), "{chain}");
            assert!(chain.contains(problem), "{value}: {chain}");
            assert!(!chain.contains("hunter2"), "{chain}");
            assert!(!chain.contains("hun@ter2"), "{chain}");
        }
        let e = Proxy::url("ftp://x:1").unwrap_err();
        assert_eq!(e.to_string(), "the proxy URL is not usable");
    }

    #[test]
    fn debug_shows_hosts_and_never_credentials() {
        let p = Proxy::url("http://build%40corp:p%3Ass@proxy.example:3128")
            .unwrap()
            .no_proxy("localhost");
        let debug = format!("{p:?}");
        assert!(debug.contains("proxy.example:3128"), "{debug}");
        assert!(debug.contains("credentials: true"), "{debug}");
        assert!(!debug.contains("build"), "{debug}");
        assert!(!debug.contains("p%3Ass"), "{debug}");
        assert_eq!(
            format!("{:?}", Proxy::url("http://10.0.0.1").unwrap().https),
            r#"Some(ProxyUrl { host: "10.0.0.1:80", credentials: false })"#
        );
    }
}
