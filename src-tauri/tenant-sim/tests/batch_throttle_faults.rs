//! `$batch`, Teams throttling (with early-retry accounting) and every fault type.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use tenant_sim::{FaultRule, SimConfig, TenantSize};

async fn batch(sim: &tenant_sim::RunningSim, token: &str, body: serde_json::Value) -> Resp {
    send(
        client()
            .post(format!("{}/$batch", sim.graph_base_url()))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

async fn team_ids(sim: &tenant_sim::RunningSim, token: &str) -> Vec<String> {
    let r = get(sim, token, "/teams?$top=999").await;
    r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn batch_validation_dependencies_and_shuffle() {
    let sim = sim(TenantSize::Demo).await;
    let token = admin_token(&sim).await;
    let too_many: Vec<_> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = batch(&sim, &token, json!({"requests": too_many})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "BadRequest");
    let r = batch(&sim, &token, json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}, {"id": "1", "method": "GET", "url": "/organization"}]})).await;
    assert_eq!(r.status, 400);
    let r = batch(&sim, &token, json!({"requests": [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}]})).await;
    assert_eq!(r.status, 400);

    let r = batch(&sim, &token, json!({"requests": [
        {"id": "a", "method": "GET", "url": "/users/nobody@contoso.onmicrosoft.com"},
        {"id": "b", "method": "GET", "url": "/me", "dependsOn": ["a"]},
        {"id": "c", "method": "GET", "url": "organization"},
        {"id": "d", "method": "POST", "url": "/oauth2PermissionGrants", "headers": {"Content-Type": "application/json"}, "body": {"clientId": "x"}}
    ]})).await;
    assert_eq!(r.status, 200);
    let by_id = |id: &str| {
        r.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("a")["status"], 404);
    assert_eq!(by_id("b")["status"], 424);
    assert_eq!(by_id("c")["status"], 200);
    assert_eq!(by_id("c")["body"]["value"][0]["displayName"], "Contoso");
    assert_eq!(by_id("d")["status"], 400);

    // Answers come back in a (seeded) shuffled order.
    let reqs: Vec<_> = (0..20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"}))
        .collect();
    let r = batch(&sim, &token, json!({"requests": reqs})).await;
    let order: Vec<String> = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    let sorted: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    assert_eq!(order.len(), 20);
    assert_ne!(order, sorted);
    let m = sim.metrics();
    assert_eq!(m.batches, 5);
    assert_eq!(m.sub_requests, 24);
    sim.shutdown().await;
}

