//! `cargo xtask release`: lockstep version bumps, the changelog roll, the
//! lockfile update and a `cargo publish --dry-run` of every publishable
//! crate in dependency order.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::changelog::{self, Rolled};
use crate::clock::Date;
use crate::error::{Error, Result, bail, read_to_string, write_atomically};
use crate::process::{self, Output};
use crate::version::{Target, Version};
use crate::workspace::{DepKind, Resolver, VersionSource, Workspace, dependency_tables_mut};

/// The changelog's file name, at the workspace root.
pub(crate) const CHANGELOG: &str = "CHANGELOG.md";

/// What `release` should do besides planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// The version asked for.
    pub(crate) target: Target,
    /// Apply the plan (otherwise only print it).
    pub(crate) execute: bool,
    /// The date of the release heading.
    pub(crate) date: Date,
    /// Update `Cargo.lock` with `cargo update --workspace --offline`.
    pub(crate) update_lockfile: bool,
    /// Run `cargo publish --dry-run` for the publishable crates.
    pub(crate) publish_check: bool,
    /// What to do with the output of the Cargo commands.
    pub(crate) output: Output,
}

/// How a `release` run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The plan was printed (dry run).
    Planned,
    /// The plan was applied and checked.
    Applied,
    /// The workspace is already at the version and the changelog has its
    /// section: no file was edited (with `--execute`, the Cargo steps ran
    /// again).
    AlreadyReleased,
}

/// One manifest and the edits planned for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileEdit {
    /// The file.
    pub(crate) path: PathBuf,
    /// The file relative to the workspace root.
    pub(crate) display: String,
    /// The edits, one line each.
    pub(crate) changes: Vec<String>,
    /// The new content of the file.
    pub(crate) text: String,
}

/// What happens to the changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChangelogPlan {
    /// There is no changelog (an error for `--execute`).
    Missing,
    /// The changelog already has a section for the new version.
    AlreadyHasSection,
    /// The changelog is rolled.
    Roll(Rolled),
}

/// Everything a release would do, computed without touching the workspace.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The workspace root.
    pub(crate) root: PathBuf,
    /// The current lockstep version.
    pub(crate) current: Version,
    /// The version being released.
    pub(crate) new: Version,
    /// The members versioned in lockstep.
    pub(crate) lockstep: Vec<String>,
    /// The members left out of the lockstep, with the reason.
    pub(crate) not_versioned: Vec<(String, String)>,
    /// The manifest edits.
    pub(crate) manifest_edits: Vec<FileEdit>,
    /// The changelog roll.
    pub(crate) changelog: ChangelogPlan,
    /// Whether the workspace has a `Cargo.lock` to update.
    pub(crate) has_lockfile: bool,
    /// The publishable crates, dependencies first.
    pub(crate) publish_order: Vec<String>,
    /// The members with `publish = false`.
    pub(crate) skipped: Vec<String>,
    /// Problems that make `--execute` refuse to run.
    pub(crate) errors: Vec<String>,
    /// Things worth a look that do not stop the release.
    pub(crate) warnings: Vec<String>,
    /// The prefix of the release tags (`v` unless the changelog's compare
    /// links say otherwise).
    pub(crate) tag_prefix: String,
}

impl Plan {
    /// Whether the release was already made: same version, nothing to edit,
    /// and the changelog has the section.
    pub(crate) fn already_released(&self) -> bool {
        self.new == self.current
            && self.manifest_edits.is_empty()
            && self.changelog == ChangelogPlan::AlreadyHasSection
    }

    /// The tag the release should get (`v0.2.0`, or with the prefix the
    /// changelog's compare links use).
    pub(crate) fn tag(&self) -> String {
        format!("{}{}", self.tag_prefix, self.new)
    }
}

