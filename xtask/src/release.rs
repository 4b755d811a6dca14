//! `cargo xtask release`: the lockstep version bump, the changelog roll, the `Cargo.lock`
//! update, `cargo semver-checks` when installed and `cargo publish --workspace --dry-run`.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::MetadataCommand;
use semver::Version;
use time::Date;
use toml_edit::{DocumentMut, Item, TableLike};

use crate::{Result, cargo, changelog, describe, exec};

/// The changelog, at the workspace root.
const CHANGELOG: &str = "CHANGELOG.md";

/// The version `target` asks for from `current`: `patch`, `minor`, `major` or an explicit
/// version (`0.2.0`, `v0.2.0`).
fn resolve(target: &str, current: &Version) -> Result<Version> {
    let (major, minor, patch) = (current.major, current.minor, current.patch);
    Ok(match target {
        "patch" => Version::new(major, minor, patch + 1),
        "minor" => Version::new(major, minor + 1, 0),
        "major" => Version::new(major + 1, 0, 0),
        _ => Version::parse(target.strip_prefix('v').unwrap_or(target))
            .map_err(|err| format!("`{target}`: {err}; give X.Y.Z, patch, minor or major"))?,
    })
}

/// Checks the version argument.
pub(crate) fn check_target(target: &str) -> Result<String> {
    resolve(target, &Version::new(0, 0, 0)).map(|_| target.to_owned())
}

/// Parses `--date`: an existing `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Result<Date> {
    let format = time::format_description::parse("[year]-[month]-[day]");
    let date = format.map(|format| Date::parse(text, &format));
    date.ok().and_then(Result::ok).ok_or(format!(
        "invalid date `{text}`: expected an existing YYYY-MM-DD"
    ))
}

/// What `release` does.
#[derive(Debug, clap::Args)]
pub(crate) struct Options {
    /// The version: X.Y.Z, or patch, minor or major from the current one.
    #[arg(value_parser = check_target, value_name = "X.Y.Z|patch|minor|major")]
    pub(crate) target: String,
    /// Edit the manifests and CHANGELOG.md (on a clean `main`), update Cargo.lock, run
    /// `cargo semver-checks` when installed and `cargo publish --workspace --dry-run`.
    #[arg(long)]
    pub(crate) execute: bool,
    /// The date of the changelog heading, YYYY-MM-DD [default: today in UTC].
    #[arg(long, value_parser = parse_date)]
    pub(crate) date: Option<Date>,
    /// Skip `cargo publish --workspace --dry-run` (it reads the crates.io index).
    #[arg(long)]
    pub(crate) no_publish_check: bool,
    /// Capture the output of the commands and write it to `out` (the tests).
    #[arg(skip)]
    pub(crate) quiet: bool,
    /// More environment for `cargo semver-checks` (the tests point it at a stand-in).
    #[arg(skip)]
    pub(crate) semver_checks_env: Vec<(&'static str, OsString)>,
}

/// Everything a release would do, computed without touching the workspace.
#[derive(Debug)]
struct Plan {
    root: PathBuf,
    date: Date,
    current: Version,
    new: Version,
    /// The crates `cargo publish --workspace` publishes.
    published: Vec<String>,
    /// The files to edit: the path, the changes (one line each) and the new content.
    edits: Vec<(PathBuf, Vec<String>, String)>,
    /// Whether the changelog has an earlier release, whose API `cargo semver-checks` compares.
    released_before: bool,
    /// What to look at in the changelog.
    warnings: Vec<String>,
}

/// Moves manifest versions from the current version to the new one, recording each change.
struct Bump<'a> {
    /// The members at the current version.
    lockstep: BTreeSet<&'a str>,
    current: String,
    new: String,
    changes: Vec<String>,
}

