//! `gunicorn-jitter-without-max-requests` (SEMANTICS.md §D.5): since gunicorn 20.0 the jitter
//! only applies to a positive `max_requests`.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, hidden_note, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::gunicorn::{MAX_REQUESTS, MAX_REQUESTS_JITTER};

pub const ID: &str = "gunicorn-jitter-without-max-requests";

pub struct GunicornJitterWithoutMaxRequests;

impl Rule for GunicornJitterWithoutMaxRequests {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/gunicorn-jitter-without-max-requests.md")
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
            let max_requests = run.get(MAX_REQUESTS);
            let (Value::Int(spread), Value::Int(0)) = (&jitter.value, &max_requests.value) else {
                return;
            };
            if *spread <= 0 {
                return;
            }
            let hidden = run.may_be_hidden(MAX_REQUESTS);
            let mut message = format!(
                "{}: {} has no effect with {}: since gunicorn 20.0 the jitter is only added to a positive \
                 max_requests, so workers are never recycled.",
                subject(run),
                shown(run, "max_requests_jitter", &jitter),
                shown(run, "max_requests", &max_requests),
            );
            if hidden {
                message.push_str(&hidden_note(run, "max_requests"));
            }
            cx.report(
                finding(run, ID, Severity::Warning, &jitter.origin, message)
                    .with_label("jitter without max_requests recycles nothing")
                    .with_help(format!(
                        "set max_requests as well, about ten times the jitter: --max-requests {}",
                        spread.saturating_mul(10)
                    )),
            );
        });
    }
}
