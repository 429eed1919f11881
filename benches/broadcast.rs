//! Broadcast cost per recipient, core only.
//!
//! For N = 1k, 10k, 100k: connect N sockets to `/` over in-memory WebSocket messages
//! (`Input::WsUpgrade` + CONNECT `40` + `accept`), put them all in one room, drain
//! everything, then time a broadcast of one small event to the room plus the drain of
//! its transmits (counting frames: exactly N). Each size is measured a few times and the
//! median is reported in nanoseconds per recipient. Target: ≤ 30 ns.
//!
//! For comparison the `engine fan-out` row times the Engine.IO layer alone: one shared
//! pre-encoded text frame sent to N WebSocket sessions with `EngineServer::send`, plus
//! the drain.
//!
//! ```text
//! cargo bench --bench broadcast [-- N...]
//! ```

use socketio_proto::server::engine::{EngineEvent, EngineServer, SessionId, TextFrame};
use socketio_proto::server::HttpRequest;
use std::time::{Duration, Instant};

#[path = "support/sio.rs"]
mod sio;

/// Timed repetitions per size (the median is reported); `BENCH_RUNS` overrides it
/// (e.g. to profile the broadcast path alone).
fn runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Drains every transmit, counting WebSocket frames.
fn drain_engine(server: &mut EngineServer) -> usize {
    sio::drain_frames(server)
}

/// The Engine.IO layer alone: one shared frame to N sessions.
fn engine_fanout(n: usize) -> Duration {
    let now = Instant::now();
    let mut server = sio::engine_server(n);
    let req = HttpRequest::get(sio::ENGINE_WS_OPEN);
    let mut sessions: Vec<SessionId> = Vec::with_capacity(n);
    for _ in 0..n {
        let _ = sio::ws_open(&mut server, now, &req);
        sio::for_each_output(
            &mut server,
            |_| {},
            |e| {
                if let EngineEvent::Opened { session, .. } = e {
                    sessions.push(session);
                }
            },
        );
    }
    assert_eq!(sessions.len(), n);
    let frame = TextFrame::new(r#"2["news","hello"]"#);
    let mut times = Vec::with_capacity(runs());
    for _ in 0..runs() {
        let t0 = Instant::now();
        for &s in &sessions {
            if let Err(e) = server.send(s, frame.clone()) {
                panic!("send: {e}");
            }
        }
        let frames = drain_engine(&mut server);
        times.push(t0.elapsed());
        assert_eq!(frames, n);
    }
    median(times)
}

/// A Socket.IO broadcast of one small event to a room of N sockets.
fn socketio_room(n: usize) -> (Duration, Duration) {
    let now = Instant::now();
    let mut server = sio::server(n);
    let t0 = Instant::now();
    let mut sockets = Vec::with_capacity(n);
    for _ in 0..n {
        let s = sio::connect_one(&mut server, now);
        sio::join(&mut server, s, "room");
        sockets.push(s);
    }
    let setup = t0.elapsed();
    sio::drain(&mut server);
    let mut times = Vec::with_capacity(runs());
    for _ in 0..runs() {
        let t0 = Instant::now();
        sio::broadcast_to_room(&mut server, "room", "news", "hello");
        let frames = sio::drain(&mut server);
        times.push(t0.elapsed());
        assert_eq!(frames, n, "one frame per member");
    }
    (median(times), setup)
}

fn main() {
    let sizes: Vec<usize> = {
        let given: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        if given.is_empty() {
            vec![1_000, 10_000, 100_000]
        } else {
            given
        }
    };
    println!();
    println!(
        "{:<22} {:>8} {:>14} {:>14} {:>12}",
        "what", "N", "median µs", "ns/recipient", "setup ms"
    );
    let mut worst: f64 = 0.0;
    for &n in &sizes {
        let e = engine_fanout(n);
        println!(
            "{:<22} {:>8} {:>14.1} {:>14.1} {:>12}",
            "engine fan-out",
            n,
            e.as_secs_f64() * 1e6,
            e.as_secs_f64() * 1e9 / n as f64,
            "-"
        );
        let (b, setup) = socketio_room(n);
        let per = b.as_secs_f64() * 1e9 / n as f64;
        if n >= 100_000 || sizes.len() == 1 {
            worst = worst.max(per);
        }
        println!(
            "{:<22} {:>8} {:>14.1} {:>14.1} {:>12.1}",
            "socket.io room emit",
            n,
            b.as_secs_f64() * 1e6,
            per,
            setup.as_secs_f64() * 1e3
        );
    }
    println!(
        "\nsocket.io broadcast, largest room: {worst:.1} ns/recipient (target <= 30): {}",
        if worst <= 30.0 { "OK" } else { "MISSED" }
    );
}