#[tokio::test]
async fn throttled_batch_members_and_early_retries() {
    let sim = sim_with(SimConfig {
        size: TenantSize::Large,
        manual_clock: true,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    let teams = team_ids(&sim, &token).await;
    assert_eq!(teams.len(), 999);
    sim.reset_metrics();
    // 60 installedApps reads in three batches, within the same instant: 30 rps allows 30.
    let mut throttled = Vec::new();
    for chunk in teams[..60].chunks(20) {
        let reqs: Vec<_> = chunk.iter().enumerate().map(|(i, t)| json!({"id": i.to_string(), "method": "GET", "url": format!("/teams/{t}/installedApps?$expand=teamsAppDefinition")})).collect();
        let r = batch(&sim, &token, json!({"requests": reqs})).await;
        assert_eq!(
            r.status, 200,
            "the outer batch succeeds even when members are throttled"
        );
        for x in r.body["responses"].as_array().unwrap() {
            if x["status"] == 429 {
                assert!(
                    x["headers"]["Retry-After"]
                        .as_str()
                        .unwrap()
                        .parse::<f64>()
                        .unwrap()
                        > 0.0,
                    "Retry-After is seconds, whole or with decimals"
                );
                assert_eq!(x["body"]["error"]["code"], "TooManyRequests");
                let i: usize = x["id"].as_str().unwrap().parse().unwrap();
                throttled.push(chunk[i].clone());
            } else {
                // One large-tenant team refuses inventory reads (403) by design.
                assert!(x["status"] == 200 || x["status"] == 403, "{x}");
            }
        }
    }
    assert_eq!(throttled.len(), 30);
    let m = sim.metrics();
    assert_eq!(m.throttled_429, 30);
    assert_eq!(m.sub_requests, 60);
    assert_eq!(m.http_round_trips, 3);
    assert_eq!(m.early_retries, 0);

    // A client that ignores Retry-After comes back too early: counted.
    let t = &throttled[0];
    let r = get(
        &sim,
        &token,
        &format!("/teams/{t}/installedApps?$expand=teamsAppDefinition"),
    )
    .await;
    assert_eq!(r.status, 429);
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(sim.metrics().early_retries, 1);
    // A client that waits is not.
    sim.advance_clock(Duration::from_secs(2));
    let t = &throttled[1];
    let r = get(
        &sim,
        &token,
        &format!("/teams/{t}/installedApps?$expand=teamsAppDefinition"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.metrics().early_retries, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_compressed_clock_sends_exact_waits_and_counts_early_retries_against_them() {
    // At throttle_scale 10 one simulated second lasts 100 ms: the waits shrink with it and
    // travel exactly in x-ms-retry-after-ms, while Retry-After keeps whole seconds.
    let sim = sim_with(SimConfig {
        size: TenantSize::Tiny,
        manual_clock: true,
        throttle_scale: 10.0,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    sim.set_faults(vec![FaultRule {
        route: "/v1.0/organization".into(),
        rate_429: 1.0,
        retry_after_secs: 2.0,
        ..FaultRule::default()
    }]);
    let r = get(&sim, &token, "/organization").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "1");
    assert_eq!(r.headers["x-ms-retry-after-ms"], "200");
    sim.advance_clock(Duration::from_millis(150));
    assert_eq!(get(&sim, &token, "/organization").await.status, 429);
    assert_eq!(sim.metrics().early_retries, 1, "150 ms < 200 ms is early");
    sim.advance_clock(Duration::from_millis(250));
    get(&sim, &token, "/organization").await;
    assert_eq!(
        sim.metrics().early_retries,
        1,
        "waiting the exact wait is not"
    );

    // Real time (scale 1): whole seconds only, as Graph sends them.
    let sim1 = sim_with(SimConfig {
        size: TenantSize::Tiny,
        manual_clock: true,
        ..SimConfig::default()
    })
    .await;
    let token1 = admin_token(&sim1).await;
    sim1.set_faults(vec![FaultRule {
        route: "/v1.0/organization".into(),
        rate_503: 1.0,
        retry_after_secs: 2.0,
        ..FaultRule::default()
    }]);
    let r = get(&sim1, &token1, "/organization").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.headers["retry-after"], "2");
    assert!(!r.headers.contains_key("x-ms-retry-after-ms"));
    sim.shutdown().await;
    sim1.shutdown().await;
}

#[tokio::test]
async fn per_team_and_scaled_limits() {
    let sim = sim_with(SimConfig {
        size: TenantSize::Tiny,
        manual_clock: true,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    let team = team_ids(&sim, &token).await[0].clone();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            get(&sim, &token, &format!("/teams/{team}/channels"))
                .await
                .status,
        );
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        4,
        "{statuses:?}"
    );
    sim.shutdown().await;

    let sim = sim_with(SimConfig {
        size: TenantSize::Tiny,
        throttle_scale: 10.0,
        manual_clock: true,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    let team = team_ids(&sim, &token).await[0].clone();
    for _ in 0..40 {
        assert_eq!(
            get(&sim, &token, &format!("/teams/{team}/channels"))
                .await
                .status,
            200
        );
    }
    assert_eq!(
        get(&sim, &token, &format!("/teams/{team}/channels"))
            .await
            .status,
        429
    );
    // A quarter of a second later at 40 rps, ten more are admitted.
    sim.advance_clock(Duration::from_millis(250));
    for _ in 0..10 {
        assert_eq!(
            get(&sim, &token, &format!("/teams/{team}/channels"))
                .await
                .status,
            200
        );
    }
    sim.shutdown().await;
}

fn rule(route: &str) -> FaultRule {
    FaultRule {
        route: route.into(),
        ..FaultRule::default()
    }
}

#[tokio::test]
async fn injected_status_faults() {
    let sim = sim(TenantSize::Tiny).await;
    let token = admin_token(&sim).await;
    for (status, f) in [
        (
            429u16,
            FaultRule {
                rate_429: 1.0,
                retry_after_secs: 3.0,
                ..rule("/v1.0/organization")
            },
        ),
        (
            500,
            FaultRule {
                rate_500: 1.0,
                ..rule("/v1.0/organization")
            },
        ),
        (
            502,
            FaultRule {
                rate_502: 1.0,
                ..rule("/v1.0/organization")
            },
        ),
        (
            503,
            FaultRule {
                rate_503: 1.0,
                ..rule("/v1.0/organization")
            },
        ),
        (
            504,
            FaultRule {
                rate_504: 1.0,
                ..rule("/v1.0/organization")
            },
        ),
    ] {
        sim.set_faults(vec![f]);
        let r = get(&sim, &token, "/organization").await;
        assert_eq!(r.status, status);
        assert!(r.body["error"]["code"].is_string());
        if status == 429 {
            assert_eq!(r.headers["retry-after"], "3");
        }
        assert_eq!(
            get(&sim, &token, "/me").await.status,
            200,
            "other routes unaffected"
        );
    }
    assert_eq!(sim.metrics().faults_injected.get("504"), Some(&1));
    // Inside a batch, each member draws its own fault.
    sim.set_faults(vec![FaultRule {
        rate_503: 1.0,
        retry_after_secs: 2.0,
        ..rule("/v1.0/organization")
    }]);
    let r = batch(&sim, &token, json!({"requests": [{"id": "1", "method": "GET", "url": "/organization"}, {"id": "2", "method": "GET", "url": "/me"}]})).await;
    let by_id = |id: &str| {
        r.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 503);
    assert_eq!(by_id("1")["headers"]["Retry-After"], "2");
    assert_eq!(by_id("2")["status"], 200);
    // A partial rate is seeded: some requests fail, some do not.
    sim.set_faults(vec![FaultRule {
        rate_500: 0.5,
        ..rule("*")
    }]);
    let mut codes = Vec::new();
    for _ in 0..30 {
        codes.push(get(&sim, &token, "/me").await.status);
    }
    assert!(codes.contains(&500) && codes.contains(&200));
    sim.shutdown().await;
}

#[tokio::test]
async fn transport_faults_latency_drop_and_slow_body() {
    let sim = sim(TenantSize::Tiny).await;
    let token = admin_token(&sim).await;
    sim.set_faults(vec![FaultRule {
        drop_rate: 1.0,
        ..rule("/v1.0/organization")
    }]);
    let r = client()
        .get(format!("{}/organization", sim.graph_base_url()))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(r.is_err(), "connection closed without a response");
    assert_eq!(sim.metrics().dropped_connections, 1);

    sim.set_faults(vec![FaultRule {
        latency_ms: 20,
        jitter_ms: 5,
        ..rule("/v1.0/organization")
    }]);
    assert_eq!(get(&sim, &token, "/organization").await.status, 200);
    assert_eq!(sim.metrics().faults_injected.get("latency"), Some(&1));

    sim.set_faults(vec![FaultRule {
        slow_body_rate: 1.0,
        slow_body_chunk_delay_ms: 10,
        ..rule("/v1.0/organization")
    }]);
    let r = get(&sim, &token, "/organization").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["value"][0]["displayName"], "Contoso",
        "slow bodies still arrive whole"
    );
    assert_eq!(sim.metrics().faults_injected.get("slow_body"), Some(&1));

    // The control surface sets the same rules.
    let r = client()
        .put(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({"rules": [{"route": "/v1.0/me", "rate_502": 1.0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get(&sim, &token, "/me").await.status, 502);
    let r = client()
        .delete(format!("{}/_sim/faults", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get(&sim, &token, "/me").await.status, 200);
    let m: serde_json::Value = client()
        .get(format!("{}/_sim/metrics", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(m["peak_concurrency"].as_u64().unwrap() >= 1);
    assert!(m["requests_per_route"]["GET /me"].as_u64().unwrap() >= 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn decimal_waits_and_a_whole_batch_429_holds_every_limit_its_members_drew_on() {
    let sim = sim(TenantSize::Demo).await;
    let token = admin_token(&sim).await;
    let teams = team_ids(&sim, &token).await;
    assert!(teams.len() >= 3);
    // A decimal `retry_after_secs` is stated with its decimals, as Graph documents.
    sim.set_faults(vec![FaultRule {
        rate_429: 1.0,
        retry_after_secs: 1.5,
        ..rule("/v1.0/organization")
    }]);
    let r = get(&sim, &token, "/organization").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "1.5");

    sim.set_faults(vec![FaultRule {
        method: Some("POST".into()),
        rate_429: 1.0,
        retry_after_secs: 2.0,
        ..rule("/v1.0/$batch")
    }]);
    sim.reset_metrics();
    let read = |i: usize| format!("/teams/{}/installedApps", teams[i]);
    let r = batch(
        &sim,
        &token,
        json!({"requests": [{"id": "1", "method": "GET", "url": read(0)}]}),
    )
    .await;
    assert_eq!(r.status, 429);
    sim.set_faults(Vec::new());
    // Another team on the same route, alone, before the wait is over: early.
    assert_eq!(get(&sim, &token, &read(1)).await.status, 200);
    assert_eq!(sim.metrics().early_retries, 1);
    // A route the batch did not draw on is free.
    assert_eq!(get(&sim, &token, "/me").await.status, 200);
    assert_eq!(sim.metrics().early_retries, 1);
    sim.advance_clock(Duration::from_millis(2100));
    assert_eq!(get(&sim, &token, &read(2)).await.status, 200);
    assert_eq!(
        sim.metrics().early_retries,
        1,
        "after the wait nothing is early"
    );
    sim.shutdown().await;
}
