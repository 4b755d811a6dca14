//! The emulator's model (spec §7.7): accounts, profiles, friend lists, friend groups, pending
//! requests and blocklists, per SDKAppID.
//!
//! The types here are both the live state and the snapshot that
//! [`Emulator::state`](crate::Emulator::state) returns and `--state-file` saves.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tencent_im_protocol::ErrorCode;
use tencent_im_protocol::profile::{AdminForbidType, AllowType};
use tencent_im_protocol::sns::{
    ADD_WORDING_MAX_BYTES, AddFriendItem, GROUP_NAME_MAX_BYTES, REMARK_MAX_BYTES, ResultItem,
    is_valid_add_source,
};

use crate::config::RelationshipLimits;

/// The longest UserID, in bytes.
const USER_ID_MAX_BYTES: usize = tencent_im_protocol::USER_ID_MAX_BYTES;

/// Everything the emulator knows, per SDKAppID.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StateSnapshot {
    /// The applications, by SDKAppID.
    pub apps: BTreeMap<u64, AppState>,
}

impl StateSnapshot {
    /// The state of one application.
    pub fn app(&self, sdkappid: u64) -> Option<&AppState> {
        self.apps.get(&sdkappid)
    }
}

/// The accounts of one application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppState {
    /// The accounts, by UserID.
    pub accounts: HashMap<String, Account>,
}

/// One account: its profile and its relationship chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// `Tag_Profile_IM_AllowType`: how friend requests to it are handled.
    pub allow_type: AllowType,
    /// `Tag_Profile_IM_AdminForbidType`: whether it may send friend requests.
    pub admin_forbid_type: AdminForbidType,
    /// Every other profile field set by account_import or portrait_set (`Tag_Profile_IM_Nick`,
    /// `Tag_Profile_IM_Image`, custom fields, ...), by tag.
    #[serde(default)]
    pub profile: BTreeMap<String, Value>,
    /// Its friend list, by friend's UserID (friend_get pages through it in UserID order).
    #[serde(default)]
    pub friends: HashMap<String, Friend>,
    /// Its friend groups.
    #[serde(default)]
    pub groups: BTreeSet<String>,
    /// Friend requests it sent that wait for the target, by target.
    #[serde(default)]
    pub pending_out: BTreeMap<String, Pending>,
    /// Friend requests it received and has not decided, by sender.
    #[serde(default)]
    pub pending_in: BTreeMap<String, Pending>,
    /// Its blocklist.
    #[serde(default)]
    pub blocklist: BTreeSet<String>,
    /// Bumped on every change of its friend list (`StandardSequence` of friend_get).
    #[serde(default)]
    pub standard_sequence: u64,
}

impl Account {
    /// A new account with `allow_type` and nothing else.
    pub fn new(allow_type: AllowType) -> Self {
        Self {
            allow_type,
            admin_forbid_type: AdminForbidType::None,
            profile: BTreeMap::new(),
            friends: HashMap::new(),
            groups: BTreeSet::new(),
            pending_out: BTreeMap::new(),
            pending_in: BTreeMap::new(),
            blocklist: BTreeSet::new(),
            standard_sequence: 0,
        }
    }

    /// How many pending requests it has, sent and received.
    pub fn pending_count(&self) -> usize {
        self.pending_out.len() + self.pending_in.len()
    }
}

/// One entry of a friend list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Friend {
    /// `Tag_SNS_IM_Remark`.
    pub remark: Option<String>,
    /// `Tag_SNS_IM_Group`.
    pub groups: Vec<String>,
    /// `Tag_SNS_IM_AddSource`.
    pub add_source: String,
    /// `Tag_SNS_IM_AddWording`.
    pub add_wording: Option<String>,
    /// `Tag_SNS_IM_AddTime`, Unix seconds.
    pub add_time: u64,
}

/// A friend request waiting for its target's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pending {
    /// The request's `AddSource`.
    pub add_source: String,
    /// The request's `AddWording`.
    pub add_wording: Option<String>,
    /// The sender's `Remark` for the target.
    pub remark: Option<String>,
    /// The sender's `GroupName` for the target.
    pub group_name: Option<String>,
    /// When the request was made, Unix seconds.
    pub add_time: u64,
}

