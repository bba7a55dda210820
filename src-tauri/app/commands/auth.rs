//! Profiles and sign-in. Tokens never come here: the UI sees profiles and identities only.

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_api::views::{OpenUrlRequest, ProfileRequest, SessionView, SignInEvent, SignInRequest};
use botdeck_core::auth::{self, scopes, DeviceCodePrompt, Feature, ScopeInfo, TokioSleeper};
use botdeck_core::profiles::{NewProfile, Profile, Profiles};
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;

fn signed_in(state: &AppState, profile: &Profile) -> bool {
    profile.identity.is_some()
        && state
            .authenticator()
            .ok()
            .and_then(|a| a.has_tokens(&profile.id).ok())
            .unwrap_or(false)
}

pub(crate) fn session_view(state: &AppState) -> Result<SessionView, ApiError> {
    let store = state.store()?;
    let profiles = Profiles::new(&store);
    let list = profiles.list()?;
    let current = profiles.current()?;
    drop(store);
    let signed_in = current.as_ref().is_some_and(|p| signed_in(state, p));
    let role_advice = match (&current, signed_in) {
        (Some(profile), true)
            if profile
                .identity
                .as_ref()
                .is_some_and(|i| i.directory_roles_unknown) =>
        {
            vec![auth::ROLES_UNKNOWN_NOTICE.to_string()]
        }
        (Some(profile), true) => {
            let roles = profile
                .identity
                .as_ref()
                .map(|i| i.directory_roles.clone())
                .unwrap_or_default();
            [
                Feature::Publish,
                Feature::Install,
                Feature::RevokePermissions,
            ]
            .into_iter()
            .filter_map(|f| auth::role_advice(f, &roles))
            .collect()
        }
        _ => Vec::new(),
    };
    Ok(SessionView {
        profiles: list,
        current,
        signed_in,
        role_advice,
        can_sign_in: state.authenticator().is_ok() && state.keyring().usable,
    })
}

#[tauri::command]
pub fn get_session(state: State<'_, AppState>) -> Result<SessionView, ApiError> {
    session_view(&state)
}

#[tauri::command]
pub fn create_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SessionView, ApiError> {
    let new: NewProfile = parse_args(&request)?;
    {
        let store = state.store()?;
        let profiles = Profiles::new(&store);
        let profile = profiles.create(&new, false)?;
        profiles.set_current(&profile.id)?;
        state.note_unproven_profile(&profile.id);
    }
    session_view(&state)
}

#[tauri::command]
pub fn switch_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SessionView, ApiError> {
    let ProfileRequest { profile_id } = parse_args(&request)?;
    Profiles::new(&*state.store()?).set_current(&profile_id)?;
    session_view(&state)
}

#[tauri::command]
pub fn remove_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<SessionView, ApiError> {
    let ProfileRequest { profile_id } = parse_args(&request)?;
    // The id is checked before the keyring is touched.
    load_profile(&state, &profile_id)?;
    if state
        .demo
        .as_ref()
        .is_some_and(|d| d.profile_id == profile_id)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the demo profile cannot be removed while the demo tenant is open",
        ));
    }
    if let Ok(auth) = state.authenticator() {
        auth.sign_out(&profile_id)?;
    }
    {
        let store = state.store()?;
        let profiles = Profiles::new(&store);
        let was_current = profiles.current()?.is_some_and(|p| p.id == profile_id);
        profiles.delete(&profile_id)?;
        if was_current {
            if let Some(next) = profiles.list()?.first() {
                profiles.set_current(&next.id)?;
            }
        }
    }
    session_view(&state)
}

fn load_profile(state: &AppState, id: &str) -> Result<Profile, ApiError> {
    Ok(Profiles::new(&*state.store()?).get(id)?)
}

