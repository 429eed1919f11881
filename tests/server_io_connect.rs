//! Socket.IO server: namespace connection scenarios (accept, auth, reject, invalid and
//! dynamic namespaces, connect timeout, double connect).
mod common;
mod server_io_support;

use serde_json::json;
use server_io_support::{connect_request, Harness, POLL_URI};
use socketio_proto::server::io::AcceptError;
use socketio_proto::server::io::{DisconnectReason, IoConfig, IoEvent};

#[test]
fn connect_main_namespace_over_websocket() {
    let mut h = Harness::new();
    let conn = h.ws_open();
    let evs = h.ws_text(conn, "40");
    let req = connect_request(evs);
    let IoEvent::ConnectRequest { nsp, auth, .. } = &req else {
        unreachable!()
    };
    assert_eq!(nsp, "/");
    assert_eq!(auth, &None);
    let socket = h.accept(req);
    let sid = h.io.socket_sid(socket).unwrap().to_owned();
    assert_eq!(sid, "S0000000000000000001");
    // The reply carries the socket id, distinct from the Engine.IO sid.
    let texts = h.ws_texts(conn);
    assert!(texts[0].starts_with("0{\"sid\":\"E0000000000000000001\""));
    assert_eq!(texts[1], format!("40{{\"sid\":\"{sid}\"}}"));
    assert_eq!(h.io.rooms(socket).unwrap(), vec![sid.as_str()]);
    assert_eq!(h.io.namespace_len("/"), 1);
    // Emitted right after accept: the CONNECT reply goes first.
    h.io.emit(socket, "welcome", &("hi",)).unwrap();
    h.app("emit welcome");
    assert_eq!(h.ws_texts(conn)[2], r#"42["welcome","hi"]"#);
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn connect_custom_namespace_with_auth_over_polling() {
    let mut h = Harness::new();
    h.io.register_namespace("/admin").unwrap();
    let (_, _) = h.get(POLL_URI);
    let sid = "E0000000000000000001";
    let uri = format!("{POLL_URI}&sid={sid}");
    let (_, evs) = h.post(&uri, r#"40/admin,{"token":"abc"}"#);
    let req = connect_request(evs);
    let IoEvent::ConnectRequest { nsp, auth, .. } = &req else {
        unreachable!()
    };
    assert_eq!(nsp, "/admin");
    assert_eq!(auth, &Some(json!({"token": "abc"})));
    let socket = h.accept(req);
    h.io.emit(socket, "hello", &(1, "two")).unwrap();
    h.app("emit hello");
    let (_, _) = h.get(&uri);
    let body = h
        .transmits
        .iter()
        .rev()
        .find_map(|t| match t {
            socketio_proto::server::Transmit::HttpResponse { response: r, .. } => {
                Some(r.body.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        &body[..],
        b"40/admin,{\"sid\":\"S0000000000000000001\"}\x1e42/admin,[\"hello\",1,\"two\"]"
    );
    assert_eq!(h.io.socket_namespace(socket), Some("/admin"));
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn reject_sends_connect_error_and_keeps_session() {
    let mut h = Harness::new();
    let conn = h.ws_open();
    let evs = h.ws_text(conn, r#"40{"token":"bad"}"#);
    let IoEvent::ConnectRequest { request, .. } = connect_request(evs) else {
        unreachable!()
    };
    h.io.reject(request, "not authorized", Some(json!({"code": 401})))
        .unwrap();
    h.app("reject not authorized");
    assert_eq!(
        h.ws_texts(conn).last().unwrap(),
        r#"44{"message":"not authorized","data":{"code":401}}"#
    );
    // Answering the request again does not compile: `reject` consumed it.
    // The client may try again on the same session.
    let evs = h.ws_text(conn, r#"40{"token":"good"}"#);
    let req = connect_request(evs);
    h.accept(req);
    // Reject without data.
    let evs = h.ws_text(conn, "40/x,");
    assert!(evs.is_empty());
    h.io.register_namespace("/y").unwrap();
    let evs = h.ws_text(conn, "40/y,");
    let IoEvent::ConnectRequest { request, .. } = connect_request(evs) else {
        unreachable!()
    };
    h.io.reject(request, "nope", None).unwrap();
    h.app("reject nope");
    assert_eq!(
        h.ws_texts(conn).last().unwrap(),
        r#"44/y,{"message":"nope"}"#
    );
    assert_eq!(h.io.socket_count(), 1);
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn invalid_namespace_is_answered_automatically() {
    let mut h = Harness::new();
    let conn = h.ws_open();
    let evs = h.ws_text(conn, "40/nope,");
    assert!(evs.is_empty(), "no event for an unknown namespace: {evs:?}");
    assert_eq!(
        h.ws_texts(conn).last().unwrap(),
        r#"44/nope,{"message":"Invalid namespace"}"#
    );
    // The session is still usable.
    let evs = h.ws_text(conn, "40");
    h.accept(connect_request(evs));
    assert_eq!(h.io.socket_count(), 1);
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn dynamic_namespace_goes_to_the_application() {
    let config = IoConfig::default().dynamic_namespaces(|n| n.starts_with("/room-"));
    let mut h = Harness::with_config(config);
    let conn = h.ws_open();
    let evs = h.ws_text(conn, "40/room-42,");
    let req = connect_request(evs);
    assert!(matches!(&req, IoEvent::ConnectRequest { nsp, .. } if nsp == "/room-42"));
    assert_eq!(h.io.namespace_len("/room-42"), 0);
    let socket = h.accept(req);
    assert_eq!(h.io.namespace_len("/room-42"), 1);
    assert_eq!(h.io.socket_namespace(socket), Some("/room-42"));
    // Not approved by the filter.
    let evs = h.ws_text(conn, "40/other,");
    assert!(evs.is_empty());
    assert_eq!(
        h.ws_texts(conn).last().unwrap(),
        r#"44/other,{"message":"Invalid namespace"}"#
    );
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn connect_timeout_closes_the_session() {
    let mut h = Harness::new();
    let conn = h.ws_open();
    assert_eq!(h.io.engine().session_count(), 1);
    // The client answers the heartbeat, so only the connect timeout can end it.
    h.advance(25_000);
    h.ws_text(conn, "3");
    h.advance(19_999);
    assert_eq!(h.io.engine().session_count(), 1);
    h.advance(1);
    assert_eq!(h.io.engine().session_count(), 0);
    assert!(h
        .transmits
        .iter()
        .any(|t| matches!(t, socketio_proto::server::Transmit::WsClose { conn: c } if *c == conn)));
    // A pending (unanswered) request does not stop the timeout either.
    let conn2 = h.ws_open();
    let evs = h.ws_text(conn2, "40");
    let IoEvent::ConnectRequest { request, .. } = connect_request(evs) else {
        unreachable!()
    };
    h.advance(25_000);
    h.ws_text(conn2, "3");
    h.advance(20_000);
    assert_eq!(h.io.engine().session_count(), 0);
    assert_eq!(h.io.accept(request), Err(AcceptError::Stale));
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn connected_session_outlives_the_connect_timeout() {
    let mut h = Harness::new();
    let (conn, socket) = h.connect_ws("/");
    // Keep answering pings.
    for _ in 0..3 {
        h.advance(25_000);
        h.ws_text(conn, "3");
    }
    assert_eq!(h.io.engine().session_count(), 1);
    assert!(h.io.socket_sid(socket).is_some());
}

#[test]
fn double_connect_is_a_parse_error() {
    let mut h = Harness::new();
    let (conn, socket) = h.connect_ws("/");
    let evs = h.ws_text(conn, "40");
    assert_eq!(
        evs,
        vec![IoEvent::Disconnected {
            socket,
            reason: DisconnectReason::ParseError
        }]
    );
    assert_eq!(h.io.engine().session_count(), 0);
    // A second CONNECT while the first is still pending is one too.
    let conn = h.ws_open();
    let evs = h.ws_text(conn, "40/");
    assert_eq!(evs.len(), 1);
    let IoEvent::ConnectRequest { request, .. } = connect_request(evs) else {
        unreachable!()
    };
    let evs = h.ws_text(conn, "40");
    assert!(evs.is_empty());
    assert_eq!(h.io.engine().session_count(), 0);
    assert_eq!(h.io.accept(request), Err(AcceptError::Stale));
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn socket_survives_the_upgrade_to_websocket() {
    let mut h = Harness::new();
    let (_, _) = h.get(POLL_URI);
    let uri = format!("{POLL_URI}&sid=E0000000000000000001");
    let (_, evs) = h.post(&uri, "40");
    let socket = h.accept(connect_request(evs));
    let (_, _) = h.get(&uri);
    let ws = h.ws_open_uri("/socket.io/?EIO=4&transport=websocket&sid=E0000000000000000001");
    h.ws_text(ws, "2probe");
    h.ws_text(ws, "5");
    h.io.emit(socket, "after", &("upgrade",)).unwrap();
    h.app("emit after upgrade");
    assert_eq!(h.ws_texts(ws).last().unwrap(), r#"42["after","upgrade"]"#);
    let evs = h.ws_text(ws, r#"42["hi"]"#);
    assert!(matches!(&evs[0], IoEvent::Event { socket: s, .. } if *s == socket));
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}

#[test]
fn namespace_limits() {
    let config = IoConfig {
        max_namespaces: 3, // "/" and two dynamic namespaces
        max_namespaces_per_session: 2,
        ..IoConfig::default()
    }
    .allow_all_namespaces();
    let mut h = Harness::with_config(config);
    let conn = h.ws_open();
    let evs = h.ws_text(conn, "40");
    h.accept(connect_request(evs));
    let evs = h.ws_text(conn, "40/a,");
    h.accept(connect_request(evs));
    // Per session: a third namespace is refused.
    assert!(h.ws_text(conn, "40/b,").is_empty());
    assert_eq!(
        h.ws_texts(conn).last().unwrap(),
        r#"44/b,{"message":"Too many namespaces"}"#
    );
    // Server-wide: after "/c", no room for a fourth namespace.
    let conn2 = h.ws_open();
    let evs = h.ws_text(conn2, "40/c,");
    h.accept(connect_request(evs));
    assert!(h.ws_text(conn2, "40/d,").is_empty());
    assert_eq!(
        h.ws_texts(conn2).last().unwrap(),
        r#"44/d,{"message":"Invalid namespace"}"#
    );
    // Existing namespaces still work.
    let evs = h.ws_text(conn2, "40/a,");
    h.accept(connect_request(evs));
    assert_eq!(h.io.namespace_len("/a"), 2);
    common::with_snapshots(|| insta::assert_snapshot!(h.trace));
}
