//! Microsoft Graph v1.0: routing, authentication, throttling and faults for one request
//! (top-level or a `$batch` member), and the resource handlers.

use std::collections::BTreeSet;

use axum::http::HeaderMap;
use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::identity::{validate_access_token, Principal, TokenProblem};
use crate::model::*;
use crate::odata::{self, checked_filter, Cursor, Family, GraphError, Query, RetryAfter};
use crate::permissions;
use crate::render;

use crate::state::{lock, Sim};
use crate::throttle::ThrottleKeys;

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
    fn json(status: u16, body: Value) -> GResp {
        GResp {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }
    fn empty(status: u16) -> GResp {
        GResp {
            status,
            headers: Vec::new(),
            body: None,
        }
    }
}

type R = Result<GResp, GraphError>;

fn percent_decode(s: &str) -> String {
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

const COLLECTIONS: &[&str] = &[
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
const KEYWORDS: &[&str] = &[
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

/// Runs one Graph request end to end and stamps the ids Graph always returns.
pub fn execute(sim: &Sim, req: &GReq) -> GResp {
    let request_id = sim.new_uuid().to_string();
    let client_request_id = req
        .headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    let date = chrono::DateTime::from_timestamp_millis(sim.clock.now_ms())
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let mut resp = match run(sim, req) {
        Ok(r) => r,
        Err(e) => {
            let mut r = GResp::json(e.status, e.body(&request_id, &client_request_id, &date));
            if let Some(wait) = e.retry_after {
                r.headers.extend(wait.headers());
            }
            if e.status == 401 {
                r.headers.push((
                    "WWW-Authenticate".into(),
                    format!("Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"{GRAPH_APP_ID}\"", sim.base_url),
                ));
            }
            r
        }
    };
    resp.headers.push(("request-id".into(), request_id));
    resp.headers
        .push(("client-request-id".into(), client_request_id));
    if resp.body.is_some() {
        resp.headers.push((
            "Content-Type".into(),
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8".into(),
        ));
        resp.headers.push(("OData-Version".into(), "4.0".into()));
    }
    sim.metrics.count_status(resp.status);
    resp
}

/// The limits each member of a `$batch` body draws from (unreadable members draw none).
fn batch_member_keys(body: &[u8]) -> Vec<ThrottleKeys> {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    body.get("requests")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .filter_map(|m| {
                    let method = m.get("method")?.as_str()?.to_ascii_uppercase();
                    let url = m.get("url")?.as_str()?;
                    let path = url.split('?').next().unwrap_or(url);
                    Some(ThrottleKeys::classify(&method, &split_path(path)))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn run(sim: &Sim, req: &GReq) -> R {
    let mut segs = split_path(&req.path);
    let pattern = format!("{} {}", req.method, route_pattern(&segs));
    sim.metrics
        .graph_requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if req.sub {
        sim.metrics
            .sub_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    sim.metrics.count_route(&pattern);

    let principal = validate_access_token(sim, &req.headers).map_err(|p| {
        let msg = match p {
            TokenProblem::Missing => "Access token is empty.",
            TokenProblem::Malformed => "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.",
            TokenProblem::Invalid => "Access token validation failure. Invalid audience.",
            TokenProblem::Expired => "Lifetime validation failed, the token is expired.",
        };
        GraphError::new(401, "InvalidAuthenticationToken", msg)
    })?;

    // `/me/...` is `/users/{signed-in user}/...`.
    if segs.first().map(String::as_str) == Some("me") {
        match &principal {
            Principal::Delegated { user, .. } => {
                let id = lock(&sim.tenant).users[*user].id.to_string();
                segs[0] = id;
                segs.insert(0, "users".into());
            }
            Principal::App { .. } => {
                return Err(GraphError::bad_request(
                    "/me request is only valid with delegated authentication flow.",
                ));
            }
        }
    }

    let now = sim.clock.now_ms();
    let caller = principal.caller_key(&lock(&sim.tenant));
    let request_key = format!(
        "{} {}?{}",
        req.method,
        req.path,
        req.query.clone().unwrap_or_default()
    );
    let throttle_keys = ThrottleKeys::classify(&req.method, &segs);
    {
        let mut th = lock(&sim.throttle);
        let early = th.is_early_retry(&caller, &request_key, now);
        // After a 429 on a whole `$batch`, anything drawing on the limits its members drew
        // on is early until the wait is over, whichever request it comes in.
        let early_on_limits = th.is_early_on_buckets(&caller, &throttle_keys, now);
        if early || early_on_limits {
            sim.metrics
                .early_retries
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let settings = sim.settings();
    let decision = lock(&sim.faults).decide(&req.method, &format!("/v1.0{}", req.path), false);
    if let Some(status) = decision.status {
        sim.metrics.count_fault(&status.to_string());
        let wait = decision
            .retry_after
            .map(|secs| RetryAfter::scaled(secs, settings.throttle_scale));
        if let Some(wait) = wait {
            let mut th = lock(&sim.throttle);
            th.told_to_wait(&caller, &request_key, wait.ms, now);
            if !req.sub && segs.first().map(String::as_str) == Some("$batch") {
                for keys in batch_member_keys(&req.body) {
                    th.told_to_wait_on_buckets(&caller, &keys, wait.ms, now);
                }
            }
        }
        let (code, msg) = match status {
            429 => (
                "TooManyRequests",
                "Too many requests. Please try again later.",
            ),
            500 => ("InternalServerError", "An internal server error occurred."),
            502 => ("BadGateway", "Bad gateway."),
            503 => (
                "ServiceNotAvailable",
                "The service is temporarily unavailable. Please try again later.",
            ),
            _ => ("GatewayTimeout", "The gateway timed out."),
        };
        let mut e = GraphError::new(status, code, msg);
        e.retry_after = wait;
        return Err(e);
    }
    if settings.throttling {
        let keys = throttle_keys;
        if !keys.buckets.is_empty() {
            let admitted = lock(&sim.throttle).admit(
                principal.client_id(),
                &keys,
                settings.throttle_scale,
                now,
            );
            if let Err(wait_ms) = admitted {
                let mut th = lock(&sim.throttle);
                // Graph states some waits with decimals (`Retry-After: 2.128`): every other
                // throttled answer does here, so clients meet both forms.
                let decimal = th.next_decimal_turn();
                let wait = RetryAfter::from_ms(wait_ms, settings.throttle_scale, decimal);
                th.told_to_wait(&caller, &request_key, wait.ms, now);
                drop(th);
                let mut e = GraphError::new(429, "TooManyRequests", "Too many requests.")
                    .with_inner("TooManyRequests");
                e.retry_after = Some(wait);
                return Err(e);
            }
        }
    }

    let q = Query::parse(req.query.as_deref());
    let ctx = Ctx {
        sim,
        p: &principal,
        req,
        q,
        segs,
    };
    ctx.dispatch()
}

struct Ctx<'a> {
    sim: &'a Sim,
    p: &'a Principal,
    req: &'a GReq,
    q: Query,
    segs: Vec<String>,
}

// Permission sets, least privileged first (Graph lists them in its 403 messages).
const TEAM_INST_READ_D: &[&str] = &[
    "TeamsAppInstallation.ReadForTeam",
    "TeamsAppInstallation.ReadWriteSelfForTeam",
    "TeamsAppInstallation.ReadWriteForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForTeam",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const TEAM_INST_WRITE_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteSelfForTeam",
    "TeamsAppInstallation.ReadWriteForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForTeam",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const TEAM_CONSENT_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteAndConsentForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForTeam",
];
const CHAT_INST_READ_D: &[&str] = &[
    "TeamsAppInstallation.ReadForChat",
    "TeamsAppInstallation.ReadWriteSelfForChat",
    "TeamsAppInstallation.ReadWriteForChat",
    "TeamsAppInstallation.ReadWriteAndConsentForChat",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat",
    "Chat.ReadWrite",
];
const CHAT_INST_WRITE_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteSelfForChat",
    "TeamsAppInstallation.ReadWriteForChat",
    "TeamsAppInstallation.ReadWriteAndConsentForChat",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat",
    "Chat.ReadWrite",
];
const CHAT_CONSENT_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteAndConsentForChat",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat",
];
const USER_INST_READ_D: &[&str] = &[
    "TeamsAppInstallation.ReadForUser",
    "TeamsAppInstallation.ReadWriteSelfForUser",
    "TeamsAppInstallation.ReadWriteForUser",
];
const USER_INST_WRITE_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteSelfForUser",
    "TeamsAppInstallation.ReadWriteForUser",
];
const CATALOG_READ_D: &[&str] = &[
    "AppCatalog.Submit",
    "AppCatalog.Read.All",
    "AppCatalog.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const CATALOG_READ_A: &[&str] = &["AppCatalog.Read.All", "AppCatalog.ReadWrite.All"];
const CATALOG_SUBMIT_D: &[&str] = &[
    "AppCatalog.Submit",
    "AppCatalog.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const CATALOG_ADMIN_D: &[&str] = &["AppCatalog.ReadWrite.All", "Directory.ReadWrite.All"];
const TEAMS_READ: &[&str] = &[
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "TeamSettings.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const GROUPS_READ: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const CHANNELS_READ: &[&str] = &[
    "Channel.ReadBasic.All",
    "ChannelSettings.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const CHATS_D: &[&str] = &["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"];
const CHATS_A: &[&str] = &["Chat.ReadBasic.All", "Chat.Read.All", "Chat.ReadWrite.All"];
const USERS_READ: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const MEMBER_OF_D: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "GroupMember.Read.All",
    "Group.Read.All",
    "RoleManagement.Read.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const MEMBER_OF_A: &[&str] = &[
    "User.Read.All",
    "GroupMember.Read.All",
    "Group.Read.All",
    "RoleManagement.Read.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ORG_D: &[&str] = &[
    "User.Read",
    "Organization.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ORG_A: &[&str] = &[
    "Organization.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const SP_READ: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ARA_READ: &[&str] = &[
    "Application.Read.All",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ARA_WRITE: &[&str] = &["AppRoleAssignment.ReadWrite.All"];
const GRANT_READ_D: &[&str] = &[
    "Directory.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const GRANT_READ_A: &[&str] = &[
    "Directory.Read.All",
    "DelegatedPermissionGrant.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const GRANT_WRITE: &[&str] = &["DelegatedPermissionGrant.ReadWrite.All"];
const TEAM_RSC_GRANTS: &[&str] = &[
    "TeamsAppInstallation.ReadForTeam",
    "TeamMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const CHAT_RSC_GRANTS_D: &[&str] = &[
    "ChatMember.Read",
    "Chat.ReadBasic",
    "Chat.Read",
    "Chat.ReadWrite",
    "TeamsAppInstallation.ReadForChat",
];
const CHAT_RSC_GRANTS_A: &[&str] = &[
    "ChatMember.Read.All",
    "Chat.ReadBasic.All",
    "Chat.Read.All",
    "Chat.ReadWrite.All",
    "TeamsAppInstallation.ReadForChat.All",
];
const ROLES_READ: &[&str] = &[
    "RoleManagement.Read.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// Application permissions are the delegated names with `.All` where Teams adds it.
fn app_variant(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| {
            if n.starts_with("TeamsAppInstallation.") {
                format!("{n}.All")
            } else {
                n.to_string()
            }
        })
        .filter(|n| permissions::is_application(n))
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Team,
    Chat,
    User,
}

impl<'a> Ctx<'a> {
    fn s(&self, i: usize) -> &str {
        self.segs.get(i).map(String::as_str).unwrap_or("")
    }

    fn base(&self) -> String {
        self.sim.graph_base()
    }

    fn context(&self, frag: &str) -> String {
        format!("{}/$metadata#{frag}", self.base())
    }

    fn granted(&self) -> BTreeSet<String> {
        match self.p {
            Principal::Delegated { scopes, .. } => scopes.clone(),
            Principal::App { roles, .. } => roles.clone(),
        }
    }

    fn has_any(&self, list: &[String]) -> Option<String> {
        let g = self.granted();
        list.iter()
            .find(|p| g.iter().any(|x| x.eq_ignore_ascii_case(p)))
            .cloned()
    }

    /// Checks the token carries one of the permissions; answers Graph's 403 otherwise.
    fn require(
        &self,
        delegated: &[&str],
        application: &[String],
        family: Family,
    ) -> Result<String, GraphError> {
        let (list, kind): (Vec<String>, &str) = match self.p {
            Principal::Delegated { .. } => {
                (delegated.iter().map(|s| s.to_string()).collect(), "scope")
            }
            Principal::App { .. } => (application.to_vec(), "role"),
        };
        if let Some(hit) = self.has_any(&list) {
            return Ok(hit);
        }
        Err(match family {
            Family::Directory => GraphError::new(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ),
            Family::Teams if list.is_empty() => GraphError::new(
                403,
                "Forbidden",
                "Requested API is not supported in application-only context",
            ),
            Family::Teams => {
                let have: Vec<String> = self.granted().into_iter().collect();
                let extra = if kind == "role" {
                    ". Resource specific consent grants on the request ''"
                } else {
                    ""
                };
                GraphError::new(
                    403,
                    "Forbidden",
                    format!(
                        "Missing {kind} permissions on the request. API requires one of '{}'. {}s on the request '{}'{extra}.",
                        list.join(", "),
                        if kind == "role" { "Roles" } else { "Scopes" },
                        have.join(", ")
                    ),
                )
            }
        })
    }

    fn req_same(&self, names: &[&str], family: Family) -> Result<String, GraphError> {
        let app: Vec<String> = names
            .iter()
            .map(|s| s.to_string())
            .filter(|n| permissions::is_application(n))
            .collect();
        self.require(names, &app, family)
    }

    fn user_has_role(&self, t: &Tenant, templates: &[&str]) -> bool {
        match self.p {
            Principal::Delegated { user, .. } => t.users[*user]
                .roles
                .iter()
                .any(|&r| templates.contains(&t.roles[r].template_id)),
            Principal::App { .. } => true,
        }
    }

    /// The signed-in user's object id (none for application tokens).
    fn delegated_user_id(&self, t: &Tenant) -> Option<uuid::Uuid> {
        match self.p {
            Principal::Delegated { user, .. } => Some(t.users[*user].id),
            Principal::App { .. } => None,
        }
    }

    fn no_options(&self) -> Result<(), GraphError> {
        if self.q.has_odata_options() {
            return Err(GraphError::bad_request(
                "OData query options are not supported on this resource.",
            ));
        }
        Ok(())
    }

    fn json_body(&self) -> Result<Value, GraphError> {
        if self.req.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.req.body).map_err(|e| GraphError::bad_request(format!("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. ({e})")))
    }

    fn entity(&self, frag: &str, mut v: Value) -> R {
        if let Some(sel) = &self.q.select {
            v = odata::project(&v, sel);
        }
        let mut out = Map::new();
        out.insert("@odata.context".into(), json!(self.context(frag)));
        if let Value::Object(o) = v {
            out.extend(o);
        }
        Ok(GResp::json(200, Value::Object(out)))
    }

    fn dispatch(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        let s0 = self.s(0).to_string();
        match (m, s0.as_str(), n) {
            ("POST", "$batch", 1) => crate::batch::run(self.sim, self.req),
            (_, "users", _) => self.users(),
            (_, "groups", _) => self.groups(),
            (_, "teams", _) => self.teams(),
            (_, "chats", _) => self.chats(),
            (_, "appCatalogs", _) if self.s(1) == "teamsApps" => self.catalog(),
            ("GET", "organization", 1) => {
                self.req_same_pair(ORG_D, ORG_A, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let v = vec![render::organization(&t)];
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context("organization"), "value": self.select_all(v)?}),
                ))
            }
            ("GET", "organization", 2) => {
                self.req_same_pair(ORG_D, ORG_A, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                if !self.s(1).eq_ignore_ascii_case(&t.id.to_string()) {
                    return Err(GraphError::directory_not_found(self.s(1)));
                }
                self.entity("organization/$entity", render::organization(&t))
            }
            ("GET", "directoryRoles", 1) => {
                self.req_same(ROLES_READ, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let v: Vec<Value> = t.roles.iter().map(render::directory_role).collect();
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context("directoryRoles"), "value": self.select_all(v)?}),
                ))
            }
            (_, s, _) if s.starts_with("servicePrincipals") => self.service_principals(),
            (_, "oauth2PermissionGrants", _) => self.grants(),
            _ => Err(self.no_route()),
        }
    }

    fn req_same_pair(&self, d: &[&str], a: &[&str], family: Family) -> Result<String, GraphError> {
        let app: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        self.require(d, &app, family)
    }

    fn no_route(&self) -> GraphError {
        GraphError::new(
            400,
            "BadRequest",
            format!(
                "Resource not found for the segment '{}'.",
                self.segs.last().cloned().unwrap_or_default()
            ),
        )
    }

    fn select_all(&self, v: Vec<Value>) -> Result<Vec<Value>, GraphError> {
        Ok(match &self.q.select {
            Some(sel) => v.iter().map(|x| odata::project(x, sel)).collect(),
            None => v,
        })
    }

    // ---------------------------------------------------------------------------------
    // Generic paged listing

    fn list(
        &self,
        spec: &ListSpec,
        n: usize,
        render_full: &dyn Fn(usize) -> Value,
        default_proj: Option<&[&str]>,
    ) -> R {
        let q = &self.q;
        if q.orderby.is_some() || q.search.is_some() || q.skip.is_some() {
            return Err(match spec.family {
                Family::Directory => GraphError::new(
                    400,
                    "Request_UnsupportedQuery",
                    "The query option is not supported for this resource.",
                ),
                Family::Teams => {
                    GraphError::bad_request("The query option is not supported for this resource.")
                }
            });
        }
        let filter = match &q.filter {
            Some(f) => Some(checked_filter(
                f,
                spec.filter_props,
                spec.family,
                spec.type_name,
            )?),
            None => None,
        };
        if let Some(any) = filter.as_ref().and_then(|f| f.uses_any()) {
            if !spec.any_props.iter().any(|p| p.eq_ignore_ascii_case(&any)) {
                return Err(GraphError::new(
                    400,
                    "Request_UnsupportedQuery",
                    format!("Unsupported query: lambda operator on '{any}'."),
                ));
            }
        }
        if let Some(sel) = &q.select {
            odata::check_select(sel, spec.select_props, spec.type_name)?;
        }
        let want_count = match q.count.as_deref() {
            None | Some("false") => false,
            Some("true") if spec.count_ok => {
                let eventual = self
                    .req
                    .headers
                    .get("ConsistencyLevel")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
                if !eventual {
                    return Err(GraphError::new(400, "Request_BadRequest", "$count is not currently supported. Set the ConsistencyLevel header to 'eventual' to use $count."));
                }
                true
            }
            Some(_) => {
                return Err(GraphError::bad_request(
                    "$count is not supported on this resource.",
                ))
            }
        };
        let top = match &q.top {
            None => None,
            Some(raw) => {
                let Some(max) = spec.max_top else {
                    return Err(GraphError::bad_request("The query specified in the URI is not valid. Query option 'Top' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."));
                };
                match raw.parse::<usize>() {
                    Ok(v) if v >= 1 && v <= max => Some(v),
                    _ => {
                        return Err(match spec.family {
                            Family::Directory => GraphError::new(400, "Request_UnsupportedQuery", format!("Invalid page size specified: '{raw}'. Must be between 1 and {max} inclusive.")),
                            Family::Teams => GraphError::bad_request(format!("Invalid page size specified: '{raw}'. Must be between 1 and {max} inclusive.")),
                        })
                    }
                }
            }
        };
        let candidates: Vec<usize> = match &filter {
            Some(f) => (0..n)
                .filter(|&i| odata::eval(f, &render_full(i)))
                .collect(),
            None => (0..n).collect(),
        };
        let qhash = odata::hash_str(&format!(
            "{}?{}",
            self.req.path,
            Query::without_paging(self.req.query.as_deref())
        ));
        let key = self.sim.config.seed ^ 0x5C1B_70CE;
        let cursor = match &q.skiptoken {
            Some(tok) => {
                let c = odata::decode_cursor(key, tok).filter(|c| c.query_hash == qhash);
                match c {
                    Some(c) => c,
                    None => {
                        return Err(match spec.family {
                            Family::Directory => GraphError::new(400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request."),
                            Family::Teams => GraphError::bad_request("The skip token is invalid or has expired."),
                        })
                    }
                }
            }
            None => Cursor {
                offset: 0,
                page_size: top.unwrap_or(spec.default_page),
                served_empty: false,
                query_hash: qhash,
            },
        };
        let total = candidates.len();
        let page = cursor.page_size.max(1);
        let rate = self.sim.settings().empty_page_rate;
        let roll = (odata::hash_str(&format!(
            "{}|{}|{}",
            self.sim.config.seed, qhash, cursor.offset
        )) % 10_000) as f64
            / 10_000.0;
        let (items, next): (Vec<Value>, Option<Cursor>) =
            if cursor.offset > 0 && cursor.offset < total && !cursor.served_empty && roll < rate {
                (
                    Vec::new(),
                    Some(Cursor {
                        served_empty: true,
                        ..cursor
                    }),
                )
            } else {
                let end = (cursor.offset + page).min(total);
                let items = candidates[cursor.offset.min(total)..end]
                    .iter()
                    .map(|&i| {
                        let v = render_full(i);
                        match (&q.select, default_proj) {
                            (Some(sel), _) => odata::project(&v, sel),
                            (None, Some(d)) => odata::project(
                                &v,
                                &d.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                            ),
                            (None, None) => v,
                        }
                    })
                    .collect();
                let next = (end < total).then_some(Cursor {
                    offset: end,
                    page_size: page,
                    served_empty: false,
                    query_hash: qhash,
                });
                (items, next)
            };
        let mut frag = spec.context.clone();
        if let Some(sel) = &q.select {
            frag = format!("{frag}({})", sel.join(","));
        }
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(self.context(&frag)));
        if want_count {
            body.insert("@odata.count".into(), json!(total));
        }
        if let Some(c) = next {
            body.insert(
                "@odata.nextLink".into(),
                json!(self.next_link(&odata::encode_cursor(key, &c), "$skiptoken")),
            );
        }
        body.insert("value".into(), Value::Array(items));
        Ok(GResp::json(200, Value::Object(body)))
    }

    fn next_link(&self, token: &str, param: &str) -> String {
        let rest = Query::without_paging(self.req.query.as_deref());
        let mut ser = form_urlencoded::Serializer::new(rest);
        ser.append_pair(param, token);
        format!("{}{}?{}", self.base(), self.req.path, ser.finish())
    }

    // ---------------------------------------------------------------------------------
    // Users

    fn users(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        if m == "GET" && n == 1 {
            self.req_same(USERS_READ, Family::Directory)?;
            let t = lock(&self.sim.tenant);
            let spec = ListSpec {
                family: Family::Directory,
                type_name: "User",
                context: "users".into(),
                default_page: 100,
                max_top: Some(999),
                filter_props: &[
                    "id",
                    "userPrincipalName",
                    "displayName",
                    "mail",
                    "accountEnabled",
                    "userType",
                    "givenName",
                    "surname",
                    "department",
                    "jobTitle",
                    "mailNickname",
                ],
                any_props: &[],
                select_props: render::USER_ALL,
                count_ok: true,
            };
            return self.list(
                &spec,
                t.users.len(),
                &|i| render::user(&t, &t.users[i]),
                Some(render::USER_DEFAULT),
            );
        }
        if m == "GET" && n == 2 && self.s(1) == "delta" {
            self.req_same(
                &[
                    "User.Read.All",
                    "User.ReadWrite.All",
                    "Directory.Read.All",
                    "Directory.ReadWrite.All",
                ],
                Family::Directory,
            )?;
            return self.users_delta();
        }
        let t = lock(&self.sim.tenant);
        let Some(u) = t.find_user(self.s(1)) else {
            return Err(GraphError::directory_not_found(self.s(1)));
        };
        let is_self = matches!(self.p, Principal::Delegated { user, .. } if *user == u);
        match (m, n, self.s(2)) {
            ("GET", 2, _) => {
                if is_self {
                    let mut d = USERS_READ.to_vec();
                    d.extend(["User.Read", "User.ReadWrite"]);
                    self.req_same_pair(&d, USERS_READ, Family::Directory)?;
                } else {
                    self.req_same(USERS_READ, Family::Directory)?;
                }
                if let Some(sel) = &self.q.select {
                    odata::check_select(sel, render::USER_ALL, "user")?;
                    let v = render::user(&t, &t.users[u]);
                    return self.entity("users/$entity", v);
                }
                self.entity("users/$entity", render::user_default(&t, &t.users[u]))
            }
            ("GET", 3, "memberOf" | "transitiveMemberOf")
            | ("GET", 4, "memberOf" | "transitiveMemberOf") => {
                if is_self {
                    self.req_same_pair(MEMBER_OF_D, MEMBER_OF_A, Family::Directory)?;
                } else {
                    self.req_same_pair(&MEMBER_OF_D[1..], MEMBER_OF_A, Family::Directory)?;
                }
                // Documented (List a user's direct memberships): "OData cast is also enabled;
                // for example, you can cast to get just the directoryRoles the user is a member
                // of", and "ConsistencyLevel: eventual ... and $count are required when using
                // the $search, $filter, $orderby, or OData cast query parameters".
                let cast = if n == 4 {
                    let cast = match self.s(3) {
                        "microsoft.graph.directoryRole" => MemberCast::Roles,
                        "microsoft.graph.group" => MemberCast::Groups,
                        other => {
                            return Err(GraphError::new(
                                400,
                                "Request_UnsupportedQuery",
                                format!("Unsupported OData cast '{other}' on memberOf."),
                            ))
                        }
                    };
                    let eventual = self
                        .req
                        .headers
                        .get("ConsistencyLevel")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
                    if !eventual || self.q.count.as_deref() != Some("true") {
                        return Err(GraphError::new(
                            400,
                            "Request_UnsupportedQuery",
                            "OData cast on memberOf is an advanced query: set the ConsistencyLevel header to 'eventual' and add $count=true.",
                        ));
                    }
                    Some(cast)
                } else {
                    None
                };
                let uid = u;
                let mut objs: Vec<Value> = Vec::new();
                if cast != Some(MemberCast::Groups) {
                    objs.extend(
                        t.users[uid]
                            .roles
                            .iter()
                            .map(|&r| render::directory_role(&t.roles[r])),
                    );
                }
                if cast != Some(MemberCast::Roles) {
                    objs.extend(
                        t.groups
                            .iter()
                            .filter(|g| g.members.contains(&uid))
                            .map(|g| render::group_member_of(&t, g)),
                    );
                }
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "DirectoryObject",
                    context: match cast {
                        Some(MemberCast::Roles) => "directoryRoles".into(),
                        Some(MemberCast::Groups) => "groups".into(),
                        None => "directoryObjects".into(),
                    },
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &["id", "displayName"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "displayName",
                        "roleTemplateId",
                        "description",
                        "deletedDateTime",
                    ],
                    count_ok: true,
                };
                self.list(&spec, objs.len(), &|i| objs[i].clone(), None)
            }
            ("GET", 3, "chats") => {
                match self.p {
                    Principal::Delegated { .. } if !is_self => {
                        return Err(GraphError::new(403, "Forbidden", "Requested user is not the signed-in user; delegated access to another user's chats is not supported."))
                    }
                    _ => {}
                }
                self.req_same_pair(CHATS_D, CHATS_A, Family::Teams)?;
                let chats: Vec<usize> = t
                    .chats
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.members.contains(&u))
                    .map(|(i, _)| i)
                    .collect();
                let spec = chat_spec(format!("users('{}')/chats", t.users[u].id));
                self.list(
                    &spec,
                    chats.len(),
                    &|i| render::chat(&t, &t.chats[chats[i]]),
                    None,
                )
            }
            (_, _, "teamwork") if self.s(3) == "installedApps" => {
                drop(t);
                self.installed_apps(Kind::User, u, 4)
            }
            _ => Err(self.no_route()),
        }
    }

    fn users_delta(&self) -> R {
        let key = self.sim.config.seed ^ 0xDE17_A000;
        let now = self.sim.clock.now_ms();
        let t = lock(&self.sim.tenant);
        // Delta state rides in a cursor: offset = position, page_size = "since" sequence,
        // query_hash = issue time (seconds) used for the 7-day token lifetime.
        let gone = || {
            GraphError::new(410, "syncStateNotFound", "The sync state generation is not found. The delta token is expired or invalid; restart the synchronization from scratch.")
        };
        let (since, offset) = if let Some(tok) = &self.q.deltatoken {
            let c = odata::decode_cursor(key, tok).ok_or_else(gone)?;
            if now / 1000 - c.query_hash as i64 > 7 * 86_400 {
                return Err(gone());
            }
            (c.offset as u64, 0usize)
        } else if let Some(tok) = &self.q.skiptoken {
            let c = odata::decode_cursor(key, tok).ok_or_else(gone)?;
            (c.page_size as u64, c.offset)
        } else {
            (0, 0)
        };
        let changed: Vec<usize> = (0..t.users.len())
            .filter(|&i| t.users[i].change_seq > since)
            .collect();
        let page = 200;
        let end = (offset + page).min(changed.len());
        let sel = self.q.select.clone();
        let items: Vec<Value> = changed[offset.min(end)..end]
            .iter()
            .map(|&i| match &sel {
                Some(s) => odata::project(&render::user(&t, &t.users[i]), s),
                None => render::user_default(&t, &t.users[i]),
            })
            .collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(self.context("users")));
        let issued = (now / 1000) as u32;
        if end < changed.len() {
            let c = Cursor {
                offset: end,
                page_size: since as usize,
                served_empty: false,
                query_hash: issued,
            };
            body.insert(
                "@odata.nextLink".into(),
                json!(self.delta_link(&odata::encode_cursor(key, &c), "$skiptoken")),
            );
        } else {
            let c = Cursor {
                offset: t.change_seq as usize,
                page_size: 0,
                served_empty: false,
                query_hash: issued,
            };
            body.insert(
                "@odata.deltaLink".into(),
                json!(self.delta_link(&odata::encode_cursor(key, &c), "$deltatoken")),
            );
        }
        body.insert("value".into(), Value::Array(items));
        Ok(GResp::json(200, Value::Object(body)))
    }

    fn delta_link(&self, token: &str, param: &str) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        if let Some(sel) = &self.q.select {
            ser.append_pair("$select", &sel.join(","));
        }
        ser.append_pair(param, token);
        format!("{}/users/delta?{}", self.base(), ser.finish())
    }

    // ---------------------------------------------------------------------------------
    // Groups and teams

    fn groups(&self) -> R {
        if self.req.method != "GET" {
            return Err(self.no_route());
        }
        if self.segs.len() == 3 && self.s(2) == "members" {
            return self.group_members();
        }
        self.req_same(GROUPS_READ, Family::Directory)?;
        let t = lock(&self.sim.tenant);
        match self.segs.len() {
            1 => {
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "Group",
                    context: "groups".into(),
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &[
                        "id",
                        "displayName",
                        "resourceProvisioningOptions",
                        "groupTypes",
                        "mailEnabled",
                        "securityEnabled",
                        "mailNickname",
                        "mail",
                    ],
                    any_props: &["resourceProvisioningOptions", "groupTypes"],
                    select_props: render::GROUP_ALL,
                    count_ok: true,
                };
                self.list(
                    &spec,
                    t.groups.len(),
                    &|i| render::group(&t, &t.groups[i]),
                    None,
                )
            }
            2 => {
                let g = t
                    .find_group(self.s(1))
                    .ok_or_else(|| GraphError::directory_not_found(self.s(1)))?;
                if let Some(sel) = &self.q.select {
                    odata::check_select(sel, render::GROUP_ALL, "group")?;
                }
                self.entity("groups/$entity", render::group(&t, &t.groups[g]))
            }
            _ => Err(self.no_route()),
        }
    }

    /// `GET /groups/{id}/members`: users (and other directory objects) in a group or team.
    fn group_members(&self) -> R {
        self.req_same(
            &[
                "GroupMember.Read.All",
                "Group.Read.All",
                "Group.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Family::Directory,
        )?;
        let t = lock(&self.sim.tenant);
        let g = t
            .find_group(self.s(1))
            .ok_or_else(|| GraphError::directory_not_found(self.s(1)))?;
        let members = t.groups[g].members.clone();
        let spec = ListSpec {
            family: Family::Directory,
            type_name: "DirectoryObject",
            context: "directoryObjects".into(),
            default_page: 100,
            max_top: Some(999),
            filter_props: &["id", "displayName", "accountEnabled"],
            any_props: &[],
            select_props: render::USER_ALL,
            count_ok: true,
        };
        self.list(
            &spec,
            members.len(),
            &|i| {
                let mut v = render::user(&t, &t.users[members[i]]);
                v["@odata.type"] = json!("#microsoft.graph.user");
                v
            },
            Some(render::USER_DEFAULT),
        )
    }

    fn teams(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        if m == "GET" && n == 1 {
            self.req_same(
                &[
                    "Team.ReadBasic.All",
                    "TeamSettings.Read.All",
                    "TeamSettings.ReadWrite.All",
                    "Directory.Read.All",
                    "Directory.ReadWrite.All",
                ],
                Family::Teams,
            )?;
            let t = lock(&self.sim.tenant);
            let teams: Vec<usize> = t
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.team.is_some())
                .map(|(i, _)| i)
                .collect();
            let spec = ListSpec {
                family: Family::Teams,
                type_name: "team",
                context: "teams".into(),
                default_page: 100,
                max_top: Some(999),
                filter_props: &["displayName", "id", "visibility", "isArchived"],
                any_props: &[],
                select_props: &[
                    "id",
                    "createdDateTime",
                    "displayName",
                    "description",
                    "internalId",
                    "classification",
                    "specialization",
                    "visibility",
                    "webUrl",
                    "isArchived",
                    "tenantId",
                ],
                count_ok: false,
            };
            return self.list(
                &spec,
                teams.len(),
                &|i| render::team_list_item(&t.groups[teams[i]]),
                None,
            );
        }
        let t = lock(&self.sim.tenant);
        let Some(g) = t.find_team(self.s(1)) else {
            return Err(GraphError::not_found(format!(
                "No team found with Group Id {}",
                self.s(1)
            )));
        };
        let tid = t.groups[g].id.to_string();
        match (m, n, self.s(2)) {
            ("GET", 2, _) => {
                self.req_same(TEAMS_READ, Family::Teams)?;
                self.entity("teams/$entity", render::team(&t, &t.groups[g]))
            }
            ("GET", 3, "primaryChannel") => {
                self.req_same(CHANNELS_READ, Family::Teams)?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let c = data
                    .channels
                    .first()
                    .ok_or_else(|| GraphError::not_found("Primary channel not found"))?;
                self.entity(
                    &format!("teams('{tid}')/primaryChannel/$entity"),
                    render::channel(&t, &t.groups[g], c),
                )
            }
            ("GET", 3, "channels") => {
                self.req_same(CHANNELS_READ, Family::Teams)?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let spec = ListSpec {
                    family: Family::Teams,
                    type_name: "channel",
                    context: format!("teams('{tid}')/channels"),
                    default_page: 1000,
                    max_top: None,
                    filter_props: &["membershipType", "displayName", "id"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "createdDateTime",
                        "displayName",
                        "description",
                        "isFavoriteByDefault",
                        "email",
                        "webUrl",
                        "membershipType",
                        "tenantId",
                        "isArchived",
                    ],
                    count_ok: false,
                };
                self.list(
                    &spec,
                    data.channels.len(),
                    &|i| render::channel(&t, &t.groups[g], &data.channels[i]),
                    None,
                )
            }
            (_, n, "channels") if n >= 5 && self.s(4) == "messages" => {
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                if !data.channels.iter().any(|c| c.id == self.s(3)) {
                    return Err(GraphError::not_found("Channel not found"));
                }
                let archived = data.is_archived;
                let key = crate::conversations::ConvKey::Channel {
                    team: tid.clone(),
                    channel: self.s(3).to_string(),
                };
                drop(t);
                self.messages(key, 5, archived)
            }
            ("GET", 4, "channels") => {
                self.req_same(CHANNELS_READ, Family::Teams)?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let c = data
                    .channels
                    .iter()
                    .find(|c| c.id == self.s(3))
                    .ok_or_else(|| GraphError::not_found("Channel not found"))?;
                self.entity(
                    &format!("teams('{tid}')/channels/$entity"),
                    render::channel(&t, &t.groups[g], c),
                )
            }
            ("GET", 3, "permissionGrants") => {
                self.require(
                    TEAM_RSC_GRANTS,
                    &app_variant(TEAM_RSC_GRANTS),
                    Family::Teams,
                )?;
                self.no_options()?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let v = rsc_grants(&t, &tid, &data.installs, ".Group");
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context(&format!("teams('{tid}')/permissionGrants")), "value": v}),
                ))
            }
            (_, _, "installedApps") => {
                drop(t);
                self.installed_apps(Kind::Team, g, 3)
            }
            _ => Err(self.no_route()),
        }
    }

    fn chats(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        let t = lock(&self.sim.tenant);
        if m == "GET" && n == 1 {
            let Principal::Delegated { user, .. } = self.p else {
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "Requested API is not supported in application-only context",
                ));
            };
            self.req_same_pair(CHATS_D, &[], Family::Teams)?;
            let u = *user;
            let chats: Vec<usize> = t
                .chats
                .iter()
                .enumerate()
                .filter(|(_, c)| c.members.contains(&u))
                .map(|(i, _)| i)
                .collect();
            return self.list(
                &chat_spec("chats".into()),
                chats.len(),
                &|i| render::chat(&t, &t.chats[chats[i]]),
                None,
            );
        }
        if let Some((user_id, _)) = crate::conversations::parse_personal_chat(self.s(1)) {
            // The chat between a user and a bot: only that user may read it (delegated).
            let caller = self.delegated_user_id(&t).map(|u| u.to_string());
            if caller.as_deref() != Some(user_id.as_str()) {
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "User is not a member of this chat.",
                ));
            }
            if m == "GET" && n == 3 && self.s(2) == "messages" {
                let key = crate::conversations::ConvKey::Chat(self.s(1).to_string());
                drop(t);
                return self.messages(key, 3, false);
            }
            return Err(self.no_route());
        }
        let Some(c) = t.find_chat(self.s(1)) else {
            return Err(GraphError::not_found(format!(
                "Chat {} not found",
                self.s(1)
            )));
        };
        if let Principal::Delegated { user, .. } = self.p {
            if !t.chats[c].members.contains(user) && self.s(2) != "installedApps" {
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "User is not a member of this chat.",
                ));
            }
        }
        match (m, n, self.s(2)) {
            ("GET", 2, _) => {
                self.req_same_pair(CHATS_D, CHATS_A, Family::Teams)?;
                self.entity("chats/$entity", render::chat(&t, &t.chats[c]))
            }
            ("GET", 3, "permissionGrants") => {
                self.req_same_pair(CHAT_RSC_GRANTS_D, CHAT_RSC_GRANTS_A, Family::Teams)?;
                self.no_options()?;
                let id = t.chats[c].id.clone();
                let v = rsc_grants(&t, &id, &t.chats[c].installs, ".Chat");
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context(&format!("chats('{id}')/permissionGrants")), "value": v}),
                ))
            }
            (_, _, "installedApps") => {
                drop(t);
                self.installed_apps(Kind::Chat, c, 3)
            }
            (_, _, "messages") => {
                let key = crate::conversations::ConvKey::Chat(t.chats[c].id.clone());
                drop(t);
                self.messages(key, 3, false)
            }
            _ => Err(self.no_route()),
        }
    }

    // ---------------------------------------------------------------------------------
    // Channel and chat messages (see `conversations`)

    /// `.../messages`, `.../messages/{id}`, `.../messages/{id}/replies` below `at`.
    fn messages(&self, key: crate::conversations::ConvKey, at: usize, archived: bool) -> R {
        use crate::conversations::{post_via_graph, render as render_msg, ConvKey};
        let m = self.req.method.as_str();
        let rest: Vec<&str> = self.segs[at..].iter().map(String::as_str).collect();
        let is_channel = matches!(key, ConvKey::Channel { .. });
        let (read, send): (&[&str], &[&str]) = if is_channel {
            (
                &[
                    "ChannelMessage.Read.All",
                    "Group.Read.All",
                    "Group.ReadWrite.All",
                ],
                &["ChannelMessage.Send", "Group.ReadWrite.All"],
            )
        } else {
            (
                &["Chat.Read", "Chat.ReadWrite"],
                &["ChatMessage.Send", "Chat.ReadWrite"],
            )
        };
        let ctx = match &key {
            ConvKey::Channel { team, channel } => {
                format!("teams('{team}')/channels('{channel}')/messages")
            }
            ConvKey::Chat(id) => format!("chats('{id}')/messages"),
        };
        match (m, rest.as_slice()) {
            ("GET", [] | [_, "replies"]) => {
                let read_a: Vec<String> = if is_channel {
                    vec!["ChannelMessage.Read.All".into()]
                } else {
                    vec!["Chat.Read.All".into()]
                };
                self.require(read, &read_a, Family::Teams)?;
                let q = &self.q;
                if q.filter.is_some() && is_channel
                    || q.select.is_some()
                    || q.search.is_some()
                    || q.skip.is_some()
                    || q.count.is_some()
                {
                    return Err(GraphError::bad_request(
                        "The query option is not supported for this resource.",
                    ));
                }
                let top = match &q.top {
                    None => 20,
                    Some(raw) => match raw.parse::<usize>() {
                        Ok(v) if (1..=50).contains(&v) => v,
                        _ => {
                            return Err(GraphError::bad_request(format!(
                                "Invalid page size specified: '{raw}'. Must be between 1 and 50 inclusive."
                            )))
                        }
                    },
                };
                let replies_of = match rest.as_slice() {
                    [parent, "replies"] => Some(parent.to_string()),
                    _ => None,
                };
                let expand_replies = match q.expand.as_deref() {
                    None => false,
                    Some("replies") if replies_of.is_none() && is_channel => true,
                    Some(other) => {
                        return Err(GraphError::bad_request(format!(
                            "Could not find a property named '{other}' to expand."
                        )))
                    }
                };
                // Chats: $orderby desc on lastModifiedDateTime / createdDateTime; a $filter
                // applies only with an $orderby on the same property (else it is ignored).
                let mut by_created = false;
                let mut bound: Option<(bool, bool, i64)> = None; // (created?, greater?, ms)
                if let Some(ob) = &q.orderby {
                    if is_channel {
                        return Err(GraphError::bad_request(
                            "The query option is not supported for this resource.",
                        ));
                    }
                    let mut parts = ob.split_whitespace();
                    let prop = parts.next().unwrap_or("");
                    let dir = parts.next().unwrap_or("desc");
                    if dir != "desc" {
                        return Err(GraphError::bad_request(
                            "Only descending order is supported for $orderby.",
                        ));
                    }
                    by_created = match prop {
                        "createdDateTime" => true,
                        "lastModifiedDateTime" => false,
                        other => {
                            return Err(GraphError::bad_request(format!(
                                "$orderby on '{other}' is not supported."
                            )))
                        }
                    };
                    if let Some(f) = &q.filter {
                        let mut it = f.split_whitespace();
                        let (p, op, v) = (
                            it.next().unwrap_or(""),
                            it.next().unwrap_or(""),
                            it.next().unwrap_or(""),
                        );
                        let same = (p == "createdDateTime") == by_created
                            && (p == "createdDateTime" || p == "lastModifiedDateTime");
                        if same {
                            let ms = chrono::DateTime::parse_from_rfc3339(v)
                                .map(|d| d.timestamp_millis())
                                .map_err(|_| {
                                    GraphError::bad_request(format!(
                                        "Invalid date '{v}' in $filter."
                                    ))
                                })?;
                            let greater = match op {
                                "gt" if !by_created => true,
                                "lt" => false,
                                _ => {
                                    return Err(GraphError::bad_request(format!(
                                        "Operator '{op}' is not supported on '{p}'."
                                    )))
                                }
                            };
                            bound = Some((by_created, greater, ms));
                        }
                    }
                }
                let t = lock(&self.sim.tenant);
                let conv = lock(&self.sim.conversations);
                let all = conv.list(&key);
                let mut items: Vec<&crate::conversations::Message> = match &replies_of {
                    Some(parent) => {
                        if !all.iter().any(|x| &x.id == parent) {
                            return Err(GraphError::not_found(format!(
                                "Message {parent} not found"
                            )));
                        }
                        all.iter()
                            .filter(|x| x.reply_to.as_deref() == Some(parent))
                            .collect()
                    }
                    None if is_channel => all.iter().filter(|x| x.reply_to.is_none()).collect(),
                    None => all.iter().collect(),
                };
                if let Some((created, greater, ms)) = bound {
                    items.retain(|x| {
                        let v = if created { x.created_ms } else { x.modified_ms };
                        if greater {
                            v > ms
                        } else {
                            v < ms
                        }
                    });
                }
                // Newest first.
                items.sort_by_key(|x| {
                    std::cmp::Reverse(if by_created {
                        x.created_ms
                    } else {
                        x.modified_ms
                    })
                });
                let offset = match &q.skiptoken {
                    Some(tok) => tok.parse::<usize>().map_err(|_| {
                        GraphError::bad_request("The skip token is invalid or has expired.")
                    })?,
                    None => 0,
                };
                let end = (offset + top).min(items.len());
                let page: Vec<Value> = items[offset.min(end)..end]
                    .iter()
                    .map(|x| {
                        let replies: Vec<crate::conversations::Message> = if expand_replies {
                            all.iter()
                                .filter(|r| r.reply_to.as_deref() == Some(x.id.as_str()))
                                .cloned()
                                .collect()
                        } else {
                            Vec::new()
                        };
                        render_msg(&t, &key, x, expand_replies.then_some(replies.as_slice()))
                    })
                    .collect();
                let mut body = Map::new();
                body.insert("@odata.context".into(), json!(self.context(&ctx)));
                if end < items.len() {
                    body.insert(
                        "@odata.nextLink".into(),
                        json!(self.next_link(&end.to_string(), "$skiptoken")),
                    );
                }
                body.insert("value".into(), Value::Array(page));
                Ok(GResp::json(200, Value::Object(body)))
            }
            ("GET", [id]) => {
                let read_a: Vec<String> = vec![];
                self.require(read, &read_a, Family::Teams)?;
                let t = lock(&self.sim.tenant);
                let conv = lock(&self.sim.conversations);
                let msg = conv
                    .list(&key)
                    .iter()
                    .find(|x| x.id == *id)
                    .ok_or_else(|| GraphError::not_found(format!("Message {id} not found")))?;
                let v = render_msg(&t, &key, msg, None);
                self.entity(&format!("{ctx}/$entity"), v)
            }
            ("POST", [] | [_, "replies"]) => {
                self.require(send, &[], Family::Teams)?;
                if archived {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "The team is archived; it is read-only.",
                    ));
                }
                let user = {
                    let t = lock(&self.sim.tenant);
                    match self.p {
                        Principal::Delegated { user, .. } => *user,
                        Principal::App { .. } => {
                            drop(t);
                            return Err(GraphError::new(
                                403,
                                "Forbidden",
                                "Requested API is not supported in application-only context",
                            ));
                        }
                    }
                };
                let body = self.json_body()?;
                let reply_to = match rest.as_slice() {
                    [parent, "replies"] => Some(parent.to_string()),
                    _ => None,
                };
                match post_via_graph(self.sim, key, reply_to, user, &body) {
                    Ok(v) => {
                        let mut out = Map::new();
                        out.insert(
                            "@odata.context".into(),
                            json!(self.context(&format!("{ctx}/$entity"))),
                        );
                        if let Value::Object(o) = v {
                            out.extend(o);
                        }
                        Ok(GResp::json(201, Value::Object(out)))
                    }
                    Err(e) => match e.strip_prefix("404:") {
                        Some(msg) => Err(GraphError::not_found(msg.to_string())),
                        None => Err(GraphError::bad_request(e)),
                    },
                }
            }
            _ => Err(self.no_route()),
        }
    }

    // ---------------------------------------------------------------------------------
    // installedApps for teams, chats and users

    fn installed_apps(&self, kind: Kind, idx: usize, at: usize) -> R {
        let (read_d, write_d, consent_d) = match kind {
            Kind::Team => (TEAM_INST_READ_D, TEAM_INST_WRITE_D, TEAM_CONSENT_D),
            Kind::Chat => (CHAT_INST_READ_D, CHAT_INST_WRITE_D, CHAT_CONSENT_D),
            Kind::User => (USER_INST_READ_D, USER_INST_WRITE_D, &[][..]),
        };
        let m = self.req.method.as_str();
        let rest: Vec<&str> = self.segs[at..].iter().map(String::as_str).collect();
        let mut t = lock(&self.sim.tenant);
        let target_id = match kind {
            Kind::Team => t.groups[idx].id.to_string(),
            Kind::Chat => t.chats[idx].id.clone(),
            Kind::User => t.users[idx].id.to_string(),
        };
        if kind == Kind::Team {
            let data = t.groups[idx].team.as_ref();
            if data.is_some_and(|d| d.installed_apps_forbidden) {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "Access to the apps installed in this team is denied by policy.",
                ));
            }
        }
        let ctx_frag = match kind {
            Kind::Team => format!("teams('{target_id}')/installedApps"),
            Kind::Chat => format!("chats('{target_id}')/installedApps"),
            Kind::User => format!("users('{target_id}')/teamwork/installedApps"),
        };
        match (m, rest.as_slice()) {
            ("GET", []) => {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                let expand = self.install_expand()?;
                let installs = installs_of(&t, kind, idx).clone();
                let rows: Vec<Value> = installs
                    .iter()
                    .filter_map(|inst| {
                        t.apps
                            .iter()
                            .find(|a| a.id == inst.app_id)
                            .map(|a| render::installation(&target_id, inst, a, kind == Kind::User))
                    })
                    .collect();
                let spec = ListSpec {
                    family: Family::Teams,
                    type_name: "teamsAppInstallation",
                    context: ctx_frag,
                    default_page: 1000,
                    max_top: None,
                    filter_props: &[
                        "teamsApp/id",
                        "teamsApp/externalId",
                        "teamsApp/displayName",
                        "teamsApp/distributionMethod",
                        "teamsAppDefinition/version",
                        "id",
                    ],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "consentedPermissionSet",
                        "teamsApp",
                        "teamsAppDefinition",
                    ],
                    count_ok: false,
                };
                let strip = |v: &Value| strip_unexpanded(v, &expand);
                self.list(&spec, rows.len(), &|i| rows[i].clone(), None)
                    .map(|mut r| {
                        if let Some(Value::Array(items)) =
                            r.body.as_mut().and_then(|b| b.get_mut("value"))
                        {
                            for it in items.iter_mut() {
                                *it = strip(it);
                            }
                        }
                        r
                    })
            }
            ("GET", [iid]) => {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                let expand = self.install_expand()?;
                let inst = installs_of(&t, kind, idx)
                    .iter()
                    .find(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .cloned()
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let app = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .ok_or_else(|| GraphError::not_found("The app was not found."))?;
                let v = strip_unexpanded(
                    &render::installation(&target_id, &inst, app, kind == Kind::User),
                    &expand,
                );
                self.entity(&format!("{ctx_frag}/$entity"), v)
            }
            ("GET", [iid, "chat"]) if kind == Kind::User => {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                let inst = installs_of(&t, kind, idx)
                    .iter()
                    .find(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .cloned()
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let bot_id = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .and_then(|a| a.definition(&inst.def_id))
                    .and_then(|d| d.bot_id.clone())
                    .ok_or_else(|| {
                        GraphError::not_found("The app has no bot: there is no chat.")
                    })?;
                let id = crate::conversations::personal_chat_id(&target_id, &bot_id);
                let v = json!({
                    "id": id,
                    "topic": null,
                    "createdDateTime": crate::state::rfc3339_secs(t.users[idx].created),
                    "lastUpdatedDateTime": crate::state::rfc3339_secs(t.users[idx].created),
                    "chatType": "oneOnOne",
                    "webUrl": format!("https://teams.microsoft.com/l/chat/{}/0?tenantId={}", id, t.id),
                    "tenantId": t.id.to_string(),
                    "isHiddenForAllMembers": false,
                    "onlineMeetingInfo": null,
                });
                self.entity("chats/$entity", v)
            }
            ("POST", []) => {
                let hit = self.require(write_d, &app_variant(write_d), Family::Teams)?;
                let body = self.json_body()?;
                let bind = body
                    .get("teamsApp@odata.bind")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        GraphError::bad_request(
                            "Required property 'teamsApp@odata.bind' is missing.",
                        )
                    })?;
                let app_id = bind_target(bind).ok_or_else(|| {
                    GraphError::bad_request(format!("Invalid odata.bind value '{bind}'."))
                })?;
                let a = t.find_app(&app_id).ok_or_else(|| {
                    GraphError::not_found(format!(
                        "App with id {app_id} was not found in the catalog."
                    ))
                })?;
                if kind == Kind::Team && t.groups[idx].team.as_ref().is_some_and(|d| d.is_archived)
                {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "The team is archived; apps cannot be installed in an archived team.",
                    ));
                }
                if installs_of(&t, kind, idx)
                    .iter()
                    .any(|i| i.app_id == t.apps[a].id)
                {
                    return Err(GraphError::new(
                        409,
                        "Conflict",
                        "App is already installed in this scope.",
                    ));
                }
                let def = t.apps[a].latest_published().cloned().ok_or_else(|| {
                    GraphError::not_found(
                        "The app has no published definition (it may be pending review).",
                    )
                })?;
                self.check_self(&hit, &def)?;
                let consented = self.check_consent(&body, &scoped(&def, kind), consent_d, None)?;
                let app_catalog_id = t.apps[a].id.clone();
                installs_of_mut(&mut t, kind, idx).push(Install {
                    app_id: app_catalog_id,
                    def_id: def.id.clone(),
                    consented,
                });
                Ok(GResp::empty(201))
            }
            ("POST", [iid, "upgrade"]) => {
                let hit = self.require(write_d, &app_variant(write_d), Family::Teams)?;
                let body = self.json_body()?;
                let pos = installs_of(&t, kind, idx)
                    .iter()
                    .position(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let inst = installs_of(&t, kind, idx)[pos].clone();
                let app = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .ok_or_else(|| GraphError::not_found("The app was not found."))?;
                let def = app
                    .latest_published()
                    .cloned()
                    .ok_or_else(|| GraphError::not_found("The app has no published definition."))?;
                self.check_self(&hit, &def)?;
                let consented = self.check_consent(
                    &body,
                    &scoped(&def, kind),
                    consent_d,
                    inst.consented.as_deref(),
                )?;
                let slot = &mut installs_of_mut(&mut t, kind, idx)[pos];
                slot.def_id = def.id.clone();
                slot.consented = consented;
                Ok(GResp::empty(204))
            }
            ("DELETE", [iid]) => {
                let hit = self.require(write_d, &app_variant(write_d), Family::Teams)?;
                let pos = installs_of(&t, kind, idx)
                    .iter()
                    .position(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let inst = installs_of(&t, kind, idx)[pos].clone();
                if let Some(def) = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .and_then(|a| a.definition(&inst.def_id))
                    .cloned()
                {
                    self.check_self(&hit, &def)?;
                }
                installs_of_mut(&mut t, kind, idx).remove(pos);
                Ok(GResp::empty(204))
            }
            _ => Err(self.no_route()),
        }
    }

    fn install_expand(&self) -> Result<Vec<String>, GraphError> {
        let mut out = Vec::new();
        if let Some(e) = &self.q.expand {
            for (nav, nested) in odata::parse_expand(e) {
                let ok = match nav.as_str() {
                    "teamsApp" => nested.is_empty(),
                    "teamsAppDefinition" => {
                        nested.is_empty() || nested.eq_ignore_ascii_case("$expand=bot")
                    }
                    _ => false,
                };
                if !ok {
                    return Err(GraphError::bad_request(format!("Parsing OData Select and Expand failed: Could not find a property named '{nav}' on type 'microsoft.graph.teamsAppInstallation'.")));
                }
                out.push(if nested.is_empty() {
                    nav
                } else {
                    format!("{nav}+bot")
                });
            }
        }
        Ok(out)
    }

    /// `...Self...` permissions only cover the calling app's own installations.
    fn check_self(&self, hit: &str, def: &AppDef) -> Result<(), GraphError> {
        if !hit.contains("Self") {
            return Ok(());
        }
        let caller = self.p.client_id();
        let own = def
            .bot_id
            .as_deref()
            .is_some_and(|b| b.eq_ignore_ascii_case(caller))
            || def
                .client_app_id
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(caller));
        if own {
            Ok(())
        } else {
            Err(GraphError::new(
                403,
                "Forbidden",
                format!("Permission '{hit}' only allows an app to manage its own installations."),
            ))
        }
    }

    /// RSC apps need an `...AndConsent...` permission and a consented set equal to what
    /// the definition requires; other apps must not carry one.
    fn check_consent(
        &self,
        body: &Value,
        def: &AppDef,
        consent_d: &[&str],
        existing: Option<&[RscPerm]>,
    ) -> Result<Option<Vec<RscPerm>>, GraphError> {
        let given: Option<Vec<RscPerm>> = match body.get("consentedPermissionSet") {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_permission_set(v)?),
        };
        if def.rsc.is_empty() {
            if given.as_ref().is_some_and(|g| !g.is_empty()) {
                return Err(GraphError::bad_request(
                    "The consented permission set contains permissions the app does not require.",
                )
                .with_inner("ResourceSpecificPermissionsMismatch"));
            }
            return Ok(None);
        }
        let norm = |v: &[RscPerm]| -> BTreeSet<(String, String)> {
            v.iter()
                .map(|p| (p.value.to_ascii_lowercase(), p.kind.to_ascii_lowercase()))
                .collect()
        };
        let want = norm(&def.rsc);
        let candidate = match (&given, existing) {
            (Some(g), _) => norm(g),
            (None, Some(e)) => norm(e),
            (None, None) => BTreeSet::new(),
        };
        if given.is_some() || existing.is_none() || candidate != want {
            self.require(consent_d, &app_variant(consent_d), Family::Teams)
                .map_err(|mut e| {
                    e.message = format!(
                        "The app requires consent to resource-specific permissions. {}",
                        e.message
                    );
                    e
                })?;
        }
        if candidate != want {
            return Err(GraphError::bad_request(format!(
                "The consented permission set does not match the resource-specific permissions required by the app definition (version {}).",
                def.version
            ))
            .with_inner("ResourceSpecificPermissionsMismatch"));
        }
        Ok(Some(def.rsc.clone()))
    }

    // ---------------------------------------------------------------------------------
    // App catalog

    fn catalog(&self) -> R {
        let m = self.req.method.as_str();
        let rest: Vec<String> = self.segs[2..].to_vec();
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        match (m, rest.as_slice()) {
            ("GET", []) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let bot = self.catalog_expand()?;
                let t = lock(&self.sim.tenant);
                let spec = ListSpec {
                    family: Family::Teams,
                    type_name: "teamsApp",
                    context: "appCatalogs/teamsApps".into(),
                    default_page: 100,
                    max_top: None,
                    filter_props: &["id", "externalId", "displayName", "distributionMethod"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "externalId",
                        "displayName",
                        "distributionMethod",
                        "appDefinitions",
                    ],
                    count_ok: false,
                };
                self.list(
                    &spec,
                    t.apps.len(),
                    &|i| render::teams_app(&t.apps[i], bot),
                    None,
                )
            }
            ("POST", []) => self.publish(),
            ("GET", [id]) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let bot = self.catalog_expand()?;
                let t = lock(&self.sim.tenant);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                self.entity(
                    "appCatalogs/teamsApps/$entity",
                    render::teams_app(&t.apps[a], bot),
                )
            }
            ("DELETE", [id]) => {
                self.require(CATALOG_ADMIN_D, &[], Family::Teams)?;
                let mut t = lock(&self.sim.tenant);
                if !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                    return Err(GraphError::new(403, "Forbidden", "Only Teams service administrators can delete apps from the organization's catalog."));
                }
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                if t.apps[a].distribution == Distribution::Store {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "Store apps cannot be deleted from the catalog.",
                    ));
                }
                let app_id = t.apps.remove(a).id;
                for g in t.groups.iter_mut() {
                    if let Some(d) = g.team.as_mut() {
                        d.installs.retain(|i| i.app_id != app_id);
                    }
                }
                for c in t.chats.iter_mut() {
                    c.installs.retain(|i| i.app_id != app_id);
                }
                for u in t.users.iter_mut() {
                    u.installs.retain(|i| i.app_id != app_id);
                }
                Ok(GResp::empty(204))
            }
            ("GET", [id, "appDefinitions"]) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let t = lock(&self.sim.tenant);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let bot = self
                    .q
                    .expand
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case("bot"));
                let v: Vec<Value> = t.apps[a]
                    .visible_definitions()
                    .into_iter()
                    .map(|d| render::definition(&t.apps[a], d, bot))
                    .collect();
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context(&format!("appCatalogs/teamsApps('{id}')/appDefinitions")), "value": self.select_all(v)?}),
                ))
            }
            ("POST", [id, "appDefinitions"]) => self.update_app(id),
            ("GET", [id, "appDefinitions", did]) | ("GET", [id, "appDefinitions", did, "bot"]) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let t = lock(&self.sim.tenant);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let d = t.apps[a]
                    .definition(did)
                    .ok_or_else(|| GraphError::not_found("App definition not found."))?;
                if rest.len() == 4 {
                    let bot = d
                        .bot_id
                        .clone()
                        .ok_or_else(|| GraphError::not_found("This app definition has no bot."))?;
                    return self.entity(
                        &format!(
                            "appCatalogs/teamsApps('{id}')/appDefinitions('{did}')/bot/$entity"
                        ),
                        json!({"id": bot}),
                    );
                }
                let bot = self
                    .q
                    .expand
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case("bot"));
                self.entity(
                    &format!("appCatalogs/teamsApps('{id}')/appDefinitions/$entity"),
                    render::definition(&t.apps[a], d, bot),
                )
            }
            ("PATCH", [id, "appDefinitions", did]) => {
                self.require(CATALOG_ADMIN_D, &[], Family::Teams)?;
                let body = self.json_body()?;
                let state = body
                    .get("publishingState")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        GraphError::bad_request("Required property 'publishingState' is missing.")
                    })?;
                let new_state = match state {
                    "published" => PublishingState::Published,
                    "rejected" => PublishingState::Rejected,
                    other => {
                        return Err(GraphError::bad_request(format!(
                            "Invalid publishingState '{other}'."
                        )))
                    }
                };
                let now = self.sim.clock.now_ms() / 1000;
                let mut t = lock(&self.sim.tenant);
                if !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "Only Teams service administrators can review app submissions.",
                    ));
                }
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let d = t.apps[a]
                    .definitions
                    .iter_mut()
                    .find(|d| d.id == *did)
                    .ok_or_else(|| GraphError::not_found("App definition not found."))?;
                if d.state != PublishingState::Submitted {
                    return Err(GraphError::bad_request(
                        "Only a definition in the 'submitted' state can be published or rejected.",
                    ));
                }
                d.state = new_state;
                d.last_modified = now;
                Ok(GResp::empty(204))
            }
            // Withdraws a submission that is still under review (Graph's "remove a submitted
            // app from the review process"); published or rejected definitions stay.
            ("DELETE", [id, "appDefinitions", did]) => {
                self.require(CATALOG_SUBMIT_D, &[], Family::Teams)?;
                let mut t = lock(&self.sim.tenant);
                let admin = self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]);
                let caller = self.delegated_user_id(&t);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let app = &mut t.apps[a];
                let d = app
                    .definitions
                    .iter()
                    .position(|d| d.id == *did)
                    .ok_or_else(|| GraphError::not_found("App definition not found."))?;
                if app.definitions[d].state != PublishingState::Submitted {
                    return Err(GraphError::bad_request(
                        "Only an app definition that is submitted and not yet reviewed can be deleted.",
                    ));
                }
                if !admin && app.definitions[d].created_by != caller {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "Only the submitter or a Teams service administrator can withdraw this submission.",
                    ));
                }
                app.definitions.remove(d);
                if app.definitions.is_empty() {
                    t.apps.remove(a);
                }
                Ok(GResp::empty(204))
            }
            _ => Err(self.no_route()),
        }
    }

    fn catalog_expand(&self) -> Result<Option<bool>, GraphError> {
        let Some(e) = &self.q.expand else {
            return Ok(None);
        };
        let mut out = None;
        for (nav, nested) in odata::parse_expand(e) {
            if nav != "appDefinitions" {
                return Err(GraphError::bad_request(format!("Parsing OData Select and Expand failed: Could not find a property named '{nav}' on type 'microsoft.graph.teamsApp'.")));
            }
            let bot = nested.eq_ignore_ascii_case("$expand=bot");
            if !nested.is_empty() && !bot {
                return Err(GraphError::bad_request(format!(
                    "Unsupported nested expand '{nested}'."
                )));
            }
            out = Some(bot);
        }
        Ok(out)
    }

    fn requires_review(&self) -> bool {
        self.q.other.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("requiresReview") && v.eq_ignore_ascii_case("true")
        })
    }

    fn read_package(&self) -> Result<crate::manifest::Manifest, GraphError> {
        let ct = self
            .req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.to_ascii_lowercase().starts_with("application/zip") {
            return Err(GraphError::new(
                415,
                "UnsupportedMediaType",
                "The request must carry the app package with Content-Type 'application/zip'.",
            ));
        }
        crate::manifest::read(&self.req.body).map_err(|details| {
            let mut e = GraphError::bad_request("Manifest validation failed. See details.")
                .with_inner("UnableToParseTeamsAppManifest");
            e.details = Some(Box::new(Value::Array(
                details
                    .into_iter()
                    .map(|d| json!({"code": d.code, "message": d.message, "target": d.target}))
                    .collect(),
            )));
            if self.sim.settings().manifest_error_status_200 {
                e.status = 200;
            }
            e
        })
    }

    fn publish(&self) -> R {
        self.require(CATALOG_SUBMIT_D, &[], Family::Teams)?;
        let review = self.requires_review();
        {
            let t = lock(&self.sim.tenant);
            if !review && !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                return Err(GraphError::new(403, "Forbidden", "Only Teams service administrators can publish apps directly to the organization's catalog; submit with requiresReview=true."));
            }
            if !review
                && self.has_any(&["AppCatalog.Submit".to_string()]).is_some()
                && self
                    .has_any(&[
                        "AppCatalog.ReadWrite.All".to_string(),
                        "Directory.ReadWrite.All".to_string(),
                    ])
                    .is_none()
            {
                return Err(GraphError::new(403, "Forbidden", "AppCatalog.Submit only allows submitting apps for review (requiresReview=true)."));
            }
        }
        let man = self.read_package()?;
        let now = self.sim.clock.now_ms() / 1000;
        let new_id = self.sim.new_uuid().to_string();
        let mut t = lock(&self.sim.tenant);
        if t.apps.iter().any(|a| {
            a.external_id
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&man.id))
        }) {
            return Err(GraphError::new(
                409,
                "Conflict",
                format!(
                    "App with same id '{}' already exists in the tenant.",
                    man.id
                ),
            ));
        }
        let by = match self.p {
            Principal::Delegated { user, .. } => Some(t.users[*user].id),
            _ => None,
        };
        let state = if review {
            PublishingState::Submitted
        } else {
            PublishingState::Published
        };
        let app = TeamsApp {
            id: new_id.clone(),
            external_id: Some(man.id.clone()),
            display_name: man.name.clone(),
            distribution: Distribution::Organization,
            definitions: vec![man.definition(&new_id, state, now, by)],
        };
        let v = render::teams_app(&app, None);
        t.apps.push(app);
        let mut r = GResp::json(201, v);
        r.headers.push((
            "Location".into(),
            format!("{}/appCatalogs/teamsApps/{new_id}", self.base()),
        ));
        Ok(r)
    }

    fn update_app(&self, id: &str) -> R {
        self.require(CATALOG_SUBMIT_D, &[], Family::Teams)?;
        let review = self.requires_review();
        {
            let t = lock(&self.sim.tenant);
            if !review && !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                return Err(GraphError::new(403, "Forbidden", "Only Teams service administrators can update apps directly; submit with requiresReview=true."));
            }
        }
        let man = self.read_package()?;
        let now = self.sim.clock.now_ms() / 1000;
        let mut t = lock(&self.sim.tenant);
        let by = match self.p {
            Principal::Delegated { user, .. } => Some(t.users[*user].id),
            _ => None,
        };
        let a = t
            .find_app(id)
            .ok_or_else(|| GraphError::not_found(format!("App with id {id} was not found.")))?;
        let app = &t.apps[a];
        if app.distribution != Distribution::Organization {
            return Err(GraphError::new(
                403,
                "Forbidden",
                "Only apps published to the organization's catalog can be updated.",
            ));
        }
        if !app
            .external_id
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&man.id))
        {
            return Err(GraphError::bad_request(format!(
                "The manifest id '{}' does not match the id of the app being updated ('{}').",
                man.id,
                app.external_id.clone().unwrap_or_default()
            ))
            .with_inner("ManifestIdMismatch"));
        }
        let current = app
            .definitions
            .iter()
            .filter(|d| d.state != PublishingState::Rejected)
            .filter_map(|d| parse_version(&d.version))
            .max();
        if let (Some(cur), Some(new)) = (current, parse_version(&man.version)) {
            if new <= cur {
                return Err(GraphError::bad_request(format!(
                    "The app version '{}' must be greater than the current version '{}.{}.{}'.",
                    man.version, cur.0, cur.1, cur.2
                ))
                .with_inner("AppVersionNotIncremented"));
            }
        }
        let app_id = app.id.clone();
        let state = if review {
            PublishingState::Submitted
        } else {
            PublishingState::Published
        };
        let def = man.definition(&app_id, state, now, by);
        let rendered = render::definition(&t.apps[a], &def, false);
        t.apps[a].display_name = man.name.clone();
        t.apps[a].definitions.push(def);
        if review {
            let mut body = rendered;
            if let Value::Object(o) = &mut body {
                o.insert(
                    "@odata.context".into(),
                    json!(self.context(&format!(
                        "appCatalogs/teamsApps('{app_id}')/appDefinitions/$entity"
                    ))),
                );
            }
            return Ok(GResp::json(201, body));
        }
        Ok(GResp::empty(204))
    }

    // ---------------------------------------------------------------------------------
    // Service principals, app role assignments, delegated grants

    fn service_principals(&self) -> R {
        let m = self.req.method.as_str();
        let s0 = self.s(0).to_string();
        let t_guard = lock(&self.sim.tenant);
        // `servicePrincipals(appId='...')` addresses by appId.
        let by_key: Option<usize> = if let Some(inner) = s0
            .strip_prefix("servicePrincipals(")
            .and_then(|r| r.strip_suffix(')'))
        {
            let app_id = inner.trim_start_matches("appId=").trim_matches('\'');
            Some(
                t_guard
                    .find_sp_by_app_id(app_id)
                    .ok_or_else(|| GraphError::directory_not_found(&format!("appId '{app_id}'")))?,
            )
        } else if s0 != "servicePrincipals" {
            return Err(self.no_route());
        } else {
            None
        };
        drop(t_guard);
        let (sp, rest_at) = match by_key {
            Some(i) => (Some(i), 1),
            None if self.segs.len() >= 2 => {
                let t = lock(&self.sim.tenant);
                (
                    Some(
                        t.find_sp(self.s(1))
                            .ok_or_else(|| GraphError::directory_not_found(self.s(1)))?,
                    ),
                    2,
                )
            }
            None => (None, 1),
        };
        let rest: Vec<String> = self.segs[rest_at.min(self.segs.len())..].to_vec();
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        let sp_select: &[&str] = &[
            "id",
            "deletedDateTime",
            "accountEnabled",
            "alternativeNames",
            "appDisplayName",
            "appDescription",
            "appId",
            "applicationTemplateId",
            "appOwnerOrganizationId",
            "appRoleAssignmentRequired",
            "description",
            "displayName",
            "homepage",
            "loginUrl",
            "logoutUrl",
            "notes",
            "notificationEmailAddresses",
            "preferredSingleSignOnMode",
            "replyUrls",
            "servicePrincipalNames",
            "servicePrincipalType",
            "signInAudience",
            "tags",
            "appRoles",
            "oauth2PermissionScopes",
            "info",
            "keyCredentials",
            "passwordCredentials",
            "resourceSpecificApplicationPermissions",
            "verifiedPublisher",
        ];
        match (m, sp, rest.as_slice()) {
            ("GET", None, []) => {
                self.req_same(SP_READ, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "ServicePrincipal",
                    context: "servicePrincipals".into(),
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &[
                        "id",
                        "appId",
                        "displayName",
                        "servicePrincipalType",
                        "appOwnerOrganizationId",
                        "servicePrincipalNames",
                        "tags",
                    ],
                    any_props: &["servicePrincipalNames", "tags"],
                    select_props: sp_select,
                    count_ok: true,
                };
                self.list(
                    &spec,
                    t.sps.len(),
                    &|i| render::service_principal(&t, &t.sps[i]),
                    None,
                )
            }
            ("GET", Some(i), []) => {
                self.req_same(SP_READ, Family::Directory)?;
                if let Some(sel) = &self.q.select {
                    odata::check_select(sel, sp_select, "servicePrincipal")?;
                }
                let t = lock(&self.sim.tenant);
                self.entity(
                    "servicePrincipals/$entity",
                    render::service_principal(&t, &t.sps[i]),
                )
            }
            ("GET", Some(i), ["appRoleAssignments"]) | ("GET", Some(i), ["appRoleAssignedTo"]) => {
                self.req_same(ARA_READ, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let sp_id = t.sps[i].id;
                let to = rest[0] == "appRoleAssignedTo";
                let rows: Vec<usize> = (0..t.role_assignments.len())
                    .filter(|&k| {
                        if to {
                            t.role_assignments[k].resource_id == sp_id
                        } else {
                            t.role_assignments[k].principal_id == sp_id
                        }
                    })
                    .collect();
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "AppRoleAssignment",
                    context: format!("servicePrincipals('{sp_id}')/{}", rest[0]),
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &["resourceId", "principalId", "appRoleId"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "deletedDateTime",
                        "appRoleId",
                        "createdDateTime",
                        "principalDisplayName",
                        "principalId",
                        "principalType",
                        "resourceDisplayName",
                        "resourceId",
                    ],
                    count_ok: true,
                };
                self.list(
                    &spec,
                    rows.len(),
                    &|k| render::app_role_assignment(&t.role_assignments[rows[k]]),
                    None,
                )
            }
            ("POST", Some(i), ["appRoleAssignments"])
            | ("POST", Some(i), ["appRoleAssignedTo"]) => {
                self.req_same(ARA_WRITE, Family::Directory)?;
                let body = self.json_body()?;
                let now = self.sim.clock.now_ms() / 1000;
                let new_id_seed = self.sim.new_uuid();
                let mut t = lock(&self.sim.tenant);
                if !self.user_has_role(
                    &t,
                    &[
                        ROLE_GLOBAL_ADMIN,
                        crate::model::ROLE_PRIVILEGED_ROLE_ADMIN,
                        crate::model::ROLE_CLOUD_APP_ADMIN,
                    ],
                ) {
                    return Err(GraphError::new(
                        403,
                        "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.",
                    ));
                }
                let field = |k: &str| {
                    body.get(k)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| {
                            GraphError::new(
                                400,
                                "Request_BadRequest",
                                format!("Property '{k}' is required."),
                            )
                        })
                };
                let principal = field("principalId")?;
                let resource = field("resourceId")?;
                let role = field("appRoleId")?;
                let p = t.find_sp(&principal).ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        format!("Principal '{principal}' does not exist."),
                    )
                })?;
                let r = t.find_sp(&resource).ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        format!("Resource '{resource}' does not exist."),
                    )
                })?;
                let anchor = if rest[0] == "appRoleAssignments" {
                    p
                } else {
                    r
                };
                if anchor != i {
                    return Err(GraphError::new(400, "Request_BadRequest", "The service principal in the URL must match the principalId (appRoleAssignments) or resourceId (appRoleAssignedTo) of the body."));
                }
                let valid =
                    t.sps[r].app_id == GRAPH_APP_ID && permissions::by_app_role_id(&role).is_some();
                if !valid {
                    return Err(GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Permission being assigned was not found on application",
                    ));
                }
                if t.role_assignments.iter().any(|a| {
                    a.principal_id == t.sps[p].id
                        && a.resource_id == t.sps[r].id
                        && a.app_role_id.eq_ignore_ascii_case(&role)
                }) {
                    return Err(GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Permission being assigned already exists on the object",
                    ));
                }
                let a = AppRoleAssignment {
                    id: directory_blob_id(&[t.sps[p].id, new_id_seed]),
                    app_role_id: role.to_ascii_lowercase(),
                    principal_id: t.sps[p].id,
                    principal_display_name: t.sps[p].display_name.clone(),
                    resource_id: t.sps[r].id,
                    resource_display_name: t.sps[r].display_name.clone(),
                    created: now,
                };
                let v = render::app_role_assignment(&a);
                t.role_assignments.push(a);
                let sp_id = t.sps[i].id;
                let mut out = Map::new();
                out.insert(
                    "@odata.context".into(),
                    json!(
                        self.context(&format!("servicePrincipals('{sp_id}')/{}/$entity", rest[0]))
                    ),
                );
                if let Value::Object(o) = v {
                    out.extend(o);
                }
                Ok(GResp::json(201, Value::Object(out)))
            }
            ("GET", Some(i), [coll @ ("appRoleAssignments" | "appRoleAssignedTo"), aid])
            | ("DELETE", Some(i), [coll @ ("appRoleAssignments" | "appRoleAssignedTo"), aid]) => {
                let deleting = m == "DELETE";
                if deleting {
                    self.req_same(ARA_WRITE, Family::Directory)?;
                } else {
                    self.req_same(ARA_READ, Family::Directory)?;
                }
                let mut t = lock(&self.sim.tenant);
                let sp_id = t.sps[i].id;
                let pos = t
                    .role_assignments
                    .iter()
                    .position(|a| {
                        a.id == *aid
                            && (if *coll == "appRoleAssignments" {
                                a.principal_id
                            } else {
                                a.resource_id
                            }) == sp_id
                    })
                    .ok_or_else(|| GraphError::directory_not_found(aid))?;
                if deleting {
                    if !self.user_has_role(
                        &t,
                        &[
                            ROLE_GLOBAL_ADMIN,
                            crate::model::ROLE_PRIVILEGED_ROLE_ADMIN,
                            crate::model::ROLE_CLOUD_APP_ADMIN,
                        ],
                    ) {
                        return Err(GraphError::new(
                            403,
                            "Authorization_RequestDenied",
                            "Insufficient privileges to complete the operation.",
                        ));
                    }
                    t.role_assignments.remove(pos);
                    return Ok(GResp::empty(204));
                }
                self.entity(
                    &format!("servicePrincipals('{sp_id}')/{coll}/$entity"),
                    render::app_role_assignment(&t.role_assignments[pos]),
                )
            }
            ("GET", Some(i), ["oauth2PermissionGrants"]) => {
                self.req_same_pair(GRANT_READ_D, GRANT_READ_A, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let sp_id = t.sps[i].id;
                let rows: Vec<usize> = (0..t.grants.len())
                    .filter(|&k| t.grants[k].client_id == sp_id)
                    .collect();
                let spec = grant_spec();
                self.list(
                    &spec,
                    rows.len(),
                    &|k| render::grant(&t.grants[rows[k]]),
                    None,
                )
            }
            _ => Err(self.no_route()),
        }
    }

    fn grants(&self) -> R {
        let m = self.req.method.as_str();
        match (m, self.segs.len()) {
            ("GET", 1) => {
                self.req_same_pair(GRANT_READ_D, GRANT_READ_A, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                self.list(
                    &grant_spec(),
                    t.grants.len(),
                    &|k| render::grant(&t.grants[k]),
                    None,
                )
            }
            ("POST", 1) => {
                self.req_same(GRANT_WRITE, Family::Directory)?;
                let body = self.json_body()?;
                let mut t = lock(&self.sim.tenant);
                if !self.user_has_role(
                    &t,
                    &[
                        ROLE_GLOBAL_ADMIN,
                        crate::model::ROLE_PRIVILEGED_ROLE_ADMIN,
                        crate::model::ROLE_CLOUD_APP_ADMIN,
                    ],
                ) {
                    return Err(GraphError::new(
                        403,
                        "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.",
                    ));
                }
                let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
                let client = field("clientId").ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Property 'clientId' is required.",
                    )
                })?;
                let resource = field("resourceId").ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Property 'resourceId' is required.",
                    )
                })?;
                let consent = field("consentType").unwrap_or_else(|| "AllPrincipals".into());
                let principal = field("principalId");
                let scope = field("scope").unwrap_or_default();
                let c = t.find_sp(&client).ok_or_else(|| {
                    GraphError::new(400, "Request_BadRequest", "Invalid clientId.")
                })?;
                let r = t.find_sp(&resource).ok_or_else(|| {
                    GraphError::new(400, "Request_BadRequest", "Invalid resourceId.")
                })?;
                let all = match consent.as_str() {
                    "AllPrincipals" => true,
                    "Principal" => false,
                    _ => {
                        return Err(GraphError::new(
                            400,
                            "Request_BadRequest",
                            "consentType must be 'AllPrincipals' or 'Principal'.",
                        ))
                    }
                };
                let pid = match (&principal, all) {
                    (Some(p), false) => Some(
                        t.users[t.find_user(p).ok_or_else(|| {
                            GraphError::new(400, "Request_BadRequest", "Invalid principalId.")
                        })?]
                        .id,
                    ),
                    (None, false) => {
                        return Err(GraphError::new(
                            400,
                            "Request_BadRequest",
                            "principalId is required when consentType is 'Principal'.",
                        ))
                    }
                    _ => None,
                };
                for s in scope.split_whitespace() {
                    if !permissions::is_delegated(s) {
                        return Err(GraphError::new(400, "Request_BadRequest", format!("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{s}'.")));
                    }
                }
                let (cid, rid) = (t.sps[c].id, t.sps[r].id);
                if t.grants
                    .iter()
                    .any(|g| g.client_id == cid && g.resource_id == rid && g.principal_id == pid)
                {
                    return Err(GraphError::new(
                        409,
                        "Request_MultipleObjectsWithSameKeyValue",
                        "Permission entry already exists.",
                    ));
                }
                let mut parts = vec![cid, rid];
                parts.extend(pid);
                let g = OAuth2Grant {
                    id: directory_blob_id(&parts),
                    client_id: cid,
                    all_principals: all,
                    principal_id: pid,
                    resource_id: rid,
                    scope,
                };
                let mut v = render::grant(&g);
                t.grants.push(g);
                if let Value::Object(o) = &mut v {
                    o.insert(
                        "@odata.context".into(),
                        json!(self.context("oauth2PermissionGrants/$entity")),
                    );
                }
                Ok(GResp::json(201, v))
            }
            (_, 2) => {
                let id = self.s(1).to_string();
                match m {
                    "GET" => {
                        self.req_same_pair(GRANT_READ_D, GRANT_READ_A, Family::Directory)?;
                        let t = lock(&self.sim.tenant);
                        let g = t
                            .grants
                            .iter()
                            .find(|g| g.id == id)
                            .ok_or_else(|| GraphError::directory_not_found(&id))?;
                        self.entity("oauth2PermissionGrants/$entity", render::grant(g))
                    }
                    "PATCH" | "DELETE" => {
                        self.req_same(GRANT_WRITE, Family::Directory)?;
                        let body = if m == "PATCH" {
                            self.json_body()?
                        } else {
                            json!({})
                        };
                        let mut t = lock(&self.sim.tenant);
                        if !self.user_has_role(
                            &t,
                            &[
                                ROLE_GLOBAL_ADMIN,
                                crate::model::ROLE_PRIVILEGED_ROLE_ADMIN,
                                crate::model::ROLE_CLOUD_APP_ADMIN,
                            ],
                        ) {
                            return Err(GraphError::new(
                                403,
                                "Authorization_RequestDenied",
                                "Insufficient privileges to complete the operation.",
                            ));
                        }
                        let pos = t
                            .grants
                            .iter()
                            .position(|g| g.id == id)
                            .ok_or_else(|| GraphError::directory_not_found(&id))?;
                        if m == "DELETE" {
                            t.grants.remove(pos);
                            return Ok(GResp::empty(204));
                        }
                        let scope = body.get("scope").and_then(Value::as_str).ok_or_else(|| {
                            GraphError::new(
                                400,
                                "Request_BadRequest",
                                "Only 'scope' can be updated.",
                            )
                        })?;
                        for s in scope.split_whitespace() {
                            if !permissions::is_delegated(s) {
                                return Err(GraphError::new(400, "Request_BadRequest", format!("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{s}'.")));
                            }
                        }
                        t.grants[pos].scope = scope.to_string();
                        Ok(GResp::empty(204))
                    }
                    _ => Err(self.no_route()),
                }
            }
            _ => Err(self.no_route()),
        }
    }
}

