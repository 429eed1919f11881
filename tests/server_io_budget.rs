//! Socket.IO server: the byte budgets (issue 10). A broadcast skips a recipient over
//! its outgoing budget and reports it, an emit to it is refused with a typed error, and
//! the session is closed (`slow consumer`) once the grace period has passed; attachments
//! being reassembled are bounded in bytes. Every scenario ends with the leak check.
mod common;
mod server_io_support;

use common::with_snapshots;
use server_io_support::{connect_request, Harness, POLL_URI};
use socketio_proto::driver::Tables;
use socketio_proto::error::EmitError;
use socketio_proto::server::io::{IoConfig, IoEvent, Target};
use socketio_proto::server::{DisconnectReason, EngineConfig};
use std::time::Duration;

/// A budget of 100 bytes per session, 5 s of grace.
fn config() -> IoConfig {
    IoConfig {
        engine: EngineConfig {
            path: "/socket.io/".into(),
            max_payload: 100,
            max_queued_bytes: 100,
            over_budget_grace: Duration::from_secs(5),
            ..EngineConfig::default()
        },
        ..IoConfig::default()
    }
}

const SLOW: &str = "/socket.io/?EIO=4&transport=polling&sid=E0000000000000000001";

#[test]
fn broadcast_skips_a_recipient_over_budget_and_the_session_is_closed_after_the_grace() {
    let mut h = Harness::with_config(config());
    // A polling client that connects to `/` and then never polls again.
    let (_, _) = h.get(POLL_URI);
    let (_, evs) = h.post(SLOW, "40");
    let slow = h.accept(connect_request(evs));
    // A WebSocket client that reads everything.
    let (fast_conn, fast) = h.connect_ws("/");
    let all = Target::namespace("/");
    let news = "n".repeat(50); // a frame of 63 bytes: 42["news","nn…"]
    assert_eq!(h.io.broadcast(&all, "news", &(&news,)).unwrap(), 2);
    assert!(h.app("broadcast news").is_empty());
    let held =
        h.io.engine()
            .queued_bytes(h.io.socket_session(slow).unwrap());
    assert_eq!(held, Some(32 + 63), "the CONNECT reply and the first news");

    assert_eq!(h.io.broadcast(&all, "news", &(&news,)).unwrap(), 1);
    assert_eq!(
        h.app("broadcast news again"),
        vec![IoEvent::BroadcastSkipped {
            sockets: vec![slow]
        }]
    );
    assert_eq!(
        h.io.emit(slow, "direct", &("x",)),
        Err(EmitError::QueueBytesFull { limit: 100 })
    );
    assert_eq!(h.io.emit(fast, "direct", &("x",)), Ok(()));
    // A broadcast with ack does not wait for the recipient it skipped.
    let bid =
        h.io.broadcast_with_ack(h.now, &all, "vote", &(&news,), Some(Duration::from_secs(1)))
            .unwrap();
    let evs = h.app("broadcast vote with ack");
    assert_eq!(
        evs,
        vec![IoEvent::BroadcastSkipped {
            sockets: vec![slow]
        }]
    );
    let evs = h.ws_text(fast_conn, "430[\"yes\"]");
    assert!(
        evs.iter().any(|e| matches!(e,
            IoEvent::BroadcastAckComplete { broadcast, missing } if *broadcast == bid && missing.is_empty())),
        "{evs:?}"
    );
    // Open, CONNECT reply, news twice, direct, vote.
    assert_eq!(h.ws_texts(fast_conn).len(), 6);

    // Over budget since the second broadcast (at 0 ms): closed at 5 s.
    let evs = h.advance(4_980);
    assert!(
        !evs.iter()
            .any(|e| matches!(e, IoEvent::Disconnected { .. })),
        "{evs:?}"
    );
    let evs = h.advance(20);
    assert!(evs.contains(&IoEvent::Disconnected {
        socket: slow,
        reason: DisconnectReason::SlowConsumer
    }));
    assert_eq!(h.io.socket_count(), 1, "the WebSocket client stays");
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

/// The attachments of one binary packet may hold `max_attachment_bytes` together: the
/// attachment beyond it closes the connection (`parse error`), like too many
/// attachments; the partial packet is dropped.
#[test]
fn attachments_being_reassembled_are_bounded_in_bytes() {
    let mut h = Harness::with_config(IoConfig {
        max_attachment_bytes: 8,
        ..IoConfig::default()
    });
    let (conn, socket) = h.connect_ws("/");
    h.ws_text(conn, r#"451-["up",{"_placeholder":true,"num":0}]"#);
    let evs = h.ws_binary(conn, &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(
        matches!(evs.as_slice(), [IoEvent::Event { args, .. }] if args.attachments().len() == 1),
        "{evs:?}"
    );
    assert_eq!(h.io.attachment_bytes(), 0);
    h.ws_text(
        conn,
        r#"452-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    );
    assert!(h.ws_binary(conn, &[1, 2, 3, 4, 5]).is_empty());
    assert_eq!(h.io.attachment_bytes(), 5);
    let evs = h.ws_binary(conn, &[6, 7, 8, 9]);
    assert_eq!(
        evs,
        vec![IoEvent::Disconnected {
            socket,
            reason: DisconnectReason::ParseError
        }]
    );
    assert_eq!(h.io.attachment_bytes(), 0);
    assert_eq!(h.io.leaks(), vec![]);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}
