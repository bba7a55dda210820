//! Progress of long work, throttled once for both front-ends.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use botdeck_core::progress::{Phase, ProgressFn, RunProgress};

/// A 10 000-team sync reports per item; a window repaints and a terminal line rewrites at most
/// this often.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Forwards progress to `sink` at most every [`PROGRESS_EVERY`]; the first report, a new phase
/// and the last item always go, so a bar never stops short of its end.
pub struct ProgressThrottle<F> {
    sink: F,
    last: Mutex<Option<(Instant, Phase)>>,
}

impl<F: Fn(&RunProgress) + Send + Sync> ProgressThrottle<F> {
    pub fn new(sink: F) -> Self {
        Self {
            sink,
            last: Mutex::new(None),
        }
    }

    pub fn report(&self, progress: &RunProgress) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let due = match last.as_ref() {
            None => true,
            Some((at, phase)) => {
                at.elapsed() >= PROGRESS_EVERY
                    || *phase != progress.phase
                    || progress.done >= progress.total
            }
        };
        if due {
            *last = Some((Instant::now(), progress.phase));
            (self.sink)(progress);
        }
    }
}

/// `sink`, throttled, as the `Fn(&RunProgress)` core's long work takes.
pub fn throttled<F: Fn(&RunProgress) + Send + Sync>(
    sink: F,
) -> impl Fn(&RunProgress) + Send + Sync {
    let throttle = ProgressThrottle::new(sink);
    move |p: &RunProgress| throttle.report(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_are_thinned_but_phase_changes_and_the_end_always_go() {
        let seen = Mutex::new(Vec::new());
        let throttle = ProgressThrottle::new(|p: &RunProgress| {
            seen.lock().expect("lock").push((p.phase, p.done))
        });
        for done in 0..=50 {
            throttle.report(&RunProgress::new(Phase::ReadingInstallations, done, 100));
        }
        throttle.report(&RunProgress::new(Phase::Upgrading, 0, 10));
        throttle.report(&RunProgress::new(Phase::Upgrading, 10, 10));
        let seen = seen.into_inner().expect("lock");
        assert_eq!(seen.first(), Some(&(Phase::ReadingInstallations, 0)));
        assert!(
            seen.len() < 10,
            "51 reports within 100 ms are thinned: {seen:?}"
        );
        assert!(
            seen.contains(&(Phase::Upgrading, 0)),
            "a new phase goes at once"
        );
        assert_eq!(seen.last(), Some(&(Phase::Upgrading, 10)), "the end goes");
    }
}
