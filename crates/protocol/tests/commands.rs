//! The commands of docs/commands.md against the samples of Tencent's pages: round trips, exact
//! wire names, every documented limit at and one byte past its edge (with multibyte UTF-8, so
//! bytes are counted, not characters), duplicates, reports and whole-request failures.

#[cfg(test)]
mod support {
    use serde::de::DeserializeOwned;
    use serde_json::Value;
    use tencent_im_protocol::{Command, ErrorCode, Reply, ReplyError, ValidationError, Violation};

    /// The bytes of `tests/fixtures/{command}/{name}`.
    pub(super) fn fixture(command: &str, name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/{command}/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub(super) fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    /// Decodes a sample request, re-encodes it without validating, and checks that nothing was
    /// lost, added or renamed.
    pub(super) fn request_round_trip<C: Command + DeserializeOwned>(
        command: &str,
        name: &str,
    ) -> C {
        let bytes = fixture(command, name);
        let req: C = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            json(&req.to_json().unwrap()),
            json(&bytes),
            "{command}/{name}"
        );
        req
    }

    /// Decodes a sample reply and checks that re-encoding it gives the sample back.
    pub(super) fn reply_round_trip<C: Command>(command: &str, name: &str) -> Reply<C::Response> {
        let bytes = fixture(command, name);
        let reply = C::decode_reply(&bytes).unwrap();
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            json(&bytes),
            "{command}/{name}"
        );
        reply
    }

    /// Decodes a failed reply and checks it is an API error with `code`.
    pub(super) fn api_failure<C: Command>(command: &str, name: &str, code: ErrorCode) {
        match C::decode_reply(&fixture(command, name)) {
            Err(ReplyError::Api(e)) => assert_eq!(e.code(), code, "{command}/{name}"),
            Err(ReplyError::Decode(e)) => panic!("{command}/{name}: not decoded: {e:?}"),
            Ok(_) => panic!("{command}/{name}: expected an API error, got a success"),
            Err(e) => panic!("{command}/{name}: expected an API error, got {e:?}"),
        }
    }

    /// A string of exactly `n` bytes made mostly of 3-byte and 2-byte characters.
    pub(super) fn bytes_long(n: usize) -> String {
        let mut s = "好".repeat(n / 3);
        match n % 3 {
            1 => s.push('a'),
            2 => s.push('é'),
            _ => {}
        }
        assert_eq!(s.len(), n);
        assert!(s.chars().count() < n || n == 0);
        s
    }

    /// `count` distinct UserIDs.
    pub(super) fn ids(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("u{i}")).collect()
    }

    pub(super) fn expect_err(result: Result<(), ValidationError>, field: &str) -> Violation {
        let err = result.expect_err(field);
        assert_eq!(err.field(), field, "{err}");
        err.violation().clone()
    }

    /// A byte limit: `limit` bytes pass, `limit + 1` fail naming `field`.
    pub(super) fn byte_limit<C: Command>(field: &str, limit: usize, build: impl Fn(String) -> C) {
        build(bytes_long(limit))
            .validate()
            .unwrap_or_else(|e| panic!("{field} at {limit} bytes must pass: {e}"));
        let violation = expect_err(build(bytes_long(limit + 1)).validate(), field);
        assert_eq!(
            violation,
            Violation::TooLong {
                limit,
                actual: limit + 1
            }
        );
    }

    /// An item cap: `limit` items pass, `limit + 1` fail naming `field`, none fails as empty.
    pub(super) fn item_limit<C: Command>(field: &str, limit: usize, build: impl Fn(usize) -> C) {
        let ok = build(limit);
        ok.validate().unwrap();
        assert_eq!(ok.item_count(), limit);
        let violation = expect_err(build(limit + 1).validate(), field);
        assert_eq!(
            violation,
            Violation::TooManyItems {
                limit,
                actual: limit + 1
            }
        );
        assert_eq!(expect_err(build(0).validate(), field), Violation::Empty);
    }

    pub(super) fn duplicate(result: Result<(), ValidationError>, field: &str, first: &str) {
        assert_eq!(
            expect_err(result, field),
            Violation::Duplicate {
                first: first.to_owned()
            }
        );
    }
}

#[cfg(test)]
mod account_import {
    use super::support::*;
    use tencent_im_protocol::im_open_login_svc::AccountImport;
    use tencent_im_protocol::{Command, Endpoint, ErrorCode, Violation};

    const C: &str = "account_import";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(AccountImport::ENDPOINT, Endpoint::AccountImport);
        assert_eq!(AccountImport::SERVICE, "im_open_login_svc");
        assert_eq!(AccountImport::COMMAND, "account_import");
        assert_eq!(AccountImport::MAX_ITEMS, Some(1));
        assert_eq!(AccountImport::new("a").item_count(), 1);
    }

    #[test]
    fn sample_request_round_trips_and_validates() {
        let req: AccountImport = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(req.user_id, "test");
        assert_eq!(req.nick.as_deref(), Some("test"));
        assert_eq!(req.face_url.as_deref(), Some("http://www.qq.com"));
    }

    #[test]
    fn older_identifier_field_decodes_and_is_sent_as_user_id() {
        let old: AccountImport =
            serde_json::from_slice(&fixture(C, "request_identifier.json")).unwrap();
        assert_eq!(
            json(&old.encode().unwrap()),
            json(&fixture(C, "request.json"))
        );
    }

    #[test]
    fn built_request_has_exact_wire_names_and_omits_absent_fields() {
        let full = AccountImport::new("test")
            .nick("test")
            .face_url("http://www.qq.com");
        assert_eq!(
            json(&full.encode().unwrap()),
            json(&fixture(C, "request.json"))
        );
        assert_eq!(
            AccountImport::new("alice").encode().unwrap(),
            br#"{"UserID":"alice"}"#
        );
        assert_eq!(
            AccountImport::new("alice").face_url("u").encode().unwrap(),
            br#"{"UserID":"alice","FaceUrl":"u"}"#
        );
    }

    #[test]
    fn limits() {
        byte_limit("UserID", 32, AccountImport::new);
        assert_eq!(
            expect_err(AccountImport::new("").validate(), "UserID"),
            Violation::Empty
        );
        byte_limit("Nick", 500, |s| AccountImport::new("a").nick(s));
        byte_limit("FaceUrl", 500, |s| AccountImport::new("a").face_url(s));
        AccountImport::new("a").nick("").validate().unwrap();
    }

    #[test]
    fn replies() {
        let reply = reply_round_trip::<AccountImport>(C, "response.json");
        assert!(!reply.envelope.is_failure());
        api_failure::<AccountImport>(C, "failure.json", ErrorCode::INVALID_PARAMETER);
    }
}

