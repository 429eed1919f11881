//! Interop: the official npm `socket.io-client` 4.8 against the Socket.IO mode of every
//! server example (`SERVERS`: tokio, blocking, smol, async-std; the tests are
//! `<server>::<scenario>`), over polling only, WebSocket only, and polling with the
//! upgrade to WebSocket.
//!
//! The client script (`tests/interop/sio_client.js`) runs the same scenario each time:
//! auth, echo with binary (top level and nested), acks both ways (binary too), the
//! `/custom` namespace multiplexed on the same connection, an unknown namespace
//! (`connect_error` "Invalid namespace"), a server-side disconnect
//! (`io server disconnect`) that leaves the connection up, a broadcast to a room among
//! five clients, and a namespace-wide broadcast. It prints what it saw as one JSON line
//! and this file asserts on it.
//!
//! `tests/interop/sio_raw.js` uses the official `engine.io-client` to look at raw
//! Socket.IO packets: the CONNECT reply precedes what the connect handler emits, the
//! CONNECT_ERROR of an unknown namespace, and `--connect-timeout` closing a session
//! that never sends CONNECT.
//!
//! `tests/interop/sio_watch.js` stays connected while the server gets SIGTERM: the
//! client must see a clean `transport close` and the server must exit 0.
//!
//! The same scripts also run against `tests/interop/sio_server.js` (the application
//! written on the official Node `socket.io` server) as a control: the expectations
//! here are the official server's behaviour.
//!
//! Built only with `--features interop`. Needs `cargo build --examples` and the npm
//! packages (`bash .ci/test` does both and turns the feature on).

mod common;

use common::process::{
    interop_dir, require_npm_package, run_node, server_matrix, spawn_example, spawn_server, Server,
    FAST_PING_ARGS,
};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(40);

/// Arguments for both servers (ours and the official reference).
fn server_args() -> Vec<&'static str> {
    let mut args = FAST_PING_ARGS.to_vec();
    args.extend(["--connect-timeout", "600"]);
    args
}

fn start_example(name: &str) -> Server {
    require_npm_package("socket.io-client");
    require_npm_package("engine.io-client");
    spawn_example(name, &server_args())
}

fn start_reference() -> Server {
    require_npm_package("socket.io");
    require_npm_package("socket.io-client");
    require_npm_package("engine.io-client");
    let script = interop_dir().join("sio_server.js");
    let script = script.to_string_lossy().into_owned();
    let mut args = vec![script.as_str()];
    args.extend(server_args());
    spawn_server(Path::new("node"), &args, Duration::from_secs(10))
}

fn bin(hex: &str) -> Value {
    json!({ "$bin": hex })
}

