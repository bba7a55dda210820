//! The audit log: every change BotDeck makes to a tenant, who made it, and what Graph said.
//! It lives in SQLite next to the cache but, unlike the cache, cannot be rebuilt from the
//! tenant — so it is never pruned automatically.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use std::sync::Mutex;

use crate::store::{Store, StoreError};

pub const SCHEMA: &str = "CREATE TABLE audit_log (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          TEXT NOT NULL,
        profile_id  TEXT,
        tenant_id   TEXT,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target_id   TEXT NOT NULL,
        target_name TEXT,
        outcome     TEXT NOT NULL,
        detail      TEXT,
        request_id  TEXT
    ) STRICT;
    CREATE INDEX audit_log_at ON audit_log (at DESC);";

/// A later step: the bulk run an entry belongs to, so the Activity page groups a run's items.
pub const RUN_ID_STEP: &str = "ALTER TABLE audit_log ADD COLUMN run_id TEXT;
    CREATE INDEX audit_log_run ON audit_log (run_id) WHERE run_id IS NOT NULL;";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed,
    /// Nothing to do: already installed, already at that version, already gone.
    AlreadyDone,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::AlreadyDone => "already_done",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "succeeded" => Self::Succeeded,
            "already_done" => Self::AlreadyDone,
            _ => Self::Failed,
        }
    }
}

/// One change. `action` is a stable verb such as `catalog.publish`, `install.team`,
/// `permission.revoke_app_role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub profile_id: Option<String>,
    pub tenant_id: Option<String>,
    /// Who: the signed-in account's UPN.
    pub actor: String,
    pub action: String,
    /// `team`, `chat`, `user`, `catalog_app`, `service_principal`, `grant`, ...
    pub target_kind: String,
    pub target_id: String,
    pub target_name: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    /// Graph's `request-id`, what Microsoft support asks for.
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// Set for the items of a bulk run (`installs runs` lists the runs).
    pub run_id: Option<String>,
}

pub fn record(store: &Store, entry: &AuditEntry) -> Result<i64, StoreError> {
    Ok(record_in(
        store.connection(),
        &Utc::now().to_rfc3339(),
        entry,
        None,
    )?)
}

/// Records on `conn` (a transaction's, so a bulk run's items and their audit entries are
/// saved together), at `at`, for the bulk run `run_id` if any. The one place that writes
/// `audit_log`.
pub fn record_in(
    conn: &rusqlite::Connection,
    at: &str,
    entry: &AuditEntry,
    run_id: Option<&str>,
) -> Result<i64, rusqlite::Error> {
    conn.execute(
        "INSERT INTO audit_log (at, profile_id, tenant_id, actor, action, target_kind, target_id,
            target_name, outcome, detail, request_id, run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            at,
            entry.profile_id,
            entry.tenant_id,
            entry.actor,
            entry.action,
            entry.target_kind,
            entry.target_id,
            entry.target_name,
            entry.outcome.as_str(),
            entry.detail,
            entry.request_id,
            run_id,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Newest first.
pub fn recent(store: &Store, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
    let conn = store.connection();
    let mut stmt = conn.prepare(
        "SELECT id, at, profile_id, tenant_id, actor, action, target_kind, target_id, target_name,
                outcome, detail, request_id, run_id
         FROM audit_log ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |row| {
        let at: String = row.get(1)?;
        let outcome: String = row.get(9)?;
        Ok(AuditRecord {
            id: row.get(0)?,
            at: DateTime::parse_from_rfc3339(&at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            entry: AuditEntry {
                profile_id: row.get(2)?,
                tenant_id: row.get(3)?,
                actor: row.get(4)?,
                action: row.get(5)?,
                target_kind: row.get(6)?,
                target_id: row.get(7)?,
                target_name: row.get(8)?,
                outcome: Outcome::parse(&outcome),
                detail: row.get(10)?,
                request_id: row.get(11)?,
            },
            run_id: row.get(12)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Who makes a change, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub profile_id: Option<String>,
    pub tenant_id: Option<String>,
    pub upn: String,
}

/// Where changes are recorded: the store (shared with the UI behind a mutex) and who acts.
#[derive(Clone, Copy)]
pub struct Audit<'a> {
    pub store: &'a Mutex<Store>,
    pub actor: &'a Actor,
}

impl Audit<'_> {
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        action: &str,
        target_kind: &str,
        target_id: &str,
        target_name: Option<&str>,
        outcome: Outcome,
        detail: Option<String>,
        request_id: Option<String>,
    ) {
        let entry = AuditEntry {
            profile_id: self.actor.profile_id.clone(),
            tenant_id: self.actor.tenant_id.clone(),
            actor: self.actor.upn.clone(),
            action: action.to_string(),
            target_kind: target_kind.to_string(),
            target_id: target_id.to_string(),
            target_name: target_name.map(str::to_string),
            outcome,
            detail,
            request_id,
        };
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(err) = record(&store, &entry) {
            // The change happened either way; failing it now would misreport the tenant.
            tracing::error!(%err, action, target_id, "could not write the audit log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_newest_first_with_every_field() {
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("store");
        let entry = AuditEntry {
            profile_id: Some("p1".into()),
            tenant_id: Some("t1".into()),
            actor: "megan@contoso.onmicrosoft.com".into(),
            action: "install.team".into(),
            target_kind: "team".into(),
            target_id: "19:abc".into(),
            target_name: Some("Ops".into()),
            outcome: Outcome::Succeeded,
            detail: None,
            request_id: Some("req-1".into()),
        };
        record(&store, &entry).expect("record");
        record(
            &store,
            &AuditEntry {
                outcome: Outcome::AlreadyDone,
                target_id: "19:def".into(),
                ..entry.clone()
            },
        )
        .expect("record");
        let rows = recent(&store, 10).expect("recent");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].entry.target_id, "19:def");
        assert_eq!(rows[0].entry.outcome, Outcome::AlreadyDone);
        assert_eq!(rows[1].entry, entry);
        assert_eq!(rows[1].run_id, None, "not part of a bulk run");
    }

    #[test]
    fn a_bulk_runs_entries_are_saved_with_its_transaction_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tmp");
        let (mut store, _) = Store::open_in(dir.path()).expect("store");
        let entry = AuditEntry {
            profile_id: None,
            tenant_id: None,
            actor: "megan@contoso.onmicrosoft.com".into(),
            action: "upgrade.team".into(),
            target_kind: "team".into(),
            target_id: "19:abc".into(),
            target_name: None,
            outcome: Outcome::Failed,
            detail: Some("FlashDuty 1.0.2: 403".into()),
            request_id: None,
        };
        let at = "2026-01-01T00:00:00+00:00";
        {
            let tx = store.connection_mut().transaction().expect("tx");
            record_in(&tx, at, &entry, Some("run-1")).expect("record");
            // Dropped without commit: the items it went with were not saved either.
        }
        assert!(recent(&store, 10).expect("recent").is_empty());
        let tx = store.connection_mut().transaction().expect("tx");
        record_in(&tx, at, &entry, Some("run-1")).expect("record");
        tx.commit().expect("commit");
        let rows = recent(&store, 10).expect("recent");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].run_id.as_deref(), Some("run-1"));
        assert_eq!(rows[0].entry, entry);
        assert_eq!(rows[0].at.to_rfc3339(), at);
    }
}
