//! Which objects select which, for the set pass (SEMANTICS.md §0.8, §B.2): the pod labels of
//! every workload, every PodDisruptionBudget's selector, every PersistentVolumeClaim's access
//! modes, as small summaries with resolved locations.
//!
//! Matching is not quadratic: workloads are indexed by a hash of (namespace, label key,
//! value), and a selector with an `In` requirement (every `matchLabels` entry is one) looks
//! only at the workloads carrying one of its values, through its rarest key. Only selectors
//! without any (`{}`, or only `NotIn`/`Exists`/`DoesNotExist`) scan their namespace.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::index::ObjectKey;
use super::object::{Object, Typed};
use super::selector::{HashedLabels, LabelLookup, Selector, label_hash};
use crate::finding::Location;
use crate::source::FileId;
use crate::yaml::{FieldPath, Target};

/// Where an object starts: names one object of the run (a file holds each byte once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectId {
    pub file: FileId,
    pub offset: u32,
}

impl ObjectId {
    pub fn of(object: &Object<'_, '_>) -> Self {
        ObjectId {
            file: object.file.id,
            offset: object.doc.span(object.root).start,
        }
    }
}

/// How many pods a workload runs, as a PDB's controller counts them (§B.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodCount {
    /// `spec.replicas` of a controller with a scale subresource (None: the default 1).
    Replicas(Option<i32>),
    /// A DaemonSet: one per eligible node, a number kubelint cannot see; no scale subresource.
    PerNode,
    /// A bare Pod: one, unmanaged.
    Single,
}

/// A workload whose pods a PDB may select.
#[derive(Debug, Clone)]
pub struct Workload {
    pub key: ObjectKey,
    /// The pod template's labels: what selectors match (never the workload's own labels).
    pub labels: HashedLabels,
    /// `spec.template.metadata.labels` (or the nearest parent).
    pub labels_location: Location,
    pub pods: PodCount,
    /// `spec.replicas`, or `spec` when the default applies.
    pub replicas_location: Location,
}

impl Workload {
    pub fn file(&self) -> FileId {
        self.labels_location.file
    }

    /// `Kind namespace/name` for messages.
    pub fn display(&self) -> String {
        let key = &self.key;
        match &key.namespace {
            Some(ns) => format!("{} {ns}/{}", key.kind, key.name),
            None => format!("{} {}", key.kind, key.name),
        }
    }

    pub fn of(object: &Object<'_, '_>) -> Option<Workload> {
        let pods = match &object.typed {
            Typed::Deployment(d) => PodCount::Replicas(d.spec.replicas),
            Typed::StatefulSet(s) => PodCount::Replicas(s.spec.replicas),
            Typed::ReplicaSet(r) => PodCount::Replicas(r.spec.replicas),
            Typed::DaemonSet(_) => PodCount::PerNode,
            Typed::Pod(_) => PodCount::Single,
            // Job pods are terminal and evictable without a budget (§B.2).
            _ => return None,
        };
        let template = object.pod_template()?;
        let labels_path = match pods {
            PodCount::Single => FieldPath::keys(&["metadata", "labels"]),
            _ => FieldPath::keys(&["spec", "template", "metadata", "labels"]),
        };
        Some(Workload {
            key: ObjectKey {
                namespace: object.namespace().map(str::to_string),
                kind: object.kind.clone(),
                name: object.name().unwrap_or_default().to_string(),
            },
            labels: template
                .metadata
                .and_then(|m| m.labels.as_ref())
                .map(HashedLabels::new)
                .unwrap_or_default(),
            labels_location: object.locate(&labels_path, Target::Key),
            pods,
            replicas_location: object
                .locate(&FieldPath::keys(&["spec", "replicas"]), Target::Value),
        })
    }
}

/// A PodDisruptionBudget's selector.
#[derive(Debug, Clone)]
pub struct Budget {
    pub id: ObjectId,
    pub namespace: Option<String>,
    pub name: String,
    pub display: String,
    pub selector: Selector,
    /// `spec.selector` (or `spec` when absent).
    pub selector_location: Location,
}

impl Budget {
    /// An invalid selector is rejected by the API server (pdb-invalid says so): no budget.
    pub fn of(object: &Object<'_, '_>) -> Option<Budget> {
        let Typed::PodDisruptionBudget(pdb) = &object.typed else {
            return None;
        };
        let selector = Selector::parse(pdb.spec.as_ref()?.selector.as_ref()).ok()?;
        Some(Budget {
            id: ObjectId::of(object),
            namespace: object.namespace().map(str::to_string),
            name: object.name().unwrap_or_default().to_string(),
            display: object.display_name(),
            selector,
            selector_location: object.locate(&FieldPath::keys(&["spec", "selector"]), Target::Key),
        })
    }
}

