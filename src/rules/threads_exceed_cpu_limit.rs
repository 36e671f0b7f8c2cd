//! `threads-exceed-cpu-limit` (SEMANTICS.md §C.7): a thread-count variable asks for more
//! threads per process than the container's CPU limit has CPUs.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Location, Severity};
use crate::k8s::{Object, ObjectIndex};
use crate::process::threads::Processes;
use crate::process::{EnvValue, Lookup, PodFacts, ResolvedContainer};
use crate::yaml::FieldPath;

pub const ID: &str = "threads-exceed-cpu-limit";

pub struct ThreadsExceedCpuLimit;

/// One variable that sizes a pool above the limit.
struct Excess {
    name: String,
    threads: i64,
    /// The pools it sizes (`OpenBLAS, MKL, OpenMP`) and a note for runtimes with caveats.
    readers: String,
    severity: Severity,
    location: Location,
    path: FieldPath,
    via: Option<Location>,
    /// The fix, when the Downward API form does not apply.
    help: Option<String>,
}

/// The count in `-XX:ActiveProcessorCount=N` within a JVM options text.
fn active_processor_count(text: &str) -> Option<(usize, i64)> {
    let at = text.find("-XX:ActiveProcessorCount=")?;
    let digits = &text[at + "-XX:ActiveProcessorCount=".len()..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    Some((at, digits[..end].parse().ok()?))
}

const JVM_HELP: &str = "lower -XX:ActiveProcessorCount to the CPU limit, or remove it: JDK ≥ 10 (and 8u191) \
     reads the CPU quota itself";

/// Runtime settings outside the BLAS groups that also pin a CPU count (§C.7, last paragraph).
fn runtime_excesses(c: &ResolvedContainer<'_>, cpus: i128) -> Vec<Excess> {
    let mut out = Vec::new();
    let literal = |name: &str| match c.env.lookup(name) {
        Lookup::Set(var) => match &var.value {
            EnvValue::Literal(text) => text.trim().parse::<i64>().ok().map(|n| (var, n)),
            _ => None,
        },
        _ => None,
    };
    let excess =
        |name: &str, threads: i64, readers: &str, severity, var: &crate::process::EnvVar| Excess {
            name: name.to_string(),
            threads,
            readers: readers.to_string(),
            severity,
            location: var.location.clone(),
            path: c.env_path(var),
            via: None,
            help: None,
        };
    if let Some((var, n)) = literal("GOMAXPROCS")
        && i128::from(n) > cpus
    {
        out.push(excess(
            "GOMAXPROCS",
            n,
            "the Go scheduler; an explicit value also turns off Go ≥ 1.25's automatic, limit-aware setting",
            Severity::Info,
            var,
        ));
    }
    if let Some((var, n)) = literal("DOTNET_PROCESSOR_COUNT")
        && i128::from(n) > cpus
    {
        out.push(excess(
            "DOTNET_PROCESSOR_COUNT",
            n,
            ".NET's Environment.ProcessorCount",
            Severity::Warning,
            var,
        ));
    }
    if let Some((var, n)) = literal("UV_THREADPOOL_SIZE")
        && i128::from(n) > 4 * cpus
    {
        out.push(excess(
            "UV_THREADPOOL_SIZE",
            n,
            "libuv's pool (for I/O; flagged above 4 × the limit)",
            Severity::Warning,
            var,
        ));
    }
    for name in ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"] {
        if let Lookup::Set(var) = c.env.lookup(name)
            && let EnvValue::Literal(text) = &var.value
            && let Some((_, n)) = active_processor_count(text)
            && i128::from(n) > cpus
        {
            out.push(Excess {
                help: Some(JVM_HELP.to_string()),
                ..excess(
                    "-XX:ActiveProcessorCount",
                    n,
                    "the JVM's processor count (GC and ForkJoin pools)",
                    Severity::Warning,
                    var,
                )
            });
        }
    }
    if let Some(main) = c.commands.main() {
        for arg in main.args() {
            let Some(text) = arg.known() else { continue };
            if let Some((at, n)) = active_processor_count(text)
                && i128::from(n) > cpus
            {
                let mut origin = arg.origin.clone();
                origin.range = arg.element_range(at..text.len());
                out.push(Excess {
                    name: "-XX:ActiveProcessorCount".to_string(),
                    threads: n,
                    readers: "the JVM's processor count (GC and ForkJoin pools)".to_string(),
                    severity: Severity::Warning,
                    location: c.locate(&origin),
                    path: c.path_of(&origin),
                    via: None,
                    help: Some(JVM_HELP.to_string()),
                });
            }
        }
    }
    out
}

impl Rule for ThreadsExceedCpuLimit {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/threads-exceed-cpu-limit.md")
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
            let cpus = limit.ceil();
            let mut excesses: Vec<Excess> = c
                .library_threads()
                .into_iter()
                .filter(|(_, n, _)| i128::from(*n) > cpus)
                .map(|(setting, n, readers)| Excess {
                    name: setting.name.to_string(),
                    threads: n,
                    readers: readers.join(", "),
                    severity: Severity::Warning,
                    location: setting.location,
                    path: setting.path,
                    via: setting.via,
                    help: None,
                })
                .collect();
            excesses.extend(runtime_excesses(&c, cpus));
            let processes = c.processes();
            for excess in excesses {
                let n = excess.threads;
                let mut message = format!(
                    "{}={n} but {}: {n} threads per process",
                    excess.name,
                    limit.describe()
                );
                let per_process = match &processes {
                    Processes::Known { count, .. } if *count > 1 => {
                        message.push_str(&format!(
                            " × {count} processes = {} runnable threads",
                            i128::from(n) * i128::from(*count)
                        ));
                        *count
                    }
                    _ => 1,
                };
                message.push_str(&format!(
                    " on {cpus} CPU(s) of quota. It sizes {}; the extra threads share the CFS quota and wait \
                     throttled for most of every period.",
                    excess.readers
                ));
                let fit = (cpus / i128::from(per_process.max(1))).max(1);
                let help = excess.help.clone().unwrap_or_else(|| format!(
                    "set {} to {fit} (max(1, floor({cpus} / {per_process})) — usually \"1\" for multi-worker \
                     servers), or take it from the limit with the Downward API:\n\
                     \x20 env:\n\
                     \x20   - name: {}\n\
                     \x20     valueFrom: {{resourceFieldRef: {{resource: limits.cpu, divisor: \"1\"}}}}",
                    excess.name,
                    excess.name,
                ));
                let mut finding = pod
                    .finding(ID, excess.severity, excess.location, &excess.path, message)
                    .with_label(format!("{n} threads per process"))
                    .with_help(help)
                    .with_related(limit.location.clone(), format!("{} here", limit.describe()));
                if let Some(via) = excess.via {
                    finding = finding.with_related(via, "imported from this ConfigMap");
                }
                if let Processes::Known {
                    count, location, ..
                } = &processes
                    && *count > 1
                {
                    finding = finding.with_related(location.clone(), format!("{count} processes"));
                }
                cx.report(finding);
            }
        }
    }
}
