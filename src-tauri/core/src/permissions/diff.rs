//! Needed vs granted: one row per permission in a state the admin can act on, the admin
//! consent link for exactly what is missing, and a permission × place matrix for the UI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::granted::{
    ConsentType, DelegatedGrant, GrantedPermissions, RscTarget, RscTargetKind, ServicePrincipalInfo,
};
use super::profile::{BotProfile, PermissionKind, ProfileEntry};
use super::{encode, PermissionError, GRAPH_APP_ID};
use crate::ids::EntraAppId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Needed and granted (✓).
    Granted,
    /// Needed, required, not granted: "Update available".
    MissingRequired,
    /// Needed for an optional feature, not granted.
    MissingOptional,
    /// Granted but not needed by the profile.
    Excess,
    /// Granted, not needed, and broader than a permission the profile does need.
    Broader,
    /// One user consented for themself; the Entra portal cannot revoke these.
    PerUserConsent,
    /// RSC granted in some of the inspected teams/chats but not in others.
    RscPartial,
    /// Could not be checked (no team inspected for RSC, grants unreadable).
    NotChecked,
}

/// A change BotDeck can make to resolve a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum FixAction {
    /// `DELETE /servicePrincipals/{servicePrincipalId}/appRoleAssignments/{assignmentId}`
    #[serde(rename_all = "camelCase")]
    RevokeAppRole {
        service_principal_id: String,
        assignment_id: String,
    },
    /// `PATCH /oauth2PermissionGrants/{grantId}` without `remove`, or `DELETE` when nothing
    /// would be left.
    #[serde(rename_all = "camelCase")]
    TrimGrant {
        grant_id: String,
        remove: Vec<String>,
    },
    /// `DELETE /oauth2PermissionGrants/{grantId}`
    #[serde(rename_all = "camelCase")]
    DeleteGrant { grant_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiffRow {
    pub permission: String,
    pub kind: PermissionKind,
    /// The resource as the bot profile names it (its app id, as the vendor wrote it) or, for a
    /// grant the profile does not list, the resource's app id, else its service principal's
    /// object id when that could not be read: display text, not an [`EntraAppId`].
    pub resource_app_id: String,
    pub resource_name: String,
    pub state: RowState,
    /// From the profile; `None` when the profile does not list the permission.
    pub required: Option<bool>,
    pub purpose: Option<String>,
    pub least_privileged: Option<bool>,
    pub alternative: Option<String>,
    /// The connection model the profile files this permission under.
    pub model: Option<String>,
    /// The consenting user (per-user consent rows).
    pub principal: Option<String>,
    /// RSC: where it is granted / missing.
    pub granted_in: Vec<RscTarget>,
    pub missing_in: Vec<RscTarget>,
    /// One sentence for people.
    pub detail: String,
    pub fix: Option<FixAction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiffSummary {
    pub granted: usize,
    pub missing_required: usize,
    pub missing_optional: usize,
    pub excess: usize,
    pub broader: usize,
    pub per_user_consents: usize,
    pub rsc_partial: usize,
    pub not_checked: usize,
}

/// How the bot connects, as the grants show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionModelUse {
    pub delegated: bool,
    pub application: bool,
    pub rsc: bool,
    /// "identity provider (delegated)", "bot identity (application)", ...
    pub label: String,
    /// Profile models with at least one granted permission.
    pub profile_models_in_use: Vec<String>,
    /// Profile models whose permissions were checked.
    pub evaluated_models: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsentLink {
    pub url: String,
    /// The `scope` values in the link.
    pub scopes: Vec<String>,
    /// `.default`: consents to everything the app registration declares (the only form that
    /// grants application permissions).
    pub uses_default: bool,
    pub note: String,
}

/// Where the admin consents: the profile's authority host and tenant, and the resource
/// identifier of Graph in that cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentTarget {
    pub authority_host: String,
    pub tenant: String,
    pub graph_resource: String,
}

impl ConsentTarget {
    /// Graph's resource identifier from the Graph base URL: the URL's origin for Microsoft's
    /// clouds; anything else (tenant-sim, a proxy) is a stand-in for the global service.
    pub fn new(authority_host: &str, tenant: &str, graph_base_url: &str) -> Self {
        let origin = url::Url::parse(graph_base_url)
            .ok()
            .filter(|u| {
                matches!(
                    u.host_str(),
                    Some(
                        "graph.microsoft.com"
                            | "graph.microsoft.us"
                            | "dod-graph.microsoft.us"
                            | "microsoftgraph.chinacloudapi.cn"
                    )
                )
            })
            .map(|u| u.origin().ascii_serialization());
        Self {
            authority_host: authority_host.trim_end_matches('/').to_string(),
            tenant: tenant.to_string(),
            graph_resource: origin.unwrap_or_else(|| "https://graph.microsoft.com".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PermissionDiff {
    pub profile_id: String,
    pub profile_name: String,
    /// The bot's app registration that was read.
    pub app_id: EntraAppId,
    pub service_principal: Option<ServicePrincipalInfo>,
    pub connection: ConnectionModelUse,
    pub rows: Vec<DiffRow>,
    pub summary: DiffSummary,
    /// Required permissions are missing (PagerDuty's "UPDATE AVAILABLE").
    pub update_available: bool,
    /// Admin consent for exactly the missing required Entra permissions.
    pub consent: Option<ConsentLink>,
    /// Admin consent for every missing Entra permission, optional ones included.
    pub consent_all: Option<ConsentLink>,
    pub warnings: Vec<String>,
}

/// Sign-in scopes that say nothing about the bot's reach; never reported as excess.
const SIGN_IN_SCOPES: &[&str] = &["openid", "profile", "email"];

/// Broader permission → narrower ones it includes. Only pairs where Microsoft documents the
/// narrower one as the least-privileged choice for the same reads.
const BROADER: &[(&str, &[&str])] = &[
    (
        "Directory.ReadWrite.All",
        &[
            "Directory.Read.All",
            "User.Read.All",
            "User.ReadBasic.All",
            "Group.Read.All",
            "GroupMember.Read.All",
            "Application.Read.All",
            "Organization.Read.All",
            "Team.ReadBasic.All",
            "TeamMember.Read.All",
        ],
    ),
    (
        "Directory.Read.All",
        &[
            "User.Read.All",
            "User.ReadBasic.All",
            "Group.Read.All",
            "GroupMember.Read.All",
            "Application.Read.All",
            "Organization.Read.All",
            "Team.ReadBasic.All",
            "TeamMember.Read.All",
        ],
    ),
    (
        "Group.ReadWrite.All",
        &[
            "Group.Read.All",
            "GroupMember.Read.All",
            "Team.ReadBasic.All",
            "TeamMember.Read.All",
            "Channel.ReadBasic.All",
            "ChannelSettings.Read.All",
            "TeamSettings.Read.All",
        ],
    ),
    (
        "Group.Read.All",
        &[
            "GroupMember.Read.All",
            "Team.ReadBasic.All",
            "TeamMember.Read.All",
            "Channel.ReadBasic.All",
            "ChannelSettings.Read.All",
            "TeamSettings.Read.All",
        ],
    ),
    (
        "User.ReadWrite.All",
        &["User.Read.All", "User.ReadBasic.All"],
    ),
    ("User.Read.All", &["User.ReadBasic.All"]),
    (
        "Chat.ReadWrite.All",
        &[
            "Chat.Read.All",
            "Chat.ReadBasic.All",
            "ChatMember.Read.All",
            "ChatMessage.Read.All",
        ],
    ),
    (
        "Chat.Read.All",
        &["Chat.ReadBasic.All", "ChatMessage.Read.All"],
    ),
    (
        "Chat.ReadWrite",
        &["Chat.Read", "Chat.ReadBasic", "ChatMessage.Read"],
    ),
    ("Chat.Read", &["Chat.ReadBasic"]),
    ("TeamSettings.ReadWrite.All", &["TeamSettings.Read.All"]),
    ("Files.ReadWrite.All", &["Files.Read.All"]),
    ("AppCatalog.ReadWrite.All", &["AppCatalog.Read.All"]),
    ("Application.ReadWrite.All", &["Application.Read.All"]),
];

fn covers(broad: &str, narrow: &str) -> bool {
    BROADER.iter().any(|(b, list)| {
        b.eq_ignore_ascii_case(broad) && list.iter().any(|n| n.eq_ignore_ascii_case(narrow))
    })
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn rsc_target_kind(name: &str) -> Option<RscTargetKind> {
    if name.ends_with(".Group") {
        Some(RscTargetKind::Team)
    } else if name.ends_with(".Chat") {
        Some(RscTargetKind::Chat)
    } else {
        None
    }
}

struct Ctx<'a> {
    granted: &'a GrantedPermissions,
}

impl Ctx<'_> {
    fn resource_matches(entry_resource: &str, resource_app_id: Option<&str>) -> bool {
        match resource_app_id {
            Some(r) => same(r, entry_resource),
            // An unresolved resource can only be matched when the entry means Graph and the
            // name matches; good enough and never a false "missing".
            None => same(entry_resource, GRAPH_APP_ID),
        }
    }

    fn app_role(&self, e: &ProfileEntry) -> Option<&super::granted::GrantedAppRole> {
        self.granted.app_roles.iter().find(|r| {
            same(&r.name, &e.name)
                && Self::resource_matches(&e.resource, r.resource_app_id.as_deref())
        })
    }

    fn grants(&self, e: &ProfileEntry, consent: ConsentType) -> Vec<&DelegatedGrant> {
        self.granted
            .delegated
            .iter()
            .flatten()
            .filter(|g| {
                g.consent_type == consent
                    && Self::resource_matches(&e.resource, g.resource_app_id.as_deref())
                    && g.scopes.iter().any(|s| same(&s.name, &e.name))
            })
            .collect()
    }

    fn rsc_granted_in(&self, name: &str, kind: RscTargetKind) -> (Vec<RscTarget>, Vec<RscTarget>) {
        let mut granted = Vec::new();
        let mut missing = Vec::new();
        for t in self.granted.rsc_targets.iter().filter(|t| t.kind == kind) {
            if self
                .granted
                .rsc
                .iter()
                .any(|g| g.target.id == t.id && same(&g.permission, name))
            {
                granted.push(t.clone());
            } else {
                missing.push(t.clone());
            }
        }
        (granted, missing)
    }

    /// Granted anywhere at all: how a profile model is recognised as in use.
    fn granted_anywhere(&self, e: &ProfileEntry) -> bool {
        match e.kind {
            PermissionKind::Application => self.app_role(e).is_some(),
            PermissionKind::Delegated => {
                !self.grants(e, ConsentType::AllPrincipals).is_empty()
                    || !self.grants(e, ConsentType::Principal).is_empty()
            }
            PermissionKind::Rsc => self
                .granted
                .rsc
                .iter()
                .any(|g| same(&g.permission, &e.name)),
        }
    }
}

fn label(delegated: bool, application: bool, rsc: bool) -> String {
    match (delegated, application || rsc) {
        (true, true) => "both: identity provider (delegated) and bot identity (application/RSC)",
        (true, false) => "identity provider (delegated: acts as the signed-in user)",
        (false, true) => "bot identity (application/RSC: acts as itself)",
        (false, false) => "none: nothing granted",
    }
    .to_string()
}

/// Compares `profile` with what `granted` shows. `model` restricts the check to one of the
/// profile's connection models; by default the models in use are checked (all of them when
/// none is in use yet).
pub fn diff(
    profile: &BotProfile,
    granted: &GrantedPermissions,
    model: Option<&str>,
    consent: &ConsentTarget,
) -> Result<PermissionDiff, PermissionError> {
    let ctx = Ctx { granted };
    if let Some(m) = model {
        if !profile.models.iter().any(|x| x.id == m) {
            return Err(PermissionError::Invalid(format!(
                "profile {} has no connection model {m:?}; it has: {}",
                profile.id,
                if profile.models.is_empty() {
                    "none".to_string()
                } else {
                    profile
                        .models
                        .iter()
                        .map(|x| x.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
    }
    let models_in_use: Vec<String> = profile
        .models
        .iter()
        .filter(|m| {
            profile
                .permissions
                .iter()
                .filter(|e| e.model.as_deref() == Some(m.id.as_str()))
                .filter(|e| !SIGN_IN_SCOPES.iter().any(|s| same(s, &e.name)))
                .any(|e| ctx.granted_anywhere(e))
        })
        .map(|m| m.id.clone())
        .collect();
    let evaluated: Vec<String> = match model {
        Some(m) => vec![m.to_string()],
        None if !models_in_use.is_empty() => models_in_use.clone(),
        None => profile.models.iter().map(|m| m.id.clone()).collect(),
    };
    let delegated_any = granted
        .delegated
        .iter()
        .flatten()
        .any(|g| !g.scopes.is_empty());
    let connection = ConnectionModelUse {
        delegated: delegated_any,
        application: !granted.app_roles.is_empty(),
        rsc: !granted.rsc.is_empty(),
        label: label(
            delegated_any,
            !granted.app_roles.is_empty(),
            !granted.rsc.is_empty(),
        ),
        profile_models_in_use: models_in_use,
        evaluated_models: evaluated.clone(),
    };
    let considered: Vec<&ProfileEntry> = profile
        .permissions
        .iter()
        .filter(|e| e.model.as_ref().is_none_or(|m| evaluated.contains(m)))
        .collect();

    let mut rows = Vec::new();
    let mut warnings = granted.warnings.clone();
    for f in &granted.rsc_failures {
        warnings.push(format!(
            "RSC grants of {} {} could not be read: {}",
            match f.target.kind {
                RscTargetKind::Team => "team",
                RscTargetKind::Chat => "chat",
            },
            f.target.name.as_deref().unwrap_or(&f.target.id),
            f.message
        ));
    }
    for e in &considered {
        rows.push(needed_row(&ctx, e));
    }
    if granted.service_principal.is_some() {
        excess_rows(&ctx, profile, &considered, &mut rows);
    }
    // RSC grants live on teams and chats, not on the service principal: reported either way.
    excess_rsc_rows(&ctx, profile, &mut rows);

    let mut summary = DiffSummary::default();
    for r in &rows {
        match r.state {
            RowState::Granted => summary.granted += 1,
            RowState::MissingRequired => summary.missing_required += 1,
            RowState::MissingOptional => summary.missing_optional += 1,
            RowState::Excess => summary.excess += 1,
            RowState::Broader => summary.broader += 1,
            RowState::PerUserConsent => summary.per_user_consents += 1,
            RowState::RscPartial => summary.rsc_partial += 1,
            RowState::NotChecked => summary.not_checked += 1,
        }
    }
    let missing = |optional_too: bool| -> Vec<&ProfileEntry> {
        considered
            .iter()
            .copied()
            .filter(|e| {
                rows.iter().any(|r| {
                    same(&r.permission, &e.name)
                        && r.kind == e.kind
                        && r.principal.is_none()
                        && (r.state == RowState::MissingRequired
                            || (optional_too && r.state == RowState::MissingOptional))
                })
            })
            .collect()
    };
    // The profile's spelling of the same id, so the consent link reads as the vendor wrote it.
    let app_id = profile
        .app_id
        .as_deref()
        .filter(|a| same(a, &granted.app_id))
        .unwrap_or(&granted.app_id);
    let sp_missing = granted.service_principal.is_none();
    let consent_required = consent_link(app_id, consent, &missing(false), sp_missing);
    let consent_all = consent_link(app_id, consent, &missing(true), sp_missing).filter(|all| {
        consent_required
            .as_ref()
            .is_none_or(|req| req.url != all.url)
    });
    if sp_missing {
        warnings.insert(
            0,
            format!(
                "app {} has no service principal in this tenant: nobody has consented to it yet. An admin can consent with the link below.",
                granted.app_id
            ),
        );
    }
    Ok(PermissionDiff {
        profile_id: profile.id.clone(),
        profile_name: profile.name.clone(),
        app_id: granted.app_id.clone(),
        service_principal: granted.service_principal.clone(),
        connection,
        update_available: summary.missing_required > 0,
        summary,
        rows,
        consent: consent_required,
        consent_all,
        warnings,
    })
}

fn base_row(e: &ProfileEntry, state: RowState, detail: String) -> DiffRow {
    DiffRow {
        permission: e.name.clone(),
        kind: e.kind,
        resource_app_id: e.resource.clone(),
        resource_name: if same(&e.resource, GRAPH_APP_ID) {
            "Microsoft Graph".into()
        } else {
            e.resource.clone()
        },
        state,
        required: Some(e.required),
        purpose: (!e.purpose.is_empty()).then(|| e.purpose.clone()),
        least_privileged: Some(e.least_privileged),
        alternative: e.alternative.clone(),
        model: e.model.clone(),
        principal: None,
        granted_in: Vec::new(),
        missing_in: Vec::new(),
        detail,
        fix: None,
    }
}

fn missing_state(e: &ProfileEntry) -> RowState {
    if e.required {
        RowState::MissingRequired
    } else {
        RowState::MissingOptional
    }
}

fn needed_row(ctx: &Ctx<'_>, e: &ProfileEntry) -> DiffRow {
    if ctx.granted.service_principal.is_none() && e.kind != PermissionKind::Rsc {
        return base_row(
            e,
            missing_state(e),
            "not granted: the app is not consented in this tenant yet".into(),
        );
    }
    match e.kind {
        PermissionKind::Application => match ctx.app_role(e) {
            Some(r) => base_row(
                e,
                RowState::Granted,
                format!(
                    "granted as an application role{}",
                    r.display_name
                        .as_ref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ),
            ),
            None => base_row(e, missing_state(e), "application role not granted".into()),
        },
        PermissionKind::Delegated => {
            if ctx.granted.delegated.is_none() {
                return base_row(
                    e,
                    RowState::NotChecked,
                    "delegated grants could not be read".into(),
                );
            }
            if !ctx.grants(e, ConsentType::AllPrincipals).is_empty() {
                return base_row(
                    e,
                    RowState::Granted,
                    "granted for all users (admin consent)".into(),
                );
            }
            let users = ctx.grants(e, ConsentType::Principal).len();
            let detail = if users > 0 {
                format!("not granted tenant-wide; only {users} user(s) consented for themselves")
            } else {
                "not granted".into()
            };
            base_row(e, missing_state(e), detail)
        }
        PermissionKind::Rsc => {
            let Some(kind) = rsc_target_kind(&e.name) else {
                return base_row(
                    e,
                    RowState::NotChecked,
                    "user-scoped RSC is not inspected by BotDeck".into(),
                );
            };
            let where_ = match kind {
                RscTargetKind::Team => "teams",
                RscTargetKind::Chat => "chats",
            };
            let (granted_in, missing_in) = ctx.rsc_granted_in(&e.name, kind);
            let (state, detail) = if granted_in.is_empty() && missing_in.is_empty() {
                (
                    RowState::NotChecked,
                    format!(
                        "no {where_} were inspected; pass the {where_} where the bot is installed"
                    ),
                )
            } else if missing_in.is_empty() {
                (
                    RowState::Granted,
                    format!("granted in all {} inspected {where_}", granted_in.len()),
                )
            } else if granted_in.is_empty() {
                (
                    missing_state(e),
                    format!("granted in none of the {} inspected {where_}; install or upgrade the app there to consent", missing_in.len()),
                )
            } else {
                (
                    RowState::RscPartial,
                    format!(
                        "granted in {} of {} inspected {where_}; missing in {}: upgrade the app there to consent",
                        granted_in.len(),
                        granted_in.len() + missing_in.len(),
                        names(&missing_in)
                    ),
                )
            };
            let mut row = base_row(e, state, detail);
            row.granted_in = granted_in;
            row.missing_in = missing_in;
            row
        }
    }
}

fn names(targets: &[RscTarget]) -> String {
    targets
        .iter()
        .map(|t| t.name.clone().unwrap_or_else(|| t.id.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn excess_rows(
    ctx: &Ctx<'_>,
    profile: &BotProfile,
    considered: &[&ProfileEntry],
    rows: &mut Vec<DiffRow>,
) {
    let listed = |kind: PermissionKind, name: &str| {
        profile
            .permissions
            .iter()
            .find(|e| e.kind == kind && same(&e.name, name))
    };
    let broader_than = |kind: PermissionKind, name: &str| -> Option<String> {
        considered
            .iter()
            .find(|e| e.kind == kind && covers(name, &e.name))
            .map(|e| e.name.clone())
    };
    let Some(sp) = &ctx.granted.service_principal else {
        return;
    };
    for r in &ctx.granted.app_roles {
        if listed(PermissionKind::Application, &r.name).is_some() {
            continue;
        }
        let narrower = broader_than(PermissionKind::Application, &r.name);
        rows.push(DiffRow {
            permission: r.name.clone(),
            kind: PermissionKind::Application,
            resource_app_id: r
                .resource_app_id
                .as_ref()
                .map_or_else(|| r.resource_id.clone(), |a| a.to_string()),
            resource_name: r.resource_name.clone(),
            state: if narrower.is_some() {
                RowState::Broader
            } else {
                RowState::Excess
            },
            required: None,
            purpose: None,
            least_privileged: None,
            alternative: narrower.clone(),
            model: None,
            principal: None,
            granted_in: Vec::new(),
            missing_in: Vec::new(),
            detail: match &narrower {
                Some(n) => format!(
                    "granted but not needed: broader than {n}, which the profile asks for instead"
                ),
                None if !r.resolved => format!(
                    "granted but not needed (app role id {} not published by the resource)",
                    r.app_role_id
                ),
                None => "granted but not needed by the profile".into(),
            },
            fix: Some(FixAction::RevokeAppRole {
                service_principal_id: sp.id.clone(),
                assignment_id: r.assignment_id.clone(),
            }),
        });
    }
    for g in ctx.granted.delegated.iter().flatten() {
        let per_user = g.consent_type == ConsentType::Principal;
        for s in &g.scopes {
            let needed = listed(PermissionKind::Delegated, &s.name);
            if !per_user && (needed.is_some() || SIGN_IN_SCOPES.iter().any(|x| same(x, &s.name))) {
                continue;
            }
            let fix = if g.scopes.len() == 1 {
                FixAction::DeleteGrant {
                    grant_id: g.grant_id.clone(),
                }
            } else {
                FixAction::TrimGrant {
                    grant_id: g.grant_id.clone(),
                    remove: vec![s.name.clone()],
                }
            };
            let narrower = if needed.is_none() {
                broader_than(PermissionKind::Delegated, &s.name)
            } else {
                None
            };
            let who = g
                .principal_name
                .clone()
                .or_else(|| g.principal_id.clone())
                .unwrap_or_else(|| "a user".into());
            let (state, detail) = if per_user {
                (
                    RowState::PerUserConsent,
                    format!(
                        "consented by {who} for themself{}; the Entra portal cannot revoke per-user consents, BotDeck can",
                        if needed.is_some() { "" } else { " and not needed by the profile" }
                    ),
                )
            } else if let Some(n) = &narrower {
                (
                    RowState::Broader,
                    format!("granted for all users but not needed: broader than {n}"),
                )
            } else {
                (
                    RowState::Excess,
                    "granted for all users but not needed by the profile".into(),
                )
            };
            rows.push(DiffRow {
                permission: s.name.clone(),
                kind: PermissionKind::Delegated,
                resource_app_id: g
                    .resource_app_id
                    .as_ref()
                    .map_or_else(|| g.resource_id.clone(), |a| a.to_string()),
                resource_name: g.resource_name.clone(),
                state,
                required: needed.map(|e| e.required),
                purpose: needed.and_then(|e| (!e.purpose.is_empty()).then(|| e.purpose.clone())),
                least_privileged: needed.map(|e| e.least_privileged),
                alternative: narrower.or_else(|| needed.and_then(|e| e.alternative.clone())),
                model: needed.and_then(|e| e.model.clone()),
                principal: per_user.then_some(who),
                granted_in: Vec::new(),
                missing_in: Vec::new(),
                detail,
                fix: Some(fix),
            });
        }
    }
}

/// RSC permissions consented in a team or chat that the profile does not list (in any model):
/// nobody needs them.
fn excess_rsc_rows(ctx: &Ctx<'_>, profile: &BotProfile, rows: &mut Vec<DiffRow>) {
    let listed = |kind: PermissionKind, name: &str| {
        profile
            .permissions
            .iter()
            .find(|e| e.kind == kind && same(&e.name, name))
    };
    let mut extra_rsc: Vec<(String, Vec<RscTarget>)> = Vec::new();
    for g in &ctx.granted.rsc {
        if listed(PermissionKind::Rsc, &g.permission).is_some() {
            continue;
        }
        match extra_rsc.iter_mut().find(|(p, _)| same(p, &g.permission)) {
            Some((_, targets)) => targets.push(g.target.clone()),
            None => extra_rsc.push((g.permission.clone(), vec![g.target.clone()])),
        }
    }
    for (permission, targets) in extra_rsc {
        rows.push(DiffRow {
            permission,
            kind: PermissionKind::Rsc,
            resource_app_id: GRAPH_APP_ID.into(),
            resource_name: "Microsoft Graph".into(),
            state: RowState::Excess,
            required: None,
            purpose: None,
            least_privileged: None,
            alternative: None,
            model: None,
            principal: None,
            detail: format!(
                "consented in {} but not needed: remove it from the app's manifest and upgrade, or uninstall there",
                names(&targets)
            ),
            granted_in: targets,
            missing_in: Vec::new(),
            fix: None,
        });
    }
}

/// Admin consent to everything the app's registration declares: what a bot that has no
/// service principal in the tenant needs first.
pub fn default_consent_link(app_id: &EntraAppId, target: &ConsentTarget) -> ConsentLink {
    consent_link(app_id, target, &[], true).unwrap_or_else(|| ConsentLink {
        url: String::new(),
        scopes: Vec::new(),
        uses_default: true,
        note: String::new(),
    })
}

fn consent_link(
    app_id: &str,
    target: &ConsentTarget,
    missing: &[&ProfileEntry],
    sp_missing: bool,
) -> Option<ConsentLink> {
    let entra: Vec<&&ProfileEntry> = missing
        .iter()
        .filter(|e| e.kind != PermissionKind::Rsc)
        .collect();
    if entra.is_empty() && !sp_missing {
        return None;
    }
    let prefix = |resource: &str| {
        if same(resource, GRAPH_APP_ID) {
            target.graph_resource.clone()
        } else {
            resource.to_string()
        }
    };
    // Application permissions cannot be named in `scope`: only `.default` grants them, and
    // it grants everything the app registration declares.
    let uses_default = sp_missing || entra.iter().any(|e| e.kind == PermissionKind::Application);
    let scopes: Vec<String> = if uses_default {
        let mut resources: Vec<String> = entra.iter().map(|e| prefix(&e.resource)).collect();
        if resources.is_empty() {
            resources.push(target.graph_resource.clone());
        }
        resources.sort();
        resources.dedup();
        resources
            .into_iter()
            .map(|r| format!("{r}/.default"))
            .collect()
    } else {
        entra
            .iter()
            .map(|e| format!("{}/{}", prefix(&e.resource), e.name))
            .collect()
    };
    let url = format!(
        "{}/{}/v2.0/adminconsent?client_id={}&scope={}",
        target.authority_host,
        target.tenant,
        encode(app_id),
        encode(&scopes.join(" "))
    );
    let listed: Vec<&str> = entra.iter().map(|e| e.name.as_str()).collect();
    let note = if uses_default {
        format!(
            "Opens Microsoft's admin consent page for everything the app's registration declares (application permissions can only be consented that way){}. If the registration does not declare them, ask the vendor to add them first.",
            if listed.is_empty() { String::new() } else { format!("; missing: {}", listed.join(", ")) }
        )
    } else {
        format!(
            "Opens Microsoft's admin consent page for exactly: {}.",
            listed.join(", ")
        )
    };
    Some(ConsentLink {
        url,
        scopes,
        uses_default,
        note,
    })
}

// ---------------------------------------------------------------------------------------------
// Matrix and exports

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatrixColumnKind {
    /// Tenant-wide: application roles and admin-consented delegated grants.
    Tenant,
    Team,
    Chat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MatrixColumn {
    pub id: String,
    pub label: String,
    pub kind: MatrixColumnKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    Granted,
    Missing,
    /// Granted there but not needed.
    Excess,
    /// Granted by one user for themself.
    PerUser,
    NotApplicable,
    NotChecked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MatrixRow {
    pub permission: String,
    pub kind: PermissionKind,
    pub principal: Option<String>,
    pub required: Option<bool>,
    pub state: RowState,
    /// One per column, in column order.
    pub cells: Vec<CellState>,
}

/// Permission × place: the tenant column, then every inspected team and chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PermissionMatrix {
    pub columns: Vec<MatrixColumn>,
    pub rows: Vec<MatrixRow>,
}

pub fn matrix(diff: &PermissionDiff, granted: &GrantedPermissions) -> PermissionMatrix {
    let mut columns = vec![MatrixColumn {
        id: "tenant".into(),
        label: "Tenant-wide".into(),
        kind: MatrixColumnKind::Tenant,
    }];
    for t in &granted.rsc_targets {
        columns.push(MatrixColumn {
            id: t.id.clone(),
            label: t.name.clone().unwrap_or_else(|| t.id.clone()),
            kind: match t.kind {
                RscTargetKind::Team => MatrixColumnKind::Team,
                RscTargetKind::Chat => MatrixColumnKind::Chat,
            },
        });
    }
    let rows = diff
        .rows
        .iter()
        .map(|r| {
            let tenant = match (r.kind, r.state) {
                (PermissionKind::Rsc, _) => CellState::NotApplicable,
                (_, RowState::Granted) => CellState::Granted,
                (_, RowState::MissingRequired | RowState::MissingOptional) => CellState::Missing,
                (_, RowState::Excess | RowState::Broader) => CellState::Excess,
                (_, RowState::PerUserConsent) => CellState::PerUser,
                (_, RowState::NotChecked | RowState::RscPartial) => CellState::NotChecked,
            };
            let mut cells = vec![tenant];
            for t in &granted.rsc_targets {
                let cell = if r.kind != PermissionKind::Rsc
                    || rsc_target_kind(&r.permission).is_some_and(|k| k != t.kind)
                {
                    CellState::NotApplicable
                } else if r.granted_in.iter().any(|g| g.id == t.id) {
                    if r.required.is_some() {
                        CellState::Granted
                    } else {
                        CellState::Excess
                    }
                } else if r.missing_in.iter().any(|g| g.id == t.id) {
                    CellState::Missing
                } else {
                    CellState::NotApplicable
                };
                cells.push(cell);
            }
            MatrixRow {
                permission: r.permission.clone(),
                kind: r.kind,
                principal: r.principal.clone(),
                required: r.required,
                state: r.state,
                cells,
            }
        })
        .collect();
    PermissionMatrix { columns, rows }
}

fn csv_field(s: &str) -> String {
    // Spreadsheet apps run cells starting with these as formulas; a leading quote defuses it.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn snake<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// RFC 4180 CSV of the diff rows, one line per row, with a header.
pub fn diff_to_csv(diff: &PermissionDiff) -> String {
    let mut out = csv_line(
        &[
            "permission",
            "type",
            "resource",
            "state",
            "required",
            "least_privileged",
            "alternative",
            "model",
            "principal",
            "granted_in",
            "missing_in",
            "purpose",
            "detail",
        ]
        .map(String::from),
    );
    let opt_bool = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
    for r in &diff.rows {
        out.push_str(&csv_line(&[
            r.permission.clone(),
            r.kind.as_str().to_string(),
            r.resource_name.clone(),
            snake(&r.state),
            opt_bool(r.required),
            opt_bool(r.least_privileged),
            r.alternative.clone().unwrap_or_default(),
            r.model.clone().unwrap_or_default(),
            r.principal.clone().unwrap_or_default(),
            names(&r.granted_in).replace(", ", ";"),
            names(&r.missing_in).replace(", ", ";"),
            r.purpose.clone().unwrap_or_default(),
            r.detail.clone(),
        ]));
    }
    out
}

/// CSV of the matrix: permission, type, principal, then one column per place.
pub fn matrix_to_csv(m: &PermissionMatrix) -> String {
    let mut header = vec!["permission".to_string(), "type".into(), "principal".into()];
    header.extend(m.columns.iter().map(|c| c.label.clone()));
    let mut out = csv_line(&header);
    for r in &m.rows {
        let mut line = vec![
            r.permission.clone(),
            r.kind.as_str().to_string(),
            r.principal.clone().unwrap_or_default(),
        ];
        line.extend(r.cells.iter().map(snake));
        out.push_str(&csv_line(&line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("User.Read"), "User.Read");
    }

    #[test]
    fn graph_resource_follows_the_cloud() {
        let t = ConsentTarget::new(
            "https://login.microsoftonline.us",
            "t",
            "https://graph.microsoft.us/v1.0",
        );
        assert_eq!(t.graph_resource, "https://graph.microsoft.us");
        let t = ConsentTarget::new("http://127.0.0.1:1", "t", "http://127.0.0.1:1/v1.0");
        assert_eq!(t.graph_resource, "https://graph.microsoft.com");
    }

    /// RSC grants live on teams and chats: even with no service principal in the tenant (a
    /// store bot nobody consented to tenant-wide), the ones no profile entry needs are excess.
    #[test]
    fn rsc_grants_nobody_needs_are_reported_without_a_service_principal() {
        let profile = crate::permissions::builtin_profiles()
            .into_iter()
            .find(|p| p.id == "mattermost")
            .expect("built-in");
        assert!(profile
            .permissions
            .iter()
            .all(|e| e.kind != PermissionKind::Rsc));
        let team = RscTarget {
            kind: RscTargetKind::Team,
            id: "team-1".into(),
            name: Some("Ops".into()),
        };
        let granted = GrantedPermissions {
            app_id: EntraAppId::parse("e6b8d4f2-3a5c-4d7e-9f01-1b2c3d4e5f60").expect("app id"),
            service_principal: None,
            app_roles: Vec::new(),
            delegated: None,
            rsc: vec![crate::permissions::RscGrant {
                target: team.clone(),
                grant_id: "g1".into(),
                permission: "ChannelMessage.Read.Group".into(),
                permission_type: "Application".into(),
            }],
            rsc_targets: vec![team],
            rsc_failures: Vec::new(),
            warnings: Vec::new(),
            inspected_at: chrono::Utc::now(),
        };
        let consent = ConsentTarget::new(
            "https://login.microsoftonline.com",
            "t",
            "https://graph.microsoft.com/v1.0",
        );
        let d = diff(&profile, &granted, None, &consent).expect("diff");
        let row = d
            .rows
            .iter()
            .find(|r| r.kind == PermissionKind::Rsc && r.permission == "ChannelMessage.Read.Group")
            .expect("the unneeded RSC grant is a row");
        assert_eq!(row.state, RowState::Excess);
        assert_eq!(row.granted_in.len(), 1);
        assert!(row.detail.contains("Ops"), "{}", row.detail);
        assert!(d.summary.excess >= 1);
    }

    #[test]
    fn broader_pairs_are_directional() {
        assert!(covers("Group.ReadWrite.All", "Team.ReadBasic.All"));
        assert!(!covers("Team.ReadBasic.All", "Group.ReadWrite.All"));
    }
}
