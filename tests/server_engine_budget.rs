//! Engine.IO server: the outgoing byte budget of each session (issue 10). A polling
//! client that never polls, a WebSocket whose adapter reports a backlog, a session in the
//! middle of an upgrade: each stays within `max_queued_bytes`, sends beyond it are
//! refused with a typed error, and a session over budget past `over_budget_grace` is
//! closed with `slow consumer`. Every scenario ends with the leak check.
mod common;
mod server_engine_support;

use common::with_snapshots;
use server_engine_support::*;
use socketio_proto::driver::{Core, Output, Tables};
use socketio_proto::error::{ConfigError, SendError};
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::engine::{EngineConfig, EngineEvent, EngineServer, OutMessage};
use socketio_proto::server::{CloseReason, HttpRequest, Input, RequestId, Transmit};
use std::time::{Duration, Instant};

/// A small budget: 16 bytes, 4 packets, 5 s of grace.
fn small() -> EngineConfig {
    EngineConfig {
        max_payload: 10,
        max_queued_bytes: 16,
        max_queued_packets: 4,
        over_budget_grace: Duration::from_secs(5),
        ..EngineConfig::default()
    }
}

/// An application send, noted in the trace with its outcome.
fn try_send(
    h: &mut H,
    s: socketio_proto::server::engine::SessionId,
    text: &str,
) -> Result<(), SendError> {
    let r = h.server.send(s, text);
    let shown = match &r {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("refused: {e}"),
    };
    h.trace
        .line(h.now, format!("app send s{} {text:?}: {shown}", s.as_u64()));
    h.drain();
    r
}

#[test]
fn config_refuses_a_byte_budget_below_max_payload() {
    let config = EngineConfig {
        max_queued_bytes: 999_999,
        ..EngineConfig::default()
    };
    let err: Option<ConfigError> =
        EngineServer::new(config, Box::new(SequentialIds::new("s"))).err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("invalid configuration: max_queued_bytes must be at least max_payload")
    );
    let d = EngineConfig::default();
    assert_eq!(d.max_queued_bytes, 1 << 20);
    assert_eq!(d.over_budget_grace, Duration::from_secs(20));
    assert_eq!(d.max_header_bytes, 16 * 1024);
}

