#![no_main]
//! A sequence of Engine.IO text/binary messages through one Socket.IO Decoder.
//! Invariant: no panic; every completed binary packet has exactly as many attachments
//! as it announced and its placeholders resolve; the attachments held for a packet not
//! yet complete stay within `max_attachment_bytes`, and an error drops them.
use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::socketio::{Decoder, DecoderConfig};
use socketio_proto::Utf8Bytes;

#[derive(Arbitrary, Debug)]
enum Msg {
    Text(String),
    /// A binary packet header with fuzz-chosen parts, to reach the attachment paths.
    BinaryHeader(u8, bool, String),
    Binary(Vec<u8>),
}

fuzz_target!(|input: (u8, Vec<Msg>)| {
    let (max, msgs) = input;
    let config = DecoderConfig {
        max_attachments: usize::from(max % 16),
        // 0..=63 bytes: small enough that fuzzed attachments reach it.
        max_attachment_bytes: usize::from(max / 2 % 64),
    };
    // Both modes: lazy (streaming placeholder check) and value-building (tree check).
    let fresh = || {
        if max >= 128 {
            Decoder::new(config).with_values()
        } else {
            Decoder::new(config)
        }
    };
    let mut d = fresh();
    for m in msgs {
        let r = match m {
            Msg::Text(t) => d.decode_text(&Utf8Bytes::from(t)),
            Msg::BinaryHeader(n, ack, json) => {
                let ty = if ack { 6 } else { 5 };
                d.decode_text(&Utf8Bytes::from(format!("{ty}{}-{json}", n % 12)))
            }
            Msg::Binary(b) => d.decode_binary(Bytes::from(b)),
        };
        match r {
            Ok(Some(p)) => {
                if let Some(args) = p.args() {
                    let values = args.to_values();
                    if args.is_binary() {
                        assert!(values.is_ok());
                    }
                }
                let enc = p.encode();
                assert_eq!(
                    enc.attachments.len(),
                    p.args().map_or(0, |a| a.attachments().len())
                );
            }
            Ok(None) => {
                assert!(d.is_waiting());
                assert!(d.pending_bytes() <= config.max_attachment_bytes);
            }
            // After an error the connection is closed: start over.
            Err(_) => {
                // The partial packet is dropped with the error.
                assert_eq!(d.pending_bytes(), 0);
                d = fresh();
            }
        }
    }
});
