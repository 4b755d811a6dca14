//! Rolling `CHANGELOG.md` ([Keep a Changelog](https://keepachangelog.com/)): the
//! `## [Unreleased]` content moves under a new `## [X.Y.Z] - DATE` heading, and the link
//! references at the bottom follow. Release tags are `vX.Y.Z`.

use semver::Version;
use time::Date;

use crate::Result;

/// A rolled changelog.
#[derive(Debug)]
pub(crate) struct Rolled {
    /// The new text.
    pub(crate) text: String,
    /// What changed, one line each.
    pub(crate) changes: Vec<String>,
    /// Things the person releasing should look at.
    pub(crate) warnings: Vec<String>,
}

/// The versions of the release headings (`## [0.1.0] - 2025-01-02`).
fn releases(text: &str) -> impl Iterator<Item = Version> + '_ {
    text.lines().filter_map(|line| {
        let label = line.strip_prefix("## [")?.split_once(']')?.0;
        Version::parse(label).ok()
    })
}

/// Whether the changelog has a section for `version`.
pub(crate) fn has_section(text: &str, version: &Version) -> bool {
    releases(text).any(|release| release == *version)
}

/// Whether the changelog has a section for a release before `version`.
pub(crate) fn released_before(text: &str, version: &Version) -> bool {
    releases(text).any(|release| release < *version)
}

/// Rolls the changelog from `current` to the release `new` dated `date`.
pub(crate) fn roll(text: &str, current: &Version, new: &Version, date: Date) -> Result<Rolled> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "## [Unreleased]") else {
        return Err("the changelog has no `## [Unreleased]` heading".into());
    };
    // The section ends at the next release heading or at the link references.
    let ends = |l: &&str| l.starts_with("## ") || l.starts_with('[') && l.contains("]:");
    let end = lines[start + 1..]
        .iter()
        .position(ends)
        .map_or(lines.len(), |i| start + 1 + i);
    let body = lines[start + 1..end].join("\n");
    let body = body.trim_matches('\n');

    let heading = format!("## [{new}] - {date}");
    let mut out = lines[..=start].join("\n") + "\n\n" + &heading;
    if !body.is_empty() {
        out = out + "\n\n" + body;
    }
    if end < lines.len() {
        out = out + "\n\n" + &lines[end..].join("\n");
    }
    out.push('\n');

    let moved = body.lines().filter(|l| !l.trim().is_empty()).count();
    let mut changes = vec![format!(
        "`## [Unreleased]` content ({moved} line(s)) moves under `{heading}`; \
         `## [Unreleased]` stays, empty"
    )];
    let mut warnings = Vec::new();
    if moved == 0 {
        warnings.push("the `## [Unreleased]` section is empty: the release has no entries".into());
    }
    let link = out.lines().find(|l| l.starts_with("[Unreleased]: "));
    if let Some(line) = link.map(str::to_owned) {
        let (url, tag) = (line["[Unreleased]: ".len()..].trim(), format!("v{new}"));
        // `.../compare/v0.1.0...HEAD`, or `.../commits/main` before the first tag.
        let links = match url.strip_suffix(&format!("/compare/v{current}...HEAD")) {
            Some(base) => Some((base, format!("{base}/compare/v{current}...{tag}"))),
            None => url
                .rsplit_once("/commits/")
                .map(|(base, _)| (base, format!("{base}/releases/tag/{tag}"))),
        };
        if let Some((base, release)) = links {
            let unreleased = format!("[Unreleased]: {base}/compare/{tag}...HEAD");
            changes.push(format!("link {line} -> {unreleased}"));
            changes.push(format!("link [{new}]: {release} (new)"));
            out = out.replacen(&line, &format!("{unreleased}\n[{new}]: {release}"), 1);
        } else {
            warnings.push(format!(
                "the `[Unreleased]` link ({url}) is neither `.../compare/v{current}...HEAD` nor \
                 `.../commits/<branch>`: update the link references by hand"
            ));
        }
    }
    Ok(Rolled {
        text: out,
        changes,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roll_at(text: &str, current: &str, new: &str) -> Result<Rolled> {
        let v = |text| Version::parse(text).unwrap();
        let date = crate::release::parse_date("2025-03-04").unwrap();
        roll(text, &v(current), &v(new), date)
    }

    #[test]
    fn rolls_unreleased_into_a_dated_release_with_links() {
        let before = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n- Groups.\n\n\
                      ## [0.1.0] - 2025-01-02\n\n- First.\n\n\
                      [Unreleased]: https://x.test/r/compare/v0.1.0...HEAD\n\
                      [0.1.0]: https://x.test/r/releases/tag/v0.1.0\n";
        let rolled = roll_at(before, "0.1.0", "0.2.0").unwrap();
        assert_eq!(
            rolled.text,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.2.0] - 2025-03-04\n\n### Added\n\n\
             - Groups.\n\n## [0.1.0] - 2025-01-02\n\n- First.\n\n\
             [Unreleased]: https://x.test/r/compare/v0.2.0...HEAD\n\
             [0.2.0]: https://x.test/r/compare/v0.1.0...v0.2.0\n\
             [0.1.0]: https://x.test/r/releases/tag/v0.1.0\n"
        );
        assert!(rolled.changes[0].contains("(2 line(s)) moves under `## [0.2.0] - 2025-03-04`"));
        assert!(rolled.warnings.is_empty(), "{:?}", rolled.warnings);
        let v = |text| Version::parse(text).unwrap();
        assert!(has_section(&rolled.text, &v("0.2.0")) && !has_section(before, &v("0.2.0")));
        assert!(released_before(before, &v("0.2.0")) && !released_before(before, &v("0.1.0")));

        // The first release: a `.../commits/main` link becomes compare and tag links.
        let text = "## [Unreleased]\n\n- All.\n\n[Unreleased]: https://x.test/r/commits/main\n";
        assert_eq!(
            roll_at(text, "0.1.0", "0.1.0").unwrap().text,
            "## [Unreleased]\n\n## [0.1.0] - 2025-03-04\n\n- All.\n\n\
             [Unreleased]: https://x.test/r/compare/v0.1.0...HEAD\n\
             [0.1.0]: https://x.test/r/releases/tag/v0.1.0\n"
        );

        // An empty section and a link of another form: warnings, and the link stays.
        let text = "## [Unreleased]\n\n[Unreleased]: https://x.test/r/tree/main\n";
        let rolled = roll_at(text, "0.1.0", "0.2.0").unwrap();
        let expected = "## [Unreleased]\n\n## [0.2.0] - 2025-03-04\n\n[Unreleased]: https";
        assert!(rolled.text.starts_with(expected) && rolled.warnings.len() == 2);
        let err = roll_at("# Changelog\n\n## [0.1.0]\n", "0.1.0", "0.2.0").unwrap_err();
        assert!(err.contains("no `## [Unreleased]` heading"));
    }
}
