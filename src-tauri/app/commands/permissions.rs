//! IPC commands for the permissions page (thin adapters over `botdeck_core::permissions`).
//!
//! Reading needs a `review_permissions` sign-in, fixing a `revoke_permissions` one; a token
//! without those scopes is `consent_required`, which the page answers with "sign in again".
//! The store's mutex is never held across an `.await`: each command takes what it needs from
//! SQLite, lets go, talks to Graph, then locks again to save.

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_core::auth::{self, Feature};
use botdeck_core::graph::GraphClient;
use botdeck_core::installs::RunProgress;
use botdeck_core::permissions::{
    self as perms, ConsentTarget, FixOutcome, FixPlan, FixRequest, GrantedPermissions, NameCache,
    PermissionProfile, PermsFixRequest, PermsImportRequest, PermsInspectRequest,
    PermsProfileRequest, PermsReport, ProfileFormat, RscScope, RscTarget, RscTargetKind, Watch,
};
use botdeck_core::profiles::Profile;
use botdeck_core::secrets::Sensitive;
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;

/// Progress messages are at most this frequent.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The signed-in profile a command works for, with what it needs after the lock is gone.
struct Signed {
    profile: Profile,
    graph: GraphClient,
    consent: ConsentTarget,
}

fn current_profile(state: &AppState) -> Result<Signed, ApiError> {
    let profile = state.profile(None)?;
    let endpoints = profile.cloud.endpoints();
    let tenant = profile
        .identity
        .as_ref()
        .map(|i| i.tenant_id.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| profile.tenant.clone());
    let consent = ConsentTarget::new(
        &endpoints.authority_host,
        &tenant,
        &endpoints.graph_base_url,
    );
    let graph = auth::graph_of(state.http(), &profile);
    Ok(Signed {
        profile,
        graph,
        consent,
    })
}

fn load_perm_profile(state: &AppState, id: &str) -> Result<PermissionProfile, ApiError> {
    Ok(perms::find_profile(&*state.store()?, id)?)
}

/// Reads what is granted, with the name cache loaded before and saved after the Graph calls.
async fn inspect(
    state: &AppState,
    signed: &Signed,
    token: &Sensitive<String>,
    app_id: &str,
    scope: &RscScope,
    watch: &Watch<'_>,
) -> Result<GrantedPermissions, ApiError> {
    let mut cache = NameCache::load(&*state.store()?)?;
    let granted = perms::inspect_watched(&signed.graph, token, app_id, scope, &mut cache, watch)
        .await
        .map_err(|e| botdeck_api::error::permission_error(e, Some(&signed.consent)))?;
    if let Err(err) = cache.save(&*state.store()?) {
        // The cache only saves Graph reads next time; not worth failing the inspection.
        tracing::warn!(%err, "permission name cache not saved");
    }
    Ok(granted)
}

fn app_id_of(given: Option<&str>, profile: Option<&PermissionProfile>) -> Result<String, ApiError> {
    given
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| profile.and_then(|p| p.app_id.clone()))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                "no app id: enter the bot's Entra application id (a GUID)",
            )
        })
}

#[tauri::command]
pub fn perms_profiles(state: State<'_, AppState>) -> Result<Vec<PermissionProfile>, ApiError> {
    Ok(perms::list_profiles(&*state.store()?)?)
}

/// Validates and stores a profile file read in the webview. Errors name file, line and field.
#[tauri::command]
pub fn perms_import_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PermissionProfile, ApiError> {
    let PermsImportRequest { file_name, text } = parse_args(&request)?;
    let format = ProfileFormat::from_file_name(&file_name).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("{file_name}: profile files end in .json or .toml"),
        )
    })?;
    let profile =
        perms::parse_profile(&file_name, &text, format).map_err(perms::PermissionError::from)?;
    perms::save_custom_profile(&*state.store()?, &profile)?;
    tracing::info!(id = %profile.id, "permission profile imported");
    Ok(profile)
}

/// The profile as JSON or TOML text; the window offers it as a download.
#[tauri::command]
pub fn perms_export_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<String, ApiError> {
    let PermsProfileRequest {
        perm_profile_id,
        format,
    } = parse_args(&request)?;
    let profile = load_perm_profile(&state, &perm_profile_id)?;
    Ok(perms::export_profile(
        &profile,
        format.unwrap_or(ProfileFormat::Json),
    )?)
}

