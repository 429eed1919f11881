//! Codec benchmark: our Socket.IO decode/encode against serde_json on the same JSON.
//!
//! For each case of a fixed mix, and for the whole mix, prints packets/s and MB/s for
//! (a) decode with validation (arguments left raw), (b) decode into a `Value` tree,
//! (c) encode from a `Serialize` value; beside them serde_json on the JSON parts alone:
//! `from_slice::<IgnoredAny>`, `from_slice::<Value>`, `to_writer`; and the ratios
//! (ours / serde_json time; targets: a ≤ 1.2, b ≤ 1.1, c ≤ 1.1).
//!
//! Run with `cargo bench --bench codec [CASE]` (cases whose name contains CASE, or
//! `=NAME` for exactly one). Every case is timed as the fastest of
//! 15 alternating samples (ours, serde_json, ours, ...); the whole mix sums the cases'
//! times. The table is printed again at the end in markdown. For instruction counts,
//! `--iters N --mode a|b|c` (or `A|B|C` for the serde_json side) runs a fixed number of
//! iterations, to be profiled with `valgrind --tool=callgrind`.

use bytes::Bytes;
use serde::de::IgnoredAny;
use serde_json::json;
use socketio_proto::engineio::{self as eio, decode_payload};
use socketio_proto::socketio::{encode_event, Decoder, Packet, PacketData, Value};
use socketio_proto::Utf8Bytes;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One benchmark case: what goes over the wire, and the JSON parts alone.
struct Case {
    name: &'static str,
    /// Socket.IO frames with their attachments, or one polling body of Engine.IO
    /// messages (decoded by Engine.IO first).
    input: Input,
    /// The JSON part of every packet, for the serde_json baselines.
    json: Vec<Vec<u8>>,
    /// The same JSON as values, for the `to_writer` baseline.
    values: Vec<serde_json::Value>,
    /// Encodes every packet of the case; returns the bytes written.
    encode: Box<dyn Fn() -> usize>,
    packets: usize,
    bytes: usize,
}

enum Input {
    Frames(Vec<(Utf8Bytes, Vec<Bytes>)>),
    Polling(Bytes),
}

fn event_case(
    name: &'static str,
    nsp: &'static str,
    ev: &'static str,
    id: Option<u64>,
    args: Vec<serde_json::Value>,
) -> Case {
    let mut full = vec![json!(ev)];
    full.extend(args.iter().cloned());
    let full = serde_json::Value::Array(full);
    let enc = encode_event(nsp, ev, id, &args).unwrap();
    let json = serde_json::to_vec(&full).unwrap();
    Case {
        name,
        bytes: enc.text.len(),
        input: Input::Frames(vec![(enc.text, vec![])]),
        json: vec![json],
        values: vec![full],
        encode: Box::new(move || encode_event(nsp, ev, id, &args).unwrap().text.len()),
        packets: 1,
    }
}

