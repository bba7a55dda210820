//! What every tenant-facing command needs: the store, the chosen profile, a valid token.

use std::process::ExitCode;

use botdeck_core::auth::{self, AuthError, Authenticator, Feature};
use botdeck_core::config::DataPaths;
use botdeck_core::graph::GraphClient;
use botdeck_core::profiles::{Profile, ProfileError, Profiles};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;

use crate::exit;

/// A failure with the exit code it maps to. The message is printed as `botdeck: <message>`.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: u8,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: exit::USAGE,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: exit::FINDINGS,
        }
    }

    pub fn report(self) -> ExitCode {
        eprintln!("botdeck: {}", self.message);
        ExitCode::from(self.code)
    }
}

impl From<AuthError> for CliError {
    fn from(err: AuthError) -> Self {
        let code = match err {
            AuthError::Profile(ProfileError::Invalid { .. } | ProfileError::NotFound(_)) => {
                exit::USAGE
            }
            _ => exit::FINDINGS,
        };
        Self {
            message: err.to_string(),
            code,
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
        Self::failed(err.to_string())
    }
}

pub fn open_store(paths: &DataPaths) -> Result<Store, CliError> {
    let (store, report) = Store::open_in(&paths.data_dir)?;
    if let Some(moved) = report.corrupt_file_moved_to {
        eprintln!("botdeck: the local cache was damaged; it was moved to {moved} and recreated (it is rebuilt from the tenant)");
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
        let (token, refreshed) = self.auth.access_token(&self.profile, feature).await?;
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
