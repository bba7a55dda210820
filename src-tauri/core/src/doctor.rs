//! Health checks shared by `botdeck doctor` and the Settings page.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::DataPaths;
use crate::schema::{CACHE_SCHEMA_VERSION, STATE_SCHEMA_VERSION};
use crate::store::{CacheCheck, Store, CACHE_FILE, STATE_FILE};

/// How closely the health check looks at the databases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Depth {
    /// Each file opens read-only and names its schema version: the same cost whatever the
    /// cache holds. What the Overview shows on every visit.
    Quick,
    /// A full `integrity_check` of the cache (it also cross-checks every index), repairing what
    /// start-up would repair: about 0.7 s on a 60 000-row cache. `botdeck doctor` and
    /// Settings → Run checks.
    #[default]
    Thorough,
}

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

pub fn run(paths: &DataPaths, depth: Depth) -> DoctorReport {
    let checks = vec![
        check_data_dir(&paths.data_dir),
        check_sqlite(&paths.data_dir, depth),
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

/// The databases' check at `depth` (see [`Depth`]).
pub fn check_sqlite(dir: &Path, depth: Depth) -> Check {
    match depth {
        Depth::Quick => check_sqlite_quick(dir),
        Depth::Thorough => check_sqlite_thorough(dir),
    }
}

/// Opens each file read-only (no migration, no repair: the running app owns that) and reads
/// its schema version. A missing file is not a fault: opening BotDeck creates it.
fn check_sqlite_quick(dir: &Path) -> Check {
    if dir.exists() && !dir.is_dir() {
        return check(
            "sqlite",
            "Local databases (SQLite)",
            CheckStatus::Fail,
            format!("{} is not a folder", dir.display()),
            Some("Set BOTDECK_DATA_DIR to a writable folder."),
        );
    }
    let mut parts = Vec::new();
    let mut status = CheckStatus::Ok;
    for (file, expected) in [
        (STATE_FILE, STATE_SCHEMA_VERSION),
        (CACHE_FILE, CACHE_SCHEMA_VERSION),
    ] {
        let path = dir.join(file);
        if !path.exists() {
            parts.push(format!(
                "{} — not created yet (opening BotDeck creates it)",
                path.display()
            ));
            continue;
        }
        let version = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|conn| conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)));
        match version {
            Ok(v) if usize::try_from(v).is_ok_and(|v| v > expected) => {
                status = CheckStatus::Fail;
                parts.push(format!(
                    "{} — schema version {v}, newer than this BotDeck knows ({expected})",
                    path.display()
                ));
            }
            Ok(v) => parts.push(format!(
                "{} — schema version {v} of {expected}",
                path.display()
            )),
            Err(err) => {
                status = CheckStatus::Fail;
                parts.push(format!("{} — cannot be read: {err}", path.display()));
            }
        }
    }
    parts
        .push("the full integrity check runs in Settings → Run checks and `botdeck doctor`".into());
    check(
        "sqlite",
        "Local databases (SQLite)",
        status,
        parts.join("; "),
        (status != CheckStatus::Ok).then_some(
            "Run the full check in Settings (or `botdeck doctor`): it repairs what it can and \
             says what to do about the rest.",
        ),
    )
}

/// Opens both databases with a full `integrity_check` of the cache (it also cross-checks
/// indexes), repairing what start-up would repair.
fn check_sqlite_thorough(dir: &Path) -> Check {
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
        let report = run(&paths, Depth::Thorough);
        let status = |id: &str| report.checks.iter().find(|c| c.id == id).map(|c| c.status);
        assert_eq!(status("data_dir"), Some(CheckStatus::Fail));
        assert_eq!(status("sqlite"), Some(CheckStatus::Fail));
        assert_eq!(status("log_dir"), Some(CheckStatus::Ok));
        assert!(!report.healthy());
    }

    #[test]
    fn healthy_dirs_pass_and_report_schema() {
        let tmp = tempfile::tempdir().expect("tmp");
        let report = run(&DataPaths::under(tmp.path()), Depth::Thorough);
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

    fn quick(dir: &Path) -> Check {
        check_sqlite(dir, Depth::Quick)
    }

    #[test]
    fn the_quick_check_names_each_schema_version_without_checking_integrity() {
        let tmp = tempfile::tempdir().expect("tmp");
        drop(Store::open_in(tmp.path()).expect("open"));
        let sqlite = quick(tmp.path());
        assert_eq!(sqlite.status, CheckStatus::Ok, "{}", sqlite.detail);
        assert!(sqlite.detail.contains(&format!(
            "schema version {STATE_SCHEMA_VERSION} of {STATE_SCHEMA_VERSION}"
        )));
        assert!(sqlite.detail.contains(&format!(
            "schema version {CACHE_SCHEMA_VERSION} of {CACHE_SCHEMA_VERSION}"
        )));
        assert!(!sqlite.detail.contains("integrity_check passed"));
        assert!(sqlite.detail.contains("Settings → Run checks"));
    }

    #[test]
    fn the_quick_check_of_a_new_data_folder_says_the_files_come_with_the_first_start() {
        let tmp = tempfile::tempdir().expect("tmp");
        let sqlite = quick(tmp.path());
        assert_eq!(sqlite.status, CheckStatus::Ok);
        assert_eq!(sqlite.detail.matches("not created yet").count(), 2);
        assert!(
            !tmp.path().join(STATE_FILE).exists(),
            "a check creates nothing"
        );
    }

    #[test]
    fn the_quick_check_fails_a_newer_schema_an_unreadable_file_and_a_file_for_a_folder() {
        let tmp = tempfile::tempdir().expect("tmp");
        drop(Store::open_in(tmp.path()).expect("open"));
        let conn = rusqlite::Connection::open(tmp.path().join(CACHE_FILE)).expect("cache");
        conn.pragma_update(None, "user_version", CACHE_SCHEMA_VERSION + 1)
            .expect("version");
        drop(conn);
        let newer = quick(tmp.path());
        assert_eq!(newer.status, CheckStatus::Fail);
        assert!(
            newer.detail.contains("newer than this BotDeck knows"),
            "{}",
            newer.detail
        );
        assert!(newer.hint.is_some());

        std::fs::write(
            tmp.path().join(STATE_FILE),
            b"not a database, long enough to be read as one",
        )
        .expect("write");
        let garbage = quick(tmp.path());
        assert_eq!(garbage.status, CheckStatus::Fail);
        assert!(
            garbage.detail.contains("cannot be read"),
            "{}",
            garbage.detail
        );

        let file = tmp.path().join("plain-file");
        std::fs::write(&file, b"x").expect("write");
        let not_a_folder = quick(&file);
        assert_eq!(not_a_folder.status, CheckStatus::Fail);
        assert!(not_a_folder.detail.contains("is not a folder"));
    }
}
