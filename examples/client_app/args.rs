//! Command-line options, the same for every client main.

use socketio_proto::client::engine::Scheme;
use socketio_proto::client::Transport;

/// Parsed options.
#[derive(Debug, Clone)]
pub struct Args {
    /// `http` or `https` (from the URL).
    pub scheme: Scheme,
    /// Host name (for the core's config).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Engine.IO path, `/socket.io/` unless the URL names one.
    pub path: String,
    /// Namespace to connect to.
    pub namespace: String,
    /// CONNECT payload.
    pub auth: Option<serde_json::Value>,
    /// Transports, in order.
    pub transports: Vec<Transport>,
    /// Plain Engine.IO mode (no Socket.IO layer).
    pub engineio: bool,
    /// Scripted scenario to run instead of the interactive mode.
    pub script: Option<String>,
    /// First reconnection delay (the Manager's default is 1000 ms).
    pub reconnection_delay_ms: Option<u64>,
    /// `--ca-file PEM`: trust only these CA certificates for `https://` (default: the
    /// platform's roots).
    pub ca_file: Option<std::path::PathBuf>,
}

const USAGE: &str = "usage: CLIENT [--url http://127.0.0.1:3000[/path/]] [--namespace /] \
[--auth '{json}'] [--transports polling,websocket] [--engineio] [--script interop|reconnect] [--reconnection-delay MS] [--ca-file PEM]";

/// Parses `std::env::args()`; exits with a usage message on error.
pub fn parse() -> Args {
    match parse_from(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            std::process::exit(2);
        }
    }
}

fn parse_from(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut url = "http://127.0.0.1:3000".to_string();
    let mut namespace = "/".to_string();
    let mut auth = None;
    let mut transports = vec![Transport::Polling, Transport::WebSocket];
    let mut engineio = false;
    let mut script = None;
    let mut reconnection_delay_ms = None;
    let mut ca_file = None;
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => url = value()?,
            "--namespace" => namespace = value()?,
            "--auth" => {
                let v = value()?;
                auth = Some(serde_json::from_str(&v).map_err(|e| format!("--auth: {e}"))?);
            }
            "--transports" => {
                transports = value()?
                    .split(',')
                    .map(|t| match t.trim() {
                        "polling" => Ok(Transport::Polling),
                        "websocket" => Ok(Transport::WebSocket),
                        other => Err(format!("unknown transport {other:?}")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--engineio" => engineio = true,
            "--script" => script = Some(value()?),
            "--reconnection-delay" => {
                let v = value()?;
                let ms = v
                    .parse()
                    .map_err(|_| format!("--reconnection-delay: bad number {v:?}"))?;
                reconnection_delay_ms = Some(ms);
            }
            "--ca-file" => ca_file = Some(std::path::PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let (scheme, rest, default_port) = if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest, 80)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest, 443)
    } else {
        return Err("--url must start with http:// or https://".into());
    };
    let (hostport, path) = match rest.find('/') {
        Some(i) if rest.len() > i + 1 => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], default_path(engineio)),
        None => (rest, default_path(engineio)),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| "bad port in --url")?),
        None => (hostport, default_port),
    };
    if !namespace.starts_with('/') {
        namespace.insert(0, '/');
    }
    Ok(Args {
        scheme,
        host: host.to_string(),
        port,
        path,
        namespace,
        auth,
        transports,
        engineio,
        script,
        reconnection_delay_ms,
        ca_file,
    })
}

fn default_path(engineio: bool) -> String {
    if engineio {
        "/engine.io/"
    } else {
        "/socket.io/"
    }
    .to_string()
}
