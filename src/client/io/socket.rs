//! The state of one client socket (one namespace): whether it should be connected, its
//! send buffer while offline, and the acknowledgements it waits for.

use crate::error::EmitError;
use crate::socketio::Encoded;
use crate::time::Instant;
use std::collections::{BTreeMap, VecDeque};

/// A packet emitted while the socket was not connected.
#[derive(Debug, Clone)]
pub(crate) struct Buffered {
    /// The ack id it carries, if any (removed from the buffer when its ack times out).
    pub(crate) ack: Option<u64>,
    /// The encoded packet.
    pub(crate) packet: Encoded,
}

impl Buffered {
    /// Bytes the packet holds: its text and its attachments.
    fn held_len(&self) -> usize {
        self.packet
            .attachments
            .iter()
            .fold(self.packet.text.len(), |n, a| n.saturating_add(a.len()))
    }
}

/// The limits of a socket's offline buffer, in packets and in bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BufferLimits {
    pub(crate) packets: usize,
    pub(crate) bytes: usize,
}

/// One namespace socket.
#[derive(Debug)]
pub(crate) struct SocketState {
    /// The namespace, e.g. `/` or `/chat`.
    pub(crate) nsp: String,
    /// The CONNECT payload (a JSON object), if any.
    pub(crate) auth: Option<serde_json::Value>,
    /// `connect` was called and neither `disconnect` nor a server disconnect /
    /// CONNECT_ERROR followed: (re)send CONNECT whenever the connection opens.
    pub(crate) active: bool,
    /// The server accepted the CONNECT on the current connection.
    pub(crate) connected: bool,
    /// The connection generation the CONNECT was sent on (avoids sending it twice).
    pub(crate) connect_sent_on: Option<u64>,
    /// The server-assigned socket id while connected.
    pub(crate) sid: Option<String>,
    /// Counts namespace connections; ack requests from an earlier one are stale.
    pub(crate) epoch: u64,
    /// The next ack id to hand out (per socket, from 0, as the JS client).
    next_ack: u64,
    /// Acks waiting for the server's answer, with their deadlines.
    acks: BTreeMap<u64, Option<Instant>>,
    /// Packets emitted while not connected.
    buffer: VecDeque<Buffered>,
    /// Bytes held by `buffer`.
    buffer_bytes: usize,
}

impl SocketState {
    pub(crate) fn new(nsp: String, auth: Option<serde_json::Value>) -> Self {
        SocketState {
            nsp,
            auth,
            active: false,
            connected: false,
            connect_sent_on: None,
            sid: None,
            epoch: 0,
            next_ack: 0,
            acks: BTreeMap::new(),
            buffer: VecDeque::new(),
            buffer_bytes: 0,
        }
    }

    /// Reserves the next ack id with an optional deadline; refused beyond `limit`
    /// pending acks.
    pub(crate) fn register_ack(
        &mut self,
        deadline: Option<Instant>,
        limit: usize,
    ) -> Result<u64, EmitError> {
        if self.acks.len() >= limit {
            return Err(EmitError::TooManyPendingAcks { limit });
        }
        let id = self.next_ack;
        self.next_ack = self.next_ack.wrapping_add(1);
        self.acks.insert(id, deadline);
        Ok(id)
    }

    /// Forgets a pending ack; whether it was pending.
    pub(crate) fn take_ack(&mut self, id: u64) -> bool {
        self.acks.remove(&id).is_some()
    }

