use crate::profiles::TenantProfileError;
use crate::secrets::SecretsError;
use crate::store::StoreError;

/// Why a sign-in or token operation failed, already classified for the admin. Classification
/// uses Entra's `error` and numeric `error_codes`, never the description text.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the OS keyring is not usable, so BotDeck will not sign in (it never keeps tokens anywhere else): {0}")]
    Keyring(#[from] SecretsError),
    #[error("cannot reach {host}: {reason}. BotDeck works offline from its cache until the network is back")]
    Offline { host: String, reason: String },
    #[error("the sign-in was declined")]
    Declined,
    #[error("the sign-in code expired before it was used; start again to get a new one")]
    Expired,
    #[error("sign-in cancelled")]
    Cancelled,
    #[error("the browser did not come back to BotDeck within {0} s; the sign-in was abandoned and the port closed")]
    BrowserTimeout(u64),
    #[error("the answer from the browser did not match this sign-in (state mismatch); it was ignored. Start the sign-in again")]
    StateMismatch,
    #[error("the sign-in was rejected because the PKCE verifier did not match (AADSTS501481); start the sign-in again")]
    PkceMismatch,
    #[error("this sign-in code was already used (AADSTS54005); start the sign-in again")]
    CodeAlreadyUsed,
    #[error("an administrator must consent to BotDeck's permissions in this tenant first. Consent link: {admin_consent_url}")]
    ConsentRequired { admin_consent_url: String },
    #[error("your organisation's conditional access policy blocked this sign-in method ({error}); try signing in with the browser instead of a device code")]
    ConditionalAccess { error: String },
    #[error("your organisation requires multi-factor authentication for this sign-in; use the browser sign-in, which can complete MFA")]
    MfaRequired,
    #[error("your sign-in has expired or was revoked; sign in again")]
    SignInAgain,
    #[error("not signed in to profile {0:?}; sign in first")]
    NotSignedIn(String),
    #[error("this needs permissions the profile does not hold yet: {}. Sign in again to grant them", missing.join(", "))]
    ScopesMissing { missing: Vec<String> },
    #[error("Entra refused the sign-in: {error} (AADSTS{code}){}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Entra {
        error: String,
        code: u32,
        description: Option<String>,
    },
    #[error("unexpected answer from the sign-in service: {0}")]
    Protocol(String),
    #[error(transparent)]
    Profile(#[from] TenantProfileError),
}

impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        Self::Profile(TenantProfileError::Store(err))
    }
}

impl AuthError {
    pub fn offline(url: &str, err: reqwest::Error) -> Self {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| url.to_string());
        // reqwest's Display includes the URL; ours never carries secrets, but keep it short.
        let reason = if err.is_timeout() {
            "the request timed out".to_string()
        } else if err.is_connect() {
            "connection failed".to_string()
        } else {
            err.without_url().to_string()
        };
        Self::Offline { host, reason }
    }
}
