//! Tencent's data centres and the custom endpoint (Tencent Cloud Chat docs: "RESTful API
//! Overview", the domain of each region).

use std::fmt;

use crate::error::{ConfigError, ConfigErrorKind};

/// A Tencent Cloud Chat data centre: pick the one where the SDKAppID lives.
///
/// Each region has a primary host and, where Tencent documents one, a standby host under
/// `my-imcloud.com` that the transport switches to when the primary cannot be resolved or
/// connected to. Regions always use HTTPS with verified certificates.
///
/// ```
/// use tencent_im_transport::Region;
///
/// assert_eq!(Region::Singapore.host(), "adminapisgp.im.qcloud.com");
/// assert_eq!(Region::Singapore.standby_host(), Some("adminapisgp.my-imcloud.com"));
/// assert_eq!(Region::Tokyo.standby_host(), Some("adminapijpn.my-imcloud.com"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// China (中国): `console.tim.qq.com`, standby `adminapi.my-imcloud.com`.
    China,
    /// Singapore: `adminapisgp.im.qcloud.com`, standby `adminapisgp.my-imcloud.com`.
    Singapore,
    /// Seoul: `adminapikr.im.qcloud.com`, standby `adminapikr.my-imcloud.com`.
    Seoul,
    /// Tokyo (东京): `adminapijpn.im.qcloud.com`, standby `adminapijpn.my-imcloud.com`.
    Tokyo,
    /// Frankfurt: `adminapiger.im.qcloud.com`, standby `adminapiger.my-imcloud.com`.
    Frankfurt,
    /// Mumbai (孟买): `adminapiind.im.qcloud.com`, standby `adminapiind.my-imcloud.com`.
    Mumbai,
    /// Silicon Valley: `adminapiusa.im.qcloud.com`, standby `adminapiusa.my-imcloud.com`.
    SiliconValley,
    /// Jakarta (雅加达): `adminapiidn.im.qcloud.com`, standby `adminapiidn.my-imcloud.com`.
    Jakarta,
}

impl Region {
    /// Every built-in region.
    pub const ALL: [Region; 8] = [
        Self::China,
        Self::Singapore,
        Self::Seoul,
        Self::Tokyo,
        Self::Frankfurt,
        Self::Mumbai,
        Self::SiliconValley,
        Self::Jakarta,
    ];

    /// The primary host name.
    pub const fn host(self) -> &'static str {
        match self {
            Self::China => "console.tim.qq.com",
            Self::Singapore => "adminapisgp.im.qcloud.com",
            Self::Seoul => "adminapikr.im.qcloud.com",
            Self::Tokyo => "adminapijpn.im.qcloud.com",
            Self::Frankfurt => "adminapiger.im.qcloud.com",
            Self::Mumbai => "adminapiind.im.qcloud.com",
            Self::SiliconValley => "adminapiusa.im.qcloud.com",
            Self::Jakarta => "adminapiidn.im.qcloud.com",
        }
    }

    /// The standby host, used while the primary host fails to resolve or connect. Every
    /// built-in region has one (Tencent's REST overview lists them under `my-imcloud.com`).
    pub const fn standby_host(self) -> Option<&'static str> {
        match self {
            Self::China => Some("adminapi.my-imcloud.com"),
            Self::Singapore => Some("adminapisgp.my-imcloud.com"),
            Self::Seoul => Some("adminapikr.my-imcloud.com"),
            Self::Frankfurt => Some("adminapiger.my-imcloud.com"),
            Self::Mumbai => Some("adminapiind.my-imcloud.com"),
            Self::SiliconValley => Some("adminapiusa.my-imcloud.com"),
            Self::Tokyo => Some("adminapijpn.my-imcloud.com"),
            Self::Jakarta => Some("adminapiidn.my-imcloud.com"),
        }
    }

    /// A short lower-case name, e.g. `"silicon-valley"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::China => "china",
            Self::Singapore => "singapore",
            Self::Seoul => "seoul",
            Self::Tokyo => "tokyo",
            Self::Frankfurt => "frankfurt",
            Self::Mumbai => "mumbai",
            Self::SiliconValley => "silicon-valley",
            Self::Jakarta => "jakarta",
        }
    }

    /// The HTTPS base URL of the primary host.
    pub fn base_url(self) -> BaseUrl {
        BaseUrl::https(self.host())
    }

    /// The HTTPS base URL of the standby host, if any.
    pub fn standby_base_url(self) -> Option<BaseUrl> {
        self.standby_host().map(BaseUrl::https)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a region name as configuration files, environment variables (`TIM_REGION`) and the
/// command line write it: the names of [`Region::as_str`] (`china`, `singapore`, `seoul`,
/// `tokyo`, `frankfurt`, `mumbai`, `silicon-valley`, `jakarta`), in any case, with `-`, `_` or
/// spaces anywhere or left out (`siliconvalley`, `Silicon_Valley`).
///
/// ```
/// use tencent_im_transport::Region;
///
/// assert_eq!("siliconvalley".parse::<Region>()?, Region::SiliconValley);
/// assert_eq!("Singapore".parse::<Region>()?, Region::Singapore);
/// for region in Region::ALL {
///     assert_eq!(region.to_string().parse::<Region>()?, region);
/// }
/// let err = "mars".parse::<Region>().unwrap_err();
/// assert!(err.to_string().contains("silicon-valley"));
/// # Ok::<(), tencent_im_transport::ConfigError>(())
/// ```
impl std::str::FromStr for Region {
    type Err = ConfigError;

    fn from_str(name: &str) -> Result<Self, ConfigError> {
        let key = |s: &str| -> String {
            s.chars()
                .filter(|c| !matches!(c, '-' | '_' | ' '))
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        let wanted = key(name);
        Self::ALL
            .into_iter()
            .find(|r| key(r.as_str()) == wanted)
            .ok_or_else(|| {
                ConfigError::new(
                    ConfigErrorKind::Region,
                    "unknown region: expected one of china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley, jakarta",
                )
            })
    }
}

/// The URL scheme of a [`BaseUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `https://`: TLS with verified certificates.
    Https,
    /// `http://`: plain text, only for a custom endpoint written that way.
    Http,
}

impl Scheme {
    /// `"https"` or `"http"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Http => "http",
        }
    }

    const fn default_port(self) -> u16 {
        match self {
            Self::Https => 443,
            Self::Http => 80,
        }
    }
}

