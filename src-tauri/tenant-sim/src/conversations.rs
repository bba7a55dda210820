//! Channel and chat messages, the bot's personal chats, and two simulated alerting bots
//! (FlashDuty and PagerDuty) that answer commands *typed in Teams*.
//!
//! What Microsoft documents and this module follows:
//! - `GET /teams/{id}/channels/{id}/messages` lists root messages without replies (delegated
//!   `ChannelMessage.Read.All`); only `$top` (default 20, at most 50) and `$expand=replies` are
//!   supported. Replies: `GET .../messages/{id}/replies`.
//! - `GET /chats/{id}/messages` (delegated `Chat.Read`) only for members of the chat; `$top` at
//!   most 50; `$orderby` `lastModifiedDateTime` / `createdDateTime` descending only; `$filter`
//!   on the same property applies only together with that `$orderby`.
//! - `GET /users/{id}/teamwork/installedApps/{id}/chat`: the chat between a user and an app.
//! - A message *posted through Graph* that @mentions a bot never reaches the bot
//!   (microsoft-graph-docs issue 4886, labelled a service issue): bots here ignore it.
//! - Bots are not members of private or shared channels, so a command typed there gets no answer.
//! - Adaptive cards arrive in `attachments[]` with `contentType`
//!   `application/vnd.microsoft.card.adaptive` and `content` as a JSON *string*; pressing a
//!   card button makes the bot update the card in place (`lastModifiedDateTime` moves).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::lock::lock;
use crate::model::*;
use crate::time_text::rfc3339_ms;

/// Teams as the people in it see it, at one instant: who and where (the tenant) and what was
/// said (the conversations). Typing, pressing a card's button and posting through Graph act on
/// it; the simulator hands it out (`Sim::teams`), so this module needs nothing of the state.
pub struct Teams<'a> {
    pub now_ms: i64,
    pub tenant: &'a std::sync::Mutex<Tenant>,
    pub conversations: &'a std::sync::Mutex<Conversations>,
}

/// Which conversation a message lives in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConvKey {
    Channel { team: String, channel: String },
    Chat(String),
}

#[derive(Debug, Clone)]
pub enum Sender {
    User(usize),
    Bot { bot_id: String, name: String },
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub reply_to: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub from: Sender,
    /// HTML body as Graph returns it.
    pub html: String,
    pub mentions: Vec<Value>,
    pub cards: Vec<Card>,
    pub via_graph: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub text: String,
    /// Button titles still offered ("Associate Now"); empty once pressed.
    pub actions: Vec<String>,
    /// What pressing the first action does: the vendor link it confirms.
    #[serde(skip)]
    pub pending: Option<VendorLink>,
}

/// A link as the vendor's console knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorLink {
    pub vendor: String,
    /// team, channel, chat or user.
    pub kind: String,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub chat_id: Option<String>,
    pub user_id: Option<String>,
    pub integration: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VendorIntegration {
    pub vendor: String,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Default)]
pub struct Conversations {
    pub messages: HashMap<ConvKey, Vec<Message>>,
    last_id: i64,
    pub integrations: Vec<VendorIntegration>,
    pub vendor_links: Vec<VendorLink>,
}

pub const CARD_TYPE: &str = "application/vnd.microsoft.card.adaptive";

impl Conversations {
    pub fn seeded() -> Conversations {
        Conversations {
            integrations: vec![
                VendorIntegration {
                    vendor: "flashduty".into(),
                    id: "fd-int-1001".into(),
                    name: "Production alerts".into(),
                },
                VendorIntegration {
                    vendor: "flashduty".into(),
                    id: "fd-int-1002".into(),
                    name: "Payments alerts".into(),
                },
                VendorIntegration {
                    vendor: "pagerduty".into(),
                    id: "https://contoso.pagerduty.com/service-directory/PSRE001".into(),
                    name: "SRE On-Call".into(),
                },
                VendorIntegration {
                    vendor: "pagerduty".into(),
                    id: "https://contoso.pagerduty.com/service-directory/PPLAT02".into(),
                    name: "Platform API".into(),
                },
            ],
            ..Default::default()
        }
    }

    fn next_id(&mut self, now_ms: i64) -> String {
        self.last_id = (self.last_id + 1).max(now_ms);
        self.last_id.to_string()
    }