#[cfg(test)]
mod multiaccount_import {
    use super::support::*;
    use tencent_im_protocol::im_open_login_svc::{
        AccountItem, ImportOutcome, MultiaccountImport, MultiaccountImportResponse,
    };
    use tencent_im_protocol::report::{AccountList, Discrepancy};
    use tencent_im_protocol::{Command, Endpoint, ErrorClass, ErrorCode, ItemOutcome};

    const C: &str = "multiaccount_import";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(MultiaccountImport::ENDPOINT, Endpoint::MultiaccountImport);
        assert_eq!(MultiaccountImport::MAX_ITEMS, Some(100));
        assert_eq!(MultiaccountImport::DEFAULT_RATE_PER_SECOND, 100);
    }

    #[test]
    fn sample_request_round_trips_but_repeats_an_account() {
        // Tencent's sample imports UserID_002 twice; validation refuses that.
        let req: MultiaccountImport = request_round_trip(C, "request.json");
        assert_eq!(req.accounts.len(), 3);
        assert_eq!(req.accounts[1].nick.as_deref(), Some("Nick_002"));
        duplicate(
            req.validate(),
            "AccountList[2].UserID",
            "AccountList[1].UserID",
        );
    }

    #[test]
    fn built_request_has_exact_wire_names_and_omits_absent_fields() {
        let req = MultiaccountImport::new(vec![
            AccountItem::new("UserID_001")
                .nick("Nick_001")
                .face_url("http://www.qq.com"),
            AccountItem::new("UserID_002"),
        ]);
        assert_eq!(
            req.encode().unwrap(),
            br#"{"AccountList":[{"UserID":"UserID_001","Nick":"Nick_001","FaceUrl":"http://www.qq.com"},{"UserID":"UserID_002"}]}"#
        );
        assert_eq!(
            MultiaccountImport::from_user_ids(["a", "b"])
                .encode()
                .unwrap(),
            br#"{"AccountList":[{"UserID":"a"},{"UserID":"b"}]}"#
        );
    }

    #[test]
    fn limits() {
        item_limit("AccountList", 100, |n| {
            MultiaccountImport::from_user_ids(ids(n))
        });
        byte_limit("AccountList[1].UserID", 32, |s| {
            MultiaccountImport::from_user_ids(["a".to_owned(), s])
        });
        byte_limit("AccountList[0].Nick", 500, |s| {
            MultiaccountImport::new(vec![AccountItem::new("a").nick(s)])
        });
        byte_limit("AccountList[0].FaceUrl", 500, |s| {
            MultiaccountImport::new(vec![AccountItem::new("a").face_url(s)])
        });
        duplicate(
            MultiaccountImport::from_user_ids(["a", "b", "a"]).validate(),
            "AccountList[2].UserID",
            "AccountList[0].UserID",
        );
    }

    #[test]
    fn sample_reply_reports_every_account_once() {
        let reply = reply_round_trip::<MultiaccountImport>(C, "response.json");
        // The sample reply lists UserID_003, which the sample request does not import.
        let req = MultiaccountImport::from_user_ids(["UserID_001", "UserID_002"]);
        let report = reply.body.report(&req);
        assert_eq!(report.items.len(), 2);
        assert_eq!(report.items[0].account, "UserID_001");
        assert_eq!(report.items[0].outcome, ImportOutcome::Imported);
        let failure = report.items[1].outcome.failure().unwrap();
        assert_eq!(failure.code, None);
        assert_eq!(failure.class(), ErrorClass::Transient);
        assert_eq!(
            report.discrepancies,
            vec![Discrepancy::ListedButNotRequested {
                account: "UserID_003".into(),
                list: AccountList::FailAccounts,
            }]
        );
        assert_eq!(
            report.discrepancies[0].to_string(),
            "account \"UserID_003\" is in FailAccounts but was not requested"
        );
        assert_eq!(report.failed().count(), 1);
        assert!(!report.is_complete_success());
    }

    #[test]
    fn reply_without_fail_accounts_means_all_imported() {
        let req = MultiaccountImport::from_user_ids(["a", "b"]);
        for body in [
            &br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#[..],
            br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","FailAccounts":null}"#,
            br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","FailAccounts":[]}"#,
        ] {
            let reply = MultiaccountImport::decode_reply(body).unwrap();
            assert_eq!(reply.body, MultiaccountImportResponse::default());
            let report = reply.body.report(&req);
            assert!(report.is_complete_success(), "{report:?}");
        }
    }

    #[test]
    fn failed_reply_is_an_api_error() {
        api_failure::<MultiaccountImport>(C, "failure.json", ErrorCode::PROFILE_INTERNAL_ERROR);
        assert!(ErrorCode::PROFILE_INTERNAL_ERROR.is_retryable());
    }
}

#[cfg(test)]
mod account_check {
    use super::support::*;
    use tencent_im_protocol::im_open_login_svc::{
        AccountCheck, AccountCheckOutcome, AccountStatus, CheckResultItem,
    };
    use tencent_im_protocol::report::Discrepancy;
    use tencent_im_protocol::{Command, Endpoint, ErrorCode, ItemOutcome};

