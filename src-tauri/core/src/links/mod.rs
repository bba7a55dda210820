//! Links: which teams, channels, chats and users are linked to the bot's integrations.
//!
//! An *integration* is the vendor side (a FlashDuty integration id, a PagerDuty service URL)
//! of one vendor account; a *link* ties it to one target. A person makes the link by typing
//! the vendor's command in Teams — a command BotDeck posted through Graph would never reach the
//! bot (microsoft-graph-docs issue 4886) — so BotDeck prepares the exact text and the deep link,
//! then proves the link from the bot's reply, keeps it healthy and unlinks it.
//!
//! What lives here cannot be read back from the tenant (the vendor's console is the only other
//! copy), so the `link_*` tables belong with settings and the audit log, not the cache.
//!
//! - [`vendor`]: the link language of FlashDuty, PagerDuty and custom vendors;
//! - [`check`]: preflight, health, evidence (reading the bot's reply), reach, removing the bot;
//! - [`pick`]: the wizard's choices of targets (inventory cache, a team's channels);
//! - [`transfer`]: CSV / JSON export and import with line-numbered validation;
//! - [`ipc`]: request and answer types of the app's commands.

pub mod check;
pub mod ipc;
pub mod pick;
pub mod transfer;
pub mod vendor;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{AuditEntry, Outcome};
use crate::catalog::Actor;
use crate::ids::CatalogAppId;
use crate::store::{optional_id_column, Store, StoreError};

pub use vendor::{LinkReplyVerdict, VendorProfile};

/// Forward-only schema of this module (one migration step).
pub const SCHEMA: &str = "CREATE TABLE link_integration (
        id          TEXT PRIMARY KEY NOT NULL,
        profile_id  TEXT NOT NULL DEFAULT '',
        vendor      TEXT NOT NULL,
        account     TEXT NOT NULL DEFAULT '',
        external_id TEXT NOT NULL,
        name        TEXT NOT NULL,
        app_id      TEXT,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        UNIQUE (profile_id, vendor, account, external_id)
    ) STRICT;
    CREATE TABLE link_link (
        id              TEXT PRIMARY KEY NOT NULL,
        integration_id  TEXT NOT NULL REFERENCES link_integration (id) ON DELETE CASCADE,
        kind            TEXT NOT NULL,
        target_key      TEXT NOT NULL,
        team_id         TEXT,
        team_name       TEXT,
        channel_id      TEXT,
        channel_name    TEXT,
        chat_id         TEXT,
        user_id         TEXT,
        target_name     TEXT NOT NULL,
        via_team_id     TEXT,
        state           TEXT NOT NULL,
        reason          TEXT,
        reason_detail   TEXT,
        evidence_kind   TEXT,
        evidence_at     TEXT,
        evidence_by     TEXT,
        evidence_detail TEXT,
        command         TEXT,
        command_at      TEXT,
        created_at      TEXT NOT NULL,
        created_by      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        updated_by      TEXT NOT NULL,
        checked_at      TEXT,
        UNIQUE (integration_id, target_key)
    ) STRICT;
    CREATE INDEX link_link_team ON link_link (team_id);
    CREATE INDEX link_link_user ON link_link (user_id);
    CREATE TABLE link_vendor_profile (
        id         TEXT PRIMARY KEY NOT NULL,
        body       TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;";

#[derive(Debug, thiserror::Error)]
pub enum LinksError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Graph(#[from] botdeck_graph::GraphError),
    #[error(transparent)]
    Installs(#[from] crate::installs::InstallsError),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    /// Reading messages needs permissions the sign-in has not been given yet.
    #[error("checking the bot's reply needs {scopes}: sign in again to grant them")]
    ConsentNeeded { scopes: String },
}

impl From<rusqlite::Error> for LinksError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(err))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkTargetKind {
    /// A team, linked in its General channel.
    Team,
    Channel,
    /// A group chat.
    Chat,
    User,
}

impl LinkTargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
            Self::Channel => "channel",
            Self::Chat => "chat",
            Self::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().trim_end_matches('s') {
            "team" => Some(Self::Team),
            "channel" => Some(Self::Channel),
            "chat" => Some(Self::Chat),
            "user" => Some(Self::User),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Chosen, but the preflight found something to fix first.
    Planned,
    /// Ready: waiting for a person to type the command in Teams.
    Awaiting,
    Linked,
    Broken,
    Unlinked,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Awaiting => "awaiting",
            Self::Linked => "linked",
            Self::Broken => "broken",
            Self::Unlinked => "unlinked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "planned" => Some(Self::Planned),
            "awaiting" => Some(Self::Awaiting),
            "linked" => Some(Self::Linked),
            "broken" => Some(Self::Broken),
            "unlinked" => Some(Self::Unlinked),
            _ => None,
        }
    }
}

/// Why a target cannot be linked (preflight) or a link stopped working (health).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    AppNotInCatalog,
    AppNotPublished,
    KindNotSupported,
    TeamGone,
    TeamArchived,
    GeneralChannelGone,
    ChannelGone,
    ChannelNotSupported,
    ChatGone,
    BotNotInChat,
    UserGone,
    UserDisabled,
    BotNotInstalled,
    BotNotInPersonalScope,
    BotOutdated,
    /// The bot answered the command with a failure.
    BotReplyFailed,
}

