//! Hardening, every server example (`<server>::<scenario>`, see `server_matrix!`):
//! slow and dead WebSocket readers with 100 kB frames. A reader that stops reading
//! while echoes are due to it is released (its socket closed by the server) within
//! ping interval + ping timeout + a write deadline, the server's memory stays bounded
//! (VmRSS from /proc, a bounded load: no timing assertions beyond the release bound),
//! and a well-behaved client on the same server keeps getting its answers.
//!
//! Built only with `--features interop` (it runs the built example binaries; `bash
//! .ci/test` builds them).

mod common;

use common::process::{server_matrix, spawn_example, Server};
use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// Ping interval and timeout the servers run with here (ms).
const PING_MS: u64 = 1000;
/// The adapters' write deadline (the tokio adapter's `WRITE_DEADLINE`; the others are
/// no longer).
const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// One frame of the flood: a 100 kB echo.
const FRAME: usize = 100_000;

fn server(name: &str) -> Server {
    let ping = PING_MS.to_string();
    spawn_example(
        name,
        &[
            "--port",
            "0",
            "--ping-interval",
            &ping,
            "--ping-timeout",
            &ping,
        ],
    )
}

/// A Socket.IO client over a raw WebSocket, connected to `/`.
fn connect(port: u16) -> WebSocket<TcpStream> {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tungstenite::client(url, stream).expect("websocket handshake");
    let open = ws.read().expect("open packet");
    assert!(open.to_text().unwrap_or("").starts_with("0{"), "{open:?}");
    ws.send(Message::text("40")).expect("send 40");
    loop {
        let msg = ws.read().expect("connect reply");
        if msg.to_text().unwrap_or("").starts_with("40{") {
            return ws;
        }
    }
}

/// The server's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Open TCP sockets of the server process.
fn sockets(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter(|l| l.to_string_lossy().starts_with("socket:"))
                .count()
        })
        .unwrap_or(0)
}

/// Floods echoes of 100 kB frames and never reads; keeps answering pings blindly
/// (`3` every half interval) so only the write side can end it.
struct DeadReader {
    ws: WebSocket<TcpStream>,
}

impl DeadReader {
    fn start(port: u16, frames: usize) -> DeadReader {
        let mut ws = connect(port);
        let big = format!(r#"42["echo","{}"]"#, "x".repeat(FRAME));
        ws.get_mut()
            .set_write_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        for _ in 0..frames {
            // The server reads all of it (it is the reading direction that is open).
            if ws.send(Message::text(big.clone())).is_err() {
                break;
            }
        }
        DeadReader { ws }
    }

    /// Keeps the session's heartbeat alive without reading.
    fn pong(&mut self) {
        let _ = self.ws.send(Message::text("3"));
    }

    /// Reads what the server managed to queue; `true` once the stream has ended (EOF or
    /// reset: the server closed it).
    fn closed_by_server(&mut self, within: Duration) -> bool {
        let stream = self.ws.get_mut();
        let deadline = Instant::now() + within;
        let mut buf = vec![0u8; 1 << 16];
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        while Instant::now() < deadline {
            match stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return true,
            }
        }
        false
    }
}

