//! The wire format: the HMAC input, the JSON document, zlib and the UserSig base64 alphabet.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use flate2::{Decompress, FlushDecompress, Status};
use hmac::{Hmac, Mac};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::Sha256;

use crate::error::{DecodeError, DecodeErrorKind};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The largest JSON document (after inflating) we accept.
pub(crate) const MAX_PAYLOAD_LEN: usize = 64 * 1024;

/// The longest token we try to decode: base64 of a 64 KiB payload stored without compression
/// (zlib adds a few bytes per 64 KiB block) is about 87.4 KiB; anything longer is not a token.
pub(crate) const MAX_TOKEN_LEN: usize = 128 * 1024;

/// Standard base64 (`+ / =`). Decoding accepts missing padding; the official encoders all pad.
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub(crate) const VERSION: &str = "2.0";

const KEY_VER: &str = "TLS.ver";
const KEY_IDENTIFIER: &str = "TLS.identifier";
const KEY_SDKAPPID: &str = "TLS.sdkappid";
const KEY_EXPIRE: &str = "TLS.expire";
const KEY_TIME: &str = "TLS.time";
const KEY_USERBUF: &str = "TLS.userbuf";
const KEY_SIG: &str = "TLS.sig";

/// The fields that go into the HMAC (spec §3.2), borrowed from wherever they live.
pub(crate) struct Fields<'a> {
    pub(crate) identifier: &'a str,
    pub(crate) sdkappid: u64,
    pub(crate) time: u64,
    pub(crate) expire: u64,
    /// `TLS.userbuf` exactly as it appears in the token (standard base64), if present.
    pub(crate) userbuf_b64: Option<&'a str>,
}

impl Fields<'_> {
    /// Feeds the HMAC input into `mac`:
    /// `TLS.identifier:{id}\nTLS.sdkappid:{n}\nTLS.time:{n}\nTLS.expire:{n}\n[TLS.userbuf:{b64}\n]`.
    pub(crate) fn sign(&self, mac: &mut HmacSha256) {
        let mut digits = itoa::Buffer::new();
        mac.update(b"TLS.identifier:");
        mac.update(self.identifier.as_bytes());
        mac.update(b"\nTLS.sdkappid:");
        mac.update(digits.format(self.sdkappid).as_bytes());
        mac.update(b"\nTLS.time:");
        mac.update(digits.format(self.time).as_bytes());
        mac.update(b"\nTLS.expire:");
        mac.update(digits.format(self.expire).as_bytes());
        mac.update(b"\n");
        if let Some(userbuf) = self.userbuf_b64 {
            mac.update(b"TLS.userbuf:");
            mac.update(userbuf.as_bytes());
            mac.update(b"\n");
        }
    }
}

pub(crate) fn encode_b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The JSON document, in the key order of the spec's reference token.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "TLS.ver")]
    ver: &'a str,
    #[serde(rename = "TLS.identifier")]
    identifier: &'a str,
    #[serde(rename = "TLS.sdkappid")]
    sdkappid: u64,
    #[serde(rename = "TLS.expire")]
    expire: u64,
    #[serde(rename = "TLS.time")]
    time: u64,
    #[serde(rename = "TLS.userbuf", skip_serializing_if = "Option::is_none")]
    userbuf: Option<&'a str>,
    #[serde(rename = "TLS.sig")]
    sig: &'a str,
}

/// Serializes, wraps in zlib and base64-encodes a signed token.
pub(crate) fn encode_token(fields: &Fields<'_>, sig: &[u8]) -> serde_json::Result<String> {
    let sig = encode_b64(sig);
    let document = Document {
        ver: VERSION,
        identifier: fields.identifier,
        sdkappid: fields.sdkappid,
        expire: fields.expire,
        time: fields.time,
        userbuf: fields.userbuf_b64,
        sig: &sig,
    };
    let json = serde_json::to_vec(&document)?;
    Ok(STANDARD
        .encode(zlib_stored(&json))
        .chars()
        .map(to_url_alphabet)
        .collect())
}

