//! IPC commands for the Links page (thin adapters over `botdeck_core::links`).
//!
//! Reading and changing BotDeck's own link records needs no network. Checks read the tenant
//! with the read-tenant sign-in; reading the bot's replies asks for `ChannelMessage.Read.All`
//! and `Chat.Read` only then (a token without them is `consent_required`: "sign in again").
//! Installs, upgrades and removals go through the bulk engine and hold the work slot, so they
//! never run beside a sync or another bulk run. The store's mutex is never held across an
//! `.await`: core locks `&Mutex<Store>` itself between its awaits.

use std::sync::Arc;

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_core::auth::{self, Feature};
use botdeck_core::batch::Executor;
use botdeck_core::catalog::{self, Actor};
use botdeck_core::installs::{RunProgress, RunSummary};
use botdeck_core::links::check::{
    self, LinkContext, LinkEvidenceResult, LinkHealthReport, LinkReachOutcome,
};
use botdeck_core::links::ipc::{
    LinksAddRequest, LinksAddResult, LinksConfirmRequest, LinksDisconnectRequest,
    LinksExportRequest, LinksFixRequest, LinksIdsRequest, LinksImportRequest, LinksOverview,
    LinksOverviewRequest, LinksReachRequest, LinksRemoveResult, LinksVendorRequest,
};
use botdeck_core::links::pick::{self, LinkTargetChoices, LinksTargetsRequest};
use botdeck_core::links::transfer::{self, LinkImportReport};
use botdeck_core::links::{
    self, Link, LinkDisconnectOutcome, LinkTargetInput, LinkTargetKind, NewIntegration,
    VendorProfile,
};
use botdeck_core::pacing::{Pacer, RouteLimits};
use botdeck_core::profiles::Profile;
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;
use botdeck_api::JobKind;

fn actor_of(profile: &Profile) -> Actor {
    Actor {
        profile_id: Some(profile.id.clone()),
        tenant_id: profile.identity.as_ref().map(|i| i.tenant_id.clone()),
        upn: profile
            .identity
            .as_ref()
            .map(|i| i.account_upn.clone())
            .unwrap_or_else(|| "unknown".into()),
    }
}

fn progress_sender(channel: Channel<RunProgress>) -> impl Fn(&RunProgress) + Send + Sync {
    // A closed window is no reason to stop the run; its journal is in SQLite.
    botdeck_api::progress::throttled(move |p: &RunProgress| {
        let _ = channel.send(p.clone());
    })
}

/// Runs `f` with a link context signed in for `feature`.
macro_rules! with_ctx {
    ($state:expr, $feature:expr, |$ctx:ident, $profile:ident, $graph:ident| $body:expr) => {{
        let $profile = $state.profile(None)?;
        let token = $state.access_token(&$profile, $feature).await?;
        let $graph = auth::graph_of(&$state.http(), &$profile);
        let actor = actor_of(&$profile);
        let $ctx = LinkContext {
            graph: &$graph,
            token: &token,
            store: $state.store_mutex()?,
            actor: &actor,
        };
        $body
    }};
}

