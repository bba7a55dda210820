//! Every property the simulator emits exists on its Graph type (or a base type) in
//! Microsoft's CSDL, with a JSON value of the matching kind.

mod common;

use std::collections::HashMap;

use common::*;
use serde_json::Value;
use tenant_sim::{SimConfig, DEMO_BOT_APP_ID};

const CSDL: &str = include_str!("../csdl/graph-v1.0-subset.csdl");

struct TypeDef {
    base: Option<String>,
    props: HashMap<String, (String, bool)>,
    members: Vec<String>,
    is_enum: bool,
    is_flags: bool,
}

struct Csdl {
    types: HashMap<String, TypeDef>,
}

fn graph_name(t: &str) -> Option<&str> {
    t.strip_prefix("graph.")
        .or_else(|| t.strip_prefix("microsoft.graph."))
}

impl Csdl {
    fn load() -> Csdl {
        let doc = roxmltree::Document::parse(CSDL).expect("vendored CSDL parses");
        let mut types = HashMap::new();
        for node in doc.root_element().children().filter(|n| n.is_element()) {
            let name = node.attribute("Name").unwrap_or_default().to_string();
            let kind = node.tag_name().name();
            let mut def = TypeDef {
                base: node
                    .attribute("BaseType")
                    .and_then(graph_name)
                    .map(str::to_string),
                props: HashMap::new(),
                members: Vec::new(),
                is_enum: kind == "EnumType",
                is_flags: node.attribute("IsFlags") == Some("true"),
            };
            for c in node.children().filter(|n| n.is_element()) {
                match c.tag_name().name() {
                    "Property" | "NavigationProperty" => {
                        let nullable = c.attribute("Nullable") != Some("false");
                        def.props.insert(
                            c.attribute("Name").unwrap_or_default().to_string(),
                            (
                                c.attribute("Type").unwrap_or_default().to_string(),
                                nullable,
                            ),
                        );
                    }
                    "Member" => def
                        .members
                        .push(c.attribute("Name").unwrap_or_default().to_string()),
                    _ => {}
                }
            }
            types.insert(name, def);
        }
        Csdl { types }
    }

    fn find_prop(&self, ty: &str, prop: &str) -> Option<(String, bool)> {
        let mut cur = Some(ty.to_string());
        while let Some(t) = cur {
            let def = self.types.get(&t)?;
            if let Some(p) = def.props.get(prop) {
                return Some(p.clone());
            }
            cur = def.base.clone();
        }
        None
    }

    fn derives_from(&self, ty: &str, ancestor: &str) -> bool {
        let mut cur = Some(ty.to_string());
        while let Some(t) = cur {
            if t == ancestor {
                return true;
            }
            cur = self.types.get(&t).and_then(|d| d.base.clone());
        }
        false
    }

    fn check_object(&self, v: &Value, declared: &str, path: &str, errs: &mut Vec<String>) {
        let Some(obj) = v.as_object() else {
            errs.push(format!(
                "{path}: expected an object of type {declared}, got {v}"
            ));
            return;
        };
        let mut ty = declared.to_string();
        if let Some(odata_type) = obj.get("@odata.type").and_then(Value::as_str) {
            let t = odata_type
                .trim_start_matches('#')
                .trim_start_matches("microsoft.graph.")
                .to_string();
            if !self.derives_from(&t, declared) {
                errs.push(format!(
                    "{path}: @odata.type {t} does not derive from {declared}"
                ));
                return;
            }
            ty = t;
        }
        if !self.types.contains_key(&ty) {
            errs.push(format!("{path}: type {ty} missing from the vendored CSDL"));
            return;
        }
        for (k, val) in obj {
            if k.starts_with('@') {
                continue;
            }
            match self.find_prop(&ty, k) {
                None => errs.push(format!(
                    "{path}.{k}: no property '{k}' on {ty} or its base types"
                )),
                Some((t, nullable)) => {
                    self.check_value(val, &t, nullable, &format!("{path}.{k}"), errs)
                }
            }
        }
    }

    fn check_value(&self, v: &Value, t: &str, nullable: bool, path: &str, errs: &mut Vec<String>) {
        if v.is_null() {
            if !nullable {
                errs.push(format!("{path}: null in a non-nullable {t}"));
            }
            return;
        }
        if let Some(inner) = t
            .strip_prefix("Collection(")
            .and_then(|r| r.strip_suffix(')'))
        {
            match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check_value(item, inner, true, &format!("{path}[{i}]"), errs);
                    }
                }
                None => errs.push(format!("{path}: expected an array for {t}")),
            }
            return;
        }
        let ok = match t {
            "Edm.String" | "Edm.Binary" => v.is_string(),
            "Edm.Boolean" => v.is_boolean(),
            "Edm.Int32" | "Edm.Int64" | "Edm.Int16" | "Edm.Byte" => v.is_i64() || v.is_u64(),
            "Edm.Double" | "Edm.Single" | "Edm.Decimal" => v.is_number(),
            "Edm.Guid" => v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()),
            "Edm.DateTimeOffset" => v
                .as_str()
                .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            "Edm.Date" => v
                .as_str()
                .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()),
            other => match graph_name(other).and_then(|n| self.types.get(n).map(|d| (n, d))) {
                Some((_, d)) if d.is_enum => match v.as_str() {
                    Some(s) if d.is_flags => s
                        .split(',')
                        .all(|m| d.members.iter().any(|x| x == m.trim())),
                    Some(s) => d.members.iter().any(|m| m == s),
                    None => false,
                },
                Some((n, _)) => {
                    self.check_object(v, n, path, errs);
                    true
                }
                None => {
                    errs.push(format!(
                        "{path}: type {other} missing from the vendored CSDL"
                    ));
                    true
                }
            },
        };
        if !ok {
            errs.push(format!("{path}: {v} does not match {t}"));
        }
    }
}