/// A PersistentVolumeClaim's access modes.
#[derive(Debug, Clone)]
pub struct Claim {
    pub name: String,
    pub access_modes: Vec<String>,
    /// `spec.accessModes`.
    pub modes_location: Location,
}

impl Claim {
    pub fn of(object: &Object<'_, '_>) -> Option<(ObjectKey, Claim)> {
        let Typed::PersistentVolumeClaim(pvc) = &object.typed else {
            return None;
        };
        let name = object.name()?.to_string();
        let access_modes = pvc.spec.as_ref()?.access_modes.clone().unwrap_or_default();
        Some((
            ObjectKey {
                namespace: object.namespace().map(str::to_string),
                kind: object.kind.clone(),
                name: name.clone(),
            },
            Claim {
                name,
                access_modes,
                modes_location: object
                    .locate(&FieldPath::keys(&["spec", "accessModes"]), Target::Key),
            },
        ))
    }
}

fn posting_key(namespace: Option<&str>, label: u64) -> u64 {
    let mut hasher = DefaultHasher::new();
    (namespace, label).hash(&mut hasher);
    hasher.finish()
}

/// The selection part of the index, built once.
#[derive(Debug, Default)]
pub struct Selection {
    workloads: Vec<Workload>,
    budgets: Vec<Budget>,
    budget_by_id: HashMap<ObjectId, usize>,
    /// Per budget, the workloads it selects.
    targets: Vec<Vec<usize>>,
    /// Per workload (only those selected), the budgets selecting it.
    selected_by: HashMap<usize, Vec<usize>>,
    claims: HashMap<ObjectKey, Vec<Claim>>,
    /// Workloads by namespace (only when there are budgets).
    by_namespace: HashMap<Option<String>, Vec<usize>>,
}

impl Selection {
    /// Matches every budget against the workloads it may select: same namespace, files that
    /// belong together (`distance`, None when they do not), labels matched by its selector.
    /// Copies of one workload (a Kustomize base and its overlays, one rendered file per
    /// environment) are one object: only the nearest copy counts, the budget's own file first.
    pub fn build(
        workloads: Vec<Workload>,
        budgets: Vec<Budget>,
        claims: HashMap<ObjectKey, Vec<Claim>>,
        distance: impl Fn(FileId, FileId) -> Option<usize>,
    ) -> Selection {
        let mut postings: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut by_namespace: HashMap<Option<String>, Vec<usize>> = HashMap::new();
        if !budgets.is_empty() {
            for (i, workload) in workloads.iter().enumerate() {
                let namespace = workload.key.namespace.as_deref();
                by_namespace
                    .entry(workload.key.namespace.clone())
                    .or_default()
                    .push(i);
                for &label in workload.labels.label_hashes() {
                    postings
                        .entry(posting_key(namespace, label))
                        .or_default()
                        .push(i);
                }
            }
        }
        let mut targets = Vec::with_capacity(budgets.len());
        let mut selected_by: HashMap<usize, Vec<usize>> = HashMap::new();
        for (b, budget) in budgets.iter().enumerate() {
            let namespace = budget.namespace.as_deref();
            let postings_of = |values: &[String], key: &str| -> Vec<usize> {
                values
                    .iter()
                    .flat_map(|v| {
                        postings
                            .get(&posting_key(namespace, label_hash(key, v)))
                            .into_iter()
                            .flatten()
                            .copied()
                    })
                    .collect()
            };
            let rarest = budget
                .selector
                .anchors()
                .map(|r| postings_of(&r.values, &r.key))
                .min_by_key(Vec::len);
            let candidates = match (rarest, &budget.selector) {
                (Some(candidates), _) => candidates,
                (None, Selector::Nothing) => Vec::new(),
                (None, Selector::Requirements(_)) => by_namespace
                    .get(&budget.namespace)
                    .cloned()
                    .unwrap_or_default(),
            };
            let file = budget.selector_location.file;
            let mut nearest: HashMap<&ObjectKey, ((usize, bool), usize)> = HashMap::new();
            for w in candidates {
                let workload = &workloads[w];
                if workload.key.namespace.as_deref() != namespace
                    || !budget.selector.matches(&workload.labels)
                {
                    continue;
                }
                let Some(steps) = distance(file, workload.file()) else {
                    continue;
                };
                let rank = (steps, workload.file() != file);
                nearest
                    .entry(&workload.key)
                    .and_modify(|best| {
                        if (rank, w) < *best {
                            *best = (rank, w);
                        }
                    })
                    .or_insert((rank, w));
            }
            let mut selected: Vec<usize> = nearest.into_values().map(|(_, w)| w).collect();
            // A file that holds a budget and workloads it selects is self-contained (rendered
            // output, a sample): other files' matches are other deployments, such as the
            // neighbouring fixtures of a flat test-data directory.
            if selected.iter().any(|&w| workloads[w].file() == file) {
                selected.retain(|&w| workloads[w].file() == file);
            }
            selected.sort_unstable();
            for &w in &selected {
                selected_by.entry(w).or_default().push(b);
            }
            targets.push(selected);
        }
        Selection {
            budget_by_id: budgets.iter().enumerate().map(|(i, b)| (b.id, i)).collect(),
            workloads,
            budgets,
            targets,
            selected_by,
            claims,
            by_namespace,
        }
    }

