//! Teams store apps (the PagerDuty story) against tenant-sim: found by name and id, never
//! published or reviewed, inventoried, upgraded / installed / removed with the definition's
//! RSC consent; explicit installs land in the inventory; least-privilege sync; and every
//! Graph route these flows call is in docs/graph-routes.md.

mod support;

use std::sync::{Arc, Mutex};

use botdeck_core::auth::Feature;
use botdeck_core::catalog::{
    self, Actor, Audit, CatalogApp, CatalogError, Distribution, PublishOptions, PublishingState,
};
use botdeck_core::installs::{
    self, BulkAction, InventoryQuery, ItemState, Selection, SyncContext, SyncOptions, TargetKind,
    TargetRef,
};
use botdeck_core::package::{self, NewBotAppOptions};
use botdeck_core::permissions::{self as perms, NameCache, RscScope, RscTarget, RscTargetKind};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use botdeck_graph::Executor;
use botdeck_graph::GraphClient;
use botdeck_graph::{Pacer, RouteLimits};
use serde_json::Value;
use tenant_sim::{
    RunningSim, SimConfig, TenantSize, DEMO_BOT_APP_ID, DEMO_BOT_MANIFEST_ID, PAGERDUTY_APP_ID,
    PAGERDUTY_STORE_APP_ID,
};
use tokio_util::sync::CancellationToken;

/// `METHOD route` rows of docs/graph-routes.md's table.
fn documented_routes() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/graph-routes.md");
    let text = std::fs::read_to_string(path).expect("docs/graph-routes.md");
    parse_routes(&text)
}

fn parse_routes(text: &str) -> Vec<String> {
    let (Some(start), Some(end)) = (
        text.find("<!-- routes:begin -->"),
        text.find("<!-- routes:end -->"),
    ) else {
        panic!("docs/graph-routes.md lost its routes:begin / routes:end markers");
    };
    text[start..end]
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let method = cells.get(1)?;
            let route = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            matches!(*method, "GET" | "POST" | "PATCH" | "DELETE" | "PUT")
                .then(|| format!("{method} {route}"))
        })
        .collect()
}

/// Graph routes tenant-sim saw that the table does not list (Entra's endpoints excluded).
fn undocumented(seen: &[String], documented: &[String]) -> Vec<String> {
    seen.iter()
        .filter(|r| !r.contains("/{tenant}/") && !r.contains(" /_sim"))
        .filter(|r| !documented.contains(r))
        .cloned()
        .collect()
}

fn assert_documented(sim: &RunningSim) {
    let seen: Vec<String> = sim.metrics().requests_per_route.into_keys().collect();
    let missing = undocumented(&seen, &documented_routes());
    assert!(
        missing.is_empty(),
        "BotDeck called Graph routes docs/graph-routes.md does not list: {missing:?}"
    );
}

#[test]
fn the_route_check_fails_on_an_undocumented_route() {
    let documented = documented_routes();
    assert!(documented.len() > 20, "{documented:?}");
    assert!(documented.contains(&"GET /appCatalogs/teamsApps".to_string()));
    // Reading one catalog app by id in the path is not documented: it must be refused.
    assert!(!documented.contains(&"GET /appCatalogs/teamsApps/{id}".to_string()));
    let seen = vec![
        "GET /appCatalogs/teamsApps".to_string(),
        "GET /appCatalogs/teamsApps/{id}".to_string(),
        "POST /{tenant}/oauth2/v2.0/token".to_string(),
    ];
    assert_eq!(
        undocumented(&seen, &documented),
        ["GET /appCatalogs/teamsApps/{id}"]
    );
}

struct World {
    sim: RunningSim,
    token: Sensitive<String>,
    graph: GraphClient,
    executor: Executor,
    store: Mutex<Store>,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new(features: &[Feature]) -> Self {
        let sim = support::start_sim(SimConfig {
            size: TenantSize::Demo,
            ..SimConfig::default()
        })
        .await;
        let token = support::admin_token(&sim, features).await;
        let graph = support::graph(&sim);
        let executor = Executor::new(
            graph.clone(),
            Arc::new(Pacer::new()),
            RouteLimits::scaled(1.0),
        );
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("store");
        Self {
            sim,
            token,
            graph,
            executor,
            store: Mutex::new(store),
            _dir: dir,
        }
    }

