//! Human output: every finding as a rustc-style miette diagnostic, then a one-line summary.
//!
//! The findings are turned into a small [`Diagnostic`] type and handed to one
//! [`GraphicalReportHandler`], so the layout (snippets, labels, help, related files) is miette's.

use std::fmt;
use std::io;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

use super::{Report, Summary, rule_url};
use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::source::{LineIndex, SourceFile};
use crate::suppress::Suppression;

/// How the human report looks; the caller decides colour (TTY, `NO_COLOR`) and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours (miette's unicode theme) or plain unicode.
    pub color: bool,
    /// The width miette wraps messages and help at.
    pub width: usize,
    /// Rule URLs as terminal hyperlinks (OSC 8) rather than as visible text.
    pub links: bool,
    /// Also list the suppressed findings, after the others, each with what suppressed it.
    pub show_suppressed: bool,
}

/// Render every finding of `report`, in report order, followed by the summary line.
pub fn write(report: &Report, options: &HumanOptions, out: &mut dyn io::Write) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // `with_links(false)` prints the URL as text after the rule id instead of as an OSC 8
    // hyperlink (which snapshots and plain logs would not show); `with_urls(true)` keeps it on.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(options.links)
        .with_urls(true);
    let suppressed = report
        .suppressed
        .iter()
        .filter(|_| options.show_suppressed)
        .map(|s| (&s.finding, Some(&s.by)));
    let shown: Vec<(&Finding, Option<&Suppression>)> = report
        .findings
        .iter()
        .map(|finding| (finding, None))
        .chain(suppressed)
        .collect();
    let mut sources = Sources::new(report, shown.iter().map(|(finding, _)| *finding));
    let mut rendered = String::new();
    for (index, (finding, suppression)) in shown.iter().enumerate() {
        rendered.clear();
        sources.load(finding);
        let diagnostic = sources.diagnostic(finding, *suppression);
        handler
            .render_report(&mut rendered, &diagnostic)
            .map_err(io::Error::other)?;
        drop(diagnostic);
        sources.release(finding, index);
        out.write_all(rendered.as_bytes())?;
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(&report.summary))
}

/// `kubelint: 2 errors, 1 warning, 0 infos in 3 files (1 suppressed)`.
pub(super) fn summary_line(summary: &Summary) -> String {
    let files = count(summary.files, "file");
    let mut line = if summary.errors + summary.warnings + summary.infos == 0 {
        format!("kubelint: no problems in {files}")
    } else {
        format!(
            "kubelint: {}, {}, {} in {files}",
            count(summary.errors, "error"),
            count(summary.warnings, "warning"),
            count(summary.infos, "info"),
        )
    };
    if summary.suppressed > 0 {
        line.push_str(&format!(" ({} suppressed)", summary.suppressed));
    }
    line
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The miette sources of the files that findings point into. A file's text is loaded when a
/// finding first needs it and dropped after the last finding that needs it, so rendering a
/// large report holds a few files at a time, not every file with a finding.
struct Sources<'r> {
    files: &'r [SourceFile],
    sources: Vec<Option<NamedSource<Text>>>,
    /// For each file, the index of the last finding that shows it.
    last_use: Vec<Option<usize>>,
}

/// The files a finding shows: its own and those of its related locations.
fn finding_files(finding: &Finding) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(finding.location.file).chain(finding.related.iter().map(|r| r.location.file))
}