/// Computes the release plan for the workspace at `root`.
pub(crate) fn plan(root: &Path, target: &Target, date: Date) -> Result<Plan> {
    let ws = Workspace::load(root)?;
    let Lockstep {
        members: lockstep,
        not_versioned,
        current,
    } = lockstep_version(&ws)?;
    let new = target.resolve(&current);
    match new.cmp_precedence(&current) {
        Ordering::Less => bail!("{new} is lower than the current version {current}"),
        Ordering::Equal if new != current => {
            bail!("{new} is not greater than the current version {current}")
        }
        _ => {}
    }

    let manifest_edits = manifest_edits(&ws, &lockstep, &new)?;

    let changelog_path = ws.root.join(CHANGELOG);
    let mut warnings = Vec::new();
    let mut tag_prefix = "v".to_owned();
    let changelog = if changelog_path.is_file() {
        let text = read_to_string(&changelog_path)?;
        if let Some(prefix) = changelog::tag_prefix(&text) {
            tag_prefix = prefix;
        }
        if changelog::has_section(&text, &new) {
            if new != current {
                bail!(
                    "{CHANGELOG} already has a section for {new}, but the workspace is at {current}: \
                     the changelog was rolled without the version bump; fix one or the other by hand"
                );
            }
            ChangelogPlan::AlreadyHasSection
        } else {
            let rolled = changelog::roll(&text, &current, &new, date)
                .map_err(|err| Error::new(format!("{CHANGELOG}: {err}")))?;
            warnings.extend(rolled.warnings.iter().map(|w| format!("{CHANGELOG}: {w}")));
            if !rolled.link_changes.is_empty() {
                tag_prefix.clone_from(&rolled.tag_prefix);
            }
            ChangelogPlan::Roll(rolled)
        }
    } else {
        ChangelogPlan::Missing
    };

    let (publish_order, skipped, errors) = publish_order(&ws)?;
    for dep in ws
        .workspace_deps
        .iter()
        .filter(|dep| dep.req.is_none() && lockstep.contains(&dep.package))
    {
        warnings.push(format!(
            "[workspace.dependencies] {} has no version requirement: a published crate cannot use it",
            dep.key
        ));
    }
    if new == current && changelog != ChangelogPlan::AlreadyHasSection {
        warnings.push(format!(
            "{new} is the current version: the manifests keep it and only the changelog is rolled \
             (a first release, or finishing an interrupted one)"
        ));
    }

    Ok(Plan {
        has_lockfile: ws.root.join("Cargo.lock").is_file(),
        root: ws.root,
        current,
        new,
        lockstep: lockstep.into_iter().collect(),
        not_versioned,
        manifest_edits,
        changelog,
        publish_order,
        skipped,
        errors,
        warnings,
        tag_prefix,
    })
}

/// The members versioned in lockstep and their version.
struct Lockstep {
    /// The members versioned in lockstep: publishable, or inheriting the
    /// workspace version.
    members: BTreeSet<String>,
    /// The other members, with the reason.
    not_versioned: Vec<(String, String)>,
    /// The version the lockstep members share.
    current: Version,
}

/// Finds the lockstep members and checks that they share one version.
fn lockstep_version(ws: &Workspace) -> Result<Lockstep> {
    let mut versions: Vec<(String, String)> = Vec::new();
    if let Some(version) = &ws.package_version {
        versions.push(("[workspace.package] version".to_owned(), version.clone()));
    }
    let mut lockstep = BTreeSet::new();
    let mut not_versioned = Vec::new();
    for member in &ws.members {
        match &member.version {
            VersionSource::Workspace => {
                if ws.package_version.is_none() {
                    bail!(
                        "{} uses version.workspace = true, but [workspace.package] has no version",
                        member.name
                    );
                }
                lockstep.insert(member.name.clone());
            }
            VersionSource::Literal(version) if member.publishable => {
                versions.push((
                    format!("{} ({})", member.name, ws.display_path(&member.manifest)),
                    version.clone(),
                ));
                lockstep.insert(member.name.clone());
            }
            VersionSource::Literal(version) => not_versioned.push((
                member.name.clone(),
                format!("publish = false, own version {version}"),
            )),
            VersionSource::Missing => {
                not_versioned.push((member.name.clone(), "no version, not published".to_owned()));
            }
        }
    }
    let Some((_, first)) = versions.first() else {
        bail!("nothing to release: no publishable member and no [workspace.package] version");
    };
    let parse = |who: &str, version: &str| {
        Version::parse(version).map_err(|err| Error::new(format!("{who}: {err}")))
    };
    let current = parse(&versions[0].0, first)?;
    for (who, version) in &versions {
        if parse(who, version)? != current {
            let list: Vec<_> = versions
                .iter()
                .map(|(who, version)| format!("  {who}: {version}"))
                .collect();
            bail!(
                "the crates are released in lockstep, but their versions differ:\n{}\n\
                 set them all to the same version first",
                list.join("\n")
            );
        }
    }
    Ok(Lockstep {
        members: lockstep,
        not_versioned,
        current,
    })
}

/// The edits of every manifest: versions and internal requirements.
fn manifest_edits(
    ws: &Workspace,
    lockstep: &BTreeSet<String>,
    new: &Version,
) -> Result<Vec<FileEdit>> {
    let new_text = new.to_string();
    let mut edits = Vec::new();

    // The root manifest: [workspace.package], [workspace.dependencies], and
    // the root package if the root is also a member.
    let mut doc = parse(&ws.manifest)?;
    let mut changes = Vec::new();
    if let Some(version) = doc
        .get_mut("workspace")
        .and_then(Item::as_table_like_mut)
        .and_then(|w| w.get_mut("package"))
        .and_then(Item::as_table_like_mut)
        .and_then(|p| p.get_mut("version"))
    {
        if let Some(old) = set_string(version, &new_text) {
            changes.push(format!(
                "[workspace.package] version \"{old}\" -> \"{new_text}\""
            ));
        }
    }
    if let Some(deps) = doc
        .get_mut("workspace")
        .and_then(Item::as_table_like_mut)
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(Item::as_table_like_mut)
    {
        bump_requirements(
            deps,
            "[workspace.dependencies]",
            &ws.root,
            ws.resolver(),
            lockstep,
            new,
            &mut changes,
        )?;
    }
    if let Some(member) = ws.members.iter().find(|m| m.dir == ws.root) {
        edit_member(&mut doc, member, ws, lockstep, new, &mut changes)?;
    }
    push_edit(&mut edits, ws, &ws.manifest, doc, changes);

    for member in ws.members.iter().filter(|m| m.dir != ws.root) {
        let mut doc = parse(&member.manifest)?;
        let mut changes = Vec::new();
        edit_member(&mut doc, member, ws, lockstep, new, &mut changes)?;
        push_edit(&mut edits, ws, &member.manifest, doc, changes);
    }
    Ok(edits)
}

