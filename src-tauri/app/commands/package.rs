//! IPC commands for the package page: thin adapters over `botdeck_api::package`.
//!
//! Which package is open is the window's own state (`AppState::open_package`, a [`Studio`]);
//! every change to it is an api function, answering with a fresh `PackageView`.
//!
//! Files the admin picks in the window (a zip to open or compare, an icon) arrive as raw bytes
//! (`invoke(cmd, Uint8Array, {headers})` → `InvokeBody::Raw`): no base64 inflation, and the app
//! needs no file-system plugin. The file name travels URI-encoded in `x-botdeck-file-name`.

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_api::package;
use botdeck_core::package::ipc::{
    BuildRequest, BuildResult, BumpRequest, CatalogVersionRequest, DiffResult, IconChange,
    IconFixPreview, IconRequest, IconRole, NewPackageRequest, OpenPathRequest, PackageEditRequest,
    PackageView, SetManifestRequest,
};
use botdeck_core::package::studio::Studio;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;

use crate::ipc::parse_args;
use crate::state::AppState;

const FILE_NAME_HEADER: &str = "x-botdeck-file-name";
const ICON_HEADER: &str = "x-botdeck-icon";

fn raw_body<'a>(request: &'a Request<'_>) -> Result<&'a [u8], ApiError> {
    match request.body() {
        InvokeBody::Raw(bytes) => {
            package::check_upload(bytes)?;
            Ok(bytes)
        }
        InvokeBody::Json(_) => Err(ApiError::invalid_request(
            "malformed request: expected the file's bytes, got JSON",
        )),
    }
}

/// Decodes `%XX` escapes (the UI sends `encodeURIComponent(name)`: headers are ASCII only).
/// Anything undecodable is kept as is: the name is only a label.
fn header_text(request: &Request<'_>, name: &str) -> Option<String> {
    let raw = request.headers().get(name)?.to_str().ok()?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let text = String::from_utf8_lossy(&out).trim().to_string();
    (!text.is_empty()).then(|| text.chars().take(255).collect())
}

fn with_open<T>(
    state: &AppState,
    f: impl FnOnce(&mut Studio) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut slot = state.open_package();
    let studio = slot.as_mut().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "no package is open; open a zip or start a new bot app",
        )
    })?;
    f(studio)
}

fn replace_open(state: &AppState, studio: Studio) -> PackageView {
    let view = studio.view();
    *state.open_package() = Some(studio);
    view
}

/// Opens a zip given as raw bytes.
#[tauri::command]
pub fn package_open(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PackageView, ApiError> {
    let name = header_text(&request, FILE_NAME_HEADER);
    let studio = package::open(name.as_deref(), raw_body(&request)?)?;
    Ok(replace_open(&state, studio))
}

/// Opens a package folder or zip file by absolute path.
#[tauri::command]
pub fn package_open_path(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PackageView, ApiError> {
    let req: OpenPathRequest = parse_args(&request)?;
    Ok(replace_open(&state, package::open_path(&req)?))
}

#[tauri::command]
pub fn package_new(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PackageView, ApiError> {
    let req: NewPackageRequest = parse_args(&request)?;
    Ok(replace_open(&state, package::new(&req)?))
}

/// The open package, if any (the page asks when it is shown again).
#[tauri::command]
pub fn package_current(state: State<'_, AppState>) -> Result<Option<PackageView>, ApiError> {
    Ok(state.open_package().as_ref().map(Studio::view))
}

#[tauri::command]
pub fn package_close(state: State<'_, AppState>) -> Result<(), ApiError> {
    *state.open_package() = None;
    Ok(())
}

#[tauri::command]
pub fn package_edit(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PackageView, ApiError> {
    let req: PackageEditRequest = parse_args(&request)?;
    with_open(&state, |s| package::edit(s, &req))
}

#[tauri::command]
pub fn package_set_manifest(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PackageView, ApiError> {
    let req: SetManifestRequest = parse_args(&request)?;
    with_open(&state, |s| package::set_manifest(s, &req))
}

#[tauri::command]
pub fn package_set_catalog_version(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PackageView, ApiError> {
    let req: CatalogVersionRequest = parse_args(&request)?;
    with_open(&state, |s| package::set_catalog_version(s, &req))
}

#[tauri::command]
pub fn package_bump(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PackageView, ApiError> {
    let req: BumpRequest = parse_args(&request)?;
    with_open(&state, |s| package::bump(s, &req))
}

#[tauri::command]
pub fn package_icon_fix_preview(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<IconFixPreview, ApiError> {
    let req: IconRequest = parse_args(&request)?;
    with_open(&state, |s| package::icon_fix_preview(s, &req))
}

#[tauri::command]
pub fn package_icon_fix(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<IconChange, ApiError> {
    let req: IconRequest = parse_args(&request)?;
    with_open(&state, |s| package::icon_fix(s, &req))
}

/// Replaces an icon with a PNG/JPEG given as raw bytes; `x-botdeck-icon` says which one.
#[tauri::command]
pub fn package_icon_replace(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<IconChange, ApiError> {
    let bytes = raw_body(&request)?;
    let role = match header_text(&request, ICON_HEADER).as_deref() {
        Some("color") => IconRole::Color,
        Some("outline") => IconRole::Outline,
        _ => {
            return Err(ApiError::invalid_request(
                "malformed request: the x-botdeck-icon header must be color or outline",
            ))
        }
    };
    with_open(&state, |s| package::icon_replace(s, role, bytes))
}

/// Builds the deterministic zip and writes it to a folder (default: the OS Downloads folder).
/// A Rust-side write rather than a webview download: WebKitGTK inside Tauri has no download
/// UI, and the admin should see exactly where the file went.
#[tauri::command]
pub fn package_build(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<BuildResult, ApiError> {
    let req: BuildRequest = parse_args(&request)?;
    with_open(&state, |s| package::build(s, &req))
}

/// Compares another zip (raw bytes; the old side) with the open package (the new side).
#[tauri::command]
pub fn package_diff(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<DiffResult, ApiError> {
    let bytes = raw_body(&request)?;
    let other = header_text(&request, FILE_NAME_HEADER);
    with_open(&state, |s| package::diff(s, other.as_deref(), bytes))
}
