//! Revoking what a bot should not have: an application role, a scope of a delegated grant, or
//! a whole grant. Planned first (what will change, what stops working), applied on
//! confirmation, and recorded in the audit log either way.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::diff::FixAction;
use super::granted::{ConsentType, GrantedPermissions};
use super::profile::{BotProfile, PermissionKind};
use super::PermissionError;
use crate::audit::{self, AuditEntry, Outcome};
use crate::ids::EntraAppId;
use crate::secrets::Sensitive;
use crate::store::Store;
use botdeck_graph::resources::delegated_grants::OAuth2PermissionGrant;
use botdeck_graph::{GraphClient, GraphError};

/// What the admin asks to remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FixRequest {
    pub permission: String,
    pub kind: PermissionKind,
    /// Delegated only: the user whose own consent to trim (UPN or object id). `None` = the
    /// tenant-wide (admin-consented) grant.
    pub principal: Option<String>,
}

/// A confirmed-to-be change: what is sent, and what the admin must know before saying yes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FixPlan {
    pub action: FixAction,
    /// The bot's app registration, as its service principal names it.
    pub app_id: EntraAppId,
    pub app_name: String,
    pub permission: String,
    pub kind: PermissionKind,
    pub principal: Option<String>,
    /// The request, e.g. `DELETE /servicePrincipals/…/appRoleAssignments/…`.
    pub request: String,
    /// What will stop working.
    pub effect: String,
    /// Tokens already issued stay valid until they expire.
    pub token_note: String,
    /// `permission.revoke_app_role`, `permission.trim_grant`, `permission.delete_grant`.
    pub audit_action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FixOutcome {
    pub plan: FixPlan,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    pub message: String,
}

const TOKEN_NOTE: &str = "Access tokens the app already holds stay valid until they expire (typically 60 to 90 minutes); the change is complete after that.";

