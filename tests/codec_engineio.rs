//! Engine.IO v4 codec: the official protocol examples, payloads, error cases.
mod common;

use bytes::Bytes;
use socketio_proto::engineio::payload::encode_all;
use socketio_proto::engineio::{decode_payload, Packet, PayloadDecoder, WsMessage};
use socketio_proto::{DecodeError, Utf8Bytes};

const HANDSHAKE: &str = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#;

fn dec(s: &str) -> Result<Packet, DecodeError> {
    Packet::decode_text(&Utf8Bytes::from(s))
}

#[test]
fn spec_packets_decode_reencode_and_snapshot() {
    let texts = [
        HANDSHAKE,
        "1",
        "2",
        "3",
        "2probe",
        "3probe",
        "4hello",
        "4€",
        "4",
        "5",
        "6",
        // The Socket.IO sample session, as Engine.IO messages.
        "40",
        r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
        r#"42["hey","Jude"]"#,
    ];
    let mut decoded = Vec::new();
    for t in texts {
        let p = dec(t).unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(p.encode_text(), t);
        assert_eq!(p.to_ws(), WsMessage::Text(Utf8Bytes::from(t)));
        decoded.push((t, p));
    }
    common::with_snapshots(|| insta::assert_debug_snapshot!("spec_packets", decoded));
}

#[test]
fn handshake_fields() {
    let Packet::Open(hs) = dec(HANDSHAKE).unwrap() else {
        panic!("not an open packet")
    };
    assert_eq!(hs.sid, "lv_VI97HAXpY6yYWAAAC");
    assert_eq!(hs.upgrades, vec!["websocket".to_string()]);
    assert_eq!((hs.ping_interval, hs.ping_timeout), (25000, 5000));
    assert_eq!(hs.max_payload, Some(1_000_000));
    // Unknown fields are ignored, maxPayload may be absent.
    let Packet::Open(old) =
        dec(r#"0{"sid":"x","upgrades":[],"pingInterval":1,"pingTimeout":2,"extra":true}"#).unwrap()
    else {
        panic!()
    };
    assert_eq!(old.max_payload, None);
}

#[test]
fn spec_payloads() {
    let cases: [(&[u8], Vec<Packet>); 3] = [
        (
            b"4hello\x1e2\x1e4world",
            vec![
                Packet::text("hello"),
                Packet::Ping(Utf8Bytes::default()),
                Packet::text("world"),
            ],
        ),
        (
            b"4hello\x1ebAQIDBA==",
            vec![
                Packet::text("hello"),
                Packet::binary(Bytes::from_static(&[1, 2, 3, 4])),
            ],
        ),
        (
            "42[\"hello\"]\x1e42[\"world\"]".as_bytes(),
            vec![Packet::text(r#"2["hello"]"#), Packet::text(r#"2["world"]"#)],
        ),
    ];
    let mut snaps = Vec::new();
    for (body, want) in cases {
        let got = decode_payload(Bytes::from_static(body), 1_000_000).unwrap();
        assert_eq!(got, want);
        assert_eq!(encode_all(&got).as_bytes(), body);
        split_everywhere(body, &got);
        snaps.push((String::from_utf8_lossy(body).replace('\x1e', "␞"), got));
    }
    common::with_snapshots(|| insta::assert_debug_snapshot!("spec_payloads", snaps));
}

/// A payload fed in two or three chunks at any cut points decodes like the whole.
fn split_everywhere(body: &'static [u8], whole: &[Packet]) {
    for a in 0..=body.len() {
        for b in a..=body.len() {
            let mut d = PayloadDecoder::new(1_000_000);
            d.push(&body[..a]).unwrap();
            d.push_bytes(Bytes::from_static(&body[a..b])).unwrap();
            d.push(&body[b..]).unwrap();
            assert_eq!(d.finish().unwrap(), whole, "cuts {a} {b}");
        }
    }
}

#[test]
fn binary_over_websocket_is_raw() {
    let raw = Bytes::from_static(&[1, 2, 3, 4]);
    let p = Packet::decode_ws(WsMessage::Binary(raw.clone())).unwrap();
    assert_eq!(p, Packet::binary(raw.clone()));
    assert_eq!(p.to_ws(), WsMessage::Binary(raw));
    assert_eq!(p.encode_text(), "bAQIDBA==");
}

#[test]
fn error_cases() {
    assert_eq!(dec(""), Err(DecodeError::Empty));
    for t in ["7", "9", "b", "x", "\u{1e}"] {
        assert!(
            matches!(dec(t), Err(DecodeError::UnknownPacketType(_))),
            "{t}"
        );
    }
    for t in ["1x", "5probe", "6 "] {
        assert_eq!(dec(t), Err(DecodeError::UnexpectedData), "{t}");
    }
    for t in ["0", "0{", "0[]", r#"0{"sid":1}"#, r#"0{"sid":"x"}"#] {
        assert!(
            matches!(dec(t), Err(DecodeError::InvalidHandshake(_))),
            "{t}"
        );
    }
    let p = |b: &'static [u8], max| decode_payload(Bytes::from_static(b), max);
    assert_eq!(p(b"", 10), Err(DecodeError::Empty));
    assert_eq!(p(b"4a\x1e", 10), Err(DecodeError::Empty));
    assert_eq!(p(b"b***", 10), Err(DecodeError::InvalidBase64));
    assert_eq!(p(b"4\xc3", 10), Err(DecodeError::InvalidUtf8));
    assert_eq!(
        p(b"4hello\x1e4world", 8),
        Err(DecodeError::PayloadTooLarge { size: 13, limit: 8 })
    );
}
