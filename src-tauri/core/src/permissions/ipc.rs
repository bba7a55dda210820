//! What the desktop window sends and receives for the permission inspector, and how this
//! module's errors reach it. The commands themselves live in the app crate (thin adapters).
//!
//! "Profile" means the *sign-in* profile everywhere in BotDeck; the permission profile a bot is
//! checked against is `permProfileId`, as `--perm-profile` in the CLI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::diff::{PermissionDiff, PermissionMatrix};
use super::granted::GrantedPermissions;
use super::profile::{BotProfile, PermissionKind, ProfileFormat};

/// `perms_import_profile`: a profile file the admin picked, read in the webview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermsImportRequest {
    /// The picked file's name: its extension says JSON or TOML, and errors name it.
    pub file_name: String,
    pub text: String,
}

/// `perms_export_profile` / `perms_delete_profile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermsProfileRequest {
    pub perm_profile_id: String,
    /// Export only; JSON when absent.
    #[serde(default)]
    pub format: Option<ProfileFormat>,
}

/// `perms_inspect`: check one bot against one permission profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermsInspectRequest {
    pub perm_profile_id: String,
    /// The bot's Entra app id; the permission profile's when absent.
    #[serde(default)]
    pub app_id: Option<String>,
    /// One connection model of the profile; the ones in use when absent.
    #[serde(default)]
    pub model: Option<String>,
    /// Read resource-specific consent in every team (bounded, paced; takes a few seconds).
    #[serde(default)]
    pub all_teams: bool,
    /// Read resource-specific consent in these teams / chats.
    #[serde(default)]
    pub team_ids: Vec<String>,
    #[serde(default)]
    pub chat_ids: Vec<String>,
    /// At most this many teams and chats are read (500 when absent; the api refuses more than
    /// its bound).
    #[serde(default)]
    #[ts(optional)]
    pub max_targets: Option<usize>,
    /// The progress channel travels in the same argument object; the command takes it itself.
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_progress: Option<serde_json::Value>,
}

/// Everything the Permissions page shows for one inspection. The CSV texts come from core so
/// the window's export is byte-for-byte the CLI's (`perms diff --format csv`, `perms matrix`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PermsReport {
    pub profile: BotProfile,
    pub diff: PermissionDiff,
    pub matrix: PermissionMatrix,
    pub granted: GrantedPermissions,
    pub diff_csv: String,
    pub matrix_csv: String,
    /// The grants come from the last complete read (`granted.inspectedAt` is its time), not
    /// from the tenant just now.
    pub from_cache: bool,
    /// That read covered every team's resource-specific consent.
    pub all_teams: bool,
}

/// `perms_plan_fix` / `perms_apply_fix`: what to remove. Apply re-reads the grants and plans
/// again rather than trusting ids from the window; `expected_request` (the request the admin
/// confirmed) makes it refuse when the grants changed in between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermsFixRequest {
    pub app_id: String,
    /// Supplies the purpose ("what stops working"); optional.
    #[serde(default)]
    pub perm_profile_id: Option<String>,
    pub permission: String,
    pub kind: PermissionKind,
    /// Delegated: the user whose own consent to trim (UPN or object id).
    #[serde(default)]
    pub principal: Option<String>,
    #[serde(default)]
    pub expected_request: Option<String>,
}
