//! What the set pass knows about every object of a run: small summaries, collected while each
//! file is processed, so that no file's tree outlives its own processing.

use std::collections::HashMap;

use super::object::{Object, Typed};
use crate::finding::Location;
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
}

/// Everything the set pass can look up, built once.
#[derive(Debug, Default)]
pub struct ObjectIndex {
    autoscalers: HashMap<ObjectKey, Vec<Autoscaling>>,
}

impl ObjectIndex {
    pub fn build(entries: impl IntoIterator<Item = IndexEntry>) -> Self {
        let mut index = ObjectIndex::default();
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
            }
        }
        index
    }

    /// The HPA that scales the workload; with several, the one allowing the fewest replicas.
    pub fn autoscaling(&self, key: &ObjectKey) -> Option<&Autoscaling> {
        self.autoscalers
            .get(key)?
            .iter()
            .min_by_key(|a| (a.min_replicas, a.hpa_name.as_str()))
    }
}