/// Records a file's edits if there are any.
fn push_edit(
    edits: &mut Vec<FileEdit>,
    ws: &Workspace,
    path: &Path,
    doc: DocumentMut,
    changes: Vec<String>,
) {
    if !changes.is_empty() {
        edits.push(FileEdit {
            path: path.to_path_buf(),
            display: ws.display_path(path),
            changes,
            text: doc.to_string(),
        });
    }
}

/// Edits a member's manifest: its literal version (if in lockstep) and the
/// requirements of its path dependencies on lockstep members.
fn edit_member(
    doc: &mut DocumentMut,
    member: &crate::workspace::Member,
    ws: &Workspace,
    lockstep: &BTreeSet<String>,
    new: &Version,
    changes: &mut Vec<String>,
) -> Result<()> {
    let new_text = new.to_string();
    if lockstep.contains(&member.name) && matches!(member.version, VersionSource::Literal(_)) {
        if let Some(version) = doc
            .get_mut("package")
            .and_then(Item::as_table_like_mut)
            .and_then(|p| p.get_mut("version"))
        {
            if let Some(old) = set_string(version, &new_text) {
                changes.push(format!("[package] version \"{old}\" -> \"{new_text}\""));
            }
        }
    }
    for (table, _kind, item) in dependency_tables_mut(doc.as_table_mut()) {
        if let Some(deps) = item.as_table_like_mut() {
            bump_requirements(
                deps,
                &table,
                &member.dir,
                ws.resolver(),
                lockstep,
                new,
                changes,
            )?;
        }
    }
    Ok(())
}

/// Sets the `version` of every entry of a dependency table that points
/// (by path) at a lockstep member.
fn bump_requirements(
    deps: &mut dyn TableLike,
    table: &str,
    base: &Path,
    resolver: &Resolver,
    lockstep: &BTreeSet<String>,
    new: &Version,
    changes: &mut Vec<String>,
) -> Result<()> {
    for (key, entry) in deps.iter_mut() {
        let Some(entry) = entry.as_table_like_mut() else {
            continue;
        };
        let Some(target) = resolver.resolve(key.get(), &*entry, base) else {
            continue;
        };
        if target.via_workspace || !lockstep.contains(&target.package) {
            continue;
        }
        let Some(version) = entry.get_mut("version") else {
            continue;
        };
        let Some(req) = version.as_str() else {
            bail!("{table} {}: version is not a string", key.get());
        };
        let bumped = bump_requirement(req, new)
            .map_err(|err| Error::new(format!("{table} {}: {err}", key.get())))?;
        if bumped != req {
            let change = format!("{table} {} version \"{req}\" -> \"{bumped}\"", key.get());
            let _ = set_string(version, &bumped);
            changes.push(change);
        }
    }
    Ok(())
}

/// The requirement `req` pointed at `new`, keeping its operator
/// (`0.1.0` → `0.2.0`, `=0.1.0` → `=0.2.0`).
pub(crate) fn bump_requirement(req: &str, new: &Version) -> Result<String> {
    let trimmed = req.trim();
    let (operator, rest) = ["=", "^", "~"]
        .iter()
        .find_map(|op| {
            trimmed
                .strip_prefix(op)
                .map(|rest| (*op, rest.trim_start()))
        })
        .unwrap_or(("", trimmed));
    let partial = !rest.is_empty()
        && rest.split('.').count() <= 3
        && rest
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !partial && Version::parse(rest).is_err() {
        bail!(
            "unsupported requirement `{req}` for an internal crate: use `X.Y.Z` (or `=X.Y.Z`, `^X.Y.Z`, `~X.Y.Z`)"
        );
    }
    Ok(format!("{operator}{new}"))
}

/// Replaces a string value, keeping its surrounding whitespace and comments.
/// Returns the old value if it changed.
fn set_string(item: &mut Item, new: &str) -> Option<String> {
    let value = item.as_value_mut()?;
    let old = value.as_str()?.to_owned();
    if old == new {
        return None;
    }
    let decor = value.decor().clone();
    *value = Value::from(new);
    *value.decor_mut() = decor;
    Some(old)
}

/// Parses a manifest for editing.
fn parse(path: &Path) -> Result<DocumentMut> {
    crate::workspace::parse_manifest(path)
}

