//! The local SQLite cache: settings, and (added by later features) inventory, journal, audit.
//!
//! Everything in it can be rebuilt from the tenant except the audit log and settings, so a
//! corrupt file is moved aside (never deleted: support may want it) and a fresh one is created.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data folder {path} cannot be used: {reason}. Check that it exists, is a folder and is writable, or point BOTDECK_DATA_DIR elsewhere")]
    DataDirUnusable { path: PathBuf, reason: String },
    #[error("the cache file {path} was written by a newer BotDeck (schema {found}, this build knows {known}); update BotDeck or move the file away")]
    NewerSchema {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("the cache file {path} is damaged and could not be moved aside: {reason}")]
    CorruptAndStuck { path: PathBuf, reason: String },
    #[error("cache migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("cache error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Forward-only; step N leaves `user_version` = N. Never edit a released step: append one.
const MIGRATION_STEPS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE setting (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) STRICT;",
    ),
    // Sign-in profiles. No secrets: tokens live in the OS keyring, keyed by profile id.
    M::up(
        "CREATE TABLE profile (
            id                TEXT PRIMARY KEY NOT NULL,
            name              TEXT NOT NULL UNIQUE COLLATE NOCASE,
            tenant            TEXT NOT NULL,
            cloud             TEXT NOT NULL,
            client_id         TEXT NOT NULL,
            is_demo           INTEGER NOT NULL DEFAULT 0,
            created_at        TEXT NOT NULL,
            last_used_at      TEXT,
            account_upn       TEXT,
            account_name      TEXT,
            account_object_id TEXT,
            tenant_id         TEXT,
            tenant_name       TEXT,
            verified_domains  TEXT NOT NULL DEFAULT '[]',
            directory_roles   TEXT NOT NULL DEFAULT '[]',
            granted_scopes    TEXT NOT NULL DEFAULT '[]',
            token_expires_at  TEXT
        ) STRICT;",
    ),
    M::up(crate::audit::SCHEMA),
    M::up(crate::catalog::SCHEMA),
    M::up(crate::installs::SCHEMA),
    M::up(crate::permissions::SCHEMA),
    M::up(crate::installs::SCHEMA_CHANNEL_FACTS),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = MIGRATION_STEPS.len();

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATION_STEPS.to_vec())
}

/// What happened while opening, for the UI's notices and `doctor`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenReport {
    /// Set when the previous file failed its integrity check and was moved here.
    pub corrupt_file_moved_to: Option<String>,
    pub schema_version: usize,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating when needed) the cache in `data_dir`, checks it, migrates it.
    pub fn open_in(data_dir: &Path) -> Result<(Self, OpenReport), StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::DataDirUnusable {
            path: data_dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::open(&data_dir.join("botdeck.sqlite3"))
    }

    pub fn open(path: &Path) -> Result<(Self, OpenReport), StoreError> {
        let mut report = OpenReport::default();
        let conn = match Self::open_checked(path) {
            Ok(conn) => conn,
            Err(OpenFailure::Corrupt(reason)) => {
                let moved = move_aside(path).map_err(|e| StoreError::CorruptAndStuck {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })?;
                tracing::warn!(
                    damaged = %path.display(),
                    moved_to = %moved.display(),
                    %reason,
                    "the local cache failed its integrity check; it was moved aside and a new one \
                     created. Inventory will be rebuilt on the next sync"
                );
                report.corrupt_file_moved_to = Some(moved.display().to_string());
                Self::open_checked(path).map_err(|failure| match failure {
                    OpenFailure::Corrupt(reason) => StoreError::CorruptAndStuck {
                        path: path.to_path_buf(),
                        reason,
                    },
                    OpenFailure::Other(err) => err,
                })?
            }
            Err(OpenFailure::Other(err)) => return Err(err),
        };
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
        };
        report.schema_version = store.migrate()?;
        Ok((store, report))
    }

    fn open_checked(path: &Path) -> Result<Connection, OpenFailure> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(classify)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(classify)?;
        // A file that is not a database at all fails on its first read, i.e. here.
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(classify)?;
        if check != "ok" {
            return Err(OpenFailure::Corrupt(check));
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(classify)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(classify)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(classify)?;
        Ok(conn)
    }

    fn migrate(&mut self) -> Result<usize, StoreError> {
        let found: usize = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        migrations().to_latest(&mut self.conn)?;
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
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

    /// For modules that own their tables (added by their own migrations).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

enum OpenFailure {
    Corrupt(String),
    Other(StoreError),
}

fn classify(err: rusqlite::Error) -> OpenFailure {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            OpenFailure::Corrupt(err.to_string())
        }
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly) => {
            OpenFailure::Other(StoreError::Sqlite(err))
        }
        _ => OpenFailure::Other(StoreError::Sqlite(err)),
    }
}

