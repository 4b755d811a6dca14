//! The commands: decoding bodies as Tencent does (spec §7.7 "Body"), applying them to the state
//! and encoding replies with the protocol crate's types.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tencent_im_protocol::callback::{
    AccountPair, CallbackBlackListAdd, CallbackEvent, CallbackFriendAdd, CallbackFriendDelete,
    ClientCmd, FriendAddPair,
};
use tencent_im_protocol::im_open_login_svc::{
    AccountCheck, AccountCheckResponse, AccountImport, AccountImportResponse, AccountItem,
    AccountStatus, CheckResultItem, MultiaccountImportResponse,
};
use tencent_im_protocol::profile::{
    AdminForbidType, AllowType, PortraitSet, PortraitSetResponse, TAG_ADMIN_FORBID_TYPE,
    TAG_ALLOW_TYPE, TAG_BIRTHDAY, TAG_GENDER, TAG_IMAGE, TAG_LANGUAGE, TAG_LEVEL, TAG_LOCATION,
    TAG_MSG_SETTINGS, TAG_NICK, TAG_ROLE, TAG_SELF_SIGNATURE, VALUE_MAX_BYTES,
};
use tencent_im_protocol::sns::{
    BlackListAdd, BlackListAddResponse, CheckInfoItem, CheckType, DeleteType, FriendAdd,
    FriendAddResponse, FriendCheck, FriendCheckResponse, FriendDelete, FriendDeleteResponse,
    FriendGet, FriendGetResponse, Relation, ResultItem, TAG_ADD_SOURCE, TAG_ADD_TIME,
    TAG_ADD_WORDING, TAG_GROUP, TAG_REMARK, UserDataItem, ValueItem,
};
use tencent_im_protocol::{Endpoint, Envelope, ErrorCode, Reply, USER_ID_MAX_BYTES};

use crate::auth::Fail;
use crate::config::RelationshipLimits;
use crate::state::{AddRules, AppState};

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

/// A decoded request body.
#[derive(Debug)]
pub(crate) enum Parsed {
    AccountImport(AccountImport),
    MultiaccountImport(Vec<AccountItem>),
    AccountCheck(AccountCheck),
    PortraitSet(PortraitSet),
    FriendAdd(FriendAdd),
    FriendCheck(FriendCheck),
    FriendGet(FriendGet),
    FriendDelete(FriendDelete),
    BlackListAdd(BlackListAdd),
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

fn count_ok(n: usize, max: usize) -> bool {
    (1..=max).contains(&n)
}

fn user_id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= USER_ID_MAX_BYTES
}

