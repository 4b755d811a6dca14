//! Generate, verify and inspect one admin UserSig.
//!
//! `cargo bench -p tencent-im-usersig -- --warm-up-time 1 --measurement-time 3`

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tencent_im_usersig::{FixedClock, SecretKey, UserSigGenerator, inspect};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const NOW: u64 = 1_700_000_000;
const DAY: Duration = Duration::from_secs(86_400);

fn benches(c: &mut Criterion) {
    let generator =
        UserSigGenerator::new(1_400_000_000, SecretKey::new(KEY)).with_clock(FixedClock::new(NOW));
    let token = generator
        .generate("administrator", DAY)
        .map(|sig| sig.expose().to_owned())
        .unwrap_or_default();
    // Measure the success path: a failing verify would return early and look fast.
    assert!(generator.verify(&token, "administrator").is_ok());
    let token = token.as_str();

    c.bench_function("generate", |b| {
        b.iter(|| generator.generate(black_box("administrator"), black_box(DAY)))
    });
    c.bench_function("verify", |b| {
        b.iter(|| generator.verify(black_box(token), black_box("administrator")))
    });
    // The official Python and Node libraries deflate the JSON; ours stores it.
    let deflated = deflated(token);
    assert!(generator.verify(&deflated, "administrator").is_ok());
    c.bench_function("verify_deflated", |b| {
        b.iter(|| generator.verify(black_box(&deflated), black_box("administrator")))
    });
    c.bench_function("inspect", |b| b.iter(|| inspect(black_box(token))));
    // What the zlib step of `generate` would cost with flate2 instead of the stored-block
    // writer: the same JSON document, wrapped by flate2 at `none()` and at the default level.
    let json = inflated(token);
    for (name, level) in [
        ("zlib_flate2_none", flate2::Compression::none()),
        ("zlib_flate2_default", flate2::Compression::default()),
    ] {
        c.bench_function(name, |b| b.iter(|| zlib(black_box(&json), level)));
    }
    c.bench_function("new", |b| {
        b.iter(|| UserSigGenerator::new(black_box(1_400_000_000), SecretKey::new(KEY)))
    });
}

/// The JSON document of a token.
fn inflated(token: &str) -> Vec<u8> {
    use base64::Engine as _;
    use std::io::Read as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let standard = token.replace('*', "+").replace('-', "/").replace('_', "=");
    let stored = engine.decode(standard).unwrap_or_default();
    let mut json = Vec::new();
    let _ = flate2::read::ZlibDecoder::new(stored.as_slice()).read_to_end(&mut json);
    json
}

/// `data` in a zlib stream written by flate2 at `level`.
fn zlib(data: &[u8], level: flate2::Compression) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() + 64), level);
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// The same token with its JSON deflated at zlib's default level.
fn deflated(token: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let compressed = zlib(&inflated(token), flate2::Compression::default());
    engine
        .encode(compressed)
        .replace('+', "*")
        .replace('/', "-")
        .replace('=', "_")
}

criterion_group!(usersig, benches);
criterion_main!(usersig);
