//! The commands: decoding bodies as Tencent does (`docs/emulator.md`, "Request bodies"),
//! applying them to the state and encoding replies with the protocol crate's types.
//!
//! Each command the emulator serves has a file of its own in `handlers/`, named after it, that
//! implements [`Serve`] and [`Request`] for the command's wire type. Routing is made from the
//! protocol crate's endpoint catalogue, so a catalogue row without a handler does not compile.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tencent_im_protocol::callback::{AccountPair, CallbackEvent};
use tencent_im_protocol::profile::AllowType;
use tencent_im_protocol::sns::{BatchResponse, ResultItem};
use tencent_im_protocol::{Command, Endpoint, Envelope, ErrorCode, Reply, USER_ID_MAX_BYTES};

use crate::auth::Fail;
use crate::config::RelationshipLimits;
use crate::state::AppState;

mod account_check;
mod account_import;
mod black_list_add;
mod black_list_check;
mod black_list_delete;
mod friend_add;
mod friend_check;
mod friend_delete;
mod friend_get;
mod multiaccount_import;
mod portrait_set;

/// A reply: its `ErrorCode` (for the journal) and its JSON body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) code: ErrorCode,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn ok<B: Serialize>(body: B) -> Self {
        Self::json(ErrorCode::OK, &Reply::ok(body))
    }

    pub(crate) fn fail((code, info): Fail) -> Self {
        Self::json(code, &Envelope::fail(code, info))
    }

    fn json<T: Serialize>(code: ErrorCode, value: &T) -> Self {
        // Serializing these types cannot fail (string keys, no failing Serialize impl).
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Self { code, body }
    }
}

/// A reply computed under the state lock and encoded after it is released.
pub(crate) struct Deferred(Box<dyn FnOnce() -> Answer + Send>);

impl Deferred {
    fn ok<B: Serialize + Send + 'static>(body: B) -> Self {
        Self(Box::new(move || Answer::ok(body)))
    }

    fn fail(fail: Fail) -> Self {
        Self(Box::new(move || Answer::fail(fail)))
    }

    /// Encodes the reply.
    pub(crate) fn encode(self) -> Answer {
        (self.0)()
    }
}

/// What the handlers read besides the state.
pub(crate) struct Context<'a> {
    pub(crate) limits: &'a RelationshipLimits,
    pub(crate) sensitive_words: &'a [String],
    pub(crate) default_allow_type: &'a AllowType,
    pub(crate) now: u64,
    /// The admin identifier of the request (`Admin_Account` of callbacks).
    pub(crate) admin: &'a str,
}

/// A decoded request of a command the emulator serves.
pub(crate) trait Request: fmt::Debug + Send + Sync {
    /// Applies the request to the state of its application; every pair of accounts whose
    /// relation it writes or removes goes to `written`, in request order.
    fn apply(
        &self,
        app: &mut AppState,
        ctx: &Context<'_>,
        written: &mut Vec<(String, String)>,
    ) -> Deferred;

    /// The after-callback for the pairs written, for commands that fire one (`docs/webhooks.md`:
    /// one callback per request, one pair per list entry written or removed).
    fn callback(&self, _written: &[(String, String)], _ctx: &Context<'_>) -> Option<CallbackEvent> {
        None
    }

    /// The sender a write latency holds while the request is applied, for commands whose
    /// writes per `From_Account` are serialized.
    fn held_sender(&self) -> Option<Held<'_>> {
        None
    }

    /// A successful reply giving every item `code`, for commands whose reply lists items.
    fn every_item(&self, _code: ErrorCode, _info: &str) -> Option<Answer> {
        None
    }
}

/// A sender held by a write, and what to answer when it is missing or already held.
pub(crate) struct Held<'a> {
    pub(crate) sender: &'a str,
    /// The failure when the sender does not exist.
    pub(crate) not_found: Fail,
    /// The `ResultInfo` of every item when another write holds the sender (30008).
    pub(crate) conflict_info: &'static str,
}

/// A command the emulator serves: its wire type decoded from a request body.
pub(crate) trait Serve: Command + Request + Sized + 'static {
    /// Decodes `body` and checks what does not need the state.
    fn parse(body: &[u8], limits: &RelationshipLimits) -> Result<Self, Fail>;
}

