//! Process helpers for the interop tests: spawn an example server and read the port it
//! listens on, run node / python scripts with a deadline, and kill everything on drop.
//!
//! Everything here is synchronous (std only) so any test can use it; each helper has a
//! bounded wait and panics with a readable message (including the child's output) when
//! the bound is hit.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The crate root (where Cargo.toml lives).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/interop` (the npm project holding the official peers).
pub fn interop_dir() -> PathBuf {
    manifest_dir().join("tests").join("interop")
}

/// Path of a built example binary: `$CARGO_TARGET_DIR/debug/examples/NAME` or
/// `<manifest>/target/debug/examples/NAME`. Panics with a hint if it was not built.
pub fn example_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_relative() {
                manifest_dir().join(p)
            } else {
                p
            }
        })
        .unwrap_or_else(|| manifest_dir().join("target"));
    let mut path = target.join("debug").join("examples").join(name);
    if cfg!(windows) {
        path.set_extension("exe");
    }
    assert!(
        path.is_file(),
        "example binary {} not found: run `cargo build --examples` first",
        path.display()
    );
    path
}

/// How to install `node` (named in the panic when it is missing).
pub const NODE_HINT: &str = "run `bash .ci/test` (it checks for node and sets up the \
    peers) or install Node.js >= 18 with npm (Debian: `apt-get install nodejs npm`)";

/// How to set up the Python venv with python-socketio.
pub const VENV_HINT: &str = "run `bash .ci/test` or `python3 -m venv tests/interop/.venv && \
    tests/interop/.venv/bin/pip install -r tests/interop/requirements.txt`";

/// `: HINT` for a peer program, by its name (empty when there is none).
fn install_hint(program: &str) -> String {
    match Path::new(program).file_name().and_then(|n| n.to_str()) {
        Some("node") => format!(": {NODE_HINT}"),
        Some(n) if n.starts_with("python") => format!(": {VENV_HINT}"),
        _ => String::new(),
    }
}

/// Whether `program` is an executable file in a directory of `$PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            let file = dir.join(program);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                file.metadata()
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            }
            #[cfg(not(unix))]
            {
                file.is_file() || file.with_extension("exe").is_file()
            }
        })
    })
}

/// Panics (never skips) if `node` is not on `$PATH`.
pub fn require_node() {
    assert!(on_path("node"), "`node` is not on PATH: {NODE_HINT}");
}

/// Panics (never skips) if `node` is missing or the npm package `pkg` is not installed
/// under tests/interop.
pub fn require_npm_package(pkg: &str) {
    require_node();
    let dir = interop_dir().join("node_modules").join(pkg);
    assert!(
        dir.join("package.json").is_file(),
        "npm package `{pkg}` is missing from {}: run `bash .ci/test` or \
         `cd tests/interop && npm ci`",
        dir.display()
    );
}

/// Output lines collected from a child's stream by a background thread.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    /// A copy of every line read so far.
    pub fn snapshot(&self) -> Vec<String> {
        match self.0.lock() {
            Ok(v) => v.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn push(&self, line: String) {
        match self.0.lock() {
            Ok(mut v) => v.push(line),
            Err(p) => p.into_inner().push(line),
        }
    }

    /// Every line joined with `\n`.
    pub fn joined(&self) -> String {
        self.snapshot().join("\n")
    }
}

/// Reads `stream` line by line on a thread, storing lines in a [`Lines`] and forwarding
/// each to `tx` (if any).
fn pump(
    stream: impl Read + Send + 'static,
    tx: Option<mpsc::Sender<String>>,
) -> (Lines, thread::JoinHandle<()>) {
    let lines = Lines::default();
    let store = lines.clone();
    let handle = thread::spawn(move || {
        let reader = BufReader::new(stream);
        for line in reader.lines() {
            let Ok(line) = line else { break };
            store.push(line.clone());
            if let Some(tx) = &tx {
                let _ = tx.send(line);
            }
        }
    });
    (lines, handle)
}

/// A child process that is killed (and reaped) when dropped.
pub struct ChildGuard {
    name: String,
    child: Child,
    stdout: Lines,
    stderr: Lines,
}

impl ChildGuard {
    /// The OS process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Lines the child wrote to stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.snapshot()
    }

    /// Lines the child wrote to stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.snapshot()
    }

    /// Whether the child has exited (and with what status).
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends SIGTERM (unix) and waits up to `timeout` for the child to exit.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
        wait_timeout(&mut self.child, timeout)
    }

    /// Everything the child printed, for failure messages.
    pub fn output_report(&self) -> String {
        format!(
            "--- {} stdout ---\n{}\n--- {} stderr ---\n{}",
            self.name,
            self.stdout.joined(),
            self.name,
            self.stderr.joined()
        )
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => return None,
        }
    }
}

