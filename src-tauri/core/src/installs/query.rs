//! Reading the inventory cache: every query is an indexed SELECT, so the UI can open at once
//! on tens of thousands of rows and show how old they are.

use rusqlite::types::Value as Sql;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{InstallState, InstallsError, TargetKind};
use crate::catalog::version_key;
use crate::ids::CatalogAppId;
use crate::store::Store;

/// One target (team, chat, user) and the bot's state in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventoryRow {
    pub kind: TargetKind,
    pub id: String,
    pub display_name: String,
    /// Team description, chat type or user principal name.
    pub detail: Option<String>,
    pub archived: bool,
    pub visibility: Option<String>,
    /// Id of the team's General channel, where the bot must be reachable.
    pub general_channel: Option<String>,
    /// Private and shared channels: bots are not supported there (team install still works).
    pub private_channels: Option<u32>,
    pub shared_channels: Option<u32>,
    pub state: InstallState,
    pub installation_id: Option<String>,
    pub version: Option<String>,
    pub error_status: Option<u16>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub checked_at: Option<String>,
    /// When the team's channel facts were read (they are re-read after a few days).
    #[ts(optional = nullable)]
    #[serde(default)]
    pub channels_checked_at: Option<String>,
    /// Why the last read of the team's channels failed (status, Graph's code, request-id);
    /// the facts shown are then older or missing.
    #[ts(optional = nullable)]
    #[serde(default)]
    pub channels_error: Option<String>,
}

/// Where a page ends: the next page starts after this row (keyset paging: the last page of
/// a large inventory costs what the first does, unlike an offset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InventoryCursor {
    pub kind: TargetKind,
    pub display_name: String,
    pub id: String,
}

/// Filter + page. Every field is optional; `limit` 0 means 100.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct InventoryQuery {
    pub kind: Option<TargetKind>,
    pub state: Option<InstallState>,
    /// Installed at a version strictly below this one.
    pub older_than: Option<String>,
    /// Installed at exactly this version.
    pub version: Option<String>,
    /// Case-insensitive substring of the name, detail or id.
    pub text: Option<String>,
    pub include_archived: Option<bool>,
    /// Order of the rows (default: kind, then name).
    pub sort: Option<InventorySort>,
    /// Largest first (versions, names Z→A, newest reads).
    pub descending: bool,
    pub offset: u32,
    pub limit: u32,
    /// Start after this row (from the previous page's `next`) instead of at `offset`.
    #[ts(optional = nullable)]
    pub after: Option<InventoryCursor>,
}

/// The columns the inventory can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InventorySort {
    Name,
    Kind,
    /// Installed first (or last), then by version.
    State,
    Version,
    /// When the row was last read.
    Checked,
}

impl InventorySort {
    fn order_by(self, descending: bool) -> String {
        let dir = if descending { "DESC" } else { "ASC" };
        let key = match self {
            Self::Name => format!("display_name COLLATE NOCASE {dir}, kind"),
            Self::Kind => format!("kind {dir}, display_name COLLATE NOCASE"),
            Self::State => format!("state {dir}, version_key {dir}, display_name COLLATE NOCASE"),
            // Rows without a version (not installed) sort after every version, either way.
            Self::Version => {
                format!("version_key IS NULL, version_key {dir}, display_name COLLATE NOCASE")
            }
            Self::Checked => {
                format!("checked_at IS NULL, checked_at {dir}, display_name COLLATE NOCASE")
            }
        };
        format!("{key}, target_id")
    }
}

/// A version as the admin types it in a filter: `1`, `1.0` or `1.0.2` (an optional leading `v`).
/// Anything else is refused rather than read as 0.0.0, which would silently select nothing.
pub fn check_version(field: &str, value: &str) -> Result<(), InstallsError> {
    let v = value.trim();
    let digits = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let parts: Vec<&str> = digits.split('.').collect();
    let ok = !digits.is_empty()
        && parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(InstallsError::Invalid(format!(
            "{field} {value:?} is not a version: use numbers separated by dots, such as 1.0.2"
        )))
    }
}

