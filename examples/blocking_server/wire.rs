//! The bytes on the wire: HTTP/1.1 request heads in (httparse), responses out, and
//! WebSocket frames both ways (tungstenite's frame header codec; no stream wrapper, so
//! the loop can parse straight out of its one shared read buffer).

use bytes::Bytes;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{handshake, HttpRequest, HttpResponse, Method};
use socketio_proto::Utf8Bytes;
use std::io::{Cursor, Write};
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

/// Request heads longer than this are refused (`431`): the core's header budget plus
/// room for the request line.
pub const MAX_HEAD: usize = socketio_proto::server::DEFAULT_MAX_HEADER_BYTES + 1024;

/// A complete request head.
pub struct Head {
    /// The request, body still empty.
    pub req: HttpRequest,
    /// Bytes of the head, up to and including the blank line.
    pub len: usize,
    pub content_length: usize,
    pub keep_alive: bool,
    /// `Some(Sec-WebSocket-Accept)`: a WebSocket upgrade.
    pub ws_accept: Option<String>,
}

/// A bodiless refusal.
fn refuse(status: u16) -> HttpResponse {
    HttpResponse {
        status,
        headers: Vec::new(),
        body: Bytes::new(),
    }
}

/// Parses the head at the start of `buf`: `Ok(None)` until it is complete, `Err` with
/// the response for a request to refuse (the header budget and the RFC 6455 upgrade
/// checks are the core's, `server::handshake`).
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, HttpResponse> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut r = httparse::Request::new(&mut headers);
    let len = match r.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => return Ok(None),
        Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
            return Err(handshake::header_too_large())
        }
        Err(_) => return Err(refuse(400)),
    };
    let all = || r.headers.iter().map(|h| (h.name, h.value));
    handshake::check_header_bytes(all(), socketio_proto::server::DEFAULT_MAX_HEADER_BYTES)?;
    let text = |name: &str| {
        let h = r
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(h.value).ok()
    };
    let has = |name: &str, token: &str| {
        text(name).is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case(token)))
    };
    if text("transfer-encoding").is_some() {
        return Err(refuse(501)); // chunked request bodies: no Engine.IO client sends them
    }
    let content_length = match text("content-length").map(|v| v.trim().parse()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Err(refuse(400)),
    };
    let method = r.method.unwrap_or("");
    let ws_accept = match text("upgrade") {
        Some(_) if method == "GET" => Some(handshake::check_ws_upgrade(all())?.accept_key),
        _ => None,
    };
    Ok(Some(Head {
        req: HttpRequest {
            method: Method::parse(method),
            uri: r.path.unwrap_or("/").to_owned(),
            origin: text("origin").map(str::to_owned),
            content_type: text("content-type").map(str::to_owned),
            body: Bytes::new(),
        },
        len,
        content_length,
        keep_alive: match r.version {
            Some(0) => has("connection", "keep-alive"),
            _ => !has("connection", "close"),
        },
        ws_accept,
    }))
}

/// Appends `resp` as an HTTP/1.1 response (with `Content-Length` from its body).
pub fn write_response(out: &mut Vec<u8>, resp: &HttpResponse, keep_alive: bool) {
    let reason = match resp.status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    };
    let _ = write!(out, "HTTP/1.1 {} {reason}\r\n", resp.status);
    for (name, value) in &resp.headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    if resp.status != 204 {
        let _ = write!(out, "Content-Length: {}\r\n", resp.body.len());
    }
    let has_connection = resp
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("connection"));
    out.extend_from_slice(if keep_alive || has_connection {
        b"\r\n"
    } else {
        b"Connection: close\r\n\r\n"
    });
    out.extend_from_slice(&resp.body);
}

/// Appends the `101` that completes an upgrade.
pub fn write_101(out: &mut Vec<u8>, accept: &str) {
    let _ = write!(
        out,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
}

/// Appends one unmasked, final frame.
pub fn write_frame(out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
    let header = FrameHeader {
        opcode,
        ..FrameHeader::default()
    };
    let _ = header.format(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

/// Appends `msg` as a text or binary frame.
pub fn write_message(out: &mut Vec<u8>, msg: &WsMessage) {
    match msg {
        WsMessage::Text(t) => write_frame(out, OpCode::Data(Data::Text), t.as_bytes()),
        WsMessage::Binary(b) => write_frame(out, OpCode::Data(Data::Binary), b),
    }
}

/// What a run of client frames amounted to.
pub enum WsRead {
    /// `n` bytes were whole frames; the rest is a partial frame.
    Consumed(usize),
    /// A close frame (after `n` bytes).
    Closed,
}

/// A message split over frames: (is text, bytes so far).
pub type Fragment = Option<(bool, Vec<u8>)>;

/// Decodes the client frames in `data` (unmasking in place): messages go to `msgs`,
/// pongs for pings to `out`. `Err` for a protocol violation or a message over `max`.
pub fn read_frames(
    data: &mut [u8],
    max: usize,
    frag: &mut Fragment,
    msgs: &mut Vec<WsMessage>,
    out: &mut Vec<u8>,
) -> Result<WsRead, ()> {
    let mut pos = 0;
    loop {
        let mut cur = Cursor::new(&data[pos..]);
        let Some((h, len)) = FrameHeader::parse(&mut cur).map_err(drop)? else {
            return Ok(WsRead::Consumed(pos));
        };
        let start = pos + cur.position() as usize;
        let len = usize::try_from(len).ok().filter(|&l| l <= max).ok_or(())?;
        if data.len() - start < len {
            return Ok(WsRead::Consumed(pos));
        }
        let (Some(mask), false) = (h.mask, h.rsv1 || h.rsv2 || h.rsv3) else {
            return Err(()); // clients must mask; no extension was negotiated
        };
        let body = &mut data[start..start + len];
        for (i, b) in body.iter_mut().enumerate() {
            *b ^= mask[i & 3];
        }
        pos = start + len;
        let whole = match (h.opcode, frag.as_mut()) {
            (OpCode::Data(d @ (Data::Text | Data::Binary)), None) if h.is_final => {
                Some((d == Data::Text, Bytes::copy_from_slice(body)))
            }
            (OpCode::Data(d @ (Data::Text | Data::Binary)), None) => {
                *frag = Some((d == Data::Text, body.to_vec()));
                None
            }
            (OpCode::Data(Data::Continue), Some((_, buf))) if buf.len() + len <= max => {
                buf.extend_from_slice(body);
                match (h.is_final, frag.take()) {
                    (true, Some((text, buf))) => Some((text, Bytes::from(buf))),
                    (_, f) => {
                        *frag = f;
                        None
                    }
                }
            }
            (OpCode::Control(Control::Ping), _) => {
                write_frame(out, OpCode::Control(Control::Pong), body);
                None
            }
            (OpCode::Control(Control::Pong), _) => None,
            (OpCode::Control(Control::Close), _) => return Ok(WsRead::Closed),
            _ => return Err(()),
        };
        match whole {
            Some((true, b)) => msgs.push(WsMessage::Text(Utf8Bytes::from_bytes(b).map_err(drop)?)),
            Some((false, b)) => msgs.push(WsMessage::Binary(b)),
            None => {}
        }
    }
}
