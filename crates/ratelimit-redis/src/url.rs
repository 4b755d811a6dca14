//! Redis URLs: which are accepted, and how they are shown without their password.

use crate::error::{Error, ErrorKind};

/// A checked `redis://` or `rediss://` URL, and its form for logs and `Debug`.
pub(crate) struct RedisUrl {
    /// The URL as given, password included: only for the `redis` crate.
    pub(crate) secret: String,
    /// The URL with `<redacted>` in place of the password.
    pub(crate) redacted: String,
    /// Whether the scheme is `rediss://`.
    pub(crate) tls: bool,
}

impl RedisUrl {
    /// Checks `url`. Errors never contain it.
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let tls = if url.starts_with("rediss://") {
            true
        } else if url.starts_with("redis://") {
            false
        } else {
            return Err(Error::new(
                ErrorKind::Url,
                "the URL must start with redis:// or rediss://",
            ));
        };
        let Some(parsed) = redis::parse_redis_url(url) else {
            return Err(Error::new(ErrorKind::Url, "the URL does not parse"));
        };
        match parsed.fragment() {
            None | Some("") => {}
            Some("insecure") => {
                return Err(Error::new(
                    ErrorKind::Url,
                    "#insecure (TLS without certificate checks) is not supported; give the \
                     server's root certificate instead",
                ));
            }
            Some(_) => return Err(Error::new(ErrorKind::Url, "the URL has a fragment")),
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Error::new(ErrorKind::Url, "the URL has no host"));
        }
        let mut redacted = format!("{}://", parsed.scheme());
        let user = parsed.username();
        if !user.is_empty() || parsed.password().is_some() {
            redacted.push_str(user);
            if parsed.password().is_some() {
                redacted.push_str(":<redacted>");
            }
            redacted.push('@');
        }
        redacted.push_str(parsed.host_str().unwrap_or_default());
        if let Some(port) = parsed.port() {
            redacted.push(':');
            redacted.push_str(&port.to_string());
        }
        redacted.push_str(parsed.path());
        if let Some(query) = parsed.query() {
            redacted.push('?');
            redacted.push_str(query);
        }
        Ok(Self {
            secret: url.to_owned(),
            redacted,
            tls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(url: &str) -> String {
        match RedisUrl::parse(url) {
            Ok(u) => u.redacted,
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(
            redacted("redis://:s3cr%40t@127.0.0.1:6379/2"),
            "redis://:<redacted>@127.0.0.1:6379/2"
        );
        assert_eq!(
            redacted("rediss://fleet:s3cret@redis.example.com"),
            "rediss://fleet:<redacted>@redis.example.com"
        );
        assert_eq!(
            redacted("redis://fleet@[::1]:7000"),
            "redis://fleet@[::1]:7000"
        );
        assert_eq!(
            redacted("redis://h/0?protocol=resp3"),
            "redis://h/0?protocol=resp3"
        );
    }

    #[test]
    fn other_urls_are_refused_without_being_repeated() {
        for url in [
            "http://:s3cret@127.0.0.1",
            "redis+unix:///tmp/s3cret.sock",
            "rediss://:s3cret@127.0.0.1/#insecure",
            "redis://:s3cret@/",
            "redis://:s3cret@127.0.0.1:99999",
            "s3cret",
        ] {
            let e = RedisUrl::parse(url)
                .err()
                .map(|e| (e.kind(), e.to_string()));
            let Some((kind, text)) = e else {
                panic!("accepted {url}");
            };
            assert_eq!(kind, ErrorKind::Url, "{url}");
            assert!(!text.contains("s3cret"), "{text}");
        }
    }
}