#[tauri::command]
pub fn links_overview(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinksOverview, ApiError> {
    let LinksOverviewRequest { filter } = parse_args(&request)?;
    let profile = state.profile(None)?;
    let store = state.store()?;
    let pid = Some(profile.id.as_str());
    Ok(LinksOverview {
        vendors: links::vendor_profiles(&store)?,
        integrations: links::integrations(&store, pid)?,
        links: links::list(&store, pid, &filter)?,
        counts: links::counts(&store, pid)?,
        apps: catalog::cached_apps(&store)?,
    })
}

#[tauri::command]
pub async fn links_add(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinksAddResult, ApiError> {
    let req: LinksAddRequest = parse_args(&request)?;
    req.validate()?;
    let feature = if req.group_id.is_some() {
        Feature::ReachMembers
    } else {
        Feature::ReadTenant
    };
    with_ctx!(state, feature, |ctx, profile, graph| {
        let integration = if req.dry_run {
            links::Integration {
                id: String::new(),
                vendor: links::vendor_profile(&*state.store()?, &req.vendor)?.id,
                account: req.account.trim().into(),
                external_id: req.external_id.trim().into(),
                name: req.name.trim().into(),
                app_id: Some(req.app_id.trim().into()),
                created_at: String::new(),
                created_by: String::new(),
            }
        } else {
            links::ensure_integration(
                &*state.store()?,
                ctx.actor,
                &NewIntegration {
                    vendor: &req.vendor,
                    account: &req.account,
                    external_id: &req.external_id,
                    name: &req.name,
                    app_id: Some(req.app_id.trim()),
                },
            )?
        };
        let mut targets: Vec<(LinkTargetInput, Option<String>)> =
            req.targets.iter().cloned().map(|t| (t, None)).collect();
        if let Some(group) = req.group_id.as_deref().filter(|g| !g.trim().is_empty()) {
            for (id, _, _) in check::members(&graph, ctx.token, group).await? {
                targets.push((
                    LinkTargetInput {
                        kind: Some(LinkTargetKind::User),
                        user_id: Some(id),
                        ..Default::default()
                    },
                    Some(group.trim().to_string()),
                ));
            }
        }
        let prepared = check::prepare(&ctx, &integration, &targets, req.dry_run).await?;
        Ok(LinksAddResult {
            integration,
            targets: prepared,
        })
    })
}

#[tauri::command]
pub fn links_confirm(state: State<'_, AppState>, request: Request<'_>) -> Result<Link, ApiError> {
    let LinksConfirmRequest { id, note } = parse_args(&request)?;
    let profile = state.profile(None)?;
    Ok(links::confirm(
        &*state.store()?,
        &actor_of(&profile),
        &id,
        note.as_deref(),
    )?)
}

/// Reads the bot's replies: the first use asks for the message permissions.
#[tauri::command]
pub async fn links_evidence(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Vec<LinkEvidenceResult>, ApiError> {
    let LinksIdsRequest { ids, .. } = parse_args(&request)?;
    if ids.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "choose the links to check",
        ));
    }
    with_ctx!(state, Feature::CheckLinkEvidence, |ctx, _p, _g| {
        Ok(check::evidence(&ctx, &ids).await?)
    })
}

#[tauri::command]
pub async fn links_health(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinkHealthReport, ApiError> {
    let LinksIdsRequest { ids, .. } = parse_args(&request)?;
    let work = state.begin_job(JobKind::LinkCheck)?;
    with_ctx!(state, Feature::ReadTenant, |ctx, _p, _g| {
        let ids = (!ids.is_empty()).then_some(ids);
        Ok(check::health(&ctx, ids.as_deref(), &work.cancel).await?)
    })
}

#[tauri::command]
pub async fn links_remove(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<LinksRemoveResult, ApiError> {
    let LinksIdsRequest {
        ids, remove_bot, ..
    } = parse_args(&request)?;
    if ids.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "choose at least one link to unlink",
        ));
    }
    let profile = state.profile(None)?;
    let before: Vec<Link> = {
        let store = state.store()?;
        ids.iter()
            .map(|id| links::get(&store, id))
            .collect::<Result<_, _>>()?
    };
    let advice = links::unlink(&*state.store()?, &actor_of(&profile), &ids)?;
    if !remove_bot {
        return Ok(LinksRemoveResult {
            advice,
            removal: None,
        });
    }
    let work = state.begin_job(JobKind::BulkRun)?;
    with_ctx!(state, Feature::Install, |ctx, _p, graph| {
        let executor = Executor::new(
            graph.clone(),
            Arc::new(Pacer::new()),
            RouteLimits::microsoft(),
        );
        let progress = progress_sender(on_progress);
        let removal =
            check::remove_bot_where_unneeded(&ctx, &executor, &before, &progress, &work.cancel)
                .await?;
        Ok(LinksRemoveResult { advice, removal })
    })
}

#[tauri::command]
pub fn links_disconnect(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinkDisconnectOutcome, ApiError> {
    let LinksDisconnectRequest {
        team_id,
        integration_id,
    } = parse_args(&request)?;
    let profile = state.profile(None)?;
    Ok(links::disconnect_team(
        &*state.store()?,
        &actor_of(&profile),
        Some(&profile.id),
        &team_id,
        integration_id.as_deref(),
    )?)
}

#[tauri::command]
pub async fn links_reach(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<LinkReachOutcome, ApiError> {
    let LinksReachRequest {
        app_id, group_id, ..
    } = parse_args(&request)?;
    if group_id.trim().is_empty() || app_id.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "choose the bot and the group or team",
        ));
    }
    let work = state.begin_job(JobKind::Reach)?;
    with_ctx!(state, Feature::ReachMembers, |ctx, _p, graph| {
        let executor = Executor::new(
            graph.clone(),
            Arc::new(Pacer::new()),
            RouteLimits::microsoft(),
        );
        let progress = progress_sender(on_progress);
        Ok(check::reach(&ctx, &executor, &app_id, &group_id, &progress, &work.cancel).await?)
    })
}

