//! `botdeck links ...`: which teams, channels, chats and users are linked to the bot's
//! integrations; link them (the exact command and where to type it), prove them, keep them
//! healthy, unlink them. Each subcommand parses its flags and makes the same
//! `botdeck_api::links` call the window makes. With `--json`, results are JSON on stdout and
//! errors are `{code, message, retryable}` on stdout too (printed by main's reporter), so a
//! script reads one stream.

use std::io::Write;
use std::process::ExitCode;

use botdeck_api::error::{ApiError, ErrorCode};
use botdeck_api::links;
use botdeck_api::{Context, OpenOptions};
use botdeck_core::auth::Feature;
use botdeck_core::config::DataPaths;
use botdeck_core::installs::RunProgress;
use botdeck_core::links::check::{self, LinkEvidenceOutcome, LinkPreparedTarget};
use botdeck_core::links::ipc::{
    LinksAddRequest, LinksConfirmRequest, LinksDisconnectRequest, LinksExportRequest,
    LinksFixRequest, LinksIdsRequest, LinksImportRequest, LinksOverviewRequest, LinksReachRequest,
    LinksVendorRequest,
};
use botdeck_core::links::transfer::LinkFileFormat;
use botdeck_core::links::{Link, LinkFilter, LinkState, LinkTargetInput, LinkTargetKind};

