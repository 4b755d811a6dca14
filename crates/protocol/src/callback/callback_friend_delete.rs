//! `Sns.CallbackFriendDelete`: after friends were deleted
//! ("After a Friend Is Deleted",
//! <https://www.tencentcloud.com/document/product/1047/34360>, CN 269/1659).

super::pair_list_callback!(
    /// The body of `Sns.CallbackFriendDelete`.
    ///
    /// It fires after a friend deletion made on a client or through the REST API
    /// (`v4/sns/friend_delete`) succeeds. Each pair says that `To_Account` was deleted from
    /// `From_Account`'s friend list. Tencent ignores the reply.
    ///
    /// ```
    /// use tencent_im_protocol::callback::{AccountPair, CallbackFriendDelete};
    ///
    /// let body = CallbackFriendDelete::new(vec![AccountPair::new("id", "id1")]);
    /// assert_eq!(
    ///     serde_json::to_string(&body).unwrap(),
    ///     r#"{"CallbackCommand":"Sns.CallbackFriendDelete","PairList":[{"From_Account":"id","To_Account":"id1"}]}"#
    /// );
    /// ```
    CallbackFriendDelete,
    FriendDelete,
    "`To_Account` was deleted from `From_Account`'s list."
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{AccountPair, CallbackCommand};

    #[test]
    fn documented_shape_and_unknown_fields() {
        let body: CallbackFriendDelete = serde_json::from_str(
            r#"{"CallbackCommand":"Sns.CallbackFriendDelete","EventTime":1,
                "PairList":[{"From_Account":"id","To_Account":"id1","X":0},
                            {"From_Account":"id","To_Account":"id2"}]}"#,
        )
        .unwrap();
        assert_eq!(body.callback_command, CallbackCommand::FriendDelete);
        assert_eq!(
            body.pairs,
            [AccountPair::new("id", "id1"), AccountPair::new("id", "id2")]
        );
        let empty: CallbackFriendDelete = serde_json::from_str(r#"{"PairList":null}"#).unwrap();
        assert_eq!(empty, CallbackFriendDelete::new(Vec::new()));
    }
}