/// Finds what to change for `request` in what was inspected. `profile` (optional) supplies
/// the purpose, so the effect says which feature stops working.
pub fn plan_fix(
    granted: &GrantedPermissions,
    request: &FixRequest,
    profile: Option<&BotProfile>,
) -> Result<FixPlan, PermissionError> {
    let Some(sp) = &granted.service_principal else {
        return Err(PermissionError::NotConsented {
            app_id: granted.app_id.clone(),
        });
    };
    let purpose = profile
        .and_then(|p| {
            p.permissions.iter().find(|e| {
                e.kind == request.kind && e.name.eq_ignore_ascii_case(&request.permission)
            })
        })
        .map(|e| e.purpose.clone())
        .filter(|p| !p.is_empty());
    let needed_note = match &purpose {
        Some(p) => format!(" The profile says the bot needs it to: {p}"),
        None => String::new(),
    };
    match request.kind {
        PermissionKind::Rsc => Err(PermissionError::Invalid(
            "resource-specific consent is removed per team by upgrading the app without it or uninstalling it; BotDeck does not revoke RSC grants directly".into(),
        )),
        PermissionKind::Application => {
            if request.principal.is_some() {
                return Err(PermissionError::Invalid(
                    "application roles are tenant-wide; --user applies to delegated grants only".into(),
                ));
            }
            let role = granted
                .app_roles
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&request.permission) || r.assignment_id == request.permission)
                .ok_or_else(|| PermissionError::NotGranted(format!(
                    "{} has no application role {}",
                    sp.display_name, request.permission
                )))?;
            Ok(FixPlan {
                action: FixAction::RevokeAppRole {
                    service_principal_id: sp.id.clone(),
                    assignment_id: role.assignment_id.clone(),
                },
                app_id: sp.app_id.clone(),
                app_name: sp.display_name.clone(),
                permission: role.name.clone(),
                kind: PermissionKind::Application,
                principal: None,
                request: format!(
                    "DELETE /servicePrincipals/{}/appRoleAssignments/{}",
                    sp.id, role.assignment_id
                ),
                effect: format!(
                    "{} will no longer be able to {} without a signed-in user ({}); whatever it does with that permission stops working.{needed_note}",
                    sp.display_name,
                    role.display_name
                        .as_deref()
                        .map(|d| d.to_lowercase())
                        .unwrap_or_else(|| format!("use {}", role.name)),
                    role.name
                ),
                token_note: TOKEN_NOTE.into(),
                audit_action: "permission.revoke_app_role".into(),
            })
        }
        PermissionKind::Delegated => {
            let grants = granted.delegated.as_ref().ok_or_else(|| {
                PermissionError::Invalid(
                    "delegated grants could not be read with this sign-in; nothing to trim".into(),
                )
            })?;
            let grant = grants
                .iter()
                .filter(|g| g.scopes.iter().any(|s| s.name.eq_ignore_ascii_case(&request.permission)))
                .find(|g| match (&request.principal, g.consent_type) {
                    (None, ConsentType::AllPrincipals) => true,
                    (Some(who), ConsentType::Principal) => {
                        g.principal_id.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(who))
                            || g.principal_name.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(who))
                    }
                    _ => false,
                })
                .ok_or_else(|| {
                    PermissionError::NotGranted(match &request.principal {
                        None => format!(
                            "{} has no tenant-wide grant of {} (per-user consents need --user)",
                            sp.display_name, request.permission
                        ),
                        Some(who) => format!(
                            "{who} has not consented to {} for {}",
                            request.permission, sp.display_name
                        ),
                    })
                })?;
            let remaining: Vec<String> = grant
                .scopes
                .iter()
                .filter(|s| !s.name.eq_ignore_ascii_case(&request.permission))
                .map(|s| s.name.clone())
                .collect();
            let whom = match (&grant.consent_type, &grant.principal_name, &grant.principal_id) {
                (ConsentType::AllPrincipals, _, _) => "any user".to_string(),
                (_, Some(n), _) => n.clone(),
                (_, None, Some(id)) => id.clone(),
                _ => "the user".into(),
            };
            let effect = format!(
                "{} will no longer be able to use {} on behalf of {whom}; features that need it ask for consent again or fail.{needed_note}",
                sp.display_name, request.permission
            );
            let (action, req, audit_action) = if remaining.is_empty() {
                (
                    FixAction::DeleteGrant { grant_id: grant.grant_id.clone() },
                    format!("DELETE /oauth2PermissionGrants/{}", grant.grant_id),
                    "permission.delete_grant",
                )
            } else {
                (
                    FixAction::TrimGrant {
                        grant_id: grant.grant_id.clone(),
                        remove: vec![request.permission.clone()],
                    },
                    format!(
                        "PATCH /oauth2PermissionGrants/{} {{\"scope\": \"{}\"}}",
                        grant.grant_id,
                        remaining.join(" ")
                    ),
                    "permission.trim_grant",
                )
            };
            Ok(FixPlan {
                action,
                app_id: sp.app_id.clone(),
                app_name: sp.display_name.clone(),
                permission: request.permission.clone(),
                kind: PermissionKind::Delegated,
                principal: (grant.consent_type == ConsentType::Principal).then_some(whom),
                request: req,
                effect,
                token_note: TOKEN_NOTE.into(),
                audit_action: audit_action.into(),
            })
        }
    }
}

