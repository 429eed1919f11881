//! [`IoConfig`]: the knobs of the Socket.IO server layer.

use crate::server::EngineConfig;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Decides whether a CONNECT to a namespace that was not registered may go to the
/// application (as a [`ConnectRequest`](super::IoEvent::ConnectRequest)); the namespace
/// is created when the application accepts it.
pub type NamespaceFilter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Configuration of a [`SocketIoServer`](super::SocketIoServer).
#[derive(Clone)]
pub struct IoConfig {
    /// The Engine.IO layer; its `path` defaults to `/socket.io/` here.
    pub engine: EngineConfig,
    /// How long a new session may take to join its first namespace before it is closed
    /// (default 45 s, as the official `connectTimeout`).
    pub connect_timeout: Duration,
    /// Dynamic namespaces: `None` (the default) answers a CONNECT to an unregistered
    /// namespace with `Invalid namespace`; a filter lets the names it approves through to
    /// the application.
    pub dynamic_namespaces: Option<NamespaceFilter>,
    /// Most namespaces the server will hold (registered plus created dynamically;
    /// default 1024). A CONNECT that would create one more is answered
    /// `Invalid namespace`.
    pub max_namespaces: usize,
    /// Most namespaces one session may be connected to or asking for at a time
    /// (default 64). A CONNECT beyond it is answered with a CONNECT_ERROR
    /// `Too many namespaces`.
    pub max_namespaces_per_session: usize,
    /// Most binary attachments one packet may announce (default 10); more closes the
    /// connection (`parse error`).
    pub max_attachments: usize,
    /// Most bytes the attachments of one binary packet may hold while the session waits
    /// for the rest of them (default 1 000 000, the default `max_payload`: a binary
    /// packet may hold no more over WebSocket than one polling POST could carry). An
    /// attachment beyond it closes the connection (`parse error`), as too many
    /// attachments do; the partial packet is dropped. With `max_attachments` it bounds
    /// what one session can make the server hold for a packet not yet complete.
    pub max_attachment_bytes: usize,
    /// Most incoming events per socket still waiting for the application's ack
    /// (default 1024). Policy: when a new one arrives at the limit, the oldest is
    /// forgotten ([`ack`](super::SocketIoServer::ack) on it returns `AckError::Stale`).
    pub max_ack_requests: usize,
    /// Most acks awaited from one socket at a time for
    /// [`emit_with_ack`](super::SocketIoServer::emit_with_ack) (default 1024). Policy:
    /// beyond it `emit_with_ack` is refused with `EmitError::TooManyPendingAcks`.
    pub max_pending_acks: usize,
    /// Report broadcasts and room changes as [`IoEvent::Cluster`](super::IoEvent::Cluster)
    /// for a cluster adapter (default false). See
    /// [`apply_remote_broadcast`](super::SocketIoServer::apply_remote_broadcast).
    pub cluster_events: bool,
}

impl Default for IoConfig {
    fn default() -> Self {
        let engine = EngineConfig {
            path: "/socket.io/".to_owned(),
            ..EngineConfig::default()
        };
        IoConfig {
            engine,
            connect_timeout: Duration::from_secs(45),
            dynamic_namespaces: None,
            max_namespaces: 1024,
            max_namespaces_per_session: 64,
            max_attachments: 10,
            max_attachment_bytes: crate::socketio::DEFAULT_MAX_ATTACHMENT_BYTES,
            max_ack_requests: 1024,
            max_pending_acks: 1024,
            cluster_events: false,
        }
    }
}

impl IoConfig {
    /// Lets every unregistered namespace through to the application.
    pub fn allow_all_namespaces(mut self) -> Self {
        self.dynamic_namespaces = Some(Arc::new(|_| true));
        self
    }

    /// Lets the unregistered namespaces `filter` approves through to the application.
    pub fn dynamic_namespaces(
        mut self,
        filter: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.dynamic_namespaces = Some(Arc::new(filter));
        self
    }

    /// The limits of each session's packet decoder.
    pub(crate) fn decoder_config(&self) -> crate::socketio::DecoderConfig {
        crate::socketio::DecoderConfig {
            max_attachments: self.max_attachments,
            max_attachment_bytes: self.max_attachment_bytes,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), crate::error::ConfigError> {
        if self.max_namespaces == 0 {
            return Err(crate::error::ConfigError(
                "max_namespaces must be at least 1",
            ));
        }
        if self.max_namespaces_per_session == 0 {
            return Err(crate::error::ConfigError(
                "max_namespaces_per_session must be at least 1",
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for IoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoConfig")
            .field("engine", &self.engine)
            .field("connect_timeout", &self.connect_timeout)
            .field("dynamic_namespaces", &self.dynamic_namespaces.is_some())
            .field("max_namespaces", &self.max_namespaces)
            .field(
                "max_namespaces_per_session",
                &self.max_namespaces_per_session,
            )
            .field("max_attachments", &self.max_attachments)
            .field("max_attachment_bytes", &self.max_attachment_bytes)
            .field("max_ack_requests", &self.max_ack_requests)
            .field("max_pending_acks", &self.max_pending_acks)
            .field("cluster_events", &self.cluster_events)
            .finish()
    }
}
