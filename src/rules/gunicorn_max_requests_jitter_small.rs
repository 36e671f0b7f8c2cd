//! `gunicorn-max-requests-jitter-small` (SEMANTICS.md §D.4): a jitter smaller than the number
//! of workers or than 5% of `max_requests` barely spreads the restarts.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::gunicorn::{MAX_REQUESTS, MAX_REQUESTS_JITTER, WORKERS};

pub const ID: &str = "gunicorn-max-requests-jitter-small";

pub struct GunicornMaxRequestsJitterSmall;

impl Rule for GunicornMaxRequestsJitterSmall {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/gunicorn-max-requests-jitter-small.md")
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
            let jitter = run.get(MAX_REQUESTS_JITTER);
            let workers = run.get(WORKERS);
            let (Value::Int(limit), Value::Int(spread), Value::Int(count)) =
                (run.get(MAX_REQUESTS).value, &jitter.value, &workers.value)
            else {
                return;
            };
            if limit <= 0 || *spread <= 0 {
                return;
            }
            let below_workers = spread < count;
            let below_share = spread.saturating_mul(20) < limit;
            if !below_workers && !below_share {
                return;
            }
            let why = if below_workers {
                format!("fewer than the {count} workers")
            } else {
                format!("under 5% of max_requests={limit}")
            };
            let message = format!(
                "{}: {} is {why}: each worker restarts after max_requests + randint(0, {spread}) requests, so \
                 at production traffic the {count} worker(s) still restart within moments of each other.",
                subject(run),
                shown(run, "max_requests_jitter", &jitter),
            );
            let suggested = (limit / 10).max(*count).max(1);
            cx.report(
                finding(run, ID, Severity::Info, &jitter.origin, message)
                    .with_label(format!("jitter {spread} is {why}"))
                    .with_help(format!(
                        "use a jitter of about 10% of max_requests and at least the number of workers: \
                         --max-requests-jitter {suggested}"
                    )),
            );
        });
    }
}
