//! The JSON report (DESIGN.md §6): a stable, versioned contract that tools and tests depend on.
//!
//! The serialized shape is spelled out here in its own structs, field order included, so that
//! renaming a field of [`Finding`] or [`ObjectRef`] can never change the output by accident.

use std::io::{self, Write as _};

use serde::Serialize;

use super::{Report, Summary};
use crate::finding::{Finding, ObjectRef};
use crate::suppress::Suppressed;

/// Bumped only for incompatible changes to the shape below.
const VERSION: u32 = 1;

/// What the JSON report includes beyond the contract's fixed shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonOptions {
    /// Add a top-level `suppressed` array: each suppressed finding, in the shape of a finding,
    /// with a `suppression` (`kind`: annotation, comment or baseline; `reason`; `line` of the
    /// annotation or comment). The
    /// `findings` array never holds suppressed findings, so tools reading it are unaffected.
    pub show_suppressed: bool,
}

/// Write `report` as pretty-printed JSON (2-space indent) with a trailing newline.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    write_with(report, &JsonOptions::default(), out)
}

/// [`write`], with the additions `options` asks for.
pub fn write_with(
    report: &Report,
    options: &JsonOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let document = Document {
        version: VERSION,
        findings: report
            .findings
            .iter()
            .map(|finding| JsonFinding::new(report, finding))
            .collect(),
        suppressed: options.show_suppressed.then(|| {
            report
                .suppressed
                .iter()
                .map(|suppressed| JsonSuppressed::new(report, suppressed))
                .collect()
        }),
        summary: JsonSummary::from(&report.summary),
    };
    let mut out = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &document)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[derive(Serialize)]
struct Document<'r> {
    version: u32,
    findings: Vec<JsonFinding<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<JsonSuppressed<'r>>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSuppressed<'r> {
    #[serde(flatten)]
    finding: JsonFinding<'r>,
    suppression: JsonSuppression<'r>,
}

#[derive(Serialize)]
struct JsonSuppression<'r> {
    kind: &'static str,
    reason: Option<&'r str>,
    /// The line of the annotation or comment; null for the baseline.
    line: Option<u32>,
}

impl<'r> JsonSuppressed<'r> {
    fn new(report: &'r Report, suppressed: &'r Suppressed) -> Self {
        JsonSuppressed {
            finding: JsonFinding::new(report, &suppressed.finding),
            suppression: JsonSuppression {
                kind: suppressed.by.kind(),
                reason: suppressed.by.reason(),
                line: suppressed.by.line(),
            },
        }
    }
}

#[derive(Serialize)]
struct JsonFinding<'r> {
    rule: &'r str,
    severity: &'static str,
    message: &'r str,
    help: Option<&'r str>,
    file: &'r str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    path: Option<&'r str>,
    object: Option<JsonObject<'r>>,
    environment: Option<&'r str>,
    origin: Option<&'r str>,
    related: Vec<JsonRelated<'r>>,
}

