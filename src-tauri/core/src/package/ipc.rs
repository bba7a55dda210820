//! What the desktop Package page sends and receives. The page never holds the package itself:
//! the open package lives in the app (see [`super::studio::Studio`]) and every request answers
//! with a fresh [`PackageView`], so validation, icon checks and builds all happen in Rust.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::diff::PackageDiff;
use super::summary::ManifestSummary;
use super::validate::ValidationReport;
use super::version::BumpLevel;

/// Everything the page shows about the open package, recomputed after each change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackageView {
    /// Where the package came from: a file name, a folder path, or "New bot app".
    pub source: String,
    /// manifest.json as text (invalid UTF-8 replaced), for the JSON editor.
    pub manifest_text: String,
    /// The editable fields; `None` while manifest.json is not a JSON object.
    pub form: Option<ManifestForm>,
    pub summary: Option<ManifestSummary>,
    pub report: ValidationReport,
    pub color_icon: IconView,
    pub outline_icon: IconView,
    /// The org catalog's version this package must be greater than, if the admin gave one.
    pub catalog_version: Option<String>,
    /// Changed since it was opened.
    pub edited: bool,
    /// Where `package_build` writes when no folder is given (the OS Downloads folder).
    pub default_save_dir: Option<String>,
    /// `<short name>-v<version>.zip`.
    pub suggested_file_name: String,
}

/// The fields an admin edits, read leniently from the manifest (missing text is `""`).
/// Each maps to a JSON Pointer, which is also how edits and findings address them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ManifestForm {
    pub manifest_version: String,
    pub version: String,
    pub short_name: String,
    pub full_name: String,
    pub short_description: String,
    pub full_description: String,
    pub developer_name: String,
    pub website_url: String,
    pub privacy_url: String,
    pub terms_of_use_url: String,
    pub accent_color: String,
    /// `None` when the manifest declares no bot.
    pub bot_id: Option<String>,
    pub bot_scopes: Vec<String>,
    pub command_lists: Vec<CommandListForm>,
    pub valid_domains: Vec<String>,
    pub rsc_permissions: Vec<RscPermissionForm>,
    pub web_application_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CommandListForm {
    pub scopes: Vec<String>,
    pub commands: Vec<CommandForm>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CommandForm {
    pub title: String,
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RscPermissionForm {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum IconRole {
    Color,
    Outline,
}

impl IconRole {
    pub fn manifest_key(self) -> &'static str {
        match self {
            IconRole::Color => "color",
            IconRole::Outline => "outline",
        }
    }

    pub fn expected_size(self) -> u32 {
        match self {
            IconRole::Color => super::icons::COLOR_SIZE,
            IconRole::Outline => super::icons::OUTLINE_SIZE,
        }
    }
}

/// One icon as the package holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IconView {
    pub role: IconRole,
    /// File name from the manifest (`icons.color` / `icons.outline`); `""` if none.
    pub file: String,
    pub present: bool,
    /// `data:` URL for an `<img>` (PNG or JPEG under 2 MiB), else `None`.
    pub data_url: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    #[ts(type = "number")]
    pub size: u64,
    /// 192 for the colour icon, 32 for the outline icon.
    pub expected_size: u32,
}

/// Before/after of an icon fix, as `data:` URLs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IconFixPreview {
    pub role: IconRole,
    pub before_data_url: String,
    pub before_width: u32,
    pub before_height: u32,
    pub after_data_url: String,
    pub after_width: u32,
    pub after_height: u32,
}

/// An icon change that was applied: what changed, and the package after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IconChange {
    pub preview: IconFixPreview,
    pub view: PackageView,
}

/// Sets (or, with `value` null/absent, removes) the value at a JSON Pointer in manifest.json.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestEdit {
    pub pointer: String,
    #[serde(default)]
    #[ts(type = "unknown", optional)]
    pub value: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageEditRequest {
    pub edits: Vec<ManifestEdit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetManifestRequest {
    pub text: String,
}

/// "New bot app" from the template; empty or absent fields take the template's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPackageRequest {
    pub name: String,
    #[serde(default)]
    #[ts(optional)]
    pub developer_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub website_url: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub bot_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenPathRequest {
    pub path: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogVersionRequest {
    pub catalog_version: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BumpRequest {
    pub level: BumpLevel,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IconRequest {
    pub icon: IconRole,
}

/// Where to write the built zip; both optional (Downloads folder, suggested name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuildRequest {
    #[serde(default)]
    #[ts(optional)]
    pub directory: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub file_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuildResult {
    /// Absolute path of the written zip.
    pub path: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// The same bytes were already there (builds are deterministic), so nothing was written.
    pub unchanged: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiffResult {
    /// The package compared against (the "old" side): its file name.
    pub other: String,
    pub diff: PackageDiff,
}