/// Scheme, host and port of a server: where `/v4/...` requests go.
///
/// Parsed from `https://host[:port]` or `http://host[:port]`; a trailing `/` is accepted, a path,
/// query, fragment or user info is not. IPv6 literals are written in brackets.
///
/// ```
/// use tencent_im_transport::{BaseUrl, Scheme};
///
/// let url: BaseUrl = "http://127.0.0.1:8080".parse()?;
/// assert_eq!(url.scheme(), Scheme::Http);
/// assert_eq!(url.host(), "127.0.0.1");
/// assert_eq!(url.port(), 8080);
/// assert_eq!(url.to_string(), "http://127.0.0.1:8080");
/// assert!("ftp://example.com".parse::<BaseUrl>().is_err());
/// # Ok::<(), tencent_im_transport::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    scheme: Scheme,
    host: String,
    port: u16,
    /// `scheme://host[:port]` with the port only when it is not the default.
    origin: String,
}

impl BaseUrl {
    /// `https://host` on port 443. The host is taken as given.
    pub fn https(host: &str) -> Self {
        Self::from_parts(Scheme::Https, host.to_owned(), None)
    }

    fn from_parts(scheme: Scheme, host: String, port: Option<u16>) -> Self {
        let port = port.unwrap_or(scheme.default_port());
        let origin = if port == scheme.default_port() {
            format!("{}://{host}", scheme.as_str())
        } else {
            format!("{}://{host}:{port}", scheme.as_str())
        };
        Self {
            scheme,
            host,
            port,
            origin,
        }
    }

