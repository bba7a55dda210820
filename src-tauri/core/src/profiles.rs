//! Sign-in profiles: which tenant, which cloud, which app id, who signed in. Stored in SQLite;
//! nothing secret is ever written here (tokens are in the OS keyring, keyed by profile id).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::Cloud;
use crate::store::{Store, StoreError};

/// Settings key holding the id of the profile reopened at start-up.
/// The `profile` table (state database). No secrets: tokens live in the OS keyring, keyed by
/// profile id. Written only here.
pub const SCHEMA: &str = "CREATE TABLE profile (
        id                TEXT PRIMARY KEY NOT NULL,
        name              TEXT NOT NULL UNIQUE COLLATE NOCASE,
        tenant            TEXT NOT NULL,
        cloud             TEXT NOT NULL,
        client_id         TEXT NOT NULL,
        is_demo           INTEGER NOT NULL DEFAULT 0,
        created_at        TEXT NOT NULL,
        last_used_at      TEXT,
        account_upn       TEXT,
        account_name      TEXT,
        account_object_id TEXT,
        tenant_id         TEXT,
        tenant_name       TEXT,
        verified_domains  TEXT NOT NULL DEFAULT '[]',
        directory_roles   TEXT NOT NULL DEFAULT '[]',
        granted_scopes    TEXT NOT NULL DEFAULT '[]',
        token_expires_at  TEXT
    ) STRICT;";

/// Whether the directory roles could be read at sign-in (a later migration step).
pub const ROLES_UNKNOWN_STEP: &str =
    "ALTER TABLE profile ADD COLUMN directory_roles_unknown INTEGER NOT NULL DEFAULT 0;";

pub const CURRENT_PROFILE_KEY: &str = "profile.current";

#[derive(Debug, thiserror::Error)]
pub enum TenantProfileError {
    #[error("no profile named {0:?}")]
    NotFound(String),
    #[error("a profile named {0:?} already exists")]
    Duplicate(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for TenantProfileError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(err))
    }
}

/// What the admin fills in to add a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewTenantProfile {
    pub name: String,
    /// Tenant id (GUID) or a verified domain such as `contoso.onmicrosoft.com`.
    pub tenant: String,
    pub cloud: Cloud,
    /// The public-client app registration BotDeck signs in with.
    pub client_id: String,
}

/// The signed-in identity, as learnt from Graph after sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub account_upn: String,
    pub account_name: String,
    pub account_object_id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub verified_domains: Vec<String>,
    pub directory_roles: Vec<String>,
    /// True when the roles could not be read at sign-in. Reading them is optional: the sign-in
    /// still succeeds, and role advice is withheld rather than guessed.
    #[serde(default)]
    pub directory_roles_unknown: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TenantProfile {
    pub id: String,
    pub name: String,
    pub tenant: String,
    pub cloud: Cloud,
    pub client_id: String,
    pub is_demo: bool,
    pub identity: Option<Identity>,
    /// Scopes the current tokens carry (what Entra granted, not what was asked).
    pub granted_scopes: Vec<String>,
    /// When the current access token expires; refreshed automatically before that.
    #[ts(type = "string | null")]
    pub token_expires_at: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub last_used_at: Option<DateTime<Utc>>,
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok()
}

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

impl NewTenantProfile {
    /// Checks everything before anything is stored, with the field at fault in the message.
    pub fn validate(&self) -> Result<(), TenantProfileError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(TenantProfileError::Invalid {
                field: "name",
                reason: "must be 1 to 64 characters".into(),
            });
        }
        let tenant = self.tenant.trim();
        if !(is_guid(tenant) || is_domain(tenant) || tenant == "organizations") {
            return Err(TenantProfileError::Invalid {
                field: "tenant",
                reason: format!(
                    "{tenant:?} is neither a tenant id (GUID) nor a domain such as contoso.onmicrosoft.com"
                ),
            });
        }
        if !is_guid(self.client_id.trim()) {
            return Err(TenantProfileError::Invalid {
                field: "clientId",
                reason: "must be the application (client) id of your app registration, a GUID"
                    .into(),
            });
        }
        if let Cloud::Custom {
            authority_host,
            graph_base_url,
        } = &self.cloud
        {
            Cloud::custom(authority_host, graph_base_url).map_err(|e| {
                TenantProfileError::Invalid {
                    field: "cloud",
                    reason: e.to_string(),
                }
            })?;
        }
        Ok(())
    }
}

