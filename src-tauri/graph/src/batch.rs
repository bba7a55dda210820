//! Paced `$batch` execution: many small Graph requests, packed 20 per round trip, each sent no
//! sooner than its limits allow (see the `pacing` module), retried after its own `Retry-After`
//! (never earlier) or a capped, jittered backoff, and reported one by one — a throttled or
//! failing member never fails its neighbours or the run.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::client::{GraphClient, GraphError};
use crate::pacing::{backoff, Limit, Pacer, RouteLimits, RETRY_AFTER_MARGIN};
use crate::secret::Sensitive;
use crate::token::TokenSource;

pub use crate::pacing::MAX_BATCH;

/// Members of one batch have slots at most this far apart. At Microsoft's limits ten teams'
/// reads (installedApps at 30 rps) span a third of a second, so batches stay full; a request
/// whose slot is further out waits for a later batch.
const BATCH_WINDOW: Duration = Duration::from_millis(500);

/// How far into the queue a batch looks for requests that can go now.
const LOOKAHEAD: usize = 8 * MAX_BATCH;

/// One request inside a batch. `url` is relative to the Graph base and starts with `/`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubRequest {
    pub method: String,
    pub url: String,
    pub body: Option<Value>,
}

impl SubRequest {
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: "GET".into(),
            url: url.into(),
            body: None,
        }
    }
}

/// The final answer for one request, after retries.
#[derive(Debug, Clone, PartialEq)]
pub struct SubResponse {
    /// The HTTP status Graph gave the member; 0 when it never got an answer (network).
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Option<Value>,
    pub attempts: u32,
}

impl SubResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `error.code` of an error body.
    pub fn error_code(&self) -> Option<&str> {
        self.body
            .as_ref()
            .and_then(|b| b.pointer("/error/code"))
            .and_then(Value::as_str)
    }

    pub fn error_message(&self) -> String {
        self.body
            .as_ref()
            .and_then(|b| b.pointer("/error/message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| match self.status {
                0 => "no answer from Microsoft Graph".to_string(),
                s => format!("HTTP {s}"),
            })
    }
}

/// What one run cost, as the client saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecStats {
    pub round_trips: u64,
    pub sub_requests: u64,
    pub throttled: u64,
    pub retries: u64,
    pub gave_up: u64,
    /// Items not sent because the run was cancelled.
    pub not_sent: u64,
}

/// Runs batches of requests against one tenant. Share one [`Pacer`] per tenant + app.
#[derive(Clone)]
pub struct Executor {
    graph: GraphClient,
    pacer: Arc<Pacer>,
    limits: RouteLimits,
    /// Batches on the wire at once: enough to cover the round-trip time at full rate.
    pub max_in_flight: usize,
    /// Throttling (429/503) is waited out this many times before an item is reported failed.
    pub max_attempts: u32,
    /// Requests per `$batch` (at most [`MAX_BATCH`]). Smaller batches answer sooner, so
    /// progress and cancel follow the work item by item rather than twenty at a time.
    pub max_batch: usize,
}

struct Pending<K> {
    attempts: u32,
    limits: Vec<Limit>,
    /// The caller's name for the request, handed back with its answer.
    tag: K,
}

type BatchResult = (Vec<usize>, Result<Vec<RawSub>, GraphError>);

#[derive(Debug)]
struct RawSub {
    id: usize,
    status: u16,
    retry_after: Option<Duration>,
    request_id: Option<String>,
    body: Option<Value>,
}

impl Executor {
    pub fn new(graph: GraphClient, pacer: Arc<Pacer>, limits: RouteLimits) -> Self {
        Self {
            graph,
            pacer,
            limits,
            max_in_flight: 32,
            max_attempts: 12,
            max_batch: MAX_BATCH,
        }
    }

    /// An executor sharing the client's pacer and limits: single calls and batches to the
    /// tenant then draw from one schedule.
    pub fn for_client(graph: GraphClient) -> Self {
        let (pacer, limits) = (graph.pacer(), graph.route_limits());
        Self::new(graph, pacer, limits)
    }

    pub fn limits(&self) -> RouteLimits {
        self.limits
    }

