//! [`IdHasher`]: the hash of the server's tables keyed by ids it allocates itself
//! (Engine.IO sessions, Socket.IO socket sets).

/// Hashes server-allocated ids (`SessionId`, `SocketId`: never chosen by a peer, so a
/// DoS-resistant hash buys nothing) with one multiply instead of SipHash, keeping the id
/// in the low bits so a table's layout follows id order (iteration is deterministic, and
/// a broadcast walks the socket set and the session table sequentially).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher {
    low: u64,
    mix: u64,
    started: bool,
}

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // Low bits: the first number as is, so that consecutive ids land in consecutive
        // buckets and iteration follows allocation order (cache-friendly broadcasts);
        // top 7 bits (the table's tag byte): a mix of everything written.
        (self.low & LOW_BITS) | (self.mix & !LOW_BITS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        if !self.started {
            self.low = n;
            self.started = true;
        }
        self.mix = (self.mix.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The bits of a hash that [`IdHasher`] takes from the id itself.
const LOW_BITS: u64 = (1 << 57) - 1;

/// Builds [`IdHasher`]s.
pub(crate) type IdHasherBuilder = std::hash::BuildHasherDefault<IdHasher>;
