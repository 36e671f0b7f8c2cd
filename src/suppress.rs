//! Suppressions in the manifests (DESIGN.md §7): the `kubelint.io/ignore` annotation on an
//! object or its pod template, and `# kubelint: ignore` comments. The baseline is in
//! [`crate::baseline`].
//!
//! While a file is processed its annotations and comments become a few small scopes (an
//! object's identity, or byte ranges), each with the rule ids it names; no tree outlives the
//! file. After the set pass every finding, whichever pass reported it, is checked against the
//! scopes of its file once ([`apply`]). A rule id kubelint does not know, in an annotation or a
//! comment, is an `invalid-suppression` finding: a typo must not silently suppress nothing.

use crate::finding::{Finding, ObjectRef};
use crate::k8s::FileContext;
use crate::rules::{invalid_suppression, registry};
use crate::yaml::{Document, NodeId, NodeKind, Span};

/// `kubelint.io/ignore: "rule-a,rule-b"` on an object or its pod template.
pub const IGNORE_ANNOTATION: &str = "kubelint.io/ignore";
/// Why the rules of [`IGNORE_ANNOTATION`] are ignored; shown with `--show-suppressed`.
pub const REASON_ANNOTATION: &str = "kubelint.io/ignore-reason";

/// Where a workload's pod template keeps its metadata (a Pod's is its own `metadata`).
const TEMPLATE_METADATA: [&[&str]; 2] = [
    &["spec", "template", "metadata"],
    &["spec", "jobTemplate", "spec", "template", "metadata"],
];

/// How a finding was suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    /// The object's (or its pod template's) `kubelint.io/ignore` annotation, whose value is at
    /// `line` (1-based) of the finding's file.
    Annotation { line: u32, reason: Option<String> },
    /// A `# kubelint: ignore` comment at `line` (1-based) of the finding's file.
    Comment { line: u32, reason: Option<String> },
    /// An entry of the `--baseline` file.
    Baseline,
}

impl Suppression {
    /// `annotation`, `comment` or `baseline`, as the JSON report names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Suppression::Annotation { .. } => "annotation",
            Suppression::Comment { .. } => "comment",
            Suppression::Baseline => "baseline",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Suppression::Annotation { reason, .. } | Suppression::Comment { reason, .. } => {
                reason.as_deref()
            }
            Suppression::Baseline => None,
        }
    }

    /// The line of the annotation or comment; `None` for the baseline.
    pub fn line(&self) -> Option<u32> {
        match self {
            Suppression::Annotation { line, .. } | Suppression::Comment { line, .. } => Some(*line),
            Suppression::Baseline => None,
        }
    }

    /// `suppressed by the comment at line 7: <reason>`, for people.
    pub fn describe(&self) -> String {
        let by = match self {
            Suppression::Annotation { line, .. } => {
                format!("suppressed by the {IGNORE_ANNOTATION} annotation at line {line}")
            }
            Suppression::Comment { line, .. } => {
                format!("suppressed by the `# kubelint: ignore` comment at line {line}")
            }
            Suppression::Baseline => "suppressed by the baseline".to_string(),
        };
        match self.reason() {
            Some(reason) => format!("{by}: {reason}"),
            None => by,
        }
    }
}

/// A finding that the report does not count, and what suppressed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: Suppression,
}

/// The suppressions of one file: a few scopes, each with the rules it names.
#[derive(Debug, Default)]
pub struct FileSuppressions {
    scopes: Vec<Scope>,
}

#[derive(Debug)]
struct Scope {
    covers: Covers,
    rules: Vec<&'static str>,
    by: Suppression,
}

#[derive(Debug)]
enum Covers {
    /// Every finding about this object.
    Object(ObjectRef),
    /// Every finding whose primary location starts in one of these byte ranges (inclusive).
    Spans(Vec<Span>),
}

