//! BotDeck against a Graph that misbehaves in ways Microsoft's service can: a `$filter` that
//! is ignored or loosened (items of other apps come back), an update answered 201 with the new
//! definition while the catalog re-read does not show it yet. A small loopback HTTP server
//! plays Graph here, because tenant-sim is faithful and never does this.

use std::sync::{Arc, Mutex};

use botdeck_core::catalog::{self, Actor, Audit, PublishOptions, PublishingState};
use botdeck_core::package::{self, NewBotAppOptions};
use botdeck_core::permissions as perms;
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use botdeck_graph::resources::installed_apps;
use botdeck_graph::GraphClient;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Handler = dyn Fn(&str, &str) -> (u16, Option<Value>) + Send + Sync;

/// A one-request-per-connection HTTP/1.1 server; answers what `handler(method, target)` says
/// and records every `METHOD target` it saw.
struct FakeGraph {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn fake_graph(handler: Arc<Handler>) -> FakeGraph {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let mut first = head.lines().next().unwrap_or("").split(' ');
                let method = first.next().unwrap_or("").to_string();
                let target = first.next().unwrap_or("").to_string();
                let target = target
                    .strip_prefix("/v1.0")
                    .unwrap_or(&target)
                    .replace("%20", " ")
                    .replace("%27", "'");
                log.lock().expect("log").push(format!("{method} {target}"));
                let (status, body) = handler(&method, &target);
                let body = body.map(|b| b.to_string()).unwrap_or_default();
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nrequest-id: fake-{status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(response.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    FakeGraph {
        base: format!("http://127.0.0.1:{port}/v1.0"),
        seen,
    }
}

impl FakeGraph {
    fn client(&self) -> GraphClient {
        GraphClient::new(reqwest::Client::new(), &self.base)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("seen").clone()
    }
}

fn token() -> Sensitive<String> {
    Sensitive::new("fake-token".to_string())
}

const ORG_APP: &str = "11111111-1111-4111-8111-111111111111";

/// The test bot's app registration has the same GUID as its catalog id here.
fn org_entra_app() -> botdeck_core::ids::EntraAppId {
    botdeck_core::ids::EntraAppId::parse(ORG_APP).expect("an Entra app id")
}
const OTHER_APP: &str = "22222222-2222-4222-8222-222222222222";
const MANIFEST: &str = "33333333-3333-4333-8333-333333333333";
const OTHER_MANIFEST: &str = "44444444-4444-4444-8444-444444444444";

fn teams_app(id: &str, external: &str, defs: Value) -> Value {
    json!({"id": id, "externalId": external, "displayName": format!("App {external}"),
           "distributionMethod": "organization", "appDefinitions": defs})
}

fn definition(id: &str, version: &str, state: &str) -> Value {
    json!({"id": id, "teamsAppId": ORG_APP, "version": version, "publishingState": state,
           "displayName": "Bot"})
}

/// The filter is ignored: the list comes back with another app first.
fn ignoring_filters(method: &str, target: &str) -> (u16, Option<Value>) {
    match (method, target.split('?').next().unwrap_or("")) {
        ("GET", "/appCatalogs/teamsApps") => (
            200,
            Some(json!({"value": [
                teams_app(OTHER_APP, OTHER_MANIFEST, json!([definition("d9", "9.9.9", "published")])),
                teams_app(ORG_APP, MANIFEST, json!([definition("d1", "1.0.0", "published")])),
            ]})),
        ),
        ("GET", "/servicePrincipals") => (
            200,
            Some(json!({"value": [
                {"id": "sp-other", "appId": OTHER_APP, "displayName": "Someone else's app"}
            ]})),
        ),
        _ => (
            404,
            Some(json!({"error": {"code": "NotFound", "message": target}})),
        ),
    }
}

#[tokio::test]
async fn items_that_do_not_match_the_filter_asked_for_are_dropped() {
    let fake = fake_graph(Arc::new(ignoring_filters)).await;
    let graph = fake.client();
    let t = token();

    let by_manifest = catalog::find_by_manifest_id(&graph, &t, MANIFEST)
        .await
        .expect("read")
        .expect("the matching app");
    assert_eq!(by_manifest.id, ORG_APP, "not the first item Graph answered");

    let by_id = catalog::get_app(&graph, &t, ORG_APP).await.expect("read");
    assert_eq!(by_id.id, ORG_APP);

    // Only other apps come back: BotDeck reports "not found" instead of acting on them.
    let unknown = "55555555-5555-4555-8555-555555555555";
    assert!(catalog::find_by_manifest_id(&graph, &t, unknown)
        .await
        .expect("read")
        .is_none());
    assert!(matches!(
        catalog::get_app(&graph, &t, unknown).await,
        Err(catalog::CatalogError::NotFound(_))
    ));

    // A service principal of another app is never taken for this one.
    assert!(perms::find_service_principal(&graph, &t, &org_entra_app())
        .await
        .expect("read")
        .is_none());

    // The documented list + $filter is how one app is read (no GET /teamsApps/{id}).
    let seen = fake.seen();
    assert!(
        seen.iter().any(|r| r.starts_with(&format!(
            "GET /appCatalogs/teamsApps?$filter=id eq '{ORG_APP}'"
        ))),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|r| r.starts_with(&format!("GET /appCatalogs/teamsApps/{ORG_APP}"))),
        "{seen:?}"
    );
}

#[test]
fn installations_of_another_app_are_dropped() {
    let body = json!({"value": [
        {"id": "inst-other", "teamsApp": {"id": OTHER_APP}, "teamsAppDefinition": {"teamsAppId": OTHER_APP, "version": "9.9.9"}},
        {"id": "inst-unknown", "teamsAppDefinition": {"version": "1.0.0"}},
        {"id": "inst-mine", "teamsAppDefinition": {"teamsAppId": ORG_APP, "version": "1.0.0"}},
    ]});
    let kept = installed_apps::of_app(Some(&body), ORG_APP).expect("a page");
    let ids: Vec<&str> = kept.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["inst-mine"]);
    assert!(installed_apps::of_app(Some(&json!({"value": []})), ORG_APP)
        .expect("empty page")
        .is_empty());
    // No body, or no page: an error, never "not installed".
    assert!(installed_apps::of_app(None, ORG_APP).is_err());
    assert!(installed_apps::of_app(Some(&json!({"value": "none"})), ORG_APP).is_err());
}

fn zip(version: &str) -> Vec<u8> {
    let mut pkg = package::new_bot_app(&NewBotAppOptions {
        name: "Bot".into(),
        manifest_id: Some(botdeck_core::ids::ManifestId::parse(MANIFEST).expect("a manifest id")),
        bot_id: Some(
            botdeck_core::ids::EntraAppId::parse("66666666-6666-4666-8666-666666666666")
                .expect("an Entra app id"),
        ),
        ..Default::default()
    })
    .expect("template");
    pkg.manifest.version = version.into();
    pkg.build_zip().expect("zip")
}

fn audit_store() -> (tempfile::TempDir, Mutex<Store>, Actor) {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    let actor = Actor {
        profile_id: None,
        tenant_id: None,
        upn: "admin@contoso.example".into(),
    };
    (dir, Mutex::new(store), actor)
}

/// The catalog re-read lags behind: it still shows only 1.0.0 after the upload.
fn lagging_catalog(status: u16) -> impl Fn(&str, &str) -> (u16, Option<Value>) + Send + Sync {
    move |method, target| match (method, target.split('?').next().unwrap_or("")) {
        ("GET", "/appCatalogs/teamsApps") => (
            200,
            Some(json!({"value": [
                teams_app(ORG_APP, MANIFEST, json!([definition("d1", "1.0.0", "published")]))
            ]})),
        ),
        ("POST", p) if p == format!("/appCatalogs/teamsApps/{ORG_APP}/appDefinitions") => {
            if status == 201 {
                (201, Some(definition("d2", "1.0.1", "submitted")))
            } else {
                (204, None)
            }
        }
        _ => (
            404,
            Some(json!({"error": {"code": "NotFound", "message": target}})),
        ),
    }
}

#[tokio::test]
async fn an_update_answered_201_submitted_reports_submitted() {
    let fake = fake_graph(Arc::new(lagging_catalog(201))).await;
    let (_dir, store, actor) = audit_store();
    let outcome = catalog::update(
        &fake.client(),
        &token(),
        Audit {
            store: &store,
            actor: &actor,
        },
        ORG_APP,
        zip("1.0.1"),
        PublishOptions {
            requires_review: true,
            ..PublishOptions::default()
        },
    )
    .await
    .expect("update");
    assert_eq!(outcome.publishing_state, PublishingState::Submitted);
    let new = outcome
        .app
        .definitions
        .iter()
        .find(|d| d.version == "1.0.1")
        .expect("the new definition is part of the answer");
    assert_eq!(new.id, "d2", "its id comes from Graph's answer");
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.contains("1.0.1") && w.contains("waiting for review")),
        "{:?}",
        outcome.warnings
    );
}

