//! `botdeck catalog` and `botdeck installs` as an admin uses them, against an in-process
//! tenant-sim. Sign-in stores tokens in the OS keyring, so these run under `make test`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use tenant_sim::{
    FaultRule, SimConfig, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID, DEMO_BOT_MANIFEST_ID,
};

mod common;
use common::{botdeck, login_to_sim, text};

fn package(dir: &Path, version: &str) -> String {
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
    pkg.manifest.version = version.into();
    let path = dir.join(format!("FlashDutyBot-v{version}.zip"));
    std::fs::write(&path, pkg.build_zip().expect("zip")).expect("write");
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through make test"]
async fn catalog_and_installs_from_the_command_line() {
    let sim = tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    login_to_sim(&sim, data, "install");
    let run = |args: &[&str]| tokio::task::block_in_place(|| botdeck(args, data));

    // Catalog: the demo bot with its versions; a duplicate publish offers update.
    let list = run(&["catalog", "list"]);
    assert!(list.status.success(), "{}", text(&list));
    assert!(text(&list).contains("FlashDuty"));
    // Inventory: sync, list, summary.
    let sync = run(&[
        "installs",
        "sync",
        "--app",
        DEMO_BOT_MANIFEST_ID,
        "--kinds",
        "team",
    ]);
    // Legal answers 403: the run completes and says so.
    assert_eq!(sync.status.code(), Some(1), "{}", text(&sync));
    assert!(text(&sync).contains("completed"), "{}", text(&sync));
    let failed = run(&["installs", "list", "--state", "failed"]);
    assert!(failed.status.success(), "{}", text(&failed));
    assert!(text(&failed).contains("Legal"), "{}", text(&failed));
    let older = run(&[
        "installs",
        "list",
        "--kind",
        "team",
        "--older-than",
        "1.0.2",
        "--json",
    ]);
    let page: serde_json::Value = serde_json::from_slice(&older.stdout).expect("json");
    assert_eq!(page["total"], 5);

    // Bulk: dry run changes nothing; the run installs; a second run has nothing to do.
    let dry = run(&[
        "installs",
        "install",
        "--kind",
        "team",
        "--state",
        "not-installed",
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains("RSC consent"), "{}", text(&dry));
    assert!(text(&dry).contains("archived"), "{}", text(&dry));
    assert_eq!(
        sim.metrics()
            .requests_per_route
            .get("POST /teams/{id}/installedApps"),
        None
    );
    // Planned once (the plan and its id as JSON), run by that id.
    let plan = run(&[
        "installs",
        "plan",
        "install",
        "--kind",
        "team",
        "--state",
        "not-installed",
        "--json",
    ]);
    assert!(plan.status.success(), "{}", text(&plan));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("json");
    let plan_id = plan["planId"].as_str().expect("plan id").to_string();
    assert!(
        plan["items"].as_array().is_some_and(|i| !i.is_empty()),
        "{plan}"
    );
    let install = run(&["installs", "run", "--plan", &plan_id, "--json"]);
    assert!(install.status.success(), "{}", text(&install));
    let summary: serde_json::Value = serde_json::from_slice(&install.stdout).expect("json");
    assert_eq!(summary["failed"], 0);
    assert_eq!(
        summary["total"],
        plan["items"].as_array().map_or(0, |i| i.len())
    );
    let run_id = summary["runId"].as_str().expect("run id").to_string();
    let resume = run(&["installs", "resume", "--run", &run_id]);
    assert!(resume.status.success(), "{}", text(&resume));
    // A plan runs once.
    let again = run(&["installs", "run", "--plan", &plan_id, "--json"]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(again["code"], "conflict", "{again}");
    let upgrade = run(&[
        "installs",
        "upgrade",
        "--kind",
        "team",
        "--older-than",
        "1.0.2",
        "--yes",
    ]);
    assert!(upgrade.status.success(), "{}", text(&upgrade));
    let runs = run(&["installs", "runs"]);
    assert!(text(&runs).contains(&run_id));
    assert_eq!(sim.metrics().early_retries, 0);

    // Publishing needs its own consent (incremental): the refusal names the exact command.
    let early = package(data, "1.0.3");
    let refused = run(&["catalog", "publish", &early]);
    assert_ne!(refused.status.code(), Some(0), "{}", text(&refused));
    assert!(
        text(&refused).contains("Run: botdeck login --profile T --feature publish"),
        "{}",
        text(&refused)
    );
    let login = run(&[
        "login",
        "--profile",
        "T",
        "--client-id",
        BOTDECK_PUBLIC_CLIENT_ID,
        "--feature",
        "publish",
    ]);
    assert!(login.status.success(), "{}", text(&login));
    let pkg = package(data, "1.0.3");
    let dup = run(&["catalog", "publish", &pkg]);
    assert_eq!(dup.status.code(), Some(1), "{}", text(&dup));
    assert!(
        text(&dup).contains("already in the catalog at 1.0.2")
            && text(&dup).contains("use --update or `catalog update`"),
        "{}",
        text(&dup)
    );
    let old = package(data, "1.0.1");
    let lower = run(&["catalog", "update", &old]);
    assert_eq!(lower.status.code(), Some(1), "{}", text(&lower));
    assert!(text(&lower).contains("not greater"), "{}", text(&lower));
    let delete = run(&["catalog", "delete", DEMO_BOT_MANIFEST_ID]);
    assert_eq!(
        delete.status.code(),
        Some(2),
        "needs --yes: {}",
        text(&delete)
    );

    sim.shutdown().await;
}

/// The journal is a SQLite file with `synchronous=FULL`: a `botdeck` process killed (SIGKILL)
/// while installs are on the wire leaves them recorded as in flight; `installs resume` asks
/// Graph what happened to those before sending anything, so nothing is installed twice and
/// nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through make test"]
async fn a_killed_cli_run_resumes_without_installing_anything_twice() {
    let sim = tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        // Slow batches keep installs on the wire long enough to kill the process under them.
        faults: vec![FaultRule {
            route: "/v1.0/$batch".into(),
            latency_ms: 700,
            ..Default::default()
        }],
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    login_to_sim(&sim, data, "install");
    let run = |args: &[&str]| tokio::task::block_in_place(|| botdeck(args, data));
    let sync = run(&[
        "installs",
        "sync",
        "--app",
        DEMO_BOT_MANIFEST_ID,
        "--kinds",
        "team",
    ]);
    assert!(text(&sync).contains("completed"), "{}", text(&sync));
    let posts = || {
        sim.metrics()
            .requests_per_route
            .get("POST /teams/{id}/installedApps")
            .copied()
            .unwrap_or(0)
    };

    let mut worker = Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args([
            "installs",
            "install",
            "--kind",
            "team",
            "--state",
            "not-installed",
            "--yes",
        ])
        .env("BOTDECK_DATA_DIR", data.join("data"))
        .env("BOTDECK_LOG_DIR", data.join("logs"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn botdeck");
    // Kill it as soon as Graph has carried out the first installs: the next batch is already
    // on the wire (30 rps paces 20 installs per 0.67 s; each batch takes 0.7 s).
    while posts() == 0 {
        assert!(
            worker.try_wait().expect("poll").is_none(),
            "the run ended before it could be killed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    worker.kill().expect("SIGKILL");
    worker.wait().expect("reap");
    // The killed run still holds the one-job lease (the window and the CLI share it); nobody
    // renews it, and after `lease::STALE_AFTER_SECS` the next job takes it over. Age it here
    // instead of waiting that long.
    {
        let (store, _) =
            botdeck_core::store::Store::open_in(&data.join("data")).expect("data folder");
        let aged = store
            .connection()
            .execute(
                "UPDATE job_lease SET renewed_at = renewed_at - ?1",
                [botdeck_core::lease::STALE_AFTER_SECS + 1],
            )
            .expect("age the lease");
        assert_eq!(aged, 1, "the killed run held the lease");
    }

    let runs = run(&["installs", "runs", "--json"]);
    assert!(runs.status.success(), "{}", text(&runs));
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).expect("json");
    let killed = &runs[0];
    assert_eq!(killed["status"], "running", "{killed}");
    assert!(killed["pending"].as_u64().expect("pending") > 0, "{killed}");
    let total = killed["total"].as_u64().expect("total");
    let run_id = killed["runId"].as_str().expect("run id").to_string();

    let resume = run(&["installs", "resume", "--run", &run_id, "--json"]);
    assert!(resume.status.success(), "{}", text(&resume));
    let done: serde_json::Value = serde_json::from_slice(&resume.stdout).expect("json");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["failed"], 0, "{done}");
    assert_eq!(done["pending"], 0, "{done}");
    assert_eq!(
        done["succeeded"].as_u64().unwrap_or(0) + done["alreadyDone"].as_u64().unwrap_or(0),
        total,
        "{done}"
    );
    assert_eq!(posts(), total, "each team got exactly one install request");
    assert_eq!(sim.metrics().status_counts.get(&409), None, "nothing twice");
    // The tenant agrees: every team that could have the bot has it once.
    let resync = run(&[
        "installs",
        "sync",
        "--app",
        DEMO_BOT_MANIFEST_ID,
        "--kinds",
        "team",
        "--fresh",
    ]);
    assert!(text(&resync).contains("completed"), "{}", text(&resync));
    let left = run(&[
        "installs",
        "list",
        "--kind",
        "team",
        "--state",
        "not-installed",
        "--json",
    ]);
    let left: serde_json::Value = serde_json::from_slice(&left.stdout).expect("json");
    assert!(
        left["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["archived"] == true),
        "{left}"
    );
    sim.shutdown().await;
}

/// Without a terminal nobody can confirm the plan: a bulk change without --yes is refused
/// before any sign-in or network (no profile exists here at all).
#[test]
fn a_bulk_change_without_a_terminal_or_yes_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    for action in ["install", "upgrade", "uninstall"] {
        let out = botdeck(&["installs", action, "--kind", "team"], tmp.path());
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let said = text(&out);
        assert!(
            said.contains("there is no terminal to ask on: pass --yes"),
            "{said}"
        );
        assert!(said.contains(&format!("`installs {action}`")), "{said}");
    }
    // --yes and --dry-run contradict each other.
    let both = botdeck(
        &[
            "installs",
            "install",
            "--kind",
            "team",
            "--yes",
            "--dry-run",
        ],
        tmp.path(),
    );
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
}

#[test]
fn bad_filter_values_exit_2_with_the_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    for args in [
        &["installs", "list", "--older-than", "abc"][..],
        &["installs", "list", "--at-version", "1.x"][..],
        &["installs", "upgrade", "--older-than", "abc", "--yes"][..],
    ] {
        let out = botdeck(args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("expected a version"), "{}", text(&out));
    }
}
