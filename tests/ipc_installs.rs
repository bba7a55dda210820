//! The Catalog and Installations commands through Tauri's mock runtime: malformed payloads
//! get typed errors, nothing works for a tenant nobody signed in to, and the offline queries
//! answer on an empty cache. (The signed-in flows run against tenant-sim end to end:
//! tests/e2e/installations.test.mjs.)

mod common;

use common::*;

use serde_json::{json, Value};

/// What `new Channel()` sends from the window: a callback id in Tauri's channel format.
const CHANNEL: &str = "__CHANNEL__:7";

#[test]
fn garbage_payloads_get_a_typed_error() {
    let (_tmp, h) = fresh();
    let cases: &[(&str, Value)] = &[
        ("installs_overview", json!({"appId": 42})),
        ("installs_overview", json!({"nonsense": true})),
        ("installs_query", json!({})),
        (
            "installs_query",
            json!({"appId": "a", "query": {"kind": "planet"}}),
        ),
        (
            "installs_query",
            json!({"appId": "a", "query": {"limit": -1}}),
        ),
        (
            "installs_query",
            json!({"appId": "a", "query": {"olderThan": 1.2}}),
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "explode", "selection": {}}),
        ),
        ("installs_plan", json!({"appId": "a", "action": "install"})),
        ("installs_plan", json!(null)),
        ("installs_run_items", json!({"runId": ["x"]})),
        (
            "installs_run_items",
            json!({"runId": "r", "state": "sideways"}),
        ),
        ("catalog_list", json!({"refresh": "yes"})),
        ("catalog_review", json!({"catalogId": 1})),
        (
            "catalog_review",
            json!({"catalogId": "c", "approve": "maybe"}),
        ),
        ("catalog_withdraw", json!([1, 2])),
        ("catalog_delete", json!({})),
        ("catalog_delete", json!({"catalogId": "c", "force": true})),
    ];
    for (cmd, bad) in cases {
        let err = invoke(&h, cmd, bad.clone()).expect_err("must be refused");
        assert_eq!(err["code"], "invalid_request", "{cmd} {bad} → {err}");
        assert_eq!(err["retryable"], false);
    }
    // Commands that report progress: the payload is checked before anything else happens.
    for (cmd, bad) in [
        (
            "installs_sync",
            json!({"kinds": ["team"], "onProgress": CHANNEL}),
        ),
        (
            "installs_sync",
            json!({"appId": "a", "kinds": ["galaxy"], "onProgress": CHANNEL}),
        ),
        ("installs_run", json!({"onProgress": CHANNEL})),
        (
            "installs_resume",
            json!({"retryFailed": true, "onProgress": CHANNEL}),
        ),
        // Misspelt fields never widen or change a bulk change.
        (
            "installs_plan",
            json!({"appId": "a", "action": "uninstall", "selection": {"filter": {"olderThen": "1.0.2"}}}),
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "install", "selection": {"idz": []}}),
        ),
        // A run takes the previewed plan's id and nothing else: no targets of its own.
        (
            "installs_run",
            json!({"planId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "selection": {"ids": []}, "onProgress": CHANNEL}),
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "upgrade", "selection": {}, "dryRun": true}),
        ),
        (
            "installs_resume",
            json!({"runId": "r", "retryFaild": true, "onProgress": CHANNEL}),
        ),
    ] {
        let err = invoke(&h, cmd, bad.clone()).expect_err("must be refused");
        assert_eq!(err["code"], "invalid_request", "{cmd} {bad} → {err}");
    }
    // JSON commands refuse raw bytes; the upload commands refuse JSON, empty and oversized files.
    let err = invoke_raw(&h, "installs_query", vec![1, 2, 3], &[]).expect_err("raw");
    assert_eq!(err["code"], "invalid_request");
    let err = invoke(&h, "catalog_publish", json!({"zip": "UEsDBA=="})).expect_err("json");
    assert_eq!(err["code"], "invalid_request");
    let err = invoke_raw(&h, "catalog_publish", Vec::new(), &[]).expect_err("empty");
    assert_eq!(err["code"], "invalid_input");
    let err =
        invoke_raw(&h, "catalog_publish", vec![0; 17 * 1024 * 1024], &[]).expect_err("too large");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("MiB")));
    let err = invoke_raw(&h, "catalog_update", b"PK".to_vec(), &[]).expect_err("no catalog id");
    assert_eq!(err["code"], "invalid_request");
}

