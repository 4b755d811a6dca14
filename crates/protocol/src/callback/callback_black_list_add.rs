//! `Sns.CallbackBlackListAdd`: after accounts were added to a blocklist
//! ("After a User Is Added to Blocklist",
//! <https://www.tencentcloud.com/document/product/1047/34361>, CN 269/1660).

super::pair_list_callback!(
    /// The body of `Sns.CallbackBlackListAdd`.
    ///
    /// It fires after a blocklist addition made on a client or through the REST API
    /// (`v4/sns/black_list_add`) succeeds. Each pair says that `To_Account` was added to
    /// `From_Account`'s blocklist. Tencent ignores the reply.
    ///
    /// ```
    /// use tencent_im_protocol::callback::{AccountPair, CallbackBlackListAdd};
    ///
    /// let body = CallbackBlackListAdd::new(vec![AccountPair::new("id", "id1")]);
    /// assert_eq!(
    ///     serde_json::to_string(&body).unwrap(),
    ///     r#"{"CallbackCommand":"Sns.CallbackBlackListAdd","PairList":[{"From_Account":"id","To_Account":"id1"}]}"#
    /// );
    /// ```
    CallbackBlackListAdd,
    BlackListAdd,
    "`To_Account` was added to `From_Account`'s list."
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{AccountPair, CallbackCommand};

    #[test]
    fn documented_shape_and_unknown_fields() {
        let body: CallbackBlackListAdd = serde_json::from_str(
            r#"{"CallbackCommand":"Sns.CallbackBlackListAdd","EventTime":1,
                "PairList":[{"From_Account":"id","To_Account":"id1","X":0},
                            {"From_Account":"id","To_Account":"id2"}]}"#,
        )
        .unwrap();
        assert_eq!(body.callback_command, CallbackCommand::BlackListAdd);
        assert_eq!(
            body.pairs,
            [AccountPair::new("id", "id1"), AccountPair::new("id", "id2")]
        );
        let empty: CallbackBlackListAdd = serde_json::from_str(r#"{"PairList":null}"#).unwrap();
        assert_eq!(empty, CallbackBlackListAdd::new(Vec::new()));
    }
}
