//! The fuzz input: configuration knobs and the operations, derived with `Arbitrary`.

use arbitrary::Arbitrary;

/// Namespaces the server talks about; the client creates sockets for the first two.
pub const NSPS: [&str; 3] = ["/", "/chat", "/x"];
/// Request and WebSocket ids carry the engine generation above this bit.
pub const GEN_SHIFT: u32 = 32;

/// An ack id in a packet from the server.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum AckId {
    /// One of the ids the client handed out on that socket.
    Used(u8),
    /// Anything.
    Random(u64),
}

/// A Socket.IO packet from the server (`nsp` indexes [`NSPS`]).
#[derive(Arbitrary, Debug)]
pub enum Sio {
    ConnectOk {
        nsp: u8,
        sid: u8,
    },
    ConnectNoSid {
        nsp: u8,
    },
    ConnectError {
        nsp: u8,
        data: bool,
    },
    Event {
        nsp: u8,
        ack: Option<AckId>,
    },
    Ack {
        nsp: u8,
        id: AckId,
    },
    /// A BINARY_EVENT/BINARY_ACK header followed by `sent` of its `declared` attachments.
    Binary {
        nsp: u8,
        ack_reply: bool,
        id: Option<AckId>,
        declared: u8,
        sent: u8,
    },
    Disconnect {
        nsp: u8,
    },
    Raw(String),
}

/// One Engine.IO record of a polling body, or one text frame.
#[derive(Arbitrary, Debug)]
pub enum Record {
    Open {
        websocket: bool,
        interval: u8,
        timeout: u8,
    },
    Ping,
    Noop,
    Close,
    Upgrade,
    Sio(Sio),
    Attachment(Vec<u8>),
    Raw(String),
}

/// A polling response body: structured records or raw bytes.
#[derive(Arbitrary, Debug)]
pub enum Body {
    Records(Vec<Record>),
    Bytes(Vec<u8>),
}

/// A WebSocket frame (or frames) from the server.
#[derive(Arbitrary, Debug)]
pub enum Frame {
    /// A Socket.IO packet (a binary one is followed by its attachment frames).
    Sio(Sio),
    /// Any Engine.IO-level record as a text frame.
    Record(Record),
    PongProbe,
    Binary(Vec<u8>),
}

/// One step: a report from the network, an application command, or time passing.
#[derive(Arbitrary, Debug)]
pub enum Op {
    Respond {
        which: u8,
        status: u8,
        body: Body,
    },
    /// A shortcut to the interesting states: answers the newest outstanding GET with the
    /// handshake (if `handshake`), then [`hello_parts`].
    Hello {
        handshake: bool,
        then: Vec<Record>,
    },
    /// The same records as frames on the newest WebSocket (binary frame for the
    /// attachment).
    WsHello {
        handshake: bool,
        then: Vec<Record>,
    },
    HttpError {
        which: u8,
    },
    WsOpened {
        which: u8,
    },
    WsFrame {
        which: u8,
        frame: Frame,
    },
    WsClosed {
        which: u8,
    },
    WsError {
        which: u8,
    },
    Socket {
        nsp: u8,
    },
    Connect {
        s: u8,
    },
    Disconnect {
        s: u8,
    },
    Emit {
        s: u8,
        binary: bool,
    },
    EmitVolatile {
        s: u8,
    },
    EmitWithAck {
        s: u8,
        timeout: Option<u8>,
        binary: bool,
    },
    AckServer {
        which: u8,
        binary: bool,
    },
    Close,
    Open,
    Advance(u16),
    Backwards(u16),
    Timeout,
    FireNextTimer,
}

/// The whole fuzz input: the client configuration knobs, then the steps.
#[derive(Arbitrary, Debug)]
pub struct Input {
    /// Allow zero delays and timeouts (timers created already due: the busy-loop check
    /// is then off, since handle_timeout legitimately leaves a due timer behind).
    pub allow_zero: bool,
    pub transports: u8,
    pub upgrade: bool,
    pub request_timeout: Option<u8>,
    pub max_queued: u8,
    pub reconnection: bool,
    pub attempts: Option<u8>,
    pub delay: u8,
    pub delay_factor: u8,
    pub jitter: u8,
    pub seed: u64,
    pub open_timeout: Option<u8>,
    pub max_buffered: u8,
    pub max_acks: u8,
    pub max_attachments: u8,
    pub max_buffered_bytes: u8,
    pub max_queued_bytes: u8,
    pub max_attachment_bytes: u8,
    pub ops: Vec<Op>,
}
