//! One session's state: transport, held poll, outgoing queue, upgrade, heartbeat timers.

use super::types::{ConnId, OutMessage, RequestId};
use crate::engineio::payload::SEPARATOR;
use crate::engineio::{Packet, WsMessage};
use crate::utf8::Utf8Bytes;
use std::collections::VecDeque;
use std::time::Instant;

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

/// Encodes queued packets into one polling body: the first packet always, then more while
/// the body stays within `max_payload`. The body is sized up front (from the packets'
/// encoded lengths, the same test as below) so it does not regrow while joining.
pub(crate) fn encode_queue(queue: &mut VecDeque<Out>, max_payload: usize) -> String {
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

/// Which transport carries the session now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Active {
    Polling,
    Ws(ConnId),
}

/// An upgrade in progress: the WebSocket, whether the probe was answered, and the
/// deadline for the client's upgrade packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upgrade {
    pub(crate) conn: ConnId,
    pub(crate) probed: bool,
    pub(crate) deadline: Instant,
}

/// A live session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) sid: Utf8Bytes,
    pub(crate) active: Active,
    pub(crate) held_get: Option<RequestId>,
    pub(crate) queue: VecDeque<Out>,
    pub(crate) upgrade: Option<Upgrade>,
    pub(crate) next_ping: Option<Instant>,
    pub(crate) pong_deadline: Option<Instant>,
    /// Closed by the application while polling with no GET held: the next GET gets the
    /// queue and a close packet; the session is dropped at this deadline otherwise.
    pub(crate) closing: Option<Instant>,
    /// The deadline currently registered in the server's timer table.
    pub(crate) scheduled: Option<Instant>,
    /// The CORS headers for the held GET's response (computed from that request).
    pub(crate) held_headers: Vec<(&'static str, String)>,
}

impl Session {
    pub(crate) fn new(
        sid: Utf8Bytes,
        active: Active,
        now: Instant,
        interval: std::time::Duration,
    ) -> Self {
        Session {
            sid,
            active,
            held_get: None,
            queue: VecDeque::new(),
            upgrade: None,
            next_ping: Some(now + interval),
            pong_deadline: None,
            closing: None,
            scheduled: None,
            held_headers: Vec::new(),
        }
    }

    /// The earliest deadline of this session.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let mut d = crate::time::earliest(self.next_ping, self.pong_deadline);
        d = crate::time::earliest(d, self.upgrade.map(|u| u.deadline));
        crate::time::earliest(d, self.closing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::TextFrame;
    use bytes::Bytes;

    fn queue() -> VecDeque<Out> {
        VecDeque::from(vec![
            Out::Ctrl(Packet::Ping(Utf8Bytes::from_static("probe"))),
            Out::Msg(OutMessage::Text(TextFrame::new("2[\"a\",1]"))),
            Out::Msg(OutMessage::Binary(Bytes::from_static(b"\x01\x02\x03\x04"))),
            Out::Ctrl(Packet::Noop),
        ])
    }

    #[test]
    fn body_is_sized_up_front() {
        let mut q = queue();
        let body = encode_queue(&mut q, 1_000_000);
        assert_eq!(body, "2probe\u{1e}42[\"a\",1]\u{1e}bAQIDBA==\u{1e}6");
        assert_eq!(body.capacity(), body.len(), "no regrowth, no slack");
        assert!(q.is_empty());
    }

    #[test]
    fn body_stops_at_max_payload_and_first_packet_always_goes() {
        let mut q = queue();
        // "2probe" (6) + 1 + "42[\"a\",1]" (10) = 17 fits; the binary does not.
        let body = encode_queue(&mut q, 17);
        assert_eq!(body, "2probe\u{1e}42[\"a\",1]");
        assert_eq!(body.capacity(), body.len());
        assert_eq!(q.len(), 2);
        let body = encode_queue(&mut q, 1);
        assert_eq!(body, "bAQIDBA==");
        assert_eq!(body.capacity(), body.len());
        assert_eq!(encode_queue(&mut q, 1), "6");
        assert_eq!(encode_queue(&mut q, 1), "");
    }
}
