//! One module per command group.

pub(crate) mod account;
pub(crate) mod blocklist;
pub(crate) mod config;
pub(crate) mod demo;
pub(crate) mod emulator;
pub(crate) mod friend;
pub(crate) mod profile;
