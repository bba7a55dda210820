//! Entra ID v2.0 endpoints: device code, authorization code + PKCE, refresh rotation,
//! client credentials, admin consent, and the access tokens Graph accepts.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::model::{directory_blob_id, AppRoleAssignment, OAuth2Grant, ServicePrincipal, Tenant};
use crate::permissions::{self, OIDC_SCOPES};
use crate::state::{lock, AuthCode, DeviceCode, DeviceStatus, RefreshState, RefreshToken, Sim};

const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An Entra error, rendered with Entra's JSON shape (or as a redirect / HTML page).
#[derive(Debug, Clone)]
pub struct EntraError {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    pub message: String,
}

impl EntraError {
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        EntraError {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            message: message.into(),
        }
    }

    fn unauthorized(mut self) -> Self {
        self.status = StatusCode::UNAUTHORIZED;
        self
    }

    pub fn description(&self, sim: &Sim, trace: &str, corr: &str) -> String {
        format!(
            "AADSTS{}: {} Trace ID: {} Correlation ID: {} Timestamp: {}",
            self.code,
            self.message,
            trace,
            corr,
            entra_timestamp(sim)
        )
    }

    pub fn into_json(self, sim: &Sim) -> Response {
        let trace = sim.new_uuid().to_string();
        let corr = sim.new_uuid().to_string();
        let body = json!({
            "error": self.error,
            "error_description": self.description(sim, &trace, &corr),
            "error_codes": [self.code],
            "timestamp": entra_timestamp(sim),
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("{}/error?code={}", sim.base_url, self.code),
        });
        json_response(self.status, &body)
    }
}

fn entra_timestamp(sim: &Sim) -> String {
    chrono::DateTime::from_timestamp_millis(sim.clock.now_ms())
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%SZ")
        .to_string()
}

pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}

fn form(body: &[u8]) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn query_map(q: &Option<String>) -> std::collections::HashMap<String, String> {
    q.as_deref().map(|q| form(q.as_bytes())).unwrap_or_default()
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:Segoe UI,Arial,sans-serif;max-width:36em;margin:3em auto}}\
         button{{margin-right:1em;padding:.4em 1.2em}}</style></head><body>\
         <h2>{t}</h2>{body}<p><small>BotDeck tenant simulator — not Microsoft.</small></p></body></html>",
        t = html_escape(title),
    )
}

