//! Permission profile files: clear errors with line and field, round trips through export and
//! the store, and profiles derived from a manifest.

use botdeck_core::package::{model, new_bot_app, NewBotAppOptions};
use botdeck_core::permissions::{self as perms, PermissionKind, ProfileFormat, ProfileSource};
use botdeck_core::store::Store;

fn err(text: &str, format: ProfileFormat) -> perms::ProfileFileError {
    let name = match format {
        ProfileFormat::Json => "bad.json",
        ProfileFormat::Toml => "bad.toml",
    };
    perms::parse_profile(name, text, format).expect_err("invalid profile")
}

#[test]
fn json_errors_name_the_line_and_field() {
    let unknown = "{\n  \"id\": \"acme\",\n  \"name\": \"Acme\",\n  \"permissions\": [\n    {\"name\": \"User.Read\", \"type\": \"delegated\",\n     \"requird\": true}\n  ]\n}\n";
    let e = err(unknown, ProfileFormat::Json);
    assert_eq!(e.line, Some(6));
    assert_eq!(e.field, "requird");
    assert!(
        e.to_string()
            .starts_with("bad.json:6: requird: unknown field"),
        "{e}"
    );

    let syntax = "{\n  \"id\": \"acme\",\n  \"name\": \"Acme\"\n  \"permissions\": []\n}";
    let e = err(syntax, ProfileFormat::Json);
    assert_eq!(e.line, Some(4));

    let missing = "{\"id\": \"acme\", \"name\": \"Acme\"}";
    assert_eq!(err(missing, ProfileFormat::Json).field, "permissions");
}

#[test]
fn toml_errors_name_the_line_and_field() {
    let bad_type = "id = \"acme\"\nname = \"Acme\"\n\n[[permissions]]\nname = \"User.Read\"\ntype = \"delegate\"\n";
    let e = err(bad_type, ProfileFormat::Toml);
    assert_eq!(e.line, Some(6), "{e}");
    assert!(e.message.contains("delegate"), "{e}");

    let undeclared_model = "id = \"acme\"\nname = \"Acme\"\n\n[[permissions]]\nname = \"User.Read\"\ntype = \"delegated\"\nmodel = \"bot\"\n";
    let e = err(undeclared_model, ProfileFormat::Toml);
    assert_eq!(e.field, "permissions[0].model");
    assert_eq!(e.line, Some(7));

    let twice = "id = \"acme\"\nname = \"Acme\"\n[[permissions]]\nname = \"User.Read\"\ntype = \"delegated\"\n[[permissions]]\nname = \"User.Read\"\ntype = \"delegated\"\n";
    let e = err(twice, ProfileFormat::Toml);
    assert_eq!(e.field, "permissions[1].name");
    assert!(e.message.contains("listed twice"));

    let bad_id = "id = \"Acme Bot\"\nname = \"Acme\"\n[[permissions]]\nname = \"User.Read\"\ntype = \"delegated\"\n";
    let e = err(bad_id, ProfileFormat::Toml);
    assert_eq!((e.field.as_str(), e.line), ("id", Some(1)));

    let not_rsc = "id = \"acme\"\nname = \"Acme\"\n[[permissions]]\nname = \"ChannelMessage.Read.Group\"\ntype = \"application\"\n";
    assert_eq!(
        err(not_rsc, ProfileFormat::Toml).field,
        "permissions[0].type"
    );
}

