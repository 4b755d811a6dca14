//! A parsed log line: what kind of record it is, its endpoint, its JSON texts and its envelope.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::command::Command;
use crate::endpoint::Endpoint;
use crate::envelope::{ActionStatus, Envelope, Reply};
use crate::error::{ApiError, DecodeError, ReplyError};
use crate::error_code::ErrorCode;

use super::error::LogLineError;
use super::items::ItemCodes;
use super::parse::{self, TopLevel};

/// The three shapes of a log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A request body on its own: an object without `ActionStatus` or `ErrorCode`.
    Request,
    /// A reply body on its own: an object with `ActionStatus` or `ErrorCode`.
    Response,
    /// An object with `api` and at least one of `request` and `response`.
    Exchange,
}

impl RecordKind {
    /// The lower-case name, e.g. `"exchange"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::Exchange => "exchange",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The envelope of a logged reply, borrowing its texts from the log where it can.
///
/// The same fields as [`Envelope`]; [`EnvelopeRef::to_envelope`] makes the owned one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvelopeRef<'a> {
    /// `ActionStatus`.
    pub action_status: ActionStatus,
    /// `ErrorCode`: 0 on success.
    pub error_code: ErrorCode,
    /// `ErrorInfo`: empty on success and when absent.
    pub error_info: Cow<'a, str>,
    /// `ErrorDisplay`, when present.
    pub error_display: Option<Cow<'a, str>>,
}

impl EnvelopeRef<'_> {
    /// Whether the whole request failed: `ActionStatus` is not `OK` or `ErrorCode` is not 0.
    pub fn is_failure(&self) -> bool {
        !self.action_status.is_ok() || !self.error_code.is_ok()
    }

    /// The owned [`Envelope`].
    pub fn to_envelope(&self) -> Envelope {
        Envelope {
            action_status: self.action_status.clone(),
            error_code: self.error_code,
            error_info: self.error_info.clone().into_owned(),
            error_display: self.error_display.clone().map(Cow::into_owned),
        }
    }
}

/// One record of a log: a request body, a reply body, or an exchange of both.
///
/// Its JSON texts borrow from the line; nothing below the top level has been decoded yet.
/// [`request_as`](Self::request_as) and [`reply_as`](Self::reply_as) decode them as a
/// command's types on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogRecord<'a> {
    line: u64,
    kind: RecordKind,
    endpoint: Option<Endpoint>,
    api: Option<Cow<'a, str>>,
    json: &'a str,
    request: Option<&'a str>,
    response: Option<&'a str>,
    envelope: Option<EnvelopeRef<'a>>,
    items: ItemCodes,
}

impl<'a> LogRecord<'a> {
    /// Parses one line (without its line ending, BOM or surrounding whitespace).
    pub(super) fn parse(line: u64, json: &'a str) -> Result<Self, LogLineError> {
        let members = match parse::parse(json) {
            Ok(TopLevel::Object(members)) => members,
            Ok(TopLevel::Other) => return Err(LogLineError::not_object(line)),
            Err(e) => return Err(LogLineError::not_json(line, json, e)),
        };
        let mut record = Self {
            line,
            kind: RecordKind::Request,
            endpoint: None,
            api: None,
            json,
            request: None,
            response: None,
            envelope: None,
            items: ItemCodes::default(),
        };
        if members.api.is_some() || members.request.is_present() || members.response.is_present() {
            let api = match members.api {
                Some(Some(api)) => api,
                Some(None) => return Err(LogLineError::not_record(line, "`api` is not a string")),
                None => {
                    return Err(LogLineError::not_record(
                        line,
                        "`request` or `response` without `api`",
                    ));
                }
            };
            if !members.request.is_present() && !members.response.is_present() {
                return Err(LogLineError::not_record(
                    line,
                    "`api` without `request` or `response`",
                ));
            }
            record.kind = RecordKind::Exchange;
            record.endpoint = endpoint_of_api(&api);
            record.api = Some(api);
            record.request = members.request.json();
            record.response = members.response.json();
            if let Some(Ok(TopLevel::Object(reply))) = record.response.map(parse::parse) {
                record.items = reply.items;
                record.envelope = reply.envelope();
            }
        } else if members.looks_like_reply() {
            record.kind = RecordKind::Response;
            record.endpoint = members.inferred_endpoint();
            record.response = Some(json);
            record.items = members.items;
            record.envelope = members.envelope();
        } else {
            record.endpoint = members.inferred_endpoint();
            record.request = Some(json);
        }
        Ok(record)
    }

