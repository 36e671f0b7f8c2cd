//! `cpu-count-from-host` (SEMANTICS.md §C.10): a worker or thread count computed from the
//! node's CPU count (`$(nproc)`, `os.cpu_count()`) in a container with a CPU limit.

use std::any::Any;
use std::sync::Arc;

use super::{ObjectContext, Rule, SetContext};
use crate::finding::{Location, Severity};
use crate::k8s::{Object, ObjectIndex};
use crate::process::threads::THREAD_COUNT_VARS;
use crate::process::{CpuLimit, PodFacts, ResolvedContainer, SimpleCommand};
use crate::yaml::FieldPath;

pub const ID: &str = "cpu-count-from-host";

pub struct CpuCountFromHost;

/// The options that set a worker or thread count, per program: (short, long).
fn count_options(program: &str) -> &'static [(&'static [&'static str], &'static [&'static str])] {
    match program {
        "gunicorn" => &[(&["-w"], &["--workers"]), (&[], &["--threads"])],
        "uvicorn" => &[(&[], &["--workers"])],
        "hypercorn" => &[(&["-w"], &["--workers"])],
        "celery" => &[(&["-c"], &["--concurrency"]), (&[], &["--autoscale"])],
        "uwsgi" => &[
            (&["-p"], &["--processes", "--workers"]),
            (&[], &["--threads"]),
        ],
        "torchrun" | "torch.distributed.run" => &[(&[], &["--nproc-per-node", "--nproc_per_node"])],
        _ => &[],
    }
}

/// Variables that set a process or thread count when assigned for a command.
const COUNT_VARS: &[&str] = &["WEB_CONCURRENCY", "GUNICORN_WORKERS", "UVICORN_WORKERS"];

/// What in `text` counts the host's CPUs, if anything.
fn host_cpu_count(text: &str) -> Option<&'static str> {
    let words = || text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    if words().any(|w| w == "nproc") {
        Some("nproc")
    } else if text.contains("_NPROCESSORS_ONLN") || text.contains("_NPROCESSORS_CONF") {
        Some("getconf _NPROCESSORS_ONLN")
    } else if text.contains("/proc/cpuinfo") {
        Some("/proc/cpuinfo")
    } else if text.contains("cpu_count(") {
        Some("os.cpu_count()")
    } else {
        None
    }
}

/// What the host count means, for messages.
fn meaning(what: &str) -> &'static str {
    match what {
        "nproc" => {
            "nproc counts the CPUs the process may run on, which a CFS quota does not reduce; only \
             coreutils ≥ 9.8 on cgroup v2 honours the quota"
        }
        "os.cpu_count()" => {
            "os.cpu_count() and multiprocessing.cpu_count() count the node's CPUs; only \
             PYTHON_CPU_COUNT (Python ≥ 3.13) changes that"
        }
        _ => "It counts the node's CPUs, not the CPU quota",
    }
}

struct HostCount {
    /// The expression as written.
    expression: String,
    what: &'static str,
    location: Location,
    path: FieldPath,
    /// What the count sizes (`--workers`, `WEB_CONCURRENCY`, `workers in gunicorn.conf.py`).
    sizes: String,
    /// How to write the count from the limit instead.
    fix: String,
}

fn in_command(c: &ResolvedContainer<'_>, command: &SimpleCommand, out: &mut Vec<HostCount>) {
    // `nproc` reports OMP_NUM_THREADS when it is set (coreutils nproc(1)).
    let omp_set = c.thread_setting("OMP_NUM_THREADS").is_some();
    let counts = |dynamic: &[String]| {
        dynamic.iter().find_map(|d| {
            let what = host_cpu_count(d)?;
            (!(what == "nproc" && omp_set && !d.contains("--all"))).then(|| (d.clone(), what))
        })
    };
    for (short, long) in count_options(&command.program) {
        let Some(option) = command.option(short, long) else {
            continue;
        };
        if option.value().is_some() {
            continue;
        }
        if let Some((expression, what)) = counts(option.dynamic()) {
            let origin = option.origin();
            out.push(HostCount {
                expression,
                what,
                location: c.locate(&origin),
                path: c.path_of(&origin),
                sizes: format!("{} {}", command.program, option.name),
                fix: format!("args: [\"{}\", \"$(CPU_LIMIT)\"]", option.name),
            });
        }
    }
    for assignment in &command.assignments {
        let name = assignment.name.as_str();
        if !(COUNT_VARS.contains(&name) || THREAD_COUNT_VARS.contains(&name)) {
            continue;
        }
        if let Some((expression, what)) = counts(&assignment.value.dynamic) {
            out.push(HostCount {
                expression,
                what,
                location: c.locate(&assignment.value.origin),
                path: c.path_of(&assignment.value.origin),
                sizes: name.to_string(),
                fix: format!("{name}=\"$CPU_LIMIT\" (in the script)"),
            });
        }
    }
}