fn json_list(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_default()
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<TenantProfile> {
    let cloud_text: String = row.get("cloud")?;
    let cloud = serde_json::from_str(&cloud_text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let upn: Option<String> = row.get("account_upn")?;
    let identity = match upn {
        Some(account_upn) => Some(Identity {
            account_upn,
            account_name: row
                .get::<_, Option<String>>("account_name")?
                .unwrap_or_default(),
            account_object_id: row
                .get::<_, Option<String>>("account_object_id")?
                .unwrap_or_default(),
            tenant_id: row
                .get::<_, Option<String>>("tenant_id")?
                .unwrap_or_default(),
            tenant_name: row
                .get::<_, Option<String>>("tenant_name")?
                .unwrap_or_default(),
            verified_domains: json_list(row.get("verified_domains")?),
            directory_roles: json_list(row.get("directory_roles")?),
            directory_roles_unknown: row.get("directory_roles_unknown")?,
        }),
        None => None,
    };
    Ok(TenantProfile {
        id: row.get("id")?,
        name: row.get("name")?,
        tenant: row.get("tenant")?,
        cloud,
        client_id: row.get("client_id")?,
        is_demo: row.get("is_demo")?,
        identity,
        granted_scopes: json_list(row.get("granted_scopes")?),
        token_expires_at: parse_time(row.get("token_expires_at")?),
        last_used_at: parse_time(row.get("last_used_at")?),
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

pub struct TenantProfiles<'a> {
    store: &'a Store,
}

impl<'a> TenantProfiles<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    pub fn create(
        &self,
        new: &NewTenantProfile,
        is_demo: bool,
    ) -> Result<TenantProfile, TenantProfileError> {
        new.validate()?;
        let name = new.name.trim();
        if self.find_by_name(name)?.is_some() {
            return Err(TenantProfileError::Duplicate(name.to_string()));
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.store.connection().execute(
            "INSERT INTO profile (id, name, tenant, cloud, client_id, is_demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                name,
                new.tenant.trim(),
                to_json(&new.cloud),
                new.client_id.trim(),
                is_demo,
                Utc::now().to_rfc3339()
            ],
        )?;
        self.get(&id)
    }

    pub fn list(&self) -> Result<Vec<TenantProfile>, TenantProfileError> {
        let conn = self.store.connection();
        let mut stmt = conn.prepare("SELECT * FROM profile ORDER BY name COLLATE NOCASE")?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn get(&self, id: &str) -> Result<TenantProfile, TenantProfileError> {
        self.store
            .connection()
            .query_row("SELECT * FROM profile WHERE id = ?1", [id], from_row)
            .optional()?
            .ok_or_else(|| TenantProfileError::NotFound(id.to_string()))
    }

    pub fn find_by_name(&self, name: &str) -> Result<Option<TenantProfile>, TenantProfileError> {
        Ok(self
            .store
            .connection()
            .query_row(
                "SELECT * FROM profile WHERE name = ?1 COLLATE NOCASE",
                [name.trim()],
                from_row,
            )
            .optional()?)
    }

    /// By id or by name, whichever matches: what a CLI flag or IPC call names.
    pub fn resolve(&self, id_or_name: &str) -> Result<TenantProfile, TenantProfileError> {
        match self.get(id_or_name) {
            Ok(profile) => Ok(profile),
            Err(TenantProfileError::NotFound(_)) => self
                .find_by_name(id_or_name)?
                .ok_or_else(|| TenantProfileError::NotFound(id_or_name.to_string())),
            Err(err) => Err(err),
        }
    }

    pub fn set_current(&self, id: &str) -> Result<TenantProfile, TenantProfileError> {
        let profile = self.get(id)?;
        self.store.set_setting(CURRENT_PROFILE_KEY, id)?;
        self.store.connection().execute(
            "UPDATE profile SET last_used_at = ?2 WHERE id = ?1",
            params![id, Utc::now().to_rfc3339()],
        )?;
        Ok(profile)
    }

    /// The profile reopened at start-up: the last one used, if it still exists.
    pub fn current(&self) -> Result<Option<TenantProfile>, TenantProfileError> {
        let Some(id) = self.store.setting(CURRENT_PROFILE_KEY)? else {
            return Ok(None);
        };
        match self.get(&id) {
            Ok(profile) => Ok(Some(profile)),
            Err(TenantProfileError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    pub fn update_cloud(&self, id: &str, cloud: &Cloud) -> Result<(), TenantProfileError> {
        self.store.connection().execute(
            "UPDATE profile SET cloud = ?2 WHERE id = ?1",
            params![id, to_json(cloud)],
        )?;
        Ok(())
    }

    /// The app registration a profile signs in with; the caller signs it out first (tokens
    /// issued to the old client are useless to the new one).
    pub fn update_client_id(&self, id: &str, client_id: &str) -> Result<(), TenantProfileError> {
        if !is_guid(client_id.trim()) {
            return Err(TenantProfileError::Invalid {
                field: "clientId",
                reason: "must be the application (client) id of your app registration, a GUID"
                    .into(),
            });
        }
        self.store.connection().execute(
            "UPDATE profile SET client_id = ?2 WHERE id = ?1",
            params![id, client_id.trim()],
        )?;
        Ok(())
    }

    pub fn record_identity(&self, id: &str, identity: &Identity) -> Result<(), TenantProfileError> {
        self.store.connection().execute(
            "UPDATE profile SET account_upn = ?2, account_name = ?3, account_object_id = ?4,
                tenant_id = ?5, tenant_name = ?6, verified_domains = ?7, directory_roles = ?8,
                directory_roles_unknown = ?9
             WHERE id = ?1",
            params![
                id,
                identity.account_upn,
                identity.account_name,
                identity.account_object_id,
                identity.tenant_id,
                identity.tenant_name,
                to_json(&identity.verified_domains),
                to_json(&identity.directory_roles),
                identity.directory_roles_unknown,
            ],
        )?;
        Ok(())
    }

    /// Token metadata only (scopes, expiry): never the tokens.
    pub fn record_token_facts(
        &self,
        id: &str,
        scopes: &[String],
        expires_at: DateTime<Utc>,
    ) -> Result<(), TenantProfileError> {
        self.store.connection().execute(
            "UPDATE profile SET granted_scopes = ?2, token_expires_at = ?3 WHERE id = ?1",
            params![id, to_json(&scopes), expires_at.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Sign-out: forget who was signed in and what they held; the profile itself stays.
    pub fn clear_identity(&self, id: &str) -> Result<(), TenantProfileError> {
        self.store.connection().execute(
            "UPDATE profile SET account_upn = NULL, account_name = NULL, account_object_id = NULL,
                tenant_id = NULL, tenant_name = NULL, verified_domains = '[]',
                directory_roles = '[]', directory_roles_unknown = 0, granted_scopes = '[]',
                token_expires_at = NULL
             WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    pub fn delete(&self, id: &str) -> Result<(), TenantProfileError> {
        let changed = self
            .store
            .connection()
            .execute("DELETE FROM profile WHERE id = ?1", [id])?;
        if changed == 0 {
            return Err(TenantProfileError::NotFound(id.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("store");
        (dir, store)
    }

    fn contoso() -> NewTenantProfile {
        NewTenantProfile {
            name: "Contoso".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            cloud: Cloud::Global,
            client_id: "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36".into(),
        }
    }

    #[test]
    fn create_list_switch_and_reopen_last() {
        let (_dir, store) = store();
        let profiles = TenantProfiles::new(&store);
        let a = profiles.create(&contoso(), false).expect("create");
        let b = profiles
            .create(
                &NewTenantProfile {
                    name: "Fabrikam GCC High".into(),
                    tenant: "0c9d5f7e-1111-4a4a-9b9b-222233334444".into(),
                    cloud: Cloud::UsGovHigh,
                    ..contoso()
                },
                false,
            )
            .expect("create second");
        assert_eq!(profiles.list().expect("list").len(), 2);
        assert_eq!(profiles.current().expect("current"), None);
        profiles.set_current(&b.id).expect("switch");
        assert_eq!(
            profiles.current().expect("current").map(|p| p.id),
            Some(b.id.clone())
        );
        profiles.set_current(&a.id).expect("switch back");
        assert_eq!(profiles.resolve("contoso").expect("by name").id, a.id);
        assert_eq!(
            profiles.resolve(&b.id).expect("by id").cloud,
            Cloud::UsGovHigh
        );
    }

    #[test]
    fn identity_is_recorded_and_cleared_on_sign_out() {
        let (_dir, store) = store();
        let profiles = TenantProfiles::new(&store);
        let p = profiles.create(&contoso(), false).expect("create");
        let identity = Identity {
            account_upn: "megan@contoso.onmicrosoft.com".into(),
            tenant_name: "Contoso".into(),
            directory_roles: vec!["Teams Administrator".into()],
            ..Identity::default()
        };
        profiles.record_identity(&p.id, &identity).expect("record");
        profiles
            .record_token_facts(&p.id, &["User.Read".into()], Utc::now())
            .expect("facts");
        let got = profiles.get(&p.id).expect("get");
        assert_eq!(got.identity, Some(identity));
        assert_eq!(got.granted_scopes, ["User.Read"]);
        profiles.clear_identity(&p.id).expect("clear");
        let got = profiles.get(&p.id).expect("get");
        assert_eq!(got.identity, None);
        assert!(got.granted_scopes.is_empty() && got.token_expires_at.is_none());
    }

    #[test]
    fn bad_input_is_refused_with_the_field_named() {
        let (_dir, store) = store();
        let profiles = TenantProfiles::new(&store);
        let cases = [
            (
                NewTenantProfile {
                    name: " ".into(),
                    ..contoso()
                },
                "name",
            ),
            (
                NewTenantProfile {
                    tenant: "not a tenant".into(),
                    ..contoso()
                },
                "tenant",
            ),
            (
                NewTenantProfile {
                    tenant: "-bad-.com".into(),
                    ..contoso()
                },
                "tenant",
            ),
            (
                NewTenantProfile {
                    client_id: "botdeck".into(),
                    ..contoso()
                },
                "clientId",
            ),
            (
                NewTenantProfile {
                    cloud: Cloud::Custom {
                        authority_host: "http://evil.example".into(),
                        graph_base_url: "https://graph.example".into(),
                    },
                    ..contoso()
                },
                "cloud",
            ),
        ];
        for (bad, field) in cases {
            match profiles.create(&bad, false) {
                Err(TenantProfileError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected Invalid, got {other:?}"),
            }
        }
        assert!(profiles.list().expect("list").is_empty(), "nothing stored");
        profiles.create(&contoso(), false).expect("first");
        assert!(matches!(
            profiles.create(
                &NewTenantProfile {
                    name: "CONTOSO".into(),
                    ..contoso()
                },
                false
            ),
            Err(TenantProfileError::Duplicate(_))
        ));
    }

    #[test]
    fn a_removed_current_profile_is_not_reopened() {
        let (_dir, store) = store();
        let profiles = TenantProfiles::new(&store);
        let p = profiles.create(&contoso(), false).expect("create");
        profiles.set_current(&p.id).expect("current");
        profiles.delete(&p.id).expect("delete");
        assert_eq!(profiles.current().expect("current"), None);
        assert!(matches!(
            profiles.delete(&p.id),
            Err(TenantProfileError::NotFound(_))
        ));
    }
}