/// A server started by [`spawn_server`], with the port it printed.
pub struct Server {
    /// The process (killed on drop).
    pub process: ChildGuard,
    /// The port from its `listening on http(s)://127.0.0.1:PORT` line.
    pub port: u16,
}

impl Server {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Spawns `program args…` and waits (up to `timeout`) for the line
/// `listening on http://127.0.0.1:PORT` on its stdout.
pub fn spawn_server(program: &Path, args: &[&str], timeout: Duration) -> Server {
    let name = program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "server".into());
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            let hint = install_hint(&program.to_string_lossy());
            panic!("cannot start {}: {e}{hint}", program.display())
        });
    let (tx, rx) = mpsc::channel();
    let (stdout, _) = pump(child.stdout.take().expect("piped stdout"), Some(tx));
    let (stderr, _) = pump(child.stderr.take().expect("piped stderr"), None);
    let mut process = ChildGuard {
        name,
        child,
        stdout,
        stderr,
    };
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_millis(100))) {
            Ok(line) => {
                if let Some(port) = line
                    .strip_prefix("listening on http://127.0.0.1:")
                    .or_else(|| line.strip_prefix("listening on https://127.0.0.1:"))
                    .and_then(|p| p.trim().parse::<u16>().ok())
                {
                    return Server { process, port };
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                thread::sleep(Duration::from_millis(50));
                panic!(
                    "server exited before printing its port (status {:?})\n{}",
                    process.try_wait(),
                    process.output_report()
                );
            }
        }
        if Instant::now() >= deadline {
            panic!(
                "server did not print `listening on …` within {timeout:?}\n{}",
                process.output_report()
            );
        }
    }
}

/// Server arguments shared by the Socket.IO interop tests: a free port and 2 s ping
/// interval and timeout.
pub const FAST_PING_ARGS: [&str; 6] = [
    "--port",
    "0",
    "--ping-interval",
    "2000",
    "--ping-timeout",
    "2000",
];

/// Every server example (each runs the same demo application on another runtime
/// adapter); the interop scenarios run against each, see [`server_matrix!`].
pub const SERVERS: [&str; 4] = [
    "tokio_server",
    "blocking_server",
    "smol_server",
    "async_std_server",
];

/// Generates, for every server of [`SERVERS`], a module named after it holding one
/// `#[test]` per scenario: `server_matrix!(binary_echo, …)` makes
/// `tokio_server::binary_echo`, `blocking_server::binary_echo`, … each calling the
/// scenario function `binary_echo(server: &'static str)` of the test file with the
/// example's name. Plus `server_matrix_is_complete`, which checks that the list here is
/// [`SERVERS`] and that `SERVERS` names every `examples/*_server.rs`.
#[allow(unused_macros)] // only the interop tests run the matrix
macro_rules! server_matrix {
    ($($scenario:ident),+ $(,)?) => {
        $crate::common::process::server_matrix!(
            @each [$($scenario),+] tokio_server blocking_server smol_server async_std_server
        );
    };
    (@each $scenarios:tt $($server:ident)+) => {
        $($crate::common::process::server_matrix!(@one $server $scenarios);)+

        #[test]
        fn server_matrix_is_complete() {
            $crate::common::process::check_matrix(
                &[$(stringify!($server)),+],
                &$crate::common::process::SERVERS,
                "_server",
            );
        }
    };
    (@one $server:ident [$($scenario:ident),+]) => {
        mod $server {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario(stringify!($server));
                }
            )+
        }
    };
}
#[allow(unused_imports)] // only the interop tests run the matrix
pub(crate) use server_matrix;

/// Asserts that `listed` (the examples a matrix macro generates tests for) is
/// `expected`, and that `expected` names exactly the `examples/*{suffix}.rs` mains
/// (`suffix` is `_server` or `_client`).
pub fn check_matrix(listed: &[&str], expected: &[&str], suffix: &str) {
    assert_eq!(listed, expected, "the matrix macro and its list differ");
    let mut found: Vec<String> = std::fs::read_dir(manifest_dir().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| {
            n.strip_suffix(".rs")?
                .strip_suffix(suffix)
                .map(|s| format!("{s}{suffix}"))
        })
        .collect();
    found.sort();
    let mut listed: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "examples/*{suffix}.rs and the matrix list differ"
    );
}