#[tauri::command]
pub fn perms_delete_profile(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Vec<PermissionProfile>, ApiError> {
    let PermsProfileRequest {
        perm_profile_id, ..
    } = parse_args(&request)?;
    if perms::builtin_profiles()
        .iter()
        .any(|p| p.id == perm_profile_id)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("{perm_profile_id} is built in and cannot be deleted"),
        ));
    }
    let store = state.store()?;
    if !perms::delete_custom_profile(&store, &perm_profile_id)? {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no imported profile {perm_profile_id:?}"),
        ));
    }
    Ok(perms::list_profiles(&store)?)
}

/// The report for a read of the grants (fresh or cached): the diff, the matrix, both CSVs.
fn report_of(
    profile: PermissionProfile,
    granted: GrantedPermissions,
    model: Option<&str>,
    consent: &ConsentTarget,
    from_cache: bool,
    all_teams: bool,
) -> Result<PermsReport, ApiError> {
    let diff = perms::diff(&profile, &granted, model, consent)?;
    let matrix = perms::matrix(&diff, &granted);
    Ok(PermsReport {
        diff_csv: perms::diff_to_csv(&diff),
        matrix_csv: perms::matrix_to_csv(&matrix),
        profile,
        diff,
        matrix,
        granted,
        from_cache,
        all_teams,
    })
}

/// Team and chat ids go into Graph paths (and name cached reads): checked before the keyring,
/// Graph or the cache is asked.
fn check_target_ids(req: &PermsInspectRequest) -> Result<(), ApiError> {
    use botdeck_core::installs::{validate::check_target_id, TargetKind};
    for id in &req.team_ids {
        check_target_id("teamIds", TargetKind::Team, id)?;
    }
    for id in &req.chat_ids {
        check_target_id("chatIds", TargetKind::Chat, id)?;
    }
    Ok(())
}

/// A fix names an app and a permission; both are checked before the keyring or Graph is asked.
fn check_fix(req: &PermsFixRequest) -> Result<(), ApiError> {
    perms::check_app_id(&req.app_id).map_err(|e| botdeck_api::error::permission_error(e, None))?;
    if req.permission.trim().is_empty() || req.permission.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "permission: say which permission to remove, e.g. Group.ReadWrite.All",
        ));
    }
    Ok(())
}

