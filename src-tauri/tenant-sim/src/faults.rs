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

#[cfg(test)]
mod tests {
    use super::*;

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
