//! The bot's Graph permissions, for the window's Permissions page and `botdeck perms`: the
//! vendors' permission lists (bot profiles), what the tenant granted (read, cached, cancelled),
//! the comparison, and removing what the bot should not have.
//!
//! Reading signs in for `review_permissions`, fixing for `revoke_permissions`; a token without
//! those scopes is `consent_required`. An app nobody consented to yet is `consent_required` with
//! the tenant's admin consent page as `action_url`. The store's mutex is never held across an
//! `.await`: each operation takes what it needs from SQLite, lets go, talks to Graph, then
//! locks again to save.

use std::path::Path;

use botdeck_core::auth::Feature;
use botdeck_core::ids::EntraAppId;
use botdeck_core::installs::{validate::check_target_id, TargetKind};
use botdeck_core::package::Package;
use botdeck_core::permissions::{
    self as perms, BotProfile, ConsentLink, FixOutcome, FixPlan, FixRequest, GrantedPermissions,
    NameCache, PermissionError, PermsFixRequest, PermsImportRequest, PermsInspectRequest,
    PermsReport, ProfileFormat, RscScope, RscTarget, RscTargetKind, Watch,
};

use crate::context::Context;
use crate::error::{permission_error, ApiError, ErrorCode};
use crate::progress::{Phase, RunProgress};
use crate::tenant::{self, Tenant};

/// The most teams and chats one read covers. Each is one Graph request; a larger tenant is read
/// in parts by naming the teams that matter. The same bound for the window and `--max-targets`.
pub const MAX_RSC_TARGETS: usize = 5_000;

/// Progress of a permissions read, as both front-ends take it.
pub type Progress<'a> = &'a (dyn Fn(&RunProgress) + Send + Sync);

// ---- bot profiles: what each vendor's bot needs --------------------------------------------

/// Built-in and imported bot profiles.
pub fn profiles(cx: &Context) -> Result<Vec<BotProfile>, ApiError> {
    Ok(perms::list_profiles(&*cx.store()?)?)
}

/// One bot profile by id.
pub fn profile(cx: &Context, id: &str) -> Result<BotProfile, ApiError> {
    Ok(perms::find_profile(&*cx.store()?, id.trim())?)
}

/// Validates and stores a bot profile file (`.json` or `.toml`; the same id replaces it).
/// Errors name the file, the line and the field.
pub fn import_profile(cx: &Context, req: &PermsImportRequest) -> Result<BotProfile, ApiError> {
    let format = ProfileFormat::from_file_name(&req.file_name).ok_or_else(|| {
        ApiError::invalid_input(format!(
            "{}: profile files end in .json or .toml",
            req.file_name
        ))
    })?;
    let profile =
        perms::parse_profile(&req.file_name, &req.text, format).map_err(PermissionError::from)?;
    perms::save_custom_profile(&*cx.store()?, &profile)?;
    tracing::info!(id = %profile.id, "bot profile imported");
    Ok(profile)
}

/// A bot profile derived from an app package (zip or folder): its RSC permissions and app id;
/// stored as an imported profile when `import`.
pub fn profile_from_package(
    cx: &Context,
    package: &Path,
    import: bool,
) -> Result<BotProfile, ApiError> {
    let pkg = Package::from_path(package)?;
    let profile = perms::profile_from_manifest(&pkg.manifest)?;
    if import {
        perms::save_custom_profile(&*cx.store()?, &profile)?;
        tracing::info!(id = %profile.id, "bot profile imported from a package");
    }
    Ok(profile)
}

/// The profile as JSON or TOML text.
pub fn export_profile(cx: &Context, id: &str, format: ProfileFormat) -> Result<String, ApiError> {
    Ok(perms::export_profile(&profile(cx, id)?, format)?)
}

/// Removes an imported profile; built-in ones stay. Returns what is left.
pub fn delete_profile(cx: &Context, id: &str) -> Result<Vec<BotProfile>, ApiError> {
    let id = id.trim();
    if perms::builtin_profiles().iter().any(|p| p.id == id) {
        return Err(ApiError::invalid_input(format!(
            "{id} is built in and cannot be deleted"
        )));
    }
    let store = cx.store()?;
    if !perms::delete_custom_profile(&store, id)? {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no imported profile {id:?}"),
        ));
    }
    Ok(perms::list_profiles(&store)?)
}

