//! A Graph that never answers (tenant-sim's `/_sim/hang`): every request is given up after the
//! client's timeout with a message that names the host and what to check, and a long run keeps
//! going item by item instead of waiting forever or aborting.
//!
//! The timeout here is half a second (`GraphClient::with_timeout`), so the tests do not wait a
//! minute per attempt; production uses `graph::REQUEST_TIMEOUT` or `BOTDECK_GRAPH_TIMEOUT_SECS`.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use botdeck_core::auth::Feature;
use botdeck_core::catalog::{self, Actor};
use botdeck_core::installs::{
    self, BulkAction, InstallState, InventoryQuery, ItemState, Selection, SyncContext, SyncOptions,
    TargetKind,
};
use botdeck_core::store::Store;
use botdeck_graph::Executor;
use botdeck_graph::{GraphClient, GraphError};
use botdeck_graph::{Pacer, RouteLimits};
use tenant_sim::{HangRule, RunningSim, SimConfig, TenantSize, DEMO_BOT_MANIFEST_ID};
use tokio_util::sync::CancellationToken;

const TIMEOUT: Duration = Duration::from_millis(500);

/// A guard so a regression (no timeout at all) fails the test instead of hanging the suite.
const NEVER_LONGER_THAN: Duration = Duration::from_secs(240);

fn hung(sim: &RunningSim) -> u64 {
    sim.metrics()
        .faults_injected
        .get("hang")
        .copied()
        .unwrap_or(0)
}

fn timed_client(sim: &RunningSim) -> GraphClient {
    support::graph(sim).with_timeout(TIMEOUT)
}

#[tokio::test]
async fn a_route_that_never_answers_is_given_up_naming_the_host_and_what_to_check() {
    let sim = support::start_sim(SimConfig {
        size: TenantSize::Tiny,
        ..SimConfig::default()
    })
    .await;
    let token = support::admin_token(&sim, &[Feature::ReadTenant]).await;
    let graph = timed_client(&sim);
    sim.set_hangs(vec![HangRule {
        route: "/v1.0/organization".into(),
        ..HangRule::default()
    }]);

    let err = tokio::time::timeout(NEVER_LONGER_THAN, graph.get_json(&token, "organization"))
        .await
        .expect("the client gives up by itself")
        .expect_err("nothing ever answered");
    // Offline, not a Graph refusal: the edge makes it `offline`, retryable.
    assert!(matches!(err, GraphError::Offline { .. }), "{err:?}");
    let message = err.to_string();
    for needle in [
        "127.0.0.1",
        "no answer within 0.5 s",
        "Check the network connection, any proxy or VPN",
    ] {
        assert!(message.contains(needle), "{needle:?} in {:?}", message);
    }
    assert!(
        !message.contains("error sending request"),
        "reqwest's own words say nothing to an admin: {:?}",
        message
    );
    // A read is safe to ask again, so it was: each attempt hung and was given up in turn.
    let attempts = hung(&sim);
    assert!(
        (2..=u64::from(botdeck_graph::MAX_ATTEMPTS)).contains(&attempts),
        "{attempts} attempts"
    );

    // The other routes still answer on the same client: only the silent one failed.
    let me = graph.get_json(&token, "me").await.expect("me answers");
    assert!(me["userPrincipalName"].is_string(), "{me}");

    // Once the route answers again, so does the call.
    sim.set_hangs(Vec::new());
    graph
        .get_json(&token, "organization")
        .await
        .expect("answers again");
}

#[tokio::test]
async fn the_timeout_can_be_set_for_a_slow_network() {
    // The variable is read when a client is made; an unusable value keeps the default.
    std::env::set_var(botdeck_graph::ENV_REQUEST_TIMEOUT, "2.5");
    assert_eq!(
        botdeck_graph::request_timeout(),
        Duration::from_millis(2500)
    );
    for bad in ["0", "-1", "abc", "601", "NaN", ""] {
        std::env::set_var(botdeck_graph::ENV_REQUEST_TIMEOUT, bad);
        assert_eq!(
            botdeck_graph::request_timeout(),
            botdeck_graph::REQUEST_TIMEOUT,
            "{bad:?}"
        );
    }
    std::env::remove_var(botdeck_graph::ENV_REQUEST_TIMEOUT);
    assert_eq!(
        botdeck_graph::request_timeout(),
        botdeck_graph::REQUEST_TIMEOUT
    );
}

struct World {
    sim: RunningSim,
    token: botdeck_core::secrets::Sensitive<String>,
    graph: GraphClient,
    executor: Executor,
    store: Mutex<Store>,
    _dir: tempfile::TempDir,
    app: catalog::CatalogApp,
}

