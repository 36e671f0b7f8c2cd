//! `env-memory-per-worker-far-below` (SEMANTICS.md §E.5): the memory limit divided by the
//! worker processes (gunicorn `workers`, uvicorn `--workers`, Celery `--concurrency`, uWSGI
//! `processes`) far below the same container's in another environment: "dev kept prod's worker
//! count but got a quarter of the memory". Silent where the worker count is not known.

use std::collections::HashMap;

use super::{Rule, SetContext};
use crate::env::Environments;
use crate::env::compare::{
    Effective, Side, compared_with, container_label, effective, field_path, finding, groups,
    paired_containers, percent,
};
use crate::env::summary::WorkloadSummary;
use crate::finding::{Location, Severity};
use crate::k8s::ObjectIndex;
use crate::process::Role;
use crate::workers::container::worker_processes;

pub const ID: &str = "env-memory-per-worker-far-below";

pub struct EnvMemoryPerWorkerFarBelow;

/// One environment's memory limit and worker count for a container.
struct Share<'a> {
    workload: &'a WorkloadSummary,
    memory: Effective<'a>,
    workers: i64,
    workers_location: Location,
}

impl Share<'_> {
    fn per_worker(&self) -> f64 {
        self.memory.quantity().as_f64() / self.workers as f64
    }
}

fn mebibytes(bytes: f64) -> String {
    let mib = bytes / 1_048_576.0;
    if mib >= 10.0 {
        format!("{mib:.0}Mi")
    } else {
        format!("{mib:.1}Mi")
    }
}

impl Rule for EnvMemoryPerWorkerFarBelow {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/env-memory-per-worker-far-below.md")
    }

    fn check_set(&self, index: &ObjectIndex, cx: &mut SetContext<'_>) {
        let warn_ratio = cx.config.thresholds.env_far_below_ratio.0;
        let mut found = Vec::new();
        for group in groups(index, cx.config) {
            // Worker counts of each workload's main containers, by container name.
            let workers: Vec<HashMap<String, (i64, Location)>> = group
                .iter()
                .map(|w| {
                    let Some(pod) = &w.pod else {
                        return HashMap::new();
                    };
                    pod.resolve(Some(index), cx.config.assumptions.numeric_python)
                        .iter()
                        .filter(|c| c.facts.role == Role::Main)
                        .filter_map(|c| {
                            // A count an unseen config file may change is no basis for a comparison.
                            worker_processes(c, index)
                                .filter(|w| w.count > 0 && !w.may_be_overridden)
                                .map(|w| (c.facts.name.clone(), (w.count, w.location)))
                        })
                        .collect()
                })
                .collect();
            for container in paired_containers(&group) {
                if container.init {
                    continue;
                }
                let shares: Vec<Share<'_>> = container
                    .members
                    .iter()
                    .filter_map(|(w, c)| {
                        let at = group.iter().position(|g| std::ptr::eq(*g, *w))?;
                        let (count, location) = workers[at].get(container.name)?;
                        Some(Share {
                            workload: w,
                            memory: effective(index, w, c, Side::Limits, "memory")?,
                            workers: *count,
                            workers_location: location.clone(),
                        })
                    })
                    .collect();
                for share in &shares {
                    let w = share.workload;
                    let env = &w.environment;
                    if w.ratio_ok.iter().any(|r| r == "memory") {
                        continue;
                    }
                    let Some(peer) = shares
                        .iter()
                        .filter(|p| compared_with(env, &p.workload.environment))
                        .max_by(|a, b| a.per_worker().total_cmp(&b.per_worker()))
                    else {
                        continue;
                    };
                    if peer.per_worker() <= 0.0 {
                        continue;
                    }
                    let ratio = share.per_worker() / peer.per_worker();
                    let threshold =
                        Environments::min_ratio(&cx.config.environments, env).unwrap_or(warn_ratio);
                    if ratio >= threshold {
                        continue;
                    }
                    let peer_env = &peer.workload.environment;
                    let message = format!(
                        "{env} {} {}: limits.memory={} shared by {} worker processes is {} per worker, {} of \
                         {peer_env}'s {} ({} for {} workers). Every worker loads the whole app: here each gets \
                         far less, so workers are OOM-killed (SIGKILL) and respawned, or the pod restarts.",
                        w.display(),
                        container_label(container.name, false),
                        share.memory.quantity(),
                        share.workers,
                        mebibytes(share.per_worker()),
                        percent(ratio),
                        mebibytes(peer.per_worker()),
                        peer.memory.quantity(),
                        peer.workers,
                    );
                    let needed_workers = (share.memory.quantity().as_f64()
                        / (peer.per_worker() * threshold))
                        .floor();
                    let help = format!(
                        "raise limits.memory in {env} to at least {} ({} workers × {}), or run at most {} \
                         worker(s) there",
                        mebibytes(peer.per_worker() * threshold * share.workers as f64),
                        share.workers,
                        mebibytes(peer.per_worker() * threshold),
                        needed_workers.max(1.0),
                    );
                    let c = container
                        .members
                        .iter()
                        .find(|(m, _)| std::ptr::eq(*m, w))
                        .map(|(_, c)| *c);
                    let path = c.map(|c| field_path(c, Side::Limits, "memory"));
                    found.push(
                        finding(
                            ID,
                            Severity::Warning,
                            w,
                            share.memory.location(),
                            path.as_deref(),
                            message,
                        )
                        .with_label(format!("{} per worker", mebibytes(share.per_worker())))
                        .with_help(help)
                        .with_related(
                            share.workers_location.clone(),
                            format!("{env}: {} worker processes", share.workers),
                        )
                        .with_related(
                            peer.memory.location().clone(),
                            format!("{peer_env}: limits.memory={}", peer.memory.quantity()),
                        )
                        .with_related(
                            peer.workers_location.clone(),
                            format!("{peer_env}: {} worker processes", peer.workers),
                        ),
                    );
                }
            }
        }
        for finding in found {
            cx.report(finding);
        }
    }
}
