//! Small serde helpers for Tencent's JSON.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default (Tencent sends `"ResultItem": null` on some failures).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
