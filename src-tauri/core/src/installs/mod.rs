//! Where the bot is installed (teams, group chats, users) and bulk changes to it.
//!
//! - [`sync`]: the inventory sync engine — teams/chats/users listed, then one filtered
//!   `installedApps` read per target packed 20 per `$batch`, paced to Microsoft's limits,
//!   resumable after a crash or cancel, cached in SQLite;
//! - [`query`]: list / search / filter / page the cache, coverage and version spread;
//! - [`bulk`]: install / upgrade / uninstall runs with a `synchronous=FULL` journal, resume
//!   without doing anything twice, retry of failed items, audit of every change.

pub mod bulk;
pub mod ipc;
pub mod plans;
pub mod query;
pub mod sync;
pub mod validate;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::StoreError;
use botdeck_graph::GraphError;

pub use bulk::{
    create_run, execute_run, list_runs, plan, retry_failed, run_items, summary as run_summary,
    BulkAction, BulkPlan, ItemResult, ItemState, PlannedItem, RunSummary, Selection, SkippedItem,
    TargetRef,
};
pub use plans::{SavedPlan, PLAN_SCHEMA};
pub use query::{
    check_version, coverage, last_completed_sync, last_sync, query, version_spread, CoverageRow,
    InventoryCursor, InventoryPage, InventoryQuery, InventoryRow, InventorySort, SyncInfo,
    VersionCount,
};
pub use sync::{sync, SyncContext, SyncOptions, SyncReport};

