use std::path::PathBuf;

/// Why a package operation could not run at all. Problems *inside* a package that can still be
/// read are not errors: they are [`super::Finding`]s in a [`super::ValidationReport`].
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The zip reader's own words ("Could not find EOCD", "invalid Zip archive: ...") mean
    /// nothing to an admin: they stay in the value (logs, `{:?}`), not in the message.
    #[error("this file is not a zip archive (or it is damaged)")]
    NotAZip(String),
    #[error("unsafe entry path {name:?} in the archive: {reason}")]
    UnsafeEntryPath { name: String, reason: &'static str },
    #[error("the archive has {count} entries; at most {max} are accepted")]
    TooManyEntries { count: usize, max: usize },
    #[error("entry {name:?} is {size} bytes uncompressed; at most {max} are accepted")]
    EntryTooLarge { name: String, size: u64, max: u64 },
    #[error("the archive expands to more than {max} bytes")]
    TotalTooLarge { max: u64 },
    #[error("the input is {size} bytes; at most {max} are accepted")]
    InputTooLarge { size: u64, max: u64 },
    #[error("the archive contains {name:?} twice")]
    DuplicateEntry { name: String },
    #[error("{name:?} in the package folder is a symbolic link to {target:?}, outside the folder; BotDeck does not follow links out of a package folder (copy the file into the folder instead)")]
    SymlinkOutsideFolder { name: String, target: PathBuf },
    #[error("manifest.json is missing")]
    MissingManifest,
    #[error("manifest.json is not valid: {0}")]
    InvalidManifest(String),
    #[error("the manifest references {name:?} but the package has no such file")]
    MissingFile { name: String },
    #[error("unsupported image: {0}")]
    UnsupportedImage(String),
    #[error("image processing failed: {0}")]
    Image(String),
    #[error("{0:?} is not a semantic version (MAJOR.MINOR.PATCH)")]
    BadVersion(String),
    #[error("version overflow: {0} cannot be bumped further")]
    VersionOverflow(String),
    #[error("cannot write the archive: {0}")]
    ZipWrite(String),
    #[error("{0}")]
    Usage(String),
}

/// Why a manifest `version` is not one the Teams service accepts (MAJOR.MINOR.PATCH).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionFormatError {
    #[error("{version:?} must have exactly three dot-separated numbers")]
    NotThreeParts { version: String },
    #[error("{version:?}: part {part:?} is not a number")]
    NotANumber { version: String, part: String },
    #[error("{version:?}: part {part:?} has a leading zero")]
    LeadingZero { version: String, part: String },
    #[error("{version:?}: part {part:?} is too large")]
    TooLarge { version: String, part: String },
    #[error("{version:?}: part {part:?} exceeds {max}")]
    AboveLimit {
        version: String,
        part: String,
        max: u64,
    },
}

/// Why a manifest edit's JSON Pointer cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    #[error("the whole manifest cannot be replaced by an edit")]
    WholeDocument,
    #[error("a JSON Pointer starts with '/'")]
    NoLeadingSlash,
    #[error("{0:?} is inside a value that is not an object")]
    InsideScalar(String),
    #[error("{0:?} is not an array index")]
    NotAnIndex(String),
    #[error("index {index} is past the end ({len} items)")]
    PastTheEnd { index: usize, len: usize },
}

impl PackageError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PackageError::Io {
            path: path.into(),
            source,
        }
    }
}