#[test]
fn every_builtin_exports_and_reimports_identically() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    for builtin in perms::builtin_profiles() {
        assert_eq!(builtin.source, ProfileSource::Builtin);
        for format in [ProfileFormat::Json, ProfileFormat::Toml] {
            let text = perms::export_profile(&builtin, format).expect("export");
            let mut back = perms::parse_profile("x", &text, format).expect("reimport");
            assert_eq!(back.source, ProfileSource::Custom);
            back.source = ProfileSource::Builtin;
            assert_eq!(back, builtin, "{format:?}");
        }
        // A custom profile may not shadow a built-in one.
        assert!(perms::save_custom_profile(&store, &builtin).is_err());
    }
    let ox = perms::find_profile(&store, "ox-security").expect("ox");
    assert_eq!(ox.models.len(), 2);
    let mm = perms::find_profile(&store, "mattermost").expect("mattermost");
    let names: Vec<(&str, PermissionKind)> = mm
        .permissions
        .iter()
        .map(|e| (e.name.as_str(), e.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("Chat.Read", PermissionKind::Delegated),
            ("ChatMessage.Read", PermissionKind::Delegated),
            ("Files.Read.All", PermissionKind::Delegated),
            ("offline_access", PermissionKind::Delegated),
            ("User.Read", PermissionKind::Delegated),
            ("Chat.Read.All", PermissionKind::Application),
            ("Presence.Read.All", PermissionKind::Application),
        ]
    );
    let pd = perms::find_profile(&store, "pagerduty").expect("pagerduty");
    assert!(
        pd.permissions.iter().any(|e| !e.required),
        "PagerDuty has optional permissions"
    );
}

#[test]
fn custom_profiles_are_stored_listed_replaced_and_deleted() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, _) = Store::open_in(dir.path()).expect("store");
    let text = "id = \"acme\"\nname = \"Acme\"\nappId = \"11111111-2222-4333-8444-555555555555\"\n[[permissions]]\nresource = \"Microsoft Graph\"\nname = \"User.Read\"\ntype = \"delegated\"\n";
    let p = perms::parse_profile("acme.toml", text, ProfileFormat::Toml).expect("parse");
    assert_eq!(p.permissions[0].resource, perms::GRAPH_APP_ID);
    perms::save_custom_profile(&store, &p).expect("save");
    let mut renamed = p.clone();
    renamed.name = "Acme 2".into();
    perms::save_custom_profile(&store, &renamed).expect("replace");
    let list = perms::list_profiles(&store).expect("list");
    assert_eq!(list.len(), 5);
    assert_eq!(list[4].name, "Acme 2");
    assert_eq!(
        perms::find_profile(&store, "acme").expect("find").source,
        ProfileSource::Custom
    );
    assert!(perms::delete_custom_profile(&store, "acme").expect("delete"));
    assert!(matches!(
        perms::find_profile(&store, "acme"),
        Err(perms::PermissionError::ProfileNotFound(_))
    ));
}

#[test]
fn a_manifest_gives_its_rsc_and_app_id() {
    let mut pkg = new_bot_app(&NewBotAppOptions {
        bot_id: Some(
            botdeck_core::ids::EntraAppId::parse("22222222-3333-4444-8555-666666666666")
                .expect("an Entra app id"),
        ),
        ..Default::default()
    })
    .expect("template");
    assert!(
        perms::profile_from_manifest(&pkg.manifest).is_err(),
        "no RSC, nothing to derive"
    );
    pkg.manifest.web_application_info = Some(model::WebApplicationInfo {
        id: "33333333-4444-4555-8666-777777777777".into(),
        resource: None,
        extra: Default::default(),
    });
    let rsc = |name: &str| model::ResourceSpecificPermission {
        name: name.into(),
        kind: "Application".into(),
        extra: Default::default(),
    };
    pkg.manifest.authorization = Some(model::Authorization {
        permissions: Some(model::Permissions {
            resource_specific: Some(vec![
                rsc("ChannelMessage.Read.Group"),
                rsc("ChatMessage.Read.Chat"),
            ]),
            extra: Default::default(),
        }),
        extra: Default::default(),
    });
    let p = perms::profile_from_manifest(&pkg.manifest).expect("derived");
    assert_eq!(
        p.app_id.as_deref(),
        Some("33333333-4444-4555-8666-777777777777")
    );
    assert_eq!(p.source, ProfileSource::Manifest);
    let names: Vec<&str> = p.permissions.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["ChannelMessage.Read.Group", "ChatMessage.Read.Chat"]
    );
    assert!(p
        .permissions
        .iter()
        .all(|e| e.kind == PermissionKind::Rsc && e.required));
}
