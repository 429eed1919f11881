//! Socket.IO server: heap memory per idle connected WebSocket socket (engine session
//! included), measured with a counting allocator.

use socketio_proto::engineio::WsMessage;
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::io::{IoConfig, IoEvent, SocketIoServer};
use socketio_proto::server::HttpRequest;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn idle_connected_socket_memory() {
    let n = 20_000;
    let mut io = SocketIoServer::new(
        IoConfig::default(),
        Box::new(SequentialIds::new("E")),
        Box::new(SequentialIds::new("S")),
    )
    .unwrap();
    let now = Instant::now();
    let req = HttpRequest::get("/socket.io/?EIO=4&transport=websocket");
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..n {
        let conn = io.handle_ws_open(now, &req);
        io.handle_ws_message(now, conn, WsMessage::Text("40".into()));
        while let Some(ev) = io.poll_event() {
            if let IoEvent::ConnectRequest { request, .. } = ev {
                io.accept(request).unwrap();
            }
        }
        while io.poll_transmit().is_some() {}
    }
    let per = (LIVE.load(Ordering::Relaxed) - before) as f64 / n as f64;
    eprintln!("heap per idle connected socket (engine session included): {per:.0} bytes");
    assert_eq!(io.socket_count(), n);
    assert!(per < 2048.0, "{per} bytes per idle socket");
}
