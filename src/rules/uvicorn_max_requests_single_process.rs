//! `uvicorn-max-requests-single-process` (SEMANTICS.md §D.8): with one worker uvicorn serves
//! in its own process, so the request limit ends the container's main process.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::uvicorn::{LIMIT_MAX_REQUESTS, RELOAD, WORKERS};

pub const ID: &str = "uvicorn-max-requests-single-process";

pub struct UvicornMaxRequestsSingleProcess;

impl Rule for UvicornMaxRequestsSingleProcess {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/uvicorn-max-requests-single-process.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        defer_servers(object, cx);
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        each_server(deferred, index, cx, |run, cx| {
            if run.kind != ServerKind::Uvicorn || run.get(RELOAD).value != Value::Bool(false) {
                return;
            }
            let limit = run.get(LIMIT_MAX_REQUESTS);
            let workers = run.get(WORKERS);
            let (Value::Int(requests), Value::Int(count)) = (&limit.value, &workers.value) else {
                return;
            };
            if *count > 1 {
                return;
            }
            let message = format!(
                "{}: {} with a single process ({}): uvicorn serves in its own process, so after {requests} \
                 requests the container's main process exits. Kubernetes restarts the container with \
                 exponential back-off (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy) \
                 and the pod is unavailable meanwhile.",
                subject(run),
                shown(run, "limit_max_requests", &limit),
                shown(run, "workers", &workers),
            );
            cx.report(
                finding(run, ID, Severity::Warning, &limit.origin, message)
                    .with_label(format!("the only process exits after {requests} requests"))
                    .with_help(
                        "run at least two workers (--workers 2) so uvicorn's supervisor replaces a recycled \
                         worker, or run uvicorn under gunicorn: gunicorn -k uvicorn_worker.UvicornWorker \
                         --max-requests 1000 --max-requests-jitter 100 main:app",
                    ),
            );
        });
    }
}
