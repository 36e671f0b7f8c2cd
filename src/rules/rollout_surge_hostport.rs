//! `rollout-surge-hostport` (SEMANTICS.md §A.4): a Deployment whose pods bind a host port and
//! whose rolling update starts a new pod before deleting an old one needs a node where that
//! port is free; when every eligible node already runs one of its pods, the rollout never ends.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Finding, Location, Severity};
use crate::k8s::ports::{HostPort, host_ports};
use crate::k8s::surge::{DeploymentRollout, recreate_or_one_by_one};
use crate::k8s::{Object, ObjectIndex};
use crate::yaml::Target;

pub const ID: &str = "rollout-surge-hostport";

pub struct RolloutSurgeHostport;

struct Candidate {
    rollout: DeploymentRollout,
    ports: Vec<(HostPort, Location)>,
}

impl Rule for RolloutSurgeHostport {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/rollout-surge-hostport.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(rollout) = DeploymentRollout::of(object) else {
            return;
        };
        let Some(template) = object.pod_template() else {
            return;
        };
        let ports: Vec<(HostPort, Location)> = host_ports(&template)
            .into_iter()
            .map(|port| {
                let location = object.locate(&port.path, Target::Value);
                (port, location)
            })
            .collect();
        if !ports.is_empty() {
            cx.defer(Candidate { rollout, ports });
        }
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(candidate) = deferred.downcast::<Candidate>() else {
            return;
        };
        let rollout = &candidate.rollout;
        let Some(waiting) = rollout.waiting(index) else {
            return;
        };
        let Some((port, location)) = candidate.ports.first() else {
            return;
        };
        let list: Vec<String> = candidate.ports.iter().map(|(p, _)| p.to_string()).collect();
        let (replicas, surge) = (waiting.first.replicas, waiting.first.surge);
        let via = if port.from_host_network {
            " (hostNetwork: true makes every containerPort a host port)"
        } else {
            ""
        };
        let message = format!(
            "{}: binds host port {}{via}; at most one pod per node can hold it. The {}. A rollout needs {} eligible \
             nodes ({} for full speed): if the Deployment already occupies every eligible node, the new pod stays \
             Pending (\"node(s) didn't have free ports for the requested pod ports\") and the rollout never \
             finishes.",
            rollout.display,
            list.join(", "),
            rollout.keeps_old_pods(&waiting),
            replicas + 1,
            replicas + surge,
        );
        let label = if port.from_host_network {
            format!("hostNetwork: container port {port} is a host port: one pod per node")
        } else {
            format!("host port {port}: one pod per node")
        };
        let mut finding = Finding::new(ID, Severity::Warning, location.clone(), message)
            .with_label(label)
            .with_help(format!(
                "reach the pods through a Service (ClusterIP or NodePort) instead of a host port, or\n{}\n\
                 or keep the surge only where {} eligible nodes are guaranteed.",
                recreate_or_one_by_one("node"),
                replicas + 1
            ));
        finding.path = Some(port.path.to_string());
        finding.object = Some(rollout.object.clone());
        cx.report(rollout.explain(finding, &waiting));
    }
}
