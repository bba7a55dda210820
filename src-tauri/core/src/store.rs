//! BotDeck's two SQLite files.
//!
//! - The **state database** (`state.sqlite3`) keeps what the tenant cannot give back: sign-in
//!   profiles, settings, the audit log, bulk-run journals, imported permission profiles and link
//!   records (`link_*` tables). It is small, written with `synchronous=FULL`, fully checked
//!   (`integrity_check`) at every start, and copied with SQLite's backup API into `backups/`
//!   (the newest few are kept). A damaged state database is moved aside and restored from the
//!   newest backup that passes its own check, with a notice.
//! - The **cache database** (`cache.sqlite3`) only mirrors the tenant (inventory, catalog,
//!   permission names) and may be deleted at any time. It gets a full `integrity_check` after
//!   an unclean shutdown and in `doctor`, and a `quick_check` at a clean start only once the last
//!   check is a week old ([`CACHE_CHECK_INTERVAL`]), so that opening BotDeck does not slow down
//!   as the cache grows (both checks read every page). Damage confined to
//!   indexes is repaired with `REINDEX`; anything more moves the file aside and starts an empty
//!   one that the next sync refills from Graph.
//!
//! One connection serves both: the state database is `main`, the cache is attached as `cache`.
//! Table names are unique across the two, so queries need no schema prefix. Each file keeps its
//! own forward-only migrations in its own `user_version`. Foreign keys and triggers cannot cross
//! files: a table that refers to another belongs in the same database.
//!
//! Installations from before the split kept everything in `botdeck.sqlite3`; the first start of
//! this build copies it into the two files once and keeps the old file as
//! `botdeck.sqlite3.migrated-<time>`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{Connection, DatabaseName, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::notice::{Notice, NoticeLevel};
use crate::private;

/// The `setting` table (state database): key/value preferences, written only by
/// [`Store::set_setting`].
pub const SETTING_SCHEMA: &str = "CREATE TABLE setting (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;";

pub const STATE_FILE: &str = "state.sqlite3";
pub const CACHE_FILE: &str = "cache.sqlite3";
/// The single file of installations from before the split.
pub const LEGACY_FILE: &str = "botdeck.sqlite3";
pub const BACKUP_DIR: &str = "backups";
/// How many state backups are kept; the oldest goes when a new one is made.
pub const BACKUPS_KEPT: usize = 5;
/// A start makes a new backup only when the newest is older than this, so a script running
/// many commands does not rotate the useful backups away within a minute.
const BACKUP_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// Present while a process has the cache open; left behind by a crash or power loss.
const IN_USE_MARKER_PREFIX: &str = ".cache-in-use-";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data folder {path} cannot be used: {reason}. Check that it exists, is a folder and is writable, or point BOTDECK_DATA_DIR elsewhere")]
    DataDirUnusable { path: PathBuf, reason: String },
    #[error("the database {path} was written by a newer BotDeck (schema {found}, this build knows {known}); update BotDeck or move the file away")]
    NewerSchema {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("the database {path} is damaged and could not be moved aside: {reason}")]
    CorruptAndStuck { path: PathBuf, reason: String },
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
}

impl StoreError {
    fn file(path: &Path, err: impl std::fmt::Display) -> Self {
        Self::File {
            path: path.to_path_buf(),
            reason: err.to_string(),
        }
    }
}

/// Every table's migration steps, per file. The list lives in the `schema` module, above the
/// features that own the tables, so that this lowest floor knows none of them.
pub struct Schema {
    /// State database steps. Forward-only; step N leaves `user_version` = N. Never edit a
    /// released step: append one.
    pub state: &'static [M<'static>],
    /// Cache database steps: only mirrors of the tenant. Same rules.
    pub cache: &'static [M<'static>],
}

/// When the cache last passed a check at start-up. A clean start checks it only when this is
/// older than [`CACHE_CHECK_INTERVAL`]: `quick_check` reads every page, so checking at every
/// start would make opening BotDeck as slow as its cache is large. The store's own table: the
/// `schema` module lists this step among the cache's.
pub const CACHE_CHECK_SCHEMA: &str = "CREATE TABLE cache_check (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at TEXT NOT NULL,
        thorough   INTEGER NOT NULL
    ) STRICT;";

/// How long a clean start trusts the cache's last check. After an unclean shutdown the cache
/// always gets a full `integrity_check`, and `doctor` runs one whenever asked; the scheduled
/// `quick_check` only catches damage from outside BotDeck (disk faults, other programs).
pub const CACHE_CHECK_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    State,
    Cache,
}

impl Kind {
    fn steps(self, schema: &Schema) -> &'static [M<'static>] {
        match self {
            Self::State => schema.state,
            Self::Cache => schema.cache,
        }
    }

    fn file(self) -> &'static str {
        match self {
            Self::State => STATE_FILE,
            Self::Cache => CACHE_FILE,
        }
    }

    fn synchronous(self) -> &'static str {
        match self {
            // Losing a committed profile or journal entry to a power cut is not acceptable.
            Self::State => "FULL",
            Self::Cache => "NORMAL",
        }
    }
}

/// How hard to look at the cache when opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheCheck {
    /// `integrity_check` when the previous run did not close cleanly; otherwise `quick_check`
    /// when the last check is older than [`CACHE_CHECK_INTERVAL`], else none (start-up then
    /// costs the same whatever the cache holds).
    #[default]
    Normal,
    /// Always `integrity_check` (what `doctor` asks for): it also cross-checks every index.
    Thorough,
}

