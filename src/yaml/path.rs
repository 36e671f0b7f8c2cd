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

    /// A path of static keys: `FieldPath::keys(&["spec", "strategy"])`.
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

    pub fn segments(&self) -> &[Segment] {
        &self.0
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::first_document;

    const TEXT: &str = "\
apiVersion: apps/v1
kind: Deployment
base: &base {image: base:1, name: c}
spec:
  strategy:
    type: RollingUpdate
  containers:
    - <<: *base
      name: server
    - name: sidecar
      ports: [80, 443]
";

    /// The text a path resolves to.
    fn at(path: &FieldPath, target: Target) -> (&'static str, bool) {
        let doc = first_document(TEXT);
        let found = doc.locate(doc.root.unwrap(), path, target);
        (
            &TEXT[found.span.start as usize..found.span.end as usize],
            found.exact,
        )
    }

    #[test]
    fn keys_and_values() {
        let kind = FieldPath::keys(&["spec", "strategy", "type"]);
        assert_eq!(at(&kind, Target::Value), ("RollingUpdate", true));
        assert_eq!(at(&kind, Target::Key), ("type", true));
    }

    #[test]
    fn a_collection_value_points_at_its_key() {
        assert_eq!(
            at(&FieldPath::keys(&["spec", "strategy"]), Target::Value),
            ("strategy", true)
        );
        let ports = FieldPath::keys(&["spec", "containers"])
            .index(1)
            .key("ports");
        assert_eq!(at(&ports, Target::Value), ("ports", true));
        assert_eq!(at(&ports.index(1), Target::Value), ("443", true));
    }

    #[test]
    fn a_missing_field_points_at_its_nearest_parent() {
        let surge = FieldPath::keys(&["spec", "strategy", "rollingUpdate", "maxSurge"]);
        assert_eq!(at(&surge, Target::Value), ("strategy", false));
        assert_eq!(
            at(&FieldPath::keys(&["metadata", "name"]), Target::Value),
            ("Deployment", false)
        );
        let beyond = FieldPath::keys(&["spec", "containers"]).index(7);
        assert_eq!(at(&beyond, Target::Value), ("containers", false));
    }

    #[test]
    fn list_items_are_named_by_their_name() {
        let second = FieldPath::keys(&["spec", "containers"]).index(1);
        assert_eq!(at(&second, Target::Value), ("sidecar", true));
    }

    #[test]
    fn merge_keys_and_aliases_are_followed() {
        let first = FieldPath::keys(&["spec", "containers"]).index(0);
        // The written name wins over the merged one; the merged image is found in the anchor.
        assert_eq!(
            at(&first.clone().key("name"), Target::Value),
            ("server", true)
        );
        assert_eq!(at(&first.key("image"), Target::Value), ("base:1", true));
    }

    #[test]
    fn paths_display_like_kubectl_explain() {
        let path = FieldPath::keys(&["spec", "containers"])
            .index(0)
            .key("resources")
            .key("limits")
            .key("nvidia.com/gpu");
        assert_eq!(
            path.to_string(),
            "spec.containers[0].resources.limits[\"nvidia.com/gpu\"]"
        );
    }
}