/// What a friend_add item is checked against.
pub(crate) struct AddRules<'a> {
    pub(crate) limits: &'a RelationshipLimits,
    pub(crate) sensitive_words: &'a [String],
    pub(crate) now: u64,
    pub(crate) both: bool,
    pub(crate) force: bool,
}

/// An empty string is taken as absent (spec §7.7: clients send `"Remark":""`).
fn present(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|s| !s.is_empty())
}

fn item(to: &str, code: ErrorCode, info: &str) -> ResultItem {
    ResultItem::new(to, code, info)
}

impl AppState {
    /// Creates `user_id` if it does not exist; returns whether it was created.
    pub(crate) fn ensure_account(&mut self, user_id: &str, allow_type: &AllowType) -> bool {
        if self.accounts.contains_key(user_id) {
            return false;
        }
        self.accounts
            .insert(user_id.to_owned(), Account::new(allow_type.clone()));
        true
    }

    /// One friend_add item from `from` (which exists), in the order of spec §7.7. Every
    /// friendship written is pushed to `written` as (list owner, friend added).
    pub(crate) fn add_friend(
        &mut self,
        from: &str,
        add: &AddFriendItem,
        rules: &AddRules<'_>,
        written: &mut Vec<(String, String)>,
    ) -> ResultItem {
        let to = add.to_account.as_str();
        let remark = present(add.remark.as_ref());
        let group = present(add.group_name.as_ref());
        let wording = present(add.add_wording.as_ref());

        let (Some(sender), Some(target)) = (self.accounts.get(from), self.accounts.get(to)) else {
            return item(
                to,
                ErrorCode::SNS_ACCOUNT_NOT_FOUND,
                "Err_SNS_FriendAdd_Account_Not_Exist",
            );
        };
        if to == from {
            return item(to, ErrorCode::SNS_BAD_REQUEST, "Err_SNS_FriendAdd_Add_Self");
        }
        if sender.friends.contains_key(to) {
            return item(
                to,
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_FriendAdd_Friend_Exist",
            );
        }
        if !is_valid_add_source(&add.add_source) {
            return item(
                to,
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_FriendAdd_Source_Illegal",
            );
        }
        let too_long = [
            (
                remark,
                REMARK_MAX_BYTES,
                "Err_SNS_FriendAdd_Remark_Too_Long",
            ),
            (
                group,
                GROUP_NAME_MAX_BYTES,
                "Err_SNS_FriendAdd_Group_Name_Too_Long",
            ),
            (
                wording,
                ADD_WORDING_MAX_BYTES,
                "Err_SNS_FriendAdd_Wording_Too_Long",
            ),
        ]
        .into_iter()
        .find(|(value, max, _)| value.is_some_and(|v| v.len() > *max));
        if let Some((_, _, info)) = too_long {
            return item(to, ErrorCode::SNS_BAD_REQUEST, info);
        }
        let sensitive = [remark, group, wording].into_iter().flatten().any(|text| {
            rules
                .sensitive_words
                .iter()
                .any(|w| !w.is_empty() && text.contains(w.as_str()))
        });
        if sensitive {
            return item(
                to,
                ErrorCode::SNS_SENSITIVE_WORD,
                "Err_SNS_FriendAdd_Sensitive_Word",
            );
        }
        if sender.admin_forbid_type == AdminForbidType::SendOut {
            return item(
                to,
                ErrorCode::SNS_ADD_FORBIDDEN,
                "Err_SNS_FriendAdd_Forbidden",
            );
        }
        if sender.blocklist.contains(to) {
            return item(
                to,
                ErrorCode::SNS_TARGET_IN_OWN_BLOCKLIST,
                "Err_SNS_FriendAdd_To_Account_In_Black_List",
            );
        }
        if target.blocklist.contains(from) {
            return item(
                to,
                ErrorCode::SNS_BLOCKED_BY_TARGET,
                "Err_SNS_FriendAdd_In_To_Account_Black_List",
            );
        }
        let limits = rules.limits;
        if sender.friends.len() >= limits.max_friends {
            return item(
                to,
                ErrorCode::SNS_OWN_FRIEND_LIMIT,
                "Err_SNS_FriendAdd_Friend_Num_Limit",
            );
        }
        let target_has_sender = target.friends.contains_key(from);
        if rules.both && !target_has_sender && target.friends.len() >= limits.max_friends {
            return item(
                to,
                ErrorCode::SNS_TARGET_FRIEND_LIMIT,
                "Err_SNS_FriendAdd_To_Account_Friend_Num_Limit",
            );
        }
        if let Some(group) = group {
            if !sender.groups.contains(group) && sender.groups.len() >= limits.max_groups {
                return item(
                    to,
                    ErrorCode::SNS_GROUP_LIMIT,
                    "Err_SNS_FriendAdd_Group_Num_Limit",
                );
            }
        }

        // Verification: only for normal two-way adds, and not when the target already has the
        // sender in its own list (it chose the sender before).
        if rules.both && !rules.force && !target_has_sender {
            match target.allow_type {
                AllowType::AllowAny => {}
                AllowType::DenyAny => {
                    return item(
                        to,
                        ErrorCode::SNS_TARGET_DENIES_ALL,
                        "Err_SNS_FriendAdd_Deny_Any",
                    );
                }
                _ => {
                    if !sender.pending_out.contains_key(to)
                        && (sender.pending_count() >= limits.max_pending
                            || target.pending_count() >= limits.max_pending)
                    {
                        return item(
                            to,
                            ErrorCode::SNS_PENDING_LIMIT,
                            "Err_SNS_FriendAdd_Pendency_Num_Limit",
                        );
                    }
                    let pending = Pending {
                        add_source: add.add_source.clone(),
                        add_wording: wording.map(str::to_owned),
                        remark: remark.map(str::to_owned),
                        group_name: group.map(str::to_owned),
                        add_time: rules.now,
                    };
                    if let Some(sender) = self.accounts.get_mut(from) {
                        sender.pending_out.insert(to.to_owned(), pending.clone());
                    }
                    if let Some(target) = self.accounts.get_mut(to) {
                        target.pending_in.insert(from.to_owned(), pending);
                    }
                    return item(to, ErrorCode::SNS_PENDING, "AllowType_Type_NeedConfirm");
                }
            }
        }

        if let Some(sender) = self.accounts.get_mut(from) {
            sender.friends.insert(
                to.to_owned(),
                Friend {
                    remark: remark.map(str::to_owned),
                    groups: group.map(str::to_owned).into_iter().collect(),
                    add_source: add.add_source.clone(),
                    add_wording: wording.map(str::to_owned),
                    add_time: rules.now,
                },
            );
            if let Some(group) = group {
                sender.groups.insert(group.to_owned());
            }
            sender.standard_sequence += 1;
            sender.pending_out.remove(to);
            sender.pending_in.remove(to);
            written.push((from.to_owned(), to.to_owned()));
        }
        if let Some(target) = self.accounts.get_mut(to) {
            target.pending_in.remove(from);
            target.pending_out.remove(from);
            if rules.both && !target_has_sender {
                target.friends.insert(
                    from.to_owned(),
                    Friend {
                        remark: None,
                        groups: Vec::new(),
                        add_source: add.add_source.clone(),
                        add_wording: None,
                        add_time: rules.now,
                    },
                );
                target.standard_sequence += 1;
                written.push((to.to_owned(), from.to_owned()));
            }
        }
        item(to, ErrorCode::OK, "")
    }

