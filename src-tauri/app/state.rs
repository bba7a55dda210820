//! Everything the commands share, created once at start-up.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use botdeck_core::config::{ConfigError, DataPaths};
use botdeck_core::error::{ApiError, ErrorCode};
use botdeck_core::ipc_types::{Notice, NoticeLevel};
use botdeck_core::secrets::KeyringStatus;
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

pub struct AppState {
    pub paths: DataPaths,
    pub demo: bool,
    store: Option<Mutex<Store>>,
    notices: Vec<Notice>,
    pub keyring: KeyringStatus,
}

/// How long start-up waits for the keyring before reporting it unresponsive (a locked
/// keyring may be waiting for an unlock prompt nobody sees).
const KEYRING_PROBE_WAIT: Duration = Duration::from_secs(5);

impl AppState {
    pub fn start(paths: DataPaths, options: &StartupOptions, log_error: Option<String>) -> Self {
        let mut notices = Vec::new();
        let store = match Store::open_in(&paths.data_dir) {
            Ok((store, report)) => {
                if let Some(moved) = report.corrupt_file_moved_to {
                    notices.push(Notice {
                        id: "cache-recreated".into(),
                        level: NoticeLevel::Warning,
                        title: "The local cache was damaged and has been recreated".into(),
                        message: format!(
                            "The damaged file was kept at {moved}. Nothing is lost: the cache \
                             only mirrors your tenant and is rebuilt on the next sync. Settings \
                             are back to their defaults."
                        ),
                    });
                }
                Some(Mutex::new(store))
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
        Self {
            paths,
            demo: options.demo,
            store,
            notices,
            keyring,
        }
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
