//! Socket.IO mode: the [`Manager`] behind the [`Driver`], events printed as JSON lines,
//! stdin lines emitted as `message` events.

use super::args::Args as CliArgs;
use super::driver::Driver;
use socketio_proto::client::engine::EngineClientConfig;
use socketio_proto::client::{ClientEvent, Manager, ManagerConfig};
use socketio_proto::ids::RandomSource;
use socketio_proto::socketio::{Args, Value};
use tokio::io::AsyncBufReadExt;

/// Reconnection jitter from the thread RNG.
struct ThreadRandom;

impl RandomSource for ThreadRandom {
    fn next_f64(&mut self) -> f64 {
        rand::random::<f64>()
    }
}

/// A manager for the options in `a`, inside a driver.
pub fn new_driver(a: &CliArgs, engine: EngineClientConfig) -> Result<Driver<Manager>, String> {
    let mut config = ManagerConfig::with_engine(engine);
    if let Some(ms) = a.reconnection_delay_ms {
        config.reconnection_delay = std::time::Duration::from_millis(ms);
        config.reconnection_delay_max =
            config.reconnection_delay_max.max(config.reconnection_delay);
    }
    let manager = Manager::new(config, Box::new(ThreadRandom)).map_err(|e| e.to_string())?;
    Ok(Driver::new(manager, a.addr.clone(), super::MAX_BODY))
}

/// JSON for printing: binary values become `{"$bin": "<hex>"}`.
pub fn show_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(a) => a.iter().map(show_value).collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), show_value(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Binary(b) => serde_json::json!({ "$bin": super::hex(b) }),
    }
}

/// The arguments as a JSON array for printing (see [`show_value`]).
pub fn show_args(args: &Args) -> serde_json::Value {
    match args.to_values() {
        Ok(values) => values.iter().map(show_value).collect(),
        Err(e) => serde_json::json!({ "undecodable": e.to_string() }),
    }
}

/// One JSON line describing an event.
pub fn show_event(m: &Manager, e: &ClientEvent) -> serde_json::Value {
    let nsp = |s| m.socket_nsp(s).unwrap_or("?").to_string();
    use serde_json::json;
    match e {
        ClientEvent::Open => json!({"type": "open"}),
        ClientEvent::Close { reason } => json!({"type": "close", "reason": reason.as_str()}),
        ClientEvent::OpenError { error } => {
            json!({"type": "open_error", "error": format!("{error:?}")})
        }
        ClientEvent::ReconnectAttempt { attempt } => {
            json!({"type": "reconnect_attempt", "attempt": attempt})
        }
        ClientEvent::Reconnected { attempt } => json!({"type": "reconnect", "attempt": attempt}),
        ClientEvent::ReconnectError { error } => {
            json!({"type": "reconnect_error", "error": format!("{error:?}")})
        }
        ClientEvent::ReconnectFailed => json!({"type": "reconnect_failed"}),
        ClientEvent::Connected { socket, sid } => {
            json!({"type": "connect", "nsp": nsp(*socket), "sid": sid})
        }
        ClientEvent::ConnectError {
            socket,
            message,
            data,
        } => {
            json!({"type": "connect_error", "nsp": nsp(*socket), "message": message, "data": data})
        }
        ClientEvent::Event {
            socket,
            event,
            args,
            ack,
        } => json!({
            "type": "event", "nsp": nsp(*socket), "event": event, "args": show_args(args),
            "ack_requested": ack.is_some(),
        }),
        ClientEvent::Ack { socket, id, args } => {
            json!({"type": "ack", "nsp": nsp(*socket), "id": id, "args": show_args(args)})
        }
        ClientEvent::AckTimeout { socket, id } => {
            json!({"type": "ack_timeout", "nsp": nsp(*socket), "id": id})
        }
        ClientEvent::AckCancelled { socket, id } => {
            json!({"type": "ack_cancelled", "nsp": nsp(*socket), "id": id})
        }
        ClientEvent::Disconnected { socket, reason } => {
            json!({"type": "disconnect", "nsp": nsp(*socket), "reason": reason.as_str()})
        }
    }
}

/// Interactive mode: prints every event, emits each stdin line as `message`, answers
/// the server's ack requests with `["ok"]`.
pub async fn run(a: &CliArgs, engine: EngineClientConfig) -> Result<(), String> {
    let mut driver = new_driver(a, engine)?;
    let socket = driver
        .with(|m, now| {
            let s = m.socket(&a.namespace, a.auth.clone())?;
            m.connect(now, s).map(|()| s)
        })
        .map_err(|e| e.to_string())?;
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            event = driver.next_event() => {
                let Some(event) = event else { return Ok(()) };
                println!("{}", show_event(driver.core(), &event));
                match event {
                    ClientEvent::Event { ack: Some(request), .. } => {
                        if let Err(e) = driver.with(|m, now| m.ack(now, request, &("ok",))) {
                            eprintln!("ack failed: {e}");
                        }
                    }
                    ClientEvent::ReconnectFailed => return Ok(()),
                    ClientEvent::Disconnected { reason, .. } if !reason.reconnects() => return Ok(()),
                    _ => {}
                }
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) => {
                    if let Err(e) = driver.with(|m, now| m.emit(now, socket, "message", &(line,))) {
                        eprintln!("emit failed: {e}");
                    }
                }
                _ => stdin_open = false,
            },
        }
    }
}
