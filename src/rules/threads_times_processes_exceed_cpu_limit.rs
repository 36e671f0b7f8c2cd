//! `threads-times-processes-exceed-cpu-limit` (SEMANTICS.md §C.7): each process's pool fits
//! the CPU limit, but the server runs several processes, each with its own pool.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::PodFacts;
use crate::process::threads::Processes;

pub const ID: &str = "threads-times-processes-exceed-cpu-limit";

pub struct ThreadsTimesProcessesExceedCpuLimit;

impl Rule for ThreadsTimesProcessesExceedCpuLimit {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/threads-times-processes-exceed-cpu-limit.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        cx.defer_pod_facts(object);
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(pod) = deferred.downcast::<Arc<PodFacts>>() else {
            return;
        };
        for c in pod.resolve(Some(index), cx.config.assumptions.numeric_python) {
            let Some(limit) = &c.cpu_limit else {
                continue;
            };
            let Processes::Known {
                count: processes,
                location: processes_location,
                what,
            } = c.processes()
            else {
                continue;
            };
            let cpus = limit.ceil();
            for (setting, threads, readers) in c.library_threads() {
                let total = i128::from(threads) * i128::from(processes);
                // One thread per process is the fix, never the problem; a count above the
                // limit on its own is threads-exceed-cpu-limit.
                if processes <= 1 || threads <= 1 || i128::from(threads) > cpus || total <= cpus {
                    continue;
                }
                let fit = (cpus / i128::from(processes)).max(1);
                let message = format!(
                    "{}={threads} but {}: {threads} threads per process × {processes} processes ({what}) = \
                     {total} runnable threads on {cpus} CPU(s) of quota. Every worker process starts its own \
                     {} pool; together they exhaust the quota early in each CFS period and wait throttled \
                     for the rest.",
                    setting.name,
                    limit.describe(),
                    readers.join(", "),
                );
                let help = format!(
                    "set {} to {fit} (max(1, floor({cpus} / {processes}))) — \"1\" is usual for multi-worker \
                     servers, which get their parallelism from the processes:\n\
                     \x20 env:\n\
                     \x20   - name: {}\n\
                     \x20     value: \"{fit}\"",
                    setting.name, setting.name
                );
                let mut finding = pod
                    .finding(
                        ID,
                        Severity::Warning,
                        setting.location,
                        &setting.path,
                        message,
                    )
                    .with_label(format!(
                        "{threads} threads in each of {processes} processes"
                    ))
                    .with_help(help)
                    .with_related(processes_location.clone(), format!("{processes} processes"))
                    .with_related(limit.location.clone(), format!("{} here", limit.describe()));
                if let Some(via) = setting.via {
                    finding = finding.with_related(via, "imported from this ConfigMap");
                }
                cx.report(finding);
            }
        }
    }
}