/// The OData casts `memberOf` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberCast {
    Roles,
    Groups,
}

struct ListSpec<'a> {
    family: Family,
    type_name: &'a str,
    context: String,
    default_page: usize,
    max_top: Option<usize>,
    filter_props: &'a [&'a str],
    any_props: &'a [&'a str],
    select_props: &'a [&'a str],
    count_ok: bool,
}

fn chat_spec(context: String) -> ListSpec<'static> {
    ListSpec {
        family: Family::Teams,
        type_name: "chat",
        context,
        default_page: 20,
        max_top: Some(50),
        filter_props: &["chatType", "topic", "id"],
        any_props: &[],
        select_props: &[
            "id",
            "topic",
            "createdDateTime",
            "lastUpdatedDateTime",
            "chatType",
            "webUrl",
            "tenantId",
            "isHiddenForAllMembers",
            "onlineMeetingInfo",
        ],
        count_ok: false,
    }
}

fn grant_spec() -> ListSpec<'static> {
    ListSpec {
        family: Family::Directory,
        type_name: "OAuth2PermissionGrant",
        context: "oauth2PermissionGrants".into(),
        default_page: 100,
        max_top: Some(999),
        filter_props: &["clientId", "resourceId", "consentType", "principalId", "id"],
        any_props: &[],
        select_props: &[
            "id",
            "clientId",
            "consentType",
            "principalId",
            "resourceId",
            "scope",
        ],
        count_ok: false,
    }
}

