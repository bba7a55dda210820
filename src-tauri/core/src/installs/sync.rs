//! The inventory sync: list the targets and read the bot's installation in each, the reads of
//! a listed page starting while the next page is listed.
//!
//! Cost per the brief's floor: one catalog lookup, ⌈T/999⌉ team pages, and one filtered
//! `installedApps` read per target packed 20 per `$batch`, paced by [`botdeck_graph::Executor`].
//! Each sync is a *generation*: listing marks the rows it sees, reading marks the rows it read.
//! A sync that stops (crash, cancel, lost network) is resumed by the next call, reading only
//! what the generation has not read yet; rows not seen by a completed generation are removed.

use crate::ids::CatalogAppId;
use crate::progress::Phase;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use reqwest::Method;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::{installed_apps_read, now_text, InstallsError, ProgressFn, RunProgress, TargetKind};
use crate::catalog::{version_key, CatalogApp};
use crate::store::Store;
use botdeck_graph::resources::channels::{Channel, ChannelFacts};
use botdeck_graph::resources::chats::Chat;
use botdeck_graph::resources::errors;
use botdeck_graph::resources::installed_apps;
use botdeck_graph::resources::teams::Team;
use botdeck_graph::resources::users::User;
use botdeck_graph::resources::Resource;
use botdeck_graph::{resources, GraphClient, GraphError};
use botdeck_graph::{Executor, SubRequest, SubResponse, TokenSource};

/// What a sync needs: Graph, a token source, the shared store and the paced executor.
pub struct SyncContext<'a> {
    pub graph: &'a GraphClient,
    pub tokens: &'a dyn TokenSource,
    pub store: &'a Mutex<Store>,
    pub executor: &'a Executor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncOptions {
    pub kinds: Vec<TargetKind>,
    /// Also read each team's channels (General channel, private / shared channel counts).
    pub channels: bool,
    /// Start a new generation even if the last one did not finish.
    pub fresh: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            kinds: TargetKind::ALL.to_vec(),
            channels: true,
            fresh: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// completed or cancelled.
    pub status: String,
    /// True when this call continued an unfinished sync.
    pub resumed: bool,
    #[ts(type = "number")]
    pub targets: u64,
    #[ts(type = "number")]
    pub read: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub removed: u64,
    #[ts(type = "number")]
    pub round_trips: u64,
    #[ts(type = "number")]
    pub sub_requests: u64,
    #[ts(type = "number")]
    pub throttled: u64,
    #[ts(type = "number")]
    pub retries: u64,
    /// Users came from a delta query (only changes were listed).
    pub users_incremental: bool,
    /// Kinds that could not be listed (e.g. a permission the sign-in lacks); their cached
    /// rows are kept as they were.
    pub warnings: Vec<String>,
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

struct Generation {
    sync_id: i64,
    generation: i64,
    listed: Vec<String>,
    channels: bool,
    resumed: bool,
}

