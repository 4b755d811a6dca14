//! The state file: loading it, saving it atomically and durably, and saving it while the
//! emulator runs.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;
use crate::state::StateSnapshot;

/// Reads a state file written by [`save_state`]; `None` if it does not exist.
///
/// A file that is not a state snapshot is reported with the line and column where it is broken,
/// never with its content (it may hold profile values a user would not want in a log).
///
/// # Errors
///
/// [`Error::StateFile`] if it cannot be read, [`Error::StateFileCorrupt`] if it is not a state
/// snapshot.
pub fn load_state(path: &Path) -> Result<Option<StateSnapshot>, Error> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::StateFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    parse_state(path, &text).map(Some)
}

/// Parses the bytes of a state file.
pub(crate) fn parse_state(path: &Path, text: &[u8]) -> Result<StateSnapshot, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let parsed = match serde_path_to_error::deserialize(&mut deserializer) {
        // Anything but white space after the snapshot is an error too.
        Ok(state) => deserializer
            .end()
            .map(|()| state)
            .map_err(|e| (String::new(), e)),
        Err(e) => Err((field_path(e.path()), e.into_inner())),
    };
    parsed.map_err(|(field, e)| {
        use serde_json::error::Category;
        let problem = match e.classify() {
            Category::Io => "unreadable",
            Category::Syntax => "not valid JSON",
            Category::Data => "a value of the wrong type or shape",
            Category::Eof => "the file ends too early (cut short?)",
        };
        Error::StateFileCorrupt {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            field,
            problem,
        }
    })
}

/// The maps of a state file, whose keys are SDKAppIDs, account IDs and profile tags.
const MAPS: &[&str] = &[
    "apps",
    "accounts",
    "profile",
    "friends",
    "pending_out",
    "pending_in",
];

/// `path` with the keys of [`MAPS`] shown as `[…]` (they are the file's content, e.g. account
/// IDs) and every other key, a field name of the format, as it is: e.g.
/// `apps[…].accounts[…].standard_sequence`.
fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    let mut in_map = false;
    for segment in path {
        match segment {
            Segment::Map { key } if in_map => {
                out.push_str("[…]");
                in_map = false;
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                // A field name of the format: letters, digits and underscores only.
                if key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    out.push_str(key);
                    in_map = MAPS.contains(&key.as_str());
                } else {
                    out.push('…');
                }
            }
            Segment::Seq { index } => {
                out.push_str(&format!("[{index}]"));
                in_map = false;
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

/// Writes `state` to `path` as JSON, atomically and durably: into a new temporary file of the
/// same directory (`.NAME.PID.N.tmp`, never `path` itself), synced to disk, renamed over `path`,
/// then the directory synced, so that a crash at any point leaves either the old file or the
/// new one, whole.
///
/// # Errors
///
/// [`Error::StateFile`] if it cannot be written.
pub fn save_state(path: &Path, state: &StateSnapshot) -> Result<(), Error> {
    let json = serde_json::to_vec_pretty(state).map_err(|e| Error::StateFile {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    write_atomically(path, &json)
}

/// The temporary path of a save of `path`: a hidden, unique name in the same directory.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_else(|| "state".as_ref()));
    name.push(format!(".{}.{n}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Removes the temporary files of saves of `path` that a crash interrupted (`.NAME.*.tmp` in
/// its directory); the emulator calls it before it starts saving to `path`.
pub(crate) fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefix = format!(".{name}.");
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        // `.NAME.PID.N.tmp`: two numbers between the prefix and the suffix.
        let stale = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(pid, n)| {
                [pid, n]
                    .iter()
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            });
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `bytes` to `path` through a temporary file, as [`save_state`] describes.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let to_error = |source| Error::StateFile {
        path: path.to_owned(),
        source,
    };
    let tmp = temp_path(path);
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(to_error(source));
    }
    sync_dir(path).map_err(to_error)
}

/// Syncs the directory of `path`, so that the rename itself survives a crash.
#[cfg(unix)]
fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened for syncing on this platform; the rename is as durable as the
/// file system makes it.
#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_path_is_never_the_target() {
        for target in ["x.tmp", "dir/x.tmp", "state.json", ".x.1.0.tmp", "x"] {
            let target = Path::new(target);
            let a = temp_path(target);
            let b = temp_path(target);
            assert_ne!(a, target);
            assert_ne!(a, b, "each save has its own name");
            assert_eq!(a.parent(), target.parent(), "same directory: {a:?}");
        }
    }
}
