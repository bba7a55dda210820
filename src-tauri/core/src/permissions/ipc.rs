//! What the desktop window sends and receives for the permission inspector, and how this
//! module's errors reach it. The commands themselves live in the app crate (thin adapters).
//!
//! "Profile" means the *sign-in* profile everywhere in BotDeck; the permission profile a bot is
//! checked against is `permProfileId`, as `--perm-profile` in the CLI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::diff::{default_consent_link, ConsentTarget, PermissionDiff, PermissionMatrix};
use super::granted::GrantedPermissions;
use super::profile::{PermissionKind, PermissionProfile, ProfileFormat};
use super::PermissionError;
use crate::error::{ApiError, ErrorCode};

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
    pub profile: PermissionProfile,
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

impl From<PermissionError> for ApiError {
    fn from(err: PermissionError) -> Self {
        to_api_error(err, None)
    }
}

/// The edge form of a [`PermissionError`]. With `consent`, an app nobody consented to yet
/// carries the admin consent link, so the window can offer it next to the message.
pub fn to_api_error(err: PermissionError, consent: Option<&ConsentTarget>) -> ApiError {
    let message = err.to_string();
    match err {
        PermissionError::Graph(inner) => inner.into(),
        PermissionError::Store(inner) => inner.into(),
        PermissionError::NotConsented { app_id } => ApiError {
            link: consent.map(|target| default_consent_link(&app_id, target).url),
            ..ApiError::new(ErrorCode::ConsentRequired, message)
        },
        PermissionError::ProfileNotFound(_)
        | PermissionError::ProfileFile(_)
        | PermissionError::Invalid(_)
        | PermissionError::NotGranted(_) => ApiError::new(ErrorCode::InvalidInput, message),
        PermissionError::Cancelled => ApiError::new(ErrorCode::Cancelled, message),
        PermissionError::Encode(_) | PermissionError::Internal(_) => {
            ApiError::new(ErrorCode::Internal, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_are_invalid_input_and_not_consented_carries_the_link() {
        let err: ApiError = PermissionError::ProfileNotFound("nope".into()).into();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        let target = ConsentTarget::new(
            "https://login.microsoftonline.com",
            "contoso.onmicrosoft.com",
            "https://graph.microsoft.com/v1.0",
        );
        let app_id = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";
        let err = to_api_error(
            PermissionError::NotConsented {
                app_id: app_id.into(),
            },
            Some(&target),
        );
        assert_eq!(err.code, ErrorCode::ConsentRequired);
        let link = err.link.expect("consent link");
        assert!(
            link.contains("adminconsent") && link.contains(app_id),
            "{link}"
        );
        let graph_down: ApiError = PermissionError::Graph(crate::graph::GraphError::Http {
            status: 503,
            code: "ServiceUnavailable".into(),
            message: "busy".into(),
            request_id: None,
            retry_after: None,
        })
        .into();
        assert_eq!(graph_down.code, ErrorCode::Graph);
        assert!(graph_down.retryable);
    }
}
