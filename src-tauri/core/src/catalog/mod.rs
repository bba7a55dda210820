//! The bot in the org app catalog: find it, publish or update it, review submissions, delete it.
//!
//! Graph's catalog `id` is not the manifest `id` (that is `externalId`), and version and
//! publishingState only come with `$expand=appDefinitions`. Publishing validates the package
//! locally first; when Graph refuses a manifest (`UnableToParseTeamsAppManifest`, sometimes with
//! HTTP 200) its details become findings shaped like the package studio's own.

pub mod ipc;

use reqwest::Method;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use botdeck_graph::resources::errors::{self, ErrorBody};
use botdeck_graph::resources::teams_apps::{TeamsApp, TeamsAppDefinition};
use botdeck_graph::resources::{self, keep_matching};

use crate::audit::Outcome;
use crate::ids::{CatalogAppId, ManifestId};
use crate::package::{self, Finding, PackageError, Severity, ValidateOptions};
use crate::secrets::Sensitive;
use crate::store::{id_column, optional_id_column, Store, StoreError};
use botdeck_graph::{GraphClient, GraphError, RawResponse};

/// Forward-only schema of this module (one migration step). Replace, don't append, until the
/// first release; after that, add a new step instead.
pub const SCHEMA: &str = "CREATE TABLE catalog_app (
        id                  TEXT PRIMARY KEY NOT NULL,
        external_id         TEXT,
        display_name        TEXT NOT NULL,
        distribution_method TEXT NOT NULL,
        definitions         TEXT NOT NULL,
        synced_at           TEXT NOT NULL
    ) STRICT;
    CREATE INDEX catalog_app_external_id ON catalog_app (external_id COLLATE NOCASE);";

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("the package cannot be read: {0}")]
    Package(#[from] PackageError),
    #[error("the package has {errors} error(s); fix them before publishing")]
    InvalidPackage { errors: u32, findings: Vec<Finding> },
    #[error("Microsoft's catalog refused the manifest ({} problem(s)){}", findings.len(), request_id.as_deref().map(|r| format!(" (request-id {r})")).unwrap_or_default())]
    ManifestRejected {
        findings: Vec<Finding>,
        request_id: Option<String>,
    },
    #[error(
        "{display_name} is already in the catalog at {version}: publish the package as an update"
    )]
    AlreadyInCatalog {
        /// `None` when the app vanished again between the upload and the look-up.
        catalog_id: Option<CatalogAppId>,
        display_name: String,
        version: String,
    },
    #[error("version {package} is not greater than {catalog}, the catalog's current version: bump the package version first")]
    VersionNotGreater { package: String, catalog: String },
    #[error("the package's manifest id {package} is not the catalog app's ({catalog})")]
    ManifestIdMismatch { package: String, catalog: String },
    #[error("no app {0:?} in the Teams app catalog (org catalog or Teams store)")]
    NotFound(String),
    #[error("{display_name} is a {distribution} app: BotDeck cannot {what} it. {note}")]
    NotAnOrgApp {
        display_name: String,
        distribution: String,
        what: String,
        note: String,
    },
    #[error("{0}")]
    Refused(String),
    /// A value the admin gave cannot be used (checked before any network work).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CatalogError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(err))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PublishingState {
    Submitted,
    Rejected,
    Published,
    Unknown,
}

impl PublishingState {
    fn parse(s: &str) -> Self {
        match s {
            "submitted" => Self::Submitted,
            "rejected" => Self::Rejected,
            "published" => Self::Published,
            _ => Self::Unknown,
        }
    }
}

/// How an app reached the tenant (Graph's `teamsAppDistributionMethod`). Only org apps can be
/// published, updated, reviewed or deleted through Graph; store and sideloaded apps are
/// installed, upgraded, removed and inspected like org apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// In the org app catalog (uploaded by an admin): BotDeck publishes and updates it.
    Organization,
    /// From the Microsoft Teams store: its publisher releases versions through Microsoft.
    Store,
    /// Uploaded straight into a team or for a user (custom app upload).
    Sideloaded,
    /// A value Graph added after this BotDeck was built.
    Unknown,
}

impl Distribution {
    pub fn parse(s: &str) -> Self {
        match s {
            s if s.eq_ignore_ascii_case("organization") => Self::Organization,
            s if s.eq_ignore_ascii_case("store") => Self::Store,
            s if s.eq_ignore_ascii_case("sideloaded") => Self::Sideloaded,
            _ => Self::Unknown,
        }
    }

    /// The admin's word for it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Organization => "org catalog",
            Self::Store => "Teams store",
            Self::Sideloaded => "sideloaded",
            Self::Unknown => "other",
        }
    }

    pub fn can_publish(self) -> bool {
        self == Self::Organization
    }

    /// Why publishing, updating and reviewing are not offered; `None` for org apps.
    pub fn publishing_note(self) -> Option<&'static str> {
        match self {
            Self::Organization => None,
            Self::Store => Some(
                "This app comes from the Microsoft Teams store: its publisher releases new versions \
                 through Microsoft, so there is nothing to publish, update or review in your org \
                 catalog. BotDeck installs, upgrades, removes and inspects it like an org app.",
            ),
            Self::Sideloaded => Some(
                "This app was uploaded straight into a team or for a user (sideloaded): it is not in \
                 your org catalog, so there is nothing to publish, update or review. Upload its \
                 package to the org catalog to manage its versions here.",
            ),
            Self::Unknown => Some(
                "Graph reports a distribution method this BotDeck does not know: only org catalog \
                 apps can be published, updated or reviewed.",
            ),
        }
    }
}

