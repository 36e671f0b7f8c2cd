//! `threads-unset-under-cpu-limit` (SEMANTICS.md §C.6): a Python container with a CPU limit
//! that leaves the BLAS/OpenMP thread pools to size themselves from the node's CPUs.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::threads::Processes;
use crate::process::{Confidence, PodFacts, ResolvedContainer, Role};

pub const ID: &str = "threads-unset-under-cpu-limit";

pub struct ThreadsUnsetUnderCpuLimit;

impl Rule for ThreadsUnsetUnderCpuLimit {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/threads-unset-under-cpu-limit.md")
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
        let guaranteed = pod.guaranteed_whole_cpus();
        for c in pod.resolve(Some(index), cx.config.assumptions.numeric_python) {
            // Medium confidence (Python, libraries unseen) is not enough to claim BLAS pools:
            // downloaders and web apps in python images would be reported. It counts with
            // `assumptions.numericPython: always`, which makes it high.
            if c.python.confidence != Confidence::High || c.python.bounds_own_threads.is_some() {
                continue;
            }
            let Some(limit) = &c.cpu_limit else {
                continue;
            };
            if c.threads_covered() {
                continue;
            }
            let mut severity = Severity::Warning;
            let mut message = format!(
                "Container {} runs numeric Python ({}) with {} but sets no OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / \
                 MKL_NUM_THREADS. OpenBLAS, MKL, OpenMP, numexpr and PyTorch size their thread pools from the \
                 node's CPUs (not the CPU quota), so each process can start one thread per node CPU and spend \
                 most of every CFS period throttled (hangs and timeouts under load).",
                c.facts.name,
                c.python.reason,
                limit.describe(),
            );
            let processes = c.processes();
            match &processes {
                Processes::Known { count, what, .. } if *count > 1 => message.push_str(&format!(
                    " It runs {count} processes ({what}): up to {count} × node CPUs threads."
                )),
                Processes::HostCpus => message.push_str(
                    " Celery starts one worker process per node CPU as well: node CPUs × node CPUs threads.",
                ),
                _ => {}
            }
            if c.facts.role == Role::Init {
                severity = Severity::Info;
                message.push_str(" It is an init container: short-lived, so only while it runs.");
            }
            if guaranteed {
                severity = Severity::Info;
                message.push_str(
                    " The pod is Guaranteed with whole CPUs: if the nodes run the static CPU manager, \
                     its containers get exclusive CPUs and the pools fit them.",
                );
            }
            let several = matches!(&processes, Processes::Known { count, .. } if *count > 1)
                || matches!(processes, Processes::HostCpus);
            let mut finding = pod
                .finding(
                    ID,
                    severity,
                    c.process_location(),
                    &c.process_path(),
                    message,
                )
                .with_label("this process's thread pools are sized by the node, not the limit")
                .with_help(help(several, vllm_cpu_backend(&c)))
                .with_related(limit.location.clone(), format!("{} here", limit.describe()));
            if let Processes::Known {
                count, location, ..
            } = &processes
                && *count > 1
            {
                finding = finding.with_related(location.clone(), format!("{count} processes"));
            }
            cx.report(finding);
        }
    }
}

const DOWNWARD: &str = "valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: \"1\"}}";

/// vLLM's CPU backend binds one OpenMP thread per CPU it may use (`VLLM_CPU_OMP_THREADS_BIND`,
/// `auto` by default), so the thread variables alone do not bound it.
fn vllm_cpu_backend(c: &ResolvedContainer<'_>) -> bool {
    c.facts.image.as_ref().is_some_and(|image| {
        let image = image.value.to_ascii_lowercase();
        image.contains("vllm") && image.contains("cpu")
    })
}

fn help(several_processes: bool, vllm_cpu: bool) -> String {
    let text = help_text(several_processes);
    if vllm_cpu {
        format!(
            "{text}\nvLLM's CPU backend also binds one OpenMP thread per CPU it may run on: set \
             VLLM_CPU_OMP_THREADS_BIND to as many CPUs as the limit (e.g. \"0-15\"), or run the pod \
             Guaranteed with whole CPUs under the static CPU manager."
        )
    } else {
        text
    }
}

fn help_text(several_processes: bool) -> String {
    if several_processes {
        format!(
            "the container already runs several processes: run each one's pools single-threaded \
             (OpenBLAS FAQ: an already multi-threaded application must run OpenBLAS single-threaded):\n\
             \x20 env:\n\
             \x20   - name: OMP_NUM_THREADS       # read by OpenBLAS, MKL, libgomp, numexpr, PyTorch\n\
             \x20     value: \"1\"\n\
             \x20   - name: OPENBLAS_NUM_THREADS\n\
             \x20     value: \"1\"\n\
             \x20   - name: MKL_NUM_THREADS\n\
             \x20     value: \"1\"\n\
             On Python ≥ 3.13 also set PYTHON_CPU_COUNT from the CPU limit so os.cpu_count() agrees:\n\
             \x20   - name: PYTHON_CPU_COUNT\n\
             \x20     {DOWNWARD}"
        )
    } else {
        format!(
            "size the pools from the CPU limit (the Downward API rounds it up to whole CPUs):\n\
             \x20 env:\n\
             \x20   - name: OMP_NUM_THREADS       # read by OpenBLAS, MKL, libgomp, numexpr, PyTorch\n\
             \x20     {DOWNWARD}\n\
             \x20   - name: OPENBLAS_NUM_THREADS\n\
             \x20     {DOWNWARD}\n\
             \x20   - name: MKL_NUM_THREADS\n\
             \x20     {DOWNWARD}\n\
             If the container already runs several processes or threads (gunicorn/celery workers, thread \
             pools), set these to \"1\" instead — OpenBLAS FAQ: an already multi-threaded application must run \
             OpenBLAS single-threaded. On Python ≥ 3.13 also set PYTHON_CPU_COUNT from the same \
             resourceFieldRef so os.cpu_count() agrees."
        )
    }
}
