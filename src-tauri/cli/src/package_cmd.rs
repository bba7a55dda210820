//! `botdeck package ...`: the package studio from a terminal or CI job. Every command is a thin
//! adapter over `botdeck_api::package`; this file only parses arguments and renders results.
//!
//! Exit codes: 0 ok, 1 the package has validation errors, 2 bad usage or input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use botdeck_api::package as api;
use botdeck_api::ApiError;
use botdeck_core::ids::{EntraAppId, ManifestId};
use botdeck_core::package::{
    self as pkg, to_sarif, BumpLevel, ChangeKind, ManifestSummary, NewBotAppOptions, PackageDiff,
    SchemaVersion, Severity, ValidationReport,
};
use clap::{Args, Subcommand, ValueEnum};

use crate::session;

macro_rules! emit_line {
    ($($arg:tt)*) => { emit(&format!("{}\n", format_args!($($arg)*))) };
}

const EXIT_OK: u8 = 0;
const EXIT_FINDINGS: u8 = 1;

#[derive(Debug, Args)]
pub struct PackageArgs {
    #[command(subcommand)]
    command: PackageCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Level {
    Patch,
    Minor,
    Major,
}

impl From<Level> for BumpLevel {
    fn from(l: Level) -> Self {
        match l {
            Level::Patch => BumpLevel::Patch,
            Level::Minor => BumpLevel::Minor,
            Level::Major => BumpLevel::Major,
        }
    }
}

#[derive(Debug, Subcommand)]
enum PackageCommand {
    /// Create a new bot app package (folder, or a .zip when OUT ends in .zip).
    New {
        /// Folder to create, or a path ending in .zip.
        out: PathBuf,
        /// App name shown in Teams (1-30 characters).
        #[arg(long, default_value = "Alert Bot")]
        name: String,
        /// Microsoft App ID of the Azure Bot: its Entra app id (GUID). Defaults to the
        /// all-zero GUID.
        #[arg(long, value_name = "GUID")]
        bot_id: Option<String>,
        /// Manifest id (GUID), the catalog's `externalId`. Defaults to a new random GUID.
        /// (`--app-id` is its old name.)
        #[arg(long, value_name = "GUID", alias = "app-id")]
        manifest_id: Option<String>,
        /// Developer (publisher) name.
        #[arg(long, default_value = "Contoso")]
        developer: String,
        /// Developer website (https); privacy and terms URLs are derived from it.
        #[arg(long, default_value = "https://www.example.com")]
        website: String,
        /// Manifest schema version (default: the newest supported).
        #[arg(long)]
        manifest_version: Option<String>,
        /// Overwrite an existing package at OUT.
        #[arg(long)]
        force: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Validate a package (.zip, folder, or a bare manifest .json).
    Validate {
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// Shorthand for --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Version currently in the org catalog; the package must be greater.
        #[arg(long, value_name = "X.Y.Z")]
        catalog_version: Option<String>,
    },
    /// Build the upload zip from a package folder (refuses when validation finds errors).
    Build {
        dir: PathBuf,
        #[arg(short, long, value_name = "OUT.zip")]
        output: PathBuf,
        /// Machine-readable output: the validation report and what was built.
        #[arg(long)]
        json: bool,
    },
    /// Bump the app version of a package folder (in place) or zip.
    Bump {
        path: PathBuf,
        #[arg(value_enum, default_value_t = Level::Patch)]
        level: Level,
        /// Write the bumped package here (a .zip) instead of updating PATH in place.
        #[arg(short, long, value_name = "OUT.zip")]
        output: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Compare two packages (zip, folder or manifest .json) field by field.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
        format: DiffFormat,
        /// Shorthand for --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Show what a package contains.
    Inspect {
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: PackageArgs) -> ExitCode {
    let result = match args.command {
        PackageCommand::New {
            out,
            name,
            bot_id,
            manifest_id,
            developer,
            website,
            manifest_version,
            force,
            json,
        } => new_options_ids(bot_id.as_deref(), manifest_id.as_deref()).and_then(
            |(bot_id, manifest_id)| {
                schema_version(manifest_version.as_deref()).and_then(|manifest_version| {
                    let options = NewBotAppOptions {
                        name,
                        bot_id,
                        manifest_id,
                        developer_name: developer,
                        website_url: website,
                        manifest_version,
                    };
                    cmd_new(&out, &options, force, json)
                })
            },
        ),
        PackageCommand::Validate {
            path,
            format,
            json,
            catalog_version,
        } => {
            let format = if json { ReportFormat::Json } else { format };
            cmd_validate(&path, format, catalog_version.as_deref())
        }
        PackageCommand::Build { dir, output, json } => cmd_build(&dir, &output, json),
        PackageCommand::Bump {
            path,
            level,
            output,
            json,
        } => api::bump_at(&path, level.into(), output.as_deref()).and_then(|bumped| {
            if json {
                emit_json(&bumped)?;
            } else {
                emit_line!("{}: {} -> {}", bumped.path, bumped.old, bumped.new);
            }
            Ok(EXIT_OK)
        }),
        PackageCommand::Diff {
            old,
            new,
            format,
            json,
        } => {
            let format = if json { DiffFormat::Json } else { format };
            api::diff_paths(&old, &new).and_then(|diff| {
                match format {
                    DiffFormat::Json => emit_json(&diff)?,
                    DiffFormat::Human => emit(&render_diff(&diff)),
                }
                Ok(EXIT_OK)
            })
        }
        PackageCommand::Inspect { path, json } => api::inspect_at(&path).and_then(|summary| {
            if json {
                emit_json(&summary)?;
            } else {
                emit(&render_summary(&summary));
            }
            Ok(EXIT_OK)
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let mut err = err;
            err.message = err.message.replace('\n', " ");
            session::report(&err)
        }
    }
}

/// Prints to stdout, ignoring a closed pipe (`botdeck ... | head` must not panic).
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn emit_json<T: serde::Serialize>(v: &T) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(v).map_err(|e| {
        ApiError::new(
            botdeck_api::ErrorCode::Internal,
            format!("cannot encode JSON: {e}"),
        )
    })?;
    emit(&format!("{text}\n"));
    Ok(())
}

/// `--bot-id` and `--manifest-id`, checked before anything is written.
fn new_options_ids(
    bot_id: Option<&str>,
    manifest_id: Option<&str>,
) -> Result<(Option<EntraAppId>, Option<ManifestId>), ApiError> {
    let bot_id = bot_id
        .map(EntraAppId::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_input(format!("--bot-id: {e}")))?;
    let manifest_id = manifest_id
        .map(ManifestId::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_input(format!("--manifest-id: {e}")))?;
    Ok((bot_id, manifest_id))
}

fn schema_version(text: Option<&str>) -> Result<SchemaVersion, ApiError> {
    match text {
        None => Ok(SchemaVersion::LATEST),
        Some(v) => SchemaVersion::parse(v).ok_or_else(|| {
            let all: Vec<&str> = SchemaVersion::ALL.iter().map(|v| v.as_str()).collect();
            ApiError::invalid_input(format!(
                "unsupported --manifest-version {v:?} (supported: {})",
                all.join(", ")
            ))
        }),
    }
}

fn cmd_new(
    out: &Path,
    options: &NewBotAppOptions,
    force: bool,
    json: bool,
) -> Result<u8, ApiError> {
    let created = api::new_at(out, options, force)?;
    if json {
        emit_json(&created)?;
        return Ok(EXIT_OK);
    }
    emit_line!(
        "Created {} ({} {}, manifestVersion {}, id {})",
        created.path,
        created.name,
        created.version,
        created.manifest_version,
        created.id
    );
    if created.bot_id_is_placeholder {
        eprintln!(
            "note: botId is {}; set it to your Azure Bot's Microsoft App ID (--bot-id) before publishing",
            pkg::template::NIL_GUID
        );
    }
    Ok(EXIT_OK)
}

fn cmd_validate(path: &Path, format: ReportFormat, catalog: Option<&str>) -> Result<u8, ApiError> {
    let report = api::validate_at(path, catalog)?;
    let shown = path.display().to_string();
    let manifest_file = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && path.is_file();
    match format {
        ReportFormat::Human => emit(&render_report(&shown, &report)),
        ReportFormat::Json => emit_json(&report)?,
        ReportFormat::Sarif => {
            // A bare manifest file is its own artifact.
            let source = if manifest_file {
                path.parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            } else {
                shown.clone()
            };
            let sarif = to_sarif(&report, &source, path.is_dir() || manifest_file);
            emit_json(&sarif)?;
        }
    }
    Ok(if report.has_errors() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn render_report(source: &str, report: &ValidationReport) -> String {
    let mut out = String::new();
    let mv = report
        .manifest_version
        .as_deref()
        .map(|v| format!(" (manifestVersion {v})"))
        .unwrap_or_default();
    out.push_str(&format!("{source}{mv}\n"));
    for f in &report.findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let mut at = if f.file.is_empty() {
            "package".to_string()
        } else {
            f.file.clone()
        };
        if let (Some(l), Some(c)) = (f.line, f.column) {
            at.push_str(&format!(":{l}:{c}"));
        }
        if !f.path.is_empty() {
            at.push_str(&format!(" {}", f.path));
        }
        out.push_str(&format!("{sev:<7} {:<18} {at}\n", f.code));
        out.push_str(&format!("        {}\n", f.message));
        out.push_str(&format!("        fix: {}\n", f.hint));
    }
    if report.findings.is_empty() {
        out.push_str("ok: no problems found\n");
    } else {
        out.push_str(&format!(
            "{} error(s), {} warning(s), {} info\n",
            report.errors, report.warnings, report.infos
        ));
    }
    out
}

fn cmd_build(dir: &Path, output: &Path, json: bool) -> Result<u8, ApiError> {
    let outcome = api::build_at(dir, output)?;
    let code = if outcome.built.is_some() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    };
    if json {
        emit_json(&outcome)?;
        return Ok(code);
    }
    if !outcome.report.findings.is_empty() {
        eprint!(
            "{}",
            render_report(&dir.display().to_string(), &outcome.report)
        );
    }
    match &outcome.built {
        Some(built) => emit_line!(
            "Built {} ({} bytes, {} {})",
            built.path,
            built.size,
            built.name,
            built.version
        ),
        None => eprintln!(
            "botdeck: not building {}: fix the errors above",
            output.display()
        ),
    }
    Ok(code)
}

fn short(v: &Option<serde_json::Value>) -> String {
    let s = v
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".into());
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s
    }
}

fn render_diff(diff: &PackageDiff) -> String {
    if diff.is_empty() {
        return "no differences\n".into();
    }
    let mut out = String::new();
    for e in &diff.entries {
        let line = match e.kind {
            ChangeKind::Added => format!("+ {} = {}", e.path, short(&e.new)),
            ChangeKind::Removed => format!("- {} (was {})", e.path, short(&e.old)),
            ChangeKind::Changed => {
                format!("~ {}: {} -> {}", e.path, short(&e.old), short(&e.new))
            }
        };
        out.push_str(&line);
        if let Some(r) = &e.reconsent {
            out.push_str(&format!("   [re-consent: {r}]"));
        }
        out.push('\n');
    }
    for f in &diff.files {
        let sizes = |s: Option<u64>| s.map_or("-".into(), |n| n.to_string());
        let mark = match f.kind {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        };
        out.push_str(&format!(
            "{mark} file {} ({} -> {} bytes)\n",
            f.name,
            sizes(f.old_size),
            sizes(f.new_size)
        ));
    }
    out.push_str(if diff.reconsent_required {
        "re-consent: REQUIRED — users/admins will be asked to consent again after this update\n"
    } else {
        "re-consent: not required\n"
    });
    out
}

fn render_summary(s: &ManifestSummary) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut out = String::new();
    out.push_str(&format!("name:             {}\n", o(&s.name)));
    if let Some(full) = &s.full_name {
        out.push_str(&format!("full name:        {full}\n"));
    }
    out.push_str(&format!("id:               {}\n", o(&s.id)));
    out.push_str(&format!("version:          {}\n", o(&s.version)));
    out.push_str(&format!("manifestVersion:  {}\n", o(&s.manifest_version)));
    out.push_str(&format!("developer:        {}\n", o(&s.developer)));
    out.push_str(&format!("botId:            {}\n", o(&s.bot_id)));
    out.push_str(&format!("bot scopes:       {}\n", s.bot_scopes.join(", ")));
    if let Some(n) = s.is_notification_only {
        out.push_str(&format!("notification only: {n}\n"));
    }
    for c in &s.commands {
        out.push_str(&format!(
            "command:          {} [{}] {}\n",
            c.title,
            c.scopes.join(","),
            c.description
        ));
    }
    out.push_str(&format!(
        "webApplicationInfo: {}\n",
        o(&s.web_application_id)
    ));
    for p in &s.rsc_permissions {
        out.push_str(&format!("RSC permission:   {p}\n"));
    }
    if !s.valid_domains.is_empty() {
        out.push_str(&format!(
            "validDomains:     {}\n",
            s.valid_domains.join(", ")
        ));
    }
    for f in &s.files {
        out.push_str(&format!(
            "file:             {} ({} bytes)\n",
            f.name, f.size
        ));
    }
    if let Some(size) = s.archive_size {
        out.push_str(&format!("archive size:     {size} bytes\n"));
    }
    out
}