impl FileSuppressions {
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// What suppresses `finding`, if anything does.
    fn find(&self, finding: &Finding) -> Option<&Suppression> {
        self.scopes
            .iter()
            .find(|scope| {
                scope.rules.contains(&finding.rule)
                    && match &scope.covers {
                        Covers::Object(object) => finding.object.as_ref() == Some(object),
                        Covers::Spans(spans) => spans.iter().any(|span| {
                            span.start <= finding.location.start
                                && finding.location.start <= span.end
                        }),
                    }
            })
            .map(|scope| &scope.by)
    }
}

/// Splits `findings` into those that count and those that `files` (indexed by file id)
/// suppress; both keep their order.
pub fn apply(
    findings: Vec<Finding>,
    files: &[FileSuppressions],
) -> (Vec<Finding>, Vec<Suppressed>) {
    if files.iter().all(FileSuppressions::is_empty) {
        return (findings, Vec::new());
    }
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = Vec::new();
    for finding in findings {
        match files
            .get(finding.location.file)
            .and_then(|file| file.find(&finding))
        {
            Some(by) => suppressed.push(Suppressed {
                by: by.clone(),
                finding,
            }),
            None => kept.push(finding),
        }
    }
    (kept, suppressed)
}

/// A rule id as the registry spells it, or `None` when kubelint has no such rule.
fn known_rule(id: &str) -> Option<&'static str> {
    registry().get(id).map(|entry| entry.meta.id)
}

/// Reads the ignore annotations of the object at `root` (its own and its pod template's).
/// Each names rules to ignore for the whole object; unknown ids become findings.
pub fn read_annotations(
    file: &FileContext<'_>,
    doc: &Document<'_>,
    root: NodeId,
    object: &ObjectRef,
    into: &mut FileSuppressions,
    findings: &mut Vec<Finding>,
) {
    let metadata = std::iter::once(doc.get(root, "metadata")).chain(
        TEMPLATE_METADATA
            .iter()
            .map(|path| path.iter().try_fold(root, |node, key| doc.get(node, key))),
    );
    for annotations in metadata.flatten().filter_map(|m| doc.get(m, "annotations")) {
        let Some(value) = doc.get(annotations, IGNORE_ANNOTATION) else {
            continue;
        };
        let problem = |message: String| {
            let mut finding =
                invalid_suppression::finding(file.location(doc.report_span(root, value)), message);
            finding.object = Some(object.clone());
            finding.path = doc
                .path_to(root, value)
                .map(|path| path.to_string())
                .filter(|path| !path.is_empty());
            finding
        };
        let Some(text) = doc.text(value) else {
            findings.push(problem(format!(
                "`{IGNORE_ANNOTATION}` must be a string of rule ids, such as \"rule-a,rule-b\""
            )));
            continue;
        };
        let mut rules = Vec::new();
        let ids: Vec<&str> = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|id| !id.is_empty())
            .collect();
        if ids.is_empty() {
            findings.push(problem(format!(
                "`{IGNORE_ANNOTATION}` names no rule; write the ids to ignore, such as \"rule-a,rule-b\""
            )));
        }
        for id in ids {
            match known_rule(id) {
                Some(rule) => rules.push(rule),
                None => findings.push(problem(format!(
                    "`{IGNORE_ANNOTATION}` names `{id}`, which is no kubelint rule, so it suppresses nothing (see `kubelint rules`)"
                ))),
            }
        }
        if rules.is_empty() {
            continue;
        }
        let reason = doc
            .get(annotations, REASON_ANNOTATION)
            .and_then(|reason| doc.text(reason))
            .map(str::trim)
            .filter(|reason| !reason.is_empty())
            .map(str::to_string);
        into.scopes.push(Scope {
            covers: Covers::Object(object.clone()),
            rules,
            by: Suppression::Annotation {
                line: file.location(doc.span(value)).line,
                reason,
            },
        });
    }
}

/// The `# kubelint:` comments of a file while its documents are loaded: [`Comments::scan`]
/// finds them in the text (comments are not in the parser's events), [`Comments::resolve`]
/// learns from each document what each covers, [`Comments::finish`] turns them into scopes.
#[derive(Debug, Default)]
pub struct Comments<'t> {
    found: Vec<Directive<'t>>,
}

