//! What the set pass knows about every object of a run: small summaries, collected while each
//! file is processed, so that no file's tree outlives its own processing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::object::{Object, Typed};
use super::quantity::Quantity;
use super::selection::{Budget, Claim, ObjectId, Selection, Workload};
use crate::env::pairing::{self, Pairing};
use crate::env::summary::{self, LimitRangeSummary, WorkloadSummary};
use crate::finding::Location;
use crate::process::SourceText;
use crate::source::FileId;
use crate::yaml::{FieldPath, Target};

/// A HorizontalPodAutoscaler's hold on a workload (SEMANTICS.md §0.9).
#[derive(Debug, Clone)]
pub struct Autoscaling {
    pub hpa_name: String,
    pub min_replicas: i32,
    pub max_replicas: i32,
    /// `spec.minReplicas` of the HPA (or its `spec` when the default of 1 applies).
    pub min_location: Location,
}

/// The key by which objects refer to each other: namespace, kind and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    pub namespace: Option<String>,
    pub kind: String,
    pub name: String,
}

/// A ConfigMap's data, each value with its place (for `envFrom`, `configMapKeyRef` and
/// configuration files mounted from it).
#[derive(Debug, Clone)]
pub struct ConfigMapEntry {
    pub namespace: Option<String>,
    pub name: String,
    /// `data`, by key. Values longer than [`MAX_CONFIG_MAP_VALUE`] are left out (and listed
    /// in `unread_keys`): no setting kubelint reads is that long.
    pub data: BTreeMap<String, SourceText>,
    /// Keys whose values kubelint did not keep: `binaryData` and oversized values.
    pub unread_keys: Vec<String>,
    /// `metadata.name`.
    pub location: Location,
}

/// The largest ConfigMap value the index keeps, in bytes.
pub const MAX_CONFIG_MAP_VALUE: usize = 64 * 1024;

/// A Secret's keys; their values are never read.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    pub namespace: Option<String>,
    pub name: String,
    pub keys: Vec<String>,
    pub location: Location,
}

/// The default limits a `LimitRange` gives containers of its namespace.
#[derive(Debug, Clone)]
pub struct LimitRangeDefaults {
    pub namespace: Option<String>,
    pub name: String,
    /// `default.cpu` and where it is written.
    pub cpu: Option<(Quantity, Location)>,
    /// `default.memory` and where it is written.
    pub memory: Option<(Quantity, Location)>,
    /// `metadata.name`.
    pub location: Location,
}

/// One object's contribution to the index.
#[derive(Debug, Clone)]
pub enum IndexEntry {
    Autoscaler {
        target: ObjectKey,
        autoscaling: Autoscaling,
    },
    /// A workload with an environment, for the cross-environment rules (SEMANTICS.md §E).
    Workload(Box<WorkloadSummary>),
    /// A LimitRange's container defaults by environment (SEMANTICS.md §0.3).
    EnvLimitRange(Box<LimitRangeSummary>),
    ConfigMap(ConfigMapEntry),
    Secret(SecretEntry),
    /// A LimitRange's container defaults (SEMANTICS.md §0.3).
    LimitRange(LimitRangeDefaults),
    // Label selection (src/k8s/selection.rs).
    Selectable(Box<Workload>),
    DisruptionBudget(Box<Budget>),
    Claim {
        key: ObjectKey,
        claim: Box<Claim>,
    },
    /// A Kustomize patch changes this object's replicas, HPA range, budget or strategy: the
    /// base as written is not what is applied (src/kustomize.rs `patched_counts`).
    CountsPatched {
        kind: String,
        name: String,
    },
    /// A KEDA ScaledObject scales this workload: its replica count is not in the manifests
    /// kubelint reads as typed objects (SEMANTICS.md §0.9).
    ExternallyScaled(ObjectKey),
}

/// The keys of a Secret's `data` and `stringData`, read from the tree (Secrets are not
/// decoded: their values never matter).
fn secret_entry(object: &Object<'_, '_>) -> Option<IndexEntry> {
    let doc = object.doc;
    let mut keys = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(map) = doc.get(object.root, field) {
            keys.extend(
                doc.entries(map)
                    .into_iter()
                    .filter_map(|(key, _)| doc.text(key).map(str::to_string)),
            );
        }
    }
    Some(IndexEntry::Secret(SecretEntry {
        namespace: object.namespace().map(str::to_string),
        name: object.name()?.to_string(),
        keys,
        location: object.locate(&FieldPath::keys(&["metadata", "name"]), Target::Value),
    }))
}

