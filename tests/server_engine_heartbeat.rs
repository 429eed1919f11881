//! Heartbeat (kept alive, timed out, wrong direction) and server shutdown.
mod common;
mod server_engine_support;

use common::with_snapshots;
use server_engine_support::*;
use std::time::Duration;

#[test]
fn polling_heartbeat_kept_alive_then_timed_out() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let uri = poll_uri(SID1);
    assert_eq!(h.deadline(), Some(h.t0 + Duration::from_secs(25)));
    let g = h.get(&uri);
    h.at(25_000);
    assert_eq!(h.body(g), "2");
    assert_eq!(h.deadline(), Some(h.t0 + Duration::from_secs(45)));
    h.at(25_040);
    let p = h.post(&uri, "3");
    assert_eq!(h.status(p), 200);
    assert_eq!(h.deadline(), Some(h.t0 + Duration::from_millis(50_040)));
    let g = h.get(&uri);
    h.at(50_040);
    assert_eq!(h.body(g), "2");
    // No pong this time.
    let g = h.get(&uri);
    h.at(70_039);
    assert_eq!(h.closed_reason(s), None);
    h.at(70_040);
    assert_eq!(h.closed_reason(s), Some("ping timeout"));
    assert_eq!(h.body(g), "1");
    assert_eq!(h.server.session_count(), 0);
    assert_eq!(h.deadline(), None);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn websocket_heartbeat() {
    let mut h = H::new();
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    h.at(25_000);
    assert_eq!(h.ws_texts(ws).last().map(String::as_str), Some("2"));
    h.at(25_010);
    h.ws_send(ws, "3");
    h.at(50_010);
    h.at(70_010);
    assert_eq!(h.closed_reason(s), Some("ping timeout"));
    assert!(h.ws_closed.contains(&ws));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn client_ping_is_a_protocol_error() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let p = h.post(&poll_uri(SID1), "2");
    assert_eq!(h.status(p), 200);
    assert_eq!(h.closed_reason(s), Some("parse error"));
    let ws = h.ws_open(WS);
    let s = h.last_opened();
    h.ws_send(ws, "2probe");
    assert_eq!(h.closed_reason(s), Some("parse error"));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn time_going_backwards_is_clamped() {
    let mut h = H::new();
    let s = h.handshake_polling();
    h.at(30_000);
    // An input stamped in the past is treated as "now".
    {
        h.now = h.t0;
        h.timeout();
    }
    h.at(44_999);
    assert_eq!(h.closed_reason(s), None);
    h.at(45_000);
    assert_eq!(h.closed_reason(s), Some("ping timeout"));
}

#[test]
fn shutdown_closes_everything() {
    let mut h = H::new();
    let s1 = h.handshake_polling();
    let s2 = h.handshake_polling();
    let g = h.get(&poll_uri(SID1));
    let ws = h.ws_open(WS);
    let s3 = h.last_opened();
    let up = h.ws_open(&ws_uri(SID2));
    h.shutdown();
    for s in [s1, s2, s3] {
        assert_eq!(h.closed_reason(s), Some("server shutdown"));
    }
    assert_eq!(h.body(g), "1");
    assert!(h.ws_closed.contains(&ws));
    assert!(h.ws_closed.contains(&up));
    assert_eq!(h.server.session_count(), 0);
    assert_eq!(h.deadline(), None);
    let r = h.get(POLL);
    assert_eq!(h.status(r), 503);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}
