//! `Sns.CallbackBlackListDelete`: after accounts were removed from a blocklist
//! ("After a User Is Removed from Blocklist",
//! <https://www.tencentcloud.com/document/product/1047/34362>, CN 269/1661).

super::pair_list_callback!(
    /// The body of `Sns.CallbackBlackListDelete`.
    ///
    /// It fires after a blocklist removal made on a client or through the REST API
    /// (`v4/sns/black_list_delete`) succeeds. Each pair says that `To_Account` was removed from
    /// `From_Account`'s blocklist. Tencent ignores the reply.
    ///
    /// ```
    /// use tencent_im_protocol::callback::{AccountPair, CallbackBlackListDelete};
    ///
    /// let body = CallbackBlackListDelete::new(vec![AccountPair::new("id", "id1")]);
    /// assert_eq!(
    ///     serde_json::to_string(&body).unwrap(),
    ///     r#"{"CallbackCommand":"Sns.CallbackBlackListDelete","PairList":[{"From_Account":"id","To_Account":"id1"}]}"#
    /// );
    /// ```
    CallbackBlackListDelete,
    BlackListDelete,
    "`To_Account` was removed from `From_Account`'s list."
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{AccountPair, CallbackCommand};

    #[test]
    fn documented_shape_and_unknown_fields() {
        let body: CallbackBlackListDelete = serde_json::from_str(
            r#"{"CallbackCommand":"Sns.CallbackBlackListDelete","EventTime":1,
                "PairList":[{"From_Account":"id","To_Account":"id1","X":0},
                            {"From_Account":"id","To_Account":"id2"}]}"#,
        )
        .unwrap();
        assert_eq!(body.callback_command, CallbackCommand::BlackListDelete);
        assert_eq!(
            body.pairs,
            [AccountPair::new("id", "id1"), AccountPair::new("id", "id2")]
        );
        let empty: CallbackBlackListDelete = serde_json::from_str(r#"{"PairList":null}"#).unwrap();
        assert_eq!(empty, CallbackBlackListDelete::new(Vec::new()));
    }
}
