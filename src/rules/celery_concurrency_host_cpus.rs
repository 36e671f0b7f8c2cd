//! `celery-concurrency-host-cpus` (SEMANTICS.md §C.10, §D.9): a Celery prefork worker without
//! `--concurrency` starts one process per node CPU, whatever the container's CPU limit.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::{Lookup, PodFacts};

pub const ID: &str = "celery-concurrency-host-cpus";

pub struct CeleryConcurrencyHostCpus;

/// Variables through which deployments commonly pass the concurrency to their Celery config.
const CONCURRENCY_VARS: &[&str] = &[
    "CELERYD_CONCURRENCY",
    "CELERY_WORKER_CONCURRENCY",
    "CELERY_CONCURRENCY",
];

impl Rule for CeleryConcurrencyHostCpus {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/celery-concurrency-host-cpus.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        cx.defer_pod_facts(object);
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(pod) = deferred.downcast::<Arc<PodFacts>>() else {
            return;
        };
        for c in pod.resolve(Some(index), cx.config.assumptions.numeric_python) {
            let Some(limit) = &c.cpu_limit else {
                continue;
            };
            for command in c.commands.running("celery") {
                let Some(worker) = command.args().iter().find(|a| a.known() == Some("worker"))
                else {
                    continue;
                };
                let prefork = match command.option(&["-P"], &["--pool"]) {
                    Some(pool) => pool.value() == Some("prefork"),
                    None => true,
                };
                let concurrency_set = command.option(&["-c"], &["--concurrency"]).is_some()
                    || command.option(&[], &["--autoscale"]).is_some()
                    || CONCURRENCY_VARS.iter().any(|name| {
                        command.assignment(name).is_some()
                            || !matches!(c.env.lookup(name), Lookup::Unset)
                    });
                if !prefork || concurrency_set {
                    continue;
                }
                let cpus = limit.ceil();
                let message = format!(
                    "celery worker runs the prefork pool without --concurrency, so it starts one worker process \
                     per node CPU (billiard's cpu_count(), e.g. 48), not per CPU of {}: every process imports the \
                     app and holds its memory, and they share {cpus} CPU(s) of quota. (If the app's Celery \
                     configuration sets worker_concurrency, that applies instead.)",
                    limit.describe()
                );
                let help = format!(
                    "pass the concurrency explicitly, e.g. --concurrency={cpus}, or from the limit (Kubernetes \
                     expands $(CPU_LIMIT) in command and args):\n\
                     \x20 env:\n\
                     \x20   - name: CPU_LIMIT\n\
                     \x20     valueFrom: {{resourceFieldRef: {{resource: limits.cpu, divisor: \"1\"}}}}\n\
                     \x20 args: [\"worker\", \"--concurrency=$(CPU_LIMIT)\"]"
                );
                let finding = pod
                    .finding(
                        ID,
                        Severity::Warning,
                        c.locate(&worker.origin),
                        &c.path_of(&worker.origin),
                        message,
                    )
                    .with_label("one process per node CPU")
                    .with_help(help)
                    .with_related(limit.location.clone(), format!("{} here", limit.describe()));
                cx.report(finding);
            }
        }
    }
}
