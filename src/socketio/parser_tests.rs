//! The JSON parser through the [`Parser`] / [`PacketDecoder`] traits only.

use super::*;
use crate::error::ArgsError;
use crate::socketio::{encode_ack, encode_event, PacketData, Value};

/// Encodes and decodes only through the traits, as a state machine generic over `P` does.
fn round_trip<P: Parser>(parser: &P, frames: Frames) -> Vec<Packet> {
    let mut d = parser.decoder(DecoderConfig::default());
    let mut out = Vec::new();
    for msg in frames.into_messages() {
        if let Some(p) = d.decode(msg).unwrap() {
            out.push(p);
        }
    }
    assert!(!d.is_waiting());
    out
}

fn text(frames: &Frames) -> &str {
    match frames {
        Frames::Text(m) => &m.frame,
        Frames::Binary(_) => panic!("JSON frames are text"),
    }
}

#[test]
fn events_and_acks_are_the_plain_frames_with_4_in_front() {
    let p = JsonParser;
    let data = Bytes::from_static(b"\x01\x02");
    for (nsp, id) in [("/", None), ("/chat", Some(7))] {
        for args in [
            vec![Value::from(1u64), Value::from("x")],
            vec![Value::Binary(data.clone())],
        ] {
            let f = p.encode_event(nsp, "ev", id, &args).unwrap();
            let plain = encode_event(nsp, "ev", id, &args).unwrap();
            assert_eq!(text(&f), format!("4{}", &*plain.text));
            assert_eq!(f.len(), 1 + plain.attachments.len());
            let got = round_trip(&p, f);
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].event_name(), Some("ev"));
            assert_eq!(got[0].id, id);
            let args_back = got[0].args().unwrap().to_values().unwrap();
            assert_eq!(args_back, args);

            let f = p.encode_ack(nsp, 5, &args).unwrap();
            let plain = encode_ack(nsp, 5, &args).unwrap();
            assert_eq!(text(&f), format!("4{}", &*plain.text));
            let got = round_trip(&p, f);
            assert!(matches!(got[0].data, PacketData::Ack(_)));
            assert_eq!(got[0].args().unwrap().to_values().unwrap(), args);
        }
    }
}

#[test]
fn control_packets() {
    let p = JsonParser;
    let f = p.encode_connect::<()>("/", None).unwrap();
    assert_eq!(text(&f), "40");
    let auth = serde_json::json!({"token": "t"});
    let f = p.encode_connect("/a", Some(&auth)).unwrap();
    assert_eq!(text(&f), r#"40/a,{"token":"t"}"#);
    assert_eq!(
        round_trip(&p, f)[0].data,
        PacketData::Connect(Some(r#"{"token":"t"}"#.into()))
    );
    let f = p.encode_connect_ok("/", "abc").unwrap();
    assert_eq!(text(&f), r#"40{"sid":"abc"}"#);
    assert_eq!(round_trip(&p, f)[0].connect_sid().as_deref(), Some("abc"));
    let f = p
        .encode_connect_error("/x", "no", Some(&serde_json::json!({"a": 1})))
        .unwrap();
    assert_eq!(text(&f), r#"44/x,{"message":"no","data":{"a":1}}"#);
    let f = p.encode_connect_error::<()>("/", "no", None).unwrap();
    assert_eq!(text(&f), r#"44{"message":"no"}"#);
    let f = p.encode_disconnect("/x").unwrap();
    assert_eq!(text(&f), "41/x,");
    assert_eq!(round_trip(&p, f)[0].data, PacketData::Disconnect);
}

#[test]
fn per_operation_errors() {
    let p = JsonParser;
    assert_eq!(
        p.encode_event("/", "connect", None, &(1,)),
        Err(EmitError::ReservedEventName("connect".into()))
    );
    assert_eq!(
        p.encode_event("chat", "ev", None, &(1,)),
        Err(EmitError::UnknownNamespace("chat".into()))
    );
    assert!(matches!(
        p.encode_event("/", "ev", None, &1),
        Err(EmitError::Serialize(_))
    ));
    assert!(matches!(
        p.encode_ack("/", 1, &"x"),
        Err(EmitError::Serialize(_))
    ));
    assert_eq!(
        p.encode_disconnect("/a,b"),
        Err(EmitError::UnknownNamespace("/a,b".into()))
    );
    assert_eq!(
        p.encode_connect_ok("x", "sid"),
        Err(EmitError::UnknownNamespace("x".into()))
    );
    assert_eq!(
        p.encode_connect("/", Some(&[1, 2])),
        Err(AuthError::NotAnObject)
    );
    assert_eq!(
        p.encode_connect::<()>("nsp", None),
        Err(AuthError::InvalidNamespace("nsp".into()))
    );
    let f = p.encode_event("/", "ev", None, &("x",)).unwrap();
    let got = round_trip(&p, f);
    let args = got[0].args().unwrap();
    assert!(matches!(args.deserialize::<(u32,)>(), Err(ArgsError(_))));
    assert_eq!(args.deserialize::<(String,)>(), Ok(("x".to_owned(),)));
}

#[test]
fn decoder_state_through_the_trait() {
    let p = JsonParser;
    let mut d = p.decoder(DecoderConfig {
        max_attachments: 1,
        ..DecoderConfig::default()
    });
    assert_eq!(
        d.decode(Message::Text("2[\"a\"]".into()))
            .unwrap()
            .unwrap()
            .event_name(),
        Some("a")
    );
    // A binary packet waits for its attachment; reset drops it.
    assert_eq!(
        d.decode(Message::Text(
            r#"51-["a",{"_placeholder":true,"num":0}]"#.into()
        )),
        Ok(None)
    );
    assert!(d.is_waiting());
    d.reset();
    assert!(!d.is_waiting());
    assert_eq!(
        d.decode(Message::Binary(Bytes::from_static(b"x"))),
        Err(DecodeError::UnexpectedAttachment)
    );
    assert!(matches!(
        d.decode(Message::Text("52-[\"a\"]".into())),
        Err(DecodeError::TooManyAttachments { count: 2, limit: 1 })
    ));
    assert_eq!(d.decode(Message::Text("".into())), Err(DecodeError::Empty));
}

#[test]
fn frames_as_messages() {
    let f = Frames::Binary(Bytes::from_static(b"\x83"));
    assert_eq!(f.len(), 1);
    assert!(!f.is_empty());
    let msgs: Vec<Message> = f.into_messages().collect();
    assert_eq!(msgs, [Message::Binary(Bytes::from_static(b"\x83"))]);
    let data = Bytes::from_static(b"\x01");
    let f = JsonParser
        .encode_event("/", "up", None, &(Value::Binary(data.clone()),))
        .unwrap();
    let msgs: Vec<Message> = f.into_messages().collect();
    assert_eq!(
        msgs,
        [
            Message::Text(r#"51-["up",{"_placeholder":true,"num":0}]"#.into()),
            Message::Binary(data),
        ]
    );
}
