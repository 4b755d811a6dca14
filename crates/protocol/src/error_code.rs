//! Tencent's numeric error codes, with a description and a retry class for each.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a caller should do about a code: the project's default retry policy (rate limited and
/// transient codes are retried with backoff, 30008 after the sender's other writes, 70001 once
/// with a new UserSig; everything else is permanent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The request or item succeeded (code 0).
    Success,
    /// Not a failure: the item is waiting for the other side (30539, a pending friend request).
    Pending,
    /// Over a rate limit: back off, then retry.
    RateLimited,
    /// A passing server-side fault: retry with backoff.
    Transient,
    /// Concurrent writes to the same account collided (30008): retry once the other writes finish.
    WriteConflict,
    /// The admin UserSig expired (70001): renew it and retry once.
    SigExpired,
    /// Retrying cannot help: the request, the configuration or the data must change.
    Permanent,
    /// A code this crate does not know; its number is kept.
    Unknown,
}

impl ErrorClass {
    /// Whether the default policy retries a request or item that ended with this class.
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::Transient | Self::WriteConflict | Self::SigExpired
        )
    }

    /// A short lower-case name, as used in logs and the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Pending => "pending",
            Self::RateLimited => "rate limited",
            Self::Transient => "transient",
            Self::WriteConflict => "write conflict",
            Self::SigExpired => "sig expired",
            Self::Permanent => "permanent",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Tencent IM error or result code (`ErrorCode`, `ResultCode`).
///
/// A newtype rather than an enum: Tencent adds codes, and a code this crate does not know keeps
/// its number, with [`ErrorClass::Unknown`]. Every code of Tencent Cloud Chat's "Error Codes"
/// page (public codes 60000–79999), of "Adding Friends" and of the other commands' pages
/// (relationship chain, profile and account codes) has a named constant, a description and a
/// class.
///
/// ```
/// use tencent_im_protocol::{ErrorClass, ErrorCode};
///
/// assert_eq!(ErrorCode::new(30539), ErrorCode::SNS_PENDING);
/// assert_eq!(ErrorCode::REST_RATE_LIMITED.class(), ErrorClass::RateLimited);
/// assert_eq!(ErrorCode::new(12345).class(), ErrorClass::Unknown);
/// assert_eq!(ErrorCode::new(12345).to_string(), "12345");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(i64);

impl ErrorCode {
    /// Wraps a raw code.
    pub const fn new(code: i64) -> Self {
        Self(code)
    }

    /// The raw number.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Whether this is 0, Tencent's success code.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// Whether this code has a named constant in this crate.
    pub fn is_known(self) -> bool {
        self.info().is_some()
    }

    /// The retry class of the code; [`ErrorClass::Unknown`] for codes this crate does not know.
    pub fn class(self) -> ErrorClass {
        self.info().map_or(ErrorClass::Unknown, |i| i.2)
    }

    /// Whether the default policy retries this code (see [`ErrorClass::is_retryable`]).
    pub fn is_retryable(self) -> bool {
        self.class().is_retryable()
    }

    /// The constant's name (e.g. `"SNS_PENDING"`), if the code is known.
    pub fn name(self) -> Option<&'static str> {
        self.info().map(|i| i.0)
    }

    /// What the code means, paraphrasing Tencent's documentation, if the code is known.
    pub fn description(self) -> Option<&'static str> {
        self.info().map(|i| i.1)
    }

    /// Every code this crate names, in ascending order.
    pub fn known() -> impl ExactSizeIterator<Item = ErrorCode> {
        KNOWN.iter().map(|&(code, ..)| ErrorCode(code))
    }

    fn info(self) -> Option<(&'static str, &'static str, ErrorClass)> {
        KNOWN
            .binary_search_by_key(&self.0, |&(code, ..)| code)
            .ok()
            .and_then(|i| KNOWN.get(i))
            .map(|&(_, name, desc, class)| (name, desc, class))
    }
}

impl From<i64> for ErrorCode {
    fn from(code: i64) -> Self {
        Self(code)
    }
}