    pub fn list(&self, key: &ConvKey) -> &[Message] {
        self.messages.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    fn push(&mut self, key: ConvKey, m: Message) {
        self.messages.entry(key).or_default().push(m);
    }
}

/// The chat between a user and a bot, as `.../installedApps/{id}/chat` names it.
pub fn personal_chat_id(user_id: &str, bot_id: &str) -> String {
    format!("19:{user_id}_{bot_id}@unq.gbl.spaces")
}

/// `(user id, bot id)` of a personal chat id made by [`personal_chat_id`].
pub fn parse_personal_chat(chat_id: &str) -> Option<(String, String)> {
    let inner = chat_id
        .strip_prefix("19:")?
        .strip_suffix("@unq.gbl.spaces")?;
    let (a, b) = inner.split_once('_')?;
    Some((a.to_string(), b.to_string()))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Plain text of a Graph HTML body: tags dropped, entities decoded.
pub fn plain_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

pub fn render(t: &Tenant, key: &ConvKey, m: &Message, replies: Option<&[Message]>) -> Value {
    let from = match &m.from {
        Sender::User(u) => json!({
            "application": null, "device": null,
            "user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": t.users[*u].id.to_string(),
                     "displayName": t.users[*u].display_name, "userIdentityType": "aadUser",
                     "tenantId": t.id.to_string()}
        }),
        Sender::Bot { bot_id, name } => json!({
            "user": null, "device": null,
            "application": {"@odata.type": "#microsoft.graph.teamworkApplicationIdentity", "id": bot_id,
                            "displayName": name, "applicationIdentityType": "bot"}
        }),
    };
    let attachments: Vec<Value> = m
        .cards
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let body = json!({
                "type": "AdaptiveCard", "version": "1.4",
                "body": [{"type": "TextBlock", "text": c.text, "wrap": true}],
                "actions": c.actions.iter().map(|a| json!({"type": "Action.Submit", "title": a})).collect::<Vec<_>>(),
            });
            json!({"id": format!("{}-{i}", m.id), "contentType": CARD_TYPE, "contentUrl": null,
                   "content": body.to_string(), "name": null, "thumbnailUrl": null, "teamsAppId": null})
        })
        .collect();
    let (channel_identity, chat_id) = match key {
        ConvKey::Channel { team, channel } => {
            (json!({"teamId": team, "channelId": channel}), Value::Null)
        }
        ConvKey::Chat(id) => (Value::Null, json!(id)),
    };
    let mut v = json!({
        "id": m.id,
        "replyToId": m.reply_to,
        "etag": m.modified_ms.to_string(),
        "messageType": "message",
        "createdDateTime": rfc3339_ms(m.created_ms),
        "lastModifiedDateTime": rfc3339_ms(m.modified_ms),
        "lastEditedDateTime": null,
        "deletedDateTime": null,
        "subject": null,
        "summary": null,
        "chatId": chat_id,
        "importance": "normal",
        "locale": "en-us",
        "webUrl": null,
        "policyViolation": null,
        "eventDetail": null,
        "from": from,
        "body": {"contentType": "html", "content": m.html},
        "channelIdentity": channel_identity,
        "attachments": attachments,
        "mentions": m.mentions,
        "reactions": [],
    });
    if let (Some(r), Some(obj)) = (replies, v.as_object_mut()) {
        obj.insert(
            "replies".into(),
            Value::Array(r.iter().map(|x| render(t, key, x, None)).collect()),
        );
    }
    v
}

/// A bot the simulator plays: its catalog app, Bot Framework id and vendor.
#[derive(Debug, Clone)]
pub struct SimBot {
    pub app_id: String,
    pub bot_id: String,
    pub name: String,
    pub vendor: &'static str,
}

pub fn bots(t: &Tenant) -> Vec<SimBot> {
    let mut out = Vec::new();
    for a in &t.apps {
        let Some(bot_id) = a.latest_published().and_then(|d| d.bot_id.clone()) else {
            continue;
        };
        let vendor = if bot_id.eq_ignore_ascii_case(crate::DEMO_BOT_APP_ID) {
            "flashduty"
        } else if bot_id.eq_ignore_ascii_case(crate::PAGERDUTY_APP_ID) {
            "pagerduty"
        } else {
            continue;
        };
        out.push(SimBot {
            app_id: a.id.clone(),
            bot_id,
            name: a.display_name.clone(),
            vendor,
        });
    }
    out
}

