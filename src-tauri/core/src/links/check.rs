//! Everything links ask of Graph: preflight of a target, health of a link, the bot's reply
//! (evidence), reaching every member of a group, and removing the bot where no link needs it.
//!
//! Installs, upgrades and removals go through the bulk engine (journal, pacing, audit): the
//! plan is built here from what the preflight just read, so it is exact even when the
//! inventory cache has never seen the target.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::vendor::{fill, LinkReplyVerdict, VendorProfile};
use super::{
    get, learn_facts, list, mark_checked, now_text, set_state, upsert, vendor_profile, Integration,
    Link, LinkEvidence, LinkEvidenceKind, LinkFilter, LinkFinding, LinkProblem, LinkState,
    LinkTargetInput, LinkTargetKind, LinksError, TargetFacts,
};
use crate::catalog::{version_key, Actor, CatalogApp, CatalogError};
use crate::ids::EntraAppId;
use crate::installs::{
    BulkAction, BulkPlan, PlannedItem, ProgressFn, RunSummary, SyncContext, TargetKind,
};
use crate::progress::{Phase, RunProgress};
use crate::secrets::Sensitive;
use crate::store::Store;
use botdeck_graph::resources::channels::Channel;
use botdeck_graph::resources::chat_messages::ChatMessage;
use botdeck_graph::resources::chats::Chat;
use botdeck_graph::resources::installed_apps::InstalledApp;
use botdeck_graph::resources::teams::Team;
use botdeck_graph::resources::teams_apps::TeamworkBot;
use botdeck_graph::resources::users::User;
use botdeck_graph::resources::{self, Resource};
use botdeck_graph::{encode_query_value, Executor};
use botdeck_graph::{GraphClient, GraphError};

/// What link work needs: Graph, a token, the shared store and who acts.
pub struct LinkContext<'a> {
    pub graph: &'a GraphClient,
    pub token: &'a Sensitive<String>,
    pub store: &'a Mutex<Store>,
    pub actor: &'a Actor,
}

impl LinkContext<'_> {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn profile_id(&self) -> Option<&str> {
        self.actor.profile_id.as_deref()
    }
}

/// The bot as the catalog knows it.
#[derive(Debug, Clone)]
pub struct BotFacts {
    pub app: CatalogApp,
    pub version: String,
    /// Bot Framework id (the bot's Entra app id): replies are recognised by
    /// `from.application.id`.
    pub bot_id: Option<EntraAppId>,
}

