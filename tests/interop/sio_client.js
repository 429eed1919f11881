// The official npm `socket.io-client` (pinned in package.json) against a Socket.IO
// server that runs the application described in sio_server.js (our
// examples/tokio_server.rs, or sio_server.js itself as a control).
//
// Usage: node sio_client.js URL MODE
//   MODE: polling   (transports ["polling"], no upgrade)
//         websocket (transports ["websocket"])
//         upgrade   (polling first, then the upgrade to WebSocket; waits for it)
//
// Prints one JSON line with what it observed (binary values as {"$bin":"<hex>"});
// tests/interop_socketio_js.rs asserts on it. Every wait is bounded; on failure it
// prints {"error": "..."} and exits 1.
"use strict";

const { io } = require("socket.io-client");

const [url, mode] = process.argv.slice(2);
const STEP_MS = 5000;

function transportOptions() {
  switch (mode) {
    case "polling":
      return { transports: ["polling"], upgrade: false };
    case "websocket":
      return { transports: ["websocket"] };
    case "upgrade":
      return { transports: ["polling", "websocket"], upgrade: true };
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

// Binary (Buffer / ArrayBuffer / typed arrays) as {"$bin": hex}, recursively.
function enc(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("hex") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v)) {
    return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  }
  if (Array.isArray(v)) return v.map(enc);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = enc(v[k]);
    return o;
  }
  return v;
}

function withTimeout(promise, what, ms = STEP_MS) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Resolves with the argument list of the next `event` on `emitter`.
function next(emitter, event) {
  return withTimeout(
    new Promise((resolve) => emitter.once(event, (...args) => resolve(args))),
    `${event}`,
  );
}

// Emits with an ack (and a timeout), resolves with the ack's arguments.
function emitAck(socket, event, ...args) {
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.timeout(STEP_MS).emit(event, ...args, (err, ...reply) => {
        if (err) reject(new Error(`no ack for ${event}: ${err.message}`));
        else resolve(reply);
      });
    }),
    `ack of ${event}`,
    STEP_MS + 1000,
  );
}

// Opens a socket and waits for `connect` and the `auth` event the server emits on
// connect; resolves with [socket, authArgs].
async function open(makeSocket, what) {
  const socket = makeSocket();
  const auth = next(socket, "auth");
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (e) => reject(new Error(`${what}: connect_error ${e.message}`)));
    }),
    `${what} connect`,
  );
  return [socket, await auth];
}

// A round trip through `echo`: everything the server queued for this socket before it
// handled the echo has arrived once `echo-back` is here.
async function roundTrip(socket, tag) {
  const back = next(socket, "echo-back");
  socket.emit("echo", tag);
  return (await back)[0];
}

