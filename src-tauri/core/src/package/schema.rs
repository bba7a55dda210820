//! Microsoft's manifest schemas, vendored under `core/schemas/teams-manifest/` and embedded in
//! the binary: validation must work offline and must not depend on the network being honest.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A manifest schema version BotDeck ships a schema for: every version Teams accepts. Ordered
/// oldest to newest; `DevPreview` sorts last because it is a superset of the newest release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub enum SchemaVersion {
    #[serde(rename = "1.0")]
    V1_0,
    #[serde(rename = "1.1")]
    V1_1,
    #[serde(rename = "1.2")]
    V1_2,
    #[serde(rename = "1.3")]
    V1_3,
    #[serde(rename = "1.4")]
    V1_4,
    #[serde(rename = "1.5")]
    V1_5,
    #[serde(rename = "1.6")]
    V1_6,
    #[serde(rename = "1.7")]
    V1_7,
    #[serde(rename = "1.8")]
    V1_8,
    #[serde(rename = "1.9")]
    V1_9,
    #[serde(rename = "1.10")]
    V1_10,
    #[serde(rename = "1.11")]
    V1_11,
    #[serde(rename = "1.12")]
    V1_12,
    #[serde(rename = "1.13")]
    V1_13,
    #[serde(rename = "1.14")]
    V1_14,
    #[serde(rename = "1.15")]
    V1_15,
    #[serde(rename = "1.16")]
    V1_16,
    #[serde(rename = "1.17")]
    V1_17,
    #[serde(rename = "1.19")]
    V1_19,
    #[serde(rename = "1.20")]
    V1_20,
    #[serde(rename = "1.21")]
    V1_21,
    #[serde(rename = "1.22")]
    V1_22,
    #[serde(rename = "1.23")]
    V1_23,
    #[serde(rename = "1.24")]
    V1_24,
    #[serde(rename = "1.25")]
    V1_25,
    #[serde(rename = "1.26")]
    V1_26,
    #[serde(rename = "1.27")]
    V1_27,
    #[serde(rename = "1.28")]
    V1_28,
    #[serde(rename = "1.29")]
    V1_29,
    #[serde(rename = "1.30")]
    V1_30,
    #[serde(rename = "devPreview")]
    DevPreview,
}

macro_rules! manifest_schema {
    ($dir:literal) => {
        include_str!(concat!(
            "../../schemas/teams-manifest/",
            $dir,
            "/MicrosoftTeams.schema.json"
        ))
    };
}

macro_rules! localization_schema {
    ($dir:literal) => {
        Some(include_str!(concat!(
            "../../schemas/teams-manifest/",
            $dir,
            "/MicrosoftTeams.Localization.schema.json"
        )))
    };
}

const COUNT: usize = 31;

impl SchemaVersion {
    pub const ALL: [SchemaVersion; COUNT] = [
        SchemaVersion::V1_0,
        SchemaVersion::V1_1,
        SchemaVersion::V1_2,
        SchemaVersion::V1_3,
        SchemaVersion::V1_4,
        SchemaVersion::V1_5,
        SchemaVersion::V1_6,
        SchemaVersion::V1_7,
        SchemaVersion::V1_8,
        SchemaVersion::V1_9,
        SchemaVersion::V1_10,
        SchemaVersion::V1_11,
        SchemaVersion::V1_12,
        SchemaVersion::V1_13,
        SchemaVersion::V1_14,
        SchemaVersion::V1_15,
        SchemaVersion::V1_16,
        SchemaVersion::V1_17,
        SchemaVersion::V1_19,
        SchemaVersion::V1_20,
        SchemaVersion::V1_21,
        SchemaVersion::V1_22,
        SchemaVersion::V1_23,
        SchemaVersion::V1_24,
        SchemaVersion::V1_25,
        SchemaVersion::V1_26,
        SchemaVersion::V1_27,
        SchemaVersion::V1_28,
        SchemaVersion::V1_29,
        SchemaVersion::V1_30,
        SchemaVersion::DevPreview,
    ];

