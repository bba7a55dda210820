//! `#[tauri::command]` adapters. Each one: parse, call core, map the error. Nothing else.

pub mod auth;
pub mod catalog;
pub mod installs;
pub mod links;
pub mod package;
pub mod permissions;

use botdeck_api::error::ApiError;
use botdeck_api::views::{AppInfo, SetThemeRequest, ThemePreference, UiSettings};
use botdeck_core::doctor::DoctorReport;
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::parse_args;
use crate::state::AppState;

const THEME_KEY: &str = "ui.theme";

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, ApiError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: env!("BOTDECK_COMMIT").to_string(),
        data_dir: state.paths().data_dir.display().to_string(),
        log_file: botdeck_core::logging::current_log_file(&state.paths().log_dir)
            .display()
            .to_string(),
        demo: state.demo.is_some(),
        demo_tenant_url: state.demo.as_ref().map(|d| d.sim.base_url()),
        notices: state.notices().to_vec(),
    })
}

/// Runs on a blocking thread: the keyring probe talks D-Bus and may take a moment.
#[tauri::command]
pub async fn run_doctor(state: State<'_, AppState>) -> Result<DoctorReport, ApiError> {
    let paths = state.paths().clone();
    tokio::task::spawn_blocking(move || botdeck_core::doctor::run(&paths))
        .await
        .map_err(|err| {
            ApiError::new(
                botdeck_api::error::ErrorCode::Internal,
                format!("the health check stopped unexpectedly: {err}"),
            )
        })
}

#[tauri::command]
pub fn get_ui_settings(state: State<'_, AppState>) -> Result<UiSettings, ApiError> {
    let stored = state.store()?.setting(THEME_KEY)?;
    // An unknown stored value (older or newer build) falls back to the system theme.
    let theme = stored
        .and_then(|text| serde_json::from_value(serde_json::Value::String(text)).ok())
        .unwrap_or(ThemePreference::System);
    Ok(UiSettings { theme })
}

#[tauri::command]
pub fn set_theme(state: State<'_, AppState>, request: Request<'_>) -> Result<UiSettings, ApiError> {
    let SetThemeRequest { theme } = parse_args(&request)?;
    let text = match theme {
        ThemePreference::Light => "light",
        ThemePreference::Dark => "dark",
        ThemePreference::System => "system",
    };
    state.store()?.set_setting(THEME_KEY, text)?;
    Ok(UiSettings { theme })
}

#[tauri::command]
pub fn recent_activity(
    state: State<'_, AppState>,
) -> Result<Vec<botdeck_core::audit::AuditRecord>, ApiError> {
    Ok(botdeck_core::audit::recent(&*state.store()?, 5000)?)
}
