//! A lock that survives a panic elsewhere (a leaf: every module may use it).

use std::sync::{Mutex, MutexGuard};

/// Never let a panic in one request poison the simulator for every later one.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
