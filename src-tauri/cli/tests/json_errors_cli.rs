//! With `--json`, every command's failure is exactly the api's error — the object the window
//! gets over IPC (`{code, message, retryable}`, `actionUrl` when a page fixes it) — on stdout,
//! and the exit code is `ApiError::exit_code()`: 2 for invalid_input / invalid_request /
//! not_found, 1 for everything else. Runs without a keyring and without a tenant.

mod common;

use std::path::Path;
use std::process::Output;

use botdeck_api::error::ApiError;
use botdeck_core::config::Cloud;
use botdeck_core::profiles::{NewTenantProfile, TenantProfiles};
use botdeck_core::store::Store;
use serde_json::Value;

fn botdeck(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(args)
        .env("BOTDECK_DATA_DIR", dir.join("data"))
        .env("BOTDECK_LOG_DIR", dir.join("logs"))
        // No keyring: a bad value that slipped past validation would fail with `keyring`.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .output()
        .expect("run botdeck")
}

/// stdout is one JSON object that *is* a serialised `ApiError` (nothing more, nothing less),
/// its code is `code`, and the exit code is the api's for it.
fn assert_api_error(args: &[&str], out: &Output, code: &str) {
    let what = format!("{args:?}: {}", common::text(out));
    let value: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {what}"));
    let object = value.as_object().unwrap_or_else(|| panic!("{what}"));
    for key in object.keys() {
        assert!(
            ["code", "message", "retryable", "actionUrl"].contains(&key.as_str()),
            "unexpected key {key}: {what}"
        );
    }
    assert!(value["retryable"].is_boolean(), "{what}");
    assert!(
        value["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}"
    );
    let err: ApiError =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {what}"));
    assert_eq!(
        serde_json::to_value(&err).expect("json"),
        value,
        "exactly the api's serialisation: {what}"
    );
    assert_eq!(value["code"], code, "{what}");
    assert_eq!(
        out.status.code(),
        Some(i32::from(err.exit_code())),
        "{what}"
    );
    let expected_exit = match code {
        "invalid_input" | "invalid_request" | "not_found" => 2,
        _ => 1,
    };
    assert_eq!(out.status.code(), Some(expected_exit), "{what}");
}

#[test]
fn every_feature_answers_a_bad_value_with_the_api_error_and_its_exit_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    {
        let (store, _) = Store::open_in(&d.join("data")).expect("store");
        TenantProfiles::new(&store)
            .create(
                &NewTenantProfile {
                    name: "demo".into(),
                    tenant: "contoso.onmicrosoft.com".into(),
                    cloud: Cloud::Global,
                    client_id: "11111111-2222-3333-4444-555555555555".into(),
                },
                false,
            )
            .expect("profile");
    }
    let not_a_zip = d.join("not-a-package.zip");
    std::fs::write(&not_a_zip, b"plain text, not a zip").expect("write");
    let not_a_zip = not_a_zip.to_string_lossy().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // Sign-in and profiles.
        (
            vec![
                "login",
                "--profile",
                "New",
                "--tenant",
                "contoso.onmicrosoft.com",
                "--client-id",
                "not-a-guid",
            ],
            "invalid_input",
        ),
        (vec!["login", "--cloud", "mars"], "invalid_input"),
        (vec!["status", "--profile", "ghost"], "not_found"),
        (vec!["logout", "--profile", "ghost"], "not_found"),
        (vec!["profile", "use", "ghost"], "not_found"),
        (vec!["profile", "remove", "ghost"], "not_found"),
        // Installations, permissions, catalog, links, packages.
        (vec!["installs", "list", "--limit", "0"], "invalid_input"),
        (vec!["installs", "resume", "--run", "abc"], "invalid_input"),
        (
            vec!["perms", "show", "--team", "not-a-team-id"],
            "invalid_input",
        ),
        (vec!["catalog", "publish", &not_a_zip], "invalid_input"),
        (vec!["links", "list", "--kind", "galaxy"], "invalid_input"),
        (vec!["package", "inspect", &not_a_zip], "invalid_input"),
        // A command line clap refuses.
        (vec!["installs", "list", "--no-such-flag"], "invalid_input"),
    ];
    for (args, code) in cases {
        let mut with_json = args.clone();
        with_json.push("--json");
        let out = botdeck(d, &with_json);
        assert_api_error(&with_json, &out, code);
    }
}

#[test]
fn a_failure_that_is_not_bad_input_exits_1_with_the_same_shape() {
    let empty = tempfile::tempdir().expect("tmp");
    // No tenant at all: sign_in_required, with the command that fixes it.
    let args = ["logout", "--json"];
    let out = botdeck(empty.path(), &args);
    assert_api_error(&args, &out, "sign_in_required");
    let message = common::json(&out)["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("Run: botdeck login"), "{message}");

    // Without --json the same failure is one line on stderr and nothing on stdout.
    let out = botdeck(empty.path(), &["logout"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", common::text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("botdeck: "), "{stderr}");
}
