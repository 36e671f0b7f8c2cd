//! `gunicorn-max-requests-missing` (SEMANTICS.md §D.3): gunicorn's `max_requests` resolves to
//! 0, so workers are never recycled and a slow leak ends in an OOM kill.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::checks::{defer_servers, each_server, finding, hidden_note, shown, subject};
use crate::workers::container::ServerKind;
use crate::workers::gunicorn::MAX_REQUESTS;
use crate::workers::{Origin, Value};

pub const ID: &str = "gunicorn-max-requests-missing";

pub struct GunicornMaxRequestsMissing;

impl Rule for GunicornMaxRequestsMissing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/gunicorn-max-requests-missing.md")
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
            if max_requests.value != Value::Int(0) {
                return;
            }
            let hidden = run.may_be_hidden(MAX_REQUESTS);
            let mut message = format!(
                "{}: gunicorn never recycles workers ({}). A slow memory leak grows every worker until the \
                 container hits its memory limit and the kernel OOM-kills it (\"Worker … was sent SIGKILL! \
                 Perhaps out of memory?\").",
                subject(run),
                shown(run, "max_requests", &max_requests),
            );
            if hidden {
                message.push_str(&hidden_note(run, "max_requests"));
            }
            let label = match max_requests.origin {
                Origin::Default if run.official_image => {
                    "the image's entrypoint runs gunicorn without --max-requests"
                }
                Origin::Default => "gunicorn runs without --max-requests",
                _ => "max_requests=0 disables recycling",
            };
            cx.report(
                finding(run, ID, if hidden { Severity::Info } else { Severity::Warning }, &max_requests.origin, message)
                    .with_label(label)
                    .with_help(
                        "recycle workers, with jitter so they do not restart together (gunicorn's Docker guide):\n\
                         \x20 --max-requests 1000 --max-requests-jitter 100\n\
                         tune them so a worker restarts every few minutes to hours at production traffic",
                    ),
            );
        });
    }
}
