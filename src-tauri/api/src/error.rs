//! The one error shape that leaves BotDeck for a front-end (IPC, CLI `--json`).
//!
//! Each core module has its own typed error; this is the only place they become
//! `{code, message, retryable, actionUrl}`, and where the CLI's exit code comes from.
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
    /// What the admin previewed changed before it ran (a new published version, other
    /// targets): look again, then run the new preview.
    Conflict,
    /// Another sync or bulk change is running against this data folder (in this window, another
    /// window or the CLI): both would spend the same tenant limits. Try again when it ends.
    Busy,
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
    #[serde(rename = "actionUrl")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub action_url: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retryable: false,
            action_url: None,
        }
    }

    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// The operation ran and failed in a way that is nobody's input (exit 1 on the CLI).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    pub fn with_action_url(mut self, url: impl Into<String>) -> Self {
        self.action_url = Some(url.into());
        self
    }

    /// The CLI's exit code for this error (documented in `botdeck --help`): what the admin
    /// asked for wrongly — a bad value, an unknown profile, app or run — is 2, nothing having
    /// been sent; everything else that stopped the command is 1.
    pub fn exit_code(&self) -> u8 {
        match self.code {
            ErrorCode::InvalidRequest | ErrorCode::InvalidInput | ErrorCode::NotFound => EXIT_USAGE,
            _ => EXIT_FAILED,
        }
    }
}

/// The command ran and failed, or found problems.
pub const EXIT_FAILED: u8 = 1;
/// Bad usage or input; nothing was sent and nothing was changed.
pub const EXIT_USAGE: u8 = 2;

/// An id given in the wrong shape (a flag, an IPC field): the admin's input, nothing was sent.
impl From<botdeck_core::ids::IdError> for ApiError {
    fn from(err: botdeck_core::ids::IdError) -> Self {
        ApiError::invalid_input(err.to_string())
    }
}