    /// One black_list_add item from `from` (which exists). A blocked account is pushed to
    /// `written` as (blocklist owner, account blocked).
    pub(crate) fn block(
        &mut self,
        from: &str,
        to: &str,
        limits: &RelationshipLimits,
        written: &mut Vec<(String, String)>,
    ) -> ResultItem {
        let Some(sender) = self.accounts.get(from) else {
            return item(
                to,
                ErrorCode::SNS_ACCOUNT_NOT_FOUND,
                "Err_SNS_BlackListAdd_Account_Not_Exist",
            );
        };
        if !self.accounts.contains_key(to) {
            return item(
                to,
                ErrorCode::SNS_ACCOUNT_NOT_FOUND,
                "Err_SNS_BlackListAdd_Account_Not_Exist",
            );
        }
        if to == from {
            return item(
                to,
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_BlackListAdd_Add_Self",
            );
        }
        if sender.blocklist.contains(to) {
            return item(
                to,
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_BlackListAdd_Already_Exist",
            );
        }
        if sender.blocklist.len() >= limits.max_blocklist {
            return item(
                to,
                ErrorCode::SNS_BLOCKLIST_LIMIT,
                "Err_SNS_BlackListAdd_Black_List_Num_Limit",
            );
        }
        for (a, b) in [(from, to), (to, from)] {
            if let Some(account) = self.accounts.get_mut(a) {
                if a == from {
                    account.blocklist.insert(b.to_owned());
                }
                if account.friends.remove(b).is_some() {
                    account.standard_sequence += 1;
                }
                account.pending_in.remove(b);
                account.pending_out.remove(b);
            }
        }
        written.push((from.to_owned(), to.to_owned()));
        item(to, ErrorCode::OK, "")
    }

