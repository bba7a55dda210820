//! `oauth2PermissionGrant` (v1.0): delegated permissions granted to a client, for every user
//! (`AllPrincipals`) or for one (`Principal`) (`GET /oauth2PermissionGrants?$filter=clientId eq '…'`).

use serde::Deserialize;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2PermissionGrant {
    pub id: String,
    /// The client's service principal (object id).
    pub client_id: String,
    /// `AllPrincipals` or `Principal`; Graph documents no other value.
    pub consent_type: String,
    /// The user, for `Principal` consent; `null` for `AllPrincipals`.
    #[serde(default)]
    pub principal_id: Option<String>,
    /// The resource's service principal (object id).
    pub resource_id: String,
    /// Space-separated scope values (`User.Read Chat.Read`); may be empty.
    #[serde(default)]
    pub scope: Option<String>,
}

impl OAuth2PermissionGrant {
    /// Consent by one user for themself.
    pub fn is_per_user(&self) -> bool {
        self.consent_type == "Principal"
    }

    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }
}

impl Resource for OAuth2PermissionGrant {
    const ONE: &'static str = "a delegated permission grant";
    const PAGE: &'static str = "a page of delegated permission grants";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::parse;
    use serde_json::json;

    #[test]
    fn a_grant_reads_its_consent_and_scopes() {
        let g: OAuth2PermissionGrant = parse(&json!({
            "clientId": "sp1", "consentType": "Principal", "id": "g1",
            "principalId": "u1", "resourceId": "graph-sp", "scope": " User.Read  Chat.Read "
        }))
        .expect("grant");
        assert!(g.is_per_user());
        assert_eq!(g.scopes().collect::<Vec<_>>(), ["User.Read", "Chat.Read"]);
        let all: OAuth2PermissionGrant = parse(&json!({
            "clientId": "sp1", "consentType": "AllPrincipals", "id": "g2",
            "principalId": null, "resourceId": "graph-sp", "scope": null
        }))
        .expect("grant");
        assert!(!all.is_per_user() && all.scopes().next().is_none());
    }

    #[test]
    fn a_malformed_grant_is_a_typed_error() {
        for bad in [
            json!({"clientId": "sp1", "consentType": "AllPrincipals", "resourceId": "r"}),
            json!({"id": "g1", "consentType": "AllPrincipals", "resourceId": "r"}),
            json!({"id": "g1", "clientId": "sp1", "resourceId": "r"}),
            json!({"id": "g1", "clientId": "sp1", "consentType": "AllPrincipals"}),
            json!({"id": "g1", "clientId": "sp1", "consentType": "AllPrincipals", "resourceId": "r", "scope": ["User.Read"]}),
        ] {
            let err = parse::<OAuth2PermissionGrant>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a delegated permission grant", "{bad}");
        }
    }
}
