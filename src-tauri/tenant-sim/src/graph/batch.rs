//! JSON batching (`POST /$batch`): each member is routed, authorised, throttled and
//! faulted on its own, exactly as if it had been sent alone.

use std::collections::{HashMap, HashSet};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::graph::request::{GReq, GResp};
use crate::odata::GraphError;
use crate::state::Sim;

const MAX_REQUESTS: usize = 20;

/// `execute` answers one member as if it had been sent alone (the graph module hands in its own).
pub fn run(
    sim: &Sim,
    outer: &GReq,
    execute: fn(&Sim, &GReq) -> GResp,
) -> Result<GResp, GraphError> {
    if outer.sub {
        return Err(GraphError::bad_request(
            "Nested batch requests are not supported.",
        ));
    }
    sim.metrics
        .batches
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let body: Value = serde_json::from_slice(&outer.body)
        .map_err(|_| GraphError::bad_request("Invalid batch payload format."))?;
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            GraphError::bad_request("Invalid batch payload format: 'requests' must be an array.")
        })?;
    if requests.is_empty() {
        return Err(GraphError::bad_request(
            "Invalid batch payload format: the batch contains no requests.",
        ));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(GraphError::bad_request(format!("Too many requests in batch. The number of requests ({}) exceeds the limit of {MAX_REQUESTS}.", requests.len())));
    }
    struct Member {
        id: String,
        method: String,
        url: String,
        headers: Map<String, Value>,
        body: Option<Value>,
        depends: Vec<String>,
    }
    let mut members = Vec::new();
    let mut ids = HashSet::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(GraphError::bad_request(
                    "Invalid batch payload format: every request needs an 'id'.",
                ))
            }
        };
        if !ids.insert(id.clone()) {
            return Err(GraphError::bad_request(format!(
                "Batch request ids must be unique: '{id}' appears more than once."
            )));
        }
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .ok_or_else(|| GraphError::bad_request(format!("Request '{id}' has no method.")))?;
        let url = r
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::bad_request(format!("Request '{id}' has no url.")))?;
        if url.contains("://") {
            return Err(GraphError::bad_request(format!(
                "Invalid request url '{url}' for request '{id}': batch urls must be relative."
            )));
        }
        let depends = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|d| {
                    d.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| d.to_string())
                })
                .collect(),
            Some(_) => {
                return Err(GraphError::bad_request(format!(
                    "dependsOn of request '{id}' must be an array."
                )))
            }
        };
        members.push(Member {
            id,
            method,
            url: url.to_string(),
            headers: r
                .get("headers")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            body: r.get("body").cloned(),
            depends,
        });
    }
    for m in &members {
        for d in &m.depends {
            if !ids.contains(d) || *d == m.id {
                return Err(GraphError::bad_request(format!(
                    "Request '{}' depends on unknown request '{d}'.",
                    m.id
                )));
            }
        }
    }
    // Dependencies run first; a cycle can never become ready.
    let mut order = Vec::new();
    let mut done: HashSet<String> = HashSet::new();
    while order.len() < members.len() {
        let before = order.len();
        for (i, m) in members.iter().enumerate() {
            if !done.contains(&m.id) && m.depends.iter().all(|d| done.contains(d)) {
                order.push(i);
                done.insert(m.id.clone());
            }
        }
        if order.len() == before {
            return Err(GraphError::bad_request(
                "The dependsOn graph of the batch contains a cycle.",
            ));
        }
    }

    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut out = Vec::new();
    for i in order {
        let m = &members[i];
        let failed_dep = m
            .depends
            .iter()
            .find(|d| statuses.get(*d).is_some_and(|s| *s >= 400));
        let resp = if let Some(d) = failed_dep {
            sim.metrics.count_status(424);
            sim.metrics
                .sub_requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            GResp {
                status: 424,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: Some(
                    json!({"error": {"code": "FailedDependency", "message": format!("The request depends on request '{d}', which failed.")}}),
                ),
            }
        } else {
            let mut headers = HeaderMap::new();
            for name in ["authorization", "consistencylevel", "client-request-id"] {
                if let Some(v) = outer.headers.get(name) {
                    headers.insert(name, v.clone());
                }
            }
            for (k, v) in &m.headers {
                if let (Ok(n), Some(Ok(val))) = (
                    HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()),
                    v.as_str().map(HeaderValue::from_str),
                ) {
                    headers.insert(n, val);
                }
            }
            let url = if m.url.starts_with('/') {
                m.url.clone()
            } else {
                format!("/{}", m.url)
            };
            let (path, query) = match url.split_once('?') {
                Some((p, q)) => (p.to_string(), Some(q.to_string())),
                None => (url.clone(), None),
            };
            let body = match &m.body {
                None | Some(Value::Null) => bytes::Bytes::new(),
                Some(v) => bytes::Bytes::from(v.to_string()),
            };
            execute(
                sim,
                &GReq {
                    method: m.method.clone(),
                    path,
                    query,
                    headers,
                    body,
                    sub: true,
                },
            )
        };
        statuses.insert(m.id.clone(), resp.status);
        let mut hdrs = Map::new();
        for (k, v) in &resp.headers {
            if k != "OData-Version" {
                hdrs.insert(k.clone(), json!(v));
            }
        }
        let mut entry = json!({"id": m.id, "status": resp.status, "headers": hdrs});
        if let Some(b) = resp.body {
            entry["body"] = b;
        }
        out.push(entry);
    }
    // Graph answers batch members in no particular order; so does the simulator, seeded.
    let mut rng = ChaCha8Rng::seed_from_u64(sim.config.seed ^ sim.random_u64());
    out.shuffle(&mut rng);
    Ok(GResp {
        status: 200,
        headers: Vec::new(),
        body: Some(json!({"responses": out})),
    })
}