fn config_map_entry(
    object: &Object<'_, '_>,
    config_map: &k8s_openapi::api::core::v1::ConfigMap,
) -> Option<IndexEntry> {
    let mut data = BTreeMap::new();
    let mut unread_keys: Vec<String> = config_map
        .binary_data
        .iter()
        .flatten()
        .map(|(key, _)| key.clone())
        .collect();
    for (key, value) in config_map.data.iter().flatten() {
        if value.len() > MAX_CONFIG_MAP_VALUE {
            unread_keys.push(key.clone());
            continue;
        }
        let path = FieldPath::keys(&["data"]).key(key.clone());
        let span = object.doc.locate(object.root, &path, Target::Value).span;
        data.insert(
            key.clone(),
            SourceText::new(object.file, span, value.clone()),
        );
    }
    Some(IndexEntry::ConfigMap(ConfigMapEntry {
        namespace: object.namespace().map(str::to_string),
        name: object.name()?.to_string(),
        data,
        unread_keys,
        location: object.locate(&FieldPath::keys(&["metadata", "name"]), Target::Value),
    }))
}

fn limit_range_entry(
    object: &Object<'_, '_>,
    limit_range: &k8s_openapi::api::core::v1::LimitRange,
) -> Option<IndexEntry> {
    let (i, defaults) = limit_range
        .spec
        .as_ref()?
        .limits
        .iter()
        .enumerate()
        .filter(|(_, item)| item.type_ == "Container")
        .find_map(|(i, item)| Some((i, item.default.as_ref()?)))?;
    let default = |resource: &'static str| {
        let quantity = Quantity::parse_manifest_value(&defaults.get(resource)?.0).ok()?;
        let path = FieldPath::keys(&["spec", "limits"])
            .index(i)
            .key("default")
            .key(resource);
        Some((quantity, object.locate(&path, Target::Value)))
    };
    Some(IndexEntry::LimitRange(LimitRangeDefaults {
        namespace: object.namespace().map(str::to_string),
        name: object.name()?.to_string(),
        cpu: default("cpu"),
        memory: default("memory"),
        location: object.locate(&FieldPath::keys(&["metadata", "name"]), Target::Value),
    }))
}

impl IndexEntry {
    /// What the cross-environment rules need of `object`: a workload's summary when it has
    /// an environment, a LimitRange's container defaults.
    pub fn for_environments(object: &Object<'_, '_>) -> Option<IndexEntry> {
        match &object.typed {
            Typed::LimitRange(_) => {
                summary::limit_range(object).map(|l| IndexEntry::EnvLimitRange(Box::new(l)))
            }
            _ => summary::workload(object).map(|w| IndexEntry::Workload(Box::new(w))),
        }
    }

    /// What the set pass needs to remember of `object`, if anything.
    pub fn of(object: &Object<'_, '_>) -> Option<IndexEntry> {
        if let Some(entry) = IndexEntry::of_selection(object) {
            return Some(entry);
        }
        let (min, max, target_kind, target_name, target_api) = match &object.typed {
            Typed::HorizontalPodAutoscalerV2(h) => {
                let spec = &h.spec;
                let target = &spec.scale_target_ref;
                (
                    spec.min_replicas,
                    spec.max_replicas,
                    &target.kind,
                    &target.name,
                    &target.api_version,
                )
            }
            Typed::HorizontalPodAutoscalerV1(h) => {
                let spec = &h.spec;
                let target = &spec.scale_target_ref;
                (
                    spec.min_replicas,
                    spec.max_replicas,
                    &target.kind,
                    &target.name,
                    &target.api_version,
                )
            }
            Typed::ConfigMap(config_map) => return config_map_entry(object, config_map),
            Typed::LimitRange(limit_range) => return limit_range_entry(object, limit_range),
            Typed::Other if object.kind == "Secret" && object.api_version == "v1" => {
                return secret_entry(object);
            }
            _ => return None,
        };
        // Only workloads of the apps group are associated (SEMANTICS.md §0.9).
        if target_api
            .as_deref()
            .is_some_and(|api| !api.starts_with("apps/"))
        {
            return None;
        }
        let min_path = FieldPath::keys(&["spec", "minReplicas"]);
        Some(IndexEntry::Autoscaler {
            target: ObjectKey {
                namespace: object.namespace().map(str::to_string),
                kind: target_kind.clone(),
                name: target_name.clone(),
            },
            autoscaling: Autoscaling {
                hpa_name: object.name().unwrap_or_default().to_string(),
                min_replicas: min.unwrap_or(1),
                max_replicas: max,
                min_location: object.locate(&min_path, Target::Value),
            },
        })
    }

