//! WebSocket: a connection's [`Outbox`] (what the core queued for it), and the task that
//! reads frames into the core and writes the outbox, coalesced: every queued frame is
//! fed, then one flush once the queue is empty.

use super::Driver;
use futures_util::{Sink, SinkExt, StreamExt};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{ConnId, Input};
use socketio_proto::Utf8Bytes;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{self, protocol::Role, protocol::WebSocketConfig, Message};
use tokio_tungstenite::WebSocketStream;

/// Frames one connection may have waiting for its socket before it counts as too slow.
pub const MAX_FRAMES: usize = 1024;
/// Bytes one connection may have waiting for its socket.
pub const MAX_BYTES: usize = 4 << 20;
/// How long a close may take to write what is left and the close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// How long a socket may take no bytes while we have some for it: then the peer counts
/// as dead and the connection is dropped (its task never blocks on a write).
pub const WRITE_DEADLINE: Duration = Duration::from_secs(10);

/// The hand-off queue of one connection, filled by the core's `WsSend`s.
#[derive(Default)]
pub struct Outbox(RefCell<Queue>);

#[derive(Default)]
struct Queue {
    frames: VecDeque<WsMessage>,
    bytes: usize,
    /// `Some(failed)` once closed: `false` when the core asked (write what is left).
    closed: Option<bool>,
    waker: Option<Waker>,
    /// The task has let the others run once since frames arrived (see `poll_write`).
    yielded: bool,
}

impl Outbox {
    /// Queues a frame; `false` (and the outbox closed, emptied) if over a limit.
    pub fn push(&self, msg: WsMessage) -> bool {
        let mut q = self.0.borrow_mut();
        let len = size(&msg);
        if q.frames.len() >= MAX_FRAMES || q.bytes + len > MAX_BYTES {
            drop(q);
            self.close(true);
            return false;
        }
        q.bytes += len;
        q.frames.push_back(msg);
        if let Some(w) = q.waker.take() {
            w.wake();
        }
        true
    }

    /// Ends the connection, even if a write is pending: gracefully unless `failed`.
    pub fn close(&self, failed: bool) {
        let mut q = self.0.borrow_mut();
        q.closed.get_or_insert(failed);
        if failed {
            q.frames.clear();
        }
        if let Some(w) = q.waker.take() {
            w.wake();
        }
    }

    fn has_frames(&self) -> bool {
        !self.0.borrow().frames.is_empty()
    }

    fn pop(&self) -> Option<WsMessage> {
        let mut q = self.0.borrow_mut();
        let msg = q.frames.pop_front()?;
        q.bytes -= size(&msg);
        Some(msg)
    }

