//! `resources-memory-limit-missing` (SEMANTICS.md §E.6): a container without a memory limit
//! and no LimitRange default for one. Nothing bounds its memory: a leak grows until the node
//! is under pressure, and then the kernel or the kubelet picks what dies.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::k8s::written_resources::resource_blocks;
use crate::k8s::{Object, ObjectIndex};
use crate::yaml::Target;

pub const ID: &str = "resources-memory-limit-missing";

pub struct ResourcesMemoryLimitMissing;

/// The containers without a memory limit, kept until LimitRanges are known.
struct Candidate {
    object: ObjectRef,
    display: String,
    environment: Option<Arc<str>>,
    /// (owner, where the limit would go, its path).
    containers: Vec<(String, Location, String)>,
}

impl Rule for ResourcesMemoryLimitMissing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/resources-memory-limit-missing.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(template) = object.pod_template() else {
            return;
        };
        let pod_limit = template
            .spec
            .resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .is_some_and(|l| l.contains_key("memory"));
        if pod_limit {
            // A pod-level limit bounds every container together.
            return;
        }
        let containers: Vec<(String, Location, String)> = resource_blocks(&template)
            .into_iter()
            .filter(|b| b.container.is_some() && !b.plain_init)
            .filter(|b| {
                !b.resources
                    .and_then(|r| r.limits.as_ref())
                    .is_some_and(|l| l.contains_key("memory"))
            })
            .map(|b| {
                let path = b.path.clone().key("limits").key("memory");
                let location = object.locate(&path, Target::Key);
                (b.owner, location, path.to_string())
            })
            .collect();
        if containers.is_empty() {
            return;
        }
        cx.defer(Candidate {
            object: object.reference(),
            display: object.display_name(),
            environment: object.environment.clone(),
            containers,
        });
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(candidate) = deferred.downcast::<Candidate>() else {
            return;
        };
        let defaulted = index
            .env_limit_ranges(
                candidate.object.namespace.as_deref(),
                candidate.environment.as_ref(),
            )
            .iter()
            .any(|r| r.default_limits.contains_key("memory"));
        if defaulted {
            return;
        }
        for (owner, location, path) in candidate.containers {
            let mut finding = Finding::new(
                ID,
                Severity::Warning,
                location,
                format!(
                    "{}: {owner} has no memory limit (and no LimitRange gives it one). Nothing bounds its memory: \
                     a leak grows until the node is under memory pressure, and then the kernel OOM-kills or the \
                     kubelet evicts whatever it picks, other pods included.",
                    candidate.display
                ),
            )
            .with_label("no limits.memory")
            .with_help(
                "set a memory limit at what the container may use at its peak (and a request at what it usually \
                 uses):\n\
                 \x20 resources:\n\
                 \x20   requests:\n\
                 \x20     memory: 256Mi\n\
                 \x20   limits:\n\
                 \x20     memory: 512Mi",
            );
            finding.object = Some(candidate.object.clone());
            finding.path = Some(path);
            cx.report(finding);
        }
    }
}