/// What fixes a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkFix {
    /// Install the bot there (through the bulk engine).
    Install,
    /// Upgrade the installation to the published version.
    Upgrade,
    /// Type the command again (or pick another target).
    Relink,
    /// Something only the admin can do elsewhere (publish, unarchive, enable the user).
    Manual,
    /// Nothing BotDeck can do: choose another target.
    ChooseAnother,
}

impl LinkProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppNotInCatalog => "app_not_in_catalog",
            Self::AppNotPublished => "app_not_published",
            Self::KindNotSupported => "kind_not_supported",
            Self::TeamGone => "team_gone",
            Self::TeamArchived => "team_archived",
            Self::GeneralChannelGone => "general_channel_gone",
            Self::ChannelGone => "channel_gone",
            Self::ChannelNotSupported => "channel_not_supported",
            Self::ChatGone => "chat_gone",
            Self::BotNotInChat => "bot_not_in_chat",
            Self::UserGone => "user_gone",
            Self::UserDisabled => "user_disabled",
            Self::BotNotInstalled => "bot_not_installed",
            Self::BotNotInPersonalScope => "bot_not_in_personal_scope",
            Self::BotOutdated => "bot_outdated",
            Self::BotReplyFailed => "bot_reply_failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::AppNotInCatalog,
            Self::AppNotPublished,
            Self::KindNotSupported,
            Self::TeamGone,
            Self::TeamArchived,
            Self::GeneralChannelGone,
            Self::ChannelGone,
            Self::ChannelNotSupported,
            Self::ChatGone,
            Self::BotNotInChat,
            Self::UserGone,
            Self::UserDisabled,
            Self::BotNotInstalled,
            Self::BotNotInPersonalScope,
            Self::BotOutdated,
            Self::BotReplyFailed,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    pub fn fix(self) -> LinkFix {
        match self {
            Self::BotNotInstalled | Self::BotNotInChat | Self::BotNotInPersonalScope => {
                LinkFix::Install
            }
            Self::BotOutdated => LinkFix::Upgrade,
            Self::BotReplyFailed | Self::GeneralChannelGone => LinkFix::Relink,
            Self::AppNotInCatalog
            | Self::AppNotPublished
            | Self::TeamArchived
            | Self::UserDisabled => LinkFix::Manual,
            Self::KindNotSupported
            | Self::TeamGone
            | Self::ChannelGone
            | Self::ChannelNotSupported
            | Self::ChatGone
            | Self::UserGone => LinkFix::ChooseAnother,
        }
    }

    /// Problems a health check can clear again (a failed reply stays until the next command).
    pub fn is_health(self) -> bool {
        !matches!(self, Self::BotReplyFailed | Self::KindNotSupported)
    }
}

/// One finding: the problem, what it means here, and the fix in the admin's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkFinding {
    pub problem: LinkProblem,
    pub message: String,
    pub fix: LinkFix,
    pub fix_hint: String,
}

/// How a link was proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkEvidenceKind {
    /// The bot's reply was read in the conversation.
    ReplySeen,
    /// The admin confirmed it (personal chats and chats the admin cannot read).
    Confirmed,
    /// Imported from a file (e.g. the vendor console's export).
    Imported,
}

impl LinkEvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReplySeen => "reply_seen",
            Self::Confirmed => "confirmed",
            Self::Imported => "imported",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reply_seen" => Some(Self::ReplySeen),
            "confirmed" => Some(Self::Confirmed),
            "imported" => Some(Self::Imported),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkEvidence {
    pub kind: LinkEvidenceKind,
    pub at: String,
    /// Who confirmed or imported; the bot's name for a reply.
    pub by: Option<String>,
    /// The reply's text, or the admin's note.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub id: String,
    pub vendor: String,
    /// The vendor account (one tenant may connect several).
    pub account: String,
    /// The vendor-side id the command carries (integration id, service URL).
    pub external_id: String,
    pub name: String,
    /// Catalog id of the bot app.
    pub app_id: Option<CatalogAppId>,
    pub created_at: String,
    pub created_by: String,
}

/// A target to link, as the admin picked it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkTargetInput {
    pub kind: Option<LinkTargetKind>,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    /// The chat's name for `{chatName}` when the admin cannot read the chat.
    #[serde(default)]
    pub name: Option<String>,
}

