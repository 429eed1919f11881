//! Engine.IO interop: every server example (`SERVERS`: tokio, blocking, smol, async-std;
//! the tests are `<server>::<scenario>`) in `--engineio` echo mode against the official
//! `engine.io-client` (npm) and raw clients written in node.
//!
//! Built only with `--features interop`. Needs `cargo build --examples` and
//! `cd tests/interop && npm ci` (or `bash .ci/test`, which does both and turns the
//! feature on). Missing pieces fail the tests with a message; they never skip.

mod common;

use common::process::{require_npm_package, run_node, server_matrix, spawn_example, Server};
use serde_json::Value;
use std::time::Duration;

/// Bound on each node script.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(20);

/// The echo server with short heartbeats (interval 300 ms, timeout 200 ms).
fn echo_server(name: &str) -> Server {
    echo_server_with(name, &["--ping-interval", "300", "--ping-timeout", "200"])
}

/// The echo server on a free port with extra flags.
fn echo_server_with(name: &str, extra: &[&str]) -> Server {
    require_npm_package("engine.io-client");
    require_npm_package("ws");
    let mut args = vec!["--engineio", "--port", "0"];
    args.extend_from_slice(extra);
    spawn_example(name, &args)
}

/// Runs `engineio_client.js` against `server` and returns its JSON result, asserting the
/// script itself succeeded.
fn client(server: &Server, args: &[&str]) -> Value {
    let url = server.url();
    let mut all = vec![url.as_str()];
    all.extend_from_slice(args);
    let out = run_node("engineio_client.js", &all, SCRIPT_TIMEOUT);
    let json = out.json();
    assert!(
        out.status.success() && json["ok"] == true,
        "client failed: {json}\n{}\n{}",
        out.report(),
        server.process.output_report()
    );
    json
}

/// Every message the client sent came back, byte for byte, in order; and the batch
/// covers text (ASCII, multi-byte UTF-8, a large one) and binary (all 256 byte values).
fn assert_echoed(json: &Value, expected_count: usize) {
    let sent = json["sent"].as_array().expect("sent list");
    let received = json["received"].as_array().expect("received list");
    assert_eq!(sent.len(), expected_count, "sent: {sent:?}");
    assert_eq!(sent, received, "echoes differ from what was sent");
    assert!(sent.iter().any(|m| m["t"] == "text"
        && m["v"]
            .as_str()
            .is_some_and(|v| v.contains("héllo wörld ✓ 🚀"))));
    assert!(sent
        .iter()
        .any(|m| m["t"] == "text" && m["v"].as_str().is_some_and(|v| v.len() > 20_000)));
    let all_bytes: String = (0u8..=255).map(|b| format!("{b:02x}")).collect();
    assert!(sent
        .iter()
        .any(|m| m["t"] == "binary" && m["hex"].as_str() == Some(all_bytes.as_str())));
    assert!(sent
        .iter()
        .any(|m| m["t"] == "binary" && m["hex"] == "000102ff1e"));
}

fn polling_only_echoes_text_and_binary(example: &'static str) {
    let server = echo_server(example);
    let json = client(&server, &["--transports", "polling", "--no-upgrade"]);
    assert_eq!(json["transport_at_open"], "polling");
    assert_eq!(json["transport_final"], "polling");
    assert_eq!(json["upgraded"], false);
    assert_eq!(json["sid"].as_str().map(str::len), Some(20), "{json}");
    assert_echoed(&json, 6);
}

fn websocket_only_echoes_text_and_binary(example: &'static str) {
    let server = echo_server(example);
    let json = client(&server, &["--transports", "websocket"]);
    assert_eq!(json["transport_at_open"], "websocket");
    assert_eq!(json["transport_final"], "websocket");
    assert_eq!(json["upgraded"], false);
    assert_echoed(&json, 6);
}

fn polling_upgrades_to_websocket_and_keeps_echoing(example: &'static str) {
    let server = echo_server(example);
    // First batch right after open (over polling, possibly racing the upgrade), the
    // second after the upgrade completed (over WebSocket).
    let json = client(
        &server,
        &["--transports", "polling,websocket", "--wait-upgrade"],
    );
    assert_eq!(json["transport_at_open"], "polling");
    assert_eq!(json["upgraded"], true, "{json}");
    assert_eq!(json["upgraded_to"], "websocket");
    assert_eq!(json["transport_final"], "websocket");
    assert_echoed(&json, 12);
}

/// Stays connected ~1.2 s = 4 ping intervals: the client answers every ping and the
/// server must not close.
fn survives_heartbeats(example: &str, transports: &str) {
    let server = echo_server(example);
    let json = client(
        &server,
        &[
            "--transports",
            transports,
            "--no-upgrade",
            "--no-echo",
            "--stay",
            "1200",
        ],
    );
    assert_eq!(json["closed"], false, "{json}");
    let pings = json["pings"].as_u64().unwrap_or(0);
    assert!(
        pings >= 3,
        "expected >= 3 pings in 1.2 s, got {pings}: {json}"
    );
    let elapsed = json["elapsed_ms"].as_u64().unwrap_or(0);
    assert!(elapsed >= 1200, "{json}");
}

