//! Inventory sync and bulk install against tenant-sim's `large` tenant (10 000 teams), 100 ms
//! round trips, Teams limits ×10: BotDeck vs the team-by-team loop peers use vs an unpaced
//! fan-out of batches. Run: `cargo bench -p botdeck-core --bench inventory`.
//!
//! The floor is the issue's: sub-requests ÷ limit. For the inventory that is one read per team.
//! For the bulk install every injected 429/503 forces one more request on a route that is
//! already at its limit, so its floor counts the installs plus the faults BotDeck's run drew.
//! At ×10 the simulator compresses its throttling clock, waits included (`Retry-After: 1` of
//! simulated time lasts 100 ms; it is sent exactly in `x-ms-retry-after-ms`).
//! `BOTDECK_BENCH_BULK_SCALE=1` runs the bulk part at Microsoft's real limits instead.
//!
//! Env: `BOTDECK_BENCH_LOOP_SAMPLE` (teams the sequential loop really reads before its time is
//! extrapolated, default 200), `BOTDECK_BENCH_TEAMS` (targets of the bulk install, default 2000).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use botdeck_core::auth::entra::{EntraClient, EntraEndpoint};
use botdeck_core::auth::{scopes, Feature, Sleeper};
use botdeck_core::batch::{encode_query_value, Executor, SubRequest};
use botdeck_core::catalog::{self, Actor};
use botdeck_core::graph::GraphClient;
use botdeck_core::installs::{
    self, BulkAction, InstallState, InventoryQuery, Selection, SyncContext, SyncOptions,
    TargetKind, TargetRef,
};
use botdeck_core::pacing::{Pacer, RouteLimits};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use serde_json::{json, Value};
use tenant_sim::{
    FaultRule, RunningSim, SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_MANIFEST_ID,
};
use tokio_util::sync::CancellationToken;

const SCALE: f64 = 10.0;
const LATENCY_MS: u64 = 100;