/// A zlib stream (RFC 1950) holding `data` in stored, uncompressed deflate blocks (RFC 1951
/// §3.2.4), as Go's official library writes by default; every zlib decoder reads stored blocks.
///
/// Kept by hand for the generation target of `docs/benchmarks.md` (a whole UserSig in at most
/// 20 µs), which flate2 misses: its backend sets up a whole deflate compressor even at
/// `Compression::none()`. A whole `generate` took 1.03 µs with this writer, 101 µs with
/// flate2 at `none()` and 148 µs at its default level (medians of 5 alternating runs,
/// 2026-11-29; the `zlib_flate2_*` rows of the crate's benchmark measure flate2's part alone).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = u16::MAX as usize;
    let blocks = data.len().div_ceil(MAX_BLOCK).max(1);
    let mut out = Vec::with_capacity(2 + blocks * 5 + data.len() + 4);
    // CMF: deflate with a 32 KiB window; FLG: fastest level, no dictionary, check bits making
    // 0x7801 a multiple of 31.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut chunks = data.chunks(MAX_BLOCK).peekable();
    loop {
        let chunk = chunks.next().unwrap_or_default();
        let last = chunks.peek().is_none();
        // BFINAL in bit 0, BTYPE 00 (stored); the rest of the byte is padding.
        out.push(u8::from(last));
        // `chunks(MAX_BLOCK)` yields at most u16::MAX bytes.
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
        if last {
            break;
        }
    }
    out.extend_from_slice(&adler2::adler32_slice(data).to_be_bytes());
    out
}

fn to_url_alphabet(c: char) -> char {
    match c {
        '+' => '*',
        '/' => '-',
        '=' => '_',
        other => other,
    }
}

/// A token's fields, borrowed from its inflated JSON where possible.
pub(crate) struct Decoded<'a> {
    pub(crate) ver: Option<Cow<'a, str>>,
    pub(crate) identifier: Cow<'a, str>,
    pub(crate) sdkappid: u64,
    pub(crate) time: u64,
    pub(crate) expire: u64,
    /// `TLS.userbuf` as written in the token: the HMAC covers this text, not the bytes.
    pub(crate) userbuf_b64: Option<Cow<'a, str>>,
    pub(crate) userbuf: Option<Vec<u8>>,
    pub(crate) sig: [u8; 32],
}

impl Decoded<'_> {
    pub(crate) fn fields(&self) -> Fields<'_> {
        Fields {
            identifier: &self.identifier,
            sdkappid: self.sdkappid,
            time: self.time,
            expire: self.expire,
            userbuf_b64: self.userbuf_b64.as_deref(),
        }
    }
}

/// Reverses the URL alphabet and base64-decodes, then inflates with a size cap.
pub(crate) fn inflate_token(token: &str) -> Result<Vec<u8>, DecodeError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(DecodeError::new(DecodeErrorKind::TooLarge));
    }
    let standard: Vec<u8> = token
        .bytes()
        .map(|b| match b {
            b'*' => b'+',
            b'-' => b'/',
            b'_' => b'=',
            other => other,
        })
        .collect();
    let compressed = STANDARD
        .decode(standard)
        .map_err(|error| DecodeError::with_source(DecodeErrorKind::Base64, error))?;

    inflate(&compressed)
}

/// Inflates a zlib stream into at most [`MAX_PAYLOAD_LEN`] bytes. Bytes after the end of the
/// stream are ignored, as by zlib itself.
fn inflate(compressed: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let zlib_error = |source| DecodeError::with_source(DecodeErrorKind::Zlib, source);
    // `FlushDecompress::None` throughout: miniz_oxide treats `Finish` on the first call as
    // one-shot decompression and fails if the output does not fit the buffer at once.
    let mut inflater = Decompress::new(true);
    // Room for a compression ratio of 4 (stored tokens need less); grown below if needed.
    let mut json = Vec::with_capacity(
        compressed
            .len()
            .saturating_mul(4)
            .clamp(256, MAX_PAYLOAD_LEN),
    );
    loop {
        let (read, written) = (inflater.total_in(), inflater.total_out());
        let input = usize::try_from(read)
            .ok()
            .and_then(|read| compressed.get(read..))
            .unwrap_or_default();
        let status = inflater
            .decompress_vec(input, &mut json, FlushDecompress::None)
            .map_err(zlib_error)?;
        // The buffer grows to one byte past the cap, so an oversized payload is detected
        // rather than cut.
        if json.len() > MAX_PAYLOAD_LEN {
            return Err(DecodeError::new(DecodeErrorKind::TooLarge));
        }
        if status == Status::StreamEnd {
            return Ok(json);
        }
        if json.len() == json.capacity() {
            let target = json.capacity().saturating_mul(2).min(MAX_PAYLOAD_LEN + 1);
            json.reserve_exact(target - json.len());
        } else if inflater.total_in() == read && inflater.total_out() == written {
            // No room was missing and nothing moved: the stream is truncated.
            return Err(DecodeError::new(DecodeErrorKind::Zlib));
        }
    }
}