/// Every client example (each runs the same client application on another runtime
/// adapter); the client interop scenarios run against each, see [`client_matrix!`].
pub const CLIENTS: [&str; 4] = [
    "tokio_client",
    "blocking_client",
    "smol_client",
    "async_std_client",
];

/// The client twin of [`server_matrix!`]: `client_matrix!(polling_only, …)` makes
/// `tokio_client::polling_only`, `blocking_client::polling_only`, … each calling the
/// scenario `polling_only(client: &'static str)` with the example's name, plus
/// `client_matrix_is_complete` (the list is [`CLIENTS`], which names every
/// `examples/*_client.rs`).
#[allow(unused_macros)] // only the interop tests run the matrix
macro_rules! client_matrix {
    ($($scenario:ident),+ $(,)?) => {
        $crate::common::process::client_matrix!(
            @each [$($scenario),+] tokio_client blocking_client smol_client async_std_client
        );
    };
    (@each $scenarios:tt $($client:ident)+) => {
        $($crate::common::process::server_matrix!(@one $client $scenarios);)+

        #[test]
        fn client_matrix_is_complete() {
            $crate::common::process::check_matrix(
                &[$(stringify!($client)),+],
                &$crate::common::process::CLIENTS,
                "_client",
            );
        }
    };
}
#[allow(unused_imports)] // only the interop tests run the matrix
pub(crate) use client_matrix;

/// Spawns the example `name` with `args` (see [`example_path`] and [`spawn_server`]).
pub fn spawn_example(name: &str, args: &[&str]) -> Server {
    spawn_server(&example_path(name), args, Duration::from_secs(10))
}

/// The result of a script run by [`run_script`].
#[derive(Debug)]
pub struct ScriptOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Stdout lines.
    pub stdout: Vec<String>,
    /// Stderr lines.
    pub stderr: Vec<String>,
}

impl ScriptOutput {
    /// The last stdout line that parses as a JSON object; panics (with the output) if none.
    pub fn json(&self) -> serde_json::Value {
        self.stdout
            .iter()
            .rev()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l.trim()).ok())
            .find(|v| v.is_object())
            .unwrap_or_else(|| panic!("script printed no JSON result line\n{}", self.report()))
    }

    /// Stdout and stderr, for failure messages.
    pub fn report(&self) -> String {
        format!(
            "status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status,
            self.stdout.join("\n"),
            self.stderr.join("\n")
        )
    }
}

/// Runs `program args…` in `cwd`, killing it if it runs longer than `timeout` (which
/// panics with whatever it printed).
pub fn run_script(program: &str, args: &[&str], cwd: &Path, timeout: Duration) -> ScriptOutput {
    run_script_env(program, args, &[], cwd, timeout)
}

/// [`run_script`] with extra environment variables (`NODE_EXTRA_CA_CERTS`, say).
pub fn run_script_env(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    cwd: &Path,
    timeout: Duration,
) -> ScriptOutput {
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            let hint = install_hint(program);
            panic!("cannot start `{program}` (is it installed?): {e}{hint}")
        });
    let (stdout, out_thread) = pump(child.stdout.take().expect("piped stdout"), None);
    let (stderr, err_thread) = pump(child.stderr.take().expect("piped stderr"), None);
    let mut guard = ChildGuard {
        name: program.to_string(),
        child,
        stdout,
        stderr,
    };
    let Some(status) = wait_timeout(&mut guard.child, timeout) else {
        panic!(
            "`{program} {}` did not finish within {timeout:?}\n{}",
            args.join(" "),
            guard.output_report()
        );
    };
    // The pipes reach EOF once the child has exited: read every last line.
    let _ = out_thread.join();
    let _ = err_thread.join();
    ScriptOutput {
        status,
        stdout: guard.stdout.snapshot(),
        stderr: guard.stderr.snapshot(),
    }
}

/// Runs `node tests/interop/SCRIPT args…` (cwd tests/interop) with a deadline.
pub fn run_node(script: &str, args: &[&str], timeout: Duration) -> ScriptOutput {
    require_node();
    let mut full = vec![script];
    full.extend_from_slice(args);
    run_script("node", &full, &interop_dir(), timeout)
}
