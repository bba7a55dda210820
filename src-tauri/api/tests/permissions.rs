//! The permissions operations as both front-ends call them: a real data folder, the real OS
//! keyring (signed-in tests are `#[ignore]`d: run them with
//! `scripts/with-keyring.sh cargo test -p botdeck-api --test permissions -- --include-ignored`)
//! and tenant-sim on loopback. No Tauri, no clap.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use botdeck_api::permissions as api;
use botdeck_api::{Context, ErrorCode, OpenOptions, RunProgress};
use botdeck_core::audit::{self, Outcome};
use botdeck_core::auth::{self, Feature, Sleeper};
use botdeck_core::config::{Cloud, DataPaths};
use botdeck_core::permissions::{PermissionKind, PermsFixRequest, PermsInspectRequest};
use botdeck_core::profiles::{NewTenantProfile, TenantProfiles};
use tenant_sim::{RunningSim, SimConfig, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID};
use tokio_util::sync::CancellationToken;

/// An app id the demo tenant has no service principal for: nobody consented to it.
const UNCONSENTED_APP_ID: &str = "0b0b0b0b-1111-4222-8333-444455556666";

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

fn quiet(_: &RunProgress) {}

fn context(dir: &tempfile::TempDir) -> Context {
    Context::open(DataPaths::under(dir.path()), OpenOptions::command_line())
}

fn inspect_request(all_teams: bool) -> PermsInspectRequest {
    PermsInspectRequest {
        perm_profile_id: "flashduty".into(),
        app_id: None,
        model: None,
        all_teams,
        team_ids: Vec::new(),
        chat_ids: Vec::new(),
        max_targets: None,
        on_progress: None,
    }
}

fn fix_request(permission: &str, kind: PermissionKind, user: Option<&str>) -> PermsFixRequest {
    PermsFixRequest {
        app_id: DEMO_BOT_APP_ID.into(),
        perm_profile_id: Some("flashduty".into()),
        permission: permission.into(),
        kind,
        principal: user.map(str::to_string),
        expected_request: None,
    }
}

/// Starts the demo tenant and signs in to it (device code, approved by the sim) through the
/// context's own authenticator, so tokens live in the keyring as in real use.
async fn signed_in(dir: &tempfile::TempDir) -> (RunningSim, Context) {
    let sim = tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        device_code_interval: 1,
        ..SimConfig::default()
    })
    .await
    .expect("tenant-sim starts");
    let cx = context(dir);
    let profile = TenantProfiles::new(&cx.store().expect("store"))
        .create(
            &NewTenantProfile {
                name: "Sim".into(),
                tenant: sim.tenant_id(),
                cloud: Cloud::custom(&sim.authority_host(), &sim.graph_base_url()).expect("cloud"),
                client_id: BOTDECK_PUBLIC_CLIENT_ID.into(),
            },
            false,
        )
        .expect("profile");
    let authenticator = cx.authenticator().expect("keyring backend");
    let grant = authenticator
        .start_device_code(&profile, Feature::RevokePermissions)
        .await
        .expect("device code");
    let (done, _) = authenticator
        .finish_device_code(&profile, &grant, &CancellationToken::new(), &NoWait)
        .await
        .expect("signed in");
    auth::record_sign_in(&cx.store().expect("store"), &profile.id, &done).expect("recorded");
    (sim, cx)
}

/// Every RSC read waits out a 429 with a long Retry-After, so a read across every team is
/// still running when the test acts.
fn slow_team_reads(sim: &RunningSim) {
    sim.set_faults(vec![tenant_sim::FaultRule {
        route: "/v1.0/teams/*/permissionGrants".into(),
        rate_429: 1.0,
        retry_after_secs: 5.0,
        ..Default::default()
    }]);
}

// ---- without a sign-in: input is refused first, the same for both front-ends --------------

