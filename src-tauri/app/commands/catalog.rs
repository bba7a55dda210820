//! IPC commands for the catalog page (thin adapters over `botdeck_core::catalog`).
//!
//! Listing needs a read-tenant sign-in, every change a publish one (`consent_required`
//! otherwise, which the page answers with "sign in again to allow publishing"). A package to
//! publish arrives as raw bytes (`invoke(cmd, Uint8Array, {headers})`), capped like the Package
//! page's uploads; the options travel in `x-botdeck-*` headers. Refusals the page acts on
//! (findings, "already in the catalog", "version not greater") come back as data.

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_core::auth::{self, Feature};
use botdeck_core::catalog::ipc::{
    check_catalog_id, CatalogAppView, CatalogDeleteRequest, CatalogFindRequest, CatalogListRequest,
    CatalogPublishOpenRequest, CatalogReviewRequest, CatalogView, LocalPackageInfo, PackageCheck,
    PublishResult,
};
use botdeck_core::catalog::{self, Actor, Audit, CatalogApp, PublishOptions};
use botdeck_core::graph::GraphClient;
use botdeck_core::installs;
use botdeck_core::profiles::Profile;
use botdeck_core::secrets::Sensitive;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;

use crate::ipc::parse_args;
use crate::state::AppState;

/// Teams packages are small (a manifest and two icons); the service refuses big ones anyway.
pub const MAX_PACKAGE_BYTES: usize = 16 * 1024 * 1024;
const CATALOG_ID_HEADER: &str = "x-botdeck-catalog-id";
const UPDATE_IF_EXISTS_HEADER: &str = "x-botdeck-update-if-exists";
const REVIEW_HEADER: &str = "x-botdeck-review";

struct Signed {
    profile: Profile,
    graph: GraphClient,
    token: Sensitive<String>,
}

async fn signed(state: &AppState, feature: Feature) -> Result<Signed, ApiError> {
    let profile = state.profile(None)?;
    let token = state.access_token(&profile, feature).await?;
    let graph = auth::graph_of(state.http(), &profile);
    Ok(Signed {
        profile,
        graph,
        token,
    })
}

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

fn package_bytes(request: &Request<'_>) -> Result<Vec<u8>, ApiError> {
    match request.body() {
        InvokeBody::Raw(bytes) if bytes.is_empty() => {
            Err(ApiError::new(ErrorCode::InvalidInput, "the file is empty"))
        }
        InvokeBody::Raw(bytes) if bytes.len() > MAX_PACKAGE_BYTES => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "the file is {} MiB; a Teams app package is at most {} MiB",
                bytes.len() / (1024 * 1024),
                MAX_PACKAGE_BYTES / (1024 * 1024)
            ),
        )),
        InvokeBody::Raw(bytes) => Ok(bytes.clone()),
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

fn local_package(state: &AppState) -> Option<LocalPackageInfo> {
    let open = state.open_package();
    let summary = open.as_ref()?.view().summary?;
    Some(LocalPackageInfo {
        manifest_id: summary.id?,
        version: summary.version?,
        name: summary.name.unwrap_or_default(),
    })
}

fn view_of(state: &AppState, apps: Vec<CatalogApp>, live: bool) -> Result<CatalogView, ApiError> {
    let local = local_package(state);
    let store = state.store()?;
    let mut views = Vec::with_capacity(apps.len());
    for app in apps {
        // Installed versions come from the inventory cache (all kinds together).
        let spread = installs::version_spread(&store, &app.id)?;
        // The last *completed* sync: a later cancelled one must not hide the cache's age.
        let inventory_age_secs =
            installs::last_completed_sync(&store, &app.id)?.map(|s| s.age_secs);
        // What can be upgraded: archived teams' installations are not.
        let mut installed: Vec<(String, u64)> = Vec::new();
        for v in spread.iter() {
            match installed
                .iter_mut()
                .find(|(version, _)| *version == v.version)
            {
                Some((_, n)) => *n += v.changeable(),
                None => installed.push((v.version.clone(), v.changeable())),
            }
        }
        let local_version = local
            .as_ref()
            .filter(|l| {
                app.external_id
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&l.manifest_id))
            })
            .map(|l| l.version.clone());
        let update = catalog::update_status(&app, local_version.as_deref(), &installed);
        views.push(CatalogAppView::new(app, update, spread, inventory_age_secs));
    }
    Ok(CatalogView {
        apps: views,
        live,
        local_package: local,
    })
}

