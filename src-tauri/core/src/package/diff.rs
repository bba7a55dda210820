//! Manifest and package diff, flagging the changes after which Teams asks users or admins to
//! consent again (new bot identity, new Entra app, new RSC permissions, new capabilities or
//! scopes). Admins need to know that before they push an update to thousands of teams.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::archive::{RawPackage, MANIFEST_FILE};
use super::jsonutil;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One changed value. `path` is a JSON Pointer into the *new* manifest for added/changed
/// values and into the *old* one for removed values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiffEntry {
    pub path: String,
    pub kind: ChangeKind,
    #[ts(type = "unknown")]
    pub old: Option<Value>,
    #[ts(type = "unknown")]
    pub new: Option<Value>,
    /// Why this change makes Teams ask for consent again, if it does.
    pub reconsent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    pub name: String,
    pub kind: ChangeKind,
    #[ts(type = "number | null")]
    pub old_size: Option<u64>,
    #[ts(type = "number | null")]
    pub new_size: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackageDiff {
    pub entries: Vec<DiffEntry>,
    pub files: Vec<FileChange>,
    pub reconsent_required: bool,
}

impl PackageDiff {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.files.is_empty()
    }
}

/// Arrays compared as sets: their order carries no meaning and an index diff would report a
/// reordering as a cascade of changes.
fn is_set_array(tokens: &[String]) -> bool {
    matches!(
        tokens.last().map(String::as_str),
        Some("scopes" | "resourceSpecific" | "validDomains")
    )
}

fn reconsent_reason(tokens: &[String], kind: ChangeKind) -> Option<String> {
    let t: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match t.as_slice() {
        ["bots"] | ["bots", _] => Some("a bot was added or removed".into()),
        ["bots", _, "botId", ..] => Some("the bot's identity (botId) changed".into()),
        ["bots", _, field @ ("isNotificationOnly" | "supportsFiles" | "supportsCalling" | "supportsVideo"), ..] => {
            Some(format!("bot capability {field} changed"))
        }
        ["bots", _, "scopes", ..] if kind == ChangeKind::Added => {
            Some("a bot scope was added".into())
        }
        ["bots", _, "scopes"] if kind != ChangeKind::Removed => Some("bot scopes changed".into()),
        ["webApplicationInfo", ..] => Some("webApplicationInfo (the Entra app) changed".into()),
        ["authorization"] | ["authorization", "permissions"] => {
            Some("authorization permissions changed".into())
        }
        ["authorization", "permissions", "resourceSpecific", ..] => {
            Some("resource-specific consent (RSC) permissions changed".into())
        }
        [field @ ("supportsFiles" | "supportsCalling" | "supportsVideo")] => {
            Some(format!("{field} changed"))
        }
        _ => None,
    }
}

fn pointer(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", jsonutil::escape_token(t)))
        .collect()
}

fn entry(
    tokens: &[String],
    kind: ChangeKind,
    old: Option<&Value>,
    new: Option<&Value>,
) -> DiffEntry {
    DiffEntry {
        path: pointer(tokens),
        kind,
        old: old.cloned(),
        new: new.cloned(),
        reconsent: reconsent_reason(tokens, kind),
    }
}

fn walk(tokens: &mut Vec<String>, a: &Value, b: &Value, out: &mut Vec<DiffEntry>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                tokens.push(k.clone());
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => walk(tokens, va, vb, out),
                    (Some(va), None) => {
                        out.push(entry(tokens, ChangeKind::Removed, Some(va), None))
                    }
                    (None, Some(vb)) => out.push(entry(tokens, ChangeKind::Added, None, Some(vb))),
                    (None, None) => {}
                }
                tokens.pop();
            }
        }
        (Value::Array(x), Value::Array(y)) if is_set_array(tokens) => {
            for (i, va) in x.iter().enumerate() {
                if !y.contains(va) {
                    tokens.push(i.to_string());
                    out.push(entry(tokens, ChangeKind::Removed, Some(va), None));
                    tokens.pop();
                }
            }
            for (i, vb) in y.iter().enumerate() {
                if !x.contains(vb) {
                    tokens.push(i.to_string());
                    out.push(entry(tokens, ChangeKind::Added, None, Some(vb)));
                    tokens.pop();
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                tokens.push(i.to_string());
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => walk(tokens, va, vb, out),
                    (Some(va), None) => {
                        out.push(entry(tokens, ChangeKind::Removed, Some(va), None))
                    }
                    (None, Some(vb)) => out.push(entry(tokens, ChangeKind::Added, None, Some(vb))),
                    (None, None) => {}
                }
                tokens.pop();
            }
        }
        _ if a != b => out.push(entry(tokens, ChangeKind::Changed, Some(a), Some(b))),
        _ => {}
    }
}

/// Field-by-field diff of two manifests.
pub fn diff_manifests(old: &Value, new: &Value) -> PackageDiff {
    let mut entries = Vec::new();
    walk(&mut Vec::new(), old, new, &mut entries);
    let reconsent_required = entries.iter().any(|e| e.reconsent.is_some());
    PackageDiff {
        entries,
        files: Vec::new(),
        reconsent_required,
    }
}

/// Diff of two packages: the manifests field by field, other files by content.
/// Manifests that are not valid JSON compare as `null`.
pub fn diff_packages(old: &RawPackage, new: &RawPackage) -> PackageDiff {
    let manifest = |p: &RawPackage| -> Value {
        p.manifest_bytes()
            .and_then(|b| jsonutil::parse_object(b).ok())
            .map_or(Value::Null, |p| p.value)
    };
    let mut diff = diff_manifests(&manifest(old), &manifest(new));
    let names: BTreeSet<&String> = old
        .files
        .keys()
        .chain(new.files.keys())
        .filter(|n| n.as_str() != MANIFEST_FILE)
        .collect();
    let size = |m: &BTreeMap<String, Vec<u8>>, n: &str| m.get(n).map(|b| b.len() as u64);
    for name in names {
        let (a, b) = (old.files.get(name), new.files.get(name));
        let kind = match (a, b) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(_), Some(_)) => ChangeKind::Changed,
            (Some(_), None) => ChangeKind::Removed,
            (None, Some(_)) => ChangeKind::Added,
            (None, None) => continue,
        };
        diff.files.push(FileChange {
            name: name.clone(),
            kind,
            old_size: size(&old.files, name),
            new_size: size(&new.files, name),
        });
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reordered_scopes_are_not_a_change_but_an_added_scope_is_flagged() {
        let a = json!({"bots": [{"botId": "x", "scopes": ["team", "personal"]}]});
        let b = json!({"bots": [{"botId": "x", "scopes": ["personal", "team"]}]});
        assert!(diff_manifests(&a, &b).is_empty());
        let c = json!({"bots": [{"botId": "x", "scopes": ["personal", "team", "groupChat"]}]});
        let d = diff_manifests(&a, &c);
        assert_eq!(d.entries.len(), 1);
        assert_eq!(d.entries[0].path, "/bots/0/scopes/2");
        assert_eq!(d.entries[0].kind, ChangeKind::Added);
        assert!(d.reconsent_required);
        // Removing a scope narrows access: no new consent.
        let d = diff_manifests(&c, &a);
        assert_eq!(d.entries.len(), 1);
        assert!(!d.reconsent_required);
    }
}
