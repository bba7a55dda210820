//! Microsoft's manifest schemas, vendored under `core/schemas/teams-manifest/` and embedded in
//! the binary: validation must work offline and must not depend on the network being honest.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A manifest schema version BotDeck ships a schema for. Ordered oldest to newest;
/// `DevPreview` sorts last because it is a superset of the newest release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub enum SchemaVersion {
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

macro_rules! embedded {
    ($dir:literal) => {
        (
            include_str!(concat!(
                "../../schemas/teams-manifest/",
                $dir,
                "/MicrosoftTeams.schema.json"
            )),
            include_str!(concat!(
                "../../schemas/teams-manifest/",
                $dir,
                "/MicrosoftTeams.Localization.schema.json"
            )),
        )
    };
}

const COUNT: usize = 15;

impl SchemaVersion {
    pub const ALL: [SchemaVersion; COUNT] = [
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

    fn sources(self) -> (&'static str, &'static str) {
        match self {
            SchemaVersion::V1_16 => embedded!("1.16"),
            SchemaVersion::V1_17 => embedded!("1.17"),
            SchemaVersion::V1_19 => embedded!("1.19"),
            SchemaVersion::V1_20 => embedded!("1.20"),
            SchemaVersion::V1_21 => embedded!("1.21"),
            SchemaVersion::V1_22 => embedded!("1.22"),
            SchemaVersion::V1_23 => embedded!("1.23"),
            SchemaVersion::V1_24 => embedded!("1.24"),
            SchemaVersion::V1_25 => embedded!("1.25"),
            SchemaVersion::V1_26 => embedded!("1.26"),
            SchemaVersion::V1_27 => embedded!("1.27"),
            SchemaVersion::V1_28 => embedded!("1.28"),
            SchemaVersion::V1_29 => embedded!("1.29"),
            SchemaVersion::V1_30 => embedded!("1.30"),
            SchemaVersion::DevPreview => embedded!("devPreview"),
        }
    }

    /// Raw text of the vendored manifest schema.
    pub fn manifest_schema_text(self) -> &'static str {
        self.sources().0
    }

    /// Raw text of the vendored localization schema.
    pub fn localization_schema_text(self) -> &'static str {
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

    pub fn bot_scopes(self) -> &'static [&'static str] {
        match self {
            SchemaVersion::V1_16 => &["team", "personal", "groupChat", "groupchat"],
            v if v >= SchemaVersion::V1_21 => &["team", "personal", "groupChat", "copilot"],
            _ => &["team", "personal", "groupChat"],
        }
    }

    pub fn allows_package_name(self) -> bool {
        matches!(self, SchemaVersion::V1_16 | SchemaVersion::DevPreview)
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

pub(crate) fn localization_validator(v: SchemaVersion) -> &'static Compiled {
    SLOTS.localization[v.index()].get_or_init(|| compile(v.localization_schema_text()))
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
            assert!(localization_validator(v).is_ok(), "{v}");
            for text in [v.manifest_schema_text(), v.localization_schema_text()] {
                assert!(!text.contains("\"$ref\": \"http"), "{v} has a remote $ref");
            }
        }
    }

    #[test]
    fn manifest_version_const_matches_folder() {
        for v in SchemaVersion::ALL {
            let s = schema(v);
            let mv = &s["properties"]["manifestVersion"];
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
            let cl = &bot["properties"]["commandLists"]["items"]["properties"];
            let cmds = &cl["commands"];
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
            assert_eq!(
                s["properties"].get("packageName").is_some(),
                v.allows_package_name(),
                "{v}"
            );
        }
    }
}
