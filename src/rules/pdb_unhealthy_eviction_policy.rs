//! `pdb-unhealthy-eviction-policy` (SEMANTICS.md §B.6): without
//! `unhealthyPodEvictionPolicy: AlwaysAllow`, a budget refuses to evict even crash-looping pods
//! once too few pods are healthy, so a drain waits on an app that is already broken.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Severity};
use crate::k8s::disruption::{BudgetField, BudgetSpec, TargetPods, target_pods};
use crate::k8s::intorstr::IntOrPercent;
use crate::k8s::{Object, ObjectIndex};

pub const ID: &str = "pdb-unhealthy-eviction-policy";

pub struct PdbUnhealthyEvictionPolicy;

impl Rule for PdbUnhealthyEvictionPolicy {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/pdb-unhealthy-eviction-policy.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        if let Some(spec) = BudgetSpec::of(object)
            && spec.unhealthy_policy.as_deref() != Some("AlwaysAllow")
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
        let targets = index.budget_targets(budget.id);
        if targets.is_empty() {
            return;
        }
        let counted: Option<Vec<TargetPods>> =
            targets.iter().map(|w| target_pods(w, index)).collect();
        let desired = match (counted, budget.field) {
            (Some(pods), field) => field.desired_healthy(pods.iter().map(|p| p.typical).sum()),
            (None, BudgetField::MinAvailable(IntOrPercent::Int(n))) => n,
            (None, _) => return,
        };
        // A budget that never needs a healthy pod never blocks.
        if desired < 1 {
            return;
        }
        let names: Vec<String> = targets.iter().map(|w| w.display()).collect();
        let written = budget.unhealthy_policy.is_some();
        let message = format!(
            "{}: unhealthyPodEvictionPolicy {}: when fewer than {desired} pod(s) of {} are \
             healthy — crash-looping pods are Running but not Ready — the budget refuses to evict even the broken \
             pods, so a node drain waits on an app that is already down.",
            budget.display,
            if written {
                "is IfHealthyBudget"
            } else {
                "is not set and behaves as IfHealthyBudget"
            },
            names.join(", "),
        );
        let mut finding = Finding::new(
            ID,
            Severity::Info,
            if written {
                budget.unhealthy_policy_location.clone()
            } else {
                budget.field_location.clone()
            },
            message,
        )
        .with_label(format!("{desired} healthy pod(s) needed before any eviction"))
        .with_help(
            "let drains evict pods that are not Ready (the Kubernetes documentation recommends it):\n\
             \x20 spec:\n\
             \x20   unhealthyPodEvictionPolicy: AlwaysAllow",
        );
        finding.path = Some(if written {
            "spec.unhealthyPodEvictionPolicy".to_string()
        } else {
            budget.field_path.to_string()
        });
        finding.object = Some(budget.object.clone());
        cx.report(finding);
    }
}
