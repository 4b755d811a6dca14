//! friend_add against the samples of Tencent's page (with the `//` comments removed), the
//! limits of spec §7.1 and the outcome rules of spec §7.5.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use tencent_im_protocol::report::{AccountList, Discrepancy};
use tencent_im_protocol::sns::{
    AddFriendItem, AddOutcome, AddType, ForceAddFlags, FriendAdd, FriendAddResponse, ResultItem,
};
use tencent_im_protocol::{
    ActionStatus, Command, Endpoint, ErrorClass, ErrorCode, ItemOutcome, ReplyError, Violation,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/friend_add/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn item(to: &str) -> AddFriendItem {
    AddFriendItem::new(to, "AddSource_Type_Web")
}

#[test]
fn sample_requests_round_trip() {
    for name in [
        "request_minimal.json",
        "request_single.json",
        "request_batch.json",
    ] {
        let bytes = fixture(name);
        let req: FriendAdd = serde_json::from_slice(&bytes).unwrap();
        req.validate().unwrap();
        assert_eq!(json(&req.encode().unwrap()), json(&bytes), "{name}");
    }
}

#[test]
fn sample_request_fields_land_in_the_right_places() {
    let req: FriendAdd = serde_json::from_slice(&fixture("request_single.json")).unwrap();
    assert_eq!(req.from_account, "id");
    assert_eq!(req.add_type, Some(AddType::Both));
    assert_eq!(req.force_add, Some(ForceAddFlags::Force));
    let item = &req.items[0];
    assert_eq!(item.to_account, "id1");
    assert_eq!(item.remark.as_deref(), Some("remark1"));
    assert_eq!(item.group_name.as_deref(), Some("Classmates"));
    assert_eq!(item.add_source, "AddSource_Type_XXXXXXXX");
    assert_eq!(item.add_wording.as_deref(), Some("I'm Test1"));
}

#[test]
fn built_request_encodes_exact_wire_names_and_omits_absent_fields() {
    let req = FriendAdd::new(
        "alice",
        vec![
            item("bob"),
            AddFriendItem::new("carol", "AddSource_Type_Android")
                .remark("R")
                .group_name("G")
                .add_wording("W"),
        ],
    )
    .add_type(AddType::Single)
    .force_add(ForceAddFlags::Normal);
    let body = String::from_utf8(req.encode().unwrap()).unwrap();
    assert_eq!(
        body,
        concat!(
            r#"{"From_Account":"alice","AddFriendItem":["#,
            r#"{"To_Account":"bob","AddSource":"AddSource_Type_Web"},"#,
            r#"{"To_Account":"carol","Remark":"R","GroupName":"G","AddSource":"AddSource_Type_Android","AddWording":"W"}],"#,
            r#""AddType":"Add_Type_Single","ForceAddFlags":0}"#
        )
    );
    let bare = FriendAdd::new("alice", vec![item("bob")]);
    let body = String::from_utf8(bare.encode().unwrap()).unwrap();
    assert!(!body.contains("AddType") && !body.contains("ForceAddFlags"));
}

#[test]
fn invalid_enum_values_do_not_decode() {
    for body in [
        r#"{"From_Account":"a","AddFriendItem":[],"AddType":"Add_Type_Three"}"#,
        r#"{"From_Account":"a","AddFriendItem":[],"ForceAddFlags":2}"#,
        r#"{"From_Account":"a","AddFriendItem":[],"ForceAddFlags":-1}"#,
        r#"{"From_Account":"a","AddFriendItem":[],"ForceAddFlags":true}"#,
        r#"{"From_Account":1,"AddFriendItem":[]}"#,
    ] {
        assert!(serde_json::from_str::<FriendAdd>(body).is_err(), "{body}");
    }
}

// Byte limits, each at exactly the limit (passes) and one byte over (fails), with multibyte
// UTF-8 so that counting characters instead of bytes would give the wrong answer.

/// A string of exactly `bytes` bytes made of 3-byte characters plus ASCII padding.
fn bytes_long(bytes: usize) -> String {
    let mut s = "好".repeat(bytes / 3);
    s.push_str(&"a".repeat(bytes % 3));
    assert_eq!(s.len(), bytes);
    s
}

fn check_limit(field: &str, limit: usize, build: impl Fn(String) -> FriendAdd) {
    build(bytes_long(limit))
        .validate()
        .unwrap_or_else(|e| panic!("{field} at {limit} bytes must pass: {e}"));
    let err = build(bytes_long(limit + 1)).validate().unwrap_err();
    assert_eq!(err.field(), field);
    assert_eq!(
        err.violation(),
        &Violation::TooLong {
            limit,
            actual: limit + 1
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains(field) && msg.contains(&limit.to_string()),
        "{msg}"
    );
}

#[test]
fn from_account_limit() {
    check_limit("From_Account", 32, |s| FriendAdd::new(s, vec![item("b")]));
}

#[test]
fn to_account_limit() {
    check_limit("AddFriendItem[1].To_Account", 32, |s| {
        FriendAdd::new("a", vec![item("b"), item(&s)])
    });
}

#[test]
fn remark_limit() {
    check_limit("AddFriendItem[0].Remark", 96, |s| {
        FriendAdd::new("a", vec![item("b").remark(s)])
    });
}

#[test]
fn group_name_limit() {
    check_limit("AddFriendItem[0].GroupName", 30, |s| {
        FriendAdd::new("a", vec![item("b").group_name(s)])
    });
}

#[test]
fn add_wording_limit() {
    check_limit("AddFriendItem[0].AddWording", 256, |s| {
        FriendAdd::new("a", vec![item("b").add_wording(s)])
    });
}

#[test]
fn empty_fields_are_rejected() {
    let cases = [
        (FriendAdd::new("", vec![item("b")]), "From_Account"),
        (
            FriendAdd::new("a", vec![item("")]),
            "AddFriendItem[0].To_Account",
        ),
        (
            FriendAdd::new("a", vec![item("b").group_name("")]),
            "AddFriendItem[0].GroupName",
        ),
        (FriendAdd::new("a", vec![]), "AddFriendItem"),
    ];
    for (req, field) in cases {
        let err = req.validate().unwrap_err();
        assert_eq!(err.field(), field);
        assert_eq!(err.violation(), &Violation::Empty);
    }
}

#[test]
fn item_cap_is_1000() {
    let items = |n: usize| (0..n).map(|i| item(&format!("u{i}"))).collect::<Vec<_>>();
    assert_eq!(FriendAdd::MAX_ITEMS, Some(1000));
    FriendAdd::new("a", items(1000)).validate().unwrap();
    let err = FriendAdd::new("a", items(1001)).validate().unwrap_err();
    assert_eq!(err.field(), "AddFriendItem");
    assert_eq!(
        err.violation(),
        &Violation::TooManyItems {
            limit: 1000,
            actual: 1001
        }
    );
    assert_eq!(
        err.to_string(),
        "AddFriendItem has 1001 items, over the limit of 1000 per request"
    );
}

#[test]
fn add_source_format() {
    let ok = [
        "AddSource_Type_A",
        "AddSource_Type_Android",
        "AddSource_Type_ABCDEFGH",
    ];
    let bad = [
        "",
        "AddSource_Type_",
        "AddSource_Type_ABCDEFGHI",
        "AddSource_Type_Web1",
        "AddSource_Type_Wéb",
        "addsource_type_Web",
        "Android",
        "AddSource_Type_Web ",
    ];
    for source in ok {
        FriendAdd::new("a", vec![AddFriendItem::new("b", source)])
            .validate()
            .unwrap_or_else(|e| panic!("{source}: {e}"));
    }
    for source in bad {
        let err = FriendAdd::new("a", vec![AddFriendItem::new("b", source)])
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), "AddFriendItem[0].AddSource", "{source}");
        assert!(matches!(err.violation(), Violation::Format { .. }));
    }
}