/// Forward-only schema of this module, in two steps: the inventory (cache database, a mirror of
/// the tenant) and the bulk-run journal (state database). Replace, don't append, until the first
/// release; after that, add a new step instead.
pub const INVENTORY_SCHEMA: &str = "CREATE TABLE inventory_item (
        app_id             TEXT NOT NULL,
        kind               TEXT NOT NULL,
        target_id          TEXT NOT NULL,
        display_name       TEXT NOT NULL,
        detail             TEXT,
        archived           INTEGER NOT NULL DEFAULT 0,
        visibility         TEXT,
        general_channel    TEXT,
        private_channels   INTEGER,
        shared_channels    INTEGER,
        state              TEXT NOT NULL DEFAULT 'unknown',
        installation_id    TEXT,
        version            TEXT,
        version_key        INTEGER,
        definition_id      TEXT,
        error_status       INTEGER,
        error_code         TEXT,
        error_message      TEXT,
        checked_at         TEXT,
        seen_generation    INTEGER NOT NULL,
        checked_generation INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (app_id, kind, target_id)
    ) STRICT;
    CREATE INDEX inventory_item_state ON inventory_item (app_id, kind, state, version_key);
    CREATE INDEX inventory_item_version ON inventory_item (app_id, version_key);
    CREATE INDEX inventory_item_name ON inventory_item (app_id, display_name COLLATE NOCASE);
    CREATE INDEX inventory_item_pending ON inventory_item (app_id, checked_generation);
    CREATE TABLE inventory_sync (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id      TEXT NOT NULL,
        app_name    TEXT,
        generation  INTEGER NOT NULL,
        kinds       TEXT NOT NULL,
        channels    INTEGER NOT NULL DEFAULT 0,
        listed      TEXT NOT NULL DEFAULT '[]',
        status      TEXT NOT NULL,
        phase       TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        total       INTEGER NOT NULL DEFAULT 0,
        done        INTEGER NOT NULL DEFAULT 0,
        failed      INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX inventory_sync_app ON inventory_sync (app_id, id DESC);
    CREATE TABLE inventory_delta (
        app_id     TEXT NOT NULL,
        kind       TEXT NOT NULL,
        delta_link TEXT NOT NULL,
        saved_at   TEXT NOT NULL,
        PRIMARY KEY (app_id, kind)
    ) STRICT;";

/// The bulk-run journal lives in the state database: `installs resume` needs it after a crash
/// and the tenant cannot give it back.
pub const JOURNAL_SCHEMA: &str = "CREATE TABLE bulk_run (
        id             TEXT PRIMARY KEY NOT NULL,
        app_id         TEXT NOT NULL,
        app_name       TEXT NOT NULL,
        action         TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        finished_at    TEXT,
        status         TEXT NOT NULL,
        actor          TEXT NOT NULL,
        profile_id     TEXT,
        tenant_id      TEXT,
        target_version TEXT,
        consent        TEXT NOT NULL DEFAULT '[]'
    ) STRICT;
    CREATE TABLE bulk_item (
        run_id          TEXT NOT NULL REFERENCES bulk_run (id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL,
        kind            TEXT NOT NULL,
        target_id       TEXT NOT NULL,
        target_name     TEXT,
        installation_id TEXT,
        from_version    TEXT,
        state           TEXT NOT NULL,
        status          INTEGER,
        error_code      TEXT,
        message         TEXT,
        request_id      TEXT,
        attempts        INTEGER NOT NULL DEFAULT 0,
        updated_at      TEXT,
        PRIMARY KEY (run_id, kind, target_id)
    ) STRICT;
    CREATE INDEX bulk_item_state ON bulk_item (run_id, state, seq);";

/// Second step: when each team's channel facts were read (they are re-read only when older
/// than [`sync::CHANNEL_FACTS_MAX_AGE_DAYS`]), why the last read failed, a heartbeat that tells
/// a running sync from one whose process died, and the index keyset paging walks.
pub const SCHEMA_CHANNEL_FACTS: &str = "
    ALTER TABLE inventory_item ADD COLUMN channels_checked_at TEXT;
    ALTER TABLE inventory_item ADD COLUMN channels_error TEXT;
    ALTER TABLE inventory_sync ADD COLUMN heartbeat_at TEXT;
    CREATE INDEX inventory_item_order
        ON inventory_item (app_id, kind, display_name COLLATE NOCASE, target_id);";

/// Third step: the inventory's counts per app, kind, state, version and archived flag, kept
/// by triggers as rows change. The window's first screens (coverage, version spread, a page's
/// total) read these few rows instead of counting tens of thousands of targets, so opening
/// BotDeck costs the same on a 60 000-row cache as on an empty one. A version of `''` means
/// none (a primary key must not hold NULL). Filled once from the rows already cached.
pub const SCHEMA_INVENTORY_COUNTS: &str = "
    CREATE TABLE inventory_count (
        app_id      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        state       TEXT NOT NULL,
        version     TEXT NOT NULL,
        archived    INTEGER NOT NULL,
        version_key INTEGER,
        n           INTEGER NOT NULL,
        PRIMARY KEY (app_id, kind, state, version, archived)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO inventory_count (app_id, kind, state, version, archived, version_key, n)
        SELECT app_id, kind, state, COALESCE(version, ''), archived, MAX(version_key), COUNT(*)
        FROM inventory_item GROUP BY app_id, kind, state, COALESCE(version, ''), archived;
    CREATE TRIGGER inventory_count_insert AFTER INSERT ON inventory_item BEGIN
        INSERT INTO inventory_count (app_id, kind, state, version, archived, version_key, n)
            VALUES (NEW.app_id, NEW.kind, NEW.state, COALESCE(NEW.version, ''), NEW.archived,
                    NEW.version_key, 1)
            ON CONFLICT (app_id, kind, state, version, archived)
            DO UPDATE SET n = n + 1, version_key = excluded.version_key;
    END;
    CREATE TRIGGER inventory_count_delete AFTER DELETE ON inventory_item BEGIN
        UPDATE inventory_count SET n = n - 1
            WHERE app_id = OLD.app_id AND kind = OLD.kind AND state = OLD.state
              AND version = COALESCE(OLD.version, '') AND archived = OLD.archived;
        DELETE FROM inventory_count
            WHERE app_id = OLD.app_id AND kind = OLD.kind AND state = OLD.state
              AND version = COALESCE(OLD.version, '') AND archived = OLD.archived AND n <= 0;
    END;
    CREATE TRIGGER inventory_count_update
        AFTER UPDATE OF app_id, kind, state, version, archived ON inventory_item
        WHEN OLD.app_id IS NOT NEW.app_id OR OLD.kind IS NOT NEW.kind
          OR OLD.state IS NOT NEW.state OR OLD.version IS NOT NEW.version
          OR OLD.archived IS NOT NEW.archived
    BEGIN
        UPDATE inventory_count SET n = n - 1
            WHERE app_id = OLD.app_id AND kind = OLD.kind AND state = OLD.state
              AND version = COALESCE(OLD.version, '') AND archived = OLD.archived;
        DELETE FROM inventory_count
            WHERE app_id = OLD.app_id AND kind = OLD.kind AND state = OLD.state
              AND version = COALESCE(OLD.version, '') AND archived = OLD.archived AND n <= 0;
        INSERT INTO inventory_count (app_id, kind, state, version, archived, version_key, n)
            VALUES (NEW.app_id, NEW.kind, NEW.state, COALESCE(NEW.version, ''), NEW.archived,
                    NEW.version_key, 1)
            ON CONFLICT (app_id, kind, state, version, archived)
            DO UPDATE SET n = n + 1, version_key = excluded.version_key;
    END;";

/// Fourth step: the order index carries every column a page shows, so a page is read from the
/// index alone. Rows sit in the table in the order the tenant listed them; without this, a page
/// of 200 rows in name order costs one table-page read per row on a fresh connection (the
/// first screen at start-up), where the index holds the same page in a dozen adjacent pages.
/// Keep the column list equal to `query::ROW_COLUMNS`; a test checks the plan stays covering.
pub const SCHEMA_PAGE_FROM_INDEX: &str = "
    DROP INDEX inventory_item_order;
    CREATE INDEX inventory_item_order ON inventory_item (
        app_id, kind, display_name COLLATE NOCASE, target_id,
        detail, archived, visibility, general_channel, private_channels, shared_channels, state,
        installation_id, version, error_status, error_code, error_message, checked_at,
        channels_checked_at, channels_error);";

#[derive(Debug, thiserror::Error)]
pub enum InstallsError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("no bulk run {0}")]
    UnknownRun(String),
    #[error("{0}")]
    Invalid(String),
    /// What was previewed is no longer what would run; the message says what changed.
    #[error("{0}")]
    Changed(String),
    #[error("cannot get a token: {0}")]
    Token(#[from] botdeck_graph::TokenError),
}

impl From<rusqlite::Error> for InstallsError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(err))
    }
}

