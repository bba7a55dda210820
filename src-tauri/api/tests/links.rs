//! The links operations as both front-ends call them: a real data folder, tenant-sim on
//! loopback, no Tauri and no clap. Tests that sign in keep tokens in the OS keyring and run
//! under `scripts/with-keyring.sh cargo test -p botdeck-api --test links -- --include-ignored`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use botdeck_api::links;
use botdeck_api::{Context, ErrorCode, JobKind, OpenOptions, Phase, RunProgress};
use botdeck_core::audit;
use botdeck_core::auth::{self, Feature, Sleeper};
use botdeck_core::config::{Cloud, DataPaths};
use botdeck_core::links::ipc::{
    LinksAddRequest, LinksConfirmRequest, LinksExportRequest, LinksFixRequest, LinksIdsRequest,
    LinksImportRequest, LinksReachRequest,
};
use botdeck_core::links::transfer::LinkFileFormat;
use botdeck_core::links::{
    LinkFilter, LinkProblem, LinkState, LinkTargetInput, LinkTargetKind, SeedLink,
};
use botdeck_core::profiles::{NewTenantProfile, TenantProfile, TenantProfiles};
use serde_json::Value;
use tenant_sim::conversations::DemoLink;
use tenant_sim::{Change, RunningSim, SimConfig, BOTDECK_PUBLIC_CLIENT_ID};
use tokio_util::sync::CancellationToken;

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

struct World {
    sim: RunningSim,
    cx: Context,
    profile: TenantProfile,
    dir: tempfile::TempDir,
}

impl World {
    /// A data folder with a current profile pointed at a fresh tenant-sim; nobody signed in.
    async fn new() -> World {
        let sim = tenant_sim::start(SimConfig {
            auto_approve_device_code: true,
            throttling: false,
            empty_page_rate: 0.0,
            ..SimConfig::default()
        })
        .await
        .expect("tenant-sim starts");
        let dir = tempfile::tempdir().expect("tmp");
        let (cx, profile) = open_with_profile(&sim, &dir);
        World {
            sim,
            cx,
            profile,
            dir,
        }
    }

    /// Signs in to the sim for `feature` (device code, auto-approved): tokens in the keyring,
    /// the identity recorded on the profile, as the window's and the CLI's sign-in do.
    async fn sign_in(&mut self, feature: Feature) {
        let auth = self.cx.authenticator().expect("keyring backend");
        let grant = auth
            .start_device_code(&self.profile, feature)
            .await
            .expect("device code");
        let (signed_in, _) = auth
            .finish_device_code(&self.profile, &grant, &CancellationToken::new(), &NoWait)
            .await
            .expect("auto-approved");
        self.profile = auth::record_sign_in(
            &self.cx.store().expect("store"),
            &self.profile.id,
            &signed_in,
        )
        .expect("recorded");
    }

    fn demo(&self, name: &str) -> DemoLink {
        self.sim
            .demo_links()
            .into_iter()
            .find(|d| d.target_name == name)
            .unwrap_or_else(|| panic!("demo link {name}"))
    }
}

fn open_with_profile(sim: &RunningSim, dir: &tempfile::TempDir) -> (Context, TenantProfile) {
    let cx = Context::open(DataPaths::under(dir.path()), OpenOptions::command_line());
    let profile = {
        let store = cx.store().expect("store");
        let profiles = TenantProfiles::new(&store);
        let created = profiles
            .create(
                &NewTenantProfile {
                    name: "Sim".into(),
                    tenant: sim.tenant_id(),
                    cloud: Cloud::custom(&sim.authority_host(), &sim.graph_base_url())
                        .expect("cloud"),
                    client_id: BOTDECK_PUBLIC_CLIENT_ID.into(),
                },
                false,
            )
            .expect("profile");
        profiles.set_current(&created.id).expect("current")
    };
    (cx, profile)
}

fn team_target(team_id: &str) -> LinkTargetInput {
    LinkTargetInput {
        kind: Some(LinkTargetKind::Team),
        team_id: Some(team_id.to_string()),
        ..Default::default()
    }
}

fn add_request(app_id: &str, targets: Vec<LinkTargetInput>) -> LinksAddRequest {
    LinksAddRequest {
        vendor: "flashduty".into(),
        account: String::new(),
        external_id: "fd-int-1001".into(),
        name: "On-call".into(),
        app_id: app_id.into(),
        targets,
        group_id: None,
        dry_run: false,
    }
}

