//! Sign-in: device code (RFC 8628) and browser + PKCE (RFC 8252 loopback), tokens in the OS
//! keyring only, refresh with rotation, and "who am I" from Graph.
//!
//! Flow: the caller picks a profile and a feature → BotDeck checks the keyring works (no
//! keyring, no sign-in) → Entra issues tokens → they go to the keyring before anything else →
//! Graph says who signed in → the profile records identity, scopes and expiry (no tokens).

pub mod entra;
mod error;
mod loopback;
pub mod scopes;
mod tokens;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

pub use entra::{DeviceCodeGrant, EntraEndpoint, PollStats, Sleeper, TokioSleeper, SLOW_DOWN_STEP};
pub use error::AuthError;
pub use scopes::{Feature, ScopeInfo};
pub use tokens::{TokenSet, REFRESH_MARGIN};

use crate::profiles::{Identity, TenantProfile, TenantProfiles};
use crate::secrets::{SecretStore, Sensitive};
use crate::store::Store;
use botdeck_graph::resources::organization::{DirectoryRole, Organization};
use botdeck_graph::resources::users::User;
use botdeck_graph::{resources, GraphClient, GraphError, Pacer, RouteLimits};

/// Why the system browser could not be opened: whatever the caller's opener reports (a spawn
/// error in the CLI, the opener plugin's error in the app).
pub type BrowserOpenError = Box<dyn std::error::Error + Send + Sync>;

/// How long the browser flow waits for the redirect before closing the port.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    DeviceCode,
    Browser,
}

/// What a finished sign-in learnt; recorded on the profile (no tokens in here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub identity: Identity,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// What the UI shows while the admin enters the device code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    #[ts(type = "number")]
    pub expires_in_secs: u64,
    pub message: Option<String>,
}

impl DeviceCodePrompt {
    /// "14 minutes", "1 minute", "45 seconds": a code that expires within a minute is never
    /// announced as valid for 0 minutes.
    pub fn validity(&self) -> String {
        validity_words(self.expires_in_secs)
    }
}

pub fn validity_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if secs < 60 {
        plural(secs, "second")
    } else {
        // Rounded down: never promise more time than there is.
        plural(secs / 60, "minute")
    }
}

impl From<&DeviceCodeGrant> for DeviceCodePrompt {
    fn from(grant: &DeviceCodeGrant) -> Self {
        Self {
            user_code: grant.user_code.clone(),
            verification_uri: grant.verification_uri.clone(),
            expires_in_secs: grant.expires_in.as_secs(),
            message: grant.message.clone(),
        }
    }
}

pub fn endpoint_of(profile: &TenantProfile) -> EntraEndpoint {
    EntraEndpoint {
        authority_host: profile.cloud.endpoints().authority_host,
        tenant: profile.tenant.clone(),
        client_id: profile.client_id.clone(),
    }
}

/// The profile's Graph client. Microsoft's limits are per app per tenant, so every client for
/// the same endpoint, tenant and app registration shares one pacer: a permission inspection,
/// a sync and a single call started from different commands never add up past the limits.
pub fn graph_of(http: &reqwest::Client, profile: &TenantProfile) -> GraphClient {
    let base = profile.cloud.endpoints().graph_base_url;
    let key = format!("{base}|{}|{}", profile.tenant, profile.client_id);
    GraphClient::new(http.clone(), &base)
        .with_pacing(Pacer::for_tenant(&key), RouteLimits::microsoft())
}

pub struct Authenticator {
    http: reqwest::Client,
    entra: entra::EntraClient,
    secrets: SecretStore,
}

