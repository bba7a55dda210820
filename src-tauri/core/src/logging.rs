//! Logs: a daily rolling file in the OS log folder plus stderr, filtered like `RUST_LOG`.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

pub const LOG_FILE_PREFIX: &str = "botdeck";
pub const LOG_FILE_SUFFIX: &str = "log";
const KEEP_DAYS: usize = 14;

/// Keep it alive for the life of the process: dropping it flushes and stops the file writer.
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
    pub log_dir: PathBuf,
    /// Set when the file could not be opened; logging then goes to stderr only.
    pub file_error: Option<String>,
    /// Log files or folders other users could read, made private at start.
    pub made_private: Vec<String>,
}

impl LogGuard {
    /// The start-up notice about files made private, if any were.
    pub fn notices(&self) -> Vec<crate::notice::Notice> {
        crate::private::notice(&self.made_private)
            .into_iter()
            .collect()
    }
}

/// Today's file; the appender names files `<prefix>.<YYYY-MM-DD>.<suffix>`.
pub fn current_log_file(log_dir: &Path) -> PathBuf {
    let day = chrono::Utc::now().format("%Y-%m-%d");
    log_dir.join(format!("{LOG_FILE_PREFIX}.{day}.{LOG_FILE_SUFFIX}"))
}

/// Installs the global subscriber. `default_filter` applies when `RUST_LOG` is unset or
/// unparsable. Calling it twice is harmless (the second call changes nothing).
pub fn init(log_dir: &Path, default_filter: &str, to_stderr: bool) -> LogGuard {
    let filter = || {
        EnvFilter::try_from_default_env()
            .or_else(|_| EnvFilter::try_new(default_filter))
            .unwrap_or_else(|_| EnvFilter::new("info"))
    };

    // Earlier versions created the folder and files readable by everyone.
    let was_empty = std::fs::read_dir(log_dir).is_ok_and(|mut d| d.next().is_none());
    let made_private: Vec<String> = crate::private::tighten_tree(log_dir)
        .map(|fixed| fixed.iter().map(|p| p.display().to_string()).collect())
        .ok()
        .filter(|_| !was_empty)
        .unwrap_or_default();
    let (file_layer, worker, file_error) = match open_appender(log_dir) {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            (Some(layer), Some(guard), None)
        }
        Err(err) => (None, None, Some(err.to_string())),
    };
    let stderr_layer = to_stderr.then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_filter(filter())
    });

    let installed = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    if let Some(err) = &file_error {
        tracing::warn!(dir = %log_dir.display(), %err, "log file unavailable; logging to stderr only");
    }
    if installed.is_err() {
        tracing::debug!("a tracing subscriber was already installed");
    }
    LogGuard {
        _worker: worker,
        log_dir: log_dir.to_path_buf(),
        file_error,
        made_private,
    }
}

use tracing_subscriber::Layer as _;

#[derive(Debug, thiserror::Error)]
enum LogFileError {
    #[error("cannot create the log folder: {0}")]
    Folder(#[from] std::io::Error),
    #[error("cannot open the log file: {0}")]
    File(#[from] tracing_appender::rolling::InitError),
}

fn open_appender(
    log_dir: &Path,
) -> Result<tracing_appender::rolling::RollingFileAppender, LogFileError> {
    crate::private::create_private_dir(log_dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix(LOG_FILE_SUFFIX)
        .max_log_files(KEEP_DAYS)
        .build(log_dir)?;
    // The appender creates today's file with the default mode; the folder is private anyway,
    // and the file is made owner-only too (files of later days are fixed at the next start).
    let _ = crate::private::tighten_tree(log_dir);
    Ok(appender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_log_dir_degrades_to_stderr() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").expect("write");
        let appender = open_appender(&file.join("logs"));
        assert!(appender.is_err());
    }

    #[cfg(unix)]
    #[test]
    fn log_folder_and_file_are_private() {
        let dir = tempfile::tempdir().expect("tmp");
        let logs = dir.path().join("logs");
        let appender = open_appender(&logs).expect("appender");
        drop(appender);
        assert_eq!(crate::private::mode_of(&logs), Some(0o700));
        for entry in std::fs::read_dir(&logs).expect("list") {
            let path = entry.expect("entry").path();
            assert_eq!(
                crate::private::mode_of(&path),
                Some(0o600),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn log_file_name_matches_the_appender() {
        let dir = tempfile::tempdir().expect("tmp");
        let appender = open_appender(dir.path()).expect("appender");
        drop(appender);
        let expected = current_log_file(dir.path());
        let name = expected
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(
            name.starts_with("botdeck.") && name.ends_with(".log"),
            "{name}"
        );
    }
}
