//! What runs inside a container, resolved once for every rule that asks (SEMANTICS.md §0.10,
//! §C.3): its environment, the commands it starts, its CPU limit and whether it is Python.
//!
//! Resolution needs other objects (ConfigMaps for `envFrom`, a LimitRange's default limit),
//! so it happens in two steps:
//!
//! 1. In the object pass a rule calls `cx.pod_facts(object)` (which runs [`PodFacts::capture`]
//!    once per object for all rules) and `defer`s the shared `Arc<PodFacts>`: the pod's
//!    containers as written — `command`/`args` elements and `env` values as [`SourceText`]
//!    (value plus where each character is written), resources, mounts — all with resolved
//!    [`Location`]s, no tree.
//! 2. In `check_deferred` it calls [`PodFacts::resolve`] with the [`ObjectIndex`] and gets a
//!    [`ResolvedContainer`] per container: the [`Environment`] (ConfigMaps from the input,
//!    `$(VAR)` expanded, `resourceFieldRef` symbolic, everything else unknown), the
//!    [`Commands`] (wrappers and `sh -c` unwrapped; every word knows the element and byte
//!    range it came from, see [`ResolvedContainer::locate`]), the effective [`CpuLimit`] and
//!    the [`PythonEvidence`].
//!
//! Unknown stays unknown: an argument that depends on `$(nproc)` or on a variable kubelint
//! cannot see has no value, and rules must not guess one.

pub mod argv;
pub mod config_file;
pub mod env;
pub mod python;
pub mod shell;
pub mod text;
pub mod threads;

use k8s_openapi::api::core::v1::{Container, EnvVar as K8sEnvVar, PodSpec, ResourceRequirements};

pub use argv::{Arg, Assignment, Commands, Entrypoint, Field, Origin, SimpleCommand};
pub use env::{EnvSource, EnvValue, EnvVar, Environment, Lookup, ResourceFieldRef};
pub use python::{Confidence, NumericPython, PythonEvidence};
pub use text::SourceText;

use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::k8s::quantity::Quantity;
use crate::k8s::{Object, ObjectIndex};
use crate::source::FileId;
use crate::yaml::{FieldPath, Target};
use env::{RawEnvFrom, RawEnvVar, RawEnvironment, RawValue};

/// What kind of container it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `containers[]`.
    Main,
    /// `initContainers[]` that runs to completion before the others start.
    Init,
    /// `initContainers[]` with `restartPolicy: Always`: runs beside the main containers.
    Sidecar,
}

/// A resource amount and where it is written.
#[derive(Debug, Clone)]
pub struct Amount {
    pub quantity: Quantity,
    pub location: Location,
}

/// The CPU and memory a container requests and is limited to, as written.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub cpu_limit: Option<Amount>,
    pub cpu_request: Option<Amount>,
    pub memory_limit: Option<Amount>,
    pub memory_request: Option<Amount>,
}

/// A `volumeMounts` entry.
#[derive(Debug, Clone)]
pub struct Mount {
    pub volume: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    /// The `mountPath` value.
    pub location: Location,
}

/// A ConfigMap projected into a volume (a `configMap` volume, or one source of a
/// `projected` volume).
#[derive(Debug, Clone)]
pub struct ConfigMapVolume {
    pub volume: String,
    pub config_map: String,
    /// `items[]` as (key, path); empty means every key, each at its own name.
    pub items: Vec<(String, String)>,
    /// The ConfigMap `name` in the volume.
    pub location: Location,
}

/// One container as written, with the locations rules point at.
#[derive(Debug, Clone)]
pub struct ContainerFacts {
    pub name: String,
    pub role: Role,
    /// `spec.template.spec.containers[0]` and the like.
    pub path: FieldPath,
    pub image: Option<SourceText>,
    pub command: Vec<SourceText>,
    pub args: Vec<SourceText>,
    pub env: RawEnvironment,
    pub resources: Resources,
    pub working_dir: Option<String>,
    pub mounts: Vec<Mount>,
    /// The container's `name` value.
    pub name_location: Location,
    /// The `command` key, when written.
    pub command_location: Option<Location>,
    /// The `args` key, when written.
    pub args_location: Option<Location>,
    /// The `env` key, or the container's `name` when it has no `env`.
    pub env_location: Location,
}

