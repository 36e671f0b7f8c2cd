//! A DaemonSet's rolling update (SEMANTICS.md §A.1 "DaemonSet", §A.7): defaults maxUnavailable
//! 1 and maxSurge 0, exactly one of them may be non-zero, and a non-zero maxSurge replaces each
//! node's pod by starting the new one beside the old one on the same node.

use k8s_openapi::api::apps::v1::DaemonSet;

use super::intorstr::IntOrPercent;

/// The parsed `spec.updateStrategy.rollingUpdate` of a RollingUpdate DaemonSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaemonSetRolling {
    /// None when absent (the default 0).
    pub max_surge: Option<IntOrPercent>,
    /// None when absent (the default 1).
    pub max_unavailable: Option<IntOrPercent>,
}

impl DaemonSetRolling {
    /// None for `OnDelete` (or another type) and for values that are no valid IntOrString
    /// (rule intorstr-invalid reports those).
    pub fn of(daemon_set: &DaemonSet) -> Option<DaemonSetRolling> {
        let strategy = daemon_set.spec.update_strategy.as_ref();
        match strategy.and_then(|s| s.type_.as_deref()) {
            None | Some("RollingUpdate") => {}
            Some(_) => return None,
        }
        let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
        let parse = |value: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| {
            value.map(IntOrPercent::parse).transpose().ok()
        };
        Some(DaemonSetRolling {
            max_surge: parse(rolling.and_then(|r| r.max_surge.as_ref()))?,
            max_unavailable: parse(rolling.and_then(|r| r.max_unavailable.as_ref()))?,
        })
    }

    /// `getIntOrPercentValue(maxSurge) != 0`: the controller surges per node.
    pub fn surges(&self) -> bool {
        self.max_surge.is_some_and(|s| !s.is_zero())
    }

    /// The effective maxUnavailable: the default is 1.
    pub fn unavailable(&self) -> IntOrPercent {
        self.max_unavailable.unwrap_or(IntOrPercent::Int(1))
    }

    /// `ValidateRollingUpdateDaemonSet`: exactly one of the two must be non-zero (surging
    /// requires maxUnavailable 0, not surging requires it non-zero).
    pub fn is_valid(&self) -> bool {
        self.surges() == self.unavailable().is_zero()
    }
}
