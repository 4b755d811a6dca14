//! `v4/sns/friend_get`: page through the friend list of one account (Tencent Cloud Chat docs:
//! "Pulling Friends", <https://www.tencentcloud.com/document/product/1047/34908>).
//!
//! Each page carries every standard and custom friend field of its friends (no profile
//! fields). A page is complete when `CompleteFlag` is non-zero; otherwise the next request starts
//! at `NextStartIndex`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::command::Command;
use crate::endpoint::Endpoint;
use crate::error::ValidationError;
use crate::serde_util::null_as_default;
use crate::validate;

/// `Tag_SNS_IM_Group`: the friend groups a friend is in, an array of strings.
pub const TAG_GROUP: &str = "Tag_SNS_IM_Group";
/// `Tag_SNS_IM_Remark`: the remark for a friend, a string.
pub const TAG_REMARK: &str = "Tag_SNS_IM_Remark";
/// `Tag_SNS_IM_AddSource`: where the friend request came from, `AddSource_Type_...`.
pub const TAG_ADD_SOURCE: &str = "Tag_SNS_IM_AddSource";
/// `Tag_SNS_IM_AddWording`: the friend request's message, a string.
pub const TAG_ADD_WORDING: &str = "Tag_SNS_IM_AddWording";
/// `Tag_SNS_IM_AddTime`: when the friendship was formed, Unix seconds.
pub const TAG_ADD_TIME: &str = "Tag_SNS_IM_AddTime";
/// The prefix of every custom friend field's tag.
pub const CUSTOM_FRIEND_TAG_PREFIX: &str = "Tag_SNS_Custom_";

/// The `friend_get` request body.
///
/// `From_Account` and `StartIndex` are required by [`FriendGet::new`]; `StandardSequence` and
/// `CustomSequence` (the values of the previous page, so that unchanged data is not sent again)
/// are optional and left out of the JSON when not set.
///
/// ```
/// use tencent_im_protocol::sns::FriendGet;
/// use tencent_im_protocol::Command;
///
/// let req = FriendGet::new("alice", 0);
/// assert_eq!(req.encode().unwrap(), br#"{"From_Account":"alice","StartIndex":0}"#);
///
/// let reply = FriendGet::decode_reply(
///     br#"{"UserDataItem":[{"To_Account":"bob","ValueItem":[]}],"StandardSequence":3,
///          "CustomSequence":1,"FriendNum":2,"CompleteFlag":0,"NextStartIndex":1,
///          "ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#,
/// )
/// .unwrap();
/// let next = reply.body.next_page(&req).unwrap();
/// assert_eq!(
///     next.encode().unwrap(),
///     br#"{"From_Account":"alice","StartIndex":1,"StandardSequence":3,"CustomSequence":1}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendGet {
    /// `From_Account`: the account whose friends are listed.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `StartIndex`: where the page starts; 0 for the first page, then the previous reply's
    /// `NextStartIndex`.
    #[serde(rename = "StartIndex")]
    pub start_index: u64,
    /// `StandardSequence`: the previous reply's `StandardSequence`; if it is still current,
    /// standard friend fields are not sent.
    #[serde(
        rename = "StandardSequence",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub standard_sequence: Option<u64>,
    /// `CustomSequence`: the previous reply's `CustomSequence`; if it is still current, custom
    /// friend fields are not sent.
    #[serde(
        rename = "CustomSequence",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_sequence: Option<u64>,
}

impl FriendGet {
    /// A request for the page of `from_account`'s friends starting at `start_index`.
    pub fn new(from_account: impl Into<String>, start_index: u64) -> Self {
        Self {
            from_account: from_account.into(),
            start_index,
            standard_sequence: None,
            custom_sequence: None,
        }
    }

    /// Sets `StandardSequence`.
    #[must_use]
    pub fn standard_sequence(mut self, sequence: u64) -> Self {
        self.standard_sequence = Some(sequence);
        self
    }

    /// Sets `CustomSequence`.
    #[must_use]
    pub fn custom_sequence(mut self, sequence: u64) -> Self {
        self.custom_sequence = Some(sequence);
        self
    }
}

impl Command for FriendGet {
    const ENDPOINT: Endpoint = Endpoint::FriendGet;
    type Response = FriendGetResponse;

