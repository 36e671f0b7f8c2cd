//! A serde `Deserializer` over the span tree, with Kubernetes' type rules: a field gets the
//! value the API server would get after kubectl turned the YAML into JSON. A plain `yes` is a
//! boolean there, so it is an error in a string field, exactly as `kubectl apply` fails.
//! Errors carry the node they happened at, so they can be reported at that field.
//!
//! Every typed decode in kubelint goes through this one deserializer type, which keeps the
//! monomorphised k8s-openapi code to one copy.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::resolve::Resolved;
use super::tree::{Document, NodeId, NodeKind, Scalar};

/// Deeper than any Kubernetes type; reached only through aliases nested in aliases.
const MAX_DEPTH: u32 = 512;

#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub message: String,
    /// The node the error happened at, when known.
    pub node: Option<NodeId>,
}

impl DeError {
    fn at(mut self, node: NodeId) -> Self {
        self.node.get_or_insert(node);
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            node: None,
        }
    }
}

/// Decodes `T` from `node` of `doc`.
pub fn from_node<'de, T: serde::Deserialize<'de>>(
    doc: &Document<'_>,
    node: NodeId,
) -> Result<T, DeError> {
    T::deserialize(NodeDe {
        doc,
        id: node,
        depth: 0,
        bytes: Bytes::No,
        is_key: false,
    })
}

#[derive(Clone, Copy)]
pub struct NodeDe<'d, 'a> {
    doc: &'d Document<'a>,
    id: NodeId,
    depth: u32,
    bytes: Bytes,
    /// A mapping key: sigs.k8s.io/yaml turns non-string keys into their text (`on` → "true").
    is_key: bool,
}

/// Where base64 `[]byte` values are (a ConfigMap's `binaryData`): Go's decoder
/// ignores line breaks in them, k8s-openapi's does not, so they are removed first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bytes {
    No,
    MapOfBase64,
    Base64,
}

enum Shape<'d, 'a> {
    Scalar(&'d Scalar<'a>, Resolved),
    Seq,
    Map,
}

impl<'d, 'a> NodeDe<'d, 'a> {
    fn child(&self, id: NodeId) -> NodeDe<'d, 'a> {
        NodeDe {
            doc: self.doc,
            id,
            depth: self.depth + 1,
            bytes: Bytes::No,
            is_key: false,
        }
    }

    /// How a key reads once converted to JSON: a string, whatever it resolved to.
    fn key_text(&self) -> Option<std::borrow::Cow<'d, str>> {
        let Ok(Shape::Scalar(scalar, resolved)) = self.shape() else {
            return None;
        };
        Some(match resolved {
            Resolved::Bool(b) => b.to_string().into(),
            Resolved::Int(i) => i.to_string().into(),
            Resolved::Uint(u) => u.to_string().into(),
            Resolved::Float(f) => f.to_string().into(),
            Resolved::Null => "null".into(),
            Resolved::Str | Resolved::Timestamp => scalar.value.as_ref().into(),
        })
    }

    /// The value of an entry whose key is `key`.
    fn entry_value(&self, key: NodeId, value: NodeId) -> NodeDe<'d, 'a> {
        let mut child = self.child(value);
        child.bytes = match (self.bytes, self.doc.text(key)) {
            (Bytes::MapOfBase64, _) => Bytes::Base64,
            (_, Some("binaryData")) if self.depth == 0 => Bytes::MapOfBase64,
            _ => Bytes::No,
        };
        child
    }

    fn error(&self, message: impl Into<String>) -> DeError {
        DeError {
            message: message.into(),
            node: Some(self.id),
        }
    }

    fn shape(&self) -> Result<Shape<'d, 'a>, DeError> {
        if self.depth > MAX_DEPTH {
            return Err(self.error("document nests too deeply"));
        }
        let target = self.doc.deref(self.id);
        match &self.doc.nodes[target as usize].kind {
            NodeKind::Scalar(scalar) => match scalar.resolve() {
                Some(resolved) => Ok(Shape::Scalar(scalar, resolved)),
                None => Err(self.error(format!(
                    "`{}` does not match the tag written on it",
                    scalar.value
                ))),
            },
            NodeKind::Seq { .. } => Ok(Shape::Seq),
            NodeKind::Map { .. } => Ok(Shape::Map),
            NodeKind::Alias(_) => Err(self.error("alias to an alias")),
        }
    }

    /// "expected X, found Y" with the YAML 1.1 reading spelled out where it surprises.
    fn mismatch(&self, expected: &str) -> DeError {
        let found = match self.shape() {
            Ok(Shape::Scalar(scalar, resolved)) => {
                let text = &scalar.value;
                match resolved {
                    Resolved::Bool(b) if b.to_string() != text.as_ref() => format!(
                        "a boolean: Kubernetes reads YAML 1.1, where `{text}` means {b}; quote it if you meant the text"
                    ),
                    Resolved::Bool(b) if expected == "a string" => {
                        format!("the boolean {b}; quote it to make it a string")
                    }
                    Resolved::Int(i) if i.to_string() != text.as_ref() => format!(
                        "an integer: Kubernetes reads YAML 1.1, where `{text}` means {i}; quote it if you meant the text"
                    ),
                    Resolved::Int(_) | Resolved::Uint(_) | Resolved::Float(_)
                        if expected == "a string" =>
                    {
                        format!(
                            "{} `{text}`; quote it to make it a string",
                            resolved.describe()
                        )
                    }
                    Resolved::Str if expected == "an integer" || expected == "a number" => {
                        format!("the string {:?}", text.as_ref())
                    }
                    _ => format!("{} `{text}`", resolved.describe()),
                }
            }
            Ok(Shape::Seq) => "a list".to_string(),
            Ok(Shape::Map) => "a mapping".to_string(),
            Err(e) => return e,
        };
        self.error(format!("expected {expected}, found {found}"))
    }

    fn is_null(&self) -> bool {
        self.depth <= MAX_DEPTH && self.doc.scalar(self.id).is_some_and(Scalar::is_null)
    }

    fn int(&self) -> Result<i128, DeError> {
        match self.shape()? {
            Shape::Scalar(_, Resolved::Int(i)) => Ok(i128::from(i)),
            Shape::Scalar(_, Resolved::Uint(u)) => Ok(i128::from(u)),
            // JSON has one number type: an integral float such as `3.0` or `1e3` is an integer.
            Shape::Scalar(_, Resolved::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e18 => {
                Ok(f as i128)
            }
            _ => Err(self.mismatch("an integer")),
        }
    }
}

