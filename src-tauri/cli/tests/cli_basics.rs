//! The `botdeck` binary as a script would use it.

use std::process::{Command, Output};

fn botdeck(args: &[&str], data: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(args)
        .env("BOTDECK_DATA_DIR", data.join("data"))
        .env("BOTDECK_LOG_DIR", data.join("logs"))
        .output()
        .expect("run botdeck")
}

#[test]
fn version_prints_the_package_version_and_commit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = botdeck(&["--version"], tmp.path());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let expected_prefix = format!("botdeck {} (commit ", env!("CARGO_PKG_VERSION"));
    let commit = text
        .trim()
        .strip_prefix(&expected_prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version output: {text}"));
    if std::env::var_os("BOTDECK_COMMIT").is_some() {
        // A packager's override wins over git (build_commit.rs).
        return;
    }
    // Run from a git checkout, the commit is the checkout's HEAD; without git, "unknown".
    let from_git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if from_git.is_empty() {
        assert_eq!(commit, "unknown", "{text}");
    } else {
        assert_eq!(commit, from_git, "{text}");
    }
}

#[test]
fn doctor_json_reports_every_check() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = botdeck(&["doctor", "--json"], tmp.path());
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("doctor --json prints JSON");
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["data_dir", "sqlite", "log_dir", "keyring", "webview"]);
    let sqlite = &report["checks"][1];
    assert_eq!(sqlite["status"], "ok", "{sqlite}");
    assert!(tmp.path().join("data/state.sqlite3").exists());
    assert!(tmp.path().join("data/cache.sqlite3").exists());
}

#[test]
fn doctor_fails_clearly_without_a_session_bus() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(["doctor", "--json"])
        .env("BOTDECK_DATA_DIR", tmp.path().join("data"))
        .env("BOTDECK_LOG_DIR", tmp.path().join("logs"))
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .output()
        .expect("run botdeck");
    assert_eq!(out.status.code(), Some(1), "a failed check is exit code 1");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let keyring = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "keyring"))
        .expect("keyring check");
    assert_eq!(keyring["status"], "fail");
    let detail = keyring["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("D-Bus"), "{detail}");
    assert!(keyring["hint"]
        .as_str()
        .is_some_and(|h| h.contains("never stores tokens elsewhere")));
}

#[test]
fn doctor_on_unusable_data_dir_is_exit_1_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(["doctor"])
        .env("BOTDECK_DATA_DIR", file.join("data"))
        .env("BOTDECK_LOG_DIR", tmp.path().join("logs"))
        .output()
        .expect("run botdeck");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[FAIL] Data folder writable"), "{text}");
    assert!(text.contains("not-a-dir"), "{text}");
}

#[test]
fn unknown_flags_and_commands_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    for args in [&["doctor", "--jsn"][..], &["frobnicate"][..], &[][..]] {
        let out = botdeck(args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            !out.stderr.is_empty(),
            "{args:?} must explain itself on stderr"
        );
    }
}
