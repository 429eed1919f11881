#![no_main]
//! Polling payloads: decoded whole and split at a fuzz-chosen point must agree.
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::engineio::{decode_payload, PayloadDecoder};

fuzz_target!(|input: (u16, u16, &[u8])| {
    let (cut, limit, body) = input;
    let limit = usize::from(limit).max(1);
    let cut = usize::from(cut) % (body.len() + 1);
    let whole = decode_payload(Bytes::copy_from_slice(body), limit);
    let mut d = PayloadDecoder::new(limit);
    let split = d
        .push(&body[..cut])
        .and_then(|()| d.push_bytes(Bytes::copy_from_slice(&body[cut..])))
        .and_then(|()| d.finish());
    match (&whole, &split) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        _ => panic!("whole {whole:?} vs split at {cut} {split:?}"),
    }
});
