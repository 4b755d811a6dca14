//! Every check of the verifier, each failure named, and the token kept out of every message.
// Test code: helpers outside #[test] functions may unwrap, expect and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error as _;
use std::time::Duration;

use tencent_im_webhook::callback::{CallbackCommand, CallbackEvent, OptPlatform};
use tencent_im_webhook::{
    CallbackReply, CallbackToken, FixedClock, InvalidToken, ManualClock, Verifier, VerifyError,
};

const APP: u64 = 1_400_000_000;
const NOW: u64 = 1_700_000_000;
const TOKEN: &str = "Tk-9f2c-webhook-secret";

const FRIEND_ADD: &str = r#"{"CallbackCommand":"Sns.CallbackFriendAdd","PairList":[{"From_Account":"alice","To_Account":"bob","Initiator_Account":"alice"}],"ClientCmd":"friend_add","Admin_Account":"administrator","ForceFlag":0}"#;

fn token() -> CallbackToken {
    CallbackToken::new(TOKEN).unwrap()
}

fn verifier() -> Verifier<FixedClock> {
    Verifier::new(APP, token()).with_clock(FixedClock::new(NOW))
}

/// The query Tencent sends for `command` at `time`, signed with `token`.
fn query_with(token: &CallbackToken, command: &str, time: u64) -> String {
    format!(
        "SdkAppid={APP}&CallbackCommand={command}&contenttype=json&ClientIP=127.0.0.1\
         &OptPlatform=RESTAPI&RequestId=req-1&RequestTime={time}&Sign={}",
        token.sign(time)
    )
}

fn query(time: u64) -> String {
    query_with(&token(), "Sns.CallbackFriendAdd", time)
}

/// The error of `verify_parts`, checked to be free of the token and of the valid Sign.
fn refused(verifier: &Verifier<FixedClock>, query: &str, body: &[u8]) -> VerifyError {
    let err = verifier.verify_parts(query, body).unwrap_err();
    assert_secret_free(&err);
    err
}

fn assert_secret_free(err: &VerifyError) {
    let valid_sign = token().sign(NOW);
    let mut texts = vec![err.to_string(), format!("{err:?}")];
    let mut source = err.source();
    while let Some(cause) = source {
        texts.push(cause.to_string());
        texts.push(format!("{cause:?}"));
        source = cause.source();
    }
    for text in texts {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains(&valid_sign), "{text}");
    }
}

