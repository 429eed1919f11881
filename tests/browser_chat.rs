//! The chat example in a real browser: Debian's headless Chromium runs the page (our
//! plain-JS client `chat.js`) for two users, alice and bob, while a third user, carol,
//! is the official npm `socket.io-client` in Node. The test proves that the browser's
//! messages reach the other users and theirs reach the browser, that the server refuses
//! an over-long message and an empty name, that `typing` and join/leave notices are
//! broadcast, and it leaves a screenshot of alice's page (`$TMPDIR/chat.png`).
//!
//! Chromium is driven over the DevTools protocol (`--remote-debugging-port`): a
//! `--dump-dom --virtual-time-budget` run cannot be used because virtual time does not
//! wait for WebSocket traffic — the budget runs out before the first reply arrives.
//!
//! Built only with `--features interop`. Needs `/usr/bin/chromium` (`apt-get install
//! chromium`; `CHROMIUM=path` overrides), node, and `tests/interop/node_modules`
//! (`bash .ci/test` sets them up and turns the feature on). Missing ones fail the test.

#[path = "browser_chat/browser.rs"]
mod browser;
mod common;

use base64::Engine as _;
use browser::{chromium, Browser, Cdp, Kill, STEP};
use common::process::{
    example_path, interop_dir, require_npm_package, spawn_example, spawn_server,
};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Carol: the official socket.io-client. Prints one JSON line per event; answers
/// alice's first message (announcing it with `typing` first); exits once everyone else
/// has left. Also checks that an empty name is refused.
const CAROL: &str = r#"
const { io } = require("socket.io-client");
const url = process.env.CHAT_URL;
const out = (o) => console.log(JSON.stringify(o));
const nameless = io(url, { auth: { name: "   " }, reconnection: false, forceNew: true });
nameless.on("connect_error", (e) => { out({ event: "nameless_error", args: [e.message] }); nameless.close(); });
const s = io(url, { auth: { name: "carol" }, reconnection: false, forceNew: true });
s.on("connect", () => out({ event: "connect" }));
s.on("connect_error", (e) => { out({ event: "connect_error", args: [e.message] }); process.exit(1); });
s.onAny((event, ...args) => out({ event, args }));
let answered = false;
s.on("chat message", (m) => {
  if (m.name !== "alice" || answered) return;
  answered = true;
  s.emit("typing", true);
  setTimeout(() => s.emit("chat message", "hi alice, carol here", (ack) => out({ event: "ack", args: [ack] })), 100);
});
s.on("user left", (info) => {
  if (info.online === 1) { out({ event: "done" }); s.close(); setTimeout(() => process.exit(0), 100); }
});
setTimeout(() => { out({ event: "timeout" }); process.exit(2); }, 90000);
"#;

/// Carol: the node peer, its JSON lines collected by a thread.
struct Peer {
    _process: Kill,
    lines: Arc<Mutex<Vec<Value>>>,
    rx: mpsc::Receiver<Value>,
}

impl Peer {
    fn spawn(url: &str) -> Self {
        require_npm_package("socket.io-client");
        let mut child = Command::new("node")
            .arg("-e")
            .arg(CAROL)
            .current_dir(interop_dir())
            .env("CHAT_URL", url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node (apt-get install nodejs): {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let store = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if let Ok(mut l) = store.lock() {
                    l.push(v.clone());
                }
                let _ = tx.send(v);
            }
        });
        Peer {
            _process: Kill(child),
            lines,
            rx,
        }
    }

    /// Waits for an event line matching `pred`.
    fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(v) = self.lines().into_iter().find(|v| pred(v)) {
            return v;
        }
        let deadline = Instant::now() + STEP;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) if pred(&v) => return v,
                Ok(_) => {}
                Err(_) => panic!("carol: no {what} within {STEP:?}; saw {:#?}", self.lines()),
            }
        }
    }

    fn lines(&self) -> Vec<Value> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn event<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    (v["event"] == json!(name)).then(|| &v["args"][0])
}