/// Runs the client script in `mode` against `server` and asserts on everything it saw.
fn run_and_check(server: &Server, mode: &str) {
    let out = run_node("sio_client.js", &[&server.url(), mode], SCRIPT_TIMEOUT);
    let report = || format!("{}\n{}", out.report(), server.process.output_report());
    assert!(out.status.success(), "client script failed\n{}", report());
    let r = out.json();
    assert_eq!(r["ok"], json!(true), "{}", report());
    let field = |k: &str| r.get(k).cloned().unwrap_or(Value::Null);

    // Transport.
    match mode {
        "polling" => {
            assert_eq!(field("initial_transport"), json!("polling"));
            assert_eq!(field("transport"), json!("polling"));
            assert_eq!(field("upgraded"), json!(false));
        }
        "websocket" => {
            assert_eq!(field("initial_transport"), json!("websocket"));
            assert_eq!(field("transport"), json!("websocket"));
        }
        "upgrade" => {
            assert_eq!(field("initial_transport"), json!("polling"));
            assert_eq!(field("upgraded"), json!(true), "the upgrade must happen");
            assert_eq!(field("transport"), json!("websocket"));
        }
        other => panic!("unknown mode {other}"),
    }

    // Connect with auth; the socket id is not the Engine.IO sid.
    assert_eq!(field("root_connected"), json!(true));
    assert_eq!(field("root_auth"), json!([{ "token": "abc", "n": 1 }]));
    assert_eq!(field("socket_id_differs_from_engine_id"), json!(true));
    assert_eq!(
        field("no_auth"),
        json!([{}]),
        "no auth payload means `{{}}`"
    );

    // Echo, binary exact, nested too.
    let sent = json!([
        "hello",
        42,
        { "a": bin("010203"), "nested": { "b": [bin("00ff"), "x"] } },
        bin("deadbeef"),
        null,
        true,
        "ünïcode ✓"
    ]);
    assert_eq!(field("message_sent"), sent);
    assert_eq!(
        field("message_back"),
        sent,
        "message-back must repeat every argument"
    );

    // Acks client -> server (binary ack and plain ack).
    assert_eq!(
        field("ack_reply"),
        json!(["x", bin("090807"), { "k": bin("62696e") }])
    );
    assert_eq!(
        field("ack_reply_plain"),
        json!([1, "two", { "three": [3] }])
    );

    // Acks server -> client: the question carried our binary, the reply came back.
    assert_eq!(
        field("question"),
        json!([bin("0102"), "q", { "deep": bin("03") }])
    );
    assert_eq!(
        field("got_ack"),
        json!(["got", bin("0102"), "q", { "deep": bin("03") }, bin("0707")])
    );

    // /custom on the same Engine.IO connection.
    assert_eq!(field("custom_auth"), json!([{ "ns": "custom" }]));
    assert_eq!(field("custom_shares_engine"), json!(true));
    assert_eq!(
        field("custom_message_back"),
        json!(["in custom", bin("0402")])
    );

    // Unknown namespace, then the root socket still works.
    assert_eq!(field("unknown_namespace_error"), json!("Invalid namespace"));
    assert_eq!(field("root_alive_after_unknown"), json!("after /nope"));

    // Server-side disconnect of /custom only.
    assert_eq!(
        field("custom_disconnect_reason"),
        json!("io server disconnect")
    );
    assert_eq!(
        field("root_alive_after_disconnect"),
        json!("after disconnect-me")
    );
    assert_eq!(field("root_connected_after_disconnect"), json!(true));

    // Rooms: exactly the two members of room-a got the message, once each.
    assert_eq!(
        field("join_acks"),
        json!([["room-a"], ["room-a"], ["room-b"]])
    );
    let msg = json!(["room-a", { "hi": bin("aa") }]);
    assert_eq!(
        field("room_messages"),
        json!({ "a": [msg.clone()], "b": [msg], "c": [], "root": [], "plain": [] })
    );

    // Namespace broadcast: every connected root socket once.
    assert_eq!(field("broadcast_args"), json!(["all", bin("01")]));
    assert_eq!(
        field("broadcast_counts"),
        json!({ "root": 1, "plain": 1, "a": 1, "b": 1, "c": 1 })
    );
}

/// Asserts `packet` is a CONNECT reply `0[nsp,]{"sid":"<20 chars>"}`.
fn assert_connect_reply(packet: &Value, prefix: &str) {
    let p = packet.as_str().unwrap_or_default();
    let sid = p
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix("{\"sid\":\""))
        .and_then(|r| r.strip_suffix("\"}"))
        .unwrap_or_else(|| panic!("not a CONNECT reply with prefix {prefix:?}: {p:?}"));
    assert_eq!(sid.len(), 20, "sid {sid:?}");
    assert!(sid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
}

