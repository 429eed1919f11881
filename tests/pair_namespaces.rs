//! Pair scenarios: several namespaces multiplexed on one connection; refused and
//! unknown namespaces; server disconnects, which are never followed by a reconnection.

mod common;

use common::pair::Pair;
use common::with_snapshots;
use socketio_proto::client::io::IoEvent as ClientEvent;
use socketio_proto::client::DisconnectReason;
use socketio_proto::server::io::IoEvent;
use socketio_proto::transport::Transport;
use std::time::Duration;

#[test]
fn two_namespaces_share_one_connection() {
    let mut p = Pair::with_transports(vec![Transport::Polling, Transport::WebSocket]);
    p.register_namespace("/chat");
    let main = p.client_do(|c, _| c.socket("/", None)).unwrap();
    let chat = p
        .client_do(|c, _| c.socket("/chat", Some(serde_json::json!({"room": "r1"}))))
        .unwrap();
    assert_ne!(main, chat);
    assert_eq!(p.client_do(|c, _| c.socket("/chat", None)).unwrap(), chat);
    p.client_do(|c, now| c.connect(now, main)).unwrap();
    p.client_do(|c, now| c.connect(now, chat)).unwrap();
    p.advance(Duration::from_millis(100));
    assert!(p.client.is_connected(main) && p.client.is_connected(chat));
    assert!(p
        .trace
        .iter()
        .any(|l| l.ends_with(r#"40/chat,{"room":"r1"}"#)));
    // One Engine.IO session carries both sockets.
    assert_eq!(p.server.engine().session_count(), 1);
    assert_eq!(p.server.socket_count(), 2);
    assert_eq!(
        p.trace
            .iter()
            .filter(|l| l.contains("OPEN /socket.io"))
            .count(),
        1
    );

    p.client_do(|c, _| c.emit(chat, "say", &("hi",))).unwrap();
    p.client_do(|c, _| c.emit(main, "say", &("root",))).unwrap();
    let (s_main, s_chat) = {
        let a = p.accepted();
        (a[0], a[1])
    };
    p.server_do(|io| {
        io.emit(s_chat, "msg", &("to chat",)).unwrap();
        io.emit(s_main, "msg", &("to main",)).unwrap();
    });
    p.advance(Duration::from_millis(50));
    let server: Vec<(String, String)> = p
        .take_server_events()
        .into_iter()
        .filter_map(|e| match e {
            IoEvent::Event { socket, args, .. } => Some((
                p.server.socket_namespace(socket).unwrap().to_owned(),
                args.deserialize::<(String,)>().unwrap().0,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        server,
        vec![("/chat".into(), "hi".into()), ("/".into(), "root".into())]
    );
    let client: Vec<(u64, String)> = p
        .take_client_events()
        .into_iter()
        .filter_map(|(_, e)| match e {
            ClientEvent::Event { socket, args, .. } => {
                Some((socket.as_u64(), args.deserialize::<(String,)>().unwrap().0))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        client,
        vec![
            (chat.as_u64(), "to chat".into()),
            (main.as_u64(), "to main".into())
        ]
    );

    // Leaving /chat keeps / and the connection.
    p.client_do(|c, now| c.disconnect(now, chat)).unwrap();
    p.advance(Duration::from_millis(50));
    assert!(p.client.is_connected(main));
    assert!(p.client.is_open());
    assert_eq!(p.server.socket_count(), 1);
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn refused_and_unknown_namespaces() {
    let mut p = Pair::with_transports(vec![Transport::WebSocket]);
    p.register_namespace("/admin");
    p.auto_accept = false;
    let main = p.client_do(|c, _| c.socket("/", None)).unwrap();
    let admin = p
        .client_do(|c, _| c.socket("/admin", Some(serde_json::json!({"token": "bad"}))))
        .unwrap();
    let nowhere = p.client_do(|c, _| c.socket("/nowhere", None)).unwrap();
    for s in [main, admin, nowhere] {
        p.client_do(|c, now| c.connect(now, s)).unwrap();
    }
    p.advance(Duration::from_millis(20));
    // The application accepts / and refuses /admin with data.
    for e in p.take_server_events() {
        if let IoEvent::ConnectRequest { request, nsp, .. } = e {
            p.server_do(|io| {
                if nsp == "/" {
                    io.accept(request).map(|_| ())
                } else {
                    io.reject(
                        request,
                        "not authorized",
                        Some(serde_json::json!({"code": 403})),
                    )
                }
            })
            .unwrap();
        }
    }
    p.advance(Duration::from_millis(50));
    let evs: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    assert!(evs.contains(&ClientEvent::ConnectError {
        socket: nowhere,
        message: "Invalid namespace".into(),
        data: None
    }));
    assert!(evs.contains(&ClientEvent::ConnectError {
        socket: admin,
        message: "not authorized".into(),
        data: Some(serde_json::json!({"code": 403}))
    }));
    assert!(p.client.is_connected(main));
    assert!(!p.client.is_active(admin) && !p.client.is_active(nowhere));
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}

#[test]
fn server_disconnect_means_no_reconnection() {
    let mut p = Pair::with_transports(vec![Transport::WebSocket]);
    p.register_namespace("/chat");
    let main = p.client_do(|c, _| c.socket("/", None)).unwrap();
    let chat = p.client_do(|c, _| c.socket("/chat", None)).unwrap();
    p.client_do(|c, now| c.connect(now, main)).unwrap();
    p.client_do(|c, now| c.connect(now, chat)).unwrap();
    p.advance(Duration::from_millis(100));
    p.take_client_events();
    let (s_main, s_chat) = {
        let a = p.accepted();
        (a[0], a[1])
    };

    // The server kicks /chat: the other namespace and the connection stay.
    p.server_do(|io| io.disconnect(s_chat)).unwrap();
    p.advance(Duration::from_millis(50));
    let evs: Vec<ClientEvent> = p.take_client_events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        evs,
        vec![ClientEvent::Disconnected {
            socket: chat,
            reason: DisconnectReason::IoServerDisconnect
        }]
    );
    assert!(p.client.is_connected(main) && p.client.is_open());

    // Then the last one: the client closes the connection and never comes back.
    p.server_do(|io| io.disconnect(s_main)).unwrap();
    p.advance(Duration::from_secs(60));
    p.assert_disconnected_then_closed(
        main,
        DisconnectReason::IoServerDisconnect,
        DisconnectReason::ForcedClose,
    );
    assert!(!p.client.is_open() && !p.client.is_reconnecting());
    assert!(
        !p.trace.iter().any(|l| l.contains("w2")),
        "no new connection"
    );
    with_snapshots(|| insta::assert_snapshot!(p.trace_text()));
}