#[test]
fn sync_options_that_make_no_sense_are_refused_before_sign_in() {
    let (_tmp, h) = fresh();
    // No profile: a valid request would answer sign_in_required, so these answers prove the
    // options were judged first.
    for bad in [
        json!({"appId": "a", "kinds": [], "onProgress": CHANNEL}),
        json!({"appId": "a", "kinds": ["chat"], "channels": true, "onProgress": CHANNEL}),
        json!({"appId": "", "onProgress": CHANNEL}),
    ] {
        let err = invoke(&h, "installs_sync", bad.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_input", "{bad} → {err}");
    }
    // Misspelt or mistyped options are malformed requests, not silently a full sync.
    for bad in [
        json!({"appId": "a", "kind": ["team"], "onProgress": CHANNEL}),
        json!({"appId": "a", "channel": false, "onProgress": CHANNEL}),
        json!({"appId": "a", "fresh": "yes", "onProgress": CHANNEL}),
    ] {
        let err = invoke(&h, "installs_sync", bad.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_request", "{bad} → {err}");
    }
    // The options the page sends are accepted as far as the sign-in.
    let err = invoke(
        &h,
        "installs_sync",
        json!({"appId": "a", "kinds": ["team"], "channels": false, "fresh": true, "onProgress": CHANNEL}),
    )
    .expect_err("nobody signed in");
    assert_eq!(err["code"], "sign_in_required");
    assert_eq!(invoke(&h, "installs_cancel", json!({})), Ok(json!(false)));
}

#[test]
fn nothing_reaches_a_tenant_nobody_signed_in_to() {
    let (_tmp, h) = fresh();
    // No profile at all.
    let calls: Vec<(&str, Value)> = vec![
        (
            "installs_sync",
            json!({"appId": "a", "onProgress": CHANNEL}),
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "upgrade", "selection": {"ids": [{"kind": "team", "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}]}}),
        ),
        ("catalog_list", json!({"refresh": true})),
        ("catalog_delete", json!({"catalogId": "c"})),
        ("catalog_review", json!({"catalogId": "c", "approve": true})),
    ];
    for (cmd, args) in &calls {
        let err = invoke(&h, cmd, args.clone()).expect_err("refused");
        assert_eq!(err["code"], "sign_in_required", "{cmd} → {err}");
    }
    // A package that passes the local checks (a broken one is refused before the sign-in).
    invoke(&h, "package_new", json!({"name": "Alert Bot"})).expect("new");
    let out = tempfile::tempdir().expect("tmp");
    let built = invoke(
        &h,
        "package_build",
        json!({"directory": out.path().to_string_lossy()}),
    )
    .expect("build");
    let zip =
        std::fs::read(out.path().join(built["fileName"].as_str().expect("name"))).expect("zip");
    let err = invoke_raw(&h, "catalog_publish", zip, &[]).expect_err("refused");
    assert_eq!(err["code"], "sign_in_required");
    let refused = invoke_raw(&h, "catalog_publish", b"PK\x03\x04".to_vec(), &[]);
    assert_ne!(
        refused.map_err(|e| e["code"].clone()),
        Err(json!("sign_in_required")),
        "a broken package is judged before anyone is asked to sign in"
    );

    // A profile that never signed in: no token. Without an OS keyring (the plain mock-runtime
    // run) the answer is the keyring's reason instead, as for sign-in itself.
    let session = invoke(
        &h,
        "create_profile",
        json!({"name": "Fabrikam", "tenant": "fabrikam.onmicrosoft.com",
               "cloud": {"kind": "global"}, "clientId": "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36"}),
    )
    .expect("profile");
    let expected = if session["canSignIn"] == true {
        "sign_in_required"
    } else {
        "keyring"
    };
    for (cmd, args) in &calls {
        let err = invoke(&h, cmd, args.clone()).expect_err("refused");
        assert_eq!(err["code"], expected, "{cmd} → {err}");
    }
    // Nothing ran, so nothing is left claiming the background-work slot.
    assert_eq!(invoke(&h, "installs_cancel", json!({})), Ok(json!(false)));
}

#[test]
fn queries_answer_on_an_empty_cache() {
    let (_tmp, h) = fresh();
    let overview = invoke(&h, "installs_overview", json!({})).expect("overview");
    assert_eq!(overview["apps"], json!([]));
    assert_eq!(overview["appId"], Value::Null);
    assert_eq!(overview["coverage"], json!([]));
    assert_eq!(overview["busy"], false);
    let overview = invoke(&h, "installs_overview", json!({"appId": "some-app"})).expect("overview");
    assert_eq!(overview["appId"], "some-app");
    assert_eq!(overview["sync"], Value::Null);
    assert_eq!(overview["lastCompleted"], Value::Null);

    let page = invoke(
        &h,
        "installs_query",
        json!({"appId": "some-app", "query": {"kind": "team", "state": "not_installed", "olderThan": "1.0.2", "text": "50%_off\\", "limit": 50}}),
    )
    .expect("page");
    assert_eq!(page["total"], 0);
    assert_eq!(page["rows"], json!([]));
    let page = invoke(&h, "installs_query", json!({"appId": "some-app"})).expect("defaults");
    assert_eq!(page["total"], 0);
    let err = invoke(
        &h,
        "installs_query",
        json!({"appId": "some-app", "query": {"limit": 5000}}),
    )
    .expect_err("page too large");
    assert_eq!(err["code"], "invalid_input");

    assert_eq!(invoke(&h, "installs_runs", json!({})), Ok(json!([])));
    const UNKNOWN_RUN: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    let err = invoke(&h, "installs_run_items", json!({"runId": UNKNOWN_RUN})).expect_err("unknown");
    assert_eq!(err["code"], "not_found");
    let err = invoke(
        &h,
        "installs_resume",
        json!({"runId": UNKNOWN_RUN, "onProgress": CHANNEL}),
    )
    .expect_err("unknown run");
    assert_eq!(err["code"], "not_found");
    // A plan reads the published version from the tenant: it needs a sign-in.
    let err = invoke(
        &h,
        "installs_plan",
        json!({"appId": "some-app", "action": "install", "selection": {"filter": {"kind": "team"}}}),
    )
    .expect_err("not signed in");
    assert_eq!(err["code"], "sign_in_required");
    // A plan nobody previewed is not found, before any sign-in.
    let err = invoke(
        &h,
        "installs_run",
        json!({"planId": UNKNOWN_RUN, "onProgress": CHANNEL}),
    )
    .expect_err("unknown plan");
    assert_eq!(err["code"], "not_found");

    let view = invoke(&h, "catalog_list", json!({})).expect("cached catalog");
    assert_eq!(view["apps"], json!([]));
    assert_eq!(view["live"], false);
    assert_eq!(view["localPackage"], Value::Null);
    assert_eq!(invoke(&h, "installs_cancel", json!({})), Ok(json!(false)));
}

/// Every bad value in a payload is refused as invalid input before a profile, the keyring or
/// Graph is involved (no profile exists here: anything that got further would answer
/// `sign_in_required` instead).
#[test]
fn bad_values_are_refused_per_command_before_sign_in() {
    let (_tmp, h) = fresh();
    let team = |id: &str| json!({"ids": [{"kind": "team", "id": id}]});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "installs_query",
            json!({"appId": "a", "query": {"olderThan": "abc"}}),
            "olderThan",
        ),
        (
            "installs_query",
            json!({"appId": "a", "query": {"version": "1.x"}}),
            "version",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "install", "selection": team("not-a-guid")}),
            "not-a-guid",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "install", "selection": {}}),
            "select targets",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "upgrade", "selection": {"filter": {"olderThan": "1.x"}}}),
            "olderThan",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "install", "selection": team("not-a-guid")}),
            "not-a-guid",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "install", "selection": team("")}),
            "team id",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "install", "selection": {"ids": [{"kind": "chat", "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}]}}),
            "chat id",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "upgrade", "selection": {"filter": {"version": "abc"}}}),
            "version",
        ),
        (
            "installs_plan",
            json!({"appId": "a", "action": "install", "selection": {}}),
            "select targets",
        ),
        (
            "installs_plan",
            json!({"appId": " ", "action": "install", "selection": team("3f2504e0-4f89-41d3-9a0c-0305e82c3301")}),
            "bot",
        ),
        (
            "installs_run",
            json!({"planId": "abc", "onProgress": CHANNEL}),
            "planId",
        ),
        (
            "installs_resume",
            json!({"runId": "abc", "onProgress": CHANNEL}),
            "runId",
        ),
        ("installs_run_items", json!({"runId": "abc"}), "runId"),
    ];
    for (cmd, args, needle) in cases {
        let err = invoke(&h, cmd, args.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_input", "{cmd} {args} → {err}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains(needle)),
            "{cmd} {args}: the message names {needle:?}: {err}"
        );
    }
    assert_eq!(invoke(&h, "installs_cancel", json!({})), Ok(json!(false)));
}
