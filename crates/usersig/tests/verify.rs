//! Every `VerifyError` variant and `DecodeErrorKind`, the expiry boundary, decoding tolerance,
//! and that no `Debug` or `Display` output leaks the key or the token.

// Test code: helpers outside #[test] functions may unwrap, panic and print too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

mod common;

use std::error::Error as _;
use std::time::Duration;

use common::*;
use tencent_im_usersig::{
    DecodeError, DecodeErrorKind, FixedClock, GenerateError, SecretKey, UserSig, UserSigGenerator,
    VerifyError, inspect,
};

fn generator(now: u64) -> UserSigGenerator<FixedClock> {
    UserSigGenerator::new(SDKAPPID, SecretKey::new(KEY)).with_clock(FixedClock::new(now))
}

/// A token for `document`, with `TLS.sig` computed over the document's own fields.
fn signed(identifier: &str, time: u64, expire: u64, userbuf_b64: Option<&str>) -> String {
    let mut document = serde_json::json!({
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": SDKAPPID,
        "TLS.expire": expire,
        "TLS.time": time,
        "TLS.sig": sig(KEY, identifier, SDKAPPID, time, expire, userbuf_b64),
    });
    if let Some(userbuf) = userbuf_b64 {
        document["TLS.userbuf"] = userbuf.into();
    }
    token_from_json(document.to_string().as_bytes(), 6)
}