#[tokio::test]
async fn bad_values_are_refused_before_any_sign_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    for (req, words) in [
        (
            PermsInspectRequest {
                max_targets: Some(0),
                ..inspect_request(false)
            },
            "maxTargets",
        ),
        (
            PermsInspectRequest {
                max_targets: Some(api::MAX_RSC_TARGETS + 1),
                ..inspect_request(true)
            },
            "maxTargets",
        ),
        (
            PermsInspectRequest {
                team_ids: vec!["../me".into()],
                ..inspect_request(false)
            },
            "teamIds",
        ),
        (
            PermsInspectRequest {
                app_id: Some("flashduty-bot".into()),
                ..inspect_request(false)
            },
            "appId: \"flashduty-bot\" is not a valid Entra app id",
        ),
        (
            PermsInspectRequest {
                // A GUID, but not as Graph writes an appId: never sent.
                app_id: Some("{1f0e9d8c-7b6a-4a5b-8c9d-0e1f2a3b4c5d}".into()),
                ..inspect_request(false)
            },
            "is not a valid Entra app id",
        ),
        (
            PermsInspectRequest {
                perm_profile_id: "nope".into(),
                ..inspect_request(false)
            },
            "no permission profile",
        ),
    ] {
        let err = api::inspect(&cx, None, &req, &quiet)
            .await
            .expect_err("refused");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{req:?}: {err:?}");
        assert!(err.message.contains(words), "{words}: {}", err.message);
        let cached = api::cached(&cx, None, &req).expect_err("refused too");
        assert_eq!(cached.code, ErrorCode::InvalidInput);
    }
    // Valid input and no tenant at all: a sign-in is what is missing.
    let err = api::inspect(&cx, None, &inspect_request(false), &quiet)
        .await
        .expect_err("no tenant");
    assert_eq!(err.code, ErrorCode::SignInRequired);
    for user in ["", "  ", "a\u{7}b"] {
        let req = fix_request("User.Read", PermissionKind::Delegated, Some(user));
        let err = api::plan_fix(&cx, None, &req)
            .await
            .expect_err("blank user");
        assert_eq!(
            err.code,
            ErrorCode::InvalidInput,
            "a blank user must not mean the tenant-wide grant"
        );
    }
    // The app id of a fix and of a plain read is checked before the keyring is asked for a
    // sign-in (this context has none: any later refusal would be sign_in_required).
    for bad in [
        "flashduty-bot",
        "1f0e9d8c7b6a4a5b8c9d0e1f2a3b4c5d",
        "x' or 1 eq 1",
    ] {
        let req = PermsFixRequest {
            app_id: bad.into(),
            ..fix_request("Group.ReadWrite.All", PermissionKind::Application, None)
        };
        for err in [
            api::plan_fix(&cx, None, &req).await.expect_err("plan"),
            api::apply_fix(&cx, None, &req).await.expect_err("apply"),
        ] {
            assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}: {err:?}");
            assert!(
                err.message.starts_with("appId: ") && err.message.contains("Entra app id"),
                "{bad}: {}",
                err.message
            );
        }
        let req = api::GrantsRequest {
            app_id: bad.into(),
            ..Default::default()
        };
        let err = api::grants(&cx, None, &req, &quiet)
            .await
            .expect_err("grants");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}: {err:?}");
    }
    // A profile stored before its appId was checked this strictly is refused by name, with
    // nothing asked of the keyring or the cache.
    let body = serde_json::json!({
        "id": "old", "name": "Old", "appId": "{8f79a561-d2f1-4a1e-8092-c2039043a40e}",
        "permissions": [{"name": "User.Read", "type": "delegated"}]
    });
    cx.store()
        .expect("store")
        .connection()
        .execute(
            "INSERT INTO permission_profile (id, name, body, imported_at) VALUES ('old', 'Old', ?1, '2026-12-01T00:00:00Z')",
            [body.to_string()],
        )
        .expect("stored");
    let req = PermsInspectRequest {
        perm_profile_id: "old".into(),
        ..inspect_request(false)
    };
    let err = api::cached(&cx, None, &req).expect_err("the profile's app id");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(
        err.message
            .starts_with("bot profile old: its appId cannot be used"),
        "{}",
        err.message
    );
    assert!(!api::cancel(&cx), "nothing runs");
}

