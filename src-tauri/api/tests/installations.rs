//! The installations operations as both front-ends get them: against tenant-sim on loopback,
//! a real SQLite data folder in a temp dir and, for everything signed in, the real OS keyring
//! (those tests are `#[ignore]`d: `scripts/with-keyring.sh cargo test -p botdeck-api --test
//! installations -- --include-ignored`).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use botdeck_api::error::ErrorCode;
use botdeck_api::installations::{self, DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS};
use botdeck_api::{Context, OpenOptions, RunProgress};
use botdeck_core::auth::{Feature, Sleeper};
use botdeck_core::config::{Cloud, DataPaths};
use botdeck_core::installs::ipc::{InstallsBulkRequest, InstallsSyncRequest};
use botdeck_core::installs::{
    BulkAction, InstallState, InventoryQuery, SavedPlan, Selection, TargetKind,
};
use botdeck_core::profiles::{NewTenantProfile, TenantProfile, TenantProfiles};
use tenant_sim::{
    FaultRule, RunningSim, SimConfig, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID,
    DEMO_BOT_MANIFEST_ID,
};
use tokio_util::sync::CancellationToken;

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

fn quiet(_: &RunProgress) {}

async fn sim_with(config: SimConfig) -> RunningSim {
    tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        ..config
    })
    .await
    .expect("tenant-sim starts")
}

fn context(dir: &tempfile::TempDir) -> Context {
    Context::open(DataPaths::under(dir.path()), OpenOptions::command_line())
}

/// A profile for the sim signed in (device code, auto-approved) for each of `features`,
/// tokens in the OS keyring, made the current profile.
async fn signed_in(cx: &Context, sim: &RunningSim, features: &[Feature]) -> TenantProfile {
    let created = TenantProfiles::new(&cx.store().expect("store"))
        .create(
            &NewTenantProfile {
                name: "T".into(),
                tenant: sim.tenant_id(),
                cloud: Cloud::Custom {
                    authority_host: sim.authority_host(),
                    graph_base_url: sim.graph_base_url(),
                },
                client_id: BOTDECK_PUBLIC_CLIENT_ID.into(),
            },
            false,
        )
        .expect("profile");
    let auth = cx.authenticator().expect("keyring backend");
    for feature in features {
        let profile = cx.profile(Some(&created.id)).expect("profile");
        let grant = auth
            .start_device_code(&profile, *feature)
            .await
            .expect("device code");
        let (signed, _) = auth
            .finish_device_code(&profile, &grant, &CancellationToken::new(), &NoWait)
            .await
            .expect("auto-approved sign-in");
        botdeck_core::auth::record_sign_in(&cx.store().expect("store"), &created.id, &signed)
            .expect("recorded");
    }
    cx.profile(Some(&created.id)).expect("profile")
}

fn sync_request(kinds: &[TargetKind]) -> InstallsSyncRequest {
    InstallsSyncRequest {
        app: DEMO_BOT_MANIFEST_ID.into(),
        kinds: Some(kinds.to_vec()),
        channels: None,
        fresh: false,
        on_progress: None,
    }
}

fn install_not_installed_teams() -> InstallsBulkRequest {
    InstallsBulkRequest {
        app: DEMO_BOT_MANIFEST_ID.into(),
        action: BulkAction::Install,
        selection: Selection {
            filter: Some(InventoryQuery {
                kind: Some(TargetKind::Team),
                state: Some(InstallState::NotInstalled),
                ..Default::default()
            }),
            ids: vec![],
        },
    }
}

fn installs_posted(sim: &RunningSim) -> u64 {
    sim.metrics()
        .requests_per_route
        .get("POST /teams/{id}/installedApps")
        .copied()
        .unwrap_or(0)
}

// ---- Page size: one rule for both front-ends (no sign-in, no network) ----

#[test]
fn a_page_holds_at_most_1000_rows_and_0_asks_for_the_default_page() {
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    let page = |limit: u32| {
        installations::query(
            &cx,
            "cat-1",
            &InventoryQuery {
                limit,
                ..Default::default()
            },
        )
    };
    for limit in [MAX_PAGE_ROWS + 1, 10_000, u32::MAX] {
        let err = page(limit).expect_err("refused");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{limit}: {err:?}");
        assert!(err.message.contains("at most 1000 rows"), "{}", err.message);
    }
    for limit in [1, MAX_PAGE_ROWS] {
        let ok = page(limit).expect("a page of an empty cache");
        assert_eq!(ok.limit, limit);
        assert!(ok.rows.is_empty());
    }
    // 0 is what an IPC query without a limit carries: the default page, not 0 rows.
    assert_eq!(page(0).expect("default page").limit, DEFAULT_PAGE_ROWS);
    // The command line names its flag with the same rule.
    let err = installations::check_page_size("--limit", 1001).expect_err("1001");
    assert!(err.message.starts_with("--limit 1001"), "{}", err.message);
}

// ---- Plan ids that cannot run (no sign-in needed to say so) ----

