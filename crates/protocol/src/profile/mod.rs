//! The profile service (`v4/profile/...`): the profile fields of an account.
//!
//! A profile is a list of `{Tag, Value}` pairs ([`ProfileItem`]). Standard fields have tags named
//! `Tag_Profile_IM_*` with documented types and limits; apps may add custom fields named
//! `Tag_Profile_Custom_` + a keyword of at most 8 ASCII letters, whose values are strings
//! (Tencent Cloud Chat docs: "Profile Management",
//! <https://www.tencentcloud.com/document/product/1047/33520>).

mod portrait_set;

pub use portrait_set::{PortraitSet, PortraitSetResponse};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ValidationError, Violation};
use crate::serde_util::tolerant_enum;
use crate::validate;

/// `Tag_Profile_IM_Nick`: the nickname, a string of at most [`NICK_MAX_BYTES`].
pub const TAG_NICK: &str = "Tag_Profile_IM_Nick";
/// `Tag_Profile_IM_Gender`: the gender, a [`Gender`] string.
pub const TAG_GENDER: &str = "Tag_Profile_IM_Gender";
/// `Tag_Profile_IM_BirthDay`: the birthday, an unsigned 32-bit integer (e.g. `20190419`).
pub const TAG_BIRTHDAY: &str = "Tag_Profile_IM_BirthDay";
/// `Tag_Profile_IM_Location`: the location, a string of at most [`LOCATION_MAX_BYTES`].
pub const TAG_LOCATION: &str = "Tag_Profile_IM_Location";
/// `Tag_Profile_IM_SelfSignature`: the signature line, a string of at most
/// [`SELF_SIGNATURE_MAX_BYTES`].
pub const TAG_SELF_SIGNATURE: &str = "Tag_Profile_IM_SelfSignature";
/// `Tag_Profile_IM_AllowType`: how friend requests to the account are handled, an
/// [`AllowType`] string.
pub const TAG_ALLOW_TYPE: &str = "Tag_Profile_IM_AllowType";
/// `Tag_Profile_IM_Language`: the language, an unsigned 32-bit integer.
pub const TAG_LANGUAGE: &str = "Tag_Profile_IM_Language";
/// `Tag_Profile_IM_Image`: the profile photo URL (`FaceUrl` of the account APIs), a string of at
/// most [`IMAGE_MAX_BYTES`].
pub const TAG_IMAGE: &str = "Tag_Profile_IM_Image";
/// `Tag_Profile_IM_MsgSettings`: message settings bit flags, an unsigned 32-bit integer.
pub const TAG_MSG_SETTINGS: &str = "Tag_Profile_IM_MsgSettings";
/// `Tag_Profile_IM_AdminForbidType`: whether the admin forbids the account to send friend
/// requests, an [`AdminForbidType`] string.
pub const TAG_ADMIN_FORBID_TYPE: &str = "Tag_Profile_IM_AdminForbidType";
/// `Tag_Profile_IM_Level`: the level, an unsigned 32-bit integer.
pub const TAG_LEVEL: &str = "Tag_Profile_IM_Level";
/// `Tag_Profile_IM_Role`: the role, an unsigned 32-bit integer.
pub const TAG_ROLE: &str = "Tag_Profile_IM_Role";
/// The prefix of every custom profile field's tag.
pub const CUSTOM_TAG_PREFIX: &str = "Tag_Profile_Custom_";
/// The longest keyword after [`CUSTOM_TAG_PREFIX`], in ASCII letters.
pub const CUSTOM_TAG_KEYWORD_MAX_BYTES: usize = 8;

/// The longest string value of any profile field, in bytes (Tencent answers 40601 beyond it).
pub const VALUE_MAX_BYTES: usize = 500;
/// The longest `Tag_Profile_IM_Nick` (and the account APIs' `Nick`), in bytes.
pub const NICK_MAX_BYTES: usize = 500;
/// The longest `Tag_Profile_IM_Image` (and the account APIs' `FaceUrl`), in bytes.
pub const IMAGE_MAX_BYTES: usize = 500;
/// The longest `Tag_Profile_IM_SelfSignature`, in bytes.
pub const SELF_SIGNATURE_MAX_BYTES: usize = 500;
/// The longest `Tag_Profile_IM_Location`, in bytes.
pub const LOCATION_MAX_BYTES: usize = 16;

tolerant_enum! {
    /// `Tag_Profile_IM_AllowType`: how friend requests to the account are handled.
    ///
    /// Decoding keeps values Tencent does not document in [`AllowType::Other`]; validation of a
    /// request rejects them.
    pub enum AllowType {
        /// `AllowType_Type_NeedConfirm`: the account must confirm each request (friend_add
        /// answers 30539, pending).
        NeedConfirm = "AllowType_Type_NeedConfirm",
        /// `AllowType_Type_AllowAny`: anyone may add the account directly.
        AllowAny = "AllowType_Type_AllowAny",
        /// `AllowType_Type_DenyAny`: nobody may add the account (friend_add answers 30516).
        DenyAny = "AllowType_Type_DenyAny",
    }
}

