//! TLS interop, every adapter: a CA and a `localhost` / `127.0.0.1` certificate are
//! generated here (rcgen, in `CARGO_TARGET_TMPDIR`), then
//! - the official `socket.io-client` (trusting the CA through `NODE_EXTRA_CA_CERTS`)
//!   runs `tests/interop/sio_client.js` against every server example started with
//!   `--tls-cert/--tls-key`, over polling, WebSocket and the upgrade;
//! - a client that opens TCP and never starts its TLS handshake is dropped by every
//!   server after the handshake timeout (10 s), and logged;
//! - every client example runs `--script interop --ca-file CA` against the official
//!   Node server over HTTPS (`node_server.js --tls-cert`), over the same transports;
//! - without the CA (the platform's roots do not know it) every client refuses the
//!   certificate, says so on stderr, and retries only with its back-off: at most a few
//!   handshakes in 4 s, as counted by the Node server's `tlsClientError` lines.
//!
//! Built only with `--features interop`. Needs `cargo build --examples` and the npm
//! packages (`bash .ci/test` does both and turns the feature on).

mod common;

use common::process::{
    client_matrix, example_path, interop_dir, require_npm_package, run_script_env, server_matrix,
    spawn_example, spawn_server, Server,
};
use serde_json::Value;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The generated files: `ca.pem`, `cert.pem` (the chain's leaf) and `key.pem`.
struct Pki {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// Generates the CA and the server certificate once per test process.
fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("interop_tls_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "socketio-proto test CA");
        let ca_key = KeyPair::generate().expect("ca key");
        let ca = ca_params.self_signed(&ca_key).expect("ca cert");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &ca, &ca_key).expect("cert");
        let pki = Pki {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&pki.ca, ca.pem()).expect("write ca");
        std::fs::write(&pki.cert, cert.pem()).expect("write cert");
        std::fs::write(&pki.key, key.serialize_pem()).expect("write key");
        pki
    })
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The server example `name` on HTTPS.
fn tls_server(name: &str) -> Server {
    let pki = pki();
    let (cert, key) = (path(&pki.cert), path(&pki.key));
    spawn_example(
        name,
        &["--port", "0", "--tls-cert", &cert, "--tls-key", &key],
    )
}

/// The official client against our TLS server, in each mode.
fn official_client_over_tls(server: &'static str) {
    let srv = tls_server(server);
    let url = format!("https://localhost:{}", srv.port);
    let ca = path(&pki().ca);
    require_npm_package("socket.io-client");
    for mode in ["polling", "websocket", "upgrade"] {
        let out = run_script_env(
            "node",
            &["sio_client.js", &url, mode],
            &[("NODE_EXTRA_CA_CERTS", &ca)],
            &interop_dir(),
            Duration::from_secs(60),
        );
        let report = || format!("{}\n{}", out.report(), srv.process.output_report());
        assert!(out.status.success(), "{server} {mode}\n{}", report());
        let r = out.json();
        assert_eq!(r["ok"], Value::Bool(true), "{server} {mode}\n{}", report());
        assert_eq!(r["root_connected"], Value::Bool(true), "{}", report());
        assert_eq!(
            r["upgraded"],
            Value::Bool(mode == "upgrade"),
            "{}",
            report()
        );
        let transport = if mode == "polling" {
            "polling"
        } else {
            "websocket"
        };
        assert_eq!(r["transport"], transport, "{}", report());
    }
}

/// A TCP connection that never sends a ClientHello is closed by the server after its
/// handshake timeout (10 s), and the server says why.
fn stalled_handshake_is_dropped(server: &'static str) {
    let srv = tls_server(server);
    let mut stalled = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
    stalled
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let closed = matches!(stalled.read(&mut buf), Ok(0) | Err(_));
    let took = started.elapsed();
    assert!(closed, "{server}: server sent bytes to a silent client");
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(19),
        "{server}: stalled handshake closed after {took:?}\n{}",
        srv.process.output_report()
    );
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if srv
            .process
            .stderr()
            .iter()
            .any(|l| l.contains("tls handshake failed"))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{server}: no `tls handshake failed` line\n{}",
        srv.process.output_report()
    );
}

/// The official Node server over HTTPS.
fn node_tls_server() -> Server {
    require_npm_package("socket.io");
    let pki = pki();
    let script = path(&interop_dir().join("node_server.js"));
    let (cert, key) = (path(&pki.cert), path(&pki.key));
    spawn_server(
        Path::new("node"),
        &[
            &script,
            "--port",
            "0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
        Duration::from_secs(15),
    )
}

/// Our client, trusting the generated CA, runs the interop script over HTTPS/WSS.
fn client_over_tls(client: &'static str) {
    let srv = node_tls_server();
    let url = format!("https://localhost:{}", srv.port);
    let ca = path(&pki().ca);
    let program = path(&example_path(client));
    for transports in ["polling", "websocket", "polling,websocket"] {
        let out = run_script_env(
            &program,
            &[
                "--url",
                &url,
                "--transports",
                transports,
                "--ca-file",
                &ca,
                "--auth",
                r#"{"token":"abc","n":1}"#,
                "--script",
                "interop",
            ],
            &[],
            &interop_dir(),
            Duration::from_secs(60),
        );
        let report = || format!("{}\n{}", out.report(), srv.process.output_report());
        assert!(out.status.success(), "{client} {transports}\n{}", report());
        let checks: Vec<Value> = out
            .stdout
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let done = checks.iter().any(|v| v["check"] == "done");
        assert!(done, "{client} {transports}: no done\n{}", report());
        let transport = checks.iter().find(|v| v["check"] == "transport");
        let want = if transports == "polling" {
            "polling"
        } else {
            "websocket"
        };
        assert_eq!(
            transport.map(|v| v["transport"].clone()),
            Some(Value::from(want)),
            "{}",
            report()
        );
    }
}

/// Without `--ca-file` the test CA is unknown: the client refuses the certificate,
/// says so, and retries with its back-off (first delay 1 s, doubling), not in a loop.
fn wrong_ca_is_refused(client: &'static str) {
    let srv = node_tls_server();
    let url = format!("https://localhost:{}", srv.port);
    let log = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wrong_ca_{client}_{}.log", std::process::id()));
    let stderr = std::fs::File::create(&log).expect("log file");
    let mut child = Command::new(example_path(client))
        .args(["--url", &url, "--script", "interop"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("client");
    std::thread::sleep(Duration::from_secs(4));
    let _ = child.kill();
    let _ = child.wait();
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    let attempts = srv
        .process
        .stdout()
        .iter()
        .filter(|l| l.contains("tls_error"))
        .count();
    assert!(
        said.contains("certificate"),
        "{client}: no certificate error on stderr:\n{said}"
    );
    assert!(
        (1..=5).contains(&attempts),
        "{client}: {attempts} TLS handshakes in 4 s\n{said}\n{}",
        srv.process.output_report()
    );
}

server_matrix!(official_client_over_tls, stalled_handshake_is_dropped);
client_matrix!(client_over_tls, wrong_ca_is_refused);
