//! Installations: where the bot is installed (the inventory) and bulk install / upgrade /
//! uninstall runs, for the window and the `botdeck installs` command alike.
//!
//! Reading the cache needs no sign-in. A sync and a preview sign in for reading the tenant
//! only; a run signs in for installing. A bulk change is planned once ([`plan`] saves it under an id)
//! and run by that id ([`run`]): the run plans the same selection again against the tenant as
//! it is now and is refused, saying what changed, when that is not what was previewed.
//! Long work claims the one-job lease here and takes its tokens from the [`Tenant`], which
//! refreshes them while the run lasts.

use botdeck_core::auth::Feature;
use botdeck_core::catalog::{self, CatalogApp};
use botdeck_core::ids::CatalogAppId;
use botdeck_core::installs::ipc::{
    InstallsBulkRequest, InstallsOverview, InstallsSyncRequest, InstallsSyncResult,
};
use botdeck_core::installs::{
    self, plans, validate, BulkPlan, InventoryPage, InventoryQuery, ItemResult, ItemState,
    RunSummary, SavedPlan, SyncContext,
};
use botdeck_graph::Executor;

use crate::context::{Context, JobKind};
use crate::error::{ApiError, ErrorCode};
use crate::progress::RunProgress;
use crate::tenant::Tenant;

/// Rows per page of the inventory, at most: both front-ends page beyond that.
pub const MAX_PAGE_ROWS: u32 = 1000;

/// Rows of a page asked for with `limit` 0 (an IPC query without a limit).
pub const DEFAULT_PAGE_ROWS: u32 = 100;

/// What a sync signs in for: reading where the bot is installed changes nothing.
pub const SYNC_FEATURE: Feature = Feature::ReadTenant;

/// What a preview signs in for: it reads the published version and changes nothing.
pub const PLAN_FEATURE: Feature = Feature::ReadTenant;

/// What runs and resumes sign in for.
pub const BULK_FEATURE: Feature = Feature::Install;

/// Progress of long work, as the front-end wants it (throttled by the caller).
pub type Progress<'a> = &'a (dyn Fn(&RunProgress) + Send + Sync);

/// What the Installations page shows before any row: apps, the app shown, its last sync,
/// coverage and version spread. From the cache; no network.
pub fn overview(cx: &Context, app_id: Option<&str>) -> Result<InstallsOverview, ApiError> {
    let store = cx.store()?;
    // Org, store and sideloaded apps alike: every one can be inventoried and installed.
    let apps: Vec<CatalogApp> = catalog::cached_apps(&store)?;
    let app_id = match app_id.map(str::trim).filter(|a| !a.is_empty()) {
        Some(id) => Some(CatalogAppId::parse(id)?),
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
        busy: cx.job_running(),
    })
}

/// The catalog id of a cached app named by catalog id, manifest id or name; the app synced
/// last when `needle` is `None`. For front-ends where the admin types a name; `field` names
/// where it was typed.
pub fn cached_app_id(
    cx: &Context,
    field: &str,
    needle: Option<&str>,
) -> Result<CatalogAppId, ApiError> {
    let store = cx.store()?;
    let Some(needle) = needle.map(str::trim) else {
        return installs::last_sync(&store, None)?
            .map(|s| s.app_id)
            .ok_or_else(|| {
                ApiError::invalid_input(
                    "nothing synced yet: sync the bot's installations first (`botdeck installs sync --app <bot>`)",
                )
            });
    };
    if needle.is_empty() {
        return Err(ApiError::invalid_input(format!(
            "{field}: name the bot by its manifest id, catalog id or name"
        )));
    }
    let cached = catalog::cached_apps(&store)?;
    if let Some(app) = cached.iter().find(|a| {
        a.id == needle
            || a.external_id
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(needle))
            || a.display_name.eq_ignore_ascii_case(needle)
    }) {
        return Ok(app.id.clone());
    }
    // An app synced before its catalog entry was cached is still known by its id.
    if let Some(synced) = installs::last_sync(&store, Some(needle))? {
        return Ok(synced.app_id);
    }
    Err(ApiError::new(
        ErrorCode::NotFound,
        format!(
            "{field} {needle:?}: no such bot in the local cache; the catalog lists the bots, and a sync reads one's installations into the cache"
        ),
    ))
}