fn finish(
    state: &AppState,
    profile_id: &str,
    signed: &auth::SignedIn,
) -> Result<SessionView, ApiError> {
    auth::record_sign_in(&*state.store()?, profile_id, signed)?;
    tracing::info!(account = %signed.identity.account_upn, tenant = %signed.identity.tenant_name, "signed in");
    session_view(state)
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
    let profile = load_profile(&state, &profile_id)?;
    let authenticator = state.authenticator()?;
    let cancel = state.begin_sign_in();
    let result = async {
        let grant = authenticator.start_device_code(&profile, feature).await?;
        on_event
            .send(SignInEvent::DeviceCode(DeviceCodePrompt::from(&grant)))
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("the window stopped listening: {e}"),
                )
            })?;
        let (signed, _) = authenticator
            .finish_device_code(&profile, &grant, &cancel, &TokioSleeper)
            .await?;
        finish(&state, &profile_id, &signed)
    }
    .await;
    settle(&state, &profile, result)
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
    let profile = load_profile(&state, &profile_id)?;
    let authenticator = state.authenticator()?;
    let cancel = state.begin_sign_in();
    let open = |url: &str| {
        let _ = on_event.send(SignInEvent::BrowserOpened {
            url: url.to_string(),
        });
        state
            .open_url(url)
            .map_err(|e| auth::BrowserOpenError::from(e.message))
    };
    let result = match authenticator
        .sign_in_browser(&profile, feature, &open, auth::BROWSER_TIMEOUT, &cancel)
        .await
    {
        Ok(signed) => finish(&state, &profile_id, &signed),
        Err(err) => Err(err.into()),
    };
    settle(&state, &profile, result)
}

/// After a sign-in: a profile added in this window whose first sign-in was refused (declined,
/// expired, wrong tenant or client id, no consent...) is removed with any token it got, so no
/// half-made profile stays behind, and the message says so. A cancel keeps it (the admin only
/// stopped), and so do a missing keyring and an unreachable network (its settings were never
/// judged, and "Try again" can work).
fn settle(
    state: &AppState,
    profile: &Profile,
    result: Result<SessionView, ApiError>,
) -> Result<SessionView, ApiError> {
    let mut err = match result {
        Ok(view) => {
            state.settle_unproven_profile(&profile.id);
            return Ok(view);
        }
        Err(err) => err,
    };
    let refused = !matches!(
        err.code,
        ErrorCode::Cancelled | ErrorCode::Keyring | ErrorCode::Offline
    );
    if refused && !profile.is_demo && state.settle_unproven_profile(&profile.id) {
        match discard_profile(state, &profile.id) {
            Ok(()) => {
                err.message = format!(
                    "{} BotDeck did not keep the tenant \"{}\": add it again with the right tenant, cloud and client id.",
                    err.message, profile.name
                );
            }
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot remove the profile of a refused sign-in");
            }
        }
    }
    Err(err)
}

/// Removes a profile and its keyring entry; the next profile (if any) becomes the current one.
fn discard_profile(state: &AppState, profile_id: &str) -> Result<(), ApiError> {
    if let Ok(auth) = state.authenticator() {
        auth.sign_out(profile_id)?;
    }
    let store = state.store()?;
    let profiles = Profiles::new(&store);
    let was_current = profiles.current()?.is_some_and(|p| p.id == profile_id);
    profiles.delete(profile_id)?;
    if was_current {
        if let Some(next) = profiles.list()?.first() {
            profiles.set_current(&next.id)?;
        }
    }
    Ok(())
}

#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) -> Result<bool, ApiError> {
    Ok(state.cancel_sign_in())
}

#[tauri::command]
pub fn sign_out(state: State<'_, AppState>, request: Request<'_>) -> Result<SessionView, ApiError> {
    let ProfileRequest { profile_id } = parse_args(&request)?;
    load_profile(&state, &profile_id)?;
    state.authenticator()?.sign_out(&profile_id)?;
    Profiles::new(&*state.store()?).clear_identity(&profile_id)?;
    session_view(&state)
}

#[tauri::command]
pub fn scope_catalog() -> Result<Vec<ScopeInfo>, ApiError> {
    Ok(scopes::catalog())
}

#[tauri::command]
pub fn open_external(state: State<'_, AppState>, request: Request<'_>) -> Result<(), ApiError> {
    let OpenUrlRequest { url } = parse_args(&request)?;
    state.open_url(&url)
}
