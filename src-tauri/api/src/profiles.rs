//! Sign-in profiles and signing in: the header's session, adding, switching and removing a
//! tenant, signing in (device code or browser) and out, and what a profile holds — never its
//! tokens, which stay in the OS keyring.
//!
//! One rule for a tenant that never proved itself: a profile added (in the window, or by
//! `botdeck login` for a name it did not know) is *unproven* until its first sign-in succeeds.
//! If that sign-in is refused (declined, expired code, wrong tenant, cloud or client id, no
//! consent...), the profile and any token it got are removed, so no half-made profile stays
//! behind, and the message says so. A cancel keeps it (the admin only stopped), and so do an
//! unusable keyring and an unreachable network: its settings were never judged. The mark is
//! kept in the state database, so it holds across restarts and across the two front-ends.

use botdeck_core::auth::{self, DeviceCodePrompt, Feature, ScopeInfo, TokioSleeper};
use botdeck_core::config::Cloud;
use botdeck_core::profiles::{NewTenantProfile, TenantProfile, TenantProfiles};
use botdeck_core::store::Store;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::{ApiError, ErrorCode};
use crate::views::{SessionView, SignInEvent};

/// Settings key: the ids of profiles that have not signed in successfully yet (JSON list).
const UNPROVEN_KEY: &str = "profile.unproven";

/// The header's view: every profile, the current one, whether it is signed in and what its
/// directory roles allow.
pub fn session(cx: &Context) -> Result<SessionView, ApiError> {
    let (list, current) = list(cx)?;
    let signed_in = current.as_ref().is_some_and(|p| has_tokens(cx, p));
    let role_advice = match &current {
        Some(profile) if signed_in => role_advice(profile),
        _ => Vec::new(),
    };
    Ok(SessionView {
        profiles: list,
        current,
        signed_in,
        role_advice,
        can_sign_in: cx.authenticator().is_ok() && cx.keyring().usable,
    })
}

/// Every profile (by name) and the current one, from the state database only: no keyring.
pub fn list(cx: &Context) -> Result<(Vec<TenantProfile>, Option<TenantProfile>), ApiError> {
    let store = cx.store()?;
    let profiles = TenantProfiles::new(&store);
    Ok((profiles.list()?, profiles.current()?))
}

/// "Publishing needs Teams Administrator; you are ..." for the profile's signed-in identity,
/// or the notice that its roles could not be read.
pub fn role_advice(profile: &TenantProfile) -> Vec<String> {
    let Some(identity) = &profile.identity else {
        return Vec::new();
    };
    if identity.directory_roles_unknown {
        return vec![auth::ROLES_UNKNOWN_NOTICE.to_string()];
    }
    [
        Feature::Publish,
        Feature::Install,
        Feature::RevokePermissions,
    ]
    .into_iter()
    .filter_map(|f| auth::role_advice(f, &identity.directory_roles))
    .collect()
}

/// The profile has tokens in the keyring and a known identity. The keyring is only asked when
/// there is an identity: a profile nobody signed in to needs no keyring to say so.
fn has_tokens(cx: &Context, profile: &TenantProfile) -> bool {
    profile.identity.is_some()
        && cx
            .authenticator()
            .ok()
            .and_then(|a| a.has_tokens(&profile.id).ok())
            .unwrap_or(false)
}

/// Adds a tenant and makes it the current one; it is unproven until it signs in.
pub fn create_profile(cx: &Context, new: &NewTenantProfile) -> Result<SessionView, ApiError> {
    {
        let store = cx.store()?;
        let profile = create_unproven(&store, new)?;
        TenantProfiles::new(&store).set_current(&profile.id)?;
    }
    session(cx)
}

fn create_unproven(store: &Store, new: &NewTenantProfile) -> Result<TenantProfile, ApiError> {
    let profile = TenantProfiles::new(store).create(new, false)?;
    mark_unproven(store, &profile.id)?;
    Ok(profile)
}

/// Makes the profile named (by name or id) the current one.
pub fn switch_profile(cx: &Context, profile: &str) -> Result<SessionView, ApiError> {
    {
        let store = cx.store()?;
        let profiles = TenantProfiles::new(&store);
        let found = profiles.resolve(profile)?;
        profiles.set_current(&found.id)?;
    }
    session(cx)
}

