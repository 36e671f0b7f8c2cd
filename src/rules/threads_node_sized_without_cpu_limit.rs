//! `threads-node-sized-without-cpu-limit` (SEMANTICS.md §C.8): numeric Python without a CPU
//! limit and without thread settings: its pools are sized by the node, while the pod is only
//! guaranteed its CPU request.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::{Confidence, PodFacts};

pub const ID: &str = "threads-node-sized-without-cpu-limit";

pub struct ThreadsNodeSizedWithoutCpuLimit;

impl Rule for ThreadsNodeSizedWithoutCpuLimit {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/threads-node-sized-without-cpu-limit.md")
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
            if c.python.confidence != Confidence::High
                || c.python.bounds_own_threads.is_some()
                || c.cpu_limit.is_some()
            {
                continue;
            }
            let Some(request) = &c.facts.resources.cpu_request else {
                continue;
            };
            if c.threads_covered() {
                continue;
            }
            let message = format!(
                "Container {} runs numeric Python ({}) without a CPU limit: the BLAS/OpenMP pools start one \
                 thread per node CPU while the pod is only guaranteed requests.cpu={}. On a busy node those \
                 threads contend for the CPU the other pods requested; set OMP_NUM_THREADS (e.g. from \
                 requests.cpu via resourceFieldRef) to bound them.",
                c.facts.name, c.python.reason, request.quantity
            );
            let help = "bound the pools by the request (the Downward API rounds it up to whole CPUs):\n\
                 \x20 env:\n\
                 \x20   - name: OMP_NUM_THREADS\n\
                 \x20     valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: \"1\"}}\n\
                 \x20   - name: OPENBLAS_NUM_THREADS\n\
                 \x20     valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: \"1\"}}\n\
                 \x20   - name: MKL_NUM_THREADS\n\
                 \x20     valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: \"1\"}}\n\
                 Not limits.cpu: without a limit the kubelet injects the node's allocatable CPU.";
            let finding = pod
                .finding(
                    ID,
                    Severity::Info,
                    c.process_location(),
                    &c.process_path(),
                    message,
                )
                .with_label("thread pools sized by the node")
                .with_help(help)
                .with_related(
                    request.location.clone(),
                    format!("requests.cpu={} but no limit", request.quantity),
                );
            cx.report(finding);
        }
    }
}
