//! `resources-requests-missing` (SEMANTICS.md §E.6): no container of the pod sets a cpu or
//! memory request or limit, and no LimitRange defaults one: the pod is BestEffort, the first
//! evicted under node pressure, and the scheduler reserves nothing for it.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::k8s::written_resources::resource_blocks;
use crate::k8s::{Object, ObjectIndex};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "resources-requests-missing";

pub struct ResourcesRequestsMissing;

struct Candidate {
    object: ObjectRef,
    display: String,
    environment: Option<Arc<str>>,
    location: Location,
    path: String,
}

impl Rule for ResourcesRequestsMissing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/resources-requests-missing.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(template) = object.pod_template() else {
            return;
        };
        let any_set = resource_blocks(&template).iter().any(|b| {
            b.resources.is_some_and(|r| {
                [&r.requests, &r.limits]
                    .into_iter()
                    .flatten()
                    .any(|m| m.contains_key("cpu") || m.contains_key("memory"))
            })
        });
        if any_set {
            return;
        }
        let path: FieldPath = template
            .spec_path
            .clone()
            .key("containers")
            .index(0)
            .key("resources");
        cx.defer(Candidate {
            object: object.reference(),
            display: object.display_name(),
            environment: object.environment.clone(),
            location: object.locate(&path, Target::Key),
            path: path.to_string(),
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
            .any(|r| {
                ["cpu", "memory"].iter().any(|res| {
                    r.default_requests.contains_key(*res) || r.default_limits.contains_key(*res)
                })
            });
        if defaulted {
            return;
        }
        let mut finding = Finding::new(
            ID,
            Severity::Warning,
            candidate.location,
            format!(
                "{}: no container sets a cpu or memory request or limit, so its pods are BestEffort: the scheduler \
                 reserves nothing for them, they land on full nodes, and they are the first evicted when a node runs \
                 short of memory.",
                candidate.display
            ),
        )
        .with_label("no requests")
        .with_help(
            "request what each container usually uses:\n\
             \x20 resources:\n\
             \x20   requests:\n\
             \x20     cpu: 100m\n\
             \x20     memory: 256Mi",
        );
        finding.object = Some(candidate.object);
        finding.path = Some(candidate.path);
        cx.report(finding);
    }
}