    /// Parses `https://host[:port]` or `http://host[:port]`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for another scheme, an empty or malformed host, a bad port, or a path,
    /// query or user info.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let bad = |why: &'static str| ConfigError::new(ConfigErrorKind::BaseUrl, why);
        let (scheme, rest) = if let Some(rest) = strip_prefix_ci(url, "https://") {
            (Scheme::Https, rest)
        } else if let Some(rest) = strip_prefix_ci(url, "http://") {
            (Scheme::Http, rest)
        } else {
            return Err(bad("the URL must start with https:// or http://"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(bad(
                "the URL must be scheme://host[:port] without a path, query or user",
            ));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed IPv6 bracket"))?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("malformed IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("junk after the IPv6 address"))?,
                ),
            };
            (format!("[{addr}]"), port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (rest.to_owned(), None),
            }
        };
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._[]:".contains(&b))
        {
            return Err(bad("the host must be a DNS name or an IP address"));
        }
        let port = match port {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|&p| p != 0)
                    .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?,
            ),
        };
        Ok(Self::from_parts(scheme, host.to_ascii_lowercase(), port))
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host as written in the URL (IPv6 literals keep their brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `scheme://host[:port]`.
    pub fn as_str(&self) -> &str {
        &self.origin
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

impl std::str::FromStr for BaseUrl {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Self::parse(s)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

/// Where requests go: a built-in [`Region`] or a custom server.
///
/// ```
/// use tencent_im_transport::{Region, Target};
///
/// let t = Target::from(Region::Frankfurt);
/// assert_eq!(t.primary().as_str(), "https://adminapiger.im.qcloud.com");
/// let t = Target::custom("http://127.0.0.1:9000")?;
/// assert_eq!(t.standby(), None);
/// # Ok::<(), tencent_im_transport::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// A Tencent data centre, over HTTPS, with its standby host where one is known.
    Region(Region),
    /// A server of the caller's choice (a proxy, a test server, the emulator), with an optional
    /// standby. `http://` is allowed here because the caller wrote it.
    Custom {
        /// The server normally used.
        primary: BaseUrl,
        /// The server used while `primary` fails to resolve or connect.
        standby: Option<BaseUrl>,
    },
}

impl Target {
    /// A custom server without a standby.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] if `url` does not parse as a [`BaseUrl`].
    pub fn custom(url: &str) -> Result<Self, ConfigError> {
        Ok(Self::Custom {
            primary: BaseUrl::parse(url)?,
            standby: None,
        })
    }

    /// A custom server with a standby server.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] if either URL does not parse as a [`BaseUrl`].
    pub fn custom_with_standby(primary: &str, standby: &str) -> Result<Self, ConfigError> {
        Ok(Self::Custom {
            primary: BaseUrl::parse(primary)?,
            standby: Some(BaseUrl::parse(standby)?),
        })
    }

    /// The server normally used.
    pub fn primary(&self) -> BaseUrl {
        match self {
            Self::Region(r) => r.base_url(),
            Self::Custom { primary, .. } => primary.clone(),
        }
    }

    /// The server used while the primary one fails to resolve or connect.
    pub fn standby(&self) -> Option<BaseUrl> {
        match self {
            Self::Region(r) => r.standby_base_url(),
            Self::Custom { standby, .. } => standby.clone(),
        }
    }
}

impl From<Region> for Target {
    fn from(region: Region) -> Self {
        Self::Region(region)
    }
}

impl From<BaseUrl> for Target {
    fn from(primary: BaseUrl) -> Self {
        Self::Custom {
            primary,
            standby: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use tencent_im_protocol::Endpoint;

    use super::*;
    use crate::credentials::{Credentials, UserSig};
    use crate::url::request_url;

    /// The request URLs of `region`'s primary and standby hosts.
    fn urls(region: Region) -> (String, Option<String>) {
        let creds = Credentials::fixed(1400000000, "admin@x", UserSig::new("eJy*sig_"));
        let sig = UserSig::new("eJy*sig_");
        let url = |base: BaseUrl| request_url(base.as_str(), Endpoint::FriendAdd, &creds, &sig, 7);
        (url(region.base_url()), region.standby_base_url().map(url))
    }

    const QUERY: &str = "/v4/sns/friend_add?sdkappid=1400000000&identifier=admin%40x&usersig=eJy*sig_&random=7&contenttype=json";

    macro_rules! region_url_test {
        ($name:ident, $region:expr, $primary:literal, $standby:expr) => {
            #[test]
            fn $name() {
                let (primary, standby) = urls($region);
                assert_eq!(primary, format!("https://{}{QUERY}", $primary));
                let expected: Option<&str> = $standby;
                assert_eq!(standby, expected.map(|h| format!("https://{h}{QUERY}")));
            }
        };
    }

    region_url_test!(
        url_china,
        Region::China,
        "console.tim.qq.com",
        Some("adminapi.my-imcloud.com")
    );
    region_url_test!(
        url_singapore,
        Region::Singapore,
        "adminapisgp.im.qcloud.com",
        Some("adminapisgp.my-imcloud.com")
    );
    region_url_test!(
        url_seoul,
        Region::Seoul,
        "adminapikr.im.qcloud.com",
        Some("adminapikr.my-imcloud.com")
    );
    region_url_test!(
        url_tokyo,
        Region::Tokyo,
        "adminapijpn.im.qcloud.com",
        Some("adminapijpn.my-imcloud.com")
    );
    region_url_test!(
        url_frankfurt,
        Region::Frankfurt,
        "adminapiger.im.qcloud.com",
        Some("adminapiger.my-imcloud.com")
    );
    region_url_test!(
        url_mumbai,
        Region::Mumbai,
        "adminapiind.im.qcloud.com",
        Some("adminapiind.my-imcloud.com")
    );
    region_url_test!(
        url_silicon_valley,
        Region::SiliconValley,
        "adminapiusa.im.qcloud.com",
        Some("adminapiusa.my-imcloud.com")
    );
    region_url_test!(
        url_jakarta,
        Region::Jakarta,
        "adminapiidn.im.qcloud.com",
        Some("adminapiidn.my-imcloud.com")
    );

    #[test]
    fn base_url_parses_and_rejects() {
        let u = BaseUrl::parse("HTTPS://Example.COM/").unwrap();
        assert_eq!(u.as_str(), "https://example.com");
        assert_eq!(u.port(), 443);
        let u = BaseUrl::parse("https://example.com:8443").unwrap();
        assert_eq!(u.as_str(), "https://example.com:8443");
        let u = BaseUrl::parse("http://[::1]:8080").unwrap();
        assert_eq!(u.host(), "[::1]");
        assert_eq!(u.as_str(), "http://[::1]:8080");
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://",
            "https://example.com/v4",
            "https://example.com?x=1",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://exa mple.com",
            "http://[nope]:80",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
