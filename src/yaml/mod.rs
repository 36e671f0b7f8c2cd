//! Spanned YAML: granit-parser events → our span tree → Kubernetes-typed values.
//! Kept behind this module so that the parser can be swapped.

pub mod de;
pub mod load;
pub mod path;
pub mod resolve;
pub mod tree;

pub use de::{DeError, from_node};
pub use load::{Loaded, Loader, SyntaxError};
pub use path::{FieldPath, Resolution, Segment, Target};
pub use tree::{Document, NodeId, NodeKind, Scalar, Span};

/// The parse-only floor of the benchmark: the same parser, options and bytes as a real run,
/// without building trees, decoding or rules. Returns the number of events.
pub fn parse_floor(text: &str) -> usize {
    let mut parser = granit_parser::Parser::new_from_str_with_options(text, load::parser_options());
    let mut events = 0;
    loop {
        match parser.next_event() {
            Some(Ok(_)) => events += 1,
            Some(Err(_)) => match parser.proceed_next_document() {
                Ok(true) => {}
                Ok(false) | Err(_) => break,
            },
            None => break,
        }
    }
    events
}
