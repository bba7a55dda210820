//! CSV / JSON export and import of links.
//!
//! Import validates every row first and reports bad rows with their line numbers; nothing is
//! imported unless every row is good, or the admin asks for the good rows only.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{
    ensure_integration, upsert, vendor_profile, Link, LinkEvidence, LinkEvidenceKind, LinkState,
    LinkTargetInput, LinkTargetKind, LinksError, NewIntegration, TargetFacts,
};
use crate::catalog::Actor;
use crate::ids::CatalogAppId;
use crate::store::Store;

/// One row of the file, the same columns in CSV and JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkRow {
    pub vendor: String,
    #[serde(default)]
    pub account: String,
    pub integration_id: String,
    #[serde(default)]
    pub integration_name: String,
    pub kind: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub chat_id: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub target_name: String,
    /// planned, awaiting or linked (default linked: the vendor says so).
    #[serde(default)]
    pub state: String,
    /// How the link was proved (reply_seen, confirmed, imported) — informative on export.
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub evidence_at: String,
}

pub const COLUMNS: &[&str] = &[
    "vendor",
    "account",
    "integrationId",
    "integrationName",
    "kind",
    "teamId",
    "channelId",
    "chatId",
    "userId",
    "targetName",
    "state",
    "evidence",
    "evidenceAt",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkFileFormat {
    Csv,
    Json,
}

impl LinkFileFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// From a file name's extension.
    pub fn of_path(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else if lower.ends_with(".json") {
            Some(Self::Json)
        } else {
            None
        }
    }
}

pub fn row_of(link: &Link) -> LinkRow {
    LinkRow {
        vendor: link.integration.vendor.clone(),
        account: link.integration.account.clone(),
        integration_id: link.integration.external_id.clone(),
        integration_name: link.integration.name.clone(),
        kind: link.kind.as_str().into(),
        team_id: link.team_id.clone().unwrap_or_default(),
        channel_id: link.channel_id.clone().unwrap_or_default(),
        chat_id: link.chat_id.clone().unwrap_or_default(),
        user_id: link.user_id.clone().unwrap_or_default(),
        target_name: link.target_name.clone(),
        state: link.state.as_str().into(),
        evidence: link
            .evidence
            .as_ref()
            .map(|e| e.kind.as_str().to_string())
            .unwrap_or_default(),
        evidence_at: link
            .evidence
            .as_ref()
            .map(|e| e.at.clone())
            .unwrap_or_default(),
    }
}

pub fn export(links: &[Link], format: LinkFileFormat) -> Result<String, LinksError> {
    let rows: Vec<LinkRow> = links.iter().map(row_of).collect();
    match format {
        LinkFileFormat::Json => serde_json::to_string_pretty(&rows)
            .map_err(|e| LinksError::Invalid(format!("cannot write JSON: {e}"))),
        LinkFileFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(COLUMNS)
                .map_err(|e| LinksError::Invalid(format!("cannot write CSV: {e}")))?;
            for r in &rows {
                w.write_record([
                    &r.vendor,
                    &r.account,
                    &r.integration_id,
                    &r.integration_name,
                    &r.kind,
                    &r.team_id,
                    &r.channel_id,
                    &r.chat_id,
                    &r.user_id,
                    &r.target_name,
                    &r.state,
                    &r.evidence,
                    &r.evidence_at,
                ])
                .map_err(|e| LinksError::Invalid(format!("cannot write CSV: {e}")))?;
            }
            let bytes = w
                .into_inner()
                .map_err(|e| LinksError::Invalid(format!("cannot write CSV: {e}")))?;
            String::from_utf8(bytes)
                .map_err(|e| LinksError::Invalid(format!("cannot write CSV: {e}")))
        }
    }
}

/// A bad row: its line in the file (CSV: the physical line; JSON: the line its object
/// starts on) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkRowProblem {
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkImportReport {
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub imported: u64,
    pub problems: Vec<LinkRowProblem>,
    /// Nothing was imported because some rows are bad and the admin did not ask for the
    /// good rows only.
    pub refused: bool,
}

