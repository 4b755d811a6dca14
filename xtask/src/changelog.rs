//! Rolling a [Keep a Changelog](https://keepachangelog.com/) file: the
//! `## [Unreleased]` content moves under a new `## [X.Y.Z] - DATE` heading,
//! and the link references at the bottom follow.

use crate::clock::Date;
use crate::error::{Result, bail};
use crate::version::Version;

/// The outcome of rolling a changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rolled {
    /// The new text of the changelog.
    pub(crate) text: String,
    /// The new release heading, e.g. `## [0.2.0] - 2025-01-31`.
    pub(crate) heading: String,
    /// How many non-blank lines moved from `[Unreleased]` to the release.
    pub(crate) moved_lines: usize,
    /// What changed in the link references, one line each.
    pub(crate) link_changes: Vec<String>,
    /// Things the person releasing should look at.
    pub(crate) warnings: Vec<String>,
    /// The tag prefix seen in the compare links (`v` when there are none).
    pub(crate) tag_prefix: String,
}

/// The label of a level-2 heading: `Unreleased` for `## [Unreleased]`,
/// `0.1.0` for `## [0.1.0] - 2024-01-01` (or `## 0.1.0 - ...`).
fn heading_label(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("## ")?.trim_start();
    if let Some(inner) = rest.strip_prefix('[') {
        return inner.split_once(']').map(|(label, _)| label.trim());
    }
    rest.split_whitespace().next()
}

/// Whether a line starts a link reference definition (`[label]: url`).
fn is_link_definition(line: &str) -> bool {
    let line = line.trim_start();
    line.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .is_some_and(|(label, rest)| !label.is_empty() && rest.starts_with(':'))
}

/// Whether a line is a level-1 or level-2 heading (the end of a section).
fn ends_section(line: &str) -> bool {
    line.starts_with("## ") || line.starts_with("# ") || is_link_definition(line)
}

/// Whether a heading label names `version` (`0.2.0` or `v0.2.0`).
fn label_is_version(label: &str, version: &Version) -> bool {
    label.strip_prefix('v').unwrap_or(label) == version.to_string()
}

/// Whether the changelog already has a section for `version`.
pub(crate) fn has_section(text: &str, version: &Version) -> bool {
    text.lines()
        .filter_map(heading_label)
        .any(|label| label_is_version(label, version))
}

/// The index of the `## [Unreleased]` heading.
fn find_unreleased(lines: &[&str]) -> Option<usize> {
    lines.iter().position(|line| {
        heading_label(line).is_some_and(|label| label.eq_ignore_ascii_case("unreleased"))
    })
}

/// The index of the line after the section whose heading is at `start`.
fn section_end(lines: &[&str], start: usize) -> usize {
    lines[start + 1..]
        .iter()
        .position(|line| ends_section(line))
        .map_or(lines.len(), |offset| start + 1 + offset)
}

/// The tag prefix used by the `[Unreleased]: .../compare/<tag>...HEAD` link
/// reference: the part of the tag before its first digit (`v` for `v0.1.0`).
pub(crate) fn tag_prefix(text: &str) -> Option<String> {
    let line = text.lines().find(|line| {
        line.trim_start()
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("]:"))
            .is_some_and(|(label, _)| label.eq_ignore_ascii_case("unreleased"))
    })?;
    let tag = line
        .rsplit_once("/compare/")?
        .1
        .trim()
        .strip_suffix("...HEAD")?;
    tag.find(|c: char| c.is_ascii_digit())
        .map(|at| tag[..at].to_owned())
}

