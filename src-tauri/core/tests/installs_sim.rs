//! Inventory sync and bulk runs against tenant-sim: demo facts, per-item failures, pacing
//! (no early retries), RSC consent, install / upgrade / uninstall per scope, crash-resume.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use botdeck_core::audit::{self, Outcome};
use botdeck_core::auth::entra::{EntraClient, EntraEndpoint};
use botdeck_core::auth::{scopes, Feature, Sleeper};
use botdeck_core::catalog::{self, Actor, CatalogApp};
use botdeck_core::installs::{
    self, BulkAction, InstallState, InventoryQuery, InventorySort, ItemState, RunProgress,
    Selection, SyncContext, SyncOptions, TargetKind, TargetRef,
};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use botdeck_graph::Executor;
use botdeck_graph::{Pacer, RouteLimits};
use tenant_sim::{
    FaultRule, RunningSim, SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_MANIFEST_ID,
};
use tokio_util::sync::CancellationToken;

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

/// Install + the listing scopes for chats and users (see the report on `auth::scopes`).
async fn token(sim: &RunningSim) -> Sensitive<String> {
    let mut wanted = scopes::scopes_for(Feature::Install);
    for extra in [
        "Chat.ReadBasic",
        "User.Read.All",
        "TeamsAppInstallation.ReadForUser",
        "AppCatalog.ReadWrite.All",
    ] {
        wanted.push(extra.to_string());
    }
    let endpoint = EntraEndpoint {
        authority_host: sim.authority_host(),
        tenant: sim.tenant_id(),
        client_id: BOTDECK_PUBLIC_CLIENT_ID.to_string(),
    };
    let entra = EntraClient::new(reqwest::Client::new());
    let grant = entra
        .start_device_code(&endpoint, &wanted)
        .await
        .expect("device code");
    let (tokens, _) = entra
        .poll_device_code(&endpoint, &grant, &CancellationToken::new(), &NoWait)
        .await
        .expect("auto-approved");
    tokens.access_token
}

/// Like [`token`] but without the scopes starting with `prefix`.
async fn token_without(sim: &RunningSim, prefix: &str) -> Sensitive<String> {
    let mut wanted = scopes::scopes_for(Feature::Install);
    for extra in [
        "User.Read.All",
        "TeamsAppInstallation.ReadForUser",
        "AppCatalog.ReadWrite.All",
    ] {
        wanted.push(extra.to_string());
    }
    wanted.retain(|s| !s.starts_with(prefix));
    let endpoint = EntraEndpoint {
        authority_host: sim.authority_host(),
        tenant: sim.tenant_id(),
        client_id: BOTDECK_PUBLIC_CLIENT_ID.to_string(),
    };
    let entra = EntraClient::new(reqwest::Client::new());
    let grant = entra
        .start_device_code(&endpoint, &wanted)
        .await
        .expect("device code");
    let (tokens, _) = entra
        .poll_device_code(&endpoint, &grant, &CancellationToken::new(), &NoWait)
        .await
        .expect("auto-approved");
    tokens.access_token
}

struct World {
    sim: RunningSim,
    token: Sensitive<String>,
    graph: botdeck_graph::GraphClient,
    executor: Executor,
    store: Mutex<Store>,
    _dir: tempfile::TempDir,
    app: CatalogApp,
}