/// Why one row of an import file is bad (reported with its line; the other rows still count).
#[derive(Debug, thiserror::Error)]
pub enum LinkRowError {
    #[error("{found} fields, the header has {expected}")]
    FieldCount { found: usize, expected: usize },
    #[error("cannot read the row: {0}")]
    Csv(#[source] csv::Error),
    #[error("{0}")]
    Json(#[source] serde_json::Error),
    #[error("integrationId ({label}) is empty")]
    EmptyIntegrationId { label: String },
    #[error("kind {0:?}: expected team, channel, chat or user")]
    UnknownKind(String),
    #[error("{vendor} does not link {kind}s")]
    KindNotLinked { vendor: String, kind: &'static str },
    #[error("state {0:?}: expected planned, awaiting or linked")]
    BadState(String),
    /// An unknown vendor, or target ids that are missing or malformed.
    #[error(transparent)]
    Target(#[from] LinksError),
}

/// One row as read: its line, and the row or why it cannot be read.
pub type ParsedRow = (u32, Result<LinkRow, LinkRowError>);

/// Reads rows with their line numbers; a file that cannot be read at all is an error.
pub fn parse(text: &str, format: LinkFileFormat) -> Result<Vec<ParsedRow>, LinksError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        LinkFileFormat::Csv => {
            let mut r = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .flexible(true)
                .from_reader(text.as_bytes());
            let headers = r
                .headers()
                .map_err(|e| LinksError::Invalid(format!("line 1: cannot read the header: {e}")))?
                .clone();
            let mut index = std::collections::HashMap::new();
            for (i, h) in headers.iter().enumerate() {
                let Some(col) = COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(h)) else {
                    return Err(LinksError::Invalid(format!(
                        "line 1: unknown column {h:?}; the columns are {}",
                        COLUMNS.join(", ")
                    )));
                };
                index.insert(*col, i);
            }
            for needed in ["vendor", "integrationId", "kind"] {
                if !index.contains_key(needed) {
                    return Err(LinksError::Invalid(format!(
                        "line 1: the column {needed} is missing"
                    )));
                }
            }
            let mut out = Vec::new();
            for record in r.records() {
                match record {
                    Ok(rec) => {
                        let line = rec.position().map(|p| p.line() as u32).unwrap_or(0);
                        if rec.iter().all(|f| f.is_empty()) {
                            continue;
                        }
                        if rec.len() != headers.len() {
                            out.push((
                                line,
                                Err(LinkRowError::FieldCount {
                                    found: rec.len(),
                                    expected: headers.len(),
                                }),
                            ));
                            continue;
                        }
                        let get = |c: &str| {
                            index
                                .get(c)
                                .and_then(|&i| rec.get(i))
                                .unwrap_or("")
                                .to_string()
                        };
                        out.push((
                            line,
                            Ok(LinkRow {
                                vendor: get("vendor"),
                                account: get("account"),
                                integration_id: get("integrationId"),
                                integration_name: get("integrationName"),
                                kind: get("kind"),
                                team_id: get("teamId"),
                                channel_id: get("channelId"),
                                chat_id: get("chatId"),
                                user_id: get("userId"),
                                target_name: get("targetName"),
                                state: get("state"),
                                evidence: get("evidence"),
                                evidence_at: get("evidenceAt"),
                            }),
                        ));
                    }
                    Err(e) => {
                        let line = e.position().map(|p| p.line() as u32).unwrap_or(0);
                        out.push((line, Err(LinkRowError::Csv(e))));
                    }
                }
            }
            Ok(out)
        }
        LinkFileFormat::Json => {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                LinksError::Invalid(format!("line {}: not valid JSON: {e}", e.line()))
            })?;
            let items = value.as_array().ok_or_else(|| {
                LinksError::Invalid("line 1: expected a JSON array of links".into())
            })?;
            let lines = object_lines(text);
            Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let line = lines.get(i).copied().unwrap_or(0);
                    (
                        line,
                        serde_json::from_value::<LinkRow>(v.clone()).map_err(LinkRowError::Json),
                    )
                })
                .collect())
        }
    }
}

/// Line numbers where each top-level array element starts.
fn object_lines(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut depth, mut line, mut in_str, mut escaped) = (0i32, 1u32, false, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                if depth == 1 {
                    out.push(line);
                }
            }
            '{' | '[' => {
                if depth == 1 {
                    out.push(line);
                }
                depth += 1;
            }
            '}' | ']' => depth -= 1,
            c if depth == 1 && !c.is_whitespace() && c != ',' => out.push(line),
            _ => {}
        }
    }
    out.dedup();
    out
}

struct CheckedRow {
    vendor: String,
    input: LinkTargetInput,
    row: LinkRow,
    state: LinkState,
}