/// Removes a profile (by name or id) and its tokens. When it was the current one, the first
/// remaining profile becomes current, so the next command or window has a tenant to work on.
/// Answers the profile as it was.
pub fn remove_profile(cx: &Context, profile: &str) -> Result<TenantProfile, ApiError> {
    // The name is checked before the keyring is touched.
    let found = TenantProfiles::new(&*cx.store()?).resolve(profile)?;
    discard(cx, &found.id)?;
    Ok(found)
}

/// Deletes the keyring entry first (a token must not outlive its profile), then the row.
fn discard(cx: &Context, profile_id: &str) -> Result<(), ApiError> {
    cx.authenticator()?.sign_out(profile_id)?;
    let store = cx.store()?;
    let profiles = TenantProfiles::new(&store);
    let was_current = profiles.current()?.is_some_and(|p| p.id == profile_id);
    profiles.delete(profile_id)?;
    settle_unproven(&store, profile_id)?;
    if was_current {
        if let Some(next) = profiles.list()?.first() {
            profiles.set_current(&next.id)?;
        }
    }
    Ok(())
}

/// Who is to sign in for `botdeck login`: an existing profile (by name, else the current one),
/// possibly with changed settings, or a new one made from the values given.
#[derive(Debug, Clone, Default)]
pub struct SignInTarget {
    pub name: Option<String>,
    pub tenant: Option<String>,
    pub cloud: Option<Cloud>,
    pub client_id: Option<String>,
    /// Apply a different client id or cloud to an existing profile (it is signed out first);
    /// without it a difference is refused.
    pub apply_changes: bool,
}

/// A part of a [`SignInTarget`], for messages: the CLI names its flags, a window its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInField {
    Name,
    Tenant,
    ClientId,
    /// A named cloud (global, usgov-high...).
    Cloud,
    /// The sign-in host of custom endpoints.
    AuthorityHost,
    /// The Graph address of custom endpoints.
    GraphUrl,
    /// The switch that applies changed settings ([`SignInTarget::apply_changes`]).
    ApplyChanges,
}

#[derive(Debug, Clone)]
pub struct PreparedProfile {
    pub profile: TenantProfile,
    /// Made for this sign-in: it is unproven until the sign-in succeeds.
    pub created: bool,
    /// Settings applied to an existing profile (`apply_changes`); it was signed out.
    pub changed: Vec<SignInField>,
}

/// The profile `botdeck login` signs in to. Everything is checked before anything is written;
/// a new profile is only made once the keyring is known to work (a sign-in it could not keep
/// would leave a profile behind for nothing). `name_of` names a setting in messages.
pub fn prepare_sign_in(
    cx: &Context,
    target: &SignInTarget,
    name_of: &dyn Fn(SignInField) -> String,
) -> Result<PreparedProfile, ApiError> {
    let invalid = |setting: SignInField, reason: String| {
        ApiError::invalid_input(format!("{}: {reason}", name_of(setting)))
    };
    if let Some(name) = &target.name {
        if name.trim().is_empty() || name.chars().count() > 64 {
            return Err(invalid(SignInField::Name, "1 to 64 characters".into()));
        }
    }
    if let Some(client_id) = &target.client_id {
        if uuid::Uuid::try_parse(client_id.trim()).is_err() {
            return Err(invalid(
                SignInField::ClientId,
                format!(
                    "{client_id:?} is not your app registration's application (client) id, a GUID"
                ),
            ));
        }
    }
    if let Some(tenant) = &target.tenant {
        NewTenantProfile {
            name: "probe".into(),
            tenant: tenant.clone(),
            cloud: Cloud::Global,
            client_id: uuid::Uuid::nil().to_string(),
        }
        .validate()
        .map_err(|e| invalid(SignInField::Tenant, e.to_string()))?;
    }
    let existing = {
        let store = cx.store()?;
        let profiles = TenantProfiles::new(&store);
        match &target.name {
            Some(name) => profiles.find_by_name(name)?,
            None => profiles.current()?,
        }
    };
    match existing {
        Some(profile) => update_for_sign_in(cx, profile, target, name_of),
        None => {
            let name = target.name.clone().unwrap_or_else(|| "default".into());
            let tenant = target.tenant.clone().ok_or_else(|| {
                let flag = name_of(SignInField::Tenant);
                invalid(
                    SignInField::Tenant,
                    format!("profile {name:?} does not exist yet: give {flag} (id or domain)"),
                )
            })?;
            let client_id = target.client_id.clone().ok_or_else(|| {
                let flag = name_of(SignInField::ClientId);
                invalid(
                    SignInField::ClientId,
                    format!("give {flag}: your app registration's application id; see the README"),
                )
            })?;
            cx.authenticator()?
                .ensure_keyring()
                .map_err(sign_in_error)?;
            let profile = create_unproven(
                &*cx.store()?,
                &NewTenantProfile {
                    name,
                    tenant,
                    cloud: target.cloud.clone().unwrap_or(Cloud::Global),
                    client_id,
                },
            )?;
            Ok(PreparedProfile {
                profile,
                created: true,
                changed: Vec::new(),
            })
        }
    }
}

