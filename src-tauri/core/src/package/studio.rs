//! The package open in the desktop Package page, and every change the page can make to it.
//!
//! It is kept as a [`RawPackage`] (manifest.json as bytes, not the typed model) on purpose: an
//! admin must be able to open a package whose manifest is broken, see the findings, and repair
//! it — the typed model would refuse to load exactly those packages.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Map, Value};

use crate::ids::EntraAppId;

use super::archive::{read_path, read_zip, ImportLimits, Package, RawPackage, MANIFEST_FILE};
use super::diff::{diff_packages, PackageDiff};
use super::error::{PackageError, PointerError};
use super::icons::{self, IconFix};
use super::ipc::{
    BuildResult, CommandForm, CommandListForm, IconFixPreview, IconRole, IconView, ManifestEdit,
    ManifestForm, NewPackageRequest, PackageView, RscPermissionForm,
};
use super::jsonutil;
use super::model::Manifest;
use super::summary::summarize;
use super::template::{new_bot_app, NewBotAppOptions};
use super::validate::{validate_package, ValidateOptions};
use super::version::{bump_version, parse_catalog_version, rewrite_version_text, BumpLevel};

/// Icons above this are not inlined into the view (they would bloat every IPC answer); the
/// findings still say what is wrong with them.
const MAX_PREVIEW_BYTES: usize = 2 * 1024 * 1024;
/// One request may not carry more edits than this (the form sends one field at a time).
const MAX_EDITS: usize = 500;

#[derive(Clone, Debug)]
pub struct Studio {
    raw: RawPackage,
    source: String,
    catalog: Option<(String, semver::Version)>,
    edited: bool,
}

fn usage(msg: impl Into<String>) -> PackageError {
    PackageError::Usage(msg.into())
}

impl Studio {
    /// A zip the admin picked in the window. Unsafe or oversized archives are refused here
    /// (nothing is stored), with the reason.
    pub fn open_zip(source: &str, bytes: &[u8]) -> Result<Studio, PackageError> {
        let raw = read_zip(bytes, &ImportLimits::default())?;
        Ok(Studio::from_raw(raw, source))
    }

    /// A zip file or a package folder on disk, named by path.
    pub fn open_path(path: &str) -> Result<Studio, PackageError> {
        let p = Path::new(path.trim());
        if path.trim().is_empty() {
            return Err(usage("type the path of a package folder or zip"));
        }
        if !p.is_absolute() {
            return Err(usage(format!(
                "{path:?} is not an absolute path; type the full path (e.g. /home/me/FlashDutyBot)"
            )));
        }
        let raw = read_path(p, &ImportLimits::default())?;
        if raw.manifest_bytes().is_none() && p.is_dir() {
            return Err(usage(format!("{path} has no manifest.json")));
        }
        Ok(Studio::from_raw(raw, &p.display().to_string()))
    }

    /// "New bot app" from the FlashDuty-like template.
    pub fn new_app(req: &NewPackageRequest) -> Result<Studio, PackageError> {
        let mut opts = NewBotAppOptions {
            name: req.name.clone(),
            ..NewBotAppOptions::default()
        };
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        if let Some(dev) = given(&req.developer_name) {
            opts.developer_name = dev.to_string();
        }
        if let Some(site) = given(&req.website_url) {
            opts.website_url = site.to_string();
        }
        // The Azure Bot's id is checked here, where the window hands it over: a package built
        // around a malformed id would only fail later, in Teams.
        opts.bot_id = given(&req.bot_id)
            .map(EntraAppId::parse)
            .transpose()
            .map_err(|e| PackageError::Usage(format!("botId: {e}")))?;
        let pkg = new_bot_app(&opts)?;
        Ok(Studio::from_raw(pkg.to_raw(), "New bot app"))
    }

    fn from_raw(raw: RawPackage, source: &str) -> Studio {
        Studio {
            raw,
            source: source.to_string(),
            catalog: None,
            edited: false,
        }
    }

    pub fn raw(&self) -> &RawPackage {
        &self.raw
    }

    fn options(&self) -> ValidateOptions {
        ValidateOptions {
            catalog_version: self.catalog.as_ref().map(|(_, v)| v.clone()),
        }
    }

    fn manifest_value(&self) -> Option<Value> {
        let bytes = self.raw.manifest_bytes()?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        serde_json::from_slice::<Value>(bytes)
            .ok()
            .filter(Value::is_object)
    }

