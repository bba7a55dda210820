//! `organization` (v1.0): the signed-in tenant (`GET /organization`), and `directoryRole` as
//! the signed-in admin's memberships list it (`GET /me/memberOf/microsoft.graph.directoryRole`).

use serde::Deserialize;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// The tenant id.
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

/// `verifiedDomain`: a domain the tenant proved it owns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    pub name: String,
    /// The domain new users get by default: the one admins recognise.
    #[serde(default)]
    pub is_default: Option<bool>,
    #[serde(default)]
    pub is_initial: Option<bool>,
}

impl Organization {
    /// Verified domain names, the default one first, then by name.
    pub fn domain_names(&self) -> Vec<String> {
        let mut domains: Vec<(bool, &str)> = self
            .verified_domains
            .iter()
            .filter(|d| !d.name.trim().is_empty())
            .map(|d| (d.is_default == Some(true), d.name.as_str()))
            .collect();
        domains.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        domains.into_iter().map(|(_, d)| d.to_string()).collect()
    }
}

impl Resource for Organization {
    const ONE: &'static str = "the organization";
    const PAGE: &'static str = "a page of organizations";
}

/// One of the admin's memberships, as the `directoryRole` cast answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRole {
    pub id: String,
    /// `#microsoft.graph.directoryRole`; a group here means the server ignored the cast.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role_template_id: Option<String>,
}

impl DirectoryRole {
    /// A directory role, not another kind of membership (an absent type means the cast held).
    pub fn is_role(&self) -> bool {
        self.odata_type
            .as_deref()
            .is_none_or(|t| t == "#microsoft.graph.directoryRole")
    }
}

impl Resource for DirectoryRole {
    const ONE: &'static str = "a directory role";
    const PAGE: &'static str = "a page of directory roles";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{page, parse};
    use serde_json::json;

    #[test]
    fn the_default_domain_comes_first() {
        let org = page::<Organization>(&json!({"value": [{
            "id": "tenant-1", "displayName": "Contoso", "tenantType": "AAD",
            "verifiedDomains": [
                {"name": "contoso.onmicrosoft.com", "isDefault": false, "isInitial": true, "type": "Managed"},
                {"name": "b.example", "isDefault": null},
                {"name": "contoso.example", "isDefault": true},
                {"name": " "}
            ]
        }]}))
        .expect("page");
        assert_eq!(
            org.value[0].domain_names(),
            ["contoso.example", "b.example", "contoso.onmicrosoft.com"]
        );
    }

    #[test]
    fn groups_in_a_role_answer_are_not_roles() {
        let p = page::<DirectoryRole>(&json!({"value": [
            {"@odata.type": "#microsoft.graph.directoryRole", "id": "r1", "displayName": "Teams Administrator"},
            {"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "All staff"},
            {"id": "r2", "displayName": "Global Reader"}
        ]}))
        .expect("page");
        let roles: Vec<bool> = p.value.iter().map(DirectoryRole::is_role).collect();
        assert_eq!(roles, [true, false, true]);
    }

    #[test]
    fn a_malformed_organization_or_role_is_a_typed_error() {
        for bad in [
            json!({"displayName": "Contoso"}),
            json!({"id": "t", "verifiedDomains": [{"isDefault": true}]}),
            json!({"id": "t", "verifiedDomains": {"name": "x"}}),
            json!({"id": "t", "verifiedDomains": [{"name": "x", "isDefault": "yes"}]}),
        ] {
            let err = parse::<Organization>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "the organization", "{bad}");
        }
        for bad in [
            json!({"displayName": "x"}),
            json!({"id": "r", "@odata.type": 1}),
        ] {
            let err = parse::<DirectoryRole>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a directory role", "{bad}");
        }
    }
}
