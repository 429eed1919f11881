//! Strict WebSocket handshakes (issue 10, RFC 6455 §4.2.1): `check_ws_upgrade` on the
//! issue's bad handshakes, on good ones written in every legal way, and the header
//! budget's `431`.
mod common;

use common::with_snapshots;
use socketio_proto::server::handshake::{
    accept_key, check_header_bytes, check_ws_upgrade, header_bytes, header_too_large, WsAccept,
};
use socketio_proto::server::{EngineConfig, HttpResponse};
use std::fmt::Write as _;

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// Changes to the browser's request: `(name, Some(value))` sets or adds a header,
/// `(name, None)` removes it.
type Changes = Vec<(&'static str, Option<&'static str>)>;

/// A browser's upgrade request, with `changes` applied: `(name, Some(value))` sets or
/// adds a header, `(name, None)` removes it.
fn request(changes: &[(&'static str, Option<&'static str>)]) -> Vec<(&'static str, Vec<u8>)> {
    let mut h: Vec<(&'static str, Vec<u8>)> = vec![
        ("Host", b"localhost:3000".to_vec()),
        ("Upgrade", b"websocket".to_vec()),
        ("Connection", b"Upgrade".to_vec()),
        ("Sec-WebSocket-Version", b"13".to_vec()),
        ("Sec-WebSocket-Key", KEY.as_bytes().to_vec()),
    ];
    for (name, value) in changes {
        match value {
            Some(v) => match h.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = v.as_bytes().to_vec(),
                None => h.push((name, v.as_bytes().to_vec())),
            },
            None => h.retain(|(n, _)| n != name),
        }
    }
    h
}

