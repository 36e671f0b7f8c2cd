//! What each workload and LimitRange leaves for the cross-environment set pass: identity keys
//! for pairing, and per container the requests and limits with their locations. Small, so
//! that no tree outlives its file.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Container;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;

use crate::finding::{Location, ObjectRef};
use crate::k8s::quantity::Quantity;
use crate::k8s::{Object, Typed};
use crate::process::PodFacts;
use crate::source::FileId;
use crate::workers::checks::may_run_a_server;
use crate::yaml::{FieldPath, Target};

/// The annotation that names a workload's logical identity across environments.
pub const LOGICAL_NAME_ANNOTATION: &str = "kubelint.io/logical-name";
/// The annotation that accepts a smaller size in an environment: `"cpu,memory"`.
pub const RATIO_OK_ANNOTATION: &str = "kubelint.io/env-ratio-ok";

/// A written quantity and where it is.
#[derive(Debug, Clone)]
pub struct Value {
    pub quantity: Quantity,
    pub location: Location,
}

/// One container's resources.
#[derive(Debug, Clone)]
pub struct ContainerSummary {
    pub name: String,
    /// The container's path (`spec.template.spec.containers[0]`).
    pub path: String,
    /// An init container (paired only with init containers).
    pub init: bool,
    pub requests: BTreeMap<String, Value>,
    pub limits: BTreeMap<String, Value>,
    /// Where a missing request or limit would be written (the nearest existing parent).
    pub requests_location: Location,
    pub limits_location: Location,
}

/// One workload in one environment.
#[derive(Debug, Clone)]
pub struct WorkloadSummary {
    pub object: ObjectRef,
    pub environment: Arc<str>,
    /// Workloads pair only within one scope (see `Environments::locate_file`).
    pub scope: Arc<str>,
    pub file: FileId,
    pub name_location: Location,
    pub logical_name: Option<String>,
    /// The Kustomize `config.kubernetes.io/origin` path.
    pub kustomize_origin: Option<String>,
    /// The Helm `# Source:` template path.
    pub helm_source: Option<String>,
    pub app_name: Option<String>,
    pub component: Option<String>,
    /// `app.kubernetes.io/instance`: the Helm release.
    pub instance: Option<String>,
    /// Resources for which a smaller size here is intended (`kubelint.io/env-ratio-ok`).
    pub ratio_ok: Vec<String>,
    /// `spec.replicas` for kinds that have it; `None` when unset (defaults to 1).
    pub replicas: Option<i32>,
    pub has_replicas: bool,
    pub replicas_location: Location,
    pub containers: Vec<ContainerSummary>,
    /// The pod as written, when a container may run an application server: the worker
    /// counts are resolved from it in the set pass (`env-memory-per-worker-far-below`).
    pub pod: Option<Box<PodFacts>>,
}

impl WorkloadSummary {
    pub fn name(&self) -> &str {
        self.object.name.as_deref().unwrap_or("")
    }

    pub fn display(&self) -> String {
        format!("{}/{}", self.object.kind, self.name())
    }

    pub fn container(&self, name: &str, init: bool) -> Option<&ContainerSummary> {
        self.containers
            .iter()
            .find(|c| c.name == name && c.init == init)
    }
}

/// A LimitRange's container defaults (SEMANTICS.md §0.3).
#[derive(Debug, Clone)]
pub struct LimitRangeSummary {
    pub name: String,
    pub namespace: Option<String>,
    pub environment: Option<Arc<str>>,
    /// `default`: missing limits.
    pub default_limits: BTreeMap<String, Value>,
    /// `defaultRequest` (or, as the API server defaults it, `default`): missing requests.
    pub default_requests: BTreeMap<String, Value>,
}

fn quantities(
    object: &Object<'_, '_>,
    map: Option<&BTreeMap<String, ApiQuantity>>,
    path: &FieldPath,
) -> BTreeMap<String, Value> {
    map.into_iter()
        .flatten()
        .filter_map(|(resource, value)| {
            let quantity = Quantity::parse_manifest_value(&value.0).ok()?;
            let location = object.locate(&path.clone().key(resource.clone()), Target::Value);
            Some((resource.clone(), Value { quantity, location }))
        })
        .collect()
}