#[tokio::test]
async fn an_update_answered_204_is_published_and_no_message_says_otherwise() {
    let fake = fake_graph(Arc::new(lagging_catalog(204))).await;
    let (_dir, store, actor) = audit_store();
    let outcome = catalog::update(
        &fake.client(),
        &token(),
        Audit {
            store: &store,
            actor: &actor,
        },
        ORG_APP,
        zip("1.0.1"),
        PublishOptions::default(),
    )
    .await
    .expect("update");
    assert_eq!(outcome.publishing_state, PublishingState::Published);
    assert_eq!(
        outcome.app.published().map(|d| d.version.as_str()),
        Some("1.0.1")
    );
    assert!(
        outcome
            .warnings
            .iter()
            .all(|w| !w.contains("no published version") && !w.contains("waiting")),
        "{:?}",
        outcome.warnings
    );
}

/// A new app whose re-read shows no definition yet: "published", and no "no published version".
#[tokio::test]
async fn a_publish_never_contradicts_itself() {
    let handler =
        |method: &str, target: &str| match (method, target.split('?').next().unwrap_or("")) {
            ("GET", "/appCatalogs/teamsApps") if target.contains("externalId") => {
                (200, Some(json!({"value": []})))
            }
            ("GET", "/appCatalogs/teamsApps") => (
                200,
                Some(json!({"value": [teams_app(ORG_APP, MANIFEST, json!([]))]})),
            ),
            ("POST", "/appCatalogs/teamsApps") => (
                201,
                Some(
                    json!({"id": ORG_APP, "externalId": MANIFEST, "displayName": "Bot",
                        "distributionMethod": "organization"}),
                ),
            ),
            _ => (
                404,
                Some(json!({"error": {"code": "NotFound", "message": target}})),
            ),
        };
    let fake = fake_graph(Arc::new(handler)).await;
    let (_dir, store, actor) = audit_store();
    let outcome = catalog::publish(
        &fake.client(),
        &token(),
        Audit {
            store: &store,
            actor: &actor,
        },
        zip("1.0.0"),
        PublishOptions::default(),
    )
    .await
    .expect("publish");
    assert_eq!(outcome.publishing_state, PublishingState::Published);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

/// Answers in shapes Microsoft documents differently: one catalog app without its `id`, an app
/// role assignment whose `appRoleId` is a number, a delegated grant without `consentType`, an
/// `/organization` list without any organization.
/// With `roles_ok`, the app role assignments are well formed (none), so the grants are read.
fn malformed(roles_ok: bool) -> impl Fn(&str, &str) -> (u16, Option<Value>) + Send + Sync {
    move |method, target| malformed_answer(roles_ok, method, target)
}

fn malformed_answer(roles_ok: bool, method: &str, target: &str) -> (u16, Option<Value>) {
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET", "/appCatalogs/teamsApps") => (
            200,
            Some(json!({"value": [
                teams_app(ORG_APP, MANIFEST, json!([definition("d1", "1.0.0", "published")])),
                {"externalId": OTHER_MANIFEST, "displayName": "no id", "distributionMethod": "organization"},
            ]})),
        ),
        ("GET", "/servicePrincipals") => (
            200,
            Some(json!({"value": [{"id": "sp-1", "appId": ORG_APP, "displayName": "Bot"}]})),
        ),
        ("GET", "/servicePrincipals/sp-1/appRoleAssignments") if roles_ok => {
            (200, Some(json!({"value": []})))
        }
        ("GET", "/servicePrincipals/sp-1/appRoleAssignments") => (
            200,
            Some(json!({"value": [{"id": "a1", "appRoleId": 7, "resourceId": "graph-sp"}]})),
        ),
        ("GET", "/oauth2PermissionGrants") => (
            200,
            Some(
                json!({"value": [{"id": "g1", "clientId": "sp-1", "resourceId": "graph-sp", "scope": "User.Read"}]}),
            ),
        ),
        ("GET", "/me") => (
            200,
            Some(
                json!({"id": "u1", "displayName": "Ada", "userPrincipalName": "ada@contoso.example"}),
            ),
        ),
        ("GET", "/organization") => (200, Some(json!({"value": []}))),
        _ => (
            404,
            Some(json!({"error": {"code": "NotFound", "message": target}})),
        ),
    }
}

