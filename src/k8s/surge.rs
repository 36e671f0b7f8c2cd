//! A Deployment's rolling update over its whole replica range (SEMANTICS.md §A.2), for the
//! rules whose pods hold something a surge pod cannot share (a host port, a volume, a node of
//! their own). The rule defers a [`DeploymentRollout`]; in the set pass, when the HPA is
//! known, [`DeploymentRollout::waiting`] says at which replica counts the rollout must start
//! a new pod before it may delete an old one.

use super::index::{Autoscaling, ObjectIndex, ObjectKey};
use super::object::{Object, Typed};
use super::rollout::{DeploymentStrategy, ResolvedRollout, RollingUpdate};
use crate::finding::{Finding, Location, ObjectRef};
use crate::yaml::{FieldPath, Target};

/// Replica counts evaluated in an HPA range; deadlock-prone counts are small (below 100/p
/// for a `p%` maxUnavailable), so the first thousand settle every case.
const MAX_EVALUATED_REPLICAS: i64 = 1000;

/// What a rollout rule needs of a RollingUpdate Deployment once HPAs are known.
#[derive(Debug, Clone)]
pub struct DeploymentRollout {
    pub object: ObjectRef,
    pub display: String,
    pub key: ObjectKey,
    pub replicas: Option<i32>,
    pub rolling: RollingUpdate,
    pub strategy_written: bool,
    /// `spec.strategy.rollingUpdate.maxUnavailable` (or its nearest parent).
    pub max_unavailable_location: Location,
    /// `spec.replicas` (or `spec`).
    pub replicas_location: Location,
}

/// The replica counts at which the rollout waits for a new pod.
#[derive(Debug, Clone, Copy)]
pub struct Waiting<'i> {
    /// The smallest such count, and its resolution.
    pub first: ResolvedRollout,
    /// The largest such count.
    pub last: ResolvedRollout,
    pub autoscaling: Option<&'i Autoscaling>,
}

/// The replica range of a workload: `[min, max]` of its HPA, else its replicas twice.
#[derive(Debug, Clone, Copy)]
pub struct ReplicaRange<'i> {
    pub low: i64,
    pub high: i64,
    pub autoscaling: Option<&'i Autoscaling>,
}

impl DeploymentRollout {
    /// A Deployment with a valid RollingUpdate strategy; None for anything else.
    pub fn of(object: &Object<'_, '_>) -> Option<DeploymentRollout> {
        let Typed::Deployment(deployment) = &object.typed else {
            return None;
        };
        let DeploymentStrategy::RollingUpdate(rolling) = DeploymentStrategy::of(deployment) else {
            return None;
        };
        Some(DeploymentRollout {
            object: object.reference(),
            display: object.display_name(),
            key: ObjectKey {
                namespace: object.namespace().map(str::to_string),
                kind: object.kind.clone(),
                name: object.name().unwrap_or_default().to_string(),
            },
            replicas: deployment.spec.replicas,
            rolling,
            strategy_written: deployment.spec.strategy.is_some(),
            max_unavailable_location: object.locate(&max_unavailable_path(), Target::Value),
            replicas_location: object
                .locate(&FieldPath::keys(&["spec", "replicas"]), Target::Value),
        })
    }