fn error_page(sim: &Sim, e: &EntraError) -> Response {
    let desc = e.description(
        sim,
        &sim.new_uuid().to_string(),
        &sim.new_uuid().to_string(),
    );
    let body = page(
        "Sorry, but we're having trouble signing you in.",
        &format!(
            "<p id=\"error\" data-error=\"{}\">{}</p>",
            e.error,
            html_escape(&desc)
        ),
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// Tenant path segments Entra accepts for this tenant.
pub fn check_tenant(sim: &Sim, segment: &str) -> Result<(), EntraError> {
    let t = lock(&sim.tenant);
    let s = segment.to_ascii_lowercase();
    if s == t.id.to_string() || s == t.domain || s == "organizations" || s == "common" {
        Ok(())
    } else {
        Err(EntraError::new(
            "invalid_request",
            90002,
            format!("Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        ))
    }
}

fn unknown_client(tenant: &Tenant, client_id: &str) -> EntraError {
    EntraError::new(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            tenant.display_name
        ),
    )
}

fn missing(param: &str) -> EntraError {
    EntraError::new(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

/// What a `scope` parameter asks for.
#[derive(Debug, Clone, Default)]
pub struct ScopeRequest {
    pub graph: BTreeSet<String>,
    pub default: bool,
    pub oidc: BTreeSet<String>,
}

pub fn parse_scopes(raw: &str) -> Result<ScopeRequest, EntraError> {
    let mut out = ScopeRequest::default();
    for s in raw.split_whitespace() {
        let lower = s.to_ascii_lowercase();
        if OIDC_SCOPES.contains(&lower.as_str()) {
            out.oidc.insert(lower);
            continue;
        }
        let short = if let Some(rest) = lower.strip_prefix("https://graph.microsoft.com/") {
            &s[s.len() - rest.len()..]
        } else if let Some(rest) = lower.strip_prefix("00000003-0000-0000-c000-000000000000/") {
            &s[s.len() - rest.len()..]
        } else if lower.contains("://") || lower.contains('/') {
            return Err(invalid_scope(s));
        } else {
            s
        };
        if short.eq_ignore_ascii_case(".default") {
            out.default = true;
            continue;
        }
        match permissions::by_value(short) {
            Some(p) if p.delegated_id.is_some() => {
                out.graph.insert(p.value.to_string());
            }
            _ => return Err(invalid_scope(s)),
        }
    }
    Ok(out)
}

fn invalid_scope(s: &str) -> EntraError {
    EntraError::new(
        "invalid_scope",
        70011,
        format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid."),
    )
}

/// Loopback redirect URIs match regardless of port, as Entra does for native apps.
pub fn redirect_matches(registered: &[String], candidate: &str) -> bool {
    fn split(u: &str) -> Option<(String, String, Option<String>, String)> {
        let (scheme, rest) = u.split_once("://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = path.split(['?', '#']).next().unwrap_or("/");
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                (h.to_string(), Some(p.to_string()))
            }
            _ => (authority.to_string(), None),
        };
        Some((
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase(),
            port,
            path.to_string(),
        ))
    }
    let Some((cs, ch, cp, cpath)) = split(candidate) else {
        return false;
    };
    registered.iter().any(|r| {
        let Some((rs, rh, rp, rpath)) = split(r) else {
            return false;
        };
        let loopback = matches!(rh.as_str(), "localhost" | "127.0.0.1" | "[::1]");
        rs == cs && rh == ch && rpath == cpath && (loopback || rp == cp)
    })
}

fn add_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", ser.finish())
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

// ---------------------------------------------------------------------------------------
// Tokens

/// Claims of an access token as the simulator's Graph reads them back.
#[derive(Debug, Clone)]
pub enum Principal {
    Delegated {
        user: usize,
        client_id: String,
        scopes: BTreeSet<String>,
    },
    App {
        client_id: String,
        roles: BTreeSet<String>,
    },
}

impl Principal {
    pub fn client_id(&self) -> &str {
        match self {
            Principal::Delegated { client_id, .. } | Principal::App { client_id, .. } => client_id,
        }
    }
    /// Key used to recognise "the same client" across requests (early-retry accounting).
    pub fn caller_key(&self, tenant: &Tenant) -> String {
        match self {
            Principal::Delegated {
                user, client_id, ..
            } => {
                format!(
                    "{client_id}/{}",
                    tenant
                        .users
                        .get(*user)
                        .map(|u| u.id.to_string())
                        .unwrap_or_default()
                )
            }
            Principal::App { client_id, .. } => client_id.clone(),
        }
    }
}

pub enum TokenProblem {
    Missing,
    Malformed,
    Invalid,
    Expired,
}

fn sign(sim: &Sim, data: &str) -> String {
    let mut h = Sha256::new();
    h.update(sim.token_key);
    h.update(data.as_bytes());
    B64.encode(h.finalize())
}

fn jwt(sim: &Sim, claims: &Value) -> String {
    let header = B64.encode(json!({"typ": "JWT", "alg": "HS256", "kid": "tenant-sim"}).to_string());
    let payload = B64.encode(claims.to_string());
    let data = format!("{header}.{payload}");
    let sig = sign(sim, &data);
    format!("{data}.{sig}")
}

fn unsigned_jwt(claims: &Value) -> String {
    let header = B64.encode(json!({"typ": "JWT", "alg": "none"}).to_string());
    format!("{header}.{}.", B64.encode(claims.to_string()))
}

pub fn validate_access_token(sim: &Sim, headers: &HeaderMap) -> Result<Principal, TokenProblem> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    let token = match raw.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ if raw.is_empty() => return Err(TokenProblem::Missing),
        _ => return Err(TokenProblem::Malformed),
    };
    if token.is_empty() {
        return Err(TokenProblem::Missing);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(TokenProblem::Malformed);
    }
    if sign(sim, &format!("{}.{}", parts[0], parts[1])) != parts[2] {
        return Err(TokenProblem::Invalid);
    }
    let claims: Value = B64
        .decode(parts[1])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenProblem::Malformed)?;
    let exp = claims["exp"].as_i64().unwrap_or(0);
    if sim.clock.now_ms() / 1000 >= exp {
        return Err(TokenProblem::Expired);
    }
    let t = lock(&sim.tenant);
    if claims["tid"].as_str() != Some(&t.id.to_string()) {
        return Err(TokenProblem::Invalid);
    }
    let client_id = claims["appid"].as_str().unwrap_or_default().to_string();
    if claims["idtyp"] == "app" {
        let roles = claims["roles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        return Ok(Principal::App { client_id, roles });
    }
    let oid = claims["oid"].as_str().unwrap_or_default();
    let user = t.find_user(oid).ok_or(TokenProblem::Invalid)?;
    let scopes = claims["scp"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok(Principal::Delegated {
        user,
        client_id,
        scopes,
    })
}

fn graph_sp_index(t: &Tenant) -> Option<usize> {
    t.find_sp_by_app_id(crate::model::GRAPH_APP_ID)
}

/// Delegated scopes already consented for `client` (tenant-wide or for this user).
fn consented_scopes(t: &Tenant, client_id: &str, user: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let (Some(sp), Some(g)) = (t.find_sp_by_app_id(client_id), graph_sp_index(t)) else {
        return out;
    };
    let (sp_id, graph_id, uid) = (t.sps[sp].id, t.sps[g].id, t.users[user].id);
    for gr in &t.grants {
        if gr.client_id == sp_id
            && gr.resource_id == graph_id
            && (gr.all_principals || gr.principal_id == Some(uid))
        {
            for s in gr.scope.split_whitespace() {
                if let Some(c) = permissions::canonical(s) {
                    out.insert(c.to_string());
                }
            }
        }
    }
    out
}

fn ensure_sp(sim: &Sim, t: &mut Tenant, client_id: &str) -> Option<usize> {
    if let Some(i) = t.find_sp_by_app_id(client_id) {
        return Some(i);
    }
    let reg = t.registration(client_id)?.clone();
    let owner = sim.new_uuid();
    t.sps.push(ServicePrincipal {
        id: sim.new_uuid(),
        app_id: reg.app_id.clone(),
        display_name: reg.display_name.clone(),
        publisher: reg.publisher.clone(),
        app_owner_org: Some(owner),
        tags: vec!["WindowsAzureActiveDirectoryIntegratedApp".into()],
        reply_urls: reg.redirect_uris.clone(),
        created: sim.clock.now_ms() / 1000,
    });
    Some(t.sps.len() - 1)
}

/// Adds `scopes` to the delegated grant of `client` (tenant-wide when `principal` is None).
pub fn upsert_grant(
    sim: &Sim,
    t: &mut Tenant,
    client_id: &str,
    principal: Option<usize>,
    scopes: &BTreeSet<String>,
) {
    if scopes.is_empty() {
        return;
    }
    let (Some(sp), Some(g)) = (ensure_sp(sim, t, client_id), graph_sp_index(t)) else {
        return;
    };
    let (sp_id, graph_id) = (t.sps[sp].id, t.sps[g].id);
    let pid = principal.map(|u| t.users[u].id);
    if let Some(gr) = t
        .grants
        .iter_mut()
        .find(|gr| gr.client_id == sp_id && gr.resource_id == graph_id && gr.principal_id == pid)
    {
        let mut have: Vec<String> = gr.scope.split_whitespace().map(str::to_string).collect();
        for s in scopes {
            if !have.iter().any(|h| h.eq_ignore_ascii_case(s)) {
                have.push(s.clone());
            }
        }
        gr.scope = have.join(" ");
        return;
    }
    let mut parts = vec![sp_id, graph_id];
    parts.extend(pid);
    t.grants.push(OAuth2Grant {
        id: directory_blob_id(&parts),
        client_id: sp_id,
        all_principals: pid.is_none(),
        principal_id: pid,
        resource_id: graph_id,
        scope: scopes.iter().cloned().collect::<Vec<_>>().join(" "),
    });
}

pub fn grant_app_roles(sim: &Sim, t: &mut Tenant, client_id: &str, roles: &[String]) {
    let (Some(sp), Some(g)) = (ensure_sp(sim, t, client_id), graph_sp_index(t)) else {
        return;
    };
    for r in roles {
        let Some(role_id) = permissions::by_value(r).and_then(|p| p.application_id) else {
            continue;
        };
        let exists = t.role_assignments.iter().any(|a| {
            a.principal_id == t.sps[sp].id
                && a.resource_id == t.sps[g].id
                && a.app_role_id == role_id
        });
        if !exists {
            let id = directory_blob_id(&[t.sps[sp].id, sim.new_uuid()]);
            t.role_assignments.push(AppRoleAssignment {
                id,
                app_role_id: role_id.to_string(),
                principal_id: t.sps[sp].id,
                principal_display_name: t.sps[sp].display_name.clone(),
                resource_id: t.sps[g].id,
                resource_display_name: t.sps[g].display_name.clone(),
                created: sim.clock.now_ms() / 1000,
            });
        }
    }
}

/// Issues access/refresh/id tokens for a user; consent rules decide the granted scopes.
fn issue_user_tokens(
    sim: &Sim,
    user: usize,
    client_id: &str,
    scope_param: &str,
) -> Result<Value, EntraError> {
    let req = parse_scopes(scope_param)?;
    let settings = sim.settings();
    let now = sim.clock.now_ms() / 1000;
    let mut t = lock(&sim.tenant);
    let u = t.users.get(user).cloned().ok_or_else(|| {
        EntraError::new(
            "invalid_grant",
            50034,
            "The user account does not exist in the directory.",
        )
    })?;
    if !u.account_enabled {
        return Err(EntraError::new(
            "invalid_grant",
            50057,
            "The user account is disabled.",
        ));
    }
    let consented = consented_scopes(&t, client_id, user);
    let is_admin = t.can_admin_consent(user);
    let mut wanted = req.graph.clone();
    if wanted.is_empty() && !req.default {
        // Entra answers OIDC-only requests with a Graph token for the signed-in profile.
        wanted.insert("User.Read".into());
    }
    // Consent is additive: the token carries every delegated Graph permission already
    // consented for the client (tenant-wide or by this user), whatever the request named.
    let mut granted: BTreeSet<String> = consented
        .iter()
        .filter(|s| !OIDC_SCOPES.contains(&s.to_ascii_lowercase().as_str()))
        .cloned()
        .collect();
    let mut newly = BTreeSet::new();
    if req.default {
        // `.default` also asks for what the registration declares, as the consent prompt does.
        let declared: Vec<String> = t
            .registration(client_id)
            .map(|r| {
                r.required
                    .iter()
                    .filter(|(_, role)| !role)
                    .map(|(p, _)| p.clone())
                    .collect()
            })
            .unwrap_or_default();
        for p in declared {
            if !OIDC_SCOPES.contains(&p.to_ascii_lowercase().as_str())
                && permissions::is_delegated(&p)
            {
                wanted.insert(p);
            }
        }
    }
    for s in &wanted {
        let user_ok = permissions::by_value(s).is_some_and(|p| p.user_consent);
        if consented.contains(s) {
            granted.insert(s.clone());
        } else if user_ok || is_admin {
            granted.insert(s.clone());
            newly.insert(s.clone());
        }
    }
    // Nothing asked for could be granted: consent is missing, even if older scopes exist.
    if granted.is_empty() || (!wanted.is_empty() && !wanted.iter().any(|s| granted.contains(s))) {
        let name = t
            .registration(client_id)
            .map(|r| r.display_name.clone())
            .unwrap_or_default();
        return Err(EntraError::new(
            "invalid_grant",
            65001,
            format!("The user or administrator has not consented to use the application with ID '{client_id}' named '{name}'. Send an interactive authorization request for this user and resource."),
        ));
    }
    if !newly.is_empty() {
        let mut rec = newly.clone();
        rec.extend(req.oidc.iter().cloned());
        upsert_grant(sim, &mut t, client_id, Some(user), &rec);
    }
    let tid = t.id.to_string();
    let scp = granted.iter().cloned().collect::<Vec<_>>().join(" ");
    let exp = now + settings.access_token_lifetime_secs as i64;
    let claims = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now, "exp": exp,
        "appid": client_id,
        "idtyp": "user",
        "name": u.display_name,
        "oid": u.id.to_string(),
        "scp": scp,
        "tid": tid,
        "upn": u.upn,
        "unique_name": u.upn,
        "uti": sim.random_token(16),
        "ver": "1.0",
    });
    let access = jwt(sim, &claims);
    let mut scope_out: Vec<String> = granted
        .iter()
        .map(|s| format!("{GRAPH_RESOURCE}/{s}"))
        .collect();
    scope_out.extend(req.oidc.iter().filter(|s| *s != "offline_access").cloned());
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": settings.access_token_lifetime_secs,
        "ext_expires_in": settings.access_token_lifetime_secs,
        "access_token": access,
    });
    if req.oidc.contains("offline_access") {
        let rt = format!("0.A{}", sim.random_token(48));
        lock(&sim.auth).refresh_tokens.insert(
            rt.clone(),
            RefreshToken {
                user,
                client_id: client_id.to_string(),
                scopes: scope_param.to_string(),
                issued_ms: sim.clock.now_ms(),
                state: RefreshState::Active,
            },
        );
        body["refresh_token"] = json!(rt);
    }
    if req.oidc.contains("openid") {
        let id_claims = json!({
            "aud": client_id,
            "iss": format!("{}/{tid}/v2.0", sim.base_url),
            "iat": now, "nbf": now, "exp": exp,
            "name": u.display_name,
            "oid": u.id.to_string(),
            "preferred_username": u.upn,
            "sub": B64.encode(format!("{}:{client_id}", u.id)),
            "tid": tid,
            "ver": "2.0",
        });
        body["id_token"] = json!(unsigned_jwt(&id_claims));
    }
    Ok(body)
}

