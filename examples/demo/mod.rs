//! The demo application every server example runs, whatever its runtime: the command
//! line ([`args`]), the core it builds from it ([`build`]), and what the core's events
//! are answered with ([`echo`] for `--engineio`, [`socketio`] otherwise). Nothing here
//! does I/O or knows a runtime: an adapter implements [`Serve`] and its `main` is
//! `demo::main("NAME", Adapter)`.

pub mod args;
pub mod build;
pub mod echo;
pub mod socketio;
#[path = "../tls/server.rs"]
pub mod tls;

use socketio_proto::driver::Core;
use socketio_proto::server::{Input, Transmit};
use std::process::ExitCode;

/// What an adapter needs besides the core: where to listen and how much to read.
#[derive(Debug, Clone)]
pub struct Listen {
    /// Port on 127.0.0.1 (0 = a free port). The adapter prints
    /// `listening on http://127.0.0.1:PORT` once it accepts connections.
    pub port: u16,
    /// Largest HTTP body / WebSocket message to read (the core answers 413 above it;
    /// read one byte more so that it can see that).
    pub max_payload: usize,
    /// Serve HTTPS/WSS with this configuration (`--tls-cert`/`--tls-key`); the line
    /// printed is then `listening on https://127.0.0.1:PORT`. The adapter wraps every
    /// accepted stream and gives each handshake [`tls::HANDSHAKE_TIMEOUT`].
    pub tls: Option<std::sync::Arc<rustls::ServerConfig>>,
}

/// A runtime adapter: serves `core` until Ctrl-C / SIGTERM, calling `on_event` for each
/// of the core's events; the exit code says how it ended (0 after a clean shutdown).
pub trait Serve {
    /// Runs the server.
    fn serve<C, F>(self, listen: Listen, core: C, on_event: F) -> ExitCode
    where
        C: Core<Input = Input, Transmit = Transmit> + Send + 'static,
        F: FnMut(&mut C, C::Event) + Send + 'static;
}

/// The whole `main` of a server example: parse the flags, build the core, serve it.
/// Exit code 2 for bad flags or configuration.
pub fn main<S: Serve>(program: &str, adapter: S) -> ExitCode {
    let opts = match args::parse(program, std::env::args().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let built = match build::build(&opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let tls = match (&opts.tls_cert, &opts.tls_key) {
        (Some(cert), Some(key)) => match tls::server_config(cert, key) {
            Ok(config) => Some(config),
            Err(e) => {
                eprintln!("invalid configuration: {e}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let listen = Listen {
        port: opts.port,
        max_payload: built.max_payload(),
        tls,
    };
    match built {
        build::Built::Engine(server) => adapter.serve(listen, *server, echo::on_event),
        build::Built::Io(io) => adapter.serve(listen, *io, socketio::on_event),
    }
}
