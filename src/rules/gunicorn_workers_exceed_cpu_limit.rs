//! `gunicorn-workers-exceed-cpu-limit` (SEMANTICS.md §D.6): more workers than gunicorn's own
//! `(2 × cores) + 1` for the container's CPU limit.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, hidden_note, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::gunicorn::WORKERS;

pub const ID: &str = "gunicorn-workers-exceed-cpu-limit";

pub struct GunicornWorkersExceedCpuLimit;

impl Rule for GunicornWorkersExceedCpuLimit {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/gunicorn-workers-exceed-cpu-limit.md")
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
            if run.kind != ServerKind::Gunicorn {
                return;
            }
            let Some(limit) = &run.container.cpu_limit else {
                return;
            };
            let workers = run.get(WORKERS);
            let Value::Int(count) = workers.value else {
                return;
            };
            let suggested = 2 * limit.ceil() + 1;
            if i128::from(count) <= suggested {
                return;
            }
            let hidden = run.may_be_hidden(WORKERS);
            let mut message = format!(
                "{}: {} on {} (gunicorn suggests (2 × cores) + 1 = {suggested}). Each worker imports the app; \
                 under the CFS quota boot and requests are throttled, which triggers WORKER TIMEOUT loops \
                 (gunicorn ≤ 21) or liveness failures.",
                subject(run),
                shown(run, "workers", &workers),
                limit.describe(),
            );
            if hidden {
                message.push_str(&hidden_note(run, "workers"));
            }
            cx.report(
                finding(run, ID, Severity::Warning, &workers.origin, message)
                    .with_label(format!("{count} workers for {suggested} at most"))
                    .with_related(limit.location.clone(), format!("{} here", limit.describe()))
                    .with_help(format!(
                        "lower -w/WEB_CONCURRENCY to {suggested} or fewer for this environment, or raise the CPU \
                         limit; for I/O-bound apps prefer threads (--threads, the gthread worker) to processes"
                    )),
            );
        });
    }
}
