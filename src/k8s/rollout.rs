//! How a Deployment rolls out (SEMANTICS.md §A.1–§A.2): defaults, IntOrString scaling and the
//! controller's fencepost, as pkg/controller/deployment/util `ResolveFenceposts` computes them.

use k8s_openapi::api::apps::v1::Deployment;

use super::intorstr::{IntOrPercent, InvalidIntOrPercent};

/// The default of both `maxSurge` and `maxUnavailable` (`SetDefaults_Deployment`).
pub const DEFAULT_ROLLING_PERCENT: IntOrPercent = IntOrPercent::Percent(25);

/// A Deployment's rolling-update parameters after defaulting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollingUpdate {
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
    /// Whether each value was written (false: the 25% default applies).
    pub max_surge_written: bool,
    pub max_unavailable_written: bool,
}

/// What the API server makes of `spec.strategy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentStrategy {
    /// Old pods are killed before new ones start: no surge.
    Recreate,
    RollingUpdate(RollingUpdate),
    /// The API server rejects the strategy; other rules report why.
    Invalid,
}

/// The resolved rollout at one replica count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedRollout {
    pub replicas: i64,
    pub surge: i64,
    pub unavailable: i64,
}

impl ResolvedRollout {
    /// No old pod may go before a new one is available, and a new pod must be added: the
    /// rollout needs spare room for the new pod or it never moves.
    pub fn waits_for_new_pod(&self) -> bool {
        self.unavailable == 0 && self.surge >= 1
    }
}

impl DeploymentStrategy {
    pub fn of(deployment: &Deployment) -> Self {
        let strategy = deployment.spec.strategy.as_ref();
        let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
        match strategy.and_then(|s| s.type_.as_deref()) {
            Some("Recreate") if rolling.is_none() => return DeploymentStrategy::Recreate,
            None | Some("RollingUpdate") => {}
            Some(_) => return DeploymentStrategy::Invalid,
        }
        let parse = |value: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| {
            value
                .map(IntOrPercent::parse)
                .transpose()
                .map(|v| (v.unwrap_or(DEFAULT_ROLLING_PERCENT), v.is_some()))
        };
        let parsed: Result<_, InvalidIntOrPercent> = (|| {
            let (max_surge, max_surge_written) = parse(rolling.and_then(|r| r.max_surge.as_ref()))?;
            let (max_unavailable, max_unavailable_written) =
                parse(rolling.and_then(|r| r.max_unavailable.as_ref()))?;
            Ok(RollingUpdate {
                max_surge,
                max_unavailable,
                max_surge_written,
                max_unavailable_written,
            })
        })();
        match parsed {
            // Validation rejects literal zeros for both ("may not be 0 when maxSurge is 0").
            Ok(r) if r.max_surge.is_zero() && r.max_unavailable.is_zero() => {
                DeploymentStrategy::Invalid
            }
            Ok(r) => DeploymentStrategy::RollingUpdate(r),
            Err(_) => DeploymentStrategy::Invalid,
        }
    }
}

impl RollingUpdate {
    /// `ResolveFenceposts`: surge rounds up, unavailable rounds down; when both are 0,
    /// unavailable becomes 1; unavailable never exceeds the replica count.
    pub fn resolve(&self, replicas: i64) -> ResolvedRollout {
        let surge = self.max_surge.scale(replicas, true);
        let mut unavailable = self.max_unavailable.scale(replicas, false);
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        ResolvedRollout {
            replicas,
            surge,
            unavailable: unavailable.min(replicas),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rolling(surge: IntOrPercent, unavailable: IntOrPercent) -> RollingUpdate {
        RollingUpdate {
            max_surge: surge,
            max_unavailable: unavailable,
            max_surge_written: true,
            max_unavailable_written: true,
        }
    }

    #[test]
    fn default_percentages_wait_for_a_new_pod_below_four_replicas() {
        let defaults = rolling(DEFAULT_ROLLING_PERCENT, DEFAULT_ROLLING_PERCENT);
        for replicas in 1..=3 {
            assert!(defaults.resolve(replicas).waits_for_new_pod(), "{replicas}");
        }
        for replicas in 4..=8 {
            assert!(
                !defaults.resolve(replicas).waits_for_new_pod(),
                "{replicas}"
            );
        }
    }

    #[test]
    fn fencepost_makes_unavailable_one_when_both_round_to_zero() {
        let tiny = rolling(IntOrPercent::Percent(0), IntOrPercent::Percent(10));
        let resolved = tiny.resolve(3);
        assert_eq!((resolved.surge, resolved.unavailable), (0, 1));
        assert!(!resolved.waits_for_new_pod());
    }

    #[test]
    fn one_percent_each_is_legal_and_deadlock_prone_at_small_counts() {
        let one = rolling(IntOrPercent::Percent(1), IntOrPercent::Percent(1));
        assert!(one.resolve(99).waits_for_new_pod());
        assert!(!one.resolve(100).waits_for_new_pod());
    }

    #[test]
    fn unavailable_is_clamped_to_replicas() {
        let big = rolling(IntOrPercent::Int(0), IntOrPercent::Int(5));
        assert_eq!(big.resolve(2).unavailable, 2);
    }
}