impl LinkTargetInput {
    /// The kind and the ids it needs, or why the input is incomplete. Nothing goes to Graph
    /// before this passes.
    pub fn validated(&self) -> Result<(LinkTargetKind, String), LinksError> {
        let kind = self.kind.ok_or_else(|| {
            LinksError::Invalid("say which kind of target: team, channel, chat or user".into())
        })?;
        let id = |v: &Option<String>, what: &str| -> Result<String, LinksError> {
            let v = v.as_deref().map(str::trim).unwrap_or("");
            if v.is_empty() {
                return Err(LinksError::Invalid(format!(
                    "a {} link needs {what}",
                    kind.as_str()
                )));
            }
            if v.len() > 200
                || v.contains(['/', '?', '#', '\\'])
                || v.chars().any(char::is_whitespace)
            {
                return Err(LinksError::Invalid(format!(
                    "{what} {v:?} is not a Teams id"
                )));
            }
            Ok(v.to_string())
        };
        let key = match kind {
            LinkTargetKind::Team => format!("team:{}", id(&self.team_id, "a team id")?),
            LinkTargetKind::Channel => format!(
                "channel:{}/{}",
                id(&self.team_id, "a team id")?,
                id(&self.channel_id, "a channel id")?
            ),
            LinkTargetKind::Chat => format!("chat:{}", id(&self.chat_id, "a chat id")?),
            LinkTargetKind::User => format!("user:{}", id(&self.user_id, "a user id")?),
        };
        Ok((kind, key))
    }
}

/// One link, with its integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub id: String,
    pub integration: Integration,
    pub kind: LinkTargetKind,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    /// For team links: the General channel the command goes to.
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub chat_id: Option<String>,
    pub user_id: Option<String>,
    pub target_name: String,
    /// User links made for the members of this team (disconnecting the team removes them).
    pub via_team_id: Option<String>,
    pub state: LinkState,
    pub problem: Option<LinkProblem>,
    pub problem_detail: Option<String>,
    pub fix: Option<LinkFix>,
    pub evidence: Option<LinkEvidence>,
    /// The exact command, placeholders filled.
    pub command: Option<String>,
    /// When the command was handed to the admin (replies before this don't count).
    pub command_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
    pub checked_at: Option<String>,
}

pub(crate) fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

// ---------------------------------------------------------------------------------------
// Vendor profiles (built in + custom)

pub fn vendor_profiles(store: &Store) -> Result<Vec<VendorProfile>, LinksError> {
    let mut out = vendor::built_in();
    let mut stmt = store
        .connection()
        .prepare("SELECT id, body FROM link_vendor_profile ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (id, body) = row?;
        match VendorProfile::parse(&body) {
            Ok(p) if !out.iter().any(|b| b.id == p.id) => out.push(p),
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(vendor = %id, %err, "a saved vendor profile no longer parses")
            }
        }
    }
    Ok(out)
}

pub fn vendor_profile(store: &Store, id: &str) -> Result<VendorProfile, LinksError> {
    vendor_profiles(store)?
        .into_iter()
        .find(|p| p.id.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| {
            LinksError::NotFound(format!(
                "no vendor profile {id:?}: use flashduty, pagerduty or add a custom one"
            ))
        })
}

/// Checks a custom vendor profile as it would be saved: valid, and not a built-in's id.
pub fn check_custom_vendor_profile(p: &VendorProfile) -> Result<(), LinksError> {
    p.validate()?;
    if vendor::built_in().iter().any(|b| b.id == p.id) {
        return Err(LinksError::Invalid(format!(
            "{} is a built-in vendor profile: give the custom one another id",
            p.id
        )));
    }
    Ok(())
}

/// The TOML a profile from the form is stored as: the same file a custom profile can be
/// written in, so a saved form can be exported and edited like one.
pub fn vendor_profile_toml(p: &VendorProfile) -> Result<String, LinksError> {
    let mut p = p.clone();
    p.built_in = false;
    toml::to_string(&p)
        .map_err(|e| LinksError::Invalid(format!("the vendor profile cannot be written: {e}")))
}

/// Saves a custom vendor profile given as fields (the form); same rules as a file.
pub fn save_vendor_profile_fields(
    store: &Store,
    profile: &VendorProfile,
    actor: &Actor,
) -> Result<VendorProfile, LinksError> {
    check_custom_vendor_profile(profile)?;
    save_vendor_profile(store, &vendor_profile_toml(profile)?, actor)
}

/// Saves a custom vendor profile (TOML); built-in ids cannot be replaced.
pub fn save_vendor_profile(
    store: &Store,
    toml_text: &str,
    actor: &Actor,
) -> Result<VendorProfile, LinksError> {
    let p = VendorProfile::parse(toml_text)?;
    check_custom_vendor_profile(&p)?;
    store.connection().execute(
        "INSERT INTO link_vendor_profile (id, body, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        params![p.id, toml_text, now_text()],
    )?;
    audit(
        store,
        actor,
        "link.vendor_profile",
        "vendor_profile",
        &p.id,
        Some(&p.name),
        Outcome::Succeeded,
        None,
    )?;
    Ok(p)
}

// ---------------------------------------------------------------------------------------
// Integrations

pub struct NewIntegration<'a> {
    pub vendor: &'a str,
    pub account: &'a str,
    pub external_id: &'a str,
    pub name: &'a str,
    pub app_id: Option<&'a CatalogAppId>,
}

