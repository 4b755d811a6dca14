//! The query string Tencent adds to the callback URL, and [`CallbackQuery`], its verified values.

use std::borrow::Cow;

use tencent_im_protocol::callback::{CallbackCommand, OptPlatform};

use crate::error::VerifyError;

/// The query values of a verified callback.
///
/// Keys are matched in any letter case (`SdkAppid`, `SdkAppId`, `sdkappid`); values are
/// percent-decoded. `Sign` is checked and not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackQuery {
    /// `SdkAppid`: the application (checked to be the verifier's).
    pub sdkappid: u64,
    /// `CallbackCommand` (checked to be the body's).
    pub callback_command: CallbackCommand,
    /// `RequestTime`: when Tencent sent the callback, Unix seconds (checked against the window).
    pub request_time: u64,
    /// `contenttype`: `json`.
    pub content_type: Option<String>,
    /// `ClientIP`: the client's IP address, e.g. `127.0.0.1`.
    pub client_ip: Option<String>,
    /// `OptPlatform`: where the action came from (`RESTAPI` for the REST API).
    pub opt_platform: Option<OptPlatform>,
    /// `RequestId`: Tencent's identifier of the request, when sent.
    pub request_id: Option<String>,
}

/// The parameters a callback's query may carry, by lower-case key, and their names in errors.
const KEYS: [(&str, &str); 8] = [
    ("sdkappid", "SdkAppid"),
    ("callbackcommand", "CallbackCommand"),
    ("contenttype", "contenttype"),
    ("clientip", "ClientIP"),
    ("optplatform", "OptPlatform"),
    ("requestid", "RequestId"),
    ("sign", "Sign"),
    ("requesttime", "RequestTime"),
];

/// Positions in [`KEYS`].
pub(crate) const SDKAPPID: usize = 0;
pub(crate) const CALLBACK_COMMAND: usize = 1;
pub(crate) const CONTENT_TYPE: usize = 2;
pub(crate) const CLIENT_IP: usize = 3;
pub(crate) const OPT_PLATFORM: usize = 4;
pub(crate) const REQUEST_ID: usize = 5;
pub(crate) const SIGN: usize = 6;
pub(crate) const REQUEST_TIME: usize = 7;

/// The known parameters of a query string, each at most once, percent-decoded; other
/// parameters (e.g. the app's own, in its callback URL) are ignored.
#[derive(Debug, Default)]
pub(crate) struct RawQuery<'a> {
    values: [Option<Cow<'a, str>>; 8],
}

impl<'a> RawQuery<'a> {
    /// Parses a query string (without the `?`).
    pub(crate) fn parse(query: &'a str) -> Result<Self, VerifyError> {
        let mut q = Self::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key);
            let Some(i) = KEYS
                .iter()
                .position(|(lower, _)| key.eq_ignore_ascii_case(lower))
            else {
                continue;
            };
            if q.values[i].is_some() {
                return Err(VerifyError::DuplicateParameter { name: KEYS[i].1 });
            }
            q.values[i] = Some(percent_decode(value));
        }
        Ok(q)
    }

    /// The value at position `i`, if present.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        self.values[i].as_deref()
    }

    /// The value at position `i`, or [`VerifyError::MissingParameter`].
    pub(crate) fn require(&self, i: usize) -> Result<&str, VerifyError> {
        self.get(i)
            .ok_or(VerifyError::MissingParameter { name: KEYS[i].1 })
    }

    /// The value at position `i` as a decimal number.
    pub(crate) fn number(&self, i: usize) -> Result<u64, VerifyError> {
        self.require(i)?
            .parse()
            .map_err(|source| VerifyError::InvalidNumber {
                name: KEYS[i].1,
                source,
            })
    }
}

/// Decodes `%XX` escapes; anything else (including `+` and a `%` without two hex digits) is
/// kept as is. Bytes that do not form UTF-8 are replaced.
fn percent_decode(value: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(value).decode_utf8_lossy()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_in_any_case_and_values_are_decoded() {
        let q = RawQuery::parse(
            "SDKAPPID=1400000000&callbackCommand=Sns.CallbackFriendAdd&ClientIP=%3A%3A1&x=1&&Sign",
        )
        .unwrap();
        assert_eq!(q.number(SDKAPPID).unwrap(), 1_400_000_000);
        assert_eq!(q.get(CALLBACK_COMMAND), Some("Sns.CallbackFriendAdd"));
        assert_eq!(q.get(CLIENT_IP), Some("::1"));
        assert_eq!(q.get(SIGN), Some(""));
        assert_eq!(q.get(REQUEST_TIME), None);
        assert!(matches!(
            q.require(REQUEST_TIME),
            Err(VerifyError::MissingParameter {
                name: "RequestTime"
            })
        ));
    }

    #[test]
    fn a_key_twice_in_any_spelling_is_refused() {
        for query in [
            "SdkAppid=1&SdkAppId=1",
            "Sign=a&sign=a",
            "RequestTime=1&%52equestTime=1",
        ] {
            assert!(
                matches!(
                    RawQuery::parse(query),
                    Err(VerifyError::DuplicateParameter { .. })
                ),
                "{query}"
            );
        }
    }

    #[test]
    fn percent_decoding_edge_cases() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("a+b"), "a+b");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