impl Authenticator {
    /// Fails when no real keyring backend is compiled in; `ensure_keyring` checks it works.
    pub fn new(http: reqwest::Client) -> Result<Self, AuthError> {
        Ok(Self {
            entra: entra::EntraClient::new(http.clone()),
            http,
            secrets: SecretStore::new()?,
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A sign-in the keyring could not keep would leave the admin signed in for one session
    /// and tempt a fallback; refuse up front instead.
    pub fn ensure_keyring(&self) -> Result<(), AuthError> {
        self.secrets.round_trip()?;
        Ok(())
    }

    pub async fn start_device_code(
        &self,
        profile: &TenantProfile,
        feature: Feature,
    ) -> Result<DeviceCodeGrant, AuthError> {
        self.ensure_keyring()?;
        let wanted = self.scopes_to_request(profile, feature)?;
        self.entra
            .start_device_code(&endpoint_of(profile), &wanted)
            .await
    }

    pub async fn finish_device_code(
        &self,
        profile: &TenantProfile,
        grant: &DeviceCodeGrant,
        cancel: &CancellationToken,
        sleeper: &dyn Sleeper,
    ) -> Result<(SignedIn, PollStats), AuthError> {
        let (tokens, stats) = self
            .entra
            .poll_device_code(&endpoint_of(profile), grant, cancel, sleeper)
            .await?;
        Ok((self.complete(profile, tokens).await?, stats))
    }

    /// `open_browser` shows the URL in the system browser (never a webview).
    pub async fn sign_in_browser(
        &self,
        profile: &TenantProfile,
        feature: Feature,
        open_browser: &(dyn Fn(&str) -> Result<(), BrowserOpenError> + Send + Sync),
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<SignedIn, AuthError> {
        use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};

        self.ensure_keyring()?;
        let endpoint = endpoint_of(profile);
        let wanted = self.scopes_to_request(profile, feature)?;
        let listener = loopback::LoopbackListener::bind().await?;
        let redirect_uri = listener.redirect_uri();
        let auth_url = AuthUrl::new(endpoint.authorize_url())
            .map_err(|e| AuthError::Protocol(format!("authorize URL: {e}")))?;
        let redirect = RedirectUrl::new(redirect_uri.clone())
            .map_err(|e| AuthError::Protocol(format!("redirect URL: {e}")))?;
        let client = oauth2::basic::BasicClient::new(ClientId::new(endpoint.client_id.clone()))
            .set_auth_uri(auth_url)
            .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(wanted.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        let verifier = Sensitive::new(verifier.into_secret());

        open_browser(url.as_str()).map_err(|e| {
            AuthError::Protocol(format!(
                "could not open the system browser: {e}. Open this address yourself: {url}"
            ))
        })?;
        let code = match listener.accept_one(state.secret(), timeout, cancel).await? {
            loopback::Redirect::Code(code) => code,
            loopback::Redirect::Error { error, description } => {
                return Err(match error.as_str() {
                    "access_denied" => AuthError::Declined,
                    "consent_required" => AuthError::ConsentRequired {
                        admin_consent_url: endpoint.admin_consent_url(),
                    },
                    "interaction_required" => AuthError::MfaRequired,
                    _ => AuthError::Entra {
                        error,
                        code: 0,
                        description,
                    },
                });
            }
        };
        let tokens = self
            .entra
            .redeem_code(&endpoint, &code, &verifier, &redirect_uri, &wanted)
            .await?;
        self.complete(profile, tokens).await
    }

    /// Consent is additive: ask for what the profile holds (its token in the keyring and the
    /// scopes recorded at the last sign-in) plus what `feature` needs.
    pub fn scopes_to_request(
        &self,
        profile: &TenantProfile,
        feature: Feature,
    ) -> Result<Vec<String>, AuthError> {
        let mut held = profile.granted_scopes.clone();
        if let Some(tokens) = tokens::load(&self.secrets, &profile.id)? {
            held.extend(tokens.scopes);
        }
        Ok(scopes::request_for(&held, feature))
    }

    /// Tokens go to the keyring first: if that fails, the sign-in fails.
    async fn complete(
        &self,
        profile: &TenantProfile,
        tokens: TokenSet,
    ) -> Result<SignedIn, AuthError> {
        tokens::save(&self.secrets, &profile.id, &tokens)?;
        let graph = graph_of(&self.http, profile);
        let identity = whoami(&graph, &tokens.access_token)
            .await
            .map_err(graph_to_auth)?;
        Ok(SignedIn {
            identity,
            scopes: tokens.scopes.clone(),
            expires_at: tokens.expires_at,
        })
    }

    /// A valid access token carrying the scopes `feature` needs, refreshing (and rotating the
    /// refresh token in the keyring) when it is close to expiry.
    pub async fn access_token(
        &self,
        profile: &TenantProfile,
        feature: Feature,
    ) -> Result<(Sensitive<String>, Option<TokenSet>), AuthError> {
        let Some(current) = tokens::load(&self.secrets, &profile.id)? else {
            return Err(AuthError::NotSignedIn(profile.name.clone()));
        };
        let (tokens, refreshed) = if current.needs_refresh(Utc::now()) {
            (self.refresh(profile, &current).await?, true)
        } else {
            (current, false)
        };
        let missing = scopes::missing(&tokens.scopes, &scopes::scopes_for(feature));
        if !missing.is_empty() {
            return Err(AuthError::ScopesMissing { missing });
        }
        let access = tokens.access_token.clone();
        Ok((access, refreshed.then_some(tokens)))
    }

    /// Rotation: the new refresh token is written to the keyring before the old one is let go;
    /// if the write fails, the old entry stays and the error is reported.
    pub async fn refresh(
        &self,
        profile: &TenantProfile,
        current: &TokenSet,
    ) -> Result<TokenSet, AuthError> {
        let Some(refresh_token) = &current.refresh_token else {
            return Err(AuthError::SignInAgain);
        };
        let renewed = self
            .entra
            .refresh(&endpoint_of(profile), refresh_token, &current.scopes)
            .await?;
        let renewed = TokenSet {
            // Entra may omit the refresh token when it did not rotate it.
            refresh_token: renewed
                .refresh_token
                .or_else(|| current.refresh_token.clone()),
            ..renewed
        };
        tokens::save(&self.secrets, &profile.id, &renewed)?;
        Ok(renewed)
    }

    pub fn has_tokens(&self, profile_id: &str) -> Result<bool, AuthError> {
        Ok(tokens::load(&self.secrets, profile_id)?.is_some())
    }

    /// Deletes the keyring entry. The caller clears the profile's cached identity.
    pub fn sign_out(&self, profile_id: &str) -> Result<(), AuthError> {
        tokens::delete(&self.secrets, profile_id)
    }
}

/// Records a finished sign-in on the profile and makes it the current one.
pub fn record_sign_in(
    store: &Store,
    profile_id: &str,
    signed_in: &SignedIn,
) -> Result<TenantProfile, AuthError> {
    let profiles = TenantProfiles::new(store);
    profiles.record_identity(profile_id, &signed_in.identity)?;
    profiles.record_token_facts(profile_id, &signed_in.scopes, signed_in.expires_at)?;
    Ok(profiles.set_current(profile_id)?)
}

/// After a refresh: new scopes and expiry on the profile.
pub fn record_refresh(store: &Store, profile_id: &str, tokens: &TokenSet) -> Result<(), AuthError> {
    TenantProfiles::new(store).record_token_facts(profile_id, &tokens.scopes, tokens.expires_at)?;
    Ok(())
}

fn graph_to_auth(err: GraphError) -> AuthError {
    match err {
        GraphError::Offline { host, reason } => AuthError::Offline { host, reason },
        GraphError::Http { status: 401, .. } => AuthError::SignInAgain,
        other => AuthError::Protocol(other.to_string()),
    }
}

/// The memberships that are directory roles, and nothing else: Graph filters by the OData cast,
/// so an admin in thousands of groups costs one page, not one page per hundred groups.
/// Documented (List a user's direct memberships): "OData cast is also enabled; for example, you
/// can cast to get just the directoryRoles the user is a member of"; the cast needs
/// `ConsistencyLevel: eventual` and `$count`.
pub const DIRECTORY_ROLES_PATH: &str =
    "me/memberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId&$count=true";

/// `/me`, `/organization` and the directory roles among `/me/memberOf`, all readable with
/// User.Read. The roles are optional: if they cannot be read the identity says so
/// (`directory_roles_unknown`) and sign-in still succeeds.
pub async fn whoami(
    graph: &GraphClient,
    token: &Sensitive<String>,
) -> Result<Identity, GraphError> {
    let me = graph
        .get_one::<User>(token, "me?$select=id,displayName,userPrincipalName")
        .await?;
    let orgs = graph
        .get_json(token, "organization?$select=id,displayName,verifiedDomains")
        .await?;
    // A signed-in account belongs to exactly one organization; an empty list is not a tenant.
    let org = resources::page::<Organization>(&orgs)?
        .value
        .into_iter()
        .next()
        .ok_or_else(|| GraphError::Protocol("/organization answered no organization".into()))?;
    let (roles, roles_unknown) = match graph
        .list_eventual::<DirectoryRole>(token, DIRECTORY_ROLES_PATH)
        .await
    {
        Ok(memberships) => {
            let mut roles: Vec<String> = memberships
                .into_iter()
                // The cast already filters; a server that ignores it must not make groups roles.
                .filter(DirectoryRole::is_role)
                .filter_map(|m| m.display_name)
                .filter(|name| !name.is_empty())
                .collect();
            roles.sort();
            roles.dedup();
            (roles, false)
        }
        Err(err) => {
            tracing::warn!(%err, "cannot read the signed-in admin's directory roles; signing in with roles unknown");
            (Vec::new(), true)
        }
    };
    Ok(Identity {
        account_upn: me.user_principal_name.unwrap_or_default(),
        account_name: me.display_name.unwrap_or_default(),
        account_object_id: me.id,
        verified_domains: org.domain_names(),
        tenant_id: org.id,
        tenant_name: org.display_name.unwrap_or_default(),
        directory_roles: roles,
        directory_roles_unknown: roles_unknown,
    })
}

/// Directory roles that may do what `feature` does, per Microsoft's Teams admin docs.
pub fn roles_for(feature: Feature) -> &'static [&'static str] {
    match feature {
        Feature::ReadTenant => &[],
        // Updating publishes and installs, so it needs what those need (both roles can also
        // read the grants).
        Feature::Publish | Feature::Install | Feature::ReachMembers | Feature::UpdateBot => {
            &["Global Administrator", "Teams Administrator"]
        }
        // Reading messages needs no directory role: it is the admin's own delegated access.
        Feature::CheckLinkEvidence => &[],
        Feature::ReviewPermissions => &[
            "Global Administrator",
            "Global Reader",
            "Cloud Application Administrator",
            "Application Administrator",
            "Teams Administrator",
        ],
        Feature::RevokePermissions => &[
            "Global Administrator",
            "Privileged Role Administrator",
            "Cloud Application Administrator",
            "Application Administrator",
        ],
    }
}

/// The notice shown after a sign-in whose roles could not be read.
pub const ROLES_UNKNOWN_NOTICE: &str = "Your directory roles could not be read, so BotDeck \
    cannot tell in advance which actions your role allows; Microsoft will refuse what it does \
    not. Sign in again later to retry.";

/// "Publishing needs Teams Administrator; you are Teams Communications Support Engineer."
pub fn role_advice(feature: Feature, held: &[String]) -> Option<String> {
    let allowed = roles_for(feature);
    if allowed.is_empty() || held.iter().any(|r| allowed.contains(&r.as_str())) {
        return None;
    }
    let what = match feature {
        Feature::Publish => "Publishing to the org catalog",
        Feature::Install => "Installing the bot for others",
        Feature::ReviewPermissions => "Reviewing the bot's permissions",
        Feature::RevokePermissions => "Revoking the bot's permissions",
        Feature::ReadTenant => "Reading the tenant",
        Feature::CheckLinkEvidence => "Reading the bot's replies",
        Feature::ReachMembers => "Installing the bot for a group's members",
        Feature::UpdateBot => "Updating the bot (publish, upgrade, check permissions)",
    };
    let you = if held.is_empty() {
        "you hold no directory role".to_string()
    } else {
        format!("you are {}", held.join(", "))
    };
    Some(format!("{what} needs {}; {you}.", allowed.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_advice_names_what_is_needed_and_what_is_held() {
        assert_eq!(
            role_advice(Feature::Publish, &["Teams Administrator".into()]),
            None
        );
        assert_eq!(role_advice(Feature::ReadTenant, &[]), None);
        let advice = role_advice(
            Feature::Publish,
            &["Teams Communications Support Engineer".into()],
        )
        .expect("advice");
        assert_eq!(
            advice,
            "Publishing to the org catalog needs Global Administrator or Teams Administrator; \
             you are Teams Communications Support Engineer."
        );
    }
}

#[cfg(test)]
mod validity_tests {
    use super::validity_words;

    #[test]
    fn a_code_expiring_within_a_minute_says_seconds() {
        assert_eq!(validity_words(45), "45 seconds");
        assert_eq!(validity_words(1), "1 second");
        assert_eq!(validity_words(0), "0 seconds");
        assert_eq!(validity_words(60), "1 minute");
        assert_eq!(validity_words(119), "1 minute");
        assert_eq!(validity_words(900), "15 minutes");
    }
}