/// The one page-size rule: at most [`MAX_PAGE_ROWS`] rows; 0 asks for the default page of
/// [`DEFAULT_PAGE_ROWS`]. `field` names where the value was given.
pub fn check_page_size(field: &str, limit: u32) -> Result<(), ApiError> {
    if limit > MAX_PAGE_ROWS {
        return Err(ApiError::invalid_input(format!(
            "{field} {limit}: a page holds at most {MAX_PAGE_ROWS} rows (0 asks for the default page of {DEFAULT_PAGE_ROWS})"
        )));
    }
    Ok(())
}

/// Checks a page request: filter values and page size.
pub fn check_query(query: &InventoryQuery) -> Result<(), ApiError> {
    query.validate()?;
    check_page_size("limit", query.limit)
}

/// One page of the cached inventory (no network).
pub fn query(
    cx: &Context,
    app_id: &str,
    query: &InventoryQuery,
) -> Result<InventoryPage, ApiError> {
    check_query(query)?;
    if app_id.trim().is_empty() {
        return Err(ApiError::invalid_input("choose the bot"));
    }
    let app_id = CatalogAppId::parse(app_id)?;
    let query = InventoryQuery {
        limit: match query.limit {
            0 => DEFAULT_PAGE_ROWS,
            n => n,
        },
        ..query.clone()
    };
    Ok(installs::query(&*cx.store()?, &app_id, &query)?)
}

/// The app named by `needle` fresh from Graph (its published definition decides versions and
/// consent), cached for the offline pages and commands.
async fn fresh_app(tenant: &Tenant<'_>, needle: &str) -> Result<CatalogApp, ApiError> {
    let token = tenant.token().await?;
    let app = catalog::find(&tenant.graph, &token, needle).await?;
    catalog::cache_apps(&*tenant.context().store()?, std::slice::from_ref(&app))?;
    Ok(app)
}

/// Reads where the bot is installed into the cache (resuming an unfinished sync unless
/// `fresh`), then re-checks the links that use the bot. Signs in for reading only. `req.app_id` may be a catalog id, manifest id or name.
pub async fn sync(
    cx: &Context,
    profile: Option<&str>,
    req: &InstallsSyncRequest,
    progress: Progress<'_>,
) -> Result<InstallsSyncResult, ApiError> {
    // A nonsense request never needs a sign-in.
    let options = req.options()?;
    let tenant = Tenant::open(cx, profile, SYNC_FEATURE).await?;
    let work = cx.begin_job(JobKind::InventorySync)?;
    let app = fresh_app(&tenant, req.app.trim()).await?;
    let executor = Executor::for_client(tenant.graph.clone());
    let ctx = SyncContext {
        graph: &tenant.graph,
        tokens: &tenant,
        store: cx.store_mutex()?,
        executor: &executor,
    };
    let report = installs::sync(&ctx, &app, &options, progress, &work.cancel).await?;
    tracing::info!(app = %app.display_name, status = %report.status, targets = report.targets, "inventory sync finished");
    if report.status == "completed" {
        // Links that use this bot are checked again inside the sync's job, so a bot removed or
        // left behind shows up as a broken link whichever front-end synced.
        crate::links::health_after_sync(&tenant, &app.id, &work.cancel).await;
    }
    Ok(InstallsSyncResult {
        report,
        app_id: app.id,
        app_name: app.display_name,
        kinds: options.kinds,
    })
}

/// Asks the running sync or bulk run to stop after the requests on the wire.
pub fn cancel(cx: &Context) -> bool {
    cx.cancel_job()
}

fn check_bulk(req: &InstallsBulkRequest) -> Result<(), ApiError> {
    if req.app.trim().is_empty() {
        return Err(ApiError::invalid_input("choose the bot"));
    }
    req.selection.validate()?;
    Ok(())
}

/// The dry run: what `req` would do to the tenant now (the app's published version read fresh
/// from Graph, the targets from the cache), saved under the id [`run`] takes.
pub async fn plan(
    cx: &Context,
    profile: Option<&str>,
    req: &InstallsBulkRequest,
) -> Result<SavedPlan, ApiError> {
    // Every id and filter value is checked before the keyring or Graph is asked anything.
    check_bulk(req)?;
    let tenant = Tenant::open(cx, profile, PLAN_FEATURE).await?;
    let app = fresh_app(&tenant, req.app.trim()).await?;
    let store = cx.store()?;
    let plan = installs::plan(&store, &app, req.action, &req.selection)?;
    Ok(plans::save(
        &store,
        Some(&tenant.profile.id),
        &req.selection,
        plan,
    )?)
}

fn nothing_to_do(plan: &BulkPlan) -> ApiError {
    ApiError::invalid_input(format!(
        "nothing to {}: all {} selected target(s) are skipped",
        plan.action.as_str(),
        plan.skipped.len()
    ))
}

