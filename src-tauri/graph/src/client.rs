//! A small Microsoft Graph client: typed errors, injectable base URL, paging.
//!
//! Hand-written on purpose: the Graph SDKs for Rust are either unmaintained or generated for the
//! whole API surface, while BotDeck needs a dozen endpoints, exact control of `$batch`, pacing
//! and `Retry-After`, and a base URL that points at tenant-sim in tests and the demo.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::pacing::{backoff, Pacer, RouteLimits, RETRY_AFTER_MARGIN};
use crate::secret::Sensitive;

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("Microsoft Graph answered {status} {code}: {message}{}", request_id.as_deref().map(|r| format!(" (request-id {r})")).unwrap_or_default())]
    Http {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    },
    #[error("cannot reach Microsoft Graph at {host}: {reason}")]
    Offline { host: String, reason: String },
    #[error("unexpected answer from Microsoft Graph: {0}")]
    Protocol(String),
    #[error("refusing to send the token to {0}: it is not the profile's Graph endpoint")]
    ForeignUrl(String),
}

impl GraphError {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: String,
    /// `scheme://host:port` of the base: next links must stay on it.
    origin: Option<String>,
    pacer: Arc<Pacer>,
    limits: RouteLimits,
    /// False only for benches that measure what an unpaced client does.
    paced: bool,
    timeout: Duration,
}

/// How long one request may take before it is given up (and, if it is safe to, retried).
/// Graph answers within seconds; a minute of silence is a network problem, not a slow answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Overrides [`REQUEST_TIMEOUT`] in seconds (decimals allowed, up to 600): for a network known
/// to be slow, and for tests that hang a route without waiting a minute per attempt.
pub const ENV_REQUEST_TIMEOUT: &str = "BOTDECK_GRAPH_TIMEOUT_SECS";

/// The per-request timeout new clients start with: [`ENV_REQUEST_TIMEOUT`] when it holds a
/// usable number of seconds, otherwise [`REQUEST_TIMEOUT`].
pub fn request_timeout() -> Duration {
    let Some(raw) = std::env::var_os(ENV_REQUEST_TIMEOUT) else {
        return REQUEST_TIMEOUT;
    };
    match raw.to_str().map(str::trim).map(str::parse::<f64>) {
        Some(Ok(secs)) if secs.is_finite() && secs > 0.0 && secs <= 600.0 => {
            Duration::from_secs_f64(secs)
        }
        _ => {
            tracing::warn!(
                value = ?raw,
                "{ENV_REQUEST_TIMEOUT} is not a number of seconds between 0 and 600; using {} s",
                REQUEST_TIMEOUT.as_secs()
            );
            REQUEST_TIMEOUT
        }
    }
}

/// A single call is sent at most this many times while Graph says "later" (429/503/504).
pub const MAX_ATTEMPTS: u32 = 6;

/// A body to send: JSON, or bytes with their content type.
#[derive(Clone, Copy)]
enum Body<'a> {
    None,
    Json(&'a Value),
    Bytes(&'a str, &'a [u8]),
}

/// One answer as it came off the wire.
struct Answer {
    status: u16,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    body: Option<Value>,
    /// Non-empty bytes that were not JSON.
    not_json: bool,
}

impl GraphClient {
    /// `base_url` like `https://graph.microsoft.com/v1.0`, no trailing slash. Calls are paced
    /// to Microsoft's documented limits by a pacer of their own; [`Self::with_pacing`] shares
    /// one with the batch executor.
    pub fn new(http: reqwest::Client, base_url: &str) -> Self {
        let base_url = base_url.trim_end_matches('/').to_string();
        let origin = url::Url::parse(&base_url)
            .ok()
            .filter(|u| u.has_host())
            .map(|u| u.origin().ascii_serialization());
        Self {
            http,
            base_url,
            origin,
            pacer: Arc::new(Pacer::new()),
            limits: RouteLimits::microsoft(),
            paced: true,
            timeout: request_timeout(),
        }
    }

