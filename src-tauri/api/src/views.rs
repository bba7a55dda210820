//! The types the UI sees that belong to no one feature, and the list of every type that
//! crosses IPC (the hub above the features; core never imports it).
//!
//! `ui/src/ipc/bindings/` is generated from this list; `tests/bindings.rs` fails when the
//! committed files drift from the Rust types. Regenerate with `make bindings`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use botdeck_core::bindings::Binding;
use botdeck_core::notice::{Notice, NoticeLevel};

/// Facts about the running app for the header, status bar and notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// The git commit this build was made from ("unknown" when built outside a checkout).
    pub commit: String,
    pub data_dir: String,
    pub log_file: String,
    /// True when the window runs against the embedded demo tenant.
    pub demo: bool,
    /// Where the demo tenant (tenant-sim) answers, when `demo` is true.
    pub demo_tenant_url: Option<String>,
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ThemePreference {
    Light,
    Dark,
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UiSettings {
    pub theme: ThemePreference,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetThemeRequest {
    pub theme: ThemePreference,
}

/// `run_doctor`: how closely to look (the Overview asks `quick`, Settings `thorough`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DoctorRequest {
    pub depth: botdeck_core::doctor::Depth,
}

/// The header's view of who is signed in where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub profiles: Vec<botdeck_core::profiles::TenantProfile>,
    pub current: Option<botdeck_core::profiles::TenantProfile>,
    /// The current profile has tokens in the keyring and a known identity.
    pub signed_in: bool,
    /// "Publishing needs Teams Administrator; you are ..." lines for the current identity.
    pub role_advice: Vec<String>,
    /// Sign-in is possible at all (a working OS keyring).
    pub can_sign_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileRequest {
    pub profile_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInRequest {
    pub profile_id: String,
    pub feature: botdeck_core::auth::Feature,
    /// The progress channel travels in the same argument object; the command takes it itself.
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    pub on_event: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenUrlRequest {
    pub url: String,
}

/// Progress of a sign-in, sent over a channel while the command runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum SignInEvent {
    /// Show this code; the admin enters it at `verification_uri`.
    DeviceCode(botdeck_core::auth::DeviceCodePrompt),
    /// The sign-in page was opened in the system browser.
    BrowserOpened { url: String },
}

/// Every type that crosses IPC: the ones here plus each feature module's `ts_bindings()`.
pub fn all_bindings() -> Vec<Binding> {
    let mut all = own_bindings();
    all.extend(botdeck_core::package::ts_bindings());
    all.extend(botdeck_core::permissions::ts_bindings());
    all.extend(botdeck_core::catalog::ipc::ts_bindings());
    all.extend(botdeck_core::installs::ipc::ts_bindings());
    all.extend(botdeck_core::links::ts_bindings());
    // Two modules may list a shared type; one file per type.
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|b| seen.insert(b.file_name.clone()));
    all
}

fn own_bindings() -> Vec<Binding> {
    botdeck_core::bindings_of![
        crate::error::ApiError,
        crate::error::ErrorCode,
        botdeck_core::ids::CatalogAppId,
        botdeck_core::ids::ManifestId,
        botdeck_core::ids::EntraAppId,
        botdeck_core::progress::Phase,
        botdeck_core::lease::LeaseHolder,
        AppInfo,
        Notice,
        NoticeLevel,
        ThemePreference,
        UiSettings,
        SetThemeRequest,
        DoctorRequest,
        botdeck_core::doctor::Depth,
        botdeck_core::doctor::DoctorReport,
        botdeck_core::doctor::Check,
        botdeck_core::doctor::CheckStatus,
        botdeck_core::secrets::KeyringStatus,
        botdeck_core::config::Cloud,
        botdeck_core::config::CloudEndpoints,
        botdeck_core::store::OpenReport,
        SessionView,
        ProfileRequest,
        SignInRequest,
        OpenUrlRequest,
        SignInEvent,
        botdeck_core::auth::DeviceCodePrompt,
        botdeck_core::auth::Feature,
        botdeck_core::auth::ScopeInfo,
        botdeck_core::profiles::TenantProfile,
        botdeck_core::profiles::Identity,
        botdeck_core::profiles::NewTenantProfile,
        botdeck_core::audit::AuditRecord,
        botdeck_core::audit::AuditEntry,
        botdeck_core::audit::Outcome,
    ]
}
