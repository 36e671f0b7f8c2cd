//! The pipeline: read files in parallel, load documents, decode objects, run object rules, then
//! the set pass over the small summaries every file left behind, and sort.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, RuleLevel};
use crate::env::Environments;
use crate::finding::{Finding, ObjectRef};
use crate::k8s::index::IndexEntry;
use crate::k8s::object::{Object, decode_object};
use crate::k8s::{FileContext, ObjectIndex, Typed};
use crate::kustomize;
use crate::report::{Report, Summary};
use crate::rules::{
    Deferred, ObjectContext, RuleEntry, SetContext, invalid_object, registry, yaml_syntax,
};
use crate::source::{FileId, SourceFile};
use crate::suppress::{self, Comments, FileSuppressions};
use crate::walk::Input;
use crate::yaml::{Document, Loaded, Loader, NodeId, Span};

/// Worker threads get room for the deepest documents the parser's nesting limits allow.
const WORKER_STACK_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Worker threads; `None` uses every core.
    pub jobs: Option<usize>,
    /// Only these rules (`--select`); empty means all.
    pub select: Vec<String>,
    /// Never these rules (`--ignore`).
    pub ignore: Vec<String>,
}

/// What one file leaves for the rest of the run.
#[derive(Default)]
struct FileOutcome {
    source: SourceFile,
    findings: Vec<Finding>,
    deferred: Vec<Deferred>,
    index: Vec<IndexEntry>,
    /// The file's environment, if its path names one.
    environment: Option<Arc<str>>,
    /// Where workloads of this file pair (see [`Environments::locate_file`]).
    environment_scope: Arc<str>,
    /// Environment and origin of each object that has either, to fill in the findings of the
    /// set pass.
    identities: Vec<(ObjectRef, Option<Arc<str>>, Option<String>)>,
    suppressions: FileSuppressions,
    documents: usize,
    objects: usize,
    error: Option<String>,
}

/// Lints `inputs` (stdin's text, if it is one of them, in `stdin`).
pub fn lint(
    inputs: &[Input],
    stdin: Option<&str>,
    config: &Config,
    options: &LintOptions,
) -> Report {
    lint_with_index(inputs, stdin, config, options).0
}

/// [`lint`], also returning the set pass's index (the cross-environment table reads it).
pub fn lint_with_index(
    inputs: &[Input],
    stdin: Option<&str>,
    config: &Config,
    options: &LintOptions,
) -> (Report, ObjectIndex) {
    // The configuration was validated when it was read; an invalid one built in code
    // falls back to discovery.
    let environments = Environments::new(&config.environments).unwrap_or_default();
    let active: Vec<&RuleEntry> = registry()
        .entries()
        .iter()
        .filter(|entry| is_active(entry.meta.id, config, options))
        .collect();
    let run = || {
        let patches = kustomize::patch_files(inputs);
        inputs
            .par_iter()
            .enumerate()
            .map(|(id, input)| {
                let is_patch = match input {
                    Input::File(path) if !patches.is_empty() => {
                        patches.contains(&kustomize::normalize(path))
                    }
                    _ => false,
                };
                lint_input(id, input, stdin, config, &environments, &active, is_patch)
            })
            .collect::<Vec<_>>()
    };
    let outcomes = match rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .stack_size(WORKER_STACK_BYTES)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    finish(outcomes, config, options, &active)
}

fn is_active(id: &str, config: &Config, options: &LintOptions) -> bool {
    (options.select.is_empty() || options.select.iter().any(|s| s == id))
        && !options.ignore.iter().any(|s| s == id)
        && config.level(id) != Some(RuleLevel::Off)
}