/// The JSON object with each known field kept raw, so a field of the wrong type is reported
/// by name. Unknown fields are ignored; a repeated field is an error.
#[derive(Deserialize)]
struct RawDocument<'a> {
    #[serde(rename = "TLS.ver", borrow)]
    ver: Option<&'a RawValue>,
    #[serde(rename = "TLS.identifier", borrow)]
    identifier: Option<&'a RawValue>,
    #[serde(rename = "TLS.sdkappid", borrow)]
    sdkappid: Option<&'a RawValue>,
    #[serde(rename = "TLS.expire", borrow)]
    expire: Option<&'a RawValue>,
    #[serde(rename = "TLS.time", borrow)]
    time: Option<&'a RawValue>,
    #[serde(rename = "TLS.userbuf", borrow)]
    userbuf: Option<&'a RawValue>,
    #[serde(rename = "TLS.sig", borrow)]
    sig: Option<&'a RawValue>,
}

/// Parses the inflated JSON document.
pub(crate) fn parse(json: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    let raw: RawDocument<'_> = serde_json::from_slice(json)
        .map_err(|error| DecodeError::with_source(DecodeErrorKind::Json, error))?;

    let sig_b64 = string(required(raw.sig, KEY_SIG)?, KEY_SIG)?;
    let mut sig = [0; 32];
    match STANDARD.decode_slice(sig_b64.as_bytes(), &mut sig) {
        Ok(32) => {}
        Ok(_) => return Err(DecodeError::new(DecodeErrorKind::InvalidField(KEY_SIG))),
        Err(error) => {
            return Err(DecodeError::with_source(
                DecodeErrorKind::InvalidField(KEY_SIG),
                error,
            ));
        }
    }

    let userbuf_b64 = raw
        .userbuf
        .map(|userbuf| string(userbuf, KEY_USERBUF))
        .transpose()?;
    let userbuf = userbuf_b64
        .as_deref()
        .map(|b64| {
            STANDARD.decode(b64).map_err(|error| {
                DecodeError::with_source(DecodeErrorKind::InvalidField(KEY_USERBUF), error)
            })
        })
        .transpose()?;

    Ok(Decoded {
        ver: raw.ver.map(|ver| string(ver, KEY_VER)).transpose()?,
        identifier: string(required(raw.identifier, KEY_IDENTIFIER)?, KEY_IDENTIFIER)?,
        sdkappid: number(required(raw.sdkappid, KEY_SDKAPPID)?, KEY_SDKAPPID)?,
        time: number(required(raw.time, KEY_TIME)?, KEY_TIME)?,
        expire: number(required(raw.expire, KEY_EXPIRE)?, KEY_EXPIRE)?,
        userbuf_b64,
        userbuf,
        sig,
    })
}

fn required<'a>(
    value: Option<&'a RawValue>,
    key: &'static str,
) -> Result<&'a RawValue, DecodeError> {
    value.ok_or(DecodeError::new(DecodeErrorKind::MissingField(key)))
}

fn invalid(key: &'static str, error: serde_json::Error) -> DecodeError {
    DecodeError::with_source(DecodeErrorKind::InvalidField(key), error)
}

#[derive(Deserialize)]
struct BorrowedStr<'a>(#[serde(borrow)] Cow<'a, str>);

fn string<'a>(value: &'a RawValue, key: &'static str) -> Result<Cow<'a, str>, DecodeError> {
    serde_json::from_str::<BorrowedStr<'a>>(value.get())
        .map(|s| s.0)
        .map_err(|error| invalid(key, error))
}

fn number(value: &RawValue, key: &'static str) -> Result<u64, DecodeError> {
    serde_json::from_str::<Lenient>(value.get())
        .map(|n| n.0)
        .map_err(|error| invalid(key, error))
}

/// A non-negative integer written as a JSON integer, as an integral float (`1.7e9`), or as a
/// string of decimal digits (PHP emits whatever type the caller passed in).
struct Lenient(u64);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