impl<'r> Sources<'r> {
    /// For `shown`, the findings in the order they are rendered.
    fn new<'f>(report: &'r Report, shown: impl Iterator<Item = &'f Finding>) -> Self {
        let mut last_use = vec![None; report.files.len()];
        for (index, finding) in shown.enumerate() {
            for file in finding_files(finding) {
                if let Some(last) = last_use.get_mut(file) {
                    *last = Some(index);
                }
            }
        }
        Sources {
            files: &report.files,
            sources: report.files.iter().map(|_| None).collect(),
            last_use,
        }
    }

    /// Loads the files a finding shows.
    fn load(&mut self, finding: &Finding) {
        for file in finding_files(finding) {
            let (Some(slot), Some(source)) = (self.sources.get_mut(file), self.files.get(file))
            else {
                continue;
            };
            if slot.is_some() {
                continue;
            }
            *slot = source.load_text().map(|text| {
                // miette draws no marker past the last character of a text without a final
                // newline, which is where findings about a truncated document point.
                let text: Arc<str> = if text.ends_with('\n') {
                    text
                } else {
                    format!("{text}\n").into()
                };
                let text = Text {
                    index: LineIndex::new(&text),
                    text,
                };
                NamedSource::new(&source.name, text).with_language("yaml")
            });
        }
    }

    /// Drops the files no finding after `index` shows.
    fn release(&mut self, finding: &Finding, index: usize) {
        for file in finding_files(finding) {
            if self.last_use.get(file).copied().flatten() == Some(index)
                && let Some(slot) = self.sources.get_mut(file)
            {
                *slot = None;
            }
        }
    }

    fn source(&self, location: &Location) -> Option<&NamedSource<Text>> {
        self.sources.get(location.file)?.as_ref()
    }

    fn name(&self, location: &Location) -> &'r str {
        self.files
            .get(location.file)
            .map_or("<unknown file>", |file| file.name.as_str())
    }

    /// A finding as miette renders it; a suppressed one as advice that says what suppressed it.
    fn diagnostic<'s>(
        &'s self,
        finding: &'s Finding,
        suppression: Option<&Suppression>,
    ) -> Rendered<'s> {
        let source = self.source(&finding.location);
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some(source) = source {
            labels.push(LabeledSpan::new_primary_with_span(
                finding.label.clone(),
                span(source, &finding.location),
            ));
        }
        for other in &finding.related {
            match source {
                Some(source) if other.location.file == finding.location.file => {
                    labels.push(LabeledSpan::new_with_span(
                        Some(other.message.clone()),
                        span(source, &other.location),
                    ))
                }
                _ => related.push(self.related(&other.location, &other.message)),
            }
        }
        let mut message = finding.message.clone();
        if let Some(notes) = notes(finding) {
            message.push('\n');
            message.push_str(&notes);
        }
        if let Some(suppression) = suppression {
            message.push('\n');
            message.push_str(&suppression.describe());
        }
        if source.is_none() {
            message.push('\n');
            message.push_str(&self.arrow(&finding.location));
        }
        Rendered {
            severity: match finding.severity {
                _ if suppression.is_some() => miette::Severity::Advice,
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            code: Some(finding.rule),
            url: Some(rule_url(finding.rule)),
            message,
            help: finding.help.as_deref(),
            source,
            labels,
            related,
        }
    }

    /// A related location in another file (or in a file whose text was not kept).
    fn related<'s>(&'s self, location: &Location, message: &str) -> Rendered<'s> {
        let source = self.source(location);
        let labels = source
            .map(|source| {
                LabeledSpan::new_primary_with_span(Some(message.to_owned()), span(source, location))
            })
            .into_iter()
            .collect();
        let message = match source {
            Some(_) => message.to_owned(),
            None => format!("{message}\n{}", self.arrow(location)),
        };
        Rendered {
            severity: miette::Severity::Advice,
            code: None,
            url: None,
            message,
            help: None,
            source,
            labels,
            related: Vec::new(),
        }
    }

    /// Where a finding is when there is no text to show a snippet of.
    fn arrow(&self, location: &Location) -> String {
        format!(
            "--> {}:{}:{}",
            self.name(location),
            location.line,
            location.column
        )
    }
}

/// `[location.start, location.end)`, clamped to the text so miette can always read it.
fn span(source: &NamedSource<Text>, location: &Location) -> SourceSpan {
    let len = source.inner().text.len();
    let start = (location.start as usize).min(len);
    let end = (location.end as usize).clamp(start, len);
    SourceSpan::new(start.into(), end - start)
}