    /// The newest released (non-preview) version; what `new` generates.
    pub const LATEST: SchemaVersion = SchemaVersion::V1_30;

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaVersion::V1_0 => "1.0",
            SchemaVersion::V1_1 => "1.1",
            SchemaVersion::V1_2 => "1.2",
            SchemaVersion::V1_3 => "1.3",
            SchemaVersion::V1_4 => "1.4",
            SchemaVersion::V1_5 => "1.5",
            SchemaVersion::V1_6 => "1.6",
            SchemaVersion::V1_7 => "1.7",
            SchemaVersion::V1_8 => "1.8",
            SchemaVersion::V1_9 => "1.9",
            SchemaVersion::V1_10 => "1.10",
            SchemaVersion::V1_11 => "1.11",
            SchemaVersion::V1_12 => "1.12",
            SchemaVersion::V1_13 => "1.13",
            SchemaVersion::V1_14 => "1.14",
            SchemaVersion::V1_15 => "1.15",
            SchemaVersion::V1_16 => "1.16",
            SchemaVersion::V1_17 => "1.17",
            SchemaVersion::V1_19 => "1.19",
            SchemaVersion::V1_20 => "1.20",
            SchemaVersion::V1_21 => "1.21",
            SchemaVersion::V1_22 => "1.22",
            SchemaVersion::V1_23 => "1.23",
            SchemaVersion::V1_24 => "1.24",
            SchemaVersion::V1_25 => "1.25",
            SchemaVersion::V1_26 => "1.26",
            SchemaVersion::V1_27 => "1.27",
            SchemaVersion::V1_28 => "1.28",
            SchemaVersion::V1_29 => "1.29",
            SchemaVersion::V1_30 => "1.30",
            SchemaVersion::DevPreview => "devPreview",
        }
    }

    pub fn parse(s: &str) -> Option<SchemaVersion> {
        SchemaVersion::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    pub fn is_preview(self) -> bool {
        self == SchemaVersion::DevPreview
    }

    /// The `$schema` URL Microsoft publishes for this version.
    pub fn schema_url(self) -> String {
        let seg = match self {
            SchemaVersion::DevPreview => "vDevPreview".to_string(),
            v => format!("v{}", v.as_str()),
        };
        format!(
            "https://developer.microsoft.com/json-schemas/teams/{seg}/MicrosoftTeams.schema.json"
        )
    }

    fn index(self) -> usize {
        SchemaVersion::ALL
            .iter()
            .position(|v| *v == self)
            .unwrap_or(0)
    }

    fn sources(self) -> (&'static str, Option<&'static str>) {
        match self {
            SchemaVersion::V1_0 => (manifest_schema!("1.0"), None),
            SchemaVersion::V1_1 => (manifest_schema!("1.1"), None),
            SchemaVersion::V1_2 => (manifest_schema!("1.2"), None),
            SchemaVersion::V1_3 => (manifest_schema!("1.3"), None),
            SchemaVersion::V1_4 => (manifest_schema!("1.4"), None),
            SchemaVersion::V1_5 => (manifest_schema!("1.5"), localization_schema!("1.5")),
            SchemaVersion::V1_6 => (manifest_schema!("1.6"), localization_schema!("1.6")),
            SchemaVersion::V1_7 => (manifest_schema!("1.7"), localization_schema!("1.7")),
            SchemaVersion::V1_8 => (manifest_schema!("1.8"), localization_schema!("1.8")),
            SchemaVersion::V1_9 => (manifest_schema!("1.9"), localization_schema!("1.9")),
            SchemaVersion::V1_10 => (manifest_schema!("1.10"), localization_schema!("1.10")),
            SchemaVersion::V1_11 => (manifest_schema!("1.11"), localization_schema!("1.11")),
            SchemaVersion::V1_12 => (manifest_schema!("1.12"), localization_schema!("1.12")),
            SchemaVersion::V1_13 => (manifest_schema!("1.13"), localization_schema!("1.13")),
            SchemaVersion::V1_14 => (manifest_schema!("1.14"), localization_schema!("1.14")),
            SchemaVersion::V1_15 => (manifest_schema!("1.15"), localization_schema!("1.15")),
            SchemaVersion::V1_16 => (manifest_schema!("1.16"), localization_schema!("1.16")),
            SchemaVersion::V1_17 => (manifest_schema!("1.17"), localization_schema!("1.17")),
            SchemaVersion::V1_19 => (manifest_schema!("1.19"), localization_schema!("1.19")),
            SchemaVersion::V1_20 => (manifest_schema!("1.20"), localization_schema!("1.20")),
            SchemaVersion::V1_21 => (manifest_schema!("1.21"), localization_schema!("1.21")),
            SchemaVersion::V1_22 => (manifest_schema!("1.22"), localization_schema!("1.22")),
            SchemaVersion::V1_23 => (manifest_schema!("1.23"), localization_schema!("1.23")),
            SchemaVersion::V1_24 => (manifest_schema!("1.24"), localization_schema!("1.24")),
            SchemaVersion::V1_25 => (manifest_schema!("1.25"), localization_schema!("1.25")),
            SchemaVersion::V1_26 => (manifest_schema!("1.26"), localization_schema!("1.26")),
            SchemaVersion::V1_27 => (manifest_schema!("1.27"), localization_schema!("1.27")),
            SchemaVersion::V1_28 => (manifest_schema!("1.28"), localization_schema!("1.28")),
            SchemaVersion::V1_29 => (manifest_schema!("1.29"), localization_schema!("1.29")),
            SchemaVersion::V1_30 => (manifest_schema!("1.30"), localization_schema!("1.30")),
            SchemaVersion::DevPreview => (
                manifest_schema!("devPreview"),
                localization_schema!("devPreview"),
            ),
        }
    }

    /// Raw text of the vendored manifest schema.
    pub fn manifest_schema_text(self) -> &'static str {
        self.sources().0
    }

    /// Raw text of the vendored localization schema; `None` before 1.5, which had no
    /// localization support.
    pub fn localization_schema_text(self) -> Option<&'static str> {
        self.sources().1
    }

    // Limits below are read off the vendored schemas (commands.maxItems, title/description
    // maxLength, scopes enum); `schema_facts_match_vendored_schemas` keeps them honest.

    pub fn max_commands_per_list(self) -> usize {
        if self >= SchemaVersion::V1_24 {
            12
        } else {
            10
        }
    }

    pub fn max_command_title(self) -> usize {
        if self >= SchemaVersion::V1_21 {
            128
        } else {
            32
        }
    }

    pub fn max_command_description(self) -> usize {
        if self >= SchemaVersion::V1_21 {
            4000
        } else {
            128
        }
    }

    /// Scopes a bot may declare. `groupChat` arrived in 1.3 together with a lowercase
    /// `groupchat` spelling, which the schemas accept up to 1.16 and devPreview never did.
    pub fn bot_scopes(self) -> &'static [&'static str] {
        match self {
            v if v <= SchemaVersion::V1_2 => &["team", "personal"],
            v if v <= SchemaVersion::V1_16 => &["team", "personal", "groupChat", "groupchat"],
            v if v >= SchemaVersion::V1_21 => &["team", "personal", "groupChat", "copilot"],
            _ => &["team", "personal", "groupChat"],
        }
    }

    /// Scopes a command list may declare: command lists lagged one version behind the bot
    /// (group chat commands only from 1.4).
    pub fn command_list_scopes(self) -> &'static [&'static str] {
        if self <= SchemaVersion::V1_3 {
            &["team", "personal"]
        } else {
            self.bot_scopes()
        }
    }

    pub fn allows_package_name(self) -> bool {
        self <= SchemaVersion::V1_16 || self == SchemaVersion::DevPreview
    }

    /// Up to 1.4 the schema requires `packageName`.
    pub fn requires_package_name(self) -> bool {
        self <= SchemaVersion::V1_4
    }

    /// 1.0 has no `$schema` property (and forbids unknown ones).
    pub fn allows_schema_property(self) -> bool {
        self != SchemaVersion::V1_0
    }

    /// Localization files (and `localizationInfo`) exist from 1.5.
    pub fn supports_localization(self) -> bool {
        self >= SchemaVersion::V1_5
    }

    /// `webApplicationInfo` exists from 1.4.
    pub fn supports_web_application_info(self) -> bool {
        self >= SchemaVersion::V1_4
    }

    /// Resource-specific consent (`authorization.permissions.resourceSpecific`) from 1.12.
    pub fn supports_rsc(self) -> bool {
        self >= SchemaVersion::V1_12
    }

    /// `bots[].supportsFiles` from 1.3; `supportsCalling` and `supportsVideo` from 1.8.
    pub fn supports_bot_files(self) -> bool {
        self >= SchemaVersion::V1_3
    }

    pub fn supports_bot_calling(self) -> bool {
        self >= SchemaVersion::V1_8
    }
}

