//! `gunicorn-max-requests-without-jitter` (SEMANTICS.md §D.4): `max_requests` without
//! `max_requests_jitter`, so every worker restarts at about the same moment.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, hidden_note, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::gunicorn::{MAX_REQUESTS, MAX_REQUESTS_JITTER, WORKERS};

pub const ID: &str = "gunicorn-max-requests-without-jitter";

pub struct GunicornMaxRequestsWithoutJitter;

impl Rule for GunicornMaxRequestsWithoutJitter {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/gunicorn-max-requests-without-jitter.md")
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
            let max_requests = run.get(MAX_REQUESTS);
            let workers = run.get(WORKERS);
            let (Value::Int(limit), Value::Int(0)) =
                (&max_requests.value, run.get(MAX_REQUESTS_JITTER).value)
            else {
                return;
            };
            if *limit <= 0 {
                return;
            }
            // Workers from the node's CPU count are several on any real node.
            let several = match workers.value {
                Value::Int(w) => w > 1,
                Value::HostCpu => true,
                _ => return,
            };
            let hidden: Vec<&str> = [MAX_REQUESTS_JITTER, WORKERS]
                .into_iter()
                .filter(|setting| run.may_be_hidden(setting))
                .collect();
            let (severity, mut message) = if several {
                (
                    Severity::Warning,
                    format!(
                        "{}: {} and no max_requests_jitter. All {} start together and share the load, so \
                         they reach max_requests={limit} at about the same time and restart together (capacity \
                         drops to zero while they boot).",
                        subject(run),
                        shown(run, "max_requests", &max_requests),
                        match workers.value {
                            Value::Int(w) => format!("{w} workers"),
                            _ => "workers (sized from the node's CPU count)".to_string(),
                        },
                    ),
                )
            } else {
                (
                    Severity::Info,
                    format!(
                        "{}: {} with a single worker ({}). While that worker restarts nobody serves requests; \
                         jitter cannot help one worker.",
                        subject(run),
                        shown(run, "max_requests", &max_requests),
                        shown(run, "workers", &workers),
                    ),
                )
            };
            if !hidden.is_empty() {
                message.push_str(&hidden_note(run, &hidden.join(" or ")));
            }
            let jitter = (limit / 10).max(1);
            let help = if several {
                format!(
                    "add a jitter of about 10% of max_requests: --max-requests-jitter {jitter} (gunicorn adds \
                     randint(0, jitter) to each worker's limit \"to avoid all workers restarting at the same time\")"
                )
            } else {
                format!(
                    "run at least two workers so one serves while the other restarts, with a jitter: \
                     --workers 2 --max-requests-jitter {jitter}"
                )
            };
            cx.report(
                finding(run, ID, severity, &max_requests.origin, message)
                    .with_label(format!("max_requests={limit} without max_requests_jitter"))
                    .with_help(help),
            );
        });
    }
}
