//! Hardening, every client example (`<client>::<scenario>`, see `client_matrix!`),
//! against a scripted hostile server on loopback: a huge handshake, a huge message over
//! polling and over WebSocket, a redirect, an endless stream of `6` (noop) frames, and a
//! server that closes right after the handshake. The client stays bounded in memory
//! (peak RSS from /proc) and its reconnections back off (the server counts them).
//!
//! Built only with `--features interop` (it runs the built example binaries; `bash
//! .ci/test` builds them).

mod common;

use common::process::client_matrix;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// What the hostile server does with one request.
type Behaviour = fn(&mut TcpStream, &str, usize);

/// 20 MB: twice what the clients accept in one body or message.
const HUGE: usize = 20_000_000;

/// A hostile server: answers every request on its own thread with `behave`, counting
/// requests (the `usize` it gets is the request's number, from 0).
struct Hostile {
    port: u16,
    requests: Arc<AtomicUsize>,
}

impl Hostile {
    fn start(behave: Behaviour) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let count = count.clone();
                thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    while let Some(head) = read_head(&mut stream) {
                        let n = count.fetch_add(1, Ordering::SeqCst);
                        behave(&mut stream, &head, n);
                        if head.to_ascii_lowercase().contains("upgrade: websocket") {
                            break;
                        }
                    }
                });
            }
        });
        Hostile { port, requests }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one request head (and skips its body); `None` at the end of the connection.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(head)
}

fn respond(stream: &mut TcpStream, status: &str, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=UTF-8\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

const OPEN: &str = r#"0{"sid":"hostile","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// Accepts a WebSocket upgrade by hand (for the WebSocket cases).
fn accept_ws(stream: &mut TcpStream, head: &str) {
    let key = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let _ = write!(
        stream,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
}

/// An unmasked server text frame.
fn ws_text(stream: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let mut frame = vec![0x81];
    match payload.len() {
        n if n < 126 => frame.push(n as u8),
        n if n < 65536 => {
            frame.push(126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    stream.write_all(&frame)?;
    stream.write_all(payload)
}

/// A client example run: killed on drop; its peak RSS read while it runs.
struct Client {
    child: Child,
}

impl Client {
    fn start(name: &str, url: &str, transports: &str) -> Client {
        let path = common::process::example_path(name);
        let child = Command::new(&path)
            .args(["--url", url, "--transports", transports])
            .args(["--reconnection-delay", "200"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        Client { child }
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// CPU time used so far.
    fn cpu(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks: u64 = [11, 12]
            .iter()
            .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
            .sum();
        Duration::from_millis(ticks * 10)
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `client` against `behave` for `secs`; checks it is alive, bounded in memory
/// and CPU, and that the server saw at most `max_requests` requests.
fn against(client: &str, transports: &str, behave: Behaviour, secs: u64, max_requests: usize) {
    let server = Hostile::start(behave);
    let mut c = Client::start(client, &server.url(), transports);
    thread::sleep(Duration::from_secs(secs));
    // VmHWM is the peak of the process's own memory since its exec: read once, at the
    // end. (Read between fork and exec, it was the test binary's own peak, hundreds of
    // MB with the huge-message servers of the other tests: a CI run under load saw it.)
    let peak = c.peak_kib();
    let (cpu, requests) = (c.cpu(), server.requests());
    eprintln!("{client} over {transports}: {requests} requests in {secs} s, peak RSS {peak} KiB, CPU {cpu:?}");
    assert!(c.alive(), "{client} exited");
    assert!(peak < 96 * 1024, "{client}: peak RSS {peak} KiB");
    assert!(
        requests <= max_requests,
        "{client}: {requests} requests in {secs} s: reconnections do not back off"
    );
    assert!(
        cpu < Duration::from_secs(secs) / 2,
        "{client}: {cpu:?} of CPU in {secs} s"
    );
}

fn huge_handshake(client: &str) {
    against(
        client,
        "polling",
        |s, _, _| {
            let mut body = OPEN.as_bytes().to_vec();
            body.resize(HUGE, b' ');
            respond(s, "200 OK", "", &body)
        },
        4,
        12,
    );
}

fn huge_message_polling(client: &str) {
    against(
        client,
        "polling",
        |s, head, _| {
            if head.contains("sid=") {
                let mut body = b"4".to_vec();
                body.resize(HUGE, b'x');
                respond(s, "200 OK", "", &body)
            } else {
                respond(s, "200 OK", "", OPEN.as_bytes())
            }
        },
        4,
        24,
    );
}

fn huge_message_websocket(client: &str) {
    against(
        client,
        "websocket",
        |s, head, _| {
            accept_ws(s, head);
            let _ = ws_text(s, OPEN.as_bytes());
            let mut big = b"4".to_vec();
            big.resize(HUGE, b'x');
            let _ = ws_text(s, &big);
            thread::sleep(Duration::from_secs(1));
        },
        4,
        12,
    );
}

fn redirect_loop(client: &str) {
    against(
        client,
        "polling",
        |s, _, _| {
            respond(
                s,
                "302 Found",
                "Location: /socket.io/?EIO=4&transport=polling\r\n",
                b"",
            )
        },
        4,
        12,
    );
}

fn endless_noops(client: &str) {
    against(
        client,
        "websocket",
        |s, head, _| {
            accept_ws(s, head);
            let _ = ws_text(s, OPEN.as_bytes());
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until && ws_text(s, b"6").is_ok() {}
        },
        4,
        7,
    );
}

fn closes_after_handshake(client: &str) {
    against(
        client,
        "websocket",
        |s, head, _| {
            accept_ws(s, head);
            let _ = ws_text(s, OPEN.as_bytes());
            let _ = s.shutdown(std::net::Shutdown::Both);
        },
        4,
        7,
    );
}

client_matrix!(
    huge_handshake,
    huge_message_polling,
    huge_message_websocket,
    redirect_loop,
    endless_noops,
    closes_after_handshake,
);
