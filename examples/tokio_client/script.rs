//! Scripted scenarios for the interop tests (`--script interop`, `--script reconnect`),
//! run against `tests/interop/node_server.js`. Each prints one JSON line per check with
//! what was observed (binary as `{"$bin": hex}`); `tests/interop_client_node.rs` holds
//! the assertions. A step that does not happen in time prints `{"error": …}` and the
//! process exits with status 1.

use super::args::Args as CliArgs;
use super::driver::Driver;
use super::sio::{new_driver, show_args, show_event};
use bytes::Bytes;
use serde_json::json;
use socketio_proto::client::engine::{EngineClientConfig, Transport};
use socketio_proto::client::{AckRequest, ClientEvent, Manager, SocketId};
use socketio_proto::socketio::{Args, Value};
use std::time::{Duration, Instant};

/// How long one step may take.
const STEP: Duration = Duration::from_secs(10);

/// What a matcher says about an event.
enum Check<T> {
    /// The awaited event.
    Done(T),
    /// Something else: keep waiting.
    Skip,
    /// A sign the step failed.
    Fail(String),
}

fn out(v: serde_json::Value) {
    println!("{v}");
}

/// Drives the manager until `f` accepts an event (other events go to stderr).
async fn wait<T>(
    d: &mut Driver<Manager>,
    what: &str,
    mut f: impl FnMut(ClientEvent) -> Check<T>,
) -> Result<T, String> {
    let deadline = Instant::now() + STEP;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(event) = d.next_event_within(left).await else {
            return Err(format!("timed out waiting for {what}"));
        };
        let shown = show_event(d.core(), &event);
        match f(event) {
            Check::Done(t) => return Ok(t),
            Check::Skip => eprintln!("({what}) other event: {shown}"),
            Check::Fail(e) => return Err(format!("waiting for {what}: {e} ({shown})")),
        }
    }
}

async fn wait_connected(d: &mut Driver<Manager>, socket: SocketId) -> Result<String, String> {
    wait(d, "connect", |e| match e {
        ClientEvent::Connected { socket: s, sid } if s == socket => Check::Done(sid),
        ClientEvent::ConnectError {
            socket: s, message, ..
        } if s == socket => Check::Fail(format!("connect_error {message}")),
        _ => Check::Skip,
    })
    .await
}

async fn wait_event(
    d: &mut Driver<Manager>,
    socket: SocketId,
    name: &str,
) -> Result<(Args, Option<AckRequest>), String> {
    wait(d, name, |e| match e {
        ClientEvent::Event {
            socket: s,
            event,
            args,
            ack,
        } if s == socket && event == name => Check::Done((args, ack)),
        ClientEvent::Disconnected { socket: s, reason } if s == socket => {
            Check::Fail(format!("disconnected: {reason:?}"))
        }
        _ => Check::Skip,
    })
    .await
}

async fn wait_ack(d: &mut Driver<Manager>, socket: SocketId, id: u64) -> Result<Args, String> {
    wait(d, "ack", |e| match e {
        ClientEvent::Ack {
            socket: s,
            id: i,
            args,
        } if s == socket && i == id => Check::Done(args),
        ClientEvent::AckTimeout { socket: s, id: i } if s == socket && i == id => {
            Check::Fail("ack timeout".into())
        }
        _ => Check::Skip,
    })
    .await
}

fn bin(b: &'static [u8]) -> Value {
    Value::Binary(Bytes::from_static(b))
}

fn open(
    d: &mut Driver<Manager>,
    nsp: &str,
    auth: Option<serde_json::Value>,
) -> Result<SocketId, String> {
    d.with(|m, now| {
        let s = m.socket(nsp, auth)?;
        m.connect(now, s).map(|()| s)
    })
    .map_err(|e| e.to_string())
}

fn emit(
    d: &mut Driver<Manager>,
    s: SocketId,
    event: &str,
    args: &impl serde::Serialize,
) -> Result<(), String> {
    d.with(|m, now| m.emit(now, s, event, args))
        .map_err(|e| e.to_string())
}

/// Runs `name` and reports a failure as an `{"error"}` line and exit status 1.
pub async fn run(name: &str, a: &CliArgs, engine: EngineClientConfig) -> Result<(), String> {
    let result = match name {
        "interop" => interop(a, engine).await,
        "reconnect" => reconnect(a, engine).await,
        "heartbeat" => heartbeat(a, engine).await,
        other => {
            return Err(format!(
                "unknown script {other:?} (interop, reconnect, heartbeat)"
            ))
        }
    };
    if let Err(e) = &result {
        out(json!({ "error": e }));
    }
    result
}

