//! Building span trees from granit-parser events, one document at a time, with bounds that
//! hostile input cannot get around: nesting (the parser's limits), and alias expansion (ours).

use granit_parser::{Event, Parser, StrInput, StructureStyle};

use super::resolve::CoreTag;
use super::tree::{Document, Node, NodeId, NodeKind, Scalar, Span};

/// How many nodes a document may stand for once every alias is expanded, beyond the nodes
/// written in it. Real manifests are far below; a "billion laughs" is far above.
pub const ALIAS_EXPANSION_BUDGET: u64 = 1_000_000;

/// Nesting limits handed to the parser: deep enough for any manifest, shallow enough that
/// every recursive walk over the tree stays far from the stack limit.
const NESTING_LIMIT: usize = 128;

/// A document that could not be read, at the parser's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
    /// 0-based index of the document the error is in.
    pub document: usize,
}

pub enum Loaded<'a> {
    Document(Document<'a>),
    Error(SyntaxError),
}

pub fn parser_options() -> granit_parser::Options {
    granit_parser::options! {
        emit_comments: false,
        flow_nesting_limit: NESTING_LIMIT,
        block_nesting_limit: NESTING_LIMIT,
    }
}

/// Yields the documents of a YAML stream in order; a broken document yields its error and
/// loading resumes at the next document.
pub struct Loader<'a> {
    parser: Parser<'a, StrInput<'a>>,
    text: &'a str,
    next_index: usize,
    finished: bool,
    /// Sizes of the previous document, to allocate the next one's arena once.
    capacity: (usize, usize),
}

impl<'a> Loader<'a> {
    pub fn new(text: &'a str) -> Self {
        Loader {
            parser: Parser::new_from_str_with_options(text, parser_options()),
            text,
            next_index: 0,
            finished: false,
            capacity: (0, 0),
        }
    }

    fn fail(&mut self, error: SyntaxError) -> Option<Loaded<'a>> {
        match self.parser.proceed_next_document() {
            Ok(true) => {}
            Ok(false) | Err(_) => self.finished = true,
        }
        Some(Loaded::Error(error))
    }
}

impl<'a> Iterator for Loader<'a> {
    type Item = Loaded<'a>;

    fn next(&mut self) -> Option<Loaded<'a>> {
        if self.finished {
            return None;
        }
        let mut builder: Option<Builder<'a>> = None;
        loop {
            let Some(next) = self.parser.next_event() else {
                self.finished = true;
                return None;
            };
            let (event, span) = match next {
                Ok(pair) => pair,
                Err(error) => {
                    let document = match &builder {
                        Some(b) => b.doc.index,
                        None => {
                            // The broken document never started; it still takes its number.
                            self.next_index += 1;
                            self.next_index - 1
                        }
                    };
                    let offset = error
                        .marker()
                        .byte_offset()
                        .unwrap_or(self.text.len())
                        .min(self.text.len());
                    let message = error.info();
                    return self.fail(SyntaxError {
                        offset,
                        message,
                        document,
                    });
                }
            };
            let range = span.byte_range().unwrap_or(0..0);
            let span = Span {
                start: range.start as u32,
                end: range.end as u32,
            };
            match event {
                Event::StreamStart => {}
                Event::StreamEnd => {
                    self.finished = true;
                    return None;
                }
                Event::DocumentStart(..) => {
                    builder = Some(Builder::new(self.next_index, self.capacity));
                    self.next_index += 1;
                }
                Event::DocumentEnd => {
                    if let Some(builder) = builder.take() {
                        let doc = builder.finish();
                        self.capacity = (doc.nodes.len(), doc.children.len());
                        return Some(Loaded::Document(doc));
                    }
                }
                event => {
                    let Some(b) = builder.as_mut() else { continue };
                    if let Err(message) = b.push(event, span) {
                        let document = b.doc.index;
                        return self.fail(SyntaxError {
                            offset: span.start as usize,
                            message,
                            document,
                        });
                    }
                }
            }
        }
    }
}

