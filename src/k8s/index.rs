//! What the set pass knows about every object of a run: small summaries, collected while each
//! file is processed, so that no file's tree outlives its own processing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::object::{Object, Typed};
use crate::env::pairing::{self, Pairing};
use crate::env::summary::{self, LimitRangeSummary, WorkloadSummary};
use crate::finding::Location;
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

/// One object's contribution to the index.
#[derive(Debug, Clone)]
pub enum IndexEntry {
    Autoscaler {
        target: ObjectKey,
        autoscaling: Autoscaling,
    },
    /// A workload with an environment, for the cross-environment rules (SEMANTICS.md §E).
    Workload(Box<WorkloadSummary>),
    /// A LimitRange's container defaults (SEMANTICS.md §0.3).
    LimitRange(Box<LimitRangeSummary>),
}

impl IndexEntry {
    /// What the set pass needs to remember of `object`, if anything.
    pub fn of(object: &Object<'_, '_>) -> Option<IndexEntry> {
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
            Typed::LimitRange(_) => {
                return summary::limit_range(object).map(|l| IndexEntry::LimitRange(Box::new(l)));
            }
            _ => {
                return summary::workload(object).map(|w| IndexEntry::Workload(Box::new(w)));
            }
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
}

/// A namespace in an environment: where a LimitRange applies.
type NamespaceInEnvironment = (Option<String>, Option<Arc<str>>);

/// Everything the set pass can look up, built once.
#[derive(Debug, Default)]
pub struct ObjectIndex {
    autoscalers: HashMap<ObjectKey, Vec<Autoscaling>>,
    /// The directory of every file, by file id, to tell which objects belong together.
    dirs: Vec<PathBuf>,
    /// The environment of every file, by file id: objects of two environments never relate.
    file_environments: Vec<Option<Arc<str>>>,
    workloads: Vec<WorkloadSummary>,
    limit_ranges: HashMap<NamespaceInEnvironment, Vec<LimitRangeSummary>>,
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
        for entry in entries {
            match entry {
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
                IndexEntry::LimitRange(range) => index
                    .limit_ranges
                    .entry((range.namespace.clone(), range.environment.clone()))
                    .or_default()
                    .push(*range),
            }
        }
        index
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
    pub fn limit_ranges(
        &self,
        namespace: Option<&str>,
        environment: Option<&Arc<str>>,
    ) -> &[LimitRangeSummary] {
        self.limit_ranges
            .get(&(namespace.map(str::to_string), environment.cloned()))
            .map_or(&[], Vec::as_slice)
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
