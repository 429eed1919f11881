//! Pair scenarios: malformed server data, handshakes that never complete, stale
//! transport reports, manual close during back-off, and a lossy link.

mod common;

use bytes::Bytes;
use common::pair::Pair;
use common::with_snapshots;
use socketio_proto::client::io::{IoEvent as ClientEvent, Manager, ManagerConfig, OpenError};
use socketio_proto::client::DisconnectReason;
use socketio_proto::client::{Input as ClientInput, Transmit as ClientTransmit};
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::{FixedRandom, SeededRandom};
use socketio_proto::server::io::IoConfig;
use socketio_proto::transport::{ConnId, RequestId, Transport};
use std::time::{Duration, Instant};

fn connected(transports: Vec<Transport>) -> (Pair, socketio_proto::client::SocketId) {
    let mut p = Pair::with_transports(transports);
    let s = p.connect_main();
    (p, s)
}

#[test]
fn malformed_packet_is_a_parse_error_then_reconnect() {
    let (mut p, s) = connected(vec![Transport::WebSocket]);
    // A Socket.IO EVENT whose payload is not an array.
    assert!(p.inject_to_client(WsMessage::Text("42{\"not\":\"an array\"}".into())));
    p.advance(Duration::from_millis(10));
    p.assert_disconnected_then_closed(
        s,
        DisconnectReason::ParseError,
        DisconnectReason::ParseError,
    );
    p.advance(Duration::from_secs(3));
    assert!(p.client.is_connected(s));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn stray_binary_attachment_is_a_parse_error() {
    let (mut p, s) = connected(vec![Transport::WebSocket]);
    assert!(p.inject_to_client(WsMessage::Binary(Bytes::from_static(&[1, 2]))));
    p.advance(Duration::from_millis(10));
    assert!(p.take_client_events().iter().any(|(_, e)| *e
        == ClientEvent::Disconnected {
            socket: s,
            reason: DisconnectReason::ParseError
        }));
}

#[test]
fn handshake_that_never_completes_times_out() {
    let mut c = ManagerConfig::new("127.0.0.1", 3000);
    c.engine.transports = vec![Transport::WebSocket];
    c.timeout = Some(Duration::from_secs(2));
    let mut p = Pair::new(
        c,
        IoConfig::default(),
        Box::new(FixedRandom::new(vec![0.5])),
    );
    p.link.blackhole_to_client = true;
    let s = p.client_do(|c, _| c.socket("/", None)).unwrap();
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    p.advance(Duration::from_millis(2500));
    let evs = p.take_client_events();
    assert_eq!(
        evs[0],
        (
            Duration::from_secs(2),
            ClientEvent::OpenError {
                error: OpenError::Timeout
            }
        )
    );
    p.link.blackhole_to_client = false;
    p.advance(Duration::from_secs(2));
    assert!(p.client.is_connected(s));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

/// Drains a manager's outputs: (transmits, events, deadline).
fn outputs(m: &mut Manager) -> (Vec<ClientTransmit>, Vec<ClientEvent>, Option<Instant>) {
    let (mut ts, mut es) = (Vec::new(), Vec::new());
    loop {
        match m.poll_output() {
            Output::Transmit(t) => ts.push(t),
            Output::Event(e) => es.push(e),
            Output::Timeout(d) => return (ts, es, d),
        }
    }
}

/// The first HTTP request among `ts`.
fn first_request(ts: &[ClientTransmit]) -> RequestId {
    ts.iter()
        .find_map(|t| match t {
            ClientTransmit::HttpRequest { request, .. } => Some(*request),
            _ => None,
        })
        .expect("an HTTP request")
}

#[test]
fn stale_transport_reports_are_ignored() {
    let t0 = Instant::now();
    let mut c = ManagerConfig::new("127.0.0.1", 3000);
    c.engine.transports = vec![Transport::Polling];
    let mut m = Manager::new(c, Box::new(FixedRandom::new(vec![0.5]))).unwrap();
    let s = m.socket("/", None).unwrap();
    m.connect(t0, s).unwrap();
    let (ts, _, _) = outputs(&mut m);
    let first = first_request(&ts);
    m.handle_input(t0, ClientInput::HttpFailed { request: first })
        .unwrap();
    let (_, evs, deadline) = outputs(&mut m);
    assert_eq!(
        evs,
        vec![ClientEvent::OpenError {
            error: OpenError::Engine(socketio_proto::transport::CloseReason::TransportError)
        }]
    );
    let at = deadline.unwrap();
    assert_eq!(at - t0, Duration::from_millis(1250));
    m.handle_input(at, ClientInput::Timeout).unwrap();
    let (ts, evs, _) = outputs(&mut m);
    assert_eq!(evs, vec![ClientEvent::ReconnectAttempt { attempt: 1 }]);
    let second = first_request(&ts);
    assert_ne!(first, second, "ids are never reused across connections");
    // A late answer to the first connection's request changes nothing.
    m.handle_input(
        at,
        ClientInput::HttpResponse {
            request: first,
            status: 200,
            body: Bytes::from_static(
                b"0{\"sid\":\"x\",\"upgrades\":[],\"pingInterval\":1,\"pingTimeout\":1}",
            ),
        },
    )
    .unwrap();
    m.handle_input(
        at,
        ClientInput::WsMessage {
            conn: ConnId::new(first.as_u64()),
            msg: WsMessage::Text("4x".into()),
        },
    )
    .unwrap();
    assert!(!m.is_open());
    let (ts, evs, _) = outputs(&mut m);
    assert_eq!(evs, vec![]);
    assert_eq!(ts, vec![]);
    // Time going backwards is tolerated.
    m.handle_input(t0, ClientInput::Timeout).unwrap();
    let (ts, _, _) = outputs(&mut m);
    assert_eq!(ts, vec![]);
    m.shutdown(at);
    let _ = outputs(&mut m);
    assert_eq!(m.leaks(), vec![], "leaked table entries");
}

#[test]
fn manual_close_during_backoff_stops_reconnecting() {
    let (mut p, s) = connected(vec![Transport::WebSocket]);
    p.restart_server();
    p.advance(Duration::from_millis(50));
    assert!(p.client.is_reconnecting());
    p.client_do(|c, now| c.close(now));
    assert!(!p.client.is_reconnecting());
    p.advance(Duration::from_secs(30));
    assert!(!p.client.is_connected(s));
    assert!(p
        .take_client_events()
        .iter()
        .all(|(_, e)| !matches!(e, ClientEvent::ReconnectAttempt { .. })));
    // connect() starts over.
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(s));
}

#[test]
fn lossy_link_soak() {
    let mut closes = 0;
    let mut events = 0;
    for seed in 1..=5u64 {
        for transports in [
            vec![Transport::Polling, Transport::WebSocket],
            vec![Transport::WebSocket],
            vec![Transport::Polling],
        ] {
            let mut c = ManagerConfig::new("127.0.0.1", 3000);
            c.engine.transports = transports;
            c.engine.request_timeout = Some(Duration::from_secs(40));
            let mut p = Pair::new(c, IoConfig::default(), Box::new(SeededRandom::new(seed)));
            p.link.loss = 0.05;
            let s = p.client_do(|c, _| c.socket("/", None)).unwrap();
            p.client_do(|c, now| c.connect(now, s)).unwrap();
            for i in 0..200u32 {
                p.advance(Duration::from_millis(300));
                let _ = p.client_do(|c, _| c.emit(s, "tick", &(i,)));
                if let Some(srv) = p.accepted().last().copied() {
                    let _ = p.server_do(|io| io.emit(srv, "tock", &(i,)));
                }
            }
            p.link.loss = 0.0;
            p.advance(Duration::from_secs(30));
            assert!(p.client.is_connected(s), "seed {seed}: not reconnected");
            for (_, e) in p.take_client_events() {
                match e {
                    ClientEvent::Event { args, .. } => {
                        args.deserialize::<(u32,)>().unwrap();
                        events += 1;
                    }
                    ClientEvent::Closed { .. } => closes += 1,
                    _ => {}
                }
            }
        }
    }
    // The loss really broke connections, and traffic still flowed.
    eprintln!("soak: {closes} closes, {events} events");
    assert!(closes >= 10, "{closes} closes");
    assert!(events >= 500, "{events} events");
}