fn no_progress(_: &RunProgress) {}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: run under scripts/with-keyring.sh"]
async fn add_confirm_and_health_on_a_signed_in_tenant() {
    let mut w = World::new().await;
    w.sign_in(Feature::ReadTenant).await;
    let ir = w.demo("Incident Response");
    let team = ir.team_id.clone().expect("team");

    let added = links::add(
        &w.cx,
        None,
        &add_request(&ir.app_id, vec![team_target(&team)]),
    )
    .await
    .expect("added");
    let target = &added.targets[0];
    assert!(target.findings.is_empty(), "{target:?}");
    assert_eq!(
        target.command.as_deref(),
        Some("@FlashDuty linkTeam fd-int-1001")
    );
    let link = target.link.clone().expect("stored");
    assert_eq!(link.state, LinkState::Awaiting);

    let confirmed = links::confirm(
        &w.cx,
        None,
        &LinksConfirmRequest {
            id: link.id.clone(),
            note: Some("seen it reply".into()),
        },
    )
    .expect("confirmed");
    assert_eq!(confirmed.state, LinkState::Linked);

    let seen = Mutex::new(Vec::new());
    let record = |p: &RunProgress| seen.lock().expect("lock").push((p.phase, p.done, p.total));
    let healthy = links::health(&w.cx, None, &LinksIdsRequest::default(), &record)
        .await
        .expect("health");
    assert_eq!(healthy.checked, 1);
    assert!(
        healthy.broken.is_empty() && healthy.errors.is_empty(),
        "{healthy:?}"
    );
    assert_eq!(
        seen.lock().expect("lock").last(),
        Some(&(Phase::CheckingLinks, 1, 1)),
        "the bar reaches its end"
    );

    // The bot is removed in Teams: the next check says so, with the fix.
    w.sim
        .change(Change::RemoveApp {
            kind: "team".into(),
            target: team.clone(),
            app: "FlashDuty".into(),
        })
        .expect("removed");
    let broken = links::health(&w.cx, None, &LinksIdsRequest::default(), &no_progress)
        .await
        .expect("health");
    assert_eq!(broken.broken.len(), 1, "{broken:?}");
    assert_eq!(broken.broken[0].id, link.id);
    assert_eq!(broken.broken[0].state, LinkState::Broken);
    assert_eq!(broken.broken[0].problem, Some(LinkProblem::BotNotInstalled));
    // The lease was given back each time: another job can start now.
    drop(w.cx.begin_job(JobKind::BulkRun).expect("the lease is free"));
}