impl Bump<'_> {
    /// Sets a version string, keeping the comments around it.
    fn set(&mut self, item: &mut Item, what: &str) -> Result<()> {
        let (current, new) = (&self.current, &self.new);
        match item.as_str() {
            Some(old) if old == new => return Ok(()),
            Some(old) if old == current => {}
            _ => {
                let old = item.to_string();
                let old = old.trim();
                return Err(format!(
                    "{what} is {old}, not the lockstep version \"{current}\""
                ));
            }
        }
        if let Some(value) = item.as_value_mut() {
            let decor = value.decor().clone();
            *value = new.into();
            *value.decor_mut() = decor;
        }
        self.changes
            .push(format!("{what} \"{current}\" -> \"{new}\""));
        Ok(())
    }

    /// Bumps the `version` of the entries of the dependency tables in `table` that name a
    /// lockstep crate (an entry with a path only, stripped by `cargo publish`, has none).
    fn requirements(&mut self, table: &mut dyn TableLike, prefix: &str) -> Result<()> {
        for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
            let deps = table.get_mut(kind).and_then(Item::as_table_like_mut);
            for (key, entry) in deps.into_iter().flat_map(|deps| deps.iter_mut()) {
                let Some(entry) = entry.as_table_like_mut() else {
                    continue;
                };
                let name = entry.get("package").and_then(Item::as_str);
                let internal = self.lockstep.contains(name.unwrap_or(&key));
                if let Some(version) = entry.get_mut("version").filter(|_| internal) {
                    self.set(version, &format!("[{prefix}{kind}] {} version", key.get()))?;
                }
            }
        }
        Ok(())
    }
}

/// Reads and parses a manifest for editing.
fn read_manifest(path: &Path) -> Result<DocumentMut> {
    let error = |err: &dyn std::fmt::Display| format!("{}: {err}", path.display());
    std::fs::read_to_string(path)
        .map_err(|e| error(&e))?
        .parse()
        .map_err(|e| error(&e))
}

/// Computes the release plan for the workspace at `root`.
fn plan(root: &Path, target: &str, date: Date) -> Result<Plan> {
    let mut metadata = MetadataCommand::new();
    metadata.manifest_path(root.join("Cargo.toml")).no_deps();
    let metadata = metadata
        .exec()
        .map_err(|err| format!("cargo metadata: {err}"))?;
    let root = metadata.workspace_root.clone().into_std_path_buf();
    let root_manifest = root.join("Cargo.toml");
    let mut doc = read_manifest(&root_manifest)?;
    let Some(workspace) = doc.get_mut("workspace").and_then(Item::as_table_like_mut) else {
        return Err(format!("{} has no [workspace]", root_manifest.display()));
    };
    let version = workspace.get("package").and_then(|p| p.get("version"));
    let Some(Ok(current)) = version.and_then(Item::as_str).map(Version::parse) else {
        return Err("[workspace.package] needs the version the crates share".into());
    };
    let new = resolve(target, &current)?;
    if new.cmp_precedence(&current).is_lt() {
        return Err(format!("{new} is lower than the current version {current}"));
    }

    let members = metadata.workspace_packages();
    let published: Vec<_> = members
        .iter()
        .filter(|p| p.publish.as_ref().is_none_or(|to| !to.is_empty()))
        .collect();
    if let Some(p) = published.iter().find(|p| p.version != current) {
        let (name, version) = (&p.name, &p.version);
        return Err(format!(
            "the published crates share {current}, but {name} is {version}"
        ));
    }
    let lockstep = members.iter().filter(|p| p.version == current);
    let mut bump = Bump {
        lockstep: lockstep.map(|p| p.name.as_str()).collect(),
        current: current.to_string(),
        new: new.to_string(),
        changes: Vec::new(),
    };
    let version = workspace
        .get_mut("package")
        .and_then(|p| p.get_mut("version"));
    if let Some(version) = version {
        bump.set(version, "[workspace.package] version")?;
    }
    bump.requirements(workspace, "workspace.")?;
    let changes = bump.changes.split_off(0);
    let mut edits = vec![(root_manifest.clone(), changes, doc.to_string())];
    for member in members.iter().filter(|p| p.manifest_path != root_manifest) {
        let path = member.manifest_path.clone().into_std_path_buf();
        let mut doc = read_manifest(&path)?;
        let version = doc.get_mut("package").and_then(|p| p.get_mut("version"));
        let lockstep = bump.lockstep.contains(&*member.name);
        if let Some(version) = version.filter(|v| v.is_str() && lockstep) {
            bump.set(version, "[package] version")?;
        }
        bump.requirements(doc.as_table_mut(), "")?;
        let targets = doc.get_mut("target").and_then(Item::as_table_like_mut);
        for (cfg, target) in targets.into_iter().flat_map(|t| t.iter_mut()) {
            if let Some(target) = target.as_table_like_mut() {
                bump.requirements(target, &format!("target.'{}'.", cfg.get()))?;
            }
        }
        edits.push((path, bump.changes.split_off(0), doc.to_string()));
    }

    let path = root.join(CHANGELOG);
    let text = std::fs::read_to_string(&path).map_err(|err| format!("{CHANGELOG}: {err}"))?;
    let mut warnings = Vec::new();
    if !changelog::has_section(&text, &new) {
        let rolled = changelog::roll(&text, &current, &new, date);
        let rolled = rolled.map_err(|err| format!("{CHANGELOG}: {err}"))?;
        warnings = rolled.warnings;
        edits.push((path, rolled.changes, rolled.text));
    } else if new != current {
        return Err(format!(
            "{CHANGELOG} already has a section for {new}, but the workspace is at {current}: \
             it was rolled without the version bump; undo one of the two"
        ));
    }
    edits.retain(|(_, changes, _)| !changes.is_empty());
    let released_before = changelog::released_before(&text, &new);
    if !released_before && new != current {
        let note = "no release yet: a first release usually keeps its version";
        warnings.push(format!("{note} (`cargo xtask release {current}`)"));
    }
    Ok(Plan {
        published: published.iter().map(|p| p.name.clone()).collect(),
        released_before,
        root,
        date,
        current,
        new,
        edits,
        warnings,
    })
}

