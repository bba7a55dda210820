include!("../build_commit.rs");

fn main() {
    embed_commit();
    // App commands are listed so the ACL knows them: the capability file then grants each one
    // explicitly to the main window, and nothing to remote origins.
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "app_info",
            "run_doctor",
            "get_ui_settings",
            "set_theme",
            "recent_activity",
            "get_session",
            "create_profile",
            "switch_profile",
            "remove_profile",
            "sign_in_device_code",
            "sign_in_browser",
            "cancel_sign_in",
            "sign_out",
            "scope_catalog",
            "open_external",
            "package_open",
            "package_open_path",
            "package_new",
            "package_current",
            "package_close",
            "package_edit",
            "package_set_manifest",
            "package_set_catalog_version",
            "package_bump",
            "package_icon_fix_preview",
            "package_icon_fix",
            "package_icon_replace",
            "package_build",
            "package_diff",
            "perms_profiles",
            "perms_import_profile",
            "perms_export_profile",
            "perms_delete_profile",
            "perms_inspect",
            "perms_cached",
            "perms_cancel",
            "perms_plan_fix",
            "perms_apply_fix",
            "catalog_list",
            "catalog_find",
            "catalog_publish",
            "catalog_update",
            "catalog_inspect",
            "catalog_publish_open",
            "catalog_review",
            "catalog_withdraw",
            "catalog_delete",
            "installs_overview",
            "installs_query",
            "installs_sync",
            "installs_cancel",
            "installs_plan",
            "installs_run",
            "installs_resume",
            "installs_runs",
            "installs_run_items",
        ]));
    if let Err(err) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}
