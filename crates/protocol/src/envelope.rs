//! The envelope every reply carries (`ActionStatus`, `ErrorCode`, `ErrorInfo`, `ErrorDisplay`)
//! and the typed reply of a command.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::endpoint::Endpoint;
use crate::error::{ApiError, DecodeError, ReplyError};
use crate::error_code::ErrorCode;

/// `ActionStatus`: `OK` or `FAIL`. Any other value is kept and counts as a failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ActionStatus {
    /// `"OK"`: the request was processed (items may still have failed one by one).
    #[default]
    Ok,
    /// `"FAIL"`: the whole request failed.
    Fail,
    /// A value Tencent does not document.
    Other(String),
}

impl ActionStatus {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ok => "OK",
            Self::Fail => "FAIL",
            Self::Other(s) => s,
        }
    }

    /// Whether this is `OK`.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok)
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ActionStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ActionStatus;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string such as \"OK\" or \"FAIL\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ActionStatus, E> {
                Ok(match v {
                    "OK" => ActionStatus::Ok,
                    "FAIL" => ActionStatus::Fail,
                    other => ActionStatus::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// The fields every reply carries.
///
/// `ActionStatus` and `ErrorCode` are required; `ErrorInfo` defaults to empty and
/// `ErrorDisplay` is kept only when present. Unknown fields and any field order are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Envelope {
    /// `ActionStatus`.
    #[serde(rename = "ActionStatus")]
    pub action_status: ActionStatus,
    /// `ErrorCode`: 0 on success.
    #[serde(rename = "ErrorCode")]
    pub error_code: ErrorCode,
    /// `ErrorInfo`: Tencent's text about the error, empty on success.
    #[serde(rename = "ErrorInfo", default)]
    pub error_info: String,
    /// `ErrorDisplay`: text meant for end users, sent by some endpoints.
    #[serde(
        rename = "ErrorDisplay",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_display: Option<String>,
}

impl Envelope {
    /// A success envelope: `OK`, code 0, empty `ErrorInfo` and `ErrorDisplay`.
    pub fn ok() -> Self {
        Self {
            action_status: ActionStatus::Ok,
            error_code: ErrorCode::OK,
            error_info: String::new(),
            error_display: Some(String::new()),
        }
    }

    /// A failure envelope with `code` and `info`.
    pub fn fail(code: ErrorCode, info: impl Into<String>) -> Self {
        Self {
            action_status: ActionStatus::Fail,
            error_code: code,
            error_info: info.into(),
            error_display: Some(String::new()),
        }
    }

    /// Whether the whole request failed: `ActionStatus` is not `OK` or `ErrorCode` is not 0.
    pub fn is_failure(&self) -> bool {
        !self.action_status.is_ok() || !self.error_code.is_ok()
    }

    /// Decodes just the envelope of a reply body, skipping everything else.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        serde_json::from_slice(body).map_err(|e| DecodeError::new("reply envelope", e))
    }

    /// Turns a failed envelope into an [`ApiError`].
    pub fn into_result(self) -> Result<Self, ApiError> {
        if self.is_failure() {
            Err(ApiError::new(self))
        } else {
            Ok(self)
        }
    }
}

/// A decoded reply: the envelope and the command's response body.
///
/// Serializes as one flat JSON object, as Tencent sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Reply<B> {
    /// The envelope.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The command-specific fields.
    #[serde(flatten)]
    pub body: B,
}

impl<B> Reply<B> {
    /// A reply with the given envelope and body.
    pub fn new(envelope: Envelope, body: B) -> Self {
        Self { envelope, body }
    }

    /// A success reply carrying `body`.
    pub fn ok(body: B) -> Self {
        Self::new(Envelope::ok(), body)
    }
}

/// Decodes a reply body of a command with response body `B`.
///
/// The envelope is read first: a whole-request failure is returned as [`ReplyError::Api`]
/// without looking at the rest (failed replies carry no per-item data). Otherwise the body is
/// decoded as `B`. Never panics, whatever the bytes.
pub(crate) fn decode_reply<B: de::DeserializeOwned>(
    endpoint: Endpoint,
    body: &[u8],
) -> Result<Reply<B>, ReplyError> {
    let envelope = Envelope::decode(body)?.into_result()?;
    let body = serde_json::from_slice(body)
        .map_err(|e| DecodeError::for_endpoint(endpoint, "reply", e))?;
    Ok(Reply { envelope, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_fields_in_any_order_with_unknown_fields() {
        let e = Envelope::decode(
            br#"{"X":[1,{"y":null}],"ErrorInfo":"err","ErrorCode":70001,"ActionStatus":"FAIL"}"#,
        )
        .unwrap();
        assert_eq!(e.action_status, ActionStatus::Fail);
        assert_eq!(e.error_code, ErrorCode::SIG_EXPIRED);
        assert_eq!(e.error_info, "err");
        assert_eq!(e.error_display, None);
        assert!(e.is_failure());
    }

    #[test]
    fn envelope_requires_status_and_code() {
        assert!(Envelope::decode(br#"{"ErrorCode":0}"#).is_err());
        assert!(Envelope::decode(br#"{"ActionStatus":"OK"}"#).is_err());
        assert!(Envelope::decode(b"<html>502</html>").is_err());
    }

    #[test]
    fn odd_status_counts_as_failure_and_is_kept() {
        let e = Envelope::decode(br#"{"ActionStatus":"MAYBE","ErrorCode":0}"#).unwrap();
        assert_eq!(e.action_status, ActionStatus::Other("MAYBE".into()));
        assert!(e.is_failure());
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains(r#""ActionStatus":"MAYBE""#));
    }

    #[test]
    fn ok_status_with_nonzero_code_is_a_failure() {
        let e = Envelope::decode(br#"{"ActionStatus":"OK","ErrorCode":60007}"#).unwrap();
        let err = e.into_result().unwrap_err();
        assert_eq!(err.code(), ErrorCode::REST_RATE_LIMITED);
        assert!(err.is_retryable());
    }
}
