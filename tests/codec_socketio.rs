//! Socket.IO v5 codec: the official protocol examples, every decode error, arguments.
mod common;

use bytes::Bytes;
use socketio_proto::error::{ArgsError, AuthError, EmitError};
use socketio_proto::socketio::{
    encode_ack, encode_event, Decoder, DecoderConfig, Packet, PacketData, PacketType, Value,
    RESERVED_EVENTS,
};
use socketio_proto::{DecodeError, Utf8Bytes};

const P0: &str = r#"{"_placeholder":true,"num":0}"#;

fn b(x: &'static [u8]) -> Bytes {
    Bytes::from_static(x)
}

/// Feeds one text frame and its attachments through `d`; returns the packet (must
/// complete exactly with the last message).
fn decode_with(mut d: Decoder, text: &str, attachments: &[Bytes]) -> Result<Packet, DecodeError> {
    let first = d.decode_text(&Utf8Bytes::from(text))?;
    if attachments.is_empty() {
        return Ok(first.expect("text packet completes at once"));
    }
    assert!(first.is_none() && d.is_waiting());
    let mut out = None;
    for (i, a) in attachments.iter().enumerate() {
        let r = d.decode_binary(a.clone())?;
        assert_eq!(r.is_some(), i + 1 == attachments.len());
        out = r;
    }
    Ok(out.unwrap())
}

/// Decodes with the lazy decoder and with the one that builds values, and checks that
/// they agree (same packet or same error, same values).
fn decode(text: &str, attachments: &[Bytes]) -> Result<Packet, DecodeError> {
    let lazy = decode_with(Decoder::default(), text, attachments);
    let eager = decode_with(Decoder::default().with_values(), text, attachments);
    assert_eq!(lazy, eager, "{text}");
    if let (Ok(l), Ok(e)) = (&lazy, &eager) {
        if let Some(args) = l.args() {
            assert!(args.values().is_none());
            assert_eq!(
                e.args().unwrap().values(),
                Some(&args.to_values().unwrap()[..])
            );
            assert_eq!(
                e.clone().args().unwrap().clone().into_values().unwrap(),
                args.to_values().unwrap()
            );
        }
    }
    lazy
}

fn dec_err(text: &str) -> DecodeError {
    decode(text, &[]).expect_err(text)
}