/// `workers = multiprocessing.cpu_count() * 2 + 1` in a gunicorn config file mounted from a
/// ConfigMap.
fn in_gunicorn_config(
    pod: &PodFacts,
    c: &ResolvedContainer<'_>,
    command: &SimpleCommand,
    index: &ObjectIndex,
    out: &mut Vec<HostCount>,
) {
    let path = match command.option(&["-c"], &["--config"]) {
        Some(option) => match option.value() {
            Some(value) if value.starts_with("python:") => return,
            Some(value) => value.trim_start_matches("file:").to_string(),
            None => return,
        },
        None => "gunicorn.conf.py".to_string(),
    };
    let path = if path.starts_with('/') {
        path
    } else {
        match &c.facts.working_dir {
            Some(dir) => format!("{}/{path}", dir.trim_end_matches('/')),
            None => return,
        }
    };
    let Some(file) = pod.mounted_file(c.facts, &path, index) else {
        return;
    };
    for (i, line) in file.text.value.split('\n').enumerate() {
        // Module-level assignments only: indented ones depend on control flow.
        let Some((name, expression)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim_end();
        if line.starts_with(char::is_whitespace)
            || !matches!(name, "workers" | "threads")
            || expression.starts_with('=')
        {
            continue;
        }
        if host_cpu_count(expression) == Some("os.cpu_count()") {
            out.push(HostCount {
                expression: line.trim().to_string(),
                what: "os.cpu_count()",
                location: file.text.locate_line(i),
                path: FieldPath::keys(&["data"]).key(file.key.to_string()),
                sizes: format!("{name} in {} (ConfigMap {})", file.key, file.config_map),
                fix: format!("{name} = int(os.environ[\"CPU_LIMIT\"])  # in {}", file.key),
            });
        }
    }
}

fn help(limit: &CpuLimit, fix: &str) -> String {
    format!(
        "pass an explicit number (at most {} for {}), or read the limit through the Downward API \
         (Kubernetes expands $(CPU_LIMIT) in command and args):\n\
         \x20 env:\n\
         \x20   - name: CPU_LIMIT\n\
         \x20     valueFrom: {{resourceFieldRef: {{resource: limits.cpu, divisor: \"1\"}}}}\n\
         \x20 {fix}",
        limit.ceil(),
        limit.describe()
    )
}

impl Rule for CpuCountFromHost {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/cpu-count-from-host.md")
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
            let mut found = Vec::new();
            for command in &c.commands.list {
                in_command(&c, command, &mut found);
                if command.program == "gunicorn" {
                    in_gunicorn_config(&pod, &c, command, index, &mut found);
                }
            }
            for host in found {
                let message = format!(
                    "`{}` evaluates to the node's CPU count (e.g. 48), not {}: {} sizes itself for the whole \
                     node and its processes or threads share {} CPU(s) of quota. {}.",
                    host.expression,
                    limit.describe(),
                    host.sizes,
                    limit.ceil(),
                    meaning(host.what)
                );
                let finding = pod
                    .finding(ID, Severity::Warning, host.location, &host.path, message)
                    .with_label(format!("{} counts the node's CPUs", host.what))
                    .with_help(help(limit, &host.fix))
                    .with_related(limit.location.clone(), format!("{} here", limit.describe()));
                cx.report(finding);
            }
        }
    }
}