/// What happened while opening, for the start-up notices and `doctor`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenReport {
    pub state_schema_version: usize,
    pub cache_schema_version: usize,
    /// Set once, when a pre-split `botdeck.sqlite3` was copied into the two files; the old file
    /// is kept at this path.
    pub legacy_migrated_to: Option<String>,
    /// Tables of the old file that could not be read while migrating (damage in the old file).
    pub legacy_tables_not_copied: Vec<String>,
    /// The state database failed its check and was moved here.
    pub state_damaged_moved_to: Option<String>,
    /// …and was restored from this backup. `None` with `state_damaged_moved_to` set means no
    /// usable backup existed and the state starts empty.
    pub state_restored_from: Option<String>,
    /// The cache failed its check beyond its indexes and was moved here; a fresh one was
    /// started and is refilled from the tenant by the next sync.
    pub cache_moved_to: Option<String>,
    /// The cache's indexes were damaged and rebuilt (`REINDEX`); no data was lost.
    pub cache_reindexed: bool,
    /// The cache got a full `integrity_check` (after an unclean shutdown, or asked for).
    pub cache_checked_thoroughly: bool,
    /// Files or folders that group or other users could read, now owner-only.
    pub made_private: Vec<String>,
}

impl OpenReport {
    /// What the admin should be told, worded once for the window, the CLI and `doctor`.
    pub fn notices(&self) -> Vec<Notice> {
        let mut notices = Vec::new();
        if let Some(old) = &self.legacy_migrated_to {
            let mut message = format!(
                "Profiles, settings, the audit log and bulk-run journals now live in {STATE_FILE}; \
                 the tenant mirror in {CACHE_FILE}. The old file was kept at {old} and can be \
                 deleted once you are satisfied."
            );
            if !self.legacy_tables_not_copied.is_empty() {
                message.push_str(&format!(
                    " These tables of the old file were damaged and could not be copied: {}.",
                    self.legacy_tables_not_copied.join(", ")
                ));
            }
            notices.push(Notice {
                id: "store-migrated".into(),
                level: if self.legacy_tables_not_copied.is_empty() {
                    NoticeLevel::Info
                } else {
                    NoticeLevel::Warning
                },
                title: "BotDeck's data was split into a state file and a cache file".into(),
                message,
            });
        }
        if let Some(moved) = &self.state_damaged_moved_to {
            notices.push(match &self.state_restored_from {
                Some(backup) => Notice {
                    id: "state-restored".into(),
                    level: NoticeLevel::Warning,
                    title: "Profiles, settings and the audit log were restored from a backup"
                        .into(),
                    message: format!(
                        "The state database was damaged (kept at {moved}) and was restored from \
                         {backup}. Changes made after that backup are missing."
                    ),
                },
                None => Notice {
                    id: "state-lost".into(),
                    level: NoticeLevel::Error,
                    title: "Profiles, settings and the audit log could not be recovered".into(),
                    message: format!(
                        "The state database was damaged (kept at {moved}) and no usable backup \
                         exists. Sign in again; support may be able to read the damaged file."
                    ),
                },
            });
        }
        if let Some(moved) = &self.cache_moved_to {
            notices.push(Notice {
                id: "cache-recreated".into(),
                level: NoticeLevel::Warning,
                title: "The local cache was damaged and has been recreated".into(),
                message: format!(
                    "The damaged file was kept at {moved}. Nothing is lost: the cache only \
                     mirrors your tenant and is rebuilt from Microsoft Graph on the next sync. \
                     Profiles, settings, the audit log and bulk-run journals are kept separately \
                     and are untouched."
                ),
            });
        } else if self.cache_reindexed {
            notices.push(Notice {
                id: "cache-reindexed".into(),
                level: NoticeLevel::Info,
                title: "The local cache's indexes were repaired".into(),
                message: "Some of the cache's indexes did not match its data and were rebuilt; \
                          no data was lost."
                    .into(),
            });
        }
        notices.extend(private::notice(&self.made_private));
        notices
    }
}

static MARKER_SEQ: AtomicU64 = AtomicU64::new(0);

pub struct Store {
    conn: Connection,
    dir: PathBuf,
    in_use_marker: Option<InUseMarker>,
}

/// This process's "the cache is open" file. The process holds an exclusive lock on it while the
/// store is open (the OS drops the lock when the process dies, however it dies), so another
/// process opening the same folder — the CLI while the window runs — can tell a live owner's
/// marker (locked: leave it alone) from a crashed one's (unlocked: check the cache).
struct InUseMarker {
    path: PathBuf,
    _held: std::fs::File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(marker) = self.in_use_marker.take() {
            // Only a clean close removes it; its absence tells the next start all was well.
            let _ = std::fs::remove_file(&marker.path);
        }
    }
}

