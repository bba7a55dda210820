//! The PagerDuty story from the command line, against an in-process tenant-sim: a read-only
//! sign-in syncs the inventory (least privilege), a Teams store app is found by name, says why
//! it is not published here, and is installed, upgraded and removed like an org app; an
//! explicit `installs install --ids` is found by the following upgrade. Sign-in stores tokens
//! in the OS keyring, so these run under scripts/with-keyring.sh.

use std::path::Path;

use serde_json::Value;
use tenant_sim::{
    RunningSim, SimConfig, DEMO_BOT_APP_ID, DEMO_BOT_MANIFEST_ID, PAGERDUTY_STORE_APP_ID,
};

mod common;
use common::{botdeck, json, login_to_sim, text};

async fn sim() -> RunningSim {
    tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
async fn a_store_bot_from_the_command_line_with_a_read_only_sync() {
    let sim = sim().await;
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    let run = |args: &[&str]| tokio::task::block_in_place(|| botdeck(args, data));

    // Read permissions only: the sync works without the install permissions.
    login_to_sim(&sim, data, "read-tenant");
    let sync = run(&[
        "installs",
        "sync",
        "--app",
        "PagerDuty",
        "--kinds",
        "team",
        "--json",
    ]);
    // "Legal" answers 403 to installedApps reads: the sync completes and exits 1 to say so.
    assert!(matches!(sync.status.code(), Some(0 | 1)), "{}", text(&sync));
    assert_eq!(json(&sync)["status"], "completed");
    assert!(!text(&sync).contains("sign in"), "{}", text(&sync));
    let status = run(&["status", "--json"]);
    let scopes = text(&status);
    assert!(
        !scopes.contains("TeamsAppInstallation.ReadWriteAndConsentForTeam"),
        "a read-only sync never asked for install permissions: {scopes}"
    );

    // Which distribution, and why publishing is not offered.
    let show = run(&["catalog", "show", "PagerDuty"]);
    assert!(show.status.success(), "{}", text(&show));
    assert!(text(&show).contains("Teams store"), "{}", text(&show));
    assert!(
        text(&show).contains("Publishing not offered"),
        "{}",
        text(&show)
    );
    let show = run(&["catalog", "show", PAGERDUTY_STORE_APP_ID, "--json"]);
    let shown = json(&show);
    assert_eq!(shown["app"]["distribution"], "store");
    assert_eq!(shown["app"]["canPublish"], false);
    assert_eq!(shown["app"]["externalId"], Value::Null);
    // Looked up once, it is listed from then on next to the org apps.
    let list = run(&["catalog", "list", "--json"]);
    let apps = json(&list);
    let kinds: Vec<&str> = apps
        .as_array()
        .expect("apps")
        .iter()
        .filter_map(|a| a["distribution"].as_str())
        .collect();
    assert!(
        kinds.contains(&"store") && kinds.contains(&"organization"),
        "{apps}"
    );

    // Upgrade the teams still on the older store version, with the definition's RSC consent.
    login_to_sim(&sim, data, "install");
    let upgrade = run(&[
        "installs",
        "upgrade",
        "--yes",
        "--app",
        "PagerDuty",
        "--kind",
        "team",
        "--older-than",
        "1.2.0",
        "--json",
    ]);
    assert!(upgrade.status.success(), "{}", text(&upgrade));
    let summary = json(&upgrade);
    assert_eq!(summary["failed"], 0, "{summary}");
    assert!(
        summary["succeeded"].as_u64().is_some_and(|n| n > 0),
        "{summary}"
    );
    // Returning to the read-only sync asks no new sign-in (consent is additive).
    let again = run(&[
        "installs",
        "sync",
        "--app",
        "PagerDuty",
        "--kinds",
        "team",
        "--json",
    ]);
    assert_eq!(json(&again)["status"], "completed", "{}", text(&again));
    let behind = run(&[
        "installs",
        "list",
        "--app",
        "PagerDuty",
        "--kind",
        "team",
        "--older-than",
        "1.2.0",
        "--json",
    ]);
    assert_eq!(json(&behind)["total"], 0, "{}", text(&behind));

    // Publishing refuses the store app with the reason, before any upload.
    login_to_sim(&sim, data, "publish");
    let delete = run(&["catalog", "delete", "PagerDuty", "--yes"]);
    // Asking to delete a store app is a request that cannot be met: exit 2, nothing sent.
    assert_eq!(delete.status.code(), Some(2), "{}", text(&delete));
    assert!(text(&delete).contains("Teams store"), "{}", text(&delete));
    assert_eq!(
        sim.metrics()
            .requests_per_route
            .get("DELETE /appCatalogs/teamsApps/{id}"),
        None
    );
    sim.shutdown().await;
}

fn flash_package(dir: &Path, version: &str) -> String {
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
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
async fn an_explicit_install_is_found_by_the_next_upgrade() {
    let sim = sim().await;
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    let run = |args: &[&str]| tokio::task::block_in_place(|| botdeck(args, data));
    login_to_sim(&sim, data, "install");
    // A team FlashDuty's inventory has never seen: take one from PagerDuty's inventory, and
    // make sure FlashDuty is not in it (removing by explicit id reads the installation first).
    let sync = run(&["installs", "sync", "--app", "PagerDuty", "--kinds", "team"]);
    assert!(text(&sync).contains("Sync completed"), "{}", text(&sync));
    let page = run(&[
        "installs",
        "list",
        "--app",
        "PagerDuty",
        "--kind",
        "team",
        "--limit",
        "500",
        "--json",
    ]);
    let team = json(&page)["rows"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|r| r["archived"] == false && r["displayName"] != "Legal")
        })
        .and_then(|r| r["id"].as_str())
        .map(str::to_string)
        .expect("a team");
    let removed = run(&[
        "installs",
        "uninstall",
        "--yes",
        "--app",
        DEMO_BOT_MANIFEST_ID,
        "--ids",
        &team,
        "--json",
    ]);
    assert!(removed.status.success(), "{}", text(&removed));
    assert_eq!(json(&removed)["failed"], 0, "{}", text(&removed));
    let install = run(&[
        "installs",
        "install",
        "--yes",
        "--app",
        DEMO_BOT_MANIFEST_ID,
        "--ids",
        &team,
        "--json",
    ]);
    assert!(install.status.success(), "{}", text(&install));
    assert_eq!(json(&install)["succeeded"], 1, "{}", text(&install));

    login_to_sim(&sim, data, "publish");
    let update = run(&["catalog", "update", &flash_package(data, "1.0.7")]);
    assert!(update.status.success(), "{}", text(&update));
    assert!(
        text(&update).contains("Updated to FlashDuty 1.0.7"),
        "{}",
        text(&update)
    );

    let upgrade = run(&[
        "installs",
        "upgrade",
        "--yes",
        "--app",
        DEMO_BOT_MANIFEST_ID,
        "--ids",
        &team,
        "--json",
    ]);
    assert!(upgrade.status.success(), "{}", text(&upgrade));
    let summary = json(&upgrade);
    assert_eq!(
        summary["succeeded"], 1,
        "the upgrade found the install: {summary}"
    );
    assert_eq!(summary["failed"], 0, "{summary}");
    sim.shutdown().await;
}