fn websocket_client_survives_several_ping_intervals(example: &'static str) {
    survives_heartbeats(example, "websocket");
}

fn polling_client_survives_several_ping_intervals(example: &'static str) {
    survives_heartbeats(example, "polling");
}

/// A raw client that never answers pings is dropped after interval + timeout.
fn unresponsive_client_is_dropped(example: &str, transport: &str) -> Value {
    let server = echo_server(example);
    let url = server.url();
    let out = run_node(
        "engineio_nopong.js",
        &[&url, "--transport", transport, "--timeout", "5000"],
        SCRIPT_TIMEOUT,
    );
    let json = out.json();
    assert!(
        out.status.success() && json["ok"] == true,
        "no-pong client failed: {json}\n{}\n{}",
        out.report(),
        server.process.output_report()
    );
    assert_eq!(json["handshake"]["pingInterval"], 300);
    assert_eq!(json["handshake"]["pingTimeout"], 200);
    assert_eq!(json["closed"], true, "{json}");
    assert_eq!(json["pings"], 1, "exactly one unanswered ping: {json}");
    let first_ping = json["ping_times_ms"][0].as_u64().expect("ping time");
    assert!(
        (250..=800).contains(&first_ping),
        "first ping after ~300 ms, got {first_ping}: {json}"
    );
    let closed = json["closed_after_ms"].as_u64().expect("close time");
    // interval + timeout = 500 ms; allow scheduling slack both ways.
    assert!(
        (450..=1500).contains(&closed),
        "closed after {closed} ms, expected ~500 ms: {json}"
    );
    assert!(
        wait_for_log(&server, "closed: ping timeout"),
        "server log:\n{}",
        server.process.output_report()
    );
    json
}

/// Waits up to 2 s for the server's stderr to contain `needle`.
fn wait_for_log(server: &Server, needle: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while std::time::Instant::now() < deadline {
        if server.process.stderr().iter().any(|l| l.contains(needle)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// One raw HTTP/1.1 exchange over a fresh connection (`Connection: close` is added),
/// read to the end: (status, head, body).
fn raw_http(port: u16, head: &str, body: &[u8]) -> std::io::Result<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{head}\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Ok((status, head.to_owned(), body.to_owned()))
}

/// A GET of `path`: (status, body).
fn raw_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    raw_http(port, &format!("GET {path} HTTP/1.1"), b"").map(|(s, _, b)| (s, b))
}

/// A polling handshake; returns the sid and the open packet's JSON.
fn handshake(port: u16) -> (String, Value) {
    let (status, body) = raw_get(port, "/engine.io/?EIO=4&transport=polling").expect("handshake");
    assert_eq!(status, 200, "{body}");
    let open: Value = serde_json::from_str(body.trim_start_matches('0')).expect("open packet");
    let sid = open["sid"].as_str().expect("sid").to_owned();
    (sid, open)
}

fn websocket_client_that_ignores_pings_is_dropped_on_time(example: &'static str) {
    let json = unresponsive_client_is_dropped(example, "websocket");
    assert_eq!(json["closed_by"], "websocket close");
    assert_eq!(json["handshake"]["upgrades"], serde_json::json!([]));
}

fn polling_client_that_ignores_pings_is_dropped_on_time(example: &'static str) {
    let json = unresponsive_client_is_dropped(example, "polling");
    // The held GET is released with a close packet.
    assert_eq!(json["closed_by"], "close packet");
    assert_eq!(
        json["handshake"]["upgrades"],
        serde_json::json!(["websocket"])
    );
}

fn sigterm_releases_held_poll_with_close_packet(example: &'static str) {
    let mut server = echo_server(example);
    let port = server.port;
    let (sid, _) = handshake(port);
    // Hold a long-poll open, then stop the server while it waits.
    let held = std::thread::spawn(move || {
        raw_get(
            port,
            &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"),
        )
    });
    std::thread::sleep(Duration::from_millis(100));
    let exit = server
        .process
        .terminate(Duration::from_secs(5))
        .expect("server did not exit within 5 s of SIGTERM");
    assert!(exit.success(), "exit status {exit:?}");
    let (status, body) = held.join().expect("poll thread").expect("held poll");
    assert_eq!(status, 200);
    assert_eq!(body, "1", "held GET released with a close packet");
    assert!(
        wait_for_log(&server, "closed: server shutdown"),
        "{}",
        server.process.output_report()
    );
}

fn sigterm_shuts_down_cleanly(example: &'static str) {
    let mut server = echo_server(example);
    let status = server
        .process
        .terminate(Duration::from_secs(5))
        .expect("server did not exit within 5 s of SIGTERM");
    assert!(status.success(), "exit status {status:?}");
}

/// A WebSocket upgrade request for `query`, as raw headers.
fn ws_upgrade_head(query: &str) -> String {
    format!(
        "GET /engine.io/?{query} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
    )
}

fn bad_websocket_upgrades_are_refused_with_json_errors(example: &'static str) {
    let server = echo_server(example);
    let cases = [
        (
            "EIO=4&transport=websocket&sid=unknownsid",
            r#"{"code":1,"message":"Session ID unknown"}"#,
        ),
        (
            "EIO=3&transport=websocket",
            r#"{"code":5,"message":"Unsupported protocol version"}"#,
        ),
        (
            "EIO=4&transport=carrier-pigeon",
            r#"{"code":0,"message":"Transport unknown"}"#,
        ),
    ];
    for (query, expected) in cases {
        let (status, head, body) = raw_http(server.port, &ws_upgrade_head(query), b"").unwrap();
        assert_eq!(status, 400, "{query}: {head}\n{body}");
        assert_eq!(body, expected, "{query}");
        assert!(
            !head.to_ascii_lowercase().contains("sec-websocket-accept"),
            "{head}"
        );
    }
    // A good one is upgraded: 101 with the accept key of RFC 6455's example.
    let (status, head, _) = raw_http(
        server.port,
        &ws_upgrade_head("EIO=4&transport=websocket"),
        b"",
    )
    .unwrap();
    assert_eq!(status, 101, "{head}");
    assert!(
        head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "accept key missing: {head}"
    );
}

fn aborted_long_poll_closes_the_session(example: &'static str) {
    // Long heartbeats, so only the abort can close the session.
    let server = echo_server_with(
        example,
        &["--ping-interval", "20000", "--ping-timeout", "20000"],
    );
    let (sid, _) = handshake(server.port);
    {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        write!(
            stream,
            "GET /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        // Dropping the stream aborts the held GET.
    }
    assert!(
        wait_for_log(&server, "closed: transport error"),
        "{}",
        server.process.output_report()
    );
    let (status, body) = raw_get(
        server.port,
        &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"),
    )
    .unwrap();
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"code":1,"message":"Session ID unknown"}"#);
}

fn max_payload_flag_is_announced_and_enforced(example: &'static str) {
    let server = echo_server_with(example, &["--max-payload", "1000"]);
    let (sid, open) = handshake(server.port);
    assert_eq!(open["maxPayload"], 1000);
    let post = format!("POST /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1");
    let big = format!("4{}", "x".repeat(2000));
    let (status, _, body) = raw_http(server.port, &post, big.as_bytes()).unwrap();
    assert_eq!(status, 413, "{body}");
    // Within the limit it is echoed.
    let (sid, _) = handshake(server.port);
    let post = format!("POST /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1");
    let small = format!("4{}", "y".repeat(900));
    let (status, _, body) = raw_http(server.port, &post, small.as_bytes()).unwrap();
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, body) = raw_get(
        server.port,
        &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"),
    )
    .unwrap();
    assert_eq!((status, body), (200, small));
}

