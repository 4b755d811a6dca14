//! Checks shared by the commands' `validate` methods. Field paths are built only on failure.

use std::collections::HashMap;

use crate::error::{ValidationError, Violation};

/// The longest UserID Tencent accepts, in bytes ("Importing a Single Account", "Adding Friends").
pub const USER_ID_MAX_BYTES: usize = 32;

/// Checks a UserID (non-empty, at most [`USER_ID_MAX_BYTES`] bytes) of the field at `field`.
///
/// ```
/// use tencent_im_protocol::validate_user_id;
///
/// assert!(validate_user_id("alice", "From_Account").is_ok());
/// let err = validate_user_id(&"x".repeat(33), "From_Account").unwrap_err();
/// assert_eq!(err.to_string(), "From_Account is 33 bytes long, over the limit of 32 bytes");
/// ```
///
/// # Errors
///
/// A [`ValidationError`] naming `field` when the UserID is empty or too long.
pub fn validate_user_id(value: &str, field: &str) -> Result<(), ValidationError> {
    account(value, || field.to_owned())
}

/// A UserID: non-empty, at most [`USER_ID_MAX_BYTES`] bytes.
pub(crate) fn account(value: &str, field: impl Fn() -> String) -> Result<(), ValidationError> {
    non_empty(value, &field)?;
    max_bytes(value, USER_ID_MAX_BYTES, field)
}

/// A string that must not be empty.
pub(crate) fn non_empty(
    value: &str,
    field: impl FnOnce() -> String,
) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field(), Violation::Empty));
    }
    Ok(())
}

/// A string of at most `limit` bytes of UTF-8.
pub(crate) fn max_bytes(
    value: &str,
    limit: usize,
    field: impl FnOnce() -> String,
) -> Result<(), ValidationError> {
    if value.len() > limit {
        return Err(ValidationError::new(
            field(),
            Violation::TooLong {
                limit,
                actual: value.len(),
            },
        ));
    }
    Ok(())
}

/// A list of 1 to `limit` items.
pub(crate) fn items(field: &str, actual: usize, limit: usize) -> Result<(), ValidationError> {
    if actual == 0 {
        return Err(ValidationError::new(field, Violation::Empty));
    }
    if actual > limit {
        return Err(ValidationError::new(
            field,
            Violation::TooManyItems { limit, actual },
        ));
    }
    Ok(())
}

/// Accounts that must be unique within one request: `path(i)` names the i-th one.
///
/// Short lists (the common one-item call) are compared pairwise, with no allocation or hashing.
pub(crate) fn unique_accounts<'a>(
    accounts: impl ExactSizeIterator<Item = &'a str> + Clone,
    path: impl Fn(usize) -> String,
) -> Result<(), ValidationError> {
    const PAIRWISE_UP_TO: usize = 16;
    let duplicate = |i: usize, first: usize| {
        ValidationError::new(path(i), Violation::Duplicate { first: path(first) })
    };
    if accounts.len() <= PAIRWISE_UP_TO {
        for (i, account) in accounts.clone().enumerate() {
            if let Some(first) = accounts.clone().take(i).position(|a| a == account) {
                return Err(duplicate(i, first));
            }
        }
        return Ok(());
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(accounts.len());
    for (i, account) in accounts.enumerate() {
        if let Some(&first) = seen.get(account) {
            return Err(duplicate(i, first));
        }
        seen.insert(account, i);
    }
    Ok(())
}

/// Validates a list of accounts (e.g. `To_Account` of friend_delete): 1 to `limit` items, each
/// a valid UserID, no duplicates.
pub(crate) fn account_list(
    field: &str,
    accounts: &[String],
    limit: usize,
) -> Result<(), ValidationError> {
    items(field, accounts.len(), limit)?;
    for (i, a) in accounts.iter().enumerate() {
        account(a, || format!("{field}[{i}]"))?;
    }
    unique_accounts(accounts.iter().map(String::as_str), |i| {
        format!("{field}[{i}]")
    })
}
