//! `botdeck links ...`: which teams, channels, chats and users are linked to the bot's
//! integrations; link them (the exact command and where to type it), prove them, keep them
//! healthy, unlink them. With `--json`, results are JSON on stdout and errors are
//! `{code, message, retryable}` on stdout too, so a script reads one stream.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_core::auth::{self, Feature};
use botdeck_core::batch::Executor;
use botdeck_core::catalog::Actor;
use botdeck_core::config::DataPaths;
use botdeck_core::graph::GraphClient;
use botdeck_core::installs::RunProgress;
use botdeck_core::links::check::{self, LinkContext, LinkEvidenceOutcome, LinkPreparedTarget};
use botdeck_core::links::transfer::{self, LinkFileFormat};
use botdeck_core::links::{
    self, Link, LinkFilter, LinkState, LinkTargetInput, LinkTargetKind, NewIntegration,
};
use botdeck_core::pacing::{Pacer, RouteLimits};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::exit;
use crate::session::{self, Session};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, clap::Args)]
struct Common {
    /// Profile name or id (default: the one used last).
    #[arg(long, value_name = "NAME", global = true)]
    profile: Option<String>,
    /// Machine-readable output (errors too: {code, message, retryable}).
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct Filter {
    /// flashduty, pagerduty or a custom vendor id.
    #[arg(long)]
    vendor: Option<String>,
    /// team, channel, chat or user.
    #[arg(long)]
    kind: Option<String>,
    /// planned, awaiting, linked, broken or unlinked.
    #[arg(long)]
    state: Option<String>,
    /// Links in this team (its channels, and users linked through it).
    #[arg(long, value_name = "TEAM_ID")]
    team: Option<String>,
    /// Text in a target's, team's or integration's name or id.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// Include unlinked links.
    #[arg(long)]
    all: bool,
}

impl Filter {
    fn parse(&self) -> Result<LinkFilter, ApiError> {
        let kind = match &self.kind {
            Some(k) => Some(LinkTargetKind::parse(k).ok_or_else(|| {
                usage(format!(
                    "--kind {k:?}: expected team, channel, chat or user"
                ))
            })?),
            None => None,
        };
        let state = match &self.state {
            Some(s) => Some(LinkState::parse(s).ok_or_else(|| {
                usage(format!(
                    "--state {s:?}: expected planned, awaiting, linked, broken or unlinked"
                ))
            })?),
            None => None,
        };
        Ok(LinkFilter {
            vendor: self.vendor.clone(),
            kind,
            state,
            team_id: self.team.clone(),
            text: self.search.clone(),
            include_unlinked: self.all,
            ..Default::default()
        })
    }
}

#[derive(Debug, clap::Args)]
struct Targets {
    /// flashduty, pagerduty or a custom vendor id.
    #[arg(long)]
    vendor: String,
    /// The vendor-side id the command carries (FlashDuty integration id, PagerDuty service URL).
    #[arg(long, value_name = "ID")]
    integration: String,
    /// The integration's name, for people.
    #[arg(long, default_value = "")]
    name: String,
    /// The vendor account (one tenant may connect several).
    #[arg(long, default_value = "")]
    account: String,
    /// The bot: catalog id, manifest id or name (default: the vendor's bot name).
    #[arg(long, value_name = "APP")]
    app: Option<String>,
    /// A team (linked in its General channel). Repeatable.
    #[arg(long, value_name = "TEAM_ID")]
    team: Vec<String>,
    /// A channel, as TEAM_ID/CHANNEL_ID. Repeatable.
    #[arg(long, value_name = "TEAM_ID/CHANNEL_ID")]
    channel: Vec<String>,
    /// A group chat. Repeatable.
    #[arg(long, value_name = "CHAT_ID")]
    chat: Vec<String>,
    /// A user (object id). Repeatable.
    #[arg(long, value_name = "USER_ID")]
    user: Vec<String>,
    /// Every member of this group or team, as users.
    #[arg(long, value_name = "GROUP_ID")]
    group: Option<String>,
    #[command(flatten)]
    common: Common,
}

impl Targets {
    fn inputs(&self) -> Result<Vec<(LinkTargetInput, Option<String>)>, ApiError> {
        let mut out = Vec::new();
        let t = |kind| LinkTargetInput {
            kind: Some(kind),
            ..Default::default()
        };
        for id in &self.team {
            out.push(LinkTargetInput {
                team_id: Some(id.clone()),
                ..t(LinkTargetKind::Team)
            });
        }
        for pair in &self.channel {
            let (team, channel) = pair
                .split_once('/')
                .ok_or_else(|| usage(format!("--channel {pair:?}: expected TEAM_ID/CHANNEL_ID")))?;
            out.push(LinkTargetInput {
                team_id: Some(team.into()),
                channel_id: Some(channel.into()),
                ..t(LinkTargetKind::Channel)
            });
        }
        for id in &self.chat {
            out.push(LinkTargetInput {
                chat_id: Some(id.clone()),
                ..t(LinkTargetKind::Chat)
            });
        }
        for id in &self.user {
            out.push(LinkTargetInput {
                user_id: Some(id.clone()),
                ..t(LinkTargetKind::User)
            });
        }
        if out.is_empty() && self.group.is_none() {
            return Err(usage(
                "choose targets: --team, --channel TEAM/CHANNEL, --chat, --user or --group",
            ));
        }
        for i in &out {
            i.validated().map_err(ApiError::from)?;
        }
        Ok(out.into_iter().map(|i| (i, None)).collect())
    }
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List links from the local store (no network).
    List {
        #[command(flatten)]
        filter: Filter,
        #[command(flatten)]
        common: Common,
    },
    /// Link targets: check each, store it, and print the exact command and where to type it.
    Add {
        #[command(flatten)]
        targets: Targets,
        /// First install or upgrade the bot where the check finds it missing or outdated.
        #[arg(long)]
        fix: bool,
    },
    /// Check targets before linking (nothing is stored).
    Check {
        #[command(flatten)]
        targets: Targets,
    },
    /// Confirm a link yourself (a user's personal chat, a chat you are not in).
    Confirm {
        #[arg(long, value_name = "LINK_ID")]
        link: String,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Look for the bot's reply to the command (asks for ChannelMessage.Read.All and Chat.Read).
    Evidence {
        /// Links to check (default: every awaiting link).
        #[arg(long, value_name = "LINK_ID")]
        link: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Re-check every link (or --link ones): bot removed or outdated, team archived, ...
    Health {
        #[arg(long, value_name = "LINK_ID")]
        link: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Unlink links; optionally remove the bot where no other link needs it.
    Remove {
        #[arg(long, value_name = "LINK_ID", required = true)]
        link: Vec<String>,
        #[arg(long)]
        remove_bot: bool,
        /// Do it (without --yes, says what would be unlinked).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Unlink every channel and user link of a team.
    Disconnect {
        #[arg(long, value_name = "TEAM_ID")]
        team: String,
        #[arg(long, value_name = "INTEGRATION_ID")]
        integration: Option<String>,
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Install the bot for every member of a group or team, so each can link.
    Reach {
        #[arg(long, value_name = "GROUP_ID")]
        group: String,
        /// The bot: catalog id, manifest id or name.
        #[arg(long, value_name = "APP")]
        app: String,
        #[command(flatten)]
        common: Common,
    },
    /// Export links as CSV or JSON.
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        filter: Filter,
        #[command(flatten)]
        common: Common,
    },
    /// Import links from CSV or JSON; bad rows are reported by line and nothing is imported
    /// unless every row is good (or --good-only).
    Import {
        #[arg(long, value_name = "FILE")]
        file: std::path::PathBuf,
        /// csv or json (default: from the file name).
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        good_only: bool,
        /// The bot the integrations belong to (catalog id).
        #[arg(long, value_name = "APP_ID")]
        app: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Vendor profiles: list them, or add a custom one from a TOML file.
    Vendors {
        #[arg(long, value_name = "FILE")]
        add: Option<std::path::PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

fn usage(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn exit_code(err: &ApiError) -> u8 {
    match err.code {
        ErrorCode::InvalidInput | ErrorCode::InvalidRequest | ErrorCode::NotFound => exit::USAGE,
        _ => exit::FINDINGS,
    }
}

fn json_of(command: &Command) -> bool {
    match command {
        Command::List { common, .. }
        | Command::Confirm { common, .. }
        | Command::Evidence { common, .. }
        | Command::Health { common, .. }
        | Command::Remove { common, .. }
        | Command::Disconnect { common, .. }
        | Command::Reach { common, .. }
        | Command::Export { common, .. }
        | Command::Import { common, .. }
        | Command::Vendors { common, .. } => common.json,
        Command::Add { targets, .. } | Command::Check { targets } => targets.common.json,
    }
}

pub fn run(paths: &DataPaths, args: Args) -> ExitCode {
    let json = json_of(&args.command);
    let result = session::runtime()
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.message))
        .and_then(|rt| rt.block_on(dispatch(paths, args)));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if json {
                match serde_json::to_string_pretty(&serde_json::json!({
                    "code": err.code, "message": err.message, "retryable": err.retryable
                })) {
                    Ok(text) => println!("{text}"),
                    Err(_) => eprintln!("botdeck: {}", err.message),
                }
            } else {
                eprintln!("botdeck: {}", err.message);
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

fn print<T: serde::Serialize>(v: &T) -> Result<(), ApiError> {
    session::print_json(v).map_err(|e| ApiError::new(ErrorCode::Internal, e.message))
}

fn offline(paths: &DataPaths, common: &Common) -> Result<(Store, Actor), ApiError> {
    let store =
        session::open_store(paths).map_err(|e| ApiError::new(ErrorCode::Store, e.message))?;
    let profile = session::resolve_profile(&store, common.profile.as_deref())
        .map_err(|e| usage(e.message))?;
    let actor = Actor {
        profile_id: Some(profile.id.clone()),
        tenant_id: profile.identity.as_ref().map(|i| i.tenant_id.clone()),
        upn: profile
            .identity
            .as_ref()
            .map(|i| i.account_upn.clone())
            .unwrap_or_else(|| "unknown".into()),
    };
    Ok((store, actor))
}

struct Online {
    store: Mutex<Store>,
    graph: GraphClient,
    token: Sensitive<String>,
    actor: Actor,
}

impl Online {
    fn ctx(&self) -> LinkContext<'_> {
        LinkContext {
            graph: &self.graph,
            token: &self.token,
            store: &self.store,
            actor: &self.actor,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn executor(&self) -> Executor {
        Executor::new(
            self.graph.clone(),
            Arc::new(Pacer::new()),
            RouteLimits::microsoft(),
        )
    }
}

/// Signs in for `feature`: the token carries exactly what this command needs (incremental
/// consent: message scopes only for `evidence`).
async fn online(paths: &DataPaths, common: &Common, feature: Feature) -> Result<Online, ApiError> {
    let session = Session::open(paths, common.profile.as_deref()).map_err(|e| usage(e.message))?;
    let (token, refreshed) = session
        .auth
        .access_token(&session.profile, feature)
        .await
        .map_err(ApiError::from)?;
    if let Some(tokens) = refreshed {
        auth::record_refresh(&session.store, &session.profile.id, &tokens)
            .map_err(ApiError::from)?;
    }
    let actor = Actor {
        profile_id: Some(session.profile.id.clone()),
        tenant_id: session.tenant_id(),
        upn: session.actor(),
    };
    Ok(Online {
        store: Mutex::new(session.store),
        graph: session.graph,
        token,
        actor,
    })
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The bot's catalog id from a catalog id, manifest id or display name (org or store app).
async fn resolve_app(o: &Online, needle: &str) -> Result<String, ApiError> {
    let needle = needle.trim();
    if is_guid(needle) {
        return botdeck_core::catalog::find(&o.graph, &o.token, needle)
            .await
            .map(|a| a.id)
            .map_err(|e| ApiError::new(ErrorCode::NotFound, e.to_string()));
    }
    let apps = o
        .graph
        .get_all(&o.token, "/appCatalogs/teamsApps")
        .await
        .map_err(ApiError::from)?;
    let hits: Vec<&Value> = apps
        .iter()
        .filter(|a| {
            a.get("displayName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(needle))
        })
        .collect();
    match hits.as_slice() {
        [one] => one
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ApiError::new(ErrorCode::Graph, "a catalog app without id")),
        [] => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no app named {needle:?} in the catalog: pass --app with its catalog id"),
        )),
        _ => Err(usage(format!(
            "{} apps are named {needle:?}: pass --app with the catalog id",
            hits.len()
        ))),
    }
}

fn progress(json: bool) -> impl Fn(&RunProgress) + Send + Sync {
    move |p: &RunProgress| {
        if json {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{:<28} {:>6}/{:<6} failed {:<5}",
            p.phase, p.done, p.total, p.failed
        );
        let _ = err.flush();
    }
}

fn print_link(l: &Link) {
    let evidence = l
        .evidence
        .as_ref()
        .map(|e| format!(" [{} {}]", e.kind.as_str(), e.at))
        .unwrap_or_default();
    let problem = l
        .problem_detail
        .as_deref()
        .map(|p| format!(" — {p}"))
        .unwrap_or_default();
    println!(
        "{:<9} {:<8} {:<32} {:<10} {}{}{}  ({})",
        l.state.as_str(),
        l.kind.as_str(),
        l.target_name,
        l.integration.vendor,
        l.integration.external_id,
        evidence,
        problem,
        l.id
    );
}

fn print_prepared(targets: &[LinkPreparedTarget]) {
    for t in targets {
        println!("{} {}", t.kind.as_str(), t.target_name);
        if let Some(e) = &t.error {
            println!("  could not be checked: {e}");
            continue;
        }
        for f in &t.findings {
            println!("  ✗ {} — {}", f.message, f.fix_hint);
        }
        if t.findings.is_empty() {
            if let Some(c) = &t.command {
                println!("  type in {}:", t.where_to_type);
                println!("    {c}");
            }
            if let Some(d) = &t.deep_link {
                println!("  open: {d}");
            }
        }
        if let Some(l) = &t.link {
            println!("  link {} is {}", l.id, l.state.as_str());
        }
    }
}

async fn prepare(
    paths: &DataPaths,
    targets: Targets,
    dry_run: bool,
    fix: bool,
) -> Result<u8, ApiError> {
    let inputs = targets.inputs()?;
    let json = targets.common.json;
    let feature = if targets.group.is_some() {
        Feature::ReachMembers
    } else if fix {
        Feature::Install
    } else {
        Feature::ReadTenant
    };
    let o = online(paths, &targets.common, feature).await?;
    let profile = links::vendor_profile(&o.store(), &targets.vendor)?;
    let app_id = resolve_app(&o, targets.app.as_deref().unwrap_or(&profile.bot_name)).await?;
    let mut inputs = inputs;
    if let Some(group) = &targets.group {
        for (id, _, _) in check::members(&o.graph, &o.token, group).await? {
            inputs.push((
                LinkTargetInput {
                    kind: Some(LinkTargetKind::User),
                    user_id: Some(id),
                    ..Default::default()
                },
                Some(group.trim().to_string()),
            ));
        }
    }
    let integration = if dry_run {
        // A dry run stores nothing, not even the integration.
        links::Integration {
            id: String::new(),
            vendor: profile.id.clone(),
            account: targets.account.clone(),
            external_id: targets.integration.trim().to_string(),
            name: targets.name.clone(),
            app_id: Some(app_id.clone()),
            created_at: String::new(),
            created_by: String::new(),
        }
    } else {
        links::ensure_integration(
            &o.store(),
            &o.actor,
            &NewIntegration {
                vendor: &profile.id,
                account: &targets.account,
                external_id: &targets.integration,
                name: &targets.name,
                app_id: Some(&app_id),
            },
        )?
    };
    if fix {
        let just: Vec<LinkTargetInput> = inputs.iter().map(|(i, _)| i.clone()).collect();
        let printer = progress(json);
        let runs = check::fix_installs(
            &o.ctx(),
            &o.executor(),
            &app_id,
            &just,
            &printer,
            &CancellationToken::new(),
        )
        .await?;
        if !json {
            for r in &runs {
                eprintln!(
                    "\n{} {}: {} done, {} failed",
                    r.action.as_str(),
                    r.app_name,
                    r.succeeded + r.already_done,
                    r.failed
                );
            }
        }
    }
    let prepared = check::prepare(&o.ctx(), &integration, &inputs, dry_run).await?;
    if json {
        print(&serde_json::json!({"integration": integration, "targets": prepared}))?;
    } else {
        print_prepared(&prepared);
    }
    Ok(
        if prepared
            .iter()
            .any(|t| !t.findings.is_empty() || t.error.is_some())
        {
            exit::FINDINGS
        } else {
            exit::OK
        },
    )
}

async fn dispatch(paths: &DataPaths, args: Args) -> Result<u8, ApiError> {
    match args.command {
        Command::List { filter, common } => {
            let f = filter.parse()?;
            let (store, actor) = offline(paths, &common)?;
            let all = links::list(&store, actor.profile_id.as_deref(), &f)?;
            if common.json {
                print(&all)?;
            } else {
                let c = links::counts(&store, actor.profile_id.as_deref())?;
                println!(
                    "{} linked, {} awaiting, {} broken, {} planned, {} unlinked",
                    c.linked, c.awaiting, c.broken, c.planned, c.unlinked
                );
                all.iter().for_each(print_link);
            }
            Ok(exit::OK)
        }
        Command::Add { targets, fix } => prepare(paths, targets, false, fix).await,
        Command::Check { targets } => prepare(paths, targets, true, false).await,
        Command::Confirm { link, note, common } => {
            let (store, actor) = offline(paths, &common)?;
            let l = links::confirm(&store, &actor, &link, note.as_deref())?;
            if common.json {
                print(&l)?;
            } else {
                print_link(&l);
            }
            Ok(exit::OK)
        }
        Command::Evidence { link, common } => {
            let o = online(paths, &common, Feature::CheckLinkEvidence).await?;
            let ids = if link.is_empty() {
                links::list(
                    &o.store(),
                    o.actor.profile_id.as_deref(),
                    &LinkFilter {
                        state: Some(LinkState::Awaiting),
                        ..Default::default()
                    },
                )?
                .into_iter()
                .map(|l| l.id)
                .collect()
            } else {
                link
            };
            if ids.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    "no link awaits the bot's reply",
                ));
            }
            let results = check::evidence(&o.ctx(), &ids).await?;
            if common.json {
                print(&results)?;
            } else {
                for r in &results {
                    println!(
                        "{:<11} {:<32} {}",
                        format!("{:?}", r.outcome).to_lowercase(),
                        r.link.target_name,
                        r.message
                    );
                }
            }
            Ok(
                if results
                    .iter()
                    .all(|r| r.outcome == LinkEvidenceOutcome::Linked)
                {
                    exit::OK
                } else {
                    exit::FINDINGS
                },
            )
        }
        Command::Health { link, common } => {
            let o = online(paths, &common, Feature::ReadTenant).await?;
            let ids = (!link.is_empty()).then_some(link);
            let report = check::health(&o.ctx(), ids.as_deref(), &CancellationToken::new()).await?;
            if common.json {
                print(&report)?;
            } else {
                println!(
                    "{} checked, {} broken, {} recovered, {} could not be checked",
                    report.checked,
                    report.broken.len(),
                    report.recovered.len(),
                    report.errors.len()
                );
                for l in &report.broken {
                    print_link(l);
                    if let Some(fix) = l.problem.map(|p| check::finding(p, "").fix_hint) {
                        println!("          fix: {fix}");
                    }
                }
                for e in &report.errors {
                    println!("error     {} — {}", e.target_name, e.message);
                }
            }
            Ok(if report.broken.is_empty() && report.errors.is_empty() {
                exit::OK
            } else {
                exit::FINDINGS
            })
        }
        Command::Remove {
            link,
            remove_bot,
            yes,
            common,
        } => {
            if !yes {
                let (store, _) = offline(paths, &common)?;
                for id in &link {
                    let l = links::get(&store, id)?;
                    eprintln!(
                        "would unlink: {} {} ({})",
                        l.kind.as_str(),
                        l.target_name,
                        l.integration.name
                    );
                }
                return Err(usage("nothing changed: add --yes to unlink"));
            }
            let feature = if remove_bot {
                Feature::Install
            } else {
                Feature::ReadTenant
            };
            let (advice, removal) = if remove_bot {
                let o = online(paths, &common, feature).await?;
                let before: Vec<Link> = link
                    .iter()
                    .map(|id| links::get(&o.store(), id))
                    .collect::<Result<_, _>>()?;
                let advice = links::unlink(&o.store(), &o.actor, &link)?;
                let printer = progress(common.json);
                let run = check::remove_bot_where_unneeded(
                    &o.ctx(),
                    &o.executor(),
                    &before,
                    &printer,
                    &CancellationToken::new(),
                )
                .await?;
                (advice, run)
            } else {
                let (store, actor) = offline(paths, &common)?;
                (links::unlink(&store, &actor, &link)?, None)
            };
            if common.json {
                print(&serde_json::json!({"advice": advice, "removal": removal}))?;
            } else {
                for a in &advice {
                    println!("unlinked {}", a.target_name);
                    match (&a.vendor_command, &a.note) {
                        (Some(c), _) => println!("  also type in Teams: {c}"),
                        (None, Some(n)) => println!("  {n}"),
                        _ => {}
                    }
                }
                if let Some(r) = &removal {
                    println!(
                        "bot removed from {} target(s), {} failed",
                        r.succeeded + r.already_done,
                        r.failed
                    );
                }
            }
            Ok(exit::OK)
        }
        Command::Disconnect {
            team,
            integration,
            yes,
            common,
        } => {
            let (store, actor) = offline(paths, &common)?;
            if !yes {
                let would = links::list(
                    &store,
                    actor.profile_id.as_deref(),
                    &LinkFilter {
                        team_id: Some(team.clone()),
                        integration_id: integration.clone(),
                        ..Default::default()
                    },
                )?;
                for l in &would {
                    eprintln!("would unlink: {} {}", l.kind.as_str(), l.target_name);
                }
                return Err(usage("nothing changed: add --yes to disconnect the team"));
            }
            let out = links::disconnect_team(
                &store,
                &actor,
                actor.profile_id.as_deref(),
                &team,
                integration.as_deref(),
            )?;
            if common.json {
                print(&out)?;
            } else {
                println!("disconnected: {} link(s) unlinked", out.unlinked.len());
                match (&out.vendor_command, &out.note) {
                    (Some(c), _) => println!("  also type in a channel of the team: {c}"),
                    (None, Some(n)) => println!("  {n}"),
                    _ => {}
                }
            }
            Ok(exit::OK)
        }
        Command::Reach { group, app, common } => {
            let o = online(paths, &common, Feature::ReachMembers).await?;
            let app_id = resolve_app(&o, &app).await?;
            let printer = progress(common.json);
            let out = check::reach(
                &o.ctx(),
                &o.executor(),
                &app_id,
                &group,
                &printer,
                &CancellationToken::new(),
            )
            .await?;
            if common.json {
                print(&out)?;
            } else {
                eprintln!();
                println!(
                    "{} member(s): {} already had the bot, {} disabled left alone",
                    out.members,
                    out.already,
                    out.disabled.len()
                );
                if let Some(r) = &out.run {
                    println!(
                        "installed for {}, {} failed (run {})",
                        r.succeeded + r.already_done,
                        r.failed,
                        r.run_id
                    );
                }
            }
            Ok(if out.run.as_ref().is_some_and(|r| r.failed > 0) {
                exit::FINDINGS
            } else {
                exit::OK
            })
        }
        Command::Export {
            format,
            out,
            filter,
            common,
        } => {
            let format = LinkFileFormat::parse(&format)
                .ok_or_else(|| usage(format!("--format {format:?}: expected csv or json")))?;
            let f = filter.parse()?;
            let (store, actor) = offline(paths, &common)?;
            let all = links::list(&store, actor.profile_id.as_deref(), &f)?;
            let text = transfer::export(&all, format)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| {
                        ApiError::new(
                            ErrorCode::DataDir,
                            format!("cannot write {}: {e}", path.display()),
                        )
                    })?;
                    if common.json {
                        print(&serde_json::json!({"exported": all.len(), "file": path}))?;
                    } else {
                        println!("{} link(s) written to {}", all.len(), path.display());
                    }
                }
                None => print!("{text}"),
            }
            Ok(exit::OK)
        }
        Command::Import {
            file,
            format,
            good_only,
            app,
            common,
        } => {
            let format = match format {
                Some(f) => LinkFileFormat::parse(&f)
                    .ok_or_else(|| usage(format!("--format {f:?}: expected csv or json")))?,
                None => LinkFileFormat::of_path(&file.to_string_lossy()).ok_or_else(|| {
                    usage("say --format csv or json (the file name does not tell)")
                })?,
            };
            let text = std::fs::read_to_string(&file)
                .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let (store, actor) = offline(paths, &common)?;
            let report =
                transfer::import(&store, &actor, app.as_deref(), &text, format, good_only)?;
            if common.json {
                print(&report)?;
            } else {
                for p in &report.problems {
                    println!("line {}: {}", p.line, p.message);
                }
                if report.refused {
                    println!("nothing imported: {} of {} row(s) are bad (fix them, or import the good ones with --good-only)", report.problems.len(), report.rows);
                } else {
                    println!("{} link(s) imported", report.imported);
                }
            }
            Ok(if report.problems.is_empty() {
                exit::OK
            } else {
                exit::FINDINGS
            })
        }
        Command::Vendors { add, common } => {
            let (store, actor) = offline(paths, &common)?;
            if let Some(path) = add {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
                links::save_vendor_profile(&store, &text, &actor)?;
            }
            let all = links::vendor_profiles(&store)?;
            if common.json {
                print(&all)?;
            } else {
                for p in &all {
                    let kinds: Vec<&str> = p.targets.iter().map(|k| k.as_str()).collect();
                    println!(
                        "{:<12} {:<14} links {}{}",
                        p.id,
                        p.name,
                        kinds.join(", "),
                        if p.built_in { "" } else { " (custom)" }
                    );
                }
            }
            Ok(exit::OK)
        }
    }
}