/// Sends the change. For a trim, the grant is re-read first so scopes granted since the
/// inspection are kept (a PATCH replaces the whole `scope`).
pub async fn apply_fix(
    graph: &GraphClient,
    token: &Sensitive<String>,
    plan: &FixPlan,
) -> Result<Option<String>, PermissionError> {
    let response = match &plan.action {
        FixAction::RevokeAppRole {
            service_principal_id,
            assignment_id,
        } => {
            graph
                .send_json(
                    token,
                    reqwest::Method::DELETE,
                    &format!(
                    "servicePrincipals/{service_principal_id}/appRoleAssignments/{assignment_id}"
                ),
                    None,
                )
                .await?
        }
        FixAction::DeleteGrant { grant_id } => {
            graph
                .send_json(
                    token,
                    reqwest::Method::DELETE,
                    &format!("oauth2PermissionGrants/{grant_id}"),
                    None,
                )
                .await?
        }
        FixAction::TrimGrant { grant_id, remove } => {
            let current = graph
                .get_one::<OAuth2PermissionGrant>(
                    token,
                    &format!("oauth2PermissionGrants/{grant_id}"),
                )
                .await?;
            let remaining: Vec<&str> = current
                .scopes()
                .filter(|s| !remove.iter().any(|r| r.eq_ignore_ascii_case(s)))
                .collect();
            if remaining.len() == current.scopes().count() {
                return Err(PermissionError::NotGranted(format!(
                    "the grant no longer contains {}",
                    remove.join(" ")
                )));
            }
            if remaining.is_empty() {
                graph
                    .send_json(
                        token,
                        reqwest::Method::DELETE,
                        &format!("oauth2PermissionGrants/{grant_id}"),
                        None,
                    )
                    .await?
            } else {
                let body = serde_json::json!({ "scope": remaining.join(" ") });
                graph
                    .send_json(
                        token,
                        reqwest::Method::PATCH,
                        &format!("oauth2PermissionGrants/{grant_id}"),
                        Some(&body),
                    )
                    .await?
            }
        }
    };
    Ok(response.request_id)
}

/// Applies `plan` and records the result in the audit log. The store is only touched after
/// the Graph call, so the future holds no database handle across an await.
pub async fn apply_and_audit(
    graph: &GraphClient,
    token: &Sensitive<String>,
    plan: &FixPlan,
) -> (FixOutcome, Result<(), PermissionError>) {
    match apply_fix(graph, token, plan).await {
        Ok(request_id) => (
            FixOutcome {
                plan: plan.clone(),
                outcome: Outcome::Succeeded,
                request_id,
                message: format!("{} removed. {}", plan.permission, plan.token_note),
            },
            Ok(()),
        ),
        Err(PermissionError::Graph(GraphError::Http {
            status: 404,
            request_id,
            ..
        })) => (
            FixOutcome {
                plan: plan.clone(),
                outcome: Outcome::AlreadyDone,
                request_id,
                message: format!("{} was already gone.", plan.permission),
            },
            Ok(()),
        ),
        Err(err) => {
            let request_id = match &err {
                PermissionError::Graph(GraphError::Http { request_id, .. }) => request_id.clone(),
                _ => None,
            };
            (
                FixOutcome {
                    plan: plan.clone(),
                    outcome: Outcome::Failed,
                    request_id,
                    message: err.to_string(),
                },
                Err(err),
            )
        }
    }
}

/// The audit entry for an applied (or failed) fix.
pub fn record_fix(
    store: &Store,
    outcome: &FixOutcome,
    actor: &str,
    profile_id: Option<&str>,
    tenant_id: Option<&str>,
) -> Result<i64, PermissionError> {
    let plan = &outcome.plan;
    let (target_kind, target_id) = match &plan.action {
        FixAction::RevokeAppRole {
            service_principal_id,
            assignment_id,
        } => (
            "app_role_assignment",
            format!("{service_principal_id}/{assignment_id}"),
        ),
        FixAction::TrimGrant { grant_id, .. } | FixAction::DeleteGrant { grant_id } => {
            ("grant", grant_id.clone())
        }
    };
    let detail = format!(
        "{} {} of {} ({}){}: {}",
        plan.kind.as_str(),
        plan.permission,
        plan.app_name,
        plan.app_id,
        plan.principal
            .as_deref()
            .map(|p| format!(" for {p}"))
            .unwrap_or_default(),
        outcome.message
    );
    Ok(audit::record(
        store,
        &AuditEntry {
            profile_id: profile_id.map(str::to_string),
            tenant_id: tenant_id.map(str::to_string),
            actor: actor.to_string(),
            action: plan.audit_action.clone(),
            target_kind: target_kind.into(),
            target_id,
            target_name: Some(format!("{} {}", plan.app_name, plan.permission)),
            outcome: outcome.outcome,
            detail: Some(detail),
            request_id: outcome.request_id.clone(),
        },
    )?)
}