tolerant_enum! {
    /// `Tag_Profile_IM_AdminForbidType`: whether the admin forbids the account to send friend
    /// requests.
    ///
    /// Decoding keeps values Tencent does not document in [`AdminForbidType::Other`]; validation
    /// of a request rejects them.
    pub enum AdminForbidType {
        /// `AdminForbid_Type_None`: the default, the account may send friend requests.
        None = "AdminForbid_Type_None",
        /// `AdminForbid_Type_SendOut`: the account may not send friend requests (friend_add
        /// answers 30009).
        SendOut = "AdminForbid_Type_SendOut",
    }
}

tolerant_enum! {
    /// `Tag_Profile_IM_Gender`.
    ///
    /// Decoding keeps values Tencent does not document in [`Gender::Other`]; validation of a
    /// request rejects them.
    pub enum Gender {
        /// `Gender_Type_Unknown`: not set.
        Unknown = "Gender_Type_Unknown",
        /// `Gender_Type_Female`.
        Female = "Gender_Type_Female",
        /// `Gender_Type_Male`.
        Male = "Gender_Type_Male",
    }
}

/// One profile field (`ProfileItem[]`): a tag and its value.
///
/// Any tag can be set through [`ProfileItem::new`]; the constructors for standard fields and
/// [`ProfileItem::custom`] fill in the tag and the value type.
///
/// ```
/// use tencent_im_protocol::profile::{AllowType, ProfileItem};
///
/// let item = ProfileItem::allow_type(AllowType::AllowAny);
/// assert_eq!(
///     serde_json::to_string(&item).unwrap(),
///     r#"{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_AllowAny"}"#
/// );
/// assert_eq!(item.allow_type_value(), Some(AllowType::AllowAny));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfileItem {
    /// `Tag`: the field's name, e.g. `Tag_Profile_IM_Nick`.
    #[serde(rename = "Tag")]
    pub tag: String,
    /// `Value`: a string, or an unsigned integer for the integer standard fields.
    #[serde(rename = "Value")]
    pub value: Value,
}

impl ProfileItem {
    /// A field with any tag and value, e.g. `ProfileItem::new("Tag_Profile_IM_Level", 3)`.
    pub fn new(tag: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            tag: tag.into(),
            value: value.into(),
        }
    }

    /// `Tag_Profile_IM_Nick`.
    pub fn nick(nick: impl Into<String>) -> Self {
        Self::new(TAG_NICK, nick.into())
    }

    /// `Tag_Profile_IM_Image`: the profile photo URL.
    pub fn image(url: impl Into<String>) -> Self {
        Self::new(TAG_IMAGE, url.into())
    }

    /// `Tag_Profile_IM_Gender`.
    pub fn gender(gender: Gender) -> Self {
        Self::new(TAG_GENDER, gender.as_str())
    }

    /// `Tag_Profile_IM_AllowType`.
    pub fn allow_type(allow_type: AllowType) -> Self {
        Self::new(TAG_ALLOW_TYPE, allow_type.as_str())
    }

    /// `Tag_Profile_IM_AdminForbidType`.
    pub fn admin_forbid_type(forbid: AdminForbidType) -> Self {
        Self::new(TAG_ADMIN_FORBID_TYPE, forbid.as_str())
    }

    /// A custom field: tag `Tag_Profile_Custom_{keyword}`, a string value.
    pub fn custom(keyword: &str, value: impl Into<String>) -> Self {
        Self::new(format!("{CUSTOM_TAG_PREFIX}{keyword}"), value.into())
    }

    /// The value, if it is a string.
    pub fn str_value(&self) -> Option<&str> {
        self.value.as_str()
    }

    /// The value, if it is an unsigned integer.
    pub fn u64_value(&self) -> Option<u64> {
        self.value.as_u64()
    }

    /// The value as an [`AllowType`], if this is `Tag_Profile_IM_AllowType` with a string value.
    pub fn allow_type_value(&self) -> Option<AllowType> {
        self.enum_value(TAG_ALLOW_TYPE)
    }

    /// The value as an [`AdminForbidType`], if this is `Tag_Profile_IM_AdminForbidType` with a
    /// string value.
    pub fn admin_forbid_type_value(&self) -> Option<AdminForbidType> {
        self.enum_value(TAG_ADMIN_FORBID_TYPE)
    }

    /// The value as a [`Gender`], if this is `Tag_Profile_IM_Gender` with a string value.
    pub fn gender_value(&self) -> Option<Gender> {
        self.enum_value(TAG_GENDER)
    }

    /// Whether the tag names a custom field (`Tag_Profile_Custom_...`).
    pub fn is_custom(&self) -> bool {
        self.tag.starts_with(CUSTOM_TAG_PREFIX)
    }

    fn enum_value<'a, T: From<&'a str>>(&'a self, tag: &str) -> Option<T> {
        if self.tag == tag {
            self.value.as_str().map(T::from)
        } else {
            None
        }
    }

    /// Checks the tag's format and the value's type and length; `path` is the item's wire path,
    /// e.g. `ProfileItem[2]`.
    pub(crate) fn validate(&self, path: &str) -> Result<(), ValidationError> {
        let tag_path = || format!("{path}.Tag");
        let value_path = || format!("{path}.Value");
        validate::non_empty(&self.tag, tag_path)?;
        if !self
            .tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(ValidationError::new(
                tag_path(),
                Violation::Format {
                    expected: "ASCII letters, digits and underscores",
                },
            ));
        }
        let kind = match self.tag.strip_prefix(CUSTOM_TAG_PREFIX) {
            Some(keyword) => {
                if !(1..=CUSTOM_TAG_KEYWORD_MAX_BYTES).contains(&keyword.len())
                    || !keyword.bytes().all(|b| b.is_ascii_alphabetic())
                {
                    return Err(ValidationError::new(
                        tag_path(),
                        Violation::Format {
                            expected: "\"Tag_Profile_Custom_\" followed by 1 to 8 ASCII letters",
                        },
                    ));
                }
                ValueKind::Text(VALUE_MAX_BYTES)
            }
            None => ValueKind::of_standard(&self.tag),
        };
        kind.check(&self.value, value_path)
    }
}