// ---- reading what the tenant granted -------------------------------------------------------

/// What to read without comparing it with a bot profile (`botdeck perms show`).
#[derive(Debug, Clone, Default)]
pub struct GrantsRequest {
    /// The bot's Entra app id as the admin typed it (`--app-id`); checked here.
    pub app_id: String,
    pub team_ids: Vec<String>,
    pub chat_ids: Vec<String>,
    pub all_teams: bool,
    pub max_targets: Option<usize>,
}

/// What the tenant granted an app, and where an admin consents to it.
#[derive(Debug, Clone)]
pub struct Grants {
    pub granted: GrantedPermissions,
    /// Admin consent to everything the app's registration declares.
    pub consent: ConsentLink,
}

/// The last complete read of the bot's grants, compared with the bot profile: no network and
/// no sign-in, so the page opens at once with the read's age. `None` when it was never read.
pub fn cached(
    cx: &Context,
    profile: Option<&str>,
    req: &PermsInspectRequest,
) -> Result<Option<PermsReport>, ApiError> {
    scope_of(&req.team_ids, &req.chat_ids, req.all_teams, req.max_targets)?;
    let bot = self::profile(cx, &req.perm_profile_id)?;
    let app_id = app_id_of(req.app_id.as_deref(), Some(&bot))?;
    let signed = cx.profile(profile)?;
    let Some(cached) = perms::cached_inspection(&*cx.store()?, &app_id)? else {
        return Ok(None);
    };
    report_of(
        bot,
        cached.granted,
        req.model.as_deref(),
        &tenant::consent_target_of(&signed),
        true,
        cached.all_teams,
    )
    .map(Some)
}

/// Reads the bot's grants from the tenant (with every team's RSC when asked), saves the read as
/// the new cache and compares it with the bot profile. Progress goes per team; [`cancel`] stops
/// it and keeps the previous read. One read at a time per window or command.
pub async fn inspect(
    cx: &Context,
    profile: Option<&str>,
    req: &PermsInspectRequest,
    progress: Progress<'_>,
) -> Result<PermsReport, ApiError> {
    let scope = scope_of(&req.team_ids, &req.chat_ids, req.all_teams, req.max_targets)?;
    let bot = self::profile(cx, &req.perm_profile_id)?;
    let app_id = app_id_of(req.app_id.as_deref(), Some(&bot))?;
    let tenant = Tenant::open(cx, profile, Feature::ReviewPermissions).await?;
    let granted = read_and_cache(&tenant, &app_id, &scope, progress).await?;
    report_of(
        bot,
        granted,
        req.model.as_deref(),
        &tenant.consent_target(),
        false,
        req.all_teams,
    )
}

/// [`inspect`] without a bot profile: what is granted, as it is.
pub async fn grants(
    cx: &Context,
    profile: Option<&str>,
    req: &GrantsRequest,
    progress: Progress<'_>,
) -> Result<Grants, ApiError> {
    let scope = scope_of(&req.team_ids, &req.chat_ids, req.all_teams, req.max_targets)?;
    let app_id = app_id_of(Some(&req.app_id), None)?;
    let tenant = Tenant::open(cx, profile, Feature::ReviewPermissions).await?;
    let granted = read_and_cache(&tenant, &app_id, &scope, progress).await?;
    let consent = perms::default_consent_link(&app_id, &tenant.consent_target());
    Ok(Grants { granted, consent })
}

/// Stops a running permissions read after the requests on the wire; the cached read stays.
/// False when no read is running.
pub fn cancel(cx: &Context) -> bool {
    cx.cancel_perms_read()
}

/// Claims the read slot, reads, and replaces the cached read when the read completes.
async fn read_and_cache(
    tenant: &Tenant<'_>,
    app_id: &EntraAppId,
    scope: &RscScope,
    progress: Progress<'_>,
) -> Result<GrantedPermissions, ApiError> {
    let cx = tenant.context();
    let slot = cx.begin_perms_read()?;
    let report = |done: usize, total: usize| {
        progress(&RunProgress::new(
            Phase::ReadingConsent,
            done as u64,
            total as u64,
        ))
    };
    let watch = Watch {
        progress: Some(&report),
        cancel: Some(slot.cancel.clone()),
    };
    let granted = read(tenant, app_id, scope, &watch).await?;
    perms::save_inspection(&*cx.store()?, &granted, scope.all_teams)?;
    drop(slot);
    Ok(granted)
}

