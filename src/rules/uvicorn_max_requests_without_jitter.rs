//! `uvicorn-max-requests-without-jitter` (SEMANTICS.md §D.8): several uvicorn workers with a
//! request limit and no jitter restart together.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::uvicorn::{LIMIT_MAX_REQUESTS, LIMIT_MAX_REQUESTS_JITTER, RELOAD, WORKERS};

pub const ID: &str = "uvicorn-max-requests-without-jitter";

pub struct UvicornMaxRequestsWithoutJitter;

impl Rule for UvicornMaxRequestsWithoutJitter {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/uvicorn-max-requests-without-jitter.md")
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
            let (Value::Int(requests), Value::Int(workers), Value::Int(0)) = (
                &limit.value,
                run.get(WORKERS).value,
                run.get(LIMIT_MAX_REQUESTS_JITTER).value,
            ) else {
                return;
            };
            if workers <= 1 || *requests <= 0 {
                return;
            }
            let message = format!(
                "{}: {} and no --limit-max-requests-jitter. All {workers} workers start together and share the \
                 load, so they reach the limit at about the same time and restart together (capacity drops to \
                 zero while they boot).",
                subject(run),
                shown(run, "limit_max_requests", &limit),
            );
            cx.report(
                finding(run, ID, Severity::Warning, &limit.origin, message)
                    .with_label(format!("limit {requests} without jitter for {workers} workers"))
                    .with_help(format!(
                        "with uvicorn ≥ 0.41 add --limit-max-requests-jitter {}; on older versions run the \
                         workers under gunicorn: gunicorn -k uvicorn_worker.UvicornWorker --max-requests … \
                         --max-requests-jitter …",
                        (requests / 10).max(1)
                    )),
            );
        });
    }
}
