//! One negative fixture per rule. Each fixture starts from a golden package, breaks exactly one
//! thing and must produce exactly the expected set of codes: an unrelated extra finding fails.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};

use botdeck_core::package::fixtures::{golden, with_padding_chunk};
use botdeck_core::package::icons::encode_png;
use botdeck_core::package::{
    validate_manifest, validate_package, validate_zip, write_zip, RawPackage, Rule, SchemaVersion,
    Severity, ValidateOptions, ValidationReport, MANIFEST_FILE,
};
use image::{Rgba, RgbaImage};
use serde_json::{json, Value};

const LATEST: SchemaVersion = SchemaVersion::LATEST;

fn raw(v: SchemaVersion) -> RawPackage {
    golden(v).to_raw()
}

fn manifest(raw: &RawPackage) -> Value {
    serde_json::from_slice(raw.manifest_bytes().unwrap()).unwrap()
}

fn set_manifest(raw: &mut RawPackage, m: &Value) {
    raw.files
        .insert(MANIFEST_FILE.into(), serde_json::to_vec_pretty(m).unwrap());
}

/// Golden package of version `v` with its manifest edited by `f`.
fn edit(v: SchemaVersion, f: impl FnOnce(&mut Value)) -> RawPackage {
    let mut r = raw(v);
    let mut m = manifest(&r);
    f(&mut m);
    set_manifest(&mut r, &m);
    r
}

fn png(img: &RgbaImage) -> Vec<u8> {
    encode_png(img).unwrap()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    write_zip(entries).unwrap()
}

fn golden_entries(v: SchemaVersion) -> Vec<(String, Vec<u8>)> {
    raw(v).files.into_iter().collect()
}

fn check(report: &ValidationReport, expected: &[&str]) {
    let got: BTreeSet<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
    let want: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(
        got,
        want,
        "findings:\n{}",
        report
            .findings
            .iter()
            .map(|f| format!("  {} {}#{} {}", f.code, f.file, f.path, f.message))
            .collect::<Vec<_>>()
            .join("\n")
    );
    for f in &report.findings {
        assert!(!f.message.is_empty() && !f.hint.is_empty(), "{f:?}");
    }
}

fn run(r: &RawPackage) -> ValidationReport {
    validate_package(r, &ValidateOptions::default())
}

