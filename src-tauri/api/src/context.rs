//! What every operation needs, opened once per window or per command-line run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use botdeck_core::auth::{Authenticator, Feature};
use botdeck_core::config::DataPaths;
use botdeck_core::notice::{Notice, NoticeLevel};
use botdeck_core::profiles::{TenantProfile, TenantProfiles};
use botdeck_core::secrets::{KeyringStatus, Sensitive};
use botdeck_core::store::Store;
use tokio_util::sync::CancellationToken;

use crate::error::{ApiError, ErrorCode};

/// How long opening waits for the keyring before reporting it unresponsive (a locked keyring
/// may be waiting for an unlock prompt nobody sees).
const KEYRING_PROBE_WAIT: Duration = Duration::from_secs(5);

/// Who opens the context: named in "wait for it" messages another front-end shows.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// "the BotDeck window", "the botdeck command".
    pub owner: String,
    /// Probe the OS keyring now (the window shows a notice at once); the command line probes
    /// only when it signs in.
    pub probe_keyring: bool,
}

impl OpenOptions {
    pub fn window() -> Self {
        Self {
            owner: format!("the BotDeck window (pid {})", std::process::id()),
            probe_keyring: true,
        }
    }

    pub fn command_line() -> Self {
        Self {
            owner: format!("the botdeck command (pid {})", std::process::id()),
            probe_keyring: false,
        }
    }
}

/// Long work that spends the tenant's Graph limits; one at a time per data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    InventorySync,
    BulkRun,
    LinkCheck,
    Reach,
}

impl JobKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::InventorySync => "an inventory sync",
            Self::BulkRun => "a bulk change",
            Self::LinkCheck => "a link health check",
            Self::Reach => "reaching members",
        }
    }
}

pub struct Context {
    paths: DataPaths,
    owner: String,
    store: Result<Arc<Mutex<Store>>, ApiError>,
    notices: Vec<Notice>,
    keyring: KeyringStatus,
    http: reqwest::Client,
    /// `None` when no keyring backend exists: sign-in is then refused with the reason.
    auth: Option<Authenticator>,
    seq: AtomicU64,
    /// The job under way in this process (its lease row says so to other processes).
    job: Mutex<Option<(u64, CancellationToken)>>,
    /// The permissions read: its own slot, since it spends no install limits and may overlap
    /// a sync, but two reads at once would only race to write the same cache.
    perms_read: Mutex<Option<(u64, CancellationToken)>>,
    sign_in: Mutex<Option<CancellationToken>>,
}

impl Context {
    /// Never fails: what cannot be opened becomes a notice (the window shows it) and the
    /// operations that need it answer with the reason.
    pub fn open(paths: DataPaths, options: OpenOptions) -> Self {
        let mut notices = Vec::new();
        let store = match Store::open_in(&paths.data_dir) {
            Ok((store, report)) => {
                notices.extend(report.notices());
                Ok(Arc::new(Mutex::new(store)))
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
                Err(ApiError::from(err))
            }
        };
        let keyring = if options.probe_keyring {
            let status = probe_keyring_with_deadline();
            if !status.usable {
                tracing::warn!(detail = %status.detail, "the OS keyring is not usable; sign-in is disabled");
                notices.push(Notice {
                    id: "keyring-unavailable".into(),
                    level: NoticeLevel::Error,
                    title: "The OS keyring is not available — sign-in is disabled".into(),
                    message: format!(
                        "{}. BotDeck keeps sign-in tokens only in the OS keyring and never falls back to a file.",
                        status.detail
                    ),
                });
            }
            status
        } else {
            KeyringStatus {
                backend: botdeck_core::secrets::backend_name().to_string(),
                usable: true,
                detail: "not probed".into(),
            }
        };
        let http = http_client();
        let auth = Authenticator::new(http.clone()).ok();
        Self {
            paths,
            owner: options.owner,
            store,
            notices,
            keyring,
            http,
            auth,
            seq: AtomicU64::new(0),
            job: Mutex::new(None),
            perms_read: Mutex::new(None),
            sign_in: Mutex::new(None),
        }
    }