/// Where a person types.
#[derive(Debug, Clone)]
pub enum Place {
    Channel {
        team: usize,
        channel: String,
    },
    Chat(usize),
    /// The personal chat of a user with a bot (by catalog app id).
    Personal {
        app_id: String,
    },
}

/// Why Graph refuses a posted message (`POST .../messages`).
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("Required property 'body' is missing.")]
    MissingBody,
    #[error("Message {0} not found")]
    ParentNotFound(String),
}

#[derive(Debug, thiserror::Error)]
pub enum TypeError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Refused(String),
}

fn message_from(user: usize, text: &str, bot: Option<&SimBot>, now: i64, id: String) -> Message {
    // "@FlashDuty linkTeam X" → an at-mention of the bot followed by the rest.
    let (html, mentions) = match bot.and_then(|b| {
        text.trim()
            .strip_prefix(&format!("@{}", b.name))
            .map(|rest| (b, rest))
    }) {
        Some((b, rest)) => (
            format!(
                "<p><at id=\"0\">{}</at>{}</p>",
                escape(&b.name),
                escape(rest)
            ),
            vec![json!({"id": 0, "mentionText": b.name,
                        "mentioned": {"user": null, "device": null, "conversation": null, "tag": null,
                                      "application": {"id": b.bot_id, "displayName": b.name, "applicationIdentityType": "bot"}}})],
        ),
        None => (format!("<p>{}</p>", escape(text)), Vec::new()),
    };
    Message {
        id,
        reply_to: None,
        created_ms: now,
        modified_ms: now,
        from: Sender::User(user),
        html,
        mentions,
        cards: Vec::new(),
        via_graph: false,
    }
}