/// Reads and lints one input. A Kustomize patch (`is_patch`) is only parsed: its objects are
/// fragments, not what will be applied.
fn lint_input(
    id: FileId,
    input: &Input,
    stdin: Option<&str>,
    config: &Config,
    environments: &Environments,
    active: &[&RuleEntry],
    is_patch: bool,
) -> FileOutcome {
    let (name, bytes) = match input {
        Input::Stdin => (
            "-".to_string(),
            stdin.unwrap_or_default().as_bytes().to_vec(),
        ),
        Input::File(path) => {
            let name = path.display().to_string();
            match std::fs::read(path) {
                Ok(bytes) => (name, bytes),
                Err(e) => {
                    return FileOutcome {
                        source: SourceFile {
                            name: name.clone(),
                            ..SourceFile::default()
                        },
                        error: Some(format!("{name}: cannot read: {}", read_error(path, &e))),
                        ..FileOutcome::default()
                    };
                }
            }
        }
    };
    let (text, invalid_at) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    let file = FileContext::new(id, &text);
    let (environment, environment_scope) = match input {
        Input::File(path) => match environments.locate_file(path) {
            Some((name, scope)) => (Some(name), scope),
            None => (None, Environments::directory_scope(path)),
        },
        Input::Stdin => (None, Arc::from("-")),
    };
    let mut outcome = FileOutcome {
        environment,
        environment_scope,
        ..FileOutcome::default()
    };
    match invalid_at {
        Some(offset) => {
            let location = file.location(Span {
                start: offset as u32,
                end: offset as u32,
            });
            outcome.findings.push(yaml_syntax::finding(
                location,
                &format!(
                    "the file is not UTF-8 text (invalid byte at offset {offset}); is it binary?"
                ),
            ));
        }
        None => lint_text(
            &file,
            config,
            environments,
            (!is_patch).then_some(active),
            &mut outcome,
        ),
    }
    // Memory must not grow with the corpus: no file's text outlives its processing. A
    // reporter that shows snippets reads the file again; only stdin, which cannot be read
    // twice, and text that is not UTF-8 (shown as read, lossily) are kept.
    outcome.source = match (input, invalid_at) {
        (Input::File(path), None) => SourceFile {
            name,
            text: None,
            reread: Some((path.clone(), text.len())),
        },
        _ => SourceFile {
            name,
            text: Some(Arc::from(text)),
            reread: None,
        },
    };
    outcome
}

fn read_error(path: &Path, error: &std::io::Error) -> String {
    if path.is_dir() {
        "is a directory".to_string()
    } else {
        error.to_string()
    }
}

/// Loads every document of a file and lints its objects; with `active` `None` (a patch) only
/// the YAML itself is checked.
fn lint_text(
    file: &FileContext<'_>,
    config: &Config,
    environments: &Environments,
    active: Option<&[&RuleEntry]>,
    outcome: &mut FileOutcome,
) {
    let mut comments = Comments::scan(file.text);
    for loaded in Loader::new(file.text) {
        outcome.documents += 1;
        match loaded {
            Loaded::Error(error) => {
                let at = error.offset as u32;
                outcome.findings.push(yaml_syntax::finding(
                    file.location(Span { start: at, end: at }),
                    &error.message,
                ));
            }
            Loaded::Document(doc) => {
                comments.resolve(&doc);
                match active {
                    Some(active) => {
                        lint_document(file, &doc, config, environments, active, outcome)
                    }
                    None => outcome.index.extend(
                        kustomize::patched_counts(&doc)
                            .map(|(kind, name)| IndexEntry::CountsPatched { kind, name }),
                    ),
                }
            }
        }
    }
    comments.finish(file, &mut outcome.suppressions, &mut outcome.findings);
}

/// An apps/v1 workload with neither `spec.selector` nor pod template labels: a patch fragment
/// (an orphaned or commented-out Kustomize patch), never applied as written, so rules would
/// judge what no cluster runs. Its types were still checked. (Without a selector alone it may
/// be a Kustomize base whose `labels`/`commonLabels` add one: that is applied, and judged.)
fn is_patch_fragment(doc: &Document<'_>, root: NodeId, api_version: &str, kind: &str) -> bool {
    api_version.starts_with("apps/")
        && matches!(
            kind,
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        )
        && doc.get(root, "spec").is_some_and(|spec| {
            let template_labels = doc
                .get(spec, "template")
                .and_then(|template| doc.get(template, "metadata"))
                .and_then(|metadata| doc.get(metadata, "labels"));
            doc.get(spec, "selector").is_none() && template_labels.is_none()
        })
}

