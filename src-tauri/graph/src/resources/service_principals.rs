//! `servicePrincipal` (v1.0): an app's presence in the tenant, and a resource API's published
//! app roles and delegated scopes (`GET /servicePrincipals…`).

use serde::Deserialize;

use super::Resource;
use crate::ids::EntraAppId;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    /// The Entra app id (client id) of the app it stands for.
    #[serde(default)]
    pub app_id: Option<EntraAppId>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Application permissions the resource publishes (only when selected).
    #[serde(default)]
    pub app_roles: Vec<PublishedPermission>,
    /// Delegated permissions the resource publishes (only when selected).
    #[serde(default)]
    pub oauth2_permission_scopes: Vec<PublishedPermission>,
}

/// One `appRole` or `permissionScope`: its id, the value a token carries, and its name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedPermission {
    pub id: String,
    /// `User.Read.All`; a role without a value cannot be granted and has none.
    #[serde(default)]
    pub value: Option<String>,
    /// An app role's name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// A delegated scope's name as admins see it.
    #[serde(default)]
    pub admin_consent_display_name: Option<String>,
}

impl Resource for ServicePrincipal {
    const ONE: &'static str = "a service principal";
    const PAGE: &'static str = "a page of service principals";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::parse;
    use serde_json::json;

    #[test]
    fn a_resource_reads_with_its_roles_and_scopes() {
        let sp: ServicePrincipal = parse(&json!({
            "id": "sp1", "appId": "00000003-0000-0000-c000-000000000000",
            "displayName": "Microsoft Graph",
            "appRoles": [{"id": "r1", "value": "User.Read.All", "displayName": "Read all users", "allowedMemberTypes": ["Application"]}],
            "oauth2PermissionScopes": [{"id": "s1", "value": "User.Read", "adminConsentDisplayName": "Sign in"}, {"id": "s2"}]
        }))
        .expect("service principal");
        assert_eq!(sp.app_roles[0].value.as_deref(), Some("User.Read.All"));
        assert_eq!(sp.oauth2_permission_scopes.len(), 2);
        assert_eq!(sp.oauth2_permission_scopes[1].value, None);
        let bare: ServicePrincipal = parse(&json!({"id": "sp2"})).expect("bare");
        assert!(bare.app_roles.is_empty() && bare.app_id.is_none());
    }

    #[test]
    fn a_malformed_service_principal_is_a_typed_error() {
        for bad in [
            json!({"appId": "x"}),
            json!({"id": "sp1", "appRoles": {"id": "r1"}}),
            json!({"id": "sp1", "appRoles": [{"value": "User.Read.All"}]}),
            json!({"id": "sp1", "oauth2PermissionScopes": [{"id": 5}]}),
            json!({"id": "sp1", "appId": "not-an-app-id"}),
        ] {
            let err = parse::<ServicePrincipal>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a service principal", "{bad}");
        }
    }
}