fn issue_app_token(sim: &Sim, client_id: &str) -> Result<Value, EntraError> {
    let settings = sim.settings();
    let now = sim.clock.now_ms() / 1000;
    let t = lock(&sim.tenant);
    let sp = t.find_sp_by_app_id(client_id).ok_or_else(|| {
        EntraError::new(
            "invalid_client",
            7000229,
            format!(
                "The client application {client_id} is missing service principal in the tenant {}.",
                t.id
            ),
        )
    })?;
    let sp_id = t.sps[sp].id;
    let graph_id = graph_sp_index(&t).map(|g| t.sps[g].id);
    let roles: Vec<String> = t
        .role_assignments
        .iter()
        .filter(|a| a.principal_id == sp_id && Some(a.resource_id) == graph_id)
        .filter_map(|a| permissions::by_app_role_id(&a.app_role_id).map(|p| p.value.to_string()))
        .collect();
    let tid = t.id.to_string();
    let claims = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now,
        "exp": now + settings.access_token_lifetime_secs as i64,
        "appid": client_id,
        "idtyp": "app",
        "oid": sp_id.to_string(),
        "roles": roles,
        "tid": tid,
        "uti": sim.random_token(16),
        "ver": "1.0",
    });
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": settings.access_token_lifetime_secs,
        "ext_expires_in": settings.access_token_lifetime_secs,
        "access_token": jwt(sim, &claims),
    }))
}

