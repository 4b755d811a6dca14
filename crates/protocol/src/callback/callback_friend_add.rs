//! `Sns.CallbackFriendAdd`: after friends were added ("Callback After a Friend Is
//! Added", intl 1047/34359, CN 269/1657).

use serde::{Deserialize, Serialize};

use super::{CallbackCommand, ClientCmd};
use crate::serde_util::null_as_default;

/// The body of `Sns.CallbackFriendAdd`, sent after a friendship was written.
///
/// It fires after a REST one-way add, a REST two-way add to a target that accepts anyone
/// (`AllowType_Type_AllowAny`), a REST force add, and a client add or accepted request; never
/// for `friend_import`, and not for a request left pending. Tencent ignores the reply.
///
/// ```
/// use tencent_im_protocol::callback::{CallbackFriendAdd, ClientCmd, FriendAddPair};
///
/// let body = CallbackFriendAdd::new(
///     vec![FriendAddPair::new("alice", "bob", "alice")],
///     ClientCmd::FriendAdd,
///     "administrator",
///     false,
/// );
/// let json = serde_json::to_string(&body).unwrap();
/// assert_eq!(
///     json,
///     r#"{"CallbackCommand":"Sns.CallbackFriendAdd","PairList":[{"From_Account":"alice","To_Account":"bob","Initiator_Account":"alice"}],"ClientCmd":"friend_add","Admin_Account":"administrator","ForceFlag":0}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackFriendAdd {
    /// `CallbackCommand`: `Sns.CallbackFriendAdd`.
    #[serde(rename = "CallbackCommand", default = "command")]
    pub callback_command: CallbackCommand,
    /// `PairList`: one entry per friendship written.
    #[serde(rename = "PairList", default, deserialize_with = "null_as_default")]
    pub pairs: Vec<FriendAddPair>,
    /// `ClientCmd`: a friend request (`friend_add`, `FriendAdd`) or an accepted one
    /// (`friend_response`, `FriendResponse`); `None` if Tencent left it out.
    #[serde(rename = "ClientCmd", default, skip_serializing_if = "Option::is_none")]
    pub client_cmd: Option<ClientCmd>,
    /// `Admin_Account`: the admin account when the app's backend initiated the add (REST),
    /// empty otherwise.
    #[serde(rename = "Admin_Account", default)]
    pub admin_account: String,
    /// `ForceFlag`: 1 when the admin forced the add, 0 for a normal add.
    #[serde(rename = "ForceFlag", default)]
    pub force_flag: u32,
}

fn command() -> CallbackCommand {
    CallbackCommand::FriendAdd
}

impl CallbackFriendAdd {
    /// A body for these pairs.
    pub fn new(
        pairs: Vec<FriendAddPair>,
        client_cmd: ClientCmd,
        admin_account: impl Into<String>,
        forced: bool,
    ) -> Self {
        Self {
            callback_command: command(),
            pairs,
            client_cmd: Some(client_cmd),
            admin_account: admin_account.into(),
            force_flag: u32::from(forced),
        }
    }

    /// Whether the admin forced the add (`ForceFlag` is not 0).
    pub fn is_forced(&self) -> bool {
        self.force_flag != 0
    }

    /// Whether the app's backend initiated the add (`Admin_Account` is set).
    pub fn is_admin_initiated(&self) -> bool {
        !self.admin_account.is_empty()
    }
}

/// One entry of `PairList`: `To_Account` was added to `From_Account`'s friend list, in a
/// request of `Initiator_Account`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendAddPair {
    /// `From_Account`: the account whose friend list got `To_Account`.
    #[serde(rename = "From_Account", default)]
    pub from_account: String,
    /// `To_Account`: the account added to that list.
    #[serde(rename = "To_Account", default)]
    pub to_account: String,
    /// `Initiator_Account`: the account that sent the friend request.
    #[serde(rename = "Initiator_Account", default)]
    pub initiator_account: String,
}

impl FriendAddPair {
    /// A pair: `to` in `from`'s list, requested by `initiator`.
    pub fn new(
        from: impl Into<String>,
        to: impl Into<String>,
        initiator: impl Into<String>,
    ) -> Self {
        Self {
            from_account: from.into(),
            to_account: to.into(),
            initiator_account: initiator.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample of the documentation page (intl 1047/34359).
    const SAMPLE: &str = r#"{
        "CallbackCommand": "Sns.CallbackFriendAdd",
        "PairList": [
            {"From_Account": "id", "To_Account": "id1", "Initiator_Account": "id"},
            {"From_Account": "id", "To_Account": "id2", "Initiator_Account": "id"},
            {"From_Account": "id", "To_Account": "id3", "Initiator_Account": "id"}
        ],
        "ClientCmd":"friend_add",
        "Admin_Account":"",
        "ForceFlag":1
    }"#;

    #[test]
    fn documented_sample() {
        let body: CallbackFriendAdd = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(body.callback_command, CallbackCommand::FriendAdd);
        assert_eq!(body.pairs.len(), 3);
        assert_eq!(body.pairs[2], FriendAddPair::new("id", "id3", "id"));
        assert_eq!(body.client_cmd, Some(ClientCmd::FriendAdd));
        assert!(body.is_forced());
        assert!(!body.is_admin_initiated());
    }

    #[test]
    fn tolerant_of_unknown_missing_and_null_fields() {
        let body: CallbackFriendAdd = serde_json::from_str(
            r#"{"EventTime":1,"PairList":null,"ClientCmd":"NewCmd","Extra":{"a":[1]}}"#,
        )
        .unwrap();
        assert!(body.pairs.is_empty());
        assert_eq!(body.client_cmd, Some(ClientCmd::Other("NewCmd".into())));
        assert_eq!(body.force_flag, 0);
        assert_eq!(body.callback_command, CallbackCommand::FriendAdd);
    }
}
