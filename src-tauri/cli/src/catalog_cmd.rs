//! `botdeck catalog ...`: the bot in the Teams app catalog. Org apps are published, updated
//! and reviewed here; Teams store (and sideloaded) apps are found, listed and shown, and the
//! output says why publishing is not offered for them.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use botdeck_api::error::ApiError;
use botdeck_api::{catalog as api, Context};
use botdeck_core::auth::Feature;
use botdeck_core::catalog::ipc::{
    CatalogAppView, CatalogDeleteRequest, CatalogFindRequest, CatalogListRequest,
    CatalogReviewRequest, PublishRefusalKind, PublishResult,
};
use botdeck_core::catalog::{self, CatalogApp, PublishOptions};
use botdeck_core::config::DataPaths;
use botdeck_core::package::Finding;

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
        Err(e) => return session::report(&e),
    };
    match runtime.block_on(dispatch(paths, args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => session::report(&e),
    }
}

/// An error a new sign-in fixes ends with the exact command to run.
fn failed(cx: &Context, profile: Option<&str>, feature: Feature, err: ApiError) -> ApiError {
    session::with_login_hint(cx, err, profile, feature)
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

/// The one app `find` answered.
fn found(view: botdeck_core::catalog::ipc::CatalogView) -> Result<CatalogAppView, ApiError> {
    view.apps
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("the catalog answered without the app"))
}

