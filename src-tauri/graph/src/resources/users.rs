//! `user` (v1.0) as a delta query lists it (`GET /users/delta`).

use serde::Deserialize;
use serde_json::Value;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Only in answers that selected it; `None` is not "disabled".
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// A delta query marks deleted users with `@removed` (`{"reason": "changed" | "deleted"}`).
    #[serde(rename = "@removed", default)]
    pub removed: Option<Value>,
    /// Set where a list mixes kinds of directory objects (a group's members: users, groups,
    /// devices, service principals).
    #[serde(rename = "@odata.type", default)]
    pub odata_type: Option<String>,
}

impl User {
    /// A user, not another kind of member (an absent type means the list holds users only).
    pub fn is_user(&self) -> bool {
        self.odata_type
            .as_deref()
            .is_none_or(|t| t == "#microsoft.graph.user")
    }

    /// Gone from the directory, or unable to sign in: no longer a target.
    pub fn is_gone(&self) -> bool {
        self.removed.is_some() || self.account_enabled == Some(false)
    }
}

impl Resource for User {
    const ONE: &'static str = "a user";
    const PAGE: &'static str = "a page of users";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{page, parse};
    use serde_json::json;

    #[test]
    fn removed_and_disabled_users_are_gone() {
        let p = page::<User>(&json!({
            "value": [
                {"id": "u1", "displayName": "Ada", "userPrincipalName": "ada@contoso.example", "accountEnabled": true},
                {"id": "u2", "@removed": {"reason": "deleted"}},
                {"id": "u3", "accountEnabled": false},
                {"id": "u4"}
            ],
            "@odata.deltaLink": "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x"
        }))
        .expect("page");
        let gone: Vec<bool> = p.value.iter().map(User::is_gone).collect();
        assert_eq!(gone, [false, true, true, false]);
        assert!(p.value.iter().all(User::is_user));
        let group: User =
            parse(&json!({"@odata.type": "#microsoft.graph.group", "id": "g1"})).expect("member");
        assert!(!group.is_user());
        assert!(p.delta_link.is_some());
    }

    #[test]
    fn a_malformed_user_is_a_typed_error() {
        for bad in [
            json!({"displayName": "no id"}),
            json!({"id": "u1", "accountEnabled": "true"}),
            json!({"id": ["u1"]}),
            json!({"id": "u1", "@odata.type": 3}),
        ] {
            let err = parse::<User>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a user", "{bad}");
        }
    }
}