    const C: &str = "account_check";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(AccountCheck::ENDPOINT, Endpoint::AccountCheck);
        assert_eq!(AccountCheck::MAX_ITEMS, Some(100));
    }

    #[test]
    fn sample_request_round_trips_and_matches_a_built_one() {
        let req: AccountCheck = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(req, AccountCheck::new(["UserID_1", "UserID_2"]));
        assert_eq!(
            AccountCheck::new(["x"]).encode().unwrap(),
            br#"{"CheckItem":[{"UserID":"x"}]}"#
        );
    }

    #[test]
    fn limits() {
        item_limit("CheckItem", 100, |n| AccountCheck::new(ids(n)));
        byte_limit("CheckItem[1].UserID", 32, |s| {
            AccountCheck::new(["a".to_owned(), s])
        });
        duplicate(
            AccountCheck::new(["a", "b", "b"]).validate(),
            "CheckItem[2].UserID",
            "CheckItem[1].UserID",
        );
    }

    #[test]
    fn sample_reply_reports_statuses() {
        let reply = reply_round_trip::<AccountCheck>(C, "response.json");
        let req: AccountCheck = serde_json::from_slice(&fixture(C, "request.json")).unwrap();
        let report = reply.body.report(&req);
        assert!(report.is_complete_success());
        assert_eq!(
            report.items[0].outcome,
            AccountCheckOutcome::Checked(AccountStatus::Imported)
        );
        assert!(report.items[0].outcome.is_imported());
        assert_eq!(
            report.items[1].outcome,
            AccountCheckOutcome::Checked(AccountStatus::NotImported)
        );
        assert!(!report.items[1].outcome.is_imported());
    }

    #[test]
    fn unknown_status_is_kept() {
        let body = br#"{"ActionStatus":"OK","ErrorCode":0,"ResultItem":[
            {"UserID":"a","ResultCode":0,"AccountStatus":"Frozen","Extra":1}]}"#;
        let reply = AccountCheck::decode_reply(body).unwrap();
        let status = reply.body.result_items[0].account_status.clone().unwrap();
        assert_eq!(status, AccountStatus::Other("Frozen".into()));
        assert!(!status.is_known());
        assert_eq!(
            serde_json::to_value(&status).unwrap(),
            serde_json::json!("Frozen")
        );
    }

    #[test]
    fn report_flags_missing_unexpected_and_failed_results() {
        let req = AccountCheck::new(["a", "b", "c", "d"]);
        let mut failed = CheckResultItem::new("b", AccountStatus::Imported);
        failed.result_code = ErrorCode::INTERNAL_ERROR;
        failed.result_info = "timeout".into();
        failed.account_status = None;
        let mut no_status = CheckResultItem::new("c", AccountStatus::Imported);
        no_status.account_status = None;
        let body = tencent_im_protocol::Reply::ok(serde_json::json!({"ResultItem": [
            CheckResultItem::new("a", AccountStatus::Imported),
            failed,
            no_status,
            CheckResultItem::new("zz", AccountStatus::NotImported),
        ]}));
        let bytes = serde_json::to_vec(&body).unwrap();
        let reply = AccountCheck::decode_reply(&bytes).unwrap();
        let report = reply.body.report(&req);
        assert!(report.items[0].outcome.is_success());
        let b = report.items[1].outcome.failure().unwrap();
        assert_eq!(b.code, Some(ErrorCode::INTERNAL_ERROR));
        assert!(b.is_retryable());
        assert_eq!(report.items[2].outcome.failure().unwrap().code, None);
        assert_eq!(report.items[3].outcome.failure().unwrap().code, None);
        assert_eq!(
            report.discrepancies,
            vec![
                Discrepancy::MissingResult {
                    account: "d".into()
                },
                Discrepancy::UnexpectedResult {
                    account: "zz".into(),
                    code: ErrorCode::OK
                },
            ]
        );
        assert_eq!(report.failed().count(), 3);
    }

    #[test]
    fn failed_reply_with_null_results_is_an_api_error() {
        api_failure::<AccountCheck>(C, "failure.json", ErrorCode::SIG_VERIFY_FAILED);
        let ok = AccountCheck::decode_reply(
            br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ResultItem":null}"#,
        )
        .unwrap();
        assert!(ok.body.result_items.is_empty());
        let report = ok.body.report(&AccountCheck::new(["a"]));
        assert_eq!(report.discrepancies.len(), 1);
    }
}

#[cfg(test)]
mod portrait_set {
    use super::support::*;
    use serde_json::json;
    use tencent_im_protocol::profile::{
        AdminForbidType, AllowType, Gender, PortraitSet, PortraitSetResponse, ProfileItem,
    };
    use tencent_im_protocol::{Command, Endpoint, ErrorCode, Violation};

    const C: &str = "portrait_set";

