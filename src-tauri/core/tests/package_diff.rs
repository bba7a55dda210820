//! Diff: every changed field as a JSON Pointer entry; consent-relevant changes flagged.

use botdeck_core::package::fixtures::golden;
use botdeck_core::package::{diff_manifests, diff_packages, ChangeKind, SchemaVersion};
use serde_json::{json, Value};

fn base() -> Value {
    golden(SchemaVersion::LATEST).manifest.to_value()
}

#[test]
fn identical_packages_have_no_diff() {
    let a = golden(SchemaVersion::LATEST).to_raw();
    let d = diff_packages(&a, &a.clone());
    assert!(d.is_empty());
    assert!(!d.reconsent_required);
}

#[test]
fn version_and_text_changes_do_not_need_consent() {
    let a = base();
    let mut b = a.clone();
    b["version"] = json!("1.0.4");
    b["description"]["short"] = json!("Something else.");
    let d = diff_manifests(&a, &b);
    assert_eq!(d.entries.len(), 2);
    assert!(!d.reconsent_required);
    let v = d.entries.iter().find(|e| e.path == "/version").unwrap();
    assert_eq!(v.kind, ChangeKind::Changed);
    assert_eq!(v.old, Some(json!("1.0.3")));
    assert_eq!(v.new, Some(json!("1.0.4")));
}

type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn consent_relevant_changes_are_flagged() {
    let cases: Vec<(&str, Edit)> = vec![
        (
            "/bots/0/botId",
            Box::new(|m| m["bots"][0]["botId"] = json!("11111111-2222-3333-4444-555555555555")),
        ),
        (
            "/webApplicationInfo/id",
            Box::new(|m| {
                m["webApplicationInfo"]["id"] = json!("11111111-2222-3333-4444-555555555555")
            }),
        ),
        (
            "/authorization/permissions/resourceSpecific/1",
            Box::new(|m| {
                m["authorization"]["permissions"]["resourceSpecific"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"name": "TeamSettings.Read.Group", "type": "Application"}));
            }),
        ),
        (
            "/bots/0/isNotificationOnly",
            Box::new(|m| m["bots"][0]["isNotificationOnly"] = json!(true)),
        ),
        (
            "/bots/0/supportsFiles",
            Box::new(|m| m["bots"][0]["supportsFiles"] = json!(true)),
        ),
        (
            "/bots/0/supportsCalling",
            Box::new(|m| m["bots"][0]["supportsCalling"] = json!(true)),
        ),
        (
            "/bots/0/supportsVideo",
            Box::new(|m| m["bots"][0]["supportsVideo"] = json!(true)),
        ),
        (
            "/bots/0/scopes/3",
            Box::new(|m| {
                m["bots"][0]["scopes"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("copilot"))
            }),
        ),
    ];
    for (path, f) in cases {
        let a = base();
        let mut b = a.clone();
        f(&mut b);
        let d = diff_manifests(&a, &b);
        assert_eq!(d.entries.len(), 1, "{path}: {:?}", d.entries);
        assert_eq!(d.entries[0].path, path);
        assert!(d.entries[0].reconsent.is_some(), "{path} not flagged");
        assert!(d.reconsent_required);
    }
}

#[test]
fn removed_webapplicationinfo_and_file_changes_are_reported() {
    let a = golden(SchemaVersion::LATEST).to_raw();
    let mut b = a.clone();
    let mut m: Value = serde_json::from_slice(b.manifest_bytes().unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("webApplicationInfo");
    b.files
        .insert("manifest.json".into(), serde_json::to_vec(&m).unwrap());
    b.files.insert("color.png".into(), vec![1, 2, 3]);
    b.files.remove("de-de.json");
    let d = diff_packages(&a, &b);
    let e = d
        .entries
        .iter()
        .find(|e| e.path == "/webApplicationInfo")
        .unwrap();
    assert_eq!(e.kind, ChangeKind::Removed);
    assert!(e.new.is_none() && e.old.is_some());
    assert!(d.reconsent_required);
    let files: Vec<(&str, ChangeKind)> =
        d.files.iter().map(|f| (f.name.as_str(), f.kind)).collect();
    assert_eq!(
        files,
        [
            ("color.png", ChangeKind::Changed),
            ("de-de.json", ChangeKind::Removed)
        ]
    );
}

#[test]
fn pointer_tokens_are_escaped() {
    let a = json!({"a/b": {"c~d": 1}});
    let b = json!({"a/b": {"c~d": 2}});
    assert_eq!(diff_manifests(&a, &b).entries[0].path, "/a~1b/c~0d");
}
