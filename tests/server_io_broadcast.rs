//! Socket.IO server: rooms and broadcasts (rooms, except, from a socket, volatile,
//! shared encoding, broadcast with acks).
mod common;
mod server_io_support;

use server_io_support::{Harness, POLL_URI};
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::io::{IoEvent, SocketId, Target};
use socketio_proto::server::{ConnId, Transmit};
use std::time::Duration;

struct Room {
    h: Harness,
    conns: Vec<ConnId>,
    socks: Vec<SocketId>,
}

/// Four WebSocket clients on `/`: a, b in `red`; b, c in `blue`; d in none. One client
/// on `/other`.
fn setup() -> Room {
    let mut h = Harness::new();
    h.io.register_namespace("/other").unwrap();
    let mut conns = Vec::new();
    let mut socks = Vec::new();
    for _ in 0..4 {
        let (c, s) = h.connect_ws("/");
        conns.push(c);
        socks.push(s);
    }
    let (c, _) = h.connect_ws("/other");
    conns.push(c);
    h.io.join(socks[0], "red").unwrap();
    h.io.join(socks[1], "red").unwrap();
    h.io.join(socks[1], "blue").unwrap();
    h.io.join(socks[2], "blue").unwrap();
    h.io.join(socks[2], "blue").unwrap(); // twice: no effect
    h.app("join a,b->red; b,c->blue");
    h.trace.clear();
    Room { h, conns, socks }
}

fn last_texts(h: &Harness, since: usize) -> Vec<(u64, String)> {
    h.transmits[since..]
        .iter()
        .filter_map(|t| match t {
            Transmit::WsSend {
                conn,
                msg: WsMessage::Text(t),
            } => Some((conn.as_u64(), t.to_string())),
            _ => None,
        })
        .collect()
}

