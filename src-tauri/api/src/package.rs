//! The package studio: every change to a Teams app package, for the window's Package page (a
//! [`Studio`] it keeps open) and for `botdeck package` (files and folders on disk).
//!
//! The window keeps which package is open (presentation state); what is done to it happens
//! here. The file-based operations open the same [`Studio`] where the window has the same
//! operation (bump), so a version bump is one transformation whichever front-end asks.

use std::path::{Path, PathBuf};

use botdeck_core::catalog::ipc::LocalPackageInfo;
use botdeck_core::package::ipc::{
    BuildRequest, BuildResult, BumpRequest, CatalogVersionRequest, DiffResult, IconChange,
    IconFixPreview, IconRequest, IconRole, NewPackageRequest, OpenPathRequest, PackageEditRequest,
    PackageView, SetManifestRequest,
};
use botdeck_core::package::studio::{save_zip, Studio};
use botdeck_core::package::{
    self as pkg, diff_manifests, diff_packages, new_bot_app, read_path, summarize,
    validate_manifest, validate_package, validate_path, BumpLevel, ImportLimits, ManifestSummary,
    NewBotAppOptions, Package, PackageDiff, RawPackage, Severity, ValidateOptions,
    ValidationReport, MANIFEST_FILE,
};
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};

/// Same cap as the core's archive import: a picked file is refused before it is parsed.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// A file the admin picked (a zip to open or compare, an icon): refused when empty or too big.
pub fn check_upload(bytes: &[u8]) -> Result<(), ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::invalid_input("the file is empty"));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ApiError::invalid_input(format!(
            "the file is {} MiB; at most {} MiB are accepted",
            bytes.len() / (1024 * 1024),
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

// ---- the window's open package -------------------------------------------------------------

/// Opens a zip given as bytes; `file_name` labels it (default `package.zip`).
pub fn open(file_name: Option<&str>, bytes: &[u8]) -> Result<Studio, ApiError> {
    check_upload(bytes)?;
    Ok(Studio::open_zip(file_name.unwrap_or("package.zip"), bytes)?)
}

/// Opens a package folder or zip file by absolute path.
pub fn open_path(request: &OpenPathRequest) -> Result<Studio, ApiError> {
    Ok(Studio::open_path(&request.path)?)
}

/// "New bot app" from the template.
pub fn new(request: &NewPackageRequest) -> Result<Studio, ApiError> {
    Ok(Studio::new_app(request)?)
}

/// JSON Pointer edits to manifest.json, all or nothing.
pub fn edit(studio: &mut Studio, request: &PackageEditRequest) -> Result<PackageView, ApiError> {
    studio.edit(&request.edits)?;
    Ok(studio.view())
}

/// manifest.json as the admin typed it (broken JSON is kept; the findings say where).
pub fn set_manifest(
    studio: &mut Studio,
    request: &SetManifestRequest,
) -> Result<PackageView, ApiError> {
    studio.set_manifest_text(&request.text)?;
    Ok(studio.view())
}

/// The catalog's current version, so validation says whether the package is greater.
pub fn set_catalog_version(
    studio: &mut Studio,
    request: &CatalogVersionRequest,
) -> Result<PackageView, ApiError> {
    studio.set_catalog_version(request.catalog_version.as_deref())?;
    Ok(studio.view())
}

pub fn bump(studio: &mut Studio, request: &BumpRequest) -> Result<PackageView, ApiError> {
    studio.bump(request.level)?;
    Ok(studio.view())
}

/// What the icon fix would make of the icon, without changing the package.
pub fn icon_fix_preview(
    studio: &Studio,
    request: &IconRequest,
) -> Result<IconFixPreview, ApiError> {
    Ok(studio.preview_icon_fix(request.icon)?)
}

pub fn icon_fix(studio: &mut Studio, request: &IconRequest) -> Result<IconChange, ApiError> {
    let preview = studio.apply_icon_fix(request.icon)?;
    Ok(IconChange {
        preview,
        view: studio.view(),
    })
}

/// Replaces an icon with a PNG/JPEG the admin picked, converted to what Teams requires.
pub fn icon_replace(
    studio: &mut Studio,
    role: IconRole,
    bytes: &[u8],
) -> Result<IconChange, ApiError> {
    check_upload(bytes)?;
    let preview = studio.replace_icon(role, bytes)?;
    Ok(IconChange {
        preview,
        view: studio.view(),
    })
}

/// Builds the deterministic zip (refused while the package has errors) and writes it into a
/// folder (default: the OS Downloads folder), never over a different file.
pub fn build(studio: &Studio, request: &BuildRequest) -> Result<BuildResult, ApiError> {
    let zip = studio.build_zip()?;
    let name = request
        .file_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| studio.suggested_file_name());
    Ok(save_zip(&zip, request.directory.as_deref(), &name)?)
}

/// Changes from another zip (the old side, labelled `other`) to the open package.
pub fn diff(studio: &Studio, other: Option<&str>, bytes: &[u8]) -> Result<DiffResult, ApiError> {
    check_upload(bytes)?;
    Ok(DiffResult {
        diff: studio.diff_against(bytes)?,
        other: other.unwrap_or("other.zip").to_string(),
    })
}

/// Manifest id, version and name of a package, for "update available" next to the catalog.
pub fn local_package(studio: &Studio) -> Option<LocalPackageInfo> {
    info_of(&studio.view().summary?)
}

fn info_of(summary: &ManifestSummary) -> Option<LocalPackageInfo> {
    Some(LocalPackageInfo {
        manifest_id: summary.id.clone()?,
        version: summary.version.clone()?,
        name: summary.name.clone().unwrap_or_default(),
    })
}

// ---- packages on disk (`botdeck package`, `botdeck catalog --package`) -------------------------

/// What `new_at` wrote.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPackageResult {
    pub path: String,
    pub name: String,
    pub version: String,
    pub manifest_version: String,
    pub id: String,
    pub bot_id: String,
    /// The bot id is the all-zero placeholder: set the Azure Bot's id before publishing.
    pub bot_id_is_placeholder: bool,
}

