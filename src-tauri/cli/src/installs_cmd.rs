//! `botdeck installs ...`: where the bot is installed; sync, and install / upgrade / uninstall
//! in bulk with a journal (resume, retry failed). Each subcommand parses its flags and calls
//! the same `botdeck_api::installations` operation the window calls.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use botdeck_api::error::ApiError;
use botdeck_api::installations;
use botdeck_api::Context;
use botdeck_core::auth::Feature;
use botdeck_core::config::DataPaths;
use botdeck_core::installs::ipc::{InstallsBulkRequest, InstallsSyncRequest};
use botdeck_core::installs::validate;
use botdeck_core::installs::{
    BulkAction, BulkPlan, InstallState, InventoryQuery, ItemState, RunProgress, RunSummary,
    SavedPlan, Selection, TargetKind, TargetRef,
};

use crate::exit;
use crate::session;

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
    fn query(&self) -> Result<InventoryQuery, ApiError> {
        let kind = match &self.kind {
            Some(k) => Some(TargetKind::parse(k).ok_or_else(|| {
                ApiError::invalid_input(format!("--kind {k:?}: expected team, chat or user"))
            })?),
            None => None,
        };
        let state = match &self.state {
            Some(s) => match InstallState::parse(s) {
                InstallState::Unknown if !s.eq_ignore_ascii_case("unknown") => {
                    return Err(ApiError::invalid_input(format!(
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
                validate::check_version(flag, v)
                    .map_err(|e| ApiError::invalid_input(e.to_string()))?;
            }
        }
        if let Some(text) = &self.search {
            if text.trim().is_empty() {
                return Err(ApiError::invalid_input(
                    "--search: give some text to look for",
                ));
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
        query.check().map_err(ApiError::from)?;
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

/// Which targets a bulk change is for.
#[derive(Debug, clap::Args)]
struct Targets {
    #[command(flatten)]
    filter: Filter,
    /// Explicit targets (comma-separated ids; their kind is --kind, default team).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    ids: Vec<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
struct Bulk {
    #[command(flatten)]
    targets: Targets,
    /// Show what would happen and change nothing (the plan is saved: `installs run --plan`).
    #[arg(long)]
    dry_run: bool,
    /// Run without asking (the plan is shown and confirmed first otherwise; required when
    /// there is no terminal to ask on).
    #[arg(long, short = 'y', conflicts_with = "dry_run")]
    yes: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ActionArg {
    Install,
    Upgrade,
    Uninstall,
}

impl From<ActionArg> for BulkAction {
    fn from(a: ActionArg) -> Self {
        match a {
            ActionArg::Install => BulkAction::Install,
            ActionArg::Upgrade => BulkAction::Upgrade,
            ActionArg::Uninstall => BulkAction::Uninstall,
        }
    }
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
        /// Rows per page, at most 1000 (0: the default page of 100).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        common: Common,
    },
    /// Coverage per kind and version spread, from the cache.
    Summary {
        #[command(flatten)]
        common: Common,
    },
    /// Preview a bulk change and save it: prints the plan and the id `installs run --plan` takes.
    Plan {
        /// install, upgrade or uninstall.
        #[arg(value_enum)]
        action: ActionArg,
        #[command(flatten)]
        targets: Targets,
    },
    /// Run a saved plan; refused when the published version or the targets changed since.
    Run {
        #[arg(long, value_name = "PLAN")]
        plan: String,
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
        Err(e) => return session::report(&e),
    };
    let cx = Arc::new(session::open(paths));
    match runtime.block_on(dispatch(&cx, args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => session::report(&e),
    }
}

/// The api's error; one a new sign-in fixes ends with the exact command to run.
fn signed_in_error<'a>(
    cx: &'a Context,
    common: &'a Common,
    feature: Feature,
) -> impl Fn(ApiError) -> ApiError + 'a {
    move |err| session::with_login_hint(cx, err, common.profile.as_deref(), feature)
}

/// Offline commands read the cache only, but a `--profile` they were given must still exist:
/// silently ignoring a misspelt name would show another tenant's data.
fn check_profile(cx: &Context, common: &Common) -> Result<(), ApiError> {
    if let Some(name) = &common.profile {
        cx.profile(Some(name))?;
    }
    Ok(())
}

/// Ctrl-C asks the running sync or run to stop after the requests on the wire; before one
/// started, or pressed again, it stops the command at once.
fn cancel_on_ctrl_c(cx: &Arc<Context>) -> tokio::task::JoinHandle<()> {
    let cx = Arc::clone(cx);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            if !installations::cancel(&cx) {
                std::process::exit(130);
            }
            eprintln!("\nbotdeck: stopping after the requests on the wire (Ctrl-C again to kill)…");
            let _ = tokio::signal::ctrl_c().await;
            std::process::exit(130);
        }
    })
}

/// Progress on stderr (nothing with --json), at most ten lines a second.
fn progress_printer(json: bool) -> impl Fn(&RunProgress) + Send + Sync {
    botdeck_api::progress::throttled(move |p: &RunProgress| {
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
    })
}

async fn dispatch(cx: &Arc<Context>, args: Args) -> Result<u8, ApiError> {
    match args.command {
        Command::Sync {
            kinds,
            no_channels,
            fresh,
            common,
        } => sync(cx, kinds, no_channels, fresh, &common).await,
        Command::List {
            filter,
            offset,
            limit,
            common,
        } => {
            let q = filter.query()?;
            installations::check_page_size("--limit", limit)?;
            check_profile(cx, &common)?;
            let app_id = installations::cached_app_id(cx, "--app", common.app.as_deref())?;
            let q = InventoryQuery { offset, limit, ..q };
            let page = installations::query(cx, &app_id, &q)?;
            if common.json {
                session::print_json(&page)?;
                return Ok(exit::OK);
            }
            print_page(&page);
            Ok(exit::OK)
        }
        Command::Summary { common } => {
            check_profile(cx, &common)?;
            let app_id = installations::cached_app_id(cx, "--app", common.app.as_deref())?;
            let overview = installations::overview(cx, Some(&app_id))?;
            if common.json {
                session::print_json(&serde_json::json!({
                    "coverage": overview.coverage,
                    "versions": overview.versions,
                    "sync": overview.sync
                }))?;
            } else {
                print_summary(cx, &app_id)?;
            }
            Ok(exit::OK)
        }
        Command::Plan { action, targets } => {
            let request = with_app(cx, bulk_request(action.into(), &targets)?)?;
            let common = &targets.common;
            let saved = installations::plan(cx, common.profile.as_deref(), &request)
                .await
                .map_err(signed_in_error(cx, common, installations::PLAN_FEATURE))?;
            print_saved_plan(&saved, common.json, "")?;
            Ok(exit::OK)
        }
        Command::Run { plan, common } => {
            validate::check_plan_id("--plan", &plan)
                .map_err(|e| ApiError::invalid_input(e.to_string()))?;
            run_plan(cx, &common, &plan).await
        }
        Command::Install(bulk) => run_bulk(cx, BulkAction::Install, bulk).await,
        Command::Upgrade(bulk) => run_bulk(cx, BulkAction::Upgrade, bulk).await,
        Command::Uninstall(bulk) => run_bulk(cx, BulkAction::Uninstall, bulk).await,
        Command::Resume { run, common } => resume(cx, &common, &run, false).await,
        Command::Retry { run, common } => resume(cx, &common, &run, true).await,
        Command::Runs { common } => {
            check_profile(cx, &common)?;
            let runs = installations::runs(cx)?;
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
            validate::check_run_id("--run", &run)
                .map_err(|e| ApiError::invalid_input(e.to_string()))?;
            check_profile(cx, &common)?;
            let items = installations::run_items(cx, &run, failed.then_some(ItemState::Failed))?;
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

async fn sync(
    cx: &Arc<Context>,
    kinds: Vec<String>,
    no_channels: bool,
    fresh: bool,
    common: &Common,
) -> Result<u8, ApiError> {
    let mut parsed = Vec::new();
    for k in &kinds {
        let kind = TargetKind::parse(k).ok_or_else(|| {
            ApiError::invalid_input(format!("--kinds: {k:?} is not team, chat or user"))
        })?;
        if !parsed.contains(&kind) {
            parsed.push(kind);
        }
    }
    let app = match common.app.as_deref() {
        Some(app) if app.trim().is_empty() => {
            return Err(ApiError::invalid_input(
                "--app: give the bot's manifest id, catalog id or name",
            ))
        }
        Some(app) => app.to_string(),
        None => installations::cached_app_id(cx, "--app", None)
            .map_err(|_| {
                ApiError::invalid_input("which bot? pass --app (manifest id, catalog id or name)")
            })?
            .into_string(),
    };
    let request = InstallsSyncRequest {
        app,
        kinds: Some(parsed),
        // Channel facts default to on when teams are synced.
        channels: no_channels.then_some(false),
        fresh,
        on_progress: None,
    };
    let _ctrl_c = cancel_on_ctrl_c(cx);
    let printer = progress_printer(common.json);
    let result = installations::sync(cx, common.profile.as_deref(), &request, &printer)
        .await
        .map_err(signed_in_error(cx, common, installations::SYNC_FEATURE))?;
    let report = &result.report;
    if common.json {
        session::print_json(report)?;
    } else {
        eprintln!();
        println!(
            "Sync {} for {}{}: {} targets, {} read now, {} failed, {} removed; {} round trips, {} throttled",
            report.status,
            result.app_name,
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
        print_summary(cx, &result.app_id)?;
    }
    Ok(
        if report.status != "completed" || report.failed > 0 || !report.warnings.is_empty() {
            exit::FINDINGS
        } else {
            exit::OK
        },
    )
}

fn print_page(page: &botdeck_core::installs::InventoryPage) {
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
}

fn print_summary(cx: &Context, app_id: &str) -> Result<(), ApiError> {
    let overview = installations::overview(cx, Some(app_id))?;
    println!(
        "{:<6} {:>10} {:>14} {:>8} {:>8}",
        "kind", "installed", "not installed", "failed", "unread"
    );
    for c in &overview.coverage {
        println!(
            "{:<6} {:>10} {:>14} {:>8} {:>8}",
            c.kind.as_str(),
            c.installed,
            c.not_installed,
            c.failed,
            c.unknown
        );
    }
    if !overview.versions.is_empty() {
        println!("Versions:");
        for v in &overview.versions {
            println!("  {:<6} {:<10} {}", v.kind.as_str(), v.version, v.count);
        }
    }
    Ok(())
}

fn print_run(r: &RunSummary) {
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

/// The api request for `action` on the targets the flags select (checked before sign-in).
fn bulk_request(action: BulkAction, targets: &Targets) -> Result<InstallsBulkRequest, ApiError> {
    if targets.filter.is_empty() && targets.ids.is_empty() {
        return Err(ApiError::invalid_input(
            "select targets: a filter (--kind, --state, --older-than, --at-version, --search) or --ids",
        ));
    }
    let kind = match &targets.filter.kind {
        Some(k) => TargetKind::parse(k).ok_or_else(|| {
            ApiError::invalid_input(format!("--kind {k:?}: expected team, chat or user"))
        })?,
        None => TargetKind::Team,
    };
    if !targets.ids.is_empty() && targets.ids.iter().all(|id| id.trim().is_empty()) {
        return Err(ApiError::invalid_input("--ids: no id given"));
    }
    for id in targets
        .ids
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
    {
        validate::check_target_id("--ids", kind, id)
            .map_err(|e| ApiError::invalid_input(e.to_string()))?;
    }
    let filter = &targets.filter;
    let selection = Selection {
        filter: if filter.is_empty()
            || (!targets.ids.is_empty()
                && filter.state.is_none()
                && filter.older_than.is_none()
                && filter.at_version.is_none()
                && filter.search.is_none())
        {
            None
        } else {
            Some(filter.query()?)
        },
        ids: targets
            .ids
            .iter()
            .map(|id| TargetRef {
                kind,
                id: id.trim().to_string(),
            })
            .filter(|t| !t.id.is_empty())
            .collect(),
    };
    let app = match targets.common.app.as_deref() {
        Some(a) if a.trim().is_empty() => {
            return Err(ApiError::invalid_input(
                "--app: give the bot's manifest id, catalog id or name",
            ))
        }
        Some(a) => a.trim().to_string(),
        None => String::new(),
    };
    Ok(InstallsBulkRequest {
        app,
        action,
        selection,
    })
}

/// Without --app: the bot synced last.
fn with_app(
    cx: &Context,
    mut request: InstallsBulkRequest,
) -> Result<InstallsBulkRequest, ApiError> {
    if request.app.is_empty() {
        request.app = installations::cached_app_id(cx, "--app", None)
            .map_err(|_| {
                ApiError::invalid_input("which bot? pass --app (manifest id, catalog id or name)")
            })?
            .into_string();
    }
    Ok(request)
}

/// `installs install|upgrade|uninstall`: plan, show, confirm, run the plan by its id.
async fn run_bulk(cx: &Arc<Context>, action: BulkAction, bulk: Bulk) -> Result<u8, ApiError> {
    let request = bulk_request(action, &bulk.targets)?;
    let common = &bulk.targets.common;
    // A change to many targets is confirmed by a person. Without a terminal nobody can answer,
    // so refuse before signing in or reading anything.
    let interactive = std::io::stdin().is_terminal();
    if !bulk.dry_run && !bulk.yes && !interactive {
        return Err(ApiError::invalid_input(format!(
            "`installs {}` changes the tenant and asks before it runs, but there is no terminal to ask on: \
             pass --yes to run without asking, or --dry-run to see the plan",
            action.as_str()
        )));
    }
    let request = with_app(cx, request)?;
    let saved = installations::plan(cx, common.profile.as_deref(), &request)
        .await
        .map_err(signed_in_error(cx, common, installations::PLAN_FEATURE))?;
    if bulk.dry_run {
        print_saved_plan(&saved, common.json, "Dry run: ")?;
        return Ok(exit::OK);
    }
    let plan = &saved.plan;
    if plan.items.is_empty() {
        if common.json {
            session::print_json(&saved)?;
        } else {
            println!("Nothing to do ({} skipped).", plan.skipped.len());
        }
        return Ok(exit::OK);
    }
    if !bulk.yes {
        // The plan goes where the question is asked; with --json stdout stays machine-readable.
        let mut err = std::io::stderr().lock();
        print_plan(&mut err, plan, "");
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
    run_plan(cx, common, &saved.plan_id).await
}

fn print_saved_plan(saved: &SavedPlan, json: bool, prefix: &str) -> Result<(), ApiError> {
    if json {
        session::print_json(saved)?;
    } else {
        let mut out = std::io::stdout().lock();
        print_plan(&mut out, &saved.plan, prefix);
        if !saved.plan.items.is_empty() {
            let _ = writeln!(
                out,
                "Plan {}: run it with `botdeck installs run --plan {}`",
                saved.plan_id, saved.plan_id
            );
        }
    }
    Ok(())
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

fn print_plan(out: &mut dyn Write, plan: &BulkPlan, prefix: &str) {
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

async fn run_plan(cx: &Arc<Context>, common: &Common, plan_id: &str) -> Result<u8, ApiError> {
    if !common.json {
        eprintln!("Running plan {plan_id}…");
    }
    let _ctrl_c = cancel_on_ctrl_c(cx);
    let printer = progress_printer(common.json);
    let summary = installations::run(cx, common.profile.as_deref(), plan_id, &printer)
        .await
        .map_err(signed_in_error(cx, common, installations::BULK_FEATURE))?;
    finish(cx, &summary, common.json)
}

async fn resume(
    cx: &Arc<Context>,
    common: &Common,
    run_id: &str,
    retry: bool,
) -> Result<u8, ApiError> {
    validate::check_run_id("--run", run_id).map_err(|e| ApiError::invalid_input(e.to_string()))?;
    check_profile(cx, common)?;
    let _ctrl_c = cancel_on_ctrl_c(cx);
    let printer = progress_printer(common.json);
    let summary = installations::resume(cx, common.profile.as_deref(), run_id, retry, &printer)
        .await
        .map_err(signed_in_error(cx, common, installations::BULK_FEATURE))?;
    finish(cx, &summary, common.json)
}

fn finish(cx: &Context, summary: &RunSummary, json: bool) -> Result<u8, ApiError> {
    let run_id = &summary.run_id;
    if json {
        session::print_json(summary)?;
    } else {
        eprintln!();
        print_run(summary);
        if summary.failed > 0 {
            let items = installations::run_items(cx, run_id, Some(ItemState::Failed))?;
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
        assert_eq!(err.exit_code(), exit::USAGE);
        assert!(
            err.message
                .contains("--older-than \"abc\": expected a version"),
            "{}",
            err.message
        );
    }
}
