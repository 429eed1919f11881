#![no_main]
//! Engine.IO packet decoding on arbitrary bytes: text form and WebSocket messages.
//! Invariant: no panic; a decoded packet re-encodes to input that decodes the same.
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::engineio::{Packet, WsMessage};
use socketio_proto::Utf8Bytes;

fuzz_target!(|data: &[u8]| {
    let bytes = Bytes::copy_from_slice(data);
    if let Ok(text) = Utf8Bytes::from_bytes(bytes.clone()) {
        if let Ok(p) = Packet::decode_text(&text) {
            let again = Packet::decode_text(&Utf8Bytes::from(p.encode_text()));
            assert_eq!(again.as_ref(), Ok(&p));
        }
        let _ = Packet::decode_ws(WsMessage::Text(text));
    }
    let p =
        Packet::decode_ws(WsMessage::Binary(bytes.clone())).expect("binary frames always decode");
    assert_eq!(p, Packet::binary(bytes));
});