/// The publishable members in dependency order (a crate after the crates it
/// depends on through normal or build dependencies; ties by name), the
/// members skipped because of `publish = false`, and the problems that
/// would make publishing fail.
fn publish_order(ws: &Workspace) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
    let mut errors = Vec::new();
    let publishable: BTreeSet<&str> = ws
        .members
        .iter()
        .filter(|m| m.publishable)
        .map(|m| m.name.as_str())
        .collect();
    let skipped: Vec<String> = ws
        .members
        .iter()
        .filter(|m| !m.publishable)
        .map(|m| m.name.clone())
        .collect();

    // Dependencies of each publishable crate on other publishable crates.
    let mut depends_on: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for member in ws.members.iter().filter(|m| m.publishable) {
        let edges = depends_on.entry(member.name.as_str()).or_default();
        for dep in &member.deps {
            let counts = matches!(dep.kind, DepKind::Normal | DepKind::Build);
            if !counts || dep.package == member.name {
                continue;
            }
            if !publishable.contains(dep.package.as_str()) {
                errors.push(format!(
                    "{} is published but depends on {} ({}), which has publish = false",
                    member.name, dep.package, dep.table
                ));
                continue;
            }
            if dep.req.is_none() {
                let origin = if dep.via_workspace {
                    " through [workspace.dependencies]"
                } else {
                    ""
                };
                errors.push(format!(
                    "{} depends on {} ({}{origin}) without a version requirement: cargo publish needs one",
                    member.name, dep.package, dep.table
                ));
            }
            edges.insert(dep.package.as_str());
        }
    }

    // Kahn's algorithm, taking the ready crates by name.
    let mut order = Vec::new();
    let mut remaining = depends_on.clone();
    while !remaining.is_empty() {
        let Some(next) = remaining
            .iter()
            .find(|(_, deps)| deps.iter().all(|dep| !remaining.contains_key(dep)))
            .map(|(name, _)| *name)
        else {
            let cycle: Vec<_> = remaining.keys().copied().collect();
            bail!(
                "the dependencies between these crates form a cycle: {}",
                cycle.join(", ")
            );
        };
        remaining.remove(next);
        order.push(next.to_owned());
    }
    Ok((order, skipped, errors))
}

/// Writes the plan.
pub(crate) fn write_plan(
    plan: &Plan,
    options: &Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mode = if options.execute {
        "applying"
    } else {
        "dry run; add --execute to apply"
    };
    writeln!(out, "Release plan ({mode})")?;
    writeln!(out, "  version: {} -> {}", plan.current, plan.new)?;
    writeln!(out, "  date:    {}", options.date)?;
    writeln!(out, "  lockstep crates: {}", plan.lockstep.join(", "))?;
    for (name, why) in &plan.not_versioned {
        writeln!(out, "  not versioned with the workspace: {name} ({why})")?;
    }

    writeln!(out)?;
    writeln!(out, "Files to edit:")?;
    if plan.manifest_edits.is_empty() {
        writeln!(
            out,
            "  (no manifest changes: the versions are already {})",
            plan.new
        )?;
    }
    for edit in &plan.manifest_edits {
        writeln!(out, "  {}", edit.display)?;
        for change in &edit.changes {
            writeln!(out, "    {change}")?;
        }
    }
    match (plan.has_lockfile, options.update_lockfile) {
        (true, true) => writeln!(out, "  Cargo.lock\n    cargo update --workspace --offline")?,
        (true, false) => writeln!(out, "  Cargo.lock: not updated (--no-cargo)")?,
        (false, _) => writeln!(
            out,
            "  Cargo.lock: none in the workspace, nothing to update"
        )?,
    }
    match &plan.changelog {
        ChangelogPlan::Missing => {
            writeln!(
                out,
                "  {CHANGELOG}: MISSING: --execute needs a {CHANGELOG} with a `## [Unreleased]` section"
            )?;
        }
        ChangelogPlan::AlreadyHasSection => {
            writeln!(
                out,
                "  {CHANGELOG}: already has the {} section, left as it is",
                plan.new
            )?;
        }
        ChangelogPlan::Roll(rolled) => {
            writeln!(out, "  {CHANGELOG}")?;
            writeln!(
                out,
                "    `## [Unreleased]` content ({} line(s)) moves under `{}`; `## [Unreleased]` stays, empty",
                rolled.moved_lines, rolled.heading
            )?;
            for change in &rolled.link_changes {
                writeln!(out, "    link {change}")?;
            }
        }
    }

    writeln!(out)?;
    writeln!(out, "Publish order:")?;
    if plan.publish_order.is_empty() {
        writeln!(out, "  (no publishable crate)")?;
    }
    for (index, name) in plan.publish_order.iter().enumerate() {
        writeln!(out, "  {}. {name}", index + 1)?;
    }
    if !plan.skipped.is_empty() {
        writeln!(
            out,
            "Skipped (publish = false): {}",
            plan.skipped.join(", ")
        )?;
    }
    if options.publish_check && !plan.publish_order.is_empty() {
        writeln!(out, "Check: {}", publish_dry_run_line(&plan.publish_order))?;
    }

    if !plan.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "Warnings:")?;
        for warning in &plan.warnings {
            writeln!(out, "  - {warning}")?;
        }
    }
    if !plan.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "Errors (--execute refuses to run):")?;
        for error in &plan.errors {
            writeln!(out, "  - {error}")?;
        }
    }
    Ok(())
}

