// Engine.IO interop client: drives the official `engine.io-client` against a server
// and prints one JSON result line on stdout.
//
// Usage: node engineio_client.js URL [options]
//   --transports polling,websocket   transports offered to the client (default both)
//   --no-upgrade                     do not try to upgrade polling -> websocket
//   --wait-upgrade                   send the second batch of messages only after the
//                                    upgrade (the first batch goes out right after open)
//   --no-echo                        send nothing
//   --stay MS                        stay connected MS after the echoes (default 0)
//   --timeout MS                     give up after MS (default 10000)
//   --path PATH                      server path (default /engine.io/)
//
// Result: { ok, sid, transport_at_open, transport_final, upgraded, sent, received,
//           pings, closed, close_reason, elapsed_ms, error }
// where sent/received are lists of {t:"text",v} / {t:"binary",hex}.
"use strict";

const { Socket } = require("engine.io-client");

const argv = process.argv.slice(2);
const url = argv[0];
const opt = (name) => argv.includes(name);
const val = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};

const transports = val("--transports", "polling,websocket").split(",");
const stayMs = Number(val("--stay", "0"));
const timeoutMs = Number(val("--timeout", "10000"));
const path = val("--path", "/engine.io/");
const waitUpgrade = opt("--wait-upgrade");
const echo = !opt("--no-echo");

const started = Date.now();
const result = {
  ok: false,
  sid: null,
  transport_at_open: null,
  transport_final: null,
  upgraded: false,
  sent: [],
  received: [],
  pings: 0,
  closed: false,
  close_reason: null,
  elapsed_ms: 0,
  error: null,
};

function describe(data) {
  if (typeof data === "string") return { t: "text", v: data };
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { t: "binary", hex: buf.toString("hex") };
}

// Messages that exercise the codec: ASCII, multi-byte UTF-8, a digit first (no packet
// type confusion), a large string, binary with every byte value, and a short binary.
function batch(tag) {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  return [
    `hello ${tag}`,
    "héllo wörld ✓ 🚀",
    "4242",
    "x".repeat(20000) + tag,
    all,
    Buffer.from([0, 1, 2, 0xff, 0x1e]),
  ];
}

let finished = false;
function finish(error) {
  if (finished) return;
  finished = true;
  result.error = error || null;
  result.elapsed_ms = Date.now() - started;
  result.transport_final = socket.transport ? socket.transport.name : null;
  result.ok = !error;
  socket.off("close");
  try {
    socket.close();
  } catch (_) {
    /* ignore */
  }
  // Exit only once the line is written: stdout is a pipe, and pipe writes are async.
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(error ? 1 : 0));
}

const timer = setTimeout(() => finish(`timeout after ${timeoutMs} ms`), timeoutMs);

const socket = new Socket(url, {
  path,
  transports,
  upgrade: !opt("--no-upgrade"),
});

let expected = 0;
function send(messages) {
  for (const m of messages) {
    result.sent.push(describe(m));
    expected += 1;
    socket.send(m);
  }
}

function maybeDone() {
  const waitingUpgrade = waitUpgrade && !result.upgraded;
  if (result.received.length >= expected && !waitingUpgrade) {
    clearTimeout(timer);
    setTimeout(() => finish(null), stayMs);
  }
}

socket.on("open", () => {
  result.sid = socket.id;
  result.transport_at_open = socket.transport.name;
  if (echo) send(batch("first"));
  if (!echo) maybeDone();
});

socket.on("upgrade", (transport) => {
  result.upgraded = true;
  result.upgraded_to = transport.name;
  if (echo && waitUpgrade) send(batch("after-upgrade"));
  maybeDone();
});

socket.on("message", (data) => {
  result.received.push(describe(data));
  maybeDone();
});

socket.on("ping", () => {
  result.pings += 1;
});

socket.on("close", (reason, description) => {
  result.closed = true;
  result.close_reason = reason;
  finish(`closed: ${reason} ${description ? String(description.message || description) : ""}`);
});

socket.on("error", (err) => {
  finish(`error: ${err && err.message ? err.message : String(err)}`);
});