/// A workload's pod as written: what [`ObjectContext::defer`](crate::rules::ObjectContext)
/// carries to the set pass.
#[derive(Debug, Clone)]
pub struct PodFacts {
    pub object: ObjectRef,
    /// `Kind namespace/name` for messages.
    pub display: String,
    pub namespace: Option<String>,
    pub file: FileId,
    /// Main containers, then init containers (sidecars included), each in written order.
    pub containers: Vec<ContainerFacts>,
    /// Pod-level `spec.resources.limits.cpu`.
    pub pod_cpu_limit: Option<Amount>,
    /// Pod-level `spec.resources.limits.memory`.
    pub pod_memory_limit: Option<Amount>,
    pub config_map_volumes: Vec<ConfigMapVolume>,
}

/// Where the effective CPU limit comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuLimitSource {
    Container,
    /// Pod-level `spec.resources.limits.cpu`.
    Pod,
    /// The `default` of this LimitRange, applied at admission.
    LimitRange(String),
}

/// `L` of SEMANTICS.md §C.4.
#[derive(Debug, Clone)]
pub struct CpuLimit {
    pub quantity: Quantity,
    pub location: Location,
    pub source: CpuLimitSource,
}

impl CpuLimit {
    /// `ceil(L)`: the whole CPUs a thread count should not exceed (at least 1).
    pub fn ceil(&self) -> i128 {
        self.quantity.value().max(1)
    }

    /// `limits.cpu=4`, with where it comes from when not the container's own.
    pub fn describe(&self) -> String {
        match &self.source {
            CpuLimitSource::Container => format!("limits.cpu={}", self.quantity),
            CpuLimitSource::Pod => format!("limits.cpu={} (pod-level)", self.quantity),
            CpuLimitSource::LimitRange(name) => {
                format!(
                    "limits.cpu={} (defaulted by LimitRange {name})",
                    self.quantity
                )
            }
        }
    }
}

/// A container with everything resolved.
#[derive(Debug)]
pub struct ResolvedContainer<'p> {
    pub pod: &'p PodFacts,
    pub facts: &'p ContainerFacts,
    pub env: Environment,
    pub commands: Commands,
    pub cpu_limit: Option<CpuLimit>,
    pub python: PythonEvidence,
}

fn quantity(text: &k8s_openapi::apimachinery::pkg::api::resource::Quantity) -> Option<Quantity> {
    Quantity::parse_manifest_value(&text.0).ok()
}

/// A string value at `path`, with where its characters are.
fn source_text(object: &Object<'_, '_>, path: &FieldPath, value: &str) -> SourceText {
    let span = object.doc.locate(object.root, path, Target::Value).span;
    SourceText::new(object.file, span, value.to_string())
}

fn amount(
    object: &Object<'_, '_>,
    resources: Option<&ResourceRequirements>,
    path: &FieldPath,
    kind: &'static str,
    name: &'static str,
) -> Option<Amount> {
    let map = match kind {
        "limits" => resources?.limits.as_ref()?,
        _ => resources?.requests.as_ref()?,
    };
    Some(Amount {
        quantity: quantity(map.get(name)?)?,
        location: object.locate(
            &path.clone().key("resources").key(kind).key(name),
            Target::Value,
        ),
    })
}

fn capture_env(object: &Object<'_, '_>, container: &Container, path: &FieldPath) -> RawEnvironment {
    let env = container
        .env
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, var)| capture_env_var(object, var, &path.clone().key("env").index(i)))
        .collect();
    let env_from = container
        .env_from
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, source)| {
            let entry = path.clone().key("envFrom").index(i);
            let (kind, name, key) = match (&source.config_map_ref, &source.secret_ref) {
                (Some(cm), _) => ("ConfigMap", cm.name.clone(), "configMapRef"),
                (None, Some(secret)) => ("Secret", secret.name.clone(), "secretRef"),
                (None, None) => return None,
            };
            Some(RawEnvFrom {
                kind,
                name,
                prefix: source.prefix.clone().unwrap_or_default(),
                location: object.locate(&entry.key(key), Target::Key),
            })
        })
        .collect();
    RawEnvironment { env, env_from }
}