/// One dead reader: released within ping interval + timeout + write deadline (plus
/// slack), while a well-behaved client keeps its echoes.
fn dead_reader_is_released(name: &'static str) {
    let server = server(name);
    let pid = server.process.id();
    let mut good = connect(server.port);
    let before = sockets(pid);
    let started = Instant::now();
    let mut dead = DeadReader::start(server.port, 60);
    let bound = Duration::from_millis(2 * PING_MS) + WRITE_DEADLINE + Duration::from_secs(5);
    let mut released = false;
    while started.elapsed() < bound {
        dead.pong();
        // The good client still gets an answer.
        good.send(Message::text(r#"42["echo","hi"]"#))
            .expect("send");
        let t = Instant::now();
        loop {
            let msg = good.read().expect("good client read");
            let text = msg.to_text().unwrap_or("");
            if text == "2" {
                good.send(Message::text("3")).expect("pong");
            } else if text.contains("echo-back") {
                break;
            }
        }
        assert!(t.elapsed() < Duration::from_secs(2), "good client starved");
        if sockets(pid) < before + 1 {
            released = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(
        released,
        "{name}: dead reader still open after {:?}\n{}",
        started.elapsed(),
        server.process.output_report()
    );
    // From the dead reader's side too: the stream ends once it reads again.
    assert!(
        dead.closed_by_server(Duration::from_secs(10)),
        "{name}: stream not ended"
    );
    drop(good);
}

/// Ten dead readers at once: the server's memory stays bounded by its per-connection
/// hand-off limits, and every one is released.
fn ten_dead_readers_stay_bounded(name: &'static str) {
    let server = server(name);
    let pid = server.process.id();
    let base_rss = rss_kib(pid);
    let base_sockets = sockets(pid);
    let mut readers: Vec<DeadReader> = (0..10)
        .map(|_| DeadReader::start(server.port, 60))
        .collect();
    let started = Instant::now();
    let bound = Duration::from_millis(2 * PING_MS) + WRITE_DEADLINE + Duration::from_secs(8);
    let mut peak = 0;
    while started.elapsed() < bound && sockets(pid) > base_sockets {
        readers.iter_mut().for_each(DeadReader::pong);
        peak = peak.max(rss_kib(pid).saturating_sub(base_rss));
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "{name}: 10 dead readers x 60 x 100 kB: peak RSS growth {peak} KiB, released in {:?}",
        started.elapsed()
    );
    assert_eq!(
        sockets(pid),
        base_sockets,
        "{name}: dead readers still open\n{}",
        server.process.output_report()
    );
    // 6 MB sent by each; what a server may hold for one is its hand-off bound (4 MiB)
    // plus socket buffers: far below holding everything for everyone.
    assert!(peak < 80 * 1024, "{name}: RSS grew by {peak} KiB");
    for r in &mut readers {
        assert!(r.closed_by_server(Duration::from_secs(10)));
    }
}

/// Sends `head` (a raw request head) and returns the response's status code.
fn status_of(port: u16, head: &str) -> u16 {
    use std::io::Write;
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s.write_all(head.as_bytes()).expect("write");
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// An upgrade request head with `version` and `key` (`None`: header left out).
fn upgrade_head(
    version: Option<&str>,
    key: Option<&str>,
    upgrade: bool,
    connection: bool,
) -> String {
    let mut h =
        String::from("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if upgrade {
        h.push_str("Upgrade: websocket\r\n");
    }
    h.push_str(if connection {
        "Connection: Upgrade\r\n"
    } else {
        "Connection: keep-alive\r\n"
    });
    if let Some(v) = version {
        h.push_str(&format!("Sec-WebSocket-Version: {v}\r\n"));
    }
    if let Some(k) = key {
        h.push_str(&format!("Sec-WebSocket-Key: {k}\r\n"));
    }
    h.push_str("\r\n");
    h
}

/// RFC 6455 handshakes: a bad version gets 426, a bad or missing key or token 400, a
/// 100 KB header 431; a good one still gets 101.
fn strict_handshakes(name: &'static str) {
    let server = server(name);
    let port = server.port;
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let cases: [(&str, String, u16); 9] = [
        ("good", upgrade_head(Some("13"), Some(key), true, true), 101),
        (
            "version 99",
            upgrade_head(Some("99"), Some(key), true, true),
            426,
        ),
        ("no version", upgrade_head(None, Some(key), true, true), 426),
        (
            "version 13, 8",
            upgrade_head(Some("13, 8"), Some(key), true, true),
            426,
        ),
        (
            "key abc",
            upgrade_head(Some("13"), Some("abc"), true, true),
            400,
        ),
        (
            "32-byte key",
            upgrade_head(
                Some("13"),
                Some("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="),
                true,
                true,
            ),
            400,
        ),
        ("no key", upgrade_head(Some("13"), None, true, true), 400),
        (
            "no Connection token",
            upgrade_head(Some("13"), Some(key), true, false),
            400,
        ),
        (
            "100 KB header",
            format!(
                "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
                "a".repeat(100_000)
            ),
            431,
        ),
    ];
    let mut got = Vec::new();
    for (what, head, want) in &cases {
        got.push((*what, status_of(port, head), *want));
    }
    let wrong: Vec<_> = got.iter().filter(|(_, g, w)| g != w).collect();
    assert!(wrong.is_empty(), "{name}: (case, got, wanted) {wrong:?}");
}

/// One HTTP/1.1 request on its own connection (`Connection: close`): status and body.
fn http(port: u16, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::Write;
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("write head");
    s.write_all(body).expect("write body");
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n");
    let status = String::from_utf8_lossy(&resp)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = split.map(|at| resp[at + 4..].to_vec()).unwrap_or_default();
    (status, body)
}

/// A polling session that never GETs while it POSTs 60 echoes of 900 kB (54 MB of
/// answers due to it) and pongs blindly: the server refuses what does not fit the
/// session's byte budget (1 MiB), so its memory stays bounded, and the session is
/// closed (a later POST gets 400) within the over-budget grace (20 s) plus slack.
fn polling_session_that_never_gets(name: &'static str) {
    const POSTS: usize = 60;
    const BODY: usize = 900_000;
    let server = server(name);
    let (port, pid) = (server.port, server.process.id());
    let (status, open) = http(port, "GET", "/socket.io/?EIO=4&transport=polling", b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&open));
    let open = String::from_utf8_lossy(&open);
    let sid = open
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("sid in the open packet")
        .to_string();
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(port, "POST", &path, b"40").0, 200);
    let base = rss_kib(pid);
    let big = format!(r#"42["echo","{}"]"#, "x".repeat(BODY - 20));
    let (mut peak, mut accepted) = (0, 0);
    for i in 0..POSTS {
        let body = if i % 5 == 4 { "3" } else { big.as_str() };
        if http(port, "POST", &path, body.as_bytes()).0 == 200 {
            accepted += 1;
        }
        peak = peak.max(rss_kib(pid).saturating_sub(base));
    }
    // Without a byte budget the server would hold every echo-back: ~48 MB here.
    assert!(
        peak < 24 * 1024,
        "{name}: RSS grew by {peak} KiB for one session that never polls ({accepted} POSTs taken)"
    );
    let started = Instant::now();
    let closed = loop {
        if http(port, "POST", &path, b"3").0 == 400 {
            break true;
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    eprintln!(
        "{name}: polling session that never GETs: peak RSS growth {peak} KiB over \
         {accepted} POSTs, closed {:?} after the flood",
        started.elapsed()
    );
    assert!(
        closed,
        "{name}: session still open 30 s after the flood\n{}",
        server.process.output_report()
    );
}

server_matrix!(
    polling_session_that_never_gets,
    dead_reader_is_released,
    ten_dead_readers_stay_bounded,
    strict_handshakes,
);
