//! The rule catalogue. Codes are part of BotDeck's public contract (CI pipelines filter on them,
//! SARIF baselines key on them): never renumber or reuse a code; retire it instead.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Static description of a rule: what the docs table, `--format sarif` and the UI show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub code: &'static str,
    /// Short slug, used as the SARIF rule name.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub fix: &'static str,
}

macro_rules! rules {
    ($( $variant:ident => $code:literal, $name:literal, $sev:ident, $summary:literal, $fix:literal; )*) => {
        /// Every check BotDeck performs on a package. See `docs/package-studio.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $( $variant, )* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            pub fn info(self) -> &'static RuleInfo {
                match self {
                    $( Rule::$variant => &RuleInfo {
                        code: $code,
                        name: $name,
                        severity: Severity::$sev,
                        summary: $summary,
                        fix: $fix,
                    }, )*
                }
            }
        }
    };
}

rules! {
    ZipInvalid => "BD-ZIP-001", "zip-unreadable", Error,
        "The package is not a readable zip archive.",
        "Re-create the package with `botdeck package build <dir> -o app.zip`.";
    ManifestNotAtRoot => "BD-ZIP-002", "manifest-not-at-root", Error,
        "manifest.json is missing from the root of the package.",
        "Zip the files themselves, not the folder that holds them: manifest.json must be a top-level entry.";
    EntryInFolder => "BD-ZIP-003", "entry-in-folder", Error,
        "The package contains a folder or a file inside a folder; Teams reads only top-level files.",
        "Move every file to the root of the package and reference it by its bare file name.";
    UnsafeEntryPath => "BD-ZIP-004", "unsafe-entry-path", Error,
        "An entry name is absolute, contains `..` or a backslash (zip-slip).",
        "Rebuild the package with a tool that stores plain relative names, e.g. `botdeck package build`.";
    PackageTooLarge => "BD-ZIP-005", "package-too-large", Error,
        "The package content exceeds the 10 MB limit.",
        "Shrink the icons (they only need 192x192 and 32x32) and drop files the manifest does not reference.";
    ArchiveLimits => "BD-ZIP-006", "archive-limits", Error,
        "The archive exceeds BotDeck's import limits (entry count or declared/actual expanded size); it may be a zip bomb.",
        "Rebuild the package with only manifest.json, the two icons and the localization files.";
    UnreferencedFile => "BD-ZIP-007", "unreferenced-file", Warning,
        "A file in the package is not referenced by the manifest.",
        "Remove it; `botdeck package build` includes only referenced files.";
    DuplicateEntry => "BD-ZIP-008", "duplicate-entry", Error,
        "Two entries in the archive have the same name.",
        "Rebuild the package so each file appears once.";
    MissingFile => "BD-REF-001", "referenced-file-missing", Error,
        "A file referenced by the manifest (icon or localization file) is not in the package.",
        "Add the file at the root of the package or fix the file name in the manifest (names are case-sensitive).";
    NotUtf8 => "BD-JSON-001", "json-not-utf8", Error,
        "The JSON file is not valid UTF-8.",
        "Save the file as UTF-8 (without BOM).";
    Bom => "BD-JSON-002", "json-bom", Error,
        "The JSON file starts with a UTF-8 byte-order mark, which the Teams service rejects.",
        "Save the file as UTF-8 without BOM.";
    InvalidJson => "BD-JSON-003", "json-syntax", Error,
        "The file is not valid JSON (trailing comma, comment, missing quote...) or its root is not an object.",
        "Fix the syntax at the reported line and column.";
    Schema => "BD-SCHEMA-001", "schema", Error,
        "The manifest does not satisfy Microsoft's JSON Schema for its manifestVersion.",
        "Fix the value at the reported JSON path; the message quotes the schema constraint.";
    UnsupportedManifestVersion => "BD-SCHEMA-002", "manifest-version-unsupported", Error,
        "manifestVersion is missing or is not a version Teams accepts (1.0-1.17, 1.19-1.30, devPreview; there is no 1.18).",
        "Set manifestVersion to a supported version, e.g. \"1.30\".";
    SchemaUrlMismatch => "BD-SCHEMA-003", "schema-url-mismatch", Warning,
        "The `$schema` URL names a different version than manifestVersion.",
        "Point $schema at https://developer.microsoft.com/json-schemas/teams/v<manifestVersion>/MicrosoftTeams.schema.json.";
    DevPreview => "BD-SCHEMA-004", "dev-preview", Error,
        "manifestVersion is devPreview, which cannot be published to an org app catalog.",
        "Use a released manifestVersion (newest: 1.30) for org release; keep devPreview for sideloading only.";
    IdNotGuid => "BD-ID-001", "id-not-guid", Error,
        "The app `id` is not a GUID.",
        "Use a GUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301, and keep it stable across versions.";
    VersionFormat => "BD-VER-001", "version-format", Error,
        "`version` is not MAJOR.MINOR.PATCH (digits only, no leading zeros, each part <= 999999999).",
        "Use e.g. \"1.0.3\"; no 'v' prefix, pre-release or build suffix.";
    VersionNotGreater => "BD-VER-002", "version-not-greater", Error,
        "`version` is not greater than the version already in the org catalog.",
        "Bump it: `botdeck package bump <pkg> patch`.";
    NameShort => "BD-NAME-001", "name-short-length", Error,
        "`name.short` is empty or longer than 30 characters.",
        "Use a display name of 1 to 30 characters.";
    NameFull => "BD-NAME-002", "name-full-length", Error,
        "`name.full` is longer than 100 characters.",
        "Shorten the full name to at most 100 characters.";
    DescriptionShort => "BD-DESC-001", "description-short-length", Error,
        "`description.short` must be 1 to 80 characters.",
        "Write a one-line summary of at most 80 characters.";
    DescriptionFull => "BD-DESC-002", "description-full-length", Error,
        "`description.full` must be 1 to 4000 characters.",
        "Write a full description of at most 4000 characters.";
    DeveloperUrlNotHttps => "BD-DEV-001", "developer-url-https", Error,
        "A developer URL (websiteUrl, privacyUrl, termsOfUseUrl) is not an https:// URL.",
        "Use an https:// URL with a host name.";
    AccentColor => "BD-COLOR-001", "accent-color", Error,
        "`accentColor` is not a #RRGGBB colour.",
        "Use six hex digits after '#', e.g. \"#4464EE\".";
    ColorIconNotPng => "BD-ICON-001", "color-icon-not-png", Error,
        "The colour icon is not a readable PNG image.",
        "Convert it: the package studio imports PNG/JPEG and writes a 192x192 PNG.";
    ColorIconSize => "BD-ICON-002", "color-icon-size", Error,
        "The colour icon is not 192x192 pixels.",
        "Resize it to 192x192 (`fix_color_icon` keeps the aspect ratio and pads with transparency).";
    OutlineIconNotPng => "BD-ICON-003", "outline-icon-not-png", Error,
        "The outline icon is not a readable PNG image.",
        "Convert it: the package studio writes a 32x32 white-on-transparent PNG.";
    OutlineIconSize => "BD-ICON-004", "outline-icon-size", Error,
        "The outline icon is not 32x32 pixels.",
        "Resize it to 32x32 (`fix_outline_icon`).";
    OutlineIconTransparency => "BD-ICON-005", "outline-icon-transparency", Error,
        "The outline icon has pixels that are neither white nor fully transparent.",
        "Make the shape pure white (#FFFFFF) on a fully transparent background (`fix_outline_icon`).";
    OutlineIconPartialAlpha => "BD-ICON-006", "outline-icon-partial-alpha", Warning,
        "The outline icon has white pixels that are only partly opaque; Microsoft's validator has rejected such icons (e.g. alpha 216) although the docs only ask for white on transparent.",
        "Let the package studio fix the outline icon: every pixel becomes opaque white or fully transparent (`fix_outline_icon`).";
    TooManyBots => "BD-BOT-001", "too-many-bots", Error,
        "The manifest declares more than one bot.",
        "Keep a single entry in `bots`.";
    BotIdNotGuid => "BD-BOT-002", "bot-id-not-guid", Error,
        "`botId` is not a GUID (the Microsoft App ID of the Azure Bot registration).",
        "Copy the Microsoft App ID from the Azure Bot resource.";
    BotScope => "BD-BOT-003", "bot-scope", Error,
        "A bot or command-list scope is not valid for this manifestVersion.",
        "Use team and personal (every version), groupChat (from 1.3; command lists from 1.4) and copilot (from 1.21); the lowercase `groupchat` is accepted only from 1.3 to 1.16.";
    BotIdMissing => "BD-BOT-007", "bot-id-missing", Error,
        "A bot has no `botId`; every manifest version requires it (`id` is not an accepted spelling).",
        "Rename the bot's \"id\" to \"botId\" (the Microsoft App ID of the Azure Bot resource).";
    CommandListWithoutCommands => "BD-BOT-008", "command-list-without-commands", Error,
        "A `commandLists` entry has no `commands`; every manifest version requires them.",
        "Add the commands the list offers in its scopes, or delete the entry.";
    TooManyCommands => "BD-BOT-004", "too-many-commands", Error,
        "A command list has more commands than the manifestVersion allows (10; 12 from 1.24).",
        "Remove commands or raise manifestVersion to 1.24 or later.";
    CommandTitleLength => "BD-BOT-005", "command-title-length", Error,
        "A command title is empty or too long (32 characters; 128 from 1.21).",
        "Keep the title the bare command word, e.g. \"linkTeam\"; put arguments in the description.";
    CommandDescriptionLength => "BD-BOT-006", "command-description-length", Error,
        "A command description is empty or too long (128 characters; 4000 from 1.21).",
        "Shorten the description.";
    DomainSyntax => "BD-DOMAIN-001", "valid-domain-syntax", Error,
        "A validDomains entry has a scheme, path, port, query or whitespace.",
        "List the bare host name, e.g. \"alerts.example.com\" or \"*.example.com\".";
    DomainWildcard => "BD-DOMAIN-002", "valid-domain-wildcard", Error,
        "A validDomains entry is a wildcard Microsoft documents as invalid: a bare `*`, a top-level or public-suffix wildcard (*.com, *.co.uk) or *.onmicrosoft.com.",
        "Name your own domain: \"*.yourcompany.com\" or the exact host.";
    DomainWildcardShared => "BD-DOMAIN-003", "valid-domain-shared-host", Warning,
        "A validDomains wildcard covers a shared hosting suffix (e.g. *.azurewebsites.net, *.ngrok-free.app): Teams accepts it and Microsoft's samples ship it, but every other customer of that host is trusted too.",
        "Before release, list your exact host (e.g. \"contoso-bot.azurewebsites.net\") or a domain you own.";
    RscWithoutWebApp => "BD-RSC-001", "rsc-needs-webapplicationinfo", Error,
        "Resource-specific consent permissions are declared without `webApplicationInfo`.",
        "Add webApplicationInfo.id (the Entra app ID, usually the botId) and resource.";
    PackageNameRemoved => "BD-PKGNAME-001", "package-name-removed", Error,
        "`packageName` was removed from the manifest in 1.17.",
        "Delete packageName.";
    LocalizationJson => "BD-L10N-001", "localization-json", Error,
        "A localization file is not UTF-8 JSON without BOM with an object at its root.",
        "Fix the file's encoding or syntax at the reported position.";
    LocalizationSchema => "BD-L10N-002", "localization-schema", Error,
        "A localization file does not satisfy the localization schema for the manifestVersion.",
        "Fix the key or value at the reported JSON path (keys are manifest paths such as name.short).";
    Placeholder => "BD-PLACEHOLDER-001", "unresolved-placeholder", Error,
        "A string still holds a template placeholder such as ${{VAR}}, {{VAR}} or <<VAR>>.",
        "Substitute the real value before packaging (environment files of Teams Toolkit are not applied by Teams).";
}

