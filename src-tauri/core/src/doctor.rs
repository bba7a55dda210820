//! Health checks shared by `botdeck doctor` and the Settings page.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::DataPaths;
use crate::schema::{CACHE_SCHEMA_VERSION, STATE_SCHEMA_VERSION};
use crate::store::{CacheCheck, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// Stable id: `data_dir`, `sqlite`, `keyring`, `webview`, `log_dir`.
    pub id: String,
    pub label: String,
    pub status: CheckStatus,
    pub detail: String,
    /// What to do about a warning or failure.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    pub version: String,
    pub data_dir: String,
    /// Profiles, settings, audit log and bulk journals.
    pub state_file: String,
    /// The mirror of the tenant.
    pub cache_file: String,
    pub log_dir: String,
    pub log_file: String,
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.status != CheckStatus::Fail)
    }
}

pub fn run(paths: &DataPaths) -> DoctorReport {
    let checks = vec![
        check_data_dir(&paths.data_dir),
        check_sqlite(&paths.data_dir),
        check_log_dir(&paths.log_dir),
        check_keyring(),
        check_webview(),
    ];
    DoctorReport {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: paths.data_dir.display().to_string(),
        state_file: paths.state_file().display().to_string(),
        cache_file: paths.cache_file().display().to_string(),
        log_dir: paths.log_dir.display().to_string(),
        log_file: crate::logging::current_log_file(&paths.log_dir)
            .display()
            .to_string(),
        checks,
    }
}

fn check(id: &str, label: &str, status: CheckStatus, detail: String, hint: Option<&str>) -> Check {
    Check {
        id: id.to_string(),
        label: label.to_string(),
        status,
        detail,
        hint: hint.map(str::to_string),
    }
}

fn probe_writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".botdeck-write-probe-{}", uuid::Uuid::new_v4()));
    std::fs::write(&probe, b"probe")?;
    std::fs::remove_file(&probe)
}

fn check_data_dir(dir: &Path) -> Check {
    match probe_writable(dir) {
        Ok(()) => check(
            "data_dir",
            "Data folder writable",
            CheckStatus::Ok,
            dir.display().to_string(),
            None,
        ),
        Err(err) => check(
            "data_dir",
            "Data folder writable",
            CheckStatus::Fail,
            format!("{}: {err}", dir.display()),
            Some("Make the folder writable, or set BOTDECK_DATA_DIR to a writable folder."),
        ),
    }
}

fn check_log_dir(dir: &Path) -> Check {
    match probe_writable(dir) {
        Ok(()) => check(
            "log_dir",
            "Log folder writable",
            CheckStatus::Ok,
            dir.display().to_string(),
            None,
        ),
        Err(err) => check(
            "log_dir",
            "Log folder writable",
            CheckStatus::Warn,
            format!("{}: {err}", dir.display()),
            Some(
                "BotDeck still runs and logs to stderr; set BOTDECK_LOG_DIR to a writable folder.",
            ),
        ),
    }
}

/// Opens both databases with a full `integrity_check` of the cache (it also cross-checks
/// indexes), repairing what start-up would repair.
fn check_sqlite(dir: &Path) -> Check {
    match Store::open_in_with(dir, CacheCheck::Thorough) {
        Ok((store, report)) => {
            let mut detail = format!(
                "{} — schema version {} of {}; {} — schema version {} of {}, integrity_check passed",
                store.state_path().display(),
                report.state_schema_version,
                STATE_SCHEMA_VERSION,
                store.cache_path().display(),
                report.cache_schema_version,
                CACHE_SCHEMA_VERSION,
            );
            let notices = report.notices();
            let mut status = CheckStatus::Ok;
            for notice in &notices {
                detail.push_str(&format!("; {}: {}", notice.title, notice.message));
                status = match notice.level {
                    crate::notice::NoticeLevel::Error => CheckStatus::Fail,
                    crate::notice::NoticeLevel::Warning if status == CheckStatus::Ok => {
                        CheckStatus::Warn
                    }
                    _ => status,
                };
            }
            check(
                "sqlite",
                "Local databases (SQLite)",
                status,
                detail,
                (status != CheckStatus::Ok).then_some(
                    "The cache is rebuilt from the tenant on the next sync; the state database \
                     comes back from its newest backup in the backups folder.",
                ),
            )
        }
        Err(err) => check(
            "sqlite",
            "Local databases (SQLite)",
            CheckStatus::Fail,
            err.to_string(),
            Some("See the message; the cache file can always be deleted and rebuilt from the tenant."),
        ),
    }
}