    /// `<short name>-v<version>.zip`, the default name of the built zip.
    pub fn suggested_file_name(&self) -> String {
        suggested_file_name(self.manifest_value().map(|m| form_of(&m)).as_ref())
    }

    pub fn view(&self) -> PackageView {
        let manifest = self.manifest_value();
        let form = manifest.as_ref().map(form_of);
        let suggested = suggested_file_name(form.as_ref());
        PackageView {
            source: self.source.clone(),
            manifest_text: self
                .raw
                .manifest_bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
            form,
            summary: summarize(&self.raw).ok(),
            report: validate_package(&self.raw, &self.options()),
            color_icon: self.icon_view(manifest.as_ref(), IconRole::Color),
            outline_icon: self.icon_view(manifest.as_ref(), IconRole::Outline),
            catalog_version: self.catalog.as_ref().map(|(text, _)| text.clone()),
            edited: self.edited,
            default_save_dir: default_save_dir().map(|p| p.display().to_string()),
            suggested_file_name: suggested,
        }
    }

    fn icon_view(&self, manifest: Option<&Value>, role: IconRole) -> IconView {
        let file = manifest
            .and_then(|m| m.pointer(&format!("/icons/{}", role.manifest_key())))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let bytes = self.raw.files.get(&file).filter(|_| !file.is_empty());
        let (width, height) = bytes
            .and_then(|b| icons::decode_image(b).ok())
            .map(|img| (Some(img.width()), Some(img.height())))
            .unwrap_or((None, None));
        IconView {
            role,
            present: bytes.is_some(),
            data_url: bytes
                .filter(|b| b.len() <= MAX_PREVIEW_BYTES)
                .and_then(|b| data_url(b)),
            width,
            height,
            size: bytes.map_or(0, |b| b.len() as u64),
            expected_size: role.expected_size(),
            file,
        }
    }

    /// Applies JSON Pointer edits to manifest.json, all or nothing.
    pub fn edit(&mut self, edits: &[ManifestEdit]) -> Result<(), PackageError> {
        if edits.len() > MAX_EDITS {
            return Err(usage(format!(
                "{} edits in one request; at most {MAX_EDITS}",
                edits.len()
            )));
        }
        let mut value = self.manifest_value().ok_or_else(|| {
            usage("manifest.json is not a JSON object; fix it in the JSON editor first")
        })?;
        for e in edits {
            set_pointer(&mut value, &e.pointer, e.value.clone())
                .map_err(|why| usage(format!("cannot edit {:?}: {why}", e.pointer)))?;
        }
        self.raw.files.insert(
            MANIFEST_FILE.to_string(),
            write_manifest(&value).into_bytes(),
        );
        self.edited = true;
        Ok(())
    }

    /// Replaces manifest.json with the admin's text as typed. Broken JSON is accepted: the
    /// findings then point at the syntax error, which is how the editor shows it.
    pub fn set_manifest_text(&mut self, text: &str) -> Result<(), PackageError> {
        let max = ImportLimits::default().max_entry_bytes;
        if text.len() as u64 > max {
            return Err(PackageError::InputTooLarge {
                size: text.len() as u64,
                max,
            });
        }
        self.raw
            .files
            .insert(MANIFEST_FILE.to_string(), text.as_bytes().to_vec());
        self.edited = true;
        Ok(())
    }

