//! A string value of a manifest together with where its characters are written, so that a
//! finding can underline one word of a `command` element or one line of a ConfigMap value
//! rather than the whole scalar.

use std::ops::Range;

use crate::finding::Location;
use crate::k8s::FileContext;
use crate::yaml::Span;

/// A run of the value that is written verbatim on one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verbatim {
    /// Byte range in the value.
    value: Range<u32>,
    /// Where the run's first character is in the file.
    at: Location,
}

/// A string value (after YAML unescaping and folding) and its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    pub value: String,
    /// The whole scalar.
    pub location: Location,
    /// The parts of `value` that appear character for character in the file (a plain scalar,
    /// a quoted one without escapes, each line of a literal block). Empty when nothing can be
    /// mapped; [`SourceText::locate`] then falls back to the whole scalar.
    verbatim: Vec<Verbatim>,
}

impl SourceText {
    /// `value` as written at `span` of `file`.
    pub fn new(file: &FileContext<'_>, span: Span, value: String) -> SourceText {
        let verbatim = verbatim_runs(file, span, &value);
        SourceText {
            location: file.location(span),
            value,
            verbatim,
        }
    }

    /// A value with no known place but `location` (a value kubelint derived).
    pub fn at(location: Location, value: String) -> SourceText {
        SourceText {
            value,
            location,
            verbatim: Vec::new(),
        }
    }

    /// The location of the bytes `range` of the value: exact when they are written verbatim
    /// on one line, otherwise the whole scalar.
    pub fn locate(&self, range: Range<usize>) -> Location {
        let (Ok(start), Ok(end)) = (u32::try_from(range.start), u32::try_from(range.end)) else {
            return self.location.clone();
        };
        let run = self
            .verbatim
            .iter()
            .find(|run| run.value.start <= start && end <= run.value.end && start <= end);
        let Some(run) = run else {
            return self.location.clone();
        };
        let (Some(before), Some(inside)) = (
            self.value.get(run.value.start as usize..start as usize),
            self.value.get(start as usize..end as usize),
        ) else {
            return self.location.clone();
        };
        let column = run.at.column + before.chars().count() as u32;
        let byte = run.at.start + (start - run.value.start);
        Location {
            file: run.at.file,
            line: run.at.line,
            column,
            end_line: run.at.line,
            end_column: column + inside.chars().count() as u32,
            start: byte,
            end: byte + (end - start),
        }
    }

    /// The location of the `line`-th line (0-based) of the value, without its indentation.
    pub fn locate_line(&self, line: usize) -> Location {
        let mut offset = 0;
        for (i, text) in self.value.split('\n').enumerate() {
            if i == line {
                let indent = text.len() - text.trim_start().len();
                let body = text.trim();
                return self.locate(offset + indent..offset + indent + body.len());
            }
            offset += text.len() + 1;
        }
        self.location.clone()
    }
}

/// Finds the runs of `value` that the file shows verbatim inside `span`.
fn verbatim_runs(file: &FileContext<'_>, span: Span, value: &str) -> Vec<Verbatim> {
    let Some(written) = file.text.get(span.start as usize..span.end as usize) else {
        return Vec::new();
    };
    let point = |offset: usize| {
        let at = span.start + offset as u32;
        file.location(Span { start: at, end: at })
    };
    if !value.contains('\n') {
        // A plain or quoted scalar on one line: the value inside its quotes, unless escapes or
        // folding changed it.
        let inner = match written.as_bytes().first() {
            Some(b'"' | b'\'') if written.len() >= 2 => 1,
            _ => 0,
        };
        return match written.get(inner..) {
            Some(rest) if !value.is_empty() && rest.starts_with(value) => vec![Verbatim {
                value: 0..value.len() as u32,
                at: point(inner),
            }],
            _ => Vec::new(),
        };
    }
    // A block scalar (or a multi-line quoted one): each value line that ends a written line,
    // in order, is that line without its indentation.
    let mut runs = Vec::new();
    let mut lines = written_lines(written);
    let mut offset = 0usize;
    for text in value.split('\n') {
        let start = offset;
        offset += text.len() + 1;
        if text.trim().is_empty() {
            continue;
        }
        for (line_start, line) in lines.by_ref() {
            if line.ends_with(text) {
                let at = line_start + line.len() - text.len();
                runs.push(Verbatim {
                    value: start as u32..(start + text.len()) as u32,
                    at: point(at),
                });
                break;
            }
        }
    }
    runs
}

/// The lines of `text` with their start offsets, without line terminators.
fn written_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split('\n').map(move |line| {
        let at = start;
        start += line.len() + 1;
        (at, line.strip_suffix('\r').unwrap_or(line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::first_document;
    use crate::yaml::{FieldPath, Target};

    /// The `SourceText` of the value at `path` in `text`, and what `locate` underlines.
    fn underline(text: &str, path: &FieldPath, range: Range<usize>) -> (String, u32, u32) {
        let doc = first_document(text);
        let root = doc.root.unwrap();
        let span = doc.locate(root, path, Target::Value).span;
        let node_value = doc
            .scalar(
                doc.get(root, "a")
                    .map(|a| doc.seq_items(a).first().copied().unwrap_or(a))
                    .unwrap(),
            )
            .unwrap()
            .value
            .to_string();
        let file = FileContext::new(0, text);
        let source = SourceText::new(&file, span, node_value);
        let at = source.locate(range);
        (
            text[at.start as usize..at.end as usize].to_string(),
            at.line,
            at.column,
        )
    }

    #[test]
    fn plain_and_quoted_scalars_map_exactly() {
        let path = FieldPath::keys(&["a"]);
        assert_eq!(
            underline("a: gunicorn -w 4\n", &path, 9..11),
            ("-w".into(), 1, 13)
        );
        assert_eq!(
            underline("a: \"gunicorn -w 4\"\n", &path, 12..13),
            ("4".into(), 1, 17)
        );
        assert_eq!(underline("a: 'é -w 4'\n", &path, 3..5), ("-w".into(), 1, 7));
    }

    #[test]
    fn escapes_fall_back_to_the_whole_scalar() {
        let path = FieldPath::keys(&["a"]);
        assert_eq!(
            underline("a: \"x\\ty -w 4\"\n", &path, 4..6),
            ("\"x\\ty -w 4\"".into(), 1, 4)
        );
    }

    #[test]
    fn literal_block_lines_map_to_their_lines() {
        let text = "a:\n  - |\n    set -e\n      exec gunicorn -w 4\n";
        let path = FieldPath::keys(&["a"]).index(0);
        let value = "set -e\n  exec gunicorn -w 4\n";
        let at = value.find("-w").unwrap();
        assert_eq!(underline(text, &path, at..at + 2), ("-w".into(), 4, 21));
    }
}