fn capture_env_var(object: &Object<'_, '_>, var: &K8sEnvVar, entry: &FieldPath) -> RawEnvVar {
    let value = match &var.value_from {
        None => RawValue::Value(source_text(
            object,
            &entry.clone().key("value"),
            var.value.as_deref().unwrap_or_default(),
        )),
        Some(from) => {
            let from_path = entry.clone().key("valueFrom");
            if let Some(field) = &from.resource_field_ref {
                let field_path = from_path.key("resourceFieldRef");
                RawValue::ResourceField(ResourceFieldRef {
                    resource: field.resource.clone(),
                    container: field.container_name.clone().filter(|c| !c.is_empty()),
                    resource_location: object
                        .locate(&field_path.clone().key("resource"), Target::Value),
                    divisor: field.divisor.as_ref().and_then(quantity),
                    divisor_location: object.locate(&field_path.key("divisor"), Target::Value),
                })
            } else if let Some(key) = &from.config_map_key_ref {
                RawValue::ConfigMapKey {
                    name: key.name.clone(),
                    key: key.key.clone(),
                    optional: key.optional.unwrap_or(false),
                }
            } else if from.secret_key_ref.is_some() {
                RawValue::Other("from a Secret")
            } else if from.field_ref.is_some() {
                RawValue::Other("from a pod field")
            } else {
                RawValue::Other("set at run time")
            }
        }
    };
    RawEnvVar {
        name: var.name.clone(),
        value,
        location: object.locate(&entry.clone().key("name"), Target::Value),
    }
}

fn capture_container(
    object: &Object<'_, '_>,
    container: &Container,
    path: FieldPath,
    role: Role,
) -> ContainerFacts {
    let texts = |key: &'static str, values: &Option<Vec<String>>| -> Vec<SourceText> {
        values
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, value)| source_text(object, &path.clone().key(key).index(i), value))
            .collect()
    };
    let key_location = |key: &'static str, written: bool| {
        written.then(|| object.locate(&path.clone().key(key), Target::Key))
    };
    let resources = container.resources.as_ref();
    let name_location = object.locate(&path.clone().key("name"), Target::Value);
    ContainerFacts {
        name: container.name.clone(),
        role,
        image: container
            .image
            .as_deref()
            .map(|image| source_text(object, &path.clone().key("image"), image)),
        command: texts("command", &container.command),
        args: texts("args", &container.args),
        env: capture_env(object, container, &path),
        resources: Resources {
            cpu_limit: amount(object, resources, &path, "limits", "cpu"),
            cpu_request: amount(object, resources, &path, "requests", "cpu"),
            memory_limit: amount(object, resources, &path, "limits", "memory"),
            memory_request: amount(object, resources, &path, "requests", "memory"),
        },
        working_dir: container.working_dir.clone(),
        mounts: container
            .volume_mounts
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, mount)| Mount {
                volume: mount.name.clone(),
                mount_path: mount.mount_path.clone(),
                sub_path: mount.sub_path.clone().filter(|s| !s.is_empty()),
                location: object.locate(
                    &path.clone().key("volumeMounts").index(i).key("mountPath"),
                    Target::Value,
                ),
            })
            .collect(),
        command_location: key_location("command", container.command.is_some()),
        args_location: key_location("args", container.args.is_some()),
        env_location: if container.env.is_some() {
            object.locate(&path.clone().key("env"), Target::Key)
        } else {
            name_location.clone()
        },
        name_location,
        path,
    }
}

