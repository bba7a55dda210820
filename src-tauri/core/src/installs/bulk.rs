//! Bulk install / upgrade / uninstall with a journal.
//!
//! A run is planned (the dry run shows the plan), written to `bulk_item` with
//! `synchronous=FULL`, and executed through the paced executor. Items are marked `in_flight`
//! before anything is sent; an item found `in_flight` when a run is resumed (BotDeck was killed
//! while it was on the wire) is first *verified* with a read, so nothing is installed twice.
//! "Already installed" (409), "already at this version" and "already gone" (404 on delete)
//! count as success. Every finished item lands in the audit log with Graph's request-id.

use crate::progress::Phase;
use std::sync::Mutex;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::query::{where_clause, InventoryQuery};
use super::sync::SyncContext;
use super::{installed_apps_read, now_text, InstallsError, ProgressFn, RunProgress, TargetKind};
use crate::audit::{AuditEntry, Outcome};
use crate::catalog::{version_key, Actor, CatalogApp, RscPermission};
use crate::ids::CatalogAppId;
use crate::store::{id_column, Store};
use botdeck_graph::resources::installed_apps;
use botdeck_graph::{SubRequest, SubResponse};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    Install,
    Upgrade,
    Uninstall,
}

impl BulkAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Install => "install",
            Self::Upgrade => "upgrade",
            Self::Uninstall => "uninstall",
        }
    }

    pub fn phase(self) -> Phase {
        match self {
            Self::Install => Phase::Installing,
            Self::Upgrade => Phase::Upgrading,
            Self::Uninstall => Phase::Uninstalling,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "install" => Some(Self::Install),
            "upgrade" => Some(Self::Upgrade),
            "uninstall" => Some(Self::Uninstall),
            _ => None,
        }
    }
}

/// Which targets: a filter over the inventory, explicit ids, or both (union).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Selection {
    pub filter: Option<InventoryQuery>,
    pub ids: Vec<TargetRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TargetRef {
    pub kind: TargetKind,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedItem {
    pub kind: TargetKind,
    pub target_id: String,
    pub target_name: Option<String>,
    pub installation_id: Option<String>,
    pub from_version: Option<String>,
    /// Facts the admin should see before running (e.g. private channels).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SkippedItem {
    pub kind: TargetKind,
    pub target_id: String,
    pub target_name: Option<String>,
    pub reason: String,
}

/// What a run would do: the dry run's answer, and the input of [`create_run`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkPlan {
    pub action: BulkAction,
    pub app_id: CatalogAppId,
    pub app_name: String,
    /// The published version installs and upgrades end at.
    pub target_version: Option<String>,
    /// RSC permissions consented on install and upgrade (the published definition's).
    pub consent: Vec<RscPermission>,
    pub items: Vec<PlannedItem>,
    pub skipped: Vec<SkippedItem>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Pending,
    /// Sent (or about to be) and not answered yet; verified before it is sent again.
    InFlight,
    Succeeded,
    AlreadyDone,
    Failed,
}