    fn one(item: ProfileItem) -> PortraitSet {
        PortraitSet::new("alice", vec![item])
    }

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(PortraitSet::ENDPOINT, Endpoint::PortraitSet);
        assert_eq!(PortraitSet::SERVICE, "profile");
        assert_eq!(PortraitSet::MAX_ITEMS, None);
    }

    #[test]
    fn sample_request_round_trips_and_matches_a_built_one() {
        let req: PortraitSet = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(
            req,
            PortraitSet::new("id", vec![ProfileItem::nick("MyNickName")])
        );
    }

    #[test]
    fn the_two_typed_tags_and_any_other_tag_encode_exactly() {
        let req = PortraitSet::new(
            "alice",
            vec![
                ProfileItem::allow_type(AllowType::DenyAny),
                ProfileItem::admin_forbid_type(AdminForbidType::None),
                ProfileItem::gender(Gender::Female),
                ProfileItem::image("https://example.com/a.png"),
                ProfileItem::custom("Test", "x"),
                ProfileItem::new("Tag_Profile_IM_Level", 3),
            ],
        );
        assert_eq!(
            json(&req.encode().unwrap()),
            json!({"From_Account": "alice", "ProfileItem": [
                {"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_DenyAny"},
                {"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_None"},
                {"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Female"},
                {"Tag": "Tag_Profile_IM_Image", "Value": "https://example.com/a.png"},
                {"Tag": "Tag_Profile_Custom_Test", "Value": "x"},
                {"Tag": "Tag_Profile_IM_Level", "Value": 3}
            ]})
        );
        assert_eq!(req.item_count(), 6);
    }

    #[test]
    fn every_enumerated_value_has_its_wire_string() {
        for (value, wire) in [
            (AllowType::NeedConfirm, "AllowType_Type_NeedConfirm"),
            (AllowType::AllowAny, "AllowType_Type_AllowAny"),
            (AllowType::DenyAny, "AllowType_Type_DenyAny"),
        ] {
            assert_eq!(value.as_str(), wire);
            assert_eq!(AllowType::from(wire), value);
            one(ProfileItem::allow_type(value)).validate().unwrap();
        }
        for (value, wire) in [
            (AdminForbidType::None, "AdminForbid_Type_None"),
            (AdminForbidType::SendOut, "AdminForbid_Type_SendOut"),
        ] {
            assert_eq!(value.as_str(), wire);
            assert_eq!(AdminForbidType::from(wire), value);
            one(ProfileItem::admin_forbid_type(value))
                .validate()
                .unwrap();
        }
    }

    #[test]
    fn unknown_enumerated_values_decode_but_do_not_validate() {
        let item: ProfileItem = serde_json::from_value(
            json!({"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_Maybe"}),
        )
        .unwrap();
        assert_eq!(
            item.allow_type_value(),
            Some(AllowType::Other("AllowType_Type_Maybe".into()))
        );
        assert_eq!(item.admin_forbid_type_value(), None);
        let v = expect_err(one(item).validate(), "ProfileItem[0].Value");
        assert!(matches!(v, Violation::Format { .. }));
        let forbid: AdminForbidType =
            serde_json::from_value(json!("AdminForbid_Type_All")).unwrap();
        assert_eq!(
            forbid,
            AdminForbidType::Other("AdminForbid_Type_All".into())
        );
        let err = one(ProfileItem::admin_forbid_type(forbid))
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), "ProfileItem[0].Value");
        assert!(
            one(ProfileItem::new(
                "Tag_Profile_IM_Gender",
                "Gender_Type_Other"
            ))
            .validate()
            .is_err()
        );
    }

    #[test]
    fn string_limits_count_bytes() {
        byte_limit("From_Account", 32, |s| {
            PortraitSet::new(s, vec![ProfileItem::nick("n")])
        });
        byte_limit("ProfileItem[0].Value", 500, |s| one(ProfileItem::nick(s)));
        byte_limit("ProfileItem[0].Value", 500, |s| one(ProfileItem::image(s)));
        byte_limit("ProfileItem[0].Value", 500, |s| {
            one(ProfileItem::new("Tag_Profile_IM_SelfSignature", s))
        });
        byte_limit("ProfileItem[0].Value", 16, |s| {
            one(ProfileItem::new("Tag_Profile_IM_Location", s))
        });
        byte_limit("ProfileItem[1].Value", 500, |s| {
            PortraitSet::new(
                "alice",
                vec![ProfileItem::nick("n"), ProfileItem::custom("Test", s)],
            )
        });
        byte_limit("ProfileItem[0].Value", 500, |s| {
            one(ProfileItem::new("Tag_Profile_IM_Future", s))
        });
    }

    #[test]
    fn value_types_follow_the_tag() {
        let level = |v: serde_json::Value| one(ProfileItem::new("Tag_Profile_IM_Level", v));
        level(json!(4_294_967_295_u64)).validate().unwrap();
        level(json!(0)).validate().unwrap();
        for bad in [json!(4_294_967_296_u64), json!(-1), json!("3"), json!(1.5)] {
            let err = level(bad.clone()).validate().unwrap_err();
            assert_eq!(err.field(), "ProfileItem[0].Value", "{bad}");
        }
        // Custom fields take strings only; an unknown standard tag takes a string or an integer.
        assert!(
            one(ProfileItem::new("Tag_Profile_Custom_Test", 3))
                .validate()
                .is_err()
        );
        one(ProfileItem::new("Tag_Profile_IM_Future", 3))
            .validate()
            .unwrap();
        assert!(
            one(ProfileItem::new("Tag_Profile_IM_Future", true))
                .validate()
                .is_err()
        );
        assert!(
            one(ProfileItem::new("Tag_Profile_IM_Nick", 3))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn tags_are_checked() {
        one(ProfileItem::custom("Abcdefgh", "x"))
            .validate()
            .unwrap();
        for bad in ["Abcdefghi", "", "Te5t", "Té"] {
            let v = expect_err(
                one(ProfileItem::custom(bad, "x")).validate(),
                "ProfileItem[0].Tag",
            );
            assert!(matches!(v, Violation::Format { .. }), "{bad}: {v:?}");
        }
        assert_eq!(
            expect_err(
                one(ProfileItem::new("", "x")).validate(),
                "ProfileItem[0].Tag"
            ),
            Violation::Empty
        );
        assert!(
            one(ProfileItem::new("Tag-Profile", "x"))
                .validate()
                .is_err()
        );
        assert_eq!(
            expect_err(PortraitSet::new("a", vec![]).validate(), "ProfileItem"),
            Violation::Empty
        );
        duplicate(
            PortraitSet::new(
                "a",
                vec![
                    ProfileItem::nick("x"),
                    ProfileItem::allow_type(AllowType::AllowAny),
                    ProfileItem::nick("y"),
                ],
            )
            .validate(),
            "ProfileItem[2].Tag",
            "ProfileItem[0].Tag",
        );
    }

    #[test]
    fn replies() {
        let reply = reply_round_trip::<PortraitSet>(C, "response.json");
        assert_eq!(reply.body, PortraitSetResponse::default());
        assert_eq!(reply.envelope.error_display.as_deref(), Some(""));
        // Tencent's sample reply is a failure.
        api_failure::<PortraitSet>(C, "failure.json", ErrorCode::PROFILE_BAD_REQUEST);
    }
}

#[cfg(test)]
mod black_list_add {
    use super::support::*;
    use tencent_im_protocol::report::{AccountList, Discrepancy};
    use tencent_im_protocol::sns::{BlackListAdd, BlackListAddResponse, BlockOutcome, ResultItem};
    use tencent_im_protocol::{Command, Endpoint, ErrorCode, ItemOutcome, Violation};

    const C: &str = "black_list_add";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(BlackListAdd::ENDPOINT, Endpoint::BlackListAdd);
        assert_eq!(BlackListAdd::MAX_ITEMS, Some(1000));
    }

    #[test]
    fn sample_request_round_trips_and_matches_a_built_one() {
        let req: BlackListAdd = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(req, BlackListAdd::new("id", ["id1", "id2", "id3"]));
        assert_eq!(req.item_count(), 3);
    }

    #[test]
    fn limits() {
        item_limit("To_Account", 1000, |n| BlackListAdd::new("me", ids(n)));
        byte_limit("From_Account", 32, |s| BlackListAdd::new(s, ["a"]));
        byte_limit("To_Account[1]", 32, |s| {
            BlackListAdd::new("me", ["a".to_owned(), s])
        });
        assert_eq!(
            expect_err(
                BlackListAdd::new("me", ["a", ""]).validate(),
                "To_Account[1]"
            ),
            Violation::Empty
        );
        duplicate(
            BlackListAdd::new("me", ["a", "b", "a"]).validate(),
            "To_Account[2]",
            "To_Account[0]",
        );
    }

    #[test]
    fn sample_replies_report_outcomes_without_discrepancies() {
        let req: BlackListAdd = serde_json::from_slice(&fixture(C, "request.json")).unwrap();
        for name in ["response.json", "response_invalid_account.json"] {
            let reply = reply_round_trip::<BlackListAdd>(C, name);
            let report = reply.body.report(&req);
            assert_eq!(report.discrepancies, vec![], "{name}");
            assert_eq!(report.items[0].outcome, BlockOutcome::Blocked);
            assert_eq!(report.items[1].outcome, BlockOutcome::AlreadyBlocked);
            let failure = report.items[2].outcome.failure().unwrap();
            assert_eq!(failure.code, Some(ErrorCode::SNS_SDKAPPID_MISMATCH));
            assert!(!failure.is_retryable());
            assert_eq!(report.failed().count(), 1);
            assert!(!report.is_complete_success());
        }
    }

    #[test]
    fn report_cross_checks_the_lists() {
        let req = BlackListAdd::new("me", ["a", "b", "c"]);
        let mut reply = BlackListAddResponse::default();
        reply.result_items = vec![
            ResultItem::new("a", ErrorCode::OK, ""),
            ResultItem::new("b", ErrorCode::SNS_WRITE_CONFLICT, "conflict"),
        ];
        reply.fail_accounts = vec!["a".into()];
        let report = reply.report(&req);
        assert_eq!(report.items[0].outcome, BlockOutcome::Blocked);
        assert!(report.items[1].outcome.failure().unwrap().is_retryable());
        assert_eq!(report.items[2].outcome.failure().unwrap().code, None);
        assert_eq!(
            report.discrepancies,
            vec![
                Discrepancy::MissingResult {
                    account: "c".into()
                },
                Discrepancy::ListedButSucceeded {
                    account: "a".into(),
                    list: AccountList::FailAccount
                },
                Discrepancy::FailedButNotListed {
                    account: "b".into(),
                    code: ErrorCode::SNS_WRITE_CONFLICT
                },
            ]
        );
    }

    #[test]
    fn null_lists_and_failures() {
        let reply = BlackListAdd::decode_reply(
            br#"{"ResultItem":null,"Fail_Account":null,"Invalid_Account":null,
                 "ActionStatus":"OK","ErrorCode":0}"#,
        )
        .unwrap();
        assert_eq!(reply.body, BlackListAddResponse::default());
        api_failure::<BlackListAdd>(C, "failure.json", ErrorCode::SNS_INTERNAL_ERROR);
    }
}