#[test]
fn rooms_union_except_and_from_socket() {
    let Room { mut h, socks, .. } = setup();
    let (a, b, c, d) = (socks[0], socks[1], socks[2], socks[3]);
    assert_eq!(h.io.rooms(b).unwrap().len(), 3);
    assert_eq!(h.io.room_len("/", "red"), 2);
    let all = Target::namespace("/");
    assert_eq!(h.io.targets(&all), vec![a, b, c, d]);
    let red_blue = Target::namespace("/").to("red").to("blue");
    assert_eq!(h.io.targets(&red_blue), vec![a, b, c]);
    let red_not_blue = Target::namespace("/").to("red").except("blue");
    assert_eq!(h.io.targets(&red_not_blue), vec![a]);
    let from_a = h.io.broadcast_from(a).unwrap();
    assert_eq!(h.io.targets(&from_a), vec![b, c, d]);
    let from_a_red = h.io.broadcast_from(a).unwrap().to("red");
    assert_eq!(h.io.targets(&from_a_red), vec![b]);
    let sid_d = h.io.socket_sid(d).unwrap().to_owned();
    let to_d = Target::namespace("/").to(sid_d.clone()).to("red");
    assert_eq!(h.io.targets(&to_d), vec![a, b, d]);
    let not_d = Target::namespace("/").except(sid_d);
    assert_eq!(h.io.targets(&not_d), vec![a, b, c]);
    let no_one = Target::namespace("/").to("nobody");
    assert_eq!(h.io.targets(&no_one), vec![]);

    // The wire: each selected socket gets the frame once; /other gets nothing.
    let mark = h.transmits.len();
    let n = h.io.broadcast(&red_blue, "news", &("hello",)).unwrap();
    h.app("broadcast to red+blue");
    assert_eq!(n, 3);
    let sent = last_texts(&h, mark);
    assert_eq!(
        sent,
        vec![
            (1, r#"42["news","hello"]"#.to_owned()),
            (2, r#"42["news","hello"]"#.to_owned()),
            (3, r#"42["news","hello"]"#.to_owned()),
        ]
        .into_iter()
        .filter(|x| sent.contains(x))
        .collect::<Vec<_>>()
    );
    assert_eq!(sent.len(), 3);
    let mut conns: Vec<u64> = sent.iter().map(|x| x.0).collect();
    conns.sort();
    assert_eq!(conns, vec![1, 2, 3]);
    // Encoded once: every recipient's frame is the same buffer.
    let ptrs: Vec<*const u8> = h.transmits[mark..]
        .iter()
        .filter_map(|t| match t {
            Transmit::WsSend {
                msg: WsMessage::Text(t),
                ..
            } => Some(t.as_ptr()),
            _ => None,
        })
        .collect();
    assert!(ptrs.windows(2).all(|w| w[0] == w[1]), "shared frame");

    // Leave a room.
    h.io.leave(b, "red").unwrap();
    h.io.leave(b, "red").unwrap();
    assert_eq!(h.io.targets(&Target::namespace("/").to("red")), vec![a]);
    // Other namespace, binary broadcast.
    let n =
        h.io.broadcast(
            &Target::namespace("/other"),
            "bin",
            &(socketio_proto::socketio::Value::Binary(
                bytes::Bytes::from_static(b"z"),
            ),),
        )
        .unwrap();
    h.app("broadcast to /other with binary");
    assert_eq!(n, 1);
    assert!(matches!(
        h.io.broadcast(&Target::namespace("nope"), "x", &()),
        Err(socketio_proto::error::EmitError::UnknownNamespace(_))
    ));
    assert_eq!(
        h.io.broadcast(&Target::namespace("/empty"), "x", &()),
        Ok(0)
    );
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn volatile_skips_transports_that_cannot_send_now() {
    let mut h = Harness::new();
    let (_ws, _) = h.connect_ws("/");
    // A polling client with no GET held.
    let (_, _) = h.get(POLL_URI);
    let uri = format!("{POLL_URI}&sid=E0000000000000000002");
    let (_, evs) = h.post(&uri, "40");
    h.accept(evs.into_iter().next().unwrap());
    let (_, _) = h.get(&uri); // receives the CONNECT reply; no GET held now
    let n =
        h.io.broadcast(&Target::namespace("/").volatile(), "tick", &(1,))
            .unwrap();
    h.app("volatile broadcast tick");
    assert_eq!(n, 1, "only the WebSocket client");
    // A non-volatile one is queued for the polling client too.
    let n =
        h.io.broadcast(&Target::namespace("/"), "tock", &(2,))
            .unwrap();
    h.app("broadcast tock");
    assert_eq!(n, 2);
    let (_, _) = h.get(&uri);
    // With a GET held, the polling client is writable.
    let (_, _) = h.get(&uri);
    let n =
        h.io.broadcast(&Target::namespace("/").volatile(), "tick", &(3,))
            .unwrap();
    h.app("volatile broadcast tick (GET held)");
    assert_eq!(n, 2);
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn broadcast_with_ack_collects_replies_and_reports_missing() {
    let Room {
        mut h,
        conns,
        socks,
    } = setup();
    let target = Target::namespace("/").to("red").to("blue");
    let b1 =
        h.io.broadcast_with_ack(
            h.now,
            &target,
            "vote",
            &("yes?",),
            Some(Duration::from_secs(3)),
        )
        .unwrap();
    h.app("broadcast_with_ack vote to red+blue, 3s");
    // Every recipient gets the same ack id.
    assert_eq!(
        h.ws_texts(conns[0]).last().unwrap(),
        r#"420["vote","yes?"]"#
    );
    assert_eq!(
        h.ws_texts(conns[2]).last().unwrap(),
        r#"420["vote","yes?"]"#
    );
    let evs = h.ws_text(conns[0], r#"430["yes"]"#);
    assert!(
        matches!(&evs[0], IoEvent::BroadcastAckReceived { broadcast, socket, .. } if *broadcast == b1 && *socket == socks[0])
    );
    // Not a recipient: ignored.
    assert!(h.ws_text(conns[3], r#"430["no"]"#).is_empty());
    h.ws_text(conns[1], r#"430["no"]"#);
    // Twice from the same socket: ignored.
    assert!(h.ws_text(conns[1], r#"430["no"]"#).is_empty());
    let evs = h.advance(3000);
    assert_eq!(
        evs,
        vec![IoEvent::BroadcastAckComplete {
            broadcast: b1,
            missing: vec![socks[2]]
        }]
    );
    // All answer: completes at once, with nothing missing.
    let b2 =
        h.io.broadcast_with_ack(
            h.now,
            &Target::namespace("/").to("red"),
            "ping?",
            &(),
            Some(Duration::from_secs(3)),
        )
        .unwrap();
    h.app("broadcast_with_ack ping? to red, 3s");
    h.ws_text(conns[0], "431[]");
    let evs = h.ws_text(conns[1], "431[]");
    assert_eq!(
        evs.last().unwrap(),
        &IoEvent::BroadcastAckComplete {
            broadcast: b2,
            missing: vec![]
        }
    );
    assert!(h.advance(5000).is_empty());
    // No recipient: completes at once.
    let b3 =
        h.io.broadcast_with_ack(
            h.now,
            &Target::namespace("/").to("nobody"),
            "x",
            &(),
            Some(Duration::from_secs(3)),
        )
        .unwrap();
    let evs = h.app("broadcast_with_ack x to nobody");
    assert_eq!(
        evs,
        vec![IoEvent::BroadcastAckComplete {
            broadcast: b3,
            missing: vec![]
        }]
    );
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn volatile_emit_to_one_socket() {
    let mut h = Harness::new();
    let (conn, ws_socket) = h.connect_ws("/");
    assert_eq!(h.io.emit_volatile(ws_socket, "v", &(1,)), Ok(true));
    h.app("emit_volatile over WebSocket");
    assert_eq!(h.ws_texts(conn).last().unwrap(), r#"42["v",1]"#);
    let (_, _) = h.get(POLL_URI);
    let uri = format!("{POLL_URI}&sid=E0000000000000000002");
    let (_, evs) = h.post(&uri, "40");
    let polling = h.accept(evs.into_iter().next().unwrap());
    let (_, _) = h.get(&uri); // takes the CONNECT reply; no GET held now
    assert_eq!(h.io.emit_volatile(polling, "v", &(2,)), Ok(false));
    let (_, _) = h.get(&uri); // held
    assert_eq!(h.io.emit_volatile(polling, "v", &(3,)), Ok(true));
    h.app("emit_volatile to polling with a GET held");
    let last = h.transmits.last().unwrap();
    assert!(
        matches!(last, Transmit::HttpResponse { response: r, .. } if &r.body[..] == br#"42["v",3]"#),
        "{last:?}"
    );
}

/// `timeout: None`: no timer; the broadcast completes once every recipient answered or
/// left, listing those that left without answering.
#[test]
fn broadcast_with_ack_without_timeout_waits_for_answers_or_departures() {
    let Room {
        mut h,
        conns,
        socks,
    } = setup();
    let red = Target::namespace("/").to("red");
    let b =
        h.io.broadcast_with_ack(h.now, &red, "vote", &(), None)
            .unwrap();
    h.app("broadcast_with_ack vote to red, no timeout");
    assert_eq!(h.ws_texts(conns[0]).last().unwrap(), r#"420["vote"]"#);
    let evs = h.ws_text(conns[0], "430[1]");
    assert!(matches!(&evs[..], [IoEvent::BroadcastAckReceived { .. }]));
    // No timer armed: later (within the heartbeat) it still waits for b.
    assert!(!h
        .advance(20_000)
        .iter()
        .any(|e| matches!(e, IoEvent::BroadcastAckComplete { .. })));
    // b leaves without answering.
    let evs = h.ws_closed(conns[1]);
    assert!(evs.contains(&IoEvent::BroadcastAckComplete {
        broadcast: b,
        missing: vec![socks[1]]
    }));
    h.assert_no_leaks();
}