    /// Checks `From_Account` (1 to 32 bytes); the integers cannot break a documented limit.
    fn validate(&self) -> Result<(), ValidationError> {
        validate::account(&self.from_account, || "From_Account".to_owned())
    }
}

/// The command-specific fields of a `friend_get` reply. Missing or `null` fields read as empty
/// or 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendGetResponse {
    /// `UserDataItem`: the friends of this page.
    #[serde(rename = "UserDataItem", default, deserialize_with = "null_as_default")]
    pub user_data_items: Vec<UserDataItem>,
    /// `StandardSequence`: the version of the standard friend fields; send it with the next
    /// request.
    #[serde(
        rename = "StandardSequence",
        default,
        deserialize_with = "null_as_default"
    )]
    pub standard_sequence: u64,
    /// `CustomSequence`: the version of the custom friend fields; send it with the next request.
    #[serde(
        rename = "CustomSequence",
        default,
        deserialize_with = "null_as_default"
    )]
    pub custom_sequence: u64,
    /// `FriendNum`: the number of friends in the whole list.
    #[serde(rename = "FriendNum", default, deserialize_with = "null_as_default")]
    pub friend_num: u64,
    /// `CompleteFlag`: non-zero once the whole list has been sent.
    #[serde(rename = "CompleteFlag", default, deserialize_with = "null_as_default")]
    pub complete_flag: u64,
    /// `NextStartIndex`: where the next page starts.
    #[serde(
        rename = "NextStartIndex",
        default,
        deserialize_with = "null_as_default"
    )]
    pub next_start_index: u64,
}

impl FriendGetResponse {
    /// Whether this was the last page (`CompleteFlag` is non-zero).
    pub fn is_complete(&self) -> bool {
        self.complete_flag != 0
    }

    /// The request for the next page, or `None` after the last page: `StartIndex` is this
    /// reply's `NextStartIndex`, and both sequences are this reply's.
    pub fn next_page(&self, request: &FriendGet) -> Option<FriendGet> {
        if self.is_complete() {
            return None;
        }
        Some(
            FriendGet::new(request.from_account.clone(), self.next_start_index)
                .standard_sequence(self.standard_sequence)
                .custom_sequence(self.custom_sequence),
        )
    }
}

/// One friend (`UserDataItem[]`): its UserID and its friend fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserDataItem {
    /// `To_Account`: the friend.
    #[serde(rename = "To_Account")]
    pub to_account: String,
    /// `ValueItem`: the friend fields.
    #[serde(rename = "ValueItem", default, deserialize_with = "null_as_default")]
    pub values: Vec<ValueItem>,
}

impl UserDataItem {
    /// A friend with these fields.
    pub fn new(to_account: impl Into<String>, values: Vec<ValueItem>) -> Self {
        Self {
            to_account: to_account.into(),
            values,
        }
    }

    /// The value of the first field with `tag`.
    pub fn value(&self, tag: &str) -> Option<&Value> {
        self.values.iter().find(|v| v.tag == tag).map(|v| &v.value)
    }

    /// `Tag_SNS_IM_Remark`, if set.
    pub fn remark(&self) -> Option<&str> {
        self.value(TAG_REMARK).and_then(Value::as_str)
    }

    /// `Tag_SNS_IM_AddSource`, if set.
    pub fn add_source(&self) -> Option<&str> {
        self.value(TAG_ADD_SOURCE).and_then(Value::as_str)
    }

    /// `Tag_SNS_IM_AddTime` (Unix seconds), if set.
    pub fn add_time(&self) -> Option<u64> {
        self.value(TAG_ADD_TIME).and_then(Value::as_u64)
    }

    /// `Tag_SNS_IM_Group`: the friend groups; empty if unset. Non-string entries are skipped.
    pub fn groups(&self) -> Vec<&str> {
        self.value(TAG_GROUP)
            .and_then(Value::as_array)
            .map(|groups| groups.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

/// One friend field (`ValueItem[]`): a tag and its value (a string, an integer or, for
/// `Tag_SNS_IM_Group`, an array of strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValueItem {
    /// `Tag`: the field's name, e.g. `Tag_SNS_IM_Remark`.
    #[serde(rename = "Tag")]
    pub tag: String,
    /// `Value`: the field's value.
    #[serde(rename = "Value")]
    pub value: Value,
}

impl ValueItem {
    /// A field with `tag` and `value`.
    pub fn new(tag: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            tag: tag.into(),
            value: value.into(),
        }
    }
}
