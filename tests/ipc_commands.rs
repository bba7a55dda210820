//! Drives the real command handlers through Tauri's mock runtime: what the UI sends, what
//! comes back, and that bad payloads get a typed error instead of a crash.

use botdeck_app::{AppState, StartupOptions};
use botdeck_core::config::DataPaths;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn harness(paths: DataPaths) -> Harness {
    let state = AppState::start(paths, &StartupOptions::default(), None);
    let app = botdeck_app::build(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("mock window");
    Harness { _app: app, window }
}

fn request(cmd: &str, body: InvokeBody) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        // The mock runtime's local origin on Linux (see PLATFORM-NOTES).
        url: "tauri://localhost".parse().expect("url"),
        body,
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

fn invoke(h: &Harness, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(&h.window, request(cmd, InvokeBody::Json(args)))
        .map(|body| body.deserialize::<Value>().expect("json response"))
}

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
        request("set_theme", InvokeBody::Raw(vec![0xff, 0x00, 0x13])),
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
fn corrupt_cache_is_recreated_and_announced() {
    let tmp = tempfile::tempdir().expect("tmp");
    let paths = DataPaths::under(tmp.path());
    std::fs::create_dir_all(&paths.data_dir).expect("mkdir");
    std::fs::write(paths.database_file(), b"garbage garbage garbage").expect("write");
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
        Ok(json!({"theme": "system"}))
    );
}

#[test]
fn doctor_runs_through_ipc() {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    let report = invoke(&h, "run_doctor", json!({})).expect("doctor");
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["data_dir", "sqlite", "log_dir", "keyring", "webview"]);
}