    /// The earliest ack deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.acks.values().flatten().min().copied()
    }

    /// Removes and returns the acks whose deadline is at or before `now` (their packets
    /// are dropped from the send buffer too, as the JS client does).
    pub(crate) fn expire_acks(&mut self, now: Instant) -> Vec<u64> {
        let expired: Vec<u64> = self
            .acks
            .iter()
            .filter(|(_, d)| d.is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            self.acks.remove(id);
        }
        if !expired.is_empty() {
            self.buffer
                .retain(|b| !matches!(b.ack, Some(a) if expired.contains(&a)));
            self.buffer_bytes = self.buffer.iter().map(Buffered::held_len).sum();
        }
        expired
    }

    /// On disconnection: drops the acks whose packet was already sent (they cannot be
    /// answered any more) and returns their ids; acks of buffered packets stay.
    pub(crate) fn cancel_sent_acks(&mut self) -> Vec<u64> {
        let buffered: Vec<u64> = self.buffer.iter().filter_map(|b| b.ack).collect();
        let cancelled: Vec<u64> = self
            .acks
            .keys()
            .filter(|id| !buffered.contains(id))
            .copied()
            .collect();
        for id in &cancelled {
            self.acks.remove(id);
        }
        cancelled
    }

    /// Buffers a packet emitted while offline: `Err(QueueFull)` beyond `limits.packets`
    /// packets, `Err(QueueBytesFull)` if it does not fit in `limits.bytes` (an empty
    /// buffer takes any one packet).
    pub(crate) fn buffer(&mut self, item: Buffered, limits: BufferLimits) -> Result<(), EmitError> {
        if self.buffer.len() >= limits.packets {
            return Err(EmitError::QueueFull {
                limit: limits.packets,
            });
        }
        let len = item.held_len();
        if !self.buffer.is_empty() && self.buffer_bytes.saturating_add(len) > limits.bytes {
            return Err(EmitError::QueueBytesFull {
                limit: limits.bytes,
            });
        }
        self.buffer_bytes = self.buffer_bytes.saturating_add(len);
        self.buffer.push_back(item);
        Ok(())
    }

    /// Takes every buffered packet, oldest first.
    pub(crate) fn drain_buffer(&mut self) -> VecDeque<Buffered> {
        self.buffer_bytes = 0;
        std::mem::take(&mut self.buffer)
    }

    /// How many packets are buffered.
    pub(crate) fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// How many bytes the buffered packets hold.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.buffer_bytes
    }

    /// Forgets every buffered packet and every pending ack (shutdown); returns the ack
    /// ids.
    pub(crate) fn release(&mut self) -> Vec<u64> {
        self.buffer.clear();
        self.buffer_bytes = 0;
        std::mem::take(&mut self.acks).into_keys().collect()
    }

    /// How many acks are pending.
    pub(crate) fn pending_acks(&self) -> usize {
        self.acks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;
    use crate::utf8::Utf8Bytes;

    const LIMITS: BufferLimits = BufferLimits {
        packets: 10,
        bytes: 1 << 20,
    };

    fn packets(n: usize) -> BufferLimits {
        BufferLimits {
            packets: n,
            bytes: 1 << 20,
        }
    }

    fn pkt(s: &str) -> Encoded {
        Encoded {
            text: Utf8Bytes::from(s),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn ack_ids_count_from_zero_and_are_bounded() {
        let mut s = SocketState::new("/".into(), None);
        assert_eq!(s.register_ack(None, 2), Ok(0));
        assert_eq!(s.register_ack(None, 2), Ok(1));
        assert_eq!(
            s.register_ack(None, 2),
            Err(EmitError::TooManyPendingAcks { limit: 2 })
        );
        assert!(s.take_ack(0));
        assert!(!s.take_ack(0));
        assert_eq!(s.register_ack(None, 2), Ok(2));
        assert_eq!(s.pending_acks(), 2);
    }

    #[test]
    fn expired_acks_leave_the_buffer() {
        let t0 = Instant::now();
        let mut s = SocketState::new("/".into(), None);
        let a = s
            .register_ack(Some(t0 + Duration::from_secs(1)), 10)
            .unwrap();
        let b = s
            .register_ack(Some(t0 + Duration::from_secs(5)), 10)
            .unwrap();
        s.buffer(
            Buffered {
                ack: Some(a),
                packet: pkt("20[\"a\"]"),
            },
            LIMITS,
        )
        .unwrap();
        s.buffer(
            Buffered {
                ack: None,
                packet: pkt("2[\"x\"]"),
            },
            LIMITS,
        )
        .unwrap();
        s.buffer(
            Buffered {
                ack: Some(b),
                packet: pkt("21[\"b\"]"),
            },
            LIMITS,
        )
        .unwrap();
        assert_eq!(s.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(s.expire_acks(t0 + Duration::from_secs(1)), vec![a]);
        assert_eq!(s.buffered(), 2);
        assert_eq!(s.next_deadline(), Some(t0 + Duration::from_secs(5)));
        let left: Vec<_> = s.drain_buffer().into_iter().map(|b| b.ack).collect();
        assert_eq!(left, vec![None, Some(b)]);
    }

    #[test]
    fn disconnect_cancels_only_sent_acks() {
        let mut s = SocketState::new("/".into(), None);
        let sent = s.register_ack(None, 10).unwrap();
        let queued = s.register_ack(None, 10).unwrap();
        s.buffer(
            Buffered {
                ack: Some(queued),
                packet: pkt("21[\"b\"]"),
            },
            LIMITS,
        )
        .unwrap();
        assert_eq!(s.cancel_sent_acks(), vec![sent]);
        assert_eq!(s.pending_acks(), 1);
        assert!(s.take_ack(queued));
    }

    #[test]
    fn buffer_is_bounded_and_ordered() {
        let mut s = SocketState::new("/".into(), None);
        s.buffer(
            Buffered {
                ack: None,
                packet: pkt("1"),
            },
            packets(2),
        )
        .unwrap();
        s.buffer(
            Buffered {
                ack: None,
                packet: pkt("2"),
            },
            packets(2),
        )
        .unwrap();
        assert_eq!(
            s.buffer(
                Buffered {
                    ack: None,
                    packet: pkt("3")
                },
                packets(2)
            )
            .unwrap_err(),
            EmitError::QueueFull { limit: 2 }
        );
        let texts: Vec<String> = s
            .drain_buffer()
            .into_iter()
            .map(|b| b.packet.text.to_string())
            .collect();
        assert_eq!(texts, vec!["1", "2"]);
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn buffer_is_bounded_in_bytes() {
        let mut s = SocketState::new("/".into(), None);
        let limits = BufferLimits {
            packets: 10,
            bytes: 8,
        };
        let item = |text: &str, att: &'static [u8]| Buffered {
            ack: None,
            packet: Encoded {
                text: Utf8Bytes::from(text),
                attachments: vec![bytes::Bytes::from_static(att)],
            },
        };
        // An empty buffer takes one packet whatever its size.
        s.buffer(item("51-[]", b"0123456789"), limits).unwrap();
        assert_eq!(s.buffered_bytes(), 15);
        assert_eq!(
            s.buffer(item("2", b""), limits).unwrap_err(),
            EmitError::QueueBytesFull { limit: 8 }
        );
        assert_eq!(s.drain_buffer().len(), 1);
        assert_eq!(s.buffered_bytes(), 0);
        s.buffer(item("2[1]", b""), limits).unwrap();
        s.buffer(item("2[2]", b""), limits).unwrap();
        assert_eq!(s.buffered_bytes(), 8);
        assert_eq!(
            s.buffer(item("2", b""), limits).unwrap_err(),
            EmitError::QueueBytesFull { limit: 8 }
        );
        let _ = s.release();
        assert_eq!(s.buffered_bytes(), 0);
    }
}