/// Installs or upgrades the bot where the wizard's check found it missing or outdated.
#[tauri::command]
pub async fn links_fix(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<Vec<RunSummary>, ApiError> {
    let LinksFixRequest {
        app_id, targets, ..
    } = parse_args(&request)?;
    if targets.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "nothing to fix"));
    }
    for t in &targets {
        t.validated()?;
    }
    let work = state.begin_job(JobKind::BulkRun)?;
    with_ctx!(state, Feature::Install, |ctx, _p, graph| {
        let executor = Executor::new(
            graph.clone(),
            Arc::new(Pacer::new()),
            RouteLimits::microsoft(),
        );
        let progress = progress_sender(on_progress);
        Ok(
            check::fix_installs(&ctx, &executor, &app_id, &targets, &progress, &work.cancel)
                .await?,
        )
    })
}

#[tauri::command]
pub fn links_export(state: State<'_, AppState>, request: Request<'_>) -> Result<String, ApiError> {
    let LinksExportRequest { format, filter } = parse_args(&request)?;
    let profile = state.profile(None)?;
    let all = links::list(&*state.store()?, Some(&profile.id), &filter)?;
    Ok(transfer::export(&all, format)?)
}

#[tauri::command]
pub fn links_import(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinkImportReport, ApiError> {
    let LinksImportRequest {
        format,
        text,
        good_only,
        app_id,
    } = parse_args(&request)?;
    if text.len() > 20 * 1024 * 1024 {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the file is larger than 20 MB",
        ));
    }
    let profile = state.profile(None)?;
    Ok(transfer::import(
        &*state.store()?,
        &actor_of(&profile),
        app_id.as_deref(),
        &text,
        format,
        good_only,
    )?)
}

/// After an inventory sync of `app_id` completed: re-checks the links that use this bot, so a
/// bot removed or left behind shows up as a broken link on the Links page and the Overview
/// without anyone asking. A failure here is logged, never the sync's failure.
pub async fn health_after_sync(
    state: &AppState,
    profile: &Profile,
    app_id: &str,
    cancel: &tokio_util::sync::CancellationToken,
) {
    let run = async {
        let token = state.access_token(profile, Feature::ReadTenant).await?;
        let graph = auth::graph_of(state.http(), profile);
        let actor = actor_of(profile);
        let ctx = LinkContext {
            graph: &graph,
            token: &token,
            store: state.store_mutex()?,
            actor: &actor,
        };
        Ok::<_, ApiError>(check::health_after_sync(&ctx, app_id, cancel).await?)
    };
    match run.await {
        Ok(Some(r)) => tracing::info!(
            checked = r.checked,
            broken = r.broken.len(),
            recovered = r.recovered.len(),
            "link health after the inventory sync"
        ),
        Ok(None) => {}
        Err(err) => tracing::warn!(code = ?err.code, "link health after the sync failed"),
    }
}

/// Saves a custom vendor profile from a file (TOML) or the form (fields); `checkOnly`
/// validates it without saving, so the form can say what is wrong as the admin types.
#[tauri::command]
pub fn links_save_vendor(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<VendorProfile, ApiError> {
    let req: LinksVendorRequest = parse_args(&request)?;
    let checked = req.profile()?;
    if req.check_only {
        return Ok(checked);
    }
    let profile = state.profile(None)?;
    let store = state.store()?;
    let actor = actor_of(&profile);
    Ok(match &req.toml {
        Some(text) => links::save_vendor_profile(&store, text, &actor)?,
        None => links::save_vendor_profile_fields(&store, &checked, &actor)?,
    })
}

/// The wizard's picker: teams, chats and users from the bot's inventory cache (no network),
/// a team's channels from Graph with the read-tenant sign-in.
#[tauri::command]
pub async fn links_targets(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<LinkTargetChoices, ApiError> {
    let req: LinksTargetsRequest = parse_args(&request)?;
    req.validate()?;
    if req.kind != LinkTargetKind::Channel {
        state.profile(None)?;
        return Ok(pick::cached_targets(&*state.store()?, &req)?);
    }
    let profile = state.profile(None)?;
    let token = state.access_token(&profile, Feature::ReadTenant).await?;
    let graph = auth::graph_of(state.http(), &profile);
    let channels = pick::team_channels_read(&graph, &token, &req).await?;
    Ok(pick::with_sync(&*state.store()?, &req, channels)?)
}