/// Auth, binary echo, acks both ways, a second namespace, an unknown namespace, the
/// transport in use.
async fn interop(a: &CliArgs, engine: EngineClientConfig) -> Result<(), String> {
    let polling_first = engine.transports.first() == Some(&Transport::Polling);
    let wants_ws = engine.transports.contains(&Transport::WebSocket);
    let mut d = new_driver(a, engine)?;

    let main = open(&mut d, "/", a.auth.clone())?;
    let sid = wait_connected(&mut d, main).await?;
    out(json!({"check": "connected", "nsp": "/", "sid": sid}));
    let (args, _) = wait_event(&mut d, main, "auth").await?;
    out(json!({"check": "auth", "args": show_args(&args)}));

    let mut nested = std::collections::BTreeMap::new();
    nested.insert("nested".to_string(), bin(&[4, 5]));
    nested.insert("n".to_string(), Value::Number(1.into()));
    let payload = (
        "hello",
        bin(&[0, 1, 2, 3, 255]),
        Value::Object(nested),
        Value::Array(vec![bin(&[]), Value::String("x".into())]),
    );
    emit(&mut d, main, "message", &payload)?;
    let (args, _) = wait_event(&mut d, main, "message-back").await?;
    out(json!({"check": "echo", "args": show_args(&args)}));

    let ack_args = (1, "two", bin(&[6]), Value::Null);
    let id = d
        .with(|m, now| m.emit_with_ack(now, main, "message-with-ack", &ack_args, Some(STEP / 2)))
        .map_err(|e| e.to_string())?;
    let args = wait_ack(&mut d, main, id).await?;
    out(json!({"check": "ack", "args": show_args(&args)}));

    emit(&mut d, main, "ask-me", &("q?",))?;
    let (question, request) = wait_event(&mut d, main, "question").await?;
    let request = request.ok_or("`question` came without an ack request")?;
    d.with(|m, now| m.ack(now, request, &("answer", bin(&[7, 8]))))
        .map_err(|e| e.to_string())?;
    let (got, _) = wait_event(&mut d, main, "got-ack").await?;
    out(json!({"check": "server-ack", "question": show_args(&question), "got": show_args(&got)}));

    let custom = open(&mut d, "/custom", Some(json!({"ns": "custom"})))?;
    let custom_sid = wait_connected(&mut d, custom).await?;
    let (auth, _) = wait_event(&mut d, custom, "auth").await?;
    emit(&mut d, custom, "message", &("in custom", bin(&[9])))?;
    let (echo, _) = wait_event(&mut d, custom, "message-back").await?;
    out(
        json!({"check": "custom", "sid": custom_sid, "auth": show_args(&auth), "echo": show_args(&echo)}),
    );

    let nope = open(&mut d, "/nope", None)?;
    let (message, data) = wait(&mut d, "connect_error", |e| match e {
        ClientEvent::ConnectError {
            socket,
            message,
            data,
        } if socket == nope => Check::Done((message, data)),
        ClientEvent::Connected { socket, .. } if socket == nope => {
            Check::Fail("unknown namespace accepted".into())
        }
        _ => Check::Skip,
    })
    .await?;
    out(json!({"check": "unknown-nsp", "message": message, "data": data}));

    // The server disconnects /custom: no reconnection for it, / stays connected.
    emit(&mut d, custom, "disconnect-me", &())?;
    let reason = wait(&mut d, "server disconnect", |e| match e {
        ClientEvent::Disconnected { socket, reason } if socket == custom => Check::Done(reason),
        _ => Check::Skip,
    })
    .await?;
    let mut custom_reconnected = false;
    let until = Instant::now() + Duration::from_millis(500);
    while let Some(e) = d
        .next_event_within(until.saturating_duration_since(Instant::now()))
        .await
    {
        custom_reconnected |=
            matches!(e, ClientEvent::Connected { socket, .. } if socket == custom);
    }
    out(json!({
        "check": "server-disconnect",
        "reason": reason.as_str(),
        "custom_reconnected": custom_reconnected,
        "custom_connected": d.core().is_connected(custom),
        "main_connected": d.core().is_connected(main),
    }));

    // The upgrade normally finished long ago; give it a moment if not.
    let until = Instant::now() + Duration::from_secs(5);
    let transport = loop {
        let t = d.core().engine().and_then(|e| e.transport());
        if !wants_ws || t == Some(Transport::WebSocket) || Instant::now() >= until {
            break t;
        }
        if let Some(e) = d.next_event_within(Duration::from_millis(50)).await {
            eprintln!("(transport) other event: {}", show_event(d.core(), &e));
        }
    };
    let transport = transport.map(Transport::as_str);
    out(json!({
        "check": "transport",
        "transport": transport,
        "upgraded": polling_first && transport == Some("websocket"),
    }));

    d.with(|m, now| m.close(now));
    d.settle(Duration::from_millis(200)).await;
    out(json!({"check": "done"}));
    Ok(())
}