/// One RSC permission of a definition (`authorization.requiredPermissionSet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RscPermission {
    pub permission_value: String,
    /// `Application` or `Delegated`.
    pub permission_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppDefinition {
    pub id: String,
    pub version: String,
    pub publishing_state: PublishingState,
    pub display_name: String,
    pub last_modified: Option<String>,
    pub required_rsc: Vec<RscPermission>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CatalogApp {
    /// Graph's catalog id (what installs bind to).
    pub id: CatalogAppId,
    /// The manifest `id`; `None` for store apps.
    pub external_id: Option<ManifestId>,
    pub display_name: String,
    /// `organization`, `store` or `sideloaded`.
    pub distribution_method: String,
    pub definitions: Vec<AppDefinition>,
}

impl CatalogApp {
    pub fn distribution(&self) -> Distribution {
        Distribution::parse(&self.distribution_method)
    }

    /// A refusal for publish / update / review / delete of a store or sideloaded app.
    pub fn refuse_unless_org(&self, what: &str) -> Result<(), CatalogError> {
        match self.distribution().publishing_note() {
            None => Ok(()),
            Some(note) => Err(CatalogError::NotAnOrgApp {
                display_name: self.display_name.clone(),
                distribution: self.distribution().label().to_string(),
                what: what.to_string(),
                note: note.to_string(),
            }),
        }
    }

    /// The definition teams get when the bot is installed: the highest published version.
    pub fn published(&self) -> Option<&AppDefinition> {
        self.definitions
            .iter()
            .filter(|d| d.publishing_state == PublishingState::Published)
            .max_by(|a, b| version_key(&a.version).cmp(&version_key(&b.version)))
    }

    /// The highest version that blocks a new upload (rejected ones don't).
    pub fn current_version(&self) -> Option<&str> {
        self.definitions
            .iter()
            .filter(|d| d.publishing_state != PublishingState::Rejected)
            .max_by(|a, b| version_key(&a.version).cmp(&version_key(&b.version)))
            .map(|d| d.version.as_str())
    }

    pub fn submitted(&self) -> Vec<&AppDefinition> {
        self.definitions
            .iter()
            .filter(|d| d.publishing_state == PublishingState::Submitted)
            .collect()
    }

    /// What the FlashDuty story asks BotDeck to warn about: an app users cannot see yet.
    pub fn visibility_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.published().is_none() {
            out.push(format!(
                "{} has no published version: users cannot find or install it until an admin approves it",
                self.display_name
            ));
        }
        for d in &self.definitions {
            match d.publishing_state {
                PublishingState::Submitted => out.push(format!(
                    "Version {} is waiting for review (submitted); it is not visible to users yet",
                    d.version
                )),
                PublishingState::Rejected => out.push(format!(
                    "Version {} was rejected; upload a new version",
                    d.version
                )),
                _ => {}
            }
        }
        out
    }
}

/// Graph's `teamsApp` (with `$expand=appDefinitions`) as the catalog page shows it.
impl From<TeamsApp> for CatalogApp {
    fn from(app: TeamsApp) -> Self {
        Self {
            id: app.id,
            external_id: app.external_id,
            display_name: app.display_name.unwrap_or_default(),
            distribution_method: app.distribution_method.unwrap_or_default(),
            definitions: app
                .app_definitions
                .into_iter()
                .map(AppDefinition::from)
                .collect(),
        }
    }
}

impl From<TeamsAppDefinition> for AppDefinition {
    fn from(d: TeamsAppDefinition) -> Self {
        let required_rsc = d
            .required_rsc()
            .into_iter()
            .map(|(value, kind)| RscPermission {
                permission_value: value.to_string(),
                permission_type: kind.to_string(),
            })
            .collect();
        Self {
            id: d.id,
            version: d.version.unwrap_or_default(),
            publishing_state: PublishingState::parse(d.publishing_state.as_deref().unwrap_or("")),
            display_name: d.display_name.unwrap_or_default(),
            last_modified: d.last_modified_date_time,
            required_rsc,
        }
    }
}

/// Sortable form of an `x.y.z` version (unparseable versions sort first).
pub fn version_key(version: &str) -> i64 {
    let mut parts = version.trim().trim_start_matches('v').split('.');
    let mut key = 0i64;
    for _ in 0..3 {
        let n: i64 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
            .clamp(0, 999_999);
        key = key * 1_000_000 + n;
    }
    key
}

pub use crate::audit::{Actor, Audit};

const EXPAND: &str = "$expand=appDefinitions";

