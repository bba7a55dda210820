//! `inspect`: what is in a package, read leniently so it works on packages that fail validation.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::archive::{RawPackage, MANIFEST_FILE};
use super::error::PackageError;
use super::jsonutil;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CommandSummary {
    pub scopes: Vec<String>,
    pub title: String,
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileEntry {
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSummary {
    pub id: Option<String>,
    pub version: Option<String>,
    pub manifest_version: Option<String>,
    pub name: Option<String>,
    pub full_name: Option<String>,
    pub developer: Option<String>,
    pub bot_id: Option<String>,
    pub bot_scopes: Vec<String>,
    pub is_notification_only: Option<bool>,
    pub commands: Vec<CommandSummary>,
    pub web_application_id: Option<String>,
    pub rsc_permissions: Vec<String>,
    pub valid_domains: Vec<String>,
    pub files: Vec<FileEntry>,
    #[ts(type = "number | null")]
    pub archive_size: Option<u64>,
}

fn s(v: &Value, p: &str) -> Option<String> {
    v.pointer(p).and_then(Value::as_str).map(str::to_string)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub fn summarize(raw: &RawPackage) -> Result<ManifestSummary, PackageError> {
    let bytes = raw.manifest_bytes().ok_or(PackageError::MissingManifest)?;
    let m = match jsonutil::parse_object(bytes) {
        Ok(p) => p.value,
        Err(_) => {
            return Err(PackageError::InvalidManifest(
                "manifest.json is not a JSON object; run validate for details".into(),
            ))
        }
    };
    let bot = m.pointer("/bots/0");
    let mut commands = Vec::new();
    if let Some(lists) = bot
        .and_then(|b| b.get("commandLists"))
        .and_then(Value::as_array)
    {
        for list in lists {
            let scopes = strings(list.get("scopes"));
            for c in list
                .get("commands")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                commands.push(CommandSummary {
                    scopes: scopes.clone(),
                    title: s(c, "/title").unwrap_or_default(),
                    description: s(c, "/description").unwrap_or_default(),
                });
            }
        }
    }
    let rsc = m
        .pointer("/authorization/permissions/resourceSpecific")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| {
                    format!(
                        "{} ({})",
                        s(p, "/name").unwrap_or_default(),
                        s(p, "/type").unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ManifestSummary {
        id: s(&m, "/id"),
        version: s(&m, "/version"),
        manifest_version: s(&m, "/manifestVersion"),
        name: s(&m, "/name/short"),
        full_name: s(&m, "/name/full"),
        developer: s(&m, "/developer/name"),
        bot_id: bot.and_then(|b| s(b, "/botId")),
        bot_scopes: strings(bot.and_then(|b| b.get("scopes"))),
        is_notification_only: bot
            .and_then(|b| b.get("isNotificationOnly"))
            .and_then(Value::as_bool),
        commands,
        web_application_id: s(&m, "/webApplicationInfo/id"),
        rsc_permissions: rsc,
        valid_domains: strings(m.get("validDomains")),
        files: raw
            .files
            .iter()
            .map(|(name, b)| FileEntry {
                name: name.clone(),
                size: b.len() as u64,
            })
            .collect(),
        archive_size: raw.archive_size,
    })
    .map(|mut sum| {
        // manifest.json first: it is what people look for.
        sum.files
            .sort_by_key(|f| (f.name != MANIFEST_FILE, f.name.clone()));
        sum
    })
}
