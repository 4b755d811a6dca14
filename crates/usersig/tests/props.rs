//! Property tests: decoding never panics on any input, and generate → verify round-trips for
//! any identifier and userbuf.

// Test code: helpers outside #[test] functions may unwrap, panic and print too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator, VerifyError, inspect};

fn generator(sdkappid: u64, key: &str, now: u64) -> UserSigGenerator<FixedClock> {
    UserSigGenerator::new(sdkappid, SecretKey::new(key)).with_clock(FixedClock::new(now))
}

/// A JSON document that is almost a token: known keys with values of any JSON type.
fn json_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| serde_json::to_string(&n).unwrap()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        "[0-9]{0,22}".prop_map(|s| format!("\"{s}\"")),
        "[A-Za-z0-9+/=]{0,50}".prop_map(|s| format!("\"{s}\"")),
        Just("[1,{\"a\":[]}]".to_owned()),
        Just("{}".to_owned()),
    ]
}

fn json_document() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("TLS.ver"),
        Just("TLS.identifier"),
        Just("TLS.sdkappid"),
        Just("TLS.expire"),
        Just("TLS.time"),
        Just("TLS.userbuf"),
        Just("TLS.sig"),
        Just("other"),
    ];
    proptest::collection::vec((key, json_value()), 0..10).prop_map(|fields| {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    })
}

fn check_no_panic(token: &str) {
    let _ = inspect(token);
    let g = generator(SDKAPPID, KEY, TIME);
    let _ = g.verify(token, "xiaojun");
    let _ = g.verify_with_userbuf(token, "xiaojun", b"abc");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(token in any::<String>()) {
        check_no_panic(&token);
    }

    #[test]
    fn arbitrary_alphabet_strings_never_panic(token in "[A-Za-z0-9*_+/=-]{0,400}") {
        check_no_panic(&token);
    }

    #[test]
    fn arbitrary_bytes_as_base64_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_no_panic(&token_from_bytes(&bytes));
    }

    #[test]
    fn arbitrary_bytes_as_zlib_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        level in 0u32..=9,
    ) {
        check_no_panic(&token_from_json(&bytes, level));
    }

    #[test]
    fn arbitrary_documents_never_panic(document in json_document()) {
        let token = token_from_json(document.as_bytes(), 6);
        check_no_panic(&token);
        // Whatever inspect accepts, verify either accepts or rejects with a typed error.
        if inspect(&token).is_ok() {
            let result = generator(SDKAPPID, KEY, TIME).verify(&token, "xiaojun");
            prop_assert!(!matches!(result, Err(VerifyError::Malformed(_))));
        }
    }

    #[test]
    fn mutated_tokens_never_panic_nor_verify(
        index in any::<prop::sample::Index>(),
        replacement in "[A-Za-z0-9*_-]",
    ) {
        let g = generator(SDKAPPID, KEY, TIME);
        let token = g.generate("xiaojun", Duration::from_secs(EXPIRE)).unwrap();
        let text = token.expose();
        let at = index.index(text.len());
        let mut mutated = text.to_owned();
        mutated.replace_range(at..=at, &replacement);
        check_no_panic(&mutated);
        if mutated != text {
            // A change can only be accepted if it decodes to the same fields (say it only
            // touched bytes the decoder does not use); never to different ones.
            if let Ok(info) = g.verify(&mutated, "xiaojun") {
                prop_assert_eq!(info, inspect(text).unwrap());
            }
        }
    }

    #[test]
    fn round_trip_any_identifier(
        identifier in any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
        sdkappid in any::<u64>(),
        key in any::<String>(),
        time in any::<u64>(),
        expire in 1u64..=u64::MAX,
    ) {
        let g = generator(sdkappid, &key, time);
        let token = g.generate(&identifier, Duration::from_secs(expire)).unwrap();
        let info = g.verify(token.expose(), &identifier).unwrap();
        prop_assert_eq!(&info.identifier, &identifier);
        prop_assert_eq!(info.sdkappid, sdkappid);
        prop_assert_eq!(info.issued_at, time);
        prop_assert_eq!(info.expire, Duration::from_secs(expire));
        prop_assert_eq!(&info.userbuf, &None);
        prop_assert_eq!(&info, &inspect(token.expose()).unwrap());
        // The independent implementation agrees on the signature.
        prop_assert_eq!(
            json_of(token.expose())["TLS.sig"].clone(),
            sig(&key, &identifier, sdkappid, time, expire, None)
        );
    }

    #[test]
    fn round_trip_tricky_identifiers(
        identifier in r#"[a-z"\\/\n\t\u{0}\u{7f}é漢😀<>&]{1,40}"#,
        userbuf in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let g = generator(SDKAPPID, KEY, TIME);
        let token = g
            .generate_with_userbuf(&identifier, Duration::from_secs(EXPIRE), &userbuf)
            .unwrap();
        let info = g.verify_with_userbuf(token.expose(), &identifier, &userbuf).unwrap();
        prop_assert_eq!(&info.identifier, &identifier);
        prop_assert_eq!(info.userbuf.as_deref(), Some(userbuf.as_slice()));
        prop_assert_eq!(
            json_of(token.expose())["TLS.sig"].clone(),
            sig(KEY, &identifier, SDKAPPID, TIME, EXPIRE, Some(&b64(&userbuf)))
        );
        // With the wrong userbuf or none expected, it is refused.
        prop_assert!(matches!(
            g.verify(token.expose(), &identifier),
            Err(VerifyError::UserBufMismatch)
        ));
    }
}
