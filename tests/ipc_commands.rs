//! Drives the real command handlers through Tauri's mock runtime: what the UI sends, what
//! comes back, and that bad payloads get a typed error instead of a crash.

mod common;

use botdeck_app::{AppState, StartupOptions};
use common::*;
use tauri::ipc::InvokeBody;
use tauri::test::get_ipc_response;

use botdeck_core::config::DataPaths;
use serde_json::{json, Value};

#[test]
fn app_info_describes_the_running_app() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    let info = invoke(&h, "app_info", json!({})).expect("app_info");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["demo"], false);
    assert!(info["logFile"]
        .as_str()
        .is_some_and(|p| p.ends_with(".log")));
}

#[test]
fn theme_is_saved_in_sqlite_and_read_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let paths = DataPaths::under(tmp.path());
    {
        let h = harness(paths.clone());
        assert_eq!(
            invoke(&h, "get_ui_settings", json!({})),
            Ok(json!({"theme": "system"}))
        );
        assert_eq!(
            invoke(&h, "set_theme", json!({"theme": "dark"})),
            Ok(json!({"theme": "dark"}))
        );
    }
    let h = harness(paths);
    assert_eq!(
        invoke(&h, "get_ui_settings", json!({})),
        Ok(json!({"theme": "dark"}))
    );
}

#[test]
fn garbage_payloads_get_a_typed_error_and_change_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    invoke(&h, "set_theme", json!({"theme": "light"})).expect("valid call");
    for bad in [
        json!({}),
        json!({"theme": 42}),
        json!({"theme": "purple"}),
        json!({"theme": "dark", "extra": true}),
        json!(null),
        json!([1, 2, 3]),
        json!("dark"),
    ] {
        let err = invoke(&h, "set_theme", bad.clone()).expect_err("must be refused");
        assert_eq!(err["code"], "invalid_request", "{bad} → {err}");
        assert_eq!(err["retryable"], false);
        assert!(err["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("malformed request")));
    }
    let raw = get_ipc_response(
        &h.window,
        request("set_theme", InvokeBody::Raw(vec![0xff, 0x00, 0x13]), &[]),
    );
    let err = raw.expect_err("raw bytes refused");
    assert_eq!(err["code"], "invalid_request");
    assert_eq!(
        invoke(&h, "get_ui_settings", json!({})),
        Ok(json!({"theme": "light"}))
    );
}

#[test]
fn unknown_commands_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    assert!(invoke(&h, "delete_everything", json!({})).is_err());
}

#[test]
fn unusable_data_dir_is_a_notice_and_typed_errors_not_a_crash() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, b"x").expect("write");
    let h = harness(DataPaths {
        data_dir: file.join("data"),
        log_dir: tmp.path().join("logs"),
    });
    let info = invoke(&h, "app_info", json!({})).expect("app still answers");
    let notices = info["notices"].as_array().expect("notices");
    assert!(
        notices
            .iter()
            .any(|n| n["id"] == "cache-unavailable" && n["level"] == "error"),
        "{notices:?}"
    );
    let err = invoke(&h, "get_ui_settings", json!({})).expect_err("no store");
    assert_eq!(err["code"], "store");
    let err = invoke(&h, "set_theme", json!({"theme": "dark"})).expect_err("no store");
    assert_eq!(err["code"], "store");
}

#[test]
fn corrupt_cache_is_recreated_and_announced_and_settings_survive() {
    let tmp = tempfile::tempdir().expect("tmp");
    let paths = DataPaths::under(tmp.path());
    {
        let h = harness(paths.clone());
        invoke(&h, "set_theme", json!({"theme": "dark"})).expect("set theme");
    }
    std::fs::write(paths.cache_file(), b"garbage garbage garbage").expect("write");
    let h = harness(paths);
    let info = invoke(&h, "app_info", json!({})).expect("app_info");
    let notice = info["notices"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["id"] == "cache-recreated").cloned())
        .expect("notice");
    assert!(notice["message"]
        .as_str()
        .is_some_and(|m| m.contains("rebuilt")));
    assert_eq!(
        invoke(&h, "get_ui_settings", json!({})),
        Ok(json!({"theme": "dark"})),
        "settings live in the state database, not the cache"
    );
}

#[test]
fn doctor_runs_through_ipc() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    for depth in ["quick", "thorough"] {
        let report = invoke(&h, "run_doctor", json!({ "depth": depth })).expect("doctor");
        let ids: Vec<&str> = report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(ids, ["data_dir", "sqlite", "log_dir", "keyring", "webview"]);
        // The window holds the store open: the quick look only reads the schema versions, the
        // thorough one checks integrity.
        let sqlite = report["checks"][1]["detail"].as_str().expect("detail");
        assert_eq!(
            sqlite.contains("integrity_check passed"),
            depth == "thorough",
            "{depth}: {sqlite}"
        );
    }
}

