//! Reading the workspace: its members, their versions, `publish` flags and
//! the dependencies between them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, TableLike};

use crate::error::{Error, Result, bail, read_to_string};

/// What kind of dependency table an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

/// Where a member's version comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VersionSource {
    /// `version.workspace = true`: `[workspace.package].version`.
    Workspace,
    /// A literal `version = "..."` in the member's manifest.
    Literal(String),
    /// No version at all (Cargo then uses 0.0.0 and does not publish).
    Missing,
}

/// A dependency of a member on another member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InternalDep {
    /// The package name of the member depended on.
    pub(crate) package: String,
    /// The table the entry is in, e.g. `[dependencies]` or
    /// `[target.'cfg(unix)'.dev-dependencies]`.
    pub(crate) table: String,
    /// The kind of dependency.
    pub(crate) kind: DepKind,
    /// The version requirement, if any (from `[workspace.dependencies]`
    /// when the entry says `workspace = true`).
    pub(crate) req: Option<String>,
    /// Whether the entry inherits from `[workspace.dependencies]`.
    pub(crate) via_workspace: bool,
}

/// A workspace member.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The package name.
    pub(crate) name: String,
    /// The member's directory (canonical).
    pub(crate) dir: PathBuf,
    /// The member's `Cargo.toml`.
    pub(crate) manifest: PathBuf,
    /// Where the version comes from.
    pub(crate) version: VersionSource,
    /// Whether `cargo publish` may publish the package.
    pub(crate) publishable: bool,
    /// Dependencies on other members.
    pub(crate) deps: Vec<InternalDep>,
}

/// An entry of `[workspace.dependencies]` that points at a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkspaceDep {
    /// The key of the entry.
    pub(crate) key: String,
    /// The package name of the member it points at.
    pub(crate) package: String,
    /// The version requirement, if any.
    pub(crate) req: Option<String>,
}

/// A Cargo workspace as far as releasing is concerned.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    /// The root directory (canonical).
    pub(crate) root: PathBuf,
    /// The root `Cargo.toml`.
    pub(crate) manifest: PathBuf,
    /// `[workspace.package].version`, if set.
    pub(crate) package_version: Option<String>,
    /// The members, in the order `members` lists them.
    pub(crate) members: Vec<Member>,
    /// The entries of `[workspace.dependencies]` that point at members.
    pub(crate) workspace_deps: Vec<WorkspaceDep>,
    /// Which member a path dependency points at.
    resolver: Resolver,
}

/// Maps dependency entries to the members they point at.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolver {
    /// Member directory (canonical) to package name.
    by_dir: HashMap<PathBuf, String>,
    /// `[workspace.dependencies]` key to package name, for internal entries.
    workspace_keys: HashMap<String, String>,
}

impl Resolver {
    /// The member a dependency entry points at: through a `path` relative to
    /// `base`, or through `workspace = true` and an internal
    /// `[workspace.dependencies]` entry. `None` for external dependencies.
    pub(crate) fn resolve(&self, key: &str, entry: &dyn TableLike, base: &Path) -> Option<Target> {
        if entry.get("workspace").and_then(Item::as_bool) == Some(true) {
            return self.workspace_keys.get(key).map(|package| Target {
                package: package.clone(),
                via_workspace: true,
            });
        }
        let path = entry.get("path").and_then(Item::as_str)?;
        let dir = std::fs::canonicalize(base.join(path)).ok()?;
        self.by_dir.get(&dir).map(|package| Target {
            package: package.clone(),
            via_workspace: false,
        })
    }
}

/// The member a dependency entry points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The member's package name.
    pub(crate) package: String,
    /// Whether the entry inherits from `[workspace.dependencies]`.
    pub(crate) via_workspace: bool,
}