/// Rolls the changelog from `previous` to the release `new` dated `date`.
pub(crate) fn roll(text: &str, previous: &Version, new: &Version, date: Date) -> Result<Rolled> {
    if has_section(text, new) {
        bail!("the changelog already has a section for {new}");
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = find_unreleased(&lines) else {
        bail!("the changelog has no `## [Unreleased]` heading");
    };
    let end = section_end(&lines, start);

    let content = &lines[start + 1..end];
    let first = content.iter().position(|line| !line.trim().is_empty());
    let last = content.iter().rposition(|line| !line.trim().is_empty());
    let content = match (first, last) {
        (Some(first), Some(last)) => &content[first..=last],
        _ => &[][..],
    };
    let moved_lines = content
        .iter()
        .filter(|line| !line.trim().is_empty())
        .count();

    let heading = format!("## [{new}] - {date}");
    let mut out: Vec<String> = lines[..=start]
        .iter()
        .map(|line| (*line).to_owned())
        .collect();
    out.push(String::new());
    out.push(heading.clone());
    out.push(String::new());
    if !content.is_empty() {
        out.extend(content.iter().map(|line| (*line).to_owned()));
        if end < lines.len() {
            out.push(String::new());
        }
    } else if end == lines.len() {
        out.pop();
    }
    out.extend(lines[end..].iter().map(|line| (*line).to_owned()));

    let mut warnings = Vec::new();
    if moved_lines == 0 {
        warnings.push(
            "the `## [Unreleased]` section is empty: the release section will have no entries"
                .to_owned(),
        );
    }
    let (link_changes, tag_prefix) = update_links(&mut out, previous, new, &mut warnings);

    let mut text = out.join(newline);
    text.push_str(newline);
    Ok(Rolled {
        text,
        heading,
        moved_lines,
        link_changes,
        warnings,
        tag_prefix,
    })
}

/// Updates the `[Unreleased]: .../compare/<tag>...HEAD` link reference and
/// adds `[new]: .../compare/<previous tag>...<new tag>` after it.
/// Returns the changes and the tag prefix.
fn update_links(
    lines: &mut Vec<String>,
    previous: &Version,
    new: &Version,
    warnings: &mut Vec<String>,
) -> (Vec<String>, String) {
    let default_prefix = "v".to_owned();
    let Some(index) = lines.iter().position(|line| {
        line.trim_start()
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("]:"))
            .is_some_and(|(label, _)| label.eq_ignore_ascii_case("unreleased"))
    }) else {
        return (Vec::new(), default_prefix);
    };
    let line = lines[index].trim().to_owned();
    let Some((label, url)) = line
        .strip_prefix('[')
        .and_then(|rest| rest.split_once("]:"))
        .map(|(label, url)| (label.to_owned(), url.trim().to_owned()))
    else {
        return (Vec::new(), default_prefix);
    };
    let Some((base, range)) = url.rsplit_once("/compare/") else {
        if let Some((base, _branch)) = url.rsplit_once("/commits/") {
            // No release tag yet: `.../commits/main` becomes a compare link
            // from the first tag, which gets a `.../releases/tag/` link.
            let changes = first_release_links(lines, index, &label, &url, base, new, warnings);
            return (changes, default_prefix);
        }
        warnings.push(format!(
            "the `[{label}]` link reference ({url}) is neither a `.../compare/<tag>...HEAD` nor a \
             `.../commits/<branch>` link: update the link references by hand"
        ));
        return (Vec::new(), default_prefix);
    };
    let Some(previous_tag) = range.strip_suffix("...HEAD") else {
        warnings.push(format!(
            "the `[{label}]` link reference ({url}) does not end in `...HEAD`: update the link references by hand"
        ));
        return (Vec::new(), default_prefix);
    };
    let previous_version = previous.to_string();
    let prefix = match previous_tag.strip_suffix(&previous_version) {
        Some(prefix) => prefix.to_owned(),
        None => {
            warnings.push(format!(
                "the `[{label}]` link compares from tag `{previous_tag}`, which does not name the current version {previous}"
            ));
            previous_tag
                .find(|c: char| c.is_ascii_digit())
                .map_or_else(String::new, |at| previous_tag[..at].to_owned())
        }
    };
    let new_tag = format!("{prefix}{new}");
    let unreleased = format!("[{label}]: {base}/compare/{new_tag}...HEAD");
    let release = format!("[{new}]: {base}/compare/{previous_tag}...{new_tag}");
    let mut changes = vec![format!(
        "[{label}]: {url} -> {base}/compare/{new_tag}...HEAD"
    )];
    lines[index] = unreleased;
    let release_label = format!("[{new}]:");
    if lines
        .iter()
        .any(|line| line.trim_start().starts_with(&release_label))
    {
        warnings.push(format!(
            "a `[{new}]` link reference already exists: left as it is"
        ));
    } else {
        lines.insert(index + 1, release.clone());
        changes.push(format!("{release} (new)"));
    }
    (changes, prefix)
}

