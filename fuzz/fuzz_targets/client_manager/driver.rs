//! The driver: builds the manager from the input's knobs, then applies each operation
//! and checks what the model cannot see from events alone (emit results, the busy-loop
//! guard on the `Output::Timeout` deadline) and, at the end, the leak check.

use super::model::{drain, Model, SockModel};
use super::ops::{Body, Frame, Input, Op, GEN_SHIFT, NSPS};
use super::wire::{encode_record, encode_sio, hello_parts};
use bytes::Bytes;
use socketio_proto::client::io::{Manager, ManagerConfig};
use socketio_proto::client::{ConnId, Input as In, Method, RequestId, Transport};
use socketio_proto::driver::{Core, Tables};
use socketio_proto::engineio::WsMessage;
use socketio_proto::error::{AckError, EmitError};
use socketio_proto::ids::SeededRandom;
use socketio_proto::socketio::Value;
use std::time::{Duration, Instant};

/// The `which`-th item (wrapping).
fn pick<T: Copy>(items: &[T], which: u8) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        items.get(usize::from(which) % items.len()).copied()
    }
}

/// Mostly the newest items (the current connection), sometimes any (stale ids).
fn pick_recent(items: &[u64], which: u8) -> Option<u64> {
    if which & 0x80 == 0 {
        let newest = items.iter().map(|i| i >> GEN_SHIFT).max()?;
        let recent: Vec<u64> = items
            .iter()
            .copied()
            .filter(|i| i >> GEN_SHIFT == newest)
            .collect();
        pick(&recent, which)
    } else {
        pick(items, which)
    }
}

/// Emit arguments, with a binary one if `binary`.
fn args(binary: bool) -> Vec<Value> {
    if binary {
        vec![
            Value::Binary(Bytes::from_static(b"\x00\x01")),
            Value::Bool(true),
        ]
    } else {
        vec![Value::String("x".into())]
    }
}

/// Feeds one input (client inputs never fail).
fn feed(io: &mut Manager, now: Instant, input: In) {
    assert_eq!(io.handle_input(now, input), Ok(()), "a client input failed");
}

