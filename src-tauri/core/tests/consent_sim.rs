//! Consent is additive in Entra: a Graph token carries every delegated permission already
//! consented for the client, whatever the request named. tenant-sim issues tokens that way,
//! and BotDeck asks for the union of what the profile holds and what the new feature needs, so
//! publish → upgrade → check permissions → revoke signs in once per *new* feature and never
//! again for one already consented.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use botdeck_core::auth::entra::{EntraClient, EntraEndpoint};
use botdeck_core::auth::{self, scopes, AuthError, Authenticator, Feature, Sleeper};
use botdeck_core::config::Cloud;
use botdeck_core::profiles::{NewTenantProfile, TenantProfile, TenantProfiles};
use botdeck_core::store::Store;
use tenant_sim::{RunningSim, SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID};
use tokio_util::sync::CancellationToken;

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

async fn sim() -> RunningSim {
    tenant_sim::start(SimConfig {
        size: TenantSize::Tiny,
        auto_approve_device_code: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

fn endpoint(sim: &RunningSim) -> EntraEndpoint {
    EntraEndpoint {
        authority_host: sim.authority_host(),
        tenant: sim.tenant_id(),
        client_id: BOTDECK_PUBLIC_CLIENT_ID.to_string(),
    }
}

/// A device-code sign-in asking for exactly `wanted`; answers the token's granted scopes.
async fn granted_for(sim: &RunningSim, wanted: &[String]) -> Vec<String> {
    let entra = EntraClient::new(reqwest::Client::new());
    let grant = entra
        .start_device_code(&endpoint(sim), wanted)
        .await
        .expect("device code");
    let (tokens, _) = entra
        .poll_device_code(&endpoint(sim), &grant, &CancellationToken::new(), &NoWait)
        .await
        .expect("auto-approved");
    tokens.scopes
}

fn has(granted: &[String], scope: &str) -> bool {
    granted
        .iter()
        .any(|g| scopes::short_scope(g).eq_ignore_ascii_case(scope))
}

/// tenant-sim behaves as Entra: a request naming only the read scopes still gets a token with
/// the publish scopes consented earlier.
#[tokio::test]
async fn tokens_carry_every_consented_scope_whatever_the_request_named() {
    let sim = sim().await;
    let publish = granted_for(&sim, &scopes::scopes_for(Feature::Publish)).await;
    assert!(has(&publish, "AppCatalog.Submit"), "{publish:?}");
    let read_only = granted_for(&sim, &scopes::scopes_for(Feature::ReadTenant)).await;
    assert!(
        has(&read_only, "AppCatalog.Submit") && has(&read_only, "AppCatalog.ReadWrite.All"),
        "consent is additive: {read_only:?}"
    );
    assert!(
        !has(&read_only, "AppRoleAssignment.ReadWrite.All"),
        "never consented, never carried: {read_only:?}"
    );
    sim.shutdown().await;
}

struct Fixture {
    sim: RunningSim,
    _dir: tempfile::TempDir,
    store: Store,
    profile_id: String,
    auth: Authenticator,
    sign_ins: usize,
}

impl Fixture {
    fn profile(&self) -> TenantProfile {
        TenantProfiles::new(&self.store)
            .get(&self.profile_id)
            .expect("profile")
    }

    /// What the app and the CLI do: try the feature; sign in (device code) only if asked to.
    async fn use_feature(&mut self, feature: Feature) {
        let profile = self.profile();
        match self.auth.access_token(&profile, feature).await {
            Ok(_) => return,
            Err(AuthError::ScopesMissing { .. } | AuthError::NotSignedIn(_)) => {}
            Err(e) => panic!("{feature:?}: {e:?}"),
        }
        let grant = self
            .auth
            .start_device_code(&profile, feature)
            .await
            .expect("device code");
        let (signed_in, _) = self
            .auth
            .finish_device_code(&profile, &grant, &CancellationToken::new(), &NoWait)
            .await
            .expect("signed in");
        auth::record_sign_in(&self.store, &self.profile_id, &signed_in).expect("recorded");
        self.sign_ins += 1;
        self.auth
            .access_token(&self.profile(), feature)
            .await
            .unwrap_or_else(|e| panic!("{feature:?} right after its sign-in: {e:?}"));
    }
}

#[tokio::test]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
async fn publish_upgrade_check_revoke_never_sign_in_again_for_a_consented_feature() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(&dir.path().join("data")).expect("store");
    let profile = TenantProfiles::new(&store)
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
    let mut f = Fixture {
        sim,
        _dir: dir,
        store,
        profile_id: profile.id,
        auth: Authenticator::new(reqwest::Client::new()).expect("keyring backend"),
        sign_ins: 0,
    };

    f.use_feature(Feature::Publish).await;
    f.use_feature(Feature::Install).await;
    f.use_feature(Feature::ReviewPermissions).await;
    f.use_feature(Feature::RevokePermissions).await;
    assert_eq!(f.sign_ins, 4, "one sign-in per new feature");

    // Returning to any earlier feature asks nothing: the token holds the union.
    for feature in [
        Feature::Publish,
        Feature::Install,
        Feature::ReviewPermissions,
        Feature::ReadTenant,
    ] {
        f.use_feature(feature).await;
    }
    assert_eq!(f.sign_ins, 4, "no sign-in for an already consented feature");

    // What the Settings page shows: the profile records the union.
    let recorded = f.profile().granted_scopes;
    for feature in [
        Feature::Publish,
        Feature::Install,
        Feature::RevokePermissions,
    ] {
        assert!(
            scopes::missing(&recorded, &scopes::scopes_for(feature)).is_empty(),
            "{feature:?} lost from {recorded:?}"
        );
    }
    // Read, publish, install, review, revoke — and so the whole update (publish + install +
    // review) that the update sign-in asks for at once.
    assert_eq!(scopes::features_covered(&recorded).len(), 6);
    assert!(scopes::features_covered(&recorded).contains(&Feature::UpdateBot));

    // A sign-in for a feature asks for the union of what is held and what it needs.
    let asked = f
        .auth
        .scopes_to_request(&f.profile(), Feature::ReadTenant)
        .expect("scopes");
    assert!(asked.iter().any(|s| s == "AppCatalog.Submit"), "{asked:?}");
    assert!(
        asked.iter().any(|s| s == "AppRoleAssignment.ReadWrite.All"),
        "{asked:?}"
    );
    f.auth.sign_out(&f.profile_id).expect("sign out");
    f.sim.shutdown().await;
}
