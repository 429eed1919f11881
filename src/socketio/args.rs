//! [`Args`]: the arguments of an EVENT or ACK, kept as the JSON text from the wire.

use super::binary;
use super::value::Value;
use crate::error::{ArgsError, EmitError};
use crate::utf8::Utf8Bytes;
use bytes::Bytes;
use serde::de::value::SeqAccessDeserializer;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// Arguments of an EVENT or ACK.
///
/// They are kept as the JSON array of the packet (a zero-copy slice of the received
/// frame, binary values as `{"_placeholder":true,"num":N}`) plus the binary attachments.
/// Deserialize them later into your own type with [`Args::deserialize`] (straight from
/// the JSON text when there is no binary data), or into [`Value`]s with
/// [`Args::to_values`].
///
/// A [`Decoder`](super::Decoder) built with
/// [`Decoder::with_values`](super::Decoder::with_values) also parses the arguments into
/// [`Value`]s while validating (one pass); see [`Args::values`]. Equality and hashing
/// look at the wire form only.
///
/// Inside, the arguments are held in the form of the parser that decoded them (today
/// only JSON text; a msgpack parser adds its own form), behind this one public API.
#[derive(Clone)]
pub struct Args {
    repr: Repr,
}

/// The arguments in the form of the parser that made them.
#[derive(Clone)]
enum Repr {
    /// JSON text (the default parser).
    Json(JsonArgs),
}

/// Arguments as a JSON array plus binary attachments.
#[derive(Clone)]
struct JsonArgs {
    json: Utf8Bytes,
    attachments: Vec<Bytes>,
    /// The first array element is the event name, not an argument.
    skip_first: bool,
    /// The arguments as values, when the decoder built them.
    values: Option<Vec<Value>>,
}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Repr::Json(j) = &self.repr;
        f.debug_struct("Args")
            .field("json", &j.json)
            .field("attachments", &j.attachments)
            .field("skip_first", &j.skip_first)
            .field("values", &j.values)
            .finish()
    }
}

impl PartialEq for Args {
    fn eq(&self, other: &Self) -> bool {
        let (Repr::Json(a), Repr::Json(b)) = (&self.repr, &other.repr);
        a.json == b.json && a.attachments == b.attachments && a.skip_first == b.skip_first
    }
}

impl Eq for Args {}

impl std::hash::Hash for Args {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Repr::Json(j) = &self.repr;
        j.json.hash(state);
        j.attachments.hash(state);
        j.skip_first.hash(state);
    }
}

impl Args {
    #[inline]
    pub(crate) fn from_parts(json: Utf8Bytes, attachments: Vec<Bytes>, skip_first: bool) -> Self {
        Args {
            repr: Repr::Json(JsonArgs {
                json,
                attachments,
                skip_first,
                values: None,
            }),
        }
    }

    #[inline]
    fn j(&self) -> &JsonArgs {
        let Repr::Json(j) = &self.repr;
        j
    }

    pub(crate) fn set_attachments(&mut self, attachments: Vec<Bytes>) {
        let Repr::Json(j) = &mut self.repr;
        j.attachments = attachments;
    }

    /// Caches the argument values (the event name already removed).
    pub(crate) fn set_values(&mut self, values: Vec<Value>) {
        let Repr::Json(j) = &mut self.repr;
        j.values = Some(values);
    }

    /// The arguments as values, if the decoder built them
    /// ([`Decoder::with_values`](super::Decoder::with_values)).
    pub fn values(&self) -> Option<&[Value]> {
        self.j().values.as_deref()
    }

    /// The arguments as values: the ones the decoder built, or parsed now.
    pub fn into_values(self) -> Result<Vec<Value>, ArgsError> {
        let Repr::Json(j) = self.repr;
        match j.values {
            Some(v) => Ok(v),
            None => j.to_values(),
        }
    }

