//! The permissions page's commands through Tauri's mock runtime: profiles are listed,
//! imported (errors name line and field), exported and deleted; inspections and fixes refuse
//! malformed payloads with `invalid_request` and a missing sign-in with `sign_in_required`.
//! Nothing here panics, whatever the window sends. (Signed-in reads and the revoke story run
//! against the demo tenant in tests/e2e/permissions.test.mjs.)

mod common;

use botdeck_app::{AppState, StartupOptions};
use common::*;
use tauri::ipc::InvokeBody;
use tauri::test::get_ipc_response;

use botdeck_core::config::DataPaths;
use serde_json::{json, Value};

const FLASHDUTY_APP_ID: &str = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";
/// A progress channel id as the webview sends it.
const CHANNEL: &str = "__CHANNEL__:7";

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn builtin_profiles_are_listed_with_the_demo_bot_app_id() {
    let (_tmp, h) = fresh();
    let list = invoke(&h, "perms_profiles", json!({})).expect("profiles");
    assert_eq!(
        ids(&list),
        ["flashduty", "pagerduty", "ox-security", "mattermost"]
    );
    assert_eq!(list[0]["appId"], FLASHDUTY_APP_ID);
    assert_eq!(list[0]["source"], "builtin");
    let ox = &list[2];
    assert_eq!(
        ox["models"].as_array().map(Vec::len),
        Some(2),
        "OX has two connection models: {ox}"
    );
}

#[test]
fn custom_profiles_are_imported_exported_and_deleted() {
    let (_tmp, h) = fresh();
    let toml = "id = \"acme\"\nname = \"Acme bot\"\nappId = \"11111111-2222-3333-4444-555555555555\"\n\n[[permissions]]\nname = \"Team.ReadBasic.All\"\ntype = \"application\"\npurpose = \"List teams.\"\n";
    let imported = invoke(
        &h,
        "perms_import_profile",
        json!({"fileName": "acme.toml", "text": toml}),
    )
    .expect("imported");
    assert_eq!(imported["id"], "acme");
    assert_eq!(imported["source"], "custom");
    let list = invoke(&h, "perms_profiles", json!({})).expect("profiles");
    assert!(ids(&list).contains(&"acme".to_string()));

    let json_text = invoke(
        &h,
        "perms_export_profile",
        json!({"permProfileId": "acme", "format": "json"}),
    )
    .expect("export json");
    let parsed: Value = serde_json::from_str(json_text.as_str().expect("text")).expect("json");
    assert_eq!(parsed["permissions"][0]["name"], "Team.ReadBasic.All");
    let toml_text = invoke(
        &h,
        "perms_export_profile",
        json!({"permProfileId": "flashduty", "format": "toml"}),
    )
    .expect("export toml");
    assert!(toml_text
        .as_str()
        .is_some_and(|t| t.contains("Team.ReadBasic.All")));

    let after =
        invoke(&h, "perms_delete_profile", json!({"permProfileId": "acme"})).expect("deleted");
    assert!(!ids(&after).contains(&"acme".to_string()));
    let err = invoke(&h, "perms_delete_profile", json!({"permProfileId": "acme"}))
        .expect_err("already gone");
    assert_eq!(err["code"], "not_found");
    let err = invoke(
        &h,
        "perms_delete_profile",
        json!({"permProfileId": "flashduty"}),
    )
    .expect_err("built in");
    assert_eq!(err["code"], "invalid_input");
}

#[test]
fn import_errors_name_the_line_and_the_field() {
    let (_tmp, h) = fresh();
    let bad_rsc =
        "id = \"x\"\nname = \"X\"\n[[permissions]]\nname = \"Chat.Read.All\"\ntype = \"rsc\"\n";
    let err = invoke(
        &h,
        "perms_import_profile",
        json!({"fileName": "x.toml", "text": bad_rsc}),
    )
    .expect_err("not an RSC name");
    assert_eq!(err["code"], "invalid_input");
    let message = err["message"].as_str().expect("message");
    assert!(
        message.starts_with("x.toml:4: permissions[0].type:"),
        "{message}"
    );

    let syntax = "{\n  \"id\": \"x\",\n  \"name\": \n}";
    let err = invoke(
        &h,
        "perms_import_profile",
        json!({"fileName": "x.json", "text": syntax}),
    )
    .expect_err("syntax");
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("x.json:")),
        "{err}"
    );

    let err = invoke(
        &h,
        "perms_import_profile",
        json!({"fileName": "x.yaml", "text": "id: x"}),
    )
    .expect_err("extension");
    assert_eq!(err["code"], "invalid_input");

    let builtin_id = "id = \"flashduty\"\nname = \"Mine\"\n";
    let err = invoke(
        &h,
        "perms_import_profile",
        json!({"fileName": "mine.toml", "text": builtin_id}),
    )
    .expect_err("built-in id");
    assert_eq!(err["code"], "invalid_input");
    let list = invoke(&h, "perms_profiles", json!({})).expect("profiles");
    assert_eq!(list.as_array().map(Vec::len), Some(4), "nothing was stored");
}

