//! Semantic versions: parsing, precedence and bumps.

use std::cmp::Ordering;
use std::fmt;

use crate::error::{Error, Result, bail};

/// A semantic version (`MAJOR.MINOR.PATCH[-PRE][+BUILD]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    /// Pre-release identifiers, without the leading `-` (empty: none).
    pre: String,
    /// Build metadata, without the leading `+` (empty: none).
    build: String,
}

impl Version {
    /// A release version without pre-release or build parts.
    pub(crate) fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
            pre: String::new(),
            build: String::new(),
        }
    }

    /// Parses a version as written in `Cargo.toml`.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let invalid =
            |why: &str| Error::new(format!("invalid version `{text}`: {why} (expected X.Y.Z)"));
        let (rest, build) = match text.split_once('+') {
            Some((rest, build)) => (rest, build),
            None => (text, ""),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((core, pre)) => (core, pre),
            None => (rest, ""),
        };
        let mut numbers = core.split('.').map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("MAJOR.MINOR.PATCH must be three numbers"));
            }
            if part.len() > 1 && part.starts_with('0') {
                return Err(invalid("numbers must not have leading zeros"));
            }
            part.parse::<u64>().map_err(|_| invalid("number too large"))
        });
        let (Some(major), Some(minor), Some(patch), None) = (
            numbers.next(),
            numbers.next(),
            numbers.next(),
            numbers.next(),
        ) else {
            return Err(invalid("MAJOR.MINOR.PATCH must be three numbers"));
        };
        let (major, minor, patch) = (major?, minor?, patch?);
        if rest.contains('-') {
            check_identifiers(pre, true).map_err(|why| invalid(&format!("pre-release {why}")))?;
        }
        if text.contains('+') {
            check_identifiers(build, false)
                .map_err(|why| invalid(&format!("build metadata {why}")))?;
        }
        Ok(Self {
            major,
            minor,
            patch,
            pre: pre.to_owned(),
            build: build.to_owned(),
        })
    }

    /// Compares by semantic-versioning precedence (build metadata ignored).
    pub(crate) fn cmp_precedence(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release comes before the release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_pre_release(&self.pre, &other.pre),
            })
    }

    /// The version after a bump of the given level. Pre-release and build
    /// parts are dropped.
    pub(crate) fn bumped(&self, level: Level) -> Self {
        match level {
            Level::Patch => Self::new(self.major, self.minor, self.patch + 1),
            Level::Minor => Self::new(self.major, self.minor + 1, 0),
            Level::Major => Self::new(self.major + 1, 0, 0),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

/// Checks dot-separated pre-release or build identifiers.
fn check_identifiers(text: &str, numeric_without_leading_zero: bool) -> Result<(), &'static str> {
    for ident in text.split('.') {
        if ident.is_empty() {
            return Err("has an empty identifier");
        }
        if !ident
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("may only contain ASCII letters, digits, `-` and `.`");
        }
        if numeric_without_leading_zero
            && ident.len() > 1
            && ident.starts_with('0')
            && ident.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("numbers must not have leading zeros");
        }
    }
    Ok(())
}

/// Compares two non-empty pre-release strings by semver rules.
fn cmp_pre_release(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ordering = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    // Numeric identifiers come before alphanumeric ones.
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
        }
    }
}

/// A bump level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// `X.Y.Z` to `X.Y.(Z+1)`.
    Patch,
    /// `X.Y.Z` to `X.(Y+1).0`.
    Minor,
    /// `X.Y.Z` to `(X+1).0.0`.
    Major,
}

/// The version asked for on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A bump of the current version.
    Bump(Level),
    /// An explicit version.
    Exact(Version),
}

impl Target {
    /// Parses `patch`, `minor`, `major` or an explicit version.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "patch" => Self::Bump(Level::Patch),
            "minor" => Self::Bump(Level::Minor),
            "major" => Self::Bump(Level::Major),
            _ => {
                let version = text.strip_prefix('v').unwrap_or(text);
                match Version::parse(version) {
                    Ok(version) => Self::Exact(version),
                    Err(err) => bail!("{err}; or give one of patch, minor, major"),
                }
            }
        })
    }

    /// The version this target means when the workspace is at `current`.
    pub(crate) fn resolve(&self, current: &Version) -> Version {
        match self {
            Self::Bump(level) => current.bumped(*level),
            Self::Exact(version) => version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn parses_and_displays() {
        for text in [
            "0.1.0",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha.1",
            "1.0.0+build.5",
            "1.0.0-rc.1+x-y",
        ] {
            assert_eq!(v(text).to_string(), text);
        }
    }

    #[test]
    fn rejects_invalid_versions() {
        for text in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.x",
            "1.2.3-",
            "1.2.3-a..b",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a_b",
            " 1.2.3",
            "1.2.3 ",
            "-1.2.3",
        ] {
            assert!(Version::parse(text).is_err(), "{text:?} should be rejected");
        }
    }

    #[test]
    fn precedence() {
        let ordered = [
            "0.1.0",
            "0.1.1",
            "0.2.0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(
                v(pair[0]).cmp_precedence(&v(pair[1])),
                Ordering::Less,
                "{pair:?}"
            );
            assert_eq!(
                v(pair[1]).cmp_precedence(&v(pair[0])),
                Ordering::Greater,
                "{pair:?}"
            );
        }
        assert_eq!(v("1.0.0+a").cmp_precedence(&v("1.0.0+b")), Ordering::Equal);
    }

    #[test]
    fn bumps() {
        let current = v("0.9.3");
        assert_eq!(current.bumped(Level::Patch), v("0.9.4"));
        assert_eq!(current.bumped(Level::Minor), v("0.10.0"));
        assert_eq!(current.bumped(Level::Major), v("1.0.0"));
        assert_eq!(v("1.2.3-rc.1").bumped(Level::Patch), v("1.2.4"));
    }

    #[test]
    fn targets() {
        let current = v("0.1.0");
        assert_eq!(
            Target::parse("patch").unwrap().resolve(&current),
            v("0.1.1")
        );
        assert_eq!(
            Target::parse("minor").unwrap().resolve(&current),
            v("0.2.0")
        );
        assert_eq!(
            Target::parse("major").unwrap().resolve(&current),
            v("1.0.0")
        );
        assert_eq!(
            Target::parse("0.3.0").unwrap().resolve(&current),
            v("0.3.0")
        );
        assert_eq!(
            Target::parse("v0.3.0").unwrap().resolve(&current),
            v("0.3.0")
        );
        assert!(Target::parse("next").is_err());
        assert!(Target::parse("0.3").is_err());
    }
}
