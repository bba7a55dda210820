//! Graph resources over loopback HTTP: paging, OData options, error shapes, scope checks,
//! catalog and installation lifecycles.

mod common;

use common::*;
use serde_json::json;
use tenant_sim::{
    SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID, DEMO_BOT_CLIENT_SECRET,
    DEMO_BOT_MANIFEST_ID,
};

fn assert_graph_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error"]["code"], code, "{}", r.body);
    let inner = &r.body["error"]["innerError"];
    for k in ["date", "request-id", "client-request-id"] {
        assert!(inner[k].is_string(), "innerError.{k} missing: {}", r.body);
    }
}

#[tokio::test]
async fn paging_follows_next_links_through_an_empty_page() {
    let sim = sim_with(SimConfig {
        size: TenantSize::Demo,
        empty_page_rate: 1.0,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    let (users, empty, pages) = get_all(&sim, &token, "/users?$top=25").await;
    assert_eq!(users.len(), 120);
    let ids: std::collections::HashSet<_> = users
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 120, "no duplicates across pages");
    assert!(empty >= 1, "an empty page in the middle");
    assert!(pages > 5);
    // Default projection of users hides accountEnabled; $select brings it.
    assert!(users[0].get("accountEnabled").is_none());
    let r = get(
        &sim,
        &token,
        "/users?$select=id,accountEnabled,userType&$top=999",
    )
    .await;
    assert!(r.body["value"][0]["accountEnabled"].is_boolean());
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#users(id,accountEnabled,userType)"));
    // Skip tokens are opaque and checked.
    let r = get(&sim, &token, "/users?$top=10").await;
    let next = r.body["@odata.nextLink"].as_str().unwrap();
    assert!(!next.contains("skiptoken=10"));
    let r = get(&sim, &token, "/users?$skiptoken=10").await;
    assert_graph_error(&r, 400, "Directory_ExpiredPageToken");
    let r = get(&sim, &token, "/users?$top=1000").await;
    assert_graph_error(&r, 400, "Request_UnsupportedQuery");
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_count_and_unsupported_queries() {
    let sim = sim(TenantSize::Demo).await;
    let token = admin_token(&sim).await;
    let (groups, _, _) = get_all(
        &sim,
        &token,
        "/groups?$filter=resourceProvisioningOptions/Any(x:x eq 'Team')",
    )
    .await;
    let (teams, _, _) = get_all(&sim, &token, "/teams").await;
    assert_eq!(teams.len(), 40);
    // Old teams lack resourceProvisioningOptions.
    assert_eq!(groups.len(), 37);
    let r = send(
        client()
            .get(format!(
                "{}/users?$count=true&$filter=userType eq 'Guest'",
                sim.graph_base_url()
            ))
            .bearer_auth(&token)
            .header("ConsistencyLevel", "eventual"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body["@odata.count"].as_u64().unwrap() >= 2);
    assert!(r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["userPrincipalName"].as_str().unwrap().contains("#EXT#")));
    let r = get(&sim, &token, "/users?$count=true").await;
    assert_eq!(r.status, 400);
    let r = get(&sim, &token, "/users?$filter=officeLocation eq 'Paris'").await;
    assert_graph_error(&r, 400, "Request_UnsupportedQuery");
    let r = get(&sim, &token, "/users?$filter=displayName gt 'A'").await;
    assert_graph_error(&r, 400, "BadRequest");
    let r = get(
        &sim,
        &token,
        "/appCatalogs/teamsApps?$filter=version eq '1'",
    )
    .await;
    assert_graph_error(&r, 400, "BadRequest");
    let r = get(&sim, &token, "/users?$select=nonsense").await;
    assert_graph_error(&r, 400, "BadRequest");
    // client-request-id is echoed.
    let r = send(
        client()
            .get(format!("{}/organization", sim.graph_base_url()))
            .bearer_auth(&token)
            .header("client-request-id", "abc-123"),
    )
    .await;
    assert_eq!(r.headers["client-request-id"], "abc-123");
    assert!(r.headers.contains_key("request-id"));
    assert_eq!(
        r.body["value"][0]["verifiedDomains"][0]["name"],
        "contoso.onmicrosoft.com"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn catalog_lookup_expand_and_directory_roles() {
    let sim = sim(TenantSize::Demo).await;
    let token = admin_token(&sim).await;
    let r = get(&sim, &token, &format!("/appCatalogs/teamsApps?$filter=externalId eq '{DEMO_BOT_MANIFEST_ID}'&$expand=appDefinitions($expand=bot)")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let app = &r.body["value"][0];
    assert_eq!(app["distributionMethod"], "organization");
    assert_ne!(app["id"], DEMO_BOT_MANIFEST_ID);
    let defs = app["appDefinitions"].as_array().unwrap();
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0]["version"], "1.0.2");
    assert_eq!(defs[0]["publishingState"], "published");
    assert_eq!(defs[0]["bot"]["id"], DEMO_BOT_APP_ID);
    // Without $expand no version is visible.
    let r = get(
        &sim,
        &token,
        &format!("/appCatalogs/teamsApps?$filter=externalId eq '{DEMO_BOT_MANIFEST_ID}'"),
    )
    .await;
    assert!(r.body["value"][0].get("appDefinitions").is_none());
    let r = get(
        &sim,
        &token,
        "/appCatalogs/teamsApps?$filter=distributionMethod eq 'store'",
    )
    .await;
    assert!(r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["externalId"].is_null()));
    let (apps, _, _) = get_all(
        &sim,
        &token,
        "/appCatalogs/teamsApps?$expand=appDefinitions",
    )
    .await;
    assert!(apps
        .iter()
        .any(|a| a["appDefinitions"][0]["publishingState"] == "submitted"));

    let r = get(&sim, &token, "/me/memberOf").await;
    let roles: Vec<_> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        .map(|o| o["displayName"].as_str().unwrap().to_string())
        .collect();
    assert!(
        roles.contains(&"Teams Administrator".to_string()),
        "{roles:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn scope_denial_has_graph_shapes() {
    let sim = sim(TenantSize::Tiny).await;
    let tok = device_login(&sim, "User.Read", None).await;
    let token = tok["access_token"].as_str().unwrap();
    assert_graph_error(
        &get(&sim, token, "/servicePrincipals").await,
        403,
        "Authorization_RequestDenied",
    );
    let r = get(&sim, token, "/teams").await;
    assert_graph_error(&r, 403, "Forbidden");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Team.ReadBasic.All"));
    let r = send(
        client()
            .post(format!("{}/appCatalogs/teamsApps", sim.graph_base_url()))
            .bearer_auth(token)
            .header("content-type", "application/zip")
            .body(vec![1, 2, 3]),
    )
    .await;
    assert_graph_error(&r, 403, "Forbidden");
    let r = get(&sim, "", "/me").await;
    assert_graph_error(&r, 401, "InvalidAuthenticationToken");
    sim.shutdown().await;
}

#[tokio::test]
async fn publish_update_review_and_delete() {
    let sim = sim(TenantSize::Tiny).await;
    let token = admin_token(&sim).await;
    let base = sim.graph_base_url();
    let id = "5c0ffee0-1234-4abc-9def-0123456789ab";
    let post = |url: String, body: Vec<u8>| {
        client()
            .post(url)
            .bearer_auth(&token)
            .header("content-type", "application/zip")
            .body(body)
    };

    let r = send(post(
        format!("{base}/appCatalogs/teamsApps"),
        package(&manifest(id, "1.0.0"), true),
    ))
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let catalog_id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["externalId"], id);
    let r = send(post(
        format!("{base}/appCatalogs/teamsApps"),
        package(&manifest(id, "1.0.0"), true),
    ))
    .await;
    assert_graph_error(&r, 409, "Conflict");

    // Manifest errors: Graph's shape, then the documented 200 quirk.
    let mut bad = manifest("not-a-guid", "1.0");
    bad["name"]["short"] = json!("");
    let r = send(post(
        format!("{base}/appCatalogs/teamsApps"),
        package(&bad, false),
    ))
    .await;
    assert_graph_error(&r, 400, "BadRequest");
    assert_eq!(
        r.body["error"]["innerError"]["code"],
        "UnableToParseTeamsAppManifest"
    );
    let targets: Vec<_> = r.body["error"]["innerError"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["target"].as_str().unwrap().to_string())
        .collect();
    for t in ["id", "version", "name.short", "icons.color"] {
        assert!(targets.contains(&t.to_string()), "{targets:?}");
    }
    let r = send(post(
        format!("{base}/appCatalogs/teamsApps"),
        b"not a zip".to_vec(),
    ))
    .await;
    assert_eq!(
        r.body["error"]["innerError"]["code"],
        "UnableToParseTeamsAppManifest"
    );
    sim.update_settings(|s| s.manifest_error_status_200 = true);
    let r = send(post(
        format!("{base}/appCatalogs/teamsApps"),
        package(&bad, false),
    ))
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["error"]["code"], "BadRequest");
    sim.update_settings(|s| s.manifest_error_status_200 = false);

    // Update: version must increase; requiresReview gives a submitted definition.
    let defs_url = format!("{base}/appCatalogs/teamsApps/{catalog_id}/appDefinitions");
    let r = send(post(
        defs_url.clone(),
        package(&manifest(id, "1.0.0"), true),
    ))
    .await;
    assert_graph_error(&r, 400, "BadRequest");
    let r = send(post(
        defs_url.clone(),
        package(
            &manifest("0aaaaaaa-1234-4abc-9def-0123456789ab", "2.0.0"),
            true,
        ),
    ))
    .await;
    assert_graph_error(&r, 400, "BadRequest");
    let r = send(post(
        defs_url.clone(),
        package(&manifest(id, "1.1.0"), true),
    ))
    .await;
    assert_eq!(r.status, 204);
    let submit = |version: &'static str| {
        send(post(
            format!("{defs_url}?requiresReview=true"),
            package(&manifest(id, version), true),
        ))
    };
    // A submitted update can be withdrawn; the published definition stays.
    let r = submit("1.1.5").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let withdrawn = r.body["id"].as_str().unwrap().to_string();
    let delete = |def: String| {
        send(
            client()
                .delete(format!("{defs_url}/{def}"))
                .bearer_auth(&token),
        )
    };
    assert_eq!(delete(withdrawn.clone()).await.status, 204);
    assert_graph_error(&delete(withdrawn).await, 404, "NotFound");
    let r = get(
        &sim,
        &token,
        &format!("/appCatalogs/teamsApps/{catalog_id}?$expand=appDefinitions"),
    )
    .await;
    let states: Vec<(String, String)> = r.body["appDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["version"].as_str().unwrap().to_string(),
                d["publishingState"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        states.iter().all(|(v, s)| v != "1.1.5" && s == "published"),
        "{states:?}"
    );
    let published = r.body["appDefinitions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Only a submission under review can be withdrawn this way.
    assert_graph_error(&delete(published).await, 400, "BadRequest");

    let r = submit("1.2.0").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["publishingState"], "submitted");
    let def_id = r.body["id"].as_str().unwrap().to_string();
    let r = send(
        client()
            .patch(format!("{defs_url}/{def_id}"))
            .bearer_auth(&token)
            .json(&json!({"publishingState": "published"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = get(
        &sim,
        &token,
        &format!("/appCatalogs/teamsApps/{catalog_id}?$expand=appDefinitions"),
    )
    .await;
    assert_eq!(r.body["appDefinitions"][0]["version"], "1.2.0");

    let r = send(
        client()
            .delete(format!("{base}/appCatalogs/teamsApps/{catalog_id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        get(
            &sim,
            &token,
            &format!("/appCatalogs/teamsApps/{catalog_id}")
        )
        .await
        .status,
        404
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn installs_rsc_consent_upgrade_and_remove() {
    // Throttling has its own tests; here several calls hit one team within a second.
    let sim = sim_with(SimConfig {
        throttling: false,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    let base = sim.graph_base_url();
    let r = get(&sim, &token, &format!("/appCatalogs/teamsApps?$filter=externalId eq '{DEMO_BOT_MANIFEST_ID}'&$expand=appDefinitions")).await;
    let app_id = r.body["value"][0]["id"].as_str().unwrap().to_string();
    let (teams, _, _) = get_all(&sim, &token, "/teams").await;
    let team_id = |name: &str| {
        teams.iter().find(|t| t["displayName"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Mobile Apps runs FlashDuty 1.0.0.
    let mobile = team_id("Mobile Apps");
    let r = get(&sim, &token, &format!("/teams/{mobile}/installedApps?$expand=teamsApp,teamsAppDefinition&$filter=teamsApp/id eq '{app_id}'")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let inst = &r.body["value"][0];
    assert_eq!(inst["teamsAppDefinition"]["version"], "1.0.0");
    let inst_id = inst["id"].as_str().unwrap().to_string();
    let r = get(
        &sim,
        &token,
        &format!("/teams/{mobile}/installedApps?$top=5"),
    )
    .await;
    assert_graph_error(&r, 400, "BadRequest");

    // Upgrading to 1.0.2 adds RSC permissions: the consented set must match.
    let upgrade = format!("{base}/teams/{mobile}/installedApps/{inst_id}/upgrade");
    let r = send(client().post(&upgrade).bearer_auth(&token).json(&json!({}))).await;
    assert_graph_error(&r, 400, "BadRequest");
    let full = json!({"resourceSpecificPermissions": [
        {"permissionValue": "ChannelMessage.Read.Group", "permissionType": "Application"},
        {"permissionValue": "TeamSettings.Read.Group", "permissionType": "Application"},
        {"permissionValue": "ChatMessage.Read.Chat", "permissionType": "Application"}]});
    let r = send(
        client()
            .post(&upgrade)
            .bearer_auth(&token)
            .json(&json!({"consentedPermissionSet": full})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = get(
        &sim,
        &token,
        &format!("/teams/{mobile}/installedApps/{inst_id}?$expand=teamsAppDefinition"),
    )
    .await;
    assert_eq!(r.body["teamsAppDefinition"]["version"], "1.0.2");
    let r = get(&sim, &token, &format!("/teams/{mobile}/permissionGrants")).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 2, "{}", r.body);
    assert_eq!(r.body["value"][0]["clientAppId"], DEMO_BOT_APP_ID);
    assert_graph_error(
        &get(
            &sim,
            &token,
            &format!("/teams/{mobile}/permissionGrants?$top=1"),
        )
        .await,
        400,
        "BadRequest",
    );

    // Install where absent: RSC app without a consented set is refused, with it → 201; twice → 409.
    let web = team_id("Web Frontend");
    let url = format!("{base}/teams/{web}/installedApps");
    let bind = json!({"teamsApp@odata.bind": format!("https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{app_id}")});
    let r = send(client().post(&url).bearer_auth(&token).json(&bind)).await;
    assert_graph_error(&r, 400, "BadRequest");
    let mut with_set = bind.clone();
    with_set["consentedPermissionSet"] = full.clone();
    let r = send(client().post(&url).bearer_auth(&token).json(&with_set)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = send(client().post(&url).bearer_auth(&token).json(&with_set)).await;
    assert_graph_error(&r, 409, "Conflict");
    let r = get(
        &sim,
        &token,
        &format!(
            "/teams/{web}/installedApps?$filter=teamsApp/externalId eq '{DEMO_BOT_MANIFEST_ID}'"
        ),
    )
    .await;
    let iid = r.body["value"][0]["id"].as_str().unwrap().to_string();
    let r = send(client().delete(format!("{url}/{iid}")).bearer_auth(&token)).await;
    assert_eq!(r.status, 204);
    let r = get(
        &sim,
        &token,
        &format!("/teams/{web}/installedApps?$filter=teamsApp/id eq '{app_id}'"),
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 0);

    // Edge cases: an inventory that is forbidden, an archived team, channel kinds.
    assert_graph_error(
        &get(
            &sim,
            &token,
            &format!("/teams/{}/installedApps", team_id("Legal")),
        )
        .await,
        403,
        "Forbidden",
    );
    let hack = team_id("Hackathon 2023");
    assert_eq!(
        get(&sim, &token, &format!("/teams/{hack}")).await.body["isArchived"],
        true
    );
    let r = send(
        client()
            .post(format!("{base}/teams/{hack}/installedApps"))
            .bearer_auth(&token)
            .json(&with_set),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = get(
        &sim,
        &token,
        &format!("/teams/{}/channels", team_id("Security Operations")),
    )
    .await;
    assert!(r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["membershipType"] == "private"));
    let r = get(
        &sim,
        &token,
        &format!("/teams/{}/primaryChannel", team_id("Security Operations")),
    )
    .await;
    assert_eq!(r.body["displayName"], "General");

    // Chats and personal scope.
    let (chats, _, _) = get_all(&sim, &token, "/chats").await;
    let war = chats
        .iter()
        .find(|c| c["topic"] == "Launch war room")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = get(
        &sim,
        &token,
        &format!("/chats/{war}/installedApps?$expand=teamsApp"),
    )
    .await;
    assert_eq!(
        r.body["value"][0]["teamsApp"]["externalId"],
        DEMO_BOT_MANIFEST_ID
    );
    let r = get(&sim, &token, &format!("/chats/{war}/permissionGrants")).await;
    assert_eq!(r.body["value"][0]["permission"], "ChatMessage.Read.Chat");
    let r = get(&sim, &token, "/users/adele.vance@contoso.onmicrosoft.com/teamwork/installedApps?$expand=teamsAppDefinition").await;
    assert_eq!(
        r.body["value"][0]["@odata.type"],
        "#microsoft.graph.userScopeTeamsAppInstallation"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn grants_assignments_and_service_principals() {
    let sim = sim(TenantSize::Demo).await;
    let token = admin_token(&sim).await;
    let base = sim.graph_base_url();
    let r = get(
        &sim,
        &token,
        "/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'",
    )
    .await;
    let graph = &r.body["value"][0];
    let roles = graph["appRoles"].as_array().unwrap();
    let team_read = roles
        .iter()
        .find(|r| r["value"] == "Team.ReadBasic.All")
        .unwrap();
    assert_eq!(team_read["id"], "2280dda6-0bfd-44ee-a2f4-cb867cfc4c1e");
    let graph_id = graph["id"].as_str().unwrap().to_string();
    let r = get(
        &sim,
        &token,
        &format!("/servicePrincipals(appId='{DEMO_BOT_APP_ID}')"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bot_sp = r.body["id"].as_str().unwrap().to_string();

    let r = get(
        &sim,
        &token,
        &format!("/servicePrincipals/{bot_sp}/appRoleAssignments"),
    )
    .await;
    let assigned: Vec<String> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["appRoleId"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !assigned.contains(&"2280dda6-0bfd-44ee-a2f4-cb867cfc4c1e".to_string()),
        "Team.ReadBasic.All is the missing one"
    );
    assert!(
        assigned.contains(&"62a82d76-70ea-41e2-9197-370581804d09".to_string()),
        "Group.ReadWrite.All is the excess one"
    );
    let excess = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appRoleId"] == "62a82d76-70ea-41e2-9197-370581804d09")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        client()
            .delete(format!(
                "{base}/servicePrincipals/{bot_sp}/appRoleAssignments/{excess}"
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r.status, 204);
    let r = send(client().post(format!("{base}/servicePrincipals/{bot_sp}/appRoleAssignments")).bearer_auth(&token).json(&json!({
        "principalId": bot_sp, "resourceId": graph_id, "appRoleId": "2280dda6-0bfd-44ee-a2f4-cb867cfc4c1e"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let app = app_token(&sim, DEMO_BOT_APP_ID, DEMO_BOT_CLIENT_SECRET).await;
    assert_eq!(get(&sim, &app, "/teams").await.status, 200);

    let r = get(
        &sim,
        &token,
        &format!("/oauth2PermissionGrants?$filter=clientId eq '{bot_sp}'"),
    )
    .await;
    let grants = r.body["value"].as_array().unwrap();
    assert!(grants.iter().any(|g| g["consentType"] == "AllPrincipals"));
    let principal = grants
        .iter()
        .find(|g| g["consentType"] == "Principal")
        .unwrap();
    let gid = principal["id"].as_str().unwrap();
    let r = send(
        client()
            .patch(format!("{base}/oauth2PermissionGrants/{gid}"))
            .bearer_auth(&token)
            .json(&json!({"scope": "User.Read"})),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        get(&sim, &token, &format!("/oauth2PermissionGrants/{gid}"))
            .await
            .body["scope"],
        "User.Read"
    );
    let r = send(
        client()
            .delete(format!("{base}/oauth2PermissionGrants/{gid}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_graph_error(
        &get(&sim, &token, &format!("/oauth2PermissionGrants/{gid}")).await,
        404,
        "Request_ResourceNotFound",
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn users_delta_and_gone_tokens() {
    let sim = sim(TenantSize::Demo).await;
    let token = admin_token(&sim).await;
    let mut url = format!("{}/users/delta", sim.graph_base_url());
    let mut seen = 0;
    let delta = loop {
        let r = get(&sim, &token, &url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen += r.body["value"].as_array().unwrap().len();
        if let Some(n) = r.body["@odata.nextLink"].as_str() {
            url = n.to_string();
        } else {
            break r.body["@odata.deltaLink"].as_str().unwrap().to_string();
        }
    };
    assert_eq!(seen, 120);
    let r = client()
        .post(format!(
            "{}/_sim/users/lee.gu@contoso.onmicrosoft.com/disable",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = get(&sim, &token, &delta).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let r = get(&sim, &token, "/users/delta?$deltatoken=garbage").await;
    assert_graph_error(&r, 410, "syncStateNotFound");
    sim.advance_clock(std::time::Duration::from_secs(8 * 86_400));
    let token = admin_token(&sim).await;
    assert_eq!(get(&sim, &token, &delta).await.status, 410);
    sim.shutdown().await;
}

#[tokio::test]
async fn only_the_submitter_or_a_teams_admin_withdraws_a_submission() {
    let sim = sim(TenantSize::Demo).await;
    let base = sim.graph_base_url();
    // AppCatalog.Submit needs admin consent: the admin grants it for the whole organisation.
    // Isaiah and Lee hold no directory role.
    let admin = device_login(
        &sim,
        "DelegatedPermissionGrant.ReadWrite.All Application.Read.All",
        None,
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let sp = |app_id: &'static str| {
        let (sim, admin) = (&sim, &admin);
        async move {
            let r = get(sim, admin, &format!("/servicePrincipals(appId='{app_id}')")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["id"].as_str().unwrap().to_string()
        }
    };
    let botdeck_sp = sp(BOTDECK_PUBLIC_CLIENT_ID).await;
    let graph_sp = sp("00000003-0000-0000-c000-000000000000").await;
    let r = send(
        client()
            .post(format!("{base}/oauth2PermissionGrants"))
            .bearer_auth(&admin)
            .json(&json!({"clientId": botdeck_sp, "consentType": "AllPrincipals", "resourceId": graph_sp, "scope": "AppCatalog.Submit"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token_of = |upn: &'static str| {
        let sim = &sim;
        async move {
            device_login(sim, "AppCatalog.Submit", Some(upn)).await["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let isaiah = token_of("isaiah.langer@contoso.onmicrosoft.com").await;
    let lee = token_of("lee.gu@contoso.onmicrosoft.com").await;
    let id = "6d1ffee0-1234-4abc-9def-0123456789ab";
    let r = send(
        client()
            .post(format!("{base}/appCatalogs/teamsApps?requiresReview=true"))
            .bearer_auth(&isaiah)
            .header("content-type", "application/zip")
            .body(package(&manifest(id, "1.0.0"), true)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let catalog_id = r.body["id"].as_str().unwrap().to_string();
    let defs = get(
        &sim,
        &isaiah,
        &format!("/appCatalogs/teamsApps/{catalog_id}/appDefinitions"),
    )
    .await;
    assert_eq!(defs.status, 200, "{}", defs.body);
    let def_id = defs.body["value"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(defs.body["value"][0]["publishingState"], "submitted");
    let withdraw = |token: String| {
        send(
            client()
                .delete(format!(
                    "{base}/appCatalogs/teamsApps/{catalog_id}/appDefinitions/{def_id}"
                ))
                .bearer_auth(token),
        )
    };
    let r = withdraw(lee).await;
    assert_graph_error(&r, 403, "Forbidden");
    assert_eq!(withdraw(isaiah.clone()).await.status, 204);
    // The submission was all there was of the app: it is gone.
    assert_eq!(
        get(
            &sim,
            &isaiah,
            &format!("/appCatalogs/teamsApps/{catalog_id}")
        )
        .await
        .status,
        404
    );
    sim.shutdown().await;
}

/// Documented (List a user's direct memberships): an OData cast returns just the directory
/// roles, and needs `ConsistencyLevel: eventual` with `$count`.
#[tokio::test]
async fn member_of_cast_to_directory_roles_returns_only_roles_as_an_advanced_query() {
    let sim = sim(TenantSize::Large).await;
    let tok = device_login(&sim, "User.Read", None).await;
    let token = tok["access_token"].as_str().unwrap();
    let path = "/me/memberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId&$count=true";
    let url = format!("{}{}", sim.graph_base_url(), path);
    let r = send(
        client()
            .get(&url)
            .bearer_auth(token)
            .header("ConsistencyLevel", "eventual"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let values = r.body["value"].as_array().expect("value");
    assert!(!values.is_empty());
    assert!(
        values
            .iter()
            .all(|o| o["@odata.type"] == "#microsoft.graph.directoryRole"),
        "{values:?}"
    );
    assert!(
        r.body.get("@odata.nextLink").is_none(),
        "one page for a few roles"
    );
    assert!(r.body["@odata.count"].as_u64().is_some(), "{}", r.body);

    // Without the advanced query parameters the cast is refused, as documented.
    let bare = get(&sim, token, "/me/memberOf/microsoft.graph.directoryRole").await;
    assert_eq!(bare.status, 400);
    assert_eq!(bare.body["error"]["code"], "Request_UnsupportedQuery");
    let odd = send(
        client()
            .get(format!(
                "{}/me/memberOf/microsoft.graph.user?$count=true",
                sim.graph_base_url()
            ))
            .bearer_auth(token)
            .header("ConsistencyLevel", "eventual"),
    )
    .await;
    assert_eq!(odd.status, 400);
    sim.shutdown().await;
}