impl std::fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an embedded schema could not be compiled: a packaging bug, reported as a finding
/// rather than a panic.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EmbeddedSchemaError {
    #[error("embedded schema is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("embedded schema does not compile: {0}")]
    DoesNotCompile(String),
}

/// A compiled validator, or why it could not be compiled.
pub(crate) type Compiled = Result<jsonschema::Validator, EmbeddedSchemaError>;

struct Slots {
    manifest: [OnceLock<Compiled>; COUNT],
    localization: [OnceLock<Compiled>; COUNT],
}

static SLOTS: Slots = Slots {
    manifest: [const { OnceLock::new() }; COUNT],
    localization: [const { OnceLock::new() }; COUNT],
};

fn compile(text: &str) -> Compiled {
    // The vendored files may carry a BOM (upstream has shipped some with one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let schema: serde_json::Value = serde_json::from_str(text)?;
    // jsonschema's error borrows the schema value; only its text outlives this call.
    jsonschema::draft4::options()
        .build(&schema)
        .map_err(|e| EmbeddedSchemaError::DoesNotCompile(e.to_string()))
}

/// Compiles each manifest schema once per process, on first use.
pub(crate) fn manifest_validator(v: SchemaVersion) -> &'static Compiled {
    SLOTS.manifest[v.index()].get_or_init(|| compile(v.manifest_schema_text()))
}

