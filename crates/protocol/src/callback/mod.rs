//! Third-party callbacks (webhooks) of the relationship chain (Tencent Cloud Chat docs:
//! "Third-Party Callback Overview" and each callback's page): the JSON bodies Tencent POSTs to
//! the app's callback URL, the query values that come with them, and the replies.
//!
//! One type per callback command, named after it: [`CallbackFriendAdd`]
//! (`Sns.CallbackFriendAdd`), [`CallbackPrevFriendAdd`] (`Sns.CallbackPrevFriendAdd`),
//! [`CallbackFriendDelete`], [`CallbackBlackListAdd`] and [`CallbackBlackListDelete`].
//! [`CallbackEvent::decode`] reads any callback body by its `CallbackCommand`, keeping a command
//! it does not know as [`CallbackEvent::Other`] with the raw body. Every type ignores fields it
//! does not know, as Tencent adds some.
//!
//! This module only reads and writes JSON: checking that a callback really comes from Tencent
//! (`Sign`, `RequestTime`, `SdkAppid`) is the job of the `tencent-im-webhook` crate.
//!
//! ```
//! use tencent_im_protocol::callback::{CallbackEvent, CallbackResponse};
//!
//! let body = br#"{"CallbackCommand":"Sns.CallbackFriendAdd",
//!     "PairList":[{"From_Account":"alice","To_Account":"bob","Initiator_Account":"alice"}],
//!     "ClientCmd":"friend_add","Admin_Account":"administrator","ForceFlag":0}"#;
//! let CallbackEvent::FriendAdd(added) = CallbackEvent::decode(body).unwrap() else {
//!     unreachable!()
//! };
//! assert_eq!(added.pairs[0].to_account, "bob");
//! assert!(!added.is_forced());
//!
//! let reply = serde_json::to_string(&CallbackResponse::ok()).unwrap();
//! assert_eq!(reply, r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#);
//! ```

/// Declares the body of an after-callback that carries only `PairList[{From_Account,
/// To_Account}]` (`Sns.CallbackFriendDelete`, `Sns.CallbackBlackListAdd`,
/// `Sns.CallbackBlackListDelete`): the struct with its docs, its `CallbackCommand` default and
/// `new`. `$pairs` says what one pair means.
macro_rules! pair_list_callback {
    ($(#[$doc:meta])* $name:ident, $command:ident, $pairs:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            #[doc = concat!("`CallbackCommand`: always `CallbackCommand::", stringify!($command), "`.")]
            #[serde(rename = "CallbackCommand", default = "command")]
            pub callback_command: $crate::callback::CallbackCommand,
            #[doc = concat!("`PairList`: one entry per (`From_Account`, `To_Account`) pair: ", $pairs)]
            #[serde(
                rename = "PairList",
                default,
                deserialize_with = "crate::serde_util::null_as_default"
            )]
            pub pairs: Vec<$crate::callback::AccountPair>,
        }

        fn command() -> $crate::callback::CallbackCommand {
            $crate::callback::CallbackCommand::$command
        }

        impl $name {
            /// A body for these pairs.
            pub fn new(pairs: Vec<$crate::callback::AccountPair>) -> Self {
                Self {
                    callback_command: command(),
                    pairs,
                }
            }
        }
    };
}

use pair_list_callback;

mod callback_black_list_add;
mod callback_black_list_delete;
mod callback_friend_add;
mod callback_friend_delete;
mod callback_prev_friend_add;
mod event;
mod response;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::serde_util::tolerant_enum;

pub use callback_black_list_add::CallbackBlackListAdd;
pub use callback_black_list_delete::CallbackBlackListDelete;
pub use callback_friend_add::{CallbackFriendAdd, FriendAddPair};
pub use callback_friend_delete::CallbackFriendDelete;
pub use callback_prev_friend_add::{CallbackAddType, CallbackPrevFriendAdd, PrevFriendAddItem};
pub use event::{CallbackEvent, OtherCallback};
pub use response::{CallbackResponse, REFUSAL_CODES};

tolerant_enum! {
    /// `CallbackCommand`: which callback a request is, in the body and in the query.
    pub enum CallbackCommand {
        /// `Sns.CallbackPrevFriendAdd`: before a client-initiated friend request is processed;
        /// the reply allows or refuses each item.
        PrevFriendAdd = "Sns.CallbackPrevFriendAdd",
        /// `Sns.CallbackFriendAdd`: after friends were added.
        FriendAdd = "Sns.CallbackFriendAdd",
        /// `Sns.CallbackFriendDelete`: after friends were deleted.
        FriendDelete = "Sns.CallbackFriendDelete",
        /// `Sns.CallbackBlackListAdd`: after accounts were added to a blocklist.
        BlackListAdd = "Sns.CallbackBlackListAdd",
        /// `Sns.CallbackBlackListDelete`: after accounts were removed from a blocklist.
        BlackListDelete = "Sns.CallbackBlackListDelete",
    }
}

impl CallbackCommand {
    /// Whether Tencent waits for the reply and acts on it (a before-callback, 2 s timeout).
    /// Tencent ignores the reply of an after-callback.
    pub fn is_before(&self) -> bool {
        matches!(self, Self::PrevFriendAdd)
    }
}