impl Rule {
    pub fn code(self) -> &'static str {
        self.info().code
    }
    pub fn severity(self) -> Severity {
        self.info().severity
    }
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }
}

/// One problem found in a package. `path` is a JSON Pointer (RFC 6901) into `file`
/// (`""` = the whole file); `file` is `""` for findings about the archive itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub file: String,
    pub path: String,
    pub message: String,
    pub hint: String,
    /// 1-based position in `file` when known.
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Finding {
    pub fn new(
        rule: Rule,
        file: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let info = rule.info();
        Finding {
            code: info.code.to_string(),
            severity: info.severity,
            file: file.into(),
            path: path.into(),
            message: message.into(),
            hint: info.fix.to_string(),
            line: None,
            column: None,
        }
    }

    pub fn at(mut self, line: Option<u32>, column: Option<u32>) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    pub fn rule(&self) -> Option<Rule> {
        Rule::from_code(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for r in Rule::ALL {
            let i = r.info();
            assert!(codes.insert(i.code), "duplicate code {}", i.code);
            assert!(names.insert(i.name), "duplicate name {}", i.name);
            assert!(i.code.starts_with("BD-"), "{}", i.code);
            assert!(!i.fix.is_empty() && !i.summary.is_empty());
            assert_eq!(Rule::from_code(i.code), Some(*r));
        }
    }
}