impl From<botdeck_core::store::StoreError> for ApiError {
    fn from(err: botdeck_core::store::StoreError) -> Self {
        use botdeck_core::store::StoreError as E;
        let code = match &err {
            E::DataDirUnusable { .. } => ErrorCode::DataDir,
            _ => ErrorCode::Store,
        };
        let retryable = matches!(&err, E::Sqlite(inner) if is_busy(inner));
        Self {
            code,
            message: err.to_string(),
            retryable,
            action_url: None,
        }
    }
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl From<botdeck_core::secrets::SecretsError> for ApiError {
    fn from(err: botdeck_core::secrets::SecretsError) -> Self {
        Self::new(ErrorCode::Keyring, err.to_string())
    }
}

impl From<botdeck_core::config::ConfigError> for ApiError {
    fn from(err: botdeck_core::config::ConfigError) -> Self {
        Self::new(ErrorCode::InvalidInput, err.to_string())
    }
}

impl From<botdeck_core::profiles::TenantProfileError> for ApiError {
    fn from(err: botdeck_core::profiles::TenantProfileError) -> Self {
        use botdeck_core::profiles::TenantProfileError as E;
        match err {
            E::Store(inner) => inner.into(),
            E::NotFound(_) => Self::new(ErrorCode::NotFound, err.to_string()),
            E::Duplicate(_) | E::Invalid { .. } => {
                Self::new(ErrorCode::InvalidInput, err.to_string())
            }
        }
    }
}

impl From<botdeck_core::auth::AuthError> for ApiError {
    fn from(err: botdeck_core::auth::AuthError) -> Self {
        use botdeck_core::auth::AuthError as E;
        let message = err.to_string();
        match err {
            E::Keyring(inner) => inner.into(),
            E::Profile(inner) => inner.into(),
            E::Offline { .. } => Self::new(ErrorCode::Offline, message).retryable(),
            E::Cancelled => Self::new(ErrorCode::Cancelled, message),
            E::NotSignedIn(_) | E::SignInAgain => Self::new(ErrorCode::SignInRequired, message),
            E::ConsentRequired { admin_consent_url } => Self {
                action_url: Some(admin_consent_url),
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

impl From<botdeck_graph::GraphError> for ApiError {
    fn from(err: botdeck_graph::GraphError) -> Self {
        use botdeck_graph::GraphError as E;
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

impl From<botdeck_core::catalog::CatalogError> for ApiError {
    fn from(err: botdeck_core::catalog::CatalogError) -> Self {
        use botdeck_core::catalog::CatalogError as E;
        let message = err.to_string();
        match err {
            E::Graph(inner) => inner.into(),
            E::Store(inner) => inner.into(),
            E::NotFound(_) => Self::new(ErrorCode::NotFound, message),
            E::Package(_)
            | E::Invalid(_)
            | E::InvalidPackage { .. }
            | E::ManifestRejected { .. }
            | E::AlreadyInCatalog { .. }
            | E::VersionNotGreater { .. }
            | E::ManifestIdMismatch { .. }
            | E::NotAnOrgApp { .. }
            | E::Refused(_) => Self::new(ErrorCode::InvalidInput, message),
        }
    }
}

impl From<botdeck_core::installs::InstallsError> for ApiError {
    fn from(err: botdeck_core::installs::InstallsError) -> Self {
        use botdeck_core::installs::InstallsError as E;
        let message = err.to_string();
        match err {
            E::Graph(inner) => inner.into(),
            E::Store(inner) => inner.into(),
            E::Catalog(inner) => inner.into(),
            E::UnknownRun(_) => Self::new(ErrorCode::NotFound, message),
            E::Invalid(_) => Self::new(ErrorCode::InvalidInput, message),
            E::Changed(_) => Self::new(ErrorCode::Conflict, message),
            // The token source failed mid-run (refresh refused, keyring gone): sign in again.
            E::Token(_) => Self::new(ErrorCode::SignInRequired, message),
        }
    }
}

impl From<botdeck_core::links::LinksError> for ApiError {
    fn from(err: botdeck_core::links::LinksError) -> Self {
        use botdeck_core::links::LinksError as E;
        let message = err.to_string();
        match err {
            E::Invalid(_) => Self::new(ErrorCode::InvalidInput, message),
            E::NotFound(_) => Self::new(ErrorCode::NotFound, message),
            E::ConsentNeeded { .. } => Self::new(ErrorCode::ConsentRequired, message),
            E::Store(e) => e.into(),
            E::Graph(e) => e.into(),
            E::Installs(e) => Self::new(
                match e {
                    botdeck_core::installs::InstallsError::Invalid(_) => ErrorCode::InvalidInput,
                    _ => ErrorCode::Graph,
                },
                message,
            ),
            E::Catalog(_) => Self::new(ErrorCode::Graph, message),
        }
    }
}

/// A package error is the admin's input being unusable (a bad file, a bad version), a missing
/// file, or — for zip writing — a bug.
impl From<botdeck_core::package::PackageError> for ApiError {
    fn from(err: botdeck_core::package::PackageError) -> Self {
        use botdeck_core::package::PackageError as E;
        let code = match &err {
            E::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorCode::NotFound
            }
            E::Io { .. } | E::ZipWrite(_) | E::Image(_) => ErrorCode::Internal,
            _ => ErrorCode::InvalidInput,
        };
        Self::new(code, err.to_string())
    }
}

impl From<botdeck_core::permissions::PermissionError> for ApiError {
    fn from(err: botdeck_core::permissions::PermissionError) -> Self {
        permission_error(err, None)
    }
}

/// The edge form of a permissions error. With `consent`, an app nobody consented to yet carries
/// the admin consent page as its `action_url`, so the window can offer it next to the message.
pub fn permission_error(
    err: botdeck_core::permissions::PermissionError,
    consent: Option<&botdeck_core::permissions::ConsentTarget>,
) -> ApiError {
    use botdeck_core::permissions::PermissionError as E;
    let message = err.to_string();
    match err {
        E::Graph(inner) => inner.into(),
        E::Store(inner) => inner.into(),
        E::NotConsented { app_id } => ApiError {
            action_url: consent
                .map(|target| botdeck_core::permissions::default_consent_link(&app_id, target).url),
            ..ApiError::new(ErrorCode::ConsentRequired, message)
        },
        E::ProfileNotFound(_) | E::ProfileFile(_) | E::Invalid(_) | E::NotGranted(_) => {
            ApiError::new(ErrorCode::InvalidInput, message)
        }
        E::Cancelled => ApiError::new(ErrorCode::Cancelled, message),
        E::Encode(_) | E::Internal(_) => ApiError::new(ErrorCode::Internal, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use botdeck_core::catalog::CatalogError;
    use botdeck_core::installs::InstallsError;
    use botdeck_core::package::PackageError;
    use botdeck_core::permissions::{ConsentTarget, PermissionError};

    #[test]
    fn exit_codes_split_bad_requests_from_failures() {
        for code in [
            ErrorCode::InvalidInput,
            ErrorCode::InvalidRequest,
            ErrorCode::NotFound,
        ] {
            assert_eq!(ApiError::new(code, "x").exit_code(), EXIT_USAGE, "{code:?}");
        }
        for code in [
            ErrorCode::Graph,
            ErrorCode::Offline,
            ErrorCode::SignInRequired,
            ErrorCode::Conflict,
            ErrorCode::Internal,
        ] {
            assert_eq!(
                ApiError::new(code, "x").exit_code(),
                EXIT_FAILED,
                "{code:?}"
            );
        }
    }

    #[test]
    fn the_json_shape_is_code_message_retryable_and_an_action_url_only_when_there_is_one() {
        let plain = serde_json::to_value(ApiError::new(ErrorCode::Offline, "down").retryable())
            .expect("json");
        assert_eq!(
            plain,
            serde_json::json!({"code": "offline", "message": "down", "retryable": true})
        );
        let consent = serde_json::to_value(
            ApiError::new(ErrorCode::ConsentRequired, "consent").with_action_url("https://x"),
        )
        .expect("json");
        assert_eq!(consent["actionUrl"], "https://x");
    }

    #[test]
    fn catalog_refusals_and_missing_apps_keep_their_codes() {
        let e: ApiError = CatalogError::NotFound("x".into()).into();
        assert_eq!(e.code, ErrorCode::NotFound);
        let e: ApiError = CatalogError::Invalid("say which app".into()).into();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.exit_code(), EXIT_USAGE);
    }

    #[test]
    fn run_and_input_errors_keep_their_codes() {
        let e: ApiError = InstallsError::UnknownRun("r1".into()).into();
        assert_eq!(e.code, ErrorCode::NotFound);
        let e: ApiError = InstallsError::Invalid("bad".into()).into();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        let e: ApiError =
            InstallsError::Token(botdeck_graph::TokenError::new("expired", false)).into();
        assert_eq!(e.code, ErrorCode::SignInRequired);
    }

    #[test]
    fn a_file_that_is_not_a_zip_is_told_without_the_zip_readers_jargon() {
        let e: ApiError = PackageError::NotAZip("Could not find EOCD".into()).into();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(
            e.message,
            "this file is not a zip archive (or it is damaged)"
        );
        let e: ApiError = PackageError::io(
            "x.zip",
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        )
        .into();
        assert_eq!(e.code, ErrorCode::NotFound);
        assert!(e.message.contains("x.zip"));
    }

    #[test]
    fn usage_errors_are_invalid_input_and_not_consented_carries_the_consent_page() {
        let err: ApiError = PermissionError::ProfileNotFound("nope".into()).into();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        let target = ConsentTarget::new(
            "https://login.microsoftonline.com",
            "contoso.onmicrosoft.com",
            "https://graph.microsoft.com/v1.0",
        );
        let app_id = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";
        let err = permission_error(
            PermissionError::NotConsented {
                app_id: botdeck_core::ids::EntraAppId::parse(app_id).expect("app id"),
            },
            Some(&target),
        );
        assert_eq!(err.code, ErrorCode::ConsentRequired);
        let url = err.action_url.expect("consent page");
        assert!(
            url.contains("adminconsent") && url.contains(app_id),
            "{url}"
        );
        let graph_down: ApiError = PermissionError::Graph(botdeck_graph::GraphError::Http {
            status: 503,
            code: "ServiceUnavailable".into(),
            message: "busy".into(),
            request_id: None,
            retry_after: None,
        })
        .into();
        assert_eq!(graph_down.code, ErrorCode::Graph);
        assert!(graph_down.retryable);
    }
}
