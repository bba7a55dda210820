//! Validation: Microsoft's schema for the manifest's version, then the service-side rules the
//! schema does not express. Each problem is a [`Finding`] with a stable code.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::archive::{
    read_path, read_zip, unsafe_name_reason, ImportLimits, RawPackage, MANIFEST_FILE,
};
use super::error::{PackageError, VersionFormatError};
use super::icons;
use super::jsonutil::{self, JsonProblem, ParsedJson};
use super::rules::{Finding, Rule, Severity};
use super::schema::{self, SchemaVersion};

/// Teams refuses packages above 10 MB; BotDeck reads "MB" as MiB and compares the archive
/// size (or, for a folder or in-memory package, the sum of file sizes, which bounds it).
pub const MAX_PACKAGE_BYTES: u64 = 10 * 1024 * 1024;

/// Schema findings beyond this are summarised: a manifest of the wrong shape can otherwise
/// produce thousands of near-identical lines.
const MAX_SCHEMA_FINDINGS: usize = 100;

const MAX_VERSION_PART: u64 = 999_999_999;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidateOptions {
    /// Version currently in the org catalog, when known: the package must be greater.
    pub catalog_version: Option<semver::Version>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// manifestVersion as written, if the manifest could be read.
    pub manifest_version: Option<String>,
    pub findings: Vec<Finding>,
    pub errors: u32,
    pub warnings: u32,
    pub infos: u32,
}