/// The text of a Graph protocol error, or a failure naming what came back instead.
fn protocol_text(err: impl std::fmt::Debug + std::fmt::Display) -> String {
    let text = err.to_string();
    assert!(
        text.contains("shape BotDeck cannot read") || text.contains("unexpected answer"),
        "not a protocol error: {err:?}"
    );
    text
}

#[tokio::test]
async fn answers_in_an_undocumented_shape_are_typed_errors_naming_the_resource() {
    let fake = fake_graph(Arc::new(malformed(false))).await;
    let graph = fake.client();
    let t = token();

    // One app without an id fails the listing: it is never skipped as if it were not there.
    let err = catalog::list_apps(&graph, &t, &[])
        .await
        .expect_err("an app without id");
    assert!(matches!(err, catalog::CatalogError::Graph(_)), "{err:?}");
    let text = protocol_text(err);
    assert!(
        text.contains("a catalog app") && text.contains("missing field `id`"),
        "{text}"
    );

    let mut names = perms::NameCache::default();
    let err = perms::inspect(
        &graph,
        &t,
        &org_entra_app(),
        &perms::RscScope::default(),
        &mut names,
    )
    .await
    .expect_err("an app role id that is a number");
    let text = protocol_text(err);
    assert!(text.contains("an app role assignment"), "{text}");

    let grants = fake_graph(Arc::new(malformed(true))).await;
    let err = perms::inspect(
        &grants.client(),
        &t,
        &org_entra_app(),
        &perms::RscScope::default(),
        &mut names,
    )
    .await
    .expect_err("a grant without consentType");
    let text = protocol_text(err);
    assert!(
        text.contains("a delegated permission grant") && text.contains("consentType"),
        "{text}"
    );

    let err = botdeck_core::auth::whoami(&graph, &t)
        .await
        .expect_err("no organization");
    assert!(
        protocol_text(err).contains("no organization"),
        "the tenant id is never left empty"
    );
}
