//! `celery-child-recycling-missing` (SEMANTICS.md §D.9): a prefork Celery worker whose pool
//! children live as long as the worker.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Origin;
use crate::workers::celery::{MAX_MEMORY_PER_CHILD, MAX_TASKS_PER_CHILD, POOL, is_prefork};
use crate::workers::checks::{defer_servers, each_server, finding, subject};
use crate::workers::container::ServerKind;

pub const ID: &str = "celery-child-recycling-missing";

pub struct CeleryChildRecyclingMissing;

impl Rule for CeleryChildRecyclingMissing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/celery-child-recycling-missing.md")
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
            if run.kind != ServerKind::Celery
                || is_prefork(&run.get(POOL).value) != Some(true)
                || !run.absent(MAX_TASKS_PER_CHILD)
                || !run.absent(MAX_MEMORY_PER_CHILD)
            {
                return;
            }
            let message = format!(
                "{}: the Celery worker's prefork children are never replaced (no --max-tasks-per-child or \
                 --max-memory-per-child). Memory that tasks leak accumulates in every child until the container \
                 is OOM-killed with its tasks in flight. If the app's configuration sets \
                 worker_max_tasks_per_child or worker_max_memory_per_child (kubelint cannot read it), ignore this.",
                subject(run),
            );
            cx.report(
                finding(run, ID, Severity::Info, &Origin::Default, message)
                    .with_label("prefork worker without child recycling")
                    .with_help(
                        "recycle pool children after a number of tasks or above a resident size in KiB:\n\
                         \x20 --max-tasks-per-child 100\n\
                         \x20 --max-memory-per-child 200000   # KiB, about 200 MB",
                    ),
            );
        });
    }
}