/// The last complete read of the bot's grants, compared with the profile: no network and no
/// sign-in, so the page opens at once with the read's age. `null` when it was never read.
#[tauri::command]
pub fn perms_cached(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Option<PermsReport>, ApiError> {
    let req: PermsInspectRequest = parse_args(&request)?;
    check_target_ids(&req)?;
    let profile = load_perm_profile(&state, &req.perm_profile_id)?;
    let app_id = app_id_of(req.app_id.as_deref(), Some(&profile))?;
    perms::check_app_id(&app_id)?;
    let signed = current_profile(&state)?;
    let Some(cached) = perms::cached_inspection(&*state.store()?, &app_id)? else {
        return Ok(None);
    };
    report_of(
        profile,
        cached.granted,
        req.model.as_deref(),
        &signed.consent,
        true,
        cached.all_teams,
    )
    .map(Some)
}

/// Reads the bot's grants from the tenant (with every team's RSC when asked), saves the read
/// as the new cache and compares it with the profile. Progress goes per team over the
/// channel; `perms_cancel` stops it and keeps the previous read.
#[tauri::command]
pub async fn perms_inspect(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<PermsReport, ApiError> {
    let req: PermsInspectRequest = parse_args(&request)?;
    check_target_ids(&req)?;
    let profile = load_perm_profile(&state, &req.perm_profile_id)?;
    let app_id = app_id_of(req.app_id.as_deref(), Some(&profile))?;
    perms::check_app_id(&app_id)?;
    let signed = current_profile(&state)?;
    let slot = state.begin_perms_read()?;
    let token = state
        .access_token(&signed.profile, Feature::ReviewPermissions)
        .await?;
    let target = |kind, id: &String| RscTarget {
        kind,
        id: id.clone(),
        name: None,
    };
    let scope = RscScope {
        teams: req
            .team_ids
            .iter()
            .map(|id| target(RscTargetKind::Team, id))
            .collect(),
        chats: req
            .chat_ids
            .iter()
            .map(|id| target(RscTargetKind::Chat, id))
            .collect(),
        all_teams: req.all_teams,
        max_targets: Some(perms::DEFAULT_MAX_RSC_TARGETS),
    };
    let last = std::sync::Mutex::new(std::time::Instant::now());
    let progress = |done: usize, total: usize| {
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        if done == 0 || done >= total || last.elapsed() >= PROGRESS_EVERY {
            *last = std::time::Instant::now();
            // A closed window is no reason to stop reading.
            let _ = on_progress.send(RunProgress {
                phase: botdeck_api::Phase::ReadingConsent,
                total: total as u64,
                done: done as u64,
                failed: 0,
                run_id: None,
            });
        }
    };
    let watch = Watch {
        progress: Some(&progress),
        cancel: Some(slot.cancel.clone()),
    };
    let granted = inspect(&state, &signed, &token, &app_id, &scope, &watch).await?;
    perms::save_inspection(&*state.store()?, &granted, req.all_teams)?;
    report_of(
        profile,
        granted,
        req.model.as_deref(),
        &signed.consent,
        false,
        req.all_teams,
    )
}

/// Stops a running permissions read after the requests on the wire; the cached read stays.
#[tauri::command]
pub fn perms_cancel(state: State<'_, AppState>) -> Result<bool, ApiError> {
    Ok(state.cancel_perms_read())
}

async fn plan(
    state: &AppState,
    signed: &Signed,
    req: &PermsFixRequest,
    feature: Feature,
) -> Result<(FixPlan, Sensitive<String>), ApiError> {
    let profile = match &req.perm_profile_id {
        Some(id) => Some(load_perm_profile(state, id)?),
        None => None,
    };
    let app_id = app_id_of(Some(&req.app_id), profile.as_ref())?;
    let token = state.access_token(&signed.profile, feature).await?;
    let granted = inspect(
        state,
        signed,
        &token,
        &app_id,
        &RscScope::default(),
        &Watch::default(),
    )
    .await?;
    let fix = FixRequest {
        permission: req.permission.clone(),
        kind: req.kind,
        principal: req.principal.clone(),
    };
    let plan = perms::plan_fix(&granted, &fix, profile.as_ref())
        .map_err(|e| botdeck_api::error::permission_error(e, Some(&signed.consent)))?;
    Ok((plan, token))
}

/// What a fix would send and what stops working; changes nothing. Needs only a read sign-in,
/// so the admin sees the consequences before being asked for more.
#[tauri::command]
pub async fn perms_plan_fix(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<FixPlan, ApiError> {
    let req: PermsFixRequest = parse_args(&request)?;
    check_fix(&req)?;
    let signed = current_profile(&state)?;
    Ok(plan(&state, &signed, &req, Feature::ReviewPermissions)
        .await?
        .0)
}

/// Re-plans from a fresh read (ids never come from the window), applies, and records the
/// audit entry whatever the outcome. A Graph refusal is returned as the error after it is
/// recorded.
#[tauri::command]
pub async fn perms_apply_fix(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<FixOutcome, ApiError> {
    let req: PermsFixRequest = parse_args(&request)?;
    check_fix(&req)?;
    let signed = current_profile(&state)?;
    let (plan, token) = plan(&state, &signed, &req, Feature::RevokePermissions).await?;
    if let Some(expected) = &req.expected_request {
        if expected != &plan.request {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "the grants changed since you confirmed (now: {}); nothing was changed — review it again",
                    plan.request
                ),
            ));
        }
    }
    let (outcome, result) = perms::apply_and_audit(&signed.graph, &token, &plan).await;
    let actor = signed
        .profile
        .identity
        .as_ref()
        .map(|i| i.account_upn.clone())
        .unwrap_or_else(|| "unknown".into());
    let tenant = signed
        .profile
        .identity
        .as_ref()
        .map(|i| i.tenant_id.clone());
    let recorded = perms::record_fix(
        &*state.store()?,
        &outcome,
        &actor,
        Some(&signed.profile.id),
        tenant.as_deref(),
    );
    if let Err(err) = &recorded {
        tracing::error!(%err, "a permission fix could not be written to the audit log");
    }
    result.map_err(|e| botdeck_api::error::permission_error(e, Some(&signed.consent)))?;
    tracing::info!(action = %plan.audit_action, permission = %plan.permission, outcome = ?outcome.outcome, "permission fix applied");
    if let Err(err) = recorded {
        return Err(ApiError::new(
            ErrorCode::Store,
            format!(
                "{} — but it could not be written to the audit log: {err}",
                outcome.message
            ),
        ));
    }
    Ok(outcome)
}
