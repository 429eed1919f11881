#![no_main]
//! Arbitrary header lists, mostly near a valid WebSocket upgrade, against
//! `server::handshake::check_ws_upgrade` and the header budget.
//!
//! Invariants: no panic; a refusal is `400` or `426` (with `Sec-WebSocket-Version: 13`)
//! and says `Connection: … close`; an acceptance had exactly one version header, `13`,
//! and one key of 16 bytes of base64, and its `Sec-WebSocket-Accept` is `accept_key` of
//! that key; `check_header_bytes` refuses with `431` exactly past the budget.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use socketio_proto::server::handshake::{
    accept_key, check_header_bytes, check_ws_upgrade, header_bytes,
};

#[derive(Arbitrary, Debug)]
enum Name {
    Upgrade,
    Connection,
    Version,
    Key,
    Host,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Value {
    Websocket,
    Upgrade,
    KeepAliveUpgrade,
    Thirteen,
    GoodKey,
    Raw(Vec<u8>),
}

fuzz_target!(|input: (Vec<(Name, bool, Value)>, u16)| {
    let (list, budget) = input;
    let headers: Vec<(String, Vec<u8>)> = list
        .into_iter()
        .take(32)
        .map(|(n, upper, v)| {
            let name = match n {
                Name::Upgrade => "Upgrade".to_owned(),
                Name::Connection => "Connection".to_owned(),
                Name::Version => "Sec-WebSocket-Version".to_owned(),
                Name::Key => "Sec-WebSocket-Key".to_owned(),
                Name::Host => "Host".to_owned(),
                Name::Other(s) => s,
            };
            let name = if upper {
                name.to_ascii_uppercase()
            } else {
                name
            };
            let value = match v {
                Value::Websocket => b"websocket".to_vec(),
                Value::Upgrade => b"Upgrade".to_vec(),
                Value::KeepAliveUpgrade => b"keep-alive, upgrade".to_vec(),
                Value::Thirteen => b"13".to_vec(),
                Value::GoodKey => b"dGhlIHNhbXBsZSBub25jZQ==".to_vec(),
                Value::Raw(b) => b,
            };
            (name, value)
        })
        .collect();
    let view = || headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()));
    let named = |name: &str| -> Vec<&[u8]> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    };
    match check_ws_upgrade(view()) {
        Ok(accept) => {
            let versions = named("sec-websocket-version");
            assert_eq!(versions.len(), 1);
            assert_eq!(versions[0].trim_ascii(), b"13");
            let keys = named("sec-websocket-key");
            assert_eq!(keys.len(), 1);
            let key = std::str::from_utf8(keys[0]).expect("a valid key is ASCII");
            let key = key.trim_matches([' ', '\t']);
            assert_eq!(key.len(), 24);
            assert_eq!(accept.accept_key, accept_key(key));
            assert_eq!(accept.accept_key.len(), 28);
        }
        Err(r) => {
            assert!(r.status == 400 || r.status == 426, "status {}", r.status);
            if r.status == 426 {
                assert_eq!(r.header("Sec-WebSocket-Version"), Some("13"));
            }
            assert!(r.header("Connection").is_some_and(|c| c.ends_with("close")));
        }
    }
    let size = header_bytes(view());
    let expected: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
    assert_eq!(size, expected);
    let budget = usize::from(budget);
    match check_header_bytes(view(), budget) {
        Ok(()) => assert!(size <= budget),
        Err(r) => {
            assert!(size > budget);
            assert_eq!(r.status, 431);
        }
    }
});