    pub fn set_catalog_version(&mut self, text: Option<&str>) -> Result<(), PackageError> {
        self.catalog = match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => Some((t.to_string(), parse_catalog_version(t)?)),
        };
        Ok(())
    }

    /// Bumps `version`, changing only that literal in the admin's text (layout is kept).
    pub fn bump(&mut self, level: BumpLevel) -> Result<(String, String), PackageError> {
        let value = self
            .manifest_value()
            .ok_or_else(|| usage("manifest.json is not a JSON object; fix it first"))?;
        let old = value
            .get("version")
            .and_then(Value::as_str)
            .ok_or_else(|| usage("manifest.json has no \"version\" string to bump"))?
            .to_string();
        let new = bump_version(&old, level)?;
        let text = String::from_utf8_lossy(self.raw.manifest_bytes().unwrap_or_default());
        let rewritten = rewrite_version_text(&text, &new)
            .ok_or_else(|| usage("manifest.json has no \"version\" string to bump"))?;
        self.raw
            .files
            .insert(MANIFEST_FILE.to_string(), rewritten.into_bytes());
        self.edited = true;
        Ok((old, new))
    }

    fn icon_name(&self, role: IconRole) -> Result<String, PackageError> {
        self.manifest_value()
            .and_then(|m| {
                m.pointer(&format!("/icons/{}", role.manifest_key()))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                usage(format!(
                    "the manifest names no {} icon (icons.{})",
                    role_label(role),
                    role.manifest_key()
                ))
            })
    }

    fn fix(role: IconRole, bytes: &[u8]) -> Result<IconFix, PackageError> {
        match role {
            IconRole::Color => icons::fix_color_icon(bytes),
            IconRole::Outline => icons::fix_outline_icon(bytes),
        }
    }

    /// What the fix would make of the current icon, without changing the package.
    pub fn preview_icon_fix(&self, role: IconRole) -> Result<IconFixPreview, PackageError> {
        let name = self.icon_name(role)?;
        let bytes = self
            .raw
            .files
            .get(&name)
            .ok_or(PackageError::MissingFile { name })?;
        Ok(preview_of(role, &Studio::fix(role, bytes)?))
    }

    /// Replaces the icon with its fixed version (the fix is deterministic, so this is exactly
    /// what the preview showed).
    pub fn apply_icon_fix(&mut self, role: IconRole) -> Result<IconFixPreview, PackageError> {
        let name = self.icon_name(role)?;
        let bytes = self
            .raw
            .files
            .get(&name)
            .ok_or_else(|| PackageError::MissingFile { name: name.clone() })?;
        let fix = Studio::fix(role, bytes)?;
        let preview = preview_of(role, &fix);
        self.raw.files.insert(name, fix.after_png);
        self.edited = true;
        Ok(preview)
    }

    /// Replaces the icon with a PNG/JPEG the admin picked, converted to what Teams requires
    /// (192x192 PNG; 32x32 white-on-transparent PNG), so the file name stays truthful.
    pub fn replace_icon(
        &mut self,
        role: IconRole,
        bytes: &[u8],
    ) -> Result<IconFixPreview, PackageError> {
        let name = self.icon_name(role)?;
        let fix = Studio::fix(role, bytes)?;
        let preview = preview_of(role, &fix);
        self.raw.files.insert(name, fix.after_png);
        self.edited = true;
        Ok(preview)
    }

    /// The deterministic upload zip. Refused while the package has error findings, like
    /// `botdeck package build`: Teams would refuse the upload anyway.
    pub fn build_zip(&self) -> Result<Vec<u8>, PackageError> {
        let report = validate_package(&self.raw, &self.options());
        if report.has_errors() {
            return Err(usage(format!(
                "the package has {} error{}; fix {} before building",
                report.errors,
                if report.errors == 1 { "" } else { "s" },
                if report.errors == 1 { "it" } else { "them" }
            )));
        }
        Package::from_raw(self.raw.clone())?.build_zip()
    }

    /// Changes from `other` (old) to the open package (new).
    pub fn diff_against(&self, other_zip: &[u8]) -> Result<PackageDiff, PackageError> {
        let other = read_zip(other_zip, &ImportLimits::default())?;
        Ok(diff_packages(&other, &self.raw))
    }
}

fn role_label(role: IconRole) -> &'static str {
    match role {
        IconRole::Color => "colour",
        IconRole::Outline => "outline",
    }
}

