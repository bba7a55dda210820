//! Previewed bulk plans, kept by id so that what runs is what the admin previewed.
//!
//! `installs plan` saves the plan it showed (the published version, the RSC consent and the
//! exact set of targets). `installs run --plan ID` plans again from the same selection against
//! the tenant as it is now and refuses, saying what changed, when the two differ.

use std::collections::BTreeSet;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{now_text, BulkPlan, InstallsError, Selection, TargetKind};
use crate::store::Store;

/// State database step: previewed plans (the tenant cannot give back what was previewed).
pub const PLAN_SCHEMA: &str = "CREATE TABLE bulk_plan (
        id             TEXT PRIMARY KEY NOT NULL,
        created_at     TEXT NOT NULL,
        profile_id     TEXT,
        app_id         TEXT NOT NULL,
        action         TEXT NOT NULL,
        selection      TEXT NOT NULL,
        target_version TEXT,
        plan           TEXT NOT NULL,
        run_id         TEXT
    ) STRICT;";

/// Plans older than this are dropped when a new one is saved: a preview is for running soon.
const KEEP_PLANS_DAYS: i64 = 7;

/// A previewed plan and the id it runs by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedPlan {
    pub plan_id: String,
    pub created_at: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub plan: BulkPlan,
}

/// What [`load`] gives back: the plan, what it was made from and whether it already ran.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub saved: SavedPlan,
    pub profile_id: Option<String>,
    pub selection: Selection,
    /// The run this plan became, once it ran.
    pub run_id: Option<String>,
}

/// Saves `plan` (made from `selection` for `profile_id`) and answers it with its new id.
pub fn save(
    store: &Store,
    profile_id: Option<&str>,
    selection: &Selection,
    plan: BulkPlan,
) -> Result<SavedPlan, InstallsError> {
    let saved = SavedPlan {
        plan_id: uuid::Uuid::new_v4().to_string(),
        created_at: now_text(),
        plan,
    };
    let encode = |what: &str, e: serde_json::Error| {
        InstallsError::Invalid(format!("cannot encode the {what}: {e}"))
    };
    let selection_json = serde_json::to_string(selection).map_err(|e| encode("selection", e))?;
    let plan_json = serde_json::to_string(&saved.plan).map_err(|e| encode("plan", e))?;
    let conn = store.connection();
    let cutoff = (chrono::Utc::now() - chrono::Duration::days(KEEP_PLANS_DAYS)).to_rfc3339();
    conn.execute("DELETE FROM bulk_plan WHERE created_at < ?1", [cutoff])?;
    conn.execute(
        "INSERT INTO bulk_plan (id, created_at, profile_id, app_id, action, selection, target_version, plan)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            saved.plan_id,
            saved.created_at,
            profile_id,
            saved.plan.app_id.as_str(),
            saved.plan.action.as_str(),
            selection_json,
            saved.plan.target_version,
            plan_json
        ],
    )?;
    Ok(saved)
}

/// The plan saved as `plan_id`, or `None` when there is none.
pub fn load(store: &Store, plan_id: &str) -> Result<Option<StoredPlan>, InstallsError> {
    let row = store
        .connection()
        .query_row(
            "SELECT created_at, profile_id, selection, plan, run_id FROM bulk_plan WHERE id = ?1",
            [plan_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((created_at, profile_id, selection, plan, run_id)) = row else {
        return Ok(None);
    };
    let damaged = |e: serde_json::Error| {
        InstallsError::Invalid(format!(
            "the saved plan {plan_id} cannot be read ({e}): preview again"
        ))
    };
    Ok(Some(StoredPlan {
        saved: SavedPlan {
            plan_id: plan_id.to_string(),
            created_at,
            plan: serde_json::from_str(&plan).map_err(damaged)?,
        },
        profile_id,
        selection: serde_json::from_str(&selection).map_err(damaged)?,
        run_id,
    }))
}

/// Records that `plan_id` ran as `run_id`, so it is not run a second time.
pub fn mark_run(store: &Store, plan_id: &str, run_id: &str) -> Result<(), InstallsError> {
    store.connection().execute(
        "UPDATE bulk_plan SET run_id = ?2 WHERE id = ?1",
        params![plan_id, run_id],
    )?;
    Ok(())
}

fn targets(plan: &BulkPlan) -> BTreeSet<(TargetKind, &str)> {
    plan.items
        .iter()
        .map(|i| (i.kind, i.target_id.as_str()))
        .collect()
}

/// What differs between the previewed plan and the same selection planned now, in the
/// admin's words; `None` when they match (same version, consent and targets).
pub fn what_changed(previewed: &BulkPlan, now: &BulkPlan) -> Option<String> {
    let mut changes = Vec::new();
    if previewed.target_version != now.target_version {
        changes.push(format!(
            "a new version is published ({} → {})",
            previewed.target_version.as_deref().unwrap_or("none"),
            now.target_version.as_deref().unwrap_or("none")
        ));
    } else if previewed.consent != now.consent {
        changes.push("the RSC permissions consented on install changed".to_string());
    }
    let before = targets(previewed);
    let after = targets(now);
    let added = after.difference(&before).count();
    let removed = before.difference(&after).count();
    if added > 0 {
        changes.push(format!("{added} target(s) added"));
    }
    if removed > 0 {
        changes.push(format!("{removed} target(s) removed"));
    }
    if changes.is_empty() {
        return None;
    }
    Some(format!(
        "the tenant changed since the preview: {}. Nothing was changed; preview again and run the new plan",
        changes.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::RscPermission;
    use crate::installs::{BulkAction, PlannedItem};

    fn plan(version: &str, ids: &[&str]) -> BulkPlan {
        BulkPlan {
            action: BulkAction::Install,
            app_id: crate::ids::CatalogAppId::parse("cat-1").expect("a catalog id"),
            app_name: "FlashDuty".into(),
            target_version: Some(version.into()),
            consent: vec![],
            items: ids
                .iter()
                .map(|id| PlannedItem {
                    kind: TargetKind::Team,
                    target_id: (*id).into(),
                    target_name: None,
                    installation_id: None,
                    from_version: None,
                    note: None,
                })
                .collect(),
            skipped: vec![],
            warnings: vec![],
        }
    }

    #[test]
    fn the_same_plan_has_nothing_changed() {
        assert_eq!(
            what_changed(&plan("1.0.2", &["a", "b"]), &plan("1.0.2", &["b", "a"])),
            None
        );
    }

    #[test]
    fn a_new_version_and_other_targets_are_told_with_numbers() {
        let said = what_changed(
            &plan("1.0.2", &["a", "b"]),
            &plan("1.0.3", &["b", "c", "d"]),
        )
        .expect("changed");
        assert!(said.contains("1.0.2 → 1.0.3"), "{said}");
        assert!(said.contains("2 target(s) added"), "{said}");
        assert!(said.contains("1 target(s) removed"), "{said}");
        let mut consent = plan("1.0.2", &["a"]);
        consent.consent = vec![RscPermission {
            permission_value: "ChannelMessage.Read.Group".into(),
            permission_type: "Application".into(),
        }];
        let said = what_changed(&plan("1.0.2", &["a"]), &consent).expect("changed");
        assert!(said.contains("RSC"), "{said}");
    }
}