#[cfg(test)]
mod black_list_delete {
    use super::support::*;
    use tencent_im_protocol::report::{AccountList, Discrepancy};
    use tencent_im_protocol::sns::{
        BlackListDelete, BlackListDeleteResponse, ResultItem, UnblockOutcome,
    };
    use tencent_im_protocol::{Command, Endpoint, ErrorClass, ErrorCode, ItemOutcome, Violation};

    const C: &str = "black_list_delete";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(BlackListDelete::ENDPOINT, Endpoint::BlackListDelete);
        assert_eq!(BlackListDelete::MAX_ITEMS, Some(1000));
        assert_eq!(Endpoint::BlackListDelete.path(), "v4/sns/black_list_delete");
        assert_eq!(Endpoint::BlackListDelete.default_rate_per_second(), 200);
        assert!(Endpoint::BlackListDelete.is_retry_safe());
        assert_eq!(Endpoint::BlackListDelete.item_array(), Some("ResultItem"));
    }

    #[test]
    fn sample_request_round_trips_and_matches_a_built_one() {
        let req: BlackListDelete = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(req, BlackListDelete::new("id", ["id1", "id2", "id3"]));
        assert_eq!(req.item_count(), 3);
        assert_eq!(
            BlackListDelete::new("a", ["b"]).encode().unwrap(),
            br#"{"From_Account":"a","To_Account":["b"]}"#
        );
    }

    #[test]
    fn limits() {
        item_limit("To_Account", 1000, |n| BlackListDelete::new("me", ids(n)));
        byte_limit("From_Account", 32, |s| BlackListDelete::new(s, ["a"]));
        byte_limit("To_Account[1]", 32, |s| {
            BlackListDelete::new("me", ["a".to_owned(), s])
        });
        assert_eq!(
            expect_err(BlackListDelete::new("", ["a"]).validate(), "From_Account"),
            Violation::Empty
        );
        assert_eq!(
            expect_err(
                BlackListDelete::new("me", ["a", ""]).validate(),
                "To_Account[1]"
            ),
            Violation::Empty
        );
        duplicate(
            BlackListDelete::new("me", ["a", "b", "a"]).validate(),
            "To_Account[2]",
            "To_Account[0]",
        );
    }

    #[test]
    fn sample_reply_reports_every_account_once() {
        let req: BlackListDelete = serde_json::from_slice(&fixture(C, "request.json")).unwrap();
        let reply = reply_round_trip::<BlackListDelete>(C, "response.json");
        let report = reply.body.report(&req);
        assert_eq!(report.discrepancies, vec![]);
        assert_eq!(report.items[0].outcome, UnblockOutcome::Unblocked);
        assert_eq!(report.items[1].outcome, UnblockOutcome::Unblocked);
        // The sample's failure text is black_list_check's (a copy-paste on the page): the code
        // decides, not the text.
        let failure = report.items[2].outcome.failure().unwrap();
        assert_eq!(failure.code, Some(ErrorCode::SNS_INTERNAL_ERROR));
        assert_eq!(failure.class(), ErrorClass::Transient);
        assert_eq!(
            failure.info,
            "Err_SNS_BlackListCheck_Check_Reverse_BlackList_Fail"
        );
        assert_eq!(report.failed().count(), 1);
        assert!(!report.is_complete_success());
    }

    #[test]
    fn every_nonzero_code_is_a_failure_with_its_class() {
        for (code, class) in [
            (ErrorCode::SNS_BAD_REQUEST, ErrorClass::Permanent),
            (ErrorCode::SNS_ACCOUNT_NOT_FOUND, ErrorClass::Permanent),
            (ErrorCode::SNS_TIMEOUT, ErrorClass::Transient),
            (ErrorCode::SNS_WRITE_CONFLICT, ErrorClass::WriteConflict),
        ] {
            let outcome = UnblockOutcome::from_result(&ResultItem::new("a", code, "x"));
            let failure = outcome.failure().unwrap();
            assert_eq!((failure.code, failure.class()), (Some(code), class));
            assert!(!outcome.is_success());
        }
        assert!(UnblockOutcome::from_result(&ResultItem::new("a", ErrorCode::OK, "")).is_success());
        assert_eq!(UnblockOutcome::Unblocked.to_string(), "unblocked");
    }

    #[test]
    fn report_cross_checks_the_lists() {
        let req = BlackListDelete::new("me", ["a", "b", "c"]);
        let mut reply = BlackListDeleteResponse::default();
        reply.result_items = vec![
            ResultItem::new("b", ErrorCode::SNS_WRITE_CONFLICT, "conflict"),
            ResultItem::new("a", ErrorCode::OK, ""),
            ResultItem::new("z", ErrorCode::OK, ""),
        ];
        reply.fail_accounts = vec!["a".into()];
        let report = reply.report(&req);
        // Request order, whatever the reply's order.
        let accounts: Vec<&str> = report.items.iter().map(|i| i.account.as_str()).collect();
        assert_eq!(accounts, ["a", "b", "c"]);
        assert_eq!(report.items[0].outcome, UnblockOutcome::Unblocked);
        assert!(report.items[1].outcome.failure().unwrap().is_retryable());
        assert_eq!(report.items[2].outcome.failure().unwrap().code, None);
        assert_eq!(
            report.discrepancies,
            vec![
                Discrepancy::MissingResult {
                    account: "c".into()
                },
                Discrepancy::UnexpectedResult {
                    account: "z".into(),
                    code: ErrorCode::OK
                },
                Discrepancy::ListedButSucceeded {
                    account: "a".into(),
                    list: AccountList::FailAccount
                },
                Discrepancy::FailedButNotListed {
                    account: "b".into(),
                    code: ErrorCode::SNS_WRITE_CONFLICT
                },
            ]
        );
    }

    #[test]
    fn null_lists_and_failures() {
        let reply = BlackListDelete::decode_reply(
            br#"{"ResultItem":null,"Fail_Account":null,"ActionStatus":"OK","ErrorCode":0}"#,
        )
        .unwrap();
        assert_eq!(reply.body, BlackListDeleteResponse::default());
        let report = reply.body.report(&BlackListDelete::new("me", ["a"]));
        assert_eq!(report.items[0].outcome.failure().unwrap().code, None);
        api_failure::<BlackListDelete>(C, "failure.json", ErrorCode::SNS_WRITE_CONFLICT);
    }
}