impl ItemState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Succeeded => "succeeded",
            Self::AlreadyDone => "already_done",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "in_flight" => Self::InFlight,
            "succeeded" => Self::Succeeded,
            "already_done" => Self::AlreadyDone,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// One item of a run and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    pub kind: TargetKind,
    pub target_id: String,
    pub target_name: Option<String>,
    pub state: ItemState,
    pub status: Option<u16>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub run_id: String,
    pub action: BulkAction,
    pub app_name: String,
    /// running, completed, cancelled, interrupted.
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub succeeded: u64,
    #[ts(type = "number")]
    pub already_done: u64,
    #[ts(type = "number")]
    pub failed: u64,
    /// Not attempted: never sent (the run was cancelled or interrupted before them).
    #[ts(type = "number")]
    pub pending: u64,
    /// The admin asked this execution to stop. With `pending == 0` the cancel came after every
    /// request was already on the wire, and the run completed.
    #[serde(default)]
    pub cancel_requested: bool,
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Plans `action` of `app` for the selection, from the inventory cache.
pub fn plan(
    store: &Store,
    app: &CatalogApp,
    action: BulkAction,
    selection: &Selection,
) -> Result<BulkPlan, InstallsError> {
    let published = app.published();
    let target_version = published.map(|d| d.version.clone());
    let consent = published
        .map(|d| d.required_rsc.clone())
        .unwrap_or_default();
    let mut warnings = app.visibility_warnings();
    if published.is_none() && action != BulkAction::Uninstall {
        return Err(InstallsError::Invalid(format!(
            "{} has no published version to install: approve or publish one first",
            app.display_name
        )));
    }
    struct Candidate {
        kind: TargetKind,
        id: String,
        name: Option<String>,
        archived: bool,
        state: Option<String>,
        installation_id: Option<String>,
        version: Option<String>,
        private_channels: Option<u32>,
        shared_channels: Option<u32>,
    }
    let conn = store.connection();
    let mut candidates: Vec<Candidate> = Vec::new();
    let select = "SELECT kind, target_id, display_name, archived, state, installation_id, version,
                         private_channels, shared_channels FROM inventory_item";
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Candidate> {
        let kind: String = r.get(0)?;
        Ok(Candidate {
            kind: TargetKind::parse(&kind).unwrap_or(TargetKind::Team),
            id: r.get(1)?,
            name: r.get(2)?,
            archived: r.get::<_, i64>(3)? != 0,
            state: r.get(4)?,
            installation_id: r.get(5)?,
            version: r.get(6)?,
            private_channels: r.get(7)?,
            shared_channels: r.get(8)?,
        })
    };
    if let Some(filter) = &selection.filter {
        filter.check()?;
        let (clause, params) = where_clause(&app.id, filter);
        let mut stmt = conn.prepare(&format!(
            "{select} WHERE {clause} ORDER BY kind, display_name COLLATE NOCASE, target_id"
        ))?;
        for c in stmt.query_map(rusqlite::params_from_iter(params.iter()), read)? {
            candidates.push(c?);
        }
    }
    for target in &selection.ids {
        if candidates
            .iter()
            .any(|c| c.kind == target.kind && c.id == target.id)
        {
            continue;
        }
        let cached = conn
            .query_row(
                &format!("{select} WHERE app_id = ?1 AND kind = ?2 AND target_id = ?3"),
                params![app.id.as_str(), target.kind.as_str(), target.id],
                read,
            )
            .optional()?;
        candidates.push(cached.unwrap_or(Candidate {
            kind: target.kind,
            id: target.id.clone(),
            name: None,
            archived: false,
            state: None,
            installation_id: None,
            version: None,
            private_channels: None,
            shared_channels: None,
        }));
    }
    if candidates.iter().any(|c| c.state.is_none()) {
        warnings.push(
            "some targets are not in the inventory cache: run `installs sync` for an exact plan"
                .into(),
        );
    }
    let target_key = target_version.as_deref().map(version_key);
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    for c in candidates {
        let skip = |reason: &str| SkippedItem {
            kind: c.kind,
            target_id: c.id.clone(),
            target_name: c.name.clone(),
            reason: reason.to_string(),
        };
        let installed = c.state.as_deref() == Some("installed");
        let reason = match action {
            _ if c.archived && action != BulkAction::Uninstall => {
                Some("archived team: Teams refuses changes until it is unarchived")
            }
            BulkAction::Install if installed => Some("already installed"),
            // A target the cache has never seen (an explicit id) is not skipped: the run reads
            // its installation first.
            BulkAction::Upgrade | BulkAction::Uninstall if c.state.is_some() && !installed => {
                Some("not installed")
            }
            BulkAction::Upgrade if c.version.as_deref().map(version_key) >= target_key => {
                Some("already at the published version")
            }
            _ => None,
        };
        if let Some(reason) = reason {
            skipped.push(skip(reason));
            continue;
        }
        let note = match (c.private_channels, c.shared_channels) {
            (Some(p), Some(s)) if p + s > 0 && action != BulkAction::Uninstall => Some(format!(
                "{p} private and {s} shared channel(s): the bot is installed for the team but bots are not supported in private or shared channels"
            )),
            _ => None,
        };
        items.push(PlannedItem {
            kind: c.kind,
            target_id: c.id,
            target_name: c.name,
            installation_id: c.installation_id,
            from_version: c.version,
            note,
        });
    }
    Ok(BulkPlan {
        action,
        app_id: app.id.clone(),
        app_name: app.display_name.clone(),
        target_version,
        consent,
        items,
        skipped,
        warnings,
    })
}

