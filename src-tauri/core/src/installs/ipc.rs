//! Request/response types of the installs IPC commands, and the TypeScript bindings of every
//! installs type the UI sees.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{
    BulkAction, BulkPlan, CoverageRow, InstallState, InstallsError, InventoryCursor, InventoryPage,
    InventoryQuery, InventoryRow, InventorySort, ItemResult, ItemState, PlannedItem, RunProgress,
    RunSummary, Selection, SkippedItem, SyncInfo, SyncOptions, SyncReport, TargetKind, TargetRef,
    VersionCount,
};
use crate::catalog::CatalogApp;
use crate::ids::CatalogAppId;

/// `installs_overview`: what the page shows before any row (all from the cache, no network).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct InstallsOverviewRequest {
    /// Catalog id of the bot; the app synced last when absent.
    pub app_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstallsOverview {
    /// Org apps known from the cache (the Catalog page or an earlier sync filled it).
    pub apps: Vec<CatalogApp>,
    /// The app shown (the one asked for, else the one synced last).
    pub app_id: Option<CatalogAppId>,
    /// The version installs and upgrades end at (the cached app's published definition).
    pub published_version: Option<String>,
    pub sync: Option<SyncInfo>,
    /// The newest completed sync when `sync` is not one (cancelled, interrupted): how old the
    /// cached rows are.
    pub last_completed: Option<SyncInfo>,
    pub coverage: Vec<CoverageRow>,
    pub versions: Vec<VersionCount>,
    /// A sync or bulk run of this window is under way.
    pub busy: bool,
}

/// `installs_query`: one page of the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallsQueryRequest {
    pub app_id: String,
    #[serde(default)]
    pub query: InventoryQuery,
}

/// `installs_sync` (progress goes through the `onProgress` channel, next to these fields).
///
/// Unknown fields are refused: a misspelt option (`kind`, `channel`) would otherwise be
/// dropped silently and the admin would get a sync they did not ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallsSyncRequest {
    /// The bot as the admin named it: catalog id, manifest id or name (the catalog resolves
    /// it to its catalog id).
    #[serde(rename = "appId")]
    pub app: String,
    /// All kinds when absent.
    #[serde(default)]
    pub kinds: Option<Vec<TargetKind>>,
    /// Read each team's channels too (default: on when teams are synced). Refused when true
    /// without teams: channel facts belong to teams.
    #[serde(default)]
    pub channels: Option<bool>,
    /// Start over instead of continuing an unfinished sync.
    #[serde(default)]
    pub fresh: bool,
    /// The progress channel travels in the same argument object; the command takes it itself.
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_progress: Option<serde_json::Value>,
}

impl InstallsSyncRequest {
    /// The sync options this request asks for, or why they make no sense.
    pub fn options(&self) -> Result<SyncOptions, InstallsError> {
        if self.app.trim().is_empty() {
            return Err(InstallsError::Invalid("choose the bot to sync".into()));
        }
        let mut kinds = self
            .kinds
            .clone()
            .unwrap_or_else(|| TargetKind::ALL.to_vec());
        kinds.sort();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(InstallsError::Invalid(
                "choose at least one of teams, chats and users".into(),
            ));
        }
        let teams = kinds.contains(&TargetKind::Team);
        let channels = match self.channels {
            Some(true) if !teams => {
                return Err(InstallsError::Invalid(
                    "channel facts are read per team: include teams or leave channels off".into(),
                ))
            }
            Some(on) => on,
            None => teams,
        };
        Ok(SyncOptions {
            kinds,
            channels,
            fresh: self.fresh,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstallsSyncResult {
    pub report: SyncReport,
    /// Catalog id of the app synced (the request may have named it otherwise).
    pub app_id: CatalogAppId,
    pub app_name: String,
    /// The kinds read.
    pub kinds: Vec<TargetKind>,
}

/// `installs_plan`: the dry run, saved under an id that `installs_run` takes.
///
/// Unknown fields are refused here and in the selection's filter: a misspelt filter field
/// (`olderThen`) dropped silently would widen the selection to every target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallsBulkRequest {
    /// The bot as the admin named it: catalog id, manifest id or name.
    #[serde(rename = "appId")]
    pub app: String,
    pub action: BulkAction,
    pub selection: Selection,
}

/// `installs_run`: runs the plan previewed as `planId`, refused when the tenant changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallsRunRequest {
    pub plan_id: String,
    /// The progress channel travels in the same object; the command takes it itself.
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_progress: Option<serde_json::Value>,
}

/// `installs_resume`: continue an interrupted run; `retryFailed` first puts failed items back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallsResumeRequest {
    pub run_id: String,
    #[serde(default)]
    pub retry_failed: bool,
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_progress: Option<serde_json::Value>,
}

