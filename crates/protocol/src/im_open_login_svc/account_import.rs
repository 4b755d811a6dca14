//! `v4/im_open_login_svc/account_import`: import one account (Tencent Cloud Chat docs:
//! "Importing a Single Account", <https://www.tencentcloud.com/document/product/1047/34953>).

use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::endpoint::Endpoint;
use crate::error::ValidationError;

/// The `account_import` request body.
///
/// `UserID` is required by [`AccountImport::new`]; `Nick` and `FaceUrl` are optional and left out
/// of the JSON when not set. Older documentation named the account field `Identifier`; requests
/// are always sent with `UserID`, and a logged body with `Identifier` still decodes.
///
/// ```
/// use tencent_im_protocol::im_open_login_svc::AccountImport;
/// use tencent_im_protocol::Command;
///
/// let req = AccountImport::new("alice").nick("Alice");
/// assert_eq!(req.encode().unwrap(), br#"{"UserID":"alice","Nick":"Alice"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountImport {
    /// `UserID`: the account to import, 1 to 32 bytes.
    #[serde(rename = "UserID", alias = "Identifier")]
    pub user_id: String,
    /// `Nick`: the nickname, at most 500 bytes.
    #[serde(rename = "Nick", default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    /// `FaceUrl`: the profile photo URL, at most 500 bytes.
    #[serde(rename = "FaceUrl", default, skip_serializing_if = "Option::is_none")]
    pub face_url: Option<String>,
}

impl AccountImport {
    /// A request importing `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            nick: None,
            face_url: None,
        }
    }

    /// Sets `Nick`.
    #[must_use]
    pub fn nick(mut self, nick: impl Into<String>) -> Self {
        self.nick = Some(nick.into());
        self
    }

    /// Sets `FaceUrl`.
    #[must_use]
    pub fn face_url(mut self, face_url: impl Into<String>) -> Self {
        self.face_url = Some(face_url.into());
        self
    }
}

impl Command for AccountImport {
    const ENDPOINT: Endpoint = Endpoint::AccountImport;
    type Response = AccountImportResponse;

    /// Checks `UserID` (1 to 32 bytes), `Nick` and `FaceUrl` (at most 500 bytes each, the
    /// limits of the profile fields they are stored in).
    fn validate(&self) -> Result<(), ValidationError> {
        super::validate_account(
            &self.user_id,
            self.nick.as_deref(),
            self.face_url.as_deref(),
            str::to_owned,
        )
    }
}

/// The command-specific fields of an `account_import` reply: none. The reply is the envelope
/// alone (`ActionStatus`, `ErrorCode`, `ErrorInfo`); unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountImportResponse {}
