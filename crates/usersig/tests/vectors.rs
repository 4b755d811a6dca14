//! The vectors of spec §3.6, through generate, inspect and verify.

// Test code: helpers outside #[test] functions may unwrap, panic and print too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

mod common;

use std::time::Duration;

use common::*;
use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator, inspect};

fn generator(sdkappid: u64, key: &str, now: u64) -> UserSigGenerator<FixedClock> {
    UserSigGenerator::new(sdkappid, SecretKey::new(key)).with_clock(FixedClock::new(now))
}

#[test]
fn vector_1_xiaojun_without_userbuf() {
    let generator = generator(SDKAPPID, KEY, TIME);
    let sig = generator
        .generate("xiaojun", Duration::from_secs(EXPIRE))
        .unwrap();

    let json = json_of(sig.expose());
    assert_eq!(json["TLS.sig"], SIG_XIAOJUN);
    assert_eq!(json["TLS.ver"], "2.0");
    assert_eq!(json["TLS.sdkappid"], SDKAPPID);
    assert_eq!(json["TLS.time"], TIME);
    assert_eq!(json["TLS.expire"], EXPIRE);
    assert!(json.get("TLS.userbuf").is_none());

    let info = inspect(sig.expose()).unwrap();
    assert_eq!(info.version.as_deref(), Some("2.0"));
    assert_eq!(info.identifier, "xiaojun");
    assert_eq!(info.sdkappid, SDKAPPID);
    assert_eq!(info.issued_at, TIME);
    assert_eq!(info.expire, Duration::from_secs(EXPIRE));
    assert_eq!(info.userbuf, None);

    assert_eq!(generator.verify(sig.expose(), "xiaojun").unwrap(), info);
}

#[test]
fn vector_2_xiaojun_with_userbuf_abc() {
    let generator = generator(SDKAPPID, KEY, TIME);
    let sig = generator
        .generate_with_userbuf("xiaojun", Duration::from_secs(EXPIRE), b"abc")
        .unwrap();

    let json = json_of(sig.expose());
    assert_eq!(json["TLS.sig"], SIG_XIAOJUN_ABC);
    assert_eq!(json["TLS.userbuf"], "YWJj");

    let info = inspect(sig.expose()).unwrap();
    assert_eq!(info.userbuf.as_deref(), Some(&b"abc"[..]));
    assert_eq!(
        generator
            .verify_with_userbuf(sig.expose(), "xiaojun", b"abc")
            .unwrap(),
        info
    );
}

#[test]
fn vector_3_small_values() {
    let generator = generator(1, "2", 1_600_000_000);
    let sig = generator.generate("3", Duration::from_secs(4)).unwrap();

    let json = json_of(sig.expose());
    assert_eq!(json["TLS.sig"], SIG_SMALL);

    let info = generator.verify(sig.expose(), "3").unwrap();
    assert_eq!(info.sdkappid, 1);
    assert_eq!(info.issued_at, 1_600_000_000);
    assert_eq!(info.expires_at(), 1_600_000_004);
}

/// The independent helper reproduces the vectors too, so the other tests can rely on it.
#[test]
fn helper_reproduces_the_vectors() {
    assert_eq!(
        sig(KEY, "xiaojun", SDKAPPID, TIME, EXPIRE, None),
        SIG_XIAOJUN
    );
    assert_eq!(
        sig(KEY, "xiaojun", SDKAPPID, TIME, EXPIRE, Some("YWJj")),
        SIG_XIAOJUN_ABC
    );
    assert_eq!(sig("2", "3", 1, 1_600_000_000, 4, None), SIG_SMALL);
}

/// The spec's reference document, compact JSON at zlib level 9, built without this crate.
#[test]
fn hand_built_vector_1_token_decodes_and_verifies() {
    let json = r#"{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.sig":"LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="}"#;
    let token = token_from_json(json.as_bytes(), 9);

    let info = inspect(&token).unwrap();
    assert_eq!(info.version.as_deref(), Some("2.0"));
    assert_eq!(info.identifier, "xiaojun");
    assert_eq!(info.sdkappid, SDKAPPID);
    assert_eq!(info.issued_at, TIME);
    assert_eq!(info.expire, Duration::from_secs(EXPIRE));
    assert_eq!(info.expires_at(), TIME + EXPIRE);
    assert_eq!(info.userbuf, None);

    let verified = generator(SDKAPPID, KEY, TIME)
        .verify(&token, "xiaojun")
        .unwrap();
    assert_eq!(verified, info);
}

/// Our document is the spec's reference document byte for byte (same keys, order, spacing).
#[test]
fn generated_json_is_the_reference_document() {
    let sig = generator(SDKAPPID, KEY, TIME)
        .generate("xiaojun", Duration::from_secs(EXPIRE))
        .unwrap();
    let standard = sig
        .expose()
        .replace('*', "+")
        .replace('-', "/")
        .replace('_', "=");
    use base64::Engine as _;
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(standard)
        .unwrap();
    let mut json = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::ZlibDecoder::new(compressed.as_slice()),
        &mut json,
    )
    .unwrap();
    assert_eq!(
        json,
        r#"{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.sig":"LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="}"#
    );
    assert!(
        !sig.expose().contains(['+', '/', '=']),
        "token uses the standard alphabet"
    );
}
