//! One Graph request as the simulator sees it (top-level or a `$batch` member), its answer,
//! and the route pattern metrics, throttling and faults key on.

use axum::http::HeaderMap;
use bytes::Bytes;
use serde_json::Value;

use crate::odata::GraphError;

#[derive(Debug, Clone)]
pub struct GReq {
    pub method: String,
    /// Path below `/v1.0`, starting with `/`.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub sub: bool,
}

#[derive(Debug, Clone)]
pub struct GResp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl GResp {
    pub(super) fn json(status: u16, body: Value) -> GResp {
        GResp {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }
    pub(super) fn empty(status: u16) -> GResp {
        GResp {
            status,
            headers: Vec::new(),
            body: None,
        }
    }
}

pub(super) type R = Result<GResp, GraphError>;

pub(super) fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) const COLLECTIONS: &[&str] = &[
    "teams",
    "users",
    "groups",
    "chats",
    "channels",
    "installedApps",
    "appDefinitions",
    "teamsApps",
    "servicePrincipals",
    "appRoleAssignments",
    "appRoleAssignedTo",
    "oauth2PermissionGrants",
    "directoryRoles",
    "organization",
    "permissionGrants",
];
pub(super) const KEYWORDS: &[&str] = &[
    "delta",
    "$batch",
    "$count",
    "primaryChannel",
    "teamwork",
    "memberOf",
    "transitiveMemberOf",
    "upgrade",
    "bot",
];

/// Route pattern used for metrics and faults, ids replaced by `{id}`.
pub fn route_pattern(segs: &[String]) -> String {
    let mut out = String::new();
    let mut prev_collection = false;
    for s in segs {
        out.push('/');
        if prev_collection && !KEYWORDS.contains(&s.as_str()) {
            out.push_str("{id}");
            prev_collection = false;
            continue;
        }
        if let Some(i) = s.find('(') {
            out.push_str(&s[..i]);
            out.push_str("({key})");
            prev_collection = false;
            continue;
        }
        out.push_str(s);
        prev_collection = COLLECTIONS.contains(&s.as_str());
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

pub fn split_path(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect()
}
