//! Interop: python-socketio's client (PyPI, pinned in tests/interop/requirements.txt)
//! against the Socket.IO mode of every server example (`SERVERS`: tokio, blocking, smol,
//! async-std; the tests are `<server>::<scenario>`), over polling and over WebSocket: connect with auth to `/` and `/custom`, echo, binary (top level and
//! nested), acks both ways.
//!
//! The script (`tests/interop/sio_client.py`) prints what it saw as one JSON line and
//! this file asserts on it. It also runs against `tests/interop/sio_server.js` (the
//! official Node server) as a control.
//!
//! Built only with `--features interop`. Needs `cargo build --examples`, the venv
//! `tests/interop/.venv` with python-socketio and the npm packages (`bash .ci/test` sets
//! up all three and turns the feature on).

mod common;

use common::process::{
    interop_dir, require_npm_package, run_script, server_matrix, spawn_example, spawn_server,
    Server, FAST_PING_ARGS,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(40);

/// The venv's python; panics (never skips) when the venv is missing.
fn python() -> PathBuf {
    let python = interop_dir().join(".venv").join("bin").join("python");
    assert!(
        python.is_file(),
        "{} is missing: {}",
        python.display(),
        common::process::VENV_HINT
    );
    python
}

fn bin(hex: &str) -> Value {
    json!({ "$bin": hex })
}

fn run_and_check(server: &Server, transport: &str) {
    let python = python();
    let python = python.to_string_lossy().into_owned();
    let out = run_script(
        &python,
        &["sio_client.py", &server.url(), transport],
        &interop_dir(),
        SCRIPT_TIMEOUT,
    );
    let report = || format!("{}\n{}", out.report(), server.process.output_report());
    assert!(out.status.success(), "python client failed\n{}", report());
    let r = out.json();
    assert_eq!(r["ok"], json!(true), "{}", report());
    let field = |k: &str| r.get(k).cloned().unwrap_or(Value::Null);

    assert_eq!(field("connected"), json!(true));
    assert_eq!(field("engine_transport"), json!(transport));
    let auth = json!([{ "token": "py", "list": [1, 2] }]);
    assert_eq!(field("root_auth"), auth);
    assert_eq!(field("custom_auth"), auth);

    let sent = json!([
        "hello",
        7,
        { "bin": bin("010203"), "list": [bin("00ff"), "x"] },
        bin("dead")
    ]);
    assert_eq!(field("message_sent"), sent);
    assert_eq!(field("message_back"), sent);
    assert_eq!(field("echo_back"), json!(["plain text"]));

    assert_eq!(
        field("ack_reply"),
        json!(["x", bin("0908"), { "k": bin("62696e") }])
    );
    assert_eq!(field("ack_reply_single"), json!("only"));

    assert_eq!(field("question"), json!([bin("0102"), "q"]));
    assert_eq!(
        field("got_ack"),
        json!(["got", bin("0102"), "q", bin("0707")])
    );

    assert_eq!(
        field("custom_message_back"),
        json!(["in custom", bin("0402")])
    );
}

fn start_example(name: &str) -> Server {
    spawn_example(name, &FAST_PING_ARGS)
}

fn python_client_polling(example: &'static str) {
    let _ = python();
    let server = start_example(example);
    run_and_check(&server, "polling");
}

fn python_client_websocket(example: &'static str) {
    let _ = python();
    let server = start_example(example);
    run_and_check(&server, "websocket");
}

server_matrix!(python_client_polling, python_client_websocket);

/// Control: the same expectations hold for the official Node server.
#[test]
fn reference_node_server_meets_the_same_expectations() {
    let _ = python();
    require_npm_package("socket.io");
    let script = interop_dir().join("sio_server.js");
    let script = script.to_string_lossy().into_owned();
    let server = spawn_server(
        Path::new("node"),
        &[&script, "--port", "0"],
        Duration::from_secs(10),
    );
    for transport in ["polling", "websocket"] {
        run_and_check(&server, transport);
    }
}