/// Reads what is granted, with the name cache loaded before and saved after the Graph calls.
async fn read(
    tenant: &Tenant<'_>,
    app_id: &EntraAppId,
    scope: &RscScope,
    watch: &Watch<'_>,
) -> Result<GrantedPermissions, ApiError> {
    let cx = tenant.context();
    let mut names = NameCache::load(&*cx.store()?)?;
    let token = tenant.token().await?;
    let granted = perms::inspect_watched(&tenant.graph, &token, app_id, scope, &mut names, watch)
        .await
        .map_err(|e| permission_error(e, Some(&tenant.consent_target())))?;
    if let Err(err) = names.save(&*cx.store()?) {
        // The name cache only saves Graph reads next time; not worth failing the read.
        tracing::warn!(%err, "permission name cache not saved");
    }
    Ok(granted)
}

/// The report for a read of the grants (fresh or cached): the diff, the matrix, both CSVs.
fn report_of(
    profile: BotProfile,
    granted: GrantedPermissions,
    model: Option<&str>,
    consent: &perms::ConsentTarget,
    from_cache: bool,
    all_teams: bool,
) -> Result<PermsReport, ApiError> {
    let diff = perms::diff(&profile, &granted, model, consent)
        .map_err(|e| permission_error(e, Some(consent)))?;
    let matrix = perms::matrix(&diff, &granted);
    Ok(PermsReport {
        diff_csv: perms::diff_to_csv(&diff),
        matrix_csv: perms::matrix_to_csv(&matrix),
        profile,
        diff,
        matrix,
        granted,
        from_cache,
        all_teams,
    })
}

