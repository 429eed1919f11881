//! HTTP/1.1 on one TCP connection with `httparse`: keep-alive, `Content-Length` bodies
//! (read up to `max_payload + 1` bytes), a head budget, and the WebSocket upgrade. The
//! same code serves a plain TCP stream and a TLS one ([`Io`]).

use super::{lock, ws, Outbox, Shared};
use async_net::TcpStream;
use bytes::Bytes;
use futures_lite::{future, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use socketio_proto::server::{
    handshake, ConnId, HttpRequest, HttpResponse, Input, Method, RequestId,
};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A byte stream a connection is served on: `TcpStream` itself, or a TLS stream over it.
pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for S {}

/// A parsed request head.
struct Head {
    req: HttpRequest,
    content_length: usize,
    /// A WebSocket upgrade (an `Upgrade` header on a GET): the accept key, or the
    /// refusal of the core's RFC 6455 checks (`server::handshake`).
    upgrade: Option<Result<String, HttpResponse>>,
    close: bool,
}

/// Parses a head from `buf`: `Ok(None)` if incomplete, `Err(status)` if refused.
fn parse(buf: &[u8], max_head: usize) -> Result<Option<(usize, Head)>, u16> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let n = match req.parse(buf) {
        Ok(httparse::Status::Partial) if buf.len() > max_head => return Err(431),
        Ok(httparse::Status::Partial) => return Ok(None),
        Ok(httparse::Status::Complete(n)) if n > max_head => return Err(431),
        Ok(httparse::Status::Complete(n)) => n,
        Err(httparse::Error::TooManyHeaders) => return Err(431),
        Err(_) => return Err(400),
    };
    let all = || req.headers.iter().map(|h| (h.name, h.value));
    if handshake::header_bytes(all()) > socketio_proto::server::DEFAULT_MAX_HEADER_BYTES {
        return Err(431);
    }
    let header = |name: &str| {
        let h = req
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(h.value).ok().map(str::trim)
    };
    let has = |name: &str, token: &str| {
        header(name).is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    if header("transfer-encoding").is_some() {
        return Err(501);
    }
    let content_length = match header("content-length") {
        Some(v) => v.parse().map_err(|_| 400u16)?,
        None => 0,
    };
    let method = Method::parse(req.method.unwrap_or(""));
    let close =
        has("connection", "close") || (req.version == Some(0) && !has("connection", "keep-alive"));
    let head = Head {
        req: HttpRequest {
            method,
            uri: req.path.unwrap_or("/").to_owned(),
            origin: header("origin").map(str::to_owned),
            content_type: header("content-type").map(str::to_owned),
            body: Bytes::new(),
        },
        content_length,
        upgrade: (method == Method::Get && header("upgrade").is_some())
            .then(|| handshake::check_ws_upgrade(all()).map(|a| a.accept_key)),
        close,
    };
    Ok(Some((n, head)))
}

/// Reads more of the connection into `buf`; false on EOF, error, or (when `idle`) on
/// server shutdown.
async fn read_more(shared: &Shared, stream: &mut impl Io, buf: &mut Vec<u8>, idle: bool) -> bool {
    let mut chunk = vec![0u8; 4096]; // on the heap: not part of every task's size
    let read = async { stream.read(&mut chunk).await.ok().filter(|&n| n > 0) };
    let n = if idle {
        let stop = shared.stop.listen();
        if shared.stopping.load(Ordering::SeqCst) {
            return false;
        }
        future::or(read, async {
            stop.await;
            None
        })
        .await
    } else {
        read.await
    };
    let Some(n) = n else { return false };
    buf.extend_from_slice(&chunk[..n]);
    true
}

/// Serves HTTP requests on `stream` until it closes or upgrades; `tcp` is the socket
/// under it (the same one for plain TCP), which a WebSocket shuts down when it ends.
pub(super) async fn connection(shared: Arc<Shared>, mut stream: impl Io, tcp: TcpStream) {
    let outbox = Outbox::new();
    let mut buf = Vec::new();
    loop {
        let mut head = match parse(&buf, shared.opts.max_header_bytes) {
            Err(status) => return respond_status(&mut stream, status).await,
            Ok(None) => {
                let idle = buf.is_empty();
                match read_more(&shared, &mut stream, &mut buf, idle).await {
                    true => continue,
                    false => return,
                }
            }
            Ok(Some((n, head))) => {
                buf.drain(..n);
                head
            }
        };
        if let Some(checked) = head.upgrade {
            let accept = match checked {
                Ok(accept) => accept,
                Err(refusal) => return drop(write_response(&mut stream, &refusal, true).await),
            };
            let conn = ConnId::new(shared.id());
            shared.feed(
                Some(Input::WsUpgrade {
                    conn,
                    req: head.req,
                }),
                Some(&outbox),
            );
            let verdict = lock(&outbox.queue).verdict.take();
            return match verdict {
                Some(Ok(())) => {
                    let switch = format!(
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                         Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                    );
                    if stream.write_all(switch.as_bytes()).await.is_err() {
                        return shared.feed(Some(Input::WsFailed { conn }), None);
                    }
                    ws::run(shared, stream, tcp, conn, outbox, buf).await
                }
                Some(Err(response)) => {
                    let _ = write_response(&mut stream, &response, true).await;
                }
                None => respond_status(&mut stream, 500).await,
            };
        }
        let take = head.content_length.min(shared.opts.max_payload + 1);
        if take > 0 {
            while buf.len() < take {
                if !read_more(&shared, &mut stream, &mut buf, false).await {
                    return;
                }
            }
            let rest = buf.split_off(take);
            head.req.body = Bytes::from(std::mem::replace(&mut buf, rest));
        }
        // A body longer than we read cannot be skipped: answer, then close.
        let close = head.close || take < head.content_length;
        let request = RequestId::new(shared.id());
        shared.feed(
            Some(Input::HttpRequest {
                request,
                req: head.req,
            }),
            Some(&outbox),
        );
        let response = loop {
            enum Wait {
                Answer(HttpResponse),
                Data,
                Gone,
            }
            // A held poll: wait for its answer, and notice the peer leaving meanwhile.
            let answer = async { Wait::Answer(outbox.wait(|q| q.response.take()).await) };
            let more = async {
                let limit = shared.opts.max_header_bytes + shared.opts.max_payload;
                match buf.len() < limit && read_more(&shared, &mut stream, &mut buf, false).await {
                    true => Wait::Data,
                    false => Wait::Gone,
                }
            };
            match future::or(answer, more).await {
                Wait::Answer(r) => break r,
                Wait::Data => {}
                Wait::Gone => return shared.feed(Some(Input::HttpFailed { request }), None),
            }
        };
        let close = close || shared.stopping.load(Ordering::SeqCst);
        if write_response(&mut stream, &response, close).await.is_err() || close {
            return;
        }
    }
}

async fn respond_status(stream: &mut impl Io, status: u16) {
    let response = HttpResponse {
        status,
        headers: Vec::new(),
        body: Bytes::new(),
    };
    let _ = write_response(stream, &response, true).await;
}

async fn write_response(
    stream: &mut impl Io,
    r: &HttpResponse,
    close: bool,
) -> std::io::Result<()> {
    let reason = match r.status {
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
    let mut out = Vec::with_capacity(256 + r.body.len());
    write!(out, "HTTP/1.1 {} {reason}\r\n", r.status)?;
    let mut connection = if close { "close" } else { "keep-alive" };
    for (name, value) in &r.headers {
        if name.eq_ignore_ascii_case("connection") {
            connection = value; // the response's own (`Upgrade, close` on a 426)
            continue;
        }
        write!(out, "{name}: {value}\r\n")?;
    }
    write!(
        out,
        "Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
        r.body.len()
    )?;
    out.extend_from_slice(&r.body);
    stream.write_all(&out).await?;
    stream.flush().await
}
