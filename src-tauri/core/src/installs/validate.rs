//! What a selection, filter or run id must look like before anything is planned, journalled or
//! sent: the CLI and the IPC commands both ask here first, before any network or keyring work.
//! A bad value is refused with a message naming the field; nothing is silently dropped (a
//! dropped filter field would widen a selection to every target).

use super::{InstallsError, InventoryQuery, Selection, TargetKind};

/// `1.2.3`: Teams app versions are three dot-separated numbers (the manifest's `version`
/// pattern), so `1.x` or `abc` can only be a typo.
pub fn check_version(field: &str, value: &str) -> Result<(), InstallsError> {
    let parts: Vec<&str> = value.trim().split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() == 3 && parts.iter().all(numeric) {
        Ok(())
    } else {
        Err(InstallsError::Invalid(format!(
            "{field} {value:?}: expected a version like 1.4.0"
        )))
    }
}

/// A target id as Graph spells it: teams and users are GUIDs, group chats `19:…@thread.v2`
/// (or `…@unq.gbl.spaces` for one-on-one chats).
pub fn check_target_id(field: &str, kind: TargetKind, id: &str) -> Result<(), InstallsError> {
    let ok = match kind {
        TargetKind::Team | TargetKind::User => uuid::Uuid::try_parse(id).is_ok(),
        TargetKind::Chat => {
            id.starts_with("19:")
                && (id.ends_with("@thread.v2")
                    || id.ends_with("@thread.tacv2")
                    || id.ends_with("@unq.gbl.spaces"))
                && id.len() <= 200
                && !id.contains(['/', '?', '#', ' '])
        }
    };
    if ok {
        Ok(())
    } else {
        let expected = match kind {
            TargetKind::Team => "a team id (a GUID)",
            TargetKind::User => "a user id (a GUID)",
            TargetKind::Chat => "a chat id like 19:…@thread.v2",
        };
        Err(InstallsError::Invalid(format!(
            "{field} {id:?}: expected {expected}"
        )))
    }
}

/// A bulk run's id (a GUID BotDeck made).
pub fn check_run_id(field: &str, id: &str) -> Result<(), InstallsError> {
    uuid::Uuid::try_parse(id.trim())
        .map(|_| ())
        .map_err(|_| InstallsError::Invalid(format!("{field} {id:?}: expected a run id (a GUID)")))
}

/// A previewed plan's id (a GUID BotDeck made).
pub fn check_plan_id(field: &str, id: &str) -> Result<(), InstallsError> {
    uuid::Uuid::try_parse(id.trim())
        .map(|_| ())
        .map_err(|_| InstallsError::Invalid(format!("{field} {id:?}: expected a plan id (a GUID)")))
}

impl InventoryQuery {
    /// The filter's values; `limit` 0 keeps its documented meaning (the default page).
    pub fn validate(&self) -> Result<(), InstallsError> {
        if let Some(v) = &self.older_than {
            check_version("olderThan", v)?;
        }
        if let Some(v) = &self.version {
            check_version("version", v)?;
        }
        if let Some(text) = &self.text {
            if text.chars().count() > 200 {
                return Err(InstallsError::Invalid(
                    "search text: at most 200 characters".into(),
                ));
            }
        }
        Ok(())
    }
}

impl Selection {
    /// Something is selected, every explicit id is well formed, the filter's values are valid.
    pub fn validate(&self) -> Result<(), InstallsError> {
        if self.filter.is_none() && self.ids.is_empty() {
            return Err(InstallsError::Invalid(
                "select targets: a filter or explicit ids".into(),
            ));
        }
        if let Some(filter) = &self.filter {
            filter.validate()?;
        }
        for target in &self.ids {
            check_target_id("id", target.kind, &target.id)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::installs::TargetRef;

    #[test]
    fn versions_must_be_three_numbers() {
        for good in ["1.0.0", "10.20.30", " 2.1.0 "] {
            assert!(check_version("v", good).is_ok(), "{good}");
        }
        for bad in [
            "abc",
            "1.x",
            "1.2",
            "1.2.3.4",
            "",
            "1..2",
            "-1.0.0",
            "1.0.0-beta",
        ] {
            let err = check_version("--older-than", bad)
                .expect_err(bad)
                .to_string();
            assert!(err.contains("--older-than"), "{err}");
        }
    }

    #[test]
    fn target_ids_match_their_kind() {
        let guid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
        assert!(check_target_id("id", TargetKind::Team, guid).is_ok());
        assert!(check_target_id("id", TargetKind::User, guid).is_ok());
        assert!(check_target_id("id", TargetKind::Chat, "19:abc@thread.v2").is_ok());
        for (kind, bad) in [
            (TargetKind::Team, "not-a-guid"),
            (TargetKind::Team, ""),
            (TargetKind::Team, "19:abc@thread.v2"),
            (TargetKind::Chat, guid),
            (TargetKind::Chat, "19:a/b@thread.v2"),
        ] {
            let err = check_target_id("--ids", kind, bad)
                .expect_err(bad)
                .to_string();
            assert!(err.contains("--ids"), "{err}");
        }
    }

    #[test]
    fn a_selection_needs_something_and_only_good_values() {
        assert!(Selection::default().validate().is_err());
        let bad_id = Selection {
            filter: None,
            ids: vec![TargetRef {
                kind: TargetKind::Team,
                id: "nope".into(),
            }],
        };
        assert!(bad_id.validate().is_err());
        let bad_filter = Selection {
            filter: Some(InventoryQuery {
                older_than: Some("1.x".into()),
                ..Default::default()
            }),
            ids: vec![],
        };
        assert!(bad_filter.validate().is_err());
        assert!(check_run_id("--run", "abc").is_err());
        assert!(check_run_id("--run", "3f2504e0-4f89-41d3-9a0c-0305e82c3301").is_ok());
    }
}
