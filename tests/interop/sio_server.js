// Reference for the Socket.IO mode of examples/tokio_server.rs: the same application
// written on the official Node `socket.io` server (pinned in package.json).
//
// tests/interop_socketio_js.rs and tests/interop_socketio_python.rs run their client
// scripts against this server too, as a control: every expectation the tests assert
// about our server holds for the official one.
//
// Usage: node sio_server.js [--port N] [--ping-interval MS] [--ping-timeout MS]
//                           [--max-payload BYTES] [--connect-timeout MS]
//
// Prints `listening on http://127.0.0.1:PORT` once listening (port 0 picks a free port).
//
// Namespaces `/` and `/custom` behave the same:
// - on connect, emits `auth` with the CONNECT payload (`{}` when none);
// - `message` is echoed back as `message-back` with the same arguments (binary too);
// - `message-with-ack` is acknowledged with its own arguments;
// - `echo` is answered with `echo-back` (same arguments, to the sender);
// - `broadcast` is answered with `broadcast-back` (same arguments, to every socket of
//   the namespace);
// - `join` (room) joins the room and acknowledges with the room name;
// - `to-room` (room, payload) emits `room-message` (room, payload) to the room;
// - `ask-me` (args…) makes the server emit `question` (args…) with an ack, then
//   `got-ack` with whatever the client acknowledged it with;
// - `disconnect-me` disconnects the socket from its namespace (the connection stays).
// Any other namespace is refused ("Invalid namespace").
"use strict";

const http = require("http");
const { Server } = require("socket.io");

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: Number(arg("--ping-interval", "25000")),
  pingTimeout: Number(arg("--ping-timeout", "20000")),
  maxHttpBufferSize: Number(arg("--max-payload", "1000000")),
  connectTimeout: Number(arg("--connect-timeout", "45000")),
});

function withoutAck(args) {
  if (args.length > 0 && typeof args[args.length - 1] === "function") {
    return [args.slice(0, -1), args[args.length - 1]];
  }
  return [args, null];
}

function setup(nsp) {
  nsp.on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth);

    socket.on("message", (...all) => {
      const [args] = withoutAck(all);
      socket.emit("message-back", ...args);
    });
    socket.on("message-with-ack", (...all) => {
      const [args, ack] = withoutAck(all);
      if (ack) ack(...args);
    });
    socket.on("echo", (...all) => {
      const [args] = withoutAck(all);
      socket.emit("echo-back", ...args);
    });
    socket.on("broadcast", (...all) => {
      const [args] = withoutAck(all);
      nsp.emit("broadcast-back", ...args);
    });
    socket.on("join", (...all) => {
      const [args, ack] = withoutAck(all);
      socket.join(String(args[0]));
      if (ack) ack(args[0]);
    });
    socket.on("to-room", (...all) => {
      const [args] = withoutAck(all);
      nsp.to(String(args[0])).emit("room-message", args[0], args[1]);
    });
    socket.on("ask-me", (...all) => {
      const [args] = withoutAck(all);
      socket.emit("question", ...args, (...reply) => {
        socket.emit("got-ack", ...reply);
      });
    });
    socket.on("disconnect-me", () => socket.disconnect());
  });
}

setup(io.of("/"));
setup(io.of("/custom"));

httpServer.listen(Number(arg("--port", "0")), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${httpServer.address().port}`);
});

process.on("SIGTERM", () => {
  io.close();
  process.exit(0);
});