/// The definition as one scope sees it: team (`.Group`) and chat (`.Chat`) resource-specific
/// permissions do not apply to a personal-scope install, which consents only to `.User` ones.
fn scoped(def: &AppDef, kind: Kind) -> AppDef {
    let mut d = def.clone();
    if kind == Kind::User {
        d.rsc.retain(|p| p.value.ends_with(".User"));
    }
    d
}

fn installs_of(t: &Tenant, kind: Kind, idx: usize) -> &Vec<Install> {
    static EMPTY: Vec<Install> = Vec::new();
    match kind {
        Kind::Team => t.groups[idx]
            .team
            .as_ref()
            .map(|d| &d.installs)
            .unwrap_or(&EMPTY),
        Kind::Chat => &t.chats[idx].installs,
        Kind::User => &t.users[idx].installs,
    }
}

fn installs_of_mut(t: &mut Tenant, kind: Kind, idx: usize) -> &mut Vec<Install> {
    match kind {
        Kind::Team => {
            let g = &mut t.groups[idx];
            &mut g
                .team
                .get_or_insert_with(|| TeamData {
                    is_archived: false,
                    installed_apps_forbidden: false,
                    channels: Vec::new(),
                    installs: Vec::new(),
                    internal_id: String::new(),
                })
                .installs
        }
        Kind::Chat => &mut t.chats[idx].installs,
        Kind::User => &mut t.users[idx].installs,
    }
}