/// Runs git in `root`; its output, trimmed.
fn git(root: &Path, args: &[&str]) -> Result<String> {
    let output = exec(Command::new("git").args(args).current_dir(root), true)?;
    Ok(String::from_utf8_lossy(&output.stdout).trim_end().into())
}

/// Why `--execute` may not run: not on `main`, or a work tree with uncommitted changes when
/// there are files to edit.
fn git_problem(root: &Path, will_edit: bool) -> Option<String> {
    let from_main = "releases are cut from `main`";
    let problem = match git(root, &["rev-parse", "--abbrev-ref", "HEAD"]) {
        Ok(branch) if branch == "main" => None,
        Ok(branch) if branch == "HEAD" => Some(format!("{from_main}, and HEAD is detached")),
        Ok(branch) => Some(format!("{from_main}, and this is `{branch}`")),
        Err(err) => Some(format!("not a git work tree: {err}")),
    };
    problem.or_else(|| match git(root, &["status", "--porcelain"]) {
        Ok(status) if status.is_empty() || !will_edit => None,
        Ok(status) => Some(format!(
            "the work tree has uncommitted changes; commit or stash them first:\n{status}"
        )),
        Err(err) => Some(err),
    })
}

/// Plans the release and, with `--execute`, applies it.
pub(crate) fn run(root: &Path, options: &Options, out: &mut dyn Write) -> Result<()> {
    let today = || time::OffsetDateTime::now_utc().date();
    let plan = plan(root, &options.target, options.date.unwrap_or_else(today))?;
    // What `--execute` runs after the edits, in order; `Err` is a step skipped, and why.
    let mut steps: Vec<std::result::Result<Command, String>> = Vec::new();
    if plan.root.join("Cargo.lock").is_file() {
        let update = ["update", "--workspace", "--offline"];
        steps.push(Ok(cargo(&plan.root, &update)));
    }
    let semver_checks = |arg| {
        let mut command = cargo(&plan.root, &["semver-checks", arg]);
        command.envs(options.semver_checks_env.iter().cloned());
        command
    };
    steps.push(if !plan.released_before {
        Err("cargo semver-checks: skipped, a first release has no API to compare with".into())
    } else if exec(&mut semver_checks("--version"), true).is_err() {
        let skip = "cargo semver-checks: not installed, skipped";
        Err(format!("{skip} (cargo install cargo-semver-checks)"))
    } else {
        Ok(semver_checks("--workspace"))
    });
    steps.push(if options.no_publish_check {
        Err("cargo publish --workspace --dry-run: skipped (--no-publish-check)".into())
    } else {
        let publish = ["publish", "--workspace", "--dry-run", "--allow-dirty"];
        Ok(cargo(&plan.root, &publish))
    });
    let git = git_problem(&plan.root, !plan.edits.is_empty());
    let then: Vec<String> = steps
        .iter()
        .map(|s| s.as_ref().map_or_else(Clone::clone, describe))
        .collect();
    let _ = out.write_all(describe_plan(&plan, options.execute, &then, &git).as_bytes());
    if !options.execute {
        return Ok(());
    } else if let Some(git) = git {
        return Err(format!("refusing to release: {git}\nnothing was changed"));
    }

    for (path, _, text) in &plan.edits {
        // Through a sibling file and a rename: an interrupted run leaves no half-written file.
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".xtask-tmp");
        let written = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
        written.map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        let _ = writeln!(out, "Edited {}", relative(&plan, path));
    }
    for mut step in steps.into_iter().flatten() {
        let _ = writeln!(out, "==> {}", describe(&step));
        let _ = out.flush();
        let output = exec(&mut step, options.quiet).map_err(|err| {
            format!(
                "{err}\nthe edits are in place; once the problem is fixed, commit and run \
                 `cargo xtask release {} --execute` again to repeat the checks",
                plan.new
            )
        })?;
        let _ = out.write_all(&[output.stdout, output.stderr].concat());
    }
    let (new, tag) = (&plan.new, format!("v{}", plan.new));
    let next = format!("git commit -am \"chore: release {tag}\"\n  git tag -a {tag} -m {tag}");
    let next = format!("{next}\n  cargo publish --workspace\n  git push --follow-tags");
    let _ = writeln!(out, "\nRelease {new} prepared. Next:\n  git diff\n  {next}");
    Ok(())
}

