//! [`Error`]: why the emulator could not start.

use std::io;
use std::path::PathBuf;

/// Why the emulator could not start, or a helper failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable; the message says why.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The listening socket could not be bound.
    #[error("could not listen on {addr}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The TLS certificate or key could not be loaded.
    #[error("could not load the TLS certificate or key: {0}")]
    Tls(String),
    /// A state file could not be read or written.
    #[error("state file {path}")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A state file is not a state snapshot: where it is broken, without its content.
    #[error(
        "state file {path} is not a state snapshot: {problem} at line {line}, column {column}{}",
        if field.is_empty() { String::new() } else { format!(", in {field}") }
    )]
    StateFileCorrupt {
        /// The file.
        path: PathBuf,
        /// The line where it is broken, from 1.
        line: usize,
        /// The column where it is broken, from 1.
        column: usize,
        /// The field where it is broken, as a path of the format's field names with map keys
        /// (account IDs and the like) shown as `[…]`, e.g. `apps[…].accounts[…].friends`; empty
        /// when the break is outside any field.
        field: String,
        /// What is wrong, in a few words.
        problem: &'static str,
    },
    /// The tokio runtime of a [`BlockingEmulator`](crate::BlockingEmulator) could not be built.
    #[error("could not start a tokio runtime")]
    Runtime(#[source] io::Error),
    /// A UserSig could not be generated.
    #[error("could not generate a usersig")]
    UserSig(#[from] tencent_im_usersig::GenerateError),
}

/// An error and its causes, `: `-separated.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
