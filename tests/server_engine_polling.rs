//! Long-polling: exchange, overlapping polls, body limits, bad bodies, closes, queue
//! bounds.
mod common;
mod server_engine_support;

use bytes::Bytes;
use common::with_snapshots;
use server_engine_support::*;
use socketio_proto::engineio::Message;
use socketio_proto::error::SendError;
use socketio_proto::server::{EngineConfig, HttpRequest, OutMessage, TextFrame};

#[test]
fn exchange_both_ways() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let uri = poll_uri(SID1);
    // Client to server: text and base64 binary in one POST.
    let p = h.post(&uri, "4hello\x1ebAQIDBA==");
    assert_eq!(h.status(p), 200);
    assert_eq!(h.body(p), "ok");
    assert_eq!(h.resp(p).header("content-type"), Some("text/html"));
    assert_eq!(
        h.messages(s),
        vec![
            Message::Text("hello".into()),
            Message::Binary(Bytes::from_static(&[1, 2, 3, 4]))
        ]
    );
    // Server to client: queued while no poll is held, sent on the next GET.
    assert!(!h.server.is_writable(s));
    h.send(s, "one");
    h.server
        .send_many(
            s,
            [
                OutMessage::from("two"),
                OutMessage::Binary(Bytes::from_static(&[1, 2, 3])),
            ],
        )
        .unwrap();
    assert_eq!(h.server.queued(s), Some(3));
    let g = h.get(&uri);
    assert_eq!(h.body(g), "4one\x1e4two\x1ebAQID");
    assert_eq!(
        h.resp(g).header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    // A held GET is answered as soon as something is sent.
    let g = h.get(&uri);
    assert!(!h.answered(g));
    assert!(h.server.is_writable(s));
    let shared = TextFrame::new("shared");
    h.server.send(s, shared.clone()).unwrap();
    h.drain();
    assert_eq!(h.body(g), "4shared");
    assert_eq!(shared.payload(), "shared");
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn payload_budget_splits_responses() {
    let mut h = H::with(EngineConfig {
        max_payload: 12,
        ..EngineConfig::default()
    });
    let s = h.handshake_polling();
    for m in ["aaaa", "bbbb", "cccc"] {
        h.send(s, m);
    }
    let uri = poll_uri(SID1);
    let g1 = h.get(&uri);
    assert_eq!(h.body(g1), "4aaaa\x1e4bbbb");
    let g2 = h.get(&uri);
    assert_eq!(h.body(g2), "4cccc");
}

#[test]
fn concurrent_get_closes_session() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let uri = poll_uri(SID1);
    let first = h.get(&uri);
    let second = h.get(&uri);
    assert_eq!(h.status(second), 400);
    assert_eq!(h.body(first), "1");
    assert_eq!(h.closed_reason(s), Some("transport error"));
    let later = h.get(&uri);
    assert_eq!(h.json_error(later), (1, "Session ID unknown".to_owned()));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn oversized_post_is_413_and_session_stays() {
    let mut h = H::with(EngineConfig {
        max_payload: 10,
        ..EngineConfig::default()
    });
    let s = h.handshake_polling();
    let p = h.post(&poll_uri(SID1), "4hello world!");
    assert_eq!(h.status(p), 413);
    assert!(h.server.transport(s).is_some());
    assert!(h.messages(s).is_empty());
    let p = h.post(&poll_uri(SID1), "4ok");
    assert_eq!(h.status(p), 200);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn bad_body_closes_with_parse_error() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let uri = poll_uri(SID1);
    let g = h.get(&uri);
    let p = h.post(&uri, "4ok\x1e9bad");
    assert_eq!(h.status(p), 400);
    assert_eq!(h.body(g), "1");
    assert_eq!(h.closed_reason(s), Some("parse error"));
    assert!(h.messages(s).is_empty());
    let first_trace = h.trace.take();
    // Binary content type is invalid in v4 polling.
    let mut h = H::new();
    let s = h.handshake_polling();
    let mut req = HttpRequest::post(poll_uri(SID1), Bytes::from_static(b"\x04\x01"));
    req.content_type = Some("application/octet-stream".into());
    let p = h.request(req);
    assert_eq!(h.status(p), 400);
    assert_eq!(h.closed_reason(s), Some("transport error"));
    let trace = format!("{first_trace}---\n{}", h.trace);
    with_snapshots(|| insta::assert_snapshot!(trace));
}

#[test]
fn client_close_packet() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let uri = poll_uri(SID1);
    let g = h.get(&uri);
    let p = h.post(&uri, "1");
    assert_eq!(h.body(p), "ok");
    assert_eq!(h.body(g), "6");
    assert_eq!(h.closed_reason(s), Some("transport close"));
    assert_eq!(h.server.send(s, "x"), Err(SendError::UnknownSession));
    let later = h.get(&uri);
    assert_eq!(h.status(later), 400);
    let later = h.post(&uri, "4x");
    assert_eq!(h.status(later), 400);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn server_close_with_and_without_held_poll() {
    let mut h = H::new();
    let s1 = h.handshake_polling();
    let s2 = h.handshake_polling();
    // Held poll: gets the queue and a close packet at once.
    let g = h.get(&poll_uri(SID1));
    h.server.send(s1, "bye").unwrap();
    h.drain();
    let g2 = h.get(&poll_uri(SID1));
    h.close(s1);
    assert_eq!(h.body(g), "4bye");
    assert_eq!(h.body(g2), "1");
    assert_eq!(h.closed_reason(s1), Some("forced close"));
    // No poll held: the next poll gets the queue and the close packet.
    h.send(s2, "last");
    h.close(s2);
    assert_eq!(h.closed_reason(s2), Some("forced close"));
    assert_eq!(h.server.session_count(), 0);
    assert_eq!(
        h.server.close_session(h.now, s2),
        Err(socketio_proto::error::SocketError::UnknownSession)
    );
    let g = h.get(&poll_uri(SID2));
    assert_eq!(h.body(g), "4last\x1e1");
    let g = h.get(&poll_uri(SID2));
    assert_eq!(h.status(g), 400);
    assert_eq!(h.deadline(), None);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn closing_session_without_poll_expires() {
    let mut h = H::new();
    let s = h.handshake_polling();
    h.close(s);
    assert!(h.deadline().is_some());
    h.at(20_000);
    assert_eq!(h.deadline(), None);
    let g = h.get(&poll_uri(SID1));
    assert_eq!(h.status(g), 400);
}

#[test]
fn closing_linger_counts_from_the_close_after_an_idle_server() {
    let mut h = H::new();
    let s = h.handshake_polling();
    // 60 s of virtual time without any input to the server.
    h.now = h.t0 + std::time::Duration::from_secs(60);
    h.close(s);
    // The queue waits `ping_timeout` (20 s) from the close, not from the last input.
    h.at(79_999);
    let g = h.get(&poll_uri(SID1));
    assert_eq!(h.body(g), "1");
    // A `now` earlier than one already seen counts as the latest one (79.999 s).
    let s2 = h.handshake_polling();
    assert_eq!(h.server.close_session(h.t0, s2), Ok(()));
    h.drain();
    h.at(99_998);
    assert!(h.deadline().is_some());
    h.at(99_999);
    assert_eq!(h.deadline(), None);
}

#[test]
fn aborted_poll_closes_session() {
    let mut h = H::new();
    let s = h.handshake_polling();
    let g = h.get(&poll_uri(SID1));
    h.abort(g);
    assert_eq!(h.closed_reason(s), Some("transport error"));
    assert!(!h.answered(g));
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn queue_is_bounded() {
    let mut h = H::with(EngineConfig {
        max_queued_packets: 3,
        ..EngineConfig::default()
    });
    let s = h.handshake_polling();
    h.server.send(s, "a").unwrap();
    h.server.send(s, "b").unwrap();
    assert_eq!(
        h.server
            .send_many(s, [OutMessage::from("c"), OutMessage::from("d")]),
        Err(SendError::QueueFull { limit: 3 })
    );
    assert_eq!(h.server.queued(s), Some(2));
    h.server.send(s, "c").unwrap();
    assert_eq!(
        h.server.send(s, "d"),
        Err(SendError::QueueFull { limit: 3 })
    );
    let g = h.get(&poll_uri(SID1));
    assert_eq!(h.body(g), "4a\x1e4b\x1e4c");
    assert_eq!(h.server.queued(s), Some(0));
}
