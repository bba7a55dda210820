//! The typed manifest must not lose anything it does not model.

use botdeck_core::package::fixtures::golden;
use botdeck_core::package::{bump_package, BumpLevel, Manifest, Package, SchemaVersion};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A manifest with unknown fields at every level the model types, plus features BotDeck does
/// not model at all (tabs, compose extensions, activities...).
fn rich_manifest() -> Value {
    json!({
        "$schema": "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json",
        "manifestVersion": "1.30",
        "version": "2.4.1",
        "id": "6f0b6c1e-3a5d-4c47-9a7e-2f5b8d1c0a11",
        "localizationInfo": {
            "defaultLanguageTag": "en-us",
            "additionalLanguages": [{"languageTag": "de-de", "file": "de.json", "x-lang": 1}],
            "x-l10n": true
        },
        "developer": {"name": "Example", "websiteUrl": "https://e.com", "privacyUrl": "https://e.com/p",
                      "termsOfUseUrl": "https://e.com/t", "mpnId": "1234567", "x-dev": [1, 2]},
        "name": {"short": "Alerts", "full": "Alerts full", "abbreviated": "Al"},
        "description": {"short": "s", "full": "f", "features": [{"title": "t", "description": "d"}]},
        "icons": {"color": "color.png", "outline": "outline.png", "color32x32": "c32.png"},
        "accentColor": "#123456",
        "staticTabs": [{"entityId": "home", "scopes": ["personal"], "name": "Home"}],
        "composeExtensions": [{"botId": "0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a", "commands": []}],
        "bots": [{
            "botId": "0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a",
            "scopes": ["team", "personal"],
            "isNotificationOnly": true,
            "supportsFiles": false,
            "needsChannelSelector": true,
            "supportsTargetedMessages": true,
            "commandLists": [{
                "scopes": ["team"],
                "triggers": ["mention", "slash"],
                "commands": [{"title": "linkTeam", "description": "linkTeam {ID}", "x-cmd": null}]
            }],
            "requirementSet": {"hostMustSupportFunctionalities": []}
        }],
        "validDomains": ["alerts.example.com"],
        "webApplicationInfo": {"id": "0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a", "resource": "api://x", "nestedAppAuthInfo": []},
        "authorization": {"permissions": {
            "resourceSpecific": [{"name": "ChannelMessage.Send.Group", "type": "Application", "x-rsc": "y"}],
            "orgWide": []
        }},
        "activities": {"activityTypes": []},
        "defaultInstallScope": "team",
        "packageName": "com.example.alerts",
        "x-custom-root": {"nested": {"deep": [1, "two", 3.5, false, null]}}
    })
}

#[test]
fn round_trip_is_lossless_at_every_level() {
    let original = rich_manifest();
    let text = serde_json::to_string_pretty(&original).unwrap();
    let m = Manifest::from_json(&text).unwrap();
    assert_eq!(m.name.short, "Alerts");
    assert_eq!(m.bot().unwrap().is_notification_only, Some(true));
    assert_eq!(m.package_name.as_deref(), Some("com.example.alerts"));
    assert!(m.extra.contains_key("x-custom-root"));
    let back: Value = serde_json::from_str(&m.to_json_pretty()).unwrap();
    assert_eq!(back, original);
}

#[test]
fn editing_a_typed_field_keeps_everything_else() {
    let original = rich_manifest();
    let raw_text = serde_json::to_vec(&original).unwrap();
    let mut files = std::collections::BTreeMap::new();
    files.insert("manifest.json".to_string(), raw_text);
    let mut pkg = Package::from_raw(botdeck_core::package::RawPackage {
        files,
        ..Default::default()
    })
    .unwrap();
    bump_package(&mut pkg, BumpLevel::Minor).unwrap();
    let back = pkg.manifest.to_value();
    let mut expected = original;
    expected["version"] = json!("2.5.0");
    assert_eq!(back, expected);
}

#[test]
fn typed_model_reports_wrong_types_instead_of_panicking() {
    let e = Manifest::from_json(r#"{"manifestVersion": 1.3}"#);
    assert!(e.is_err());
    let e = Package::from_raw(botdeck_core::package::RawPackage::default()).unwrap_err();
    assert!(e.to_string().contains("manifest.json is missing"), "{e}");
}

#[test]
fn golden_manifests_round_trip() {
    for v in SchemaVersion::ALL {
        let m = golden(v).manifest;
        let again = Manifest::from_json(&m.to_json_pretty()).unwrap();
        assert_eq!(again, m, "{v}");
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9 ${}<>]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Unknown fields of any shape survive parse → serialise, at the root and inside bots.
    #[test]
    fn arbitrary_extra_fields_survive(root_extra in arb_json(), bot_extra in arb_json()) {
        let mut m = rich_manifest();
        m["x-prop"] = root_extra;
        m["bots"][0]["x-prop"] = bot_extra;
        let parsed = Manifest::from_json(&m.to_string()).unwrap();
        let back: Value = serde_json::from_str(&parsed.to_json_pretty()).unwrap();
        prop_assert_eq!(back, m);
    }

    /// Parsing arbitrary text never panics (it may fail).
    #[test]
    fn manifest_parsing_never_panics(text in ".{0,400}") {
        let _ = Manifest::from_json(&text);
        let _ = botdeck_core::package::validate_manifest(text.as_bytes(), &Default::default());
    }

    /// Arbitrary JSON values in known fields never panic the validator.
    #[test]
    fn validator_survives_arbitrary_field_values(field in prop::sample::select(vec![
        "id", "version", "name", "description", "icons", "accentColor", "bots", "validDomains",
        "webApplicationInfo", "authorization", "localizationInfo", "developer", "manifestVersion", "$schema",
    ]), value in arb_json()) {
        let mut m = golden(SchemaVersion::LATEST).manifest.to_value();
        m[field] = value;
        let _ = botdeck_core::package::validate_manifest(m.to_string().as_bytes(), &Default::default());
        let mut raw = golden(SchemaVersion::LATEST).to_raw();
        raw.files.insert("manifest.json".into(), m.to_string().into_bytes());
        let _ = botdeck_core::package::validate_package(&raw, &Default::default());
    }
}
