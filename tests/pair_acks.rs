//! Pair scenarios: acknowledgements both ways, with replies and timeouts in virtual
//! time, and binary data anywhere in events and acks, over WebSocket and polling.

mod common;

use bytes::Bytes;
use common::pair::Pair;
use common::with_snapshots;
use socketio_proto::client::io::IoEvent as ClientEvent;
use socketio_proto::client::{AckRequest, SocketId};
use socketio_proto::error::AckError;
use socketio_proto::server::io::IoEvent;
use socketio_proto::socketio::Value;
use socketio_proto::transport::Transport;
use std::collections::BTreeMap;
use std::time::Duration;

fn connected(transports: Vec<Transport>) -> (Pair, SocketId) {
    let mut p = Pair::with_transports(transports);
    let s = p.connect_main();
    p.take_server_events();
    (p, s)
}

/// Takes the client events and returns the first ack request among them.
fn take_ack_request(p: &mut Pair) -> AckRequest {
    p.take_client_events()
        .into_iter()
        .find_map(|(_, e)| match e {
            ClientEvent::Event { ack, .. } => ack,
            _ => None,
        })
        .unwrap()
}

#[test]
fn acks_both_ways_with_timeouts() {
    let (mut p, s) = connected(vec![Transport::WebSocket]);
    let srv = p.accepted()[0];

    // Client → server, answered.
    let id = p
        .client_do(|c, now| c.emit_with_ack(now, s, "sum", &(1, 2), Some(Duration::from_secs(1))))
        .unwrap();
    assert_eq!(id, 0);
    p.advance(Duration::from_millis(10));
    let ack = p
        .take_server_events()
        .into_iter()
        .find_map(|e| match e {
            IoEvent::Event { ack, args, .. } => {
                assert_eq!(args.deserialize::<(i32, i32)>().unwrap(), (1, 2));
                ack
            }
            _ => None,
        })
        .unwrap();
    p.server_do(|srv_io| srv_io.ack(ack, &(3,))).unwrap();
    p.advance(Duration::from_millis(10));
    let evs: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    match evs.as_slice() {
        [ClientEvent::AckReceived {
            socket,
            id: 0,
            args,
        }] => {
            assert_eq!(*socket, s);
            assert_eq!(args.deserialize::<(i32,)>().unwrap(), (3,));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.client.pending_acks(s), 0);

    // Client → server, never answered: AckTimeout exactly one second later.
    p.note("unanswered client ack");
    let start = p.elapsed();
    let id = p
        .client_do(|c, now| c.emit_with_ack(now, s, "ignored", &(), Some(Duration::from_secs(1))))
        .unwrap();
    assert_eq!(id, 1);
    p.advance(Duration::from_secs(2));
    let evs = p.take_client_events();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].1, ClientEvent::AckTimeout { socket: s, id: 1 });
    assert_eq!(evs[0].0 - start, Duration::from_secs(1));
    // A late answer is ignored.
    let late = p
        .take_server_events()
        .into_iter()
        .find_map(|e| match e {
            IoEvent::Event { ack, .. } => ack,
            _ => None,
        })
        .unwrap();
    p.server_do(|srv_io| srv_io.ack(late, &("late",))).unwrap();
    p.advance(Duration::from_millis(10));
    assert!(p.take_client_events().is_empty());

    // Server → client, answered once.
    p.note("server asks the client");
    let sid = p
        .server_at(|srv_io, now| {
            srv_io.emit_with_ack(now, srv, "question", &("?",), Some(Duration::from_secs(1)))
        })
        .unwrap();
    p.advance(Duration::from_millis(10));
    let req: AckRequest = p
        .take_client_events()
        .into_iter()
        .find_map(|(_, e)| match e {
            ClientEvent::Event { event, ack, .. } if event == "question" => ack,
            _ => None,
        })
        .unwrap();
    assert_eq!(req.socket(), s);
    p.client_do(|c, _| c.ack(req, &("answer", 42))).unwrap();
    p.advance(Duration::from_millis(10));
    let got = p.take_server_events();
    match got.as_slice() {
        [IoEvent::AckReceived { id, args, .. }] => {
            assert_eq!(*id, sid);
            assert_eq!(
                args.deserialize::<(String, u32)>().unwrap(),
                ("answer".into(), 42)
            );
        }
        other => panic!("{other:?}"),
    }

    // Server → client, not answered: the server's timeout fires.
    p.note("client does not answer");
    p.server_at(|srv_io, now| {
        srv_io.emit_with_ack(
            now,
            srv,
            "question",
            &("again",),
            Some(Duration::from_secs(1)),
        )
    })
    .unwrap();
    p.advance(Duration::from_secs(2));
    assert!(p
        .take_server_events()
        .iter()
        .any(|e| matches!(e, IoEvent::AckTimeout { .. })));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn ack_after_reconnect_is_refused_and_sent_acks_are_cancelled() {
    let (mut p, s) = connected(vec![Transport::WebSocket]);
    let srv = p.accepted()[0];
    p.server_at(|srv_io, now| {
        srv_io.emit_with_ack(now, srv, "q", &(), Some(Duration::from_secs(60)))
    })
    .unwrap();
    let id = p
        .client_do(|c, now| c.emit_with_ack(now, s, "pending", &(), None))
        .unwrap();
    p.advance(Duration::from_millis(10));
    let req = take_ack_request(&mut p);
    p.restart_server();
    p.advance(Duration::from_secs(3));
    assert!(p.client.is_connected(s));
    let evs: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    assert!(evs.contains(&ClientEvent::AckCancelled { socket: s, id }));
    assert_eq!(p.client.pending_acks(s), 0);
    assert_eq!(p.client_do(|c, _| c.ack(req, &())), Err(AckError::Stale));
}

