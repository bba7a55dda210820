//! The Package page's commands through Tauri's mock runtime: raw-byte uploads, edits with live
//! findings, icon fixes, bump, build to a folder, diff — and garbage in every form (wrong JSON,
//! raw junk, a non-zip, a zip-slip zip) giving a typed error, never a panic.

mod common;

use common::*;

use serde_json::{json, Value};

fn codes(view: &Value) -> Vec<String> {
    view["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The template package as a zip, with its outline icon replaced by the (opaque, 192x192,
/// coloured) colour icon: the typical "designer exported the wrong file" mistake.
fn template_zip_with_bad_outline() -> Vec<u8> {
    use botdeck_core::package::{icons, new_bot_app, NewBotAppOptions};
    let mut pkg = new_bot_app(&NewBotAppOptions {
        name: "FlashDutyBot".into(),
        ..Default::default()
    })
    .expect("template");
    pkg.manifest.version = "1.0.3".into();
    let coloured = icons::placeholder_color_icon([200, 30, 30]).expect("png");
    pkg.files.insert("outline.png".into(), coloured);
    pkg.build_zip().expect("zip")
}

#[test]
fn open_fix_bump_build_and_diff() {
    let h = fresh_harness();
    assert_eq!(invoke(&h, "package_current", json!({})), Ok(Value::Null));
    let zip = template_zip_with_bad_outline();
    let view = invoke_raw(
        &h,
        "package_open",
        zip.clone(),
        &[("x-botdeck-file-name", "FlashDutyBot-v1.0.3%20(1).zip")],
    )
    .expect("open");
    assert_eq!(view["source"], "FlashDutyBot-v1.0.3 (1).zip");
    assert_eq!(view["form"]["shortName"], "FlashDutyBot");
    assert!(codes(&view).contains(&"BD-ICON-004".to_string()), "{view}");
    assert_eq!(view["outlineIcon"]["width"], 192);
    assert!(view["outlineIcon"]["dataUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("data:image/png;base64,")));

    let preview = invoke(&h, "package_icon_fix_preview", json!({"icon": "outline"})).expect("pv");
    assert_eq!(preview["beforeWidth"], 192);
    assert_eq!(preview["afterWidth"], 32);
    // A preview changes nothing.
    let again = invoke(&h, "package_current", json!({})).expect("current");
    assert!(codes(&again).contains(&"BD-ICON-004".to_string()));

    let fixed = invoke(&h, "package_icon_fix", json!({"icon": "outline"})).expect("fix");
    assert_eq!(fixed["view"]["report"]["errors"], 0, "{fixed}");
    assert_eq!(fixed["view"]["outlineIcon"]["width"], 32);
    assert_eq!(fixed["view"]["edited"], true);

    let view = invoke(
        &h,
        "package_set_catalog_version",
        json!({"catalogVersion": "1.0.3"}),
    )
    .expect("catalog");
    assert!(codes(&view).contains(&"BD-VER-002".to_string()));
    let view = invoke(&h, "package_bump", json!({"level": "patch"})).expect("bump");
    assert_eq!(view["form"]["version"], "1.0.4");
    assert_eq!(view["report"]["errors"], 0);
    assert_eq!(view["suggestedFileName"], "FlashDutyBot-v1.0.4.zip");

    let out = tempfile::tempdir().expect("out");
    let dir = out.path().to_str().expect("utf8");
    let built = invoke(&h, "package_build", json!({"directory": dir})).expect("build");
    assert_eq!(built["fileName"], "FlashDutyBot-v1.0.4.zip");
    let written = std::fs::read(out.path().join("FlashDutyBot-v1.0.4.zip")).expect("zip");
    assert_eq!(built["size"], written.len());
    // Deterministic: building again finds the same bytes and writes nothing new.
    let again = invoke(&h, "package_build", json!({"directory": dir})).expect("build");
    assert_eq!(again["unchanged"], true);

    // The diff against the original flags no re-consent for a version bump and an icon...
    let diff = invoke_raw(
        &h,
        "package_diff",
        zip,
        &[("x-botdeck-file-name", "FlashDutyBot-v1.0.3.zip")],
    )
    .expect("diff");
    assert_eq!(diff["other"], "FlashDutyBot-v1.0.3.zip");
    assert_eq!(diff["diff"]["reconsentRequired"], false);
    assert!(diff["diff"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["path"] == "/version"));
    // ...but does for a new bot id.
    invoke(
        &h,
        "package_edit",
        json!({"edits": [{"pointer": "/bots/0/botId", "value": "6f1b6e2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"}]}),
    )
    .expect("edit");
    let diff = invoke_raw(&h, "package_diff", written, &[]).expect("diff");
    assert_eq!(diff["diff"]["reconsentRequired"], true);
    assert_eq!(diff["other"], "other.zip");

    invoke(&h, "package_close", json!({})).expect("close");
    assert_eq!(invoke(&h, "package_current", json!({})), Ok(Value::Null));
}

#[test]
fn new_app_edits_and_json_text_revalidate_live() {
    let h = fresh_harness();
    let view = invoke(&h, "package_new", json!({"name": "Alert Bot"})).expect("new");
    assert_eq!(view["report"]["errors"], 0, "{view}");
    assert_eq!(view["source"], "New bot app");
    let titles: Vec<&str> = view["form"]["commandLists"]
        .as_array()
        .expect("lists")
        .iter()
        .map(|l| l["commands"][0]["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(titles, ["linkTeam", "linkChat", "linkUser"]);

    let view = invoke(
        &h,
        "package_edit",
        json!({"edits": [
            {"pointer": "/name/short", "value": "A name that is far too long for Teams"},
            {"pointer": "/validDomains", "value": ["*.com"]},
            {"pointer": "/developer/privacyUrl"}
        ]}),
    )
    .expect("edit");
    let found = codes(&view);
    for code in ["BD-NAME-001", "BD-DOMAIN-002"] {
        assert!(found.contains(&code.to_string()), "{code} in {found:?}");
    }
    let finding = view["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "BD-NAME-001")
        .expect("name finding");
    assert_eq!(finding["path"], "/name/short");
    assert!(finding["hint"].as_str().is_some_and(|h| !h.is_empty()));

    let view = invoke(
        &h,
        "package_set_manifest",
        json!({"text": "{\"version\": "}),
    )
    .expect("t");
    assert_eq!(view["form"], Value::Null);
    assert!(codes(&view).contains(&"BD-JSON-003".to_string()));
    let err = invoke(&h, "package_edit", json!({"edits": []})).expect_err("no object");
    assert_eq!(err["code"], "invalid_input");
    let err = invoke(&h, "package_build", json!({})).expect_err("errors block build");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("error")));
}

#[test]
fn commands_without_an_open_package_say_so() {
    let h = fresh_harness();
    for (cmd, args) in [
        ("package_edit", json!({"edits": []})),
        ("package_bump", json!({"level": "patch"})),
        ("package_icon_fix", json!({"icon": "color"})),
        ("package_build", json!({})),
        ("package_set_manifest", json!({"text": "{}"})),
    ] {
        let err = invoke(&h, cmd, args).expect_err(cmd);
        assert_eq!(err["code"], "not_found", "{cmd}: {err}");
    }
}

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    // Core's writer stores names as given, which is what a hostile archive needs.
    botdeck_core::package::write_zip(entries).expect("zip")
}

#[test]
fn garbage_gets_typed_errors_and_leaves_the_open_package_alone() {
    let h = fresh_harness();
    invoke(&h, "package_new", json!({"name": "Alert Bot"})).expect("new");
    let before = invoke(&h, "package_current", json!({})).expect("current");

    let bad_json = [
        ("package_new", json!({})),
        ("package_new", json!({"name": 42})),
        ("package_new", json!({"name": "x", "evil": true})),
        ("package_edit", json!({"edits": "all"})),
        ("package_edit", json!({"edits": [{"value": 1}]})),
        ("package_bump", json!({"level": "huge"})),
        ("package_icon_fix", json!({"icon": "favicon"})),
        ("package_set_catalog_version", json!({"catalogVersion": 7})),
        ("package_build", json!({"directory": ["/tmp"]})),
        ("package_open_path", json!(null)),
        ("package_set_manifest", json!([1, 2])),
    ];
    for (cmd, args) in bad_json {
        let err = invoke(&h, cmd, args.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_request", "{cmd} {args} → {err}");
    }
    // Commands that take JSON refuse raw bytes, and the upload commands refuse JSON.
    for cmd in ["package_edit", "package_bump", "package_new"] {
        let err = invoke_raw(&h, cmd, vec![0xff, 0x00, 0x13], &[]).expect_err("raw refused");
        assert_eq!(err["code"], "invalid_request", "{cmd}");
    }
    for cmd in ["package_open", "package_diff", "package_icon_replace"] {
        let err = invoke(&h, cmd, json!({"bytes": [1, 2]})).expect_err("json refused");
        assert_eq!(err["code"], "invalid_request", "{cmd}");
    }

    // Uploads that are not what they claim.
    let not_zip = invoke_raw(&h, "package_open", b"%PDF-1.7 not a zip".to_vec(), &[]);
    assert_eq!(not_zip.expect_err("not a zip")["code"], "invalid_input");
    let empty = invoke_raw(&h, "package_open", Vec::new(), &[]);
    assert_eq!(empty.expect_err("empty")["code"], "invalid_input");
    let slip = zip_with(&[("manifest.json", b"{}"), ("../../etc/evil.sh", b"x")]);
    let err = invoke_raw(&h, "package_open", slip.clone(), &[]).expect_err("zip slip");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("..")));
    let err = invoke_raw(&h, "package_diff", slip, &[]).expect_err("zip slip diff");
    assert_eq!(err["code"], "invalid_input");
    let huge = vec![0u8; 64 * 1024 * 1024 + 1];
    let err = invoke_raw(&h, "package_open", huge, &[]).expect_err("too large");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"]
        .as_str()
        .is_some_and(|m| m.contains("64 MiB")));
    let err = invoke_raw(
        &h,
        "package_icon_replace",
        b"not an image".to_vec(),
        &[("x-botdeck-icon", "color")],
    )
    .expect_err("not an image");
    assert_eq!(err["code"], "invalid_input");
    let err = invoke_raw(
        &h,
        "package_icon_replace",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        &[("x-botdeck-icon", "outline")],
    )
    .expect_err("svg");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("SVG")));
    let err = invoke_raw(&h, "package_icon_replace", vec![1, 2, 3], &[]).expect_err("no role");
    assert_eq!(err["code"], "invalid_request");

    // Bad values an admin could type.
    for (cmd, args) in [
        (
            "package_edit",
            json!({"edits": [{"pointer": "name/short", "value": "x"}]}),
        ),
        (
            "package_edit",
            json!({"edits": [{"pointer": "/bots/9/botId", "value": "x"}]}),
        ),
        ("package_edit", json!({"edits": [{"pointer": ""}]})),
        (
            "package_set_catalog_version",
            json!({"catalogVersion": "one"}),
        ),
        ("package_build", json!({"directory": "relative/dir"})),
        (
            "package_build",
            json!({"directory": "/", "fileName": "../escape.zip"}),
        ),
        ("package_open_path", json!({"path": "not/absolute"})),
        ("package_new", json!({"name": "x".repeat(31)})),
    ] {
        let err = invoke(&h, cmd, args.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_input", "{cmd} {args} → {err}");
    }
    let err =
        invoke(&h, "package_open_path", json!({"path": "/no/such/package"})).expect_err("missing");
    assert_eq!(err["code"], "not_found");

    // None of that touched the open package.
    assert_eq!(invoke(&h, "package_current", json!({})), Ok(before));
}

#[test]
fn opens_a_package_folder_by_path() {
    use botdeck_core::package::{new_bot_app, NewBotAppOptions};
    let h = fresh_harness();
    let dir = tempfile::tempdir().expect("dir");
    let pkg = new_bot_app(&NewBotAppOptions::default()).expect("template");
    for (name, bytes) in pkg.to_raw().files {
        std::fs::write(dir.path().join(name), bytes).expect("write");
    }
    let path = dir.path().to_str().expect("utf8");
    let view = invoke(&h, "package_open_path", json!({"path": path})).expect("open");
    assert_eq!(view["report"]["errors"], 0, "{view}");
    assert_eq!(view["source"], path);
    let empty = tempfile::tempdir().expect("empty");
    let err = invoke(&h, "package_open_path", json!({"path": empty.path()})).expect_err("empty");
    assert_eq!(err["code"], "invalid_input");
}
