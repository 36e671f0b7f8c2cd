//! The rule framework: the [`Rule`] trait, the registry, and rule metadata read from
//! `rules/<rule-id>.md`, the single source of each rule's documentation.

pub mod invalid_object;
pub mod invalid_suppression;
pub mod rollout_surge_scarce_resource;
pub mod yaml_syntax;

use std::any::Any;
use std::sync::OnceLock;

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::k8s::{Object, ObjectIndex};

/// A check. Rules never print, never read files and never know the output format: they see
/// objects (and, in the set pass, the index of all objects) and push findings.
pub trait Rule: Send + Sync {
    /// The rule's documentation, `rules/<rule-id>.md`, with its metadata in front matter.
    fn doc(&self) -> &'static str;

    /// Checks one object. Runs in parallel over objects.
    fn check_object(&self, _object: &Object<'_, '_>, _cx: &mut ObjectContext<'_>) {}

    /// Finishes what [`ObjectContext::defer`] set aside, once every object is known.
    fn check_deferred(
        &self,
        _deferred: Box<dyn Any + Send>,
        _index: &ObjectIndex,
        _cx: &mut SetContext<'_>,
    ) {
    }
}

/// What a rule may use and produce while checking one object.
pub struct ObjectContext<'c> {
    pub config: &'c Config,
    pub(crate) rule: usize,
    pub(crate) findings: &'c mut Vec<Finding>,
    pub(crate) deferred: &'c mut Vec<Deferred>,
}

impl ObjectContext<'_> {
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Sets aside what the rule needs to finish its check in the set pass, when it depends on
    /// other objects (an HPA in another file). Keep it small: it lives until the set pass.
    pub fn defer<T: Any + Send>(&mut self, payload: T) {
        self.deferred.push(Deferred {
            rule: self.rule,
            payload: Box::new(payload),
        });
    }
}

/// What a rule may use and produce in the set pass.
pub struct SetContext<'c> {
    pub config: &'c Config,
    pub(crate) findings: &'c mut Vec<Finding>,
}

impl SetContext<'_> {
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }
}

/// A check set aside by a rule for the set pass.
pub struct Deferred {
    pub(crate) rule: usize,
    pub(crate) payload: Box<dyn Any + Send>,
}

/// A rule's metadata, from the front matter of its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    pub id: &'static str,
    pub severity: Severity,
    pub category: &'static str,
    pub summary: &'static str,
    /// The document without its front matter.
    pub body: &'static str,
}

impl RuleMeta {
    /// Reads `---\nid: …\nseverity: …\ncategory: …\nsummary: …\n---\n<body>`.
    pub fn parse(doc: &'static str) -> Result<RuleMeta, String> {
        let rest = doc
            .strip_prefix("---\n")
            .ok_or("document does not start with front matter")?;
        let (front, body) = rest
            .split_once("\n---\n")
            .ok_or("front matter is not closed")?;
        let mut fields = std::collections::HashMap::new();
        for line in front.lines() {
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| format!("bad front matter line `{line}`"))?;
            fields.insert(key.trim(), value.trim());
        }
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| format!("front matter has no `{name}`"))
        };
        let severity = field("severity")?;
        Ok(RuleMeta {
            id: field("id")?,
            severity: Severity::parse(severity)
                .ok_or_else(|| format!("unknown severity `{severity}`"))?,
            category: field("category")?,
            summary: field("summary")?,
            body: body.trim_start_matches('\n'),
        })
    }
}

/// A registered rule with its metadata.
pub struct RuleEntry {
    pub meta: RuleMeta,
    pub rule: &'static dyn Rule,
}

/// Every rule kubelint has, in id order.
pub struct Registry {
    entries: Vec<RuleEntry>,
}

/// The one list of all rules.
const RULES: &[&dyn Rule] = &[
    &invalid_object::InvalidObject,
    &invalid_suppression::InvalidSuppression,
    &rollout_surge_scarce_resource::RolloutSurgeScarceResource,
    &yaml_syntax::YamlSyntax,
];

impl Registry {
    pub fn entries(&self) -> &[RuleEntry] {
        &self.entries
    }

    pub fn get(&self, id: &str) -> Option<&RuleEntry> {
        self.entries.iter().find(|e| e.meta.id == id)
    }
}

/// The registry, built on first use. Rule documents are compiled in; a malformed one is a
/// bug caught by the test suite, so it panics here with the reason.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut entries: Vec<RuleEntry> = RULES
            .iter()
            .map(|rule| RuleEntry {
                meta: RuleMeta::parse(rule.doc())
                    .unwrap_or_else(|e| panic!("bad rule document: {e}")),
                rule: *rule,
            })
            .collect();
        entries.sort_by_key(|e| e.meta.id);
        Registry { entries }
    })
}

/// The `yaml` examples of a rule document, with whether each is marked `bad` (must fire).
pub fn doc_examples(body: &str) -> Vec<(bool, String)> {
    let mut examples = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let info = line.trim();
        let bad = match info {
            "```yaml bad" => true,
            "```yaml good" => false,
            _ => continue,
        };
        let text: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        examples.push((bad, text.join("\n") + "\n"));
    }
    examples
}
