//! Everything the commands share, created once at start-up.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use botdeck_core::auth::Authenticator;
use botdeck_core::config::{Cloud, ConfigError, DataPaths};
use botdeck_core::error::{ApiError, ErrorCode};
use botdeck_core::notice::{Notice, NoticeLevel};
use botdeck_core::profiles::{NewProfile, Profiles};
use botdeck_core::secrets::KeyringStatus;
use botdeck_core::store::Store;
use clap::Parser;
use tokio_util::sync::CancellationToken;

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

pub struct AppState {
    pub paths: DataPaths,
    pub demo: Option<DemoTenant>,
    store: Option<Mutex<Store>>,
    notices: Vec<Notice>,
    pub keyring: KeyringStatus,
    pub http: reqwest::Client,
    /// `None` when no real keyring backend exists: sign-in is then refused with the reason.
    pub auth: Option<Authenticator>,
    sign_in: Mutex<Option<CancellationToken>>,
    /// Profiles added in this window that have not signed in yet: a refused first sign-in
    /// removes them again, so no half-made profile stays behind.
    unproven_profiles: Mutex<std::collections::HashSet<String>>,
    url_opener: OnceLock<UrlOpener>,
    /// The package open in the Package page (one at a time, in memory only).
    open_package: Mutex<Option<botdeck_core::package::studio::Studio>>,
    /// The installs sync or bulk run under way (one at a time: both pace the same routes).
    work: Mutex<Option<(u64, CancellationToken)>>,
    work_seq: std::sync::atomic::AtomicU64,
    /// The permissions read (its own slot: it spends no install limits, so it may overlap a
    /// sync, but two reads at once would only race to write the same cache).
    perms_read: Mutex<Option<(u64, CancellationToken)>>,
}

/// How long start-up waits for the keyring before reporting it unresponsive (a locked
/// keyring may be waiting for an unlock prompt nobody sees).
const KEYRING_PROBE_WAIT: Duration = Duration::from_secs(5);

pub const DEMO_PROFILE_NAME: &str = "Contoso (demo)";

