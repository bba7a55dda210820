//! Access + refresh tokens: in memory as `Sensitive`, at rest only in the OS keyring.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::secrets::{SecretStore, Sensitive};

use super::AuthError;

/// Refresh this long before the access token expires, so no call races the expiry.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);

pub struct TokenSet {
    pub access_token: Sensitive<String>,
    pub refresh_token: Option<Sensitive<String>>,
    pub expires_at: DateTime<Utc>,
    /// Granted scopes, short form (`User.Read`), as Entra reported them.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl TokenSet {
    pub fn needs_refresh(&self, now: DateTime<Utc>) -> bool {
        self.expires_at - REFRESH_MARGIN <= now
    }

    pub fn holds(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s.eq_ignore_ascii_case(scope))
    }
}

/// The keyring entry's layout. Private, without `Debug`, and only ever serialised straight
/// into a `Sensitive<String>` handed to the keyring.
#[derive(Serialize, Deserialize)]
struct KeyringRecord {
    v: u8,
    access_token: String,
    refresh_token: Option<String>,
    expires_at: DateTime<Utc>,
    scopes: Vec<String>,
}

fn account(profile_id: &str) -> String {
    format!("profile:{profile_id}")
}

pub fn save(secrets: &SecretStore, profile_id: &str, tokens: &TokenSet) -> Result<(), AuthError> {
    let record = KeyringRecord {
        v: 1,
        access_token: tokens.access_token.expose().clone(),
        refresh_token: tokens.refresh_token.as_ref().map(|t| t.expose().clone()),
        expires_at: tokens.expires_at,
        scopes: tokens.scopes.clone(),
    };
    let text = Sensitive::new(
        serde_json::to_string(&record).map_err(|e| AuthError::Protocol(e.to_string()))?,
    );
    drop(record);
    secrets.put(&account(profile_id), &text)?;
    Ok(())
}

pub fn load(secrets: &SecretStore, profile_id: &str) -> Result<Option<TokenSet>, AuthError> {
    let Some(text) = secrets.get(&account(profile_id))? else {
        return Ok(None);
    };
    // A damaged entry is treated as "not signed in" rather than an error loop.
    let Ok(record) = serde_json::from_str::<KeyringRecord>(text.expose()) else {
        tracing::warn!("the keyring entry for this profile is unreadable; sign in again");
        return Ok(None);
    };
    Ok(Some(TokenSet {
        access_token: Sensitive::new(record.access_token),
        refresh_token: record.refresh_token.map(Sensitive::new),
        expires_at: record.expires_at,
        scopes: record.scopes,
    }))
}

pub fn delete(secrets: &SecretStore, profile_id: &str) -> Result<(), AuthError> {
    secrets.delete(&account(profile_id))?;
    Ok(())
}