impl ValidationReport {
    fn from_findings(manifest_version: Option<String>, mut findings: Vec<Finding>) -> Self {
        findings.sort_by(|a, b| {
            (file_rank(&a.file), &a.file, &a.path, &a.code).cmp(&(
                file_rank(&b.file),
                &b.file,
                &b.path,
                &b.code,
            ))
        });
        let count = |s: Severity| {
            u32::try_from(findings.iter().filter(|f| f.severity == s).count()).unwrap_or(u32::MAX)
        };
        ValidationReport {
            manifest_version,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            findings,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    pub fn codes(&self) -> BTreeSet<String> {
        self.findings.iter().map(|f| f.code.clone()).collect()
    }
}

fn file_rank(file: &str) -> u8 {
    match file {
        "" => 0,
        MANIFEST_FILE => 1,
        _ => 2,
    }
}

/// Validates a zip archive given as bytes. An archive that cannot be imported safely yields a
/// single finding describing why.
pub fn validate_zip(bytes: &[u8], opts: &ValidateOptions) -> ValidationReport {
    match read_zip(bytes, &ImportLimits::default()) {
        Ok(raw) => validate_package(&raw, opts),
        Err(e) => ValidationReport::from_findings(None, vec![import_error_finding(&e)]),
    }
}

/// Validates a folder or zip file. I/O failures (missing path, unreadable file) and symlinks
/// leading out of a package folder are errors; a file that is not a valid or safe zip is a finding.
pub fn validate_path(
    path: &Path,
    opts: &ValidateOptions,
) -> Result<ValidationReport, PackageError> {
    match read_path(path, &ImportLimits::default()) {
        Ok(raw) => Ok(validate_package(&raw, opts)),
        Err(e @ (PackageError::Io { .. } | PackageError::SymlinkOutsideFolder { .. })) => Err(e),
        Err(e) => Ok(ValidationReport::from_findings(
            None,
            vec![import_error_finding(&e)],
        )),
    }
}

/// Maps an import refusal to the finding a report shows for it.
pub fn import_error_finding(e: &PackageError) -> Finding {
    let rule = match e {
        PackageError::UnsafeEntryPath { .. } => Rule::UnsafeEntryPath,
        PackageError::TooManyEntries { .. }
        | PackageError::EntryTooLarge { .. }
        | PackageError::TotalTooLarge { .. }
        | PackageError::InputTooLarge { .. } => Rule::ArchiveLimits,
        PackageError::DuplicateEntry { .. } => Rule::DuplicateEntry,
        _ => Rule::ZipInvalid,
    };
    Finding::new(rule, "", "", e.to_string())
}

/// Validates only a manifest's text (no files: icons and localization files are not checked).
pub fn validate_manifest(bytes: &[u8], opts: &ValidateOptions) -> ValidationReport {
    let mut findings = Vec::new();
    let Some(parsed) = parse_json(bytes, MANIFEST_FILE, false, &mut findings) else {
        return ValidationReport::from_findings(None, findings);
    };
    let version = manifest_checks(&parsed, opts, &mut findings);
    ValidationReport::from_findings(version, findings)
}

/// Validates a whole package.
pub fn validate_package(raw: &RawPackage, opts: &ValidateOptions) -> ValidationReport {
    let mut findings = Vec::new();
    layout_checks(raw, &mut findings);
    let Some(bytes) = raw.manifest_bytes() else {
        let nested: Vec<&str> = raw
            .files
            .keys()
            .filter(|k| k.ends_with("/manifest.json"))
            .map(String::as_str)
            .collect();
        let msg = if nested.is_empty() {
            "the package has no manifest.json".to_string()
        } else {
            format!(
                "manifest.json is not at the root (found {}); zip the folder's contents, not the folder",
                nested.join(", ")
            )
        };
        findings.push(Finding::new(Rule::ManifestNotAtRoot, "", "", msg));
        return ValidationReport::from_findings(None, findings);
    };
    let Some(parsed) = parse_json(bytes, MANIFEST_FILE, false, &mut findings) else {
        return ValidationReport::from_findings(None, findings);
    };
    let version = manifest_checks(&parsed, opts, &mut findings);
    file_checks(raw, &parsed, &mut findings);
    ValidationReport::from_findings(version, findings)
}

fn layout_checks(raw: &RawPackage, out: &mut Vec<Finding>) {
    for folder in &raw.folders {
        out.push(Finding::new(
            Rule::EntryInFolder,
            "",
            "",
            format!("the archive contains the folder {folder:?}"),
        ));
    }
    for name in raw.files.keys() {
        if let Some(reason) = unsafe_name_reason(name) {
            out.push(Finding::new(
                Rule::UnsafeEntryPath,
                "",
                "",
                format!("entry {name:?}: {reason}"),
            ));
        } else if name.contains('/') {
            out.push(Finding::new(
                Rule::EntryInFolder,
                "",
                "",
                format!("entry {name:?} is inside a folder"),
            ));
        }
    }
    let size = raw.archive_size.unwrap_or_else(|| raw.content_size());
    if size > MAX_PACKAGE_BYTES {
        out.push(Finding::new(
            Rule::PackageTooLarge,
            "",
            "",
            format!("the package is {size} bytes; the limit is {MAX_PACKAGE_BYTES} bytes (10 MB)"),
        ));
    }
}

fn parse_json(bytes: &[u8], file: &str, l10n: bool, out: &mut Vec<Finding>) -> Option<ParsedJson> {
    let pick = |r: Rule| if l10n { Rule::LocalizationJson } else { r };
    match jsonutil::parse_object(bytes) {
        Ok(parsed) => {
            if parsed.had_bom {
                out.push(
                    Finding::new(
                        pick(Rule::Bom),
                        file,
                        "",
                        format!("{file} starts with a UTF-8 byte-order mark (EF BB BF)"),
                    )
                    .at(Some(1), Some(1)),
                );
            }
            Some(parsed)
        }
        Err(JsonProblem::NotUtf8 { offset }) => {
            out.push(Finding::new(
                pick(Rule::NotUtf8),
                file,
                "",
                format!("{file} is not valid UTF-8 (first bad byte at offset {offset})"),
            ));
            None
        }
        Err(JsonProblem::Syntax {
            message,
            line,
            column,
        }) => {
            out.push(
                Finding::new(
                    pick(Rule::InvalidJson),
                    file,
                    "",
                    format!("{file} is not valid JSON: {message}"),
                )
                .at(Some(line), Some(column)),
            );
            None
        }
        Err(JsonProblem::NotAnObject) => {
            out.push(Finding::new(
                pick(Rule::InvalidJson),
                file,
                "",
                format!("{file} must contain a JSON object at its root"),
            ));
            None
        }
    }
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Parses MAJOR.MINOR.PATCH the way the Teams service accepts it: digits only, no leading
/// zeros, each part within a 32-bit-safe bound.
pub fn parse_app_version(s: &str) -> Result<semver::Version, VersionFormatError> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 3 {
        return Err(VersionFormatError::NotThreeParts { version: s.into() });
    }
    let mut nums = [0u64; 3];
    for (i, p) in parts.iter().enumerate() {
        let (version, part) = (s.to_string(), p.to_string());
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VersionFormatError::NotANumber { version, part });
        }
        if p.len() > 1 && p.starts_with('0') {
            return Err(VersionFormatError::LeadingZero { version, part });
        }
        let n: u64 = match p.parse() {
            Ok(n) => n,
            Err(_) => return Err(VersionFormatError::TooLarge { version, part }),
        };
        if n > MAX_VERSION_PART {
            return Err(VersionFormatError::AboveLimit {
                version,
                part,
                max: MAX_VERSION_PART,
            });
        }
        nums[i] = n;
    }
    Ok(semver::Version::new(nums[0], nums[1], nums[2]))
}

