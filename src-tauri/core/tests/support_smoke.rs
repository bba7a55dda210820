//! The shared test support signs in to tenant-sim without the keyring.

mod support;

use botdeck_core::auth::{whoami, Feature};
use tenant_sim::{SimConfig, TenantSize};

#[tokio::test]
async fn support_gives_a_working_admin_token() {
    let sim = support::start_sim(SimConfig {
        size: TenantSize::Tiny,
        ..SimConfig::default()
    })
    .await;
    let token = support::admin_token(&sim, &[Feature::ReadTenant]).await;
    let me = whoami(&support::graph(&sim), &token).await.expect("whoami");
    assert_eq!(me.account_upn, sim.admin_upn());
}
