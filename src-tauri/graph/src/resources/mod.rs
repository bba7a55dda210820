//! Typed Graph resources: what BotDeck reads from Graph's JSON, one module per resource, and
//! [`Page`] for collections (octocrab's `Page<T>`: the items and the link to the next page).
//!
//! Fields BotDeck needs are required: an answer without them is a [`ResourceError`] naming the
//! resource and the field, never a panic and never a silently skipped item. Fields BotDeck does
//! not read are ignored — Graph adds properties over time and an older BotDeck must keep
//! working — and properties Graph documents as optional are `Option`.

pub mod channels;
pub mod chats;
pub mod grants;
pub mod installed_apps;
pub mod service_principals;
pub mod teams;
pub mod users;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// One page of a Graph collection.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    pub value: Vec<T>,
    /// The next page (`@odata.nextLink`); `None` on the last one.
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
    /// A delta query's link for the next round (`@odata.deltaLink`), on its last page only.
    #[serde(rename = "@odata.deltaLink", default)]
    pub delta_link: Option<String>,
}

/// A Graph answer that does not have the shape its resource documents.
#[derive(Debug, thiserror::Error)]
#[error("Microsoft Graph answered {resource} in a shape BotDeck cannot read: {source}")]
pub struct ResourceError {
    /// What was being read, in the admin's words ("a page of teams").
    pub resource: &'static str,
    #[source]
    pub source: serde_json::Error,
}

/// Where a caller reports Graph failures as one type: a malformed answer is an unexpected
/// answer from Graph (`GraphError::Protocol`), with the resource and the field in its text.
impl From<ResourceError> for crate::client::GraphError {
    fn from(err: ResourceError) -> Self {
        Self::Protocol(err.to_string())
    }
}

/// A resource type and how it is named in errors.
pub trait Resource: DeserializeOwned {
    /// "a team", "a channel": used in [`ResourceError`].
    const ONE: &'static str;
    /// "a page of teams".
    const PAGE: &'static str;
}

/// Reads one resource out of a Graph answer's JSON.
pub fn parse<T: Resource>(json: &Value) -> Result<T, ResourceError> {
    T::deserialize(json).map_err(|source| ResourceError {
        resource: T::ONE,
        source,
    })
}

/// Reads one page of a collection out of a Graph answer's JSON.
pub fn page<T: Resource>(json: &Value) -> Result<Page<T>, ResourceError> {
    Page::<T>::deserialize(json).map_err(|source| ResourceError {
        resource: T::PAGE,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_carries_its_next_and_delta_links() {
        let p: Page<teams::Team> = page(&json!({
            "value": [{"id": "t1", "displayName": "Ops"}],
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/teams?$skiptoken=x",
        }))
        .expect("page");
        assert_eq!(p.value.len(), 1);
        assert!(p.next_link.is_some() && p.delta_link.is_none());
    }

    #[test]
    fn a_page_without_value_is_a_typed_error_naming_the_resource() {
        for bad in [
            json!({}),
            json!({"value": null}),
            json!({"value": {"id": "t1"}}),
            json!([]),
            json!("teams"),
            json!({"value": [], "@odata.nextLink": 7}),
        ] {
            let err = page::<teams::Team>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a page of teams", "{bad}");
            assert!(err.to_string().contains("a page of teams"), "{err}");
        }
    }
}
