//! HTTP plumbing: routes, the transport-level faults (latency, dropped connections, slow
//! bodies) and an accept loop that can really drop a connection mid-request.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use crate::graph::{execute, GReq};
use crate::identity;
use crate::state::{lock, Sim};

/// Lets a handler ask the connection task to close the socket without answering.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/v1.0/{*rest}", any(graph_entry))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(identity::devicecode),
        )
        .route("/{tenant}/oauth2/v2.0/token", post(identity::token))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(identity::authorize_get).post(identity::authorize_post),
        )
        .route(
            "/{tenant}/oauth2/deviceauth",
            get(identity::deviceauth_get).post(identity::deviceauth_post),
        )
        .route(
            "/{tenant}/adminconsent",
            get(identity::adminconsent_get).post(identity::adminconsent_post),
        )
        .route(
            "/{tenant}/v2.0/adminconsent",
            get(identity::adminconsent_v2_get).post(identity::adminconsent_post),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(identity::openid_configuration),
        )
        .nest("/_sim", crate::control::router())
        .route("/", get(index))
        .layer(DefaultBodyLimit::max(12 * 1024 * 1024))
        .layer(middleware::from_fn_with_state(sim.clone(), transport))
        .with_state(sim)
}

async fn index(State(sim): State<Arc<Sim>>) -> Html<String> {
    let t = lock(&sim.tenant);
    Html(format!(
        "<!doctype html><title>BotDeck tenant simulator</title><h1>BotDeck tenant simulator</h1>\
         <p>Tenant {} ({})</p><p>Graph: {}/v1.0 — Authority: {}/{}</p>",
        t.display_name, t.domain, sim.base_url, sim.base_url, t.id
    ))
}

async fn graph_entry(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, 12 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    let path = parts
        .uri
        .path()
        .strip_prefix("/v1.0")
        .unwrap_or("/")
        .to_string();
    let greq = GReq {
        method: parts.method.as_str().to_string(),
        path,
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        sub: false,
    };
    // Large listings filter tens of thousands of objects: keep them off the reactor.
    let s = sim.clone();
    let resp = match tokio::task::spawn_blocking(move || execute(&s, &greq)).await {
        Ok(r) => r,
        Err(_) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "simulator task failed").into_response()
        }
    };
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = match resp.body {
        Some(v) => (status, v.to_string()).into_response(),
        None => status.into_response(),
    };
    for (k, v) in resp.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            out.headers_mut().insert(n, v);
        }
    }
    out
}

struct InFlight<'a>(&'a Sim);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.metrics.leave();
    }
}

async fn transport(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim") || path == "/" {
        return next.run(req).await;
    }
    sim.metrics
        .http_round_trips
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    sim.metrics.enter();
    let _guard = InFlight(&sim);
    let Some(req) = crate::control::unless_hung(&sim, req).await else {
        // Held until the client gives up and closes the connection (which drops this future).
        sim.metrics.count_fault("hang");
        return std::future::pending().await;
    };
    let is_graph = path.starts_with("/v1.0/");
    let decision = lock(&sim.faults).decide(req.method().as_str(), &path, true);
    if decision.latency_ms > 0 {
        sim.metrics.count_fault("latency");
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    if decision.drop {
        sim.metrics.count_fault("drop");
        sim.metrics
            .dropped_connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(kill) = req.extensions().get::<ConnKill>() {
            kill.0.notify_one();
            std::future::pending::<()>().await;
        }
        return StatusCode::BAD_GATEWAY.into_response();
    }
    // Graph requests draw their status faults in the Graph pipeline, per batch member.
    if !is_graph {
        if let Some(status) = decision.status {
            sim.metrics.count_fault(&status.to_string());
            sim.metrics.count_status(status);
            let err = identity::EntraError {
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                error: "temporarily_unavailable",
                code: 90033,
                message: "A transient error has occurred. Please try again.".into(),
            };
            let mut r = err.into_json(&sim);
            if let Some(s) = decision.retry_after {
                let wait = crate::odata::RetryAfter::scaled(s, 1.0);
                if let Ok(v) = HeaderValue::from_str(&wait.headers()[0].1) {
                    r.headers_mut().insert("Retry-After", v);
                }
            }
            return r;
        }
    }
    let resp = next.run(req).await;
    match decision.slow_chunk_delay_ms {
        Some(delay) => {
            sim.metrics.count_fault("slow_body");
            slow(resp, delay).await
        }
        None => resp,
    }
}

/// Re-sends the body in a few chunks with pauses between them.
async fn slow(resp: Response, delay_ms: u64) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let chunk = bytes.len().div_ceil(4).max(1);
    let chunks: Vec<bytes::Bytes> = (0..bytes.len())
        .step_by(chunk)
        .map(|i| bytes.slice(i..(i + chunk).min(bytes.len())))
        .collect();
    let stream = futures_util::stream::unfold(
        (chunks.into_iter(), false),
        move |(mut it, started)| async move {
            let next = it.next()?;
            if started {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            Some((Ok::<_, Infallible>(next), (it, true)))
        },
    );
    Response::from_parts(parts, Body::from_stream(stream))
}

pub async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let app = app.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let k = kill.clone();
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnKill(k.clone()));
                    let app = app.clone();
                    async move { app.oneshot(req.map(Body::new)).await }
                },
            );
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
                _ = stop.changed() => {}
            }
        });
    }
}