/// Org catalog apps with every definition, plus the store or sideloaded apps in `also`
/// (catalog ids BotDeck was pointed at before, e.g. from the local cache): the whole Teams
/// store is thousands of apps, so it is never listed wholesale here.
pub async fn list_apps(
    graph: &GraphClient,
    token: &Sensitive<String>,
    also: &[String],
) -> Result<Vec<CatalogApp>, CatalogError> {
    let items = graph
        .list::<TeamsApp>(
            token,
            &format!(
                "/appCatalogs/teamsApps?$filter=distributionMethod%20eq%20'organization'&{EXPAND}"
            ),
        )
        .await?;
    let items = keep_matching(
        items,
        |a| a.distribution_method.as_deref(),
        "organization",
        "appCatalogs/teamsApps",
    );
    let mut apps: Vec<CatalogApp> = items.into_iter().map(CatalogApp::from).collect();
    for id in also {
        if apps.iter().any(|a| a.id.eq_ignore_ascii_case(id)) || !is_guid(id) {
            continue;
        }
        match get_app(graph, token, id).await {
            Ok(app) => apps.push(app),
            // Gone from the tenant (blocked, deleted): it simply is not listed any more.
            Err(CatalogError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(apps)
}

/// The org app whose manifest id is `manifest_id` (store apps have no `externalId`).
pub async fn find_by_manifest_id(
    graph: &GraphClient,
    token: &Sensitive<String>,
    manifest_id: &str,
) -> Result<Option<CatalogApp>, CatalogError> {
    if !is_guid(manifest_id) {
        return Ok(None);
    }
    let items = graph
        .list::<TeamsApp>(
            token,
            &format!("/appCatalogs/teamsApps?$filter=externalId%20eq%20'{manifest_id}'&{EXPAND}"),
        )
        .await?;
    let items = keep_matching(
        items,
        |a| a.external_id.as_deref(),
        manifest_id,
        "appCatalogs/teamsApps",
    );
    Ok(items.into_iter().next().map(CatalogApp::from))
}

/// One app by its catalog id (for a store app that is also its manifest id), read with the
/// documented list + `$filter=id eq '…'`.
pub async fn get_app(
    graph: &GraphClient,
    token: &Sensitive<String>,
    catalog_id: &str,
) -> Result<CatalogApp, CatalogError> {
    if !is_guid(catalog_id) {
        return Err(CatalogError::NotFound(catalog_id.to_string()));
    }
    let items = graph
        .list::<TeamsApp>(
            token,
            &format!("/appCatalogs/teamsApps?$filter=id%20eq%20'{catalog_id}'&{EXPAND}"),
        )
        .await?;
    let items = keep_matching(
        items,
        |a| Some(a.id.as_str()),
        catalog_id,
        "appCatalogs/teamsApps",
    );
    items
        .into_iter()
        .next()
        .map(CatalogApp::from)
        .ok_or_else(|| CatalogError::NotFound(catalog_id.to_string()))
}

/// Finds the bot by manifest id, catalog id (a store app's id is its manifest id), or
/// (case-insensitive) display name: org apps first, then the whole Teams app catalog.
pub async fn find(
    graph: &GraphClient,
    token: &Sensitive<String>,
    needle: &str,
) -> Result<CatalogApp, CatalogError> {
    let needle = needle.trim();
    if is_guid(needle) {
        if let Some(app) = find_by_manifest_id(graph, token, needle).await? {
            return Ok(app);
        }
        return get_app(graph, token, needle).await;
    }
    if needle.is_empty() {
        return Err(CatalogError::NotFound(needle.to_string()));
    }
    let named = |apps: Vec<CatalogApp>| -> Vec<CatalogApp> {
        apps.into_iter()
            .filter(|a| a.display_name.trim().eq_ignore_ascii_case(needle))
            .collect()
    };
    let mut matches = named(list_apps(graph, token, &[]).await?);
    if matches.is_empty() {
        // Not an org app: look through the whole catalog (store apps included) without
        // definitions, then read the one that matches in full.
        let all = graph
            .list::<TeamsApp>(token, "/appCatalogs/teamsApps")
            .await?;
        let ids: Vec<CatalogAppId> = named(all.into_iter().map(CatalogApp::from).collect())
            .into_iter()
            .map(|a| a.id)
            .collect();
        matches = Vec::new();
        for id in ids {
            matches.push(get_app(graph, token, &id).await?);
        }
    }
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(CatalogError::NotFound(needle.to_string())),
        n => Err(CatalogError::Refused(format!(
            "{n} catalog apps are named {needle:?}: use the app id instead"
        ))),
    }
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// Submit for review (`requiresReview=true`) instead of publishing directly.
    pub requires_review: bool,
    /// When the manifest id is already in the catalog, upload as an update instead of failing.
    pub update_if_exists: bool,
    /// Skip BotDeck's own validation (when it is stricter than the service, e.g. a new schema).
    pub skip_local_validation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PublishKind {
    /// A new app in the catalog.
    Published,
    /// A new definition of an existing app.
    Updated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublishOutcome {
    pub kind: PublishKind,
    pub app: CatalogApp,
    pub version: String,
    pub publishing_state: PublishingState,
    pub request_id: Option<String>,
    /// Local findings that did not block (warnings, infos).
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
}

struct LocalPackage {
    manifest_id: String,
    version: String,
    name: String,
    findings: Vec<Finding>,
}

fn check_locally(
    zip: &[u8],
    catalog_version: Option<&str>,
    skip: bool,
) -> Result<LocalPackage, CatalogError> {
    let pkg = package::Package::from_zip(zip)?;
    let mut findings = Vec::new();
    if !skip {
        let opts = ValidateOptions {
            catalog_version: catalog_version.and_then(|v| package::parse_catalog_version(v).ok()),
        };
        let report = package::validate_zip(zip, &opts);
        if report.has_errors() {
            return Err(CatalogError::InvalidPackage {
                errors: report.errors,
                findings: report.findings,
            });
        }
        findings = report.findings;
    }
    Ok(LocalPackage {
        manifest_id: pkg.manifest.id.clone(),
        version: pkg.manifest.version.clone(),
        name: pkg.manifest.name.short.clone(),
        findings,
    })
}

/// The local checks a publish or update runs first, on their own: front-ends run them before
/// asking for a sign-in, so a broken package is refused without one.
pub fn check_package(zip: &[u8]) -> Result<(), CatalogError> {
    check_locally(zip, None, false).map(|_| ())
}

/// What a chosen zip is, read and validated locally before anything is uploaded, so the page
/// can say "update available" (or "not greater") next to the catalog version beforehand.
/// An unreadable zip is data too: its findings say why, and publishing it is refused later.
pub fn inspect(zip: &[u8]) -> ipc::PackageCheck {
    let report = package::validate_zip(zip, &ValidateOptions::default());
    let pkg = package::Package::from_zip(zip).ok();
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    ipc::PackageCheck {
        manifest_id: pkg.as_ref().and_then(|p| text(&p.manifest.id)),
        version: pkg.as_ref().and_then(|p| text(&p.manifest.version)),
        name: pkg.as_ref().and_then(|p| text(&p.manifest.name.short)),
        errors: report.errors,
        warnings: report.warnings,
        findings: report.findings,
    }
}

/// Graph's manifest refusal as findings. `None` when the body is not a manifest error.
pub fn manifest_findings(body: &Value) -> Option<Vec<Finding>> {
    let body = resources::parse::<ErrorBody>(body).ok()?;
    if body.inner_code() != Some("UnableToParseTeamsAppManifest") {
        return None;
    }
    let finding = |code: &str, path: String, message: &str| Finding {
        code: format!("graph.{code}"),
        severity: Severity::Error,
        file: "manifest.json".into(),
        path,
        message: message.to_string(),
        hint: "Reported by Microsoft's app catalog when it read the package.".into(),
        line: None,
        column: None,
    };
    let mut findings: Vec<Finding> = body
        .details()
        .iter()
        .map(|d| {
            let target = d.target.as_deref().unwrap_or_default();
            let path = if target.is_empty() || target.starts_with('/') {
                target.to_string()
            } else {
                format!("/{}", target.replace('.', "/"))
            };
            finding(
                d.code.as_deref().unwrap_or_default(),
                path,
                d.message.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    if findings.is_empty() {
        findings.push(finding(
            "UnableToParseTeamsAppManifest",
            String::new(),
            body.error
                .message
                .as_deref()
                .unwrap_or("the manifest could not be parsed"),
        ));
    }
    Some(findings)
}

/// Turns an upload answer into success or a typed error (manifest errors even with HTTP 200).
fn check_upload(response: &RawResponse) -> Result<(), CatalogError> {
    if let Some(body) = &response.body {
        if let Some(findings) = manifest_findings(body) {
            return Err(CatalogError::ManifestRejected {
                findings,
                request_id: response.request_id.clone(),
            });
        }
    }
    // An `error` that is not Graph's error shape still makes the answer a failure.
    let has_error = response
        .body
        .as_ref()
        .is_some_and(|b| b.get("error").is_some());
    if (200..300).contains(&response.status) && !has_error {
        return Ok(());
    }
    let (code, message) = errors::code_and_message(response.body.as_ref());
    Err(CatalogError::Graph(GraphError::Http {
        status: response.status,
        code,
        message,
        request_id: response.request_id.clone(),
        retry_after: response.retry_after,
    }))
}

fn review_query(requires_review: bool) -> &'static str {
    if requires_review {
        "?requiresReview=true"
    } else {
        ""
    }
}

/// Publishes a package; when its manifest id is in the catalog already, refuses with
/// [`CatalogError::AlreadyInCatalog`] unless `update_if_exists`.
pub async fn publish(
    graph: &GraphClient,
    token: &Sensitive<String>,
    audit: Audit<'_>,
    zip: Vec<u8>,
    opts: PublishOptions,
) -> Result<PublishOutcome, CatalogError> {
    let local = check_locally(&zip, None, opts.skip_local_validation)?;
    if let Some(existing) = find_by_manifest_id(graph, token, &local.manifest_id).await? {
        if opts.update_if_exists {
            return update(graph, token, audit, &existing.id, zip, opts).await;
        }
        return Err(CatalogError::AlreadyInCatalog {
            catalog_id: Some(existing.id.clone()),
            display_name: existing.display_name.clone(),
            version: existing.current_version().unwrap_or("?").to_string(),
        });
    }
    let response = graph
        .send_raw(
            token,
            Method::POST,
            &format!(
                "/appCatalogs/teamsApps{}",
                review_query(opts.requires_review)
            ),
            Some(("application/zip", zip)),
        )
        .await?;
    if response.status == 409 {
        // Someone published it between our lookup and the upload.
        let existing = find_by_manifest_id(graph, token, &local.manifest_id).await?;
        return Err(CatalogError::AlreadyInCatalog {
            catalog_id: existing.as_ref().map(|a| a.id.clone()),
            display_name: existing
                .as_ref()
                .map(|a| a.display_name.clone())
                .unwrap_or(local.name.clone()),
            version: existing
                .as_ref()
                .and_then(|a| a.current_version().map(str::to_string))
                .unwrap_or_else(|| "?".into()),
        });
    }
    if let Err(err) = check_upload(&response) {
        audit.record(
            "catalog.publish",
            "catalog_app",
            &local.manifest_id,
            Some(&local.name),
            Outcome::Failed,
            Some(err.to_string()),
            response.request_id.clone(),
        );
        return Err(err);
    }
    let created: CatalogApp = match response.body.as_ref() {
        Some(body) => resources::parse::<TeamsApp>(body)
            .map_err(GraphError::from)?
            .into(),
        None => {
            return Err(GraphError::Protocol("publish answered without the new app".into()).into())
        }
    };
    let answered = answered_definition(response.body.as_ref(), &local.version);
    let reread = get_app(graph, token, &created.id).await.unwrap_or(created);
    let (app, state) = settle(reread, &local, answered, opts.requires_review);
    audit.record(
        "catalog.publish",
        "catalog_app",
        &app.id,
        Some(&app.display_name),
        Outcome::Succeeded,
        Some(format!("version {} ({state:?})", local.version)),
        response.request_id.clone(),
    );
    Ok(PublishOutcome {
        kind: PublishKind::Published,
        warnings: app.visibility_warnings(),
        app,
        version: local.version,
        publishing_state: state,
        request_id: response.request_id,
        findings: local.findings,
    })
}

/// Uploads a new definition of `catalog_id`; the version must be greater (checked before upload).
pub async fn update(
    graph: &GraphClient,
    token: &Sensitive<String>,
    audit: Audit<'_>,
    catalog_id: &str,
    zip: Vec<u8>,
    opts: PublishOptions,
) -> Result<PublishOutcome, CatalogError> {
    let existing = get_app(graph, token, catalog_id).await?;
    existing.refuse_unless_org("update")?;
    let current = existing.current_version().map(str::to_string);
    // The version rule is checked below, as a typed refusal rather than a finding.
    let local = check_locally(&zip, None, opts.skip_local_validation)?;
    if !existing
        .external_id
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(&local.manifest_id))
    {
        return Err(CatalogError::ManifestIdMismatch {
            package: local.manifest_id,
            catalog: existing.external_id.map(String::from).unwrap_or_default(),
        });
    }
    if let Some(current) = &current {
        if version_key(&local.version) <= version_key(current)
            || package::parse_app_version(&local.version).is_err()
        {
            return Err(CatalogError::VersionNotGreater {
                package: local.version,
                catalog: current.clone(),
            });
        }
    }
    let response = graph
        .send_raw(
            token,
            Method::POST,
            &format!(
                "/appCatalogs/teamsApps/{catalog_id}/appDefinitions{}",
                review_query(opts.requires_review)
            ),
            Some(("application/zip", zip)),
        )
        .await?;
    if let Err(err) = check_upload(&response) {
        audit.record(
            "catalog.update",
            "catalog_app",
            catalog_id,
            Some(&existing.display_name),
            Outcome::Failed,
            Some(format!("version {}: {err}", local.version)),
            response.request_id.clone(),
        );
        return Err(err);
    }
    let answered = answered_definition(response.body.as_ref(), &local.version);
    let reread = get_app(graph, token, catalog_id).await?;
    let (app, state) = settle(reread, &local, answered, opts.requires_review);
    audit.record(
        "catalog.update",
        "catalog_app",
        catalog_id,
        Some(&app.display_name),
        Outcome::Succeeded,
        Some(format!(
            "{} → {} ({state:?})",
            current.as_deref().unwrap_or("none"),
            local.version
        )),
        response.request_id.clone(),
    );
    Ok(PublishOutcome {
        kind: PublishKind::Updated,
        warnings: app.visibility_warnings(),
        app,
        version: local.version,
        publishing_state: state,
        request_id: response.request_id,
        findings: local.findings,
    })
}

/// The new definition as Graph put it in its answer: an update answered 201 carries the new
/// `teamsAppDefinition` (`publishingState: submitted` when it waits for review); a publish
/// answer may carry the app with its definitions.
fn answered_definition(body: Option<&Value>, version: &str) -> Option<AppDefinition> {
    let body = body?;
    let usable = |d: &AppDefinition| {
        d.publishing_state != PublishingState::Unknown
            && (d.version.is_empty() || d.version == version)
    };
    // The upload succeeded: an answer BotDeck cannot read only loses the state it would have
    // told, which the re-read then gives.
    let unreadable = |err: resources::ResourceError| {
        tracing::warn!(%err, "the catalog's upload answer could not be read; using a re-read");
    };
    if body.get("publishingState").is_some() {
        return resources::parse::<TeamsAppDefinition>(body)
            .map_err(unreadable)
            .ok()
            .map(AppDefinition::from)
            .filter(usable);
    }
    resources::parse::<TeamsApp>(body)
        .map_err(unreadable)
        .ok()?
        .app_definitions
        .into_iter()
        .map(AppDefinition::from)
        .find(usable)
}

/// One story about the uploaded version: the state Graph answered wins, then what a re-read
/// shows, then what the request implies (204 = published directly, unless review was asked).
/// A re-read that does not show the new definition yet (the catalog is eventually consistent)
/// gets it added, so the warnings never say "no published version" right after "published".
fn settle(
    mut app: CatalogApp,
    local: &LocalPackage,
    answered: Option<AppDefinition>,
    requires_review: bool,
) -> (CatalogApp, PublishingState) {
    let implied = if requires_review {
        PublishingState::Submitted
    } else {
        PublishingState::Published
    };
    let reread = app
        .definitions
        .iter()
        .find(|d| d.version == local.version)
        .map(|d| d.publishing_state)
        .filter(|s| *s != PublishingState::Unknown);
    let state = answered
        .as_ref()
        .map(|d| d.publishing_state)
        .or(reread)
        .unwrap_or(implied);
    match app
        .definitions
        .iter_mut()
        .find(|d| d.version == local.version)
    {
        Some(d) => d.publishing_state = state,
        None => app.definitions.push(AppDefinition {
            id: answered.map(|d| d.id).unwrap_or_default(),
            version: local.version.clone(),
            publishing_state: state,
            display_name: local.name.clone(),
            last_modified: None,
            required_rsc: Vec::new(),
        }),
    }
    (app, state)
}

fn pick_submitted<'a>(
    app: &'a CatalogApp,
    definition: Option<&str>,
) -> Result<&'a AppDefinition, CatalogError> {
    let submitted = app.submitted();
    match definition {
        Some(wanted) => submitted
            .into_iter()
            .find(|d| d.id == wanted || d.version == wanted)
            .ok_or_else(|| {
                CatalogError::Refused(format!(
                    "{} has no submitted definition {wanted:?}",
                    app.display_name
                ))
            }),
        None => match submitted.as_slice() {
            [one] => Ok(one),
            [] => Err(CatalogError::Refused(format!(
                "{} has no definition waiting for review",
                app.display_name
            ))),
            _ => Err(CatalogError::Refused(format!(
                "{} has several submitted definitions: say which version",
                app.display_name
            ))),
        },
    }
}

/// Approves (`published`) or rejects a submitted definition (`definition`: id or version;
/// `None` = the only submitted one).
pub async fn review(
    graph: &GraphClient,
    token: &Sensitive<String>,
    audit: Audit<'_>,
    catalog_id: &str,
    definition: Option<&str>,
    approve: bool,
) -> Result<CatalogApp, CatalogError> {
    let app = get_app(graph, token, catalog_id).await?;
    app.refuse_unless_org("review")?;
    let def = pick_submitted(&app, definition)?.clone();
    let state = if approve { "published" } else { "rejected" };
    let result = graph
        .send_json(
            token,
            Method::PATCH,
            &format!(
                "/appCatalogs/teamsApps/{catalog_id}/appDefinitions/{}",
                def.id
            ),
            Some(&serde_json::json!({ "publishingState": state })),
        )
        .await;
    let action = if approve {
        "catalog.approve"
    } else {
        "catalog.reject"
    };
    match result {
        Ok(r) => {
            audit.record(
                action,
                "catalog_app",
                catalog_id,
                Some(&app.display_name),
                Outcome::Succeeded,
                Some(format!("version {}", def.version)),
                r.request_id,
            );
            get_app(graph, token, catalog_id).await
        }
        Err(err) => {
            audit.record(
                action,
                "catalog_app",
                catalog_id,
                Some(&app.display_name),
                Outcome::Failed,
                Some(err.to_string()),
                request_id_of(&err),
            );
            Err(err.into())
        }
    }
}

fn request_id_of(err: &GraphError) -> Option<String> {
    match err {
        GraphError::Http { request_id, .. } => request_id.clone(),
        _ => None,
    }
}

/// Withdraws a submitted definition: Graph deletes the whole app when nothing of it is
/// published yet, and only the submitted definition otherwise.
pub async fn withdraw(
    graph: &GraphClient,
    token: &Sensitive<String>,
    audit: Audit<'_>,
    catalog_id: &str,
    definition: Option<&str>,
) -> Result<Option<CatalogApp>, CatalogError> {
    let app = get_app(graph, token, catalog_id).await?;
    app.refuse_unless_org("withdraw a submission of")?;
    let def = pick_submitted(&app, definition)?.clone();
    let only_submitted = app
        .definitions
        .iter()
        .all(|d| d.publishing_state != PublishingState::Published);
    let path = if only_submitted {
        format!("/appCatalogs/teamsApps/{catalog_id}")
    } else {
        format!(
            "/appCatalogs/teamsApps/{catalog_id}/appDefinitions/{}",
            def.id
        )
    };
    let result = graph.send_json(token, Method::DELETE, &path, None).await;
    let (outcome, detail, request_id) = match &result {
        Ok(r) => (
            Outcome::Succeeded,
            format!("withdrew version {}", def.version),
            r.request_id.clone(),
        ),
        Err(e) => (Outcome::Failed, e.to_string(), request_id_of(e)),
    };
    audit.record(
        "catalog.withdraw",
        "catalog_app",
        catalog_id,
        Some(&app.display_name),
        outcome,
        Some(detail),
        request_id,
    );
    result?;
    if only_submitted {
        Ok(None)
    } else {
        Ok(Some(get_app(graph, token, catalog_id).await?))
    }
}

/// Deletes the app from the org catalog (which also removes it from every team and chat).
pub async fn delete(
    graph: &GraphClient,
    token: &Sensitive<String>,
    audit: Audit<'_>,
    catalog_id: &str,
) -> Result<(), CatalogError> {
    let app = get_app(graph, token, catalog_id).await?;
    app.refuse_unless_org("delete")?;
    let result = graph
        .send_json(
            token,
            Method::DELETE,
            &format!("/appCatalogs/teamsApps/{catalog_id}"),
            None,
        )
        .await;
    let (outcome, detail, request_id) = match &result {
        Ok(r) => (Outcome::Succeeded, None, r.request_id.clone()),
        Err(e) => (Outcome::Failed, Some(e.to_string()), request_id_of(e)),
    };
    audit.record(
        "catalog.delete",
        "catalog_app",
        catalog_id,
        Some(&app.display_name),
        outcome,
        detail,
        request_id,
    );
    result?;
    forget_cached(
        &audit.store.lock().unwrap_or_else(|p| p.into_inner()),
        catalog_id,
    )?;
    Ok(())
}

/// Drops an app the tenant no longer has from the offline cache.
pub fn forget_cached(store: &Store, catalog_id: &str) -> Result<(), CatalogError> {
    store
        .connection()
        .execute("DELETE FROM catalog_app WHERE id = ?1", [catalog_id])?;
    Ok(())
}

/// Keeps what was listed for offline use.
pub fn cache_apps(store: &Store, apps: &[CatalogApp]) -> Result<(), CatalogError> {
    let now = chrono::Utc::now().to_rfc3339();
    for app in apps {
        let defs = serde_json::to_string(&app.definitions)
            .map_err(|e| CatalogError::Refused(format!("cannot encode definitions: {e}")))?;
        store.connection().execute(
            "INSERT INTO catalog_app (id, external_id, display_name, distribution_method, definitions, synced_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET external_id = excluded.external_id,
                display_name = excluded.display_name, distribution_method = excluded.distribution_method,
                definitions = excluded.definitions, synced_at = excluded.synced_at",
            params![
                app.id.as_str(),
                app.external_id.as_deref(),
                app.display_name,
                app.distribution_method,
                defs,
                now
            ],
        )?;
    }
    Ok(())
}

/// Apps as last seen online; definitions that cannot be read back are left out.
pub fn cached_apps(store: &Store) -> Result<Vec<CatalogApp>, CatalogError> {
    let conn = store.connection();
    let mut stmt = conn.prepare(
        "SELECT id, external_id, display_name, distribution_method, definitions
         FROM catalog_app ORDER BY display_name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |row| {
        let defs: String = row.get(4)?;
        Ok(CatalogApp {
            id: id_column(row, 0)?,
            external_id: optional_id_column(row, 1)?,
            display_name: row.get(2)?,
            distribution_method: row.get(3)?,
            definitions: serde_json::from_str(&defs).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Teams store bots BotDeck ships a permission profile for, by store app id (a store app's
/// catalog id is its manifest id), e.g. PagerDuty's from its Teams guide. A catalog refresh
/// reads them by id, so they are listed wherever the tenant can use them.
pub fn known_store_bots() -> Vec<String> {
    crate::permissions::builtin_profiles()
        .into_iter()
        .filter_map(|p| p.store_app_id)
        .filter(|id| is_guid(id))
        .collect()
}

/// Catalog ids of the store and sideloaded apps BotDeck was pointed at before, plus
/// [`known_store_bots`]: a catalog refresh reads them again next to the org apps.
pub fn cached_non_org_ids(store: &Store) -> Result<Vec<String>, CatalogError> {
    let mut ids = known_store_bots();
    for app in cached_apps(store)? {
        if app.distribution() != Distribution::Organization
            && !ids.iter().any(|i| i.eq_ignore_ascii_case(&app.id))
        {
            ids.push(app.id.into_string());
        }
    }
    Ok(ids)
}

/// "Update available": the local package vs the catalog vs what is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatus {
    pub catalog_version: Option<String>,
    pub local_version: Option<String>,
    /// The local package is newer than the catalog: publish it as an update.
    pub catalog_update_available: bool,
    /// Installations (teams, chats, users) below the catalog's published version.
    #[ts(type = "number")]
    pub installs_behind: u64,
    #[ts(type = "number")]
    pub installs_current: u64,
    pub warnings: Vec<String>,
}

/// `installed`: (version, count) pairs, e.g. from the inventory's version spread.
pub fn update_status(
    app: &CatalogApp,
    local_version: Option<&str>,
    installed: &[(String, u64)],
) -> UpdateStatus {
    let published = app.published().map(|d| d.version.clone());
    let catalog_key = published.as_deref().map(version_key);
    let (mut behind, mut current) = (0, 0);
    for (version, count) in installed {
        match catalog_key {
            Some(k) if version_key(version) < k => behind += count,
            _ => current += count,
        }
    }
    UpdateStatus {
        catalog_update_available: match (local_version, app.current_version()) {
            (Some(local), Some(cat)) => version_key(local) > version_key(cat),
            (Some(_), None) => true,
            _ => false,
        },
        catalog_version: published,
        local_version: local_version.map(str::to_string),
        installs_behind: behind,
        installs_current: current,
        warnings: app.visibility_warnings(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn graph_manifest_errors_become_findings() {
        let body = json!({"error": {"code": "BadRequest", "message": "Manifest validation failed.",
            "innerError": {"code": "UnableToParseTeamsAppManifest"},
            "details": [{"code": "InvalidVersion", "message": "bad version", "target": "version"}]}});
        let findings = manifest_findings(&body).expect("a manifest error");
        assert_eq!(findings[0].code, "graph.InvalidVersion");
        assert_eq!(findings[0].path, "/version");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(manifest_findings(&json!({"error": {"code": "Forbidden"}})).is_none());
    }

    #[test]
    fn a_catalog_app_from_graph_keeps_its_states_and_rsc() {
        let app: TeamsApp = resources::parse(&json!({
            "id": "cat-1", "externalId": "6f0b6c1e-3a5d-4c47-9a7e-2f5b8d1c0a11", "displayName": "FlashDuty",
            "distributionMethod": "organization",
            "appDefinitions": [
                {"id": "d1", "version": "1.0.1", "publishingState": "published",
                 "authorization": {"requiredPermissionSet": {"resourceSpecificPermissions": [
                    {"permissionValue": "ChannelMessage.Read.Group", "permissionType": "Application"}]}}},
                {"id": "d2", "version": "1.0.2", "publishingState": "somethingNew"}
            ]
        }))
        .expect("app");
        let app = CatalogApp::from(app);
        assert_eq!(app.published().map(|d| d.id.as_str()), Some("d1"));
        assert_eq!(
            app.definitions[0].required_rsc[0].permission_value,
            "ChannelMessage.Read.Group"
        );
        assert_eq!(
            app.definitions[1].publishing_state,
            PublishingState::Unknown
        );
        assert_eq!(app.distribution(), Distribution::Organization);
    }

    #[test]
    fn an_upload_answer_that_cannot_be_read_gives_no_state_instead_of_a_wrong_one() {
        let submitted = json!({"id": "d2", "version": "1.0.2", "publishingState": "submitted"});
        let d = answered_definition(Some(&submitted), "1.0.2").expect("the new definition");
        assert_eq!(d.publishing_state, PublishingState::Submitted);
        let app = json!({"id": "cat-1", "appDefinitions": [submitted]});
        assert_eq!(
            answered_definition(Some(&app), "1.0.2").map(|d| d.id),
            Some("d2".into())
        );
        assert!(
            answered_definition(Some(&app), "9.9.9").is_none(),
            "another version"
        );
        for bad in [
            json!({"publishingState": "submitted"}),
            json!({"id": "d2", "publishingState": 3}),
            json!({"id": "cat-1", "appDefinitions": [{"version": "1.0.2"}]}),
            json!({"appDefinitions": []}),
        ] {
            assert!(answered_definition(Some(&bad), "1.0.2").is_none(), "{bad}");
        }
        assert!(answered_definition(None, "1.0.2").is_none());
    }

    #[test]
    fn a_failed_upload_keeps_graphs_code_and_message_whatever_the_body() {
        let answer = |status: u16, body: Option<Value>| RawResponse {
            status,
            request_id: Some("r1".into()),
            retry_after: None,
            body,
        };
        assert!(check_upload(&answer(201, Some(json!({"id": "cat-1"})))).is_ok());
        assert!(check_upload(&answer(204, None)).is_ok());
        let forbidden = json!({"error": {"code": "Forbidden", "message": "no AppCatalog.Submit"}});
        match check_upload(&answer(403, Some(forbidden))) {
            Err(CatalogError::Graph(GraphError::Http {
                status,
                code,
                message,
                ..
            })) => {
                assert_eq!((status, code.as_str()), (403, "Forbidden"));
                assert_eq!(message, "no AppCatalog.Submit");
            }
            other => panic!("{other:?}"),
        }
        // An error body Graph does not document, even with a 200: a failure, not a success.
        for body in [json!({"error": "Forbidden"}), json!({"error": {"code": 5}})] {
            match check_upload(&answer(200, Some(body.clone()))) {
                Err(CatalogError::Graph(GraphError::Http { status, code, .. })) => {
                    assert_eq!((status, code.as_str()), (200, ""), "{body}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn versions_sort_numerically() {
        assert!(version_key("1.0.10") > version_key("1.0.9"));
        assert!(version_key("2.0.0") > version_key("1.99.99"));
        assert_eq!(version_key("garbage"), 0);
    }

    #[test]
    fn update_status_counts_installs_behind_the_published_version() {
        let def = |v: &str, s| AppDefinition {
            id: v.into(),
            version: v.into(),
            publishing_state: s,
            display_name: "Bot".into(),
            last_modified: None,
            required_rsc: vec![],
        };
        let app = CatalogApp {
            id: CatalogAppId::parse("a").expect("id"),
            external_id: None,
            display_name: "Bot".into(),
            distribution_method: "organization".into(),
            definitions: vec![
                def("1.0.1", PublishingState::Published),
                def("1.0.2", PublishingState::Published),
                def("1.0.3", PublishingState::Submitted),
            ],
        };
        let s = update_status(
            &app,
            Some("1.0.4"),
            &[("1.0.0".into(), 3), ("1.0.2".into(), 5)],
        );
        assert_eq!(s.catalog_version.as_deref(), Some("1.0.2"));
        assert!(s.catalog_update_available);
        assert_eq!((s.installs_behind, s.installs_current), (3, 5));
        assert!(s.warnings.iter().any(|w| w.contains("1.0.3")));
    }
}