/// Every example of the socket.io-protocol README (v5), with its attachments.
fn spec_vectors() -> Vec<(String, Vec<Bytes>)> {
    let one = vec![b(&[1, 2, 3, 4])];
    let s = |x: &str| x.to_string();
    vec![
        (s("0"), vec![]),
        (s(r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#), vec![]),
        (s("0/admin,"), vec![]),
        (s(r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#), vec![]),
        (s(r#"0/admin,{"token":"123"}"#), vec![]),
        (s(r#"0/admin,{"sid":"iLnRaVGHY4B75TeVAAAB"}"#), vec![]),
        (s(r#"4{"message":"Not authorized"}"#), vec![]),
        (s(r#"2["foo"]"#), vec![]),
        (s(r#"2/admin,["bar"]"#), vec![]),
        (format!(r#"51-["baz",{P0}]"#), one.clone()),
        (
            format!(r#"52-/admin,["baz",{P0},{{"_placeholder":true,"num":1}}]"#),
            vec![b(&[1, 2]), b(&[3, 4])],
        ),
        (s(r#"212["foo"]"#), vec![]),
        (s("312[]"), vec![]),
        (s(r#"2/admin,13["foo"]"#), vec![]),
        (s(r#"3/admin,13["bar"]"#), vec![]),
        (format!(r#"51-14["foo",{P0}]"#), one.clone()),
        (s(r#"314["bar"]"#), vec![]),
        (s(r#"215["foo"]"#), vec![]),
        (format!(r#"61-15["bar",{P0}]"#), one),
        (s("1"), vec![]),
        (s("1/admin,"), vec![]),
        (s(r#"2["hey","Jude"]"#), vec![]),
        (s(r#"2["hello"]"#), vec![]),
        (s(r#"2["world"]"#), vec![]),
    ]
}

#[test]
fn spec_examples_decode_reencode_and_snapshot() {
    let mut decoded = Vec::new();
    for (text, atts) in spec_vectors() {
        let p = decode(&text, &atts).unwrap_or_else(|e| panic!("{text}: {e}"));
        let enc = p.encode();
        assert_eq!(enc.text, text.as_str(), "re-encode");
        assert_eq!(enc.attachments, atts);
        let values = p.args().map(|a| a.to_values().unwrap());
        decoded.push((text, p.packet_type(), p, values));
    }
    common::with_snapshots(|| insta::assert_debug_snapshot!("spec_vectors", decoded));
}

#[test]
fn builders_produce_the_spec_bytes() {
    let t = |p: Packet| p.encode().text.to_string();
    let none: Option<&()> = None;
    assert_eq!(t(Packet::connect("/", none).unwrap()), "0");
    assert_eq!(t(Packet::connect("/admin", none).unwrap()), "0/admin,");
    let auth = serde_json::json!({"token": "123"});
    assert_eq!(
        t(Packet::connect("/admin", Some(&auth)).unwrap()),
        r#"0/admin,{"token":"123"}"#
    );
    assert_eq!(
        t(Packet::connect_ok("/", "wZX3oN0bSVIhsaknAAAI").unwrap()),
        r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#
    );
    assert_eq!(
        t(Packet::connect_error("/", "Not authorized", none).unwrap()),
        r#"4{"message":"Not authorized"}"#
    );
    assert_eq!(
        t(Packet::connect_error("/", "no", Some(&serde_json::json!({"a": 1}))).unwrap()),
        r#"4{"message":"no","data":{"a":1}}"#
    );
    assert_eq!(t(Packet::disconnect("/admin").unwrap()), "1/admin,");
    assert_eq!(t(Packet::event("/", "foo", &()).unwrap()), r#"2["foo"]"#);
    assert_eq!(
        t(Packet::event("/", "hey", &("Jude",)).unwrap()),
        r#"2["hey","Jude"]"#
    );
    assert_eq!(
        t(Packet::event_with_ack("/admin", "foo", 13, &[0u8; 0]).unwrap()),
        r#"2/admin,13["foo"]"#
    );
    assert_eq!(t(Packet::ack("/", 12, &()).unwrap()), "312[]");
    assert_eq!(
        t(Packet::ack("/admin", 13, &("bar",)).unwrap()),
        r#"3/admin,13["bar"]"#
    );
    let bin = Packet::event_with_ack("/", "foo", 14, &(Value::Binary(b(&[1, 2, 3, 4])),)).unwrap();
    assert_eq!(bin.packet_type(), PacketType::BinaryEvent);
    let enc = bin.encode();
    assert_eq!(enc.text, format!(r#"51-14["foo",{P0}]"#).as_str());
    assert_eq!(enc.attachments, vec![b(&[1, 2, 3, 4])]);
    let two = [Value::Binary(b(&[1, 2])), Value::Binary(b(&[3, 4]))];
    let enc = encode_event("/admin", "baz", None, &two[..]).unwrap();
    assert_eq!(
        enc.text,
        format!(r#"52-/admin,["baz",{P0},{{"_placeholder":true,"num":1}}]"#).as_str()
    );
    let enc = encode_ack("/", 15, &("bar", Value::Binary(b(&[1, 2, 3, 4])))).unwrap();
    assert_eq!(enc.text, format!(r#"61-15["bar",{P0}]"#).as_str());
}

#[test]
fn accessors() {
    let p = decode(r#"0{"sid":"abc"}"#, &[]).unwrap();
    assert_eq!(p.connect_sid().as_deref(), Some("abc"));
    let e = decode(r#"4/x,{"message":"m","data":{"k":1}}"#, &[]).unwrap();
    let info = e.connect_error_info().unwrap();
    assert_eq!(info.message, "m");
    assert_eq!(info.data, Some(serde_json::json!({"k": 1})));
    let s = decode(r#"4"plain""#, &[]).unwrap();
    assert_eq!(s.connect_error_info().unwrap().message, "plain");
    let ev = decode(r#"2/chat,7["msg",1,{"a":[true]}]"#, &[]).unwrap();
    assert_eq!(
        (ev.nsp.as_str(), ev.id, ev.event_name()),
        ("/chat", Some(7), Some("msg"))
    );
    // A namespace may end at the end of input.
    let c = decode("0/custom", &[]).unwrap();
    assert_eq!(c.nsp, "/custom");
    assert_eq!(c.encode().text, "0/custom,");
    assert_eq!(
        decode("1/custom", &[]).unwrap().data,
        PacketData::Disconnect
    );
    // A numeric event name is accepted, kept as text; escaped names are unescaped.
    assert_eq!(decode("2[42,1]", &[]).unwrap().event_name(), Some("42"));
    assert_eq!(
        decode("2[-1.5e300]", &[]).unwrap().event_name(),
        Some("-1.5e+300")
    );
    assert_eq!(
        decode(r#"2["a\"b"]"#, &[]).unwrap().event_name(),
        Some("a\"b")
    );
}

#[test]
fn args_deserialize_from_json_and_from_binary() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Msg {
        a: Vec<bool>,
    }
    let ev = decode(r#"2["msg",1,{"a":[true]},"extra"]"#, &[]).unwrap();
    let args = ev.args().unwrap();
    let (n, m): (u32, Msg) = args.deserialize().unwrap();
    assert_eq!((n, m), (1, Msg { a: vec![true] }));
    let borrowed: (u32, Msg, &str) = args.deserialize().unwrap();
    assert_eq!(borrowed.2, "extra");
    assert!(args.deserialize::<(String,)>().is_err());
    assert_eq!(
        args.to_values().unwrap()[0],
        Value::Number(serde_json::Number::from(1u64))
    );

    let att = Bytes::from(vec![7u8; 32]);
    let p = decode(
        &format!(r#"51-3["up","name",{{"file":{P0}}}]"#),
        std::slice::from_ref(&att),
    )
    .unwrap();
    let args = p.args().unwrap();
    assert!(args.is_binary());
    let (name, obj): (String, Value) = args.deserialize().unwrap();
    assert_eq!(name, "name");
    let Value::Object(m) = obj else { panic!() };
    // The attachment arrives as the same buffer, not a copy.
    assert_eq!(m["file"].as_binary().unwrap().as_ptr(), att.as_ptr());
    let values = args.to_values().unwrap();
    assert!(values[1].has_binary());
}

#[test]
fn value_binary_is_not_copied_on_encode() {
    let data = Bytes::from(vec![1u8; 1024]);
    let args = (
        1,
        serde_json::json!({"x": 2}),
        vec![Value::Binary(data.clone())],
    );
    let enc = encode_event("/", "e", Some(3), &args).unwrap();
    assert_eq!(
        enc.text,
        format!(r#"51-3["e",1,{{"x":2}},[{P0}]]"#).as_str()
    );
    assert_eq!(enc.attachments[0].as_ptr(), data.as_ptr());
}

#[test]
fn local_misuse_is_an_error() {
    assert_eq!(
        Packet::event("admin", "x", &()).unwrap_err(),
        EmitError::UnknownNamespace("admin".into())
    );
    assert_eq!(
        Packet::event("/a,b", "x", &()).unwrap_err(),
        EmitError::UnknownNamespace("/a,b".into())
    );
    for name in RESERVED_EVENTS {
        assert_eq!(
            encode_event("/", name, None, &()).unwrap_err(),
            EmitError::ReservedEventName(name.into())
        );
    }
    assert!(matches!(
        Packet::event("/", "x", &5),
        Err(EmitError::Serialize(_))
    ));
    assert!(matches!(
        Packet::ack("/", 1, &"s"),
        Err(EmitError::Serialize(_))
    ));
    assert!(matches!(
        Packet::connect("/", Some(&[1])),
        Err(AuthError::NotAnObject)
    ));
}

fn invalid(packet: &'static str) -> impl Fn(DecodeError) -> bool {
    move |e| matches!(e, DecodeError::InvalidPayload { packet: p, .. } if p == packet)
}

#[test]
fn every_header_error() {
    assert_eq!(dec_err(""), DecodeError::Empty);
    assert_eq!(dec_err("7"), DecodeError::UnknownPacketType(b'7'));
    assert_eq!(dec_err("a"), DecodeError::UnknownPacketType(b'a'));
    assert_eq!(dec_err(r#"5["a"]"#), DecodeError::InvalidAttachmentCount);
    assert_eq!(dec_err(r#"5x-["a"]"#), DecodeError::InvalidAttachmentCount);
    assert_eq!(dec_err(r#"5-["a"]"#), DecodeError::InvalidAttachmentCount);
    assert_eq!(
        dec_err(r#"599999999999999999999-["a"]"#),
        DecodeError::InvalidAttachmentCount
    );
    assert_eq!(dec_err(r#"50-["a"]"#), DecodeError::ZeroAttachments);
    assert_eq!(
        dec_err(r#"511-["a"]"#),
        DecodeError::TooManyAttachments {
            count: 11,
            limit: 10
        }
    );
    let mut d = Decoder::new(DecoderConfig {
        max_attachments: 2,
        ..DecoderConfig::default()
    });
    assert_eq!(
        d.decode_text(&Utf8Bytes::from(r#"63-1[]"#)),
        Err(DecodeError::TooManyAttachments { count: 3, limit: 2 })
    );
    assert_eq!(
        dec_err(r#"218446744073709551616["a"]"#),
        DecodeError::InvalidAckId
    );
    assert_eq!(
        decode(r#"218446744073709551615["a"]"#, &[]).unwrap().id,
        Some(u64::MAX)
    );
}

#[test]
fn every_payload_error() {
    assert!(invalid("CONNECT")(dec_err("0[]")));
    assert!(invalid("CONNECT")(dec_err(r#"0"x""#)));
    assert!(invalid("DISCONNECT")(dec_err("1x")));
    assert!(invalid("DISCONNECT")(dec_err("1/a,{}")));
    assert!(invalid("EVENT")(dec_err("2")));
    assert!(invalid("EVENT")(dec_err("2[]")));
    assert!(invalid("EVENT")(dec_err("2{}")));
    assert!(invalid("EVENT")(dec_err("2[true]")));
    assert!(invalid("EVENT")(dec_err("2[null,1]")));
    assert!(invalid("EVENT")(dec_err(r#"2[["a"]]"#)));
    assert!(invalid("ACK")(dec_err("3")));
    assert!(invalid("ACK")(dec_err("31{}")));
    assert!(invalid("CONNECT_ERROR")(dec_err("4")));
    assert!(invalid("CONNECT_ERROR")(dec_err("4[]")));
    assert!(invalid("CONNECT_ERROR")(dec_err("41")));
    assert!(invalid("BINARY_EVENT")(dec_err(r#"51-[]"#)));
    assert!(invalid("BINARY_ACK")(dec_err(r#"61-{}"#)));
    for name in RESERVED_EVENTS {
        assert_eq!(
            dec_err(&format!(r#"2["{name}",1]"#)),
            DecodeError::ReservedEventName(name.into())
        );
    }
    // JSON.parse accepts lone surrogates, and so does the lazy decoder (deserializing
    // such an argument into a Rust string fails later); the value-building decoder
    // cannot represent them and rejects the packet.
    let lone = r#"2["a","\ud800"]"#;
    let p = decode_with(Decoder::default(), lone, &[]).unwrap();
    assert!(p.args().unwrap().to_values().is_err());
    assert!(matches!(
        decode_with(Decoder::default().with_values(), lone, &[]),
        Err(DecodeError::InvalidJson(_))
    ));
    for bad in [
        r#"2["a""#,
        r#"2["a"]x"#,
        r#"2["a",]"#,
        "0{",
        r#"4{"a":}"#,
        "2[\"a\",tru]",
    ] {
        assert!(matches!(dec_err(bad), DecodeError::InvalidJson(_)), "{bad}");
    }
}

#[test]
fn deep_nesting() {
    let deep = format!(r#"["a",{}{P0}{}]"#, "[".repeat(200), "]".repeat(200));
    // Validation of a text EVENT skips values iteratively: no stack use, accepted...
    let p = decode_with(Decoder::default(), &format!("2{deep}"), &[]).unwrap();
    // ...but a tree cannot be built from it.
    assert!(matches!(
        p.args().unwrap().to_values(),
        Err(ArgsError { .. })
    ));
    // A binary packet must build the tree, and reports the nesting.
    assert_eq!(
        decode(&format!("51-{deep}"), &[b(&[1])]).unwrap_err(),
        DecodeError::TooDeep(128)
    );
}

#[test]
fn every_binary_error() {
    let bin = |text: &str, n: usize| decode(text, &vec![b(&[9]); n]).unwrap_err();
    let ph = |e| matches!(e, DecodeError::InvalidPlaceholder(_));
    assert!(ph(bin(r#"51-["a",{"_placeholder":true,"num":1}]"#, 1)));
    assert!(ph(bin(r#"51-["a",{"_placeholder":true,"num":-1}]"#, 1)));
    assert!(ph(bin(r#"51-["a",{"_placeholder":true,"num":"0"}]"#, 1)));
    assert!(ph(bin(r#"51-["a",{"_placeholder":true,"num":0.5}]"#, 1)));
    assert!(ph(bin(r#"51-["a",{"_placeholder":true}]"#, 1)));
    assert!(ph(bin(&format!(r#"52-["a",{P0},{P0}]"#), 2)));
    assert!(ph(bin(&format!(r#"52-["a",{P0}]"#), 2)));
    assert!(ph(bin(r#"51-["a"]"#, 1)));

    let mut d = Decoder::default();
    assert_eq!(
        d.decode_binary(b(&[1])),
        Err(DecodeError::UnexpectedAttachment)
    );
    assert_eq!(
        d.decode_text(&Utf8Bytes::from(format!(r#"51-["a",{P0}]"#))),
        Ok(None)
    );
    assert_eq!(
        d.decode_text(&Utf8Bytes::from(r#"2["a"]"#)),
        Err(DecodeError::ExpectedAttachment)
    );
    // After a completed binary packet the decoder is ready for text again.
    let mut d = Decoder::default();
    assert_eq!(
        d.decode_text(&Utf8Bytes::from(format!(r#"61-1[{P0}]"#))),
        Ok(None)
    );
    assert!(d.decode_binary(b(&[1])).unwrap().is_some());
    assert!(!d.is_waiting());
    assert!(d
        .decode_text(&Utf8Bytes::from(r#"2["a"]"#))
        .unwrap()
        .is_some());
    assert_eq!(
        d.decode_binary(b(&[1])),
        Err(DecodeError::UnexpectedAttachment)
    );
}
