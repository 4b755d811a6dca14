//! The envelope every reply carries (`ActionStatus`, `ErrorCode`, `ErrorInfo`, `ErrorDisplay`)
//! and the typed reply of a command.

use std::fmt;

use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::error::{ApiError, DecodeError, ReplyError};
use crate::error_code::ErrorCode;
use crate::serde_util::{from_json, tolerant_enum};

tolerant_enum! {
    /// `ActionStatus`: `OK` or `FAIL`. Any other value is kept and counts as a failure.
    #[derive(Default)]
    pub enum ActionStatus {
        /// `"OK"`: the request was processed (items may still have failed one by one).
        #[default]
        Ok = "OK",
        /// `"FAIL"`: the whole request failed.
        Fail = "FAIL",
    }
}

impl ActionStatus {
    /// Whether this is `OK`.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok)
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
        from_json(body).map_err(|e| DecodeError::new("reply envelope", e))
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

/// Decodes a reply body of a command with response body `B`, in one pass.
///
/// A whole-request failure is returned as [`ReplyError::Api`], whatever the rest of the body
/// looks like: if the one-pass decode fails, the envelope alone is read to tell a failed reply
/// from a malformed one. Never panics, whatever the bytes.
pub(crate) fn decode_reply<B: de::DeserializeOwned>(
    endpoint: Endpoint,
    body: &[u8],
) -> Result<Reply<B>, ReplyError> {
    match from_json::<Reply<B>>(body) {
        Ok(reply) => {
            if reply.envelope.is_failure() {
                return Err(ApiError::new(reply.envelope).into());
            }
            Ok(reply)
        }
        Err(e) => {
            Envelope::decode(body)?.into_result()?;
            Err(DecodeError::for_endpoint(endpoint, "reply", e).into())
        }
    }
}

/// One pass over the reply object: the envelope's keys fill the envelope, every other key goes
/// to `B`, so neither the body nor the envelope is buffered or read twice.
impl<'de, B: Deserialize<'de>> Deserialize<'de> for Reply<B> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ReplyVisitor<B>(PhantomData<B>);

        impl<'de, B: Deserialize<'de>> Visitor<'de> for ReplyVisitor<B> {
            type Value = Reply<B>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Tencent IM reply object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Reply<B>, A::Error> {
                let mut fields = EnvelopeFields::default();
                let body = B::deserialize(MapAccessDeserializer::new(SplitEnvelope {
                    inner: map,
                    fields: &mut fields,
                }))?;
                let envelope = Envelope {
                    action_status: fields
                        .action_status
                        .ok_or_else(|| de::Error::missing_field("ActionStatus"))?,
                    error_code: fields
                        .error_code
                        .ok_or_else(|| de::Error::missing_field("ErrorCode"))?,
                    error_info: fields.error_info.unwrap_or_default(),
                    error_display: fields.error_display,
                };
                Ok(Reply { envelope, body })
            }
        }

        deserializer.deserialize_map(ReplyVisitor(PhantomData))
    }
}

#[derive(Default)]
struct EnvelopeFields {
    action_status: Option<ActionStatus>,
    error_code: Option<ErrorCode>,
    error_info: Option<String>,
    error_display: Option<String>,
}

/// A map that takes the envelope's entries for itself and hands the rest on.
struct SplitEnvelope<'f, A> {
    inner: A,
    fields: &'f mut EnvelopeFields,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SplitEnvelope<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.inner.next_key::<Key<'de>>()? {
            let f = &mut *self.fields;
            match key.as_str() {
                "ActionStatus" => f.action_status = Some(self.inner.next_value()?),
                "ErrorCode" => f.error_code = Some(self.inner.next_value()?),
                "ErrorInfo" => f.error_info = Some(self.inner.next_value()?),
                "ErrorDisplay" => f.error_display = Some(self.inner.next_value()?),
                _ => {
                    return match key {
                        Key::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
                        Key::Owned(k) => seed.deserialize(StringDeserializer::new(k)),
                    }
                    .map(Some);
                }
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

/// An object key, borrowed from the input unless it had escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Self::Borrowed(k) => k,
            Self::Owned(k) => k,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
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

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        #[serde(rename = "Items", default)]
        items: Vec<String>,
    }

    #[test]
    fn reply_splits_envelope_and_body_in_any_order() {
        let reply: Reply<Body> = serde_json::from_str(
            r#"{"ErrorInfo":"","Items":["a","b"],"Extra":{"x":1},"ActionStatus":"OK","ErrorCode":0,"ErrorDisplay":"d"}"#,
        )
        .unwrap();
        assert_eq!(reply.body.items, ["a", "b"]);
        assert_eq!(reply.envelope.error_display.as_deref(), Some("d"));
        assert!(!reply.envelope.is_failure());
        // Escaped keys are unescaped before matching.
        let reply: Reply<Body> = serde_json::from_str(
            r#"{"\u0049tems":["c"],"Action\u0053tatus":"FAIL","ErrorCode":1}"#,
        )
        .unwrap();
        assert_eq!(reply.body.items, ["c"]);
        assert_eq!(reply.envelope.action_status, ActionStatus::Fail);
        assert!(serde_json::from_str::<Reply<Body>>(r#"{"ErrorCode":0}"#).is_err());
        assert!(serde_json::from_str::<Reply<Body>>(r#"{"ActionStatus":"OK"}"#).is_err());
        assert!(serde_json::from_str::<Reply<Body>>("[]").is_err());
    }

    #[test]
    fn failure_wins_over_a_malformed_body() {
        let err = decode_reply::<Body>(
            Endpoint::FriendAdd,
            br#"{"ActionStatus":"FAIL","ErrorCode":60003,"Items":{"not":"a list"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.api_code(), Some(ErrorCode::REQUEST_JSON_PARSE_ERROR));
        let err = decode_reply::<Body>(
            Endpoint::FriendAdd,
            br#"{"ActionStatus":"OK","ErrorCode":0,"Items":{"not":"a list"}}"#,
        )
        .unwrap_err();
        assert!(matches!(err, ReplyError::Decode(_)));
        assert_eq!(err.to_string(), "the reply is not a valid Tencent IM reply");
    }

    #[test]
    fn ok_status_with_nonzero_code_is_a_failure() {
        let e = Envelope::decode(br#"{"ActionStatus":"OK","ErrorCode":60007}"#).unwrap();
        let err = e.into_result().unwrap_err();
        assert_eq!(err.code(), ErrorCode::REST_RATE_LIMITED);
        assert!(err.is_retryable());
    }
}
