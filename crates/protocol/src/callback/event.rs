//! [`CallbackEvent`]: any callback body, read by its `CallbackCommand`.

use serde::{Deserialize, Serialize, Serializer};

use super::{
    CallbackBlackListAdd, CallbackBlackListDelete, CallbackCommand, CallbackFriendAdd,
    CallbackFriendDelete, CallbackPrevFriendAdd,
};
use crate::error::DecodeError;
use crate::serde_util::from_json;

/// A callback body of any command.
///
/// [`decode`](Self::decode) reads `CallbackCommand` first, then the body as that command's
/// type. A command this crate does not know is [`CallbackEvent::Other`] with the raw body, so a
/// server can still acknowledge it. Serializing writes the body back as JSON (the raw body for
/// [`CallbackEvent::Other`]).
///
/// ```
/// use tencent_im_protocol::callback::{CallbackCommand, CallbackEvent};
///
/// let event = CallbackEvent::decode(
///     br#"{"CallbackCommand":"Group.CallbackAfterNewMemberJoin","GroupId":"g1"}"#,
/// )
/// .unwrap();
/// let CallbackEvent::Other(other) = &event else { unreachable!() };
/// assert_eq!(other.command, "Group.CallbackAfterNewMemberJoin");
/// assert_eq!(other.body, r#"{"CallbackCommand":"Group.CallbackAfterNewMemberJoin","GroupId":"g1"}"#);
/// assert!(!event.command().is_known());
///
/// // Not JSON, or no `CallbackCommand`: an error, never a panic.
/// assert!(CallbackEvent::decode(b"<html>").is_err());
/// assert!(CallbackEvent::decode(br#"{"PairList":[]}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackEvent {
    /// `Sns.CallbackPrevFriendAdd`: a before-callback; the reply decides.
    PrevFriendAdd(CallbackPrevFriendAdd),
    /// `Sns.CallbackFriendAdd`.
    FriendAdd(CallbackFriendAdd),
    /// `Sns.CallbackFriendDelete`.
    FriendDelete(CallbackFriendDelete),
    /// `Sns.CallbackBlackListAdd`.
    BlackListAdd(CallbackBlackListAdd),
    /// `Sns.CallbackBlackListDelete`.
    BlackListDelete(CallbackBlackListDelete),
    /// A command this crate does not type, with its raw body.
    Other(OtherCallback),
}

/// A callback of a command this crate does not type: its `CallbackCommand` and its body as
/// received (valid JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OtherCallback {
    /// The `CallbackCommand` of the body.
    pub command: String,
    /// The whole body, as received.
    pub body: String,
}

impl OtherCallback {
    /// A callback of `command` with the JSON text `body`.
    pub fn new(command: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            command: command.into(),
            body: body.into(),
        }
    }
}

/// The first pass: only the command (the rest of the object is checked, then skipped).
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "CallbackCommand")]
    command: CallbackCommand,
}

impl CallbackEvent {
    /// Decodes a callback body.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] if the body is not a JSON object with a string `CallbackCommand`, or
    /// does not have the shape of that command's body. Never panics, whatever the bytes.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let what = "callback body";
        let head: Head = from_json(body).map_err(|e| DecodeError::new(what, e))?;
        let event = match head.command {
            CallbackCommand::PrevFriendAdd => from_json(body).map(Self::PrevFriendAdd),
            CallbackCommand::FriendAdd => from_json(body).map(Self::FriendAdd),
            CallbackCommand::FriendDelete => from_json(body).map(Self::FriendDelete),
            CallbackCommand::BlackListAdd => from_json(body).map(Self::BlackListAdd),
            CallbackCommand::BlackListDelete => from_json(body).map(Self::BlackListDelete),
            CallbackCommand::Other(command) => Ok(Self::Other(OtherCallback {
                command,
                // The first pass parsed it as JSON, so it is UTF-8.
                body: String::from_utf8_lossy(body).into_owned(),
            })),
        };
        event.map_err(|e| DecodeError::new(what, e))
    }

    /// The `CallbackCommand`.
    pub fn command(&self) -> CallbackCommand {
        match self {
            Self::PrevFriendAdd(_) => CallbackCommand::PrevFriendAdd,
            Self::FriendAdd(_) => CallbackCommand::FriendAdd,
            Self::FriendDelete(_) => CallbackCommand::FriendDelete,
            Self::BlackListAdd(_) => CallbackCommand::BlackListAdd,
            Self::BlackListDelete(_) => CallbackCommand::BlackListDelete,
            Self::Other(other) => CallbackCommand::from(other.command.as_str()),
        }
    }

    /// Whether Tencent waits for the reply and acts on it (a before-callback).
    pub fn is_before(&self) -> bool {
        self.command().is_before()
    }

    /// The body as JSON: what [`decode`](Self::decode) reads back (the raw body for
    /// [`CallbackEvent::Other`]).
    pub fn to_json(&self) -> Vec<u8> {
        match self {
            Self::Other(other) => other.body.as_bytes().to_vec(),
            // Serializing the typed bodies cannot fail (string keys, plain values).
            _ => serde_json::to_vec(self).unwrap_or_default(),
        }
    }
}

