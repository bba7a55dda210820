//! `appRoleAssignment` (v1.0): an application permission granted to a service principal
//! (`GET /servicePrincipals/{id}/appRoleAssignments`).

use serde::Deserialize;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    /// The assignment's id (what a revoke deletes).
    pub id: String,
    /// The role granted, as the resource publishes it in its `appRoles`.
    pub app_role_id: String,
    /// The resource's service principal (object id), e.g. Microsoft Graph's in this tenant.
    pub resource_id: String,
    #[serde(default)]
    pub resource_display_name: Option<String>,
    /// The service principal the role is granted to.
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
}

impl Resource for AppRoleAssignment {
    const ONE: &'static str = "an app role assignment";
    const PAGE: &'static str = "a page of app role assignments";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{page, parse};
    use serde_json::json;

    #[test]
    fn an_assignment_reads_as_microsoft_documents_it() {
        let p = page::<AppRoleAssignment>(&json!({"value": [{
            "id": "a1", "deletedDateTime": null, "appRoleId": "r1",
            "createdDateTime": "2026-01-02T03:04:05.678Z", "principalDisplayName": "FlashDuty",
            "principalId": "sp1", "principalType": "ServicePrincipal",
            "resourceDisplayName": "Microsoft Graph", "resourceId": "graph-sp"
        }, {"id": "a2", "appRoleId": "r2", "resourceId": "graph-sp"}]}))
        .expect("page");
        assert_eq!(
            p.value[0].resource_display_name.as_deref(),
            Some("Microsoft Graph")
        );
        assert_eq!(p.value[1].created_date_time, None);
    }

    #[test]
    fn a_malformed_assignment_is_a_typed_error() {
        for bad in [
            json!({"appRoleId": "r1", "resourceId": "x"}),
            json!({"id": "a1", "resourceId": "x"}),
            json!({"id": "a1", "appRoleId": "r1"}),
            json!({"id": "a1", "appRoleId": 5, "resourceId": "x"}),
            json!({"id": "a1", "appRoleId": "r1", "resourceId": "x", "resourceDisplayName": {}}),
        ] {
            let err = parse::<AppRoleAssignment>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "an app role assignment", "{bad}");
        }
    }
}