fn config_map_volumes(
    object: &Object<'_, '_>,
    spec: &PodSpec,
    spec_path: &FieldPath,
) -> Vec<ConfigMapVolume> {
    let mut out = Vec::new();
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        let path = spec_path.clone().key("volumes").index(i);
        let items = |items: &Option<Vec<k8s_openapi::api::core::v1::KeyToPath>>| {
            items
                .iter()
                .flatten()
                .map(|item| (item.key.clone(), item.path.clone()))
                .collect()
        };
        if let Some(cm) = &volume.config_map {
            out.push(ConfigMapVolume {
                volume: volume.name.clone(),
                config_map: cm.name.clone(),
                items: items(&cm.items),
                location: object.locate(&path.clone().key("configMap").key("name"), Target::Value),
            });
        }
        if let Some(projected) = &volume.projected {
            for (j, source) in projected.sources.iter().flatten().enumerate() {
                if let Some(cm) = &source.config_map {
                    out.push(ConfigMapVolume {
                        volume: volume.name.clone(),
                        config_map: cm.name.clone(),
                        items: items(&cm.items),
                        location: object.locate(
                            &path
                                .clone()
                                .key("projected")
                                .key("sources")
                                .index(j)
                                .key("configMap")
                                .key("name"),
                            Target::Value,
                        ),
                    });
                }
            }
        }
    }
    out
}

impl PodFacts {
    /// The pod of a workload (any kind with a pod template), as written.
    pub fn capture(object: &Object<'_, '_>) -> Option<PodFacts> {
        let template = object.pod_template()?;
        let spec = template.spec;
        let spec_path = &template.spec_path;
        let mut containers: Vec<ContainerFacts> = spec
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                capture_container(
                    object,
                    c,
                    spec_path.clone().key("containers").index(i),
                    Role::Main,
                )
            })
            .collect();
        containers.extend(
            spec.init_containers
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| {
                    let role = if c.restart_policy.as_deref() == Some("Always") {
                        Role::Sidecar
                    } else {
                        Role::Init
                    };
                    capture_container(
                        object,
                        c,
                        spec_path.clone().key("initContainers").index(i),
                        role,
                    )
                }),
        );
        let pod_limit =
            |name: &'static str| amount(object, spec.resources.as_ref(), spec_path, "limits", name);
        Some(PodFacts {
            object: object.reference(),
            display: object.display_name(),
            namespace: object.namespace().map(str::to_string),
            file: object.file.id,
            containers,
            pod_cpu_limit: pod_limit("cpu"),
            pod_memory_limit: pod_limit("memory"),
            config_map_volumes: config_map_volumes(object, spec, spec_path),
        })
    }

    /// Every container resolved against the objects of the run (`None`: the object pass,
    /// where no other object is known yet).
    pub fn resolve(
        &self,
        index: Option<&ObjectIndex>,
        assumption: NumericPython,
    ) -> Vec<ResolvedContainer<'_>> {
        self.containers
            .iter()
            .map(|facts| {
                let env = facts
                    .env
                    .resolve(index, self.namespace.as_deref(), self.file);
                let commands = argv::resolve(&facts.command, &facts.args, &env);
                let python = python::python_confidence(
                    facts.image.as_ref().map(|i| i.value.as_str()),
                    &commands,
                    &env,
                    assumption,
                );
                ResolvedContainer {
                    pod: self,
                    facts,
                    cpu_limit: self.cpu_limit(facts, index),
                    env,
                    commands,
                    python,
                }
            })
            .collect()
    }

    /// The container named `name` (`None`: none has that name).
    pub fn container(&self, name: &str) -> Option<&ContainerFacts> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// Whether a container has a memory limit once admitted: its own, the pod's, or a
    /// LimitRange default.
    pub fn has_memory_limit(&self, facts: &ContainerFacts, index: Option<&ObjectIndex>) -> bool {
        facts.resources.memory_limit.is_some()
            || self.pod_memory_limit.is_some()
            || index
                .and_then(|index| index.limit_range(self.namespace.as_deref(), self.file))
                .is_some_and(|l| l.memory.is_some())
    }

    /// `cpuLimit(c)` of SEMANTICS.md §C.4: the container's, else the pod's, else the
    /// namespace's LimitRange default.
    pub fn cpu_limit(
        &self,
        facts: &ContainerFacts,
        index: Option<&ObjectIndex>,
    ) -> Option<CpuLimit> {
        if let Some(limit) = &facts.resources.cpu_limit {
            return Some(CpuLimit {
                quantity: limit.quantity.clone(),
                location: limit.location.clone(),
                source: CpuLimitSource::Container,
            });
        }
        if let Some(limit) = &self.pod_cpu_limit {
            return Some(CpuLimit {
                quantity: limit.quantity.clone(),
                location: limit.location.clone(),
                source: CpuLimitSource::Pod,
            });
        }
        let limit_range = index?.limit_range(self.namespace.as_deref(), self.file)?;
        let (quantity, location) = limit_range.cpu.clone()?;
        Some(CpuLimit {
            quantity,
            location,
            source: CpuLimitSource::LimitRange(limit_range.name.clone()),
        })
    }

    /// Guaranteed QoS with whole CPUs in every container: the only pods the kubelet's static
    /// CPU manager may pin to exclusive CPUs (so that affinity-sized pools fit). Requests not
    /// written default to the limits.
    pub fn guaranteed_whole_cpus(&self) -> bool {
        self.containers.iter().all(|c| {
            let r = &c.resources;
            let (Some(cpu), Some(memory)) = (&r.cpu_limit, &r.memory_limit) else {
                return false;
            };
            let cpu_request = r.cpu_request.as_ref().unwrap_or(cpu);
            let memory_request = r.memory_request.as_ref().unwrap_or(memory);
            cpu.quantity.is_integer()
                && cpu.quantity.milli_value() == cpu_request.quantity.milli_value()
                && memory.quantity.milli_value() == memory_request.quantity.milli_value()
        })
    }

    /// A finding of this pod's workload at `location`, with the field path filled in.
    pub fn finding(
        &self,
        rule: &'static str,
        severity: Severity,
        location: Location,
        path: &FieldPath,
        message: impl Into<String>,
    ) -> Finding {
        let mut finding = Finding::new(rule, severity, location, message);
        finding.path = Some(path.to_string());
        finding.object = Some(self.object.clone());
        finding
    }
}