#[test]
fn duplicate_targets_are_rejected() {
    let err = FriendAdd::new("a", vec![item("b"), item("c"), item("b")])
        .validate()
        .unwrap_err();
    assert_eq!(err.field(), "AddFriendItem[2].To_Account");
    assert_eq!(
        err.violation(),
        &Violation::Duplicate {
            first: "AddFriendItem[0].To_Account".into()
        }
    );
    // Short lists are compared pairwise, long ones through a map: both name the first repeat.
    for len in [2, 16, 17, 1000] {
        let mut items: Vec<_> = (0..len - 1).map(|i| item(&format!("u{i}"))).collect();
        let first = (len - 1) / 2;
        items.push(item(&format!("u{first}")));
        let err = FriendAdd::new("a", items).validate().unwrap_err();
        assert_eq!(
            err.field(),
            format!("AddFriendItem[{}].To_Account", len - 1)
        );
        assert_eq!(
            err.violation(),
            &Violation::Duplicate {
                first: format!("AddFriendItem[{first}].To_Account")
            },
            "{len} items"
        );
    }
}

#[test]
fn encode_refuses_an_invalid_request() {
    assert!(FriendAdd::new("a", vec![]).encode().is_err());
}

// Replies.

#[test]
fn sample_replies_round_trip() {
    for name in [
        "response_single.json",
        "response_batch_partial.json",
        "response_batch_invalid_account.json",
    ] {
        let bytes = fixture(name);
        let reply = FriendAdd::decode_reply(&bytes).unwrap();
        assert_eq!(
            json(&serde_json::to_vec(&reply).unwrap()),
            json(&bytes),
            "{name}"
        );
    }
}

