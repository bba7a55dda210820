//! `botdeck links` as an admin (or a script) uses it, against an in-process tenant-sim.
//! Sign-in keeps tokens in the OS keyring, so the end-to-end test runs under `make test`
//! (`scripts/with-keyring.sh ... -- --include-ignored`); the error-shape tests need no keyring.

use tenant_sim::{SimConfig, TeamsPlace, BOTDECK_PUBLIC_CLIENT_ID};

mod common;
use common::{botdeck, json, text};

#[test]
fn json_errors_are_code_message_retryable() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = botdeck(&["links", "list", "--kind", "planet", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["code"], "invalid_input");
    assert_eq!(v["retryable"], false);
    assert!(v["message"].as_str().unwrap_or("").contains("planet"));

    let out = botdeck(
        &["links", "import", "--file", "nowhere.txt", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(json(&out)["message"]
        .as_str()
        .unwrap_or("")
        .contains("--format"));

    let out = botdeck(
        &[
            "links",
            "add",
            "--vendor",
            "flashduty",
            "--integration",
            "x",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(json(&out)["message"]
        .as_str()
        .unwrap_or("")
        .contains("choose targets"));

    let out = botdeck(
        &[
            "links",
            "add",
            "--vendor",
            "flashduty",
            "--integration",
            "x",
            "--channel",
            "only-a-team",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(json(&out)["message"]
        .as_str()
        .unwrap_or("")
        .contains("TEAM_ID/CHANNEL_ID"));

    // A group id that is not one is refused before the bot is looked up (no sign-in needed).
    let out = botdeck(
        &[
            "links",
            "reach",
            "--group",
            "g/../../users",
            "--app",
            "FlashDuty",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(json(&out)["code"], "invalid_input");

    // Good values without a tenant: the same answer the window gives, as JSON, exit 1.
    for args in [
        &["links", "health", "--json"][..],
        &["links", "export", "--json"][..],
    ] {
        let out = botdeck(args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert_eq!(json(&out)["code"], "sign_in_required", "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: run under scripts/with-keyring.sh"]
async fn link_prove_check_and_unlink_from_the_command_line() {
    let sim = tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        throttling: false,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let run = |args: &[&str]| tokio::task::block_in_place(|| botdeck(args, data));
    common::login_to_sim(&sim, data, "install");

    let demo = sim.demo_links();
    let ir = demo
        .iter()
        .find(|d| d.target_name == "Incident Response")
        .expect("IR");
    let team = ir.team_id.clone().expect("team");
    let general = ir.channel_id.clone().expect("general");

    // The vendors and their language.
    let v = json(&run(&["links", "vendors", "--json"]));
    assert!(v.as_array().is_some_and(|a| a.len() >= 2));

    // Check (nothing stored), then add.
    let out = run(&[
        "links",
        "check",
        "--vendor",
        "flashduty",
        "--integration",
        "fd-int-1001",
        "--team",
        &team,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        json(&out)["targets"][0]["command"],
        "@FlashDuty linkTeam fd-int-1001"
    );
    assert_eq!(
        json(&run(&["links", "list", "--json"]))
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let out = run(&[
        "links",
        "add",
        "--vendor",
        "flashduty",
        "--integration",
        "fd-int-1001",
        "--team",
        &team,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("@FlashDuty linkTeam fd-int-1001"),
        "{}",
        text(&out)
    );
    let listed = json(&run(&["links", "list", "--json"]));
    let id = listed[0]["id"].as_str().expect("id").to_string();
    assert_eq!(listed[0]["state"], "awaiting");

    // Nobody typed yet: evidence finds nothing (exit 1); then a person types and confirms.
    // Reading replies needs message permissions the sign-in has not asked for yet
    // (incremental consent): the admin signs in again for that feature.
    let out = run(&["links", "evidence", "--link", &id, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(json(&out)["code"], "consent_required", "{}", text(&out));
    assert!(
        json(&out)["message"]
            .as_str()
            .unwrap_or("")
            .contains("Run: botdeck login --profile T --feature check-link-evidence"),
        "{}",
        text(&out)
    );
    let login = run(&[
        "login",
        "--profile",
        "T",
        "--tenant",
        &sim.tenant_id(),
        "--authority-host",
        &sim.base_url(),
        "--graph-url",
        &sim.graph_base_url(),
        "--client-id",
        BOTDECK_PUBLIC_CLIENT_ID,
        "--feature",
        "check-link-evidence",
    ]);
    assert!(login.status.success(), "{}", text(&login));
    let out = run(&["links", "evidence", "--link", &id, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(json(&out)[0]["outcome"], "not_found");
    let (_, replies) = sim
        .type_in_teams(
            &sim.admin_upn(),
            TeamsPlace {
                team_id: Some(team.clone()),
                channel_id: Some(general),
                ..Default::default()
            },
            "@FlashDuty linkTeam fd-int-1001",
        )
        .expect("typed");
    sim.press_card(replies[0]["id"].as_str().expect("card"))
        .expect("pressed");
    let out = run(&["links", "evidence", "--link", &id, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)[0]["link"]["state"], "linked");

    // The bot is removed elsewhere: health says so, with the fix.
    sim.change(tenant_sim::Change::RemoveApp {
        kind: "team".into(),
        target: team.clone(),
        app: "FlashDuty".into(),
    })
    .expect("removed");
    let out = run(&["links", "health"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("not installed") && text(&out).contains("fix: Install"),
        "{}",
        text(&out)
    );

    // Unlink: refused without --yes, then done with FlashDuty's plain statement.
    let out = run(&["links", "remove", "--link", &id]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["links", "remove", "--link", &id, "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Currently not supported"),
        "{}",
        text(&out)
    );

    // Export, then import a file with a bad row: refused with its line.
    let csv = dir.path().join("links.csv");
    let out = run(&["links", "export", "--out", csv.to_str().expect("path")]);
    assert!(out.status.success(), "{}", text(&out));
    let mut body = std::fs::read_to_string(&csv).expect("csv");
    body.push_str("flashduty,,fd-int-1001,,planet,t,,,,,,,\n");
    std::fs::write(&csv, body).expect("write");
    let out = run(&[
        "links",
        "import",
        "--file",
        csv.to_str().expect("path"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["refused"], true);
    assert_eq!(report["problems"][0]["line"], 2);
}

#[test]
fn health_is_refused_busy_while_the_window_runs_a_sync_on_the_same_data() {
    use botdeck_api::{Context, JobKind, OpenOptions};
    use botdeck_core::config::{Cloud, DataPaths};
    use botdeck_core::profiles::{NewTenantProfile, TenantProfiles};

    let dir = tempfile::tempdir().expect("tmp");
    // The window, in another process as far as the command is concerned: same data folder.
    let window = Context::open(
        DataPaths::under(dir.path()),
        OpenOptions {
            owner: "the BotDeck window (pid 1)".into(),
            probe_keyring: false,
        },
    );
    {
        let store = window.store().expect("store");
        let profiles = TenantProfiles::new(&store);
        let p = profiles
            .create(
                &NewTenantProfile {
                    name: "T".into(),
                    tenant: "contoso.onmicrosoft.com".into(),
                    cloud: Cloud::Global,
                    client_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e".into(),
                },
                false,
            )
            .expect("profile");
        profiles.set_current(&p.id).expect("current");
    }
    let sync = window
        .begin_job(JobKind::InventorySync)
        .expect("the window syncs");
    let out = botdeck(&["links", "health", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = json(&out);
    assert_eq!(err["code"], "busy", "{err}");
    assert_eq!(err["retryable"], true);
    let message = err["message"].as_str().unwrap_or("");
    assert!(
        message.contains("inventory sync") && message.contains("the BotDeck window"),
        "{message}"
    );
    drop(sync);
    // The sync is over: the check gets as far as the sign-in nobody made.
    let out = botdeck(&["links", "health", "--json"], dir.path());
    assert_ne!(json(&out)["code"], "busy", "{}", text(&out));
}
