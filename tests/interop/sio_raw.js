// Raw Socket.IO packets over the official npm `engine.io-client` (pinned in
// package.json), against a server running the application of sio_server.js: checks
// what socket.io-client hides (it buffers events that arrive before the CONNECT reply).
//
// Usage: node sio_raw.js URL SCENARIO TRANSPORT
//   SCENARIO order:           CONNECT `/` with auth, `/custom` without, `/nope`; records
//                             every packet in arrival order.
//   SCENARIO connect-timeout: opens the Engine.IO session and sends nothing; records
//                             how long until the server closes it.
//   TRANSPORT: polling | websocket
//
// Prints one JSON line; tests/interop_socketio_js.rs asserts on it. Every wait is
// bounded; on failure it prints {"error": "..."} and exits 1.
"use strict";

const { Socket } = require("engine.io-client");

const [url, scenario, transport] = process.argv.slice(2);
const LIMIT_MS = 8000;

function connect() {
  return new Socket(url, {
    path: "/socket.io/",
    transports: [transport],
    upgrade: false,
  });
}

function order() {
  return new Promise((resolve, reject) => {
    const socket = connect();
    const packets = [];
    socket.on("open", () => {
      socket.send('0{"token":"raw"}');
    });
    socket.on("message", (data) => {
      packets.push(typeof data === "string" ? data : { binary: Buffer.from(data).toString("hex") });
      // After `/`'s CONNECT reply and `auth`, ask for /custom, then /nope.
      if (packets.length === 2) socket.send("0/custom,");
      if (packets.length === 4) socket.send("0/nope,");
      if (packets.length === 5) {
        socket.close();
        resolve({ packets });
      }
    });
    socket.on("close", (reason) => {
      if (packets.length < 5) reject(new Error(`closed early: ${reason}; got ${JSON.stringify(packets)}`));
    });
  });
}

function connectTimeout() {
  return new Promise((resolve) => {
    const socket = connect();
    let opened = 0;
    const packets = [];
    socket.on("open", () => {
      opened = Date.now();
    });
    socket.on("message", (data) => packets.push(String(data)));
    socket.on("close", (reason) => {
      resolve({ closed: true, reason, after_ms: Date.now() - opened, packets });
    });
  });
}

const run = scenario === "order" ? order : connectTimeout;
const timer = setTimeout(() => {
  console.log(JSON.stringify({ error: `no result within ${LIMIT_MS} ms` }));
  process.exit(1);
}, LIMIT_MS);

run().then(
  (out) => {
    clearTimeout(timer);
    console.log(JSON.stringify(out));
    process.exit(0);
  },
  (err) => {
    clearTimeout(timer);
    console.log(JSON.stringify({ error: String((err && err.stack) || err) }));
    process.exit(1);
  },
);
