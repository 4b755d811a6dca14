//! `v4/sns/friend_add`: add friends to one account (Tencent Cloud Chat docs: "Adding Friends",
//! <https://www.tencentcloud.com/document/product/1047/34902>).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::{BatchRequest, BatchResponse, ResultItem};
use crate::command::{Command, ListCommand};
use crate::endpoint::Endpoint;
use crate::error::{ValidationError, Violation};
use crate::error_code::ErrorCode;
use crate::report::{BatchReport, ItemFailure, item_outcome};
use crate::validate;

/// The longest `Remark`, in bytes ("Adding Friends"; checked before sending).
pub const REMARK_MAX_BYTES: usize = 96;
/// The longest `GroupName`, in bytes ("Adding Friends"; checked before sending).
pub const GROUP_NAME_MAX_BYTES: usize = 30;
/// The longest `AddWording`, in bytes ("Adding Friends"; checked before sending).
pub const ADD_WORDING_MAX_BYTES: usize = 256;
/// The prefix every `AddSource` starts with.
pub const ADD_SOURCE_PREFIX: &str = "AddSource_Type_";
/// The longest keyword after [`ADD_SOURCE_PREFIX`], in ASCII letters ("Adding Friends").
pub const ADD_SOURCE_KEYWORD_MAX_BYTES: usize = 8;

/// The `friend_add` request body.
///
/// `From_Account` and at least one item are required by [`FriendAdd::new`]; `AddType`
/// (default `Add_Type_Both` on Tencent's side) and `ForceAddFlags` are optional and left out of
/// the JSON when not set.
///
/// ```
/// use tencent_im_protocol::sns::{AddFriendItem, AddType, ForceAddFlags, FriendAdd};
/// use tencent_im_protocol::Command;
///
/// let req = FriendAdd::new(
///     "alice",
///     vec![AddFriendItem::new("bob", "AddSource_Type_Android").remark("Bob").group_name("Work")],
/// )
/// .add_type(AddType::Single)
/// .force_add(ForceAddFlags::Force);
/// assert!(req.validate().is_ok());
/// let json = String::from_utf8(req.encode().unwrap()).unwrap();
/// assert!(json.contains(r#""AddType":"Add_Type_Single","ForceAddFlags":1"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FriendAdd {
    /// `From_Account`: the account friends are added for.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `AddFriendItem`: one entry per account to add.
    #[serde(rename = "AddFriendItem")]
    pub items: Vec<AddFriendItem>,
    /// `AddType`: one-way or two-way; Tencent's default is two-way.
    #[serde(rename = "AddType", default, skip_serializing_if = "Option::is_none")]
    pub add_type: Option<AddType>,
    /// `ForceAddFlags`: whether the admin forces the add.
    #[serde(
        rename = "ForceAddFlags",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub force_add: Option<ForceAddFlags>,
}

impl FriendAdd {
    /// A request adding `items` to `from_account`'s friends.
    pub fn new(from_account: impl Into<String>, items: Vec<AddFriendItem>) -> Self {
        Self {
            from_account: from_account.into(),
            items,
            add_type: None,
            force_add: None,
        }
    }

    /// Sets `AddType`.
    #[must_use]
    pub fn add_type(mut self, add_type: AddType) -> Self {
        self.add_type = Some(add_type);
        self
    }

    /// Sets `ForceAddFlags`.
    #[must_use]
    pub fn force_add(mut self, flags: ForceAddFlags) -> Self {
        self.force_add = Some(flags);
        self
    }
}

impl Command for FriendAdd {
    const ENDPOINT: Endpoint = Endpoint::FriendAdd;
    type Response = FriendAddResponse;

    /// Checks every limit of "Adding Friends" before sending: 1 to 1000 items, UserIDs of 1 to
    /// 32 bytes, no target twice, `Remark` ≤ 96 bytes, `GroupName` 1 to 30 bytes, `AddWording`
    /// ≤ 256 bytes and `AddSource` = `AddSource_Type_` + 1 to 8 ASCII letters.
    fn validate(&self) -> Result<(), ValidationError> {
        self.check(Self::MAX_ITEMS.unwrap_or(usize::MAX))
    }

