//! Upgrade from polling to WebSocket: success, abandoned, refused, broken.
mod common;
mod server_engine_support;

use common::with_snapshots;
use server_engine_support::*;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{EngineEvent, Transport};

#[test]
fn upgrade_completes() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let uri = poll_uri(SID1);
    let held = h.get(&uri);
    h.at(100);
    let ws = h.ws_open(&ws_uri(SID1));
    assert!(h.ws_texts(ws).is_empty());
    h.ws_send(ws, "2probe");
    assert_eq!(h.ws_texts(ws), vec!["3probe"]);
    assert_eq!(h.body(held), "6");
    assert!(!h.server.is_writable(s));
    // Messages sent during the upgrade wait for the new transport.
    h.send(s, "during");
    // A poll during the upgrade is released at once with a noop.
    let g = h.get(&uri);
    assert_eq!(h.body(g), "6");
    h.at(150);
    h.ws_send(ws, "5");
    assert!(h.events.contains(&EngineEvent::Upgraded { session: s }));
    assert_eq!(h.ws_texts(ws), vec!["3probe", "4during"]);
    assert_eq!(h.server.transport(s), Some(Transport::WebSocket));
    assert!(h.server.is_writable(s));
    // Polling with that sid is now refused; a second WebSocket is closed.
    let g = h.get(&uri);
    assert_eq!(h.json_error(g), (3, "Bad request".to_owned()));
    let ws2 = h.ws_open(&ws_uri(SID1));
    assert!(h.ws_closed.contains(&ws2));
    assert!(!h.ws_closed.contains(&ws));
    // Traffic flows over the WebSocket both ways.
    h.ws_send(ws, "4up");
    h.send(s, "down");
    h.ws_send_bin(ws, &[9, 8]);
    assert_eq!(h.messages(s).len(), 2);
    assert_eq!(h.ws_texts(ws).last().map(String::as_str), Some("4down"));
    // The client goes away.
    h.ws_closed(ws);
    assert_eq!(h.closed_reason(s), Some("transport close"));
    assert_eq!(h.deadline(), None);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn abandoned_upgrade_times_out() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let ws = h.ws_open(&ws_uri(SID1));
    h.ws_send(ws, "2probe");
    h.send(s, "held back");
    h.at(10_000);
    assert_eq!(h.ws_closed, vec![ws]);
    assert_eq!(h.server.transport(s), Some(Transport::Polling));
    // The session keeps polling; what waited is delivered.
    let g = h.get(&poll_uri(SID1));
    assert_eq!(h.body(g), "4held back");
    // Late messages on the dead WebSocket are ignored.
    h.ws_send(ws, "5");
    assert_eq!(h.server.transport(s), Some(Transport::Polling));
    // A new upgrade may start again.
    let ws2 = h.ws_open(&ws_uri(SID1));
    h.ws_send(ws2, "2probe");
    h.ws_send(ws2, "5");
    assert_eq!(h.server.transport(s), Some(Transport::WebSocket));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn broken_upgrades_keep_polling() {
    let mut h = H::new();
    let s = h.handshake_polling();
    // Garbage during the probe closes the WebSocket only.
    let ws = h.ws_open(&ws_uri(SID1));
    h.ws_send(ws, "4not a probe");
    assert!(h.ws_closed.contains(&ws));
    assert_eq!(h.server.transport(s), Some(Transport::Polling));
    // The client gives up on the WebSocket: nothing closes.
    let ws = h.ws_open(&ws_uri(SID1));
    let ws_again = h.ws_open(&ws_uri(SID1));
    assert!(h.ws_closed.contains(&ws_again), "one upgrade at a time");
    h.ws_closed(ws);
    assert_eq!(h.closed_reason(s), None);
    assert_eq!(h.server.transport(s), Some(Transport::Polling));
    let p = h.post(&poll_uri(SID1), "4still here");
    assert_eq!(h.status(p), 200);
    assert_eq!(h.messages(s).len(), 1);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn websocket_errors_close_the_session() {
    let mut h = H::new();
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    h.ws_send(ws, "9nope");
    assert_eq!(h.closed_reason(s), Some("parse error"));
    assert!(h.ws_closed.contains(&ws));
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    h.ws_send(ws, "1");
    assert_eq!(h.closed_reason(s), Some("transport close"));
    // Shared text frames go out as the very same buffer.
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    let frame = socketio_proto::server::TextFrame::new("broadcast");
    h.server.send(s, frame.clone()).unwrap();
    h.drain();
    match h.ws_out.last() {
        Some((c, WsMessage::Text(t))) => {
            assert_eq!(*c, ws);
            assert_eq!(t.as_bytes().as_ptr(), frame.frame().as_bytes().as_ptr());
        }
        other => panic!("unexpected {other:?}"),
    }
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn upgrade_limits_and_options() {
    use socketio_proto::server::EngineConfig;
    // No upgrades offered: the handshake says so, and upgrade WebSockets are closed.
    let mut h = H::with(EngineConfig {
        allow_upgrades: false,
        ..EngineConfig::default()
    });
    let rid = h.get(POLL);
    assert!(h.body(rid).contains(r#""upgrades":[]"#));
    let ws = h.ws_open(&ws_uri(SID1));
    assert_eq!(h.ws_closed, vec![ws]);
    // At most max_pending_upgrades WebSockets negotiate at once.
    let mut h = H::with(EngineConfig {
        max_pending_upgrades: 1,
        ..EngineConfig::default()
    });
    h.handshake_polling();
    h.handshake_polling();
    let a = h.ws_open(&ws_uri(SID1));
    let b = h.ws_open(&ws_uri(SID2));
    assert_eq!(h.ws_closed, vec![b]);
    h.ws_closed(a);
    let c = h.ws_open(&ws_uri(SID2));
    assert!(!h.ws_closed.contains(&c));
    // A WebSocket message over max_payload closes the session.
    let mut h = H::with(EngineConfig {
        max_payload: 8,
        ..EngineConfig::default()
    });
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    h.ws_send(ws, "4123456789");
    assert_eq!(h.closed_reason(s), Some("transport error"));
    assert!(h.ws_closed.contains(&ws));
}

/// `WsClosed` ends the session it carries with `transport close`, `WsFailed` with
/// `transport error`; on an upgrading WebSocket either one only abandons the upgrade.
#[test]
fn websocket_closed_and_failed_reasons() {
    let mut h = H::new();
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    h.ws_closed(ws);
    assert_eq!(h.closed_reason(s), Some("transport close"));
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    h.ws_failed(ws);
    assert_eq!(h.closed_reason(s), Some("transport error"));
    // No WsClose for a connection the adapter reported gone.
    assert!(!h.ws_closed.contains(&ws));
    // An upgrading WebSocket that fails: polling goes on.
    let s = h.handshake_polling();
    let sid = h.server.sid(s).unwrap().to_string();
    let up = h.ws_open(&ws_uri(&sid));
    h.ws_failed(up);
    assert_eq!(h.closed_reason(s), None);
    assert!(h.server.session_by_sid(&sid).is_some());
    h.close(s);
    h.assert_no_leaks();
}
