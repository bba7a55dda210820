//! Links: which teams, channels, chats and users are linked to the bot's integrations; link
//! them (the exact command and where to type it), prove them, keep them healthy, unlink them.
//!
//! Reading and changing BotDeck's own link records needs no network. Checks read the tenant
//! with the read-tenant sign-in; reading the bot's replies asks for the message permissions
//! only then (incremental consent). Health checks, reaching members, fixes and bot removals
//! spend Graph limits and hold the one-job lease, so they never run beside a sync or a bulk
//! run — in this window, another one, or the command line. Values are judged before any
//! sign-in or network work. The store's mutex is never held across an `.await`: core locks
//! `&Mutex<Store>` itself between its awaits.

use botdeck_core::audit::Actor;
use botdeck_core::auth::Feature;
use botdeck_core::catalog;
use botdeck_core::ids::CatalogAppId;
use botdeck_core::installs::RunSummary;
use botdeck_core::links::check::{
    self, LinkContext, LinkEvidenceResult, LinkHealthReport, LinkReachOutcome,
};
use botdeck_core::links::ipc::{
    LinksAddRequest, LinksAddResult, LinksConfirmRequest, LinksDisconnectRequest,
    LinksExportRequest, LinksFixRequest, LinksIdsRequest, LinksImportRequest, LinksOverview,
    LinksOverviewRequest, LinksReachRequest, LinksRemoveResult, LinksVendorRequest,
};
use botdeck_core::links::pick::{self, LinkTargetChoices, LinksTargetsRequest};
use botdeck_core::links::transfer::{self, LinkImportReport};
use botdeck_core::links::{
    self, Integration, Link, LinkDisconnectOutcome, LinkFilter, LinkTargetInput, LinkTargetKind,
    NewIntegration, VendorProfile,
};
use botdeck_core::profiles::TenantProfile;
use botdeck_core::progress::ProgressFn;
use botdeck_core::secrets::Sensitive;
use botdeck_graph::Executor;
use tokio_util::sync::CancellationToken;

use crate::context::{Context, JobKind};
use crate::error::ApiError;
use crate::tenant::{actor_of, Tenant};

/// An import file larger than this is refused before it is parsed.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// A signed-in tenant as core's link work wants it: the token in hand, who acts, the store.
struct Linker<'t, 'cx> {
    tenant: &'t Tenant<'cx>,
    token: Sensitive<String>,
    actor: Actor,
}

impl<'t, 'cx> Linker<'t, 'cx> {
    async fn new(tenant: &'t Tenant<'cx>) -> Result<Self, ApiError> {
        Ok(Self {
            token: tenant.token().await?,
            actor: tenant.actor(),
            tenant,
        })
    }

    fn ctx(&self) -> Result<LinkContext<'_>, ApiError> {
        Ok(LinkContext {
            graph: &self.tenant.graph,
            token: &self.token,
            store: self.tenant.context().store_mutex()?,
            actor: &self.actor,
        })
    }

    fn executor(&self) -> Executor {
        // The tenant's one pacer: the client's, shared by every command on this tenant.
        Executor::for_client(self.tenant.graph.clone())
    }
}

/// The links `ids` name, in that order: an unknown id is `not_found` before any sign-in.
fn links_of(cx: &Context, ids: &[String]) -> Result<Vec<Link>, ApiError> {
    let store = cx.store()?;
    Ok(ids
        .iter()
        .map(|id| links::get(&store, id))
        .collect::<Result<_, _>>()?)
}

fn is_guid(text: &str) -> bool {
    uuid::Uuid::parse_str(text.trim()).is_ok()
}

/// A group or team id is one path segment of a Graph URL: judged before any sign-in.
pub fn check_group_id(group_id: &str) -> Result<(), ApiError> {
    let group_id = group_id.trim();
    if group_id.is_empty() {
        return Err(ApiError::invalid_input("choose the group or team"));
    }
    if group_id.contains(['/', '?', '#', '\\']) || group_id.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid_input(format!(
            "{group_id:?} is not a group or team id"
        )));
    }
    Ok(())
}

/// The bot's catalog id as the window or a flag gave it; refused before any network work.
fn check_bot_id(app_id: &str) -> Result<CatalogAppId, ApiError> {
    if app_id.trim().is_empty() {
        return Err(ApiError::invalid_input("choose the bot"));
    }
    if !is_guid(app_id) {
        return Err(ApiError::invalid_input(format!(
            "{:?} is not a catalog app id: choose the bot (its catalog id)",
            app_id.trim()
        )));
    }
    Ok(CatalogAppId::parse(app_id)?)
}

