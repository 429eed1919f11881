//! Pair scenarios: heartbeats keep the connection alive; a silent link is detected by
//! the client (ping timeout) or by the server (no pong), and the client reconnects.

mod common;

use common::pair::Pair;
use common::with_snapshots;
use socketio_proto::client::io::{IoEvent as ClientEvent, ManagerConfig};
use socketio_proto::client::DisconnectReason;
use socketio_proto::ids::FixedRandom;
use socketio_proto::server::io::{IoConfig, IoEvent};
use socketio_proto::transport::Transport;
use std::time::Duration;

/// pingInterval 1000 ms, pingTimeout 500 ms; jitter r = 0.5 (first delay 1000 ms).
fn pair(transports: Vec<Transport>) -> (Pair, socketio_proto::client::SocketId) {
    let mut c = ManagerConfig::new("127.0.0.1", 3000);
    c.engine.transports = transports;
    let mut s = IoConfig::default();
    s.engine.ping_interval = Duration::from_millis(1000);
    s.engine.ping_timeout = Duration::from_millis(500);
    let mut p = Pair::new(c, s, Box::new(FixedRandom::new(vec![0.5])));
    let sock = p.client_do(|c, _| c.socket("/", None)).unwrap();
    p.client_do(|c, now| c.connect(now, sock)).unwrap();
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(sock));
    (p, sock)
}

#[test]
fn pings_keep_the_connection_alive() {
    let (mut p, s) = pair(vec![Transport::Polling, Transport::WebSocket]);
    p.advance(Duration::from_millis(3500));
    assert!(p.client.is_connected(s));
    let pings = p.trace.iter().filter(|l| l.ends_with("s→c w1 2")).count();
    let pongs = p.trace.iter().filter(|l| l.ends_with("c→s w1 3")).count();
    assert_eq!((pings, pongs), (3, 3));
    assert!(p
        .take_client_events()
        .iter()
        .all(|(_, e)| !matches!(e, ClientEvent::Disconnected { .. })));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn client_detects_ping_timeout() {
    let (mut p, s) = pair(vec![Transport::WebSocket]);
    p.take_client_events();
    p.note("server → client goes silent");
    p.link.blackhole_to_client = true;
    p.advance(Duration::from_millis(2000));
    let evs = p.take_client_events();
    let (t, first) = &evs[0];
    assert_eq!(
        *first,
        ClientEvent::Disconnected {
            socket: s,
            reason: DisconnectReason::PingTimeout
        }
    );
    // The last ping came with the open packet at 10 ms: dead after 10 + 1000 + 500.
    assert_eq!(t.as_millis(), 1510);
    p.note("link heals");
    p.link.blackhole_to_client = false;
    p.advance(Duration::from_millis(3000));
    assert!(p.client.is_connected(s));
    assert!(p
        .take_client_events()
        .iter()
        .any(|(_, e)| *e == ClientEvent::Reconnected { attempt: 1 }));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn server_detects_missing_pong() {
    let (mut p, s) = pair(vec![Transport::WebSocket]);
    p.take_client_events();
    p.take_server_events();
    p.note("client → server goes silent");
    p.link.blackhole_to_server = true;
    p.advance(Duration::from_millis(1500));
    let server: Vec<IoEvent> = p.take_server_events();
    assert!(matches!(
        server.as_slice(),
        [IoEvent::Disconnected { reason, .. }] if reason.as_str() == "ping timeout"
    ));
    // The server closed the WebSocket: the client sees the transport close.
    let evs = p.take_client_events();
    assert_eq!(
        evs[0].1,
        ClientEvent::Disconnected {
            socket: s,
            reason: DisconnectReason::TransportClose
        }
    );
    p.note("link heals");
    p.link.blackhole_to_server = false;
    p.advance(Duration::from_millis(3000));
    assert!(p.client.is_connected(s));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}