impl Store {
    /// Opens (creating, migrating and repairing when needed) both databases in `data_dir` with
    /// the given tables; the `schema` module has BotDeck's (`Store::open_in`).
    pub fn open_with_schema(
        data_dir: &Path,
        cache_check: CacheCheck,
        schema: &Schema,
    ) -> Result<(Self, OpenReport), StoreError> {
        let unusable = |e: std::io::Error| StoreError::DataDirUnusable {
            path: data_dir.to_path_buf(),
            reason: e.to_string(),
        };
        let mut report = OpenReport::default();
        // Tightened before anything is created, so that what was loose is reported; an empty
        // folder someone made for BotDeck (BOTDECK_DATA_DIR) exposed nothing yet, so it is
        // tightened without a word.
        let was_empty = std::fs::read_dir(data_dir).is_ok_and(|mut d| d.next().is_none());
        match private::tighten_tree(data_dir) {
            Ok(fixed) if was_empty => drop(fixed),
            Ok(fixed) => {
                report.made_private = fixed.iter().map(|p| p.display().to_string()).collect()
            }
            Err(err) => {
                tracing::warn!(dir = %data_dir.display(), %err, "cannot make the data folder private")
            }
        }
        private::create_private_dir(data_dir).map_err(unusable)?;
        let state_path = data_dir.join(STATE_FILE);
        let cache_path = data_dir.join(CACHE_FILE);
        let legacy = data_dir.join(LEGACY_FILE);
        if !state_path.exists() && legacy.exists() {
            migrate_legacy(data_dir, &legacy, schema, &mut report)?;
        }

        report.state_schema_version = prepare_state(data_dir, schema, &mut report)?;

        // Markers of processes that still have the cache open are not crashes.
        let markers = abandoned_in_use_markers(data_dir);
        let thorough = cache_check == CacheCheck::Thorough || !markers.is_empty();
        report.cache_schema_version = prepare_cache(&cache_path, thorough, schema, &mut report)?;
        if thorough && report.cache_moved_to.is_none() {
            // The cache passed a full check (or was repaired): earlier crashes are dealt with.
            for marker in markers {
                let _ = std::fs::remove_file(marker);
            }
        }

        let conn = open_both(&state_path, &cache_path)?;
        let marker = data_dir.join(format!(
            "{IN_USE_MARKER_PREFIX}{}-{}",
            std::process::id(),
            MARKER_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let in_use_marker = match hold_in_use_marker(&marker) {
            Ok(held) => Some(InUseMarker {
                path: marker,
                _held: held,
            }),
            Err(err) => {
                tracing::warn!(%err, "cannot mark the cache as in use; an unclean shutdown will go unnoticed");
                None
            }
        };
        Ok((
            Self {
                conn,
                dir: data_dir.to_path_buf(),
                in_use_marker,
            },
            report,
        ))
    }

    /// Closes the store as a crash would: the connection and the marker's lock go, the marker
    /// stays. Tests of crash recovery use it; a clean close is `drop`.
    #[doc(hidden)]
    pub fn close_as_if_crashed(mut self) {
        self.in_use_marker = None;
    }

    /// The data folder both files live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    pub fn cache_path(&self) -> PathBuf {
        self.dir.join(CACHE_FILE)
    }

    /// The state database's schema version.
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(Some(DatabaseName::Main), "user_version", |row| row.get(0))?)
    }

    pub fn cache_schema_version(&self) -> Result<usize, StoreError> {
        Ok(self.conn.pragma_query_value(
            Some(DatabaseName::Attached("cache")),
            "user_version",
            |row| row.get(0),
        )?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Copies the state database into `backups/` now (whatever the age of the newest backup)
    /// and drops the oldest beyond [`BACKUPS_KEPT`]. Returns the new backup's path.
    pub fn back_up_state(&self) -> Result<PathBuf, StoreError> {
        back_up_state(&self.conn, &self.dir)
    }

    /// For modules that own their tables (added by their own migrations).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Reads an id column (catalog, manifest or Entra app id) back into its type. A stored value
/// that is not one means the row was written wrongly: a conversion error, never a panic.
pub fn id_column<T, I>(row: &rusqlite::Row<'_>, idx: I) -> rusqlite::Result<T>
where
    T: TryFrom<String, Error = crate::ids::IdError>,
    I: rusqlite::RowIndex + Copy,
{
    let text: String = row.get(idx)?;
    T::try_from(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// [`id_column`] for a column that may be NULL.
pub fn optional_id_column<T, I>(row: &rusqlite::Row<'_>, idx: I) -> rusqlite::Result<Option<T>>
where
    T: TryFrom<String, Error = crate::ids::IdError>,
    I: rusqlite::RowIndex + Copy,
{
    let text: Option<String> = row.get(idx)?;
    text.map(T::try_from).transpose().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The state backups, newest first.
pub fn state_backups(data_dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(data_dir.join(BACKUP_DIR))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("state-") && n.ends_with(".sqlite3"))
                })
                .collect()
        })
        .unwrap_or_default();
    // The names carry a sortable UTC time stamp.
    found.sort();
    found.reverse();
    found
}

fn backup_time(path: &Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let name = path.file_name()?.to_str()?;
    let stamp = name.strip_prefix("state-")?.strip_suffix(".sqlite3")?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%3fZ")
        .ok()
        .map(|t| t.and_utc())
}

fn back_up_state(conn: &Connection, data_dir: &Path) -> Result<PathBuf, StoreError> {
    let dir = data_dir.join(BACKUP_DIR);
    private::create_private_dir(&dir).map_err(|e| StoreError::file(&dir, e))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ");
    let target = dir.join(format!("state-{stamp}.sqlite3"));
    // Written under another name first: a half-written copy must never count as a backup.
    let partial = dir.join(format!("state-{stamp}.partial"));
    private::create_private_file(&partial).map_err(|e| StoreError::file(&partial, e))?;
    conn.backup(DatabaseName::Main, &partial, None)?;
    std::fs::rename(&partial, &target).map_err(|e| StoreError::file(&target, e))?;
    for old in state_backups(data_dir).into_iter().skip(BACKUPS_KEPT) {
        if let Err(err) = std::fs::remove_file(&old) {
            tracing::warn!(file = %old.display(), %err, "cannot remove an old state backup");
        }
    }
    Ok(target)
}

fn back_up_state_if_due(conn: &Connection, data_dir: &Path) {
    let newest = state_backups(data_dir).first().and_then(|p| backup_time(p));
    let due = match newest {
        Some(at) => chrono::Utc::now() - at >= BACKUP_INTERVAL,
        None => true,
    };
    if due {
        if let Err(err) = back_up_state(conn, data_dir) {
            // Not fatal: the state itself is fine; the next start tries again.
            tracing::warn!(%err, "cannot back up the state database");
        }
    }
}

/// Checks, repairs or restores, and migrates the state database; returns its schema version.
fn prepare_state(
    data_dir: &Path,
    schema: &Schema,
    report: &mut OpenReport,
) -> Result<usize, StoreError> {
    let path = data_dir.join(STATE_FILE);
    let problems = match open_file(&path, Kind::State) {
        Ok(conn) => match check(&conn, "main", true)? {
            Health::Good => None,
            Health::Damaged(problems) => Some(problems),
        },
        Err(OpenFailure::Damaged(reason)) => Some(vec![reason]),
        Err(OpenFailure::Other(err)) => return Err(err),
    };
    if let Some(problems) = problems {
        let moved = move_aside(&path).map_err(|e| StoreError::CorruptAndStuck {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        tracing::error!(
            damaged = %path.display(),
            moved_to = %moved.display(),
            problems = %problems.join("; "),
            "the state database failed its integrity check"
        );
        report.state_damaged_moved_to = Some(moved.display().to_string());
        report.state_restored_from =
            restore_state(data_dir, &path)?.map(|b| b.display().to_string());
    }
    let mut conn = match open_file(&path, Kind::State) {
        Ok(conn) => conn,
        Err(OpenFailure::Damaged(reason)) => {
            return Err(StoreError::CorruptAndStuck { path, reason })
        }
        Err(OpenFailure::Other(err)) => return Err(err),
    };
    let version = migrate(&mut conn, &path, Kind::State, schema)?;
    back_up_state_if_due(&conn, data_dir);
    Ok(version)
}

/// Puts the newest backup that passes `integrity_check` in place of the state database.
fn restore_state(data_dir: &Path, path: &Path) -> Result<Option<PathBuf>, StoreError> {
    for backup in state_backups(data_dir) {
        let source = match Connection::open_with_flags(
            &backup,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) {
            Ok(conn) => conn,
            Err(_) => continue,
        };
        if !matches!(check(&source, "main", true), Ok(Health::Good)) {
            tracing::warn!(backup = %backup.display(), "a state backup is damaged too; trying an older one");
            continue;
        }
        let restoring = path.with_extension("sqlite3.restoring");
        let _ = std::fs::remove_file(&restoring);
        private::create_private_file(&restoring).map_err(|e| StoreError::file(&restoring, e))?;
        source.backup(DatabaseName::Main, &restoring, None)?;
        drop(source);
        std::fs::rename(&restoring, path).map_err(|e| StoreError::file(path, e))?;
        tracing::warn!(backup = %backup.display(), "the state database was restored from a backup");
        return Ok(Some(backup));
    }
    Ok(None)
}

/// Checks the cache, repairs indexes or starts over, and migrates it; returns its version.
fn prepare_cache(
    path: &Path,
    thorough: bool,
    schema: &Schema,
    report: &mut OpenReport,
) -> Result<usize, StoreError> {
    report.cache_checked_thoroughly = thorough;
    let mut checked = false;
    let health = match open_file(path, Kind::Cache) {
        Ok(conn) if !thorough && !cache_check_due(&conn) => Health::Good,
        Ok(conn) => match check(&conn, "main", thorough).inspect(|_| checked = true)? {
            Health::Good => Health::Good,
            Health::Damaged(problems) if only_index_damage(&problems) => {
                tracing::warn!(problems = %problems.join("; "), "the cache's indexes are damaged; rebuilding them");
                let repaired = conn.execute_batch("REINDEX;").is_ok()
                    && matches!(check(&conn, "main", true), Ok(Health::Good));
                if repaired {
                    report.cache_reindexed = true;
                    Health::Good
                } else {
                    Health::Damaged(problems)
                }
            }
            damaged => damaged,
        },
        Err(OpenFailure::Damaged(reason)) => Health::Damaged(vec![reason]),
        Err(OpenFailure::Other(err)) => return Err(err),
    };
    if let Health::Damaged(problems) = health {
        let moved = move_aside(path).map_err(|e| StoreError::CorruptAndStuck {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        tracing::warn!(
            damaged = %path.display(),
            moved_to = %moved.display(),
            problems = %problems.join("; "),
            "the local cache failed its integrity check; it was moved aside and a new one \
             created. Inventory will be rebuilt on the next sync"
        );
        report.cache_moved_to = Some(moved.display().to_string());
        report.cache_reindexed = false;
    }
    let mut conn = match open_file(path, Kind::Cache) {
        Ok(conn) => conn,
        Err(OpenFailure::Damaged(reason)) => {
            return Err(StoreError::CorruptAndStuck {
                path: path.to_path_buf(),
                reason,
            })
        }
        Err(OpenFailure::Other(err)) => return Err(err),
    };
    let version = migrate(&mut conn, path, Kind::Cache, schema)?;
    if checked {
        // Passed (or repaired, or started afresh): the next clean starts may skip the check.
        if let Err(err) = conn.execute(
            "INSERT INTO cache_check (id, checked_at, thorough) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at,
                thorough = excluded.thorough",
            rusqlite::params![chrono::Utc::now().to_rfc3339(), thorough],
        ) {
            tracing::warn!(%err, "cannot record the cache check; the next start checks again");
        }
    }
    Ok(version)
}

/// True when a clean start should `quick_check` the cache: never checked (an older build's
/// file, or one from before this step), checked longer ago than [`CACHE_CHECK_INTERVAL`] or
/// "in the future" (the clock moved back), or the marker cannot be read at all.
fn cache_check_due(conn: &Connection) -> bool {
    let last: Result<Option<String>, rusqlite::Error> = conn
        .query_row("SELECT checked_at FROM cache_check WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional();
    let Ok(Some(last)) = last else {
        return true;
    };
    match chrono::DateTime::parse_from_rfc3339(&last) {
        Ok(at) => {
            let age = chrono::Utc::now() - at.with_timezone(&chrono::Utc);
            age >= CACHE_CHECK_INTERVAL || age < -chrono::TimeDelta::days(1)
        }
        Err(_) => true,
    }
}

/// True when every problem `integrity_check` found is an index that disagrees with its table:
/// the table itself is sound, so rebuilding the indexes loses nothing.
fn only_index_damage(problems: &[String]) -> bool {
    !problems.is_empty()
        && problems.iter().all(|p| {
            (p.starts_with("row ") && p.contains(" missing from index "))
                || p.starts_with("wrong # of entries in index ")
                || p.starts_with("non-unique entry in UNIQUE index ")
        })
}

enum Health {
    Good,
    Damaged(Vec<String>),
}

fn check(conn: &Connection, schema: &str, thorough: bool) -> Result<Health, StoreError> {
    let pragma = if thorough {
        "integrity_check"
    } else {
        "quick_check"
    };
    let rows: Result<Vec<String>, rusqlite::Error> = conn
        .prepare(&format!("PRAGMA {schema}.{pragma}(100)"))
        .and_then(|mut stmt| stmt.query_map([], |row| row.get::<_, String>(0))?.collect());
    match rows {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => Ok(Health::Good),
        Ok(rows) => Ok(Health::Damaged(rows)),
        Err(err) => match classify(err) {
            OpenFailure::Damaged(reason) => Ok(Health::Damaged(vec![reason])),
            OpenFailure::Other(err) => Err(err),
        },
    }
}

fn open_file(path: &Path, kind: Kind) -> Result<Connection, OpenFailure> {
    if !path.exists() {
        private::create_private_file(path)
            .map_err(|e| OpenFailure::Other(StoreError::file(path, e)))?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(classify)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(classify)?;
    // A file that is not a database at all fails on its first read, i.e. here.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(classify)?;
    conn.pragma_update(None, "synchronous", kind.synchronous())
        .map_err(classify)?;
    Ok(conn)
}

/// The connection everything else uses: state as `main`, the cache attached as `cache`.
fn open_both(state: &Path, cache: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        state,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let cache_name = cache.to_str().ok_or_else(|| StoreError::DataDirUnusable {
        path: cache.to_path_buf(),
        reason: "the path is not valid Unicode".into(),
    })?;
    conn.execute("ATTACH DATABASE ?1 AS cache", [cache_name])?;
    for kind in [Kind::State, Kind::Cache] {
        let schema = match kind {
            Kind::State => DatabaseName::Main,
            Kind::Cache => DatabaseName::Attached("cache"),
        };
        conn.pragma_update(Some(schema), "journal_mode", "WAL")?;
        conn.pragma_update(Some(schema), "synchronous", kind.synchronous())?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn migrate(
    conn: &mut Connection,
    path: &Path,
    kind: Kind,
    schema: &Schema,
) -> Result<usize, StoreError> {
    let known = kind.steps(schema).len();
    let found: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > known {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    Migrations::new(kind.steps(schema).to_vec()).to_latest(conn)?;
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

fn hold_in_use_marker(path: &Path) -> std::io::Result<std::fs::File> {
    private::create_private_file(path)?;
    let file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.try_lock().map_err(std::io::Error::other)?;
    Ok(file)
}

/// In-use markers no live process holds: each one is an unclean shutdown.
fn abandoned_in_use_markers(data_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data_dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(IN_USE_MARKER_PREFIX))
                })
                .filter(|p| !held_by_a_live_process(p))
                .collect()
        })
        .unwrap_or_default()
}

fn held_by_a_live_process(marker: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new().write(true).open(marker) else {
        return false;
    };
    match file.try_lock() {
        // Nobody holds it; the lock goes again when `file` closes.
        Ok(()) => false,
        Err(std::fs::TryLockError::WouldBlock) => true,
        // Locks unsupported here (some network file systems): assume the worst, as before.
        Err(std::fs::TryLockError::Error(_)) => false,
    }
}

/// Copies a pre-split `botdeck.sqlite3` into the state and cache databases, once. Each new file
/// is built under a temporary name and renamed into place, so a crash half-way leaves the old
/// file the only truth and the next start simply does it again.
fn migrate_legacy(
    data_dir: &Path,
    legacy: &Path,
    schema: &Schema,
    report: &mut OpenReport,
) -> Result<(), StoreError> {
    let legacy_name = legacy.to_str().ok_or_else(|| StoreError::DataDirUnusable {
        path: legacy.to_path_buf(),
        reason: "the path is not valid Unicode".into(),
    })?;
    for kind in [Kind::Cache, Kind::State] {
        let target = data_dir.join(kind.file());
        if kind == Kind::Cache && target.exists() {
            continue;
        }
        let building = data_dir.join(format!("{}.migrating", kind.file()));
        for stale in [
            building.clone(),
            PathBuf::from(format!("{}-wal", building.display())),
            PathBuf::from(format!("{}-shm", building.display())),
        ] {
            let _ = std::fs::remove_file(stale);
        }
        private::create_private_file(&building).map_err(|e| StoreError::file(&building, e))?;
        {
            let mut conn = Connection::open(&building)?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            // Tables are copied in name order (bulk_item before bulk_run); the old file already
            // held its rows to their foreign keys.
            conn.pragma_update(None, "foreign_keys", "OFF")?;
            Migrations::new(kind.steps(schema).to_vec()).to_latest(&mut conn)?;
            let attached = conn.execute("ATTACH DATABASE ?1 AS legacy", [legacy_name]);
            let tables: Vec<String> = conn
                .prepare(
                    "SELECT name FROM main.sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )?
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            for table in tables {
                let copied = attached
                    .as_ref()
                    .map_err(|e| e.to_string())
                    .and_then(|_| copy_table(&conn, &table).map_err(|e| e.to_string()));
                if let Err(err) = copied {
                    tracing::warn!(%table, %err, "cannot copy a table out of the old database");
                    if kind == Kind::State {
                        report.legacy_tables_not_copied.push(table);
                    }
                }
            }
            if attached.is_ok() {
                conn.execute_batch("DETACH DATABASE legacy")?;
            }
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        std::fs::rename(&building, &target).map_err(|e| StoreError::file(&target, e))?;
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let kept = data_dir.join(format!("{LEGACY_FILE}.migrated-{stamp}"));
    rename_with_companions(legacy, &kept).map_err(|e| StoreError::file(legacy, e))?;
    tracing::info!(kept = %kept.display(), "the single database was split into state and cache");
    report.legacy_migrated_to = Some(kept.display().to_string());
    Ok(())
}

/// Copies the columns both versions of `table` have, in one transaction.
fn copy_table(conn: &Connection, table: &str) -> Result<(), rusqlite::Error> {
    let columns = |schema: &str| -> Result<Vec<String>, rusqlite::Error> {
        conn.prepare(&format!("PRAGMA {schema}.table_info(\"{table}\")"))?
            .query_map([], |row| row.get::<_, String>(1))?
            .collect()
    };
    let old = columns("legacy")?;
    if old.is_empty() {
        return Ok(()); // the old file never had this table
    }
    let shared: Vec<String> = columns("main")?
        .into_iter()
        .filter(|c| old.contains(c))
        .map(|c| format!("\"{c}\""))
        .collect();
    let list = shared.join(", ");
    conn.execute_batch(&format!(
        "BEGIN; INSERT INTO main.\"{table}\" ({list}) SELECT {list} FROM legacy.\"{table}\"; COMMIT;"
    ))
    .inspect_err(|_| {
        let _ = conn.execute_batch("ROLLBACK");
    })
}

enum OpenFailure {
    Damaged(String),
    Other(StoreError),
}

fn classify(err: rusqlite::Error) -> OpenFailure {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            OpenFailure::Damaged(err.to_string())
        }
        _ => OpenFailure::Other(StoreError::Sqlite(err)),
    }
}

/// Renames a damaged file (and its WAL/SHM companions) to `<name>.corrupt-<time>`: never
/// deleted, support may want it.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ");
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("database");
    let target = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    rename_with_companions(path, &target)?;
    Ok(target)
}

fn rename_with_companions(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    for suffix in ["-wal", "-shm"] {
        let companion = PathBuf::from(format!("{}{suffix}", from.display()));
        if companion.exists() {
            std::fs::rename(
                &companion,
                PathBuf::from(format!("{}{suffix}", to.display())),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CACHE_SCHEMA_VERSION, CACHE_STEPS, STATE_SCHEMA_VERSION, STATE_STEPS};

    fn temp() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    fn tables(conn: &Connection, schema: &str) -> Vec<String> {
        conn.prepare(&format!(
            "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'rusqlite_%' ORDER BY name"
        ))
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    }

    #[test]
    fn fresh_store_has_two_files_in_wal_mode_with_the_right_durability() {
        let dir = temp();
        let (store, report) = Store::open_in(dir.path()).expect("open");
        assert_eq!(report.state_schema_version, STATE_SCHEMA_VERSION);
        assert_eq!(report.cache_schema_version, CACHE_SCHEMA_VERSION);
        assert!(report.notices().is_empty(), "{:?}", report.notices());
        assert!(dir.path().join(STATE_FILE).exists());
        assert!(dir.path().join(CACHE_FILE).exists());
        let conn = store.connection();
        for schema in ["main", "cache"] {
            let mode: String = conn
                .query_row(&format!("PRAGMA {schema}.journal_mode"), [], |r| r.get(0))
                .expect("journal mode");
            assert_eq!(mode, "wal", "{schema}");
        }
        let sync = |schema: &str| -> i64 {
            conn.query_row(&format!("PRAGMA {schema}.synchronous"), [], |r| r.get(0))
                .expect("synchronous")
        };
        assert_eq!(sync("main"), 2, "the state database is written with FULL");
        assert_eq!(sync("cache"), 1, "the cache with NORMAL");
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .expect("fk");
        assert_eq!(fk, 1);
        assert_eq!(store.schema_version().expect("v"), STATE_SCHEMA_VERSION);
        assert_eq!(
            store.cache_schema_version().expect("v"),
            CACHE_SCHEMA_VERSION
        );
    }

    #[test]
    fn what_cannot_be_rebuilt_is_in_the_state_file_and_mirrors_in_the_cache() {
        let dir = temp();
        let (store, _) = Store::open_in(dir.path()).expect("open");
        let state = tables(store.connection(), "main");
        for table in [
            "audit_log",
            "bulk_item",
            "bulk_run",
            "permission_profile",
            "profile",
            "setting",
        ] {
            assert!(state.contains(&table.to_string()), "{table} in {state:?}");
        }
        assert!(
            state
                .iter()
                .all(|t| !t.starts_with("inventory") && !t.starts_with("catalog")),
            "{state:?}"
        );
        let cache = tables(store.connection(), "cache");
        for table in [
            "catalog_app",
            "inventory_delta",
            "inventory_item",
            "inventory_sync",
            "permission_name_cache",
            "permission_inspection",
            "permission_rsc_grant",
        ] {
            assert!(cache.contains(&table.to_string()), "{table} in {cache:?}");
        }
        assert!(
            !cache.iter().any(|t| state.contains(t)),
            "a table name in both files would be ambiguous"
        );
    }

    #[test]
    fn settings_survive_reopen() {
        let dir = temp();
        {
            let (store, _) = Store::open_in(dir.path()).expect("open");
            store.set_setting("theme", "dark").expect("set");
            store.set_setting("theme", "light").expect("overwrite");
        }
        let (store, _) = Store::open_in(dir.path()).expect("reopen");
        assert_eq!(
            store.setting("theme").expect("get").as_deref(),
            Some("light")
        );
        assert_eq!(store.setting("missing").expect("get"), None);
    }

    #[test]
    fn garbage_cache_is_moved_aside_and_settings_stay() {
        let dir = temp();
        {
            let (store, _) = Store::open_in(dir.path()).expect("open");
            store.set_setting("theme", "dark").expect("set");
        }
        let db = dir.path().join(CACHE_FILE);
        std::fs::write(&db, b"this is not a database, it is a shopping list").expect("write");
        let (store, report) = Store::open_in(dir.path()).expect("recovers");
        let moved = report.cache_moved_to.expect("reported as moved");
        assert!(moved.contains(".corrupt-"));
        let kept = std::fs::read(&moved).expect("damaged file kept for support");
        assert!(kept.starts_with(b"this is not a database"));
        assert_eq!(
            store.setting("theme").expect("get").as_deref(),
            Some("dark")
        );
    }

    #[test]
    fn unusable_data_dir_is_a_clear_error() {
        let dir = temp();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").expect("write");
        // A folder below a regular file cannot exist, whoever runs the test (root included).
        let err = Store::open_in(&file.join("data")).expect_err("must fail");
        assert!(matches!(err, StoreError::DataDirUnusable { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("a-file") && msg.contains("BOTDECK_DATA_DIR"),
            "{msg}"
        );
    }

    #[test]
    fn newer_schema_is_refused_without_touching_the_file() {
        for file in [STATE_FILE, CACHE_FILE] {
            let dir = temp();
            let db = dir.path().join(file);
            {
                let conn = Connection::open(&db).expect("open");
                conn.pragma_update(None, "user_version", 99)
                    .expect("set version");
            }
            let err = Store::open_in(dir.path()).expect_err("must refuse");
            assert!(
                matches!(err, StoreError::NewerSchema { found: 99, .. }),
                "{file}: {err}"
            );
            let conn = Connection::open(&db).expect("open");
            let v: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .expect("version");
            assert_eq!(v, 99, "the newer file must be left as it was");
        }
    }

    /// The single-file layout of every build before the split: the same steps in one file.
    fn write_legacy(path: &Path) {
        let mut conn = Connection::open(path).expect("legacy");
        let steps: Vec<M<'static>> = vec![
            STATE_STEPS[0].clone(),
            STATE_STEPS[1].clone(),
            M::up(crate::audit::SCHEMA),
            M::up(crate::catalog::SCHEMA),
            M::up(
                // one step held both parts
                Box::leak(
                    format!(
                        "{}\n{}",
                        crate::installs::INVENTORY_SCHEMA,
                        crate::installs::JOURNAL_SCHEMA
                    )
                    .into_boxed_str(),
                ),
            ),
            M::up(Box::leak(
                format!(
                    "{}\n{}",
                    crate::permissions::PROFILE_SCHEMA,
                    crate::permissions::NAME_CACHE_SCHEMA
                )
                .into_boxed_str(),
            )),
        ];
        Migrations::new(steps)
            .to_latest(&mut conn)
            .expect("legacy schema");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.execute_batch(
            "INSERT INTO setting VALUES ('theme', 'dark');
             INSERT INTO profile (id, name, tenant, cloud, client_id, created_at)
                VALUES ('p1', 'Contoso', 'contoso.com', '{\"kind\":\"global\"}', 'c', '2026-01-01T00:00:00Z');
             INSERT INTO audit_log (at, actor, action, target_kind, target_id, outcome)
                VALUES ('2026-01-01T00:00:00Z', 'a@contoso.com', 'install', 'team', 't1', 'succeeded');
             INSERT INTO bulk_run (id, app_id, app_name, action, created_at, status, actor)
                VALUES ('r1', 'app', 'FlashDuty', 'install', '2026-01-01T00:00:00Z', 'running', 'a');
             INSERT INTO bulk_item (run_id, seq, kind, target_id, state)
                VALUES ('r1', 1, 'team', 't1', 'in_flight');
             INSERT INTO inventory_item (app_id, kind, target_id, display_name, seen_generation)
                VALUES ('app', 'team', 't1', 'Team 1', 1);",
        )
        .expect("rows");
    }

    #[test]
    fn a_single_file_installation_is_split_once_without_loss() {
        let dir = temp();
        let legacy = dir.path().join(LEGACY_FILE);
        write_legacy(&legacy);
        let (store, report) = Store::open_in(dir.path()).expect("open");
        let kept = report.legacy_migrated_to.clone().expect("migrated");
        assert!(Path::new(&kept).exists(), "the old file is kept");
        assert!(!legacy.exists());
        assert!(report.legacy_tables_not_copied.is_empty());
        let count = |sql: &str| -> i64 {
            store
                .connection()
                .query_row(sql, [], |r| r.get(0))
                .expect(sql)
        };
        assert_eq!(
            count("SELECT count(*) FROM main.profile WHERE name = 'Contoso'"),
            1
        );
        assert_eq!(count("SELECT count(*) FROM main.audit_log"), 1);
        assert_eq!(
            count("SELECT count(*) FROM main.bulk_item WHERE state = 'in_flight'"),
            1
        );
        assert_eq!(count("SELECT count(*) FROM cache.inventory_item"), 1);
        assert_eq!(
            store.setting("theme").expect("get").as_deref(),
            Some("dark")
        );
        assert!(report.notices().iter().any(|n| n.id == "store-migrated"));
        drop(store);
        let (_, again) = Store::open_in(dir.path()).expect("reopen");
        assert_eq!(again.legacy_migrated_to, None, "only once");
    }

    #[test]
    fn a_garbage_legacy_file_is_kept_and_named_in_the_notice() {
        let dir = temp();
        std::fs::write(dir.path().join(LEGACY_FILE), b"not sqlite at all").expect("write");
        let (store, report) = Store::open_in(dir.path()).expect("open");
        assert!(report.legacy_migrated_to.is_some());
        assert!(report
            .legacy_tables_not_copied
            .contains(&"profile".to_string()));
        store.set_setting("k", "v").expect("usable");
    }

    #[test]
    fn backups_rotate_and_keep_a_few() {
        let dir = temp();
        let (store, _) = Store::open_in(dir.path()).expect("open");
        assert_eq!(
            state_backups(dir.path()).len(),
            1,
            "the first start backs up"
        );
        for _ in 0..(BACKUPS_KEPT + 3) {
            store.back_up_state().expect("backup");
            std::thread::sleep(Duration::from_millis(2));
        }
        let backups = state_backups(dir.path());
        assert_eq!(backups.len(), BACKUPS_KEPT);
        drop(store);
        let (_, _) = Store::open_in(dir.path()).expect("reopen");
        assert_eq!(
            state_backups(dir.path()),
            backups,
            "a start within the interval does not rotate the useful backups away"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_and_folders_are_private_and_loose_ones_are_fixed_with_a_notice() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp();
        let data = dir.path().join("data");
        {
            let (store, report) = Store::open_in(&data).expect("open");
            assert!(report.made_private.is_empty());
            store
                .set_setting("k", "v")
                .expect("write so WAL files exist");
            assert_eq!(private::mode_of(&data), Some(0o700));
            for entry in std::fs::read_dir(&data).expect("list") {
                let path = entry.expect("entry").path();
                let expected = if path.is_dir() { 0o700 } else { 0o600 };
                assert_eq!(
                    private::mode_of(&path),
                    Some(expected),
                    "{}",
                    path.display()
                );
            }
            for backup in state_backups(&data) {
                assert_eq!(private::mode_of(&backup), Some(0o600));
            }
        }
        // An older BotDeck left everything readable by others.
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let cache = data.join(CACHE_FILE);
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let (_, report) = Store::open_in(&data).expect("reopen");
        assert!(report.made_private.contains(&data.display().to_string()));
        assert!(report.made_private.contains(&cache.display().to_string()));
        assert!(report
            .notices()
            .iter()
            .any(|n| n.id == "files-made-private"));
        assert_eq!(private::mode_of(&data), Some(0o700));
        assert_eq!(private::mode_of(&cache), Some(0o600));
    }

    fn last_cache_check(dir: &Path) -> Option<String> {
        let conn = Connection::open(dir.join(CACHE_FILE)).expect("cache");
        conn.query_row("SELECT checked_at FROM cache_check", [], |r| r.get(0))
            .optional()
            .expect("marker")
    }

    fn set_last_cache_check(dir: &Path, at: chrono::DateTime<chrono::Utc>) {
        let conn = Connection::open(dir.join(CACHE_FILE)).expect("cache");
        conn.execute("UPDATE cache_check SET checked_at = ?1", [at.to_rfc3339()])
            .expect("set marker");
    }

    #[test]
    fn a_clean_start_checks_the_cache_only_once_the_last_check_is_old() {
        let dir = temp();
        drop(Store::open_in(dir.path()).expect("first start"));
        let first = last_cache_check(dir.path()).expect("a new cache is checked once");
        drop(Store::open_in(dir.path()).expect("second start"));
        assert_eq!(
            last_cache_check(dir.path()).as_ref(),
            Some(&first),
            "a clean start within the interval does not check again"
        );
        let now = chrono::Utc::now();
        for (at, due) in [
            (
                now - CACHE_CHECK_INTERVAL - chrono::TimeDelta::hours(1),
                true,
            ),
            (
                now - CACHE_CHECK_INTERVAL + chrono::TimeDelta::hours(1),
                false,
            ),
            // The clock went back: the marker cannot be trusted.
            (now + chrono::TimeDelta::days(3), true),
        ] {
            set_last_cache_check(dir.path(), at);
            let (_, report) = Store::open_in(dir.path()).expect("start");
            assert!(!report.cache_checked_thoroughly);
            let last = last_cache_check(dir.path()).expect("marker");
            assert_eq!(last != at.to_rfc3339(), due, "{at}: {last}");
        }
        // An unclean shutdown still gets the full check, whatever the marker says.
        let (store, _) = Store::open_in(dir.path()).expect("start");
        store.close_as_if_crashed();
        let (_, report) = Store::open_in(dir.path()).expect("after a crash");
        assert!(report.cache_checked_thoroughly);
    }

    #[test]
    fn a_second_process_leaves_a_live_owners_marker_alone() {
        let dir = temp();
        let (window, _) = Store::open_in(dir.path()).expect("the window opens");
        let markers = |d: &Path| {
            std::fs::read_dir(d)
                .expect("dir")
                .filter(|e| {
                    e.as_ref().is_ok_and(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .starts_with(IN_USE_MARKER_PREFIX)
                    })
                })
                .count()
        };
        // The CLI opens the same folder while the window runs: no crash to recover from...
        let (cli, report) = Store::open_in(dir.path()).expect("the CLI opens");
        assert!(!report.cache_checked_thoroughly);
        assert_eq!(markers(dir.path()), 2);
        drop(cli);
        // ...and the window's marker is still there to reveal a later crash of the window.
        assert_eq!(markers(dir.path()), 1);
        window.close_as_if_crashed();
        let (_, report) = Store::open_in(dir.path()).expect("after the window crashed");
        assert!(report.cache_checked_thoroughly);
    }

    #[test]
    fn counts_are_filled_from_the_rows_an_older_cache_already_holds() {
        let dir = temp();
        {
            let mut conn = Connection::open(dir.path().join(CACHE_FILE)).expect("cache");
            // The cache as the build before the counts left it.
            Migrations::new(CACHE_STEPS[..4].to_vec())
                .to_latest(&mut conn)
                .expect("older schema");
            conn.execute_batch(
                "INSERT INTO inventory_item (app_id, kind, target_id, display_name, state, version, version_key, seen_generation)
                 VALUES ('a', 'team', 't1', 'T1', 'installed', '1.0.2', 1, 1),
                        ('a', 'team', 't2', 'T2', 'installed', '1.0.2', 1, 1),
                        ('a', 'team', 't3', 'T3', 'not_installed', NULL, NULL, 1),
                        ('a', 'user', 'u1', 'U1', 'unknown', NULL, NULL, 1);",
            )
            .expect("rows");
        }
        let (store, _) = Store::open_in(dir.path()).expect("migrates");
        let coverage = crate::installs::coverage(&store, "a").expect("coverage");
        let team = coverage
            .iter()
            .find(|c| c.kind == crate::installs::TargetKind::Team);
        assert_eq!(team.map(|c| (c.installed, c.not_installed)), Some((2, 1)));
        let user = coverage
            .iter()
            .find(|c| c.kind == crate::installs::TargetKind::User);
        assert_eq!(user.map(|c| c.unknown), Some(1));
    }

    #[test]
    fn only_index_complaints_count_as_index_damage() {
        let index = vec![
            "row 5 missing from index inventory_item_name".to_string(),
            "wrong # of entries in index inventory_item_name".to_string(),
        ];
        assert!(only_index_damage(&index));
        let mixed = vec![
            index[0].clone(),
            "Tree 7 page 7 cell 0: invalid page number 99".to_string(),
        ];
        assert!(!only_index_damage(&mixed));
        assert!(!only_index_damage(&[]));
    }
}