fn data_url(bytes: &[u8]) -> Option<String> {
    let mime = if icons::is_png(bytes) {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return None;
    };
    Some(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

fn png_url(bytes: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn preview_of(role: IconRole, fix: &IconFix) -> IconFixPreview {
    IconFixPreview {
        role,
        before_data_url: png_url(&fix.before_png),
        before_width: fix.before_width,
        before_height: fix.before_height,
        after_data_url: png_url(&fix.after_png),
        after_width: fix.after_width,
        after_height: fix.after_height,
    }
}

/// Writes the edited manifest canonically (as `build` would) when it fits the typed model;
/// otherwise as plain pretty JSON, so an edit never fails just because the manifest is still
/// incomplete.
fn write_manifest(value: &Value) -> String {
    match serde_json::from_value::<Manifest>(value.clone()) {
        Ok(m) => m.to_json_pretty(),
        Err(_) => {
            let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// Sets or removes (`None`) the value at an RFC 6901 pointer. Missing objects on the way are
/// created; array indexes must exist, except one past the end, which appends.
pub fn set_pointer(
    root: &mut Value,
    pointer: &str,
    value: Option<Value>,
) -> Result<(), PointerError> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(if pointer.is_empty() {
            PointerError::WholeDocument
        } else {
            PointerError::NoLeadingSlash
        });
    };
    let tokens: Vec<String> = rest.split('/').map(jsonutil::unescape_token).collect();
    // `split` yields at least one token, even for "/".
    let (last, parents) = tokens.split_last().ok_or(PointerError::WholeDocument)?;
    let mut cur = root;
    for token in parents {
        cur = match cur {
            Value::Object(map) => {
                let slot = map
                    .entry(token.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if slot.is_null() {
                    *slot = Value::Object(Map::new());
                }
                slot
            }
            Value::Array(items) => {
                let len = items.len();
                let i = array_index(token, len)?;
                items
                    .get_mut(i)
                    .ok_or(PointerError::PastTheEnd { index: i, len })?
            }
            _ => return Err(PointerError::InsideScalar(token.clone())),
        };
    }
    match cur {
        Value::Object(map) => {
            match value {
                Some(v) => {
                    map.insert(last.clone(), v);
                }
                None => {
                    map.remove(last);
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            let len = items.len();
            let i = array_index(last, len)?;
            match value {
                Some(v) if i == len => items.push(v),
                Some(v) => items[i] = v,
                None if i < len => {
                    items.remove(i);
                }
                None => return Err(PointerError::PastTheEnd { index: i, len }),
            }
            Ok(())
        }
        _ => Err(PointerError::InsideScalar(last.clone())),
    }
}

fn array_index(token: &str, len: usize) -> Result<usize, PointerError> {
    if token == "-" {
        return Ok(len);
    }
    let i: usize = token
        .parse()
        .map_err(|_| PointerError::NotAnIndex(token.to_string()))?;
    if i > len {
        return Err(PointerError::PastTheEnd { index: i, len });
    }
    Ok(i)
}

fn text_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn strings_at(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn form_of(m: &Value) -> ManifestForm {
    let bot = m.pointer("/bots/0");
    let command_lists = bot
        .and_then(|b| b.get("commandLists"))
        .and_then(Value::as_array)
        .map(|lists| {
            lists
                .iter()
                .map(|l| CommandListForm {
                    scopes: strings_at(l.get("scopes")),
                    commands: l
                        .get("commands")
                        .and_then(Value::as_array)
                        .map(|cs| {
                            cs.iter()
                                .map(|c| CommandForm {
                                    title: text_at(c, "/title"),
                                    description: text_at(c, "/description"),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let rsc = m
        .pointer("/authorization/permissions/resourceSpecific")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| RscPermissionForm {
                    name: text_at(p, "/name"),
                    kind: text_at(p, "/type"),
                })
                .collect()
        })
        .unwrap_or_default();
    ManifestForm {
        manifest_version: text_at(m, "/manifestVersion"),
        version: text_at(m, "/version"),
        short_name: text_at(m, "/name/short"),
        full_name: text_at(m, "/name/full"),
        short_description: text_at(m, "/description/short"),
        full_description: text_at(m, "/description/full"),
        developer_name: text_at(m, "/developer/name"),
        website_url: text_at(m, "/developer/websiteUrl"),
        privacy_url: text_at(m, "/developer/privacyUrl"),
        terms_of_use_url: text_at(m, "/developer/termsOfUseUrl"),
        accent_color: text_at(m, "/accentColor"),
        bot_id: bot.map(|b| text_at(b, "/botId")),
        bot_scopes: strings_at(bot.and_then(|b| b.get("scopes"))),
        command_lists,
        valid_domains: strings_at(m.get("validDomains")),
        rsc_permissions: rsc,
        web_application_id: m
            .pointer("/webApplicationInfo/id")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// `FlashDutyBot-v1.0.4.zip`: the short name without characters file systems dislike.
fn suggested_file_name(form: Option<&ManifestForm>) -> String {
    let Some(f) = form else {
        return "package.zip".into();
    };
    let base: String = f
        .short_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let base = base.trim_matches('.');
    let base = if base.is_empty() { "package" } else { base };
    let version: String = f
        .version
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    if version.is_empty() {
        format!("{base}.zip")
    } else {
        format!("{base}-v{version}.zip")
    }
}

/// The OS Downloads folder (XDG `DOWNLOAD` on Linux), else `~/Downloads` if it exists, else
/// the home folder.
pub fn default_save_dir() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    if let Some(d) = dirs.download_dir().filter(|d| d.is_dir()) {
        return Some(d.to_path_buf());
    }
    let home = dirs.home_dir();
    let downloads = home.join("Downloads");
    Some(if downloads.is_dir() {
        downloads
    } else {
        home.to_path_buf()
    })
}

fn checked_file_name(name: &str) -> Result<String, PackageError> {
    let name = name.trim();
    if name.is_empty()
        || name.contains(['/', '\\', '\0'])
        || name == "."
        || name == ".."
        || name.starts_with('.')
    {
        return Err(usage(format!(
            "{name:?} is not a plain file name (no folders, not starting with '.')"
        )));
    }
    Ok(if name.to_ascii_lowercase().ends_with(".zip") {
        name.to_string()
    } else {
        format!("{name}.zip")
    })
}

/// Writes a built zip into `directory` (default: [`default_save_dir`]). An existing file with
/// other content is never overwritten: `name-2.zip`, `name-3.zip`... are tried instead, the way
/// browsers save downloads. The write goes through a temporary file and a rename, so a crash
/// never leaves half a zip under the final name.
pub fn save_zip(
    bytes: &[u8],
    directory: Option<&str>,
    file_name: &str,
) -> Result<BuildResult, PackageError> {
    let dir = match directory.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => {
            let p = PathBuf::from(d);
            if !p.is_absolute() {
                return Err(usage(format!("{d:?} is not an absolute folder path")));
            }
            if !p.is_dir() {
                return Err(PackageError::Io {
                    path: p,
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder"),
                });
            }
            p
        }
        None => default_save_dir()
            .ok_or_else(|| usage("no Downloads or home folder is known; type a folder"))?,
    };
    let name = checked_file_name(file_name)?;
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), "zip"));
    for n in 1..=999u32 {
        let candidate = if n == 1 {
            name.clone()
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(&candidate);
        if path.exists() {
            if std::fs::read(&path).is_ok_and(|existing| existing == bytes) {
                return Ok(BuildResult {
                    path: path.display().to_string(),
                    file_name: candidate,
                    size: bytes.len() as u64,
                    unchanged: true,
                });
            }
            continue;
        }
        let tmp = dir.join(format!(".{candidate}.part"));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(PackageError::Io { path, source: e });
        }
        return Ok(BuildResult {
            path: path.display().to_string(),
            file_name: candidate,
            size: bytes.len() as u64,
            unchanged: false,
        });
    }
    Err(usage(format!(
        "{} already holds {name} and 998 numbered copies; choose another name",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn studio() -> Studio {
        Studio::new_app(&NewPackageRequest {
            name: "FlashDutyBot".into(),
            ..Default::default()
        })
        .expect("template")
    }

    #[test]
    fn template_opens_valid_with_a_form() {
        let v = studio().view();
        assert_eq!(v.report.errors, 0, "{:?}", v.report.findings);
        let form = v.form.expect("form");
        assert_eq!(form.short_name, "FlashDutyBot");
        assert_eq!(form.command_lists.len(), 3);
        assert_eq!(form.command_lists[0].commands[0].title, "linkTeam");
        assert_eq!(v.suggested_file_name, "FlashDutyBot-v1.0.0.zip");
        assert!(v.outline_icon.data_url.is_some());
        assert_eq!(v.outline_icon.width, Some(32));
    }

    #[test]
    fn edits_revalidate_and_are_all_or_nothing() {
        let mut s = studio();
        s.edit(&[ManifestEdit {
            pointer: "/name/short".into(),
            value: Some(json!("x".repeat(31))),
        }])
        .expect("edit");
        let v = s.view();
        assert!(v.edited);
        assert!(v.report.codes().contains("BD-NAME-001"));
        let before = s.raw().clone();
        let err = s.edit(&[
            ManifestEdit {
                pointer: "/name/short".into(),
                value: Some(json!("ok")),
            },
            ManifestEdit {
                pointer: "/bots/7/botId".into(),
                value: Some(json!("x")),
            },
        ]);
        assert!(err.is_err());
        assert_eq!(s.raw(), &before);
    }

    #[test]
    fn pointer_edits() {
        let mut v = json!({"a": {"b": [1, 2]}, "x~/y": 1});
        set_pointer(&mut v, "/a/b/2", Some(json!(3))).expect("append");
        set_pointer(&mut v, "/a/b/0", None).expect("remove");
        set_pointer(&mut v, "/a/c/d", Some(json!("new"))).expect("create");
        set_pointer(&mut v, "/x~0~1y", None).expect("escaped");
        assert_eq!(v, json!({"a": {"b": [2, 3], "c": {"d": "new"}}}));
        assert!(set_pointer(&mut v, "", Some(json!(1))).is_err());
        assert!(set_pointer(&mut v, "a", Some(json!(1))).is_err());
        assert!(set_pointer(&mut v, "/a/b/9", Some(json!(1))).is_err());
        assert!(set_pointer(&mut v, "/a/b/x", Some(json!(1))).is_err());
        assert!(set_pointer(&mut v, "/a/c/d/e", Some(json!(1))).is_err());
    }

    #[test]
    fn broken_json_is_kept_and_reported() {
        let mut s = studio();
        s.set_manifest_text("{\"version\": ").expect("text");
        let v = s.view();
        assert!(v.form.is_none());
        assert!(v.report.codes().contains("BD-JSON-003"));
        assert!(s.edit(&[]).is_err());
        assert!(s.bump(BumpLevel::Patch).is_err());
        assert!(s.build_zip().is_err());
    }

    #[test]
    fn bump_keeps_layout_and_catalog_rule_applies() {
        let mut s = studio();
        s.set_catalog_version(Some("1.0.0")).expect("catalog");
        assert!(s.view().report.codes().contains("BD-VER-002"));
        assert!(s.set_catalog_version(Some("one")).is_err());
        let text = s.view().manifest_text;
        assert_eq!(
            s.bump(BumpLevel::Minor).expect("bump"),
            ("1.0.0".into(), "1.1.0".into())
        );
        let v = s.view();
        assert_eq!(v.manifest_text, text.replace("\"1.0.0\"", "\"1.1.0\""));
        assert_eq!(v.report.errors, 0);
    }

    #[test]
    fn outline_fix_turns_a_red_icon_valid() {
        let mut s = studio();
        let red = icons::encode_png(&image::RgbaImage::from_pixel(
            64,
            64,
            image::Rgba([200, 0, 0, 255]),
        ))
        .expect("png");
        s.raw.files.insert("outline.png".into(), red);
        assert!(s.view().report.codes().contains("BD-ICON-004"));
        let preview = s.preview_icon_fix(IconRole::Outline).expect("preview");
        assert_eq!((preview.before_width, preview.after_width), (64, 32));
        s.apply_icon_fix(IconRole::Outline).expect("fix");
        assert_eq!(s.view().report.errors, 0);
        assert!(s.replace_icon(IconRole::Color, b"<svg></svg>").is_err());
    }

    #[test]
    fn builds_deterministically_and_saves_without_overwriting() {
        let s = studio();
        let zip = s.build_zip().expect("build");
        assert_eq!(zip, s.build_zip().expect("again"));
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path().to_str().expect("utf8");
        let first = save_zip(&zip, Some(d), "Bot-v1.zip").expect("save");
        assert!(!first.unchanged);
        let same = save_zip(&zip, Some(d), "Bot-v1.zip").expect("same");
        assert!(same.unchanged);
        assert_eq!(same.path, first.path);
        let other = save_zip(b"other", Some(d), "Bot-v1").expect("other");
        assert_eq!(other.file_name, "Bot-v1-2.zip");
        assert!(save_zip(&zip, Some(d), "../x.zip").is_err());
        assert!(save_zip(&zip, Some("relative"), "x.zip").is_err());
        assert!(save_zip(&zip, Some("/no/such/dir/here"), "x.zip").is_err());
    }

    #[test]
    fn diff_flags_reconsent() {
        let old = studio();
        let old_zip = old.build_zip().expect("zip");
        let mut s = old.clone();
        s.edit(&[ManifestEdit {
            pointer: "/bots/0/botId".into(),
            value: Some(json!("6f1b6e2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b")),
        }])
        .expect("edit");
        let d = s.diff_against(&old_zip).expect("diff");
        assert!(d.reconsent_required);
        assert!(s.diff_against(b"not a zip").is_err());
    }
}