/// A polling session between polls: a send beyond 16 bytes is refused and starts the
/// over-budget state; a poll takes the queue and ends it; refused again and left alone,
/// the session is closed after the grace period.
#[test]
fn polling_session_over_budget_is_relieved_by_a_poll_and_closed_after_the_grace() {
    let mut h = H::with(small());
    let s = h.handshake_polling();
    try_send(&mut h, s, "abcdefgh").unwrap(); // "4abcdefgh": 9 bytes
    assert_eq!(h.server.queued_bytes(s), Some(9));
    assert_eq!(
        try_send(&mut h, s, "12345678"),
        Err(SendError::QueueBytesFull { limit: 16 })
    );
    assert_eq!(h.server.queued_bytes(s), Some(9), "nothing queued");
    assert_eq!(h.server.over_budget_since(s), Some(h.now));

    h.at(1000);
    let g = h.get(&poll_uri(SID1));
    assert_eq!(h.body(g), "4abcdefgh");
    assert_eq!(
        h.server.over_budget_since(s),
        None,
        "the poll emptied the queue"
    );

    h.at(2000);
    h.timeout(); // an input at 2 s: the time a refusal is stamped with
    try_send(&mut h, s, "1234567").unwrap();
    try_send(&mut h, s, "x").unwrap();
    try_send(&mut h, s, "a").unwrap();
    try_send(&mut h, s, "b").unwrap();
    // Packets too: a fifth one waiting is refused (14 bytes, 4 packets).
    assert_eq!(
        try_send(&mut h, s, "c"),
        Err(SendError::QueueFull { limit: 4 })
    );
    let since = h.server.over_budget_since(s).expect("over budget");
    assert_eq!(since, h.t0 + Duration::from_millis(2000));

    // The client never polls again; its pongs would not help either.
    h.post(&poll_uri(SID1), "3");
    h.at(6999);
    assert_eq!(h.closed_reason(s), None);
    h.at(7000);
    assert_eq!(h.closed_reason(s), Some("slow consumer"));
    assert_eq!(h.server.session_count(), 0);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

/// The adapter's reported WebSocket backlog counts toward the budget: past the limit the
/// session is over budget and sends are refused, back under half of it the session is
/// relieved, and left over it the WebSocket is closed after the grace period.
#[test]
fn websocket_backlog_counts_toward_the_budget() {
    let mut h = H::with(small());
    let conn = h.ws_open(WS);
    let s = h.last_opened();
    let backlog = |h: &mut H, bytes: usize| {
        h.trace.line(
            h.now,
            format!("→ ws{} backlog {bytes} bytes", conn.as_u64()),
        );
        h.server
            .handle_input(h.now, Input::WsBacklog { conn, bytes })
            .unwrap();
        h.drain();
    };
    backlog(&mut h, 10);
    try_send(&mut h, s, "abc").unwrap(); // 10 + 4 fits
    assert_eq!(
        try_send(&mut h, s, "abcdef"),
        Err(SendError::QueueBytesFull { limit: 16 })
    );
    assert_eq!(h.server.queued_bytes(s), Some(0), "nothing queued");
    assert_eq!(h.server.ws_backlog(s), Some(10));
    assert!(h.server.over_budget_since(s).is_some());
    h.at(1000);
    backlog(&mut h, 9);
    assert!(
        h.server.over_budget_since(s).is_some(),
        "above half: still over"
    );
    backlog(&mut h, 8);
    assert_eq!(h.server.over_budget_since(s), None, "half: relieved");

    h.at(2000);
    backlog(&mut h, 17);
    assert_eq!(
        h.server.over_budget_since(s),
        Some(h.t0 + Duration::from_millis(2000)),
        "a backlog past the limit is over budget by itself"
    );
    h.at(7000);
    assert_eq!(h.closed_reason(s), Some("slow consumer"));
    assert_eq!(h.ws_closed, vec![conn]);
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

/// `send_many` is all or none in bytes as in packets.
#[test]
fn send_many_is_all_or_nothing_in_bytes() {
    let mut h = H::with(small());
    let s = h.handshake_polling();
    let msgs = [OutMessage::from("abcdefgh"), OutMessage::from("abcdefgh")];
    assert_eq!(
        h.server.send_many(s, msgs),
        Err(SendError::QueueBytesFull { limit: 16 })
    );
    assert_eq!(
        (h.server.queued(s), h.server.queued_bytes(s)),
        (Some(0), Some(0))
    );
    let msgs = [OutMessage::from("abcdef"), OutMessage::from("abcdef")];
    h.server.send_many(s, msgs).unwrap();
    assert_eq!(h.server.queued_bytes(s), Some(14));
    let g = h.get(&poll_uri(SID1));
    assert_eq!(h.body(g), "4abcdef");
    let g = h.get(&poll_uri(SID1));
    assert_eq!(h.body(g), "4abcdef");
    assert_eq!(h.server.queued_bytes(s), Some(0));
}

/// During an upgrade (probe answered) messages wait in the queue: bounded the same way,
/// and flushed to the WebSocket when the upgrade completes, which relieves the session.
#[test]
fn upgrade_queue_is_bounded_in_bytes() {
    let mut h = H::with(small());
    let s = h.handshake_polling();
    let poll = h.get(&poll_uri(SID1));
    let conn = h.ws_open(&ws_uri(SID1));
    h.ws_send(conn, "2probe");
    assert_eq!(h.body(poll), "6");
    try_send(&mut h, s, "abcdefghi").unwrap();
    assert_eq!(
        try_send(&mut h, s, "abcdefghi"),
        Err(SendError::QueueBytesFull { limit: 16 })
    );
    h.ws_send(conn, "5");
    assert_eq!(
        h.ws_texts(conn).last().map(String::as_str),
        Some("4abcdefghi")
    );
    assert_eq!(h.server.over_budget_since(s), None);
    try_send(&mut h, s, "abcdefghi").unwrap();
    with_snapshots(|| insta::assert_snapshot!(h.trace));
}

// ----- the case, at full size, on the default configuration -----

struct Big {
    server: EngineServer,
    t0: Instant,
    now: Instant,
    next: u64,
    events: Vec<EngineEvent>,
    peak: usize,
}

impl Big {
    fn new(config: EngineConfig) -> Self {
        let t0 = Instant::now();
        Big {
            server: EngineServer::new(config, Box::new(SequentialIds::new("s"))).unwrap(),
            t0,
            now: t0,
            next: 0,
            events: Vec::new(),
            peak: 0,
        }
    }

    /// Feeds a request; returns its response status, if answered now.
    fn request(&mut self, req: HttpRequest) -> Option<u16> {
        self.next += 1;
        let request = RequestId::new(self.next);
        self.server
            .handle_input(self.now, Input::HttpRequest { request, req })
            .unwrap();
        self.drain(request)
    }

    /// Drains the outputs (the response to `request`, if any); tracks the peak bytes
    /// held for any session.
    fn drain(&mut self, request: RequestId) -> Option<u16> {
        let mut status = None;
        loop {
            match self.server.poll_output() {
                Output::Event(e) => self.events.push(e),
                Output::Transmit(Transmit::HttpResponse {
                    request: r,
                    response,
                }) => {
                    if r == request {
                        status = Some(response.status);
                    }
                }
                Output::Transmit(_) => {}
                Output::Timeout(_) => break,
            }
        }
        let held = self.events.iter().find_map(|e| match e {
            EngineEvent::Opened { session, .. } => self.server.queued_bytes(*session),
            _ => None,
        });
        self.peak = self.peak.max(held.unwrap_or(0));
        status
    }

    fn at(&mut self, ms: u64) {
        let target = self.t0 + Duration::from_millis(ms);
        self.drain(RequestId::new(0));
        while let Output::Timeout(Some(t)) = self.server.poll_output() {
            if t > target {
                break;
            }
            self.now = self.now.max(t);
            self.server.handle_input(self.now, Input::Timeout).unwrap();
            self.drain(RequestId::new(0));
        }
        self.now = self.now.max(target);
    }

    /// Echoes every message event not echoed yet (what the demo's echo server does);
    /// returns (sent, refused for bytes).
    fn echo(&mut self, from: usize) -> (usize, usize) {
        let msgs: Vec<_> = self.events[from..]
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Message { session, msg } => Some((*session, msg.clone())),
                _ => None,
            })
            .collect();
        let (mut sent, mut refused) = (0, 0);
        for (session, msg) in msgs {
            match self.server.send(session, msg) {
                Ok(()) => sent += 1,
                Err(SendError::QueueBytesFull { .. }) => refused += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        let _ = self.drain(RequestId::new(0));
        (sent, refused)
    }

    fn closed(&self) -> Option<CloseReason> {
        self.events.iter().find_map(|e| match e {
            EngineEvent::Closed { reason, .. } => Some(*reason),
            _ => None,
        })
    }
}

const POLL_SID: &str = "/engine.io/?EIO=4&transport=polling&sid=s0000000000000000001";

/// A polling client that never GETs and keeps itself alive with pongs, while 107 POSTs
/// of 900 kB are echoed to it: the server holds one echo (900 kB, under the 1 MiB
/// budget), refuses the other 106, and closes the session 20 s after the first refusal.
/// (Before the budget it held 96 MB.)
#[test]
fn a_client_that_never_polls_stays_under_the_byte_budget() {
    let mut b = Big::new(EngineConfig::default());
    assert_eq!(
        b.request(HttpRequest::get("/engine.io/?EIO=4&transport=polling")),
        Some(200)
    );
    let body = format!("4{}", "x".repeat(899_999));
    let (mut sent, mut refused) = (0, 0);
    for i in 0..107u64 {
        b.at(100 * i);
        let from = b.events.len();
        assert_eq!(
            b.request(HttpRequest::post(POLL_SID, body.clone())),
            Some(200)
        );
        let (s, r) = b.echo(from);
        sent += s;
        refused += r;
        if i % 50 == 0 {
            // The pong that keeps the heartbeat happy (sent blind: it never polls).
            assert_eq!(b.request(HttpRequest::post(POLL_SID, "3")), Some(200));
        }
    }
    assert_eq!((sent, refused), (1, 106));
    assert!(b.peak <= 1 << 20, "peak {} bytes", b.peak);
    assert_eq!(b.peak, 900_000, "one echo");
    assert_eq!(b.closed(), None);
    // Over budget from the second echo, at 100 ms: closed at 20.1 s.
    b.at(20_099);
    assert_eq!(b.closed(), None);
    b.at(20_100);
    assert_eq!(b.closed(), Some(CloseReason::SlowConsumer));
    assert_eq!(b.request(HttpRequest::post(POLL_SID, "3")), Some(400));
    assert_eq!(b.server.leaks(), vec![]);
}

/// The same client with a grace too long to matter, kept alive by a blind pong every
/// 30 s for ten minutes: the queue never holds more than the budget, and the pings it
/// never receives do not pile up (one waits at a time).
#[test]
fn a_client_kept_alive_for_ten_minutes_holds_one_echo_and_one_ping() {
    let mut b = Big::new(EngineConfig {
        over_budget_grace: Duration::from_secs(3600),
        ..EngineConfig::default()
    });
    b.request(HttpRequest::get("/engine.io/?EIO=4&transport=polling"));
    let body = format!("4{}", "y".repeat(899_999));
    let session = b.server.session_by_sid("s0000000000000000001").unwrap();
    for i in 0..20u64 {
        b.at(30_000 * i);
        let from = b.events.len();
        b.request(HttpRequest::post(POLL_SID, body.clone()));
        b.echo(from);
        b.request(HttpRequest::post(POLL_SID, "3"));
        assert!(
            b.server.queued(session).unwrap() <= 2,
            "the echo and one ping"
        );
    }
    assert!(b.peak <= 1 << 20);
    assert_eq!(b.closed(), None);
    b.server.close_session(b.now, session).unwrap();
    b.at(30_000 * 20 + 20_000);
    assert_eq!(b.server.leaks(), vec![]);
}
