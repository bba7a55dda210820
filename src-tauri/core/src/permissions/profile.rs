//! Permission profiles: what a bot needs. Built-in ones ship as TOML files embedded in the
//! binary; custom ones are JSON or TOML files the admin imports (kept in SQLite) or derives
//! from a Teams app manifest.

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{PermissionError, GRAPH_APP_ID};
use crate::ids::EntraAppId;
use crate::package::Manifest;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    /// Acts as the signed-in user (`oauth2PermissionGrants`).
    Delegated,
    /// Acts as itself, tenant-wide (`appRoleAssignments`).
    Application,
    /// Resource-specific consent: granted per team or chat when the app is installed there.
    Rsc,
}

impl PermissionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delegated => "delegated",
            Self::Application => "application",
            Self::Rsc => "rsc",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProfileSource {
    Builtin,
    #[default]
    Custom,
    Manifest,
}

/// One way a bot can connect (OX Security: identity provider vs bot identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionModel {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Another Entra app id the vendor publishes for the same bot (e.g. a regional deployment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtherAppId {
    pub app_id: String,
    /// What this id is for, in the vendor's words ("EU service region").
    pub label: String,
}

/// One permission a bot needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileEntry {
    /// The resource's app id; Microsoft Graph unless said otherwise ("graph" is accepted).
    #[serde(default = "graph_resource")]
    pub resource: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PermissionKind,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub purpose: String,
    /// False when the vendor asks for more than the feature strictly needs.
    #[serde(default = "yes")]
    pub least_privileged: bool,
    /// The narrower permission that would do, where one exists.
    #[serde(default)]
    pub alternative: Option<String>,
    /// The connection model this entry belongs to; `None` = every model.
    #[serde(default)]
    pub model: Option<String>,
}

fn graph_resource() -> String {
    GRAPH_APP_ID.to_string()
}

fn yes() -> bool {
    true
}

/// A bot profile: the vendor's list of the Graph permissions its bot needs, and why (not the
/// sign-in profile, which is a tenant BotDeck signs in to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BotProfile {
    /// Stable id: lowercase letters, digits and dashes.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The bot's Entra app id, when the profile is about one app.
    #[serde(default)]
    pub app_id: Option<String>,
    /// Other Entra app ids the vendor publishes for this bot (regional deployments).
    #[serde(default)]
    pub other_app_ids: Vec<OtherAppId>,
    /// The Teams store app id, for bots distributed through the Teams store.
    #[serde(default)]
    pub store_app_id: Option<String>,
    /// Where the vendor publishes its permission table.
    #[serde(default)]
    pub source_url: Option<String>,
    /// Set by BotDeck on load; whatever a file says here is ignored.
    #[serde(default)]
    pub source: ProfileSource,
    #[serde(default)]
    pub models: Vec<ConnectionModel>,
    pub permissions: Vec<ProfileEntry>,
}

impl BotProfile {
    pub fn model_name(&self, id: &str) -> String {
        self.models
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

/// How a profile file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProfileFormat {
    Json,
    Toml,
}

impl ProfileFormat {
    /// From a file name's extension.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Self::Json)
        } else if lower.ends_with(".toml") {
            Some(Self::Toml)
        } else {
            None
        }
    }
}

/// A profile file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {field}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ProfileFileError {
    pub file: String,
    /// 1-based, when known.
    pub line: Option<usize>,
    /// A field path such as `permissions[2].type`, or `syntax`.
    pub field: String,
    pub message: String,
}

const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "flashduty.toml",
        include_str!("../../profiles/flashduty.toml"),
    ),
    (
        "pagerduty.toml",
        include_str!("../../profiles/pagerduty.toml"),
    ),
    (
        "ox-security.toml",
        include_str!("../../profiles/ox-security.toml"),
    ),
    (
        "mattermost.toml",
        include_str!("../../profiles/mattermost.toml"),
    ),
];

/// The profiles that ship with BotDeck. They are checked by tests; should one ever fail to
/// parse, it is left out and reported rather than taking the whole feature down.
pub fn builtin_profiles() -> Vec<BotProfile> {
    BUILTIN_FILES
        .iter()
        .filter_map(
            |(file, text)| match parse_profile(file, text, ProfileFormat::Toml) {
                Ok(mut p) => {
                    p.source = ProfileSource::Builtin;
                    Some(p)
                }
                Err(err) => {
                    tracing::error!(%err, "a built-in permission profile does not parse");
                    None
                }
            },
        )
        .collect()
}

