#![no_main]
//! Socket.IO text packets through a Decoder, lazy and value-building. Invariants: no
//! panic; a packet that decodes re-encodes to text that decodes to the same packet; the
//! two decoders agree (the value-building one may only additionally reject packets whose
//! arguments cannot become values); the JSON skip-scanner agrees with serde_json on any
//! bytes; the decoder's fast path decides as its serde_json path; the fast placeholder
//! check never accepts what the serde one rejects.
use libfuzzer_sys::fuzz_target;
use socketio_proto::socketio::{fuzz_hooks, Decoder, DecoderConfig};
use socketio_proto::Utf8Bytes;

fuzz_target!(|data: &[u8]| {
    // The decoder's skip-scanner accepts exactly what serde_json accepts (lone
    // surrogates included: neither checks them when skipping).
    assert_eq!(
        fuzz_hooks::scan_json(data),
        fuzz_hooks::serde_json_accepts(data),
        "{:?}",
        String::from_utf8_lossy(data)
    );
    if let Some(json) = data.get(1..).and_then(|j| std::str::from_utf8(j).ok()) {
        let count = usize::from(data[0] % 4);
        assert!(fuzz_hooks::fast_decode_agrees(json), "{json}");
        if fuzz_hooks::placeholders_fast(json, count) {
            assert!(fuzz_hooks::placeholders_ok(json, count), "{json} {count}");
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = Utf8Bytes::from(text);
    let lazy = Decoder::new(DecoderConfig::default()).decode_text(&text);
    let eager = Decoder::default().with_values().decode_text(&text);
    match (&lazy, &eager) {
        (Ok(Some(l)), Ok(Some(e))) => {
            assert_eq!(l, e);
            if let Some(args) = l.args() {
                let values = args.to_values().expect("values of an accepted packet");
                assert_eq!(e.args().and_then(|a| a.values()), Some(&values[..]));
            }
        }
        (Ok(None), Ok(None)) | (Err(_), Err(_)) => {}
        // The value-building decoder rejects exactly the accepted packets whose values
        // cannot be built (nesting beyond serde_json's limit, lone surrogates).
        (Ok(Some(l)), Err(_)) if l.args().is_some_and(|a| a.to_values().is_err()) => {}
        _ => panic!("lazy {lazy:?} vs eager {eager:?}"),
    }
    if let Ok(Some(p)) = lazy {
        let enc = p.encode();
        assert!(enc.attachments.is_empty());
        let mut d2 = Decoder::default();
        assert_eq!(d2.decode_text(&enc.text), Ok(Some(p.clone())));
    }
});
