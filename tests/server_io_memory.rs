//! Socket.IO server: heap memory per idle connected WebSocket socket (engine session
//! included), measured with a counting allocator.
mod common;
mod server_io_support;

use socketio_proto::server::io::IoConfig;
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
    let mut io = server_io_support::server(IoConfig::default());
    let now = Instant::now();
    let before = LIVE.load(Ordering::Relaxed);
    server_io_support::connect_ws_many(&mut io, now, n, |_| {});
    let per = (LIVE.load(Ordering::Relaxed) - before) as f64 / n as f64;
    eprintln!("heap per idle connected socket (engine session included): {per:.0} bytes");
    assert_eq!(io.socket_count(), n);
    assert!(per < 2048.0, "{per} bytes per idle socket");
}