fn check_row(store: &Store, row: LinkRow) -> Result<CheckedRow, LinkRowError> {
    let profile = vendor_profile(store, &row.vendor)?;
    if row.integration_id.trim().is_empty() {
        return Err(LinkRowError::EmptyIntegrationId {
            label: profile.integration_label,
        });
    }
    let kind = LinkTargetKind::parse(&row.kind)
        .ok_or_else(|| LinkRowError::UnknownKind(row.kind.clone()))?;
    if !profile.targets.contains(&kind) {
        return Err(LinkRowError::KindNotLinked {
            vendor: profile.name,
            kind: kind.as_str(),
        });
    }
    let state = match row.state.trim() {
        "" => LinkState::Linked,
        s => match LinkState::parse(s) {
            Some(st @ (LinkState::Planned | LinkState::Awaiting | LinkState::Linked)) => st,
            _ => return Err(LinkRowError::BadState(s.to_string())),
        },
    };
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let input = LinkTargetInput {
        kind: Some(kind),
        team_id: opt(&row.team_id),
        channel_id: opt(&row.channel_id),
        chat_id: opt(&row.chat_id),
        user_id: opt(&row.user_id),
        name: opt(&row.target_name),
    };
    input.validated()?;
    Ok(CheckedRow {
        vendor: profile.id,
        input,
        row,
        state,
    })
}

/// Validates every row, then imports (all rows, or the good ones when `good_only`).
pub fn import(
    store: &Store,
    actor: &Actor,
    app_id: Option<&CatalogAppId>,
    text: &str,
    format: LinkFileFormat,
    good_only: bool,
) -> Result<LinkImportReport, LinksError> {
    let parsed = parse(text, format)?;
    let mut problems = Vec::new();
    let mut good = Vec::new();
    let mut keys = std::collections::HashMap::new();
    let rows = parsed.len() as u64;
    for (line, row) in parsed {
        match row.and_then(|r| check_row(store, r)) {
            Ok(c) => {
                let key = (
                    c.vendor.clone(),
                    c.row.account.trim().to_string(),
                    c.row.integration_id.trim().to_string(),
                    c.input.validated().map(|(_, k)| k).unwrap_or_default(),
                );
                if let Some(first) = keys.insert(key, line) {
                    problems.push(LinkRowProblem {
                        line,
                        message: format!("the same link as line {first}"),
                    });
                } else {
                    good.push((line, c));
                }
            }
            Err(e) => problems.push(LinkRowProblem {
                line,
                message: e.to_string(),
            }),
        }
    }
    if rows == 0 {
        return Err(LinksError::Invalid("the file has no links".into()));
    }
    if !problems.is_empty() && !good_only {
        return Ok(LinkImportReport {
            rows,
            imported: 0,
            problems,
            refused: true,
        });
    }
    let mut imported = 0;
    let now = super::now_text();
    for (line, c) in good {
        let integration = ensure_integration(
            store,
            actor,
            &NewIntegration {
                vendor: &c.vendor,
                account: &c.row.account,
                external_id: &c.row.integration_id,
                name: &c.row.integration_name,
                app_id,
            },
        )
        .map_err(|e| LinksError::Invalid(format!("line {line}: {e}")))?;
        let (kind, key) = c.input.validated()?;
        let facts = TargetFacts {
            kind: Some(kind),
            key,
            team_id: c.input.team_id.clone(),
            channel_id: c.input.channel_id.clone(),
            chat_id: c.input.chat_id.clone(),
            user_id: c.input.user_id.clone(),
            target_name: c
                .input
                .name
                .clone()
                .or(c.input.team_id.clone())
                .or(c.input.chat_id.clone())
                .or(c.input.user_id.clone())
                .unwrap_or_default(),
            ..Default::default()
        };
        let evidence = (c.state == LinkState::Linked).then(|| LinkEvidence {
            kind: LinkEvidenceKind::Imported,
            at: now.clone(),
            by: Some(actor.upn.clone()),
            detail: Some(format!("line {line}")),
        });
        upsert(
            store,
            actor,
            &integration,
            &facts,
            c.state,
            None,
            None,
            evidence.as_ref(),
        )?;
        imported += 1;
    }
    Ok(LinkImportReport {
        rows,
        imported,
        problems,
        refused: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_are_numbered_by_the_line_they_start_on() {
        let text = "[\n  {\"a\": 1},\n\n  {\"b\": [1,\n 2]},\n  3\n]";
        assert_eq!(object_lines(text), [2, 4, 6]);
    }

    #[test]
    fn formats_come_from_names() {
        assert_eq!(
            LinkFileFormat::of_path("links.CSV"),
            Some(LinkFileFormat::Csv)
        );
        assert_eq!(
            LinkFileFormat::of_path("a.json"),
            Some(LinkFileFormat::Json)
        );
        assert_eq!(LinkFileFormat::of_path("a.txt"), None);
    }
}