/// A path relative to the workspace root, for messages.
fn relative(plan: &Plan, path: &Path) -> String {
    let path = path.strip_prefix(&plan.root).unwrap_or(path);
    path.display().to_string()
}

/// The plan as text.
fn describe_plan(plan: &Plan, execute: bool, then: &[String], git: &Option<String>) -> String {
    let (current, new) = (&plan.current, &plan.new);
    let mut text = if plan.edits.is_empty() {
        format!("Already at {new}: the manifests have it and {CHANGELOG} has its section. ")
            + "No file to edit.\n"
    } else {
        let mode = match execute {
            true => "applying",
            false => "dry run; add --execute to apply",
        };
        let (date, published) = (plan.date, plan.published.join(", "));
        let mut text = format!(
            "Release plan ({mode})\n  version: {current} -> {new}\n  date:    {date}\n  \
             published: {published}\n\nFiles to edit:\n"
        );
        for (path, changes, _) in &plan.edits {
            let (path, changes) = (relative(plan, path), changes.join("\n    "));
            text += &format!("  {path}\n    {changes}\n");
        }
        text
    };
    text += &format!("\nThen (with --execute):\n  {}\n", then.join("\n  "));
    if !plan.warnings.is_empty() {
        let warnings = plan.warnings.join("\n  - ");
        text += &format!("\n{CHANGELOG} warnings:\n  - {warnings}\n");
    }
    if let Some(git) = git {
        text += &format!("\n--execute refuses to run:\n  - {git}\n");
    }
    text
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fixture, git};

    fn options(target: &str, execute: bool) -> Options {
        Options {
            target: target.into(),
            execute,
            date: parse_date("2025-03-04").ok(),
            no_publish_check: true,
            quiet: true,
            // No `cargo-semver-checks`, whatever this machine has installed.
            semver_checks_env: vec![("PATH", "".into()), ("CARGO_HOME", "/nonexistent".into())],
        }
    }

    /// Runs a release: its result and output.
    fn release(root: &Path, options: &Options) -> (Result<()>, String) {
        let mut out = Vec::new();
        let result = run(root, options, &mut out);
        (result, String::from_utf8(out).unwrap())
    }

    fn read(root: &Path, file: &str) -> String {
        std::fs::read_to_string(root.join(file)).unwrap()
    }

    /// The files a release may touch.
    fn snapshot(root: &Path) -> Vec<String> {
        let files = "Cargo.toml Cargo.lock CHANGELOG.md crates/core/Cargo.toml \
                     crates/client/Cargo.toml xtask/Cargo.toml";
        files.split(' ').map(|file| read(root, file)).collect()
    }

    #[test]
    fn dry_run_changes_nothing_execute_bumps_in_lockstep_and_a_rerun_changes_nothing() {
        let dir = fixture();
        let root = dir.path();
        let before = snapshot(root);
        let (result, out) = release(root, &options("minor", false));
        result.unwrap();
        assert_eq!(snapshot(root), before);
        for expected in [
            "Release plan (dry run; add --execute to apply)\n  version: 0.1.0 -> 0.2.0\n",
            "  published: demo-core, demo-client\n",
            "  Cargo.toml\n    [workspace.package] version \"0.1.0\" -> \"0.2.0\"\n",
            "    [workspace.dependencies] client version \"0.1.0\" -> \"0.2.0\"\n",
            "    [target.'cfg(unix)'.dependencies] demo-core version \"0.1.0\" -> \"0.2.0\"\n",
            "link [0.2.0]: https://example.com/demo/compare/v0.1.0...v0.2.0 (new)",
            "  cargo update --workspace --offline\n  cargo semver-checks: not installed, skipped",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
        }
        assert!(
            !out.contains("--execute refuses") && !out.contains("xtask"),
            "{out}"
        );

        let (result, out) = release(root, &options("0.2.0", true));
        result.unwrap();
        // Formatting and comments stay; only the versions change.
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixture");
        for file in ["Cargo.toml", "crates/client/Cargo.toml", "xtask/Cargo.toml"] {
            let bumped = read(&fixture, file).replace("\"0.1.0\"", "\"0.2.0\"");
            assert_eq!(read(root, file), bumped, "{file}");
        }
        let lock = read(root, "Cargo.lock");
        assert!(
            lock.contains("name = \"demo-client\"\nversion = \"0.2.0\""),
            "{lock}"
        );
        assert!(
            lock.contains("name = \"demo-core\"\nversion = \"0.2.0\""),
            "{lock}"
        );
        let changelog = read(root, "CHANGELOG.md");
        assert!(changelog.contains("## [Unreleased]\n\n## [0.2.0] - 2025-03-04\n\n### Added"));
        assert!(out.contains("git tag -a v0.2.0 -m v0.2.0\n  cargo publish --workspace\n"));

        // Again, before the commit and after it: nothing to edit, with or without --execute.
        let after = snapshot(root);
        for (commit, execute) in [(false, true), (false, false), (true, true)] {
            if commit {
                git(root, "commit -qam release");
            }
            let (result, out) = release(root, &options("0.2.0", execute));
            result.unwrap();
            assert!(out.starts_with("Already at 0.2.0"), "{out}");
            assert_eq!(snapshot(root), after);
        }
    }

    #[test]
    fn execute_refuses_a_dirty_tree_and_other_branches() {
        let dir = fixture();
        let root = dir.path();
        std::fs::write(root.join("notes.txt"), "draft").unwrap();
        let before = snapshot(root);
        let (result, out) = release(root, &options("patch", true));
        let err = result.unwrap_err();
        assert!(err.contains("uncommitted changes; commit or stash them first:\n?? notes.txt"));
        assert!(err.ends_with("nothing was changed"), "{err}");
        assert!(out.contains("--execute refuses to run:\n  - the work tree has uncommitted"));
        assert_eq!(snapshot(root), before);

        for args in ["add notes.txt", "commit -qm notes", "checkout -qb topic"] {
            git(root, args);
        }
        let (result, out) = release(root, &options("patch", true));
        assert!(
            result
                .unwrap_err()
                .contains("releases are cut from `main`, and this is `topic`")
        );
        assert!(out.contains("  - releases are cut from `main`, and this is `topic`"));
        assert_eq!(snapshot(root), before);
    }

    #[test]
    fn refuses_lower_versions_mixed_versions_and_a_changelog_rolled_alone() {
        let dir = fixture();
        let root = dir.path();
        let edit = |file: &str, from: &str, to: &str| {
            std::fs::write(root.join(file), read(root, file).replace(from, to)).unwrap();
        };
        let error = |target: &str| release(root, &options(target, false)).0.unwrap_err();
        assert!(error("0.0.9").contains("0.0.9 is lower than the current version 0.1.0"));

        edit("CHANGELOG.md", "## [0.1.0]", "## [0.2.0] - x\n\n## [0.1.0]");
        let err = error("0.2.0");
        assert!(err.contains("already has a section for 0.2.0, but the workspace is at 0.1.0"));

        let core = "crates/core/Cargo.toml";
        edit(core, "version.workspace = true", "version = \"0.1.5\"");
        assert!(error("0.3.0").contains("share 0.1.0, but demo-core is 0.1.5"));

        edit(core, "version = \"0.1.5\"", "version.workspace = true");
        edit("crates/client/Cargo.toml", "\"0.1.0\" }", "\"^0.1\" }");
        let err = error("0.3.0");
        assert!(err.contains("[dev-dependencies] demo-core version is \"^0.1\", not the"));
    }

    #[test]
    fn semver_checks_run_when_installed_and_are_skipped_for_a_first_release() {
        let dir = fixture();
        let root = dir.path();
        // A stand-in `cargo-semver-checks` that records its arguments and the version it saw.
        let bin = tempfile::tempdir().unwrap();
        let (fake, log) = (
            bin.path().join("cargo-semver-checks"),
            bin.path().join("log"),
        );
        let script = format!(
            "#!/bin/sh\n[ \"$2\" = --version ] && exit 0\necho \"$@\" > {log}\n\
             grep -o 'version = \"0.2.0\"' Cargo.toml | head -1 >> {log}\n",
            log = log.display()
        );
        std::fs::write(&fake, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut options = options("minor", true);
        options.semver_checks_env[0].1 = bin.path().join(":/usr/bin:/bin").into();
        let (result, out) = release(root, &options);
        result.unwrap();
        assert!(out.contains(" cargo semver-checks --workspace\n"), "{out}");
        let seen = std::fs::read_to_string(&log).unwrap();
        assert_eq!(seen, "semver-checks --workspace\nversion = \"0.2.0\"\n");

        std::fs::write(root.join("CHANGELOG.md"), "## [Unreleased]\n\n- All.\n").unwrap();
        git(root, "commit -qam release");
        let (result, out) = release(root, &options);
        result.unwrap();
        assert!(
            out.contains("semver-checks: skipped, a first release has no API"),
            "{out}"
        );
        assert!(!out.contains(" cargo semver-checks --workspace\n"), "{out}");
    }

    #[test]
    fn plans_this_workspace_without_changing_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let plan = plan(root, "minor", parse_date("2025-03-04").unwrap()).unwrap();
        assert!(
            plan.published
                .iter()
                .any(|name| name == "tencent-im-protocol")
        );
        assert!(!plan.published.iter().any(|name| name == "xtask"));
        let (path, changes, _) = &plan.edits[0];
        assert_eq!(path, &root.join("Cargo.toml"));
        let protocol = "[workspace.dependencies] tencent-im-protocol version";
        assert!(
            changes.iter().any(|c| c.starts_with(protocol)),
            "{changes:?}"
        );
    }

    /// `cargo publish --workspace --dry-run` packages and builds the crates in dependency order;
    /// it reads the crates.io index. Run with `cargo test -p xtask -- --ignored`.
    #[test]
    #[ignore = "needs the crates.io index"]
    fn publish_dry_run_packages_the_crates_in_order() {
        let dir = fixture();
        let mut options = options("minor", true);
        options.no_publish_check = false;
        let (result, out) = release(dir.path(), &options);
        result.unwrap();
        let core = out.find("Packaging demo-core v0.2.0").unwrap();
        let client = out.find("Packaging demo-client v0.2.0").unwrap();
        assert!(core < client && !out.contains("Packaging xtask"), "{out}");
    }

    #[test]
    fn targets() {
        let current = Version::new(0, 9, 3);
        let resolve = |target: &str| resolve(target, &current).unwrap().to_string();
        assert_eq!(resolve("patch") + " " + &resolve("minor"), "0.9.4 0.10.0");
        assert_eq!(
            resolve("major") + " " + &resolve("v1.0.0-rc.1"),
            "1.0.0 1.0.0-rc.1"
        );
        assert!(check_target("0.3").is_err() && check_target("next").is_err());
    }
}
