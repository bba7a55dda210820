//! Every bad flag value is refused with exit 2 and a message naming the flag, before any
//! keyring or network work: these tests run without a keyring and without a tenant, so a value
//! that slipped through would fail later with exit 1 (keyring, network) instead.

use std::path::Path;
use std::process::{Command, Output};

use botdeck_core::config::Cloud;
use botdeck_core::profiles::{NewTenantProfile, TenantProfiles};
use botdeck_core::store::Store;

const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
const OTHER_CLIENT: &str = "99999999-2222-3333-4444-555555555555";

fn botdeck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(args)
        .env("BOTDECK_DATA_DIR", dir.join("data"))
        .env("BOTDECK_LOG_DIR", dir.join("logs"))
        // No keyring: whatever reaches it fails with exit 1, not 2.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .output()
        .expect("run botdeck")
}

/// A data folder with a signed-out profile `demo` on the global cloud.
fn with_demo_profile() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(&dir.path().join("data")).expect("store");
    TenantProfiles::new(&store)
        .create(
            &NewTenantProfile {
                name: "demo".into(),
                tenant: "contoso.onmicrosoft.com".into(),
                cloud: Cloud::Global,
                client_id: CLIENT.into(),
            },
            false,
        )
        .expect("profile");
    dir
}

fn assert_refused(dir: &Path, args: &[&str], flag: &str) {
    let out = botdeck(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(flag), "{args:?} must name {flag}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");

    // The same with --json: the error object on stdout, same exit code.
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = botdeck(dir, &json_args);
    assert_eq!(out.status.code(), Some(2), "{json_args:?}");
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{json_args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert!(
        matches!(error["code"].as_str(), Some("invalid_input" | "not_found")),
        "{error}"
    );
    assert_eq!(error["retryable"], false, "{error}");
    assert!(
        error["message"].as_str().is_some_and(|m| m.contains(flag)),
        "{json_args:?} must name {flag}: {error}"
    );
}

#[test]
fn bad_install_targets_are_refused_before_anything_is_planned() {
    let dir = with_demo_profile();
    let d = dir.path();
    assert_refused(d, &["installs", "install", "--ids", "not-a-guid"], "--ids");
    assert_refused(d, &["installs", "install", "--ids", ""], "--ids");
    assert_refused(
        d,
        &[
            "installs",
            "upgrade",
            "--ids",
            "3f2504e0-4f89-41d3-9a0c-0305e82c3301,oops",
        ],
        "--ids",
    );
    assert_refused(
        d,
        &[
            "installs",
            "uninstall",
            "--kind",
            "chat",
            "--ids",
            "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        ],
        "--ids",
    );
    assert_refused(
        d,
        &["installs", "install", "--older-than", "abc"],
        "--older-than",
    );
    assert_refused(
        d,
        &["installs", "upgrade", "--at-version", "1.x"],
        "--at-version",
    );
    assert_refused(d, &["installs", "install", "--kind", "teamz"], "--kind");
}

#[test]
fn bad_filter_and_page_values_are_refused() {
    let dir = with_demo_profile();
    let d = dir.path();
    assert_refused(
        d,
        &["installs", "list", "--older-than", "abc"],
        "--older-than",
    );
    assert_refused(
        d,
        &["installs", "list", "--at-version", "1.x"],
        "--at-version",
    );
    assert_refused(d, &["installs", "list", "--limit", "1001"], "--limit");
    assert_refused(d, &["installs", "list", "--limit=-3"], "--limit");
    assert_refused(d, &["installs", "list", "--state", "installd"], "--state");
    assert_refused(d, &["installs", "sync", "--kinds", "team,bots"], "--kinds");
}

#[test]
fn unknown_app_and_profile_are_refused_by_offline_commands() {
    let dir = with_demo_profile();
    let d = dir.path();
    assert_refused(d, &["installs", "list", "--app", "no-such-app"], "--app");
    assert_refused(d, &["installs", "summary", "--app", "no-such-app"], "--app");
    for cmd in [
        &["installs", "list"][..],
        &["installs", "summary"],
        &["installs", "runs"],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--profile", "nosuchprofile"]);
        assert_refused(d, &args, "nosuchprofile");
    }
}

#[test]
fn bad_run_ids_are_refused_before_the_keyring() {
    let dir = with_demo_profile();
    let d = dir.path();
    for cmd in ["resume", "retry", "show"] {
        assert_refused(d, &["installs", cmd, "--run", "abc"], "--run");
    }
    // A plan id likewise, and a plan nobody previewed is not found in the local state.
    assert_refused(d, &["installs", "run", "--plan", "abc"], "--plan");
    assert_refused(
        d,
        &[
            "installs",
            "run",
            "--plan",
            "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        ],
        "preview",
    );
    // Well formed but unknown: still refused from the local journal, exit 2.
    let out = botdeck(
        d,
        &[
            "installs",
            "resume",
            "--run",
            "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_permission_targets_are_refused() {
    let dir = with_demo_profile();
    let d = dir.path();
    assert_refused(d, &["perms", "show", "--team", "not-a-team-id"], "--team");
    assert_refused(d, &["perms", "show", "--chat", "not-a-chat"], "--chat");
    assert_refused(d, &["perms", "show", "--app-id", "bot"], "--app-id");
    assert_refused(d, &["perms", "show", "--max-targets", "0"], "--max-targets");
}

#[test]
fn login_refuses_changed_profile_settings_without_update_profile() {
    let dir = with_demo_profile();
    let d = dir.path();
    assert_refused(
        d,
        &["login", "--profile", "demo", "--client-id", OTHER_CLIENT],
        "--client-id",
    );
    assert_refused(
        d,
        &["login", "--profile", "demo", "--cloud", "usgov-high"],
        "--cloud",
    );
    assert_refused(
        d,
        &[
            "login",
            "--profile",
            "demo",
            "--authority-host",
            "http://127.0.0.1:9",
            "--graph-url",
            "https://graph.microsoft.com/v1.0",
        ],
        "--authority-host",
    );
    assert_refused(
        d,
        &[
            "login",
            "--profile",
            "demo",
            "--authority-host",
            "https://login.microsoftonline.com",
            "--graph-url",
            "http://127.0.0.1:9/v1.0",
        ],
        "--graph-url",
    );
    assert_refused(
        d,
        &["login", "--profile", "demo", "--tenant", "fabrikam.com"],
        "--tenant",
    );
    assert_refused(
        d,
        &["login", "--profile", "demo", "--client-id", "not-a-guid"],
        "--client-id",
    );
    // The same value as stored is no change; the profile itself was not touched by any of it.
    let (store, _) = Store::open_in(&d.join("data")).expect("store");
    let demo = TenantProfiles::new(&store).resolve("demo").expect("demo");
    assert_eq!(demo.client_id, CLIENT);
    assert_eq!(demo.cloud, Cloud::Global);
}

#[test]
fn update_profile_applies_the_change_explicitly() {
    let dir = with_demo_profile();
    let d = dir.path();
    // Without a keyring the sign-in itself then fails (exit 1), after the change was applied
    // and announced.
    let out = botdeck(
        d,
        &[
            "login",
            "--profile",
            "demo",
            "--client-id",
            OTHER_CLIENT,
            "--update-profile",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let (store, _) = Store::open_in(&d.join("data")).expect("store");
    let demo = TenantProfiles::new(&store)
        .resolve("demo")
        .expect("demo kept");
    assert_eq!(demo.client_id, OTHER_CLIENT);
}

#[test]
fn a_refused_sign_in_leaves_no_half_made_profile() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let out = botdeck(
        d,
        &[
            "login",
            "--profile",
            "fresh",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--client-id",
            CLIENT,
            "--authority-host",
            "http://127.0.0.1:9",
            "--graph-url",
            "http://127.0.0.1:9/v1.0",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = botdeck(d, &["profile", "list", "--json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json"),
        serde_json::json!([])
    );
}

#[test]
fn status_json_covers_signed_out_and_unknown_profiles() {
    let dir = with_demo_profile();
    let d = dir.path();
    let out = botdeck(d, &["status", "--profile", "demo", "--json"]);
    assert_eq!(out.status.code(), Some(1), "signed out is exit 1");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["signedIn"], false);
    assert_eq!(status["profile"], "demo");
    let out = botdeck(d, &["status", "--profile", "ghost", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(error["code"], "not_found");
    // No profile at all: not signed in anywhere (exit 1, as for every command that needs a
    // tenant), and the message names the command that fixes it.
    let empty = tempfile::tempdir().expect("tmp");
    let out = botdeck(empty.path(), &["status", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(error["code"], "sign_in_required", "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("Run: botdeck login --profile NAME --tenant")),
        "{error}"
    );
}

#[test]
fn command_lines_clap_refuses_answer_in_json_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = botdeck(
        dir.path(),
        &["installs", "list", "--no-such-flag", "--json"],
    );
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(error["code"], "invalid_input");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("--no-such-flag")),
        "{error}"
    );
    let out = botdeck(dir.path(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Exit codes"), "{help}");
}
