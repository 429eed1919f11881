//! Decoding: text frames (and the binary attachments that follow some of them) into
//! [`Packet`]s.
//!
//! An EVENT is validated in one scan of its JSON (array, name a string or number and
//! not reserved, the rest skipped like [`IgnoredAny`](serde::de::IgnoredAny)); its arguments stay a slice of
//! the frame until the user deserializes them. Only binary packets build a tree, to
//! match placeholders with attachments.

use super::binary;
use super::packet::{Packet, PacketData, PacketType, MAIN_NAMESPACE};
use super::payload::{decode_data, decode_values, json_error};
use super::value::Value;
use crate::error::DecodeError;
use crate::utf8::Utf8Bytes;
use bytes::Bytes;

/// `serde_json`'s nesting limit, reported in [`DecodeError::TooDeep`].
pub const MAX_DEPTH: usize = 128;

/// Default for [`DecoderConfig::max_attachments`].
pub const DEFAULT_MAX_ATTACHMENTS: usize = 10;

/// Default for [`DecoderConfig::max_attachment_bytes`]: 1 000 000 bytes, the default
/// `max_payload` of a server (so a binary packet holds no more over WebSocket than one
/// polling POST could carry).
pub const DEFAULT_MAX_ATTACHMENT_BYTES: usize = 1_000_000;

/// Decoder limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderConfig {
    /// The largest attachment count a binary packet may announce (default 10).
    pub max_attachments: usize,
    /// The most bytes the attachments of one binary packet may hold together, while
    /// they are reassembled (default [`DEFAULT_MAX_ATTACHMENT_BYTES`]). The attachment
    /// that goes beyond it is refused with [`DecodeError::AttachmentsTooLarge`] and the
    /// partial packet dropped.
    pub max_attachment_bytes: usize,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_attachments: DEFAULT_MAX_ATTACHMENTS,
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
        }
    }
}

/// A binary packet waiting for its attachments.
#[derive(Debug)]
struct Pending {
    packet: Packet,
    expected: usize,
    received: Vec<Bytes>,
    /// Bytes of `received`.
    bytes: usize,
}

/// Stateful Socket.IO decoder for one connection: feed it every Engine.IO message in
/// order. After an error the connection must be closed; the decoder drops any partial
/// packet.
#[derive(Debug, Default)]
pub struct Decoder {
    config: DecoderConfig,
    build_values: bool,
    pending: Option<Pending>,
}

impl Decoder {
    /// A decoder with the given limits.
    pub fn new(config: DecoderConfig) -> Self {
        Decoder {
            config,
            build_values: false,
            pending: None,
        }
    }

    /// Also parse event and ack arguments into [`Value`]s while validating (one pass
    /// over the JSON instead of a validating scan now and a parse later); read them with
    /// [`Args::values`](super::Args::values) / [`Args::into_values`](super::Args::into_values).
    pub fn with_values(mut self) -> Self {
        self.build_values = true;
        self
    }

    /// Drops a binary packet still waiting for attachments, if any.
    pub fn reset(&mut self) {
        self.pending = None;
    }

    /// Whether a binary packet is waiting for attachments.
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// Bytes of the attachments received for the packet still waiting (0 if none): at
    /// most [`DecoderConfig::max_attachment_bytes`].
    pub fn pending_bytes(&self) -> usize {
        self.pending.as_ref().map_or(0, |p| p.bytes)
    }

    /// Decodes an Engine.IO text message. Returns `None` for a binary packet, which is
    /// returned by [`decode_binary`](Self::decode_binary) once its attachments arrived.
    pub fn decode_text(&mut self, text: &Utf8Bytes) -> Result<Option<Packet>, DecodeError> {
        if self.pending.is_some() {
            self.pending = None;
            return Err(DecodeError::ExpectedAttachment);
        }
        let (packet, attachments) = decode(text, self.config.max_attachments, self.build_values)?;
        if attachments == 0 {
            return Ok(Some(packet));
        }
        self.pending = Some(Pending {
            packet,
            expected: attachments,
            received: Vec::with_capacity(attachments),
            bytes: 0,
        });
        Ok(None)
    }

