//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! The shape follows the OASIS schema (tested against it in `tests/sarif.rs`) and the subset
//! GitHub reads ("SARIF support for code scanning"): one `reportingDescriptor` per rule with
//! short and full descriptions and help, results with a full region and a repository-relative
//! `artifactLocation.uri`, related locations linked from the message text (the only way GitHub
//! shows them), and `partialFingerprints`.
//!
//! Fingerprints: kubelint's own fingerprint goes under `kubelint/v1`. It is deliberately not
//! named `primaryLocationLineHash`: `github/codeql-action/upload-sarif` computes that key from
//! the file's text when it is absent (and GitHub uses only that key), while a result that
//! already has one is left alone, so claiming it would switch GitHub's own tracking off.

use std::io::{self, Write as _};

use serde::Serialize;

use super::{Report, rule_url};
use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::rules::RuleMeta;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/kubelint/kubelint";
/// The base every relative `uri` is resolved against.
const SRCROOT: &str = "%SRCROOT%";
/// GitHub truncates rule descriptions longer than this.
const DESCRIPTION_LIMIT: usize = 1024;

/// Write `report` as one SARIF run whose driver describes `rules` (normally every registered
/// rule), pretty-printed with a trailing newline.
pub fn write(report: &Report, rules: &[&RuleMeta], out: &mut dyn io::Write) -> io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "kubelint",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules.iter().map(|meta| Descriptor::new(meta)).collect(),
                },
            },
            invocations: [Invocation::new(report)],
            original_uri_base_ids: BaseIds {
                srcroot: BaseId {
                    description: Text::plain(
                        "The directory kubelint ran in; file names are relative to it. \
                         Run kubelint from the repository root (the GitHub Action does) \
                         so that they are relative to the root as code scanning expects.",
                    ),
                },
            },
            column_kind: "unicodeCodePoints",
            results: report
                .findings
                .iter()
                .map(|finding| SarifResult::new(report, rules, finding))
                .collect(),
        }],
    };
    let mut out = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &log)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[derive(Serialize)]
struct Log<'r> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'r>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'r> {
    tool: Tool<'r>,
    invocations: [Invocation<'r>; 1],
    original_uri_base_ids: BaseIds,
    column_kind: &'static str,
    results: Vec<SarifResult<'r>>,
}

#[derive(Serialize)]
struct Tool<'r> {
    driver: Driver<'r>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'r> {
    name: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'r>>,
}

/// A rule, from its document: GitHub shows the short and full descriptions above an alert and
/// the help (the whole document, examples included) beside it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'r> {
    id: &'r str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help<'r>,
    help_uri: String,
    default_configuration: Configuration,
    properties: DescriptorProperties<'r>,
}

impl<'r> Descriptor<'r> {
    fn new(meta: &'r RuleMeta) -> Self {
        Descriptor {
            id: meta.id,
            name: pascal_case(meta.id),
            short_description: Text::plain(truncate(meta.summary, DESCRIPTION_LIMIT)),
            full_description: Text::plain(truncate(
                &first_paragraph(meta.body, "## What it does")
                    .unwrap_or_else(|| meta.summary.into()),
                DESCRIPTION_LIMIT,
            )),
            help: Help {
                text: meta.body,
                markdown: meta.body,
            },
            help_uri: rule_url(meta.id),
            default_configuration: Configuration {
                level: level(meta.severity),
            },
            properties: DescriptorProperties {
                tags: [meta.category],
            },
        }
    }
}

#[derive(Serialize)]
struct Help<'r> {
    text: &'r str,
    markdown: &'r str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties<'r> {
    /// The rule's category; GitHub filters alerts by tag.
    tags: [&'r str; 1],
}

#[derive(Serialize)]
struct Text {
    text: String,
}

impl Text {
    fn plain(text: impl Into<String>) -> Self {
        Text { text: text.into() }
    }
}

/// Whether kubelint did its whole job; files it could not read are reported here, since they
/// are not findings about any rule.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'r> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'r>>,
}

