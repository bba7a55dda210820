//! "New bot app": a minimal, valid package for an alerting bot in the FlashDuty mould.

use std::collections::BTreeMap;

use super::archive::Package;
use super::error::PackageError;
use super::icons;
use super::model::{Bot, Command, CommandList, Description, Developer, Icons, Manifest, Name};
use super::schema::SchemaVersion;

pub const COLOR_ICON: &str = "color.png";
pub const OUTLINE_ICON: &str = "outline.png";
pub const DEFAULT_ACCENT: &str = "#4464EE";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBotAppOptions {
    /// Display name; becomes name.short (≤ 30 characters) and the start of name.full.
    pub name: String,
    /// Microsoft App ID of the Azure Bot. `None` writes the all-zero GUID, which validates but
    /// must be replaced before the bot can receive messages.
    pub bot_id: Option<String>,
    /// Manifest `id`. `None` generates a random GUID.
    pub app_id: Option<String>,
    pub developer_name: String,
    pub website_url: String,
    pub manifest_version: SchemaVersion,
}

impl Default for NewBotAppOptions {
    fn default() -> Self {
        NewBotAppOptions {
            name: "Alert Bot".into(),
            bot_id: None,
            app_id: None,
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
    let app_id = opts
        .app_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let bot_id = opts.bot_id.clone().unwrap_or_else(|| NIL_GUID.to_string());
    let site = opts.website_url.trim_end_matches('/').to_string();
    let v = opts.manifest_version;

    let manifest = Manifest {
        schema: Some(v.schema_url()),
        manifest_version: v.as_str().into(),
        version: "1.0.0".into(),
        id: app_id,
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
            scopes: vec!["team".into(), "groupChat".into(), "personal".into()],
            is_notification_only: Some(false),
            supports_files: Some(false),
            supports_calling: Some(false),
            supports_video: Some(false),
            command_lists: Some(vec![
                list(
                    "team",
                    vec![command(
                        "linkTeam",
                        "linkTeam {ID} — link this team's General channel to integration {ID}",
                    )],
                ),
                list(
                    "groupChat",
                    vec![command(
                        "linkChat",
                        "linkChat {ID} {ChatName} — link this group chat to integration {ID}",
                    )],
                ),
                list(
                    "personal",
                    vec![command(
                        "linkUser",
                        "linkUser — link your Teams account to your account on the service",
                    )],
                ),
            ]),
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
