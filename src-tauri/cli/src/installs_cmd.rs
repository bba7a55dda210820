//! `botdeck installs ...`: where the bot is installed; sync, and install / upgrade / uninstall
//! in bulk with a journal (resume, retry failed).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

use botdeck_core::auth::Feature;
use botdeck_core::batch::Executor;
use botdeck_core::catalog::{self, Actor, CatalogApp};
use botdeck_core::config::DataPaths;
use botdeck_core::graph::GraphClient;
use botdeck_core::installs::validate;
use botdeck_core::installs::{
    self, BulkAction, InstallState, InstallsError, InventoryQuery, ItemState, RunProgress,
    Selection, SyncContext, SyncOptions, TargetKind, TargetRef,
};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use tokio_util::sync::CancellationToken;

use crate::exit;
use crate::session::{self, CliError, Session};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// Profile name or id (default: the one used last).
    #[arg(long, value_name = "NAME", global = true)]
    profile: Option<String>,
    /// The bot: manifest id, catalog id or name (default: the app synced last).
    #[arg(long, value_name = "APP", global = true)]
    app: Option<String>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct Filter {
    /// team, chat or user.
    #[arg(long)]
    kind: Option<String>,
    /// installed, not-installed, failed or unknown.
    #[arg(long)]
    state: Option<String>,
    /// Installed at a version below this one.
    #[arg(long, value_name = "VERSION")]
    older_than: Option<String>,
    /// Installed at exactly this version.
    #[arg(long, value_name = "VERSION")]
    at_version: Option<String>,
    /// Text in the name, UPN / description, or id.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

impl Filter {
    fn query(&self) -> Result<InventoryQuery, CliError> {
        let kind = match &self.kind {
            Some(k) => Some(TargetKind::parse(k).ok_or_else(|| {
                CliError::usage(format!("--kind {k:?}: expected team, chat or user"))
            })?),
            None => None,
        };
        let state = match &self.state {
            Some(s) => match InstallState::parse(s) {
                InstallState::Unknown if !s.eq_ignore_ascii_case("unknown") => {
                    return Err(CliError::usage(format!(
                        "--state {s:?}: expected installed, not-installed, failed or unknown"
                    )))
                }
                state => Some(state),
            },
            None => None,
        };
        for (flag, value) in [
            ("--older-than", &self.older_than),
            ("--at-version", &self.at_version),
        ] {
            if let Some(v) = value {
                validate::check_version(flag, v).map_err(|e| CliError::usage(e.to_string()))?;
            }
        }
        if let Some(text) = &self.search {
            if text.trim().is_empty() {
                return Err(CliError::usage("--search: give some text to look for"));
            }
        }
        let query = InventoryQuery {
            kind,
            state,
            older_than: self.older_than.clone(),
            version: self.at_version.clone(),
            text: self.search.clone(),
            ..Default::default()
        };
        query.check().map_err(installs_error)?;
        Ok(query)
    }

    fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.state.is_none()
            && self.older_than.is_none()
            && self.at_version.is_none()
            && self.search.is_none()
    }
}

