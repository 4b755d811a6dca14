//! [`CallbackResponse`]: the app's reply to a callback.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::envelope::ActionStatus;
use crate::error::DecodeError;
use crate::error_code::ErrorCode;
use crate::serde_util::from_json;
use crate::sns::ResultItem;

/// The `ResultCode`s (and top-level `ErrorCode`s) that refuse an item of
/// `Sns.CallbackPrevFriendAdd`: 38000 to 39000, both included. 0 allows it.
pub const REFUSAL_CODES: RangeInclusive<i64> = 38_000..=39_000;

/// The app's reply to a callback: `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, plus
/// `ResultItem` for a before-callback.
///
/// `ErrorCode` 0 means the app processed the callback, 1 that it failed. Tencent ignores the
/// reply of an after-callback; for `Sns.CallbackPrevFriendAdd` it reads `ResultItem`: per
/// account, `ResultCode` 0 allows the add and a code in [`REFUSAL_CODES`] refuses it (a non-zero
/// top-level `ErrorCode` is ignored by default). This type does not check codes; the
/// `tencent-im-webhook` crate's reply builders do.
///
/// ```
/// use tencent_im_protocol::callback::CallbackResponse;
/// use tencent_im_protocol::sns::ResultItem;
/// use tencent_im_protocol::ErrorCode;
///
/// let reply = CallbackResponse::ok().with_results(vec![
///     ResultItem::new("id1", ErrorCode::OK, ""),
///     ResultItem::new("id2", ErrorCode::new(38001), "not allowed"),
/// ]);
/// let json = serde_json::to_string(&reply).unwrap();
/// assert!(json.starts_with(r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ResultItem":[{"To_Account":"id1""#));
/// assert_eq!(CallbackResponse::decode(json.as_bytes()).unwrap(), reply);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackResponse {
    /// `ActionStatus`: `OK` or `FAIL`.
    #[serde(rename = "ActionStatus")]
    pub action_status: ActionStatus,
    /// `ErrorCode`: 0 when the app processed the callback.
    #[serde(rename = "ErrorCode")]
    pub error_code: ErrorCode,
    /// `ErrorInfo`: the app's text, empty on success.
    #[serde(rename = "ErrorInfo", default)]
    pub error_info: String,
    /// `ResultItem`: the per-account decisions of a before-callback; left out otherwise.
    #[serde(
        rename = "ResultItem",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_items: Option<Vec<ResultItem>>,
}

impl CallbackResponse {
    /// `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`.
    pub fn ok() -> Self {
        Self {
            action_status: ActionStatus::Ok,
            error_code: ErrorCode::OK,
            error_info: String::new(),
            result_items: None,
        }
    }

    /// `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":info}`: the app failed to process the
    /// callback.
    pub fn fail(info: impl Into<String>) -> Self {
        Self {
            action_status: ActionStatus::Fail,
            error_code: ErrorCode::new(1),
            error_info: info.into(),
            result_items: None,
        }
    }

    /// Adds `ResultItem` (the reply of a before-callback).
    #[must_use]
    pub fn with_results(mut self, items: Vec<ResultItem>) -> Self {
        self.result_items = Some(items);
        self
    }

    /// Whether this reply acknowledges the callback: `OK` and `ErrorCode` 0.
    pub fn is_ok(&self) -> bool {
        self.action_status.is_ok() && self.error_code.is_ok()
    }

    /// Decodes a reply body.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] if the body is not such a reply. Never panics.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        from_json(body).map_err(|e| DecodeError::new("callback reply", e))
    }

    /// The reply as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing this type cannot fail (string keys, plain values).
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl Default for CallbackResponse {
    fn default() -> Self {
        Self::ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_fail_are_the_documented_bodies() {
        assert_eq!(
            CallbackResponse::ok().to_json(),
            br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#
        );
        assert_eq!(
            CallbackResponse::fail("db down").to_json(),
            br#"{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"db down"}"#
        );
        assert!(CallbackResponse::ok().is_ok());
        assert!(!CallbackResponse::fail("").is_ok());
    }

    #[test]
    fn decodes_replies_tolerantly() {
        let r = CallbackResponse::decode(br#"{"ErrorCode":0,"ActionStatus":"OK","X":1}"#).unwrap();
        assert!(r.is_ok());
        assert_eq!(r.result_items, None);
        assert!(CallbackResponse::decode(br#"{"ActionStatus":"OK"}"#).is_err());
        assert!(REFUSAL_CODES.contains(&38_000) && REFUSAL_CODES.contains(&39_000));
        assert!(!REFUSAL_CODES.contains(&37_999) && !REFUSAL_CODES.contains(&39_001));
    }
}
