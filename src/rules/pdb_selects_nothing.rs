//! `pdb-selects-nothing` (SEMANTICS.md §B.5): a PodDisruptionBudget whose selector is null
//! (matches no pod), `{}` (matches every pod of the namespace), or matches none of the
//! workloads it was evidently written for.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, ObjectRef, Severity};
use crate::k8s::selection::ObjectId;
use crate::k8s::selector::Selector;
use crate::k8s::{Object, ObjectIndex, Typed};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "pdb-selects-nothing";

pub struct PdbSelectsNothing;

struct Candidate {
    id: ObjectId,
    object: ObjectRef,
}

impl Rule for PdbSelectsNothing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/pdb-selects-nothing.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Typed::PodDisruptionBudget(pdb) = &object.typed else {
            return;
        };
        let selector_path = FieldPath::keys(&["spec", "selector"]);
        // An invalid selector is pdb-invalid's.
        let Ok(selector) = Selector::parse(pdb.spec.as_ref().and_then(|s| s.selector.as_ref()))
        else {
            return;
        };
        let display = object.display_name();
        match selector {
            Selector::Nothing => cx.report(
                object
                    .finding(
                        ID,
                        Severity::Info,
                        &selector_path,
                        Target::Key,
                        format!(
                            "{display}: spec.selector is not set, and a null selector matches no pods: the budget \
                             protects nothing."
                        ),
                    )
                    .with_label("no selector: matches no pods")
                    .with_help(
                        "select the pods of the workload to protect, with the labels of its pod template:\n\
                         \x20 spec:\n\
                         \x20   selector:\n\
                         \x20     matchLabels:\n\
                         \x20       app: <app>",
                    ),
            ),
            selector if selector.matches_everything() => cx.report(
                object
                    .finding(
                        ID,
                        Severity::Warning,
                        &selector_path,
                        Target::Key,
                        format!(
                            "{display}: `selector: {{}}` selects every pod in the namespace (policy/v1; it selected \
                             none in policy/v1beta1). Every workload there shares this one budget, and a pod that \
                             another PDB also selects can never be evicted."
                        ),
                    )
                    .with_label("selects every pod of the namespace")
                    .with_help(
                        "select only the pods meant, with the labels of their pod template:\n\
                         \x20 spec:\n\
                         \x20   selector:\n\
                         \x20     matchLabels:\n\
                         \x20       app: <app>",
                    ),
            ),
            _ => cx.defer(Candidate {
                id: crate::k8s::selection::ObjectId::of(object),
                object: object.reference(),
            }),
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
        if !index.budget_targets(candidate.id).is_empty() {
            return;
        }
        // Pods may come from objects kubelint does not read (operators, other repositories):
        // only a workload that carries the selector's keys with other values shows a mistake.
        let near = index.budget_near_misses(candidate.id);
        let Some(first) = near.first() else {
            return;
        };
        let wanted: Vec<String> = budget
            .selector
            .anchors()
            .map(|r| format!("{}={}", r.key, r.values.join("|")))
            .collect();
        let message = format!(
            "{}: the selector ({}) matches no workload in the input; {} carries the same label keys with other \
             values (its pod labels are shown below). The budget protects nothing, and drains evict those pods \
             without limit.",
            budget.display,
            wanted.join(", "),
            first.display(),
        );
        let mut finding = Finding::new(
            ID,
            Severity::Info,
            budget.selector_location.clone(),
            message,
        )
        .with_label("matches no pods")
        .with_help("make the selector's labels those of the pod template it should protect.");
        for workload in near {
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
