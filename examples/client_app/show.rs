//! Events as the JSON lines the client mains print.

use serde_json::json;
use socketio_proto::client::engine::EngineEvent;
use socketio_proto::client::io::IoEvent;
use socketio_proto::client::Manager;
use socketio_proto::engineio::Message;
use socketio_proto::socketio::{Args, Value};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        Value::Binary(b) => json!({ "$bin": hex(b) }),
    }
}

/// The arguments as a JSON array for printing (see [`show_value`]).
pub fn show_args(args: &Args) -> serde_json::Value {
    match args.to_values() {
        Ok(values) => values.iter().map(show_value).collect(),
        Err(e) => json!({ "undecodable": e.to_string() }),
    }
}

/// One JSON line describing a Socket.IO event.
pub fn show_event(m: &Manager, e: &IoEvent) -> serde_json::Value {
    let nsp = |s| m.socket_namespace(s).unwrap_or("?").to_string();
    match e {
        IoEvent::Opened => json!({"type": "open"}),
        IoEvent::Closed { reason } => json!({"type": "close", "reason": reason.as_str()}),
        IoEvent::OpenError { error } => {
            json!({"type": "open_error", "error": format!("{error:?}")})
        }
        IoEvent::ReconnectAttempt { attempt } => {
            json!({"type": "reconnect_attempt", "attempt": attempt})
        }
        IoEvent::Reconnected { attempt } => json!({"type": "reconnect", "attempt": attempt}),
        IoEvent::ReconnectError { error } => {
            json!({"type": "reconnect_error", "error": format!("{error:?}")})
        }
        IoEvent::ReconnectFailed => json!({"type": "reconnect_failed"}),
        IoEvent::Connected { socket, sid } => {
            json!({"type": "connect", "nsp": nsp(*socket), "sid": sid})
        }
        IoEvent::ConnectError {
            socket,
            message,
            data,
        } => {
            json!({"type": "connect_error", "nsp": nsp(*socket), "message": message, "data": data})
        }
        IoEvent::Event {
            socket,
            event,
            args,
            ack,
        } => json!({
            "type": "event", "nsp": nsp(*socket), "event": event, "args": show_args(args),
            "ack_requested": ack.is_some(),
        }),
        IoEvent::AckReceived { socket, id, args } => {
            json!({"type": "ack", "nsp": nsp(*socket), "id": id, "args": show_args(args)})
        }
        IoEvent::AckTimeout { socket, id } => {
            json!({"type": "ack_timeout", "nsp": nsp(*socket), "id": id})
        }
        IoEvent::AckCancelled { socket, id } => {
            json!({"type": "ack_cancelled", "nsp": nsp(*socket), "id": id})
        }
        IoEvent::Disconnected { socket, reason } => {
            json!({"type": "disconnect", "nsp": nsp(*socket), "reason": reason.as_str()})
        }
    }
}

/// One JSON line describing a plain Engine.IO event.
pub fn show_engine_event(e: &EngineEvent) -> serde_json::Value {
    match e {
        EngineEvent::Opened { sid, .. } => json!({"open": sid}),
        EngineEvent::Message {
            msg: Message::Text(t),
        } => json!({"text": t.as_str()}),
        EngineEvent::Message {
            msg: Message::Binary(b),
        } => json!({"binary": hex(b)}),
        EngineEvent::Upgraded => json!({"upgraded": true}),
        EngineEvent::UpgradeFailed => json!({"upgrade_failed": true}),
        EngineEvent::Closed { reason } => json!({"closed": reason.as_str()}),
    }
}
