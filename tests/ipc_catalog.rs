//! Catalog commands added for the page's "publish a chosen zip or the open package" flow,
//! through Tauri's mock runtime: what they refuse, and what a chosen zip reads as.

mod common;

use common::{fresh, invoke, invoke_raw};
use serde_json::json;

/// Builds the "Alert Bot" starter package through the Package page's commands.
fn starter_zip(h: &common::Harness) -> Vec<u8> {
    invoke(h, "package_new", json!({"name": "Alert Bot"})).expect("new");
    let out = tempfile::tempdir().expect("tmp");
    let dir = out.path().to_string_lossy().to_string();
    let built = invoke(h, "package_build", json!({"directory": dir})).expect("build");
    let name = built["fileName"].as_str().expect("file name").to_string();
    std::fs::read(out.path().join(name)).expect("zip")
}

#[test]
fn a_chosen_zip_is_read_locally_without_a_sign_in() {
    let (_tmp, h) = fresh();
    let zip = starter_zip(&h);
    let check = invoke_raw(&h, "catalog_inspect", zip, &[]).expect("read");
    assert_eq!(check["errors"], 0, "{check}");
    assert_eq!(check["name"], "Alert Bot");
    assert!(check["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert!(check["manifestId"]
        .as_str()
        .is_some_and(|id| id.len() == 36));

    // Not a zip: data the page shows as findings, not a failed command.
    let check = invoke_raw(&h, "catalog_inspect", b"not a zip".to_vec(), &[]).expect("findings");
    assert_eq!(check["manifestId"], serde_json::Value::Null);
    assert!(check["errors"].as_u64().is_some_and(|n| n > 0), "{check}");
    assert!(check["findings"].as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn inspect_refuses_json_empty_and_oversized_bodies() {
    let (_tmp, h) = fresh();
    let err = invoke(&h, "catalog_inspect", json!({"zip": "UEsDBA=="})).expect_err("json");
    assert_eq!(err["code"], "invalid_request");
    let err = invoke_raw(&h, "catalog_inspect", Vec::new(), &[]).expect_err("empty");
    assert_eq!(err["code"], "invalid_input");
    let err =
        invoke_raw(&h, "catalog_inspect", vec![0; 17 * 1024 * 1024], &[]).expect_err("too large");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("MiB")));
}

#[test]
fn publishing_the_open_package_checks_the_request_then_the_package_then_the_sign_in() {
    let (_tmp, h) = fresh();
    for bad in [
        json!({"catalogId": 5}),
        json!({"catalogId": ""}),
        json!({"catalogId": "  "}),
        json!({"review": "yes"}),
        json!({"catalogId": "c", "force": true}),
        json!([1, 2]),
    ] {
        let err = invoke(&h, "catalog_publish_open", bad.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_request", "{bad} → {err}");
    }
    let err = invoke_raw(&h, "catalog_publish_open", b"PK".to_vec(), &[]).expect_err("raw");
    assert_eq!(err["code"], "invalid_request");

    // Nothing open in the Package page.
    let err = invoke(&h, "catalog_publish_open", json!({})).expect_err("nothing open");
    assert_eq!(err["code"], "not_found");
    assert!(err["message"]
        .as_str()
        .is_some_and(|m| m.contains("Package page")));

    // An open package with errors is not built, so nothing could be uploaded.
    invoke(&h, "package_new", json!({"name": "Alert Bot"})).expect("new");
    invoke(
        &h,
        "package_edit",
        json!({"edits": [{"pointer": "/version", "value": "one"}]}),
    )
    .expect("edit");
    let err = invoke(&h, "catalog_publish_open", json!({"catalogId": null}))
        .expect_err("errors block it");
    assert_eq!(err["code"], "invalid_input", "{err}");

    // A valid open package gets as far as the sign-in (nobody is signed in here).
    invoke(
        &h,
        "package_edit",
        json!({"edits": [{"pointer": "/version", "value": "1.0.1"}]}),
    )
    .expect("edit");
    let err = invoke(&h, "catalog_publish_open", json!({"review": true})).expect_err("no sign-in");
    assert_eq!(err["code"], "sign_in_required", "{err}");
}

/// Finding a Teams store app checks the request before any sign-in or network work.
#[test]
fn finding_a_store_app_checks_the_request_before_the_sign_in() {
    let (_tmp, h) = fresh();
    for bad in [
        json!({}),
        json!({"app": 5}),
        json!({"app": "PagerDuty", "distribution": "store"}),
        json!([1]),
    ] {
        let err = invoke(&h, "catalog_find", bad.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_request", "{bad} → {err}");
    }
    for bad in [
        json!({"app": ""}),
        json!({"app": "   "}),
        json!({"app": "a\u{7}b"}),
    ] {
        let err = invoke(&h, "catalog_find", bad.clone()).expect_err("refused");
        assert_eq!(err["code"], "invalid_input", "{bad} → {err}");
    }
    // A valid request reaches the sign-in check: nobody is signed in here.
    let err = invoke(&h, "catalog_find", json!({"app": "PagerDuty"})).expect_err("signed out");
    assert_ne!(err["code"], "invalid_input", "{err}");
    assert_ne!(err["code"], "invalid_request", "{err}");
}