#[test]
fn partial_failure_is_data_not_an_error() {
    let reply = FriendAdd::decode_reply(&fixture("response_batch_partial.json")).unwrap();
    assert_eq!(reply.envelope.action_status, ActionStatus::Ok);
    assert_eq!(reply.envelope.error_display.as_deref(), Some(""));
    let body = &reply.body;
    assert_eq!(body.fail_accounts, ["id2", "id3"]);
    assert_eq!(
        body.result_items[1].result_code,
        ErrorCode::SNS_INTERNAL_ERROR
    );
    assert_eq!(
        body.result_items[2].result_info,
        "Err_SNS_FriendAdd_SdkAppId_Illegal"
    );

    let req: FriendAdd = serde_json::from_slice(&fixture("request_batch.json")).unwrap();
    let report = body.report(&req);
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
    let outcomes: Vec<_> = report.items.iter().map(|i| i.outcome.to_string()).collect();
    assert_eq!(
        outcomes,
        [
            "added",
            "failed (code 30006: Err_SNS_FriendAdd_Unpack_Profile_Data_Fail)",
            "failed (code 30002: Err_SNS_FriendAdd_SdkAppId_Illegal)"
        ]
    );
    let failed: Vec<_> = report.failed().map(|i| i.account.as_str()).collect();
    assert_eq!(failed, ["id2", "id3"]);
    let id2 = report.items[1].outcome.failure().unwrap();
    assert!(id2.is_retryable());
    assert_eq!(id2.class(), ErrorClass::Transient);
    assert!(!report.items[2].outcome.failure().unwrap().is_retryable());
    assert!(!report.is_complete_success());
}

#[test]
fn invalid_account_list_counts_as_listed() {
    let reply = FriendAdd::decode_reply(&fixture("response_batch_invalid_account.json")).unwrap();
    assert_eq!(reply.body.invalid_accounts, ["id3"]);
    let req: FriendAdd = serde_json::from_slice(&fixture("request_batch.json")).unwrap();
    let report = reply.body.report(&req);
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
    assert!(matches!(report.items[2].outcome, AddOutcome::Failed(_)));
}

