//! The client's bytes on the wire: HTTP/1.1 requests out, response heads and bodies in
//! (httparse), masked WebSocket frames out and server frames in (tungstenite's frame
//! header codec, no stream wrapper: the loop parses straight out of its buffers).

use bytes::{Bytes, BytesMut};
use socketio_proto::client::{HttpRequest, Method};
use socketio_proto::engineio::WsMessage;
use socketio_proto::Utf8Bytes;
use std::io::{Cursor, Write};
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

/// Response heads longer than this fail the request.
const MAX_HEAD: usize = 8 * 1024;

/// Appends `req` as an HTTP/1.1 request to `host` (the body is copied in).
pub fn write_request(out: &mut Vec<u8>, host: &str, req: &HttpRequest) {
    let _ = write!(
        out,
        "{} {} HTTP/1.1\r\nHost: {host}\r\n",
        req.method.as_str(),
        req.uri
    );
    for (name, value) in [("Content-Type", &req.content_type), ("Origin", &req.origin)] {
        if let Some(value) = value {
            let _ = write!(out, "{name}: {value}\r\n");
        }
    }
    if req.method != Method::Get || !req.body.is_empty() {
        let _ = write!(out, "Content-Length: {}\r\n", req.body.len());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&req.body);
}

/// Appends the upgrade request for `uri`; returns the `Sec-WebSocket-Accept` to expect.
pub fn write_upgrade(out: &mut Vec<u8>, host: &str, uri: &str) -> String {
    let key = tungstenite::handshake::client::generate_key();
    let _ = write!(
        out,
        "GET {uri} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tungstenite::handshake::derive_accept_key(key.as_bytes())
}

/// A complete response, taken off the front of the buffer.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body (de-chunked).
    pub body: Bytes,
    /// Whether the connection may carry another request.
    pub keep_alive: bool,
    /// `Sec-WebSocket-Accept`, if sent.
    pub accept: Option<String>,
}

/// Takes the response at the front of `buf`: `Ok(None)` until it is complete, `Err` for
/// a malformed one, a body over `max` or one without length (Node always sends
/// `Content-Length`; chunked bodies are decoded). A `101` ends at its head.
pub fn take_response(buf: &mut BytesMut, max: usize) -> Result<Option<Response>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut r = httparse::Response::new(&mut headers);
    let head = match r.parse(&buf[..]).map_err(drop)? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial if buf.len() <= MAX_HEAD => return Ok(None),
        httparse::Status::Partial => return Err(()),
    };
    let text = |name: &str| {
        let h = r
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(h.value).ok().map(str::trim)
    };
    let is = |name: &str, value: &str| text(name).is_some_and(|v| v.eq_ignore_ascii_case(value));
    let status = r.code.unwrap_or(0);
    let length = match text("content-length").map(str::parse::<usize>) {
        _ if status < 200 || status == 204 || status == 304 => Some(0),
        _ if is("transfer-encoding", "chunked") => None,
        Some(Ok(n)) if n <= max => Some(n),
        _ => return Err(()),
    };
    let keep_alive = r.version == Some(1) && !is("connection", "close");
    let accept = text("sec-websocket-accept").map(str::to_owned);
    let (body, used) = match length {
        Some(n) if buf.len() - head >= n => (None, n),
        None => match dechunk(&buf[head..], max)? {
            Some((body, used)) => (Some(body), used),
            None if buf.len() - head > max.saturating_mul(8) => return Err(()),
            None => return Ok(None),
        },
        Some(_) => return Ok(None),
    };
    let mut taken = buf.split_to(head + used);
    let body = body.unwrap_or_else(|| taken.split_off(head).freeze());
    Ok(Some(Response {
        status,
        body,
        keep_alive,
        accept,
    }))
}