/// Everything the Links page draws, from the local store (no network).
pub fn overview(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksOverviewRequest,
) -> Result<LinksOverview, ApiError> {
    let profile = cx.profile(profile)?;
    let store = cx.store()?;
    let pid = Some(profile.id.as_str());
    Ok(LinksOverview {
        vendors: links::vendor_profiles(&store)?,
        integrations: links::integrations(&store, pid)?,
        links: links::list(&store, pid, &request.filter)?,
        counts: links::counts(&store, pid)?,
        apps: catalog::cached_apps(&store)?,
    })
}

/// The profile's links that match `filter` (no network).
pub fn list(
    cx: &Context,
    profile: Option<&str>,
    filter: &LinkFilter,
) -> Result<Vec<Link>, ApiError> {
    let profile = cx.profile(profile)?;
    Ok(links::list(&*cx.store()?, Some(&profile.id), filter)?)
}

/// These links as stored (what an unlink would touch), for a preview.
pub fn get(cx: &Context, profile: Option<&str>, ids: &[String]) -> Result<Vec<Link>, ApiError> {
    cx.profile(profile)?;
    links_of(cx, ids)
}

/// The built-in and custom vendor profiles (no network, no profile needed).
pub fn vendors(cx: &Context) -> Result<Vec<VendorProfile>, ApiError> {
    Ok(links::vendor_profiles(&*cx.store()?)?)
}

/// The bot's catalog id from its catalog id, manifest id or display name (org or store app).
pub async fn resolve_bot(
    cx: &Context,
    profile: Option<&str>,
    needle: &str,
) -> Result<CatalogAppId, ApiError> {
    let needle = needle.trim();
    if needle.is_empty() {
        return Err(ApiError::invalid_input(
            "say which bot: its catalog id, manifest id or name",
        ));
    }
    let tenant = Tenant::open(cx, profile, Feature::ReadTenant).await?;
    let token = tenant.token().await?;
    Ok(catalog::find(&tenant.graph, &token, needle).await?.id)
}

/// The wizard: checks each target and stores it as awaiting the command (or planned, with what
/// to fix first), with the exact command and where to type it. `dry_run` stores nothing, not
/// even the integration.
pub async fn add(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksAddRequest,
) -> Result<LinksAddResult, ApiError> {
    request.validate()?;
    let bot = check_bot_id(&request.app_id)?;
    let group = request
        .group_id
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    if let Some(group) = group {
        check_group_id(group)?;
    }
    let profile = cx.profile(profile)?;
    let vendor = links::vendor_profile(&*cx.store()?, &request.vendor)?;
    let feature = if group.is_some() {
        Feature::ReachMembers
    } else {
        Feature::ReadTenant
    };
    let tenant = Tenant::sign_in(cx, profile, feature).await?;
    let linker = Linker::new(&tenant).await?;
    let ctx = linker.ctx()?;
    let integration = if request.dry_run {
        Integration {
            id: String::new(),
            vendor: vendor.id,
            account: request.account.trim().into(),
            external_id: request.external_id.trim().into(),
            name: request.name.trim().into(),
            app_id: Some(bot.clone()),
            created_at: String::new(),
            created_by: String::new(),
        }
    } else {
        links::ensure_integration(
            &*cx.store()?,
            &linker.actor,
            &NewIntegration {
                vendor: &request.vendor,
                account: &request.account,
                external_id: &request.external_id,
                name: &request.name,
                app_id: Some(&bot),
            },
        )?
    };
    let mut targets: Vec<(LinkTargetInput, Option<String>)> =
        request.targets.iter().cloned().map(|t| (t, None)).collect();
    if let Some(group) = group {
        for (id, _, _) in check::members(&tenant.graph, &linker.token, group).await? {
            targets.push((
                LinkTargetInput {
                    kind: Some(LinkTargetKind::User),
                    user_id: Some(id),
                    ..Default::default()
                },
                Some(group.to_string()),
            ));
        }
    }
    let prepared = check::prepare(&ctx, &integration, &targets, request.dry_run).await?;
    Ok(LinksAddResult {
        integration,
        targets: prepared,
    })
}