/// Creates a bot app package at `out`: a folder, or a zip when `out` ends in `.zip`. Refused
/// when the options make an invalid package, and (unless `force`) when `out` holds one already.
pub fn new_at(
    out: &Path,
    options: &NewBotAppOptions,
    force: bool,
) -> Result<NewPackageResult, ApiError> {
    let package = new_bot_app(options)?;
    // The options are the admin's input: check what is about to be written.
    let report = validate_package(&package.to_raw(), &ValidateOptions::default());
    if report.has_errors() {
        let problems: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} {}", f.code, f.message))
            .collect();
        return Err(ApiError::invalid_input(format!(
            "the options given produce an invalid package: {}",
            problems.join("; ")
        )));
    }
    if is_zip_path(out) {
        if out.exists() && !force {
            return Err(ApiError::invalid_input(format!(
                "{} already exists (use --force to overwrite)",
                out.display()
            )));
        }
        write_atomic(out, &package.build_zip()?)?;
    } else {
        if out.join(MANIFEST_FILE).exists() && !force {
            return Err(ApiError::invalid_input(format!(
                "{} already holds a manifest.json (use --force to overwrite)",
                out.display()
            )));
        }
        std::fs::create_dir_all(out).map_err(|e| {
            ApiError::invalid_input(format!("cannot create {}: {e}", out.display()))
        })?;
        write_atomic(
            &out.join(MANIFEST_FILE),
            package.manifest.to_json_pretty().as_bytes(),
        )?;
        for (name, bytes) in &package.files {
            write_atomic(&out.join(name), bytes)?;
        }
    }
    let m = &package.manifest;
    let bot_id = m
        .bots
        .as_deref()
        .and_then(<[_]>::first)
        .map(|b| b.bot_id.clone())
        .unwrap_or_default();
    Ok(NewPackageResult {
        path: out.display().to_string(),
        name: m.name.short.clone(),
        version: m.version.clone(),
        manifest_version: m.manifest_version.clone(),
        id: m.id.clone(),
        bot_id_is_placeholder: bot_id == pkg::template::NIL_GUID,
        bot_id,
    })
}

/// Validates a zip, a package folder or a bare manifest `.json`. `catalog_version`: the
/// catalog's current version, which the package must exceed.
pub fn validate_at(
    path: &Path,
    catalog_version: Option<&str>,
) -> Result<ValidationReport, ApiError> {
    let opts = validate_options(catalog_version)?;
    must_exist(path)?;
    if is_json_path(path) {
        let bytes = read_file(path)?;
        return Ok(validate_manifest(&bytes, &opts));
    }
    Ok(validate_path(path, &opts)?)
}

fn validate_options(catalog_version: Option<&str>) -> Result<ValidateOptions, ApiError> {
    let catalog_version = catalog_version
        .map(|text| {
            pkg::parse_catalog_version(text).map_err(|_| {
                ApiError::invalid_input(format!(
                    "--catalog-version {text:?} is not a version like 1.0.3"
                ))
            })
        })
        .transpose()?;
    Ok(ValidateOptions { catalog_version })
}

/// What `build_at` found and, when nothing blocked it, wrote.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildOutcome {
    pub report: ValidationReport,
    /// `None` when the report has errors: nothing was written.
    pub built: Option<BuiltZip>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuiltZip {
    pub path: String,
    pub size: u64,
    pub name: String,
    pub version: String,
}

