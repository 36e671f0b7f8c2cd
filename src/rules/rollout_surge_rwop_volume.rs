//! `rollout-surge-rwop-volume` (SEMANTICS.md §A.5): a Deployment that mounts a
//! ReadWriteOncePod claim can run only one pod at a time, so a rolling update that starts the
//! new pod before deleting the old one can never complete, and a second replica never starts.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Location, Severity};
use crate::k8s::surge::{DeploymentRollout, claim_volumes};
use crate::k8s::{Object, ObjectIndex};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "rollout-surge-rwop-volume";

pub struct RolloutSurgeRwopVolume;

/// A RollingUpdate Deployment and the claims it mounts, for the set pass.
pub(crate) struct ClaimCandidate {
    pub rollout: DeploymentRollout,
    pub namespace: Option<String>,
    pub claims: Vec<(String, FieldPath, Location)>,
}

impl ClaimCandidate {
    pub fn of(object: &Object<'_, '_>) -> Option<ClaimCandidate> {
        let rollout = DeploymentRollout::of(object)?;
        let template = object.pod_template()?;
        let claims: Vec<_> = claim_volumes(&template)
            .into_iter()
            .map(|(name, path)| {
                let location = object.locate(&path, Target::Value);
                (name, path, location)
            })
            .collect();
        (!claims.is_empty()).then(|| ClaimCandidate {
            rollout,
            namespace: object.namespace().map(str::to_string),
            claims,
        })
    }
}

const FIX: &str = "let the old pod go first (standard for single-writer volumes):\n\
\x20 spec:\n\
\x20   strategy:\n\
\x20     type: Recreate\n\
or use a StatefulSet with volumeClaimTemplates (a claim per pod; it deletes before it creates), \
or a storage class with ReadWriteMany.";

impl Rule for RolloutSurgeRwopVolume {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/rollout-surge-rwop-volume.md")
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
        for (name, path, location) in &candidate.claims {
            let Some(claim) = index.claim(candidate.namespace.as_deref(), name, location.file)
            else {
                continue;
            };
            if !claim.access_modes.iter().any(|m| m == "ReadWriteOncePod") {
                continue;
            }
            let claim_label = format!("PersistentVolumeClaim {name} is ReadWriteOncePod");
            let finding = if let Some(waiting) = rollout.waiting(index) {
                let message = format!(
                    "{}: PVC {name} is ReadWriteOncePod: only one pod in the cluster may use it, so the surge pod can \
                     never be scheduled while the old pod runs (\"node has pod using PersistentVolumeClaim with the \
                     same name and ReadWriteOncePod access mode\"). The {}; the rollout cannot complete.",
                    rollout.display,
                    rollout.keeps_old_pods(&waiting)
                );
                let finding = Finding::new(ID, Severity::Error, location.clone(), message)
                    .with_label("the new pod needs this claim while the old pod holds it")
                    .with_related(claim.modes_location.clone(), claim_label);
                rollout.explain(finding, &waiting)
            } else {
                let range = rollout.range(index);
                if range.high <= 1 {
                    continue;
                }
                let message = format!(
                    "{}: PVC {name} is ReadWriteOncePod: only one pod in the cluster may use it, but the Deployment \
                     runs up to {} replicas; every pod after the first stays Pending (\"node has pod using \
                     PersistentVolumeClaim with the same name and ReadWriteOncePod access mode\").",
                    rollout.display, range.high
                );
                let mut finding = Finding::new(ID, Severity::Error, location.clone(), message)
                    .with_label("every replica mounts this one claim")
                    .with_related(claim.modes_location.clone(), claim_label);
                finding = match range.autoscaling {
                    Some(a) => finding.with_related(
                        a.min_location.clone(),
                        format!(
                            "HorizontalPodAutoscaler {} scales up to {} replicas",
                            a.hpa_name, a.max_replicas
                        ),
                    ),
                    None => finding.with_related(
                        rollout.replicas_location.clone(),
                        format!("{} replicas", range.high),
                    ),
                };
                finding
            };
            let mut finding = finding.with_help(FIX);
            finding.path = Some(path.to_string());
            finding.object = Some(rollout.object.clone());
            cx.report(finding);
        }
    }
}
