//! Inventory sync and bulk install against tenant-sim's `large` tenant (10 000 teams), 100 ms
//! round trips, Teams limits ×10: BotDeck vs the team-by-team loop peers use vs an unpaced
//! fan-out of batches. Run: `cargo bench -p botdeck-core --bench inventory`.
//! `BOTDECK_BENCH_REAL_LIMITS=1` runs the inventory at Microsoft's real limits (×1; about six
//! minutes for the sync alone, so not part of `make test`) and skips the bulk part unless
//! `BOTDECK_BENCH_BULK_SCALE` is set.
//!
//! The inventory sync runs as the CLI and the window run it: channel facts on, so every team
//! costs two reads (installedApps + channels) in the same batches. The floor is the issue's:
//! the route that binds, its sub-requests ÷ its limit — installedApps reads at 30 rps (the
//! channel reads draw only on each team's own 4 rps).
//! For the bulk install every injected 429/503 forces one more request on a route that is
//! already at its limit, so its floor counts the installs plus the faults BotDeck's run drew.
//! At ×10 the simulator compresses its throttling clock, waits included (`Retry-After: 1` of
//! simulated time lasts 100 ms; it is sent exactly in `x-ms-retry-after-ms`).
//! `BOTDECK_BENCH_BULK_SCALE=1` runs the bulk part at Microsoft's real limits instead.
//!
//! `BOTDECK_BENCH_PART=cache` runs only the cache questions and start-up (about a minute).
//!
//! Env: `BOTDECK_BENCH_LOOP_SAMPLE` (teams the sequential loop really reads before its time is
//! extrapolated, default 200), `BOTDECK_BENCH_TEAMS` (targets of the bulk install, default 2000).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use botdeck_core::auth::entra::{EntraClient, EntraEndpoint};
use botdeck_core::auth::{scopes, Feature, Sleeper};
use botdeck_core::catalog::{self, Actor};
use botdeck_core::doctor::{self, CheckStatus, Depth};
use botdeck_core::installs::{
    self, BulkAction, InstallState, InventoryQuery, Selection, SyncContext, SyncOptions,
    TargetKind, TargetRef,
};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use botdeck_graph::GraphClient;
use botdeck_graph::{encode_query_value, Executor, SubRequest};
use botdeck_graph::{Pacer, RouteLimits};
use serde_json::{json, Value};
use tenant_sim::{
    FaultRule, RunningSim, SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_MANIFEST_ID,
};
use tokio_util::sync::CancellationToken;

const DEFAULT_SCALE: f64 = 10.0;
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
    peak: u64,
    note: String,
}

