//! Permission inspector: what a bot needs (profiles), what the tenant granted it (application
//! roles, delegated grants tenant-wide and per user, resource-specific consent per team and
//! chat), the difference, the admin consent link for what is missing, and revocation of what
//! it should not have. See docs/permissions.md.
//!
//! Async functions take a [`GraphClient`](crate::graph::GraphClient) and a token, never the
//! store: callers load the [`NameCache`] and save results around them, so the futures stay
//! `Send` and tests need no keyring.

pub mod diff;
pub mod fix;
pub mod granted;
pub mod ipc;
pub mod profile;

pub use diff::{
    default_consent_link, diff, diff_to_csv, matrix, matrix_to_csv, CellState, ConnectionModelUse,
    ConsentLink, ConsentTarget, DiffRow, DiffSummary, FixAction, MatrixColumn, MatrixColumnKind,
    MatrixRow, PermissionDiff, PermissionMatrix, RowState,
};
pub use fix::{apply_and_audit, apply_fix, plan_fix, record_fix, FixOutcome, FixPlan, FixRequest};
pub use granted::{
    find_service_principal, inspect, ConsentType, DelegatedGrant, GrantedAppRole,
    GrantedPermissions, GrantedScope, NameCache, RscGrant, RscReadFailure, RscScope, RscTarget,
    RscTargetKind, ServicePrincipalInfo, DEFAULT_MAX_RSC_TARGETS,
};
pub use ipc::{
    to_api_error, PermsFixRequest, PermsImportRequest, PermsInspectRequest, PermsProfileRequest,
    PermsReport,
};
pub use profile::{
    builtin_profiles, delete_custom_profile, export_profile, find_profile, list_profiles,
    parse_profile, profile_from_manifest, save_custom_profile, ConnectionModel, OtherAppId,
    PermissionKind, PermissionProfile, ProfileEntry, ProfileFileError, ProfileFormat,
    ProfileSource,
};

use crate::graph::GraphError;
use crate::store::StoreError;

/// Microsoft Graph's app id, the same in every tenant and cloud.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Forward-only schema of this module (one migration step). Replace, don't append, until the
/// first release; after that, add a new step instead.
///
/// - `permission_profile` (state database): custom profiles the admin imported, as their JSON
///   form; the tenant cannot give them back.
/// - `permission_name_cache` (cache database): app role / scope id → value and display name per resource
///   service principal, so a re-inspection does not re-read Graph's large service principal.
pub const PROFILE_SCHEMA: &str = "CREATE TABLE permission_profile (
        id          TEXT PRIMARY KEY NOT NULL,
        name        TEXT NOT NULL,
        body        TEXT NOT NULL,
        imported_at TEXT NOT NULL
    ) STRICT;";

/// Cache-database part: names re-readable from Graph at any time.
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
    NotConsented { app_id: String },
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

/// The permission inspector's types as TypeScript, for the UI (see `ipc_types::all_bindings`).
pub fn ts_bindings() -> Vec<crate::ipc_types::Binding> {
    crate::bindings_of![
        PermissionProfile,
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
