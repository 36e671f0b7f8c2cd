//! `gunicorn-boot-timeout-risk` (SEMANTICS.md §D.7): a heavy app imported in every worker
//! under a CPU limit of one core or less, with a worker timeout that (gunicorn ≤ 21) counts
//! the import.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::Confidence;
use crate::workers::Value;
use crate::workers::checks::{defer_servers, each_server, finding, hidden_note, subject};
use crate::workers::container::ServerKind;
use crate::workers::gunicorn::{PRELOAD_APP, TIMEOUT};

pub const ID: &str = "gunicorn-boot-timeout-risk";

pub struct GunicornBootTimeoutRisk;

impl Rule for GunicornBootTimeoutRisk {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/gunicorn-boot-timeout-risk.md")
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
            if run.kind != ServerKind::Gunicorn
                || run.container.python.confidence != Confidence::High
            {
                return;
            }
            let Some(limit) = &run.container.cpu_limit else {
                return;
            };
            if limit.quantity.milli_value() > 1000 {
                return;
            }
            let timeout = run.get(TIMEOUT);
            let (Value::Int(seconds), Value::Bool(false)) =
                (&timeout.value, run.get(PRELOAD_APP).value)
            else {
                return;
            };
            if *seconds <= 0 {
                return;
            }
            let mut message = format!(
                "{}: with gunicorn ≤ 21.x the worker's app import counts against the worker timeout of {seconds} s \
                 (from {}); \
                 at {} a heavy import (numeric Python: {}) can exceed it and the arbiter kills the worker with \"[CRITICAL] WORKER TIMEOUT\" in an \
                 endless loop. gunicorn ≥ 22 does not time out during import (a hung import is never detected).",
                subject(run),
                run.describe(&timeout.origin),
                limit.describe(),
                run.container.python.reason,
            );
            if run.may_be_hidden(PRELOAD_APP) {
                message.push_str(&hidden_note(run, "preload_app"));
            }
            cx.report(
                finding(run, ID, Severity::Info, &timeout.origin, message)
                    .with_label(format!("every worker imports the app within {seconds}s"))
                    .with_related(limit.location.clone(), format!("{} here", limit.describe()))
                    .with_help(
                        "import once in the master with --preload (no timeout during import, and the workers \
                         share its pages), raise the CPU limit in this environment, or raise --timeout",
                    ),
            );
        });
    }
}
