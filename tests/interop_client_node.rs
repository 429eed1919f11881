//! Interop: every client example (each drives the Manager on another runtime adapter, see
//! [`common::process::CLIENTS`]) against the official Node `socket.io` 4.8 server
//! (`tests/interop/node_server.js`). Each scenario runs once per client, as
//! `<client>::<scenario>` (`client_matrix!`).
//!
//! Built only with `--features interop`. Needs `cargo build --examples` and
//! `cd tests/interop && npm ci` (`bash .ci/test` does both and turns the feature on). The client runs `--script interop` / `--script reconnect` and prints
//! one JSON line per check; the assertions are here.

mod common;

use common::process::{
    client_matrix, interop_dir, require_npm_package, run_script, spawn_server, ChildGuard, Server,
};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Starts the Node server on `port` (0 = any) and waits for its port line.
fn node_server(port: u16, ping_interval_ms: u32) -> Server {
    node_server_with(port, ping_interval_ms, 2000)
}

/// [`node_server`] with both heartbeat settings.
fn node_server_with(port: u16, ping_interval_ms: u32, ping_timeout_ms: u32) -> Server {
    require_npm_package("socket.io");
    let script = interop_dir().join("node_server.js");
    let script = script.to_string_lossy().into_owned();
    let port = port.to_string();
    let interval = ping_interval_ms.to_string();
    let timeout = ping_timeout_ms.to_string();
    spawn_server(
        Path::new("node"),
        &[
            &script,
            "--port",
            &port,
            "--ping-interval",
            &interval,
            "--ping-timeout",
            &timeout,
        ],
        Duration::from_secs(15),
    )
}