/// Connect; when the server goes away, emit five messages while disconnected; wait
/// for the reconnection; ask the (new) server what it received.
async fn reconnect(a: &CliArgs, engine: EngineClientConfig) -> Result<(), String> {
    let mut d = new_driver(a, engine)?;
    let main = open(&mut d, "/", a.auth.clone())?;
    let sid = wait_connected(&mut d, main).await?;
    out(json!({"step": "connected", "sid": sid}));

    // The test kills the server now; this can take a while, so wait in a loop.
    let reason = loop {
        match wait(&mut d, "disconnect", |e| match e {
            ClientEvent::Disconnected { socket, reason } if socket == main => Check::Done(reason),
            _ => Check::Skip,
        })
        .await
        {
            Ok(r) => break r,
            Err(e) if e.starts_with("timed out") => continue,
            Err(e) => return Err(e),
        }
    };
    out(json!({"step": "disconnected", "reason": reason.as_str()}));

    for i in 1..=5 {
        emit(&mut d, main, "message", &(format!("offline-{i}"),))?;
    }
    let buffered = d.core().buffered(main);
    out(json!({"step": "buffered", "buffered": buffered}));

    // Reconnection attempts go on until the test restarts the server.
    let mut reconnected_after = None;
    let deadline = Instant::now() + Duration::from_secs(25);
    let sid = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(event) = d.next_event_within(left).await else {
            return Err("no reconnection in time".into());
        };
        match event {
            ClientEvent::ReconnectAttempt { attempt } => {
                out(json!({"step": "reconnect-attempt", "attempt": attempt}))
            }
            ClientEvent::Reconnected { attempt } => reconnected_after = Some(attempt),
            ClientEvent::Connected { socket, sid } if socket == main => break sid,
            ClientEvent::ReconnectFailed => return Err("reconnect failed".into()),
            e => eprintln!("(reconnect) other event: {}", show_event(d.core(), &e)),
        }
    };
    out(json!({"step": "reconnected", "sid": sid, "attempt": reconnected_after}));

    let id = d
        .with(|m, now| m.emit_with_ack(now, main, "get-received", &(), Some(STEP / 2)))
        .map_err(|e| e.to_string())?;
    let args = wait_ack(&mut d, main, id).await?;
    out(json!({"step": "received", "args": show_args(&args)}));
    d.with(|m, now| m.close(now));
    d.settle(Duration::from_millis(200)).await;
    Ok(())
}

/// Stay connected across several heartbeats, prove the connection still works, then
/// report how the connection ends when the server stops answering (the test freezes
/// it with SIGSTOP): "ping timeout".
async fn heartbeat(a: &CliArgs, engine: EngineClientConfig) -> Result<(), String> {
    let mut d = new_driver(a, engine)?;
    let main = open(&mut d, "/", a.auth.clone())?;
    let sid = wait_connected(&mut d, main).await?;
    out(json!({"step": "connected", "sid": sid}));

    let mut disconnects = 0;
    let until = Instant::now() + Duration::from_millis(1500);
    while let Some(e) = d
        .next_event_within(until.saturating_duration_since(Instant::now()))
        .await
    {
        disconnects += usize::from(matches!(e, ClientEvent::Disconnected { .. }));
    }
    out(json!({
        "step": "idle",
        "disconnects": disconnects,
        "connected": d.core().is_connected(main),
        "sid_unchanged": d.core().socket_sid(main) == Some(sid.as_str()),
    }));

    emit(&mut d, main, "message", &("still here",))?;
    let (args, _) = wait_event(&mut d, main, "message-back").await?;
    out(json!({"step": "alive", "args": show_args(&args)}));

    let reason = wait(&mut d, "disconnect", |e| match e {
        ClientEvent::Disconnected { socket, reason } if socket == main => Check::Done(reason),
        _ => Check::Skip,
    })
    .await?;
    out(json!({"step": "disconnected", "reason": reason.as_str()}));
    Ok(())
}
