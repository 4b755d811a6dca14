//! The protocol layer's errors: a request that breaks a limit, a body that cannot be decoded, and
//! a reply that reports a whole-request failure.

use std::error::Error as StdError;
use std::fmt;

use crate::endpoint::Endpoint;
use crate::envelope::Envelope;
use crate::error_code::{ErrorClass, ErrorCode};

/// A request field that breaks one of the limits checked before anything is sent (the limits of
/// each command's Tencent Cloud Chat page, e.g. "Adding Friends").
///
/// It names the field by its wire path (e.g. `AddFriendItem[3].Remark`), the limit and what was
/// found. Byte limits count bytes of UTF-8, not characters.
///
/// ```
/// use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
/// use tencent_im_protocol::Command;
///
/// let item = AddFriendItem::new("bob", "AddSource_Type_Web").remark("备注".repeat(17));
/// let err = FriendAdd::new("alice", vec![item]).validate().unwrap_err();
/// assert_eq!(err.field(), "AddFriendItem[0].Remark");
/// assert_eq!(
///     err.to_string(),
///     "AddFriendItem[0].Remark is 102 bytes long, over the limit of 96 bytes"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationError {
    field: String,
    violation: Violation,
}

/// How a field breaks its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// The field is empty but must not be.
    Empty,
    /// The field is longer than its limit, in bytes of UTF-8.
    TooLong {
        /// The largest allowed length in bytes.
        limit: usize,
        /// The actual length in bytes.
        actual: usize,
    },
    /// The list has more items than one request may carry.
    TooManyItems {
        /// The largest allowed number of items.
        limit: usize,
        /// The actual number of items.
        actual: usize,
    },
    /// The value does not have the required format.
    Format {
        /// The format the value must have.
        expected: &'static str,
    },
    /// The same value appears twice in one list.
    Duplicate {
        /// The wire path of the first occurrence.
        first: String,
    },
}

impl ValidationError {
    /// Creates an error for the field at `field` (a wire path).
    pub fn new(field: impl Into<String>, violation: Violation) -> Self {
        Self {
            field: field.into(),
            violation,
        }
    }

    /// The wire path of the offending field, e.g. `AddFriendItem[3].Remark`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// How the field breaks its limit.
    pub fn violation(&self) -> &Violation {
        &self.violation
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.violation {
            Violation::Empty => write!(f, "{field} is empty"),
            Violation::TooLong { limit, actual } => write!(
                f,
                "{field} is {actual} bytes long, over the limit of {limit} bytes"
            ),
            Violation::TooManyItems { limit, actual } => write!(
                f,
                "{field} has {actual} items, over the limit of {limit} per request"
            ),
            Violation::Format { expected } => write!(f, "{field} must be {expected}"),
            Violation::Duplicate { first } => write!(f, "{field} repeats {first}"),
        }
    }
}

impl StdError for ValidationError {}

/// A body that could not be decoded as the expected JSON.
///
/// Its source is the JSON parser's error; the message carries the line and column.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    what: &'static str,
    endpoint: Option<Endpoint>,
    source: serde_json::Error,
}

impl DecodeError {
    pub(crate) fn new(what: &'static str, source: serde_json::Error) -> Self {
        Self {
            what,
            endpoint: None,
            source,
        }
    }

    pub(crate) fn for_endpoint(
        endpoint: Endpoint,
        what: &'static str,
        source: serde_json::Error,
    ) -> Self {
        Self {
            what,
            endpoint: Some(endpoint),
            source,
        }
    }

    /// What was being decoded, e.g. `"reply envelope"` or `"reply"`.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The endpoint whose request or reply was being decoded, when known.
    pub fn endpoint(&self) -> Option<Endpoint> {
        self.endpoint
    }

    /// The line (1-based) at which decoding failed.
    pub fn line(&self) -> usize {
        self.source.line()
    }

    /// The column (1-based) at which decoding failed.
    pub fn column(&self) -> usize {
        self.source.column()
    }

    /// Whether the body ended early (a truncated body).
    pub fn is_truncated(&self) -> bool {
        self.source.is_eof()
    }

    /// Whether the body is not JSON at all (rather than JSON of the wrong shape).
    pub fn is_syntax(&self) -> bool {
        self.source.is_syntax() || self.source.is_eof()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.endpoint {
            Some(endpoint) => write!(f, "cannot decode the {endpoint} {}", self.what),
            None => write!(f, "cannot decode the {}", self.what),
        }
    }
}

impl StdError for DecodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// A reply whose envelope reports a whole-request failure (`ActionStatus` `FAIL` or a non-zero
/// `ErrorCode`).
///
/// Per-item failures inside a successful reply are data in the reply, not this error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    envelope: Envelope,
}

impl ApiError {
    /// Wraps a failed envelope.
    pub fn new(envelope: Envelope) -> Self {
        Self { envelope }
    }

    /// The code Tencent returned.
    pub fn code(&self) -> ErrorCode {
        self.envelope.error_code
    }

    /// The retry class of the code.
    pub fn class(&self) -> ErrorClass {
        self.envelope.error_code.class()
    }

    /// Whether the default policy retries this failure.
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }

    /// Tencent's `ErrorInfo` text.
    pub fn info(&self) -> &str {
        &self.envelope.error_info
    }

    /// The whole envelope, with `ActionStatus` and `ErrorDisplay`.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        write!(f, "request failed with code {code}")?;
        if let Some(desc) = code.description() {
            write!(f, " ({desc})")?;
        }
        if !self.info().is_empty() {
            write!(f, ": {}", self.info())?;
        }
        Ok(())
    }
}

impl StdError for ApiError {}

/// Why a reply body did not yield a response.
///
/// It answers the same questions as the log's [`RecordError`](crate::log::RecordError), with
/// the same methods: [`api_code`](Self::api_code), [`api_error`](Self::api_error),
/// [`decode_error`](Self::decode_error) and [`is_truncated`](Self::is_truncated).
///
/// ```
/// use tencent_im_protocol::sns::FriendAdd;
/// use tencent_im_protocol::{Command, ErrorCode};
///
/// let body = br#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"sig expired"}"#;
/// let err = FriendAdd::decode_reply(body).unwrap_err();
/// assert_eq!(err.api_code(), Some(ErrorCode::SIG_EXPIRED));
/// assert_eq!(err.api_error().map(|e| e.info()), Some("sig expired"));
/// assert!(err.decode_error().is_none());
///
/// let err = FriendAdd::decode_reply(br#"{"ActionStatus":"OK","Error"#).unwrap_err();
/// assert_eq!(err.api_code(), None);
/// assert!(err.decode_error().is_some() && err.is_truncated());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The body is not a Tencent reply of the expected shape.
    #[error("the reply is not a valid Tencent IM reply")]
    Decode(#[from] DecodeError),
    /// The reply reports a whole-request failure.
    #[error("the reply reports a failure")]
    Api(#[from] ApiError),
}

impl ReplyError {
    /// Tencent's whole-request error code, if the reply decoded and reports a failure.
    pub fn api_code(&self) -> Option<ErrorCode> {
        self.api_error().map(ApiError::code)
    }

    /// The whole-request failure the reply reports (code, `ErrorInfo`, the envelope).
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            Self::Decode(_) => None,
        }
    }

    /// Why the body is not a reply of the command.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match self {
            Self::Decode(e) => Some(e),
            Self::Api(_) => None,
        }
    }

    /// Whether the body ended early (a truncated body).
    pub fn is_truncated(&self) -> bool {
        self.decode_error().is_some_and(DecodeError::is_truncated)
    }
}
