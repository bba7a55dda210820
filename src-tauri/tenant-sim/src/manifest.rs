//! The service-side reading of an uploaded app package: enough validation to answer the
//! way the Teams catalog does (it is not BotDeck's validator, which is much stricter).

use std::io::{Cursor, Read};

use serde_json::Value;
use uuid::Uuid;

use crate::model::{definition_id, AppDef, PublishingState, RscPerm};

#[derive(Debug, Clone)]
pub struct Detail {
    pub code: String,
    pub message: String,
    pub target: String,
}

fn detail(code: &str, message: impl Into<String>, target: &str) -> Detail {
    Detail {
        code: code.into(),
        message: message.into(),
        target: target.into(),
    }
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub id: String,
    pub version: String,
    pub name: String,
    pub short: String,
    pub full: String,
    pub bot_id: Option<String>,
    pub client_app_id: Option<String>,
    pub rsc: Vec<RscPerm>,
}

impl Manifest {
    pub fn definition(
        &self,
        app_id: &str,
        state: PublishingState,
        now: i64,
        by: Option<Uuid>,
    ) -> AppDef {
        AppDef {
            id: definition_id(app_id, &self.version, state),
            version: self.version.clone(),
            display_name: self.name.clone(),
            short_description: self.short.clone(),
            description: self.full.clone(),
            state,
            last_modified: now,
            created_by: by,
            bot_id: self.bot_id.clone(),
            client_app_id: self.client_app_id.clone(),
            rsc: self.rsc.clone(),
        }
    }
}

const MAX_PACKAGE: usize = 10 * 1024 * 1024;

pub fn read(bytes: &[u8]) -> Result<Manifest, Vec<Detail>> {
    if bytes.len() > MAX_PACKAGE {
        return Err(vec![detail(
            "PackageTooLarge",
            "The app package must not exceed 10 MB.",
            "package",
        )]);
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        vec![detail(
            "InvalidZipFile",
            format!("The app package is not a valid zip file: {e}"),
            "package",
        )]
    })?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut errors = Vec::new();
    for n in &names {
        if n.starts_with('/') || n.contains("..") || n.contains('\\') {
            errors.push(detail(
                "InvalidFilePath",
                format!("The package contains an invalid path '{n}'."),
                n,
            ));
        }
    }
    if !names.iter().any(|n| n == "manifest.json") {
        errors.push(detail(
            "ManifestNotFound",
            "manifest.json was not found at the root of the app package.",
            "manifest.json",
        ));
        return Err(errors);
    }
    let mut raw = Vec::new();
    let read = zip
        .by_name("manifest.json")
        .map_err(|e| e.to_string())
        .and_then(|f| {
            f.take(MAX_PACKAGE as u64)
                .read_to_end(&mut raw)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = read {
        errors.push(detail(
            "InvalidZipFile",
            format!("manifest.json could not be read: {e}"),
            "manifest.json",
        ));
        return Err(errors);
    }
    if raw.starts_with(&[0xEF, 0xBB, 0xBF]) {
        errors.push(detail(
            "InvalidEncoding",
            "manifest.json must be UTF-8 without a byte order mark.",
            "manifest.json",
        ));
        return Err(errors);
    }
    let m: Value = match serde_json::from_slice(&raw) {
        Ok(v) => v,
        Err(e) => {
            errors.push(detail(
                "InvalidJson",
                format!("manifest.json is not valid JSON: {e}"),
                "manifest.json",
            ));
            return Err(errors);
        }
    };
    let s = |path: &[&str]| -> Option<String> {
        let mut cur = &m;
        for p in path {
            cur = cur.get(*p)?;
        }
        cur.as_str().map(str::to_string)
    };
    for path in [
        &["manifestVersion"][..],
        &["id"],
        &["version"],
        &["name", "short"],
        &["description", "short"],
        &["description", "full"],
        &["developer", "name"],
        &["developer", "websiteUrl"],
        &["developer", "privacyUrl"],
        &["developer", "termsOfUseUrl"],
        &["icons", "color"],
        &["icons", "outline"],
        &["accentColor"],
    ] {
        if s(path).is_none_or(|v| v.is_empty()) {
            let target = path.join(".");
            errors.push(detail(
                "RequiredPropertyMissing",
                format!("Required property '{target}' is missing."),
                &target,
            ));
        }
    }
    let id = s(&["id"]).unwrap_or_default();
    if !id.is_empty() && Uuid::parse_str(&id).is_err() {
        errors.push(detail(
            "InvalidId",
            format!("The app id '{id}' is not a GUID."),
            "id",
        ));
    }
    let version = s(&["version"]).unwrap_or_default();
    if !version.is_empty() && crate::model::parse_version(&version).is_none() {
        errors.push(detail(
            "InvalidVersion",
            format!("The version '{version}' does not match the pattern x.y.z."),
            "version",
        ));
    }
    let name = s(&["name", "short"]).unwrap_or_default();
    if name.chars().count() > 30 {
        errors.push(detail(
            "InvalidName",
            "name.short must be 30 characters or fewer.",
            "name.short",
        ));
    }
    for icon in ["color", "outline"] {
        if let Some(f) = s(&["icons", icon]) {
            if !f.is_empty() && !names.contains(&f) {
                errors.push(detail(
                    "IconNotFound",
                    format!(
                        "The icon file '{f}' referenced by icons.{icon} is not in the package."
                    ),
                    &format!("icons.{icon}"),
                ));
            }
        }
    }
    let bots = m
        .get("bots")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if bots.len() > 1 {
        errors.push(detail(
            "TooManyBots",
            "An app can declare at most one bot.",
            "bots",
        ));
    }
    let bot_id = bots
        .first()
        .and_then(|b| b.get("botId"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(b) = &bot_id {
        if Uuid::parse_str(b).is_err() {
            errors.push(detail(
                "InvalidBotId",
                format!("botId '{b}' is not a GUID."),
                "bots[0].botId",
            ));
        }
    }
    let client_app_id = s(&["webApplicationInfo", "id"]);
    let mut rsc = Vec::new();
    if let Some(list) = m
        .pointer("/authorization/permissions/resourceSpecific")
        .and_then(Value::as_array)
    {
        for p in list {
            match (p.get("name").and_then(Value::as_str), p.get("type").and_then(Value::as_str)) {
                (Some(n), Some(t)) if t.eq_ignore_ascii_case("Application") || t.eq_ignore_ascii_case("Delegated") => rsc.push(RscPerm {
                    value: n.to_string(),
                    kind: t.to_ascii_lowercase(),
                }),
                _ => errors.push(detail("InvalidResourceSpecificPermission", "Each resourceSpecific permission needs a name and a type of Application or Delegated.", "authorization.permissions.resourceSpecific")),
            }
        }
    }
    if let Some(list) = m
        .pointer("/webApplicationInfo/applicationPermissions")
        .and_then(Value::as_array)
    {
        for p in list.iter().filter_map(Value::as_str) {
            rsc.push(RscPerm {
                value: p.to_string(),
                kind: "application".into(),
            });
        }
    }
    if !rsc.is_empty() && client_app_id.is_none() {
        errors.push(detail(
            "WebApplicationInfoMissing",
            "Resource-specific permissions require webApplicationInfo.",
            "webApplicationInfo",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Manifest {
        id,
        version,
        name,
        short: s(&["description", "short"]).unwrap_or_default(),
        full: s(&["description", "full"]).unwrap_or_default(),
        bot_id,
        client_app_id,
        rsc,
    })
}
