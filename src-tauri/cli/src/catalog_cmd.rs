//! `botdeck catalog ...`: the bot in the Teams app catalog. Org apps are published, updated
//! and reviewed here; Teams store (and sideloaded) apps are found, listed and shown, and the
//! output says why publishing is not offered for them.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use botdeck_core::auth::Feature;
use botdeck_core::catalog::{self, Actor, Audit, CatalogApp, CatalogError, PublishOptions};
use botdeck_core::config::DataPaths;
use botdeck_core::installs;
use botdeck_core::package::{self, Finding};

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
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct Upload {
    /// App package: a .zip, or a folder with manifest.json and icons.
    package: PathBuf,
    /// Submit for review (requiresReview=true) instead of publishing directly.
    #[arg(long)]
    review: bool,
    /// Skip BotDeck's own validation (Microsoft still validates on upload).
    #[arg(long)]
    no_validate: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Org apps (and store apps looked up before) with every definition's version and state.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// One app (manifest id, Teams app id or name; store apps too): versions, review state,
    /// warnings. A store app found here is listed by `catalog list` from then on.
    Show {
        app: String,
        /// Compare with this local package: is an update available?
        #[arg(long, value_name = "PACKAGE")]
        package: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Publish a package; if its manifest id is in the catalog already, says so (or updates).
    Publish {
        #[command(flatten)]
        upload: Upload,
        /// Upload as a new version when the app already exists.
        #[arg(long, alias = "update")]
        update_if_exists: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Upload a new version of an app already in the catalog (the version must increase).
    Update {
        #[command(flatten)]
        upload: Upload,
        #[command(flatten)]
        common: Common,
    },
    /// Approve a submitted definition (publishingState → published).
    Approve {
        app: String,
        /// Which submitted version (default: the only one).
        #[arg(long, value_name = "VERSION")]
        app_version: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Reject a submitted definition.
    Reject {
        app: String,
        /// Which submitted version (default: the only one).
        #[arg(long, value_name = "VERSION")]
        app_version: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Withdraw a submitted definition (deletes the app if nothing of it is published).
    Withdraw {
        app: String,
        /// Which submitted version (default: the only one).
        #[arg(long, value_name = "VERSION")]
        app_version: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Delete the app from the org catalog (and so from every team, chat and user).
    Delete {
        app: String,
        /// Do not ask for confirmation (required when not run interactively).
        #[arg(long)]
        yes: bool,
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

fn cli_error(err: CatalogError) -> CliError {
    let exit = match &err {
        CatalogError::Package(_) => exit::USAGE,
        _ => exit::FINDINGS,
    };
    CliError::api_with_exit(err.into(), exit)
}

fn read_package(path: &Path) -> Result<Vec<u8>, CliError> {
    if path.is_dir() {
        let pkg = package::Package::from_path(path).map_err(|e| CliError::usage(e.to_string()))?;
        return pkg.build_zip().map_err(|e| CliError::usage(e.to_string()));
    }
    std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

fn print_findings(findings: &[Finding]) {
    for f in findings {
        let at = if f.path.is_empty() {
            f.file.clone()
        } else {
            format!("{}#{}", f.file, f.path)
        };
        eprintln!(
            "  {:<7} {:<36} {at}: {}",
            f.severity.as_str(),
            f.code,
            f.message
        );
    }
}

/// The app with its distribution, as `--json` prints it (same names as the window's DTO).
fn app_json(app: &CatalogApp) -> serde_json::Value {
    let distribution = app.distribution();
    let mut v = serde_json::to_value(app).unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("distribution".into(), serde_json::json!(distribution));
        o.insert(
            "canPublish".into(),
            serde_json::json!(distribution.can_publish()),
        );
        o.insert(
            "publishingNote".into(),
            serde_json::json!(distribution.publishing_note()),
        );
    }
    v
}

fn print_app(app: &CatalogApp) {
    println!(
        "{}  ({}; manifest id {}, catalog id {})",
        app.display_name,
        app.distribution().label(),
        app.external_id.as_deref().unwrap_or("-"),
        app.id,
    );
    if let Some(note) = app.distribution().publishing_note() {
        println!("    Publishing not offered: {note}");
    }
    for d in &app.definitions {
        println!(
            "    {:<10} {:<10} {}",
            d.version,
            format!("{:?}", d.publishing_state).to_lowercase(),
            d.id
        );
    }
}

fn upload_error(err: CatalogError, json: bool) -> Result<u8, CliError> {
    match err {
        CatalogError::InvalidPackage { findings, errors } => {
            if json {
                session::print_json(&serde_json::json!({
                    "code": "invalid_input",
                    "message": format!("the package has {errors} error(s); nothing was uploaded"),
                    "retryable": false,
                    "findings": findings,
                }))?;
            } else {
                eprintln!("botdeck: the package has {errors} error(s); nothing was uploaded:");
                print_findings(&findings);
            }
            Ok(exit::FINDINGS)
        }
        CatalogError::ManifestRejected {
            findings,
            request_id,
        } => {
            if json {
                session::print_json(&serde_json::json!({
                    "code": "graph",
                    "message": "Microsoft's catalog refused the manifest",
                    "retryable": false,
                    "findings": findings,
                    "requestId": request_id,
                }))?;
            } else {
                eprintln!(
                    "botdeck: Microsoft's catalog refused the manifest (request-id {}):",
                    request_id.as_deref().unwrap_or("?")
                );
                print_findings(&findings);
            }
            Ok(exit::FINDINGS)
        }
        CatalogError::AlreadyInCatalog {
            display_name,
            version,
            ..
        } => Err(CliError::failed(format!(
            "{display_name} is already in the catalog at {version}: use --update or `catalog update`"
        ))),
        other => Err(cli_error(other)),
    }
}

async fn dispatch(paths: &DataPaths, args: Args) -> Result<u8, CliError> {
    match args.command {
        Command::List { common } => {
            let session = Session::open(paths, common.profile.as_deref())?;
            let token = session.token(Feature::ReadTenant).await?;
            let also = catalog::cached_non_org_ids(&session.store).map_err(cli_error)?;
            let apps = catalog::list_apps(&session.graph, &token, &also)
                .await
                .map_err(cli_error)?;
            catalog::cache_apps(&session.store, &apps).map_err(cli_error)?;
            if common.json {
                session::print_json(&apps.iter().map(app_json).collect::<Vec<_>>())?;
            } else if apps.is_empty() {
                println!("No org apps in the catalog (store apps appear once looked up with `catalog show NAME`).");
            } else {
                for app in &apps {
                    print_app(app);
                }
            }
            Ok(exit::OK)
        }
        Command::Show {
            app,
            package,
            common,
        } => {
            let session = Session::open(paths, common.profile.as_deref())?;
            let token = session.token(Feature::ReadTenant).await?;
            let app = catalog::find(&session.graph, &token, &app)
                .await
                .map_err(cli_error)?;
            catalog::cache_apps(&session.store, std::slice::from_ref(&app)).map_err(cli_error)?;
            let local_version = match &package {
                Some(path) => Some(
                    package::Package::from_zip(&read_package(path)?)
                        .map_err(|e| CliError::usage(e.to_string()))?
                        .manifest
                        .version,
                ),
                None => None,
            };
            let spread: Vec<(String, u64)> = installs::version_spread(&session.store, &app.id)
                .map_err(|e| CliError::failed(e.to_string()))?
                .into_iter()
                // Archived teams' installations cannot be upgraded, so they are not "behind".
                .map(|v| (v.version.clone(), v.changeable()))
                .collect();
            let status = catalog::update_status(&app, local_version.as_deref(), &spread);
            if common.json {
                session::print_json(&serde_json::json!({"app": app_json(&app), "status": status}))?;
            } else {
                print_app(&app);
                if let Some(local) = &status.local_version {
                    println!(
                        "Local package {local}: {}",
                        if status.catalog_update_available {
                            "UPDATE AVAILABLE for the catalog (catalog publish --update)"
                        } else {
                            "not newer than the catalog"
                        }
                    );
                }
                if status.installs_behind + status.installs_current > 0 {
                    println!(
                        "Installations (from the last sync): {} at the published version, {} behind (installs upgrade)",
                        status.installs_current, status.installs_behind
                    );
                }
                for w in &status.warnings {
                    println!("warning: {w}");
                }
            }
            Ok(exit::OK)
        }
        Command::Publish {
            upload,
            update_if_exists,
            common,
        } => {
            let zip = read_package(&upload.package)?;
            let session = Session::open(paths, common.profile.as_deref())?;
            let token = session.token(Feature::Publish).await?;
            let (store, actor, graph) = split(session);
            let audit = Audit {
                store: &store,
                actor: &actor,
            };
            let opts = PublishOptions {
                requires_review: upload.review,
                update_if_exists,
                skip_local_validation: upload.no_validate,
            };
            match catalog::publish(&graph, &token, audit, zip, opts).await {
                Ok(outcome) => report_outcome(&outcome, common.json),
                Err(err) => upload_error(err, common.json),
            }
        }
        Command::Update { upload, common } => {
            let zip = read_package(&upload.package)?;
            let manifest_id = package::Package::from_zip(&zip)
                .map_err(|e| CliError::usage(e.to_string()))?
                .manifest
                .id;
            let session = Session::open(paths, common.profile.as_deref())?;
            let token = session.token(Feature::Publish).await?;
            let (store, actor, graph) = split(session);
            let existing = catalog::find_by_manifest_id(&graph, &token, &manifest_id)
                .await
                .map_err(cli_error)?
                .ok_or_else(|| {
                    CliError::failed(format!(
                        "manifest id {manifest_id} is not in the catalog yet: use `catalog publish`"
                    ))
                })?;
            let audit = Audit {
                store: &store,
                actor: &actor,
            };
            let opts = PublishOptions {
                requires_review: upload.review,
                update_if_exists: true,
                skip_local_validation: upload.no_validate,
            };
            match catalog::update(&graph, &token, audit, &existing.id, zip, opts).await {
                Ok(outcome) => report_outcome(&outcome, common.json),
                Err(err) => upload_error(err, common.json),
            }
        }
        Command::Approve {
            app,
            app_version,
            common,
        } => review(paths, &app, app_version.as_deref(), common, Some(true)).await,
        Command::Reject {
            app,
            app_version,
            common,
        } => review(paths, &app, app_version.as_deref(), common, Some(false)).await,
        Command::Withdraw {
            app,
            app_version,
            common,
        } => review(paths, &app, app_version.as_deref(), common, None).await,
        Command::Delete { app, yes, common } => {
            let session = Session::open(paths, common.profile.as_deref())?;
            let token = session.token(Feature::Publish).await?;
            let (store, actor, graph) = split(session);
            let found = catalog::find(&graph, &token, &app)
                .await
                .map_err(cli_error)?;
            found.refuse_unless_org("delete").map_err(cli_error)?;
            if !yes {
                if !std::io::stdin().is_terminal() {
                    return Err(CliError::usage(
                        "deleting an app needs confirmation: pass --yes when not running interactively",
                    ));
                }
                eprint!(
                    "Delete {} from the org catalog? It disappears from every team, chat and user. Type its name to confirm: ",
                    found.display_name
                );
                let _ = std::io::stderr().flush();
                let mut answer = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut answer)
                    .map_err(|e| CliError::usage(e.to_string()))?;
                if answer.trim() != found.display_name {
                    return Err(CliError::usage("not confirmed; nothing was deleted"));
                }
            }
            let audit = Audit {
                store: &store,
                actor: &actor,
            };
            catalog::delete(&graph, &token, audit, &found.id)
                .await
                .map_err(cli_error)?;
            if common.json {
                session::print_json(&serde_json::json!({"deleted": found.id}))?;
            } else {
                println!("Deleted {} ({}).", found.display_name, found.id);
            }
            Ok(exit::OK)
        }
    }
}

fn split(
    session: Session,
) -> (
    Mutex<botdeck_core::store::Store>,
    Actor,
    botdeck_core::graph::GraphClient,
) {
    let actor = Actor {
        profile_id: Some(session.profile.id.clone()),
        tenant_id: session.tenant_id(),
        upn: session.actor(),
    };
    (Mutex::new(session.store), actor, session.graph)
}

fn report_outcome(outcome: &catalog::PublishOutcome, json: bool) -> Result<u8, CliError> {
    if json {
        session::print_json(outcome)?;
        return Ok(exit::OK);
    }
    // The verb follows the state Graph answered, so the line never contradicts the warnings.
    let verb = match (outcome.kind, outcome.publishing_state) {
        (_, catalog::PublishingState::Submitted) => "Submitted for review:",
        (_, catalog::PublishingState::Rejected) => "Rejected by the catalog:",
        (catalog::PublishKind::Published, _) => "Published",
        (catalog::PublishKind::Updated, _) => "Updated to",
    };
    println!(
        "{verb} {} {} ({}; request-id {})",
        outcome.app.display_name,
        outcome.version,
        format!("{:?}", outcome.publishing_state).to_lowercase(),
        outcome.request_id.as_deref().unwrap_or("?")
    );
    if !outcome.findings.is_empty() {
        println!("Local findings (not blocking):");
        print_findings(&outcome.findings);
    }
    for w in &outcome.warnings {
        println!("warning: {w}");
    }
    Ok(exit::OK)
}

async fn review(
    paths: &DataPaths,
    app: &str,
    version: Option<&str>,
    common: Common,
    approve: Option<bool>,
) -> Result<u8, CliError> {
    let session = Session::open(paths, common.profile.as_deref())?;
    let token = session.token(Feature::Publish).await?;
    let (store, actor, graph) = split(session);
    let found = catalog::find(&graph, &token, app)
        .await
        .map_err(cli_error)?;
    let audit = Audit {
        store: &store,
        actor: &actor,
    };
    let after = match approve {
        Some(approve) => Some(
            catalog::review(&graph, &token, audit, &found.id, version, approve)
                .await
                .map_err(cli_error)?,
        ),
        None => catalog::withdraw(&graph, &token, audit, &found.id, version)
            .await
            .map_err(cli_error)?,
    };
    if common.json {
        session::print_json(&after)?;
    } else {
        match &after {
            Some(app) => print_app(app),
            None => println!(
                "Withdrawn: {} is no longer in the catalog.",
                found.display_name
            ),
        }
    }
    Ok(exit::OK)
}