/// A person types `text` in Teams (the control surface stands in for them). Bots installed
/// there answer as their vendors document. Answers the new message's id and the bot's replies.
pub fn type_message(
    teams: &Teams<'_>,
    user: usize,
    place: &Place,
    text: &str,
) -> Result<(String, Vec<Value>), TypeError> {
    let now = teams.now_ms;
    let t = lock(teams.tenant);
    let mut conv = lock(teams.conversations);
    let all_bots = bots(&t);
    if text.trim().is_empty() {
        return Err(TypeError::Refused("an empty message cannot be sent".into()));
    }
    match place {
        Place::Channel { team, channel } => {
            let g = &t.groups[*team];
            let data = g
                .team
                .as_ref()
                .ok_or_else(|| TypeError::NotFound("not a team".into()))?;
            if data.is_archived {
                return Err(TypeError::Refused(
                    "the team is archived: nobody can post in it".into(),
                ));
            }
            let (ci, ch) = data
                .channels
                .iter()
                .enumerate()
                .find(|(_, c)| c.id == *channel)
                .ok_or_else(|| TypeError::NotFound(format!("no channel {channel}")))?;
            if !g.members.contains(&user) && t.admin_user != user {
                return Err(TypeError::Refused(
                    "the user is not a member of the team".into(),
                ));
            }
            // The bot reached: mentioned, installed in the team, and a member of the channel
            // (bots are never members of private or shared channels).
            let mentioned = all_bots.iter().find(|b| {
                text.trim().starts_with(&format!("@{}", b.name))
                    && data.installs.iter().any(|i| i.app_id == b.app_id)
            });
            let key = ConvKey::Channel {
                team: g.id.to_string(),
                channel: ch.id.clone(),
            };
            let id = conv.next_id(now);
            let bot_for_html = all_bots
                .iter()
                .find(|b| text.trim().starts_with(&format!("@{}", b.name)));
            conv.push(
                key.clone(),
                message_from(user, text, bot_for_html, now, id.clone()),
            );
            let mut replies = Vec::new();
            if let Some(b) = mentioned.filter(|_| ch.membership == Membership::Standard) {
                let command = strip_mention(text, &b.name);
                let ctx = BotContext {
                    team: Some((g.id.to_string(), g.display_name.clone())),
                    channel: Some((ch.id.clone(), ch.display_name.clone(), ci == 0)),
                    chat: None,
                    user: (
                        t.users[user].id.to_string(),
                        t.users[user].display_name.clone(),
                    ),
                };
                let answer = answer(&mut conv, b, &ctx, &command);
                let rid = conv.next_id(now);
                let reply = Message {
                    id: rid,
                    reply_to: Some(id.clone()),
                    created_ms: now,
                    modified_ms: now,
                    from: Sender::Bot {
                        bot_id: b.bot_id.clone(),
                        name: b.name.clone(),
                    },
                    html: format!("<p>{}</p>", escape(&answer.text)),
                    mentions: Vec::new(),
                    cards: answer.card.into_iter().collect(),
                    via_graph: false,
                };
                replies.push(render(&t, &key, &reply, None));
                conv.push(key, reply);
            }
            Ok((id, replies))
        }
        Place::Chat(c) => {
            let chat = &t.chats[*c];
            if !chat.members.contains(&user) {
                return Err(TypeError::Refused(
                    "the user is not a member of the chat".into(),
                ));
            }
            let key = ConvKey::Chat(chat.id.clone());
            let id = conv.next_id(now);
            let bot_for_html = all_bots
                .iter()
                .find(|b| text.trim().starts_with(&format!("@{}", b.name)));
            conv.push(
                key.clone(),
                message_from(user, text, bot_for_html, now, id.clone()),
            );
            let mut replies = Vec::new();
            let reached =
                bot_for_html.filter(|b| chat.installs.iter().any(|i| i.app_id == b.app_id));
            if let Some(b) = reached {
                let command = strip_mention(text, &b.name);
                let ctx = BotContext {
                    team: None,
                    channel: None,
                    chat: Some((chat.id.clone(), chat.topic.clone().unwrap_or_default())),
                    user: (
                        t.users[user].id.to_string(),
                        t.users[user].display_name.clone(),
                    ),
                };
                let answer = answer(&mut conv, b, &ctx, &command);
                let rid = conv.next_id(now);
                let reply = Message {
                    id: rid,
                    reply_to: None,
                    created_ms: now,
                    modified_ms: now,
                    from: Sender::Bot {
                        bot_id: b.bot_id.clone(),
                        name: b.name.clone(),
                    },
                    html: format!("<p>{}</p>", escape(&answer.text)),
                    mentions: Vec::new(),
                    cards: answer.card.into_iter().collect(),
                    via_graph: false,
                };
                replies.push(render(&t, &key, &reply, None));
                conv.push(key, reply);
            }
            Ok((id, replies))
        }
        Place::Personal { app_id } => {
            let b = all_bots
                .iter()
                .find(|b| b.app_id.eq_ignore_ascii_case(app_id))
                .ok_or_else(|| TypeError::NotFound(format!("no simulated bot for app {app_id}")))?;
            if !t.users[user].installs.iter().any(|i| i.app_id == b.app_id) {
                return Err(TypeError::Refused(format!(
                    "{} is not installed for this user: there is no personal chat to type in",
                    b.name
                )));
            }
            let uid = t.users[user].id.to_string();
            let key = ConvKey::Chat(personal_chat_id(&uid, &b.bot_id));
            let id = conv.next_id(now);
            conv.push(key.clone(), message_from(user, text, None, now, id.clone()));
            let ctx = BotContext {
                team: None,
                channel: None,
                chat: None,
                user: (uid, t.users[user].display_name.clone()),
            };
            let answer = answer(&mut conv, b, &ctx, text.trim());
            let rid = conv.next_id(now);
            let reply = Message {
                id: rid,
                reply_to: None,
                created_ms: now,
                modified_ms: now,
                from: Sender::Bot {
                    bot_id: b.bot_id.clone(),
                    name: b.name.clone(),
                },
                html: format!("<p>{}</p>", escape(&answer.text)),
                mentions: Vec::new(),
                cards: answer.card.into_iter().collect(),
                via_graph: false,
            };
            let replies = vec![render(&t, &key, &reply, None)];
            conv.push(key, reply);
            Ok((id, replies))
        }
    }
}

