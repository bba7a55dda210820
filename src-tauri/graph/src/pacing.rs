//! Client-side pacing to Microsoft's documented Teams limits (per app per tenant).
//!
//! Each request draws from the limits that apply to it — the route (`GET installedApps` 30 rps,
//! `POST` 30, `DELETE` 15, `GET /teams/{id}` 30) and the resource (≤ 4 rps on one team, 1 rps on
//! one chat or channel). Microsoft states these limits per second, so every limit is a GCRA
//! schedule *with a burst tolerance*: up to the limit's one-second allowance may go at once
//! (two reads of one team together are fine, a fifth in the same second waits), and over any
//! time the rate never exceeds it. The allowance keeps a small margin ([`JITTER_MARGIN`]) so
//! requests that reach Graph a little closer together than they left still conform.
//! A request reserves the earliest instant at which all of its limits have room; the batch
//! executor only packs requests whose slots are close together (see [`Pacer::try_reserve`]),
//! so one member's wait never holds back the others.
//!
//! One [`Pacer`] serves single calls (the Graph client), `$batch` runs (the batch
//! executor) and the per-team reads of permission inspection.
//!
//! Adaptation: a route whose answers are mostly 429 in a one-second window is slowed down (the
//! real limit is lower than documented, or someone else is spending it); a few scattered 429s
//! are transient faults and only delay the item concerned (its own `Retry-After`). A 429 on a
//! whole request ([`Pacer::hold`]) holds every limit it drew from until its `Retry-After`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::time::Instant;

/// Graph's limit on requests per `$batch`; a batch never takes more from a route at once.
pub const MAX_BATCH: usize = 20;

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
            .fold(MAX_BATCH, usize::min)
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
    /// Nothing drawing on this key may be sent before the instant (a whole request's 429).
    held: HashMap<String, Instant>,
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

/// Kept out of each one-second allowance: requests that left us evenly spaced can reach Graph
/// closer together (network and scheduling jitter); this much bunching still conforms.
pub const JITTER_MARGIN: Duration = Duration::from_millis(50);

/// Spacing and burst tolerance of one limit at its current rate.
fn gcra(rps: f64) -> (Duration, Duration) {
    let rate = rps.max(0.001);
    let spacing = Duration::from_secs_f64(1.0 / rate);
    // The one-second allowance (at least one request), as Graph's per-second limits count it.
    let allowance = rate.floor().max(1.0);
    let tolerance = spacing
        .mul_f64(allowance - 1.0)
        .saturating_sub(JITTER_MARGIN);
    (spacing, tolerance)
}

/// Every tenant's pacer in this process, by [`Pacer::for_tenant`]'s key. Kept for the process's
/// life: a hold after a 429 or a slowed-down route must outlive the command that learnt it, and a
/// process talks to a handful of tenants at most.
static TENANT_PACERS: OnceLock<Mutex<HashMap<String, Arc<Pacer>>>> = OnceLock::new();

impl Pacer {
    pub fn new() -> Self {
        Self::default()
    }