#[test]
fn an_unknown_plan_is_not_found_and_a_malformed_one_invalid_before_any_sign_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // No profile exists at all: reaching sign-in would answer sign_in_required instead.
    let unknown = rt
        .block_on(installations::run(
            &cx,
            None,
            "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
            &quiet,
        ))
        .expect_err("unknown plan");
    assert_eq!(unknown.code, ErrorCode::NotFound, "{unknown:?}");
    assert!(unknown.message.contains("preview"), "{}", unknown.message);
    let malformed = rt
        .block_on(installations::run(&cx, None, "not-a-plan", &quiet))
        .expect_err("malformed");
    assert_eq!(malformed.code, ErrorCode::InvalidInput, "{malformed:?}");
}

// ---- Signed in, against tenant-sim ----

/// The sync (and a preview) asks for the read-tenant permissions only: a profile that consented
/// to nothing more syncs (it would be refused with consent_required if the sync asked for
/// installing, as `botdeck installs sync` did).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn a_sync_and_a_preview_need_only_the_read_tenant_consent() {
    assert_eq!(installations::SYNC_FEATURE, Feature::ReadTenant);
    let sim = sim_with(SimConfig::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    signed_in(&cx, &sim, &[Feature::ReadTenant]).await;
    let result = installations::sync(&cx, None, &sync_request(&[TargetKind::Team]), &quiet)
        .await
        .expect("a read-only sign-in syncs");
    assert_eq!(result.report.status, "completed", "{result:?}");
    assert!(result.report.targets > 0, "{result:?}");
    // A preview reads too; running it is another matter: it asks for the install consent,
    // and nothing is installed.
    let saved = installations::plan(&cx, None, &install_not_installed_teams())
        .await
        .expect("a read-only sign-in previews");
    assert!(!saved.plan.items.is_empty(), "{saved:?}");
    let refused = installations::run(&cx, None, &saved.plan_id, &quiet)
        .await
        .expect_err("no install consent");
    assert_eq!(refused.code, ErrorCode::ConsentRequired, "{refused:?}");
    assert_eq!(installs_posted(&sim), 0);
    sim.shutdown().await;
}