#[cfg(test)]
mod black_list_check {
    use super::support::*;
    use tencent_im_protocol::report::Discrepancy;
    use tencent_im_protocol::sns::{
        BlackListCheck, BlackListCheckItem, BlackListCheckResponse, BlockCheckOutcome,
        BlockCheckType, BlockRelation,
    };
    use tencent_im_protocol::{Command, Endpoint, ErrorClass, ErrorCode, ItemOutcome};

    const C: &str = "black_list_check";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(BlackListCheck::ENDPOINT, Endpoint::BlackListCheck);
        assert_eq!(BlackListCheck::MAX_ITEMS, Some(1000));
        assert_eq!(Endpoint::BlackListCheck.path(), "v4/sns/black_list_check");
        assert_eq!(Endpoint::BlackListCheck.default_rate_per_second(), 200);
        assert_eq!(
            Endpoint::BlackListCheck.item_array(),
            Some("BlackListCheckItem")
        );
    }

    #[test]
    fn sample_request_round_trips_and_matches_a_built_one() {
        let req: BlackListCheck = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(
            req,
            BlackListCheck::new(
                "id",
                ["id1", "id2", "id3", "id4", "id5"],
                BlockCheckType::Both
            )
        );
        assert_eq!(
            BlackListCheck::new("a", ["b"], BlockCheckType::Single)
                .encode()
                .unwrap(),
            br#"{"From_Account":"a","To_Account":["b"],"CheckType":"BlackCheckResult_Type_Single"}"#
        );
        assert_eq!(
            BlockCheckType::Single.as_str(),
            "BlackCheckResult_Type_Single"
        );
        assert_eq!(BlockCheckType::Both.as_str(), "BlackCheckResult_Type_Both");
    }

    #[test]
    fn check_type_is_required_and_strict() {
        for body in [
            r#"{"From_Account":"a","To_Account":["b"]}"#,
            // friend_check's value is not black_list_check's.
            r#"{"From_Account":"a","To_Account":["b"],"CheckType":"CheckResult_Type_Both"}"#,
            r#"{"From_Account":"a","To_Account":["b"],"CheckType":1}"#,
        ] {
            assert!(
                serde_json::from_str::<BlackListCheck>(body).is_err(),
                "{body}"
            );
        }
    }

    #[test]
    fn limits() {
        item_limit("To_Account", 1000, |n| {
            BlackListCheck::new("me", ids(n), BlockCheckType::Both)
        });
        byte_limit("From_Account", 32, |s| {
            BlackListCheck::new(s, ["a"], BlockCheckType::Both)
        });
        byte_limit("To_Account[0]", 32, |s| {
            BlackListCheck::new("me", [s], BlockCheckType::Single)
        });
        duplicate(
            BlackListCheck::new("me", ["a", "a"], BlockCheckType::Both).validate(),
            "To_Account[1]",
            "To_Account[0]",
        );
    }

    #[test]
    fn sample_reply_reports_every_relation_and_trusts_the_code_first() {
        let reply = reply_round_trip::<BlackListCheck>(C, "response.json");
        let req: BlackListCheck = serde_json::from_slice(&fixture(C, "request.json")).unwrap();
        let report = reply.body.report(&req);
        assert_eq!(report.discrepancies, vec![]);
        let relations: Vec<_> = report
            .items
            .iter()
            .map(|i| i.outcome.relation().cloned())
            .collect();
        assert_eq!(
            relations,
            vec![
                Some(BlockRelation::BothWay),
                Some(BlockRelation::AWithB),
                Some(BlockRelation::BWithA),
                Some(BlockRelation::No),
                // 30007 with `BlackCheckResult_Type_NO`: failed, not "not blocked".
                None,
            ]
        );
        let failure = report.items[4].outcome.failure().unwrap();
        assert_eq!(failure.code, Some(ErrorCode::SNS_TIMEOUT));
        assert_eq!(failure.class(), ErrorClass::Transient);
        assert_eq!(
            failure.info,
            "Err_SNS_BlackListCheck_Check_Reverse_BlackList_Fail"
        );
        assert_eq!(reply.body.check_items[4].relation, Some(BlockRelation::No));
    }

    #[test]
    fn relations_read_every_documented_value_and_keep_others() {
        for (wire, relation, a_blocks_b) in [
            (
                "BlackCheckResult_Type_BothWay",
                BlockRelation::BothWay,
                Some(true),
            ),
            (
                "BlackCheckResult_Type_AWithB",
                BlockRelation::AWithB,
                Some(true),
            ),
            (
                "BlackCheckResult_Type_BWithA",
                BlockRelation::BWithA,
                Some(false),
            ),
            ("BlackCheckResult_Type_NO", BlockRelation::No, Some(false)),
            (
                "BlackCheckResult_Type_No",
                BlockRelation::Other("BlackCheckResult_Type_No".into()),
                None,
            ),
        ] {
            assert_eq!(BlockRelation::from(wire), relation);
            assert_eq!(relation.as_str(), wire);
            assert_eq!(relation.a_blocks_b(), a_blocks_b, "{wire}");
            assert_eq!(relation.is_known(), a_blocks_b.is_some());
        }
    }

    #[test]
    fn unknown_relation_is_kept_and_missing_relation_fails_the_item() {
        let body = br#"{"BlackListCheckItem":[
            {"To_Account":"a","Relation":"BlackCheckResult_Type_Muted","ResultCode":0,"ResultInfo":""},
            {"To_Account":"b","ResultCode":0},
            {"To_Account":"c","Relation":null,"ResultCode":0}
        ],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;
        let reply = BlackListCheck::decode_reply(body).unwrap();
        let report = reply.body.report(&BlackListCheck::new(
            "me",
            ["a", "b", "c"],
            BlockCheckType::Both,
        ));
        assert_eq!(
            report.items[0].outcome,
            BlockCheckOutcome::Checked(BlockRelation::Other("BlackCheckResult_Type_Muted".into()))
        );
        for item in &report.items[1..] {
            let failure = item.outcome.failure().unwrap();
            assert_eq!(failure.code, None, "{}", item.account);
            assert!(failure.is_retryable());
        }
        let back = serde_json::to_value(&reply.body.check_items[0]).unwrap();
        assert_eq!(back["Relation"], "BlackCheckResult_Type_Muted");
    }

    #[test]
    fn failed_item_missing_from_fail_account_is_a_discrepancy() {
        let mut body = BlackListCheckResponse::default();
        body.check_items = vec![
            BlackListCheckItem::new("a", BlockRelation::BothWay),
            BlackListCheckItem::failed("b", ErrorCode::SNS_ACCOUNT_NOT_FOUND, "x"),
        ];
        let report = body.report(&BlackListCheck::new("me", ["a", "b"], BlockCheckType::Both));
        assert_eq!(
            report.discrepancies,
            vec![Discrepancy::FailedButNotListed {
                account: "b".into(),
                code: ErrorCode::SNS_ACCOUNT_NOT_FOUND
            }]
        );
        assert_eq!(
            report.items[1].outcome.failure().unwrap().code,
            Some(ErrorCode::SNS_ACCOUNT_NOT_FOUND)
        );
    }

    #[test]
    fn null_lists_and_failures() {
        let reply = BlackListCheck::decode_reply(
            br#"{"BlackListCheckItem":null,"Fail_Account":null,"ActionStatus":"OK","ErrorCode":0}"#,
        )
        .unwrap();
        assert_eq!(reply.body, BlackListCheckResponse::default());
        api_failure::<BlackListCheck>(C, "failure.json", ErrorCode::SNS_ADMIN_REQUIRED);
    }
}

