//! `botdeck perms ...`: the bot's Graph permissions, needed vs granted, consent links,
//! revocation, and bot profiles. Parses flags, calls `botdeck_api::permissions`, prints.
//!
//! `--profile` is the *sign-in* profile everywhere in BotDeck; the bot profile (the vendor's
//! permission list) a bot is checked against is `--perm-profile`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use botdeck_api::permissions::{self as api, GrantsRequest};
use botdeck_api::{ApiError, Context, ErrorCode, RunProgress};
use botdeck_core::auth::Feature;
use botdeck_core::config::DataPaths;
use botdeck_core::permissions::{
    self as perms, BotProfile, ConsentLink, GrantedPermissions, PermissionDiff, PermissionKind,
    PermsFixRequest, PermsImportRequest, PermsInspectRequest, PermsReport, ProfileFormat, RowState,
    RscTargetKind,
};

use crate::exit;
use crate::session;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// What the tenant granted the app: application roles, delegated grants (tenant-wide and
    /// per user), and RSC in the given teams/chats.
    Show(ShowArgs),
    /// Needed (a bot profile) vs granted. Exit 2 when required permissions are missing.
    Diff(DiffArgs),
    /// Permission × place matrix (tenant-wide, each team and chat), as JSON or CSV.
    Matrix(DiffArgs),
    /// The admin consent link for exactly what is missing.
    ConsentUrl(ConsentArgs),
    /// Revoke an application role, or remove a scope from a delegated grant (tenant-wide or
    /// one user's own consent). Describes the effect; acts only with --yes.
    Revoke(RevokeArgs),
    /// Built-in and imported bot profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Import a custom bot profile, or derive one from an app package.
    #[command(subcommand)]
    Profile(ProfileCommand),
}

