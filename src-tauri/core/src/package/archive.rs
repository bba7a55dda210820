//! Reading and writing package archives. Reading is hostile-input code: names are checked
//! before anything is stored, and sizes are enforced on the bytes actually inflated, not only
//! on what the central directory declares.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::error::PackageError;
use super::model::{referenced_files, Manifest};

pub const MANIFEST_FILE: &str = "manifest.json";

/// Limits applied while importing. The defaults leave room above Teams' 10 MB package limit so
/// that an oversized package is still read and reported as a finding rather than refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportLimits {
    pub max_archive_bytes: u64,
    pub max_entries: usize,
    pub max_entry_bytes: u64,
    pub max_total_bytes: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_archive_bytes: 64 * 1024 * 1024,
            max_entries: 256,
            max_entry_bytes: 32 * 1024 * 1024,
            max_total_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The files of a package as found, before the manifest is interpreted. Validation works on
/// this so it can report a broken manifest instead of failing to load it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPackage {
    /// Entry name → content. Names are safe (checked on import) but may contain `/` when the
    /// archive had folders; validation reports those.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Explicit directory entries found in the archive.
    pub folders: Vec<String>,
    /// Size of the archive the files came from, when they came from one.
    pub archive_size: Option<u64>,
}

impl RawPackage {
    pub fn manifest_bytes(&self) -> Option<&[u8]> {
        self.files.get(MANIFEST_FILE).map(Vec::as_slice)
    }

    pub fn content_size(&self) -> u64 {
        self.files.values().map(|v| v.len() as u64).sum()
    }
}

/// A package whose manifest parsed into the typed model. `files` holds every other file
/// (icons, localization files), keyed by their name at the package root.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Package {
    pub manifest: Manifest,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Why an entry name is unsafe to extract or to trust, or `None` if it is a plain relative
/// name. Folder components (`a/b`) are not unsafe, only non-conforming.
pub fn unsafe_name_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("empty name");
    }
    if name.contains('\0') {
        return Some("NUL character in the name");
    }
    if name.contains('\\') {
        return Some("backslash in the name (Windows path separator)");
    }
    if name.starts_with('/') {
        return Some("absolute path");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Some("absolute path (drive letter)");
    }
    for part in name.trim_end_matches('/').split('/') {
        if part == ".." {
            return Some("parent-directory component (..)");
        }
        if part == "." || part.is_empty() {
            return Some("empty or `.` path component");
        }
    }
    None
}

/// Reads a zip archive into memory, refusing unsafe names and anything over `limits`.
pub fn read_zip(bytes: &[u8], limits: &ImportLimits) -> Result<RawPackage, PackageError> {
    let archive_size = bytes.len() as u64;
    if archive_size > limits.max_archive_bytes {
        return Err(PackageError::InputTooLarge {
            size: archive_size,
            max: limits.max_archive_bytes,
        });
    }
    // The zip reader keeps only the last of several same-named entries; which copy Teams
    // would read is anyone's guess, so duplicates are refused before it can hide one.
    if let Some(name) = duplicate_central_name(bytes) {
        return Err(PackageError::DuplicateEntry { name });
    }
    let mut zip =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| PackageError::NotAZip(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(PackageError::TooManyEntries {
            count: zip.len(),
            max: limits.max_entries,
        });
    }
    // Pass 1: names and declared sizes, before inflating a single byte.
    let mut declared_total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| PackageError::NotAZip(e.to_string()))?;
        let name = entry.name().to_string();
        if let Some(reason) = unsafe_name_reason(&name) {
            return Err(PackageError::UnsafeEntryPath { name, reason });
        }
        if entry.size() > limits.max_entry_bytes {
            return Err(PackageError::EntryTooLarge {
                name,
                size: entry.size(),
                max: limits.max_entry_bytes,
            });
        }
        declared_total = declared_total.saturating_add(entry.size());
        if declared_total > limits.max_total_bytes {
            return Err(PackageError::TotalTooLarge {
                max: limits.max_total_bytes,
            });
        }
    }
    // Pass 2: inflate with hard caps, since declared sizes can lie.
    let mut out = RawPackage {
        archive_size: Some(archive_size),
        ..RawPackage::default()
    };
    let mut actual_total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| PackageError::NotAZip(e.to_string()))?;
        let name = entry.name().to_string();
        if entry.is_dir() {
            if !out.folders.contains(&name) {
                out.folders.push(name);
            }
            continue;
        }
        let remaining_total = limits.max_total_bytes.saturating_sub(actual_total);
        let cap = limits.max_entry_bytes.min(remaining_total);
        let mut buf = Vec::new();
        entry
            .take(cap.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| PackageError::NotAZip(format!("{name}: {e}")))?;
        let got = buf.len() as u64;
        if got > limits.max_entry_bytes {
            return Err(PackageError::EntryTooLarge {
                name,
                size: got,
                max: limits.max_entry_bytes,
            });
        }
        if got > cap {
            return Err(PackageError::TotalTooLarge {
                max: limits.max_total_bytes,
            });
        }
        actual_total += got;
        if out.files.contains_key(&name) {
            return Err(PackageError::DuplicateEntry { name });
        }
        out.files.insert(name, buf);
    }
    Ok(out)
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok()
}

