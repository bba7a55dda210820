//! IPC commands for the catalog page: thin adapters over `botdeck_api::catalog`.
//!
//! A package to publish arrives as raw bytes (`invoke(cmd, Uint8Array, {headers})`); the
//! options travel in `x-botdeck-*` headers. Refusals the page acts on come back as data.

use botdeck_api::catalog;
use botdeck_api::error::ApiError;
use botdeck_core::catalog::ipc::{
    CatalogDeleteRequest, CatalogFindRequest, CatalogListRequest, CatalogPublishOpenRequest,
    CatalogReviewRequest, CatalogView, LocalPackageInfo, PackageCheck, PublishResult,
};
use botdeck_core::catalog::{CatalogApp, PublishOptions};
use tauri::ipc::{InvokeBody, Request};
use tauri::State;

use crate::ipc::parse_args;
use crate::state::AppState;

const CATALOG_ID_HEADER: &str = "x-botdeck-catalog-id";
const UPDATE_IF_EXISTS_HEADER: &str = "x-botdeck-update-if-exists";
const REVIEW_HEADER: &str = "x-botdeck-review";

fn package_bytes(request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    match request.body() {
        InvokeBody::Raw(bytes) => {
            catalog::check_upload_size(bytes)?;
            Ok(bytes.clone())
        }
        InvokeBody::Json(_) => Err(ApiError::invalid_request(
            "malformed request: expected the package's bytes, got JSON",
        )),
    }
}

fn header_flag(request: &Request<'_>, name: &str) -> bool {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v.trim(), "1" | "true"))
}

/// The package open in the Package page, compared with the catalog's versions.
fn local_package(state: &AppState) -> Option<LocalPackageInfo> {
    state
        .open_package()
        .as_ref()
        .and_then(botdeck_api::package::local_package)
}

/// Org apps with every definition: from Graph with `refresh`, else from the cache.
#[tauri::command]
pub async fn catalog_list(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<CatalogView, ApiError> {
    let req: CatalogListRequest = parse_args(&request)?;
    catalog::list(&state, None, &req, local_package(&state)).await
}

/// Finds an app outside the org catalog (a Teams store bot) by name or id.
#[tauri::command]
pub async fn catalog_find(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<CatalogView, ApiError> {
    let req: CatalogFindRequest = parse_args(&request)?;
    catalog::find(&state, None, &req, local_package(&state)).await
}

/// Publishes a package (raw zip). `x-botdeck-update-if-exists: 1` uploads it as an update
/// when its manifest id is already in the catalog; `x-botdeck-review: 1` submits for review.
#[tauri::command]
pub async fn catalog_publish(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PublishResult, ApiError> {
    let zip = package_bytes(&request)?;
    let options = PublishOptions {
        requires_review: header_flag(&request, REVIEW_HEADER),
        update_if_exists: header_flag(&request, UPDATE_IF_EXISTS_HEADER),
        skip_local_validation: false,
    };
    catalog::publish(&state, None, zip, options).await
}

/// Uploads a package (raw zip) as a new definition of the app in `x-botdeck-catalog-id`.
#[tauri::command]
pub async fn catalog_update(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PublishResult, ApiError> {
    let zip = package_bytes(&request)?;
    let catalog_id = request
        .headers()
        .get(CATALOG_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_request(format!("malformed request: {CATALOG_ID_HEADER} is missing"))
        })?;
    let options = PublishOptions {
        requires_review: header_flag(&request, REVIEW_HEADER),
        update_if_exists: true,
        skip_local_validation: false,
    };
    catalog::update(&state, None, Some(&catalog_id), zip, options).await
}

/// Reads a chosen zip (raw bytes) locally: nothing is uploaded and no sign-in is needed.
#[tauri::command]
pub fn catalog_inspect(request: Request<'_>) -> Result<PackageCheck, ApiError> {
    catalog::inspect(&package_bytes(&request)?)
}

/// Publishes the package open in the Package page, as a new app or an update of `catalogId`.
#[tauri::command]
pub async fn catalog_publish_open(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PublishResult, ApiError> {
    let req: CatalogPublishOpenRequest = parse_args(&request)?;
    // A copy: the open package may change while the upload runs.
    let open = state.open_package().clone();
    catalog::publish_open(&state, None, &req, open).await
}

/// Approves (publishes) or rejects a submitted definition.
#[tauri::command]
pub async fn catalog_review(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<CatalogApp, ApiError> {
    let req: CatalogReviewRequest = parse_args(&request)?;
    catalog::review(&state, None, &req).await
}

/// Withdraws a submitted definition (the whole app when nothing of it is published).
#[tauri::command]
pub async fn catalog_withdraw(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Option<CatalogApp>, ApiError> {
    let req: CatalogReviewRequest = parse_args(&request)?;
    catalog::withdraw(&state, None, &req).await
}

/// Deletes an org app from the catalog (the page confirms first).
#[tauri::command]
pub async fn catalog_delete(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<(), ApiError> {
    let req: CatalogDeleteRequest = parse_args(&request)?;
    catalog::delete(&state, None, &req).await
}