#[derive(Debug)]
struct Directive<'t> {
    /// Offset of the `#`.
    hash: u32,
    /// 1-based line of the comment.
    line: u32,
    /// The line it applies to (its own for a trailing comment, else the next line with YAML),
    /// without the line break; `None` when no YAML follows.
    target: Option<Span>,
    /// The key and value (or list item, or whole object) that starts on the target line.
    subtree: Option<Span>,
    /// The `#` is inside a scalar (a block of text, a quoted string): no comment at all.
    in_scalar: bool,
    body: Result<Ignore<'t>, (Span, String)>,
}

#[derive(Debug)]
struct Ignore<'t> {
    /// Each id as written, with its span.
    ids: Vec<(&'t str, Span)>,
    reason: Option<&'t str>,
}

/// `# kubelint: ignore RULE[,RULE...] [-- reason]`, for messages.
const SYNTAX: &str = "`# kubelint: ignore RULE[,RULE...] [-- reason]`";

impl<'t> Comments<'t> {
    /// Finds every `# kubelint:` comment of `text`. Cheap when there is none.
    pub fn scan(text: &'t str) -> Self {
        let mut found = Vec::new();
        if memchr::memmem::find(text.as_bytes(), b"kubelint:").is_none() {
            return Comments { found };
        }
        let lines: Vec<(usize, &str)> = text
            .split_inclusive('\n')
            .scan(0, |offset, line| {
                let start = *offset;
                *offset += line.len();
                Some((start, line.trim_end_matches(['\n', '\r'])))
            })
            .collect();
        for (index, &(start, line)) in lines.iter().enumerate() {
            let Some((hash, after)) = directive_in(line) else {
                continue;
            };
            let own_line = line[..hash].trim().is_empty();
            let target = if own_line {
                lines[index + 1..]
                    .iter()
                    .find(|(_, next)| holds_yaml(next))
                    .map(|&(next_start, next)| span(next_start, next_start + next.len()))
            } else {
                Some(span(start, start + line.len()))
            };
            let body_start = start + after;
            found.push(Directive {
                hash: (start + hash) as u32,
                line: index as u32 + 1,
                target,
                subtree: None,
                in_scalar: false,
                body: parse_body(&line[after..], body_start),
            });
        }
        Comments { found }
    }

    /// Learns from one loaded document which comments are really comments and what the
    /// YAML on their target lines covers.
    pub fn resolve(&mut self, doc: &Document<'_>) {
        let Some(root) = doc.root else { return };
        let extent = doc.span(root);
        for directive in &mut self.found {
            if directive.in_scalar {
                continue;
            }
            if extent.start < directive.hash
                && directive.hash < extent.end
                && inside_scalar(doc, directive.hash)
            {
                directive.in_scalar = true;
                continue;
            }
            if directive.subtree.is_none()
                && let Some(target) = directive.target
            {
                directive.subtree = subtree(doc, root, target, true);
            }
        }
    }

    /// Adds a scope for every comment that names known rules; reports unknown ids, other
    /// directives and comments with nothing after them.
    pub fn finish(
        self,
        file: &FileContext<'_>,
        into: &mut FileSuppressions,
        findings: &mut Vec<Finding>,
    ) {
        for directive in self.found {
            if directive.in_scalar {
                continue;
            }
            let ignore = match directive.body {
                Ok(ignore) => ignore,
                Err((at, message)) => {
                    findings.push(invalid_suppression::finding(file.location(at), message));
                    continue;
                }
            };
            let mut rules = Vec::new();
            // Unknown ids in a row are one finding: most often a reason written without ` -- `.
            let mut unknown: Option<Span> = None;
            let report_unknown = |run: Option<Span>, findings: &mut Vec<Finding>| {
                if let Some(run) = run {
                    findings.push(unknown_in_comment(file, run));
                }
            };
            for (id, at) in ignore.ids {
                match known_rule(id) {
                    Some(rule) => {
                        rules.push(rule);
                        report_unknown(unknown.take(), findings);
                    }
                    None => {
                        let between = unknown.map(|run| {
                            file.text
                                .get(run.end as usize..at.start as usize)
                                .unwrap_or("")
                        });
                        unknown = match (unknown, between) {
                            (Some(run), Some(between)) if !between.contains(',') => Some(Span {
                                start: run.start,
                                end: at.end,
                            }),
                            (run, _) => {
                                report_unknown(run, findings);
                                Some(at)
                            }
                        };
                    }
                }
            }
            report_unknown(unknown, findings);
            if rules.is_empty() {
                continue;
            }
            let Some(target) = directive.target else {
                let at = directive.hash;
                findings.push(invalid_suppression::finding(
                    file.location(span(at as usize, at as usize + 1)),
                    "this `# kubelint: ignore` comment has no YAML after it, so it suppresses nothing; put it on the line above the key or object, or at the end of its line".to_string(),
                ));
                continue;
            };
            into.scopes.push(Scope {
                covers: Covers::Spans(std::iter::once(target).chain(directive.subtree).collect()),
                rules,
                by: Suppression::Comment {
                    line: directive.line,
                    reason: ignore.reason.map(str::to_string),
                },
            });
        }
    }
}