    /// Decodes an Engine.IO binary message: the next attachment of the pending packet.
    /// Returns the packet when this was its last attachment.
    pub fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError> {
        let mut pending = self
            .pending
            .take()
            .ok_or(DecodeError::UnexpectedAttachment)?;
        let size = pending.bytes.saturating_add(data.len());
        let limit = self.config.max_attachment_bytes;
        if size > limit {
            return Err(DecodeError::AttachmentsTooLarge { size, limit });
        }
        pending.bytes = size;
        pending.received.push(data);
        if pending.received.len() < pending.expected {
            self.pending = Some(pending);
            return Ok(None);
        }
        let Pending {
            mut packet,
            received,
            ..
        } = pending;
        let is_event = matches!(packet.data, PacketData::Event { .. });
        if let PacketData::Event { args, .. } | PacketData::Ack(args) = &mut packet.data {
            if !self.build_values {
                binary::check_json(args.json(), received.len())?;
            } else {
                let mut tree: Value = serde_json::from_str(args.json().as_str())
                    .map_err(|e| json_error(e, "invalid JSON"))?;
                binary::check(&tree, received.len())?;
                binary::fill(&mut tree, &received);
                if let Value::Array(mut values) = tree {
                    if is_event && !values.is_empty() {
                        values.remove(0);
                    }
                    args.set_values(values);
                }
            }
            args.set_attachments(received);
        }
        Ok(Some(packet))
    }
}

/// Decodes one text frame: the packet (binary ones without their attachments yet) and
/// the number of attachments that must follow.
pub fn decode_packet(
    text: &Utf8Bytes,
    max_attachments: usize,
) -> Result<(Packet, usize), DecodeError> {
    decode(text, max_attachments, false)
}

fn decode(
    text: &Utf8Bytes,
    max_attachments: usize,
    build_values: bool,
) -> Result<(Packet, usize), DecodeError> {
    let b = text.as_bytes();
    let ty = PacketType::from_byte(*b.first().ok_or(DecodeError::Empty)?)?;
    let mut i = 1;
    let mut attachments = 0;
    if ty.is_binary() {
        let dash = b[i..]
            .iter()
            .position(|&c| c == b'-')
            .ok_or(DecodeError::InvalidAttachmentCount)?;
        let count = parse_u64(&b[i..i + dash]).ok_or(DecodeError::InvalidAttachmentCount)?;
        let count = usize::try_from(count).map_err(|_| DecodeError::InvalidAttachmentCount)?;
        if count == 0 {
            return Err(DecodeError::ZeroAttachments);
        }
        if count > max_attachments {
            return Err(DecodeError::TooManyAttachments {
                count,
                limit: max_attachments,
            });
        }
        attachments = count;
        i += dash + 1;
    }
    let nsp = if b.get(i) == Some(&b'/') {
        let len = b[i..]
            .iter()
            .position(|&c| c == b',')
            .unwrap_or(b.len() - i);
        let nsp = text
            .slice(i..i + len)
            .ok_or(DecodeError::InvalidNamespace)?;
        i += len + usize::from(i + len < b.len());
        nsp
    } else {
        Utf8Bytes::from_static(MAIN_NAMESPACE)
    };
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let id = if digits > 0 {
        let id = parse_u64(&b[i..i + digits]).ok_or(DecodeError::InvalidAckId)?;
        i += digits;
        Some(id)
    } else {
        None
    };
    // Everything so far is ASCII, so `i` is a char boundary.
    let json = text.slice(i..b.len()).ok_or(DecodeError::InvalidUtf8)?;
    // Binary packets build their values once the attachments are in.
    let data = if build_values && !ty.is_binary() {
        decode_values(ty, json)?
    } else {
        decode_data(ty, json)?
    };
    Ok((Packet { nsp, id, data }, attachments))
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &c| {
        if !c.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })
}