    fn item_count(&self) -> usize {
        self.items.len()
    }
}

impl FriendAdd {
    fn check(&self, limit: usize) -> Result<(), ValidationError> {
        validate::account(&self.from_account, || "From_Account".to_owned())?;
        validate::items("AddFriendItem", self.items.len(), limit)?;
        for (i, item) in self.items.iter().enumerate() {
            item.validate(i)?;
        }
        validate::unique_accounts(self.items.iter().map(|i| i.to_account.as_str()), |i| {
            format!("AddFriendItem[{i}].To_Account")
        })
    }
}

impl ListCommand for FriendAdd {
    type Item = AddFriendItem;
    type Outcome = AddOutcome;

    fn items(&self) -> &[AddFriendItem] {
        &self.items
    }

    fn account(item: &AddFriendItem) -> &str {
        &item.to_account
    }

    fn with_items(&self, items: Vec<AddFriendItem>) -> Self {
        Self {
            from_account: self.from_account.clone(),
            items,
            add_type: self.add_type,
            force_add: self.force_add,
        }
    }

    fn validate_uncapped(&self) -> Result<(), ValidationError> {
        self.check(usize::MAX)
    }

    fn report(response: &FriendAddResponse, request: &Self) -> FriendAddReport {
        response.report(request)
    }
}

/// One account to add (`AddFriendItem[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddFriendItem {
    /// `To_Account`: the account to add.
    #[serde(rename = "To_Account")]
    pub to_account: String,
    /// `Remark`: the sender's remark for the account, at most 96 bytes.
    #[serde(rename = "Remark", default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `GroupName`: the sender's friend group to put the account in, 1 to 30 bytes.
    #[serde(rename = "GroupName", default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// `AddSource`: where the request comes from, `AddSource_Type_` + 1 to 8 ASCII letters.
    #[serde(rename = "AddSource", default)]
    pub add_source: String,
    /// `AddWording`: the request message, at most 256 bytes.
    #[serde(
        rename = "AddWording",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub add_wording: Option<String>,
}

impl AddFriendItem {
    /// An item adding `to_account`, from `add_source` (the full value, e.g.
    /// `"AddSource_Type_Android"`).
    pub fn new(to_account: impl Into<String>, add_source: impl Into<String>) -> Self {
        Self {
            to_account: to_account.into(),
            remark: None,
            group_name: None,
            add_source: add_source.into(),
            add_wording: None,
        }
    }

    /// Sets `Remark`.
    #[must_use]
    pub fn remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    /// Sets `GroupName`.
    #[must_use]
    pub fn group_name(mut self, group_name: impl Into<String>) -> Self {
        self.group_name = Some(group_name.into());
        self
    }

    /// Sets `AddWording`.
    #[must_use]
    pub fn add_wording(mut self, add_wording: impl Into<String>) -> Self {
        self.add_wording = Some(add_wording.into());
        self
    }

    /// Checks this item's limits alone (not the uniqueness of `To_Account` in a list), naming
    /// it `AddFriendItem[i]` in the error.
    pub fn validate(&self, i: usize) -> Result<(), ValidationError> {
        let path = |field: &str| format!("AddFriendItem[{i}].{field}");
        validate::account(&self.to_account, || path("To_Account"))?;
        if let Some(remark) = &self.remark {
            validate::max_bytes(remark, REMARK_MAX_BYTES, || path("Remark"))?;
        }
        if let Some(group) = &self.group_name {
            validate::non_empty(group, || path("GroupName"))?;
            validate::max_bytes(group, GROUP_NAME_MAX_BYTES, || path("GroupName"))?;
        }
        if !is_valid_add_source(&self.add_source) {
            return Err(ValidationError::new(
                path("AddSource"),
                Violation::Format {
                    expected: "\"AddSource_Type_\" followed by 1 to 8 ASCII letters",
                },
            ));
        }
        if let Some(wording) = &self.add_wording {
            validate::max_bytes(wording, ADD_WORDING_MAX_BYTES, || path("AddWording"))?;
        }
        Ok(())
    }
}