impl Visitor<'_> for LenientVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer, as a number or a string of digits")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom("negative number"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        // 2^64 is exactly representable; every integral f64 below it fits in a u64.
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 18_446_744_073_709_551_616.0 {
            Ok(v as u64)
        } else {
            Err(E::custom("not a non-negative integer"))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::custom("string is not a decimal integer"));
        }
        v.parse()
            .map_err(|_| E::custom("string is not a decimal integer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use hmac::digest::KeyInit;

    #[test]
    fn decimals_in_the_hmac_input_have_no_padding() {
        // The signed message is exactly the documented one, with decimals as written by hand.
        let key = [7_u8; 32];
        for (n, written) in [
            (0_u64, "0"),
            (7, "7"),
            (1_700_000_000, "1700000000"),
            (u64::MAX, "18446744073709551615"),
        ] {
            let fields = Fields {
                identifier: "id",
                sdkappid: n,
                time: n,
                expire: n,
                userbuf_b64: None,
            };
            let mut ours = <HmacSha256 as KeyInit>::new_from_slice(&key).unwrap();
            fields.sign(&mut ours);
            let mut expected = <HmacSha256 as KeyInit>::new_from_slice(&key).unwrap();
            expected.update(
                format!(
                    "TLS.identifier:id\nTLS.sdkappid:{written}\nTLS.time:{written}\nTLS.expire:{written}\n"
                )
                .as_bytes(),
            );
            assert_eq!(
                ours.finalize().into_bytes(),
                expected.finalize().into_bytes()
            );
        }
    }

    fn inflate_with_flate2(zlib: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(zlib), &mut out).unwrap();
        out
    }

    #[test]
    fn zlib_stored_is_read_by_flate2_and_by_us() {
        for len in [0, 1, 200, 65_535, 65_536, 150_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let zlib = zlib_stored(&data);
            assert_eq!(inflate_with_flate2(&zlib), data, "length {len}");
            if len <= MAX_PAYLOAD_LEN {
                assert_eq!(inflate(&zlib).unwrap(), data, "length {len}");
            } else {
                assert_eq!(
                    inflate(&zlib).unwrap_err().kind(),
                    DecodeErrorKind::TooLarge
                );
            }
        }
        assert_eq!(
            &zlib_stored(b"")[..],
            &[0x78, 0x01, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 1]
        );
    }

    #[test]
    fn inflate_grows_to_the_cap_and_no_further() {
        use std::io::Write;
        for (len, ok) in [(MAX_PAYLOAD_LEN, true), (MAX_PAYLOAD_LEN + 1, false)] {
            let mut encoder =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&vec![b'x'; len]).unwrap();
            let zlib = encoder.finish().unwrap();
            match inflate(&zlib) {
                Ok(out) => assert!(ok && out.len() == len, "length {len}"),
                Err(error) => {
                    assert!(!ok, "length {len}");
                    assert_eq!(error.kind(), DecodeErrorKind::TooLarge);
                }
            }
        }
    }

    #[test]
    fn inflate_rejects_truncated_streams() {
        let zlib = zlib_stored(b"{\"TLS.sig\":\"x\"}");
        for cut in 0..zlib.len() {
            assert_eq!(
                inflate(&zlib[..cut]).unwrap_err().kind(),
                DecodeErrorKind::Zlib,
                "cut at {cut}"
            );
        }
        assert!(inflate(&zlib).is_ok());
    }

    #[test]
    fn lenient_numbers() {
        let parse = |s: &str| serde_json::from_str::<Lenient>(s).map(|n| n.0).ok();
        assert_eq!(parse("1400000000"), Some(1_400_000_000));
        assert_eq!(parse("\"1400000000\""), Some(1_400_000_000));
        assert_eq!(parse("1.4e9"), Some(1_400_000_000));
        assert_eq!(parse("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("1.5"), None);
        assert_eq!(parse("\"\""), None);
        assert_eq!(parse("\"+1\""), None);
        assert_eq!(parse("\" 1\""), None);
        assert_eq!(parse("\"18446744073709551616\""), None);
        assert_eq!(parse("1e300"), None);
        assert_eq!(parse("true"), None);
        assert_eq!(parse("null"), None);
        assert_eq!(parse("[1]"), None);
    }
}
