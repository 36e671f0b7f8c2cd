//! `daemonset-surge-conflict` (SEMANTICS.md §A.7): a DaemonSet that surges starts each node's
//! new pod beside the old one on the same node and deletes the old one only when the new one is
//! available; a host port or a scarce resource the old pod holds blocks that node forever.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::config::ResourceCapacity;
use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::k8s::daemonset::DaemonSetRolling;
use crate::k8s::ports::host_ports;
use crate::k8s::resources::{is_scarce, pod_request, requested_resources};
use crate::k8s::surge::claim_volumes;
use crate::k8s::{Object, ObjectIndex, Typed};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "daemonset-surge-conflict";

pub struct DaemonsetSurgeConflict;

/// A surging DaemonSet's claims, to look up their access modes in the set pass.
struct ClaimCheck {
    object: ObjectRef,
    display: String,
    namespace: Option<String>,
    surge: String,
    surge_location: Location,
    claims: Vec<(String, FieldPath, Location)>,
}

const FIX: &str = "replace each node's pod in place (the default), or update on demand:\n\
\x20 updateStrategy:\n\
\x20   rollingUpdate:\n\
\x20     maxSurge: 0\n\
\x20     maxUnavailable: 1\n\
or\n\
\x20 updateStrategy:\n\
\x20   type: OnDelete";

impl Rule for DaemonsetSurgeConflict {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/daemonset-surge-conflict.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Typed::DaemonSet(daemon_set) = &object.typed else {
            return;
        };
        // An invalid combination is daemonset-surge-invalid's: the API server rejects it.
        let Some(rolling) = DaemonSetRolling::of(daemon_set).filter(|r| r.surges() && r.is_valid())
        else {
            return;
        };
        let Some(template) = object.pod_template() else {
            return;
        };
        let surge_path = FieldPath::keys(&["spec", "updateStrategy", "rollingUpdate", "maxSurge"]);
        let surge = rolling.max_surge.map(|s| s.to_string()).unwrap_or_default();
        let display = object.display_name();
        let claims: Vec<_> = claim_volumes(&template)
            .into_iter()
            .map(|(name, path)| {
                let location = object.locate(&path, Target::Value);
                (name, path, location)
            })
            .collect();
        if !claims.is_empty() {
            cx.defer(ClaimCheck {
                object: object.reference(),
                display: display.clone(),
                namespace: object.namespace().map(str::to_string),
                surge: surge.clone(),
                surge_location: object.locate(&surge_path, Target::Value),
                claims,
            });
        }
        if let Some(port) = host_ports(&template).first() {
            let via = if port.from_host_network {
                " (hostNetwork: true makes every containerPort a host port)"
            } else {
                ""
            };
            let finding = object
                .finding(
                    ID,
                    Severity::Error,
                    &surge_path,
                    Target::Value,
                    format!(
                        "{display}: DaemonSet surge on a pod with host port {port}{via}: the new pod is created on \
                         the same node as the old one and can never bind the port while the old pod runs there; the \
                         old pod is deleted only once the new one is available, so every node's update waits \
                         forever."
                    ),
                )
                .with_label(format!("maxSurge {surge}: new pod beside the old one on each node"))
                .with_help(FIX)
                .with_related(
                    object.locate(&port.path, Target::Value),
                    format!("host port {port}: one pod per node"),
                );
            cx.report(finding);
        }
        for resource in requested_resources(template.spec)
            .into_iter()
            .filter(|r| is_scarce(r))
        {
            let Some(request) = pod_request(template.spec, &resource, &template.spec_path) else {
                continue;
            };
            let Some(source) = request.sources.first() else {
                continue;
            };
            let need = &request.total;
            let capacity = &cx.config.capacity;
            let known_short = capacity.extended_resources.get(&resource).is_some_and(
                |&ResourceCapacity {
                     free_per_node,
                     free_total,
                 }| {
                    free_per_node
                        .or(free_total)
                        .is_some_and(|free| i128::from(free) < need.value())
                },
            );
            let severity = if known_short || capacity.assume_no_spare {
                Severity::Error
            } else {
                Severity::Warning
            };
            let finding = object
                .finding(
                    ID,
                    severity,
                    &surge_path,
                    Target::Value,
                    format!(
                        "{display}: DaemonSet surge creates the new pod on the same node before deleting the old one; \
                         each node needs {need} more {resource} free besides the old pod's {need}, or that node's \
                         update never completes, and the rollout stops once maxSurge nodes are stuck."
                    ),
                )
                .with_label(format!("maxSurge {surge}: new pod beside the old one on each node"))
                .with_help(FIX)
                .with_related(
                    object.locate(&source.path, Target::Value),
                    format!("each pod needs {need} {resource}"),
                );
            cx.report(finding);
        }
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(check) = deferred.downcast::<ClaimCheck>() else {
            return;
        };
        for (name, _, location) in &check.claims {
            let Some(claim) = index.claim(check.namespace.as_deref(), name, location.file) else {
                continue;
            };
            if !claim.access_modes.iter().any(|m| m == "ReadWriteOncePod") {
                continue;
            }
            let mut finding = Finding::new(
                ID,
                Severity::Error,
                check.surge_location.clone(),
                format!(
                    "{}: DaemonSet surge starts each node's new pod while the old one runs, but PVC {name} is \
                     ReadWriteOncePod: only one pod in the cluster may use it (\"node has pod using \
                     PersistentVolumeClaim with the same name and ReadWriteOncePod access mode\"), so the new pod \
                     never starts and the update never completes.",
                    check.display
                ),
            )
            .with_label(format!("maxSurge {}: new pod beside the old one on each node", check.surge))
            .with_help(FIX)
            .with_related(location.clone(), "every pod mounts this claim")
            .with_related(
                claim.modes_location.clone(),
                format!("PersistentVolumeClaim {name} is ReadWriteOncePod"),
            );
            finding.path = Some(
                FieldPath::keys(&["spec", "updateStrategy", "rollingUpdate", "maxSurge"])
                    .to_string(),
            );
            finding.object = Some(check.object.clone());
            cx.report(finding);
        }
    }
}
