//! What every tenant-facing command needs: the store, the chosen profile, a valid token.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_core::auth::{self, AuthError, Authenticator, Feature};
use botdeck_core::config::DataPaths;
use botdeck_core::graph::GraphClient;
use botdeck_core::profiles::{Profile, ProfileError, Profiles};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;

use crate::exit;

/// Set once at start when the command line asks for `--json`: errors are then printed to
/// stdout as the same `{code, message, retryable}` object the window's IPC returns.
static JSON_ERRORS: AtomicBool = AtomicBool::new(false);

pub fn set_json_errors(on: bool) {
    JSON_ERRORS.store(on, Ordering::Relaxed);
}

/// A failure with the exit code it maps to. Printed as `botdeck: <message>` on stderr, or with
/// `--json` as `{"code", "message", "retryable"}` on stdout.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    /// The process exit code: [`exit::USAGE`] or [`exit::FINDINGS`].
    pub code: u8,
    pub kind: ErrorCode,
    pub retryable: bool,
}

impl CliError {
    /// A bad flag value or a command that cannot run as given (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: exit::USAGE,
            kind: ErrorCode::InvalidInput,
            retryable: false,
        }
    }

    /// The command ran and failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: exit::FINDINGS,
            kind: ErrorCode::Internal,
            retryable: false,
        }
    }

    /// From the core's edge error; what the admin asked for wrongly is exit 2, the rest 1.
    pub fn api(err: ApiError) -> Self {
        let code = match err.code {
            ErrorCode::InvalidInput | ErrorCode::InvalidRequest | ErrorCode::NotFound => {
                exit::USAGE
            }
            _ => exit::FINDINGS,
        };
        Self {
            message: err.message,
            code,
            kind: err.code,
            retryable: err.retryable,
        }
    }

    /// Like [`CliError::api`] but keeping the caller's exit code.
    pub fn api_with_exit(err: ApiError, code: u8) -> Self {
        Self {
            code,
            ..Self::api(err)
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.kind,
            "message": self.message,
            "retryable": self.retryable,
        })
    }

    pub fn report(self) -> ExitCode {
        if JSON_ERRORS.load(Ordering::Relaxed) {
            println!("{}", self.to_json());
        } else {
            eprintln!("botdeck: {}", self.message);
        }
        ExitCode::from(self.code)
    }
}

impl From<AuthError> for CliError {
    fn from(err: AuthError) -> Self {
        // The sign-in error's own wording says more than its parts (e.g. the keyring's).
        let message = err.to_string();
        Self {
            message,
            ..Self::api(ApiError::from(err))
        }
    }
}

impl From<ProfileError> for CliError {
    fn from(err: ProfileError) -> Self {
        AuthError::Profile(err).into()
    }
}

impl From<botdeck_core::store::StoreError> for CliError {
    fn from(err: botdeck_core::store::StoreError) -> Self {
        Self::api_with_exit(ApiError::from(err), exit::FINDINGS)
    }
}

pub fn open_store(paths: &DataPaths) -> Result<Store, CliError> {
    let (store, report) = Store::open_in(&paths.data_dir)?;
    // stderr: stdout is for results, often JSON.
    for notice in report.notices() {
        eprintln!("botdeck: {}. {}", notice.title, notice.message);
    }
    Ok(store)
}

/// `--profile` if given, else the profile used last.
pub fn resolve_profile(store: &Store, name: Option<&str>) -> Result<Profile, CliError> {
    let profiles = Profiles::new(store);
    match name {
        Some(name) => Ok(profiles.resolve(name)?),
        None => profiles.current()?.ok_or_else(|| {
            CliError::usage("no profile selected: sign in with `botdeck login --profile NAME --tenant ...` or pass --profile")
        }),
    }
}

/// A signed-in profile, ready to call Graph.
pub struct Session {
    pub store: Store,
    pub profile: Profile,
    pub auth: Authenticator,
    pub graph: GraphClient,
}

impl Session {
    pub fn open(paths: &DataPaths, profile: Option<&str>) -> Result<Self, CliError> {
        let store = open_store(paths)?;
        let profile = resolve_profile(&store, profile)?;
        let http = http_client()?;
        let auth = Authenticator::new(http.clone())?;
        let graph = auth::graph_of(&http, &profile);
        Ok(Self {
            store,
            profile,
            auth,
            graph,
        })
    }

