//! The one trace renderer of the test harnesses (Pair, the server scenario harnesses, the
//! client engine harness): lines stamped with the time relative to the start, the
//! record separator `\x1e` shown as `␞`, payloads shown by [`show`] / [`show_ws`], and
//! handles renumbered from 1 by [`Names`].
//!
//! The harnesses' snapshots predate this module and differ in small ways (the time
//! stamp's brackets, a newline after the last line, how a binary payload is spelled);
//! those are the [`Style`] and [`Binary`] options, so that no snapshot's bytes changed.

use bytes::Bytes;
use socketio_proto::engineio::WsMessage;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::Hash;
use std::time::Instant;

/// How the time stamp of a line is written and how the lines are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// `[    15ms] …` instead of `    15ms …`.
    pub brackets: bool,
    /// Every line ends with `\n`, the last one too (otherwise lines are joined by `\n`).
    pub final_newline: bool,
}

impl Style {
    /// `    15ms …`, every line ending in `\n` (Pair).
    pub const PAIR: Style = Style {
        brackets: false,
        final_newline: true,
    };
    /// `[    15ms] …`, every line ending in `\n` (the server scenario harnesses).
    pub const SERVER: Style = Style {
        brackets: true,
        final_newline: true,
    };
    /// `    15ms …`, lines joined by `\n` (the client engine harness).
    pub const CLIENT: Style = Style {
        brackets: false,
        final_newline: false,
    };
}

/// A trace: lines stamped with milliseconds since `t0`.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The start.
    pub t0: Instant,
    /// The style.
    pub style: Style,
    /// The lines, stamped.
    pub lines: Vec<String>,
}

impl Trace {
    /// An empty trace starting at `t0`.
    pub fn new(t0: Instant, style: Style) -> Trace {
        Trace {
            t0,
            style,
            lines: Vec::new(),
        }
    }

    /// Adds `text` at `now` (every `\x1e` in it shown as `␞`).
    pub fn line(&mut self, now: Instant, text: impl AsRef<str>) {
        let ms = now.saturating_duration_since(self.t0).as_millis();
        let text = text.as_ref().replace('\x1e', "␞");
        let line = if self.style.brackets {
            format!("[{ms:>6}ms] {text}")
        } else {
            format!("{ms:>6}ms {text}")
        };
        self.lines.push(line);
    }

    /// A free-form note: `## what`.
    pub fn note(&mut self, now: Instant, what: &str) {
        self.line(now, format!("## {what}"));
    }

    /// The whole trace, for a snapshot.
    pub fn text(&self) -> String {
        if self.style.final_newline {
            let mut s = String::new();
            for l in &self.lines {
                s.push_str(l);
                s.push('\n');
            }
            s
        } else {
            self.lines.join("\n")
        }
    }

    /// The lines.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.lines.iter()
    }

    /// Forgets every line.
    pub fn clear(&mut self) {
        self.lines.clear();
    }

    /// The text so far; the trace starts over (same start, same style).
    pub fn take(&mut self) -> String {
        let text = self.text();
        self.lines.clear();
        text
    }

    /// Whether any line contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.lines.iter().any(|l| l.contains(needle))
    }
}

impl std::fmt::Display for Trace {
    /// The whole trace, as [`text`](Trace::text) (for `insta::assert_snapshot!`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// Text with the record separator shown as `␞`.
pub fn show_str(s: &str) -> String {
    s.replace('\x1e', "␞")
}

/// How a binary payload is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// `<bin 0102>` (Pair).
    Angle,
    /// `bin:0102` (the Engine.IO server harness).
    Colon,
    /// `binary [1, 2]` (the Socket.IO server and client engine harnesses).
    List,
}

impl Binary {
    /// `b` spelled this way.
    pub fn show(self, b: &[u8]) -> String {
        match self {
            Binary::Angle => format!("<bin {}>", hex(b)),
            Binary::Colon => format!("bin:{}", hex(b)),
            Binary::List => format!("binary {b:?}"),
        }
    }
}

/// A payload: UTF-8 text as by [`show_str`], anything else spelled as `bin`.
pub fn show(b: &[u8], bin: Binary) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => show_str(s),
        Err(_) => bin.show(b),
    }
}

/// A payload quoted: UTF-8 text as `"…"` (Debug, after [`show_str`]), anything else as
/// `hex:…`.
pub fn show_quoted(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => format!("{:?}", show_str(s)),
        Err(_) => format!("hex:{}", hex(b)),
    }
}

/// A WebSocket frame: text as by [`show_str`] (quoted when `quote`), binary as `bin`.
pub fn show_ws(m: &WsMessage, quote: bool, bin: Binary) -> String {
    match m {
        WsMessage::Text(t) if quote => format!("{:?}", show_str(t)),
        WsMessage::Text(t) => show_str(t),
        WsMessage::Binary(b) => bin.show(b),
    }
}

/// Bytes as lowercase hex.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::new();
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Attachments as ` <hex> <hex>`.
pub fn attachments_hex(a: &[Bytes]) -> String {
    let mut s = String::new();
    for b in a {
        let _ = write!(s, " <{}>", hex(b));
    }
    s
}

/// Display names for handles, renumbered from 1 in order of first appearance:
/// `prefix1`, `prefix2`…
#[derive(Debug, Clone)]
pub struct Names<K> {
    prefix: &'static str,
    names: HashMap<K, usize>,
}

impl<K: Hash + Eq> Names<K> {
    /// Names `prefix1`, `prefix2`…
    pub fn new(prefix: &'static str) -> Names<K> {
        Names {
            prefix,
            names: HashMap::new(),
        }
    }

    /// The name of `k` (a new one on first sight).
    pub fn name(&mut self, k: K) -> String {
        let n = self.names.len() + 1;
        format!("{}{}", self.prefix, self.names.entry(k).or_insert(n))
    }

    /// The name of `k` if it has one.
    pub fn get(&self, k: &K) -> Option<String> {
        self.names.get(k).map(|n| format!("{}{n}", self.prefix))
    }
}
