//! The per-item `ResultCode`s of a logged reply, counted in the pass that reads its line.
//!
//! The item arrays are `ResultItem` (friend_add, friend_delete, black_list_add,
//! black_list_delete, account_check), friend_check's `InfoItem` and black_list_check's
//! `BlackListCheckItem`: an item counts when it is an object with an integer `ResultCode`;
//! anything else in the array (a string, `null`, an item without a code) does not.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error_code::ErrorCode;

/// Whether a reply's key names its item array: one of the catalogue's
/// [`Endpoint::item_array`](crate::Endpoint::item_array) names (a test checks every row's).
pub(super) fn is_item_array(key: &str) -> bool {
    matches!(key, "ResultItem" | "InfoItem" | "BlackListCheckItem")
}

/// How many distinct codes a record keeps; a reply with more is counted again from its text.
const KEPT: usize = 4;

/// The item codes of one reply: each distinct code with its count, for up to [`KEPT`] codes
/// that fit an `i32` (all of Tencent's do; the record stays small).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ItemCodes {
    codes: [i32; KEPT],
    counts: [u32; KEPT],
    len: u8,
    /// The reply has more distinct codes than are kept: [`ItemCodes::for_each`] reads its text.
    more: bool,
}

impl ItemCodes {
    fn add(&mut self, code: ErrorCode) {
        let Ok(code) = i32::try_from(code.get()) else {
            self.more = true;
            return;
        };
        let len = usize::from(self.len);
        let kept = self.codes.get(..len).unwrap_or_default();
        if let Some(i) = kept.iter().position(|c| *c == code) {
            if let Some(count) = self.counts.get_mut(i) {
                *count = count.saturating_add(1);
            }
        } else if let (Some(slot), Some(count)) =
            (self.codes.get_mut(len), self.counts.get_mut(len))
        {
            *slot = code;
            *count = 1;
            self.len += 1;
        } else {
            self.more = true;
        }
    }

    /// Calls `f` with the codes and their counts (a code may come more than once); `reply` is
    /// the reply's JSON text, read again only when the reply has more distinct codes than were
    /// kept.
    pub(super) fn for_each(&self, reply: Option<&str>, mut f: impl FnMut(ErrorCode, u64)) {
        if self.more {
            if let Some(reply) = reply {
                let mut de = serde_json::Deserializer::from_str(reply);
                // The text was read as this very reply already, so this does not fail.
                let _ = de.deserialize_any(ReplyItems(&mut |code| f(code, 1)));
            }
            return;
        }
        for (&code, &n) in self.codes.iter().zip(&self.counts).take(self.len.into()) {
            f(ErrorCode::new(code.into()), u64::from(n));
        }
    }
}

/// An item array, read into the codes of a line's reply.
pub(super) struct ItemArraySeed<'c>(pub(super) &'c mut ItemCodes);

impl<'de> DeserializeSeed<'de> for ItemArraySeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let codes = self.0;
        deserializer.deserialize_any(ItemArray(&mut |code| codes.add(code)))
    }
}

/// A reply object: only its item arrays are read.
struct ReplyItems<'f>(&'f mut dyn FnMut(ErrorCode));

impl<'de> Visitor<'de> for ReplyItems<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a reply object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(is_items) = map.next_key_seed(KeyIs(is_item_array))? {
            if is_items {
                map.next_value_seed(ItemArrayOf(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// An object key, read as whether the predicate holds for it.
struct KeyIs<F>(F);

impl<'de, F: FnOnce(&str) -> bool> DeserializeSeed<'de> for KeyIs<F> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<F: FnOnce(&str) -> bool> Visitor<'_> for KeyIs<F> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok((self.0)(key))
    }
}

struct ItemArrayOf<'f>(&'f mut dyn FnMut(ErrorCode));

impl<'de> DeserializeSeed<'de> for ItemArrayOf<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(ItemArray(self.0))
    }
}

