//! Engine.IO client over HTTP long-polling, against a hand-scripted server.

mod common;

use bytes::Bytes;
use common::client_engine_harness::*;
use common::with_snapshots;
use socketio_proto::client::engine::{EngineConfig, EngineEvent, POST_CONTENT_TYPE};
use socketio_proto::client::{CloseReason, ConnId, Method, RequestId, Transmit, Transport};
use socketio_proto::engineio::Message;
use socketio_proto::error::SendError;

fn polling_only() -> EngineConfig {
    let mut c = Script::config();
    c.transports = vec![Transport::Polling];
    c
}

fn msg_event(msg: Message) -> EngineEvent {
    EngineEvent::Message { msg }
}

fn msg(s: &str) -> Message {
    Message::Text(s.into())
}

/// Handshake over polling, then the first long-poll GET with the sid.
fn opened(config: EngineConfig, open: &str) -> Script {
    let mut s = Script::new(config);
    let (t, _) = s.take();
    let hs = get(&t);
    s.advance(5);
    s.respond(hs, 200, open);
    s
}

#[test]
fn handshake_over_polling() {
    let mut s = Script::new(polling_only());
    let (t, e) = s.take();
    assert!(e.is_empty());
    let hs = request(&t, Method::Get).unwrap();
    assert_eq!(hs.path_and_query, "/engine.io/?EIO=4&transport=polling&t=1");
    assert!(hs.body.is_empty());
    assert_eq!(hs.content_type, None);
    assert!(!s.client.is_open());
    s.app_send(msg("early")).unwrap();
    assert!(s.take().0.is_empty(), "nothing sent before open");

    s.advance(10);
    s.respond(hs.id, 200, &format!("{OPEN}\x1e4welcome"));
    let (t, e) = s.take();
    assert!(matches!(&e[0], EngineEvent::Opened { sid, .. } if sid == "sid1"));
    assert_eq!(e[1], msg_event(msg("welcome")));
    assert_eq!(s.client.sid(), Some("sid1"));
    assert!(s.client.is_open());
    let poll = request(&t, Method::Get).unwrap();
    assert_eq!(
        poll.path_and_query,
        "/engine.io/?EIO=4&transport=polling&sid=sid1&t=2"
    );
    let p = post(&t);
    assert_eq!(p.body, Bytes::from_static(b"4early"));
    assert_eq!(p.content_type.as_deref(), Some(POST_CONTENT_TYPE));
    assert!(
        !t.iter().any(|t| matches!(t, Transmit::WsOpen { .. })),
        "polling only: no upgrade"
    );

    s.advance(20);
    s.respond(poll.id, 200, "4a\x1ebAQID");
    let (t, e) = s.take();
    assert_eq!(
        e,
        vec![
            msg_event(msg("a")),
            msg_event(Message::Binary(Bytes::from_static(&[1, 2, 3])))
        ]
    );
    assert_eq!(t.len(), 1, "exactly one new GET: {t:?}");
    s.respond(p.id, 200, "ok");
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn batches_posts_within_max_payload() {
    // maxPayload 20 bytes.
    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    s.take();
    for m in ["aaaa", "bbbb", "cccc", "dddd", "eeee"] {
        s.app_send(msg(m)).unwrap();
        s.drain();
    }
    s.app_send(Message::Binary(Bytes::from_static(&[0, 255])))
        .unwrap();
    s.drain();
    let (t, _) = s.take();
    // The first send goes out at once; the rest wait for that POST.
    assert_eq!(t.len(), 1);
    let p1 = post(&t);
    assert_eq!(p1.body, Bytes::from_static(b"4aaaa"));

    s.advance(3);
    s.respond(p1.id, 200, "ok");
    let (t, _) = s.take();
    let p2 = post(&t);
    // "4bbbb␞4cccc␞4dddd" is 17 bytes; adding "␞4eeee" would exceed 20.
    assert_eq!(p2.body, Bytes::from_static(b"4bbbb\x1e4cccc\x1e4dddd"));
    assert!(p2.body.len() <= 20);

    s.advance(3);
    s.respond(p2.id, 200, "ok");
    let (t, _) = s.take();
    let p3 = post(&t);
    assert_eq!(p3.body, Bytes::from_static(b"4eeee\x1ebAP8="));
    s.respond(p3.id, 200, "ok");
    let (t, _) = s.take();
    assert!(t.is_empty(), "queue drained, one GET still outstanding");
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn queue_is_bounded() {
    let mut c = polling_only();
    c.max_queued_packets = 2;
    let mut s = Script::new(c);
    s.app_send(msg("1")).unwrap();
    s.app_send(msg("2")).unwrap();
    assert_eq!(s.app_send(msg("3")), Err(SendError::QueueFull { limit: 2 }));
}

#[test]
fn ping_pong_and_ping_timeout() {
    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    let (t, _) = s.take();
    let poll = get(&t);
    // pingInterval 300 + pingTimeout 200 from the open at 5ms.
    assert_eq!(s.deadline(), Some(s.t0 + ms(505)));

    s.advance(300);
    s.respond(poll, 200, "2");
    let (t, _) = s.take();
    assert_eq!(post(&t).body, Bytes::from_static(b"3"), "pong");
    assert_eq!(s.deadline(), Some(s.t0 + ms(805)));
    let poll = get(&t);
    s.respond(post(&t).id, 200, "ok");

    // Two pings in one payload: one pong.
    s.advance(300);
    s.respond(poll, 200, "2\x1e2");
    let (t, _) = s.take();
    assert_eq!(post(&t).body, Bytes::from_static(b"3"));
    s.respond(post(&t).id, 200, "ok");

    s.note("server goes silent");
    s.fire_timeout();
    let (t, e) = s.take();
    assert_eq!(
        e,
        vec![EngineEvent::Closed {
            reason: CloseReason::PingTimeout
        }]
    );
    assert!(t.is_empty());
    assert_eq!(s.now, s.t0 + ms(1105));
    assert!(s.client.is_closed());
    assert_eq!(s.deadline(), None);
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}

#[test]
fn server_close_packet() {
    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    let (t, _) = s.take();
    s.advance(50);
    s.respond(get(&t), 200, "4bye\x1e1\x1e4after");
    let (t, e) = s.take();
    assert_eq!(
        e,
        vec![
            msg_event(msg("bye")),
            EngineEvent::Closed {
                reason: CloseReason::TransportClose
            }
        ]
    );
    assert!(t.is_empty(), "no request after the close");
    assert_eq!(s.app_send(msg("x")), Err(SendError::NotConnected));
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn malformed_payload_is_a_parse_error() {
    for (body, opening) in [
        ("4ok\x1e9nope", false),
        ("b!!!", false),
        ("", false),
        ("\u{1e}", false),
        ("4ok", true),
        ("0{not json", true),
    ] {
        let mut s = Script::new(polling_only());
        let (t, _) = s.take();
        let mut id = get(&t);
        if !opening {
            s.respond(id, 200, OPEN_NO_UPGRADE);
            id = get(&s.take().0);
        }
        s.respond(id, 200, body);
        let (t, e) = s.take();
        assert_eq!(
            e.last(),
            Some(&EngineEvent::Closed {
                reason: CloseReason::ParseError
            }),
            "{body:?}"
        );
        assert!(t.is_empty());
    }
    let mut s = Script::new(polling_only());
    let (t, _) = s.take();
    s.respond(get(&t), 200, OPEN_NO_UPGRADE);
    let (t, _) = s.take();
    s.respond(get(&t), 200, "4ok\x1e9nope");
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn local_close_waits_for_post_in_flight() {
    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    s.app_send(msg("one")).unwrap();
    s.app_send(msg("two")).unwrap();
    s.drain();
    let (t, _) = s.take();
    let p1 = post(&t);
    assert_eq!(p1.body, Bytes::from_static(b"4one"));
    s.note("close() with a POST in flight");
    s.app_close();
    s.drain();
    let (t, e) = s.take();
    assert!(t.is_empty() && e.is_empty(), "waits for the POST");
    assert_eq!(s.app_send(msg("x")), Err(SendError::NotConnected));
    s.advance(4);
    s.respond(p1.id, 200, "ok");
    let (t, e) = s.take();
    assert_eq!(post(&t).body, Bytes::from_static(b"4two\x1e1"));
    assert_eq!(
        e,
        vec![EngineEvent::Closed {
            reason: CloseReason::ForcedClose
        }]
    );
    // Late reports are ignored.
    s.respond(post(&t).id, 200, "ok");
    assert_eq!(s.take(), (vec![], vec![]));
    with_snapshots(|| insta::assert_snapshot!(s.trace_text()));
}

#[test]
fn local_close_before_open() {
    let mut s = Script::new(polling_only());
    let (t, _) = s.take();
    s.app_close();
    s.drain();
    let (t2, e) = s.take();
    assert!(t2.is_empty());
    assert_eq!(
        e,
        vec![EngineEvent::Closed {
            reason: CloseReason::ForcedClose
        }]
    );
    s.respond(get(&t), 200, OPEN);
    assert_eq!(s.take(), (vec![], vec![]));
}

#[test]
fn http_failures_are_transport_errors() {
    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    let (t, _) = s.take();
    s.http_error(get(&t));
    let (_, e) = s.take();
    assert_eq!(
        e,
        vec![EngineEvent::Closed {
            reason: CloseReason::TransportError
        }]
    );

    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    let (t, _) = s.take();
    s.respond(get(&t), 400, r#"{"code":1,"message":"Session ID unknown"}"#);
    let (_, e) = s.take();
    assert_eq!(
        e,
        vec![EngineEvent::Closed {
            reason: CloseReason::TransportError
        }]
    );
}

#[test]
fn stale_and_unknown_ids_are_ignored() {
    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    let (t, _) = s.take();
    let poll = get(&t);
    s.respond(RequestId::new(99), 200, "1");
    s.http_error(RequestId::new(1));
    s.ws_closed(ConnId::new(7));
    assert_eq!(s.take(), (vec![], vec![]));
    assert!(s.client.is_open());
    s.respond(poll, 200, "6");
    assert_eq!(s.take().0.len(), 1, "noop answered, next GET sent");
}

#[test]
fn request_timeout() {
    let mut c = polling_only();
    c.request_timeout = Some(ms(100));
    let mut s = Script::new(c);
    assert_eq!(s.deadline(), Some(s.t0 + ms(100)));
    s.fire_timeout();
    let (_, e) = s.take();
    assert_eq!(
        e,
        vec![EngineEvent::Closed {
            reason: CloseReason::TransportError
        }]
    );
}

#[test]
fn time_going_backwards_is_clamped() {
    let mut s = opened(polling_only(), OPEN_NO_UPGRADE);
    let (t, _) = s.take();
    s.advance(400);
    s.respond(get(&t), 200, "2");
    // An input stamped before the open does not move the ping deadline back.
    s.timeout_at(s.t0);
    assert!(s.client.is_open());
    assert_eq!(s.deadline(), Some(s.t0 + ms(905)));
}
