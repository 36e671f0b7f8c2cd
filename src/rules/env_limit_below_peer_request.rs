//! `env-limit-below-peer-request` (SEMANTICS.md §E.4): a limit in one environment below what
//! another environment requests for the same container. The other environment declares that
//! the app needs at least that much to run; this one caps it below that.

use super::{Rule, SetContext};
use crate::env::compare::{
    Side, compared_with, container_label, effective, field_path, finding, groups, is_bytes,
    paired_containers,
};
use crate::finding::Severity;
use crate::k8s::ObjectIndex;
use crate::k8s::resources::is_extended_resource;

pub const ID: &str = "env-limit-below-peer-request";

pub struct EnvLimitBelowPeerRequest;

/// Memory (and other byte resources) below the need is an OOM kill; CPU below it is
/// throttling. Extended resources (GPUs) must have request = limit and their counts differ
/// between environments by design (model parallelism), so they are not compared.
fn severity(resource: &str) -> Option<Severity> {
    if resource == "cpu" {
        Some(Severity::Warning)
    } else if is_bytes(resource) {
        Some(Severity::Error)
    } else if is_extended_resource(resource) {
        None
    } else {
        Some(Severity::Warning)
    }
}

impl Rule for EnvLimitBelowPeerRequest {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/env-limit-below-peer-request.md")
    }

    fn check_set(&self, index: &ObjectIndex, cx: &mut SetContext<'_>) {
        let mut found = Vec::new();
        for group in groups(index, cx.config) {
            for container in paired_containers(&group) {
                for resource in &container.resources {
                    let Some(severity) = severity(resource) else {
                        continue;
                    };
                    for (w, c) in &container.members {
                        let Some(limit) = effective(index, w, c, Side::Limits, resource) else {
                            continue;
                        };
                        let peer = container
                            .members
                            .iter()
                            .filter(|(p, _)| compared_with(&w.environment, &p.environment))
                            .filter_map(|(p, pc)| {
                                effective(index, p, pc, Side::Requests, resource).map(|r| (*p, r))
                            })
                            .filter(|(_, r)| r.quantity() > limit.quantity())
                            .max_by(|a, b| a.1.quantity().cmp(b.1.quantity()));
                        let Some((peer, request)) = peer else {
                            continue;
                        };
                        let (env, peer_env) = (&w.environment, &peer.environment);
                        let (l, r) = (limit.quantity(), request.quantity());
                        let what = if *resource == "cpu" {
                            "the app is throttled below the CPU it needs: slow boots, gunicorn WORKER TIMEOUT, failing liveness probes"
                        } else if is_bytes(resource) {
                            "the kernel OOM-kills the app (SIGKILL, exit 137) before it has what it needs, and the pod restarts forever"
                        } else {
                            "the app is capped below what it needs"
                        };
                        let message = format!(
                            "{env} {} {}: limits.{resource}={l}{} is below {peer_env}'s requests.{resource}={r}{}. \
                             {peer_env} declares that the app needs at least {r} to run, and {env} caps it at {l}: {what}.",
                            w.display(),
                            container_label(container.name, container.init),
                            limit.note(),
                            request.note(),
                        );
                        let help = format!(
                            "raise limits.{resource} of {} in {env} to at least {r}, {peer_env}'s request; if {env} \
                             really needs less, lower {peer_env}'s request",
                            container_label(container.name, container.init),
                        );
                        found.push(
                            finding(
                                ID,
                                severity,
                                w,
                                limit.location(),
                                Some(&field_path(c, Side::Limits, resource)),
                                message,
                            )
                            .with_label(format!("below {peer_env}'s request of {r}"))
                            .with_help(help)
                            .with_related(
                                request.location().clone(),
                                format!("{peer_env}: requests.{resource}={r}{}", request.note()),
                            ),
                        );
                    }
                }
            }
        }
        for finding in found {
            cx.report(finding);
        }
    }
}
