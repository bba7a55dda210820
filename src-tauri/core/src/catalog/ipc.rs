//! Request/response types of the catalog IPC commands, and the TypeScript bindings of every
//! catalog type the UI sees.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{
    AppDefinition, CatalogApp, CatalogError, Distribution, PublishKind, PublishOutcome,
    PublishingState, RscPermission, UpdateStatus,
};
use crate::ids::CatalogAppId;
use crate::installs::VersionCount;
use crate::package::Finding;

/// `catalog_list`: `refresh` reads Graph (and caches); otherwise the cache answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CatalogListRequest {
    pub refresh: bool,
}

/// One org app as the Catalog page shows it.
/// Finds an app that is not in the org catalog (a Teams store bot such as PagerDuty) by name
/// or id, and keeps it in the list from then on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogFindRequest {
    /// Display name, Teams app id (a store app's id is its manifest id) or manifest id.
    pub app: String,
}

impl CatalogFindRequest {
    /// Checked before any network work.
    pub fn validate(&self) -> Result<&str, CatalogError> {
        let app = self.app.trim();
        if app.is_empty() {
            return Err(CatalogError::Invalid(
                "say which app: its name or its Teams app id".into(),
            ));
        }
        if app.chars().count() > 256 || app.chars().any(char::is_control) {
            return Err(CatalogError::Invalid(
                "an app name is at most 256 characters, without control characters".into(),
            ));
        }
        Ok(app)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CatalogAppView {
    pub app: CatalogApp,
    /// Org catalog, Teams store or sideloaded (typed form of `app.distributionMethod`).
    pub distribution: Distribution,
    /// Whether publish / update / review are offered (org catalog apps only).
    pub can_publish: bool,
    /// Why they are not offered (store and sideloaded apps); `None` for org apps.
    pub publishing_note: Option<String>,
    /// The highest published version (what installs get).
    pub published_version: Option<String>,
    /// The highest version that blocks an upload (anything not rejected).
    pub current_version: Option<String>,
    /// Not visible to users yet, waiting for review, rejected.
    pub visibility_warnings: Vec<String>,
    /// Local package (the Package page's open one) vs catalog vs installed versions.
    pub update: UpdateStatus,
    /// Installed versions per kind (teams, chats, users) from the inventory cache.
    pub installed: Vec<VersionCount>,
    /// Seconds since the last completed inventory sync of this app; `None` = never synced,
    /// so no installation counts are known (not "none installed").
    #[ts(type = "number | null")]
    pub inventory_age_secs: Option<i64>,
}

impl CatalogAppView {
    /// The view of `app`: distribution facts are derived here so both front-ends agree.
    pub fn new(
        app: CatalogApp,
        update: UpdateStatus,
        installed: Vec<VersionCount>,
        inventory_age_secs: Option<i64>,
    ) -> Self {
        let distribution = app.distribution();
        Self {
            distribution,
            can_publish: distribution.can_publish(),
            publishing_note: distribution.publishing_note().map(str::to_string),
            published_version: app.published().map(|d| d.version.clone()),
            current_version: app.current_version().map(str::to_string),
            visibility_warnings: app.visibility_warnings(),
            update,
            installed,
            inventory_age_secs,
            app,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CatalogView {
    pub apps: Vec<CatalogAppView>,
    /// True when Graph was read now; false when this is the cache.
    pub live: bool,
    /// Manifest id and version of the package open in the Package page, if any.
    pub local_package: Option<LocalPackageInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocalPackageInfo {
    pub manifest_id: String,
    pub version: String,
    pub name: String,
}

/// `catalog_review` (approve / reject) and `catalog_withdraw` of a submitted definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogReviewRequest {
    pub catalog_id: String,
    /// The submitted definition; the only one when absent.
    #[serde(default)]
    pub definition_id: Option<String>,
    /// Review only: approve (publish) or reject.
    #[serde(default)]
    pub approve: Option<bool>,
}

/// `catalog_inspect`: a chosen zip, read locally (nothing is uploaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackageCheck {
    /// `None` when the manifest cannot be read (the findings say why).
    pub manifest_id: Option<String>,
    pub version: Option<String>,
    pub name: Option<String>,
    pub errors: u32,
    pub warnings: u32,
    pub findings: Vec<Finding>,
}

/// The catalog app id the admin or the window named in `field`, checked before any sign-in.
pub fn catalog_app_id(field: &str, id: &str) -> Result<CatalogAppId, CatalogError> {
    let id = check_catalog_id(field, id)?;
    CatalogAppId::parse(id).map_err(|e| CatalogError::Invalid(format!("{field}: {e}")))
}

/// A catalog app id or definition id goes into a Graph path, so it is checked before any
/// sign-in: org apps have GUIDs, some store apps dotted names (`com.microsoft.teamspace.tab.planner`).
pub fn check_catalog_id<'a>(field: &str, id: &'a str) -> Result<&'a str, CatalogError> {
    let id = id.trim();
    let plausible = !id.is_empty()
        && id.len() <= 256
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !id.starts_with('.');
    if plausible {
        Ok(id)
    } else {
        Err(CatalogError::Invalid(format!(
            "{field}: {id:?} is not a Teams app id (a GUID such as 00000000-0000-0000-0000-000000000000, or a store app's dotted id)"
        )))
    }
}

/// `catalog_publish_open`: publish the package open in the Package page, as a new app or
/// (with `catalogId`) as an update of that catalog app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CatalogPublishOpenRequest {
    pub catalog_id: Option<String>,
    /// Submit for review instead of publishing.
    pub review: bool,
}

/// `catalog_delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogDeleteRequest {
    pub catalog_id: String,
}