/// The finding for ids of a comment that name no rule (`run` covers one or more of them).
fn unknown_in_comment(file: &FileContext<'_>, run: Span) -> Finding {
    let written = file
        .text
        .get(run.start as usize..run.end as usize)
        .unwrap_or_default();
    let message = if written.contains(char::is_whitespace) {
        format!(
            "`{written}` names no kubelint rule, so this comment does not suppress it; if it is a reason, write ` -- ` before it"
        )
    } else {
        format!(
            "`{written}` is no kubelint rule, so this comment does not suppress it (see `kubelint rules`)"
        )
    };
    invalid_suppression::finding(file.location(run), message)
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: start as u32,
        end: end as u32,
    }
}

/// Where a comment `# kubelint:` starts in `line` and where its text after `kubelint:`
/// starts. The `#` must start a comment: at the start of the line or after a blank.
fn directive_in(line: &str) -> Option<(usize, usize)> {
    line.match_indices("kubelint:").find_map(|(at, marker)| {
        let before = line[..at].trim_end_matches([' ', '\t']);
        let hash = before.strip_suffix('#').map(str::len)?;
        let starts_comment = line[..hash]
            .chars()
            .next_back()
            .is_none_or(|c| c == ' ' || c == '\t');
        starts_comment.then_some((hash, at + marker.len()))
    })
}

/// A line a comment above can apply to: not blank, not only a comment, not a `---`/`...`
/// document marker (a comment above `---` covers the next document's object).
fn holds_yaml(line: &str) -> bool {
    let text = line.trim();
    let marker = ["---", "..."].iter().any(|marker| {
        text.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.trim_start().starts_with('#'))
    });
    !(text.is_empty() || text.starts_with('#') || marker)
}

/// Parses what follows `kubelint:` (`body`, starting at byte `offset` of the file).
fn parse_body(body: &str, offset: usize) -> Result<Ignore<'_>, (Span, String)> {
    let verb_start = body.len() - body.trim_start().len();
    let verb_len = body[verb_start..]
        .find(char::is_whitespace)
        .unwrap_or(body.len() - verb_start);
    let verb = &body[verb_start..verb_start + verb_len];
    let verb_span = span(offset + verb_start, offset + verb_start + verb_len);
    if verb != "ignore" {
        let message = if verb.is_empty() {
            format!("an empty kubelint comment; write {SYNTAX}")
        } else {
            format!("unknown kubelint comment `{verb}`; kubelint understands {SYNTAX}")
        };
        return Err((verb_span, message));
    }
    let rest_start = verb_start + verb_len;
    let rest = &body[rest_start..];
    let (list, reason) = match rest.find("--") {
        Some(dashes) => (&rest[..dashes], Some(rest[dashes + 2..].trim())),
        None => (rest, None),
    };
    let list_start = offset + rest_start;
    let ids: Vec<(&str, Span)> = words(list)
        .into_iter()
        .map(|(id, at)| (id, span(list_start + at, list_start + at + id.len())))
        .collect();
    if ids.is_empty() {
        return Err((
            verb_span,
            format!("this `# kubelint: ignore` comment names no rule; write {SYNTAX}"),
        ));
    }
    Ok(Ignore {
        ids,
        reason: reason.filter(|reason| !reason.is_empty()),
    })
}