impl From<ErrorCode> for i64 {
    fn from(code: ErrorCode) -> Self {
        code.0
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "ErrorCode({}: {name})", self.0),
            None => write!(f, "ErrorCode({})", self.0),
        }
    }
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $class:ident, $desc:literal; )*) => {
        impl ErrorCode {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\n", $desc, " (class: ", stringify!($class), ").")]
                pub const $name: ErrorCode = ErrorCode($code);
            )*
        }

        /// Every named code, sorted by number (checked by a test) for binary search.
        static KNOWN: &[(i64, &str, &str, ErrorClass)] = &[
            $( ($code, stringify!($name), $desc, ErrorClass::$class), )*
        ];
    };
}

error_codes! {
    /// `0`: success.
    OK = 0, Success, "success";

    // friend_add and relationship-chain codes ("Adding Friends", "Error Codes").
    /// `30001`: bad request parameters; also "already friends" (`ResultInfo` mentions
    /// `Friend_Exist`) and a malformed `AddSource`.
    SNS_BAD_REQUEST = 30001, Permanent, "bad request parameters, or the target is already a friend (see ResultInfo)";
    /// `30002`: SDKAppID mismatch.
    SNS_SDKAPPID_MISMATCH = 30002, Permanent, "SDKAppID mismatch";
    /// `30003`: the account does not exist.
    SNS_ACCOUNT_NOT_FOUND = 30003, Permanent, "the requested account does not exist";
    /// `30004`: the request needs app admin permission.
    SNS_ADMIN_REQUIRED = 30004, Permanent, "the request needs app admin permission";
    /// `30005`: a relationship field contains a sensitive word.
    SNS_SENSITIVE_WORD = 30005, Permanent, "a relationship field contains a sensitive word";
    /// `30006`: internal server error.
    SNS_INTERNAL_ERROR = 30006, Transient, "internal server error, retry";
    /// `30007`: network or request timeout.
    SNS_TIMEOUT = 30007, Transient, "network timeout, retry later";
    /// `30008`: write conflict from concurrent writes to the same account.
    SNS_WRITE_CONFLICT = 30008, WriteConflict, "write conflict from concurrent writes to the same account";
    /// `30009`: the backend forbids this user to send friend requests.
    SNS_ADD_FORBIDDEN = 30009, Permanent, "the user is forbidden to send friend requests";
    /// `30010`: the sender's friend list is full.
    SNS_OWN_FRIEND_LIMIT = 30010, Permanent, "the sender's friend list is full";
    /// `30011`: too many friend groups.
    SNS_GROUP_LIMIT = 30011, Permanent, "the maximum number of friend groups has been reached";
    /// `30012`: too many pending friend requests.
    SNS_PENDING_LIMIT = 30012, Permanent, "too many pending friend requests";
    /// `30013`: the blocklist is full.
    SNS_BLOCKLIST_LIMIT = 30013, Permanent, "the blocklist is full";
    /// `30014`: the target's friend list is full.
    SNS_TARGET_FRIEND_LIMIT = 30014, Permanent, "the target's friend list is full";
    /// `30515`: the target is in the sender's blocklist.
    SNS_TARGET_IN_OWN_BLOCKLIST = 30515, Permanent, "the target is in the sender's blocklist";
    /// `30516`: the target accepts no friend requests (`AllowType_Type_DenyAny`).
    SNS_TARGET_DENIES_ALL = 30516, Permanent, "the target accepts no friend requests";
    /// `30525`: the sender is in the target's blocklist.
    SNS_BLOCKED_BY_TARGET = 30525, Permanent, "the sender is in the target's blocklist";
    /// `30539`: the target must confirm; a pending request was created. Not a failure.
    SNS_PENDING = 30539, Pending, "the target must confirm: a pending friend request was created";
    /// `30540`: filtered by the security policy: too many friend requests.
    SNS_ADD_TOO_FREQUENT = 30540, RateLimited, "too many friend requests in a short time, filtered by the security policy";
    /// `30614`: the pending request does not exist.
    SNS_PENDING_NOT_FOUND = 30614, Permanent, "the pending friend request does not exist";
    /// `31704`: no relationship to delete.
    SNS_NO_RELATION_TO_DELETE = 31704, Permanent, "there is no relationship to delete";
    /// `31707`: deletion filtered by the security policy.
    SNS_DELETE_FILTERED = 31707, Permanent, "the deletion was filtered by the security policy";
    /// `31804`: the account to delete from does not exist.
    SNS_DELETE_ACCOUNT_NOT_FOUND = 31804, Permanent, "the account does not exist";

    // Profile codes: portrait_set, and the profile part of account_import and
    // multiaccount_import (docs/commands.md).
    /// `40001`: bad request parameters (see `ErrorInfo`, e.g. `Err_Profile_Comm_Decode_Fail`).
    PROFILE_BAD_REQUEST = 40001, Permanent, "bad request parameters (see ErrorInfo)";
    /// `40003`: the account does not exist.
    PROFILE_ACCOUNT_NOT_FOUND = 40003, Permanent, "the requested account does not exist";
    /// `40004`: the request needs app admin permission.
    PROFILE_ADMIN_REQUIRED = 40004, Permanent, "the request needs app admin permission";
    /// `40005`: a profile field contains a sensitive word.
    PROFILE_SENSITIVE_WORD = 40005, Permanent, "a profile field contains a sensitive word";
    /// `40006`: internal server error while writing profile data.
    PROFILE_INTERNAL_ERROR = 40006, Transient, "internal server error while writing profile data, retry later";
    /// `40008`: the field may not be written (its write permission excludes the caller).
    PROFILE_NO_WRITE_PERMISSION = 40008, Permanent, "no write permission for the profile field";
    /// `40009`: the field's tag does not exist.
    PROFILE_TAG_NOT_FOUND = 40009, Permanent, "the profile field's tag does not exist";
    /// `40601`: a field's value is longer than 500 bytes.
    PROFILE_VALUE_TOO_LONG = 40601, Permanent, "a profile field's value is longer than 500 bytes";
    /// `40605`: a standard field's value is not one it accepts.
    PROFILE_BAD_STANDARD_VALUE = 40605, Permanent, "invalid value for a standard profile field";
    /// `40610`: a field's value has the wrong type.
    PROFILE_VALUE_TYPE_MISMATCH = 40610, Permanent, "a profile field's value has the wrong type";

    // Public codes ("Error Codes").
    /// `60002`: HTTP parse error; check the URL format.
    HTTP_PARSE_ERROR = 60002, Permanent, "HTTP parse error, check the URL format";
    /// `60003`: the request body is not valid JSON.
    REQUEST_JSON_PARSE_ERROR = 60003, Permanent, "the request body is not valid JSON";
    /// `60004`: account or signature error in the URL or the body.
    ACCOUNT_OR_SIG_ERROR = 60004, Permanent, "account or signature error in the URL or the body";
    /// `60005`: account or signature error in the URL or the body (a second code for it).
    ACCOUNT_OR_SIG_ERROR_ALT = 60005, Permanent, "account or signature error in the URL or the body";
    /// `60006`: invalid SDKAppID.
    SDKAPPID_INVALID = 60006, Permanent, "invalid SDKAppID";
    /// `60007`: REST API call rate over the limit.
    REST_RATE_LIMITED = 60007, RateLimited, "REST API call rate over the limit";
    /// `60008`: service timeout or HTTP format error.
    SERVICE_TIMEOUT = 60008, Transient, "service timeout or HTTP format error, retry";
    /// `60009`: request resource error; check the URL.
    REQUEST_RESOURCE_ERROR = 60009, Permanent, "request resource error, check the URL";
    /// `60010`: the identifier is not an app admin.
    ADMIN_REQUIRED = 60010, Permanent, "the request needs app admin permission";
    /// `60011`: SDKAppID request rate over the limit.
    SDKAPPID_RATE_LIMITED = 60011, RateLimited, "SDKAppID request rate over the limit";
    /// `60012`: the URL has no SDKAppID.
    SDKAPPID_MISSING = 60012, Permanent, "the URL has no SDKAppID";
    /// `60013`: JSON parse error in an upstream response.
    RESPONSE_JSON_PARSE_ERROR = 60013, Transient, "JSON parse error in an upstream response";
    /// `60014`: account switching timed out.
    ACCOUNT_SWITCH_TIMEOUT = 60014, Transient, "account switching timed out";
    /// `60015`: an account in the body is not a JSON string.
    ACCOUNT_TYPE_ERROR = 60015, Permanent, "accounts in the body must be JSON strings";
    /// `60016`: the SDKAppID is disabled.
    SDKAPPID_DISABLED = 60016, Permanent, "the SDKAppID is disabled";
    /// `60017`: the request is disabled.
    REQUEST_DISABLED = 60017, Permanent, "the request is disabled";
    /// `60018`: too many requests.
    TOO_MANY_REQUESTS = 60018, RateLimited, "too many requests, retry later";
    /// `60019`: too many requests (a second code for it).
    TOO_MANY_REQUESTS_ALT = 60019, RateLimited, "too many requests, retry later";
    /// `60020`: the Pro edition package expired or is disabled.
    EDITION_EXPIRED = 60020, Permanent, "the Pro edition package expired or is disabled";
    /// `60021`: the caller's IP address may not call the REST API.
    IP_NOT_ALLOWED = 60021, Permanent, "the caller's IP address may not call the REST API";
    /// `70001`: the UserSig expired.
    SIG_EXPIRED = 70001, SigExpired, "the UserSig expired, generate a new one";
    /// `70002`: the UserSig is empty.
    SIG_EMPTY = 70002, Permanent, "the UserSig is empty";
    /// `70003`: the UserSig could not be parsed (often truncated).
    SIG_MALFORMED = 70003, Permanent, "the UserSig could not be parsed (truncated?)";
    /// `70005`: the UserSig is invalid.
    SIG_INVALID = 70005, Permanent, "the UserSig is invalid";
    /// `70009`: the UserSig failed verification (signed with another app's key?).
    SIG_VERIFY_FAILED = 70009, Permanent, "the UserSig failed verification, check the secret key";
    /// `70013`: the identifier differs from the one the UserSig was made for.
    SIG_IDENTIFIER_MISMATCH = 70013, Permanent, "the identifier differs from the UserSig's";
    /// `70014`: the SDKAppID differs from the one the UserSig was made for.
    SIG_SDKAPPID_MISMATCH = 70014, Permanent, "the SDKAppID differs from the UserSig's";
    /// `70016`: key not found; check the SDKAppID against the data center (region).
    KEY_NOT_FOUND = 70016, Permanent, "key not found, check the SDKAppID and the region";
    /// `70020`: SDKAppID not found; check the app and the data center (region).
    SDKAPPID_NOT_FOUND = 70020, Permanent, "SDKAppID not found, check the app and the region";
    /// `70050`: too many failed UserSig verifications; retry after a minute.
    SIG_VERIFY_TOO_FREQUENT = 70050, Permanent, "too many failed UserSig verifications, retry after a minute";
    /// `70051`: the account is blocked.
    ACCOUNT_BLOCKED = 70051, Permanent, "the account is blocked";
    /// `70107`: the UserID was not imported or does not exist.
    ACCOUNT_NOT_IMPORTED = 70107, Permanent, "the UserID was not imported or does not exist";
    /// `70114`: login restricted for security reasons.
    LOGIN_RESTRICTED = 70114, Permanent, "login restricted for security reasons";
    /// `70169`: server timeout.
    SERVER_TIMEOUT = 70169, Transient, "server timeout, retry later";
    /// `70202`: server timeout (a second code for it).
    SERVER_TIMEOUT_ALT = 70202, Transient, "server timeout, retry later";
    /// `70206`: invalid batch size.
    INVALID_BATCH_SIZE = 70206, Permanent, "invalid batch size";
    /// `70398`: too many accounts for the edition.
    ACCOUNT_LIMIT_EXCEEDED = 70398, Permanent, "too many accounts for the edition";
    /// `70402`: invalid parameter.
    INVALID_PARAMETER = 70402, Permanent, "invalid parameter";
    /// `70403`: the request needs app admin permission.
    ADMIN_PERMISSION_REQUIRED = 70403, Permanent, "the request needs app admin permission";
    /// `70404`: account_import timed out setting the account's basic profile (older
    /// account_import documentation).
    IMPORT_PROFILE_TIMEOUT = 70404, Transient, "timed out setting the imported account's profile, retry";
    /// `70500`: internal server error.
    INTERNAL_ERROR = 70500, Transient, "internal server error, retry later";
    /// `71000`: account deletion is not allowed for this edition.
    ACCOUNT_DELETE_NOT_ALLOWED = 71000, Permanent, "account deletion is not allowed for this edition";
    /// `80001`: text filtered by the security policy.
    TEXT_FILTERED = 80001, Permanent, "text filtered by the security policy";
    /// `80002`: packet over 8 KB.
    PACKET_TOO_LARGE = 80002, Permanent, "packet over 8 KB";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(KNOWN.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn classes_follow_the_retry_table() {
        for code in [60007, 60011, 60018, 60019, 30540] {
            assert_eq!(
                ErrorCode::new(code).class(),
                ErrorClass::RateLimited,
                "{code}"
            );
        }
        for code in [30006, 30007, 60008, 60013, 60014, 70169, 70202, 70500] {
            assert_eq!(
                ErrorCode::new(code).class(),
                ErrorClass::Transient,
                "{code}"
            );
        }
        assert_eq!(ErrorCode::new(30008).class(), ErrorClass::WriteConflict);
        assert_eq!(ErrorCode::new(70001).class(), ErrorClass::SigExpired);
        assert_eq!(ErrorCode::new(30539).class(), ErrorClass::Pending);
        assert_eq!(ErrorCode::new(0).class(), ErrorClass::Success);
        assert_eq!(ErrorCode::new(30001).class(), ErrorClass::Permanent);
        assert_eq!(ErrorCode::new(70009).class(), ErrorClass::Permanent);
        assert!(!ErrorCode::new(70009).is_retryable());
        assert!(ErrorCode::new(30008).is_retryable());
    }

    #[test]
    fn unknown_codes_keep_their_number() {
        let code = ErrorCode::new(-7);
        assert_eq!(code.get(), -7);
        assert_eq!(code.class(), ErrorClass::Unknown);
        assert_eq!(code.name(), None);
        assert_eq!(format!("{code:?}"), "ErrorCode(-7)");
        assert_eq!(
            format!("{:?}", ErrorCode::SNS_PENDING),
            "ErrorCode(30539: SNS_PENDING)"
        );
    }

    #[test]
    fn every_spec_code_is_named() {
        let spec = [
            30001, 30002, 30003, 30004, 30005, 30006, 30007, 30008, 30009, 30010, 30011, 30012,
            30013, 30014, 30515, 30516, 30525, 30539, 30540, 30614, 31704, 31707, 31804, 60002,
            60003, 60004, 60005, 60006, 60007, 60008, 60009, 60010, 60011, 60012, 60013, 60014,
            60015, 60016, 60017, 60018, 60019, 60020, 60021, 70001, 70002, 70003, 70005, 70009,
            70013, 70014, 70016, 70020, 70050, 70051, 70107, 70114, 70169, 70202, 70206, 70398,
            70402, 70403, 70500, 71000, 80001, 80002,
            // docs/commands.md: profile and account codes.
            40001, 40003, 40004, 40005, 40006, 40008, 40009, 40601, 40605, 40610, 70404,
        ];
        for code in spec {
            let code = ErrorCode::new(code);
            assert!(code.is_known(), "{code} has no constant");
            assert!(code.description().is_some_and(|d| !d.is_empty()));
        }
        assert_eq!(ErrorCode::known().len(), spec.len() + 1);
    }

    #[test]
    fn serializes_as_a_plain_integer() {
        let json = serde_json::to_string(&ErrorCode::SNS_PENDING).unwrap();
        assert_eq!(json, "30539");
        let back: ErrorCode = serde_json::from_str("70001").unwrap();
        assert_eq!(back, ErrorCode::SIG_EXPIRED);
    }
}