/// Whether `value` is `AddSource_Type_` followed by 1 to 8 ASCII letters.
pub fn is_valid_add_source(value: &str) -> bool {
    value.strip_prefix(ADD_SOURCE_PREFIX).is_some_and(|kw| {
        (1..=ADD_SOURCE_KEYWORD_MAX_BYTES).contains(&kw.len())
            && kw.bytes().all(|b| b.is_ascii_alphabetic())
    })
}

/// `AddType`: whether the friendship is written one way or both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum AddType {
    /// `Add_Type_Single`: only the sender's list gets the target.
    #[serde(rename = "Add_Type_Single")]
    Single,
    /// `Add_Type_Both`: both lists (Tencent's default).
    #[default]
    #[serde(rename = "Add_Type_Both")]
    Both,
}

impl AddType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "Add_Type_Single",
            Self::Both => "Add_Type_Both",
        }
    }
}

/// `ForceAddFlags`: an integer on the wire, `0` or `1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ForceAddFlags {
    /// `0`: a normal add, subject to the target's verification setting.
    #[default]
    Normal,
    /// `1`: the admin forces the add.
    Force,
}

impl Serialize for ForceAddFlags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(match self {
            Self::Normal => 0,
            Self::Force => 1,
        })
    }
}

impl<'de> Deserialize<'de> for ForceAddFlags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ForceAddFlags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the integer 0 or 1")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ForceAddFlags, E> {
                match v {
                    0 => Ok(ForceAddFlags::Normal),
                    1 => Ok(ForceAddFlags::Force),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ForceAddFlags, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }
        }
        deserializer.deserialize_u64(V)
    }
}

/// The command-specific fields of a `friend_add` reply: one `ResultItem` per requested account,
/// `Fail_Account` and `Invalid_Account`.
pub type FriendAddResponse = BatchResponse;

impl BatchRequest for FriendAdd {
    type Outcome = AddOutcome;
    const NOT_FAILED: &'static [ErrorCode] = &[ErrorCode::SNS_PENDING];

    fn accounts(&self) -> impl ExactSizeIterator<Item = &str> {
        self.items.iter().map(|i| i.to_account.as_str())
    }

    fn outcome(item: &ResultItem) -> AddOutcome {
        AddOutcome::from_result(item)
    }
}

/// What became of one requested account: added, pending, already a friend, or failed with its
/// code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddOutcome {
    /// The friendship was written (code 0).
    Added,
    /// A friend request is pending: the target must confirm (30539).
    Pending,
    /// The target already was a friend (30001 with `Friend_Exist`); a retried add ends so.
    AlreadyFriends,
    /// The item failed.
    Failed(ItemFailure),
}

impl AddOutcome {
    /// The outcome a `ResultItem` stands for.
    pub fn from_result(item: &ResultItem) -> Self {
        match item.result_code {
            ErrorCode::OK => Self::Added,
            ErrorCode::SNS_PENDING => Self::Pending,
            ErrorCode::SNS_BAD_REQUEST if item.result_info.contains("Friend_Exist") => {
                Self::AlreadyFriends
            }
            _ => Self::Failed(ItemFailure::from_result(item)),
        }
    }
}

item_outcome!(AddOutcome);

impl fmt::Display for AddOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Added => f.write_str("added"),
            Self::Pending => f.write_str("pending"),
            Self::AlreadyFriends => f.write_str("already friends"),
            Self::Failed(failure) => write!(f, "failed ({failure})"),
        }
    }
}

/// Every requested account's outcome, in request order, and the reply's discrepancies.
pub type FriendAddReport = BatchReport<AddOutcome>;
