//! "New bot app": a minimal, valid package for an alerting bot in the FlashDuty mould.

use std::collections::BTreeMap;

use super::archive::Package;
use super::error::PackageError;
use super::icons;
use super::model::{Bot, Command, CommandList, Description, Developer, Icons, Manifest, Name};
use super::schema::SchemaVersion;
use crate::ids::{EntraAppId, ManifestId};

pub const COLOR_ICON: &str = "color.png";
pub const OUTLINE_ICON: &str = "outline.png";
pub const DEFAULT_ACCENT: &str = "#4464EE";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBotAppOptions {
    /// Display name; becomes name.short (≤ 30 characters) and the start of name.full.
    pub name: String,
    /// Microsoft App ID of the Azure Bot. `None` writes the all-zero GUID, which validates but
    /// must be replaced before the bot can receive messages.
    pub bot_id: Option<EntraAppId>,
    /// Manifest `id`. `None` generates a random GUID.
    pub manifest_id: Option<ManifestId>,
    pub developer_name: String,
    pub website_url: String,
    pub manifest_version: SchemaVersion,
}

impl Default for NewBotAppOptions {
    fn default() -> Self {
        NewBotAppOptions {
            name: "Alert Bot".into(),
            bot_id: None,
            manifest_id: None,
            developer_name: "Contoso".into(),
            website_url: "https://www.example.com".into(),
            manifest_version: SchemaVersion::LATEST,
        }
    }
}

pub const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

fn command(title: &str, description: &str) -> Command {
    Command {
        title: title.into(),
        description: description.into(),
        extra: Default::default(),
    }
}

fn list(scope: &str, commands: Vec<Command>) -> CommandList {
    CommandList {
        scopes: vec![scope.into()],
        commands,
        extra: Default::default(),
    }
}

/// A reverse-domain `packageName` (required up to manifest 1.4) from the website's host and
/// the app name: `https://www.example.com` + "Alert Bot" → `com.example.alertbot`.
fn package_name_for(site: &str, name: &str) -> String {
    let host = site
        .split("://")
        .nth(1)
        .unwrap_or(site)
        .split(['/', ':', '?', '#'])
        .next()
        .unwrap_or("");
    let mut parts: Vec<String> = host
        .split('.')
        .filter(|p| !p.is_empty() && *p != "www")
        .rev()
        .map(|p| {
            p.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|p| !p.is_empty())
        .collect();
    let app: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    parts.push(if app.is_empty() { "app".into() } else { app });
    if parts.len() < 2 {
        parts.insert(0, "com".into());
    }
    parts.join(".").to_ascii_lowercase()
}

/// Builds the template. Titles are the bare command word because Teams inserts the title
/// verbatim into the compose box; the arguments are described in the description.
pub fn new_bot_app(opts: &NewBotAppOptions) -> Result<Package, PackageError> {
    let name = opts.name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        return Err(PackageError::Usage(format!(
            "the app name must be 1 to 30 characters (got {})",
            name.chars().count()
        )));
    }
    let developer: String = opts.developer_name.chars().take(32).collect();
    let manifest_id = opts
        .manifest_id
        .as_ref()
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), ManifestId::to_string);
    let bot_id = opts
        .bot_id
        .as_ref()
        .map_or_else(|| NIL_GUID.to_string(), EntraAppId::to_string);
    let site = opts.website_url.trim_end_matches('/').to_string();
    let v = opts.manifest_version;
    // Older manifest versions lack some fields and scopes; the template writes only what the
    // chosen version's schema allows, so any version picked in the studio starts valid.
    let flag = |supported: bool| supported.then_some(false);
    let group_chat = v.bot_scopes().contains(&"groupChat");
    let mut scopes: Vec<String> = vec!["team".into()];
    if group_chat {
        scopes.push("groupChat".into());
    }
    scopes.push("personal".into());
    let mut lists = vec![list(
        "team",
        vec![command(
            "linkTeam",
            "linkTeam {ID} — link this team's General channel to integration {ID}",
        )],
    )];
    if v.command_list_scopes().contains(&"groupChat") {
        lists.push(list(
            "groupChat",
            vec![command(
                "linkChat",
                "linkChat {ID} {ChatName} — link this group chat to integration {ID}",
            )],
        ));
    }
    lists.push(list(
        "personal",
        vec![command(
            "linkUser",
            "linkUser — link your Teams account to your account on the service",
        )],
    ));
    let package_name = v
        .requires_package_name()
        .then(|| package_name_for(&site, name));

    let manifest = Manifest {
        schema: v.allows_schema_property().then(|| v.schema_url()),
        package_name,
        manifest_version: v.as_str().into(),
        version: "1.0.0".into(),
        id: manifest_id,
        developer: Developer {
            name: developer,
            website_url: Some(site.clone()),
            privacy_url: Some(format!("{site}/privacy")),
            terms_of_use_url: Some(format!("{site}/terms")),
            extra: Default::default(),
        },
        name: Name {
            short: name.into(),
            full: Some(
                format!("{name} for Microsoft Teams")
                    .chars()
                    .take(100)
                    .collect(),
            ),
            extra: Default::default(),
        },
        description: Description {
            short: "Alert notifications and on-call actions in Teams.".into(),
            full: format!(
                "{name} posts alerts to the channels, group chats and personal chats linked to \
                 your integrations. Link a team's General channel with linkTeam, a group chat \
                 with linkChat and your own account with linkUser."
            ),
            extra: Default::default(),
        },
        icons: Icons {
            color: COLOR_ICON.into(),
            outline: OUTLINE_ICON.into(),
            extra: Default::default(),
        },
        accent_color: DEFAULT_ACCENT.into(),
        bots: Some(vec![Bot {
            bot_id,
            scopes,
            is_notification_only: Some(false),
            supports_files: flag(v.supports_bot_files()),
            supports_calling: flag(v.supports_bot_calling()),
            supports_video: flag(v.supports_bot_calling()),
            command_lists: Some(lists),
            extra: Default::default(),
        }]),
        ..Manifest::default()
    };
    let mut files = BTreeMap::new();
    files.insert(
        COLOR_ICON.to_string(),
        icons::placeholder_color_icon([0x44, 0x64, 0xEE])?,
    );
    files.insert(OUTLINE_ICON.to_string(), icons::placeholder_outline_icon()?);
    Ok(Package { manifest, files })
}
