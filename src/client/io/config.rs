//! Settings of the Socket.IO client [`Manager`](super::Manager).

use crate::client::engine::EngineConfig;
use crate::error::ConfigError;
use std::time::Duration;

/// Settings of a [`Manager`](super::Manager), with the JS client's defaults. Build with
/// [`ManagerConfig::new`] and adjust the public fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerConfig {
    /// The Engine.IO connection (host, port, transports…). [`ManagerConfig::new`] sets
    /// its path to `/socket.io/`.
    pub engine: EngineConfig,
    /// Reconnect automatically after the connection is lost (default true).
    pub reconnection: bool,
    /// Give up after this many attempts in a row (`None`, the default: never).
    pub reconnection_attempts: Option<u32>,
    /// The first reconnection delay (default 1000 ms), doubled on every attempt.
    pub reconnection_delay: Duration,
    /// The longest reconnection delay (default 5000 ms).
    pub reconnection_delay_max: Duration,
    /// Jitter of the reconnection delays, in `[0, 1]` (default 0.5).
    pub randomization_factor: f64,
    /// A connection attempt that has not completed the Engine.IO handshake after this
    /// long fails with [`OpenError::Timeout`](super::OpenError::Timeout) (default 20 s;
    /// `None`: no limit).
    pub timeout: Option<Duration>,
    /// Packets a socket keeps while it is not connected (flushed in order on connect);
    /// `emit` beyond it returns [`EmitError::QueueFull`](crate::error::EmitError::QueueFull).
    /// Default 1024.
    pub max_buffered_packets: usize,
    /// Bytes a socket keeps while it is not connected: the encoded packets buffered,
    /// attachments included. An `emit` that does not fit returns
    /// [`EmitError::QueueBytesFull`](crate::error::EmitError::QueueBytesFull) and buffers
    /// nothing; an empty buffer takes one packet whatever its size (it is the
    /// application's own). Default 1 MiB (1 048 576).
    pub max_buffered_bytes: usize,
    /// Acknowledgements a socket may wait for at once (those *we* wait for, from
    /// `emit_with_ack`); beyond it `emit_with_ack` refuses with
    /// [`EmitError::TooManyPendingAcks`](crate::error::EmitError::TooManyPendingAcks).
    /// Default 1024.
    pub max_pending_acks: usize,
    /// Binary attachments accepted in one packet from the server; more closes the
    /// connection with "parse error". Default 10.
    pub max_attachments: usize,
    /// Bytes the attachments of one packet from the server may hold while the client
    /// waits for the rest of them; beyond it the connection closes with "parse error"
    /// (the partial packet is dropped). Default 100 MB, the default
    /// [`max_incoming_payload`](crate::client::engine::EngineConfig::max_incoming_payload):
    /// a binary packet may hold as much as one message.
    pub max_attachment_bytes: usize,
}

impl ManagerConfig {
    /// Defaults for `http://host:port/socket.io/`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        let mut engine = EngineConfig::new(host, port);
        engine.path = "/socket.io/".into();
        ManagerConfig::with_engine(engine)
    }

    /// Defaults around an Engine.IO configuration (its path is kept as it is).
    pub fn with_engine(engine: EngineConfig) -> Self {
        ManagerConfig {
            engine,
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay: Duration::from_millis(1000),
            reconnection_delay_max: Duration::from_millis(5000),
            randomization_factor: 0.5,
            timeout: Some(Duration::from_secs(20)),
            max_buffered_packets: 1024,
            max_buffered_bytes: 1 << 20,
            max_pending_acks: 1024,
            max_attachments: 10,
            max_attachment_bytes: 100_000_000,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.engine.validate()?;
        if !(0.0..=1.0).contains(&self.randomization_factor) {
            return Err(ConfigError("randomization_factor must be within [0, 1]"));
        }
        if self.reconnection_delay > self.reconnection_delay_max {
            return Err(ConfigError(
                "reconnection_delay must not exceed reconnection_delay_max",
            ));
        }
        if self.max_buffered_packets == 0 || self.max_pending_acks == 0 {
            return Err(ConfigError(
                "max_buffered_packets and max_pending_acks must be at least 1",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_js_client() {
        let c = ManagerConfig::new("localhost", 3000);
        assert_eq!(c.engine.path, "/socket.io/");
        assert!(c.reconnection);
        assert_eq!(c.reconnection_attempts, None);
        assert_eq!(c.reconnection_delay, Duration::from_millis(1000));
        assert_eq!(c.reconnection_delay_max, Duration::from_millis(5000));
        assert_eq!(c.randomization_factor, 0.5);
        assert_eq!(c.timeout, Some(Duration::from_secs(20)));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn rejects_bad_values() {
        let mut c = ManagerConfig::new("h", 1);
        c.randomization_factor = 2.0;
        assert!(c.validate().is_err());
        let mut c = ManagerConfig::new("h", 1);
        c.reconnection_delay = Duration::from_secs(10);
        assert!(c.validate().is_err());
        let mut c = ManagerConfig::new("h", 1);
        c.max_buffered_packets = 0;
        assert!(c.validate().is_err());
    }
}
