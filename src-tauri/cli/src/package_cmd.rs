//! `botdeck package ...`: the package studio from a terminal or CI job. Every command is a thin
//! shell over `botdeck_core::package`; this file only parses arguments, reads and writes files
//! and renders results.
//!
//! Exit codes: 0 ok, 1 the package has validation errors, 2 bad usage or input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use botdeck_core::package::{
    self as pkg, diff_manifests, diff_packages, new_bot_app, read_path, rewrite_version_text,
    summarize, to_sarif, validate_manifest, validate_package, validate_path, BumpLevel, ChangeKind,
    ImportLimits, ManifestSummary, NewBotAppOptions, Package, PackageDiff, PackageError,
    RawPackage, SchemaVersion, Severity, ValidateOptions, ValidationReport, MANIFEST_FILE,
};
use clap::{Args, Subcommand, ValueEnum};

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
        /// Microsoft App ID of the Azure Bot (GUID). Defaults to the all-zero GUID.
        #[arg(long)]
        bot_id: Option<String>,
        /// Manifest id (GUID). Defaults to a new random GUID.
        #[arg(long)]
        app_id: Option<String>,
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
    },
    /// Bump the app version of a package folder (in place) or zip.
    Bump {
        path: PathBuf,
        #[arg(value_enum, default_value_t = Level::Patch)]
        level: Level,
        /// Write the bumped package here (a .zip) instead of updating PATH in place.
        #[arg(short, long, value_name = "OUT.zip")]
        output: Option<PathBuf>,
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

/// A command failure: one line on stderr, exit code 2.
struct Failure(String);

impl From<PackageError> for Failure {
    fn from(e: PackageError) -> Self {
        Failure(e.to_string())
    }
}

pub fn run(args: PackageArgs) -> ExitCode {
    let result = match args.command {
        PackageCommand::New {
            out,
            name,
            bot_id,
            app_id,
            developer,
            website,
            manifest_version,
            force,
        } => cmd_new(
            &out,
            NewArgs {
                name,
                bot_id,
                app_id,
                developer,
                website,
                manifest_version,
                force,
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
        PackageCommand::Build { dir, output } => cmd_build(&dir, &output),
        PackageCommand::Bump {
            path,
            level,
            output,
        } => cmd_bump(&path, level.into(), output.as_deref()),
        PackageCommand::Diff {
            old,
            new,
            format,
            json,
        } => {
            let format = if json { DiffFormat::Json } else { format };
            cmd_diff(&old, &new, format)
        }
        PackageCommand::Inspect { path, json } => cmd_inspect(&path, json),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure(msg)) => crate::session::CliError::usage(msg.replace('\n', " ")).report(),
    }
}

struct NewArgs {
    name: String,
    bot_id: Option<String>,
    app_id: Option<String>,
    developer: String,
    website: String,
    manifest_version: Option<String>,
    force: bool,
}

/// Prints to stdout, ignoring a closed pipe (`botdeck ... | head` must not panic).
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn is_zip_path(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

fn is_json_path(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && p.is_file()
}

fn must_exist(p: &Path) -> Result<(), Failure> {
    if p.exists() {
        Ok(())
    } else {
        Err(Failure(format!("{}: no such file or folder", p.display())))
    }
}

/// Writes via a temporary sibling and a rename, so a failed write never leaves half a file
/// where a good package used to be.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure(format!("cannot write {}: {e}", path.display()));
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Failure(format!(
            "cannot write {}: folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "package".into());
    let tmp = dir.join(format!(".{file_name}.botdeck-tmp"));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

fn cmd_new(out: &Path, a: NewArgs) -> Result<u8, Failure> {
    let manifest_version = match a.manifest_version.as_deref() {
        None => SchemaVersion::LATEST,
        Some(v) => SchemaVersion::parse(v).ok_or_else(|| {
            let all: Vec<&str> = SchemaVersion::ALL.iter().map(|v| v.as_str()).collect();
            Failure(format!(
                "unsupported --manifest-version {v:?} (supported: {})",
                all.join(", ")
            ))
        })?,
    };
    let package = new_bot_app(&NewBotAppOptions {
        name: a.name,
        bot_id: a.bot_id.clone(),
        app_id: a.app_id,
        developer_name: a.developer,
        website_url: a.website,
        manifest_version,
    })?;
    // Arguments are user input: validate what we are about to write, refuse if it is broken.
    let report = validate_package(&package.to_raw(), &ValidateOptions::default());
    if report.has_errors() {
        let problems: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} {}", f.code, f.message))
            .collect();
        return Err(Failure(format!(
            "the options given produce an invalid package: {}",
            problems.join("; ")
        )));
    }
    if is_zip_path(out) {
        if out.exists() && !a.force {
            return Err(Failure(format!(
                "{} already exists (use --force to overwrite)",
                out.display()
            )));
        }
        write_atomic(out, &package.build_zip()?)?;
    } else {
        if out.join(MANIFEST_FILE).exists() && !a.force {
            return Err(Failure(format!(
                "{} already holds a manifest.json (use --force to overwrite)",
                out.display()
            )));
        }
        std::fs::create_dir_all(out)
            .map_err(|e| Failure(format!("cannot create {}: {e}", out.display())))?;
        write_atomic(
            &out.join(MANIFEST_FILE),
            package.manifest.to_json_pretty().as_bytes(),
        )?;
        for (name, bytes) in &package.files {
            write_atomic(&out.join(name), bytes)?;
        }
    }
    emit_line!(
        "Created {} ({} {}, manifestVersion {}, id {})",
        out.display(),
        package.manifest.name.short,
        package.manifest.version,
        package.manifest.manifest_version,
        package.manifest.id
    );
    if a.bot_id.is_none() {
        eprintln!("note: botId is {}; set it to your Azure Bot's Microsoft App ID (--bot-id) before publishing",
            pkg::template::NIL_GUID
        );
    }
    Ok(EXIT_OK)
}

fn catalog_version(text: Option<&str>) -> Result<ValidateOptions, Failure> {
    let catalog_version = text
        .map(pkg::parse_catalog_version)
        .transpose()
        .map_err(|_| {
            Failure(format!(
                "--catalog-version {:?} is not a version like 1.0.3",
                text.unwrap_or_default()
            ))
        })?;
    Ok(ValidateOptions { catalog_version })
}

fn cmd_validate(path: &Path, format: ReportFormat, catalog: Option<&str>) -> Result<u8, Failure> {
    let opts = catalog_version(catalog)?;
    must_exist(path)?;
    let report = if is_json_path(path) {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
        validate_manifest(&bytes, &opts)
    } else {
        validate_path(path, &opts)?
    };
    let shown = path.display().to_string();
    match format {
        ReportFormat::Human => emit(&render_report(&shown, &report)),
        ReportFormat::Json => emit(&format!("{}\n", to_json(&report)?)),
        ReportFormat::Sarif => {
            let is_dir = path.is_dir();
            // A bare manifest file is its own artifact.
            let source = if is_json_path(path) {
                path.parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            } else {
                shown.clone()
            };
            let sarif = to_sarif(&report, &source, is_dir || is_json_path(path));
            emit(&format!("{}\n", to_json(&sarif)?));
        }
    }
    Ok(if report.has_errors() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(v).map_err(|e| Failure(format!("cannot encode JSON: {e}")))
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

fn cmd_build(dir: &Path, output: &Path) -> Result<u8, Failure> {
    must_exist(dir)?;
    if !dir.is_dir() {
        return Err(Failure(format!(
            "{} is not a folder; build takes the folder holding manifest.json",
            dir.display()
        )));
    }
    let raw = read_path(dir, &ImportLimits::default())?;
    let report = validate_package(&raw, &ValidateOptions::default());
    if report.has_errors() {
        eprint!("{}", render_report(&dir.display().to_string(), &report));
        eprintln!(
            "botdeck: not building {}: fix the errors above",
            output.display()
        );
        return Ok(EXIT_FINDINGS);
    }
    if !report.findings.is_empty() {
        eprint!("{}", render_report(&dir.display().to_string(), &report));
    }
    let package = Package::from_raw(raw)?;
    let zip = package.build_zip()?;
    write_atomic(output, &zip)?;
    emit_line!(
        "Built {} ({} bytes, {} {})",
        output.display(),
        zip.len(),
        package.manifest.name.short,
        package.manifest.version
    );
    Ok(EXIT_OK)
}

fn cmd_bump(path: &Path, level: BumpLevel, output: Option<&Path>) -> Result<u8, Failure> {
    must_exist(path)?;
    if path.is_dir() && output.is_none() {
        // Edit the folder's manifest.json in place, touching only the version literal.
        let file = path.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Failure(format!("cannot read {}: {e}", file.display())))?;
        let value: serde_json::Value =
            serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text))
                .map_err(|e| Failure(format!("{} is not valid JSON: {e}", file.display())))?;
        let old = value
            .get("version")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| Failure(format!("{} has no string \"version\"", file.display())))?
            .to_string();
        let new = pkg::bump_version(&old, level)?;
        let updated = rewrite_version_text(&text, &new)
            .ok_or_else(|| Failure(format!("cannot update the version in {}", file.display())))?;
        write_atomic(&file, updated.as_bytes())?;
        emit_line!("{}: {old} -> {new}", file.display());
        return Ok(EXIT_OK);
    }
    let mut package = Package::from_path(path)?;
    let (old, new) = pkg::bump_package(&mut package, level)?;
    let target = output.unwrap_or(path);
    write_atomic(target, &package.build_zip()?)?;
    emit_line!("{}: {old} -> {new}", target.display());
    Ok(EXIT_OK)
}

/// A package, a package folder, or a bare manifest file.
fn load_for_diff(p: &Path) -> Result<RawPackage, Failure> {
    must_exist(p)?;
    if is_json_path(p) {
        let bytes =
            std::fs::read(p).map_err(|e| Failure(format!("cannot read {}: {e}", p.display())))?;
        if serde_json::from_slice::<serde_json::Value>(
            bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes),
        )
        .is_err()
        {
            return Err(Failure(format!("{} is not valid JSON", p.display())));
        }
        let mut raw = RawPackage::default();
        raw.files.insert(MANIFEST_FILE.into(), bytes);
        return Ok(raw);
    }
    let raw = read_path(p, &ImportLimits::default())?;
    if raw.manifest_bytes().is_none() {
        return Err(Failure(format!("{} has no manifest.json", p.display())));
    }
    Ok(raw)
}

fn cmd_diff(old: &Path, new: &Path, format: DiffFormat) -> Result<u8, Failure> {
    let a = load_for_diff(old)?;
    let b = load_for_diff(new)?;
    let manifest_only = is_json_path(old) || is_json_path(new);
    let diff = if manifest_only {
        let parse = |r: &RawPackage| {
            r.manifest_bytes()
                .and_then(|m| {
                    serde_json::from_slice(m.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(m)).ok()
                })
                .unwrap_or(serde_json::Value::Null)
        };
        diff_manifests(&parse(&a), &parse(&b))
    } else {
        diff_packages(&a, &b)
    };
    match format {
        DiffFormat::Json => emit(&format!("{}\n", to_json(&diff)?)),
        DiffFormat::Human => emit(&render_diff(&diff)),
    }
    Ok(EXIT_OK)
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

fn cmd_inspect(path: &Path, json: bool) -> Result<u8, Failure> {
    must_exist(path)?;
    let raw = read_path(path, &ImportLimits::default())?;
    let summary = summarize(&raw)?;
    if json {
        emit(&format!("{}\n", to_json(&summary)?));
    } else {
        emit(&render_summary(&summary));
    }
    Ok(EXIT_OK)
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
