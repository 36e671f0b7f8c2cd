//! Reporters: render a [`Report`] for people (miette), machines (JSON), code scanning (SARIF)
//! or GitHub Actions annotations. They see rules only through their metadata and links.

pub mod envs_table;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use serde::Serialize;

use crate::finding::{Finding, Location, Severity};
use crate::source::SourceFile;
use crate::suppress::Suppressed;

/// Where each rule's documentation is published; `<base><rule-id>.md`.
pub const RULE_DOCS_BASE: &str = "https://github.com/kubelint/kubelint/blob/main/rules/";

pub fn rule_url(rule: &str) -> String {
    format!("{RULE_DOCS_BASE}{rule}.md")
}

/// The result of one run, in report order.
#[derive(Debug, Default)]
pub struct Report {
    /// Every file read, indexed by [`crate::source::FileId`].
    pub files: Vec<SourceFile>,
    /// Sorted by (file, line, column, rule).
    pub findings: Vec<Finding>,
    /// Findings suppressed by an annotation, a comment or the baseline, in report order.
    pub suppressed: Vec<Suppressed>,
    pub summary: Summary,
    /// Files that could not be read, each a message naming the file; the run went on.
    pub errors: Vec<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
}

impl Report {
    /// Recount the severities after findings changed.
    pub fn count_severities(&mut self) {
        let count = |s| self.findings.iter().filter(|f| f.severity == s).count();
        self.summary.errors = count(Severity::Error);
        self.summary.warnings = count(Severity::Warning);
        self.summary.infos = count(Severity::Info);
        self.summary.suppressed = self.suppressed.len();
    }

    /// The name of a location's file as given on the command line or found by the walk; a
    /// dangling id is an engine bug, not a reason to panic.
    pub fn file_name(&self, location: &Location) -> &str {
        self.files
            .get(location.file)
            .map_or("<unknown file>", |file| file.name.as_str())
    }

    /// The highest severity of any finding, if there is one.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
