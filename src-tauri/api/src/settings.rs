//! What belongs to no tenant: the theme, the recent activity, the health check and the facts
//! about the running app.

use botdeck_core::audit::AuditRecord;
use botdeck_core::config::DataPaths;
use botdeck_core::doctor::{Depth, DoctorReport};

use crate::context::Context;
use crate::error::{ApiError, ErrorCode};
use crate::views::{AppInfo, ThemePreference, UiSettings};

const THEME_KEY: &str = "ui.theme";

/// How many audit entries the activity view reads (newest first).
pub const RECENT_ACTIVITY_LIMIT: u32 = 5000;

pub fn ui_settings(cx: &Context) -> Result<UiSettings, ApiError> {
    let stored = cx.store()?.setting(THEME_KEY)?;
    // An unknown stored value (older or newer build) falls back to the system theme.
    let theme = stored
        .and_then(|text| serde_json::from_value(serde_json::Value::String(text)).ok())
        .unwrap_or(ThemePreference::System);
    Ok(UiSettings { theme })
}

pub fn set_theme(cx: &Context, theme: ThemePreference) -> Result<UiSettings, ApiError> {
    let text = match theme {
        ThemePreference::Light => "light",
        ThemePreference::Dark => "dark",
        ThemePreference::System => "system",
    };
    cx.store()?.set_setting(THEME_KEY, text)?;
    Ok(UiSettings { theme })
}

/// The audit log, newest first.
pub fn recent_activity(cx: &Context) -> Result<Vec<AuditRecord>, ApiError> {
    Ok(botdeck_core::audit::recent(
        &*cx.store()?,
        RECENT_ACTIVITY_LIMIT,
    )?)
}

/// Checks that this machine can run BotDeck, at `depth` (the Overview's quick look, or the
/// full check of Settings and `botdeck doctor`). Runs on a blocking thread: the keyring probe
/// talks D-Bus and may take a moment. Needs no context, so it works when the store does not.
pub async fn doctor(paths: DataPaths, depth: Depth) -> Result<DoctorReport, ApiError> {
    tokio::task::spawn_blocking(move || botdeck_core::doctor::run(&paths, depth))
        .await
        .map_err(|err| {
            ApiError::new(
                ErrorCode::Internal,
                format!("the health check stopped unexpectedly: {err}"),
            )
        })
}

/// Facts about the running app. `commit` is the front-end's build (its build script knows it);
/// `demo_tenant_url` is where the embedded demo tenant answers, when one runs.
pub fn app_info(cx: &Context, commit: &str, demo_tenant_url: Option<String>) -> AppInfo {
    let paths = cx.paths();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: commit.to_string(),
        data_dir: paths.data_dir.display().to_string(),
        log_file: botdeck_core::logging::current_log_file(&paths.log_dir)
            .display()
            .to_string(),
        demo: demo_tenant_url.is_some(),
        demo_tenant_url,
        notices: cx.notices().to_vec(),
    }
}