/// The arguments of the publish dry run.
fn publish_dry_run_args(order: &[String]) -> Vec<&str> {
    let mut args = vec!["publish", "--dry-run", "--allow-dirty"];
    for name in order {
        args.push("--package");
        args.push(name);
    }
    args
}

/// The publish dry run as a command line.
fn publish_dry_run_line(order: &[String]) -> String {
    format!("cargo {}", publish_dry_run_args(order).join(" "))
}

/// Writes a line of progress. Failing to print must not stop a release
/// half-way through its edits, so write errors are ignored here.
fn say(out: &mut dyn Write, line: std::fmt::Arguments<'_>) {
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Plans the release and, with `--execute`, applies it.
pub(crate) fn run(root: &Path, options: &Options, out: &mut dyn Write) -> Result<Outcome> {
    let plan = plan(root, &options.target, options.date)?;

    if plan.already_released() {
        say(
            out,
            format_args!(
                "Already at {}: the manifests have it and {CHANGELOG} has its section. No file to edit.",
                plan.new
            ),
        );
        if !options.execute {
            say(
                out,
                format_args!(
                    "(--execute would only re-run the Cargo.lock update and the publish dry run)"
                ),
            );
            return Ok(Outcome::AlreadyReleased);
        }
        run_cargo_steps(&plan, options, out)?;
        write_next_steps(&plan, out);
        return Ok(Outcome::AlreadyReleased);
    }

    write_plan(&plan, options, out)
        .map_err(|err| Error::new(format!("cannot write the output: {err}")))?;
    if !options.execute {
        return Ok(Outcome::Planned);
    }

    // Refuse before touching anything.
    if !plan.errors.is_empty() {
        bail!("the plan has errors (listed above); nothing was changed");
    }
    if plan.changelog == ChangelogPlan::Missing {
        bail!(
            "{} is missing: create it with a `## [Unreleased]` section (Keep a Changelog); nothing was changed",
            plan.root.join(CHANGELOG).display()
        );
    }

    say(out, format_args!(""));
    for edit in &plan.manifest_edits {
        write_atomically(&edit.path, &edit.text)?;
        say(out, format_args!("Edited {}", edit.display));
    }
    if let ChangelogPlan::Roll(rolled) = &plan.changelog {
        write_atomically(&plan.root.join(CHANGELOG), &rolled.text)?;
        say(out, format_args!("Rolled {CHANGELOG}: {}", rolled.heading));
    }
    run_cargo_steps(&plan, options, out)?;
    write_next_steps(&plan, out);
    Ok(Outcome::Applied)
}

/// Updates `Cargo.lock` and runs the publish dry run, as the options say.
fn run_cargo_steps(plan: &Plan, options: &Options, out: &mut dyn Write) -> Result<()> {
    let retry = |err: Error| {
        Error::new(format!(
            "{err}\nthe version and changelog edits are in place; once the problem is fixed, \
             `cargo xtask release {} --execute` (the exact version) re-runs the Cargo steps",
            plan.new
        ))
    };
    if plan.has_lockfile && options.update_lockfile {
        let mut command = process::cargo(&plan.root, &["update", "--workspace", "--offline"]);
        say(out, format_args!("==> {}", process::describe(&command)));
        process::run(&mut command, options.output).map_err(retry)?;
    }
    if options.publish_check && !plan.publish_order.is_empty() {
        let mut command = process::cargo(&plan.root, &publish_dry_run_args(&plan.publish_order));
        say(out, format_args!("==> {}", process::describe(&command)));
        process::run(&mut command, options.output).map_err(retry)?;
    }
    Ok(())
}

/// Writes what is left to do by hand.
fn write_next_steps(plan: &Plan, out: &mut dyn Write) {
    let tag = plan.tag();
    say(out, format_args!(""));
    say(out, format_args!("Release {} prepared. Next:", plan.new));
    say(
        out,
        format_args!("  git diff            # review the edits"),
    );
    say(
        out,
        format_args!("  git commit -am \"chore: release {tag}\""),
    );
    say(out, format_args!("  git tag -a {tag} -m {tag}"));
    if !plan.publish_order.is_empty() {
        let packages: Vec<_> = plan
            .publish_order
            .iter()
            .map(|name| format!("-p {name}"))
            .collect();
        say(out, format_args!("  cargo publish {}", packages.join(" ")));
    }
    say(out, format_args!("  git push --follow-tags"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{
        CHANGELOG as FAKE_CHANGELOG, ROOT_MANIFEST, TempDir, fake_workspace, generate_lockfile,
        write,
    };

    fn options(target: &str, execute: bool) -> Options {
        Options {
            target: Target::parse(target).unwrap(),
            execute,
            date: Date::parse("2025-03-04").unwrap(),
            update_lockfile: false,
            publish_check: false,
            output: Output::Capture,
        }
    }

    fn release(root: &Path, options: &Options) -> (Result<Outcome>, String) {
        let mut out = Vec::new();
        let result = run(root, options, &mut out);
        (result, String::from_utf8(out).unwrap())
    }

    fn read(root: &Path, relative: &str) -> String {
        std::fs::read_to_string(root.join(relative)).unwrap()
    }

    /// Every file of the fake workspace that the release may touch.
    fn snapshot(root: &Path) -> Vec<String> {
        [
            "Cargo.toml",
            "CHANGELOG.md",
            "crates/core/Cargo.toml",
            "crates/client/Cargo.toml",
            "crates/tool/Cargo.toml",
            "tools/xtask/Cargo.toml",
        ]
        .iter()
        .map(|file| read(root, file))
        .collect()
    }

    #[test]
    fn plan_orders_publishable_crates_and_lists_skips() {
        let dir = TempDir::new("release-plan");
        fake_workspace(dir.path());
        let plan = plan(
            dir.path(),
            &Target::parse("minor").unwrap(),
            Date::parse("2025-03-04").unwrap(),
        )
        .unwrap();
        assert_eq!(plan.current.to_string(), "0.1.0");
        assert_eq!(plan.new.to_string(), "0.2.0");
        assert_eq!(plan.publish_order, ["demo-core", "demo-client"]);
        assert_eq!(plan.skipped, ["demo-tool", "xtask"]);
        assert_eq!(plan.lockstep, ["demo-client", "demo-core", "demo-tool"]);
        assert_eq!(
            plan.not_versioned,
            [(
                "xtask".to_owned(),
                "publish = false, own version 0.0.0".to_owned()
            )]
        );
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let files: Vec<_> = plan
            .manifest_edits
            .iter()
            .map(|e| e.display.as_str())
            .collect();
        assert_eq!(
            files,
            [
                "Cargo.toml",
                "crates/client/Cargo.toml",
                "crates/tool/Cargo.toml"
            ]
        );
        assert_eq!(plan.tag(), "v0.2.0");
    }

    #[test]
    fn dry_run_prints_the_plan_and_changes_nothing() {
        let dir = TempDir::new("release-dry-run");
        fake_workspace(dir.path());
        let before = snapshot(dir.path());
        let (result, out) = release(dir.path(), &options("0.2.0", false));
        assert_eq!(result.unwrap(), Outcome::Planned);
        assert_eq!(snapshot(dir.path()), before);
        for expected in [
            "Release plan (dry run; add --execute to apply)",
            "version: 0.1.0 -> 0.2.0",
            "[workspace.package] version \"0.1.0\" -> \"0.2.0\"",
            "[workspace.dependencies] demo-core version \"0.1.0\" -> \"0.2.0\"",
            "[workspace.dependencies] client version \"0.1.0\" -> \"0.2.0\"",
            "crates/client/Cargo.toml",
            "[package] version \"0.1.0\" -> \"0.2.0\"",
            "[dev-dependencies] demo-core version \"0.1.0\" -> \"0.2.0\"",
            "[target.'cfg(unix)'.dependencies] demo-core version \"=0.1.0\" -> \"=0.2.0\"",
            "[dependencies] demo-client version \"0.1.0\" -> \"0.2.0\"",
            "moves under `## [0.2.0] - 2025-03-04`",
            "link [0.2.0]: https://example.com/demo/compare/v0.1.0...v0.2.0 (new)",
            "  1. demo-core\n  2. demo-client\n",
            "Skipped (publish = false): demo-tool, xtask",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
        }
    }

    #[test]
    fn execute_edits_manifests_and_changelog_and_is_safe_to_repeat() {
        let dir = TempDir::new("release-execute");
        let root = dir.path();
        fake_workspace(root);
        let (result, out) = release(root, &options("0.2.0", true));
        assert_eq!(result.unwrap(), Outcome::Applied, "{out}");

        // Formatting and comments survive; only the versions change.
        assert_eq!(
            read(root, "Cargo.toml"),
            ROOT_MANIFEST.replace("0.1.0", "0.2.0")
        );
        let client = read(root, "crates/client/Cargo.toml");
        assert!(
            client.contains("version = \"0.2.0\"\nedition.workspace = true"),
            "{client}"
        );
        assert!(
            client.contains(
                "demo-core = { path = \"../core\", version = \"0.2.0\" } # same crate, for tests"
            ),
            "{client}"
        );
        assert!(
            client.contains("demo-core = { path = \"../core\", version = \"=0.2.0\" }"),
            "{client}"
        );
        assert!(!client.contains("0.1.0"), "{client}");
        let tool = read(root, "crates/tool/Cargo.toml");
        assert!(
            tool.contains(
                "[dependencies.demo-client]\npath = \"../client\"\nversion = \"0.2.0\"\n"
            ),
            "{tool}"
        );
        assert!(tool.contains("version.workspace = true"), "{tool}");
        assert!(read(root, "tools/xtask/Cargo.toml").contains("version = \"0.0.0\""));
        assert_eq!(
            read(root, "crates/core/Cargo.toml")
                .matches("version")
                .count(),
            1
        );

        let changelog = read(root, "CHANGELOG.md");
        assert_eq!(
            changelog,
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2025-03-04\n\n### Added\n\n- The client.\n\n\
             ## [0.1.0] - 2025-01-02\n\n- First release.\n\n\
             [Unreleased]: https://example.com/demo/compare/v0.2.0...HEAD\n\
             [0.2.0]: https://example.com/demo/compare/v0.1.0...v0.2.0\n\
             [0.1.0]: https://example.com/demo/releases/tag/v0.1.0\n"
        );
        assert!(out.contains("git tag -a v0.2.0 -m v0.2.0"), "{out}");
        assert!(
            out.contains("cargo publish -p demo-core -p demo-client"),
            "{out}"
        );

        // A second run finds the release done and changes nothing, with or
        // without --execute.
        let after = snapshot(root);
        for execute in [true, false] {
            let (result, out) = release(root, &options("0.2.0", execute));
            assert_eq!(result.unwrap(), Outcome::AlreadyReleased);
            assert!(out.contains("Already at 0.2.0"), "{out}");
            assert_eq!(snapshot(root), after);
        }
        // Asking for 0.1.x now is going backwards.
        let (result, _) = release(root, &options("0.1.1", true));
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("lower than the current version 0.2.0")
        );
        assert_eq!(snapshot(root), after);
    }

    /// Copies this repository's manifests and changelog (what a release edits) to `dir`.
    fn copy_this_workspace(dir: &Path) -> Vec<String> {
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut files = vec!["Cargo.toml".to_owned(), CHANGELOG.to_owned()];
        for entry in std::fs::read_dir(real.join("crates")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            files.push(format!("crates/{name}/Cargo.toml"));
        }
        files.push("xtask/Cargo.toml".to_owned());
        for file in &files {
            let target = dir.join(file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(real.join(file), target).unwrap();
        }
        files
    }

    #[test]
    fn releases_a_copy_of_this_workspace() {
        let dir = TempDir::new("release-this-workspace");
        let root = dir.path();
        let files = copy_this_workspace(root);
        let (result, out) = release(root, &options("minor", false));
        assert_eq!(result.unwrap(), Outcome::Planned, "{out}");
        assert!(out.contains("tencent-im-protocol"), "{out}");
        let before: Vec<String> = files.iter().map(|f| read(root, f)).collect();

        let (result, out) = release(root, &options("9.8.7", true));
        assert_eq!(result.unwrap(), Outcome::Applied, "{out}");
        let manifest = read(root, "Cargo.toml");
        assert!(manifest.contains("version = \"9.8.7\""), "{manifest}");
        assert!(
            manifest.contains(
                "tencent-im-protocol = { path = \"crates/protocol\", version = \"9.8.7\" }"
            ),
            "{manifest}"
        );
        assert!(!manifest.contains("0.1.0"), "{manifest}");
        let changelog = read(root, CHANGELOG);
        assert!(
            changelog.contains("## [Unreleased]\n\n## [9.8.7] - 2025-03-04\n"),
            "{changelog}"
        );
        assert!(read(root, "xtask/Cargo.toml").contains("version = \"0.0.0\""));

        let after: Vec<String> = files.iter().map(|f| read(root, f)).collect();
        assert_ne!(before, after);
        let (result, _) = release(root, &options("9.8.7", true));
        assert_eq!(result.unwrap(), Outcome::AlreadyReleased);
        assert_eq!(
            files.iter().map(|f| read(root, f)).collect::<Vec<_>>(),
            after
        );
    }

    #[test]
    fn execute_updates_the_lockfile() {
        let dir = TempDir::new("release-lockfile");
        let root = dir.path();
        fake_workspace(root);
        generate_lockfile(root);
        assert!(read(root, "Cargo.lock").contains("name = \"demo-core\"\nversion = \"0.1.0\""));
        let options = Options {
            update_lockfile: true,
            ..options("patch", true)
        };
        let (result, out) = release(root, &options);
        assert_eq!(result.unwrap(), Outcome::Applied, "{out}");
        let lock = read(root, "Cargo.lock");
        for name in ["demo-core", "demo-client", "demo-tool"] {
            assert!(
                lock.contains(&format!("name = \"{name}\"\nversion = \"0.1.1\"")),
                "{lock}"
            );
        }
        assert!(
            lock.contains("name = \"xtask\"\nversion = \"0.0.0\""),
            "{lock}"
        );
    }

    #[test]
    fn rejects_invalid_and_non_increasing_versions() {
        let dir = TempDir::new("release-invalid");
        let root = dir.path();
        fake_workspace(root);
        let before = snapshot(root);
        assert!(Target::parse("0.2").is_err());
        assert!(Target::parse("latest").is_err());
        let (result, _) = release(root, &options("0.0.9", true));
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("lower than the current version 0.1.0")
        );
        let (result, _) = release(root, &options("0.1.0+build.1", true));
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("not greater than the current version")
        );
        assert_eq!(snapshot(root), before);
    }

    #[test]
    fn rejects_mixed_member_versions() {
        let dir = TempDir::new("release-mixed");
        let root = dir.path();
        fake_workspace(root);
        let client = read(root, "crates/client/Cargo.toml").replacen(
            "version = \"0.1.0\"",
            "version = \"0.1.5\"",
            1,
        );
        write(root, "crates/client/Cargo.toml", &client);
        let (result, _) = release(root, &options("0.2.0", false));
        let err = result.unwrap_err().to_string();
        assert!(err.contains("versions differ"), "{err}");
        assert!(
            err.contains("demo-client (crates/client/Cargo.toml): 0.1.5"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_changelog_rolled_without_the_bump() {
        let dir = TempDir::new("release-rolled");
        let root = dir.path();
        fake_workspace(root);
        write(
            root,
            "CHANGELOG.md",
            &FAKE_CHANGELOG.replace(
                "## [Unreleased]\n",
                "## [Unreleased]\n\n## [0.2.0] - 2025-03-01\n",
            ),
        );
        let (result, _) = release(root, &options("0.2.0", true));
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("already has a section for 0.2.0")
        );
    }

    #[test]
    fn missing_changelog_is_a_note_in_the_plan_and_an_error_on_execute() {
        let dir = TempDir::new("release-no-changelog");
        let root = dir.path();
        fake_workspace(root);
        std::fs::remove_file(root.join("CHANGELOG.md")).unwrap();
        let before = read(root, "Cargo.toml");
        let (result, out) = release(root, &options("patch", false));
        assert_eq!(result.unwrap(), Outcome::Planned);
        assert!(out.contains("CHANGELOG.md: MISSING"), "{out}");
        let (result, _) = release(root, &options("patch", true));
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("CHANGELOG.md is missing")
        );
        assert_eq!(read(root, "Cargo.toml"), before);
    }

    #[test]
    fn releasing_the_current_version_only_rolls_the_changelog() {
        let dir = TempDir::new("release-current");
        let root = dir.path();
        fake_workspace(root);
        let manifests_before = read(root, "Cargo.toml");
        let (result, out) = release(root, &options("0.1.0", true));
        // The fake changelog already has 0.1.0.
        assert_eq!(result.unwrap(), Outcome::AlreadyReleased, "{out}");

        write(
            root,
            "CHANGELOG.md",
            "# Changelog\n\n## [Unreleased]\n\n- First release.\n",
        );
        let (result, out) = release(root, &options("0.1.0", true));
        assert_eq!(result.unwrap(), Outcome::Applied, "{out}");
        assert!(out.contains("no manifest changes"), "{out}");
        assert_eq!(read(root, "Cargo.toml"), manifests_before);
        assert_eq!(
            read(root, "CHANGELOG.md"),
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2025-03-04\n\n- First release.\n"
        );
    }

    #[test]
    fn refuses_to_publish_a_crate_depending_on_an_unpublished_one() {
        let dir = TempDir::new("release-unpublished-dep");
        let root = dir.path();
        fake_workspace(root);
        let core = read(root, "crates/core/Cargo.toml")
            + "\n[dependencies]\ndemo-tool = { path = \"../tool\", version = \"0.1.0\" }\n";
        write(root, "crates/core/Cargo.toml", &core);
        let before = snapshot(root);
        // The cycle core -> tool -> client -> core does not count: tool is
        // not published.
        let (result, out) = release(root, &options("0.2.0", true));
        let err = result.unwrap_err().to_string();
        assert!(err.contains("the plan has errors"), "{err}");
        assert!(out.contains("demo-core is published but depends on demo-tool ([dependencies]), which has publish = false"), "{out}");
        assert_eq!(snapshot(root), before);
    }

    #[test]
    fn requirements_keep_their_operator() {
        let new = Version::parse("0.3.0").unwrap();
        assert_eq!(bump_requirement("0.2.0", &new).unwrap(), "0.3.0");
        assert_eq!(bump_requirement("=0.2.0", &new).unwrap(), "=0.3.0");
        assert_eq!(bump_requirement("^0.2", &new).unwrap(), "^0.3.0");
        assert_eq!(bump_requirement("~ 0.2.0", &new).unwrap(), "~0.3.0");
        assert!(bump_requirement(">=0.2, <0.4", &new).is_err());
        assert!(bump_requirement("*", &new).is_err());
    }

    /// The full release, Cargo included: the lockfile update and the
    /// multi-package `cargo publish --dry-run`, which needs the crates.io
    /// index. Run with `cargo test -p xtask -- --ignored`.
    #[test]
    #[ignore = "needs network access to the crates.io index"]
    fn execute_with_cargo_publish_dry_run() {
        let dir = TempDir::new("release-publish");
        let root = dir.path();
        fake_workspace(root);
        generate_lockfile(root);
        let options = Options {
            update_lockfile: true,
            publish_check: true,
            ..options("minor", true)
        };
        let (result, out) = release(root, &options);
        assert_eq!(result.unwrap(), Outcome::Applied, "{out}");
        assert!(
            out.contains(
                "cargo publish --dry-run --allow-dirty --package demo-core --package demo-client"
            ),
            "{out}"
        );
    }
}
