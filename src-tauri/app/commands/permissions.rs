//! IPC commands for the Permissions page: each parses its payload and calls
//! `botdeck_api::permissions` for the current sign-in profile.

use botdeck_api::error::ApiError;
use botdeck_api::permissions as api;
use botdeck_api::RunProgress;
use botdeck_core::permissions::{
    BotProfile, FixOutcome, FixPlan, PermsFixRequest, PermsInspectRequest, PermsProfileRequest,
    PermsReport, ProfileFormat,
};
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;

#[tauri::command]
pub fn perms_profiles(state: State<'_, AppState>) -> Result<Vec<BotProfile>, ApiError> {
    api::profiles(&state)
}

/// Validates and stores a profile file read in the webview. Errors name file, line and field.
#[tauri::command]
pub fn perms_import_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<BotProfile, ApiError> {
    api::import_profile(&state, &parse_args(&request)?)
}

/// The profile as JSON or TOML text; the window offers it as a download.
#[tauri::command]
pub fn perms_export_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<String, ApiError> {
    let req: PermsProfileRequest = parse_args(&request)?;
    api::export_profile(
        &state,
        &req.perm_profile_id,
        req.format.unwrap_or(ProfileFormat::Json),
    )
}

#[tauri::command]
pub fn perms_delete_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Vec<BotProfile>, ApiError> {
    let req: PermsProfileRequest = parse_args(&request)?;
    api::delete_profile(&state, &req.perm_profile_id)
}

/// The last complete read, compared with the profile; `null` when it was never read.
#[tauri::command]
pub fn perms_cached(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Option<PermsReport>, ApiError> {
    let req: PermsInspectRequest = parse_args(&request)?;
    api::cached(&state, None, &req)
}

/// Reads the bot's grants now, with progress per team over the channel.
#[tauri::command]
pub async fn perms_inspect(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<PermsReport, ApiError> {
    let req: PermsInspectRequest = parse_args(&request)?;
    // A closed window is no reason to stop reading.
    let progress = botdeck_api::progress::throttled(move |p: &RunProgress| {
        let _ = on_progress.send(p.clone());
    });
    api::inspect(&state, None, &req, &progress).await
}

/// Stops a running permissions read; the cached read stays.
#[tauri::command]
pub fn perms_cancel(state: State<'_, AppState>) -> Result<bool, ApiError> {
    Ok(api::cancel(&state))
}

#[tauri::command]
pub async fn perms_plan_fix(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<FixPlan, ApiError> {
    let req: PermsFixRequest = parse_args(&request)?;
    api::plan_fix(&state, None, &req).await
}

#[tauri::command]
pub async fn perms_apply_fix(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<FixOutcome, ApiError> {
    let req: PermsFixRequest = parse_args(&request)?;
    api::apply_fix(&state, None, &req).await
}
