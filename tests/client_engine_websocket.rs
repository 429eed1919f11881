//! Engine.IO client over WebSocket: WebSocket-only handshake, and the upgrade from
//! polling (success, failure), against a hand-scripted server.

mod common;

use bytes::Bytes;
use common::client_engine_harness::*;
use common::with_snapshots;
use socketio_proto::client::engine::{EngineConfig, EngineEvent};
use socketio_proto::client::{CloseReason, ConnId, Method, RequestId, Transmit, Transport};
use socketio_proto::engineio::{Message, WsMessage};
use std::time::Duration;

fn msg_event(msg: Message) -> EngineEvent {
    EngineEvent::Message { msg }
}

fn msg(s: &str) -> Message {
    Message::Text(s.into())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn closed(reason: CloseReason) -> EngineEvent {
    EngineEvent::Closed { reason }
}

#[test]
fn handshake_over_websocket_only() {
    let mut c = Script::config();
    c.transports = vec![Transport::WebSocket];
    c.path = "/socket.io".into();
    let mut s = Script::new(c);
    let (t, _) = s.take();
    assert_eq!(t.len(), 1);
    let (ws, path) = ws_open(&t);
    assert_eq!(path, "/socket.io/?EIO=4&transport=websocket");
    s.app_send(msg("queued")).unwrap();
    s.advance(3);
    s.ws_opened(ws);
    assert_eq!(s.take(), (vec![], vec![]), "waits for the open packet");
    s.advance(2);
    s.ws_text(ws, OPEN_WS);
    let (t, e) = s.take();
    assert!(matches!(&e[0], EngineEvent::Opened { sid, .. } if sid == "sid1"));
    assert_eq!(s.client.transport(), Some(Transport::WebSocket));
    assert_eq!(
        ws_sent(&t).iter().map(text).collect::<Vec<_>>(),
        ["4queued"]
    );

    s.advance(10);
    s.ws_text(ws, "4hi");
    s.ws_binary(ws, &[9, 8]);
    s.app_send(Message::Binary(Bytes::from_static(&[1, 2])))
        .unwrap();
    s.drain();
    let (t, e) = s.take();
    assert_eq!(
        e,
        vec![
            msg_event(msg("hi")),
            msg_event(Message::Binary(Bytes::from_static(&[9, 8])))
        ]
    );
    assert_eq!(
        ws_sent(&t),
        vec![WsMessage::Binary(Bytes::from_static(&[1, 2]))],
        "binary frame, not base64"
    );

    s.advance(290);
    s.ws_text(ws, "2");
    let (t, _) = s.take();
    assert_eq!(ws_sent(&t).iter().map(text).collect::<Vec<_>>(), ["3"]);
    assert_eq!(s.deadline(), Some(s.t0 + ms(805)));

    s.advance(20);
    s.ws_closed(ws);
    let (t, e) = s.take();
    assert!(t.is_empty(), "no CloseWs for a socket the server closed");
    assert_eq!(e, vec![closed(CloseReason::TransportClose)]);
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn websocket_only_first_frame_must_be_open() {
    let mut c = Script::config();
    c.transports = vec![Transport::WebSocket];
    let mut s = Script::new(c);
    let (ws, _) = ws_open(&s.take().0);
    s.ws_opened(ws);
    s.ws_text(ws, "4not open");
    let (t, e) = s.take();
    assert_eq!(e, vec![closed(CloseReason::ParseError)]);
    assert_eq!(t, vec![Transmit::WsClose { conn: ws }]);
}

/// Handshake over polling with upgrades ["websocket"]; returns the GET and probe ids.
fn handshaken(s: &mut Script) -> (RequestId, ConnId) {
    let (t, _) = s.take();
    s.advance(5);
    s.respond(get(&t), 200, OPEN);
    let (t, e) = s.take();
    assert!(matches!(e[0], EngineEvent::Opened { .. }));
    let (probe, path) = ws_open(&t);
    assert_eq!(path, "/engine.io/?EIO=4&transport=websocket&sid=sid1");
    (get(&t), probe)
}

#[test]
fn upgrade_success() {
    let mut s = Script::new(Script::config());
    let (poll, probe) = handshaken(&mut s);
    s.advance(2);
    s.ws_opened(probe);
    let (t, _) = s.take();
    assert_eq!(ws_sent(&t).iter().map(text).collect::<Vec<_>>(), ["2probe"]);

    // Still polling while probing: a send goes out as a POST.
    s.app_send(msg("during probe")).unwrap();
    s.drain();
    let (t, _) = s.take();
    let p = post(&t);
    assert_eq!(p.body, Bytes::from_static(b"4during probe"));

    s.advance(2);
    s.ws_text(probe, "3probe");
    let (t, e) = s.take();
    assert!(t.is_empty(), "paused: waits for the GET and the POST");
    assert!(e.is_empty());
    s.app_send(msg("buffered")).unwrap();
    s.drain();
    assert!(s.take().0.is_empty(), "no POST while paused");

    s.advance(1);
    s.respond(p.id, 200, "ok");
    assert_eq!(s.take(), (vec![], vec![]), "GET still outstanding");
    s.note("server releases the GET with a noop");
    s.respond(poll, 200, "6");
    let (t, e) = s.take();
    assert_eq!(e, vec![EngineEvent::Upgraded]);
    assert_eq!(
        ws_sent(&t).iter().map(text).collect::<Vec<_>>(),
        ["5", "4buffered"]
    );
    assert!(request(&t, Method::Get).is_none(), "polling stopped");
    assert_eq!(s.client.transport(), Some(Transport::WebSocket));

    s.advance(100);
    s.ws_text(probe, "2");
    s.ws_text(probe, "4over ws");
    let (t, e) = s.take();
    assert_eq!(ws_sent(&t).iter().map(text).collect::<Vec<_>>(), ["3"]);
    assert_eq!(e, vec![msg_event(msg("over ws"))]);

    s.note("local close over websocket");
    s.app_send(msg("last")).unwrap();
    s.app_close();
    s.drain();
    let (t, e) = s.take();
    assert_eq!(
        ws_sent(&t).iter().map(text).collect::<Vec<_>>(),
        ["4last", "1"]
    );
    assert_eq!(t.last(), Some(&Transmit::WsClose { conn: probe }));
    assert_eq!(e, vec![closed(CloseReason::ForcedClose)]);
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn upgrade_failure_probe_closes() {
    let mut s = Script::new(Script::config());
    let (poll, probe) = handshaken(&mut s);
    s.ws_opened(probe);
    s.advance(3);
    s.ws_text(probe, "3probe");
    s.app_send(msg("held")).unwrap();
    s.drain();
    s.take();
    s.note("probe closes before the upgrade completes");
    s.ws_closed(probe);
    let (t, e) = s.take();
    assert_eq!(e, vec![EngineEvent::UpgradeFailed]);
    assert_eq!(
        post(&t).body,
        Bytes::from_static(b"4held"),
        "polling resumes"
    );
    assert_eq!(s.client.transport(), Some(Transport::Polling));
    s.respond(poll, 200, "6");
    let (t, e) = s.take();
    assert!(e.is_empty());
    assert!(request(&t, Method::Get).is_some(), "the loop goes on");
    assert!(s.client.is_open());
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn upgrade_failure_bad_probe_answer() {
    let mut s = Script::new(Script::config());
    let (_, probe) = handshaken(&mut s);
    s.ws_opened(probe);
    s.take();
    s.ws_text(probe, "3nope");
    let (t, e) = s.take();
    assert_eq!(e, vec![EngineEvent::UpgradeFailed]);
    assert_eq!(t, vec![Transmit::WsClose { conn: probe }]);
    // Frames on the dead probe are ignored.
    s.ws_text(probe, "3probe");
    assert_eq!(s.take(), (vec![], vec![]));
}

#[test]
fn probe_timeout() {
    let mut c = Script::config();
    c.request_timeout = Some(ms(100));
    let mut s = Script::new(c);
    let (poll, probe) = handshaken(&mut s);
    s.advance(45);
    s.respond(poll, 200, "6");
    s.take();
    s.ws_opened(probe);
    s.take();
    // The probe (opened at 5ms) never answers "3probe"; the new GET times out at 150ms.
    assert_eq!(s.deadline(), Some(s.t0 + ms(105)));
    s.fire_timeout();
    let (t, e) = s.take();
    assert_eq!(e, vec![EngineEvent::UpgradeFailed]);
    assert_eq!(t, vec![Transmit::WsClose { conn: probe }]);
    assert!(s.client.is_open());
    assert_eq!(s.deadline(), Some(s.t0 + ms(150)));
}

#[test]
fn no_upgrade_when_disabled_or_not_offered() {
    let mut c: EngineConfig = Script::config();
    c.upgrade = false;
    let mut s = Script::new(c);
    let (t, _) = s.take();
    s.respond(get(&t), 200, OPEN);
    assert!(!s
        .take()
        .0
        .iter()
        .any(|t| matches!(t, Transmit::WsOpen { .. })));

    let mut s = Script::new(Script::config());
    let (t, _) = s.take();
    s.respond(get(&t), 200, OPEN_NO_UPGRADE);
    assert!(!s
        .take()
        .0
        .iter()
        .any(|t| matches!(t, Transmit::WsOpen { .. })));
}

#[test]
fn traffic_during_pause_is_handled_then_flushed_over_ws() {
    let mut s = Script::new(Script::config());
    let (poll, probe) = handshaken(&mut s);
    s.ws_opened(probe);
    s.ws_text(probe, "3probe");
    s.take();
    s.advance(50);
    s.note("the released GET also carries a message and a ping");
    s.respond(poll, 200, "4late\x1e2\x1e6");
    let (t, e) = s.take();
    assert_eq!(e, vec![msg_event(msg("late")), EngineEvent::Upgraded]);
    assert_eq!(ws_sent(&t).iter().map(text).collect::<Vec<_>>(), ["5", "3"]);
    assert!(request(&t, Method::Get).is_none());
    assert!(request(&t, Method::Post).is_none());
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn close_during_probe() {
    let mut s = Script::new(Script::config());
    let (poll, probe) = handshaken(&mut s);
    s.ws_opened(probe);
    s.ws_text(probe, "3probe");
    s.take();
    s.app_close();
    let (t, e) = s.take();
    assert_eq!(t[0], Transmit::WsClose { conn: probe });
    assert_eq!(post(&t).body, Bytes::from_static(b"1"));
    assert_eq!(e, vec![closed(CloseReason::ForcedClose)]);
    s.respond(poll, 200, "6");
    s.ws_text(probe, "2");
    assert_eq!(s.take(), (vec![], vec![]));
}

#[test]
fn websocket_open_packet_timeout() {
    let mut c = Script::config();
    c.transports = vec![Transport::WebSocket, Transport::Polling];
    c.request_timeout = Some(ms(250));
    let mut s = Script::new(c);
    let (ws, _) = ws_open(&s.take().0);
    s.advance(10);
    s.ws_opened(ws);
    assert_eq!(s.deadline(), Some(s.t0 + ms(250)));
    s.fire_timeout();
    let (t, e) = s.take();
    assert_eq!(e, vec![closed(CloseReason::TransportError)]);
    assert_eq!(t, vec![Transmit::WsClose { conn: ws }]);
}

#[test]
fn oversized_frame_is_a_parse_error() {
    let mut c = Script::config();
    c.transports = vec![Transport::WebSocket];
    c.max_incoming_payload = 8;
    let mut s = Script::new(c);
    let (ws, _) = ws_open(&s.take().0);
    s.ws_opened(ws);
    // The open packet itself is larger than 8 bytes.
    s.ws_text(ws, OPEN_WS);
    let (_, e) = s.take();
    assert_eq!(e, vec![closed(CloseReason::ParseError)]);
}
