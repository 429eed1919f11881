//! Injected identifiers and randomness.
//!
//! Session ids must be unguessable in production and predictable in tests. The state
//! machines take a boxed [`IdSource`] (for sids) and a [`RandomSource`] (for jitter);
//! adapters pass real randomness, tests pass [`SequentialIds`] and [`FixedRandom`].

use base64::Engine as _;

/// Produces session / socket ids.
pub trait IdSource: Send {
    /// Returns a fresh id. Ids must be unique for the lifetime of the state machine and
    /// safe to put in a URL query (the Engine.IO `sid`).
    fn next_id(&mut self) -> String;
}

/// Produces random numbers (for reconnection jitter).
pub trait RandomSource: Send {
    /// A uniformly distributed value in `[0, 1)`.
    fn next_f64(&mut self) -> f64;
}

/// Deterministic ids for tests: `prefix` followed by a counter, zero padded so that every
/// id has the same length as a real one (20 characters).
#[derive(Debug, Clone)]
pub struct SequentialIds {
    prefix: String,
    next: u64,
}

impl SequentialIds {
    /// Ids `"{prefix}000…1"`, `"{prefix}000…2"`, ….
    pub fn new(prefix: impl Into<String>) -> Self {
        SequentialIds {
            prefix: prefix.into(),
            next: 0,
        }
    }
}

impl IdSource for SequentialIds {
    fn next_id(&mut self) -> String {
        self.next += 1;
        let width = 20usize.saturating_sub(self.prefix.len()).max(1);
        format!("{}{:0width$}", self.prefix, self.next, width = width)
    }
}

/// Ids from a caller-supplied entropy function: 15 random bytes, base64url encoded
/// (20 characters, 120 bits), as the official server's sids.
pub struct RandomIds<F: FnMut(&mut [u8]) + Send> {
    fill: F,
}

impl<F: FnMut(&mut [u8]) + Send> RandomIds<F> {
    /// `fill` must write cryptographically strong random bytes into its argument.
    pub fn new(fill: F) -> Self {
        RandomIds { fill }
    }
}

impl<F: FnMut(&mut [u8]) + Send> IdSource for RandomIds<F> {
    fn next_id(&mut self) -> String {
        let mut bytes = [0u8; 15];
        (self.fill)(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// A fixed sequence of random values, repeated; for deterministic tests.
#[derive(Debug, Clone)]
pub struct FixedRandom {
    values: Vec<f64>,
    at: usize,
}

impl FixedRandom {
    /// Cycles through `values` (each clamped into `[0, 1)`); an empty list yields 0.5.
    pub fn new(values: Vec<f64>) -> Self {
        FixedRandom { values, at: 0 }
    }
}

impl RandomSource for FixedRandom {
    fn next_f64(&mut self) -> f64 {
        if self.values.is_empty() {
            return 0.5;
        }
        let v = self.values[self.at % self.values.len()];
        self.at = self.at.wrapping_add(1);
        v.clamp(0.0, 0.999_999_999)
    }
}

/// A small, fast, seeded pseudo-random generator (xorshift64*); good for jitter, not for
/// secrets.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    /// A generator started from `seed` (0 is replaced by a fixed non-zero constant).
    pub fn new(seed: u64) -> Self {
        SeededRandom {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }
}

impl RandomSource for SeededRandom {
    fn next_f64(&mut self) -> f64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (r >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_have_fixed_width() {
        let mut ids = SequentialIds::new("sid");
        assert_eq!(ids.next_id(), "sid00000000000000001");
        assert_eq!(ids.next_id().len(), 20);
    }

    #[test]
    fn random_ids_are_url_safe() {
        let mut n = 0u8;
        let mut ids = RandomIds::new(move |b: &mut [u8]| {
            for x in b.iter_mut() {
                n = n.wrapping_add(251);
                *x = n;
            }
        });
        let id = ids.next_id();
        assert_eq!(id.len(), 20);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn seeded_random_in_range() {
        let mut r = SeededRandom::new(7);
        for _ in 0..1000 {
            let v = r.next_f64();
            assert!((0.0..1.0).contains(&v));
        }
    }
}
