//! The client's byte budgets (issue 10): the Engine.IO client's write queue, a socket's
//! offline buffer, and attachments being reassembled. Each test ends with the leak
//! check.
mod common;

use bytes::Bytes;
use common::client_engine_harness::*;
use socketio_proto::client::engine::EngineConfig;
use socketio_proto::client::io::{IoEvent, Manager, ManagerConfig};
use socketio_proto::client::{DisconnectReason, Input, Method, RequestId, Transmit, Transport};
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::engineio::Message;
use socketio_proto::error::{EmitError, SendError};
use socketio_proto::ids::FixedRandom;
use socketio_proto::socketio::Value;
use std::time::{Duration, Instant};

fn msg(s: &str) -> Message {
    Message::Text(s.into())
}

/// Polling, 10 bytes of queue: what waits behind the POST in flight is bounded in
/// bytes; an empty queue takes one message whatever its size.
#[test]
fn engine_write_queue_is_bounded_in_bytes() {
    let mut c: EngineConfig = Script::config();
    c.transports = vec![Transport::Polling];
    c.max_queued_bytes = 10;
    assert_eq!(EngineConfig::new("h", 1).max_queued_bytes, 1 << 20);
    let mut s = Script::new(c);
    let (t, _) = s.take();
    s.respond(get(&t), 200, OPEN_NO_UPGRADE);
    s.take();
    s.app_send(msg("aaaa")).unwrap(); // goes out in a POST at once
    let (t, _) = s.take();
    let p1 = post(&t);
    s.app_send(msg("bbbbbb")).unwrap();
    s.app_send(msg("cccc")).unwrap();
    assert_eq!(s.client.queued_bytes(), 10);
    assert_eq!(
        s.app_send(msg("d")),
        Err(SendError::QueueBytesFull { limit: 10 })
    );
    // All or none for a packet and its attachments.
    assert_eq!(
        s.client
            .send_many([msg(""), Message::Binary(Bytes::from_static(b"x"))]),
        Err(SendError::QueueBytesFull { limit: 10 })
    );
    s.respond(p1.id, 200, "ok");
    let (t, _) = s.take();
    let p2 = post(&t);
    assert_eq!(p2.body, Bytes::from_static(b"4bbbbbb\x1e4cccc"));
    assert_eq!(s.client.queued_bytes(), 0);
    // An empty queue (behind the POST in flight) takes a message larger than the limit.
    s.app_send(msg(&"e".repeat(100))).unwrap();
    assert_eq!(s.client.queued_bytes(), 100);
    assert_eq!(
        s.app_send(msg("f")),
        Err(SendError::QueueBytesFull { limit: 10 })
    );
    s.respond(p2.id, 200, "ok");
    s.take();
    assert_eq!(s.client.queued_bytes(), 0);
}

/// A socket's offline buffer is bounded in bytes, attachments included.
#[test]
fn offline_buffer_is_bounded_in_bytes() {
    let mut c = ManagerConfig::new("127.0.0.1", 3000);
    assert_eq!(c.max_buffered_bytes, 1 << 20);
    c.max_buffered_bytes = 40;
    let mut m = Manager::new(c, Box::new(FixedRandom::new(vec![0.5]))).unwrap();
    let now = Instant::now();
    let s = m.socket("/", None).unwrap();
    m.emit(s, "e", &("0123456789",)).unwrap(); // 2["e","0123456789"]: 19 bytes
    m.emit(s, "e", &("0123456789",)).unwrap();
    assert_eq!(m.buffered_bytes(s), 38);
    assert_eq!(
        m.emit(s, "e", &()),
        Err(EmitError::QueueBytesFull { limit: 40 })
    );
    assert_eq!(
        m.emit_with_ack(
            now,
            s,
            "e",
            &(Value::Binary(Bytes::from_static(b"xyz")),),
            None
        ),
        Err(EmitError::QueueBytesFull { limit: 40 })
    );
    assert_eq!(m.pending_acks(s), 0, "a refused emit_with_ack keeps no ack");
    assert_eq!(m.buffered(s), 2);
    m.shutdown(now);
    while !matches!(m.poll_output(), Output::Timeout(_)) {}
    assert_eq!(m.buffered_bytes(s), 0);
    assert_eq!(m.leaks(), vec![], "leaked table entries");
}

fn drain(io: &mut Manager) -> (Vec<Transmit>, Vec<IoEvent>) {
    let (mut t, mut e) = (Vec::new(), Vec::new());
    loop {
        match io.poll_output() {
            Output::Transmit(x) => t.push(x),
            Output::Event(x) => e.push(x),
            Output::Timeout(_) => return (t, e),
        }
    }
}

fn get_request(t: &[Transmit]) -> RequestId {
    t.iter()
        .find_map(|t| match t {
            Transmit::HttpRequest { request, req } if req.method == Method::Get => Some(*request),
            _ => None,
        })
        .expect("a GET")
}

/// A hostile server sends a binary event whose attachment is larger than the client's
/// `max_attachment_bytes`: the connection closes with `parse error` (and reconnects),
/// nothing of the partial packet stays.
#[test]
fn attachments_beyond_the_byte_limit_close_with_parse_error() {
    let mut c = ManagerConfig::new("localhost", 3000);
    assert_eq!(c.max_attachment_bytes, 100_000_000);
    c.engine.transports = vec![Transport::Polling];
    c.max_attachment_bytes = 4;
    let mut io = Manager::new(c, Box::new(FixedRandom::new(vec![0.0]))).unwrap();
    let t0 = Instant::now();
    let main = io.socket("/", None).unwrap();
    io.connect(t0, main).unwrap();
    let (t, _) = drain(&mut io);
    let hs = get_request(&t);
    let open = "0{\"sid\":\"e\",\"upgrades\":[],\"pingInterval\":1000,\"pingTimeout\":1000,\"maxPayload\":1000}";
    let body = format!(
        "{open}\x1e40{{\"sid\":\"a\"}}\x1e451-[\"ev\",{{\"_placeholder\":true,\"num\":0}}]\x1eb{}",
        "AQIDBAU=" // 5 bytes
    );
    io.handle_input(
        t0,
        Input::HttpResponse {
            request: hs,
            status: 200,
            body: Bytes::from(body),
        },
    )
    .unwrap();
    let (_, evs) = drain(&mut io);
    assert!(
        evs.contains(&IoEvent::Disconnected {
            socket: main,
            reason: DisconnectReason::ParseError
        }),
        "{evs:?}"
    );
    assert!(!evs.iter().any(|e| matches!(e, IoEvent::Event { .. })));
    assert!(io.is_reconnecting());
    let now = t0 + Duration::from_millis(1);
    io.shutdown(now);
    let _ = drain(&mut io);
    assert_eq!(io.leaks(), vec![], "leaked table entries");
}