/// Decodes a chunked body (no trailers): `Some((body, bytes used))` once complete.
fn dechunk(data: &[u8], max: usize) -> Result<Option<(Bytes, usize)>, ()> {
    let (mut pos, mut body) = (0, Vec::new());
    loop {
        let (n, size) = match httparse::parse_chunk_size(&data[pos..]).map_err(drop)? {
            httparse::Status::Complete(c) => c,
            httparse::Status::Partial => return Ok(None),
        };
        let size = usize::try_from(size)
            .ok()
            .filter(|s| body.len() + s <= max)
            .ok_or(())?;
        let end = pos + n + size;
        match data.get(end..end + 2) {
            None => return Ok(None),
            Some(b"\r\n") if size == 0 => return Ok(Some((body.into(), end + 2))),
            Some(b"\r\n") => body.extend_from_slice(&data[pos + n..end]),
            Some(_) => return Err(()),
        }
        pos = end + 2;
    }
}

/// Appends one final frame, masked as a client must (the payload is copied in).
pub fn write_frame(out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
    let mask: [u8; 4] = rand::random();
    let header = FrameHeader {
        opcode,
        mask: Some(mask),
        ..FrameHeader::default()
    };
    let _ = header.format(payload.len() as u64, out);
    let start = out.len();
    out.extend_from_slice(payload);
    for (i, b) in out[start..].iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

/// Appends `msg` as a text or binary frame.
pub fn write_message(out: &mut Vec<u8>, msg: &WsMessage) {
    match msg {
        WsMessage::Text(t) => write_frame(out, OpCode::Data(Data::Text), t.as_bytes()),
        WsMessage::Binary(b) => write_frame(out, OpCode::Data(Data::Binary), b),
    }
}

/// A message split over frames: (is text, bytes so far).
pub type Fragment = Option<(bool, Vec<u8>)>;

/// What the server sent.
pub enum Frame {
    /// A whole message.
    Message(WsMessage),
    /// A ping, to answer with this payload.
    Ping(Bytes),
    /// A close frame.
    Close,
}

/// Takes the next frame that means something off the front of `buf`: `Ok(None)` until
/// one is complete, `Err` for a protocol violation or a message over `max`.
pub fn take_frame(
    buf: &mut BytesMut,
    max: usize,
    frag: &mut Fragment,
) -> Result<Option<Frame>, ()> {
    loop {
        let mut cur = Cursor::new(&buf[..]);
        let Some((h, len)) = FrameHeader::parse(&mut cur).map_err(drop)? else {
            return Ok(None);
        };
        let start = cur.position() as usize;
        let len = usize::try_from(len).ok().filter(|&l| l <= max).ok_or(())?;
        if buf.len() - start < len {
            return Ok(None);
        }
        if h.mask.is_some() || h.rsv1 || h.rsv2 || h.rsv3 {
            return Err(()); // servers must not mask; no extension was negotiated
        }
        let payload = buf.split_to(start + len).split_off(start).freeze();
        let (text, whole) = match (h.opcode, frag.as_mut()) {
            (OpCode::Data(d @ (Data::Text | Data::Binary)), None) if h.is_final => {
                (d == Data::Text, payload)
            }
            (OpCode::Data(d @ (Data::Text | Data::Binary)), None) => {
                *frag = Some((d == Data::Text, payload.to_vec()));
                continue;
            }
            (OpCode::Data(Data::Continue), Some((_, so_far))) if so_far.len() + len <= max => {
                so_far.extend_from_slice(&payload);
                match frag.take() {
                    Some((text, so_far)) if h.is_final => (text, Bytes::from(so_far)),
                    f => {
                        *frag = f;
                        continue;
                    }
                }
            }
            (OpCode::Control(Control::Ping), _) => return Ok(Some(Frame::Ping(payload))),
            (OpCode::Control(Control::Pong), _) => continue,
            (OpCode::Control(Control::Close), _) => return Ok(Some(Frame::Close)),
            _ => return Err(()),
        };
        return Ok(Some(Frame::Message(match text {
            true => WsMessage::Text(Utf8Bytes::from_bytes(whole).map_err(drop)?),
            false => WsMessage::Binary(whole),
        })));
    }
}