/// The admin confirms a link themself (a user's personal chat, a chat they are not in).
pub fn confirm(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksConfirmRequest,
) -> Result<Link, ApiError> {
    let profile = cx.profile(profile)?;
    Ok(links::confirm(
        &*cx.store()?,
        &actor_of(&profile),
        &request.id,
        request.note.as_deref(),
    )?)
}

/// Looks for the bot's reply to the command: the first use asks for the message permissions.
pub async fn evidence(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksIdsRequest,
) -> Result<Vec<LinkEvidenceResult>, ApiError> {
    if request.ids.is_empty() {
        return Err(ApiError::invalid_input("choose the links to check"));
    }
    let profile = cx.profile(profile)?;
    links_of(cx, &request.ids)?;
    let tenant = Tenant::sign_in(cx, profile, Feature::CheckLinkEvidence).await?;
    let linker = Linker::new(&tenant).await?;
    Ok(check::evidence(&linker.ctx()?, &request.ids).await?)
}

/// Re-checks every link of the profile (or `ids`): bot removed or outdated, team archived...
/// Holds the one-job lease; [`Context::cancel_job`] stops it after the link being read.
pub async fn health(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksIdsRequest,
    progress: ProgressFn<'_>,
) -> Result<LinkHealthReport, ApiError> {
    let profile = cx.profile(profile)?;
    links_of(cx, &request.ids)?;
    let job = cx.begin_job(JobKind::LinkCheck)?;
    let tenant = Tenant::sign_in(cx, profile, Feature::ReadTenant).await?;
    let linker = Linker::new(&tenant).await?;
    let ids = (!request.ids.is_empty()).then_some(request.ids.as_slice());
    Ok(check::health_reporting(&linker.ctx()?, ids, progress, &job.cancel).await?)
}

/// After an inventory sync of `app_id` completed: re-checks the links that use this bot, so a
/// bot removed or left behind shows up as a broken link without anyone asking. Runs inside the
/// sync's job (its lease and its cancel). A failure here is logged, never the sync's failure;
/// `None` when nothing was checked.
pub async fn health_after_sync(
    tenant: &Tenant<'_>,
    app_id: &str,
    cancel: &CancellationToken,
) -> Option<LinkHealthReport> {
    let run = async {
        let linker = Linker::new(tenant).await?;
        Ok::<_, ApiError>(check::health_after_sync(&linker.ctx()?, app_id, cancel).await?)
    };
    match run.await {
        Ok(Some(report)) => {
            tracing::info!(
                checked = report.checked,
                broken = report.broken.len(),
                recovered = report.recovered.len(),
                "link health after the inventory sync"
            );
            Some(report)
        }
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(code = ?err.code, error = %err.message, "link health after the sync failed");
            None
        }
    }
}

/// Unlinks links (with what to type in Teams so the vendor forgets them too); with
/// `remove_bot`, also removes the bot where no other link needs it, through the bulk engine.
pub async fn remove(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksIdsRequest,
    progress: ProgressFn<'_>,
) -> Result<LinksRemoveResult, ApiError> {
    if request.ids.is_empty() {
        return Err(ApiError::invalid_input(
            "choose at least one link to unlink",
        ));
    }
    let profile = cx.profile(profile)?;
    let before = links_of(cx, &request.ids)?;
    if !request.remove_bot {
        let advice = links::unlink(&*cx.store()?, &actor_of(&profile), &request.ids)?;
        return Ok(LinksRemoveResult {
            advice,
            removal: None,
        });
    }
    // The lease and the sign-in come first: a refused sign-in must not leave the links
    // unlinked with the bot still in place.
    let job = cx.begin_job(JobKind::BulkRun)?;
    let tenant = Tenant::sign_in(cx, profile, Feature::Install).await?;
    let linker = Linker::new(&tenant).await?;
    let advice = links::unlink(&*cx.store()?, &linker.actor, &request.ids)?;
    let removal = check::remove_bot_where_unneeded(
        &linker.ctx()?,
        &linker.executor(),
        &before,
        progress,
        &job.cancel,
    )
    .await?;
    Ok(LinksRemoveResult { advice, removal })
}

/// Unlinks every channel and user link of a team (no network).
pub fn disconnect(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksDisconnectRequest,
) -> Result<LinkDisconnectOutcome, ApiError> {
    if request.team_id.trim().is_empty() {
        return Err(ApiError::invalid_input("say which team to disconnect"));
    }
    let profile = cx.profile(profile)?;
    Ok(links::disconnect_team(
        &*cx.store()?,
        &actor_of(&profile),
        Some(&profile.id),
        &request.team_id,
        request.integration_id.as_deref(),
    )?)
}

