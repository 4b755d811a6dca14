//! The error type of the xtask commands.

use std::fmt;
use std::path::Path;

/// An error of an xtask command: a message meant for the person running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    message: String,
}

impl Error {
    /// Creates an error with the given message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Wraps an I/O error with the path it happened on and what was being done.
    pub(crate) fn io(action: &str, path: &Path, err: &std::io::Error) -> Self {
        Self::new(format!("cannot {action} {}: {err}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The result type of the xtask commands.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// Returns early with an [`Error`] built from a format string.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::new(format!($($arg)*)))
    };
}

pub(crate) use bail;

/// Reads a UTF-8 file, naming the path in the error.
pub(crate) fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|err| Error::io("read", path, &err))
}

/// Writes a file through a sibling temporary file and a rename, so that an
/// interrupted run never leaves a half-written file behind.
pub(crate) fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::new(format!("{} is not a file path", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(".xtask-tmp");
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, contents).map_err(|err| Error::io("write", &tmp, &err))?;
    std::fs::rename(&tmp, path).map_err(|err| {
        // Best effort: do not leave the temporary file behind.
        let _ = std::fs::remove_file(&tmp);
        Error::io("replace", path, &err)
    })
}
