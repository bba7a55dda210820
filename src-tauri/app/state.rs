//! Everything the commands share, created once at start-up.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_api::{Context, OpenOptions};
use botdeck_core::auth::Authenticator;
use botdeck_core::config::{Cloud, ConfigError, DataPaths};
use botdeck_core::notice::{Notice, NoticeLevel};
use botdeck_core::profiles::{NewTenantProfile, TenantProfiles};
use botdeck_core::store::Store;
use clap::Parser;

#[derive(Debug, Clone, Default, Parser)]
#[command(name = "botdeck-desktop", version, about = "BotDeck desktop window")]
pub struct StartupOptions {
    /// Open BotDeck on its embedded demo tenant (Contoso) instead of a real one.
    #[arg(long)]
    pub demo: bool,
    /// Use this folder for the cache and settings instead of the OS default.
    #[arg(long, env = "BOTDECK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Write logs here instead of the OS log folder.
    #[arg(long, env = "BOTDECK_LOG_DIR", value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

impl StartupOptions {
    pub fn from_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Self, clap::Error> {
        Self::try_parse_from(args)
    }

    pub fn resolve_paths(&self) -> Result<DataPaths, ConfigError> {
        DataPaths::resolve_with(self.data_dir.clone(), self.log_dir.clone())
    }
}

/// Opens a URL in the system browser; set by the desktop shell (the mock runtime has none).
pub type UrlOpener = Arc<dyn Fn(&str) -> Result<(), tauri_plugin_opener::Error> + Send + Sync>;

/// The embedded demo tenant: tenant-sim on loopback, for as long as the window is open.
pub struct DemoTenant {
    pub sim: tenant_sim::RunningSim,
    pub profile_id: String,
}

/// The window's state: the api [`Context`] both front-ends share (dereferenced to, so commands
/// call `state.store()`, `state.tenant(..)`), plus what only a window has.
pub struct AppState {
    cx: Context,
    pub demo: Option<DemoTenant>,
    url_opener: OnceLock<UrlOpener>,
    /// The package open in the Package page (one at a time, in memory only).
    open_package: Mutex<Option<botdeck_core::package::studio::Studio>>,
}

impl std::ops::Deref for AppState {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.cx
    }
}

pub const DEMO_PROFILE_NAME: &str = "Contoso (demo)";

impl AppState {
    pub fn start(paths: DataPaths, options: &StartupOptions, log_error: Option<String>) -> Self {
        let mut cx = Context::open(paths, OpenOptions::window());
        if let Some(err) = log_error {
            cx.add_notices([Notice {
                id: "log-file-unavailable".into(),
                level: NoticeLevel::Warning,
                title: "The log file cannot be written".into(),
                message: format!("{err}. Logs go to the terminal only."),
            }]);
        }
        let demo = if options.demo {
            match cx
                .store()
                .map_err(DemoError::Store)
                .and_then(|s| start_demo(&s))
            {
                Ok(demo) => Some(demo),
                Err(err) => {
                    cx.add_notices([Notice {
                        id: "demo-unavailable".into(),
                        level: NoticeLevel::Error,
                        title: "The demo tenant could not be started".into(),
                        message: err.to_string(),
                    }]);
                    None
                }
            }
        } else {
            None
        };
        Self {
            cx,
            demo,
            url_opener: OnceLock::new(),
            open_package: Mutex::new(None),
        }
    }

    /// Notices found before the state existed (e.g. by logging's start-up).
    pub fn add_notices(&mut self, extra: Vec<Notice>) {
        self.cx.add_notices(extra);
    }

    /// The Package page's open package. A poisoned lock only means a command panicked; the
    /// package in it is still a consistent value (edits replace files whole).
    pub fn open_package(&self) -> MutexGuard<'_, Option<botdeck_core::package::studio::Studio>> {
        self.open_package
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn set_url_opener(&self, opener: UrlOpener) {
        let _ = self.url_opener.set(opener);
    }