/// Rewrites an `[Unreleased]: <base>/commits/<branch>` link reference (no
/// release yet) as `<base>/compare/v<new>...HEAD`, and adds
/// `[<new>]: <base>/releases/tag/v<new>` after it.
fn first_release_links(
    lines: &mut Vec<String>,
    index: usize,
    label: &str,
    url: &str,
    base: &str,
    new: &Version,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let unreleased = format!("{base}/compare/v{new}...HEAD");
    let mut changes = vec![format!("[{label}]: {url} -> {unreleased}")];
    lines[index] = format!("[{label}]: {unreleased}");
    let release_label = format!("[{new}]:");
    if lines
        .iter()
        .any(|line| line.trim_start().starts_with(&release_label))
    {
        warnings.push(format!(
            "a `[{new}]` link reference already exists: left as it is"
        ));
    } else {
        let release = format!("[{new}]: {base}/releases/tag/v{new}");
        lines.insert(index + 1, release.clone());
        changes.push(format!("{release} (new)"));
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "\
# Changelog

All notable changes to this project are documented in this file.

## [Unreleased]

### Added

- Group messages.

### Fixed

- UserSig expiry check.

## [0.1.0] - 2025-01-02

### Added

- First release.

[Unreleased]: https://example.com/demo/compare/v0.1.0...HEAD
[0.1.0]: https://example.com/demo/releases/tag/v0.1.0
";

    const AFTER: &str = "\
# Changelog

All notable changes to this project are documented in this file.

## [Unreleased]

## [0.2.0] - 2025-03-04

### Added

- Group messages.

### Fixed

- UserSig expiry check.

## [0.1.0] - 2025-01-02

### Added

- First release.

[Unreleased]: https://example.com/demo/compare/v0.2.0...HEAD
[0.2.0]: https://example.com/demo/compare/v0.1.0...v0.2.0
[0.1.0]: https://example.com/demo/releases/tag/v0.1.0
";

    /// Whether the `[Unreleased]` section has no content (`None`: no such section).
    fn unreleased_is_empty(text: &str) -> Option<bool> {
        let lines: Vec<&str> = text.lines().collect();
        let start = find_unreleased(&lines)?;
        let end = section_end(&lines, start);
        Some(
            lines[start + 1..end]
                .iter()
                .all(|line| line.trim().is_empty()),
        )
    }

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn date() -> Date {
        Date::parse("2025-03-04").unwrap()
    }

    #[test]
    fn rolls_unreleased_into_a_dated_release() {
        let rolled = roll(BEFORE, &v("0.1.0"), &v("0.2.0"), date()).unwrap();
        assert_eq!(rolled.text, AFTER);
        assert_eq!(rolled.heading, "## [0.2.0] - 2025-03-04");
        assert_eq!(rolled.moved_lines, 4);
        assert_eq!(rolled.link_changes.len(), 2);
        assert_eq!(rolled.tag_prefix, "v");
        assert!(rolled.warnings.is_empty(), "{:?}", rolled.warnings);
        assert!(has_section(&rolled.text, &v("0.2.0")));
        assert_eq!(unreleased_is_empty(&rolled.text), Some(true));
    }

    #[test]
    fn never_rolls_twice() {
        let err = roll(AFTER, &v("0.1.0"), &v("0.2.0"), date()).unwrap_err();
        assert!(err.to_string().contains("already has a section"), "{err}");
    }

    #[test]
    fn rolls_when_unreleased_is_the_last_section() {
        let text = "# Changelog\n\n## [Unreleased]\n\n- Thing.\n\n[Unreleased]: https://x.test/r/compare/demo-v0.1.0...HEAD\n";
        let rolled = roll(text, &v("0.1.0"), &v("0.1.1"), date()).unwrap();
        assert_eq!(
            rolled.text,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.1] - 2025-03-04\n\n- Thing.\n\n\
             [Unreleased]: https://x.test/r/compare/demo-v0.1.1...HEAD\n\
             [0.1.1]: https://x.test/r/compare/demo-v0.1.0...demo-v0.1.1\n"
        );
        assert_eq!(rolled.tag_prefix, "demo-v");
        assert_eq!(tag_prefix(text).as_deref(), Some("demo-v"));
        assert_eq!(tag_prefix(&rolled.text).as_deref(), Some("demo-v"));
        assert_eq!(tag_prefix("## [Unreleased]\n"), None);
    }

    #[test]
    fn empty_unreleased_and_no_links() {
        let text =
            "# Changelog\r\n\r\n## [Unreleased]\r\n\r\n## [0.1.0] - 2025-01-02\r\n\r\n- First.\r\n";
        let rolled = roll(text, &v("0.1.0"), &v("0.2.0"), date()).unwrap();
        assert_eq!(
            rolled.text,
            "# Changelog\r\n\r\n## [Unreleased]\r\n\r\n## [0.2.0] - 2025-03-04\r\n\r\n## [0.1.0] - 2025-01-02\r\n\r\n- First.\r\n"
        );
        assert_eq!(rolled.moved_lines, 0);
        assert_eq!(rolled.warnings.len(), 1);
        assert!(rolled.link_changes.is_empty());
    }

    #[test]
    fn first_release_turns_a_commits_link_into_compare_and_tag_links() {
        let text = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Everything.\n\n\
                    [Unreleased]: https://x.test/r/commits/main\n";
        let rolled = roll(text, &v("0.1.0"), &v("0.1.0"), date()).unwrap();
        assert_eq!(
            rolled.text,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2025-03-04\n\n### Added\n\n- Everything.\n\n\
             [Unreleased]: https://x.test/r/compare/v0.1.0...HEAD\n\
             [0.1.0]: https://x.test/r/releases/tag/v0.1.0\n"
        );
        assert!(rolled.warnings.is_empty(), "{:?}", rolled.warnings);
        assert_eq!(rolled.link_changes.len(), 2);
        assert_eq!(tag_prefix(&rolled.text).as_deref(), Some("v"));
    }

    #[test]
    fn unusual_unreleased_link_is_left_with_a_warning() {
        let text = "## [Unreleased]\n\n- A.\n\n[unreleased]: https://x.test/r/tree/main\n";
        let rolled = roll(text, &v("0.1.0"), &v("0.2.0"), date()).unwrap();
        assert!(
            rolled
                .text
                .ends_with("[unreleased]: https://x.test/r/tree/main\n")
        );
        assert!(rolled.link_changes.is_empty());
        assert!(
            rolled.warnings[0].contains("by hand"),
            "{:?}",
            rolled.warnings
        );
    }

    #[test]
    fn requires_an_unreleased_heading() {
        let err = roll(
            "# Changelog\n\n## [0.1.0]\n",
            &v("0.1.0"),
            &v("0.2.0"),
            date(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("no `## [Unreleased]` heading"),
            "{err}"
        );
        assert_eq!(unreleased_is_empty("# Changelog\n"), None);
    }
}