impl<'r> Invocation<'r> {
    fn new(report: &'r Report) -> Self {
        Invocation {
            execution_successful: report.errors.is_empty(),
            tool_execution_notifications: report
                .errors
                .iter()
                .map(|error| Notification {
                    level: "error",
                    message: RawText { text: error },
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct Notification<'r> {
    level: &'static str,
    message: RawText<'r>,
}

#[derive(Serialize)]
struct RawText<'r> {
    text: &'r str,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    srcroot: BaseId,
}

/// `%SRCROOT%` without a `uri`: its absolute location is the machine's business, and leaving it
/// out keeps the output the same on every machine.
#[derive(Serialize)]
struct BaseId {
    description: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'r> {
    rule_id: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [ResultLocation<'r>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "ResultProperties::is_empty")]
    properties: ResultProperties<'r>,
}

impl<'r> SarifResult<'r> {
    fn new(report: &'r Report, rules: &[&RuleMeta], finding: &'r Finding) -> Self {
        let file_name = report.file_name(&finding.location);
        SarifResult {
            rule_id: finding.rule,
            rule_index: rules.iter().position(|meta| meta.id == finding.rule),
            level: level(finding.severity),
            message: Text::plain(message_text(finding)),
            locations: [ResultLocation {
                physical_location: PhysicalLocation::new(file_name, &finding.location),
                logical_locations: finding.object.as_ref().map(|o| [LogicalLocation::new(o)]),
            }],
            related_locations: finding
                .related
                .iter()
                .enumerate()
                .map(|(index, related)| RelatedLocation {
                    id: index + 1,
                    physical_location: PhysicalLocation::new(
                        report.file_name(&related.location),
                        &related.location,
                    ),
                    message: Text::plain(&related.message),
                })
                .collect(),
            partial_fingerprints: Fingerprints {
                kubelint: finding.fingerprint(file_name),
            },
            properties: ResultProperties {
                path: finding.path.as_deref(),
                environment: finding.environment.as_deref(),
                origin: finding.origin.as_deref(),
            },
        }
    }
}

/// The message GitHub shows as the alert's title and body: the finding, the template it was
/// rendered from, each related location as an embedded link (`[text](id)`, SARIF §3.11.6; GitHub
/// turns these into links to the related lines), and the fix. Literal `\`, `[` and `]` are
/// escaped so that no text of ours reads as a link.
fn message_text(finding: &Finding) -> String {
    let mut text = escape_links(&finding.message);
    if let Some(origin) = &finding.origin {
        text.push_str(&format!("\n\nSource: {}", escape_links(origin)));
    }
    if !finding.related.is_empty() {
        text.push('\n');
        for (index, related) in finding.related.iter().enumerate() {
            text.push_str(&format!(
                "\n- [{}]({})",
                escape_links(&related.message),
                index + 1
            ));
        }
    }
    if let Some(help) = &finding.help {
        text.push_str(&format!("\n\nHelp: {}", escape_links(help)));
    }
    text
}

fn escape_links(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation<'r> {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation<'r>; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    /// 1-based; the message links to it as `[text](id)`.
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

impl PhysicalLocation {
    fn new(file_name: &str, location: &Location) -> Self {
        PhysicalLocation {
            artifact_location: ArtifactLocation::new(file_name),
            region: Region {
                start_line: location.line,
                start_column: location.column,
                end_line: location.end_line,
                end_column: location.end_column,
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

impl ArtifactLocation {
    /// A file name as kubelint printed it, as a URI: relative names are relative to
    /// `%SRCROOT%`, absolute ones become `file://` URIs, and stdin stays `-` (GitHub rejects a
    /// whole upload when a result has no location, so it gets one that matches no file).
    fn new(file_name: &str) -> Self {
        let name = file_name.replace('\\', "/");
        if name == "-" {
            return ArtifactLocation {
                uri: name,
                uri_base_id: None,
            };
        }
        let bytes = name.as_bytes();
        let is_drive = bytes.len() > 2
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && bytes[2] == b'/';
        if name.starts_with('/') {
            ArtifactLocation {
                uri: format!("file://{}", encode_path(&name)),
                uri_base_id: None,
            }
        } else if is_drive {
            ArtifactLocation {
                uri: format!("file:///{}:{}", &name[..1], encode_path(&name[2..])),
                uri_base_id: None,
            }
        } else {
            let relative = name.strip_prefix("./").unwrap_or(&name);
            ArtifactLocation {
                uri: encode_path(relative),
                uri_base_id: Some(SRCROOT),
            }
        }
    }
}

/// Percent-encodes a path for a URI: everything but unreserved characters, sub-delimiters,
/// `@` and `/`. `:` is encoded too, so that `a:b.yaml` cannot read as a scheme.
fn encode_path(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    /// Exclusive, as kubelint's own end column.
    end_column: u32,
}

/// The Kubernetes object, so that viewers can group results by it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'r> {
    name: &'r str,
    fully_qualified_name: String,
    kind: &'static str,
}

impl<'r> LogicalLocation<'r> {
    fn new(object: &'r ObjectRef) -> Self {
        let name = object.name.as_deref().unwrap_or("");
        let qualified = match &object.namespace {
            Some(namespace) => format!("{}/{}/{namespace}/{name}", object.api_version, object.kind),
            None => format!("{}/{}/{name}", object.api_version, object.kind),
        };
        LogicalLocation {
            name,
            fully_qualified_name: qualified,
            kind: "resource",
        }
    }
}

#[derive(Serialize)]
struct Fingerprints {
    /// [`Finding::fingerprint`]; the version changes if the hash ever does.
    #[serde(rename = "kubelint/v1")]
    kubelint: String,
}

#[derive(Serialize)]
struct ResultProperties<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'r str>,
    /// The Helm template or Kustomize resource the object was rendered from. Also in the
    /// message text: it is where the fix goes, and it is usually not a path GitHub could link
    /// (Helm's `# Source:` is relative to the chart's parent, not to the repository).
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'r str>,
}

impl ResultProperties<'_> {
    fn is_empty(&self) -> bool {
        self.path.is_none() && self.environment.is_none() && self.origin.is_none()
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `rollout-surge-scarce-resource` → `RolloutSurgeScarceResource`: the SARIF `name` is a
/// readable identifier distinct from the id.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars))
                .into_iter()
                .flatten()
        })
        .collect()
}

/// The first paragraph after `heading`, its lines joined.
fn first_paragraph(body: &str, heading: &str) -> Option<String> {
    let (_, rest) = body.split_once(&format!("{heading}\n"))?;
    let paragraph: Vec<&str> = rest
        .trim_start_matches('\n')
        .lines()
        .take_while(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(str::trim)
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

/// At most `limit` characters, cut at a character boundary with an ellipsis.
fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::human::tests::sample_report;

    /// Rule documents for the sample report's rules, fixed here so that the snapshot does not
    /// change whenever a real rule's documentation does.
    const DOCS: [&str; 3] = [
        "---\nid: invalid-object\nseverity: error\ncategory: correctness\nsummary: A field whose type the API rejects\n---\n# invalid-object\n\n## What it does\nReports a field whose type\nthe API server rejects.\n\n## Example\n```yaml bad\nreplicas: two\n```\n",
        "---\nid: limit-below-limitrange\nseverity: warning\ncategory: resources\nsummary: A limit below the namespace minimum\n---\n# limit-below-limitrange\n\n## What it does\nCompares limits with the LimitRange.\n",
        "---\nid: rollout-surge-scarce-resource\nseverity: warning\ncategory: rollout\nsummary: A GPU Deployment whose rollout waits forever\n---\n# rollout-surge-scarce-resource\n\nNo sections.\n",
    ];

    fn sample_rules() -> Vec<RuleMeta> {
        DOCS.iter()
            .map(|doc| RuleMeta::parse(doc).expect("a valid test document"))
            .collect()
    }

    fn render(report: &Report, rules: &[RuleMeta]) -> String {
        let rules: Vec<&RuleMeta> = rules.iter().collect();
        let mut out = Vec::new();
        write(report, &rules, &mut out).expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("SARIF is UTF-8")
    }

    /// The official schema, compiled. Its two `language` patterns end in `{2}]?$`: an unescaped
    /// `]` is a literal only under ECMA-262 Annex B, and the validator checks the schema's own
    /// regexes strictly, so that `]` is escaped here; the patterns match the same strings.
    /// kubelint never writes `language`.
    pub(crate) fn official_schema() -> jsonschema::Validator {
        const LANGUAGE: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
        let text = include_str!("../../testdata/sarif/sarif-2.1.0-rtm.5.json");
        assert_eq!(text.matches(LANGUAGE).count(), 2, "the schema file changed");
        let text = text.replace(LANGUAGE, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::draft4::new(&schema).expect("the official schema compiles")
    }

    fn schema_errors(log: &Value) -> Vec<String> {
        let validator = official_schema();
        validator
            .iter_errors(log)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect()
    }

    #[test]
    fn snapshot() {
        let output = render(&sample_report(), &sample_rules());
        assert!(output.ends_with("}\n"), "one trailing newline");
        insta::assert_snapshot!(output);
    }

    #[test]
    fn the_sample_is_valid_against_the_official_schema() {
        let log: Value =
            serde_json::from_str(&render(&sample_report(), &sample_rules())).expect("JSON");
        assert_eq!(schema_errors(&log), Vec::<String>::new());
    }

    #[test]
    fn the_schema_test_can_fail() {
        let mut log: Value =
            serde_json::from_str(&render(&sample_report(), &sample_rules())).expect("JSON");
        log["runs"][0]["results"][0]["level"] = Value::from("fatal");
        log["runs"][0]["columnKind"] = Value::from("bytes");
        let errors = schema_errors(&log);
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn results_point_at_rules_and_regions() {
        let report = sample_report();
        let rules = sample_rules();
        let log: Value = serde_json::from_str(&render(&report, &rules)).expect("JSON");
        let run = &log["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), report.findings.len());
        for (result, finding) in results.iter().zip(&report.findings) {
            assert_eq!(result["ruleId"], finding.rule);
            match rules.iter().position(|r| r.id == finding.rule) {
                Some(index) => {
                    assert_eq!(result["ruleIndex"], index);
                    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], finding.rule);
                }
                None => assert!(result.get("ruleIndex").is_none()),
            }
            let region = &result["locations"][0]["physicalLocation"]["region"];
            let location = &finding.location;
            assert_eq!(region["startLine"], location.line);
            assert_eq!(region["startColumn"], location.column);
            assert_eq!(region["endLine"], location.end_line);
            assert_eq!(region["endColumn"], location.end_column);
            let file = report.file_name(location);
            assert_eq!(
                result["partialFingerprints"]["kubelint/v1"],
                finding.fingerprint(file)
            );
            let related = result["relatedLocations"].as_array();
            assert_eq!(related.map_or(0, Vec::len), finding.related.len());
            let text = result["message"]["text"].as_str().expect("text");
            for (index, expected) in finding.related.iter().enumerate() {
                let related = &result["relatedLocations"][index];
                assert_eq!(related["message"]["text"], expected.message.as_str());
                let id = related["id"].as_u64().expect("an id");
                assert!(text.contains(&format!("]({id})")), "{text}");
            }
        }
        assert_eq!(
            results[0]["properties"]["origin"],
            "charts/llm/templates/deployment.yaml"
        );
        assert!(
            results[0]["message"]["text"]
                .as_str()
                .expect("text")
                .contains("Source: charts/llm/templates/deployment.yaml")
        );
    }

    #[test]
    fn descriptors_carry_the_rule_documents() {
        let rules = sample_rules();
        let log: Value = serde_json::from_str(&render(&Report::default(), &rules)).expect("JSON");
        let descriptors = &log["runs"][0]["tool"]["driver"]["rules"];
        let invalid = &descriptors[0];
        assert_eq!(invalid["name"], "InvalidObject");
        assert_eq!(
            invalid["fullDescription"]["text"],
            "Reports a field whose type the API server rejects."
        );
        assert_eq!(invalid["help"]["markdown"], rules[0].body);
        assert_eq!(invalid["helpUri"], rule_url("invalid-object"));
        assert_eq!(invalid["defaultConfiguration"]["level"], "error");
        assert_eq!(descriptors[1]["defaultConfiguration"]["level"], "warning");
        // A document without "What it does" falls back to its summary.
        assert_eq!(
            descriptors[2]["fullDescription"]["text"],
            "A GPU Deployment whose rollout waits forever"
        );
    }

    #[test]
    fn file_names_become_uris_relative_to_the_source_root() {
        let uri = |name: &str| {
            let location = ArtifactLocation::new(name);
            (location.uri, location.uri_base_id)
        };
        assert_eq!(
            uri("deploy/a.yaml"),
            ("deploy/a.yaml".into(), Some(SRCROOT))
        );
        assert_eq!(
            uri("./deploy/a.yaml"),
            ("deploy/a.yaml".into(), Some(SRCROOT))
        );
        assert_eq!(
            uri("deploy\\a.yaml"),
            ("deploy/a.yaml".into(), Some(SRCROOT))
        );
        assert_eq!(
            uri("my dir/é#1.yaml"),
            ("my%20dir/%C3%A9%231.yaml".into(), Some(SRCROOT))
        );
        assert_eq!(uri("c:x.yaml"), ("c%3Ax.yaml".into(), Some(SRCROOT)));
        assert_eq!(
            uri("/tmp/a b.yaml"),
            ("file:///tmp/a%20b.yaml".into(), None)
        );
        assert_eq!(
            uri("C:\\k8s\\a.yaml"),
            ("file:///C:/k8s/a.yaml".into(), None)
        );
        assert_eq!(uri("-"), ("-".into(), None));
    }

    #[test]
    fn messages_escape_brackets_so_only_related_links_are_links() {
        let mut report = sample_report();
        report.findings[0].message = r"containers[0] uses C:\gpu".into();
        let text = message_text(&report.findings[0]);
        assert!(text.starts_with(r"containers\[0\] uses C:\\gpu"), "{text}");
        assert!(
            text.contains("- [every pod needs a whole GPU](1)"),
            "{text}"
        );
    }

    #[test]
    fn long_descriptions_are_cut_at_the_limit() {
        let long = "é".repeat(DESCRIPTION_LIMIT + 5);
        let cut = truncate(&long, DESCRIPTION_LIMIT);
        assert_eq!(cut.chars().count(), DESCRIPTION_LIMIT);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short", DESCRIPTION_LIMIT), "short");
    }
}
