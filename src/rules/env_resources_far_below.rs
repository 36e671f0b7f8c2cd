//! `env-resources-far-below` (SEMANTICS.md §E.3): a request or limit in one environment far
//! below the same workload's in another, the environment that was left behind when the
//! app's needs grew.

use super::{Rule, SetContext};
use crate::env::Environments;
use crate::env::compare::{
    Side, compared_with, container_label, effective, field_path, finding, groups,
    paired_containers, percent, scaled,
};
use crate::finding::Severity;
use crate::k8s::ObjectIndex;

pub const ID: &str = "env-resources-far-below";

pub struct EnvResourcesFarBelow;

/// What running short of a resource does to the pods.
fn consequence(resource: &str, side: Side) -> &'static str {
    match (resource, side) {
        ("cpu", Side::Limits) => {
            "pods here are throttled: slow boots, gunicorn workers that time out (WORKER TIMEOUT) and liveness probes that fail"
        }
        ("cpu", Side::Requests) => {
            "pods here are guaranteed far less CPU: on a busy node they boot slowly and gunicorn workers time out"
        }
        ("memory", Side::Limits) => {
            "pods here are OOM-killed (SIGKILL, exit 137) and restart forever"
        }
        ("memory", Side::Requests) => {
            "pods here are scheduled with far less memory reserved and are the first evicted under node pressure"
        }
        ("ephemeral-storage", _) => "pods here are evicted when they write more than that",
        _ => "pods here get far less of it than the app needs elsewhere",
    }
}

impl Rule for EnvResourcesFarBelow {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/env-resources-far-below.md")
    }

    fn check_set(&self, index: &ObjectIndex, cx: &mut SetContext<'_>) {
        let thresholds = cx.config.thresholds;
        let mut found = Vec::new();
        for group in groups(index, cx.config) {
            for container in paired_containers(&group) {
                for resource in &container.resources {
                    for side in Side::BOTH {
                        let values: Vec<_> = container
                            .members
                            .iter()
                            .filter_map(|(w, c)| {
                                effective(index, w, c, side, resource).map(|v| (*w, *c, v))
                            })
                            .collect();
                        for (w, c, value) in &values {
                            if w.ratio_ok.iter().any(|r| r == resource) {
                                continue;
                            }
                            let Some((peer, peer_value)) = values
                                .iter()
                                .filter(|(p, _, _)| compared_with(&w.environment, &p.environment))
                                .map(|(p, _, v)| (p, v))
                                .max_by(|a, b| a.1.quantity().cmp(b.1.quantity()))
                            else {
                                continue;
                            };
                            let peer_max = peer_value.quantity().as_f64();
                            if peer_max <= 0.0 {
                                continue;
                            }
                            let ratio = value.quantity().as_f64() / peer_max;
                            let warn_below =
                                Environments::min_ratio(&cx.config.environments, &w.environment)
                                    .unwrap_or(thresholds.env_far_below_ratio.0);
                            let severity = if ratio < thresholds.env_far_below_error_ratio.0 {
                                Severity::Error
                            } else if ratio < warn_below {
                                Severity::Warning
                            } else {
                                continue;
                            };
                            let (env, peer_env) = (&w.environment, &peer.environment);
                            let field = format!("{side}.{resource}");
                            let (v, p) = (value.quantity(), peer_value.quantity());
                            let message = format!(
                                "{env} {} {}: {field}={v}{} is {} of {peer_env}'s {p}{}. If the app's needs grew \
                                 since {env} was sized, {}.",
                                w.display(),
                                container_label(container.name, container.init),
                                value.note(),
                                percent(ratio),
                                peer_value.note(),
                                consequence(resource, side),
                            );
                            let help = format!(
                                "raise {field} of {} in {env} to at least {} ({} of {peer_env}'s {p}), or, if {env} is \
                                 meant to be smaller, say so on the workload:\n\
                                 \x20 metadata:\n\
                                 \x20   annotations:\n\
                                 \x20     kubelint.io/env-ratio-ok: \"{resource}\"",
                                container_label(container.name, container.init),
                                scaled(resource, p, warn_below),
                                percent(warn_below),
                            );
                            let finding = finding(
                                ID,
                                severity,
                                w,
                                value.location(),
                                Some(&field_path(c, side, resource)),
                                message,
                            )
                            .with_label(format!("{} of {peer_env}'s {field}", percent(ratio)))
                            .with_help(help)
                            .with_related(
                                peer_value.location().clone(),
                                format!("{peer_env}: {field}={p}{}", peer_value.note()),
                            );
                            found.push(finding);
                        }
                    }
                }
            }
        }
        for finding in found {
            cx.report(finding);
        }
    }
}
