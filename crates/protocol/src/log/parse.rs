//! One pass over a log line's top-level object: the members that make a record, the reply
//! envelope, the per-item result codes, and the keys that tell which endpoint a bare body
//! belongs to. Every other value is skipped unread, and nothing is copied unless a string holds
//! escapes.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::endpoint::Endpoint;
use crate::envelope::ActionStatus;
use crate::error_code::ErrorCode;

use super::items::{ItemArraySeed, ItemCodes, is_item_array};
use super::record::EnvelopeRef;

/// A top-level value: an object with what was found in it, or any other JSON value.
// Returned once per line and taken apart at once: boxing the object would allocate per line.
#[allow(clippy::large_enum_variant)]
pub(super) enum TopLevel<'a> {
    Object(Members<'a>),
    Other,
}

/// A member that is present, present but `null`, or absent.
#[derive(Default, Clone, Copy)]
pub(super) enum Member<'a> {
    #[default]
    Absent,
    Null,
    Json(&'a str),
}

impl<'a> Member<'a> {
    pub(super) fn is_present(self) -> bool {
        !matches!(self, Self::Absent)
    }

    pub(super) fn json(self) -> Option<&'a str> {
        match self {
            Self::Json(json) => Some(json),
            Self::Absent | Self::Null => None,
        }
    }
}

/// What one pass found in a top-level object.
#[derive(Default)]
pub(super) struct Members<'a> {
    /// `api`: `Some(None)` when present but not a string.
    pub(super) api: Option<Option<Cow<'a, str>>>,
    pub(super) request: Member<'a>,
    pub(super) response: Member<'a>,
    status: Option<Scalar<'a>>,
    code: Option<Scalar<'a>>,
    info: Option<Scalar<'a>>,
    display: Option<Scalar<'a>>,
    /// The `ResultCode`s of the reply's item array (`ResultItem`, `InfoItem` or
    /// `BlackListCheckItem`), as the reply carries them.
    pub(super) items: ItemCodes,
    hint: Hint,
}

impl<'a> Members<'a> {
    /// Whether the object carries an envelope member, as replies do and requests never do.
    pub(super) fn looks_like_reply(&self) -> bool {
        self.status.is_some() || self.code.is_some()
    }

    /// The envelope, when `ActionStatus` is a string, `ErrorCode` an integer, and `ErrorInfo`
    /// and `ErrorDisplay` strings if present (the rules of [`Envelope::decode`]).
    ///
    /// [`Envelope::decode`]: crate::Envelope::decode
    pub(super) fn envelope(self) -> Option<EnvelopeRef<'a>> {
        let action_status = match self.status? {
            Scalar::Str(s) => match &*s {
                "OK" => ActionStatus::Ok,
                "FAIL" => ActionStatus::Fail,
                _ => ActionStatus::Other(s.into_owned()),
            },
            _ => return None,
        };
        let error_code = match self.code? {
            Scalar::Int(code) => ErrorCode::new(code),
            _ => return None,
        };
        let error_info = match self.info {
            None => Cow::Borrowed(""),
            Some(Scalar::Str(s)) => s,
            Some(_) => return None,
        };
        let error_display = match self.display {
            None | Some(Scalar::Null) => None,
            Some(Scalar::Str(s)) => Some(s),
            Some(_) => return None,
        };
        Some(EnvelopeRef {
            action_status,
            error_code,
            error_info,
            error_display,
        })
    }

    /// The endpoint the keys point at, if exactly one.
    pub(super) fn inferred_endpoint(&self) -> Option<Endpoint> {
        match self.hint {
            Hint::One(endpoint) => Some(endpoint),
            Hint::None | Hint::Ambiguous => None,
        }
    }
}

#[derive(Default, Clone, Copy)]
enum Hint {
    #[default]
    None,
    One(Endpoint),
    Ambiguous,
}

impl Hint {
    fn add(self, endpoint: Endpoint) -> Self {
        match self {
            Self::None => Self::One(endpoint),
            Self::One(e) if e == endpoint => self,
            Self::One(_) | Self::Ambiguous => Self::Ambiguous,
        }
    }
}

/// Parses `json` (one complete JSON value, surrounding whitespace allowed).
pub(super) fn parse(json: &str) -> Result<TopLevel<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let top = de.deserialize_any(TopLevelVisitor)?;
    de.end()?;
    Ok(top)
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut m = Members::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key {
                Key::Api => {
                    m.api = Some(match map.next_value_seed(ScalarSeed)? {
                        Scalar::Str(s) => Some(s),
                        _ => None,
                    });
                }
                Key::Request => m.request = map.next_value_seed(MemberSeed)?,
                Key::Response => m.response = map.next_value_seed(MemberSeed)?,
                Key::ActionStatus => m.status = Some(map.next_value_seed(ScalarSeed)?),
                Key::ErrorCode => m.code = Some(map.next_value_seed(ScalarSeed)?),
                Key::ErrorInfo => m.info = Some(map.next_value_seed(ScalarSeed)?),
                Key::ErrorDisplay => m.display = Some(map.next_value_seed(ScalarSeed)?),
                Key::Items(endpoint) => {
                    if let Some(endpoint) = endpoint {
                        m.hint = m.hint.add(endpoint);
                    }
                    map.next_value_seed(ItemArraySeed(&mut m.items))?;
                }
                Key::Endpoint(endpoint) => {
                    m.hint = m.hint.add(endpoint);
                    map.next_value::<IgnoredAny>()?;
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(TopLevel::Object(m))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(TopLevel::Other)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(TopLevel::Other)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(TopLevel::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(TopLevel::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(TopLevel::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(TopLevel::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(TopLevel::Other)
    }
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A top-level key that matters.
enum Key {
    Api,
    Request,
    Response,
    ActionStatus,
    ErrorCode,
    ErrorInfo,
    ErrorDisplay,
    /// `ResultItem`, `InfoItem` or `BlackListCheckItem`: a reply's item array, and the
    /// endpoint the key points at if the catalogue lists it as one endpoint's.
    Items(Option<Endpoint>),
    Endpoint(Endpoint),
    Other,
}

impl Key {
    fn of(key: &str) -> Self {
        match key {
            "api" => Self::Api,
            "request" => Self::Request,
            "response" => Self::Response,
            "ActionStatus" => Self::ActionStatus,
            "ErrorCode" => Self::ErrorCode,
            "ErrorInfo" => Self::ErrorInfo,
            "ErrorDisplay" => Self::ErrorDisplay,
            // The catalogue's keys that only one endpoint's body carries (a body with keys of
            // two endpoints gets none).
            _ => crate::endpoint::UNIQUE_KEYS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(Self::Other, |&(_, endpoint)| Self::Endpoint(endpoint)),
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        let of = Key::of(key);
        Ok(if is_item_array(key) {
            Key::Items(match of {
                Key::Endpoint(endpoint) => Some(endpoint),
                _ => None,
            })
        } else {
            of
        })
    }
}

/// `request` or `response`: the raw JSON text of the value, borrowed from the line.
struct MemberSeed;

impl<'de> DeserializeSeed<'de> for MemberSeed {
    type Value = Member<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        let raw: &'de RawValue = de::Deserialize::deserialize(deserializer)?;
        let json = raw.get();
        Ok(if json == "null" {
            Member::Null
        } else {
            Member::Json(json)
        })
    }
}

/// A member value read leniently: strings and integers are kept, anything else is skipped, so
/// that a field of an unexpected type makes the envelope absent rather than the line unreadable.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Null,
    Other,
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Scalar::Other, Scalar::Int))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}
