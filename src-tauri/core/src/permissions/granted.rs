//! What the tenant has granted a bot: its service principal, application roles, delegated
//! grants (tenant-wide and per user) and resource-specific consent per team and chat.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use tokio_util::sync::CancellationToken;

use super::{encode, PermissionError};
use crate::ids::EntraAppId;
use crate::secrets::Sensitive;
use crate::store::{optional_id_column, Store, StoreError};
use botdeck_graph::resources::app_role_assignments::AppRoleAssignment;
use botdeck_graph::resources::delegated_grants::OAuth2PermissionGrant;
use botdeck_graph::resources::grants::ResourceSpecificGrant;
use botdeck_graph::resources::keep_matching;
use botdeck_graph::resources::service_principals::ServicePrincipal;
use botdeck_graph::resources::teams::Team;
use botdeck_graph::resources::users::User;
use botdeck_graph::{GraphClient, GraphError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalInfo {
    /// Object id in this tenant (what grants and role assignments name as their client).
    pub id: String,
    /// The bot's app registration (`servicePrincipal.appId`), the same in every tenant.
    pub app_id: EntraAppId,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantedAppRole {
    pub assignment_id: String,
    /// Resource service principal (object id), e.g. Microsoft Graph's in this tenant.
    pub resource_id: String,
    /// The resource's app registration (`appId`), e.g. Microsoft Graph's
    /// 00000003-0000-0000-c000-000000000000; `None` when its service principal was not read.
    pub resource_app_id: Option<EntraAppId>,
    pub resource_name: String,
    pub app_role_id: String,
    /// The role's value (`Group.ReadWrite.All`), or its id when it could not be resolved.
    pub name: String,
    pub display_name: Option<String>,
    pub resolved: bool,
    pub created: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum ConsentType {
    /// Admin consent for every user of the tenant.
    AllPrincipals,
    /// One user consented for themself.
    Principal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantedScope {
    pub name: String,
    pub display_name: Option<String>,
    /// False when the resource does not publish a scope by that name.
    pub known: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DelegatedGrant {
    pub grant_id: String,
    /// Resource service principal (object id).
    pub resource_id: String,
    /// The resource's app registration (`appId`); `None` when its service principal was not read.
    pub resource_app_id: Option<EntraAppId>,
    pub resource_name: String,
    pub consent_type: ConsentType,
    pub principal_id: Option<String>,
    /// UPN (or display name) of the consenting user, for per-user grants.
    pub principal_name: Option<String>,
    pub scopes: Vec<GrantedScope>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RscTargetKind {
    Team,
    Chat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RscTarget {
    pub kind: RscTargetKind,
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RscGrant {
    pub target: RscTarget,
    pub grant_id: String,
    pub permission: String,
    /// `Application` or `Delegated`, as Graph says.
    pub permission_type: String,
}

/// A team or chat whose RSC grants could not be read (archived, 403, throttled to the end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RscReadFailure {
    pub target: RscTarget,
    pub message: String,
}

/// Everything granted to one app, as read from the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantedPermissions {
    /// The bot's app registration the read was for.
    pub app_id: EntraAppId,
    /// `None`: no service principal, i.e. nobody in the tenant has consented to the app yet.
    pub service_principal: Option<ServicePrincipalInfo>,
    pub app_roles: Vec<GrantedAppRole>,
    /// `None` when the grants could not be read (see `warnings`).
    pub delegated: Option<Vec<DelegatedGrant>>,
    pub rsc: Vec<RscGrant>,
    /// Teams and chats whose RSC grants were read.
    pub rsc_targets: Vec<RscTarget>,
    pub rsc_failures: Vec<RscReadFailure>,
    pub warnings: Vec<String>,
    #[ts(type = "string")]
    pub inspected_at: chrono::DateTime<chrono::Utc>,
}

/// Which teams and chats to read RSC grants in. Bounded: RSC reads are one request each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RscScope {
    pub teams: Vec<RscTarget>,
    pub chats: Vec<RscTarget>,
    /// List the tenant's teams (up to `max_targets`) and read each; only teams where the bot
    /// holds at least one RSC grant are kept, since a team without the bot has none either.
    pub all_teams: bool,
    pub max_targets: Option<usize>,
}

pub const DEFAULT_MAX_RSC_TARGETS: usize = 500;

/// Resolved names of app roles and scopes, per resource service principal. Loaded from and
/// saved to SQLite around an inspection, so the inspection itself holds no database handle.
#[derive(Debug, Clone, Default)]
pub struct NameCache {
    resources: HashMap<String, ResourceNames>,
    dirty: bool,
}

#[derive(Debug, Clone, Default)]
struct ResourceNames {
    app_id: Option<EntraAppId>,
    display_name: String,
    /// (kind, permission id) → (value, display name)
    names: HashMap<(String, String), (String, Option<String>)>,
    /// value (lowercase) → display name, for scopes (grants carry values, not ids)
    scopes_by_value: HashMap<String, Option<String>>,
}

impl NameCache {
    /// Entries older than a week are ignored: Microsoft adds permissions, rarely renames them.
    pub fn load(store: &Store) -> Result<Self, PermissionError> {
        let cutoff = (chrono::Utc::now() - chrono::Duration::days(7)).to_rfc3339();
        let conn = store.connection();
        let mut stmt = conn
            .prepare(
                "SELECT resource_id, resource_app_id, resource_name, kind, permission_id, value,
                        display_name
                 FROM permission_name_cache WHERE cached_at >= ?1",
            )
            .map_err(StoreError::from)?;
        let rows = stmt
            .query_map([cutoff], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    optional_id_column::<EntraAppId, _>(row, 1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(StoreError::from)?;
        let mut cache = Self::default();
        for row in rows {
            let (rid, app_id, rname, kind, pid, value, display) = row.map_err(StoreError::from)?;
            let entry = cache.resources.entry(rid).or_default();
            entry.app_id = app_id;
            entry.display_name = rname;
            if kind == "delegated" {
                entry
                    .scopes_by_value
                    .insert(value.to_ascii_lowercase(), display.clone());
            }
            entry
                .names
                .insert((kind, pid.to_ascii_lowercase()), (value, display));
        }
        Ok(cache)
    }

    pub fn save(&mut self, store: &Store) -> Result<(), PermissionError> {
        if !self.dirty {
            return Ok(());
        }
        let now = chrono::Utc::now().to_rfc3339();
        let conn = store.connection();
        for (rid, res) in &self.resources {
            conn.execute(
                "DELETE FROM permission_name_cache WHERE resource_id = ?1",
                [rid],
            )
            .map_err(StoreError::from)?;
            for ((kind, pid), (value, display)) in &res.names {
                conn.execute(
                    "INSERT INTO permission_name_cache (resource_id, resource_app_id, resource_name,
                        kind, permission_id, value, display_name, cached_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![rid, res.app_id.as_deref(), res.display_name, kind, pid, value, display, now],
                )
                .map_err(StoreError::from)?;
            }
        }
        self.dirty = false;
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    fn app_role(&self, resource: &str, role_id: &str) -> Option<&(String, Option<String>)> {
        self.resources
            .get(resource)?
            .names
            .get(&("application".to_string(), role_id.to_ascii_lowercase()))
    }

    /// Reads a resource's published app roles and scopes once per inspection when needed.
    async fn ensure(
        &mut self,
        graph: &GraphClient,
        token: &Sensitive<String>,
        resource: &str,
        role_ids: &[String],
    ) -> Result<(), GraphError> {
        let complete = self.resources.get(resource).is_some_and(|r| {
            role_ids.iter().all(|id| {
                r.names
                    .contains_key(&("application".to_string(), id.to_ascii_lowercase()))
            })
        });
        if complete {
            return Ok(());
        }
        let sp = graph
            .get_one::<ServicePrincipal>(
                token,
                &format!(
                    "servicePrincipals/{resource}?$select=id,appId,displayName,appRoles,oauth2PermissionScopes"
                ),
            )
            .await?;
        let mut names = ResourceNames {
            app_id: sp.app_id,
            display_name: sp.display_name.unwrap_or_else(|| resource.to_string()),
            ..Default::default()
        };
        let roles = sp.app_roles.into_iter().map(|p| {
            let display = p.display_name;
            ("application", p.id, p.value, display)
        });
        let scopes = sp.oauth2_permission_scopes.into_iter().map(|p| {
            let display = p.admin_consent_display_name;
            ("delegated", p.id, p.value, display)
        });
        for (kind, id, value, display) in roles.chain(scopes) {
            // A permission without a value cannot be granted: nothing to name.
            let Some(value) = value else { continue };
            if kind == "delegated" {
                names
                    .scopes_by_value
                    .insert(value.to_ascii_lowercase(), display.clone());
            }
            names.names.insert(
                (kind.to_string(), id.to_ascii_lowercase()),
                (value, display),
            );
        }
        self.resources.insert(resource.to_string(), names);
        self.dirty = true;
        Ok(())
    }
}

/// Finds the app's service principal (`None` = not consented in this tenant yet).
pub async fn find_service_principal(
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &EntraAppId,
) -> Result<Option<ServicePrincipalInfo>, PermissionError> {
    // An EntraAppId is a GUID: safe inside the OData string literal.
    let path = format!(
        "servicePrincipals?$filter={}&$select=id,appId,displayName",
        encode(&format!("appId eq '{app_id}'"))
    );
    // The filter is not trusted: another app's service principal must never be inspected
    // (or revoked) in this app's name.
    let found = keep_matching(
        graph.list::<ServicePrincipal>(token, &path).await?,
        |sp| sp.app_id.as_deref(),
        app_id.as_str(),
        "servicePrincipals",
    );
    let Some(sp) = found.into_iter().next() else {
        return Ok(None);
    };
    Ok(Some(ServicePrincipalInfo {
        id: sp.id,
        app_id: sp.app_id.unwrap_or_else(|| app_id.clone()),
        display_name: sp.display_name.unwrap_or_default(),
    }))
}

/// Reads everything granted to `app_id`. Graph failures on the directory reads fail the
/// inspection; a delegated-grant read the token is not allowed to do, a user that cannot be
/// resolved, or a team that cannot be read become warnings, so the admin still sees the rest.
pub async fn inspect(
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &EntraAppId,
    rsc: &RscScope,
    cache: &mut NameCache,
) -> Result<GrantedPermissions, PermissionError> {
    inspect_watched(graph, token, app_id, rsc, cache, &Watch::default()).await
}

/// Progress and cancellation for a long inspection (the RSC reads across every team).
#[derive(Default)]
pub struct Watch<'a> {
    /// Called with (teams and chats read, to read) after each one.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// Cancelled: the reads still queued are dropped and the inspection ends with
    /// [`PermissionError::Cancelled`]; nothing is half-saved because nothing is saved here.
    pub cancel: Option<CancellationToken>,
}

impl Watch<'_> {
    fn report(&self, done: usize, total: usize) {
        if let Some(progress) = self.progress {
            progress(done, total);
        }
    }

    async fn cancelled(&self) {
        match &self.cancel {
            Some(token) => token.cancelled().await,
            None => std::future::pending().await,
        }
    }

    fn check(&self) -> Result<(), PermissionError> {
        if self.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            return Err(PermissionError::Cancelled);
        }
        Ok(())
    }
}

/// [`inspect`] with progress and cancellation.
pub async fn inspect_watched(
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &EntraAppId,
    rsc: &RscScope,
    cache: &mut NameCache,
    watch: &Watch<'_>,
) -> Result<GrantedPermissions, PermissionError> {
    watch.check()?;
    let sp = find_service_principal(graph, token, app_id).await?;
    let mut out = GrantedPermissions {
        app_id: app_id.clone(),
        service_principal: sp.clone(),
        app_roles: Vec::new(),
        delegated: Some(Vec::new()),
        rsc: Vec::new(),
        rsc_targets: Vec::new(),
        rsc_failures: Vec::new(),
        warnings: Vec::new(),
        inspected_at: chrono::Utc::now(),
    };
    if let Some(sp) = &sp {
        out.app_roles = read_app_roles(graph, token, sp, cache).await?;
        match read_delegated(graph, token, sp, cache).await {
            Ok((grants, warnings)) => {
                out.delegated = Some(grants);
                out.warnings.extend(warnings);
            }
            Err(GraphError::Http {
                status: 403,
                message,
                ..
            }) => {
                out.delegated = None;
                out.warnings.push(format!(
                    "delegated grants could not be read (403: {message}); sign in with a role and scopes that may read oauth2PermissionGrants (DelegatedPermissionGrant.ReadWrite.All or Directory.Read.All)"
                ));
            }
            Err(err) => return Err(err.into()),
        }
    }
    watch.check()?;
    read_rsc(graph, token, app_id, rsc, &mut out, watch).await?;
    Ok(out)
}

async fn read_app_roles(
    graph: &GraphClient,
    token: &Sensitive<String>,
    sp: &ServicePrincipalInfo,
    cache: &mut NameCache,
) -> Result<Vec<GrantedAppRole>, PermissionError> {
    let rows = graph
        .list::<AppRoleAssignment>(
            token,
            &format!("servicePrincipals/{}/appRoleAssignments", sp.id),
        )
        .await?;
    let mut by_resource: HashMap<String, Vec<String>> = HashMap::new();
    for r in &rows {
        by_resource
            .entry(r.resource_id.clone())
            .or_default()
            .push(r.app_role_id.clone());
    }
    for (resource, roles) in &by_resource {
        cache.ensure(graph, token, resource, roles).await?;
    }
    let mut out = Vec::new();
    for r in rows {
        let AppRoleAssignment {
            id: assignment_id,
            resource_id,
            app_role_id,
            resource_display_name,
            created_date_time,
            ..
        } = r;
        let resolved = cache.app_role(&resource_id, &app_role_id).cloned();
        let res = cache.resources.get(&resource_id);
        out.push(GrantedAppRole {
            assignment_id,
            resource_app_id: res.and_then(|r| r.app_id.clone()),
            resource_name: resource_display_name
                .or_else(|| res.map(|r| r.display_name.clone()))
                .unwrap_or_else(|| resource_id.clone()),
            resource_id,
            name: resolved
                .as_ref()
                .map(|(v, _)| v.clone())
                .unwrap_or_else(|| app_role_id.clone()),
            display_name: resolved.as_ref().and_then(|(_, d)| d.clone()),
            resolved: resolved.is_some(),
            app_role_id,
            created: created_date_time,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

async fn read_delegated(
    graph: &GraphClient,
    token: &Sensitive<String>,
    sp: &ServicePrincipalInfo,
    cache: &mut NameCache,
) -> Result<(Vec<DelegatedGrant>, Vec<String>), GraphError> {
    let path = format!(
        "oauth2PermissionGrants?$filter={}",
        encode(&format!("clientId eq '{}'", sp.id))
    );
    let rows = keep_matching(
        graph.list::<OAuth2PermissionGrant>(token, &path).await?,
        |g| Some(g.client_id.as_str()),
        &sp.id,
        "oauth2PermissionGrants",
    );
    let mut warnings = Vec::new();
    let mut users: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    for r in rows {
        cache.ensure(graph, token, &r.resource_id, &[]).await?;
        let consent_type = if r.is_per_user() {
            ConsentType::Principal
        } else {
            ConsentType::AllPrincipals
        };
        let principal_id = r.principal_id.clone();
        let principal_name = match (&principal_id, consent_type) {
            (Some(pid), ConsentType::Principal) => {
                if !users.contains_key(pid) {
                    let name = match graph
                        .get_one::<User>(
                            token,
                            &format!("users/{pid}?$select=id,userPrincipalName,displayName"),
                        )
                        .await
                    {
                        Ok(u) => u.user_principal_name.or(u.display_name),
                        Err(GraphError::Http { status, .. }) if status == 403 || status == 404 => {
                            warnings.push(format!(
                                "user {pid} (per-user consent) could not be resolved to a name (HTTP {status})"
                            ));
                            None
                        }
                        Err(e) => return Err(e),
                    };
                    users.insert(pid.clone(), name);
                }
                users.get(pid).cloned().flatten()
            }
            _ => None,
        };
        let res = cache.resources.get(&r.resource_id);
        let scopes = r
            .scopes()
            .map(|s| {
                let known = res.and_then(|r| r.scopes_by_value.get(&s.to_ascii_lowercase()));
                GrantedScope {
                    name: s.to_string(),
                    display_name: known.cloned().flatten(),
                    known: known.is_some(),
                }
            })
            .collect();
        out.push(DelegatedGrant {
            grant_id: r.id,
            resource_app_id: res.and_then(|r| r.app_id.clone()),
            resource_name: res
                .map(|r| r.display_name.clone())
                .unwrap_or_else(|| r.resource_id.clone()),
            resource_id: r.resource_id,
            consent_type,
            principal_id,
            principal_name,
            scopes,
        });
    }
    Ok((out, warnings))
}

/// One GET per team/chat, at most `MAX_IN_FLIGHT` at a time. Pacing (Teams' 4 rps per team,
/// 1 rps per chat) and waiting out 429s (never before Retry-After) are the Graph client's, with
/// the same pacer as every other call to the tenant.
const MAX_IN_FLIGHT: usize = 4;

async fn read_rsc(
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &EntraAppId,
    scope: &RscScope,
    out: &mut GrantedPermissions,
    watch: &Watch<'_>,
) -> Result<(), PermissionError> {
    for t in scope.teams.iter().chain(scope.chats.iter()) {
        // Ids go into the URL path as they are: refuse anything that would change the path.
        if t.id.is_empty() || t.id.contains(['/', '?', '#', '%', ' ', '\\']) {
            return Err(PermissionError::Invalid(format!(
                "{:?} is not a team or chat id",
                t.id
            )));
        }
    }
    let max = scope.max_targets.unwrap_or(DEFAULT_MAX_RSC_TARGETS);
    let mut targets: Vec<RscTarget> = scope.teams.clone();
    targets.extend(scope.chats.iter().cloned());
    let listed_all = scope.all_teams;
    if listed_all {
        let teams = graph
            .list::<Team>(token, "teams?$select=id,displayName")
            .await?;
        for team in teams {
            if !targets.iter().any(|x| x.id == team.id) {
                targets.push(RscTarget {
                    kind: RscTargetKind::Team,
                    id: team.id,
                    name: team.display_name,
                });
            }
        }
    }
    if targets.len() > max {
        if listed_all {
            out.warnings.push(format!(
                "only the first {max} of {} teams/chats were read for RSC grants; pass the ones you care about explicitly",
                targets.len()
            ));
            targets.truncate(max);
        } else {
            return Err(PermissionError::Invalid(format!(
                "{} teams/chats given; at most {max} are read in one inspection",
                targets.len()
            )));
        }
    }
    let gate = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, target) in targets.iter().cloned().enumerate() {
        let (graph, token, gate) = (graph.clone(), token.clone(), gate.clone());
        tasks.spawn(async move {
            let result = read_target(&graph, &token, &target, &gate).await;
            (index, target, result)
        });
    }
    let mut results = Vec::new();
    let total = targets.len();
    watch.report(0, total);
    loop {
        let joined = tokio::select! {
            biased;
            _ = watch.cancelled() => {
                // Dropping the set aborts the reads still queued or on the wire (all GETs).
                tasks.abort_all();
                return Err(PermissionError::Cancelled);
            }
            next = tasks.join_next() => next,
        };
        let Some(joined) = joined else { break };
        watch.report(results.len() + 1, total);
        match joined {
            Ok(r) => results.push(r),
            Err(e) => return Err(PermissionError::Internal(format!("RSC read task: {e}"))),
        }
    }
    results.sort_by_key(|(i, _, _)| *i);
    for (_, target, result) in results {
        match result {
            // A malformed answer lands in `Err` too: the grants of this team or chat cannot be
            // told, a failed read, not "no grants" (which would say consent is missing).
            Ok(grants) => {
                let mine: Vec<RscGrant> = grants
                    .into_iter()
                    .filter(|g| g.is_for(app_id))
                    .map(|g| RscGrant {
                        target: target.clone(),
                        permission_type: g.permission_type().to_string(),
                        grant_id: g.id,
                        permission: g.permission,
                    })
                    .collect();
                // From a tenant-wide listing, a team without any grant for the bot is a team
                // without the bot: not one where consent is missing.
                let explicit = !listed_all
                    || scope.teams.iter().any(|t| t.id == target.id)
                    || target.kind == RscTargetKind::Chat;
                if explicit || !mine.is_empty() {
                    out.rsc_targets.push(target.clone());
                    out.rsc.extend(mine);
                }
            }
            Err(e) => out.rsc_failures.push(RscReadFailure {
                target,
                message: e.to_string(),
            }),
        }
    }
    Ok(())
}

async fn read_target(
    graph: &GraphClient,
    token: &Sensitive<String>,
    target: &RscTarget,
    gate: &tokio::sync::Semaphore,
) -> Result<Vec<ResourceSpecificGrant>, GraphError> {
    let path = match target.kind {
        RscTargetKind::Team => format!("teams/{}/permissionGrants", target.id),
        RscTargetKind::Chat => format!("chats/{}/permissionGrants", target.id),
    };
    let _permit = gate
        .acquire()
        .await
        .map_err(|e| GraphError::Protocol(format!("RSC reads: {e}")))?;
    graph.list(token, &path).await
}
