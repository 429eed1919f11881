//! HTTP long-polling payloads: packets in text form joined by the record separator
//! `\x1e`; a binary message is the record `b` + base64 of its bytes.

use super::packet::{Message, Packet};
use crate::error::DecodeError;
use crate::utf8::Utf8Bytes;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;

/// The record separator between packets of a polling payload.
pub const SEPARATOR: u8 = 0x1e;

/// Decodes one record of a polling payload (no separator inside).
pub fn decode_record(record: Bytes) -> Result<Packet, DecodeError> {
    match record.first() {
        None => Err(DecodeError::Empty),
        Some(b'b') => {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(&record[1..])
                .map_err(|_| DecodeError::InvalidBase64)?;
            Ok(Packet::Message(Message::Binary(Bytes::from(raw))))
        }
        Some(_) => {
            let text = Utf8Bytes::from_bytes(record).map_err(|_| DecodeError::InvalidUtf8)?;
            Packet::decode_text(&text)
        }
    }
}

/// Decodes a whole polling payload. Fails on the first malformed record, or when the
/// body is larger than `max_payload` bytes. Text data is sliced from `body`, not copied.
pub fn decode_payload(body: Bytes, max_payload: usize) -> Result<Vec<Packet>, DecodeError> {
    let mut decoder = PayloadDecoder::new(max_payload);
    decoder.push_bytes(body)?;
    decoder.finish()
}

/// Incremental decoder for a polling body that arrives in chunks.
///
/// Feed chunks with [`push`](Self::push); complete records are decoded as soon as their
/// separator arrives; [`finish`](Self::finish) decodes the last record. Splitting a body
/// at any byte gives the same packets as decoding it whole.
#[derive(Debug)]
pub struct PayloadDecoder {
    pending: BytesMut,
    packets: Vec<Packet>,
    seen: usize,
    max_payload: usize,
}

impl PayloadDecoder {
    /// A decoder that rejects bodies larger than `max_payload` bytes.
    pub fn new(max_payload: usize) -> Self {
        PayloadDecoder {
            pending: BytesMut::new(),
            packets: Vec::new(),
            seen: 0,
            max_payload,
        }
    }

    /// Feeds the next chunk of the body.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DecodeError> {
        self.account(chunk.len())?;
        self.pending.extend_from_slice(chunk);
        self.drain_records()
    }

    /// Feeds an owned chunk; when nothing is pending the records are sliced from it
    /// without copying.
    pub fn push_bytes(&mut self, chunk: Bytes) -> Result<(), DecodeError> {
        self.account(chunk.len())?;
        if !self.pending.is_empty() {
            self.pending.extend_from_slice(&chunk);
            return self.drain_records();
        }
        let mut rest = chunk;
        while let Some(at) = rest.iter().position(|&b| b == SEPARATOR) {
            let record = rest.split_to(at);
            rest.advance_one();
            self.packets.push(decode_record(record)?);
        }
        self.pending.extend_from_slice(&rest);
        Ok(())
    }

    /// Decodes the final record and returns every packet of the payload.
    pub fn finish(mut self) -> Result<Vec<Packet>, DecodeError> {
        let last = self.pending.split().freeze();
        self.packets.push(decode_record(last)?);
        Ok(self.packets)
    }

    fn account(&mut self, n: usize) -> Result<(), DecodeError> {
        self.seen = self.seen.saturating_add(n);
        if self.seen > self.max_payload {
            return Err(DecodeError::PayloadTooLarge {
                size: self.seen,
                limit: self.max_payload,
            });
        }
        Ok(())
    }

    fn drain_records(&mut self) -> Result<(), DecodeError> {
        while let Some(at) = self.pending.iter().position(|&b| b == SEPARATOR) {
            let record = self.pending.split_to(at).freeze();
            let _ = self.pending.split_to(1);
            self.packets.push(decode_record(record)?);
        }
        Ok(())
    }
}

trait AdvanceOne {
    fn advance_one(&mut self);
}

