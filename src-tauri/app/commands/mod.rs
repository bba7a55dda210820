//! `#[tauri::command]` adapters. Each one: parse the payload, call the api, return. Nothing else.

pub mod auth;
pub mod catalog;
pub mod installs;
pub mod links;
pub mod package;
pub mod permissions;

use botdeck_api::error::ApiError;
use botdeck_api::settings;
use botdeck_api::views::{AppInfo, DoctorRequest, SetThemeRequest, UiSettings};
use botdeck_core::audit::AuditRecord;
use botdeck_core::doctor::DoctorReport;
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::parse_args;
use crate::state::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, ApiError> {
    let demo_url = state.demo.as_ref().map(|d| d.sim.base_url());
    Ok(settings::app_info(&state, env!("BOTDECK_COMMIT"), demo_url))
}

#[tauri::command]
pub async fn run_doctor(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<DoctorReport, ApiError> {
    let DoctorRequest { depth } = parse_args(&request)?;
    settings::doctor(state.paths().clone(), depth).await
}

#[tauri::command]
pub fn get_ui_settings(state: State<'_, AppState>) -> Result<UiSettings, ApiError> {
    settings::ui_settings(&state)
}

#[tauri::command]
pub fn set_theme(state: State<'_, AppState>, request: Request<'_>) -> Result<UiSettings, ApiError> {
    let SetThemeRequest { theme } = parse_args(&request)?;
    settings::set_theme(&state, theme)
}

#[tauri::command]
pub fn recent_activity(state: State<'_, AppState>) -> Result<Vec<AuditRecord>, ApiError> {
    settings::recent_activity(&state)
}