fn print(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!(
        "{:<34} {:>11} {:>12} {:>8} {:>13} {:>10} {:>10} {:>10} {:>9}  note",
        "client",
        "round trips",
        "sub-requests",
        "429s",
        "early retries",
        "items lost",
        "peak conc.",
        "wall (s)",
        "÷ floor"
    );
    for r in rows {
        println!(
            "{:<34} {:>11} {:>12} {:>8} {:>13} {:>10} {:>10} {:>10.1} {:>9.2}  {}",
            r.name,
            r.round_trips,
            r.sub_requests,
            r.throttled,
            r.early,
            r.lost,
            r.peak,
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
    // Keyset: the page after row 9 800, found by the cursor of the row before it.
    let before = installs::query(
        store,
        app_id,
        &InventoryQuery {
            offset: 9_799,
            limit: 1,
            ..Default::default()
        },
    )
    .expect("row 9 799");
    let after = before.next.or_else(|| {
        before.rows.last().map(|r| installs::InventoryCursor {
            kind: r.kind,
            display_name: r.display_name.clone(),
            id: r.id.clone(),
        })
    });
    let keyset = InventoryQuery {
        limit: 200,
        after,
        ..Default::default()
    };
    report("last page (keyset, after row 9 799)", || {
        installs::query(store, app_id, &keyset)
            .map(|p| p.rows.len())
            .unwrap_or(0)
    });
    // The ratio from interleaved rounds, so a change in the machine's load hits both alike.
    let first_page = pages[0].1.clone();
    let medians = interleaved(&mut [
        ("  first page (interleaved)", &mut || {
            installs::query(store, app_id, &first_page)
                .map(|p| p.rows.len())
                .unwrap_or(0)
        }),
        ("  last page, keyset (interleaved)", &mut || {
            installs::query(store, app_id, &keyset)
                .map(|p| p.rows.len())
                .unwrap_or(0)
        }),
    ]);
    println!(
        "last page (keyset) ÷ first page = {:.2}",
        medians[1] / medians[0].max(1e-9)
    );
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

/// The floor of a set of requests: for each limit, its requests ÷ its rate; the largest binds.
fn binding_route(limits: &RouteLimits, requests: &[SubRequest]) -> (String, Duration) {
    let mut count: std::collections::HashMap<String, (u64, f64)> = Default::default();
    for r in requests {
        for l in limits.limits_for(&r.method, &r.url) {
            count.entry(l.key).or_insert((0, l.rps)).0 += 1;
        }
    }
    count
        .into_iter()
        .map(|(key, (n, rps))| {
            let secs = n as f64 / rps;
            (format!("{key} ({n} at {rps:.0} rps)"), secs)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, secs)| (k, Duration::from_secs_f64(secs)))
        .unwrap_or_default()
}

/// The load average now (1, 5, 15 minutes), printed with every measurement: on a shared
/// machine the numbers only mean something next to it.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// The window's start: the store opened (checks as at a clean start, migrations), then what
/// the first screen — the Overview — asks: its quick health check of the databases (each
/// file's schema version), the catalog from the cache with every app's version spread and
/// last completed sync (`catalog_list`), and the bot profiles (`perms_profiles`).
fn window_start(dir: &std::path::Path) -> usize {
    let (s, _) = Store::open_in(dir).expect("open");
    let health = doctor::check_sqlite(dir, Depth::Quick);
    assert_eq!(health.status, CheckStatus::Ok, "{}", health.detail);
    overview(&s)
}

/// The Overview's questions (see [`window_start`]) on an open store.
fn overview(s: &Store) -> usize {
    let apps = catalog::cached_apps(s).expect("apps");
    let mut answered = apps.len();
    for app in &apps {
        answered += installs::version_spread(s, &app.id).expect("spread").len();
        answered += installs::last_completed_sync(s, &app.id)
            .expect("completed")
            .map_or(0, |_| 1);
    }
    answered
        + botdeck_core::permissions::list_profiles(s)
            .expect("profiles")
            .len()
}

/// `botdeck installs list --app FlashDuty`: the store opened, the bot found in the cached
/// catalog, then its default page (50 rows) with the total and the last sync.
fn cli_installs_list(dir: &std::path::Path) -> usize {
    let (s, _) = Store::open_in(dir).expect("open");
    let apps = catalog::cached_apps(&s).expect("apps");
    let Some(app) = apps.iter().find(|a| a.display_name == "FlashDuty") else {
        return 0;
    };
    installs::query(
        &s,
        &app.id,
        &InventoryQuery {
            limit: 50,
            ..Default::default()
        },
    )
    .expect("page")
    .rows
    .len()
}

/// What this bench called start-up until this round: the window's start plus the
/// Installations page's questions (coverage, version spread, its first page of 200 rows) — a
/// second screen the admin opens, not the first one.
fn overview_and_installations_page(dir: &std::path::Path) -> usize {
    let (s, _) = Store::open_in(dir).expect("open");
    let health = doctor::check_sqlite(dir, Depth::Quick);
    assert_eq!(health.status, CheckStatus::Ok, "{}", health.detail);
    overview(&s) + installations_page(&s)
}

/// The Installations page's first questions on an open store.
fn installations_page(s: &Store) -> usize {
    let Some(sync) = installs::last_sync(s, None).expect("sync") else {
        return 0;
    };
    let app_id = sync.app_id;
    let mut answered = installs::coverage(s, &app_id).expect("coverage").len();
    answered += installs::version_spread(s, &app_id).expect("spread").len();
    let page = installs::query(
        s,
        &app_id,
        &InventoryQuery {
            limit: 200,
            ..Default::default()
        },
    )
    .expect("page");
    answered + page.rows.len()
}

/// Start-up on a full cache vs an empty one ([`open_as_users_do`]); 50 000 cached users are
/// added to the 10 000 teams. The bench's own store is closed first (as when the window starts
/// with no other BotDeck running): another process's in-use marker would make every open
/// check the cache thoroughly. Answers the store reopened for the rest of the bench.
fn start_up(dir: &std::path::Path, store: Mutex<Store>, app_id: &str) -> Mutex<Store> {
    {
        let mut guard = store.lock().expect("lock");
        let tx = guard.connection_mut().transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO inventory_item (app_id, kind, target_id, display_name, detail, seen_generation, state)
                     VALUES (?1, 'user', ?2, ?3, ?4, 1, 'not_installed')",
                )
                .expect("prepare");
            for i in 0..50_000 {
                stmt.execute(rusqlite::params![
                    app_id,
                    format!("bench-user-{i:05}"),
                    format!("User {i:05}"),
                    format!("user{i:05}@contoso.example")
                ])
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    drop(store);
    let empty = tempfile::tempdir().expect("tmp");
    println!(
        "\nSTART-UP as the window and the CLI open, medians of 51 interleaved rounds; load {}",
        load()
    );
    println!("{:<40} {:>8} {:>12}", "case", "answers", "median (ms)");
    // The same full cache with the order index as it was before the page was read from it
    // (the key columns only: each shown row is then fetched from the table).
    let narrow = tempfile::tempdir().expect("tmp");
    for entry in std::fs::read_dir(dir).expect("cache dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), narrow.path().join(entry.file_name())).expect("copy");
        }
    }
    {
        let conn = rusqlite::Connection::open(narrow.path().join(botdeck_core::store::CACHE_FILE))
            .expect("narrow cache");
        conn.execute_batch(
            "DROP INDEX inventory_item_order;
             CREATE INDEX inventory_item_order
                ON inventory_item (app_id, kind, display_name COLLATE NOCASE, target_id);",
        )
        .expect("narrow index");
    }
    let open_only = |d: &std::path::Path| {
        let (s, _) = Store::open_in(d).expect("open");
        drop(s);
        0
    };
    let open_empty = Store::open_in(empty.path()).expect("open").0;
    let open_full = Store::open_in(dir).expect("open").0;
    // One round runs every case once, in turn, so the machine's load changes hit them all alike.
    let medians = interleaved(&mut [
        ("window (Overview), empty cache", &mut || {
            window_start(empty.path())
        }),
        ("window (Overview), full cache", &mut || window_start(dir)),
        ("CLI installs list, empty cache", &mut || {
            cli_installs_list(empty.path())
        }),
        ("CLI installs list, full cache", &mut || {
            cli_installs_list(dir)
        }),
        ("Overview + Installations page, empty", &mut || {
            overview_and_installations_page(empty.path())
        }),
        ("  the same, full cache", &mut || {
            overview_and_installations_page(dir)
        }),
        ("  the same, full, page from the table", &mut || {
            overview_and_installations_page(narrow.path())
        }),
        ("  open only, empty cache", &mut || open_only(empty.path())),
        ("  open only, full cache", &mut || open_only(dir)),
        ("  Installations page only, full cache", &mut || {
            installations_page(&open_full)
        }),
        ("  Overview only, empty cache", &mut || {
            overview(&open_empty)
        }),
        ("  Overview only, full cache", &mut || overview(&open_full)),
    ]);
    let [we, wf, ce, cf, e, f, n, oe, of, _, _, _] = medians[..] else {
        unreachable!("twelve cases")
    };
    println!(
        "window start: full ÷ empty = {:.2}; CLI installs list: full ÷ empty = {:.2}   (load {})",
        wf / we.max(1e-9),
        cf / ce.max(1e-9),
        load()
    );
    println!(
        "Overview + Installations page: full ÷ empty = {:.2}; with the page read from the table: full ÷ empty = {:.2}; open only: full ÷ empty = {:.2}",
        f / e.max(1e-9),
        n / e.max(1e-9),
        of / oe.max(1e-9)
    );
    drop((open_empty, open_full));
    // Until this round the Overview ran the thorough check on every visit (Settings and
    // `botdeck doctor` still do): a full integrity_check that grows with the cache.
    let thorough_empty = report("Overview health check as it was, empty", || {
        usize::from(doctor::check_sqlite(empty.path(), Depth::Thorough).status == CheckStatus::Ok)
    });
    let thorough_full = report("Overview health check as it was, full", || {
        usize::from(doctor::check_sqlite(dir, Depth::Thorough).status == CheckStatus::Ok)
    });
    println!(
        "the Overview's health check as it was: full ÷ empty = {:.0}",
        thorough_full / thorough_empty.max(1e-9)
    );
    // What start-up no longer pays each time, for the record: the weekly quick_check of a clean
    // start, and the integrity_check after an unclean shutdown or in `doctor`.
    let conn =
        rusqlite::Connection::open(dir.join(botdeck_core::store::CACHE_FILE)).expect("cache");
    for pragma in ["quick_check", "integrity_check"] {
        let t = Instant::now();
        let answer: String = conn
            .query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
            .expect(pragma);
        println!(
            "{pragma} of the full cache (clean start once a week / unclean start, doctor): {:.1} ms ({answer})",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    drop(conn);
    let (store, _) = Store::open_in(dir).expect("reopen");
    let _ = app_id;
    Mutex::new(store)
}

/// Runs every case once per round, 51 rounds, and prints each case's answers and median time;
/// answers the medians (ms) in the cases' order.
fn interleaved(cases: &mut [(&str, &mut dyn FnMut() -> usize)]) -> Vec<f64> {
    const ROUNDS: usize = 51;
    let mut times = vec![Vec::with_capacity(ROUNDS); cases.len()];
    let mut answers = vec![0; cases.len()];
    for _ in 0..ROUNDS {
        for (i, (_, case)) in cases.iter_mut().enumerate() {
            let t = Instant::now();
            answers[i] = case();
            times[i].push(t.elapsed());
        }
    }
    cases
        .iter()
        .zip(times.iter_mut())
        .zip(answers)
        .map(|(((name, _), times), answered)| {
            times.sort();
            let median = times[ROUNDS / 2].as_secs_f64() * 1000.0;
            println!("{:<40} {:>8} {:>12.2}", name, answered, median);
            median
        })
        .collect()
}

/// Runs `query` 25 times and prints the rows it answered and its median time (answered, ms).
fn report(name: &str, mut query: impl FnMut() -> usize) -> f64 {
    let mut times = Vec::with_capacity(25);
    let mut rows = 0;
    for _ in 0..25 {
        let t = Instant::now();
        rows = query();
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2].as_secs_f64() * 1000.0;
    println!("{:<40} {:>8} {:>12.2}", name, rows, median);
    median
}

/// What every part starts from: an admin token, a client paced at `scale`, the demo bot (in
/// the cached catalog, as `catalog list` leaves it) and a store in a fresh folder.
struct Start {
    token: Sensitive<String>,
    graph: GraphClient,
    app: catalog::CatalogApp,
    dir: tempfile::TempDir,
    store: Mutex<Store>,
}

async fn start(sim: &RunningSim, scale: f64) -> Start {
    let token = admin_token(sim).await;
    let graph = GraphClient::new(reqwest::Client::new(), &sim.graph_base_url())
        .with_pacing(Arc::new(Pacer::new()), RouteLimits::scaled(scale));
    let app = catalog::find(&graph, &token, DEMO_BOT_MANIFEST_ID)
        .await
        .expect("bot");
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    catalog::cache_apps(&store, std::slice::from_ref(&app)).expect("cache the bot");
    Start {
        token,
        graph,
        app,
        dir,
        store: Mutex::new(store),
    }
}

/// `BOTDECK_BENCH_PART=cache`: the cache questions and start-up alone.
async fn cache_part() {
    let scale = 100.0;
    println!("tenant-sim large (10 000 teams), cache filled by one sync at Teams limits x{scale}");
    let sim = tenant_sim::start(SimConfig {
        size: TenantSize::Large,
        throttle_scale: scale,
        auto_approve_device_code: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let Start {
        token,
        graph,
        app,
        dir,
        store,
    } = start(&sim, scale).await;
    let executor = Executor::for_client(graph.clone());
    let ctx = SyncContext {
        graph: &graph,
        tokens: &token,
        store: &store,
        executor: &executor,
    };
    let options = SyncOptions {
        kinds: vec![TargetKind::Team],
        channels: true,
        fresh: true,
    };
    let t = Instant::now();
    let synced = installs::sync(&ctx, &app, &options, &|_| {}, &CancellationToken::new())
        .await
        .expect("sync");
    println!(
        "synced {} teams in {:.1} s",
        synced.targets,
        t.elapsed().as_secs_f64()
    );
    cache_queries(&store.lock().expect("lock"), &app.id);
    drop(start_up(dir.path(), store, &app.id));
    sim.shutdown().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let real_limits = std::env::var("BOTDECK_BENCH_REAL_LIMITS").as_deref() == Ok("1");
    // Only the cache questions and start-up, on a cache filled by one quick sync (limits ×100,
    // no added round trip): what they measure does not depend on how fast the cache was filled.
    let cache_only = std::env::var("BOTDECK_BENCH_PART").as_deref() == Ok("cache");
    if cache_only {
        return cache_part().await;
    }
    let scale = if real_limits { 1.0 } else { DEFAULT_SCALE };
    let loop_sample = env_usize("BOTDECK_BENCH_LOOP_SAMPLE", 200);
    let bulk_scale_env = std::env::var("BOTDECK_BENCH_BULK_SCALE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0);
    let bulk_scale = bulk_scale_env.unwrap_or(scale);
    let bulk_teams = env_usize("BOTDECK_BENCH_TEAMS", 2000);
    println!("tenant-sim large (10 000 teams), round trip {LATENCY_MS} ms, Teams limits x{scale}");
    let started = Instant::now();
    let sim = tenant_sim::start(SimConfig {
        size: TenantSize::Large,
        throttle_scale: scale,
        auto_approve_device_code: true,
        faults: vec![latency_rule()],
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    println!("sim ready in {:.1}s", started.elapsed().as_secs_f64());
    let limits = RouteLimits::scaled(scale);
    let Start {
        token,
        graph,
        app,
        dir,
        store,
    } = start(&sim, scale).await;

    // ---- Inventory, as `botdeck installs sync` runs it (channel facts on) -----------------
    let mut rows = Vec::new();
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.reset_metrics();
    let executor = Executor::for_client(graph.clone());
    let ctx = SyncContext {
        graph: &graph,
        tokens: &token,
        store: &store,
        executor: &executor,
    };
    let never = CancellationToken::new();
    let (full, regular) = [true, false]
        .map(|fresh| SyncOptions {
            kinds: vec![TargetKind::Team],
            channels: true,
            fresh,
        })
        .into();
    // When the first rows were read (the first progress of the reading phase: 50 targets
    // written). Reads start with the first listed page, so this overlaps the listing.
    let reading_from: Mutex<Option<Instant>> = Mutex::new(None);
    let note_phase = |p: &installs::RunProgress| {
        if p.phase == botdeck_core::progress::Phase::ReadingInstallations && p.done > 0 {
            let mut at = reading_from.lock().expect("lock");
            at.get_or_insert_with(Instant::now);
        }
    };
    let sync_once = |fresh: bool| {
        installs::sync(
            &ctx,
            &app,
            if fresh { &full } else { &regular },
            &note_phase,
            &never,
        )
    };
    let load_before = load();
    let t = Instant::now();
    let report = sync_once(true).await.expect("sync");
    let wall = t.elapsed();
    let listing = reading_from
        .lock()
        .expect("lock")
        .take()
        .map(|at| at.duration_since(t))
        .unwrap_or_default();
    let m = sim.metrics();
    let teams = report.targets;
    let team_ids: Vec<String> = installs::query(
        &store.lock().expect("lock"),
        &app.id,
        &InventoryQuery {
            kind: Some(TargetKind::Team),
            limit: 10_000,
            ..Default::default()
        },
    )
    .expect("teams")
    .rows
    .into_iter()
    .map(|r| r.id)
    .collect();
    // What users run: per team its installedApps read and its channel read.
    let reads: Vec<SubRequest> = team_ids
        .iter()
        .flat_map(|id| {
            [
                SubRequest::get(format!(
                    "/teams/{id}/installedApps?$expand=teamsAppDefinition&$filter={}",
                    encode_query_value(&format!("teamsApp/id eq '{}'", app.id))
                )),
                SubRequest::get(format!(
                    "/teams/{id}/channels?$select=id,displayName,membershipType"
                )),
            ]
        })
        .collect();
    let (binding, floor) = binding_route(&limits, &reads);
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
        peak: m.peak_concurrency,
        note: format!(
            "{teams} teams + channel facts, {} failed per item (403/archived); first rows read after {:.1} s, the rest {:.1} s; load {load_before} → {}",
            report.failed,
            listing.as_secs_f64(),
            (wall - listing).as_secs_f64(),
            load()
        ),
    });

    if !real_limits {
        // The next regular sync: channel facts are fresh (< 7 days), only installations are read.
        tokio::time::sleep(Duration::from_secs(2)).await;
        sim.reset_metrics();
        let load_before = load();
        let t = Instant::now();
        let again = sync_once(false).await.expect("sync");
        let wall = t.elapsed();
        let listing = reading_from
            .lock()
            .expect("lock")
            .take()
            .map(|at| at.duration_since(t))
            .unwrap_or_default();
        let m = sim.metrics();
        let installs_only: Vec<SubRequest> = reads.iter().step_by(2).cloned().collect();
        rows.push(Row {
            name: "BotDeck, next sync (facts fresh)".into(),
            round_trips: m.http_round_trips,
            sub_requests: m.sub_requests,
            throttled: m.throttled_429,
            early: m.early_retries,
            lost: 0,
            wall,
            floor: binding_route(&limits, &installs_only).1,
            peak: m.peak_concurrency,
            note: format!(
                "{} teams, channels not re-read; first rows read after {:.1} s, the rest {:.1} s; load {load_before} → {}",
                again.targets,
                listing.as_secs_f64(),
                (wall - listing).as_secs_f64(),
                load()
            ),
        });
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let peers = GraphClient::new(reqwest::Client::new(), &sim.graph_base_url()).unpaced();
    let t = Instant::now();
    let sample = &reads[..loop_sample.min(reads.len())];
    let (_, lost) = sequential(&peers, &token, sample).await;
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
        peak: m.peak_concurrency,
        note: format!("measured on {} requests, x{factor:.0}", sample.len()),
    });
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let t = Instant::now();
    let lost = fan_out(&peers, &token, reads.clone()).await;
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
        peak: m.peak_concurrency,
        note: "64 batches in flight, one immediate retry".into(),
    });
    print(
        &format!(
            "INVENTORY at limits x{scale}: which of {teams} teams have the bot, with channel facts ({} reads; floor = binding route {binding} = {:.1} s)",
            reads.len(),
            floor.as_secs_f64()
        ),
        &rows,
    );

    cache_queries(&store.lock().expect("lock"), &app.id);
    let store = start_up(dir.path(), store, &app.id);

    if real_limits && bulk_scale_env.is_none() {
        println!("\n(bulk part skipped at real limits; set BOTDECK_BENCH_BULK_SCALE to run it)");
        println!("\ntotal bench time {:.0}s", started.elapsed().as_secs_f64());
        sim.shutdown().await;
        return;
    }

    // ---- Bulk install into N teams, 10 % injected 429/503 --------------------------------
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.update_settings(|s| s.throttle_scale = bulk_scale);
    sim.set_faults(vec![
        FaultRule {
            route: "/v1.0/teams/*/installedApps".into(),
            method: Some("POST".into()),
            rate_429: 0.05,
            rate_503: 0.05,
            retry_after_secs: 1.0,
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
    let bulk_graph = GraphClient::new(reqwest::Client::new(), &sim.graph_base_url())
        .with_pacing(Arc::new(Pacer::new()), RouteLimits::scaled(bulk_scale));
    let executor = Executor::for_client(bulk_graph.clone());
    let ctx = SyncContext {
        graph: &bulk_graph,
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
        peak: m.peak_concurrency,
        note: format!(
            "{} installed, {} already, {} failed; {forced_retries} faults injected; load {}",
            summary.succeeded,
            summary.already_done,
            summary.failed,
            load()
        ),
    });
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let sample_ids = &candidates[n..n + loop_sample.min(n)];
    let t = Instant::now();
    let (_, lost) = sequential(&peers, &token, &posts(sample_ids)).await;
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
        peak: m.peak_concurrency,
        note: format!("measured on {} teams, no retry", sample_ids.len()),
    });
    tokio::time::sleep(Duration::from_secs(2)).await;

    sim.reset_metrics();
    let t = Instant::now();
    let lost = fan_out(&peers, &token, posts(&candidates[2 * n..3 * n])).await;
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
        peak: m.peak_concurrency,
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
