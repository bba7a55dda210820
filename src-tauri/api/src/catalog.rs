//! The Teams app catalog: list and find apps, publish, update, review, withdraw and delete.
//!
//! Listing needs a read-tenant sign-in, every change a publish one. Every change refreshes the
//! local catalog cache before it answers, so the window's offline pages and the next
//! `botdeck catalog` run see what the tenant now holds, whichever front-end made the change.
//! Refusals a front-end acts on (findings, "already in the catalog", "version not greater")
//! come back as data in [`PublishResult`], not as errors.

use botdeck_core::auth::Feature;
use botdeck_core::catalog::ipc::{
    catalog_app_id, check_catalog_id, CatalogAppView, CatalogDeleteRequest, CatalogFindRequest,
    CatalogListRequest, CatalogPublishOpenRequest, CatalogReviewRequest, CatalogView,
    LocalPackageInfo, PackageCheck, PublishResult,
};
use botdeck_core::catalog::{self, Audit, CatalogApp, PublishOptions};
use botdeck_core::installs;
use botdeck_core::package::studio::Studio;
use botdeck_core::store::Store;

use crate::context::Context;
use crate::error::{ApiError, ErrorCode};
use crate::tenant::Tenant;

/// Teams packages are small (a manifest and two icons); the service refuses big ones anyway.
pub const MAX_PACKAGE_BYTES: usize = 16 * 1024 * 1024;

