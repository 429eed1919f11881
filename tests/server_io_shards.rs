//! Shards (`server::shard`): two Socket.IO server cores, as two threads of one server
//! would run them, with sids that name their shard. Requests are routed by sid, and a
//! broadcast on one shard reaches the sockets of the other through the cluster seam,
//! sharing the encoded frame.
mod common;
mod server_io_support;

use server_io_support::{Harness, POLL_URI};
use socketio_proto::ids::SequentialIds;
use socketio_proto::server::io::{ClusterEvent, IoConfig, IoEvent, SocketIoServer, Target};
use socketio_proto::server::shard::{broadcast_peers, shard_of_uri, ShardIds};
use socketio_proto::server::{RequestId, Transmit};

/// The core of shard `n`: cluster events on, ids prefixed with the shard.
fn shard(n: u16) -> Harness {
    let io = SocketIoServer::new(
        IoConfig {
            cluster_events: true,
            ..IoConfig::default()
        },
        Box::new(ShardIds::new(n, SequentialIds::new("E"))),
        Box::new(ShardIds::new(n, SequentialIds::new("S"))),
    )
    .expect("valid config");
    Harness::with_server(io)
}

/// What an adapter's router does: the shard the sid names, else round-robin.
struct Router {
    shards: Vec<Harness>,
    next: usize,
}

impl Router {
    fn new(n: u16) -> Self {
        Router {
            shards: (0..n).map(shard).collect(),
            next: 0,
        }
    }

    fn pick(&mut self, uri: &str) -> usize {
        match shard_of_uri(uri).map(usize::from) {
            Some(s) if s < self.shards.len() => s,
            _ => {
                self.next = (self.next + 1) % self.shards.len();
                self.next
            }
        }
    }

    /// Hands every broadcast a shard reported to every other shard; returns how many
    /// sockets received them there.
    fn forward(&mut self, from: usize, events: Vec<IoEvent>) -> usize {
        let mut delivered = 0;
        for ev in events {
            let IoEvent::Cluster(ClusterEvent::Broadcast {
                target,
                frame,
                attachments,
            }) = ev
            else {
                continue;
            };
            for peer in broadcast_peers(from as u16, self.shards.len() as u16) {
                let h = &mut self.shards[usize::from(peer)];
                delivered +=
                    h.io.apply_remote_broadcast(&target, frame.clone(), attachments.clone());
                h.app("apply remote broadcast");
            }
        }
        delivered
    }
}

/// The status and body of the response to `request`.
fn response(h: &Harness, request: RequestId) -> (u16, String) {
    h.transmits
        .iter()
        .rev()
        .find_map(|t| match t {
            Transmit::HttpResponse {
                request: r,
                response,
            } if *r == request => Some((
                response.status,
                String::from_utf8_lossy(&response.body).into_owned(),
            )),
            _ => None,
        })
        .expect("a response")
}

fn body(h: &Harness, request: RequestId) -> String {
    response(h, request).1
}

#[test]
fn polling_requests_follow_their_sid_to_its_shard() {
    let mut r = Router::new(2);
    let mut sids = Vec::new();
    for _ in 0..2 {
        let s = r.pick(POLL_URI);
        let (req, _) = r.shards[s].get(POLL_URI);
        let open = body(&r.shards[s], req);
        let v: serde_json::Value = serde_json::from_str(&open[1..]).expect("open packet");
        let sid = v["sid"].as_str().expect("sid").to_owned();
        assert!(sid.starts_with(&format!("{s}.")), "{sid} from shard {s}");
        sids.push((s, sid));
    }
    // Both shards took one handshake.
    assert_ne!(sids[0].0, sids[1].0);
    for (s, sid) in &sids {
        let uri = format!("{POLL_URI}&sid={sid}");
        assert_eq!(r.pick(&uri), *s);
        let (post, evs) = r.shards[*s].post(&uri, "40");
        assert_eq!(body(&r.shards[*s], post), "ok");
        let connect = evs
            .into_iter()
            .find(|e| matches!(e, IoEvent::ConnectRequest { .. }))
            .expect("connect request on the session's shard");
        let socket = r.shards[*s].accept(connect);
        assert!(r.shards[*s].name(socket).starts_with(&format!("{s}.")));
        let (get, _) = r.shards[*s].get(&uri);
        assert!(body(&r.shards[*s], get).starts_with("40{\"sid\":\""));
    }
    // A forged sid that names no shard goes anywhere and gets the usual 400.
    let forged = format!("{POLL_URI}&sid=7.nope");
    let s = r.pick(&forged);
    let (req, _) = r.shards[s].get(&forged);
    assert_eq!(
        response(&r.shards[s], req),
        (
            400,
            r#"{"code":1,"message":"Session ID unknown"}"#.to_owned()
        )
    );
    for (s, sid) in &sids {
        let uri = format!("{POLL_URI}&sid={sid}");
        r.shards[*s].post(&uri, "1");
    }
    for h in &mut r.shards {
        h.assert_no_leaks();
    }
}

#[test]
fn a_broadcast_reaches_every_shard_with_one_shared_frame() {
    let mut r = Router::new(3);
    let mut conns = Vec::new();
    for s in 0..3 {
        for _ in 0..2 {
            let (conn, socket) = r.shards[s].connect_ws("/");
            r.shards[s].io.join(socket, "news").expect("join");
            r.shards[s].app("join news");
            conns.push((s, conn));
        }
    }
    // One socket on shard 2 is not in the room.
    let (outside_conn, _) = r.shards[2].connect_ws("/");

    let target = Target::namespace("/").to("news");
    let local = r.shards[1]
        .io
        .broadcast(&target, "tick", &(1,))
        .expect("broadcast");
    assert_eq!(local, 2);
    let evs = r.shards[1].app("broadcast tick");
    assert_eq!(r.forward(1, evs), 4, "two sockets on each other shard");

    let mut frames = Vec::new();
    for (s, conn) in &conns {
        let texts = r.shards[*s].ws_texts(*conn);
        assert_eq!(texts.last().map(String::as_str), Some(r#"42["tick",1]"#));
        let shared = r.shards[*s].transmits.iter().rev().find_map(|t| match t {
            Transmit::WsSend {
                conn: c,
                msg: socketio_proto::engineio::WsMessage::Text(t),
            } if c == conn => Some(t.as_bytes().as_ptr()),
            _ => None,
        });
        frames.push(shared.expect("a frame"));
    }
    // Every recipient on every shard got the same buffer: encoded once, never copied.
    assert!(frames.windows(2).all(|w| w[0] == w[1]), "{frames:?}");
    assert!(!r.shards[2]
        .ws_texts(outside_conn)
        .iter()
        .any(|t| t.contains("tick")));
    // A forwarded broadcast is not reported again (no ping-pong between shards).
    assert!(!r.shards[0]
        .drain()
        .iter()
        .any(|e| matches!(e, IoEvent::Cluster(_))));

    for (s, conn) in conns {
        r.shards[s].ws_closed(conn);
    }
    r.shards[2].ws_closed(outside_conn);
    for h in &mut r.shards {
        h.assert_no_leaks();
    }
}
