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

use crate::faults::{FaultRule, HangRule};
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
        .route("/hang", get(get_hangs).put(put_hangs).delete(clear_hangs))
        .route("/metrics", get(metrics))
        .route("/metrics/reset", post(reset_metrics))
        .route("/clock/advance", post(advance_clock))
        .route("/throttle/reset", post(reset_throttle))
        .route("/teams/type", post(type_route))
        .route("/teams/press", post(press_route))
        .route("/teams/change", post(change_route))
        .route("/vendors/links", get(vendor_links))
}

/// Where a person types in Teams.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsPlace {
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub chat_id: Option<String>,
    /// The personal chat with this bot (catalog app id or display name).
    #[serde(default)]
    pub personal_app: Option<String>,
}

// No deny_unknown_fields: serde does not support it together with `flatten`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypeBody {
    upn: String,
    text: String,
    #[serde(flatten)]
    place: TeamsPlace,
    /// Also press the first button of the bot's card ("Associate Now").
    #[serde(default)]
    press: bool,
}

/// Why a control request about Teams (typing, a change by someone else) cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("unknown user '{0}'")]
    UnknownUser(String),
    #[error("unknown team '{0}'")]
    UnknownTeam(String),
    #[error("unknown channel '{0}'")]
    UnknownChannel(String),
    #[error("unknown chat '{0}'")]
    UnknownChat(String),
    #[error("unknown app '{0}'")]
    UnknownApp(String),
    #[error("'{0}' is a group without a team")]
    NotATeam(String),
    #[error("the app is not installed there")]
    NotInstalled,
    #[error("say where to type: teamId + channelId, chatId, or personalApp")]
    NoPlace,
    #[error("kind '{0}': expected team, chat or user")]
    UnknownKind(String),
    #[error("membership '{0}': expected standard, private or shared")]
    UnknownMembership(String),
    #[error(transparent)]
    Typing(#[from] crate::conversations::TypeError),
}

pub(crate) fn type_in_teams(
    sim: &Sim,
    upn: &str,
    place: TeamsPlace,
    text: &str,
) -> Result<(String, Vec<Value>), ControlError> {
    use crate::conversations::{type_message, Place};
    let (user, where_) = {
        let t = lock(&sim.tenant);
        let user = t
            .find_user(upn)
            .ok_or_else(|| ControlError::UnknownUser(upn.into()))?;
        let where_ = match (
            &place.team_id,
            &place.channel_id,
            &place.chat_id,
            &place.personal_app,
        ) {
            (Some(team), Some(channel), None, None) => {
                let g = t
                    .find_team(team)
                    .ok_or_else(|| ControlError::UnknownTeam(team.clone()))?;
                Place::Channel {
                    team: g,
                    channel: channel.clone(),
                }
            }
            (None, None, Some(chat), None) => Place::Chat(
                t.find_chat(chat)
                    .ok_or_else(|| ControlError::UnknownChat(chat.clone()))?,
            ),
            (None, None, None, Some(app)) => {
                let a = t
                    .apps
                    .iter()
                    .find(|a| {
                        a.id.eq_ignore_ascii_case(app) || a.display_name.eq_ignore_ascii_case(app)
                    })
                    .ok_or_else(|| ControlError::UnknownApp(app.clone()))?;
                Place::Personal {
                    app_id: a.id.clone(),
                }
            }
            _ => return Err(ControlError::NoPlace),
        };
        (user, where_)
    };
    Ok(type_message(&sim.teams(), user, &where_, text)?)
}