fn update_for_sign_in(
    cx: &Context,
    profile: TenantProfile,
    target: &SignInTarget,
    name_of: &dyn Fn(SignInField) -> String,
) -> Result<PreparedProfile, ApiError> {
    if target
        .tenant
        .as_deref()
        .is_some_and(|t| !t.trim().eq_ignore_ascii_case(&profile.tenant))
    {
        return Err(ApiError::invalid_input(format!(
            "{}: profile {:?} is for tenant {}; choose another profile name for a different tenant",
            name_of(SignInField::Tenant),
            profile.name,
            profile.tenant
        )));
    }
    let changed = changed_settings(&profile, target);
    if changed.is_empty() {
        return Ok(PreparedProfile {
            profile,
            created: false,
            changed,
        });
    }
    let names = changed
        .iter()
        .map(|s| name_of(*s))
        .collect::<Vec<_>>()
        .join(", ");
    if !target.apply_changes {
        return Err(ApiError::invalid_input(format!(
            "{names}: profile {:?} is set up differently; add {} to change it (it is signed out first), or choose another profile name",
            profile.name,
            name_of(SignInField::ApplyChanges)
        )));
    }
    let profile = {
        let store = cx.store()?;
        let profiles = TenantProfiles::new(&store);
        profiles.clear_identity(&profile.id)?;
        if let Some(client_id) = &target.client_id {
            profiles.update_client_id(&profile.id, client_id)?;
        }
        if let Some(cloud) = &target.cloud {
            profiles.update_cloud(&profile.id, cloud)?;
        }
        profiles.get(&profile.id)?
    };
    tracing::info!(profile = %profile.name, changed = %names, "profile settings updated");
    // Tokens of the old client or cloud are of no use to the new settings.
    cx.authenticator()
        .and_then(|a| a.sign_out(&profile.id).map_err(ApiError::from))
        .map_err(|e| ApiError {
            message: format!(
                "the profile was updated, but its old sign-in could not be removed: {}",
                e.message
            ),
            ..e
        })?;
    Ok(PreparedProfile {
        profile,
        created: false,
        changed,
    })
}

fn changed_settings(profile: &TenantProfile, target: &SignInTarget) -> Vec<SignInField> {
    let mut changed = Vec::new();
    if target
        .client_id
        .as_deref()
        .is_some_and(|c| !c.trim().eq_ignore_ascii_case(&profile.client_id))
    {
        changed.push(SignInField::ClientId);
    }
    if let Some(cloud) = target.cloud.as_ref().filter(|c| **c != profile.cloud) {
        if matches!(cloud, Cloud::Custom { .. }) {
            let (want, have) = (cloud.endpoints(), profile.cloud.endpoints());
            let before = changed.len();
            if want.authority_host != have.authority_host {
                changed.push(SignInField::AuthorityHost);
            }
            if want.graph_base_url != have.graph_base_url {
                changed.push(SignInField::GraphUrl);
            }
            if changed.len() == before {
                changed.push(SignInField::AuthorityHost);
            }
        } else {
            changed.push(SignInField::Cloud);
        }
    }
    changed
}

/// Signs in by device code: `on_event` shows the code (a window channel, a terminal line), then
/// this waits for the admin; [`cancel_sign_in`] stops it. Answers the signed-in profile, now the
/// current one.
pub async fn sign_in_device_code(
    cx: &Context,
    profile_id: &str,
    feature: Feature,
    on_event: &(dyn Fn(&SignInEvent) -> Result<(), ApiError> + Send + Sync),
) -> Result<TenantProfile, ApiError> {
    let profile = TenantProfiles::new(&*cx.store()?).get(profile_id)?;
    let authenticator = cx.authenticator()?;
    let cancel = cx.begin_sign_in();
    let result = async {
        let grant = authenticator
            .start_device_code(&profile, feature)
            .await
            .map_err(sign_in_error)?;
        on_event(&SignInEvent::DeviceCode(DeviceCodePrompt::from(&grant)))?;
        let (signed, _) = authenticator
            .finish_device_code(&profile, &grant, &cancel, &TokioSleeper)
            .await
            .map_err(sign_in_error)?;
        record(cx, &profile.id, &signed)
    }
    .await;
    settle(cx, &profile, result)
}

