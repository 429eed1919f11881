//! The server's side of the wire: Socket.IO packets and Engine.IO records as the text
//! (and binary attachment) forms the client receives.

use super::model::Model;
use super::ops::{Record, Sio, NSPS};
use bytes::Bytes;
use socketio_proto::engineio::{Message, Packet};

/// The `<nsp>,` prefix of a packet for `NSPS[nsp]` (none for `/`).
fn nsp_prefix(nsp: usize) -> String {
    match NSPS[nsp] {
        "/" => String::new(),
        other => format!("{other},"),
    }
}

/// The Socket.IO packet text, and how many attachments follow.
pub fn encode_sio(p: &Sio, m: &Model) -> (String, u8) {
    let n = |x: &u8| usize::from(*x) % NSPS.len();
    match p {
        Sio::ConnectOk { nsp, sid } => {
            (format!("0{}{{\"sid\":\"s{sid}\"}}", nsp_prefix(n(nsp))), 0)
        }
        Sio::ConnectNoSid { nsp } => (format!("0{}{{}}", nsp_prefix(n(nsp))), 0),
        Sio::ConnectError { nsp, data } => {
            let extra = if *data { r#","data":{"code":1}"# } else { "" };
            (
                format!("4{}{{\"message\":\"no\"{extra}}}", nsp_prefix(n(nsp))),
                0,
            )
        }
        Sio::Event { nsp, ack } => {
            let id = ack.map_or(String::new(), |a| m.ack_id(n(nsp), a).to_string());
            (
                format!("2{}{id}[\"ev\",1,{{\"a\":[]}}]", nsp_prefix(n(nsp))),
                0,
            )
        }
        Sio::Ack { nsp, id } => (
            format!("3{}{}[\"ok\"]", nsp_prefix(n(nsp)), m.ack_id(n(nsp), *id)),
            0,
        ),
        Sio::Binary {
            nsp,
            ack_reply,
            id,
            declared,
            sent,
        } => {
            let declared = declared % 4;
            let id = id.map_or(String::new(), |a| m.ack_id(n(nsp), a).to_string());
            let mut args: Vec<String> = (0..declared)
                .map(|k| format!("{{\"_placeholder\":true,\"num\":{k}}}"))
                .collect();
            let text = if *ack_reply {
                format!("6{declared}-{}{id}[{}]", nsp_prefix(n(nsp)), args.join(","))
            } else {
                args.insert(0, "\"bin\"".into());
                format!("5{declared}-{}{id}[{}]", nsp_prefix(n(nsp)), args.join(","))
            };
            (text, sent % 5)
        }
        Sio::Disconnect { nsp } => (format!("1{}", nsp_prefix(n(nsp))), 0),
        Sio::Raw(r) => (r.clone(), 0),
    }
}

/// The polling record `b<base64>` of a binary attachment (the crate's own Engine.IO
/// encoder: its codec is fuzzed by the `engineio_*` targets).
fn binary_record(data: &[u8]) -> String {
    Packet::Message(Message::Binary(Bytes::copy_from_slice(data))).encode_text()
}

/// The Engine.IO text form(s) of a record (a binary Socket.IO packet gives several).
pub fn encode_record(r: &Record, m: &Model, out: &mut Vec<String>) {
    match r {
        Record::Open {
            websocket,
            interval,
            timeout,
        } => {
            let upgrades = if *websocket { r#"["websocket"]"# } else { "[]" };
            out.push(format!(
                r#"0{{"sid":"e","upgrades":{upgrades},"pingInterval":{},"pingTimeout":{},"maxPayload":1000}}"#,
                u32::from(*interval) * 4,
                u32::from(*timeout) * 4
            ));
        }
        Record::Ping => out.push("2".into()),
        Record::Noop => out.push("6".into()),
        Record::Close => out.push("1".into()),
        Record::Upgrade => out.push("5".into()),
        Record::Sio(p) => {
            let (text, attachments) = encode_sio(p, m);
            out.push(format!("4{text}"));
            for k in 0..attachments {
                out.push(binary_record(&[k, 0xff, 0]));
            }
        }
        Record::Attachment(b) => out.push(binary_record(b)),
        Record::Raw(s) => out.push(s.clone()),
    }
}

/// The `Hello` records: the handshake (if asked), CONNECT replies for both namespaces,
/// an event on each (one asking for an ack), the answer to the oldest pending ack of each
/// socket, a binary event with its attachment, then `then`.
pub fn hello_parts(handshake: bool, then: &[Record], m: &Model) -> Vec<String> {
    let mut parts = Vec::new();
    if handshake {
        let open = Record::Open {
            websocket: false,
            interval: 250,
            timeout: 250,
        };
        encode_record(&open, m, &mut parts);
    }
    parts.push(r#"40{"sid":"a"}"#.into());
    parts.push(r#"40/chat,{"sid":"b"}"#.into());
    parts.push(r#"42["hello"]"#.into());
    parts.push(r#"42/chat,7["hello",{"n":1}]"#.into());
    for (_, sm) in &m.sockets {
        if let Some(id) = sm.pending.iter().next() {
            parts.push(format!("43{}{id}[\"ok\"]", nsp_prefix(sm.nsp)));
        }
    }
    parts.push(r#"451-/chat,["bin",{"_placeholder":true,"num":0}]"#.into());
    parts.push("bAQI=".into());
    for r in then {
        encode_record(r, m, &mut parts);
    }
    parts
}
