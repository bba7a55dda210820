//! `botdeck package ...` as a script or CI job uses it: real binary, real files, exit codes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BOT_ID: &str = "0e8f5a3c-7b21-4d9e-8c6a-5f4e3d2c1b0a";
const APP_ID: &str = "6f0b6c1e-3a5d-4c47-9a7e-2f5b8d1c0a11";

fn botdeck(tmp: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(args)
        .current_dir(tmp)
        .env("BOTDECK_DATA_DIR", tmp.join(".data"))
        .env("BOTDECK_LOG_DIR", tmp.join(".logs"))
        .output()
        .expect("run botdeck")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A bad input must give exit 2 and one clear line on stderr, never a panic.
fn assert_usage_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(code(o), 2, "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

fn new_app(tmp: &Path, dir: &str) {
    let o = botdeck(
        tmp,
        &[
            "package",
            "new",
            dir,
            "--name",
            "FlashDuty",
            "--bot-id",
            BOT_ID,
            "--app-id",
            APP_ID,
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

fn edit_manifest(dir: &Path, f: impl FnOnce(&mut Value)) {
    let path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    f(&mut m);
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn new_validate_build_is_clean_and_deterministic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    new_app(t, "app");
    let o = botdeck(t, &["package", "validate", "app"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("no problems found"));

    assert_eq!(
        code(&botdeck(t, &["package", "build", "app", "-o", "a.zip"])),
        0
    );
    assert_eq!(
        code(&botdeck(t, &["package", "build", "app", "-o", "b.zip"])),
        0
    );
    let a = std::fs::read(t.join("a.zip")).unwrap();
    assert_eq!(a, std::fs::read(t.join("b.zip")).unwrap(), "builds differ");

    let o = botdeck(t, &["package", "validate", "a.zip", "--json"]);
    assert_eq!(code(&o), 0);
    let report: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["manifestVersion"], "1.30");

    let o = botdeck(t, &["package", "validate", "a.zip", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    assert!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len()
            > 30
    );
}

#[test]
fn new_zip_directly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let o = botdeck(t, &["package", "new", "fresh.zip", "--name", "Pager"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--bot-id"),
        "nil botId must be pointed out"
    );
    let o = botdeck(t, &["package", "inspect", "fresh.zip", "--json"]);
    let s: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(s["name"], "Pager");
    let titles: Vec<&str> = s["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["linkTeam", "linkChat", "linkUser"]);
    // Refuses to overwrite without --force.
    let o = botdeck(t, &["package", "new", "fresh.zip"]);
    assert_usage_error(&o, "already exists");
}

#[test]
fn validation_errors_exit_1_in_every_format_and_block_build() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    new_app(t, "app");
    edit_manifest(&t.join("app"), |m| m["accentColor"] = "#FFF".into());

    let o = botdeck(t, &["package", "validate", "app"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("BD-COLOR-001"), "{}", stdout(&o));

    let o = botdeck(t, &["package", "validate", "app", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let r: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    let codes: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["BD-COLOR-001"]);
    assert_eq!(r["findings"][0]["path"], "/accentColor");

    let o = botdeck(t, &["package", "validate", "app", "--format", "sarif"]);
    assert_eq!(code(&o), 1);
    let s: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    let res = &s["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "BD-COLOR-001");
    assert_eq!(res["level"], "error");
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "app/manifest.json");
    assert!(loc["region"]["startLine"].as_u64().unwrap() > 1);

    let o = botdeck(t, &["package", "build", "app", "-o", "out.zip"]);
    assert_eq!(code(&o), 1);
    assert!(!t.join("out.zip").exists(), "no zip may be written");
    assert!(stderr(&o).contains("BD-COLOR-001"));
}

#[test]
fn catalog_version_rule() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    new_app(t, "app");
    let o = botdeck(
        t,
        &["package", "validate", "app", "--catalog-version", "1.0.0"],
    );
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("BD-VER-002"));
    let o = botdeck(
        t,
        &["package", "validate", "app", "--catalog-version", "0.9.9"],
    );
    assert_eq!(code(&o), 0);
    let o = botdeck(
        t,
        &["package", "validate", "app", "--catalog-version", "latest"],
    );
    assert_usage_error(&o, "--catalog-version");
}

#[test]
fn bump_folder_in_place_touches_only_the_version() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    new_app(t, "app");
    let before = std::fs::read_to_string(t.join("app/manifest.json")).unwrap();
    let o = botdeck(t, &["package", "bump", "app", "minor"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("1.0.0 -> 1.1.0"));
    let after = std::fs::read_to_string(t.join("app/manifest.json")).unwrap();
    assert_eq!(
        after,
        before.replace("\"version\": \"1.0.0\"", "\"version\": \"1.1.0\"")
    );
}

#[test]
fn bump_zip_to_output_then_diff() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    new_app(t, "app");
    assert_eq!(
        code(&botdeck(t, &["package", "build", "app", "-o", "v1.zip"])),
        0
    );
    let o = botdeck(t, &["package", "bump", "v1.zip", "-o", "v2.zip"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = botdeck(
        t,
        &["package", "diff", "v1.zip", "v2.zip", "--format", "json"],
    );
    assert_eq!(code(&o), 0);
    let d: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(d["entries"].as_array().unwrap().len(), 1);
    assert_eq!(d["entries"][0]["path"], "/version");
    assert_eq!(d["entries"][0]["new"], "1.0.1");
    assert_eq!(d["reconsentRequired"], false);
}

#[test]
fn diff_flags_reconsent_for_a_new_bot_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    new_app(t, "a");
    new_app(t, "b");
    edit_manifest(&t.join("b"), |m| {
        m["bots"][0]["botId"] = "11111111-2222-3333-4444-555555555555".into();
    });
    let o = botdeck(t, &["package", "diff", "a", "b"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains("/bots/0/botId"), "{out}");
    assert!(out.contains("re-consent: REQUIRED"), "{out}");
    // A bare manifest file works as either side.
    let o = botdeck(t, &["package", "diff", "a/manifest.json", "b", "--json"]);
    let d: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(d["reconsentRequired"], true);
}

#[test]
fn bad_inputs_give_one_line_and_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    std::fs::write(t.join("garbage.zip"), b"this is not a zip").unwrap();
    std::fs::write(t.join("bad.json"), b"{\"a\": 1,}").unwrap();

    assert_usage_error(
        &botdeck(t, &["package", "validate", "missing.zip"]),
        "missing.zip",
    );
    assert_usage_error(
        &botdeck(t, &["package", "inspect", "missing.zip"]),
        "missing.zip",
    );
    assert_usage_error(&botdeck(t, &["package", "inspect", "garbage.zip"]), "zip");
    assert_usage_error(&botdeck(t, &["package", "bump", "garbage.zip"]), "zip");
    assert_usage_error(
        &botdeck(t, &["package", "diff", "bad.json", "garbage.zip"]),
        "bad.json",
    );
    assert_usage_error(
        &botdeck(t, &["package", "build", "garbage.zip", "-o", "x.zip"]),
        "folder",
    );
    assert_usage_error(
        &botdeck(t, &["package", "build", "nowhere", "-o", "x.zip"]),
        "nowhere",
    );
    assert_usage_error(
        &botdeck(t, &["package", "new", "x", "--manifest-version", "9.9"]),
        "--manifest-version",
    );
    // Ids are checked as the flag is read: the message names the flag and what an id looks
    // like, and nothing is written.
    assert_usage_error(
        &botdeck(t, &["package", "new", "x", "--bot-id", "nope"]),
        "--bot-id",
    );
    assert_usage_error(
        &botdeck(
            t,
            &[
                "package",
                "new",
                "x",
                "--manifest-id",
                "{1f0e9d8c-7b6a-4a5b-8c9d-0e1f2a3b4c5d}",
            ],
        ),
        "not a valid manifest id",
    );
    assert!(!t.join("x").exists(), "a refused id writes nothing");

    // A file that is not a zip is a *finding* for validate (CI wants the report), exit 1.
    let o = botdeck(t, &["package", "validate", "garbage.zip", "--json"]);
    assert_eq!(code(&o), 1);
    let r: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(r["findings"][0]["code"], "BD-ZIP-001");
    // So is a broken manifest given directly.
    let o = botdeck(t, &["package", "validate", "bad.json"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("BD-JSON-003"));

    // clap's own usage errors.
    assert_eq!(code(&botdeck(t, &["package", "bump", "x", "mega"])), 2);
    assert_eq!(code(&botdeck(t, &["package", "frobnicate"])), 2);
}

#[test]
fn zip_slip_archive_is_reported_not_extracted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let zip = botdeck_core::package::write_zip(&[("manifest.json", b"{}"), ("../evil.sh", b"x")])
        .unwrap();
    std::fs::write(t.join("evil.zip"), zip).unwrap();
    let o = botdeck(t, &["package", "validate", "evil.zip", "--json"]);
    assert_eq!(code(&o), 1);
    let r: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(r["findings"][0]["code"], "BD-ZIP-004");
    assert!(!t.join("../evil.sh").exists());
    assert_usage_error(
        &botdeck(t, &["package", "inspect", "evil.zip"]),
        "unsafe entry path",
    );
}

#[test]
fn new_validate_build_and_bump_on_old_manifest_versions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    for v in ["1.0", "1.4", "1.5", "1.16"] {
        let dir = format!("old-{v}");
        let o = botdeck(
            t,
            &[
                "package",
                "new",
                &dir,
                "--name",
                "Pager",
                "--manifest-version",
                v,
            ],
        );
        assert_eq!(code(&o), 0, "{v}: {}", stderr(&o));
        let o = botdeck(t, &["package", "validate", &dir, "--json"]);
        assert_eq!(code(&o), 0, "{v}: {}", stdout(&o));
        let r: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
        assert_eq!(r["manifestVersion"], v);
        assert_eq!(r["findings"].as_array().map(Vec::len), Some(0), "{v}: {r}");
        let o = botdeck(t, &["package", "bump", &dir, "minor"]);
        assert_eq!(code(&o), 0, "{v}: {}", stderr(&o));
        let m: Value =
            serde_json::from_slice(&std::fs::read(t.join(&dir).join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(m["version"], "1.1.0", "{v}");
        assert_eq!(m["manifestVersion"], v);
        let o = botdeck(t, &["package", "build", &dir, "-o", &format!("{dir}.zip")]);
        assert_eq!(code(&o), 0, "{v}: {}", stderr(&o));
    }
    // 1.18 never existed: refused with the list of what does.
    assert_usage_error(
        &botdeck(t, &["package", "new", "x", "--manifest-version", "1.18"]),
        "1.17",
    );
}

#[cfg(unix)]
#[test]
fn a_package_folder_with_a_symlink_out_of_it_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    new_app(t, "linked");
    std::fs::write(t.join("secret.txt"), b"not for Teams").unwrap();
    let icon = t.join("linked").join("outline.png");
    std::fs::remove_file(&icon).unwrap();
    std::os::unix::fs::symlink(t.join("secret.txt"), &icon).unwrap();
    for args in [
        vec!["package", "validate", "linked"],
        vec!["package", "build", "linked", "-o", "linked.zip"],
    ] {
        let o = botdeck(t, &args);
        assert_usage_error(&o, "outside the folder");
    }
    assert!(!t.join("linked.zip").exists());
}

/// Every subcommand answers `--json` with its result on stdout, and errors as the common
/// `{code, message, retryable}` object.
#[test]
fn every_subcommand_answers_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let o = botdeck(
        t,
        &["package", "new", "app", "--name", "FlashDuty", "--json"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let created: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(created["name"], "FlashDuty");
    assert_eq!(created["version"], "1.0.0");
    assert_eq!(created["botIdIsPlaceholder"], true);
    assert!(created["id"].as_str().is_some_and(|id| id.len() == 36));

    let o = botdeck(t, &["package", "build", "app", "-o", "a.zip", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let built: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(built["report"]["errors"], 0);
    assert_eq!(built["built"]["version"], "1.0.0");
    let size = std::fs::metadata(t.join("a.zip"))
        .expect("the built zip")
        .len();
    assert_eq!(built["built"]["size"], size);

    let o = botdeck(t, &["package", "bump", "a.zip", "minor", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let bumped: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(
        (&bumped["old"], &bumped["new"]),
        (&"1.0.0".into(), &"1.1.0".into())
    );
    let o = botdeck(t, &["package", "inspect", "a.zip", "--json"]);
    let summary: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(summary["version"], "1.1.0");

    // Errors block the build: the report says why, nothing is built, exit 1.
    edit_manifest(&t.join("app"), |m| m["accentColor"] = "#FFF".into());
    let o = botdeck(t, &["package", "build", "app", "-o", "b.zip", "--json"]);
    assert_eq!(code(&o), 1);
    let refused: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(refused["built"], Value::Null);
    assert_eq!(refused["report"]["findings"][0]["code"], "BD-COLOR-001");
    assert!(!t.join("b.zip").exists());

    for args in [
        &["package", "inspect", "missing.zip", "--json"][..],
        &["package", "bump", "missing", "--json"][..],
        &["package", "build", "missing", "-o", "x.zip", "--json"][..],
    ] {
        let o = botdeck(t, args);
        assert_eq!(code(&o), 2, "{args:?}");
        let err: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
        assert_eq!(err["code"], "not_found", "{args:?}: {err}");
        assert!(err["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing")));
        assert_eq!(err["retryable"], false);
    }
    let o = botdeck(t, &["package", "new", "app", "--json"]);
    assert_eq!(code(&o), 2);
    let err: Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"]
        .as_str()
        .is_some_and(|m| m.contains("--force")));
}