impl Workspace {
    /// Loads the workspace whose root `Cargo.toml` is in `root`.
    pub(crate) fn load(root: &Path) -> Result<Self> {
        let root = std::fs::canonicalize(root).map_err(|err| Error::io("open", root, &err))?;
        let manifest = root.join("Cargo.toml");
        let doc = parse_manifest(&manifest)?;
        let Some(workspace) = doc.get("workspace").and_then(Item::as_table_like) else {
            bail!("{} has no [workspace] table", manifest.display());
        };
        let package_version = match workspace.get("package").and_then(|p| p.get("version")) {
            None => None,
            Some(item) => Some(
                item.as_str()
                    .ok_or_else(|| {
                        Error::new(format!(
                            "{}: [workspace.package] version is not a string",
                            manifest.display()
                        ))
                    })?
                    .to_owned(),
            ),
        };
        let workspace_publish = workspace
            .get("package")
            .and_then(|p| p.get("publish"))
            .map(publish_flag);

        // Members: the root package (if any) and the `members` entries.
        let mut dirs = Vec::new();
        if doc.contains_key("package") {
            dirs.push(root.clone());
        }
        let exclude = string_array(workspace.get("exclude"), "workspace.exclude", &manifest)?
            .iter()
            .filter_map(|path| std::fs::canonicalize(root.join(path)).ok())
            .collect::<Vec<_>>();
        for pattern in string_array(workspace.get("members"), "workspace.members", &manifest)? {
            for dir in expand_member(&root, &pattern)? {
                if !exclude.contains(&dir) && !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }

        let mut docs = Vec::new();
        let mut members = Vec::new();
        for dir in dirs {
            let member_manifest = dir.join("Cargo.toml");
            let member_doc = if dir == root {
                doc.clone()
            } else {
                parse_manifest(&member_manifest)?
            };
            let member = read_member(
                &dir,
                &member_manifest,
                &member_doc,
                workspace_publish.as_ref(),
            )?;
            if let Some(other) = members.iter().find(|m: &&Member| m.name == member.name) {
                bail!(
                    "two members are named {}: {} and {}",
                    member.name,
                    other.manifest.display(),
                    member.manifest.display()
                );
            }
            members.push(member);
            docs.push(member_doc);
        }

        let mut resolver = Resolver {
            by_dir: members
                .iter()
                .map(|m| (m.dir.clone(), m.name.clone()))
                .collect(),
            workspace_keys: HashMap::new(),
        };
        let mut workspace_deps = Vec::new();
        if let Some(table) = workspace.get("dependencies").and_then(Item::as_table_like) {
            for (key, item) in table.iter() {
                let Some(entry) = item.as_table_like() else {
                    continue;
                };
                // `workspace = true` is meaningless here; only paths count.
                if entry.contains_key("workspace") {
                    continue;
                }
                if let Some(target) = resolver.resolve(key, entry, &root) {
                    workspace_deps.push(WorkspaceDep {
                        key: key.to_owned(),
                        package: target.package,
                        req: entry
                            .get("version")
                            .and_then(Item::as_str)
                            .map(str::to_owned),
                    });
                }
            }
        }
        resolver.workspace_keys = workspace_deps
            .iter()
            .map(|dep| (dep.key.clone(), dep.package.clone()))
            .collect();
        let workspace_reqs: HashMap<&str, Option<String>> = workspace_deps
            .iter()
            .map(|dep| (dep.key.as_str(), dep.req.clone()))
            .collect();

        for (member, member_doc) in members.iter_mut().zip(&docs) {
            for (table, kind, item) in dependency_tables(member_doc.as_table()) {
                let Some(entries) = item.as_table_like() else {
                    continue;
                };
                for (key, entry) in entries.iter() {
                    let Some(entry) = entry.as_table_like() else {
                        continue;
                    };
                    let Some(target) = resolver.resolve(key, entry, &member.dir) else {
                        continue;
                    };
                    let req = if target.via_workspace {
                        workspace_reqs.get(key).cloned().flatten()
                    } else {
                        entry
                            .get("version")
                            .and_then(Item::as_str)
                            .map(str::to_owned)
                    };
                    member.deps.push(InternalDep {
                        package: target.package,
                        table: table.clone(),
                        kind,
                        req,
                        via_workspace: target.via_workspace,
                    });
                }
            }
        }

        Ok(Self {
            root,
            manifest,
            package_version,
            members,
            workspace_deps,
            resolver,
        })
    }

    /// The resolver of dependency entries to members.
    pub(crate) fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// A path relative to the root, for messages.
    pub(crate) fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// Reads and parses a manifest.
pub(crate) fn parse_manifest(path: &Path) -> Result<DocumentMut> {
    let text = read_to_string(path)?;
    text.parse::<DocumentMut>()
        .map_err(|err| Error::new(format!("cannot parse {}: {err}", path.display())))
}

/// Reads the package facts of a member manifest.
fn read_member(
    dir: &Path,
    manifest: &Path,
    doc: &DocumentMut,
    workspace_publish: Option<&Result<bool>>,
) -> Result<Member> {
    let Some(package) = doc.get("package").and_then(Item::as_table_like) else {
        bail!("{} has no [package] table", manifest.display());
    };
    let Some(name) = package.get("name").and_then(Item::as_str) else {
        bail!(
            "{}: package.name is missing or not a string",
            manifest.display()
        );
    };
    let version = match package.get("version") {
        None => VersionSource::Missing,
        Some(item) => {
            if let Some(text) = item.as_str() {
                VersionSource::Literal(text.to_owned())
            } else if inherits(item) {
                VersionSource::Workspace
            } else {
                bail!(
                    "{}: package.version must be a string or `version.workspace = true`",
                    manifest.display()
                );
            }
        }
    };
    let publish = match package.get("publish") {
        // Cargo does not publish a package without a version.
        None => version != VersionSource::Missing,
        Some(item) if inherits(item) => match workspace_publish {
            Some(flag) => flag
                .clone()
                .map_err(|err| Error::new(format!("{}: {err}", manifest.display())))?,
            None => bail!(
                "{}: publish.workspace = true but [workspace.package] has no publish",
                manifest.display()
            ),
        },
        Some(item) => publish_flag(item)
            .map_err(|err| Error::new(format!("{}: {err}", manifest.display())))?,
    };
    if publish && version == VersionSource::Missing {
        bail!(
            "{}: a package without a version cannot be published; set publish = false",
            manifest.display()
        );
    }
    Ok(Member {
        name: name.to_owned(),
        dir: dir.to_path_buf(),
        manifest: manifest.to_path_buf(),
        version,
        publishable: publish,
        deps: Vec::new(),
    })
}

/// Whether a field is `{ workspace = true }` (inline or dotted).
fn inherits(item: &Item) -> bool {
    item.as_table_like()
        .and_then(|t| t.get("workspace"))
        .and_then(Item::as_bool)
        == Some(true)
}

/// Reads a `publish` field: a boolean, or a list of registries (empty: false).
fn publish_flag(item: &Item) -> Result<bool> {
    if let Some(flag) = item.as_bool() {
        return Ok(flag);
    }
    if let Some(registries) = item.as_array() {
        return Ok(!registries.is_empty());
    }
    bail!("publish must be a boolean or a list of registries")
}

/// Reads an optional array of strings.
fn string_array(item: Option<&Item>, what: &str, manifest: &Path) -> Result<Vec<String>> {
    let Some(item) = item else {
        return Ok(Vec::new());
    };
    let Some(array) = item.as_array() else {
        bail!("{}: {what} is not an array", manifest.display());
    };
    array
        .iter()
        .map(|value| {
            value.as_str().map(str::to_owned).ok_or_else(|| {
                Error::new(format!(
                    "{}: {what} has an entry that is not a string",
                    manifest.display()
                ))
            })
        })
        .collect()
}

/// Expands one `members` entry: a path, or a path ending in `/*` (every
/// directory in it that has a `Cargo.toml`, sorted by name).
fn expand_member(root: &Path, pattern: &str) -> Result<Vec<PathBuf>> {
    let (parent, glob) = match pattern.strip_suffix("/*") {
        Some(parent) => (parent, true),
        None if pattern == "*" => ("", true),
        None => (pattern, false),
    };
    if parent.contains(['*', '?', '[', ']']) {
        bail!(
            "unsupported `members` pattern `{pattern}`: only paths and a trailing `/*` are understood"
        );
    }
    let base = root.join(parent);
    if !glob {
        if !base.join("Cargo.toml").is_file() {
            bail!("workspace member `{pattern}` has no Cargo.toml");
        }
        let dir = std::fs::canonicalize(&base).map_err(|err| Error::io("open", &base, &err))?;
        return Ok(vec![dir]);
    }
    if !base.is_dir() {
        // A glob over a directory that does not exist (yet) matches nothing.
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&base).map_err(|err| Error::io("list", &base, &err))?;
    let mut dirs = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|err| Error::io("list", &base, &err))?;
        let path = entry.path();
        if path.join("Cargo.toml").is_file() {
            let dir = std::fs::canonicalize(&path).map_err(|err| Error::io("open", &path, &err))?;
            dirs.insert(entry.file_name(), dir);
        }
    }
    Ok(dirs.into_values().collect())
}

