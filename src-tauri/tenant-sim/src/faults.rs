//! Seeded fault injection per route pattern.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One fault rule. `route` is matched against the request path (e.g.
/// `/v1.0/teams/*/installedApps`): `*` matches one segment, `**` any rest, and a bare
/// `*` matches every path. The first matching rule applies.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FaultRule {
    pub route: String,
    /// Only this HTTP method (any when `None`).
    pub method: Option<String>,
    pub rate_429: f64,
    pub rate_500: f64,
    pub rate_502: f64,
    pub rate_503: f64,
    pub rate_504: f64,
    /// `Retry-After` seconds on injected 429/503 (1 when 0); decimals are sent as such
    /// (`1.5` → `Retry-After: 1.5`), as Graph documents.
    pub retry_after_secs: f64,
    pub latency_ms: u64,
    pub jitter_ms: u64,
    /// Chance of closing the connection without answering.
    pub drop_rate: f64,
    /// Chance of sending the body in slow chunks, `slow_body_chunk_delay_ms` apart.
    pub slow_body_rate: f64,
    pub slow_body_chunk_delay_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    pub status: Option<u16>,
    pub retry_after: Option<f64>,
    pub latency_ms: u64,
    pub drop: bool,
    pub slow_chunk_delay_ms: Option<u64>,
}

#[derive(Debug)]
pub struct Faults {
    pub rules: Vec<FaultRule>,
    rng: ChaCha8Rng,
}

pub fn route_matches(pattern: &str, path: &str) -> bool {
    if pattern == "*" || pattern == "**" {
        return true;
    }
    let p: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let s: Vec<&str> = path.trim_matches('/').split('/').collect();
    fn go(p: &[&str], s: &[&str]) -> bool {
        match (p.first(), s.first()) {
            (Some(&"**"), _) => true,
            (Some(a), Some(b)) => (*a == "*" || a.eq_ignore_ascii_case(b)) && go(&p[1..], &s[1..]),
            (None, None) => true,
            _ => false,
        }
    }
    go(&p, &s)
}

impl Faults {
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> Faults {
        Faults {
            rules,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xFA17_0000_0000_0001),
        }
    }

    pub fn set(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
    }

    /// Draws the fate of one request. `transport` is false for batch members, which can
    /// only get a status (latency and connection faults belong to the outer request).
    pub fn decide(&mut self, method: &str, path: &str, transport: bool) -> Decision {
        let Some(rule) = self
            .rules
            .iter()
            .find(|r| {
                r.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                    && route_matches(&r.route, path)
            })
            .cloned()
        else {
            return Decision::default();
        };
        let mut d = Decision::default();
        let u: f64 = self.rng.gen();
        let mut acc = 0.0;
        for (rate, status) in [
            (rule.rate_429, 429u16),
            (rule.rate_500, 500),
            (rule.rate_502, 502),
            (rule.rate_503, 503),
            (rule.rate_504, 504),
        ] {
            acc += rate.max(0.0);
            if d.status.is_none() && u < acc {
                d.status = Some(status);
            }
        }
        if matches!(d.status, Some(429) | Some(503)) {
            d.retry_after = Some(
                if rule.retry_after_secs.is_finite() && rule.retry_after_secs > 0.0 {
                    rule.retry_after_secs
                } else {
                    1.0
                },
            );
        }
        if transport {
            let jitter = if rule.jitter_ms > 0 {
                self.rng.gen_range(0..=rule.jitter_ms)
            } else {
                0
            };
            d.latency_ms = rule.latency_ms + jitter;
            d.drop = rule.drop_rate > 0.0 && self.rng.gen_bool(rule.drop_rate.clamp(0.0, 1.0));
            if rule.slow_body_rate > 0.0 && self.rng.gen_bool(rule.slow_body_rate.clamp(0.0, 1.0)) {
                d.slow_chunk_delay_ms = Some(rule.slow_body_chunk_delay_ms.max(1));
            }
        }
        d
    }
}

