//! `rollout-surge-self-anti-affinity` (SEMANTICS.md §A.6): required pod anti-affinity against
//! the Deployment's own labels allows one pod per node (or zone); old and new pods match the
//! same selector, so a rolling update that starts a new pod first needs one more domain than
//! the Deployment occupies.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Location, Severity};
use crate::k8s::selector::Selector;
use crate::k8s::surge::{DeploymentRollout, recreate_or_one_by_one};
use crate::k8s::{Object, ObjectIndex};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "rollout-surge-self-anti-affinity";

pub struct RolloutSurgeSelfAntiAffinity;

/// The label that tells old and new pods apart (`DefaultDeploymentUniqueLabelKey`).
const POD_TEMPLATE_HASH: &str = "pod-template-hash";

struct Candidate {
    rollout: DeploymentRollout,
    topology_key: String,
    term_path: FieldPath,
    term_location: Location,
}

/// What one topology domain is, for messages.
fn domain(topology_key: &str) -> String {
    match topology_key {
        "kubernetes.io/hostname" => "node".to_string(),
        "topology.kubernetes.io/zone" | "failure-domain.beta.kubernetes.io/zone" => {
            "zone".to_string()
        }
        "topology.kubernetes.io/region" => "region".to_string(),
        other => format!("{other} domain"),
    }
}

impl Rule for RolloutSurgeSelfAntiAffinity {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/rollout-surge-self-anti-affinity.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(rollout) = DeploymentRollout::of(object) else {
            return;
        };
        let Some(template) = object.pod_template() else {
            return;
        };
        let labels = template
            .metadata
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        let terms = template
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref())
            .and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            });
        let own_namespace = object.namespace();
        for (i, term) in terms.into_iter().flatten().enumerate() {
            // Which namespaces the term looks at: its own when neither field is set; a
            // namespaceSelector kubelint cannot evaluate counts as including it.
            let in_scope = match (&term.namespaces, &term.namespace_selector) {
                (_, Some(_)) => true,
                (Some(list), None) if !list.is_empty() => {
                    own_namespace.is_some_and(|ns| list.iter().any(|n| n == ns))
                }
                _ => true,
            };
            let separates_revisions = term
                .match_label_keys
                .iter()
                .flatten()
                .any(|k| k == POD_TEMPLATE_HASH);
            let selects_itself = Selector::parse(term.label_selector.as_ref())
                .is_ok_and(|selector| selector.matches(&labels));
            if !in_scope || separates_revisions || !selects_itself {
                continue;
            }
            let term_path = template
                .spec_path
                .clone()
                .key("affinity")
                .key("podAntiAffinity")
                .key("requiredDuringSchedulingIgnoredDuringExecution")
                .index(i)
                .key("topologyKey");
            cx.defer(Candidate {
                rollout: rollout.clone(),
                topology_key: term.topology_key.clone(),
                term_location: object.locate(&term_path, Target::Value),
                term_path,
            });
        }
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
        let rollout = &candidate.rollout;
        let Some(waiting) = rollout.waiting(index) else {
            return;
        };
        let domain = domain(&candidate.topology_key);
        let replicas = waiting.first.replicas;
        let message = format!(
            "{}: required podAntiAffinity on its own labels (topologyKey {}) allows one pod per {domain}; old and \
             new pods match the same selector. The {}, so the rollout needs {} {domain}s: with {replicas} \
             replica(s) on {replicas} {domain}(s) and no other {domain} available, the new pod stays Pending \
             (\"didn't match pod anti-affinity rules\") and the rollout never finishes.",
            rollout.display,
            candidate.topology_key,
            rollout.keeps_old_pods(&waiting),
            replicas + 1,
        );
        let mut finding = Finding::new(ID, Severity::Warning, candidate.term_location.clone(), message)
            .with_label(format!("one pod of this Deployment per {domain}, old or new"))
            .with_help(format!(
                "keep the rule within one revision (Kubernetes ≥ 1.33; the key must not also be in labelSelector):\n\
                 \x20 podAntiAffinity:\n\
                 \x20   requiredDuringSchedulingIgnoredDuringExecution:\n\
                 \x20     - labelSelector: …\n\
                 \x20       matchLabelKeys: [pod-template-hash]\n\
                 \x20       topologyKey: {}\n\
                 or use preferredDuringSchedulingIgnoredDuringExecution, or\n{}",
                candidate.topology_key,
                recreate_or_one_by_one(&domain)
            ));
        finding.path = Some(candidate.term_path.to_string());
        finding.object = Some(rollout.object.clone());
        cx.report(rollout.explain(finding, &waiting));
    }
}