fn blob(n: usize) -> serde_json::Value {
    let items: Vec<_> = (0..n)
        .map(|i| json!({"id": i, "name": format!("user-{i}"), "score": i as f64 * 1.5, "tags": ["a", "b"], "active": i % 2 == 0}))
        .collect();
    json!({ "items": items })
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        event_case(
            "small event /",
            "/",
            "chat",
            None,
            vec![json!({"user": "alice", "text": "hello world", "ts": 1_700_000_000_000u64})],
        ),
        event_case(
            "nsp event + ack id",
            "/chat",
            "message",
            Some(42),
            vec![json!("hi there"), json!({"room": "lobby", "n": 7})],
        ),
        event_case("1 KiB event", "/", "data", None, vec![blob(12)]),
        event_case("16 KiB event", "/", "data", None, vec![blob(190)]),
    ];
    for c in &cases {
        eprintln!("{:>20}: {} bytes", c.name, c.bytes);
    }

    // ACK.
    let ack_args = vec![json!({"ok": true, "id": "abc123"})];
    let ack = Packet::ack("/chat", 42, &ack_args).unwrap().encode();
    cases.push(Case {
        name: "ack",
        bytes: ack.text.len(),
        input: Input::Frames(vec![(ack.text, vec![])]),
        json: vec![serde_json::to_vec(&ack_args).unwrap()],
        values: vec![json!(ack_args)],
        encode: Box::new(move || {
            socketio_proto::socketio::encode_ack("/chat", 42, &ack_args)
                .unwrap()
                .text
                .len()
        }),
        packets: 1,
    });

    // Binary event with a 1 KiB attachment.
    let data = Bytes::from(vec![0xabu8; 1024]);
    let bin_args = (
        json!({"name": "f.bin", "size": 1024}),
        Value::Binary(data.clone()),
    );
    let enc = encode_event("/", "upload", Some(7), &bin_args).unwrap();
    let bin_json =
        json!(["upload", {"name": "f.bin", "size": 1024}, {"_placeholder": true, "num": 0}]);
    cases.push(Case {
        name: "binary event 1 KiB",
        bytes: enc.text.len() + 1024,
        json: vec![serde_json::to_vec(&bin_json).unwrap()],
        values: vec![bin_json],
        input: Input::Frames(vec![(enc.text, enc.attachments)]),
        encode: Box::new(move || {
            let e = encode_event("/", "upload", Some(7), &bin_args).unwrap();
            e.text.len() + e.attachments[0].len()
        }),
        packets: 1,
    });

    // CONNECT with auth, and DISCONNECT.
    let auth = json!({"token": "abcdef0123456789"});
    let c = Packet::connect("/chat", Some(&auth)).unwrap().encode();
    let d = Packet::disconnect("/chat").unwrap().encode();
    cases.push(Case {
        name: "connect + disconnect",
        bytes: c.text.len() + d.text.len(),
        json: vec![serde_json::to_vec(&auth).unwrap()],
        values: vec![auth.clone()],
        input: Input::Frames(vec![(c.text, vec![]), (d.text, vec![])]),
        encode: Box::new(move || {
            Packet::connect("/chat", Some(&auth))
                .unwrap()
                .encode()
                .text
                .len()
                + Packet::disconnect("/chat").unwrap().encode().text.len()
        }),
        packets: 2,
    });

    // One polling payload of 50 events.
    let msgs: Vec<Vec<serde_json::Value>> = (0..50)
        .map(|i| vec![json!(format!("msg {i}")), json!({"seq": i, "from": "bob"})])
        .collect();
    let frames: Vec<eio::Packet> = msgs
        .iter()
        .map(|m| eio::Packet::text(encode_event("/", "chat", None, m).unwrap().text))
        .collect();
    let body = eio::payload::encode_all(&frames);
    let json_parts: Vec<serde_json::Value> = msgs
        .iter()
        .map(|m| {
            let mut a = vec![json!("chat")];
            a.extend(m.iter().cloned());
            serde_json::Value::Array(a)
        })
        .collect();
    let queue = RefCell::new(VecDeque::with_capacity(64));
    cases.push(Case {
        name: "polling payload x50",
        bytes: body.len(),
        json: json_parts
            .iter()
            .map(|v| serde_json::to_vec(v).unwrap())
            .collect(),
        values: json_parts,
        input: Input::Polling(Bytes::from(body)),
        // As the server and client do: each emit queues its frame on the session's
        // long-lived queue, and the next poll joins the queue into one body.
        encode: Box::new(move || {
            let mut queue = queue.borrow_mut();
            for m in &msgs {
                queue.push_back(eio::Packet::text(
                    encode_event("/", "chat", None, m).unwrap().text,
                ));
            }
            eio::payload::encode_payload(&mut queue, usize::MAX).len()
        }),
        packets: 50,
    });
    cases
}

/// Decodes every packet of the case; with `tree`, also builds the argument values.
fn decode(input: &Input, tree: bool) -> usize {
    // With `tree`, the decoder parses arguments into values in its one validating pass.
    let mut d = if tree {
        Decoder::default().with_values()
    } else {
        Decoder::default()
    };
    let mut n = 0;
    let mut on_packet = |p: Packet| {
        n += black_box(&p).nsp.len();
        if tree {
            if let PacketData::Event { args, .. } | PacketData::Ack(args) = p.data {
                n += black_box(args.into_values().unwrap()).len();
            }
        }
    };
    match input {
        Input::Frames(frames) => {
            for (text, atts) in frames {
                let mut out = d.decode_text(text).unwrap();
                for a in atts {
                    out = d.decode_binary(a.clone()).unwrap();
                }
                on_packet(out.unwrap());
            }
        }
        Input::Polling(body) => {
            for p in decode_payload(body.clone(), usize::MAX).unwrap() {
                if let eio::Packet::Message(eio::Message::Text(t)) = p {
                    on_packet(d.decode_text(&t).unwrap().unwrap());
                }
            }
        }
    }
    n
}

/// Iterations of `f` that take about `ms` milliseconds.
fn calibrate(f: &mut impl FnMut() -> usize, ms: u64) -> u64 {
    let start = Instant::now();
    let mut iters = 0u64;
    while start.elapsed() < Duration::from_millis(ms) {
        black_box(f());
        iters += 1;
    }
    iters.max(1)
}

fn sample(f: &mut impl FnMut() -> usize, iters: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    t.elapsed().as_nanos() as f64 / iters as f64
}

/// Samples per side in [`measure`].
const SAMPLES: usize = 15;

/// Nanoseconds per call of `ours` and of `base`: SAMPLES samples of about 5 ms each,
/// taken alternately so that both see the same machine load, and the fastest sample of
/// each kept (on a shared, noisy machine, load only ever makes a sample slower; the
/// minimum is the most repeatable estimate of the undisturbed cost).
fn measure(mut ours: impl FnMut() -> usize, mut base: impl FnMut() -> usize) -> (f64, f64) {
    let (n1, n2) = (calibrate(&mut ours, 3) * 2, calibrate(&mut base, 3) * 2);
    let (mut a, mut b) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..SAMPLES {
        a = a.min(sample(&mut ours, n1));
        b = b.min(sample(&mut base, n2));
    }
    (a, b)
}

