//! `daemonset-surge-conflict` (SEMANTICS.md §A.7): a DaemonSet that surges starts each node's
//! new pod beside the old one on the same node and deletes the old one only when the new one is
//! available; a host port or a scarce resource the old pod holds blocks that node forever.

use super::{ObjectContext, Rule};
use crate::config::ResourceCapacity;
use crate::finding::Severity;
use crate::k8s::daemonset::DaemonSetRolling;
use crate::k8s::ports::host_ports;
use crate::k8s::resources::{is_scarce, pod_request, requested_resources};
use crate::k8s::{Object, Typed};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "daemonset-surge-conflict";

pub struct DaemonsetSurgeConflict;

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
}