/// First name that appears twice in the central directory. Best effort: archives this walk
/// cannot follow (zip64, damaged) are left to the zip reader.
fn duplicate_central_name(b: &[u8]) -> Option<String> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CEN: &[u8] = b"PK\x01\x02";
    let search_from = b.len().saturating_sub(22 + 65_535);
    let eocd = (search_from..=b.len().saturating_sub(22))
        .rev()
        .find(|&i| b.get(i..i + 4) == Some(EOCD))?;
    let count = u16_at(b, eocd + 10)?;
    let mut pos = u32_at(b, eocd + 16)?;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..count {
        if b.get(pos..pos + 4)? != CEN {
            return None;
        }
        let name_len = u16_at(b, pos + 28)?;
        let extra_len = u16_at(b, pos + 30)?;
        let comment_len = u16_at(b, pos + 32)?;
        let name = b.get(pos + 46..pos + 46 + name_len)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        pos = pos + 46 + name_len + extra_len + comment_len;
    }
    None
}

fn read_file_capped(path: &Path, max: u64) -> Result<Vec<u8>, PackageError> {
    let meta = std::fs::metadata(path).map_err(|e| PackageError::io(path, e))?;
    if meta.len() > max {
        return Err(PackageError::InputTooLarge {
            size: meta.len(),
            max,
        });
    }
    let file = std::fs::File::open(path).map_err(|e| PackageError::io(path, e))?;
    let mut buf = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| PackageError::io(path, e))?;
    if buf.len() as u64 > max {
        return Err(PackageError::InputTooLarge {
            size: buf.len() as u64,
            max,
        });
    }
    Ok(buf)
}

/// The path to read for `name` in the package folder `dir`. A symlink is followed only while
/// it stays inside the folder: a package is what the folder holds, and a link to
/// `~/.ssh/id_rsa` named `outline.png` must not carry that file into an upload or a preview.
/// The resolved path is what gets read, so the check and the read see the same file.
fn contained_path(dir: &Path, name: &str) -> Result<std::path::PathBuf, PackageError> {
    let path = dir.join(name);
    let is_link = std::fs::symlink_metadata(&path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if !is_link {
        return Ok(path);
    }
    let root = std::fs::canonicalize(dir).map_err(|e| PackageError::io(dir, e))?;
    match std::fs::canonicalize(&path) {
        Ok(target) if target.starts_with(&root) => Ok(target),
        Ok(target) => Err(PackageError::SymlinkOutsideFolder {
            name: name.to_string(),
            target,
        }),
        // A dangling link reads as a missing file, like any other absent reference.
        Err(_) => Ok(path),
    }
}

/// Reads a package folder: `manifest.json` plus the files it references that sit at the folder
/// root. Other files in the folder are ignored, exactly as `build` would ignore them. Symlinks
/// that lead out of the folder are refused.
pub fn read_dir(dir: &Path, limits: &ImportLimits) -> Result<RawPackage, PackageError> {
    let mut out = RawPackage::default();
    let manifest_path = contained_path(dir, MANIFEST_FILE)?;
    if !manifest_path.is_file() {
        if !dir.is_dir() {
            return Err(PackageError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
            ));
        }
        return Ok(out);
    }
    let manifest = read_file_capped(&manifest_path, limits.max_entry_bytes)?;
    let text = manifest.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&manifest);
    let refs = serde_json::from_slice::<serde_json::Value>(text)
        .map(|v| referenced_files(&v))
        .unwrap_or_default();
    out.files.insert(MANIFEST_FILE.to_string(), manifest);
    let mut total = 0u64;
    for name in refs {
        if unsafe_name_reason(&name).is_some() || name.contains('/') || name == MANIFEST_FILE {
            continue;
        }
        let path = contained_path(dir, &name)?;
        if !path.is_file() {
            continue;
        }
        let bytes = read_file_capped(&path, limits.max_entry_bytes)?;
        total += bytes.len() as u64;
        if total > limits.max_total_bytes {
            return Err(PackageError::TotalTooLarge {
                max: limits.max_total_bytes,
            });
        }
        out.files.insert(name, bytes);
    }
    Ok(out)
}