/// Finds or creates the integration (vendor + account + vendor-side id) of this profile.
pub fn ensure_integration(
    store: &Store,
    actor: &Actor,
    new: &NewIntegration<'_>,
) -> Result<Integration, LinksError> {
    let profile = vendor_profile(store, new.vendor)?;
    let external_id = new.external_id.trim();
    if external_id.is_empty()
        || external_id.len() > 400
        || external_id.chars().any(char::is_control)
    {
        return Err(LinksError::Invalid(format!(
            "the {} is required (up to 400 characters)",
            profile.integration_label
        )));
    }
    if external_id.chars().any(char::is_whitespace) {
        return Err(LinksError::Invalid(format!(
            "the {} {external_id:?} contains spaces: the bot would read only its first word",
            profile.integration_label
        )));
    }
    let account = new.account.trim();
    let name = if new.name.trim().is_empty() {
        external_id
    } else {
        new.name.trim()
    };
    let profile_id = actor.profile_id.clone().unwrap_or_default();
    let conn = store.connection();
    let mut existing = conn
        .query_row(
            "SELECT id FROM link_integration WHERE profile_id = ?1 AND vendor = ?2 AND account = ?3 AND external_id = ?4",
            params![profile_id, profile.id, account, external_id],
            |r| r.get::<_, String>(0),
        )
        .optional()?;
    if existing.is_none() && account.is_empty() {
        // No account given: the one integration already known by this vendor-side id is meant
        // (a second card with the same name and id would only confuse); with several accounts
        // holding that id, a new one without an account is made, as asked.
        let known: Vec<String> = conn
            .prepare(
                "SELECT id FROM link_integration WHERE profile_id = ?1 AND vendor = ?2 AND external_id = ?3",
            )?
            .query_map(params![profile_id, profile.id, external_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if let [only] = known.as_slice() {
            existing = Some(only.clone());
        }
    }
    let id = match existing {
        Some(id) => {
            conn.execute(
                "UPDATE link_integration SET name = ?2, app_id = COALESCE(?3, app_id) WHERE id = ?1",
                params![id, name, new.app_id.map(CatalogAppId::as_str)],
            )?;
            id
        }
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            conn.execute(
                "INSERT INTO link_integration (id, profile_id, vendor, account, external_id, name, app_id, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![id, profile_id, profile.id, account, external_id, name, new.app_id.map(CatalogAppId::as_str), now_text(), actor.upn],
            )?;
            audit(
                store,
                actor,
                "link.integration_add",
                "integration",
                &id,
                Some(name),
                Outcome::Succeeded,
                Some(format!("{} {external_id}", profile.name)),
            )?;
            id
        }
    };
    integration(store, &id)
}

fn integration_of(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Integration> {
    Ok(Integration {
        id: r.get(at)?,
        vendor: r.get(at + 1)?,
        account: r.get(at + 2)?,
        external_id: r.get(at + 3)?,
        name: r.get(at + 4)?,
        app_id: optional_id_column(r, at + 5)?,
        created_at: r.get(at + 6)?,
        created_by: r.get(at + 7)?,
    })
}

const INTEGRATION_COLUMNS: &str =
    "i.id, i.vendor, i.account, i.external_id, i.name, i.app_id, i.created_at, i.created_by";

pub fn integration(store: &Store, id: &str) -> Result<Integration, LinksError> {
    store
        .connection()
        .query_row(
            &format!("SELECT {INTEGRATION_COLUMNS} FROM link_integration i WHERE i.id = ?1"),
            [id],
            |r| integration_of(r, 0),
        )
        .optional()?
        .ok_or_else(|| LinksError::NotFound(format!("no integration {id}")))
}

pub fn integrations(
    store: &Store,
    profile_id: Option<&str>,
) -> Result<Vec<Integration>, LinksError> {
    let mut stmt = store.connection().prepare(&format!(
        "SELECT {INTEGRATION_COLUMNS} FROM link_integration i WHERE i.profile_id = ?1
         ORDER BY i.vendor, i.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([profile_id.unwrap_or("")], |r| integration_of(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------------------------------------------------------------------------------------
// Links

const LINK_COLUMNS: &str = "l.id, l.kind, l.team_id, l.team_name, l.channel_id, l.channel_name,
    l.chat_id, l.user_id, l.target_name, l.via_team_id, l.state, l.reason, l.reason_detail,
    l.evidence_kind, l.evidence_at, l.evidence_by, l.evidence_detail, l.command, l.command_at,
    l.created_at, l.created_by, l.updated_at, l.updated_by, l.checked_at";

fn link_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Link> {
    let kind: String = r.get(1)?;
    let state: String = r.get(10)?;
    let reason: Option<String> = r.get(11)?;
    let evidence_kind: Option<String> = r.get(13)?;
    let problem = reason.as_deref().and_then(LinkProblem::parse);
    Ok(Link {
        id: r.get(0)?,
        kind: LinkTargetKind::parse(&kind).unwrap_or(LinkTargetKind::Team),
        team_id: r.get(2)?,
        team_name: r.get(3)?,
        channel_id: r.get(4)?,
        channel_name: r.get(5)?,
        chat_id: r.get(6)?,
        user_id: r.get(7)?,
        target_name: r.get(8)?,
        via_team_id: r.get(9)?,
        state: LinkState::parse(&state).unwrap_or(LinkState::Planned),
        problem,
        problem_detail: r.get(12)?,
        fix: problem.map(LinkProblem::fix),
        evidence: match evidence_kind.as_deref().and_then(LinkEvidenceKind::parse) {
            Some(kind) => Some(LinkEvidence {
                kind,
                at: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                by: r.get(15)?,
                detail: r.get(16)?,
            }),
            None => None,
        },
        command: r.get(17)?,
        command_at: r.get(18)?,
        created_at: r.get(19)?,
        created_by: r.get(20)?,
        updated_at: r.get(21)?,
        updated_by: r.get(22)?,
        checked_at: r.get(23)?,
        integration: integration_of(r, 24)?,
    })
}

/// Filter for [`list`]. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LinkFilter {
    pub integration_id: Option<String>,
    pub vendor: Option<String>,
    pub kind: Option<LinkTargetKind>,
    pub state: Option<LinkState>,
    pub team_id: Option<String>,
    pub user_id: Option<String>,
    /// Case-insensitive text in the target's, team's or integration's name or id.
    pub text: Option<String>,
    /// Unlinked links are hidden unless asked for.
    pub include_unlinked: bool,
}

pub fn list(
    store: &Store,
    profile_id: Option<&str>,
    f: &LinkFilter,
) -> Result<Vec<Link>, LinksError> {
    let mut sql = format!(
        "SELECT {LINK_COLUMNS}, {INTEGRATION_COLUMNS} FROM link_link l
         JOIN link_integration i ON i.id = l.integration_id WHERE i.profile_id = ?1"
    );
    let mut args: Vec<String> = vec![profile_id.unwrap_or("").to_string()];
    // `$` in a clause stands for this value's placeholder (it may repeat).
    let mut add = |clause: &str, v: String| {
        args.push(v);
        sql.push_str(&format!(
            " AND {}",
            clause.replace('$', &format!("?{}", args.len()))
        ));
    };
    if let Some(v) = &f.integration_id {
        add("l.integration_id = $", v.clone());
    }
    if let Some(v) = &f.vendor {
        add("i.vendor = $", v.to_ascii_lowercase());
    }
    if let Some(v) = f.kind {
        add("l.kind = $", v.as_str().into());
    }
    if let Some(v) = f.state {
        add("l.state = $", v.as_str().into());
    }
    if let Some(v) = &f.team_id {
        add("(l.team_id = $ OR l.via_team_id = $)", v.clone());
    }
    if let Some(v) = &f.user_id {
        add("l.user_id = $", v.clone());
    }
    if let Some(v) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let like = format!("%{}%", v.replace(['%', '_'], ""));
        add(
            "(l.target_name LIKE $ OR COALESCE(l.team_name, '') LIKE $ OR i.name LIKE $ OR i.external_id LIKE $
              OR COALESCE(l.team_id, '') LIKE $ OR COALESCE(l.chat_id, '') LIKE $ OR COALESCE(l.user_id, '') LIKE $)",
            like,
        );
    }
    if !f.include_unlinked && f.state != Some(LinkState::Unlinked) {
        sql.push_str(" AND l.state != 'unlinked'");
    }
    sql.push_str(" ORDER BY i.vendor, i.name COLLATE NOCASE, l.kind, l.target_name COLLATE NOCASE");
    let mut stmt = store.connection().prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), link_of)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(store: &Store, id: &str) -> Result<Link, LinksError> {
    store
        .connection()
        .query_row(
            &format!(
                "SELECT {LINK_COLUMNS}, {INTEGRATION_COLUMNS} FROM link_link l
                 JOIN link_integration i ON i.id = l.integration_id WHERE l.id = ?1"
            ),
            [id.trim()],
            link_of,
        )
        .optional()?
        .ok_or_else(|| LinksError::NotFound(format!("no link {id}")))
}

/// What a new (or renewed) link records about its target.
#[derive(Debug, Clone, Default)]
pub struct TargetFacts {
    pub kind: Option<LinkTargetKind>,
    pub key: String,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub chat_id: Option<String>,
    pub user_id: Option<String>,
    pub target_name: String,
    pub via_team_id: Option<String>,
}

/// Creates the link, or renews an earlier one to the same target (e.g. unlinked before).
#[allow(clippy::too_many_arguments)]
pub fn upsert(
    store: &Store,
    actor: &Actor,
    integration: &Integration,
    facts: &TargetFacts,
    state: LinkState,
    finding: Option<&LinkFinding>,
    command: Option<&str>,
    evidence: Option<&LinkEvidence>,
) -> Result<Link, LinksError> {
    let kind = facts
        .kind
        .ok_or_else(|| LinksError::Invalid("a link needs a target kind".into()))?;
    let now = now_text();
    let conn = store.connection();
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM link_link WHERE integration_id = ?1 AND target_key = ?2",
            params![integration.id, facts.key],
            |r| r.get(0),
        )
        .optional()?;
    let id = existing
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let command_at = command.map(|_| now.clone());
    conn.execute(
        "INSERT INTO link_link (id, integration_id, kind, target_key, team_id, team_name, channel_id, channel_name,
            chat_id, user_id, target_name, via_team_id, state, reason, reason_detail, evidence_kind, evidence_at,
            evidence_by, evidence_detail, command, command_at, created_at, created_by, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?22, ?23)
         ON CONFLICT(id) DO UPDATE SET team_name = excluded.team_name, channel_id = excluded.channel_id,
            channel_name = excluded.channel_name, target_name = excluded.target_name,
            via_team_id = COALESCE(excluded.via_team_id, via_team_id), state = excluded.state,
            reason = excluded.reason, reason_detail = excluded.reason_detail,
            evidence_kind = excluded.evidence_kind, evidence_at = excluded.evidence_at,
            evidence_by = excluded.evidence_by, evidence_detail = excluded.evidence_detail,
            command = excluded.command, command_at = excluded.command_at,
            updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![
            id, integration.id, kind.as_str(), facts.key, facts.team_id, facts.team_name, facts.channel_id,
            facts.channel_name, facts.chat_id, facts.user_id, facts.target_name, facts.via_team_id,
            state.as_str(), finding.map(|f| f.problem.as_str()), finding.map(|f| f.message.clone()),
            evidence.map(|e| e.kind.as_str()), evidence.map(|e| e.at.clone()), evidence.and_then(|e| e.by.clone()),
            evidence.and_then(|e| e.detail.clone()), command, command_at, now, actor.upn
        ],
    )?;
    audit(
        store,
        actor,
        if existing.is_some() {
            "link.renew"
        } else {
            "link.add"
        },
        kind.as_str(),
        &id,
        Some(&facts.target_name),
        Outcome::Succeeded,
        Some(format!(
            "{} → {} ({})",
            integration.name,
            state.as_str(),
            integration.vendor
        )),
    )?;
    get(store, &id)
}

/// Moves a link to `state`, recording why and how it was proved; audited.
pub fn set_state(
    store: &Store,
    actor: &Actor,
    id: &str,
    state: LinkState,
    finding: Option<&LinkFinding>,
    evidence: Option<&LinkEvidence>,
    action: &str,
) -> Result<Link, LinksError> {
    let before = get(store, id)?;
    let now = now_text();
    let keep_evidence = evidence.is_none() && state != LinkState::Unlinked;
    store.connection().execute(
        "UPDATE link_link SET state = ?2, reason = ?3, reason_detail = ?4,
            evidence_kind = CASE WHEN ?9 THEN evidence_kind ELSE ?5 END,
            evidence_at = CASE WHEN ?9 THEN evidence_at ELSE ?6 END,
            evidence_by = CASE WHEN ?9 THEN evidence_by ELSE ?7 END,
            evidence_detail = CASE WHEN ?9 THEN evidence_detail ELSE ?8 END,
            updated_at = ?10, updated_by = ?11
         WHERE id = ?1",
        params![
            before.id,
            state.as_str(),
            finding.map(|f| f.problem.as_str()),
            finding.map(|f| f.message.clone()),
            evidence.map(|e| e.kind.as_str()),
            evidence.map(|e| e.at.clone()),
            evidence.and_then(|e| e.by.clone()),
            evidence.and_then(|e| e.detail.clone()),
            keep_evidence,
            now,
            actor.upn
        ],
    )?;
    if before.state != state || finding.is_some() || evidence.is_some() {
        let detail = match (finding, evidence) {
            (Some(f), _) => format!(
                "{} → {}: {}",
                before.state.as_str(),
                state.as_str(),
                f.message
            ),
            (None, Some(e)) => format!(
                "{} → {} ({})",
                before.state.as_str(),
                state.as_str(),
                e.kind.as_str()
            ),
            (None, None) => format!("{} → {}", before.state.as_str(), state.as_str()),
        };
        audit(
            store,
            actor,
            action,
            before.kind.as_str(),
            &before.id,
            Some(&before.target_name),
            Outcome::Succeeded,
            Some(detail),
        )?;
    }
    get(store, &before.id)
}

/// Fills what a check learnt and the link did not know yet (an imported team link's General
/// channel, names). A known General channel is never replaced: a different one is a finding.
pub(crate) fn learn_facts(store: &Store, id: &str, facts: &TargetFacts) -> Result<(), LinksError> {
    store.connection().execute(
        "UPDATE link_link SET channel_id = COALESCE(channel_id, ?2),
            team_name = COALESCE(?3, team_name), channel_name = COALESCE(channel_name, ?4),
            target_name = CASE WHEN ?5 = '' THEN target_name ELSE ?5 END
         WHERE id = ?1",
        params![
            id,
            facts.channel_id,
            facts.team_name,
            facts.channel_name,
            facts.target_name
        ],
    )?;
    Ok(())
}

pub(crate) fn mark_checked(store: &Store, id: &str) -> Result<(), LinksError> {
    store.connection().execute(
        "UPDATE link_link SET checked_at = ?2 WHERE id = ?1",
        params![id, now_text()],
    )?;
    Ok(())
}

/// The admin confirms a link (users' personal chats and chats BotDeck cannot read).
pub fn confirm(
    store: &Store,
    actor: &Actor,
    id: &str,
    note: Option<&str>,
) -> Result<Link, LinksError> {
    let link = get(store, id)?;
    if link.state == LinkState::Unlinked {
        return Err(LinksError::Invalid(format!(
            "{} was unlinked: link it again before confirming",
            link.target_name
        )));
    }
    let evidence = LinkEvidence {
        kind: LinkEvidenceKind::Confirmed,
        at: now_text(),
        by: Some(actor.upn.clone()),
        detail: note
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
    };
    set_state(
        store,
        actor,
        id,
        LinkState::Linked,
        None,
        Some(&evidence),
        "link.confirm",
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn audit(
    store: &Store,
    actor: &Actor,
    action: &str,
    target_kind: &str,
    target_id: &str,
    target_name: Option<&str>,
    outcome: Outcome,
    detail: Option<String>,
) -> Result<(), LinksError> {
    crate::audit::record(
        store,
        &AuditEntry {
            profile_id: actor.profile_id.clone(),
            tenant_id: actor.tenant_id.clone(),
            actor: actor.upn.clone(),
            action: action.to_string(),
            target_kind: target_kind.to_string(),
            target_id: target_id.to_string(),
            target_name: target_name.map(str::to_string),
            outcome,
            detail,
            request_id: None,
        },
    )?;
    Ok(())
}

/// Counts per state, for the health picture.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkCounts {
    #[ts(type = "number")]
    pub planned: u64,
    #[ts(type = "number")]
    pub awaiting: u64,
    #[ts(type = "number")]
    pub linked: u64,
    #[ts(type = "number")]
    pub broken: u64,
    #[ts(type = "number")]
    pub unlinked: u64,
}

pub fn counts(store: &Store, profile_id: Option<&str>) -> Result<LinkCounts, LinksError> {
    let mut c = LinkCounts::default();
    let mut stmt = store.connection().prepare(
        "SELECT l.state, COUNT(*) FROM link_link l JOIN link_integration i ON i.id = l.integration_id
         WHERE i.profile_id = ?1 GROUP BY l.state",
    )?;
    let rows = stmt.query_map([profile_id.unwrap_or("")], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (state, n) = row?;
        let n = n.max(0) as u64;
        match LinkState::parse(&state) {
            Some(LinkState::Planned) => c.planned = n,
            Some(LinkState::Awaiting) => c.awaiting = n,
            Some(LinkState::Linked) => c.linked = n,
            Some(LinkState::Broken) => c.broken = n,
            Some(LinkState::Unlinked) => c.unlinked = n,
            None => {}
        }
    }
    Ok(c)
}

/// What unlinking means for one link: the vendor's own command, or the plain statement that
/// the vendor has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkUnlinkAdvice {
    pub link_id: String,
    pub target_name: String,
    /// The vendor's unlink command with placeholders filled, to type in Teams.
    pub vendor_command: Option<String>,
    /// Said when the vendor has no unlink command.
    pub note: Option<String>,
}

pub fn unlink_advice(profile: &VendorProfile, link: &Link) -> LinkUnlinkAdvice {
    let command = profile.unlink_command(link.kind).map(|c| {
        vendor::fill(
            c,
            &[
                ("bot", &profile.bot_name),
                ("id", &link.integration.external_id),
                ("name", &link.integration.name),
                ("account", &link.integration.account),
                ("chatName", &link.target_name),
                ("teamName", link.team_name.as_deref().unwrap_or("")),
                ("channelName", link.channel_name.as_deref().unwrap_or("")),
                ("userName", &link.target_name),
            ],
        )
    });
    LinkUnlinkAdvice {
        link_id: link.id.clone(),
        target_name: link.target_name.clone(),
        note: command.is_none().then(|| {
            if profile.unlink_note.is_empty() {
                format!(
                    "{} has no command to unlink a {}: removing the bot from it is the only way to cut it off.",
                    profile.name,
                    link.kind.as_str()
                )
            } else {
                profile.unlink_note.clone()
            }
        }),
        vendor_command: command,
    }
}

/// Unlinks links in BotDeck (audited each); answers the vendor advice per link.
pub fn unlink(
    store: &Store,
    actor: &Actor,
    ids: &[String],
) -> Result<Vec<LinkUnlinkAdvice>, LinksError> {
    if ids.is_empty() {
        return Err(LinksError::Invalid(
            "choose at least one link to unlink".into(),
        ));
    }
    let mut out = Vec::new();
    for id in ids {
        let link = get(store, id)?;
        let profile = vendor_profile(store, &link.integration.vendor)?;
        set_state(
            store,
            actor,
            &link.id,
            LinkState::Unlinked,
            None,
            None,
            "link.unlink",
        )?;
        out.push(unlink_advice(&profile, &link));
    }
    Ok(out)
}

/// A team's disconnect: every channel and user link of the team (PagerDuty-style).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkDisconnectOutcome {
    pub team_id: String,
    pub unlinked: Vec<LinkUnlinkAdvice>,
    /// The vendor's disconnect command for the team, if it has one.
    pub vendor_command: Option<String>,
    pub note: Option<String>,
}

