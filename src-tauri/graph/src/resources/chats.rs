//! `chat` (v1.0): what the inventory lists (`GET /chats`).

use serde::Deserialize;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    pub id: String,
    /// Group chats may have none.
    #[serde(default)]
    pub topic: Option<String>,
    /// `oneOnOne`, `group`, `meeting`, and values Graph may add later (kept as text).
    pub chat_type: String,
}

impl Chat {
    /// One-on-one chats cannot host a bot's group features; meetings are group chats with a
    /// meeting attached.
    pub fn is_group(&self) -> bool {
        matches!(self.chat_type.as_str(), "group" | "meeting")
    }
}

impl Resource for Chat {
    const ONE: &'static str = "a chat";
    const PAGE: &'static str = "a page of chats";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::parse;
    use serde_json::json;

    #[test]
    fn chats_are_read_and_only_group_and_meeting_chats_are_groups() {
        let chat: Chat =
            parse(&json!({"id": "c1", "topic": null, "chatType": "meeting"})).expect("chat");
        assert!(chat.is_group() && chat.topic.is_none());
        let one: Chat = parse(&json!({"id": "c2", "chatType": "oneOnOne"})).expect("chat");
        assert!(!one.is_group());
        let later: Chat = parse(&json!({"id": "c3", "chatType": "unknownFutureValue"}))
            .expect("a chat type Graph adds later still reads");
        assert!(!later.is_group());
    }

    #[test]
    fn a_malformed_chat_is_a_typed_error() {
        for bad in [
            json!({"id": "c1"}),
            json!({"chatType": "group"}),
            json!({"id": "c1", "chatType": 3}),
            json!({"id": "c1", "chatType": "group", "topic": {"text": "x"}}),
        ] {
            let err = parse::<Chat>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a chat", "{bad}");
        }
    }
}