/// An open collection while its children arrive.
struct Frame {
    node: NodeId,
    /// Where this collection's children start in [`Builder::pending`].
    first_child: usize,
    /// Nodes this collection stands for once aliases are expanded.
    expanded: u64,
}

struct Builder<'a> {
    doc: Document<'a>,
    stack: Vec<Frame>,
    /// Children of all open collections, innermost last: one buffer instead of one `Vec` per
    /// collection.
    pending: Vec<NodeId>,
    /// anchor id → (node, expanded size); `None` size while the anchored collection is open.
    anchors: Vec<(usize, NodeId, Option<u64>)>,
    expanded_total: u64,
}

impl<'a> Builder<'a> {
    fn new(index: usize, (nodes, children): (usize, usize)) -> Self {
        Builder {
            doc: Document {
                index,
                nodes: Vec::with_capacity(nodes),
                children: Vec::with_capacity(children),
                root: None,
            },
            stack: Vec::new(),
            pending: Vec::new(),
            anchors: Vec::new(),
            expanded_total: 0,
        }
    }

    fn add_node(&mut self, node: Node<'a>) -> NodeId {
        let id = self.doc.nodes.len() as NodeId;
        self.doc.nodes.push(node);
        id
    }

    /// Attaches a finished node (of `expanded` expanded size) to its parent or as the root.
    fn attach(&mut self, id: NodeId, expanded: u64) -> Result<(), String> {
        match self.stack.last_mut() {
            Some(frame) => {
                self.pending.push(id);
                frame.expanded = frame.expanded.saturating_add(expanded);
            }
            None => self.doc.root = Some(id),
        }
        Ok(())
    }

    fn push(&mut self, event: Event<'a>, span: Span) -> Result<(), String> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| t.core_suffix().map_or(CoreTag::Other, CoreTag::from_suffix));
                let id = self.add_node(Node {
                    span,
                    kind: NodeKind::Scalar(Scalar { value, style, tag }),
                });
                if anchor != 0 {
                    self.anchors.push((anchor, id, Some(1)));
                }
                self.attach(id, 1)
            }
            Event::SequenceStart(style, anchor, _) | Event::MappingStart(style, anchor, _) => {
                let flow = style == StructureStyle::Flow;
                let is_map = matches!(event, Event::MappingStart(..));
                let kind = if is_map {
                    NodeKind::Map {
                        start: 0,
                        len: 0,
                        flow,
                    }
                } else {
                    NodeKind::Seq {
                        start: 0,
                        len: 0,
                        flow,
                    }
                };
                let id = self.add_node(Node { span, kind });
                if anchor != 0 {
                    self.anchors.push((anchor, id, None));
                }
                self.stack.push(Frame {
                    node: id,
                    first_child: self.pending.len(),
                    expanded: 1,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err("unbalanced collection end".to_string());
                };
                let start = self.doc.children.len() as u32;
                let children = &self.pending[frame.first_child..];
                let first_child_start = children
                    .first()
                    .map(|c| self.doc.nodes[*c as usize].span.start);
                let last_child_end = children
                    .last()
                    .map(|c| self.doc.nodes[*c as usize].span.end);
                let count = children.len() as u32;
                self.doc
                    .children
                    .extend(self.pending.drain(frame.first_child..));
                let node = &mut self.doc.nodes[frame.node as usize];
                match &mut node.kind {
                    NodeKind::Map {
                        start: s,
                        len,
                        flow,
                    } => {
                        *s = start;
                        *len = count / 2;
                        if !*flow {
                            // A block collection spans its content, not the trailing blank lines
                            // the end event points past.
                            node.span.start = first_child_start.unwrap_or(node.span.start);
                            node.span.end = last_child_end.unwrap_or(node.span.start);
                        } else {
                            node.span.end = span.end;
                        }
                    }
                    NodeKind::Seq {
                        start: s,
                        len,
                        flow,
                    } => {
                        *s = start;
                        *len = count;
                        if !*flow {
                            node.span.end = last_child_end.unwrap_or(node.span.start);
                        } else {
                            node.span.end = span.end;
                        }
                    }
                    _ => {}
                }
                if let Some(anchor) = self.anchors.iter_mut().rev().find(|a| a.1 == frame.node) {
                    anchor.2 = Some(frame.expanded);
                }
                self.attach(frame.node, frame.expanded)
            }
            Event::Alias(anchor) => {
                let Some(&(_, target, size)) = self.anchors.iter().rev().find(|a| a.0 == anchor)
                else {
                    return Err("alias refers to an unknown anchor".to_string());
                };
                let Some(size) = size else {
                    return Err("alias refers to a collection that contains it".to_string());
                };
                self.expanded_total = self.expanded_total.saturating_add(size);
                if self.expanded_total > ALIAS_EXPANSION_BUDGET {
                    return Err(format!(
                        "aliases expand to more than {ALIAS_EXPANSION_BUDGET} nodes; \
                         refusing to expand further (is this a \"billion laughs\" document?)"
                    ));
                }
                let id = self.add_node(Node {
                    span,
                    kind: NodeKind::Alias(target),
                });
                self.attach(id, size)
            }
            _ => Ok(()),
        }
    }

    fn finish(self) -> Document<'a> {
        self.doc
    }
}