/// `installs_run_items`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallsRunItemsRequest {
    pub run_id: String,
    #[serde(default)]
    pub state: Option<ItemState>,
}

/// Listed in `botdeck_api::views::all_bindings`.
pub fn ts_bindings() -> Vec<crate::bindings::Binding> {
    crate::bindings_of![
        InstallsOverviewRequest,
        InstallsOverview,
        InstallsQueryRequest,
        InstallsSyncRequest,
        InstallsSyncResult,
        InstallsBulkRequest,
        InstallsRunRequest,
        super::SavedPlan,
        InstallsResumeRequest,
        InstallsRunItemsRequest,
        InventoryRow,
        InventoryQuery,
        InventoryCursor,
        InventorySort,
        InventoryPage,
        SyncInfo,
        SyncReport,
        CoverageRow,
        VersionCount,
        RunProgress,
        TargetKind,
        InstallState,
        BulkAction,
        Selection,
        TargetRef,
        PlannedItem,
        SkippedItem,
        BulkPlan,
        ItemState,
        ItemResult,
        RunSummary,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync_request(value: serde_json::Value) -> Result<InstallsSyncRequest, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn sync_options_default_to_everything_with_channels() {
        let req = sync_request(serde_json::json!({"appId": "a", "onProgress": "__CHANNEL__:1"}))
            .expect("parses");
        assert_eq!(req.options().expect("valid"), SyncOptions::default());
    }

    #[test]
    fn sync_options_keep_what_was_chosen() {
        let req = sync_request(serde_json::json!({
            "appId": "a", "kinds": ["user", "team", "team"], "channels": false, "fresh": true
        }))
        .expect("parses");
        let opts = req.options().expect("valid");
        assert_eq!(opts.kinds, vec![TargetKind::Team, TargetKind::User]);
        assert!(!opts.channels);
        assert!(opts.fresh);
        // Without teams there are no channels to read, and that is no error when not asked for.
        let req =
            sync_request(serde_json::json!({"appId": "a", "kinds": ["chat"]})).expect("parses");
        let opts = req.options().expect("valid");
        assert_eq!(opts.kinds, vec![TargetKind::Chat]);
        assert!(!opts.channels);
    }

    #[test]
    fn sync_options_refuse_nonsense() {
        for bad in [
            serde_json::json!({"appId": "a", "kinds": []}),
            serde_json::json!({"appId": "a", "kinds": ["chat", "user"], "channels": true}),
            serde_json::json!({"appId": "  "}),
        ] {
            let req = sync_request(bad.clone()).expect("parses");
            let err = req.options().expect_err("refused");
            assert!(matches!(err, InstallsError::Invalid(_)), "{bad} → {err}");
        }
        // A misspelt option is refused instead of silently syncing everything.
        for bad in [
            serde_json::json!({"appId": "a", "kind": ["team"]}),
            serde_json::json!({"appId": "a", "channel": false}),
            serde_json::json!({"appId": "a", "fresh": "yes"}),
            serde_json::json!({"appId": "a", "kinds": "team"}),
        ] {
            assert!(sync_request(bad.clone()).is_err(), "{bad}");
        }
    }
}
