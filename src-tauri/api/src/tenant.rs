//! A signed-in tenant: the profile, its Graph client, tokens that stay fresh for as long as
//! a run lasts, and who is acting (for the audit log).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use botdeck_core::audit::Actor;
use botdeck_core::auth::{self, Feature};
use botdeck_core::permissions::ConsentTarget;
use botdeck_core::profiles::TenantProfile;
use botdeck_core::secrets::Sensitive;
use botdeck_graph::GraphClient;
use botdeck_graph::{TokenError, TokenFuture, TokenSource};

use crate::context::Context;
use crate::error::ApiError;

/// Access tokens live about an hour; a long run asks for a fresh one after this. The
/// authenticator itself refreshes five minutes before expiry, so asking is cheap.
const TOKEN_REUSE: Duration = Duration::from_secs(20 * 60);

/// A token is not handed out closer to its expiry than this (the authenticator's own refresh
/// margin): a token with ten minutes left is not reused for twenty.
const EXPIRY_MARGIN: Duration = Duration::from_secs(5 * 60);

pub struct Tenant<'cx> {
    cx: &'cx Context,
    pub profile: TenantProfile,
    pub graph: GraphClient,
    /// What the sign-in was asked for; refreshes ask for the same.
    pub feature: Feature,
    /// The token in hand and until when it is handed out without asking again.
    current: Mutex<(Sensitive<String>, Instant)>,
}

impl<'cx> Tenant<'cx> {
    /// Signs in to the profile named (by name or id; the current one when `None`) for
    /// `feature`: every operation that talks to the tenant starts here.
    pub async fn open(
        cx: &'cx Context,
        profile: Option<&str>,
        feature: Feature,
    ) -> Result<Self, ApiError> {
        let profile = cx.profile(profile)?;
        Self::sign_in(cx, profile, feature).await
    }

    /// Gets the first token at once, so a missing sign-in or consent is told before any work.
    pub async fn sign_in(
        cx: &'cx Context,
        profile: TenantProfile,
        feature: Feature,
    ) -> Result<Self, ApiError> {
        let first = cx.access_token(&profile, feature).await?;
        let graph = auth::graph_of(cx.http(), &profile);
        let good_until = reuse_until(cx, &profile.id);
        Ok(Self {
            cx,
            profile,
            graph,
            feature,
            current: Mutex::new((first, good_until)),
        })
    }

    pub fn context(&self) -> &'cx Context {
        self.cx
    }

    /// A valid token: the one in hand while it is young, else a fresh one.
    pub async fn token(&self) -> Result<Sensitive<String>, ApiError> {
        {
            let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
            if Instant::now() < current.1 {
                return Ok(current.0.clone());
            }
        }
        let fresh = self.cx.access_token(&self.profile, self.feature).await?;
        let good_until = reuse_until(self.cx, &self.profile.id);
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = (fresh.clone(), good_until);
        Ok(fresh)
    }

    /// Who is acting, for the audit log (the one place it is made).
    pub fn actor(&self) -> Actor {
        actor_of(&self.profile)
    }

    /// The directory tenant's id once signed in, else what the profile was created with.
    pub fn tenant_id(&self) -> String {
        self.profile
            .identity
            .as_ref()
            .map(|i| i.tenant_id.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| self.profile.tenant.clone())
    }

    /// Where admin consent for this tenant is given.
    pub fn consent_target(&self) -> ConsentTarget {
        consent_target_of(&self.profile)
    }
}

/// Until when the token just obtained is reused: [`TOKEN_REUSE`] at most, and never within
/// [`EXPIRY_MARGIN`] of its expiry as recorded on the profile (at sign-in and each refresh).
fn reuse_until(cx: &Context, profile_id: &str) -> Instant {
    let now = Instant::now();
    let expires_at = cx
        .profile(Some(profile_id))
        .ok()
        .and_then(|p| p.token_expires_at);
    let left = match expires_at {
        Some(at) => (at - chrono::Utc::now())
            .to_std()
            .unwrap_or_default()
            .saturating_sub(EXPIRY_MARGIN),
        None => TOKEN_REUSE,
    };
    now + left.min(TOKEN_REUSE)
}

/// Who acts for `profile`, for the audit log; also for work that needs no sign-in.
pub fn actor_of(profile: &TenantProfile) -> Actor {
    Actor {
        profile_id: Some(profile.id.clone()),
        tenant_id: profile.identity.as_ref().map(|i| i.tenant_id.clone()),
        upn: profile
            .identity
            .as_ref()
            .map(|i| i.account_upn.clone())
            .unwrap_or_else(|| "unknown".into()),
    }
}

pub fn consent_target_of(profile: &TenantProfile) -> ConsentTarget {
    let endpoints = profile.cloud.endpoints();
    let tenant = profile
        .identity
        .as_ref()
        .map(|i| i.tenant_id.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| profile.tenant.clone());
    ConsentTarget::new(
        &endpoints.authority_host,
        &tenant,
        &endpoints.graph_base_url,
    )
}

/// Long runs (sync, bulk) take their tokens from the tenant, so they outlive one token.
impl TokenSource for Tenant<'_> {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            Tenant::token(self)
                .await
                .map_err(|e| TokenError::new(e.message, e.retryable))
        })
    }
}
