//! Typed Graph resources: what BotDeck reads from Graph's JSON, one module per resource, and
//! [`Page`] for collections (octocrab's `Page<T>`: the items and the link to the next page).
//!
//! Fields BotDeck needs are required: an answer without them is a [`ResourceError`] naming the
//! resource and the field, never a panic and never a silently skipped item. Fields BotDeck does
//! not read are ignored — Graph adds properties over time and an older BotDeck must keep
//! working — and properties Graph documents as optional are `Option`.

pub mod app_role_assignments;
pub mod channels;
pub mod chat_messages;
pub mod chats;
pub mod delegated_grants;
pub mod errors;
pub mod grants;
pub mod installed_apps;
pub mod organization;
pub mod service_principals;
pub mod teams;
pub mod teams_apps;
pub mod users;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::client::{GraphClient, GraphError};
use crate::secret::Sensitive;

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

/// Reads every item of a collection (the items [`GraphClient::get_all`] gathered across pages):
/// one malformed item fails the whole read, naming the resource and the field.
pub fn all<T: Resource>(items: &[Value]) -> Result<Vec<T>, ResourceError> {
    items.iter().map(parse).collect()
}

/// Keeps only the items whose key equals `wanted` (case-insensitive): a service that ignored or
/// loosened a `$filter` must never make BotDeck act on another app. Whatever is dropped is
/// logged, so a misbehaving filter shows in the log.
pub fn keep_matching<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> Option<&str>,
    wanted: &str,
    route: &str,
) -> Vec<T> {
    let (kept, dropped): (Vec<T>, Vec<T>) = items
        .into_iter()
        .partition(|item| key(item).is_some_and(|v| v.eq_ignore_ascii_case(wanted)));
    if !dropped.is_empty() {
        tracing::warn!(
            route,
            wanted,
            dropped = dropped.len(),
            "Graph answered items that do not match the filter asked for; they were ignored"
        );
    }
    kept
}

impl GraphClient {
    /// `GET` one resource.
    pub async fn get_one<T: Resource>(
        &self,
        token: &Sensitive<String>,
        path: &str,
    ) -> Result<T, GraphError> {
        Ok(parse(&self.get_json(token, path).await?)?)
    }

    /// Every item of a collection, following `@odata.nextLink` (see [`GraphClient::get_all`]).
    pub async fn list<T: Resource>(
        &self,
        token: &Sensitive<String>,
        path: &str,
    ) -> Result<Vec<T>, GraphError> {
        Ok(all(&self.get_all(token, path).await?)?)
    }

    /// [`Self::list`] for advanced directory queries (`ConsistencyLevel: eventual`).
    pub async fn list_eventual<T: Resource>(
        &self,
        token: &Sensitive<String>,
        path: &str,
    ) -> Result<Vec<T>, GraphError> {
        Ok(all(&self.get_all_eventual(token, path).await?)?)
    }
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
    fn all_fails_on_one_malformed_item_and_keep_matching_drops_other_apps() {
        let items = [json!({"id": "t1"}), json!({"displayName": "x"})];
        let err = all::<teams::Team>(&items).expect_err("one team without id");
        assert_eq!(err.resource, "a team");
        let teams = all::<teams::Team>(&items[..1]).expect("teams");
        assert_eq!(teams.len(), 1);
        let kept = keep_matching(
            vec![("A", 1), ("b", 2), ("c", 3)],
            |(k, _)| Some(*k),
            "B",
            "test",
        );
        assert_eq!(kept, [("b", 2)]);
        let none: Vec<(Option<&str>, u8)> =
            keep_matching(vec![(None, 1)], |(k, _)| *k, "a", "test");
        assert!(none.is_empty());
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
