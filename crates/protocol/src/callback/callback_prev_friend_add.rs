//! `Sns.CallbackPrevFriendAdd`: before a client-initiated friend request is processed
//! ("Callback Before a Friend Is Added", intl 1047/43468, CN 269/61698).

use serde::{Deserialize, Serialize};

use super::CallbackCommand;
use crate::serde_util::{null_as_default, tolerant_enum};
use crate::sns::AddType;

/// The body of `Sns.CallbackPrevFriendAdd`, sent before Tencent processes a friend request made
/// on a client (REST adds never trigger it).
///
/// Tencent waits up to 2 s for the reply, whose `ResultItem` allows (`ResultCode` 0) or refuses
/// (a code in 38000–39000) each item: see [`CallbackResponse`](super::CallbackResponse).
///
/// ```
/// use tencent_im_protocol::callback::{CallbackAddType, CallbackPrevFriendAdd};
///
/// let body: CallbackPrevFriendAdd = serde_json::from_str(r#"{
///     "CallbackCommand": "Sns.CallbackPrevFriendAdd",
///     "Requester_Account": "id", "From_Account": "id",
///     "FriendItem": [{"To_Account": "id1", "Remark": "remark1", "GroupName": "group1",
///                     "AddSource": "AddSource_Type_Android", "AddWording": "this is id1!"}],
///     "AddType": "Add_Type_Both", "ForceAddFlags": 0, "EventTime": 1631777344870
/// }"#).unwrap();
/// assert_eq!(body.items[0].to_account, "id1");
/// assert_eq!(body.add_type, Some(CallbackAddType::Both));
/// assert_eq!(body.event_time_ms, 1_631_777_344_870);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackPrevFriendAdd {
    /// `CallbackCommand`: `Sns.CallbackPrevFriendAdd`.
    #[serde(rename = "CallbackCommand", default = "command")]
    pub callback_command: CallbackCommand,
    /// `Requester_Account`: the account that made the request.
    #[serde(rename = "Requester_Account", default)]
    pub requester_account: String,
    /// `From_Account`: the account that wants to add friends.
    #[serde(rename = "From_Account", default)]
    pub from_account: String,
    /// `FriendItem`: one entry per account to add.
    #[serde(rename = "FriendItem", default, deserialize_with = "null_as_default")]
    pub items: Vec<PrevFriendAddItem>,
    /// `AddType`: one-way or two-way; `None` if Tencent left it out (two-way is the default).
    #[serde(rename = "AddType", default, skip_serializing_if = "Option::is_none")]
    pub add_type: Option<CallbackAddType>,
    /// `ForceAddFlags`: 1 for a forced add, 0 for a normal one.
    #[serde(rename = "ForceAddFlags", default)]
    pub force_add_flags: u32,
    /// `EventTime`: when the request was made, in Unix milliseconds.
    #[serde(rename = "EventTime", default)]
    pub event_time_ms: u64,
}

fn command() -> CallbackCommand {
    CallbackCommand::PrevFriendAdd
}

impl CallbackPrevFriendAdd {
    /// A body for a request of `requester` adding `items` to `from`'s friends.
    pub fn new(
        requester: impl Into<String>,
        from: impl Into<String>,
        items: Vec<PrevFriendAddItem>,
        event_time_ms: u64,
    ) -> Self {
        Self {
            callback_command: command(),
            requester_account: requester.into(),
            from_account: from.into(),
            items,
            add_type: Some(CallbackAddType::Both),
            force_add_flags: 0,
            event_time_ms,
        }
    }

    /// Whether the add is forced (`ForceAddFlags` is not 0).
    pub fn is_forced(&self) -> bool {
        self.force_add_flags != 0
    }

    /// The add type as the REST API's [`AddType`]: two-way when absent, `None` for an
    /// undocumented value.
    pub fn add_type(&self) -> Option<AddType> {
        match &self.add_type {
            None | Some(CallbackAddType::Both) => Some(AddType::Both),
            Some(CallbackAddType::Single) => Some(AddType::Single),
            Some(CallbackAddType::Other(_)) => None,
        }
    }
}

tolerant_enum! {
    /// `AddType` as a callback carries it: an undocumented value is kept rather than failing
    /// the whole body.
    pub enum CallbackAddType {
        /// `Add_Type_Single`: one-way.
        Single = "Add_Type_Single",
        /// `Add_Type_Both`: two-way.
        Both = "Add_Type_Both",
    }
}

/// One entry of `FriendItem`: an account `From_Account` asks to add, with the fields of the
/// request (empty when not sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrevFriendAddItem {
    /// `To_Account`: the account to add.
    #[serde(rename = "To_Account", default)]
    pub to_account: String,
    /// `Remark`: `From_Account`'s remark for it.
    #[serde(rename = "Remark", default)]
    pub remark: String,
    /// `GroupName`: the friend group `From_Account` puts it in.
    #[serde(rename = "GroupName", default)]
    pub group_name: String,
    /// `AddSource`: where the request comes from, e.g. `AddSource_Type_Android`.
    #[serde(rename = "AddSource", default)]
    pub add_source: String,
    /// `AddWording`: the request message.
    #[serde(rename = "AddWording", default)]
    pub add_wording: String,
}

impl PrevFriendAddItem {
    /// An item asking to add `to_account`, from `add_source`.
    pub fn new(to_account: impl Into<String>, add_source: impl Into<String>) -> Self {
        Self {
            to_account: to_account.into(),
            remark: String::new(),
            group_name: String::new(),
            add_source: add_source.into(),
            add_wording: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_sample_with_two_items() {
        let body: CallbackPrevFriendAdd = serde_json::from_str(
            r#"{"CallbackCommand":"Sns.CallbackPrevFriendAdd","Requester_Account":"id",
                "From_Account":"id","FriendItem":[
                {"To_Account":"id1","Remark":"remark1","GroupName":"group1",
                 "AddSource":"AddSource_Type_Android","AddWording":"this is id1!"},
                {"To_Account":"id2","Remark":"remark2","GroupName":"group1",
                 "AddSource":"AddSource_Type_Android","AddWording":"this is id2!"}],
                "AddType":"Add_Type_Both","ForceAddFlags":0,"EventTime":1631777344870}"#,
        )
        .unwrap();
        assert_eq!(body.items.len(), 2);
        assert_eq!(body.items[1].add_wording, "this is id2!");
        assert_eq!(body.add_type(), Some(AddType::Both));
        assert!(!body.is_forced());
    }

    #[test]
    fn odd_add_type_is_kept_and_missing_fields_default() {
        let body: CallbackPrevFriendAdd =
            serde_json::from_str(r#"{"AddType":"Add_Type_Maybe","FriendItem":[{}]}"#).unwrap();
        assert_eq!(
            body.add_type,
            Some(CallbackAddType::Other("Add_Type_Maybe".into()))
        );
        assert_eq!(body.add_type(), None);
        assert_eq!(body.items[0].to_account, "");
        let body: CallbackPrevFriendAdd = serde_json::from_str("{}").unwrap();
        assert_eq!(body.add_type(), Some(AddType::Both));
    }
}