fn binary_roundtrip(transports: Vec<Transport>) -> Pair {
    let (mut p, s) = connected(transports);
    let srv = p.accepted()[0];
    let file = Value::Binary(Bytes::from_static(&[1, 2, 3]));
    let mut meta = BTreeMap::new();
    meta.insert("name".to_owned(), Value::String("f.bin".into()));
    meta.insert(
        "data".to_owned(),
        Value::Binary(Bytes::from_static(&[0xff, 0])),
    );
    p.client_do(|c, now| c.emit_with_ack(now, s, "upload", &(file, Value::Object(meta)), None))
        .unwrap();
    p.advance(Duration::from_millis(20));
    let (args, ack) = p
        .take_server_events()
        .into_iter()
        .find_map(|e| match e {
            IoEvent::Event { args, ack, .. } => Some((args, ack)),
            _ => None,
        })
        .unwrap();
    assert_eq!(args.attachments().len(), 2);
    let vals = args.to_values().unwrap();
    assert_eq!(vals[0], Value::Binary(Bytes::from_static(&[1, 2, 3])));
    assert_eq!(
        vals[1],
        Value::from(serde_json::json!({"name": "f.bin", "data": null}))
            .into_object_with("data", Value::Binary(Bytes::from_static(&[0xff, 0])))
    );
    // The server answers with binary, and sends a binary event nested in an array.
    p.server_do(|io| {
        io.ack(ack.unwrap(), &(Value::Binary(Bytes::from_static(b"ok")),))
            .unwrap();
        io.emit(
            srv,
            "chunk",
            &(vec![
                Value::from(7u64),
                Value::Binary(Bytes::from_static(&[9, 9])),
            ],),
        )
        .unwrap();
    });
    p.advance(Duration::from_millis(20));
    let evs: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    match evs.as_slice() {
        [ClientEvent::AckReceived { args: a, .. }, ClientEvent::Event { event, args: b, .. }] => {
            assert_eq!(
                a.to_values().unwrap(),
                vec![Value::Binary(Bytes::from_static(b"ok"))]
            );
            assert_eq!(event, "chunk");
            assert_eq!(
                b.to_values().unwrap(),
                vec![Value::Array(vec![
                    Value::from(7u64),
                    Value::Binary(Bytes::from_static(&[9, 9]))
                ])]
            );
        }
        other => panic!("{other:?}"),
    }
    // The server asks; the client answers with binary data.
    p.server_at(|io, now| {
        io.emit_with_ack(now, srv, "need-bytes", &(), Some(Duration::from_secs(5)))
    })
    .unwrap();
    p.advance(Duration::from_millis(20));
    let req = take_ack_request(&mut p);
    p.client_do(|c, _| {
        c.ack(
            req,
            &("here", Value::Binary(Bytes::from_static(&[4, 5, 6]))),
        )
    })
    .unwrap();
    p.advance(Duration::from_millis(20));
    let got = p.take_server_events();
    match got.as_slice() {
        [IoEvent::AckReceived { args, .. }] => assert_eq!(
            args.to_values().unwrap(),
            vec![
                Value::String("here".into()),
                Value::Binary(Bytes::from_static(&[4, 5, 6]))
            ]
        ),
        other => panic!("{other:?}"),
    }
    p
}

trait WithKey {
    fn into_object_with(self, k: &str, v: Value) -> Value;
}

impl WithKey for Value {
    fn into_object_with(self, k: &str, v: Value) -> Value {
        match self {
            Value::Object(mut m) => {
                m.insert(k.to_owned(), v);
                Value::Object(m)
            }
            other => other,
        }
    }
}

#[test]
fn binary_both_ways_over_websocket() {
    let p = binary_roundtrip(vec![Transport::WebSocket]);
    assert!(p.trace.iter().any(|l| l.contains("c→s w1 <bin 010203>")));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn binary_both_ways_over_polling() {
    let p = binary_roundtrip(vec![Transport::Polling]);
    // Over polling, attachments travel as base64 `b` records.
    assert!(p.trace.iter().any(|l| l.contains("bAQID␞b/wA=")));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}
