//! Permission inspector against tenant-sim: every diff category, name resolution, per-user
//! consents, revoke and trim (re-read through Graph), consent links that work, a bot without
//! a service principal, and each built-in profile against a tenant that grants exactly it and
//! one that lacks one required permission.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use botdeck_core::audit;
use botdeck_core::auth::entra::{EntraClient, EntraEndpoint};
use botdeck_core::auth::{scopes, Feature, Sleeper};
use botdeck_core::permissions::{
    self as perms, BotProfile, CellState, ConsentTarget, FixAction, FixRequest, GrantedPermissions,
    NameCache, PermissionDiff, PermissionKind, ProfileEntry, RowState, RscScope, RscTarget,
    RscTargetKind,
};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use botdeck_graph::GraphClient;
use serde_json::json;
use tenant_sim::{
    RunningSim, SimConfig, DEMO_BOT_APP_ID, MATTERMOST_APP_ID, OX_SECURITY_APP_ID, PAGERDUTY_APP_ID,
};
use tokio_util::sync::CancellationToken;

const ALL: &[Feature] = &[
    Feature::ReviewPermissions,
    Feature::RevokePermissions,
    Feature::Publish,
    Feature::Install,
];

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

/// Scopes the inspector uses beyond `Feature::ReviewPermissions` today: naming the users of
/// per-user consents and reading chats (reported to the auth owner; see docs/permissions.md).
const EXTRA_SCOPES: &[&str] = &["User.ReadBasic.All", "Chat.ReadBasic"];

async fn admin_token(sim: &RunningSim) -> Sensitive<String> {
    let mut wanted: Vec<String> = Vec::new();
    for feature in ALL {
        for scope in scopes::scopes_for(*feature) {
            if !wanted.contains(&scope) {
                wanted.push(scope);
            }
        }
    }
    wanted.extend(EXTRA_SCOPES.iter().map(|s| s.to_string()));
    let endpoint = EntraEndpoint {
        authority_host: sim.authority_host(),
        tenant: sim.tenant_id(),
        client_id: tenant_sim::BOTDECK_PUBLIC_CLIENT_ID.to_string(),
    };
    let entra = EntraClient::new(reqwest::Client::new());
    let grant = entra
        .start_device_code(&endpoint, &wanted)
        .await
        .expect("device code");
    let (tokens, _) = entra
        .poll_device_code(&endpoint, &grant, &CancellationToken::new(), &NoWait)
        .await
        .expect("auto-approved device code");
    tokens.access_token
}

async fn sim() -> (RunningSim, GraphClient, Sensitive<String>) {
    let sim = support::start_sim(SimConfig {
        auto_approve_browser: Some(true),
        ..Default::default()
    })
    .await;
    let token = admin_token(&sim).await;
    let graph = support::graph(&sim);
    (sim, graph, token)
}

fn target(sim: &RunningSim) -> ConsentTarget {
    ConsentTarget::new(
        &sim.authority_host(),
        &sim.tenant_id(),
        &sim.graph_base_url(),
    )
}

fn builtin(id: &str) -> BotProfile {
    perms::builtin_profiles()
        .into_iter()
        .find(|p| p.id == id)
        .expect("built-in profile")
}

async fn team(graph: &GraphClient, token: &Sensitive<String>, name: &str) -> RscTarget {
    let teams = graph.get_all(token, "teams").await.expect("teams");
    let t = teams
        .iter()
        .find(|t| t["displayName"] == name)
        .unwrap_or_else(|| panic!("team {name}"));
    RscTarget {
        kind: RscTargetKind::Team,
        id: t["id"].as_str().expect("id").to_string(),
        name: Some(name.to_string()),
    }
}

