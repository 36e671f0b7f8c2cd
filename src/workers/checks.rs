//! What every worker rule does alike: capture a workload's pod in the object pass when a
//! container may run an application server, resolve it in the set pass (ConfigMaps for
//! `envFrom` and mounted configuration files are only known then), and build findings that
//! point where a setting is written.

use std::any::Any;
use std::sync::Arc;

use crate::finding::{Finding, Severity};
use crate::k8s::{Object, ObjectIndex};
use crate::process::PodFacts;
use crate::rules::{ObjectContext, SetContext};

use super::container::ServerRun;
use super::{Origin, Resolved, Value};

/// Programs whose name in a `command`/`args` element makes a container worth resolving.
const SERVERS: &[&str] = &["gunicorn", "uvicorn", "celery", "uwsgi"];

/// The official gunicorn image runs gunicorn without naming it.
const OFFICIAL_GUNICORN_IMAGE: &str = "benoitc/gunicorn";

/// Object pass: sets the pod aside for the set pass when some container's `command` or `args`
/// mentions an application server, or its image is gunicorn's own (the cheap test keeps the
/// set pass small).
pub fn defer_servers(object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
    if !may_run_a_server(object) {
        return;
    }
    cx.defer_pod_facts(object);
}

/// Whether some container's `command` or `args` mentions an application server, or its image
/// is gunicorn's own.
pub fn may_run_a_server(object: &Object<'_, '_>) -> bool {
    let Some(template) = object.pod_template() else {
        return false;
    };
    let spec = template.spec;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .any(|c| {
            c.command
                .iter()
                .flatten()
                .chain(c.args.iter().flatten())
                .any(|element| SERVERS.iter().any(|server| element.contains(server)))
                || c.image
                    .as_deref()
                    .is_some_and(|i| i.contains(OFFICIAL_GUNICORN_IMAGE))
        })
}

/// Set pass: resolves the pod and calls `check` for every server run of every container.
pub fn each_server(
    deferred: Box<dyn Any + Send>,
    index: &ObjectIndex,
    cx: &mut SetContext<'_>,
    mut check: impl FnMut(&ServerRun<'_>, &mut SetContext<'_>),
) {
    let Ok(pod) = deferred.downcast::<Arc<PodFacts>>() else {
        return;
    };
    let containers = pod.resolve(Some(index), cx.config.assumptions.numeric_python);
    for container in &containers {
        for run in ServerRun::all(container, index) {
            check(&run, cx);
        }
    }
}

/// A finding at the place a setting is written (its configuration-file line, its
/// environment variable, its command-line word), or at the server's word when it is not.
pub fn finding(
    run: &ServerRun<'_>,
    rule: &'static str,
    severity: Severity,
    origin: &Origin,
    message: String,
) -> Finding {
    let (location, path) = run.locate(origin);
    let pod = run.container.pod;
    let mut finding = pod.finding(rule, severity, location, &path, message);
    match (origin, &run.config) {
        (Origin::ConfigLine { .. }, Some(file)) => {
            finding = finding.with_related(
                file.mount.clone(),
                format!(
                    "ConfigMap {} (key {}) is mounted here as {}",
                    file.config_map, file.key, file.path
                ),
            );
        }
        // Not set anywhere, though the server reads a file kubelint sees: that is where the
        // setting belongs.
        (Origin::Default, Some(file)) => {
            finding = finding.with_related(
                file.text.location.clone(),
                format!(
                    "the server reads {} from ConfigMap {} (key {}), which does not set it",
                    file.path, file.config_map, file.key
                ),
            );
        }
        _ => {}
    }
    finding
}

/// `Deployment ns/web, container app` for messages.
pub fn subject(run: &ServerRun<'_>) -> String {
    format!(
        "{}, container {}",
        run.container.pod.display, run.container.facts.name
    )
}

/// `max_requests=1000 (set by GUNICORN_CMD_ARGS)` style description of a setting.
pub fn shown(run: &ServerRun<'_>, name: &str, resolved: &Resolved) -> String {
    let value = match &resolved.value {
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => s.clone(),
        Value::HostCpu => "the node's CPU count".to_string(),
        Value::Unknown => "unknown".to_string(),
    };
    match &resolved.origin {
        Origin::Default => format!("{name}={value}, the default"),
        Origin::Argv { .. } => format!("{name}={value}"),
        origin => format!("{name}={value} from {}", run.describe(origin)),
    }
}

/// The sentence that says a hidden gunicorn configuration file may change the verdict.
pub fn hidden_note(run: &ServerRun<'_>, setting: &str) -> String {
    format!(
        " gunicorn also reads {}, which kubelint cannot see: if it sets {setting}, ignore this.",
        run.hidden_reason
            .as_deref()
            .unwrap_or("a configuration file")
    )
}