#[derive(Debug, clap::Args)]
struct Target {
    /// Sign-in profile (tenant); default: the one used last.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// The bot's Entra app id; default: the bot profile's.
    #[arg(long, value_name = "GUID")]
    app_id: Option<String>,
    /// Team id to read RSC grants in (repeatable).
    #[arg(long = "team", value_name = "ID")]
    teams: Vec<String>,
    /// Chat id to read RSC grants in (repeatable).
    #[arg(long = "chat", value_name = "ID")]
    chats: Vec<String>,
    /// Read RSC grants in every team (bounded by --max-targets); keeps teams where the bot has
    /// at least one grant.
    #[arg(long)]
    all_teams: bool,
    /// At most this many teams and chats are read (1 to 5000).
    #[arg(long, value_name = "N", default_value_t = perms::DEFAULT_MAX_RSC_TARGETS)]
    max_targets: usize,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    #[command(flatten)]
    target: Target,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    #[command(flatten)]
    target: Target,
    /// Bot profile to check against (`perms profiles list`).
    #[arg(long = "perm-profile", alias = "needs", value_name = "ID")]
    perm_profile: String,
    /// Check one connection model of the profile (default: the ones in use).
    #[arg(long, value_name = "ID")]
    model: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Same as --format json.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ConsentArgs {
    #[command(flatten)]
    target: Target,
    #[arg(long = "perm-profile", alias = "needs", value_name = "ID")]
    perm_profile: String,
    #[arg(long, value_name = "ID")]
    model: Option<String>,
    /// Include missing optional permissions.
    #[arg(long)]
    all: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Application,
    Delegated,
}

#[derive(Debug, clap::Args)]
struct RevokeArgs {
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[arg(long, value_name = "GUID")]
    app_id: Option<String>,
    /// The permission to remove, e.g. Group.ReadWrite.All.
    #[arg(long, value_name = "PERMISSION")]
    permission: String,
    #[arg(long = "type", value_enum)]
    kind: KindArg,
    /// Delegated: remove it from this user's own consent (UPN or object id) instead of the
    /// tenant-wide grant.
    #[arg(long, value_name = "UPN")]
    user: Option<String>,
    /// Bot profile whose purposes explain what stops working (and default app id).
    #[arg(long = "perm-profile", alias = "needs", value_name = "ID")]
    perm_profile: Option<String>,
    /// Do it. Without this, only describe what would change.
    #[arg(long)]
    yes: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum ProfilesCommand {
    /// Built-in and imported profiles.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One profile's permissions.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a profile as JSON or TOML (to stdout, or --output).
    Export {
        id: String,
        #[arg(long, value_enum, default_value = "json")]
        format: FileFormat,
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print `{id, format, text, output}` instead of the bare text.
        #[arg(long)]
        json: bool,
    },
    /// Remove an imported profile.
    Delete {
        id: String,
        /// Print the profiles left as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FileFormat {
    Json,
    Toml,
}

impl From<FileFormat> for ProfileFormat {
    fn from(f: FileFormat) -> Self {
        match f {
            FileFormat::Json => ProfileFormat::Json,
            FileFormat::Toml => ProfileFormat::Toml,
        }
    }
}

#[derive(Debug, clap::Subcommand)]
enum ProfileCommand {
    /// Validate and store a profile file (.json or .toml); same id = replaced.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Derive a profile from an app package (zip or folder): its RSC permissions and app id.
    FromManifest {
        package: PathBuf,
        /// Also store it as a custom profile.
        #[arg(long)]
        import: bool,
        #[arg(long, value_enum, default_value = "json")]
        format: FileFormat,
        /// Print the profile as BotDeck's JSON object (with its source) instead of a file.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(paths: &DataPaths, args: Args) -> ExitCode {
    let cx = session::open(paths);
    let result = match args.command {
        Command::Show(a) => show(&cx, a),
        Command::Diff(a) => diff_cmd(&cx, a, false),
        Command::Matrix(a) => diff_cmd(&cx, a, true),
        Command::ConsentUrl(a) => consent_url(&cx, a),
        Command::Revoke(a) => revoke(&cx, a),
        Command::Profiles(c) => profiles(&cx, c),
        Command::Profile(c) => profile(&cx, c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => session::report(&err),
    }
}

/// An error a new sign-in fixes ends with the exact `botdeck login` to run.
fn tenant_err<'a>(
    cx: &'a Context,
    profile: Option<&'a str>,
    feature: Feature,
) -> impl Fn(ApiError) -> ApiError + 'a {
    move |err| session::with_login_hint(cx, in_flag_words(err), profile, feature)
}

/// The api names a bad value by the window's field; on the command line the flag is the name.
fn in_flag_words(mut err: ApiError) -> ApiError {
    if err.code == ErrorCode::InvalidInput {
        for (field, flag) in [
            ("teamIds", "--team"),
            ("chatIds", "--chat"),
            ("maxTargets", "--max-targets"),
            ("appId", "--app-id"),
        ] {
            if let Some(rest) = err.message.strip_prefix(field) {
                err.message = format!("{flag}{rest}");
            }
        }
        if err.message.starts_with("no app id") {
            err.message = format!("--app-id: {}", err.message);
        }
    }
    err
}

/// Per-team progress of a long read, on one rewritten stderr line when it is a terminal.
fn progress_line(json: bool) -> impl Fn(&RunProgress) + Send + Sync {
    let show = !json && std::io::stderr().is_terminal();
    botdeck_api::progress::throttled(move |p: &RunProgress| {
        if !show || p.total == 0 {
            return;
        }
        let mut err = std::io::stderr().lock();
        let end = if p.done >= p.total { "\n" } else { "" };
        let _ = write!(err, "\r{} {}/{}{end}", p.phase, p.done, p.total);
        let _ = err.flush();
    })
}

fn inspect_request(t: &Target, perm_profile: &str, model: Option<&str>) -> PermsInspectRequest {
    PermsInspectRequest {
        perm_profile_id: perm_profile.to_string(),
        app_id: t.app_id.clone(),
        model: model.map(str::to_string),
        all_teams: t.all_teams,
        team_ids: t.teams.clone(),
        chat_ids: t.chats.clone(),
        max_targets: Some(t.max_targets),
        on_progress: None,
    }
}

fn inspect(
    cx: &Context,
    t: &Target,
    perm_profile: &str,
    model: Option<&str>,
    json: bool,
) -> Result<PermsReport, ApiError> {
    let req = inspect_request(t, perm_profile, model);
    let progress = progress_line(json);
    session::runtime()?
        .block_on(api::inspect(cx, t.profile.as_deref(), &req, &progress))
        .map_err(tenant_err(
            cx,
            t.profile.as_deref(),
            Feature::ReviewPermissions,
        ))
}

fn show(cx: &Context, a: ShowArgs) -> Result<u8, ApiError> {
    // A missing --app-id is the api's to refuse, after the team and chat values: every bad
    // value is named in the same order as in the window.
    let req = GrantsRequest {
        app_id: a.target.app_id.clone().unwrap_or_default(),
        team_ids: a.target.teams.clone(),
        chat_ids: a.target.chats.clone(),
        all_teams: a.target.all_teams,
        max_targets: Some(a.target.max_targets),
    };
    let progress = progress_line(a.json);
    let profile = a.target.profile.as_deref();
    let grants = session::runtime()?
        .block_on(api::grants(cx, profile, &req, &progress))
        .map_err(tenant_err(cx, profile, Feature::ReviewPermissions))?;
    if a.json {
        session::print_json(&grants.granted)?;
    } else {
        print!("{}", render_granted(&grants.granted, &grants.consent));
    }
    Ok(if grants.granted.service_principal.is_some() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// Everything `--json` has, in words: with no service principal the RSC grants (which live on
/// teams and chats, not on the service principal) are still listed.
fn render_granted(g: &GrantedPermissions, consent: &ConsentLink) -> String {
    let mut out = String::new();
    match &g.service_principal {
        None => {
            out.push_str(&format!(
                "App {} has no service principal in this tenant: nobody has consented to it yet.\n",
                g.app_id
            ));
            out.push_str(&format!(
                "Admin consent (everything its registration declares):\n  {}\n",
                consent.url
            ));
        }
        Some(sp) => {
            out.push_str(&format!(
                "{} (app {}, service principal {})\n\nApplication roles ({}):\n",
                sp.display_name,
                sp.app_id,
                sp.id,
                g.app_roles.len()
            ));
            for r in &g.app_roles {
                out.push_str(&format!(
                    "  {:<40} {}{}\n",
                    r.name,
                    r.resource_name,
                    r.display_name
                        .as_deref()
                        .map(|d| format!(" — {d}"))
                        .unwrap_or_default()
                ));
            }
            match &g.delegated {
                None => out.push_str("\nDelegated grants: could not be read (see warnings)\n"),
                Some(grants) => {
                    out.push_str(&format!("\nDelegated grants ({}):\n", grants.len()));
                    for d in grants {
                        let who = match d.consent_type {
                            perms::ConsentType::AllPrincipals => {
                                "all users (admin consent)".to_string()
                            }
                            perms::ConsentType::Principal => format!(
                                "only {} (per-user consent)",
                                d.principal_name
                                    .as_deref()
                                    .or(d.principal_id.as_deref())
                                    .unwrap_or("one user")
                            ),
                        };
                        let scopes: Vec<&str> = d.scopes.iter().map(|s| s.name.as_str()).collect();
                        out.push_str(&format!(
                            "  {} on {}: {}\n",
                            who,
                            d.resource_name,
                            scopes.join(" ")
                        ));
                    }
                }
            }
        }
    }
    // Every target read, plus any target a grant names that the list of targets lacks.
    let mut targets: Vec<&perms::RscTarget> = g.rsc_targets.iter().collect();
    for r in &g.rsc {
        if !targets
            .iter()
            .any(|t| t.id == r.target.id && t.kind == r.target.kind)
        {
            targets.push(&r.target);
        }
    }
    if !targets.is_empty() {
        out.push_str(&format!(
            "\nResource-specific consent ({} grant(s) in {} team(s)/chat(s) read):\n",
            g.rsc.len(),
            targets.len()
        ));
        for t in targets {
            let here: Vec<String> = g
                .rsc
                .iter()
                .filter(|r| r.target.id == t.id && r.target.kind == t.kind)
                .map(|r| format!("{} ({})", r.permission, r.permission_type))
                .collect();
            out.push_str(&format!(
                "  {} {} [{}]: {}\n",
                match t.kind {
                    RscTargetKind::Team => "team",
                    RscTargetKind::Chat => "chat",
                },
                t.name.as_deref().unwrap_or(&t.id),
                t.id,
                if here.is_empty() {
                    "none".to_string()
                } else {
                    here.join(", ")
                }
            ));
        }
    }
    for f in &g.rsc_failures {
        out.push_str(&format!(
            "warning: RSC grants of {} not read: {}\n",
            f.target.name.as_deref().unwrap_or(&f.target.id),
            f.message
        ));
    }
    for w in &g.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&format!("Inspected at {}.\n", g.inspected_at.to_rfc3339()));
    out
}

/// 2 when required permissions are missing (compliance scripts), 1 for other findings.
fn diff_exit(diff: &PermissionDiff) -> u8 {
    let s = &diff.summary;
    if diff.update_available {
        exit::USAGE
    } else if s.excess + s.broader + s.per_user_consents + s.rsc_partial + s.missing_optional > 0
        || diff.service_principal.is_none()
    {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

fn diff_cmd(cx: &Context, a: DiffArgs, as_matrix: bool) -> Result<u8, ApiError> {
    let format = if a.json { OutputFormat::Json } else { a.format };
    let report = inspect(
        cx,
        &a.target,
        &a.perm_profile,
        a.model.as_deref(),
        matches!(format, OutputFormat::Json),
    )?;
    if as_matrix {
        match format {
            OutputFormat::Csv => print!("{}", report.matrix_csv),
            // A matrix has no useful plain-text form beyond its CSV; JSON is the default.
            OutputFormat::Json | OutputFormat::Text => session::print_json(&report.matrix)?,
        }
    } else {
        match format {
            OutputFormat::Json => session::print_json(&report.diff)?,
            OutputFormat::Csv => print!("{}", report.diff_csv),
            OutputFormat::Text => print!("{}", render_diff(&report.diff)),
        }
    }
    Ok(diff_exit(&report.diff))
}

fn state_label(s: RowState) -> &'static str {
    match s {
        RowState::Granted => "✓ granted",
        RowState::MissingRequired => "✗ MISSING (required)",
        RowState::MissingOptional => "– missing (optional)",
        RowState::Excess => "! excess",
        RowState::Broader => "! broader than needed",
        RowState::PerUserConsent => "! per-user consent",
        RowState::RscPartial => "! RSC in some places only",
        RowState::NotChecked => "? not checked",
    }
}

fn render_diff(d: &PermissionDiff) -> String {
    let mut out = format!("{} — app {}\n", d.profile_name, d.app_id);
    match &d.service_principal {
        Some(sp) => out.push_str(&format!(
            "Service principal: {} ({})\n",
            sp.display_name, sp.id
        )),
        None => out.push_str("Service principal: none — not consented in this tenant yet\n"),
    }
    out.push_str(&format!("Connection: {}\n", d.connection.label));
    if !d.connection.evaluated_models.is_empty() {
        out.push_str(&format!(
            "Checked against model(s): {}\n",
            d.connection.evaluated_models.join(", ")
        ));
    }
    if d.update_available {
        out.push_str(&format!(
            "UPDATE AVAILABLE: {} required permission(s) not granted\n",
            d.summary.missing_required
        ));
    }
    out.push('\n');
    for r in &d.rows {
        let flag = match (r.least_privileged, &r.alternative) {
            (Some(false), Some(alt)) => format!(" [not least-privileged; {alt} would do]"),
            (Some(false), None) => " [not least-privileged]".into(),
            (None, Some(alt)) => format!(" [narrower: {alt}]"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {:<26} {:<11} {:<36}{}{}\n      {}{}\n",
            state_label(r.state),
            r.kind.as_str(),
            r.permission,
            r.principal
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default(),
            flag,
            r.detail,
            r.purpose
                .as_deref()
                .map(|p| format!(" — purpose: {p}"))
                .unwrap_or_default()
        ));
    }
    let s = &d.summary;
    out.push_str(&format!(
        "\n{} granted, {} missing required, {} missing optional, {} excess, {} broader, {} per-user, {} RSC partial, {} not checked\n",
        s.granted, s.missing_required, s.missing_optional, s.excess, s.broader, s.per_user_consents, s.rsc_partial, s.not_checked
    ));
    if let Some(c) = &d.consent {
        out.push_str(&format!(
            "\nAdmin consent for what is missing:\n  {}\n  {}\n",
            c.url, c.note
        ));
    }
    if let Some(c) = &d.consent_all {
        out.push_str(&format!("Including optional permissions:\n  {}\n", c.url));
    }
    for w in &d.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

fn consent_url(cx: &Context, a: ConsentArgs) -> Result<u8, ApiError> {
    let diff = inspect(cx, &a.target, &a.perm_profile, a.model.as_deref(), a.json)?.diff;
    let link = if a.all {
        diff.consent_all.clone().or(diff.consent.clone())
    } else {
        diff.consent.clone()
    };
    if a.json {
        session::print_json(&serde_json::json!({
            "appId": diff.app_id,
            "consent": link,
            "missingRscNote": (diff.rows.iter().any(|r| r.kind == PermissionKind::Rsc
                && matches!(r.state, RowState::MissingRequired | RowState::MissingOptional | RowState::RscPartial)))
                .then_some("resource-specific consent is given per team or chat when the app is installed or upgraded there"),
        }))?;
    } else {
        match &link {
            Some(l) => {
                println!("{}", l.url);
                eprintln!("{}", l.note);
            }
            None => eprintln!(
                "Nothing to consent: every {}Entra permission of {} is granted.",
                if a.all { "" } else { "required " },
                diff.profile_name
            ),
        }
    }
    Ok(exit::OK)
}

fn revoke(cx: &Context, a: RevokeArgs) -> Result<u8, ApiError> {
    let req = PermsFixRequest {
        app_id: a.app_id.clone().unwrap_or_default(),
        perm_profile_id: a.perm_profile.clone(),
        permission: a.permission.clone(),
        kind: match a.kind {
            KindArg::Application => PermissionKind::Application,
            KindArg::Delegated => PermissionKind::Delegated,
        },
        principal: a.user.clone(),
        // Planned and applied in this one run: what is applied is what the run planned.
        expected_request: None,
    };
    let profile = a.profile.as_deref();
    let runtime = session::runtime()?;
    if !a.yes {
        let plan = runtime
            .block_on(api::plan_fix(cx, profile, &req))
            .map_err(tenant_err(cx, profile, Feature::ReviewPermissions))?;
        if a.json {
            session::print_json(&serde_json::json!({ "plan": plan, "applied": false }))?;
        }
        eprintln!(
            "Would send: {}\nEffect: {}\n{}\nNothing changed: re-run with --yes to do it.",
            plan.request, plan.effect, plan.token_note
        );
        return Ok(exit::USAGE);
    }
    let outcome = runtime
        .block_on(api::apply_fix(cx, profile, &req))
        .map_err(tenant_err(cx, profile, Feature::RevokePermissions))?;
    if a.json {
        session::print_json(&outcome)?;
    } else {
        println!("{}", outcome.message);
    }
    Ok(exit::OK)
}

fn profiles(cx: &Context, c: ProfilesCommand) -> Result<u8, ApiError> {
    match c {
        ProfilesCommand::List { json } => {
            let list = api::profiles(cx)?;
            if json {
                session::print_json(&list)?;
            } else {
                print!("{}", render_profiles(&list));
            }
        }
        ProfilesCommand::Show { id, json } => {
            let p = api::profile(cx, &id)?;
            if json {
                session::print_json(&p)?;
            } else {
                print!("{}", render_profile(&p));
            }
        }
        ProfilesCommand::Export {
            id,
            format,
            output,
            json,
        } => {
            let text = api::export_profile(cx, &id, format.into())?;
            if let Some(path) = &output {
                std::fs::write(path, &text).map_err(|e| {
                    ApiError::internal(format!("cannot write {}: {e}", path.display()))
                })?;
            }
            if json {
                session::print_json(&serde_json::json!({
                    "id": id,
                    "format": ProfileFormat::from(format),
                    "text": text,
                    "output": output,
                }))?;
            } else if output.is_none() {
                print!("{text}");
            }
        }
        ProfilesCommand::Delete { id, json } => {
            let left = api::delete_profile(cx, &id)?;
            if json {
                session::print_json(&left)?;
            } else {
                println!("Deleted profile {}.", id.trim());
            }
        }
    }
    Ok(exit::OK)
}

fn render_profiles(list: &[BotProfile]) -> String {
    let mut out = String::new();
    for p in list {
        let required = p.permissions.iter().filter(|e| e.required).count();
        out.push_str(&format!(
            "{:<20} {:<8} {:>2} required, {:>2} optional  {}\n",
            p.id,
            match p.source {
                perms::ProfileSource::Builtin => "built-in",
                perms::ProfileSource::Custom => "custom",
                perms::ProfileSource::Manifest => "manifest",
            },
            required,
            p.permissions.len() - required,
            p.name
        ));
    }
    out
}

fn render_profile(p: &BotProfile) -> String {
    let mut out = format!("{} ({})\n", p.name, p.id);
    if let Some(app) = &p.app_id {
        out.push_str(&format!("App id: {app}\n"));
    }
    for other in &p.other_app_ids {
        out.push_str(&format!(
            "Also app id: {} ({})\n",
            other.app_id, other.label
        ));
    }
    if let Some(store) = &p.store_app_id {
        out.push_str(&format!("Teams store app id: {store}\n"));
    }
    if let Some(url) = &p.source_url {
        out.push_str(&format!("Vendor table: {url}\n"));
    }
    if !p.description.is_empty() {
        out.push_str(&format!("{}\n", p.description));
    }
    if !p.models.is_empty() {
        out.push_str("\nConnection models:\n");
        for m in &p.models {
            out.push_str(&format!("  {} ({}): {}\n", m.name, m.id, m.description));
        }
    }
    let mut groups: Vec<Option<String>> = vec![None];
    groups.extend(p.models.iter().map(|m| Some(m.id.clone())));
    for g in groups {
        let entries: Vec<_> = p.permissions.iter().filter(|e| e.model == g).collect();
        if entries.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n{}:\n",
            g.as_deref()
                .map(|m| p.model_name(m))
                .unwrap_or_else(|| "All connection models".into())
        ));
        for e in entries {
            out.push_str(&format!(
                "  {:<9} {:<11} {:<36} {}{}\n",
                if e.required { "required" } else { "optional" },
                e.kind.as_str(),
                e.name,
                e.purpose,
                match (&e.least_privileged, &e.alternative) {
                    (false, Some(a)) => format!(" [not least-privileged; {a} would do]"),
                    (false, None) => " [not least-privileged]".into(),
                    _ => String::new(),
                }
            ));
        }
    }
    out
}

fn profile(cx: &Context, c: ProfileCommand) -> Result<u8, ApiError> {
    match c {
        ProfileCommand::Import { file, json } => {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| ApiError::invalid_input(format!("cannot read {name}: {e}")))?;
            let p = api::import_profile(
                cx,
                &PermsImportRequest {
                    file_name: name,
                    text,
                },
            )?;
            if json {
                session::print_json(&p)?;
            } else {
                println!(
                    "Imported profile {} ({} permissions). Check a bot with: botdeck perms diff --perm-profile {}{}",
                    p.id,
                    p.permissions.len(),
                    p.id,
                    if p.app_id.is_none() { " --app-id GUID" } else { "" }
                );
            }
            Ok(exit::OK)
        }
        ProfileCommand::FromManifest {
            package,
            import,
            format,
            json,
        } => {
            let p = api::profile_from_package(cx, &package, import)?;
            if import {
                eprintln!("Imported profile {}.", p.id);
            }
            if json {
                session::print_json(&p)?;
            } else {
                let text = perms::export_profile(&p, format.into()).map_err(ApiError::from)?;
                print!("{text}");
            }
            Ok(exit::OK)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything `--json` has shows in the text, RSC grants included when the app has no
    /// service principal in the tenant.
    #[test]
    fn show_text_lists_rsc_grants_without_a_service_principal() {
        // The chat's grant arrives even though the chat is not in the list of targets.
        let g: GrantedPermissions = serde_json::from_value(serde_json::json!({
            "appId": "05ffe668-5b27-45ff-a64d-b2ed6c475d7a",
            "servicePrincipal": null,
            "appRoles": [],
            "delegated": null,
            "rsc": [
                {"target": {"kind": "team", "id": "19:ops", "name": "Ops"}, "grantId": "g1",
                 "permission": "ChannelSettings.Read.Group", "permissionType": "Application"},
                {"target": {"kind": "chat", "id": "19:chat", "name": null}, "grantId": "g2",
                 "permission": "ChatMessage.Read.Chat", "permissionType": "Application"}
            ],
            "rscTargets": [{"kind": "team", "id": "19:ops", "name": "Ops"}],
            "rscFailures": [{"target": {"kind": "team", "id": "19:legal", "name": "Legal"},
                             "message": "403 Forbidden"}],
            "warnings": ["something to know"],
            "inspectedAt": "2026-12-06T10:00:00Z"
        }))
        .expect("the JSON `perms show --json` prints");
        let consent = perms::ConsentTarget::new(
            "https://login.microsoftonline.com",
            "contoso.onmicrosoft.com",
            "https://graph.microsoft.com/v1.0",
        );
        let consent = perms::default_consent_link(&g.app_id, &consent);
        let text = render_granted(&g, &consent);
        for needle in [
            "no service principal",
            "adminconsent",
            "ChannelSettings.Read.Group (Application)",
            "team Ops [19:ops]",
            "ChatMessage.Read.Chat (Application)",
            "chat 19:chat",
            "2 grant(s) in 2 team(s)/chat(s)",
            "RSC grants of Legal not read: 403 Forbidden",
            "warning: something to know",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
    }
}
