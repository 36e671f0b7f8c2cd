//! `env-resources-missing` (SEMANTICS.md §E.5): a request or limit that other environments
//! set for the same container and this one leaves out (after LimitRange defaults).

use super::{Rule, SetContext};
use crate::env::compare::{
    Side, container_label, effective, field_path, finding, groups, paired_containers,
};
use crate::finding::Severity;
use crate::k8s::ObjectIndex;

pub const ID: &str = "env-resources-missing";

pub struct EnvResourcesMissing;

fn consequence(resource: &str, side: Side) -> &'static str {
    match (resource, side) {
        ("memory", Side::Limits) => {
            "nothing bounds the app's memory here: a leak grows until the node runs out and the kernel kills whatever it picks"
        }
        ("cpu", Side::Limits) => {
            "the app here is not capped as it is elsewhere, so it behaves differently under load"
        }
        (_, Side::Requests) => {
            "the scheduler reserves nothing for it here, so pods land on full nodes and are evicted first under pressure"
        }
        _ => "this environment does not behave like the others",
    }
}

impl Rule for EnvResourcesMissing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/env-resources-missing.md")
    }

    fn check_set(&self, index: &ObjectIndex, cx: &mut SetContext<'_>) {
        let mut found = Vec::new();
        for group in groups(index, cx.config) {
            for container in paired_containers(&group) {
                for resource in &container.resources {
                    for side in Side::BOTH {
                        // Leaving out the CPU limit is a common, deliberate choice (no
                        // throttling); it is never a sign of an environment left behind.
                        if side == Side::Limits && *resource == "cpu" {
                            continue;
                        }
                        let values: Vec<_> = container
                            .members
                            .iter()
                            .map(|(w, c)| (*w, *c, effective(index, w, c, side, resource)))
                            .collect();
                        let Some((peer, _, Some(peer_value))) =
                            values.iter().find(|(_, _, v)| v.is_some())
                        else {
                            continue;
                        };
                        for (w, c, value) in &values {
                            if value.is_some() {
                                continue;
                            }
                            let env = &w.environment;
                            let peer_env = &peer.environment;
                            let field = format!("{side}.{resource}");
                            let q = peer_value.quantity();
                            let location = match side {
                                Side::Requests => &c.requests_location,
                                Side::Limits => &c.limits_location,
                            };
                            let message = format!(
                                "{env} {} {}: {field} is not set, while {peer_env} sets {q}: {}.",
                                w.display(),
                                container_label(container.name, container.init),
                                consequence(resource, side),
                            );
                            let help = format!(
                                "set {field} of {} in {env}, e.g. as {peer_env} does:\n\
                                 \x20 resources:\n\
                                 \x20   {side}:\n\
                                 \x20     {resource}: {q}",
                                container_label(container.name, container.init),
                            );
                            let path = field_path(c, side, resource);
                            found.push(
                                finding(ID, Severity::Warning, w, location, Some(&path), message)
                                    .with_label(format!("no {field} here"))
                                    .with_help(help)
                                    .with_related(
                                        peer_value.location().clone(),
                                        format!("{peer_env}: {field}={q}{}", peer_value.note()),
                                    ),
                            );
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