/// Presses the first button of a card (e.g. "Associate Now"); the bot updates the card.
pub fn press(teams: &Teams<'_>, message_id: &str) -> Result<Value, TypeError> {
    let now = teams.now_ms;
    let t = lock(teams.tenant);
    let mut conv = lock(teams.conversations);
    let mut found: Option<(ConvKey, usize)> = None;
    for (k, list) in &conv.messages {
        if let Some(i) = list.iter().position(|m| m.id == message_id) {
            found = Some((k.clone(), i));
            break;
        }
    }
    let (key, i) = found.ok_or_else(|| TypeError::NotFound(format!("no message {message_id}")))?;
    let mut confirmed: Option<(VendorLink, String)> = None;
    {
        let list = conv
            .messages
            .get_mut(&key)
            .ok_or_else(|| TypeError::NotFound("gone".into()))?;
        let m = &mut list[i];
        let card = m
            .cards
            .iter_mut()
            .find(|c| !c.actions.is_empty())
            .ok_or_else(|| TypeError::Refused("this message has no button left to press".into()))?;
        if let Some(link) = card.pending.take() {
            let done = match link.kind.as_str() {
                "team" => "Associated successfully: this team now receives incidents from the integration.".to_string(),
                "chat" => "Associated successfully: this chat now receives incidents from the integration.".to_string(),
                _ => "Associated successfully: your Teams account is linked.".to_string(),
            };
            confirmed = Some((link, done.clone()));
            card.text = done;
        }
        card.actions.clear();
        m.modified_ms = now;
    }
    if let Some((link, _)) = confirmed {
        conv.vendor_links.retain(|l| !same_target(l, &link));
        conv.vendor_links.push(link);
    }
    let list = conv.list(&key);
    Ok(render(&t, &key, &list[i], None))
}

fn same_target(a: &VendorLink, b: &VendorLink) -> bool {
    a.vendor == b.vendor
        && a.kind == b.kind
        && a.team_id == b.team_id
        && a.channel_id == b.channel_id
        && a.chat_id == b.chat_id
        && a.user_id == b.user_id
}

fn strip_mention(text: &str, name: &str) -> String {
    text.trim()
        .strip_prefix(&format!("@{name}"))
        .unwrap_or(text)
        .trim()
        .to_string()
}

struct BotContext {
    team: Option<(String, String)>,
    /// (id, name, is General)
    channel: Option<(String, String, bool)>,
    chat: Option<(String, String)>,
    user: (String, String),
}

struct Answer {
    text: String,
    card: Option<Card>,
}

fn plain(text: impl Into<String>) -> Answer {
    Answer {
        text: text.into(),
        card: None,
    }
}

