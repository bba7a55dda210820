//! `botdeck perms ...` as a script uses it. Profile commands need no sign-in; the tenant ones
//! sign in to an in-process tenant-sim, which needs the OS keyring (run through `make test`).

use std::path::Path;

mod common;
use common::botdeck;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn builtin_profiles_list_show_and_export() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = botdeck(&["perms", "profiles", "list", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["flashduty", "pagerduty", "ox-security", "mattermost"]);

    let out = botdeck(&["perms", "profiles", "show", "ox-security"], dir.path());
    let shown = text(&out.stdout);
    // Both connection models as OX describes them, and OX's nine scopes (no RSC).
    assert!(shown.contains("Connection models:"), "{shown}");
    assert!(
        shown.contains("Identity provider (identity-provider): OX acts as the signed-in"),
        "{shown}"
    );
    assert!(
        shown.contains("Bot identity (bot-identity): The \"OX Security\" Teams app"),
        "{shown}"
    );
    assert!(shown.contains("ChannelMessage.Send "), "{shown}");
    assert!(!shown.contains(" rsc "), "{shown}");

    let out = botdeck(&["perms", "profiles", "show", "pagerduty"], dir.path());
    let shown = text(&out.stdout);
    assert!(
        shown.contains("App id: 05ffe668-5b27-45ff-a64d-b2ed6c475d7a"),
        "{shown}"
    );
    assert!(
        shown.contains("Also app id: 8f79a561-d2f1-4a1e-8092-c2039043a40e (EU"),
        "{shown}"
    );
    assert!(
        shown.contains("Teams store app id: c8c302dc-4e77-4536-890d-0c2bffbef9cc"),
        "{shown}"
    );
    assert!(
        shown.contains("User.Read.All")
            && shown.contains("[not least-privileged; User.ReadBasic.All would do]"),
        "{shown}"
    );

    let out = botdeck(
        &[
            "perms",
            "profiles",
            "export",
            "mattermost",
            "--format",
            "toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("name = \"Presence.Read.All\""));

    let out = botdeck(&["perms", "profiles", "show", "nope"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no permission profile \"nope\""));
}