async fn type_route(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let b: TypeBody = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match type_in_teams(&sim, &b.upn, b.place, &b.text) {
        Ok((id, mut replies)) => {
            if b.press {
                let card = replies
                    .iter()
                    .find(|r| {
                        r.get("attachments")
                            .and_then(Value::as_array)
                            .is_some_and(|a| !a.is_empty())
                    })
                    .and_then(|r| r.get("id").and_then(Value::as_str))
                    .map(str::to_string);
                if let Some(card) = card {
                    match crate::conversations::press(&sim.teams(), &card) {
                        Ok(updated) => replies = vec![updated],
                        Err(e) => return bad(StatusCode::CONFLICT, e.to_string()),
                    }
                }
            }
            Json(json!({"messageId": id, "replies": replies})).into_response()
        }
        Err(e) => bad(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PressBody {
    message_id: String,
}

async fn press_route(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let b: PressBody = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match crate::conversations::press(&sim.teams(), &b.message_id) {
        Ok(v) => Json(v).into_response(),
        Err(e) => bad(StatusCode::NOT_FOUND, e.to_string()),
    }
}

/// Changes made to the tenant by someone else, for health checks to find.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Uninstall an app (catalog id or display name) from a team, chat or user.
    RemoveApp {
        kind: String,
        target: String,
        app: String,
    },
    ArchiveTeam {
        team: String,
    },
    DeleteTeam {
        team: String,
    },
    DeleteChannel {
        team: String,
        channel: String,
    },
    /// standard, private or shared.
    SetChannelMembership {
        team: String,
        channel: String,
        membership: String,
    },
    DeleteChat {
        chat: String,
    },
    DisableUser {
        user: String,
    },
}

pub(crate) fn apply_change(sim: &Sim, change: Change) -> Result<(), ControlError> {
    use crate::model::Membership;
    let mut t = lock(&sim.tenant);
    let team_of = |t: &crate::model::Tenant, id: &str| {
        t.find_team(id)
            .ok_or_else(|| ControlError::UnknownTeam(id.into()))
    };
    match change {
        Change::RemoveApp { kind, target, app } => {
            let a = t
                .apps
                .iter()
                .find(|a| {
                    a.id.eq_ignore_ascii_case(&app) || a.display_name.eq_ignore_ascii_case(&app)
                })
                .map(|a| a.id.clone())
                .ok_or_else(|| ControlError::UnknownApp(app.clone()))?;
            let installs = match kind.as_str() {
                "team" => {
                    let g = team_of(&t, &target)?;
                    t.groups[g].team.as_mut().map(|d| &mut d.installs)
                }
                "chat" => {
                    let c = t
                        .find_chat(&target)
                        .ok_or_else(|| ControlError::UnknownChat(target.clone()))?;
                    Some(&mut t.chats[c].installs)
                }
                "user" => {
                    let u = t
                        .find_user(&target)
                        .ok_or_else(|| ControlError::UnknownUser(target.clone()))?;
                    Some(&mut t.users[u].installs)
                }
                other => return Err(ControlError::UnknownKind(other.into())),
            }
            .ok_or_else(|| ControlError::NotATeam(target.clone()))?;
            let before = installs.len();
            installs.retain(|i| i.app_id != a);
            if installs.len() == before {
                return Err(ControlError::NotInstalled);
            }
        }
        Change::ArchiveTeam { team } => {
            let g = team_of(&t, &team)?;
            if let Some(d) = t.groups[g].team.as_mut() {
                d.is_archived = true;
            }
        }
        Change::DeleteTeam { team } => {
            let g = team_of(&t, &team)?;
            t.groups.remove(g);
            t.reindex();
        }
        Change::DeleteChannel { team, channel } => {
            let g = team_of(&t, &team)?;
            let d = t.groups[g]
                .team
                .as_mut()
                .ok_or_else(|| ControlError::NotATeam(team.clone()))?;
            let before = d.channels.len();
            d.channels.retain(|c| c.id != channel);
            if d.channels.len() == before {
                return Err(ControlError::UnknownChannel(channel));
            }
        }
        Change::SetChannelMembership {
            team,
            channel,
            membership,
        } => {
            let m = match membership.as_str() {
                "standard" => Membership::Standard,
                "private" => Membership::Private,
                "shared" => Membership::Shared,
                _ => return Err(ControlError::UnknownMembership(membership)),
            };
            let g = team_of(&t, &team)?;
            let d = t.groups[g]
                .team
                .as_mut()
                .ok_or_else(|| ControlError::NotATeam(team.clone()))?;
            let c = d
                .channels
                .iter_mut()
                .find(|c| c.id == channel)
                .ok_or_else(|| ControlError::UnknownChannel(channel.clone()))?;
            c.membership = m;
        }
        Change::DeleteChat { chat } => {
            let c = t
                .find_chat(&chat)
                .ok_or_else(|| ControlError::UnknownChat(chat.clone()))?;
            t.chats.remove(c);
            t.reindex();
        }
        Change::DisableUser { user } => {
            let u = t
                .find_user(&user)
                .ok_or_else(|| ControlError::UnknownUser(user.clone()))?;
            let seq = t.next_seq();
            t.users[u].account_enabled = false;
            t.users[u].change_seq = seq;
        }
    }
    Ok(())
}

async fn change_route(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    let c: Change = match body(&raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match apply_change(&sim, c) {
        Ok(()) => Json(json!({"changed": true})).into_response(),
        Err(e) => bad(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

async fn vendor_links(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(json!({"links": lock(&sim.conversations).vendor_links}))
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

/// Called by the transport layer before anything else: answers the request back (a `$batch`
/// body is read to see its members) or `None` when it must hang.
pub(crate) async fn unless_hung(
    sim: &Sim,
    req: axum::extract::Request,
) -> Option<axum::extract::Request> {
    if lock(&sim.hangs).is_empty() {
        return Some(req);
    }
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let mut requests = vec![(method.clone(), path.clone())];
    let req = match path.strip_suffix("/$batch") {
        Some(version) if method == "POST" => {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 12 * 1024 * 1024)
                .await
                .unwrap_or_default();
            let members = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|b| b.get("requests").and_then(Value::as_array).cloned())
                .unwrap_or_default();
            for m in &members {
                let m_method = m.get("method").and_then(Value::as_str).unwrap_or("GET");
                let url = m.get("url").and_then(Value::as_str).unwrap_or_default();
                let m_path = url.split('?').next().unwrap_or_default();
                requests.push((
                    m_method.to_ascii_uppercase(),
                    format!("{version}/{}", m_path.trim_start_matches('/')),
                ));
            }
            axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))
        }
        _ => req,
    };
    if lock(&sim.hangs).take(&requests) {
        None
    } else {
        Some(req)
    }
}

async fn get_hangs(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(json!({"rules": lock(&sim.hangs).rules()}))
}

async fn put_hangs(State(sim): State<Arc<Sim>>, raw: axum::body::Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum HangBody {
        Wrapped { rules: Vec<HangRule> },
        List(Vec<HangRule>),
    }
    let rules = match body::<HangBody>(&raw) {
        Ok(HangBody::Wrapped { rules }) | Ok(HangBody::List(rules)) => rules,
        Err(r) => return r,
    };
    if rules.iter().any(|r| r.route.trim().is_empty()) {
        return bad(StatusCode::BAD_REQUEST, "every hang rule needs a route");
    }
    lock(&sim.hangs).set(rules.clone());
    Json(json!({"rules": rules})).into_response()
}

async fn clear_hangs(State(sim): State<Arc<Sim>>) -> Json<Value> {
    lock(&sim.hangs).set(Vec::new());
    Json(json!({"rules": []}))
}
