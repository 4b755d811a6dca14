//! Replies: [`CallbackReply`] (OK or failure), and [`PrevFriendAddReply`], which allows or refuses
//! each item of a before-callback.

use tencent_im_protocol::ErrorCode;
use tencent_im_protocol::callback::{
    CallbackEvent, CallbackPrevFriendAdd, CallbackResponse, PrevFriendAddItem, REFUSAL_CODES,
};
use tencent_im_protocol::sns::ResultItem;

use crate::error::InvalidRefusalCode;

/// The `Content-Type` of a reply.
pub const CONTENT_TYPE: &str = "application/json";

/// A reply to a callback, ready to send with HTTP 200.
///
/// ```
/// use tencent_im_webhook::CallbackReply;
///
/// assert_eq!(CallbackReply::ok().to_json(), br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#);
/// assert_eq!(
///     CallbackReply::failure("database down").to_json(),
///     br#"{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"database down"}"#
/// );
/// let response = CallbackReply::ok().into_http();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackReply(CallbackResponse);

impl CallbackReply {
    /// `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`: the callback was processed.
    pub fn ok() -> Self {
        Self(CallbackResponse::ok())
    }

    /// `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":info}`: the app failed to process the
    /// callback. Tencent ignores it for an after-callback (no retry is documented) and, by
    /// default, for a before-callback too (the items go through): refuse items with
    /// [`PrevFriendAddReply`] instead.
    pub fn failure(info: impl Into<String>) -> Self {
        Self(CallbackResponse::fail(info))
    }

    /// The plain acknowledgement of `event`: OK, and for `Sns.CallbackPrevFriendAdd` every
    /// item allowed (what Tencent does anyway when the app does not answer in time).
    pub fn ack(event: &CallbackEvent) -> Self {
        match event {
            CallbackEvent::PrevFriendAdd(request) => PrevFriendAddReply::allow_all(request).into(),
            _ => Self::ok(),
        }
    }

    /// The reply's fields.
    pub fn response(&self) -> &CallbackResponse {
        &self.0
    }

    /// The reply's fields, by value.
    pub fn into_response(self) -> CallbackResponse {
        self.0
    }

    /// The body, as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        self.0.to_json()
    }

    /// An HTTP 200 response with this body and `Content-Type: application/json`; map its body
    /// into your framework's type.
    pub fn into_http(self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.to_json());
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(CONTENT_TYPE),
        );
        response
    }
}

impl From<CallbackResponse> for CallbackReply {
    fn from(response: CallbackResponse) -> Self {
        Self(response)
    }
}

/// A `ResultCode` that refuses an item of `Sns.CallbackPrevFriendAdd`: 38000 to 39000.
///
/// ```
/// use tencent_im_webhook::RefusalCode;
///
/// assert_eq!(RefusalCode::new(38_001)?.get(), 38_001);
/// assert!(RefusalCode::new(30_001).is_err());
/// assert!(RefusalCode::new(39_001).is_err());
/// # Ok::<(), tencent_im_webhook::InvalidRefusalCode>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefusalCode(i64);

impl RefusalCode {
    /// 38000, the lowest refusal code.
    pub const MIN: Self = Self(*REFUSAL_CODES.start());
    /// 39000, the highest refusal code.
    pub const MAX: Self = Self(*REFUSAL_CODES.end());

    /// A refusal code.
    ///
    /// # Errors
    ///
    /// [`InvalidRefusalCode`] outside 38000–39000.
    pub fn new(code: i64) -> Result<Self, InvalidRefusalCode> {
        if REFUSAL_CODES.contains(&code) {
            Ok(Self(code))
        } else {
            Err(InvalidRefusalCode { code })
        }
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl Default for RefusalCode {
    fn default() -> Self {
        Self::MIN
    }
}

/// What to do with one item of `Sns.CallbackPrevFriendAdd`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Let the add through (`ResultCode` 0).
    Allow,
    /// Refuse it with a code in 38000–39000 and a text.
    Refuse(RefusalCode, String),
}

impl Decision {
    /// Refuse with `code` and `info`.
    pub fn refuse(code: RefusalCode, info: impl Into<String>) -> Self {
        Self::Refuse(code, info.into())
    }
}

/// The reply to `Sns.CallbackPrevFriendAdd`: one `ResultItem` per account, allowing it
/// (`ResultCode` 0) or refusing it (a [`RefusalCode`]).
///
/// ```
/// use tencent_im_webhook::{Decision, PrevFriendAddReply, RefusalCode, CallbackReply};
/// use tencent_im_webhook::callback::{CallbackPrevFriendAdd, PrevFriendAddItem};
///
/// let request = CallbackPrevFriendAdd::new(
///     "alice",
///     "alice",
///     vec![
///         PrevFriendAddItem::new("bob", "AddSource_Type_Web"),
///         PrevFriendAddItem::new("mallory", "AddSource_Type_Web"),
///     ],
///     1_700_000_000_000,
/// );
/// let reply: CallbackReply = PrevFriendAddReply::decide(&request, |item| {
///     if item.to_account == "mallory" {
///         Decision::refuse(RefusalCode::new(38_001).unwrap(), "blocked by policy")
///     } else {
///         Decision::Allow
///     }
/// })
/// .into();
/// assert_eq!(
///     String::from_utf8(reply.to_json()).unwrap(),
///     r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ResultItem":[{"To_Account":"bob","ResultCode":0,"ResultInfo":""},{"To_Account":"mallory","ResultCode":38001,"ResultInfo":"blocked by policy"}]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrevFriendAddReply {
    items: Vec<ResultItem>,
}

impl PrevFriendAddReply {
    /// A reply without items yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows `to_account`.
    #[must_use]
    pub fn allow(mut self, to_account: impl Into<String>) -> Self {
        self.items
            .push(ResultItem::new(to_account, ErrorCode::OK, ""));
        self
    }

    /// Refuses `to_account` with `code` and `info`.
    #[must_use]
    pub fn refuse(
        mut self,
        to_account: impl Into<String>,
        code: RefusalCode,
        info: impl Into<String>,
    ) -> Self {
        self.items.push(ResultItem::new(
            to_account,
            ErrorCode::new(code.get()),
            info,
        ));
        self
    }

    /// Allows every item of `request`.
    pub fn allow_all(request: &CallbackPrevFriendAdd) -> Self {
        Self::decide(request, |_| Decision::Allow)
    }

    /// One decision per item of `request`, in its order.
    pub fn decide(
        request: &CallbackPrevFriendAdd,
        mut decide: impl FnMut(&PrevFriendAddItem) -> Decision,
    ) -> Self {
        request
            .items
            .iter()
            .fold(Self::new(), |reply, item| match decide(item) {
                Decision::Allow => reply.allow(item.to_account.clone()),
                Decision::Refuse(code, info) => reply.refuse(item.to_account.clone(), code, info),
            })
    }

    /// The items so far.
    pub fn items(&self) -> &[ResultItem] {
        &self.items
    }
}

impl From<PrevFriendAddReply> for CallbackReply {
    fn from(reply: PrevFriendAddReply) -> Self {
        Self(CallbackResponse::ok().with_results(reply.items))
    }
}
