//! Profiles and sign-in. Tokens never come here: the UI sees profiles and identities only.

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_api::profiles;
use botdeck_api::views::{OpenUrlRequest, ProfileRequest, SessionView, SignInEvent, SignInRequest};
use botdeck_core::auth::ScopeInfo;
use botdeck_core::profiles::NewTenantProfile;
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;

#[tauri::command]
pub fn get_session(state: State<'_, AppState>) -> Result<SessionView, ApiError> {
    profiles::session(&state)
}

#[tauri::command]
pub fn create_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SessionView, ApiError> {
    let new: NewTenantProfile = parse_args(&request)?;
    profiles::create_profile(&state, &new)
}

#[tauri::command]
pub fn switch_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SessionView, ApiError> {
    let ProfileRequest { profile_id } = parse_args(&request)?;
    profiles::switch_profile(&state, &profile_id)
}

#[tauri::command]
pub fn remove_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SessionView, ApiError> {
    let ProfileRequest { profile_id } = parse_args(&request)?;
    if state
        .demo
        .as_ref()
        .is_some_and(|d| d.profile_id == profile_id)
    {
        return Err(ApiError::invalid_input(
            "the demo profile cannot be removed while the demo tenant is open",
        ));
    }
    profiles::remove_profile(&state, &profile_id)?;
    profiles::session(&state)
}

/// The window's progress channel as the api's event callback.
fn sender(on_event: &Channel<SignInEvent>) -> impl Fn(&SignInEvent) -> Result<(), ApiError> + '_ {
    move |event| {
        on_event.send(event.clone()).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("the window stopped listening: {e}"),
            )
        })
    }
}

/// Shows the code through `on_event`, then waits for the admin; `cancel_sign_in` stops it.
#[tauri::command]
pub async fn sign_in_device_code(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_event: Channel<SignInEvent>,
) -> Result<SessionView, ApiError> {
    let SignInRequest {
        profile_id,
        feature,
        ..
    } = parse_args(&request)?;
    profiles::sign_in_device_code(&state, &profile_id, feature, &sender(&on_event)).await?;
    profiles::session(&state)
}

#[tauri::command]
pub async fn sign_in_browser(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_event: Channel<SignInEvent>,
) -> Result<SessionView, ApiError> {
    let SignInRequest {
        profile_id,
        feature,
        ..
    } = parse_args(&request)?;
    let open = |url: &str| state.open_url(url);
    profiles::sign_in_browser(&state, &profile_id, feature, &sender(&on_event), &open).await?;
    profiles::session(&state)
}

#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) -> Result<bool, ApiError> {
    Ok(profiles::cancel_sign_in(&state))
}

#[tauri::command]
pub fn sign_out(state: State<'_, AppState>, request: Request<'_>) -> Result<SessionView, ApiError> {
    let ProfileRequest { profile_id } = parse_args(&request)?;
    profiles::sign_out(&state, Some(&profile_id))?;
    profiles::session(&state)
}

#[tauri::command]
pub fn scope_catalog() -> Result<Vec<ScopeInfo>, ApiError> {
    Ok(profiles::scope_catalog())
}

#[tauri::command]
pub fn open_external(state: State<'_, AppState>, request: Request<'_>) -> Result<(), ApiError> {
    let OpenUrlRequest { url } = parse_args(&request)?;
    state.open_url(&url)
}
