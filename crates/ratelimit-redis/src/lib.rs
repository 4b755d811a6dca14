#![doc = include_str!("../README.md")]

mod error;
mod limiter;
mod script;
mod url;

pub use error::{Error, ErrorKind};
pub use limiter::{Backend, DEFAULT_KEY_PREFIX, RedisRateLimiter, RedisRateLimiterBuilder};
