//! Teams throttling limits (per app per tenant) as token buckets, plus the bookkeeping
//! that detects clients retrying before their `Retry-After` elapsed.

use std::collections::HashMap;

/// Which limits a request draws from.
#[derive(Debug, Clone, Default)]
pub struct ThrottleKeys {
    /// (bucket name, requests per second at scale 1.0).
    pub buckets: Vec<(String, f64)>,
}

impl ThrottleKeys {
    pub fn classify(method: &str, segs: &[String]) -> ThrottleKeys {
        let mut buckets = Vec::new();
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let installed = s.contains(&"installedApps");
        if installed {
            match method {
                "GET" => buckets.push(("GET installedApps".to_string(), 30.0)),
                "POST" => buckets.push(("POST installedApps".to_string(), 30.0)),
                "DELETE" => buckets.push(("DELETE installedApps".to_string(), 15.0)),
                _ => {}
            }
        }
        match s.as_slice() {
            ["teams", id] if method == "GET" => {
                buckets.push(("GET /teams/{id}".to_string(), 30.0));
                buckets.push((format!("team:{id}"), 4.0));
            }
            ["teams", id, "channels", ch, ..] => {
                buckets.push((format!("team:{id}"), 4.0));
                buckets.push((format!("channel:{ch}"), 1.0));
            }
            ["teams", id, ..] => buckets.push((format!("team:{id}"), 4.0)),
            ["chats", id, ..] => buckets.push((format!("chat:{id}"), 1.0)),
            _ => {}
        }
        ThrottleKeys { buckets }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last_ms: i64,
}

#[derive(Debug, Default)]
pub struct Throttle {
    buckets: HashMap<(String, String), Bucket>,
    /// (caller, method + path) → instant before which a retry is "early".
    not_before: HashMap<(String, String), i64>,
    /// (caller, bucket) → instant before which any request drawing on it is "early" (after a
    /// 429 on a whole `$batch`, whose wait covers every limit its members drew on).
    bucket_not_before: HashMap<(String, String), i64>,
    decimal_turn: bool,
}

impl Throttle {
    /// Takes one token from every bucket, or none and answers the wait in milliseconds.
    pub fn admit(
        &mut self,
        app: &str,
        keys: &ThrottleKeys,
        scale: f64,
        now_ms: i64,
    ) -> Result<(), u64> {
        let mut worst_wait_ms = 0i64;
        let mut states = Vec::with_capacity(keys.buckets.len());
        for (name, rps) in &keys.buckets {
            let rate = (rps * scale).max(0.001);
            let cap = rate.max(1.0);
            let b = self
                .buckets
                .get(&(app.to_string(), name.clone()))
                .copied()
                .unwrap_or(Bucket {
                    tokens: cap,
                    last_ms: now_ms,
                });
            let elapsed = (now_ms - b.last_ms).max(0) as f64 / 1000.0;
            let tokens = (b.tokens + elapsed * rate).min(cap);
            if tokens < 1.0 {
                let wait = ((1.0 - tokens) / rate * 1000.0).ceil() as i64;
                worst_wait_ms = worst_wait_ms.max(wait);
            }
            states.push((name.clone(), tokens));
        }
        if worst_wait_ms > 0 {
            for (name, tokens) in states {
                self.buckets.insert(
                    (app.to_string(), name),
                    Bucket {
                        tokens,
                        last_ms: now_ms,
                    },
                );
            }
            return Err(worst_wait_ms as u64);
        }
        for (name, tokens) in states {
            self.buckets.insert(
                (app.to_string(), name),
                Bucket {
                    tokens: tokens - 1.0,
                    last_ms: now_ms,
                },
            );
        }
        Ok(())
    }

    /// Records that `caller` was told to wait `wait_ms` before retrying `request`.
    pub fn told_to_wait(&mut self, caller: &str, request: &str, wait_ms: u64, now_ms: i64) {
        self.not_before.insert(
            (caller.to_string(), request.to_string()),
            now_ms.saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX)),
        );
    }

    /// True when this request repeats one that was told to wait and the wait is not over.
    pub fn is_early_retry(&mut self, caller: &str, request: &str, now_ms: i64) -> bool {
        let key = (caller.to_string(), request.to_string());
        match self.not_before.get(&key) {
            Some(&t) if now_ms < t => true,
            Some(_) => {
                self.not_before.remove(&key);
                false
            }
            None => false,
        }
    }

    /// Records that `caller` must not use the limits in `keys` for `wait_ms`.
    pub fn told_to_wait_on_buckets(
        &mut self,
        caller: &str,
        keys: &ThrottleKeys,
        wait_ms: u64,
        now_ms: i64,
    ) {
        let until = now_ms.saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX));
        for (name, _) in &keys.buckets {
            let entry = self
                .bucket_not_before
                .entry((caller.to_string(), name.clone()))
                .or_insert(until);
            *entry = (*entry).max(until);
        }
    }

    /// True when a request drawing on `keys` comes while one of them is held for `caller`.
    pub fn is_early_on_buckets(&mut self, caller: &str, keys: &ThrottleKeys, now_ms: i64) -> bool {
        let mut early = false;
        for (name, _) in &keys.buckets {
            let key = (caller.to_string(), name.clone());
            match self.bucket_not_before.get(&key) {
                Some(&t) if now_ms < t => early = true,
                Some(_) => {
                    self.bucket_not_before.remove(&key);
                }
                None => {}
            }
        }
        early
    }

    /// Alternates between whole-second and decimal `Retry-After` values.
    pub fn next_decimal_turn(&mut self) -> bool {
        self.decimal_turn = !self.decimal_turn;
        self.decimal_turn
    }

    pub fn reset(&mut self) {
        self.buckets.clear();
        self.not_before.clear();
        self.bucket_not_before.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills_with_time() {
        let mut t = Throttle::default();
        let keys = ThrottleKeys {
            buckets: vec![("x".into(), 2.0)],
        };
        assert!(t.admit("a", &keys, 1.0, 0).is_ok());
        assert!(t.admit("a", &keys, 1.0, 0).is_ok());
        assert_eq!(t.admit("a", &keys, 1.0, 0), Err(500));
        assert!(t.admit("a", &keys, 1.0, 600).is_ok());
        // Another app has its own bucket.
        assert!(t.admit("b", &keys, 1.0, 0).is_ok());
    }

    #[test]
    fn a_held_limit_makes_any_request_on_it_early_until_the_wait_ends() {
        let mut t = Throttle::default();
        let segs = |p: &str| -> Vec<String> {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let held = ThrottleKeys::classify("GET", &segs("/teams/t1/installedApps"));
        t.told_to_wait_on_buckets("me", &held, 1500, 0);
        let same_route = ThrottleKeys::classify("GET", &segs("/teams/t2/installedApps"));
        assert!(t.is_early_on_buckets("me", &same_route, 1000));
        assert!(!t.is_early_on_buckets("someone else", &same_route, 1000));
        let other = ThrottleKeys::classify("GET", &segs("/chats/c/members"));
        assert!(!t.is_early_on_buckets("me", &other, 1000));
        assert!(!t.is_early_on_buckets("me", &same_route, 1500));
    }

    #[test]
    fn scale_multiplies_rate() {
        let mut t = Throttle::default();
        let keys = ThrottleKeys {
            buckets: vec![("x".into(), 1.0)],
        };
        for _ in 0..10 {
            assert!(t.admit("a", &keys, 10.0, 0).is_ok());
        }
        assert!(t.admit("a", &keys, 10.0, 0).is_err());
    }
}