#[test]
fn garbage_payloads_get_a_typed_error() {
    let (_tmp, h) = fresh();
    let cases: &[(&str, Value)] = &[
        ("perms_import_profile", json!({})),
        ("perms_import_profile", json!({"fileName": 7, "text": "x"})),
        (
            "perms_import_profile",
            json!({"fileName": "a.json", "text": "{}", "path": "/etc/passwd"}),
        ),
        (
            "perms_export_profile",
            json!({"permProfileId": "flashduty", "format": "yaml"}),
        ),
        ("perms_export_profile", json!(null)),
        ("perms_delete_profile", json!([1, 2])),
        ("perms_inspect", json!({"onProgress": CHANNEL})),
        ("perms_cached", json!({})),
        (
            "perms_inspect",
            json!({"permProfileId": "flashduty", "allTeams": "yes", "onProgress": CHANNEL}),
        ),
        (
            "perms_inspect",
            json!({"permProfileId": "flashduty", "teamIds": "t1", "onProgress": CHANNEL}),
        ),
        ("perms_cached", json!("flashduty")),
        (
            "perms_plan_fix",
            json!({"appId": FLASHDUTY_APP_ID, "permission": "Group.ReadWrite.All"}),
        ),
        (
            "perms_plan_fix",
            json!({"appId": FLASHDUTY_APP_ID, "permission": "Group.ReadWrite.All", "kind": "root"}),
        ),
        (
            "perms_apply_fix",
            json!({"permission": "Group.ReadWrite.All", "kind": "application"}),
        ),
        (
            "perms_apply_fix",
            json!({"appId": FLASHDUTY_APP_ID, "permission": "Group.ReadWrite.All", "kind": "application", "assignmentId": "x"}),
        ),
    ];
    for (cmd, bad) in cases {
        let err = invoke(&h, cmd, bad.clone()).expect_err("must be refused");
        assert_eq!(err["code"], "invalid_request", "{cmd} {bad} → {err}");
        assert!(
            err["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("malformed request")),
            "{err}"
        );
    }
    for cmd in ["perms_cached", "perms_apply_fix", "perms_import_profile"] {
        let raw = get_ipc_response(
            &h.window,
            request(cmd, InvokeBody::Raw(vec![0xff, 0x00]), &[]),
        );
        let err = raw.expect_err("raw bytes refused");
        assert_eq!(err["code"], "invalid_request", "{cmd}");
    }
}

#[test]
fn inspecting_checks_the_input_before_asking_for_a_sign_in() {
    let (_tmp, h) = fresh();
    let err = invoke(
        &h,
        "perms_inspect",
        json!({"permProfileId": "nope", "onProgress": CHANNEL}),
    )
    .expect_err("unknown profile");
    assert_eq!(err["code"], "invalid_input");
    for (bad, field) in [
        (
            json!({"permProfileId": "flashduty", "teamIds": ["not-a-team-id"]}),
            "teamIds",
        ),
        (
            json!({"permProfileId": "flashduty", "teamIds": [""]}),
            "teamIds",
        ),
        (
            json!({"permProfileId": "flashduty", "chatIds": ["../me"]}),
            "chatIds",
        ),
    ] {
        let mut bad = bad.clone();
        bad["onProgress"] = json!(CHANNEL);
        let err = invoke(&h, "perms_inspect", bad.clone()).expect_err("bad id");
        assert_eq!(err["code"], "invalid_input", "{bad} → {err}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains(field)),
            "{err}"
        );
    }
    // Not signed in anywhere (no tenant at all): the page offers sign-in.
    let err = invoke(
        &h,
        "perms_inspect",
        json!({"permProfileId": "flashduty", "onProgress": CHANNEL}),
    )
    .expect_err("no sign-in");
    assert_eq!(err["code"], "sign_in_required", "{err}");
    let err = invoke(
        &h,
        "perms_inspect",
        json!({"permProfileId": "flashduty", "appId": "  ", "allTeams": true, "onProgress": CHANNEL}),
    )
    .expect_err("blank app id falls back to the profile's, then needs a sign-in");
    assert_eq!(err["code"], "sign_in_required", "{err}");
    // A custom profile without an app id needs one from the window.
    invoke(
        &h,
        "perms_import_profile",
        json!({"fileName": "noapp.json", "text": r#"{"id": "noapp", "name": "No app", "permissions": [{"name": "User.Read", "type": "delegated"}]}"#}),
    )
    .expect("imported");
    let err = invoke(
        &h,
        "perms_inspect",
        json!({"permProfileId": "noapp", "onProgress": CHANNEL}),
    )
    .expect_err("no app id");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"]
        .as_str()
        .is_some_and(|m| m.contains("app id")));
}

#[test]
fn fixes_need_a_sign_in_and_change_nothing_without_one() {
    let (_tmp, h) = fresh();
    let fix = json!({"appId": FLASHDUTY_APP_ID, "permission": "Group.ReadWrite.All", "kind": "application",
                     "permProfileId": "flashduty", "expectedRequest": "DELETE /x"});
    for cmd in ["perms_plan_fix", "perms_apply_fix"] {
        let err = invoke(&h, cmd, fix.clone()).expect_err("no sign-in");
        assert_eq!(err["code"], "sign_in_required", "{cmd}: {err}");
    }
    let audit = invoke(&h, "recent_activity", json!({})).expect("activity");
    assert_eq!(audit, json!([]), "nothing was applied, nothing audited");
}

#[test]
fn a_signed_out_demo_profile_is_asked_to_sign_in() {
    let tmp = tempfile::tempdir().expect("tmp");
    let options = StartupOptions {
        demo: true,
        ..StartupOptions::default()
    };
    let state = AppState::start(DataPaths::under(tmp.path()), &options, None);
    let h = harness_with(state);
    let err = invoke(
        &h,
        "perms_inspect",
        json!({"permProfileId": "flashduty", "onProgress": CHANNEL}),
    )
    .expect_err("signed out");
    // Without a Secret Service (plain `cargo test`) sign-in itself is unavailable: `keyring`.
    let code = err["code"].as_str().unwrap_or_default();
    assert!(code == "sign_in_required" || code == "keyring", "{err}");
}

#[test]
fn a_malformed_app_id_is_refused_before_any_sign_in_or_cache_read() {
    let (_tmp, h) = fresh();
    for cmd in ["perms_inspect", "perms_cached"] {
        let err = invoke(
            &h,
            cmd,
            json!({"permProfileId": "flashduty", "appId": "flashduty-bot", "onProgress": CHANNEL}),
        )
        .expect_err("not a GUID");
        assert_eq!(err["code"], "invalid_input", "{cmd}: {err}");
        assert!(
            err["message"]
                .as_str()
                .is_some_and(|m| m.contains("\"flashduty-bot\" is not a valid Entra app id")),
            "{cmd}: {err}"
        );
    }
    // A fix names its app too: refused before a sign-in is looked for (there is none here).
    for bad in [
        "flashduty-bot",
        "{8f79a561-d2f1-4a1e-8092-c2039043a40e}",
        "",
    ] {
        let fix = json!({"appId": bad, "permission": "Group.ReadWrite.All", "kind": "application"});
        for cmd in ["perms_plan_fix", "perms_apply_fix"] {
            let err = invoke(&h, cmd, fix.clone()).expect_err("not an app id");
            assert_eq!(err["code"], "invalid_input", "{cmd} {bad:?}: {err}");
            assert!(
                err["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("app id")),
                "{cmd} {bad:?}: {err}"
            );
        }
    }
    let audit = invoke(&h, "recent_activity", json!({})).expect("activity");
    assert_eq!(audit, json!([]), "nothing was applied, nothing audited");
}

#[test]
fn nothing_cached_and_nothing_to_cancel_on_a_fresh_machine() {
    let (_tmp, h) = fresh();
    // No tenant at all: there is nothing the cache could hold for it.
    let err =
        invoke(&h, "perms_cached", json!({"permProfileId": "flashduty"})).expect_err("no tenant");
    assert_eq!(err["code"], "sign_in_required", "{err}");
    assert_eq!(
        invoke(&h, "perms_cancel", json!({})).expect("cancel"),
        json!(false),
        "no read is running"
    );
}
