//! Handshake on each transport, and every error response.
mod common;
mod server_engine_support;

use bytes::Bytes;
use common::with_snapshots;
use server_engine_support::*;
use socketio_proto::server::{CorsConfig, EngineConfig, HttpRequest, Method, Transport};

#[test]
fn polling_handshake() {
    let mut h = H::new();
    let rid = h.get(POLL);
    let r = h.resp(rid).clone();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    assert_eq!(
        h.body(rid),
        r#"0{"sid":"s0000000000000000001","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    );
    let s = h.last_opened();
    assert_eq!(h.server.transport(s), Some(Transport::Polling));
    assert_eq!(h.server.session_by_sid(SID1), Some(s));
    assert_eq!(
        h.server.sid(s).map(|x| x.to_string()),
        Some(SID1.to_owned())
    );
    // The next poll is held: nothing to send.
    let poll = h.get(&poll_uri(SID1));
    assert!(!h.answered(poll));
    assert!(h.server.has_held_poll(s));
    assert!(h.server.is_writable(s));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn websocket_handshake() {
    let mut h = H::new();
    let conn = h.ws_open(WS);
    assert_eq!(
        h.ws_texts(conn),
        vec![
            r#"0{"sid":"s0000000000000000001","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        ]
    );
    let s = h.last_opened();
    assert_eq!(h.server.transport(s), Some(Transport::WebSocket));
    assert!(h.server.is_writable(s));
    h.ws_send(conn, "4hello");
    h.send(s, "world");
    assert_eq!(h.ws_texts(conn).last().map(String::as_str), Some("4world"));
    assert_eq!(h.messages(s).len(), 1);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn custom_path_and_timings() {
    let config = EngineConfig {
        ping_interval: std::time::Duration::from_millis(300),
        ping_timeout: std::time::Duration::from_millis(200),
        max_payload: 5000,
        ..EngineConfig::default().with_path("/socket.io/")
    };
    let mut h = H::with(config);
    let miss = h.get(POLL);
    assert_eq!(h.status(miss), 404);
    let rid = h.get("/socket.io?EIO=4&transport=polling&t=Nx1");
    assert_eq!(
        h.body(rid),
        r#"0{"sid":"s0000000000000000001","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":5000}"#
    );
}

#[test]
fn every_error_code() {
    let mut h = H::with(
        EngineConfig::default()
            .with_allow_request(|req| req.origin.as_deref() != Some("https://evil.example")),
    );
    let cases: Vec<(HttpRequest, u16, u64, &str)> = vec![
        (
            HttpRequest::get("/engine.io/?EIO=4"),
            400,
            0,
            "Transport unknown",
        ),
        (
            HttpRequest::get("/engine.io/?EIO=4&transport=flash"),
            400,
            0,
            "Transport unknown",
        ),
        (
            HttpRequest::get(poll_uri("nope")),
            400,
            1,
            "Session ID unknown",
        ),
        (
            HttpRequest::post(POLL, Bytes::from_static(b"4x")),
            400,
            2,
            "Bad handshake method",
        ),
        (HttpRequest::get(WS), 400, 3, "Bad request"),
        (
            HttpRequest::get(POLL).with_origin("bad\u{1}origin"),
            400,
            3,
            "Bad request",
        ),
        (
            HttpRequest::get(POLL).with_origin("https://evil.example"),
            403,
            4,
            "Forbidden",
        ),
        (
            HttpRequest::get("/engine.io/?transport=polling"),
            400,
            5,
            "Unsupported protocol version",
        ),
        (
            HttpRequest::get("/engine.io/?EIO=3&transport=polling"),
            400,
            5,
            "Unsupported protocol version",
        ),
    ];
    for (req, status, code, message) in cases {
        let rid = h.request(req);
        assert_eq!(h.status(rid), status);
        assert_eq!(h.json_error(rid), (code, message.to_owned()));
    }
    // A known session: other methods, and the wrong transport.
    let s = h.handshake_polling();
    let rid = h.request(HttpRequest::get(poll_uri(SID1)).with_method(Method::Other));
    assert_eq!(h.json_error(rid), (3, "Bad request".to_owned()));
    let rid = h.get(&format!("/engine.io/?EIO=4&transport=websocket&sid={SID1}"));
    assert_eq!(h.json_error(rid), (3, "Bad request".to_owned()));
    assert_eq!(h.server.transport(s), Some(Transport::Polling));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn websocket_precheck_and_refusals() {
    let mut h = H::with(EngineConfig {
        max_sessions: 1,
        ..EngineConfig::default()
    });
    let bad = h.ws_open(&ws_uri("nope"));
    let err = h.ws_rejected[&bad].clone();
    assert_eq!(err.status, 400);
    assert_eq!(
        &err.body[..],
        br#"{"code":1,"message":"Session ID unknown"}"#
    );
    let old = h.ws_open("/engine.io/?transport=websocket");
    assert_eq!(
        &h.ws_rejected[&old].body[..],
        br#"{"code":5,"message":"Unsupported protocol version"}"#
    );
    // Bad upgrades are rejected, never opened.
    assert!(h.ws_closed.is_empty());
    let first = h.ws_open(WS);
    assert!(!h.ws_rejected.contains_key(&first));
    assert_eq!(h.server.session_count(), 1);
    // Over max_sessions: 503 for a WebSocket and for a polling handshake.
    let rid = h.get(POLL);
    assert_eq!(h.status(rid), 503);
    assert_eq!(h.json_error(rid), (3, "Bad request".to_owned()));
    let over = h.ws_open(WS);
    assert_eq!(h.ws_rejected[&over].status, 503);
    assert!(!h.ws_closed.contains(&first));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn cors_headers_and_preflight() {
    let mut h = H::with(EngineConfig {
        cors: Some(CorsConfig {
            origins: vec!["https://app.example".into()],
            credentials: true,
        }),
        ..EngineConfig::default()
    });
    let rid = h.request(
        HttpRequest::get(POLL)
            .with_method(Method::Options)
            .with_origin("https://app.example"),
    );
    let r = h.resp(rid).clone();
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    let rid = h.request(HttpRequest::get(POLL).with_origin("https://app.example"));
    assert_eq!(
        h.resp(rid).header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let rid = h.request(HttpRequest::get(POLL).with_origin("https://other.example"));
    assert_eq!(h.resp(rid).header("access-control-allow-origin"), None);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn options_without_cors_is_a_bad_handshake() {
    let mut h = H::new();
    let rid = h.request(HttpRequest::get(POLL).with_method(Method::Options));
    assert_eq!(h.json_error(rid), (2, "Bad handshake method".to_owned()));
    assert_eq!(h.server.session_count(), 0);
    // Config is validated.
    let bad = EngineConfig {
        path: "engine.io".into(),
        ..EngineConfig::default()
    };
    assert!(socketio_proto::server::EngineServer::new(
        bad,
        Box::new(socketio_proto::ids::SequentialIds::new("s"))
    )
    .is_err());
}
