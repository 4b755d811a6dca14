#![doc = include_str!("../README.md")]

mod clock;
mod codec;
mod error;
mod generator;
mod info;
mod key;

pub use clock::{Clock, FixedClock, ManualClock, SystemClock};
pub use error::{DecodeError, DecodeErrorKind, GenerateError, VerifyError};
pub use generator::UserSigGenerator;
pub use info::{SigInfo, inspect};
pub use key::{SecretKey, UserSig};
