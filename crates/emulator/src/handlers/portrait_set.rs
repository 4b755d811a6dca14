//! `v4/profile/portrait_set`.

use serde_json::Value;
use tencent_im_protocol::ErrorCode;
use tencent_im_protocol::profile::{
    AdminForbidType, AllowType, Gender, PortraitSet, PortraitSetResponse, TAG_ADMIN_FORBID_TYPE,
    TAG_ALLOW_TYPE, TAG_BIRTHDAY, TAG_GENDER, TAG_IMAGE, TAG_LANGUAGE, TAG_LEVEL, TAG_LOCATION,
    TAG_MSG_SETTINGS, TAG_NICK, TAG_ROLE, TAG_SELF_SIGNATURE, VALUE_MAX_BYTES,
};

use super::{Context, Deferred, Fail, PROFILE_DECODE_ERR, Request, Serve, decode};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for PortraitSet {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        let req: PortraitSet = decode(body, PROFILE_DECODE_ERR)?;
        if req.items.is_empty() {
            return Err(PROFILE_DECODE_ERR);
        }
        Ok(req)
    }
}

impl Request for PortraitSet {
    fn apply(
        &self,
        app: &mut AppState,
        _: &Context<'_>,
        _: &mut Vec<(String, String)>,
    ) -> Deferred {
        portrait_set(self, app)
    }
}

const STANDARD_TAGS: &[&str] = &[
    TAG_NICK,
    TAG_GENDER,
    TAG_BIRTHDAY,
    TAG_LOCATION,
    TAG_SELF_SIGNATURE,
    TAG_ALLOW_TYPE,
    TAG_LANGUAGE,
    TAG_IMAGE,
    TAG_MSG_SETTINGS,
    TAG_ADMIN_FORBID_TYPE,
    TAG_LEVEL,
    TAG_ROLE,
];
const INTEGER_TAGS: &[&str] = &[
    TAG_BIRTHDAY,
    TAG_LANGUAGE,
    TAG_MSG_SETTINGS,
    TAG_LEVEL,
    TAG_ROLE,
];
const CUSTOM_PREFIX: &str = tencent_im_protocol::profile::CUSTOM_TAG_PREFIX;

fn profile_fail(code: ErrorCode, info: &'static str) -> Deferred {
    Deferred::fail((code, info.into()))
}

fn portrait_set(req: &PortraitSet, app: &mut AppState) -> Deferred {
    let Some(account) = app.accounts.get_mut(&req.from_account) else {
        return profile_fail(
            ErrorCode::PROFILE_ACCOUNT_NOT_FOUND,
            "Err_Profile_Account_Not_Exist",
        );
    };
    // Check every field first: a request either applies whole or not at all.
    for item in &req.items {
        let tag = item.tag.as_str();
        let custom = tag.strip_prefix(CUSTOM_PREFIX).is_some_and(|kw| {
            (1..=8).contains(&kw.len()) && kw.bytes().all(|b| b.is_ascii_alphabetic())
        });
        if !custom && !STANDARD_TAGS.contains(&tag) {
            return profile_fail(
                ErrorCode::PROFILE_TAG_NOT_FOUND,
                "Err_Profile_Tag_Not_Exist",
            );
        }
        match &item.value {
            Value::String(s) if s.len() > VALUE_MAX_BYTES => {
                return profile_fail(
                    ErrorCode::PROFILE_VALUE_TOO_LONG,
                    "Err_Profile_Value_Too_Long",
                );
            }
            Value::String(_) if INTEGER_TAGS.contains(&tag) => {
                return profile_fail(
                    ErrorCode::PROFILE_VALUE_TYPE_MISMATCH,
                    "Err_Profile_Value_Type_Mismatch",
                );
            }
            Value::String(s) => {
                let known = match tag {
                    TAG_ALLOW_TYPE => AllowType::from(s.as_str()).is_known(),
                    TAG_ADMIN_FORBID_TYPE => AdminForbidType::from(s.as_str()).is_known(),
                    TAG_GENDER => Gender::from(s.as_str()).is_known(),
                    _ => true,
                };
                if !known {
                    return profile_fail(
                        ErrorCode::PROFILE_BAD_STANDARD_VALUE,
                        "Err_Profile_Invalid_Standard_Value",
                    );
                }
            }
            Value::Number(n)
                if INTEGER_TAGS.contains(&tag)
                    && n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)) => {}
            _ => {
                return profile_fail(
                    ErrorCode::PROFILE_VALUE_TYPE_MISMATCH,
                    "Err_Profile_Value_Type_Mismatch",
                );
            }
        }
    }
    for item in &req.items {
        if let Some(allow) = item.allow_type_value() {
            account.allow_type = allow;
        } else if let Some(forbid) = item.admin_forbid_type_value() {
            account.admin_forbid_type = forbid;
        } else {
            account.profile.insert(item.tag.clone(), item.value.clone());
        }
    }
    Deferred::ok(PortraitSetResponse::default())
}
