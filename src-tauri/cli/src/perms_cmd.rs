//! `botdeck perms ...`: the bot's Graph permissions, needed vs granted, consent links,
//! revocation, and permission profiles. A thin shell over `botdeck_core::permissions`.
//!
//! `--profile` is the *sign-in* profile everywhere in BotDeck; the permission profile a bot is
//! checked against is `--perm-profile`.

use std::path::PathBuf;
use std::process::ExitCode;

use botdeck_core::auth::Feature;
use botdeck_core::config::DataPaths;
use botdeck_core::package::Package;
use botdeck_core::permissions::{
    self as perms, ConsentTarget, FixRequest, GrantedPermissions, NameCache, PermissionDiff,
    PermissionError, PermissionKind, PermissionProfile, ProfileFormat, RowState, RscScope,
    RscTarget, RscTargetKind,
};

use crate::exit;
use crate::session::{self, CliError, Session};

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
    /// Needed (a permission profile) vs granted. Exit 2 when required permissions are missing.
    Diff(DiffArgs),
    /// Permission × place matrix (tenant-wide, each team and chat), as JSON or CSV.
    Matrix(DiffArgs),
    /// The admin consent link for exactly what is missing.
    ConsentUrl(ConsentArgs),
    /// Revoke an application role, or remove a scope from a delegated grant (tenant-wide or
    /// one user's own consent). Describes the effect; acts only with --yes.
    Revoke(RevokeArgs),
    /// Built-in and imported permission profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Import a custom permission profile, or derive one from an app package.
    #[command(subcommand)]
    Profile(ProfileCommand),
}

#[derive(Debug, clap::Args)]
struct Target {
    /// Sign-in profile (tenant); default: the one used last.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// The bot's Entra app id; default: the permission profile's.
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
    /// Permission profile to check against (`perms profiles list`).
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
    /// Permission profile whose purposes explain what stops working (and default app id).
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
    },
    /// Remove an imported profile.
    Delete { id: String },
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
    },
}

pub fn run(paths: &DataPaths, args: Args) -> ExitCode {
    let result = match args.command {
        Command::Show(a) => show(paths, a),
        Command::Diff(a) => diff_cmd(paths, a, false),
        Command::Matrix(a) => diff_cmd(paths, a, true),
        Command::ConsentUrl(a) => consent_url(paths, a),
        Command::Revoke(a) => revoke(paths, a),
        Command::Profiles(c) => profiles(paths, c),
        Command::Profile(c) => profile(paths, c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => err.report(),
    }
}

fn perm_err(err: PermissionError) -> CliError {
    let exit = if err.is_usage() {
        exit::USAGE
    } else {
        exit::FINDINGS
    };
    CliError::api_with_exit(err.into(), exit)
}

impl Target {
    /// Every id is checked before the keyring or Graph is asked anything.
    fn validate(&self) -> Result<(), CliError> {
        use botdeck_core::installs::{validate::check_target_id, TargetKind};
        let usage = |e: botdeck_core::installs::InstallsError| CliError::usage(e.to_string());
        for team in &self.teams {
            check_target_id("--team", TargetKind::Team, team.trim()).map_err(usage)?;
        }
        for chat in &self.chats {
            check_target_id("--chat", TargetKind::Chat, chat.trim()).map_err(usage)?;
        }
        if let Some(app_id) = &self.app_id {
            if uuid::Uuid::try_parse(app_id.trim()).is_err() {
                return Err(CliError::usage(format!(
                    "--app-id {app_id:?}: expected the bot's Entra application id, a GUID"
                )));
            }
        }
        if self.max_targets == 0 {
            return Err(CliError::usage("--max-targets: at least 1"));
        }
        Ok(())
    }
}

fn rsc_scope(t: &Target) -> RscScope {
    let target = |kind, id: &String| RscTarget {
        kind,
        id: id.clone(),
        name: None,
    };
    RscScope {
        teams: t
            .teams
            .iter()
            .map(|id| target(RscTargetKind::Team, id))
            .collect(),
        chats: t
            .chats
            .iter()
            .map(|id| target(RscTargetKind::Chat, id))
            .collect(),
        all_teams: t.all_teams,
        max_targets: Some(t.max_targets),
    }
}

fn app_id_of(given: Option<&str>, profile: Option<&PermissionProfile>) -> Result<String, CliError> {
    given
        .map(str::to_string)
        .or_else(|| profile.and_then(|p| p.app_id.clone()))
        .ok_or_else(|| CliError::usage("no app id: pass --app-id (the bot's Entra application id)"))
}

fn consent_target(session: &Session) -> ConsentTarget {
    let endpoints = session.profile.cloud.endpoints();
    let tenant = session
        .tenant_id()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| session.profile.tenant.clone());
    ConsentTarget::new(
        &endpoints.authority_host,
        &tenant,
        &endpoints.graph_base_url,
    )
}