/// Public clients send no secret; confidential ones must send the right one.
fn check_client(
    t: &Tenant,
    client_id: &str,
    secret: Option<&str>,
    public_flow: bool,
) -> Result<(), EntraError> {
    let reg = t
        .registration(client_id)
        .ok_or_else(|| unknown_client(t, client_id))?;
    match (&reg.secret, secret) {
        (_, Some(s)) if reg.secret.as_deref() != Some(s) => Err(EntraError::new(
            "invalid_client",
            7000215,
            format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        )
        .unauthorized()),
        (Some(_), None) if !reg.public_client || !public_flow => Err(EntraError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
        .unauthorized()),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Handlers

pub async fn devicecode(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    match devicecode_inner(&sim, &tenant, &body) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_json(&sim),
    }
}

fn devicecode_inner(sim: &Sim, tenant: &str, body: &[u8]) -> Result<Value, EntraError> {
    check_tenant(sim, tenant)?;
    let f = form(body);
    let client_id = f
        .get("client_id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("client_id"))?;
    let scope = f
        .get("scope")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("scope"))?;
    {
        let t = lock(&sim.tenant);
        t.registration(client_id)
            .ok_or_else(|| unknown_client(&t, client_id))?;
    }
    parse_scopes(scope)?;
    let s = sim.settings();
    let device_code = format!("DAQABAAEAAA{}", sim.random_token(96));
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let n = sim.random_u64();
    let user_code: String = (0..9)
        .map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize % ALPHABET.len()] as char)
        .collect();
    let verification_uri = format!("{}/common/oauth2/deviceauth", sim.base_url);
    let approved = s.auto_approve_device_code;
    let admin = lock(&sim.tenant).admin_user;
    lock(&sim.auth).device_codes.insert(
        device_code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            client_id: client_id.clone(),
            scopes: scope.clone(),
            issued_ms: sim.clock.now_ms(),
            expires_in: s.device_code_expires_in,
            interval: s.device_code_interval,
            last_poll_ms: None,
            status: if approved {
                DeviceStatus::Approved(admin)
            } else {
                DeviceStatus::Pending
            },
        },
    );
    Ok(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": s.device_code_expires_in,
        "interval": s.device_code_interval,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    }))
}

