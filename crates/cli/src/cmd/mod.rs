//! One module per command group.

pub(crate) mod account;
pub(crate) mod bench;
pub(crate) mod blocklist;
pub(crate) mod completions;
pub(crate) mod config;
pub(crate) mod demo;
pub(crate) mod doctor;
pub(crate) mod emulator;
pub(crate) mod friend;
pub(crate) mod import;
pub(crate) mod logs;
pub(crate) mod profile;
pub(crate) mod usersig;
pub(crate) mod webhook;
