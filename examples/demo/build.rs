//! Builds the core the options ask for: an [`EngineServer`] (echo) for `--engineio`, a
//! [`SocketIoServer`] with the demo's namespaces otherwise.

use super::args::Options;
use super::socketio::NAMESPACES;
use socketio_proto::ids::{IdSource, RandomIds};
use socketio_proto::server::engine::{EngineConfig, EngineServer};
use socketio_proto::server::io::{IoConfig, SocketIoServer};
use std::time::Duration;

/// The core to serve.
pub enum Built {
    /// `--engineio`: Engine.IO alone, answered by [`super::echo::on_event`].
    Engine(Box<EngineServer>),
    /// Socket.IO, answered by [`super::socketio::on_event`].
    Io(Box<SocketIoServer>),
}

impl Built {
    /// The configured `max_payload`, for the adapter's read limits.
    pub fn max_payload(&self) -> usize {
        match self {
            Built::Engine(s) => s.config().max_payload,
            Built::Io(io) => io.config().engine.max_payload,
        }
    }
}

/// Ids from the OS-seeded thread RNG.
pub fn random_ids() -> Box<dyn IdSource> {
    Box::new(RandomIds::new(|b: &mut [u8]| {
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), b)
    }))
}

/// The Engine.IO configuration from the flags (`default_path` unless `--path`).
pub fn engine_config(opts: &Options, default_path: &str) -> EngineConfig {
    let mut config =
        EngineConfig::default().with_path(opts.path.as_deref().unwrap_or(default_path));
    if let Some(ms) = opts.ping_interval {
        config.ping_interval = Duration::from_millis(ms);
    }
    if let Some(ms) = opts.ping_timeout {
        config.ping_timeout = Duration::from_millis(ms);
    }
    if let Some(n) = opts.max_payload {
        config.max_payload = n;
    }
    config
}

/// Builds the core; `Err` is a configuration error to report.
pub fn build(opts: &Options) -> Result<Built, String> {
    if opts.engineio {
        let config = engine_config(opts, "/engine.io/");
        return EngineServer::new(config, random_ids())
            .map(|s| Built::Engine(Box::new(s)))
            .map_err(|e| e.to_string());
    }
    let mut config = IoConfig {
        engine: engine_config(opts, "/socket.io/"),
        ..IoConfig::default()
    };
    if let Some(ms) = opts.connect_timeout {
        config.connect_timeout = Duration::from_millis(ms);
    }
    let mut io =
        SocketIoServer::new(config, random_ids(), random_ids()).map_err(|e| e.to_string())?;
    for nsp in NAMESPACES {
        io.register_namespace(nsp).map_err(|e| e.to_string())?;
    }
    Ok(Built::Io(Box::new(io)))
}
