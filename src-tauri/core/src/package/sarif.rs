//! SARIF 2.1.0 output, so CI systems (GitHub code scanning, Azure DevOps) can show findings.

use serde_json::{json, Value};

use super::rules::{Rule, Severity};
use super::validate::ValidationReport;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Renders `report` as a SARIF log. `source` is the path that was validated as the user gave
/// it; when it is a folder (`source_is_dir`), findings point at files inside it with line and
/// column, otherwise at the archive with the inner file and JSON path as a logical location.
pub fn to_sarif(report: &ValidationReport, source: &str, source_is_dir: bool) -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            let i = r.info();
            json!({
                "id": i.code,
                "name": i.name,
                "shortDescription": { "text": i.summary },
                "help": { "text": i.fix },
                "defaultConfiguration": { "level": level(i.severity) },
            })
        })
        .collect();
    let base = source.trim_end_matches(['/', '\\']);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = Rule::ALL.iter().position(|r| r.code() == f.code);
            let uri = if source_is_dir && !f.file.is_empty() {
                format!("{base}/{}", f.file)
            } else {
                base.to_string()
            };
            let mut physical = json!({ "artifactLocation": { "uri": uri } });
            if source_is_dir {
                if let Some(line) = f.line {
                    let mut region = json!({ "startLine": line });
                    if let Some(col) = f.column {
                        region["startColumn"] = json!(col);
                    }
                    physical["region"] = region;
                }
            }
            let mut location = json!({ "physicalLocation": physical });
            if !f.file.is_empty() {
                location["logicalLocations"] = json!([{
                    "fullyQualifiedName": format!("{}#{}", f.file, f.path),
                    "kind": "member",
                }]);
            }
            let mut result = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": { "text": format!("{} Fix: {}", f.message, f.hint) },
                "locations": [location],
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "botdeck",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/botdeck/botdeck/blob/main/docs/package-studio.md",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