/// Decodes the body of `endpoint` and checks what does not need the state.
pub(crate) fn parse(
    endpoint: Endpoint,
    body: &[u8],
    limits: &RelationshipLimits,
) -> Result<Parsed, Fail> {
    let too_many = |what: &'static str| -> Fail { (ErrorCode::SNS_BAD_REQUEST, what.into()) };
    let cap = |e: Endpoint| e.max_items().unwrap_or(usize::MAX);
    Ok(match endpoint {
        Endpoint::AccountImport => {
            let req: AccountImport = decode(body, LOGIN_BAD_PARAMETER)?;
            if !user_id_ok(&req.user_id) {
                return Err(LOGIN_BAD_PARAMETER);
            }
            Parsed::AccountImport(req)
        }
        Endpoint::MultiaccountImport => {
            #[derive(serde::Deserialize)]
            struct Body {
                #[serde(rename = "AccountList")]
                account_list: Option<Vec<AccountItem>>,
                #[serde(rename = "Accounts")]
                accounts: Option<Vec<String>>,
            }
            let req: Body = decode(body, LOGIN_BAD_PARAMETER)?;
            let items = match (req.account_list, req.accounts) {
                (Some(list), _) => list,
                (None, Some(ids)) => ids.into_iter().map(AccountItem::new).collect(),
                (None, None) => return Err(LOGIN_BAD_PARAMETER),
            };
            if !count_ok(items.len(), cap(endpoint)) {
                return Err((
                    ErrorCode::INVALID_BATCH_SIZE,
                    "between 1 and 100 accounts per request".into(),
                ));
            }
            Parsed::MultiaccountImport(items)
        }
        Endpoint::AccountCheck => {
            let req: AccountCheck = decode(body, LOGIN_BAD_PARAMETER)?;
            if !count_ok(req.items.len(), cap(endpoint)) {
                return Err((
                    ErrorCode::INVALID_BATCH_SIZE,
                    "between 1 and 100 accounts per request".into(),
                ));
            }
            Parsed::AccountCheck(req)
        }
        Endpoint::PortraitSet => {
            let req: PortraitSet = decode(body, PROFILE_DECODE_ERR)?;
            if req.items.is_empty() {
                return Err(PROFILE_DECODE_ERR);
            }
            Parsed::PortraitSet(req)
        }
        Endpoint::FriendAdd => {
            let req: FriendAdd = decode(body, SNS_DECODE_ERR)?;
            if !count_ok(req.items.len(), limits.max_friend_add_items) {
                return Err(too_many("Err_SNS_FriendAdd_Item_Num_Invalid"));
            }
            Parsed::FriendAdd(req)
        }
        Endpoint::FriendCheck => {
            let req: FriendCheck = decode(body, SNS_DECODE_ERR)?;
            if !count_ok(req.to_accounts.len(), cap(endpoint)) {
                return Err(too_many("Err_SNS_FriendCheck_Item_Num_Invalid"));
            }
            Parsed::FriendCheck(req)
        }
        Endpoint::FriendGet => Parsed::FriendGet(decode(body, SNS_DECODE_ERR)?),
        Endpoint::FriendDelete => {
            let req: FriendDelete = decode(body, SNS_DECODE_ERR)?;
            if !count_ok(req.to_accounts.len(), cap(endpoint)) {
                return Err(too_many("Err_SNS_FriendDelete_Item_Num_Invalid"));
            }
            Parsed::FriendDelete(req)
        }
        Endpoint::BlackListAdd => {
            let req: BlackListAdd = decode(body, SNS_DECODE_ERR)?;
            if !count_ok(req.to_accounts.len(), cap(endpoint)) {
                return Err(too_many("Err_SNS_BlackListAdd_Item_Num_Invalid"));
            }
            Parsed::BlackListAdd(req)
        }
        _ => {
            return Err((
                ErrorCode::REQUEST_RESOURCE_ERROR,
                "the emulator does not serve this command".into(),
            ));
        }
    })
}

/// The whole-request failure for an unknown `From_Account` (30003) of an `sns` command.
pub(crate) fn from_not_found(endpoint: Endpoint) -> Fail {
    let info = match endpoint {
        Endpoint::FriendAdd => "Err_SNS_FriendAdd_From_Account_Not_Exist",
        Endpoint::FriendCheck => "Err_SNS_FriendCheck_From_Account_Not_Exist",
        Endpoint::FriendGet => "Err_SNS_FriendGet_From_Account_Not_Exist",
        Endpoint::FriendDelete => "Err_SNS_FriendDelete_From_Account_Not_Exist",
        Endpoint::BlackListAdd => "Err_SNS_BlackListAdd_From_Account_Not_Exist",
        _ => "the account does not exist",
    };
    (ErrorCode::SNS_ACCOUNT_NOT_FOUND, info.into())
}

/// Every item of a friend_add answered with the same code (e.g. 30008 for a write conflict).
pub(crate) fn friend_add_all(req: &FriendAdd, code: ErrorCode, info: &str) -> Answer {
    let items = req
        .items
        .iter()
        .map(|i| ResultItem::new(i.to_account.clone(), code, info))
        .collect();
    Answer::ok(FriendAddResponse::from_results(items))
}

