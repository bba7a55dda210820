//! The desktop shell: thin Tauri commands over `botdeck-core`. No logic lives here that the
//! CLI would also need; if it does, it belongs in core.

mod commands;
mod ipc;
mod state;

use std::process::ExitCode;

pub use ipc::parse_args;
pub use state::{AppState, StartupOptions};
use tauri::{Builder, Runtime};

/// Registers state, plugins and commands. Tests call it with `tauri::test::mock_builder()`.
pub fn build<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::run_doctor,
            commands::get_ui_settings,
            commands::set_theme,
            commands::recent_activity,
            commands::auth::get_session,
            commands::auth::create_profile,
            commands::auth::switch_profile,
            commands::auth::remove_profile,
            commands::auth::sign_in_device_code,
            commands::auth::sign_in_browser,
            commands::auth::cancel_sign_in,
            commands::auth::sign_out,
            commands::auth::scope_catalog,
            commands::auth::open_external,
            commands::package::package_open,
            commands::package::package_open_path,
            commands::package::package_new,
            commands::package::package_current,
            commands::package::package_close,
            commands::package::package_edit,
            commands::package::package_set_manifest,
            commands::package::package_set_catalog_version,
            commands::package::package_bump,
            commands::package::package_icon_fix_preview,
            commands::package::package_icon_fix,
            commands::package::package_icon_replace,
            commands::package::package_build,
            commands::package::package_diff,
            commands::permissions::perms_profiles,
            commands::permissions::perms_import_profile,
            commands::permissions::perms_export_profile,
            commands::permissions::perms_delete_profile,
            commands::permissions::perms_inspect,
            commands::permissions::perms_cached,
            commands::permissions::perms_cancel,
            commands::permissions::perms_plan_fix,
            commands::permissions::perms_apply_fix,
            commands::catalog::catalog_list,
            commands::catalog::catalog_find,
            commands::catalog::catalog_publish,
            commands::catalog::catalog_update,
            commands::catalog::catalog_inspect,
            commands::catalog::catalog_publish_open,
            commands::catalog::catalog_review,
            commands::catalog::catalog_withdraw,
            commands::catalog::catalog_delete,
            commands::installs::installs_overview,
            commands::installs::installs_query,
            commands::installs::installs_sync,
            commands::installs::installs_cancel,
            commands::installs::installs_plan,
            commands::installs::installs_run,
            commands::installs::installs_resume,
            commands::installs::installs_runs,
            commands::installs::installs_run_items,
            commands::links::links_overview,
            commands::links::links_add,
            commands::links::links_confirm,
            commands::links::links_evidence,
            commands::links::links_health,
            commands::links::links_remove,
            commands::links::links_disconnect,
            commands::links::links_reach,
            commands::links::links_fix,
            commands::links::links_export,
            commands::links::links_import,
            commands::links::links_save_vendor,
        ])
}

/// Entry point of the `botdeck-desktop` binary.
pub fn run_desktop() -> ExitCode {
    let options = match StartupOptions::from_args(std::env::args_os()) {
        Ok(options) => options,
        Err(err) => {
            // clap renders help/version/usage itself, with its own exit code.
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let paths = match options.resolve_paths() {
        Ok(paths) => paths,
        Err(err) => {
            eprintln!("botdeck-desktop: {err}");
            return ExitCode::from(2);
        }
    };
    let log = botdeck_core::logging::init(&paths.log_dir, "info,tao=warn,wry=warn", true);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        demo = options.demo,
        "BotDeck starting"
    );

    let mut state = AppState::start(paths, &options, log.file_error.clone());
    state.add_notices(log.notices());
    let app = build(tauri::Builder::default(), state)
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            use tauri::Manager;
            use tauri_plugin_opener::OpenerExt;
            let handle = app.handle().clone();
            // Sign-in and consent pages open in the system browser, never in the webview.
            app.state::<AppState>()
                .set_url_opener(std::sync::Arc::new(move |url: &str| {
                    handle.opener().open_url(url, None::<&str>)
                }));
            Ok(())
        })
        .run(tauri::generate_context!());
    match app {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(%err, "the window could not be started");
            eprintln!("botdeck-desktop: the window could not be started: {err}");
            ExitCode::from(1)
        }
    }
}