/// Inspects with the name cache loaded from and saved to the store around the Graph calls.
fn inspect(
    session: &Session,
    runtime: &tokio::runtime::Runtime,
    feature: Feature,
    app_id: &str,
    scope: &RscScope,
) -> Result<GrantedPermissions, CliError> {
    let mut cache = NameCache::load(&session.store).map_err(perm_err)?;
    let granted = runtime.block_on(async {
        let token = session.token(feature).await?;
        perms::inspect(&session.graph, &token, app_id, scope, &mut cache)
            .await
            .map_err(perm_err)
    })?;
    if let Err(err) = cache.save(&session.store) {
        // The cache only saves Graph reads next time; not worth failing the command.
        tracing::warn!(%err, "permission name cache not saved");
    }
    Ok(granted)
}

fn show(paths: &DataPaths, a: ShowArgs) -> Result<u8, CliError> {
    a.target.validate()?;
    let session = Session::open(paths, a.target.profile.as_deref())?;
    let runtime = session::runtime()?;
    let app_id = app_id_of(a.target.app_id.as_deref(), None)?;
    let granted = inspect(
        &session,
        &runtime,
        Feature::ReviewPermissions,
        &app_id,
        &rsc_scope(&a.target),
    )?;
    if a.json {
        session::print_json(&granted)?;
    } else {
        print!("{}", render_granted(&granted, &consent_target(&session)));
    }
    Ok(if granted.service_principal.is_some() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// Everything `--json` has, in words: with no service principal the RSC grants (which live on
/// teams and chats, not on the service principal) are still listed.
fn render_granted(g: &GrantedPermissions, consent: &ConsentTarget) -> String {
    let mut out = String::new();
    match &g.service_principal {
        None => {
            out.push_str(&format!(
                "App {} has no service principal in this tenant: nobody has consented to it yet.\n",
                g.app_id
            ));
            let link = perms::default_consent_link(&g.app_id, consent);
            out.push_str(&format!(
                "Admin consent (everything its registration declares):\n  {}\n",
                link.url
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

fn load_profile(
    session_store: &botdeck_core::store::Store,
    id: &str,
) -> Result<PermissionProfile, CliError> {
    perms::find_profile(session_store, id).map_err(perm_err)
}

fn run_diff(
    session: &Session,
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    profile_id: &str,
    model: Option<&str>,
) -> Result<(PermissionDiff, GrantedPermissions), CliError> {
    let profile = load_profile(&session.store, profile_id)?;
    let app_id = app_id_of(target.app_id.as_deref(), Some(&profile))?;
    let granted = inspect(
        session,
        runtime,
        Feature::ReviewPermissions,
        &app_id,
        &rsc_scope(target),
    )?;
    let diff =
        perms::diff(&profile, &granted, model, &consent_target(session)).map_err(perm_err)?;
    Ok((diff, granted))
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

fn diff_cmd(paths: &DataPaths, a: DiffArgs, as_matrix: bool) -> Result<u8, CliError> {
    a.target.validate()?;
    let session = Session::open(paths, a.target.profile.as_deref())?;
    let runtime = session::runtime()?;
    let (diff, granted) = run_diff(
        &session,
        &runtime,
        &a.target,
        &a.perm_profile,
        a.model.as_deref(),
    )?;
    let format = if a.json { OutputFormat::Json } else { a.format };
    if as_matrix {
        let m = perms::matrix(&diff, &granted);
        match format {
            OutputFormat::Csv => print!("{}", perms::matrix_to_csv(&m)),
            // A matrix has no useful plain-text form beyond its CSV; JSON is the default.
            OutputFormat::Json | OutputFormat::Text => session::print_json(&m)?,
        }
    } else {
        match format {
            OutputFormat::Json => session::print_json(&diff)?,
            OutputFormat::Csv => print!("{}", perms::diff_to_csv(&diff)),
            OutputFormat::Text => print!("{}", render_diff(&diff)),
        }
    }
    Ok(diff_exit(&diff))
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

fn consent_url(paths: &DataPaths, a: ConsentArgs) -> Result<u8, CliError> {
    a.target.validate()?;
    let session = Session::open(paths, a.target.profile.as_deref())?;
    let runtime = session::runtime()?;
    let (diff, _) = run_diff(
        &session,
        &runtime,
        &a.target,
        &a.perm_profile,
        a.model.as_deref(),
    )?;
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

fn revoke(paths: &DataPaths, a: RevokeArgs) -> Result<u8, CliError> {
    let session = Session::open(paths, a.profile.as_deref())?;
    let runtime = session::runtime()?;
    let profile = match &a.perm_profile {
        Some(id) => Some(load_profile(&session.store, id)?),
        None => None,
    };
    let app_id = app_id_of(a.app_id.as_deref(), profile.as_ref())?;
    let granted = inspect(
        &session,
        &runtime,
        Feature::RevokePermissions,
        &app_id,
        &RscScope::default(),
    )?;
    let request = FixRequest {
        permission: a.permission.clone(),
        kind: match a.kind {
            KindArg::Application => PermissionKind::Application,
            KindArg::Delegated => PermissionKind::Delegated,
        },
        principal: a.user.clone(),
    };
    let plan = perms::plan_fix(&granted, &request, profile.as_ref()).map_err(perm_err)?;
    if !a.yes {
        if a.json {
            session::print_json(&serde_json::json!({ "plan": plan, "applied": false }))?;
        }
        eprintln!(
            "Would send: {}\nEffect: {}\n{}\nNothing changed: re-run with --yes to do it.",
            plan.request, plan.effect, plan.token_note
        );
        return Ok(exit::USAGE);
    }
    let (outcome, result) = runtime.block_on(async {
        let token = session.token(Feature::RevokePermissions).await?;
        Ok::<_, CliError>(perms::apply_and_audit(&session.graph, &token, &plan).await)
    })?;
    let tenant = session.tenant_id();
    if let Err(err) = perms::record_fix(
        &session.store,
        &outcome,
        &session.actor(),
        Some(&session.profile.id),
        tenant.as_deref(),
    ) {
        eprintln!("botdeck: the change was made but could not be written to the audit log: {err}");
    }
    if a.json {
        session::print_json(&outcome)?;
    }
    match result {
        Ok(()) => {
            if !a.json {
                println!("{}", outcome.message);
            }
            Ok(exit::OK)
        }
        Err(err) => Err(perm_err(err)),
    }
}

fn profiles(paths: &DataPaths, c: ProfilesCommand) -> Result<u8, CliError> {
    let store = session::open_store(paths)?;
    match c {
        ProfilesCommand::List { json } => {
            let list = perms::list_profiles(&store).map_err(perm_err)?;
            if json {
                session::print_json(&list)?;
            } else {
                for p in &list {
                    let required = p.permissions.iter().filter(|e| e.required).count();
                    println!(
                        "{:<20} {:<8} {:>2} required, {:>2} optional  {}",
                        p.id,
                        match p.source {
                            perms::ProfileSource::Builtin => "built-in",
                            perms::ProfileSource::Custom => "custom",
                            perms::ProfileSource::Manifest => "manifest",
                        },
                        required,
                        p.permissions.len() - required,
                        p.name
                    );
                }
            }
        }
        ProfilesCommand::Show { id, json } => {
            let p = perms::find_profile(&store, &id).map_err(perm_err)?;
            if json {
                session::print_json(&p)?;
            } else {
                print!("{}", render_profile(&p));
            }
        }
        ProfilesCommand::Export { id, format, output } => {
            let p = perms::find_profile(&store, &id).map_err(perm_err)?;
            let text = perms::export_profile(&p, format.into()).map_err(perm_err)?;
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|e| {
                    CliError::failed(format!("cannot write {}: {e}", path.display()))
                })?,
                None => print!("{text}"),
            }
        }
        ProfilesCommand::Delete { id } => {
            if perms::builtin_profiles().iter().any(|p| p.id == id) {
                return Err(CliError::usage(format!(
                    "{id} is built in and cannot be deleted"
                )));
            }
            if !perms::delete_custom_profile(&store, &id).map_err(perm_err)? {
                return Err(CliError::usage(format!("no imported profile {id:?}")));
            }
            println!("Deleted profile {id}.");
        }
    }
    Ok(exit::OK)
}

fn render_profile(p: &PermissionProfile) -> String {
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

fn profile(paths: &DataPaths, c: ProfileCommand) -> Result<u8, CliError> {
    match c {
        ProfileCommand::Import { file, json } => {
            let name = file.display().to_string();
            let format = ProfileFormat::from_file_name(&name).ok_or_else(|| {
                CliError::usage(format!("{name}: profile files end in .json or .toml"))
            })?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::usage(format!("cannot read {name}: {e}")))?;
            let p = perms::parse_profile(&name, &text, format)
                .map_err(|e| CliError::usage(e.to_string()))?;
            let store = session::open_store(paths)?;
            perms::save_custom_profile(&store, &p).map_err(perm_err)?;
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
        } => {
            let pkg = Package::from_path(&package)
                .map_err(|e| CliError::usage(format!("{}: {e}", package.display())))?;
            let p = perms::profile_from_manifest(&pkg.manifest).map_err(perm_err)?;
            if import {
                let store = session::open_store(paths)?;
                perms::save_custom_profile(&store, &p).map_err(perm_err)?;
                eprintln!("Imported profile {}.", p.id);
            }
            print!(
                "{}",
                perms::export_profile(&p, format.into()).map_err(perm_err)?
            );
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
        let consent = ConsentTarget::new(
            "https://login.microsoftonline.com",
            "contoso.onmicrosoft.com",
            "https://graph.microsoft.com/v1.0",
        );
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
