//! The one-job-at-a-time lease: a row in the state database that says which process is
//! spending the tenant's Graph limits on a sync or bulk change right now.
//!
//! It is a row, not an in-memory flag, because the window and the CLI (or two windows) may run
//! on the same data folder at once, and two syncs would only halve each other's throughput and
//! provoke 429s. A holder renews its row while it works; a row nobody renewed for
//! [`STALE_AFTER_SECS`] belonged to a process that died, and is taken over.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::{Store, StoreError};

pub const SCHEMA: &str = "CREATE TABLE job_lease (
    slot         INTEGER PRIMARY KEY NOT NULL CHECK (slot = 1),
    holder       TEXT NOT NULL,
    job          TEXT NOT NULL,
    owner        TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    renewed_at   INTEGER NOT NULL
) STRICT;";

/// A holder that has not renewed for this long is gone (its process died or the machine slept
/// through it); renewals come every [`RENEW_EVERY_SECS`].
pub const STALE_AFTER_SECS: i64 = 60;
pub const RENEW_EVERY_SECS: u64 = 15;

/// Who holds the lease, for "wait for it" messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LeaseHolder {
    /// What runs: "inventory sync", "bulk upgrade", ...
    pub job: String,
    /// Which front-end: "this window", "the botdeck command (pid 4242)".
    pub owner: String,
    /// Unix seconds.
    #[ts(type = "number")]
    pub started_at: i64,
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims the lease for `holder` (a unique token), or answers who holds it.
pub fn claim(
    store: &Store,
    holder: &str,
    job: &str,
    owner: &str,
) -> Result<Result<(), LeaseHolder>, StoreError> {
    claim_at(store, holder, job, owner, now_secs())
}

fn claim_at(
    store: &Store,
    holder: &str,
    job: &str,
    owner: &str,
    now: i64,
) -> Result<Result<(), LeaseHolder>, StoreError> {
    let conn = store.connection();
    // One statement, so two processes claiming at once cannot both win: the insert happens
    // only when there is no row or the row is stale.
    let changed = conn.execute(
        "INSERT INTO job_lease (slot, holder, job, owner, started_at, renewed_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (slot) DO UPDATE SET
             holder = excluded.holder, job = excluded.job, owner = excluded.owner,
             started_at = excluded.started_at, renewed_at = excluded.renewed_at
         WHERE job_lease.renewed_at < ?5",
        params![holder, job, owner, now, now - STALE_AFTER_SECS],
    )?;
    if changed == 1 {
        return Ok(Ok(()));
    }
    let current = conn
        .query_row(
            "SELECT job, owner, started_at FROM job_lease WHERE slot = 1",
            [],
            |r| {
                Ok(LeaseHolder {
                    job: r.get(0)?,
                    owner: r.get(1)?,
                    started_at: r.get(2)?,
                })
            },
        )
        .optional()?;
    Ok(Err(current.unwrap_or(LeaseHolder {
        job: job.to_string(),
        owner: "another BotDeck".into(),
        started_at: now,
    })))
}

/// Keeps the lease alive; answers false when it is no longer `holder`'s (taken over as stale).
pub fn renew(store: &Store, holder: &str) -> Result<bool, StoreError> {
    let changed = store.connection().execute(
        "UPDATE job_lease SET renewed_at = ?2 WHERE slot = 1 AND holder = ?1",
        params![holder, now_secs()],
    )?;
    Ok(changed == 1)
}

/// Frees the lease if `holder` still has it.
pub fn release(store: &Store, holder: &str) -> Result<(), StoreError> {
    store.connection().execute(
        "DELETE FROM job_lease WHERE slot = 1 AND holder = ?1",
        params![holder],
    )?;
    Ok(())
}

/// Who holds the lease now (a stale row counts as nobody).
pub fn current(store: &Store) -> Result<Option<LeaseHolder>, StoreError> {
    Ok(store
        .connection()
        .query_row(
            "SELECT job, owner, started_at FROM job_lease WHERE slot = 1 AND renewed_at >= ?1",
            params![now_secs() - STALE_AFTER_SECS],
            |r| {
                Ok(LeaseHolder {
                    job: r.get(0)?,
                    owner: r.get(1)?,
                    started_at: r.get(2)?,
                })
            },
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open_in(dir.path()).expect("open");
        (dir, store)
    }

    #[test]
    fn one_holder_at_a_time_and_the_loser_learns_who_holds_it() {
        let (_dir, store) = store();
        assert_eq!(
            claim(&store, "a", "inventory sync", "this window").expect("db"),
            Ok(())
        );
        let refused = claim(&store, "b", "bulk upgrade", "the botdeck command")
            .expect("db")
            .expect_err("held");
        assert_eq!(refused.job, "inventory sync");
        assert_eq!(refused.owner, "this window");
        release(&store, "b").expect("db");
        assert!(
            current(&store).expect("db").is_some(),
            "only the holder frees it"
        );
        release(&store, "a").expect("db");
        assert_eq!(current(&store).expect("db"), None);
        assert_eq!(
            claim(&store, "b", "bulk upgrade", "cli").expect("db"),
            Ok(())
        );
    }

    #[test]
    fn a_holder_that_stopped_renewing_is_taken_over() {
        let (_dir, store) = store();
        let long_ago = now_secs() - STALE_AFTER_SECS - 5;
        assert_eq!(
            claim_at(&store, "dead", "sync", "cli", long_ago).expect("db"),
            Ok(())
        );
        assert_eq!(current(&store).expect("db"), None, "stale counts as nobody");
        assert_eq!(
            claim(&store, "alive", "sync", "window").expect("db"),
            Ok(())
        );
        assert!(
            !renew(&store, "dead").expect("db"),
            "the dead holder lost it"
        );
        assert!(renew(&store, "alive").expect("db"));
    }

    #[test]
    fn two_stores_on_one_folder_share_the_lease() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (window, _) = Store::open_in(dir.path()).expect("open");
        let (cli, _) = Store::open_in(dir.path()).expect("open again");
        assert_eq!(claim(&window, "w", "sync", "window").expect("db"), Ok(()));
        assert!(claim(&cli, "c", "sync", "cli").expect("db").is_err());
    }
}