async function main() {
  const out = { mode };
  const opts = { ...transportOptions(), forceNew: true, reconnection: false, timeout: STEP_MS };
  const sockets = [];

  // 1. The root namespace, with auth.
  // The engine's first transport and its upgrade are watched from the manager's `open`.
  let upgraded = null;
  out.upgraded = false;
  const [root, rootAuth] = await open(() => {
    const s = io(url, { ...opts, auth: { token: "abc", n: 1 } });
    s.io.once("open", () => {
      out.initial_transport = s.io.engine.transport.name;
      upgraded = new Promise((resolve) =>
        s.io.engine.once("upgrade", () => {
          out.upgraded = true;
          resolve();
        }),
      );
    });
    return s;
  }, "root");
  sockets.push(root);
  out.root_auth = enc(rootAuth);
  out.root_connected = root.connected;
  out.socket_id_differs_from_engine_id = typeof root.id === "string" && root.id !== root.io.engine.id;
  if (mode === "upgrade" && upgraded) await withTimeout(upgraded, "engine upgrade");
  out.transport = root.io.engine.transport.name;

  // 2. Echo with binary: top level, nested in objects and arrays.
  const message = [
    "hello",
    42,
    { a: Buffer.from([1, 2, 3]), nested: { b: [Buffer.from([0, 255]), "x"] } },
    Buffer.from([0xde, 0xad, 0xbe, 0xef]),
    null,
    true,
    "ünïcode ✓",
  ];
  const backP = next(root, "message-back");
  root.emit("message", ...message);
  out.message_back = enc(await backP);
  out.message_sent = enc(message);

  // 3. Acks, client -> server (binary in the request and in the reply).
  out.ack_reply = enc(
    await emitAck(root, "message-with-ack", "x", Buffer.from([9, 8, 7]), { k: Buffer.from("bin") }),
  );
  out.ack_reply_plain = enc(await emitAck(root, "message-with-ack", 1, "two", { three: [3] }));

  // 4. Acks, server -> client: `question` arrives with an ack callback; the server
  // reports our reply back with `got-ack`.
  root.once("question", (...args) => {
    const ack = args.pop();
    out.question = enc(args);
    ack("got", ...args, Buffer.from([7, 7]));
  });
  const gotAck = next(root, "got-ack");
  root.emit("ask-me", Buffer.from([1, 2]), "q", { deep: Buffer.from([3]) });
  out.got_ack = enc(await gotAck);

  // 5. A second namespace multiplexed on the same connection.
  const [custom, customAuth] = await open(
    () => root.io.socket("/custom", { auth: { ns: "custom" } }),
    "/custom",
  );
  sockets.push(custom);
  out.custom_auth = enc(customAuth);
  out.custom_shares_engine = custom.io.engine === root.io.engine;
  const customBack = next(custom, "message-back");
  custom.emit("message", "in custom", Buffer.from([4, 2]));
  out.custom_message_back = enc(await customBack);

  // 6. An unknown namespace is refused.
  const nope = root.io.socket("/nope");
  sockets.push(nope);
  const nopeErr = await withTimeout(
    new Promise((resolve) => {
      nope.once("connect_error", (e) => resolve(e));
      nope.once("connect", () => resolve(new Error("connected to /nope")));
    }),
    "/nope connect_error",
  );
  out.unknown_namespace_error = nopeErr.message;
  out.root_alive_after_unknown = await roundTrip(root, "after /nope");

  // 7. Server-side disconnect of the /custom socket; the root socket keeps working.
  const customGone = next(custom, "disconnect");
  custom.emit("disconnect-me");
  out.custom_disconnect_reason = (await customGone)[0];
  out.root_alive_after_disconnect = await roundTrip(root, "after disconnect-me");
  out.root_connected_after_disconnect = root.connected;

  // 8. A connection without auth gets `{}`.
  const [plain, plainAuth] = await open(() => io(url, opts), "no-auth");
  sockets.push(plain);
  out.no_auth = enc(plainAuth);

  // 9. Rooms: a and b join room-a, c joins room-b; c sends to room-a.
  const members = [];
  for (const name of ["a", "b", "c"]) {
    const [s] = await open(() => io(url, opts), `client ${name}`);
    sockets.push(s);
    members.push(s);
  }
  const [a, b, c] = members;
  const got = { a: [], b: [], c: [], root: [], plain: [] };
  const watch = { a, b, c, root, plain };
  for (const [name, s] of Object.entries(watch)) {
    s.on("room-message", (...args) => got[name].push(enc(args)));
  }
  out.join_acks = [
    await emitAck(a, "join", "room-a"),
    await emitAck(b, "join", "room-a"),
    await emitAck(c, "join", "room-b"),
  ];
  const aGot = next(a, "room-message");
  const bGot = next(b, "room-message");
  c.emit("to-room", "room-a", { hi: Buffer.from([0xaa]) });
  await aGot;
  await bGot;
  // Round trips on the others: anything sent to them before would be here by now.
  await roundTrip(c, "c");
  await roundTrip(root, "root");
  await roundTrip(plain, "plain");
  out.room_messages = got;

  // 10. Broadcast to the whole namespace reaches every connected root socket once.
  const everyone = { root, plain, a, b, c };
  const counts = {};
  for (const [name, s] of Object.entries(everyone)) {
    counts[name] = 0;
    s.on("broadcast-back", () => counts[name]++);
  }
  const arrivals = Object.values(everyone).map((s) => next(s, "broadcast-back"));
  a.emit("broadcast", "all", Buffer.from([1]));
  const first = await Promise.all(arrivals);
  for (const [name, s] of Object.entries(everyone)) await roundTrip(s, name);
  out.broadcast_args = enc(first[0]);
  out.broadcast_counts = counts;

  for (const s of sockets) s.disconnect();
  out.ok = true;
  return out;
}

main().then(
  (out) => {
    console.log(JSON.stringify(out));
    process.exit(0);
  },
  (err) => {
    console.log(JSON.stringify({ error: String((err && err.stack) || err) }));
    process.exit(1);
  },
);
