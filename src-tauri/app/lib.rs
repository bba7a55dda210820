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
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/invoke_handler.rs")))
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
