//! The mock-runtime harness shared by the `tests/ipc_*.rs` suites: the real command handlers,
//! Tauri's mock runtime, no display.
#![allow(dead_code)]

use botdeck_app::{AppState, StartupOptions};
use botdeck_core::config::DataPaths;
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

pub struct Harness {
    pub app: App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    _tmp: Option<tempfile::TempDir>,
}

/// An app over `state`, with its main window.
pub fn harness_with(state: AppState) -> Harness {
    let app = botdeck_app::build(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("mock window");
    Harness {
        app,
        window,
        _tmp: None,
    }
}

pub fn harness(paths: DataPaths) -> Harness {
    harness_with(AppState::start(paths, &StartupOptions::default(), None))
}

/// A harness over a throwaway data folder that lives as long as the harness.
pub fn fresh_harness() -> Harness {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut h = harness(DataPaths::under(tmp.path()));
    h._tmp = Some(tmp);
    h
}

/// The same, handing the folder to the caller (tests that look inside it).
pub fn fresh() -> (tempfile::TempDir, Harness) {
    let tmp = tempfile::tempdir().expect("tmp");
    let h = harness(DataPaths::under(tmp.path()));
    (tmp, h)
}

pub fn request(cmd: &str, body: InvokeBody, headers: &[(&'static str, &str)]) -> InvokeRequest {
    let mut map = tauri::http::HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, value.parse().expect("header value"));
    }
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        // The mock runtime's local origin on Linux (see PLATFORM-NOTES).
        url: "tauri://localhost".parse().expect("url"),
        body,
        headers: map,
        invoke_key: INVOKE_KEY.to_string(),
    }
}

pub fn invoke(h: &Harness, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(&h.window, request(cmd, InvokeBody::Json(args), &[]))
        .map(|body| body.deserialize::<Value>().expect("json response"))
}

/// Raw bytes as the body (uploads), with request headers.
pub fn invoke_raw(
    h: &Harness,
    cmd: &str,
    bytes: Vec<u8>,
    headers: &[(&'static str, &str)],
) -> Result<Value, Value> {
    get_ipc_response(&h.window, request(cmd, InvokeBody::Raw(bytes), headers))
        .map(|body| body.deserialize::<Value>().expect("json response"))
}