#[test]
fn importing_a_bad_profile_says_where_and_a_good_one_is_listed() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("acme.toml");
    std::fs::write(
        &bad,
        "id = \"acme\"\nname = \"Acme\"\n\n[[permissions]]\nname = \"Chat.Read.All\"\ntype = \"rsc\"\n",
    )
    .expect("write");
    let out = botdeck(
        &["perms", "profile", "import", bad.to_str().expect("utf-8")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("acme.toml:5: permissions[0].type:"), "{err}");
    assert!(out.stdout.is_empty());

    std::fs::write(
        &bad,
        "id = \"acme\"\nname = \"Acme\"\n\n[[permissions]]\nname = \"Chat.Read.All\"\ntype = \"application\"\n",
    )
    .expect("write");
    let out = botdeck(
        &["perms", "profile", "import", bad.to_str().expect("utf-8")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = botdeck(&["perms", "profiles", "list"], dir.path());
    assert!(text(&out.stdout).contains("acme"));
    let out = botdeck(&["perms", "profiles", "delete", "acme"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let out = botdeck(&["perms", "profiles", "delete", "flashduty"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

/// No tenant selected: the same `sign_in_required` the window gets (exit 1, nothing sent),
/// as JSON on stdout with `--json`.
#[test]
fn tenant_commands_without_sign_in_ask_for_a_sign_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = botdeck(
        &["perms", "diff", "--perm-profile", "flashduty"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no tenant is selected"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let out = botdeck(
        &["perms", "diff", "--perm-profile", "flashduty", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(err["code"], "sign_in_required", "{err}");
    // Bad values are refused first, with the same words as the window's.
    let out = botdeck(
        &[
            "perms",
            "diff",
            "--perm-profile",
            "flashduty",
            "--max-targets",
            "0",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(err["code"], "invalid_input", "{err}");
    let out = botdeck(
        &["perms", "show", "--app-id", "flashduty-bot", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert!(
        err["message"].as_str().is_some_and(
            |m| m.starts_with("--app-id: \"flashduty-bot\" is not a valid Entra app id")
        ),
        "{err}"
    );
    // The same for a revoke, before any sign-in is looked for (there is none here).
    for bad in ["flashduty-bot", "{8f79a561-d2f1-4a1e-8092-c2039043a40e}"] {
        let out = botdeck(
            &[
                "perms",
                "revoke",
                "--app-id",
                bad,
                "--permission",
                "Group.ReadWrite.All",
                "--type",
                "application",
                "--yes",
                "--json",
            ],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
        assert_eq!(err["code"], "invalid_input", "{bad}: {err}");
        assert!(
            err["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("--app-id: ") && m.contains("Entra app id")),
            "{bad}: {err}"
        );
    }
}

/// Every perms subcommand answers `--json` with JSON on stdout.
#[test]
fn profile_commands_answer_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = botdeck(
        &[
            "perms",
            "profiles",
            "export",
            "flashduty",
            "--format",
            "toml",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["id"], "flashduty");
    assert_eq!(v["format"], "toml");
    assert!(v["text"]
        .as_str()
        .is_some_and(|t| t.contains("Team.ReadBasic.All")));

    let file = dir.path().join("acme.json");
    std::fs::write(
        &file,
        r#"{"id": "acme", "name": "Acme", "permissions": [{"name": "User.Read", "type": "delegated"}]}"#,
    )
    .expect("write");
    let out = botdeck(
        &[
            "perms",
            "profile",
            "import",
            file.to_str().expect("utf-8"),
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = botdeck(
        &["perms", "profiles", "delete", "acme", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let left: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(left.as_array().map(Vec::len), Some(4), "{left}");
    let out = botdeck(
        &["perms", "profiles", "delete", "acme", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(err["code"], "not_found", "{err}");
}

fn login(sim: &tenant_sim::RunningSim, data: &Path, feature: &str) {
    let out = botdeck(
        &[
            "login",
            "--profile",
            "T",
            "--tenant",
            &sim.tenant_id(),
            "--authority-host",
            &sim.authority_host(),
            "--graph-url",
            &sim.graph_base_url(),
            "--client-id",
            tenant_sim::BOTDECK_PUBLIC_CLIENT_ID,
            "--feature",
            feature,
        ],
        data,
    );
    assert_eq!(out.status.code(), Some(0), "login: {}", text(&out.stderr));
}

async fn start_sim() -> tenant_sim::RunningSim {
    tenant_sim::start(tenant_sim::SimConfig {
        auto_approve_device_code: true,
        device_code_interval: 1,
        ..Default::default()
    })
    .await
    .expect("sim")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through make test"]
async fn diff_exits_2_on_missing_required_with_a_consent_link() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    login(&sim, dir.path(), "review-permissions");

    let out = botdeck(
        &["perms", "diff", "--perm-profile", "flashduty", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).expect("diff json");
    assert_eq!(diff["updateAvailable"], true);
    let missing: Vec<&str> = diff["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["state"] == "missing_required")
        .filter_map(|r| r["permission"].as_str())
        .collect();
    assert_eq!(missing, ["Team.ReadBasic.All"]);
    assert!(diff["consent"]["url"]
        .as_str()
        .is_some_and(|u| u.contains("/v2.0/adminconsent?client_id=")));

    let out = botdeck(
        &[
            "perms",
            "diff",
            "--perm-profile",
            "flashduty",
            "--format",
            "csv",
        ],
        dir.path(),
    );
    assert!(text(&out.stdout).starts_with("permission,type,resource,state,"));

    let out = botdeck(
        &["perms", "consent-url", "--perm-profile", "mattermost"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout)
        .trim_end()
        .ends_with("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"));

    let out = botdeck(
        &[
            "perms",
            "show",
            "--app-id",
            "0b0b0b0b-1111-4222-8333-444455556666",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let shown = text(&out.stdout);
    assert!(shown.contains("nobody has consented to it yet"), "{shown}");
    assert!(shown.contains("adminconsent?client_id=0b0b0b0b-1111-4222-8333-444455556666"));
    sim.shutdown().await;
}
