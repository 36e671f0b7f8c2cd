//! `env-resources-missing` (SEMANTICS.md §E.5): a request or limit that other environments
//! set for the same container and this one leaves out (after LimitRange defaults).

use std::collections::HashSet;

use super::{Rule, SetContext};
use crate::env::compare::{
    Effective, Side, container_label, effective, finding, groups, paired_containers,
};
use crate::env::summary::{ContainerSummary, WorkloadSummary};
use crate::finding::{Finding, Severity};
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
        // An environment where no container of any workload sets any request or limit has
        // them removed on purpose (a local or CI cluster, e.g. a Kustomize component that
        // strips resources): not a value left behind.
        let mut sizes_anything: HashSet<(&str, &str)> = HashSet::new();
        for w in index.workloads() {
            if w.containers
                .iter()
                .any(|c| !c.requests.is_empty() || !c.limits.is_empty())
            {
                sizes_anything.insert((&w.scope, &w.environment));
            }
        }
        let mut found = Vec::new();
        for group in groups(index, cx.config) {
            for container in paired_containers(&group) {
                // Per environment: each field it leaves out, with the peer that sets it.
                let mut missing: Vec<Vec<(Side, &str, &WorkloadSummary, Effective<'_>)>> =
                    vec![Vec::new(); container.members.len()];
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
                            .map(|(w, c)| effective(index, w, c, side, resource))
                            .collect();
                        let Some((peer, peer_value)) = container
                            .members
                            .iter()
                            .zip(&values)
                            .find_map(|((p, _), v)| v.clone().map(|v| (*p, v)))
                        else {
                            continue;
                        };
                        for (i, value) in values.iter().enumerate() {
                            if value.is_none() {
                                missing[i].push((side, resource, peer, peer_value.clone()));
                            }
                        }
                    }
                }
                for ((w, c), fields) in container.members.iter().zip(missing) {
                    if fields.is_empty() || !sizes_anything.contains(&(&w.scope, &w.environment)) {
                        continue;
                    }
                    found.push(report(w, c, container.init, &fields));
                }
            }
        }
        for finding in found {
            cx.report(finding);
        }
    }
}

/// One finding for all the fields a container leaves out in one environment.
fn report(
    w: &WorkloadSummary,
    c: &ContainerSummary,
    init: bool,
    fields: &[(Side, &str, &WorkloadSummary, Effective<'_>)],
) -> Finding {
    let env = &w.environment;
    let names: Vec<String> = fields
        .iter()
        .map(|(side, resource, _, _)| format!("{side}.{resource}"))
        .collect();
    let elsewhere: Vec<String> = fields
        .iter()
        .map(|(side, resource, peer, value)| {
            format!(
                "{}: {side}.{resource}={}",
                peer.environment,
                value.quantity()
            )
        })
        .collect();
    let mut consequences: Vec<&str> = Vec::new();
    for (side, resource, _, _) in fields {
        let text = consequence(resource, *side);
        if !consequences.contains(&text) {
            consequences.push(text);
        }
    }
    let message = format!(
        "{env} {} {}: {} {} not set here, while other environments set {} ({}): {}.",
        w.display(),
        container_label(&c.name, init),
        names.join(", "),
        if names.len() == 1 { "is" } else { "are" },
        if names.len() == 1 { "it" } else { "them" },
        elsewhere.join(", "),
        consequences.join("; "),
    );
    let mut help =
        format!("set them in {env} too, e.g. as the other environments do:\n\x20 resources:");
    for side in Side::BOTH {
        let of_side: Vec<_> = fields.iter().filter(|(s, ..)| *s == side).collect();
        if of_side.is_empty() {
            continue;
        }
        help.push_str(&format!("\n\x20   {side}:"));
        for (_, resource, _, value) in of_side {
            help.push_str(&format!("\n\x20     {resource}: {}", value.quantity()));
        }
    }
    let location = if fields.iter().any(|(side, ..)| *side == Side::Requests) {
        &c.requests_location
    } else {
        &c.limits_location
    };
    let path = format!("{}.resources", c.path);
    let mut f = finding(ID, Severity::Warning, w, location, Some(&path), message)
        .with_label(format!("no {} here", names.join(", ")))
        .with_help(help);
    for (side, resource, peer, value) in fields {
        f = f.with_related(
            value.location().clone(),
            format!(
                "{}: {side}.{resource}={}{}",
                peer.environment,
                value.quantity(),
                value.note()
            ),
        );
    }
    f
}