/// What the finding is about beyond its file: the object, the environment, the template.
fn notes(finding: &Finding) -> Option<String> {
    let notes: Vec<String> = [
        finding.object.as_ref().map(object_name),
        finding
            .environment
            .as_ref()
            .map(|environment| format!("environment: {environment}")),
        finding
            .origin
            .as_ref()
            .map(|origin| format!("rendered from {origin}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!notes.is_empty()).then(|| notes.join(", "))
}

/// `Deployment ml/embedder`, `Namespace ml`, or `Deployment (document 2)` when it has no name.
fn object_name(object: &ObjectRef) -> String {
    match (&object.namespace, &object.name) {
        (Some(namespace), Some(name)) => format!("{} {namespace}/{name}", object.kind),
        (None, Some(name)) => format!("{} {name}", object.kind),
        (_, None) => format!("{} (document {})", object.kind, object.document),
    }
}

/// A file's text for miette, with lines and columns from our [`LineIndex`]: miette counts
/// columns in bytes, and the `[file:line:col]` it prints must agree with [`Location`].
struct Text {
    text: Arc<str>,
    index: LineIndex,
}

impl SourceCode for Text {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette scans from the start of what it is given on every call; start at the first
        // context line instead, so a finding deep in a large `helm template` stream stays cheap.
        let bytes = self.text.as_bytes();
        let mut base = span.offset().min(bytes.len());
        for _ in 0..=context_lines_before {
            match bytes[..base].iter().rposition(|&b| b == b'\n') {
                Some(newline) => base = newline,
                None => {
                    base = 0;
                    break;
                }
            }
        }
        if base > 0 {
            base += 1;
        }
        let local = SourceSpan::new((span.offset().saturating_sub(base)).into(), span.len());
        let contents =
            bytes[base..].read_span(&local, context_lines_before, context_lines_after)?;
        let offset = base + contents.span().offset();
        let start = self.index.line_col(&self.text, offset);
        // miette's own count runs from the start of the file, and it compares it with line
        // numbers as a length: far-apart labels would merge into one huge snippet.
        let line_count = contents.data().split_inclusive(|&b| b == b'\n').count();
        Ok(Box::new(MietteSpanContents::new(
            contents.data(),
            SourceSpan::new(offset.into(), contents.span().len()),
            start.line.saturating_sub(1) as usize,
            start.column.saturating_sub(1) as usize,
            line_count,
        )))
    }
}

/// One finding, or one related location in another file, in the shape miette renders.
#[derive(Debug)]
struct Rendered<'s> {
    severity: miette::Severity,
    code: Option<&'static str>,
    url: Option<String>,
    /// The finding's message, then what it is about (object, environment, origin).
    message: String,
    help: Option<&'s str>,
    source: Option<&'s NamedSource<Text>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered<'s>>,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .map(|code| Box::new(code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|url| Box::new(url) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<_>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(
                self.related
                    .iter()
                    .map(|related| related as &dyn Diagnostic),
            ) as Box<_>
        })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Finding;
    use crate::report::Summary;
    use crate::suppress::Suppressed;

    const API: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: embedder
  namespace: ml
spec:
  strategy:
    rollingUpdate:
      maxUnavailable: 0
  template:
    spec:
      containers:
        - name: embedder
          args: [\"--modèle=嵌入\", \"--batch=0\"]
          resources:
            limits:
              memory: 64Mi
              nvidia.com/gpu: 1
";

    const LIMITS: &str = "\
apiVersion: v1
kind: LimitRange
metadata:
  name: défaut
  namespace: ml
spec:
  limits:
    - type: Container
      min:
        memory: 128Mi
";

    /// The location of the `nth` occurrence of `needle` in file `file`, as the engine computes it.
    fn at(file: usize, text: &str, needle: &str, nth: usize) -> Location {
        let (start, _) = text
            .match_indices(needle)
            .nth(nth)
            .expect("needle in fixture");
        let end = start + needle.len();
        let index = LineIndex::new(text);
        let (from, to) = (index.line_col(text, start), index.line_col(text, end));
        Location {
            file,
            line: from.line,
            column: from.column,
            end_line: to.line,
            end_column: to.column,
            start: start as u32,
            end: end as u32,
        }
    }

    /// Two files with text and stdin without: same-file and cross-file related locations,
    /// multi-byte characters before a span, and a finding with object, environment and origin.
    pub(in crate::report) fn sample_report() -> Report {
        let files = vec![
            SourceFile {
                name: "deploy/prod/api.yaml".into(),
                text: Some(Arc::from(API)),
                reread: None,
            },
            SourceFile {
                name: "base/limitrange.yaml".into(),
                text: Some(Arc::from(LIMITS)),
                reread: None,
            },
            SourceFile {
                name: "-".into(),
                ..SourceFile::default()
            },
        ];
        let surge = Finding::new(
            "rollout-surge-scarce-resource",
            Severity::Error,
            at(0, API, "0", 0),
            "maxUnavailable 0 with a GPU request can deadlock the rollout",
        )
        .with_label("no old pod may stop before a new one is ready")
        .with_help(
            "let one old pod stop first:\n  strategy:\n    rollingUpdate:\n      maxSurge: 0\n      maxUnavailable: 1",
        )
        .with_related(at(0, API, "nvidia.com/gpu: 1", 0), "every pod needs a whole GPU");
        let surge = Finding {
            path: Some("spec.strategy.rollingUpdate.maxUnavailable".into()),
            object: Some(ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("ml".into()),
                name: Some("embedder".into()),
                document: 1,
            }),
            environment: Some("prod".into()),
            origin: Some("charts/llm/templates/deployment.yaml".into()),
            ..surge
        };
        let batch = Finding::new(
            "suspicious-arg",
            Severity::Info,
            at(0, API, "\"--batch=0\"", 0),
            "`--batch=0` turns batching off",
        );
        let memory = Finding::new(
            "limit-below-limitrange",
            Severity::Warning,
            at(0, API, "64Mi", 0),
            "the memory limit is below the namespace minimum",
        )
        .with_label("64Mi")
        .with_related(
            at(1, LIMITS, "128Mi", 0),
            "the LimitRange requires at least 128Mi",
        );
        let stdin = Location {
            file: 2,
            line: 3,
            column: 13,
            end_line: 3,
            end_column: 16,
            start: 40,
            end: 43,
        };
        let invalid = Finding::new(
            "invalid-object",
            Severity::Error,
            stdin.clone(),
            "`replicas` must be an integer",
        )
        .with_related(
            Location {
                line: 9,
                column: 5,
                end_line: 9,
                end_column: 13,
                start: 120,
                end: 128,
                ..stdin
            },
            "the same Deployment is defined here",
        );
        let invalid = Finding {
            object: Some(ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: None,
                name: Some("worker".into()),
                document: 2,
            }),
            ..invalid
        };
        let ignored = Finding::new(
            "suspicious-arg",
            Severity::Warning,
            at(0, API, "\"--modèle=嵌入\"", 0),
            "`--modèle` names no model file",
        );
        let mut report = Report {
            files,
            findings: vec![surge, batch, memory, invalid],
            suppressed: vec![Suppressed {
                finding: ignored,
                by: Suppression::Comment {
                    line: 13,
                    reason: Some("the image resolves it".into()),
                },
            }],
            summary: Summary {
                files: 3,
                documents: 3,
                objects: 3,
                ..Summary::default()
            },
            ..Report::default()
        };
        report.count_severities();
        report
    }

    fn render(report: &Report, color: bool, links: bool) -> String {
        render_with(report, color, links, false)
    }

    fn render_with(report: &Report, color: bool, links: bool, show_suppressed: bool) -> String {
        let options = HumanOptions {
            color,
            width: 100,
            links,
            show_suppressed,
        };
        let mut out = Vec::new();
        write(report, &options, &mut out).expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("the report is UTF-8")
    }

    /// Rendered alone, so each snippet row belongs to this finding.
    fn render_one(finding: &Finding) -> String {
        let report = sample_report();
        let report = Report {
            findings: vec![finding.clone()],
            ..report
        };
        render(&report, false, false)
    }

    /// Terminal cells of a text: the fixture's CJK characters are two cells wide.
    fn cells(text: &str) -> usize {
        text.chars()
            .map(|c| {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum()
    }

    /// The cells `[start, end)` underlined below source line `line`, relative to the line's text.
    fn underline(rendered: &str, line: u32) -> (usize, usize) {
        let number = format!("{line} │ ");
        let mut rows = rendered.lines();
        let row = rows
            .find(|row| row.trim_start().starts_with(&number))
            .expect("the line is in a snippet");
        let gutter =
            row.chars().count() - row.trim_start().chars().count() + number.chars().count();
        let marks: String = rows
            .next()
            .expect("an underline row follows")
            .chars()
            .skip(gutter)
            .collect();
        let start = marks.find(|c| c != ' ').expect("the row has an underline");
        let width = marks[start..]
            .chars()
            .take_while(|c| matches!(c, '─' | '┬' | '▲'))
            .count();
        (cells(&marks[..start]), cells(&marks[..start]) + width)
    }

    /// The cells `[start, end)` a single-line location covers in its line of text.
    fn expected(text: &str, location: &Location) -> (usize, usize) {
        let line = text
            .lines()
            .nth(location.line as usize - 1)
            .expect("the line exists");
        let prefix: String = line.chars().take(location.column as usize - 1).collect();
        let spanned: String = line
            .chars()
            .skip(location.column as usize - 1)
            .take((location.end_column - location.column) as usize)
            .collect();
        (cells(&prefix), cells(&prefix) + cells(&spanned))
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report(), false, false));
    }

    #[test]
    fn carets_sit_under_the_spanned_characters() {
        let report = sample_report();
        for finding in &report.findings {
            let Some(text) = report.files[finding.location.file].text.as_deref() else {
                continue;
            };
            let rendered = render_one(finding);
            let same_file = finding
                .related
                .iter()
                .map(|related| &related.location)
                .filter(|location| location.file == finding.location.file);
            for location in std::iter::once(&finding.location).chain(same_file) {
                assert_eq!(
                    underline(&rendered, location.line),
                    expected(text, location),
                    "{} at {}:{}\n{rendered}",
                    finding.rule,
                    location.line,
                    location.column,
                );
            }
        }
    }

    #[test]
    fn snippet_headers_agree_with_locations() {
        let report = sample_report();
        for finding in &report.findings {
            let rendered = render_one(finding);
            for location in std::iter::once(&finding.location)
                .chain(finding.related.iter().map(|related| &related.location))
            {
                let file = &report.files[location.file];
                let at = format!("{}:{}:{}", file.name, location.line, location.column);
                let shown = match file.text {
                    Some(_) => format!("╭─[{at}]"),
                    None => format!("--> {at}"),
                };
                assert!(rendered.contains(&shown), "{shown} in\n{rendered}");
            }
        }
    }

    #[test]
    fn spans_at_the_edges_of_the_text() {
        let text = "kind: Pod\r\nmetadata:\r\n  name: é";
        let eof = Location {
            start: text.len() as u32,
            end: text.len() as u32,
            ..at(0, text, "é", 0)
        };
        let eof = Location {
            column: eof.column + 1,
            ..eof
        };
        let findings = [at(0, text, "kind", 0), at(0, text, "é", 0), eof]
            .into_iter()
            .map(|location| Finding::new("edge", Severity::Error, location, "edge"))
            .collect();
        let report = Report {
            files: vec![SourceFile {
                name: "pod.yaml".into(),
                text: Some(Arc::from(text)),
                reread: None,
            }],
            findings,
            ..Report::default()
        };
        let rendered = render(&report, false, false);
        for shown in ["[pod.yaml:1:1]", "[pod.yaml:3:9]", "[pod.yaml:3:10]"] {
            assert!(rendered.contains(shown), "{shown} in\n{rendered}");
        }
        assert!(!rendered.contains("Failed"), "{rendered}");
        assert_eq!(underline(&rendered, 1), (0, 4));
        assert!(
            rendered.contains(" 3 │   name: é\n   ·         ─\n"),
            "{rendered}"
        );
        assert!(
            rendered.contains(" 3 │   name: é\n   ·          ▲\n"),
            "{rendered}"
        );
    }

    #[test]
    fn suppressed_findings_are_listed_only_when_asked_and_say_why() {
        let report = sample_report();
        let hidden = render(&report, false, false);
        assert!(!hidden.contains("names no model file"), "{hidden}");
        assert!(hidden.ends_with("in 3 files (1 suppressed)\n"), "{hidden}");
        let shown = render_with(&report, false, false, true);
        let (active, suppressed) = shown
            .split_once("names no model file")
            .expect("the suppressed finding is shown");
        assert!(
            active.contains("`--batch=0` turns batching off"),
            "listed first"
        );
        assert!(
            suppressed.contains(
                "suppressed by the `# kubelint: ignore` comment at line 13: the image resolves it"
            ),
            "{shown}"
        );
        // Shown as advice (☞), not as the warning it would have been.
        let header = active.lines().last().expect("the header line");
        assert!(header.trim_start().starts_with('☞'), "{header}\n{shown}");
        assert!(suppressed.contains("14 │"), "with its snippet: {shown}");
    }

    #[test]
    fn colour_only_when_asked() {
        let report = sample_report();
        assert!(render(&report, true, false).contains("\u{1b}["));
        assert!(!render(&report, false, false).contains('\u{1b}'));
    }

    #[test]
    fn links_are_hyperlinks_or_text() {
        let report = sample_report();
        let url = rule_url("suspicious-arg");
        assert!(render(&report, false, true).contains(&format!("\u{1b}]8;;{url}\u{1b}\\")));
        assert!(render(&report, false, false).contains(&format!("suspicious-arg ({url})")));
    }

    #[test]
    fn summary_counts_read_right() {
        let summary = Summary {
            files: 1,
            errors: 1,
            warnings: 1,
            infos: 1,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&summary),
            "kubelint: 1 error, 1 warning, 1 info in 1 file"
        );
        let summary = Summary {
            files: 3,
            errors: 2,
            suppressed: 1,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&summary),
            "kubelint: 2 errors, 0 warnings, 0 infos in 3 files (1 suppressed)"
        );
        let summary = Summary {
            files: 3,
            ..Summary::default()
        };
        assert_eq!(summary_line(&summary), "kubelint: no problems in 3 files");
    }
}