    /// The one pacer of a tenant + app registration in this process (Microsoft's limits are per
    /// app per tenant): every client, executor and per-team read built for the same key draws
    /// from the same schedule, whichever command built it. `key` names the Graph endpoint, the
    /// tenant and the app registration.
    pub fn for_tenant(key: &str) -> Arc<Pacer> {
        let registry = TENANT_PACERS.get_or_init(Default::default);
        let mut pacers = registry.lock().unwrap_or_else(|p| p.into_inner());
        pacers.entry(key.to_string()).or_default().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerState> {
        // A panic elsewhere while holding the lock leaves plain numbers behind: still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves a slot for one request and answers when it may be sent.
    pub fn reserve(&self, limits: &[Limit]) -> Instant {
        self.reserve_at(Instant::now(), limits, None)
            .unwrap_or_else(Instant::now)
    }

    /// Reserves a slot only if one is free no later than `deadline`; otherwise reserves
    /// nothing. The batch executor packs a request into a batch only when its slot is close to
    /// the batch's, so a request that must wait goes into a later batch instead of holding
    /// this one.
    pub fn try_reserve(&self, limits: &[Limit], deadline: Instant) -> Option<Instant> {
        self.reserve_at(Instant::now(), limits, Some(deadline))
    }

    fn reserve_at(
        &self,
        now: Instant,
        limits: &[Limit],
        deadline: Option<Instant>,
    ) -> Option<Instant> {
        let mut state = self.lock();
        let mut slot = now;
        let mut plans = Vec::with_capacity(limits.len());
        for limit in limits {
            let factor = state.factor.get(&limit.key).copied().unwrap_or(1.0);
            let (spacing, tolerance) = gcra(limit.rps * factor);
            let tat = state.next_free.get(&limit.key).copied().unwrap_or(now);
            slot = slot.max(tat.checked_sub(tolerance).unwrap_or(now));
            if let Some(held) = state.held.get(&limit.key) {
                slot = slot.max(*held);
            }
            plans.push((tat, spacing));
        }
        if deadline.is_some_and(|d| slot > d) {
            return None;
        }
        for (limit, (tat, spacing)) in limits.iter().zip(plans) {
            state
                .next_free
                .insert(limit.key.clone(), tat.max(slot) + spacing);
        }
        Some(slot)
    }

    /// Nothing may be sent on these limits before `until` (a 429 on a whole request: every
    /// limit it drew from is held for the whole `Retry-After`).
    pub fn hold(&self, limits: &[Limit], until: Instant) {
        let mut state = self.lock();
        for limit in limits {
            let entry = state.held.entry(limit.key.clone()).or_insert(until);
            *entry = (*entry).max(until);
        }
    }

    /// The instant until which any of these limits is held, if that is still ahead.
    pub fn held_until(&self, limits: &[Limit]) -> Option<Instant> {
        let now = Instant::now();
        let state = self.lock();
        limits
            .iter()
            .filter_map(|l| state.held.get(&l.key).copied())
            .filter(|t| *t > now)
            .max()
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
                    let entry = state.held.entry(limit.key.clone()).or_insert(until);
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

    fn team_reads(team: &str) -> (Vec<Limit>, Vec<Limit>) {
        let limits = RouteLimits::microsoft();
        (
            limits.limits_for("GET", &format!("/teams/{team}/installedApps")),
            limits.limits_for("GET", &format!("/teams/{team}/channels")),
        )
    }

    #[test]
    fn two_reads_of_one_team_at_once_are_fine_and_a_fifth_in_the_same_second_waits() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        let (installs, channels) = team_reads("t1");
        assert_eq!(pacer.reserve_at(t0, &installs, None), Some(t0));
        assert_eq!(pacer.reserve_at(t0, &channels, None), Some(t0));
        let more: Vec<Instant> = (0..3)
            .filter_map(|_| pacer.reserve_at(t0, &channels, None))
            .collect();
        let fifth = more[2];
        assert!(
            fifth > t0,
            "a fifth read of one team in one second must wait"
        );
        assert!(fifth < t0 + Duration::from_secs(1));
        // Another team is not held back by t1's limit.
        let (other, _) = team_reads("t2");
        assert_eq!(pacer.reserve_at(t0, &other, None), Some(t0));
    }

    /// Replays slots against a token bucket holding one second of requests, as Graph (and
    /// tenant-sim) count them: every slot must find a token.
    fn conforms(slots: &[Instant], rps: f64) -> bool {
        let (mut tokens, mut last) = (rps.floor().max(1.0), slots[0]);
        for &slot in slots {
            tokens = (tokens + slot.duration_since(last).as_secs_f64() * rps).min(rps.max(1.0));
            last = slot;
            if tokens < 1.0 - 1e-9 {
                return false;
            }
            tokens -= 1.0;
        }
        true
    }

    #[test]
    fn the_allowance_is_never_exceeded_and_the_rate_holds_over_time() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        let (installs, _) = team_reads("t1");
        let slots: Vec<Instant> = (0..40)
            .filter_map(|_| pacer.reserve_at(t0, &installs, None))
            .collect();
        assert!(conforms(&slots, 4.0));
        // 40 reads of one team: three at once, then 4 per second (one second's allowance
        // less the jitter margin).
        assert_eq!(
            slots[39].duration_since(t0),
            Duration::from_millis(250) * 36 + Duration::from_millis(50)
        );
        // The route alone (many teams): 30 per second, bursting within one second's allowance.
        let pacer = Pacer::new();
        let slots: Vec<Instant> = (0..300)
            .filter_map(|i| {
                let limits = RouteLimits::microsoft()
                    .limits_for("GET", &format!("/teams/t{i}/installedApps"));
                pacer.reserve_at(t0, &limits, None)
            })
            .collect();
        assert!(conforms(&slots, 30.0));
        let took = slots[299].duration_since(t0).as_secs_f64();
        assert!((9.0..9.1).contains(&took), "{took}");
    }

    #[test]
    fn a_request_that_must_wait_past_the_deadline_reserves_nothing() {
        let pacer = Pacer::new();
        let t0 = Instant::now();
        let (installs, _) = team_reads("t1");
        for _ in 0..4 {
            pacer.reserve_at(t0, &installs, None);
        }
        assert_eq!(pacer.reserve_at(t0, &installs, Some(t0)), None);
        // Refused twice, still the same next slot: nothing was consumed.
        assert_eq!(pacer.reserve_at(t0, &installs, Some(t0)), None);
        let next = pacer.reserve_at(t0, &installs, None).expect("slot");
        assert_eq!(
            next.duration_since(t0),
            Duration::from_millis(250) + Duration::from_millis(50)
        );
    }

    #[test]
    fn a_held_limit_is_not_used_before_the_hold_ends() {
        let pacer = Pacer::new();
        let (installs, _) = team_reads("t1");
        let until = Instant::now() + Duration::from_secs(3);
        pacer.hold(&installs[..1], until);
        let (other, _) = team_reads("t2");
        assert!(
            pacer.reserve(&other) >= until,
            "the route is held for every team"
        );
        assert!(pacer.held_until(&other).is_some());
        let chat = RouteLimits::microsoft().limits_for("GET", "/chats/c/installedApps");
        // Anything drawing on the held route key is held; the chat read draws on it too.
        assert!(pacer.reserve(&chat) >= until);
        let unrelated = RouteLimits::microsoft().limits_for("GET", "/chats/d/members");
        assert!(pacer.reserve(&unrelated) < until);
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
    fn one_tenant_and_app_has_one_pacer_in_the_process() {
        let a = Pacer::for_tenant("https://graph.example/v1.0|contoso|app-1");
        let b = Pacer::for_tenant("https://graph.example/v1.0|contoso|app-1");
        let other = Pacer::for_tenant("https://graph.example/v1.0|fabrikam|app-1");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &other));
        // What one command spends, the next one sees.
        let (installs, _) = team_reads("shared");
        let t0 = Instant::now();
        for _ in 0..4 {
            a.reserve_at(t0, &installs, None);
        }
        assert_eq!(b.reserve_at(t0, &installs, Some(t0)), None);
        assert_eq!(other.reserve_at(t0, &installs, Some(t0)), Some(t0));
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