/// `None` for versions without localization support (before 1.5).
pub(crate) fn localization_validator(v: SchemaVersion) -> Option<&'static Compiled> {
    let text = v.localization_schema_text()?;
    Some(SLOTS.localization[v.index()].get_or_init(|| compile(text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn schema(v: SchemaVersion) -> Value {
        let t = v.manifest_schema_text();
        serde_json::from_str(t.strip_prefix('\u{feff}').unwrap_or(t)).unwrap()
    }

    #[test]
    fn every_embedded_schema_compiles_and_has_no_remote_refs() {
        for v in SchemaVersion::ALL {
            assert!(manifest_validator(v).is_ok(), "{v}");
            assert_eq!(
                localization_validator(v).map(Result::is_ok),
                v.supports_localization().then_some(true),
                "{v}"
            );
            let texts = [Some(v.manifest_schema_text()), v.localization_schema_text()];
            for text in texts.into_iter().flatten() {
                assert!(
                    text.contains("\"$schema\": \"http://json-schema.org/draft-04/schema#\""),
                    "{v} is not draft-04"
                );
                assert!(!text.contains("\"$ref\": \"http"), "{v} has a remote $ref");
            }
        }
    }

    #[test]
    fn every_vendored_folder_is_a_known_version() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/teams-manifest");
        let mut folders: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        folders.sort();
        let mut known: Vec<String> = SchemaVersion::ALL
            .iter()
            .map(|v| v.as_str().to_string())
            .collect();
        known.sort();
        assert_eq!(folders, known);
        for v in SchemaVersion::ALL {
            let l10n = dir
                .join(v.as_str())
                .join("MicrosoftTeams.Localization.schema.json");
            assert_eq!(l10n.is_file(), v.supports_localization(), "{v}");
        }
    }

    #[test]
    fn manifest_version_const_matches_folder() {
        for v in SchemaVersion::ALL {
            let s = schema(v);
            let mv = &s["properties"]["manifestVersion"];
            if v <= SchemaVersion::V1_3 {
                // Until 1.3 the schema left manifestVersion a free string; BotDeck pins it.
                assert_eq!(mv["type"], "string", "{v}");
                continue;
            }
            let ok = mv["const"] == v.as_str()
                || mv["enum"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == v.as_str()));
            assert!(ok, "{v}: {mv}");
        }
    }

    #[test]
    fn schema_facts_match_vendored_schemas() {
        for v in SchemaVersion::ALL {
            let s = schema(v);
            let mut bot = s["properties"]["bots"]["items"].clone();
            if let Some(r) = bot["$ref"].as_str() {
                let name = r.rsplit('/').next().unwrap();
                bot = s["definitions"][name].clone();
            }
            let cl_item = &bot["properties"]["commandLists"]["items"];
            let cl = &cl_item["properties"];
            let cmds = &cl["commands"];
            // BotDeck's own rules restate two requirements every version's schema has.
            let required = |x: &Value, key: &str| {
                x["required"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|r| r == key))
            };
            assert!(required(&bot, "botId"), "{v}: botId required");
            assert!(required(cl_item, "commands"), "{v}: commands required");
            let enum_of = |x: &Value| -> Vec<String> {
                x["items"]["enum"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            };
            assert_eq!(enum_of(&cl["scopes"]), v.command_list_scopes(), "{v}");
            assert_eq!(
                cmds["maxItems"].as_u64().unwrap() as usize,
                v.max_commands_per_list(),
                "{v}"
            );
            let item = &cmds["items"]["properties"];
            assert_eq!(
                item["title"]["maxLength"].as_u64().unwrap() as usize,
                v.max_command_title(),
                "{v}"
            );
            assert_eq!(
                item["description"]["maxLength"].as_u64().unwrap() as usize,
                v.max_command_description(),
                "{v}"
            );
            let scopes: Vec<&str> = bot["properties"]["scopes"]["items"]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap())
                .collect();
            assert_eq!(scopes, v.bot_scopes(), "{v}");
            let props = &s["properties"];
            assert_eq!(
                props.get("packageName").is_some(),
                v.allows_package_name(),
                "{v}"
            );
            assert_eq!(
                required(&s, "packageName"),
                v.requires_package_name(),
                "{v}"
            );
            assert_eq!(props.get("$schema").is_some(), v.allows_schema_property());
            assert_eq!(
                props.get("localizationInfo").is_some(),
                v.supports_localization(),
                "{v}"
            );
            assert_eq!(
                props.get("webApplicationInfo").is_some(),
                v.supports_web_application_info(),
                "{v}"
            );
            assert_eq!(
                props.get("authorization").is_some(),
                v.supports_rsc(),
                "{v}"
            );
            let bp = &bot["properties"];
            assert_eq!(bp.get("supportsFiles").is_some(), v.supports_bot_files());
            assert_eq!(
                bp.get("supportsCalling").is_some(),
                v.supports_bot_calling()
            );
            assert_eq!(bp.get("supportsVideo").is_some(), v.supports_bot_calling());
        }
    }
}
