//! Secrets live in the OS keyring and nowhere else.
//!
//! There is deliberately no fallback: if the keyring cannot be used, sign-in is refused with an
//! explanation. A token in a file "just for now" is how tokens leak.

use keyring::credential::CredentialPersistence;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The keyring "service" under which every BotDeck entry is stored.
pub const KEYRING_SERVICE: &str = "io.botdeck.BotDeck";

pub use botdeck_graph::Sensitive;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("no OS keyring backend is compiled into this build (only an in-memory stand-in); BotDeck refuses to store sign-in tokens anywhere else")]
    NoRealBackend,
    #[error("no D-Bus session bus: the Secret Service keyring (GNOME Keyring, KWallet) cannot be reached. Run BotDeck inside a desktop session, or start one with `dbus-run-session` and unlock gnome-keyring")]
    NoSessionBus,
    #[error(
        "the OS keyring is locked or refused access ({0}). Unlock your login keyring and try again"
    )]
    Locked(String),
    #[error("the OS keyring failed: {0}")]
    Platform(String),
    #[error("the keyring returned a value that is not valid text")]
    BadEncoding,
    #[error("the OS keyring round-trip check failed: {0}")]
    RoundTrip(String),
}

/// What `probe()` found, for doctor and Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyringStatus {
    pub backend: String,
    pub usable: bool,
    pub detail: String,
}

/// The keyring, restricted to BotDeck's own entries.
#[derive(Debug, Clone, Default)]
pub struct SecretStore {
    _private: (),
}

impl SecretStore {
    /// Fails unless a persistent OS backend is the default: the keyring crate silently uses an
    /// in-memory mock when no platform feature is enabled.
    pub fn new() -> Result<Self, SecretsError> {
        let persistence = keyring::default::default_credential_builder().persistence();
        match persistence {
            CredentialPersistence::UntilDelete | CredentialPersistence::UntilReboot => {
                Ok(Self { _private: () })
            }
            _ => Err(SecretsError::NoRealBackend),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(KEYRING_SERVICE, account).map_err(map_keyring_error)
    }

    pub fn put(&self, account: &str, secret: &Sensitive<String>) -> Result<(), SecretsError> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(map_keyring_error)
    }

    pub fn get(&self, account: &str) -> Result<Option<Sensitive<String>>, SecretsError> {
        match self.entry(account)?.get_password() {
            Ok(value) => Ok(Some(Sensitive::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    /// Deleting something already gone is success: sign-out must be repeatable.
    pub fn delete(&self, account: &str) -> Result<(), SecretsError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    /// Write, read back and delete a throwaway entry: proves the backend works end to end.
    pub fn round_trip(&self) -> Result<(), SecretsError> {
        let account = format!("botdeck-probe-{}", uuid::Uuid::new_v4());
        let value = Sensitive::new(format!("probe-{}", uuid::Uuid::new_v4()));
        self.put(&account, &value)?;
        let read = self.get(&account);
        let deleted = self.delete(&account);
        match read? {
            Some(got) if got.expose() == value.expose() => {}
            Some(_) => {
                return Err(SecretsError::RoundTrip(
                    "read back a different value".into(),
                ))
            }
            None => {
                return Err(SecretsError::RoundTrip(
                    "the value written was not found".into(),
                ))
            }
        }
        deleted?;
        if self.get(&account)?.is_some() {
            return Err(SecretsError::RoundTrip(
                "the probe entry survived deletion".into(),
            ));
        }
        Ok(())
    }
}

pub fn backend_name() -> &'static str {
    if cfg!(target_os = "linux") {
        "Secret Service (D-Bus)"
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "platform keyring"
    }
}

/// Checks the keyring the way sign-in will use it; never panics, never falls back.
pub fn probe() -> KeyringStatus {
    let result = SecretStore::new().and_then(|store| store.round_trip());
    match result {
        Ok(()) => KeyringStatus {
            backend: backend_name().to_string(),
            usable: true,
            detail: "write, read and delete round-trip succeeded".to_string(),
        },
        Err(err) => KeyringStatus {
            backend: backend_name().to_string(),
            usable: false,
            detail: err.to_string(),
        },
    }
}

fn map_keyring_error(err: keyring::Error) -> SecretsError {
    match err {
        keyring::Error::NoStorageAccess(inner) => SecretsError::Locked(inner.to_string()),
        keyring::Error::BadEncoding(_) => SecretsError::BadEncoding,
        keyring::Error::PlatformFailure(inner) => {
            if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
                SecretsError::NoSessionBus
            } else {
                SecretsError::Platform(inner.to_string())
            }
        }
        other => SecretsError::Platform(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_never_shows_its_value() {
        let token = Sensitive::new("eyJhbGciOi.secret.token".to_string());
        assert_eq!(format!("{token}"), "***");
        assert_eq!(format!("{token:?}"), "***");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            access: Sensitive<String>,
        }
        let shown = format!("{:?}", Holder { access: token });
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn a_real_backend_is_compiled_in() {
        // Guards against the keyring crate's silent in-memory default (features dropped).
        assert!(SecretStore::new().is_ok());
    }

    /// Needs an unlocked Secret Service; `make test` provides one (dbus-run-session +
    /// gnome-keyring) and runs ignored tests too.
    #[test]
    #[ignore = "needs an unlocked Secret Service: run through `make test`"]
    fn round_trip_through_the_real_keyring() {
        let store = SecretStore::new().expect("backend");
        store.round_trip().expect("round trip");
        let account = format!("test-{}", uuid::Uuid::new_v4());
        store
            .put(&account, &Sensitive::new("first".to_string()))
            .expect("put");
        store
            .put(&account, &Sensitive::new("second".to_string()))
            .expect("overwrite");
        let got = store.get(&account).expect("get").expect("present");
        assert_eq!(got.expose(), "second");
        store.delete(&account).expect("delete");
        store.delete(&account).expect("delete twice is fine");
        assert!(store.get(&account).expect("get").is_none());
    }

    #[test]
    fn missing_session_bus_is_explained() {
        // Only meaningful where no bus is configured; the error text is what the admin reads.
        let msg = SecretsError::NoSessionBus.to_string();
        assert!(msg.contains("D-Bus") && msg.contains("dbus-run-session"));
    }
}
