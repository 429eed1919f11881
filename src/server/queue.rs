//! A session's outgoing queue: packets waiting for a poll (or for an upgrade to finish),
//! with the bytes they hold, and the polling body built from them.

use super::types::OutMessage;
use crate::engineio::payload::SEPARATOR;
use crate::engineio::{Packet, WsMessage};
use std::collections::VecDeque;

/// A queued outgoing packet: either a control packet or an application message (whose
/// text form is already encoded and may be shared with other sessions).
#[derive(Debug, Clone)]
pub(crate) enum Out {
    Ctrl(Packet),
    Msg(OutMessage),
}

impl Out {
    /// The WebSocket frame for this packet (a message's buffer is moved, not cloned:
    /// cloning a uniquely owned buffer would allocate its shared header).
    pub(crate) fn into_ws(self) -> WsMessage {
        match self {
            Out::Ctrl(p) => p.to_ws(),
            Out::Msg(OutMessage::Text(f)) => WsMessage::Text(f.into_frame()),
            Out::Msg(OutMessage::Binary(b)) => WsMessage::Binary(b),
        }
    }

    /// Bytes this packet counts toward the session's budget: what it holds (a shared
    /// frame counts in full for every session that queues it).
    pub(crate) fn held_len(&self) -> usize {
        match self {
            Out::Ctrl(p) => p.encoded_len_hint(),
            Out::Msg(m) => m.held_len(),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Out::Ctrl(p) => p.encoded_len_hint(),
            Out::Msg(m) => m.wire_len(),
        }
    }

    fn encode_into(&self, out: &mut String) {
        match self {
            Out::Ctrl(p) => p.encode_text_into(out),
            Out::Msg(OutMessage::Text(f)) => out.push_str(f.frame()),
            Out::Msg(OutMessage::Binary(b)) => {
                Packet::binary(b.clone()).encode_text_into(out);
            }
        }
    }
}

/// The packets waiting for a session's transport, in order, and the bytes they hold
/// (kept up to date by every method, so the budget check costs nothing).
#[derive(Debug, Default)]
pub(crate) struct OutQueue {
    items: VecDeque<Out>,
    bytes: usize,
}

impl OutQueue {
    /// Number of packets.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes held by the queued packets.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends a packet.
    pub(crate) fn push_back(&mut self, o: Out) {
        self.bytes = self.bytes.saturating_add(o.held_len());
        self.items.push_back(o);
    }

    /// Takes the first packet.
    pub(crate) fn pop_front(&mut self) -> Option<Out> {
        let o = self.items.pop_front()?;
        self.bytes = self.bytes.saturating_sub(o.held_len());
        Some(o)
    }

    /// Drops the packets after the first `len` (taking back a partial `send_many`).
    pub(crate) fn truncate(&mut self, len: usize) {
        while self.items.len() > len {
            if let Some(o) = self.items.pop_back() {
                self.bytes = self.bytes.saturating_sub(o.held_len());
            }
        }
    }

    /// Takes every packet, in order.
    pub(crate) fn take_all(&mut self) -> VecDeque<Out> {
        self.bytes = 0;
        std::mem::take(&mut self.items)
    }

    /// Whether a ping waits already (a second one would tell the client nothing new).
    pub(crate) fn has_ping(&self) -> bool {
        self.items
            .iter()
            .any(|o| matches!(o, Out::Ctrl(Packet::Ping(_))))
    }

    fn iter(&self) -> impl Iterator<Item = &Out> {
        self.items.iter()
    }

    fn front(&self) -> Option<&Out> {
        self.items.front()
    }
}

/// Encodes queued packets into one polling body: the first packet always, then more while
/// the body stays within `max_payload`. The body is sized up front (from the packets'
/// encoded lengths, the same test as below) so it does not regrow while joining.
pub(crate) fn encode_queue(queue: &mut OutQueue, max_payload: usize) -> String {
    let mut size = 0usize;
    for (i, p) in queue.iter().enumerate() {
        let len = p.encoded_len();
        if i > 0 {
            if size + 1 + len > max_payload {
                break;
            }
            size += 1;
        }
        size += len;
    }
    let mut out = String::with_capacity(size);
    let mut first = true;
    while let Some(p) = queue.front() {
        if !first && out.len() + 1 + p.encoded_len() > max_payload {
            break;
        }
        if !first {
            out.push(SEPARATOR as char);
        }
        p.encode_into(&mut out);
        first = false;
        queue.pop_front();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::TextFrame;
    use crate::utf8::Utf8Bytes;
    use bytes::Bytes;

    fn queue() -> OutQueue {
        let mut q = OutQueue::default();
        q.push_back(Out::Ctrl(Packet::Ping(Utf8Bytes::from_static("probe"))));
        q.push_back(Out::Msg(OutMessage::Text(TextFrame::new("2[\"a\",1]"))));
        q.push_back(Out::Msg(OutMessage::Binary(Bytes::from_static(
            b"\x01\x02\x03\x04",
        ))));
        q.push_back(Out::Ctrl(Packet::Noop));
        q
    }

    #[test]
    fn body_is_sized_up_front() {
        let mut q = queue();
        let body = encode_queue(&mut q, 1_000_000);
        assert_eq!(body, "2probe\u{1e}42[\"a\",1]\u{1e}bAQIDBA==\u{1e}6");
        assert_eq!(body.capacity(), body.len(), "no regrowth, no slack");
        assert!(q.is_empty());
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn body_stops_at_max_payload_and_first_packet_always_goes() {
        let mut q = queue();
        // "2probe" (6) + 1 + "42[\"a\",1]" (10) = 17 fits; the binary does not.
        let body = encode_queue(&mut q, 17);
        assert_eq!(body, "2probe\u{1e}42[\"a\",1]");
        assert_eq!(body.capacity(), body.len());
        assert_eq!(q.len(), 2);
        assert_eq!(q.bytes(), 4 + 1, "the binary's 4 bytes and the noop");
        let body = encode_queue(&mut q, 1);
        assert_eq!(body, "bAQIDBA==");
        assert_eq!(body.capacity(), body.len());
        assert_eq!(encode_queue(&mut q, 1), "6");
        assert_eq!(encode_queue(&mut q, 1), "");
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn bytes_follow_every_change() {
        let mut q = queue();
        // "2probe" 6 + frame 9 + binary 4 (held raw, not base64) + noop 1.
        assert_eq!(q.bytes(), 20);
        assert!(q.has_ping());
        q.truncate(2);
        assert_eq!(q.bytes(), 15);
        assert!(q.pop_front().is_some());
        assert_eq!(q.bytes(), 9);
        assert!(!q.has_ping());
        assert_eq!(q.take_all().len(), 1);
        assert_eq!((q.len(), q.bytes()), (0, 0));
    }
}