#[test]
fn whole_request_failures_are_api_errors() {
    let err = FriendAdd::decode_reply(&fixture("response_decode_error.json")).unwrap_err();
    let ReplyError::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.code(), ErrorCode::SNS_BAD_REQUEST);
    assert_eq!(api.info(), "SNS_DECODE_ERR");
    assert!(!api.is_retryable());
    assert_eq!(err.api_code(), Some(ErrorCode::new(30001)));

    let err = FriendAdd::decode_reply(&fixture("response_sig_expired.json")).unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::SIG_EXPIRED));
    let ReplyError::Api(api) = err else { panic!() };
    assert_eq!(api.class(), ErrorClass::SigExpired);
    assert_eq!(
        api.to_string(),
        "request failed with code 70001 (the UserSig expired, generate a new one): 70001:usersig expired"
    );
}

#[test]
fn bodies_that_are_not_replies_are_decode_errors() {
    for body in [
        &b""[..],
        b"<html><body>502 Bad Gateway</body></html>",
        br#"{"ResultItem":[]}"#,
        br#"{"ActionStatus":"OK","ErrorCode":0,"ResultItem":{}}"#,
        br#"{"ActionStatus":"OK","ErrorCode":0,"ResultItem":[{"To_Account":"a"}]}"#,
        br#"{"ActionStatus":"OK","ErrorCode":0,"ResultItem":[{"To_Account":"a","ResultCode":0}"#,
        br#"{"ActionStatus":"OK","ErrorCode":"0"}"#,
        // Not UTF-8 inside a string: the byte-level path gives serde_json's error.
        b"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ResultItem\":[{\"To_Account\":\"\xff\",\"ResultCode\":0}]}",
    ] {
        let err = FriendAdd::decode_reply(body).unwrap_err();
        assert!(matches!(err, ReplyError::Decode(_)), "{body:?}: {err:?}");
        assert!(std::error::Error::source(&err).is_some());
    }
}

#[test]
fn truncated_body_is_reported_as_such() {
    let body = fixture("response_batch_partial.json");
    let err = FriendAdd::decode_reply(&body[..body.len() / 2]).unwrap_err();
    let ReplyError::Decode(decode) = err else {
        panic!()
    };
    assert!(decode.is_truncated());
}

#[test]
fn outcomes_follow_spec_7_5() {
    let req = FriendAdd::new(
        "a",
        ["ok", "pending", "exists", "bad", "conflict", "missing"]
            .iter()
            .map(|t| item(t))
            .collect(),
    );
    let resp = FriendAddResponse::from_results(vec![
        ResultItem::new("ok", ErrorCode::OK, ""),
        ResultItem::new("pending", ErrorCode::SNS_PENDING, ""),
        ResultItem::new(
            "exists",
            ErrorCode::SNS_BAD_REQUEST,
            "Err_SNS_FriendAdd_Friend_Exist",
        ),
        ResultItem::new(
            "bad",
            ErrorCode::SNS_BAD_REQUEST,
            "Err_SNS_FriendAdd_Source_Illegal",
        ),
        ResultItem::new("conflict", ErrorCode::SNS_WRITE_CONFLICT, ""),
    ]);
    assert_eq!(resp.fail_accounts, ["exists", "bad", "conflict"]);
    let report = resp.report(&req);
    let got: Vec<_> = report.items.iter().map(|i| i.outcome.clone()).collect();
    assert_eq!(got[0], AddOutcome::Added);
    assert_eq!(got[1], AddOutcome::Pending);
    assert_eq!(got[2], AddOutcome::AlreadyFriends);
    let bad = got[3].failure().unwrap();
    assert_eq!(bad.code, Some(ErrorCode::SNS_BAD_REQUEST));
    assert!(!bad.is_retryable());
    let conflict = got[4].failure().unwrap();
    assert_eq!(conflict.class(), ErrorClass::WriteConflict);
    assert!(conflict.is_retryable());
    let missing = got[5].failure().unwrap();
    assert_eq!(missing.code, None);
    assert!(missing.is_retryable());
    assert_eq!(
        report.discrepancies,
        [Discrepancy::MissingResult {
            account: "missing".into()
        }]
    );
    assert_eq!(report.items.len(), req.items.len());
}

