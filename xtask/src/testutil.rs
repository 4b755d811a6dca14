//! Test helpers: temporary directories and a small fake workspace.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::process::{self, Output};

/// A directory under the system temporary directory, removed on drop.
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh, empty directory whose name contains `label`.
    pub(crate) fn new(label: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("xtask-{label}-{}-{unique}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).unwrap();
        }
        std::fs::create_dir_all(&path).unwrap();
        Self { path }
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Writes `contents` to `root/relative`, creating parent directories.
pub(crate) fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// The root manifest of the fake workspace.
pub(crate) const ROOT_MANIFEST: &str = r#"# The demo workspace.
[workspace]
resolver = "3"
members = ["crates/*", "tools/xtask"]

[workspace.package]
version = "0.1.0" # bumped by the release task
edition = "2024"
license = "MIT"

[workspace.dependencies]
# Internal crates.
demo-core = { path = "crates/core", version = "0.1.0" }
client = { package = "demo-client", path = "crates/client", version = "0.1.0" }
"#;

/// The changelog of the fake workspace.
pub(crate) const CHANGELOG: &str = "\
# Changelog

## [Unreleased]

### Added

- The client.

## [0.1.0] - 2025-01-02

- First release.

[Unreleased]: https://example.com/demo/compare/v0.1.0...HEAD
[0.1.0]: https://example.com/demo/releases/tag/v0.1.0
";

/// Builds a small workspace in `root`:
///
/// - `demo-core` (publishable, `version.workspace = true`);
/// - `demo-client` (publishable, literal version), depending on `demo-core`
///   through `[workspace.dependencies]`, and through path + version in
///   `[dev-dependencies]` and a target-specific table;
/// - `demo-tool` (`publish = false`, workspace version), depending on
///   `demo-client` through a `[dependencies.demo-client]` table;
/// - `xtask` (`publish = false`, its own version 0.0.0);
/// - a `CHANGELOG.md` with unreleased content and link references.
pub(crate) fn fake_workspace(root: &Path) {
    write(root, "Cargo.toml", ROOT_MANIFEST);
    write(root, "CHANGELOG.md", CHANGELOG);
    write(
        root,
        "crates/core/Cargo.toml",
        r#"[package]
name = "demo-core"
description = "Core."
version.workspace = true
edition.workspace = true
license.workspace = true
"#,
    );
    write(
        root,
        "crates/core/src/lib.rs",
        "//! Core.\n\n/// The answer.\npub fn answer() -> u32 {\n    42\n}\n",
    );
    write(
        root,
        "crates/client/Cargo.toml",
        r#"[package]
name = "demo-client"
description = "Client."
version = "0.1.0"
edition.workspace = true
license.workspace = true

[dependencies]
demo-core.workspace = true

[dev-dependencies]
demo-core = { path = "../core", version = "0.1.0" } # same crate, for tests

[target.'cfg(unix)'.dependencies]
demo-core = { path = "../core", version = "=0.1.0" }
"#,
    );
    write(
        root,
        "crates/client/src/lib.rs",
        "//! Client.\n\n/// The answer, twice.\npub fn twice() -> u32 {\n    demo_core::answer() * 2\n}\n",
    );
    write(
        root,
        "crates/tool/Cargo.toml",
        r#"[package]
name = "demo-tool"
version.workspace = true
edition.workspace = true
publish = false

[dependencies.demo-client]
path = "../client"
version = "0.1.0"
"#,
    );
    write(
        root,
        "crates/tool/src/main.rs",
        "fn main() {\n    println!(\"{}\", demo_client::twice());\n}\n",
    );
    write(
        root,
        "tools/xtask/Cargo.toml",
        r#"[package]
name = "xtask"
version = "0.0.0"
edition = "2024"
publish = false
"#,
    );
    write(root, "tools/xtask/src/main.rs", "fn main() {}\n");
}

/// Writes the fake workspace's `Cargo.lock` (offline: no external crates).
pub(crate) fn generate_lockfile(root: &Path) {
    let mut command = process::cargo(root, &["generate-lockfile", "--offline"]);
    process::run(&mut command, Output::Capture).unwrap();
}