/// Signs in in the system browser (authorization code + PKCE, loopback redirect).
/// `on_event` hears the address first (the admin can open it by hand), then `open_browser`
/// opens it; [`cancel_sign_in`] stops the wait.
pub async fn sign_in_browser(
    cx: &Context,
    profile_id: &str,
    feature: Feature,
    on_event: &(dyn Fn(&SignInEvent) -> Result<(), ApiError> + Send + Sync),
    open_browser: &(dyn Fn(&str) -> Result<(), ApiError> + Send + Sync),
) -> Result<TenantProfile, ApiError> {
    let profile = TenantProfiles::new(&*cx.store()?).get(profile_id)?;
    let authenticator = cx.authenticator()?;
    let cancel = cx.begin_sign_in();
    let open = |url: &str| {
        // The page opens either way; a front-end that stopped listening only misses the note.
        let _ = on_event(&SignInEvent::BrowserOpened {
            url: url.to_string(),
        });
        open_browser(url).map_err(|e| auth::BrowserOpenError::from(e.message))
    };
    let result = match authenticator
        .sign_in_browser(&profile, feature, &open, auth::BROWSER_TIMEOUT, &cancel)
        .await
    {
        Ok(signed) => record(cx, &profile.id, &signed),
        Err(err) => Err(sign_in_error(err)),
    };
    settle(cx, &profile, result)
}

/// A sign-in's own wording says more than its parts: "the OS keyring is not usable, so BotDeck
/// will not sign in (it never keeps tokens anywhere else): ..." rather than the keyring's bare
/// reason.
fn sign_in_error(err: auth::AuthError) -> ApiError {
    let message = err.to_string();
    ApiError {
        message,
        ..ApiError::from(err)
    }
}

fn record(
    cx: &Context,
    profile_id: &str,
    signed: &auth::SignedIn,
) -> Result<TenantProfile, ApiError> {
    let profile = auth::record_sign_in(&*cx.store()?, profile_id, signed)?;
    tracing::info!(account = %signed.identity.account_upn, tenant = %signed.identity.tenant_name, "signed in");
    Ok(profile)
}

/// After a sign-in: see the module's rule for an unproven profile.
fn settle(
    cx: &Context,
    profile: &TenantProfile,
    result: Result<TenantProfile, ApiError>,
) -> Result<TenantProfile, ApiError> {
    let mut err = match result {
        Ok(profile) => {
            if let Err(e) = cx.store().and_then(|s| settle_unproven(&s, &profile.id)) {
                // Only costs the clean-up of a later refusal, which then keeps the profile.
                tracing::warn!(error = %e.message, "cannot record that the profile signed in");
            }
            return Ok(profile);
        }
        Err(err) => err,
    };
    let refused = !matches!(
        err.code,
        ErrorCode::Cancelled | ErrorCode::Keyring | ErrorCode::Offline
    );
    let unproven = cx
        .store()
        .and_then(|s| is_unproven(&s, &profile.id))
        .unwrap_or(false);
    if refused && unproven && !profile.is_demo {
        match discard(cx, &profile.id) {
            Ok(()) => {
                err.message = format!(
                    "{} BotDeck did not keep the tenant \"{}\": add it again with the right tenant, cloud and client id.",
                    err.message, profile.name
                );
            }
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot remove the profile of a refused sign-in");
            }
        }
    }
    Err(err)
}

/// Stops the sign-in under way; answers whether one was.
pub fn cancel_sign_in(cx: &Context) -> bool {
    cx.cancel_sign_in()
}

/// Deletes the profile's tokens from the keyring and forgets who was signed in; the profile
/// stays. Answers it, signed out.
pub fn sign_out(cx: &Context, profile: Option<&str>) -> Result<TenantProfile, ApiError> {
    let profile = selected(cx, profile)?;
    cx.authenticator()?.sign_out(&profile.id)?;
    let store = cx.store()?;
    let profiles = TenantProfiles::new(&store);
    profiles.clear_identity(&profile.id)?;
    Ok(profiles.get(&profile.id)?)
}