async fn chat(graph: &GraphClient, token: &Sensitive<String>, topic: &str) -> Option<RscTarget> {
    let chats = graph.get_all(token, "chats").await.expect("chats");
    chats
        .iter()
        .find(|c| c["topic"] == topic)
        .map(|c| RscTarget {
            kind: RscTargetKind::Chat,
            id: c["id"].as_str().expect("id").to_string(),
            name: Some(topic.to_string()),
        })
}

fn entra(app_id: &str) -> botdeck_core::ids::EntraAppId {
    botdeck_core::ids::EntraAppId::parse(app_id).expect("an Entra app id")
}

async fn inspect(
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &str,
    scope: &RscScope,
) -> GrantedPermissions {
    let mut cache = NameCache::default();
    perms::inspect(graph, token, &entra(app_id), scope, &mut cache)
        .await
        .expect("inspect")
}

fn row<'a>(d: &'a PermissionDiff, name: &str, kind: PermissionKind) -> &'a perms::DiffRow {
    d.rows
        .iter()
        .find(|r| r.permission == name && r.kind == kind && r.principal.is_none())
        .unwrap_or_else(|| panic!("row {name} {kind:?} in {:#?}", d.rows))
}

async fn sp_id(graph: &GraphClient, token: &Sensitive<String>, app_id: &str) -> String {
    perms::find_service_principal(graph, token, &entra(app_id))
        .await
        .expect("sp lookup")
        .expect("sp exists")
        .id
}

/// Replaces everything granted to `app_id` with exactly `entries` (application roles and one
/// tenant-wide delegated grant), through Graph as an admin would.
async fn grant_exactly(
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &str,
    entries: &[&ProfileEntry],
) {
    let sp = sp_id(graph, token, app_id).await;
    let graph_sp = graph
        .get_all(
            token,
            "servicePrincipals?$filter=appId%20eq%20'00000003-0000-0000-c000-000000000000'",
        )
        .await
        .expect("graph sp")
        .into_iter()
        .next()
        .expect("graph sp exists");
    let graph_sp_id = graph_sp["id"].as_str().expect("id").to_string();
    for a in graph
        .get_all(token, &format!("servicePrincipals/{sp}/appRoleAssignments"))
        .await
        .expect("assignments")
    {
        let id = a["id"].as_str().expect("id");
        graph
            .send_json(
                token,
                reqwest::Method::DELETE,
                &format!("servicePrincipals/{sp}/appRoleAssignments/{id}"),
                None,
            )
            .await
            .expect("delete assignment");
    }
    for g in graph
        .get_all(
            token,
            &format!("oauth2PermissionGrants?$filter=clientId%20eq%20'{sp}'"),
        )
        .await
        .expect("grants")
    {
        let id = g["id"].as_str().expect("id");
        graph
            .send_json(
                token,
                reqwest::Method::DELETE,
                &format!("oauth2PermissionGrants/{id}"),
                None,
            )
            .await
            .expect("delete grant");
    }
    let roles = graph_sp["appRoles"].as_array().expect("appRoles");
    for e in entries
        .iter()
        .filter(|e| e.kind == PermissionKind::Application)
    {
        let role = roles
            .iter()
            .find(|r| r["value"] == e.name.as_str())
            .unwrap_or_else(|| panic!("Graph publishes app role {}", e.name));
        graph
            .send_json(
                token,
                reqwest::Method::POST,
                &format!("servicePrincipals/{sp}/appRoleAssignments"),
                Some(
                    &json!({"principalId": sp, "resourceId": graph_sp_id, "appRoleId": role["id"]}),
                ),
            )
            .await
            .expect("assign role");
    }
    let scopes: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == PermissionKind::Delegated)
        .map(|e| e.name.as_str())
        .collect();
    if !scopes.is_empty() {
        graph
            .send_json(
                token,
                reqwest::Method::POST,
                "oauth2PermissionGrants",
                Some(&json!({"clientId": sp, "resourceId": graph_sp_id, "consentType": "AllPrincipals", "scope": scopes.join(" ")})),
            )
            .await
            .expect("grant scopes");
    }
}