    /// Opens http(s) URLs in the system browser, never in the app's webview.
    pub fn open_url(&self, url: &str) -> Result<(), ApiError> {
        let parsed = url::Url::parse(url)
            .map_err(|_| ApiError::new(ErrorCode::InvalidInput, format!("{url:?} is not a URL")))?;
        let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback)) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "only https addresses (or the local demo tenant) are opened",
            ));
        }
        let opener = self.url_opener.get().ok_or_else(|| {
            ApiError::new(ErrorCode::Internal, "no system browser is available here")
        })?;
        opener(url).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("could not open the system browser ({e}); open {url} yourself"),
            )
        })
    }
}

/// Why the embedded demo tenant did not start (shown as a notice; the app opens without it).
#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error("{0}")]
    Simulator(#[from] tenant_sim::SimError),
    #[error("{0}")]
    Endpoints(#[from] botdeck_core::config::ConfigError),
    #[error("{0}")]
    Profile(#[from] botdeck_core::profiles::TenantProfileError),
    #[error("{0}")]
    Store(ApiError),
}

/// Starts tenant-sim on loopback and points the demo profile at it. Tokens from an earlier
/// demo run belong to a simulator that is gone, so the demo profile starts signed out.
fn start_demo(store: &Store) -> Result<DemoTenant, DemoError> {
    let config = tenant_sim::SimConfig {
        size: tenant_sim::TenantSize::Demo,
        auto_approve_browser: Some(true),
        ..tenant_sim::SimConfig::default()
    };
    let sim = tauri::async_runtime::block_on(tenant_sim::start(config))?;
    let cloud = Cloud::custom(&sim.authority_host(), &sim.graph_base_url())?;
    let profiles = TenantProfiles::new(store);
    let profile = match profiles.find_by_name(DEMO_PROFILE_NAME)? {
        Some(existing) => {
            profiles.update_cloud(&existing.id, &cloud)?;
            profiles.clear_identity(&existing.id)?;
            if let Ok(auth) = Authenticator::new(reqwest::Client::new()) {
                let _ = auth.sign_out(&existing.id);
            }
            existing
        }
        None => profiles.create(
            &NewTenantProfile {
                name: DEMO_PROFILE_NAME.into(),
                tenant: sim.tenant_id(),
                cloud,
                client_id: tenant_sim::BOTDECK_PUBLIC_CLIENT_ID.into(),
            },
            true,
        )?,
    };
    profiles.set_current(&profile.id)?;
    seed_demo_links(store, &sim, &profile.id);
    tracing::info!(url = %sim.base_url(), "demo tenant (tenant-sim) started");
    Ok(DemoTenant {
        sim,
        profile_id: profile.id,
    })
}

/// The demo's links (linked with the bot's reply, awaiting, broken because the bot was removed,
/// a PagerDuty connection planned on a private channel), so a newcomer sees the page alive.
/// Seeded once per demo profile; a failure only costs the example.
fn seed_demo_links(store: &Store, sim: &tenant_sim::RunningSim, profile_id: &str) {
    let seeds: Vec<botdeck_core::links::SeedLink> = sim
        .demo_links()
        .into_iter()
        .map(|d| botdeck_core::links::SeedLink {
            vendor: d.vendor,
            app_id: botdeck_core::ids::CatalogAppId::parse(&d.app_id).ok(),
            integration_id: d.integration_id,
            integration_name: d.integration_name,
            kind: d.kind,
            team_id: d.team_id,
            channel_id: d.channel_id,
            chat_id: d.chat_id,
            user_id: d.user_id,
            target_name: d.target_name,
            state: d.state,
            command_at_ms: d.command_at_ms,
        })
        .collect();
    let actor = botdeck_core::catalog::Actor {
        profile_id: Some(profile_id.to_string()),
        tenant_id: Some(sim.tenant_id()),
        upn: sim.admin_upn(),
    };
    if let Err(err) = botdeck_core::links::seed_demo(store, &actor, &seeds) {
        tracing::warn!(%err, "demo links not seeded");
    }
}