/// A package to upload as the admin gave it: refused when empty or too big, before anything
/// is parsed or anyone is asked to sign in.
pub fn check_upload_size(zip: &[u8]) -> Result<(), ApiError> {
    if zip.is_empty() {
        return Err(ApiError::invalid_input("the file is empty"));
    }
    if zip.len() > MAX_PACKAGE_BYTES {
        return Err(ApiError::invalid_input(format!(
            "the file is {} MiB; a Teams app package is at most {} MiB",
            zip.len() / (1024 * 1024),
            MAX_PACKAGE_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Org apps (and the store apps looked up before) with every definition: from Graph with
/// `refresh` (and cached), else from the cache without a sign-in. `local` is the package the
/// admin is working on (the window's open package, the CLI's `--package`), compared with the
/// catalog's versions.
pub async fn list(
    cx: &Context,
    profile: Option<&str>,
    request: &CatalogListRequest,
    local: Option<LocalPackageInfo>,
) -> Result<CatalogView, ApiError> {
    if !request.refresh {
        let apps = catalog::cached_apps(&*cx.store()?)?;
        return view_of(cx, apps, false, local);
    }
    let tenant = Tenant::open(cx, profile, Feature::ReadTenant).await?;
    let token = tenant.token().await?;
    let also = catalog::cached_non_org_ids(&*cx.store()?)?;
    let apps = catalog::list_apps(&tenant.graph, &token, &also).await?;
    catalog::cache_apps(&*cx.store()?, &apps)?;
    view_of(cx, apps, true, local)
}

/// One app by name, manifest id or catalog id, store apps too; from then on it is listed,
/// synced and installed like the org apps.
pub async fn find(
    cx: &Context,
    profile: Option<&str>,
    request: &CatalogFindRequest,
    local: Option<LocalPackageInfo>,
) -> Result<CatalogView, ApiError> {
    let needle = request.validate()?.to_string();
    let tenant = Tenant::open(cx, profile, Feature::ReadTenant).await?;
    let token = tenant.token().await?;
    let found = catalog::find(&tenant.graph, &token, &needle).await?;
    catalog::cache_apps(&*cx.store()?, std::slice::from_ref(&found))?;
    view_of(cx, vec![found], true, local)
}

/// Publishes a package as a new app (or, with `update_if_exists`, as an update when its
/// manifest id is in the catalog already). The package is judged before any sign-in.
pub async fn publish(
    cx: &Context,
    profile: Option<&str>,
    zip: Vec<u8>,
    options: PublishOptions,
) -> Result<PublishResult, ApiError> {
    check_upload_size(&zip)?;
    if !options.skip_local_validation {
        if let Err(refused) = catalog::check_package(&zip) {
            return Ok(PublishResult::from_result(Err(refused))?);
        }
    }
    let tenant = Tenant::open(cx, profile, Feature::Publish).await?;
    upload(cx, &tenant, None, zip, options).await
}

/// Uploads a package as a new definition of `catalog_id`, or — `None` — of the catalog app
/// with the package's manifest id. Refused before uploading unless its version is greater.
pub async fn update(
    cx: &Context,
    profile: Option<&str>,
    catalog_id: Option<&str>,
    zip: Vec<u8>,
    options: PublishOptions,
) -> Result<PublishResult, ApiError> {
    check_upload_size(&zip)?;
    let catalog_id = catalog_id
        .map(|id| catalog_app_id("catalogId", id))
        .transpose()?;
    if !options.skip_local_validation {
        if let Err(refused) = catalog::check_package(&zip) {
            return Ok(PublishResult::from_result(Err(refused))?);
        }
    }
    let options = PublishOptions {
        update_if_exists: true,
        ..options
    };
    let tenant = Tenant::open(cx, profile, Feature::Publish).await?;
    let catalog_id = match catalog_id {
        Some(id) => id,
        None => {
            let manifest_id = botdeck_core::package::Package::from_zip(&zip)?.manifest.id;
            let token = tenant.token().await?;
            catalog::find_by_manifest_id(&tenant.graph, &token, &manifest_id)
                .await?
                .map(|app| app.id)
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::NotFound,
                        format!("manifest id {manifest_id} is not in the catalog yet: publish it as a new app"),
                    )
                })?
        }
    };
    upload(cx, &tenant, Some(&catalog_id), zip, options).await
}

/// Reads a chosen zip locally: manifest id, version, findings. Nothing is uploaded and no
/// sign-in is needed, so a front-end can compare it with the catalog first.
pub fn inspect(zip: &[u8]) -> Result<PackageCheck, ApiError> {
    check_upload_size(zip)?;
    Ok(catalog::inspect(zip))
}

/// Publishes the package open in the window's Package page: as a new app, or as an update of
/// `catalogId`. The zip is built here, so what is uploaded is exactly what the studio shows.
/// `open` is a copy of the open package (`None` when nothing is open).
pub async fn publish_open(
    cx: &Context,
    profile: Option<&str>,
    request: &CatalogPublishOpenRequest,
    open: Option<Studio>,
) -> Result<PublishResult, ApiError> {
    let catalog_id = match request.catalog_id.as_deref().map(str::trim) {
        Some("") => {
            return Err(ApiError::invalid_request(
                "malformed request: catalogId is empty",
            ))
        }
        Some(c) => Some(check_catalog_id("catalogId", c)?.to_string()),
        None => None,
    };
    let studio = open.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "no package is open in the Package page; open or build one there, or choose a zip",
        )
    })?;
    let zip = studio.build_zip()?;
    let options = PublishOptions {
        requires_review: request.review,
        update_if_exists: false,
        skip_local_validation: false,
    };
    let tenant = Tenant::open(cx, profile, Feature::Publish).await?;
    upload(cx, &tenant, catalog_id.as_deref(), zip, options).await
}

/// Approves (publishes) or rejects a submitted definition (`approve` is required).
pub async fn review(
    cx: &Context,
    profile: Option<&str>,
    request: &CatalogReviewRequest,
) -> Result<CatalogApp, ApiError> {
    let approve = request
        .approve
        .ok_or_else(|| ApiError::invalid_request("malformed request: missing field `approve`"))?;
    let (catalog_id, definition) = checked_review(request)?;
    let tenant = Tenant::open(cx, profile, Feature::Publish).await?;
    let token = tenant.token().await?;
    let actor = tenant.actor();
    let audit = Audit {
        store: cx.store_mutex()?,
        actor: &actor,
    };
    let app = catalog::review(
        &tenant.graph,
        &token,
        audit,
        &catalog_id,
        definition.as_deref(),
        approve,
    )
    .await?;
    catalog::cache_apps(&*cx.store()?, std::slice::from_ref(&app))?;
    Ok(app)
}

