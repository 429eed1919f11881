//! Memory per idle connection, core only.
//!
//! A counting `#[global_allocator]` (a wrapper around `System`) tracks live heap bytes.
//! The bench connects N idle clients over in-memory WebSocket messages and drains every
//! transmit and event, then reports the growth of live heap bytes divided by N:
//!
//! - `engine.io session`: a bare [`EngineServer`] with N WebSocket sessions;
//! - `socket.io socket`: a [`SocketIoServer`] with N sockets connected to `/`
//!   (`Input::WsUpgrade` + CONNECT `40` + `accept`), which includes its Engine.IO session.
//!
//! Target: ≤ 2 KiB per connected idle Socket.IO socket.
//!
//! ```text
//! cargo bench --bench memory [-- N]
//! ```

use socketio_proto::server::HttpRequest;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::time::Instant;

#[path = "support/sio.rs"]
mod sio;

/// Counts live heap bytes and allocation calls.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn allocs() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

/// One measured configuration.
struct Row {
    what: &'static str,
    n: usize,
    bytes: isize,
    allocs: usize,
    secs: f64,
}

/// N bare Engine.IO sessions over WebSocket.
fn engine_sessions(n: usize) -> Row {
    let now = Instant::now();
    let mut server = sio::engine_server(n);
    let req = HttpRequest::get(sio::ENGINE_WS_OPEN);
    let (bytes0, allocs0, t0) = (live(), allocs(), Instant::now());
    let mut frames = 0usize;
    for _ in 0..n {
        let _conn = sio::ws_open(&mut server, now, &req);
        frames += sio::drain_frames(&mut server);
    }
    let row = Row {
        what: "engine.io session",
        n,
        bytes: live() - bytes0,
        allocs: allocs() - allocs0,
        secs: t0.elapsed().as_secs_f64(),
    };
    assert_eq!(frames, n, "one open packet per session");
    assert_eq!(server.session_count(), n);
    drop(server);
    row
}

/// N Socket.IO sockets connected to `/` over WebSocket.
fn socketio_sockets(n: usize) -> Row {
    let now = Instant::now();
    let mut server = sio::server(n);
    // Warm up once (lazily built tables, the `/` namespace's first socket).
    let warm = sio::connect_one(&mut server, now);
    let _ = warm;
    // The bench's own Vec of handles is allocated before the baseline.
    let mut sockets = Vec::with_capacity(n);
    let (bytes0, allocs0, t0) = (live(), allocs(), Instant::now());
    for _ in 0..n {
        sockets.push(sio::connect_one(&mut server, now));
    }
    let row = Row {
        what: "socket.io socket",
        n,
        bytes: live() - bytes0,
        allocs: allocs() - allocs0,
        secs: t0.elapsed().as_secs_f64(),
    };
    assert_eq!(sio::connected(&server), n + 1);
    drop(sockets);
    drop(server);
    row
}

/// Allocations per `emit` of a small event to one WebSocket socket (encode, engine
/// frame, transmit), with every transmit drained after each emit.
fn emit_ws(emits: usize) -> f64 {
    let now = Instant::now();
    let mut server = sio::server(1);
    let socket = sio::connect_one(&mut server, now);
    let emit = |server: &mut socketio_proto::server::io::SocketIoServer| {
        if let Err(e) = server.emit(socket, "message", &("hello world", 42)) {
            panic!("emit: {e}");
        }
        assert_eq!(sio::drain(server), 1, "one frame per emit");
    };
    emit(&mut server); // warm up (scratch buffer, queues)
    let allocs0 = allocs();
    for _ in 0..emits {
        emit(&mut server);
    }
    (allocs() - allocs0) as f64 / emits as f64
}

/// Allocations per queued event when a polling socket's `emits` events are joined into
/// one long-poll body (the GET answered with all of them), per event.
fn emit_polling(emits: usize) -> f64 {
    use socketio_proto::server::io::IoEvent;
    use socketio_proto::server::Transmit;
    let now = Instant::now();
    let mut server = sio::server(1);
    let base = "/socket.io/?EIO=4&transport=polling";
    let get = |server: &mut socketio_proto::server::io::SocketIoServer, uri: &str| {
        let _ = sio::http(server, now, HttpRequest::get(uri));
        let mut body = None;
        sio::for_each_output(
            server,
            |t| {
                if let Transmit::HttpResponse { response, .. } = t {
                    body = Some(response.body);
                }
            },
            |_| {},
        );
        body.unwrap_or_else(|| panic!("no response to {uri}"))
    };
    let open = get(&mut server, base);
    let open = String::from_utf8_lossy(&open).into_owned();
    let sid = open
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no sid in {open}"))
        .to_owned();
    let uri = format!("{base}&sid={sid}");
    let _ = sio::http(&mut server, now, HttpRequest::post(uri.clone(), "40"));
    let mut pending = None;
    sio::for_each_output(
        &mut server,
        |_| {},
        |ev| {
            if let IoEvent::ConnectRequest { request, .. } = ev {
                pending = Some(request);
            }
        },
    );
    let socket = pending
        .and_then(|r| server.accept(r).ok())
        .unwrap_or_else(|| panic!("no socket"));
    let _ = sio::drain(&mut server);
    let _ = get(&mut server, &uri); // the CONNECT reply
    for _ in 0..emits {
        if let Err(e) = server.emit(socket, "message", &("hello world", 42)) {
            panic!("emit: {e}");
        }
    }
    let allocs0 = allocs();
    let body = get(&mut server, &uri);
    let per = (allocs() - allocs0) as f64 / emits as f64;
    assert_eq!(body.iter().filter(|&&b| b == 0x1e).count(), emits - 1);
    per
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let rows = [engine_sessions(n), socketio_sockets(n)];
    println!();
    println!(
        "{:<20} {:>8} {:>14} {:>14} {:>12} {:>10}",
        "what", "N", "bytes/conn", "allocs/conn", "total KiB", "setup ms"
    );
    for r in &rows {
        println!(
            "{:<20} {:>8} {:>14.0} {:>14.1} {:>12.0} {:>10.1}",
            r.what,
            r.n,
            r.bytes as f64 / r.n as f64,
            r.allocs as f64 / r.n as f64,
            r.bytes as f64 / 1024.0,
            r.secs * 1e3
        );
    }
    let per_socket = rows[1].bytes as f64 / rows[1].n as f64;
    let per_session = rows[0].bytes as f64 / rows[0].n as f64;
    println!(
        "\nof which the Socket.IO layer (socket, client, namespace entries): {:.0} bytes",
        per_socket - per_session
    );
    println!(
        "socket.io idle socket: {per_socket:.0} bytes (target <= 2048): {}",
        if per_socket <= 2048.0 { "OK" } else { "MISSED" }
    );
    let emits = 1000;
    println!(
        "\nemit to one websocket socket: {:.2} allocs/emit ({emits} emits)",
        emit_ws(emits)
    );
    println!(
        "polling body of {emits} queued events: {:.3} allocs/event",
        emit_polling(emits)
    );
}