/// The version a `$schema` URL names, e.g. `.../teams/v1.24/MicrosoftTeams.schema.json` →
/// `1.24`. `None` for URLs that do not follow Microsoft's layout (local paths etc.).
fn schema_url_version(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let idx = lower.find("/teams/")?;
    let rest = &url[idx + "/teams/".len()..];
    let seg = rest.split('/').next()?;
    let v = seg.strip_prefix('v').or_else(|| seg.strip_prefix('V'))?;
    if v.eq_ignore_ascii_case("devpreview") {
        Some("devPreview".to_string())
    } else {
        Some(v.to_string())
    }
}

/// Multi-label public suffixes: a wildcard over one of these is a top-level wildcard in all
/// but name, which Microsoft's docs prohibit (`*.com`, `*.org`).
const PUBLIC_SUFFIXES: &[&str] = &[
    "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "co.jp", "co.nz", "co.in", "co.za",
    "com.br", "com.cn", "com.mx", "com.sg", "com.tr", "co.kr",
];

/// Suffixes Microsoft's docs name as invalid under a wildcard: "`yourapp.onmicrosoft.com` is
/// valid, but `*.onmicrosoft.com` isn't" (manifest schema, validDomains / webApplicationInfo).
const DOCUMENTED_INVALID_SUFFIXES: &[&str] = &["onmicrosoft.com"];

/// Shared hosting and tunnel suffixes: every customer of the host gets a subdomain, so a
/// wildcard trusts strangers. Teams accepts them and Microsoft's own samples ship some
/// (`*.ngrok-free.app`, `*.azurewebsites.net`), so BotDeck warns instead of refusing.
const SHARED_HOSTING_SUFFIXES: &[&str] = &[
    "sharepoint.com",
    "microsoft.com",
    "office.com",
    "office365.com",
    "azurewebsites.net",
    "cloudapp.net",
    "cloudapp.azure.com",
    "azure.com",
    "azurefd.net",
    "azureedge.net",
    "azurestaticapps.net",
    "azurecontainerapps.io",
    "azure-api.net",
    "trafficmanager.net",
    "windows.net",
    "core.windows.net",
    "blob.core.windows.net",
    "devtunnels.ms",
    "botframework.com",
    "amazonaws.com",
    "cloudfront.net",
    "appspot.com",
    "web.app",
    "firebaseapp.com",
    "herokuapp.com",
    "github.io",
    "gitlab.io",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "workers.dev",
    "ngrok.io",
    "ngrok.app",
    "ngrok-free.app",
    "ngrok-free.dev",
    "trycloudflare.com",
    "glitch.me",
    "onrender.com",
    "fly.dev",
    "railway.app",
];

enum DomainProblem {
    Syntax(&'static str),
    /// A wildcard Microsoft documents as invalid.
    Wildcard(String),
    /// A wildcard over a shared hosting suffix: accepted, but trusts other customers.
    SharedHost(String),
}

fn domain_problem(d: &str) -> Option<DomainProblem> {
    let lower = d.trim().to_ascii_lowercase();
    if d.is_empty() {
        return Some(DomainProblem::Syntax("empty entry"));
    }
    if lower.contains("://") || lower.starts_with("http:") || lower.starts_with("https:") {
        return Some(DomainProblem::Syntax("contains a URL scheme"));
    }
    if d.chars().any(char::is_whitespace) {
        return Some(DomainProblem::Syntax("contains whitespace"));
    }
    if d.contains(['/', '?', '#', '@']) {
        return Some(DomainProblem::Syntax(
            "contains a path, query, fragment or user part",
        ));
    }
    if lower.split('.').all(|l| l == "*") {
        return Some(DomainProblem::Wildcard(
            "a bare `*` allows every domain".into(),
        ));
    }
    // Each leading `*.` matches exactly one label (`*.*.example.com` matches a.b.example.com).
    let mut suffix = lower.as_str();
    let mut wildcard = false;
    while let Some(rest) = suffix.strip_prefix("*.") {
        suffix = rest;
        wildcard = true;
    }
    if suffix.contains('*') {
        return Some(DomainProblem::Syntax(
            "a wildcard may only stand for whole leading labels (`*.` or `*.*.`)",
        ));
    }
    if !wildcard {
        return None;
    }
    let host = suffix.split(':').next().unwrap_or(suffix);
    if !host.contains('.') || PUBLIC_SUFFIXES.contains(&host) {
        return Some(DomainProblem::Wildcard(format!(
            "`{lower}` is a top-level wildcard; Microsoft prohibits wildcards over top-level domains such as *.com"
        )));
    }
    if DOCUMENTED_INVALID_SUFFIXES.contains(&host) {
        return Some(DomainProblem::Wildcard(format!(
            "`{lower}` covers every tenant's {host} domain; Microsoft documents `*.{host}` as invalid (name yourapp.{host} instead)"
        )));
    }
    if SHARED_HOSTING_SUFFIXES.contains(&host) {
        return Some(DomainProblem::SharedHost(format!(
            "`{lower}` trusts every customer's app on {host}, not only yours"
        )));
    }
    None
}

struct Ctx<'a> {
    out: &'a mut Vec<Finding>,
    /// Further manifest paths whose schema findings a rule finding already explains.
    explains: Vec<String>,
}

