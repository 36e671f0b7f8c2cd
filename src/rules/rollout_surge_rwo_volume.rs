//! `rollout-surge-rwo-volume` (SEMANTICS.md §A.5): a Deployment that mounts a ReadWriteOnce
//! claim and starts the new pod before deleting the old one: if the new pod lands on another
//! node it waits forever for the volume ("Multi-Attach error").

use std::any::Any;

use super::rollout_surge_rwop_volume::ClaimCandidate;
use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Severity};
use crate::k8s::surge::recreate_or_one_by_one;
use crate::k8s::{Object, ObjectIndex};

pub const ID: &str = "rollout-surge-rwo-volume";

pub struct RolloutSurgeRwoVolume;

impl Rule for RolloutSurgeRwoVolume {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/rollout-surge-rwo-volume.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        if let Some(candidate) = ClaimCandidate::of(object) {
            cx.defer(candidate);
        }
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(candidate) = deferred.downcast::<ClaimCandidate>() else {
            return;
        };
        let rollout = &candidate.rollout;
        let Some(waiting) = rollout.waiting(index) else {
            return;
        };
        for (name, path, location) in &candidate.claims {
            let Some(claim) = index.claim(candidate.namespace.as_deref(), name, location.file)
            else {
                continue;
            };
            // Only a claim that is ReadWriteOnce and nothing else: RWX/ROX can be shared, and
            // ReadWriteOncePod is rollout-surge-rwop-volume.
            let only_rwo = !claim.access_modes.is_empty()
                && claim.access_modes.iter().all(|m| m == "ReadWriteOnce");
            if !only_rwo {
                continue;
            }
            let message = format!(
                "{}: PVC {name} is ReadWriteOnce: if the surge pod lands on another node it waits forever in \
                 ContainerCreating with \"Multi-Attach error\" (the volume is attached to the old pod's node), \
                 and the old pod is not removed first because maxUnavailable resolves to 0. The {}.",
                rollout.display,
                rollout.keeps_old_pods(&waiting)
            );
            let mut finding = Finding::new(ID, Severity::Warning, location.clone(), message)
                .with_label("the new pod needs this volume on its own node")
                .with_related(
                    claim.modes_location.clone(),
                    format!("PersistentVolumeClaim {name} is ReadWriteOnce: one node at a time"),
                )
                .with_help(format!(
                    "{}\nor use a StatefulSet with volumeClaimTemplates, or a storage class with ReadWriteMany.",
                    recreate_or_one_by_one("volume attachment")
                ));
            finding.path = Some(path.to_string());
            finding.object = Some(rollout.object.clone());
            cx.report(rollout.explain(finding, &waiting));
        }
    }
}