/// Why an upload was refused in a way the page answers with more than a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PublishRefusalKind {
    /// Local validation found errors (`findings`); nothing was uploaded.
    InvalidPackage,
    /// Microsoft refused the manifest (`findings` from Graph's details).
    ManifestRejected,
    /// The manifest id is in the catalog already: offer *update* (`catalogId`, `version`).
    AlreadyInCatalog,
    /// Updates must carry a greater version than the catalog's.
    VersionNotGreater,
    ManifestIdMismatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublishRefusal {
    pub kind: PublishRefusalKind,
    pub message: String,
    pub findings: Vec<Finding>,
    pub catalog_id: Option<CatalogAppId>,
    pub version: Option<String>,
    pub request_id: Option<String>,
}

/// `catalog_publish` / `catalog_update`: exactly one of `outcome` and `refused` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PublishResult {
    pub outcome: Option<PublishOutcome>,
    pub refused: Option<PublishRefusal>,
}

impl PublishResult {
    /// Splits a publish / update answer: refusals the page acts on become data, the rest
    /// stays an error.
    pub fn from_result(result: Result<PublishOutcome, CatalogError>) -> Result<Self, CatalogError> {
        let message = match &result {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        let refusal = |kind, findings, catalog_id, version, request_id| {
            Ok(Self {
                outcome: None,
                refused: Some(PublishRefusal {
                    kind,
                    message: message.clone(),
                    findings,
                    catalog_id,
                    version,
                    request_id,
                }),
            })
        };
        match result {
            Ok(outcome) => Ok(Self {
                outcome: Some(outcome),
                refused: None,
            }),
            Err(CatalogError::InvalidPackage { findings, .. }) => refusal(
                PublishRefusalKind::InvalidPackage,
                findings,
                None,
                None,
                None,
            ),
            Err(CatalogError::ManifestRejected {
                findings,
                request_id,
            }) => refusal(
                PublishRefusalKind::ManifestRejected,
                findings,
                None,
                None,
                request_id,
            ),
            Err(CatalogError::AlreadyInCatalog {
                catalog_id,
                version,
                ..
            }) => refusal(
                PublishRefusalKind::AlreadyInCatalog,
                Vec::new(),
                catalog_id,
                Some(version),
                None,
            ),
            Err(CatalogError::VersionNotGreater { catalog, .. }) => refusal(
                PublishRefusalKind::VersionNotGreater,
                Vec::new(),
                None,
                Some(catalog),
                None,
            ),
            Err(CatalogError::ManifestIdMismatch { .. }) => refusal(
                PublishRefusalKind::ManifestIdMismatch,
                Vec::new(),
                None,
                None,
                None,
            ),
            Err(other) => Err(other),
        }
    }
}

/// Listed in `botdeck_api::views::all_bindings`.
pub fn ts_bindings() -> Vec<crate::bindings::Binding> {
    crate::bindings_of![
        CatalogListRequest,
        CatalogFindRequest,
        Distribution,
        CatalogAppView,
        CatalogView,
        LocalPackageInfo,
        CatalogReviewRequest,
        PackageCheck,
        CatalogPublishOpenRequest,
        CatalogDeleteRequest,
        PublishRefusalKind,
        PublishRefusal,
        PublishResult,
        CatalogApp,
        AppDefinition,
        PublishingState,
        RscPermission,
        PublishKind,
        PublishOutcome,
        UpdateStatus,
        Finding,
        crate::package::Severity,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_requests_are_checked_before_any_network_work() {
        let ok = CatalogFindRequest {
            app: "  PagerDuty ".into(),
        };
        assert_eq!(ok.validate().expect("valid"), "PagerDuty");
        for bad in ["", "   ", "a\u{0}b", &"x".repeat(257)] {
            let e = CatalogFindRequest { app: bad.into() }
                .validate()
                .expect_err(bad);
            assert!(matches!(e, CatalogError::Invalid(_)), "{e}");
        }
        assert!(serde_json::from_str::<CatalogFindRequest>(r#"{"app":"x","extra":1}"#).is_err());
    }

    #[test]
    fn store_apps_say_why_publishing_is_not_offered() {
        let app = |d: &str| CatalogApp {
            id: CatalogAppId::parse("c8c302dc-4e77-4536-890d-0c2bffbef9cc").expect("id"),
            external_id: None,
            display_name: "PagerDuty".into(),
            distribution_method: d.into(),
            definitions: vec![],
        };
        let status = super::super::update_status(&app("store"), None, &[]);
        let view = CatalogAppView::new(app("store"), status.clone(), vec![], None);
        assert_eq!(view.distribution, Distribution::Store);
        assert!(!view.can_publish);
        assert!(view
            .publishing_note
            .as_deref()
            .is_some_and(|n| n.contains("Teams store")));
        let org = CatalogAppView::new(app("organization"), status, vec![], None);
        assert!(org.can_publish && org.publishing_note.is_none());
        assert_eq!(
            serde_json::to_value(&view).expect("json")["distribution"],
            "store"
        );
    }

    #[test]
    fn refusals_the_page_acts_on_become_data() {
        let r = PublishResult::from_result(Err(CatalogError::AlreadyInCatalog {
            catalog_id: CatalogAppId::parse("c1").ok(),
            display_name: "FlashDuty".into(),
            version: "1.0.2".into(),
        }))
        .expect("data, not an error");
        let refused = r.refused.expect("refused");
        assert_eq!(refused.kind, PublishRefusalKind::AlreadyInCatalog);
        assert_eq!(refused.catalog_id.as_deref(), Some("c1"));
        assert!(refused.message.contains("1.0.2"));
        let e = PublishResult::from_result(Err(CatalogError::NotFound("x".into())))
            .expect_err("an error");
        assert!(matches!(e, CatalogError::NotFound(_)), "{e}");
    }
}
