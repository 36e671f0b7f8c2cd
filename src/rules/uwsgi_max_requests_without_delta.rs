//! `uwsgi-max-requests-without-delta` (SEMANTICS.md §D.10): several uWSGI processes with
//! max-requests and nothing that staggers their reloads.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::uwsgi::{MAX_REQUESTS, MAX_REQUESTS_DELTA, PROCESSES, RELOAD_ON_RSS};

pub const ID: &str = "uwsgi-max-requests-without-delta";

pub struct UwsgiMaxRequestsWithoutDelta;

impl Rule for UwsgiMaxRequestsWithoutDelta {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/uwsgi-max-requests-without-delta.md")
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
            if run.kind != ServerKind::Uwsgi || !run.absent(RELOAD_ON_RSS) {
                return;
            }
            let max_requests = run.get(MAX_REQUESTS);
            let (Value::Int(requests), Value::Int(processes)) =
                (&max_requests.value, run.get(PROCESSES).value)
            else {
                return;
            };
            let no_delta = run.absent(MAX_REQUESTS_DELTA)
                || run.get(MAX_REQUESTS_DELTA).value == Value::Int(0);
            if *requests <= 0 || processes <= 1 || !no_delta {
                return;
            }
            let message = format!(
                "{}: {} for {processes} processes and no --max-requests-delta. The workers share the load and reach \
                 the limit at about the same time, so they reload together (capacity drops while they boot).",
                subject(run),
                shown(run, "max-requests", &max_requests),
            );
            cx.report(
                finding(run, ID, Severity::Warning, &max_requests.origin, message)
                    .with_label(format!("max-requests {requests} without max-requests-delta"))
                    .with_help(format!(
                        "stagger the reloads: --max-requests-delta {} adds worker_id × delta to each worker's limit",
                        (requests / 50).max(1)
                    )),
            );
        });
    }
}