    fn ctx(&self) -> SyncContext<'_> {
        SyncContext {
            graph: &self.graph,
            tokens: &self.token,
            store: &self.store,
            executor: &self.executor,
        }
    }

    fn actor(&self) -> Actor {
        Actor {
            profile_id: None,
            tenant_id: Some(self.sim.tenant_id()),
            upn: self.sim.admin_upn(),
        }
    }

    async fn sync(&self, app: &CatalogApp) -> installs::SyncReport {
        installs::sync(
            &self.ctx(),
            app,
            &SyncOptions {
                kinds: vec![TargetKind::Team],
                ..SyncOptions::default()
            },
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .expect("sync")
    }

    async fn run(
        &self,
        app: &CatalogApp,
        action: BulkAction,
        selection: Selection,
    ) -> installs::RunSummary {
        let plan = installs::plan(&self.store.lock().expect("lock"), app, action, &selection)
            .expect("plan");
        let run_id = installs::create_run(&self.store, &plan, &self.actor()).expect("run");
        installs::execute_run(&self.ctx(), &run_id, &|_| {}, &CancellationToken::new())
            .await
            .expect("execute")
    }

    fn rows(&self, app_id: &str, q: InventoryQuery) -> Vec<installs::InventoryRow> {
        installs::query(
            &self.store.lock().expect("lock"),
            app_id,
            &InventoryQuery { limit: 1000, ..q },
        )
        .expect("query")
        .rows
    }

    /// What Graph says is installed in a team (version), read directly.
    async fn installed_version(&self, team_id: &str, app_id: &str) -> Option<String> {
        let items = self
            .graph
            .get_all(
                &self.token,
                &format!(
                    "/teams/{team_id}/installedApps?$expand=teamsAppDefinition&$filter=teamsApp/id%20eq%20'{app_id}'"
                ),
            )
            .await
            .expect("installedApps");
        items
            .first()
            .and_then(|i| i.pointer("/teamsAppDefinition/version"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    async fn team_without(&self, app_id: &str) -> String {
        let teams = self
            .graph
            .get_all(&self.token, "/teams?$top=999")
            .await
            .expect("teams");
        for t in teams {
            let Some(id) = t.get("id").and_then(Value::as_str) else {
                continue;
            };
            if self.installed_version(id, app_id).await.is_none() {
                return id.to_string();
            }
        }
        panic!("every team has {app_id}");
    }
}

fn pagerduty_rsc(app: &CatalogApp) -> Vec<String> {
    let mut v: Vec<String> = app
        .published()
        .expect("published")
        .required_rsc
        .iter()
        .map(|p| p.permission_value.clone())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn pagerduty_is_found_by_name_and_id_and_is_never_published_or_reviewed() {
    let w = World::new(&[Feature::Publish]).await;
    let by_name = catalog::find(&w.graph, &w.token, "pagerduty")
        .await
        .expect("found by name in the whole catalog");
    assert_eq!(by_name.id, PAGERDUTY_STORE_APP_ID);
    assert_eq!(by_name.external_id, None, "store apps have no externalId");
    assert_eq!(by_name.distribution(), Distribution::Store);
    assert_eq!(
        by_name.published().map(|d| d.version.as_str()),
        Some("1.2.0")
    );
    assert_eq!(
        pagerduty_rsc(&by_name),
        ["ChannelSettings.Read.Group", "TeamMember.Read.Group"]
    );
    let by_id = catalog::find(&w.graph, &w.token, PAGERDUTY_STORE_APP_ID)
        .await
        .expect("found by its store app id");
    assert_eq!(by_id, by_name);

    // The org list does not carry the whole store, but does carry a store app BotDeck knows.
    let org = catalog::list_apps(&w.graph, &w.token, &[])
        .await
        .expect("list");
    assert!(org
        .iter()
        .all(|a| a.distribution() == Distribution::Organization));
    let with = catalog::list_apps(&w.graph, &w.token, &[PAGERDUTY_STORE_APP_ID.to_string()])
        .await
        .expect("list");
    assert!(with.iter().any(|a| a.id == PAGERDUTY_STORE_APP_ID));
    // PagerDuty is a store bot BotDeck knows: a refresh reads it even before anyone looked.
    let known = catalog::cached_non_org_ids(&w.store.lock().expect("lock")).expect("ids");
    assert!(
        known.iter().any(|id| id == PAGERDUTY_STORE_APP_ID),
        "{known:?}"
    );

    // Publishing, updating, reviewing and deleting are refused before anything is sent.
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    let store = Mutex::new(store);
    let actor = w.actor();
    let audit = Audit {
        store: &store,
        actor: &actor,
    };
    let posts = |sim: &RunningSim| {
        sim.metrics()
            .requests_per_route
            .iter()
            .filter(|(k, _)| !k.starts_with("GET "))
            .map(|(_, v)| *v)
            .sum::<u64>()
    };
    let before = posts(&w.sim);
    let mut pkg = package::new_bot_app(&NewBotAppOptions {
        name: "PagerDuty".into(),
        manifest_id: Some(
            botdeck_core::ids::ManifestId::parse(PAGERDUTY_STORE_APP_ID).expect("a manifest id"),
        ),
        bot_id: Some(
            botdeck_core::ids::EntraAppId::parse(PAGERDUTY_APP_ID).expect("an Entra app id"),
        ),
        ..Default::default()
    })
    .expect("template");
    pkg.manifest.version = "9.9.9".into();
    let zip = pkg.build_zip().expect("zip");
    let refused = catalog::update(
        &w.graph,
        &w.token,
        audit,
        PAGERDUTY_STORE_APP_ID,
        zip,
        PublishOptions::default(),
    )
    .await
    .expect_err("a store app is not updated through the org catalog");
    match &refused {
        CatalogError::NotAnOrgApp { note, .. } => assert!(note.contains("Teams store"), "{note}"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        catalog::review(
            &w.graph,
            &w.token,
            audit,
            PAGERDUTY_STORE_APP_ID,
            None,
            true
        )
        .await,
        Err(CatalogError::NotAnOrgApp { .. })
    ));
    assert!(matches!(
        catalog::delete(&w.graph, &w.token, audit, PAGERDUTY_STORE_APP_ID).await,
        Err(CatalogError::NotAnOrgApp { .. })
    ));
    assert_eq!(posts(&w.sim), before, "nothing but reads was sent");
    assert_documented(&w.sim);
    w.sim.shutdown().await;
}

#[tokio::test]
async fn pagerduty_is_inventoried_upgraded_installed_and_removed_with_its_rsc_consent() {
    let w = World::new(&[Feature::Install, Feature::ReviewPermissions]).await;
    let app = catalog::find(&w.graph, &w.token, PAGERDUTY_STORE_APP_ID)
        .await
        .expect("store app");
    let report = w.sync(&app).await;
    assert_eq!(report.status, "completed");
    let installed = w.rows(
        &app.id,
        InventoryQuery {
            kind: Some(TargetKind::Team),
            state: Some(installs::InstallState::Installed),
            ..Default::default()
        },
    );
    assert!(
        !installed.is_empty(),
        "the demo tenant has PagerDuty in teams"
    );
    let behind: Vec<&installs::InventoryRow> = installed
        .iter()
        .filter(|r| r.version.as_deref() == Some("1.1.0"))
        .collect();
    assert!(
        !behind.is_empty(),
        "some teams are on the older store version"
    );

    // Upgrade the older installs: Graph (tenant-sim) refuses an upgrade whose consented set
    // differs from the definition's RSC, so success proves the consent set was sent.
    let summary = w
        .run(
            &app,
            BulkAction::Upgrade,
            Selection {
                filter: Some(InventoryQuery {
                    kind: Some(TargetKind::Team),
                    older_than: Some("1.2.0".into()),
                    ..Default::default()
                }),
                ids: Vec::new(),
            },
        )
        .await;
    assert_eq!(summary.failed, 0, "{summary:?}");
    assert_eq!(summary.succeeded as usize, behind.len());
    for r in &behind {
        assert_eq!(
            w.installed_version(&r.id, &app.id).await.as_deref(),
            Some("1.2.0")
        );
    }

    // Install into a team that lacks it, with the RSC consent: the team's grants show it.
    let team = w.team_without(&app.id).await;
    let summary = w
        .run(
            &app,
            BulkAction::Install,
            Selection {
                filter: None,
                ids: vec![TargetRef {
                    kind: TargetKind::Team,
                    id: team.clone(),
                }],
            },
        )
        .await;
    assert_eq!((summary.succeeded, summary.failed), (1, 0), "{summary:?}");
    let mut cache = NameCache::default();
    let granted = perms::inspect(
        &w.graph,
        &w.token,
        &botdeck_core::ids::EntraAppId::parse(PAGERDUTY_APP_ID).expect("an Entra app id"),
        &RscScope {
            teams: vec![RscTarget {
                kind: RscTargetKind::Team,
                id: team.clone(),
                name: None,
            }],
            ..RscScope::default()
        },
        &mut cache,
    )
    .await
    .expect("permissions of PagerDuty's Entra app");
    let mut here: Vec<String> = granted
        .rsc
        .iter()
        .filter(|g| g.target.id == team)
        .map(|g| g.permission.clone())
        .collect();
    here.sort();
    assert_eq!(here, pagerduty_rsc(&app), "RSC consented on install");

    // And remove it again.
    let summary = w
        .run(
            &app,
            BulkAction::Uninstall,
            Selection {
                filter: None,
                ids: vec![TargetRef {
                    kind: TargetKind::Team,
                    id: team.clone(),
                }],
            },
        )
        .await;
    assert_eq!((summary.succeeded, summary.failed), (1, 0), "{summary:?}");
    assert_eq!(w.installed_version(&team, &app.id).await, None);
    assert_documented(&w.sim);
    w.sim.shutdown().await;
}

fn flash_zip(version: &str) -> Vec<u8> {
    let mut pkg = package::new_bot_app(&NewBotAppOptions {
        name: "FlashDuty".into(),
        manifest_id: Some(
            botdeck_core::ids::ManifestId::parse(DEMO_BOT_MANIFEST_ID).expect("a manifest id"),
        ),
        bot_id: Some(
            botdeck_core::ids::EntraAppId::parse(DEMO_BOT_APP_ID).expect("an Entra app id"),
        ),
        ..Default::default()
    })
    .expect("template");
    pkg.manifest.version = version.into();
    pkg.build_zip().expect("zip")
}

/// `installs install --ids …` with no sync before, then a new version, then `installs upgrade
/// --ids …` of the same team: the upgrade finds the installation (the inventory learnt it, and
/// the installation id Graph does not return on install is read before upgrading).
#[tokio::test]
async fn an_explicit_install_is_found_by_the_following_upgrade() {
    let w = World::new(&[Feature::Install, Feature::Publish]).await;
    let app = catalog::find(&w.graph, &w.token, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("demo bot");
    let team = w.team_without(&app.id).await;
    let target = || Selection {
        filter: None,
        ids: vec![TargetRef {
            kind: TargetKind::Team,
            id: team.clone(),
        }],
    };
    let installed = w.run(&app, BulkAction::Install, target()).await;
    assert_eq!(
        (installed.succeeded, installed.failed),
        (1, 0),
        "{installed:?}"
    );
    let rows = w.rows(
        &app.id,
        InventoryQuery {
            text: Some(team.clone()),
            ..Default::default()
        },
    );
    assert_eq!(rows.len(), 1, "the explicit install is in the inventory");
    assert_eq!(rows[0].state, installs::InstallState::Installed);

    let actor = w.actor();
    let outcome = catalog::update(
        &w.graph,
        &w.token,
        Audit {
            store: &w.store,
            actor: &actor,
        },
        &app.id,
        flash_zip("1.0.9"),
        PublishOptions::default(),
    )
    .await
    .expect("update");
    assert_eq!(outcome.publishing_state, PublishingState::Published);
    let app = catalog::get_app(&w.graph, &w.token, &app.id)
        .await
        .expect("app");

    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &app,
        BulkAction::Upgrade,
        &target(),
    )
    .expect("plan");
    assert_eq!(plan.items.len(), 1, "skipped: {:?}", plan.skipped);
    let upgraded = w.run(&app, BulkAction::Upgrade, target()).await;
    assert_eq!(
        (upgraded.succeeded, upgraded.failed),
        (1, 0),
        "{upgraded:?}"
    );
    assert_eq!(
        w.installed_version(&team, &app.id).await.as_deref(),
        Some("1.0.9")
    );
    let items =
        installs::run_items(&w.store.lock().expect("lock"), &upgraded.run_id, None).expect("items");
    assert!(items.iter().all(|i| i.state == ItemState::Succeeded));
    assert_documented(&w.sim);
    w.sim.shutdown().await;
}

/// Least privilege: a read-only sign-in is enough to sync the inventory of every kind.
#[tokio::test]
async fn sync_needs_read_permissions_only() {
    let w = World::new(&[Feature::ReadTenant]).await;
    let app = catalog::find(&w.graph, &w.token, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("demo bot");
    let report = installs::sync(
        &w.ctx(),
        &app,
        &SyncOptions::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("sync");
    assert_eq!(report.status, "completed", "{report:?}");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_documented(&w.sim);
    w.sim.shutdown().await;
}
