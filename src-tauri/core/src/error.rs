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
    /// Not signed in, or the sign-in expired or was revoked: sign in (again).
    SignInRequired,
    /// The token lacks permissions for this feature, or an admin must consent first (`link`).
    ConsentRequired,
    /// The sign-in did not complete (declined, expired code, MFA or conditional access).
    SignInFailed,
    /// The admin cancelled the operation.
    Cancelled,
    /// The tenant (or the network) could not be reached; the cache still works.
    Offline,
    /// Microsoft Graph refused or failed the request.
    Graph,
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
    /// A page that resolves the problem (admin consent), opened in the system browser.
    #[serde(default)]
    pub link: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retryable: false,
            link: None,
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
            link: None,
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

impl From<crate::profiles::ProfileError> for ApiError {
    fn from(err: crate::profiles::ProfileError) -> Self {
        use crate::profiles::ProfileError as E;
        match err {
            E::Store(inner) => inner.into(),
            E::NotFound(_) => Self::new(ErrorCode::NotFound, err.to_string()),
            E::Duplicate(_) | E::Invalid { .. } => {
                Self::new(ErrorCode::InvalidInput, err.to_string())
            }
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(err: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as E;
        let message = err.to_string();
        match err {
            E::Keyring(inner) => inner.into(),
            E::Profile(inner) => inner.into(),
            E::Offline { .. } => Self::new(ErrorCode::Offline, message).retryable(),
            E::Cancelled => Self::new(ErrorCode::Cancelled, message),
            E::NotSignedIn(_) | E::SignInAgain => Self::new(ErrorCode::SignInRequired, message),
            E::ConsentRequired { admin_consent_url } => Self {
                link: Some(admin_consent_url),
                ..Self::new(ErrorCode::ConsentRequired, message)
            },
            E::ScopesMissing { .. } => Self::new(ErrorCode::ConsentRequired, message),
            E::Declined
            | E::Expired
            | E::BrowserTimeout(_)
            | E::StateMismatch
            | E::PkceMismatch
            | E::CodeAlreadyUsed
            | E::ConditionalAccess { .. }
            | E::MfaRequired
            | E::Entra { .. } => Self::new(ErrorCode::SignInFailed, message),
            E::Protocol(_) => Self::new(ErrorCode::Internal, message),
        }
    }
}

impl From<crate::graph::GraphError> for ApiError {
    fn from(err: crate::graph::GraphError) -> Self {
        use crate::graph::GraphError as E;
        let message = err.to_string();
        match err {
            E::Offline { .. } => Self::new(ErrorCode::Offline, message).retryable(),
            E::Http { status: 401, .. } => Self::new(ErrorCode::SignInRequired, message),
            E::Http { status, .. } => {
                let retryable = status == 429 || status >= 500;
                Self {
                    retryable,
                    ..Self::new(ErrorCode::Graph, message)
                }
            }
            E::Protocol(_) | E::ForeignUrl(_) => Self::new(ErrorCode::Graph, message),
        }
    }
}
