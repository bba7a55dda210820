//! `teamsApp` and `teamsAppDefinition` (v1.0): an app in the Teams app catalog and its versions
//! (`GET /appCatalogs/teamsApps?$expand=appDefinitions`, the publish answer
//! `POST /appCatalogs/teamsApps`, the update answer `POST …/{id}/appDefinitions`).

use serde::Deserialize;

use super::Resource;
use crate::ids::{CatalogAppId, EntraAppId, ManifestId};

/// An app in the catalog. Its `id` is the catalog id installs bind to; the manifest `id` is
/// `externalId` (absent for store apps).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsApp {
    pub id: CatalogAppId,
    #[serde(default)]
    pub external_id: Option<ManifestId>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `organization`, `store`, `sideloaded`, and values Graph may add later (kept as text).
    #[serde(default)]
    pub distribution_method: Option<String>,
    /// Only with `$expand=appDefinitions`; empty otherwise.
    #[serde(default)]
    pub app_definitions: Vec<TeamsAppDefinition>,
}

/// One version of a catalog app.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsAppDefinition {
    /// The definition's own id (not the Teams app id): what review and withdraw address.
    pub id: String,
    /// The catalog app it belongs to.
    #[serde(default)]
    pub teams_app_id: Option<CatalogAppId>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The manifest version.
    #[serde(default)]
    pub version: Option<String>,
    /// `submitted`, `published`, `rejected`.
    #[serde(default)]
    pub publishing_state: Option<String>,
    #[serde(default)]
    pub last_modified_date_time: Option<String>,
    #[serde(default)]
    pub authorization: Option<TeamsAppAuthorization>,
}

/// `teamsAppAuthorization`: what the manifest asks for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsAppAuthorization {
    /// The Entra app id of the app's registration (`webApplicationInfo.id`).
    #[serde(default)]
    pub client_app_id: Option<EntraAppId>,
    #[serde(default)]
    pub required_permission_set: Option<TeamsAppPermissionSet>,
}

/// `teamsAppPermissionSet`: required (definition) or consented (installation) permissions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsAppPermissionSet {
    #[serde(default)]
    pub resource_specific_permissions: Vec<TeamsAppResourceSpecificPermission>,
}

/// `teamsAppResourceSpecificPermission`: `{permissionValue, permissionType}`. Both are
/// nullable in Graph's schema: an entry without them names no permission and is left out by
/// [`TeamsAppDefinition::required_rsc`], rather than failing the whole catalog read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsAppResourceSpecificPermission {
    /// `ChannelMessage.Read.Group`.
    #[serde(default)]
    pub permission_value: Option<String>,
    /// `application`, `delegated`, or `unknownFutureValue` (Graph's casing varies).
    #[serde(default)]
    pub permission_type: Option<String>,
}

/// `teamworkBot` (`GET …/appDefinitions/{id}/bot`): the bot of a definition; its `id` is the
/// bot's Entra app id, which signs its messages.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TeamworkBot {
    pub id: EntraAppId,
}

impl Resource for TeamworkBot {
    const ONE: &'static str = "an app's bot";
    const PAGE: &'static str = "a page of bots";
}

impl TeamsAppDefinition {
    /// The RSC permissions the manifest requires, as (value, type); none when the answer did
    /// not carry them.
    pub fn required_rsc(&self) -> Vec<(&str, &str)> {
        self.authorization
            .as_ref()
            .and_then(|a| a.required_permission_set.as_ref())
            .map(|s| s.resource_specific_permissions.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|p| {
                Some((
                    p.permission_value.as_deref()?,
                    p.permission_type.as_deref()?,
                ))
            })
            .collect()
    }
}

impl Resource for TeamsApp {
    const ONE: &'static str = "a catalog app";
    const PAGE: &'static str = "a page of catalog apps";
}

impl Resource for TeamsAppDefinition {
    const ONE: &'static str = "a catalog app definition";
    const PAGE: &'static str = "a page of catalog app definitions";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{page, parse};
    use serde_json::json;

    const MANIFEST: &str = "6f0b6c1e-3a5d-4c47-9a7e-2f5b8d1c0a11";
    const ENTRA: &str = "0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a";

    #[test]
    fn an_app_reads_with_its_definitions_and_their_rsc() {
        let p = page::<TeamsApp>(&json!({"value": [{
            "id": "cat-1", "externalId": MANIFEST, "displayName": "FlashDuty",
            "distributionMethod": "organization",
            "appDefinitions": [{
                "id": "def-1", "teamsAppId": "cat-1", "displayName": "FlashDuty", "version": "1.0.2",
                "publishingState": "published", "lastModifiedDateTime": "2026-01-02T03:04:05.678Z",
                "shortDescription": "x", "createdBy": null,
                "authorization": {"clientAppId": ENTRA, "requiredPermissionSet": {
                    "resourceSpecificPermissions": [
                        {"permissionValue": "ChannelMessage.Read.Group", "permissionType": "application"},
                        {"permissionValue": null, "permissionType": "application"}
                    ]}}
            }, {"id": "def-2", "version": "1.1.0", "publishingState": "submitted"}]
        }]}))
        .expect("page");
        let app = &p.value[0];
        assert_eq!(app.external_id.as_deref(), Some(MANIFEST));
        assert_eq!(
            app.app_definitions[0].teams_app_id.as_deref(),
            Some("cat-1")
        );
        assert_eq!(app.app_definitions.len(), 2);
        let rsc = app.app_definitions[0].required_rsc();
        assert_eq!(
            rsc,
            [("ChannelMessage.Read.Group", "application")],
            "null value left out"
        );
        assert!(app.app_definitions[1].required_rsc().is_empty());
        let store: TeamsApp = parse(&json!({"id": "store-1", "distributionMethod": "store"}))
            .expect("a store app without externalId or definitions");
        assert!(store.external_id.is_none() && store.app_definitions.is_empty());
    }

    #[test]
    fn a_malformed_app_or_definition_is_a_typed_error() {
        for bad in [
            json!({"displayName": "no id"}),
            json!({"id": 7}),
            json!({"id": "a", "appDefinitions": {"id": "d"}}),
            json!({"id": "a", "appDefinitions": [{"version": "1.0.0"}]}),
            json!({"id": "a", "appDefinitions": [{"id": "d", "publishingState": 1}]}),
            json!({"id": "a", "appDefinitions": [{"id": "d", "authorization": {"requiredPermissionSet":
                {"resourceSpecificPermissions": [{"permissionValue": 5, "permissionType": "application"}]}}}]}),
            json!({"id": "a", "externalId": ["m"]}),
            // An id of the wrong kind is refused by name, not carried on as text.
            json!({"id": "a b"}),
            json!({"id": "a", "externalId": "not-a-guid"}),
            json!({"id": "a", "appDefinitions": [{"id": "d", "teamsAppId": "x'y"}]}),
            json!({"id": "a", "appDefinitions": [{"id": "d", "authorization": {"clientAppId": "entra-1"}}]}),
            json!([]),
        ] {
            let err = parse::<TeamsApp>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a catalog app", "{bad}");
        }
        for bad in [
            json!({}),
            json!({"id": null}),
            json!({"id": 1}),
            json!({"id": "bot"}),
        ] {
            let err = parse::<TeamworkBot>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "an app's bot", "{bad}");
        }
        for bad in [
            json!({"version": "1.0.0"}),
            json!({"id": "d", "version": 1}),
        ] {
            let err = parse::<TeamsAppDefinition>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a catalog app definition", "{bad}");
        }
    }
}