/// A route that never answers (`PUT /_sim/hang`): a black-holed network or a backend that
/// stopped, the case a client can only survive with its own timeout. The request is held open
/// without a byte of answer until the client gives up. A `$batch` hangs when any member
/// matches (Graph answers a batch only once every member has an answer).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HangRule {
    /// Path pattern as for fault rules (`/v1.0/teams/*/installedApps`, `*` for every route).
    pub route: String,
    /// Only this HTTP method (any when `None`).
    pub method: Option<String>,
    /// Hang this many matching requests, then answer normally again (always when `None`).
    pub times: Option<u32>,
}

/// The hang rules and how many requests each has held so far.
#[derive(Debug, Default)]
pub struct Hangs {
    rules: Vec<(HangRule, u32)>,
}

impl Hangs {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn set(&mut self, rules: Vec<HangRule>) {
        self.rules = rules.into_iter().map(|r| (r, 0)).collect();
    }

    pub fn rules(&self) -> Vec<HangRule> {
        self.rules.iter().map(|(r, _)| r.clone()).collect()
    }

    /// True (and one use spent) when the first of `requests` (method, path) matching a live
    /// rule should hang.
    pub fn take(&mut self, requests: &[(String, String)]) -> bool {
        for (rule, used) in &mut self.rules {
            if rule.times.is_some_and(|t| *used >= t) {
                continue;
            }
            let hit = requests.iter().any(|(method, path)| {
                rule.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                    && route_matches(&rule.route, path)
            });
            if hit {
                *used += 1;
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hang_rules_match_method_and_route_and_run_out() {
        let mut hangs = Hangs::default();
        hangs.set(vec![HangRule {
            route: "/v1.0/teams/*/installedApps".into(),
            method: Some("POST".into()),
            times: Some(2),
        }]);
        let post = |path: &str| vec![("POST".to_string(), path.to_string())];
        assert!(!hangs.take(&[("GET".into(), "/v1.0/teams/t/installedApps".into())]));
        assert!(!hangs.take(&post("/v1.0/teams/t/members")));
        // A batch hangs when any member matches.
        let batch = vec![
            ("POST".to_string(), "/v1.0/$batch".to_string()),
            (
                "POST".to_string(),
                "/v1.0/teams/t/installedApps".to_string(),
            ),
        ];
        assert!(hangs.take(&batch));
        assert!(hangs.take(&post("/v1.0/teams/u/installedApps")));
        assert!(
            !hangs.take(&post("/v1.0/teams/u/installedApps")),
            "two, then answers"
        );
        hangs.set(vec![HangRule {
            route: "*".into(),
            ..HangRule::default()
        }]);
        assert!(
            (0..5).all(|_| hangs.take(&post("/v1.0/me"))),
            "always when no count"
        );
    }

    #[test]
    fn globs() {
        assert!(route_matches(
            "/v1.0/teams/*/installedApps",
            "/v1.0/teams/abc/installedApps"
        ));
        assert!(!route_matches(
            "/v1.0/teams/*/installedApps",
            "/v1.0/teams/abc/channels"
        ));
        assert!(route_matches(
            "/v1.0/**",
            "/v1.0/users/x/teamwork/installedApps"
        ));
        assert!(route_matches("*", "/anything"));
    }

    #[test]
    fn same_seed_same_fate() {
        let rule = FaultRule {
            route: "*".into(),
            rate_500: 0.5,
            ..Default::default()
        };
        let mut a = Faults::new(7, vec![rule.clone()]);
        let mut b = Faults::new(7, vec![rule]);
        let fa: Vec<_> = (0..50)
            .map(|_| a.decide("GET", "/x", true).status)
            .collect();
        let fb: Vec<_> = (0..50)
            .map(|_| b.decide("GET", "/x", true).status)
            .collect();
        assert_eq!(fa, fb);
        assert!(fa.contains(&Some(500)) && fa.contains(&None));
    }
}
