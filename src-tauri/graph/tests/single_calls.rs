//! Single calls follow the same pacing policy as `$batch` members: they wait for the tenant's
//! pacer and never go before a `Retry-After` is over. A small HTTP server on loopback stands
//! in for Graph and records when each request arrived.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use botdeck_graph::{GraphClient, GraphError, Pacer, RouteLimits, Sensitive};
use serde_json::json;
use tokio::time::Instant;

#[derive(Clone, Default)]
struct Seen {
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Seen {
    fn record(&self) -> usize {
        let mut arrivals = self.arrivals.lock().expect("lock");
        arrivals.push(Instant::now());
        arrivals.len()
    }

    fn arrivals(&self) -> Vec<Instant> {
        self.arrivals.lock().expect("lock").clone()
    }
}

/// Serves `/v1.0/teams/{id}/installedApps`: the first `throttled` requests get 429 with
/// `retry_after`, the rest an empty collection.
async fn serve(throttled: usize, retry_after: &'static str) -> (String, Seen) {
    let seen = Seen::default();
    let state = seen.clone();
    let app = Router::new().route(
        "/v1.0/teams/{id}/installedApps",
        get(move || {
            let state = state.clone();
            async move {
                let n = state.record();
                if n <= throttled {
                    let mut headers = HeaderMap::new();
                    headers.insert("Retry-After", retry_after.parse().expect("header"));
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        headers,
                        axum::Json(
                            json!({"error": {"code": "TooManyRequests", "message": "slow down"}}),
                        ),
                    )
                        .into_response()
                } else {
                    axum::Json(json!({"value": []})).into_response()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/v1.0"), seen)
}

fn token() -> Sensitive<String> {
    Sensitive::new("test-token".to_string())
}

#[tokio::test]
async fn a_single_call_waits_for_the_tenants_pacer() {
    let (base, seen) = serve(0, "0").await;
    let pacer = Arc::new(Pacer::new());
    let limits = RouteLimits::microsoft();
    let client = GraphClient::new(reqwest::Client::new(), &base).with_pacing(pacer.clone(), limits);
    // A `$batch` run (or another command) has spent team t1's allowance for this second.
    let team = limits.limits_for("GET", "/teams/t1/installedApps");
    let start = Instant::now();
    let mut last = start;
    for _ in 0..4 {
        last = pacer.reserve(&team);
    }
    let next_free = pacer.reserve(&team);
    assert!(
        next_free > start,
        "the fifth read of t1 in one second must wait"
    );
    client
        .get_json(&token(), "teams/t1/installedApps")
        .await
        .expect("answer");
    let arrived = seen.arrivals()[0];
    assert!(
        arrived >= next_free,
        "the single call went {:?} before its slot",
        next_free.duration_since(arrived)
    );
    assert!(last <= next_free);
    // Another team has its own allowance: no wait behind t1.
    let before = Instant::now();
    client
        .get_json(&token(), "teams/t2/installedApps")
        .await
        .expect("answer");
    let other = seen.arrivals()[1];
    assert!(other >= before);
    assert!(pacer.held_until(&team).is_none());
}

#[tokio::test]
async fn a_429_on_a_single_call_is_waited_out_and_holds_the_limits_for_everyone() {
    let (base, seen) = serve(1, "0.4").await;
    let pacer = Arc::new(Pacer::new());
    let limits = RouteLimits::microsoft();
    let client = GraphClient::new(reqwest::Client::new(), &base).with_pacing(pacer.clone(), limits);
    let answer = client
        .get_json(&token(), "teams/t1/installedApps")
        .await
        .expect("answered after the wait");
    assert_eq!(answer["value"], json!([]));
    let arrivals = seen.arrivals();
    assert_eq!(arrivals.len(), 2, "one 429, one retry");
    let waited = arrivals[1].duration_since(arrivals[0]);
    assert!(
        waited >= Duration::from_millis(400),
        "sent again after {waited:?}, before Retry-After: 0.4"
    );
    // The hold was on the shared pacer: anything else on the route waited too.
    let route = limits.limits_for("GET", "/teams/t9/installedApps");
    let slot = pacer.reserve(&route);
    assert!(slot >= arrivals[0] + Duration::from_millis(400));
}

#[tokio::test]
async fn a_single_call_throttled_every_time_gives_up_with_the_typed_error() {
    let (base, seen) = serve(usize::MAX, "0.05").await;
    let client = GraphClient::new(reqwest::Client::new(), &base)
        .with_pacing(Arc::new(Pacer::new()), RouteLimits::microsoft());
    let err = client
        .get_json(&token(), "teams/t1/installedApps")
        .await
        .expect_err("never answered");
    match err {
        GraphError::Http {
            status,
            retry_after,
            ..
        } => {
            assert_eq!(status, 429);
            assert_eq!(retry_after, Some(Duration::from_millis(50)));
        }
        other => panic!("unexpected error: {other}"),
    }
    assert_eq!(seen.arrivals().len(), botdeck_graph::MAX_ATTEMPTS as usize);
    // Each attempt waited for the previous Retry-After.
    for pair in seen.arrivals().windows(2) {
        assert!(pair[1].duration_since(pair[0]) >= Duration::from_millis(50));
    }
}
