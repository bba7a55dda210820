//! Entra ID v2.0 endpoints: device authorization, token (device code, auth code, refresh).
//!
//! The token endpoint is called with reqwest directly rather than through the `oauth2` crate's
//! exchange helpers: those drop Entra's `error_codes` and `suberror`, which are the only
//! structured way to tell "admin consent needed" from "conditional access" or "MFA required".
//! The `oauth2` crate still builds the authorize URL, the PKCE pair and the state.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::Utc;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::scopes::short_scope;
use super::tokens::TokenSet;
use super::AuthError;
use crate::secrets::Sensitive;

/// Where to talk to Entra for one profile.
#[derive(Debug, Clone)]
pub struct EntraEndpoint {
    /// `https://login.microsoftonline.com` or a custom host (tenant-sim).
    pub authority_host: String,
    /// Tenant id, verified domain or `organizations`.
    pub tenant: String,
    pub client_id: String,
}

impl EntraEndpoint {
    fn url(&self, path: &str) -> String {
        format!("{}/{}/oauth2/v2.0/{path}", self.authority_host, self.tenant)
    }

    pub fn token_url(&self) -> String {
        self.url("token")
    }

    pub fn authorize_url(&self) -> String {
        self.url("authorize")
    }

    pub fn device_code_url(&self) -> String {
        self.url("devicecode")
    }

    /// What an admin opens to consent to BotDeck's permissions for the whole tenant.
    pub fn admin_consent_url(&self) -> String {
        format!(
            "{}/{}/adminconsent?client_id={}",
            self.authority_host, self.tenant, self.client_id
        )
    }
}

/// Entra's error body (`error`, `error_codes`, `suberror`, ...). Unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct EntraErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
    #[serde(default)]
    suberror: Option<String>,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_in: u64,
    #[serde(default)]
    scope: String,
}

#[derive(Debug, Deserialize)]
struct DeviceCodeBody {
    device_code: String,
    user_code: String,
    verification_uri: String,
    expires_in: u64,
    #[serde(default = "default_interval")]
    interval: u64,
    #[serde(default)]
    message: Option<String>,
}

fn default_interval() -> u64 {
    5
}

/// A pending device-code sign-in: what the admin types, where, and until when.
pub struct DeviceCodeGrant {
    pub user_code: String,
    pub verification_uri: String,
    pub message: Option<String>,
    pub expires_in: Duration,
    pub interval: Duration,
    device_code: Sensitive<String>,
}

impl std::fmt::Debug for DeviceCodeGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodeGrant")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// How polling waits. Production sleeps; tests advance the simulator's clock instead, so
/// the RFC's intervals are honoured exactly without the suite waiting for them.
pub trait Sleeper: Send + Sync {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// RFC 8628 §3.5: each `slow_down` adds five seconds to the polling interval.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollStats {
    pub polls: u32,
    pub slow_downs: u32,
    pub final_interval: Duration,
}

pub struct EntraClient {
    http: reqwest::Client,
}