#[tokio::test]
async fn every_emitted_property_is_in_the_csdl_with_the_right_type() {
    let csdl = Csdl::load();
    let sim = sim_with(SimConfig {
        throttling: false,
        empty_page_rate: 0.0,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    let first = |v: &Value| v["value"][0]["id"].as_str().unwrap().to_string();

    let teams = get(&sim, &token, "/teams?$top=999").await.body;
    let mobile = teams["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["displayName"] == "Mobile Apps")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let chats = get(&sim, &token, "/chats?$top=50").await.body;
    let war = chats["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["topic"] == "Launch war room")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let flash = get(
        &sim,
        &token,
        &format!(
            "/appCatalogs/teamsApps?$filter=externalId eq '{}'",
            tenant_sim::DEMO_BOT_MANIFEST_ID
        ),
    )
    .await
    .body;
    let flash = first(&flash);
    let bot_sp = get(
        &sim,
        &token,
        &format!("/servicePrincipals?$filter=appId eq '{DEMO_BOT_APP_ID}'"),
    )
    .await
    .body;
    let bot_sp = first(&bot_sp);
    let all_user_props = "businessPhones,displayName,givenName,jobTitle,mail,mobilePhone,officeLocation,preferredLanguage,surname,userPrincipalName,id,accountEnabled,userType,department,createdDateTime,usageLocation,mailNickname,deletedDateTime";

    let sources: Vec<(&str, String, bool)> = vec![
        (
            "user",
            format!("/users?$top=999&$select={all_user_props}"),
            true,
        ),
        ("user", "/users".into(), true),
        ("user", "/me".into(), false),
        ("group", "/groups?$top=999".into(), true),
        ("team", "/teams?$top=999".into(), true),
        ("team", format!("/teams/{mobile}"), false),
        ("channel", format!("/teams/{mobile}/channels"), true),
        ("channel", format!("/teams/{mobile}/primaryChannel"), false),
        ("chat", "/chats?$top=50".into(), true),
        (
            "teamsApp",
            "/appCatalogs/teamsApps?$expand=appDefinitions($expand=bot)".into(),
            true,
        ),
        (
            "teamsAppDefinition",
            format!("/appCatalogs/teamsApps/{flash}/appDefinitions?$expand=bot"),
            true,
        ),
        (
            "teamsAppInstallation",
            format!("/teams/{mobile}/installedApps?$expand=teamsApp,teamsAppDefinition"),
            true,
        ),
        (
            "teamsAppInstallation",
            format!("/chats/{war}/installedApps?$expand=teamsApp,teamsAppDefinition"),
            true,
        ),
        (
            "teamsAppInstallation",
            "/me/teamwork/installedApps?$expand=teamsApp,teamsAppDefinition".into(),
            true,
        ),
        (
            "resourceSpecificPermissionGrant",
            format!("/teams/{mobile}/permissionGrants"),
            true,
        ),
        (
            "resourceSpecificPermissionGrant",
            format!("/chats/{war}/permissionGrants"),
            true,
        ),
        (
            "servicePrincipal",
            "/servicePrincipals?$top=999".into(),
            true,
        ),
        (
            "appRoleAssignment",
            format!("/servicePrincipals/{bot_sp}/appRoleAssignments"),
            true,
        ),
        (
            "oAuth2PermissionGrant",
            "/oauth2PermissionGrants".into(),
            true,
        ),
        ("organization", "/organization".into(), true),
        ("directoryObject", "/me/memberOf".into(), true),
        ("directoryRole", "/directoryRoles".into(), true),
    ];
    let mut errs = Vec::new();
    let mut checked = 0;
    for (ty, path, list) in &sources {
        let r = get(&sim, &token, path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let items: Vec<Value> = if *list {
            r.body["value"].as_array().cloned().unwrap_or_default()
        } else {
            vec![r.body.clone()]
        };
        assert!(!items.is_empty(), "{path} returned nothing to check");
        for (i, item) in items.iter().enumerate() {
            csdl.check_object(item, ty, &format!("{path}[{i}]"), &mut errs);
            checked += 1;
        }
    }
    // The permission catalogue of Graph's own service principal is checked as well.
    let graph_sp = get(
        &sim,
        &token,
        "/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'",
    )
    .await
    .body;
    assert!(graph_sp["value"][0]["appRoles"].as_array().unwrap().len() > 40);
    assert!(
        graph_sp["value"][0]["oauth2PermissionScopes"]
            .as_array()
            .unwrap()
            .len()
            > 40
    );
    errs.sort();
    errs.dedup_by(|a, b| a.split(':').nth(1) == b.split(':').nth(1));
    assert!(
        errs.is_empty(),
        "{} objects checked; mismatches:\n{}",
        checked,
        errs.join("\n")
    );
    sim.shutdown().await;
}

#[test]
fn the_checker_catches_mismatches() {
    let csdl = Csdl::load();
    let mut errs = Vec::new();
    let bad = serde_json::json!({
        "id": "x", "displayName": 3, "madeUp": true, "visibility": "secret", "isArchived": "no",
        "createdDateTime": "yesterday", "summary": {"membersCount": "many"}
    });
    csdl.check_object(&bad, "team", "team", &mut errs);
    for needle in [
        "displayName",
        "madeUp",
        "visibility",
        "isArchived",
        "createdDateTime",
        "membersCount",
    ] {
        assert!(
            errs.iter().any(|e| e.contains(needle)),
            "{needle} not caught: {errs:?}"
        );
    }
}
