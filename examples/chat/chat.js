// A small browser Socket.IO client for the chat example: Engine.IO v4 over WebSocket,
// Socket.IO v5 text packets on the main namespace. No bundle, no dependencies.
//
//   const socket = new ChatSocket(location.origin, { name: "alice" });
//   socket.on("connect", () => ...);          // also: disconnect, connect_error, reconnecting
//   socket.on("chat message", (msg) => ...);  // any server event
//   socket.emit("chat message", "hi", (reply) => ...);  // last function = ack
//   socket.emitVolatile("typing", true);      // dropped when offline
//
// Wire format (see the Engine.IO v4 and Socket.IO v5 protocol specs):
//   Engine.IO: "0{json}" open, "1" close, "2" ping -> answer "3", "4<data>" message, "6" noop
//   Socket.IO inside "4": <type>[<attachments>-][<nsp>,][<ack id>][<json>]
//     0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5/6 binary (skipped here)
"use strict";

class ChatSocket {
  constructor(origin, auth, options = {}) {
    this.url = origin.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
    this.auth = auth;
    this.reconnectDelay = options.reconnectDelay || 1000;
    this.reconnectDelayMax = options.reconnectDelayMax || 5000;
    this.maxBuffer = options.maxBuffer || 100;
    this.handlers = new Map();
    this.acks = new Map();
    this.nextAck = 0;
    this.buffer = [];
    this.connected = false;
    this.id = null;
    this.attempts = 0;
    this.stopped = false;
    this.ws = null;
    this.heartbeat = null;
    this.retryTimer = null;
    this.skipBinary = 0;
    this.open();
  }

  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(fn);
    return this;
  }

  fire(event, args) {
    for (const fn of this.handlers.get(event) || []) {
      try {
        fn(...args);
      } catch (e) {
        console.error("handler for", event, "failed:", e);
      }
    }
  }

  // Emits an event; a function as last argument asks for an acknowledgement. Sent at once
  // when connected, else buffered (at most maxBuffer packets, oldest dropped).
  emit(event, ...args) {
    let ackId = "";
    if (typeof args[args.length - 1] === "function") {
      const fn = args.pop();
      ackId = String(this.nextAck++);
      this.acks.set(ackId, fn);
    }
    const packet = "42" + ackId + JSON.stringify([event, ...args]);
    if (this.connected) {
      this.send(packet);
    } else {
      this.buffer.push(packet);
      if (this.buffer.length > this.maxBuffer) this.buffer.shift();
    }
    return this;
  }

  // Emits only if connected right now (like socket.volatile.emit).
  emitVolatile(event, ...args) {
    if (this.connected) this.send("42" + JSON.stringify([event, ...args]));
    return this;
  }

  // Leaves for good (no reconnection).
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.ws) {
      if (this.connected) this.send("41");
      this.ws.close();
    }
    this.lost("io client disconnect");
  }

  // ----- internals -----

  open() {
    this.ws = new WebSocket(this.url);
    const ws = this.ws;
    ws.onmessage = (ev) => {
      if (ws === this.ws) this.onFrame(ev.data);
    };
    ws.onclose = () => {
      if (ws === this.ws) this.lost("transport close");
    };
    ws.onerror = () => {
      if (ws === this.ws) ws.close();
    };
  }

  send(text) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  // No ping within pingInterval + pingTimeout: the server is gone.
  watchHeartbeat() {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => {
      if (this.ws) this.ws.close();
      this.lost("ping timeout");
    }, this.pingInterval + this.pingTimeout);
  }

  onFrame(data) {
    if (typeof data !== "string") {
      // An attachment of a binary packet this client does not decode.
      if (this.skipBinary > 0) this.skipBinary--;
      return;
    }
    switch (data[0]) {
      case "0": {
        const open = JSON.parse(data.slice(1));
        this.pingInterval = open.pingInterval;
        this.pingTimeout = open.pingTimeout;
        this.watchHeartbeat();
        this.send("40" + JSON.stringify(this.auth));
        break;
      }
      case "1":
        this.ws.close();
        break;
      case "2":
        this.watchHeartbeat();
        this.send("3");
        break;
      case "4":
        this.onPacket(data.slice(1));
        break;
      default:
        break; // "6" noop, anything unknown
    }
  }

  onPacket(text) {
    const type = text[0];
    let i = 1;
    if (type === "5" || type === "6") {
      const dash = text.indexOf("-");
      this.skipBinary += parseInt(text.slice(1, dash), 10) || 0;
      return;
    }
    if (text[i] === "/") {
      const comma = text.indexOf(",", i);
      if (comma < 0) return;
      if (text.slice(i, comma) !== "/") return; // another namespace
      i = comma + 1;
    }
    let ackId = "";
    while (i < text.length && text[i] >= "0" && text[i] <= "9") ackId += text[i++];
    let data;
    try {
      data = i < text.length ? JSON.parse(text.slice(i)) : undefined;
    } catch (e) {
      console.error("bad packet", text);
      return;
    }
    switch (type) {
      case "0":
        this.connected = true;
        this.id = data && data.sid;
        this.attempts = 0;
        this.fire("connect", [this.id]);
        for (const packet of this.buffer.splice(0)) this.send(packet);
        break;
      case "1":
        this.stopped = true; // kicked by the server: do not come back
        this.ws.close();
        this.lost("io server disconnect");
        break;
      case "2": {
        if (!Array.isArray(data) || typeof data[0] !== "string") return;
        const args = data.slice(1);
        if (ackId !== "") {
          let answered = false;
          args.push((...reply) => {
            if (answered) return;
            answered = true;
            this.send("43" + ackId + JSON.stringify(reply));
          });
        }
        this.fire(data[0], args);
        break;
      }
      case "3": {
        const fn = this.acks.get(ackId);
        if (fn) {
          this.acks.delete(ackId);
          fn(...(Array.isArray(data) ? data : []));
        }
        break;
      }
      case "4":
        this.stopped = true; // refused (bad name): retrying would not help
        this.ws.close();
        this.fire("connect_error", [new Error((data && data.message) || "refused")]);
        this.lost("connect error");
        break;
      default:
        break;
    }
  }

  // The connection is gone: report it once, then come back after a delay unless stopped.
  lost(reason) {
    clearTimeout(this.heartbeat);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
    }
    const wasConnected = this.connected;
    this.connected = false;
    this.acks.clear();
    if (wasConnected) this.fire("disconnect", [reason]);
    if (this.stopped || this.retryTimer) return;
    const base = Math.min(this.reconnectDelay * 2 ** this.attempts, this.reconnectDelayMax);
    const delay = Math.round(base * (0.5 + Math.random()));
    this.attempts++;
    this.fire("reconnecting", [delay, this.attempts]);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, delay);
  }
}

window.ChatSocket = ChatSocket;
