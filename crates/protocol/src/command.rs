//! The trait every wire command implements.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::envelope::{Reply, decode_reply};
use crate::error::{ReplyError, ValidationError};

/// A request body of one wire command, e.g. [`FriendAdd`](crate::sns::FriendAdd) for
/// `v4/sns/friend_add`.
///
/// A command only describes a call: it validates itself, encodes to the exact wire JSON and
/// decodes its reply. Executing it is the transport's job.
///
/// ```
/// use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
/// use tencent_im_protocol::{Command, Endpoint};
///
/// let req = FriendAdd::new("alice", vec![AddFriendItem::new("bob", "AddSource_Type_Web")]);
/// assert_eq!(FriendAdd::ENDPOINT, Endpoint::FriendAdd);
/// assert_eq!(FriendAdd::SERVICE, "sns");
/// assert_eq!(FriendAdd::COMMAND, "friend_add");
/// let body = req.encode().unwrap();
/// assert_eq!(
///     body,
///     br#"{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_Web"}]}"#
/// );
///
/// let reply = FriendAdd::decode_reply(
///     br#"{"ResultItem":[{"To_Account":"bob","ResultCode":0,"ResultInfo":""}],
///          "ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#,
/// )
/// .unwrap();
/// assert_eq!(reply.body.result_items.len(), 1);
/// ```
pub trait Command: Serialize {
    /// The endpoint this command is sent to.
    const ENDPOINT: Endpoint;
    /// The service name in the URL, e.g. `"sns"`.
    const SERVICE: &'static str = Self::ENDPOINT.service();
    /// The command name in the URL, e.g. `"friend_add"`.
    const COMMAND: &'static str = Self::ENDPOINT.command();
    /// Whether sending the same request twice is harmless.
    const RETRY_SAFE: bool = Self::ENDPOINT.is_retry_safe();
    /// How many items one request may carry, for commands that take a list.
    const MAX_ITEMS: Option<usize> = Self::ENDPOINT.max_items();
    /// The default call rate per second.
    const DEFAULT_RATE_PER_SECOND: u32 = Self::ENDPOINT.default_rate_per_second();

    /// The command-specific fields of a successful reply.
    type Response: DeserializeOwned + Serialize;

    /// Checks every documented limit; the first field that breaks one is returned.
    fn validate(&self) -> Result<(), ValidationError>;

    /// How many items the request carries (1 for commands that do not take a list).
    fn item_count(&self) -> usize {
        1
    }

    /// Validates the request and encodes it as the JSON body to send.
    fn encode(&self) -> Result<Vec<u8>, ValidationError> {
        self.validate()?;
        Ok(self.to_json())
    }

    /// Encodes the request as JSON without validating it (e.g. to write a log).
    fn to_json(&self) -> Vec<u8> {
        // Serializing these types to memory cannot fail: every key is a string and no
        // Serialize impl reports an error. An empty object is the documented fallback body.
        serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
    }

    /// Decodes a reply body: a whole-request failure becomes [`ReplyError::Api`], a body that
    /// is not a reply of this command [`ReplyError::Decode`]. Never panics.
    fn decode_reply(body: &[u8]) -> Result<Reply<Self::Response>, ReplyError> {
        decode_reply(Self::ENDPOINT, body)
    }
}
