//! A small Microsoft Graph client: typed errors, injectable base URL, paging.
//!
//! Hand-written on purpose: the Graph SDKs for Rust are either unmaintained or generated for the
//! whole API surface, while BotDeck needs a dozen endpoints, exact control of `$batch`, pacing
//! and `Retry-After`, and a base URL that points at tenant-sim in tests and the demo.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::secrets::Sensitive;

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
}

impl GraphClient {
    /// `base_url` like `https://graph.microsoft.com/v1.0`, no trailing slash.
    pub fn new(http: reqwest::Client, base_url: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Relative paths are joined to the base; absolute ones (`@odata.nextLink`) must live
    /// under it, so a forged link can never make BotDeck send its token elsewhere.
    fn resolve(&self, path_or_url: &str) -> Result<String, GraphError> {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            if path_or_url.starts_with(&format!("{}/", self.base_url)) {
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

    pub async fn get_json(
        &self,
        token: &Sensitive<String>,
        path: &str,
    ) -> Result<Value, GraphError> {
        let url = self.resolve(path)?;
        let response = self
            .http
            .get(&url)
            .bearer_auth(token.expose())
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .send()
            .await
            .map_err(|e| offline(&url, e))?;
        read_json(&url, response).await
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
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(token.expose())
            .header("client-request-id", uuid::Uuid::new_v4().to_string());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| offline(&url, e))?;
        read_response(&url, response).await
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
        let response = self
            .http
            .request(method, &url)
            .bearer_auth(token.expose())
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes)
            .send()
            .await
            .map_err(|e| offline(&url, e))?;
        read_response(&url, response).await
    }

    /// A directory query that needs Graph's advanced query parameters (an OData cast, `$count`,
    /// `$search`): sends `ConsistencyLevel: eventual` on every page and follows `@odata.nextLink`.
    pub async fn get_all_eventual(
        &self,
        token: &Sensitive<String>,
        path: &str,
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
            let response = self
                .http
                .get(&url)
                .bearer_auth(token.expose())
                .header("client-request-id", uuid::Uuid::new_v4().to_string())
                .header("ConsistencyLevel", "eventual")
                .send()
                .await
                .map_err(|e| offline(&url, e))?;
            let page = read_json(&url, response).await?;
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

    /// Follows `@odata.nextLink` to the end; empty pages in between are normal.
    pub async fn get_all(
        &self,
        token: &Sensitive<String>,
        path: &str,
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
            let page = self.get_json(token, &link).await?;
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

fn offline(url: &str, err: reqwest::Error) -> GraphError {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    GraphError::Offline {
        host,
        reason: err.without_url().to_string(),
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

async fn read_json(url: &str, response: reqwest::Response) -> Result<Value, GraphError> {
    read_response(url, response)
        .await?
        .body
        .ok_or_else(|| GraphError::Protocol(format!("{url}: the response is not JSON")))
}

async fn read_response(
    url: &str,
    response: reqwest::Response,
) -> Result<GraphResponse, GraphError> {
    let status = response.status();
    let headers = response.headers().clone();
    let request_id = headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let retry_after = retry_after(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let bytes = response.bytes().await.map_err(|e| offline(url, e))?;
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    // Graph documents error bodies that arrive with a 2xx status: the body decides.
    let error = body
        .as_ref()
        .and_then(|b| b.get("error"))
        .filter(|e| e.is_object());
    if status.is_success() && error.is_none() {
        if body.is_none() && !bytes.is_empty() {
            return Err(GraphError::Protocol(format!(
                "{url}: the response is not JSON"
            )));
        }
        return Ok(GraphResponse {
            status: status.as_u16(),
            request_id,
            body,
        });
    }
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("no error message")
        .to_string();
    Err(GraphError::Http {
        status: status.as_u16(),
        code,
        message,
        request_id,
        retry_after,
    })
}

/// Longest wait BotDeck accepts from a server; anything above is treated as this (a typo or a
/// hostile value must not park a bulk run for days).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How long the server asked us to wait, from a response's headers (`header` looks one up,
/// case-insensitively). Graph sends `Retry-After` as whole seconds; Azure front ends also send
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
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
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
    fn unreadable_or_absurd_retry_after_is_ignored_or_capped() {
        assert_eq!(retry_after(headers(&[])), None);
        for bad in ["soon", "-3", "1.5", "", "Tue, 99 Foo 2026"] {
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
        for evil in [
            "https://evil.example/v1.0/users",
            "https://graph.microsoft.com.evil.example/v1.0/users",
            "https://graph.microsoft.com/v1.0evil/users",
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
    /// Sends one request and answers whatever came back; only transport failures are `Err`.
    pub async fn send_raw(
        &self,
        token: &Sensitive<String>,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<RawResponse, GraphError> {
        let url = self.resolve(path)?;
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(token.expose())
            .header("client-request-id", uuid::Uuid::new_v4().to_string());
        if let Some((content_type, bytes)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        let response = request.send().await.map_err(|e| offline(&url, e))?;
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
        let bytes = response.bytes().await.map_err(|e| offline(&url, e))?;
        Ok(RawResponse {
            status,
            request_id,
            retry_after,
            body: serde_json::from_slice(&bytes).ok(),
        })
    }
}