    /// The line number, 1-based; blank lines count.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Which of the three shapes the record has.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The endpoint: from `api` for an exchange, and for a bare body from top-level keys that
    /// only one endpoint's body carries (e.g. `AddFriendItem`). `None` when the endpoint is
    /// outside the catalogue or a bare body does not tell.
    pub fn endpoint(&self) -> Option<Endpoint> {
        self.endpoint
    }

    /// The `api` member of an exchange as written (`"sns/friend_add"`, `"v4/sns/friend_add"` or
    /// a URL path), also for endpoints outside the catalogue. `None` for bare bodies.
    ///
    /// A URL may carry a UserSig in its query string: treat this text as secret.
    pub fn api(&self) -> Option<&str> {
        self.api.as_deref()
    }

    /// The whole record as JSON text (the line without its line ending, BOM and surrounding
    /// whitespace).
    pub fn json(&self) -> &'a str {
        self.json
    }

    /// The request body as JSON text: the whole line for a request, the `request` member of an
    /// exchange; `None` for a reply and for an exchange whose `request` is absent or `null`.
    pub fn request_json(&self) -> Option<&'a str> {
        self.request
    }

    /// The reply body as JSON text: the whole line for a reply, the `response` member of an
    /// exchange; `None` for a request and for an exchange whose `response` is absent or `null`
    /// (a request that got no reply).
    pub fn response_json(&self) -> Option<&'a str> {
        self.response
    }

    /// The request body as a [`RawValue`], e.g. to embed it unchanged in other JSON.
    pub fn request_raw(&self) -> Option<&'a RawValue> {
        self.request.and_then(raw)
    }

    /// The reply body as a [`RawValue`].
    pub fn response_raw(&self) -> Option<&'a RawValue> {
        self.response.and_then(raw)
    }

    /// The reply's envelope, when there is a reply and it has one (`ActionStatus` a string and
    /// `ErrorCode` an integer).
    pub fn envelope(&self) -> Option<&EnvelopeRef<'a>> {
        self.envelope.as_ref()
    }

    /// Calls `f` with the per-item `ResultCode`s of the reply and how many items carry each (a
    /// code may come more than once).
    pub(super) fn for_each_item_code(&self, f: impl FnMut(ErrorCode, u64)) {
        self.items.for_each(self.response, f);
    }

    /// Whether the record holds a reply reporting a whole-request failure.
    pub fn is_failure(&self) -> bool {
        self.envelope.as_ref().is_some_and(EnvelopeRef::is_failure)
    }

    /// Decodes the request body as command `C`.
    ///
    /// Fails if the record's endpoint is known and is not `C`'s, if the record has no request,
    /// or if the body is not a `C`.
    pub fn request_as<C: Command + DeserializeOwned>(&self) -> Result<C, RecordError> {
        self.check_endpoint(C::ENDPOINT)?;
        let json = self.request.ok_or(RecordError::NoRequest {
            endpoint: C::ENDPOINT,
        })?;
        serde_json::from_str(json)
            .map_err(|e| RecordError::Decode(DecodeError::for_endpoint(C::ENDPOINT, "request", e)))
    }

    /// Decodes the reply body as a reply of command `C`, like [`Command::decode_reply`]: a
    /// whole-request failure is [`RecordError::Api`].
    ///
    /// Fails as well if the record's endpoint is known and is not `C`'s, or if the record has
    /// no reply.
    pub fn reply_as<C: Command>(&self) -> Result<Reply<C::Response>, RecordError> {
        self.check_endpoint(C::ENDPOINT)?;
        let json = self.response.ok_or(RecordError::NoReply {
            endpoint: C::ENDPOINT,
        })?;
        Ok(C::decode_reply(json.as_bytes())?)
    }

    fn check_endpoint(&self, expected: Endpoint) -> Result<(), RecordError> {
        match (self.endpoint, &self.api) {
            (Some(found), _) if found != expected => Err(RecordError::WrongEndpoint {
                expected,
                found: Some(found),
            }),
            (None, Some(_)) => Err(RecordError::WrongEndpoint {
                expected,
                found: None,
            }),
            _ => Ok(()),
        }
    }
}