/// What a tag's value must be.
#[derive(Debug, Clone, Copy)]
enum ValueKind {
    /// A string of at most this many bytes.
    Text(usize),
    /// One of these strings.
    OneOf(&'static [&'static str], &'static str),
    /// An unsigned 32-bit integer.
    U32,
    /// A tag this crate does not know: a string of at most 500 bytes or an unsigned integer.
    Any,
}

impl ValueKind {
    fn of_standard(tag: &str) -> Self {
        match tag {
            TAG_NICK => Self::Text(NICK_MAX_BYTES),
            TAG_IMAGE => Self::Text(IMAGE_MAX_BYTES),
            TAG_SELF_SIGNATURE => Self::Text(SELF_SIGNATURE_MAX_BYTES),
            TAG_LOCATION => Self::Text(LOCATION_MAX_BYTES),
            TAG_GENDER => Self::OneOf(
                &[
                    "Gender_Type_Unknown",
                    "Gender_Type_Female",
                    "Gender_Type_Male",
                ],
                "Gender_Type_Unknown, Gender_Type_Female or Gender_Type_Male",
            ),
            TAG_ALLOW_TYPE => Self::OneOf(
                &[
                    "AllowType_Type_NeedConfirm",
                    "AllowType_Type_AllowAny",
                    "AllowType_Type_DenyAny",
                ],
                "AllowType_Type_NeedConfirm, AllowType_Type_AllowAny or AllowType_Type_DenyAny",
            ),
            TAG_ADMIN_FORBID_TYPE => Self::OneOf(
                &["AdminForbid_Type_None", "AdminForbid_Type_SendOut"],
                "AdminForbid_Type_None or AdminForbid_Type_SendOut",
            ),
            TAG_BIRTHDAY | TAG_LANGUAGE | TAG_MSG_SETTINGS | TAG_LEVEL | TAG_ROLE => Self::U32,
            _ => Self::Any,
        }
    }

    fn check(self, value: &Value, path: impl Fn() -> String) -> Result<(), ValidationError> {
        let format = |expected| Err(ValidationError::new(path(), Violation::Format { expected }));
        match (self, value) {
            (Self::Text(limit), Value::String(s)) => validate::max_bytes(s, limit, path),
            (Self::Text(_), _) => format("a string"),
            (Self::OneOf(values, _), Value::String(s)) if values.contains(&s.as_str()) => Ok(()),
            (Self::OneOf(_, expected), _) => format(expected),
            (Self::U32, Value::Number(n))
                if n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)) =>
            {
                Ok(())
            }
            (Self::U32, _) => format("an unsigned 32-bit integer"),
            (Self::Any, Value::String(s)) => validate::max_bytes(s, VALUE_MAX_BYTES, path),
            (Self::Any, Value::Number(n)) if n.as_u64().is_some() => Ok(()),
            (Self::Any, _) => format("a string or an unsigned integer"),
        }
    }
}
