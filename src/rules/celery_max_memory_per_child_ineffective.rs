//! `celery-max-memory-per-child-ineffective` (SEMANTICS.md §D.9): a per-child memory threshold
//! (in KiB) at or above the container's memory limit is never reached before the OOM kill.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::celery::MAX_MEMORY_PER_CHILD;
use crate::workers::checks::{defer_servers, each_server, finding, shown, subject};
use crate::workers::container::ServerKind;

pub const ID: &str = "celery-max-memory-per-child-ineffective";

pub struct CeleryMaxMemoryPerChildIneffective;

impl Rule for CeleryMaxMemoryPerChildIneffective {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/celery-max-memory-per-child-ineffective.md")
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
            if run.kind != ServerKind::Celery {
                return;
            }
            let Some(limit) = &run.container.facts.resources.memory_limit else {
                return;
            };
            let threshold = run.get(MAX_MEMORY_PER_CHILD);
            let Value::Int(kib) = threshold.value else {
                return;
            };
            let bytes = i128::from(kib) * 1024;
            let limit_bytes = limit.quantity.value();
            if limit_bytes <= 0 || bytes < limit_bytes {
                return;
            }
            let message = format!(
                "{}: {} KiB ({} MiB) is at or above the container's memory limit {} ({} MiB). Celery replaces a \
                 child only after it exceeds the threshold, so the kernel OOM-kills the container first, with \
                 every task in flight. The unit is KiB (1024 bytes), not MB or bytes.",
                subject(run),
                shown(run, "max_memory_per_child", &threshold),
                bytes / (1024 * 1024),
                limit.quantity,
                limit_bytes / (1024 * 1024),
            );
            let suggested = limit_bytes / 1024 / 2;
            cx.report(
                finding(run, ID, Severity::Warning, &threshold.origin, message)
                    .with_label(format!("{kib} KiB is never reached below the memory limit"))
                    .with_related(limit.location.clone(), format!("limits.memory={}", limit.quantity))
                    .with_help(format!(
                        "give the threshold in KiB, well below the memory limit divided by the concurrency, e.g. \
                         --max-memory-per-child {suggested} (half the limit) for a single child"
                    )),
            );
        });
    }
}
