//! `pdb-blocks-eviction` (SEMANTICS.md §B.3): a PodDisruptionBudget that allows no voluntary
//! disruption at the replica count its workloads run: `kubectl drain` and node upgrades retry
//! its evictions forever.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Severity};
use crate::k8s::disruption::{
    BudgetField, BudgetSpec, TargetPods, ZERO_DISRUPTION_INTENDED, target_pods,
};
use crate::k8s::intorstr::IntOrPercent;
use crate::k8s::{Object, ObjectIndex};

pub const ID: &str = "pdb-blocks-eviction";

pub struct PdbBlocksEviction;

impl Rule for PdbBlocksEviction {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/pdb-blocks-eviction.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        if let Some(spec) = BudgetSpec::of(object) {
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
        // A Kustomize overlay that patches these counts applies something else: the rendered
        // overlay is what to judge.
        let patched = |kind: &str, name: &str| index.counts_patched(kind, name);
        let budget_name = budget.object.name.as_deref().unwrap_or_default();
        if patched("PodDisruptionBudget", budget_name)
            || targets.iter().any(|w| {
                patched(&w.key.kind, &w.key.name)
                    || index
                        .autoscaling(&w.key, w.file())
                        .is_some_and(|a| patched("HorizontalPodAutoscaler", &a.hpa_name))
            })
        {
            return;
        }
        // maxUnavailable 0 blocks at any count, even one kubelint cannot see (DaemonSets).
        let always = matches!(
            budget.field,
            BudgetField::MaxUnavailable(IntOrPercent::Int(0) | IntOrPercent::Percent(0))
        );
        let counted: Option<Vec<TargetPods>> =
            targets.iter().map(|w| target_pods(w, index)).collect();
        let (worst, typical) = match &counted {
            Some(pods) => (
                pods.iter().map(|p| p.worst).sum::<i64>(),
                pods.iter().map(|p| p.typical).sum::<i64>(),
            ),
            None if always => (1, 1),
            None => return,
        };
        let blocks = |pods: i64| pods > 0 && budget.field.disruptions_allowed(pods) == 0;
        let replicas = if blocks(worst) {
            worst
        } else if blocks(typical) {
            typical
        } else {
            return;
        };
        let at_typical = blocks(typical);
        let severity = if at_typical && !budget.zero_intended {
            Severity::Error
        } else {
            Severity::Warning
        };
        let names: Vec<String> = targets.iter().map(|w| w.display()).collect();
        let field = budget.field;
        let desired = field.desired_healthy(replicas);
        let count = if counted.is_some() {
            format!(" at {replicas} replica(s)")
        } else {
            String::new()
        };
        let mut message = format!(
            "{}: allows 0 voluntary disruptions for {}{count} ({}={} ⇒ {} must stay healthy; percentages round \
             up). kubectl drain and node upgrades will retry forever (\"Cannot evict pod as it would violate \
             the pod's disruption budget\").",
            budget.display,
            names.join(", "),
            field.name(),
            field.value(),
            if counted.is_some() {
                format!("{desired} pod(s)")
            } else {
                "every pod".to_string()
            },
        );
        if !at_typical {
            message.push_str(&format!(
                " At the usual {typical} replica(s) it allows {}; it blocks when the autoscaler scales down to {worst}.",
                field.disruptions_allowed(typical)
            ));
        }
        if budget.zero_intended {
            message.push_str(&format!(
                " The annotation {ZERO_DISRUPTION_INTENDED}: \"true\" says this is deliberate; drains need a manual step."
            ));
        }
        let label = match field {
            BudgetField::MaxUnavailable(_) => "no pod may ever be evicted".to_string(),
            BudgetField::MinAvailable(_) => {
                format!("{desired} of {replicas} pod(s) must stay: none may be evicted")
            }
        };
        let mut finding = Finding::new(ID, severity, budget.field_location.clone(), message)
            .with_label(label)
            .with_help(
                "allow one pod at a time to be evicted, at any scale:\n\
                 \x20 spec:\n\
                 \x20   maxUnavailable: 1\n\
                 or keep minAvailable at most the replica count minus one at the smallest scale (the HPA's \
                 minReplicas), or run more replicas; for a single-replica app, accept the disruption (no PDB) \
                 or annotate the PDB with kubelint.io/zero-disruption-intended: \"true\" and document the manual \
                 drain procedure.",
            );
        for workload in &targets {
            let autoscaling = index.autoscaling(&workload.key, workload.file());
            let (location, text) = match (autoscaling, workload.pods) {
                (Some(a), _) => (
                    a.min_location.clone(),
                    format!(
                        "HorizontalPodAutoscaler {} scales {} down to {}",
                        a.hpa_name,
                        workload.display(),
                        a.min_replicas
                    ),
                ),
                (None, crate::k8s::selection::PodCount::Replicas(Some(n))) => (
                    workload.replicas_location.clone(),
                    format!("{} runs {n} replica(s)", workload.display()),
                ),
                (None, crate::k8s::selection::PodCount::Replicas(None)) => (
                    workload.replicas_location.clone(),
                    format!("{}: replicas not set, defaults to 1", workload.display()),
                ),
                (None, _) => (
                    workload.labels_location.clone(),
                    format!("pods of {}", workload.display()),
                ),
            };
            finding = finding.with_related(location, text);
        }
        finding.path = Some(budget.field_path.to_string());
        finding.object = Some(budget.object.clone());
        cx.report(finding);
    }
}
