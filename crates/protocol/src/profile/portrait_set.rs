//! `v4/profile/portrait_set`: set profile fields of one account (Tencent Cloud Chat docs:
//! "Setting Profiles", <https://www.tencentcloud.com/document/product/1047/34916>).

use serde::{Deserialize, Serialize};

use super::ProfileItem;
use crate::command::Command;
use crate::endpoint::Endpoint;
use crate::error::ValidationError;
use crate::validate;

/// The `portrait_set` request body: `From_Account` and the fields to set, both required by
/// [`PortraitSet::new`].
///
/// ```
/// use tencent_im_protocol::profile::{AdminForbidType, AllowType, PortraitSet, ProfileItem};
/// use tencent_im_protocol::{Command, Endpoint};
///
/// let req = PortraitSet::new(
///     "alice",
///     vec![
///         ProfileItem::allow_type(AllowType::NeedConfirm),
///         ProfileItem::admin_forbid_type(AdminForbidType::SendOut),
///         ProfileItem::nick("Alice"),
///     ],
/// );
/// assert_eq!(PortraitSet::ENDPOINT, Endpoint::PortraitSet);
/// let json = String::from_utf8(req.encode().unwrap()).unwrap();
/// assert!(json.starts_with(
///     r#"{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_NeedConfirm"}"#
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortraitSet {
    /// `From_Account`: the account whose profile is set.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `ProfileItem`: the fields to set, each tag once.
    #[serde(rename = "ProfileItem")]
    pub items: Vec<ProfileItem>,
}

impl PortraitSet {
    /// A request setting `items` on `from_account`'s profile.
    pub fn new(from_account: impl Into<String>, items: Vec<ProfileItem>) -> Self {
        Self {
            from_account: from_account.into(),
            items,
        }
    }
}

impl Command for PortraitSet {
    const ENDPOINT: Endpoint = Endpoint::PortraitSet;
    type Response = PortraitSetResponse;

    /// Checks `From_Account` (1 to 32 bytes), at least one `ProfileItem`, each tag made of ASCII
    /// letters, digits and underscores and set once, custom tags of the form
    /// `Tag_Profile_Custom_` + 1 to 8 ASCII letters with string values, and each value of the
    /// documented type and length: strings at most 500 bytes (`Tag_Profile_IM_Location` 16),
    /// the enumerated fields one of their documented values, the integer fields unsigned 32-bit.
    fn validate(&self) -> Result<(), ValidationError> {
        validate::account(&self.from_account, || "From_Account".to_owned())?;
        let limit = Self::MAX_ITEMS.unwrap_or(usize::MAX);
        validate::items("ProfileItem", self.items.len(), limit)?;
        for (i, item) in self.items.iter().enumerate() {
            item.validate(&format!("ProfileItem[{i}]"))?;
        }
        validate::unique_accounts(self.items.iter().map(|i| i.tag.as_str()), |i| {
            format!("ProfileItem[{i}].Tag")
        })
    }

    fn item_count(&self) -> usize {
        self.items.len()
    }
}

/// The command-specific fields of a `portrait_set` reply: none. The reply is the envelope
/// alone (`ActionStatus`, `ErrorCode`, `ErrorInfo`, `ErrorDisplay`); unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortraitSetResponse {}