impl AppState {
    pub fn start(paths: DataPaths, options: &StartupOptions, log_error: Option<String>) -> Self {
        let mut notices = Vec::new();
        let store = match Store::open_in(&paths.data_dir) {
            Ok((store, report)) => {
                notices.extend(report.notices());
                Some(store)
            }
            Err(err) => {
                tracing::error!(%err, "the local cache cannot be opened");
                notices.push(Notice {
                    id: "cache-unavailable".into(),
                    level: NoticeLevel::Error,
                    title: "The local cache cannot be opened".into(),
                    message: format!(
                        "{err}. BotDeck runs without offline data until this is fixed."
                    ),
                });
                None
            }
        };
        if let Some(err) = log_error {
            notices.push(Notice {
                id: "log-file-unavailable".into(),
                level: NoticeLevel::Warning,
                title: "The log file cannot be written".into(),
                message: format!("{err}. Logs go to the terminal only."),
            });
        }
        let keyring = probe_keyring_with_deadline();
        if !keyring.usable {
            tracing::warn!(detail = %keyring.detail, "the OS keyring is not usable; sign-in is disabled");
            notices.push(Notice {
                id: "keyring-unavailable".into(),
                level: NoticeLevel::Error,
                title: "The OS keyring is not available — sign-in is disabled".into(),
                message: format!(
                    "{}. BotDeck keeps sign-in tokens only in the OS keyring and never falls back to a file.",
                    keyring.detail
                ),
            });
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("BotDeck/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap_or_default();
        let auth = Authenticator::new(http.clone()).ok();

        let demo = if options.demo {
            match store.as_ref().map(start_demo) {
                Some(Ok(demo)) => Some(demo),
                Some(Err(err)) => {
                    notices.push(Notice {
                        id: "demo-unavailable".into(),
                        level: NoticeLevel::Error,
                        title: "The demo tenant could not be started".into(),
                        message: err.to_string(),
                    });
                    None
                }
                None => None,
            }
        } else {
            None
        };

        Self {
            paths,
            demo,
            store: store.map(Mutex::new),
            notices,
            keyring,
            http,
            auth,
            sign_in: Mutex::new(None),
            unproven_profiles: Mutex::new(std::collections::HashSet::new()),
            url_opener: OnceLock::new(),
            open_package: Mutex::new(None),
            work: Mutex::new(None),
            work_seq: std::sync::atomic::AtomicU64::new(0),
            perms_read: Mutex::new(None),
        }
    }

    /// Notices found before the state existed (e.g. by logging's start-up).
    pub fn add_notices(&mut self, extra: Vec<Notice>) {
        self.notices.extend(extra);
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    pub fn store(&self) -> Result<MutexGuard<'_, Store>, ApiError> {
        let store = self.store.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Store,
                "the local cache is not available; see the notice at the top of the window",
            )
        })?;
        // A poisoned lock means a command panicked mid-write; SQLite's own transactions keep
        // the file consistent, so carrying on is safe.
        Ok(store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// The store's mutex itself, for core functions that lock it only between their awaits
    /// (sync, bulk runs): a guard must never be held across an `.await`.
    pub fn store_mutex(&self) -> Result<&Mutex<Store>, ApiError> {
        self.store.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Store,
                "the local cache is not available; see the notice at the top of the window",
            )
        })
    }

    /// Claims the background-work slot (installs sync or bulk run); refused while another one
    /// runs, since both share the same limits. The slot is freed when the guard is dropped,
    /// however the work ends.
    pub fn begin_work(&self) -> Result<WorkSlot<'_>, ApiError> {
        let mut slot = self.work.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "a sync or bulk change is already running; wait for it or cancel it first",
            ));
        }
        let id = self
            .work_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let cancel = CancellationToken::new();
        *slot = Some((id, cancel.clone()));
        Ok(WorkSlot {
            state: self,
            id,
            cancel,
        })
    }

    /// Claims the permissions-read slot, or says a read is already running.
    pub fn begin_perms_read(&self) -> Result<PermsReadSlot<'_>, ApiError> {
        let mut slot = self.perms_read.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the permissions are being read already; wait for it or cancel it first",
            ));
        }
        let id = self
            .work_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let cancel = CancellationToken::new();
        *slot = Some((id, cancel.clone()));
        Ok(PermsReadSlot {
            state: self,
            id,
            cancel,
        })
    }

    /// Asks the running permissions read to stop; its previous cached read stays.
    pub fn cancel_perms_read(&self) -> bool {
        let slot = self.perms_read.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some((_, token)) if !token.is_cancelled() => {
                token.cancel();
                true
            }
            _ => false,
        }
    }

    /// Frees the slot claimed by `begin_work` (only if it is still that work's).
    fn end_work(&self, id: u64) {
        let mut slot = self.work.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|(current, _)| *current == id) {
            *slot = None;
        }
    }

    pub fn work_running(&self) -> bool {
        self.work
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Asks the running sync or bulk run to stop after the requests on the wire.
    pub fn cancel_work(&self) -> bool {
        let slot = self.work.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some((_, token)) if !token.is_cancelled() => {
                token.cancel();
                true
            }
            _ => false,
        }
    }

    /// The profile the window works on; `sign_in_required` when none is selected.
    pub fn current_profile(&self) -> Result<botdeck_core::profiles::Profile, ApiError> {
        Profiles::new(&*self.store()?).current()?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::SignInRequired,
                "no tenant is selected: add one and sign in",
            )
        })
    }

    /// A token for `feature`. A refresh is recorded on the profile (scopes, expiry); failing to
    /// record it is only logged, since the token works either way.
    pub async fn access_token(
        &self,
        profile: &botdeck_core::profiles::Profile,
        feature: botdeck_core::auth::Feature,
    ) -> Result<botdeck_core::secrets::Sensitive<String>, ApiError> {
        let (token, refreshed) = self.authenticator()?.access_token(profile, feature).await?;
        if let Some(tokens) = refreshed {
            let recorded = self.store().and_then(|store| {
                Ok(botdeck_core::auth::record_refresh(
                    &store,
                    &profile.id,
                    &tokens,
                )?)
            });
            if let Err(err) = recorded {
                tracing::warn!(error = %err.message, "could not record the refreshed token's facts");
            }
        }
        Ok(token)
    }

    pub fn authenticator(&self) -> Result<&Authenticator, ApiError> {
        self.auth.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Keyring,
                format!("sign-in is disabled: {}", self.keyring.detail),
            )
        })
    }

    /// A new cancellation token for the sign-in about to start; cancels any previous one.
    pub fn begin_sign_in(&self) -> CancellationToken {
        let token = CancellationToken::new();
        let mut slot = self.sign_in.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(previous) = slot.replace(token.clone()) {
            previous.cancel();
        }
        token
    }

    /// A profile just added here, not signed in yet.
    pub fn note_unproven_profile(&self, id: &str) {
        self.unproven_profiles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string());
    }

    /// Forgets `id` as unproven; answers whether it was (a sign-in settled it either way).
    pub fn settle_unproven_profile(&self, id: &str) -> bool {
        self.unproven_profiles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
    }

    pub fn cancel_sign_in(&self) -> bool {
        let slot = self.sign_in.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(token) if !token.is_cancelled() => {
                token.cancel();
                true
            }
            _ => false,
        }
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

/// The claimed background-work slot; dropping it frees the slot.
pub struct WorkSlot<'a> {
    state: &'a AppState,
    id: u64,
    pub cancel: CancellationToken,
}

impl Drop for WorkSlot<'_> {
    fn drop(&mut self) {
        self.state.end_work(self.id);
    }
}

/// The claimed permissions-read slot; freed on drop however the command ends.
pub struct PermsReadSlot<'a> {
    state: &'a AppState,
    id: u64,
    pub cancel: CancellationToken,
}

impl Drop for PermsReadSlot<'_> {
    fn drop(&mut self) {
        let mut slot = self
            .state
            .perms_read
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if slot
            .as_ref()
            .is_some_and(|(current, _)| *current == self.id)
        {
            *slot = None;
        }
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
    Profile(#[from] botdeck_core::profiles::ProfileError),
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
    let profiles = Profiles::new(store);
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
            &NewProfile {
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
            app_id: d.app_id,
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

fn probe_keyring_with_deadline() -> KeyringStatus {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(botdeck_core::secrets::probe());
    });
    rx.recv_timeout(KEYRING_PROBE_WAIT)
        .unwrap_or_else(|_| KeyringStatus {
            backend: botdeck_core::secrets::backend_name().to_string(),
            usable: false,
            detail: format!(
                "the keyring did not answer within {} s (it may be locked and waiting for an unlock prompt)",
                KEYRING_PROBE_WAIT.as_secs()
            ),
        })
}