impl AdvanceOne for Bytes {
    fn advance_one(&mut self) {
        let _ = self.split_to(1.min(self.len()));
    }
}

/// Encodes packets into one polling payload.
///
/// Takes whole packets from the front of `queue` while the payload stays within
/// `max_payload` bytes (separators included) and leaves the rest for the next response.
/// The first packet is always taken, even if alone it is larger, so that the queue
/// always makes progress. Returns an empty string for an empty queue.
pub fn encode_payload(queue: &mut VecDeque<Packet>, max_payload: usize) -> String {
    let mut budget = 0usize;
    for p in queue.iter() {
        let next = budget + p.encoded_len_hint() + 1;
        if budget > 0 && next > max_payload {
            break;
        }
        budget = next;
    }
    let mut out = String::with_capacity(budget);
    let mut taken = 0;
    for packet in queue.iter() {
        if taken > 0 {
            if out.len() + 1 + packet.encoded_len_hint() > max_payload {
                break;
            }
            let mark = out.len();
            out.push(SEPARATOR as char);
            packet.encode_text_into(&mut out);
            if out.len() > max_payload {
                // The hint was low (an open packet): undo and leave it for later.
                out.truncate(mark);
                break;
            }
        } else {
            packet.encode_text_into(&mut out);
        }
        taken += 1;
    }
    queue.drain(..taken);
    out
}

/// Encodes every packet into one payload, with no size budget.
pub fn encode_all(packets: &[Packet]) -> String {
    let total: usize = packets.iter().map(|p| p.encoded_len_hint() + 1).sum();
    let mut out = String::with_capacity(total);
    for (i, p) in packets.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR as char);
        }
        p.encode_text_into(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_mixed_payload() {
        let body = Bytes::from_static(b"4hello\x1ebAQIDBA==");
        let packets = decode_payload(body, 1000).unwrap();
        assert_eq!(
            packets,
            vec![
                Packet::text("hello"),
                Packet::binary(Bytes::from_static(&[1, 2, 3, 4]))
            ]
        );
        assert_eq!(encode_all(&packets), "4hello\x1ebAQIDBA==");
    }

    #[test]
    fn split_anywhere_gives_same_packets() {
        let body: &[u8] = b"4hello\x1e2\x1ebAQIDBA==\x1e4\xc3\xa9t\xc3\xa9\x1e6";
        let whole = decode_payload(Bytes::from_static(body), 1000).unwrap();
        for cut in 0..=body.len() {
            let mut d = PayloadDecoder::new(1000);
            d.push(&body[..cut]).unwrap();
            d.push_bytes(Bytes::copy_from_slice(&body[cut..])).unwrap();
            assert_eq!(d.finish().unwrap(), whole, "cut at {cut}");
        }
    }

    #[test]
    fn limits_and_errors() {
        assert_eq!(
            decode_payload(Bytes::from_static(b"4abc"), 3),
            Err(DecodeError::PayloadTooLarge { size: 4, limit: 3 })
        );
        assert_eq!(
            decode_payload(Bytes::from_static(b"b!!"), 10),
            Err(DecodeError::InvalidBase64)
        );
        assert_eq!(
            decode_payload(Bytes::from_static(b"4a\x1e\x1e4b"), 10),
            Err(DecodeError::Empty)
        );
        assert_eq!(
            decode_payload(Bytes::from_static(b"4\xff"), 10),
            Err(DecodeError::InvalidUtf8)
        );
    }

    #[test]
    fn encoder_respects_budget() {
        let mut q: VecDeque<Packet> = ["aaaa", "bbbb", "cccc"]
            .into_iter()
            .map(Packet::text)
            .collect();
        // "4aaaa" + "\x1e4bbbb" = 11 bytes.
        assert_eq!(encode_payload(&mut q, 11), "4aaaa\x1e4bbbb");
        assert_eq!(q.len(), 1);
        assert_eq!(encode_payload(&mut q, 1), "4cccc");
        assert!(q.is_empty());
        assert_eq!(encode_payload(&mut q, 1), "");
    }
}
