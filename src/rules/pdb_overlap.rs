//! `pdb-overlap` (SEMANTICS.md §B.4): two PodDisruptionBudgets selecting the same pods make
//! every eviction of those pods fail, forever.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, ObjectRef, Severity};
use crate::k8s::selection::{Budget, ObjectId, Workload};
use crate::k8s::{Object, ObjectIndex, Typed};
use crate::yaml::FieldPath;

pub const ID: &str = "pdb-overlap";

pub struct PdbOverlap;

struct Candidate {
    id: ObjectId,
    object: ObjectRef,
}

impl Rule for PdbOverlap {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/pdb-overlap.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        if matches!(object.typed, Typed::PodDisruptionBudget(_)) {
            cx.defer(Candidate {
                id: ObjectId::of(object),
                object: object.reference(),
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
        let Some(budget) = index.budget(candidate.id) else {
            return;
        };
        // One finding per pair of budgets, from the later one (by file and position), naming
        // every workload both select.
        let mut pairs: Vec<(&Budget, Vec<&Workload>)> = Vec::new();
        for (workload, others) in index.overlapping_budgets(candidate.id) {
            for other in others {
                if (other.id.file, other.id.offset) >= (budget.id.file, budget.id.offset) {
                    continue;
                }
                match pairs.iter_mut().find(|(b, _)| b.id == other.id) {
                    Some((_, workloads)) => workloads.push(workload),
                    None => pairs.push((other, vec![workload])),
                }
            }
        }
        for (other, workloads) in pairs {
            let names: Vec<String> = workloads.iter().map(|w| w.display()).collect();
            let message = format!(
                "{} and {} both select the pods of {}: the eviction API refuses to evict a pod with more than one \
                 budget (HTTP 500 \"This pod has more than one PodDisruptionBudget, which the eviction subresource \
                 does not support.\"), so kubectl drain and node upgrades retry forever.",
                budget.display,
                other.display,
                names.join(", ")
            );
            let mut finding = Finding::new(
                ID,
                Severity::Error,
                budget.selector_location.clone(),
                message,
            )
            .with_label(format!("selects the pods of {}", names.join(", ")))
            .with_help(
                "keep one PodDisruptionBudget per set of pods: delete one, or make the selectors \
                         disjoint (a label only one workload's pod template carries).",
            )
            .with_related(
                other.selector_location.clone(),
                format!("{} selects them too", other.display),
            );
            for workload in workloads {
                finding = finding.with_related(
                    workload.labels_location.clone(),
                    format!("the pod labels of {}", workload.display()),
                );
            }
            finding.path = Some(FieldPath::keys(&["spec", "selector"]).to_string());
            finding.object = Some(candidate.object.clone());
            cx.report(finding);
        }
    }
}