/// Withdraws a submitted definition; Graph deletes the whole app when nothing of it is
/// published (then `None`, and the app leaves the cache too).
pub async fn withdraw(
    cx: &Context,
    profile: Option<&str>,
    request: &CatalogReviewRequest,
) -> Result<Option<CatalogApp>, ApiError> {
    let (catalog_id, definition) = checked_review(request)?;
    let tenant = Tenant::open(cx, profile, Feature::Publish).await?;
    let token = tenant.token().await?;
    let actor = tenant.actor();
    let audit = Audit {
        store: cx.store_mutex()?,
        actor: &actor,
    };
    let app = catalog::withdraw(
        &tenant.graph,
        &token,
        audit,
        &catalog_id,
        definition.as_deref(),
    )
    .await?;
    match &app {
        Some(app) => catalog::cache_apps(&*cx.store()?, std::slice::from_ref(app))?,
        None => forget(&*cx.store()?, &catalog_id)?,
    }
    Ok(app)
}

/// Deletes an org app from the catalog (a front-end confirms first); it leaves the cache too.
pub async fn delete(
    cx: &Context,
    profile: Option<&str>,
    request: &CatalogDeleteRequest,
) -> Result<(), ApiError> {
    let catalog_id = check_catalog_id("catalogId", &request.catalog_id)?.to_string();
    let tenant = Tenant::open(cx, profile, Feature::Publish).await?;
    let token = tenant.token().await?;
    let actor = tenant.actor();
    let audit = Audit {
        store: cx.store_mutex()?,
        actor: &actor,
    };
    catalog::delete(&tenant.graph, &token, audit, &catalog_id).await?;
    forget(&*cx.store()?, &catalog_id)
}

fn checked_review(request: &CatalogReviewRequest) -> Result<(String, Option<String>), ApiError> {
    let catalog_id = check_catalog_id("catalogId", &request.catalog_id)?.to_string();
    let definition = request
        .definition_id
        .as_deref()
        .map(|d| check_catalog_id("definitionId", d).map(str::to_string))
        .transpose()?;
    Ok((catalog_id, definition))
}

/// The upload itself, as a new app (`None`) or a new definition of `catalog_id`; what the
/// tenant answered goes into the cache before the answer goes back.
async fn upload(
    cx: &Context,
    tenant: &Tenant<'_>,
    catalog_id: Option<&str>,
    zip: Vec<u8>,
    options: PublishOptions,
) -> Result<PublishResult, ApiError> {
    let token = tenant.token().await?;
    let actor = tenant.actor();
    let audit = Audit {
        store: cx.store_mutex()?,
        actor: &actor,
    };
    let result = match catalog_id {
        Some(id) => catalog::update(&tenant.graph, &token, audit, id, zip, options).await,
        None => catalog::publish(&tenant.graph, &token, audit, zip, options).await,
    };
    if let Ok(outcome) = &result {
        catalog::cache_apps(&*cx.store()?, std::slice::from_ref(&outcome.app))?;
    }
    Ok(PublishResult::from_result(result)?)
}

/// Drops an app the tenant no longer has, so the offline pages stop offering it.
fn forget(store: &Store, catalog_id: &str) -> Result<(), ApiError> {
    Ok(catalog::forget_cached(store, catalog_id)?)
}

/// The page's view: each app with its installed versions (from the inventory cache) and what
/// the local package would change.
fn view_of(
    cx: &Context,
    apps: Vec<CatalogApp>,
    live: bool,
    local: Option<LocalPackageInfo>,
) -> Result<CatalogView, ApiError> {
    let store = cx.store()?;
    let mut views = Vec::with_capacity(apps.len());
    for app in apps {
        let spread = installs::version_spread(&store, &app.id)?;
        // The last *completed* sync: a later cancelled one must not hide the cache's age.
        let inventory_age_secs =
            installs::last_completed_sync(&store, &app.id)?.map(|s| s.age_secs);
        // What can be upgraded: archived teams' installations are not "behind".
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
