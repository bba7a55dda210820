//! The one error shape that leaves the core for a front-end (IPC, CLI `--json`).
//!
//! Each module has its own typed error; this is where they become `{code, message, retryable}`.
//! Messages are written for an admin and never contain secrets: the module errors they are made
//! from never carry tokens in the first place (see `secrets::Sensitive`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable, machine-readable error codes. The UI branches on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request from the front-end was malformed (wrong or missing fields).
    InvalidRequest,
    /// A value the admin entered is not acceptable; the message says why.
    InvalidInput,
    /// The local data folder cannot be used.
    DataDir,
    /// The local SQLite cache failed.
    Store,
    /// The OS keyring is unavailable or refused access.
    Keyring,
    /// Something BotDeck was asked to find does not exist.
    NotFound,
    /// A bug: the operation failed in a way BotDeck does not expect.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// True when trying the same thing again later may succeed (network, throttling, locks).
    pub retryable: bool,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retryable: false,
        }
    }

    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        use crate::store::StoreError as E;
        let code = match &err {
            E::DataDirUnusable { .. } => ErrorCode::DataDir,
            _ => ErrorCode::Store,
        };
        let retryable = matches!(&err, E::Sqlite(inner) if is_busy(inner));
        Self {
            code,
            message: err.to_string(),
            retryable,
        }
    }
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl From<crate::secrets::SecretsError> for ApiError {
    fn from(err: crate::secrets::SecretsError) -> Self {
        Self::new(ErrorCode::Keyring, err.to_string())
    }
}

impl From<crate::config::ConfigError> for ApiError {
    fn from(err: crate::config::ConfigError) -> Self {
        Self::new(ErrorCode::InvalidInput, err.to_string())
    }
}