/// A plain `GET path` over HTTP/1.1; the whole response as text.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(STEP)).expect("read timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("write request");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read response");
    out
}

fn screenshot_path() -> PathBuf {
    std::env::var_os("CHAT_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("chat.png"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_users_chat_with_each_other_and_the_official_client() {
    chromium(); // fail early with the install hint
    let server = spawn_example("chat", &["--port", "0"]);
    let base = server.url();

    // The page and the script are served.
    let page = http_get(server.port, "/?name=x");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(
        page.contains("content-type: text/html; charset=utf-8"),
        "{page}"
    );
    assert!(
        page.contains(r#"<script src="/chat.js"></script>"#),
        "{page}"
    );
    let script = http_get(server.port, "/chat.js");
    assert!(script.starts_with("HTTP/1.1 200"), "{script}");
    assert!(script.contains("class ChatSocket"), "{script}");

    let carol = Peer::spawn(&base);
    let nameless = carol.wait_for("refusal of an empty name", |v| {
        event(v, "nameless_error").is_some()
    });
    assert_eq!(nameless["args"][0], "invalid name");
    let welcome = carol.wait_for("welcome", |v| event(v, "welcome").is_some());
    assert_eq!(welcome["args"][0], json!({"name": "carol", "online": 1}));

    let browser = Browser::launch();
    let mut cdp = Cdp::connect(&browser.ws_url).await;

    // Bob (browser) joins first and says hello; carol sees both.
    let bob = cdp
        .open(&format!("{base}/?autotest=1&name=bob&expect=alice&reply=1"))
        .await;
    carol.wait_for("bob joining", |v| {
        event(v, "user joined") == Some(&json!({"name": "bob", "online": 2}))
    });
    carol.wait_for("bob's hello", |v| {
        event(v, "chat message") == Some(&json!({"name": "bob", "text": "hello from bob"}))
    });

    // Alice (browser) joins, says hello, and waits for answers from bob and carol.
    let alice = cdp
        .open(&format!("{base}/?autotest=1&name=alice&expect=bob,carol"))
        .await;
    cdp.call(
        Some(&alice),
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1000, "height": 700, "deviceScaleFactor": 1, "mobile": false}),
    )
    .await;
    let (status, result, dom) = cdp.autotest(&alice, "alice").await;
    assert_eq!(status, "done", "alice: {result:#}");
    assert_eq!(result["online"], 3, "alice: {result:#}");
    assert_eq!(
        result["tooLong"],
        json!({"ok": false, "error": "message too long"})
    );
    assert_eq!(result["ack"], json!({"ok": true}));
    let received = result["received"].as_array().expect("received");
    assert!(received.contains(&json!({"name": "bob", "text": "hi alice, bob here"})));
    assert!(received.contains(&json!({"name": "carol", "text": "hi alice, carol here"})));
    assert!(
        result["typing"]
            .as_array()
            .expect("typing")
            .contains(&json!({"name": "carol", "typing": true})),
        "alice saw no typing from carol: {result:#}"
    );
    // The DOM shows the conversation.
    assert!(
        dom.contains(r#"<div class="bubble">hello from alice</div>"#),
        "{dom}"
    );
    assert!(
        dom.contains(r#"<div class="bubble">hi alice, carol here</div>"#),
        "{dom}"
    );
    assert!(
        dom.contains(r#"<div class="bubble">hi alice, bob here</div>"#),
        "{dom}"
    );
    assert!(dom.contains("welcome, alice!"), "{dom}");
    assert!(
        dom.contains(r#"<span id="online" class="pill">3 online</span>"#),
        "{dom}"
    );
    assert!(dom.contains(r#"<span id="status" class="pill online">connected</span>"#));

    let (status, result, dom) = cdp.autotest(&bob, "bob").await;
    assert_eq!(status, "done", "bob: {result:#}");
    assert_eq!(result["online"], 2);
    assert_eq!(result["joined"], json!(["alice"]));
    assert!(result["received"]
        .as_array()
        .expect("received")
        .contains(&json!({"name": "alice", "text": "hello from alice"})));
    assert!(dom.contains("alice joined"), "{dom}");
    assert!(dom.contains(r#"<div class="bubble">hello from alice</div>"#));

    // Carol (official client) got alice's message and her own reply was acked.
    carol.wait_for("alice's hello", |v| {
        event(v, "chat message") == Some(&json!({"name": "alice", "text": "hello from alice"}))
    });
    carol.wait_for("bob's answer to alice", |v| {
        event(v, "chat message") == Some(&json!({"name": "bob", "text": "hi alice, bob here"}))
    });
    carol.wait_for("the ack", |v| event(v, "ack") == Some(&json!({"ok": true})));
    // The over-long message went to nobody.
    assert!(
        !carol.lines().iter().any(|v| {
            event(v, "chat message")
                .and_then(|m| m["text"].as_str())
                .is_some_and(|t| t.starts_with("xxxx"))
        }),
        "the server broadcast an over-long message"
    );

    // A picture of alice's page (look at it when changing the page).
    let shot = cdp
        .call(
            Some(&alice),
            "Page.captureScreenshot",
            json!({"format": "png"}),
        )
        .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("screenshot data"))
        .expect("screenshot base64");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    let path = screenshot_path();
    std::fs::write(&path, &png).expect("write screenshot");
    eprintln!("screenshot of alice's page: {}", path.display());

    // Bob and alice leave (their pages close): carol is told, the count goes down.
    cdp.call(Some(&bob), "Page.close", json!({})).await;
    carol.wait_for("bob leaving", |v| {
        event(v, "user left") == Some(&json!({"name": "bob", "online": 2}))
    });
    cdp.call(Some(&alice), "Page.close", json!({})).await;
    carol.wait_for("alice leaving", |v| {
        event(v, "user left") == Some(&json!({"name": "alice", "online": 1}))
    });
    carol.wait_for("carol's end", |v| v["event"] == "done");

    drop(cdp);
    drop(browser);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_client_reconnects_after_a_server_restart() {
    chromium();
    let mut server = spawn_example("chat", &["--port", "0"]);
    let port = server.port;
    let base = server.url();
    let browser = Browser::launch();
    let mut cdp = Cdp::connect(&browser.ws_url).await;
    let dave = cdp.open(&format!("{base}/?name=dave")).await;
    let connected = "(document.getElementById('status') || {}).textContent === 'connected'";
    cdp.wait_until(&dave, connected, "dave connected").await;
    assert_eq!(
        cdp.eval(&dave, "send('before the restart')").await,
        json!({"ok": true})
    );

    // The server goes away: the page notices, shows it, and retries after a delay.
    assert!(
        server.process.terminate(STEP).is_some(),
        "the chat server did not stop on SIGTERM"
    );
    cdp.wait_until(&dave, &format!("!({connected})"), "dave offline")
        .await;
    cdp.wait_until(
        &dave,
        "document.getElementById('input').disabled",
        "input disabled while offline",
    )
    .await;

    // Back on the same port: the page reconnects with the same name by itself.
    let port_arg = port.to_string();
    let _server = spawn_server(
        &example_path("chat"),
        &["--port", &port_arg],
        Duration::from_secs(10),
    );
    cdp.wait_until(&dave, connected, "dave reconnected").await;
    assert_eq!(
        cdp.eval(&dave, "send('after the restart')").await,
        json!({"ok": true})
    );
    let notices = cdp
        .eval(
            &dave,
            "[...document.querySelectorAll('.notice span')].map((n) => n.textContent)",
        )
        .await;
    let notices: Vec<String> = serde_json::from_value(notices).expect("notices");
    assert_eq!(
        notices.iter().filter(|n| *n == "welcome, dave!").count(),
        2,
        "{notices:?}"
    );
    assert!(
        notices.iter().any(|n| n.starts_with("disconnected (")),
        "{notices:?}"
    );
    assert!(
        notices.iter().any(|n| n.starts_with("reconnecting in ")),
        "{notices:?}"
    );
    assert_eq!(
        cdp.eval(
            &dave,
            "document.querySelectorAll('.msg.mine.failed').length"
        )
        .await,
        json!(0)
    );
}

/// The official `socket.io-client` bundle, running in the browser (polling, then the
/// upgrade to WebSocket), chats with the page's plain-JS client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_client_in_the_browser_chats_with_the_page() {
    chromium();
    require_npm_package("socket.io-client");
    let bundle = std::fs::read_to_string(
        interop_dir().join("node_modules/socket.io-client/dist/socket.io.min.js"),
    )
    .expect("read socket.io.min.js");
    let server = spawn_example("chat", &["--port", "0"]);
    let base = server.url();
    let browser = Browser::launch();
    let mut cdp = Cdp::connect(&browser.ws_url).await;

    // Frank: the chat page's origin, but the official client instead of chat.js.
    let frank = cdp.open(&format!("{base}/")).await;
    cdp.wait_until(
        &frank,
        "document.readyState === 'complete' && !!window.ChatSocket",
        "page loaded",
    )
    .await;
    cdp.eval(&frank, &bundle).await;
    let welcome = cdp
        .eval(
            &frank,
            r#"new Promise((resolve, reject) => {
                const s = io({ auth: { name: "frank" }, reconnection: false });
                window.frank = { socket: s, events: [] };
                s.onAny((event, ...args) => window.frank.events.push([event, ...args]));
                s.on("chat message", (m) => {
                  if (m.name === "erin") s.emit("chat message", "hi erin, frank here");
                });
                s.on("welcome", resolve);
                s.on("connect_error", (e) => reject(e.message));
            })"#,
        )
        .await;
    assert_eq!(welcome, json!({"name": "frank", "online": 1}));
    cdp.wait_until(
        &frank,
        "window.frank.socket.io.engine.transport.name === 'websocket'",
        "frank upgraded to websocket",
    )
    .await;

    let erin = cdp
        .open(&format!("{base}/?autotest=1&name=erin&expect=frank"))
        .await;
    let (status, result, dom) = cdp.autotest(&erin, "erin").await;
    assert_eq!(status, "done", "erin: {result:#}");
    assert_eq!(result["online"], 2);
    assert!(
        dom.contains(r#"<div class="bubble">hi erin, frank here</div>"#),
        "{dom}"
    );
    let events = cdp.eval(&frank, "window.frank.events").await;
    let events = events.as_array().expect("events");
    assert!(
        events.contains(&json!(["user joined", {"name": "erin", "online": 2}])),
        "{events:?}"
    );
    assert!(
        events.contains(&json!(["chat message", {"name": "erin", "text": "hello from erin"}])),
        "{events:?}"
    );

    // Erin uses the form: typing is announced, Enter sends and ends the typing.
    cdp.eval(&erin, "document.getElementById('input').focus()")
        .await;
    cdp.call(
        Some(&erin),
        "Input.insertText",
        json!({"text": "typed by hand"}),
    )
    .await;
    cdp.wait_until(
        &frank,
        r#"window.frank.events.some(([e, a]) => e === "typing" && a.name === "erin" && a.typing)"#,
        "frank sees erin typing",
    )
    .await;
    cdp.eval(&erin, "document.getElementById('composer').requestSubmit()")
        .await;
    cdp.wait_until(
        &frank,
        r#"window.frank.events.some(([e, a]) => e === "chat message" && a.text === "typed by hand")"#,
        "frank gets the typed message",
    )
    .await;
    cdp.wait_until(
        &frank,
        r#"window.frank.events.some(([e, a]) => e === "typing" && a.name === "erin" && !a.typing)"#,
        "frank sees erin stop typing",
    )
    .await;
    assert_eq!(
        cdp.eval(&erin, "document.getElementById('input').value")
            .await,
        json!("")
    );
}
