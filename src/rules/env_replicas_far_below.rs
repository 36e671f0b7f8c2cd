//! `env-replicas-far-below` (SEMANTICS.md §E.5): a workload that runs far fewer replicas in one
//! environment than in another, or is autoscaled elsewhere and not here. It explains why a
//! percentage-based rollout strategy or PodDisruptionBudget behaves differently per
//! environment.

use super::{Rule, SetContext};
use crate::env::compare::{compared_with, finding, groups, percent};
use crate::env::summary::WorkloadSummary;
use crate::finding::{Location, Severity};
use crate::k8s::{ObjectIndex, ObjectKey};

pub const ID: &str = "env-replicas-far-below";

pub struct EnvReplicasFarBelow;

/// The replicas a workload runs with at least, and what says so.
struct Floor {
    replicas: i32,
    /// `HorizontalPodAutoscaler x`, or `spec.replicas` (defaulted or written).
    source: String,
    autoscaled: bool,
    location: Location,
}

fn floor(index: &ObjectIndex, w: &WorkloadSummary) -> Option<Floor> {
    if !w.has_replicas {
        return None;
    }
    let key = ObjectKey {
        namespace: w.object.namespace.clone(),
        kind: w.object.kind.clone(),
        name: w.name().to_string(),
    };
    Some(match index.autoscaling(&key, w.file) {
        Some(a) => Floor {
            replicas: a.min_replicas,
            source: format!("HorizontalPodAutoscaler {} minReplicas", a.hpa_name),
            autoscaled: true,
            location: a.min_location.clone(),
        },
        None => Floor {
            replicas: w.replicas.unwrap_or(1),
            source: match w.replicas {
                Some(_) => "spec.replicas".to_string(),
                None => "spec.replicas (not set: 1)".to_string(),
            },
            autoscaled: false,
            location: w.replicas_location.clone(),
        },
    })
}

impl Rule for EnvReplicasFarBelow {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/env-replicas-far-below.md")
    }

    fn check_set(&self, index: &ObjectIndex, cx: &mut SetContext<'_>) {
        let ratio = cx.config.thresholds.env_far_below_ratio.0;
        let mut found = Vec::new();
        for group in groups(index, cx.config) {
            let floors: Vec<(&WorkloadSummary, Floor)> = group
                .iter()
                .filter_map(|w| floor(index, w).map(|f| (*w, f)))
                .collect();
            for (w, own) in &floors {
                let env = &w.environment;
                let autoscaled_peer = floors
                    .iter()
                    .find(|(p, f)| compared_with(env, &p.environment) && f.autoscaled);
                let (message, peer, peer_floor) = match autoscaled_peer {
                    Some((peer, peer_floor)) if !own.autoscaled => (
                        format!(
                            "{env} {}: a fixed {} replica(s), while {} autoscales it ({} {}). Load, rollouts \
                             and disruption budgets behave differently here than there.",
                            w.display(),
                            own.replicas,
                            peer.environment,
                            peer_floor.source,
                            peer_floor.replicas,
                        ),
                        peer,
                        peer_floor,
                    ),
                    _ => {
                        let Some((peer, peer_floor)) = floors
                            .iter()
                            .filter(|(p, _)| compared_with(env, &p.environment))
                            .max_by_key(|(_, f)| f.replicas)
                        else {
                            continue;
                        };
                        if peer_floor.replicas <= 0
                            || f64::from(own.replicas) / f64::from(peer_floor.replicas) >= ratio
                        {
                            continue;
                        }
                        (
                            format!(
                                "{env} {}: {} is {}, {} of {}'s {}. A percentage-based maxSurge, maxUnavailable \
                                 or PodDisruptionBudget resolves differently here, and one pod's failure is a \
                                 bigger share of the service.",
                                w.display(),
                                own.source,
                                own.replicas,
                                percent(f64::from(own.replicas) / f64::from(peer_floor.replicas)),
                                peer.environment,
                                peer_floor.replicas,
                            ),
                            peer,
                            peer_floor,
                        )
                    }
                };
                found.push(
                    finding(ID, Severity::Info, w, &own.location, Some("spec.replicas"), message)
                        .with_label(format!("{} replica(s) here", own.replicas))
                        .with_help(format!(
                            "if {env} should behave like {}, give it as many replicas (or the same autoscaler); \
                             otherwise nothing to do",
                            peer.environment
                        ))
                        .with_related(
                            peer_floor.location.clone(),
                            format!("{}: {} {}", peer.environment, peer_floor.source, peer_floor.replicas),
                        ),
                );
            }
        }
        for finding in found {
            cx.report(finding);
        }
    }
}
