//! Permission inspector: what a bot needs (profiles), what the tenant granted it (application
//! roles, delegated grants tenant-wide and per user, resource-specific consent per team and
//! chat), the difference, the admin consent link for what is missing, and revocation of what
//! it should not have. See docs/permissions.md.
//!
//! Async functions take a [`GraphClient`](botdeck_graph::GraphClient) and a token, never the
//! store: callers load the [`NameCache`] and save results around them, so the futures stay
//! `Send` and tests need no keyring.

pub mod cache;
pub mod diff;
pub mod fix;
pub mod granted;
pub mod ipc;
pub mod profile;

pub use cache::{cached_inspection, save_inspection, CachedInspection};
pub use diff::{
    default_consent_link, diff, diff_to_csv, matrix, matrix_to_csv, CellState, ConnectionModelUse,
    ConsentLink, ConsentTarget, DiffRow, DiffSummary, FixAction, MatrixColumn, MatrixColumnKind,
    MatrixRow, PermissionDiff, PermissionMatrix, RowState,
};
pub use fix::{apply_and_audit, apply_fix, plan_fix, record_fix, FixOutcome, FixPlan, FixRequest};
pub use granted::{
    find_service_principal, inspect, inspect_watched, ConsentType, DelegatedGrant, GrantedAppRole,
    GrantedPermissions, GrantedScope, NameCache, RscGrant, RscReadFailure, RscScope, RscTarget,
    RscTargetKind, ServicePrincipalInfo, Watch, DEFAULT_MAX_RSC_TARGETS,
};
pub use ipc::{
    PermsFixRequest, PermsImportRequest, PermsInspectRequest, PermsProfileRequest, PermsReport,
};
pub use profile::{
    builtin_profiles, delete_custom_profile, export_profile, find_profile, list_profiles,
    parse_profile, profile_from_manifest, save_custom_profile, BotProfile, ConnectionModel,
    OtherAppId, PermissionKind, ProfileEntry, ProfileFileError, ProfileFormat, ProfileSource,
};

use crate::ids::EntraAppId;
use crate::store::StoreError;
use botdeck_graph::GraphError;

/// Microsoft Graph's app id, the same in every tenant and cloud.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Forward-only schema of this module, one step per database. Replace, don't append, until the
/// first release; after that, add a new step instead.
///
/// State-database part: `permission_profile`, the custom profiles the admin imported, as their
/// JSON form; the tenant cannot give them back.
pub const PROFILE_SCHEMA: &str = "CREATE TABLE permission_profile (
        id          TEXT PRIMARY KEY NOT NULL,
        name        TEXT NOT NULL,
        body        TEXT NOT NULL,
        imported_at TEXT NOT NULL
    ) STRICT;";