impl World {
    async fn new(config: SimConfig) -> Self {
        let scale = config.throttle_scale;
        let sim = support::start_sim(config).await;
        let token = token(&sim).await;
        // One pacer for single calls and batches, as the CLI and the window have.
        let graph =
            support::graph(&sim).with_pacing(Arc::new(Pacer::new()), RouteLimits::scaled(scale));
        let executor = Executor::for_client(graph.clone());
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("store");
        let app = catalog::find(&graph, &token, DEMO_BOT_MANIFEST_ID)
            .await
            .expect("demo bot");
        Self {
            sim,
            token,
            graph,
            executor,
            store: Mutex::new(store),
            _dir: dir,
            app,
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

    async fn sync(&self) -> installs::SyncReport {
        installs::sync(
            &self.ctx(),
            &self.app,
            &SyncOptions::default(),
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .expect("sync")
    }

    fn rows(&self, q: InventoryQuery) -> installs::InventoryPage {
        installs::query(
            &self.store.lock().expect("lock"),
            &self.app.id,
            &InventoryQuery { limit: 1000, ..q },
        )
        .expect("query")
    }

    fn team(&self, name: &str) -> installs::InventoryRow {
        self.rows(InventoryQuery {
            kind: Some(TargetKind::Team),
            text: Some(name.into()),
            ..Default::default()
        })
        .rows
        .into_iter()
        .find(|r| r.display_name == name)
        .unwrap_or_else(|| panic!("team {name}"))
    }

    fn route(&self, route: &str) -> u64 {
        self.sim
            .metrics()
            .requests_per_route
            .get(route)
            .copied()
            .unwrap_or(0)
    }

    fn actor(&self) -> Actor {
        Actor {
            profile_id: None,
            tenant_id: Some(self.sim.tenant_id()),
            upn: self.sim.admin_upn(),
        }
    }

    async fn run(
        &self,
        action: BulkAction,
        selection: Selection,
    ) -> (String, installs::RunSummary) {
        let plan = installs::plan(
            &self.store.lock().expect("lock"),
            &self.app,
            action,
            &selection,
        )
        .expect("plan");
        let run_id = installs::create_run(&self.store, &plan, &self.actor()).expect("run");
        let summary =
            installs::execute_run(&self.ctx(), &run_id, &|_| {}, &CancellationToken::new())
                .await
                .expect("execute");
        (run_id, summary)
    }
}

fn demo() -> SimConfig {
    SimConfig {
        size: TenantSize::Demo,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn sync_reads_the_demo_tenant_with_per_item_failures_and_channel_facts() {
    let w = World::new(demo()).await;
    let report = w.sync().await;
    assert_eq!(report.status, "completed");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let m = w.sim.metrics();
    assert_eq!(m.early_retries, 0);

    let coverage = installs::coverage(&w.store.lock().expect("lock"), &w.app.id).expect("coverage");
    let teams = coverage
        .iter()
        .find(|c| c.kind == TargetKind::Team)
        .expect("teams");
    assert_eq!(teams.installed, 12, "{coverage:?}");
    assert_eq!(teams.failed, 1, "Legal answers 403");
    assert_eq!(teams.installed + teams.not_installed + teams.failed, 40);
    let chats = coverage
        .iter()
        .find(|c| c.kind == TargetKind::Chat)
        .expect("chats");
    assert_eq!(chats.installed, 3);
    let users = coverage
        .iter()
        .find(|c| c.kind == TargetKind::User)
        .expect("users");
    assert_eq!(users.installed, 5);

    let spread =
        installs::version_spread(&w.store.lock().expect("lock"), &w.app.id).expect("spread");
    let count = |kind, v: &str| {
        spread
            .iter()
            .find(|s| s.kind == kind && s.version == v)
            .map(|s| s.count)
            .unwrap_or(0)
    };
    assert_eq!(count(TargetKind::Team, "1.0.2"), 7);
    assert_eq!(count(TargetKind::Team, "1.0.1"), 2);
    assert_eq!(count(TargetKind::Team, "1.0.0"), 3);

    let legal = w.team("Legal");
    assert_eq!(legal.state, InstallState::Failed);
    assert_eq!(legal.error_status, Some(403));
    assert!(w.team("Hackathon 2023").archived);
    let payments = w.team("Payments Team");
    assert_eq!(payments.version.as_deref(), Some("1.0.1"));
    assert!(payments.private_channels.unwrap_or(0) >= 1);
    assert!(payments.general_channel.is_some());
    assert!(w.team("Incident Response").shared_channels.unwrap_or(0) >= 1);

    // Query API: filters, search, paging, cache age.
    let older = w.rows(InventoryQuery {
        kind: Some(TargetKind::Team),
        older_than: Some("1.0.2".into()),
        ..Default::default()
    });
    assert_eq!(older.total, 5);
    let page = installs::query(
        &w.store.lock().expect("lock"),
        &w.app.id,
        &InventoryQuery {
            kind: Some(TargetKind::Team),
            offset: 10,
            limit: 10,
            ..Default::default()
        },
    )
    .expect("page");
    assert_eq!((page.total, page.rows.len()), (40, 10));
    assert_eq!(
        page.sync.as_ref().map(|s| s.status.as_str()),
        Some("completed")
    );
    let search = w.rows(InventoryQuery {
        text: Some("payments".into()),
        ..Default::default()
    });
    assert!(search
        .rows
        .iter()
        .any(|r| r.kind == TargetKind::Chat && r.display_name.contains("Payments incident")));

    // Each read asked for the bot only: one installedApps read per target, no more.
    assert_eq!(w.route("GET /teams/{id}/installedApps"), 40);
    assert_eq!(m.early_retries, 0);
}

#[tokio::test]
async fn a_second_sync_lists_users_incrementally() {
    let w = World::new(demo()).await;
    let first = w.sync().await;
    assert!(!first.users_incremental);
    let second = w.sync().await;
    assert!(second.users_incremental);
    assert_eq!(second.status, "completed");
    let coverage = installs::coverage(&w.store.lock().expect("lock"), &w.app.id).expect("coverage");
    let users = coverage
        .iter()
        .find(|c| c.kind == TargetKind::User)
        .expect("users");
    assert_eq!(
        users.installed, 5,
        "unchanged users are kept by a delta sync"
    );
}

#[tokio::test]
async fn throttling_faults_are_waited_out_never_early_and_nothing_is_lost() {
    let w = World::new(SimConfig {
        size: TenantSize::Demo,
        throttle_scale: 10.0,
        faults: vec![FaultRule {
            route: "/v1.0/teams/*/installedApps".into(),
            rate_429: 0.3,
            rate_503: 0.05,
            retry_after_secs: 1.0,
            ..Default::default()
        }],
        ..SimConfig::default()
    })
    .await;
    let report = installs::sync(
        &w.ctx(),
        &w.app,
        &SyncOptions {
            kinds: vec![TargetKind::Team],
            channels: false,
            fresh: false,
        },
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("sync");
    let m = w.sim.metrics();
    assert!(m.throttled_429 > 0, "the fault rule must have fired");
    assert!(report.retries > 0);
    assert_eq!(m.early_retries, 0);
    let coverage = installs::coverage(&w.store.lock().expect("lock"), &w.app.id).expect("coverage");
    let teams = &coverage[0];
    assert_eq!(
        (teams.installed, teams.failed, teams.unknown),
        (12, 1, 0),
        "{coverage:?}"
    );
}

#[tokio::test]
async fn bulk_install_consents_rsc_skips_archived_and_records_per_item_failures() {
    let w = World::new(demo()).await;
    w.sync().await;
    let mut selection = Selection {
        filter: Some(InventoryQuery {
            kind: Some(TargetKind::Team),
            state: Some(InstallState::NotInstalled),
            ..Default::default()
        }),
        ids: vec![TargetRef {
            kind: TargetKind::Team,
            id: "00000000-0000-0000-0000-00000000dead".into(),
        }],
    };
    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &w.app,
        BulkAction::Install,
        &selection,
    )
    .expect("plan");
    assert!(
        !plan.consent.is_empty(),
        "RSC app: the consent set comes from the definition"
    );
    assert!(
        plan.skipped.iter().any(|s| s.reason.contains("archived")),
        "{:?}",
        plan.skipped
    );
    assert!(plan
        .items
        .iter()
        .any(|i| i.note.as_deref().is_some_and(|n| n.contains("private"))));
    let planned = plan.items.len() as u64;

    let (run_id, summary) = w.run(BulkAction::Install, selection.clone()).await;
    assert_eq!(summary.status, "completed");
    assert_eq!(summary.total, planned);
    assert_eq!(summary.failed, 1, "the unknown team fails alone");
    assert_eq!(summary.succeeded, planned - 1);
    let failed = installs::run_items(
        &w.store.lock().expect("lock"),
        &run_id,
        Some(ItemState::Failed),
    )
    .expect("items");
    assert_eq!(failed[0].status, Some(404));
    assert_eq!(w.sim.metrics().early_retries, 0);

    // The tenant agrees: a fresh sync sees the bot everywhere it was installed, at 1.0.2.
    w.sync().await;
    let now = w.rows(InventoryQuery {
        kind: Some(TargetKind::Team),
        state: Some(InstallState::NotInstalled),
        ..Default::default()
    });
    assert!(now.rows.iter().all(|r| r.archived), "{:?}", now.rows);
    assert_eq!(w.team("Finance").version.as_deref(), Some("1.0.2"));

    // Audit: one entry per item with Graph's request-id.
    let log = audit::recent(&w.store.lock().expect("lock"), 200).expect("audit");
    let installs_logged: Vec<_> = log
        .iter()
        .filter(|r| r.entry.action == "install.team")
        .collect();
    assert_eq!(installs_logged.len() as u64, planned);
    assert!(installs_logged
        .iter()
        .filter(|r| r.entry.outcome == Outcome::Succeeded)
        .all(|r| r.entry.request_id.is_some()));

    // Retry failed: the unknown team fails again, nothing else is re-sent.
    let posts_before = w.route("POST /teams/{id}/installedApps");
    assert_eq!(installs::retry_failed(&w.store, &run_id).expect("retry"), 1);
    let again = installs::execute_run(&w.ctx(), &run_id, &|_| {}, &CancellationToken::new())
        .await
        .expect("retry run");
    assert_eq!(again.failed, 1);
    assert_eq!(w.route("POST /teams/{id}/installedApps"), posts_before + 1);

    // Installing again where it is installed already: skipped by the plan, 409 = success.
    selection.filter = None;
    selection.ids = vec![TargetRef {
        kind: TargetKind::Team,
        id: w.team("Finance").id,
    }];
    w.store
        .lock()
        .expect("lock")
        .connection()
        .execute(
            "UPDATE inventory_item SET state = 'not_installed' WHERE display_name = 'Finance'",
            [],
        )
        .expect("stale cache");
    let (_, dup) = w.run(BulkAction::Install, selection).await;
    assert_eq!((dup.already_done, dup.failed), (1, 0));
}

#[tokio::test]
async fn upgrade_and_uninstall_work_in_teams_chats_and_for_users() {
    let w = World::new(demo()).await;
    w.sync().await;
    // Upgrade everything older than 1.0.2, all scopes: 1.0.0 installs need the new RSC set.
    let (_, upgraded) = w
        .run(
            BulkAction::Upgrade,
            Selection {
                filter: Some(InventoryQuery {
                    older_than: Some("1.0.2".into()),
                    ..Default::default()
                }),
                ids: vec![],
            },
        )
        .await;
    // Hackathon 2023 is archived: planned out.
    assert_eq!(upgraded.failed, 0, "{upgraded:?}");
    assert!(upgraded.succeeded >= 5, "{upgraded:?}");
    w.sync().await;
    let older = w.rows(InventoryQuery {
        older_than: Some("1.0.2".into()),
        ..Default::default()
    });
    assert!(older.rows.iter().all(|r| r.archived), "{:?}", older.rows);
    let chat = w.rows(InventoryQuery {
        kind: Some(TargetKind::Chat),
        text: Some("Payments incident".into()),
        ..Default::default()
    });
    assert_eq!(chat.rows[0].version.as_deref(), Some("1.0.2"));

    // Install in a chat without the bot, then uninstall it.
    let chat = w
        .rows(InventoryQuery {
            kind: Some(TargetKind::Chat),
            state: Some(InstallState::NotInstalled),
            ..Default::default()
        })
        .rows
        .remove(0);
    let targets = vec![TargetRef {
        kind: TargetKind::Chat,
        id: chat.id.clone(),
    }];
    let (_, installed) = w
        .run(
            BulkAction::Install,
            Selection {
                filter: None,
                ids: targets.clone(),
            },
        )
        .await;
    assert_eq!(
        (installed.succeeded, installed.failed),
        (1, 0),
        "{installed:?}"
    );
    w.sync().await;
    let (_, removed) = w
        .run(
            BulkAction::Uninstall,
            Selection {
                filter: None,
                ids: targets,
            },
        )
        .await;
    assert_eq!((removed.succeeded, removed.failed), (1, 0), "{removed:?}");
    assert_eq!(w.route("DELETE /chats/{id}/installedApps/{id}"), 1);
    assert_eq!(w.sim.metrics().early_retries, 0);
}

#[tokio::test]
async fn personal_scope_install_and_uninstall() {
    let mut w = World::new(demo()).await;
    // tenant-sim has no ...AndConsent...ForUser permission, so personal installs use a bot
    // without RSC permissions: publish one first.
    let zip = {
        let mut pkg =
            botdeck_core::package::new_bot_app(&botdeck_core::package::NewBotAppOptions {
                name: "Personal Bot".into(),
                manifest_id: Some(
                    botdeck_core::ids::ManifestId::parse("5f6a7b8c-9d0e-4f1a-8b2c-4d5e6f7a8b9c")
                        .expect("a manifest id"),
                ),
                ..Default::default()
            })
            .expect("template");
        pkg.manifest.version = "1.0.0".into();
        pkg.build_zip().expect("zip")
    };
    let actor = w.actor();
    let published = catalog::publish(
        &w.graph,
        &w.token,
        catalog::Audit {
            store: &w.store,
            actor: &actor,
        },
        zip,
        catalog::PublishOptions::default(),
    )
    .await
    .expect("publish");
    w.app = published.app;
    let opts = SyncOptions {
        kinds: vec![TargetKind::User],
        channels: false,
        fresh: false,
    };
    installs::sync(&w.ctx(), &w.app, &opts, &|_| {}, &CancellationToken::new())
        .await
        .expect("sync");
    let user = w
        .rows(InventoryQuery {
            kind: Some(TargetKind::User),
            text: Some("Adele".into()),
            ..Default::default()
        })
        .rows
        .remove(0);
    assert_eq!(user.state, InstallState::NotInstalled);
    let targets = vec![TargetRef {
        kind: TargetKind::User,
        id: user.id.clone(),
    }];
    let (_, installed) = w
        .run(
            BulkAction::Install,
            Selection {
                filter: None,
                ids: targets.clone(),
            },
        )
        .await;
    assert_eq!(
        (installed.succeeded, installed.failed),
        (1, 0),
        "{installed:?}"
    );
    installs::sync(&w.ctx(), &w.app, &opts, &|_| {}, &CancellationToken::new())
        .await
        .expect("sync");
    let row = w
        .rows(InventoryQuery {
            kind: Some(TargetKind::User),
            text: Some(user.id.clone()),
            ..Default::default()
        })
        .rows
        .remove(0);
    assert_eq!(
        (row.state, row.version.as_deref()),
        (InstallState::Installed, Some("1.0.0"))
    );
    let (_, removed) = w
        .run(
            BulkAction::Uninstall,
            Selection {
                filter: None,
                ids: targets,
            },
        )
        .await;
    assert_eq!((removed.succeeded, removed.failed), (1, 0), "{removed:?}");
    assert_eq!(w.route("POST /users/{id}/teamwork/installedApps"), 1);
    assert_eq!(w.route("DELETE /users/{id}/teamwork/installedApps/{id}"), 1);
}

fn not_installed_teams() -> Selection {
    Selection {
        filter: Some(InventoryQuery {
            kind: Some(TargetKind::Team),
            state: Some(InstallState::NotInstalled),
            ..Default::default()
        }),
        ids: vec![],
    }
}

#[tokio::test]
async fn a_cancelled_run_resumes_without_installing_anything_twice() {
    let mut w = World::new(demo()).await;
    // Limits a fifth of Microsoft's: the 26 installs take several batches, so a cancel after
    // the first leaves some pending (at full limits one second's allowance sends them all).
    w.executor = Executor::new(
        w.graph.clone(),
        Arc::new(Pacer::new()),
        RouteLimits::scaled(0.2),
    );
    w.sync().await;
    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &w.app,
        BulkAction::Install,
        &not_installed_teams(),
    )
    .expect("plan");
    let run_id = installs::create_run(&w.store, &plan, &w.actor()).expect("run");
    let cancel = CancellationToken::new();
    // Cancel as soon as the first batch has been answered.
    let stop = cancel.clone();
    let progress = move |p: &RunProgress| {
        if p.done > 0 {
            stop.cancel();
        }
    };
    let first = installs::execute_run(&w.ctx(), &run_id, &progress, &cancel)
        .await
        .expect("first");
    assert_eq!(first.status, "cancelled");
    assert!(first.pending > 0 && first.succeeded > 0, "{first:?}");
    let second = installs::execute_run(&w.ctx(), &run_id, &|_| {}, &CancellationToken::new())
        .await
        .expect("resume");
    assert_eq!(second.status, "completed");
    assert_eq!(second.succeeded, plan.items.len() as u64);
    assert_eq!(
        w.route("POST /teams/{id}/installedApps"),
        plan.items.len() as u64
    );
    assert_eq!(
        w.sim.metrics().status_counts.get(&409),
        None,
        "nothing sent twice"
    );
}

#[tokio::test]
async fn cancel_stops_after_the_requests_on_the_wire_and_counts_what_was_not_attempted() {
    let mut w = World::new(demo()).await;
    // A fifth of Microsoft's limits, so the installs cannot all go out in one second's allowance
    // before the first answer arrives (then the cancel would come too late to stop anything).
    w.executor = Executor::new(
        w.graph.clone(),
        Arc::new(Pacer::new()),
        RouteLimits::scaled(0.2),
    );
    w.sync().await;
    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &w.app,
        BulkAction::Install,
        &not_installed_teams(),
    )
    .expect("plan");
    assert!(
        plan.items.len() > installs::bulk::BULK_BATCH * 2,
        "{}",
        plan.items.len()
    );
    let run_id = installs::create_run(&w.store, &plan, &w.actor()).expect("run");
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let seen: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    let progress = |p: &RunProgress| {
        seen.lock().expect("lock").push(p.done);
        if p.done > 0 {
            stop.cancel();
        }
    };
    let summary = installs::execute_run(&w.ctx(), &run_id, &progress, &cancel)
        .await
        .expect("run");
    assert_eq!(summary.status, "cancelled");
    assert!(summary.cancel_requested);
    let total = plan.items.len() as u64;
    assert_eq!(summary.total, total);
    assert!(summary.pending > 0, "{summary:?}");
    assert_eq!(
        summary.succeeded + summary.already_done + summary.failed + summary.pending,
        total,
        "done, failed and not attempted add up: {summary:?}"
    );
    // Only what was on the wire was sent, and every one of those answers was recorded.
    let sent = w.route("POST /teams/{id}/installedApps");
    assert_eq!(sent, total - summary.pending, "{summary:?}");
    assert!(
        sent < total,
        "the cancel stopped the run: {sent} of {total} sent"
    );
    let store = w.store.lock().expect("lock");
    let not_attempted =
        installs::run_items(&store, &run_id, Some(ItemState::Pending)).expect("items");
    assert_eq!(not_attempted.len() as u64, summary.pending);
    let in_flight = installs::run_items(&store, &run_id, Some(ItemState::InFlight)).expect("items");
    assert!(
        in_flight.is_empty(),
        "nothing is left looking sent: {in_flight:?}"
    );
    // Each item that was sent is in the audit log, tied to its run.
    let audited = audit::recent(&store, 1000)
        .expect("audit")
        .into_iter()
        .filter(|r| r.run_id.as_deref() == Some(run_id.as_str()))
        .count() as u64;
    assert_eq!(audited, sent);
    // Progress counted item by item, never jumping a batch at a time.
    let seen = seen.lock().expect("lock");
    assert!(
        seen.windows(2).all(|w| w[1] <= w[0] + 1),
        "progress steps of one: {seen:?}"
    );
}

#[tokio::test]
async fn progress_advances_per_item_and_a_cancel_after_the_last_request_completes_the_run() {
    let w = World::new(demo()).await;
    w.sync().await;
    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &w.app,
        BulkAction::Install,
        &not_installed_teams(),
    )
    .expect("plan");
    let total = plan.items.len() as u64;
    let run_id = installs::create_run(&w.store, &plan, &w.actor()).expect("run");
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let seen: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    let progress = |p: &RunProgress| {
        seen.lock().expect("lock").push(p.done);
        if p.done == p.total {
            stop.cancel();
        }
    };
    let summary = installs::execute_run(&w.ctx(), &run_id, &progress, &cancel)
        .await
        .expect("run");
    assert_eq!(summary.status, "completed", "{summary:?}");
    assert!(summary.cancel_requested);
    assert_eq!((summary.succeeded, summary.pending), (total, 0));
    let mut distinct = seen.lock().expect("lock").clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        (0..=total).collect::<Vec<_>>(),
        "every item moves the count by one"
    );
}

#[tokio::test]
async fn a_run_killed_mid_flight_is_verified_then_resumed_without_duplicates() {
    let w = World::new(SimConfig {
        size: TenantSize::Demo,
        // Slow answers keep the first batch on the wire while the worker is dropped.
        faults: vec![FaultRule {
            route: "/v1.0/$batch".into(),
            latency_ms: 300,
            ..Default::default()
        }],
        ..SimConfig::default()
    })
    .await;
    w.sync().await;
    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &w.app,
        BulkAction::Install,
        &not_installed_teams(),
    )
    .expect("plan");
    let run_id = installs::create_run(&w.store, &plan, &w.actor()).expect("run");
    let posts = || w.route("POST /teams/{id}/installedApps");
    {
        // "Kill" the worker: drop its future once Graph has started installing.
        let ctx = w.ctx();
        let never = CancellationToken::new();
        let worker = installs::execute_run(&ctx, &run_id, &|_| {}, &never);
        tokio::pin!(worker);
        loop {
            tokio::select! {
                _ = &mut worker => panic!("the run finished before it could be interrupted"),
                _ = tokio::time::sleep(Duration::from_millis(5)) => {
                    if posts() > 0 { break; }
                }
            }
        }
    }
    let interrupted =
        installs::run_summary(&w.store.lock().expect("lock"), &run_id).expect("summary");
    assert!(interrupted.pending > 0, "{interrupted:?}");
    let in_flight = installs::run_items(
        &w.store.lock().expect("lock"),
        &run_id,
        Some(ItemState::InFlight),
    )
    .expect("items");
    assert!(
        !in_flight.is_empty(),
        "the journal knows what was on the wire"
    );
    assert!(
        in_flight.len() <= installs::bulk::JOURNAL_CHUNK,
        "only the chunk on the wire is journalled in flight: {}",
        in_flight.len()
    );
    let reads_before = w.route("GET /teams/{id}/installedApps");

