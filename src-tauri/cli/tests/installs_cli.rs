//! `botdeck catalog` and `botdeck installs` as an admin uses them, against an in-process
//! tenant-sim. Sign-in stores tokens in the OS keyring, so these run under `make test`.

use std::path::Path;
use std::process::{Command, Output};

use tenant_sim::{SimConfig, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID, DEMO_BOT_MANIFEST_ID};

fn botdeck(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(args)
        .env("BOTDECK_DATA_DIR", data.join("data"))
        .env("BOTDECK_LOG_DIR", data.join("logs"))
        .output()
        .expect("run botdeck")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn package(dir: &Path, version: &str) -> String {
    let mut pkg = botdeck_core::package::new_bot_app(&botdeck_core::package::NewBotAppOptions {
        name: "FlashDuty".into(),
        app_id: Some(DEMO_BOT_MANIFEST_ID.into()),
        bot_id: Some(DEMO_BOT_APP_ID.into()),
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
    let tenant = sim.tenant_id();
    let base = sim.base_url();
    let graph = sim.graph_base_url();
    let login = tokio::task::block_in_place(|| {
        botdeck(
            &[
                "login",
                "--profile",
                "T",
                "--tenant",
                &tenant,
                "--authority-host",
                &base,
                "--graph-url",
                &graph,
                "--client-id",
                BOTDECK_PUBLIC_CLIENT_ID,
                "--feature",
                "install",
            ],
            data,
        )
    });
    assert!(login.status.success(), "{}", text(&login));
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
    let install = run(&[
        "installs",
        "install",
        "--kind",
        "team",
        "--state",
        "not-installed",
        "--json",
    ]);
    assert!(install.status.success(), "{}", text(&install));
    let summary: serde_json::Value = serde_json::from_slice(&install.stdout).expect("json");
    assert_eq!(summary["failed"], 0);
    let run_id = summary["runId"].as_str().expect("run id").to_string();
    let resume = run(&["installs", "resume", "--run", &run_id]);
    assert!(resume.status.success(), "{}", text(&resume));
    let upgrade = run(&[
        "installs",
        "upgrade",
        "--kind",
        "team",
        "--older-than",
        "1.0.2",
    ]);
    assert!(upgrade.status.success(), "{}", text(&upgrade));
    let runs = run(&["installs", "runs"]);
    assert!(text(&runs).contains(&run_id));
    assert_eq!(sim.metrics().early_retries, 0);

    // Publishing needs its own consent (incremental): sign in for it.
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
        text(&dup).contains("already in the catalog at 1.0.2: use --update or `catalog update`"),
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
