//! The Engine.IO protocol revision, as data: what differs between revisions is looked up
//! here, never written as a `"4"` literal in the state machines.

/// An Engine.IO protocol revision (the `EIO` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ProtocolVersion {
    /// Engine.IO v3 (socket.io 2.x): length-prefixed polling payloads, the client pings.
    V3,
    /// Engine.IO v4 (socket.io 3.x and later): `\x1e`-joined payloads, the server pings.
    #[default]
    V4,
}

impl ProtocolVersion {
    /// The value of the `EIO` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V3 => "3",
            ProtocolVersion::V4 => "4",
        }
    }

    /// The revision named by an `EIO` query value.
    pub fn parse(eio: &str) -> Option<Self> {
        match eio {
            "3" => Some(ProtocolVersion::V3),
            "4" => Some(ProtocolVersion::V4),
            _ => None,
        }
    }

    /// Whether the server sends the pings (v4) rather than the client (v3).
    pub fn server_pings(self) -> bool {
        self == ProtocolVersion::V4
    }
}