    pub fn paths(&self) -> &DataPaths {
        &self.paths
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn keyring(&self) -> &KeyringStatus {
        &self.keyring
    }

    /// What opening found (repaired cache, loose permissions, no keyring...).
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    pub fn add_notices(&mut self, extra: impl IntoIterator<Item = Notice>) {
        self.notices.extend(extra);
    }

    pub fn store(&self) -> Result<MutexGuard<'_, Store>, ApiError> {
        // A poisoned lock means an operation panicked mid-write; SQLite's own transactions
        // keep the file consistent, so carrying on is safe.
        Ok(self
            .store_mutex()?
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// The store's mutex itself, for core functions that lock it only between their awaits
    /// (sync, bulk runs): a guard must never be held across an `.await`.
    pub fn store_mutex(&self) -> Result<&Mutex<Store>, ApiError> {
        match &self.store {
            Ok(store) => Ok(store),
            Err(err) => Err(ApiError::new(
                ErrorCode::Store,
                format!("the local cache is not available: {}", err.message),
            )),
        }
    }

    pub fn authenticator(&self) -> Result<&Authenticator, ApiError> {
        self.auth.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Keyring,
                format!("sign-in is disabled: {}", self.keyring.detail),
            )
        })
    }

    /// The profile named (by name or id), or the current one.
    pub fn profile(&self, name_or_id: Option<&str>) -> Result<TenantProfile, ApiError> {
        let store = self.store()?;
        let profiles = TenantProfiles::new(&store);
        match name_or_id.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => Ok(profiles.resolve(name)?),
            None => profiles.current()?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::SignInRequired,
                    "no tenant is selected: add one and sign in",
                )
            }),
        }
    }

    /// A token for `feature`. A refresh is recorded on the profile (scopes, expiry); failing to
    /// record it is only logged, since the token works either way.
    pub async fn access_token(
        &self,
        profile: &TenantProfile,
        feature: Feature,
    ) -> Result<Sensitive<String>, ApiError> {
        let (token, refreshed) = self.authenticator()?.access_token(profile, feature).await?;
        if let Some(tokens) = refreshed {
            let recorded = self.store().and_then(|store| {
                botdeck_core::auth::record_refresh(&store, &profile.id, &tokens)
                    .map_err(ApiError::from)
            });
            if let Err(err) = recorded {
                tracing::warn!(error = %err.message, "could not record the refreshed token's facts");
            }
        }
        Ok(token)
    }

    /// Claims the one-job slot for this data folder: refused while another sync or bulk change
    /// runs here, in another window or in the CLI, since they would share the same limits.
    /// The slot is freed when the [`Job`] is dropped, however the work ends.
    pub fn begin_job(&self, kind: JobKind) -> Result<Job<'_>, ApiError> {
        let mut slot = self.job.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return Err(busy(&format!(
                "{} is already running in this window; wait for it or cancel it first",
                capitalised(kind.label())
            )));
        }
        let holder = uuid::Uuid::new_v4().to_string();
        let store = self.store_mutex()?;
        let claimed = {
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            botdeck_core::lease::claim(&store, &holder, kind.label(), &self.owner)?
        };
        if let Err(other) = claimed {
            let since = chrono::DateTime::from_timestamp(other.started_at, 0)
                .map(|t| format!(" since {}", t.format("%H:%M UTC")))
                .unwrap_or_default();
            return Err(busy(&format!(
                "{} is running in {}{since}; both would spend the same tenant limits. Wait for it to finish",
                capitalised(&other.job),
                other.owner
            )));
        }
        let id = self.seq.fetch_add(1, Ordering::Relaxed);
        let cancel = CancellationToken::new();
        *slot = Some((id, cancel.clone()));
        let renewer = self.store.as_ref().ok().and_then(|store| {
            let store = Arc::clone(store);
            let holder = holder.clone();
            // Renewed until the Job is dropped (a cancelled job still runs until it stops).
            tokio::runtime::Handle::try_current().ok().map(|rt| {
                rt.spawn(async move {
                    let every = Duration::from_secs(botdeck_core::lease::RENEW_EVERY_SECS);
                    loop {
                        tokio::time::sleep(every).await;
                        let store = store.lock().unwrap_or_else(|p| p.into_inner());
                        if let Err(err) = botdeck_core::lease::renew(&store, &holder) {
                            tracing::warn!(%err, "could not renew the job lease");
                        }
                    }
                })
            })
        });
        Ok(Job {
            cx: self,
            id,
            holder,
            cancel,
            renewer,
        })
    }

    /// Asks the running job to stop after the requests on the wire.
    pub fn cancel_job(&self) -> bool {
        cancel_slot(&self.job)
    }

    pub fn job_running(&self) -> bool {
        self.job.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Claims the permissions-read slot, or says a read is already running.
    pub fn begin_perms_read(&self) -> Result<PermsRead<'_>, ApiError> {
        let mut slot = self.perms_read.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return Err(busy(
                "the permissions are being read already; wait for it or cancel it first",
            ));
        }
        let id = self.seq.fetch_add(1, Ordering::Relaxed);
        let cancel = CancellationToken::new();
        *slot = Some((id, cancel.clone()));
        Ok(PermsRead {
            cx: self,
            id,
            cancel,
        })
    }

    /// Asks the running permissions read to stop; its previous cached read stays.
    pub fn cancel_perms_read(&self) -> bool {
        cancel_slot(&self.perms_read)
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
}

fn busy(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Busy, message).retryable()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn cancel_slot(slot: &Mutex<Option<(u64, CancellationToken)>>) -> bool {
    let slot = slot.lock().unwrap_or_else(|p| p.into_inner());
    match slot.as_ref() {
        Some((_, token)) if !token.is_cancelled() => {
            token.cancel();
            true
        }
        _ => false,
    }
}

fn free_slot(slot: &Mutex<Option<(u64, CancellationToken)>>, id: u64) {
    let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
    if slot.as_ref().is_some_and(|(current, _)| *current == id) {
        *slot = None;
    }
}

/// The claimed one-job slot; dropping it frees the slot and the lease row.
pub struct Job<'a> {
    cx: &'a Context,
    id: u64,
    holder: String,
    pub cancel: CancellationToken,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Job<'_> {
    fn drop(&mut self) {
        if let Some(renewer) = self.renewer.take() {
            renewer.abort();
        }
        if let Ok(store) = self.cx.store() {
            if let Err(err) = botdeck_core::lease::release(&store, &self.holder) {
                // A stale row is taken over after a minute; nothing is lost but time.
                tracing::warn!(%err, "could not free the job lease");
            }
        }
        free_slot(&self.cx.job, self.id);
    }
}

/// The claimed permissions-read slot; freed on drop however the operation ends.
pub struct PermsRead<'a> {
    cx: &'a Context,
    id: u64,
    pub cancel: CancellationToken,
}

impl Drop for PermsRead<'_> {
    fn drop(&mut self) {
        free_slot(&self.cx.perms_read, self.id);
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("BotDeck/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap_or_else(|err| {
            // Only a broken TLS backend gets here; the default client then says so per request.
            tracing::error!(%err, "the configured HTTP client could not be built");
            reqwest::Client::new()
        })
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