pub fn disconnect_team(
    store: &Store,
    actor: &Actor,
    profile_id: Option<&str>,
    team_id: &str,
    integration_id: Option<&str>,
) -> Result<LinkDisconnectOutcome, LinksError> {
    let team_id = team_id.trim();
    if team_id.is_empty() {
        return Err(LinksError::Invalid("say which team to disconnect".into()));
    }
    let links = list(
        store,
        profile_id,
        &LinkFilter {
            team_id: Some(team_id.to_string()),
            integration_id: integration_id.map(str::to_string),
            ..Default::default()
        },
    )?;
    if links.is_empty() {
        return Err(LinksError::NotFound(format!("no links in team {team_id}")));
    }
    let profile = vendor_profile(store, &links[0].integration.vendor)?;
    let ids: Vec<String> = links.iter().map(|l| l.id.clone()).collect();
    let unlinked = unlink(store, actor, &ids)?;
    audit(
        store,
        actor,
        "link.disconnect_team",
        "team",
        team_id,
        links[0].team_name.as_deref(),
        Outcome::Succeeded,
        Some(format!("{} link(s) unlinked", unlinked.len())),
    )?;
    let vendor_command = profile.unlink_command(LinkTargetKind::Team).map(|c| {
        vendor::fill(
            c,
            &[
                ("bot", &profile.bot_name),
                ("teamName", links[0].team_name.as_deref().unwrap_or("")),
            ],
        )
    });
    Ok(LinkDisconnectOutcome {
        team_id: team_id.to_string(),
        note: vendor_command.is_none().then(|| {
            if profile.unlink_note.is_empty() {
                format!("{} has no disconnect command.", profile.name)
            } else {
                profile.unlink_note.clone()
            }
        }),
        vendor_command,
        unlinked,
    })
}

