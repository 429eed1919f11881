// The official Node `socket.io` server (pinned in package.json) used by
// tests/interop_client_node.rs to check our client.
//
// Usage: node node_server.js [--port N] [--ping-interval MS] [--ping-timeout MS]
//                            [--tls-cert PEM --tls-key PEM]
//
// Prints `listening on http://127.0.0.1:PORT` once listening (port 0 picks a free port;
// `https://` with --tls-cert/--tls-key, and then one {"tls_error": "..."} line for each
// TLS handshake a client failed, so tests can count attempts),
// then one JSON line per event received: {"nsp":"/","event":"message","args":[...]}
// (binary values are shown as {"$bin":"<hex>"}), and one per Engine.IO message
// received, exactly as it arrived: {"eio":"<sid>","raw":"<text>"} or
// {"eio":"<sid>","raw_bin":"<hex>"}.
//
// Namespaces `/` and `/custom` behave the same:
// - on connect, emits `auth` with the CONNECT payload (socket.handshake.auth);
// - `message` is echoed back as `message-back` with the same arguments (binary too);
// - `message-with-ack` is acknowledged with its own arguments;
// - `ask-me` makes the server emit `question` (with the ask-me arguments) with an ack,
//   and then `got-ack` with whatever the client acknowledged it with;
// - `get-received` is acknowledged with the list of `message` argument lists this
//   process received in that namespace, in order;
// - `disconnect-me` makes the server disconnect the socket from its namespace (the
//   Engine.IO connection and other namespaces stay up).
// Any other namespace is refused by socket.io ("Invalid namespace").
"use strict";

const fs = require("fs");
const http = require("http");
const https = require("https");
const { Server } = require("socket.io");

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const port = Number(arg("--port", "0"));
const pingInterval = Number(arg("--ping-interval", "25000"));
const pingTimeout = Number(arg("--ping-timeout", "20000"));

// JSON with binary shown as {"$bin": hex}, for stdout.
function show(value) {
  return JSON.stringify(value, (key, v) => {
    if (v && v.type === "Buffer" && Array.isArray(v.data)) {
      return { $bin: Buffer.from(v.data).toString("hex") };
    }
    if (v instanceof ArrayBuffer) {
      return { $bin: Buffer.from(v).toString("hex") };
    }
    return v;
  });
}

const tlsCert = arg("--tls-cert", null);
const tlsKey = arg("--tls-key", null);
const httpServer = tlsCert
  ? https.createServer({ cert: fs.readFileSync(tlsCert), key: fs.readFileSync(tlsKey) })
  : http.createServer();
if (tlsCert) {
  httpServer.on("tlsClientError", (err) => {
    console.log(JSON.stringify({ tls_error: String(err && err.code ? err.code : err) }));
  });
}
const io = new Server(httpServer, {
  pingInterval,
  pingTimeout,
  maxHttpBufferSize: 1e6,
});

function setup(nsp) {
  const received = [];
  nsp.on("connection", (socket) => {
    console.log(show({ nsp: nsp.name, connected: socket.id, auth: socket.handshake.auth }));
    socket.emit("auth", socket.handshake.auth);

    socket.onAny((event, ...args) => {
      const shown = args.filter((a) => typeof a !== "function");
      console.log(show({ nsp: nsp.name, event, args: shown }));
    });

    socket.on("message", (...args) => {
      received.push(args);
      socket.emit("message-back", ...args);
    });

    socket.on("message-with-ack", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });

    socket.on("ask-me", (...args) => {
      if (typeof args[args.length - 1] === "function") args.pop();
      socket.emit("question", ...args, (...reply) => {
        socket.emit("got-ack", ...reply);
      });
    });

    socket.on("get-received", (ack) => {
      if (typeof ack === "function") ack(received);
    });

    socket.on("disconnect-me", () => socket.disconnect());

    socket.on("disconnect", (reason) => {
      console.log(show({ nsp: nsp.name, disconnected: socket.id, reason }));
    });
  });
}

// Every Engine.IO message the server receives, as it came (text, or binary as hex), so
// the tests can compare our client's encoding with the official client's.
io.engine.on("connection", (rawSocket) => {
  rawSocket.on("packet", (packet) => {
    if (packet.type !== "message") return;
    const data = packet.data;
    if (typeof data === "string") {
      console.log(JSON.stringify({ eio: rawSocket.id, raw: data }));
    } else {
      console.log(JSON.stringify({ eio: rawSocket.id, raw_bin: Buffer.from(data).toString("hex") }));
    }
  });
});

setup(io.of("/"));
setup(io.of("/custom"));

httpServer.listen(port, "127.0.0.1", () => {
  const scheme = tlsCert ? "https" : "http";
  console.log(`listening on ${scheme}://127.0.0.1:${httpServer.address().port}`);
});

process.on("SIGTERM", () => {
  io.close();
  process.exit(0);
});
