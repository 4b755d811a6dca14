#![doc = include_str!("../README.md")]

mod command;
mod endpoint;
mod envelope;
mod error;
mod error_code;
mod serde_util;
mod validate;

pub mod callback;
pub mod im_open_login_svc;
pub mod profile;
pub mod report;
pub mod sns;

pub use command::{Command, EncodeError, ListCommand};
pub use endpoint::Endpoint;
pub use envelope::{ActionStatus, Envelope, Reply};
pub use error::{ApiError, DecodeError, ReplyError, ValidationError, Violation};
pub use error_code::{ErrorClass, ErrorCode};
pub use report::{BatchReport, ItemFailure, ItemOutcome, ItemReport};
pub use validate::{USER_ID_MAX_BYTES, validate_user_id};

pub mod log;