    /// Sends every request and calls `on_done(index, response)` once per request, in the
    /// order answers arrive. On cancel, requests not yet sent are dropped (counted in
    /// `not_sent`); those on the wire are awaited so their outcome is not lost.
    pub async fn run<F>(
        &self,
        tokens: &dyn TokenSource,
        requests: &[SubRequest],
        cancel: &CancellationToken,
        on_done: F,
    ) -> ExecStats
    where
        F: FnMut(usize, SubResponse),
    {
        let (queue, incoming) = mpsc::unbounded_channel();
        for (i, r) in requests.iter().enumerate() {
            // The receiver is alive until `run_stream` returns: this cannot fail.
            let _ = queue.send((i, r.clone()));
        }
        drop(queue);
        self.run_stream(tokens, incoming, cancel, on_done).await
    }

    /// Sends requests as they arrive on `incoming` (each with a tag of the caller's, handed
    /// back with its answer) until the sender is dropped and every request is answered. A
    /// listing can feed its pages' reads while it fetches the next page, so reading starts
    /// with the first page instead of after the last. On cancel, the queue is closed: what was
    /// not sent yet — queued, or arriving later — is dropped and counted in `not_sent`; what
    /// is on the wire is awaited so its outcome is not lost.
    pub async fn run_stream<K, F>(
        &self,
        tokens: &dyn TokenSource,
        mut incoming: mpsc::UnboundedReceiver<(K, SubRequest)>,
        cancel: &CancellationToken,
        mut on_done: F,
    ) -> ExecStats
    where
        F: FnMut(K, SubResponse),
    {
        let mut stats = ExecStats::default();
        let mut requests: Vec<SubRequest> = Vec::new();
        let mut pending: HashMap<usize, Pending<K>> = HashMap::new();
        let mut ready: VecDeque<usize> = VecDeque::new();
        let mut delayed: BinaryHeap<Reverse<(Instant, usize)>> = BinaryHeap::new();
        let mut in_flight: JoinSet<BatchResult> = JoinSet::new();
        let mut open = true;
        let accept = |(tag, request): (K, SubRequest),
                      requests: &mut Vec<SubRequest>,
                      pending: &mut HashMap<usize, Pending<K>>,
                      ready: &mut VecDeque<usize>| {
            let id = requests.len();
            pending.insert(
                id,
                Pending {
                    attempts: 0,
                    limits: self.limits.limits_for(&request.method, &request.url),
                    tag,
                },
            );
            requests.push(request);
            ready.push_back(id);
        };

        loop {
            while open {
                match incoming.try_recv() {
                    Ok(item) => accept(item, &mut requests, &mut pending, &mut ready),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => open = false,
                }
            }
            let now = Instant::now();
            while let Some(Reverse((at, _))) = delayed.peek() {
                if *at > now {
                    break;
                }
                if let Some(Reverse((_, i))) = delayed.pop() {
                    ready.push_back(i);
                }
            }
            if cancel.is_cancelled() {
                if open {
                    // Whatever the producer still sends is refused; what it already queued
                    // is drained and counted below.
                    incoming.close();
                    while incoming.try_recv().is_ok() {
                        stats.not_sent += 1;
                    }
                    open = false;
                }
                stats.not_sent += (ready.len() + delayed.len()) as u64;
                for i in ready
                    .drain(..)
                    .chain(delayed.drain().map(|Reverse((_, i))| i))
                {
                    pending.remove(&i);
                }
            }
            if !ready.is_empty() && in_flight.len() < self.max_in_flight {
                // After a 429 on a whole `$batch`, no batch goes before its Retry-After.
                if let Some(until) = self.pacer.held_until(&[whole_batch()]) {
                    loop {
                        tokio::select! {
                            _ = tokio::time::sleep_until(until) => break,
                            _ = cancel.cancelled(), if !cancel.is_cancelled() => break,
                            Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                                self.settle(joined, &mut pending, &mut delayed, &mut stats, &mut on_done);
                            }
                        }
                    }
                    continue;
                }
                let (batch, send_at) = self.take_batch(now, &mut ready, &pending);
                // Wait for the batch's slot, still collecting answers meanwhile.
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep_until(send_at) => break,
                        _ = cancel.cancelled(), if !cancel.is_cancelled() => break,
                        Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                            self.settle(joined, &mut pending, &mut delayed, &mut stats, &mut on_done);
                        }
                    }
                }
                // A whole-request 429 that arrived while this batch waited holds its limits:
                // the batch goes back and is re-formed after the hold, never sent early.
                let mut all_limits: Vec<Limit> = batch
                    .iter()
                    .filter_map(|i| pending.get(i))
                    .flat_map(|p| p.limits.iter().cloned())
                    .collect();
                all_limits.push(whole_batch());
                if let Some(until) = self.pacer.held_until(&all_limits) {
                    if !cancel.is_cancelled() {
                        for i in batch {
                            delayed.push(Reverse((until, i)));
                        }
                        continue;
                    }
                }
                if cancel.is_cancelled() {
                    stats.not_sent += batch.len() as u64;
                    for i in &batch {
                        pending.remove(i);
                    }
                    continue;
                }
                let token = match tokens.token().await {
                    Ok(token) => token,
                    Err(err) => {
                        // No token, no request: report each item, nothing is retried blindly.
                        for i in batch {
                            let Some(p) = pending.remove(&i) else {
                                continue;
                            };
                            stats.gave_up += 1;
                            on_done(
                                p.tag,
                                SubResponse {
                                    status: 401,
                                    request_id: None,
                                    body: Some(json!({"error": {
                                        "code": "NoToken",
                                        "message": err.message,
                                        "retryable": err.retryable,
                                    }})),
                                    attempts: 0,
                                },
                            );
                        }
                        continue;
                    }
                };
                stats.round_trips += 1;
                stats.sub_requests += batch.len() as u64;
                let body = batch_body(&batch, &requests);
                let graph = self.graph.clone();
                in_flight.spawn(async move {
                    let result = send_batch(&graph, &token, &body).await;
                    (batch, result)
                });
                continue;
            }
            if !open && ready.is_empty() && delayed.is_empty() && in_flight.is_empty() {
                break;
            }
            let next_due = delayed.peek().map(|Reverse((at, _))| *at);
            tokio::select! {
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                    self.settle(joined, &mut pending, &mut delayed, &mut stats, &mut on_done);
                }
                _ = sleep_until_opt(next_due), if next_due.is_some() && in_flight.len() < self.max_in_flight => {}
                item = incoming.recv(), if open => match item {
                    Some(item) => accept(item, &mut requests, &mut pending, &mut ready),
                    None => open = false,
                },
                _ = cancel.cancelled(), if !cancel.is_cancelled() => {}
            }
        }
        stats
    }

    /// Packs the next batch: requests near the front of the queue whose slots fall within
    /// [`BATCH_WINDOW`] (a request that must wait longer — its team's allowance is spent, its
    /// limit is held — stays queued for a later batch instead of holding this one). Answers
    /// the members and when to send them (the latest member's slot).
    fn take_batch<K>(
        &self,
        now: Instant,
        ready: &mut VecDeque<usize>,
        pending: &HashMap<usize, Pending<K>>,
    ) -> (Vec<usize>, Instant) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut taken = Vec::with_capacity(MAX_BATCH);
        let mut cap = self.max_batch.clamp(1, MAX_BATCH);
        let mut send_at = now;
        let mut horizon = now + BATCH_WINDOW;
        let mut position = 0;
        while position < ready.len().min(LOOKAHEAD) && batch.len() < cap {
            let i = ready[position];
            let Some(p) = pending.get(&i) else {
                // Already settled (should not happen): drop it from the queue.
                taken.push(position);
                position += 1;
                continue;
            };
            let size = self.limits.batch_size_for(&p.limits);
            if batch.len() >= size {
                break;
            }
            if let Some(slot) = self.pacer.try_reserve(&p.limits, horizon) {
                cap = cap.min(size);
                send_at = send_at.max(slot);
                batch.push(i);
                taken.push(position);
            }
            position += 1;
        }
        if batch.is_empty() {
            // Nothing near the front can go soon: the first request waits for its slot and
            // the batch is filled around it.
            if let Some(i) = ready.front().copied() {
                taken.push(0);
                if let Some(p) = pending.get(&i) {
                    let slot = self.pacer.reserve(&p.limits);
                    cap = self
                        .limits
                        .batch_size_for(&p.limits)
                        .min(self.max_batch.clamp(1, MAX_BATCH));
                    send_at = send_at.max(slot);
                    horizon = slot + BATCH_WINDOW;
                    batch.push(i);
                }
                let mut position = 1;
                while position < ready.len().min(LOOKAHEAD) && batch.len() < cap {
                    let i = ready[position];
                    if let Some(p) = pending.get(&i) {
                        let size = self.limits.batch_size_for(&p.limits);
                        if batch.len() >= size {
                            break;
                        }
                        if let Some(slot) = self.pacer.try_reserve(&p.limits, horizon) {
                            cap = cap.min(size);
                            send_at = send_at.max(slot);
                            batch.push(i);
                            taken.push(position);
                        }
                    }
                    position += 1;
                }
            }
        }
        taken.sort_unstable();
        for position in taken.into_iter().rev() {
            ready.remove(position);
        }
        (batch, send_at)
    }

    #[allow(clippy::too_many_arguments)]
    fn settle<K, F: FnMut(K, SubResponse)>(
        &self,
        joined: Result<BatchResult, tokio::task::JoinError>,
        pending: &mut HashMap<usize, Pending<K>>,
        delayed: &mut BinaryHeap<Reverse<(Instant, usize)>>,
        stats: &mut ExecStats,
        on_done: &mut F,
    ) {
        let Ok((batch, result)) = joined else {
            // The task panicked or was aborted: nothing to learn; the run's caller sees the
            // items as never answered (they stay pending in its journal).
            return;
        };
        let now = Instant::now();
        let answers = match result {
            Ok(answers) => answers,
            Err(err) => {
                let (status, wait) = match &err {
                    GraphError::Http {
                        status,
                        retry_after,
                        ..
                    } => (*status, *retry_after),
                    _ => (0, None),
                };
                tracing::debug!(%err, "a $batch request failed as a whole; its members are retried");
                if let Some(wait) = wait {
                    // The whole request was refused: everything it drew from is held for the
                    // whole Retry-After (other batches to the same routes and teams included).
                    let until = now + wait + RETRY_AFTER_MARGIN;
                    self.pacer.hold(&[whole_batch()], until);
                    for id in &batch {
                        if let Some(p) = pending.get(id) {
                            self.pacer.hold(&p.limits, until);
                        }
                    }
                }
                batch
                    .iter()
                    .map(|&id| RawSub {
                        id,
                        status,
                        retry_after: wait,
                        request_id: None,
                        body: Some(
                            json!({"error": {"code": "BatchFailed", "message": err.to_string()}}),
                        ),
                    })
                    .collect()
            }
        };
        let mut answered: Vec<usize> = Vec::with_capacity(batch.len());
        for sub in answers {
            if !batch.contains(&sub.id) || answered.contains(&sub.id) {
                continue;
            }
            answered.push(sub.id);
            self.answer(sub, now, pending, delayed, stats, on_done);
        }
        // Graph must answer every member; if one is missing, ask again later.
        for id in batch.into_iter().filter(|id| !answered.contains(id)) {
            self.answer(
                RawSub {
                    id,
                    status: 0,
                    retry_after: None,
                    request_id: None,
                    body: None,
                },
                now,
                pending,
                delayed,
                stats,
                on_done,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn answer<K, F: FnMut(K, SubResponse)>(
        &self,
        sub: RawSub,
        now: Instant,
        pending: &mut HashMap<usize, Pending<K>>,
        delayed: &mut BinaryHeap<Reverse<(Instant, usize)>>,
        stats: &mut ExecStats,
        on_done: &mut F,
    ) {
        let Some(p) = pending.get_mut(&sub.id) else {
            return;
        };
        p.attempts += 1;
        let throttled = sub.status == 429;
        if throttled {
            stats.throttled += 1;
        }
        let retry_after = sub.retry_after;
        self.pacer.observe(&p.limits, throttled, retry_after);
        let transient = matches!(sub.status, 0 | 424 | 429 | 500 | 502 | 503 | 504);
        if transient && p.attempts < self.max_attempts {
            let wait = match retry_after {
                Some(w) => w + RETRY_AFTER_MARGIN,
                None => backoff(p.attempts - 1),
            };
            stats.retries += 1;
            delayed.push(Reverse((now + wait, sub.id)));
            return;
        }
        let attempts = p.attempts;
        let Some(p) = pending.remove(&sub.id) else {
            return;
        };
        if transient {
            stats.gave_up += 1;
        }
        on_done(
            p.tag,
            SubResponse {
                status: sub.status,
                request_id: sub.request_id,
                body: sub.body,
                attempts,
            },
        );
    }
}

/// The `$batch` request itself: held after a 429 on a whole batch (Graph refused the request
/// as a whole, so no batch goes until its Retry-After is over).
fn whole_batch() -> Limit {
    Limit {
        key: "request:POST $batch".into(),
        rps: 0.0,
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn batch_body(batch: &[usize], requests: &[SubRequest]) -> Value {
    let members: Vec<Value> = batch
        .iter()
        .filter_map(|&i| requests.get(i).map(|r| (i, r)))
        .map(|(i, r)| {
            let mut member = json!({"id": i.to_string(), "method": r.method, "url": r.url});
            if let Some(body) = &r.body {
                member["body"] = body.clone();
                member["headers"] = json!({"Content-Type": "application/json"});
            }
            member
        })
        .collect();
    json!({ "requests": members })
}

async fn send_batch(
    graph: &GraphClient,
    token: &Sensitive<String>,
    body: &Value,
) -> Result<Vec<RawSub>, GraphError> {
    let response = graph
        .send_json_once(token, reqwest::Method::POST, "/$batch", Some(body))
        .await?;
    let responses = response
        .body
        .as_ref()
        .and_then(|b| b.get("responses"))
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::Protocol("a $batch answer without `responses`".into()))?;
    Ok(responses.iter().filter_map(parse_member).collect())
}

fn parse_member(member: &Value) -> Option<RawSub> {
    let id = match member.get("id")? {
        Value::String(s) => s.parse().ok()?,
        Value::Number(n) => usize::try_from(n.as_u64()?).ok()?,
        _ => return None,
    };
    let status = u16::try_from(member.get("status")?.as_u64()?).ok()?;
    let header = |name: &str| -> Option<String> {
        member
            .get("headers")?
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    };
    Some(RawSub {
        id,
        status,
        retry_after: crate::client::retry_after(header),
        request_id: header("request-id"),
        body: member.get("body").cloned(),
    })
}

/// Percent-encodes what a URL inside a `$batch` body must not carry raw (spaces in `$filter`).
pub fn encode_query_value(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('#', "%23")
        .replace('&', "%26")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_read_whatever_the_header_case() {
        let sub = parse_member(&json!({
            "id": "7", "status": 429,
            "headers": {"Retry-After": "3", "request-id": "r-1"},
            "body": {"error": {"code": "TooManyRequests"}}
        }))
        .expect("member");
        assert_eq!(
            (sub.id, sub.status, sub.retry_after),
            (7, 429, Some(Duration::from_secs(3)))
        );
        assert_eq!(sub.request_id.as_deref(), Some("r-1"));
        let exact = parse_member(&json!({
            "id": "8", "status": 503,
            "headers": {"retry-after": "1", "X-MS-Retry-After-MS": 120},
        }))
        .expect("member");
        assert_eq!(exact.retry_after, Some(Duration::from_millis(120)));
        let garbled = parse_member(&json!({
            "id": "9", "status": 429, "headers": {"Retry-After": "later"},
        }))
        .expect("member");
        assert_eq!(garbled.retry_after, None);
        assert!(parse_member(&json!({"id": "x", "status": 200})).is_none());
    }

    #[test]
    fn batch_bodies_carry_unique_ids_and_json_headers_for_bodies() {
        let requests = vec![
            SubRequest::get("/teams/a/installedApps"),
            SubRequest {
                method: "POST".into(),
                url: "/teams/b/installedApps".into(),
                body: Some(json!({"x": 1})),
            },
        ];
        let body = batch_body(&[0, 1], &requests);
        let members = body["requests"].as_array().expect("array");
        assert_eq!(members[0]["id"], "0");
        assert_eq!(members[1]["headers"]["Content-Type"], "application/json");
        assert!(members[0].get("body").is_none());
    }
}
