//! Request URLs: `/v4/{service}/{command}?sdkappid=&identifier=&usersig=&random=&contenttype=json`.
//!
//! The URL holds the UserSig, so it is never logged, put in an error or shown by `Debug`.

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
pub(crate) fn request_url(
    origin: &str,
    endpoint: Endpoint,
    credentials: &Credentials,
    sig: &UserSig,
    random: u32,
) -> String {
    build(
        origin,
        endpoint,
        credentials,
        random,
        sig.expose().len(),
        |url| {
            let sig = sig.expose();
            if sig.bytes().all(is_unreserved) {
                url.push_str(sig);
            } else {
                url.push_str(&encode_component(sig));
            }
        },
    )
}

/// The request URL with `<redacted>` in place of the UserSig, for display.
pub(crate) fn redacted_url(
    origin: &str,
    endpoint: Endpoint,
    credentials: &Credentials,
    random: u32,
) -> String {
    build(origin, endpoint, credentials, random, 10, |url| {
        url.push_str("<redacted>");
    })
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'*')
}

fn build(
    origin: &str,
    endpoint: Endpoint,
    credentials: &Credentials,
    random: u32,
    sig_len: usize,
    push_sig: impl FnOnce(&mut String),
) -> String {
    let mut url = String::with_capacity(origin.len() + 120 + sig_len);
    url.push_str(origin);
    // Writing to a String cannot fail.
    let _ = write!(
        url,
        "/v4/{}/{}?sdkappid={}&identifier={}&usersig=",
        endpoint.service(),
        endpoint.command(),
        credentials.sdkappid(),
        credentials.identifier_query(),
    );
    push_sig(&mut url);
    let _ = write!(url, "&random={random}&contenttype=json");
    url
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