/// Cache-database part: mirrors of the tenant, re-readable from Graph at any time.
///
/// - `permission_name_cache`: app role / scope id → value and display name per resource service
///   principal, so a re-inspection does not re-read Graph's large service principal.
/// - `permission_inspection` and its `permission_*_grant` / `permission_rsc_*` children: the
///   last complete read of what the tenant granted each app, mirroring Graph's objects (app
///   role assignments, oauth2PermissionGrants and their scopes, teams/chats read for RSC and
///   their permissionGrants), so the Permissions page opens from the cache (see [`cache`]).
pub const NAME_CACHE_SCHEMA: &str = "CREATE TABLE permission_name_cache (
        resource_id     TEXT NOT NULL,
        resource_app_id TEXT,
        resource_name   TEXT NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('application', 'delegated')),
        permission_id   TEXT NOT NULL,
        value           TEXT NOT NULL,
        display_name    TEXT,
        cached_at       TEXT NOT NULL,
        PRIMARY KEY (resource_id, kind, permission_id)
    ) STRICT;
    CREATE TABLE permission_inspection (
        app_id         TEXT PRIMARY KEY NOT NULL,
        sp_id          TEXT,
        sp_name        TEXT,
        delegated_read INTEGER NOT NULL CHECK (delegated_read IN (0, 1)),
        rsc_all_teams  INTEGER NOT NULL CHECK (rsc_all_teams IN (0, 1)),
        warnings       TEXT NOT NULL DEFAULT '[]',
        inspected_at   TEXT NOT NULL
    ) STRICT;
    CREATE TABLE permission_app_role_grant (
        app_id          TEXT NOT NULL REFERENCES permission_inspection (app_id) ON DELETE CASCADE,
        assignment_id   TEXT NOT NULL,
        resource_id     TEXT NOT NULL,
        resource_app_id TEXT,
        resource_name   TEXT NOT NULL,
        app_role_id     TEXT NOT NULL,
        name            TEXT NOT NULL,
        display_name    TEXT,
        resolved        INTEGER NOT NULL CHECK (resolved IN (0, 1)),
        created         TEXT,
        position        INTEGER NOT NULL,
        PRIMARY KEY (app_id, assignment_id)
    ) STRICT;
    CREATE TABLE permission_delegated_grant (
        app_id          TEXT NOT NULL REFERENCES permission_inspection (app_id) ON DELETE CASCADE,
        grant_id        TEXT NOT NULL,
        resource_id     TEXT NOT NULL,
        resource_app_id TEXT,
        resource_name   TEXT NOT NULL,
        consent_type    TEXT NOT NULL CHECK (consent_type IN ('AllPrincipals', 'Principal')),
        principal_id    TEXT,
        principal_name  TEXT,
        position        INTEGER NOT NULL,
        PRIMARY KEY (app_id, grant_id)
    ) STRICT;
    CREATE TABLE permission_delegated_scope (
        app_id       TEXT NOT NULL,
        grant_id     TEXT NOT NULL,
        position     INTEGER NOT NULL,
        name         TEXT NOT NULL,
        display_name TEXT,
        known        INTEGER NOT NULL CHECK (known IN (0, 1)),
        PRIMARY KEY (app_id, grant_id, position),
        FOREIGN KEY (app_id, grant_id)
            REFERENCES permission_delegated_grant (app_id, grant_id) ON DELETE CASCADE
    ) STRICT;
    CREATE TABLE permission_rsc_target (
        app_id    TEXT NOT NULL REFERENCES permission_inspection (app_id) ON DELETE CASCADE,
        kind      TEXT NOT NULL CHECK (kind IN ('team', 'chat')),
        target_id TEXT NOT NULL,
        name      TEXT,
        failure   TEXT,
        position  INTEGER NOT NULL,
        PRIMARY KEY (app_id, kind, target_id)
    ) STRICT;
    CREATE TABLE permission_rsc_grant (
        app_id          TEXT NOT NULL,
        kind            TEXT NOT NULL,
        target_id       TEXT NOT NULL,
        grant_id        TEXT NOT NULL,
        permission      TEXT NOT NULL,
        permission_type TEXT NOT NULL,
        position        INTEGER NOT NULL,
        PRIMARY KEY (app_id, kind, target_id, grant_id),
        FOREIGN KEY (app_id, kind, target_id)
            REFERENCES permission_rsc_target (app_id, kind, target_id) ON DELETE CASCADE
    ) STRICT;";

#[derive(Debug, thiserror::Error)]
pub enum PermissionError {
    #[error("no permission profile {0:?}; `botdeck perms profiles list` shows the available ones")]
    ProfileNotFound(String),
    #[error(transparent)]
    ProfileFile(#[from] ProfileFileError),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "app {app_id} has no service principal in this tenant: nobody has consented to it yet"
    )]
    NotConsented { app_id: EntraAppId },
    #[error("{0}")]
    NotGranted(String),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot encode: {0}")]
    Encode(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(
        "cancelled: nothing was changed, and the permissions shown are the last complete read"
    )]
    Cancelled,
}

impl PermissionError {
    /// True for mistakes in what the admin asked (exit code 2 in the CLI).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::ProfileNotFound(_)
                | Self::ProfileFile(_)
                | Self::Invalid(_)
                | Self::NotGranted(_)
        )
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The permission inspector's types as TypeScript, for the UI (see `botdeck_api::views::all_bindings`).
pub fn ts_bindings() -> Vec<crate::bindings::Binding> {
    crate::bindings_of![
        BotProfile,
        ProfileEntry,
        ConnectionModel,
        OtherAppId,
        PermissionKind,
        ProfileSource,
        ProfileFormat,
        GrantedPermissions,
        ServicePrincipalInfo,
        GrantedAppRole,
        DelegatedGrant,
        GrantedScope,
        ConsentType,
        RscGrant,
        RscTarget,
        RscTargetKind,
        RscReadFailure,
        RscScope,
        PermissionDiff,
        DiffRow,
        RowState,
        DiffSummary,
        ConnectionModelUse,
        ConsentLink,
        FixAction,
        PermissionMatrix,
        MatrixColumn,
        MatrixColumnKind,
        MatrixRow,
        CellState,
        FixRequest,
        FixPlan,
        FixOutcome,
        PermsImportRequest,
        PermsProfileRequest,
        PermsInspectRequest,
        PermsReport,
        PermsFixRequest,
    ]
}
