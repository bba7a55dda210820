//! The Links commands through Tauri's mock runtime: malformed payloads get typed errors,
//! values are judged before any sign-in, network or store work, and nothing works for a
//! tenant nobody signed in to. (The signed-in flows run against tenant-sim in
//! src-tauri/core/tests/links_sim.rs and tests/e2e/links.test.mjs.)

mod common;

use common::*;

use serde_json::{json, Value};

const CHANNEL: &str = "__CHANNEL__:7";
const APP: &str = "11111111-1111-4111-8111-111111111111";
const FLASHDUTY_TOML: &[u8] = include_bytes!("../src-tauri/core/links/flashduty.toml");

#[test]
fn garbage_payloads_get_a_typed_error() {
    let (_tmp, h) = fresh();
    let cases: &[(&str, Value)] = &[
        ("links_overview", json!({"filter": {"state": "sideways"}})),
        ("links_overview", json!({"filter": {"kinds": ["team"]}})),
        ("links_add", json!({"vendor": "flashduty"})),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "x", "appId": APP, "targets": [{"kind": "planet"}]}),
        ),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "x", "appId": APP, "targets": [], "dryrun": true}),
        ),
        ("links_confirm", json!({"link": "l1"})),
        ("links_evidence", json!({"ids": "l1"})),
        ("links_health", json!({"id": ["l1"]})),
        ("links_disconnect", json!({"team": "t"})),
        ("links_export", json!({"format": "xml"})),
        ("links_import", json!({"format": "csv"})),
        (
            "links_import",
            json!({"format": "csv", "text": "x", "goodonly": true}),
        ),
        ("links_save_vendor", json!({"profile": "x"})),
        (
            "links_save_vendor",
            json!({"toml": "id = 1", "checkonly": true}),
        ),
        ("links_targets", json!({"appId": APP})),
        ("links_targets", json!({"appId": APP, "kind": "planet"})),
        (
            "links_targets",
            json!({"appId": APP, "kind": "team", "team": "t"}),
        ),
        (
            "links_targets",
            json!({"appId": APP, "kind": "team", "limit": -1}),
        ),
    ];
    for (cmd, bad) in cases {
        let err = invoke(&h, cmd, bad.clone()).expect_err("must be refused");
        assert_eq!(err["code"], "invalid_request", "{cmd} {bad} → {err}");
        assert_eq!(err["retryable"], false);
    }
    for (cmd, bad) in [
        ("links_remove", json!({"ids": 3, "onProgress": CHANNEL})),
        (
            "links_reach",
            json!({"groupId": "g", "onProgress": CHANNEL}),
        ),
        ("links_fix", json!({"appId": APP, "onProgress": CHANNEL})),
    ] {
        let err = invoke(&h, cmd, bad.clone()).expect_err("must be refused");
        assert_eq!(err["code"], "invalid_request", "{cmd} {bad} → {err}");
    }
}