#[cfg(test)]
mod friend_check {
    use super::support::*;
    use tencent_im_protocol::report::Discrepancy;
    use tencent_im_protocol::sns::{
        CheckInfoItem, CheckOutcome, CheckType, FriendCheck, FriendCheckResponse, Relation,
    };
    use tencent_im_protocol::{Command, Endpoint, ErrorClass, ErrorCode, ItemOutcome};

    const C: &str = "friend_check";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(FriendCheck::ENDPOINT, Endpoint::FriendCheck);
        assert_eq!(FriendCheck::MAX_ITEMS, Some(1000));
    }

    #[test]
    fn sample_request_round_trips_and_matches_a_built_one() {
        let req: FriendCheck = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(
            req,
            FriendCheck::new("id", ["id1", "id2", "id3", "id4", "id5"], CheckType::Both)
        );
        assert_eq!(
            FriendCheck::new("a", ["b"], CheckType::Single)
                .encode()
                .unwrap(),
            br#"{"From_Account":"a","To_Account":["b"],"CheckType":"CheckResult_Type_Single"}"#
        );
    }

    #[test]
    fn check_type_is_required_and_strict() {
        assert!(
            serde_json::from_str::<FriendCheck>(r#"{"From_Account":"a","To_Account":["b"]}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<FriendCheck>(
                r#"{"From_Account":"a","To_Account":["b"],"CheckType":"CheckResult_Type_Some"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn limits() {
        item_limit("To_Account", 1000, |n| {
            FriendCheck::new("me", ids(n), CheckType::Both)
        });
        byte_limit("From_Account", 32, |s| {
            FriendCheck::new(s, ["a"], CheckType::Both)
        });
        byte_limit("To_Account[0]", 32, |s| {
            FriendCheck::new("me", [s], CheckType::Single)
        });
        duplicate(
            FriendCheck::new("me", ["a", "a"], CheckType::Both).validate(),
            "To_Account[1]",
            "To_Account[0]",
        );
    }

    #[test]
    fn sample_reply_reports_every_relation() {
        let reply = reply_round_trip::<FriendCheck>(C, "response.json");
        let req: FriendCheck = serde_json::from_slice(&fixture(C, "request.json")).unwrap();
        let report = reply.body.report(&req);
        assert_eq!(report.discrepancies, vec![]);
        let relations: Vec<_> = report
            .items
            .iter()
            .map(|i| i.outcome.relation().cloned())
            .collect();
        assert_eq!(
            relations,
            vec![
                Some(Relation::BothWay),
                Some(Relation::AWithB),
                Some(Relation::BWithA),
                Some(Relation::NoRelation),
                None,
            ]
        );
        let failure = report.items[4].outcome.failure().unwrap();
        assert_eq!(failure.code, Some(ErrorCode::SNS_INTERNAL_ERROR));
        assert_eq!(failure.class(), ErrorClass::Transient);
        assert_eq!(
            failure.info,
            "Err_SNS_FriendCheck_Check_Relation_Exec_Task_Fail"
        );
    }

    #[test]
    fn unknown_relation_is_kept_and_missing_relation_fails_the_item() {
        let body = br#"{"InfoItem":[
            {"To_Account":"a","Relation":"CheckResult_Type_Blocked","ResultCode":0,"ResultInfo":""},
            {"To_Account":"b","ResultCode":0}
        ],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;
        let reply = FriendCheck::decode_reply(body).unwrap();
        let report = reply
            .body
            .report(&FriendCheck::new("me", ["a", "b"], CheckType::Both));
        assert_eq!(
            report.items[0].outcome,
            CheckOutcome::Checked(Relation::Other("CheckResult_Type_Blocked".into()))
        );
        assert_eq!(report.items[1].outcome.failure().unwrap().code, None);
        let back = serde_json::to_value(&reply.body.info_items[0]).unwrap();
        assert_eq!(back["Relation"], "CheckResult_Type_Blocked");
    }

    #[test]
    fn failed_item_missing_from_fail_account_is_a_discrepancy() {
        let mut body = FriendCheckResponse::default();
        let mut failed = CheckInfoItem::new("b", Relation::NoRelation);
        failed.result_code = ErrorCode::SNS_TIMEOUT;
        body.info_items = vec![CheckInfoItem::new("a", Relation::BothWay), failed];
        let report = body.report(&FriendCheck::new("me", ["a", "b"], CheckType::Both));
        assert_eq!(
            report.discrepancies,
            vec![Discrepancy::FailedButNotListed {
                account: "b".into(),
                code: ErrorCode::SNS_TIMEOUT
            }]
        );
    }

    #[test]
    fn failed_reply_is_an_api_error() {
        api_failure::<FriendCheck>(C, "failure.json", ErrorCode::SNS_BAD_REQUEST);
    }
}

#[cfg(test)]
mod friend_delete {
    use super::support::*;
    use tencent_im_protocol::report::Discrepancy;
    use tencent_im_protocol::sns::{
        DeleteOutcome, DeleteType, FriendDelete, FriendDeleteResponse, ResultItem,
    };
    use tencent_im_protocol::{Command, Endpoint, ErrorClass, ErrorCode, ItemOutcome};