async fn dispatch(paths: &DataPaths, args: Args) -> Result<u8, ApiError> {
    let cx = session::open(paths);
    match args.command {
        Command::List { common } => {
            let profile = common.profile.as_deref();
            let view = api::list(&cx, profile, &CatalogListRequest { refresh: true }, None)
                .await
                .map_err(|e| failed(&cx, profile, Feature::ReadTenant, e))?;
            if common.json {
                session::print_json(
                    &view
                        .apps
                        .iter()
                        .map(|v| app_json(&v.app))
                        .collect::<Vec<_>>(),
                )?;
            } else if view.apps.is_empty() {
                println!("No org apps in the catalog (store apps appear once looked up with `catalog show NAME`).");
            } else {
                for v in &view.apps {
                    print_app(&v.app);
                }
            }
            Ok(exit::OK)
        }
        Command::Show {
            app,
            package,
            common,
        } => {
            let profile = common.profile.as_deref();
            let local = match &package {
                Some(path) => Some(botdeck_api::package::local_package_at(path)?),
                None => None,
            };
            let view = api::find(&cx, profile, &CatalogFindRequest { app }, local)
                .await
                .map_err(|e| failed(&cx, profile, Feature::ReadTenant, e))?;
            let shown = found(view)?;
            let status = &shown.update;
            if common.json {
                session::print_json(
                    &serde_json::json!({"app": app_json(&shown.app), "status": status}),
                )?;
            } else {
                print_app(&shown.app);
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
            let profile = common.profile.as_deref();
            let zip = botdeck_api::package::upload_bytes(&upload.package)?;
            let options = PublishOptions {
                requires_review: upload.review,
                update_if_exists,
                skip_local_validation: upload.no_validate,
            };
            let result = api::publish(&cx, profile, zip, options)
                .await
                .map_err(|e| failed(&cx, profile, Feature::Publish, e))?;
            report_result(&result, common.json)
        }
        Command::Update { upload, common } => {
            let profile = common.profile.as_deref();
            let zip = botdeck_api::package::upload_bytes(&upload.package)?;
            let options = PublishOptions {
                requires_review: upload.review,
                update_if_exists: true,
                skip_local_validation: upload.no_validate,
            };
            let result = api::update(&cx, profile, None, zip, options)
                .await
                .map_err(|e| failed(&cx, profile, Feature::Publish, e))?;
            report_result(&result, common.json)
        }
        Command::Approve {
            app,
            app_version,
            common,
        } => review(&cx, &app, app_version, common, Some(true)).await,
        Command::Reject {
            app,
            app_version,
            common,
        } => review(&cx, &app, app_version, common, Some(false)).await,
        Command::Withdraw {
            app,
            app_version,
            common,
        } => review(&cx, &app, app_version, common, None).await,
        Command::Delete { app, yes, common } => {
            let profile = common.profile.as_deref();
            let shown = api::find(&cx, profile, &CatalogFindRequest { app }, None)
                .await
                .map_err(|e| failed(&cx, profile, Feature::Publish, e))?;
            let app = found(shown)?.app;
            // Said before the confirmation: nobody should confirm what cannot happen.
            app.refuse_unless_org("delete").map_err(ApiError::from)?;
            if !yes {
                confirm_delete(&app)?;
            }
            let request = CatalogDeleteRequest {
                catalog_id: app.id.to_string(),
            };
            api::delete(&cx, profile, &request)
                .await
                .map_err(|e| failed(&cx, profile, Feature::Publish, e))?;
            if common.json {
                session::print_json(&serde_json::json!({"deleted": app.id}))?;
            } else {
                println!("Deleted {} ({}).", app.display_name, app.id);
            }
            Ok(exit::OK)
        }
    }
}

fn confirm_delete(app: &CatalogApp) -> Result<(), ApiError> {
    if !std::io::stdin().is_terminal() {
        return Err(ApiError::invalid_input(
            "deleting an app needs confirmation: pass --yes when not running interactively",
        ));
    }
    eprint!(
        "Delete {} from the org catalog? It disappears from every team, chat and user. Type its name to confirm: ",
        app.display_name
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| ApiError::invalid_input(e.to_string()))?;
    if answer.trim() != app.display_name {
        return Err(ApiError::invalid_input(
            "not confirmed; nothing was deleted",
        ));
    }
    Ok(())
}

/// An upload's answer: the outcome (exit 0), or the refusal with what to do about it (exit 1).
/// With `--json` both are the window's `PublishResult`, on stdout.
fn report_result(result: &PublishResult, json: bool) -> Result<u8, ApiError> {
    let code = if result.refused.is_some() {
        exit::FINDINGS
    } else {
        exit::OK
    };
    if json {
        session::print_json(result)?;
        return Ok(code);
    }
    if let Some(refused) = &result.refused {
        eprintln!("botdeck: {}", refused.message);
        match refused.kind {
            PublishRefusalKind::InvalidPackage => {
                eprintln!("Nothing was uploaded. The package's errors:");
                print_findings(&refused.findings);
            }
            PublishRefusalKind::ManifestRejected => print_findings(&refused.findings),
            PublishRefusalKind::AlreadyInCatalog => {
                eprintln!("To upload it as a new version: use --update or `catalog update`.")
            }
            PublishRefusalKind::VersionNotGreater | PublishRefusalKind::ManifestIdMismatch => {}
        }
    }
    if let Some(outcome) = &result.outcome {
        report_outcome(outcome);
    }
    Ok(code)
}

fn report_outcome(outcome: &catalog::PublishOutcome) {
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
}

/// Approve, reject (`Some`) or withdraw (`None`) a submitted definition of the app named.
async fn review(
    cx: &Context,
    app: &str,
    version: Option<String>,
    common: Common,
    approve: Option<bool>,
) -> Result<u8, ApiError> {
    let profile = common.profile.as_deref();
    let fail = |e| failed(cx, profile, Feature::Publish, e);
    let shown = api::find(cx, profile, &CatalogFindRequest { app: app.into() }, None)
        .await
        .map_err(fail)?;
    let target = found(shown)?.app;
    let request = CatalogReviewRequest {
        catalog_id: target.id.to_string(),
        definition_id: version,
        approve,
    };
    let after = match approve {
        Some(_) => Some(api::review(cx, profile, &request).await.map_err(fail)?),
        None => api::withdraw(cx, profile, &request).await.map_err(fail)?,
    };
    if common.json {
        session::print_json(&after)?;
    } else {
        match &after {
            Some(app) => print_app(app),
            None => println!(
                "Withdrawn: {} is no longer in the catalog.",
                target.display_name
            ),
        }
    }
    Ok(exit::OK)
}