/// Runs one fuzz input.
pub fn run(input: Input) {
    let mut config = ManagerConfig::new("localhost", 3000);
    config.engine.transports = match input.transports % 3 {
        0 => vec![Transport::Polling, Transport::WebSocket],
        1 => vec![Transport::WebSocket],
        _ => vec![Transport::Polling],
    };
    config.engine.upgrade = input.upgrade;
    let floor = u64::from(!input.allow_zero);
    config.engine.request_timeout = input
        .request_timeout
        .map(|ms| Duration::from_millis((u64::from(ms) * 8).max(floor)));
    config.engine.max_queued_packets = usize::from(input.max_queued % 8).max(1);
    config.engine.max_incoming_payload = 4096;
    config.reconnection = input.reconnection;
    config.reconnection_attempts = input.attempts.map(|a| u32::from(a % 4));
    config.reconnection_delay = Duration::from_millis(u64::from(input.delay).max(floor));
    config.reconnection_delay_max =
        config.reconnection_delay * (u32::from(input.delay_factor % 4) + 1);
    config.randomization_factor = f64::from(input.jitter) / 255.0;
    config.timeout = input
        .open_timeout
        .map(|ms| Duration::from_millis((u64::from(ms) * 4).max(floor)));
    config.max_buffered_packets = usize::from(input.max_buffered % 4).max(1);
    config.max_pending_acks = usize::from(input.max_acks % 4).max(1);
    config.max_attachments = usize::from(input.max_attachments % 4);
    config.max_buffered_bytes = 8 + usize::from(input.max_buffered_bytes % 64);
    config.engine.max_queued_bytes = 8 + usize::from(input.max_queued_bytes % 64);
    config.max_attachment_bytes = usize::from(input.max_attachment_bytes % 6);
    let max_buffered = config.max_buffered_packets;
    let max_buffered_bytes = config.max_buffered_bytes;
    let max_acks = config.max_pending_acks;
    let Ok(mut io) = Manager::new(config, Box::new(SeededRandom::new(input.seed))) else {
        return;
    };
    let mut now = Instant::now() + Duration::from_secs(100_000);
    let mut m = Model::new(input.reconnection, max_buffered);
    m.max_buffered_bytes = max_buffered_bytes;
    m.max_attachment_bytes = usize::from(input.max_attachment_bytes % 6);
    for op in input.ops {
        let mut timed_out = false;
        match op {
            Op::Hello { handshake, then } => {
                let newest = m
                    .requests
                    .iter()
                    .filter(|(_, meth)| **meth == Method::Get)
                    .map(|(id, _)| *id)
                    .max();
                let Some(id) = newest else { continue };
                m.requests.remove(&id);
                let parts = hello_parts(handshake, &then, &m);
                let body = Bytes::from(parts.join("\x1e"));
                feed(
                    &mut io,
                    now,
                    In::HttpResponse {
                        request: RequestId::new(id),
                        status: 200,
                        body,
                    },
                );
            }
            Op::WsHello { handshake, then } => {
                let Some(id) = m.ws.iter().copied().max() else {
                    continue;
                };
                for part in hello_parts(handshake, &then, &m) {
                    // A `b<base64>` record is a binary frame on WebSocket; the fuzz
                    // target's attachments are all "bAQI=" = [1, 2] here.
                    let msg = if part == "bAQI=" {
                        WsMessage::Binary(Bytes::from_static(&[1, 2]))
                    } else {
                        WsMessage::Text(part.into())
                    };
                    feed(
                        &mut io,
                        now,
                        In::WsMessage {
                            conn: ConnId::new(id),
                            msg,
                        },
                    );
                    drain(&mut io, &mut m);
                }
            }
            Op::Respond {
                which,
                status,
                body,
            } => {
                let outstanding: Vec<u64> = m.requests.keys().copied().collect();
                let id = if which & 0x80 == 0 {
                    pick_recent(&outstanding, which & 0x7f)
                } else {
                    pick(&m.all_requests, which)
                };
                let Some(id) = id else { continue };
                m.requests.remove(&id);
                let body = match body {
                    Body::Records(rs) => {
                        let mut parts = Vec::new();
                        for r in &rs {
                            encode_record(r, &m, &mut parts);
                        }
                        Bytes::from(parts.join("\x1e"))
                    }
                    Body::Bytes(b) => Bytes::from(b),
                };
                let status = match status % 8 {
                    0 => 400,
                    1 => 500,
                    2 => u16::from(status),
                    _ => 200,
                };
                feed(
                    &mut io,
                    now,
                    In::HttpResponse {
                        request: RequestId::new(id),
                        status,
                        body,
                    },
                );
            }
            Op::HttpError { which } => {
                if let Some(id) = pick(&m.all_requests, which) {
                    m.requests.remove(&id);
                    feed(
                        &mut io,
                        now,
                        In::HttpFailed {
                            request: RequestId::new(id),
                        },
                    );
                }
            }
            Op::WsOpened { which } => {
                if let Some(id) = pick_recent(&m.ws, which) {
                    feed(
                        &mut io,
                        now,
                        In::WsOpened {
                            conn: ConnId::new(id),
                        },
                    );
                }
            }
            Op::WsFrame { which, frame } => {
                let Some(id) = pick_recent(&m.ws, which) else {
                    continue;
                };
                let mut frames: Vec<WsMessage> = Vec::new();
                match frame {
                    Frame::Sio(p) => {
                        let (text, attachments) = encode_sio(&p, &m);
                        frames.push(WsMessage::Text(format!("4{text}").into()));
                        for k in 0..attachments {
                            frames.push(WsMessage::Binary(Bytes::from(vec![k, 0xfe])));
                        }
                    }
                    Frame::Record(r) => {
                        let mut parts = Vec::new();
                        encode_record(&r, &m, &mut parts);
                        frames.extend(parts.into_iter().map(|p| WsMessage::Text(p.into())));
                    }
                    Frame::PongProbe => frames.push(WsMessage::Text("3probe".into())),
                    Frame::Binary(b) => frames.push(WsMessage::Binary(Bytes::from(b))),
                }
                for f in frames {
                    feed(
                        &mut io,
                        now,
                        In::WsMessage {
                            conn: ConnId::new(id),
                            msg: f,
                        },
                    );
                    // Each frame is its own report; the adapter drains between them.
                    drain(&mut io, &mut m);
                }
            }
            Op::WsClosed { which } => {
                if let Some(id) = pick_recent(&m.ws, which) {
                    feed(
                        &mut io,
                        now,
                        In::WsClosed {
                            conn: ConnId::new(id),
                        },
                    );
                }
            }
            Op::WsError { which } => {
                if let Some(id) = pick_recent(&m.ws, which) {
                    feed(
                        &mut io,
                        now,
                        In::WsFailed {
                            conn: ConnId::new(id),
                        },
                    );
                }
            }
            Op::Socket { nsp } => {
                let nsp = usize::from(nsp) % 2;
                let id = io.socket(NSPS[nsp], None).expect("valid namespace");
                if !m.sockets.iter().any(|(s, _)| *s == id) {
                    m.sockets.push((
                        id,
                        SockModel {
                            nsp,
                            ..SockModel::default()
                        },
                    ));
                }
            }
            Op::Connect { s } => {
                if let Some((i, id)) = m.pick_socket(s) {
                    io.connect(now, id).expect("connect on a known socket");
                    m.sockets[i].1.wanted = true;
                }
            }
            Op::Disconnect { s } => {
                if let Some((i, id)) = m.pick_socket(s) {
                    io.disconnect(now, id)
                        .expect("disconnect on a known socket");
                    m.sockets[i].1.wanted = false;
                    if !io.is_reconnecting() {
                        // The last active socket left: the manager closed, any
                        // reconnection cycle is over.
                        m.cycle = 0;
                    }
                }
            }
            Op::Emit { s, binary } => {
                if let Some((i, id)) = m.pick_socket(s) {
                    let before = io.buffered(id);
                    let before_bytes = io.buffered_bytes(id);
                    let r = io.emit(id, "msg", &args(binary));
                    if !m.sockets[i].1.connected {
                        if before >= max_buffered {
                            assert!(matches!(r, Err(EmitError::QueueFull { .. })), "{r:?}");
                        } else if let Err(EmitError::QueueBytesFull { .. }) = r {
                            assert!(before > 0, "an empty buffer refused a packet");
                        } else {
                            assert_eq!(r, Ok(()), "buffering within the bounds must succeed");
                            assert_eq!(io.buffered(id), before + 1);
                            let len = io.buffered_bytes(id) - before_bytes;
                            m.largest_buffered = m.largest_buffered.max(len);
                        }
                    }
                }
            }
            Op::EmitVolatile { s } => {
                if let Some((i, id)) = m.pick_socket(s) {
                    let r = io.emit_volatile(id, "v", &args(false));
                    if !m.sockets[i].1.connected {
                        assert_eq!(r, Ok(false));
                    }
                }
            }
            Op::EmitWithAck { s, timeout, binary } => {
                if let Some((i, id)) = m.pick_socket(s) {
                    let timeout = timeout.map(|t| Duration::from_millis(u64::from(t) * 2));
                    let before_bytes = io.buffered_bytes(id);
                    let r = io.emit_with_ack(now, id, "q", &args(binary), timeout);
                    let len = io.buffered_bytes(id).saturating_sub(before_bytes);
                    m.largest_buffered = m.largest_buffered.max(len);
                    let sm = &mut m.sockets[i].1;
                    match r {
                        Ok(ack) => {
                            assert!(!sm.used.contains(&ack), "ack id handed out twice");
                            assert!(sm.pending.len() < max_acks);
                            sm.used.push(ack);
                            sm.pending.insert(ack);
                        }
                        Err(e) => assert!(
                            matches!(
                                e,
                                EmitError::QueueFull { .. }
                                    | EmitError::QueueBytesFull { .. }
                                    | EmitError::TooManyPendingAcks { .. }
                            ),
                            "{e:?}"
                        ),
                    }
                }
            }
            Op::AckServer { which, binary } => {
                if m.tokens.is_empty() {
                    continue;
                }
                let token = m.tokens.remove(usize::from(which) % m.tokens.len());
                let connected = m.sock(token.socket()).connected;
                let r = io.ack(token, &args(binary));
                if !connected {
                    assert_eq!(r, Err(AckError::Stale));
                }
            }
            Op::Close => {
                io.close(now);
                assert!(!io.is_reconnecting());
                m.cycle = 0;
            }
            Op::Open => io.open(now),
            Op::Advance(ms) => now += Duration::from_millis(ms.into()),
            Op::Backwards(ms) => {
                now = now
                    .checked_sub(Duration::from_millis(ms.into()))
                    .unwrap_or(now)
            }
            Op::Timeout => {
                feed(&mut io, now, In::Timeout);
                timed_out = true;
            }
            Op::FireNextTimer => {
                if let Some(at) = m.deadline {
                    now = now.max(at);
                    feed(&mut io, now, In::Timeout);
                    timed_out = true;
                }
            }
        }
        drain(&mut io, &mut m);
        if timed_out && !input.allow_zero {
            if let Some(t) = m.deadline {
                // The manager's clock may be later than `now` (time went backwards);
                // a timer at or before the `now` just handled would be a busy loop.
                assert!(t > now, "Output::Timeout not after now: busy loop");
            }
        }
    }
    // The leak check: after the shutdown and every timer, no table holds anything.
    io.shutdown(now);
    drain(&mut io, &mut m);
    for _ in 0..64 {
        let Some(at) = m.deadline else { break };
        now = now.max(at);
        feed(&mut io, now, In::Timeout);
        drain(&mut io, &mut m);
    }
    assert_eq!(m.deadline, None, "a timer survived the shutdown");
    assert_eq!(io.leaks(), Vec::new(), "leaked table entries");
}