fn answer(conv: &mut Conversations, bot: &SimBot, ctx: &BotContext, command: &str) -> Answer {
    let mut words = command.split_whitespace();
    let verb = words.next().unwrap_or("").to_ascii_lowercase();
    let args: Vec<&str> = words.collect();
    let integration = |id: &str| {
        conv.integrations
            .iter()
            .find(|i| i.vendor == bot.vendor && i.id.eq_ignore_ascii_case(id))
            .cloned()
    };
    match (bot.vendor, verb.as_str()) {
        ("flashduty", "linkteam") => {
            let Some((channel_id, _, general)) = &ctx.channel else {
                return plain("linkTeam works in a team's General channel.");
            };
            if !general {
                return plain("Failed: this is not the team's General channel, so incidents cannot be sent here. Type linkTeam in the General channel.");
            }
            let Some(id) = args.first() else {
                return plain("Failed: usage is linkTeam {integration ID}.");
            };
            let Some(i) = integration(id) else {
                return plain(format!("Failed: integration {id} was not found."));
            };
            let team = ctx.team.clone().unwrap_or_default();
            Answer {
                text: String::new(),
                card: Some(Card {
                    text: format!(
                        "Associate team {} with FlashDuty integration {} ({})?",
                        team.1, i.name, i.id
                    ),
                    actions: vec!["Associate Now".into()],
                    pending: Some(VendorLink {
                        vendor: "flashduty".into(),
                        kind: "team".into(),
                        team_id: Some(team.0),
                        channel_id: Some(channel_id.clone()),
                        chat_id: None,
                        user_id: None,
                        integration: i.id,
                    }),
                }),
            }
        }
        ("flashduty", "linkchat") => {
            let Some((chat_id, _)) = &ctx.chat else {
                return plain("Failed: linkChat works in a group chat.");
            };
            let Some(id) = args.first() else {
                return plain("Failed: usage is linkChat {integration ID} {chat name}.");
            };
            let Some(i) = integration(id) else {
                return plain(format!("Failed: integration {id} was not found."));
            };
            let name = args[1..].join(" ");
            Answer {
                text: String::new(),
                card: Some(Card {
                    text: format!(
                        "Associate chat {name} with FlashDuty integration {} ({})?",
                        i.name, i.id
                    ),
                    actions: vec!["Associate Now".into()],
                    pending: Some(VendorLink {
                        vendor: "flashduty".into(),
                        kind: "chat".into(),
                        team_id: None,
                        channel_id: None,
                        chat_id: Some(chat_id.clone()),
                        user_id: None,
                        integration: i.id,
                    }),
                }),
            }
        }
        ("flashduty", "linkuser") => Answer {
            text: String::new(),
            card: Some(Card {
                text: format!("Link {} to your FlashDuty account?", ctx.user.1),
                actions: vec!["Associate Now".into()],
                pending: Some(VendorLink {
                    vendor: "flashduty".into(),
                    kind: "user".into(),
                    team_id: None,
                    channel_id: None,
                    chat_id: None,
                    user_id: Some(ctx.user.0.clone()),
                    integration: args.first().map(|s| s.to_string()).unwrap_or_default(),
                }),
            }),
        },
        ("flashduty", v) if v.starts_with("unlink") => plain("Currently not supported."),
        ("pagerduty", "connect") => {
            let (Some((team_id, team_name)), Some((channel_id, channel_name, _))) =
                (&ctx.team, &ctx.channel)
            else {
                return plain("Failed: connect works in a standard channel of a team.");
            };
            let Some(url) = args.first() else {
                return plain("Failed: usage is connect {service URL}.");
            };
            let Some(i) = integration(url) else {
                return plain(format!(
                    "Failed: service {url} was not found in your PagerDuty account."
                ));
            };
            let link = VendorLink {
                vendor: "pagerduty".into(),
                kind: "channel".into(),
                team_id: Some(team_id.clone()),
                channel_id: Some(channel_id.clone()),
                chat_id: None,
                user_id: None,
                integration: i.id.clone(),
            };
            conv.vendor_links.retain(|l| !same_target(l, &link));
            conv.vendor_links.push(link);
            plain(format!(
                "Connected: channel {channel_name} of {team_name} now receives incidents of service {}.",
                i.name
            ))
        }
        ("pagerduty", "disconnect") => {
            let Some((team_id, team_name)) = &ctx.team else {
                return plain("Failed: disconnect works in a channel of the team.");
            };
            let before = conv.vendor_links.len();
            conv.vendor_links
                .retain(|l| !(l.vendor == "pagerduty" && l.team_id.as_deref() == Some(team_id)));
            plain(format!(
                "Disconnected {team_name}: {} channel connection(s) and user link(s) removed.",
                before - conv.vendor_links.len()
            ))
        }
        ("pagerduty", "linkuser") => Answer {
            text: String::new(),
            card: Some(Card {
                text: "Link Accounts: connect your Teams account to PagerDuty.".into(),
                actions: vec!["Link Accounts".into()],
                pending: Some(VendorLink {
                    vendor: "pagerduty".into(),
                    kind: "user".into(),
                    team_id: None,
                    channel_id: None,
                    chat_id: None,
                    user_id: Some(ctx.user.0.clone()),
                    integration: String::new(),
                }),
            }),
        },
        ("pagerduty", "unlinkuser") => {
            conv.vendor_links.retain(|l| {
                !(l.vendor == "pagerduty" && l.user_id.as_deref() == Some(ctx.user.0.as_str()))
            });
            plain("Unlinked: your Teams account is no longer linked to PagerDuty.")
        }
        _ => plain(format!(
            "Sorry, I did not understand \"{command}\". Type help for the commands I know."
        )),
    }
}