fn malformed_kind(result: Result<impl std::fmt::Debug, VerifyError>) -> DecodeErrorKind {
    match result {
        Err(VerifyError::Malformed(error)) => error.kind(),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn decode_kind(token: &str) -> DecodeErrorKind {
    let kind = inspect(token).unwrap_err().kind();
    assert_eq!(
        malformed_kind(generator(TIME).verify(token, "xiaojun")),
        kind,
        "inspect and verify disagree"
    );
    kind
}

fn json_kind(json: &str) -> DecodeErrorKind {
    decode_kind(&token_from_json(json.as_bytes(), 6))
}

const VALID_FIELDS: &str = r#""TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000"#;

// ---------------------------------------------------------------------------------------------
// Verification outcomes

#[test]
fn valid_token_verifies() {
    let token = signed("xiaojun", TIME, EXPIRE, None);
    let info = generator(TIME).verify(&token, "xiaojun").unwrap();
    assert_eq!(info.identifier, "xiaojun");
    assert_eq!(info.userbuf, None);
}

#[test]
fn expiry_boundary_last_second_is_valid() {
    let token = signed("xiaojun", TIME, 100, None);
    // Issued "in the future" relative to the verifier is accepted, as by the official libs.
    assert!(generator(TIME - 1).verify(&token, "xiaojun").is_ok());
    assert!(generator(TIME).verify(&token, "xiaojun").is_ok());
    assert!(generator(TIME + 100).verify(&token, "xiaojun").is_ok());
    match generator(TIME + 101).verify(&token, "xiaojun") {
        Err(VerifyError::Expired { expired_at, now }) => {
            assert_eq!(expired_at, TIME + 100);
            assert_eq!(now, TIME + 101);
        }
        other => panic!("expected Expired, got {other:?}"),
    }
}

#[test]
fn sig_info_expiry_helpers() {
    let info = inspect(&signed("xiaojun", TIME, 100, None)).unwrap();
    assert_eq!(info.expires_at(), TIME + 100);
    assert!(!info.is_expired_at(TIME + 100));
    assert!(info.is_expired_at(TIME + 101));
    assert_eq!(info.remaining(TIME), Duration::from_secs(100));
    assert_eq!(info.remaining(TIME + 99), Duration::from_secs(1));
    assert_eq!(info.remaining(TIME + 100), Duration::ZERO);
    assert_eq!(info.remaining(TIME + 1000), Duration::ZERO);
}

#[test]
fn expiry_saturates_instead_of_overflowing() {
    let token = signed("xiaojun", u64::MAX - 1, u64::MAX, None);
    let info = generator(u64::MAX).verify(&token, "xiaojun").unwrap();
    assert_eq!(info.expires_at(), u64::MAX);
}

#[test]
fn sdkappid_mismatch() {
    let token = signed("xiaojun", TIME, EXPIRE, None);
    let other =
        UserSigGenerator::new(1_400_000_001, SecretKey::new(KEY)).with_clock(FixedClock::new(TIME));
    match other.verify(&token, "xiaojun") {
        Err(VerifyError::SdkAppIdMismatch { expected, found }) => {
            assert_eq!((expected, found), (1_400_000_001, SDKAPPID));
        }
        other => panic!("expected SdkAppIdMismatch, got {other:?}"),
    }
}

#[test]
fn identifier_mismatch() {
    let token = signed("xiaojun", TIME, EXPIRE, None);
    match generator(TIME).verify(&token, "administrator") {
        Err(VerifyError::IdentifierMismatch { expected, found }) => {
            assert_eq!(expected, "administrator");
            assert_eq!(found, "xiaojun");
        }
        other => panic!("expected IdentifierMismatch, got {other:?}"),
    }
    // Exact comparison: no case folding, no trimming.
    assert!(matches!(
        generator(TIME).verify(&token, "XiaoJun"),
        Err(VerifyError::IdentifierMismatch { .. })
    ));
    assert!(matches!(
        generator(TIME).verify(&token, "xiaojun "),
        Err(VerifyError::IdentifierMismatch { .. })
    ));
}

#[test]
fn bad_signature_other_key() {
    let token = signed("xiaojun", TIME, EXPIRE, None);
    let other = UserSigGenerator::new(SDKAPPID, SecretKey::new(KEY.to_uppercase()))
        .with_clock(FixedClock::new(TIME));
    assert!(matches!(
        other.verify(&token, "xiaojun"),
        Err(VerifyError::BadSignature)
    ));
}

#[test]
fn bad_signature_hex_decoded_key_is_not_the_key() {
    // A token signed with the hex-decoded bytes of the key must not verify.
    let decoded: Vec<u8> = (0..KEY.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&KEY[i..i + 2], 16).unwrap())
        .collect();
    let wrong = UserSigGenerator::new(
        SDKAPPID,
        SecretKey::new(String::from_utf8_lossy(&decoded).into_owned()),
    )
    .with_clock(FixedClock::new(TIME));
    let token = wrong
        .generate("xiaojun", Duration::from_secs(EXPIRE))
        .unwrap();
    assert!(matches!(
        generator(TIME).verify(token.expose(), "xiaojun"),
        Err(VerifyError::BadSignature)
    ));
}

#[test]
fn bad_signature_tampered_fields() {
    let good = sig(KEY, "xiaojun", SDKAPPID, TIME, EXPIRE, None);
    for (expire, time, identifier) in [
        (EXPIRE + 1, TIME, "xiaojun"),
        (EXPIRE, TIME + 1, "xiaojun"),
        (EXPIRE, TIME, "xiaojun2"),
    ] {
        let json = format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"{identifier}","TLS.sdkappid":1400000000,"TLS.expire":{expire},"TLS.time":{time},"TLS.sig":"{good}"}}"#
        );
        let token = token_from_json(json.as_bytes(), 6);
        assert!(
            matches!(
                generator(TIME).verify(&token, identifier),
                Err(VerifyError::BadSignature)
            ),
            "{expire} {time} {identifier}"
        );
    }
    // Adding a userbuf the signature does not cover.
    let json = format!(r#"{{{VALID_FIELDS},"TLS.userbuf":"YWJj","TLS.sig":"{good}"}}"#);
    let token = token_from_json(json.as_bytes(), 6);
    assert!(matches!(
        generator(TIME).verify_with_userbuf(&token, "xiaojun", b"abc"),
        Err(VerifyError::BadSignature)
    ));
}

#[test]
fn a_forged_expired_token_is_reported_as_bad_signature() {
    let json = format!(
        r#"{{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":1,"TLS.time":1,"TLS.sig":"{}"}}"#,
        b64(&[0; 32])
    );
    let token = token_from_json(json.as_bytes(), 6);
    assert!(matches!(
        generator(TIME).verify(&token, "xiaojun"),
        Err(VerifyError::BadSignature)
    ));
}