/// Decodes the body of `endpoint` and checks what does not need the state.
pub(crate) fn parse(
    endpoint: Endpoint,
    body: &[u8],
    limits: &RelationshipLimits,
) -> Result<Box<dyn Request>, Fail> {
    fn boxed<C: Serve>(body: &[u8], limits: &RelationshipLimits) -> Result<Box<dyn Request>, Fail> {
        Ok(Box::new(C::parse(body, limits)?))
    }
    macro_rules! route {
        ($($(#[$doc:meta])* $variant:ident = $service:literal / $command:literal, $wire:ty
            { $($field:tt)* };)*) => {
            match endpoint {
                $(Endpoint::$variant => boxed::<$wire>(body, limits),)*
                // Endpoints are `#[non_exhaustive]`; every row of the catalogue is served above.
                _ => Err((
                    ErrorCode::REQUEST_RESOURCE_ERROR,
                    "the emulator does not serve this command".into(),
                )),
            }
        };
    }
    tencent_im_protocol::for_each_endpoint!(route)
}

/// Applies a decoded request to the state of its application: the reply, and the
/// after-callback its changes fire, if any.
pub(crate) fn apply(
    request: &dyn Request,
    app: &mut AppState,
    ctx: &Context<'_>,
) -> (Deferred, Option<CallbackEvent>) {
    let mut written = Vec::new();
    let reply = request.apply(app, ctx, &mut written);
    if written.is_empty() {
        return (reply, None);
    }
    (reply, request.callback(&written, ctx))
}

const SNS_DECODE_ERR: Fail = (ErrorCode::SNS_BAD_REQUEST, Cow::Borrowed("SNS_DECODE_ERR"));
const LOGIN_BAD_PARAMETER: Fail = (
    ErrorCode::INVALID_PARAMETER,
    Cow::Borrowed("invalid parameter"),
);
const PROFILE_DECODE_ERR: Fail = (
    ErrorCode::PROFILE_BAD_REQUEST,
    Cow::Borrowed("Err_Profile_Comm_Decode_Fail"),
);

/// The whole-request failure for an unknown `From_Account` (30003) of an `sns` command.
fn sns_not_found(info: &'static str) -> Fail {
    (ErrorCode::SNS_ACCOUNT_NOT_FOUND, Cow::Borrowed(info))
}

/// A `ResultItem` + `Fail_Account` reply failing every one of `to_accounts` with `code`: what
/// the item faults answer for such a command.
fn every_result_item(to_accounts: &[String], code: ErrorCode, info: &str) -> Answer {
    let items = to_accounts
        .iter()
        .map(|to| ResultItem::new(to.clone(), code, info))
        .collect();
    Answer::ok(BatchResponse::from_results(items))
}

/// The pairs of a callback, from the pairs written.
fn pairs(written: &[(String, String)]) -> Vec<AccountPair> {
    written
        .iter()
        .map(|(from, to)| AccountPair::new(from.clone(), to.clone()))
        .collect()
}

/// The JSON keys that hold account IDs; a number there is 60015.
const ACCOUNT_KEYS: &[&str] = &[
    "From_Account",
    "To_Account",
    "UserID",
    "Identifier",
    "Accounts",
];

/// Decodes `body` as `T`; on failure tells apart "not JSON" (60003), "an account is a number"
/// (60015) and "JSON of the wrong shape" (`shape`).
fn decode<T: DeserializeOwned>(body: &[u8], shape: Fail) -> Result<T, Fail> {
    serde_json::from_slice(body).map_err(|_| match serde_json::from_slice::<Value>(body) {
        Err(_) => (
            ErrorCode::REQUEST_JSON_PARSE_ERROR,
            "the request body is not valid JSON".into(),
        ),
        Ok(value) if has_numeric_account(&value) => (
            ErrorCode::ACCOUNT_TYPE_ERROR,
            "accounts must be JSON strings".into(),
        ),
        Ok(_) => shape,
    })
}

fn has_numeric_account(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, v)| {
            let numeric =
                v.is_number() || v.as_array().is_some_and(|a| a.iter().any(Value::is_number));
            (ACCOUNT_KEYS.contains(&key.as_str()) && numeric) || has_numeric_account(v)
        }),
        Value::Array(items) => items.iter().any(has_numeric_account),
        _ => false,
    }
}

/// Decodes a list command's body as [`decode`] does, then checks it carries 1 to `cap` items
/// (`len` counts them); otherwise `too_many`.
fn decode_list<C: DeserializeOwned>(
    body: &[u8],
    shape: Fail,
    len: impl Fn(&C) -> usize,
    cap: Option<usize>,
    too_many: Fail,
) -> Result<C, Fail> {
    let request = decode(body, shape)?;
    if count_ok(len(&request), cap.unwrap_or(usize::MAX)) {
        Ok(request)
    } else {
        Err(too_many)
    }
}

fn count_ok(n: usize, max: usize) -> bool {
    (1..=max).contains(&n)
}

fn user_id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= USER_ID_MAX_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_of_the_catalogue_is_served() {
        let limits = RelationshipLimits::default();
        for &endpoint in Endpoint::ALL {
            // Not JSON: every served command decodes the body and answers 60003.
            let code = parse(endpoint, b"{", &limits).err().map(|(c, _)| c.get());
            assert_eq!(code, Some(60003), "{endpoint}");
        }
    }

    #[test]
    fn body_errors_are_told_apart() {
        let limits = RelationshipLimits::default();
        let code = |body: &str| {
            parse(Endpoint::FriendAdd, body.as_bytes(), &limits)
                .err()
                .map(|(c, _)| c.get())
        };
        assert_eq!(code(""), Some(60003));
        assert_eq!(code("{not json"), Some(60003));
        assert_eq!(
            code(r#"{"From_Account":1,"AddFriendItem":[]}"#),
            Some(60015)
        );
        assert_eq!(
            code(
                r#"{"From_Account":"a","AddFriendItem":[{"To_Account":2,"AddSource":"AddSource_Type_A"}]}"#
            ),
            Some(60015)
        );
        assert_eq!(
            code(r#"{"From_Account":"a","AddFriendItem":{}}"#),
            Some(30001)
        );
        assert_eq!(
            code(r#"{"From_Account":"a","AddFriendItem":[]}"#),
            Some(30001)
        );
        assert_eq!(code("[]"), Some(30001));
        assert_eq!(
            code(
                r#"{"From_Account":"a","AddFriendItem":[{"To_Account":"b","AddSource":"AddSource_Type_A","Remark":""}]}"#
            ),
            None
        );
    }
}