    /// What the set pass needs of an object of a kind without a typed model: the target of a
    /// KEDA `ScaledObject` (`spec.scaleTargetRef`, kind Deployment unless written).
    pub fn of_untyped(object: &Object<'_, '_>) -> Option<IndexEntry> {
        if object.kind != "ScaledObject" || !object.api_version.starts_with("keda.sh/") {
            return None;
        }
        let doc = object.doc;
        let target = doc.get(doc.get(object.root, "spec")?, "scaleTargetRef")?;
        let text = |key: &str| doc.get(target, key).and_then(|n| doc.text(n));
        Some(IndexEntry::ExternallyScaled(ObjectKey {
            namespace: object.namespace().map(str::to_string),
            kind: text("kind").unwrap_or("Deployment").to_string(),
            name: text("name")?.to_string(),
        }))
    }

    /// What label selection needs of `object`: a workload's pod labels, a PDB's selector, a
    /// PVC's access modes.
    fn of_selection(object: &Object<'_, '_>) -> Option<IndexEntry> {
        match &object.typed {
            Typed::PodDisruptionBudget(_) => {
                Budget::of(object).map(|b| IndexEntry::DisruptionBudget(Box::new(b)))
            }
            Typed::PersistentVolumeClaim(_) => {
                Claim::of(object).map(|(key, claim)| IndexEntry::Claim {
                    key,
                    claim: Box::new(claim),
                })
            }
            _ => Workload::of(object).map(|w| IndexEntry::Selectable(Box::new(w))),
        }
    }
}

/// A namespace in an environment: where a LimitRange applies.
type NamespaceInEnvironment = (Option<String>, Option<Arc<str>>);

/// Everything the set pass can look up, built once.
#[derive(Debug, Default)]
pub struct ObjectIndex {
    autoscalers: HashMap<ObjectKey, Vec<Autoscaling>>,
    /// By name; namespaces are compared on lookup.
    config_maps: HashMap<String, Vec<ConfigMapEntry>>,
    secrets: HashMap<String, Vec<SecretEntry>>,
    limit_ranges: Vec<LimitRangeDefaults>,
    selection: Selection,
    /// (kind, name) of objects whose counts a patch changes.
    counts_patched: std::collections::HashSet<(String, String)>,
    /// Workloads a KEDA ScaledObject scales.
    externally_scaled: std::collections::HashSet<ObjectKey>,
    /// The directory of every file, by file id, to tell which objects belong together.
    dirs: Vec<PathBuf>,
    /// The environment of every file, by file id: objects of two environments never relate.
    file_environments: Vec<Option<Arc<str>>>,
    workloads: Vec<WorkloadSummary>,
    env_limit_ranges: HashMap<NamespaceInEnvironment, Vec<LimitRangeSummary>>,
    /// Computed on first use, once for every cross-environment rule.
    pairing: OnceLock<Pairing>,
}

/// How many directory levels two files are apart: the steps from each one's directory up to
/// their common ancestor. `None` when they are too far apart to belong to one deployment:
/// neither directory is at most one level below the common one (two samples in different
/// repositories of a monorepo, say), so an HPA of one never scales a Deployment of the other.
fn relatedness(a: &Path, b: &Path) -> Option<usize> {
    let common = a
        .components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count();
    let up_a = a.components().count() - common;
    let up_b = b.components().count() - common;
    (up_a.min(up_b) <= 1).then_some(up_a + up_b)
}