/// The endpoint named by an exchange's `api`: `service/command`, `v4/service/command`, a URL
/// path, or a whole URL; a query string is ignored.
fn endpoint_of_api(api: &str) -> Option<Endpoint> {
    let path = api.split_once('?').map_or(api, |(path, _)| path);
    let path = match path.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |slash| &rest[slash..]),
        None => path,
    };
    Endpoint::from_api(path)
}

fn raw(json: &str) -> Option<&RawValue> {
    // The text was parsed when the line was read, so this does not fail.
    serde_json::from_str(json).ok()
}

/// Why a record did not yield a typed request or reply.
///
/// It answers the same questions as [`ReplyError`], with the same methods:
/// [`api_code`](Self::api_code), [`api_error`](Self::api_error),
/// [`decode_error`](Self::decode_error) and [`is_truncated`](Self::is_truncated); the record's
/// own cases (another endpoint, no request, no reply) are its other variants.
///
/// ```
/// use tencent_im_protocol::log::{RecordError, read_log};
/// use tencent_im_protocol::sns::FriendAdd;
/// use tencent_im_protocol::ErrorCode;
///
/// let log = r#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"sig expired"}"#;
/// let record = read_log(log).next().unwrap().unwrap();
/// let err = record.reply_as::<FriendAdd>().unwrap_err();
/// assert_eq!(err.api_code(), Some(ErrorCode::SIG_EXPIRED));
/// assert_eq!(err.api_error().map(|e| e.info()), Some("sig expired"));
/// assert!(err.decode_error().is_none() && !err.is_truncated());
/// assert!(matches!(
///     record.request_as::<FriendAdd>(),
///     Err(RecordError::NoRequest { .. })
/// ));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RecordError {
    /// The record belongs to another endpoint than the command asked for.
    WrongEndpoint {
        /// The command's endpoint.
        expected: Endpoint,
        /// The record's endpoint; `None` for an `api` outside the catalogue.
        found: Option<Endpoint>,
    },
    /// The record has no request body (a reply, or an exchange whose `request` is absent or
    /// `null`).
    NoRequest {
        /// The command's endpoint.
        endpoint: Endpoint,
    },
    /// The record has no reply body (a request, or an exchange whose `response` is absent or
    /// `null`).
    NoReply {
        /// The command's endpoint.
        endpoint: Endpoint,
    },
    /// The body is not a request or reply of the command.
    Decode(DecodeError),
    /// The reply reports a whole-request failure.
    Api(ApiError),
}

impl RecordError {
    /// Tencent's whole-request error code, if the reply decoded and reports a failure.
    pub fn api_code(&self) -> Option<ErrorCode> {
        self.api_error().map(ApiError::code)
    }

    /// The whole-request failure the reply reports (code, `ErrorInfo`, the envelope).
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Why the body is not a request or reply of the command.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match self {
            Self::Decode(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the body ended early (a truncated body), as [`ReplyError::is_truncated`]. A
    /// logged body is complete JSON (its line was read whole; a cut line is a
    /// [`LogLineError`]), so for a record this is false.
    pub fn is_truncated(&self) -> bool {
        self.decode_error().is_some_and(DecodeError::is_truncated)
    }
}

impl From<ReplyError> for RecordError {
    fn from(e: ReplyError) -> Self {
        match e {
            ReplyError::Decode(e) => Self::Decode(e),
            ReplyError::Api(e) => Self::Api(e),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongEndpoint {
                expected,
                found: Some(found),
            } => write!(f, "the record is a {found} record, not {expected}"),
            Self::WrongEndpoint {
                expected,
                found: None,
            } => write!(
                f,
                "the record is for an endpoint outside the catalogue, not {expected}"
            ),
            Self::NoRequest { endpoint } => {
                write!(f, "the record has no {endpoint} request")
            }
            Self::NoReply { endpoint } => write!(f, "the record has no {endpoint} reply"),
            Self::Decode(_) => f.write_str("the record's body cannot be decoded"),
            Self::Api(_) => f.write_str("the reply reports a failure"),
        }
    }
}

impl StdError for RecordError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Decode(e) => Some(e),
            Self::Api(e) => Some(e),
            Self::WrongEndpoint { .. } | Self::NoRequest { .. } | Self::NoReply { .. } => None,
        }
    }
}
