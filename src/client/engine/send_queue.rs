//! The Engine.IO client's send side: the application's `send`/`send_many` and the
//! write queue they fill, bounded in packets and bytes (`max_queued_packets`,
//! `max_queued_bytes`).

use super::client::{held_len, Active, EngineClient, Phase};
use crate::engineio::{Message, Packet};
use crate::error::SendError;

impl EngineClient {
    /// Queues a message for the server. Before the handshake, during a POST in flight or
    /// during the upgrade, messages wait in a queue of at most
    /// [`max_queued_packets`](super::EngineConfig::max_queued_packets).
    ///
    /// Errors: [`SendError::NotConnected`] once `close()` was called or the connection
    /// closed; [`SendError::QueueFull`] when the queue is full;
    /// [`SendError::QueueBytesFull`] when the message does not fit in
    /// [`max_queued_bytes`](super::EngineConfig::max_queued_bytes) (an empty queue takes any one
    /// message).
    pub fn send(&mut self, msg: Message) -> Result<(), SendError> {
        let now = self.now();
        if matches!(self.phase, Phase::Closing | Phase::Closed) {
            return Err(SendError::NotConnected);
        }
        let packet = Packet::Message(msg);
        self.check_room(1, held_len(&packet))?;
        self.push(packet);
        self.flush(now);
        Ok(())
    }

    /// Queues several messages atomically (all or none), e.g. a Socket.IO packet and its
    /// binary attachments: one room check for them together (an empty queue takes
    /// them whatever their size), then each is sent as [`send`](Self::send) would (over
    /// polling the first may leave alone in a POST, as the JS client does). Same errors
    /// as [`send`](Self::send).
    pub fn send_many(&mut self, msgs: impl IntoIterator<Item = Message>) -> Result<(), SendError> {
        let now = self.now();
        if matches!(self.phase, Phase::Closing | Phase::Closed) {
            return Err(SendError::NotConnected);
        }
        let packets: Vec<Packet> = msgs.into_iter().map(Packet::Message).collect();
        let bytes = packets.iter().map(held_len).fold(0, usize::saturating_add);
        self.check_room(packets.len(), bytes)?;
        for p in packets {
            self.push(p);
            self.flush(now);
        }
        Ok(())
    }

    /// Whether `count` more messages holding `bytes` fit the queue now: the check
    /// [`send`](Self::send) and [`send_many`](Self::send_many) make. An empty queue
    /// takes anything.
    pub fn check_room(&self, count: usize, bytes: usize) -> Result<(), SendError> {
        let max_packets = self.config.max_queued_packets;
        let max_bytes = self.config.max_queued_bytes;
        if self.write_buf.len().saturating_add(count) > max_packets {
            return Err(SendError::QueueFull { limit: max_packets });
        }
        if !self.write_buf.is_empty() && self.write_bytes.saturating_add(bytes) > max_bytes {
            return Err(SendError::QueueBytesFull { limit: max_bytes });
        }
        Ok(())
    }

    /// Bytes held by the messages waiting to be sent (at most
    /// [`max_queued_bytes`](super::EngineConfig::max_queued_bytes), or one message).
    pub fn queued_bytes(&self) -> usize {
        self.write_bytes
    }

    /// Appends a packet to the write queue, counting its bytes.
    pub(super) fn push(&mut self, packet: Packet) {
        self.write_bytes = self.write_bytes.saturating_add(held_len(&packet));
        self.write_buf.push_back(packet);
    }

    /// Takes the first packet of the write queue.
    pub(super) fn pop(&mut self) -> Option<Packet> {
        let packet = self.write_buf.pop_front()?;
        self.write_bytes = self.write_bytes.saturating_sub(held_len(&packet));
        Some(packet)
    }

    /// Recounts the write queue's bytes (after a polling body took packets from it).
    pub(super) fn recount(&mut self) {
        self.write_bytes = self.write_buf.iter().map(held_len).sum();
    }

    /// Whether a message sent now would leave at once (the JS transport's `writable`,
    /// the test for volatile emits): open, nothing queued, and over polling no POST in
    /// flight and no upgrade pause.
    pub fn is_writable(&self) -> bool {
        self.phase == Phase::Open
            && self.write_buf.is_empty()
            && match &self.active {
                Active::Polling { post, paused, .. } => post.is_none() && !*paused,
                Active::WebSocket { opened, .. } => *opened,
            }
    }

    /// How many more messages [`send`](Self::send) takes right now before
    /// [`SendError::QueueFull`] (for callers that queue several messages atomically, such as
    /// a Socket.IO binary packet and its attachments).
    pub fn send_capacity(&self) -> usize {
        self.config
            .max_queued_packets
            .saturating_sub(self.write_buf.len())
    }
}