#[derive(Debug, clap::Args)]
struct Bulk {
    #[command(flatten)]
    filter: Filter,
    /// Explicit targets (comma-separated ids; their kind is --kind, default team).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    ids: Vec<String>,
    /// Show what would happen and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Run without asking (the plan is shown and confirmed first otherwise; required when
    /// there is no terminal to ask on).
    #[arg(long, short = 'y', conflicts_with = "dry_run")]
    yes: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Read where the bot is installed (teams, group chats, users) into the local cache.
    Sync {
        /// Which kinds of targets (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "team,chat,user")]
        kinds: Vec<String>,
        /// Skip each team's channel facts (General channel, private / shared channels).
        #[arg(long)]
        no_channels: bool,
        /// Start over instead of resuming an unfinished sync.
        #[arg(long)]
        fresh: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List the cache (no network): filter, search, page.
    List {
        #[command(flatten)]
        filter: Filter,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// Rows per page, 1 to 10 000.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        #[command(flatten)]
        common: Common,
    },
    /// Coverage per kind and version spread, from the cache.
    Summary {
        #[command(flatten)]
        common: Common,
    },
    /// Install the bot into the selected targets (RSC consent from the published definition).
    Install(Bulk),
    /// Upgrade installations to the published version.
    Upgrade(Bulk),
    /// Remove the bot from the selected targets.
    Uninstall(Bulk),
    /// Continue a run that was interrupted (nothing is done twice).
    Resume {
        #[arg(long, value_name = "RUN")]
        run: String,
        #[command(flatten)]
        common: Common,
    },
    /// Try a run's failed items again.
    Retry {
        #[arg(long, value_name = "RUN")]
        run: String,
        #[command(flatten)]
        common: Common,
    },
    /// Recent bulk runs.
    Runs {
        #[command(flatten)]
        common: Common,
    },
    /// A run's items and results.
    Show {
        #[arg(long, value_name = "RUN")]
        run: String,
        /// Only failed items.
        #[arg(long)]
        failed: bool,
        #[command(flatten)]
        common: Common,
    },
}

pub fn run(paths: &DataPaths, args: Args) -> ExitCode {
    let runtime = match session::runtime() {
        Ok(rt) => rt,
        Err(e) => return e.report(),
    };
    match runtime.block_on(dispatch(paths, args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => e.report(),
    }
}

fn failed(err: impl std::fmt::Display) -> CliError {
    CliError::failed(err.to_string())
}

fn installs_error(err: InstallsError) -> CliError {
    let exit = match err {
        InstallsError::Invalid(_) | InstallsError::UnknownRun(_) => exit::USAGE,
        _ => exit::FINDINGS,
    };
    CliError::api_with_exit(err.into(), exit)
}

/// A signed-in session split into what the async core needs.
struct Online {
    store: Mutex<Store>,
    graph: GraphClient,
    token: Sensitive<String>,
    actor: Actor,
}

async fn online(paths: &DataPaths, common: &Common, feature: Feature) -> Result<Online, CliError> {
    let session = Session::open(paths, common.profile.as_deref())?;
    // One token for the run: Microsoft's limits let 10 000 teams finish well within its hour.
    let token = session.token(feature).await?;
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

async fn resolve_app(o: &Online, app: Option<&str>) -> Result<CatalogApp, CliError> {
    let needle = match app {
        Some(a) => a.to_string(),
        None => installs::last_sync(&lock(&o.store), None)
            .map_err(installs_error)?
            .map(|s| s.app_id)
            .ok_or_else(|| {
                CliError::usage("which bot? pass --app (manifest id, catalog id or name)")
            })?,
    };
    let app = catalog::find(&o.graph, &o.token, &needle)
        .await
        .map_err(failed)?;
    // Kept for the offline commands (`installs list --app PagerDuty`) and the catalog list.
    catalog::cache_apps(&lock(&o.store), std::slice::from_ref(&app)).map_err(failed)?;
    Ok(app)
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Offline commands read the cache only, but a `--profile` they were given must still exist:
/// silently ignoring a misspelt name would show another tenant's data.
fn offline_store(paths: &DataPaths, common: &Common) -> Result<Store, CliError> {
    let store = session::open_store(paths)?;
    if let Some(name) = &common.profile {
        session::resolve_profile(&store, Some(name))?;
    }
    Ok(store)
}

/// The app id for offline commands: --app matched against the cache, else the last sync's.
fn offline_app(store: &Store, app: Option<&str>) -> Result<String, CliError> {
    if let Some(needle) = app {
        let cached = catalog::cached_apps(store).map_err(failed)?;
        if let Some(a) = cached.iter().find(|a| {
            a.id == needle
                || a.external_id
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(needle))
                || a.display_name.eq_ignore_ascii_case(needle)
        }) {
            return Ok(a.id.clone());
        }
        // An app synced before its catalog entry was cached is still known by its id.
        if installs::last_sync(store, Some(needle))
            .map_err(installs_error)?
            .is_some()
        {
            return Ok(needle.to_string());
        }
        return Err(CliError::usage(format!(
            "--app {needle:?}: no such bot in the local cache; `botdeck catalog list` shows the \
             catalog, and `botdeck installs sync --app <bot>` reads one into the cache"
        )));
    }
    installs::last_sync(store, None)
        .map_err(installs_error)?
        .map(|s| s.app_id)
        .ok_or_else(|| {
            CliError::usage("nothing synced yet: run `botdeck installs sync --app <bot>` first")
        })
}

fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nbotdeck: stopping after the requests on the wire (Ctrl-C again to kill)…");
            c.cancel();
            let _ = tokio::signal::ctrl_c().await;
            std::process::exit(130);
        }
    });
    cancel
}