fn start_generation(
    store: &Mutex<Store>,
    app: &CatalogApp,
    opts: &SyncOptions,
) -> Result<Generation, InstallsError> {
    let store = lock(store);
    let conn = store.connection();
    let kinds: Vec<&str> = opts.kinds.iter().map(|k| k.as_str()).collect();
    let kinds_text = kinds.join(",");
    let open: Option<(i64, i64, String, String, i64)> = conn
        .query_row(
            "SELECT id, generation, listed, kinds, channels FROM inventory_sync
             WHERE app_id = ?1 AND status != 'completed' ORDER BY id DESC LIMIT 1",
            [app.id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    if let (false, Some((id, generation, listed, kinds_then, channels))) = (opts.fresh, open) {
        if kinds_then == kinds_text {
            conn.execute(
                "UPDATE inventory_sync SET status = 'running' WHERE id = ?1",
                [id],
            )?;
            return Ok(Generation {
                sync_id: id,
                generation,
                listed: serde_json::from_str(&listed).unwrap_or_default(),
                channels: channels != 0,
                resumed: true,
            });
        }
    }
    // Anything unfinished is superseded by the new generation.
    conn.execute(
        "UPDATE inventory_sync SET status = 'abandoned' WHERE app_id = ?1 AND status != 'completed'",
        [app.id.as_str()],
    )?;
    let generation: i64 = conn.query_row(
        "SELECT COALESCE(MAX(generation), 0) + 1 FROM inventory_sync WHERE app_id = ?1",
        [app.id.as_str()],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO inventory_sync (app_id, app_name, generation, kinds, channels, status, phase, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running', 'listing', ?6)",
        params![app.id.as_str(), app.display_name, generation, kinds_text, opts.channels as i64, now_text()],
    )?;
    Ok(Generation {
        sync_id: conn.last_insert_rowid(),
        generation,
        listed: Vec::new(),
        channels: opts.channels,
        resumed: false,
    })
}

/// Channel facts (General channel, private/shared counts) change rarely, and reading them
/// doubles the reads per team. A regular sync re-reads them only for teams that have none yet
/// (new teams, or a failed read) or whose facts are older than this; a full resync (`fresh`)
/// re-reads every team's.
pub const CHANNEL_FACTS_MAX_AGE_DAYS: i64 = 7;

/// A `running` sync whose heartbeat is older than this belongs to a process that is gone.
pub const HEARTBEAT_STALE_SECS: i64 = 300;

/// Syncs the inventory of `app` (its installations in teams, chats and users).
pub async fn sync(
    ctx: &SyncContext<'_>,
    app: &CatalogApp,
    opts: &SyncOptions,
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<SyncReport, InstallsError> {
    let gen = start_generation(ctx.store, app, opts)?;
    let sync_id = gen.sync_id;
    let result = sync_generation(ctx, app, opts, gen, progress, cancel).await;
    if result.is_err() {
        // An aborted sync never stays "running": it can be resumed, and says it stopped.
        let _ = lock(ctx.store).connection().execute(
            "UPDATE inventory_sync SET status = 'failed', phase = 'stopped', finished_at = ?1
             WHERE id = ?2 AND status = 'running'",
            params![now_text(), sync_id],
        );
    }
    result
}

async fn sync_generation(
    ctx: &SyncContext<'_>,
    app: &CatalogApp,
    opts: &SyncOptions,
    mut gen: Generation,
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<SyncReport, InstallsError> {
    let mut report = SyncReport {
        status: "running".into(),
        resumed: gen.resumed,
        targets: 0,
        read: 0,
        failed: 0,
        removed: 0,
        round_trips: 0,
        sub_requests: 0,
        throttled: 0,
        retries: 0,
        users_incremental: false,
        warnings: Vec::new(),
    };
    let facts_cutoff =
        (chrono::Utc::now() - chrono::Duration::days(CHANNEL_FACTS_MAX_AGE_DAYS)).to_rfc3339();
    // Rows of this generation already read by an earlier, interrupted run of it.
    let already: u64 = lock(ctx.store)
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM inventory_item
         WHERE app_id = ?1 AND seen_generation = ?2 AND checked_generation = ?2",
            params![app.id.as_str(), gen.generation],
            |r| r.get::<_, i64>(0),
        )?
        .try_into()
        .unwrap_or(0);
    // Listing and reading overlap: each listed page's reads go to the executor while the next
    // page is fetched, so the reads start with the first page instead of after the last.
    let (sender, incoming) = mpsc::unbounded_channel();
    let queue = ReadQueue {
        sender: Mutex::new(Some(sender)),
        queued: Mutex::new(HashSet::new()),
        app_id: &app.id,
        channels: gen.channels,
        fresh: opts.fresh,
        total: AtomicU64::new(already),
    };
    // A listing that fails stops the reads too; the caller's cancel stops both.
    let reads_cancel = cancel.child_token();
    let phase = Phase::ReadingInstallations;
    let mut pending_rows: Vec<RowUpdate> = Vec::new();
    let mut partial: HashMap<(TargetKind, String), (RowUpdate, u8)> = HashMap::new();
    let mut done = already;
    let mut failed = 0u64;
    let mut channel_failures = 0u64;
    let mut skipped_kinds: Vec<TargetKind> = Vec::new();
    let generation = gen.generation;
    let sync_id = gen.sync_id;

    let listing = async {
        let result = list_and_queue(
            ctx,
            app,
            opts,
            &mut gen,
            &mut report,
            &mut skipped_kinds,
            &queue,
            &facts_cutoff,
            progress,
            cancel,
        )
        .await;
        if result.is_err() {
            reads_cancel.cancel();
        }
        // No more reads: the executor finishes what it has and returns.
        queue.close();
        result
    };
    let reading = ctx.executor.run_stream(
        ctx.tokens,
        incoming,
        &reads_cancel,
        |tag: ReadTag, response| {
            let key = (tag.kind, tag.id);
            let (update, left) = partial
                .entry(key.clone())
                .or_insert_with(|| (RowUpdate::new(key.0, &key.1), tag.parts));
            if tag.channels {
                update.apply_channels(&response);
                if !response.is_success() {
                    channel_failures += 1;
                }
            } else {
                update.apply_installs(&response, &app.id);
            }
            *left = left.saturating_sub(1);
            if *left > 0 {
                return;
            }
            let Some((update, _)) = partial.remove(&key) else {
                return;
            };
            done += 1;
            if update.failed() {
                failed += 1;
            }
            pending_rows.push(update);
            if pending_rows.len() >= 50 {
                if let Err(err) = flush_rows(ctx.store, app, generation, &mut pending_rows) {
                    tracing::error!(%err, "cannot write inventory rows");
                }
                heartbeat(ctx.store, sync_id);
                progress(&RunProgress {
                    phase,
                    total: queue.total.load(Ordering::Relaxed).max(done),
                    done,
                    failed,
                    run_id: None,
                });
            }
        },
    );
    let (listed, stats) = tokio::join!(listing, reading);
    flush_rows(ctx.store, app, gen.generation, &mut pending_rows)?;
    report.round_trips += stats.round_trips;
    report.sub_requests += stats.sub_requests;
    report.throttled += stats.throttled;
    report.retries += stats.retries;
    let kinds = listed?;
    if kinds.is_none() {
        return finish(ctx.store, &gen, app, &mut report, "cancelled");
    }
    let kinds: Vec<&str> = opts
        .kinds
        .iter()
        .filter(|k| !skipped_kinds.contains(k))
        .map(|k| k.as_str())
        .collect();
    let mut total_targets = 0i64;
    for kind in &kinds {
        total_targets += lock(ctx.store).connection().query_row(
            "SELECT COUNT(*) FROM inventory_item WHERE app_id = ?1 AND kind = ?2 AND seen_generation = ?3",
            params![app.id.as_str(), kind, gen.generation],
            |r| r.get::<_, i64>(0),
        )?;
    }
    report.targets = u64::try_from(total_targets).unwrap_or(0);
    report.read = done - already;
    report.failed = failed;
    if channel_failures > 0 {
        report.warnings.push(format!(
            "channel facts could not be read in {channel_failures} teams; each shows why (channelsError) and is read again next sync"
        ));
    }
    progress(&RunProgress {
        phase,
        total: report.targets,
        done,
        failed,
        run_id: None,
    });
    if cancel.is_cancelled() || stats.not_sent > 0 {
        return finish(ctx.store, &gen, app, &mut report, "cancelled");
    }
    // Cleanup: whatever this completed generation did not see is gone from the tenant.
    let removed = {
        let store = lock(ctx.store);
        let mut n = 0usize;
        for kind in &kinds {
            n += store.connection().execute(
                "DELETE FROM inventory_item WHERE app_id = ?1 AND kind = ?2 AND seen_generation < ?3",
                params![app.id.as_str(), kind, gen.generation],
            )?;
        }
        n
    };
    report.removed = removed as u64;
    finish(ctx.store, &gen, app, &mut report, "completed")
}

/// One read of a target: its installedApps read, or its channel list.
struct ReadTag {
    kind: TargetKind,
    id: String,
    /// The channel list, not the installedApps read.
    channels: bool,
    /// Reads this target needs before its row is complete (1, or 2 with channel facts).
    parts: u8,
}

/// Where the listing puts the reads of the targets it lists, each target once per run.
struct ReadQueue<'a> {
    /// `None` once the listing is over (the executor then finishes and returns).
    sender: Mutex<Option<mpsc::UnboundedSender<(ReadTag, SubRequest)>>>,
    queued: Mutex<HashSet<(TargetKind, String)>>,
    app_id: &'a CatalogAppId,
    /// This generation reads channel facts.
    channels: bool,
    /// A full resync: every team's channel facts are read again.
    fresh: bool,
    /// Targets of this generation known so far: the progress total.
    total: AtomicU64,
}

impl ReadQueue<'_> {
    /// Queues the reads of one target unless this run queued it already. `facts_stale`: its
    /// channel facts are missing or older than [`CHANNEL_FACTS_MAX_AGE_DAYS`].
    fn push(&self, kind: TargetKind, id: &str, facts_stale: bool) {
        let fresh_target = self
            .queued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((kind, id.to_string()));
        if !fresh_target {
            return;
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        let Some(sender) = sender.as_ref() else {
            return;
        };
        let channels = self.channels && kind == TargetKind::Team && (facts_stale || self.fresh);
        let parts = 1 + u8::from(channels);
        // A send fails only when the executor stopped taking requests (cancelled): the target
        // stays unread in this generation and the next run reads it.
        let _ = sender.send((
            ReadTag {
                kind,
                id: id.to_string(),
                channels: false,
                parts,
            },
            SubRequest::get(installed_apps_read(kind, id, self.app_id)),
        ));
        if channels {
            let _ = sender.send((
                ReadTag {
                    kind,
                    id: id.to_string(),
                    channels: true,
                    parts,
                },
                SubRequest::get(format!(
                    "/teams/{id}/channels?$select=id,displayName,membershipType"
                )),
            ));
        }
    }

    fn close(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Lists every kind not listed yet in this generation, queueing each listed page's reads as it
/// comes, then queues what the generation still has to read from earlier runs (a resumed sync,
/// unchanged users of a delta listing). Answers the kinds listed, or `None` when cancelled.
#[allow(clippy::too_many_arguments)]
async fn list_and_queue(
    ctx: &SyncContext<'_>,
    app: &CatalogApp,
    opts: &SyncOptions,
    gen: &mut Generation,
    report: &mut SyncReport,
    skipped_kinds: &mut Vec<TargetKind>,
    queue: &ReadQueue<'_>,
    facts_cutoff: &str,
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<Option<()>, InstallsError> {
    for kind in &opts.kinds {
        if gen.listed.iter().any(|k| k == kind.as_str()) {
            continue;
        }
        if cancel.is_cancelled() {
            return Ok(None);
        }
        progress(&RunProgress::new(
            kind.listing_phase(),
            0,
            queue.total.load(Ordering::Relaxed),
        ));
        set_phase(ctx.store, gen.sync_id, kind.listing_phase().label())?;
        let listed = match kind {
            TargetKind::Team => {
                list_teams(ctx, app, gen, report, queue, facts_cutoff, cancel).await
            }
            TargetKind::Chat => {
                list_chats(ctx, app, gen, report, queue, facts_cutoff, cancel).await
            }
            TargetKind::User => list_users(ctx, app, gen, report, queue, facts_cutoff, cancel)
                .await
                .map(|incremental| report.users_incremental = incremental),
        };
        match listed {
            Ok(()) => {}
            Err(InstallsError::Graph(e)) if matches!(e.status(), Some(401 | 403 | 404)) => {
                // One kind that cannot be listed never stops the others; its cached rows stay
                // as they were. The message carries Graph's code and request-id.
                let hint = if e.status() == Some(404) {
                    "Graph does not offer this list to this sign-in"
                } else {
                    "Sign in again granting the missing permission"
                };
                report
                    .warnings
                    .push(format!("{}s were not synced: {e}. {hint}", kind.as_str()));
                skipped_kinds.push(*kind);
                continue;
            }
            Err(e) => return Err(e),
        }
        if cancel.is_cancelled() {
            return Ok(None);
        }
        gen.listed.push(kind.as_str().to_string());
        let listed = serde_json::to_string(&gen.listed).unwrap_or_else(|_| "[]".into());
        lock(ctx.store).connection().execute(
            "UPDATE inventory_sync SET listed = ?1 WHERE id = ?2",
            params![listed, gen.sync_id],
        )?;
    }
    set_phase(ctx.store, gen.sync_id, Phase::ReadingInstallations.label())?;
    // Every listed target of this generation not read by it yet and not queued by this run.
    let kinds: Vec<&str> = opts
        .kinds
        .iter()
        .filter(|k| !skipped_kinds.contains(k))
        .map(|k| k.as_str())
        .collect();
    let rest: Vec<(TargetKind, String, bool)> = {
        let store = lock(ctx.store);
        let mut stmt = store.connection().prepare(
            "SELECT kind, target_id, channels_checked_at IS NULL OR channels_checked_at < ?3
             FROM inventory_item
             WHERE app_id = ?1 AND seen_generation = ?2 AND checked_generation < ?2
             ORDER BY kind, target_id",
        )?;
        let rows = stmt.query_map(
            params![app.id.as_str(), gen.generation, facts_cutoff],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, id, stale) = row?;
            if let Some(k) = TargetKind::parse(&kind).filter(|k| kinds.contains(&k.as_str())) {
                out.push((k, id, stale));
            }
        }
        out
    };
    for (kind, id, stale) in rest {
        queue.push(kind, &id, stale);
    }
    Ok(Some(()))
}

fn set_phase(store: &Mutex<Store>, sync_id: i64, phase: &str) -> Result<(), InstallsError> {
    lock(store).connection().execute(
        "UPDATE inventory_sync SET phase = ?1, heartbeat_at = ?3 WHERE id = ?2",
        params![phase, sync_id, now_text()],
    )?;
    Ok(())
}

/// "Still running": without it, a sync whose process died would look running forever.
fn heartbeat(store: &Mutex<Store>, sync_id: i64) {
    if let Err(err) = lock(store).connection().execute(
        "UPDATE inventory_sync SET heartbeat_at = ?1 WHERE id = ?2",
        params![now_text(), sync_id],
    ) {
        tracing::warn!(%err, "cannot record the sync's heartbeat");
    }
}

fn finish(
    store: &Mutex<Store>,
    gen: &Generation,
    app: &CatalogApp,
    report: &mut SyncReport,
    status: &str,
) -> Result<SyncReport, InstallsError> {
    let store = lock(store);
    let conn = store.connection();
    let (done, failed): (i64, i64) = conn.query_row(
        "SELECT COUNT(*) FILTER (WHERE checked_generation = ?2),
                COUNT(*) FILTER (WHERE checked_generation = ?2 AND state = 'failed')
         FROM inventory_item WHERE app_id = ?1 AND seen_generation = ?2",
        params![app.id.as_str(), gen.generation],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    conn.execute(
        "UPDATE inventory_sync SET status = ?1, phase = ?2, finished_at = ?3, total = ?4, done = ?5, failed = ?6
         WHERE id = ?7",
        params![
            status,
            if status == "completed" { "done" } else { "stopped" },
            now_text(),
            report.targets as i64,
            done,
            failed,
            gen.sync_id
        ],
    )?;
    report.status = status.to_string();
    report.failed = u64::try_from(failed).unwrap_or(0);
    Ok(report.clone())
}

/// Why a team's channel list could not be read. Its text is what the row keeps in
/// `channels_error` (and the CLI and window show): status, Graph's code and request-id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ChannelReadError {
    /// Graph (or the network) refused the read.
    #[error("{}{}", failure_text(*.status, .code.as_deref(), .message), request_id_text(.request_id.as_deref()))]
    Refused {
        status: u16,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    },
    /// A success without the `value` array a channel list must carry.
    #[error("the channel list had no `value`{}", request_id_text(.request_id.as_deref()))]
    NoValue { request_id: Option<String> },
    /// A success whose channels lack a field BotDeck reads (or have the wrong type).
    #[error("the channel list could not be read: {reason}{}", request_id_text(.request_id.as_deref()))]
    Malformed {
        reason: String,
        request_id: Option<String>,
    },
}

fn failure_text(status: u16, code: Option<&str>, message: &str) -> String {
    match code {
        Some(code) => format!("HTTP {status} {code}: {message}"),
        None => message.to_string(),
    }
}

fn request_id_text(request_id: Option<&str>) -> String {
    request_id
        .map(|id| format!(" (request-id {id})"))
        .unwrap_or_default()
}

impl ChannelReadError {
    fn of(r: &SubResponse) -> Self {
        let request_id = r.request_id.clone();
        if r.is_success() {
            return Self::NoValue { request_id };
        }
        Self::Refused {
            status: r.status,
            code: r.error_code().filter(|c| !c.is_empty()).map(str::to_string),
            message: r.error_message(),
            request_id,
        }
    }
}

#[derive(Debug, Clone)]
struct RowUpdate {
    kind: TargetKind,
    id: String,
    state: &'static str,
    installation_id: Option<String>,
    version: Option<String>,
    definition_id: Option<String>,
    error: Option<(u16, String, String)>,
    /// `Some(Ok(facts))` read now, `Some(Err(why))` the read failed, `None` not read.
    channels: Option<Result<ChannelFacts, ChannelReadError>>,
}

impl RowUpdate {
    fn new(kind: TargetKind, id: &str) -> Self {
        Self {
            kind,
            id: id.to_string(),
            state: "unknown",
            installation_id: None,
            version: None,
            definition_id: None,
            error: None,
            channels: None,
        }
    }

    fn failed(&self) -> bool {
        self.state == "failed"
    }

    fn apply_installs(&mut self, r: &SubResponse, app_id: &str) {
        if !r.is_success() {
            self.state = "failed";
            self.error = Some((
                r.status,
                r.error_code().unwrap_or("").to_string(),
                r.error_message(),
            ));
            return;
        }
        let first = match installed_apps::of_app(r.body.as_ref(), app_id) {
            Ok(found) => found.into_iter().next(),
            Err(err) => {
                // Not "not installed": the row says the answer could not be read.
                self.state = "failed";
                self.error = Some((r.status, "MalformedAnswer".into(), err.to_string()));
                return;
            }
        };
        match first {
            None => self.state = "not_installed",
            Some(inst) => {
                self.state = "installed";
                self.version = inst.version().map(str::to_string);
                self.definition_id = inst.definition_id().map(str::to_string);
                self.installation_id = Some(inst.id);
            }
        }
    }

    fn apply_channels(&mut self, r: &SubResponse) {
        let page = r
            .body
            .as_ref()
            .filter(|_| r.is_success())
            .map(resources::page::<Channel>);
        self.channels = Some(match page {
            Some(Ok(page)) => Ok(ChannelFacts::of(&page.value)),
            // A success whose list cannot be read says so, with the field that was wrong.
            Some(Err(err)) if r.body.as_ref().and_then(|b| b.get("value")).is_some() => {
                Err(ChannelReadError::Malformed {
                    reason: err.source.to_string(),
                    request_id: r.request_id.clone(),
                })
            }
            // Channel facts are extra: a failed read does not fail the row, but the row says
            // why its facts are missing or old, and the next sync reads them again.
            _ => Err(ChannelReadError::of(r)),
        });
    }
}

fn flush_rows(
    store: &Mutex<Store>,
    app: &CatalogApp,
    generation: i64,
    rows: &mut Vec<RowUpdate>,
) -> Result<(), InstallsError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut store = lock(store);
    let tx = store.connection_mut().transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE inventory_item SET state = ?4, installation_id = ?5, version = ?6, version_key = ?7,
                definition_id = ?8, error_status = ?9, error_code = ?10, error_message = ?11,
                checked_at = ?12, checked_generation = ?13,
                general_channel = CASE WHEN ?17 THEN ?14 ELSE general_channel END,
                private_channels = CASE WHEN ?17 THEN ?15 ELSE private_channels END,
                shared_channels = CASE WHEN ?17 THEN ?16 ELSE shared_channels END,
                channels_checked_at = CASE WHEN ?17 THEN ?12 WHEN ?18 IS NOT NULL THEN NULL
                    ELSE channels_checked_at END,
                channels_error = CASE WHEN ?17 THEN NULL WHEN ?18 IS NOT NULL THEN ?18
                    ELSE channels_error END
             WHERE app_id = ?1 AND kind = ?2 AND target_id = ?3",
        )?;
        let now = now_text();
        for r in rows.iter() {
            let (general, private, shared, read, error) = match &r.channels {
                Some(Ok(f)) => (
                    f.general.clone(),
                    Some(f.private),
                    Some(f.shared),
                    true,
                    None,
                ),
                Some(Err(why)) => (None, None, None, false, Some(why.to_string())),
                None => (None, None, None, false, None),
            };
            stmt.execute(params![
                app.id.as_str(),
                r.kind.as_str(),
                r.id,
                r.state,
                r.installation_id,
                r.version,
                r.version.as_deref().map(version_key),
                r.definition_id,
                r.error.as_ref().map(|e| e.0),
                r.error.as_ref().map(|e| e.1.clone()),
                r.error.as_ref().map(|e| e.2.clone()),
                now,
                generation,
                general,
                private,
                shared,
                read,
                error,
            ])?;
        }
    }
    tx.commit()?;
    rows.clear();
    Ok(())
}

/// Pages through a listing of `T`, waiting out throttling (Retry-After, else backoff). A page
/// that is not a page of `T` stops the listing with a typed error naming the field.
async fn each_page<T: Resource>(
    ctx: &SyncContext<'_>,
    first: &str,
    cancel: &CancellationToken,
    mut on_page: impl FnMut(Vec<T>) -> Result<(), InstallsError>,
) -> Result<Option<String>, InstallsError> {
    let mut next = Some(first.to_string());
    let mut delta_link = None;
    let mut pages = 0u32;
    while let Some(link) = next.take() {
        pages += 1;
        if pages > 100_000 {
            return Err(InstallsError::Invalid(
                "more than 100 000 pages; stopping".into(),
            ));
        }
        if cancel.is_cancelled() {
            return Ok(None);
        }
        let token = ctx.tokens.token().await.map_err(InstallsError::Token)?;
        // The client paces the call and waits out throttling (Retry-After, else backoff).
        let answer = tokio::select! {
            r = ctx.graph.send_raw(&token, Method::GET, &link, None) => r?,
            _ = cancel.cancelled() => return Ok(None),
        };
        let page = match answer {
            r if (200..300).contains(&r.status)
                && r.body.as_ref().is_some_and(|b| b.get("error").is_none()) =>
            {
                resources::page::<T>(r.body.as_ref().unwrap_or(&Value::Null))
                    .map_err(GraphError::from)?
            }
            r => {
                // Graph's error shape when it is one; a failure either way.
                let (code, message) = errors::code_and_message(r.body.as_ref());
                return Err(InstallsError::Graph(GraphError::Http {
                    status: r.status,
                    code,
                    message,
                    request_id: r.request_id,
                    retry_after: r.retry_after,
                }));
            }
        };
        next = page.next_link;
        if page.delta_link.is_some() {
            delta_link = page.delta_link;
        }
        on_page(page.value)?;
    }
    Ok(delta_link)
}

struct ListedTarget {
    id: String,
    name: String,
    detail: Option<String>,
    archived: bool,
    visibility: Option<String>,
}

/// Records a listed page as seen by this generation. Answers the targets this generation has
/// not read yet, each with whether its channel facts are missing or older than `facts_cutoff`.
fn upsert_targets(
    store: &Mutex<Store>,
    app: &CatalogApp,
    kind: TargetKind,
    generation: i64,
    targets: &[ListedTarget],
    facts_cutoff: &str,
) -> Result<Vec<(String, bool)>, InstallsError> {
    let mut store = lock(store);
    let tx = store.connection_mut().transaction()?;
    let mut unread = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO inventory_item (app_id, kind, target_id, display_name, detail, archived, visibility, seen_generation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(app_id, kind, target_id) DO UPDATE SET display_name = excluded.display_name,
                detail = excluded.detail, archived = excluded.archived, visibility = excluded.visibility,
                seen_generation = excluded.seen_generation
             RETURNING checked_generation < ?8,
                channels_checked_at IS NULL OR channels_checked_at < ?9",
        )?;
        for t in targets {
            let (needs_read, facts_stale) = stmt.query_row(
                params![
                    app.id.as_str(),
                    kind.as_str(),
                    t.id,
                    t.name,
                    t.detail,
                    t.archived as i64,
                    t.visibility,
                    generation,
                    facts_cutoff
                ],
                |r| Ok((r.get::<_, bool>(0)?, r.get::<_, bool>(1)?)),
            )?;
            if needs_read {
                unread.push((t.id.clone(), facts_stale));
            }
        }
    }
    tx.execute(
        "UPDATE inventory_sync SET heartbeat_at = ?3 WHERE app_id = ?1 AND generation = ?2",
        params![app.id.as_str(), generation, now_text()],
    )?;
    tx.commit()?;
    Ok(unread)
}

async fn list_teams(
    ctx: &SyncContext<'_>,
    app: &CatalogApp,
    gen: &Generation,
    report: &mut SyncReport,
    queue: &ReadQueue<'_>,
    facts_cutoff: &str,
    cancel: &CancellationToken,
) -> Result<(), InstallsError> {
    each_page(ctx, "/teams?$top=999", cancel, |teams: Vec<Team>| {
        report.round_trips += 1;
        let targets: Vec<ListedTarget> = teams
            .into_iter()
            .map(|t| ListedTarget {
                name: t.display_name.unwrap_or_default(),
                detail: t.description,
                archived: t.is_archived.unwrap_or(false),
                visibility: t.visibility,
                id: t.id,
            })
            .collect();
        let unread = upsert_targets(
            ctx.store,
            app,
            TargetKind::Team,
            gen.generation,
            &targets,
            facts_cutoff,
        )?;
        for (id, facts_stale) in unread {
            queue.push(TargetKind::Team, &id, facts_stale);
        }
        Ok(())
    })
    .await?;
    Ok(())
}

async fn list_chats(
    ctx: &SyncContext<'_>,
    app: &CatalogApp,
    gen: &Generation,
    report: &mut SyncReport,
    queue: &ReadQueue<'_>,
    facts_cutoff: &str,
    cancel: &CancellationToken,
) -> Result<(), InstallsError> {
    each_page(ctx, "/chats?$top=50", cancel, |chats: Vec<Chat>| {
        report.round_trips += 1;
        let targets: Vec<ListedTarget> = chats
            .into_iter()
            .filter(Chat::is_group)
            .map(|c| ListedTarget {
                name: c
                    .topic
                    .unwrap_or_else(|| "(group chat without a topic)".into()),
                detail: Some(c.chat_type),
                archived: false,
                visibility: None,
                id: c.id,
            })
            .collect();
        let unread = upsert_targets(
            ctx.store,
            app,
            TargetKind::Chat,
            gen.generation,
            &targets,
            facts_cutoff,
        )?;
        for (id, facts_stale) in unread {
            queue.push(TargetKind::Chat, &id, facts_stale);
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// Lists users with a delta query; answers whether it was incremental.
async fn list_users(
    ctx: &SyncContext<'_>,
    app: &CatalogApp,
    gen: &Generation,
    report: &mut SyncReport,
    queue: &ReadQueue<'_>,
    facts_cutoff: &str,
    cancel: &CancellationToken,
) -> Result<bool, InstallsError> {
    let saved: Option<String> = lock(ctx.store)
        .connection()
        .query_row(
            "SELECT delta_link FROM inventory_delta WHERE app_id = ?1 AND kind = 'user'",
            [app.id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    let full = "/users/delta?$select=id,displayName,userPrincipalName,accountEnabled".to_string();
    let incremental = saved.is_some();
    if incremental {
        // Unchanged users are not listed again: they stay part of this generation.
        lock(ctx.store).connection().execute(
            "UPDATE inventory_item SET seen_generation = ?2 WHERE app_id = ?1 AND kind = 'user'",
            params![app.id.as_str(), gen.generation],
        )?;
    }
    let run = |start: String| {
        let mut removed: Vec<String> = Vec::new();
        let store = ctx.store;
        let app_ref = app;
        let generation = gen.generation;
        async move {
            let mut pages = 0u64;
            let link = each_page(ctx, &start, cancel, |users: Vec<User>| {
                pages += 1;
                let mut targets = Vec::new();
                for u in users {
                    if u.is_gone() {
                        removed.push(u.id);
                        continue;
                    }
                    targets.push(ListedTarget {
                        name: u.display_name.unwrap_or_default(),
                        detail: u.user_principal_name,
                        archived: false,
                        visibility: None,
                        id: u.id,
                    });
                }
                upsert_targets(store, app_ref, TargetKind::User, generation, &targets, facts_cutoff)?;
                // A changed user is read again even when the generation is resumed.
                let s = lock(store);
                for t in &targets {
                    s.connection().execute(
                        "UPDATE inventory_item SET checked_generation = 0 WHERE app_id = ?1 AND kind = 'user' AND target_id = ?2 AND checked_generation = ?3",
                        params![app_ref.id.as_str(), t.id, generation],
                    )?;
                }
                drop(s);
                // Every user listed here is unread now (a changed user is read again).
                for t in &targets {
                    queue.push(TargetKind::User, &t.id, false);
                }
                Ok(())
            })
            .await;
            (link, removed, pages)
        }
    };
    let (mut link, mut removed, mut pages) =
        run(saved.clone().unwrap_or_else(|| full.clone())).await;
    let mut was_incremental = incremental;
    if incremental {
        if let Err(InstallsError::Graph(e)) = &link {
            if e.status() == Some(410) {
                // The delta token expired (7 days): list everyone again.
                was_incremental = false;
                (link, removed, pages) = run(full).await;
            }
        }
    }
    report.round_trips += pages;
    let link = link?;
    let store = lock(ctx.store);
    for id in &removed {
        store.connection().execute(
            "DELETE FROM inventory_item WHERE app_id = ?1 AND kind = 'user' AND target_id = ?2",
            params![app.id.as_str(), id],
        )?;
    }
    if let Some(link) = link {
        store.connection().execute(
            "INSERT INTO inventory_delta (app_id, kind, delta_link, saved_at) VALUES (?1, 'user', ?2, ?3)
             ON CONFLICT(app_id, kind) DO UPDATE SET delta_link = excluded.delta_link, saved_at = excluded.saved_at",
            params![app.id.as_str(), link, now_text()],
        )?;
    }
    Ok(was_incremental)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: Option<Value>) -> SubResponse {
        SubResponse {
            status,
            request_id: Some("req-1".into()),
            body,
            attempts: 1,
        }
    }

    #[test]
    fn a_refused_channel_read_keeps_status_code_message_and_request_id() {
        let mut row = RowUpdate::new(TargetKind::Team, "t1");
        row.apply_channels(&answer(
            403,
            Some(json!({"error": {"code": "Forbidden", "message": "Archived team"}})),
        ));
        let Some(Err(why)) = &row.channels else {
            panic!("the read failed: {:?}", row.channels);
        };
        assert!(matches!(why, ChannelReadError::Refused { status: 403, .. }));
        assert_eq!(
            why.to_string(),
            "HTTP 403 Forbidden: Archived team (request-id req-1)"
        );
        assert!(!row.failed(), "channel facts never fail the row");
    }

    #[test]
    fn an_answer_without_value_or_code_says_what_it_lacked() {
        let mut row = RowUpdate::new(TargetKind::Team, "t1");
        row.apply_channels(&answer(200, Some(json!({"odd": true}))));
        let Some(Err(why)) = &row.channels else {
            panic!("no value is a failed read: {:?}", row.channels);
        };
        assert_eq!(
            why.to_string(),
            "the channel list had no `value` (request-id req-1)"
        );
        let mut row = RowUpdate::new(TargetKind::Team, "t1");
        row.apply_channels(&SubResponse {
            status: 0,
            request_id: None,
            body: None,
            attempts: 3,
        });
        let Some(Err(why)) = &row.channels else {
            panic!("no answer is a failed read");
        };
        assert_eq!(why.to_string(), "no answer from Microsoft Graph");
    }

    #[test]
    fn a_malformed_channel_list_is_a_failed_read_naming_the_field() {
        for (body, says) in [
            (
                json!({"value": [{"displayName": "General"}]}),
                "missing field `id`",
            ),
            (json!({"value": [{"id": 7}]}), "invalid type"),
            (json!({"value": {"id": "c1"}}), "invalid type"),
        ] {
            let mut row = RowUpdate::new(TargetKind::Team, "t1");
            row.apply_channels(&answer(200, Some(body.clone())));
            let Some(Err(why)) = &row.channels else {
                panic!("{body} must be a failed read: {:?}", row.channels);
            };
            let text = why.to_string();
            assert!(
                text.starts_with("the channel list could not be read: ") && text.contains(says),
                "{body}: {text}"
            );
            assert!(text.ends_with("(request-id req-1)"), "{text}");
            assert!(!row.failed(), "channel facts never fail the row");
        }
    }

    #[test]
    fn a_channel_list_gives_the_general_channel_and_the_counts() {
        let mut row = RowUpdate::new(TargetKind::Team, "t1");
        row.apply_channels(&answer(
            200,
            Some(json!({"value": [
                {"id": "c0", "displayName": "Ops", "membershipType": "standard"},
                {"id": "c1", "displayName": "General", "membershipType": "standard"},
                {"id": "c2", "displayName": "Secret", "membershipType": "private"},
                {"id": "c3", "displayName": "Shared", "membershipType": "shared"}
            ]})),
        ));
        assert_eq!(
            row.channels,
            Some(Ok(ChannelFacts {
                general: Some("c1".into()),
                private: 1,
                shared: 1
            }))
        );
    }
}
