//! Helpers shared by the integration tests. They rebuild the wire format with the underlying
//! crates directly (not through `tencent_im_usersig`), so the tests check the crate against an
//! independent implementation.
#![allow(dead_code)]

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The sample credentials of Tencent's official libraries and samples (spec §3.6).
pub(crate) const SDKAPPID: u64 = 1_400_000_000;
pub(crate) const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
pub(crate) const TIME: u64 = 1_700_000_000;
pub(crate) const EXPIRE: u64 = 15_552_000;

/// Vectors of spec §3.6.
pub(crate) const SIG_XIAOJUN: &str = "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=";
pub(crate) const SIG_XIAOJUN_ABC: &str = "QjT201xPkXk/aM1e+y0vakZb0K2iPrFue++0s5y6bFM=";
pub(crate) const SIG_SMALL: &str = "6kkE+M0GznYW1ok+6WCRsxmHo2OZ8oNZdPv5oMuj2EM=";

/// zlib at `level`, standard base64, then `+ / =` → `* - _`.
pub(crate) fn token_from_json(json: &[u8], level: u32) -> String {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(level));
    encoder.write_all(json).unwrap();
    token_from_bytes(&encoder.finish().unwrap())
}

/// Standard base64 with the UserSig substitutions.
pub(crate) fn token_from_bytes(bytes: &[u8]) -> String {
    STANDARD
        .encode(bytes)
        .replace('+', "*")
        .replace('/', "-")
        .replace('=', "_")
}

/// Undoes the token encoding and parses the JSON.
pub(crate) fn json_of(token: &str) -> serde_json::Value {
    let standard = token.replace('*', "+").replace('-', "/").replace('_', "=");
    let compressed = STANDARD.decode(standard).unwrap();
    let mut json = Vec::new();
    ZlibDecoder::new(compressed.as_slice())
        .read_to_end(&mut json)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

/// `TLS.sig` per spec §3.2.
pub(crate) fn sig(
    key: &str,
    identifier: &str,
    sdkappid: u64,
    time: u64,
    expire: u64,
    userbuf_b64: Option<&str>,
) -> String {
    let mut message = format!(
        "TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n"
    );
    if let Some(userbuf) = userbuf_b64 {
        message.push_str(&format!("TLS.userbuf:{userbuf}\n"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