fn container_summary(
    object: &Object<'_, '_>,
    container: &Container,
    path: FieldPath,
    init: bool,
) -> ContainerSummary {
    let resources = container.resources.as_ref();
    let path_text = path.to_string();
    let requests_path = path.clone().key("resources").key("requests");
    let limits_path = path.key("resources").key("limits");
    ContainerSummary {
        name: container.name.clone(),
        path: path_text,
        init,
        requests: quantities(
            object,
            resources.and_then(|r| r.requests.as_ref()),
            &requests_path,
        ),
        limits: quantities(
            object,
            resources.and_then(|r| r.limits.as_ref()),
            &limits_path,
        ),
        requests_location: object.locate(&requests_path, Target::Key),
        limits_location: object.locate(&limits_path, Target::Key),
    }
}

/// The summary of a workload that has an environment.
pub fn workload(object: &Object<'_, '_>) -> Option<WorkloadSummary> {
    let environment = object.environment.clone()?;
    let template = object.pod_template()?;
    let replicas = match &object.typed {
        Typed::Deployment(d) => Some(d.spec.replicas),
        Typed::StatefulSet(s) => Some(s.spec.replicas),
        Typed::ReplicaSet(r) => Some(r.spec.replicas),
        _ => None,
    };
    let annotation = |key: &str| {
        object
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(key))
            .or_else(|| {
                template
                    .metadata
                    .and_then(|m| m.annotations.as_ref())
                    .and_then(|a| a.get(key))
            })
            .cloned()
    };
    let label = |key: &str| {
        object
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(key))
            .cloned()
    };
    let spec_path = &template.spec_path;
    let mut containers: Vec<ContainerSummary> = template
        .spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            container_summary(
                object,
                c,
                spec_path.clone().key("containers").index(i),
                false,
            )
        })
        .collect();
    containers.extend(
        template
            .spec
            .init_containers
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| {
                container_summary(
                    object,
                    c,
                    spec_path.clone().key("initContainers").index(i),
                    true,
                )
            }),
    );
    let replicas_path = FieldPath::keys(&["spec", "replicas"]);
    Some(WorkloadSummary {
        object: object.reference(),
        environment,
        scope: object.environment_scope.clone(),
        file: object.file.id,
        name_location: object.locate(&FieldPath::keys(&["metadata", "name"]), Target::Value),
        logical_name: annotation(LOGICAL_NAME_ANNOTATION),
        kustomize_origin: object.kustomize_origin(),
        helm_source: object.helm_source().map(str::to_string),
        app_name: label("app.kubernetes.io/name"),
        component: label("app.kubernetes.io/component"),
        instance: label("app.kubernetes.io/instance"),
        ratio_ok: annotation(RATIO_OK_ANNOTATION)
            .map(|v| v.split(',').map(|r| r.trim().to_string()).collect())
            .unwrap_or_default(),
        replicas: replicas.flatten(),
        has_replicas: replicas.is_some(),
        replicas_location: object.locate(&replicas_path, Target::Value),
        containers,
        pod: may_run_a_server(object)
            .then(|| PodFacts::capture(object))
            .flatten()
            .map(Box::new),
    })
}

/// The container defaults of a LimitRange.
pub fn limit_range(object: &Object<'_, '_>) -> Option<LimitRangeSummary> {
    let Typed::LimitRange(range) = &object.typed else {
        return None;
    };
    let mut summary = LimitRangeSummary {
        name: object.name().unwrap_or_default().to_string(),
        namespace: object.namespace().map(str::to_string),
        environment: object.environment.clone(),
        default_limits: BTreeMap::new(),
        default_requests: BTreeMap::new(),
    };
    for (i, item) in range.spec.as_ref()?.limits.iter().enumerate() {
        if item.type_ != "Container" {
            continue;
        }
        let path = FieldPath::keys(&["spec", "limits"]).index(i);
        let limits = quantities(object, item.default.as_ref(), &path.clone().key("default"));
        let requests = quantities(
            object,
            item.default_request.as_ref(),
            &path.key("defaultRequest"),
        );
        // SetDefaults_LimitRangeItem: a missing defaultRequest takes the default limit.
        for (resource, value) in limits
            .iter()
            .map(|(r, v)| (r.clone(), v.clone()))
            .chain(requests)
        {
            summary.default_requests.insert(resource, value);
        }
        summary.default_limits.extend(limits);
    }
    Some(summary)
}