    let resumed = installs::execute_run(&w.ctx(), &run_id, &|_| {}, &CancellationToken::new())
        .await
        .expect("resume");
    assert_eq!(
        w.route("GET /teams/{id}/installedApps") - reads_before,
        in_flight.len() as u64,
        "the resume reads back exactly the items the journal shows in flight"
    );
    assert_eq!(resumed.status, "completed");
    assert_eq!(resumed.succeeded, plan.items.len() as u64, "{resumed:?}");
    assert_eq!(
        w.sim.metrics().status_counts.get(&409),
        None,
        "no install was sent twice"
    );
    assert_eq!(posts(), plan.items.len() as u64);
    // And the tenant has each install exactly once.
    w.sync().await;
    let left = w.rows(InventoryQuery {
        kind: Some(TargetKind::Team),
        state: Some(InstallState::NotInstalled),
        ..Default::default()
    });
    assert!(left.rows.iter().all(|r| r.archived));
}

#[tokio::test]
async fn a_cancelled_sync_resumes_and_reads_only_what_is_left() {
    let w = World::new(demo()).await;
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let opts = SyncOptions {
        kinds: vec![TargetKind::User],
        channels: false,
        fresh: false,
    };
    let first = installs::sync(
        &w.ctx(),
        &w.app,
        &opts,
        &move |p: &RunProgress| {
            if p.done >= 20 {
                stop.cancel();
            }
        },
        &cancel,
    )
    .await
    .expect("first");
    assert_eq!(first.status, "cancelled");
    let reads_before = w.route("GET /users/{id}/teamwork/installedApps");
    let second = installs::sync(&w.ctx(), &w.app, &opts, &|_| {}, &CancellationToken::new())
        .await
        .expect("resume");
    assert!(second.resumed);
    assert_eq!(second.status, "completed");
    assert!(
        reads_before < second.targets,
        "{reads_before} of {}",
        second.targets
    );
    let reads = w.route("GET /users/{id}/teamwork/installedApps");
    let m = w.sim.metrics();
    assert_eq!(
        reads, second.targets,
        "each (enabled) user read once across both runs ({} throttled, {} retried in the first run, {} in the second)",
        m.throttled_429, first.retries, second.retries
    );
    let coverage = installs::coverage(&w.store.lock().expect("lock"), &w.app.id).expect("coverage");
    assert_eq!(coverage[0].installed, 5);
    assert_eq!(coverage[0].unknown, 0);
}