/// Installs the bot for every enabled member of a group or team, so each can link.
pub async fn reach(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksReachRequest,
    progress: ProgressFn<'_>,
) -> Result<LinkReachOutcome, ApiError> {
    if request.group_id.trim().is_empty() || request.app_id.trim().is_empty() {
        return Err(ApiError::invalid_input(
            "choose the bot and the group or team",
        ));
    }
    let bot = check_bot_id(&request.app_id)?;
    check_group_id(&request.group_id)?;
    let profile = cx.profile(profile)?;
    let job = cx.begin_job(JobKind::Reach)?;
    let tenant = Tenant::sign_in(cx, profile, Feature::ReachMembers).await?;
    let linker = Linker::new(&tenant).await?;
    Ok(check::reach(
        &linker.ctx()?,
        &linker.executor(),
        &bot,
        request.group_id.trim(),
        progress,
        &job.cancel,
    )
    .await?)
}

/// Installs or upgrades the bot where the wizard's check found it missing or outdated.
pub async fn fix(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksFixRequest,
    progress: ProgressFn<'_>,
) -> Result<Vec<RunSummary>, ApiError> {
    if request.targets.is_empty() {
        return Err(ApiError::invalid_input("nothing to fix"));
    }
    for target in &request.targets {
        target.validated()?;
    }
    let bot = check_bot_id(&request.app_id)?;
    let profile = cx.profile(profile)?;
    let job = cx.begin_job(JobKind::BulkRun)?;
    let tenant = Tenant::sign_in(cx, profile, Feature::Install).await?;
    let linker = Linker::new(&tenant).await?;
    Ok(check::fix_installs(
        &linker.ctx()?,
        &linker.executor(),
        &bot,
        &request.targets,
        progress,
        &job.cancel,
    )
    .await?)
}

/// An export: the file's text and how many links it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub text: String,
    pub links: usize,
}

/// The profile's links (those `filter` keeps) as CSV or JSON (no network).
pub fn export(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksExportRequest,
) -> Result<Exported, ApiError> {
    let profile = cx.profile(profile)?;
    let all = links::list(&*cx.store()?, Some(&profile.id), &request.filter)?;
    Ok(Exported {
        text: transfer::export(&all, request.format)?,
        links: all.len(),
    })
}

/// Imports links from CSV or JSON; bad rows are reported by line and nothing is imported
/// unless every row is good (or `good_only`).
pub fn import(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksImportRequest,
) -> Result<LinkImportReport, ApiError> {
    if request.text.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::invalid_input("the file is larger than 20 MB"));
    }
    let bot = request.app_id.as_deref().map(check_bot_id).transpose()?;
    let profile = cx.profile(profile)?;
    Ok(transfer::import(
        &*cx.store()?,
        &actor_of(&profile),
        bot.as_ref(),
        &request.text,
        request.format,
        request.good_only,
    )?)
}

/// Saves a custom vendor profile from a file (TOML) or the form (fields); `check_only`
/// validates it without saving, so the form can say what is wrong as the admin types.
pub fn save_vendor(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksVendorRequest,
) -> Result<VendorProfile, ApiError> {
    let checked = request.profile()?;
    if request.check_only {
        return Ok(checked);
    }
    let profile = cx.profile(profile)?;
    let actor = actor_of(&profile);
    let store = cx.store()?;
    Ok(match &request.toml {
        Some(text) => links::save_vendor_profile(&store, text, &actor)?,
        None => links::save_vendor_profile_fields(&store, &checked, &actor)?,
    })
}

/// The wizard's picker: teams, chats and users from the bot's inventory cache (no network),
/// a team's channels from Graph with the read-tenant sign-in.
pub async fn targets(
    cx: &Context,
    profile: Option<&str>,
    request: &LinksTargetsRequest,
) -> Result<LinkTargetChoices, ApiError> {
    request.validate()?;
    let profile: TenantProfile = cx.profile(profile)?;
    if request.kind != LinkTargetKind::Channel {
        return Ok(pick::cached_targets(&*cx.store()?, request)?);
    }
    let tenant = Tenant::sign_in(cx, profile, Feature::ReadTenant).await?;
    let token = tenant.token().await?;
    let channels = pick::team_channels_read(&tenant.graph, &token, request).await?;
    Ok(pick::with_sync(&*cx.store()?, request, channels)?)
}