    const C: &str = "friend_delete";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(FriendDelete::ENDPOINT, Endpoint::FriendDelete);
        assert_eq!(FriendDelete::MAX_ITEMS, Some(1000));
    }

    #[test]
    fn sample_requests_round_trip_and_match_built_ones() {
        for (name, delete_type) in [
            ("request.json", DeleteType::Single),
            ("request_both.json", DeleteType::Both),
        ] {
            let req: FriendDelete = request_round_trip(C, name);
            req.validate().unwrap();
            assert_eq!(
                req,
                FriendDelete::new("id", ["id1", "id2", "id3"]).delete_type(delete_type)
            );
        }
        assert_eq!(
            FriendDelete::new("a", ["b"]).encode().unwrap(),
            br#"{"From_Account":"a","To_Account":["b"]}"#
        );
    }

    #[test]
    fn limits() {
        item_limit("To_Account", 1000, |n| FriendDelete::new("me", ids(n)));
        byte_limit("From_Account", 32, |s| FriendDelete::new(s, ["a"]));
        byte_limit("To_Account[2]", 32, |s| {
            FriendDelete::new("me", ["a".to_owned(), "b".to_owned(), s])
        });
        duplicate(
            FriendDelete::new("me", ["x", "y", "z", "y"]).validate(),
            "To_Account[3]",
            "To_Account[1]",
        );
    }

    #[test]
    fn sample_reply_reports_every_friend_deleted() {
        let reply = reply_round_trip::<FriendDelete>(C, "response.json");
        // The sample's ErrorInfo is "0" on success; only ErrorCode and ActionStatus count.
        assert_eq!(reply.envelope.error_info, "0");
        let req: FriendDelete = serde_json::from_slice(&fixture(C, "request.json")).unwrap();
        let report = reply.body.report(&req);
        assert!(report.is_complete_success());
        assert!(
            report
                .items
                .iter()
                .all(|i| i.outcome == DeleteOutcome::Deleted)
        );
    }

    #[test]
    fn outcomes_and_discrepancies() {
        let mut body = FriendDeleteResponse::default();
        body.result_items = vec![
            ResultItem::new("a", ErrorCode::SNS_NO_RELATION_TO_DELETE, ""),
            ResultItem::new("b", ErrorCode::SNS_WRITE_CONFLICT, ""),
            ResultItem::new("b", ErrorCode::OK, ""),
        ];
        let report = body.report(&FriendDelete::new("me", ["a", "b", "c"]));
        assert_eq!(report.items[0].outcome, DeleteOutcome::NotFriends);
        assert!(report.items[0].outcome.is_success());
        let b = report.items[1].outcome.failure().unwrap();
        assert_eq!(b.class(), ErrorClass::WriteConflict);
        assert_eq!(report.items[2].outcome.failure().unwrap().code, None);
        assert_eq!(
            report.discrepancies,
            vec![
                Discrepancy::DuplicateResult {
                    account: "b".into()
                },
                Discrepancy::MissingResult {
                    account: "c".into()
                },
            ]
        );
        assert_eq!(report.failed().count(), 2);
    }

    #[test]
    fn failed_reply_is_an_api_error() {
        api_failure::<FriendDelete>(C, "failure.json", ErrorCode::SNS_ACCOUNT_NOT_FOUND);
    }
}

#[cfg(test)]
mod friend_get {
    use super::support::*;
    use tencent_im_protocol::sns::{FriendGet, FriendGetResponse};
    use tencent_im_protocol::{Command, Endpoint, ErrorCode};

    const C: &str = "friend_get";

    #[test]
    fn endpoint_and_caps() {
        assert_eq!(FriendGet::ENDPOINT, Endpoint::FriendGet);
        assert_eq!(FriendGet::MAX_ITEMS, None);
        assert_eq!(FriendGet::new("a", 0).item_count(), 1);
    }

    #[test]
    fn sample_request_round_trips_and_matches_a_built_one() {
        let req: FriendGet = request_round_trip(C, "request.json");
        req.validate().unwrap();
        assert_eq!(
            req,
            FriendGet::new("id", 0)
                .standard_sequence(0)
                .custom_sequence(0)
        );
        assert_eq!(
            FriendGet::new("id", 7).encode().unwrap(),
            br#"{"From_Account":"id","StartIndex":7}"#
        );
    }

    #[test]
    fn limits() {
        byte_limit("From_Account", 32, |s| FriendGet::new(s, 0));
    }

    #[test]
    fn sample_reply_decodes_every_field() {
        let reply = reply_round_trip::<FriendGet>(C, "response.json");
        let body = &reply.body;
        assert_eq!(
            (
                body.standard_sequence,
                body.custom_sequence,
                body.friend_num
            ),
            (88, 46, 20)
        );
        assert!(body.is_complete());
        assert_eq!(body.next_page(&FriendGet::new("id", 0)), None);
        let first = &body.user_data_items[0];
        assert_eq!(first.to_account, "id1");
        assert_eq!(first.remark(), Some("Remark1"));
        assert_eq!(first.add_source(), Some("AddSource_Type_Android"));
        assert_eq!(first.groups(), vec!["Group1", "Group2"]);
        assert_eq!(first.add_time(), Some(1_563_867_420));
        assert_eq!(
            first.value("Tag_SNS_Custom_Test"),
            Some(&serde_json::json!("CustomData1"))
        );
        let second = &body.user_data_items[1];
        assert_eq!(second.remark(), None);
        assert_eq!(second.groups(), vec!["Group1"]);
    }

    #[test]
    fn incomplete_page_leads_to_the_next_request() {
        let reply = FriendGet::decode_reply(
            br#"{"UserDataItem":[],"StandardSequence":5,"CustomSequence":6,"FriendNum":250,
                 "CompleteFlag":0,"NextStartIndex":100,"ActionStatus":"OK","ErrorCode":0}"#,
        )
        .unwrap();
        let next = reply.body.next_page(&FriendGet::new("me", 0)).unwrap();
        assert_eq!(
            next,
            FriendGet::new("me", 100)
                .standard_sequence(5)
                .custom_sequence(6)
        );
    }

    #[test]
    fn null_and_missing_fields_read_as_empty() {
        let reply = FriendGet::decode_reply(
            br#"{"UserDataItem":[{"To_Account":"a","ValueItem":null}],"FriendNum":null,
                 "ActionStatus":"OK","ErrorCode":0,"Unknown":{"x":[1]}}"#,
        )
        .unwrap();
        assert_eq!(reply.body.friend_num, 0);
        assert!(reply.body.user_data_items[0].values.is_empty());
        assert!(!reply.body.is_complete());
        let empty =
            FriendGet::decode_reply(br#"{"ActionStatus":"OK","ErrorCode":0,"UserDataItem":null}"#)
                .unwrap();
        assert_eq!(empty.body, FriendGetResponse::default());
    }

    #[test]
    fn failed_reply_is_an_api_error() {
        api_failure::<FriendGet>(C, "failure.json", ErrorCode::SNS_ADMIN_REQUIRED);
    }
}