/// The dependency tables of a manifest, with a label and kind:
/// `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` (and
/// their old underscore spellings), plain and under `[target.*]`.
pub(crate) fn dependency_tables(root: &Table) -> Vec<(String, DepKind, &Item)> {
    let mut tables = Vec::new();
    for (key, item) in root.iter() {
        if let Some(kind) = dep_kind(key) {
            tables.push((format!("[{key}]"), kind, item));
        } else if key == "target" {
            let Some(targets) = item.as_table_like() else {
                continue;
            };
            for (target, item) in targets.iter() {
                let Some(target_table) = item.as_table_like() else {
                    continue;
                };
                for (key, item) in target_table.iter() {
                    if let Some(kind) = dep_kind(key) {
                        tables.push((format!("[target.{}.{key}]", quote_key(target)), kind, item));
                    }
                }
            }
        }
    }
    tables
}

/// The mutable counterpart of [`dependency_tables`].
pub(crate) fn dependency_tables_mut(root: &mut Table) -> Vec<(String, DepKind, &mut Item)> {
    let mut tables = Vec::new();
    for (key, item) in root.iter_mut() {
        let key = key.get().to_owned();
        if let Some(kind) = dep_kind(&key) {
            tables.push((format!("[{key}]"), kind, item));
        } else if key == "target" {
            let Some(targets) = item.as_table_like_mut() else {
                continue;
            };
            for (target, item) in targets.iter_mut() {
                let target = quote_key(target.get());
                let Some(target_table) = item.as_table_like_mut() else {
                    continue;
                };
                for (key, item) in target_table.iter_mut() {
                    if let Some(kind) = dep_kind(key.get()) {
                        tables.push((format!("[target.{target}.{}]", key.get()), kind, item));
                    }
                }
            }
        }
    }
    tables
}