#[test]
fn the_documented_vector_verifies() {
    let verifier = Verifier::new(APP, CallbackToken::new("xxxxyyyy").unwrap())
        .with_clock(FixedClock::new(1_669_872_112));
    let query = "SdkAppid=1400000000&CallbackCommand=Sns.CallbackFriendAdd&contenttype=json\
                 &ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime=1669872112\
                 &Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";
    let callback = verifier.verify_parts(query, FRIEND_ADD.as_bytes()).unwrap();
    assert_eq!(callback.query.sdkappid, APP);
    assert_eq!(callback.query.request_time, 1_669_872_112);
    assert_eq!(callback.query.opt_platform, Some(OptPlatform::RestApi));
    assert_eq!(callback.query.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(callback.query.content_type.as_deref(), Some("json"));
    assert_eq!(callback.query.request_id, None);
    assert_eq!(callback.command(), CallbackCommand::FriendAdd);
    let CallbackEvent::FriendAdd(added) = &callback.event else {
        panic!("{:?}", callback.event)
    };
    assert_eq!(added.pairs[0].to_account, "bob");
    assert_eq!(added.admin_account, "administrator");
}

#[test]
fn tokens_of_1_and_128_characters() {
    for t in ["x".to_owned(), "y".repeat(128), "密".repeat(128)] {
        let token = CallbackToken::new(t.clone()).unwrap();
        let verifier = Verifier::new(APP, token.clone()).with_clock(FixedClock::new(NOW));
        let query = query_with(&token, "Sns.CallbackFriendAdd", NOW);
        assert!(verifier.verify_parts(&query, FRIEND_ADD.as_bytes()).is_ok());
        // Signed with another token: refused.
        let other = CallbackToken::new(format!("{t}z").chars().skip(1).collect::<String>());
        let other = other.unwrap();
        let forged = query_with(&other, "Sns.CallbackFriendAdd", NOW);
        assert!(matches!(
            verifier.verify_parts(&forged, FRIEND_ADD.as_bytes()),
            Err(VerifyError::BadSignature)
        ));
    }
    let too_long = CallbackToken::new("y".repeat(129)).unwrap_err();
    assert_eq!(too_long, CallbackToken::new("z".repeat(129)).unwrap_err());
    assert_eq!(too_long.chars, 129);
    assert!(!too_long.to_string().contains("yyyy"));
    assert!(matches!(
        CallbackToken::new(""),
        Err(InvalidToken { chars: 0, .. })
    ));
}

#[test]
fn sign_tampered_in_each_position_is_refused() {
    let verifier = verifier();
    let good = token().sign(NOW);
    for i in 0..good.len() {
        let mut sign = good.clone().into_bytes();
        sign[i] = if sign[i] == b'0' { b'1' } else { b'0' };
        let sign = String::from_utf8(sign).unwrap();
        let query = query(NOW).replace(&good, &sign);
        let err = refused(&verifier, &query, FRIEND_ADD.as_bytes());
        assert!(matches!(err, VerifyError::BadSignature), "{i}: {err}");
        assert!(err.is_auth_failure());
        assert_eq!(err.http_status(), 401);
    }
    // Upper case hex is the same digest.
    let upper = query(NOW).replace(&good, &good.to_uppercase());
    assert!(verifier.verify_parts(&upper, FRIEND_ADD.as_bytes()).is_ok());
    // Not 64 hex digits.
    for bad in [
        &good[..63],
        &format!("{good}0"),
        &good.replacen('a', "g", 1),
        "",
    ] {
        let query = query(NOW).replace(&good, bad);
        let err = refused(&verifier, &query, FRIEND_ADD.as_bytes());
        assert!(matches!(err, VerifyError::MalformedSign), "{bad}: {err}");
    }
}

#[test]
fn request_time_61_s_old_or_ahead_is_refused_60_s_is_not() {
    let verifier = verifier();
    for time in [NOW - 60, NOW + 60, NOW] {
        assert!(
            verifier
                .verify_parts(&query(time), FRIEND_ADD.as_bytes())
                .is_ok()
        );
    }
    for (time, word) in [(NOW - 61, "before"), (NOW + 61, "after")] {
        let err = refused(&verifier, &query(time), FRIEND_ADD.as_bytes());
        assert!(
            matches!(err, VerifyError::Stale { request_time, now: NOW, window_secs: 60 } if request_time == time),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!("RequestTime {time} is 61 s {word} now ({NOW}), outside the window of 60 s")
        );
    }
    // The window is configurable, and the clock injectable.
    let clock = std::sync::Arc::new(ManualClock::new(NOW));
    let narrow = Verifier::new(APP, token())
        .with_clock(clock.clone())
        .window(Duration::from_secs(5));
    assert_eq!(narrow.window_secs(), 5);
    assert!(
        narrow
            .verify_parts(&query(NOW), FRIEND_ADD.as_bytes())
            .is_ok()
    );
    clock.advance(6);
    assert!(matches!(
        narrow.verify_parts(&query(NOW), FRIEND_ADD.as_bytes()),
        Err(VerifyError::Stale { .. })
    ));
}

#[test]
fn missing_or_doubled_parameters() {
    let verifier = verifier();
    let full = query(NOW);
    let without = |key: &str| {
        full.split('&')
            .filter(|p| !p.starts_with(&format!("{key}=")))
            .collect::<Vec<_>>()
            .join("&")
    };
    for key in ["SdkAppid", "Sign", "RequestTime", "CallbackCommand"] {
        let err = refused(&verifier, &without(key), FRIEND_ADD.as_bytes());
        assert!(
            matches!(err, VerifyError::MissingParameter { name } if name == key),
            "{key}: {err}"
        );
        assert_eq!(err.to_string(), format!("the query has no {key} parameter"));
    }
    for key in [
        "SdkAppid",
        "Sign",
        "RequestTime",
        "CallbackCommand",
        "OptPlatform",
        "RequestId",
    ] {
        let value = full
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{key}=")))
            .unwrap();
        let doubled = format!("{full}&{key}={value}");
        let err = refused(&verifier, &doubled, FRIEND_ADD.as_bytes());
        assert!(
            matches!(err, VerifyError::DuplicateParameter { name } if name == key),
            "{key}: {err}"
        );
    }
    // Not numbers.
    let err = refused(
        &verifier,
        &full.replace("RequestTime=", "RequestTime=x"),
        FRIEND_ADD.as_bytes(),
    );
    assert!(matches!(
        err,
        VerifyError::InvalidNumber {
            name: "RequestTime",
            ..
        }
    ));
    assert!(err.source().is_some(), "the parse error is the source");
    let err = refused(
        &verifier,
        &full.replace("SdkAppid=1400000000", "SdkAppid="),
        FRIEND_ADD.as_bytes(),
    );
    assert!(matches!(
        err,
        VerifyError::InvalidNumber {
            name: "SdkAppid",
            ..
        }
    ));
    // The app's own parameters are ignored.
    let own = format!("token=abc&{full}&x");
    assert!(verifier.verify_parts(&own, FRIEND_ADD.as_bytes()).is_ok());
}

#[test]
fn wrong_sdkappid_is_refused() {
    let verifier = verifier();
    let query = query(NOW).replace("SdkAppid=1400000000", "SdkAppid=1400000001");
    let err = refused(&verifier, &query, FRIEND_ADD.as_bytes());
    assert!(matches!(
        err,
        VerifyError::WrongApp {
            expected: APP,
            found: 1_400_000_001
        }
    ));
    assert_eq!(
        err.to_string(),
        "the callback is for SDKAppID 1400000001, not 1400000000"
    );
    assert_eq!(err.http_status(), 401);
}

#[test]
fn keys_match_in_any_letter_case() {
    let verifier = verifier();
    let sign = token().sign(NOW);
    for query in [
        format!(
            "SdkAppId={APP}&CallbackCommand=Sns.CallbackFriendAdd&RequestTime={NOW}&Sign={sign}"
        ),
        format!(
            "sdkappid={APP}&callbackcommand=Sns.CallbackFriendAdd&requesttime={NOW}&sign={sign}&optplatform=IOS"
        ),
        format!(
            "SDKAPPID={APP}&CALLBACKCOMMAND=Sns.CallbackFriendAdd&REQUESTTIME={NOW}&SIGN={sign}&ClientIp=%3A%3A1"
        ),
    ] {
        let callback = verifier
            .verify_parts(&query, FRIEND_ADD.as_bytes())
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(callback.query.sdkappid, APP);
    }
    let callback = verifier
        .verify_parts(
            &format!("sdkappid={APP}&callbackcommand=Sns.CallbackFriendAdd&requesttime={NOW}&sign={sign}&optplatform=IOS&clientip=%3A%3A1"),
            FRIEND_ADD.as_bytes(),
        )
        .unwrap();
    assert_eq!(callback.query.opt_platform, Some(OptPlatform::Ios));
    assert_eq!(callback.query.client_ip.as_deref(), Some("::1"));
    // Two spellings of one key are one key twice.
    let doubled = format!("{}&SdkAppId={APP}", query(NOW));
    assert!(matches!(
        refused(&verifier, &doubled, FRIEND_ADD.as_bytes()),
        VerifyError::DuplicateParameter { name: "SdkAppid" }
    ));
}

#[test]
fn a_body_over_the_cap_is_refused_before_anything_else() {
    let verifier = verifier().max_body_bytes(100);
    assert_eq!(verifier.body_limit(), 100);
    let body = vec![b' '; 101];
    let err = refused(&verifier, "", &body);
    assert!(matches!(
        err,
        VerifyError::BodyTooLarge {
            limit: 100,
            actual: 101
        }
    ));
    assert_eq!(err.http_status(), 413);
    assert!(!err.is_auth_failure());
    // The default cap is 1 MiB.
    let big = vec![b' '; (1 << 20) + 1];
    assert!(matches!(
        refused(&self::verifier(), &query(NOW), &big),
        VerifyError::BodyTooLarge { .. }
    ));
}

#[test]
fn invalid_json_and_mismatched_commands_are_refused() {
    let verifier = verifier();
    for body in [&b"{not json"[..], b"", b"[]", br#"{"PairList":[]}"#] {
        let err = refused(&verifier, &query(NOW), body);
        assert!(matches!(err, VerifyError::Decode(_)), "{err}");
        assert_eq!(err.http_status(), 400);
        let cause = err.source().expect("the decode error");
        assert!(cause.source().is_some(), "and its JSON error");
    }
    let delete = br#"{"CallbackCommand":"Sns.CallbackFriendDelete","PairList":[]}"#;
    let err = refused(&verifier, &query(NOW), delete);
    assert!(matches!(err, VerifyError::CommandMismatch { .. }));
    assert_eq!(
        err.to_string(),
        "the query's CallbackCommand Sns.CallbackFriendAdd differs from the body's Sns.CallbackFriendDelete"
    );
}

#[test]
fn an_unknown_command_is_acknowledged_as_other() {
    let verifier = verifier();
    let body = br#"{"CallbackCommand":"Group.CallbackAfterNewMemberJoin","GroupId":"g"}"#;
    let query = query_with(&token(), "Group.CallbackAfterNewMemberJoin", NOW);
    let callback = verifier.verify_parts(&query, body).unwrap();
    let CallbackEvent::Other(other) = &callback.event else {
        panic!("{:?}", callback.event)
    };
    assert_eq!(other.command, "Group.CallbackAfterNewMemberJoin");
    assert_eq!(other.body.as_bytes(), body);
    assert_eq!(
        CallbackReply::ack(&callback.event).to_json(),
        br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#
    );
}

#[test]
fn a_replay_is_refused_by_the_cache() {
    let verifier = verifier().replay_cache(1000);
    let q = query(NOW);
    assert!(verifier.verify_parts(&q, FRIEND_ADD.as_bytes()).is_ok());
    let err = refused(&verifier, &q, FRIEND_ADD.as_bytes());
    assert!(matches!(err, VerifyError::Replayed { request_time: NOW }));
    assert!(err.is_auth_failure());
    // Reordered, re-cased, re-escaped, with a parameter added, the JSON reformatted: still a
    // replay.
    let mut parts: Vec<&str> = q.split('&').collect();
    parts.reverse();
    let reordered = format!("junk=1&{}", parts.join("&"))
        .replace("SdkAppid=", "sdkappid=")
        .replace("127.0.0.1", "127%2E0.0.1");
    let reformatted = FRIEND_ADD.replace(',', " ,\n ");
    assert!(matches!(
        verifier.verify_parts(&reordered, reformatted.as_bytes()),
        Err(VerifyError::Replayed { .. })
    ));
    // Another callback of the same second (another body, or another RequestId) is not.
    let other = FRIEND_ADD.replace("bob", "carol");
    assert!(verifier.verify_parts(&q, other.as_bytes()).is_ok());
    let other_id = q.replace("RequestId=req-1", "RequestId=req-2");
    assert!(
        verifier
            .verify_parts(&other_id, FRIEND_ADD.as_bytes())
            .is_ok()
    );
    // A refused callback is not remembered.
    let fresh = query(NOW - 1);
    let bad = fresh.replace("SdkAppid=1400000000", "SdkAppid=1");
    assert!(verifier.verify_parts(&bad, FRIEND_ADD.as_bytes()).is_err());
    assert!(verifier.verify_parts(&fresh, FRIEND_ADD.as_bytes()).is_ok());
    // Without the cache, the same callback passes twice.
    let plain = self::verifier();
    assert!(plain.verify_parts(&q, FRIEND_ADD.as_bytes()).is_ok());
    assert!(plain.verify_parts(&q, FRIEND_ADD.as_bytes()).is_ok());
}

#[test]
fn verify_takes_an_http_request() {
    let verifier = verifier();
    let request = http::Request::post(format!("/cb?{}", query(NOW)))
        .body(bytes::Bytes::from_static(FRIEND_ADD.as_bytes()))
        .unwrap();
    assert!(verifier.verify(&request).is_ok());
    let request = http::Request::post(format!("/cb?{}", query(NOW)))
        .body(FRIEND_ADD.to_owned())
        .unwrap();
    assert!(verifier.verify(&request).is_ok());
    let get = http::Request::get(format!("/cb?{}", query(NOW)))
        .body(Vec::new())
        .unwrap();
    let err = verifier.verify(&get).unwrap_err();
    assert!(matches!(err, VerifyError::Method { ref method } if method == "GET"));
    assert_eq!(err.http_status(), 405);
    let no_query = http::Request::post("/cb").body(Vec::new()).unwrap();
    assert!(matches!(
        verifier.verify(&no_query),
        Err(VerifyError::MissingParameter { name: "SdkAppid" })
    ));
}

#[test]
fn the_token_never_shows_in_debug_display_or_errors() {
    let token = token();
    assert_eq!(format!("{token:?}"), "CallbackToken(<redacted>)");
    let verifier = verifier().replay_cache(10);
    let debug = format!("{verifier:?}");
    assert!(
        debug.contains("<redacted>") && debug.contains("1400000000"),
        "{debug}"
    );
    assert!(!debug.contains(TOKEN), "{debug}");
    // Every failure above went through `refused`, which checks messages, Debug and sources;
    // the errors of a wrong token are checked here too.
    let wrong =
        Verifier::new(APP, CallbackToken::new("another").unwrap()).with_clock(FixedClock::new(NOW));
    let err = wrong
        .verify_parts(&query(NOW), FRIEND_ADD.as_bytes())
        .unwrap_err();
    assert_secret_free(&err);
    assert!(!err.to_string().contains("another"));
}