/// Graph's `POST .../messages`: stored and shown to people, never delivered to a bot.
pub fn post_via_graph(
    teams: &Teams<'_>,
    key: ConvKey,
    reply_to: Option<String>,
    user: usize,
    body: &Value,
) -> Result<Value, PostError> {
    let content = body
        .pointer("/body/content")
        .and_then(Value::as_str)
        .ok_or(PostError::MissingBody)?;
    let now = teams.now_ms;
    let t = lock(teams.tenant);
    let mut conv = lock(teams.conversations);
    if let Some(parent) = &reply_to {
        if !conv
            .list(&key)
            .iter()
            .any(|m| &m.id == parent && m.reply_to.is_none())
        {
            return Err(PostError::ParentNotFound(parent.clone()));
        }
    }
    let id = conv.next_id(now);
    let m = Message {
        id,
        reply_to,
        created_ms: now,
        modified_ms: now,
        from: Sender::User(user),
        html: content.to_string(),
        mentions: body
            .get("mentions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        cards: Vec::new(),
        via_graph: true,
    };
    let v = render(&t, &key, &m, None);
    conv.push(key, m);
    Ok(v)
}

/// The demo's history: a team linked with the bot's reply, the same in a chat, and a team
/// whose bot was removed after it was linked (Web Frontend); PagerDuty installed in three teams.
/// [`demo_links`] names the BotDeck-side links that go with it.
pub fn seed_demo(t: &mut Tenant, conv: &mut Conversations, base_ms: i64) {
    let bots = bots(t);
    let Some(flash) = bots.iter().find(|b| b.vendor == "flashduty").cloned() else {
        return;
    };
    let pager = bots.iter().find(|b| b.vendor == "pagerduty").cloned();
    // PagerDuty is a store app installed per team (SRE On-Call, Payments Team).
    if let Some(p) = &pager {
        let def = t
            .apps
            .iter()
            .find(|a| a.id == p.app_id)
            .and_then(|a| a.latest_published())
            .map(|d| d.id.clone());
        if let Some(def_id) = def {
            for name in ["SRE On-Call", "Payments Team", "Platform Engineering"] {
                if let Some(g) = t.groups.iter_mut().find(|g| g.display_name == name) {
                    if let Some(data) = g.team.as_mut() {
                        if !data.installs.iter().any(|i| i.app_id == p.app_id) {
                            data.installs.push(Install {
                                app_id: p.app_id.clone(),
                                def_id: def_id.clone(),
                                consented: None,
                            });
                        }
                    }
                }
            }
        }
    }
    let admin = t.admin_user;
    let mut at = base_ms;
    let mut push_pair = |conv: &mut Conversations,
                         key: ConvKey,
                         text: &str,
                         bot: &SimBot,
                         reply: &str,
                         threaded: bool| {
        at += 60_000;
        let id = at.to_string();
        conv.push(
            key.clone(),
            message_from(admin, text, Some(bot), at, id.clone()),
        );
        at += 2_000;
        conv.push(
            key,
            Message {
                id: at.to_string(),
                reply_to: threaded.then_some(id),
                created_ms: at,
                modified_ms: at + 30_000,
                from: Sender::Bot {
                    bot_id: bot.bot_id.clone(),
                    name: bot.name.clone(),
                },
                html: String::new(),
                mentions: Vec::new(),
                cards: vec![Card {
                    text: reply.into(),
                    actions: Vec::new(),
                    pending: None,
                }],
                via_graph: false,
            },
        );
        conv.last_id = conv.last_id.max(at);
    };
    let general = |t: &Tenant, name: &str| {
        t.groups
            .iter()
            .find(|g| g.display_name == name)
            .and_then(|g| {
                g.team
                    .as_ref()
                    .and_then(|d| d.channels.first())
                    .map(|c| (g.id.to_string(), c.id.clone()))
            })
    };
    if let Some((team, channel)) = general(t, "Incident Response") {
        push_pair(
            conv,
            ConvKey::Channel {
                team: team.clone(),
                channel: channel.clone(),
            },
            "@FlashDuty linkTeam fd-int-1001",
            &flash,
            "Associated successfully: this team now receives incidents from the integration.",
            true,
        );
        conv.vendor_links.push(VendorLink {
            vendor: "flashduty".into(),
            kind: "team".into(),
            team_id: Some(team),
            channel_id: Some(channel),
            chat_id: None,
            user_id: None,
            integration: "fd-int-1001".into(),
        });
    }
    if let Some(chat) = t
        .chats
        .iter()
        .find(|c| c.topic.as_deref() == Some("On-call handoff"))
    {
        let id = chat.id.clone();
        push_pair(
            conv,
            ConvKey::Chat(id.clone()),
            "@FlashDuty linkChat fd-int-1001 On-call handoff",
            &flash,
            "Associated successfully: this chat now receives incidents from the integration.",
            false,
        );
        conv.vendor_links.push(VendorLink {
            vendor: "flashduty".into(),
            kind: "chat".into(),
            team_id: None,
            channel_id: None,
            chat_id: Some(id),
            user_id: None,
            integration: "fd-int-1001".into(),
        });
    }
    // Linked once, then someone removed the bot from the team (Web Frontend no longer has it,
    // so the inventory's demo facts stay as they are).
    if let Some((team, channel)) = general(t, "Web Frontend") {
        push_pair(
            conv,
            ConvKey::Channel { team, channel },
            "@FlashDuty linkTeam fd-int-1002",
            &flash,
            "Associated successfully: this team now receives incidents from the integration.",
            true,
        );
    }
}

/// The BotDeck-side links the demo starts with, for the desktop's demo start.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoLink {
    pub vendor: String,
    /// Catalog id of the vendor's bot app.
    pub app_id: String,
    pub integration_id: String,
    pub integration_name: String,
    pub kind: String,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub chat_id: Option<String>,
    pub user_id: Option<String>,
    pub target_name: String,
    /// linked (with the bot's reply), awaiting, or broken (the bot was removed).
    pub state: String,
    pub command_at_ms: i64,
}

