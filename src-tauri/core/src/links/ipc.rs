//! Request and answer types of the links commands (desktop IPC), and the TypeScript bindings
//! of every links type the UI sees. Unknown fields are refused: a misspelt option must not be
//! dropped silently.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::check::{
    LinkError, LinkEvidenceOutcome, LinkEvidenceResult, LinkHealthReport, LinkPreparedTarget,
    LinkReachOutcome,
};
use super::pick::{LinkTargetChoice, LinkTargetChoices, LinksTargetsRequest};
use super::transfer::{LinkFileFormat, LinkImportReport, LinkRow, LinkRowProblem};
use super::vendor::{LinkReplyVerdict, VendorCommands, VendorReplyPatterns};
use super::{
    Integration, Link, LinkCounts, LinkDisconnectOutcome, LinkEvidence, LinkEvidenceKind,
    LinkFilter, LinkFinding, LinkFix, LinkProblem, LinkState, LinkTargetInput, LinkTargetKind,
    LinkUnlinkAdvice, LinksError, VendorProfile,
};
use crate::catalog::CatalogApp;

/// `links_overview`: everything the page draws, from the local store (no network).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinksOverview {
    pub vendors: Vec<VendorProfile>,
    pub integrations: Vec<Integration>,
    pub links: Vec<Link>,
    pub counts: LinkCounts,
    /// Bots known from the catalog cache, to pick the integration's app.
    pub apps: Vec<CatalogApp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LinksOverviewRequest {
    pub filter: LinkFilter,
}

/// `links_add`: the wizard. Targets are checked and stored as awaiting the command (or planned
/// with what to fix first); `dryRun` only checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksAddRequest {
    pub vendor: String,
    #[serde(default)]
    pub account: String,
    /// The vendor-side id the command carries (integration id, service URL).
    pub external_id: String,
    #[serde(default)]
    pub name: String,
    /// Catalog id of the bot.
    pub app_id: String,
    #[serde(default)]
    pub targets: Vec<LinkTargetInput>,
    /// Also link every member of this group or team (as users).
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
}

impl LinksAddRequest {
    /// Checks what can be checked before any network or store work.
    pub fn validate(&self) -> Result<(), LinksError> {
        if self.vendor.trim().is_empty() {
            return Err(LinksError::Invalid("choose the vendor".into()));
        }
        if self.external_id.trim().is_empty() {
            return Err(LinksError::Invalid(
                "enter the integration id (or service URL)".into(),
            ));
        }
        if uuid::Uuid::parse_str(self.app_id.trim()).is_err() {
            return Err(LinksError::Invalid(
                "choose the bot (its catalog id)".into(),
            ));
        }
        if self.targets.is_empty() && self.group_id.as_deref().is_none_or(|g| g.trim().is_empty()) {
            return Err(LinksError::Invalid(
                "choose at least one target, or a group".into(),
            ));
        }
        if self.targets.len() > 5_000 {
            return Err(LinksError::Invalid("at most 5 000 targets at once".into()));
        }
        for t in &self.targets {
            t.validated()?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinksAddResult {
    pub integration: Integration,
    pub targets: Vec<LinkPreparedTarget>,
}

/// `links_evidence`, `links_remove`, `links_health` (no ids: every link).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksIdsRequest {
    #[serde(default)]
    pub ids: Vec<String>,
    /// `links_remove` only: also remove the bot from targets no other link needs.
    #[serde(default)]
    pub remove_bot: bool,
    /// `links_remove`'s and `links_health`'s progress channel travels in the same object; the
    /// command takes it.
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_progress: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksConfirmRequest {
    pub id: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinksRemoveResult {
    pub advice: Vec<LinkUnlinkAdvice>,
    /// The bulk run that removed the bot, when asked.
    pub removal: Option<crate::installs::RunSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksDisconnectRequest {
    pub team_id: String,
    #[serde(default)]
    pub integration_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksReachRequest {
    pub app_id: String,
    pub group_id: String,
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_progress: Option<serde_json::Value>,
}

/// `links_fix`: install or upgrade the bot where the preflight found it missing or outdated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksFixRequest {
    pub app_id: String,
    pub targets: Vec<LinkTargetInput>,
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_progress: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksExportRequest {
    pub format: LinkFileFormat,
    #[serde(default)]
    pub filter: LinkFilter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksImportRequest {
    pub format: LinkFileFormat,
    /// The file's text (the UI reads the file the admin picked).
    pub text: String,
    /// Import the good rows even when some are bad.
    #[serde(default)]
    pub good_only: bool,
    /// The bot the imported integrations belong to.
    #[serde(default)]
    pub app_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksVendorRequest {
    /// A custom vendor profile as TOML (same fields as the built-in ones): the file.
    #[serde(default)]
    pub toml: Option<String>,
    /// The same profile as fields: the form.
    #[serde(default)]
    pub profile: Option<VendorProfile>,
    /// Only check it (the form validates as the admin types); nothing is saved.
    #[serde(default)]
    pub check_only: bool,
}

impl LinksVendorRequest {
    /// The profile it carries, checked as it would be saved.
    pub fn profile(&self) -> Result<VendorProfile, LinksError> {
        let p = match (&self.toml, &self.profile) {
            (Some(text), None) => VendorProfile::parse(text)?,
            (None, Some(p)) => p.clone(),
            _ => {
                return Err(LinksError::Invalid(
                    "give the vendor profile as a file (toml) or as fields (profile), not both"
                        .into(),
                ))
            }
        };
        super::check_custom_vendor_profile(&p)?;
        Ok(p)
    }
}

pub fn ts_bindings() -> Vec<crate::bindings::Binding> {
    crate::bindings_of![
        Integration,
        Link,
        LinkCounts,
        LinkDisconnectOutcome,
        LinkEvidence,
        LinkEvidenceKind,
        LinkFilter,
        LinkFinding,
        LinkFix,
        LinkProblem,
        LinkState,
        LinkTargetInput,
        LinkTargetKind,
        LinkUnlinkAdvice,
        VendorProfile,
        VendorCommands,
        VendorReplyPatterns,
        LinkReplyVerdict,
        LinkError,
        LinkEvidenceOutcome,
        LinkEvidenceResult,
        LinkHealthReport,
        LinkPreparedTarget,
        LinkReachOutcome,
        LinkFileFormat,
        LinkImportReport,
        LinkRow,
        LinkRowProblem,
        LinksOverview,
        LinksOverviewRequest,
        LinksAddRequest,
        LinksAddResult,
        LinksIdsRequest,
        LinksConfirmRequest,
        LinksRemoveResult,
        LinksDisconnectRequest,
        LinksReachRequest,
        LinksFixRequest,
        LinksExportRequest,
        LinksImportRequest,
        LinksVendorRequest,
        LinkTargetChoice,
        LinkTargetChoices,
        LinksTargetsRequest,
    ]
}
