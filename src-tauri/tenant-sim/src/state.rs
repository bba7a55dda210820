//! Shared simulator state: tenant data, identity sessions, runtime settings, clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::faults::Faults;
use crate::metrics::MetricsState;
use crate::model::Tenant;
use crate::throttle::Throttle;
use crate::SimConfig;

/// Wall clock plus a test-controlled offset, so expiry and throttling can be exercised
/// without sleeping.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
    /// When set, time stands still except through `advance` (deterministic tests).
    frozen_at_ms: Option<i64>,
}

impl Clock {
    pub fn new(manual: bool) -> Clock {
        Clock {
            offset_ms: AtomicI64::new(0),
            frozen_at_ms: manual.then(real_now_ms),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.frozen_at_ms.unwrap_or_else(real_now_ms) + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }

    pub fn now_rfc3339(&self) -> String {
        rfc3339_ms(self.now_ms())
    }
}

fn real_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

// Leaves of their own (metrics and conversations use them, and this module holds both).
pub use crate::lock::lock;
pub use crate::time_text::{rfc3339_ms, rfc3339_secs};

/// Knobs that can change while the simulator runs (`/_sim/settings`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct Settings {
    pub auto_approve_browser: bool,
    pub auto_approve_device_code: bool,
    pub access_token_lifetime_secs: u64,
    pub refresh_token_lifetime_secs: u64,
    pub device_code_expires_in: u64,
    pub device_code_interval: u64,
    /// Reproduces the documented quirk: manifest errors answered with HTTP 200.
    pub manifest_error_status_200: bool,
    /// Chance, per page boundary, that an empty page is served before the next one.
    pub empty_page_rate: f64,
    pub throttling: bool,
    pub throttle_scale: f64,
    /// UPN signed in by the browser flows when no `login_hint` is given.
    pub browser_user: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_approve_browser: false,
            auto_approve_device_code: false,
            access_token_lifetime_secs: 3600,
            refresh_token_lifetime_secs: 90 * 86_400,
            device_code_expires_in: 900,
            device_code_interval: 5,
            manifest_error_status_200: false,
            empty_page_rate: 0.15,
            throttling: true,
            throttle_scale: 1.0,
            browser_user: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved(usize),
    Declined,
    Redeemed,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub user_code: String,
    pub client_id: String,
    pub scopes: String,
    pub issued_ms: i64,
    pub expires_in: u64,
    pub interval: u64,
    pub last_poll_ms: Option<i64>,
    pub status: DeviceStatus,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<(String, String)>,
    pub scopes: String,
    pub user: usize,
    pub issued_ms: i64,
    pub used: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshState {
    Active,
    Rotated,
    Revoked,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub user: usize,
    pub client_id: String,
    pub scopes: String,
    pub issued_ms: i64,
    pub state: RefreshState,
}

#[derive(Debug, Default)]
pub struct AuthState {
    pub device_codes: HashMap<String, DeviceCode>,
    pub auth_codes: HashMap<String, AuthCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
}

impl AuthState {
    pub fn by_user_code(&mut self, user_code: &str) -> Option<&mut DeviceCode> {
        let wanted = normalize_user_code(user_code);
        self.device_codes
            .values_mut()
            .find(|d| d.user_code == wanted)
    }
}

pub fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub struct Sim {
    pub config: SimConfig,
    pub base_url: String,
    pub clock: Clock,
    pub tenant: Mutex<Tenant>,
    pub auth: Mutex<AuthState>,
    pub settings: Mutex<Settings>,
    pub metrics: MetricsState,
    pub throttle: Mutex<Throttle>,
    pub faults: Mutex<Faults>,
    /// Routes that never answer (`/_sim/hang`).
    pub hangs: Mutex<crate::faults::Hangs>,
    /// Channel and chat messages, and what the simulated vendors' consoles know.
    pub conversations: Mutex<crate::conversations::Conversations>,
    pub token_key: [u8; 32],
    pub rng: Mutex<ChaCha8Rng>,
}

impl Sim {
    /// Teams as people see it now, for typing, pressing and posting (`conversations`).
    pub fn teams(&self) -> crate::conversations::Teams<'_> {
        crate::conversations::Teams {
            now_ms: self.clock.now_ms(),
            tenant: &self.tenant,
            conversations: &self.conversations,
        }
    }

    pub fn new(config: SimConfig, mut tenant: Tenant, base_url: String, settings: Settings) -> Sim {
        let mut key_rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x70CE_0000_5EC2_E7A1);
        let mut token_key = [0u8; 32];
        key_rng.fill_bytes(&mut token_key);
        let faults = Faults::new(config.seed, config.faults.clone());
        let clock = Clock::new(config.manual_clock);
        let mut conversations = crate::conversations::Conversations::seeded();
        if config.size == crate::TenantSize::Demo {
            // The history is dated a day before the clock's start, so a fresh check sees it.
            crate::conversations::seed_demo(
                &mut tenant,
                &mut conversations,
                clock.now_ms() - 86_400_000,
            );
        }
        Sim {
            conversations: Mutex::new(conversations),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed ^ 0x0B1E_C7AD)),
            config,
            base_url,
            clock,
            tenant: Mutex::new(tenant),
            auth: Mutex::new(AuthState::default()),
            settings: Mutex::new(settings),
            metrics: MetricsState::default(),
            throttle: Mutex::new(Throttle::default()),
            faults: Mutex::new(faults),
            hangs: Mutex::new(crate::faults::Hangs::default()),
            token_key,
        }
    }

    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.base_url)
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    pub fn new_uuid(&self) -> Uuid {
        let mut b = [0u8; 16];
        lock(&self.rng).fill_bytes(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid()
    }

    /// Opaque random string (base64url) of `bytes` random bytes.
    pub fn random_token(&self, bytes: usize) -> String {
        use base64::Engine;
        let mut b = vec![0u8; bytes];
        lock(&self.rng).fill_bytes(&mut b);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    }

    pub fn random_u64(&self) -> u64 {
        lock(&self.rng).next_u64()
    }
}