#[test]
fn userbuf_mismatch_all_ways() {
    let with = signed("xiaojun", TIME, EXPIRE, Some("YWJj"));
    let without = signed("xiaojun", TIME, EXPIRE, None);
    let empty = signed("xiaojun", TIME, EXPIRE, Some(""));
    let g = generator(TIME);

    // A PrivateMapKey-style token is not a UserSig.
    assert!(matches!(
        g.verify(&with, "xiaojun"),
        Err(VerifyError::UserBufMismatch)
    ));
    assert!(matches!(
        g.verify_with_userbuf(&without, "xiaojun", b"abc"),
        Err(VerifyError::UserBufMismatch)
    ));
    assert!(matches!(
        g.verify_with_userbuf(&with, "xiaojun", b"abd"),
        Err(VerifyError::UserBufMismatch)
    ));
    // An empty userbuf is present, not absent (the official libs sign `TLS.userbuf:\n`).
    assert!(matches!(
        g.verify(&empty, "xiaojun"),
        Err(VerifyError::UserBufMismatch)
    ));
    assert!(matches!(
        g.verify_with_userbuf(&without, "xiaojun", b""),
        Err(VerifyError::UserBufMismatch)
    ));
    assert_eq!(
        g.verify_with_userbuf(&empty, "xiaojun", b"")
            .unwrap()
            .userbuf
            .as_deref(),
        Some(&b""[..])
    );
    assert_eq!(
        g.verify_with_userbuf(&with, "xiaojun", b"abc")
            .unwrap()
            .userbuf
            .as_deref(),
        Some(&b"abc"[..])
    );
}