/// Runs a closure in one transaction. The journal lives in the state database, which is always
/// written with `synchronous=FULL`: it must survive a power cut.
fn durably<T>(
    store: &mut Store,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, InstallsError>,
) -> Result<T, InstallsError> {
    let tx = store.connection_mut().transaction()?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// How many items are journalled as in flight at a time: four `$batch` requests' worth, enough
/// to keep the paced executor busy, few enough that a resume after a crash reads back at most
/// this many items instead of the whole run.
pub const JOURNAL_CHUNK: usize = 4 * botdeck_graph::MAX_BATCH;

/// Journals a plan as a new run; answers its id.
pub fn create_run(
    store: &Mutex<Store>,
    plan: &BulkPlan,
    actor: &Actor,
) -> Result<String, InstallsError> {
    let run_id = uuid::Uuid::new_v4().to_string();
    let consent = serde_json::to_string(&plan.consent)
        .map_err(|e| InstallsError::Invalid(format!("cannot encode the consent set: {e}")))?;
    let mut store = lock(store);
    durably(&mut store, |tx| {
        tx.execute(
            "INSERT INTO bulk_run (id, app_id, app_name, action, created_at, status, actor, profile_id, tenant_id, target_version, consent)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?8, ?9, ?10)",
            params![run_id, plan.app_id.as_str(), plan.app_name, plan.action.as_str(), now_text(), actor.upn,
                    actor.profile_id, actor.tenant_id, plan.target_version, consent],
        )?;
        let mut stmt = tx.prepare(
            "INSERT OR IGNORE INTO bulk_item (run_id, seq, kind, target_id, target_name, installation_id, from_version, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')",
        )?;
        for (seq, item) in plan.items.iter().enumerate() {
            stmt.execute(params![
                run_id,
                seq as i64,
                item.kind.as_str(),
                item.target_id,
                item.target_name,
                item.installation_id,
                item.from_version
            ])?;
        }
        Ok(())
    })?;
    Ok(run_id)
}

struct RunRow {
    app_id: CatalogAppId,
    app_name: String,
    action: BulkAction,
    target_version: Option<String>,
    consent: Vec<RscPermission>,
    actor: Actor,
}

fn load_run(store: &Store, run_id: &str) -> Result<RunRow, InstallsError> {
    store
        .connection()
        .query_row(
            "SELECT app_id, app_name, action, target_version, consent, actor, profile_id, tenant_id
             FROM bulk_run WHERE id = ?1",
            [run_id],
            |r| {
                let action: String = r.get(2)?;
                let consent: String = r.get(4)?;
                Ok(RunRow {
                    app_id: id_column(r, 0)?,
                    app_name: r.get(1)?,
                    action: BulkAction::parse(&action).unwrap_or(BulkAction::Install),
                    target_version: r.get(3)?,
                    consent: serde_json::from_str(&consent).unwrap_or_default(),
                    actor: Actor {
                        upn: r.get(5)?,
                        profile_id: r.get(6)?,
                        tenant_id: r.get(7)?,
                    },
                })
            },
        )
        .optional()?
        .ok_or_else(|| InstallsError::UnknownRun(run_id.to_string()))
}

#[derive(Debug, Clone)]
struct WorkItem {
    kind: TargetKind,
    target_id: String,
    target_name: Option<String>,
    installation_id: Option<String>,
    state: ItemState,
}

fn load_open_items(store: &Store, run_id: &str) -> Result<Vec<WorkItem>, InstallsError> {
    let conn = store.connection();
    let mut stmt = conn.prepare(
        "SELECT kind, target_id, target_name, installation_id, state FROM bulk_item
         WHERE run_id = ?1 AND state IN ('pending', 'in_flight') ORDER BY seq",
    )?;
    let rows = stmt.query_map([run_id], |r| {
        let kind: String = r.get(0)?;
        let state: String = r.get(4)?;
        Ok(WorkItem {
            kind: TargetKind::parse(&kind).unwrap_or(TargetKind::Team),
            target_id: r.get(1)?,
            target_name: r.get(2)?,
            installation_id: r.get(3)?,
            state: ItemState::parse(&state),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A finished (or re-planned) item, written with the next journal flush.
struct Finished {
    kind: TargetKind,
    target_id: String,
    target_name: Option<String>,
    state: ItemState,
    installation_id: Option<String>,
    status: Option<u16>,
    error_code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    attempts: u32,
    /// Inventory row after the change: (state, version).
    inventory: Option<(&'static str, Option<String>)>,
}

/// Requests per `$batch` in a bulk run: at Microsoft's 30 writes a second a batch of 20 waits
/// two thirds of a second for its slot and answers all at once; four answer every ~130 ms, so
/// progress advances item by item and a cancel leaves at most a few requests on the wire. The
/// rate is the pacer's either way; only the number of round trips grows.
pub const BULK_BATCH: usize = 4;

/// Executes (or resumes) a run until every item is finished or the run is cancelled.
///
/// Cancel stops after the requests on the wire: their answers are recorded, everything not yet
/// sent stays `pending` ("not attempted") for a later resume.
pub async fn execute_run(
    ctx: &SyncContext<'_>,
    run_id: &str,
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<RunSummary, InstallsError> {
    let run = load_run(&lock(ctx.store), run_id)?;
    let mut executor = ctx.executor.clone();
    executor.max_batch = BULK_BATCH;
    let executor = &executor;
    lock(ctx.store).connection().execute(
        "UPDATE bulk_run SET status = 'running', finished_at = NULL WHERE id = ?1",
        [run_id],
    )?;
    let mut items = load_open_items(&lock(ctx.store), run_id)?;
    let counts = summary(&lock(ctx.store), run_id)?;
    let total = counts.total;
    let mut done = counts.total - counts.pending;
    let mut failed = counts.failed;
    let phase = run.action.phase();
    let report = |phase: Phase, done: u64, failed: u64| {
        progress(&RunProgress {
            phase,
            total,
            done,
            failed,
            run_id: Some(run_id.to_string()),
        })
    };

    // 1. Items that were on the wire when BotDeck stopped: ask Graph what happened.
    let uncertain: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.state == ItemState::InFlight)
        .map(|(n, _)| n)
        .collect();
    if !uncertain.is_empty() {
        report(Phase::VerifyingInterrupted, done, failed);
        let requests: Vec<SubRequest> = uncertain
            .iter()
            .filter_map(|&n| items.get(n))
            .map(|i| SubRequest::get(installed_apps_read(i.kind, &i.target_id, &run.app_id)))
            .collect();
        let mut verdicts: Vec<(usize, Option<Finished>, Option<String>)> = Vec::new();
        executor
            .run(ctx.tokens, &requests, cancel, |index, response| {
                let Some(&n) = uncertain.get(index) else {
                    return;
                };
                let Some(item) = items.get(n) else { return };
                verdicts.push(verify(&run, item, n, &response));
            })
            .await;
        let mut finished = Vec::new();
        for (n, verdict, installation_id) in verdicts {
            if let Some(item) = items.get_mut(n) {
                if installation_id.is_some() {
                    item.installation_id = installation_id;
                }
                match verdict {
                    Some(f) => {
                        item.state = f.state;
                        finished.push(f);
                    }
                    None => item.state = ItemState::Pending,
                }
            }
        }
        done += finished.len() as u64;
        flush(ctx.store, run_id, &run, &mut finished)?;
        if cancel.is_cancelled() {
            return close(ctx.store, run_id, true);
        }
    }

    // 2. Upgrades and removals of targets whose installation id the cache does not know (e.g.
    //    installed earlier with explicit ids: Graph answers an install without the new
    //    installation's id): read it first, so the upgrade finds what was installed.
    if run.action != BulkAction::Install {
        let lookup: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.state == ItemState::Pending && i.installation_id.is_none())
            .map(|(n, _)| n)
            .collect();
        if !lookup.is_empty() {
            report(Phase::FindingInstallations, done, failed);
            let requests: Vec<SubRequest> = lookup
                .iter()
                .filter_map(|&n| items.get(n))
                .map(|i| SubRequest::get(installed_apps_read(i.kind, &i.target_id, &run.app_id)))
                .collect();
            let mut answers: Vec<(usize, SubResponse)> = Vec::new();
            ctx.executor
                .run(ctx.tokens, &requests, cancel, |index, response| {
                    if let Some(&n) = lookup.get(index) {
                        answers.push((n, response));
                    }
                })
                .await;
            let mut finished = Vec::new();
            for (n, r) in answers {
                let Some(item) = items.get_mut(n) else {
                    continue;
                };
                // A failed read leaves the item as it was: sending it reports the missing id.
                if !r.is_success() {
                    continue;
                }
                // An answer that cannot be read is a failed read too.
                let Ok(found) = installed_apps::of_app(r.body.as_ref(), &run.app_id) else {
                    continue;
                };
                let found = found.into_iter().next().map(|i| i.id);
                if found.is_some() {
                    item.installation_id = found;
                    continue;
                }
                let mut f = base_finished(item, ItemState::AlreadyDone, &r);
                f.inventory = Some(("not_installed", None));
                if run.action == BulkAction::Uninstall {
                    f.message = Some("already removed".into());
                } else {
                    f.state = ItemState::Failed;
                    f.error_code = Some("NotInstalled".into());
                    f.message = Some("the bot is not installed here: install it instead".into());
                    failed += 1;
                }
                item.state = f.state;
                done += 1;
                finished.push(f);
            }
            flush(ctx.store, run_id, &run, &mut finished)?;
            if cancel.is_cancelled() {
                return close(ctx.store, run_id, true);
            }
        }
    }

    // 3. Everything still to do, a chunk at a time: journal the chunk as in flight, send it,
    // record the answers. A crash leaves only the chunk on the wire marked in flight, so a
    // resume reads back those items and sends the never-sent ones without reading them first.
    let work: Vec<WorkItem> = items
        .into_iter()
        .filter(|i| matches!(i.state, ItemState::Pending | ItemState::InFlight))
        .collect();
    let mut finished: Vec<Finished> = Vec::new();
    for chunk in work.chunks(JOURNAL_CHUNK) {
        if cancel.is_cancelled() {
            break;
        }
        {
            let mut store = lock(ctx.store);
            durably(&mut store, |tx| {
                let mut stmt = tx.prepare_cached(
                    "UPDATE bulk_item SET state = 'in_flight', installation_id = ?4, updated_at = ?5
                     WHERE run_id = ?1 AND kind = ?2 AND target_id = ?3",
                )?;
                let now = now_text();
                for i in chunk {
                    stmt.execute(params![
                        run_id,
                        i.kind.as_str(),
                        i.target_id,
                        i.installation_id,
                        now
                    ])?;
                }
                Ok(())
            })?;
        }
        let mut requests = Vec::with_capacity(chunk.len());
        let mut owners = Vec::with_capacity(chunk.len());
        for (n, item) in chunk.iter().enumerate() {
            match request_for(ctx.graph.base_url(), &run, item) {
                Ok(r) => {
                    requests.push(r);
                    owners.push(n);
                }
                Err(reason) => {
                    failed += 1;
                    done += 1;
                    finished.push(Finished {
                        kind: item.kind,
                        target_id: item.target_id.clone(),
                        target_name: item.target_name.clone(),
                        state: ItemState::Failed,
                        installation_id: item.installation_id.clone(),
                        status: None,
                        error_code: Some("NotInstalled".into()),
                        message: Some(reason.to_string()),
                        request_id: None,
                        attempts: 0,
                        inventory: None,
                    });
                }
            }
        }
        report(phase, done, failed);
        let mut answered = vec![false; chunk.len()];
        let mut has_request = vec![false; chunk.len()];
        for &n in &owners {
            if let Some(h) = has_request.get_mut(n) {
                *h = true;
            }
        }
        let mut flush_error = None;
        executor
            .run(ctx.tokens, &requests, cancel, |index, response| {
                let Some(&n) = owners.get(index) else { return };
                let Some(item) = chunk.get(n) else { return };
                if let Some(a) = answered.get_mut(n) {
                    *a = true;
                }
                let f = outcome(&run, item, &response);
                if f.state == ItemState::Failed {
                    failed += 1;
                }
                done += 1;
                finished.push(f);
                // The journal is written 20 at a time; progress goes out per answered item.
                if finished.len() >= 20 {
                    if let Err(err) = flush(ctx.store, run_id, &run, &mut finished) {
                        flush_error = Some(err);
                    }
                }
                report(phase, done, failed);
            })
            .await;
        flush(ctx.store, run_id, &run, &mut finished)?;
        if let Some(err) = flush_error {
            return Err(err);
        }
        // Never sent (cancelled): back to pending, so a resume sends them without verifying.
        let mut store = lock(ctx.store);
        durably(&mut store, |tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE bulk_item SET state = 'pending' WHERE run_id = ?1 AND kind = ?2 AND target_id = ?3 AND state = 'in_flight'",
            )?;
            for (n, item) in chunk.iter().enumerate() {
                if !answered.get(n).copied().unwrap_or(true)
                    && has_request.get(n).copied().unwrap_or(false)
                {
                    stmt.execute(params![run_id, item.kind.as_str(), item.target_id])?;
                }
            }
            Ok(())
        })?;
    }
    report(phase, done, failed);
    close(ctx.store, run_id, cancel.is_cancelled())
}

/// Ends an execution: `cancelled` while anything is left to attempt, else `completed` — a
/// cancel that came after the last request went out changed nothing and is not reported as
/// having stopped the run.
fn close(
    store: &Mutex<Store>,
    run_id: &str,
    cancel_requested: bool,
) -> Result<RunSummary, InstallsError> {
    let store = lock(store);
    let pending: i64 = store.connection().query_row(
        "SELECT COUNT(*) FROM bulk_item WHERE run_id = ?1 AND state IN ('pending', 'in_flight')",
        [run_id],
        |r| r.get(0),
    )?;
    let status = match (pending > 0, cancel_requested) {
        (false, _) => "completed",
        (true, true) => "cancelled",
        // Items never answered without a cancel: the sending task died; resume verifies them.
        (true, false) => "interrupted",
    };
    store.connection().execute(
        "UPDATE bulk_run SET status = ?2, finished_at = ?3 WHERE id = ?1",
        params![run_id, status, now_text()],
    )?;
    let mut summary = summary(&store, run_id)?;
    summary.cancel_requested = cancel_requested;
    Ok(summary)
}

/// An upgrade or uninstall planned for a target the cache no longer knows an installation of.
#[derive(Debug, thiserror::Error)]
#[error("not installed (no installation id): sync and plan again")]
struct NoInstallationId;

fn request_for(
    graph_base: &str,
    run: &RunRow,
    item: &WorkItem,
) -> Result<SubRequest, NoInstallationId> {
    let base = item.kind.installed_apps_path(&item.target_id);
    let consent = || {
        json!({"resourceSpecificPermissions": run.consent.iter().map(|p| json!({
            "permissionValue": p.permission_value, "permissionType": p.permission_type
        })).collect::<Vec<_>>()})
    };
    // Personal scope has no resource-specific consent.
    let with_consent = !run.consent.is_empty() && item.kind != TargetKind::User;
    match run.action {
        BulkAction::Install => {
            let mut body = json!({
                "teamsApp@odata.bind": format!("{graph_base}/appCatalogs/teamsApps/{}", run.app_id)
            });
            if with_consent {
                body["consentedPermissionSet"] = consent();
            }
            Ok(SubRequest {
                method: "POST".into(),
                url: base,
                body: Some(body),
            })
        }
        BulkAction::Upgrade => {
            let id = item.installation_id.as_deref().ok_or(NoInstallationId)?;
            let body = if with_consent {
                json!({ "consentedPermissionSet": consent() })
            } else {
                json!({})
            };
            Ok(SubRequest {
                method: "POST".into(),
                url: format!("{base}/{id}/upgrade"),
                body: Some(body),
            })
        }
        BulkAction::Uninstall => {
            let id = item.installation_id.as_deref().ok_or(NoInstallationId)?;
            Ok(SubRequest {
                method: "DELETE".into(),
                url: format!("{base}/{id}"),
                body: None,
            })
        }
    }
}

fn base_finished(item: &WorkItem, state: ItemState, r: &SubResponse) -> Finished {
    let ok = r.is_success();
    Finished {
        kind: item.kind,
        target_id: item.target_id.clone(),
        target_name: item.target_name.clone(),
        state,
        installation_id: item.installation_id.clone(),
        status: Some(r.status),
        error_code: if ok {
            None
        } else {
            r.error_code().map(str::to_string)
        },
        message: if ok { None } else { Some(r.error_message()) },
        request_id: r.request_id.clone(),
        attempts: r.attempts,
        inventory: None,
    }
}

fn outcome(run: &RunRow, item: &WorkItem, r: &SubResponse) -> Finished {
    let target = run.target_version.clone();
    let (state, inventory) = match (run.action, r.status) {
        (BulkAction::Install, 200..=299) => (ItemState::Succeeded, Some(("installed", target))),
        (BulkAction::Install, 409) => (ItemState::AlreadyDone, None),
        (BulkAction::Upgrade, 200..=299) => (ItemState::Succeeded, Some(("installed", target))),
        (BulkAction::Uninstall, 200..=299) => (ItemState::Succeeded, Some(("not_installed", None))),
        (BulkAction::Uninstall, 404) => (ItemState::AlreadyDone, Some(("not_installed", None))),
        _ => (ItemState::Failed, None),
    };
    let mut f = base_finished(item, state, r);
    f.inventory = inventory;
    if state == ItemState::AlreadyDone {
        f.message = Some(match run.action {
            BulkAction::Uninstall => "already removed".into(),
            _ => "already installed".into(),
        });
    }
    f
}

/// Decides an interrupted item from a fresh read: `Some` = finished, `None` = send it again.
fn verify(
    run: &RunRow,
    item: &WorkItem,
    n: usize,
    r: &SubResponse,
) -> (usize, Option<Finished>, Option<String>) {
    if !r.is_success() {
        // Cannot tell: keep it failed rather than risk doing it twice.
        let mut f = base_finished(item, ItemState::Failed, r);
        f.message = Some(format!(
            "interrupted, and its state could not be checked: {}",
            r.error_message()
        ));
        return (n, Some(f), None);
    }
    let installed = match installed_apps::of_app(r.body.as_ref(), &run.app_id) {
        Ok(found) => found.into_iter().next(),
        Err(err) => {
            // Cannot tell: keep it failed rather than risk doing it twice.
            let mut f = base_finished(item, ItemState::Failed, r);
            f.message = Some(format!(
                "interrupted, and its state could not be checked: {err}"
            ));
            return (n, Some(f), None);
        }
    };
    let installation_id = installed.as_ref().map(|i| i.id.clone());
    let version = installed
        .as_ref()
        .and_then(|i| i.version())
        .map(str::to_string);
    let done = match run.action {
        BulkAction::Install => installed.is_some(),
        BulkAction::Upgrade => {
            installed.is_some()
                && version.as_deref().map(version_key)
                    >= run.target_version.as_deref().map(version_key)
        }
        BulkAction::Uninstall => installed.is_none(),
    };
    if !done {
        return (n, None, installation_id);
    }
    let mut f = base_finished(item, ItemState::Succeeded, r);
    f.installation_id = installation_id.clone();
    f.message = Some("confirmed after an interruption".into());
    f.inventory = Some(match run.action {
        BulkAction::Uninstall => ("not_installed", None),
        _ => ("installed", version),
    });
    (n, Some(f), installation_id)
}

fn flush(
    store: &Mutex<Store>,
    run_id: &str,
    run: &RunRow,
    finished: &mut Vec<Finished>,
) -> Result<(), InstallsError> {
    if finished.is_empty() {
        return Ok(());
    }
    let mut store = lock(store);
    durably(&mut store, |tx| {
        let now = now_text();
        let mut item_stmt = tx.prepare_cached(
            "UPDATE bulk_item SET state = ?4, installation_id = COALESCE(?5, installation_id), status = ?6,
                error_code = ?7, message = ?8, request_id = ?9, attempts = attempts + ?10, updated_at = ?11
             WHERE run_id = ?1 AND kind = ?2 AND target_id = ?3",
        )?;
        // A target installed by explicit id may not be in the inventory yet: add it, so a later
        // plan (upgrade, uninstall) finds it. The next full sync gives it its name and facts.
        let mut inv_stmt = tx.prepare_cached(
            "INSERT INTO inventory_item (app_id, kind, target_id, display_name, state, version,
                version_key, installation_id, checked_at, seen_generation)
             VALUES (?1, ?2, ?3, COALESCE(?9, ?3), ?4, ?5, ?6, CASE WHEN ?4 = 'installed' THEN ?7 END, ?8, ?10)
             ON CONFLICT (app_id, kind, target_id) DO UPDATE SET state = ?4, version = ?5, version_key = ?6,
                installation_id = CASE WHEN ?4 = 'installed' THEN COALESCE(?7, installation_id) ELSE NULL END,
                error_status = NULL, error_code = NULL, error_message = NULL, checked_at = ?8",
        )?;
        // The generation a new row counts as seen by, read once per flush: evaluated per row
        // (the VALUES of an upsert are computed even when the row exists), it scanned the
        // app's whole inventory for every finished item.
        let seen_generation: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seen_generation), 0) FROM inventory_item WHERE app_id = ?1",
            [run.app_id.as_str()],
            |r| r.get(0),
        )?;
        for f in finished.iter() {
            item_stmt.execute(params![
                run_id,
                f.kind.as_str(),
                f.target_id,
                f.state.as_str(),
                f.installation_id,
                f.status,
                f.error_code,
                f.message,
                f.request_id,
                f.attempts,
                now
            ])?;
            if let Some((state, version)) = &f.inventory {
                inv_stmt.execute(params![
                    run.app_id.as_str(),
                    f.kind.as_str(),
                    f.target_id,
                    state,
                    version,
                    version.as_deref().map(version_key),
                    f.installation_id,
                    now,
                    f.target_name,
                    seen_generation
                ])?;
            }
            let entry = AuditEntry {
                profile_id: run.actor.profile_id.clone(),
                tenant_id: run.actor.tenant_id.clone(),
                actor: run.actor.upn.clone(),
                action: format!("{}.{}", run.action.as_str(), f.kind.as_str()),
                target_kind: f.kind.as_str().to_string(),
                target_id: f.target_id.clone(),
                target_name: f.target_name.clone(),
                outcome: match f.state {
                    ItemState::Succeeded => Outcome::Succeeded,
                    ItemState::AlreadyDone => Outcome::AlreadyDone,
                    _ => Outcome::Failed,
                },
                detail: Some(format!(
                    "{} {}{}",
                    run.app_name,
                    run.target_version.as_deref().unwrap_or(""),
                    f.message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                )),
                request_id: f.request_id.clone(),
            };
            crate::audit::record_in(tx, &now, &entry, Some(run_id))?;
        }
        Ok(())
    })?;
    finished.clear();
    Ok(())
}

