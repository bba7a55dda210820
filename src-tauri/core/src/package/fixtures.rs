//! Ready-made packages for tests, benchmarks and demo mode: a golden package per schema
//! version and a maximal one (every list full, ~10 MB). Deterministic: same call, same bytes.

use serde_json::{json, Value};

use super::archive::Package;
use super::model::{AdditionalLanguage, Command, CommandList, LocalizationInfo};
use super::schema::SchemaVersion;
use super::template::{new_bot_app, NewBotAppOptions};

pub const GOLDEN_APP_ID: &str = "6f0b6c1e-3a5d-4c47-9a7e-2f5b8d1c0a11";
pub const GOLDEN_BOT_ID: &str = "0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a";
pub const GOLDEN_WEB_APP_ID: &str = "0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a";

/// A valid FlashDuty-style bot package for `version`: template + valid domains, and where the
/// version has them, webApplicationInfo (1.4+), a German localization file (1.5+) and one RSC
/// permission (1.12+).
pub fn golden(version: SchemaVersion) -> Package {
    let mut pkg = new_bot_app(&NewBotAppOptions {
        name: "FlashDuty".into(),
        bot_id: crate::ids::EntraAppId::parse(GOLDEN_BOT_ID).ok(),
        manifest_id: crate::ids::ManifestId::parse(GOLDEN_APP_ID).ok(),
        developer_name: "Example Inc.".into(),
        website_url: "https://www.example.com".into(),
        manifest_version: version,
    })
    .unwrap_or_default();
    let m = &mut pkg.manifest;
    m.version = "1.0.3".into();
    m.valid_domains = Some(vec!["alerts.example.com".into(), "*.example.com".into()]);
    if !version.supports_web_application_info() {
        return pkg;
    }
    m.web_application_info = serde_json::from_value(json!({
        "id": GOLDEN_WEB_APP_ID,
        "resource": "api://alerts.example.com/0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a"
    }))
    .ok();
    if version.supports_rsc() {
        m.authorization = serde_json::from_value(json!({
            "permissions": { "resourceSpecific": [
                { "name": "ChannelMessage.Send.Group", "type": "Application" }
            ]}
        }))
        .ok();
    }
    if !version.supports_localization() {
        return pkg;
    }
    m.localization_info = Some(LocalizationInfo {
        default_language_tag: "en-us".into(),
        default_language_file: None,
        additional_languages: Some(vec![AdditionalLanguage {
            language_tag: "de-de".into(),
            file: "de-de.json".into(),
            extra: Default::default(),
        }]),
        extra: Default::default(),
    });
    let de = json!({
        "$schema": localization_schema_url(version),
        "name.short": "FlashDuty",
        "name.full": "FlashDuty für Microsoft Teams",
        "description.short": "Alarme und Bereitschaftsaktionen in Teams.",
        "description.full": "FlashDuty sendet Alarme an verknüpfte Kanäle, Gruppenchats und persönliche Chats."
    });
    pkg.files.insert("de-de.json".into(), pretty(&de));
    pkg
}

fn localization_schema_url(v: SchemaVersion) -> String {
    v.schema_url().replace(
        "MicrosoftTeams.schema.json",
        "MicrosoftTeams.Localization.schema.json",
    )
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s.into_bytes()
}

