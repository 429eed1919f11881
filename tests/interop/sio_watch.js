// Connects the official npm `socket.io-client` (pinned in package.json) and reports how
// the connection ends: prints `connected` once connected, then one JSON line
// {"reason": "..."} when the socket disconnects (tests/interop_socketio_js.rs stops the
// server in between). Bounded: exits 1 after 10 s without a disconnect.
//
// Usage: node sio_watch.js URL TRANSPORT   (TRANSPORT: polling | websocket)
"use strict";

const { io } = require("socket.io-client");

const [url, transport] = process.argv.slice(2);
const socket = io(url, { transports: [transport], upgrade: false, reconnection: false });
socket.on("connect", () => console.log("connected"));
socket.on("connect_error", (e) => {
  console.log(JSON.stringify({ error: `connect_error ${e.message}` }));
  process.exit(1);
});
socket.on("disconnect", (reason) => {
  console.log(JSON.stringify({ reason }));
  process.exit(0);
});
setTimeout(() => {
  console.log(JSON.stringify({ error: "no disconnect within 10 s" }));
  process.exit(1);
}, 10000);
