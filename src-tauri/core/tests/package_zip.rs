//! Hostile archives: zip-slip names, zip bombs (declared and actual size), entry floods, and
//! arbitrary or mutated bytes. Import must refuse with a typed error and never panic.

use std::io::{Cursor, Write};

use botdeck_core::package::fixtures::golden;
use botdeck_core::package::{
    read_path, read_zip, validate_path, validate_zip, write_zip, ImportLimits, Package,
    PackageError, SchemaVersion, ValidateOptions,
};
use proptest::prelude::*;

fn golden_zip() -> Vec<u8> {
    golden(SchemaVersion::LATEST).build_zip().unwrap()
}

/// Writes entries with arbitrary names (the zip writer does not sanitise them).
fn zip_with_names(names: &[&str]) -> Vec<u8> {
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, &b"x"[..])).collect();
    write_zip(&entries).unwrap()
}

/// Writes the golden package's files into `dir` as a package folder.
fn write_folder(dir: &std::path::Path) {
    for (name, bytes) in golden(SchemaVersion::LATEST).to_raw().files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_package_folder_does_not_follow_symlinks_out_of_itself() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let pkg = root.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    write_folder(&pkg);
    // A secret next to the folder, reached through a link named like the outline icon.
    let secret = root.path().join("id_rsa");
    std::fs::write(&secret, b"-----BEGIN OPENSSH PRIVATE KEY-----").unwrap();
    std::fs::remove_file(pkg.join("outline.png")).unwrap();
    symlink(&secret, pkg.join("outline.png")).unwrap();

    let err = read_path(&pkg, &ImportLimits::default()).unwrap_err();
    match &err {
        PackageError::SymlinkOutsideFolder { name, target } => {
            assert_eq!(name, "outline.png");
            assert!(target.ends_with("id_rsa"), "{target:?}");
        }
        other => panic!("expected SymlinkOutsideFolder, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("outside the folder"), "{text}");
    assert!(Package::from_path(&pkg).is_err());
    assert!(matches!(
        validate_path(&pkg, &ValidateOptions::default()),
        Err(PackageError::SymlinkOutsideFolder { .. })
    ));

    // The manifest itself through a link out of the folder: refused the same way.
    let pkg2 = root.path().join("pkg2");
    std::fs::create_dir(&pkg2).unwrap();
    write_folder(&pkg2);
    let outside_manifest = root.path().join("elsewhere.json");
    std::fs::rename(pkg2.join("manifest.json"), &outside_manifest).unwrap();
    symlink(&outside_manifest, pkg2.join("manifest.json")).unwrap();
    assert!(matches!(
        read_path(&pkg2, &ImportLimits::default()),
        Err(PackageError::SymlinkOutsideFolder { .. })
    ));
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_folder_and_a_linked_folder_are_fine() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let pkg = root.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    write_folder(&pkg);
    // The icon lives in a subfolder of the package folder and is linked at the root.
    std::fs::create_dir(pkg.join("art")).unwrap();
    std::fs::rename(pkg.join("color.png"), pkg.join("art/color.png")).unwrap();
    symlink(pkg.join("art/color.png"), pkg.join("color.png")).unwrap();
    // The admin opens the folder through a link to it: that is the folder they chose.
    let via = root.path().join("via-link");
    symlink(&pkg, &via).unwrap();
    for dir in [&pkg, &via] {
        let raw = read_path(dir, &ImportLimits::default()).unwrap();
        assert!(raw.files.contains_key("color.png"), "{dir:?}");
        let report = validate_path(dir, &ValidateOptions::default()).unwrap();
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }
    // A dangling link reads as a missing file, not as an escape.
    std::fs::remove_file(pkg.join("art/color.png")).unwrap();
    let report = validate_path(&pkg, &ValidateOptions::default()).unwrap();
    assert!(
        report.codes().contains("BD-REF-001"),
        "{:?}",
        report.codes()
    );
}

#[test]
fn zip_slip_names_are_refused() {
    for name in [
        "../evil",
        "a/../../evil",
        "/abs/evil",
        "a\\..\\b",
        "..\\evil",
        "C:/Windows/evil",
        "c:evil",
        "./manifest.json",
        "a//b",
    ] {
        let zip = zip_with_names(&["manifest.json", name]);
        match read_zip(&zip, &ImportLimits::default()) {
            Err(PackageError::UnsafeEntryPath { name: got, .. }) => assert_eq!(got, name),
            other => panic!("{name:?}: expected UnsafeEntryPath, got {other:?}"),
        }
        let codes = validate_zip(&zip, &ValidateOptions::default()).codes();
        assert_eq!(
            codes.into_iter().collect::<Vec<_>>(),
            ["BD-ZIP-004"],
            "{name}"
        );
    }
}

#[test]
fn too_many_entries_is_refused() {
    let names: Vec<String> = (0..257).map(|i| format!("f{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let zip = zip_with_names(&refs);
    assert!(matches!(
        read_zip(&zip, &ImportLimits::default()),
        Err(PackageError::TooManyEntries {
            count: 257,
            max: 256
        })
    ));
}

/// A highly compressible entry that inflates past the per-entry limit.
#[test]
fn actual_decompressed_size_is_enforced() {
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let zip = write_zip(&[("manifest.json", b"{}"), ("bomb.bin", &zeros)]).unwrap();
    assert!(zip.len() < 64 * 1024, "should compress well: {}", zip.len());
    let limits = ImportLimits {
        max_entry_bytes: 1024 * 1024,
        ..ImportLimits::default()
    };
    assert!(matches!(
        read_zip(&zip, &limits),
        Err(PackageError::EntryTooLarge { .. })
    ));
    let limits = ImportLimits {
        max_total_bytes: 1024 * 1024,
        ..ImportLimits::default()
    };
    assert!(matches!(
        read_zip(&zip, &limits),
        Err(PackageError::TotalTooLarge { .. })
    ));
}

/// Patch the sizes recorded for `name` (local header and central directory) to `size`.
fn patch_sizes(zip: &mut [u8], name: &[u8], size: u32) {
    let mut i = 0;
    while i + 4 <= zip.len() {
        let sig = &zip[i..i + 4];
        if sig == b"PK\x03\x04" {
            let n = u16::from_le_bytes([zip[i + 26], zip[i + 27]]) as usize;
            if &zip[i + 30..i + 30 + n] == name {
                zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
            }
        } else if sig == b"PK\x01\x02" {
            let n = u16::from_le_bytes([zip[i + 28], zip[i + 29]]) as usize;
            if &zip[i + 46..i + 46 + n] == name {
                zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            }
        }
        i += 1;
    }
}

#[test]
fn huge_declared_size_is_refused_before_inflating() {
    let mut zip = write_zip(&[("manifest.json", b"{}"), ("big.bin", b"small")]).unwrap();
    patch_sizes(&mut zip, b"big.bin", 3_000_000_000);
    match read_zip(&zip, &ImportLimits::default()) {
        Err(PackageError::EntryTooLarge { name, size, .. }) => {
            assert_eq!(name, "big.bin");
            assert_eq!(size, 3_000_000_000);
        }
        other => panic!("expected EntryTooLarge, got {other:?}"),
    }
    let codes = validate_zip(&zip, &ValidateOptions::default()).codes();
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["BD-ZIP-006"]);
}

/// Declared size lies low: the reader must still stop at the limit on the real bytes.
#[test]
fn understated_declared_size_does_not_bypass_the_limit() {
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let mut zip = write_zip(&[("manifest.json", b"{}"), ("liar.bin", &zeros)]).unwrap();
    patch_sizes(&mut zip, b"liar.bin", 10);
    let limits = ImportLimits {
        max_entry_bytes: 1024 * 1024,
        ..ImportLimits::default()
    };
    // Either the reader notices the size mismatch (corrupt archive) or our cap trips; what
    // must never happen is a successful import of 2 MiB.
    match read_zip(&zip, &limits) {
        Err(PackageError::EntryTooLarge { .. })
        | Err(PackageError::TotalTooLarge { .. })
        | Err(PackageError::NotAZip(_)) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn oversized_input_is_refused_without_parsing() {
    let limits = ImportLimits {
        max_archive_bytes: 1000,
        ..ImportLimits::default()
    };
    let zip = golden_zip();
    assert!(matches!(
        read_zip(&zip, &limits),
        Err(PackageError::InputTooLarge { .. })
    ));
}

#[test]
fn garbage_is_not_a_zip() {
    for bytes in [&b""[..], b"PK", b"hello world", b"PK\x05\x06"] {
        assert!(matches!(
            read_zip(bytes, &ImportLimits::default()),
            Err(PackageError::NotAZip(_))
        ));
    }
}

#[test]
fn import_round_trip_keeps_files() {
    let pkg = golden(SchemaVersion::LATEST);
    let back = Package::from_zip(&pkg.build_zip().unwrap()).unwrap();
    assert_eq!(back, pkg);
}

#[test]
fn folder_and_nested_entries_are_kept_for_reporting() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    w.add_directory("icons/", o).unwrap();
    w.start_file("icons/color.png", o).unwrap();
    w.write_all(b"x").unwrap();
    let zip = w.finish().unwrap().into_inner();
    let raw = read_zip(&zip, &ImportLimits::default()).unwrap();
    assert_eq!(raw.folders, ["icons/"]);
    assert!(raw.files.contains_key("icons/color.png"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_zip(&bytes, &ImportLimits::default());
        let _ = validate_zip(&bytes, &ValidateOptions::default());
    }

    /// Flip, overwrite or truncate bytes of a valid package: import and validation may fail
    /// but must not panic, and a successful import still respects the limits.
    #[test]
    fn mutated_valid_zips_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut zip = golden_zip();
        for (idx, byte) in edits {
            let i = idx.index(zip.len());
            zip[i] = byte;
        }
        if truncate {
            let at = cut.index(zip.len());
            zip.truncate(at);
        }
        let limits = ImportLimits::default();
        if let Ok(raw) = read_zip(&zip, &limits) {
            prop_assert!(raw.files.len() <= limits.max_entries);
            prop_assert!(raw.content_size() <= limits.max_total_bytes);
            for name in raw.files.keys() {
                prop_assert!(botdeck_core::package::unsafe_name_reason(name).is_none());
            }
        }
        let _ = validate_zip(&zip, &ValidateOptions::default());
    }

    /// Any entry name with a traversal component or an absolute/backslash form is refused.
    #[test]
    fn generated_slip_names_are_refused(
        prefix in "[a-z]{0,4}",
        kind in 0usize..4,
        suffix in "[a-z]{1,4}",
    ) {
        let name = match kind {
            0 => format!("{prefix}/../{suffix}"),
            1 => format!("/{prefix}{suffix}"),
            2 => format!("{prefix}\\{suffix}"),
            _ => format!("../{prefix}{suffix}"),
        };
        let zip = zip_with_names(&["manifest.json", &name]);
        let refused = matches!(
            read_zip(&zip, &ImportLimits::default()),
            Err(PackageError::UnsafeEntryPath { .. })
        );
        prop_assert!(refused, "{} was accepted", name);
    }
}
