//! `downward-api-cpu-without-limit` (SEMANTICS.md §C.9): a variable taken from `limits.cpu`
//! (or `limits.memory`) of a container that has no such limit gets the node's allocatable
//! amount instead.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::env::RawValue;
use crate::process::threads::THREAD_COUNT_VARS;
use crate::process::{ContainerFacts, PodFacts};

pub const ID: &str = "downward-api-cpu-without-limit";

pub struct DownwardApiCpuWithoutLimit;

/// Variables that size worker processes.
const PROCESS_COUNT_VARS: &[&str] = &[
    "WEB_CONCURRENCY",
    "GUNICORN_WORKERS",
    "UVICORN_WORKERS",
    "CELERYD_CONCURRENCY",
    "CELERY_WORKER_CONCURRENCY",
    "UWSGI_PROCESSES",
    "UWSGI_WORKERS",
];

/// Go's runtime variables: without a limit, the node's CPUs and no memory limit are what the
/// runtime uses anyway (Go ≥ 1.25 sizes GOMAXPROCS from the cgroup limit only when there is
/// one, and "does not consider the CPU requests option"), so the substitution changes nothing.
const SAME_AS_DEFAULT: &[&str] = &["GOMAXPROCS", "GOMEMLIMIT"];

/// Whether a variable sizes something: a thread or process count kubelint knows, or a value
/// the container's `command`/`args` use (`--workers $(CPU_LIMIT)`, `-Xmx$(MEM)`). Other names
/// may mean anything, including "the node's size when there is no limit".
fn sizes_something(name: &str, container: &ContainerFacts) -> bool {
    if SAME_AS_DEFAULT.contains(&name) {
        return false;
    }
    if THREAD_COUNT_VARS.contains(&name) || PROCESS_COUNT_VARS.contains(&name) {
        return true;
    }
    let braced = format!("${{{name}");
    let parenthesized = format!("$({name})");
    container
        .command
        .iter()
        .chain(&container.args)
        .any(|element| {
            let text = element.value.as_str();
            text.contains(&braced)
                || text.contains(&parenthesized)
                || text.match_indices('$').any(|(at, _)| {
                    text[at + 1..].starts_with(name)
                        && !text[at + 1 + name.len()..]
                            .starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
                })
        })
}

impl Rule for DownwardApiCpuWithoutLimit {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/downward-api-cpu-without-limit.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(pod) = cx.pod_facts(object) else {
            return;
        };
        let refers_to_limits = pod.containers.iter().any(|c| {
            c.env.env.iter().any(|e| {
                matches!(&e.value, RawValue::ResourceField(f) if f.resource.starts_with("limits."))
            })
        });
        if refers_to_limits {
            cx.defer(pod);
        }
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
        for c in &pod.containers {
            for (i, entry) in c.env.env.iter().enumerate() {
                let RawValue::ResourceField(field) = &entry.value else {
                    continue;
                };
                if !sizes_something(&entry.name, c) {
                    continue;
                }
                let target = match &field.container {
                    Some(name) => match pod.container(name) {
                        Some(target) => target,
                        None => continue,
                    },
                    None => c,
                };
                let (what, missing) = match field.resource.as_str() {
                    "limits.cpu" => ("CPU", pod.cpu_limit(target, Some(index)).is_none()),
                    "limits.memory" => ("memory", !pod.has_memory_limit(target, Some(index))),
                    _ => continue,
                };
                if !missing {
                    continue;
                }
                let example = if what == "CPU" {
                    "e.g. 48"
                } else {
                    "e.g. 192Gi"
                };
                let message = format!(
                    "{} comes from {}, but container {} has no {what} limit: the kubelet injects the node's \
                     allocatable {what} ({example}), the opposite of the intent.",
                    entry.name, field.resource, target.name
                );
                let request = field.resource.replace("limits.", "requests.");
                let divisor = if what == "CPU" {
                    ", divisor: \"1\""
                } else {
                    ""
                };
                let help = format!(
                    "add a {what} limit to container {}, or read the request instead:\n\
                     \x20 valueFrom:\n\
                     \x20   resourceFieldRef: {{resource: {request}{divisor}}}",
                    target.name
                );
                let path = c
                    .path
                    .clone()
                    .key("env")
                    .index(i)
                    .key("valueFrom")
                    .key("resourceFieldRef")
                    .key("resource");
                let finding = pod
                    .finding(
                        ID,
                        Severity::Warning,
                        field.resource_location.clone(),
                        &path,
                        message,
                    )
                    .with_label(format!("no {what} limit to read: this is the node's"))
                    .with_help(help)
                    .with_related(
                        target.name_location.clone(),
                        format!("container {} sets no {what} limit", target.name),
                    );
                cx.report(finding);
            }
        }
    }
}