impl ObjectIndex {
    /// Builds the index; `files` are the names of the run's files, by file id.
    pub fn build<'f>(
        entries: impl IntoIterator<Item = IndexEntry>,
        files: impl IntoIterator<Item = &'f str>,
    ) -> Self {
        let mut index = ObjectIndex {
            dirs: files
                .into_iter()
                .map(|name| {
                    Path::new(name)
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default()
                })
                .collect(),
            ..ObjectIndex::default()
        };
        let mut workloads = Vec::new();
        let mut budgets = Vec::new();
        let mut claims: HashMap<ObjectKey, Vec<Claim>> = HashMap::new();
        for entry in entries {
            match entry {
                IndexEntry::Selectable(workload) => workloads.push(*workload),
                IndexEntry::DisruptionBudget(budget) => budgets.push(*budget),
                IndexEntry::Claim { key, claim } => claims.entry(key).or_default().push(*claim),
                IndexEntry::CountsPatched { kind, name } => {
                    index.counts_patched.insert((kind, name));
                }
                IndexEntry::ExternallyScaled(key) => {
                    index.externally_scaled.insert(key);
                }
                IndexEntry::Autoscaler {
                    target,
                    autoscaling,
                } => {
                    index
                        .autoscalers
                        .entry(target)
                        .or_default()
                        .push(autoscaling);
                }
                IndexEntry::Workload(workload) => index.workloads.push(*workload),
                IndexEntry::EnvLimitRange(range) => index
                    .env_limit_ranges
                    .entry((range.namespace.clone(), range.environment.clone()))
                    .or_default()
                    .push(*range),
                IndexEntry::ConfigMap(entry) => {
                    index
                        .config_maps
                        .entry(entry.name.clone())
                        .or_default()
                        .push(entry);
                }
                IndexEntry::Secret(entry) => {
                    index
                        .secrets
                        .entry(entry.name.clone())
                        .or_default()
                        .push(entry);
                }
                IndexEntry::LimitRange(entry) => index.limit_ranges.push(entry),
            }
        }
        index.selection =
            Selection::build(workloads, budgets, claims, |a, b| index.files_related(a, b));
        index
    }

    fn dir(&self, file: FileId) -> &Path {
        self.dirs.get(file).map_or(Path::new(""), PathBuf::as_path)
    }

    /// Of `candidates` (with their namespaces and files), the one nearest to file `from` in
    /// the namespace `namespace`. An object without a namespace matches any: Helm and
    /// Kustomize output often leaves it to `kubectl apply -n`.
    fn nearest<'i, T>(
        &self,
        candidates: impl IntoIterator<Item = &'i T>,
        namespace: Option<&str>,
        from: FileId,
        place: impl Fn(&T) -> (Option<&str>, FileId),
    ) -> Option<&'i T> {
        candidates
            .into_iter()
            .filter_map(|candidate| {
                let (their_namespace, file) = place(candidate);
                if !self.same_environment(from, file) {
                    return None;
                }
                let same_namespace = match (namespace, their_namespace) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if !same_namespace {
                    return None;
                }
                Some((
                    relatedness(self.dir(from), self.dir(file))?,
                    file,
                    candidate,
                ))
            })
            .min_by_key(|(distance, file, _)| (*distance, *file))
            .map(|(_, _, candidate)| candidate)
    }

    /// The ConfigMap `name` that a workload in file `from` and `namespace` refers to.
    pub fn config_map(
        &self,
        namespace: Option<&str>,
        name: &str,
        from: FileId,
    ) -> Option<&ConfigMapEntry> {
        self.nearest(self.config_maps.get(name)?, namespace, from, |c| {
            (c.namespace.as_deref(), c.location.file)
        })
    }

    /// The Secret `name` that a workload in file `from` and `namespace` refers to.
    pub fn secret(
        &self,
        namespace: Option<&str>,
        name: &str,
        from: FileId,
    ) -> Option<&SecretEntry> {
        self.nearest(self.secrets.get(name)?, namespace, from, |s| {
            (s.namespace.as_deref(), s.location.file)
        })
    }

    /// The LimitRange that defaults the limits of containers of a workload in file `from`.
    pub fn limit_range(
        &self,
        namespace: Option<&str>,
        from: FileId,
    ) -> Option<&LimitRangeDefaults> {
        self.nearest(&self.limit_ranges, namespace, from, |l| {
            (l.namespace.as_deref(), l.location.file)
        })
    }

    /// How far apart two files are, when they belong to one deployment (see [`relatedness`])
    /// and one environment.
    fn files_related(&self, a: FileId, b: FileId) -> Option<usize> {
        if !self.same_environment(a, b) {
            return None;
        }
        relatedness(self.dir(a), self.dir(b))
    }

    /// The HPA that scales the workload written in file `from`: the nearest one by directory
    /// (see [`relatedness`]); among equally near ones, the one allowing the fewest replicas.
    pub fn autoscaling(&self, key: &ObjectKey, from: FileId) -> Option<&Autoscaling> {
        let dir = |file: FileId| self.dirs.get(file).map_or(Path::new(""), PathBuf::as_path);
        self.autoscalers
            .get(key)?
            .iter()
            .filter(|a| self.same_environment(from, a.min_location.file))
            .filter_map(|a| Some((relatedness(dir(from), dir(a.min_location.file))?, a)))
            .min_by_key(|(distance, a)| (*distance, a.min_replicas, a.hpa_name.as_str()))
            .map(|(_, a)| a)
    }
}

