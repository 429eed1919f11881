//! Socket.IO v5 packets: `<type>[<attachments>-][<nsp>,][<ack id>][<json>]`.

use super::args::Args;
use crate::error::{AuthError, DecodeError, EmitError};
use crate::utf8::Utf8Bytes;
use serde::Serialize;

/// The main namespace.
pub const MAIN_NAMESPACE: &str = "/";

/// Event names an EVENT may not use (they name local events in the official API).
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Whether `name` is one of [`RESERVED_EVENTS`].
pub fn is_reserved_event(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}

/// The seven Socket.IO packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// `0`: connect to a namespace (client: optional auth; server: `{"sid":…}`).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event: `["name", ...args]`.
    Event,
    /// `3`: the reply to an event carrying an ack id.
    Ack,
    /// `4`: the server refused the namespace connection.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an ack with binary attachments.
    BinaryAck,
}

impl PacketType {
    /// The ASCII digit of this type.
    pub fn as_byte(self) -> u8 {
        b'0' + self as u8
    }

    /// Parses the ASCII digit.
    pub fn from_byte(b: u8) -> Result<Self, DecodeError> {
        Ok(match b {
            b'0' => PacketType::Connect,
            b'1' => PacketType::Disconnect,
            b'2' => PacketType::Event,
            b'3' => PacketType::Ack,
            b'4' => PacketType::ConnectError,
            b'5' => PacketType::BinaryEvent,
            b'6' => PacketType::BinaryAck,
            other => return Err(DecodeError::UnknownPacketType(other)),
        })
    }

    /// Whether packets of this type are followed by binary attachments.
    pub fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }

    /// The name used in the protocol documents (`CONNECT`, `BINARY_EVENT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Event => "EVENT",
            PacketType::Ack => "ACK",
            PacketType::ConnectError => "CONNECT_ERROR",
            PacketType::BinaryEvent => "BINARY_EVENT",
            PacketType::BinaryAck => "BINARY_ACK",
        }
    }
}

/// What a packet carries. JSON payloads are kept as text (slices of the received
/// frame); see [`Args`] for event and ack arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PacketData {
    /// CONNECT: the client's auth object, or the server's `{"sid":…}`, as JSON text of
    /// an object; `None` when absent.
    Connect(Option<Utf8Bytes>),
    /// DISCONNECT.
    Disconnect,
    /// EVENT or BINARY_EVENT.
    Event {
        /// The event name (a numeric name is kept in its JSON text form).
        name: Utf8Bytes,
        /// The arguments after the name.
        args: Args,
    },
    /// ACK or BINARY_ACK.
    Ack(Args),
    /// CONNECT_ERROR: JSON text of `{"message":…,"data"?:…}` (or of a plain string).
    ConnectError(Utf8Bytes),
}

/// One Socket.IO packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Packet {
    /// The namespace, `/` for the main one.
    pub nsp: Utf8Bytes,
    /// The ack id: on an EVENT, asks for an ACK with the same id; on an ACK, the id
    /// being answered.
    pub id: Option<u64>,
    /// The payload.
    pub data: PacketData,
}

/// The message and optional data of a CONNECT_ERROR, as sent by `socket.io`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ConnectErrorInfo {
    /// The error message.
    pub message: String,
    /// Extra data given to `next(err)` (`err.data`).
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

/// The namespace as a string of the packet; `None` if it is not one (it must start with
/// `/` and hold no `,`).
fn nsp_text(nsp: &str) -> Option<Utf8Bytes> {
    if nsp == MAIN_NAMESPACE {
        return Some(Utf8Bytes::from_static(MAIN_NAMESPACE));
    }
    if !nsp.starts_with('/') || nsp.contains(',') {
        return None;
    }
    Some(Utf8Bytes::from(nsp))
}

fn check_nsp(nsp: &str) -> Result<Utf8Bytes, EmitError> {
    nsp_text(nsp).ok_or_else(|| EmitError::UnknownNamespace(nsp.to_owned()))
}

fn json<T: Serialize + ?Sized>(v: &T) -> Result<Utf8Bytes, String> {
    super::ser::with_scratch(|out| serde_json::to_writer(out, v).map_err(|e| e.to_string()))
        .map(|((), text)| text)
}

fn json_object<T: Serialize + ?Sized>(v: &T) -> Result<Utf8Bytes, AuthError> {
    let s = json(v).map_err(AuthError::Serialize)?;
    if s.starts_with('{') {
        Ok(s)
    } else {
        Err(AuthError::NotAnObject)
    }
}

impl Packet {
    /// A packet with no ack id.
    fn with(nsp: &str, data: PacketData) -> Result<Packet, EmitError> {
        Ok(Packet {
            nsp: check_nsp(nsp)?,
            id: None,
            data,
        })
    }