fn check(headers: &[(&'static str, Vec<u8>)]) -> Result<WsAccept, HttpResponse> {
    check_ws_upgrade(headers.iter().map(|(n, v)| (*n, v.as_slice())))
}

fn show(r: &Result<WsAccept, HttpResponse>) -> String {
    match r {
        Ok(a) => format!("101 Sec-WebSocket-Accept: {}", a.accept_key),
        Err(resp) => {
            let headers: Vec<String> = resp
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            format!(
                "{} [{}] {:?}",
                resp.status,
                headers.join(" | "),
                String::from_utf8_lossy(&resp.body)
            )
        }
    }
}

/// The bad handshakes, each got `101` before.
#[test]
fn bad_handshakes_are_refused() {
    let key32 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
    let cases: Vec<(&str, Changes, u16)> = vec![
        (
            "version 99",
            vec![("Sec-WebSocket-Version", Some("99"))],
            426,
        ),
        (
            "missing version",
            vec![("Sec-WebSocket-Version", None)],
            426,
        ),
        (
            "version 13, 8",
            vec![("Sec-WebSocket-Version", Some("13, 8"))],
            426,
        ),
        ("key abc", vec![("Sec-WebSocket-Key", Some("abc"))], 400),
        (
            "key of 32 bytes",
            vec![("Sec-WebSocket-Key", Some(key32))],
            400,
        ),
        ("missing key", vec![("Sec-WebSocket-Key", None)], 400),
        ("missing Upgrade", vec![("Upgrade", None)], 400),
        ("Upgrade: h2c", vec![("Upgrade", Some("h2c"))], 400),
        ("missing Connection", vec![("Connection", None)], 400),
        (
            "Connection: keep-alive",
            vec![("Connection", Some("keep-alive"))],
            400,
        ),
    ];
    let mut out = String::new();
    for (name, changes, status) in cases {
        let r = check(&request(&changes));
        let resp = r.as_ref().expect_err(name);
        assert_eq!(resp.status, status, "{name}");
        let connection = resp.header("connection").unwrap_or_default();
        assert!(connection.ends_with("close"), "{name}: {connection}");
        if status == 426 {
            assert_eq!(resp.header("Sec-WebSocket-Version"), Some("13"), "{name}");
        }
        let _ = writeln!(out, "{name}: {}", show(&r));
    }
    with_snapshots(|| insta::assert_snapshot!(out));
}

/// A key or version sent twice is refused, even when each copy is valid on its own.
#[test]
fn repeated_version_or_key_headers_are_refused() {
    let mut h = request(&[]);
    h.push(("Sec-WebSocket-Version", b"13".to_vec()));
    assert_eq!(check(&h).unwrap_err().status, 426);
    let mut h = request(&[]);
    h.push(("sec-websocket-key", KEY.as_bytes().to_vec()));
    assert_eq!(check(&h).unwrap_err().status, 400);
}

/// Good handshakes in every legal spelling: names and tokens in any case, tokens in
/// lists, surrounding spaces, repeated `Connection` headers.
#[test]
fn good_handshakes_in_every_spelling_are_accepted() {
    let expect = accept_key(KEY);
    assert_eq!(expect, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    let spellings: Vec<Changes> = vec![
        vec![],
        vec![("Upgrade", Some("WebSocket"))],
        vec![("Connection", Some("keep-alive, Upgrade"))],
        vec![("Connection", Some("upgrade,keep-alive"))],
        vec![("Sec-WebSocket-Version", Some(" 13 "))],
        vec![("Sec-WebSocket-Key", Some("\tdGhlIHNhbXBsZSBub25jZQ== "))],
    ];
    for changes in spellings {
        let r = check(&request(&changes));
        assert_eq!(
            r.as_ref().map(|a| a.accept_key.as_str()),
            Ok(expect.as_str()),
            "{changes:?}"
        );
    }
    let lower: Vec<(&str, &[u8])> = vec![
        ("upgrade", b"websocket"),
        ("connection", b"keep-alive"),
        ("CONNECTION", b"Upgrade"),
        ("sec-websocket-version", b"13"),
        ("SEC-WEBSOCKET-KEY", KEY.as_bytes()),
    ];
    let ok = check_ws_upgrade(lower).unwrap();
    assert_eq!(ok.accept_key, expect);
    let headers = ok.response_headers();
    assert_eq!(headers[2], ("Sec-WebSocket-Accept", expect));
}

/// Bytes that are not text never make it panic.
#[test]
fn non_text_header_values_are_refused_not_panicked_on() {
    let headers: Vec<(&str, &[u8])> = vec![
        ("Upgrade", b"websocket"),
        ("Connection", b"Upgrade"),
        ("Sec-WebSocket-Version", b"\xff13"),
        ("Sec-WebSocket-Key", b"\xff\xfe"),
    ];
    assert_eq!(check_ws_upgrade(headers).unwrap_err().status, 426);
    let headers: Vec<(&str, &[u8])> = vec![
        ("Upgrade", b"websocket"),
        ("Connection", b"Upgrade"),
        ("Sec-WebSocket-Version", b"13"),
        ("Sec-WebSocket-Key", b"\xffGhlIHNhbXBsZSBub25jZQ=="),
    ];
    assert_eq!(check_ws_upgrade(headers).unwrap_err().status, 400);
}

/// The 100 KB header is answered `431` under the default budget (16 KiB, as the
/// official server's Node default); a browser's ordinary request fits.
#[test]
fn header_budget_answers_431() {
    let budget = EngineConfig::default().max_header_bytes;
    assert_eq!(budget, 16 * 1024);
    let ordinary = request(&[]);
    let ordinary = ordinary.iter().map(|(n, v)| (*n, v.as_slice()));
    assert!(check_header_bytes(ordinary, budget).is_ok());
    let cookie = vec![b'c'; 100_000];
    let mut big = request(&[]);
    big.push(("Cookie", cookie));
    let size = header_bytes(big.iter().map(|(n, v)| (*n, v.as_slice())));
    assert!(size > 100_000);
    let r = check_header_bytes(big.iter().map(|(n, v)| (*n, v.as_slice())), budget);
    assert_eq!(r, Err(header_too_large()));
    let resp = header_too_large();
    assert_eq!(resp.status, 431);
    assert_eq!(resp.header("Connection"), Some("close"));
    assert_eq!(&resp.body[..], b"Request Header Fields Too Large");
}