tolerant_enum! {
    /// `ClientCmd` of `Sns.CallbackFriendAdd`: what made the friendship. Tencent documents two
    /// spellings of each.
    pub enum ClientCmd {
        /// `friend_add`: a friend request (REST or client).
        FriendAdd = "friend_add",
        /// `FriendAdd`: a friend request, the other spelling.
        FriendAddPascal = "FriendAdd",
        /// `friend_response`: a user accepted a friend request.
        FriendResponse = "friend_response",
        /// `FriendResponse`: a user accepted a friend request, the other spelling.
        FriendResponsePascal = "FriendResponse",
    }
}

impl ClientCmd {
    /// Whether this is a friend request (`friend_add` or `FriendAdd`).
    pub fn is_add(&self) -> bool {
        matches!(self, Self::FriendAdd | Self::FriendAddPascal)
    }

    /// Whether this is an accepted friend request (`friend_response` or `FriendResponse`).
    pub fn is_response(&self) -> bool {
        matches!(self, Self::FriendResponse | Self::FriendResponsePascal)
    }
}

/// `OptPlatform`, a query parameter of every callback: where the action that caused it came
/// from.
///
/// `IOS` (the spelling of `State.StateChange`) reads as [`OptPlatform::Ios`] and is written back
/// as `iOS`; any other undocumented value is kept in [`OptPlatform::Other`].
///
/// ```
/// use tencent_im_protocol::callback::OptPlatform;
///
/// assert_eq!(OptPlatform::from("RESTAPI"), OptPlatform::RestApi);
/// assert_eq!(OptPlatform::from("IOS"), OptPlatform::Ios);
/// assert_eq!(OptPlatform::from("Harmony").as_str(), "Harmony");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptPlatform {
    /// `RESTAPI`: the app's backend, through the REST API.
    RestApi,
    /// `Web`.
    Web,
    /// `Android`.
    Android,
    /// `iOS` (also `IOS`).
    Ios,
    /// `Windows`.
    Windows,
    /// `Mac`.
    Mac,
    /// `iPad`.
    IPad,
    /// `Unknown`: Tencent could not tell.
    Unknown,
    /// A value Tencent does not document; it is kept as sent.
    Other(String),
}

impl OptPlatform {
    /// The wire string (`iOS` for [`OptPlatform::Ios`]).
    pub fn as_str(&self) -> &str {
        match self {
            Self::RestApi => "RESTAPI",
            Self::Web => "Web",
            Self::Android => "Android",
            Self::Ios => "iOS",
            Self::Windows => "Windows",
            Self::Mac => "Mac",
            Self::IPad => "iPad",
            Self::Unknown => "Unknown",
            Self::Other(s) => s,
        }
    }

    /// Whether this is a documented value (not [`Self::Other`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }
}

impl From<&str> for OptPlatform {
    fn from(value: &str) -> Self {
        match value {
            "RESTAPI" => Self::RestApi,
            "Web" => Self::Web,
            "Android" => Self::Android,
            "iOS" | "IOS" => Self::Ios,
            "Windows" => Self::Windows,
            "Mac" => Self::Mac,
            "iPad" => Self::IPad,
            "Unknown" => Self::Unknown,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for OptPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OptPlatform {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OptPlatform {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from(value.as_ref()))
    }
}

/// One entry of the `PairList` of `Sns.CallbackFriendDelete`, `Sns.CallbackBlackListAdd` and
/// `Sns.CallbackBlackListDelete`: `To_Account` was removed from (or added to) `From_Account`'s
/// list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountPair {
    /// `From_Account`: the account whose list changed.
    #[serde(rename = "From_Account", default)]
    pub from_account: String,
    /// `To_Account`: the account that was removed from or added to that list.
    #[serde(rename = "To_Account", default)]
    pub to_account: String,
}

impl AccountPair {
    /// A pair: `to` in (or out of) `from`'s list.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            from_account: from.into(),
            to_account: to.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_platform_reads_every_documented_value() {
        for (wire, value) in [
            ("RESTAPI", OptPlatform::RestApi),
            ("Web", OptPlatform::Web),
            ("Android", OptPlatform::Android),
            ("iOS", OptPlatform::Ios),
            ("IOS", OptPlatform::Ios),
            ("Windows", OptPlatform::Windows),
            ("Mac", OptPlatform::Mac),
            ("iPad", OptPlatform::IPad),
            ("Unknown", OptPlatform::Unknown),
        ] {
            assert_eq!(OptPlatform::from(wire), value);
            let json: OptPlatform = serde_json::from_str(&format!("\"{wire}\"")).unwrap();
            assert_eq!(json, value);
            assert!(value.is_known());
        }
        let other: OptPlatform = serde_json::from_str(r#""Harmony\u004f""#).unwrap();
        assert_eq!(other, OptPlatform::Other("HarmonyO".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), r#""HarmonyO""#);
    }

    #[test]
    fn commands_and_client_cmds() {
        assert!(CallbackCommand::PrevFriendAdd.is_before());
        assert!(!CallbackCommand::FriendAdd.is_before());
        assert_eq!(
            CallbackCommand::from("Sns.CallbackBlackListDelete"),
            CallbackCommand::BlackListDelete
        );
        assert!(ClientCmd::from("FriendAdd").is_add());
        assert!(ClientCmd::from("friend_response").is_response());
        assert!(!ClientCmd::from("friend_import").is_add());
    }
}
