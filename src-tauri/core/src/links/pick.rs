//! The wizard's target picker: teams, chats and users come from the inventory cache of the
//! bot (the last sync, with the bot's state in each), so a tenant of thousands opens at once;
//! a team's channels are read from Graph when the admin opens that team (the cache keeps only
//! their counts), with their membership type so a private channel is visibly not offered
//! where the vendor needs a standard one.

use botdeck_graph::resources::channels::Channel;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{LinkTargetKind, LinksError};
use crate::installs::{self, InstallState, InventoryQuery, SyncInfo, TargetKind};
use crate::secrets::Sensitive;
use crate::store::Store;
use botdeck_graph::GraphClient;

/// One target the admin can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkTargetChoice {
    pub kind: LinkTargetKind,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub chat_id: Option<String>,
    pub user_id: Option<String>,
    pub name: String,
    /// Team description, chat type, user principal name, or the channel's membership.
    pub detail: Option<String>,
    /// The bot in this target as last synced (teams, chats, users); none for channels.
    pub bot_state: Option<InstallState>,
    pub bot_version: Option<String>,
    pub archived: bool,
    /// Channels: standard, private or shared.
    pub membership: Option<String>,
}

/// `links_targets`: what to list. `kind` team, chat or user reads the cache of `appId`;
/// channel reads the channels of `teamId` from Graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksTargetsRequest {
    pub app_id: String,
    pub kind: LinkTargetKind,
    /// Case-insensitive part of the name, detail or id.
    #[serde(default)]
    pub text: Option<String>,
    /// The team whose channels to list (kind channel only).
    #[serde(default)]
    pub team_id: Option<String>,
    /// At most this many (0 means 50; capped at 500).
    #[serde(default)]
    pub limit: u32,
}