macro_rules! forward_int {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let value = self.int()?;
            let result = match i64::try_from(value) {
                Ok(i) => visitor.visit_i64(i),
                Err(_) => visitor.visit_u64(value as u64),
            };
            result.map_err(|e: DeError| e.at(self.id))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDe<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match self.shape()? {
            Shape::Scalar(scalar, resolved) => match resolved {
                Resolved::Null => visitor.visit_unit(),
                Resolved::Bool(b) => visitor.visit_bool(b),
                Resolved::Int(i) => visitor.visit_i64(i),
                Resolved::Uint(u) => visitor.visit_u64(u),
                Resolved::Float(f) => visitor.visit_f64(f),
                Resolved::Timestamp | Resolved::Str => visitor.visit_str(&scalar.value),
            },
            Shape::Seq => visitor.visit_seq(SeqAccess::new(self)),
            Shape::Map => visitor.visit_map(MapAccess::new(self)),
        };
        result.map_err(|e: DeError| e.at(self.id))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.shape()? {
            Shape::Scalar(_, Resolved::Bool(b)) => {
                visitor.visit_bool(b).map_err(|e: DeError| e.at(self.id))
            }
            _ => Err(self.mismatch("a boolean")),
        }
    }

    forward_int! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let value = match self.shape()? {
            Shape::Scalar(_, Resolved::Int(i)) => i as f64,
            Shape::Scalar(_, Resolved::Uint(u)) => u as f64,
            Shape::Scalar(_, Resolved::Float(f)) => f,
            _ => return Err(self.mismatch("a number")),
        };
        visitor.visit_f64(value).map_err(|e: DeError| e.at(self.id))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_key
            && let Some(text) = self.key_text()
        {
            return visitor.visit_str(&text).map_err(|e: DeError| e.at(self.id));
        }
        match self.shape()? {
            Shape::Scalar(scalar, Resolved::Str)
                if self.bytes == Bytes::Base64 && scalar.value.contains(['\n', '\r']) =>
            {
                let joined: String = scalar
                    .value
                    .chars()
                    .filter(|c| !matches!(c, '\n' | '\r'))
                    .collect();
                visitor
                    .visit_str(&joined)
                    .map_err(|e: DeError| e.at(self.id))
            }
            Shape::Scalar(scalar, Resolved::Str | Resolved::Timestamp) => visitor
                .visit_str(&scalar.value)
                .map_err(|e: DeError| e.at(self.id)),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // A quantity keeps the text as written (`0.5`, `1e9`), as the API server parses the
        // JSON number's text; going through f64 would turn `1e9` into `1000000000`.
        if name == "Quantity"
            && let Shape::Scalar(scalar, Resolved::Int(_) | Resolved::Uint(_) | Resolved::Float(_)) =
                self.shape()?
        {
            return visitor
                .visit_str(&scalar.value)
                .map_err(|e: DeError| e.at(self.id));
        }
        visitor
            .visit_newtype_struct(self)
            .map_err(|e: DeError| e.at(self.id))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.shape()? {
            // JSON null decodes to an empty list in Go.
            Shape::Seq | Shape::Scalar(_, Resolved::Null) => visitor
                .visit_seq(SeqAccess::new(self))
                .map_err(|e: DeError| e.at(self.id)),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.shape()? {
            Shape::Map | Shape::Scalar(_, Resolved::Null) => visitor
                .visit_map(MapAccess::new(self))
                .map_err(|e: DeError| e.at(self.id)),
            _ => Err(self.mismatch("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.shape()? {
            Shape::Scalar(scalar, Resolved::Str) => {
                let variant: de::value::StrDeserializer<'_, DeError> =
                    scalar.value.as_ref().into_deserializer();
                visitor
                    .visit_enum(variant)
                    .map_err(|e: DeError| e.at(self.id))
            }
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.shape()? {
            Shape::Scalar(scalar, _) => visitor
                .visit_str(&scalar.value)
                .map_err(|e: DeError| e.at(self.id)),
            _ => Err(self.mismatch("a key")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'d, 'a> {
    de: NodeDe<'d, 'a>,
    items: &'d [NodeId],
    next: usize,
}

impl<'d, 'a> SeqAccess<'d, 'a> {
    fn new(de: NodeDe<'d, 'a>) -> Self {
        SeqAccess {
            items: de.doc.seq_items(de.id),
            de,
            next: 0,
        }
    }
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(&item) = self.items.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(self.de.child(item))
            .map(Some)
            .map_err(|e: DeError| e.at(item))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.next)
    }
}

struct MapAccess<'d, 'a> {
    de: NodeDe<'d, 'a>,
    /// Key and value ids, interleaved.
    entries: std::borrow::Cow<'d, [NodeId]>,
    next: usize,
}

impl<'d, 'a> MapAccess<'d, 'a> {
    fn new(de: NodeDe<'d, 'a>) -> Self {
        let entries = match de.doc.written_pairs(de.id) {
            // Only mappings with `<<` need the merged (allocated) view.
            pairs if !pairs.chunks_exact(2).any(|p| de.doc.is_merge_key(p[0])) => {
                std::borrow::Cow::Borrowed(pairs)
            }
            _ => std::borrow::Cow::Owned(
                de.doc
                    .entries(de.id)
                    .into_iter()
                    .flat_map(|(k, v)| [k, v])
                    .collect(),
            ),
        };
        MapAccess {
            de,
            entries,
            next: 0,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(&key) = self.entries.get(2 * self.next) else {
            return Ok(None);
        };
        let mut key_de = self.de.child(key);
        key_de.is_key = true;
        seed.deserialize(key_de)
            .map(Some)
            .map_err(|e: DeError| e.at(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some(&value) = self.entries.get(2 * self.next + 1) else {
            return Err(self.de.error("value without a key"));
        };
        let key = self.entries[2 * self.next];
        self.next += 1;
        seed.deserialize(self.de.entry_value(key, value))
            .map_err(|e: DeError| e.at(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len() / 2 - self.next)
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;

    use super::*;
    use crate::yaml::load::first_document;

    fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DeError> {
        let doc = first_document(text);
        from_node(&doc, doc.root.expect("root"))
    }

    #[test]
    fn binary_data_may_span_lines_as_go_allows() {
        let cm: ConfigMap = decode(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\nbinaryData:\n  blob: |\n    aGVsbG8g\n    d29ybGQ=\ndata:\n  text: |\n    two\n    lines\n",
        )
        .unwrap();
        assert_eq!(cm.binary_data.unwrap()["blob"].0, b"hello world");
        assert_eq!(cm.data.unwrap()["text"], "two\nlines\n");
    }

    #[test]
    fn yaml_1_1_values_in_string_fields_are_type_errors() {
        let error = decode::<ConfigMap>("apiVersion: v1\nkind: ConfigMap\ndata:\n  enabled: yes\n")
            .unwrap_err();
        assert!(
            error.message.contains("`yes` means true"),
            "{}",
            error.message
        );
        let error = decode::<ConfigMap>("apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: 0644\n")
            .unwrap_err();
        assert!(
            error.message.contains("`0644` means 420"),
            "{}",
            error.message
        );
    }

    #[test]
    fn quantities_keep_their_text_and_merge_keys_apply() {
        let cm: ConfigMap = decode(
            "apiVersion: v1\nkind: ConfigMap\nbase: &d {x: \"1\", z: \"2\"}\ndata:\n  <<: *d\n  z: \"3\"\n  on: \"4\"\n",
        )
        .unwrap();
        let data = cm.data.unwrap();
        assert_eq!((data["x"].as_str(), data["z"].as_str()), ("1", "3"));
        // A YAML 1.1 boolean key becomes the key "true", as kubectl sends it.
        assert_eq!(data["true"], "4");
        let q: k8s_openapi::apimachinery::pkg::api::resource::Quantity = decode("1e9\n").unwrap();
        assert_eq!(q.0, "1e9");
    }
}
