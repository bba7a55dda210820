//! Client-side pacing to Microsoft's documented Teams limits (per app per tenant).
//!
//! Each request draws from the limits that apply to it — the route (`GET installedApps` 30 rps,
//! `POST` 30, `DELETE` 15, `GET /teams/{id}` 30) and the resource (≤ 4 rps on one team, 1 rps on
//! one chat or channel). Every limit is a GCRA schedule: a request reserves the earliest instant
//! at which all of its limits have room, so a bulk run goes exactly as fast as the slowest limit
//! allows and never bursts past it. Members of a `$batch` count one by one, as Graph counts them.
//! Reservations are first come, first served: one request held back by its team's 4 rps holds
//! back the requests behind it on the same route. Sync and bulk runs send one request per
//! target, so this never binds there; a caller mixing many requests for one team should
//! interleave them with other teams' requests.
//!
//! Adaptation: a route whose answers are mostly 429 in a one-second window is slowed down (the
//! real limit is lower than documented, or someone else is spending it); a few scattered 429s
//! are transient faults and only delay the item concerned (its own `Retry-After`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// One limit a request draws from: a key (`route:GET installedApps`, `team:{id}`) and its rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub key: String,
    pub rps: f64,
}

/// The documented limits, optionally scaled (tenant-sim's `throttle_scale`, tests, benches).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteLimits {
    pub scale: f64,
}

impl Default for RouteLimits {
    fn default() -> Self {
        Self::microsoft()
    }
}

impl RouteLimits {
    /// Microsoft's published Teams limits.
    pub fn microsoft() -> Self {
        Self { scale: 1.0 }
    }

    pub fn scaled(scale: f64) -> Self {
        Self {
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
        }
    }

    /// The limits one request draws from. `url` is relative to the Graph base (`/teams/…`).
    pub fn limits_for(&self, method: &str, url: &str) -> Vec<Limit> {
        let path = url.split('?').next().unwrap_or(url);
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut out = Vec::new();
        let mut push = |key: String, rps: f64| {
            out.push(Limit {
                key,
                rps: rps * self.scale,
            })
        };
        if segs.contains(&"installedApps") {
            match method {
                "GET" => push("route:GET installedApps".into(), 30.0),
                "POST" => push("route:POST installedApps".into(), 30.0),
                "DELETE" => push("route:DELETE installedApps".into(), 15.0),
                _ => {}
            }
        }
        match segs.as_slice() {
            ["teams", id] if method == "GET" => {
                push("route:GET /teams/{id}".into(), 30.0);
                push(format!("team:{id}"), 4.0);
            }
            ["teams", id, "channels", channel, ..] => {
                push(format!("team:{id}"), 4.0);
                push(format!("channel:{channel}"), 1.0);
            }
            ["teams", id, ..] => push(format!("team:{id}"), 4.0),
            ["chats", id, ..] => push(format!("chat:{id}"), 1.0),
            _ => {}
        }
        out
    }

    /// How many requests of this shape one `$batch` may carry without overdrawing a limit whose
    /// one-second burst is smaller than 20 (DELETE at 15 rps).
    pub fn batch_size_for(&self, limits: &[Limit]) -> usize {
        limits
            .iter()
            .filter(|l| l.key.starts_with("route:"))
            .map(|l| l.rps.floor().max(1.0) as usize)
            .fold(crate::batch::MAX_BATCH, usize::min)
    }
}

#[derive(Debug, Default)]
struct RouteWindow {
    started: Option<Instant>,
    answers: u32,
    throttled: u32,
}

#[derive(Debug, Default)]
struct PacerState {
    /// GCRA: the theoretical arrival time of the next request per key.
    next_free: HashMap<String, Instant>,
    /// Route keys only: the fraction of the documented rate currently used (adaptation).
    factor: HashMap<String, f64>,
    windows: HashMap<String, RouteWindow>,
}

/// Shared by everything that talks to one tenant with one app registration.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<PacerState>,
}

/// A 429 share above this in one window means the route is really throttled, not faulty.
const CONGESTED_SHARE: f64 = 0.25;
const SLOWDOWN: f64 = 0.7;
const MIN_FACTOR: f64 = 0.1;
const RECOVERY_STEP: f64 = 0.1;

impl Pacer {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerState> {
        // A panic elsewhere while holding the lock leaves plain numbers behind: still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves a slot for one request and answers when it may be sent.
    pub fn reserve(&self, limits: &[Limit]) -> Instant {
        let now = Instant::now();
        let mut state = self.lock();
        let mut slot = now;
        for limit in limits {
            if let Some(t) = state.next_free.get(&limit.key) {
                slot = slot.max(*t);
            }
        }
        for limit in limits {
            let factor = state.factor.get(&limit.key).copied().unwrap_or(1.0);
            let rate = (limit.rps * factor).max(0.001);
            state.next_free.insert(
                limit.key.clone(),
                slot + Duration::from_secs_f64(1.0 / rate),
            );
        }
        slot
    }

    /// Nothing may be sent on these limits before `until` (an outer `$batch` 429).
    pub fn hold(&self, limits: &[Limit], until: Instant) {
        let mut state = self.lock();
        for limit in limits.iter().filter(|l| l.key.starts_with("route:")) {
            let entry = state.next_free.entry(limit.key.clone()).or_insert(until);
            *entry = (*entry).max(until);
        }
    }

