//! PodDisruptionBudget arithmetic (SEMANTICS.md §B.1), as pkg/controller/disruption computes
//! `desiredHealthy` and `disruptionsAllowed`, and what the PDB rules defer to the set pass.

use super::index::ObjectIndex;
use super::intorstr::IntOrPercent;
use super::object::{Object, Typed};
use super::selection::{ObjectId, PodCount, Workload};
use super::surge::replica_range;
use crate::finding::{Location, ObjectRef};
use crate::yaml::{FieldPath, Target};

/// The annotation that records a deliberate zero-disruption budget (§B.3).
pub const ZERO_DISRUPTION_INTENDED: &str = "kubelint.io/zero-disruption-intended";

/// Which field of the budget decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetField {
    MinAvailable(IntOrPercent),
    MaxUnavailable(IntOrPercent),
}

impl BudgetField {
    /// `desiredHealthy` for `expected` pods: minAvailable (a percentage rounds up), or
    /// `expected − maxUnavailable` (a percentage of maxUnavailable rounds up too).
    pub fn desired_healthy(self, expected: i64) -> i64 {
        match self {
            BudgetField::MinAvailable(value) => value.scale(expected, true),
            BudgetField::MaxUnavailable(value) => (expected - value.scale(expected, true)).max(0),
        }
    }

    /// `disruptionsAllowed` with every one of `expected` pods healthy.
    pub fn disruptions_allowed(self, expected: i64) -> i64 {
        if expected <= 0 {
            return 0;
        }
        (expected - self.desired_healthy(expected)).max(0)
    }

    /// Percentages and maxUnavailable need the controllers' scale (`getExpectedScale`).
    pub fn needs_scale(self) -> bool {
        !matches!(self, BudgetField::MinAvailable(IntOrPercent::Int(_)))
    }

    pub fn name(self) -> &'static str {
        match self {
            BudgetField::MinAvailable(_) => "minAvailable",
            BudgetField::MaxUnavailable(_) => "maxUnavailable",
        }
    }

    pub fn value(self) -> IntOrPercent {
        match self {
            BudgetField::MinAvailable(v) | BudgetField::MaxUnavailable(v) => v,
        }
    }
}

/// A valid PDB's decisive field and where things are, for the set pass.
#[derive(Debug, Clone)]
pub struct BudgetSpec {
    pub id: ObjectId,
    pub object: ObjectRef,
    pub display: String,
    pub field: BudgetField,
    /// The value of the decisive field.
    pub field_location: Location,
    pub field_path: FieldPath,
    /// `unhealthyPodEvictionPolicy` as written.
    pub unhealthy_policy: Option<String>,
    pub unhealthy_policy_location: Location,
    pub zero_intended: bool,
}

impl BudgetSpec {
    /// A PDB with exactly one of minAvailable / maxUnavailable, valid (pdb-invalid and
    /// intorstr-invalid report the others).
    pub fn of(object: &Object<'_, '_>) -> Option<BudgetSpec> {
        let Typed::PodDisruptionBudget(pdb) = &object.typed else {
            return None;
        };
        let spec = pdb.spec.as_ref()?;
        let (field, name) = match (&spec.min_available, &spec.max_unavailable) {
            (Some(min), None) => (
                BudgetField::MinAvailable(IntOrPercent::parse(min).ok()?),
                "minAvailable",
            ),
            (None, Some(max)) => (
                BudgetField::MaxUnavailable(IntOrPercent::parse(max).ok()?),
                "maxUnavailable",
            ),
            _ => return None,
        };
        let valid = match field.value() {
            IntOrPercent::Int(n) => n >= 0,
            IntOrPercent::Percent(p) => p <= 100,
        };
        if !valid {
            return None;
        }
        let field_path = FieldPath::keys(&["spec"]).key(name);
        Some(BudgetSpec {
            id: ObjectId::of(object),
            object: object.reference(),
            display: object.display_name(),
            field,
            field_location: object.locate(&field_path, Target::Value),
            field_path,
            unhealthy_policy: spec.unhealthy_pod_eviction_policy.clone(),
            unhealthy_policy_location: object.locate(
                &FieldPath::keys(&["spec", "unhealthyPodEvictionPolicy"]),
                Target::Value,
            ),
            zero_intended: object
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(ZERO_DISRUPTION_INTENDED))
                .is_some_and(|v| v == "true"),
        })
    }
}

/// How many pods one selected workload contributes (§B.2): at its smallest (the HPA's
/// minReplicas) and as usually run (spec.replicas, kept inside the HPA's range). None for a
/// DaemonSet, whose pod count is its number of eligible nodes, and for a workload a KEDA
/// ScaledObject scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetPods {
    pub worst: i64,
    pub typical: i64,
}

pub fn target_pods(workload: &Workload, index: &ObjectIndex) -> Option<TargetPods> {
    // KEDA decides the count; kubelint does not model its range.
    if index.externally_scaled(&workload.key) {
        return None;
    }
    match workload.pods {
        PodCount::PerNode => None,
        PodCount::Single => Some(TargetPods {
            worst: 1,
            typical: 1,
        }),
        PodCount::Replicas(replicas) => {
            let range = replica_range(&workload.key, replicas, workload.file(), index);
            let base = i64::from(replicas.unwrap_or(1));
            Some(TargetPods {
                worst: range.low,
                typical: base.clamp(range.low, range.high.max(range.low)),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min(v: IntOrPercent) -> BudgetField {
        BudgetField::MinAvailable(v)
    }

    fn max(v: IntOrPercent) -> BudgetField {
        BudgetField::MaxUnavailable(v)
    }

    use IntOrPercent::{Int, Percent};

    #[test]
    fn percentages_round_up_as_the_disruption_controller_does() {
        // minAvailable 50% of 1 replica: desired 1, nothing may go.
        assert_eq!(min(Percent(50)).disruptions_allowed(1), 0);
        // minAvailable 90% blocks every count up to 9, not 10.
        for replicas in 1..=9 {
            assert_eq!(
                min(Percent(90)).disruptions_allowed(replicas),
                0,
                "{replicas}"
            );
        }
        assert_eq!(min(Percent(90)).disruptions_allowed(10), 1);
        // maxUnavailable 10% rounds up to at least one.
        for replicas in 1..=20 {
            assert!(
                max(Percent(10)).disruptions_allowed(replicas) >= 1,
                "{replicas}"
            );
        }
        assert_eq!(max(Percent(0)).disruptions_allowed(5), 0);
        assert_eq!(max(Int(0)).disruptions_allowed(5), 0);
        assert_eq!(max(Int(1)).disruptions_allowed(3), 1);
        assert_eq!(min(Int(1)).disruptions_allowed(1), 0);
        assert_eq!(min(Int(1)).disruptions_allowed(2), 1);
        assert_eq!(min(Percent(100)).disruptions_allowed(7), 0);
        assert_eq!(min(Int(0)).disruptions_allowed(0), 0);
    }

    #[test]
    fn only_integer_min_available_works_without_scale() {
        assert!(!min(Int(1)).needs_scale());
        assert!(min(Percent(50)).needs_scale());
        assert!(max(Int(1)).needs_scale());
    }
}