#[tokio::test(flavor = "multi_thread")]
async fn health_is_refused_busy_while_another_job_holds_the_lease() {
    let w = World::new().await;
    // Another process (a second context on the same data folder) runs a bulk change.
    let other = Context::open(DataPaths::under(w.dir.path()), OpenOptions::command_line());
    let held = other
        .begin_job(JobKind::BulkRun)
        .expect("the other claims it");
    let err = links::health(&w.cx, None, &LinksIdsRequest::default(), &no_progress)
        .await
        .expect_err("busy");
    assert_eq!(err.code, ErrorCode::Busy, "{err:?}");
    assert!(err.retryable);
    assert!(
        err.message.contains("bulk change") && err.message.contains("the botdeck command"),
        "{}",
        err.message
    );
    drop(held);

    // The same window running something else.
    let own = w.cx.begin_job(JobKind::InventorySync).expect("claimed");
    let err = links::health(&w.cx, None, &LinksIdsRequest::default(), &no_progress)
        .await
        .expect_err("busy");
    assert_eq!(err.code, ErrorCode::Busy, "{err:?}");
    drop(own);

    // With the lease free, health gets as far as the sign-in (nobody signed in here).
    let err = links::health(&w.cx, None, &LinksIdsRequest::default(), &no_progress)
        .await
        .expect_err("not signed in");
    assert_ne!(err.code, ErrorCode::Busy, "{err:?}");
    assert_eq!(
        w.sim.metrics().http_round_trips,
        0,
        "a refused check sends nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: run under scripts/with-keyring.sh"]
async fn a_link_change_is_audited_as_the_signed_in_upn() {
    let mut w = World::new().await;
    w.sign_in(Feature::ReadTenant).await;
    let upn = w.sim.admin_upn();
    assert_eq!(
        w.profile.identity.as_ref().map(|i| i.account_upn.as_str()),
        Some(upn.as_str())
    );
    let ir = w.demo("Incident Response");
    let added = links::add(
        &w.cx,
        None,
        &add_request(
            &ir.app_id,
            vec![team_target(&ir.team_id.clone().expect("team"))],
        ),
    )
    .await
    .expect("added");
    let link = added.targets[0].link.clone().expect("stored");
    links::confirm(
        &w.cx,
        None,
        &LinksConfirmRequest {
            id: link.id.clone(),
            note: None,
        },
    )
    .expect("confirmed");

    let log = audit::recent(&w.cx.store().expect("store"), 50).expect("audit");
    let link_rows: Vec<_> = log
        .iter()
        .filter(|r| r.entry.action.starts_with("link."))
        .collect();
    assert!(
        link_rows.len() >= 2,
        "the add and the confirm are audited: {log:?}"
    );
    for row in link_rows {
        assert_eq!(row.entry.actor, upn, "{row:?}");
        assert_eq!(row.entry.profile_id.as_deref(), Some(w.profile.id.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn export_then_import_round_trips_into_another_data_folder() {
    let w = World::new().await;
    let demo = w.sim.demo_links();
    let seeds: Vec<SeedLink> = demo
        .iter()
        .cloned()
        .map(|d| SeedLink {
            vendor: d.vendor,
            app_id: botdeck_core::ids::CatalogAppId::parse(&d.app_id).ok(),
            integration_id: d.integration_id,
            integration_name: d.integration_name,
            kind: d.kind,
            team_id: d.team_id,
            channel_id: d.channel_id,
            chat_id: d.chat_id,
            user_id: d.user_id,
            target_name: d.target_name,
            state: d.state,
            command_at_ms: d.command_at_ms,
        })
        .collect();
    botdeck_core::links::seed_demo(
        &w.cx.store().expect("store"),
        &botdeck_api::tenant::actor_of(&w.profile),
        &seeds,
    )
    .expect("seeded");
    // Only linked links travel as they are (a broken one is re-checked, not imported).
    let linked = LinkFilter {
        state: Some(LinkState::Linked),
        ..Default::default()
    };
    let export = |cx: &Context| {
        links::export(
            cx,
            None,
            &LinksExportRequest {
                format: LinkFileFormat::Json,
                filter: linked.clone(),
            },
        )
        .expect("exported")
    };
    let first = export(&w.cx);
    assert!(first.links > 0, "the demo has linked links");

    let elsewhere = tempfile::tempdir().expect("tmp");
    let (cx2, _) = open_with_profile(&w.sim, &elsewhere);
    let app_id = demo
        .iter()
        .find(|d| d.state == "linked")
        .map(|d| d.app_id.clone())
        .expect("a linked demo link");
    let import = LinksImportRequest {
        format: LinkFileFormat::Json,
        text: first.text.clone(),
        good_only: false,
        app_id: Some(app_id),
    };
    let report = links::import(&cx2, None, &import).expect("imported");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.imported as usize, first.links);
    let second = export(&cx2);
    // The proof differs (imported, now) but every link and its target come back.
    let keyed = |text: &str| -> Vec<Value> {
        let mut rows: Vec<Value> = serde_json::from_str(text).expect("json");
        for row in &mut rows {
            if let Some(row) = row.as_object_mut() {
                row.remove("evidence");
                row.remove("evidenceAt");
            }
        }
        rows.sort_by_key(|r| r.to_string());
        rows
    };
    assert_eq!(keyed(&second.text), keyed(&first.text));
    let second_rows: Vec<Value> = serde_json::from_str(&second.text).expect("json");
    assert!(second_rows.iter().all(|r| r["evidence"] == "imported"));

    // Importing the same file again changes nothing: links are keyed by their target.
    let again = links::import(&cx2, None, &import).expect("imported again");
    assert!(again.problems.is_empty());
    assert_eq!(export(&cx2).links, first.links);
    assert_eq!(
        w.sim.metrics().http_round_trips,
        0,
        "export and import are local"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: run under scripts/with-keyring.sh"]
async fn bad_values_are_refused_before_any_network_work() {
    let mut w = World::new().await;
    w.sign_in(Feature::Install).await;
    let ir = w.demo("Incident Response");
    let app = ir.app_id.clone();
    w.sim.reset_metrics();

    let bad_user = LinkTargetInput {
        kind: Some(LinkTargetKind::User),
        user_id: Some("../me".into()),
        ..Default::default()
    };
    let err = links::add(&w.cx, None, &add_request(&app, vec![bad_user.clone()]))
        .await
        .expect_err("bad user id");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    let err = links::add(
        &w.cx,
        None,
        &LinksAddRequest {
            group_id: Some("g/../../users".into()),
            ..add_request(&app, Vec::new())
        },
    )
    .await
    .expect_err("bad group id");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    let err = links::add(
        &w.cx,
        None,
        &LinksAddRequest {
            vendor: "nobody".into(),
            ..add_request(&app, vec![team_target("t1")])
        },
    )
    .await
    .expect_err("unknown vendor");
    assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");
    let err = links::fix(
        &w.cx,
        None,
        &LinksFixRequest {
            app_id: app.clone(),
            targets: vec![bad_user],
            on_progress: None,
        },
        &no_progress,
    )
    .await
    .expect_err("bad target");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    for (app_id, group_id) in [(app.as_str(), "a/b"), ("FlashDuty", "g1")] {
        let err = links::reach(
            &w.cx,
            None,
            &LinksReachRequest {
                app_id: app_id.into(),
                group_id: group_id.into(),
                on_progress: None,
            },
            &no_progress,
        )
        .await
        .expect_err("bad reach");
        assert_eq!(
            err.code,
            ErrorCode::InvalidInput,
            "{app_id} {group_id}: {err:?}"
        );
    }
    let err = links::evidence(
        &w.cx,
        None,
        &LinksIdsRequest {
            ids: vec!["no-such-link".into()],
            ..Default::default()
        },
    )
    .await
    .expect_err("unknown link");
    assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");
    assert_eq!(
        w.sim.metrics().http_round_trips,
        0,
        "nothing was sent for a refused value"
    );
    // Nothing was claimed either: the lease is free.
    drop(w.cx.begin_job(JobKind::BulkRun).expect("free"));

    // A good value does reach the tenant (the counter counts).
    links::add(
        &w.cx,
        None,
        &LinksAddRequest {
            dry_run: true,
            ..add_request(&app, vec![team_target(&ir.team_id.clone().expect("team"))])
        },
    )
    .await
    .expect("checked");
    assert!(w.sim.metrics().http_round_trips > 0);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: run under scripts/with-keyring.sh"]
async fn reach_reports_members_then_the_install_run() {
    let mut w = World::new().await;
    w.sign_in(Feature::ReachMembers).await;
    let sre = {
        let tenant = botdeck_api::Tenant::open(&w.cx, None, Feature::ReadTenant)
            .await
            .expect("signed in");
        let token = tenant.token().await.expect("token");
        let teams = tenant.graph.get_all(&token, "/teams").await.expect("teams");
        teams
            .iter()
            .find(|t| t["displayName"] == "SRE On-Call")
            .and_then(|t| t["id"].as_str())
            .expect("SRE On-Call")
            .to_string()
    };
    let app = w.demo("Incident Response").app_id;
    let seen = Mutex::new(Vec::new());
    let record = |p: &RunProgress| seen.lock().expect("lock").push((p.phase, p.done, p.total));
    let out = links::reach(
        &w.cx,
        None,
        &LinksReachRequest {
            app_id: app,
            group_id: sre.clone(),
            on_progress: None,
        },
        &record,
    )
    .await
    .expect("reached");
    let run = out.run.expect("someone lacked the bot");
    assert_eq!(run.failed, 0, "{run:?}");
    let seen = seen.into_inner().expect("lock");
    let members = out.members;
    assert_eq!(seen.first().map(|s| s.0), Some(Phase::ReachingMembers));
    assert!(
        seen.contains(&(Phase::ReachingMembers, members, members)),
        "reading the members ends at its total: {seen:?}"
    );
    let installing: Vec<_> = seen.iter().filter(|s| s.0 == Phase::Installing).collect();
    assert_eq!(
        installing.last().map(|s| (s.1, s.2)),
        Some((run.total, run.total)),
        "then the install run, to its end: {seen:?}"
    );
    let first_install = seen
        .iter()
        .position(|s| s.0 == Phase::Installing)
        .expect("installing");
    assert!(seen[..first_install]
        .iter()
        .all(|s| s.0 == Phase::ReachingMembers));
}