fn check_keyring() -> Check {
    let status = crate::secrets::probe();
    if status.usable {
        check(
            "keyring",
            "OS keyring",
            CheckStatus::Ok,
            format!("{}: {}", status.backend, status.detail),
            None,
        )
    } else {
        check(
            "keyring",
            "OS keyring",
            CheckStatus::Fail,
            format!("{}: {}", status.backend, status.detail),
            Some("Sign-in is disabled until the keyring works; BotDeck never stores tokens elsewhere."),
        )
    }
}

/// Whether the libraries the desktop window needs are installed. The CLI runs without them.
fn check_webview() -> Check {
    let (status, detail, hint) = webview_presence();
    check("webview", "Webview libraries", status, detail, hint)
}

#[cfg(target_os = "linux")]
fn webview_presence() -> (CheckStatus, String, Option<&'static str>) {
    const WANTED: &[&str] = &["libwebkit2gtk-4.1.so.0", "libgtk-3.so.0"];
    let dirs = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
        "/lib/x86_64-linux-gnu",
        "/lib64",
        "/lib",
    ];
    let missing: Vec<&str> = WANTED
        .iter()
        .copied()
        .filter(|lib| !dirs.iter().any(|dir| Path::new(dir).join(lib).exists()))
        .collect();
    if missing.is_empty() {
        (
            CheckStatus::Ok,
            "webkit2gtk 4.1 and GTK 3 found".to_string(),
            None,
        )
    } else {
        (
            CheckStatus::Warn,
            format!("missing: {}", missing.join(", ")),
            Some("The CLI works without them; for the window: apt-get install libwebkit2gtk-4.1-0 libgtk-3-0"),
        )
    }
}

#[cfg(target_os = "macos")]
fn webview_presence() -> (CheckStatus, String, Option<&'static str>) {
    (
        CheckStatus::Ok,
        "WKWebView is part of macOS".to_string(),
        None,
    )
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn webview_presence() -> (CheckStatus, String, Option<&'static str>) {
    (
        CheckStatus::Warn,
        "not checked on this platform (WebView2 is installed with BotDeck)".to_string(),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_data_dir_fails_both_dir_and_sqlite_checks() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("plain-file");
        std::fs::write(&file, b"x").expect("write");
        let paths = DataPaths {
            data_dir: file.join("data"),
            log_dir: tmp.path().join("logs"),
        };
        let report = run(&paths);
        let status = |id: &str| report.checks.iter().find(|c| c.id == id).map(|c| c.status);
        assert_eq!(status("data_dir"), Some(CheckStatus::Fail));
        assert_eq!(status("sqlite"), Some(CheckStatus::Fail));
        assert_eq!(status("log_dir"), Some(CheckStatus::Ok));
        assert!(!report.healthy());
    }

    #[test]
    fn healthy_dirs_pass_and_report_schema() {
        let tmp = tempfile::tempdir().expect("tmp");
        let report = run(&DataPaths::under(tmp.path()));
        let sqlite = report
            .checks
            .iter()
            .find(|c| c.id == "sqlite")
            .expect("sqlite check");
        assert_eq!(sqlite.status, CheckStatus::Ok);
        assert!(sqlite
            .detail
            .contains(&format!("schema version {STATE_SCHEMA_VERSION}")));
        assert!(sqlite.detail.contains("integrity_check passed"));
        assert!(report.log_file.ends_with(".log"));
    }
}
