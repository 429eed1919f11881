//! WebSocket side: after the `101`, wrap the upgraded stream with tungstenite, register
//! the connection with the core, then pump frames both ways until either side closes.

use crate::driver::{Input, Notice, WsOut, WS_OUT_CAPACITY};
use crate::http::Shared;
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use socketio_proto::engineio::WsMessage;
use socketio_proto::server::{ConnId, HttpRequest};
use socketio_proto::Utf8Bytes;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Reports the connection closed to the core however the task ends.
struct ClosedGuard {
    conn: ConnId,
    notices: mpsc::UnboundedSender<Notice>,
}

impl Drop for ClosedGuard {
    fn drop(&mut self) {
        let _ = self.notices.send(Notice::WsClosed(self.conn));
    }
}

/// Runs one WebSocket connection to its end.
pub async fn run(shared: Arc<Shared>, on_upgrade: OnUpgrade, req: HttpRequest) {
    let upgraded = match on_upgrade.await {
        Ok(u) => u,
        Err(e) => {
            eprintln!("websocket upgrade failed: {e}");
            return;
        }
    };
    let mut config = WebSocketConfig::default();
    // An Engine.IO message is one character of packet type plus at most max_payload.
    let limit = shared.max_payload.saturating_add(1);
    config.max_message_size = Some(limit);
    config.max_frame_size = Some(limit);
    let ws =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    let (out_tx, mut out_rx) = mpsc::channel(WS_OUT_CAPACITY);
    let (reply, conn) = oneshot::channel();
    let open = Input::WsOpen {
        req,
        out: out_tx,
        reply,
    };
    if shared.core.inputs.send(open).await.is_err() {
        return;
    }
    let Ok(conn) = conn.await else {
        return;
    };
    let _guard = ClosedGuard {
        conn,
        notices: shared.core.notices.clone(),
    };
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            out = out_rx.recv() => match out {
                Some(WsOut::Msg(msg)) => {
                    let frame = match msg {
                        WsMessage::Text(t) => Message::Text(t.as_str().to_owned()),
                        WsMessage::Binary(b) => Message::Binary(b.to_vec()),
                    };
                    if sink.send(frame).await.is_err() {
                        return;
                    }
                }
                Some(WsOut::Close) | None => {
                    let _ = sink.send(Message::Close(None)).await;
                    let _ = sink.flush().await;
                    return;
                }
            },
            incoming = stream.next() => {
                let msg = match incoming {
                    Some(Ok(Message::Text(t))) => WsMessage::Text(Utf8Bytes::from(t)),
                    Some(Ok(Message::Binary(b))) => WsMessage::Binary(b.into()),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Close(_))) => {
                        // tungstenite has queued the close reply; push it out.
                        let _ = sink.flush().await;
                        return;
                    }
                    Some(Err(_)) | None => return,
                };
                if shared.core.inputs.send(Input::WsMessage { conn, msg }).await.is_err() {
                    return;
                }
            }
        }
    }
}