/// Who is signed in, to which tenant, with which scopes and until when — never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileStatus {
    pub profile: String,
    pub tenant: String,
    pub cloud: String,
    pub signed_in: bool,
    pub account: Option<String>,
    pub tenant_name: Option<String>,
    pub tenant_id: Option<String>,
    pub directory_roles: Vec<String>,
    /// True when the roles could not be read at sign-in.
    pub directory_roles_unknown: bool,
    pub scopes: Vec<String>,
    pub token_expires_at: Option<String>,
}

impl ProfileStatus {
    pub fn of(profile: &TenantProfile, signed_in: bool) -> Self {
        let identity = profile.identity.as_ref();
        Self {
            profile: profile.name.clone(),
            tenant: profile.tenant.clone(),
            cloud: profile.cloud.display_name().to_string(),
            signed_in: signed_in && identity.is_some(),
            account: identity.map(|i| i.account_upn.clone()),
            tenant_name: identity.map(|i| i.tenant_name.clone()),
            tenant_id: identity.map(|i| i.tenant_id.clone()),
            directory_roles: identity
                .map(|i| i.directory_roles.clone())
                .unwrap_or_default(),
            directory_roles_unknown: identity.is_some_and(|i| i.directory_roles_unknown),
            scopes: profile.granted_scopes.clone(),
            token_expires_at: profile.token_expires_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// The profile's status from what is recorded; with `online`, the tenant is asked too: the
/// token is refreshed if due and who is signed in is read again.
pub async fn status(
    cx: &Context,
    profile: Option<&str>,
    online: bool,
) -> Result<ProfileStatus, ApiError> {
    let mut profile = selected(cx, profile)?;
    if online {
        let token = cx.access_token(&profile, Feature::ReadTenant).await?;
        let identity = auth::whoami(&auth::graph_of(cx.http(), &profile), &token).await?;
        let store = cx.store()?;
        let profiles = TenantProfiles::new(&store);
        profiles.record_identity(&profile.id, &identity)?;
        profile = profiles.get(&profile.id)?;
    }
    // The keyring is consulted for presence only; a profile nobody signed in to needs no
    // keyring to say so, but a keyring that fails to answer for one that did is an error.
    let signed_in = match &profile.identity {
        Some(_) => cx.authenticator()?.has_tokens(&profile.id)?,
        None => false,
    };
    Ok(ProfileStatus::of(&profile, signed_in))
}

/// The profile named exactly (an empty name is no profile, not the current one), or the
/// current one when none is named.
fn selected(cx: &Context, profile: Option<&str>) -> Result<TenantProfile, ApiError> {
    match profile {
        Some(name) => Ok(TenantProfiles::new(&*cx.store()?).resolve(name)?),
        None => cx.profile(None),
    }
}

/// Every scope BotDeck may ask for, with the feature that needs it and why.
pub fn scope_catalog() -> Vec<ScopeInfo> {
    auth::scopes::catalog()
}

fn unproven_ids(store: &Store) -> Result<Vec<String>, ApiError> {
    Ok(store
        .setting(UNPROVEN_KEY)?
        // A value this build cannot read marks nothing: the worst case keeps a profile.
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

fn write_unproven(store: &Store, ids: &[String]) -> Result<(), ApiError> {
    let text = serde_json::to_string(ids)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("profile marks: {e}")))?;
    Ok(store.set_setting(UNPROVEN_KEY, &text)?)
}

fn mark_unproven(store: &Store, profile_id: &str) -> Result<(), ApiError> {
    let mut ids = unproven_ids(store)?;
    if !ids.iter().any(|id| id == profile_id) {
        ids.push(profile_id.to_string());
    }
    write_unproven(store, &ids)
}

fn is_unproven(store: &Store, profile_id: &str) -> Result<bool, ApiError> {
    Ok(unproven_ids(store)?.iter().any(|id| id == profile_id))
}

/// Forgets the mark (signed in, or removed); answers whether there was one.
fn settle_unproven(store: &Store, profile_id: &str) -> Result<bool, ApiError> {
    let mut ids = unproven_ids(store)?;
    let before = ids.len();
    ids.retain(|id| id != profile_id);
    if ids.len() == before {
        return Ok(false);
    }
    write_unproven(store, &ids)?;
    Ok(true)
}

/// Whether a profile has never signed in since it was added (the refusal rule above).
pub fn is_unproven_profile(cx: &Context, profile_id: &str) -> Result<bool, ApiError> {
    is_unproven(&*cx.store()?, profile_id)
}