/// A link the demo tenant starts with (the desktop's demo mode fills it from tenant-sim).
#[derive(Debug, Clone, Default)]
pub struct SeedLink {
    pub vendor: String,
    pub app_id: Option<CatalogAppId>,
    pub integration_id: String,
    pub integration_name: String,
    pub kind: String,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub chat_id: Option<String>,
    pub user_id: Option<String>,
    pub target_name: String,
    /// linked, awaiting or broken.
    pub state: String,
    /// When the command was typed (milliseconds since 1970; 0 = unknown).
    pub command_at_ms: i64,
}

/// Seeds the demo's links once per profile (a demo restarted keeps what the admin did).
pub fn seed_demo(store: &Store, actor: &Actor, seeds: &[SeedLink]) -> Result<usize, LinksError> {
    if !integrations(store, actor.profile_id.as_deref())?.is_empty() {
        return Ok(0);
    }
    let mut n = 0;
    for s in seeds {
        let command_at = chrono::DateTime::from_timestamp_millis(s.command_at_ms)
            .filter(|_| s.command_at_ms > 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        let Some(kind) = LinkTargetKind::parse(&s.kind) else {
            continue;
        };
        let profile = vendor_profile(store, &s.vendor)?;
        let integration = ensure_integration(
            store,
            actor,
            &NewIntegration {
                vendor: &s.vendor,
                account: "contoso",
                external_id: &s.integration_id,
                name: &s.integration_name,
                app_id: s.app_id.as_ref(),
            },
        )?;
        let input = LinkTargetInput {
            kind: Some(kind),
            team_id: s.team_id.clone(),
            channel_id: s.channel_id.clone(),
            chat_id: s.chat_id.clone(),
            user_id: s.user_id.clone(),
            name: Some(s.target_name.clone()),
        };
        let Ok((_, key)) = input.validated() else {
            continue;
        };
        let facts = TargetFacts {
            kind: Some(kind),
            key,
            team_id: s.team_id.clone(),
            team_name: (kind == LinkTargetKind::Team).then(|| s.target_name.clone()),
            channel_id: s.channel_id.clone(),
            chat_id: s.chat_id.clone(),
            user_id: s.user_id.clone(),
            target_name: s.target_name.clone(),
            ..Default::default()
        };
        let command = check::command_for(&profile, &integration, &facts);
        let (state, finding, evidence) = match s.state.as_str() {
            "linked" => (
                LinkState::Linked,
                None,
                Some(LinkEvidence {
                    kind: LinkEvidenceKind::ReplySeen,
                    at: command_at.clone().unwrap_or_else(now_text),
                    by: Some(profile.bot_name.clone()),
                    detail: Some("Associated successfully".into()),
                }),
            ),
            "broken" => (
                LinkState::Broken,
                Some(check::finding(
                    LinkProblem::BotNotInstalled,
                    format!("{} was removed from {}", profile.bot_name, s.target_name),
                )),
                None,
            ),
            _ => (LinkState::Awaiting, None, None),
        };
        let link = upsert(
            store,
            actor,
            &integration,
            &facts,
            state,
            finding.as_ref(),
            command.as_deref(),
            evidence.as_ref(),
        )?;
        if let Some(at) = &command_at {
            store.connection().execute(
                "UPDATE link_link SET command_at = ?2 WHERE id = ?1",
                params![link.id, at],
            )?;
        }
        n += 1;
    }
    Ok(n)
}

pub fn ts_bindings() -> Vec<crate::bindings::Binding> {
    ipc::ts_bindings()
}
