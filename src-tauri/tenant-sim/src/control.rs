//! `/_sim/...`: the simulator's own control surface (never part of Graph, no auth).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::FaultRule;
use crate::identity;
use crate::state::{lock, Sim};

pub fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/state", get(state))
        .route("/settings", get(get_settings).post(set_settings))
        .route("/device-codes/approve", post(approve))
        .route("/device-codes/decline", post(decline))
        .route("/refresh-tokens/revoke", post(revoke_token))
        .route("/users/{id}/revoke-sessions", post(revoke_sessions))
        .route("/users/{id}/disable", post(disable_user))
        .route("/users/{id}/enable", post(enable_user))
        .route(
            "/faults",
            get(get_faults).put(put_faults).delete(clear_faults),
        )
        .route("/metrics", get(metrics))
        .route("/metrics/reset", post(reset_metrics))
        .route("/clock/advance", post(advance_clock))
        .route("/throttle/reset", post(reset_throttle))
}

fn bad(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

// The error is a ready-made response; boxing it would only add noise at every call site.
#[allow(clippy::result_large_err)]
fn body<T: for<'de> Deserialize<'de>>(raw: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(raw)
        .map_err(|e| bad(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
}

async fn state(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(crate::summary(&sim))
}

async fn get_settings(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(serde_json::to_value(sim.settings()).unwrap_or(Value::Null))
}

/// Merges the posted fields into the current settings.
async fn set_settings(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let patch: Value = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut current = serde_json::to_value(sim.settings()).unwrap_or(Value::Null);
    if let (Value::Object(cur), Value::Object(p)) = (&mut current, patch) {
        for (k, v) in p {
            if !cur.contains_key(&k) {
                return bad(StatusCode::BAD_REQUEST, format!("unknown setting '{k}'"));
            }
            cur.insert(k, v);
        }
    } else {
        return bad(StatusCode::BAD_REQUEST, "expected a JSON object");
    }
    match serde_json::from_value::<crate::state::Settings>(current) {
        Ok(s) => {
            *lock(&sim.settings) = s.clone();
            Json(serde_json::to_value(s).unwrap_or(Value::Null)).into_response()
        }
        Err(e) => bad(StatusCode::BAD_REQUEST, format!("invalid settings: {e}")),
    }
}

#[derive(Deserialize)]
struct DeviceDecision {
    user_code: String,
    #[serde(default)]
    upn: Option<String>,
}

async fn approve(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let d: DeviceDecision = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match identity::decide_device_code(&sim, &d.user_code, d.upn.as_deref(), true) {
        Ok(()) => Json(json!({"approved": d.user_code})).into_response(),
        Err(e) => bad(StatusCode::NOT_FOUND, e.to_string()),
    }
}

async fn decline(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let d: DeviceDecision = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match identity::decide_device_code(&sim, &d.user_code, None, false) {
        Ok(()) => Json(json!({"declined": d.user_code})).into_response(),
        Err(e) => bad(StatusCode::NOT_FOUND, e.to_string()),
    }
}

#[derive(Deserialize)]
struct RevokeToken {
    refresh_token: String,
}

async fn revoke_token(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let r: RevokeToken = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if identity::revoke_refresh_token(&sim, &r.refresh_token) {
        Json(json!({"revoked": true})).into_response()
    } else {
        bad(StatusCode::NOT_FOUND, "unknown refresh token")
    }
}

async fn revoke_sessions(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> Response {
    let user = lock(&sim.tenant).find_user(&id);
    match user {
        Some(u) => Json(json!({"revoked_refresh_tokens": identity::revoke_user_sessions(&sim, u)}))
            .into_response(),
        None => bad(StatusCode::NOT_FOUND, format!("unknown user '{id}'")),
    }
}

fn set_enabled(sim: &Sim, id: &str, enabled: bool) -> Response {
    let mut t = lock(&sim.tenant);
    let Some(u) = t.find_user(id) else {
        return bad(StatusCode::NOT_FOUND, format!("unknown user '{id}'"));
    };
    let seq = t.next_seq();
    t.users[u].account_enabled = enabled;
    t.users[u].change_seq = seq;
    Json(json!({"id": t.users[u].id.to_string(), "accountEnabled": enabled})).into_response()
}

async fn disable_user(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> Response {
    set_enabled(&sim, &id, false)
}

async fn enable_user(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> Response {
    set_enabled(&sim, &id, true)
}

async fn get_faults(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(json!({"rules": lock(&sim.faults).rules}))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FaultBody {
    Wrapped { rules: Vec<FaultRule> },
    List(Vec<FaultRule>),
}

async fn put_faults(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let rules = match body::<FaultBody>(&raw) {
        Ok(FaultBody::Wrapped { rules }) | Ok(FaultBody::List(rules)) => rules,
        Err(r) => return r,
    };
    lock(&sim.faults).set(rules.clone());
    Json(json!({"rules": rules})).into_response()
}

async fn clear_faults(State(sim): State<Arc<Sim>>) -> Json<Value> {
    lock(&sim.faults).set(Vec::new());
    Json(json!({"rules": []}))
}

async fn metrics(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(serde_json::to_value(sim.metrics.snapshot()).unwrap_or(Value::Null))
}

async fn reset_metrics(State(sim): State<Arc<Sim>>) -> Json<Value> {
    sim.metrics.reset();
    Json(json!({"reset": true}))
}

#[derive(Deserialize)]
struct Advance {
    seconds: f64,
}

async fn advance_clock(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let a: Advance = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !(a.seconds.is_finite() && a.seconds >= 0.0) {
        return bad(
            StatusCode::BAD_REQUEST,
            "seconds must be a non-negative number",
        );
    }
    sim.clock.advance(Duration::from_secs_f64(a.seconds));
    Json(json!({"now": sim.clock.now_rfc3339()})).into_response()
}

async fn reset_throttle(State(sim): State<Arc<Sim>>) -> Json<Value> {
    lock(&sim.throttle).reset();
    Json(json!({"reset": true}))
}
