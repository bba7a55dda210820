//! Counters tests and benchmarks read to judge a client (not the simulator).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::lock::lock;

#[derive(Debug, Default)]
pub struct MetricsState {
    pub http_round_trips: AtomicU64,
    pub graph_requests: AtomicU64,
    pub sub_requests: AtomicU64,
    pub batches: AtomicU64,
    pub throttled: AtomicU64,
    pub early_retries: AtomicU64,
    pub in_flight: AtomicU64,
    pub peak_concurrency: AtomicU64,
    pub dropped_connections: AtomicU64,
    pub device_code_polls: AtomicU64,
    routes: Mutex<BTreeMap<String, u64>>,
    statuses: Mutex<BTreeMap<u16, u64>>,
    faults: Mutex<BTreeMap<String, u64>>,
}

/// Serialisable snapshot (`RunningSim::metrics()`, `GET /_sim/metrics`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Metrics {
    /// HTTP requests received on the Graph and identity endpoints (not `/_sim`).
    pub http_round_trips: u64,
    /// Graph operations executed, batch members included.
    pub graph_requests: u64,
    /// Requests carried inside `$batch` bodies.
    pub sub_requests: u64,
    pub batches: u64,
    /// 429 answers sent, top-level and inside batches, throttled or injected.
    pub throttled_429: u64,
    /// Requests that came back before the `Retry-After` they were given had elapsed.
    pub early_retries: u64,
    pub peak_concurrency: u64,
    pub dropped_connections: u64,
    pub device_code_polls: u64,
    pub requests_per_route: BTreeMap<String, u64>,
    pub status_counts: BTreeMap<u16, u64>,
    pub faults_injected: BTreeMap<String, u64>,
}

impl MetricsState {
    pub fn count_route(&self, route: &str) {
        *lock(&self.routes).entry(route.to_string()).or_insert(0) += 1;
    }

    pub fn count_status(&self, status: u16) {
        *lock(&self.statuses).entry(status).or_insert(0) += 1;
        if status == 429 {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn count_fault(&self, kind: &str) {
        *lock(&self.faults).entry(kind.to_string()).or_insert(0) += 1;
    }

    pub fn enter(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_concurrency.fetch_max(now, Ordering::SeqCst);
    }

    pub fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn snapshot(&self) -> Metrics {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Metrics {
            http_round_trips: g(&self.http_round_trips),
            graph_requests: g(&self.graph_requests),
            sub_requests: g(&self.sub_requests),
            batches: g(&self.batches),
            throttled_429: g(&self.throttled),
            early_retries: g(&self.early_retries),
            peak_concurrency: g(&self.peak_concurrency),
            dropped_connections: g(&self.dropped_connections),
            device_code_polls: g(&self.device_code_polls),
            requests_per_route: lock(&self.routes).clone(),
            status_counts: lock(&self.statuses).clone(),
            faults_injected: lock(&self.faults).clone(),
        }
    }

    pub fn reset(&self) {
        for a in [
            &self.http_round_trips,
            &self.graph_requests,
            &self.sub_requests,
            &self.batches,
            &self.throttled,
            &self.early_retries,
            &self.dropped_connections,
            &self.device_code_polls,
        ] {
            a.store(0, Ordering::Relaxed);
        }
        self.peak_concurrency
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
        lock(&self.routes).clear();
        lock(&self.statuses).clear();
        lock(&self.faults).clear();
    }
}
