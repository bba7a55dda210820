//! `chatMessage` (v1.0): a message in a channel or chat, with its replies when expanded
//! (`GET /teams/{id}/channels/{id}/messages?$expand=replies`, `GET /chats/{id}/messages`).

use serde::Deserialize;
use serde_json::Value;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: String,
    #[serde(default)]
    pub created_date_time: Option<String>,
    /// Changes when a bot updates its card in place.
    #[serde(default)]
    pub last_modified_date_time: Option<String>,
    /// `null` for system messages.
    #[serde(default)]
    pub from: Option<ChatMessageFrom>,
    #[serde(default)]
    pub body: Option<ItemBody>,
    #[serde(default)]
    pub attachments: Vec<ChatMessageAttachment>,
    /// Only with `$expand=replies` on channel messages.
    #[serde(default)]
    pub replies: Vec<ChatMessage>,
}

/// `chatMessageFromIdentitySet`: who sent it, a user or an app (a bot).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageFrom {
    #[serde(default)]
    pub application: Option<IdentityRef>,
    #[serde(default)]
    pub user: Option<IdentityRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `itemBody`: `text` or `html` content.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageAttachment {
    /// `application/vnd.microsoft.card.adaptive` for a card.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Graph gives a card as a JSON *string*; its inside is the card author's, with no schema
    /// Graph fixes, so it stays JSON (see [`ChatMessageAttachment::card`]).
    #[serde(default)]
    pub content: Option<Value>,
}

impl ChatMessageAttachment {
    /// The attachment's card as JSON, whether Graph sent it as a string or inline.
    pub fn card(&self) -> Option<Value> {
        match self.content.as_ref()? {
            Value::String(s) => serde_json::from_str(s).ok(),
            Value::Null => None,
            v => Some(v.clone()),
        }
    }
}

impl ChatMessage {
    /// The sending app's id (a bot's id), if an app sent it.
    pub fn from_app(&self) -> Option<&str> {
        self.from
            .as_ref()
            .and_then(|f| f.application.as_ref())
            .map(|a| a.id.as_str())
    }

    pub fn body_content(&self) -> &str {
        self.body
            .as_ref()
            .and_then(|b| b.content.as_deref())
            .unwrap_or_default()
    }
}

impl Resource for ChatMessage {
    const ONE: &'static str = "a message";
    const PAGE: &'static str = "a page of messages";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{page, parse};
    use serde_json::json;

    #[test]
    fn a_message_reads_its_sender_body_cards_and_replies() {
        let p = page::<ChatMessage>(&json!({"value": [{
            "id": "m1", "createdDateTime": "2026-01-01T00:00:00Z", "messageType": "message",
            "from": {"application": null, "device": null, "user": {"id": "u1", "displayName": "Ada"}},
            "body": {"contentType": "html", "content": "<p>@Bot connect</p>"},
            "attachments": [],
            "replies": [{
                "id": "m2", "from": {"application": {"id": "bot-1", "displayName": "Bot", "applicationIdentityType": "bot"}},
                "body": {"contentType": "html", "content": ""},
                "attachments": [
                    {"contentType": "application/vnd.microsoft.card.adaptive", "content": "{\"body\":[{\"text\":\"Connected\"}]}"},
                    {"contentType": "x", "content": {"title": "inline"}},
                    {"contentType": "x", "content": "not json"},
                    {"contentType": "x", "content": null}
                ]
            }]
        }, {"id": "m3", "from": null}]}))
        .expect("page");
        let m = &p.value[0];
        assert_eq!(m.from_app(), None);
        assert_eq!(m.body_content(), "<p>@Bot connect</p>");
        let reply = &m.replies[0];
        assert_eq!(reply.from_app(), Some("bot-1"));
        let cards: Vec<Option<Value>> = reply.attachments.iter().map(|a| a.card()).collect();
        assert_eq!(cards[0], Some(json!({"body": [{"text": "Connected"}]})));
        assert_eq!(cards[1], Some(json!({"title": "inline"})));
        assert_eq!((cards[2].is_none(), cards[3].is_none()), (true, true));
        assert_eq!(p.value[1].body_content(), "");
    }

    #[test]
    fn a_malformed_message_is_a_typed_error() {
        for bad in [
            json!({"body": {"content": "x"}}),
            json!({"id": "m1", "body": {"content": 5}}),
            json!({"id": "m1", "from": {"application": {"displayName": "no id"}}}),
            json!({"id": "m1", "attachments": {"content": "x"}}),
            json!({"id": "m1", "replies": [{"body": null}]}),
            json!({"id": "m1", "createdDateTime": 17}),
        ] {
            let err = parse::<ChatMessage>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a message", "{bad}");
        }
    }
}
