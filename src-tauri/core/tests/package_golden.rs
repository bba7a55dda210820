//! Golden packages: one valid bot package per representative schema version must validate with
//! zero findings, and building it twice must give identical bytes.

use botdeck_core::package::fixtures::golden;
use botdeck_core::package::{
    read_zip, validate_package, validate_zip, ImportLimits, Package, SchemaVersion,
    ValidateOptions, ValidationReport,
};

const GOLDEN_VERSIONS: [SchemaVersion; 9] = [
    SchemaVersion::V1_0,
    SchemaVersion::V1_4,
    SchemaVersion::V1_5,
    SchemaVersion::V1_12,
    SchemaVersion::V1_16,
    SchemaVersion::V1_19,
    SchemaVersion::V1_22,
    SchemaVersion::V1_24,
    SchemaVersion::LATEST,
];

fn show(r: &ValidationReport) -> String {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}#{} {}",
                f.code,
                f.severity.as_str(),
                f.file,
                f.path,
                f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn golden_packages_validate_clean_in_memory_and_as_zip() {
    for v in GOLDEN_VERSIONS {
        let pkg = golden(v);
        let report = validate_package(&pkg.to_raw(), &ValidateOptions::default());
        assert!(report.findings.is_empty(), "{v}:\n{}", show(&report));
        let zip = pkg.build_zip().unwrap();
        let report = validate_zip(&zip, &ValidateOptions::default());
        assert!(report.findings.is_empty(), "{v} (zip):\n{}", show(&report));
        assert_eq!(report.manifest_version.as_deref(), Some(v.as_str()));
    }
}

#[test]
fn every_released_schema_version_accepts_the_golden_package() {
    for v in SchemaVersion::ALL.into_iter().filter(|v| !v.is_preview()) {
        let report = validate_package(&golden(v).to_raw(), &ValidateOptions::default());
        assert!(report.findings.is_empty(), "{v}:\n{}", show(&report));
    }
}

#[test]
fn every_version_teams_accepts_has_a_schema_and_a_golden_package() {
    let released: Vec<&str> = SchemaVersion::ALL
        .iter()
        .filter(|v| !v.is_preview())
        .map(|v| v.as_str())
        .collect();
    let mut want: Vec<String> = (0..=17).map(|m| format!("1.{m}")).collect();
    want.extend((19..=30).map(|m| format!("1.{m}")));
    assert_eq!(released, want, "1.0 to 1.30 without 1.18");
    for v in SchemaVersion::ALL.into_iter().filter(|v| !v.is_preview()) {
        let pkg = golden(v);
        let zip = pkg.build_zip().unwrap();
        let report = validate_zip(&zip, &ValidateOptions::default());
        assert!(report.findings.is_empty(), "{v} (zip):\n{}", show(&report));
        assert_eq!(report.manifest_version.as_deref(), Some(v.as_str()));
        // The version's own schema is applied: a property no schema knows is refused.
        let mut m: serde_json::Value =
            serde_json::from_str(&pkg.manifest.to_json_pretty()).unwrap();
        m["notAManifestField"] = serde_json::json!(true);
        let mut raw = pkg.to_raw();
        raw.files.insert(
            "manifest.json".into(),
            serde_json::to_vec_pretty(&m).unwrap(),
        );
        let report = validate_package(&raw, &ValidateOptions::default());
        assert_eq!(
            report.codes().into_iter().collect::<Vec<_>>(),
            ["BD-SCHEMA-001"],
            "{v}:\n{}",
            show(&report)
        );
    }
}

#[test]
fn rebuild_is_byte_identical() {
    for v in GOLDEN_VERSIONS {
        let a = golden(v).build_zip().unwrap();
        let b = golden(v).build_zip().unwrap();
        assert_eq!(a, b, "{v}: two builds differ");
        // Import → build again: still the same bytes.
        let again = Package::from_zip(&a).unwrap().build_zip().unwrap();
        assert_eq!(a, again, "{v}: import + rebuild differs");
    }
}

#[test]
fn built_zip_has_flat_layout_with_manifest_first_and_only_referenced_files() {
    let mut pkg = golden(SchemaVersion::LATEST);
    pkg.files
        .insert("notes.txt".into(), b"not referenced".to_vec());
    let zip = pkg.build_zip().unwrap();
    let raw = read_zip(&zip, &ImportLimits::default()).unwrap();
    let names: Vec<&str> = raw.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["color.png", "de-de.json", "manifest.json", "outline.png"]
    );
    assert!(raw.folders.is_empty());
    // Order inside the archive: manifest.json first, then by name.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).unwrap();
    let first = archive.by_index(0).unwrap().name().to_string();
    assert_eq!(first, "manifest.json");
}

#[test]
fn golden_catalog_check() {
    let zip = golden(SchemaVersion::LATEST).build_zip().unwrap();
    let older = ValidateOptions {
        catalog_version: Some(semver::Version::new(1, 0, 2)),
    };
    assert!(validate_zip(&zip, &older).findings.is_empty());
    let same = ValidateOptions {
        catalog_version: Some(semver::Version::new(1, 0, 3)),
    };
    let codes = validate_zip(&zip, &same).codes();
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["BD-VER-002"]);
}

#[test]
fn maximal_package_is_near_the_limit_and_valid() {
    let pkg = botdeck_core::package::fixtures::maximal();
    let raw = pkg.to_raw();
    let size = raw.content_size();
    assert!(
        size <= botdeck_core::package::MAX_PACKAGE_BYTES && size > 9 * 1024 * 1024,
        "{size}"
    );
    let report = validate_package(&raw, &ValidateOptions::default());
    assert!(report.findings.is_empty(), "{}", show(&report));
    let lists = pkg.manifest.bot().unwrap().command_lists.as_ref().unwrap();
    assert!(lists.iter().all(|l| l.commands.len() == 12));
}
