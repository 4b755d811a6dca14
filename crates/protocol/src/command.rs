//! The trait every wire command implements.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::envelope::{Reply, decode_reply};
use crate::error::{ReplyError, ValidationError};
use crate::report::{BatchReport, ItemOutcome};

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
    ///
    /// # Errors
    ///
    /// [`EncodeError::Invalid`] for a field that breaks a limit, [`EncodeError::Json`] for a
    /// request that does not serialize as JSON.
    fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        self.validate()?;
        self.to_json()
    }

    /// Encodes the request as JSON without validating it (e.g. to write a log).
    ///
    /// # Errors
    ///
    /// [`EncodeError::Json`] when serialization fails, which the commands of this crate never
    /// do; a command of another crate (a map with keys that are not strings, a `Serialize` impl
    /// that reports an error) can.
    fn to_json(&self) -> Result<Vec<u8>, EncodeError> {
        serde_json::to_vec(self).map_err(EncodeError::Json)
    }

    /// Decodes a reply body: a whole-request failure becomes [`ReplyError::Api`], a body that
    /// is not a reply of this command [`ReplyError::Decode`]. Never panics.
    fn decode_reply(body: &[u8]) -> Result<Reply<Self::Response>, ReplyError> {
        decode_reply(Self::ENDPOINT, body)
    }
}

/// Why a command could not be encoded as a request body; nothing should be sent.
///
/// ```
/// use tencent_im_protocol::sns::FriendAdd;
/// use tencent_im_protocol::{Command, EncodeError};
///
/// let err = FriendAdd::new("alice", vec![]).encode().unwrap_err();
/// assert!(matches!(&err, EncodeError::Invalid(v) if v.field() == "AddFriendItem"));
/// assert_eq!(err.to_string(), "the request breaks a documented limit");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A field breaks a documented limit; the source names it.
    #[error("the request breaks a documented limit")]
    Invalid(#[from] ValidationError),
    /// The request does not serialize as JSON; the source is serde_json's error.
    #[error("the request cannot be serialized as JSON")]
    Json(#[source] serde_json::Error),
}

impl EncodeError {
    /// The limit a field breaks, for [`EncodeError::Invalid`].
    pub fn validation_error(&self) -> Option<&ValidationError> {
        match self {
            Self::Invalid(v) => Some(v),
            Self::Json(_) => None,
        }
    }
}

/// A command that carries a list of items (accounts to add, check, import, …), so that a longer
/// list can be validated as a whole, split into requests of at most the item cap, and its
/// per-item outcomes reported and merged in the caller's order. No I/O: the facade crate sends
/// the pieces.
///
/// ```
/// use tencent_im_protocol::sns::{AddFriendItem, FriendAdd};
/// use tencent_im_protocol::{Command, ListCommand};
///
/// let items = (0..2500).map(|i| AddFriendItem::new(format!("u{i}"), "AddSource_Type_Web"));
/// let request = FriendAdd::new("alice", items.collect());
/// assert!(request.validate().is_err(), "over the cap of one request");
/// request.validate_uncapped()?;
/// let parts = request.split(1000);
/// assert_eq!(parts.iter().map(|p| p.items().len()).collect::<Vec<_>>(), [1000, 1000, 500]);
/// assert_eq!(parts[2].items()[0].to_account, "u2000");
/// # Ok::<(), tencent_im_protocol::ValidationError>(())
/// ```
pub trait ListCommand: Command + Sized {
    /// One item of the list.
    type Item: Clone;
    /// What became of one item.
    type Outcome: ItemOutcome;

    /// The items, in request order.
    fn items(&self) -> &[Self::Item];

    /// The account an item is for (`To_Account` or `UserID`), as reports name it.
    fn account(item: &Self::Item) -> &str;

    /// The same request (same sender and options) carrying `items` instead.
    fn with_items(&self, items: Vec<Self::Item>) -> Self;

    /// Checks every limit except the number of items per request: field paths name each item by
    /// its index in this (possibly over-long) list, and duplicates are found across the whole
    /// list.
    fn validate_uncapped(&self) -> Result<(), ValidationError>;

    /// One outcome per item of `request`, in request order, from its reply.
    fn report(response: &Self::Response, request: &Self) -> BatchReport<Self::Outcome>;

    /// The request split into requests of at most `cap` items (at least 1), in order: item `i`
    /// of the `k`-th part is item `k * cap + i` of this one.
    fn split(&self, cap: usize) -> Vec<Self> {
        self.items()
            .chunks(cap.max(1))
            .map(|chunk| self.with_items(chunk.to_vec()))
            .collect()
    }

    /// The same request carrying only the items at `indices` (in that order); indices out of
    /// range are skipped.
    fn select(&self, indices: &[usize]) -> Self {
        let items = self.items();
        self.with_items(
            indices
                .iter()
                .filter_map(|&i| items.get(i).cloned())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::error::Error as _;

    use serde::Serialize;

    use super::*;
    use crate::sns::BatchResponse;

    /// A command of another crate whose map keys are not strings: JSON cannot carry it.
    #[derive(Serialize)]
    struct TupleKeys {
        map: BTreeMap<(u8, u8), u8>,
    }

    impl Command for TupleKeys {
        const ENDPOINT: Endpoint = Endpoint::FriendAdd;
        type Response = BatchResponse;

        fn validate(&self) -> Result<(), ValidationError> {
            Ok(())
        }
    }

    #[test]
    fn a_request_that_does_not_serialize_is_an_error_not_an_empty_object() {
        let cmd = TupleKeys {
            map: BTreeMap::from([((1, 2), 3)]),
        };
        for err in [cmd.to_json().unwrap_err(), cmd.encode().unwrap_err()] {
            assert!(matches!(err, EncodeError::Json(_)), "{err:?}");
            assert!(err.validation_error().is_none());
            assert_eq!(err.to_string(), "the request cannot be serialized as JSON");
            let source = err.source().map(ToString::to_string).unwrap_or_default();
            assert!(source.contains("key must be a string"), "{source}");
        }
        let empty = TupleKeys {
            map: BTreeMap::new(),
        };
        assert_eq!(empty.encode().unwrap(), br#"{"map":{}}"#);
    }
}
