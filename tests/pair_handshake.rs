//! Pair scenarios: connecting on each transport mode, and the WebSocket upgrade.

mod common;

use common::pair::Pair;
use common::with_snapshots;
use socketio_proto::client::io::IoEvent as ClientEvent;
use socketio_proto::transport::Transport;
use std::time::Duration;

fn connect_main(p: &mut Pair) -> socketio_proto::client::SocketId {
    let s = p
        .client_do(|c, _| c.socket("/", Some(serde_json::json!({"token": "abc"}))))
        .unwrap();
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    s
}

#[test]
fn polling_then_upgrade() {
    let mut p = Pair::with_transports(vec![Transport::Polling, Transport::WebSocket]);
    let s = connect_main(&mut p);
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(s));
    assert_eq!(p.client.socket_sid(s), Some("e1sock00000000000001"));
    assert_eq!(
        p.client.engine().and_then(|e| e.transport()),
        Some(Transport::WebSocket)
    );
    p.client_do(|c, _| c.emit(s, "hello", &("world", 1)))
        .unwrap();
    p.advance(Duration::from_millis(50));
    // The CONNECT request was accepted (and consumed) by the pair: it is in the trace.
    assert!(p
        .trace
        .contains("server ConnectRequest / auth={\"token\":\"abc\"}"));
    let evs: Vec<String> = p
        .take_server_events()
        .iter()
        .map(common::pair::server_event_text)
        .collect();
    assert!(evs
        .iter()
        .any(|e| e.contains("\"hello\" [\"hello\",\"world\",1]")));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn websocket_only() {
    let mut p = Pair::with_transports(vec![Transport::WebSocket]);
    let s = connect_main(&mut p);
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(s));
    let events: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events.first(), Some(&ClientEvent::Opened));
    assert!(matches!(events.get(1), Some(ClientEvent::Connected { .. })));
    assert!(
        p.trace.iter().all(|l| !l.contains("GET")),
        "no polling at all"
    );
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn polling_only() {
    let mut p = Pair::with_transports(vec![Transport::Polling]);
    let s = connect_main(&mut p);
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(s));
    assert_eq!(
        p.client.engine().and_then(|e| e.transport()),
        Some(Transport::Polling)
    );
    p.client_do(|c, _| c.emit(s, "a", &(1,))).unwrap();
    p.client_do(|c, _| c.emit(s, "b", &(2,))).unwrap();
    p.server_do(|srv| {
        let sock = srv.socket_by_sid("e1sock00000000000001").unwrap();
        srv.emit(sock, "news", &("x",)).unwrap();
    });
    p.advance(Duration::from_millis(100));
    let got: Vec<String> = p
        .take_client_events()
        .into_iter()
        .filter_map(|(_, e)| match e {
            ClientEvent::Event { event, args, .. } => Some(format!(
                "{event} {}",
                args.deserialize::<(String,)>().unwrap().0
            )),
            _ => None,
        })
        .collect();
    assert_eq!(got, vec!["news x"]);
    assert!(
        p.trace.iter().all(|l| !l.contains("OPEN")),
        "never upgrades"
    );
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}
