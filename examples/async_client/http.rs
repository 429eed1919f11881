//! HTTP/1.1 requests over async-net with a small keep-alive pool: the request written by
//! hand, the response head parsed with `httparse`, the body framed by `Content-Length`,
//! `chunked` or the end of the connection, and bounded by `max_body`. Over plain TCP or
//! TLS alike (`tls::Stream`).

use super::tls::{self, Stream};
use crate::client_app::tls::Connector;
use bytes::Bytes;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use socketio_proto::client::HttpRequest;
use std::io::{self, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Idle keep-alive connections older than this are not reused (Node closes idle
/// connections after 5 s).
const IDLE_LIMIT: Duration = Duration::from_secs(4);
/// Idle connections kept.
const POOL_SIZE: usize = 4;
/// Largest response head (and chunk-size or trailer section) accepted.
const MAX_HEAD: usize = 16 << 10;

/// Idle keep-alive connections, each with the time it went idle.
pub type Pool = Mutex<Vec<(Stream, Instant)>>;

/// Performs `req` on `addr` (`host:port`) over a pooled connection or a new one (TLS
/// with `tls`); returns the status and the body. A pooled connection that dies before
/// any response byte is retried once on a fresh connection.
pub async fn perform(
    addr: &str,
    tls: Option<&Connector>,
    pool: &Pool,
    req: HttpRequest,
    max_body: usize,
) -> io::Result<(u16, Bytes)> {
    let mut out = Vec::with_capacity(256 + req.body.len());
    write!(
        out,
        "{} {} HTTP/1.1\r\nHost: {addr}\r\n",
        req.method.as_str(),
        req.uri
    )?;
    for (name, value) in [("Content-Type", &req.content_type), ("Origin", &req.origin)] {
        if let Some(value) = value {
            write!(out, "{name}: {value}\r\n")?;
        }
    }
    write!(out, "Content-Length: {}\r\n\r\n", req.body.len())?;
    out.extend_from_slice(&req.body); // one write: head and body in one segment
    let mut idle = {
        let mut idle = pool.lock().unwrap_or_else(|p| p.into_inner());
        std::iter::from_fn(|| idle.pop()).find(|(_, since)| since.elapsed() < IDLE_LIMIT)
    };
    let (status, body, keep) = loop {
        let (stream, reused) = match idle.take() {
            Some((stream, _)) => (stream, true),
            None => (tls::connect(addr, tls).await?, false),
        };
        match exchange(stream, &out, max_body).await {
            Ok(done) => break done,
            Err(f) if f.early && reused => continue, // once: the next one is fresh
            Err(f) => return Err(f.error),
        }
    };
    if let Some(stream) = keep {
        let mut idle = pool.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < POOL_SIZE {
            idle.push((stream, Instant::now()));
        }
    }
    Ok((status, body))
}

/// Why an exchange failed.
struct Failed {
    /// No response byte had arrived (a reused connection may be retried).
    early: bool,
    /// What went wrong.
    error: io::Error,
}

impl From<io::Error> for Failed {
    fn from(error: io::Error) -> Self {
        Failed {
            early: false,
            error,
        }
    }
}

/// How the response body ends.
#[derive(PartialEq, Eq)]
enum Framing {
    /// After this many bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// When the server closes the connection.
    Eof,
}

/// A parsed response head.
struct Head {
    /// Its length in bytes.
    len: usize,
    /// The status code.
    status: u16,
    /// How the body ends.
    framing: Framing,
    /// Whether the connection may carry another request.
    keep_alive: bool,
}

/// Writes `request` on `stream` and reads the response: status, body, and the stream
/// back if it may be reused.
async fn exchange(
    mut stream: Stream,
    request: &[u8],
    max_body: usize,
) -> Result<(u16, Bytes, Option<Stream>), Failed> {
    let early = |error| Failed { early: true, error };
    stream.write_all(request).await.map_err(early)?;
    stream.flush().await.map_err(early)?;
    let mut buf = Vec::new();
    let head = loop {
        if let Err(error) = read_more(&mut stream, &mut buf).await {
            return Err(Failed {
                early: buf.is_empty(),
                error,
            });
        }
        if let Some(head) = parse_head(&buf)? {
            break head;
        }
    };
    buf.drain(..head.len);
    let mut keep = head.keep_alive;
    let body = match head.framing {
        Framing::Length(n) if n > max_body => return Err(invalid("body too large").into()),
        Framing::Length(n) => {
            buf.reserve(n.saturating_sub(buf.len()));
            while buf.len() < n {
                read_more(&mut stream, &mut buf).await?;
            }
            keep &= buf.len() == n; // bytes past the body: do not trust the connection
            buf.truncate(n);
            buf
        }
        Framing::Chunked => dechunk(&mut stream, buf, max_body).await?,
        Framing::Eof => loop {
            match read_more(&mut stream, &mut buf).await {
                Ok(()) if buf.len() > max_body => return Err(invalid("body too large").into()),
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break buf,
                Err(e) => return Err(e.into()),
            }
        },
    };
    Ok((head.status, Bytes::from(body), keep.then_some(stream)))
}

/// Parses a response head from `buf`: `Ok(None)` while incomplete.
fn parse_head(buf: &[u8]) -> io::Result<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut res = httparse::Response::new(&mut headers);
    let len = match res.parse(buf).map_err(|e| invalid(&e.to_string()))? {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial if buf.len() > MAX_HEAD => return Err(invalid("head too large")),
        httparse::Status::Partial => return Ok(None),
    };
    let header = |name: &str| {
        let h = res
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(h.value).ok().map(str::trim)
    };
    let has = |name: &str, token: &str| {
        header(name).is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    let status = res.code.unwrap_or(0);
    let framing = if status == 204 || status == 304 {
        Framing::Length(0)
    } else if has("transfer-encoding", "chunked") {
        Framing::Chunked
    } else if let Some(v) = header("content-length") {
        Framing::Length(v.parse().map_err(|_| invalid("bad Content-Length"))?)
    } else {
        Framing::Eof
    };
    let keep_alive = res.version == Some(1) && !has("connection", "close");
    Ok(Some(Head {
        len,
        status,
        keep_alive: keep_alive && framing != Framing::Eof,
        framing,
    }))
}

/// Decodes a chunked body; `buf` holds what was read after the head.
async fn dechunk(stream: &mut Stream, mut buf: Vec<u8>, max_body: usize) -> io::Result<Vec<u8>> {
    let (mut body, mut pos) = (Vec::new(), 0);
    loop {
        let (skip, size) = match httparse::parse_chunk_size(&buf[pos..]) {
            Ok(httparse::Status::Complete(c)) => c,
            Ok(httparse::Status::Partial) if buf.len() - pos > MAX_HEAD => {
                return Err(invalid("chunk size line too long"))
            }
            Ok(httparse::Status::Partial) => {
                read_more(stream, &mut buf).await?;
                continue;
            }
            Err(_) => return Err(invalid("bad chunk size")),
        };
        let size = usize::try_from(size)
            .ok()
            .filter(|&s| s <= max_body - body.len())
            .ok_or_else(|| invalid("body too large"))?;
        pos += skip;
        if size == 0 {
            break;
        }
        while buf.len() < pos + size + 2 {
            read_more(stream, &mut buf).await?;
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        pos += size + 2; // the chunk's CRLF
    }
    // Trailer lines, up to an empty one.
    loop {
        match buf[pos..].windows(2).position(|w| w == b"\r\n") {
            Some(0) => return Ok(body),
            Some(i) => pos += i + 2,
            None if buf.len() - pos > MAX_HEAD => return Err(invalid("trailers too long")),
            None => read_more(stream, &mut buf).await?,
        }
    }
}

/// Appends what `stream` has next to `buf`; the end of the stream is `UnexpectedEof`.
async fn read_more(stream: &mut Stream, buf: &mut Vec<u8>) -> io::Result<()> {
    let start = buf.len();
    buf.resize(start + 8192, 0);
    let read = stream.read(&mut buf[start..]).await;
    buf.truncate(start + read.as_ref().map_or(0, |&n| n));
    match read? {
        0 => Err(io::ErrorKind::UnexpectedEof.into()),
        _ => Ok(()),
    }
}

/// An `InvalidData` error.
fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}
