//! Regressions found by the `client_manager` fuzz target, each driven through the public
//! `Manager` API.

use bytes::Bytes;
use socketio_proto::client::engine::{ClientTransmit, RequestId, Transport};
use socketio_proto::client::{ClientEvent, Manager, ManagerConfig, OpenError};
use socketio_proto::ids::FixedRandom;
use std::time::{Duration, Instant};

fn polling_manager() -> Manager {
    let mut c = ManagerConfig::new("localhost", 3000);
    c.engine.transports = vec![Transport::Polling];
    c.reconnection_delay = Duration::from_millis(100);
    c.reconnection_delay_max = Duration::from_millis(400);
    Manager::new(c, Box::new(FixedRandom::new(vec![0.0]))).unwrap()
}

/// The id of the one handshake request the manager asked for.
fn handshake_request(io: &mut Manager) -> RequestId {
    let mut ids = Vec::new();
    while let Some(t) = io.poll_transmit() {
        if let ClientTransmit::HttpRequest(r) = t {
            ids.push(r.id);
        }
    }
    assert_eq!(ids.len(), 1, "one handshake GET");
    ids[0]
}

fn events(io: &mut Manager) -> Vec<ClientEvent> {
    std::iter::from_fn(|| io.poll_event()).collect()
}

/// `close()` while a reconnection was scheduled left the back-off counter at 1, so the
/// next failed `open()` did not schedule any reconnection (the JS manager's `_close`
/// resets the back-off).
#[test]
fn close_resets_the_backoff_so_a_later_failed_open_reconnects() {
    let t0 = Instant::now();
    let mut io = polling_manager();

    io.open(t0);
    let req = handshake_request(&mut io);
    io.handle_http_response(t0, req, 400, Bytes::new());
    assert_eq!(
        events(&mut io),
        vec![ClientEvent::OpenError {
            error: OpenError::Engine(socketio_proto::client::engine::CloseReason::TransportError)
        }]
    );
    assert!(
        io.is_reconnecting(),
        "the first failure schedules attempt 1"
    );

    io.close(t0);
    assert!(!io.is_reconnecting());
    assert_eq!(io.poll_timeout(), None);

    io.open(t0);
    let req = handshake_request(&mut io);
    io.handle_http_response(t0, req, 400, Bytes::new());
    assert!(matches!(
        events(&mut io).as_slice(),
        [ClientEvent::OpenError { .. }]
    ));
    assert!(
        io.is_reconnecting(),
        "a failed open after close() reconnects again"
    );
    // The delay starts from the base again: attempt 1 at 100 ms (no jitter drawn up).
    let at = io.poll_timeout().expect("reconnection timer");
    assert!(at <= t0 + Duration::from_millis(100), "{:?}", at - t0);
    io.handle_timeout(at);
    assert_eq!(
        events(&mut io),
        vec![ClientEvent::ReconnectAttempt { attempt: 1 }]
    );
}

/// One polling payload with the handshake, the CONNECT reply and an event: the manager
/// opens, connects the socket, and hands the event over with its ack token.
#[test]
fn handshake_connect_and_event_in_one_payload() {
    let t0 = Instant::now();
    let mut io = polling_manager();
    let main = io.socket("/", None).unwrap();
    io.connect(t0, main).unwrap();
    let req = handshake_request(&mut io);
    let body = "0{\"sid\":\"e\",\"upgrades\":[],\"pingInterval\":1000,\"pingTimeout\":1000,\"maxPayload\":1000}\x1e40{\"sid\":\"a\"}\x1e423[\"ev\",1,{\"a\":[]}]";
    io.handle_http_response(t0, req, 200, Bytes::from(body));
    let evs = events(&mut io);
    assert_eq!(evs.len(), 3, "{evs:?}");
    assert_eq!(evs[0], ClientEvent::Open);
    assert_eq!(
        evs[1],
        ClientEvent::Connected {
            socket: main,
            sid: "a".into()
        }
    );
    let ClientEvent::Event { event, ack, .. } = &evs[2] else {
        panic!("{evs:?}");
    };
    assert_eq!(event, "ev");
    assert_eq!(ack.as_ref().map(|a| a.id()), Some(3));
}
