#![no_main]
//! Socket.IO text packets through a Decoder. Invariant: no panic; a packet that
//! decodes re-encodes to text that decodes to the same packet, and its arguments can
//! always be read as values.
use libfuzzer_sys::fuzz_target;
use socketio_proto::socketio::{Decoder, DecoderConfig};
use socketio_proto::Utf8Bytes;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut d = Decoder::new(DecoderConfig::default());
    if let Ok(Some(p)) = d.decode_text(&Utf8Bytes::from(text)) {
        let enc = p.encode();
        assert!(enc.attachments.is_empty());
        let mut d2 = Decoder::default();
        assert_eq!(d2.decode_text(&enc.text), Ok(Some(p.clone())));
        if let Some(args) = p.args() {
            let _ = args.to_values();
        }
    }
});