fn path_flag_moves_the_endpoint(example: &'static str) {
    let server = echo_server_with(example, &["--path", "/custom/"]);
    let (status, body) = raw_get(server.port, "/custom/?EIO=4&transport=polling").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("0{\"sid\":"), "{body}");
    let (status, _) = raw_get(server.port, "/engine.io/?EIO=4&transport=polling").unwrap();
    assert_ne!(status, 200);
    let json = client(
        &server,
        &["--path", "/custom/", "--transports", "websocket"],
    );
    assert_echoed(&json, 6);
}

fn oversized_websocket_message_ends_the_session(example: &'static str) {
    let server = echo_server_with(example, &["--max-payload", "1000"]);
    let url = server.url();
    // The batch holds a 20 000 character message: over the limit.
    let out = run_node(
        "engineio_client.js",
        &[&url, "--transports", "websocket"],
        SCRIPT_TIMEOUT,
    );
    let json = out.json();
    assert_eq!(json["ok"], false, "{json}");
    assert_eq!(json["closed"], true, "{json}");
    assert_eq!(json["close_reason"], "transport close", "{json}");
    // Messages sent before the big one were echoed; nothing after it.
    let received = json["received"].as_array().expect("received").len();
    assert!(received < 6, "{json}");
    assert!(
        wait_for_log(&server, "closed:"),
        "{}",
        server.process.output_report()
    );
}

server_matrix!(
    polling_only_echoes_text_and_binary,
    websocket_only_echoes_text_and_binary,
    polling_upgrades_to_websocket_and_keeps_echoing,
    websocket_client_survives_several_ping_intervals,
    polling_client_survives_several_ping_intervals,
    websocket_client_that_ignores_pings_is_dropped_on_time,
    polling_client_that_ignores_pings_is_dropped_on_time,
    sigterm_releases_held_poll_with_close_packet,
    sigterm_shuts_down_cleanly,
    bad_websocket_upgrades_are_refused_with_json_errors,
    aborted_long_poll_closes_the_session,
    max_payload_flag_is_announced_and_enforced,
    path_flag_moves_the_endpoint,
    oversized_websocket_message_ends_the_session,
);
