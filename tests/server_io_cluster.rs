//! Socket.IO server: the cluster adapter seam (`IoConfig::cluster_events`,
//! `IoEvent::Cluster`, `apply_remote_broadcast`), with two nodes joined by hand.
mod common;
mod server_io_support;

use server_io_support::Harness;
use socketio_proto::server::io::{ClusterEvent, IoConfig, IoEvent, Target};

fn node() -> Harness {
    Harness::with_config(IoConfig {
        cluster_events: true,
        ..IoConfig::default()
    })
}

fn cluster_events(evs: Vec<IoEvent>) -> Vec<ClusterEvent> {
    evs.into_iter()
        .filter_map(|e| match e {
            IoEvent::Cluster(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn a_broadcast_reaches_the_other_node_once_with_the_same_bytes() {
    let (mut a, mut b) = (node(), node());
    let (conn_a, sa) = a.connect_ws("/");
    let (conn_b, sb) = b.connect_ws("/");
    // Room changes are reported.
    a.io.join(sa, "news").unwrap();
    b.io.join(sb, "news").unwrap();
    let evs = cluster_events(a.app("join news"));
    assert_eq!(
        evs,
        vec![ClusterEvent::Joined {
            socket: sa,
            namespace: "/".into(),
            room: "news".into()
        }]
    );
    let _ = b.app("join news");
    // A broadcast on node A is delivered locally and reported, encoded.
    let target = Target::namespace("/").to("news");
    assert_eq!(a.io.broadcast(&target, "tick", &(1,)).unwrap(), 1);
    let mut evs = cluster_events(a.app("broadcast tick"));
    assert_eq!(evs.len(), 1);
    let ClusterEvent::Broadcast {
        target: t,
        frame,
        attachments,
    } = evs.remove(0)
    else {
        panic!("not a broadcast")
    };
    assert_eq!(t, target);
    let socketio_proto::server::OutMessage::Text(text) = &frame else {
        panic!("not a text frame")
    };
    assert_eq!(&**text.frame(), r#"42["tick",1]"#);
    // Node B applies it: its socket gets the same bytes, and nothing is re-reported.
    assert_eq!(b.io.apply_remote_broadcast(&t, frame, attachments), 1);
    assert!(cluster_events(b.app("apply remote")).is_empty());
    assert_eq!(a.ws_texts(conn_a).last().unwrap(), r#"42["tick",1]"#);
    assert_eq!(b.ws_texts(conn_b).last().unwrap(), r#"42["tick",1]"#);
    // Leaving is reported too.
    b.io.leave(sb, "news").unwrap();
    assert_eq!(
        cluster_events(b.app("leave news")),
        vec![ClusterEvent::Left {
            socket: sb,
            namespace: "/".into(),
            room: "news".into()
        }]
    );
}

#[test]
fn off_by_default() {
    let mut h = Harness::new();
    let (_conn, s) = h.connect_ws("/");
    h.io.join(s, "r").unwrap();
    h.io.broadcast(&Target::namespace("/"), "x", &()).unwrap();
    assert!(cluster_events(h.app("join, broadcast")).is_empty());
}
