//! `v4/sns/friend_get`.

use tencent_im_protocol::sns::{
    FriendGet, FriendGetResponse, TAG_ADD_SOURCE, TAG_ADD_TIME, TAG_ADD_WORDING, TAG_GROUP,
    TAG_REMARK, UserDataItem, ValueItem,
};

use super::{Context, Deferred, Fail, Request, SNS_DECODE_ERR, Serve, decode, sns_not_found};
use crate::config::RelationshipLimits;
use crate::state::AppState;

impl Serve for FriendGet {
    fn parse(body: &[u8], _limits: &RelationshipLimits) -> Result<Self, Fail> {
        decode(body, SNS_DECODE_ERR)
    }
}

impl Request for FriendGet {
    fn apply(
        &self,
        app: &mut AppState,
        ctx: &Context<'_>,
        _: &mut Vec<(String, String)>,
    ) -> Deferred {
        friend_get(self, app, ctx.limits)
    }
}

fn friend_get(req: &FriendGet, app: &AppState, limits: &RelationshipLimits) -> Deferred {
    let Some(account) = app.accounts.get(&req.from_account) else {
        return Deferred::fail(sns_not_found("Err_SNS_FriendGet_From_Account_Not_Exist"));
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
