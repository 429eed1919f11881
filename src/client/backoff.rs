//! Exponential back-off with jitter, computed like the JS client's `backo2`
//! (`socket.io-client` lib/contrib/backo2.ts), with the randomness injected.
//!
//! The n-th delay (n counting from 1) is `base = min · 2^(n-1)`, moved by a deviation
//! `⌊r · jitter · base⌋` (r uniform in `[0, 1)`) down when `⌊10 r⌋` is even and up when it
//! is odd, then capped at `max`. So every delay lies in
//! `[base · (1 − jitter), min(base · (1 + jitter), max)]`.

use crate::ids::RandomSource;
use std::time::Duration;

/// The back-off state of one reconnection loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    min_ms: f64,
    max_ms: f64,
    jitter: f64,
    attempts: u32,
}

impl Backoff {
    /// A back-off from `min` growing by a factor of 2 up to `max`, with `jitter` in
    /// `[0, 1]` (values outside that range mean no jitter, as in the JS client).
    pub fn new(min: Duration, max: Duration, jitter: f64) -> Self {
        Backoff {
            min_ms: min.as_secs_f64() * 1000.0,
            max_ms: max.as_secs_f64() * 1000.0,
            jitter: if jitter > 0.0 && jitter <= 1.0 {
                jitter
            } else {
                0.0
            },
            attempts: 0,
        }
    }

    /// How many delays were handed out since the last [`reset`](Self::reset).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Starts over: the next delay is the base delay again.
    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    /// The next delay (and counts one attempt). `rng` is drawn once, only when jitter is on.
    pub fn duration(&mut self, rng: &mut dyn RandomSource) -> Duration {
        let exp = i32::try_from(self.attempts).unwrap_or(i32::MAX);
        self.attempts = self.attempts.saturating_add(1);
        let mut ms = self.min_ms * 2f64.powi(exp);
        if self.jitter > 0.0 {
            let r = rng.next_f64().clamp(0.0, 0.999_999_999);
            let deviation = (r * self.jitter * ms).floor();
            // JS: (Math.floor(rand * 10) & 1) == 0 ? ms - deviation : ms + deviation
            ms = if ((r * 10.0).floor() as u32) & 1 == 0 {
                ms - deviation
            } else {
                ms + deviation
            };
        }
        let ms = ms.min(self.max_ms).max(0.0);
        let ms = if ms.is_finite() { ms.floor() } else { 0.0 };
        Duration::from_millis(ms as u64)
    }

    /// The range the `n`-th delay (from 1) falls in: `(lowest, highest)`.
    pub fn bounds(&self, n: u32) -> (Duration, Duration) {
        let exp = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
        let base = self.min_ms * 2f64.powi(exp);
        let lo = (base * (1.0 - self.jitter))
            .floor()
            .min(self.max_ms)
            .max(0.0);
        let hi = (base * (1.0 + self.jitter))
            .floor()
            .min(self.max_ms)
            .max(0.0);
        (
            Duration::from_millis(lo as u64),
            Duration::from_millis(hi as u64),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{FixedRandom, SeededRandom};

    fn ms(d: Duration) -> u64 {
        d.as_millis() as u64
    }

    #[test]
    fn no_jitter_doubles_up_to_max() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5), 0.0);
        let mut r = FixedRandom::new(vec![0.3]);
        let got: Vec<u64> = (0..5).map(|_| ms(b.duration(&mut r))).collect();
        assert_eq!(got, vec![1000, 2000, 4000, 5000, 5000]);
        assert_eq!(b.attempts(), 5);
        b.reset();
        assert_eq!(ms(b.duration(&mut r)), 1000);
    }

    #[test]
    fn jitter_direction_follows_the_js_rule() {
        // r = 0.25: floor(2.5) = 2 even -> down by floor(0.25*0.5*1000) = 125
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5), 0.5);
        let mut r = FixedRandom::new(vec![0.25]);
        assert_eq!(ms(b.duration(&mut r)), 875);
        // r = 0.35: floor(3.5) = 3 odd -> up by floor(0.35*0.5*1000) = 175
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5), 0.5);
        let mut r = FixedRandom::new(vec![0.35]);
        assert_eq!(ms(b.duration(&mut r)), 1175);
        // second attempt, r = 0.35: 2000 + floor(0.35*0.5*2000) = 2350
        assert_eq!(ms(b.duration(&mut r)), 2350);
    }

    #[test]
    fn delays_stay_in_bounds() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5), 0.5);
        let mut r = SeededRandom::new(42);
        for n in 1..=40u32 {
            let d = b.duration(&mut r);
            let (lo, hi) = b.bounds(n);
            assert!(
                lo <= d && d <= hi,
                "attempt {n}: {d:?} not in {lo:?}..={hi:?}"
            );
            assert!(d <= Duration::from_secs(5));
        }
    }

    #[test]
    fn huge_attempt_counts_saturate() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5), 0.5);
        b.attempts = u32::MAX - 1;
        let mut r = FixedRandom::new(vec![0.9]);
        assert_eq!(ms(b.duration(&mut r)), 5000);
        assert_eq!(ms(b.duration(&mut r)), 5000);
        assert_eq!(b.attempts(), u32::MAX);
    }

    #[test]
    fn out_of_range_jitter_is_off() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(5), 1.5);
        let mut r = FixedRandom::new(vec![0.35]);
        assert_eq!(ms(b.duration(&mut r)), 100);
    }
}
