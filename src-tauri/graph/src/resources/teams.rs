//! `team` (v1.0): what the inventory lists (`GET /teams`).

use serde::Deserialize;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: String,
    /// Graph documents it as always set; a team without one is shown by its id.
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Absent on older answers: not archived.
    #[serde(default)]
    pub is_archived: Option<bool>,
    /// `public`, `private`, `hiddenMembership`.
    #[serde(default)]
    pub visibility: Option<String>,
}

impl Resource for Team {
    const ONE: &'static str = "a team";
    const PAGE: &'static str = "a page of teams";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{page, parse};
    use serde_json::json;

    #[test]
    fn a_team_is_read_with_its_optional_facts_and_unknown_fields_are_ignored() {
        let team: Team = parse(&json!({
            "id": "t1", "displayName": "Ops", "isArchived": true, "visibility": "private",
            "webUrl": "https://teams.microsoft.com/...", "createdDateTime": null
        }))
        .expect("team");
        assert_eq!(team.is_archived, Some(true));
        assert_eq!(team.visibility.as_deref(), Some("private"));
        let bare: Team = parse(&json!({"id": "t2"})).expect("team");
        assert_eq!(bare.display_name, None);
    }

    #[test]
    fn a_malformed_team_is_a_typed_error() {
        for bad in [
            json!({"displayName": "no id"}),
            json!({"id": 42}),
            json!({"id": "t1", "isArchived": "yes"}),
            json!({"id": "t1", "displayName": ["Ops"]}),
            json!(null),
        ] {
            let err = parse::<Team>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a team", "{bad}");
        }
        let err = page::<Team>(&json!({"value": [{"id": "t1"}, {"displayName": "x"}]}))
            .expect_err("one team without id");
        assert!(err.to_string().contains("missing field `id`"), "{err}");
    }
}
