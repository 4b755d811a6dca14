//! Decoding arbitrary bytes returns an error or a value, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use tencent_im_protocol::im_open_login_svc::{AccountCheck, AccountImport, MultiaccountImport};
use tencent_im_protocol::log::{LogReader, LogStats, read_log};
use tencent_im_protocol::profile::PortraitSet;
use tencent_im_protocol::sns::{
    BlackListAdd, BlackListCheck, BlackListCheckResponse, BlackListDelete, FriendAdd,
    FriendAddResponse, FriendCheck, FriendDelete, FriendGet,
};
use tencent_im_protocol::{Command, Envelope};

/// Decodes `bytes` as a request and as a reply of `C`, and validates what decodes.
fn decode_as<C: Command + serde::de::DeserializeOwned>(bytes: &[u8]) {
    let _ = C::decode_reply(bytes);
    if let Ok(req) = serde_json::from_slice::<C>(bytes) {
        let _ = req.validate();
        let _ = req.item_count();
    }
}

/// Every decoder of this crate that takes untrusted bytes.
fn decode_everything(bytes: &[u8]) {
    let _ = Envelope::decode(bytes);
    let _ = FriendAdd::decode_reply(bytes);
    let _ = serde_json::from_slice::<FriendAdd>(bytes);
    let _ = serde_json::from_slice::<FriendAddResponse>(bytes);
    // Random bytes practically never decode both as a request and as a reply: the reports of a
    // valid request and a hostile reply are the properties of `reports.rs`.
    decode_as::<FriendAdd>(bytes);
    decode_as::<AccountImport>(bytes);
    decode_as::<MultiaccountImport>(bytes);
    decode_as::<AccountCheck>(bytes);
    decode_as::<PortraitSet>(bytes);
    decode_as::<BlackListAdd>(bytes);
    decode_as::<BlackListDelete>(bytes);
    decode_as::<BlackListCheck>(bytes);
    let _ = serde_json::from_slice::<BlackListCheckResponse>(bytes);
    decode_as::<FriendCheck>(bytes);
    decode_as::<FriendGet>(bytes);
    decode_as::<FriendDelete>(bytes);
    for record in read_log(bytes).flatten() {
        let _ = record.request_as::<FriendAdd>();
        let _ = record.reply_as::<FriendAdd>();
    }
    let mut stats = LogStats::default();
    let mut reader = LogReader::new(bytes);
    while let Some(record) = reader.next_record() {
        stats.add(&record);
        let _ = record.map(|r| r.reply_as::<FriendAdd>().is_ok());
    }
}

/// JSON-ish text built from the tokens Tencent's replies use, to reach deeper than random bytes.
fn jsonish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("null".to_owned()),
        Just(r#""ActionStatus":"OK""#.to_owned()),
        Just(r#""ActionStatus":"FAIL""#.to_owned()),
        Just(r#""ErrorCode":0"#.to_owned()),
        Just(r#""ErrorCode":30001"#.to_owned()),
        Just(r#""ErrorInfo":"""#.to_owned()),
        Just(r#""ResultItem":"#.to_owned()),
        Just(r#""Fail_Account":"#.to_owned()),
        Just(r#""Invalid_Account":"#.to_owned()),
        Just(r#""From_Account":"a""#.to_owned()),
        Just(r#""AddFriendItem":"#.to_owned()),
        Just(r#""To_Account":"b""#.to_owned()),
        Just(r#""AddSource":"AddSource_Type_X""#.to_owned()),
        Just(r#""ResultCode":30539"#.to_owned()),
        Just(r#""ForceAddFlags":1"#.to_owned()),
        Just(r#""AddType":"Add_Type_Both""#.to_owned()),
        Just(r#""BlackListCheckItem":"#.to_owned()),
        Just(r#""Relation":"BlackCheckResult_Type_NO""#.to_owned()),
        Just(r#""Relation":"#.to_owned()),
        Just(r#""CheckType":"BlackCheckResult_Type_Both""#.to_owned()),
        Just(r#""To_Account":["b","c"]"#.to_owned()),
        Just("1e999".to_owned()),
        Just("-0".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just(r#""\ud800""#.to_owned()),
        any::<String>(),
    ];
    prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn arbitrary_json_like_text(text in jsonish()) {
        decode_everything(text.as_bytes());
    }

    #[test]
    fn truncations_of_a_valid_black_list_check_reply(cut in 0usize..420) {
        let body = br#"{"BlackListCheckItem":[{"To_Account":"id1","Relation":"BlackCheckResult_Type_BothWay","ResultCode":0,"ResultInfo":""},{"To_Account":"id5","Relation":"BlackCheckResult_Type_NO","ResultCode":30007,"ResultInfo":"Err_SNS_BlackListCheck_Check_Reverse_BlackList_Fail"}],"Fail_Account":["id5"],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
        let cut = cut.min(body.len());
        decode_everything(&body[..cut]);
        prop_assert_eq!(BlackListCheck::decode_reply(&body[..cut]).is_ok(), cut == body.len());
    }

    #[test]
    fn truncations_of_a_valid_reply(cut in 0usize..400) {
        let body = br#"{"ResultItem":[{"To_Account":"id1","ResultCode":0,"ResultInfo":""},{"To_Account":"id2","ResultCode":30006,"ResultInfo":"Err_SNS_FriendAdd_Unpack_Profile_Data_Fail"}],"Fail_Account":["id2"],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
        let cut = cut.min(body.len());
        decode_everything(&body[..cut]);
        prop_assert_eq!(FriendAdd::decode_reply(&body[..cut]).is_ok(), cut == body.len());
    }
}

#[test]
fn deep_nesting_neither_overflows_the_stack_nor_passes_as_data() {
    let open = "[".repeat(100_000);
    let close = "]".repeat(100_000);
    // An unknown field is skipped without recursion, however deep.
    let skipped = format!(r#"{{"ActionStatus":"OK","ErrorCode":0,"X":{open}{close}}}"#);
    assert!(Envelope::decode(skipped.as_bytes()).is_ok());
    // Where a typed value is expected, the parser's depth limit turns it into an error.
    let typed = format!(r#"{{"ActionStatus":"OK","ErrorCode":0,"ResultItem":{open}{close}}}"#);
    assert!(FriendAdd::decode_reply(typed.as_bytes()).is_err());
    decode_everything(typed.as_bytes());
}