impl World {
    async fn new() -> Self {
        let sim = support::start_sim(SimConfig {
            size: TenantSize::Demo,
            ..SimConfig::default()
        })
        .await;
        let token = support::admin_token(&sim, &[Feature::ReadTenant, Feature::Install]).await;
        let graph =
            timed_client(&sim).with_pacing(Arc::new(Pacer::new()), RouteLimits::scaled(1.0));
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
}

/// The bulk run's installs go out in `$batch` requests; while the network swallows some of them
/// the run neither stops nor waits forever: what was swallowed is asked again, each item is
/// settled and reported on its own, and nothing is lost or installed twice.
#[tokio::test]
async fn a_long_run_keeps_going_item_by_item_while_requests_go_unanswered() {
    let w = World::new().await;
    installs::sync(
        &w.ctx(),
        &w.app,
        &SyncOptions::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("sync");
    let selection = Selection {
        filter: Some(InventoryQuery {
            kind: Some(TargetKind::Team),
            state: Some(InstallState::NotInstalled),
            ..Default::default()
        }),
        ids: vec![],
    };
    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &w.app,
        BulkAction::Install,
        &selection,
    )
    .expect("plan");
    assert!(plan.items.len() > 10, "{} targets", plan.items.len());
    let actor = Actor {
        profile_id: None,
        tenant_id: Some(w.sim.tenant_id()),
        upn: w.sim.admin_upn(),
    };
    let run_id = installs::create_run(&w.store, &plan, &actor).expect("run");

    // The first two install batches are swallowed whole; later ones are answered.
    w.sim.set_hangs(vec![HangRule {
        route: "/v1.0/teams/*/installedApps".into(),
        method: Some("POST".into()),
        times: Some(2),
    }]);
    w.sim.reset_metrics();
    let answered = Arc::new(Mutex::new(Vec::<u64>::new()));
    let seen = answered.clone();
    let progress = move |p: &installs::RunProgress| {
        seen.lock().expect("lock").push(p.done);
    };
    let summary = tokio::time::timeout(
        NEVER_LONGER_THAN,
        installs::execute_run(&w.ctx(), &run_id, &progress, &CancellationToken::new()),
    )
    .await
    .expect("the run finishes by itself")
    .expect("execute");

    assert_eq!(hung(&w.sim), 2, "two batches went unanswered");
    assert_eq!(summary.status, "completed", "{summary:?}");
    assert_eq!(
        summary.succeeded + summary.already_done,
        plan.items.len() as u64,
        "every item settled in the end: {summary:?}"
    );
    assert_eq!((summary.failed, summary.pending), (0, 0), "{summary:?}");
    let items = installs::run_items(&w.store.lock().expect("lock"), &run_id, None).expect("items");
    assert!(items
        .iter()
        .all(|i| matches!(i.state, ItemState::Succeeded | ItemState::AlreadyDone)));
    // Swallowed items were sent again, so some took more than one attempt.
    assert!(items.iter().any(|i| i.attempts > 1), "{items:?}");
    // Progress came per item, not once at the end.
    let answered = answered.lock().expect("lock").clone();
    let distinct: std::collections::BTreeSet<u64> = answered.iter().copied().collect();
    assert!(distinct.len() > 2, "{answered:?}");
}

/// One team whose install never gets an answer: the run finishes without it, that item fails
/// with the timeout's message (host and what to check), and the other items are installed.
#[tokio::test]
async fn an_item_that_never_gets_an_answer_fails_alone_with_the_reason() {
    let mut w = World::new().await;
    // Fewer attempts than the default 12, so giving up takes seconds, not minutes.
    w.executor.max_attempts = 4;
    installs::sync(
        &w.ctx(),
        &w.app,
        &SyncOptions::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("sync");
    let targets: Vec<installs::InventoryRow> = installs::query(
        &w.store.lock().expect("lock"),
        &w.app.id,
        &InventoryQuery {
            kind: Some(TargetKind::Team),
            state: Some(InstallState::NotInstalled),
            limit: 1000,
            ..Default::default()
        },
    )
    .expect("query")
    .rows;
    assert!(targets.len() > 10, "{} targets", targets.len());
    let silent = targets[0].id.clone();
    let plan = installs::plan(
        &w.store.lock().expect("lock"),
        &w.app,
        BulkAction::Install,
        &Selection {
            filter: None,
            ids: targets
                .iter()
                .map(|t| installs::TargetRef {
                    kind: TargetKind::Team,
                    id: t.id.clone(),
                })
                .collect(),
        },
    )
    .expect("plan");
    let actor = Actor {
        profile_id: None,
        tenant_id: Some(w.sim.tenant_id()),
        upn: w.sim.admin_upn(),
    };
    let run_id = installs::create_run(&w.store, &plan, &actor).expect("run");
    w.sim.set_hangs(vec![HangRule {
        route: format!("/v1.0/teams/{silent}/installedApps"),
        method: Some("POST".into()),
        times: None,
    }]);
    let summary = tokio::time::timeout(
        NEVER_LONGER_THAN,
        installs::execute_run(&w.ctx(), &run_id, &|_| {}, &CancellationToken::new()),
    )
    .await
    .expect("the run finishes by itself")
    .expect("execute");
    assert_eq!(summary.status, "completed", "{summary:?}");
    assert_eq!(summary.pending, 0, "{summary:?}");
    let items = installs::run_items(&w.store.lock().expect("lock"), &run_id, None).expect("items");
    let stuck = items
        .iter()
        .find(|i| i.target_id == silent)
        .expect("the silent team's item");
    assert_eq!(stuck.state, ItemState::Failed, "{stuck:?}");
    let message = stuck.message.clone().unwrap_or_default();
    assert!(
        message.contains("127.0.0.1") && message.contains("Check the network connection"),
        "{message:?}"
    );
    let installed = items
        .iter()
        .filter(|i| matches!(i.state, ItemState::Succeeded | ItemState::AlreadyDone))
        .count();
    println!(
        "{installed} of {} installed, {} failed beside the silent team",
        items.len(),
        summary.failed - 1
    );
    assert!(
        installed * 2 > items.len(),
        "most items are installed regardless: {installed} of {}",
        items.len()
    );
}