/// Raw packets over engine.io-client: the CONNECT reply precedes what the connect
/// handler emits; `/custom` without auth gets `{}`; `/nope` gets CONNECT_ERROR.
fn check_raw_order(server: &Server, transport: &str) {
    let out = run_node(
        "sio_raw.js",
        &[&server.url(), "order", transport],
        SCRIPT_TIMEOUT,
    );
    let report = || format!("{}\n{}", out.report(), server.process.output_report());
    assert!(out.status.success(), "raw script failed\n{}", report());
    let r = out.json();
    let packets = r["packets"].as_array().cloned().unwrap_or_default();
    assert_eq!(packets.len(), 5, "{}", report());
    assert_connect_reply(&packets[0], "0");
    assert_eq!(packets[1], json!(r#"2["auth",{"token":"raw"}]"#));
    assert_connect_reply(&packets[2], "0/custom,");
    assert_eq!(packets[3], json!(r#"2/custom,["auth",{}]"#));
    assert_eq!(
        packets[4],
        json!(r#"4/nope,{"message":"Invalid namespace"}"#)
    );
}

/// A session that never sends CONNECT is closed after `--connect-timeout` (600 ms).
fn check_connect_timeout(server: &Server, transport: &str) {
    let out = run_node(
        "sio_raw.js",
        &[&server.url(), "connect-timeout", transport],
        SCRIPT_TIMEOUT,
    );
    let report = || format!("{}\n{}", out.report(), server.process.output_report());
    assert!(out.status.success(), "raw script failed\n{}", report());
    let r = out.json();
    assert_eq!(r["closed"], json!(true), "{}", report());
    assert_eq!(r["packets"], json!([]), "{}", report());
    let after = r["after_ms"].as_u64().unwrap_or(0);
    assert!(
        (500..=2500).contains(&after),
        "closed after {after} ms, expected about 600\n{}",
        report()
    );
}

fn raw_packet_order_and_connect_timeout(example: &'static str) {
    let server = start_example(example);
    for transport in ["polling", "websocket"] {
        check_raw_order(&server, transport);
        check_connect_timeout(&server, transport);
    }
}

#[test]
fn reference_node_server_raw_packets_and_connect_timeout() {
    let server = start_reference();
    for transport in ["polling", "websocket"] {
        check_raw_order(&server, transport);
        check_connect_timeout(&server, transport);
    }
}

fn socketio_client_polling_only(example: &'static str) {
    let server = start_example(example);
    run_and_check(&server, "polling");
}

fn socketio_client_websocket_only(example: &'static str) {
    let server = start_example(example);
    run_and_check(&server, "websocket");
}

fn socketio_client_polling_then_upgrade(example: &'static str) {
    let server = start_example(example);
    run_and_check(&server, "upgrade");
}

/// Control: the same expectations hold for the official Node server.
#[test]
fn reference_node_server_meets_the_same_expectations() {
    let server = start_reference();
    for mode in ["polling", "websocket", "upgrade"] {
        run_and_check(&server, mode);
    }
}

/// Kills (and reaps) a child on drop.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SIGTERM with a socket.io-client connected: the client sees `transport close` (a
/// clean close, not an error) and the server exits 0.
fn check_clean_shutdown(example: &str, transport: &str) {
    let mut server = start_example(example);
    let mut child = Command::new("node")
        .arg("sio_watch.js")
        .arg(server.url())
        .arg(transport)
        .current_dir(interop_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start node");
    let stdout = child.stdout.take().expect("piped stdout");
    let watcher = Kill(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(10));
    assert_eq!(
        first.as_deref().ok(),
        Some("connected"),
        "{}",
        server.process.output_report()
    );
    // Over polling the client re-issues its GET right after the CONNECT reply; give it
    // time to arrive so that the shutdown's close packet has a held GET to ride on
    // (without one, a real server that exits leaves the client a refused request, a
    // `transport error`, exactly as the official server does).
    std::thread::sleep(Duration::from_millis(500));
    let status = server
        .process
        .terminate(Duration::from_secs(5))
        .expect("server did not exit within 5 s of SIGTERM");
    assert!(status.success(), "server exit status {status:?}");
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("no line from the watcher after the shutdown");
    let v: Value = serde_json::from_str(&line).expect("JSON line");
    assert_eq!(v, json!({ "reason": "transport close" }));
    drop(watcher);
}

fn sigterm_closes_clients_cleanly_websocket(example: &'static str) {
    check_clean_shutdown(example, "websocket");
}

fn sigterm_closes_clients_cleanly_polling(example: &'static str) {
    check_clean_shutdown(example, "polling");
}

server_matrix!(
    raw_packet_order_and_connect_timeout,
    socketio_client_polling_only,
    socketio_client_websocket_only,
    socketio_client_polling_then_upgrade,
    sigterm_closes_clients_cleanly_websocket,
    sigterm_closes_clients_cleanly_polling,
);