/// Parses and validates a profile file. `file` only names it in messages.
pub fn parse_profile(
    file: &str,
    text: &str,
    format: ProfileFormat,
) -> Result<BotProfile, ProfileFileError> {
    let mut profile: BotProfile = match format {
        ProfileFormat::Json => serde_json::from_str(text).map_err(|e| ProfileFileError {
            file: file.to_string(),
            line: Some(e.line()),
            field: field_from_serde_message(&e.to_string()),
            message: strip_position(&e.to_string()),
        })?,
        ProfileFormat::Toml => toml::from_str(text).map_err(|e| ProfileFileError {
            file: file.to_string(),
            line: e.span().map(|s| line_at(text, s.start)),
            field: field_from_serde_message(e.message()),
            message: e.message().trim().to_string(),
        })?,
    };
    profile.source = ProfileSource::Custom;
    normalise(&mut profile);
    validate(&profile).map_err(|(field, message, needle)| ProfileFileError {
        file: file.to_string(),
        line: needle.and_then(|n| line_of(text, &n)),
        field,
        message,
    })?;
    Ok(profile)
}

/// `Microsoft Graph` / `graph` → Graph's app id, so files can say it the readable way.
fn normalise(profile: &mut BotProfile) {
    for entry in &mut profile.permissions {
        let r = entry.resource.trim();
        if r.eq_ignore_ascii_case("graph")
            || r.eq_ignore_ascii_case("microsoft graph")
            || r.eq_ignore_ascii_case("https://graph.microsoft.com")
        {
            entry.resource = GRAPH_APP_ID.to_string();
        }
    }
}

type Invalid = (String, String, Option<String>);

fn validate(p: &BotProfile) -> Result<(), Invalid> {
    let bad = |field: &str, message: String, needle: Option<&str>| {
        Err((field.to_string(), message, needle.map(str::to_string)))
    };
    if p.id.is_empty()
        || p.id.len() > 64
        || !p
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad(
            "id",
            format!(
                "{:?} is not a valid profile id: use 1 to 64 lowercase letters, digits and dashes",
                p.id
            ),
            Some(&p.id),
        );
    }
    if p.name.trim().is_empty() {
        return bad("name", "the profile needs a name".into(), None);
    }
    if let Some(app) = &p.app_id {
        // Stays text (errors here name the line), checked as the inspection will check it.
        if EntraAppId::parse(app).is_err() {
            return bad(
                "appId",
                format!("{app:?} is not an Entra app id (a GUID)"),
                Some(app),
            );
        }
    }
    for (i, other) in p.other_app_ids.iter().enumerate() {
        if EntraAppId::parse(&other.app_id).is_err() {
            return bad(
                &format!("otherAppIds[{i}].appId"),
                format!("{:?} is not an Entra app id (a GUID)", other.app_id),
                Some(&other.app_id),
            );
        }
        if other.label.trim().is_empty() {
            return bad(
                &format!("otherAppIds[{i}].label"),
                "say what this app id is for (e.g. \"EU service region\")".into(),
                None,
            );
        }
    }
    if let Some(store) = &p.store_app_id {
        if uuid::Uuid::try_parse(store).is_err() {
            return bad(
                "storeAppId",
                format!("{store:?} is not a Teams store app id (a GUID)"),
                Some(store),
            );
        }
    }
    let mut model_ids = HashSet::new();
    for (i, m) in p.models.iter().enumerate() {
        if m.id.trim().is_empty() {
            return bad(
                &format!("models[{i}].id"),
                "a connection model needs an id".into(),
                None,
            );
        }
        if !model_ids.insert(m.id.as_str()) {
            return bad(
                &format!("models[{i}].id"),
                format!("connection model {:?} is declared twice", m.id),
                Some(&m.id),
            );
        }
    }
    if p.permissions.is_empty() {
        return bad(
            "permissions",
            "the profile lists no permissions".into(),
            None,
        );
    }
    let mut seen = HashSet::new();
    for (i, e) in p.permissions.iter().enumerate() {
        let at = |f: &str| format!("permissions[{i}].{f}");
        let name = e.name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) || name != e.name {
            return bad(
                &at("name"),
                format!(
                    "{:?} is not a permission name (one word such as User.Read.All)",
                    e.name
                ),
                Some(&e.name),
            );
        }
        if e.resource != GRAPH_APP_ID && uuid::Uuid::try_parse(&e.resource).is_err() {
            return bad(
                &at("resource"),
                format!(
                    "{:?} is not a resource app id (a GUID) or \"Microsoft Graph\"",
                    e.resource
                ),
                Some(&e.resource),
            );
        }
        let rsc_suffix = [".Group", ".Chat", ".User"]
            .iter()
            .any(|s| name.ends_with(s));
        if e.kind == PermissionKind::Rsc && !rsc_suffix {
            return bad(
                &at("type"),
                format!("{name} is not a resource-specific permission: RSC names end in .Group, .Chat or .User"),
                Some(name),
            );
        }
        if e.kind != PermissionKind::Rsc && rsc_suffix {
            return bad(
                &at("type"),
                format!("{name} is a resource-specific permission: its type must be \"rsc\""),
                Some(name),
            );
        }
        if let Some(model) = &e.model {
            if !model_ids.contains(model.as_str()) {
                return bad(
                    &at("model"),
                    format!(
                        "connection model {model:?} is not declared under [[models]] / \"models\""
                    ),
                    Some(model),
                );
            }
        }
        if let Some(alt) = &e.alternative {
            if alt.trim().is_empty() {
                return bad(
                    &at("alternative"),
                    "leave the alternative out rather than empty".into(),
                    None,
                );
            }
        }
        let key = (
            e.resource.to_ascii_lowercase(),
            name.to_ascii_lowercase(),
            e.kind,
            e.model.clone(),
        );
        if !seen.insert(key) {
            return bad(
                &at("name"),
                format!("{name} ({}) is listed twice", e.kind.as_str()),
                Some(name),
            );
        }
    }
    Ok(())
}

fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|s| s.matches('\n').count() + 1)
        .unwrap_or(1)
}

/// The first line quoting `needle` as a value: good enough to point at a semantic error.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let quoted = format!("\"{needle}\"");
    text.lines()
        .position(|l| l.contains(&quoted))
        .map(|i| i + 1)
}

/// serde names the offending field inside backticks ("unknown field `requird`").
fn field_from_serde_message(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("field") {
        if let Some(start) = message.find('`') {
            if let Some(len) = message[start + 1..].find('`') {
                return message[start + 1..start + 1 + len].to_string();
            }
        }
    }
    "syntax".to_string()
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

pub fn export_profile(
    profile: &BotProfile,
    format: ProfileFormat,
) -> Result<String, PermissionError> {
    match format {
        ProfileFormat::Json => serde_json::to_string_pretty(profile)
            .map_err(|e| PermissionError::Encode(e.to_string())),
        ProfileFormat::Toml => {
            toml::to_string_pretty(profile).map_err(|e| PermissionError::Encode(e.to_string()))
        }
    }
}

/// A profile from a Teams app manifest: its RSC permissions (required, as the manifest asks
/// for them at install) and the app id the grants belong to. Manifests do not list Entra
/// application or delegated permissions; those live in the app registration.
pub fn profile_from_manifest(manifest: &Manifest) -> Result<BotProfile, PermissionError> {
    let app_id = manifest
        .web_application_info
        .as_ref()
        .map(|w| w.id.clone())
        .filter(|id| EntraAppId::parse(id).is_ok())
        .or_else(|| manifest.bot().map(|b| b.bot_id.clone()))
        .filter(|id| EntraAppId::parse(id).is_ok())
        .ok_or_else(|| {
            PermissionError::Invalid(
                "the manifest has neither webApplicationInfo.id nor a bot id: no app to check"
                    .into(),
            )
        })?;
    let rsc = manifest
        .authorization
        .as_ref()
        .and_then(|a| a.permissions.as_ref())
        .and_then(|p| p.resource_specific.as_ref())
        .cloned()
        .unwrap_or_default();
    if rsc.is_empty() {
        return Err(PermissionError::Invalid(format!(
            "the manifest of {} declares no resource-specific permissions; write a profile for its Entra permissions instead",
            manifest.name.short
        )));
    }
    let mut permissions: Vec<ProfileEntry> = Vec::new();
    for r in rsc {
        if permissions.iter().any(|p| p.name == r.name) {
            continue;
        }
        permissions.push(ProfileEntry {
            resource: GRAPH_APP_ID.to_string(),
            name: r.name.clone(),
            kind: PermissionKind::Rsc,
            required: true,
            purpose: format!("Declared in the manifest ({} RSC).", r.kind),
            least_privileged: true,
            alternative: None,
            model: None,
        });
    }
    let id = format!(
        "manifest-{}",
        manifest
            .id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase()
    );
    let profile = BotProfile {
        id,
        name: format!("{} {} (manifest)", manifest.name.short, manifest.version),
        vendor: Some(manifest.developer.name.clone()),
        description: "Resource-specific permissions declared in the app manifest.".into(),
        app_id: Some(app_id),
        other_app_ids: Vec::new(),
        store_app_id: None,
        source_url: None,
        source: ProfileSource::Manifest,
        models: Vec::new(),
        permissions,
    };
    validate(&profile).map_err(|(field, message, _)| {
        PermissionError::Invalid(format!("manifest permission {field}: {message}"))
    })?;
    Ok(profile)
}

/// Custom profiles live in SQLite, in the `permission_profile` table, as their JSON form.
pub fn save_custom_profile(store: &Store, profile: &BotProfile) -> Result<(), PermissionError> {
    if builtin_profiles().iter().any(|b| b.id == profile.id) {
        return Err(PermissionError::Invalid(format!(
            "{:?} is the id of a built-in profile; give the custom profile another id",
            profile.id
        )));
    }
    let mut stored = profile.clone();
    stored.source = ProfileSource::Custom;
    let body =
        serde_json::to_string(&stored).map_err(|e| PermissionError::Encode(e.to_string()))?;
    store
        .connection()
        .execute(
            "INSERT INTO permission_profile (id, name, body, imported_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body,
                 imported_at = excluded.imported_at",
            params![
                stored.id,
                stored.name,
                body,
                chrono::Utc::now().to_rfc3339()
            ],
        )
        .map_err(StoreError::from)?;
    Ok(())
}

pub fn delete_custom_profile(store: &Store, id: &str) -> Result<bool, PermissionError> {
    let n = store
        .connection()
        .execute("DELETE FROM permission_profile WHERE id = ?1", [id])
        .map_err(StoreError::from)?;
    Ok(n > 0)
}

/// Built-in profiles first, then custom ones by id. A stored row that no longer parses is
/// skipped with a log line (it can be re-imported) instead of hiding every other profile.
pub fn list_profiles(store: &Store) -> Result<Vec<BotProfile>, PermissionError> {
    let mut out = builtin_profiles();
    let conn = store.connection();
    let mut stmt = conn
        .prepare("SELECT id, body FROM permission_profile ORDER BY id")
        .map_err(StoreError::from)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(StoreError::from)?;
    for row in rows {
        let (id, body) = row.map_err(StoreError::from)?;
        match serde_json::from_str::<BotProfile>(&body) {
            Ok(mut p) => {
                p.source = ProfileSource::Custom;
                out.push(p);
            }
            Err(err) => tracing::warn!(%id, %err, "stored permission profile is unreadable"),
        }
    }
    Ok(out)
}

pub fn find_profile(store: &Store, id: &str) -> Result<BotProfile, PermissionError> {
    if let Some(p) = builtin_profiles().into_iter().find(|p| p.id == id) {
        return Ok(p);
    }
    let body: Option<String> = store
        .connection()
        .query_row(
            "SELECT body FROM permission_profile WHERE id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()
        .map_err(StoreError::from)?;
    match body {
        Some(body) => {
            let mut p: BotProfile = serde_json::from_str(&body).map_err(|e| {
                PermissionError::Invalid(format!(
                    "the stored profile {id:?} is unreadable ({e}); import it again"
                ))
            })?;
            p.source = ProfileSource::Custom;
            Ok(p)
        }
        None => Err(PermissionError::ProfileNotFound(id.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_cover_the_four_stories() {
        let ids: Vec<String> = builtin_profiles().into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["flashduty", "pagerduty", "ox-security", "mattermost"]);
    }

    const VENDOR_SOURCES: &str = include_str!("../../profiles/VENDOR-SOURCES.md");

    /// The rows of the markdown tables under the `## {vendor}` heading, table by table, each
    /// table introduced by the text line before it ("Required:", "Optional:", "Ids:"...).
    fn vendor_tables(vendor: &str) -> Vec<(String, Vec<Vec<String>>)> {
        let heading = format!("## {vendor}");
        let section: Vec<&str> = VENDOR_SOURCES
            .lines()
            .skip_while(|l| l.trim() != heading)
            .skip(1)
            .take_while(|l| !l.starts_with("## "))
            .collect();
        assert!(!section.is_empty(), "no section {heading:?}");
        let mut tables: Vec<(String, Vec<Vec<String>>)> = Vec::new();
        let mut label = String::new();
        let mut in_table = false;
        for line in section {
            let t = line.trim();
            if t.starts_with('|') {
                let cells: Vec<String> = t
                    .trim_matches('|')
                    .split('|')
                    .map(|c| c.trim().to_string())
                    .collect();
                if !in_table {
                    tables.push((label.clone(), Vec::new()));
                    in_table = true;
                    continue; // header row
                }
                if cells.iter().all(|c| c.chars().all(|ch| ch == '-')) {
                    continue;
                }
                if let Some(last) = tables.last_mut() {
                    last.1.push(cells);
                }
            } else {
                in_table = false;
                if !t.is_empty() {
                    label = t.to_string();
                }
            }
        }
        tables
    }

    fn table<'a>(tables: &'a [(String, Vec<Vec<String>>)], label: &str) -> &'a [Vec<String>] {
        tables
            .iter()
            .find(|(l, _)| l.starts_with(label))
            .map(|(_, rows)| rows.as_slice())
            .unwrap_or_else(|| panic!("no table after {label:?}"))
    }

    fn kind(s: &str) -> PermissionKind {
        match s {
            "Application" => PermissionKind::Application,
            "Delegated" => PermissionKind::Delegated,
            other => panic!("unknown type {other:?}"),
        }
    }

    /// (name, kind, required, least-privileged) from a PagerDuty-style table; a row naming
    /// several permissions ("openid, email, profile") stands for each of them.
    fn rows(rows: &[Vec<String>], required: bool) -> Vec<(String, PermissionKind, bool, bool)> {
        rows.iter()
            .flat_map(|r| {
                let k = kind(&r[1]);
                let lp = r[2] == "yes";
                r[0].split(',')
                    .map(move |n| (n.trim().to_string(), k, required, lp))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn entries(p: &BotProfile) -> Vec<(String, PermissionKind, bool, bool)> {
        let mut v: Vec<_> = p
            .permissions
            .iter()
            .map(|e| (e.name.clone(), e.kind, e.required, e.least_privileged))
            .collect();
        v.sort();
        v
    }

    fn builtin(id: &str) -> BotProfile {
        builtin_profiles()
            .into_iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no built-in {id}"))
    }

    #[test]
    fn builtin_profiles_say_what_the_vendors_publish() {
        // PagerDuty: 14 required rows (16 permissions), 2 optional, LP flags, ids.
        let t = vendor_tables("PagerDuty");
        let required = table(&t, "Required:");
        assert_eq!(required.len(), 14);
        let mut want = rows(required, true);
        want.extend(rows(table(&t, "Optional:"), false));
        want.sort();
        let pd = builtin("pagerduty");
        assert_eq!(entries(&pd), want, "PagerDuty profile vs VENDOR-SOURCES.md");
        let ids = table(&t, "Ids:");
        let id = |label: &str| {
            ids.iter()
                .find(|r| r[0] == label)
                .map(|r| r[1].clone())
                .unwrap_or_else(|| panic!("no id {label}"))
        };
        assert_eq!(pd.app_id.as_deref(), Some(id("Entra app (US)").as_str()));
        assert_eq!(
            pd.other_app_ids
                .iter()
                .map(|o| o.app_id.as_str())
                .collect::<Vec<_>>(),
            [id("Entra app (EU)").as_str()]
        );
        assert_eq!(pd.store_app_id.as_deref(), Some(id("store app").as_str()));
        let user_read_all = pd
            .permissions
            .iter()
            .find(|e| e.name == "User.Read.All")
            .expect("User.Read.All");
        assert!(
            user_read_all.purpose.contains("removing"),
            "flag its removal"
        );
        assert!(pd.models.is_empty());

        // OX: exactly its nine scopes, delegated grants, two models, nothing else (no RSC).
        let t = vendor_tables("OX Security");
        assert_eq!(t.len(), 1, "OX publishes one scope list");
        let mut want: Vec<_> = t[0]
            .1
            .iter()
            .map(|r| (r[0].clone(), PermissionKind::Delegated, true, true))
            .collect();
        want.sort();
        assert_eq!(want.len(), 9);
        let ox = builtin("ox-security");
        assert_eq!(entries(&ox), want, "OX profile vs VENDOR-SOURCES.md");
        assert!(ox.permissions.iter().all(|e| e.model.is_none()));
        let models: Vec<(&str, &str)> = ox
            .models
            .iter()
            .map(|m| (m.id.as_str(), m.description.as_str()))
            .collect();
        assert_eq!(models.len(), 2);
        assert_eq!(models[0].0, "identity-provider");
        assert!(models[0].1.contains("signed-in") && models[0].1.contains("delegated"));
        assert_eq!(models[1].0, "bot-identity");
        assert!(models[1].1.contains("Teams app") && models[1].1.contains("setup policies"));

        // Mattermost: the plugin guide's list.
        let t = vendor_tables("Mattermost");
        let mut want: Vec<_> = t
            .iter()
            .flat_map(|(_, rows)| rows.iter())
            .map(|r| (r[0].clone(), kind(&r[1]), true))
            .collect();
        want.sort();
        let mut got: Vec<_> = builtin("mattermost")
            .permissions
            .iter()
            .map(|e| (e.name.clone(), e.kind, e.required))
            .collect();
        got.sort();
        assert_eq!(got, want, "Mattermost profile vs VENDOR-SOURCES.md");

        // FlashDuty publishes no list: the profile must not pretend to quote a vendor table.
        assert!(VENDOR_SOURCES.contains("No published Graph permission list"));
        let fd = builtin("flashduty");
        assert!(fd.source_url.is_none());
        assert!(fd.description.contains("publishes no permission list"));
    }

    #[test]
    fn other_and_store_app_ids_must_be_guids() {
        let base = "id = \"x\"\nname = \"X\"\n";
        let perm = "[[permissions]]\nname = \"User.Read\"\ntype = \"delegated\"\n";
        let text = format!("{base}storeAppId = \"nope\"\n{perm}");
        let err = parse_profile("x.toml", &text, ProfileFormat::Toml).expect_err("store id");
        assert_eq!(err.field, "storeAppId");
        let text = format!("{base}otherAppIds = [{{ appId = \"x\", label = \"EU\" }}]\n{perm}");
        let err = parse_profile("x.toml", &text, ProfileFormat::Toml).expect_err("other id");
        assert_eq!(err.field, "otherAppIds[0].appId");
        let text = format!(
            "{base}otherAppIds = [{{ appId = \"8f79a561-d2f1-4a1e-8092-c2039043a40e\", label = \" \" }}]\n{perm}"
        );
        let err = parse_profile("x.toml", &text, ProfileFormat::Toml).expect_err("label");
        assert_eq!(err.field, "otherAppIds[0].label");
        // A GUID in a notation Graph would not match is refused here, not at inspection.
        for other in [
            "{8f79a561-d2f1-4a1e-8092-c2039043a40e}",
            "8f79a561d2f14a1e8092c2039043a40e",
        ] {
            let text = format!("{base}appId = \"{other}\"\n{perm}");
            let err = parse_profile("x.toml", &text, ProfileFormat::Toml).expect_err(other);
            assert_eq!(err.field, "appId", "{other}");
            assert_eq!(err.line, Some(3), "{other}");
        }
    }

    #[test]
    fn errors_point_at_line_and_field() {
        let text = "{\n  \"id\": \"x\",\n  \"name\": \"X\",\n  \"permissions\": [\n    {\"name\": \"User.Read\", \"type\": \"delegatd\"}\n  ]\n}";
        let err = parse_profile("x.json", text, ProfileFormat::Json).expect_err("bad type");
        assert_eq!(err.line, Some(5));
        assert!(err.message.contains("delegatd"), "{err}");

        let text =
            "id = \"x\"\nname = \"X\"\n[[permissions]]\nname = \"Chat.Read.All\"\ntype = \"rsc\"\n";
        let err = parse_profile("x.toml", text, ProfileFormat::Toml).expect_err("not rsc");
        assert_eq!(err.field, "permissions[0].type");
        assert_eq!(err.line, Some(4));
    }
}
