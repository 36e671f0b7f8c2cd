//! `yaml-syntax`: a document the YAML parser cannot read. Reported by the loader; the other
//! documents of the file and all other files are still linted.

use super::Rule;
use crate::finding::{Finding, Location, Severity};

pub const ID: &str = "yaml-syntax";

pub struct YamlSyntax;

impl Rule for YamlSyntax {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/yaml-syntax.md")
    }
}

/// The finding for a parse error (or unreadable text) at `location`.
pub fn finding(location: Location, message: &str) -> Finding {
    Finding::new(
        ID,
        Severity::Error,
        location,
        format!("YAML syntax error: {message}"),
    )
    .with_label("the parser stopped here")
    .with_help("fix the YAML; the rest of this document was not checked")
}
