//! IPC commands for the installs page (thin adapters over `botdeck_core::installs`).
//!
//! Reading the cache (`installs_overview`, `installs_query`, runs) needs no network and no
//! sign-in. Sync and bulk runs get a token through [`AppTokens`], which refreshes it while a
//! run lasts; progress goes through a `Channel<RunProgress>`; `installs_cancel` stops the
//! running one after the requests on the wire. The store's mutex is never held across an
//! `.await`: core locks `&Mutex<Store>` itself between its awaits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_core::auth::{self, Feature};
use botdeck_core::batch::{Executor, TokenSource};
use botdeck_core::catalog::{self, Actor, CatalogApp};
use botdeck_core::graph::GraphClient;
use botdeck_core::installs::ipc::{
    InstallsBulkRequest, InstallsOverview, InstallsOverviewRequest, InstallsQueryRequest,
    InstallsResumeRequest, InstallsRunItemsRequest, InstallsSyncRequest, InstallsSyncResult,
};
use botdeck_core::installs::{
    self, BulkPlan, InventoryPage, ItemResult, RunProgress, RunSummary, SyncContext,
};
use botdeck_core::profiles::Profile;
use botdeck_core::secrets::Sensitive;
use tauri::ipc::Request;
use tauri::State;

use crate::ipc::{parse_args, Channel};
use crate::state::AppState;
use botdeck_api::JobKind;

/// Access tokens live about an hour; a long run asks for a fresh one after this.
const TOKEN_REUSE: Duration = Duration::from_secs(20 * 60);

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

/// Hands core a token and, for runs that outlast it, a fresh one (the authenticator refreshes
/// from the keyring's refresh token five minutes before expiry).
struct AppTokens<'a> {
    state: &'a AppState,
    profile: Profile,
    feature: Feature,
    current: Mutex<(Sensitive<String>, Instant)>,
}

impl<'a> AppTokens<'a> {
    fn new(
        state: &'a AppState,
        profile: Profile,
        feature: Feature,
        first: Sensitive<String>,
    ) -> Self {
        Self {
            state,
            profile,
            feature,
            current: Mutex::new((first, Instant::now())),
        }
    }
}

impl TokenSource for AppTokens<'_> {
    fn token(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Sensitive<String>, String>> + Send + '_>> {
        Box::pin(async move {
            {
                let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
                if current.1.elapsed() < TOKEN_REUSE {
                    return Ok(current.0.clone());
                }
            }
            let fresh = self
                .state
                .access_token(&self.profile, self.feature)
                .await
                .map_err(|e| e.message)?;
            *self.current.lock().unwrap_or_else(|p| p.into_inner()) =
                (fresh.clone(), Instant::now());
            Ok(fresh)
        })
    }
}

/// Forwards progress to the window, throttled; phase changes and the last item always go.
fn progress_sender(channel: Channel<RunProgress>) -> impl Fn(&RunProgress) + Send + Sync {
    // A closed window is no reason to stop the run; its journal is in SQLite.
    botdeck_api::progress::throttled(move |p: &RunProgress| {
        let _ = channel.send(p.clone());
    })
}

fn executor(graph: &GraphClient) -> Executor {
    Executor::for_client(graph.clone())
}

/// Frees the background-work slot however the command ends.
fn cached_app(state: &AppState, app_id: &str) -> Result<Option<CatalogApp>, ApiError> {
    Ok(catalog::cached_apps(&*state.store()?)?
        .into_iter()
        .find(|a| a.id == app_id))
}

/// The app fresh from Graph (its published definition decides versions and consent), cached
/// for the offline pages.
async fn fresh_app(
    state: &AppState,
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &str,
) -> Result<CatalogApp, ApiError> {
    let app = catalog::get_app(graph, token, app_id).await?;
    catalog::cache_apps(&*state.store()?, std::slice::from_ref(&app))?;
    Ok(app)
}

