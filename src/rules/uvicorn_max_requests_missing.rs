//! `uvicorn-max-requests-missing` (SEMANTICS.md §D.8): uvicorn's worker processes are never
//! recycled. Only with several workers: with one, the limit would end the container's main
//! process (`uvicorn-max-requests-single-process`).

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::checks::{defer_servers, each_server, finding, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::uvicorn::{LIMIT_MAX_REQUESTS, RELOAD, WORKERS};
use crate::workers::{Origin, Value};

pub const ID: &str = "uvicorn-max-requests-missing";

pub struct UvicornMaxRequestsMissing;

impl Rule for UvicornMaxRequestsMissing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/uvicorn-max-requests-missing.md")
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
            if run.kind != ServerKind::Uvicorn
                || run.get(RELOAD).value != Value::Bool(false)
                || !run.absent(LIMIT_MAX_REQUESTS)
            {
                return;
            }
            let workers = run.get(WORKERS);
            let Value::Int(count) = workers.value else {
                return;
            };
            if count <= 1 {
                return;
            }
            let message = format!(
                "{}: uvicorn runs {} and never recycles them (no --limit-max-requests). A slow memory leak grows \
                 every worker until the container is OOM-killed.",
                subject(run),
                shown(run, "workers", &workers),
            );
            cx.report(
                finding(run, ID, Severity::Info, &Origin::Default, message)
                    .with_label(format!("{count} uvicorn workers without --limit-max-requests"))
                    .with_help(
                        "recycle workers: --limit-max-requests 10000 --limit-max-requests-jitter 1000 (the jitter \
                         needs uvicorn ≥ 0.41)",
                    ),
            );
        });
    }
}
