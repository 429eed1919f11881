#![no_main]
//! Operation sequences against the Engine.IO client: arbitrary server responses and
//! frames, application calls and time steps. Invariants: no panic; at most one GET and
//! one POST outstanding; at most one `Opened` and one `Closed`; after `Closed`, nothing
//! more comes out and no timer is armed; at the end, after the shutdown, no internal
//! table holds anything (the leak check). Budget: the write queue holds at most
//! `max_queued_bytes` (or one larger message that found it empty) plus a pong and a
//! close, and a send refused for bytes found the queue not empty.

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_proto::client::engine::{EngineClient, EngineConfig, EngineEvent};
use socketio_proto::client::{ConnId, Input as In, Method, RequestId, Transmit, Transport};
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::{Message, WsMessage};
use socketio_proto::error::SendError;
use std::time::{Duration, Instant};

#[derive(Arbitrary, Debug)]
enum FuzzPacket {
    Open {
        websocket: bool,
        interval: u16,
        timeout: u16,
        max_payload: Option<u16>,
    },
    Close,
    Ping,
    PongProbe,
    Text(String),
    Binary(Vec<u8>),
    Upgrade,
    Noop,
    Raw(String),
}

impl FuzzPacket {
    fn encode(&self, out: &mut String) {
        match self {
            FuzzPacket::Open {
                websocket,
                interval,
                timeout,
                max_payload,
            } => {
                let upgrades = if *websocket { r#"["websocket"]"# } else { "[]" };
                out.push_str(&format!(
                    r#"0{{"sid":"s","upgrades":{upgrades},"pingInterval":{interval},"pingTimeout":{timeout}"#
                ));
                if let Some(m) = max_payload {
                    out.push_str(&format!(r#","maxPayload":{m}"#));
                }
                out.push('}');
            }
            FuzzPacket::Close => out.push('1'),
            FuzzPacket::Ping => out.push('2'),
            FuzzPacket::PongProbe => out.push_str("3probe"),
            FuzzPacket::Text(t) => {
                out.push('4');
                out.push_str(t);
            }
            FuzzPacket::Binary(b) => {
                out.push('b');
                base64_into(b, out);
            }
            FuzzPacket::Upgrade => out.push('5'),
            FuzzPacket::Noop => out.push('6'),
            FuzzPacket::Raw(r) => out.push_str(r),
        }
    }
}

fn base64_into(data: &[u8], out: &mut String) {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Body {
    Packets(Vec<FuzzPacket>),
    Bytes(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Respond { which: u8, ok: bool, body: Body },
    HttpError { which: u8 },
    WsOpened { which: u8 },
    WsText { which: u8, packet: FuzzPacket },
    WsBinary { which: u8, data: Vec<u8> },
    WsClosed { which: u8 },
    WsError { which: u8 },
    Send(Message),
    Close,
    Advance(u16),
    Backwards(u16),
    Timeout,
    FireNextTimer,
}

#[derive(Arbitrary, Debug)]
struct Input {
    transports: u8,
    upgrade: bool,
    request_timeout: Option<u16>,
    max_queued: u8,
    max_queued_bytes: u8,
    ops: Vec<Op>,
}

struct State {
    requests: Vec<(RequestId, Method)>,
    all_requests: Vec<RequestId>,
    sockets: Vec<ConnId>,
    opens: usize,
    closed: bool,
    /// The deadline of the last `Output::Timeout`.
    deadline: Option<Instant>,
}

fn pick<T: Copy>(items: &[T], which: u8) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        items.get(usize::from(which) % items.len()).copied()
    }
}

/// Feeds one input (client inputs never fail).
fn feed(client: &mut EngineClient, now: Instant, input: In) {
    assert_eq!(
        client.handle_input(now, input),
        Ok(()),
        "a client input failed"
    );
}

fn drain(client: &mut EngineClient, st: &mut State) {
    let mut transmits = Vec::new();
    let mut events = Vec::new();
    st.deadline = loop {
        match client.poll_output() {
            Output::Transmit(t) => transmits.push(t),
            Output::Event(e) => events.push(e),
            Output::Timeout(d) => break d,
        }
    };
    for t in transmits {
        assert!(!st.closed, "transmit after Closed: {t:?}");
        match t {
            Transmit::HttpRequest { request, req } => {
                let same = st.requests.iter().filter(|(_, m)| *m == req.method).count();
                assert_eq!(same, 0, "two {:?} outstanding", req.method);
                st.requests.push((request, req.method));
                st.all_requests.push(request);
            }
            Transmit::WsOpen { conn, .. } => st.sockets.push(conn),
            Transmit::WsSend { conn, .. } => assert!(st.sockets.contains(&conn)),
            Transmit::WsClose { conn } => assert!(st.sockets.contains(&conn)),
        }
    }
    for e in events {
        assert!(!st.closed, "event after Closed: {e:?}");
        match e {
            EngineEvent::Opened { .. } => {
                st.opens += 1;
                assert_eq!(st.opens, 1);
            }
            EngineEvent::Closed { .. } => st.closed = true,
            _ => {}
        }
    }
    if st.closed {
        assert!(client.is_closed());
        assert_eq!(st.deadline, None);
        assert_eq!(
            client.leaks(),
            Vec::new(),
            "leaked table entries after Closed"
        );
    }
}

fuzz_target!(|input: Input| {
    let mut config = EngineConfig::new("localhost", 3000);
    config.transports = match input.transports % 3 {
        0 => vec![Transport::Polling, Transport::WebSocket],
        1 => vec![Transport::WebSocket],
        _ => vec![Transport::Polling],
    };
    config.upgrade = input.upgrade;
    config.request_timeout = input
        .request_timeout
        .map(|ms| Duration::from_millis(ms.into()));
    config.max_queued_packets = usize::from(input.max_queued).max(1);
    let max_packets = config.max_queued_packets;
    let max_bytes = 16 + usize::from(input.max_queued_bytes);
    config.max_queued_bytes = max_bytes;
    // The largest message accepted so far (an empty queue takes one of any size).
    let mut largest = 0usize;
    config.max_incoming_payload = 4096;
    let t0 = Instant::now();
    let mut now = t0 + Duration::from_secs(100_000);
    let Ok(mut client) = EngineClient::new(now, config) else {
        return;
    };
    let mut st = State {
        requests: Vec::new(),
        all_requests: Vec::new(),
        sockets: Vec::new(),
        opens: 0,
        closed: false,
        deadline: None,
    };
    drain(&mut client, &mut st);
    for op in input.ops {
        match op {
            Op::Respond { which, ok, body } => {
                // Mostly answer an outstanding request; sometimes a stale one.
                let id = if which & 0x80 == 0 {
                    pick(&st.requests.iter().map(|r| r.0).collect::<Vec<_>>(), which)
                } else {
                    pick(&st.all_requests, which)
                };
                let Some(id) = id else { continue };
                st.requests.retain(|r| r.0 != id);
                let body = match body {
                    Body::Packets(ps) => {
                        let mut s = String::new();
                        for (i, p) in ps.iter().enumerate() {
                            if i > 0 {
                                s.push('\x1e');
                            }
                            p.encode(&mut s);
                        }
                        Bytes::from(s)
                    }
                    Body::Bytes(b) => Bytes::from(b),
                };
                let status = if ok { 200 } else { 400 };
                feed(
                    &mut client,
                    now,
                    In::HttpResponse {
                        request: id,
                        status,
                        body,
                    },
                );
            }
            Op::HttpError { which } => {
                if let Some(id) = pick(&st.all_requests, which) {
                    st.requests.retain(|r| r.0 != id);
                    feed(&mut client, now, In::HttpFailed { request: id });
                }
            }
            Op::WsOpened { which } => {
                if let Some(id) = pick(&st.sockets, which) {
                    feed(&mut client, now, In::WsOpened { conn: id });
                }
            }
            Op::WsText { which, packet } => {
                if let Some(id) = pick(&st.sockets, which) {
                    let mut s = String::new();
                    packet.encode(&mut s);
                    feed(
                        &mut client,
                        now,
                        In::WsMessage {
                            conn: id,
                            msg: WsMessage::Text(s.into()),
                        },
                    );
                }
            }
            Op::WsBinary { which, data } => {
                if let Some(id) = pick(&st.sockets, which) {
                    feed(
                        &mut client,
                        now,
                        In::WsMessage {
                            conn: id,
                            msg: WsMessage::Binary(Bytes::from(data)),
                        },
                    );
                }
            }
            Op::WsClosed { which } => {
                if let Some(id) = pick(&st.sockets, which) {
                    feed(&mut client, now, In::WsClosed { conn: id });
                }
            }
            Op::WsError { which } => {
                if let Some(id) = pick(&st.sockets, which) {
                    feed(&mut client, now, In::WsFailed { conn: id });
                }
            }
            Op::Send(m) => {
                let len = match &m {
                    Message::Text(t) => t.len(),
                    Message::Binary(b) => b.len(),
                };
                let before = client.queued_bytes();
                let was_empty = client.send_capacity() == max_packets;
                let r = client.send(m);
                if st.closed {
                    assert!(r.is_err());
                }
                match r {
                    Ok(()) => largest = largest.max(len),
                    Err(SendError::QueueBytesFull { limit }) => {
                        assert!(!was_empty, "an empty queue refused {len} bytes");
                        assert!(before + len > limit);
                    }
                    Err(_) => {}
                }
            }
            Op::Close => client.close(now),
            Op::Advance(ms) => now += Duration::from_millis(ms.into()),
            Op::Backwards(ms) => {
                now = now
                    .checked_sub(Duration::from_millis(ms.into()))
                    .unwrap_or(now)
            }
            Op::Timeout => feed(&mut client, now, In::Timeout),
            Op::FireNextTimer => {
                if let Some(at) = st.deadline {
                    now = now.max(at);
                    feed(&mut client, now, In::Timeout);
                }
            }
        }
        drain(&mut client, &mut st);
        let queued = client.queued_bytes();
        assert!(
            queued <= max_bytes.max(largest) + 2,
            "{queued} bytes queued, limit {max_bytes}, largest message {largest}"
        );
    }
    // The leak check: the shutdown ends everything, at once or after the timers.
    client.shutdown(now);
    drain(&mut client, &mut st);
    for _ in 0..64 {
        let Some(at) = st.deadline else { break };
        now = now.max(at);
        feed(&mut client, now, In::Timeout);
        drain(&mut client, &mut st);
    }
    // A close over polling waits for the POST in flight: the adapter reports it failed.
    for (request, _) in std::mem::take(&mut st.requests) {
        feed(&mut client, now, In::HttpFailed { request });
        drain(&mut client, &mut st);
    }
    assert!(client.is_closed(), "not closed after the shutdown");
    assert_eq!(client.leaks(), Vec::new(), "leaked table entries");
});