/// The first document of `text`, for tests that need a tree; panics when there is none.
#[cfg(test)]
pub(crate) fn first_document(text: &str) -> Document<'_> {
    match Loader::new(text).next() {
        Some(Loaded::Document(doc)) => doc,
        _ => panic!("no document in {text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Vec<Result<Document<'_>, SyntaxError>> {
        Loader::new(text)
            .map(|loaded| match loaded {
                Loaded::Document(doc) => Ok(doc),
                Loaded::Error(error) => Err(error),
            })
            .collect()
    }

    #[test]
    fn every_key_and_value_has_its_span() {
        let text = "a: 1\nb:\n  c: \"x y\"\n";
        let docs = load(text);
        let doc = docs[0].as_ref().unwrap();
        let root = doc.root.unwrap();
        let slice = |id: NodeId| &text[doc.span(id).start as usize..doc.span(id).end as usize];
        let (b_key, b_value) = doc.find_entry(root, "b").unwrap();
        assert_eq!(slice(b_key), "b");
        // A block mapping spans its content, not the line break after it.
        assert_eq!(slice(b_value), "c: \"x y\"");
        let (c_key, c_value) = doc.find_entry(b_value, "c").unwrap();
        assert_eq!((slice(c_key), slice(c_value)), ("c", "\"x y\""));
        assert_eq!(doc.text(c_value), Some("x y"));
    }

    #[test]
    fn a_broken_document_is_an_error_and_loading_goes_on() {
        let docs = load("a: 1\n---\nb: [oops\n---\nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].is_ok());
        let error = docs[1].as_ref().unwrap_err();
        assert_eq!(error.document, 1);
        assert!(error.offset >= 9, "{error:?}");
        let last = docs[2].as_ref().unwrap();
        assert_eq!(last.index, 2);
        assert_eq!(
            last.text(last.get(last.root.unwrap(), "c").unwrap()),
            Some("3")
        );
    }

    #[test]
    fn aliases_share_their_anchor_and_are_budgeted() {
        let docs = load("x: &a [1, 2]\ny: *a\n");
        let doc = docs[0].as_ref().unwrap();
        let root = doc.root.unwrap();
        let (x, y) = (doc.get(root, "x").unwrap(), doc.get(root, "y").unwrap());
        assert_eq!(doc.deref(y), x);

        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (previous, name) in ('a'..='h').zip('b'..='i') {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{previous}"); 10].join(", ")
            ));
        }
        let error = load(&bomb).remove(0).unwrap_err();
        assert!(
            error.message.contains("billion laughs"),
            "{}",
            error.message
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(NESTING_LIMIT + 1);
        assert!(load(&deep)[0].is_err());
        let fine = "[".repeat(NESTING_LIMIT - 1) + &"]".repeat(NESTING_LIMIT - 1);
        assert!(load(&fine)[0].is_ok());
    }
}