/// Applies a decoded request to the state of its application: the reply, and the after-callback
/// its changes fire, if any (`docs/webhooks.md`: one callback per request, one pair per list
/// entry written or removed, in request order).
pub(crate) fn apply(
    parsed: &Parsed,
    app: &mut AppState,
    ctx: &Context<'_>,
) -> (Deferred, Option<CallbackEvent>) {
    let mut written = Vec::new();
    let reply = apply_inner(parsed, app, ctx, &mut written);
    if written.is_empty() {
        return (reply, None);
    }
    let pairs = || {
        written
            .iter()
            .map(|(from, to)| AccountPair::new(from.clone(), to.clone()))
            .collect()
    };
    let event = match parsed {
        Parsed::FriendAdd(req) => Some(
            CallbackFriendAdd::new(
                written
                    .iter()
                    .map(|(from, to)| {
                        FriendAddPair::new(from.clone(), to.clone(), req.from_account.clone())
                    })
                    .collect(),
                ClientCmd::FriendAdd,
                ctx.admin,
                req.force_add == Some(tencent_im_protocol::sns::ForceAddFlags::Force),
            )
            .into(),
        ),
        Parsed::FriendDelete(_) => Some(CallbackFriendDelete::new(pairs()).into()),
        Parsed::BlackListAdd(_) => Some(CallbackBlackListAdd::new(pairs()).into()),
        _ => None,
    };
    (reply, event)
}

fn apply_inner(
    parsed: &Parsed,
    app: &mut AppState,
    ctx: &Context<'_>,
    written: &mut Vec<(String, String)>,
) -> Deferred {
    match parsed {
        Parsed::AccountImport(req) => {
            app.ensure_account(&req.user_id, ctx.default_allow_type);
            if let Some(account) = app.accounts.get_mut(&req.user_id) {
                for (tag, value) in [(TAG_NICK, &req.nick), (TAG_IMAGE, &req.face_url)] {
                    if let Some(value) = value {
                        account
                            .profile
                            .insert(tag.to_owned(), Value::String(value.clone()));
                    }
                }
            }
            Deferred::ok(AccountImportResponse::default())
        }
        Parsed::MultiaccountImport(items) => {
            let mut response = MultiaccountImportResponse::default();
            for item in items {
                if !user_id_ok(&item.user_id) {
                    response.fail_accounts.push(item.user_id.clone());
                    continue;
                }
                app.ensure_account(&item.user_id, ctx.default_allow_type);
                if let Some(account) = app.accounts.get_mut(&item.user_id) {
                    for (tag, value) in [(TAG_NICK, &item.nick), (TAG_IMAGE, &item.face_url)] {
                        if let Some(value) = value {
                            account
                                .profile
                                .insert(tag.to_owned(), Value::String(value.clone()));
                        }
                    }
                }
            }
            Deferred::ok(response)
        }
        Parsed::AccountCheck(req) => {
            let mut response = AccountCheckResponse::default();
            response.result_items = req
                .items
                .iter()
                .map(|i| {
                    let status = if app.accounts.contains_key(&i.user_id) {
                        AccountStatus::Imported
                    } else {
                        AccountStatus::NotImported
                    };
                    CheckResultItem::new(i.user_id.clone(), status)
                })
                .collect();
            Deferred::ok(response)
        }
        Parsed::PortraitSet(req) => portrait_set(req, app),
        Parsed::FriendAdd(req) => {
            if !app.accounts.contains_key(&req.from_account) {
                return Deferred::fail(from_not_found(Endpoint::FriendAdd));
            }
            let rules = AddRules {
                limits: ctx.limits,
                sensitive_words: ctx.sensitive_words,
                now: ctx.now,
                both: req.add_type != Some(tencent_im_protocol::sns::AddType::Single),
                force: req.force_add == Some(tencent_im_protocol::sns::ForceAddFlags::Force),
            };
            let items = req
                .items
                .iter()
                .map(|item| app.add_friend(&req.from_account, item, &rules, written))
                .collect();
            Deferred::ok(FriendAddResponse::from_results(items))
        }
        Parsed::BlackListAdd(req) => {
            if !app.accounts.contains_key(&req.from_account) {
                return Deferred::fail(from_not_found(Endpoint::BlackListAdd));
            }
            let items: Vec<ResultItem> = req
                .to_accounts
                .iter()
                .map(|to| app.block(&req.from_account, to, ctx.limits, written))
                .collect();
            let mut response = BlackListAddResponse::default();
            response.fail_accounts = failed(&items);
            response.result_items = items;
            Deferred::ok(response)
        }
        Parsed::FriendCheck(req) => friend_check(req, app),
        Parsed::FriendGet(req) => friend_get(req, app, ctx.limits),
        Parsed::FriendDelete(req) => {
            if !app.accounts.contains_key(&req.from_account) {
                return Deferred::fail(from_not_found(Endpoint::FriendDelete));
            }
            let both = req.delete_type != Some(DeleteType::Single);
            let mut response = FriendDeleteResponse::default();
            response.result_items = req
                .to_accounts
                .iter()
                .map(|to| app.delete_friend(&req.from_account, to, both, written))
                .collect();
            Deferred::ok(response)
        }
    }
}