#[tokio::test]
async fn after_a_cancelled_sync_the_cache_still_answers_with_its_completed_age() {
    let w = World::new(demo()).await;
    let full = w.sync().await;
    assert_eq!(full.status, "completed");
    let before = w.rows(InventoryQuery::default()).total;
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let partial = installs::sync(
        &w.ctx(),
        &w.app,
        &SyncOptions {
            kinds: vec![TargetKind::Team],
            channels: false,
            fresh: true,
        },
        &move |p: &RunProgress| {
            if p.done >= 5 {
                stop.cancel();
            }
        },
        &cancel,
    )
    .await
    .expect("partial");
    assert_eq!(partial.status, "cancelled");
    // Nothing of the cache was dropped by the sync that stopped half-way.
    assert_eq!(w.rows(InventoryQuery::default()).total, before);
    let store = w.store.lock().expect("lock");
    let latest = installs::last_sync(&store, Some(&w.app.id))
        .expect("latest")
        .expect("some");
    assert_eq!(latest.status, "cancelled");
    assert_eq!(latest.kinds, vec![TargetKind::Team]);
    let completed = installs::last_completed_sync(&store, &w.app.id)
        .expect("completed")
        .expect("some");
    assert_eq!(completed.status, "completed");
    assert_eq!(completed.kinds, TargetKind::ALL.to_vec());
    assert!(completed.finished_at.is_some());
}

