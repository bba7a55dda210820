//! Typed view of the manifest fields BotDeck edits. Everything else rides along in `extra`
//! maps so that a read → edit → write cycle never drops what a newer schema (or another tool)
//! put in the file.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub type Extra = Map<String, Value>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub manifest_version: String,
    pub version: String,
    pub id: String,
    /// Removed from the schema in 1.17; kept so older manifests survive a round trip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localization_info: Option<LocalizationInfo>,
    pub developer: Developer,
    pub name: Name,
    pub description: Description,
    pub icons: Icons,
    pub accent_color: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bots: Option<Vec<Bot>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_domains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_application_info: Option<WebApplicationInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Developer {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use_url: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Name {
    pub short: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Description {
    pub short: String,
    pub full: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Icons {
    pub color: String,
    pub outline: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bot {
    pub bot_id: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_notification_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_files: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_calling: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_video: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_lists: Option<Vec<CommandList>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommandList {
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub commands: Vec<Command>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub title: String,
    pub description: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebApplicationInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Authorization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permissions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_specific: Option<Vec<ResourceSpecificPermission>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceSpecificPermission {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalizationInfo {
    pub default_language_tag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_language_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_languages: Option<Vec<AdditionalLanguage>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalLanguage {
    pub language_tag: String,
    pub file: String,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Manifest {
    /// Parses manifest text (BOM tolerated here; validation reports it separately).
    pub fn from_json(text: &str) -> Result<Manifest, serde_json::Error> {
        serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
    }

    /// Canonical text BotDeck writes: two-space indent, trailing newline.
    pub fn to_json_pretty(&self) -> String {
        // A struct of strings, bools and `Value`s cannot fail to serialise.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn bot(&self) -> Option<&Bot> {
        self.bots.as_ref().and_then(|b| b.first())
    }

    /// Every package-relative file the manifest points at, in manifest order, deduplicated.
    pub fn referenced_files(&self) -> Vec<String> {
        referenced_files(&self.to_value())
    }
}

/// Files referenced by a manifest given as raw JSON (works on manifests the typed model cannot
/// parse, which is exactly when validation needs it).
pub fn referenced_files(manifest: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: Option<&Value>| {
        if let Some(s) = v.and_then(Value::as_str) {
            if !s.is_empty() && !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        }
    };
    let icons = manifest.get("icons");
    push(icons.and_then(|i| i.get("color")));
    push(icons.and_then(|i| i.get("outline")));
    push(icons.and_then(|i| i.get("color32x32")));
    let l10n = manifest.get("localizationInfo");
    push(l10n.and_then(|l| l.get("defaultLanguageFile")));
    if let Some(langs) = l10n
        .and_then(|l| l.get("additionalLanguages"))
        .and_then(Value::as_array)
    {
        for lang in langs {
            push(lang.get("file"));
        }
    }
    out
}