/// Runs the plan previewed as `plan_id`. Refused (`conflict`) when the published version,
/// the consent or the targets changed since the preview, or when the plan already ran.
pub async fn run(
    cx: &Context,
    profile: Option<&str>,
    plan_id: &str,
    progress: Progress<'_>,
) -> Result<RunSummary, ApiError> {
    validate::check_plan_id("planId", plan_id)?;
    let plan_id = plan_id.trim();
    // A plan that is unknown or already ran is refused before the keyring is asked.
    let stored = load_plan(cx, plan_id)?;
    if stored.saved.plan.items.is_empty() {
        return Err(nothing_to_do(&stored.saved.plan));
    }
    let tenant = Tenant::open(cx, profile, BULK_FEATURE).await?;
    run_as(&tenant, plan_id, progress).await
}

fn load_plan(cx: &Context, plan_id: &str) -> Result<plans::StoredPlan, ApiError> {
    let stored = plans::load(&*cx.store()?, plan_id)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no previewed plan {plan_id}: preview the change again"),
        )
    })?;
    if let Some(run_id) = &stored.run_id {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("this preview already ran as run {run_id}: resume that run, or preview again"),
        ));
    }
    Ok(stored)
}

/// [`run`] for a tenant already signed in for [`BULK_FEATURE`].
pub async fn run_as(
    tenant: &Tenant<'_>,
    plan_id: &str,
    progress: Progress<'_>,
) -> Result<RunSummary, ApiError> {
    let cx = tenant.context();
    let stored = load_plan(cx, plan_id)?;
    let previewed = &stored.saved.plan;
    if stored
        .profile_id
        .as_deref()
        .is_some_and(|p| p != tenant.profile.id)
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this preview was made for another tenant profile: preview it for this one",
        ));
    }
    let work = cx.begin_job(JobKind::BulkRun)?;
    let app = fresh_app(tenant, &previewed.app_id).await?;
    let now = installs::plan(&*cx.store()?, &app, previewed.action, &stored.selection)?;
    if let Some(changed) = plans::what_changed(previewed, &now) {
        return Err(installs::InstallsError::Changed(changed).into());
    }
    if now.items.is_empty() {
        return Err(nothing_to_do(&now));
    }
    // The targets are the previewed ones; their installation ids are the freshest known.
    let run_id = installs::create_run(cx.store_mutex()?, &now, &tenant.actor())?;
    plans::mark_run(&*cx.store()?, plan_id, &run_id)?;
    execute(tenant, &run_id, progress, &work.cancel).await
}

async fn execute(
    tenant: &Tenant<'_>,
    run_id: &str,
    progress: Progress<'_>,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<RunSummary, ApiError> {
    let executor = Executor::for_client(tenant.graph.clone());
    let ctx = SyncContext {
        graph: &tenant.graph,
        tokens: tenant,
        store: tenant.context().store_mutex()?,
        executor: &executor,
    };
    let summary = installs::execute_run(&ctx, run_id, progress, cancel).await?;
    tracing::info!(run = %run_id, status = %summary.status, failed = summary.failed, "bulk run finished");
    Ok(summary)
}

/// Continues an interrupted run (nothing is done twice); `retry_failed` first puts its failed
/// items back.
pub async fn resume(
    cx: &Context,
    profile: Option<&str>,
    run_id: &str,
    retry_failed: bool,
    progress: Progress<'_>,
) -> Result<RunSummary, ApiError> {
    // A malformed or unknown run is refused before asking for a token.
    validate::check_run_id("runId", run_id)?;
    let run_id = run_id.trim();
    installs::run_summary(&*cx.store()?, run_id)?;
    let tenant = Tenant::open(cx, profile, BULK_FEATURE).await?;
    let work = cx.begin_job(JobKind::BulkRun)?;
    if retry_failed {
        let n = installs::retry_failed(cx.store_mutex()?, run_id)?;
        tracing::info!(run = %run_id, items = n, "retrying failed items");
    }
    execute(&tenant, run_id, progress, &work.cancel).await
}

/// Recent bulk runs, newest first.
pub fn runs(cx: &Context) -> Result<Vec<RunSummary>, ApiError> {
    Ok(installs::list_runs(&*cx.store()?, 20)?)
}

/// A run's items and results, optionally only those in one state.
pub fn run_items(
    cx: &Context,
    run_id: &str,
    state: Option<ItemState>,
) -> Result<Vec<ItemResult>, ApiError> {
    validate::check_run_id("runId", run_id)?;
    Ok(installs::run_items(&*cx.store()?, run_id.trim(), state)?)
}