pub fn demo_links(t: &Tenant, conv: &Conversations) -> Vec<DemoLink> {
    let mut out = Vec::new();
    let find_team = |name: &str| t.groups.iter().find(|g| g.display_name == name);
    let first_msg = |key: &ConvKey| conv.list(key).first().map(|m| m.created_ms).unwrap_or(0);
    let apps = bots(t);
    let mk = |vendor: &str, id: &str, name: &str, kind: &str| DemoLink {
        vendor: vendor.into(),
        app_id: apps
            .iter()
            .find(|b| b.vendor == vendor)
            .map(|b| b.app_id.clone())
            .unwrap_or_default(),
        integration_id: id.into(),
        integration_name: name.into(),
        kind: kind.into(),
        team_id: None,
        channel_id: None,
        chat_id: None,
        user_id: None,
        target_name: String::new(),
        state: "linked".into(),
        command_at_ms: 0,
    };
    for (team, state, int_id, int_name) in [
        (
            "Incident Response",
            "linked",
            "fd-int-1001",
            "Production alerts",
        ),
        ("Web Frontend", "broken", "fd-int-1002", "Payments alerts"),
        (
            "SRE On-Call",
            "awaiting",
            "fd-int-1001",
            "Production alerts",
        ),
    ] {
        if let Some(g) = find_team(team) {
            let general = g.team.as_ref().and_then(|d| d.channels.first());
            let mut l = mk("flashduty", int_id, int_name, "team");
            l.team_id = Some(g.id.to_string());
            l.channel_id = general.map(|c| c.id.clone());
            l.target_name = g.display_name.clone();
            l.state = state.into();
            if let Some(c) = general {
                l.command_at_ms = first_msg(&ConvKey::Channel {
                    team: g.id.to_string(),
                    channel: c.id.clone(),
                });
            }
            out.push(l);
        }
    }
    if let Some(chat) = t
        .chats
        .iter()
        .find(|c| c.topic.as_deref() == Some("On-call handoff"))
    {
        let mut l = mk("flashduty", "fd-int-1001", "Production alerts", "chat");
        l.chat_id = Some(chat.id.clone());
        l.target_name = chat.topic.clone().unwrap_or_default();
        l.command_at_ms = first_msg(&ConvKey::Chat(chat.id.clone()));
        out.push(l);
    }
    // A PagerDuty connection planned on a private channel: health flags it.
    if let Some(g) = find_team("Payments Team") {
        if let Some(c) = g.team.as_ref().and_then(|d| {
            d.channels
                .iter()
                .find(|c| c.membership != Membership::Standard)
        }) {
            let mut l = mk(
                "pagerduty",
                "https://contoso.pagerduty.com/service-directory/PPLAT02",
                "Platform API",
                "channel",
            );
            l.team_id = Some(g.id.to_string());
            l.channel_id = Some(c.id.clone());
            l.target_name = format!("{} › {}", g.display_name, c.display_name);
            l.state = "awaiting".into();
            out.push(l);
        }
    }
    out
}