#[tauri::command]
pub fn installs_overview(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<InstallsOverview, ApiError> {
    let InstallsOverviewRequest { app_id } = parse_args(&request)?;
    let store = state.store()?;
    // Org, store and sideloaded apps alike: every one can be inventoried and installed.
    let apps: Vec<CatalogApp> = catalog::cached_apps(&store)?;
    let app_id = match app_id.filter(|a| !a.trim().is_empty()) {
        Some(id) => Some(id),
        None => installs::last_sync(&store, None)?.map(|s| s.app_id),
    };
    let (sync, coverage, versions) = match &app_id {
        Some(id) => (
            installs::last_sync(&store, Some(id))?,
            installs::coverage(&store, id)?,
            installs::version_spread(&store, id)?,
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    let last_completed = match (&app_id, &sync) {
        (Some(id), Some(latest)) if latest.status != "completed" => {
            installs::last_completed_sync(&store, id)?
        }
        _ => sync.clone(),
    };
    let published_version = app_id
        .as_ref()
        .and_then(|id| apps.iter().find(|a| &a.id == id))
        .and_then(|a| a.published().map(|d| d.version.clone()));
    Ok(InstallsOverview {
        apps,
        app_id,
        published_version,
        sync,
        last_completed,
        coverage,
        versions,
        busy: state.job_running(),
    })
}

#[tauri::command]
pub fn installs_query(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<InventoryPage, ApiError> {
    let InstallsQueryRequest { app_id, query } = parse_args(&request)?;
    query.validate()?;
    if query.limit > 1000 {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "at most 1000 rows per page",
        ));
    }
    Ok(installs::query(&*state.store()?, &app_id, &query)?)
}

/// Syncs the inventory (the read-tenant sign-in covers teams, chats and users).
#[tauri::command]
pub async fn installs_sync(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<InstallsSyncResult, ApiError> {
    let req: InstallsSyncRequest = parse_args(&request)?;
    // Options are checked before anything else: a nonsense request never needs a sign-in.
    let options = req.options()?;
    let profile = state.profile(None)?;
    let work = state.begin_job(JobKind::InventorySync)?;
    let first = state.access_token(&profile, Feature::ReadTenant).await?;
    let graph = auth::graph_of(state.http(), &profile);
    let app = fresh_app(&state, &graph, &first, &req.app_id).await?;
    let tokens = AppTokens::new(&state, profile.clone(), Feature::ReadTenant, first);
    let executor = executor(&graph);
    let ctx = SyncContext {
        graph: &graph,
        tokens: &tokens,
        store: state.store_mutex()?,
        executor: &executor,
    };
    let progress = progress_sender(on_progress);
    let report = installs::sync(&ctx, &app, &options, &progress, &work.cancel).await?;
    tracing::info!(app = %app.display_name, status = %report.status, targets = report.targets, "inventory sync finished");
    if report.status == "completed" {
        crate::commands::links::health_after_sync(&state, &profile, &app.id, &work.cancel).await;
    }
    Ok(InstallsSyncResult {
        report,
        app_name: app.display_name,
        kinds: options.kinds,
    })
}

#[tauri::command]
pub fn installs_cancel(state: State<'_, AppState>) -> Result<bool, ApiError> {
    Ok(state.cancel_job())
}

/// The dry run, from the cache (no network): planned items, skipped ones with reasons.
#[tauri::command]
pub fn installs_plan(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<BulkPlan, ApiError> {
    let InstallsBulkRequest {
        app_id,
        action,
        selection,
        ..
    } = parse_args(&request)?;
    selection.validate()?;
    let app = cached_app(&state, &app_id)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "this app is not in the local cache yet: sync first",
        )
    })?;
    Ok(installs::plan(&*state.store()?, &app, action, &selection)?)
}

async fn execute(
    state: &AppState,
    profile: Profile,
    graph: &GraphClient,
    first: Sensitive<String>,
    run_id: &str,
    on_progress: Channel<RunProgress>,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<RunSummary, ApiError> {
    let tokens = AppTokens::new(state, profile, Feature::Install, first);
    let executor = executor(graph);
    let ctx = SyncContext {
        graph,
        tokens: &tokens,
        store: state.store_mutex()?,
        executor: &executor,
    };
    let progress = progress_sender(on_progress);
    let summary = installs::execute_run(&ctx, run_id, &progress, cancel).await?;
    tracing::info!(run = %run_id, status = %summary.status, failed = summary.failed, "bulk run finished");
    Ok(summary)
}

/// Plans again with the app fresh from Graph, journals the plan and runs it.
#[tauri::command]
pub async fn installs_run(
    state: State<'_, AppState>,
    request: Request<'_>,
    on_progress: Channel<RunProgress>,
) -> Result<RunSummary, ApiError> {
    let InstallsBulkRequest {
        app_id,
        action,
        selection,
        ..
    } = parse_args(&request)?;
    // Every id and filter value is checked before the keyring or Graph is asked anything.
    selection.validate()?;
    if app_id.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "choose the bot"));
    }
    let profile = state.profile(None)?;
    let work = state.begin_job(JobKind::BulkRun)?;
    let first = state.access_token(&profile, Feature::Install).await?;
    let graph = auth::graph_of(state.http(), &profile);
    let app = fresh_app(&state, &graph, &first, &app_id).await?;
    let plan = installs::plan(&*state.store()?, &app, action, &selection)?;
    if plan.items.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "nothing to {}: all {} selected target(s) are skipped",
                action.as_str(),
                plan.skipped.len()
            ),
        ));
    }
    let run_id = installs::create_run(state.store_mutex()?, &plan, &actor_of(&profile))?;
    execute(
        &state,
        profile,
        &graph,
        first,
        &run_id,
        on_progress,
        &work.cancel,
    )
    .await
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
    // A malformed or unknown run is refused before asking for a token.
    installs::validate::check_run_id("runId", &run_id)?;
    installs::run_summary(&*state.store()?, &run_id)?;
    let profile = state.profile(None)?;
    let work = state.begin_job(JobKind::BulkRun)?;
    let first = state.access_token(&profile, Feature::Install).await?;
    if retry_failed {
        installs::retry_failed(state.store_mutex()?, &run_id)?;
    }
    let graph = auth::graph_of(state.http(), &profile);
    execute(
        &state,
        profile,
        &graph,
        first,
        &run_id,
        on_progress,
        &work.cancel,
    )
    .await
}

#[tauri::command]
pub fn installs_runs(state: State<'_, AppState>) -> Result<Vec<RunSummary>, ApiError> {
    Ok(installs::list_runs(&*state.store()?, 20)?)
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
    installs::validate::check_run_id("runId", &run_id)?;
    Ok(installs::run_items(&*state.store()?, &run_id, only)?)
}
