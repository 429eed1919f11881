//! Socket.IO server: events (with binary, both ways) and acks (both ways, timeouts).
mod common;
mod server_io_support;

use bytes::Bytes;
use serde::Deserialize;
use server_io_support::ack_request;
use server_io_support::Harness;
use socketio_proto::engineio::WsMessage;
use socketio_proto::error::{AckError, EmitError};
use socketio_proto::server::io::IoEvent;
use socketio_proto::server::Transmit;
use socketio_proto::socketio::Value;
use std::time::Duration;

#[test]
fn events_both_ways_with_binary() {
    let mut h = Harness::new();
    let (conn, socket) = h.connect_ws("/");
    // Plain event, deserialized into the application's own types.
    let evs = h.ws_text(conn, r#"42["chat",{"user":"ann","text":"hi"},7]"#);
    #[derive(Deserialize, Debug, PartialEq)]
    struct Chat {
        user: String,
        text: String,
    }
    let IoEvent::Event {
        socket: s,
        event,
        args,
        ack,
    } = &evs[0]
    else {
        panic!("{evs:?}")
    };
    assert_eq!((*s, &**event, ack), (socket, "chat", &None));
    let (chat, n): (Chat, u32) = args.deserialize().unwrap();
    assert_eq!(chat.text, "hi");
    assert_eq!(n, 7);
    // Binary event from the client: the packet, then its attachment.
    let evs = h.ws_text(
        conn,
        r#"451-["upload","f.bin",{"_placeholder":true,"num":0}]"#,
    );
    assert!(evs.is_empty(), "waits for the attachment");
    let evs = h.ws_binary(conn, &[1, 2, 3]);
    let IoEvent::Event { event, args, .. } = &evs[0] else {
        panic!("{evs:?}")
    };
    assert_eq!(&**event, "upload");
    let values = args.to_values().unwrap();
    assert_eq!(values[0], Value::String("f.bin".into()));
    assert_eq!(values[1], Value::Binary(Bytes::from_static(&[1, 2, 3])));
    // Binary event to the client, binary nested in an object.
    let data = Bytes::from_static(&[9, 8]);
    h.io.emit(
        socket,
        "file",
        &(
            "x",
            std::collections::BTreeMap::from([("body", Value::Binary(data.clone()))]),
        ),
    )
    .unwrap();
    h.app("emit file with binary");
    let n = h.transmits.len();
    assert_eq!(
        h.transmits[n - 2],
        Transmit::WsSend {
            conn,
            msg: WsMessage::Text(
                r#"451-["file","x",{"body":{"_placeholder":true,"num":0}}]"#.into()
            )
        }
    );
    // The attachment is the same buffer, not a copy.
    let Transmit::WsSend {
        msg: WsMessage::Binary(b),
        ..
    } = &h.transmits[n - 1]
    else {
        panic!()
    };
    assert_eq!(b.as_ptr(), data.as_ptr());
    // send() is the `message` event.
    h.io.send(socket, &("plain",)).unwrap();
    h.app("send plain");
    assert_eq!(h.ws_texts(conn).last().unwrap(), r#"42["message","plain"]"#);
    assert!(matches!(
        h.io.emit(socket, "disconnect", &()),
        Err(EmitError::ReservedEventName(_))
    ));
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn client_ack_is_answered_once() {
    let mut h = Harness::new();
    let (conn, socket) = h.connect_ws("/");
    h.io.register_namespace("/admin").unwrap();
    let evs = h.ws_text(conn, "40/admin,");
    let admin = h.accept(evs.into_iter().next().unwrap());
    let evs = h.ws_text(conn, r#"4212["get","key"]"#);
    let req = ack_request(evs);
    assert_eq!((req.socket(), req.id()), (socket, 12));
    h.io.ack(req, &("value", 1)).unwrap();
    h.app("ack 12");
    assert_eq!(h.ws_texts(conn).last().unwrap(), r#"4312["value",1]"#);
    // Answering it again does not compile: `ack` consumed it.
    // Binary ack in a namespace.
    let evs = h.ws_text(conn, r#"42/admin,5["blob"]"#);
    let req = ack_request(evs);
    assert_eq!((req.socket(), req.id()), (admin, 5));
    h.io.ack(req, &[Value::Binary(Bytes::from_static(b"\x00\xff"))])
        .unwrap();
    h.app("ack 5 with binary");
    let texts = h.ws_texts(conn);
    assert_eq!(
        texts.last().unwrap(),
        r#"461-/admin,5[{"_placeholder":true,"num":0}]"#
    );
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn server_ack_received_and_timed_out() {
    let mut h = Harness::new();
    let (conn, socket) = h.connect_ws("/");
    let id =
        h.io.emit_with_ack(
            h.now,
            socket,
            "question",
            &("1+1",),
            Some(Duration::from_secs(5)),
        )
        .unwrap();
    h.app("emit_with_ack question 5s");
    assert_eq!(id, 0);
    assert_eq!(h.ws_texts(conn).last().unwrap(), r#"420["question","1+1"]"#);
    h.advance(1000);
    let evs = h.ws_text(conn, "430[2]");
    let IoEvent::AckReceived {
        socket: s,
        id: i,
        args,
    } = &evs[0]
    else {
        panic!("{evs:?}")
    };
    assert_eq!((*s, *i), (socket, 0));
    assert_eq!(args.deserialize::<(u8,)>().unwrap(), (2,));
    // A second answer to the same id is ignored.
    assert!(h.ws_text(conn, "430[3]").is_empty());
    // Binary ack from the client.
    let id =
        h.io.emit_with_ack(h.now, socket, "blob?", &(), Some(Duration::from_secs(5)))
            .unwrap();
    h.app("emit_with_ack blob? 5s");
    assert_eq!(id, 1);
    assert!(h
        .ws_text(conn, r#"461-1[{"_placeholder":true,"num":0}]"#)
        .is_empty());
    let evs = h.ws_binary(conn, b"ok");
    assert!(
        matches!(&evs[0], IoEvent::AckReceived { id: 1, args, .. } if args.attachments().len() == 1)
    );
    // Timeout.
    let id =
        h.io.emit_with_ack(h.now, socket, "slow", &(), Some(Duration::from_secs(5)))
            .unwrap();
    h.app("emit_with_ack slow 5s");
    assert!(h.advance(4_999).is_empty());
    let evs = h.advance(1);
    assert_eq!(evs, vec![IoEvent::AckTimeout { socket, id }]);
    // A late answer is ignored.
    assert!(h.ws_text(conn, "432[]").is_empty());
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn ack_timeout_counts_from_the_emit_after_an_idle_server() {
    let mut h = Harness::new();
    let (_conn, socket) = h.connect_ws("/");
    // 60 s of virtual time without any input to the server.
    h.now += Duration::from_secs(60);
    let id =
        h.io.emit_with_ack(h.now, socket, "late", &(), Some(Duration::from_secs(5)))
            .unwrap();
    let at = |evs: &[IoEvent]| evs.contains(&IoEvent::AckTimeout { socket, id });
    // The overdue heartbeat runs, but the ack waits its full 5 s from the emit.
    assert!(!at(&h.advance(4_999)));
    assert!(at(&h.advance(1)));
    // A `now` earlier than one already seen counts as the latest one.
    let id2 =
        h.io.emit_with_ack(h.t0, socket, "early", &(), Some(Duration::from_secs(5)))
            .unwrap();
    assert!(!h
        .advance(4_999)
        .contains(&IoEvent::AckTimeout { socket, id: id2 }));
    assert!(h
        .advance(1)
        .contains(&IoEvent::AckTimeout { socket, id: id2 }));
}

#[test]
fn broadcast_ack_timeout_counts_from_the_broadcast_after_an_idle_server() {
    use socketio_proto::server::io::Target;
    let mut h = Harness::new();
    let (_conn, socket) = h.connect_ws("/");
    h.now += Duration::from_secs(60);
    let b =
        h.io.broadcast_with_ack(
            h.now,
            &Target::namespace("/"),
            "vote",
            &(),
            Some(Duration::from_secs(5)),
        )
        .unwrap();
    let done = IoEvent::BroadcastAckComplete {
        broadcast: b,
        missing: vec![socket],
    };
    assert!(!h.advance(4_999).contains(&done));
    assert!(h.advance(1).contains(&done));
}

#[test]
fn pending_acks_time_out_when_the_socket_leaves() {
    let mut h = Harness::new();
    let (conn, socket) = h.connect_ws("/");
    let id =
        h.io.emit_with_ack(h.now, socket, "q", &(), Some(Duration::from_secs(60)))
            .unwrap();
    let evs = h.ws_text(conn, "41");
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0], IoEvent::AckTimeout { socket, id });
    assert!(matches!(evs[1], IoEvent::Disconnected { .. }));
}

#[test]
fn binary_both_ways_over_polling() {
    let mut h = Harness::new();
    let (_, _) = h.get(server_io_support::POLL_URI);
    let uri = format!("{}&sid=E0000000000000000001", server_io_support::POLL_URI);
    let (_, evs) = h.post(&uri, "40");
    let socket = h.accept(evs.into_iter().next().unwrap());
    let (_, _) = h.get(&uri);
    // A binary event and its attachment in one payload (`b` + base64).
    let (_, evs) = h.post(
        &uri,
        "451-[\"up\",{\"_placeholder\":true,\"num\":0}]\u{1e}bAQID",
    );
    let IoEvent::Event { event, args, .. } = &evs[0] else {
        panic!("{evs:?}")
    };
    assert_eq!(&**event, "up");
    assert_eq!(args.attachments(), &[Bytes::from_static(&[1, 2, 3])]);
    h.io.emit(
        socket,
        "down",
        &(Value::Binary(Bytes::from_static(&[4, 5])),),
    )
    .unwrap();
    h.app("emit down with binary");
    let (_, _) = h.get(&uri);
    let Some(Transmit::HttpResponse { response: r, .. }) = h.transmits.last() else {
        panic!()
    };
    assert_eq!(
        &r.body[..],
        "451-[\"down\",{\"_placeholder\":true,\"num\":0}]\u{1e}bBAU=".as_bytes()
    );
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn pending_client_acks_are_bounded() {
    let config = socketio_proto::server::io::IoConfig {
        max_ack_requests: 2,
        ..Default::default()
    };
    let mut h = Harness::with_config(config);
    let (conn, _socket) = h.connect_ws("/");
    let reqs: Vec<_> = (1..=3)
        .map(|id| ack_request(h.ws_text(conn, &format!("42{id}[\"q\"]"))))
        .collect();
    // The oldest was forgotten; the two newest can still be answered.
    let mut reqs = reqs.into_iter();
    assert_eq!(h.io.ack(reqs.next().unwrap(), &()), Err(AckError::Stale));
    assert_eq!(h.io.ack(reqs.next().unwrap(), &()), Ok(()));
    assert_eq!(h.io.ack(reqs.next().unwrap(), &()), Ok(()));
    // A limit of zero tracks nothing (and never panics).
    let config = socketio_proto::server::io::IoConfig {
        max_ack_requests: 0,
        ..Default::default()
    };
    let mut h = Harness::with_config(config);
    let (conn, _socket) = h.connect_ws("/");
    let req = ack_request(h.ws_text(conn, "427[\"q\"]"));
    assert_eq!(req.id(), 7);
    assert_eq!(h.io.ack(req, &()), Err(AckError::Stale));
}

#[test]
fn emit_with_ack_is_refused_beyond_max_pending_acks() {
    let config = socketio_proto::server::io::IoConfig {
        max_pending_acks: 1,
        ..Default::default()
    };
    let mut h = Harness::with_config(config);
    let (_conn, socket) = h.connect_ws("/");
    h.io.emit_with_ack(h.now, socket, "a", &(), None).unwrap();
    assert_eq!(
        h.io.emit_with_ack(h.now, socket, "b", &(), None),
        Err(EmitError::TooManyPendingAcks { limit: 1 })
    );
    h.app("two emit_with_ack");
}
