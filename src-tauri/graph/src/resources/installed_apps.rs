//! `teamsAppInstallation` (v1.0): the bot installed in a team, chat or user's personal scope
//! (`GET …/installedApps?$expand=teamsAppDefinition&$filter=teamsApp/id eq '…'`).

use serde::Deserialize;

use super::{page, Resource, ResourceError};
use crate::ids::CatalogAppId;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledApp {
    /// The installation's id (what upgrade and uninstall address).
    pub id: String,
    /// Present when `$expand=teamsApp` was asked for.
    #[serde(default)]
    pub teams_app: Option<TeamsAppRef>,
    /// Present when `$expand=teamsAppDefinition` was asked for.
    #[serde(default)]
    pub teams_app_definition: Option<DefinitionRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsAppRef {
    pub id: CatalogAppId,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub teams_app_id: Option<CatalogAppId>,
    /// The manifest version installed.
    #[serde(default)]
    pub version: Option<String>,
}

impl InstalledApp {
    /// The catalog id of the installed app, from `teamsApp` or else the definition.
    pub fn catalog_app_id(&self) -> Option<&str> {
        self.teams_app.as_ref().map(|a| a.id.as_str()).or_else(|| {
            self.teams_app_definition
                .as_ref()
                .and_then(|d| d.teams_app_id.as_deref())
        })
    }

    pub fn version(&self) -> Option<&str> {
        self.teams_app_definition
            .as_ref()
            .and_then(|d| d.version.as_deref())
    }

    pub fn definition_id(&self) -> Option<&str> {
        self.teams_app_definition
            .as_ref()
            .and_then(|d| d.id.as_deref())
    }
}

impl Resource for InstalledApp {
    const ONE: &'static str = "an app installation";
    const PAGE: &'static str = "a page of app installations";
}

/// The installations of `app_id` in an `installedApps?$filter=teamsApp/id eq '…'` answer.
/// Graph's filter is not trusted: an installation of any other app (or of an app BotDeck cannot
/// tell) is dropped and logged, so BotDeck never upgrades or removes another app. An answer
/// that is not a page of installations is an error, never "not installed".
pub fn of_app(
    body: Option<&serde_json::Value>,
    app_id: &str,
) -> Result<Vec<InstalledApp>, ResourceError> {
    let Some(body) = body else {
        return Err(ResourceError {
            resource: InstalledApp::PAGE,
            source: serde::de::Error::custom("the answer had no body"),
        });
    };
    let all = page::<InstalledApp>(body)?.value;
    let total = all.len();
    let kept: Vec<InstalledApp> = all
        .into_iter()
        .filter(|i| {
            i.catalog_app_id()
                .is_some_and(|id| id.eq_ignore_ascii_case(app_id))
        })
        .collect();
    if kept.len() < total {
        tracing::warn!(
            app_id,
            dropped = total - kept.len(),
            "installedApps answered installations of another app than the filter asked for; they were ignored"
        );
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn installations_of_another_app_or_of_no_known_app_are_dropped() {
        let body = json!({"value": [
            {"id": "i1", "teamsApp": {"id": "OTHER"}, "teamsAppDefinition": {"teamsAppId": "OTHER", "version": "9.9.9"}},
            {"id": "i2", "teamsAppDefinition": {"version": "1.0.0"}},
            {"id": "i3", "teamsAppDefinition": {"id": "d3", "teamsAppId": "mine", "version": "1.0.2"}},
        ]});
        let kept = of_app(Some(&body), "MINE").expect("page");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].id, "i3");
        assert_eq!(kept[0].version(), Some("1.0.2"));
        assert_eq!(kept[0].definition_id(), Some("d3"));
        assert!(of_app(Some(&json!({"value": []})), "mine")
            .expect("empty")
            .is_empty());
    }

    #[test]
    fn a_malformed_answer_is_an_error_not_not_installed() {
        for bad in [
            None,
            Some(json!({})),
            Some(json!({"value": [{"teamsApp": {"id": "mine"}}]})),
            Some(json!({"value": [{"id": "i1", "teamsApp": {}}]})),
            Some(json!({"value": [{"id": "i1", "teamsAppDefinition": {"version": 1}}]})),
        ] {
            let err = of_app(bad.as_ref(), "mine").expect_err("malformed");
            assert_eq!(err.resource, "a page of app installations", "{bad:?}");
        }
    }
}