#[test]
fn every_list_mismatch_is_reported() {
    let req = FriendAdd::new("a", vec![item("x"), item("y"), item("z")]);
    let body = br#"{
        "ResultItem": [
            {"To_Account":"z","ResultCode":30010,"ResultInfo":""},
            {"To_Account":"x","ResultCode":0,"ResultInfo":""},
            {"To_Account":"y","ResultCode":30003,"ResultInfo":""},
            {"To_Account":"y","ResultCode":0,"ResultInfo":""},
            {"To_Account":"stranger","ResultCode":0,"ResultInfo":""}
        ],
        "Fail_Account": ["x", "ghost"],
        "Invalid_Account": ["y"],
        "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""
    }"#;
    let reply = FriendAdd::decode_reply(body).unwrap();
    let report = reply.body.report(&req);
    // Request order is kept, whatever the reply's order; the first ResultItem of y decides.
    let accounts: Vec<_> = report.items.iter().map(|i| i.account.as_str()).collect();
    assert_eq!(accounts, ["x", "y", "z"]);
    assert_eq!(report.items[0].outcome, AddOutcome::Added);
    assert_eq!(
        report.items[1].outcome.failure().unwrap().code,
        Some(ErrorCode::SNS_ACCOUNT_NOT_FOUND)
    );
    let mut got: Vec<String> = report.discrepancies.iter().map(|d| d.to_string()).collect();
    got.sort();
    let mut want = [
        Discrepancy::DuplicateResult {
            account: "y".into(),
        },
        Discrepancy::UnexpectedResult {
            account: "stranger".into(),
            code: ErrorCode::OK,
        },
        Discrepancy::ListedButSucceeded {
            account: "x".into(),
            list: AccountList::FailAccount,
        },
        Discrepancy::ListedWithoutResult {
            account: "ghost".into(),
            list: AccountList::FailAccount,
        },
        Discrepancy::FailedButNotListed {
            account: "z".into(),
            code: ErrorCode::SNS_OWN_FRIEND_LIMIT,
        },
    ]
    .iter()
    .map(|d| d.to_string())
    .collect::<Vec<_>>();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn pending_may_or_may_not_be_listed() {
    let req = FriendAdd::new("a", vec![item("p")]);
    for fail in [&[][..], &["p".to_owned()][..]] {
        let mut resp =
            FriendAddResponse::from_results(vec![ResultItem::new("p", ErrorCode::SNS_PENDING, "")]);
        resp.fail_accounts = fail.to_vec();
        let report = resp.report(&req);
        assert!(
            report.discrepancies.is_empty(),
            "{:?}",
            report.discrepancies
        );
        assert_eq!(report.items[0].outcome, AddOutcome::Pending);
    }
}

#[test]
fn null_lists_in_an_ok_reply_are_empty() {
    let reply = FriendAdd::decode_reply(
        br#"{"ActionStatus":"OK","ErrorCode":0,"ResultItem":null,"Fail_Account":null}"#,
    )
    .unwrap();
    assert!(reply.body.result_items.is_empty());
    let report = reply.body.report(&FriendAdd::new("a", vec![item("b")]));
    assert_eq!(report.items.len(), 1);
    assert!(report.items[0].outcome.failure().is_some());
}

const _: () = assert!(FriendAdd::RETRY_SAFE);

#[test]
fn command_metadata() {
    assert_eq!(FriendAdd::ENDPOINT, Endpoint::FriendAdd);
    assert_eq!(FriendAdd::SERVICE, "sns");
    assert_eq!(FriendAdd::COMMAND, "friend_add");
    assert_eq!(FriendAdd::DEFAULT_RATE_PER_SECOND, 200);
    assert_eq!(
        FriendAdd::new("a", vec![item("b"), item("c")]).item_count(),
        2
    );
}
