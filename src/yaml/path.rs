//! Field paths (`spec.template.spec.containers[0].image`) and their resolution to spans.

use std::borrow::Cow;
use std::fmt;

use super::tree::{Document, NodeId, NodeKind, Span};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    Key(Cow<'static, str>),
    Index(usize),
}

/// A path from an object's root to one of its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// A path from dotted static keys: `FieldPath::parse_static("spec.strategy")`.
    pub fn keys(keys: &[&'static str]) -> Self {
        FieldPath(
            keys.iter()
                .map(|k| Segment::Key(Cow::Borrowed(*k)))
                .collect(),
        )
    }

    pub fn key(mut self, key: impl Into<Cow<'static, str>>) -> Self {
        self.0.push(Segment::Key(key.into()));
        self
    }

    pub fn index(mut self, index: usize) -> Self {
        self.0.push(Segment::Index(index));
        self
    }

    pub fn join(mut self, other: &FieldPath) -> Self {
        self.0.extend(other.0.iter().cloned());
        self
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub fn parent(&self) -> Option<FieldPath> {
        let (_, rest) = self.0.split_last()?;
        Some(FieldPath(rest.to_vec()))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if is_simple_key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => write!(f, "[{key:?}]")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

fn is_simple_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Which part of a field a finding points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The key (`maxSurge` in `maxSurge: 1`).
    Key,
    /// The value (`1`); a collection value points at its key instead, so that one line is
    /// underlined rather than a whole block.
    Value,
}

/// Where a path landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    pub span: Span,
    /// False when the field is absent and the span is that of its nearest existing parent.
    pub exact: bool,
}

impl Document<'_> {
    /// Resolves `path` below `root` to a span: the key or value asked for, or the key of the
    /// nearest existing parent when the field is absent (a missing `strategy` points at `spec`).
    pub fn locate(&self, root: NodeId, path: &FieldPath, target: Target) -> Resolution {
        let mut node = root;
        // The entry (key, value) through which `node` was reached, if any.
        let mut via_key: Option<NodeId> = None;
        for segment in path.segments() {
            let next = match segment {
                Segment::Key(key) => self.find_entry(node, key).map(|(k, v)| (Some(k), v)),
                Segment::Index(index) => self.seq_items(node).get(*index).map(|v| (None, *v)),
            };
            match next {
                Some((key, value)) => {
                    via_key = key;
                    node = value;
                }
                None => {
                    return Resolution {
                        span: self.anchor_span(node, via_key, root),
                        exact: false,
                    };
                }
            }
        }
        let span = match (target, via_key) {
            (Target::Key, Some(key)) => self.span(key),
            _ => self.anchor_span(node, via_key, root),
        };
        Resolution { span, exact: true }
    }

    /// A short span that stands for `node`: itself if it is a scalar; for a collection (which
    /// may cover many lines, in block or JSON style) its key, or, reached without a key (the
    /// root, a list item), its `name` value or its first key.
    fn anchor_span(&self, node: NodeId, via_key: Option<NodeId>, root: NodeId) -> Span {
        let target = self.deref(node);
        if !matches!(
            self.node(target).kind,
            NodeKind::Map { .. } | NodeKind::Seq { .. }
        ) {
            return self.span(node);
        }
        if let Some(key) = via_key {
            return self.span(key);
        }
        if self.is_map(target) {
            let preferred = if node == root { "kind" } else { "name" };
            if let Some(value) = self.get(target, preferred) {
                return self.span(value);
            }
            if let Some((key, _)) = self.map_entries(target).next() {
                return self.span(key);
            }
        }
        if let Some(first) = self.seq_items(target).first() {
            return self.anchor_span(*first, None, root);
        }
        self.span(node)
    }

    /// The path from `root` to `target` along written entries (for errors raised at a node).
    pub fn path_to(&self, root: NodeId, target: NodeId) -> Option<FieldPath> {
        let mut path = FieldPath::root();
        self.search(root, target, &mut path, 0).then_some(path)
    }

    fn search(&self, node: NodeId, target: NodeId, path: &mut FieldPath, depth: usize) -> bool {
        if node == target {
            return true;
        }
        // Written nesting is bounded by the parser; aliases are not followed.
        if depth > 256 {
            return false;
        }
        match self.node(node).kind {
            NodeKind::Map { .. } => {
                for (key, value) in self.map_entries(node) {
                    let name = self.text(key).unwrap_or_default().to_string();
                    path.0.push(Segment::Key(Cow::Owned(name)));
                    if key == target || self.search(value, target, path, depth + 1) {
                        return true;
                    }
                    path.0.pop();
                }
                false
            }
            NodeKind::Seq { .. } => {
                for (i, item) in self.seq_items(node).iter().enumerate() {
                    path.0.push(Segment::Index(i));
                    if self.search(*item, target, path, depth + 1) {
                        return true;
                    }
                    path.0.pop();
                }
                false
            }
            _ => false,
        }
    }
}

impl Document<'_> {
    /// The span to report a problem found at `node`: a scalar (key or value) itself, a
    /// collection by the one line that stands for it.
    pub fn report_span(&self, root: NodeId, node: NodeId) -> Span {
        if self.scalar(node).is_some() {
            return self.span(node);
        }
        let path = self.path_to(root, node).unwrap_or_default();
        self.locate(root, &path, Target::Value).span
    }
}
