//! The package studio at the boundary both front-ends call: the window's open package and the
//! command line's files get the same transformation, and bad input is refused with a reason.

use botdeck_api::error::ErrorCode;
use botdeck_api::package;
use botdeck_core::package::ipc::{BumpRequest, NewPackageRequest, OpenPathRequest};
use botdeck_core::package::{BumpLevel, NewBotAppOptions, MANIFEST_FILE};

#[test]
fn a_bump_is_the_same_change_in_the_window_and_on_disk() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("app");
    let created = package::new_at(&dir, &NewBotAppOptions::default(), false).expect("new");
    assert!(created.bot_id_is_placeholder);
    // Hand-made layout: a bump must keep it and change only the version literal.
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).expect("manifest");
    let spaced = text.replace("  ", "    ");
    std::fs::write(dir.join(MANIFEST_FILE), &spaced).expect("write");

    let mut studio = package::open_path(&OpenPathRequest {
        path: dir.display().to_string(),
    })
    .expect("open");
    let view = package::bump(
        &mut studio,
        &BumpRequest {
            level: BumpLevel::Minor,
        },
    )
    .expect("window bump");

    let bumped = package::bump_at(&dir, BumpLevel::Minor, None).expect("file bump");
    assert_eq!(
        (bumped.old.as_str(), bumped.new.as_str()),
        ("1.0.0", "1.1.0")
    );
    let on_disk = std::fs::read_to_string(dir.join(MANIFEST_FILE)).expect("manifest");
    assert_eq!(on_disk, view.manifest_text, "the same text either way");
    assert_eq!(on_disk, spaced.replace("\"1.0.0\"", "\"1.1.0\""));

    // Local package facts for "update available" agree too.
    let local = package::local_package(&studio).expect("info");
    assert_eq!(
        local,
        package::local_package_at(&dir).expect("info on disk")
    );
    assert_eq!(local.version, "1.1.0");
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let err = package::open(None, &[]).expect_err("empty");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = package::open(Some("x.zip"), b"not a zip").expect_err("not a zip");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = package::open_path(&OpenPathRequest {
        path: "relative/app".into(),
    })
    .expect_err("relative");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = package::new(&NewPackageRequest {
        name: String::new(),
        ..Default::default()
    })
    .expect_err("no name");
    assert_eq!(err.code, ErrorCode::InvalidInput);

    let tmp = tempfile::tempdir().expect("tmp");
    let gone = tmp.path().join("gone.zip");
    for err in [
        package::inspect_at(&gone).expect_err("missing"),
        package::upload_bytes(&gone).expect_err("missing"),
        package::bump_at(&gone, BumpLevel::Patch, None).expect_err("missing"),
    ] {
        assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");
        assert!(err.message.contains("gone.zip"), "{}", err.message);
    }
    let err = package::validate_at(tmp.path(), Some("latest")).expect_err("bad version");
    assert!(err.message.contains("--catalog-version"), "{}", err.message);
    let dir = tmp.path().join("app");
    package::new_at(&dir, &NewBotAppOptions::default(), false).expect("new");
    let err = package::new_at(&dir, &NewBotAppOptions::default(), false).expect_err("exists");
    assert!(err.message.contains("--force"), "{}", err.message);
}
