//! `tenant_sim`: an Entra ID + Microsoft Graph v1.0 simulator for BotDeck's tests, demo
//! mode and benchmarks. Start it in-process with [`start`], point a client at
//! [`RunningSim::graph_base_url`] and [`RunningSim::authority_host`], and read
//! [`RunningSim::metrics`] to judge how the client behaved.
//!
//! Shapes follow Microsoft's documentation; `docs/tenant-sim.md` lists what is simulated
//! and where the simulator is knowingly approximate.

mod control;
pub mod conversations;
mod faults;
mod graph;
mod identity;
mod lock;
mod manifest;
mod metrics;
pub mod model;
mod odata;
pub mod permissions;
mod render;
pub mod seed;
mod server;
mod state;
mod throttle;
mod time_text;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use control::{Change, TeamsPlace};
pub use faults::{FaultRule, HangRule};
pub use metrics::Metrics;
pub use state::Settings;

/// BotDeck's own public-client app registration, present in every seeded tenant
/// (redirect URIs `http://localhost` and `http://127.0.0.1`, any port; public client
/// flows allowed).
pub const BOTDECK_PUBLIC_CLIENT_ID: &str = "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36";
/// `id` in the demo bot's manifest (the catalog app's `externalId`).
pub const DEMO_BOT_MANIFEST_ID: &str = "9f3e2a1b-6c4d-4e8f-a0b1-c2d3e4f5a6b7";
/// The demo bot's `botId`, which is also its Entra application (client) id.
pub const DEMO_BOT_APP_ID: &str = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";
/// Client secret of the demo bot's registration (client credentials flow).
pub const DEMO_BOT_CLIENT_SECRET: &str = "sim-secret-flashduty";
pub const MATTERMOST_APP_ID: &str = "e6b8d4f2-3a5c-4d7e-9f01-1b2c3d4e5f60";
/// PagerDuty's Entra application (client) id, US service region, as its Teams guide gives it.
pub const PAGERDUTY_APP_ID: &str = "05ffe668-5b27-45ff-a64d-b2ed6c475d7a";
/// PagerDuty's Entra application id for the EU service region.
pub const PAGERDUTY_EU_APP_ID: &str = "8f79a561-d2f1-4a1e-8092-c2039043a40e";
/// PagerDuty's Teams store app id (a store app's catalog id is its manifest id; `externalId`
/// is null), from the store link in PagerDuty's guide.
pub const PAGERDUTY_STORE_APP_ID: &str = "c8c302dc-4e77-4536-890d-0c2bffbef9cc";
pub const OX_SECURITY_APP_ID: &str = "a8d0f6b4-5c7e-4f90-b123-3d4e5f607182";
/// Microsoft Graph's application id.
pub const GRAPH_APP_ID: &str = model::GRAPH_APP_ID;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TenantSize {
    /// A handful of everything, for unit tests.
    Tiny,
    /// "Contoso": ~40 teams, ~120 users, 15 chats, the FlashDuty demo bot.
    #[default]
    Demo,
    /// 10 000 teams, 50 000 users, 2 000 chats.
    Large,
}