impl Serialize for CallbackEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::PrevFriendAdd(body) => body.serialize(serializer),
            Self::FriendAdd(body) => body.serialize(serializer),
            Self::FriendDelete(body) => body.serialize(serializer),
            Self::BlackListAdd(body) => body.serialize(serializer),
            Self::BlackListDelete(body) => body.serialize(serializer),
            Self::Other(other) => serde_json::value::RawValue::from_string(other.body.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
        }
    }
}

impl From<CallbackPrevFriendAdd> for CallbackEvent {
    fn from(body: CallbackPrevFriendAdd) -> Self {
        Self::PrevFriendAdd(body)
    }
}

impl From<CallbackFriendAdd> for CallbackEvent {
    fn from(body: CallbackFriendAdd) -> Self {
        Self::FriendAdd(body)
    }
}

impl From<CallbackFriendDelete> for CallbackEvent {
    fn from(body: CallbackFriendDelete) -> Self {
        Self::FriendDelete(body)
    }
}

impl From<CallbackBlackListAdd> for CallbackEvent {
    fn from(body: CallbackBlackListAdd) -> Self {
        Self::BlackListAdd(body)
    }
}

impl From<CallbackBlackListDelete> for CallbackEvent {
    fn from(body: CallbackBlackListDelete) -> Self {
        Self::BlackListDelete(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{AccountPair, ClientCmd, FriendAddPair};

    #[test]
    fn every_typed_command_round_trips() {
        let events: Vec<CallbackEvent> = vec![
            CallbackFriendAdd::new(
                vec![FriendAddPair::new("a", "b", "a")],
                ClientCmd::FriendAdd,
                "admin",
                true,
            )
            .into(),
            CallbackFriendDelete::new(vec![AccountPair::new("a", "b")]).into(),
            CallbackBlackListAdd::new(vec![AccountPair::new("a", "b")]).into(),
            CallbackBlackListDelete::new(vec![AccountPair::new("a", "b")]).into(),
            CallbackPrevFriendAdd::new(
                "a",
                "a",
                vec![crate::callback::PrevFriendAddItem::new(
                    "b",
                    "AddSource_Type_Web",
                )],
                1,
            )
            .into(),
        ];
        for event in events {
            let json = event.to_json();
            assert_eq!(CallbackEvent::decode(&json).unwrap(), event);
            assert!(event.command().is_known());
        }
    }

    #[test]
    fn same_shape_bodies_are_told_apart_by_their_command() {
        let body = br#"{"PairList":[{"From_Account":"a","To_Account":"b"}],"CallbackCommand":"Sns.CallbackBlackListDelete"}"#;
        let event = CallbackEvent::decode(body).unwrap();
        assert!(matches!(event, CallbackEvent::BlackListDelete(_)));
        assert_eq!(event.command(), CallbackCommand::BlackListDelete);
    }

    #[test]
    fn other_keeps_the_raw_body_and_serializes_it_back() {
        let body = br#"{ "CallbackCommand" : "State.StateChange", "Info": {"To_Account":"x"} }"#;
        let event = CallbackEvent::decode(body).unwrap();
        assert_eq!(event.to_json(), body);
        assert_eq!(serde_json::to_vec(&event).unwrap(), body);
        assert!(!event.is_before());
    }

    #[test]
    fn errors_say_what_was_decoded() {
        for body in [
            &b""[..],
            b"[]",
            b"{\"CallbackCommand\":1}",
            b"{\"CallbackCommand\":\"Sns.CallbackFriendAdd\",\"PairList\":{}}",
            b"{\"CallbackCommand\":\"Sns.CallbackFriendAdd\"} trailing",
            b"{\"CallbackCommand\":\"Sns.CallbackFriendAdd\",\"CallbackCommand\":\"x\"}",
            b"\xff",
        ] {
            let err = CallbackEvent::decode(body).unwrap_err();
            assert_eq!(err.to_string(), "cannot decode the callback body");
            assert!(std::error::Error::source(&err).is_some());
        }
    }
}
