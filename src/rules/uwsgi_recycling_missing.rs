//! `uwsgi-recycling-missing` (SEMANTICS.md §D.10): uWSGI workers recycled by none of
//! max-requests, reload-on-rss, evil-reload-on-rss or max-worker-lifetime.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::workers::Origin;
use crate::workers::checks::{defer_servers, each_server, finding, subject};
use crate::workers::container::ServerKind;
use crate::workers::uwsgi::{EVIL_RELOAD_ON_RSS, MAX_REQUESTS, MAX_WORKER_LIFETIME, RELOAD_ON_RSS};

pub const ID: &str = "uwsgi-recycling-missing";

pub struct UwsgiRecyclingMissing;

impl Rule for UwsgiRecyclingMissing {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/uwsgi-recycling-missing.md")
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
            if run.kind != ServerKind::Uwsgi
                || ![
                    MAX_REQUESTS,
                    RELOAD_ON_RSS,
                    EVIL_RELOAD_ON_RSS,
                    MAX_WORKER_LIFETIME,
                ]
                .iter()
                .all(|setting| run.absent(setting))
            {
                return;
            }
            let message = format!(
                "{}: uWSGI never recycles its workers (none of --max-requests, --reload-on-rss, \
                 --evil-reload-on-rss, --max-worker-lifetime). A slow memory leak grows every worker until the \
                 container is OOM-killed.",
                subject(run),
            );
            cx.report(
                finding(run, ID, Severity::Info, &Origin::Default, message)
                    .with_label("uWSGI without worker recycling")
                    .with_help("recycle workers, staggered: --max-requests 5000 --max-requests-delta 100 (or --reload-on-rss in MB)"),
            );
        });
    }
}