    /// Writes what is queued; ready with `Ok(failed)` once closed, `Err` on a write error.
    fn poll_write<S>(
        &self,
        cx: &mut Context<'_>,
        sink: &mut S,
        dirty: &mut bool,
        progress: &mut bool,
    ) -> Poll<Result<bool, tungstenite::Error>>
    where
        S: Sink<Message, Error = tungstenite::Error> + Unpin,
    {
        loop {
            if let Some(failed) = self.0.borrow().closed {
                return Poll::Ready(Ok(failed));
            }
            let empty = self.0.borrow().frames.is_empty();
            if !empty && !*dirty && !std::mem::replace(&mut self.0.borrow_mut().yielded, true) {
                // Let every other ready task run first (the thread may read more
                // broadcasts meanwhile): their frames join this write.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let step = if !empty {
                Pin::new(&mut *sink).poll_ready(cx)
            } else if *dirty {
                Pin::new(&mut *sink).poll_flush(cx)
            } else {
                Poll::Pending
            };
            match step {
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) if empty => {
                    *dirty = false;
                    *progress = true;
                    self.0.borrow_mut().yielded = false;
                }
                Poll::Ready(Ok(())) => {
                    if let Some(msg) = self.pop() {
                        Pin::new(&mut *sink).start_send(to_tungstenite(msg))?;
                        *dirty = true;
                        *progress = true;
                    }
                }
                Poll::Pending => {
                    // Woken by the socket, or by the core (a frame, a close).
                    self.0.borrow_mut().waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        }
    }
}

fn size(msg: &WsMessage) -> usize {
    match msg {
        WsMessage::Text(t) => t.len(),
        WsMessage::Binary(b) => b.len(),
    }
}

/// Shares our buffers with tungstenite (no copy).
fn to_tungstenite(msg: WsMessage) -> Message {
    match msg {
        // SAFETY: `Utf8Bytes` holds valid UTF-8 by construction.
        WsMessage::Text(t) => {
            Message::Text(unsafe { tungstenite::Utf8Bytes::from_bytes_unchecked(t.into_bytes()) })
        }
        WsMessage::Binary(b) => Message::Binary(b),
    }
}

/// Reports the end of a connection to the core however its task ends.
pub struct Ended {
    /// The core.
    pub driver: Rc<Driver>,
    /// The connection.
    pub conn: ConnId,
    /// `WsFailed` rather than `WsClosed`.
    pub failed: bool,
}

impl Drop for Ended {
    fn drop(&mut self) {
        self.driver.ended(self.conn, self.failed);
    }
}

/// What the connection task has to act on next.
enum Step {
    /// The outbox closed (`Ok(failed)`) or a write failed.
    Closed(Result<bool, tungstenite::Error>),
    /// A frame or the end of the stream.
    Read(Option<Result<Message, tungstenite::Error>>),
}

/// Runs one accepted WebSocket to its end, in one task: no split, no lock. `S` is the
/// stream hyper served the upgrade on (`TcpStream`, or TLS over it): the WebSocket takes
/// it back from hyper and runs on it directly.
pub async fn run<S>(
    mut ended: Ended,
    out: Rc<Outbox>,
    on_upgrade: OnUpgrade,
    max_payload: usize,
    _alive: mpsc::Sender<()>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Ok(upgraded) = on_upgrade.await else {
        return;
    };
    // An Engine.IO message is one character of packet type plus at most max_payload. A
    // small read buffer: tungstenite zero-fills it before every read.
    let limit = max_payload.saturating_add(1);
    let config = WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(4096)
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    // Unwrap hyper's upgrade layers down to our stream (fewer indirections per read).
    let mut ws = match upgraded.downcast::<TokioIo<S>>() {
        Ok(parts) => {
            let (io, read) = (parts.io.into_inner(), parts.read_buf.to_vec());
            WebSocketStream::from_partially_read(Io::Direct(io), read, Role::Server, Some(config))
                .await
        }
        Err(upgraded) => {
            WebSocketStream::from_raw_socket(
                Io::Hyper(TokioIo::new(upgraded)),
                Role::Server,
                Some(config),
            )
            .await
        }
    };
    let (driver, conn, mut dirty) = (ended.driver.clone(), ended.conn, false);
    // Armed while output waits on a socket that takes none of it (the write deadline).
    let mut stalled: Option<Pin<Box<tokio::time::Sleep>>> = None;
    loop {
        let step = std::future::poll_fn(|cx| {
            let mut progress = false;
            if let Poll::Ready(r) = out.poll_write(cx, &mut ws, &mut dirty, &mut progress) {
                return Poll::Ready(Step::Closed(r));
            }
            if !(dirty || out.has_frames()) {
                stalled = None;
            } else {
                let timer =
                    stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_DEADLINE)));
                if progress {
                    timer
                        .as_mut()
                        .reset(tokio::time::Instant::now() + WRITE_DEADLINE);
                }
                if timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Step::Closed(Ok(true)));
                }
            }
            ws.poll_next_unpin(cx).map(Step::Read)
        })
        .await;
        let msg = match step {
            Step::Closed(Ok(false)) => {
                // The core closed it: what is left, the close frame, within a bound.
                let rest = async {
                    while let Some(msg) = out.pop() {
                        ws.feed(to_tungstenite(msg)).await?;
                    }
                    ws.send(Message::Close(None)).await
                };
                let _ = tokio::time::timeout(CLOSE_GRACE, rest).await;
                return;
            }
            Step::Closed(_) | Step::Read(Some(Err(_))) => return,
            Step::Read(Some(Ok(Message::Text(t)))) => match Utf8Bytes::from_bytes(t.into()) {
                Ok(t) => WsMessage::Text(t),
                Err(_) => return,
            },
            Step::Read(Some(Ok(Message::Binary(b)))) => WsMessage::Binary(b),
            Step::Read(Some(Ok(Message::Close(_))) | None) => {
                ended.failed = false;
                // tungstenite has queued the close reply; push it out.
                let _ = tokio::time::timeout(CLOSE_GRACE, ws.flush()).await;
                return;
            }
            Step::Read(Some(Ok(_))) => continue,
        };
        driver.input(Some(Input::WsMessage { conn, msg }));
    }
}

/// The upgraded connection: the bare stream `S` (TCP, or TLS over TCP) when hyper lets
/// go of it. (Measured: with this enum an idle plain connection costs 4.5 KiB; with a
/// bare `TcpStream` and no fallback, 9.3 KiB: not understood yet, so it stays.)
enum Io<S> {
    Direct(S),
    Hyper(TokioIo<hyper::upgrade::Upgraded>),
}

impl<S: AsyncRead + Unpin> AsyncRead for Io<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Direct(s) => Pin::new(s).poll_read(cx, buf),
            Io::Hyper(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Io<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Direct(s) => Pin::new(s).poll_write(cx, buf),
            Io::Hyper(s) => Pin::new(s).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Direct(s) => Pin::new(s).poll_flush(cx),
            Io::Hyper(s) => Pin::new(s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Direct(s) => Pin::new(s).poll_shutdown(cx),
            Io::Hyper(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
