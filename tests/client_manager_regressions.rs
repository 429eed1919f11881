//! Regressions found by the `client_manager` fuzz target, each driven through the public
//! `Manager` API and `driver::Core`. Every test ends with the leak check: after the
//! shutdown and the timers, no internal table holds anything.

use bytes::Bytes;
use socketio_proto::client::io::{IoEvent, Manager, ManagerConfig, OpenError};
use socketio_proto::client::{CloseReason, Input, RequestId, Transmit, Transport};
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::ids::FixedRandom;
use std::time::{Duration, Instant};

fn polling_manager() -> Manager {
    let mut c = ManagerConfig::new("localhost", 3000);
    c.engine.transports = vec![Transport::Polling];
    c.reconnection_delay = Duration::from_millis(100);
    c.reconnection_delay_max = Duration::from_millis(400);
    Manager::new(c, Box::new(FixedRandom::new(vec![0.0]))).unwrap()
}

/// Drains the outputs: (transmits, events, deadline).
fn drain(io: &mut Manager) -> (Vec<Transmit>, Vec<IoEvent>, Option<Instant>) {
    let (mut t, mut e) = (Vec::new(), Vec::new());
    loop {
        match io.poll_output() {
            Output::Transmit(x) => t.push(x),
            Output::Event(x) => e.push(x),
            Output::Timeout(d) => return (t, e, d),
        }
    }
}

/// The id of the one handshake request the manager asked for.
fn handshake_request(io: &mut Manager) -> RequestId {
    let (t, _, _) = drain(io);
    let ids: Vec<RequestId> = t
        .iter()
        .filter_map(|t| match t {
            Transmit::HttpRequest { request, .. } => Some(*request),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "one handshake GET");
    ids[0]
}

fn events(io: &mut Manager) -> Vec<IoEvent> {
    drain(io).1
}

fn respond(io: &mut Manager, now: Instant, request: RequestId, status: u16, body: Bytes) {
    io.handle_input(
        now,
        Input::HttpResponse {
            request,
            status,
            body,
        },
    )
    .unwrap();
}

/// The teardown: shutdown, run every timer, nothing left in any table.
fn assert_no_leaks(io: &mut Manager, mut now: Instant) {
    io.shutdown(now);
    for _ in 0..100 {
        let (_, _, deadline) = drain(io);
        let Some(at) = deadline else { break };
        now = now.max(at);
        io.handle_input(now, Input::Timeout).unwrap();
    }
    assert_eq!(drain(io).2, None, "no timer after the shutdown");
    assert_eq!(io.leaks(), Vec::new(), "leaked table entries");
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
    respond(&mut io, t0, req, 400, Bytes::new());
    assert_eq!(
        events(&mut io),
        vec![IoEvent::OpenError {
            error: OpenError::Engine(CloseReason::TransportError)
        }]
    );
    assert!(
        io.is_reconnecting(),
        "the first failure schedules attempt 1"
    );

    io.close(t0);
    assert!(!io.is_reconnecting());
    assert_eq!(drain(&mut io).2, None);

    io.open(t0);
    let req = handshake_request(&mut io);
    respond(&mut io, t0, req, 400, Bytes::new());
    let (_, evs, deadline) = drain(&mut io);
    assert!(matches!(evs.as_slice(), [IoEvent::OpenError { .. }]));
    assert!(
        io.is_reconnecting(),
        "a failed open after close() reconnects again"
    );
    // The delay starts from the base again: attempt 1 at 100 ms (no jitter drawn up).
    let at = deadline.expect("reconnection timer");
    assert!(at <= t0 + Duration::from_millis(100), "{:?}", at - t0);
    io.handle_input(at, Input::Timeout).unwrap();
    assert_eq!(
        events(&mut io),
        vec![IoEvent::ReconnectAttempt { attempt: 1 }]
    );
    assert_no_leaks(&mut io, at);
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
    respond(&mut io, t0, req, 200, Bytes::from(body));
    let evs = events(&mut io);
    assert_eq!(evs.len(), 3, "{evs:?}");
    assert_eq!(evs[0], IoEvent::Opened);
    assert_eq!(
        evs[1],
        IoEvent::Connected {
            socket: main,
            sid: "a".into()
        }
    );
    let IoEvent::Event { event, ack, .. } = &evs[2] else {
        panic!("{evs:?}");
    };
    assert_eq!(event, "ev");
    assert_eq!(ack.as_ref().map(|a| a.id()), Some(3));
    assert_no_leaks(&mut io, t0);
}

/// What a socket buffered offline, and the acks it waits for, are released by the
/// shutdown (the acks end with `AckCancelled`); `max_pending_acks` refuses.
#[test]
fn shutdown_releases_offline_buffers_and_acks() {
    let t0 = Instant::now();
    let mut c = ManagerConfig::new("localhost", 3000);
    c.max_pending_acks = 1;
    let mut io = Manager::new(c, Box::new(FixedRandom::new(vec![0.0]))).unwrap();
    let main = io.socket("/", None).unwrap();
    io.connect(t0, main).unwrap();
    io.emit(main, "a", &(1,)).unwrap();
    let id = io.emit_with_ack(t0, main, "q", &(), None).unwrap();
    assert_eq!(
        io.emit_with_ack(t0, main, "q", &(), None),
        Err(socketio_proto::error::EmitError::TooManyPendingAcks { limit: 1 })
    );
    assert_eq!((io.buffered(main), io.pending_acks(main)), (2, 1));
    drain(&mut io);
    io.shutdown(t0);
    assert_eq!(
        events(&mut io),
        vec![IoEvent::AckCancelled { socket: main, id }]
    );
    assert_no_leaks(&mut io, t0);
}