impl<'r> JsonFinding<'r> {
    fn new(report: &'r Report, finding: &'r Finding) -> Self {
        let location = &finding.location;
        JsonFinding {
            rule: finding.rule,
            severity: finding.severity.as_str(),
            message: &finding.message,
            help: finding.help.as_deref(),
            file: report.file_name(location),
            line: location.line,
            column: location.column,
            end_line: location.end_line,
            end_column: location.end_column,
            path: finding.path.as_deref(),
            object: finding.object.as_ref().map(JsonObject::from),
            environment: finding.environment.as_deref(),
            origin: finding.origin.as_deref(),
            related: finding
                .related
                .iter()
                .map(|related| JsonRelated {
                    file: report.file_name(&related.location),
                    line: related.location.line,
                    column: related.location.column,
                    end_line: related.location.end_line,
                    end_column: related.location.end_column,
                    message: &related.message,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonObject<'r> {
    api_version: &'r str,
    kind: &'r str,
    namespace: Option<&'r str>,
    name: Option<&'r str>,
    document: usize,
}

impl<'r> From<&'r ObjectRef> for JsonObject<'r> {
    fn from(object: &'r ObjectRef) -> Self {
        JsonObject {
            api_version: &object.api_version,
            kind: &object.kind,
            namespace: object.namespace.as_deref(),
            name: object.name.as_deref(),
            document: object.document,
        }
    }
}

#[derive(Serialize)]
struct JsonRelated<'r> {
    file: &'r str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'r str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    documents: usize,
    objects: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
}

impl From<&Summary> for JsonSummary {
    fn from(summary: &Summary) -> Self {
        JsonSummary {
            files: summary.files,
            documents: summary.documents,
            objects: summary.objects,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
            suppressed: summary.suppressed,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    use super::*;
    use crate::finding::Location;
    use crate::report::human::tests::sample_report;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("JSON is UTF-8")
    }

    /// The object's keys, sorted (serde_json's map forgets the order; the snapshot keeps it).
    fn keys(value: &Value) -> Vec<&str> {
        let object = value.as_object().expect("a JSON object");
        object.keys().map(String::as_str).collect()
    }

    fn field<'v>(object: &'v Map<String, Value>, key: &str) -> &'v Value {
        object.get(key).unwrap_or_else(|| panic!("missing {key}"))
    }

    fn string_or_null(value: &Value) -> Option<&str> {
        assert!(
            value.is_string() || value.is_null(),
            "{value} is a string or null"
        );
        value.as_str()
    }

    fn assert_position(value: &Map<String, Value>, location: &Location) {
        for (key, expected) in [
            ("line", location.line),
            ("column", location.column),
            ("end_line", location.end_line),
            ("end_column", location.end_column),
        ] {
            assert_eq!(
                field(value, key).as_u64(),
                Some(u64::from(expected)),
                "{key}"
            );
        }
    }

    #[test]
    fn snapshot() {
        let output = render(&sample_report());
        assert!(output.ends_with("}\n"), "one trailing newline");
        assert!(output.contains("\n  \"findings\": ["), "2-space indent");
        insta::assert_snapshot!(output);
    }

    #[test]
    fn every_field_has_its_value_and_type() {
        let report = sample_report();
        let value: Value = serde_json::from_str(&render(&report)).expect("valid JSON");
        assert_eq!(keys(&value), ["findings", "summary", "version"]);
        assert_eq!(value["version"], Value::from(1));

        let findings = value["findings"].as_array().expect("findings is an array");
        assert_eq!(findings.len(), report.findings.len());
        for (json, finding) in findings.iter().zip(&report.findings) {
            assert_eq!(
                keys(json),
                [
                    "column",
                    "end_column",
                    "end_line",
                    "environment",
                    "file",
                    "help",
                    "line",
                    "message",
                    "object",
                    "origin",
                    "path",
                    "related",
                    "rule",
                    "severity",
                ]
            );
            let json = json.as_object().expect("a finding is an object");
            assert_eq!(field(json, "rule").as_str(), Some(finding.rule));
            assert_eq!(
                field(json, "severity").as_str(),
                Some(finding.severity.as_str())
            );
            assert_eq!(
                field(json, "message").as_str(),
                Some(finding.message.as_str())
            );
            assert_eq!(string_or_null(field(json, "help")), finding.help.as_deref());
            assert_eq!(
                field(json, "file").as_str(),
                Some(report.files[finding.location.file].name.as_str())
            );
            assert_position(json, &finding.location);
            assert_eq!(string_or_null(field(json, "path")), finding.path.as_deref());
            assert_eq!(
                string_or_null(field(json, "environment")),
                finding.environment.as_deref()
            );
            assert_eq!(
                string_or_null(field(json, "origin")),
                finding.origin.as_deref()
            );

            let object = field(json, "object");
            match &finding.object {
                None => assert!(object.is_null()),
                Some(expected) => {
                    assert_eq!(
                        keys(object),
                        ["api_version", "document", "kind", "name", "namespace"]
                    );
                    assert_eq!(object["api_version"].as_str(), Some(&*expected.api_version));
                    assert_eq!(object["kind"].as_str(), Some(&*expected.kind));
                    assert_eq!(
                        string_or_null(&object["namespace"]),
                        expected.namespace.as_deref()
                    );
                    assert_eq!(string_or_null(&object["name"]), expected.name.as_deref());
                    assert_eq!(object["document"].as_u64(), Some(expected.document as u64));
                }
            }

            let related = field(json, "related")
                .as_array()
                .expect("related is an array");
            assert_eq!(related.len(), finding.related.len());
            for (json, expected) in related.iter().zip(&finding.related) {
                assert_eq!(
                    keys(json),
                    [
                        "column",
                        "end_column",
                        "end_line",
                        "file",
                        "line",
                        "message"
                    ]
                );
                let json = json.as_object().expect("a related location is an object");
                assert_eq!(
                    field(json, "file").as_str(),
                    Some(report.files[expected.location.file].name.as_str())
                );
                assert_position(json, &expected.location);
                assert_eq!(
                    field(json, "message").as_str(),
                    Some(expected.message.as_str())
                );
            }
        }

        let summary = &value["summary"];
        assert_eq!(
            keys(summary),
            [
                "documents",
                "errors",
                "files",
                "infos",
                "objects",
                "suppressed",
                "warnings"
            ]
        );
        let expected = &report.summary;
        for (key, expected) in [
            ("files", expected.files),
            ("documents", expected.documents),
            ("objects", expected.objects),
            ("errors", expected.errors),
            ("warnings", expected.warnings),
            ("infos", expected.infos),
            ("suppressed", expected.suppressed),
        ] {
            assert_eq!(summary[key].as_u64(), Some(expected as u64), "{key}");
        }
    }

    #[test]
    fn suppressed_findings_are_a_separate_array_only_when_asked() {
        let report = sample_report();
        let value: Value = serde_json::from_str(&render(&report)).expect("valid JSON");
        assert!(
            value.get("suppressed").is_none(),
            "the default shape is unchanged"
        );
        assert_eq!(value["summary"]["suppressed"], Value::from(1));

        let mut out = Vec::new();
        write_with(
            &report,
            &JsonOptions {
                show_suppressed: true,
            },
            &mut out,
        )
        .expect("writing to a Vec cannot fail");
        let value: Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(
            keys(&value),
            ["findings", "summary", "suppressed", "version"]
        );
        assert_eq!(
            value["findings"].as_array().map(Vec::len),
            Some(report.findings.len()),
            "suppressed findings never join `findings`"
        );
        let suppressed = value["suppressed"].as_array().expect("an array");
        assert_eq!(suppressed.len(), 1);
        let entry = &suppressed[0];
        let mut expected_keys = keys(&value["findings"][0]);
        expected_keys.push("suppression");
        expected_keys.sort_unstable();
        assert_eq!(
            keys(entry),
            expected_keys,
            "a finding's fields plus `suppression`"
        );
        assert_eq!(entry["rule"], "suspicious-arg");
        assert_eq!(
            entry["suppression"],
            serde_json::json!({"kind": "comment", "reason": "the image resolves it", "line": 13})
        );
    }

    #[test]
    fn an_empty_report_is_still_the_full_shape() {
        let output = render(&Report::default());
        let value: Value = serde_json::from_str(&output).expect("valid JSON");
        assert_eq!(value["findings"], Value::Array(Vec::new()));
        assert_eq!(value["summary"]["files"], Value::from(0));
    }
}
