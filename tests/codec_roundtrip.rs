//! `decode(encode(x)) == x` for Arbitrary-generated packets of both layers, over a few
//! thousand seeds (needs the `arbitrary` feature: `cargo test --all-features`).

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use rand::{RngCore, SeedableRng};
use socketio_proto::engineio::payload::{decode_record, encode_all};
use socketio_proto::engineio::{self as eio, decode_payload, PayloadDecoder};
use socketio_proto::socketio::{self as sio, Decoder, DecoderConfig, Value};
use socketio_proto::Utf8Bytes;

const SEEDS: u64 = 4000;

/// Runs `f` on `SEEDS` pseudo-random byte strings of varying length.
fn for_seeds(mut f: impl FnMut(&mut Unstructured<'_>)) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let mut buf = vec![0u8; 4096];
    for seed in 0..SEEDS {
        let len = 16 + (seed as usize * 37) % 4000;
        rng.fill_bytes(&mut buf[..len]);
        f(&mut Unstructured::new(&buf[..len]));
    }
}

fn sio_roundtrip(p: &sio::Packet) -> sio::Packet {
    let enc = p.encode();
    // The attachment limit is a receiver policy; the encoder may exceed it.
    let mut d = Decoder::new(DecoderConfig {
        max_attachments: usize::MAX,
        max_attachment_bytes: usize::MAX,
    });
    let mut out = d
        .decode_text(&enc.text)
        .unwrap_or_else(|e| panic!("{:?}: {e}", enc.text));
    for a in &enc.attachments {
        assert!(out.is_none());
        out = d.decode_binary(a.clone()).unwrap();
    }
    out.expect("complete after the last attachment")
}

#[test]
fn socketio_packets_round_trip() {
    let (mut n, mut binary) = (0, 0);
    for_seeds(|u| {
        let Ok(p) = sio::Packet::arbitrary(u) else {
            return;
        };
        let back = sio_roundtrip(&p);
        assert_eq!(back, p);
        if let Some(args) = p.args() {
            binary += usize::from(args.is_binary());
            // The values survive too, binary included.
            assert_eq!(
                back.args().unwrap().to_values().unwrap(),
                args.to_values().unwrap()
            );
        }
        n += 1;
    });
    assert!(n > SEEDS as usize * 9 / 10, "only {n} packets generated");
    assert!(binary > 100, "only {binary} binary packets");
}

#[test]
fn socketio_values_round_trip_through_events() {
    for_seeds(|u| {
        let Ok(args) = Vec::<Value>::arbitrary(u) else {
            return;
        };
        // The streaming encoder and the Packet builder agree byte for byte.
        let enc = sio::encode_event("/ns", "ev", Some(1), &args).unwrap();
        let p = sio::Packet::event_with_ack("/ns", "ev", 1, &args).unwrap();
        assert_eq!(p.encode(), enc);
        let back = sio_roundtrip(&p);
        assert_eq!(back.args().unwrap().to_values().unwrap(), args);
        let typed: Vec<Value> = back.args().unwrap().deserialize().unwrap();
        assert_eq!(typed, args);
    });
}

#[test]
fn engineio_packets_round_trip() {
    let mut batch = Vec::new();
    for_seeds(|u| {
        let Ok(p) = eio::Packet::arbitrary(u) else {
            return;
        };
        let back = match &p {
            // Polling form `b<base64>` and WebSocket binary frame.
            eio::Packet::Message(eio::Message::Binary(_)) => {
                let polling = decode_record(Bytes::from(p.encode_text())).unwrap();
                assert_eq!(eio::Packet::decode_ws(p.to_ws()).unwrap(), p);
                polling
            }
            _ => eio::Packet::decode_text(&Utf8Bytes::from(p.encode_text())).unwrap(),
        };
        assert_eq!(back, p);
        if !p.encode_text().contains('\u{1e}') {
            batch.push(p);
        }
    });
    // Whole payloads, decoded whole and in two pieces.
    for chunk in batch.chunks(7) {
        let body = encode_all(chunk);
        let whole = decode_payload(Bytes::from(body.clone()), usize::MAX).unwrap();
        assert_eq!(whole, chunk);
        let cut = body.len() / 3;
        let mut d = PayloadDecoder::new(usize::MAX);
        d.push(&body.as_bytes()[..cut]).unwrap();
        d.push(&body.as_bytes()[cut..]).unwrap();
        assert_eq!(d.finish().unwrap(), chunk);
    }
}
