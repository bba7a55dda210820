//! Shared by integration tests that talk to tenant-sim: a signed-in Graph client without the
//! OS keyring (the keyring is exercised by auth_sim.rs; feature tests only need a token).
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use botdeck_core::auth::entra::{EntraClient, EntraEndpoint};
use botdeck_core::auth::{scopes, Feature, Sleeper};
use botdeck_core::secrets::Sensitive;
use botdeck_graph::GraphClient;
use tenant_sim::{RunningSim, SimConfig, BOTDECK_PUBLIC_CLIENT_ID};
use tokio_util::sync::CancellationToken;

struct NoWait;

impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

pub async fn start_sim(config: SimConfig) -> RunningSim {
    tenant_sim::start(SimConfig {
        auto_approve_device_code: true,
        ..config
    })
    .await
    .expect("tenant-sim starts")
}

/// A delegated token for the sim's admin carrying every scope `features` need.
pub async fn admin_token(sim: &RunningSim, features: &[Feature]) -> Sensitive<String> {
    admin_token_with(sim, features, &[]).await
}

/// Like [`admin_token`], plus scopes no feature asks for (e.g. what a test needs to act as
/// someone else would).
pub async fn admin_token_with(
    sim: &RunningSim,
    features: &[Feature],
    extra: &[&str],
) -> Sensitive<String> {
    let mut wanted: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    for feature in features {
        for scope in scopes::scopes_for(*feature) {
            if !wanted.contains(&scope) {
                wanted.push(scope);
            }
        }
    }
    let endpoint = EntraEndpoint {
        authority_host: sim.authority_host(),
        tenant: sim.tenant_id(),
        client_id: BOTDECK_PUBLIC_CLIENT_ID.to_string(),
    };
    let entra = EntraClient::new(reqwest::Client::new());
    let grant = entra
        .start_device_code(&endpoint, &wanted)
        .await
        .expect("device code");
    let (tokens, _) = entra
        .poll_device_code(&endpoint, &grant, &CancellationToken::new(), &NoWait)
        .await
        .expect("auto-approved device code");
    tokens.access_token
}

pub fn graph(sim: &RunningSim) -> GraphClient {
    GraphClient::new(reqwest::Client::new(), &sim.graph_base_url())
}