/// The string value of `key` in the mapping `node`, when it is a string.
fn string_field<'d>(doc: &'d Document<'_>, node: NodeId, key: &str) -> Option<&'d str> {
    let value = doc.get(node, key)?;
    doc.scalar(value)
        .filter(|s| matches!(s.resolve(), Some(crate::yaml::resolve::Resolved::Str)))
        .map(|s| s.value.as_ref())
}

fn lint_document(
    file: &FileContext<'_>,
    doc: &Document<'_>,
    config: &Config,
    environments: &Environments,
    active: &[&RuleEntry],
    outcome: &mut FileOutcome,
) {
    let Some(root) = doc.root else { return };
    if let Some(scalar) = doc.scalar(root) {
        if !scalar.is_null() {
            let location = file.location(doc.span(root));
            outcome.findings.push(invalid_object::finding(
                location,
                "the document is a single value, not an object (a mapping with apiVersion and kind)",
            ));
        }
        return;
    }
    if doc.is_seq(root) {
        // A top-level list is usually not for Kubernetes (a JSON patch, say); a list of
        // objects is one that kubectl cannot apply without `kind: List`.
        let items = doc.seq_items(root);
        let all_objects = !items.is_empty()
            && items.iter().all(|item| {
                doc.is_map(*item)
                    && doc.get(*item, "apiVersion").is_some()
                    && doc.get(*item, "kind").is_some()
            });
        if all_objects {
            outcome.findings.push(invalid_object::finding(
                file.location(doc.report_span(root, root)),
                "the document is a list of objects; kubectl applies a list only as `kind: List` with `items`",
            ));
        }
        return;
    }
    match doc.get(root, "items") {
        Some(items) if string_field(doc, root, "kind") == Some("List") && doc.is_seq(items) => {
            for item in doc.seq_items(items) {
                lint_object(file, doc, *item, config, environments, active, outcome);
            }
        }
        _ => lint_object(file, doc, root, config, environments, active, outcome),
    }
}

fn lint_object(
    file: &FileContext<'_>,
    doc: &Document<'_>,
    root: NodeId,
    config: &Config,
    environments: &Environments,
    active: &[&RuleEntry],
    outcome: &mut FileOutcome,
) {
    let api_version = string_field(doc, root, "apiVersion");
    let kind = string_field(doc, root, "kind");
    let reference = |api_version: &str, kind: &str| ObjectRef {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        namespace: doc
            .get(root, "metadata")
            .and_then(|m| string_field(doc, m, "namespace"))
            .map(str::to_string),
        name: doc
            .get(root, "metadata")
            .and_then(|m| string_field(doc, m, "name"))
            .map(str::to_string),
        document: doc.index + 1,
    };
    // Without both, it is no object kubectl could apply: most often a Kustomize patch.
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return;
    };
    outcome.objects += 1;
    suppress::read_annotations(
        file,
        doc,
        root,
        &reference(api_version, kind),
        &mut outcome.suppressions,
        &mut outcome.findings,
    );
    let (metadata, typed) = match decode_object(doc, root, api_version, kind) {
        Ok(decoded) => decoded,
        Err(error) => {
            let mut finding = invalid_object::finding(
                file.location(doc.report_span(root, error.node)),
                &error.message,
            );
            finding.path = doc
                .path_to(root, error.node)
                .map(|p| p.to_string())
                .filter(|p| !p.is_empty());
            finding.object = Some(reference(api_version, kind));
            finding.environment = outcome.environment.as_deref().map(str::to_string);
            outcome.findings.push(finding);
            return;
        }
    };
    if is_patch_fragment(doc, root, api_version, kind) {
        return;
    }
    let environment = outcome.environment.clone().or_else(|| {
        metadata
            .namespace
            .as_deref()
            .and_then(|ns| environments.of_namespace(ns))
    });
    let object = Object {
        doc,
        root,
        file,
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        metadata,
        typed,
        environment,
        environment_scope: outcome.environment_scope.clone(),
    };
    // Captured on first request and shared by every rule that defers it.
    let pod = OnceCell::new();
    let first_finding = outcome.findings.len();
    for (rule, entry) in active.iter().enumerate() {
        let mut cx = ObjectContext {
            config,
            rule,
            findings: &mut outcome.findings,
            deferred: &mut outcome.deferred,
            pod: &pod,
        };
        entry.rule.check_object(&object, &mut cx);
    }
    // Untyped kinds leave only what a rule reads of them: the keys of a Secret (`envFrom`
    // imports them), the target of a KEDA ScaledObject.
    if !matches!(object.typed, Typed::Other) || object.kind == "Secret" {
        outcome.index.extend(IndexEntry::of(&object));
        outcome.index.extend(IndexEntry::for_environments(&object));
    } else {
        outcome.index.extend(IndexEntry::of_untyped(&object));
    }
    let origin = object.origin();
    if object.environment.is_some() || origin.is_some() {
        let environment = object.environment.as_deref().map(str::to_string);
        for finding in &mut outcome.findings[first_finding..] {
            finding.environment = finding.environment.take().or(environment.clone());
            finding.origin = finding.origin.take().or(origin.clone());
        }
        outcome
            .identities
            .push((object.reference(), object.environment.clone(), origin));
    }
}