    /// Shares `pacer` (one per tenant and app registration) at `limits`.
    pub fn with_pacing(mut self, pacer: Arc<Pacer>, limits: RouteLimits) -> Self {
        self.pacer = pacer;
        self.limits = limits;
        self.paced = true;
        self
    }

    /// Sends each call once, unpaced (benches measuring what naive clients do).
    pub fn unpaced(mut self) -> Self {
        self.paced = false;
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn pacer(&self) -> Arc<Pacer> {
        self.pacer.clone()
    }

    pub fn route_limits(&self) -> RouteLimits {
        self.limits
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Relative paths are joined to the base; absolute ones (`@odata.nextLink`) must have the
    /// base's origin (scheme, host and port: a v1.0 call paged to `/beta` on the same host is
    /// still Graph), so a forged link can never make BotDeck send its token elsewhere.
    fn resolve(&self, path_or_url: &str) -> Result<String, GraphError> {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            let same_origin = url::Url::parse(path_or_url)
                .ok()
                .filter(|u| u.username().is_empty() && u.password().is_none())
                .map(|u| u.origin().ascii_serialization())
                .is_some_and(|o| self.origin.as_deref() == Some(o.as_str()));
            if same_origin {
                Ok(path_or_url.to_string())
            } else {
                Err(GraphError::ForeignUrl(path_or_url.to_string()))
            }
        } else {
            Ok(format!(
                "{}/{}",
                self.base_url,
                path_or_url.trim_start_matches('/')
            ))
        }
    }

    /// The path the pacer classifies: the resolved URL without origin and version segment.
    fn pacing_path(url: &str) -> String {
        let path = url::Url::parse(url)
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        let mut segs = path.split('/').filter(|s| !s.is_empty());
        segs.next(); // v1.0 / beta
        let rest: Vec<&str> = segs.collect();
        format!("/{}", rest.join("/"))
    }

    /// Sends once, bounded by the request timeout; only transport failures are `Err`.
    async fn send_once(
        &self,
        token: &Sensitive<String>,
        method: &reqwest::Method,
        url: &str,
        body: Body<'_>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, GraphError> {
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(token.expose())
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .timeout(self.timeout);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        match body {
            Body::None => {}
            Body::Json(value) => request = request.json(value),
            Body::Bytes(content_type, bytes) => {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes.to_vec())
            }
        }
        let response = request
            .send()
            .await
            .map_err(|e| offline(url, e, self.timeout))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("request-id");
        let retry_after = retry_after(header);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| offline(url, e, self.timeout))?;
        let body: Option<Value> = serde_json::from_slice(&bytes).ok();
        Ok(Answer {
            status,
            request_id,
            retry_after,
            not_json: body.is_none() && !bytes.is_empty(),
            body,
        })
    }

    /// One call under the policy every call follows: paced to the limits it draws from, and
    /// while Graph says "later" (429, 503) sent again after its `Retry-After` (never sooner) or
    /// a capped backoff, at most [`MAX_ATTEMPTS`] times. Reads are also retried after 500, 502,
    /// 504 and lost connections; writes are not (they may have been applied).
    async fn call(
        &self,
        token: &Sensitive<String>,
        method: reqwest::Method,
        path: &str,
        body: Body<'_>,
    ) -> Result<Answer, GraphError> {
        self.call_with_headers(token, method, path, body, &[]).await
    }

    async fn call_with_headers(
        &self,
        token: &Sensitive<String>,
        method: reqwest::Method,
        path: &str,
        body: Body<'_>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, GraphError> {
        let url = self.resolve(path)?;
        if !self.paced {
            return self.send_once(token, &method, &url, body, headers).await;
        }
        let limits = self
            .limits
            .limits_for(method.as_str(), &Self::pacing_path(&url));
        let idempotent = method == reqwest::Method::GET;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            tokio::time::sleep_until(self.pacer.reserve(&limits)).await;
            let result = self.send_once(token, &method, &url, body, headers).await;
            let wait = match &result {
                Ok(a) if a.status == 429 || a.status == 503 => {
                    self.pacer.observe(&limits, a.status == 429, a.retry_after);
                    if let Some(wait) = a.retry_after {
                        // Never early: nothing on these limits goes before the wait is over.
                        self.pacer.hold(
                            &limits,
                            tokio::time::Instant::now() + wait + RETRY_AFTER_MARGIN,
                        );
                    }
                    a.retry_after
                        .map(|w| w + RETRY_AFTER_MARGIN)
                        .unwrap_or_else(|| backoff(attempt - 1))
                }
                Ok(a) if idempotent && matches!(a.status, 500 | 502 | 504) => a
                    .retry_after
                    .map(|w| w + RETRY_AFTER_MARGIN)
                    .unwrap_or_else(|| backoff(attempt - 1)),
                Ok(_) => {
                    self.pacer.observe(&limits, false, None);
                    return result;
                }
                Err(GraphError::Offline { .. }) if idempotent => backoff(attempt - 1),
                Err(_) => return result,
            };
            if attempt >= MAX_ATTEMPTS {
                return result;
            }
            tracing::debug!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                "Graph asked to wait; sending again"
            );
            tokio::time::sleep(wait).await;
        }
    }

    pub async fn get_json(
        &self,
        token: &Sensitive<String>,
        path: &str,
    ) -> Result<Value, GraphError> {
        let url = self.resolve(path)?;
        let answer = self
            .call(token, reqwest::Method::GET, path, Body::None)
            .await?;
        into_result(&url, answer)?
            .body
            .ok_or_else(|| GraphError::Protocol(format!("{url}: the response is not JSON")))
    }

    /// Any method, optional JSON body; answers the status, Graph's `request-id` and the JSON
    /// body if there is one (204s have none). Error statuses and error bodies become `Err`.
    pub async fn send_json(
        &self,
        token: &Sensitive<String>,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<GraphResponse, GraphError> {
        let url = self.resolve(path)?;
        let body = body.map(Body::Json).unwrap_or(Body::None);
        into_result(&url, self.call(token, method, path, body).await?)
    }

    /// Sends exactly once, unpaced and without retries: `$batch`, whose members the batch
    /// executor paces and retries one by one.
    pub(crate) async fn send_json_once(
        &self,
        token: &Sensitive<String>,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<GraphResponse, GraphError> {
        let url = self.resolve(path)?;
        let body = body.map(Body::Json).unwrap_or(Body::None);
        into_result(&url, self.send_once(token, &method, &url, body, &[]).await?)
    }

    /// Uploads bytes (an app package zip) with the given content type.
    pub async fn send_bytes(
        &self,
        token: &Sensitive<String>,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<GraphResponse, GraphError> {
        let url = self.resolve(path)?;
        let answer = self
            .call(token, method, path, Body::Bytes(content_type, &bytes))
            .await?;
        into_result(&url, answer)
    }

    /// A directory query that needs Graph's advanced query parameters (an OData cast, `$count`,
    /// `$search`): sends `ConsistencyLevel: eventual` on every page and follows `@odata.nextLink`.
    pub async fn get_all_eventual(
        &self,
        token: &Sensitive<String>,
        path: &str,
    ) -> Result<Vec<Value>, GraphError> {
        self.get_all_with(token, path, &[("ConsistencyLevel", "eventual")])
            .await
    }

    /// Follows `@odata.nextLink` to the end; empty pages in between are normal.
    pub async fn get_all(
        &self,
        token: &Sensitive<String>,
        path: &str,
    ) -> Result<Vec<Value>, GraphError> {
        self.get_all_with(token, path, &[]).await
    }

    async fn get_all_with(
        &self,
        token: &Sensitive<String>,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Vec<Value>, GraphError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        let mut pages = 0u32;
        while let Some(link) = next.take() {
            pages += 1;
            if pages > 10_000 {
                return Err(GraphError::Protocol(
                    "more than 10 000 pages; stopping".into(),
                ));
            }
            let url = self.resolve(&link)?;
            let answer = self
                .call_with_headers(token, reqwest::Method::GET, &link, Body::None, headers)
                .await?;
            let page = into_result(&url, answer)?
                .body
                .ok_or_else(|| GraphError::Protocol(format!("{url}: the response is not JSON")))?;
            match page.get("value") {
                Some(Value::Array(values)) => items.extend(values.iter().cloned()),
                _ => {
                    return Err(GraphError::Protocol(format!(
                        "{link}: a collection without `value`"
                    )))
                }
            }
            next = page
                .get("@odata.nextLink")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        Ok(items)
    }
}

fn offline(url: &str, err: reqwest::Error, timeout: Duration) -> GraphError {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let reason = if err.is_timeout() {
        format!(
            "no answer within {}. Check the network connection, any proxy or VPN, and that {host} is reachable from this computer",
            seconds(timeout)
        )
    } else {
        err.without_url().to_string()
    };
    GraphError::Offline { host, reason }
}

/// "60 s", "0.5 s": whole seconds without decimals.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A successful Graph answer.
#[derive(Debug, Clone)]
pub struct GraphResponse {
    pub status: u16,
    pub request_id: Option<String>,
    /// `None` for empty bodies (204 No Content).
    pub body: Option<Value>,
}

/// A Graph answer as `Ok` (success) or the typed error its status and body say.
fn into_result(url: &str, answer: Answer) -> Result<GraphResponse, GraphError> {
    let status = answer.status;
    // Graph documents error bodies that arrive with a 2xx status: the body decides.
    let error = answer
        .body
        .as_ref()
        .and_then(|b| b.get("error"))
        .filter(|e| e.is_object());
    if (200..300).contains(&status) && error.is_none() {
        if answer.not_json {
            return Err(GraphError::Protocol(format!(
                "{url}: the response is not JSON"
            )));
        }
        return Ok(GraphResponse {
            status,
            request_id: answer.request_id,
            body: answer.body,
        });
    }
    let text = |key: &str, default: &str| {
        error
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    Err(GraphError::Http {
        status,
        code: text("code", "unknown"),
        message: text("message", "no error message"),
        request_id: answer.request_id,
        retry_after: answer.retry_after,
    })
}

/// Longest wait BotDeck accepts from a server; anything above is treated as this (a typo or a
/// hostile value must not park a bulk run for days).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How long the server asked us to wait, from a response's headers (`header` looks one up,
/// case-insensitively). Graph sends `Retry-After` in seconds, whole or with decimals (its
/// throttling guidance shows `Retry-After: 2.128`); Azure front ends also send
/// `retry-after-ms` / `x-ms-retry-after-ms` when they mean less than a second, and those are
/// preferred because they are exact. An HTTP-date `Retry-After` counts from now. Unreadable
/// values are ignored (the caller falls back to its own backoff), never guessed.
pub fn retry_after(header: impl Fn(&str) -> Option<String>) -> Option<Duration> {
    let millis = ["retry-after-ms", "x-ms-retry-after-ms"]
        .iter()
        .filter_map(|name| header(name))
        .find_map(|v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|ms| ms.is_finite() && *ms >= 0.0)
        })
        .map(|ms| Duration::from_secs_f64((ms / 1000.0).min(MAX_RETRY_AFTER.as_secs_f64())));
    if millis.is_some() {
        return millis;
    }
    let value = header("retry-after")?;
    let value = value.trim();
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        let secs = value.parse::<f64>().ok().filter(|s| s.is_finite())?;
        return Some(Duration::from_secs_f64(
            secs.min(MAX_RETRY_AFTER.as_secs_f64()),
        ));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn retry_after_reads_seconds_dates_and_exact_milliseconds() {
        assert_eq!(
            retry_after(headers(&[("Retry-After", "7")])),
            Some(Duration::from_secs(7))
        );
        // The exact form wins over the rounded one.
        assert_eq!(
            retry_after(headers(&[
                ("Retry-After", "1"),
                ("x-ms-retry-after-ms", "120")
            ])),
            Some(Duration::from_millis(120))
        );
        assert_eq!(
            retry_after(headers(&[("retry-after-ms", "2.5")])),
            Some(Duration::from_micros(2500))
        );
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(headers(&[("Retry-After", &soon)])).expect("date");
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
        assert_eq!(
            retry_after(headers(&[("Retry-After", &past)])),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_with_decimals_is_read_as_microsoft_documents_it() {
        assert_eq!(
            retry_after(headers(&[("Retry-After", "2.128")])),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(
            retry_after(headers(&[("Retry-After", " 1.5 ")])),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(headers(&[("Retry-After", "0.25")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(headers(&[("Retry-After", "99999999.5")])),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn unreadable_or_absurd_retry_after_is_ignored_or_capped() {
        assert_eq!(retry_after(headers(&[])), None);
        for bad in ["soon", "-3", "", "1.5.2", "NaN", "Tue, 99 Foo 2026"] {
            assert_eq!(retry_after(headers(&[("Retry-After", bad)])), None, "{bad}");
        }
        // A broken exact header falls back to the whole-second one.
        assert_eq!(
            retry_after(headers(&[("retry-after-ms", "NaN"), ("Retry-After", "2")])),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(headers(&[
                ("x-ms-retry-after-ms", "-5"),
                ("Retry-After", "2")
            ])),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(headers(&[("Retry-After", "99999999999")])),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            retry_after(headers(&[("retry-after-ms", "1e300")])),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn next_links_to_other_hosts_are_refused() {
        let client = GraphClient::new(reqwest::Client::new(), "https://graph.microsoft.com/v1.0/");
        assert_eq!(
            client.resolve("/me").ok().as_deref(),
            Some("https://graph.microsoft.com/v1.0/me")
        );
        assert!(client
            .resolve("https://graph.microsoft.com/v1.0/users?$skiptoken=x")
            .is_ok());
        // Paged from v1.0 to beta on the same host: still Graph.
        assert!(client
            .resolve("https://graph.microsoft.com/beta/users?$skiptoken=x")
            .is_ok());
        assert!(client
            .resolve("https://GRAPH.microsoft.com:443/beta/users")
            .is_ok());
        for evil in [
            "http://graph.microsoft.com/v1.0/users",
            "https://graph.microsoft.com:8443/v1.0/users",
            "https://user@graph.microsoft.com/v1.0/users",
            "https://evil.example/v1.0/users",
            "https://graph.microsoft.com.evil.example/v1.0/users",
        ] {
            assert!(
                matches!(client.resolve(evil), Err(GraphError::ForeignUrl(_))),
                "{evil}"
            );
        }
    }
}

/// A Graph answer whatever its status: what `$batch`, pacing and the catalog's manifest-error
/// findings need to see (the `Err` of [`GraphClient::send_json`] keeps only code and message).
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    /// The JSON body, if the answer had one.
    pub body: Option<Value>,
}

impl GraphClient {
    /// Sends one request under the client's policy (paced, retried while Graph says "later")
    /// and answers whatever came back last; only transport failures are `Err`.
    pub async fn send_raw(
        &self,
        token: &Sensitive<String>,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<RawResponse, GraphError> {
        let body = match &body {
            Some((content_type, bytes)) => Body::Bytes(content_type, bytes),
            None => Body::None,
        };
        let answer = self.call(token, method, path, body).await?;
        Ok(RawResponse {
            status: answer.status,
            request_id: answer.request_id,
            retry_after: answer.retry_after,
            body: answer.body,
        })
    }
}
