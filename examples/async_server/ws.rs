//! One WebSocket: a reader that feeds the core, a writer that drains the outbox
//! (feeding every queued frame, then flushing once), and the close rules. It runs over
//! plain TCP or TLS alike: the close rules shut the TCP socket under either down.

use super::http::Io;
use super::{Close, Outbox, Shared};
use async_io::Timer;
use async_net::TcpStream;
use async_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use async_tungstenite::tungstenite::{self as tg, Message};
use async_tungstenite::WebSocketStream;
use futures_lite::{future, StreamExt};
use futures_util::SinkExt;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{ConnId, Input};
use socketio_proto::Utf8Bytes;
use std::collections::VecDeque;
use std::net::Shutdown;
use std::sync::Arc;

/// How long one batch of writes may take: past it the peer counts as dead (it is not
/// reading) and the connection is cut.
const WRITE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Our shared buffer as a tungstenite message, without copying.
fn message(m: WsMessage) -> Message {
    match m {
        // Valid UTF-8 by construction; the check is a scan, not a copy.
        WsMessage::Text(t) => {
            Message::Text(tg::Utf8Bytes::try_from(t.into_bytes()).unwrap_or_default())
        }
        WsMessage::Binary(b) => Message::Binary(b),
    }
}

/// Runs the WebSocket `conn` on `stream` (after the 101; `read` is what came after the
/// request head) until either side closes it; `tcp` is the socket under `stream`.
pub(super) async fn run(
    shared: Arc<Shared>,
    stream: impl Io,
    tcp: TcpStream,
    conn: ConnId,
    outbox: Arc<Outbox>,
    read: Vec<u8>,
) {
    let max = Some(shared.opts.max_payload);
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(32 << 10)
        .max_message_size(max)
        .max_frame_size(max);
    let ws = WebSocketStream::from_partially_read(stream, read, Role::Server, Some(config)).await;
    let (mut tx, mut rx) = ws.split();
    let grace = shared.opts.close_grace;
    let reader = async {
        let end = loop {
            let msg = match rx.next().await {
                Some(Ok(Message::Text(t))) => match Utf8Bytes::from_bytes(t.into()) {
                    Ok(t) => WsMessage::Text(t),
                    Err(_) => break Input::WsFailed { conn },
                },
                Some(Ok(Message::Binary(b))) => WsMessage::Binary(b),
                Some(Ok(Message::Close(_))) | None => break Input::WsClosed { conn },
                Some(Ok(_)) => continue, // ping, pong: tungstenite answers them
                Some(Err(_)) => break Input::WsFailed { conn },
            };
            shared.feed(Some(Input::WsMessage { conn, msg }), None);
        };
        shared.feed(Some(end), None);
        outbox.update(|q| q.close = Close::Abort);
    };
    let writer = async {
        let mut batch = VecDeque::new();
        let mut close = Close::Open;
        while close == Close::Open {
            close = outbox
                .wait(|q| {
                    if q.frames.is_empty() && q.close == Close::Open {
                        return None;
                    }
                    std::mem::swap(&mut q.frames, &mut batch);
                    q.bytes = 0;
                    Some(q.close)
                })
                .await;
            if close == Close::Abort {
                break;
            }
            let ending = close;
            let write = async {
                for m in batch.drain(..) {
                    tx.feed(message(m)).await?;
                }
                match ending {
                    Close::Graceful => tx.send(Message::Close(None)).await,
                    _ => tx.flush().await,
                }
            };
            // A close cuts a pending write: at once if aborted, after the grace if not.
            let cut = async {
                let how = outbox
                    .wait(|q| (q.close != Close::Open).then_some(q.close))
                    .await;
                if how == Close::Graceful {
                    Timer::after(grace).await;
                }
                Err(tg::Error::ConnectionClosed)
            };
            // Most writes complete at once: only a pending one races the close.
            let mut write = std::pin::pin!(write);
            let done = match future::poll_once(&mut write).await {
                Some(done) => done,
                None => {
                    let late = async {
                        Timer::after(WRITE_DEADLINE).await;
                        Err(tg::Error::ConnectionClosed)
                    };
                    future::or(write, future::or(cut, late)).await
                }
            };
            if done.is_err() {
                close = Close::Abort;
            }
        }
        if close == Close::Graceful {
            // Close frame sent: give the peer a moment to answer it, then cut.
            let _ = tcp.shutdown(Shutdown::Write);
            let reader_done = outbox.wait(|q| (q.close == Close::Abort).then_some(()));
            future::or(reader_done, async {
                Timer::after(grace).await;
            })
            .await;
        }
        let _ = tcp.shutdown(Shutdown::Both);
    };
    future::zip(reader, writer).await;
}