impl LinksTargetsRequest {
    pub fn validate(&self) -> Result<(), LinksError> {
        if !is_guid(self.app_id.trim()) {
            return Err(LinksError::Invalid(format!(
                "{:?} is not a catalog app id: choose the bot",
                self.app_id
            )));
        }
        match (&self.kind, self.team_id.as_deref().map(str::trim)) {
            (LinkTargetKind::Channel, None | Some("")) => Err(LinksError::Invalid(
                "choose the team whose channels to list".into(),
            )),
            (LinkTargetKind::Channel, Some(t)) if !is_safe_id(t) => {
                Err(LinksError::Invalid(format!("{t:?} is not a team id")))
            }
            (LinkTargetKind::Channel, _) => Ok(()),
            (_, Some(t)) if !t.is_empty() => Err(LinksError::Invalid(
                "a team is chosen only to list its channels".into(),
            )),
            _ if self.text.as_deref().is_some_and(|t| t.len() > 200) => Err(LinksError::Invalid(
                "the search text is longer than 200 characters".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// The choices, and how old the cache they came from is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkTargetChoices {
    pub choices: Vec<LinkTargetChoice>,
    /// Matching targets in all (more than `choices` when the list was cut at the limit).
    #[ts(type = "number")]
    pub total: u64,
    /// The bot's last inventory sync (none: never synced, so the lists are empty until then).
    pub sync: Option<SyncInfo>,
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// Ids go into Graph paths: no separators, queries or fragments.
fn is_safe_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 256 && !s.contains(['/', '?', '#', '&', ' '])
}

fn limit_of(limit: u32) -> u32 {
    if limit == 0 {
        50
    } else {
        limit.min(500)
    }
}

/// Teams, chats or users from the bot's inventory cache (no network).
pub fn cached_targets(
    store: &Store,
    req: &LinksTargetsRequest,
) -> Result<LinkTargetChoices, LinksError> {
    req.validate()?;
    let kind = match req.kind {
        LinkTargetKind::Team => TargetKind::Team,
        LinkTargetKind::Chat => TargetKind::Chat,
        LinkTargetKind::User => TargetKind::User,
        LinkTargetKind::Channel => {
            return Err(LinksError::Invalid(
                "channels are read from the team, not the cache".into(),
            ))
        }
    };
    let page = installs::query(
        store,
        req.app_id.trim(),
        &InventoryQuery {
            kind: Some(kind),
            text: req
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            include_archived: Some(true),
            limit: limit_of(req.limit),
            ..Default::default()
        },
    )?;
    let choices = page
        .rows
        .into_iter()
        .map(|r| LinkTargetChoice {
            kind: req.kind,
            team_id: (kind == TargetKind::Team).then(|| r.id.clone()),
            channel_id: (kind == TargetKind::Team)
                .then(|| r.general_channel.clone())
                .flatten(),
            chat_id: (kind == TargetKind::Chat).then(|| r.id.clone()),
            user_id: (kind == TargetKind::User).then(|| r.id.clone()),
            name: r.display_name,
            detail: r.detail,
            bot_state: Some(r.state),
            bot_version: r.version,
            archived: r.archived,
            membership: None,
        })
        .collect();
    Ok(LinkTargetChoices {
        choices,
        total: page.total,
        sync: page.sync,
    })
}

/// The channels of a team, read from Graph (`GET /teams/{id}/channels`), standard ones first.
/// No store is touched (the caller may hold it elsewhere across this await): [`with_sync`]
/// adds the cache's age.
pub async fn team_channels_read(
    graph: &GraphClient,
    token: &Sensitive<String>,
    req: &LinksTargetsRequest,
) -> Result<Vec<LinkTargetChoice>, LinksError> {
    req.validate()?;
    let team = req.team_id.as_deref().map(str::trim).unwrap_or_default();
    let items = match graph
        .list::<Channel>(
            token,
            &format!("/teams/{team}/channels?$select=id,displayName,membershipType"),
        )
        .await
    {
        Ok(items) => items,
        Err(e) if e.status() == Some(404) => {
            return Err(LinksError::NotFound(format!("no team {team}")))
        }
        Err(e) => return Err(e.into()),
    };
    let needle = req
        .text
        .as_deref()
        .map(|t| t.trim().to_lowercase())
        .unwrap_or_default();
    let mut choices: Vec<LinkTargetChoice> = items
        .into_iter()
        .map(|c| {
            let membership = c.membership().to_string();
            let name = c.display_name.unwrap_or_else(|| c.id.clone());
            let id = c.id;
            LinkTargetChoice {
                kind: LinkTargetKind::Channel,
                team_id: Some(team.to_string()),
                channel_id: Some(id),
                chat_id: None,
                user_id: None,
                detail: Some(format!("{membership} channel")),
                name,
                bot_state: None,
                bot_version: None,
                archived: false,
                membership: Some(membership),
            }
        })
        .filter(|c| needle.is_empty() || c.name.to_lowercase().contains(&needle))
        .collect();
    choices.sort_by_key(|c| {
        (
            c.membership.as_deref() != Some("standard"),
            c.name.to_lowercase(),
        )
    });
    Ok(choices)
}

/// Cuts the channels at the request's limit and says how old the bot's inventory is.
pub fn with_sync(
    store: &Store,
    req: &LinksTargetsRequest,
    mut choices: Vec<LinkTargetChoice>,
) -> Result<LinkTargetChoices, LinksError> {
    let total = choices.len() as u64;
    choices.truncate(limit_of(req.limit) as usize);
    Ok(LinkTargetChoices {
        choices,
        total,
        sync: installs::last_sync(store, Some(req.app_id.trim()))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: LinkTargetKind, team: Option<&str>) -> LinksTargetsRequest {
        LinksTargetsRequest {
            app_id: "11111111-1111-4111-8111-111111111111".into(),
            kind,
            text: None,
            team_id: team.map(str::to_string),
            limit: 0,
        }
    }

    #[test]
    fn requests_are_judged_before_any_read() {
        assert!(req(LinkTargetKind::Team, None).validate().is_ok());
        assert!(req(LinkTargetKind::Channel, Some("t1")).validate().is_ok());
        for (bad, why) in [
            (req(LinkTargetKind::Channel, None), "choose the team"),
            (req(LinkTargetKind::Channel, Some(" ")), "choose the team"),
            (req(LinkTargetKind::Channel, Some("a/b")), "not a team id"),
            (
                req(LinkTargetKind::Team, Some("t1")),
                "only to list its channels",
            ),
            (
                LinksTargetsRequest {
                    app_id: "bot".into(),
                    ..req(LinkTargetKind::Team, None)
                },
                "not a catalog app id",
            ),
            (
                LinksTargetsRequest {
                    text: Some("x".repeat(201)),
                    ..req(LinkTargetKind::User, None)
                },
                "longer than 200",
            ),
        ] {
            let err = bad.validate().expect_err("refused").to_string();
            assert!(err.contains(why), "{err}");
        }
    }

    #[test]
    fn limits_default_and_cap() {
        assert_eq!(limit_of(0), 50);
        assert_eq!(limit_of(10), 10);
        assert_eq!(limit_of(100_000), 500);
    }
}