/// Deterministic pseudo-random bytes (xorshift), incompressible enough to make a package
/// genuinely large.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The largest package that still validates clean on the newest schema: 3 command lists of 12
/// commands with maximal titles and long descriptions, 100 valid domains, 16 RSC permissions,
/// 4000-character description, icons padded with an ancillary PNG chunk, and localization files,
/// for roughly 10 MB in total.
pub fn maximal() -> Package {
    let v = SchemaVersion::LATEST;
    let mut pkg = golden(v);
    let m = &mut pkg.manifest;
    m.description.full = "Alerting. ".repeat(400);
    m.valid_domains = Some(
        (0..100)
            .map(|i| format!("h{i}.alerts.example.com"))
            .collect(),
    );
    let rsc: Vec<Value> = (0..16)
        .map(|i| json!({ "name": format!("Permission{i}.Read.Group"), "type": "Application" }))
        .collect();
    m.authorization =
        serde_json::from_value(json!({ "permissions": { "resourceSpecific": rsc } })).ok();
    if let Some(bot) = m.bots.as_mut().and_then(|b| b.first_mut()) {
        let scopes = ["team", "groupChat", "personal"];
        bot.command_lists = Some(
            scopes
                .iter()
                .map(|s| CommandList {
                    scopes: vec![(*s).into()],
                    commands: (0..v.max_commands_per_list())
                        .map(|i| Command {
                            title: format!("{s}Command{i:02}{}", "x".repeat(100)),
                            description: format!(
                                "{s} command {i}: {}",
                                "does things. ".repeat(200)
                            ),
                            extra: Default::default(),
                        })
                        .collect(),
                    extra: Default::default(),
                })
                .collect(),
        );
    }
    // Icons stay valid PNGs of the right size; the bulk rides in a private ancillary chunk,
    // which decoders skip, so the validator still has to read and decode the whole file.
    let color = pkg.files.get("color.png").cloned().unwrap_or_default();
    pkg.files.insert(
        "color.png".into(),
        with_padding_chunk(&color, 5 * 1024 * 1024, 1),
    );
    let outline = pkg.files.get("outline.png").cloned().unwrap_or_default();
    pkg.files.insert(
        "outline.png".into(),
        with_padding_chunk(&outline, 3 * 1024 * 1024 + 512 * 1024, 2),
    );
    // Localization files with long, valid values.
    let mut langs = Vec::new();
    for (i, tag) in ["de-de", "fr-fr", "es-es", "it-it", "ja-jp", "pt-br"]
        .iter()
        .enumerate()
    {
        let file = format!("{tag}.json");
        let mut doc = serde_json::Map::new();
        doc.insert("$schema".into(), json!(localization_schema_url(v)));
        doc.insert("name.short".into(), json!(format!("FlashDuty {i}")));
        doc.insert("description.short".into(), json!("Alerts in Teams."));
        doc.insert("description.full".into(), json!("x".repeat(4000)));
        for (k, list) in m_lists(&pkg.manifest).iter().enumerate() {
            for c in 0..*list {
                doc.insert(
                    format!("bots[0].commandLists[{k}].commands[{c}].description"),
                    json!("y".repeat(4000)),
                );
            }
        }
        pkg.files.insert(file.clone(), pretty(&Value::Object(doc)));
        langs.push(AdditionalLanguage {
            language_tag: (*tag).into(),
            file,
            extra: Default::default(),
        });
    }
    if let Some(l) = pkg.manifest.localization_info.as_mut() {
        l.additional_languages = Some(langs);
    }
    pkg
}

fn m_lists(m: &super::model::Manifest) -> Vec<usize> {
    m.bot()
        .and_then(|b| b.command_lists.as_ref())
        .map(|l| l.iter().map(|c| c.commands.len()).collect())
        .unwrap_or_default()
}

/// Inserts a private ancillary chunk (`pdDg`) of `len` noise bytes after IHDR: the PNG stays
/// valid and keeps its dimensions but grows by `len + 12` bytes.
pub fn with_padding_chunk(png: &[u8], len: usize, seed: u64) -> Vec<u8> {
    const IHDR_END: usize = 8 + 8 + 13 + 4;
    if png.len() < IHDR_END {
        return png.to_vec();
    }
    let data = noise(len, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut chunk = Vec::with_capacity(len + 12);
    chunk.extend_from_slice(&(u32::try_from(len).unwrap_or(u32::MAX)).to_be_bytes());
    chunk.extend_from_slice(b"pdDg");
    chunk.extend_from_slice(&data);
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    let mut out = png[..IHDR_END].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[IHDR_END..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}