    /// One black_list_delete item from `from` (which exists). An account taken out of the
    /// blocklist is pushed to `written` as (blocklist owner, account unblocked). A friendship
    /// that black_list_add ended stays ended, and an account that was not blocked is answered
    /// 0 with nothing written (Tencent documents no code for it).
    pub(crate) fn unblock(
        &mut self,
        from: &str,
        to: &str,
        written: &mut Vec<(String, String)>,
    ) -> ResultItem {
        if !self.accounts.contains_key(to) {
            return item(
                to,
                ErrorCode::SNS_ACCOUNT_NOT_FOUND,
                "Err_SNS_BlackListDelete_Account_Not_Exist",
            );
        }
        if to == from {
            return item(
                to,
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_BlackListDelete_Delete_Self",
            );
        }
        if let Some(sender) = self.accounts.get_mut(from) {
            if sender.blocklist.remove(to) {
                written.push((from.to_owned(), to.to_owned()));
            }
        }
        item(to, ErrorCode::OK, "")
    }

    /// One friend_delete item from `from` (which exists). Every friendship removed is pushed
    /// to `written` as (list owner, friend removed).
    pub(crate) fn delete_friend(
        &mut self,
        from: &str,
        to: &str,
        both: bool,
        written: &mut Vec<(String, String)>,
    ) -> ResultItem {
        if !self.accounts.contains_key(to) || !to_valid(to) {
            return item(
                to,
                ErrorCode::SNS_ACCOUNT_NOT_FOUND,
                "Err_SNS_FriendDelete_Account_Not_Exist",
            );
        }
        let forward = self
            .accounts
            .get(from)
            .is_some_and(|a| a.friends.contains_key(to));
        let backward = self
            .accounts
            .get(to)
            .is_some_and(|a| a.friends.contains_key(from));
        if !(forward || (both && backward)) {
            return item(
                to,
                ErrorCode::SNS_NO_RELATION_TO_DELETE,
                "Err_SNS_FriendDelete_Not_Friend",
            );
        }
        let pairs: &[(&str, &str)] = if both {
            &[(from, to), (to, from)]
        } else {
            &[(from, to)]
        };
        for &(a, b) in pairs {
            if let Some(account) = self.accounts.get_mut(a) {
                if account.friends.remove(b).is_some() {
                    account.standard_sequence += 1;
                    written.push((a.to_owned(), b.to_owned()));
                }
            }
        }
        item(to, ErrorCode::OK, "")
    }
}

fn to_valid(user_id: &str) -> bool {
    !user_id.is_empty() && user_id.len() <= USER_ID_MAX_BYTES
}