/// Tokens that expire within the run: a sync spanning several of them completes, because each
/// request batch asks the signed-in tenant for a token, which is fresh once the last expired.
/// One token for the whole run (what `botdeck installs sync` did) gets 401 once it expires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn a_sync_longer_than_its_first_token_takes_fresh_ones() {
    let sim = sim_with(SimConfig {
        // Shorter than the authenticator's refresh margin: every ask gets a new token.
        access_token_lifetime_secs: 3,
        // Each batch and the team listing answer after 1.5 s, well within a token's life (2 to
        // 3 s, the sim counts whole seconds). The reads of a listed page go out while the
        // listing goes on, so the listing's own wait is what makes the run outlive its first
        // token: listing, then the page's batches, each with a token asked for when it is sent.
        faults: vec![
            FaultRule {
                route: "/v1.0/$batch".into(),
                latency_ms: 1500,
                ..Default::default()
            },
            FaultRule {
                route: "/v1.0/teams".into(),
                latency_ms: 1500,
                ..Default::default()
            },
        ],
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    signed_in(&cx, &sim, &[Feature::ReadTenant]).await;
    let started = std::time::Instant::now();
    let result = installations::sync(&cx, None, &sync_request(&[TargetKind::Team]), &quiet)
        .await
        .expect("sync");
    assert!(
        started.elapsed() > Duration::from_secs(3),
        "the run must outlive the first token to test anything ({:?})",
        started.elapsed()
    );
    assert_eq!(result.report.status, "completed", "{result:?}");
    let metrics = sim.metrics();
    assert_eq!(
        metrics.status_counts.get(&401),
        None,
        "no request went out with an expired token: {:?}",
        metrics.status_counts
    );
    sim.shutdown().await;
}

/// Plans once, runs by id: the run does what the preview showed, its audit rows carry the
/// signed-in admin and profile, and the same plan does not run twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn a_plan_runs_by_its_id_and_the_audit_names_the_signed_in_admin() {
    let sim = sim_with(SimConfig::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    let profile = signed_in(&cx, &sim, &[Feature::Install]).await;
    installations::sync(&cx, None, &sync_request(&[TargetKind::Team]), &quiet)
        .await
        .expect("sync");
    let saved: SavedPlan = installations::plan(&cx, None, &install_not_installed_teams())
        .await
        .expect("plan");
    assert!(!saved.plan.items.is_empty(), "{saved:?}");
    assert_eq!(
        installs_posted(&sim),
        0,
        "a preview changes nothing in the tenant"
    );
    let summary = installations::run(&cx, None, &saved.plan_id, &quiet)
        .await
        .expect("run");
    assert_eq!(summary.total, saved.plan.items.len() as u64, "{summary:?}");
    assert_eq!(summary.pending, 0, "{summary:?}");
    let items = installations::run_items(&cx, &summary.run_id, None).expect("items");
    let mut ran: Vec<_> = items.iter().map(|i| i.target_id.clone()).collect();
    let mut previewed: Vec<_> = saved
        .plan
        .items
        .iter()
        .map(|i| i.target_id.clone())
        .collect();
    ran.sort();
    previewed.sort();
    assert_eq!(ran, previewed, "what ran is what was previewed");

    let audit: Vec<(String, Option<String>)> = {
        let store = cx.store().expect("store");
        let mut stmt = store
            .connection()
            .prepare("SELECT actor, profile_id FROM audit_log WHERE run_id = ?1")
            .expect("query");
        let rows = stmt
            .query_map([&summary.run_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows");
        rows.collect::<Result<_, _>>().expect("audit rows")
    };
    assert_eq!(audit.len(), items.len(), "one audit row per item");
    for (actor, profile_id) in &audit {
        assert_eq!(actor, &sim.admin_upn());
        assert_eq!(profile_id.as_deref(), Some(profile.id.as_str()));
    }

    let again = installations::run(&cx, None, &saved.plan_id, &quiet)
        .await
        .expect_err("a plan runs once");
    assert_eq!(again.code, ErrorCode::Conflict, "{again:?}");
    assert!(again.message.contains(&summary.run_id), "{}", again.message);
    sim.shutdown().await;
}

/// A version published between the preview and the run: the run is refused with both versions
/// named, and nothing is installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn a_run_is_refused_when_a_new_version_was_published_since_the_preview() {
    let sim = sim_with(SimConfig::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    let profile = signed_in(&cx, &sim, &[Feature::Install, Feature::Publish]).await;
    installations::sync(&cx, None, &sync_request(&[TargetKind::Team]), &quiet)
        .await
        .expect("sync");
    let saved = installations::plan(&cx, None, &install_not_installed_teams())
        .await
        .expect("plan");
    let previewed = saved
        .plan
        .target_version
        .clone()
        .expect("a published version");

    // Someone publishes 1.0.3 (here through core, as the catalog would).
    let mut pkg = botdeck_core::package::new_bot_app(&botdeck_core::package::NewBotAppOptions {
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
    pkg.manifest.version = "1.0.3".into();
    let token = cx
        .access_token(&profile, Feature::Publish)
        .await
        .expect("publish token");
    let graph = botdeck_core::auth::graph_of(cx.http(), &profile);
    let actor = botdeck_api::tenant::actor_of(&profile);
    botdeck_core::catalog::update(
        &graph,
        &token,
        botdeck_core::audit::Audit {
            store: cx.store_mutex().expect("store"),
            actor: &actor,
        },
        &saved.plan.app_id,
        pkg.build_zip().expect("zip"),
        botdeck_core::catalog::PublishOptions::default(),
    )
    .await
    .expect("1.0.3 published");

    let refused = installations::run(&cx, None, &saved.plan_id, &quiet)
        .await
        .expect_err("changed since the preview");
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused:?}");
    assert!(
        refused.message.contains(&format!("{previewed} → 1.0.3")),
        "{}",
        refused.message
    );
    assert_eq!(installs_posted(&sim), 0, "nothing installed");
    assert!(installations::runs(&cx).expect("runs").is_empty());
    // Previewing again shows the new version, and that plan runs.
    let fresh = installations::plan(&cx, None, &install_not_installed_teams())
        .await
        .expect("plan again");
    assert_eq!(fresh.plan.target_version.as_deref(), Some("1.0.3"));
    installations::run(&cx, None, &fresh.plan_id, &quiet)
        .await
        .expect("the new preview runs");
    sim.shutdown().await;
}

/// Targets that changed between the preview and the run (the bot was removed from a team and a
/// sync saw it): refused with how many were added, nothing installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn a_run_is_refused_when_the_targets_changed_since_the_preview() {
    let sim = sim_with(SimConfig::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    signed_in(&cx, &sim, &[Feature::Install]).await;
    let synced = installations::sync(&cx, None, &sync_request(&[TargetKind::Team]), &quiet)
        .await
        .expect("sync");
    let saved = installations::plan(&cx, None, &install_not_installed_teams())
        .await
        .expect("plan");
    // A team that has the bot now loses it: it becomes one more target of the same selection.
    let installed = installations::query(
        &cx,
        &synced.app_id,
        &InventoryQuery {
            kind: Some(TargetKind::Team),
            state: Some(InstallState::Installed),
            limit: 10,
            ..Default::default()
        },
    )
    .expect("installed teams");
    let team = installed.rows.first().expect("a team with the bot");
    sim.change(tenant_sim::Change::RemoveApp {
        kind: "team".into(),
        target: team.id.clone(),
        app: synced.app_id.to_string(),
    })
    .expect("removed in the tenant");
    installations::sync(&cx, None, &sync_request(&[TargetKind::Team]), &quiet)
        .await
        .expect("sync again");

    let refused = installations::run(&cx, None, &saved.plan_id, &quiet)
        .await
        .expect_err("targets changed");
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused:?}");
    assert!(
        refused.message.contains("1 target(s) added"),
        "{}",
        refused.message
    );
    assert_eq!(installs_posted(&sim), 0, "nothing installed");
    sim.shutdown().await;
}
