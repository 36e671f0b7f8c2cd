//! `threads-unset-under-cpu-limit` (SEMANTICS.md §C.6): a Python container with a CPU limit
//! that leaves the BLAS/OpenMP thread pools to size themselves from the node's CPUs.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::threads::Processes;
use crate::process::{Confidence, PodFacts, Role};

pub const ID: &str = "threads-unset-under-cpu-limit";

pub struct ThreadsUnsetUnderCpuLimit;

impl Rule for ThreadsUnsetUnderCpuLimit {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/threads-unset-under-cpu-limit.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        if let Some(pod) = PodFacts::capture(object) {
            cx.defer(pod);
        }
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(pod) = deferred.downcast::<PodFacts>() else {
            return;
        };
        let guaranteed = pod.guaranteed_whole_cpus();
        for c in pod.resolve(Some(index), cx.config.assumptions.numeric_python) {
            if c.python.confidence == Confidence::None {
                continue;
            }
            let Some(limit) = &c.cpu_limit else {
                continue;
            };
            if c.threads_covered() {
                continue;
            }
            let numeric = c.python.confidence == Confidence::High;
            let mut severity = if numeric {
                Severity::Warning
            } else {
                Severity::Info
            };
            let mut message = format!(
                "Container {} runs {} ({}) with {} but sets no OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / \
                 MKL_NUM_THREADS. OpenBLAS, MKL, OpenMP, numexpr and PyTorch size their thread pools from the \
                 node's CPUs (not the CPU quota), so each process can start one thread per node CPU and spend \
                 most of every CFS period throttled (hangs and timeouts under load).",
                c.facts.name,
                if numeric { "numeric Python" } else { "Python" },
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
            if !numeric {
                message.push_str(
                    " kubelint cannot see whether this Python imports numpy, scipy or torch, hence info; \
                     `assumptions.numericPython: always` in .kubelint.yaml makes it a warning.",
                );
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
                .with_help(help(several))
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

fn help(several_processes: bool) -> String {
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
