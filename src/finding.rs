//! Findings: what rules report, after the engine has resolved field paths to locations.

use std::fmt;

use serde::Serialize;

use crate::source::FileId;

/// How serious a finding is (SEMANTICS.md §0.1). Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file: byte span plus the 1-based line/column of both ends (columns in characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub start: u32,
    pub end: u32,
}

/// The object a finding belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// 1-based index of the YAML document in its file.
    pub document: usize,
}

/// A secondary location that explains a finding (the GPU request, the HPA, another environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// One diagnostic, ready for any reporter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The text under the primary underline.
    pub label: Option<String>,
    pub help: Option<String>,
    pub location: Location,
    /// The field path inside the object (`spec.strategy.rollingUpdate.maxUnavailable`).
    pub path: Option<String>,
    pub object: Option<ObjectRef>,
    pub environment: Option<String>,
    pub origin: Option<String>,
    pub related: Vec<Related>,
}

impl Finding {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            message: message.into(),
            label: None,
            help: None,
            location,
            path: None,
            object: None,
            environment: None,
            origin: None,
            related: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// The order of the report: file, line, column, rule, then message for ties.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.location.file,
            self.location.line,
            self.location.column,
            self.rule,
            &self.message,
        )
    }
}