fn finish(
    outcomes: Vec<FileOutcome>,
    config: &Config,
    options: &LintOptions,
    active: &[&RuleEntry],
) -> (Report, ObjectIndex) {
    let mut summary = Summary::default();
    let mut files = Vec::with_capacity(outcomes.len());
    let mut findings = Vec::new();
    let mut deferred = Vec::new();
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut file_environments = Vec::with_capacity(outcomes.len());
    let mut identities = HashMap::new();
    let mut suppressions = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        summary.files += 1;
        summary.documents += outcome.documents;
        summary.objects += outcome.objects;
        files.push(outcome.source);
        findings.extend(outcome.findings);
        deferred.extend(outcome.deferred);
        entries.extend(outcome.index);
        errors.extend(outcome.error);
        let file = file_environments.len();
        identities.extend(
            outcome
                .identities
                .into_iter()
                .map(|(object, environment, origin)| ((file, object), (environment, origin))),
        );
        file_environments.push(outcome.environment);
        suppressions.push(outcome.suppressions);
    }
    let mut index = ObjectIndex::build(entries, files.iter().map(|f| f.name.as_str()));
    index.set_file_environments(file_environments.clone());
    let first_set_finding = findings.len();
    let mut cx = SetContext {
        config,
        findings: &mut findings,
    };
    for item in deferred {
        active[item.rule]
            .rule
            .check_deferred(item.payload, &index, &mut cx);
    }
    for entry in active {
        entry.rule.check_set(&index, &mut cx);
    }
    // Findings of the set pass learn their object's environment and origin here; findings
    // about no object (a YAML syntax error) take their file's environment.
    for finding in &mut findings[first_set_finding..] {
        let known = finding
            .object
            .as_ref()
            .and_then(|object| identities.get(&(finding.location.file, object.clone())));
        if let Some((environment, origin)) = known {
            if finding.environment.is_none() {
                finding.environment = environment.as_deref().map(str::to_string);
            }
            if finding.origin.is_none() {
                finding.origin.clone_from(origin);
            }
        }
    }
    for finding in &mut findings {
        if finding.environment.is_none() && finding.object.is_none() {
            finding.environment = file_environments
                .get(finding.location.file)
                .cloned()
                .flatten()
                .map(|e| e.to_string());
        }
    }
    // The engine's own rules (yaml-syntax, invalid-object) obey select/ignore/levels too.
    findings.retain(|f| is_active(f.rule, config, options));
    for finding in &mut findings {
        if let Some(RuleLevel::Level(severity)) = config.level(finding.rule) {
            finding.severity = severity;
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    // After the set pass, so that its findings can be suppressed like any other.
    let (findings, suppressed) = suppress::apply(findings, &suppressions);
    let mut report = Report {
        files,
        findings,
        suppressed,
        summary,
        errors,
    };
    report.count_severities();
    (report, index)
}