/// The client example, with its stdout read line by line; killed on drop.
struct Client {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    rx: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Client {
    /// Starts the client example `name` with `args`.
    fn spawn(name: &str, args: &[&str]) -> Client {
        let path = common::process::example_path(name);
        let mut child = Command::new(&path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let store = stderr.clone();
        let err = child.stderr.take().expect("piped stderr");
        thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut v) = store.lock() {
                    v.push(line);
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Runs `--script script` against `url` over `transports`, with `--auth` if given.
    fn script(name: &str, url: &str, transports: &str, script: &str, auth: Option<&str>) -> Client {
        let mut args = vec!["--url", url, "--transports", transports];
        if let Some(auth) = auth {
            args.extend(["--auth", auth]);
        }
        args.extend(["--script", script]);
        Client::spawn(name, &args)
    }

    fn send_line(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("client stdin");
        writeln!(stdin, "{line}").expect("write to client stdin");
        stdin.flush().expect("flush client stdin");
    }

    fn report(&self) -> String {
        let err = self.stderr.lock().map(|v| v.join("\n")).unwrap_or_default();
        format!(
            "--- client stdout ---\n{}\n--- client stderr ---\n{err}",
            self.seen.join("\n")
        )
    }

    /// Waits (until `deadline`) for a JSON line whose `key` equals `value`.
    fn wait_for(&mut self, key: &str, value: &str, deadline: Instant, extra: &str) -> Value {
        self.wait_until(&format!("{key}={value}"), deadline, extra, |v| {
            v.get(key).and_then(Value::as_str) == Some(value)
        })
    }

    /// Waits (until `deadline`) for a JSON line that has `key`.
    fn wait_for_key(&mut self, key: &str, deadline: Instant, extra: &str) -> Value {
        self.wait_until(key, deadline, extra, |v| v.get(key).is_some())
    }

    fn wait_until(
        &mut self,
        what: &str,
        deadline: Instant,
        extra: &str,
        accept: impl Fn(&Value) -> bool,
    ) -> Value {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if let Ok(v) = serde_json::from_str::<Value>(&line) {
                        if accept(&v) {
                            return v;
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "no {what} from the client in time\n{}\n{extra}",
                        self.report()
                    )
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    thread::sleep(Duration::from_millis(100));
                    panic!(
                        "client exited ({:?}) before {what}\n{}\n{extra}",
                        self.child.try_wait(),
                        self.report()
                    )
                }
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bin(hex: &str) -> Value {
    json!({ "$bin": hex })
}

/// Runs `--script interop` over `transports` and checks every result line.
fn interop(client: &str, transports: &str) {
    let server = node_server(0, 25000);
    let url = server.url();
    let mut c = Client::script(
        client,
        &url,
        transports,
        "interop",
        Some(r#"{"token":"abc","n":1}"#),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let ctx = || server.process.output_report();

    let v = c.wait_for("check", "connected", deadline, &ctx());
    assert_eq!(v["nsp"], "/");
    assert!(v["sid"].as_str().is_some_and(|s| !s.is_empty()), "{v}");

    let v = c.wait_for("check", "auth", deadline, &ctx());
    assert_eq!(v["args"], json!([{"token": "abc", "n": 1}]), "{v}");

    let v = c.wait_for("check", "echo", deadline, &ctx());
    assert_eq!(
        v["args"],
        json!(["hello", bin("00010203ff"), {"nested": bin("0405"), "n": 1}, [bin(""), "x"]]),
        "{v}"
    );

    let v = c.wait_for("check", "ack", deadline, &ctx());
    assert_eq!(v["args"], json!([1, "two", bin("06"), null]), "{v}");

    let v = c.wait_for("check", "server-ack", deadline, &ctx());
    assert_eq!(v["question"], json!(["q?"]), "{v}");
    assert_eq!(v["got"], json!(["answer", bin("0708")]), "{v}");

    let v = c.wait_for("check", "custom", deadline, &ctx());
    assert_eq!(v["auth"], json!([{"ns": "custom"}]), "{v}");
    assert_eq!(v["echo"], json!(["in custom", bin("09")]), "{v}");

    let v = c.wait_for("check", "unknown-nsp", deadline, &ctx());
    assert_eq!(v["message"], "Invalid namespace", "{v}");

    let v = c.wait_for("check", "server-disconnect", deadline, &ctx());
    assert_eq!(v["reason"], "io server disconnect", "{v}");
    assert_eq!(v["custom_reconnected"], false, "{v}");
    assert_eq!(v["custom_connected"], false, "{v}");
    assert_eq!(v["main_connected"], true, "{v}");

    let v = c.wait_for("check", "transport", deadline, &ctx());
    let expected = match transports {
        "polling" => "polling",
        _ => "websocket",
    };
    assert_eq!(v["transport"], expected, "{v}");
    if transports == "polling,websocket" {
        assert_eq!(v["upgraded"], true, "{v}");
    }

    c.wait_for("check", "done", deadline, &ctx());

    // The server saw exactly what we sent, binary bytes included (its log is read by a
    // thread: wait for the line that came last).
    let until = Instant::now() + Duration::from_secs(5);
    let lines: Vec<Value> = loop {
        let lines: Vec<Value> = server
            .process
            .stdout()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if lines.iter().any(|v| v["event"] == "disconnect-me") || Instant::now() > until {
            break lines;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let messages: Vec<&Value> = lines
        .iter()
        .filter(|v| v["event"] == "message" && v["nsp"] == "/")
        .collect();
    assert_eq!(messages.len(), 1, "{}", server.process.output_report());
    assert_eq!(
        messages[0]["args"],
        json!(["hello", bin("00010203ff"), {"nested": bin("0405"), "n": 1}, [bin(""), "x"]])
    );
}

fn polling_only(client: &str) {
    interop(client, "polling");
}

fn websocket_only(client: &str) {
    interop(client, "websocket");
}

fn polling_then_upgrade(client: &str) {
    interop(client, "polling,websocket");
}

/// Kills the server, emits while disconnected, restarts the server on the same port:
/// the client reconnects and delivers the buffered emits exactly once, in order.
fn reconnect(client: &str, transports: &str) {
    let server = node_server(0, 25000);
    let port = server.port;
    let url = server.url();
    let mut c = Client::script(client, &url, transports, "reconnect", None);
    let deadline = Instant::now() + Duration::from_secs(30);
    c.wait_for(
        "step",
        "connected",
        deadline,
        &server.process.output_report(),
    );

    // Kill the server (SIGKILL, a crash: no goodbye packets); the client notices and
    // starts reconnecting.
    drop(server);
    let v = c.wait_for("step", "disconnected", deadline, "");
    let reason = v["reason"].as_str().unwrap_or_default().to_string();
    assert!(
        reason == "transport close" || reason == "transport error",
        "unexpected reason {v}"
    );
    let v = c.wait_for("step", "buffered", deadline, "");
    assert_eq!(v["buffered"], 5, "{v}");

    // Let at least one reconnection attempt fail, then restart on the same port.
    c.wait_for("step", "reconnect-attempt", deadline, "");
    let restarted: ChildGuard = node_server(port, 25000).process;
    let v = c.wait_for("step", "reconnected", deadline, &restarted.output_report());
    assert!(v["attempt"].as_u64().is_some_and(|n| n >= 1), "{v}");

    let v = c.wait_for("step", "received", deadline, &restarted.output_report());
    let expected: Vec<Value> = (1..=5).map(|i| json!([format!("offline-{i}")])).collect();
    assert_eq!(v["args"], json!([expected]), "{v}");

    // And the server's own log (read by a thread, so give it a moment): each buffered
    // message once, in order, and nothing more.
    let logged = || -> Vec<Value> {
        restarted
            .stdout()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["event"] == "message")
            .map(|v| v["args"].clone())
            .collect()
    };
    let until = Instant::now() + Duration::from_secs(5);
    while logged().len() < expected.len() && Instant::now() < until {
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(Duration::from_millis(200));
    assert_eq!(logged(), expected, "{}", restarted.output_report());
}

fn reconnect_after_server_restart_polling(client: &str) {
    reconnect(client, "polling");
}

fn reconnect_after_server_restart_websocket(client: &str) {
    reconnect(client, "websocket");
}

fn reconnect_after_server_restart_upgraded(client: &str) {
    reconnect(client, "polling,websocket");
}

/// The runnable mode: one JSON line per event, stdin lines emitted as `message`.
fn interactive_mode_prints_events_and_emits_stdin_lines(client: &str) {
    let server = node_server(0, 25000);
    let url = server.url();
    let mut c = Client::spawn(
        client,
        &[
            "--url",
            &url,
            "--namespace",
            "/custom",
            "--auth",
            r#"{"token":"abc"}"#,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let ctx = server.process.output_report();
    let v = c.wait_for("type", "connect", deadline, &ctx);
    assert_eq!(v["nsp"], "/custom", "{v}");
    let v = c.wait_for("event", "auth", deadline, &ctx);
    assert_eq!(v["args"], json!([{"token": "abc"}]), "{v}");
    c.send_line("hello from stdin");
    c.send_line("second line");
    let v = c.wait_for("event", "message-back", deadline, &ctx);
    assert_eq!(v["args"], json!(["hello from stdin"]), "{v}");
    assert_eq!(v["nsp"], "/custom", "{v}");
    let v = c.wait_for("event", "message-back", deadline, &ctx);
    assert_eq!(v["args"], json!(["second line"]), "{v}");
}

/// The official `socket.io-client` running the same steps as `--script interop`.
const OFFICIAL_CLIENT: &str = r#"
const { io } = require("socket.io-client");
const [url, transports] = process.argv.slice(1);
const s = io(url, { auth: { n: 1, token: "abc" }, transports: transports.split(",") });
s.on("auth", () => {
  s.emit("message", "hello", Buffer.from([0, 1, 2, 3, 255]),
    { n: 1, nested: Buffer.from([4, 5]) }, [Buffer.alloc(0), "x"]);
  s.emit("message-with-ack", 1, "two", Buffer.from([6]), null, () => s.emit("ask-me", "q?"));
});
s.on("question", (q, cb) => cb("answer", Buffer.from([7, 8])));
s.on("got-ack", () => {
  const c = s.io.socket("/custom", { auth: { ns: "custom" } });
  c.on("auth", () => c.emit("message", "in custom", Buffer.from([9])));
  c.on("message-back", () => {
    s.io.socket("/nope").on("connect_error", () => {
      c.emit("disconnect-me");
      setTimeout(() => { console.log(JSON.stringify({ done: true })); process.exit(0); }, 300);
    });
  });
});
setTimeout(() => process.exit(3), 15000);
"#;

/// The Engine.IO messages the server received on its first connection, as it logged
/// them (`{"raw": text}` / `{"raw_bin": hex}`), once the last one (`disconnect-me`)
/// is in.
fn raw_messages(server: &Server) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines: Vec<Value> = server
            .process
            .stdout()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("eio").is_some())
            .collect();
        let first = lines.first().map(|v| v["eio"].clone());
        let raw: Vec<Value> = lines
            .into_iter()
            .filter(|v| Some(&v["eio"]) == first.as_ref())
            .map(|mut v| {
                v.as_object_mut().map(|o| o.remove("eio"));
                v
            })
            .collect();
        let complete = raw
            .last()
            .is_some_and(|v| v["raw"] == r#"2/custom,["disconnect-me"]"#);
        if complete {
            return raw;
        }
        assert!(
            Instant::now() < deadline,
            "server log incomplete\n{}",
            server.process.output_report()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Byte-exact: every Socket.IO packet and binary attachment our client sends is what
/// the official client sends for the same calls.
fn same_bytes_as_official(client: &str, transports: &str) {
    let ours = node_server(0, 25000);
    let url = ours.url();
    let mut c = Client::script(
        client,
        &url,
        transports,
        "interop",
        Some(r#"{"n":1,"token":"abc"}"#),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    c.wait_for("check", "done", deadline, &ours.process.output_report());
    let our_raw = raw_messages(&ours);

    let theirs = node_server(0, 25000);
    let url = theirs.url();
    let run = run_script(
        "node",
        &["-e", OFFICIAL_CLIENT, &url, transports],
        &interop_dir(),
        Duration::from_secs(20),
    );
    assert!(
        run.status.success(),
        "official client failed\n{}",
        run.report()
    );
    let their_raw = raw_messages(&theirs);

    assert_eq!(
        our_raw,
        their_raw,
        "ours:\n{}\nofficial:\n{}",
        serde_json::to_string_pretty(&our_raw).unwrap_or_default(),
        serde_json::to_string_pretty(&their_raw).unwrap_or_default()
    );
    // A few exact strings, so a change on both sides cannot pass unnoticed.
    assert_eq!(our_raw[0]["raw"], r#"0{"n":1,"token":"abc"}"#);
    assert!(our_raw.contains(
        &json!({"raw": r#"51-0["message-with-ack",1,"two",{"_placeholder":true,"num":0},null]"#})
    ));
    assert!(our_raw.contains(&json!({"raw": "0/nope,"})));
    assert!(our_raw.contains(&json!({"raw_bin": ""})));
}

fn same_bytes_as_official_client_polling(client: &str) {
    same_bytes_as_official(client, "polling");
}

fn same_bytes_as_official_client_websocket(client: &str) {
    same_bytes_as_official(client, "websocket");
}

/// Heartbeats with the official server: still connected after several ping intervals;
/// when the server freezes (SIGSTOP), "ping timeout" within pingInterval + pingTimeout.
fn heartbeat(client: &str, transports: &str) {
    let server = node_server_with(0, 300, 200);
    let url = server.url();
    let mut c = Client::script(client, &url, transports, "heartbeat", None);
    let deadline = Instant::now() + Duration::from_secs(20);
    let ctx = || server.process.output_report();
    c.wait_for("step", "connected", deadline, &ctx());
    let v = c.wait_for("step", "idle", deadline, &ctx());
    assert_eq!(v["disconnects"], 0, "{v}");
    assert_eq!(v["connected"], true, "{v}");
    assert_eq!(v["sid_unchanged"], true, "{v}");
    let v = c.wait_for("step", "alive", deadline, &ctx());
    assert_eq!(v["args"], json!(["still here"]), "{v}");

    let stopped = Instant::now();
    let status = Command::new("kill")
        .args(["-STOP", &server.process.id().to_string()])
        .status()
        .expect("run kill -STOP");
    assert!(status.success());
    let v = c.wait_for("step", "disconnected", deadline, "");
    let took = stopped.elapsed();
    assert_eq!(v["reason"], "ping timeout", "{v}");
    // At most pingInterval + pingTimeout (500 ms) after the last ping, plus slack.
    assert!(
        took < Duration::from_millis(2500),
        "ping timeout took {took:?}"
    );
    let _ = Command::new("kill")
        .args(["-CONT", &server.process.id().to_string()])
        .status();
}

fn heartbeat_polling(client: &str) {
    heartbeat(client, "polling");
}

fn heartbeat_websocket(client: &str) {
    heartbeat(client, "websocket");
}

fn heartbeat_upgraded(client: &str) {
    heartbeat(client, "polling,websocket");
}

/// Both of our adapters over real sockets: the client example in plain Engine.IO mode
/// against the server example's Engine.IO echo (`tokio_server --engineio`).
fn engineio_echo_with_our_server(client: &str, transports: &str) {
    let server = common::process::spawn_example("tokio_server", &["--engineio", "--port", "0"]);
    let url = server.url();
    let mut c = Client::spawn(
        client,
        &["--engineio", "--url", &url, "--transports", transports],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let ctx = server.process.output_report();
    let open = c.wait_for_key("open", deadline, &ctx);
    assert!(
        open["open"].as_str().is_some_and(|s| !s.is_empty()),
        "{open}"
    );
    if transports == "polling,websocket" {
        c.wait_for_key("upgraded", deadline, &ctx);
    }
    c.send_line("héllo ␞ world");
    c.send_line("second");
    let v = c.wait_for_key("text", deadline, &ctx);
    assert_eq!(v["text"], "héllo ␞ world", "{v}");
    let v = c.wait_for_key("text", deadline, &ctx);
    assert_eq!(v["text"], "second", "{v}");
}

fn engineio_mode_with_our_server_polling(client: &str) {
    engineio_echo_with_our_server(client, "polling");
}

fn engineio_mode_with_our_server_websocket(client: &str) {
    engineio_echo_with_our_server(client, "websocket");
}

fn engineio_mode_with_our_server_upgraded(client: &str) {
    engineio_echo_with_our_server(client, "polling,websocket");
}

client_matrix!(
    polling_only,
    websocket_only,
    polling_then_upgrade,
    reconnect_after_server_restart_polling,
    reconnect_after_server_restart_websocket,
    reconnect_after_server_restart_upgraded,
    interactive_mode_prints_events_and_emits_stdin_lines,
    same_bytes_as_official_client_polling,
    same_bytes_as_official_client_websocket,
    heartbeat_polling,
    heartbeat_websocket,
    heartbeat_upgraded,
    engineio_mode_with_our_server_polling,
    engineio_mode_with_our_server_websocket,
    engineio_mode_with_our_server_upgraded,
);
