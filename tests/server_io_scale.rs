//! Socket.IO server at scale: many WebSocket sockets, a large room broadcast shares one
//! frame, and idle sockets hold no per-socket room allocations.
mod common;
mod server_io_support;

use socketio_proto::engineio::WsMessage;
use socketio_proto::server::io::{IoConfig, SocketId, SocketIoServer, Target};
use socketio_proto::server::Transmit;
use std::time::Instant;

/// Connects `n` WebSocket clients to `/` (the cheap way a bench does it).
fn connect_many(io: &mut SocketIoServer, now: Instant, n: usize) -> Vec<SocketId> {
    let mut out = Vec::with_capacity(n);
    server_io_support::connect_ws_many(io, now, n, |s| out.push(s));
    out
}

#[test]
fn large_room_broadcast_shares_one_frame() {
    let n = if cfg!(debug_assertions) {
        5_000
    } else {
        100_000
    };
    let mut io = server_io_support::server(IoConfig::default());
    let now = Instant::now();
    let socks = connect_many(&mut io, now, n);
    assert_eq!(io.socket_count(), n);
    for s in &socks {
        io.join(*s, "all").unwrap();
    }
    for s in socks.iter().step_by(2) {
        io.join(*s, "even").unwrap();
    }
    assert_eq!(io.room_len("/", "all"), n);
    assert_eq!(io.room_len("/", "even"), n.div_ceil(2));

    let target = Target::namespace("/").to("all");
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let sent = io.broadcast(&target, "tick", &(1,)).unwrap();
        let el = t.elapsed();
        assert_eq!(sent, n);
        let mut frames = 0;
        let mut first: Option<*const u8> = None;
        let (transmits, _, _) = server_io_support::outputs(&mut io);
        for t in transmits {
            if let Transmit::WsSend {
                msg: WsMessage::Text(text),
                ..
            } = t
            {
                frames += 1;
                let p = text.as_ptr();
                assert_eq!(*first.get_or_insert(p), p, "every frame shares one buffer");
            }
        }
        assert_eq!(frames, n);
        best = best.min(el.as_nanos() as f64 / n as f64);
    }
    eprintln!("broadcast to a room of {n}: {best:.1} ns per recipient (best of 3)");

    let t = Instant::now();
    let sent = io
        .broadcast(&Target::namespace("/").to("all").except("even"), "odd", &())
        .unwrap();
    assert_eq!(sent, n / 2);
    eprintln!(
        "room minus room of {n}: {:.1} ns per socket",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    let _ = server_io_support::outputs(&mut io);
}
