//! Catalog against tenant-sim: publish, duplicate → update, version refusal, Graph's manifest
//! error shapes (400 and 200), review and withdraw, delete, audit.

mod support;

use std::sync::Mutex;

use botdeck_core::audit::{self, Outcome};
use botdeck_core::auth::Feature;
use botdeck_core::catalog::{
    self, Actor, Audit, CatalogError, PublishKind, PublishOptions, PublishingState,
};
use botdeck_core::package::{self, NewBotAppOptions};
use botdeck_core::store::Store;
use tenant_sim::{SimConfig, TenantSize, DEMO_BOT_APP_ID, DEMO_BOT_MANIFEST_ID};

fn zip(manifest_id: &str, version: &str, name: &str) -> Vec<u8> {
    let mut pkg = package::new_bot_app(&NewBotAppOptions {
        name: name.into(),
        manifest_id: Some(
            botdeck_core::ids::ManifestId::parse(manifest_id).expect("a manifest id"),
        ),
        bot_id: Some(
            botdeck_core::ids::EntraAppId::parse(DEMO_BOT_APP_ID).expect("an Entra app id"),
        ),
        ..Default::default()
    })
    .expect("template");
    pkg.manifest.version = version.into();
    pkg.build_zip().expect("zip")
}

fn actor() -> Actor {
    Actor {
        profile_id: Some("p1".into()),
        tenant_id: None,
        upn: "megan.bowen@contoso.onmicrosoft.com".into(),
    }
}

fn store() -> (tempfile::TempDir, Mutex<Store>) {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    (dir, Mutex::new(store))
}

