//! IPC commands for the Links page: each parses its arguments and makes one `botdeck_api::links`
//! call (the command line makes the same ones), for the current profile.

use botdeck_api::error::ApiError;
use botdeck_api::links;
use botdeck_core::installs::{RunProgress, RunSummary};
use botdeck_core::links::check::{LinkEvidenceResult, LinkHealthReport, LinkReachOutcome};
use botdeck_core::links::ipc::{
    LinksAddRequest, LinksAddResult, LinksConfirmRequest, LinksDisconnectRequest,
    LinksExportRequest, LinksFixRequest, LinksIdsRequest, LinksImportRequest, LinksOverview,
    LinksOverviewRequest, LinksReachRequest, LinksRemoveResult, LinksVendorRequest,
};
use botdeck_core::links::pick::{LinkTargetChoices, LinksTargetsRequest};
use botdeck_core::links::transfer::LinkImportReport;
use botdeck_core::links::{Link, LinkDisconnectOutcome, VendorProfile};
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;

fn progress_sender(channel: Channel<RunProgress>) -> impl Fn(&RunProgress) + Send + Sync {
    // A closed window is no reason to stop the run; its journal is in SQLite.
    botdeck_api::progress::throttled(move |p: &RunProgress| {
        let _ = channel.send(p.clone());
    })
}

#[tauri::command]
pub fn links_overview(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinksOverview, ApiError> {
    let req: LinksOverviewRequest = parse_args(&request)?;
    links::overview(&state, None, &req)
}

#[tauri::command]
pub async fn links_add(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinksAddResult, ApiError> {
    let req: LinksAddRequest = parse_args(&request)?;
    links::add(&state, None, &req).await
}

#[tauri::command]
pub fn links_confirm(state: State<'_, AppState>, request: Request<'_>) -> Result<Link, ApiError> {
    let req: LinksConfirmRequest = parse_args(&request)?;
    links::confirm(&state, None, &req)
}

#[tauri::command]
pub async fn links_evidence(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Vec<LinkEvidenceResult>, ApiError> {
    let req: LinksIdsRequest = parse_args(&request)?;
    links::evidence(&state, None, &req).await
}

#[tauri::command]
pub async fn links_health(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<LinkHealthReport, ApiError> {
    let req: LinksIdsRequest = parse_args(&request)?;
    links::health(&state, None, &req, &progress_sender(on_progress)).await
}

#[tauri::command]
pub async fn links_remove(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<LinksRemoveResult, ApiError> {
    let req: LinksIdsRequest = parse_args(&request)?;
    links::remove(&state, None, &req, &progress_sender(on_progress)).await
}

#[tauri::command]
pub fn links_disconnect(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinkDisconnectOutcome, ApiError> {
    let req: LinksDisconnectRequest = parse_args(&request)?;
    links::disconnect(&state, None, &req)
}

#[tauri::command]
pub async fn links_reach(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<LinkReachOutcome, ApiError> {
    let req: LinksReachRequest = parse_args(&request)?;
    links::reach(&state, None, &req, &progress_sender(on_progress)).await
}

#[tauri::command]
pub async fn links_fix(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<Vec<RunSummary>, ApiError> {
    let req: LinksFixRequest = parse_args(&request)?;
    links::fix(&state, None, &req, &progress_sender(on_progress)).await
}

#[tauri::command]
pub fn links_export(state: State<'_, AppState>, request: Request<'_>) -> Result<String, ApiError> {
    let req: LinksExportRequest = parse_args(&request)?;
    Ok(links::export(&state, None, &req)?.text)
}

#[tauri::command]
pub fn links_import(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinkImportReport, ApiError> {
    let req: LinksImportRequest = parse_args(&request)?;
    links::import(&state, None, &req)
}

#[tauri::command]
pub fn links_save_vendor(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<VendorProfile, ApiError> {
    let req: LinksVendorRequest = parse_args(&request)?;
    links::save_vendor(&state, None, &req)
}

#[tauri::command]
pub async fn links_targets(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinkTargetChoices, ApiError> {
    let req: LinksTargetsRequest = parse_args(&request)?;
    links::targets(&state, None, &req).await
}