/// Builds the upload zip of a package folder into `output` (replacing it), unless validation
/// finds errors.
pub fn build_at(dir: &Path, output: &Path) -> Result<BuildOutcome, ApiError> {
    must_exist(dir)?;
    if !dir.is_dir() {
        return Err(ApiError::invalid_input(format!(
            "{} is not a folder; build takes the folder holding manifest.json",
            dir.display()
        )));
    }
    let raw = read_path(dir, &ImportLimits::default())?;
    let report = validate_package(&raw, &ValidateOptions::default());
    if report.has_errors() {
        return Ok(BuildOutcome {
            report,
            built: None,
        });
    }
    let package = Package::from_raw(raw)?;
    let zip = package.build_zip()?;
    write_atomic(output, &zip)?;
    Ok(BuildOutcome {
        report,
        built: Some(BuiltZip {
            path: output.display().to_string(),
            size: zip.len() as u64,
            name: package.manifest.name.short.clone(),
            version: package.manifest.version.clone(),
        }),
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BumpResult {
    /// The file written: the folder's manifest.json, or the zip.
    pub path: String,
    pub old: String,
    pub new: String,
}

/// Bumps the version of a package folder (in place, touching only the version literal) or a
/// zip (rewritten, or written to `output`): the same change the window's Bump button makes.
pub fn bump_at(
    path: &Path,
    level: BumpLevel,
    output: Option<&Path>,
) -> Result<BumpResult, ApiError> {
    must_exist(path)?;
    let absolute = std::path::absolute(path)
        .map_err(|e| ApiError::invalid_input(format!("cannot use {}: {e}", path.display())))?;
    let mut studio = Studio::open_path(&absolute.display().to_string())?;
    let (old, new) = studio.bump(level)?;
    if path.is_dir() && output.is_none() {
        let file = path.join(MANIFEST_FILE);
        let text = studio.raw().manifest_bytes().unwrap_or_default();
        write_atomic(&file, text)?;
        return Ok(BumpResult {
            path: file.display().to_string(),
            old,
            new,
        });
    }
    let target = output.unwrap_or(path);
    let zip = Package::from_raw(studio.raw().clone())?.build_zip()?;
    write_atomic(target, &zip)?;
    Ok(BumpResult {
        path: target.display().to_string(),
        old,
        new,
    })
}

/// Field-by-field changes from `old` to `new` (zips, folders or bare manifest `.json` files).
pub fn diff_paths(old: &Path, new: &Path) -> Result<PackageDiff, ApiError> {
    let a = load_for_diff(old)?;
    let b = load_for_diff(new)?;
    if is_json_path(old) || is_json_path(new) {
        let parse = |r: &RawPackage| {
            r.manifest_bytes()
                .and_then(|m| {
                    serde_json::from_slice(m.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(m)).ok()
                })
                .unwrap_or(serde_json::Value::Null)
        };
        return Ok(diff_manifests(&parse(&a), &parse(&b)));
    }
    Ok(diff_packages(&a, &b))
}

/// What a package (zip or folder) contains.
pub fn inspect_at(path: &Path) -> Result<ManifestSummary, ApiError> {
    must_exist(path)?;
    let raw = read_path(path, &ImportLimits::default())?;
    Ok(summarize(&raw)?)
}

/// A package to upload: a zip's bytes, or a folder built into a zip.
pub fn upload_bytes(path: &Path) -> Result<Vec<u8>, ApiError> {
    must_exist(path)?;
    if path.is_dir() {
        return Ok(Package::from_path(path)?.build_zip()?);
    }
    read_file(path)
}

/// Manifest id and version of a package on disk, to compare with the catalog.
pub fn local_package_at(path: &Path) -> Result<LocalPackageInfo, ApiError> {
    let summary = inspect_at(path)?;
    info_of(&summary).ok_or_else(|| {
        ApiError::invalid_input(format!(
            "{}: the manifest has no id or no version",
            path.display()
        ))
    })
}

fn is_zip_path(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

fn is_json_path(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && p.is_file()
}

fn must_exist(p: &Path) -> Result<(), ApiError> {
    if p.exists() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::NotFound,
            format!("{}: no such file or folder", p.display()),
        ))
    }
}

fn read_file(p: &Path) -> Result<Vec<u8>, ApiError> {
    std::fs::read(p)
        .map_err(|e| ApiError::invalid_input(format!("cannot read {}: {e}", p.display())))
}

/// A package, a package folder, or a bare manifest file.
fn load_for_diff(p: &Path) -> Result<RawPackage, ApiError> {
    must_exist(p)?;
    if is_json_path(p) {
        let bytes = read_file(p)?;
        if serde_json::from_slice::<serde_json::Value>(
            bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes),
        )
        .is_err()
        {
            return Err(ApiError::invalid_input(format!(
                "{} is not valid JSON",
                p.display()
            )));
        }
        let mut raw = RawPackage::default();
        raw.files.insert(MANIFEST_FILE.into(), bytes);
        return Ok(raw);
    }
    let raw = read_path(p, &ImportLimits::default())?;
    if raw.manifest_bytes().is_none() {
        return Err(ApiError::invalid_input(format!(
            "{} has no manifest.json",
            p.display()
        )));
    }
    Ok(raw)
}

/// Writes via a temporary sibling and a rename, so a failed write never leaves half a file
/// where a good package used to be.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let fail = |e: std::io::Error| {
        ApiError::invalid_input(format!("cannot write {}: {e}", path.display()))
    };
    let dir: PathBuf = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        return Err(ApiError::invalid_input(format!(
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
