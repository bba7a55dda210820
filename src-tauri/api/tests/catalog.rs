//! The catalog operations at the boundary both front-ends call, against an in-process
//! tenant-sim with a real SQLite cache: every change leaves the local catalog cache showing
//! what the tenant now holds (the window's offline pages and the next CLI run read it), and
//! requests are judged before anyone is asked to sign in.
//!
//! The signed-in tests keep their tokens in the real OS keyring, so they are `#[ignore]`d:
//! `scripts/with-keyring.sh cargo test -p botdeck-api --test catalog -- --include-ignored`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use botdeck_api::error::ErrorCode;
use botdeck_api::{catalog, Context, OpenOptions};
use botdeck_core::audit::{self, Outcome};
use botdeck_core::auth::{self, Feature, Sleeper};
use botdeck_core::catalog::ipc::{
    CatalogDeleteRequest, CatalogListRequest, CatalogPublishOpenRequest, CatalogReviewRequest,
    PublishRefusalKind, PublishResult,
};
use botdeck_core::catalog::{CatalogApp, PublishOptions, PublishingState};
use botdeck_core::config::{Cloud, DataPaths};
use botdeck_core::ids::{EntraAppId, ManifestId};
use botdeck_core::package::{self, NewBotAppOptions};
use botdeck_core::profiles::{NewTenantProfile, TenantProfiles};
use tenant_sim::{RunningSim, SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID};
use tokio_util::sync::CancellationToken;

const PROFILE: &str = "Sim";

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

fn zip(manifest_id: &str, version: &str, name: &str) -> Vec<u8> {
    let mut pkg = package::new_bot_app(&NewBotAppOptions {
        name: name.into(),
        manifest_id: Some(ManifestId::parse(manifest_id).expect("a manifest id")),
        bot_id: Some(EntraAppId::parse(DEMO_BOT_APP_ID).expect("an Entra app id")),
        ..Default::default()
    })
    .expect("template");
    pkg.manifest.version = version.into();
    pkg.build_zip().expect("zip")
}

fn context(dir: &tempfile::TempDir) -> Context {
    Context::open(DataPaths::under(dir.path()), OpenOptions::command_line())
}

/// A context whose profile "Sim" is signed in to the sim for publishing (tokens in the keyring).
async fn signed_in(sim: &RunningSim, dir: &tempfile::TempDir) -> Context {
    let cx = context(dir);
    let profile = TenantProfiles::new(&cx.store().expect("store"))
        .create(
            &NewTenantProfile {
                name: PROFILE.into(),
                tenant: sim.tenant_id(),
                cloud: Cloud::custom(&sim.authority_host(), &sim.graph_base_url()).expect("cloud"),
                client_id: BOTDECK_PUBLIC_CLIENT_ID.into(),
            },
            false,
        )
        .expect("profile");
    let auth = cx.authenticator().expect("keyring backend");
    let grant = auth
        .start_device_code(&profile, Feature::Publish)
        .await
        .expect("device code");
    let (signed_in, _) = auth
        .finish_device_code(&profile, &grant, &CancellationToken::new(), &NoWait)
        .await
        .expect("auto-approved sign-in");
    auth::record_sign_in(&cx.store().expect("store"), &profile.id, &signed_in).expect("recorded");
    cx
}

