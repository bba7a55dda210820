//! `resourceSpecificPermissionGrant` (v1.0): an RSC permission consented in one team or chat
//! (`GET /teams/{id}/permissionGrants`, `GET /chats/{id}/permissionGrants`).

use serde::Deserialize;

use super::Resource;
use crate::ids::EntraAppId;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpecificGrant {
    pub id: String,
    /// The Entra app id of the app granted the permission.
    #[serde(default)]
    pub client_app_id: Option<EntraAppId>,
    /// Older answers name the app here instead.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The RSC permission, e.g. `ChannelMessage.Read.Group`.
    pub permission: String,
    /// `Application` or `Delegated`; absent means Application (what Graph documented first).
    #[serde(default)]
    pub permission_type: Option<String>,
}

impl ResourceSpecificGrant {
    /// The app the grant is for.
    pub fn app_id(&self) -> Option<&str> {
        self.client_app_id.as_deref().or(self.client_id.as_deref())
    }

    pub fn is_for(&self, app_id: &str) -> bool {
        self.app_id()
            .is_some_and(|a| a.eq_ignore_ascii_case(app_id))
    }

    pub fn permission_type(&self) -> &str {
        self.permission_type.as_deref().unwrap_or("Application")
    }
}

impl Resource for ResourceSpecificGrant {
    const ONE: &'static str = "a resource-specific permission grant";
    const PAGE: &'static str = "a page of resource-specific permission grants";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::parse;
    use serde_json::json;

    const APP: &str = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";

    #[test]
    fn a_grant_names_its_app_either_way_and_defaults_to_application() {
        let g: ResourceSpecificGrant = parse(&json!({
            "id": "g1", "clientAppId": APP.to_uppercase(), "permission": "TeamSettings.Read.Group",
            "resourceAppId": "00000003-0000-0000-c000-000000000000"
        }))
        .expect("grant");
        assert!(g.is_for(APP));
        assert_eq!(g.permission_type(), "Application");
        let old: ResourceSpecificGrant = parse(&json!({
            "id": "g2", "clientId": APP, "permission": "ChatMessage.Read.Chat",
            "permissionType": "Delegated"
        }))
        .expect("grant");
        assert!(old.is_for(&APP.to_uppercase()));
        assert_eq!(old.permission_type(), "Delegated");
        let nobody: ResourceSpecificGrant =
            parse(&json!({"id": "g3", "permission": "x"})).expect("grant");
        assert!(!nobody.is_for(APP));
    }

    #[test]
    fn a_malformed_grant_is_a_typed_error() {
        for bad in [
            json!({"clientAppId": "app", "permission": "x"}),
            json!({"id": "g1", "clientAppId": "app"}),
            json!({"id": "g1", "permission": ["x"]}),
            json!({"id": "g1", "permission": "x", "permissionType": 1}),
            // The Entra app id is checked as it is read.
            json!({"id": "g1", "clientAppId": "app", "permission": "x"}),
        ] {
            let err = parse::<ResourceSpecificGrant>(&bad).expect_err("malformed");
            assert_eq!(
                err.resource, "a resource-specific permission grant",
                "{bad}"
            );
        }
    }
}