#[test]
fn bot_profiles_are_imported_exported_and_deleted() {
    let dir = tempfile::tempdir().expect("tmp");
    let cx = context(&dir);
    let builtin = api::profiles(&cx).expect("profiles").len();
    let toml = "id = \"acme\"\nname = \"Acme bot\"\n\n[[permissions]]\nname = \"Team.ReadBasic.All\"\ntype = \"application\"\n";
    let acme = api::import_profile(
        &cx,
        &botdeck_core::permissions::PermsImportRequest {
            file_name: "acme.toml".into(),
            text: toml.into(),
        },
    )
    .expect("imported");
    assert_eq!(api::profiles(&cx).expect("profiles").len(), builtin + 1);
    let json = api::export_profile(
        &cx,
        &acme.id,
        botdeck_core::permissions::ProfileFormat::Json,
    )
    .expect("export");
    assert!(json.contains("Team.ReadBasic.All"), "{json}");
    let left = api::delete_profile(&cx, "acme").expect("deleted");
    assert_eq!(left.len(), builtin);
    assert_eq!(
        api::delete_profile(&cx, "acme").expect_err("gone").code,
        ErrorCode::NotFound
    );
    assert_eq!(
        api::delete_profile(&cx, "flashduty")
            .expect_err("built in")
            .code,
        ErrorCode::InvalidInput
    );
}

// ---- signed in to the demo tenant --------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn an_inspection_is_cached_and_the_cached_read_is_the_same() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sim, cx) = signed_in(&dir).await;
    assert!(
        api::cached(&cx, None, &inspect_request(false))
            .expect("cached")
            .is_none(),
        "never read"
    );
    let fresh = api::inspect(&cx, None, &inspect_request(false), &quiet)
        .await
        .expect("inspected");
    assert!(!fresh.from_cache);
    let cached = api::cached(&cx, None, &inspect_request(false))
        .expect("cached")
        .expect("a read is cached");
    assert!(cached.from_cache);
    assert_eq!(cached.granted, fresh.granted);
    assert_eq!(cached.diff, fresh.diff);
    assert_eq!(cached.diff_csv, fresh.diff_csv);
    assert_eq!(cached.matrix_csv, fresh.matrix_csv);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn a_second_read_is_busy_and_cancel_keeps_the_previous_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sim, cx) = signed_in(&dir).await;
    let before = api::inspect(&cx, None, &inspect_request(false), &quiet)
        .await
        .expect("first read");
    slow_team_reads(&sim);
    let started = AtomicBool::new(false);
    let progress = |p: &RunProgress| {
        assert_eq!(p.phase, botdeck_api::Phase::ReadingConsent);
        started.store(true, Ordering::SeqCst);
    };
    let every_team = inspect_request(true);
    let long = api::inspect(&cx, None, &every_team, &progress);
    let meanwhile = async {
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let second = api::inspect(&cx, None, &inspect_request(false), &quiet)
            .await
            .expect_err("one read at a time");
        assert!(api::cancel(&cx), "a read was running");
        second
    };
    let (long, second) = tokio::join!(long, meanwhile);
    assert_eq!(second.code, ErrorCode::Busy, "{second:?}");
    assert!(second.retryable);
    let cancelled = long.expect_err("cancelled");
    assert_eq!(cancelled.code, ErrorCode::Cancelled, "{cancelled:?}");
    let cached = api::cached(&cx, None, &inspect_request(false))
        .expect("cached")
        .expect("still there");
    assert_eq!(
        cached.granted, before.granted,
        "the cancelled read left the previous one"
    );
    assert!(!cached.all_teams);
    // The slot is free again.
    sim.set_faults(Vec::new());
    api::inspect(&cx, None, &inspect_request(false), &quiet)
        .await
        .expect("a new read runs");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn an_app_nobody_consented_to_offers_the_admin_consent_page() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sim, cx) = signed_in(&dir).await;
    let req = PermsFixRequest {
        app_id: UNCONSENTED_APP_ID.into(),
        perm_profile_id: None,
        ..fix_request("Group.ReadWrite.All", PermissionKind::Application, None)
    };
    let err = api::plan_fix(&cx, None, &req)
        .await
        .expect_err("not consented");
    assert_eq!(err.code, ErrorCode::ConsentRequired, "{err:?}");
    let url = err.action_url.expect("the consent page");
    assert!(
        url.contains("adminconsent") && url.contains(UNCONSENTED_APP_ID),
        "{url}"
    );
    assert!(
        url.starts_with(&sim.authority_host()),
        "this tenant's authority: {url}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: scripts/with-keyring.sh"]
