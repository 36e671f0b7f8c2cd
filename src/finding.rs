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

    /// A fingerprint that survives lines moving: a hash of the rule, the file, the object's
    /// kind, namespace and name, and the field path (the message, for findings about no object,
    /// such as a YAML syntax error). Baselines and SARIF `partialFingerprints` use it; FNV-1a
    /// keeps it the same on every platform and release.
    pub fn fingerprint(&self, file_name: &str) -> String {
        let file = file_name.strip_prefix("./").unwrap_or(file_name);
        let file = file.replace('\\', "/");
        let mut parts: Vec<&str> = vec![self.rule, &file];
        match &self.object {
            Some(object) => {
                parts.push(&object.kind);
                parts.push(object.namespace.as_deref().unwrap_or(""));
                parts.push(object.name.as_deref().unwrap_or(""));
                parts.push(self.path.as_deref().unwrap_or(""));
            }
            None => parts.push(&self.message),
        }
        format!("{:016x}", fnv1a(&parts))
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

/// 64-bit FNV-1a over the parts, each followed by a NUL so that `("ab","c")` ≠ `("a","bc")`.
fn fnv1a(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(line: u32, message: &str) -> Finding {
        let location = Location {
            file: 0,
            line,
            column: 3,
            end_line: line,
            end_column: 9,
            start: line * 10,
            end: line * 10 + 6,
        };
        let mut finding = Finding::new("some-rule", Severity::Warning, location, message);
        finding.object = Some(ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("ml".into()),
            name: Some("api".into()),
            document: 2,
        });
        finding.path = Some("spec.replicas".into());
        finding
    }

    #[test]
    fn fingerprint_ignores_lines_and_messages_but_not_identity() {
        let base = finding(4, "one").fingerprint("dir/app.yaml");
        assert_eq!(base, finding(40, "two").fingerprint("./dir/app.yaml"));
        assert_eq!(base, finding(4, "one").fingerprint("dir\\app.yaml"));
        assert_ne!(base, finding(4, "one").fingerprint("other/app.yaml"));
        let mut other_path = finding(4, "one");
        other_path.path = Some("spec.template".into());
        assert_ne!(base, other_path.fingerprint("dir/app.yaml"));
        let mut other_name = finding(4, "one");
        other_name.object.as_mut().unwrap().name = Some("web".into());
        assert_ne!(base, other_name.fingerprint("dir/app.yaml"));
        assert_eq!(base.len(), 16);
    }

    #[test]
    fn fingerprint_of_a_finding_without_object_uses_its_message() {
        let mut a = finding(4, "did not find expected key");
        a.object = None;
        let mut b = a.clone();
        b.message = "mapping values are not allowed".into();
        assert_ne!(a.fingerprint("x.yaml"), b.fingerprint("x.yaml"));
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        // FNV-1a 64 of the bytes "a\0", computed independently.
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&["a"]), 0x089b_e207_b544_f1e4);
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
    }
}