/// (rule, fixture) for every rule; `every_rule_has_a_negative_fixture` checks the coverage.
fn fixtures() -> Vec<(Rule, ValidationReport)> {
    let opts = ValidateOptions::default();
    let mut out = Vec::new();

    out.push((
        Rule::ZipInvalid,
        validate_zip(b"PK\x03\x04 definitely not a zip", &opts),
    ));

    // Icons without a manifest.
    let entries = golden_entries(LATEST);
    let no_manifest: Vec<(&str, &[u8])> = entries
        .iter()
        .filter(|(n, _)| n != MANIFEST_FILE)
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    out.push((
        Rule::ManifestNotAtRoot,
        validate_zip(&zip_of(&no_manifest), &opts),
    ));

    // A stray directory entry next to an otherwise perfect package.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    for (n, b) in &entries {
        w.start_file(n.as_str(), o).unwrap();
        w.write_all(b).unwrap();
    }
    w.add_directory("extra/", o).unwrap();
    let with_dir = w.finish().unwrap().into_inner();
    out.push((Rule::EntryInFolder, validate_zip(&with_dir, &opts)));

    let evil: Vec<(&str, &[u8])> = vec![("manifest.json", b"{}"), ("../evil.sh", b"boom")];
    out.push((Rule::UnsafeEntryPath, validate_zip(&zip_of(&evil), &opts)));

    let mut big = raw(LATEST);
    let color = big.files["color.png"].clone();
    big.files.insert(
        "color.png".into(),
        with_padding_chunk(&color, 11 * 1024 * 1024, 7),
    );
    out.push((Rule::PackageTooLarge, run(&big)));

    let many: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| (format!("f{i}.txt"), vec![b'x']))
        .collect();
    let many_refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    out.push((
        Rule::ArchiveLimits,
        validate_zip(&zip_of(&many_refs), &opts),
    ));

    let mut extra = raw(LATEST);
    extra.files.insert("notes.txt".into(), b"hello".to_vec());
    out.push((Rule::UnreferencedFile, run(&extra)));

    out.push((
        Rule::DuplicateEntry,
        validate_zip(&duplicate_entry_zip(), &opts),
    ));

    let mut missing = raw(LATEST);
    missing.files.remove("outline.png");
    out.push((Rule::MissingFile, run(&missing)));

    let mut not_utf8 = raw(LATEST);
    let mut bytes = not_utf8.files[MANIFEST_FILE].clone();
    let pos = bytes.windows(9).position(|w| w == b"FlashDuty").unwrap();
    bytes[pos] = 0xFF;
    not_utf8.files.insert(MANIFEST_FILE.into(), bytes);
    out.push((Rule::NotUtf8, run(&not_utf8)));

    let mut bom = raw(LATEST);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&bom.files[MANIFEST_FILE]);
    bom.files.insert(MANIFEST_FILE.into(), bytes);
    out.push((Rule::Bom, run(&bom)));

    let mut trailing = raw(LATEST);
    let text = String::from_utf8(trailing.files[MANIFEST_FILE].clone()).unwrap();
    let text = text.replacen("\"version\": \"1.0.3\",", "\"version\": \"1.0.3\",,", 1);
    trailing
        .files
        .insert(MANIFEST_FILE.into(), text.into_bytes());
    out.push((Rule::InvalidJson, run(&trailing)));

    out.push((
        Rule::Schema,
        run(&edit(LATEST, |m| {
            m["developer"]["name"] = json!("D".repeat(33));
        })),
    ));

    out.push((
        Rule::UnsupportedManifestVersion,
        // Microsoft never published a 1.18.
        run(&edit(LATEST, |m| m["manifestVersion"] = json!("1.18"))),
    ));

    out.push((
        Rule::SchemaUrlMismatch,
        run(&edit(LATEST, |m| {
            m["$schema"] = json!(SchemaVersion::V1_24.schema_url());
        })),
    ));

    out.push((Rule::DevPreview, run(&raw(SchemaVersion::DevPreview))));

    out.push((
        Rule::IdNotGuid,
        run(&edit(LATEST, |m| m["id"] = json!("com.example.app"))),
    ));

    out.push((
        Rule::VersionFormat,
        run(&edit(LATEST, |m| m["version"] = json!("1.0"))),
    ));

    out.push((
        Rule::VersionNotGreater,
        validate_package(
            &raw(LATEST),
            &ValidateOptions {
                catalog_version: Some(semver::Version::new(1, 1, 0)),
            },
        ),
    ));

    out.push((
        Rule::NameShort,
        run(&edit(LATEST, |m| {
            m["name"]["short"] = json!("N".repeat(31))
        })),
    ));
    out.push((
        Rule::NameFull,
        run(&edit(LATEST, |m| {
            m["name"]["full"] = json!("N".repeat(101))
        })),
    ));
    out.push((
        Rule::DescriptionShort,
        run(&edit(LATEST, |m| {
            m["description"]["short"] = json!("d".repeat(81))
        })),
    ));
    out.push((
        Rule::DescriptionFull,
        run(&edit(LATEST, |m| m["description"]["full"] = json!(""))),
    ));
    out.push((
        Rule::DeveloperUrlNotHttps,
        run(&edit(LATEST, |m| {
            m["developer"]["privacyUrl"] = json!("http://www.example.com/privacy")
        })),
    ));
    out.push((
        Rule::AccentColor,
        run(&edit(LATEST, |m| m["accentColor"] = json!("#FFF"))),
    ));

    let mut jpeg_color = raw(LATEST);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode(
            &[200u8; 192 * 192 * 3],
            192,
            192,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    jpeg_color.files.insert("color.png".into(), jpeg);
    out.push((Rule::ColorIconNotPng, run(&jpeg_color)));

    let mut small_color = raw(LATEST);
    small_color.files.insert(
        "color.png".into(),
        png(&RgbaImage::from_pixel(100, 100, Rgba([9, 9, 200, 255]))),
    );
    out.push((Rule::ColorIconSize, run(&small_color)));

    let mut garbage_outline = raw(LATEST);
    garbage_outline
        .files
        .insert("outline.png".into(), b"GIF89a....".to_vec());
    out.push((Rule::OutlineIconNotPng, run(&garbage_outline)));

    let mut big_outline = raw(LATEST);
    big_outline.files.insert(
        "outline.png".into(),
        png(&RgbaImage::from_fn(48, 48, |x, _| {
            if x < 24 {
                Rgba([255, 255, 255, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        })),
    );
    out.push((Rule::OutlineIconSize, run(&big_outline)));

    let mut grey_outline = raw(LATEST);
    let mut img = RgbaImage::from_pixel(32, 32, Rgba([0, 0, 0, 0]));
    img.put_pixel(10, 10, Rgba([255, 255, 255, 255]));
    img.put_pixel(11, 10, Rgba([250, 250, 250, 255]));
    grey_outline.files.insert("outline.png".into(), png(&img));
    out.push((Rule::OutlineIconTransparency, run(&grey_outline)));

    // The icon Microsoft's validator refused: white, but at alpha 216.
    let mut soft_outline = raw(LATEST);
    let img = RgbaImage::from_fn(32, 32, |x, y| {
        if (8..24).contains(&x) && (8..24).contains(&y) {
            Rgba([255, 255, 255, 216])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    soft_outline.files.insert("outline.png".into(), png(&img));
    out.push((Rule::OutlineIconPartialAlpha, run(&soft_outline)));

    out.push((
        Rule::TooManyBots,
        run(&edit(LATEST, |m| {
            let mut second = m["bots"][0].clone();
            second["botId"] = json!("11111111-2222-3333-4444-555555555555");
            m["bots"].as_array_mut().unwrap().push(second);
        })),
    ));
    // `id` where every manifest version wants `botId`.
    out.push((
        Rule::BotIdMissing,
        run(&edit(SchemaVersion::V1_5, |m| {
            let bot = m["bots"][0].as_object_mut().unwrap();
            let id = bot.remove("botId").unwrap();
            bot.insert("id".into(), id);
        })),
    ));
    out.push((
        Rule::CommandListWithoutCommands,
        run(&edit(LATEST, |m| {
            m["bots"][0]["commandLists"][0]
                .as_object_mut()
                .unwrap()
                .remove("commands");
        })),
    ));
    out.push((
        Rule::BotIdNotGuid,
        run(&edit(LATEST, |m| m["bots"][0]["botId"] = json!("my-bot"))),
    ));
    // copilot exists from 1.21 only.
    out.push((
        Rule::BotScope,
        run(&edit(SchemaVersion::V1_19, |m| {
            m["bots"][0]["scopes"][2] = json!("copilot");
        })),
    ));
    // 11 commands: too many for 1.22 (10), fine from 1.24 (12).
    let eleven = |m: &mut Value| {
        let cmds: Vec<Value> = (0..11)
            .map(|i| json!({"title": format!("cmd{i}"), "description": "does a thing"}))
            .collect();
        m["bots"][0]["commandLists"][0]["commands"] = json!(cmds);
    };
    out.push((
        Rule::TooManyCommands,
        run(&edit(SchemaVersion::V1_22, eleven)),
    ));
    // 33-character titles: too long before 1.21 (32), fine after (128).
    out.push((
        Rule::CommandTitleLength,
        run(&edit(SchemaVersion::V1_19, |m| {
            m["bots"][0]["commandLists"][0]["commands"][0]["title"] = json!("t".repeat(33));
        })),
    ));
    out.push((
        Rule::CommandDescriptionLength,
        run(&edit(SchemaVersion::V1_19, |m| {
            m["bots"][0]["commandLists"][0]["commands"][0]["description"] = json!("d".repeat(129));
        })),
    ));
    out.push((
        Rule::DomainSyntax,
        run(&edit(LATEST, |m| {
            m["validDomains"][0] = json!("https://alerts.example.com/hook")
        })),
    ));
    out.push((
        Rule::DomainWildcard,
        run(&edit(LATEST, |m| {
            m["validDomains"][1] = json!("*.onmicrosoft.com")
        })),
    ));
    out.push((
        Rule::DomainWildcardShared,
        run(&edit(LATEST, |m| {
            m["validDomains"][1] = json!("*.azurewebsites.net")
        })),
    ));
    out.push((
        Rule::RscWithoutWebApp,
        run(&edit(LATEST, |m| {
            m.as_object_mut().unwrap().remove("webApplicationInfo");
        })),
    ));
    out.push((
        Rule::PackageNameRemoved,
        run(&edit(SchemaVersion::V1_17, |m| {
            m["packageName"] = json!("com.example.flashduty")
        })),
    ));

    let mut bad_l10n = raw(LATEST);
    bad_l10n.files.insert(
        "de-de.json".into(),
        b"{\"name.short\": \"FlashDuty\",}".to_vec(),
    );
    out.push((Rule::LocalizationJson, run(&bad_l10n)));

    let mut l10n_schema = raw(LATEST);
    let mut de: Value = serde_json::from_slice(&l10n_schema.files["de-de.json"]).unwrap();
    de["name.short"] = json!("N".repeat(31));
    de["no.such.key"] = json!("x");
    l10n_schema
        .files
        .insert("de-de.json".into(), serde_json::to_vec(&de).unwrap());
    out.push((Rule::LocalizationSchema, run(&l10n_schema)));

    out.push((
        Rule::Placeholder,
        run(&edit(LATEST, |m| {
            m["description"]["full"] = json!("Alerts for ${{TEAM_NAME}} on call.");
        })),
    ));
    out
}

/// Two entries named `a.txt`: built with distinct names, then renamed in place (the writer
/// refuses duplicates, hostile archives do not).
fn duplicate_entry_zip() -> Vec<u8> {
    let entries = golden_entries(LATEST);
    let mut list: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    list.push(("dupAAAA.txt", b"one"));
    list.push(("dupBBBB.txt", b"two"));
    let mut zip = zip_of(&list);
    let needle = b"dupBBBB.txt";
    let mut i = 0;
    while let Some(p) = zip[i..].windows(needle.len()).position(|w| w == needle) {
        zip[i + p..i + p + needle.len()].copy_from_slice(b"dupAAAA.txt");
        i += p + needle.len();
    }
    zip
}

#[test]
fn each_negative_fixture_produces_exactly_its_code() {
    for (rule, report) in fixtures() {
        println!("{}", rule.code());
        check(&report, &[rule.code()]);
        assert_eq!(report.findings[0].severity, rule.severity());
        if rule.severity() == Severity::Error {
            assert!(report.has_errors());
        } else {
            assert!(!report.has_errors());
        }
    }
}

#[test]
fn every_rule_has_a_negative_fixture() {
    let covered: BTreeSet<Rule> = fixtures().into_iter().map(|(r, _)| r).collect();
    let all: BTreeSet<Rule> = Rule::ALL.iter().copied().collect();
    let missing: Vec<&str> = all.difference(&covered).map(|r| r.code()).collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn version_dependent_limits_flip_at_the_right_version() {
    let eleven = |m: &mut Value| {
        let cmds: Vec<Value> = (0..11)
            .map(|i| json!({"title": format!("cmd{i}"), "description": "does a thing"}))
            .collect();
        m["bots"][0]["commandLists"][0]["commands"] = json!(cmds);
    };
    check(&run(&edit(SchemaVersion::V1_23, eleven)), &["BD-BOT-004"]);
    check(&run(&edit(SchemaVersion::V1_24, eleven)), &[]);
    let thirteen = |m: &mut Value| {
        let cmds: Vec<Value> = (0..13)
            .map(|i| json!({"title": format!("cmd{i}"), "description": "does a thing"}))
            .collect();
        m["bots"][0]["commandLists"][0]["commands"] = json!(cmds);
    };
    check(&run(&edit(LATEST, thirteen)), &["BD-BOT-004"]);
    let long_title = |m: &mut Value| {
        m["bots"][0]["commandLists"][0]["commands"][0]["title"] = json!("t".repeat(33));
    };
    check(
        &run(&edit(SchemaVersion::V1_20, long_title)),
        &["BD-BOT-005"],
    );
    check(&run(&edit(SchemaVersion::V1_21, long_title)), &[]);
    // Replace rather than add: before 1.21 the schema also caps scopes at 3 items.
    let copilot = |m: &mut Value| m["bots"][0]["scopes"][2] = json!("copilot");
    check(&run(&edit(SchemaVersion::V1_20, copilot)), &["BD-BOT-003"]);
    check(&run(&edit(SchemaVersion::V1_21, copilot)), &[]);
    let lower = |m: &mut Value| m["bots"][0]["scopes"][1] = json!("groupchat");
    check(&run(&edit(SchemaVersion::V1_16, lower)), &[]);
    check(&run(&edit(SchemaVersion::V1_17, lower)), &["BD-BOT-003"]);
    let pkg_name = |m: &mut Value| m["packageName"] = json!("com.example.flashduty");
    check(&run(&edit(SchemaVersion::V1_16, pkg_name)), &[]);
    check(&run(&edit(SchemaVersion::V1_5, pkg_name)), &[]);
    check(
        &run(&edit(SchemaVersion::V1_17, pkg_name)),
        &["BD-PKGNAME-001"],
    );
}

#[test]
fn old_manifest_versions_apply_their_own_schema_and_rules() {
    // groupChat arrived in 1.3 (bots) and 1.4 (command lists), with a lowercase `groupchat`
    // spelling the schemas accept from 1.3 to 1.16.
    let lower = |m: &mut Value| m["bots"][0]["scopes"][1] = json!("groupchat");
    check(&run(&edit(SchemaVersion::V1_2, lower)), &["BD-BOT-003"]);
    check(&run(&edit(SchemaVersion::V1_3, lower)), &[]);
    check(&run(&edit(SchemaVersion::V1_10, lower)), &[]);
    let r = run(&edit(SchemaVersion::V1_20, lower));
    check(&r, &["BD-BOT-003"]);
    assert!(
        r.findings[0].message.contains("write it as \"groupChat\""),
        "{}",
        r.findings[0].message
    );
    let group_list = |m: &mut Value| {
        m["bots"][0]["commandLists"][0]["scopes"] = json!(["groupChat"]);
    };
    check(
        &run(&edit(SchemaVersion::V1_3, group_list)),
        &["BD-BOT-003"],
    );
    check(&run(&edit(SchemaVersion::V1_4, group_list)), &[]);

    // Up to 1.4 packageName is required (the schema says so); from 1.5 it is optional.
    let no_pkg = |m: &mut Value| {
        m.as_object_mut().unwrap().remove("packageName");
    };
    let r = run(&edit(SchemaVersion::V1_4, no_pkg));
    check(&r, &["BD-SCHEMA-001"]);
    assert!(r.findings[0].message.contains("packageName"), "{r:?}");

    // Localization files exist from 1.5: a 1.4 manifest may not declare them.
    let l10n = |m: &mut Value| {
        m["localizationInfo"] = json!({"defaultLanguageTag": "en-us"});
    };
    check(&run(&edit(SchemaVersion::V1_4, l10n)), &["BD-SCHEMA-001"]);

    // Ten commands is the limit from 1.0 to 1.23.
    let eleven = |m: &mut Value| {
        let cmds: Vec<Value> = (0..11)
            .map(|i| json!({"title": format!("cmd{i}"), "description": "does a thing"}))
            .collect();
        m["bots"][0]["commandLists"][0]["commands"] = json!(cmds);
    };
    check(&run(&edit(SchemaVersion::V1_0, eleven)), &["BD-BOT-004"]);

    // A bot `id` instead of `botId` and a list without commands, in the oldest version too.
    let r = run(&edit(SchemaVersion::V1_0, |m| {
        let bot = m["bots"][0].as_object_mut().unwrap();
        let id = bot.remove("botId").unwrap();
        bot.insert("id".into(), id);
    }));
    check(&r, &["BD-BOT-007"]);
    assert!(r.findings[0].message.contains("\"botId\""), "{r:?}");
    assert!(r.findings[0].hint.contains("Rename"), "{r:?}");
    let r = run(&edit(SchemaVersion::V1_0, |m| {
        m["bots"][0]["commandLists"][0]
            .as_object_mut()
            .unwrap()
            .remove("commands");
    }));
    check(&r, &["BD-BOT-008"]);
}

#[test]
fn valid_domain_wildcards_follow_microsofts_docs() {
    let with = |d: &'static str| move |m: &mut Value| m["validDomains"][1] = json!(d);
    // Invalid per Microsoft's docs: errors.
    for d in ["*", "*.com", "*.org", "*.onmicrosoft.com", "*.*.com"] {
        let r = run(&edit(LATEST, with(d)));
        check(&r, &["BD-DOMAIN-002"]);
        assert!(r.has_errors(), "{d}");
    }
    // Shared hosting that Microsoft's samples ship: a warning, the package stays valid.
    for d in ["*.ngrok-free.app", "*.azurewebsites.net", "*.devtunnels.ms"] {
        let r = run(&edit(LATEST, with(d)));
        check(&r, &["BD-DOMAIN-003"]);
        assert!(!r.has_errors(), "{d}");
        assert_eq!(r.warnings, 1);
    }
    // Fine: own domains, one label per `*`, a tenant's own onmicrosoft host.
    for d in [
        "*.*.example.com",
        "contoso.onmicrosoft.com",
        "contoso-bot.azurewebsites.net",
    ] {
        check(&run(&edit(LATEST, with(d))), &[]);
    }
}

#[test]
fn findings_carry_json_pointer_and_position() {
    let r = run(&edit(LATEST, |m| m["bots"][0]["botId"] = json!("my-bot")));
    let f = &r.findings[0];
    assert_eq!(f.file, "manifest.json");
    assert_eq!(f.path, "/bots/0/botId");
    assert!(f.line.is_some() && f.column.is_some());
    let text = String::from_utf8(
        edit(LATEST, |m| m["bots"][0]["botId"] = json!("my-bot")).files[MANIFEST_FILE].clone(),
    )
    .unwrap();
    let line = text.lines().nth(f.line.unwrap() as usize - 1).unwrap();
    assert!(line.contains("\"botId\": \"my-bot\""), "{line}");
}

#[test]
fn json_syntax_errors_report_line_and_column() {
    let report = validate_manifest(b"{\n  \"a\": 1,\n}\n", &ValidateOptions::default());
    check(&report, &["BD-JSON-003"]);
    let f = &report.findings[0];
    assert_eq!(f.line, Some(3));
    assert!(f.message.contains("trailing comma"), "{}", f.message);
}

#[test]
fn schema_findings_name_the_offending_property() {
    let r = run(&edit(LATEST, |m| m["bots"][0]["notAThing"] = json!(true)));
    check(&r, &["BD-SCHEMA-001"]);
    assert_eq!(r.findings[0].path, "/bots/0/notAThing");
}

#[test]
fn placeholders_in_localization_files_are_found() {
    let mut r = raw(LATEST);
    let mut de: Value = serde_json::from_slice(&r.files["de-de.json"]).unwrap();
    de["description.short"] = json!("Alarme für {{ TENANT }}");
    r.files
        .insert("de-de.json".into(), serde_json::to_vec(&de).unwrap());
    let report = run(&r);
    check(&report, &["BD-PLACEHOLDER-001"]);
    assert_eq!(report.findings[0].file, "de-de.json");
    assert_eq!(report.findings[0].path, "/description.short");
}

#[test]
fn manifest_in_a_folder_is_explained() {
    let entries = golden_entries(LATEST);
    let nested: Vec<(String, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (format!("app/{n}"), b.clone()))
        .collect();
    let list: Vec<(&str, &[u8])> = nested
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let r = validate_zip(&zip_of(&list), &ValidateOptions::default());
    check(&r, &["BD-ZIP-002", "BD-ZIP-003"]);
    assert!(r
        .findings
        .iter()
        .any(|f| f.message.contains("app/manifest.json")));
}

#[test]
fn manifest_only_validation_skips_file_checks() {
    let r = raw(LATEST);
    let report = validate_manifest(r.manifest_bytes().unwrap(), &ValidateOptions::default());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}