fn progress_printer(json: bool) -> impl Fn(&RunProgress) + Send + Sync {
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

fn executor(graph: &GraphClient) -> Executor {
    Executor::for_client(graph.clone())
}

async fn dispatch(paths: &DataPaths, args: Args) -> Result<u8, CliError> {
    match args.command {
        Command::Sync {
            kinds,
            no_channels,
            fresh,
            common,
        } => {
            let mut parsed = Vec::new();
            for k in &kinds {
                let kind = TargetKind::parse(k).ok_or_else(|| {
                    CliError::usage(format!("--kinds: {k:?} is not team, chat or user"))
                })?;
                if !parsed.contains(&kind) {
                    parsed.push(kind);
                }
            }
            // Reading where the bot is installed needs read permissions only, as in the window.
            let o = online(paths, &common, Feature::ReadTenant).await?;
            let app = resolve_app(&o, common.app.as_deref()).await?;
            let executor = executor(&o.graph);
            let ctx = SyncContext {
                graph: &o.graph,
                tokens: &o.token,
                store: &o.store,
                executor: &executor,
            };
            let cancel = cancel_on_ctrl_c();
            let printer = progress_printer(common.json);
            let report = installs::sync(
                &ctx,
                &app,
                &SyncOptions {
                    kinds: parsed,
                    channels: !no_channels,
                    fresh,
                },
                &printer,
                &cancel,
            )
            .await
            .map_err(installs_error)?;
            if common.json {
                session::print_json(&report)?;
            } else {
                eprintln!();
                println!(
                    "Sync {} for {}{}: {} targets, {} read now, {} failed, {} removed; {} round trips, {} throttled",
                    report.status,
                    app.display_name,
                    if report.resumed { " (resumed)" } else { "" },
                    report.targets,
                    report.read,
                    report.failed,
                    report.removed,
                    report.round_trips,
                    report.throttled
                );
                for w in &report.warnings {
                    println!("warning: {w}");
                }
                print_summary(&lock(&o.store), &app.id)?;
            }
            Ok(
                if report.status != "completed" || report.failed > 0 || !report.warnings.is_empty()
                {
                    exit::FINDINGS
                } else {
                    exit::OK
                },
            )
        }
        Command::List {
            filter,
            offset,
            limit,
            common,
        } => {
            let q = filter.query()?;
            let store = offline_store(paths, &common)?;
            let app_id = offline_app(&store, common.app.as_deref())?;
            let q = InventoryQuery { offset, limit, ..q };
            let page = installs::query(&store, &app_id, &q).map_err(installs_error)?;
            if common.json {
                session::print_json(&page)?;
                return Ok(exit::OK);
            }
            if let Some(s) = &page.sync {
                println!(
                    "{} — cache from {} ({}s old, sync {})",
                    s.app_name.as_deref().unwrap_or(&s.app_id),
                    s.finished_at.as_deref().unwrap_or(&s.started_at),
                    s.age_secs,
                    s.status
                );
            }
            for r in &page.rows {
                let state = match r.state {
                    InstallState::Installed => {
                        format!("installed {}", r.version.as_deref().unwrap_or("?"))
                    }
                    InstallState::Failed => format!(
                        "FAILED {} {}",
                        r.error_status.map(|s| s.to_string()).unwrap_or_default(),
                        r.error_message.as_deref().unwrap_or("")
                    ),
                    other => other.as_str().replace('_', " "),
                };
                let mut facts = Vec::new();
                if r.archived {
                    facts.push("archived".to_string());
                }
                if let Some(p) = r.private_channels.filter(|p| *p > 0) {
                    facts.push(format!("{p} private ch."));
                }
                if let Some(s) = r.shared_channels.filter(|s| *s > 0) {
                    facts.push(format!("{s} shared ch."));
                }
                if let Some(why) = &r.channels_error {
                    facts.push(format!("channels not read: {why}"));
                }
                println!(
                    "{:<5} {:<36} {:<40} {} {}",
                    r.kind.as_str(),
                    r.id,
                    r.display_name,
                    state,
                    if facts.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", facts.join(", "))
                    }
                );
            }
            println!(
                "{}–{} of {}",
                if page.rows.is_empty() {
                    0
                } else {
                    page.offset + 1
                },
                page.offset as usize + page.rows.len(),
                page.total
            );
            Ok(exit::OK)
        }
        Command::Summary { common } => {
            let store = offline_store(paths, &common)?;
            let app_id = offline_app(&store, common.app.as_deref())?;
            if common.json {
                let coverage = installs::coverage(&store, &app_id).map_err(installs_error)?;
                let spread = installs::version_spread(&store, &app_id).map_err(installs_error)?;
                let sync = installs::last_sync(&store, Some(&app_id)).map_err(installs_error)?;
                session::print_json(
                    &serde_json::json!({"coverage": coverage, "versions": spread, "sync": sync}),
                )?;
            } else {
                print_summary(&store, &app_id)?;
            }
            Ok(exit::OK)
        }
        Command::Install(bulk) => run_bulk(paths, BulkAction::Install, bulk).await,
        Command::Upgrade(bulk) => run_bulk(paths, BulkAction::Upgrade, bulk).await,
        Command::Uninstall(bulk) => run_bulk(paths, BulkAction::Uninstall, bulk).await,
        Command::Resume { run, common } => execute(paths, &common, &run, false).await,
        Command::Retry { run, common } => execute(paths, &common, &run, true).await,
        Command::Runs { common } => {
            let store = offline_store(paths, &common)?;
            let runs = installs::list_runs(&store, 20).map_err(installs_error)?;
            if common.json {
                session::print_json(&runs)?;
            } else {
                for r in &runs {
                    print_run(r);
                }
            }
            Ok(exit::OK)
        }
        Command::Show {
            run,
            failed,
            common,
        } => {
            validate::check_run_id("--run", &run).map_err(|e| CliError::usage(e.to_string()))?;
            let store = offline_store(paths, &common)?;
            let items = installs::run_items(&store, &run, failed.then_some(ItemState::Failed))
                .map_err(installs_error)?;
            if common.json {
                session::print_json(&items)?;
            } else {
                for i in &items {
                    println!(
                        "{:<5} {:<36} {:<30} {:<13} {} {}",
                        i.kind.as_str(),
                        i.target_id,
                        i.target_name.as_deref().unwrap_or(""),
                        format!("{:?}", i.state).to_lowercase(),
                        i.status.map(|s| s.to_string()).unwrap_or_default(),
                        i.message.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(exit::OK)
        }
    }
}

fn print_summary(store: &Store, app_id: &str) -> Result<(), CliError> {
    let coverage = installs::coverage(store, app_id).map_err(installs_error)?;
    let spread = installs::version_spread(store, app_id).map_err(installs_error)?;
    println!(
        "{:<6} {:>10} {:>14} {:>8} {:>8}",
        "kind", "installed", "not installed", "failed", "unread"
    );
    for c in &coverage {
        println!(
            "{:<6} {:>10} {:>14} {:>8} {:>8}",
            c.kind.as_str(),
            c.installed,
            c.not_installed,
            c.failed,
            c.unknown
        );
    }
    if !spread.is_empty() {
        println!("Versions:");
        for v in &spread {
            println!("  {:<6} {:<10} {}", v.kind.as_str(), v.version, v.count);
        }
    }
    Ok(())
}

fn print_run(r: &installs::RunSummary) {
    println!(
        "{}  {:<9} {:<20} {:<11} {} done, {} already done, {} failed, {} not attempted  ({})",
        r.run_id,
        r.action.as_str(),
        r.app_name,
        r.status,
        r.succeeded,
        r.already_done,
        r.failed,
        r.pending,
        r.created_at
    );
}

async fn run_bulk(paths: &DataPaths, action: BulkAction, bulk: Bulk) -> Result<u8, CliError> {
    if bulk.filter.is_empty() && bulk.ids.is_empty() {
        return Err(CliError::usage(
            "select targets: a filter (--kind, --state, --older-than, --at-version, --search) or --ids",
        ));
    }
    let kind = match &bulk.filter.kind {
        Some(k) => TargetKind::parse(k)
            .ok_or_else(|| CliError::usage(format!("--kind {k:?}: expected team, chat or user")))?,
        None => TargetKind::Team,
    };
    if !bulk.ids.is_empty() && bulk.ids.iter().all(|id| id.trim().is_empty()) {
        return Err(CliError::usage("--ids: no id given"));
    }
    for id in bulk
        .ids
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
    {
        validate::check_target_id("--ids", kind, id).map_err(|e| CliError::usage(e.to_string()))?;
    }
    if bulk
        .common
        .app
        .as_deref()
        .is_some_and(|a| a.trim().is_empty())
    {
        return Err(CliError::usage(
            "--app: give the bot's manifest id, catalog id or name",
        ));
    }
    let selection = Selection {
        filter: if bulk.filter.is_empty()
            || (!bulk.ids.is_empty()
                && bulk.filter.state.is_none()
                && bulk.filter.older_than.is_none()
                && bulk.filter.at_version.is_none()
                && bulk.filter.search.is_none())
        {
            None
        } else {
            Some(bulk.filter.query()?)
        },
        ids: bulk
            .ids
            .iter()
            .map(|id| TargetRef {
                kind,
                id: id.trim().to_string(),
            })
            .filter(|t| !t.id.is_empty())
            .collect(),
    };
    // A change to many targets is confirmed by a person. Without a terminal nobody can answer,
    // so refuse before signing in or reading anything.
    let interactive = std::io::stdin().is_terminal();
    if !bulk.dry_run && !bulk.yes && !interactive {
        return Err(CliError::usage(format!(
            "`installs {}` changes the tenant and asks before it runs, but there is no terminal to ask on: \
             pass --yes to run without asking, or --dry-run to see the plan",
            action.as_str()
        )));
    }
    let o = online(paths, &bulk.common, Feature::Install).await?;
    let app = resolve_app(&o, bulk.common.app.as_deref()).await?;
    let plan = installs::plan(&lock(&o.store), &app, action, &selection).map_err(installs_error)?;
    if bulk.dry_run {
        if bulk.common.json {
            session::print_json(&plan)?;
        } else {
            print_plan(&mut std::io::stdout().lock(), &plan, "Dry run: ");
        }
        return Ok(exit::OK);
    }
    if plan.items.is_empty() {
        if bulk.common.json {
            session::print_json(&plan)?;
        } else {
            println!("Nothing to do ({} skipped).", plan.skipped.len());
        }
        return Ok(exit::OK);
    }
    if !bulk.yes {
        // The plan goes where the question is asked; with --json stdout stays machine-readable.
        let mut err = std::io::stderr().lock();
        print_plan(&mut err, &plan, "");
        let question = format!(
            "{} {} in {} target(s)? [y/N] ",
            verb(action),
            plan.app_name,
            plan.items.len()
        );
        if !confirm(&mut err, &mut std::io::stdin().lock(), &question) {
            eprintln!("Nothing changed.");
            return Ok(exit::FINDINGS);
        }
    }
    let run_id = installs::create_run(&o.store, &plan, &o.actor).map_err(installs_error)?;
    if !bulk.common.json {
        eprintln!(
            "Run {run_id}: {} {} target(s) (resume with `botdeck installs resume --run {run_id}`)",
            action.as_str(),
            plan.items.len()
        );
    }
    finish_run(&o, &run_id, bulk.common.json).await
}

fn verb(action: BulkAction) -> &'static str {
    match action {
        BulkAction::Install => "Install",
        BulkAction::Upgrade => "Upgrade",
        BulkAction::Uninstall => "Uninstall",
    }
}

/// Asks on `out`, reads one line from `input`: only "y" or "yes" goes on.
fn confirm(out: &mut dyn Write, input: &mut dyn BufRead, question: &str) -> bool {
    let _ = write!(out, "{question}");
    let _ = out.flush();
    let mut answer = String::new();
    if input.read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn print_plan(out: &mut dyn Write, plan: &installs::BulkPlan, prefix: &str) {
    let action = plan.action;
    let _ = writeln!(
        out,
        "{prefix}{} {} in {} target(s){}; {} skipped.",
        action.as_str(),
        plan.app_name,
        plan.items.len(),
        plan.target_version
            .as_deref()
            .filter(|_| action != BulkAction::Uninstall)
            .map(|v| format!(" (to {v})"))
            .unwrap_or_default(),
        plan.skipped.len()
    );
    if !plan.consent.is_empty() && action != BulkAction::Uninstall {
        let perms: Vec<&str> = plan
            .consent
            .iter()
            .map(|p| p.permission_value.as_str())
            .collect();
        let _ = writeln!(
            out,
            "RSC consent granted on install/upgrade: {}",
            perms.join(", ")
        );
    }
    for i in &plan.items {
        let _ = writeln!(
            out,
            "  {:<5} {:<36} {}{}{}",
            i.kind.as_str(),
            i.target_id,
            i.target_name.as_deref().unwrap_or(""),
            i.from_version
                .as_deref()
                .map(|v| format!(" (now {v})"))
                .unwrap_or_default(),
            i.note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        );
    }
    for s in &plan.skipped {
        let _ = writeln!(
            out,
            "  skip  {:<36} {} — {}",
            s.target_id,
            s.target_name.as_deref().unwrap_or(""),
            s.reason
        );
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
}

async fn execute(
    paths: &DataPaths,
    common: &Common,
    run_id: &str,
    retry: bool,
) -> Result<u8, CliError> {
    validate::check_run_id("--run", run_id).map_err(|e| CliError::usage(e.to_string()))?;
    {
        // The journal is local: an unknown run is refused before the keyring is asked.
        let store = session::open_store(paths)?;
        if let Some(name) = &common.profile {
            session::resolve_profile(&store, Some(name))?;
        }
        installs::bulk::summary(&store, run_id).map_err(installs_error)?;
    }
    let o = online(paths, common, Feature::Install).await?;
    if retry {
        let n = installs::retry_failed(&o.store, run_id).map_err(installs_error)?;
        if !common.json {
            eprintln!("Retrying {n} failed item(s).");
        }
    }
    finish_run(&o, run_id, common.json).await
}

async fn finish_run(o: &Online, run_id: &str, json: bool) -> Result<u8, CliError> {
    let executor = executor(&o.graph);
    let ctx = SyncContext {
        graph: &o.graph,
        tokens: &o.token,
        store: &o.store,
        executor: &executor,
    };
    let cancel = cancel_on_ctrl_c();
    let printer = progress_printer(json);
    let summary = installs::execute_run(&ctx, run_id, &printer, &cancel)
        .await
        .map_err(installs_error)?;
    if json {
        session::print_json(&summary)?;
    } else {
        eprintln!();
        print_run(&summary);
        if summary.failed > 0 {
            let items = installs::run_items(&lock(&o.store), run_id, Some(ItemState::Failed))
                .map_err(installs_error)?;
            for i in items.iter().take(20) {
                println!(
                    "  failed {:<5} {:<36} {} {}",
                    i.kind.as_str(),
                    i.target_name.as_deref().unwrap_or(&i.target_id),
                    i.status.map(|s| s.to_string()).unwrap_or_default(),
                    i.message.as_deref().unwrap_or("")
                );
            }
            println!("Retry them with `botdeck installs retry --run {run_id}`.");
        }
        if summary.pending > 0 {
            println!(
                "{} not attempted: continue with `botdeck installs resume --run {run_id}`.",
                summary.pending
            );
        } else if summary.cancel_requested {
            println!("The cancel came after every request was sent: the run completed.");
        }
    }
    Ok(if summary.failed > 0 || summary.pending > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_goes_on() {
        for (answer, go) in [
            ("y\n", true),
            ("YES\n", true),
            (" yes \n", true),
            ("\n", false),
            ("n\n", false),
            ("yep\n", false),
            ("", false),
        ] {
            let mut out = Vec::new();
            let mut input = std::io::Cursor::new(answer.as_bytes());
            assert_eq!(
                confirm(&mut out, &mut input, "Install? [y/N] "),
                go,
                "{answer:?}"
            );
            assert_eq!(String::from_utf8_lossy(&out), "Install? [y/N] ");
        }
    }

    #[test]
    fn a_version_filter_that_is_not_a_version_is_a_usage_error() {
        let filter = Filter {
            kind: None,
            state: None,
            older_than: Some("abc".into()),
            at_version: None,
            search: None,
        };
        let err = filter.query().expect_err("abc");
        assert_eq!(err.code, exit::USAGE);
        assert!(
            err.message
                .contains("--older-than \"abc\": expected a version"),
            "{}",
            err.message
        );
    }
}
