//! The floor server: what the WebSocket stack alone costs.
//!
//! Plain tokio-tungstenite, one task per connection, a 4 KiB read buffer, and no
//! protocol work beyond what keeps `loadgen` (or any Socket.IO v5 client that only
//! uses these events) happy:
//!
//! - on accept it sends one fixed Engine.IO open packet `0{...}`;
//! - `40` is answered with `40{"sid":"x"}` followed by `42["auth",{}]` (the example
//!   server emits `auth` on connect, so both servers send the same frames);
//! - `42["echo",…]` goes back as `42["echo-back",…]`, `42["message",…]` as
//!   `42["message-back",…]` (the rest of the packet is copied, not parsed);
//! - `42["broadcast",…]` is fanned out as `42["broadcast-back",…]` to every connection,
//!   the sender included; one shared `Bytes` frame, queued to each connection's task,
//!   which writes what is queued and flushes once;
//! - everything else (pongs `3`, `41`, …) is ignored. It sends no pings and keeps no
//!   timers.
//!
//! ```text
//! floor [--port N] [--workers N]
//! ```
//! `--port 0` (the default) picks a free port; it prints
//! `listening on http://127.0.0.1:PORT` on stdout like the example server. The runtime
//! is tokio's current-thread one unless `--workers N` asks for a multi-thread runtime.
//! SIGTERM or Ctrl-C exit at once.

use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message, Utf8Bytes};

const OPEN: &str = r#"0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
const CONNECTED: &str = r#"40{"sid":"x"}"#;
const AUTH: &str = r#"42["auth",{}]"#;

type Registry = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Utf8Bytes>>>>;

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(4096)
}

fn main() {
    let mut port: u16 = 0;
    let mut workers: usize = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        match (a.as_str(), v) {
            ("--port", Some(v)) => port = v.parse().expect("--port: not a port"),
            ("--workers", Some(v)) => workers = v.parse().expect("--workers: not a number"),
            _ => {
                eprintln!("usage: floor [--port N] [--workers N]");
                std::process::exit(2);
            }
        }
    }
    let rt = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
    .expect("runtime");
    rt.block_on(serve(port));
}

async fn serve(port: u16) {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    tokio::spawn(async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        std::process::exit(0);
    });
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://127.0.0.1:{}", addr.port());
        let _ = out.flush();
    }
    let registry: Registry = Arc::default();
    let ids = Arc::new(AtomicU64::new(0));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let id = ids.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(connection(stream, id, registry.clone()));
    }
}

/// `42["<from>",REST` → `42["<to>",REST` if the packet is that event.
fn renamed(text: &str, from: &str, to: &str) -> Option<String> {
    let rest = text.strip_prefix("42[\"")?.strip_prefix(from)?.strip_prefix('"')?;
    let mut out = String::with_capacity(text.len() + to.len() - from.len());
    out.push_str("42[\"");
    out.push_str(to);
    out.push('"');
    out.push_str(rest);
    Some(out)
}

async fn connection(stream: TcpStream, id: u64, registry: Registry) {
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config())).await
    else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<Utf8Bytes>();
    registry.lock().unwrap().insert(id, tx);
    if ws.send(Message::text(OPEN)).await.is_ok() {
        let _ = pump(&mut ws, &mut rx, &registry).await;
    }
    registry.lock().unwrap().remove(&id);
}

async fn pump(
    ws: &mut tokio_tungstenite::WebSocketStream<TcpStream>,
    rx: &mut mpsc::UnboundedReceiver<Utf8Bytes>,
    registry: &Registry,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    loop {
        tokio::select! {
            msg = ws.next() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(()),
                    Some(Ok(_)) => continue,
                };
                let t = text.as_str();
                if t == "40" {
                    ws.feed(Message::text(CONNECTED)).await?;
                    ws.send(Message::text(AUTH)).await?;
                } else if let Some(reply) = renamed(t, "echo", "echo-back") {
                    ws.send(Message::text(reply)).await?;
                } else if let Some(reply) = renamed(t, "message", "message-back") {
                    ws.send(Message::text(reply)).await?;
                } else if let Some(frame) = renamed(t, "broadcast", "broadcast-back") {
                    let frame = Utf8Bytes::try_from(Bytes::from(frame)).expect("utf-8");
                    for peer in registry.lock().unwrap().values() {
                        let _ = peer.send(frame.clone());
                    }
                }
            }
            Some(frame) = rx.recv() => {
                ws.feed(Message::Text(frame)).await?;
                while let Ok(frame) = rx.try_recv() {
                    ws.feed(Message::Text(frame)).await?;
                }
                ws.flush().await?;
            }
        }
    }
}