/// Puts a run's failed items back to pending, for [`execute_run`] to try again.
pub fn retry_failed(store: &Mutex<Store>, run_id: &str) -> Result<u64, InstallsError> {
    let mut store = lock(store);
    load_run(&store, run_id)?;
    let n = durably(&mut store, |tx| {
        Ok(tx.execute(
            "UPDATE bulk_item SET state = 'pending' WHERE run_id = ?1 AND state = 'failed'",
            [run_id],
        )?)
    })?;
    Ok(n as u64)
}

pub fn summary(store: &Store, run_id: &str) -> Result<RunSummary, InstallsError> {
    let run = load_run(store, run_id)?;
    let (status, created_at, finished_at): (String, String, Option<String>) =
        store.connection().query_row(
            "SELECT status, created_at, finished_at FROM bulk_run WHERE id = ?1",
            [run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
    let mut s = RunSummary {
        run_id: run_id.to_string(),
        action: run.action,
        app_name: run.app_name,
        status,
        created_at,
        finished_at,
        total: 0,
        succeeded: 0,
        already_done: 0,
        failed: 0,
        pending: 0,
        cancel_requested: false,
    };
    let conn = store.connection();
    let mut stmt =
        conn.prepare("SELECT state, COUNT(*) FROM bulk_item WHERE run_id = ?1 GROUP BY state")?;
    let rows = stmt.query_map([run_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (state, n) = row?;
        let n = u64::try_from(n).unwrap_or(0);
        s.total += n;
        match ItemState::parse(&state) {
            ItemState::Succeeded => s.succeeded += n,
            ItemState::AlreadyDone => s.already_done += n,
            ItemState::Failed => s.failed += n,
            ItemState::Pending | ItemState::InFlight => s.pending += n,
        }
    }
    Ok(s)
}

/// Runs, newest first.
pub fn list_runs(store: &Store, limit: u32) -> Result<Vec<RunSummary>, InstallsError> {
    let ids: Vec<String> = {
        let conn = store.connection();
        let mut stmt = conn.prepare("SELECT id FROM bulk_run ORDER BY created_at DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    ids.iter().map(|id| summary(store, id)).collect()
}

/// A run's items, optionally only those in one state.
pub fn run_items(
    store: &Store,
    run_id: &str,
    state: Option<ItemState>,
) -> Result<Vec<ItemResult>, InstallsError> {
    load_run(store, run_id)?;
    let conn = store.connection();
    let mut stmt = conn.prepare(
        "SELECT kind, target_id, target_name, state, status, error_code, message, request_id, attempts
         FROM bulk_item WHERE run_id = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![run_id, state.map(|s| s.as_str())], |r| {
        let kind: String = r.get(0)?;
        let state: String = r.get(3)?;
        Ok(ItemResult {
            kind: TargetKind::parse(&kind).unwrap_or(TargetKind::Team),
            target_id: r.get(1)?,
            target_name: r.get(2)?,
            state: ItemState::parse(&state),
            status: r.get(4)?,
            error_code: r.get(5)?,
            message: r.get(6)?,
            request_id: r.get(7)?,
            attempts: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAPH: &str = "https://graph.example/v1.0";

    fn run(action: BulkAction, consent: Vec<RscPermission>) -> RunRow {
        RunRow {
            app_id: CatalogAppId::parse("cat-1").expect("a catalog id"),
            app_name: "FlashDuty".into(),
            action,
            target_version: Some("1.0.2".into()),
            consent,
            actor: Actor {
                profile_id: None,
                tenant_id: None,
                upn: "admin@contoso.example".into(),
            },
        }
    }

    fn item(kind: TargetKind, installation_id: Option<&str>) -> WorkItem {
        WorkItem {
            kind,
            target_id: "t-1".into(),
            target_name: Some("Payments".into()),
            installation_id: installation_id.map(str::to_string),
            state: ItemState::Pending,
        }
    }

    fn rsc() -> Vec<RscPermission> {
        vec![RscPermission {
            permission_value: "TeamsActivity.Send.Group".into(),
            permission_type: "Application".into(),
        }]
    }

    #[test]
    fn an_install_binds_the_catalog_app_and_carries_the_rsc_consent_except_for_users() {
        let team = request_for(
            GRAPH,
            &run(BulkAction::Install, rsc()),
            &item(TargetKind::Team, None),
        )
        .expect("install request");
        assert_eq!(team.method, "POST");
        assert_eq!(team.url, TargetKind::Team.installed_apps_path("t-1"));
        let body = team.body.expect("body");
        assert_eq!(
            body["teamsApp@odata.bind"],
            "https://graph.example/v1.0/appCatalogs/teamsApps/cat-1"
        );
        assert_eq!(
            body["consentedPermissionSet"]["resourceSpecificPermissions"][0]["permissionValue"],
            "TeamsActivity.Send.Group"
        );
        let user = request_for(
            GRAPH,
            &run(BulkAction::Install, rsc()),
            &item(TargetKind::User, None),
        )
        .expect("install request");
        assert!(user
            .body
            .expect("body")
            .get("consentedPermissionSet")
            .is_none());
    }

    #[test]
    fn upgrade_and_uninstall_address_the_installation() {
        let upgrade = request_for(
            GRAPH,
            &run(BulkAction::Upgrade, Vec::new()),
            &item(TargetKind::Chat, Some("inst-9")),
        )
        .expect("upgrade request");
        assert_eq!(upgrade.method, "POST");
        assert!(upgrade.url.ends_with("/inst-9/upgrade"), "{}", upgrade.url);
        let uninstall = request_for(
            GRAPH,
            &run(BulkAction::Uninstall, Vec::new()),
            &item(TargetKind::Team, Some("inst-9")),
        )
        .expect("uninstall request");
        assert_eq!(uninstall.method, "DELETE");
        assert!(uninstall.url.ends_with("/inst-9"), "{}", uninstall.url);
        assert!(uninstall.body.is_none());
    }

    #[test]
    fn upgrade_or_uninstall_without_an_installation_id_is_refused_with_the_way_out() {
        for action in [BulkAction::Upgrade, BulkAction::Uninstall] {
            let err = request_for(
                GRAPH,
                &run(action, Vec::new()),
                &item(TargetKind::Team, None),
            )
            .expect_err("no installation id");
            assert_eq!(
                err.to_string(),
                "not installed (no installation id): sync and plan again"
            );
        }
    }
}