fn post_count(sim: &tenant_sim::RunningSim, route: &str) -> u64 {
    sim.metrics()
        .requests_per_route
        .get(route)
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn the_demo_bot_is_found_by_manifest_id_and_by_name_with_its_versions() {
    let sim = support::start_sim(SimConfig::default()).await;
    let token = support::admin_token(&sim, &[Feature::ReadTenant]).await;
    let graph = support::graph(&sim);
    let by_id = catalog::find(&graph, &token, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("by manifest id");
    let by_name = catalog::find(&graph, &token, &by_id.display_name.to_uppercase())
        .await
        .expect("by name");
    assert_eq!(by_id.id, by_name.id);
    assert_ne!(
        by_id.id, DEMO_BOT_MANIFEST_ID,
        "catalog id is not the manifest id"
    );
    // Graph lists the definitions that are current (published, and any under review).
    let versions: Vec<&str> = by_id
        .definitions
        .iter()
        .map(|d| d.version.as_str())
        .collect();
    assert!(versions.contains(&"1.0.2"), "{versions:?}");
    assert_eq!(by_id.published().map(|d| d.version.as_str()), Some("1.0.2"));
    assert!(!by_id
        .published()
        .expect("published")
        .required_rsc
        .is_empty());
    let all = catalog::list_apps(&graph, &token, &[]).await.expect("list");
    assert!(all.iter().all(|a| a.distribution_method == "organization"));
    assert!(
        all.iter().any(|a| a.submitted().len() == 1),
        "Expense Tracker is pending review"
    );
    assert!(matches!(
        catalog::find(&graph, &token, "No Such Bot").await,
        Err(CatalogError::NotFound(_))
    ));
}

#[tokio::test]
async fn publishing_an_existing_manifest_id_offers_update_and_update_needs_a_greater_version() {
    let sim = support::start_sim(SimConfig::default()).await;
    let token = support::admin_token(&sim, &[Feature::Publish]).await;
    let graph = support::graph(&sim);
    let (_dir, store) = store();
    let actor = actor();
    let audit = Audit {
        store: &store,
        actor: &actor,
    };

    let err = catalog::publish(
        &graph,
        &token,
        audit,
        zip(DEMO_BOT_MANIFEST_ID, "1.0.3", "FlashDuty"),
        PublishOptions::default(),
    )
    .await
    .expect_err("duplicate");
    match &err {
        CatalogError::AlreadyInCatalog { version, .. } => assert_eq!(version, "1.0.2"),
        other => panic!("expected AlreadyInCatalog, got {other:?}"),
    }
    assert_eq!(
        post_count(&sim, "POST /appCatalogs/teamsApps"),
        0,
        "refused before upload"
    );

    // Lower version: refused locally, nothing uploaded.
    let app = catalog::find(&graph, &token, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("app");
    let err = catalog::update(
        &graph,
        &token,
        audit,
        &app.id,
        zip(DEMO_BOT_MANIFEST_ID, "1.0.1", "FlashDuty"),
        PublishOptions::default(),
    )
    .await
    .expect_err("lower version");
    assert!(
        matches!(&err, CatalogError::VersionNotGreater { package, catalog } if package == "1.0.1" && catalog == "1.0.2"),
        "{err:?}"
    );
    assert_eq!(
        post_count(&sim, "POST /appCatalogs/teamsApps/{id}/appDefinitions"),
        0
    );

    let outcome = catalog::publish(
        &graph,
        &token,
        audit,
        zip(DEMO_BOT_MANIFEST_ID, "1.0.3", "FlashDuty"),
        PublishOptions {
            update_if_exists: true,
            ..Default::default()
        },
    )
    .await
    .expect("update");
    assert_eq!(outcome.kind, PublishKind::Updated);
    assert_eq!(outcome.publishing_state, PublishingState::Published);
    assert_eq!(
        outcome.app.published().map(|d| d.version.as_str()),
        Some("1.0.3")
    );
    assert!(outcome.request_id.is_some());

    let log = audit::recent(&store.lock().expect("lock"), 10).expect("audit");
    let update = log
        .iter()
        .find(|r| r.entry.action == "catalog.update")
        .expect("update audited");
    assert_eq!(update.entry.outcome, Outcome::Succeeded);
    assert_eq!(update.entry.request_id, outcome.request_id);
    assert_eq!(update.entry.actor, actor.upn);
}

#[tokio::test]
async fn a_new_app_is_published_and_can_be_deleted() {
    let sim = support::start_sim(SimConfig {
        size: TenantSize::Tiny,
        ..SimConfig::default()
    })
    .await;
    let token = support::admin_token(&sim, &[Feature::Publish]).await;
    let graph = support::graph(&sim);
    let (_dir, store) = store();
    let actor = actor();
    let audit = Audit {
        store: &store,
        actor: &actor,
    };
    let id = "0b6d8f3a-1c2e-4d5f-9a8b-7c6d5e4f3a2b";
    let outcome = catalog::publish(
        &graph,
        &token,
        audit,
        zip(id, "2.1.0", "Pager Bot"),
        PublishOptions::default(),
    )
    .await
    .expect("publish");
    assert_eq!(outcome.kind, PublishKind::Published);
    assert_eq!(outcome.app.external_id.as_deref(), Some(id));
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let found = catalog::find_by_manifest_id(&graph, &token, id)
        .await
        .expect("lookup")
        .expect("present");
    assert_eq!(found.current_version(), Some("2.1.0"));

    catalog::delete(&graph, &token, audit, &found.id)
        .await
        .expect("delete");
    assert!(catalog::find_by_manifest_id(&graph, &token, id)
        .await
        .expect("lookup")
        .is_none());
    let log = audit::recent(&store.lock().expect("lock"), 10).expect("audit");
    assert!(log.iter().any(|r| r.entry.action == "catalog.delete"
        && r.entry.outcome == Outcome::Succeeded
        && r.entry.request_id.is_some()));
}

async fn manifest_error(status_200: bool) {
    let sim = support::start_sim(SimConfig {
        size: TenantSize::Tiny,
        manifest_error_status_200: status_200,
        ..SimConfig::default()
    })
    .await;
    let token = support::admin_token(&sim, &[Feature::Publish]).await;
    let graph = support::graph(&sim);
    let (_dir, store) = store();
    let actor = actor();
    let audit = Audit {
        store: &store,
        actor: &actor,
    };
    // A short name over 30 characters: our validator says so first...
    let long = zip("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "1.0.0", "Bot");
    let mut pkg = package::Package::from_zip(&long).expect("pkg");
    pkg.manifest.name.short = "An alerting bot with a very long name".into();
    let bad = pkg.build_zip().expect("zip");
    let local = catalog::publish(
        &graph,
        &token,
        audit,
        bad.clone(),
        PublishOptions::default(),
    )
    .await
    .expect_err("local validation");
    assert!(
        matches!(local, CatalogError::InvalidPackage { .. }),
        "{local:?}"
    );
    // ...and when told to skip it, Graph's refusal comes back as findings.
    let err = catalog::publish(
        &graph,
        &token,
        audit,
        bad,
        PublishOptions {
            skip_local_validation: true,
            ..Default::default()
        },
    )
    .await
    .expect_err("graph refuses");
    match err {
        CatalogError::ManifestRejected {
            findings,
            request_id,
        } => {
            assert!(!findings.is_empty());
            assert!(
                findings.iter().all(|f| f.code.starts_with("graph.")),
                "{findings:?}"
            );
            assert!(
                findings.iter().any(|f| f.path.contains("name")),
                "{findings:?}"
            );
            assert!(request_id.is_some());
        }
        other => panic!("expected ManifestRejected, got {other:?}"),
    }
    let log = audit::recent(&store.lock().expect("lock"), 10).expect("audit");
    assert!(log
        .iter()
        .any(|r| r.entry.action == "catalog.publish" && r.entry.outcome == Outcome::Failed));
}

#[tokio::test]
async fn graph_manifest_errors_become_findings_with_status_400() {
    manifest_error(false).await;
}

#[tokio::test]
async fn graph_manifest_errors_become_findings_even_with_status_200() {
    manifest_error(true).await;
}

#[tokio::test]
async fn a_submitted_app_warns_until_approved_and_can_be_rejected_or_withdrawn() {
    let sim = support::start_sim(SimConfig {
        size: TenantSize::Tiny,
        ..SimConfig::default()
    })
    .await;
    let token = support::admin_token(&sim, &[Feature::Publish]).await;
    let graph = support::graph(&sim);
    let (_dir, store) = store();
    let actor = actor();
    let audit = Audit {
        store: &store,
        actor: &actor,
    };
    let review = PublishOptions {
        requires_review: true,
        ..Default::default()
    };
    let id = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f";
    let submitted = catalog::publish(
        &graph,
        &token,
        audit,
        zip(id, "1.0.0", "Review Bot"),
        review,
    )
    .await
    .expect("submit");
    assert_eq!(submitted.publishing_state, PublishingState::Submitted);
    assert!(
        submitted
            .warnings
            .iter()
            .any(|w| w.contains("no published version")),
        "{:?}",
        submitted.warnings
    );
    let approved = catalog::review(&graph, &token, audit, &submitted.app.id, None, true)
        .await
        .expect("approve");
    assert_eq!(
        approved.published().map(|d| d.version.as_str()),
        Some("1.0.0")
    );
    assert!(approved.visibility_warnings().is_empty());
    // Nothing left to review.
    assert!(matches!(
        catalog::review(&graph, &token, audit, &submitted.app.id, None, true).await,
        Err(CatalogError::Refused(_))
    ));
    // An update submitted for review and withdrawn: the published version stays live.
    let update = catalog::update(
        &graph,
        &token,
        audit,
        &submitted.app.id,
        zip(id, "1.1.0", "Review Bot"),
        review,
    )
    .await
    .expect("submit update");
    assert_eq!(update.publishing_state, PublishingState::Submitted);
    let kept = catalog::withdraw(&graph, &token, audit, &submitted.app.id, Some("1.1.0"))
        .await
        .expect("withdraw update")
        .expect("the app stays in the catalog");
    assert_eq!(kept.published().map(|d| d.version.as_str()), Some("1.0.0"));
    assert!(kept
        .definitions
        .iter()
        .all(|d| d.publishing_state != PublishingState::Submitted));
    assert!(matches!(
        catalog::withdraw(&graph, &token, audit, &submitted.app.id, None).await,
        Err(CatalogError::Refused(_))
    ));

    // Another submission: rejected.
    let other = "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a";
    let second = catalog::publish(
        &graph,
        &token,
        audit,
        zip(other, "1.0.0", "Second Bot"),
        review,
    )
    .await
    .expect("submit");
    let rejected = catalog::review(&graph, &token, audit, &second.app.id, Some("1.0.0"), false)
        .await
        .expect("reject");
    assert_eq!(
        rejected.definitions[0].publishing_state,
        PublishingState::Rejected
    );

    // A third: withdrawn before review (Graph deletes the app when nothing is published).
    let third = "4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b";
    let pending = catalog::publish(
        &graph,
        &token,
        audit,
        zip(third, "1.0.0", "Third Bot"),
        review,
    )
    .await
    .expect("submit");
    let gone = catalog::withdraw(&graph, &token, audit, &pending.app.id, None)
        .await
        .expect("withdraw");
    assert!(gone.is_none());
    assert!(catalog::find_by_manifest_id(&graph, &token, third)
        .await
        .expect("lookup")
        .is_none());
    let log = audit::recent(&store.lock().expect("lock"), 20).expect("audit");
    for action in ["catalog.approve", "catalog.reject", "catalog.withdraw"] {
        assert!(
            log.iter()
                .any(|r| r.entry.action == action && r.entry.outcome == Outcome::Succeeded),
            "{action}"
        );
    }
}

#[tokio::test]
async fn update_status_compares_local_catalog_and_installed_versions() {
    let sim = support::start_sim(SimConfig::default()).await;
    let token = support::admin_token(&sim, &[Feature::ReadTenant]).await;
    let graph = support::graph(&sim);
    let app = catalog::find(&graph, &token, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("app");
    let status = catalog::update_status(
        &app,
        Some("1.0.3"),
        &[
            ("1.0.0".into(), 3),
            ("1.0.1".into(), 2),
            ("1.0.2".into(), 7),
        ],
    );
    assert!(status.catalog_update_available);
    assert_eq!(status.catalog_version.as_deref(), Some("1.0.2"));
    assert_eq!((status.installs_behind, status.installs_current), (5, 7));
    assert!(!catalog::update_status(&app, Some("1.0.2"), &[]).catalog_update_available);
}
