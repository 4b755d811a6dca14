//! Request URLs: `/v4/{service}/{command}?sdkappid=&identifier=&usersig=&random=&contenttype=json`.
//!
//! The URL holds the UserSig, so it is never logged, put in an error or shown by `Debug` (a
//! gateway's page that repeats it is redacted: `StatusBody`).

use std::fmt::Write as _;

use tencent_im_protocol::Endpoint;

use crate::credentials::{Credentials, UserSig};

/// Percent-encodes everything but RFC 3986 unreserved characters and `*` (which UserSigs use and
/// query strings allow), as UTF-8.
pub(crate) fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// The full request URL. Contains the UserSig: keep it out of logs and errors.
#[cfg(test)]
pub(crate) fn request_url(
    origin: &str,
    endpoint: Endpoint,
    credentials: &Credentials,
    sig: &UserSig,
    random: u32,
) -> String {
    let query = QueryPrefix::new(credentials, sig);
    let mut url = origin.to_owned();
    url.push_str(&query.path_and_query(endpoint, random));
    url
}

/// The query string of a request up to `random=`, built once per UserSig: the per-attempt path
/// and query string is then the endpoint's path, this prefix and `random`, with no formatting.
///
/// Kept for the target "16 calls in flight ≥ 0.8× the bare client's calls/s"
/// (`docs/benchmarks.md`): formatting the query per attempt instead costs 3 800 instructions
/// a call, 9% of the transport's.
///
/// Holds the UserSig: deliberately not `Debug`; keep it out of logs and errors.
pub(crate) struct QueryPrefix {
    sig: UserSig,
    /// `sdkappid=..&identifier=..&usersig=..&random=`.
    prefix: String,
}

impl QueryPrefix {
    pub(crate) fn new(credentials: &Credentials, sig: &UserSig) -> Self {
        // Writing to a String cannot fail.
        let mut prefix = String::new();
        let _ = write!(
            prefix,
            "sdkappid={}&identifier={}&usersig={}&random=",
            credentials.sdkappid(),
            encode_component(credentials.identifier()),
            encode_component(sig.expose()),
        );
        Self {
            sig: sig.clone(),
            prefix,
        }
    }

    /// Whether this prefix was built with `sig`.
    pub(crate) fn is_for(&self, sig: &UserSig) -> bool {
        self.sig.expose() == sig.expose()
    }

    /// `/{path}?{prefix}{random}&contenttype=json`, allocated once at its exact length, so that
    /// it becomes the URI's `Bytes` without another allocation. Kept for the 16-in-flight target:
    /// `format!` costs 1 600 instructions a call more (4%).
    pub(crate) fn path_and_query(&self, endpoint: Endpoint, random: u32) -> String {
        const SUFFIX: &str = "&contenttype=json";
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(random);
        let path = endpoint.path();
        let len = 1 + path.len() + 1 + self.prefix.len() + digits.len() + SUFFIX.len();
        let mut out = String::with_capacity(len);
        out.push('/');
        out.push_str(path);
        out.push('?');
        out.push_str(&self.prefix);
        out.push_str(digits);
        out.push_str(SUFFIX);
        out
    }
}

/// The request URL with `<redacted>` in place of the UserSig, for display.
pub(crate) fn redacted_url(
    origin: &str,
    endpoint: Endpoint,
    credentials: &Credentials,
    random: u32,
) -> String {
    // Writing to a String cannot fail.
    let mut url = String::with_capacity(origin.len() + 130);
    let _ = write!(
        url,
        "{origin}/{}?sdkappid={}&identifier={}&usersig=<redacted>&random={random}&contenttype=json",
        endpoint.path(),
        credentials.sdkappid(),
        encode_component(credentials.identifier()),
    );
    url
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(encode_component("admin"), "admin");
        assert_eq!(encode_component("a@b&c d"), "a%40b%26c%20d");
        assert_eq!(encode_component("张三"), "%E5%BC%A0%E4%B8%89");
        assert_eq!(encode_component("x=y+z/%"), "x%3Dy%2Bz%2F%25");
        assert_eq!(encode_component("eJy*-_~."), "eJy*-_~.");
    }

    #[test]
    fn writes_random_in_decimal() {
        let sig = UserSig::new("s");
        let query = QueryPrefix::new(&Credentials::fixed(1, "a", sig.clone()), &sig);
        for n in [0, 7, 10, 99, 12345, 1_000_000_000, u32::MAX] {
            let path = query.path_and_query(Endpoint::FriendAdd, n);
            assert!(
                path.ends_with(&format!("&random={n}&contenttype=json")),
                "{path}"
            );
        }
    }

    #[test]
    fn builds_the_documented_url() {
        let creds = Credentials::fixed(1400000000, "admin@x", UserSig::new("eJy*ab_"));
        let url = request_url(
            "https://console.tim.qq.com",
            Endpoint::FriendAdd,
            &creds,
            &UserSig::new("eJy*ab_"),
            42,
        );
        assert_eq!(
            url,
            "https://console.tim.qq.com/v4/sns/friend_add?sdkappid=1400000000&identifier=admin%40x&usersig=eJy*ab_&random=42&contenttype=json"
        );
        let odd = request_url(
            "http://h",
            Endpoint::FriendAdd,
            &creds,
            &UserSig::new("a b"),
            0,
        );
        assert!(odd.contains("usersig=a%20b&"));
    }
}
