//! `channel` (v1.0) as a team's channel list gives it (`GET /teams/{id}/channels`).

use serde::Deserialize;

use super::Resource;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `standard`, `private`, `shared`; absent in older answers, which meant standard.
    #[serde(default)]
    pub membership_type: Option<String>,
    /// The channel's link in Teams (where an admin types a bot's command).
    #[serde(default)]
    pub web_url: Option<String>,
}

impl Channel {
    pub fn membership(&self) -> &str {
        self.membership_type.as_deref().unwrap_or("standard")
    }
}

/// What the inventory keeps of a team's channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFacts {
    /// The General channel (the standard channel named "General", else the first standard one).
    pub general: Option<String>,
    pub private: u32,
    pub shared: u32,
}

impl ChannelFacts {
    pub fn of(channels: &[Channel]) -> Self {
        let standard = |c: &&Channel| c.membership() == "standard";
        let general = channels
            .iter()
            .filter(standard)
            .find(|c| c.display_name.as_deref() == Some("General"))
            .or_else(|| channels.iter().find(standard))
            .map(|c| c.id.clone());
        let count = |m: &str| channels.iter().filter(|c| c.membership() == m).count() as u32;
        Self {
            general,
            private: count("private"),
            shared: count("shared"),
        }
    }
}

impl Resource for Channel {
    const ONE: &'static str = "a channel";
    const PAGE: &'static str = "a page of channels";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{page, parse};
    use serde_json::json;

    #[test]
    fn facts_name_the_general_channel_and_count_private_and_shared_ones() {
        let p = page::<Channel>(&json!({"value": [
            {"id": "c0", "displayName": "Announcements"},
            {"id": "c1", "displayName": "General", "membershipType": "standard"},
            {"id": "c2", "displayName": "General", "membershipType": "private"},
            {"id": "c3", "membershipType": "shared"},
            {"id": "c4", "membershipType": "private"}
        ]}))
        .expect("page");
        assert_eq!(
            ChannelFacts::of(&p.value),
            ChannelFacts {
                general: Some("c1".into()),
                private: 2,
                shared: 1
            }
        );
        let no_general = ChannelFacts::of(&p.value[..1]);
        assert_eq!(no_general.general.as_deref(), Some("c0"));
        assert_eq!(ChannelFacts::of(&[]).general, None);
    }

    #[test]
    fn a_malformed_channel_is_a_typed_error() {
        for bad in [
            json!({"displayName": "General"}),
            json!({"id": 1}),
            json!({"id": "c1", "membershipType": false}),
            json!({"id": "c1", "webUrl": ["https://teams.microsoft.com/l/channel/x"]}),
        ] {
            let err = parse::<Channel>(&bad).expect_err("malformed");
            assert_eq!(err.resource, "a channel", "{bad}");
        }
    }
}
