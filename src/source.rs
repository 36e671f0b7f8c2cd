//! Source files and the byte-offset → line/column mapping used by every location.

use std::path::PathBuf;
use std::sync::Arc;

/// Index of a file in [`crate::report::Report::files`]; findings refer to files by it.
pub type FileId = usize;

/// A file (or stdin) as kubelint read it.
#[derive(Debug, Clone, Default)]
pub struct SourceFile {
    /// The path as given on the command line or found by the walk (`-` for stdin).
    pub name: String,
    /// The text, when it is kept in memory (stdin, which cannot be read twice).
    pub text: Option<Arc<str>>,
    /// Where to read the text again when a snippet is shown, and its length when it was linted.
    pub reread: Option<(PathBuf, usize)>,
}

impl SourceFile {
    /// The text as it was linted: kept, or read again. `None` when it cannot be read again
    /// or has changed length since, so that no snippet is shown rather than a wrong one.
    pub fn load_text(&self) -> Option<Arc<str>> {
        if let Some(text) = &self.text {
            return Some(Arc::clone(text));
        }
        let (path, len) = self.reread.as_ref()?;
        std::fs::read_to_string(path)
            .ok()
            .filter(|text| text.len() == *len)
            .map(Arc::from)
    }
}

/// Start offsets of every line of a text, for byte offset → (line, column) lookups.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

/// A resolved position: 1-based line and 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        Self { line_starts }
    }

    /// Line and column of a byte offset; offsets past the end clamp to the end.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let column = text[start..offset].chars().count() + 1;
        LineCol {
            line: line as u32 + 1,
            column: column as u32,
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a: \"é€\"\nb: 1\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 11), LineCol { line: 2, column: 1 });
        assert_eq!(index.line_col(text, 14), LineCol { line: 2, column: 4 });
        // The closing quote sits after two multi-byte characters.
        assert_eq!(index.line_col(text, 9), LineCol { line: 1, column: 7 });
    }

    #[test]
    fn offsets_past_the_end_clamp() {
        let text = "ab";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 99), LineCol { line: 1, column: 3 });
    }
}