    /// What a budget that selects nothing was probably meant to select: workloads in its
    /// namespace whose pod labels have every key the selector requires a value for, but other
    /// values. Those in the budget's own file first; else, in related files, only a workload
    /// named like the budget (`web` for `web-pdb`), since `app` is on every workload.
    pub fn near_misses(
        &self,
        id: ObjectId,
        related: impl Fn(FileId, FileId) -> bool,
    ) -> Vec<&Workload> {
        let Some(budget) = self.budget(id) else {
            return Vec::new();
        };
        let keys: Vec<&str> = budget.selector.anchors().map(|r| r.key.as_str()).collect();
        if keys.is_empty() {
            return Vec::new();
        }
        let file = budget.selector_location.file;
        let misses: Vec<&Workload> = self
            .by_namespace
            .get(&budget.namespace)
            .into_iter()
            .flatten()
            .map(|&w| &self.workloads[w])
            .filter(|w| {
                keys.iter().all(|k| w.labels.has_key(k))
                    && !budget.selector.matches(&w.labels)
                    && related(file, w.file())
            })
            .collect();
        let same_file: Vec<&Workload> = misses
            .iter()
            .copied()
            .filter(|w| w.file() == file)
            .collect();
        if !same_file.is_empty() {
            return same_file;
        }
        let named_alike = |name: &str| {
            ["", "-pdb", "-budget", "-disruption-budget"]
                .iter()
                .any(|suffix| budget.name == format!("{name}{suffix}"))
        };
        misses
            .into_iter()
            .filter(|w| named_alike(&w.key.name))
            .fold(Vec::new(), |mut unique: Vec<&Workload>, w| {
                if !unique.iter().any(|u| u.key == w.key) {
                    unique.push(w);
                }
                unique
            })
    }

    pub fn budget(&self, id: ObjectId) -> Option<&Budget> {
        self.budgets.get(*self.budget_by_id.get(&id)?)
    }

    /// The workloads whose pods the budget `id` selects.
    pub fn budget_targets(&self, id: ObjectId) -> Vec<&Workload> {
        self.budget_by_id
            .get(&id)
            .and_then(|&b| self.targets.get(b))
            .map(|targets| targets.iter().map(|&w| &self.workloads[w]).collect())
            .unwrap_or_default()
    }

    /// For each workload the budget `id` selects, the other budgets that select it too.
    pub fn overlapping_budgets(&self, id: ObjectId) -> Vec<(&Workload, Vec<&Budget>)> {
        let Some(&b) = self.budget_by_id.get(&id) else {
            return Vec::new();
        };
        self.targets[b]
            .iter()
            .filter_map(|&w| {
                let others: Vec<&Budget> = self
                    .selected_by
                    .get(&w)?
                    .iter()
                    // Same namespace and name: one object in two versions (base and overlay).
                    .filter(|&&other| {
                        other != b && self.budgets[other].name != self.budgets[b].name
                    })
                    .map(|&other| &self.budgets[other])
                    .collect();
                (!others.is_empty()).then(|| (&self.workloads[w], others))
            })
            .collect()
    }

