// A raw Engine.IO client that completes the handshake and then never answers pings;
// measures when the server drops it. Prints one JSON result line on stdout.
//
// Usage: node engineio_nopong.js URL --transport websocket|polling [--timeout MS]
//        [--path /engine.io/]
//
// Result: { ok, transport, handshake, pings, ping_times_ms, closed, closed_by,
//           closed_after_ms, close_code, error }
// Times are measured from the moment the handshake (open packet) was received.
"use strict";

const WebSocket = require("ws");

const argv = process.argv.slice(2);
const base = argv[0].replace(/\/$/, "");
const val = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const transport = val("--transport", "websocket");
const timeoutMs = Number(val("--timeout", "10000"));
const path = val("--path", "/engine.io/");

const result = {
  ok: false,
  transport,
  handshake: null,
  pings: 0,
  ping_times_ms: [],
  closed: false,
  closed_by: null,
  closed_after_ms: null,
  close_code: null,
  error: null,
};
let openedAt = null;
const since = () => (openedAt === null ? null : Date.now() - openedAt);

let finished = false;
function finish(error) {
  if (finished) return;
  finished = true;
  result.error = error || null;
  result.ok = !error;
  // Exit only once the line is written: stdout is a pipe, and pipe writes are async.
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(error ? 1 : 0));
}
setTimeout(() => finish(`no close within ${timeoutMs} ms`), timeoutMs);

function onPacket(p) {
  if (p.startsWith("0")) {
    openedAt = Date.now();
    result.handshake = JSON.parse(p.slice(1));
  } else if (p === "2") {
    result.pings += 1;
    result.ping_times_ms.push(since());
  } else if (p === "1") {
    result.closed = true;
    result.closed_by = "close packet";
    result.closed_after_ms = since();
  }
}

async function runPolling() {
  const url = (q) => `${base}${path}?EIO=4&transport=polling${q}`;
  let res = await fetch(url(""));
  const body = await res.text();
  for (const p of body.split("\x1e")) onPacket(p);
  const sid = result.handshake && result.handshake.sid;
  if (!sid) return finish(`bad handshake: ${res.status} ${body}`);
  for (;;) {
    res = await fetch(url(`&sid=${encodeURIComponent(sid)}`));
    const text = await res.text();
    if (res.status !== 200) {
      result.closed = true;
      result.closed_by = `http ${res.status}`;
      result.closed_after_ms = since();
      result.close_body = text;
      return finish(null);
    }
    for (const p of text.split("\x1e")) onPacket(p);
    if (result.closed) return finish(null);
  }
}

function runWebSocket() {
  const wsUrl = `${base.replace(/^http/, "ws")}${path}?EIO=4&transport=websocket`;
  const ws = new WebSocket(wsUrl);
  ws.on("message", (data, isBinary) => {
    if (!isBinary) onPacket(data.toString());
  });
  ws.on("close", (code) => {
    result.close_code = code;
    if (!result.closed) {
      result.closed = true;
      result.closed_by = "websocket close";
      result.closed_after_ms = since();
    }
    finish(null);
  });
  ws.on("error", (err) => finish(`websocket error: ${err.message}`));
}

if (transport === "polling") {
  runPolling().catch((e) => finish(`polling error: ${e.message}`));
} else {
  runWebSocket();
}
