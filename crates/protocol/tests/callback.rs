//! Callback bodies: decoding any bytes returns an event or an error, never a panic; every
//! decoded event serializes back to a body that decodes to the same event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use tencent_im_protocol::callback::{CallbackEvent, CallbackResponse};

/// Every callback decoder of this crate, and the round trip of what decodes.
fn decode_everything(bytes: &[u8]) {
    if let Ok(event) = CallbackEvent::decode(bytes) {
        let again = CallbackEvent::decode(&event.to_json()).expect("an event's JSON decodes");
        assert_eq!(again, event);
        let _ = event.command();
        let _ = event.is_before();
    }
    let _ = CallbackResponse::decode(bytes);
}

/// JSON-ish text built from the tokens of callback bodies, to reach deeper than random bytes.
fn jsonish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("null".to_owned()),
        Just(r#""CallbackCommand":"Sns.CallbackFriendAdd""#.to_owned()),
        Just(r#""CallbackCommand":"Sns.CallbackPrevFriendAdd""#.to_owned()),
        Just(r#""CallbackCommand":"Sns.CallbackFriendDelete""#.to_owned()),
        Just(r#""CallbackCommand":"Sns.CallbackBlackListAdd""#.to_owned()),
        Just(r#""CallbackCommand":"Sns.CallbackBlackListDelete""#.to_owned()),
        Just(r#""CallbackCommand":"State.StateChange""#.to_owned()),
        Just(r#""PairList":"#.to_owned()),
        Just(r#""FriendItem":"#.to_owned()),
        Just(r#""From_Account":"a""#.to_owned()),
        Just(r#""To_Account":"b""#.to_owned()),
        Just(r#""Initiator_Account":"a""#.to_owned()),
        Just(r#""ClientCmd":"friend_add""#.to_owned()),
        Just(r#""Admin_Account":"admin""#.to_owned()),
        Just(r#""ForceFlag":1"#.to_owned()),
        Just(r#""ForceAddFlags":-1"#.to_owned()),
        Just(r#""AddType":"Add_Type_Both""#.to_owned()),
        Just(r#""EventTime":1631777344870"#.to_owned()),
        Just(r#""ActionStatus":"OK""#.to_owned()),
        Just(r#""ErrorCode":0"#.to_owned()),
        Just(r#""ResultItem":"#.to_owned()),
        Just("1e999".to_owned()),
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
    fn truncations_of_a_valid_body(cut in 0usize..300) {
        let body = br#"{"CallbackCommand":"Sns.CallbackFriendAdd","PairList":[{"From_Account":"id","To_Account":"id1","Initiator_Account":"id"},{"From_Account":"id1","To_Account":"id","Initiator_Account":"id"}],"ClientCmd":"friend_add","Admin_Account":"administrator","ForceFlag":0}"#;
        let cut = cut.min(body.len());
        decode_everything(&body[..cut]);
        prop_assert_eq!(CallbackEvent::decode(&body[..cut]).is_ok(), cut == body.len());
    }
}

#[test]
fn deep_nesting_is_an_error_or_skipped_never_a_stack_overflow() {
    let open = "[".repeat(100_000);
    let close = "]".repeat(100_000);
    let skipped = format!(r#"{{"CallbackCommand":"Sns.CallbackFriendAdd","X":{open}{close}}}"#);
    assert!(CallbackEvent::decode(skipped.as_bytes()).is_ok());
    let typed =
        format!(r#"{{"CallbackCommand":"Sns.CallbackFriendAdd","PairList":{open}{close}}}"#);
    assert!(CallbackEvent::decode(typed.as_bytes()).is_err());
    let other = format!(r#"{{"CallbackCommand":"Other","X":{open}{close}}}"#);
    decode_everything(other.as_bytes());
}