/// Org apps with every definition: from Graph with `refresh`, else from the cache.
#[tauri::command]
pub async fn catalog_list(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<CatalogView, ApiError> {
    let CatalogListRequest { refresh } = parse_args(&request)?;
    if !refresh {
        let apps = catalog::cached_apps(&*state.store()?)?;
        return view_of(&state, apps, false);
    }
    let s = signed(&state, Feature::ReadTenant).await?;
    let also = catalog::cached_non_org_ids(&*state.store()?)?;
    let apps = catalog::list_apps(&s.graph, &s.token, &also).await?;
    catalog::cache_apps(&*state.store()?, &apps)?;
    view_of(&state, apps, true)
}

/// Finds an app outside the org catalog (a Teams store bot) by name or id; from then on it is
/// listed, synced and installed like the org apps.
#[tauri::command]
pub async fn catalog_find(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<CatalogView, ApiError> {
    let req: CatalogFindRequest = parse_args(&request)?;
    let needle = req.validate()?.to_string();
    let s = signed(&state, Feature::ReadTenant).await?;
    let found = catalog::find(&s.graph, &s.token, &needle).await?;
    catalog::cache_apps(&*state.store()?, std::slice::from_ref(&found))?;
    view_of(&state, vec![found], true)
}

/// Publishes a package (raw zip). `x-botdeck-update-if-exists: 1` uploads it as an update
/// when its manifest id is already in the catalog; `x-botdeck-review: 1` submits for review.
#[tauri::command]
pub async fn catalog_publish(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PublishResult, ApiError> {
    let zip = package_bytes(&request)?;
    let opts = PublishOptions {
        requires_review: header_flag(&request, REVIEW_HEADER),
        update_if_exists: header_flag(&request, UPDATE_IF_EXISTS_HEADER),
        skip_local_validation: false,
    };
    // The package is judged before anyone is asked to sign in for it.
    if let Err(refused) = catalog::check_package(&zip) {
        return Ok(PublishResult::from_result(Err(refused))?);
    }
    let s = signed(&state, Feature::Publish).await?;
    let actor = actor_of(&s.profile);
    let audit = Audit {
        store: state.store_mutex()?,
        actor: &actor,
    };
    let result = catalog::publish(&s.graph, &s.token, audit, zip, opts).await;
    if let Ok(outcome) = &result {
        catalog::cache_apps(&*state.store()?, std::slice::from_ref(&outcome.app))?;
    }
    Ok(PublishResult::from_result(result)?)
}

/// Uploads a package (raw zip) as a new definition of the app in `x-botdeck-catalog-id`;
/// refused before uploading unless its version is greater than the catalog's.
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
    let catalog_id = check_catalog_id("catalogId", &catalog_id)?.to_string();
    if let Err(refused) = catalog::check_package(&zip) {
        return Ok(PublishResult::from_result(Err(refused))?);
    }
    let opts = PublishOptions {
        requires_review: header_flag(&request, REVIEW_HEADER),
        update_if_exists: true,
        skip_local_validation: false,
    };
    let s = signed(&state, Feature::Publish).await?;
    let actor = actor_of(&s.profile);
    let audit = Audit {
        store: state.store_mutex()?,
        actor: &actor,
    };
    let result = catalog::update(&s.graph, &s.token, audit, &catalog_id, zip, opts).await;
    if let Ok(outcome) = &result {
        catalog::cache_apps(&*state.store()?, std::slice::from_ref(&outcome.app))?;
    }
    Ok(PublishResult::from_result(result)?)
}

/// Reads a chosen zip (raw bytes) locally: manifest id, version, findings. Nothing is
/// uploaded and no sign-in is needed, so the page can compare it with the catalog first.
#[tauri::command]
pub fn catalog_inspect(request: Request<'_>) -> Result<PackageCheck, ApiError> {
    let zip = package_bytes(&request)?;
    Ok(catalog::inspect(&zip))
}

/// Publishes the package open in the Package page: as a new app, or as an update of
/// `catalogId`. The zip is built here, so what is uploaded is exactly what the studio shows.
#[tauri::command]
pub async fn catalog_publish_open(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<PublishResult, ApiError> {
    let CatalogPublishOpenRequest { catalog_id, review } = parse_args(&request)?;
    let catalog_id = match catalog_id.map(|c| c.trim().to_string()) {
        Some(c) if c.is_empty() => {
            return Err(ApiError::invalid_request(
                "malformed request: catalogId is empty",
            ))
        }
        Some(c) => Some(check_catalog_id("catalogId", &c)?.to_string()),
        None => None,
    };
    let zip = {
        let open = state.open_package();
        let studio = open.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                "no package is open in the Package page; open or build one there, or choose a zip",
            )
        })?;
        studio.build_zip()?
    };
    let opts = PublishOptions {
        requires_review: review,
        update_if_exists: false,
        skip_local_validation: false,
    };
    let s = signed(&state, Feature::Publish).await?;
    let actor = actor_of(&s.profile);
    let audit = Audit {
        store: state.store_mutex()?,
        actor: &actor,
    };
    let result = match &catalog_id {
        Some(id) => catalog::update(&s.graph, &s.token, audit, id, zip, opts).await,
        None => catalog::publish(&s.graph, &s.token, audit, zip, opts).await,
    };
    if let Ok(outcome) = &result {
        catalog::cache_apps(&*state.store()?, std::slice::from_ref(&outcome.app))?;
    }
    Ok(PublishResult::from_result(result)?)
}

