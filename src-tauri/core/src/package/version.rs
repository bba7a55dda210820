//! App version bumps. Teams compares versions numerically per part and refuses an update that
//! does not increase the version, so bumps go through the same parser validation uses.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::archive::Package;
use super::error::PackageError;
use super::jsonutil;
use super::validate::parse_app_version;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum BumpLevel {
    Patch,
    Minor,
    Major,
}

impl std::str::FromStr for BumpLevel {
    type Err = PackageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "patch" => Ok(BumpLevel::Patch),
            "minor" => Ok(BumpLevel::Minor),
            "major" => Ok(BumpLevel::Major),
            other => Err(PackageError::Usage(format!(
                "unknown bump level {other:?} (patch, minor or major)"
            ))),
        }
    }
}

/// Returns the bumped version string (`1.2.3` + minor → `1.3.0`).
pub fn bump_version(current: &str, level: BumpLevel) -> Result<String, PackageError> {
    let v = parse_app_version(current).map_err(|_| PackageError::BadVersion(current.into()))?;
    let overflow = || PackageError::VersionOverflow(current.into());
    let next = match level {
        BumpLevel::Patch => semver::Version::new(
            v.major,
            v.minor,
            v.patch.checked_add(1).ok_or_else(overflow)?,
        ),
        BumpLevel::Minor => {
            semver::Version::new(v.major, v.minor.checked_add(1).ok_or_else(overflow)?, 0)
        }
        BumpLevel::Major => {
            semver::Version::new(v.major.checked_add(1).ok_or_else(overflow)?, 0, 0)
        }
    };
    let text = next.to_string();
    // Stay inside what validation accepts, so a bump never produces an invalid package.
    parse_app_version(&text).map_err(|_| overflow())?;
    Ok(text)
}

/// Bumps the package's version in place; returns (old, new).
pub fn bump_package(pkg: &mut Package, level: BumpLevel) -> Result<(String, String), PackageError> {
    let old = pkg.manifest.version.clone();
    let new = bump_version(&old, level)?;
    pkg.manifest.version = new.clone();
    Ok((old, new))
}

/// Replaces the top-level `version` string in manifest text, leaving every other byte (layout,
/// key order, comments-free formatting) as the author wrote it. `None` if the text is not a
/// JSON object with a string `version`.
pub fn rewrite_version_text(text: &str, new_version: &str) -> Option<String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = text.len() - body.len();
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("version")?.as_str()?;
    let (start, end) = jsonutil::value_span(body, "/version")?;
    let literal = serde_json::to_string(new_version).ok()?;
    let mut out = String::with_capacity(text.len() + literal.len());
    out.push_str(&text[..offset + start]);
    out.push_str(&literal);
    out.push_str(&text[offset + end..]);
    Some(out)
}

/// Whether `version` is acceptable as an update over `catalog`.
pub fn is_greater_than_catalog(
    version: &str,
    catalog: &semver::Version,
) -> Result<bool, PackageError> {
    let v = parse_app_version(version).map_err(|_| PackageError::BadVersion(version.into()))?;
    Ok(v > *catalog)
}

/// Parses a catalog version as Graph returns it (`1.0.3`); lenient about a leading `v`.
pub fn parse_catalog_version(s: &str) -> Result<semver::Version, PackageError> {
    let t = s.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    semver::Version::parse(t).map_err(|_| PackageError::BadVersion(s.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps() {
        assert_eq!(bump_version("1.2.3", BumpLevel::Patch).unwrap(), "1.2.4");
        assert_eq!(bump_version("1.2.3", BumpLevel::Minor).unwrap(), "1.3.0");
        assert_eq!(bump_version("1.2.3", BumpLevel::Major).unwrap(), "2.0.0");
        assert!(matches!(
            bump_version("1.2", BumpLevel::Patch),
            Err(PackageError::BadVersion(_))
        ));
        assert!(matches!(
            bump_version("1.2.999999999", BumpLevel::Patch),
            Err(PackageError::VersionOverflow(_))
        ));
    }

    #[test]
    fn rewrite_keeps_layout() {
        let text = "\u{feff}{\n  \"id\": \"x\",\n    \"version\" :  \"1.0.3\" ,\n  \"z\": {\"version\": \"9\"}\n}\n";
        let out = rewrite_version_text(text, "1.0.4").unwrap();
        assert_eq!(out, text.replace("\"1.0.3\"", "\"1.0.4\""));
        assert!(rewrite_version_text("{\"version\": 1}", "1.0.0").is_none());
        assert!(rewrite_version_text("nope", "1.0.0").is_none());
    }

    #[test]
    fn catalog_comparison_is_numeric_per_part() {
        let cat = parse_catalog_version("1.0.9").unwrap();
        assert!(is_greater_than_catalog("1.0.10", &cat).unwrap());
        assert!(!is_greater_than_catalog("1.0.9", &cat).unwrap());
        assert!(!is_greater_than_catalog("0.9.99", &cat).unwrap());
    }
}