async fn sim() -> RunningSim {
    tenant_sim::start(SimConfig {
        size: TenantSize::Tiny,
        auto_approve_device_code: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim")
}

/// The catalog as the offline pages read it back: from the cache, no sign-in.
async fn cached(cx: &Context, catalog_id: &str) -> Option<CatalogApp> {
    let view = catalog::list(cx, None, &CatalogListRequest { refresh: false }, None)
        .await
        .expect("cached catalog");
    assert!(!view.live, "the cache answered, not Graph");
    view.apps
        .into_iter()
        .map(|v| v.app)
        .find(|a| a.id == catalog_id)
}

fn state_of(app: &CatalogApp, version: &str) -> Option<PublishingState> {
    app.definitions
        .iter()
        .find(|d| d.version == version)
        .map(|d| d.publishing_state)
}

fn outcome(result: PublishResult) -> botdeck_core::catalog::PublishOutcome {
    assert!(result.refused.is_none(), "{:?}", result.refused);
    result.outcome.expect("an outcome")
}

const REVIEW: PublishOptions = PublishOptions {
    requires_review: true,
    update_if_exists: false,
    skip_local_validation: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
async fn publishing_and_updating_leave_the_cached_catalog_showing_the_new_version() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = signed_in(&sim, &dir).await;
    let id = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";

    let published = outcome(
        catalog::publish(
            &cx,
            Some(PROFILE),
            zip(id, "1.0.0", "Cache Bot"),
            PublishOptions::default(),
        )
        .await
        .expect("publish"),
    );
    let app = cached(&cx, &published.app.id)
        .await
        .expect("the new app is in the cache");
    assert_eq!(app.external_id.as_deref(), Some(id));
    assert_eq!(state_of(&app, "1.0.0"), Some(PublishingState::Published));

    // A second publish of the same manifest id is a refusal the front-ends show, as data.
    let again = catalog::publish(
        &cx,
        Some(PROFILE),
        zip(id, "1.0.1", "Cache Bot"),
        PublishOptions::default(),
    )
    .await
    .expect("a refusal is data");
    let refused = again.refused.expect("refused");
    assert_eq!(refused.kind, PublishRefusalKind::AlreadyInCatalog);
    assert_eq!(
        refused.catalog_id.as_deref(),
        Some(published.app.id.as_str())
    );

    // The CLI's update names no catalog id: the package's manifest id finds the app.
    let updated = outcome(
        catalog::update(
            &cx,
            Some(PROFILE),
            None,
            zip(id, "1.1.0", "Cache Bot"),
            PublishOptions::default(),
        )
        .await
        .expect("update"),
    );
    assert_eq!(updated.app.id, published.app.id);
    let app = cached(&cx, &published.app.id).await.expect("still cached");
    assert_eq!(
        state_of(&app, "1.1.0"),
        Some(PublishingState::Published),
        "{app:?}"
    );
    assert_eq!(app.published().map(|d| d.version.as_str()), Some("1.1.0"));

    // A lower version is refused before upload and leaves the cache as it was.
    let lower = catalog::update(
        &cx,
        Some(PROFILE),
        Some(&published.app.id),
        zip(id, "1.0.5", "Cache Bot"),
        PublishOptions::default(),
    )
    .await
    .expect("a refusal is data");
    assert_eq!(
        lower.refused.map(|r| r.kind),
        Some(PublishRefusalKind::VersionNotGreater)
    );
    assert_eq!(
        cached(&cx, &published.app.id)
            .await
            .and_then(|a| a.published().map(|d| d.version.clone())),
        Some("1.1.0".into())
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
async fn review_and_withdraw_leave_the_cached_catalog_showing_the_new_state() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = signed_in(&sim, &dir).await;
    let id = "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e";

    let submitted = outcome(
        catalog::publish(&cx, Some(PROFILE), zip(id, "1.0.0", "Review Bot"), REVIEW)
            .await
            .expect("submit"),
    );
    let catalog_id = submitted.app.id.clone();
    assert_eq!(
        cached(&cx, &catalog_id)
            .await
            .and_then(|a| state_of(&a, "1.0.0")),
        Some(PublishingState::Submitted)
    );
    let request = |definition: Option<&str>, approve: Option<bool>| CatalogReviewRequest {
        catalog_id: catalog_id.to_string(),
        definition_id: definition.map(str::to_string),
        approve,
    };

    // Approve: published in the cache.
    catalog::review(&cx, Some(PROFILE), &request(None, Some(true)))
        .await
        .expect("approve");
    assert_eq!(
        cached(&cx, &catalog_id)
            .await
            .and_then(|a| state_of(&a, "1.0.0")),
        Some(PublishingState::Published)
    );

    // An update submitted, then rejected: rejected in the cache.
    outcome(
        catalog::update(
            &cx,
            Some(PROFILE),
            Some(&catalog_id),
            zip(id, "1.1.0", "Review Bot"),
            REVIEW,
        )
        .await
        .expect("submit update"),
    );
    catalog::review(&cx, Some(PROFILE), &request(Some("1.1.0"), Some(false)))
        .await
        .expect("reject");
    let app = cached(&cx, &catalog_id).await.expect("cached");
    assert_eq!(
        state_of(&app, "1.1.0"),
        Some(PublishingState::Rejected),
        "{app:?}"
    );

    // Another update submitted, then withdrawn: gone from the cache, 1.0.0 still published.
    outcome(
        catalog::update(
            &cx,
            Some(PROFILE),
            Some(&catalog_id),
            zip(id, "1.2.0", "Review Bot"),
            REVIEW,
        )
        .await
        .expect("submit update"),
    );
    assert_eq!(
        cached(&cx, &catalog_id)
            .await
            .and_then(|a| state_of(&a, "1.2.0")),
        Some(PublishingState::Submitted)
    );
    let kept = catalog::withdraw(&cx, Some(PROFILE), &request(Some("1.2.0"), None))
        .await
        .expect("withdraw")
        .expect("the app stays");
    assert_eq!(state_of(&kept, "1.2.0"), None);
    let app = cached(&cx, &catalog_id).await.expect("cached");
    assert_eq!(state_of(&app, "1.2.0"), None, "{app:?}");
    assert_eq!(app.published().map(|d| d.version.as_str()), Some("1.0.0"));

    // A submission withdrawn before anything of it was published: the app leaves the cache.
    let other = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f";
    let pending = outcome(
        catalog::publish(&cx, Some(PROFILE), zip(other, "1.0.0", "Gone Bot"), REVIEW)
            .await
            .expect("submit"),
    );
    assert!(cached(&cx, &pending.app.id).await.is_some());
    let gone = catalog::withdraw(
        &cx,
        Some(PROFILE),
        &CatalogReviewRequest {
            catalog_id: pending.app.id.to_string(),
            definition_id: None,
            approve: None,
        },
    )
    .await
    .expect("withdraw");
    assert!(gone.is_none());
    assert!(cached(&cx, &pending.app.id).await.is_none());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
async fn deleting_drops_the_app_from_the_cached_catalog_and_audits_the_signed_in_admin() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let cx = signed_in(&sim, &dir).await;
    let id = "8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a";
    let published = outcome(
        catalog::publish(
            &cx,
            Some(PROFILE),
            zip(id, "1.0.0", "Doomed Bot"),
            PublishOptions::default(),
        )
        .await
        .expect("publish"),
    );
    assert!(cached(&cx, &published.app.id).await.is_some());
    catalog::delete(
        &cx,
        Some(PROFILE),
        &CatalogDeleteRequest {
            catalog_id: published.app.id.to_string(),
        },
    )
    .await
    .expect("delete");
    assert!(cached(&cx, &published.app.id).await.is_none());

    let upn = cx
        .profile(Some(PROFILE))
        .expect("profile")
        .identity
        .expect("signed in")
        .account_upn;
    let log = audit::recent(&cx.store().expect("store"), 20).expect("audit");
    for action in ["catalog.publish", "catalog.delete"] {
        let entry = log
            .iter()
            .find(|r| r.entry.action == action)
            .unwrap_or_else(|| panic!("{action} audited: {log:?}"));
        assert_eq!(entry.entry.outcome, Outcome::Succeeded);
        assert_eq!(entry.entry.actor, upn, "the actor is the signed-in admin");
    }
    sim.shutdown().await;
}

/// What a front-end sent wrongly is refused before any sign-in: nobody is signed in here, so
/// reaching the sign-in would answer `sign_in_required` instead.
#[tokio::test]
async fn requests_and_packages_are_judged_before_the_sign_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    let id = "9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b";

    let err = catalog::publish(&cx, None, Vec::new(), PublishOptions::default())
        .await
        .expect_err("empty");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = catalog::inspect(&vec![0; catalog::MAX_PACKAGE_BYTES + 1]).expect_err("too big");
    assert!(err.message.contains("MiB"), "{}", err.message);

    // A package with errors is a refusal with its findings, as data, without a sign-in.
    let broken = zip(id, "one", "Broken Bot");
    let result = catalog::publish(&cx, None, broken.clone(), PublishOptions::default())
        .await
        .expect("a refusal is data");
    let refused = result.refused.expect("refused");
    assert_eq!(refused.kind, PublishRefusalKind::InvalidPackage);
    assert!(!refused.findings.is_empty());
    let result = catalog::update(&cx, None, None, broken, PublishOptions::default())
        .await
        .expect("a refusal is data");
    assert_eq!(
        result.refused.map(|r| r.kind),
        Some(PublishRefusalKind::InvalidPackage)
    );

    let err = catalog::update(
        &cx,
        None,
        Some("../teamsApps"),
        zip(id, "1.0.0", "Bot"),
        PublishOptions::default(),
    )
    .await
    .expect_err("not an id");
    assert_eq!(err.code, ErrorCode::InvalidInput);

    let missing_approve = CatalogReviewRequest {
        catalog_id: id.into(),
        definition_id: None,
        approve: None,
    };
    let err = catalog::review(&cx, None, &missing_approve)
        .await
        .expect_err("approve or reject?");
    assert_eq!(err.code, ErrorCode::InvalidRequest);
    let bad_definition = CatalogReviewRequest {
        definition_id: Some("a/b".into()),
        approve: Some(true),
        ..missing_approve
    };
    let err = catalog::review(&cx, None, &bad_definition)
        .await
        .expect_err("bad id");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = catalog::withdraw(&cx, None, &bad_definition)
        .await
        .expect_err("bad id");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = catalog::delete(
        &cx,
        None,
        &CatalogDeleteRequest {
            catalog_id: " ".into(),
        },
    )
    .await
    .expect_err("empty id");
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // Nothing open in the window: said before the sign-in.
    let err = catalog::publish_open(&cx, None, &CatalogPublishOpenRequest::default(), None)
        .await
        .expect_err("nothing open");
    assert_eq!(err.code, ErrorCode::NotFound);

    // A valid request gets as far as the sign-in.
    let err = catalog::publish(
        &cx,
        None,
        zip(id, "1.0.0", "Bot"),
        PublishOptions::default(),
    )
    .await
    .expect_err("nobody signed in");
    assert_eq!(err.code, ErrorCode::SignInRequired, "{err:?}");
}