    /// Feeds one answer back: route windows decide whether the route is congested.
    pub fn observe(&self, limits: &[Limit], throttled: bool, retry_after: Option<Duration>) {
        self.observe_at(Instant::now(), limits, throttled, retry_after);
    }

    fn observe_at(
        &self,
        now: Instant,
        limits: &[Limit],
        throttled: bool,
        retry_after: Option<Duration>,
    ) {
        let mut state = self.lock();
        for limit in limits.iter().filter(|l| l.key.starts_with("route:")) {
            let window = state.windows.entry(limit.key.clone()).or_default();
            let started = *window.started.get_or_insert(now);
            window.answers += 1;
            if throttled {
                window.throttled += 1;
            }
            if now.duration_since(started) < Duration::from_secs(1) {
                continue;
            }
            let share = f64::from(window.throttled) / f64::from(window.answers.max(1));
            *window = RouteWindow::default();
            let factor = state.factor.entry(limit.key.clone()).or_insert(1.0);
            if share > CONGESTED_SHARE {
                *factor = (*factor * SLOWDOWN).max(MIN_FACTOR);
                tracing::info!(route = %limit.key, share, factor = *factor, "Graph is throttling this route; slowing down");
                if let Some(wait) = retry_after {
                    let until = now + wait;
                    let entry = state.next_free.entry(limit.key.clone()).or_insert(until);
                    *entry = (*entry).max(until);
                }
            } else if share == 0.0 && *factor < 1.0 {
                *factor = (*factor + RECOVERY_STEP).min(1.0);
            }
        }
    }

    /// The share of the documented rate a route currently uses (1.0 = full speed).
    pub fn route_factor(&self, key: &str) -> f64 {
        self.lock().factor.get(key).copied().unwrap_or(1.0)
    }
}

/// Added to every server-given wait. The wait counts from when Graph answered and we start it
/// later (after the answer travelled back), so it is never early by itself; the margin only
/// absorbs timer and clock rounding, which are millisecond-sized.
pub const RETRY_AFTER_MARGIN: Duration = Duration::from_millis(10);

/// Capped exponential backoff with jitter, for failures that carry no `Retry-After`:
/// 1 s, 2 s, 4 s … up to 32 s, each drawn uniformly from its upper half.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = 1000u64.saturating_mul(1u64 << attempt.min(5));
    let half = ceiling_ms / 2;
    Duration::from_millis(half + jitter(half + 1))
}

/// A small uniform draw in `0..bound`; jitter only needs to de-synchronise clients.
fn jitter(bound: u64) -> u64 {
    let seed = uuid::Uuid::new_v4().as_u128();
    ((seed as u64) ^ ((seed >> 64) as u64)) % bound.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_apps_reads_draw_from_route_and_team() {
        let limits = RouteLimits::microsoft()
            .limits_for("GET", "/teams/t1/installedApps?$filter=teamsApp/id eq 'x'");
        let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys, ["route:GET installedApps", "team:t1"]);
        assert_eq!(limits[1].rps, 4.0);
        let chat = RouteLimits::scaled(10.0).limits_for("DELETE", "/chats/c1/installedApps/i");
        assert_eq!(chat[0].rps, 150.0);
        assert_eq!(chat[1].key, "chat:c1");
        assert_eq!(chat[1].rps, 10.0);
        let deletes = RouteLimits::microsoft().limits_for("DELETE", "/teams/t/installedApps/i");
        assert_eq!(RouteLimits::microsoft().batch_size_for(&deletes), 15);
    }

    #[test]
    fn reservations_are_spaced_by_the_slowest_limit() {
        let pacer = Pacer::new();
        let limits = RouteLimits::microsoft().limits_for("GET", "/teams/t1/installedApps");
        let slots: Vec<Instant> = (0..5).map(|_| pacer.reserve(&limits)).collect();
        // One team: 4 rps, whatever the route allows.
        assert_eq!(slots[4].duration_since(slots[0]), Duration::from_secs(1));
        // Reservations are first come, first served: a later request never overtakes an
        // earlier one, and the route's own spacing (30 rps) still holds after it.
        let other = RouteLimits::microsoft().limits_for("GET", "/teams/t2/installedApps");
        let slot = pacer.reserve(&other);
        assert!(slot >= slots[4] + Duration::from_secs_f64(1.0 / 30.0) - Duration::from_millis(1));
    }

    #[test]
    fn a_mostly_throttled_route_slows_down_and_scattered_429s_do_not() {
        let pacer = Pacer::new();
        let limits = RouteLimits::microsoft().limits_for("GET", "/teams/t/installedApps");
        let t0 = Instant::now();
        for i in 0..20 {
            pacer.observe_at(t0, &limits, i % 10 == 0, None);
        }
        let t1 = t0 + Duration::from_millis(1100);
        pacer.observe_at(t1, &limits, false, None);
        assert_eq!(pacer.route_factor("route:GET installedApps"), 1.0);
        for _ in 0..20 {
            pacer.observe_at(t1, &limits, true, Some(Duration::from_secs(2)));
        }
        let t2 = t1 + Duration::from_millis(1100);
        pacer.observe_at(t2, &limits, true, Some(Duration::from_secs(2)));
        assert!(pacer.route_factor("route:GET installedApps") < 1.0);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 0..12 {
            let d = backoff(attempt);
            let ceiling = Duration::from_millis(1000 * (1u64 << attempt.min(5)));
            assert!(d >= ceiling / 2 && d <= ceiling, "{attempt}: {d:?}");
        }
    }
}