impl EntraClient {
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }

    async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Result<TokenBody, EntraErrorBody>, AuthError> {
        let response = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| AuthError::offline(url, e))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AuthError::offline(url, e))?;
        if status.is_success() {
            return serde_json::from_slice::<TokenBody>(&bytes)
                .map(Ok)
                .map_err(|e| AuthError::Protocol(format!("token response from {url}: {e}")));
        }
        match serde_json::from_slice::<EntraErrorBody>(&bytes) {
            Ok(body) => Ok(Err(body)),
            Err(_) => Err(AuthError::Protocol(format!(
                "HTTP {status} from {url} without an OAuth error body"
            ))),
        }
    }

    pub async fn start_device_code(
        &self,
        endpoint: &EntraEndpoint,
        scopes: &[String],
    ) -> Result<DeviceCodeGrant, AuthError> {
        let url = endpoint.device_code_url();
        let scope = scopes.join(" ");
        let response = self
            .http
            .post(&url)
            .form(&[
                ("client_id", endpoint.client_id.as_str()),
                ("scope", scope.as_str()),
            ])
            .send()
            .await
            .map_err(|e| AuthError::offline(&url, e))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AuthError::offline(&url, e))?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<EntraErrorBody>(&bytes) {
                Ok(body) => classify(endpoint, body),
                Err(_) => {
                    AuthError::Protocol(format!("HTTP {status} from the device code endpoint"))
                }
            });
        }
        let body: DeviceCodeBody = serde_json::from_slice(&bytes)
            .map_err(|e| AuthError::Protocol(format!("device code response: {e}")))?;
        Ok(DeviceCodeGrant {
            user_code: body.user_code,
            verification_uri: body.verification_uri,
            message: body.message,
            expires_in: Duration::from_secs(body.expires_in),
            interval: Duration::from_secs(body.interval.max(1)),
            device_code: Sensitive::new(body.device_code),
        })
    }

    /// Polls until the admin approves, declines, the code expires, or `cancel` fires.
    pub async fn poll_device_code(
        &self,
        endpoint: &EntraEndpoint,
        grant: &DeviceCodeGrant,
        cancel: &CancellationToken,
        sleeper: &dyn Sleeper,
    ) -> Result<(TokenSet, PollStats), AuthError> {
        let url = endpoint.token_url();
        let mut stats = PollStats {
            final_interval: grant.interval,
            ..PollStats::default()
        };
        let mut waited = Duration::ZERO;
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(AuthError::Cancelled),
                _ = sleeper.sleep(stats.final_interval) => {}
            }
            waited += stats.final_interval;
            stats.polls += 1;
            let answer = self
                .post_form(
                    &url,
                    &[
                        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                        ("client_id", endpoint.client_id.as_str()),
                        ("device_code", grant.device_code.expose().as_str()),
                    ],
                )
                .await?;
            match answer {
                Ok(body) => return Ok((token_set(body)?, stats)),
                Err(err) => match err.error.as_str() {
                    "authorization_pending" => {}
                    "slow_down" => {
                        stats.slow_downs += 1;
                        stats.final_interval += SLOW_DOWN_STEP;
                    }
                    "authorization_declined" | "access_denied" => return Err(AuthError::Declined),
                    "expired_token" => return Err(AuthError::Expired),
                    _ => return Err(classify(endpoint, err)),
                },
            }
            // Entra also expires the code; stopping here avoids one pointless extra poll.
            if waited > grant.expires_in {
                return Err(AuthError::Expired);
            }
        }
    }

    pub async fn redeem_code(
        &self,
        endpoint: &EntraEndpoint,
        code: &Sensitive<String>,
        verifier: &Sensitive<String>,
        redirect_uri: &str,
        scopes: &[String],
    ) -> Result<TokenSet, AuthError> {
        let scope = scopes.join(" ");
        let answer = self
            .post_form(
                &endpoint.token_url(),
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", endpoint.client_id.as_str()),
                    ("code", code.expose().as_str()),
                    ("redirect_uri", redirect_uri),
                    ("code_verifier", verifier.expose().as_str()),
                    ("scope", scope.as_str()),
                ],
            )
            .await?;
        answer
            .map_err(|e| classify(endpoint, e))
            .and_then(token_set)
    }

    pub async fn refresh(
        &self,
        endpoint: &EntraEndpoint,
        refresh_token: &Sensitive<String>,
        scopes: &[String],
    ) -> Result<TokenSet, AuthError> {
        let scope = scopes.join(" ");
        let answer = self
            .post_form(
                &endpoint.token_url(),
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", endpoint.client_id.as_str()),
                    ("refresh_token", refresh_token.expose().as_str()),
                    ("scope", scope.as_str()),
                ],
            )
            .await?;
        answer
            .map_err(|e| match classify(endpoint, e) {
                // Any other invalid_grant on refresh means the refresh token is no good: the
                // only way forward is an interactive sign-in, never a retry loop.
                AuthError::Entra { error, .. } if error == "invalid_grant" => {
                    AuthError::SignInAgain
                }
                other => other,
            })
            .and_then(token_set)
    }
}