pub async fn token(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    sim.metrics.count_route("POST /{tenant}/oauth2/v2.0/token");
    match token_inner(&sim, &tenant, &body) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_json(&sim),
    }
}

fn token_inner(sim: &Sim, tenant: &str, body: &[u8]) -> Result<Value, EntraError> {
    check_tenant(sim, tenant)?;
    let f = form(body);
    let grant = f
        .get("grant_type")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("grant_type"))?;
    let client_id = f
        .get("client_id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("client_id"))?;
    let secret = f.get("client_secret").map(String::as_str);
    match grant.as_str() {
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = f
                .get("device_code")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("device_code"))?;
            check_client(&lock(&sim.tenant), client_id, secret, true)?;
            device_code_grant(sim, client_id, code)
        }
        "authorization_code" => {
            let code = f
                .get("code")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("code"))?;
            check_client(&lock(&sim.tenant), client_id, secret, true)?;
            auth_code_grant(
                sim,
                client_id,
                code,
                f.get("redirect_uri").map(String::as_str),
                f.get("code_verifier").map(String::as_str),
            )
        }
        "refresh_token" => {
            let rt = f
                .get("refresh_token")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("refresh_token"))?;
            check_client(&lock(&sim.tenant), client_id, secret, true)?;
            refresh_grant(sim, client_id, rt, f.get("scope").map(String::as_str))
        }
        "client_credentials" => {
            let scope = f
                .get("scope")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("scope"))?;
            if secret.is_none() {
                let t = lock(&sim.tenant);
                t.registration(client_id)
                    .ok_or_else(|| unknown_client(&t, client_id))?;
                return Err(EntraError::new("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.").unauthorized());
            }
            check_client(&lock(&sim.tenant), client_id, secret, false)?;
            let ok = scope.split_whitespace().all(|s| {
                let l = s.to_ascii_lowercase();
                l == "https://graph.microsoft.com/.default"
                    || l == "00000003-0000-0000-c000-000000000000/.default"
            });
            if !ok {
                return Err(EntraError::new(
                    "invalid_scope",
                    1002012,
                    format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
                ));
            }
            issue_app_token(sim, client_id)
        }
        other => Err(EntraError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

fn device_code_grant(sim: &Sim, client_id: &str, code: &str) -> Result<Value, EntraError> {
    sim.metrics
        .device_code_polls
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let now = sim.clock.now_ms();
    let (user, scopes) = {
        let mut auth = lock(&sim.auth);
        let bad = || {
            EntraError::new(
                "bad_verification_code",
                70000,
                "The provided value for the 'device_code' is not valid.",
            )
        };
        let dc = auth.device_codes.get_mut(code).ok_or_else(bad)?;
        if dc.client_id != client_id {
            return Err(bad());
        }
        let expired = now >= dc.issued_ms + dc.expires_in as i64 * 1000;
        match dc.status.clone() {
            DeviceStatus::Redeemed => {
                return Err(EntraError::new("invalid_grant", 54005, "OAuth2 device code was already redeemed, please retry with a new valid code or use an existing refresh token."))
            }
            DeviceStatus::Approved(u) if !expired => {
                dc.status = DeviceStatus::Redeemed;
                (u, dc.scopes.clone())
            }
            _ if expired => return Err(EntraError::new("expired_token", 70019, "Verification code expired.")),
            DeviceStatus::Declined => {
                return Err(EntraError::new("authorization_declined", 70000, "The user declined the authorization request."))
            }
            _ => {
                let too_fast = dc.last_poll_ms.is_some_and(|last| now - last < dc.interval as i64 * 1000);
                dc.last_poll_ms = Some(now);
                if too_fast {
                    // RFC 8628 §3.5: every slow_down adds 5 seconds to the interval.
                    dc.interval += 5;
                    return Err(EntraError::new("slow_down", 70016, "OAuth 2.0 device flow error. Polling too frequently; increase the polling interval by 5 seconds."));
                }
                return Err(EntraError::new("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."));
            }
        }
    };
    issue_user_tokens(sim, user, client_id, &scopes)
}

fn auth_code_grant(
    sim: &Sim,
    client_id: &str,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<Value, EntraError> {
    let now = sim.clock.now_ms();
    let (user, scopes) = {
        let mut auth = lock(&sim.auth);
        let ac = auth.auth_codes.get_mut(code).ok_or_else(|| {
            EntraError::new(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid.",
            )
        })?;
        if ac.used {
            return Err(EntraError::new("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
        }
        if now - ac.issued_ms > 10 * 60 * 1000 {
            return Err(EntraError::new("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
        }
        if ac.client_id != client_id {
            return Err(EntraError::new(
                "invalid_grant",
                70000,
                "The provided authorization code was issued to a different client.",
            ));
        }
        if redirect_uri != Some(ac.redirect_uri.as_str()) {
            return Err(EntraError::new("invalid_grant", 500112, "The reply address does not match the reply address provided when requesting Authorization code."));
        }
        if let Some((challenge, method)) = &ac.challenge {
            let ok = match verifier {
                Some(v) if method.eq_ignore_ascii_case("S256") => {
                    B64.encode(Sha256::digest(v.as_bytes())) == *challenge
                }
                Some(v) => v == challenge,
                None => false,
            };
            if !ok {
                return Err(EntraError::new("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
            }
        }
        ac.used = true;
        (ac.user, ac.scopes.clone())
    };
    issue_user_tokens(sim, user, client_id, &scopes)
}

fn refresh_grant(
    sim: &Sim,
    client_id: &str,
    rt: &str,
    scope: Option<&str>,
) -> Result<Value, EntraError> {
    let now = sim.clock.now_ms();
    let lifetime_ms = sim.settings().refresh_token_lifetime_secs as i64 * 1000;
    let (user, scopes) = {
        let mut auth = lock(&sim.auth);
        let entry = auth.refresh_tokens.get_mut(rt).ok_or_else(|| {
            EntraError::new(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid.",
            )
        })?;
        match entry.state {
            RefreshState::Revoked => {
                return Err(EntraError::new("invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."))
            }
            RefreshState::Rotated => {
                return Err(EntraError::new("invalid_grant", 50173, "The provided grant has expired due to it being revoked: this refresh token was already redeemed and replaced by a newer one."))
            }
            RefreshState::Active => {}
        }
        if now - entry.issued_ms > lifetime_ms {
            return Err(EntraError::new("invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued and was inactive for the configured lifetime."));
        }
        if entry.client_id != client_id {
            return Err(EntraError::new(
                "invalid_grant",
                70000,
                "The refresh token was issued to a different client.",
            ));
        }
        entry.state = RefreshState::Rotated;
        let mut scopes = scope
            .map(str::to_string)
            .unwrap_or_else(|| entry.scopes.clone());
        if !scopes
            .split_whitespace()
            .any(|s| s.eq_ignore_ascii_case("offline_access"))
        {
            // A refresh grant keeps the caller's ability to refresh again.
            scopes.push_str(" offline_access");
        }
        (entry.user, scopes)
    };
    issue_user_tokens(sim, user, client_id, &scopes)
}

/// Who signs in through the browser flows: `login_hint`, the `/_sim` setting, or the admin.
fn browser_user(sim: &Sim, hint: Option<&str>) -> Result<usize, EntraError> {
    let t = lock(&sim.tenant);
    let configured = sim.settings().browser_user;
    let key = hint
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .or(configured);
    match key {
        Some(k) => t.find_user(&k).ok_or_else(|| {
            EntraError::new("invalid_request", 50034, format!("The user account {{EmailHidden}} does not exist in the '{}' directory. To sign into this application, the account must be added to the directory.", t.id))
        }),
        None => Ok(t.admin_user),
    }
}

pub async fn authorize_get(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let params = query_map(&q);
    authorize(&sim, &tenant, params, None)
}

pub async fn authorize_post(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let params = form(&body);
    let decision = params.get("decision").cloned().unwrap_or_default();
    authorize(&sim, &tenant, params, Some(decision))
}

fn authorize(
    sim: &Sim,
    tenant: &str,
    p: std::collections::HashMap<String, String>,
    decision: Option<String>,
) -> Response {
    sim.metrics
        .count_route("GET /{tenant}/oauth2/v2.0/authorize");
    if let Err(e) = check_tenant(sim, tenant) {
        return error_page(sim, &e);
    }
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    {
        let t = lock(&sim.tenant);
        let Some(reg) = t.registration(&client_id) else {
            return error_page(sim, &unknown_client(&t, &client_id));
        };
        if !redirect_matches(&reg.redirect_uris, &redirect_uri) {
            return error_page(sim, &EntraError::new(
                "invalid_request",
                50011,
                format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal."),
            ));
        }
    }
    let state = p.get("state").cloned().unwrap_or_default();
    let fail = |e: EntraError| {
        let desc = e.description(
            sim,
            &sim.new_uuid().to_string(),
            &sim.new_uuid().to_string(),
        );
        let mut pairs = vec![("error", e.error), ("error_description", desc.as_str())];
        if !state.is_empty() {
            pairs.push(("state", state.as_str()));
        }
        redirect(&add_query(&redirect_uri, &pairs))
    };
    if p.get("response_type").map(String::as_str) != Some("code") {
        return fail(EntraError::new(
            "unsupported_response_type",
            700054,
            "response_type must be 'code' for this application.",
        ));
    }
    let scope = match p.get("scope").filter(|s| !s.is_empty()) {
        Some(s) => s.clone(),
        None => return fail(missing("scope")),
    };
    if let Err(e) = parse_scopes(&scope) {
        return fail(e);
    }
    let challenge = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (Some(c), m) => {
            let m = m.cloned().unwrap_or_else(|| "plain".into());
            if !m.eq_ignore_ascii_case("S256") && !m.eq_ignore_ascii_case("plain") {
                return fail(EntraError::new(
                    "invalid_request",
                    501491,
                    "Invalid code_challenge_method. Supported values are 'S256' and 'plain'.",
                ));
            }
            Some((c.clone(), m))
        }
        (None, _) => None,
    };
    let user = match browser_user(sim, p.get("login_hint").map(String::as_str)) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let auto = sim.settings().auto_approve_browser;
    match decision.as_deref() {
        Some("decline") => {
            return fail(EntraError::new(
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            ));
        }
        Some("accept") => {}
        _ if auto => {}
        _ => {
            let hidden: String = p
                .iter()
                .filter(|(k, _)| k.as_str() != "decision")
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                        html_escape(k),
                        html_escape(v)
                    )
                })
                .collect();
            let (upn, app) = {
                let t = lock(&sim.tenant);
                (
                    t.users[user].upn.clone(),
                    t.registration(&client_id)
                        .map(|r| r.display_name.clone())
                        .unwrap_or_default(),
                )
            };
            let body = format!(
                "<p>Signed in as <b>{}</b>.</p><p><b>{}</b> requests: <code>{}</code></p>\
                 <form method=\"post\">{hidden}<button name=\"decision\" value=\"accept\">Accept</button>\
                 <button name=\"decision\" value=\"decline\">Cancel</button></form>",
                html_escape(&upn),
                html_escape(&app),
                html_escape(&scope)
            );
            return Html(page("Permissions requested", &body)).into_response();
        }
    }
    let code = format!("1.A{}", sim.random_token(64));
    lock(&sim.auth).auth_codes.insert(
        code.clone(),
        AuthCode {
            client_id,
            redirect_uri: redirect_uri.clone(),
            challenge,
            scopes: scope,
            user,
            issued_ms: sim.clock.now_ms(),
            used: false,
        },
    );
    let session = sim.new_uuid().to_string();
    let mut pairs = vec![("code", code.as_str())];
    if !state.is_empty() {
        pairs.push(("state", state.as_str()));
    }
    pairs.push(("session_state", session.as_str()));
    redirect(&add_query(&redirect_uri, &pairs))
}

pub async fn adminconsent_get(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    admin_consent(&sim, &tenant, query_map(&q), None, false)
}

pub async fn adminconsent_v2_get(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    admin_consent(&sim, &tenant, query_map(&q), None, true)
}

pub async fn adminconsent_post(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let p = form(&body);
    let decision = p.get("decision").cloned();
    let v2 = p.get("v2").is_some_and(|v| v == "1");
    admin_consent(&sim, &tenant, p, decision, v2)
}

fn admin_consent(
    sim: &Sim,
    tenant: &str,
    p: std::collections::HashMap<String, String>,
    decision: Option<String>,
    v2: bool,
) -> Response {
    sim.metrics.count_route("GET /{tenant}/adminconsent");
    if let Err(e) = check_tenant(sim, tenant) {
        return error_page(sim, &e);
    }
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    let redirect_uri = p.get("redirect_uri").cloned().filter(|s| !s.is_empty());
    let state = p.get("state").cloned().unwrap_or_default();
    let (required, app_name, tid) = {
        let t = lock(&sim.tenant);
        let Some(reg) = t.registration(&client_id) else {
            return error_page(sim, &unknown_client(&t, &client_id));
        };
        if let Some(r) = &redirect_uri {
            if !redirect_matches(&reg.redirect_uris, r) {
                return error_page(sim, &EntraError::new(
                    "invalid_request",
                    50011,
                    format!("The redirect URI '{r}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."),
                ));
            }
        }
        (
            reg.required.clone(),
            reg.display_name.clone(),
            t.id.to_string(),
        )
    };
    // v2 with explicit scopes consents to exactly those delegated scopes; otherwise (v1, or
    // `.default`) to everything the registration declares.
    let (mut scopes, mut roles) = (BTreeSet::new(), Vec::new());
    let scope_param = p.get("scope").cloned().unwrap_or_default();
    let explicit = v2 && !scope_param.is_empty();
    let parsed = if explicit {
        match parse_scopes(&scope_param) {
            Ok(r) => Some(r),
            Err(e) => return error_page(sim, &e),
        }
    } else {
        None
    };
    match &parsed {
        Some(r) if !r.default => {
            scopes.extend(r.graph.iter().cloned());
            scopes.extend(r.oidc.iter().cloned());
        }
        _ => {
            for (perm, is_role) in &required {
                if *is_role {
                    roles.push(perm.clone());
                } else {
                    scopes.insert(perm.clone());
                }
            }
        }
    }
    let finish = |pairs: Vec<(&str, String)>| -> Response {
        match &redirect_uri {
            Some(r) => {
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                redirect(&add_query(r, &pairs))
            }
            None => {
                let items: String = pairs
                    .iter()
                    .map(|(k, v)| format!("<li>{}={}</li>", html_escape(k), html_escape(v)))
                    .collect();
                Html(page(
                    "Admin consent",
                    &format!("<ul id=\"result\">{items}</ul>"),
                ))
                .into_response()
            }
        }
    };
    let user = match browser_user(sim, p.get("login_hint").map(String::as_str)) {
        Ok(u) => u,
        Err(e) => return error_page(sim, &e),
    };
    match decision.as_deref() {
        Some("decline") => {
            let e = EntraError::new(
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            );
            let desc = e.description(
                sim,
                &sim.new_uuid().to_string(),
                &sim.new_uuid().to_string(),
            );
            return finish(vec![
                ("error", "access_denied".into()),
                ("error_description", desc),
                ("admin_consent", "False".into()),
                ("state", state),
            ]);
        }
        Some("accept") => {}
        _ if sim.settings().auto_approve_browser => {}
        _ => {
            let hidden: String = p
                .iter()
                .filter(|(k, _)| k.as_str() != "decision")
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                        html_escape(k),
                        html_escape(v)
                    )
                })
                .chain(v2.then(|| "<input type=\"hidden\" name=\"v2\" value=\"1\">".to_string()))
                .collect();
            let list: String = scopes
                .iter()
                .map(|s| format!("<li>{} (delegated)</li>", html_escape(s)))
                .chain(
                    roles
                        .iter()
                        .map(|r| format!("<li>{} (application)</li>", html_escape(r))),
                )
                .collect();
            let body = format!(
                "<p><b>{}</b> requests tenant-wide consent for:</p><ul>{list}</ul>\
                 <form method=\"post\">{hidden}<button name=\"decision\" value=\"accept\">Accept</button>\
                 <button name=\"decision\" value=\"decline\">Cancel</button></form>",
                html_escape(&app_name)
            );
            return Html(page(
                "Permissions requested — accept for your organization",
                &body,
            ))
            .into_response();
        }
    }
    {
        let mut t = lock(&sim.tenant);
        if !t.can_admin_consent(user) {
            drop(t);
            let e = EntraError::new(
                "access_denied",
                90094,
                "The grant requires admin permission.",
            );
            let desc = e.description(
                sim,
                &sim.new_uuid().to_string(),
                &sim.new_uuid().to_string(),
            );
            return finish(vec![
                ("error", "access_denied".into()),
                ("error_description", desc),
                ("admin_consent", "False".into()),
                ("state", state),
            ]);
        }
        upsert_grant(sim, &mut t, &client_id, None, &scopes);
        grant_app_roles(sim, &mut t, &client_id, &roles);
    }
    let mut pairs = vec![("admin_consent", "True".to_string()), ("tenant", tid)];
    if explicit {
        pairs.push(("scope", scope_param));
    }
    pairs.push(("state", state));
    finish(pairs)
}

pub async fn deviceauth_get(State(sim): State<Arc<Sim>>) -> Response {
    let admin = {
        let t = lock(&sim.tenant);
        t.users
            .get(t.admin_user)
            .map(|u| u.upn.clone())
            .unwrap_or_default()
    };
    let body = format!(
        "<form method=\"post\"><p><label>Code <input name=\"user_code\" autofocus></label></p>\
         <p><label>Account <input name=\"upn\" value=\"{}\" size=\"40\"></label></p>\
         <button name=\"decision\" value=\"approve\">Continue</button>\
         <button name=\"decision\" value=\"decline\">Cancel</button></form>",
        html_escape(&admin)
    );
    Html(page("Enter code", &body)).into_response()
}

pub async fn deviceauth_post(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> Response {
    let f = form(&body);
    let code = f.get("user_code").cloned().unwrap_or_default();
    let upn = f.get("upn").cloned().filter(|s| !s.is_empty());
    let result = if f.get("decision").map(String::as_str) == Some("decline") {
        decide_device_code(&sim, &code, None, false)
    } else {
        decide_device_code(&sim, &code, upn.as_deref(), true)
    };
    match result {
        Ok(()) => Html(page(
            "You're all set",
            "<p id=\"result\">You may now close this window and return to the application.</p>",
        ))
        .into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Html(page(
                "Something went wrong",
                &format!("<p id=\"error\">{}</p>", html_escape(&e.to_string())),
            )),
        )
            .into_response(),
    }
}

pub fn decide_device_code(
    sim: &Sim,
    user_code: &str,
    upn: Option<&str>,
    approve: bool,
) -> Result<(), crate::SimError> {
    let user = if approve {
        let t = lock(&sim.tenant);
        let u = match upn {
            Some(k) => t
                .find_user(k)
                .ok_or_else(|| crate::SimError::UnknownUser(k.to_string()))?,
            None => t.admin_user,
        };
        if !t.users[u].account_enabled {
            return Err(crate::SimError::AccountDisabled(t.users[u].upn.clone()));
        }
        Some(u)
    } else {
        None
    };
    let now = sim.clock.now_ms();
    let mut auth = lock(&sim.auth);
    let dc = auth
        .by_user_code(user_code)
        .ok_or_else(|| crate::SimError::UnknownUserCode(user_code.to_string()))?;
    if now >= dc.issued_ms + dc.expires_in as i64 * 1000 || dc.status != DeviceStatus::Pending {
        return Err(crate::SimError::UnknownUserCode(user_code.to_string()));
    }
    dc.status = match user {
        Some(u) => DeviceStatus::Approved(u),
        None => DeviceStatus::Declined,
    };
    Ok(())
}

pub async fn openid_configuration(
    State(sim): State<Arc<Sim>>,
    Path(tenant): Path<String>,
) -> Response {
    if let Err(e) = check_tenant(&sim, &tenant) {
        return e.into_json(&sim);
    }
    let tid = lock(&sim.tenant).id.to_string();
    let b = &sim.base_url;
    json_response(
        StatusCode::OK,
        &json!({
            "authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{b}/{tenant}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/devicecode"),
            "issuer": format!("{b}/{tid}/v2.0"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
        }),
    )
}

/// Revokes every refresh token a user holds (what "revoke sessions" does).
pub fn revoke_user_sessions(sim: &Sim, user: usize) -> usize {
    let mut auth = lock(&sim.auth);
    let mut n = 0;
    for rt in auth.refresh_tokens.values_mut().filter(|r| r.user == user) {
        if rt.state == RefreshState::Active {
            n += 1;
        }
        rt.state = RefreshState::Revoked;
    }
    n
}

pub fn revoke_refresh_token(sim: &Sim, token: &str) -> bool {
    match lock(&sim.auth).refresh_tokens.get_mut(token) {
        Some(rt) => {
            rt.state = RefreshState::Revoked;
            true
        }
        None => false,
    }
}