#[test]
fn profiles_are_created_validated_switched_and_removed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    let empty = invoke(&h, "get_session", json!({})).expect("session");
    assert_eq!(empty["profiles"], json!([]));
    assert_eq!(empty["signedIn"], false);

    let bad = invoke(
        &h,
        "create_profile",
        json!({"name": "Fabrikam", "tenant": "not a tenant", "cloud": {"kind": "global"},
               "clientId": "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36"}),
    )
    .expect_err("invalid tenant");
    assert_eq!(bad["code"], "invalid_input");
    assert!(bad["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("tenant:")));

    let session = invoke(
        &h,
        "create_profile",
        json!({"name": "Fabrikam", "tenant": "fabrikam.onmicrosoft.com", "cloud": {"kind": "usGovHigh"},
               "clientId": "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36"}),
    )
    .expect("created");
    assert_eq!(session["current"]["name"], "Fabrikam");
    assert_eq!(session["current"]["cloud"], json!({"kind": "usGovHigh"}));
    let id = session["current"]["id"].as_str().expect("id").to_string();

    let dup = invoke(
        &h,
        "create_profile",
        json!({"name": "fabrikam", "tenant": "fabrikam.onmicrosoft.com", "cloud": {"kind": "global"},
               "clientId": "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36"}),
    )
    .expect_err("duplicate name");
    assert_eq!(dup["code"], "invalid_input");

    for bad in [json!({}), json!({"profileId": 7}), json!({"id": "x"})] {
        let err = invoke(&h, "switch_profile", bad).expect_err("malformed");
        assert_eq!(err["code"], "invalid_request");
    }
    let err = invoke(&h, "switch_profile", json!({"profileId": "nope"})).expect_err("unknown");
    assert_eq!(err["code"], "not_found");

    // Removing deletes the profile's tokens first; without a reachable keyring that cannot
    // happen, so the profile stays rather than leave tokens behind.
    match invoke(&h, "remove_profile", json!({"profileId": id})) {
        Ok(after) => {
            assert_eq!(after["profiles"], json!([]));
            assert_eq!(after["current"], Value::Null);
        }
        Err(err) => {
            assert_eq!(err["code"], "keyring", "{err}");
            let session = invoke(&h, "get_session", json!({})).expect("session");
            assert_eq!(session["profiles"].as_array().map(Vec::len), Some(1));
        }
    }
}

#[test]
fn sign_in_without_a_usable_keyring_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    let session = invoke(&h, "get_session", json!({})).expect("session");
    // The mock-runtime tests run without a Secret Service (see Makefile: only ignored tests
    // get one), so the window must know sign-in is impossible before the admin tries.
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        assert_eq!(session["canSignIn"], false);
    }
    let err = invoke(&h, "sign_out", json!({"profileId": 42})).expect_err("malformed");
    assert_eq!(err["code"], "invalid_request");
}

#[test]
fn only_web_addresses_are_opened_and_never_in_the_webview() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    for bad in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://evil.example/login",
        "not a url",
    ] {
        let err = invoke(&h, "open_external", json!({"url": bad})).expect_err(bad);
        assert_eq!(err["code"], "invalid_input", "{bad}: {err}");
    }
    // A valid address with no system browser wired (mock runtime) is an error, not a crash.
    let err = invoke(
        &h,
        "open_external",
        json!({"url": "https://login.microsoftonline.com/x"}),
    )
    .expect_err("no opener in the mock runtime");
    assert_eq!(err["code"], "internal");
}

#[test]
fn scope_catalog_explains_every_scope() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    let scopes = invoke(&h, "scope_catalog", json!({})).expect("scopes");
    let list = scopes.as_array().expect("array");
    assert!(list
        .iter()
        .any(|s| s["scope"] == "User.Read" && s["feature"] == "read_tenant"));
    assert!(list
        .iter()
        .all(|s| s["reason"].as_str().is_some_and(|r| !r.is_empty())));
}

#[test]
fn demo_mode_starts_the_simulated_tenant_and_selects_its_profile() {
    let tmp = tempfile::tempdir().expect("tmp");
    let options = StartupOptions {
        demo: true,
        ..StartupOptions::default()
    };
    let state = AppState::start(DataPaths::under(tmp.path()), &options, None);
    let h = harness_with(state);
    let info = invoke(&h, "app_info", json!({})).expect("app_info");
    assert_eq!(info["demo"], true);
    let url = info["demoTenantUrl"].as_str().expect("sim url").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let session = invoke(&h, "get_session", json!({})).expect("session");
    assert_eq!(session["current"]["name"], "Contoso (demo)");
    assert_eq!(session["current"]["isDemo"], true);
    let graph = session["current"]["cloud"]["graphBaseUrl"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(graph, format!("{url}/v1.0"));
    let err = invoke(
        &h,
        "remove_profile",
        json!({"profileId": session["current"]["id"].clone()}),
    )
    .expect_err("the open demo profile stays");
    assert_eq!(err["code"], "invalid_input");
}
