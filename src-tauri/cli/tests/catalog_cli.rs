//! `botdeck catalog` as a script uses it: refusals the window acts on are printed as data
//! (with `--json`, the window's `PublishResult` on stdout) and exit 1; what a run changes is in
//! the local catalog cache the window reads afterwards.

use std::path::Path;

use botdeck_core::store::Store;
use serde_json::Value;
use tenant_sim::{SimConfig, DEMO_BOT_APP_ID};

mod common;
use common::{botdeck, json, login_to_sim, text};

fn package(dir: &Path, manifest_id: &str, version: &str) -> String {
    let mut pkg = botdeck_core::package::new_bot_app(&botdeck_core::package::NewBotAppOptions {
        name: "Script Bot".into(),
        manifest_id: botdeck_core::ids::ManifestId::parse(manifest_id).ok(),
        bot_id: botdeck_core::ids::EntraAppId::parse(DEMO_BOT_APP_ID).ok(),
        ..Default::default()
    })
    .expect("template");
    pkg.manifest.version = version.into();
    let path = dir.join(format!("ScriptBot-v{version}.zip"));
    std::fs::write(&path, pkg.build_zip().expect("zip")).expect("write");
    path.display().to_string()
}

const MANIFEST_ID: &str = "1f2a3b4c-5d6e-4f7a-8b9c-0d1e2f3a4b5c";

#[test]
fn a_broken_package_is_a_refusal_printed_as_data_without_a_sign_in() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    let broken = package(data, MANIFEST_ID, "one");
    for command in ["publish", "update"] {
        let out = botdeck(&["catalog", command, &broken, "--json"], data);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let result = json(&out);
        assert_eq!(result["outcome"], Value::Null, "{result}");
        assert_eq!(result["refused"]["kind"], "invalid_package", "{result}");
        assert!(
            result["refused"]["findings"]
                .as_array()
                .is_some_and(|f| !f.is_empty()),
            "{result}"
        );
        // Nobody is signed in here: the refusal came first.
        assert!(!text(&out).contains("sign"), "{}", text(&out));

        let out = botdeck(&["catalog", command, &broken], data);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let said = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(said.contains("error(s)"), "{said}");
        assert!(said.contains("Nothing was uploaded"), "{said}");
    }
    // A package that is not there: the common error object, exit 2.
    let out = botdeck(&["catalog", "publish", "missing.zip", "--json"], data);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = json(&out);
    assert_eq!(err["code"], "not_found", "{err}");
    assert_eq!(err["retryable"], false);
}

/// The catalog cache of the data folder, as the window reads it.
fn cached_ids(data: &Path) -> Vec<String> {
    let (store, _) = Store::open_in(&data.join("data")).expect("store");
    botdeck_core::catalog::cached_apps(&store)
        .expect("cached apps")
        .into_iter()
        .map(|a| a.id.into_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
async fn publish_refusals_are_json_data_and_changes_reach_the_windows_cache() {
    let sim = tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    login_to_sim(&sim, data, "publish");
    let run = |args: &[&str]| tokio::task::block_in_place(|| botdeck(args, data));

    let first = package(data, MANIFEST_ID, "1.0.0");
    let out = run(&["catalog", "publish", &first, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let published = json(&out);
    let catalog_id = published["outcome"]["app"]["id"]
        .as_str()
        .expect("catalog id")
        .to_string();
    assert_eq!(published["refused"], Value::Null);
    assert!(
        cached_ids(data).contains(&catalog_id),
        "published is cached"
    );

    // The same manifest id again: the refusal the window offers "update" on, as JSON data.
    let again = run(&[
        "catalog",
        "publish",
        &package(data, MANIFEST_ID, "1.0.1"),
        "--json",
    ]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    let refused = json(&again);
    assert_eq!(
        refused["refused"]["kind"], "already_in_catalog",
        "{refused}"
    );
    assert_eq!(refused["refused"]["catalogId"], catalog_id.as_str());
    assert_eq!(refused["refused"]["version"], "1.0.0");
    let lower = run(&["catalog", "update", &first, "--json"]);
    assert_eq!(lower.status.code(), Some(1), "{}", text(&lower));
    assert_eq!(json(&lower)["refused"]["kind"], "version_not_greater");

    let delete = run(&["catalog", "delete", &catalog_id, "--yes", "--json"]);
    assert!(delete.status.success(), "{}", text(&delete));
    assert_eq!(json(&delete)["deleted"], catalog_id.as_str());
    assert!(
        !cached_ids(data).contains(&catalog_id),
        "deleted leaves the cache"
    );
    sim.shutdown().await;
}
