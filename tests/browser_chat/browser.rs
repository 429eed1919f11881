//! Headless Chromium for the browser tests: launch it with a DevTools endpoint, drive
//! pages over the DevTools protocol (flat sessions), kill it and remove its profile on
//! drop.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Bound on every wait.
pub const STEP: Duration = Duration::from_secs(30);

/// The Chromium binary (`$CHROMIUM`, else `/usr/bin/chromium`); panics with the install
/// hint when it is missing (the browser tests fail, never skip).
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "{} not found: this test needs Debian's chromium \
         (`apt-get update && apt-get install -y chromium`)",
        path.display()
    );
    path
}

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("browser_chat-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child killed and reaped on drop.
pub struct Kill(pub Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Headless Chromium with a DevTools endpoint.
pub struct Browser {
    _process: Kill,
    // Dropped after the process (fields drop in order): Chromium is gone when the
    // profile is removed.
    _profile: TempDir,
    /// The browser's DevTools WebSocket URL.
    pub ws_url: String,
}

impl Browser {
    pub fn launch() -> Self {
        let profile = TempDir::new("profile");
        let log = std::fs::File::create(profile.0.join("chromium.log")).expect("log file");
        let child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--window-size=1000,700",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.0.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chromium: {e}"));
        let mut process = Kill(child);
        // Chromium writes "PORT\n/devtools/browser/ID" once it listens.
        let port_file = profile.0.join("DevToolsActivePort");
        let deadline = Instant::now() + STEP;
        let ws_url = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break format!("ws://127.0.0.1:{port}{path}");
                }
            }
            if let Ok(Some(status)) = process.0.try_wait() {
                panic!(
                    "chromium exited ({status}) before opening DevTools:\n{}",
                    chromium_log(&profile.0)
                );
            }
            assert!(
                Instant::now() < deadline,
                "chromium did not open DevTools within {STEP:?}:\n{}",
                chromium_log(&profile.0)
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Browser {
            _process: process,
            _profile: profile,
            ws_url,
        }
    }
}

fn chromium_log(profile: &Path) -> String {
    std::fs::read_to_string(profile.join("chromium.log")).unwrap_or_default()
}

/// A DevTools protocol connection to the browser (flat sessions for pages).
pub struct Cdp {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Cdp {
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio::time::timeout(STEP, tokio_tungstenite::connect_async(url))
            .await
            .expect("DevTools connect timed out")
            .expect("DevTools connect");
        Cdp { ws, next_id: 1 }
    }

    /// Calls `method` (on a page when `session` is given) and returns its result.
    pub async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .expect("DevTools send");
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("DevTools: no answer to {method} within {STEP:?}"))
                .expect("DevTools connection closed")
                .expect("DevTools read");
            let Message::Text(text) = frame else { continue };
            let v: Value = serde_json::from_str(&text).expect("DevTools JSON");
            if v["id"] != json!(id) {
                continue; // an event, or an answer to nothing we wait for
            }
            if let Some(err) = v.get("error") {
                panic!("DevTools {method} failed: {err}");
            }
            return v["result"].clone();
        }
    }

    /// Opens `url` in a new page; returns the page's session id.
    pub async fn open(&mut self, url: &str) -> String {
        let target = self
            .call(None, "Target.createTarget", json!({"url": url}))
            .await;
        let target_id = target["targetId"].as_str().expect("targetId").to_owned();
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target_id, "flatten": true}),
            )
            .await;
        attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_owned()
    }

    /// Evaluates `expr` in the page (awaiting it if it is a promise) and returns its
    /// value.
    pub async fn eval(&mut self, session: &str, expr: &str) -> Value {
        let r = self
            .call(
                Some(session),
                "Runtime.evaluate",
                json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        if let Some(e) = r.get("exceptionDetails") {
            panic!("page threw evaluating {expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Waits until `expr` evaluates to `true` in the page.
    pub async fn wait_until(&mut self, session: &str, expr: &str, what: &str) {
        let deadline = Instant::now() + STEP;
        while self.eval(session, expr).await != json!(true) {
            assert!(
                Instant::now() < deadline,
                "{what}: not true within {STEP:?}: {expr}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's autotest has a status; returns (status, result, DOM).
    pub async fn autotest(&mut self, session: &str, who: &str) -> (String, Value, String) {
        let deadline = Instant::now() + STEP;
        loop {
            let status = self
                .eval(
                    session,
                    "(document.getElementById('autotest') || {dataset: {}}).dataset.status || ''",
                )
                .await;
            let status = status.as_str().unwrap_or_default().to_owned();
            if !status.is_empty() {
                let text = self
                    .eval(session, "document.getElementById('autotest').textContent")
                    .await;
                let result: Value = serde_json::from_str(text.as_str().unwrap_or_default())
                    .unwrap_or_else(|e| panic!("{who}: autotest output is not JSON ({e}): {text}"));
                let dom = self
                    .eval(session, "document.documentElement.outerHTML")
                    .await;
                return (status, result, dom.as_str().unwrap_or_default().to_owned());
            }
            assert!(
                Instant::now() < deadline,
                "{who}: the page's autotest did not finish within {STEP:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