fn token_set(body: TokenBody) -> Result<TokenSet, AuthError> {
    if body.access_token.is_empty() {
        return Err(AuthError::Protocol(
            "the token response has no access token".into(),
        ));
    }
    let scopes = body
        .scope
        .split_whitespace()
        .map(short_scope)
        .collect::<Vec<_>>();
    let lifetime = chrono::Duration::seconds(i64::try_from(body.expires_in).unwrap_or(3600));
    Ok(TokenSet {
        access_token: Sensitive::new(body.access_token),
        refresh_token: body.refresh_token.map(Sensitive::new),
        expires_at: Utc::now() + lifetime,
        scopes,
    })
}

/// Maps Entra's structured error to what the admin should do. Numeric codes are from
/// Microsoft's AADSTS reference.
fn classify(endpoint: &EntraEndpoint, body: EntraErrorBody) -> AuthError {
    let has = |code: u32| body.error_codes.contains(&code);
    let code = body.error_codes.first().copied().unwrap_or(0);
    match body.error.as_str() {
        "consent_required" => AuthError::ConsentRequired {
            admin_consent_url: endpoint.admin_consent_url(),
        },
        _ if body.suberror.as_deref() == Some("consent_required") || has(65001) || has(90094) => {
            AuthError::ConsentRequired {
                admin_consent_url: endpoint.admin_consent_url(),
            }
        }
        _ if has(53003) || has(530003) || has(50097) => AuthError::ConditionalAccess {
            error: body.error.clone(),
        },
        "interaction_required" if has(50076) || has(50079) || has(50074) => AuthError::MfaRequired,
        "invalid_grant" if has(501481) => AuthError::PkceMismatch,
        "invalid_grant" if has(54005) => AuthError::CodeAlreadyUsed,
        "invalid_grant" if has(700082) || has(50173) || has(70043) || has(700084) => {
            AuthError::SignInAgain
        }
        _ => AuthError::Entra {
            error: body.error,
            code,
            description: body.error_description.map(|d| first_line(&d)),
        },
    }
}

/// Entra descriptions carry trace ids and timestamps on later lines: keep the sentence.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> EntraEndpoint {
        EntraEndpoint {
            authority_host: "https://login.microsoftonline.com".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36".into(),
        }
    }

    fn body(error: &str, codes: &[u32], suberror: Option<&str>) -> EntraErrorBody {
        EntraErrorBody {
            error: error.into(),
            error_description: Some("AADSTS0: some words\r\nTrace ID: x".into()),
            error_codes: codes.to_vec(),
            suberror: suberror.map(str::to_string),
        }
    }

    #[test]
    fn errors_are_classified_by_code_not_description() {
        let e = endpoint();
        assert!(matches!(
            classify(&e, body("invalid_grant", &[65001], None)),
            AuthError::ConsentRequired { .. }
        ));
        assert!(matches!(
            classify(&e, body("invalid_grant", &[], Some("consent_required"))),
            AuthError::ConsentRequired { .. }
        ));
        assert!(matches!(
            classify(&e, body("invalid_grant", &[53003], None)),
            AuthError::ConditionalAccess { .. }
        ));
        assert!(matches!(
            classify(&e, body("interaction_required", &[50076], None)),
            AuthError::MfaRequired
        ));
        assert!(matches!(
            classify(&e, body("invalid_grant", &[501481], None)),
            AuthError::PkceMismatch
        ));
        assert!(matches!(
            classify(&e, body("invalid_grant", &[54005], None)),
            AuthError::CodeAlreadyUsed
        ));
        assert!(matches!(
            classify(&e, body("invalid_grant", &[700082], None)),
            AuthError::SignInAgain
        ));
        // A description that *mentions* consent changes nothing.
        let mut misleading = body("invalid_request", &[90014], None);
        misleading.error_description = Some("AADSTS65001: consent_required".into());
        match classify(&e, misleading) {
            AuthError::Entra {
                error,
                code,
                description,
            } => {
                assert_eq!((error.as_str(), code), ("invalid_request", 90014));
                assert_eq!(
                    description.as_deref(),
                    Some("AADSTS65001: consent_required")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn consent_link_names_tenant_and_client() {
        match classify(&endpoint(), body("consent_required", &[], None)) {
            AuthError::ConsentRequired { admin_consent_url } => assert_eq!(
                admin_consent_url,
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36"
            ),
            other => panic!("unexpected {other:?}"),
        }
    }
}