#[test]
fn bad_values_are_refused_before_sign_in() {
    let (_tmp, h) = fresh();
    // Nobody is signed in: a valid request would answer sign_in_required, so invalid_input
    // proves the values were judged first.
    for (cmd, bad, why) in [
        (
            "links_add",
            json!({"vendor": "", "externalId": "x", "appId": APP, "targets": [{"kind": "team", "teamId": "t"}]}),
            "vendor",
        ),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": " ", "appId": APP, "targets": [{"kind": "team", "teamId": "t"}]}),
            "integration id",
        ),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "x", "appId": "not-a-guid", "targets": [{"kind": "team", "teamId": "t"}]}),
            "bot",
        ),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "x", "appId": APP, "targets": []}),
            "at least one target",
        ),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "x", "appId": APP, "targets": [{"kind": "team"}]}),
            "team id",
        ),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "x", "appId": APP, "targets": [{"kind": "channel", "teamId": "t"}]}),
            "channel id",
        ),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "x", "appId": APP, "targets": [{"kind": "user", "userId": "../me"}]}),
            "not a Teams id",
        ),
        ("links_evidence", json!({"ids": []}), "choose the links"),
        (
            "links_remove",
            json!({"ids": [], "onProgress": CHANNEL}),
            "at least one link",
        ),
        (
            "links_reach",
            json!({"appId": APP, "groupId": " ", "onProgress": CHANNEL}),
            "group",
        ),
        (
            "links_fix",
            json!({"appId": APP, "targets": [], "onProgress": CHANNEL}),
            "nothing to fix",
        ),
        (
            "links_fix",
            json!({"appId": APP, "targets": [{"kind": "chat"}], "onProgress": CHANNEL}),
            "chat id",
        ),
        (
            "links_targets",
            json!({"appId": "bot", "kind": "team"}),
            "not a catalog app id",
        ),
        (
            "links_targets",
            json!({"appId": APP, "kind": "channel"}),
            "choose the team",
        ),
        (
            "links_targets",
            json!({"appId": APP, "kind": "channel", "teamId": "../teams"}),
            "not a team id",
        ),
        (
            "links_targets",
            json!({"appId": APP, "kind": "user", "teamId": "t"}),
            "only to list its channels",
        ),
        (
            "links_save_vendor",
            json!({}),
            "as a file (toml) or as fields (profile)",
        ),
        (
            "links_save_vendor",
            json!({"toml": "id = \"x\"", "checkOnly": true}),
            "not valid",
        ),
        (
            "links_save_vendor",
            json!({"toml": std::str::from_utf8(FLASHDUTY_TOML).unwrap_or(""), "checkOnly": true}),
            "built-in",
        ),
        (
            "links_save_vendor",
            json!({"checkOnly": true, "profile": {
                "id": "Acme On", "name": "Acme", "botName": "Acme", "integrationLabel": "Id",
                "targets": ["team"], "commands": {"team": "@{bot} link {id}"},
                "replies": {"success": ["ok"], "failure": ["Failed:"]}
            }}),
            "lowercase letters",
        ),
        (
            "links_save_vendor",
            json!({"checkOnly": true, "profile": {
                "id": "acme", "name": "Acme", "botName": "Acme", "integrationLabel": "Id",
                "targets": ["team"], "commands": {"team": "@{bot} link {nope}"},
                "replies": {"success": ["ok"], "failure": ["Failed:"]}
            }}),
            "{nope}",
        ),
    ] {
        let err = invoke(&h, cmd, bad.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_input", "{cmd} {bad} → {err}");
        assert!(
            err["message"].as_str().unwrap_or("").contains(why),
            "{why}: {err}"
        );
    }
    // Well-formed requests get as far as the sign-in.
    for (cmd, ok) in [
        ("links_overview", json!({})),
        (
            "links_add",
            json!({"vendor": "flashduty", "externalId": "fd-int-1", "appId": APP, "targets": [{"kind": "team", "teamId": "t"}]}),
        ),
        ("links_evidence", json!({"ids": ["l1"]})),
        ("links_export", json!({"format": "csv"})),
        ("links_import", json!({"format": "json", "text": "[]"})),
        ("links_targets", json!({"appId": APP, "kind": "team"})),
        (
            "links_targets",
            json!({"appId": APP, "kind": "channel", "teamId": "t1"}),
        ),
    ] {
        let err = invoke(&h, cmd, ok.clone()).expect_err("not signed in");
        assert_eq!(err["code"], "sign_in_required", "{cmd} → {err}");
    }
}

#[test]
fn a_valid_custom_vendor_checks_without_saving() {
    let (_tmp, h) = fresh();
    // check-only needs no sign-in and saves nothing: the form validates as the admin types.
    let ok = invoke(
        &h,
        "links_save_vendor",
        json!({"checkOnly": true, "profile": {
            "id": "acme", "name": "Acme", "botName": "Acme", "integrationLabel": "Id",
            "targets": ["team"], "commands": {"team": "@{bot} link {id}"},
            "replies": {"success": ["ok"], "failure": ["Failed:"]}
        }}),
    )
    .expect("valid");
    assert_eq!(ok["id"], "acme");
    // Saving it is an act of a signed-in admin.
    let err = invoke(
        &h,
        "links_save_vendor",
        json!({"profile": {
            "id": "acme", "name": "Acme", "botName": "Acme", "integrationLabel": "Id",
            "targets": ["team"], "commands": {"team": "@{bot} link {id}"},
            "replies": {"success": ["ok"], "failure": ["Failed:"]}
        }}),
    )
    .expect_err("not signed in");
    assert_eq!(err["code"], "sign_in_required", "{err}");
}
