#![no_main]
//! decode(encode(x)) == x for Arbitrary packets of both layers.
use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::engineio::{self as eio, payload::decode_record};
use socketio_proto::socketio::{self as sio, Decoder, DecoderConfig};
use socketio_proto::Utf8Bytes;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(p) = sio::Packet::arbitrary(&mut u) {
        let enc = p.encode();
        // The attachment limit is a receiver policy; the encoder may exceed it.
        let mut d = Decoder::new(DecoderConfig {
            max_attachments: usize::MAX,
            max_attachment_bytes: usize::MAX,
        });
        let mut out = d.decode_text(&enc.text).expect("own text decodes");
        for a in &enc.attachments {
            assert!(out.is_none());
            out = d.decode_binary(a.clone()).expect("own attachment decodes");
        }
        assert_eq!(out.as_ref(), Some(&p));
    }
    if let Ok(p) = eio::Packet::arbitrary(&mut u) {
        let text = p.encode_text();
        let back = if p.is_binary() {
            assert_eq!(eio::Packet::decode_ws(p.to_ws()).as_ref(), Ok(&p));
            decode_record(Bytes::from(text))
        } else {
            eio::Packet::decode_text(&Utf8Bytes::from(text))
        };
        assert_eq!(back, Ok(p));
    }
});
