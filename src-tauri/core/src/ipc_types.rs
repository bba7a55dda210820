//! The types the UI sees that belong to no feature, and the list of every type that crosses
//! IPC (the hub above the features; nothing below it imports it).
//!
//! `ui/src/ipc/bindings/` is generated from this list; `tests/bindings.rs` fails when the
//! committed files drift from the Rust types. Regenerate with `make bindings`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::bindings::Binding;
use crate::notice::{Notice, NoticeLevel};

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

/// The header's view of who is signed in where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub profiles: Vec<crate::profiles::Profile>,
    pub current: Option<crate::profiles::Profile>,
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
    pub feature: crate::auth::Feature,
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
    DeviceCode(crate::auth::DeviceCodePrompt),
    /// The sign-in page was opened in the system browser.
    BrowserOpened { url: String },
}

/// Every type that crosses IPC: the ones here plus each feature module's `ts_bindings()`.
pub fn all_bindings() -> Vec<Binding> {
    let mut all = own_bindings();
    all.extend(crate::package::ts_bindings());
    all.extend(crate::permissions::ts_bindings());
    all.extend(crate::catalog::ipc::ts_bindings());
    all.extend(crate::installs::ipc::ts_bindings());
    all.extend(crate::links::ts_bindings());
    // Two modules may list a shared type; one file per type.
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|b| seen.insert(b.file_name.clone()));
    all
}

fn own_bindings() -> Vec<Binding> {
    crate::bindings_of![
        crate::error::ApiError,
        crate::error::ErrorCode,
        AppInfo,
        Notice,
        NoticeLevel,
        ThemePreference,
        UiSettings,
        SetThemeRequest,
        crate::doctor::DoctorReport,
        crate::doctor::Check,
        crate::doctor::CheckStatus,
        crate::secrets::KeyringStatus,
        crate::config::Cloud,
        crate::config::CloudEndpoints,
        crate::store::OpenReport,
        SessionView,
        ProfileRequest,
        SignInRequest,
        OpenUrlRequest,
        SignInEvent,
        crate::auth::DeviceCodePrompt,
        crate::auth::Feature,
        crate::auth::ScopeInfo,
        crate::profiles::Profile,
        crate::profiles::Identity,
        crate::profiles::NewProfile,
        crate::audit::AuditRecord,
        crate::audit::AuditEntry,
        crate::audit::Outcome,
    ]
}