fn strip_unexpanded(v: &Value, expand: &[String]) -> Value {
    let mut v = v.clone();
    if let Value::Object(o) = &mut v {
        if !expand.iter().any(|e| e == "teamsApp") {
            o.remove("teamsApp");
        }
        if !expand.iter().any(|e| e.starts_with("teamsAppDefinition")) {
            o.remove("teamsAppDefinition");
        }
    }
    v
}

/// Accepts `.../appCatalogs/teamsApps/{id}` and `.../teamsApps('{id}')`.
fn bind_target(bind: &str) -> Option<String> {
    let i = bind.find("teamsApps")?;
    let rest = &bind[i + "teamsApps".len()..];
    let id = rest
        .trim_start_matches('/')
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim_matches('\'')
        .trim_end_matches('/');
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

fn parse_permission_set(v: &Value) -> Result<Vec<RscPerm>, GraphError> {
    let arr = v
        .get("resourceSpecificPermissions")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            GraphError::bad_request(
                "consentedPermissionSet.resourceSpecificPermissions must be an array.",
            )
        })?;
    arr.iter()
        .map(|p| {
            let value = p
                .get("permissionValue")
                .and_then(Value::as_str)
                .ok_or_else(|| GraphError::bad_request("permissionValue is required."))?;
            let kind = p
                .get("permissionType")
                .and_then(Value::as_str)
                .ok_or_else(|| GraphError::bad_request("permissionType is required."))?;
            if !kind.eq_ignore_ascii_case("application") && !kind.eq_ignore_ascii_case("delegated")
            {
                return Err(GraphError::bad_request(format!(
                    "Invalid permissionType '{kind}'."
                )));
            }
            Ok(RscPerm {
                value: value.to_string(),
                kind: kind.to_ascii_lowercase(),
            })
        })
        .collect()
}

fn rsc_grants(t: &Tenant, target: &str, installs: &[Install], suffix: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for inst in installs {
        let Some(consented) = &inst.consented else {
            continue;
        };
        let Some(app) = t.apps.iter().find(|a| a.id == inst.app_id) else {
            continue;
        };
        let Some(def) = app.definition(&inst.def_id) else {
            continue;
        };
        let client = def
            .client_app_id
            .clone()
            .or_else(|| def.bot_id.clone())
            .unwrap_or_default();
        for p in consented.iter().filter(|p| p.value.ends_with(suffix)) {
            out.push(render::rsc_grant(target, &client, p));
        }
    }
    out
}