    /// The claims named `key`, for the caller to pick the nearest.
    pub fn claims(&self, key: &ObjectKey) -> &[Claim] {
        self.claims.get(key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::selector::Labels;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

    fn at(file: FileId, line: u32) -> Location {
        Location {
            file,
            line,
            column: 1,
            end_line: line,
            end_column: 2,
            start: line * 10,
            end: line * 10 + 1,
        }
    }

    fn workload(file: FileId, name: &str, ns: Option<&str>, labels: &[(&str, &str)]) -> Workload {
        let labels: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Workload {
            key: ObjectKey {
                namespace: ns.map(str::to_string),
                kind: "Deployment".into(),
                name: name.into(),
            },
            labels: HashedLabels::new(&labels),
            labels_location: at(file, 1),
            pods: PodCount::Replicas(Some(1)),
            replicas_location: at(file, 2),
        }
    }

    /// `app: <app>`; `Selector::Requirements(vec![])` is `{}`, `Selector::Nothing` null.
    fn app(app: &str) -> Selector {
        let selector = LabelSelector {
            match_labels: Some([("app".to_string(), app.to_string())].into()),
            match_expressions: None,
        };
        Selector::parse(Some(&selector)).unwrap()
    }

    fn budget(file: FileId, offset: u32, name: &str, selector: Selector) -> Budget {
        Budget {
            id: ObjectId { file, offset },
            namespace: Some("ns".into()),
            name: name.into(),
            display: name.into(),
            selector,
            selector_location: at(file, 3),
        }
    }

    /// Files 0 and 1 belong together, file 2 is far away.
    fn distance(a: FileId, b: FileId) -> Option<usize> {
        match (a.min(b), a.max(b)) {
            (x, y) if x == y => Some(0),
            (0, 1) => Some(1),
            _ => None,
        }
    }

    fn names(targets: Vec<&Workload>) -> Vec<String> {
        targets.iter().map(|w| w.display()).collect()
    }

    #[test]
    fn budgets_select_by_labels_within_namespace_and_tree() {
        let workloads = vec![
            workload(1, "web", Some("ns"), &[("app", "web")]),
            workload(1, "api", Some("ns"), &[("app", "api")]),
            workload(1, "web", Some("other"), &[("app", "web")]),
            workload(2, "far", Some("ns"), &[("app", "web")]),
        ];
        let budgets = vec![
            budget(0, 0, "web", app("web")),
            budget(0, 100, "everything", Selector::Requirements(Vec::new())),
        ];
        let selection = Selection::build(workloads, budgets, HashMap::new(), distance);
        let id = ObjectId { file: 0, offset: 0 };
        assert_eq!(names(selection.budget_targets(id)), ["Deployment ns/web"]);
        let everything = ObjectId {
            file: 0,
            offset: 100,
        };
        assert_eq!(
            names(selection.budget_targets(everything)),
            ["Deployment ns/web", "Deployment ns/api"]
        );
        let overlaps = selection.overlapping_budgets(id);
        assert_eq!(overlaps.len(), 1);
        assert_eq!(overlaps[0].1[0].name, "everything");
    }

    #[test]
    fn copies_count_once_and_a_self_contained_file_keeps_its_own() {
        let workloads = vec![
            // The same Deployment in a base (file 1) and beside the budget (file 0).
            workload(1, "web", Some("ns"), &[("app", "web")]),
            workload(0, "web", Some("ns"), &[("app", "web")]),
            // Another workload with the same labels in a neighbouring file.
            workload(1, "sample", Some("ns"), &[("app", "web")]),
        ];
        let selection = Selection::build(
            workloads,
            vec![budget(0, 0, "web", app("web"))],
            HashMap::new(),
            distance,
        );
        let targets = selection.budget_targets(ObjectId { file: 0, offset: 0 });
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].file(), 0);
    }

    #[test]
    fn two_versions_of_one_budget_do_not_overlap() {
        let selection = Selection::build(
            vec![workload(0, "web", Some("ns"), &[("app", "web")])],
            vec![
                budget(0, 0, "web", app("web")),
                budget(1, 0, "web", app("web")),
            ],
            HashMap::new(),
            distance,
        );
        assert!(
            selection
                .overlapping_budgets(ObjectId { file: 1, offset: 0 })
                .is_empty()
        );
    }

    #[test]
    fn a_null_selector_selects_nothing() {
        let selection = Selection::build(
            vec![workload(0, "web", Some("ns"), &[("app", "web")])],
            vec![budget(0, 0, "web", Selector::Nothing)],
            HashMap::new(),
            distance,
        );
        assert!(
            selection
                .budget_targets(ObjectId { file: 0, offset: 0 })
                .is_empty()
        );
    }

    /// Twenty thousand budgets over twenty thousand workloads: each budget looks only at its
    /// own label's posting, so this takes milliseconds; a scan of every workload per budget
    /// would do 400 million matches and take minutes in a debug build.
    #[test]
    fn matching_uses_postings_not_a_scan() {
        let n = 20_000;
        let workloads: Vec<Workload> = (0..n)
            .map(|i| {
                workload(
                    0,
                    &format!("w{i}"),
                    Some("ns"),
                    &[("app", &format!("a{i}"))],
                )
            })
            .collect();
        let budgets: Vec<Budget> = (0..n)
            .map(|i| budget(0, i, &format!("b{i}"), app(&format!("a{i}"))))
            .collect();
        let start = std::time::Instant::now();
        let selection = Selection::build(workloads, budgets, HashMap::new(), distance);
        for i in (0..n).step_by(997) {
            let targets = selection.budget_targets(ObjectId { file: 0, offset: i });
            assert_eq!(targets.len(), 1);
            assert_eq!(targets[0].key.name, format!("w{i}"));
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(3));
    }
}
