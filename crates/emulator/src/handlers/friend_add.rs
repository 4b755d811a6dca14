//! `v4/sns/friend_add`.

use tencent_im_protocol::ErrorCode;
use tencent_im_protocol::callback::{CallbackEvent, CallbackFriendAdd, ClientCmd, FriendAddPair};
use tencent_im_protocol::sns::{AddType, ForceAddFlags, FriendAdd, FriendAddResponse, ResultItem};

use super::{
    Answer, Context, Deferred, Fail, Held, Request, SNS_DECODE_ERR, Serve, decode_list,
    sns_not_found,
};
use crate::config::RelationshipLimits;
use crate::state::{AddRules, AppState};

const NOT_FOUND: &str = "Err_SNS_FriendAdd_From_Account_Not_Exist";

impl Serve for FriendAdd {
    fn parse(body: &[u8], limits: &RelationshipLimits) -> Result<Self, Fail> {
        decode_list(
            body,
            SNS_DECODE_ERR,
            |r: &Self| r.items.len(),
            Some(limits.max_friend_add_items),
            (
                ErrorCode::SNS_BAD_REQUEST,
                "Err_SNS_FriendAdd_Item_Num_Invalid".into(),
            ),
        )
    }
}

impl Request for FriendAdd {
    fn apply(
        &self,
        app: &mut AppState,
        ctx: &Context<'_>,
        written: &mut Vec<(String, String)>,
    ) -> Deferred {
        if !app.accounts.contains_key(&self.from_account) {
            return Deferred::fail(sns_not_found(NOT_FOUND));
        }
        let rules = AddRules {
            limits: ctx.limits,
            sensitive_words: ctx.sensitive_words,
            now: ctx.now,
            both: self.add_type != Some(AddType::Single),
            force: self.force_add == Some(ForceAddFlags::Force),
        };
        let items = self
            .items
            .iter()
            .map(|item| app.add_friend(&self.from_account, item, &rules, written))
            .collect();
        Deferred::ok(FriendAddResponse::from_results(items))
    }

    fn callback(&self, written: &[(String, String)], ctx: &Context<'_>) -> Option<CallbackEvent> {
        let pairs = written
            .iter()
            .map(|(from, to)| {
                FriendAddPair::new(from.clone(), to.clone(), self.from_account.clone())
            })
            .collect();
        let force = self.force_add == Some(ForceAddFlags::Force);
        Some(CallbackFriendAdd::new(pairs, ClientCmd::FriendAdd, ctx.admin, force).into())
    }

    fn held_sender(&self) -> Option<Held<'_>> {
        Some(Held {
            sender: &self.from_account,
            not_found: sns_not_found(NOT_FOUND),
            conflict_info: "Err_SNS_FriendAdd_Write_Conflict",
        })
    }

    fn every_item(&self, code: ErrorCode, info: &str) -> Option<Answer> {
        let items = self
            .items
            .iter()
            .map(|i| ResultItem::new(i.to_account.clone(), code, info))
            .collect();
        Some(Answer::ok(FriendAddResponse::from_results(items)))
    }
}