/// Renames the damaged file (and its WAL/SHM companions) to `<name>.corrupt-<timestamp>`.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let target = path.with_extension(format!("sqlite3.corrupt-{stamp}"));
    std::fs::rename(path, &target)?;
    for suffix in ["-wal", "-shm"] {
        let companion = PathBuf::from(format!("{}{suffix}", path.display()));
        if companion.exists() {
            let moved = PathBuf::from(format!("{}{suffix}", target.display()));
            std::fs::rename(&companion, moved)?;
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[test]
    fn fresh_store_is_migrated_and_in_wal_mode() {
        let dir = temp();
        let (store, report) = Store::open_in(dir.path()).expect("open");
        assert_eq!(report.schema_version, SCHEMA_VERSION);
        assert_eq!(report.corrupt_file_moved_to, None);
        let mode: String = store
            .connection()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("journal mode");
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .connection()
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .expect("fk");
        assert_eq!(fk, 1);
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
    fn garbage_file_is_moved_aside_and_replaced() {
        let dir = temp();
        let db = dir.path().join("botdeck.sqlite3");
        std::fs::write(&db, b"this is not a database, it is a shopping list").expect("write");
        let (store, report) = Store::open_in(dir.path()).expect("recovers");
        let moved = report.corrupt_file_moved_to.expect("reported as moved");
        assert!(moved.contains(".corrupt-"));
        let kept = std::fs::read(&moved).expect("damaged file kept for support");
        assert!(kept.starts_with(b"this is not a database"));
        store.set_setting("k", "v").expect("new store is usable");
    }

    #[test]
    fn damaged_pages_are_detected_by_quick_check() {
        let dir = temp();
        let db = dir.path().join("botdeck.sqlite3");
        {
            let (store, _) = Store::open_in(dir.path()).expect("open");
            let conn = store.connection();
            conn.execute_batch(
                "PRAGMA journal_mode=DELETE;
                 CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT);",
            )
            .expect("filler table");
            for i in 0..400 {
                conn.execute(
                    "INSERT INTO filler (body) VALUES (?1)",
                    [format!("row {i} {}", "x".repeat(200))],
                )
                .expect("insert");
            }
        }
        // Scribble over the middle of the file, leaving the header intact.
        let mut bytes = std::fs::read(&db).expect("read");
        assert!(
            bytes.len() > 16 * 4096,
            "fixture too small: {}",
            bytes.len()
        );
        for b in &mut bytes[4096 * 3..4096 * 12] {
            *b = 0xA5;
        }
        std::fs::write(&db, &bytes).expect("write");
        let (_, report) = Store::open_in(dir.path()).expect("recovers");
        assert!(report.corrupt_file_moved_to.is_some());
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
        let dir = temp();
        let db = dir.path().join("botdeck.sqlite3");
        {
            let conn = Connection::open(&db).expect("open");
            conn.pragma_update(None, "user_version", 99)
                .expect("set version");
        }
        let err = Store::open_in(dir.path()).expect_err("must refuse");
        assert!(matches!(err, StoreError::NewerSchema { found: 99, .. }));
        let conn = Connection::open(&db).expect("open");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(v, 99, "the newer file must be left as it was");
    }
}
