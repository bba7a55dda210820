//! Package studio: the Teams app package (manifest.json + icons + localization files → zip).
//!
//! - [`model`]: typed manifest that round-trips unknown fields;
//! - [`validate`]: schema + service-side rules → [`ValidationReport`] of [`Finding`]s with
//!   stable codes ([`Rule`]); [`sarif`] renders them for CI;
//! - [`archive`]: safe zip import (zip-slip / zip-bomb limits) and deterministic build;
//! - [`icons`]: icon checks and fixes; [`template`]: "new bot app";
//! - [`version`]: bumps; [`diff`]: field diff with re-consent flags; [`summary`]: inspect;
//! - [`studio`]: the package open in the desktop window; [`ipc`]: its request/response types.
//!
//! `botdeck package ...` (src-tauri/cli/src/package_cmd.rs) is a thin shell over this module,
//! and so will be the UI's package page.

pub mod archive;
pub mod diff;
pub mod error;
pub mod fixtures;
pub mod icons;
pub mod ipc;
mod jsonutil;
pub mod model;
pub mod rules;
pub mod sarif;
pub mod schema;
pub mod studio;
pub mod summary;
pub mod template;
pub mod validate;
pub mod version;

pub use archive::{
    read_dir, read_path, read_zip, unsafe_name_reason, write_zip, ImportLimits, Package,
    RawPackage, MANIFEST_FILE,
};
pub use diff::{diff_manifests, diff_packages, ChangeKind, DiffEntry, FileChange, PackageDiff};
pub use error::PackageError;
pub use icons::{fix_color_icon, fix_outline_icon, IconFix};
pub use model::Manifest;
pub use rules::{Finding, Rule, RuleInfo, Severity};
pub use sarif::to_sarif;
pub use schema::SchemaVersion;
pub use summary::{summarize, ManifestSummary};
pub use template::{new_bot_app, NewBotAppOptions};
pub use validate::{
    parse_app_version, validate_manifest, validate_package, validate_path, validate_zip,
    ValidateOptions, ValidationReport, MAX_PACKAGE_BYTES,
};
pub use version::{
    bump_package, bump_version, parse_catalog_version, rewrite_version_text, BumpLevel,
};

/// The package studio's types as TypeScript, for the UI (see `botdeck_api::views::all_bindings`).
pub fn ts_bindings() -> Vec<crate::bindings::Binding> {
    crate::bindings_of![
        Finding,
        Severity,
        validate::ValidationReport,
        SchemaVersion,
        ManifestSummary,
        summary::CommandSummary,
        summary::FileEntry,
        PackageDiff,
        DiffEntry,
        FileChange,
        ChangeKind,
        version::BumpLevel,
        ipc::PackageView,
        ipc::ManifestForm,
        ipc::CommandListForm,
        ipc::CommandForm,
        ipc::RscPermissionForm,
        ipc::IconRole,
        ipc::IconView,
        ipc::IconFixPreview,
        ipc::IconChange,
        ipc::ManifestEdit,
        ipc::PackageEditRequest,
        ipc::SetManifestRequest,
        ipc::NewPackageRequest,
        ipc::OpenPathRequest,
        ipc::CatalogVersionRequest,
        ipc::BumpRequest,
        ipc::IconRequest,
        ipc::BuildRequest,
        ipc::BuildResult,
        ipc::DiffResult,
    ]
}