impl FromStr for TenantSize {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tiny" => Ok(TenantSize::Tiny),
            "demo" => Ok(TenantSize::Demo),
            "large" => Ok(TenantSize::Large),
            other => Err(SimError::InvalidSize(other.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown tenant size '{0}' (expected tiny, demo or large)")]
    InvalidSize(String),
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A control request (typing in Teams, a change by someone else) that cannot be done.
    #[error(transparent)]
    Control(#[from] control::ControlError),
    #[error(transparent)]
    Typing(#[from] conversations::TypeError),
    #[error("no pending device code '{0}'")]
    UnknownUserCode(String),
    #[error("no user '{0}' in the tenant")]
    UnknownUser(String),
    #[error("the account {0} is disabled")]
    AccountDisabled(String),
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub size: TenantSize,
    /// 1.0 = Microsoft's documented Teams limits; 10.0 = ten times more requests per second.
    pub throttle_scale: f64,
    /// 0 = ephemeral.
    pub port: u16,
    pub bind: IpAddr,
    /// Enforce the throttling limits at all.
    pub throttling: bool,
    /// Browser sign-in and admin consent approve at once (default: on for `Demo` only).
    pub auto_approve_browser: Option<bool>,
    /// Device codes are approved by the demo admin as soon as they are issued.
    pub auto_approve_device_code: bool,
    pub device_code_expires_in: u64,
    pub device_code_interval: u64,
    pub access_token_lifetime_secs: u64,
    pub refresh_token_lifetime_secs: u64,
    /// Answer manifest errors with HTTP 200, as Microsoft's docs show.
    pub manifest_error_status_200: bool,
    /// Chance that a page boundary is preceded by an empty page.
    pub empty_page_rate: f64,
    pub faults: Vec<FaultRule>,
    /// Time only moves through [`RunningSim::advance_clock`]: makes throttling and expiry
    /// independent of how fast the machine runs the test.
    pub manual_clock: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            size: TenantSize::Demo,
            throttle_scale: 1.0,
            port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            throttling: true,
            auto_approve_browser: None,
            auto_approve_device_code: false,
            device_code_expires_in: 900,
            device_code_interval: 5,
            access_token_lifetime_secs: 3600,
            refresh_token_lifetime_secs: 90 * 86_400,
            manifest_error_status_200: false,
            empty_page_rate: 0.15,
            faults: Vec::new(),
            manual_clock: false,
        }
    }
}

/// A running simulator. Dropping it without [`RunningSim::shutdown`] leaves the server
/// running until the runtime stops.
pub struct RunningSim {
    sim: Arc<state::Sim>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
    if !(config.throttle_scale.is_finite() && config.throttle_scale > 0.0) {
        return Err(SimError::InvalidConfig(
            "throttle_scale must be a positive number".into(),
        ));
    }
    if !(0.0..=1.0).contains(&config.empty_page_rate) {
        return Err(SimError::InvalidConfig(
            "empty_page_rate must be between 0 and 1".into(),
        ));
    }
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let base_url = match local.ip() {
        IpAddr::V6(ip) => format!("http://[{ip}]:{}", local.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}", local.port()),
    };
    let settings = Settings {
        auto_approve_browser: config
            .auto_approve_browser
            .unwrap_or(config.size == TenantSize::Demo),
        auto_approve_device_code: config.auto_approve_device_code,
        access_token_lifetime_secs: config.access_token_lifetime_secs,
        refresh_token_lifetime_secs: config.refresh_token_lifetime_secs,
        device_code_expires_in: config.device_code_expires_in,
        device_code_interval: config.device_code_interval,
        manifest_error_status_200: config.manifest_error_status_200,
        empty_page_rate: config.empty_page_rate,
        throttling: config.throttling,
        throttle_scale: config.throttle_scale,
        browser_user: None,
    };
    let tenant = seed::build(config.seed, config.size);
    let sim = Arc::new(state::Sim::new(config, tenant, base_url, settings));
    let (stop, rx) = watch::channel(false);
    let app = server::router(sim.clone());
    let task = tokio::spawn(server::serve(listener, app, rx));
    Ok(RunningSim { sim, stop, task })
}

impl RunningSim {
    /// e.g. `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.sim.base_url.clone()
    }

    /// `{base}/v1.0`
    pub fn graph_base_url(&self) -> String {
        self.sim.graph_base()
    }

    /// The authority is `{authority_host}/{tenant}`.
    pub fn authority_host(&self) -> String {
        self.sim.base_url.clone()
    }

    pub fn tenant_id(&self) -> String {
        state::lock(&self.sim.tenant).id.to_string()
    }

    pub fn tenant_domain(&self) -> String {
        state::lock(&self.sim.tenant).domain.clone()
    }

    /// UPN of the seeded administrator (Global + Teams Administrator).
    pub fn admin_upn(&self) -> String {
        let t = state::lock(&self.sim.tenant);
        t.users
            .get(t.admin_user)
            .map(|u| u.upn.clone())
            .unwrap_or_default()
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Approves a pending device code as `user_principal_name` (the admin when `None`).
    pub fn approve_device_code(
        &self,
        user_code: &str,
        user_principal_name: Option<&str>,
    ) -> Result<(), SimError> {
        identity::decide_device_code(&self.sim, user_code, user_principal_name, true)
    }

    pub fn decline_device_code(&self, user_code: &str) -> Result<(), SimError> {
        identity::decide_device_code(&self.sim, user_code, None, false)
    }

    pub fn metrics(&self) -> Metrics {
        self.sim.metrics.snapshot()
    }

    pub fn reset_metrics(&self) {
        self.sim.metrics.reset();
    }

    /// Moves the simulator's clock forward (token and device-code expiry, throttling
    /// refill, Retry-After bookkeeping) without sleeping.
    pub fn advance_clock(&self, by: Duration) {
        self.sim.clock.advance(by);
    }

    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        state::lock(&self.sim.faults).set(rules);
    }

    /// Routes that never answer from now on (replaces earlier hang rules; empty clears them).
    pub fn set_hangs(&self, rules: Vec<HangRule>) {
        state::lock(&self.sim.hangs).set(rules);
    }

    /// User codes of the device codes nobody has approved or declined yet (what the admin would
    /// read off the window).
    pub fn pending_user_codes(&self) -> Vec<String> {
        state::lock(&self.sim.auth)
            .device_codes
            .values()
            .filter(|d| d.status == state::DeviceStatus::Pending)
            .map(|d| d.user_code.clone())
            .collect()
    }

    pub fn settings(&self) -> Settings {
        self.sim.settings()
    }

    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut state::lock(&self.sim.settings));
    }

    /// Revokes every refresh token of a user (by id or UPN); returns how many were live.
    pub fn revoke_user_sessions(&self, user: &str) -> Result<usize, SimError> {
        let u = state::lock(&self.sim.tenant)
            .find_user(user)
            .ok_or_else(|| SimError::UnknownUser(user.to_string()))?;
        Ok(identity::revoke_user_sessions(&self.sim, u))
    }

    pub fn revoke_refresh_token(&self, token: &str) -> bool {
        identity::revoke_refresh_token(&self.sim, token)
    }

    /// A person types `text` in Teams: in a channel (`team` + `channel`), a chat, or their
    /// personal chat with a bot (`personal_app`, a catalog app id). Bots installed there
    /// answer; answers the message id and the bot's replies (Graph `chatMessage` shapes).
    pub fn type_in_teams(
        &self,
        upn: &str,
        place: TeamsPlace,
        text: &str,
    ) -> Result<(String, Vec<Value>), SimError> {
        Ok(control::type_in_teams(&self.sim, upn, place, text)?)
    }

    /// Presses the first button left on a card (e.g. "Associate Now").
    pub fn press_card(&self, message_id: &str) -> Result<Value, SimError> {
        Ok(conversations::press(&self.sim.teams(), message_id)?)
    }

    /// Links as the simulated vendors' consoles know them.
    pub fn vendor_links(&self) -> Vec<conversations::VendorLink> {
        state::lock(&self.sim.conversations).vendor_links.clone()
    }

    /// The BotDeck-side links the demo tenant starts with.
    pub fn demo_links(&self) -> Vec<conversations::DemoLink> {
        let t = state::lock(&self.sim.tenant);
        let c = state::lock(&self.sim.conversations);
        conversations::demo_links(&t, &c)
    }

    /// Changes the tenant the way an admin elsewhere would (bot removed, team archived...).
    pub fn change(&self, change: control::Change) -> Result<(), SimError> {
        Ok(control::apply_change(&self.sim, change)?)
    }

    /// Same summary as `GET /_sim/state`.
    pub fn state_summary(&self) -> Value {
        summary(&self.sim)
    }
}

