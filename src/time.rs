//! Time: the one module that names [`Instant`]. The state machines never read a clock;
//! every input carries `now`, and [`Clock`] clamps it so that time never runs backwards.

pub use std::time::{Duration, Instant};

/// Monotonic view of the `now` values the caller passes in. Internal: the state machines
/// use it; not part of the public API.
///
/// Callers may pass a `now` that is earlier than one seen before (two threads racing,
/// a clock source with jitter); the state machine must not go back in time, so it keeps
/// the latest value it has seen.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    latest: Option<Instant>,
}

impl Clock {
    /// Records `now` and returns the latest time seen (never earlier than before).
    pub fn advance(&mut self, now: Instant) -> Instant {
        let now = match self.latest {
            Some(latest) if latest > now => latest,
            _ => now,
        };
        self.latest = Some(now);
        now
    }

    /// The latest time seen, if any.
    pub fn latest(&self) -> Option<Instant> {
        self.latest
    }
}

/// The earliest of two optional deadlines. Internal, not part of the public API.
#[doc(hidden)]
pub fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_never_goes_back() {
        let t0 = Instant::now();
        let mut c = Clock::default();
        assert_eq!(
            c.advance(t0 + Duration::from_secs(5)),
            t0 + Duration::from_secs(5)
        );
        assert_eq!(c.advance(t0), t0 + Duration::from_secs(5));
        assert_eq!(
            c.advance(t0 + Duration::from_secs(6)),
            t0 + Duration::from_secs(6)
        );
    }

    #[test]
    fn earliest_picks_min() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(earliest(Some(t1), Some(t0)), Some(t0));
        assert_eq!(earliest(None, Some(t0)), Some(t0));
        assert_eq!(earliest(Some(t1), None), Some(t1));
        assert_eq!(earliest(None, None), None);
    }
}