/// Team and chat ids go into Graph paths (and name cached reads): checked, with the bound on
/// how many, before the keyring, Graph or the cache is asked.
fn scope_of(
    team_ids: &[String],
    chat_ids: &[String],
    all_teams: bool,
    max_targets: Option<usize>,
) -> Result<RscScope, ApiError> {
    let max = max_targets.unwrap_or(perms::DEFAULT_MAX_RSC_TARGETS);
    if max == 0 || max > MAX_RSC_TARGETS {
        return Err(ApiError::invalid_input(format!(
            "maxTargets: between 1 and {MAX_RSC_TARGETS} teams and chats are read in one inspection (got {max})"
        )));
    }
    let targets = |field: &str, kind: TargetKind, rsc: RscTargetKind, ids: &[String]| {
        ids.iter()
            .map(|id| {
                let id = id.trim();
                check_target_id(field, kind, id)?;
                Ok(RscTarget {
                    kind: rsc,
                    id: id.to_string(),
                    name: None,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()
    };
    let teams = targets("teamIds", TargetKind::Team, RscTargetKind::Team, team_ids)?;
    let chats = targets("chatIds", TargetKind::Chat, RscTargetKind::Chat, chat_ids)?;
    if teams.len() + chats.len() > max {
        return Err(ApiError::invalid_input(format!(
            "{} teams/chats given; at most {max} are read in one inspection",
            teams.len() + chats.len()
        )));
    }
    Ok(RscScope {
        teams,
        chats,
        all_teams,
        max_targets: Some(max),
    })
}

/// The app id given (`appId`), else the bot profile's; an [`EntraAppId`] either way, checked
/// before the keyring, Graph or the cache is asked.
fn app_id_of(given: Option<&str>, profile: Option<&BotProfile>) -> Result<EntraAppId, ApiError> {
    if let Some(given) = given.map(str::trim).filter(|s| !s.is_empty()) {
        return EntraAppId::parse(given)
            .map_err(|e| ApiError::invalid_input(format!("appId: {e}")));
    }
    let from_profile = profile.and_then(|p| p.app_id.as_deref().map(|a| (p, a)));
    let Some((profile, app_id)) = from_profile else {
        return Err(ApiError::invalid_input(
            "no app id: enter the bot's Entra application id (a GUID)",
        ));
    };
    EntraAppId::parse(app_id).map_err(|e| {
        ApiError::invalid_input(format!(
            "bot profile {}: its appId cannot be used: {e}; enter the bot's Entra application id",
            profile.id
        ))
    })
}

// ---- removing what the bot should not have -------------------------------------------------

/// What a fix would send and what stops working; changes nothing. Needs only a read sign-in,
/// so the admin sees the consequences before being asked for more.
pub async fn plan_fix(
    cx: &Context,
    profile: Option<&str>,
    req: &PermsFixRequest,
) -> Result<FixPlan, ApiError> {
    let (bot, app_id) = check_fix(cx, req)?;
    let tenant = Tenant::open(cx, profile, Feature::ReviewPermissions).await?;
    plan(&tenant, &app_id, bot.as_ref(), req).await
}

/// Re-plans from a fresh read (ids never come from the front-end), refuses with `conflict` when
/// the request differs from the `expected_request` the admin confirmed, applies, and records
/// the audit entry whatever the outcome. A Graph refusal is returned as the error after it is
/// recorded; so is a change that was made but could not be recorded.
pub async fn apply_fix(
    cx: &Context,
    profile: Option<&str>,
    req: &PermsFixRequest,
) -> Result<FixOutcome, ApiError> {
    let (bot, app_id) = check_fix(cx, req)?;
    let tenant = Tenant::open(cx, profile, Feature::RevokePermissions).await?;
    let plan = plan(&tenant, &app_id, bot.as_ref(), req).await?;
    if let Some(expected) = &req.expected_request {
        if expected.trim() != plan.request {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "the grants changed since you confirmed (now: {}); nothing was changed — review it again",
                    plan.request
                ),
            ));
        }
    }
    let token = tenant.token().await?;
    let (outcome, result) = perms::apply_and_audit(&tenant.graph, &token, &plan).await;
    let actor = tenant.actor();
    let recorded = cx.store().and_then(|store| {
        perms::record_fix(
            &store,
            &outcome,
            &actor.upn,
            actor.profile_id.as_deref(),
            actor.tenant_id.as_deref(),
        )
        .map_err(ApiError::from)
    });
    if let Err(err) = &recorded {
        tracing::error!(error = %err.message, "a permission fix could not be written to the audit log");
    }
    result.map_err(|e| permission_error(e, Some(&tenant.consent_target())))?;
    tracing::info!(action = %plan.audit_action, permission = %plan.permission, outcome = ?outcome.outcome, "permission fix applied");
    if let Err(err) = recorded {
        return Err(ApiError::new(
            ErrorCode::Store,
            format!(
                "{} — but it could not be written to the audit log: {}",
                outcome.message, err.message
            ),
        ));
    }
    Ok(outcome)
}

/// A fix names an app and a permission; both, and the bot profile, are checked before the
/// keyring or Graph is asked.
fn check_fix(
    cx: &Context,
    req: &PermsFixRequest,
) -> Result<(Option<BotProfile>, EntraAppId), ApiError> {
    if req.permission.trim().is_empty() || req.permission.chars().any(char::is_control) {
        return Err(ApiError::invalid_input(
            "permission: say which permission to remove, e.g. Group.ReadWrite.All",
        ));
    }
    if let Some(user) = &req.principal {
        if user.trim().is_empty() || user.chars().any(char::is_control) {
            // A blank user would otherwise mean the tenant-wide grant.
            return Err(ApiError::invalid_input(
                "principal: the user whose own consent to trim (UPN or object id); leave it out for the tenant-wide grant",
            ));
        }
    }
    let bot = match &req.perm_profile_id {
        Some(id) => Some(profile(cx, id)?),
        None => None,
    };
    let app_id = app_id_of(Some(&req.app_id), bot.as_ref())?;
    Ok((bot, app_id))
}

async fn plan(
    tenant: &Tenant<'_>,
    app_id: &EntraAppId,
    bot: Option<&BotProfile>,
    req: &PermsFixRequest,
) -> Result<FixPlan, ApiError> {
    let granted = read(tenant, app_id, &RscScope::default(), &Watch::default()).await?;
    let fix = FixRequest {
        permission: req.permission.trim().to_string(),
        kind: req.kind,
        principal: req.principal.as_deref().map(|p| p.trim().to_string()),
    };
    perms::plan_fix(&granted, &fix, bot)
        .map_err(|e| permission_error(e, Some(&tenant.consent_target())))
}