/// Reads the bot's catalog entry and its bot id, or the finding that stops every link.
pub async fn bot_facts(
    graph: &GraphClient,
    token: &Sensitive<String>,
    app_id: &str,
) -> Result<Result<BotFacts, LinkFinding>, LinksError> {
    let app = match crate::catalog::get_app(graph, token, app_id).await {
        Ok(app) => app,
        Err(CatalogError::NotFound(_)) => {
            return Ok(Err(finding(
                LinkProblem::AppNotInCatalog,
                format!("the bot (catalog id {app_id}) is not in the app catalog"),
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let Some(published) = app.published().cloned() else {
        return Ok(Err(finding(
            LinkProblem::AppNotPublished,
            format!("{} has no published version yet", app.display_name),
        )));
    };
    let bot_id = match graph
        .get_one::<TeamworkBot>(
            token,
            &format!(
                "/appCatalogs/teamsApps/{}/appDefinitions/{}/bot",
                app.id, published.id
            ),
        )
        .await
    {
        Ok(bot) => Some(bot.id),
        Err(e) if e.status() == Some(404) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Ok(BotFacts {
        version: published.version,
        app,
        bot_id,
    }))
}

pub fn finding(problem: LinkProblem, message: impl Into<String>) -> LinkFinding {
    let fix_hint = match problem {
        LinkProblem::AppNotInCatalog => "Publish the bot to the org catalog (Catalog page) first.",
        LinkProblem::AppNotPublished => "Approve the bot's pending version in the Catalog page.",
        LinkProblem::KindNotSupported => "This vendor does not link this kind of target: pick another.",
        LinkProblem::TeamGone => "The team no longer exists: unlink it.",
        LinkProblem::TeamArchived => "Unarchive the team in the Teams admin center, then check again.",
        LinkProblem::GeneralChannelGone => "The team's General channel changed: link the team again.",
        LinkProblem::ChannelGone => "The channel no longer exists: pick another channel.",
        LinkProblem::ChannelNotSupported => "Pick a standard channel: this vendor's bot does not work in private or shared channels.",
        LinkProblem::ChatGone => "The chat no longer exists: unlink it.",
        LinkProblem::BotNotInChat => "Add the bot to the chat (install it here), then type the command.",
        LinkProblem::UserGone => "The user no longer exists: unlink them.",
        LinkProblem::UserDisabled => "Enable the account in Entra, or unlink the user.",
        LinkProblem::BotNotInstalled => "Install the bot in the team (here, through a bulk run).",
        LinkProblem::BotNotInPersonalScope => "Install the bot for the user (here): they get its welcome and can link.",
        LinkProblem::BotOutdated => "Upgrade the installation to the published version (here).",
        LinkProblem::BotReplyFailed => "Read the bot's reply, correct the command and type it again.",
    };
    LinkFinding {
        problem,
        message: message.into(),
        fix: problem.fix(),
        fix_hint: fix_hint.into(),
    }
}

/// What the preflight learnt about one target.
#[derive(Debug, Clone, Default)]
pub struct TargetCheck {
    pub facts: TargetFacts,
    pub findings: Vec<LinkFinding>,
    /// Where to type: the General channel's / channel's `webUrl`, a chat link, the bot's
    /// personal chat.
    pub deep_link: Option<String>,
    /// The bot's installation there (for upgrades and removal).
    pub installation_id: Option<String>,
    pub installed_version: Option<String>,
    /// Where the bot is installed for this target (a channel's team).
    pub install_target: Option<(TargetKind, String)>,
}

/// One resource, or `None` when Graph answers 404 (gone).
async fn get_opt<T: Resource>(
    graph: &GraphClient,
    token: &Sensitive<String>,
    path: &str,
) -> Result<Option<T>, GraphError> {
    match graph.get_one::<T>(token, path).await {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.status() == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The bot's installation in a team, chat or user scope: (installation id, version).
async fn installation(
    graph: &GraphClient,
    token: &Sensitive<String>,
    kind: TargetKind,
    target: &str,
    app_id: &str,
) -> Result<Option<(String, Option<String>)>, GraphError> {
    let path = format!(
        "{}?$expand=teamsAppDefinition&$filter={}",
        kind.installed_apps_path(target),
        encode_query_value(&format!("teamsApp/id eq '{app_id}'"))
    );
    let items = graph.list::<InstalledApp>(token, &path).await?;
    // The filter is the server's; Graph has been seen to ignore filters, so check the app.
    Ok(items
        .into_iter()
        .find(|i| {
            i.catalog_app_id()
                .is_none_or(|id| id.eq_ignore_ascii_case(app_id))
        })
        .map(|i| {
            let version = i.version().map(str::to_string);
            (i.id, version)
        }))
}

fn chat_link(chat_id: &str) -> String {
    format!(
        "https://teams.microsoft.com/l/chat/{}/conversations",
        encode_component(chat_id)
    )
}

fn encode_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The bot's personal chat for a user, with the command prefilled where Teams allows it.
fn personal_link(bot: &BotFacts, command: Option<&str>) -> Option<String> {
    match (&bot.bot_id, &bot.app.external_id) {
        (Some(bot_id), _) => {
            let mut url = format!("https://teams.microsoft.com/l/chat/0/0?users=28:{bot_id}");
            if let Some(c) = command {
                url.push_str(&format!("&message={}", encode_component(c)));
            }
            Some(url)
        }
        (None, Some(manifest_id)) => Some(format!(
            "https://teams.microsoft.com/l/entity/{manifest_id}/conversations"
        )),
        (None, None) => None,
    }
}

/// Checks one target against the vendor's rules and the tenant: the preflight of the wizard
/// and the health check of a link are the same reading.
pub async fn check_target(
    graph: &GraphClient,
    token: &Sensitive<String>,
    profile: &VendorProfile,
    bot: &Result<BotFacts, LinkFinding>,
    input: &LinkTargetInput,
    known_name: Option<&str>,
) -> Result<TargetCheck, LinksError> {
    let (kind, key) = input.validated()?;
    let mut c = TargetCheck {
        facts: TargetFacts {
            kind: Some(kind),
            key,
            team_id: input.team_id.clone().map(|s| s.trim().to_string()),
            channel_id: input.channel_id.clone().map(|s| s.trim().to_string()),
            chat_id: input.chat_id.clone().map(|s| s.trim().to_string()),
            user_id: input.user_id.clone().map(|s| s.trim().to_string()),
            target_name: known_name.unwrap_or_default().to_string(),
            ..Default::default()
        },
        ..Default::default()
    };
    if !profile.targets.contains(&kind) {
        c.findings.push(finding(
            LinkProblem::KindNotSupported,
            format!(
                "{} does not link {}s (it links: {})",
                profile.name,
                kind.as_str(),
                profile
                    .targets
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let bot = match bot {
        Ok(b) => Some(b),
        Err(f) => {
            c.findings.push(f.clone());
            None
        }
    };
    match kind {
        LinkTargetKind::Team | LinkTargetKind::Channel => {
            let team_id = c.facts.team_id.clone().unwrap_or_default();
            let Some(team) = get_opt::<Team>(graph, token, &format!("/teams/{team_id}")).await?
            else {
                c.findings.push(finding(
                    LinkProblem::TeamGone,
                    format!("team {team_id} does not exist (deleted?)"),
                ));
                return Ok(c);
            };
            let team_name = team.display_name.unwrap_or_else(|| team_id.clone());
            c.facts.team_name = Some(team_name.clone());
            if team.is_archived == Some(true) {
                c.findings.push(finding(
                    LinkProblem::TeamArchived,
                    format!("{team_name} is archived: nobody can post in it, the bot included"),
                ));
            }
            if kind == LinkTargetKind::Team {
                c.facts.target_name = team_name.clone();
                match get_opt::<Channel>(graph, token, &format!("/teams/{team_id}/primaryChannel"))
                    .await?
                {
                    Some(general) => {
                        let id = general.id;
                        if let Some(expected) = c.facts.channel_id.as_deref() {
                            if expected != id {
                                c.findings.push(finding(
                                    LinkProblem::GeneralChannelGone,
                                    format!("{team_name}'s General channel is not the one the link was made in"),
                                ));
                            }
                        }
                        c.facts.channel_id = Some(id);
                        c.facts.channel_name = general.display_name;
                        c.deep_link = general.web_url;
                    }
                    None => c.findings.push(finding(
                        LinkProblem::GeneralChannelGone,
                        format!("{team_name}'s General channel cannot be found"),
                    )),
                }
            } else {
                let channel_id = c.facts.channel_id.clone().unwrap_or_default();
                match get_opt::<Channel>(
                    graph,
                    token,
                    &format!("/teams/{team_id}/channels/{channel_id}"),
                )
                .await?
                {
                    Some(ch) => {
                        let membership = ch.membership().to_string();
                        let name = ch.display_name.unwrap_or_else(|| channel_id.clone());
                        c.facts.channel_name = Some(name.clone());
                        c.facts.target_name = format!("{team_name} › {name}");
                        c.deep_link = ch.web_url;
                        if !profile.channel_kinds.iter().any(|k| k == &membership) {
                            c.findings.push(finding(
                                LinkProblem::ChannelNotSupported,
                                format!(
                                    "{name} is a {membership} channel; {} works only in {} channels",
                                    profile.name,
                                    profile.channel_kinds.join(" or ")
                                ),
                            ));
                        }
                    }
                    None => c.findings.push(finding(
                        LinkProblem::ChannelGone,
                        format!("channel {channel_id} no longer exists in {team_name}"),
                    )),
                }
            }
            c.install_target = Some((TargetKind::Team, team_id.clone()));
            if let Some(bot) = bot {
                read_install(
                    graph,
                    token,
                    bot,
                    &mut c,
                    TargetKind::Team,
                    &team_id,
                    &team_name,
                )
                .await?;
            }
        }
        LinkTargetKind::Chat => {
            let chat_id = c.facts.chat_id.clone().unwrap_or_default();
            c.deep_link = Some(chat_link(&chat_id));
            // The admin may not be in the chat: its name then comes from the inventory or
            // from the admin.
            match graph
                .get_one::<Chat>(token, &format!("/chats/{chat_id}"))
                .await
            {
                Ok(chat) => {
                    if let Some(topic) = chat.topic.filter(|t| !t.is_empty()) {
                        c.facts.target_name = topic;
                    }
                }
                Err(e) if e.status() == Some(404) => {
                    c.findings.push(finding(
                        LinkProblem::ChatGone,
                        format!("chat {chat_id} no longer exists"),
                    ));
                    return Ok(c);
                }
                Err(e) if e.status() == Some(403) => {}
                Err(e) => return Err(e.into()),
            }
            if c.facts.target_name.is_empty() {
                c.facts.target_name = input.name.clone().unwrap_or_else(|| chat_id.clone());
            }
            c.install_target = Some((TargetKind::Chat, chat_id.clone()));
            if let Some(bot) = bot {
                let name = c.facts.target_name.clone();
                match installation(graph, token, TargetKind::Chat, &chat_id, &bot.app.id).await {
                    Err(e) if e.status() == Some(404) => c.findings.push(finding(
                        LinkProblem::ChatGone,
                        format!("chat {chat_id} no longer exists"),
                    )),
                    other => {
                        let found = other?;
                        note_install(&mut c, bot, found, LinkProblem::BotNotInChat, &name);
                    }
                }
            }
        }
        LinkTargetKind::User => {
            let user_id = c.facts.user_id.clone().unwrap_or_default();
            let Some(user) = get_opt::<User>(
                graph,
                token,
                &format!(
                    "/users/{user_id}?$select=id,displayName,userPrincipalName,accountEnabled"
                ),
            )
            .await?
            else {
                c.findings.push(finding(
                    LinkProblem::UserGone,
                    format!("user {user_id} does not exist (deleted?)"),
                ));
                return Ok(c);
            };
            let disabled = user.account_enabled == Some(false);
            let name = user
                .display_name
                .or(user.user_principal_name)
                .unwrap_or_else(|| user_id.clone());
            c.facts.target_name = name.clone();
            if disabled {
                c.findings.push(finding(
                    LinkProblem::UserDisabled,
                    format!("{name}'s account is disabled"),
                ));
            }
            c.install_target = Some((TargetKind::User, user_id.clone()));
            if let Some(bot) = bot {
                c.deep_link = personal_link(bot, None);
                read_install(graph, token, bot, &mut c, TargetKind::User, &user_id, &name).await?;
            }
        }
    }
    Ok(c)
}

async fn read_install(
    graph: &GraphClient,
    token: &Sensitive<String>,
    bot: &BotFacts,
    c: &mut TargetCheck,
    kind: TargetKind,
    target: &str,
    name: &str,
) -> Result<(), LinksError> {
    let found = installation(graph, token, kind, target, &bot.app.id).await?;
    let missing = match kind {
        TargetKind::User => LinkProblem::BotNotInPersonalScope,
        TargetKind::Chat => LinkProblem::BotNotInChat,
        TargetKind::Team => LinkProblem::BotNotInstalled,
    };
    note_install(c, bot, found, missing, name);
    Ok(())
}

fn note_install(
    c: &mut TargetCheck,
    bot: &BotFacts,
    found: Option<(String, Option<String>)>,
    missing: LinkProblem,
    name: &str,
) {
    match found {
        None => c.findings.push(finding(
            missing,
            match missing {
                LinkProblem::BotNotInPersonalScope => {
                    format!(
                        "{} is not installed in {name}'s personal scope",
                        bot.app.display_name
                    )
                }
                _ => format!("{} is not installed in {name}", bot.app.display_name),
            },
        )),
        Some((id, version)) => {
            if let Some(v) = &version {
                if version_key(v) < version_key(&bot.version) {
                    c.findings.push(finding(
                        LinkProblem::BotOutdated,
                        format!(
                            "{} is at {v} in {name}; the catalog publishes {}",
                            bot.app.display_name, bot.version
                        ),
                    ));
                }
            }
            c.installation_id = Some(id);
            c.installed_version = version;
        }
    }
}

/// The command a person types for this target, placeholders filled.
pub fn command_for(
    profile: &VendorProfile,
    integration: &Integration,
    facts: &TargetFacts,
) -> Option<String> {
    let kind = facts.kind?;
    profile.commands.for_kind(kind).map(|c| {
        fill(
            c,
            &[
                ("bot", &profile.bot_name),
                ("id", &integration.external_id),
                ("name", &integration.name),
                ("account", &integration.account),
                ("chatName", &facts.target_name),
                ("teamName", facts.team_name.as_deref().unwrap_or("")),
                ("channelName", facts.channel_name.as_deref().unwrap_or("")),
                ("userName", &facts.target_name),
            ],
        )
    })
}

/// One target of the wizard: what blocks it, or the exact command and where to type it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkPreparedTarget {
    pub kind: LinkTargetKind,
    pub target_name: String,
    pub team_name: Option<String>,
    pub findings: Vec<LinkFinding>,
    pub command: Option<String>,
    pub deep_link: Option<String>,
    /// Where the command goes, in words ("the General channel of Ops").
    pub where_to_type: String,
    /// The stored link (absent on a dry run or when the target could not be read).
    pub link: Option<Link>,
    /// The target could not be checked (Graph failed); nothing was stored for it.
    pub error: Option<String>,
}

fn where_to_type(profile: &VendorProfile, facts: &TargetFacts) -> String {
    match facts.kind {
        Some(LinkTargetKind::Team) => format!(
            "the General channel of {} (@mention {})",
            facts.team_name.as_deref().unwrap_or("the team"),
            profile.bot_name
        ),
        Some(LinkTargetKind::Channel) => format!(
            "the channel {} (@mention {})",
            facts.target_name, profile.bot_name
        ),
        Some(LinkTargetKind::Chat) => format!(
            "the group chat {} (@mention {})",
            facts.target_name, profile.bot_name
        ),
        _ => format!(
            "{}'s personal chat with {} (they type it themselves; send them the link)",
            facts.target_name, profile.bot_name
        ),
    }
}

/// The link wizard: preflight every target and (unless `dry_run`) store each as awaiting the
/// command, or planned with what must be fixed first.
pub async fn prepare(
    ctx: &LinkContext<'_>,
    integration: &Integration,
    targets: &[(LinkTargetInput, Option<String>)],
    dry_run: bool,
) -> Result<Vec<LinkPreparedTarget>, LinksError> {
    if targets.is_empty() {
        return Err(LinksError::Invalid(
            "choose at least one team, channel, chat or user to link".into(),
        ));
    }
    for (t, _) in targets {
        t.validated()?;
    }
    let profile = vendor_profile(&ctx.store(), &integration.vendor)?;
    let app_id = integration.app_id.clone().ok_or_else(|| {
        LinksError::Invalid("the integration has no bot app: choose the bot first".into())
    })?;
    let bot = bot_facts(ctx.graph, ctx.token, &app_id).await?;
    let mut out = Vec::new();
    for (input, via_team) in targets {
        let check = match check_target(ctx.graph, ctx.token, &profile, &bot, input, None).await {
            Ok(c) => c,
            Err(LinksError::Graph(e)) => {
                out.push(LinkPreparedTarget {
                    kind: input.kind.unwrap_or(LinkTargetKind::Team),
                    target_name: input
                        .team_id
                        .clone()
                        .or(input.chat_id.clone())
                        .or(input.user_id.clone())
                        .unwrap_or_default(),
                    team_name: None,
                    findings: Vec::new(),
                    command: None,
                    deep_link: None,
                    where_to_type: String::new(),
                    link: None,
                    error: Some(e.to_string()),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut facts = check.facts.clone();
        facts.via_team_id = via_team.clone();
        let command = command_for(&profile, integration, &facts);
        let deep_link = match (facts.kind, &bot) {
            (Some(LinkTargetKind::User), Ok(b)) => personal_link(b, command.as_deref()),
            _ => check.deep_link.clone(),
        };
        let link = if dry_run {
            None
        } else {
            let state = if check.findings.is_empty() {
                LinkState::Awaiting
            } else {
                LinkState::Planned
            };
            Some(upsert(
                &ctx.store(),
                ctx.actor,
                integration,
                &facts,
                state,
                check.findings.first(),
                command.as_deref(),
                None,
            )?)
        };
        out.push(LinkPreparedTarget {
            kind: facts.kind.unwrap_or(LinkTargetKind::Team),
            where_to_type: where_to_type(&profile, &facts),
            target_name: facts.target_name.clone(),
            team_name: facts.team_name.clone(),
            findings: check.findings,
            command,
            deep_link,
            link,
            error: None,
        });
    }
    Ok(out)
}

/// The catalog id of the bot a link's integration names ("" when it names none): the key of
/// the bot facts read once per run.
fn bot_of(link: &Link) -> String {
    link.integration
        .app_id
        .as_deref()
        .unwrap_or_default()
        .to_string()
}

fn input_of(link: &Link) -> LinkTargetInput {
    LinkTargetInput {
        kind: Some(link.kind),
        team_id: link.team_id.clone(),
        channel_id: link.channel_id.clone(),
        chat_id: link.chat_id.clone(),
        user_id: link.user_id.clone(),
        name: Some(link.target_name.clone()),
    }
}

/// Health of the links checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkHealthReport {
    #[ts(type = "number")]
    pub checked: u64,
    /// Links found broken now (newly or still), with the reason and the fix.
    pub broken: Vec<Link>,
    /// Links that were broken and work again.
    pub recovered: Vec<Link>,
    /// Links that could not be checked (Graph failed), with why.
    pub errors: Vec<LinkError>,
    pub checked_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkError {
    pub link_id: String,
    pub target_name: String,
    pub message: String,
}

/// Re-checks linked, awaiting and broken links (all of this profile's, or `ids`).
pub async fn health(
    ctx: &LinkContext<'_>,
    ids: Option<&[String]>,
    cancel: &CancellationToken,
) -> Result<LinkHealthReport, LinksError> {
    health_reporting(ctx, ids, &|_| {}, cancel).await
}

/// [`health`], reporting [`Phase::CheckingLinks`] per link read.
pub async fn health_reporting(
    ctx: &LinkContext<'_>,
    ids: Option<&[String]>,
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<LinkHealthReport, LinksError> {
    let links: Vec<Link> = match ids {
        Some(ids) => ids
            .iter()
            .map(|id| get(&ctx.store(), id))
            .collect::<Result<_, _>>()?,
        None => list(&ctx.store(), ctx.profile_id(), &LinkFilter::default())?,
    };
    // Unlinked and planned links say nothing about the tenant; a failed reply is the vendor's.
    let links: Vec<Link> = links
        .into_iter()
        .filter(|link| {
            !(matches!(link.state, LinkState::Unlinked | LinkState::Planned)
                || link.problem == Some(LinkProblem::BotReplyFailed))
        })
        .collect();
    let total = links.len() as u64;
    let mut report = LinkHealthReport {
        checked_at: now_text(),
        ..Default::default()
    };
    let mut bots: std::collections::HashMap<String, Result<BotFacts, LinkFinding>> =
        Default::default();
    for (done, link) in links.into_iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        progress(&RunProgress {
            failed: report.errors.len() as u64,
            ..RunProgress::new(Phase::CheckingLinks, done as u64, total)
        });
        let profile = vendor_profile(&ctx.store(), &link.integration.vendor)?;
        let app_id = bot_of(&link);
        if !bots.contains_key(&app_id) {
            let facts = bot_facts(ctx.graph, ctx.token, &app_id).await?;
            bots.insert(app_id.clone(), facts);
        }
        let Some(bot) = bots.get(&app_id) else {
            continue;
        };
        let check = match check_target(
            ctx.graph,
            ctx.token,
            &profile,
            bot,
            &input_of(&link),
            Some(&link.target_name),
        )
        .await
        {
            Ok(c) => c,
            Err(LinksError::Graph(e)) => {
                report.errors.push(LinkError {
                    link_id: link.id.clone(),
                    target_name: link.target_name.clone(),
                    message: e.to_string(),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        report.checked += 1;
        mark_checked(&ctx.store(), &link.id)?;
        if !check.findings.iter().any(|f| {
            matches!(
                f.problem,
                LinkProblem::TeamGone
                    | LinkProblem::ChatGone
                    | LinkProblem::UserGone
                    | LinkProblem::GeneralChannelGone
            )
        }) {
            learn_facts(&ctx.store(), &link.id, &check.facts)?;
        }
        match check.findings.first() {
            Some(f) => {
                let updated = if link.state == LinkState::Broken && link.problem == Some(f.problem)
                {
                    get(&ctx.store(), &link.id)?
                } else {
                    set_state(
                        &ctx.store(),
                        ctx.actor,
                        &link.id,
                        LinkState::Broken,
                        Some(f),
                        None,
                        "link.health_broken",
                    )?
                };
                report.broken.push(updated);
            }
            None if link.state == LinkState::Broken => {
                let back = if link.evidence.is_some() {
                    LinkState::Linked
                } else {
                    LinkState::Awaiting
                };
                let updated = set_state(
                    &ctx.store(),
                    ctx.actor,
                    &link.id,
                    back,
                    None,
                    None,
                    "link.health_recovered",
                )?;
                report.recovered.push(updated);
            }
            None => {}
        }
    }
    if !cancel.is_cancelled() {
        progress(&RunProgress {
            failed: report.errors.len() as u64,
            ..RunProgress::new(Phase::CheckingLinks, total, total)
        });
    }
    Ok(report)
}

/// Health of the links of one bot, after its inventory was synced: the sync has just read
/// where the bot is, so this is when a removal or a stale version shows up. `None` when no
/// link uses the bot (nothing was read).
pub async fn health_after_sync(
    ctx: &LinkContext<'_>,
    app_id: &str,
    cancel: &CancellationToken,
) -> Result<Option<LinkHealthReport>, LinksError> {
    let ids: Vec<String> = list(&ctx.store(), ctx.profile_id(), &LinkFilter::default())?
        .into_iter()
        .filter(|l| {
            l.integration
                .app_id
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(app_id))
                && matches!(
                    l.state,
                    LinkState::Linked | LinkState::Awaiting | LinkState::Broken
                )
        })
        .map(|l| l.id)
        .collect();
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(Some(health(ctx, Some(&ids), cancel).await?))
}

/// What the bot's reply (or its absence) says about a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkEvidenceOutcome {
    /// The bot confirmed: the link is linked.
    Linked,
    /// The bot answered with a failure.
    Failed,
    /// The bot waits for a button press on its card ("Associate Now").
    Pending,
    /// No reply from the bot since the command was handed out.
    NotFound,
    /// BotDeck cannot read this conversation (a personal chat, a chat the admin is not in):
    /// confirm or import instead.
    Unreadable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkEvidenceResult {
    pub link: Link,
    pub outcome: LinkEvidenceOutcome,
    pub reply_text: Option<String>,
    pub reply_at: Option<String>,
    pub message: String,
}

/// Every `text` and `title` of an adaptive card (Graph gives the card as a JSON string). The
/// card is the bot author's JSON, not a Graph resource: it is walked as JSON on purpose.
fn card_text(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match (k.as_str(), x) {
                    ("text" | "title", Value::String(s)) => out.push(s.clone()),
                    _ => card_text(x, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| card_text(x, out)),
        _ => {}
    }
}

fn strip_html(html: &str) -> String {
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

/// A message's words: body text plus its cards' texts.
pub fn message_text(m: &ChatMessage) -> String {
    let mut parts = vec![strip_html(m.body_content())];
    for a in &m.attachments {
        if let Some(card) = a.card() {
            let mut texts = Vec::new();
            card_text(&card, &mut texts);
            parts.extend(texts);
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

fn stamp(at: Option<&str>) -> Option<chrono::DateTime<chrono::Utc>> {
    at.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
}

fn created(m: &ChatMessage) -> Option<chrono::DateTime<chrono::Utc>> {
    stamp(m.created_date_time.as_deref())
}

fn modified(m: &ChatMessage) -> Option<chrono::DateTime<chrono::Utc>> {
    stamp(m.last_modified_date_time.as_deref())
}

const MAX_PAGES: usize = 5;

/// Messages of a conversation since `since` (roots and replies), newest first.
async fn conversation(
    graph: &GraphClient,
    token: &Sensitive<String>,
    link: &Link,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Vec<ChatMessage>>, LinksError> {
    let first = match (link.kind, &link.team_id, &link.channel_id, &link.chat_id) {
        (LinkTargetKind::Team | LinkTargetKind::Channel, Some(team), Some(channel), _) => {
            // Only $top and $expand are supported on channel messages.
            format!("/teams/{team}/channels/{channel}/messages?$top=50&$expand=replies")
        }
        (LinkTargetKind::Chat, _, _, Some(chat)) => format!(
            "/chats/{chat}/messages?$top=50&$orderby=lastModifiedDateTime%20desc&$filter={}",
            // `gt` is strict and a reply can land in the same millisecond as the command was
            // handed out: ask from a second earlier, the exact cut is made below.
            encode_query_value(&format!(
                "lastModifiedDateTime gt {}",
                (since - chrono::Duration::seconds(1))
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ))
        ),
        _ => return Ok(None),
    };
    let mut out = Vec::new();
    let mut next = Some(first);
    let mut pages = 0;
    while let Some(url) = next.take() {
        pages += 1;
        let page = match graph.get_json(token, &url).await {
            Ok(p) => p,
            Err(GraphError::Http {
                status: 403,
                code,
                message,
                ..
            }) if message.contains("Missing scope")
                || message.contains("scope permissions")
                || code == "Authorization_RequestDenied" && message.contains("scope") =>
            {
                return Err(LinksError::ConsentNeeded {
                    scopes: "ChannelMessage.Read.All and Chat.Read".into(),
                })
            }
            Err(e) if e.status() == Some(403) || e.status() == Some(404) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let page = resources::page::<ChatMessage>(&page).map_err(GraphError::from)?;
        let mut any_recent = page.value.is_empty();
        for mut m in page.value {
            let newest = modified(&m).or(created(&m));
            if newest.is_some_and(|t| t >= since) {
                any_recent = true;
            }
            let replies = std::mem::take(&mut m.replies);
            if replies
                .iter()
                .any(|r| modified(r).is_some_and(|t| t >= since))
            {
                any_recent = true;
            }
            out.extend(replies);
            out.push(m);
        }
        // Pages run newest first; once a whole page is older than the command, stop.
        if any_recent && pages < MAX_PAGES {
            next = page.next_link;
        }
    }
    Ok(Some(out))
}

/// Reads the bot's reply for each link and marks it linked or failed.
pub async fn evidence(
    ctx: &LinkContext<'_>,
    ids: &[String],
) -> Result<Vec<LinkEvidenceResult>, LinksError> {
    if ids.is_empty() {
        return Err(LinksError::Invalid("choose the links to check".into()));
    }
    let links: Vec<Link> = ids
        .iter()
        .map(|id| get(&ctx.store(), id))
        .collect::<Result<_, _>>()?;
    let mut bots: std::collections::HashMap<String, Result<BotFacts, LinkFinding>> =
        Default::default();
    let mut out = Vec::new();
    for link in links {
        let profile = vendor_profile(&ctx.store(), &link.integration.vendor)?;
        let result = |link: Link, outcome, message: String| LinkEvidenceResult {
            link,
            outcome,
            reply_text: None,
            reply_at: None,
            message,
        };
        if link.kind == LinkTargetKind::User {
            out.push(result(
                link.clone(),
                LinkEvidenceOutcome::Unreadable,
                format!(
                    "BotDeck cannot read {}'s personal chat with {}: ask them, then confirm the link (or import the vendor's list).",
                    link.target_name, profile.bot_name
                ),
            ));
            continue;
        }
        let app_id = bot_of(&link);
        if !bots.contains_key(&app_id) {
            let facts = bot_facts(ctx.graph, ctx.token, &app_id).await?;
            bots.insert(app_id.clone(), facts);
        }
        let Some(Ok(bot)) = bots.get(&app_id) else {
            out.push(result(
                link.clone(),
                LinkEvidenceOutcome::NotFound,
                "the bot is not in the catalog: its replies cannot be recognised".into(),
            ));
            continue;
        };
        let Some(bot_id) = bot.bot_id.clone() else {
            out.push(result(
                link.clone(),
                LinkEvidenceOutcome::Unreadable,
                format!(
                    "{} has no bot id in its catalog definition: confirm the link instead",
                    bot.app.display_name
                ),
            ));
            continue;
        };
        let since = link
            .command_at
            .as_deref()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_else(|| {
                chrono::DateTime::<chrono::Utc>::from_timestamp(0, 0).unwrap_or_default()
            });
        let Some(messages) = conversation(ctx.graph, ctx.token, &link, since).await? else {
            out.push(result(
                link.clone(),
                LinkEvidenceOutcome::Unreadable,
                format!(
                    "BotDeck cannot read {} (you are not in it, or it is gone): confirm the link, or import it.",
                    link.target_name
                ),
            ));
            continue;
        };
        // The bot's messages after the command, newest first (a card updated in place
        // counts at its update time).
        let mut replies: Vec<(chrono::DateTime<chrono::Utc>, String)> = messages
            .iter()
            .filter(|m| {
                m.from_app()
                    .is_some_and(|id| id.eq_ignore_ascii_case(&bot_id))
            })
            .filter_map(|m| {
                let created = created(m)?;
                (created >= since).then(|| (modified(m).unwrap_or(created), message_text(m)))
            })
            .collect();
        replies.sort_by_key(|r| std::cmp::Reverse(r.0));
        let Some((at, text)) = replies.first().cloned() else {
            out.push(result(
                link.clone(),
                LinkEvidenceOutcome::NotFound,
                format!(
                    "No reply from {} in {} since the command was prepared. The command must be typed by a person in Teams: a message posted through Graph (or by a tool) never reaches the bot.",
                    profile.bot_name, link.target_name
                ),
            ));
            continue;
        };
        let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (outcome, updated, message) = match profile.classify(&text) {
            LinkReplyVerdict::Success => {
                let ev = LinkEvidence {
                    kind: LinkEvidenceKind::ReplySeen,
                    at: at_text.clone(),
                    by: Some(profile.bot_name.clone()),
                    detail: Some(text.clone()),
                };
                let l = set_state(
                    &ctx.store(),
                    ctx.actor,
                    &link.id,
                    LinkState::Linked,
                    None,
                    Some(&ev),
                    "link.evidence",
                )?;
                (
                    LinkEvidenceOutcome::Linked,
                    l,
                    format!("{}'s reply seen at {at_text}", profile.bot_name),
                )
            }
            LinkReplyVerdict::Failure => {
                let f = finding(
                    LinkProblem::BotReplyFailed,
                    format!("{} answered: {text}", profile.bot_name),
                );
                let l = set_state(
                    &ctx.store(),
                    ctx.actor,
                    &link.id,
                    LinkState::Broken,
                    Some(&f),
                    None,
                    "link.evidence",
                )?;
                (LinkEvidenceOutcome::Failed, l, f.message)
            }
            LinkReplyVerdict::Pending => (
                LinkEvidenceOutcome::Pending,
                get(&ctx.store(), &link.id)?,
                format!(
                    "{} replied and waits for a button press on its card: {text}",
                    profile.bot_name
                ),
            ),
            LinkReplyVerdict::Unknown => (
                LinkEvidenceOutcome::NotFound,
                get(&ctx.store(), &link.id)?,
                format!(
                    "{} replied, but not to the link command: {text}",
                    profile.bot_name
                ),
            ),
        };
        mark_checked(&ctx.store(), &link.id)?;
        out.push(LinkEvidenceResult {
            link: updated,
            outcome,
            reply_text: Some(text),
            reply_at: Some(at_text),
            message,
        });
    }
    Ok(out)
}

/// The users of a group or team: (id, name, enabled).
pub async fn members(
    graph: &GraphClient,
    token: &Sensitive<String>,
    group_id: &str,
) -> Result<Vec<(String, String, bool)>, LinksError> {
    let group_id = group_id.trim();
    if group_id.is_empty() || group_id.contains(['/', '?', '#']) {
        return Err(LinksError::Invalid(format!(
            "{group_id:?} is not a group id"
        )));
    }
    let items = match graph
        .list::<User>(
            token,
            &format!("/groups/{group_id}/members?$select=id,displayName,userPrincipalName,accountEnabled"),
        )
        .await
    {
        Ok(items) => items,
        Err(e) if e.status() == Some(404) => {
            return Err(LinksError::NotFound(format!("no group or team {group_id}")))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(items
        .into_iter()
        .filter(User::is_user)
        .map(|m| {
            let enabled = m.account_enabled != Some(false);
            (
                m.id,
                m.display_name.or(m.user_principal_name).unwrap_or_default(),
                enabled,
            )
        })
        .collect())
}

/// Runs a bulk plan through the journal and the paced executor.
async fn run_plan(
    ctx: &LinkContext<'_>,
    executor: &Executor,
    plan: &BulkPlan,
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<Option<RunSummary>, LinksError> {
    if plan.items.is_empty() {
        return Ok(None);
    }
    let run_id = crate::installs::create_run(ctx.store, plan, ctx.actor)?;
    let sync = SyncContext {
        graph: ctx.graph,
        tokens: ctx.token,
        store: ctx.store,
        executor,
    };
    Ok(Some(
        crate::installs::execute_run(&sync, &run_id, progress, cancel).await?,
    ))
}

fn plan_of(bot: &BotFacts, action: BulkAction, items: Vec<PlannedItem>) -> BulkPlan {
    BulkPlan {
        action,
        app_id: bot.app.id.clone(),
        app_name: bot.app.display_name.clone(),
        target_version: Some(bot.version.clone()),
        consent: bot
            .app
            .published()
            .map(|d| d.required_rsc.clone())
            .unwrap_or_default(),
        items,
        skipped: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Reach: install the bot in the personal scope of every enabled member of a group or team
/// (through the bulk engine), so each gets the bot's welcome and can link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkReachOutcome {
    pub group_id: String,
    #[ts(type = "number")]
    pub members: u64,
    /// Disabled accounts, left alone.
    pub disabled: Vec<String>,
    /// Already had the bot.
    #[ts(type = "number")]
    pub already: u64,
    pub run: Option<RunSummary>,
}

pub async fn reach(
    ctx: &LinkContext<'_>,
    executor: &Executor,
    app_id: &str,
    group_id: &str,
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<LinkReachOutcome, LinksError> {
    let bot = match bot_facts(ctx.graph, ctx.token, app_id).await? {
        Ok(b) => b,
        Err(f) => return Err(LinksError::Invalid(f.message)),
    };
    let people = members(ctx.graph, ctx.token, group_id).await?;
    let mut items = Vec::new();
    let mut disabled = Vec::new();
    let mut already = 0;
    let total = people.len() as u64;
    for (done, (id, name, enabled)) in people.iter().enumerate() {
        progress(&RunProgress::new(
            Phase::ReachingMembers,
            done as u64,
            total,
        ));
        if !enabled {
            disabled.push(name.clone());
            continue;
        }
        match installation(ctx.graph, ctx.token, TargetKind::User, id, &bot.app.id).await? {
            Some(_) => already += 1,
            None => items.push(PlannedItem {
                kind: TargetKind::User,
                target_id: id.clone(),
                target_name: Some(name.clone()),
                installation_id: None,
                from_version: None,
                note: None,
            }),
        }
    }
    progress(&RunProgress::new(Phase::ReachingMembers, total, total));
    let plan = plan_of(&bot, BulkAction::Install, items);
    let run = run_plan(ctx, executor, &plan, progress, cancel).await?;
    Ok(LinkReachOutcome {
        group_id: group_id.trim().to_string(),
        members: people.len() as u64,
        disabled,
        already,
        run,
    })
}

/// Installs or upgrades the bot where the preflight found it missing or outdated.
pub async fn fix_installs(
    ctx: &LinkContext<'_>,
    executor: &Executor,
    app_id: &str,
    targets: &[LinkTargetInput],
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<Vec<RunSummary>, LinksError> {
    let bot = bot_facts(ctx.graph, ctx.token, app_id).await?;
    let Ok(facts) = &bot else {
        return Err(LinksError::Invalid(
            bot.err().map(|f| f.message).unwrap_or_default(),
        ));
    };
    // Only the installation matters here, whatever a vendor would say about the target.
    let probe = VendorProfile {
        id: "install-probe".into(),
        name: "BotDeck".into(),
        bot_name: facts.app.display_name.clone(),
        integration_label: String::new(),
        targets: vec![
            LinkTargetKind::Team,
            LinkTargetKind::Channel,
            LinkTargetKind::Chat,
            LinkTargetKind::User,
        ],
        channel_kinds: vec!["standard".into(), "private".into(), "shared".into()],
        commands: Default::default(),
        unlink: Default::default(),
        unlink_note: String::new(),
        replies: Default::default(),
        built_in: false,
    };
    let mut installs = Vec::new();
    let mut upgrades = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in targets {
        let c = check_target(ctx.graph, ctx.token, &probe, &bot, t, None).await?;
        let Some((kind, id)) = c.install_target.clone() else {
            continue;
        };
        if !seen.insert((kind, id.clone())) {
            continue;
        }
        let name = Some(
            c.facts
                .team_name
                .clone()
                .unwrap_or(c.facts.target_name.clone()),
        );
        for f in &c.findings {
            match f.problem {
                LinkProblem::BotNotInstalled
                | LinkProblem::BotNotInChat
                | LinkProblem::BotNotInPersonalScope => installs.push(PlannedItem {
                    kind,
                    target_id: id.clone(),
                    target_name: name.clone(),
                    installation_id: None,
                    from_version: None,
                    note: None,
                }),
                LinkProblem::BotOutdated => upgrades.push(PlannedItem {
                    kind,
                    target_id: id.clone(),
                    target_name: name.clone(),
                    installation_id: c.installation_id.clone(),
                    from_version: c.installed_version.clone(),
                    note: None,
                }),
                _ => {}
            }
        }
    }
    let mut runs = Vec::new();
    for (action, items) in [
        (BulkAction::Install, installs),
        (BulkAction::Upgrade, upgrades),
    ] {
        if let Some(r) = run_plan(
            ctx,
            executor,
            &plan_of(facts, action, items),
            progress,
            cancel,
        )
        .await?
        {
            runs.push(r);
        }
    }
    Ok(runs)
}

/// Removes the bot from the targets of these (unlinked) links that no other link still needs.
pub async fn remove_bot_where_unneeded(
    ctx: &LinkContext<'_>,
    executor: &Executor,
    links: &[Link],
    progress: ProgressFn<'_>,
    cancel: &CancellationToken,
) -> Result<Option<RunSummary>, LinksError> {
    let still: Vec<Link> = list(&ctx.store(), ctx.profile_id(), &LinkFilter::default())?;
    let target = |l: &Link| -> Option<(TargetKind, String)> {
        match l.kind {
            LinkTargetKind::Team | LinkTargetKind::Channel => {
                l.team_id.clone().map(|t| (TargetKind::Team, t))
            }
            LinkTargetKind::Chat => l.chat_id.clone().map(|c| (TargetKind::Chat, c)),
            LinkTargetKind::User => l.user_id.clone().map(|u| (TargetKind::User, u)),
        }
    };
    let mut by_app: std::collections::BTreeMap<String, Vec<(TargetKind, String, String)>> =
        Default::default();
    for l in links {
        let Some(app) = l.integration.app_id.as_deref().map(str::to_string) else {
            continue;
        };
        let Some(t) = target(l) else { continue };
        let needed = still.iter().any(|o| {
            o.id != l.id
                && o.integration.app_id.as_deref() == Some(&app)
                && target(o).as_ref() == Some(&t)
        });
        let entry = by_app.entry(app).or_default();
        if !needed && !entry.iter().any(|(k, id, _)| (*k, id) == (t.0, &t.1)) {
            entry.push((
                t.0,
                t.1,
                l.team_name.clone().unwrap_or(l.target_name.clone()),
            ));
        }
    }
    let mut last = None;
    for (app_id, targets) in by_app {
        let bot = match bot_facts(ctx.graph, ctx.token, &app_id).await? {
            Ok(b) => b,
            Err(_) => continue,
        };
        let mut items = Vec::new();
        for (kind, id, name) in targets {
            if let Some((iid, version)) =
                installation(ctx.graph, ctx.token, kind, &id, &bot.app.id).await?
            {
                items.push(PlannedItem {
                    kind,
                    target_id: id,
                    target_name: Some(name),
                    installation_id: Some(iid),
                    from_version: version,
                    note: None,
                });
            }
        }
        last = run_plan(
            ctx,
            executor,
            &plan_of(&bot, BulkAction::Uninstall, items),
            progress,
            cancel,
        )
        .await?
        .or(last);
    }
    Ok(last)
}