async fn a_planned_fix_is_applied_by_the_signed_in_admin_and_a_changed_one_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sim, cx) = signed_in(&dir).await;
    let upn = cx
        .profile(None)
        .expect("profile")
        .identity
        .expect("identity")
        .account_upn;

    // Happy path: what the admin confirmed is what is sent.
    let req = fix_request("Group.ReadWrite.All", PermissionKind::Application, None);
    let plan = api::plan_fix(&cx, None, &req).await.expect("plan");
    assert!(plan.request.starts_with("DELETE /servicePrincipals/"));
    let outcome = api::apply_fix(
        &cx,
        None,
        &PermsFixRequest {
            expected_request: Some(plan.request.clone()),
            ..req
        },
    )
    .await
    .expect("applied");
    assert_eq!(outcome.outcome, Outcome::Succeeded);
    let log = audit::recent(&cx.store().expect("store"), 5).expect("audit");
    let entry = &log.first().expect("recorded").entry;
    assert_eq!(entry.action, "permission.revoke_app_role");
    assert_eq!(entry.actor, upn, "the signed-in admin, not 'unknown'");
    assert_ne!(entry.actor, "unknown");
    assert_eq!(
        entry.profile_id.as_deref(),
        Some(cx.profile(None).expect("profile").id.as_str())
    );

    // Diego's own consent: trimming Presence.Read.All would PATCH it down to User.Read...
    let diego = "diego.siciliani@contoso.onmicrosoft.com";
    let trim = fix_request("Presence.Read.All", PermissionKind::Delegated, Some(diego));
    let confirmed = api::plan_fix(&cx, None, &trim).await.expect("plan trim");
    assert!(
        confirmed.request.starts_with("PATCH "),
        "{}",
        confirmed.request
    );
    // ...but User.Read goes first (another admin, another window), so the same fix would now
    // delete the whole grant: not what was confirmed.
    api::apply_fix(
        &cx,
        None,
        &fix_request("User.Read", PermissionKind::Delegated, Some(diego)),
    )
    .await
    .expect("other fix");
    let err = api::apply_fix(
        &cx,
        None,
        &PermsFixRequest {
            expected_request: Some(confirmed.request.clone()),
            ..trim.clone()
        },
    )
    .await
    .expect_err("changed since confirmed");
    assert_eq!(err.code, ErrorCode::Conflict, "{err:?}");
    assert!(
        err.message.contains("nothing was changed"),
        "{}",
        err.message
    );
    let now = api::plan_fix(&cx, None, &trim)
        .await
        .expect("still granted");
    assert!(now.request.starts_with("DELETE "), "{}", now.request);
    let log = audit::recent(&cx.store().expect("store"), 5).expect("audit");
    assert_eq!(log.len(), 2, "the refused fix sent and recorded nothing");
    sim.shutdown().await;
}