    /// ACK arguments from anything that serializes as a sequence (a tuple, array or
    /// `Vec`; `()` for none); binary values (`Value::Binary`, or anything serialized with
    /// `serialize_bytes`) become attachments.
    pub fn from_serialize<T: serde::Serialize + ?Sized>(args: &T) -> Result<Args, EmitError> {
        let mut attachments = Vec::new();
        let ((), json) = super::ser::with_scratch(|out| {
            super::encode::write_ack_body(out, &mut attachments, args)
        })?;
        Ok(Args::from_parts(json, attachments, false))
    }

    /// The JSON array as it goes on the wire: for an EVENT, including the event name.
    pub fn json(&self) -> &Utf8Bytes {
        &self.j().json
    }

    /// The binary attachments, in placeholder order.
    pub fn attachments(&self) -> &[Bytes] {
        &self.j().attachments
    }

    /// Whether the arguments carry binary data (the packet is a BINARY_EVENT/BINARY_ACK).
    pub fn is_binary(&self) -> bool {
        !self.j().attachments.is_empty()
    }

    /// Deserializes the arguments as a sequence into `T` (a tuple, a `Vec`, a struct
    /// deserialized from a sequence...). Extra arguments beyond what `T` takes are
    /// ignored, as JavaScript does. Without binary data this reads the JSON text
    /// directly; with binary data it goes through a [`Value`] tree, and binary values
    /// arrive as bytes (use [`Value`] or a bytes type that accepts `visit_bytes`).
    pub fn deserialize<'a, T: Deserialize<'a>>(&'a self) -> Result<T, ArgsError> {
        self.j().deserialize()
    }

    /// The arguments as [`Value`]s, binary placeholders replaced by the attachments.
    pub fn to_values(&self) -> Result<Vec<Value>, ArgsError> {
        self.j().to_values()
    }
}

impl JsonArgs {
    fn deserialize<'a, T: Deserialize<'a>>(&'a self) -> Result<T, ArgsError> {
        let visitor = ArgsVisitor {
            skip_first: self.skip_first,
            marker: PhantomData,
        };
        if self.attachments.is_empty() {
            let mut de = serde_json::Deserializer::from_str(self.json.as_str());
            let v = de::Deserializer::deserialize_seq(&mut de, visitor).map_err(deser)?;
            de.end().map_err(deser)?;
            Ok(v)
        } else {
            let tree = self.tree()?;
            de::Deserializer::deserialize_seq(tree, visitor).map_err(deser)
        }
    }

    fn to_values(&self) -> Result<Vec<Value>, ArgsError> {
        if let Some(v) = &self.values {
            return Ok(v.clone());
        }
        match self.tree()? {
            Value::Array(mut a) => {
                if self.skip_first && !a.is_empty() {
                    a.remove(0);
                }
                Ok(a)
            }
            _ => Err(ArgsError("arguments are not an array".into())),
        }
    }

    /// The whole JSON array as a tree, placeholders filled in.
    fn tree(&self) -> Result<Value, ArgsError> {
        let mut tree: Value = serde_json::from_str(self.json.as_str()).map_err(deser)?;
        if !self.attachments.is_empty() {
            binary::fill(&mut tree, &self.attachments);
        }
        Ok(tree)
    }
}

pub(crate) fn not_a_sequence() -> EmitError {
    EmitError::Serialize("arguments must serialize as a sequence (tuple, array or Vec)".into())
}

fn deser(e: serde_json::Error) -> ArgsError {
    ArgsError(e.to_string())
}

/// Visits the argument array: skips the event name if asked, hands the rest to `T`, and
/// ignores whatever `T` leaves.
struct ArgsVisitor<T> {
    skip_first: bool,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ArgsVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of arguments")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        if self.skip_first {
            seq.next_element::<IgnoredAny>()?;
        }
        let v = T::deserialize(SeqAccessDeserializer::new(&mut seq))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(v)
    }
}
