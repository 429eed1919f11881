"""python-socketio's client (pinned in requirements.txt) against a Socket.IO server that
runs the application described in sio_server.js (our examples/tokio_server.rs, or
sio_server.js itself as a control).

Usage: tests/interop/.venv/bin/python sio_client.py URL TRANSPORT
  TRANSPORT: polling | websocket

Prints one JSON line with what it observed (binary values as {"$bin": "<hex>"});
tests/interop_socketio_python.rs asserts on it. Every wait is bounded; on failure it
prints {"error": "..."} and exits 1.
"""

import json
import sys
import threading
import traceback

import socketio

STEP = 5.0


def enc(v):
    """Binary as {"$bin": hex}, recursively; tuples become lists."""
    if isinstance(v, (bytes, bytearray)):
        return {"$bin": bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    return v


class Inbox:
    """Collects the argument lists of named events and waits for them with a deadline."""

    def __init__(self):
        self.cond = threading.Condition()
        self.events = {}

    def push(self, event, args):
        with self.cond:
            self.events.setdefault(event, []).append(list(args))
            self.cond.notify_all()

    def take(self, event):
        with self.cond:
            ok = self.cond.wait_for(lambda: self.events.get(event), timeout=STEP)
            if not ok:
                raise TimeoutError("timeout waiting for " + event)
            return self.events[event].pop(0)


def handlers(sio, inbox, namespace):
    for name in ("auth", "message-back", "echo-back", "got-ack"):
        sio.on(name, (lambda n: lambda *args: inbox.push(n, args))(name), namespace=namespace)

    def question(*args):
        inbox.push("question", args)
        # A tuple is sent as several ack arguments.
        return ("got",) + args + (b"\x07\x07",)

    sio.on("question", question, namespace=namespace)


def main():
    url, transport = sys.argv[1], sys.argv[2]
    out = {"transport": transport}
    sio = socketio.Client(reconnection=False, request_timeout=STEP)
    inbox = Inbox()
    custom_inbox = Inbox()
    handlers(sio, inbox, "/")
    handlers(sio, custom_inbox, "/custom")
    try:
        sio.connect(
            url,
            auth={"token": "py", "list": [1, 2]},
            transports=[transport],
            namespaces=["/", "/custom"],
            wait_timeout=STEP,
        )
        out["connected"] = sio.connected
        out["engine_transport"] = sio.transport()
        out["root_auth"] = enc(inbox.take("auth"))
        out["custom_auth"] = enc(custom_inbox.take("auth"))

        # Echo, text and binary (top level and nested).
        message = ("hello", 7, {"bin": b"\x01\x02\x03", "list": [b"\x00\xff", "x"]}, b"\xde\xad")
        sio.emit("message", message)
        out["message_sent"] = enc(message)
        out["message_back"] = enc(inbox.take("message-back"))

        sio.emit("echo", "plain text")
        out["echo_back"] = enc(inbox.take("echo-back"))

        # Acks, client -> server; several arguments come back as a tuple.
        reply = sio.call("message-with-ack", ("x", b"\x09\x08", {"k": b"bin"}), timeout=STEP)
        out["ack_reply"] = enc(reply)
        out["ack_reply_single"] = enc(sio.call("message-with-ack", "only", timeout=STEP))

        # Acks, server -> client: the handler's return value is the ack.
        sio.emit("ask-me", (b"\x01\x02", "q"))
        out["question"] = enc(inbox.take("question"))
        out["got_ack"] = enc(inbox.take("got-ack"))

        # The /custom namespace on the same connection.
        sio.emit("message", ("in custom", b"\x04\x02"), namespace="/custom")
        out["custom_message_back"] = enc(custom_inbox.take("message-back"))

        sio.disconnect()
        out["ok"] = True
        print(json.dumps(out), flush=True)
        return 0
    except Exception:  # noqa: BLE001 - report anything as a JSON error line
        out["error"] = traceback.format_exc()
        print(json.dumps(out), flush=True)
        try:
            sio.disconnect()
        except Exception:  # noqa: BLE001
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