/// The kind of a dependency table by its key.
fn dep_kind(key: &str) -> Option<DepKind> {
    match key {
        "dependencies" => Some(DepKind::Normal),
        "dev-dependencies" | "dev_dependencies" => Some(DepKind::Dev),
        "build-dependencies" | "build_dependencies" => Some(DepKind::Build),
        _ => None,
    }
}

/// Writes a key as TOML would need it in a table header.
fn quote_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        key.to_owned()
    } else {
        format!("'{key}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TempDir, fake_workspace};

    impl Workspace {
        /// The member with the given package name.
        pub(crate) fn member(&self, name: &str) -> Option<&Member> {
            self.members.iter().find(|m| m.name == name)
        }
    }

    #[test]
    fn discovers_members_versions_and_internal_deps() {
        let dir = TempDir::new("workspace-load");
        fake_workspace(dir.path());
        let ws = Workspace::load(dir.path()).unwrap();

        let names: Vec<_> = ws.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["demo-client", "demo-core", "demo-tool", "xtask"]);
        assert_eq!(ws.package_version.as_deref(), Some("0.1.0"));

        let core = ws.member("demo-core").unwrap();
        assert_eq!(core.version, VersionSource::Workspace);
        assert!(core.publishable);
        assert!(core.deps.is_empty());

        let client = ws.member("demo-client").unwrap();
        assert_eq!(client.version, VersionSource::Literal("0.1.0".into()));
        assert!(client.publishable);
        let client_deps: Vec<_> = client
            .deps
            .iter()
            .map(|d| {
                (
                    d.package.as_str(),
                    d.table.as_str(),
                    d.kind,
                    d.req.as_deref(),
                    d.via_workspace,
                )
            })
            .collect();
        assert_eq!(
            client_deps,
            [
                (
                    "demo-core",
                    "[dependencies]",
                    DepKind::Normal,
                    Some("0.1.0"),
                    true
                ),
                (
                    "demo-core",
                    "[dev-dependencies]",
                    DepKind::Dev,
                    Some("0.1.0"),
                    false
                ),
                (
                    "demo-core",
                    "[target.'cfg(unix)'.dependencies]",
                    DepKind::Normal,
                    Some("=0.1.0"),
                    false
                ),
            ]
        );

        let tool = ws.member("demo-tool").unwrap();
        assert!(!tool.publishable);
        assert_eq!(tool.deps.len(), 1);
        assert_eq!(tool.deps[0].package, "demo-client");

        let xtask = ws.member("xtask").unwrap();
        assert_eq!(xtask.version, VersionSource::Literal("0.0.0".into()));
        assert!(!xtask.publishable);

        let ws_deps: Vec<_> = ws
            .workspace_deps
            .iter()
            .map(|d| (d.key.as_str(), d.package.as_str()))
            .collect();
        assert_eq!(
            ws_deps,
            [("demo-core", "demo-core"), ("client", "demo-client")]
        );
    }

    #[test]
    fn rejects_unsupported_globs_and_missing_members() {
        let dir = TempDir::new("workspace-globs");
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/a*\"]\n",
        )
        .unwrap();
        let err = Workspace::load(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("unsupported `members` pattern"),
            "{err}"
        );

        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"nope\"]\n",
        )
        .unwrap();
        let err = Workspace::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("has no Cargo.toml"), "{err}");
    }
}
