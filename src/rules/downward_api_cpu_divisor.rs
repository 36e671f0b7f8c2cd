//! `downward-api-cpu-divisor` (SEMANTICS.md §C.9): a thread-count variable taken from a CPU
//! amount with a divisor other than 1 holds millicores (or some other multiple), not CPUs.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::Severity;
use crate::k8s::{Object, ObjectIndex};
use crate::process::PodFacts;
use crate::process::env::RawValue;
use crate::process::threads::THREAD_COUNT_VARS;

pub const ID: &str = "downward-api-cpu-divisor";

pub struct DownwardApiCpuDivisor;

impl Rule for DownwardApiCpuDivisor {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/downward-api-cpu-divisor.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(pod) = cx.pod_facts(object) else {
            return;
        };
        let suspicious = pod.containers.iter().any(|c| {
            c.env.env.iter().any(|e| {
                THREAD_COUNT_VARS.contains(&e.name.as_str())
                    && matches!(&e.value, RawValue::ResourceField(f)
                        if f.resource.ends_with(".cpu") && !f.divisor_is_one())
            })
        });
        if suspicious {
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
                if !THREAD_COUNT_VARS.contains(&entry.name.as_str())
                    || !field.resource.ends_with(".cpu")
                    || field.divisor_is_one()
                {
                    continue;
                }
                let Some(divisor) = &field.divisor else {
                    continue;
                };
                let target = match &field.container {
                    Some(name) => pod.container(name),
                    None => Some(c),
                };
                let amount = target.and_then(|t| match field.resource.as_str() {
                    "limits.cpu" => pod.cpu_limit(t, Some(index)).map(|l| l.quantity),
                    _ => t
                        .resources
                        .cpu_request
                        .as_ref()
                        .or(t.resources.cpu_limit.as_ref())
                        .map(|a| a.quantity.clone()),
                });
                let turns = match amount.as_ref().and_then(|a| Some((a, field.value_for(a)?))) {
                    Some((amount, value)) => format!(
                        "divisor {divisor} turns {}={amount} into {}={value}",
                        field.resource, entry.name
                    ),
                    None => format!(
                        "divisor {divisor} turns {} into a count of {divisor} units (4 CPUs would give {})",
                        field.resource,
                        field.value_for_millis(4000).unwrap_or_default()
                    ),
                };
                let message = format!(
                    "{turns}: {} is a thread count, and the Downward API divides the CPU amount by the divisor \
                     (rounding up), so the process starts that many threads.",
                    entry.name
                );
                let path = c
                    .path
                    .clone()
                    .key("env")
                    .index(i)
                    .key("valueFrom")
                    .key("resourceFieldRef")
                    .key("divisor");
                let finding = pod
                    .finding(
                        ID,
                        Severity::Warning,
                        field.divisor_location.clone(),
                        &path,
                        message,
                    )
                    .with_label(format!("{} counted in units of {divisor}", field.resource))
                    .with_help(format!(
                        "use divisor \"1\" (whole CPUs, rounded up):\n\
                         \x20 valueFrom:\n\
                         \x20   resourceFieldRef: {{resource: {}, divisor: \"1\"}}",
                        field.resource
                    ));
                cx.report(finding);
            }
        }
    }
}