/// Reads a package from a folder or a zip file, whichever `path` is.
pub fn read_path(path: &Path, limits: &ImportLimits) -> Result<RawPackage, PackageError> {
    if path.is_dir() {
        read_dir(path, limits)
    } else {
        let bytes = read_file_capped(path, limits.max_archive_bytes)?;
        read_zip(&bytes, limits)
    }
}

impl Package {
    /// Interprets a raw package. Fails only if the manifest is absent or does not fit the
    /// typed model; use validation to learn everything else that is wrong.
    pub fn from_raw(raw: RawPackage) -> Result<Package, PackageError> {
        let mut files = raw.files;
        let bytes = files
            .remove(MANIFEST_FILE)
            .ok_or(PackageError::MissingManifest)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| PackageError::InvalidManifest(format!("not UTF-8: {e}")))?;
        let manifest =
            Manifest::from_json(text).map_err(|e| PackageError::InvalidManifest(e.to_string()))?;
        Ok(Package { manifest, files })
    }

    pub fn from_zip(bytes: &[u8]) -> Result<Package, PackageError> {
        Package::from_raw(read_zip(bytes, &ImportLimits::default())?)
    }

    pub fn from_path(path: &Path) -> Result<Package, PackageError> {
        Package::from_raw(read_path(path, &ImportLimits::default())?)
    }

    /// The files `build_zip` would write, with the manifest serialised canonically.
    pub fn to_raw(&self) -> RawPackage {
        let mut files = self.files.clone();
        files.insert(
            MANIFEST_FILE.to_string(),
            self.manifest.to_json_pretty().into_bytes(),
        );
        RawPackage {
            files,
            folders: Vec::new(),
            archive_size: None,
        }
    }

    /// Builds the upload zip: `manifest.json` first, then the referenced files in name order,
    /// all at the root, fixed timestamp, permissions and compression, so equal packages give
    /// equal bytes. Files the manifest does not reference are left out.
    pub fn build_zip(&self) -> Result<Vec<u8>, PackageError> {
        let mut names = self.manifest.referenced_files();
        for name in &names {
            if let Some(reason) = unsafe_name_reason(name) {
                return Err(PackageError::UnsafeEntryPath {
                    name: name.clone(),
                    reason,
                });
            }
            if name.contains('/') {
                return Err(PackageError::UnsafeEntryPath {
                    name: name.clone(),
                    reason: "files must sit at the package root",
                });
            }
            if !self.files.contains_key(name) {
                return Err(PackageError::MissingFile { name: name.clone() });
            }
        }
        names.sort();
        names.dedup();
        names.retain(|n| n != MANIFEST_FILE);
        let mut entries: Vec<(&str, &[u8])> = Vec::with_capacity(names.len() + 1);
        let manifest = self.manifest.to_json_pretty();
        entries.push((MANIFEST_FILE, manifest.as_bytes()));
        for name in &names {
            if let Some(bytes) = self.files.get(name) {
                entries.push((name.as_str(), bytes.as_slice()));
            }
        }
        write_zip(&entries)
    }
}

/// Writes entries in the given order with deterministic metadata.
pub fn write_zip(entries: &[(&str, &[u8])]) -> Result<Vec<u8>, PackageError> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .large_file(false);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, options)
            .map_err(|e| PackageError::ZipWrite(e.to_string()))?;
        zip.write_all(bytes)
            .map_err(|e| PackageError::ZipWrite(e.to_string()))?;
    }
    let cursor = zip
        .finish()
        .map_err(|e| PackageError::ZipWrite(e.to_string()))?;
    Ok(cursor.into_inner())
}
