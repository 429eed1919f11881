//! Socket.IO server: disconnects from either side, connection loss reasons, shutdown,
//! and invalid packets (parse errors).
mod common;
mod server_io_support;

use server_io_support::Harness;
use socketio_proto::error::{EmitError, SocketError};
use socketio_proto::server::io::{DisconnectReason, IoEvent, SocketId};
use socketio_proto::server::Transmit;

fn disconnected(evs: &[IoEvent]) -> Vec<(SocketId, &'static str)> {
    evs.iter()
        .filter_map(|e| match e {
            IoEvent::Disconnected { socket, reason } => Some((*socket, reason.as_str())),
            _ => None,
        })
        .collect()
}

#[test]
fn client_namespace_disconnect_keeps_the_session() {
    let mut h = Harness::new();
    h.io.register_namespace("/admin").unwrap();
    let (conn, main) = h.connect_ws("/");
    let evs = h.ws_text(conn, "40/admin,");
    let admin = h.accept(evs.into_iter().next().unwrap());
    let evs = h.ws_text(conn, "41/admin,");
    assert_eq!(
        disconnected(&evs),
        vec![(admin, "client namespace disconnect")]
    );
    assert_eq!(h.io.socket_sid(admin), None);
    assert_eq!(h.io.emit(admin, "x", &()), Err(EmitError::UnknownSocket));
    // The session and the main namespace live on; pings continue.
    h.advance(25_000);
    h.ws_text(conn, "3");
    h.advance(25_000);
    h.ws_text(conn, "3");
    assert_eq!(h.io.engine().session_count(), 1);
    h.io.emit(main, "still", &("here",)).unwrap();
    h.app("emit still");
    assert_eq!(h.ws_texts(conn).last().unwrap(), r#"42["still","here"]"#);
    // Reconnecting the namespace on the same session works.
    let evs = h.ws_text(conn, "40/admin,");
    h.accept(evs.into_iter().next().unwrap());
    // Leaving the last namespace does not close the session either.
    let evs = h.ws_text(conn, "41");
    assert_eq!(
        disconnected(&evs),
        vec![(main, "client namespace disconnect")]
    );
    assert_eq!(h.io.engine().session_count(), 1);
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn server_disconnect_and_close() {
    let mut h = Harness::new();
    h.io.register_namespace("/admin").unwrap();
    let (conn, main) = h.connect_ws("/");
    let evs = h.ws_text(conn, "40/admin,");
    let admin = h.accept(evs.into_iter().next().unwrap());
    h.io.join(admin, "ops").unwrap();
    h.io.disconnect(admin).unwrap();
    let evs = h.app("disconnect admin socket");
    assert_eq!(
        disconnected(&evs),
        vec![(admin, "server namespace disconnect")]
    );
    assert_eq!(h.ws_texts(conn).last().unwrap(), "41/admin,");
    assert_eq!(h.io.room_len("/admin", "ops"), 0);
    assert_eq!(h.io.disconnect(admin), Err(SocketError::UnknownSocket));
    assert_eq!(h.io.engine().session_count(), 1);
    // Close the whole connection: DISCONNECT for each namespace, then the transport.
    let session = h.io.socket_session(main).unwrap();
    h.io.close_session(h.now, session).unwrap();
    let evs = h.app("close_session");
    assert_eq!(
        disconnected(&evs),
        vec![(main, "server namespace disconnect")]
    );
    assert_eq!(h.io.engine().session_count(), 0);
    assert!(matches!(h.transmits.last(), Some(Transmit::WsClose { .. })));
    assert_eq!(
        h.io.close_session(h.now, session),
        Err(SocketError::UnknownSession)
    );
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn connection_loss_reasons() {
    let mut h = Harness::new();
    h.io.register_namespace("/admin").unwrap();
    // transport close: the WebSocket goes away.
    let (conn, a) = h.connect_ws("/");
    let evs = h.ws_text(conn, "40/admin,");
    let b = h.accept(evs.into_iter().next().unwrap());
    let evs = h.ws_closed(conn);
    assert_eq!(
        disconnected(&evs),
        vec![(a, "transport close"), (b, "transport close")]
    );
    // transport close: the client's close packet.
    let (conn, a) = h.connect_ws("/");
    let evs = h.ws_text(conn, "1");
    assert_eq!(disconnected(&evs), vec![(a, "transport close")]);
    // ping timeout.
    let (_conn, a) = h.connect_ws("/");
    let evs = h.advance(45_000);
    assert_eq!(disconnected(&evs), vec![(a, "ping timeout")]);
    // server shutting down.
    let (_c1, a) = h.connect_ws("/");
    let (_c2, b) = h.connect_ws("/");
    socketio_proto::driver::Core::shutdown(&mut h.io, h.now);
    let evs = h.app("shutdown");
    assert_eq!(
        disconnected(&evs),
        vec![(a, "server shutting down"), (b, "server shutting down")]
    );
    assert_eq!(h.io.socket_count(), 0);
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

/// Each invalid input closes the connection with `parse error`.
#[test]
fn invalid_packets_are_parse_errors() {
    let cases: &[(&str, &[&[u8]])] = &[
        ("unknown packet type", &[b"T7"]),
        ("event payload not an array", &[b"T2{\"a\":1}"]),
        ("reserved event name", &[b"T2[\"disconnect\"]"]),
        ("bad ack id", &[b"T299999999999999999999999[\"x\"]"]),
        ("invalid JSON", &[b"T2[\"x\""]),
        ("CONNECT_ERROR from the client", &[b"T4{\"message\":\"x\"}"]),
        ("event for a namespace not joined", &[b"T2/admin,[\"x\"]"]),
        ("disconnect for a namespace not joined", &[b"T1/admin,"]),
        ("unexpected attachment", &[b"B\x01\x02"]),
        (
            "text while waiting for an attachment",
            &[
                b"T51-[\"x\",{\"_placeholder\":true,\"num\":0}]",
                b"T2[\"y\"]",
            ],
        ),
        (
            "placeholder out of range",
            &[b"T51-[\"x\",{\"_placeholder\":true,\"num\":5}]", b"B\x00"],
        ),
        ("too many attachments", &[b"T511-[\"x\"]"]),
    ];
    let mut h = Harness::new();
    h.io.register_namespace("/admin").unwrap();
    for (what, frames) in cases {
        h.app(&format!("--- {what}"));
        let (conn, socket) = h.connect_ws("/");
        let mut evs = Vec::new();
        for f in *frames {
            let (kind, data) = f.split_at(1);
            evs.extend(if kind == b"T" {
                // An Engine.IO message packet carrying the Socket.IO packet.
                h.ws_text(conn, &format!("4{}", std::str::from_utf8(data).unwrap()))
            } else {
                h.ws_binary(conn, data)
            });
        }
        assert_eq!(
            evs,
            vec![IoEvent::Disconnected {
                socket,
                reason: DisconnectReason::ParseError
            }],
            "{what}"
        );
        assert_eq!(h.io.engine().session_count(), 0, "{what}");
        assert!(
            matches!(h.transmits.last(), Some(Transmit::WsClose { conn: c }) if *c == conn),
            "{what}"
        );
    }
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn an_ack_for_an_unknown_id_is_ignored() {
    let mut h = Harness::new();
    let (conn, _) = h.connect_ws("/");
    assert!(h.ws_text(conn, "3999[]").is_empty());
    assert_eq!(h.io.engine().session_count(), 1);
}

/// `WsClosed` disconnects with `transport close`, `WsFailed` with `transport error`.
#[test]
fn ws_closed_and_ws_failed_reasons() {
    let mut h = Harness::new();
    let (conn, a) = h.connect_ws("/");
    let evs = h.ws_closed(conn);
    assert_eq!(disconnected(&evs), vec![(a, "transport close")]);
    let (conn, b) = h.connect_ws("/");
    let evs = h.ws_failed(conn);
    assert_eq!(disconnected(&evs), vec![(b, "transport error")]);
    assert_eq!(h.io.socket_count(), 0);
    h.assert_no_leaks();
}