/// An item array: each item's code goes to the function. Anything but an array holds no items.
struct ItemArray<'f>(&'f mut dyn FnMut(ErrorCode));

impl<'de> Visitor<'de> for ItemArray<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(code) = seq.next_element_seed(Item)? {
            if let Some(code) = code {
                (self.0)(code);
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

/// One item: its `ResultCode` when it is an object with an integer one (the first, if the key
/// repeats).
struct Item;

impl<'de> DeserializeSeed<'de> for Item {
    type Value = Option<ErrorCode>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Item {
    type Value = Option<ErrorCode>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut code = None;
        while let Some(is_code) = map.next_key_seed(KeyIs(|key: &str| key == "ResultCode"))? {
            if is_code && code.is_none() {
                code = map.next_value_seed(Integer)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(code)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A value kept when it is an integer that fits an `i64`.
struct Integer;

impl<'de> DeserializeSeed<'de> for Integer {
    type Value = Option<ErrorCode>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Integer {
    type Value = Option<ErrorCode>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ResultCode")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(ErrorCode::new(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).ok().map(ErrorCode::new))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_item_array_of_the_catalogue_is_counted() {
        for &endpoint in crate::Endpoint::ALL {
            if let Some(key) = endpoint.item_array() {
                assert!(is_item_array(key), "{endpoint}: {key} is not counted");
            }
        }
    }

    use super::*;

    fn read(reply: &str) -> (ItemCodes, Vec<(i64, u64)>) {
        let mut codes = ItemCodes::default();
        let mut de = serde_json::Deserializer::from_str(reply);
        let found = de.deserialize_any(ReplyItems(&mut |code| codes.add(code)));
        assert!(found.is_ok(), "{reply}");
        let mut counted = std::collections::BTreeMap::new();
        codes.for_each(Some(reply), |code, n| {
            *counted.entry(code.get()).or_default() += n
        });
        (codes, counted.into_iter().collect())
    }

    #[test]
    fn up_to_four_codes_are_kept_and_more_are_read_again() {
        let (codes, counted) = read(
            r#"{"ResultItem":[{"ResultCode":0},{"ResultCode":30539},{"ResultCode":0},{"ResultCode":30001},{"ResultCode":30010}],"ActionStatus":"OK"}"#,
        );
        assert!(!codes.more);
        assert_eq!(counted, [(0, 2), (30001, 1), (30010, 1), (30539, 1)]);

        let (codes, counted) = read(
            r#"{"InfoItem":[{"ResultCode":1},{"ResultCode":2},{"ResultCode":3},{"ResultCode":4},{"ResultCode":5},{"ResultCode":1}]}"#,
        );
        assert!(codes.more);
        assert_eq!(counted, [(1, 2), (2, 1), (3, 1), (4, 1), (5, 1)]);

        // A code beyond an `i32` is counted from the text as well.
        let (codes, counted) =
            read(r#"{"ResultItem":[{"ResultCode":0},{"ResultCode":-4294967296}]}"#);
        assert!(codes.more);
        assert_eq!(counted, [(-4_294_967_296, 1), (0, 1)]);
    }

    #[test]
    fn only_items_with_an_integer_code_count() {
        let (_, counted) = read(
            r#"{"ResultItem":[{"ResultCode":"7"},null,3,"x",[1],{"ResultInfo":"","ResultCode":-1,"ResultCode":9},{"ResultCode":1.5},{"ResultCode":18446744073709551615}],"Other":[{"ResultCode":5}]}"#,
        );
        assert_eq!(counted, [(-1, 1)]);
        for reply in [
            r#"{"ResultItem":null}"#,
            r#"{"ResultItem":{"ResultCode":0}}"#,
            r#"{"ResultItem":"x"}"#,
            r#"{"ResultItem":[]}"#,
            "{}",
        ] {
            assert_eq!(read(reply).1, [], "{reply}");
        }
    }
}