impl ObjectIndex {
    /// Records the environment of every file (by file id), so that objects of two
    /// environments never relate: an HPA in prod never scales dev's Deployment.
    pub fn set_file_environments(&mut self, environments: Vec<Option<Arc<str>>>) {
        self.file_environments = environments;
    }

    fn same_environment(&self, a: FileId, b: FileId) -> bool {
        let env = |file: FileId| self.file_environments.get(file).cloned().flatten();
        env(a) == env(b)
    }

    /// Every workload that has an environment.
    pub fn workloads(&self) -> &[WorkloadSummary] {
        &self.workloads
    }

    /// The same workloads across environments (SEMANTICS.md §E.2); `configured` is the
    /// configured order of environment names. Computed once.
    pub fn pairing(&self, configured: &[String]) -> &Pairing {
        self.pairing
            .get_or_init(|| pairing::pair(&self.workloads, configured))
    }

    /// The Container LimitRanges of a namespace in an environment.
    pub fn env_limit_ranges(
        &self,
        namespace: Option<&str>,
        environment: Option<&Arc<str>>,
    ) -> &[LimitRangeSummary] {
        self.env_limit_ranges
            .get(&(namespace.map(str::to_string), environment.cloned()))
            .map_or(&[], Vec::as_slice)
    }
}

/// Label selection: PDBs and the workloads they select, PVCs by name.
impl ObjectIndex {
    pub fn budget(&self, id: ObjectId) -> Option<&Budget> {
        self.selection.budget(id)
    }

    /// The workloads (of related files, in the budget's namespace) whose pods the PDB `id`
    /// selects.
    pub fn budget_targets(&self, id: ObjectId) -> Vec<&Workload> {
        self.selection.budget_targets(id)
    }

    /// For each workload the PDB `id` selects, the other PDBs selecting it.
    pub fn overlapping_budgets(&self, id: ObjectId) -> Vec<(&Workload, Vec<&Budget>)> {
        self.selection.overlapping_budgets(id)
    }

    /// Whether a Kustomize patch changes the replicas, HPA range, budget or strategy of the
    /// object `kind`/`name` (in any namespace): then the object as written is only a base, and
    /// checks that depend on those counts would judge something never applied.
    pub fn counts_patched(&self, kind: &str, name: &str) -> bool {
        !self.counts_patched.is_empty()
            && self
                .counts_patched
                .contains(&(kind.to_string(), name.to_string()))
    }

    /// Whether a KEDA ScaledObject scales the workload `key`: its replica range is unknown.
    pub fn externally_scaled(&self, key: &ObjectKey) -> bool {
        !self.externally_scaled.is_empty() && self.externally_scaled.contains(key)
    }

    /// Workloads the PDB `id` was probably meant to select (see [`Selection::near_misses`]).
    pub fn budget_near_misses(&self, id: ObjectId) -> Vec<&Workload> {
        self.selection
            .near_misses(id, |a, b| self.files_related(a, b).is_some())
    }

    /// The PersistentVolumeClaim `name` in `namespace` that a pod written in file `from`
    /// mounts: the nearest by directory.
    pub fn claim(&self, namespace: Option<&str>, name: &str, from: FileId) -> Option<&Claim> {
        let key = ObjectKey {
            namespace: namespace.map(str::to_string),
            kind: "PersistentVolumeClaim".to_string(),
            name: name.to_string(),
        };
        self.selection
            .claims(&key)
            .iter()
            .filter_map(|c| {
                let file = c.modes_location.file;
                Some(((self.files_related(from, file)?, file != from), c))
            })
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn related(a: &str, b: &str) -> Option<usize> {
        relatedness(Path::new(a), Path::new(b))
    }

    #[test]
    fn objects_relate_within_one_deployment_tree() {
        assert_eq!(related("app", "app"), Some(0));
        assert_eq!(related("app", "app/hpa"), Some(1));
        assert_eq!(related("k8s/deployments", "k8s/hpas"), Some(2));
        assert_eq!(related("", "deploy"), Some(1));
        assert_eq!(
            related("repo-a/ai-ml/serving/vllm", "repo-b/AI/vllm/hpa"),
            None
        );
        assert_eq!(related("a/b/c", "a/x/y"), None);
    }
}