struct Row {
    name: &'static str,
    ours: [f64; 3],
    base: [f64; 3],
    packets: usize,
    bytes: usize,
}

const MODES: [&str; 3] = [
    "(a) decode+validate vs IgnoredAny",
    "(b) decode+Value vs from_slice::<Value>",
    "(c) encode vs to_writer",
];

impl Row {
    fn pps(&self, ns: f64) -> f64 {
        self.packets as f64 / ns * 1e9
    }
    fn mbs(&self, ns: f64) -> f64 {
        self.bytes as f64 / ns * 1e3
    }
}

fn print_row(r: &Row) {
    for (i, mode) in ["(a)", "(b)", "(c)"].iter().enumerate() {
        let (o, b) = (r.ours[i], r.base[i]);
        println!(
            "{:<22} {mode} {:>9.0}k/s {:>7.1}MB/s | {:>9.0}k/s {:>7.1}MB/s | {:>5.2}x",
            if i == 0 { r.name } else { "" },
            r.pps(o) / 1e3,
            r.mbs(o),
            r.pps(b) / 1e3,
            r.mbs(b),
            o / b
        );
    }
}

/// The final table, in markdown.
fn print_markdown(rows: &[Row]) {
    println!();
    println!("| case | mode | ours packets/s | ours MB/s | serde_json packets/s | serde_json MB/s | ratio |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in rows {
        for (i, mode) in MODES.iter().enumerate() {
            let (o, b) = (r.ours[i], r.base[i]);
            println!(
                "| {} | {mode} | {:.0}k | {:.1} | {:.0}k | {:.1} | {:.2}x |",
                r.name,
                r.pps(o) / 1e3,
                r.mbs(o),
                r.pps(b) / 1e3,
                r.mbs(b),
                o / b
            );
        }
    }
}

fn ignored_any(c: &Case) -> usize {
    c.json
        .iter()
        .map(|j| {
            serde_json::from_slice::<IgnoredAny>(j).unwrap();
            j.len()
        })
        .sum()
}

fn value_tree(c: &Case) -> usize {
    c.json
        .iter()
        .map(|j| {
            black_box(serde_json::from_slice::<serde_json::Value>(j).unwrap()).is_null() as usize
        })
        .sum()
}

fn to_writer(c: &Case) -> usize {
    c.values
        .iter()
        .map(|v| {
            let mut out = Vec::with_capacity(64);
            serde_json::to_writer(&mut out, v).unwrap();
            black_box(out).len()
        })
        .sum()
}

/// `--iters N --mode a|b|c|A|B|C`: runs exactly N iterations of one mode of every
/// selected case (lower case: ours, upper case: the serde_json baseline), for
/// repeatable instruction counts under `valgrind --tool=callgrind`.
fn fixed_run(cases: &[Case], iters: u64, mode: &str) {
    let mut n = 0;
    for c in cases {
        for _ in 0..iters {
            n += match mode {
                "a" => decode(&c.input, false),
                "b" => decode(&c.input, true),
                "c" => (c.encode)(),
                "A" => ignored_any(c),
                "B" => value_tree(c),
                _ => to_writer(c),
            };
        }
    }
    println!("{n}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let iters: Option<u64> = opt("--iters").and_then(|v| v.parse().ok());
    let mode = opt("--mode").unwrap_or_else(|| "a".into());
    let filter: Option<&String> = args
        .iter()
        .enumerate()
        .find(|(i, a)| {
            !a.starts_with("--")
                && (*i == 0 || !matches!(args[i - 1].as_str(), "--iters" | "--mode"))
        })
        .map(|(_, a)| a);
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| {
            filter.map_or(true, |f| match f.strip_prefix('=') {
                Some(exact) => c.name == exact,
                None => c.name.contains(f.as_str()),
            })
        })
        .collect();
    if let Some(iters) = iters {
        fixed_run(&cases, iters, &mode);
        return;
    }
    println!(
        "{:<22}     {:>27} | {:>27} | ratio",
        "case", "ours (packets, MB/s)", "serde_json"
    );
    println!("(a) decode+validate vs IgnoredAny, (b) decode+Value tree vs from_slice::<Value>, (c) encode vs to_writer");
    let mut rows = Vec::new();
    let mut total = Row {
        name: "WHOLE MIX",
        ours: [0.0; 3],
        base: [0.0; 3],
        packets: 0,
        bytes: 0,
    };
    for c in &cases {
        let (a, ig) = measure(|| decode(&c.input, false), || ignored_any(c));
        let (b, val) = measure(|| decode(&c.input, true), || value_tree(c));
        let (enc, wr) = measure(|| (c.encode)(), || to_writer(c));
        let row = Row {
            name: c.name,
            ours: [a, b, enc],
            base: [ig, val, wr],
            packets: c.packets,
            bytes: c.bytes,
        };
        print_row(&row);
        for i in 0..3 {
            total.ours[i] += row.ours[i];
            total.base[i] += row.base[i];
        }
        total.packets += c.packets;
        total.bytes += c.bytes;
        rows.push(row);
    }
    print_row(&total);
    rows.push(total);
    print_markdown(&rows);
}
