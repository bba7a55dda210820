//! IPC commands for the Installations page: each parses its payload and calls one
//! `botdeck_api::installations` operation (the same ones `botdeck installs` calls).
//!
//! Progress goes through a `Channel<RunProgress>`, throttled; `installs_cancel` stops the
//! running sync or bulk run after the requests on the wire.

use botdeck_api::error::ApiError;
use botdeck_api::installations;
use botdeck_core::installs::ipc::{
    InstallsBulkRequest, InstallsOverview, InstallsOverviewRequest, InstallsQueryRequest,
    InstallsResumeRequest, InstallsRunItemsRequest, InstallsRunRequest, InstallsSyncRequest,
    InstallsSyncResult,
};
use botdeck_core::installs::{InventoryPage, ItemResult, RunProgress, RunSummary, SavedPlan};
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;

/// Forwards progress to the window, throttled; phase changes and the last item always go.
fn progress_sender(channel: Channel<RunProgress>) -> impl Fn(&RunProgress) + Send + Sync {
    // A closed window is no reason to stop the run; its journal is in SQLite.
    botdeck_api::progress::throttled(move |p: &RunProgress| {
        let _ = channel.send(p.clone());
    })
}

#[tauri::command]
pub fn installs_overview(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<InstallsOverview, ApiError> {
    let InstallsOverviewRequest { app_id } = parse_args(&request)?;
    installations::overview(&state, app_id.as_deref())
}

#[tauri::command]
pub fn installs_query(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<InventoryPage, ApiError> {
    let InstallsQueryRequest { app_id, query } = parse_args(&request)?;
    installations::query(&state, &app_id, &query)
}

#[tauri::command]
pub async fn installs_sync(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<InstallsSyncResult, ApiError> {
    let req: InstallsSyncRequest = parse_args(&request)?;
    let progress = progress_sender(on_progress);
    installations::sync(&state, None, &req, &progress).await
}

#[tauri::command]
pub fn installs_cancel(state: State<'_, AppState>) -> Result<bool, ApiError> {
    Ok(installations::cancel(&state))
}

/// The dry run, saved: the window runs it by its `planId`.
#[tauri::command]
pub async fn installs_plan(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SavedPlan, ApiError> {
    let req: InstallsBulkRequest = parse_args(&request)?;
    installations::plan(&state, None, &req).await
}

/// Runs the plan previewed as `planId`; refused when the tenant changed since the preview.
#[tauri::command]
pub async fn installs_run(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<RunSummary, ApiError> {
    let InstallsRunRequest { plan_id, .. } = parse_args(&request)?;
    let progress = progress_sender(on_progress);
    installations::run(&state, None, &plan_id, &progress).await
}

/// Continues an interrupted run (nothing is done twice); `retryFailed` tries failed items again.
#[tauri::command]
pub async fn installs_resume(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<RunSummary, ApiError> {
    let InstallsResumeRequest {
        run_id,
        retry_failed,
        ..
    } = parse_args(&request)?;
    let progress = progress_sender(on_progress);
    installations::resume(&state, None, &run_id, retry_failed, &progress).await
}

#[tauri::command]
pub fn installs_runs(state: State<'_, AppState>) -> Result<Vec<RunSummary>, ApiError> {
    installations::runs(&state)
}

#[tauri::command]
pub fn installs_run_items(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Vec<ItemResult>, ApiError> {
    let InstallsRunItemsRequest {
        run_id,
        state: only,
    } = parse_args(&request)?;
    installations::run_items(&state, &run_id, only)
}
