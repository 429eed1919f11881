//! Pair scenarios: the server restarts or the link is cut; the client reconnects after
//! back-off delays inside their jitter bounds, and sends CONNECT again.

mod common;

use common::pair::Pair;
use common::with_snapshots;
use socketio_proto::client::backoff::Backoff;
use socketio_proto::client::io::{IoEvent as ClientEvent, ManagerConfig, OpenError};
use socketio_proto::client::DisconnectReason;
use socketio_proto::ids::SeededRandom;
use socketio_proto::server::io::IoConfig;
use socketio_proto::transport::Transport;
use std::time::Duration;

fn pair(transports: Vec<Transport>, attempts: Option<u32>, seed: u64) -> Pair {
    let mut c = ManagerConfig::new("127.0.0.1", 3000);
    c.engine.transports = transports;
    c.reconnection_attempts = attempts;
    Pair::new(c, IoConfig::default(), Box::new(SeededRandom::new(seed)))
}

fn bounds(n: u32) -> (Duration, Duration) {
    Backoff::new(
        Duration::from_millis(1000),
        Duration::from_millis(5000),
        0.5,
    )
    .bounds(n)
}

#[test]
fn server_restart_then_reconnect() {
    let mut p = pair(vec![Transport::WebSocket], None, 11);
    let s = p.connect_main();
    assert_eq!(p.client.socket_sid(s), Some("e1sock00000000000001"));

    p.restart_server();
    p.advance(Duration::from_secs(3));
    let evs = p.take_client_events();
    let close_at = evs
        .iter()
        .find(|(_, e)| matches!(e, ClientEvent::Closed { .. }))
        .map(|(t, _)| *t)
        .unwrap();
    let kinds: Vec<&ClientEvent> = evs.iter().map(|(_, e)| e).collect();
    assert_eq!(
        kinds[..2],
        [
            &ClientEvent::Disconnected {
                socket: s,
                reason: DisconnectReason::TransportClose
            },
            &ClientEvent::Closed {
                reason: DisconnectReason::TransportClose
            },
        ]
    );
    let (attempt_at, _) = evs
        .iter()
        .find(|(_, e)| *e == ClientEvent::ReconnectAttempt { attempt: 1 })
        .unwrap();
    let (lo, hi) = bounds(1);
    let delay = *attempt_at - close_at;
    assert!(
        lo <= delay && delay <= hi,
        "{delay:?} not in {lo:?}..={hi:?}"
    );
    assert!(evs
        .iter()
        .any(|(_, e)| *e == ClientEvent::Reconnected { attempt: 1 }));
    // CONNECT was sent again: a new socket id from the new server.
    assert!(p.client.is_connected(s));
    assert_eq!(p.client.socket_sid(s), Some("e2sock00000000000001"));
    assert!(!p.client.is_reconnecting());

    // The back-off was reset: the next loss starts again at attempt 1.
    p.restart_server();
    p.advance(Duration::from_secs(3));
    let evs = p.take_client_events();
    assert!(evs
        .iter()
        .any(|(_, e)| *e == ClientEvent::Reconnected { attempt: 1 }));
    assert_eq!(p.client.socket_sid(s), Some("e3sock00000000000001"));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn link_cut_backs_off_exponentially_then_recovers() {
    let mut p = pair(vec![Transport::Polling, Transport::WebSocket], None, 3);
    let s = p.connect_main();
    p.cut();
    p.advance(Duration::from_secs(14));
    p.restore();
    p.advance(Duration::from_secs(6));
    assert!(p.client.is_connected(s));

    // Each delay runs from the moment the previous try ended (the close, or the failed
    // attempt) to the next attempt, and lies within the jitter bounds of its attempt.
    let evs = p.take_client_events();
    let mut last_end = None;
    let mut attempts = 0;
    for (t, e) in &evs {
        match e {
            ClientEvent::Closed { reason } => {
                assert_eq!(*reason, DisconnectReason::TransportError);
                last_end = Some(*t);
            }
            ClientEvent::ReconnectError { error } => {
                assert_eq!(
                    *error,
                    OpenError::Engine(socketio_proto::transport::CloseReason::TransportError)
                );
                last_end = Some(*t);
            }
            ClientEvent::ReconnectAttempt { attempt } => {
                attempts += 1;
                assert_eq!(*attempt, attempts);
                let (lo, hi) = bounds(*attempt);
                let delay = *t - last_end.unwrap();
                assert!(lo <= delay && delay <= hi, "attempt {attempt}: {delay:?}");
            }
            _ => {}
        }
    }
    assert!(attempts >= 4, "{attempts} attempts");
    assert!(evs
        .iter()
        .any(|(_, e)| *e == ClientEvent::Reconnected { attempt: attempts }));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn limited_attempts_give_up() {
    let mut p = pair(vec![Transport::WebSocket], Some(2), 5);
    let s = p.connect_main();
    p.cut();
    p.advance(Duration::from_secs(20));
    let evs: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    let attempts = evs
        .iter()
        .filter(|e| matches!(e, ClientEvent::ReconnectAttempt { .. }))
        .count();
    assert_eq!(attempts, 2);
    assert_eq!(
        evs.iter()
            .filter(|e| **e == ClientEvent::ReconnectFailed)
            .count(),
        1
    );
    assert!(!p.client.is_reconnecting());
    // Nothing more happens, even once the link is back.
    p.restore();
    p.advance(Duration::from_secs(30));
    assert!(p.take_client_events().is_empty());
    assert!(!p.client.is_connected(s));
    // A manual connect starts over.
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(s));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn initial_connection_refused_then_retried() {
    let mut p = pair(vec![Transport::Polling, Transport::WebSocket], None, 9);
    p.cut();
    let s = p.client_do(|c, _| c.socket("/", None)).unwrap();
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    p.advance(Duration::from_millis(1200));
    p.restore();
    p.advance(Duration::from_secs(5));
    assert!(p.client.is_connected(s));
    let evs: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        evs[0],
        ClientEvent::OpenError {
            error: OpenError::Engine(socketio_proto::transport::CloseReason::TransportError)
        }
    );
    assert!(evs.contains(&ClientEvent::ReconnectAttempt { attempt: 1 }));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn reconnection_disabled() {
    let mut c = ManagerConfig::new("127.0.0.1", 3000);
    c.engine.transports = vec![Transport::WebSocket];
    c.reconnection = false;
    let mut p = Pair::new(c, IoConfig::default(), Box::new(SeededRandom::new(1)));
    let s = p.connect_main();
    p.restart_server();
    p.advance(Duration::from_secs(60));
    p.assert_disconnected_then_closed(
        s,
        DisconnectReason::TransportClose,
        DisconnectReason::TransportClose,
    );
    assert!(!p.client.is_reconnecting());
    // The socket is still active: connect() reopens and rejoins.
    assert!(p.client.is_active(s));
    p.client_do(|c, now| c.connect(now, s)).unwrap();
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(s));
}