impl Ctx<'_> {
    fn push(&mut self, rule: Rule, path: &str, msg: String) {
        self.out.push(Finding::new(rule, MANIFEST_FILE, path, msg));
    }
}

/// Service-side and schema checks on the manifest. Returns the manifestVersion as written.
fn manifest_checks(
    parsed: &ParsedJson,
    opts: &ValidateOptions,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let m = &parsed.value;
    let mut rule_findings = Vec::new();
    let mut ctx = Ctx {
        out: &mut rule_findings,
        explains: Vec::new(),
    };
    let mv_text = m
        .get("manifestVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    let version = mv_text.as_deref().and_then(SchemaVersion::parse);
    match (&mv_text, version) {
        (_, Some(v)) if v.is_preview() => ctx.push(
            Rule::DevPreview,
            "/manifestVersion",
            "manifestVersion \"devPreview\" cannot be published to an org app catalog".into(),
        ),
        (_, Some(_)) => {}
        (Some(t), None) => ctx.push(
            Rule::UnsupportedManifestVersion,
            "/manifestVersion",
            format!(
                "manifestVersion {t:?} is not supported; supported: {}",
                supported_list()
            ),
        ),
        (None, None) => ctx.push(
            Rule::UnsupportedManifestVersion,
            "/manifestVersion",
            "manifestVersion is missing or not a string".into(),
        ),
    }

    if let (Some(v), Some(url)) = (version, m.get("$schema").and_then(Value::as_str)) {
        if let Some(named) = schema_url_version(url) {
            if named != v.as_str() {
                ctx.push(
                    Rule::SchemaUrlMismatch,
                    "/$schema",
                    format!("$schema names version {named} but manifestVersion is {v}"),
                );
            }
        }
    }

    if let Some(id) = m.get("id") {
        if !id.as_str().is_some_and(is_guid) {
            ctx.push(Rule::IdNotGuid, "/id", format!("id {id} is not a GUID"));
        }
    }

    if let Some(ver) = m.get("version") {
        match ver.as_str().map(parse_app_version) {
            None => ctx.push(
                Rule::VersionFormat,
                "/version",
                "version must be a string".into(),
            ),
            Some(Err(e)) => ctx.push(Rule::VersionFormat, "/version", e.to_string()),
            Some(Ok(parsed_ver)) => {
                if let Some(catalog) = &opts.catalog_version {
                    if parsed_ver <= *catalog {
                        ctx.push(
                            Rule::VersionNotGreater,
                            "/version",
                            format!(
                                "version {parsed_ver} must be greater than the catalog's {catalog}"
                            ),
                        );
                    }
                }
            }
        }
    }

    length_check(&mut ctx, m, "/name/short", 1, 30, Rule::NameShort);
    length_check(&mut ctx, m, "/name/full", 0, 100, Rule::NameFull);
    length_check(
        &mut ctx,
        m,
        "/description/short",
        1,
        80,
        Rule::DescriptionShort,
    );
    length_check(
        &mut ctx,
        m,
        "/description/full",
        1,
        4000,
        Rule::DescriptionFull,
    );

    for key in ["websiteUrl", "privacyUrl", "termsOfUseUrl"] {
        let path = format!("/developer/{key}");
        if let Some(v) = m.pointer(&path) {
            let ok = v.as_str().is_some_and(is_https_url);
            if !ok {
                ctx.push(
                    Rule::DeveloperUrlNotHttps,
                    &path,
                    format!("developer.{key} {v} is not an https:// URL"),
                );
            }
        }
    }

    if let Some(c) = m.get("accentColor") {
        let ok = c.as_str().is_some_and(|s| {
            s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
        });
        if !ok {
            ctx.push(
                Rule::AccentColor,
                "/accentColor",
                format!("accentColor {c} is not #RRGGBB"),
            );
        }
    }

    bot_checks(&mut ctx, m, version);

    if let Some(domains) = m.get("validDomains").and_then(Value::as_array) {
        for (i, d) in domains.iter().enumerate() {
            let Some(s) = d.as_str() else { continue };
            let path = jsonutil::index("/validDomains", i);
            match domain_problem(s) {
                Some(DomainProblem::Syntax(why)) => ctx.push(
                    Rule::DomainSyntax,
                    &path,
                    format!("validDomains entry {s:?}: {why}"),
                ),
                Some(DomainProblem::Wildcard(why)) => ctx.push(
                    Rule::DomainWildcard,
                    &path,
                    format!("validDomains entry {s:?}: {why}"),
                ),
                Some(DomainProblem::SharedHost(why)) => ctx.push(
                    Rule::DomainWildcardShared,
                    &path,
                    format!("validDomains entry {s:?}: {why}"),
                ),
                None => {}
            }
        }
    }

    let rsc = m
        .pointer("/authorization/permissions/resourceSpecific")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let web_app = m
        .get("webApplicationInfo")
        .and_then(|w| w.get("id"))
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if rsc && !web_app {
        ctx.push(
            Rule::RscWithoutWebApp,
            "/authorization/permissions/resourceSpecific",
            "resource-specific permissions need webApplicationInfo.id (the Entra app that receives the consent)".into(),
        );
    }

    if let (Some(v), Some(_)) = (version, m.get("packageName")) {
        if !v.allows_package_name() {
            ctx.push(
                Rule::PackageNameRemoved,
                "/packageName",
                format!("packageName is not allowed in manifestVersion {v} (removed in 1.17)"),
            );
        }
    }

    let also_explained = std::mem::take(&mut ctx.explains);
    placeholder_checks(m, MANIFEST_FILE, &mut rule_findings);

    // Schema findings at a path a specific rule already explained add nothing but noise.
    let explained: HashSet<(String, String)> = rule_findings
        .iter()
        .map(|f| (f.file.clone(), f.path.clone()))
        .chain(
            also_explained
                .into_iter()
                .map(|p| (MANIFEST_FILE.to_string(), p)),
        )
        .collect();
    let mut schema_findings = Vec::new();
    if let Some(v) = version {
        schema_checks(
            m,
            schema::manifest_validator(v),
            MANIFEST_FILE,
            Rule::Schema,
            &mut schema_findings,
        );
    }
    schema_findings.retain(|f| !explained.contains(&(f.file.clone(), f.path.clone())));

    let mut all = rule_findings;
    all.extend(schema_findings);
    for f in &mut all {
        if f.line.is_none() {
            if let Some((line, col)) = jsonutil::locate(&parsed.text, &f.path) {
                f.line = Some(line);
                f.column = Some(col);
            }
        }
    }
    findings.extend(all);
    mv_text
}

fn supported_list() -> String {
    SchemaVersion::ALL
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_https_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !s.chars().any(char::is_whitespace)
}

fn length_check(ctx: &mut Ctx<'_>, m: &Value, path: &str, min: usize, max: usize, rule: Rule) {
    let Some(v) = m.pointer(path) else { return };
    let Some(s) = v.as_str() else {
        ctx.push(
            rule,
            path,
            format!("{} must be a string", &path[1..].replace('/', ".")),
        );
        return;
    };
    let n = char_len(s);
    let trimmed_empty = s.trim().is_empty();
    if n > max || (min > 0 && trimmed_empty) {
        let field = path[1..].replace('/', ".");
        let msg = if n > max {
            format!("{field} is {n} characters; at most {max} are allowed")
        } else {
            format!("{field} must not be empty")
        };
        ctx.push(rule, path, msg);
    }
}

fn bot_checks(ctx: &mut Ctx<'_>, m: &Value, version: Option<SchemaVersion>) {
    let Some(bots) = m.get("bots").and_then(Value::as_array) else {
        return;
    };
    if bots.len() > 1 {
        ctx.push(
            Rule::TooManyBots,
            "/bots",
            format!("{} bots are declared; a Teams app can have one", bots.len()),
        );
    }
    for (i, bot) in bots.iter().enumerate() {
        let base = jsonutil::index("/bots", i);
        if bot.get("botId").is_none() {
            let msg = match bot.get("id") {
                Some(id) => format!(
                    "bots[{i}] names its Microsoft App ID as \"id\" ({id}); every manifest version requires \"botId\""
                ),
                None => format!("bots[{i}] has no botId (the Microsoft App ID of the Azure Bot)"),
            };
            ctx.push(Rule::BotIdMissing, &base, msg);
            ctx.explains.push(format!("{base}/id"));
        }
        if let Some(id) = bot.get("botId") {
            if !id.as_str().is_some_and(is_guid) {
                ctx.push(
                    Rule::BotIdNotGuid,
                    &format!("{base}/botId"),
                    format!("botId {id} is not a GUID"),
                );
            }
        }
        let Some(v) = version else { continue };
        scope_check(ctx, bot.get("scopes"), &format!("{base}/scopes"), v);
        let Some(lists) = bot.get("commandLists").and_then(Value::as_array) else {
            continue;
        };
        for (k, list) in lists.iter().enumerate() {
            let lbase = format!("{base}/commandLists/{k}");
            command_list_scope_check(ctx, list.get("scopes"), &format!("{lbase}/scopes"), v);
            let Some(cmds) = list.get("commands").and_then(Value::as_array) else {
                if list.get("commands").is_none() {
                    ctx.push(
                        Rule::CommandListWithoutCommands,
                        &lbase,
                        format!("bots[{i}].commandLists[{k}] has no \"commands\""),
                    );
                }
                continue;
            };
            let max = v.max_commands_per_list();
            if cmds.len() > max {
                ctx.push(
                    Rule::TooManyCommands,
                    &format!("{lbase}/commands"),
                    format!(
                        "{} commands in one list; manifestVersion {v} allows {max}",
                        cmds.len()
                    ),
                );
            }
            for (c, cmd) in cmds.iter().enumerate() {
                let cbase = format!("{lbase}/commands/{c}");
                let tmax = v.max_command_title();
                if let Some(t) = cmd.get("title").and_then(Value::as_str) {
                    let n = char_len(t);
                    if n == 0 || n > tmax {
                        ctx.push(
                            Rule::CommandTitleLength,
                            &format!("{cbase}/title"),
                            format!(
                                "command title {t:?} is {n} characters; 1 to {tmax} allowed in {v}"
                            ),
                        );
                    }
                }
                let dmax = v.max_command_description();
                if let Some(d) = cmd.get("description").and_then(Value::as_str) {
                    let n = char_len(d);
                    if n == 0 || n > dmax {
                        ctx.push(
                            Rule::CommandDescriptionLength,
                            &format!("{cbase}/description"),
                            format!(
                                "command description is {n} characters; 1 to {dmax} allowed in {v}"
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn scope_check(ctx: &mut Ctx<'_>, scopes: Option<&Value>, path: &str, v: SchemaVersion) {
    scopes_in(ctx, scopes, path, v, v.bot_scopes());
}

fn command_list_scope_check(
    ctx: &mut Ctx<'_>,
    scopes: Option<&Value>,
    path: &str,
    v: SchemaVersion,
) {
    scopes_in(ctx, scopes, path, v, v.command_list_scopes());
}

fn scopes_in(
    ctx: &mut Ctx<'_>,
    scopes: Option<&Value>,
    path: &str,
    v: SchemaVersion,
    allowed: &[&str],
) {
    let Some(scopes) = scopes.and_then(Value::as_array) else {
        return;
    };
    for (j, s) in scopes.iter().enumerate() {
        let Some(s) = s.as_str() else { continue };
        if !allowed.contains(&s) {
            // `groupchat` in 1.17+ is the common case: say which spelling this version wants.
            let spelling = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(s))
                .map(|a| format!("; write it as {a:?}"))
                .unwrap_or_default();
            ctx.push(
                Rule::BotScope,
                &jsonutil::index(path, j),
                format!(
                    "scope {s:?} is not valid in manifestVersion {v} (allowed: {}){spelling}",
                    allowed.join(", ")
                ),
            );
        }
    }
}

fn placeholder_checks(v: &Value, file: &str, out: &mut Vec<Finding>) {
    let mut pointer = String::new();
    jsonutil::walk_strings(v, &mut pointer, &mut |path, s| {
        if let Some(p) = jsonutil::find_placeholder(s) {
            out.push(Finding::new(
                Rule::Placeholder,
                file,
                path,
                format!("unresolved placeholder {p} in {file}"),
            ));
        }
    });
}

fn schema_checks(
    instance: &Value,
    validator: &schema::Compiled,
    file: &str,
    rule: Rule,
    out: &mut Vec<Finding>,
) {
    let validator = match validator {
        Ok(v) => v,
        Err(e) => {
            out.push(Finding::new(rule, file, "", e.to_string()));
            return;
        }
    };
    let mut count = 0usize;
    let mut more = 0usize;
    for err in validator.iter_errors(instance) {
        let path = err.instance_path().as_str().to_string();
        let mut push = |path: String, msg: String| {
            if count < MAX_SCHEMA_FINDINGS {
                out.push(Finding::new(rule, file, path, msg));
                count += 1;
            } else {
                more += 1;
            }
        };
        match err.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                for prop in unexpected {
                    push(
                        jsonutil::child(&path, prop),
                        format!("property {prop:?} is not allowed here by the schema"),
                    );
                }
            }
            _ => {
                let instance_text = err.instance().to_string();
                let msg = if instance_text.chars().count() > 80 {
                    err.masked_with("the value").to_string()
                } else {
                    err.to_string()
                };
                push(path, msg);
            }
        }
    }
    if more > 0 {
        out.push(Finding::new(
            rule,
            file,
            "",
            format!("{more} further schema violations not shown"),
        ));
    }
}

fn file_checks(raw: &RawPackage, parsed: &ParsedJson, out: &mut Vec<Finding>) {
    let m = &parsed.value;
    let version = m
        .get("manifestVersion")
        .and_then(Value::as_str)
        .and_then(SchemaVersion::parse);
    let mut referenced: Vec<(String, String)> = Vec::new();
    let mut reference = |pointer: String| {
        if let Some(name) = m.pointer(&pointer).and_then(Value::as_str) {
            referenced.push((pointer, name.to_string()));
        }
    };
    reference("/icons/color".into());
    reference("/icons/outline".into());
    reference("/icons/color32x32".into());
    reference("/localizationInfo/defaultLanguageFile".into());
    let n_langs = m
        .pointer("/localizationInfo/additionalLanguages")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    for i in 0..n_langs {
        reference(format!("/localizationInfo/additionalLanguages/{i}/file"));
    }

    let mut usable: HashSet<&str> = HashSet::new();
    for (pointer, name) in &referenced {
        let located = |f: Finding| {
            let pos = jsonutil::locate(&parsed.text, pointer);
            f.at(pos.map(|p| p.0), pos.map(|p| p.1))
        };
        if let Some(reason) = unsafe_name_reason(name) {
            out.push(located(Finding::new(
                Rule::UnsafeEntryPath,
                MANIFEST_FILE,
                pointer.as_str(),
                format!("referenced file {name:?}: {reason}"),
            )));
        } else if name.contains('/') {
            out.push(located(Finding::new(
                Rule::EntryInFolder,
                MANIFEST_FILE,
                pointer.as_str(),
                format!(
                    "referenced file {name:?} is in a folder; files must sit at the package root"
                ),
            )));
        } else if !raw.files.contains_key(name) {
            let hint = raw
                .files
                .keys()
                .find(|k| k.eq_ignore_ascii_case(name))
                .map(|k| format!(" (the package has {k:?}: names are case-sensitive)"))
                .unwrap_or_default();
            out.push(located(Finding::new(
                Rule::MissingFile,
                MANIFEST_FILE,
                pointer.as_str(),
                format!("{name:?} is referenced at {pointer} but is not in the package{hint}"),
            )));
        } else {
            usable.insert(name.as_str());
        }
    }
    let get = |pointer: &str| -> Option<(&str, &[u8])> {
        let name = m.pointer(pointer).and_then(Value::as_str)?;
        if !usable.contains(name) {
            return None;
        }
        raw.files.get(name).map(|b| (name, b.as_slice()))
    };

    if let Some((name, bytes)) = get("/icons/color") {
        match icons::png_dimensions(bytes) {
            Err(e) => out.push(Finding::new(
                Rule::ColorIconNotPng,
                name,
                "",
                format!("colour icon {name:?}: {e}"),
            )),
            Ok((w, h)) if (w, h) != (icons::COLOR_SIZE, icons::COLOR_SIZE) => {
                out.push(Finding::new(
                    Rule::ColorIconSize,
                    name,
                    "",
                    format!("colour icon {name:?} is {w}x{h}; it must be 192x192"),
                ));
            }
            Ok(_) => {}
        }
    }
    if let Some((name, bytes)) = get("/icons/outline") {
        match icons::decode_png(bytes) {
            Err(e) => out.push(Finding::new(
                Rule::OutlineIconNotPng,
                name,
                "",
                format!("outline icon {name:?}: {e}"),
            )),
            Ok(img) => {
                let (w, h) = img.dimensions();
                if (w, h) != (icons::OUTLINE_SIZE, icons::OUTLINE_SIZE) {
                    out.push(Finding::new(
                        Rule::OutlineIconSize,
                        name,
                        "",
                        format!("outline icon {name:?} is {w}x{h}; it must be 32x32"),
                    ));
                }
                let check = icons::check_outline(&img);
                if let Some((x, y, [_, _, _, a])) = check.first_partial {
                    out.push(Finding::new(
                        Rule::OutlineIconPartialAlpha,
                        name,
                        "",
                        format!(
                            "outline icon {name:?}: {} white pixels are only partly opaque (first at {x},{y}: alpha {a}); the docs allow this, but Microsoft's validator has rejected such icons, so make every pixel opaque white or fully transparent",
                            check.partial_alpha_pixels
                        ),
                    ));
                }
                if let Some((x, y, [r, g, b, a])) = check.first_bad {
                    out.push(Finding::new(
                        Rule::OutlineIconTransparency,
                        name,
                        "",
                        format!(
                            "outline icon {name:?}: {} of {} pixels are neither white nor fully transparent (first at {x},{y}: rgba({r},{g},{b},{a}))",
                            check.bad_pixels, check.total_pixels
                        ),
                    ));
                }
            }
        }
    }

    let mut l10n_pointers = vec!["/localizationInfo/defaultLanguageFile".to_string()];
    l10n_pointers
        .extend((0..n_langs).map(|i| format!("/localizationInfo/additionalLanguages/{i}/file")));
    let mut seen = HashSet::new();
    for pointer in &l10n_pointers {
        let Some((name, bytes)) = get(pointer) else {
            continue;
        };
        if !seen.insert(name) {
            continue;
        }
        let Some(doc) = parse_json(bytes, name, true, out) else {
            continue;
        };
        let mut l10n_findings = Vec::new();
        placeholder_checks(&doc.value, name, &mut l10n_findings);
        if let Some(validator) = version.and_then(schema::localization_validator) {
            schema_checks(
                &doc.value,
                validator,
                name,
                Rule::LocalizationSchema,
                &mut l10n_findings,
            );
        }
        for f in &mut l10n_findings {
            if let Some((line, col)) = jsonutil::locate(&doc.text, &f.path) {
                f.line = Some(line);
                f.column = Some(col);
            }
        }
        out.extend(l10n_findings);
    }

    let referenced_names: HashSet<&str> = referenced.iter().map(|(_, n)| n.as_str()).collect();
    for name in raw.files.keys() {
        if name != MANIFEST_FILE
            && !referenced_names.contains(name.as_str())
            && unsafe_name_reason(name).is_none()
            && !name.contains('/')
        {
            out.push(Finding::new(
                Rule::UnreferencedFile,
                "",
                "",
                format!("{name:?} is not referenced by the manifest"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_version_parsing() {
        assert!(parse_app_version("1.0.3").is_ok());
        assert!(parse_app_version("0.0.0").is_ok());
        for bad in [
            "1.0",
            "1.0.0.0",
            "v1.0.0",
            "1.0.0-beta",
            "01.0.0",
            "1.0.1000000000",
            "1..0",
            " 1.0.0",
        ] {
            assert!(parse_app_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domain_rules() {
        assert!(domain_problem("alerts.example.com").is_none());
        assert!(domain_problem("*.example.com").is_none());
        assert!(domain_problem("example.com:8443").is_none());
        for bad in ["https://a.com", "a.com/path", "a b.com", "foo.*.com", ""] {
            assert!(
                matches!(domain_problem(bad), Some(DomainProblem::Syntax(_))),
                "{bad}"
            );
        }
        assert!(domain_problem("*.*.example.com").is_none());
        assert!(domain_problem("{teamsitedomain}").is_none());
        assert!(matches!(
            domain_problem("*.exa*mple.com"),
            Some(DomainProblem::Syntax(_))
        ));
        for bad in [
            "*",
            "*.*",
            "*.com",
            "*.*.org",
            "*.onmicrosoft.com",
            "*.co.uk",
            "*.IO",
        ] {
            assert!(
                matches!(domain_problem(bad), Some(DomainProblem::Wildcard(_))),
                "{bad}"
            );
        }
        assert!(domain_problem("contoso.onmicrosoft.com").is_none());
        for shared in [
            "*.azurewebsites.net",
            "*.ngrok-free.app",
            "*.*.ngrok-free.app",
        ] {
            assert!(
                matches!(domain_problem(shared), Some(DomainProblem::SharedHost(_))),
                "{shared}"
            );
        }
        // A wildcard under the customer's own host on a shared suffix names only their hosts.
        assert!(domain_problem("*.contoso.azurewebsites.net").is_none());
        assert!(domain_problem("contoso-bot.azurewebsites.net").is_none());
    }

    #[test]
    fn schema_url_versions() {
        assert_eq!(
            schema_url_version("https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json").as_deref(),
            Some("1.24")
        );
        assert_eq!(
            schema_url_version("https://developer.microsoft.com/json-schemas/teams/vDevPreview/MicrosoftTeams.schema.json").as_deref(),
            Some("devPreview")
        );
        assert_eq!(schema_url_version("./schema.json"), None);
    }
}