    pub fn range<'i>(&self, index: &'i ObjectIndex) -> ReplicaRange<'i> {
        replica_range(&self.key, self.replicas, self.replicas_location.file, index)
    }

    /// Where the rollout waits for a new pod, if anywhere in the replica range.
    /// None too when a Kustomize overlay patches the replicas, the strategy or the HPA (the
    /// base as written is not what is applied), and when a KEDA ScaledObject scales it (its
    /// range is not modelled).
    pub fn waiting<'i>(&self, index: &'i ObjectIndex) -> Option<Waiting<'i>> {
        let range = self.range(index);
        let patched = index.counts_patched(&self.key.kind, &self.key.name)
            || index.externally_scaled(&self.key)
            || range
                .autoscaling
                .is_some_and(|a| index.counts_patched("HorizontalPodAutoscaler", &a.hpa_name));
        if patched {
            return None;
        }
        Self::waiting_in(&self.rolling, range)
    }

    /// Where a rolling update waits for a new pod in `range`, whatever patches the input holds.
    pub fn waiting_in<'i>(rolling: &RollingUpdate, range: ReplicaRange<'i>) -> Option<Waiting<'i>> {
        let low = range.low.max(1);
        let waiting: Vec<ResolvedRollout> = (low..=range.high.min(low + MAX_EVALUATED_REPLICAS))
            .map(|replicas| rolling.resolve(replicas))
            .filter(ResolvedRollout::waits_for_new_pod)
            .collect();
        Some(Waiting {
            first: *waiting.first()?,
            last: *waiting.last()?,
            autoscaling: range.autoscaling,
        })
    }

    /// Why `maxUnavailable` resolves to 0, for the label at the strategy.
    pub fn strategy_label(&self, rollout: &ResolvedRollout) -> String {
        let replicas = rollout.replicas;
        if !self.strategy_written {
            format!(
                "no strategy: the default 25%/25% resolves to maxSurge {}, maxUnavailable 0 for {replicas} replica(s)",
                rollout.surge
            )
        } else if self.rolling.max_unavailable_written {
            format!(
                "maxUnavailable {} resolves to 0 for {replicas} replica(s)",
                self.rolling.max_unavailable
            )
        } else {
            format!("maxUnavailable defaults to 25%, which resolves to 0 for {replicas} replica(s)")
        }
    }

    /// The sentence every rollout message shares: the old pods stay until a new one is Ready.
    pub fn keeps_old_pods(&self, waiting: &Waiting<'_>) -> String {
        let mut text = Self::old_pods_kept(&waiting.first);
        text.push_str(&self.defaults_note(&waiting.first));
        text
    }

    /// "rolling update keeps all N old pod(s) until a new pod is Ready (…)".
    pub fn old_pods_kept(first: &ResolvedRollout) -> String {
        format!(
            "rolling update keeps all {} old pod(s) until a new pod is Ready (maxUnavailable resolves to 0, maxSurge to {})",
            first.replicas, first.surge
        )
    }

    /// How the defaults resolved when no strategy is written; empty otherwise.
    pub fn defaults_note(&self, first: &ResolvedRollout) -> String {
        if self.strategy_written {
            return String::new();
        }
        format!(
            " (strategy not set: defaults maxSurge=25%, maxUnavailable=25% resolve to {}/{} for {} replica(s))",
            first.surge, first.unavailable, first.replicas
        )
    }

    /// Adds what every rollout finding shows: the strategy, and the replicas or the HPA that
    /// decide the replica count; a sentence about the HPA goes to the message.
    pub fn explain(&self, finding: Finding, waiting: &Waiting<'_>) -> Finding {
        let finding = finding.with_related(
            self.max_unavailable_location.clone(),
            self.strategy_label(&waiting.first),
        );
        self.explain_replicas(finding, waiting)
    }

    /// Adds the replicas or the HPA that decide the replica count (a sentence about the HPA
    /// goes to the message).
    pub fn explain_replicas(&self, mut finding: Finding, waiting: &Waiting<'_>) -> Finding {
        let (first, last) = (waiting.first, waiting.last);
        match waiting.autoscaling {
            Some(a) => {
                finding.message.push_str(&format!(
                    " HorizontalPodAutoscaler {} scales it between {} and {} replicas; the rollout waits for a new pod at {}.",
                    a.hpa_name,
                    a.min_replicas,
                    a.max_replicas,
                    if first.replicas == last.replicas {
                        format!("{} replica(s)", first.replicas)
                    } else {
                        format!("≤ {} replicas", last.replicas)
                    }
                ));
                finding.with_related(
                    a.min_location.clone(),
                    format!(
                        "HorizontalPodAutoscaler {} allows {} replica(s)",
                        a.hpa_name, a.min_replicas
                    ),
                )
            }
            None if self.replicas.is_some() => finding.with_related(
                self.replicas_location.clone(),
                format!("{} replica(s)", first.replicas),
            ),
            None => finding,
        }
    }
}

/// `replicaRange` of SEMANTICS.md §0.9 for the workload `key` written in the file of
/// `location_file`.
pub fn replica_range<'i>(
    key: &ObjectKey,
    replicas: Option<i32>,
    file: crate::source::FileId,
    index: &'i ObjectIndex,
) -> ReplicaRange<'i> {
    let autoscaling = index.autoscaling(key, file);
    match autoscaling {
        Some(a) => ReplicaRange {
            low: i64::from(a.min_replicas),
            high: i64::from(a.max_replicas),
            autoscaling,
        },
        None => {
            let replicas = i64::from(replicas.unwrap_or(1));
            ReplicaRange {
                low: replicas,
                high: replicas,
                autoscaling: None,
            }
        }
    }
}

pub fn max_unavailable_path() -> FieldPath {
    FieldPath::keys(&["spec", "strategy", "rollingUpdate", "maxUnavailable"])
}

/// The strategies that never need a second copy of what a pod holds, as YAML for `help`.
pub fn recreate_or_one_by_one(what: &str) -> String {
    format!(
        "let old pods go first (brief downtime):\n\
         \x20 spec:\n\
         \x20   strategy:\n\
         \x20     type: Recreate\n\
         or replace one pod at a time, without an extra {what}:\n\
         \x20 spec:\n\
         \x20   strategy:\n\
         \x20     type: RollingUpdate\n\
         \x20     rollingUpdate:\n\
         \x20       maxSurge: 0\n\
         \x20       maxUnavailable: 1"
    )
}

/// The PersistentVolumeClaims a pod mounts by name (`volumes[].persistentVolumeClaim`), with
/// the path of each `claimName`. Generic ephemeral volumes are per pod and never shared.
pub fn claim_volumes(template: &super::object::PodTemplateView<'_>) -> Vec<(String, FieldPath)> {
    template
        .spec
        .volumes
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, volume)| {
            let claim = volume.persistent_volume_claim.as_ref()?;
            let path = template
                .spec_path
                .clone()
                .key("volumes")
                .index(i)
                .key("persistentVolumeClaim")
                .key("claimName");
            Some((claim.claim_name.clone(), path))
        })
        .collect()
}