fn failed(items: &[ResultItem]) -> Vec<String> {
    items
        .iter()
        .filter(|i| !i.result_code.is_ok())
        .map(|i| i.to_account.clone())
        .collect()
}

fn friend_check(req: &FriendCheck, app: &AppState) -> Deferred {
    let Some(from) = app.accounts.get(&req.from_account) else {
        return Deferred::fail(from_not_found(Endpoint::FriendCheck));
    };
    let mut response = FriendCheckResponse::default();
    for to in &req.to_accounts {
        let Some(target) = app.accounts.get(to) else {
            let mut item = CheckInfoItem::new(to.clone(), Relation::NoRelation);
            item.result_code = ErrorCode::SNS_ACCOUNT_NOT_FOUND;
            item.result_info = "Err_SNS_FriendCheck_Account_Not_Exist".to_owned();
            response.fail_accounts.push(to.clone());
            response.info_items.push(item);
            continue;
        };
        let a_with_b = from.friends.contains_key(to);
        let b_with_a =
            req.check_type == CheckType::Both && target.friends.contains_key(&req.from_account);
        let relation = match (a_with_b, b_with_a) {
            (true, true) => Relation::BothWay,
            (true, false) => Relation::AWithB,
            (false, true) => Relation::BWithA,
            (false, false) => Relation::NoRelation,
        };
        response
            .info_items
            .push(CheckInfoItem::new(to.clone(), relation));
    }
    Deferred::ok(response)
}

fn friend_get(req: &FriendGet, app: &AppState, limits: &RelationshipLimits) -> Deferred {
    let Some(account) = app.accounts.get(&req.from_account) else {
        return Deferred::fail(from_not_found(Endpoint::FriendGet));
    };
    let start = usize::try_from(req.start_index).unwrap_or(usize::MAX);
    let page = limits.friend_get_page_size.max(1);
    let mut ids: Vec<&String> = account.friends.keys().collect();
    ids.sort_unstable();
    let items: Vec<UserDataItem> = ids
        .into_iter()
        .filter_map(|id| account.friends.get(id).map(|friend| (id, friend)))
        .skip(start)
        .take(page)
        .map(|(id, friend)| {
            let mut values = vec![ValueItem::new(TAG_ADD_SOURCE, friend.add_source.clone())];
            if let Some(remark) = &friend.remark {
                values.push(ValueItem::new(TAG_REMARK, remark.clone()));
            }
            if !friend.groups.is_empty() {
                values.push(ValueItem::new(TAG_GROUP, friend.groups.clone()));
            }
            if let Some(wording) = &friend.add_wording {
                values.push(ValueItem::new(TAG_ADD_WORDING, wording.clone()));
            }
            values.push(ValueItem::new(TAG_ADD_TIME, friend.add_time));
            UserDataItem::new(id.clone(), values)
        })
        .collect();
    let total = account.friends.len();
    let next = start.saturating_add(items.len()).min(total);
    let mut response = FriendGetResponse::default();
    response.user_data_items = items;
    response.standard_sequence = account.standard_sequence;
    response.custom_sequence = 0;
    response.friend_num = total as u64;
    response.complete_flag = u64::from(next >= total);
    response.next_start_index = next as u64;
    Deferred::ok(response)
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
                    TAG_GENDER => tencent_im_protocol::profile::Gender::from(s.as_str()).is_known(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