struct NoWait;
impl Sleeper for NoWait {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

async fn admin_token(sim: &RunningSim) -> Sensitive<String> {
    let wanted = scopes::scopes_for(Feature::Install);
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
        .expect("token");
    tokens.access_token
}

struct Row {
    name: String,
    round_trips: u64,
    sub_requests: u64,
    throttled: u64,
    early: u64,
    lost: u64,
    wall: Duration,
    floor: Duration,
    note: String,
}

fn print(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!(
        "{:<34} {:>11} {:>12} {:>8} {:>13} {:>10} {:>10} {:>9}  note",
        "client",
        "round trips",
        "sub-requests",
        "429s",
        "early retries",
        "items lost",
        "wall (s)",
        "÷ floor"
    );
    for r in rows {
        println!(
            "{:<34} {:>11} {:>12} {:>8} {:>13} {:>10} {:>10.1} {:>9.2}  {}",
            r.name,
            r.round_trips,
            r.sub_requests,
            r.throttled,
            r.early,
            r.lost,
            r.wall.as_secs_f64(),
            r.wall.as_secs_f64() / r.floor.as_secs_f64().max(0.001),
            r.note
        );
    }
}

fn latency_rule() -> FaultRule {
    FaultRule {
        route: "*".into(),
        latency_ms: LATENCY_MS,
        ..Default::default()
    }
}

/// Peers' loop: one request per team, one after the other.
async fn sequential(
    graph: &GraphClient,
    token: &Sensitive<String>,
    requests: &[SubRequest],
) -> (u64, u64) {
    let (mut lost, mut sent) = (0, 0);
    for r in requests {
        sent += 1;
        let method =
            reqwest::Method::from_bytes(r.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let body = r
            .body
            .as_ref()
            .map(|b| ("application/json", b.to_string().into_bytes()));
        match graph.send_raw(token, method, &r.url, body).await {
            Ok(resp) if matches!(resp.status, 429 | 500..=599) => lost += 1,
            Ok(_) => {}
            Err(_) => lost += 1,
        }
    }
    (sent, lost)
}

/// Unpaced fan-out: every batch at once (64 on the wire), throttled members retried once at
/// once (as naive clients do), whatever is still throttled is lost.
async fn fan_out(graph: &GraphClient, token: &Sensitive<String>, requests: Vec<SubRequest>) -> u64 {
    let mut todo = requests;
    let mut lost = 0;
    for round in 0..2 {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(64));
        let mut set = tokio::task::JoinSet::new();
        for chunk in todo.chunks(20) {
            let chunk: Vec<SubRequest> = chunk.to_vec();
            let graph = graph.clone();
            let token = token.clone();
            let permit = semaphore.clone().acquire_owned().await.expect("semaphore");
            set.spawn(async move {
                let _permit = permit;
                let body = json!({"requests": chunk.iter().enumerate().map(|(i, r)| {
                    let mut m = json!({"id": i.to_string(), "method": r.method, "url": r.url});
                    if let Some(b) = &r.body { m["body"] = b.clone(); m["headers"] = json!({"Content-Type": "application/json"}); }
                    m
                }).collect::<Vec<_>>()});
                let mut failed = Vec::new();
                match graph.send_json(&token, reqwest::Method::POST, "/$batch", Some(&body)).await {
                    Ok(resp) => {
                        let answers = resp.body.as_ref().and_then(|b| b.get("responses")).and_then(Value::as_array).cloned().unwrap_or_default();
                        for a in answers {
                            let status = a.get("status").and_then(Value::as_u64).unwrap_or(0);
                            let id: usize = a.get("id").and_then(Value::as_str).and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
                            if (status == 429 || status >= 500) && id < chunk.len() {
                                failed.push(chunk[id].clone());
                            }
                        }
                    }
                    Err(_) => failed.extend(chunk),
                }
                failed
            });
        }
        let mut again = Vec::new();
        while let Some(done) = set.join_next().await {
            again.extend(done.unwrap_or_default());
        }
        if round == 1 {
            lost = again.len() as u64;
        }
        todo = again;
    }
    lost
}

/// What the Installations page asks the cache while an admin types and filters: one page of the
/// virtualised table (200 rows, as ui/src/components/installs/InventoryTable.tsx asks) per
/// keystroke, plus the two pictures. Median of 25 runs each, on the synced 10 000-team cache.
fn cache_queries(store: &Store, app_id: &str) {
    let page = |q: InventoryQuery| InventoryQuery { limit: 200, ..q };
    let pages = [
        ("first page, no filter", page(InventoryQuery::default())),
        (
            "text search \"falcon pay\" (substring)",
            page(InventoryQuery {
                text: Some("falcon pay".into()),
                ..Default::default()
            }),
        ),
        (
            "teams without the bot",
            page(InventoryQuery {
                kind: Some(TargetKind::Team),
                state: Some(InstallState::NotInstalled),
                ..Default::default()
            }),
        ),
        (
            "installs older than 1.0.2",
            page(InventoryQuery {
                older_than: Some("1.0.2".into()),
                ..Default::default()
            }),
        ),
        (
            "last page (offset 9 800)",
            page(InventoryQuery {
                offset: 9_800,
                ..Default::default()
            }),
        ),
    ];
    println!("\nCACHE QUERIES on the synced cache (SQLite file, indexed SELECTs), median of 25");
    println!("{:<40} {:>8} {:>12}", "query", "rows", "median (ms)");
    for (name, q) in &pages {
        report(name, || {
            installs::query(store, app_id, q)
                .map(|p| p.rows.len())
                .unwrap_or(0)
        });
    }
    report("coverage picture", || {
        installs::coverage(store, app_id)
            .map(|c| c.len())
            .unwrap_or(0)
    });
    report("version spread picture", || {
        installs::version_spread(store, app_id)
            .map(|v| v.len())
            .unwrap_or(0)
    });
}

/// Runs `query` 25 times and prints the rows it answered and its median time.
fn report(name: &str, mut query: impl FnMut() -> usize) {
    let mut times = Vec::with_capacity(25);
    let mut rows = 0;
    for _ in 0..25 {
        let t = Instant::now();
        rows = query();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{:<40} {:>8} {:>12.2}",
        name,
        rows,
        times[times.len() / 2].as_secs_f64() * 1000.0
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let loop_sample = env_usize("BOTDECK_BENCH_LOOP_SAMPLE", 200);
    let bulk_scale = std::env::var("BOTDECK_BENCH_BULK_SCALE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(SCALE);
    let bulk_teams = env_usize("BOTDECK_BENCH_TEAMS", 2000);
    println!("tenant-sim large (10 000 teams), round trip {LATENCY_MS} ms, Teams limits x{SCALE}");
    let started = Instant::now();
    let sim = tenant_sim::start(SimConfig {
        size: TenantSize::Large,
        throttle_scale: SCALE,
        auto_approve_device_code: true,
        faults: vec![latency_rule()],
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    println!("sim ready in {:.1}s", started.elapsed().as_secs_f64());
    let token = admin_token(&sim).await;
    let graph = GraphClient::new(reqwest::Client::new(), &sim.graph_base_url());
    let app = catalog::find(&graph, &token, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("bot");
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    let store = Mutex::new(store);
    let read_rps = 30.0 * SCALE;

    // ---- Inventory ---------------------------------------------------------------------
    let mut rows = Vec::new();
    sim.reset_metrics();
    let executor = Executor::new(
        graph.clone(),
        Arc::new(Pacer::new()),
        RouteLimits::scaled(SCALE),
    );
    let ctx = SyncContext {
        graph: &graph,
        tokens: &token,
        store: &store,
        executor: &executor,
    };
    let t = Instant::now();
    let report = installs::sync(
        &ctx,
        &app,
        &SyncOptions {
            kinds: vec![TargetKind::Team],
            channels: false,
            fresh: true,
        },
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("sync");
    let wall = t.elapsed();
    let m = sim.metrics();
    let teams = report.targets;
    let floor = Duration::from_secs_f64(teams as f64 / read_rps);
    let unknown = installs::coverage(&store.lock().expect("lock"), &app.id)
        .expect("coverage")
        .iter()
        .map(|c| c.unknown)
        .sum::<u64>();
    rows.push(Row {
        name: "BotDeck (paced $batch)".into(),
        round_trips: m.http_round_trips,
        sub_requests: m.sub_requests,
        throttled: m.throttled_429,
        early: m.early_retries,
        lost: unknown,
        wall,
        floor,
        note: format!(
            "{teams} teams, {} failed per item (403/archived)",
            report.failed
        ),
    });
    let reads: Vec<SubRequest> = {
        let page = installs::query(
            &store.lock().expect("lock"),
            &app.id,
            &InventoryQuery {
                kind: Some(TargetKind::Team),
                limit: 10_000,
                ..Default::default()
            },
        )
        .expect("teams");
        page.rows
            .iter()
            .map(|r| {
                SubRequest::get(format!(
                    "/teams/{}/installedApps?$expand=teamsAppDefinition&$filter={}",
                    r.id,
                    encode_query_value(&format!("teamsApp/id eq '{}'", app.id))
                ))
            })
            .collect()
    };
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let t = Instant::now();
    let sample = &reads[..loop_sample.min(reads.len())];
    let (_, lost) = sequential(&graph, &token, sample).await;
    let per = t.elapsed().as_secs_f64() / sample.len().max(1) as f64;
    let m = sim.metrics();
    let factor = reads.len() as f64 / sample.len().max(1) as f64;
    rows.push(Row {
        name: "team-by-team loop (extrapolated)".into(),
        round_trips: (m.http_round_trips as f64 * factor) as u64,
        sub_requests: 0,
        throttled: m.throttled_429,
        early: m.early_retries,
        lost,
        wall: Duration::from_secs_f64(per * reads.len() as f64),
        floor,
        note: format!("measured on {} teams, x{factor:.0}", sample.len()),
    });
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let t = Instant::now();
    let lost = fan_out(&graph, &token, reads.clone()).await;
    let m = sim.metrics();
    rows.push(Row {
        name: "unpaced fan-out of batches".into(),
        round_trips: m.http_round_trips,
        sub_requests: m.sub_requests,
        throttled: m.throttled_429,
        early: m.early_retries,
        lost,
        wall: t.elapsed(),
        floor,
        note: "64 batches in flight, one immediate retry".into(),
    });
    print(
        &format!(
            "INVENTORY: which of {teams} teams have the bot (floor = {teams} reads / {read_rps:.0} rps = {:.1} s)",
            floor.as_secs_f64()
        ),
        &rows,
    );

    cache_queries(&store.lock().expect("lock"), &app.id);

    // ---- Bulk install into N teams, 10 % injected 429/503 --------------------------------
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.update_settings(|s| s.throttle_scale = bulk_scale);
    sim.set_faults(vec![
        FaultRule {
            route: "/v1.0/teams/*/installedApps".into(),
            method: Some("POST".into()),
            rate_429: 0.05,
            rate_503: 0.05,
            retry_after_secs: 1,
            // The first matching rule applies: direct calls (the loop) keep their round trip.
            latency_ms: LATENCY_MS,
            ..Default::default()
        },
        latency_rule(),
    ]);
    let candidates: Vec<String> = installs::query(
        &store.lock().expect("lock"),
        &app.id,
        &InventoryQuery {
            kind: Some(TargetKind::Team),
            state: Some(InstallState::NotInstalled),
            include_archived: Some(false),
            limit: 10_000,
            ..Default::default()
        },
    )
    .expect("candidates")
    .rows
    .into_iter()
    .map(|r| r.id)
    .collect();
    let n = bulk_teams.min(candidates.len() / 3);
    let write_rps = 30.0 * bulk_scale;
    let mut rows = Vec::new();
    let install_body = json!({"teamsApp@odata.bind": format!("{}/appCatalogs/teamsApps/{}", graph.base_url(), app.id),
        "consentedPermissionSet": {"resourceSpecificPermissions": app.published().map(|d| d.required_rsc.iter().map(|p| json!({"permissionValue": p.permission_value, "permissionType": p.permission_type})).collect::<Vec<_>>()).unwrap_or_default()}});
    let posts = |ids: &[String]| -> Vec<SubRequest> {
        ids.iter()
            .map(|id| SubRequest {
                method: "POST".into(),
                url: format!("/teams/{id}/installedApps"),
                body: Some(install_body.clone()),
            })
            .collect()
    };

    sim.reset_metrics();
    let selection = Selection {
        filter: None,
        ids: candidates[..n]
            .iter()
            .map(|id| TargetRef {
                kind: TargetKind::Team,
                id: id.clone(),
            })
            .collect(),
    };
    let plan = installs::plan(
        &store.lock().expect("lock"),
        &app,
        BulkAction::Install,
        &selection,
    )
    .expect("plan");
    let actor = Actor {
        profile_id: None,
        tenant_id: None,
        upn: sim.admin_upn(),
    };
    let run_id = installs::create_run(&store, &plan, &actor).expect("run");
    let executor = Executor::new(
        graph.clone(),
        Arc::new(Pacer::new()),
        RouteLimits::scaled(bulk_scale),
    );
    let ctx = SyncContext {
        graph: &graph,
        tokens: &token,
        store: &store,
        executor: &executor,
    };
    let t = Instant::now();
    let summary = installs::execute_run(&ctx, &run_id, &|_| {}, &CancellationToken::new())
        .await
        .expect("bulk");
    let m = sim.metrics();
    let forced_retries: u64 = ["429", "503"]
        .iter()
        .filter_map(|k| m.faults_injected.get(*k))
        .sum();
    let floor = Duration::from_secs_f64((n as u64 + forced_retries) as f64 / write_rps);
    rows.push(Row {
        name: "BotDeck (paced, journaled)".into(),
        round_trips: m.http_round_trips,
        sub_requests: m.sub_requests,
        throttled: m.throttled_429,
        early: m.early_retries,
        lost: summary.pending + summary.failed,
        wall: t.elapsed(),
        floor,
        note: format!(
            "{} installed, {} already, {} failed; {forced_retries} faults injected",
            summary.succeeded, summary.already_done, summary.failed
        ),
    });
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let sample_ids = &candidates[n..n + loop_sample.min(n)];
    let t = Instant::now();
    let (_, lost) = sequential(&graph, &token, &posts(sample_ids)).await;
    let per = t.elapsed().as_secs_f64() / sample_ids.len().max(1) as f64;
    let m = sim.metrics();
    let factor = n as f64 / sample_ids.len().max(1) as f64;
    rows.push(Row {
        name: "team-by-team loop (extrapolated)".into(),
        round_trips: (m.http_round_trips as f64 * factor) as u64,
        sub_requests: 0,
        throttled: (m.throttled_429 as f64 * factor) as u64,
        early: m.early_retries,
        lost: (lost as f64 * factor) as u64,
        wall: Duration::from_secs_f64(per * n as f64),
        floor,
        note: format!("measured on {} teams, no retry", sample_ids.len()),
    });
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let t = Instant::now();
    let lost = fan_out(&graph, &token, posts(&candidates[2 * n..3 * n])).await;
    let m = sim.metrics();
    rows.push(Row {
        name: "unpaced fan-out of batches".into(),
        round_trips: m.http_round_trips,
        sub_requests: m.sub_requests,
        throttled: m.throttled_429,
        early: m.early_retries,
        lost,
        wall: t.elapsed(),
        floor,
        note: "64 batches in flight, one immediate retry".into(),
    });
    print(
        &format!(
            "BULK INSTALL into {n} teams at Teams limits x{bulk_scale}, 10% injected 429/503 (floor = ({n} installs + {forced_retries} forced retries) / {write_rps:.0} rps = {:.1} s; bare {n} / {write_rps:.0} = {:.1} s)",
            floor.as_secs_f64(),
            n as f64 / write_rps
        ),
        &rows,
    );
    println!("\ntotal bench time {:.0}s", started.elapsed().as_secs_f64());
    sim.shutdown().await;
}