/// The ids of a list separated by commas and blanks, each with its byte offset in `list`.
fn words(list: &str) -> Vec<(&str, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in list.char_indices() {
        let separator = c == ',' || c.is_whitespace();
        match (separator, start) {
            (true, Some(from)) => {
                words.push((&list[from..at], from));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push((&list[from..], from));
    }
    words
}

/// Whether `offset` lies inside a scalar's text. (A block scalar's span starts at its text; a
/// plain scalar cannot start with `#`; an empty one covers nothing.)
fn inside_scalar(doc: &Document<'_>, offset: u32) -> bool {
    doc.nodes.iter().any(|node| {
        matches!(node.kind, NodeKind::Scalar(_))
            && node.span.start <= offset
            && offset < node.span.end
    })
}

/// The outermost node that starts on `line`: a mapping entry (key and value), a list item, or
/// the document's root (the whole object). Lists themselves are skipped so that a comment
/// above the first `- item` covers that item, not the list.
fn subtree(doc: &Document<'_>, node: NodeId, line: Span, is_root: bool) -> Option<Span> {
    let on_line = |span: Span| line.start <= span.start && span.start <= line.end;
    let extent = doc.span(node);
    if is_root && on_line(extent) {
        return Some(extent);
    }
    if extent.end < line.start || extent.start > line.end {
        return None;
    }
    match doc.node(node).kind {
        NodeKind::Map { .. } => doc.map_entries(node).find_map(|(key, value)| {
            let key_span = doc.span(key);
            if on_line(key_span) {
                let value_span = doc.span(value);
                Some(Span {
                    start: key_span.start,
                    end: key_span.end.max(value_span.end),
                })
            } else {
                subtree(doc, value, line, false)
            }
        }),
        NodeKind::Seq { .. } => doc.seq_items(node).iter().find_map(|&item| {
            let item_span = doc.span(item);
            if on_line(item_span) {
                Some(item_span)
            } else {
                subtree(doc, item, line, false)
            }
        }),
        NodeKind::Scalar(_) | NodeKind::Alias(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Loaded, Loader};

    /// The text each comment's scope covers, per comment, after loading every document.
    fn scopes(text: &str) -> (Vec<Vec<String>>, Vec<String>) {
        let file = FileContext::new(0, text);
        let mut comments = Comments::scan(text);
        for loaded in Loader::new(text) {
            if let Loaded::Document(doc) = loaded {
                comments.resolve(&doc);
            }
        }
        let mut into = FileSuppressions::default();
        let mut findings = Vec::new();
        comments.finish(&file, &mut into, &mut findings);
        let covered = into
            .scopes
            .iter()
            .map(|scope| match &scope.covers {
                Covers::Spans(spans) => spans
                    .iter()
                    .map(|s| text[s.start as usize..s.end as usize].to_string())
                    .collect(),
                Covers::Object(_) => panic!("comments cover spans"),
            })
            .collect();
        let messages = findings
            .iter()
            .map(|f| format!("{}:{} {}", f.location.line, f.location.column, f.message))
            .collect();
        (covered, messages)
    }

    const RULE: &str = "rollout-surge-scarce-resource";

    #[test]
    fn a_comment_above_a_key_covers_the_key_and_its_value() {
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\n# kubelint: ignore {RULE}\nspec:\n  replicas: 1\n  strategy: {{}}\nstatus: {{}}\n"
        );
        let (covered, messages) = scopes(&text);
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            covered,
            [vec![
                "spec:".to_string(),
                "spec:\n  replicas: 1\n  strategy: {}".to_string()
            ]]
        );
    }

    #[test]
    fn above_the_first_line_or_the_separator_covers_the_whole_object() {
        for text in [
            format!(
                "---\n# Source: chart/templates/a.yaml\n# kubelint: ignore {RULE}\nkind: A\nspec: {{}}\n"
            ),
            format!("kind: A\n\n# kubelint: ignore {RULE}\n---\n\nkind: B\nspec: {{}}\n"),
        ] {
            let (covered, _) = scopes(&text);
            let whole = covered[0].last().unwrap();
            assert!(
                whole.starts_with("kind: ") && whole.ends_with("spec: {}"),
                "{covered:?}"
            );
        }
    }

    #[test]
    fn a_comment_above_a_list_item_covers_the_item_not_the_list() {
        let text = format!(
            "containers:\n  # kubelint: ignore {RULE}\n  - name: a\n    image: a\n  - name: b\n"
        );
        let (covered, _) = scopes(&text);
        assert_eq!(covered[0][1], "name: a\n    image: a");
    }

    #[test]
    fn a_trailing_comment_covers_its_own_line_and_what_starts_there() {
        let text = format!(
            "kind: A\nspec: # kubelint: ignore {RULE} -- spare GPUs\n  replicas: 1\nother: 2\n"
        );
        let file = FileContext::new(0, &text);
        let mut comments = Comments::scan(&text);
        for loaded in Loader::new(&text) {
            if let Loaded::Document(doc) = loaded {
                comments.resolve(&doc);
            }
        }
        let mut into = FileSuppressions::default();
        comments.finish(&file, &mut into, &mut Vec::new());
        let scope = &into.scopes[0];
        assert_eq!(
            scope.by,
            Suppression::Comment {
                line: 2,
                reason: Some("spare GPUs".into())
            }
        );
        let Covers::Spans(spans) = &scope.covers else {
            panic!()
        };
        assert_eq!(
            &text[spans[1].start as usize..spans[1].end as usize],
            "spec: # kubelint: ignore rollout-surge-scarce-resource -- spare GPUs\n  replicas: 1"
        );
    }

    #[test]
    fn ids_are_found_after_any_blank_and_at_their_byte_offsets() {
        assert_eq!(
            words("a,\u{3000}b  c,,d\u{3000}"),
            [("a", 0), ("b", 5), ("c", 8), ("d", 11)]
        );
        let text = "# kubelint: ignore\u{3000}x\u{3000}y -- why\nkind: A\n";
        let (_, messages) = scopes(text);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].starts_with("1:20 `x\u{3000}y` names no kubelint rule"),
            "{messages:?}"
        );
    }

    #[test]
    fn text_that_only_looks_like_a_comment_is_not_one() {
        let text = format!(
            "data:\n  script: |\n    # kubelint: ignore {RULE}\n    echo\n  url: \"http://x/#kubelint: ignore\"\n  plain: a#kubelint:x\n"
        );
        let (covered, messages) = scopes(&text);
        assert!(covered.is_empty(), "{covered:?}");
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn unknown_rules_verbs_and_empty_lists_are_reported_where_written() {
        let text = format!(
            "# kubelint: ignore {RULE}, no-such-rule reason without dashes\nkind: A\n# kubelint: disable {RULE}\nb: 1\n# kubelint: ignore -- why\nc: 1\n# kubelint: ignore {RULE}\n"
        );
        let (covered, messages) = scopes(&text);
        assert_eq!(
            covered.len(),
            1,
            "only the first names a known rule and has YAML after it"
        );
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(
            messages[0].starts_with(
                "1:51 `no-such-rule reason without dashes` names no kubelint rule, so this comment does not suppress it; if it is a reason, write ` -- ` before it"
            ),
            "{messages:#?}"
        );
        assert!(
            messages[1].starts_with("3:13 unknown kubelint comment `disable`"),
            "{messages:#?}"
        );
        assert!(
            messages[2].starts_with("5:13 this `# kubelint: ignore` comment names no rule"),
            "{messages:#?}"
        );
        assert!(
            messages[3].starts_with("7:1 this `# kubelint: ignore` comment has no YAML after it"),
            "{messages:#?}"
        );
    }
}
