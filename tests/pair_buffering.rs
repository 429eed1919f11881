//! Pair scenarios: emits while not connected wait in the socket's bounded send buffer
//! and are flushed in order on (re)connection; volatile emits are dropped instead.

mod common;

use common::pair::{server_event_text, Pair};
use common::with_snapshots;
use socketio_proto::client::io::{IoEvent as ClientEvent, Manager, ManagerConfig};
use socketio_proto::client::DisconnectReason;
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::error::{AuthError, EmitError, NamespaceError};
use socketio_proto::ids::FixedRandom;
use socketio_proto::server::io::IoEvent;
use socketio_proto::transport::Transport;
use std::time::{Duration, Instant};

fn server_event_names(p: &mut Pair) -> Vec<String> {
    p.take_server_events()
        .iter()
        .filter_map(|e| match e {
            IoEvent::Event { event, .. } => Some(event.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn offline_emits_flush_in_order_after_reconnect() {
    let mut p = Pair::with_transports(vec![Transport::WebSocket]);
    let s = p.client_do(|c, _| c.socket("/", None)).unwrap();
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    // Emitted before the namespace is joined: buffered, sent right after CONNECT.
    p.client_do(|c, _| c.emit(s, "early", &(0,))).unwrap();
    assert_eq!(p.client.buffered(s), 1);
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(s));
    assert_eq!(p.client.buffered(s), 0);
    assert_eq!(server_event_names(&mut p), vec!["early"]);

    p.cut();
    p.advance(Duration::from_millis(100));
    assert!(!p.client.is_connected(s));
    p.note("offline emits");
    p.client_do(|c, now| {
        c.emit(s, "m1", &(1,)).unwrap();
        assert_eq!(c.emit_with_ack(now, s, "m2", &(2,), None).unwrap(), 0);
        c.emit(s, "m3", &(3,)).unwrap();
        assert!(!c.emit_volatile(s, "v", &()).unwrap());
        assert_eq!(
            c.emit_with_ack(now, s, "m4", &(4,), Some(Duration::from_millis(500)))
                .unwrap(),
            1
        );
    });
    assert_eq!(p.client.buffered(s), 4);
    p.advance(Duration::from_millis(600));
    // m4's ack timed out while it waited: it left the buffer and will never be sent.
    let timeouts: Vec<ClientEvent> = p
        .take_client_events()
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| matches!(e, ClientEvent::AckTimeout { .. }))
        .collect();
    assert_eq!(timeouts, vec![ClientEvent::AckTimeout { socket: s, id: 1 }]);
    assert_eq!(p.client.buffered(s), 3);

    p.restore();
    p.advance(Duration::from_secs(5));
    assert!(p.client.is_connected(s));
    assert_eq!(p.client.buffered(s), 0);
    let (mut names, mut acks) = (Vec::new(), Vec::new());
    for e in p.take_server_events() {
        if let IoEvent::Event { event, ack, .. } = e {
            names.push(event.to_string());
            acks.extend(ack);
        }
    }
    assert_eq!(names, vec!["m1", "m2", "m3"]);
    // The server answers m2 (ack id 0) on the new connection.
    let [m2] = <[_; 1]>::try_from(acks).unwrap();
    assert_eq!(m2.id(), 0);
    assert_eq!(
        p.server.socket_sid(m2.socket()),
        Some("e1sock00000000000002")
    );
    p.server_do(|srv| srv.ack(m2, &("done",)).unwrap());
    p.advance(Duration::from_millis(20));
    let acks: Vec<u64> = p
        .take_client_events()
        .into_iter()
        .filter_map(|(_, e)| match e {
            ClientEvent::AckReceived { id, args, .. } => {
                assert_eq!(args.deserialize::<(String,)>().unwrap().0, "done");
                Some(id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(acks, vec![0]);
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn volatile_emits_go_out_only_when_connected() {
    let mut p = Pair::with_transports(vec![Transport::WebSocket]);
    let s = p.client_do(|c, _| c.socket("/", None)).unwrap();
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    assert!(!p
        .client_do(|c, _| c.emit_volatile(s, "too early", &()))
        .unwrap());
    p.advance(Duration::from_millis(100));
    assert!(p
        .client_do(|c, _| c.emit_volatile(s, "tick", &(1,)))
        .unwrap());
    p.advance(Duration::from_millis(100));
    let names: Vec<String> = p
        .take_server_events()
        .iter()
        .map(server_event_text)
        .filter(|e| e.starts_with("Event"))
        .collect();
    assert_eq!(names.len(), 1);
    assert!(names[0].contains("\"tick\""));
}

#[test]
fn send_buffer_is_bounded() {
    let mut c = ManagerConfig::new("127.0.0.1", 3000);
    c.max_buffered_packets = 3;
    let mut m = Manager::new(c, Box::new(FixedRandom::new(vec![0.5]))).unwrap();
    let now = Instant::now();
    let s = m.socket("/", None).unwrap();
    for i in 0..3 {
        m.emit(s, "e", &(i,)).unwrap();
    }
    assert_eq!(
        m.emit(s, "e", &(3,)),
        Err(EmitError::QueueFull { limit: 3 })
    );
    // A refused emit_with_ack does not leak its ack slot.
    assert_eq!(
        m.emit_with_ack(now, s, "e", &(4,), None),
        Err(EmitError::QueueFull { limit: 3 })
    );
    assert_eq!(m.pending_acks(s), 0);
    assert_eq!(m.buffered(s), 3);
    // Local misuse is an error, not a panic.
    assert_eq!(
        m.emit(s, "disconnect", &()),
        Err(EmitError::ReservedEventName("disconnect".into()))
    );
    assert!(matches!(
        m.socket("chat", None),
        Err(NamespaceError::Invalid(_))
    ));
    assert!(matches!(
        m.socket("/", Some(serde_json::json!([1]))),
        Err(NamespaceError::Auth(AuthError::NotAnObject))
    ));
    assert!(
        matches!(m.poll_output(), Output::Timeout(None)),
        "nothing opened without connect"
    );
    m.shutdown(now);
    while !matches!(m.poll_output(), Output::Timeout(_)) {}
    assert_eq!(m.leaks(), vec![], "leaked table entries");
}

#[test]
fn client_disconnect_sends_disconnect_and_stops() {
    let mut p = Pair::with_transports(vec![Transport::WebSocket]);
    let s = p.client_do(|c, _| c.socket("/", None)).unwrap();
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    p.advance(Duration::from_millis(100));
    p.take_client_events();
    p.client_do(|c, now| c.disconnect(now, s)).unwrap();
    p.advance(Duration::from_secs(30));
    p.assert_disconnected_then_closed(
        s,
        DisconnectReason::IoClientDisconnect,
        DisconnectReason::ForcedClose,
    );
    assert!(!p.client.is_open());
    assert!(!p.client.is_reconnecting());
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn volatile_emit_is_dropped_while_a_post_is_in_flight() {
    let mut p = Pair::with_transports(vec![Transport::Polling]);
    let s = p.client_do(|c, _| c.socket("/", None)).unwrap();
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    p.advance(Duration::from_millis(100));
    assert!(p
        .client_do(|c, _| c.emit_volatile(s, "first", &()))
        .unwrap());
    // The first POST is still in flight: the transport is not writable.
    assert!(!p
        .client_do(|c, _| c.emit_volatile(s, "second", &()))
        .unwrap());
    p.advance(Duration::from_millis(20));
    assert!(p
        .client_do(|c, _| c.emit_volatile(s, "third", &()))
        .unwrap());
    p.advance(Duration::from_millis(20));
    assert_eq!(server_event_names(&mut p), vec!["first", "third"]);
}
