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