    /// CONNECT from the client, with an optional auth payload (must be an object).
    ///
    /// Errors: [`AuthError::NotAnObject`], [`AuthError::Serialize`],
    /// [`AuthError::InvalidNamespace`].
    pub fn connect<T: Serialize + ?Sized>(
        nsp: &str,
        auth: Option<&T>,
    ) -> Result<Packet, AuthError> {
        let auth = auth.map(json_object).transpose()?;
        Ok(Packet {
            nsp: nsp_text(nsp).ok_or_else(|| AuthError::InvalidNamespace(nsp.to_owned()))?,
            id: None,
            data: PacketData::Connect(auth),
        })
    }

    /// CONNECT from the server, accepting the client: `{"sid":"…"}`.
    pub fn connect_ok(nsp: &str, sid: &str) -> Result<Packet, EmitError> {
        #[derive(Serialize)]
        struct Sid<'a> {
            sid: &'a str,
        }
        let body = json(&Sid { sid }).map_err(EmitError::Serialize)?;
        Packet::with(nsp, PacketData::Connect(Some(body)))
    }

    /// CONNECT_ERROR: `{"message":…}` plus `"data"` when given.
    pub fn connect_error<T: Serialize + ?Sized>(
        nsp: &str,
        message: &str,
        data: Option<&T>,
    ) -> Result<Packet, EmitError> {
        #[derive(Serialize)]
        struct E<'a, T: ?Sized> {
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            data: Option<&'a T>,
        }
        let body = json(&E { message, data }).map_err(EmitError::Serialize)?;
        Packet::with(nsp, PacketData::ConnectError(body))
    }

    /// DISCONNECT.
    pub fn disconnect(nsp: &str) -> Result<Packet, EmitError> {
        Packet::with(nsp, PacketData::Disconnect)
    }

    /// EVENT (or BINARY_EVENT when `args` holds binary data). `args` must serialize as
    /// a sequence: a tuple such as `("hello", 1)`, an array or a `Vec` (use `(x,)` for a
    /// single argument, `()` for none).
    pub fn event<T: Serialize + ?Sized>(
        nsp: &str,
        name: &str,
        args: &T,
    ) -> Result<Packet, EmitError> {
        let nsp = check_nsp(nsp)?;
        if is_reserved_event(name) {
            return Err(EmitError::ReservedEventName(name.to_owned()));
        }
        let (json, attachments) = super::encode::event_body(name, args)?;
        Ok(Packet {
            nsp,
            id: None,
            data: PacketData::Event {
                name: Utf8Bytes::from(name),
                args: Args::from_parts(json, attachments, true),
            },
        })
    }

    /// EVENT asking for an acknowledgement with ack id `id`.
    pub fn event_with_ack<T: Serialize + ?Sized>(
        nsp: &str,
        name: &str,
        id: u64,
        args: &T,
    ) -> Result<Packet, EmitError> {
        let mut p = Packet::event(nsp, name, args)?;
        p.id = Some(id);
        Ok(p)
    }

    /// ACK (or BINARY_ACK) answering ack id `id`; `args` must serialize as a sequence.
    pub fn ack<T: Serialize + ?Sized>(nsp: &str, id: u64, args: &T) -> Result<Packet, EmitError> {
        let mut p = Packet::with(nsp, PacketData::Ack(Args::from_serialize(args)?))?;
        p.id = Some(id);
        Ok(p)
    }

    /// The wire type (BINARY_EVENT/BINARY_ACK when the arguments carry binary data).
    pub fn packet_type(&self) -> PacketType {
        match &self.data {
            PacketData::Connect(_) => PacketType::Connect,
            PacketData::Disconnect => PacketType::Disconnect,
            PacketData::Event { args, .. } if args.is_binary() => PacketType::BinaryEvent,
            PacketData::Event { .. } => PacketType::Event,
            PacketData::Ack(args) if args.is_binary() => PacketType::BinaryAck,
            PacketData::Ack(_) => PacketType::Ack,
            PacketData::ConnectError(_) => PacketType::ConnectError,
        }
    }

    /// The event or ack arguments, if this is an EVENT or ACK.
    pub fn args(&self) -> Option<&Args> {
        match &self.data {
            PacketData::Event { args, .. } | PacketData::Ack(args) => Some(args),
            _ => None,
        }
    }

    /// The event name, if this is an EVENT.
    pub fn event_name(&self) -> Option<&str> {
        match &self.data {
            PacketData::Event { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The `sid` of a server CONNECT reply, if there is one.
    pub fn connect_sid(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Sid {
            sid: String,
        }
        match &self.data {
            PacketData::Connect(Some(j)) => serde_json::from_str::<Sid>(j).ok().map(|s| s.sid),
            _ => None,
        }
    }

    /// The message and data of a CONNECT_ERROR (a plain-string payload becomes the
    /// message).
    pub fn connect_error_info(&self) -> Option<ConnectErrorInfo> {
        let PacketData::ConnectError(j) = &self.data else {
            return None;
        };
        if let Ok(message) = serde_json::from_str::<String>(j) {
            return Some(ConnectErrorInfo {
                message,
                data: None,
            });
        }
        serde_json::from_str(j).ok()
    }
}