fn states(d: &PermissionDiff) -> Vec<(String, RowState)> {
    d.rows
        .iter()
        .map(|r| (r.permission.clone(), r.state))
        .collect()
}

#[tokio::test]
async fn demo_flashduty_shows_every_category_with_resolved_names() {
    let (sim, graph, token) = sim().await;
    let sp = sp_id(&graph, &token, DEMO_BOT_APP_ID).await;
    // An extra role that is not broader than anything FlashDuty needs: plain excess.
    let calls = "284383ee-7f6e-4e40-a2a8-e85dcb029101"; // Calls.Initiate.All
    let graph_sp = sp_id(&graph, &token, perms::GRAPH_APP_ID).await;
    graph
        .send_json(
            &token,
            reqwest::Method::POST,
            &format!("servicePrincipals/{sp}/appRoleAssignments"),
            Some(&json!({"principalId": sp, "resourceId": graph_sp, "appRoleId": calls})),
        )
        .await
        .expect("assign");
    let incident = team(&graph, &token, "Incident Response").await;
    let mobile = team(&graph, &token, "Mobile Apps").await;
    let scope = RscScope {
        teams: vec![incident.clone(), mobile.clone()],
        ..Default::default()
    };
    let granted = inspect(&graph, &token, DEMO_BOT_APP_ID, &scope).await;

    // Names come from Graph's service principal, not from our own tables.
    let channel = granted
        .app_roles
        .iter()
        .find(|r| r.name == "Channel.ReadBasic.All")
        .expect("resolved role");
    assert!(channel.resolved);
    assert_eq!(channel.app_role_id, "59a6b24b-4225-4393-8165-ebaec5f55d7a");
    assert!(channel
        .display_name
        .as_deref()
        .is_some_and(|d| !d.is_empty()));
    assert_eq!(channel.resource_name, "Microsoft Graph");
    let all_users = granted
        .delegated
        .as_ref()
        .expect("grants readable")
        .iter()
        .find(|g| g.consent_type == perms::ConsentType::AllPrincipals)
        .expect("admin grant");
    assert!(all_users
        .scopes
        .iter()
        .any(|s| s.name == "User.Read" && s.known && s.display_name.is_some()));

    let d = perms::diff(&builtin("flashduty"), &granted, None, &target(&sim)).expect("diff");
    assert_eq!(
        row(&d, "Channel.ReadBasic.All", PermissionKind::Application).state,
        RowState::Granted
    );
    assert_eq!(
        row(&d, "Team.ReadBasic.All", PermissionKind::Application).state,
        RowState::MissingRequired
    );
    let broader = row(&d, "Group.ReadWrite.All", PermissionKind::Application);
    assert_eq!(broader.state, RowState::Broader);
    assert_eq!(broader.alternative.as_deref(), Some("Team.ReadBasic.All"));
    assert!(matches!(broader.fix, Some(FixAction::RevokeAppRole { .. })));
    assert_eq!(
        row(&d, "Calls.Initiate.All", PermissionKind::Application).state,
        RowState::Excess
    );
    let user_read = row(&d, "User.Read.All", PermissionKind::Application);
    assert_eq!(
        (user_read.least_privileged, user_read.alternative.as_deref()),
        (Some(false), Some("User.ReadBasic.All"))
    );

    // Diego's own consent: one row per scope, named by UPN.
    let per_user: Vec<_> = d
        .rows
        .iter()
        .filter(|r| r.state == RowState::PerUserConsent)
        .collect();
    assert_eq!(per_user.len(), 2, "{per_user:#?}");
    assert!(per_user.iter().all(|r| r
        .principal
        .as_deref()
        .is_some_and(|p| p.starts_with("diego.siciliani@"))));
    assert!(per_user
        .iter()
        .any(|r| r.permission == "Presence.Read.All" && r.required.is_none()));

    // RSC: 1.0.0 in Mobile Apps never consented to TeamSettings.Read.Group.
    let partial = row(&d, "TeamSettings.Read.Group", PermissionKind::Rsc);
    assert_eq!(partial.state, RowState::RscPartial);
    assert_eq!(partial.granted_in, vec![incident.clone()]);
    assert_eq!(partial.missing_in, vec![mobile.clone()]);
    assert_eq!(
        row(&d, "ChannelMessage.Read.Group", PermissionKind::Rsc).state,
        RowState::Granted
    );
    assert_eq!(
        row(&d, "ChatMessage.Read.Chat", PermissionKind::Rsc).state,
        RowState::NotChecked
    );

    assert!(d.update_available);
    assert_eq!(d.summary.missing_required, 1);
    let consent = d.consent.as_ref().expect("consent link");
    assert!(
        consent.uses_default,
        "an application role is missing: only .default grants it"
    );
    assert!(consent.url.starts_with(&format!(
        "{}/{}/v2.0/adminconsent?client_id={DEMO_BOT_APP_ID}&scope=",
        sim.authority_host(),
        sim.tenant_id()
    )));
    assert_eq!(consent.scopes, ["https://graph.microsoft.com/.default"]);
    assert!(d.connection.delegated && d.connection.application && d.connection.rsc);

    let m = perms::matrix(&d, &granted);
    assert_eq!(m.columns.len(), 3);
    let ts = m
        .rows
        .iter()
        .find(|r| r.permission == "TeamSettings.Read.Group")
        .expect("row");
    assert_eq!(
        ts.cells,
        vec![
            CellState::NotApplicable,
            CellState::Granted,
            CellState::Missing
        ]
    );
    let csv = perms::diff_to_csv(&d);
    assert_eq!(csv.lines().count(), d.rows.len() + 1);
    assert!(csv.contains("Group.ReadWrite.All,application,Microsoft Graph,broader,"));
    let mcsv = perms::matrix_to_csv(&m);
    assert!(
        mcsv.starts_with("permission,type,principal,Tenant-wide,Incident Response,Mobile Apps\r\n")
    );
    let json = serde_json::to_value(&d).expect("json");
    assert_eq!(json["summary"]["missingRequired"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn revoke_and_trim_change_the_tenant_and_land_in_the_audit_log() {
    let (sim, graph, token) = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    let profile = builtin("flashduty");
    let granted = inspect(&graph, &token, DEMO_BOT_APP_ID, &RscScope::default()).await;

    // Revoke the excessive application role.
    let plan = perms::plan_fix(
        &granted,
        &FixRequest {
            permission: "Group.ReadWrite.All".into(),
            kind: PermissionKind::Application,
            principal: None,
        },
        Some(&profile),
    )
    .expect("plan");
    assert!(plan.request.starts_with("DELETE /servicePrincipals/"));
    assert!(plan.effect.contains("FlashDuty"), "{}", plan.effect);
    assert!(plan.token_note.contains("stay valid until they expire"));
    let (outcome, result) = perms::apply_and_audit(&graph, &token, &plan).await;
    result.expect("revoked");
    assert_eq!(outcome.outcome, audit::Outcome::Succeeded);
    assert!(outcome.request_id.is_some());
    perms::record_fix(
        &store,
        &outcome,
        "megan.bowen@contoso.onmicrosoft.com",
        None,
        None,
    )
    .expect("audit");
    let after = inspect(&graph, &token, DEMO_BOT_APP_ID, &RscScope::default()).await;
    assert!(!after
        .app_roles
        .iter()
        .any(|r| r.name == "Group.ReadWrite.All"));
    assert_eq!(after.app_roles.len(), granted.app_roles.len() - 1);

    // Trim Diego's own consent, then delete it when its last scope goes.
    let diego = "diego.siciliani@contoso.onmicrosoft.com";
    let trim = perms::plan_fix(
        &after,
        &FixRequest {
            permission: "Presence.Read.All".into(),
            kind: PermissionKind::Delegated,
            principal: Some(diego.into()),
        },
        Some(&profile),
    )
    .expect("plan trim");
    let FixAction::TrimGrant { grant_id, .. } = &trim.action else {
        panic!("trim expected: {trim:?}")
    };
    assert_eq!(trim.audit_action, "permission.trim_grant");
    let (outcome, result) = perms::apply_and_audit(&graph, &token, &trim).await;
    result.expect("trimmed");
    perms::record_fix(&store, &outcome, "megan", None, None).expect("audit");
    let g = graph
        .get_json(&token, &format!("oauth2PermissionGrants/{grant_id}"))
        .await
        .expect("grant");
    assert_eq!(g["scope"], "User.Read");

    let after = inspect(&graph, &token, DEMO_BOT_APP_ID, &RscScope::default()).await;
    let delete = perms::plan_fix(
        &after,
        &FixRequest {
            permission: "User.Read".into(),
            kind: PermissionKind::Delegated,
            principal: Some(diego.into()),
        },
        None,
    )
    .expect("plan delete");
    assert!(matches!(delete.action, FixAction::DeleteGrant { .. }));
    let (outcome, result) = perms::apply_and_audit(&graph, &token, &delete).await;
    result.expect("deleted");
    perms::record_fix(&store, &outcome, "megan", None, None).expect("audit");
    let err = graph
        .get_json(&token, &format!("oauth2PermissionGrants/{grant_id}"))
        .await
        .expect_err("gone");
    assert_eq!(err.status(), Some(404));

    // Tenant-wide trim keeps the other scopes.
    let tenant_trim = perms::plan_fix(
        &after,
        &FixRequest {
            permission: "profile".into(),
            kind: PermissionKind::Delegated,
            principal: None,
        },
        None,
    )
    .expect("plan");
    perms::apply_and_audit(&graph, &token, &tenant_trim)
        .await
        .1
        .expect("trimmed");
    let after = inspect(&graph, &token, DEMO_BOT_APP_ID, &RscScope::default()).await;
    let grants = after.delegated.clone().expect("grants");
    assert_eq!(grants.len(), 1);
    let left: Vec<&str> = grants[0].scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(left, ["User.Read", "offline_access", "openid"]);

    let log = audit::recent(&store, 10).expect("audit");
    let actions: Vec<&str> = log.iter().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "permission.delete_grant",
            "permission.trim_grant",
            "permission.revoke_app_role"
        ]
    );
    assert!(log
        .iter()
        .all(|r| r.entry.request_id.is_some() && r.entry.outcome == audit::Outcome::Succeeded));

    // Revoking what is not there is refused before anything is sent.
    let err = perms::plan_fix(
        &after,
        &FixRequest {
            permission: "Group.ReadWrite.All".into(),
            kind: PermissionKind::Application,
            principal: None,
        },
        None,
    )
    .expect_err("already gone");
    assert!(err.to_string().contains("Group.ReadWrite.All"));
    sim.shutdown().await;
}

#[tokio::test]
async fn consent_links_grant_exactly_what_was_missing() {
    let (sim, graph, token) = sim().await;
    let profile = builtin("mattermost");
    let granted = inspect(&graph, &token, MATTERMOST_APP_ID, &RscScope::default()).await;
    let d = perms::diff(&profile, &granted, None, &target(&sim)).expect("diff");
    let missing: Vec<_> = d
        .rows
        .iter()
        .filter(|r| r.state == RowState::MissingRequired)
        .map(|r| r.permission.as_str())
        .collect();
    assert_eq!(missing, ["Files.Read.All", "Presence.Read.All"]);
    assert!(d.consent.as_ref().expect("link").uses_default);

    // Grant the application role by hand: what is left is delegated, named one by one.
    let sp = sp_id(&graph, &token, MATTERMOST_APP_ID).await;
    let graph_sp = sp_id(&graph, &token, perms::GRAPH_APP_ID).await;
    graph
        .send_json(
            &token,
            reqwest::Method::POST,
            &format!("servicePrincipals/{sp}/appRoleAssignments"),
            Some(&json!({"principalId": sp, "resourceId": graph_sp, "appRoleId": "a70e0c2d-e793-494c-94c4-118fa0a67f42"})),
        )
        .await
        .expect("assign Presence.Read.All");
    let granted = inspect(&graph, &token, MATTERMOST_APP_ID, &RscScope::default()).await;
    let d = perms::diff(&profile, &granted, None, &target(&sim)).expect("diff");
    let link = d.consent.clone().expect("link");
    assert!(!link.uses_default);
    assert_eq!(link.scopes, ["https://graph.microsoft.com/Files.Read.All"]);
    assert!(
        link.url
            .ends_with("&scope=https%3A%2F%2Fgraph.microsoft.com%2FFiles.Read.All"),
        "{}",
        link.url
    );

    // The admin opens it (the sim approves like an admin clicking Accept).
    let page = reqwest::get(&link.url).await.expect("consent page");
    assert!(page.status().is_success(), "{}", page.status());
    let granted = inspect(&graph, &token, MATTERMOST_APP_ID, &RscScope::default()).await;
    let d = perms::diff(&profile, &granted, None, &target(&sim)).expect("diff");
    assert_eq!(d.summary.missing_required, 0, "{:#?}", states(&d));
    assert!(d.consent.is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bot_without_service_principal_is_not_consented_yet() {
    let (sim, graph, token) = sim().await;
    let app = "0b0b0b0b-1111-4222-8333-444455556666";
    let granted = inspect(&graph, &token, app, &RscScope::default()).await;
    assert!(granted.service_principal.is_none());
    let mut profile = builtin("pagerduty");
    profile.app_id = Some(app.into());
    let d = perms::diff(&profile, &granted, None, &target(&sim)).expect("diff");
    assert!(
        d.warnings[0].contains("nobody has consented to it yet"),
        "{:?}",
        d.warnings
    );
    // PagerDuty's published table: 14 required rows (openid, email, profile in one) and 2
    // optional permissions.
    assert_eq!(d.summary.missing_required, 16);
    assert_eq!(d.summary.missing_optional, 2);
    let link = d.consent.expect("link");
    assert!(link.uses_default);
    assert!(link.url.contains(&format!("client_id={app}")));
    let err = perms::plan_fix(
        &granted,
        &FixRequest {
            permission: "User.Read".into(),
            kind: PermissionKind::Delegated,
            principal: None,
        },
        None,
    )
    .expect_err("nothing to revoke");
    assert!(err.to_string().contains("nobody has consented"), "{err}");
    sim.shutdown().await;
}

#[tokio::test]
async fn rsc_reads_wait_out_429s_without_early_retries() {
    let (sim, graph, token) = sim().await;
    let incident = team(&graph, &token, "Incident Response").await;
    sim.set_faults(vec![tenant_sim::FaultRule {
        route: "/v1.0/teams/*/permissionGrants".into(),
        rate_429: 0.6,
        retry_after_secs: 1.0,
        ..Default::default()
    }]);
    sim.reset_metrics();
    let scope = RscScope {
        teams: vec![incident],
        ..Default::default()
    };
    let granted = inspect(&graph, &token, DEMO_BOT_APP_ID, &scope).await;
    let m = sim.metrics();
    assert_eq!(m.early_retries, 0);
    assert!(
        granted.rsc_failures.is_empty() || m.throttled_429 >= 5,
        "{:?}",
        granted.rsc_failures
    );
    if granted.rsc_failures.is_empty() {
        assert!(granted
            .rsc
            .iter()
            .any(|g| g.permission == "ChannelMessage.Read.Group"));
    }
    sim.shutdown().await;
}

// ---- each built-in profile: a tenant that grants exactly it, and one that lacks one ------

async fn check_exact(
    sim: &RunningSim,
    graph: &GraphClient,
    token: &Sensitive<String>,
    profile: &BotProfile,
    model: Option<&str>,
    app_id: &str,
    scope: &RscScope,
) {
    let entries: Vec<&ProfileEntry> = profile
        .permissions
        .iter()
        .filter(|e| e.model.is_none() || e.model.as_deref() == model)
        .collect();
    grant_exactly(graph, token, app_id, &entries).await;
    let granted = inspect(graph, token, app_id, scope).await;
    let d = perms::diff(profile, &granted, None, &target(sim)).expect("diff");
    assert!(
        d.rows.iter().all(|r| r.state == RowState::Granted),
        "{} {model:?}: {:#?}",
        profile.id,
        states(&d)
    );
    assert_eq!(d.rows.len(), entries.len());
    assert!(!d.update_available && d.consent.is_none());
    if let Some(m) = model {
        // Models are recognised by their own permissions; a profile whose list applies to
        // every model (OX) evaluates them all.
        if profile
            .permissions
            .iter()
            .any(|e| e.model.as_deref() == Some(m))
        {
            assert_eq!(d.connection.profile_models_in_use, [m.to_string()]);
        } else {
            assert!(d.connection.evaluated_models.iter().any(|x| x == m));
        }
    }

    // Now without one required Entra permission: exactly one "missing required".
    let dropped = entries
        .iter()
        .position(|e| e.required && e.kind != PermissionKind::Rsc)
        .expect("a required Entra permission");
    let mut fewer = entries.clone();
    let gone = fewer.remove(dropped);
    grant_exactly(graph, token, app_id, &fewer).await;
    let granted = inspect(graph, token, app_id, scope).await;
    let d = perms::diff(profile, &granted, model, &target(sim)).expect("diff");
    let missing: Vec<_> = d
        .rows
        .iter()
        .filter(|r| r.state != RowState::Granted)
        .collect();
    assert_eq!(
        missing.len(),
        1,
        "{} {model:?}: {:#?}",
        profile.id,
        states(&d)
    );
    assert_eq!(missing[0].state, RowState::MissingRequired);
    assert_eq!(missing[0].permission, gone.name);
    assert!(d.update_available);
    let link = d.consent.expect("link");
    assert_eq!(link.uses_default, gone.kind == PermissionKind::Application);
}

#[tokio::test]
async fn flashduty_profile_exact_and_one_short() {
    let (sim, graph, token) = sim().await;
    let mut teams = vec![team(&graph, &token, "Incident Response").await];
    teams.push(team(&graph, &token, "SRE On-Call").await);
    let chats: Vec<RscTarget> = chat(&graph, &token, "On-call handoff")
        .await
        .into_iter()
        .collect();
    assert_eq!(
        chats.len(),
        1,
        "the admin is a member of the chat where FlashDuty 1.0.2 is installed"
    );
    let scope = RscScope {
        teams,
        chats,
        ..Default::default()
    };
    check_exact(
        &sim,
        &graph,
        &token,
        &builtin("flashduty"),
        None,
        DEMO_BOT_APP_ID,
        &scope,
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn pagerduty_profile_exact_and_one_short() {
    let (sim, graph, token) = sim().await;
    check_exact(
        &sim,
        &graph,
        &token,
        &builtin("pagerduty"),
        None,
        PAGERDUTY_APP_ID,
        &RscScope::default(),
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn mattermost_profile_exact_and_one_short() {
    let (sim, graph, token) = sim().await;
    check_exact(
        &sim,
        &graph,
        &token,
        &builtin("mattermost"),
        None,
        MATTERMOST_APP_ID,
        &RscScope::default(),
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn ox_security_profile_exact_and_one_short_in_both_models() {
    let (sim, graph, token) = sim().await;
    let profile = builtin("ox-security");
    // OX publishes one scope list for its registration, whichever way it connects: asking
    // for either model checks the same nine delegated grants (and no RSC OX never names).
    for model in [None, Some("identity-provider"), Some("bot-identity")] {
        check_exact(
            &sim,
            &graph,
            &token,
            &profile,
            model,
            OX_SECURITY_APP_ID,
            &RscScope::default(),
        )
        .await;
    }
    sim.shutdown().await;
}

// ---- a read across every team: progress per team, Cancel, and the cache ------------------

#[tokio::test]
async fn an_all_teams_read_reports_each_team_and_is_cached_whole() {
    let (sim, graph, token) = sim().await;
    let seen = std::sync::Mutex::new(Vec::<(usize, usize)>::new());
    let progress = |done: usize, total: usize| seen.lock().expect("lock").push((done, total));
    let watch = perms::Watch {
        progress: Some(&progress),
        cancel: Some(CancellationToken::new()),
    };
    let scope = RscScope {
        all_teams: true,
        ..Default::default()
    };
    let mut names = NameCache::default();
    let granted = perms::inspect_watched(
        &graph,
        &token,
        &entra(DEMO_BOT_APP_ID),
        &scope,
        &mut names,
        &watch,
    )
    .await
    .expect("inspect");
    let seen = seen.into_inner().expect("lock");
    let teams = graph.get_all(&token, "teams").await.expect("teams").len();
    assert_eq!(seen.first(), Some(&(0, teams)), "starts at 0 of every team");
    assert_eq!(seen.last(), Some(&(teams, teams)), "ends at all of them");
    assert!(
        seen.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "one step per team, not one jump: {seen:?}"
    );

    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    perms::save_inspection(&store, &granted, true).expect("save");
    let back = perms::cached_inspection(&store, &entra(DEMO_BOT_APP_ID))
        .expect("load")
        .expect("cached");
    assert!(back.all_teams);
    assert_eq!(back.granted, granted, "the cache mirrors the read exactly");
    sim.shutdown().await;
}

#[tokio::test]
async fn cancel_stops_a_read_across_every_team_and_keeps_the_previous_cache() {
    let (sim, graph, token) = sim().await;
    // Slow every team read so Cancel lands while most are still queued.
    sim.set_faults(vec![tenant_sim::FaultRule {
        route: "/v1.0/teams/*/permissionGrants".into(),
        rate_429: 1.0,
        retry_after_secs: 5.0,
        ..Default::default()
    }]);
    let cancel = CancellationToken::new();
    // The admin presses Cancel a moment after the team reads start.
    let press = cancel.clone();
    let progress = move |done: usize, _total: usize| {
        if done == 0 {
            let press = press.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                press.cancel();
            });
        }
    };
    let watch = perms::Watch {
        progress: Some(&progress),
        cancel: Some(cancel.clone()),
    };
    let scope = RscScope {
        all_teams: true,
        ..Default::default()
    };
    let mut names = NameCache::default();
    let err = perms::inspect_watched(
        &graph,
        &token,
        &entra(DEMO_BOT_APP_ID),
        &scope,
        &mut names,
        &watch,
    )
    .await
    .expect_err("cancelled");
    assert!(matches!(err, perms::PermissionError::Cancelled), "{err}");
    // Every team read was answered 429 and told to wait 5 s: had Cancel not dropped them, each
    // would have asked again. Only the first attempts (at most 4 in flight) reached the sim.
    let teams = graph.get_all(&token, "teams").await.expect("teams").len() as u64;
    let throttled = sim.metrics().throttled_429;
    assert!(
        throttled > 0 && throttled < teams,
        "{throttled} throttled answers for {teams} teams: the queued reads went on"
    );
    assert!(
        matches!(err, botdeck_core::permissions::PermissionError::Cancelled),
        "{err:?}"
    );
    sim.shutdown().await;
}