impl InventoryQuery {
    /// Refuses filter values that cannot mean anything (checked before any query or network).
    pub fn check(&self) -> Result<(), InstallsError> {
        if let Some(v) = &self.older_than {
            check_version("older than", v)?;
        }
        if let Some(v) = &self.version {
            check_version("at version", v)?;
        }
        if self
            .text
            .as_deref()
            .is_some_and(|t| t.chars().count() > 200)
        {
            return Err(InstallsError::Invalid(
                "the search text is longer than 200 characters".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventoryPage {
    pub rows: Vec<InventoryRow>,
    /// Rows matching the filter (all pages).
    #[ts(type = "number")]
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    /// The last sync of this app, for "as of …" and the cache age.
    pub sync: Option<SyncInfo>,
    /// Pass as `after` for the next page; absent on the last page.
    #[ts(optional = nullable)]
    #[serde(default)]
    pub next: Option<InventoryCursor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncInfo {
    /// The Teams catalog id of the bot this sync read.
    pub app_id: CatalogAppId,
    pub app_name: Option<String>,
    /// What this sync read: a teams-only sync says nothing about the age of chat or user rows.
    pub kinds: Vec<TargetKind>,
    /// running, completed, cancelled, failed, interrupted (its process stopped mid-way; the
    /// next sync resumes it).
    pub status: String,
    pub phase: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Seconds since the sync finished (or started, if it never finished).
    #[ts(type = "number")]
    pub age_secs: i64,
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CoverageRow {
    pub kind: TargetKind,
    #[ts(type = "number")]
    pub installed: u64,
    #[ts(type = "number")]
    pub not_installed: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub unknown: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VersionCount {
    pub kind: TargetKind,
    pub version: String,
    #[ts(type = "number")]
    pub count: u64,
    /// How many of `count` are in archived teams: Teams refuses changes there, so they are
    /// never "outdated installations to upgrade" (absent means none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub archived: Option<u64>,
}

impl VersionCount {
    /// Installations of this version that can be changed (not in an archived team).
    pub fn changeable(&self) -> u64 {
        self.count.saturating_sub(self.archived.unwrap_or(0))
    }
}

const ROW_COLUMNS: &str =
    "kind, target_id, display_name, detail, archived, visibility, general_channel,
    private_channels, shared_channels, state, installation_id, version, error_status, error_code,
    error_message, checked_at, channels_checked_at, channels_error";

fn row_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<InventoryRow> {
    let kind: String = row.get(0)?;
    let state: String = row.get(9)?;
    Ok(InventoryRow {
        kind: TargetKind::parse(&kind).unwrap_or(TargetKind::Team),
        id: row.get(1)?,
        display_name: row.get(2)?,
        detail: row.get(3)?,
        archived: row.get::<_, i64>(4)? != 0,
        visibility: row.get(5)?,
        general_channel: row.get(6)?,
        private_channels: row.get(7)?,
        shared_channels: row.get(8)?,
        state: InstallState::parse(&state),
        installation_id: row.get(10)?,
        version: row.get(11)?,
        error_status: row.get(12)?,
        error_code: row.get(13)?,
        error_message: row.get(14)?,
        checked_at: row.get(15)?,
        channels_checked_at: row.get(16)?,
        channels_error: row.get(17)?,
    })
}

/// The default order, which the order index (`inventory_item_order`) walks.
const DEFAULT_ORDER: &str = "kind, display_name COLLATE NOCASE, target_id";

/// Rows after a cursor in [`DEFAULT_ORDER`]. The explicit COLLATE sits on the right-hand value:
/// written on the column, SQLite seeks only on `kind` and filters the rest.
const KEYSET: &str = "AND (kind, display_name, target_id) > (?, ? COLLATE NOCASE, ?)";

/// `WHERE` clause and parameters for a filter (shared with bulk selection).
pub(crate) fn where_clause(app_id: &str, q: &InventoryQuery) -> (String, Vec<Sql>) {
    let mut clause = String::from("app_id = ?");
    let mut params: Vec<Sql> = vec![Sql::Text(app_id.to_string())];
    if let Some(kind) = q.kind {
        clause.push_str(" AND kind = ?");
        params.push(Sql::Text(kind.as_str().into()));
    }
    if let Some(state) = q.state {
        clause.push_str(" AND state = ?");
        params.push(Sql::Text(state.as_str().into()));
    }
    if let Some(v) = &q.older_than {
        clause.push_str(" AND state = 'installed' AND version_key < ?");
        params.push(Sql::Integer(version_key(v)));
    }
    if let Some(v) = &q.version {
        clause.push_str(" AND state = 'installed' AND version_key = ?");
        params.push(Sql::Integer(version_key(v)));
    }
    if q.include_archived == Some(false) {
        clause.push_str(" AND archived = 0");
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        clause.push_str(
            " AND (display_name LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\' OR target_id LIKE ? ESCAPE '\\')",
        );
        for _ in 0..3 {
            params.push(Sql::Text(pattern.clone()));
        }
    }
    (clause, params)
}

/// The page total from `inventory_count` (kept by triggers) when the filter uses only what
/// it is keyed by — kind, state, version, archived — i.e. every filter but the text search.
fn counted_total(app_id: &str, q: &InventoryQuery) -> Option<(String, Vec<Sql>)> {
    if q.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        return None;
    }
    let mut clause = String::from("app_id = ?");
    let mut params: Vec<Sql> = vec![Sql::Text(app_id.to_string())];
    if let Some(kind) = q.kind {
        clause.push_str(" AND kind = ?");
        params.push(Sql::Text(kind.as_str().into()));
    }
    if let Some(state) = q.state {
        clause.push_str(" AND state = ?");
        params.push(Sql::Text(state.as_str().into()));
    }
    if let Some(v) = &q.older_than {
        clause.push_str(" AND state = 'installed' AND version_key < ?");
        params.push(Sql::Integer(version_key(v)));
    }
    if let Some(v) = &q.version {
        clause.push_str(" AND state = 'installed' AND version_key = ?");
        params.push(Sql::Integer(version_key(v)));
    }
    if q.include_archived == Some(false) {
        clause.push_str(" AND archived = 0");
    }
    Some((clause, params))
}

pub fn query(
    store: &Store,
    app_id: &str,
    q: &InventoryQuery,
) -> Result<InventoryPage, InstallsError> {
    q.check()?;
    let conn = store.connection();
    let (clause, params) = where_clause(app_id, q);
    let total: i64 = match counted_total(app_id, q) {
        // Filters the maintained counts can answer: a few rows, whatever the cache holds.
        Some((count_clause, count_params)) => conn.query_row(
            &format!("SELECT COALESCE(SUM(n), 0) FROM inventory_count WHERE {count_clause}"),
            rusqlite::params_from_iter(count_params.iter()),
            |r| r.get(0),
        )?,
        None => conn.query_row(
            &format!("SELECT COUNT(*) FROM inventory_item WHERE {clause}"),
            rusqlite::params_from_iter(params.iter()),
            |r| r.get(0),
        )?,
    };
    let limit = if q.limit == 0 {
        100
    } else {
        q.limit.min(10_000)
    };
    if q.after.is_some() && q.sort.is_some() {
        // The cursor walks the default (kind, name, id) order; another order pages by offset.
        return Err(InstallsError::Invalid(
            "a sorted page starts at an offset, not after a row".into(),
        ));
    }
    if q.after.is_some() && q.offset > 0 {
        return Err(InstallsError::Invalid(
            "a page starts after a row or at an offset, not both".into(),
        ));
    }
    let mut page_params = params.clone();
    let mut page_clause = clause;
    if let Some(after) = &q.after {
        // Walks the (app_id, kind, name, id) index from the cursor on: no rows are skipped
        // one by one, whatever the page.
        // The explicit COLLATE sits on the right-hand value: written on the column, SQLite
        // seeks only on `kind` and filters the rest (EXPLAIN QUERY PLAN shows the difference).
        page_clause.push(' ');
        page_clause.push_str(KEYSET);
        page_params.push(Sql::Text(after.kind.as_str().into()));
        page_params.push(Sql::Text(after.display_name.clone()));
        page_params.push(Sql::Text(after.id.clone()));
    }
    page_params.push(Sql::Integer(i64::from(limit)));
    page_params.push(Sql::Integer(i64::from(q.offset)));
    let order = match q.sort {
        Some(sort) => sort.order_by(q.descending),
        None => DEFAULT_ORDER.to_string(),
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM inventory_item WHERE {page_clause}
         ORDER BY {order} LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(page_params.iter()), row_of)?
        .collect::<Result<Vec<_>, _>>()?;
    let next = rows
        .last()
        .filter(|_| rows.len() == limit as usize && q.sort.is_none())
        .map(|r| InventoryCursor {
            kind: r.kind,
            display_name: r.display_name.clone(),
            id: r.id.clone(),
        });
    Ok(InventoryPage {
        rows,
        total: u64::try_from(total).unwrap_or(0),
        offset: q.offset,
        limit,
        sync: last_sync(store, Some(app_id))?,
        next,
    })
}

/// One row by target, if cached.
pub fn row(
    store: &Store,
    app_id: &str,
    kind: TargetKind,
    target_id: &str,
) -> Result<Option<InventoryRow>, InstallsError> {
    Ok(store
        .connection()
        .query_row(
            &format!(
                "SELECT {ROW_COLUMNS} FROM inventory_item WHERE app_id = ?1 AND kind = ?2 AND target_id = ?3"
            ),
            rusqlite::params![app_id, kind.as_str(), target_id],
            row_of,
        )
        .optional()?)
}

/// The latest sync of `app_id`, or of any app when `None` (the CLI's default app).
pub fn last_sync(store: &Store, app_id: Option<&str>) -> Result<Option<SyncInfo>, InstallsError> {
    sync_info(store, app_id, false)
}

/// The latest *completed* sync of `app_id`: after a cancelled or interrupted sync the rows
/// are as old as this one (plus whatever the unfinished one managed to read).
pub fn last_completed_sync(store: &Store, app_id: &str) -> Result<Option<SyncInfo>, InstallsError> {
    sync_info(store, Some(app_id), true)
}

fn sync_info(
    store: &Store,
    app_id: Option<&str>,
    completed_only: bool,
) -> Result<Option<SyncInfo>, InstallsError> {
    let sql = "SELECT app_id, app_name, status, phase, started_at, finished_at, total, done, failed, kinds,
                      COALESCE(heartbeat_at, started_at)
               FROM inventory_sync WHERE (?1 IS NULL OR app_id = ?1) AND (?2 = 0 OR status = 'completed')
               ORDER BY id DESC LIMIT 1";
    let info = store
        .connection()
        .query_row(sql, rusqlite::params![app_id, completed_only], |r| {
            let started: String = r.get(4)?;
            let finished: Option<String> = r.get(5)?;
            let at = finished.as_deref().unwrap_or(&started);
            let age = chrono::DateTime::parse_from_rfc3339(at)
                .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
                .unwrap_or(0);
            let kinds: String = r.get(9)?;
            let heartbeat: String = r.get(10)?;
            let mut status: String = r.get(2)?;
            let mut phase: String = r.get(3)?;
            let silent = chrono::DateTime::parse_from_rfc3339(&heartbeat)
                .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
                .unwrap_or(i64::MAX);
            if status == "running" && silent > super::sync::HEARTBEAT_STALE_SECS {
                // Its process died (crash, kill, power loss): the next sync resumes it.
                status = "interrupted".into();
                phase = "stopped".into();
            }
            Ok(SyncInfo {
                app_id: crate::store::id_column(r, 0)?,
                app_name: r.get(1)?,
                kinds: kinds.split(',').filter_map(TargetKind::parse).collect(),
                status,
                phase,
                started_at: started.clone(),
                finished_at: finished.clone(),
                age_secs: age.max(0),
                total: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                done: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
                failed: u64::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
            })
        })
        .optional()?;
    Ok(info)
}

/// Installed / not installed / failed / unknown per kind.
pub fn coverage(store: &Store, app_id: &str) -> Result<Vec<CoverageRow>, InstallsError> {
    let conn = store.connection();
    // From the counts the triggers keep: the Overview opens at once on any cache size.
    let mut stmt = conn.prepare_cached(
        "SELECT kind, state, SUM(n) FROM inventory_count WHERE app_id = ?1 GROUP BY kind, state",
    )?;
    let mut out: Vec<CoverageRow> = Vec::new();
    let rows = stmt.query_map([app_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (kind, state, count) = row?;
        let Some(kind) = TargetKind::parse(&kind) else {
            continue;
        };
        let count = u64::try_from(count).unwrap_or(0);
        let entry = match out.iter_mut().position(|c| c.kind == kind) {
            Some(i) => &mut out[i],
            None => {
                out.push(CoverageRow {
                    kind,
                    installed: 0,
                    not_installed: 0,
                    failed: 0,
                    unknown: 0,
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        match InstallState::parse(&state) {
            InstallState::Installed => entry.installed += count,
            InstallState::NotInstalled => entry.not_installed += count,
            InstallState::Failed => entry.failed += count,
            InstallState::Unknown => entry.unknown += count,
        }
    }
    out.sort_by_key(|c| c.kind);
    Ok(out)
}

/// Installations per version and kind, newest version first.
pub fn version_spread(store: &Store, app_id: &str) -> Result<Vec<VersionCount>, InstallsError> {
    let conn = store.connection();
    let mut stmt = conn.prepare_cached(
        "SELECT kind, version, SUM(n), SUM(CASE WHEN archived THEN n ELSE 0 END)
         FROM inventory_count
         WHERE app_id = ?1 AND state = 'installed'
         GROUP BY kind, version ORDER BY MAX(version_key) DESC, kind",
    )?;
    let rows = stmt.query_map([app_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, version, count, archived) = row?;
        if let Some(kind) = TargetKind::parse(&kind) {
            out.push(VersionCount {
                kind,
                // '' stands for an installation whose version Graph did not say.
                version: Some(version)
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| "?".into()),
                count: u64::try_from(count).unwrap_or(0),
                archived: u64::try_from(archived).ok().filter(|n| *n > 0),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted_by_hand(store: &Store, app: &str, q: &InventoryQuery) -> i64 {
        let (clause, params) = where_clause(app, q);
        store
            .connection()
            .query_row(
                &format!("SELECT COUNT(*) FROM inventory_item WHERE {clause}"),
                rusqlite::params_from_iter(params.iter()),
                |r| r.get(0),
            )
            .expect("count")
    }

    /// The sync record names its bot by catalog id; one damaged in the file is a read error
    /// naming it, never a panic and never an id passed on to Graph unchecked.
    #[test]
    fn a_damaged_bot_id_in_the_sync_record_is_a_read_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("open");
        store
            .connection()
            .execute(
                "INSERT INTO inventory_sync (app_id, generation, kinds, status, phase, started_at)
                 VALUES ('bad id''', 1, 'team', 'completed', 'done', '2026-12-06T10:00:00Z')",
                [],
            )
            .expect("insert");
        let err = last_sync(&store, None).expect_err("damaged id");
        assert!(err.to_string().contains("bad id"), "{err}");
        store
            .connection()
            .execute("UPDATE inventory_sync SET app_id = ?1", [APP_GUID])
            .expect("update");
        let sync = last_sync(&store, None).expect("read").expect("a sync");
        assert_eq!(sync.app_id, APP_GUID);
    }

    const APP_GUID: &str = "7d5c1a3e-2f4b-4c6d-8e9f-0a1b2c3d4e5f";

    /// SQLite's plan for `sql` (an `EXPLAIN QUERY PLAN`), its steps joined by "; ".
    fn query_plan(store: &Store, sql: &str, params: &[Sql]) -> String {
        let steps: Vec<String> = store
            .connection()
            .prepare(sql)
            .expect("prepare")
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                r.get::<_, String>(3)
            })
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows");
        steps.join("; ")
    }

    /// Keyset paging must seek in the order index, not walk it from the start (that would make
    /// the last page of a large inventory cost what an offset does). Checked on the plan.
    #[test]
    fn a_page_after_a_row_seeks_in_the_order_index() {
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("open");
        let q = InventoryQuery {
            limit: 200,
            after: Some(InventoryCursor {
                kind: TargetKind::Team,
                display_name: "Falcon".into(),
                id: "t1".into(),
            }),
            ..Default::default()
        };
        let (clause, mut params) = where_clause("a", &q);
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT {ROW_COLUMNS} FROM inventory_item WHERE {clause} {KEYSET}
             ORDER BY {DEFAULT_ORDER} LIMIT 200"
        );
        params.extend([
            Sql::Text("team".into()),
            Sql::Text("Falcon".into()),
            Sql::Text("t1".into()),
        ]);
        let plan = query_plan(&store, &sql, &params);
        assert!(
            plan.contains(
                "USING COVERING INDEX inventory_item_order (app_id=? AND (kind,display_name,target_id)>(?,?,?))"
            ),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
    }

    /// The first page — what the Installations page and `botdeck installs list` show at start —
    /// is read from the order index alone (every shown column is in it), in order, unsorted:
    /// it costs a dozen adjacent index pages, not one scattered table page per row.
    #[test]
    fn the_first_page_is_read_from_the_order_index_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("open");
        for q in [
            InventoryQuery::default(),
            InventoryQuery {
                kind: Some(TargetKind::Team),
                ..Default::default()
            },
        ] {
            let (clause, params) = where_clause("a", &q);
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {ROW_COLUMNS} FROM inventory_item WHERE {clause}
                 ORDER BY {DEFAULT_ORDER} LIMIT 200 OFFSET 0"
            );
            let plan = query_plan(&store, &sql, &params);
            assert!(
                plan.contains("USING COVERING INDEX inventory_item_order"),
                "{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
        }
    }

    /// The counts the triggers keep always equal counting the rows, through inserts, syncs
    /// changing states and versions, upserts, archiving and removals.
    #[test]
    fn maintained_counts_follow_every_change_to_the_rows() {
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("open");
        let conn = store.connection();
        let insert = |app: &str, kind: &str, id: &str, state: &str, version: Option<&str>| {
            conn.execute(
                "INSERT INTO inventory_item (app_id, kind, target_id, display_name, state, version,
                    version_key, seen_generation)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, 1)
                 ON CONFLICT (app_id, kind, target_id) DO UPDATE SET state = excluded.state,
                    version = excluded.version, version_key = excluded.version_key",
                rusqlite::params![app, kind, id, state, version, version.map(version_key)],
            )
            .expect("insert");
        };
        for i in 0..30 {
            let (state, version) = match i % 4 {
                0 => ("installed", Some("1.0.2")),
                1 => ("installed", Some("1.0.10")),
                2 => ("not_installed", None),
                _ => ("failed", None),
            };
            insert(
                "a",
                ["team", "chat", "user"][i % 3],
                &format!("t{i}"),
                state,
                version,
            );
            insert("b", "team", &format!("t{i}"), "unknown", None);
        }
        // An installation without a version, an upgrade, an uninstall, an upsert of the same
        // state, archiving and removals.
        insert("a", "team", "t2", "installed", None);
        insert("a", "team", "t0", "installed", Some("1.0.10"));
        insert("a", "team", "t6", "not_installed", None);
        insert("a", "team", "t9", "installed", Some("1.0.10"));
        conn.execute_batch(
            "UPDATE inventory_item SET archived = 1 WHERE app_id = 'a' AND target_id IN ('t3', 't4', 't5');
             UPDATE inventory_item SET checked_at = 'now', state = state WHERE app_id = 'a';
             DELETE FROM inventory_item WHERE app_id = 'a' AND target_id IN ('t1', 't12', 't27');
             DELETE FROM inventory_item WHERE app_id = 'b' AND target_id > 't2';",
        )
        .expect("changes");

        let queries = [
            InventoryQuery::default(),
            InventoryQuery {
                kind: Some(TargetKind::Team),
                ..Default::default()
            },
            InventoryQuery {
                state: Some(InstallState::Installed),
                ..Default::default()
            },
            InventoryQuery {
                older_than: Some("1.0.10".into()),
                ..Default::default()
            },
            InventoryQuery {
                version: Some("1.0.10".into()),
                kind: Some(TargetKind::Team),
                ..Default::default()
            },
            InventoryQuery {
                include_archived: Some(false),
                state: Some(InstallState::Failed),
                ..Default::default()
            },
            InventoryQuery {
                text: Some("t1".into()),
                ..Default::default()
            },
        ];
        for app in ["a", "b", "none"] {
            for q in &queries {
                let page = query(&store, app, q).expect("page");
                assert_eq!(
                    page.total as i64,
                    counted_by_hand(&store, app, q),
                    "{app} {q:?}"
                );
            }
            let coverage = coverage(&store, app).expect("coverage");
            for c in &coverage {
                let n = |state: &str| -> u64 {
                    conn.query_row(
                        "SELECT COUNT(*) FROM inventory_item WHERE app_id = ?1 AND kind = ?2 AND state = ?3",
                        rusqlite::params![app, c.kind.as_str(), state],
                        |r| r.get::<_, i64>(0),
                    )
                    .expect("n") as u64
                };
                assert_eq!(
                    (c.installed, c.not_installed, c.failed, c.unknown),
                    (
                        n("installed"),
                        n("not_installed"),
                        n("failed"),
                        n("unknown")
                    ),
                    "{app} {c:?}"
                );
            }
        }
        let spread = version_spread(&store, "a").expect("spread");
        let team: Vec<(&str, u64)> = spread
            .iter()
            .filter(|v| v.kind == TargetKind::Team)
            .map(|v| (v.version.as_str(), v.count))
            .collect();
        // t0, t9 upgraded and t3 (archived, still counted) at 1.0.10... by hand:
        let by_hand = |version: Option<&str>| -> u64 {
            conn.query_row(
                "SELECT COUNT(*) FROM inventory_item WHERE app_id = 'a' AND kind = 'team'
                 AND state = 'installed' AND version IS ?1",
                [version],
                |r| r.get::<_, i64>(0),
            )
            .expect("n") as u64
        };
        assert_eq!(
            team,
            [
                ("1.0.10", by_hand(Some("1.0.10"))),
                ("1.0.2", by_hand(Some("1.0.2"))),
                ("?", by_hand(None))
            ],
            "newest first, a missing version last as '?'"
        );
        // Archived teams' installations are counted, and said apart: they cannot be upgraded.
        for v in spread.iter().filter(|v| v.kind == TargetKind::Team) {
            let archived: u64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM inventory_item WHERE app_id = 'a' AND kind = 'team'
                     AND state = 'installed' AND archived = 1 AND COALESCE(version, '?') = ?1",
                    [v.version.as_str()],
                    |r| r.get::<_, i64>(0),
                )
                .expect("archived") as u64;
            assert_eq!(v.archived.unwrap_or(0), archived, "{v:?}");
            assert_eq!(v.changeable(), v.count - archived);
        }
        assert!(
            spread.iter().any(|v| v.archived.is_some()),
            "the test data has an archived installation"
        );
        let empty: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM inventory_count WHERE n <= 0",
                [],
                |r| r.get(0),
            )
            .expect("n");
        assert_eq!(empty, 0, "groups that emptied are removed");
    }

    #[test]
    fn a_version_filter_takes_dotted_numbers_and_refuses_anything_else() {
        for ok in ["1", "1.0", "1.0.2", "v1.0.3", " 2.10.0 "] {
            assert!(check_version("older than", ok).is_ok(), "{ok}");
        }
        for bad in [
            "abc", "", "1..2", "1.0.2.4", "1.0-beta", "1.a", "-1", "1234567",
        ] {
            let err = check_version("older than", bad).expect_err(bad);
            assert!(
                err.to_string()
                    .starts_with(&format!("older than {bad:?} is not a version")),
                "{err}"
            );
        }
    }

    #[test]
    fn a_query_is_checked_field_by_field() {
        let q = InventoryQuery {
            version: Some("latest".into()),
            ..Default::default()
        };
        assert!(q
            .check()
            .expect_err("bad")
            .to_string()
            .contains("at version"));
        let q = InventoryQuery {
            text: Some("x".repeat(201)),
            ..Default::default()
        };
        assert!(q.check().is_err());
        assert!(InventoryQuery::default().check().is_ok());
    }

    #[test]
    fn sorting_by_version_keeps_rows_without_one_last_in_both_directions() {
        for descending in [false, true] {
            let order = InventorySort::Version.order_by(descending);
            assert!(order.starts_with("version_key IS NULL"), "{order}");
            assert!(order.ends_with("target_id"), "a total order: {order}");
        }
    }
}
