//! Microsoft Graph v1.0: routing, authentication, throttling and faults for one request
//! (top-level or a `$batch` member), and one module per resource, mirroring BotDeck's client.
//!
//! Floors: `request` (the request and its answer) ◄ `context` (permission checks, listing,
//! paging) ◄ one module per resource ◄ this module (execute → run → dispatch). `batch` runs
//! each member through the `execute` it is handed, so it knows no resource.

pub mod batch;
mod catalog;
mod chats;
mod context;
mod directory;
mod grants;
mod installed_apps;
mod messages;
pub mod request;
mod service_principals;
mod teams;
mod users;

use serde_json::{json, Value};

use crate::graph::context::*;
use crate::graph::request::R;
pub use crate::graph::request::{route_pattern, split_path, GReq, GResp};
use crate::identity::{validate_access_token, Principal, TokenProblem};
use crate::model::*;
use crate::odata::{Family, GraphError, Query, RetryAfter};
use crate::render;
use crate::state::{lock, Sim};
use crate::throttle::ThrottleKeys;

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

impl<'a> Ctx<'a> {
    fn dispatch(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        let s0 = self.s(0).to_string();
        match (m, s0.as_str(), n) {
            ("POST", "$batch", 1) => crate::graph::batch::run(self.sim, self.req, execute),
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
}