#[test]
fn checks_run_in_the_documented_order() {
    // Wrong sdkappid and identifier and key, expired: the sdkappid is reported.
    let other = UserSigGenerator::new(7, SecretKey::new("other"))
        .with_clock(FixedClock::new(TIME + EXPIRE + 1));
    let token = signed("xiaojun", TIME, EXPIRE, Some("YWJj"));
    assert!(matches!(
        other.verify(&token, "nobody"),
        Err(VerifyError::SdkAppIdMismatch { .. })
    ));
    // Then the identifier, before the signature.
    let wrong_key = UserSigGenerator::new(SDKAPPID, SecretKey::new("other"));
    assert!(matches!(
        wrong_key.verify(&token, "nobody"),
        Err(VerifyError::IdentifierMismatch { .. })
    ));
    // Then the signature, before the userbuf and the expiry.
    let late_wrong_key = wrong_key.with_clock(FixedClock::new(TIME + EXPIRE + 1));
    assert!(matches!(
        late_wrong_key.verify(&token, "xiaojun"),
        Err(VerifyError::BadSignature)
    ));
    // Then the userbuf, before the expiry.
    assert!(matches!(
        generator(TIME + EXPIRE + 1).verify(&token, "xiaojun"),
        Err(VerifyError::UserBufMismatch)
    ));
    assert!(matches!(
        generator(TIME + EXPIRE + 1).verify_with_userbuf(&token, "xiaojun", b"abc"),
        Err(VerifyError::Expired { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Malformed tokens: every DecodeErrorKind, with its source chain

#[test]
fn malformed_base64() {
    for token in ["", "!!!!", "eJy", "eJyrVg\u{e9}", "a b c d", "eJyr_Vg"] {
        let kind = decode_kind(token);
        // "" decodes to no bytes, which is not a zlib stream.
        let expected = if token.is_empty() {
            DecodeErrorKind::Zlib
        } else {
            DecodeErrorKind::Base64
        };
        assert_eq!(kind, expected, "{token:?}");
    }
    let error = inspect("!!!!").unwrap_err();
    assert!(error.source().unwrap().is::<base64::DecodeError>());
}

#[test]
fn malformed_zlib() {
    assert_eq!(
        decode_kind(&token_from_bytes(b"not zlib at all")),
        DecodeErrorKind::Zlib
    );
    // A truncated stream.
    let token = signed("xiaojun", TIME, EXPIRE, None);
    let full = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(token.replace('*', "+").replace('-', "/").replace('_', "="))
            .unwrap()
    };
    for cut in [0, 1, 2, full.len() / 2, full.len() - 4, full.len() - 1] {
        let truncated = token_from_bytes(&full[..cut]);
        assert_eq!(
            decode_kind(&truncated),
            DecodeErrorKind::Zlib,
            "cut at {cut}"
        );
    }
    // A wrong Adler-32 checksum.
    let mut corrupt = full.clone();
    *corrupt.last_mut().unwrap() ^= 1;
    assert_eq!(
        decode_kind(&token_from_bytes(&corrupt)),
        DecodeErrorKind::Zlib
    );
    // A corrupt stream keeps the inflater's error as the source.
    let error = inspect(&token_from_bytes(b"not zlib at all")).unwrap_err();
    assert!(error.source().unwrap().is::<flate2::DecompressError>());
}

#[test]
fn malformed_too_large_zip_bomb() {
    // 10 MiB of spaces compresses to ~10 KiB; the cap stops inflating at 64 KiB.
    let mut json = vec![b' '; 10 * 1024 * 1024];
    json.extend_from_slice(br#"{"TLS.identifier":"x"}"#);
    let token = token_from_json(&json, 9);
    assert!(token.len() < 64 * 1024);
    assert_eq!(decode_kind(&token), DecodeErrorKind::TooLarge);

    // Just under the cap is fine (as far as size goes).
    let json = format!(
        "{}{{{VALID_FIELDS},\"TLS.sig\":\"{SIG_XIAOJUN}\"}}",
        " ".repeat(60 * 1024)
    );
    assert!(inspect(&token_from_json(json.as_bytes(), 9)).is_ok());
}

#[test]
fn malformed_too_large_token() {
    let token = "A".repeat(200 * 1024);
    assert_eq!(decode_kind(&token), DecodeErrorKind::TooLarge);
}

#[test]
fn malformed_json() {
    for json in [
        "",
        "not json",
        "[]",
        "\"string\"",
        "null",
        "{",
        r#"{"TLS.sig":"x"} trailing"#,
        // A repeated field is ambiguous: refuse it.
        &format!(r#"{{{VALID_FIELDS},"TLS.identifier":"admin","TLS.sig":"{SIG_XIAOJUN}"}}"#),
    ] {
        assert_eq!(json_kind(json), DecodeErrorKind::Json, "{json}");
    }
    let error = inspect(&token_from_json(b"[]", 6)).unwrap_err();
    assert!(error.source().unwrap().is::<serde_json::Error>());
    // Invalid UTF-8 inside a string.
    let mut bytes = br#"{"TLS.identifier":""#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(br#""}"#);
    assert_eq!(
        decode_kind(&token_from_json(&bytes, 6)),
        DecodeErrorKind::Json
    );
}

#[test]
fn malformed_missing_fields() {
    let full = serde_json::json!({
        "TLS.ver": "2.0",
        "TLS.identifier": "xiaojun",
        "TLS.sdkappid": SDKAPPID,
        "TLS.expire": EXPIRE,
        "TLS.time": TIME,
        "TLS.sig": SIG_XIAOJUN,
    });
    for key in [
        "TLS.identifier",
        "TLS.sdkappid",
        "TLS.expire",
        "TLS.time",
        "TLS.sig",
    ] {
        let mut document = full.clone();
        document.as_object_mut().unwrap().remove(key);
        assert_eq!(
            json_kind(&document.to_string()),
            DecodeErrorKind::MissingField(key)
        );
        document[key] = serde_json::Value::Null;
        assert_eq!(
            json_kind(&document.to_string()),
            DecodeErrorKind::MissingField(key)
        );
    }
    assert_eq!(json_kind("{}"), DecodeErrorKind::MissingField("TLS.sig"));
}

#[test]
fn malformed_invalid_fields() {
    let cases: &[(&str, &str)] = &[
        ("TLS.ver", "2.0"),
        ("TLS.identifier", "42"),
        ("TLS.identifier", "[\"xiaojun\"]"),
        ("TLS.sdkappid", "-1400000000"),
        ("TLS.sdkappid", "1400000000.5"),
        ("TLS.sdkappid", "\"14e8\""),
        ("TLS.sdkappid", "\"\""),
        ("TLS.sdkappid", "true"),
        ("TLS.sdkappid", "{}"),
        ("TLS.sdkappid", "18446744073709551616"),
        ("TLS.time", "\"yesterday\""),
        ("TLS.expire", "-1"),
        ("TLS.userbuf", "\"not base64!\""),
        ("TLS.userbuf", "[1,2,3]"),
        ("TLS.sig", "\"not base64!\""),
        ("TLS.sig", "7"),
        // Valid base64, wrong length for an HMAC-SHA256.
        ("TLS.sig", "\"YWJj\""),
        (
            "TLS.sig",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
        ),
    ];
    for (key, value) in cases {
        let mut document = serde_json::json!({
            "TLS.ver": "2.0",
            "TLS.identifier": "xiaojun",
            "TLS.sdkappid": SDKAPPID,
            "TLS.expire": EXPIRE,
            "TLS.time": TIME,
            "TLS.sig": SIG_XIAOJUN,
        });
        document[*key] = serde_json::from_str(value).unwrap_or(serde_json::Value::Null);
        let json = if document[*key].is_null() {
            // Numbers serde_json::Value cannot hold: splice the text in.
            document[*key] = "PLACEHOLDER".into();
            document.to_string().replace("\"PLACEHOLDER\"", value)
        } else {
            document.to_string()
        };
        assert_eq!(
            json_kind(&json),
            DecodeErrorKind::InvalidField(key),
            "{key} = {value}"
        );
    }
    let error = inspect(&token_from_json(
        format!(r#"{{{VALID_FIELDS},"TLS.sig":7}}"#).as_bytes(),
        6,
    ))
    .unwrap_err();
    assert!(error.source().unwrap().is::<serde_json::Error>());
}

#[test]
fn malformed_source_chain_through_verify_error() {
    let error = generator(TIME).verify("!!!!", "xiaojun").unwrap_err();
    let decode = error
        .source()
        .unwrap()
        .downcast_ref::<DecodeError>()
        .unwrap();
    assert_eq!(decode.kind(), DecodeErrorKind::Base64);
    assert!(decode.source().unwrap().is::<base64::DecodeError>());
}

// ---------------------------------------------------------------------------------------------
// What the official libraries emit

#[test]
fn tolerates_official_formatting() {
    let sig = SIG_XIAOJUN;
    let documents = [
        // Python json.dumps: ", " and ": " separators.
        format!(
            r#"{{"TLS.ver": "2.0", "TLS.identifier": "xiaojun", "TLS.sdkappid": 1400000000, "TLS.expire": 15552000, "TLS.time": 1700000000, "TLS.sig": "{sig}"}}"#
        ),
        // C++ key order.
        format!(
            r#"{{"TLS.ver":"2.0","TLS.sdkappid":1400000000,"TLS.identifier":"xiaojun","TLS.time":1700000000,"TLS.expire":15552000,"TLS.sig":"{sig}"}}"#
        ),
        // Go: sorted keys, trailing newline.
        format!(
            "{{\"TLS.expire\":15552000,\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000,\"TLS.sig\":\"{sig}\",\"TLS.time\":1700000000,\"TLS.ver\":\"2.0\"}}\n"
        ),
        // Pretty-printed with CRLF.
        format!(
            "\r\n{{\r\n  \"TLS.ver\" : \"2.0\",\r\n  \"TLS.identifier\" : \"xiaojun\",\r\n  \"TLS.sdkappid\" : 1400000000,\r\n  \"TLS.expire\" : 15552000,\r\n  \"TLS.time\" : 1700000000,\r\n  \"TLS.sig\" : \"{sig}\"\r\n}}\r\n"
        ),
        // PHP with a string SDKAppID, escaped slashes, an unknown field, no ver, null userbuf.
        format!(
            r#"{{"TLS.identifier":"xiaojun","TLS.sdkappid":"1400000000","TLS.expire":15552000,"TLS.time":1700000000,"TLS.extra":{{"a":[1,2]}},"TLS.userbuf":null,"TLS.sig":"{}"}}"#,
            sig.replace('/', "\\/")
        ),
        // Numbers as integral floats, identifier with escapes.
        format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"\u0078iaojun","TLS.sdkappid":1.4e9,"TLS.expire":15552000.0,"TLS.time":1700000000,"TLS.sig":"{sig}"}}"#
        ),
    ];
    for document in &documents {
        for level in [0, 1, 6, 9] {
            let token = token_from_json(document.as_bytes(), level);
            let info = generator(TIME)
                .verify(&token, "xiaojun")
                .unwrap_or_else(|e| panic!("{document} at level {level}: {e:?}"));
            assert_eq!(info.sdkappid, SDKAPPID);
            assert_eq!(info.expires_at(), TIME + EXPIRE);
        }
    }
}

#[test]
fn tolerates_missing_padding_and_standard_alphabet() {
    let token = signed("xiaojun", TIME, EXPIRE, None);
    let unpadded = token.trim_end_matches('_');
    assert!(generator(TIME).verify(unpadded, "xiaojun").is_ok());
    let standard = token.replace('*', "+").replace('-', "/").replace('_', "=");
    assert!(generator(TIME).verify(&standard, "xiaojun").is_ok());
}

#[test]
fn userbuf_signature_covers_the_text_as_written() {
    // The signer signs the base64 text it wrote; unpadded base64 still verifies.
    let token = signed("xiaojun", TIME, EXPIRE, Some("YWJjZA"));
    let info = generator(TIME)
        .verify_with_userbuf(&token, "xiaojun", b"abcd")
        .unwrap();
    assert_eq!(info.userbuf.as_deref(), Some(&b"abcd"[..]));
}

// ---------------------------------------------------------------------------------------------
// Generation input errors

#[test]
fn generate_rejects_unusable_input() {
    let g = generator(TIME);
    assert!(matches!(
        g.generate("", Duration::from_secs(60)),
        Err(GenerateError::EmptyIdentifier)
    ));
    assert!(matches!(
        g.generate("xiaojun", Duration::ZERO),
        Err(GenerateError::ZeroExpire)
    ));
    assert!(matches!(
        g.generate_with_userbuf("xiaojun", Duration::from_millis(999), b"x"),
        Err(GenerateError::ZeroExpire)
    ));
    // Fractions of a second are dropped.
    let sig = g.generate("xiaojun", Duration::from_millis(1999)).unwrap();
    assert_eq!(
        inspect(sig.expose()).unwrap().expire,
        Duration::from_secs(1)
    );
}

#[test]
fn system_clock_generator_round_trips() {
    let g = UserSigGenerator::new(SDKAPPID, SecretKey::new(KEY));
    assert_eq!(g.sdkappid(), SDKAPPID);
    let sig = g.generate("xiaojun", Duration::from_secs(60)).unwrap();
    let info = g.verify(sig.expose(), "xiaojun").unwrap();
    assert!(
        info.issued_at > TIME,
        "system clock reads {}",
        info.issued_at
    );
}

// ---------------------------------------------------------------------------------------------
// Redaction

#[test]
fn debug_and_errors_never_show_the_key_or_the_token() {
    let g = generator(TIME);
    let token = g.generate("xiaojun", Duration::from_secs(EXPIRE)).unwrap();
    let text = token.expose().to_owned();
    let sig_b64 = json_of(&text)["TLS.sig"].as_str().unwrap().to_owned();

    assert_eq!(
        format!("{:?}", SecretKey::new(KEY)),
        "SecretKey(<redacted>)"
    );
    assert_eq!(
        format!("{:?}", SecretKey::from(KEY.to_owned())),
        "SecretKey(<redacted>)"
    );
    assert_eq!(format!("{token:?}"), "UserSig(<redacted>)");
    assert_eq!(
        format!("{:?}", UserSig::from(text.clone())),
        "UserSig(<redacted>)"
    );

    let mut outputs = vec![
        format!("{g:?}"),
        format!("{g:#?}"),
        format!("{:?}", UserSigGenerator::new(SDKAPPID, SecretKey::new(KEY))),
        format!("{:?}", inspect(&text).unwrap()),
    ];
    assert!(outputs[0].contains("<redacted>"), "{}", outputs[0]);

    // Every error variant, Debug and Display, with the whole source chain.
    let other_sdkappid = UserSigGenerator::new(1, SecretKey::new(KEY));
    let other_key = UserSigGenerator::new(SDKAPPID, SecretKey::new("other"));
    let errors: Vec<Box<dyn std::error::Error>> =
        vec![
        Box::new(g.generate("", Duration::from_secs(1)).unwrap_err()),
        Box::new(g.generate("x", Duration::ZERO).unwrap_err()),
        Box::new(GenerateError::Encode(std::io::Error::other("test"))),
        Box::new(g.verify(&text[..text.len() - 3], "xiaojun").unwrap_err()),
        Box::new(g.verify(&token_from_bytes(text.as_bytes()), "xiaojun").unwrap_err()),
        Box::new(g.verify(&token_from_json(b"[]", 6), "xiaojun").unwrap_err()),
        Box::new(g.verify(&"A".repeat(200_000), "xiaojun").unwrap_err()),
        Box::new(
            g.verify(
                &token_from_json(format!(r#"{{"TLS.sig":"{sig_b64}"}}"#).as_bytes(), 6),
                "xiaojun",
            )
            .unwrap_err(),
        ),
        Box::new(
            g.verify(
                &token_from_json(
                    format!(
                        r#"{{"TLS.sig":"{sig_b64}","TLS.identifier":"x","TLS.sdkappid":"{text}"}}"#
                    )
                    .as_bytes(),
                    6,
                ),
                "xiaojun",
            )
            .unwrap_err(),
        ),
        Box::new(
            g.verify(
                &token_from_json(
                    format!(r#"{{"TLS.sig":"{sig_b64}","TLS.identifier":{{"a":"{text}"}}}}"#)
                        .as_bytes(),
                    6,
                ),
                "xiaojun",
            )
            .unwrap_err(),
        ),
        Box::new(
            g.verify(
                &token_from_json(format!(r#"{{"TLS.sig":"{sig_b64}1"}}"#).as_bytes(), 6),
                "xiaojun",
            )
            .unwrap_err(),
        ),
        Box::new(other_sdkappid.verify(&text, "xiaojun").unwrap_err()),
        Box::new(g.verify(&text, "administrator").unwrap_err()),
        Box::new(other_key.verify(&text, "xiaojun").unwrap_err()),
        Box::new(g.verify_with_userbuf(&text, "xiaojun", b"abc").unwrap_err()),
        Box::new(
            generator(TIME + EXPIRE + 1)
                .verify(&text, "xiaojun")
                .unwrap_err(),
        ),
    ];
    for error in &errors {
        outputs.push(format!("{error:?}"));
        let mut source: Option<&dyn std::error::Error> = Some(error.as_ref());
        while let Some(e) = source {
            let display = e.to_string();
            // Our own messages: lower-case, no trailing period (third-party sources vary).
            if e.is::<VerifyError>() || e.is::<GenerateError>() || e.is::<DecodeError>() {
                assert!(!display.is_empty());
                assert!(
                    !display.starts_with(char::is_uppercase),
                    "capitalised: {display}"
                );
                assert!(!display.ends_with('.'), "trailing period: {display}");
            }
            outputs.push(display);
            source = e.source();
        }
    }
    for output in &outputs {
        assert!(!output.contains(KEY), "key leaked: {output}");
        assert!(!output.contains(&text), "token leaked: {output}");
        assert!(!output.contains(&sig_b64), "signature leaked: {output}");
    }
}

#[test]
fn error_messages() {
    let to_string = |e: VerifyError| e.to_string();
    assert_eq!(
        to_string(VerifyError::SdkAppIdMismatch {
            expected: 1,
            found: 2
        }),
        "usersig was issued for sdkappid 2, expected 1"
    );
    assert_eq!(
        to_string(VerifyError::IdentifierMismatch {
            expected: "admin".into(),
            found: "x\"y\n".into()
        }),
        r#"usersig was issued for identifier "x\"y\n", expected "admin""#
    );
    let long = "é".repeat(100);
    assert_eq!(
        to_string(VerifyError::IdentifierMismatch {
            expected: "admin".into(),
            found: long
        }),
        format!(
            r#"usersig was issued for identifier "{}"..., expected "admin""#,
            "é".repeat(64)
        )
    );
    assert_eq!(
        to_string(VerifyError::Expired {
            expired_at: 10,
            now: 11
        }),
        "usersig expired at 10 (now 11)"
    );
    assert_eq!(
        to_string(VerifyError::BadSignature),
        "usersig signature does not match"
    );
    assert_eq!(
        inspect(&token_from_json(b"{}", 6)).unwrap_err().to_string(),
        "token field TLS.sig is missing"
    );
}

#[test]
fn public_types_are_send_sync_and_static() {
    fn check<T: Send + Sync + 'static>() {}
    check::<SecretKey>();
    check::<UserSig>();
    check::<UserSigGenerator>();
    check::<UserSigGenerator<FixedClock>>();
    check::<tencent_im_usersig::SigInfo>();
    check::<GenerateError>();
    check::<VerifyError>();
    check::<DecodeError>();
}