pub(crate) fn summary(sim: &state::Sim) -> Value {
    let t = state::lock(&sim.tenant);
    let teams = t.groups.iter().filter(|g| g.team.is_some()).count();
    let installs: usize = t
        .groups
        .iter()
        .filter_map(|g| g.team.as_ref())
        .map(|d| d.installs.len())
        .sum::<usize>()
        + t.chats.iter().map(|c| c.installs.len()).sum::<usize>()
        + t.users.iter().map(|u| u.installs.len()).sum::<usize>();
    json!({
        "tenant_id": t.id.to_string(),
        "tenant_domain": t.domain,
        "display_name": t.display_name,
        "admin_upn": t.users.get(t.admin_user).map(|u| u.upn.clone()),
        "base_url": sim.base_url,
        "graph_base_url": sim.graph_base(),
        "botdeck_client_id": BOTDECK_PUBLIC_CLIENT_ID,
        "demo_bot_manifest_id": DEMO_BOT_MANIFEST_ID,
        "demo_bot_app_id": DEMO_BOT_APP_ID,
        "seed": sim.config.seed,
        "size": format!("{:?}", sim.config.size).to_ascii_lowercase(),
        "counts": {
            "users": t.users.len(),
            "groups": t.groups.len(),
            "teams": teams,
            "chats": t.chats.len(),
            "catalog_apps": t.apps.len(),
            "installations": installs,
            "service_principals": t.sps.len(),
            "app_role_assignments": t.role_assignments.len(),
            "oauth2_permission_grants": t.grants.len(),
        },
        "pending_device_codes": state::lock(&sim.auth).device_codes.values().filter(|d| d.status == state::DeviceStatus::Pending).count(),
        "settings": serde_json::to_value(sim.settings()).unwrap_or(Value::Null),
        "faults": state::lock(&sim.faults).rules.len(),
    })
}