fn teams_only(fresh: bool) -> SyncOptions {
    SyncOptions {
        kinds: vec![TargetKind::Team],
        channels: true,
        fresh,
    }
}

async fn sync_teams(
    w: &World,
    fresh: bool,
) -> Result<installs::SyncReport, installs::InstallsError> {
    installs::sync(
        &w.ctx(),
        &w.app,
        &teams_only(fresh),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
}

#[tokio::test]
async fn a_failed_channel_read_is_recorded_on_its_team_and_facts_are_reread_only_when_needed() {
    let mut w = World::new(demo()).await;
    // One answer per request: the channel reads fail for good.
    w.executor.max_attempts = 1;
    w.sim.set_faults(vec![FaultRule {
        route: "/v1.0/teams/*/channels".into(),
        rate_500: 1.0,
        ..Default::default()
    }]);
    let report = sync_teams(&w, true).await.expect("sync");
    assert_eq!(report.status, "completed");
    assert!(
        report
            .warnings
            .iter()
            .any(|m| m.contains("channel facts could not be read")),
        "{:?}",
        report.warnings
    );
    let team = w.team("Payments Team");
    let why = team
        .channels_error
        .clone()
        .expect("the failure is recorded on the team");
    assert!(why.contains("500") && why.contains("request-id"), "{why}");
    // The installation itself was read.
    assert_ne!(team.state, InstallState::Unknown);

    // Graph is fine again: the next regular sync re-reads the facts that failed.
    w.sim.set_faults(Vec::new());
    w.sim.reset_metrics();
    let report = sync_teams(&w, false).await.expect("sync");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let teams = report.targets;
    assert_eq!(w.sim.metrics().sub_requests, 2 * teams);
    let team = w.team("Payments Team");
    assert_eq!(team.channels_error, None);
    assert!(team.general_channel.is_some() && team.channels_checked_at.is_some());

    // Facts younger than the set age are not read again; a full resync reads them all.
    w.sim.reset_metrics();
    sync_teams(&w, false).await.expect("sync");
    assert_eq!(w.sim.metrics().sub_requests, teams);
    assert!(
        w.team("Payments Team").general_channel.is_some(),
        "kept, not erased"
    );
    w.sim.reset_metrics();
    sync_teams(&w, true).await.expect("sync");
    assert_eq!(w.sim.metrics().sub_requests, 2 * teams);
}

#[tokio::test]
async fn a_kind_that_cannot_be_listed_lets_the_others_finish_and_says_why() {
    // Signed in without any chat permission (before any sign-in consented one): listing
    // chats answers 403.
    let sim = support::start_sim(demo()).await;
    let no_chats = token_without(&sim, "Chat.").await;
    let graph = support::graph(&sim);
    let executor = Executor::for_client(graph.clone());
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    let app = catalog::find(&graph, &no_chats, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("demo bot");
    let w = World {
        sim,
        token: no_chats.clone(),
        graph,
        executor,
        store: Mutex::new(store),
        _dir: dir,
        app,
    };
    let ctx = SyncContext {
        graph: &w.graph,
        tokens: &no_chats,
        store: &w.store,
        executor: &w.executor,
    };
    let report = installs::sync(
        &ctx,
        &w.app,
        &SyncOptions {
            kinds: vec![TargetKind::Chat, TargetKind::Team],
            channels: false,
            fresh: true,
        },
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("one kind failing does not fail the sync");
    assert_eq!(report.status, "completed");
    let warning = report
        .warnings
        .iter()
        .find(|m| m.starts_with("chats were not synced"))
        .unwrap_or_else(|| panic!("{:?}", report.warnings));
    assert!(
        warning.contains("403") && warning.contains("request-id"),
        "{warning}"
    );
    assert!(
        w.team("Payments Team").checked_at.is_some(),
        "teams were read"
    );
    let sync = installs::last_sync(&w.store.lock().expect("lock"), Some(&w.app.id))
        .expect("sync info")
        .expect("a sync");
    assert_eq!(sync.status, "completed");
}

#[tokio::test]
async fn an_aborted_sync_does_not_stay_running() {
    let w = World::new(demo()).await;
    // A token source that fails: the sync stops with an error.
    struct NoToken;
    impl botdeck_graph::TokenSource for NoToken {
        fn token(&self) -> botdeck_graph::TokenFuture<'_> {
            Box::pin(async { Err(botdeck_graph::TokenError::new("signed out", false)) })
        }
    }
    let ctx = SyncContext {
        graph: &w.graph,
        tokens: &NoToken,
        store: &w.store,
        executor: &w.executor,
    };
    let result = installs::sync(
        &ctx,
        &w.app,
        &teams_only(true),
        &|_| {},
        &CancellationToken::new(),
    )
    .await;
    assert!(result.is_err());
    let sync = installs::last_sync(&w.store.lock().expect("lock"), Some(&w.app.id))
        .expect("sync info")
        .expect("a sync");
    assert_eq!(sync.status, "failed");
    // A sync whose process died (no heartbeat for long) reads as interrupted, not running.
    {
        let store = w.store.lock().expect("lock");
        store
            .connection()
            .execute(
                "UPDATE inventory_sync SET status = 'running', heartbeat_at = '2020-01-01T00:00:00+00:00'",
                [],
            )
            .expect("update");
    }
    let sync = installs::last_sync(&w.store.lock().expect("lock"), Some(&w.app.id))
        .expect("sync info")
        .expect("a sync");
    assert_eq!(sync.status, "interrupted");
    // And the next sync resumes it and completes.
    assert_eq!(w.sync().await.status, "completed");
}

#[tokio::test]
async fn after_a_429_on_a_whole_batch_nothing_on_its_limits_goes_before_retry_after() {
    let mut w = World::new(SimConfig {
        size: TenantSize::Demo,
        faults: vec![FaultRule {
            route: "/v1.0/$batch".into(),
            method: Some("POST".into()),
            rate_429: 0.5,
            retry_after_secs: 0.5,
            ..Default::default()
        }],
        ..SimConfig::default()
    })
    .await;
    // One batch on the wire at a time: a batch already sent when the 429 arrives could not
    // have known (Graph counts it, but no client can avoid it).
    w.executor.max_in_flight = 1;
    let report = installs::sync(
        &w.ctx(),
        &w.app,
        &teams_only(true),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("sync");
    let m = w.sim.metrics();
    assert!(
        m.faults_injected.get("429").copied().unwrap_or(0) > 0,
        "the rule fired"
    );
    assert_eq!(m.early_retries, 0, "nothing was sent inside a Retry-After");
    assert_eq!(report.status, "completed");
    let coverage = installs::coverage(&w.store.lock().expect("lock"), &w.app.id).expect("coverage");
    assert_eq!(coverage[0].unknown, 0, "{coverage:?}");
}

#[tokio::test]
async fn a_single_call_waits_out_a_decimal_retry_after_and_is_never_early() {
    let w = World::new(demo()).await;
    w.sim.set_faults(vec![FaultRule {
        route: "/v1.0/appCatalogs/teamsApps".into(),
        rate_429: 1.0,
        retry_after_secs: 0.3,
        ..Default::default()
    }]);
    w.sim.reset_metrics();
    let sim = &w.sim;
    let clear = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        sim.set_faults(Vec::new());
    };
    let (found, ()) = tokio::join!(
        catalog::find(&w.graph, &w.token, DEMO_BOT_MANIFEST_ID),
        clear
    );
    found.expect("the catalog read succeeds after the throttling ends");
    let m = sim.metrics();
    assert!(m.faults_injected.get("429").copied().unwrap_or(0) >= 2);
    assert_eq!(m.early_retries, 0);
}

#[tokio::test]
async fn keyset_pages_walk_the_same_rows_as_one_big_page() {
    let w = World::new(demo()).await;
    w.sync().await;
    let all: Vec<String> = w
        .rows(InventoryQuery::default())
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(all.len() > 20);
    let store = w.store.lock().expect("lock");
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = installs::query(
            &store,
            &w.app.id,
            &InventoryQuery {
                limit: 7,
                after: after.clone(),
                ..Default::default()
            },
        )
        .expect("page");
        assert!(page.rows.len() <= 7);
        walked.extend(page.rows.into_iter().map(|r| r.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(walked, all);
    let both = InventoryQuery {
        offset: 3,
        after: Some(installs::InventoryCursor {
            kind: TargetKind::Team,
            display_name: "A".into(),
            id: "x".into(),
        }),
        ..Default::default()
    };
    assert!(
        installs::query(&store, &w.app.id, &both).is_err(),
        "a cursor and an offset at once are refused"
    );
}

#[tokio::test]
async fn the_cache_sorts_by_the_column_asked_for_and_refuses_a_version_that_is_not_one() {
    let w = World::new(demo()).await;
    w.sync().await;
    let store = w.store.lock().expect("lock");
    let names = |sort, descending| -> Vec<String> {
        installs::query(
            &store,
            &w.app.id,
            &InventoryQuery {
                kind: Some(TargetKind::Team),
                sort: Some(sort),
                descending,
                limit: 1000,
                ..Default::default()
            },
        )
        .expect("query")
        .rows
        .into_iter()
        .map(|r| r.display_name.to_lowercase())
        .collect()
    };
    let up = names(InventorySort::Name, false);
    let mut sorted = up.clone();
    sorted.sort();
    assert_eq!(up, sorted);
    let mut down = names(InventorySort::Name, true);
    down.reverse();
    assert_eq!(down, up);
    // Newest version first; rows without a version (not installed) last.
    let by_version = installs::query(
        &store,
        &w.app.id,
        &InventoryQuery {
            sort: Some(InventorySort::Version),
            descending: true,
            limit: 1000,
            ..Default::default()
        },
    )
    .expect("query")
    .rows;
    let keys: Vec<Option<i64>> = by_version
        .iter()
        .map(|r| r.version.as_deref().map(catalog::version_key))
        .collect();
    let first_none = keys.iter().position(Option::is_none).unwrap_or(keys.len());
    assert!(keys[first_none..].iter().all(Option::is_none), "{keys:?}");
    assert!(
        keys[..first_none].windows(2).all(|k| k[0] >= k[1]),
        "{keys:?}"
    );
    let err = installs::query(
        &store,
        &w.app.id,
        &InventoryQuery {
            older_than: Some("abc".into()),
            ..Default::default()
        },
    )
    .expect_err("abc is not a version");
    assert!(
        err.to_string().contains("\"abc\" is not a version"),
        "{err}"
    );
}