    /// A token for `feature`; a refresh is recorded on the profile (scopes, expiry).
    pub async fn token(&self, feature: Feature) -> Result<Sensitive<String>, CliError> {
        let (token, refreshed) = self
            .auth
            .access_token(&self.profile, feature)
            .await
            .map_err(|e| sign_in_again(e, &self.profile.name, feature))?;
        if let Some(tokens) = refreshed {
            auth::record_refresh(&self.store, &self.profile.id, &tokens)?;
        }
        Ok(token)
    }

    /// Who is acting, for the audit log.
    pub fn actor(&self) -> String {
        self.profile
            .identity
            .as_ref()
            .map(|i| i.account_upn.clone())
            .unwrap_or_else(|| "unknown".into())
    }

    pub fn tenant_id(&self) -> Option<String> {
        self.profile.identity.as_ref().map(|i| i.tenant_id.clone())
    }
}

/// Errors that a new sign-in fixes end with the exact command to run (the profile, and the
/// feature whose permissions it must ask for), not a bare "sign in again".
pub fn sign_in_again(err: AuthError, profile: &str, feature: Feature) -> CliError {
    let fixable = matches!(
        err,
        AuthError::SignInAgain | AuthError::NotSignedIn(_) | AuthError::ScopesMissing { .. }
    );
    let mut cli: CliError = err.into();
    if fixable {
        cli.message = format!(
            "{}. Run: {}",
            cli.message.trim_end_matches('.'),
            login_command(profile, feature)
        );
    }
    cli
}

/// `botdeck login --profile 'Contoso (demo)' --feature install`.
pub fn login_command(profile: &str, feature: Feature) -> String {
    let feature = match feature {
        Feature::ReadTenant => "read-tenant",
        Feature::Publish => "publish",
        Feature::Install => "install",
        Feature::ReviewPermissions => "review-permissions",
        Feature::RevokePermissions => "revoke-permissions",
        Feature::CheckLinkEvidence => "check-link-evidence",
        Feature::ReachMembers => "reach-members",
        Feature::UpdateBot => "update-bot",
    };
    let plain = !profile.is_empty()
        && profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    let quoted = if plain {
        profile.to_string()
    } else {
        format!("'{}'", profile.replace('\'', "'\\''"))
    };
    format!("botdeck login --profile {quoted} --feature {feature}")
}

pub fn http_client() -> Result<reqwest::Client, CliError> {
    reqwest::Client::builder()
        .user_agent(concat!("BotDeck/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .map_err(|e| CliError::failed(format!("cannot create the HTTP client: {e}")))
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}")))
}

pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failed(format!("cannot encode the result: {e}")))?;
    println!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_again_names_the_command_with_the_profile_and_feature() {
        let err = sign_in_again(AuthError::SignInAgain, "Contoso (demo)", Feature::Install);
        assert_eq!(
            err.message,
            "your sign-in has expired or was revoked; sign in again. Run: botdeck login --profile 'Contoso (demo)' --feature install"
        );
        let err = sign_in_again(
            AuthError::ScopesMissing {
                missing: vec!["AppCatalog.Submit".into()],
            },
            "prod",
            Feature::Publish,
        );
        assert!(
            err.message
                .ends_with("Run: botdeck login --profile prod --feature publish"),
            "{}",
            err.message
        );
        // Other errors are left as they are.
        let err = sign_in_again(AuthError::MfaRequired, "prod", Feature::Install);
        assert!(!err.message.contains("Run:"), "{}", err.message);
    }

    #[test]
    fn a_profile_name_with_a_quote_stays_one_shell_word() {
        assert_eq!(
            login_command("Bob's", Feature::ReadTenant),
            "botdeck login --profile 'Bob'\\''s' --feature read-tenant"
        );
    }

    #[test]
    fn every_named_command_is_one_the_login_command_accepts() {
        use clap::ValueEnum;
        for feature in [
            Feature::ReadTenant,
            Feature::Publish,
            Feature::Install,
            Feature::ReviewPermissions,
            Feature::RevokePermissions,
            Feature::CheckLinkEvidence,
            Feature::ReachMembers,
            Feature::UpdateBot,
        ] {
            let command = login_command("prod", feature);
            let name = command.rsplit(' ').next().unwrap_or_default();
            let parsed = crate::login_cmd::FeatureArg::from_str(name, false)
                .unwrap_or_else(|e| panic!("{command}: {e}"));
            assert_eq!(Feature::from(parsed), feature, "{command}");
        }
    }
}