impl ResolvedContainer<'_> {
    /// Where a word of the argv is written: its exact bytes when known, else its element.
    pub fn locate(&self, origin: &Origin) -> Location {
        let elements = match origin.field {
            Field::Command => &self.facts.command,
            Field::Args => &self.facts.args,
        };
        match elements.get(origin.index) {
            Some(text) => match &origin.range {
                Some(range) => text.locate(range.clone()),
                None => text.location.clone(),
            },
            None => self.process_location(),
        }
    }

    /// The field path of an argv element.
    pub fn path_of(&self, origin: &Origin) -> FieldPath {
        self.facts
            .path
            .clone()
            .key(origin.field.key())
            .index(origin.index)
    }

    /// Where to point when a setting of the process is absent: the container's `command`,
    /// else its `args`, else its `image`, else its name.
    pub fn process_location(&self) -> Location {
        let facts = self.facts;
        facts
            .command_location
            .clone()
            .or_else(|| facts.args_location.clone())
            .or_else(|| facts.image.as_ref().map(|i| i.location.clone()))
            .unwrap_or_else(|| facts.name_location.clone())
    }

    /// The field path that [`ResolvedContainer::process_location`] points at.
    pub fn process_path(&self) -> FieldPath {
        let facts = self.facts;
        let key = if facts.command_location.is_some() {
            "command"
        } else if facts.args_location.is_some() {
            "args"
        } else {
            "image"
        };
        facts.path.clone().key(key)
    }

    /// The field path of `env[index]`.
    pub fn env_path(&self, var: &EnvVar) -> FieldPath {
        match &var.source {
            EnvSource::Env { index } => self.facts.path.clone().key("env").index(*index),
            EnvSource::EnvFrom { index, .. } | EnvSource::EnvFromUnknown { index, .. } => {
                self.facts.path.clone().key("envFrom").index(*index)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::FileContext;
    use crate::k8s::index::IndexEntry;
    use crate::k8s::object::decode_object;
    use crate::yaml::Loaded;
    use crate::yaml::Loader;

    const TEXT: &str = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: tuning}
data:
  OMP_NUM_THREADS: "2"
  WORKERS: "3"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {}
  template:
    spec:
      containers:
        - name: api
          image: python:3.12
          envFrom:
            - configMapRef: {name: tuning}
          env:
            - name: THREADS
              valueFrom:
                resourceFieldRef: {resource: limits.cpu, divisor: 1m}
          command: ["/bin/sh", "-c"]
          args:
            - |
              cd /app
              exec gunicorn app:app --workers $(WORKERS) --threads "$THREADS"
          resources:
            limits: {cpu: 1500m, memory: 1Gi}
"#;

    /// Runs `check` on the resolved containers of the Deployment in `TEXT`.
    fn with_resolved(check: impl FnOnce(&[ResolvedContainer<'_>])) {
        let file = FileContext::new(0, TEXT);
        let docs: Vec<_> = Loader::new(TEXT)
            .map(|loaded| match loaded {
                Loaded::Document(doc) => doc,
                Loaded::Error(e) => panic!("{}", e.message),
            })
            .collect();
        let mut entries = Vec::new();
        let mut pod = None;
        for doc in &docs {
            let root = doc.root.unwrap();
            let api_version = doc.text(doc.get(root, "apiVersion").unwrap()).unwrap();
            let kind = doc.text(doc.get(root, "kind").unwrap()).unwrap();
            let (metadata, typed) = decode_object(doc, root, api_version, kind).ok().unwrap();
            let object = Object {
                doc,
                root,
                file: &file,
                api_version: api_version.into(),
                kind: kind.into(),
                metadata,
                typed,
                environment: None,
                environment_scope: std::sync::Arc::from(""),
            };
            entries.extend(IndexEntry::of(&object));
            pod = pod.or_else(|| PodFacts::capture(&object));
        }
        let index = ObjectIndex::build(entries, ["deploy/all.yaml"]);
        let pod = pod.expect("a pod");
        check(&pod.resolve(Some(&index), NumericPython::Auto));
    }

    fn underlined(location: &Location) -> &'static str {
        &TEXT[location.start as usize..location.end as usize]
    }

    #[test]
    fn resolves_env_commands_and_locations() {
        with_resolved(|containers| {
            let c = &containers[0];
            let Some(var) = c.env.get("OMP_NUM_THREADS") else {
                panic!("envFrom keys are imported")
            };
            assert!(matches!(&var.value, EnvValue::Literal(v) if v == "2"));
            assert_eq!(underlined(&var.location), "\"2\"");
            assert!(matches!(
                &c.env.get("THREADS").unwrap().value,
                EnvValue::ResourceField(f) if !f.divisor_is_one()
            ));
            let main = c.commands.main().unwrap();
            assert_eq!(main.program, "gunicorn");
            let workers = &main.args()[2];
            // Kubernetes expanded `$(WORKERS)` before the shell ran: the value is known, the
            // word is placed on its element.
            assert_eq!(workers.known(), Some("3"));
            let threads = &main.args()[4];
            assert_eq!(threads.known(), None);
            let location = c.locate(&main.args()[1].origin);
            assert_eq!(location.line, 28);
            assert_eq!(underlined(&location), "--workers");
            assert_eq!(underlined(&c.locate(&workers.origin)), "$(WORKERS)");
            assert_eq!(
                c.path_of(&main.args()[1].origin).to_string(),
                "spec.template.spec.containers[0].args[0]"
            );
            let limit = c.cpu_limit.as_ref().unwrap();
            assert_eq!(limit.ceil(), 2);
            assert_eq!(underlined(&limit.location), "1500m");
            // OMP_NUM_THREADS from the ConfigMap: the author thinks about numeric libraries.
            assert_eq!(c.python.confidence, Confidence::High);
        });
    }
}