/// Where the bot can be installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Team,
    Chat,
    User,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [TargetKind::Team, TargetKind::Chat, TargetKind::User];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
            Self::Chat => "chat",
            Self::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().trim_end_matches('s') {
            "team" => Some(Self::Team),
            "chat" => Some(Self::Chat),
            "user" => Some(Self::User),
            _ => None,
        }
    }

    /// The progress step of listing this kind of target.
    pub fn listing_phase(self) -> Phase {
        match self {
            Self::Team => Phase::ListingTeams,
            Self::Chat => Phase::ListingChats,
            Self::User => Phase::ListingUsers,
        }
    }

    /// `installedApps` collection of a target, relative to the Graph base.
    pub fn installed_apps_path(self, target_id: &str) -> String {
        match self {
            Self::Team => format!("/teams/{target_id}/installedApps"),
            Self::Chat => format!("/chats/{target_id}/installedApps"),
            Self::User => format!("/users/{target_id}/teamwork/installedApps"),
        }
    }
}

/// Whether the bot is installed in one target, as last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InstallState {
    Installed,
    NotInstalled,
    /// The read failed (403, 404, archived, gave up after throttling): see the error columns.
    Failed,
    /// Listed but not read yet.
    Unknown,
}

impl InstallState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Installed => "installed",
            Self::NotInstalled => "not_installed",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "installed" => Self::Installed,
            "not_installed" => Self::NotInstalled,
            "failed" => Self::Failed,
            _ => Self::Unknown,
        }
    }
}

pub use crate::progress::{Phase, ProgressFn, RunProgress};

pub(crate) fn now_text() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// `$filter` on the catalog app id, so each read returns at most one item.
pub(crate) fn installed_apps_read(kind: TargetKind, target_id: &str, app_id: &str) -> String {
    format!(
        "{}?$expand=teamsAppDefinition&$filter={}",
        kind.installed_apps_path(target_id),
        botdeck_graph::encode_query_value(&format!("teamsApp/id eq '{app_id}'"))
    )
}