/// Approves (publishes) or rejects a submitted definition.
#[tauri::command]
pub async fn catalog_review(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<CatalogApp, ApiError> {
    let CatalogReviewRequest {
        catalog_id,
        definition_id,
        approve,
    } = parse_args(&request)?;
    let approve = approve
        .ok_or_else(|| ApiError::invalid_request("malformed request: missing field `approve`"))?;
    let catalog_id = check_catalog_id("catalogId", &catalog_id)?.to_string();
    if let Some(d) = &definition_id {
        check_catalog_id("definitionId", d)?;
    }
    let s = signed(&state, Feature::Publish).await?;
    let actor = actor_of(&s.profile);
    let audit = Audit {
        store: state.store_mutex()?,
        actor: &actor,
    };
    let app = catalog::review(
        &s.graph,
        &s.token,
        audit,
        &catalog_id,
        definition_id.as_deref(),
        approve,
    )
    .await?;
    catalog::cache_apps(&*state.store()?, std::slice::from_ref(&app))?;
    Ok(app)
}

/// Withdraws a submitted definition (the whole app when nothing of it is published).
#[tauri::command]
pub async fn catalog_withdraw(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Option<CatalogApp>, ApiError> {
    let CatalogReviewRequest {
        catalog_id,
        definition_id,
        ..
    } = parse_args(&request)?;
    let catalog_id = check_catalog_id("catalogId", &catalog_id)?.to_string();
    if let Some(d) = &definition_id {
        check_catalog_id("definitionId", d)?;
    }
    let s = signed(&state, Feature::Publish).await?;
    let actor = actor_of(&s.profile);
    let audit = Audit {
        store: state.store_mutex()?,
        actor: &actor,
    };
    let app = catalog::withdraw(
        &s.graph,
        &s.token,
        audit,
        &catalog_id,
        definition_id.as_deref(),
    )
    .await?;
    match &app {
        Some(app) => catalog::cache_apps(&*state.store()?, std::slice::from_ref(app))?,
        None => forget(&state, &catalog_id)?,
    }
    Ok(app)
}

/// Deletes an org app from the catalog (the page confirms first).
#[tauri::command]
pub async fn catalog_delete(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<(), ApiError> {
    let CatalogDeleteRequest { catalog_id } = parse_args(&request)?;
    let catalog_id = check_catalog_id("catalogId", &catalog_id)?.to_string();
    let s = signed(&state, Feature::Publish).await?;
    let actor = actor_of(&s.profile);
    let audit = Audit {
        store: state.store_mutex()?,
        actor: &actor,
    };
    catalog::delete(&s.graph, &s.token, audit, &catalog_id).await?;
    forget(&state, &catalog_id)
}

/// Drops a deleted app from the cache so the offline pages stop offering it.
fn forget(state: &AppState, catalog_id: &str) -> Result<(), ApiError> {
    state
        .store()?
        .connection()
        .execute("DELETE FROM catalog_app WHERE id = ?1", [catalog_id])
        .map_err(|e| ApiError::from(botdeck_core::store::StoreError::Sqlite(e)))?;
    Ok(())
}
