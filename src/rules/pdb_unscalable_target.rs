//! `pdb-unscalable-target` (SEMANTICS.md §B.3): a percentage or `maxUnavailable` needs the
//! scale of the pods' controller; DaemonSets and bare Pods have none, so the disruption
//! controller sets `disruptionsAllowed` to 0 and every eviction is refused.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Severity};
use crate::k8s::disruption::BudgetSpec;
use crate::k8s::selection::PodCount;
use crate::k8s::{Object, ObjectIndex};

pub const ID: &str = "pdb-unscalable-target";

pub struct PdbUnscalableTarget;

impl Rule for PdbUnscalableTarget {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/pdb-unscalable-target.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        if let Some(spec) = BudgetSpec::of(object)
            && spec.field.needs_scale()
        {
            cx.defer(spec);
        }
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(budget) = deferred.downcast::<BudgetSpec>() else {
            return;
        };
        let unscalable: Vec<_> = index
            .budget_targets(budget.id)
            .into_iter()
            .filter(|w| matches!(w.pods, PodCount::PerNode | PodCount::Single))
            .collect();
        if unscalable.is_empty() {
            return;
        }
        let names: Vec<String> = unscalable.iter().map(|w| w.display()).collect();
        let field = budget.field;
        let message = format!(
            "{}: {}={} needs the scale of the pods' controller, but {} {} no controller with a scale \
             subresource: the disruption \
             controller cannot count the expected pods and keeps disruptionsAllowed at 0, so every eviction is \
             refused and drains wait forever.",
            budget.display,
            field.name(),
            field.value(),
            names.join(", "),
            if names.len() == 1 { "has" } else { "have" },
        );
        let mut finding = Finding::new(ID, Severity::Warning, budget.field_location.clone(), message)
            .with_label("needs a controller with a scale subresource")
            .with_help(
                "for pods of a DaemonSet, an operator or bare Pods, only an integer minAvailable works:\n\
                 \x20 spec:\n\
                 \x20   minAvailable: 1",
            );
        for workload in unscalable {
            finding = finding.with_related(
                workload.labels_location.clone(),
                match workload.pods {
                    PodCount::Single => {
                        format!("{} is a bare Pod: no controller", workload.display())
                    }
                    _ => format!("{} has no scale subresource", workload.display()),
                },
            );
        }
        finding.path = Some(budget.field_path.to_string());
        finding.object = Some(budget.object.clone());
        cx.report(finding);
    }
}
