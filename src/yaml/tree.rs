//! The span tree: one arena per YAML document, every key and value with its byte span.

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::resolve::{CoreTag, Resolved, resolve_plain, resolve_tagged};

pub type NodeId = u32;

/// A byte range in the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub span: Span,
    pub kind: NodeKind<'a>,
}

#[derive(Debug, Clone)]
pub enum NodeKind<'a> {
    Scalar(Scalar<'a>),
    /// `len` items at `children[start..]`.
    Seq {
        start: u32,
        len: u32,
        flow: bool,
    },
    /// `len` entries; entry `i` is key `children[start + 2i]`, value `children[start + 2i + 1]`.
    Map {
        start: u32,
        len: u32,
        flow: bool,
    },
    /// `*name`: the anchored node it stands for.
    Alias(NodeId),
}

#[derive(Debug, Clone)]
pub struct Scalar<'a> {
    /// The value after YAML escape processing and folding.
    pub value: Cow<'a, str>,
    pub style: ScalarStyle,
    pub tag: Option<CoreTag>,
}

impl Scalar<'_> {
    /// What Kubernetes reads: YAML 1.1 resolution for plain scalars, strings when quoted or
    /// block, the written core tag otherwise. `None` for a core tag that does not fit the text.
    pub fn resolve(&self) -> Option<Resolved> {
        match (self.tag, self.style) {
            (Some(tag), _) => resolve_tagged(&self.value, tag),
            (None, ScalarStyle::Plain) => Some(resolve_plain(&self.value)),
            (None, _) => Some(Resolved::Str),
        }
    }

    /// A scalar Kubernetes reads as null: plain `~`, `null` or nothing at all, or `!!null`.
    /// Decoding asks this of every optional field, so it avoids a full resolution.
    pub fn is_null(&self) -> bool {
        match (self.tag, self.style) {
            (None, ScalarStyle::Plain) => {
                matches!(self.value.as_ref(), "" | "~" | "null" | "Null" | "NULL")
            }
            (Some(CoreTag::Null), _) => self.resolve() == Some(Resolved::Null),
            _ => false,
        }
    }
}

/// One YAML document of a file.
#[derive(Debug, Default)]
pub struct Document<'a> {
    pub nodes: Vec<Node<'a>>,
    pub children: Vec<NodeId>,
    pub root: Option<NodeId>,
    /// 0-based position of the document in its file.
    pub index: usize,
}

impl<'a> Document<'a> {
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    /// Follows an alias to the node it stands for (aliases never point at aliases).
    pub fn deref(&self, id: NodeId) -> NodeId {
        match self.node(id).kind {
            NodeKind::Alias(target) => target,
            _ => id,
        }
    }

    pub fn scalar(&self, id: NodeId) -> Option<&Scalar<'a>> {
        match &self.node(self.deref(id)).kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar node, whatever it resolves to.
    pub fn text(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|s| s.value.as_ref())
    }

    pub fn seq_items(&self, id: NodeId) -> &[NodeId] {
        match self.node(self.deref(id)).kind {
            NodeKind::Seq { start, len, .. } => {
                &self.children[start as usize..(start + len) as usize]
            }
            _ => &[],
        }
    }

    /// The entries written in a mapping, in order, as (key, value) ids; merge keys (`<<`)
    /// are returned as written. See [`Document::entries`] for the merged view.
    pub fn map_entries(
        &self,
        id: NodeId,
    ) -> impl DoubleEndedIterator<Item = (NodeId, NodeId)> + '_ {
        self.written_pairs(id)
            .chunks_exact(2)
            .map(|pair| (pair[0], pair[1]))
    }

    /// The written entries of a mapping as interleaved key and value ids.
    pub fn written_pairs(&self, id: NodeId) -> &[NodeId] {
        match self.node(self.deref(id)).kind {
            NodeKind::Map { start, len, .. } => {
                &self.children[start as usize..(start + 2 * len) as usize]
            }
            _ => &[],
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.node(self.deref(id)).kind, NodeKind::Map { .. })
    }

    pub fn is_seq(&self, id: NodeId) -> bool {
        matches!(self.node(self.deref(id)).kind, NodeKind::Seq { .. })
    }

    /// A `<<` merge key as go-yaml reads it: plain and untagged.
    pub fn is_merge_key(&self, key: NodeId) -> bool {
        matches!(
            &self.node(key).kind,
            NodeKind::Scalar(Scalar { value, style: ScalarStyle::Plain, tag: None }) if value == "<<"
        )
    }

    /// The effective entries of a mapping as Kubernetes decodes it: entries merged in through
    /// `<<` first (earlier merge sources win over later ones), then the entries written in the
    /// mapping, so that "last wins" gives the written value priority. Duplicates are kept.
    pub fn entries(&self, id: NodeId) -> Vec<(NodeId, NodeId)> {
        let mut out = Vec::new();
        self.collect_entries(id, &mut out, 0);
        out
    }

    fn collect_entries(&self, id: NodeId, out: &mut Vec<(NodeId, NodeId)>, depth: usize) {
        // Merge chains are bounded by the loader's alias budget; the depth guard only
        // protects against a merge that refers to its own mapping.
        if depth > 64 {
            return;
        }
        for (key, value) in self.map_entries(id) {
            if self.is_merge_key(key) {
                let sources: Vec<NodeId> = if self.is_seq(value) {
                    self.seq_items(value).to_vec()
                } else {
                    vec![value]
                };
                // In a list of merge sources, earlier ones take precedence.
                for source in sources.into_iter().rev() {
                    self.collect_entries(source, out, depth + 1);
                }
            }
        }
        out.extend(
            self.map_entries(id)
                .filter(|(key, _)| !self.is_merge_key(*key)),
        );
    }

    /// The value of `key` in a mapping (the last one wins, merges included).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.find_entry(map, key).map(|(_, value)| value)
    }

    /// The (key, value) entry for `key` in a mapping (the last one wins, merges included).
    pub fn find_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let written = self
            .map_entries(map)
            .rev()
            .find(|(k, _)| !self.is_merge_key(*k) && self.text(*k) == Some(key));
        if written.is_some() {
            return written;
        }
        let has_merge = self.map_entries(map).any(|(k, _)| self.is_merge_key(k));
        if !has_merge {
            return None;
        }
        self.entries(map)
            .into_iter()
            .rev()
            .find(|(k, _)| self.text(*k) == Some(key))
    }

    /// The span of a node; for an alias, the span of the `*name` token itself.
    pub fn span(&self, id: NodeId) -> Span {
        self.node(id).span
    }
}