use crate::exit;
use crate::session;

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
    fn inputs(&self) -> Result<Vec<LinkTargetInput>, ApiError> {
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
        Ok(out)
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

pub fn run(paths: &DataPaths, args: Args) -> ExitCode {
    let rt = match session::runtime() {
        Ok(rt) => rt,
        Err(err) => return session::report(&err),
    };
    let (profile, feature) = sign_in_of(&args.command);
    match rt.block_on(dispatch(paths, args)) {
        Ok(code) => ExitCode::from(code),
        Err(err) => session::report(&failed(paths, profile.as_deref(), feature, err)),
    }
}

/// The profile a subcommand acts for and the sign-in it asks for (for the "Run: botdeck
/// login ..." hint; the api asks for the same).
fn sign_in_of(command: &Command) -> (Option<String>, Feature) {
    match command {
        Command::Add { targets, fix } => (
            targets.common.profile.clone(),
            if *fix {
                Feature::Install
            } else if targets.group.is_some() {
                Feature::ReachMembers
            } else {
                Feature::ReadTenant
            },
        ),
        Command::Check { targets } => (
            targets.common.profile.clone(),
            if targets.group.is_some() {
                Feature::ReachMembers
            } else {
                Feature::ReadTenant
            },
        ),
        Command::Evidence { common, .. } => (common.profile.clone(), Feature::CheckLinkEvidence),
        Command::Reach { common, .. } => (common.profile.clone(), Feature::ReachMembers),
        Command::Remove {
            common,
            remove_bot: true,
            ..
        } => (common.profile.clone(), Feature::Install),
        Command::List { common, .. }
        | Command::Confirm { common, .. }
        | Command::Health { common, .. }
        | Command::Remove { common, .. }
        | Command::Disconnect { common, .. }
        | Command::Export { common, .. }
        | Command::Import { common, .. }
        | Command::Vendors { common, .. } => (common.profile.clone(), Feature::ReadTenant),
    }
}

/// An error a new sign-in fixes ends with the exact command to run. The context the command
/// used is gone by now; a second one only reads the profile list.
fn failed(paths: &DataPaths, profile: Option<&str>, feature: Feature, err: ApiError) -> ApiError {
    let cx = Context::open(paths.clone(), OpenOptions::command_line());
    session::with_login_hint(&cx, err, profile, feature)
}

fn print<T: serde::Serialize>(v: &T) -> Result<(), ApiError> {
    session::print_json(v)
}

/// Opened once the flags are judged: a bad flag never creates a data folder.
fn open(paths: &DataPaths) -> Context {
    session::open(paths)
}

/// Progress on stderr (one rewritten line), throttled like the window's; none with `--json`.
fn progress(json: bool) -> impl Fn(&RunProgress) + Send + Sync {
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

/// A bot given as a catalog id is used as is (no network); a name is looked up.
async fn bot_id(cx: &Context, profile: Option<&str>, needle: &str) -> Result<String, ApiError> {
    if uuid::Uuid::parse_str(needle.trim()).is_ok() {
        return Ok(needle.trim().to_string());
    }
    Ok(links::resolve_bot(cx, profile, needle).await?.into_string())
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `add` and `check`: the same wizard call as the window's, after the bot is resolved and,
/// with `--fix`, after the bot was installed or upgraded where the check finds it missing.
async fn prepare(
    paths: &DataPaths,
    targets: Targets,
    dry_run: bool,
    fix: bool,
) -> Result<u8, ApiError> {
    let inputs = targets.inputs()?;
    if targets.integration.trim().is_empty() {
        return Err(usage(
            "--integration: enter the integration id (or service URL)",
        ));
    }
    if let Some(group) = &targets.group {
        links::check_group_id(group)?;
    }
    let json = targets.common.json;
    let profile = targets.common.profile.as_deref();
    let cx = open(paths);
    let vendor = links::vendors(&cx)?
        .into_iter()
        .find(|v| v.id.eq_ignore_ascii_case(targets.vendor.trim()))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "no vendor {:?}: `botdeck links vendors` lists them",
                    targets.vendor.trim()
                ),
            )
        })?;
    let app_id = bot_id(
        &cx,
        profile,
        targets.app.as_deref().unwrap_or(&vendor.bot_name),
    )
    .await?;
    if fix && !inputs.is_empty() {
        let printer = progress(json);
        let runs = links::fix(
            &cx,
            profile,
            &LinksFixRequest {
                app_id: app_id.clone(),
                targets: inputs.clone(),
                on_progress: None,
            },
            &printer,
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
    let request = LinksAddRequest {
        vendor: vendor.id,
        account: targets.account,
        external_id: targets.integration,
        name: targets.name,
        app_id,
        targets: inputs,
        group_id: targets.group,
        dry_run,
    };
    let result = links::add(&cx, profile, &request).await?;
    if json {
        print(&result)?;
    } else {
        print_prepared(&result.targets);
    }
    Ok(
        if result
            .targets
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
            let filter = filter.parse()?;
            let cx = open(paths);
            let view = links::overview(
                &cx,
                common.profile.as_deref(),
                &LinksOverviewRequest { filter },
            )?;
            if common.json {
                print(&view.links)?;
            } else {
                let c = &view.counts;
                println!(
                    "{} linked, {} awaiting, {} broken, {} planned, {} unlinked",
                    c.linked, c.awaiting, c.broken, c.planned, c.unlinked
                );
                view.links.iter().for_each(print_link);
            }
            Ok(exit::OK)
        }
        Command::Add { targets, fix } => prepare(paths, targets, false, fix).await,
        Command::Check { targets } => prepare(paths, targets, true, false).await,
        Command::Confirm { link, note, common } => {
            let cx = open(paths);
            let l = links::confirm(
                &cx,
                common.profile.as_deref(),
                &LinksConfirmRequest { id: link, note },
            )?;
            if common.json {
                print(&l)?;
            } else {
                print_link(&l);
            }
            Ok(exit::OK)
        }
        Command::Evidence { link, common } => {
            let cx = open(paths);
            let profile = common.profile.as_deref();
            let ids = if link.is_empty() {
                let awaiting = LinkFilter {
                    state: Some(LinkState::Awaiting),
                    ..Default::default()
                };
                links::list(&cx, profile, &awaiting)?
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
            let results = links::evidence(
                &cx,
                profile,
                &LinksIdsRequest {
                    ids,
                    ..Default::default()
                },
            )
            .await?;
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
            let cx = open(paths);
            let printer = progress(common.json);
            let report = links::health(
                &cx,
                common.profile.as_deref(),
                &LinksIdsRequest {
                    ids: link,
                    ..Default::default()
                },
                &printer,
            )
            .await?;
            if common.json {
                print(&report)?;
            } else {
                eprintln!();
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
            let cx = open(paths);
            let profile = common.profile.as_deref();
            if !yes {
                for l in links::get(&cx, profile, &link)? {
                    eprintln!(
                        "would unlink: {} {} ({})",
                        l.kind.as_str(),
                        l.target_name,
                        l.integration.name
                    );
                }
                return Err(usage("nothing changed: add --yes to unlink"));
            }
            let printer = progress(common.json);
            let out = links::remove(
                &cx,
                profile,
                &LinksIdsRequest {
                    ids: link,
                    remove_bot,
                    on_progress: None,
                },
                &printer,
            )
            .await?;
            if common.json {
                print(&out)?;
            } else {
                for a in &out.advice {
                    println!("unlinked {}", a.target_name);
                    match (&a.vendor_command, &a.note) {
                        (Some(c), _) => println!("  also type in Teams: {c}"),
                        (None, Some(n)) => println!("  {n}"),
                        _ => {}
                    }
                }
                if let Some(r) = &out.removal {
                    println!(
                        "bot removed from {}, {} failed",
                        plural((r.succeeded + r.already_done) as usize, "target", "targets"),
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
            let cx = open(paths);
            let profile = common.profile.as_deref();
            if !yes {
                let would = links::list(
                    &cx,
                    profile,
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
            let out = links::disconnect(
                &cx,
                profile,
                &LinksDisconnectRequest {
                    team_id: team,
                    integration_id: integration,
                },
            )?;
            if common.json {
                print(&out)?;
            } else {
                println!(
                    "disconnected: {} unlinked",
                    plural(out.unlinked.len(), "link", "links")
                );
                match (&out.vendor_command, &out.note) {
                    (Some(c), _) => println!("  also type in a channel of the team: {c}"),
                    (None, Some(n)) => println!("  {n}"),
                    _ => {}
                }
            }
            Ok(exit::OK)
        }
        Command::Reach { group, app, common } => {
            links::check_group_id(&group)?;
            let cx = open(paths);
            let profile = common.profile.as_deref();
            let app_id = bot_id(&cx, profile, &app).await?;
            let printer = progress(common.json);
            let out = links::reach(
                &cx,
                profile,
                &LinksReachRequest {
                    app_id,
                    group_id: group,
                    on_progress: None,
                },
                &printer,
            )
            .await?;
            if common.json {
                print(&out)?;
            } else {
                eprintln!();
                println!(
                    "{}: {} already had the bot, {} disabled left alone",
                    plural(out.members as usize, "member", "members"),
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
            let filter = filter.parse()?;
            let cx = open(paths);
            let exported = links::export(
                &cx,
                common.profile.as_deref(),
                &LinksExportRequest { format, filter },
            )?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &exported.text).map_err(|e| {
                        ApiError::new(
                            ErrorCode::DataDir,
                            format!("cannot write {}: {e}", path.display()),
                        )
                    })?;
                    if common.json {
                        print(&serde_json::json!({"exported": exported.links, "file": path}))?;
                    } else {
                        println!(
                            "{} written to {}",
                            plural(exported.links, "link", "links"),
                            path.display()
                        );
                    }
                }
                None if common.json => print(&serde_json::json!({
                    "exported": exported.links,
                    "text": exported.text,
                }))?,
                None => print!("{}", exported.text),
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
            let cx = open(paths);
            let report = links::import(
                &cx,
                common.profile.as_deref(),
                &LinksImportRequest {
                    format,
                    text,
                    good_only,
                    app_id: app,
                },
            )?;
            if common.json {
                print(&report)?;
            } else {
                for p in &report.problems {
                    println!("line {}: {}", p.line, p.message);
                }
                if report.refused {
                    println!(
                        "nothing imported: {} of {} bad (fix them, or import the good ones with --good-only)",
                        report.problems.len(),
                        plural(report.rows as usize, "row is", "rows are")
                    );
                } else {
                    println!(
                        "{} imported",
                        plural(report.imported as usize, "link", "links")
                    );
                }
            }
            Ok(if report.problems.is_empty() {
                exit::OK
            } else {
                exit::FINDINGS
            })
        }
        Command::Vendors { add, common } => {
            let text = match &add {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?,
                ),
                None => None,
            };
            let cx = open(paths);
            if let Some(text) = text {
                links::save_vendor(
                    &cx,
                    common.profile.as_deref(),
                    &LinksVendorRequest {
                        toml: Some(text),
                        profile: None,
                        check_only: false,
                    },
                )?;
            }
            let all = links::vendors(&cx)?;
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
